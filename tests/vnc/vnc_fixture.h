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

struct vnc_fixture {
	struct hvhost_harness *h;
	int port;
	pid_t guest;
	int guest_in;   // closing it ends the guest
	int guest_out;  // its stdout: "ready", then "ev TYPE CODE VALUE" lines
	char line[256]; // the last line read from the guest
	char buf[4096];
	size_t buf_len;
};

/*
 * Starts hvhost with "--vnc 127.0.0.1:0" and hvhost_args (NULL-terminated, may be NULL), then,
 * unless guest_args is NULL, vnc_guest with guest_args and waits for its "ready" and for the
 * host's picture to settle (`wait quiet`). -ENOENT when HVHOST or VNC_GUEST is not set (skip).
 */
int vnc_fixture_start(
	struct vnc_fixture *f, const char *const *hvhost_args, const char *const *guest_args);
/* Ends the guest and hvhost; returns hvhost's exit status. */
int vnc_fixture_stop(struct vnc_fixture *f);

/* A monitor command; the reply (caller puts) or NULL. */
struct json_object *vnc_fixture_cmd(struct vnc_fixture *f, const char *line);
/* A monitor command that must reply ok. */
bool vnc_fixture_ok(struct vnc_fixture *f, const char *line);
/* An integer of the reply of cmd at key1[.key2], or -1. */
int64_t vnc_fixture_get(struct vnc_fixture *f, const char *cmd, const char *key1, const char *key2);
/* The next line of the guest's stdout (without the newline), or NULL after the bound. */
const char *vnc_fixture_guest_line(struct vnc_fixture *f);
/* Screenshot (no cursor) into the harness directory as name; its path, static. */
const char *vnc_fixture_screenshot(struct vnc_fixture *f, const char *name);

/* Runs argv (argv[0] looked up in PATH) with stdout and stderr to log_path (may be NULL: the
 * test's stderr), killed after timeout_ms. Returns its exit status, -1 if killed or a
 * signal ended it, -ENOENT if it cannot be run. */
int vnc_run(const char *const *argv, const char *log_path, int timeout_ms);
/* Whether program is found in PATH. */
bool vnc_have(const char *program);

#endif
