/*
 * The VNC tests' fixture: hvhost with --vnc on a port of its choosing (asked back from the
 * monitor's `vnc`), optionally the test guest (vnc_guest) on it, and child programs run with a
 * bound. Waits are the monitor's (`wait`), never sleeps.
 */
#ifndef HVD_TESTS_VNC_FIXTURE_H
#define HVD_TESTS_VNC_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hvhost_harness.h"

struct json_object;
struct hvhost_conn;
struct rfb_client;

struct vnc_fixture {
	struct hvhost_harness *h;
	int port;
	pid_t guest;
	int guest_in;   // closing it ends the guest
	int guest_out;  // its stdout: "ready", then "ev TYPE CODE VALUE" lines
	char line[256]; // the last line read from the guest
	char buf[4096];
	size_t buf_len;
	struct hvhost_conn *waiter; // a second monitor connection, for waits beside a client
};

/*
 * Starts hvhost with "--vnc 127.0.0.1:0" and hvhost_args (NULL-terminated, may be NULL), then,
 * unless guest_args is NULL, vnc_guest with guest_args and waits for its "ready" and for the
 * host's picture to settle (`wait quiet`; not with --anim). -ENOENT when HVHOST or VNC_GUEST is not set (skip).
 */
int vnc_fixture_start(
	struct vnc_fixture *f, const char *const *hvhost_args, const char *const *guest_args);
/* Ends the guest and hvhost; returns hvhost's exit status. */
int vnc_fixture_stop(struct vnc_fixture *f);

/* A monitor command; the reply (caller puts) or NULL. */
struct json_object *vnc_fixture_cmd(struct vnc_fixture *f, const char *line);
/* A monitor command that must reply ok. */
bool vnc_fixture_ok(struct vnc_fixture *f, const char *line);
/* Writes line and a newline to the guest's stdin (vnc_guest.c: "mode WxH"). */
bool vnc_fixture_guest_send(struct vnc_fixture *f, const char *line);
/* An integer (or boolean) at a dotted path of cmd's reply ("video.feature.dirt"), or -1. */
int64_t vnc_fixture_get_path(struct vnc_fixture *f, const char *cmd, const char *path);
/* The next line of the guest's stdout (without the newline), or NULL after the bound. */
const char *vnc_fixture_guest_line(struct vnc_fixture *f);
/* Screenshot (no cursor) into the harness directory as name; its path, static. */
const char *vnc_fixture_screenshot(struct vnc_fixture *f, const char *name);
/* The same with the cursor drawn in, as a viewer without cursor shapes sees it. */
const char *vnc_fixture_screenshot_cursor(struct vnc_fixture *f, const char *name);

/*
 * Brings client c up to date: keeps reading its updates (asking for the next after each) until
 * the monitor's `vnc_synced` for its peer answers, then fences (rfb_client_fence()), so c->fb
 * holds everything the server sent. 0, or negative errno with a note.
 */
int vnc_fixture_sync(struct vnc_fixture *f, struct rfb_client *c);
/* Pixels of c's picture (in c->pf) that differ from a fresh screenshot named name (with the
 * cursor drawn in unless c takes cursor shapes); -1 when the sizes differ or the screenshot
 * fails. Notes the first difference. */
long vnc_fixture_diff(struct vnc_fixture *f, const struct rfb_client *c, const char *name);

/* Runs argv (argv[0] looked up in PATH) with stdout and stderr to log_path (may be NULL: the
 * test's stderr), killed after timeout_ms. Returns its exit status, -1 if killed or a
 * signal ended it, -ENOENT if it cannot be run. */
int vnc_run(const char *const *argv, const char *log_path, int timeout_ms);
/* Whether program is found in PATH. */
bool vnc_have(const char *program);

#endif
