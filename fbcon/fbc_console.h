/*
 * The console: a terminal, its renderer and its child, behind an output-agnostic surface.
 *
 * Whoever shows the console (a compositor_shim surface, a KMS buffer, the headless PNG writer)
 * hands it a struct fbc_surface: a Pixman image to draw into and a callback told which part
 * changed. The caller's loop polls the pty and child fds, feeds key and pointer events, and
 * decides when frames happen: fbc_console_render() draws at most once per call and only what
 * changed, so under a flood of output the loop parses everything it reads and renders once per
 * frame.
 *
 * Time is the caller's too: functions that depend on it take now_ms (a monotonic clock in
 * milliseconds), so tests step it.
 *
 * Errors: 0 or negative errno; constructors set *out only on success.
 */
#ifndef HVD_FBCON_FBC_CONSOLE_H
#define HVD_FBCON_FBC_CONSOLE_H

#include <pixman.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fbc_keymap.h"
#include "fbc_palette.h"

#define FBC_CONSOLE_BLINK_MS 500
#define FBC_CONSOLE_BELL_MS 100
#define FBC_CONSOLE_READ_BUDGET (256u * 1024u) // bytes parsed per fbc_console_read_pty()

struct fbc_console;
struct fbc_font;
struct fbc_term;

struct fbc_surface {
	pixman_image_t *image; // x8r8g8b8 or a8r8g8b8, borrowed until replaced or destroy
	/* Called by fbc_console_render() with what changed, in image coordinates (never empty).
	 * May be NULL. */
	void (*damage)(void *data, const pixman_region32_t *damage);
	void *data;
};

struct fbc_console_config {
	struct fbc_font *font;        // borrowed, outlives the console; NULL: FreeType from below
	const char *font_path;        // NULL: FBC_FONT_DEFAULT_PATH
	const char *const *fallbacks; // NULL: fbc_font_default_fallbacks()
	size_t n_fallbacks;
	int font_size;           // pixels; 0: fbc_font_default_size() of the first surface
	size_t scrollback_lines; // 0: FBC_TERM_DEFAULT_SCROLLBACK
	const struct fbc_palette *palette; // NULL: xterm's
	int blink_ms;                      // 0: FBC_CONSOLE_BLINK_MS; negative: no blinking
	int bell_ms;                       // 0: FBC_CONSOLE_BELL_MS; negative: no visual bell
	int wheel_lines;                   // lines per wheel step; 0: 3
};

enum fbc_console_io {
	FBC_CONSOLE_IO_IDLE = 0, // read everything there was
	FBC_CONSOLE_IO_MORE,     // stopped at the budget: more may be waiting (poll will say)
	FBC_CONSOLE_IO_HANGUP,   // the pty hung up (no child side left)
};

int fbc_console_create(struct fbc_console **out, const struct fbc_console_config *config,
	const struct fbc_surface *surface);
/* Hangs up the child if there is one. NULL is a no-op. */
void fbc_console_destroy(struct fbc_console *console);

/* The terminal (for tests and stats); owned by the console. */
struct fbc_term *fbc_console_term(struct fbc_console *console);
void fbc_console_cell_size(const struct fbc_console *console, int *width, int *height);

/* Child. */
/* Starts argv (NULL: the user's login shell) on a pty of the console's size with TERM=term
 * (NULL: xterm-256color). A previous child must have exited. */
int fbc_console_spawn(struct fbc_console *console, char *const *argv, const char *term);
int fbc_console_pty_fd(const struct fbc_console *console);       // -1 without a child
int fbc_console_child_fd(const struct fbc_console *console);     // pidfd, -1 if none
bool fbc_console_wants_write(const struct fbc_console *console); // poll POLLOUT too
/* Call when the pty fd polls readable (or POLLHUP): reads and parses up to the budget. */
enum fbc_console_io fbc_console_read_pty(struct fbc_console *console);
/* Call when the pty polls writable. */
int fbc_console_flush_pty(struct fbc_console *console);
/* 1 once the child has exited and its remaining output was parsed (*status from waitpid()),
 * 0 while it runs, -ENOENT without a child. Call when the child fd polls readable, or after a
 * hangup. */
int fbc_console_child_exited(struct fbc_console *console, int *status);
/* Without a display (headless, tests): polls the child's fds until it exits, parsing all it
 * writes. Returns its waitpid() status, or negative errno. */
int fbc_console_run_to_exit(struct fbc_console *console);
/* Parses bytes as if the child wrote them. */
void fbc_console_feed(struct fbc_console *console, const void *bytes, size_t len);

/* Input. now_ms restarts the cursor blink so it stays visible while typing. */
void fbc_console_key(
	struct fbc_console *console, const struct fbc_key_action *action, int64_t now_ms);
void fbc_console_paste(struct fbc_console *console, const char *bytes, size_t len);
/* Pointer in surface pixels; buttons 1 left, 2 middle, 3 right. Reported to the child when it
 * asked for mouse reports. */
void fbc_console_pointer_motion(struct fbc_console *console, int x, int y);
void fbc_console_pointer_button(struct fbc_console *console, int button, bool pressed);
/* Wheel steps, negative up: reported to the child, else scrollback on the primary screen,
 * else cursor keys on the alternate screen (what less and vim expect). */
void fbc_console_pointer_axis(struct fbc_console *console, int steps);

/* Output. */
/* A new surface (mode change): the grid and the child's window size follow its size. */
int fbc_console_set_surface(struct fbc_console *console, const struct fbc_surface *surface);
/* Whether fbc_console_render() would change anything now. */
bool fbc_console_needs_frame(struct fbc_console *console, int64_t now_ms);
/* Draws what changed since the last render and reports it through the surface's damage
 * callback. Returns the number of cells drawn, or negative errno. */
int fbc_console_render(struct fbc_console *console, int64_t now_ms);
/* Milliseconds until a render is due without input (cursor blink, end of a bell flash); -1:
 * none. */
int64_t fbc_console_next_timeout(struct fbc_console *console, int64_t now_ms);

#endif
