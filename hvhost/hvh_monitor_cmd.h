/*
 * Monitor requests (vmbus-emu.md §6), pure: one line of text in, a checked command or an error
 * text out. No I/O; the socket side is hvh_monitor.c.
 *
 * A request is one JSON object on one line with a string "cmd". Commands live in a table of
 * definitions: a name, the arguments it takes (name, type, required, integer range) and an
 * opaque cookie for the caller (hvh_monitor.c keeps its handler there). A definition can also
 * be marked unavailable with a reason, for commands the spec has but this build or
 * configuration lacks ("no video device model in this build"), so a client learns why rather
 * than "unknown command". Arguments not in a definition are errors, so a typo such as
 * "timeout" for "timeout_ms" is reported instead of silently ignored.
 *
 * Errors: negative errno, and a human-readable reason in the caller's err buffer (always
 * NUL-terminated, truncated to its size). The texts are what the client sees after "error".
 */
#ifndef HVD_HVHOST_MONITOR_CMD_H
#define HVD_HVHOST_MONITOR_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define HVH_MONITOR_MAX_LINE 65536 // bytes in one request line, without the newline
#define HVH_MONITOR_MAX_DEPTH 16   // JSON nesting allowed in a request
#define HVH_MONITOR_ERR_MAX 256    // room for any error text of this module

enum hvh_arg_type {
	HVH_ARG_STRING, // a JSON string without NUL characters
	HVH_ARG_BOOL,
	HVH_ARG_INT, // a JSON integer (not 1.0) within [min, max]
};

/* One argument of a command; tables end with an entry whose name is NULL. */
struct hvh_cmd_arg {
	const char *name;
	enum hvh_arg_type type;
	bool required;
	int64_t min, max; // HVH_ARG_INT only: inclusive range
};

/* A command (or, for the wait module, a wait condition) of a table. */
struct hvh_cmd_def {
	const char *name;
	const struct hvh_cmd_arg *args; // NULL: the handler checks its own arguments
	const char *unavailable;        // NULL, or why the command cannot run here
	void *cookie;                   // the table owner's; never dereferenced here
};

struct hvh_cmd_table;

/* A parsed request: the definition it names and the whole request object. */
struct hvh_cmd {
	const struct hvh_cmd_def *def; // owned by the table
	struct json_object *req;       // owned: release with hvh_cmd_finish()
};

/* NULL (errno ENOMEM) when out of memory. */
struct hvh_cmd_table *hvh_cmd_table_create(void);
/* NULL is a no-op. Definitions found earlier must not be used afterwards. */
void hvh_cmd_table_destroy(struct hvh_cmd_table *table);

/*
 * Adds a definition. name and unavailable are copied; args must outlive the table. -EEXIST if
 * the name is taken (an available definition replaces an unavailable one: a device model that
 * registers after the fallbacks wins), -EINVAL for an empty name, -ENOMEM.
 */
int hvh_cmd_table_add(struct hvh_cmd_table *table, const char *name, const struct hvh_cmd_arg *args,
	const char *unavailable, void *cookie);
/* The definition named name, or NULL. Valid until the table changes. */
const struct hvh_cmd_def *hvh_cmd_table_find(const struct hvh_cmd_table *table, const char *name);

/*
 * Parses one line (without its newline; a trailing '\r' is ignored) and checks it against the
 * table. On success fills *out and returns 0. Errors, each with its text in err:
 *   -ENODATA   the line is blank: no request, and no reply is due
 *   -EMSGSIZE  longer than HVH_MONITOR_MAX_LINE
 *   -EINVAL    not JSON, not an object, no string "cmd", trailing text, or bad arguments
 *   -ENOENT    no such command
 *   -EOPNOTSUPP the command is unavailable (the definition's reason is in err)
 *   -ENOMEM
 */
int hvh_cmd_parse(const struct hvh_cmd_table *table, const char *line, size_t len,
	struct hvh_cmd *out, char *err, size_t err_len);
/* Releases the request object. Safe on a zeroed or already-finished command. */
void hvh_cmd_finish(struct hvh_cmd *cmd);

/*
 * Checks the arguments of a request object against the union of n_specs argument tables:
 * every key but "cmd" must be in one of them with the right type and range, and every required
 * one present. what names the command in error texts. 0 or -EINVAL with err set.
 */
int hvh_cmd_check_args(const struct json_object *req, const char *what,
	const struct hvh_cmd_arg *const *specs, size_t n_specs, char *err, size_t err_len);

/* Typed getters for checked requests: the value, or def when the key is absent. */
const char *hvh_cmd_get_string(const struct json_object *req, const char *key, const char *def);
bool hvh_cmd_get_bool(const struct json_object *req, const char *key, bool def);
int64_t hvh_cmd_get_int(const struct json_object *req, const char *key, int64_t def);

/*
 * Reply builders for command handlers: add a value under key to obj (not NULL). val is owned
 * by the call: added, or released on failure; a NULL val is the failed allocation of its caller.
 * 0 or -ENOMEM, after which obj may lack the key but is still whole.
 */
int hvh_cmd_put(struct json_object *obj, const char *key, struct json_object *val);
/* A counter or size, clamped to INT64_MAX (JSON integers are signed 64-bit in json-c). */
int hvh_cmd_put_uint(struct json_object *obj, const char *key, uint64_t v);
int hvh_cmd_put_bool(struct json_object *obj, const char *key, bool v);

#endif
