/*
 * The console on a compositor_shim surface: the glue between fbc_console's output-agnostic
 * surface (an image plus a damage callback) and the shim, whatever output is under it (our
 * synthvid driver, kernel KMS, memory).
 *
 * The console draws into one x8r8g8b8 image the size of the output, which is also the buffer of a
 * full-screen surface at z 0 (under the player's windows). Each render reports exactly the cells
 * that changed as surface damage, so a typed letter becomes two cells of DIRT on Hyper-V. Frames
 * are paced by the shim: after a commit, nothing is drawn until the shim says that frame reached
 * the output, so under a flood of output the console parses everything and draws at most once per
 * frame, and a keystroke's echo is drawn at once when the output is idle.
 *
 * Why one buffer: the shim copies the surface into its own output buffers when it repaints, and
 * the console only draws between its commits (never while a frame is in flight), so the image
 * always holds what was committed when the shim reads it; a second buffer would cost a copy of
 * every changed cell and buy nothing.
 *
 * A mode change (the shim's resize) gets a new image of the new size: the console repaints into
 * it, its grid follows and the child's window size changes (TIOCSWINSZ, then SIGWINCH).
 *
 * The console's text cursor is drawn by the renderer into the image; the shim's pointer cursor is
 * left hidden.
 *
 * Errors: 0 or negative errno (-ENOMEM, the shim's errors).
 */
#ifndef HVD_FBCON_FBC_OUTPUT_H
#define HVD_FBCON_FBC_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

struct fbc_console;
struct fbc_output;
struct fbc_surface;
struct shim;

struct fbc_output_stats {
	uint64_t renders;     // console renders that drew something
	uint64_t commits;     // surface commits
	uint64_t cells;       // cells drawn
	uint64_t frames_done; // frames the shim reported shown
	uint64_t resizes;     // mode changes followed
};

/* Called after the output changed size and the console followed. */
typedef void (*fbc_output_resize_fn)(void *data, int width, int height);

/* A full-screen surface on shim with an image of the output's size. shim is borrowed and must
 * outlive the output binding. */
int fbc_output_create(struct fbc_output **out, struct shim *shim);
/* Removes the surface. Call before shim_destroy(). NULL is a no-op. */
void fbc_output_destroy(struct fbc_output *output);

/* The surface to create the console with (image and damage callback); the console gets later
 * ones through fbc_console_set_surface() on a resize. */
void fbc_output_get_surface(struct fbc_output *output, struct fbc_surface *out);
/* The console to draw (borrowed; NULL detaches it). */
void fbc_output_set_console(struct fbc_output *output, struct fbc_console *console);
/* fn may be NULL. */
void fbc_output_set_resize_callback(struct fbc_output *output, fbc_output_resize_fn fn, void *data);
void fbc_output_get_size(const struct fbc_output *output, int *width, int *height);

/* Call after anything that can change the screen (pty output, keys, timers, dispatch): when no
 * frame is in flight and the console has something to show, renders it and commits the damage.
 * Returns the number of cells drawn (0 when nothing was due) or negative errno. */
int fbc_output_update(struct fbc_output *output, int64_t now_ms);
/* True from a commit until the shim shows that frame. */
bool fbc_output_frame_pending(const struct fbc_output *output);
/* Milliseconds until fbc_output_update() has something to draw without input (cursor blink);
 * -1 when nothing is due or a frame is in flight (the shim's fd will wake the loop). */
int64_t fbc_output_next_timeout(struct fbc_output *output, int64_t now_ms);

void fbc_output_get_stats(const struct fbc_output *output, struct fbc_output_stats *out);

#endif
