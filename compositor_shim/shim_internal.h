/*
 * Layouts of the shim's objects, shared by its files. Nothing outside compositor_shim/ (and its
 * tests) includes this.
 */
#ifndef HVD_SHIM_INTERNAL_H
#define HVD_SHIM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <pixman.h>

#include "shim.h"

/* ---- Buffers (shim_buffer.c) ----------------------------------------------------------- */

struct shim_buffer {
	int refs;
	int busy; // committed surfaces showing it; release() when it drops to 0
	pixman_image_t *image;
	int32_t width, height;
	bool opaque; // x8r8g8b8: no pixel lets the surfaces below show through
	shim_buffer_release_fn release;
	void *release_data;
};

/* A committed surface starts or stops showing the buffer. */
void shim_buffer_lock(struct shim_buffer *buffer);
void shim_buffer_unlock(struct shim_buffer *buffer);

/* ---- Output backends (shim_output.c and shim_out_*.c) ------------------------------------ */

#define SHIM_OUTPUT_MAX_BUFFERS 3
/* Frames of damage kept for buffer age; an older buffer is repainted whole. */
#define SHIM_DAMAGE_RING 4

struct shim_output_buffer {
	pixman_image_t *image; // x8r8g8b8 over the backend's memory; NULL: slot unused
	uint64_t seq;          // frame last rendered into it; 0: contents unknown
	void *priv;            // the backend's (dumb buffer, svd framebuffer)
};

struct shim_cursor_state {
	pixman_image_t *image; // a8r8g8b8; NULL hides the plane
	int32_t x, y;          // top-left on the output
	int32_t hot_x, hot_y;
	bool image_changed; // the plane must take the new pixels
};

/* What one commit asks of a backend. */
struct shim_output_state {
	struct shim_output_buffer *buffer;      // NULL: the primary plane keeps its buffer
	const pixman_region32_t *damage;        // what changed since the shown buffer; with buffer
	bool modeset;                           // the first commit in out->mode
	const struct shim_cursor_state *cursor; // NULL: the cursor plane is unchanged
};

/* Called by backends, from their dispatch or commit. */
struct shim_output_events {
	/* The last commit is on screen (its buffer is the front one). time_ns 0: unknown. */
	void (*frame_done)(void *data, uint64_t time_ns);
	/* The display changed mode by itself (host resize, hotplug): the shim should switch to
	 * mode (through shim_output_apply_mode()). */
	void (*mode_changed)(void *data, const struct shim_mode *mode);
};

struct shim_output_impl {
	const char *name;
	void (*destroy)(struct shim_output *out);
	/* Fills buf->image (and priv) for a width x height x8r8g8b8 buffer. */
	int (*buffer_create)(struct shim_output *out, struct shim_output_buffer *buf,
		uint32_t width, uint32_t height);
	void (*buffer_destroy)(struct shim_output *out, struct shim_output_buffer *buf);
	/* Shows state; with test_only, only says whether it would work (no side effects). A
	 * successful non-test commit owes exactly one frame_done(). */
	int (*commit)(
		struct shim_output *out, const struct shim_output_state *state, bool test_only);
	/* Whether the backend can show mode (mode_valid); NULL: any size. */
	bool (*mode_valid)(struct shim_output *out, const struct shim_mode *mode);
	int (*get_fd)(struct shim_output *out); // NULL: no events
	int (*dispatch)(struct shim_output *out);
	/* Become (in)active: drop or take DRM master. NULL: nothing to do. */
	int (*set_active)(struct shim_output *out, bool active);
};

struct shim_output {
	const struct shim_output_impl *impl;
	struct shim_mode mode;
	struct shim_mode *modes; // offered modes, most preferred first; may be NULL
	size_t n_modes;
	bool vsync; // frame_done() comes from the display's refresh (page flips)
	bool has_cursor_plane;
	uint32_t cursor_w, cursor_h; // largest image the plane takes

	unsigned n_buffers;
	struct shim_output_buffer buffers[SHIM_OUTPUT_MAX_BUFFERS];
	/* The previous mode's buffers, kept until a commit in the new mode has replaced them on
	 * screen: freeing a scanned-out buffer would blank the display. */
	struct shim_output_buffer old_buffers[SHIM_OUTPUT_MAX_BUFFERS];
	int front;  // index of the buffer on screen; -1 none
	int queued; // index of the buffer committed but not on screen yet; -1 none
	bool modeset_pending;

	uint64_t seq;                             // frames committed with a buffer
	pixman_region32_t ring[SHIM_DAMAGE_RING]; // ring[s % N]: damage of frame s

	const struct shim_output_events *events;
	void *events_data;
};

/* For backends: the base is set up with impl and n_buffers; the mode comes later. */
void shim_output_init(
	struct shim_output *out, const struct shim_output_impl *impl, unsigned n_buffers);
void shim_output_finish(struct shim_output *out);
/* Replaces the mode list (copied). */
int shim_output_set_modes(struct shim_output *out, const struct shim_mode *modes, size_t n);
/* Backends report events through these. */
void shim_output_frame_done(struct shim_output *out, uint64_t time_ns);
void shim_output_mode_changed(struct shim_output *out, const struct shim_mode *mode);

/* For the shim. */
void shim_output_set_events(
	struct shim_output *out, const struct shim_output_events *events, void *data);
/* Allocates buffers for mode (after a mode_valid() check) and makes it current; the next
 * commit is a modeset. */
int shim_output_apply_mode(struct shim_output *out, const struct shim_mode *mode);
/* A buffer to render the next frame into and the region it needs repainted (frame_damage plus
 * what the buffer missed while others were shown, or all of it); -EBUSY when every buffer is on
 * screen or queued. */
int shim_output_acquire(struct shim_output *out, const pixman_region32_t *frame_damage,
	struct shim_output_buffer **buf, pixman_region32_t *repaint);
/* Commits state; on success records the frame's damage for buffer age. */
int shim_output_commit(
	struct shim_output *out, const struct shim_output_state *state, bool test_only);
/* Forgets every buffer's contents: the next frames repaint whole. */
void shim_output_invalidate(struct shim_output *out);

/* ---- Frame pacing (shim_pacing.c) ------------------------------------------------------ */

struct shim_pacing {
	int64_t period_ns; // shortest time between commits
	int64_t slack_ns;  // with vsync: how early a capped frame may start
	int64_t output_ns; // one refresh of the output
	int64_t retry_ns;  // after a failed commit: not before this
	int64_t last_commit_ns;
	bool committed_once;
	bool wanted;        // something changed since the last commit
	bool frame_pending; // a commit waits for its frame_done()
};

void shim_pacing_init(struct shim_pacing *p, uint32_t output_mhz, uint32_t cap_mhz, bool vsync);
void shim_pacing_schedule(struct shim_pacing *p);
bool shim_pacing_ready(const struct shim_pacing *p, int64_t now_ns);
/* Nanoseconds until ready; 0 now; -1 not before an event. */
int64_t shim_pacing_timeout_ns(const struct shim_pacing *p, int64_t now_ns);
/* A commit went out; frame_event: a frame_done() will follow. */
void shim_pacing_committed(struct shim_pacing *p, int64_t now_ns, bool frame_event);
/* A frame was made with nothing to commit. */
void shim_pacing_idle(struct shim_pacing *p);
/* The output refused the frame: try again a refresh later (never in a busy loop). */
void shim_pacing_failed(struct shim_pacing *p, int64_t now_ns);
void shim_pacing_frame_done(struct shim_pacing *p);

/* ---- Surfaces (shim_surface.c) ---------------------------------------------------------- */

struct shim_frame_request {
	shim_frame_fn fn; // NULL: none
	void *data;
};

struct shim_surface_state {
	struct shim_buffer *buffer; // a reference; current: also locked
	int32_t x, y, z;
	bool visible;
	pixman_region32_t opaque;        // buffer coordinates
	pixman_region32_t damage;        // buffer coordinates; pending only
	struct shim_frame_request frame; // pending only
};

struct shim_surface {
	struct shim *shim;
	uint64_t stamp; // creation order: the tiebreak between equal z
	struct shim_surface_state pending, current;
	bool buffer_attached; // attach() called since the last commit

	struct shim_frame_request frame_queued;   // committed, waiting for a repaint
	struct shim_frame_request frame_inflight; // repainted, waiting for frame_done()

	/* Scratch of one composition, output coordinates. */
	pixman_region32_t paint;        // to paint this frame
	pixman_region32_t paint_opaque; // the part of paint inside the opaque region
};

/* Where a committed surface shows, output coordinates; false when it shows nothing. */
bool shim_surface_extents(const struct shim_surface *s, pixman_box32_t *box);
/* The committed opaque region in output coordinates, clipped to the buffer. */
void shim_surface_opaque_region(const struct shim_surface *s, pixman_region32_t *dst);

/* ---- The compositor (shim.c, shim_composite.c) ------------------------------------------- */

#define SHIM_MAX_LISTENERS 8
#define SHIM_CURSOR_MAX 256
/* Past this many rectangles accumulated damage collapses to its extents: fewer, larger
 * composites beat thousands of tiny ones, and the output's clip list stays short. */
#define SHIM_DAMAGE_MAX_RECTS 128

struct shim_cursor {
	pixman_image_t *image; // a reference; NULL hidden
	int32_t hot_x, hot_y;
	int32_t x, y; // hotspot position
	bool on_plane;
	bool plane_dirty;   // the plane needs a commit
	bool image_changed; // since the last plane commit
	bool plane_refused; // the output rejected this image on its plane: draw it ourselves
};

struct shim {
	struct shim_output *output;
	struct shim_clock clock;
	uint32_t max_refresh_mhz;
	uint32_t background;
	bool active;

	struct shim_surface **surfaces; // bottom to top
	size_t n_surfaces, cap_surfaces;
	uint64_t next_stamp;

	pixman_region32_t damage; // output coordinates, accumulated since the last frame
	struct shim_pacing pacing;
	bool mode_requested; // switch to requested_mode once no frame is in flight
	struct shim_mode requested_mode;
	struct shim_cursor cursor;
	struct shim_stats stats;

	struct {
		const struct shim_listener *listener;
		void *data;
	} listeners[SHIM_MAX_LISTENERS];
};

int64_t shim_now(const struct shim *shim);
/* Adds output-space damage and schedules a frame. */
void shim_damage_region(struct shim *shim, const pixman_region32_t *region);
void shim_damage_box(struct shim *shim, const pixman_box32_t *box);
/* Re-sorts the stack after a z change or insertion. */
void shim_restack(struct shim *shim);
int shim_add_surface(struct shim *shim, struct shim_surface *s);
void shim_remove_surface(struct shim *shim, struct shim_surface *s);
/* The cursor's rectangle on the output; false when hidden. */
bool shim_cursor_box(const struct shim *shim, pixman_box32_t *box);

/* Paints region repaint (output coordinates) of dst from the committed scene, back to front,
 * skipping what opaque surfaces hide; the software cursor on top unless on a plane. */
void shim_composite(struct shim *shim, pixman_image_t *dst, const pixman_region32_t *repaint);

#endif
