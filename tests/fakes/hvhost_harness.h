/*
 * hvhost_harness: runs the built hvhost binary for an integration test and talks to its
 * monitor (vmbus-emu.md §6).
 *
 *	struct hvhost_harness *h;
 *	int ret = hvhost_harness_start(&h, (const char *[]){ "--no-mouse", NULL });
 *	if (ret == -ENOENT) SKIP("HVHOST not set");
 *	REQUIRE(ret == 0);
 *	struct json_object *r = hvhost_harness_cmd(h, "{\"cmd\":\"stats\"}");
 *	... vmb_bus_connect_emu() with .socket_path = hvhost_harness_vmbus_path(h) ...
 *	json_object_put(r);
 *	CHECK_EQ_INT(hvhost_harness_stop(h), 0);   // quit; the exit status
 *	hvhost_harness_destroy(h);                  // kills if still running, removes the dir
 *
 * Where hvhost is: the HVHOST environment variable (meson sets it: tests/hvhost/meson.build).
 * Each start gets a fresh directory under $TMPDIR (or /tmp) holding vmbus.sock, monitor.sock and
 * whatever the test writes there (hvhost_harness_path()). Start-up is synchronised on the line
 * "hvhost: ready" that hvhost prints to stdout once both sockets listen: no polling, no sleeps.
 * hvhost's stderr (its log) goes to the test's stderr.
 *
 * A case that bails out (REQUIRE) before hvhost_harness_destroy() leaks nothing for long: hvhost
 * is killed when the test process exits (PR_SET_PDEATHSIG) and leftover directories are removed
 * at exit.
 *
 * Every wait is bounded (HVHOST_HARNESS_TIMEOUT_MS) so a broken hvhost fails a test instead of
 * hanging it; the bound is never the thing tested. On failure, functions print a TAP comment
 * saying why and return NULL or a negative errno.
 */
#ifndef HVD_TESTS_HVHOST_HARNESS_H
#define HVD_TESTS_HVHOST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;
struct hvhost_harness;
struct hvhost_conn;

#define HVHOST_HARNESS_TIMEOUT_MS 30000

/*
 * Starts hvhost with --vmbus and --monitor in a fresh directory, plus extra_args (a
 * NULL-terminated list, or NULL); an argument starting with "@/" names a file in that directory
 * ("--trace", "@/trace.pcap"). -ENOENT when HVHOST is not set (skip the test), -ECHILD when
 * hvhost exited before it was ready, -ETIMEDOUT, or the errno of what failed.
 */
int hvhost_harness_start(struct hvhost_harness **out, const char *const *extra_args);

/*
 * Asks hvhost to quit (the monitor's `quit`), waits for it to exit and returns its exit
 * status (0..255), or -1 if it died from a signal. If it does not answer or exit within the
 * bound, it is killed with SIGKILL and the result is negative. Leaves the directory in place.
 */
int hvhost_harness_stop(struct hvhost_harness *h);
/* Waits (bounded) for hvhost to exit on its own, e.g. after a signal the test sent; returns as
 * hvhost_harness_stop(). */
int hvhost_harness_wait_exit(struct hvhost_harness *h);
/* Kills hvhost if it still runs, closes every connection, removes the directory and frees h.
 * NULL is a no-op. */
void hvhost_harness_destroy(struct hvhost_harness *h);

pid_t hvhost_harness_pid(const struct hvhost_harness *h);
const char *hvhost_harness_dir(const struct hvhost_harness *h);
const char *hvhost_harness_vmbus_path(const struct hvhost_harness *h);
const char *hvhost_harness_monitor_path(const struct hvhost_harness *h);
/* dir/name in a static buffer overwritten by the next call. */
const char *hvhost_harness_path(const struct hvhost_harness *h, const char *name);

/* Sends line (one JSON object, no newline) on the harness's own monitor connection and
 * returns the reply object (caller puts it), or NULL on a connection error or timeout. */
struct json_object *hvhost_harness_cmd(struct hvhost_harness *h, const char *line);

/* ---- extra monitor connections (several clients, raw bytes) ---- */

/* A new monitor connection; closed by hvhost_conn_close() or hvhost_harness_destroy(). */
struct hvhost_conn *hvhost_harness_connect(struct hvhost_harness *h);
void hvhost_conn_close(struct hvhost_conn *conn);
int hvhost_conn_fd(const struct hvhost_conn *conn);
/* Sends exactly these bytes (no newline added); 0 or negative errno. */
int hvhost_conn_send(struct hvhost_conn *conn, const void *data, size_t len);
/* Reads the next reply line and parses it; NULL (with a note) on EOF, timeout or bad JSON. */
struct json_object *hvhost_conn_read(struct hvhost_conn *conn);
/* hvhost_conn_send() of line plus a newline, then hvhost_conn_read(). */
struct json_object *hvhost_conn_cmd(struct hvhost_conn *conn, const char *line);

/* ---- replies ---- */

/* The member of obj at a dotted path ("video.rx.DIRT"), borrowed from obj; NULL when any step
 * is missing or obj is NULL. */
struct json_object *hvhost_json_path(struct json_object *obj, const char *path);
/* Sends line; true when the reply says "ok": true, else a "# line -> reply" note and false. */
bool hvhost_conn_ok(struct hvhost_conn *conn, const char *line);
bool hvhost_harness_ok(struct hvhost_harness *h, const char *line);
/* The integer (or boolean, 0/1) at path in the reply to {"cmd": cmd}, e.g. ("stats",
 * "video.rx.DIRT"); -1 with a note when there is none. */
int64_t hvhost_conn_get(struct hvhost_conn *conn, const char *cmd, const char *path);
int64_t hvhost_harness_get(struct hvhost_harness *h, const char *cmd, const char *path);

#endif
