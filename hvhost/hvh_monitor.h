/*
 * The host monitor (vmbus-emu.md §6): an AF_UNIX stream socket speaking one JSON object per
 * line each way, for tests, scripts and people (`socat - UNIX:monitor.sock`).
 *
 * The monitor is a command server and nothing else: commands come from whoever registers them
 * (hvh_builtin.c for stats/wait/quit/rescind/reoffer/pause, device models for screenshot, type,
 * key, mouse, feature). Each client has its requests run one at a time, in order: a command's
 * reply is sent only when the command has taken effect, which may be long after its handler
 * returned (a wait, a key whose packets wait for ring space), and the client's next line is
 * read only then. Several clients are served at once, and none can block the host: sockets are
 * non-blocking, replies queue per client, and a client that stops reading its replies stops
 * being read (and is dropped if it is still sending after HVH_MONITOR_MAX_QUEUED bytes).
 *
 * `wait` is built in: device models register further conditions (mode, dirt, quiet) as
 * predicates, and call hvh_monitor_poke() when their state changed so pending waits are
 * re-evaluated.
 *
 * Errors: negative errno. Single-threaded: everything runs from the loop given at creation.
 */
#ifndef HVD_HVHOST_MONITOR_H
#define HVD_HVHOST_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvh_monitor_cmd.h"
#include "loop.h"
#include "macros.h"

struct json_object;
struct hvh_monitor;
struct hvh_request;

#define HVH_MONITOR_MAX_CLIENTS 32
#define HVH_MONITOR_MAX_QUEUED (1024 * 1024) // reply bytes queued for one client

/* Listens on path (an existing socket there is replaced only if nobody answers on it). */
int hvh_monitor_create(struct hvh_monitor **out, struct loop *loop, const char *path);
/* Cancels every pending request (their cancel hooks run), closes the clients and the socket,
 * and unlinks the path. NULL is a no-op. */
void hvh_monitor_destroy(struct hvh_monitor *mon);

const char *hvh_monitor_path(const struct hvh_monitor *mon);

/* Writes queued replies for at most timeout_ms (blocking): for the replies of `quit` on the
 * way out, when the loop no longer runs. */
void hvh_monitor_flush(struct hvh_monitor *mon, int timeout_ms);

/* ---- commands ---- */

/*
 * A command handler. args is the whole request object (with "cmd"), already checked against
 * the argument table given at registration; borrowed until the request completes. The handler
 * completes req now or later, exactly once, with hvh_request_done() or hvh_request_fail().
 */
typedef void (*hvh_command_fn)(void *data, struct hvh_request *req, struct json_object *args);

/*
 * Registers cmd. args is a table ending with a NULL name (it must outlive the monitor) or NULL
 * when the handler checks its arguments itself. -EEXIST if taken, -ENOMEM.
 */
int hvh_monitor_add_command(struct hvh_monitor *mon, const char *cmd,
	const struct hvh_cmd_arg *args, hvh_command_fn fn, void *data);
/* Registers cmd as known but unavailable: requests get "command 'cmd' is not available:
 * <reason>". A later hvh_monitor_add_command() of the same name replaces it. */
int hvh_monitor_add_unavailable(struct hvh_monitor *mon, const char *cmd, const char *reason);
bool hvh_monitor_has_command(const struct hvh_monitor *mon, const char *cmd);

/* ---- requests ---- */

/* The reply being built, {"ok": true} so far: add fields to it before hvh_request_done(). NULL
 * when out of memory (done then replies with an error). Owned by the request. */
struct json_object *hvh_request_reply(struct hvh_request *req);
/* Sends the reply and frees req. */
void hvh_request_done(struct hvh_request *req);
/* Sends {"ok": false, "error": <text>} and frees req. */
void hvh_request_fail(struct hvh_request *req, const char *fmt, ...) PRINTF(2, 3);

/*
 * A handler that keeps req after returning sets a cancel hook: it runs when the client goes
 * away or the monitor is destroyed, after which req is freed and must not be used. Without a
 * hook, a request whose client went away stays valid until completed (its reply is dropped).
 */
typedef void (*hvh_request_cancel_fn)(void *data, struct hvh_request *req);
void hvh_request_set_cancel(struct hvh_request *req, hvh_request_cancel_fn fn, void *data);

/* ---- waits ---- */

struct hvh_wait_state {
	struct json_object *args; // the request object; borrowed while the wait is pending
	int64_t start_ms;         // loop_now_ms() when the request arrived
	uint64_t snapshot;        // set by start() for check() (e.g. video.rx.DIRT at the start)
};

struct hvh_wait_impl {
	const char *what; // the `what` of the request
	/* Arguments beyond "what" and "timeout_ms" (NULL-name-terminated); NULL for none. */
	const struct hvh_cmd_arg *args;
	/* Optional. Checks what the table cannot and takes a snapshot; 0, or -EINVAL with err. */
	int (*start)(void *data, struct hvh_wait_state *w, char *err, size_t err_len);
	/*
	 * Whether the condition holds now. If so it may add fields to reply ({"ok": true}).
	 * If not, it may set *recheck_ms >= 0 to be evaluated again after that long even
	 * without a poke (a time-based condition such as `quiet`). Called at the request, after
	 * every poke and when a recheck falls due; must not complete or send anything.
	 */
	bool (*check)(void *data, const struct hvh_wait_state *w, struct json_object *reply,
		int64_t *recheck_ms);
};

#define HVH_WAIT_DEFAULT_TIMEOUT_MS 10000
#define HVH_WAIT_MAX_TIMEOUT_MS 3600000

/* impl must outlive the monitor. -EEXIST if the `what` is taken, -ENOMEM. */
int hvh_monitor_add_wait(struct hvh_monitor *mon, const struct hvh_wait_impl *impl, void *data);
/* As hvh_monitor_add_unavailable(), for a wait condition. */
int hvh_monitor_add_wait_unavailable(struct hvh_monitor *mon, const char *what, const char *reason);
bool hvh_monitor_has_wait(const struct hvh_monitor *mon, const char *what);

/* Something a wait condition looks at changed: re-evaluate pending waits once the current
 * callback returns (never from inside it, so models may poke from anywhere). */
void hvh_monitor_poke(struct hvh_monitor *mon);

#endif
