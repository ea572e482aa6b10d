/*
 * hvcon on a display: the console on a compositor_shim output (synthvid over the emulated host or
 * Hyper-V, kernel KMS, or memory), keyboard and mouse from input_hv or libinput, the shim's socket
 * for other programs' windows (hvplay), and the loop that runs them all until the child exits.
 *
 * The output comes up when the host does: with the synthvid output (or auto) and no host
 * listening yet, hvcon waits for one, so a script can start it right after hvhost.
 *
 * The child gets $HVDISPLAY_SHIM, the path of the shim socket (when the server runs), so a player
 * started from the shell can put its window above the console.
 */
#ifndef HVD_FBCON_FBC_DISPLAY_H
#define HVD_FBCON_FBC_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "fbc_console.h"
#include "fbc_keymap.h"

struct fbc_display_options {
	const char *output;      // "auto" (NULL), "svd", "svd-uio", "kms", "headless"
	const char *vmbus;       // the emulated host's socket; NULL: $HVDISPLAY_VMBUS, the default
	const char *device;      // KMS device; NULL: the first usable
	uint32_t width, height;  // mode; 0: the output's preferred one
	const char *input;       // "auto" (NULL): hvi on synthvid, libinput on KMS; "hvi",
				 // "libinput", "none"
	const char *seat;        // libinput udev seat; NULL: seat0
	const char *shim_socket; // NULL: the default path; "none": no server
	bool wait_host;          // retry while no host answers (synthvid and auto)
	bool restart;            // start the child again when it exits
	bool print_stats;        // one line of counters on stderr at the end
	struct fbc_console_config console;
	struct fbc_keymap_config keymap;
	char *const *argv; // NULL: the user's login shell
	const char *term;  // TERM for the child
};

/* Runs until the child exits (without restart) or a signal (SIGTERM, SIGINT, SIGHUP) asks to
 * stop. Returns the child's waitpid() status, 0 after a signal, or negative errno when the output
 * or the console could not be set up or the output went away (the log says why). */
int fbc_display_run(const struct fbc_display_options *options);

#endif
