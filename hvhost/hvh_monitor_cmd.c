/* Monitor request parsing (vmbus-emu.md §6): one line -> a checked command or an error text. */
#include "hvh_monitor_cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"

/* Names quoted in error texts are cut here, so a hostile name cannot blow up a reply. */
#define QUOTE_MAX 64

struct hvh_cmd_table {
	struct hvh_cmd_def *defs;
	size_t n, cap;
};

PRINTF(3, 4)
static void set_err(char *err, size_t len, const char *fmt, ...)
{
	if (!err || !len)
		return;
	va_list args;
	va_start(args, fmt);
	vsnprintf(err, len, fmt, args);
	va_end(args);
}

struct hvh_cmd_table *hvh_cmd_table_create(void)
{
	return calloc(1, sizeof(struct hvh_cmd_table));
}

static void free_def(struct hvh_cmd_def *def)
{
	free((char *)def->name);
	free((char *)def->unavailable);
}

void hvh_cmd_table_destroy(struct hvh_cmd_table *table)
{
	if (!table)
		return;
	for (size_t i = 0; i < table->n; i++)
		free_def(&table->defs[i]);
	free(table->defs);
	free(table);
}

static struct hvh_cmd_def *find_def(const struct hvh_cmd_table *table, const char *name)
{
	for (size_t i = 0; i < table->n; i++) {
		if (strcmp(table->defs[i].name, name) == 0)
			return &table->defs[i];
	}
	return NULL;
}

const struct hvh_cmd_def *hvh_cmd_table_find(const struct hvh_cmd_table *table, const char *name)
{
	return name ? find_def(table, name) : NULL;
}

int hvh_cmd_table_add(struct hvh_cmd_table *table, const char *name, const struct hvh_cmd_arg *args,
	const char *unavailable, void *cookie)
{
	if (!name || !name[0])
		return -EINVAL;
	struct hvh_cmd_def *old = find_def(table, name);
	if (old && (!old->unavailable || unavailable))
		return -EEXIST;
	struct hvh_cmd_def def = {
		.name = strdup(name),
		.args = args,
		.unavailable = unavailable ? strdup(unavailable) : NULL,
		.cookie = cookie,
	};
	if (!def.name || (unavailable && !def.unavailable)) {
		free_def(&def);
		return -ENOMEM;
	}
	if (old) {
		free_def(old);
		*old = def;
		return 0;
	}
	if (table->n == table->cap) {
		size_t cap = table->cap ? table->cap * 2 : 16;
		struct hvh_cmd_def *defs = realloc(table->defs, cap * sizeof(*defs));
		if (!defs) {
			free_def(&def);
			return -ENOMEM;
		}
		table->defs = defs;
		table->cap = cap;
	}
	table->defs[table->n++] = def;
	return 0;
}

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	}
	return true;
}

/* The JSON value of the whole line (NULL is JSON null when *ret is 0), or *ret < 0 and err. */
static struct json_object *parse_json(
	const char *line, size_t len, int *ret, char *err, size_t err_len)
{
	struct json_tokener *tok = json_tokener_new_ex(HVH_MONITOR_MAX_DEPTH);
	if (!tok) {
		*ret = -ENOMEM;
		set_err(err, err_len, "out of memory");
		return NULL;
	}
	/* Trailing text is checked below, so the message can say what it is. */
	json_tokener_set_flags(tok,
		JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8 |
			JSON_TOKENER_ALLOW_TRAILING_CHARS);
	struct json_object *obj = json_tokener_parse_ex(tok, line, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* The line is complete: a terminating NUL ends a bare number or literal, and makes
		 * anything still open an "unexpected end of data". */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	json_tokener_free(tok);
	*ret = -EINVAL;
	if (jerr != json_tokener_success) {
		json_object_put(obj);
		if (jerr == json_tokener_error_depth)
			set_err(err, err_len, "malformed JSON: nesting deeper than %d",
				HVH_MONITOR_MAX_DEPTH);
		else
			set_err(err, err_len, "malformed JSON at byte %zu: %s", end,
				json_tokener_error_desc(jerr));
		return NULL;
	}
	if (end < len && !is_blank(line + end, len - end)) {
		json_object_put(obj);
		set_err(err, err_len, "unexpected text after the JSON object at byte %zu", end);
		return NULL;
	}
	*ret = 0;
	return obj;
}

static int get_cmd_name(struct json_object *req, const char **name, char *err, size_t err_len)
{
	if (!json_object_is_type(req, json_type_object)) {
		set_err(err, err_len, "request must be a JSON object, not %s",
			json_type_to_name(json_object_get_type(req)));
		return -EINVAL;
	}
	struct json_object *cmd;
	if (!json_object_object_get_ex(req, "cmd", &cmd)) {
		set_err(err, err_len, "request has no \"cmd\"");
		return -EINVAL;
	}
	if (!json_object_is_type(cmd, json_type_string)) {
		set_err(err, err_len, "\"cmd\" must be a string, not %s",
			json_type_to_name(json_object_get_type(cmd)));
		return -EINVAL;
	}
	const char *s = json_object_get_string(cmd);
	size_t slen = (size_t)json_object_get_string_len(cmd);
	if (slen == 0 || strlen(s) != slen) {
		set_err(err, err_len, "\"cmd\" must be a non-empty string without NUL characters");
		return -EINVAL;
	}
	*name = s;
	return 0;
}

int hvh_cmd_parse(const struct hvh_cmd_table *table, const char *line, size_t len,
	struct hvh_cmd *out, char *err, size_t err_len)
{
	set_err(err, err_len, "%s", "");
	if (len > HVH_MONITOR_MAX_LINE) {
		set_err(err, err_len, "line too long: %zu bytes (the limit is %d)", len,
			HVH_MONITOR_MAX_LINE);
		return -EMSGSIZE;
	}
	if (is_blank(line, len))
		return -ENODATA;
	if (memchr(line, '\0', len)) {
		set_err(err, err_len, "line contains a NUL byte");
		return -EINVAL;
	}
	int ret;
	struct json_object *req = parse_json(line, len, &ret, err, err_len);
	if (ret < 0)
		return ret;
	const char *name;
	ret = get_cmd_name(req, &name, err, err_len);
	if (ret < 0)
		goto err_req;
	const struct hvh_cmd_def *def = find_def(table, name);
	if (!def) {
		set_err(err, err_len, "unknown command '%.*s'", QUOTE_MAX, name);
		ret = -ENOENT;
		goto err_req;
	}
	if (def->unavailable) {
		set_err(err, err_len, "command '%s' is not available: %s", def->name,
			def->unavailable);
		ret = -EOPNOTSUPP;
		goto err_req;
	}
	if (def->args) {
		const struct hvh_cmd_arg *const specs[] = { def->args };
		ret = hvh_cmd_check_args(req, def->name, specs, 1, err, err_len);
		if (ret < 0)
			goto err_req;
	}
	*out = (struct hvh_cmd){ .def = def, .req = req };
	return 0;

err_req:
	json_object_put(req);
	return ret;
}

void hvh_cmd_finish(struct hvh_cmd *cmd)
{
	json_object_put(cmd->req);
	*cmd = (struct hvh_cmd){ 0 };
}

static const struct hvh_cmd_arg *find_arg(
	const struct hvh_cmd_arg *const *specs, size_t n_specs, const char *key)
{
	for (size_t i = 0; i < n_specs; i++) {
		for (const struct hvh_cmd_arg *a = specs[i]; a && a->name; a++) {
			if (strcmp(a->name, key) == 0)
				return a;
		}
	}
	return NULL;
}

static int check_value(const struct hvh_cmd_arg *a, struct json_object *val, const char *what,
	char *err, size_t err_len)
{
	static const char *const type_names[] = {
		[HVH_ARG_STRING] = "a string",
		[HVH_ARG_BOOL] = "true or false",
		[HVH_ARG_INT] = "an integer",
	};
	static const enum json_type json_types[] = {
		[HVH_ARG_STRING] = json_type_string,
		[HVH_ARG_BOOL] = json_type_boolean,
		[HVH_ARG_INT] = json_type_int,
	};
	if (!json_object_is_type(val, json_types[a->type])) {
		set_err(err, err_len, "argument '%s' of '%s' must be %s, not %s", a->name, what,
			type_names[a->type], json_type_to_name(json_object_get_type(val)));
		return -EINVAL;
	}
	if (a->type == HVH_ARG_STRING &&
		strlen(json_object_get_string(val)) != (size_t)json_object_get_string_len(val)) {
		set_err(err, err_len, "argument '%s' of '%s' contains a NUL character", a->name,
			what);
		return -EINVAL;
	}
	if (a->type == HVH_ARG_INT) {
		/* Integers beyond int64 read back clamped, which the range check still rejects. */
		int64_t v = json_object_get_int64(val);
		if (v < a->min || v > a->max) {
			set_err(err, err_len,
				"argument '%s' of '%s' must be between %" PRId64 " and %" PRId64,
				a->name, what, a->min, a->max);
			return -EINVAL;
		}
	}
	return 0;
}

int hvh_cmd_check_args(const struct json_object *req, const char *what,
	const struct hvh_cmd_arg *const *specs, size_t n_specs, char *err, size_t err_len)
{
	json_object_object_foreach((struct json_object *)req, key, val)
	{
		if (strcmp(key, "cmd") == 0)
			continue;
		const struct hvh_cmd_arg *a = find_arg(specs, n_specs, key);
		if (!a) {
			set_err(err, err_len, "unknown argument '%.*s' for '%s'", QUOTE_MAX, key,
				what);
			return -EINVAL;
		}
		int ret = check_value(a, val, what, err, err_len);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < n_specs; i++) {
		for (const struct hvh_cmd_arg *a = specs[i]; a && a->name; a++) {
			if (a->required && !json_object_object_get_ex(req, a->name, NULL)) {
				set_err(err, err_len, "missing argument '%s' for '%s'", a->name,
					what);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static struct json_object *get_typed(
	const struct json_object *req, const char *key, enum json_type type)
{
	struct json_object *val;
	if (!req || !json_object_object_get_ex(req, key, &val) || !json_object_is_type(val, type))
		return NULL;
	return val;
}

const char *hvh_cmd_get_string(const struct json_object *req, const char *key, const char *def)
{
	struct json_object *val = get_typed(req, key, json_type_string);
	return val ? json_object_get_string(val) : def;
}

bool hvh_cmd_get_bool(const struct json_object *req, const char *key, bool def)
{
	struct json_object *val = get_typed(req, key, json_type_boolean);
	return val ? json_object_get_boolean(val) : def;
}

int64_t hvh_cmd_get_int(const struct json_object *req, const char *key, int64_t def)
{
	struct json_object *val = get_typed(req, key, json_type_int);
	return val ? json_object_get_int64(val) : def;
}

int hvh_cmd_put(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val || json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

int hvh_cmd_put_uint(struct json_object *obj, const char *key, uint64_t v)
{
	return hvh_cmd_put(obj, key, json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v));
}

int hvh_cmd_put_bool(struct json_object *obj, const char *key, bool v)
{
	return hvh_cmd_put(obj, key, json_object_new_boolean(v));
}
