/*
 * Headless Chromium driven through the Chrome DevTools Protocol over --remote-debugging-pipe:
 * JSON commands written to the browser's fd 3, replies and events read from its fd 4, each
 * message ended by a NUL. No WebSocket and no extra package: the browser and json-c are all it
 * takes. For the noVNC test.
 *
 * The browser runs in a process group of its own with a fresh --user-data-dir; cdp_stop()
 * closes it, kills whatever of the group is left and removes the directory. Every read is
 * bounded (CDP_TIMEOUT_MS). Errors: NULL or negative errno, with a TAP note saying why.
 */
#ifndef HVD_TESTS_CDP_H
#define HVD_TESTS_CDP_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct cdp;

#define CDP_TIMEOUT_MS 30000

/* Starts Chromium headless with a window of width x height; its log goes to log_path. */
int cdp_start(struct cdp **out, int width, int height, const char *log_path);
/* Closes the browser, ends its process group, removes its profile. NULL is a no-op. */
void cdp_stop(struct cdp *c);

/*
 * Sends method with params (a JSON object's text, NULL for none) to the page session, or to the
 * browser before cdp_open_page(), and waits for its reply. Returns the reply's "result" (the
 * caller puts it), or NULL on an error reply, a timeout or a dead browser. Events that arrive
 * meanwhile are dropped, except the one cdp_wait_event() is waiting for.
 */
struct json_object *cdp_call(struct cdp *c, const char *method, const char *params);
/* A new page (tab) attached with a flat session; later calls go to it. */
int cdp_open_page(struct cdp *c);
/* Sends method (with Page events enabled) and waits for the event named event after it. */
int cdp_call_and_wait_event(
	struct cdp *c, const char *method, const char *params, const char *event);
/* Runtime.evaluate of expression, awaiting a promise; the value as JSON (caller puts), or NULL
 * on an exception. */
struct json_object *cdp_eval(struct cdp *c, const char *expression);

/* Standard base64 into a new buffer (caller frees); NULL if malformed. */
uint8_t *cdp_base64_decode(const char *text, size_t *len);

#endif
