/*
 * shim: one output API over the synthvid driver, kernel KMS and memory.
 *
 * Clients (the console, the player, demos) put Pixman images on surfaces; the shim stacks the
 * surfaces, repaints only what changed into the output's back buffer and commits it with its
 * damage, at most once per refresh. Whether the pixels end up in our userspace synthvid driver,
 * a kernel DRM device (hyperv_drm, virtio-gpu) or plain memory is the output backend's business.
 *
 * Objects:
 *  - struct shim_output: a backend (headless, kms, svd). Created on its own, then handed to
 *    shim_create(), which owns it from then on.
 *  - struct shim: the compositor: surfaces, damage, pacing, the cursor.
 *  - struct shim_surface: a buffer at a position and z, with an opaque region. Every setter
 *    changes the *pending* state; shim_surface_commit() applies it all at once.
 *  - struct shim_buffer: a client's Pixman image, reference-counted, with a release callback
 *    called when no committed surface shows it any more (the client may then draw into it).
 *  - struct shim_server: the Unix-socket protocol (doc/shim-protocol.md) for other processes;
 *    they link shim_client.h.
 *
 * Coordinates are output pixels, origin top left; a surface's damage and opaque region are in
 * its buffer's pixels. Output buffers are x8r8g8b8; surfaces take a8r8g8b8 (premultiplied) or
 * x8r8g8b8. Inside a surface's opaque region its alpha is ignored (copied, not blended).
 *
 * Event loop: poll shim_get_fd() for POLLIN with shim_get_timeout_ms(), then call
 * shim_dispatch(), which handles output events and repaints when a frame is due.
 *
 * Error convention: functions return 0 (or a count) on success and a negative errno on failure:
 * -EINVAL a bad argument, -ENOMEM out of memory, -ENOENT no such mode or device, -ENOSPC a limit
 * was reached, -EBUSY the output cannot take a commit now, -EOPNOTSUPP the backend cannot do it,
 * -ENODEV the device went away. Constructors take `**out` and set it only on success;
 * destroy(NULL) and unref(NULL) are no-ops. Predicates return bool. Not thread-safe: a shim and
 * everything made from it belong to one thread.
 */
#ifndef HVD_SHIM_H
#define HVD_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pixman.h>

#ifdef __cplusplus
extern "C" {
#endif

struct shim;
struct shim_output;
struct shim_surface;
struct shim_buffer;
struct shim_server;

#define SHIM_MAX_SIZE 8192     // largest output, surface or buffer side, in pixels
#define SHIM_MAX_POS (1 << 20) // surface and cursor positions are clamped to +-this

struct shim_mode {
	uint32_t width, height;
	uint32_t refresh_mhz; // 0 when the output does not say (pacing then assumes 60 Hz)
	bool preferred;
};

/* ---- Outputs ---------------------------------------------------------------------------- */

struct shim_headless_options {
	uint32_t width, height; // 0: 1024x768
	uint32_t refresh_mhz;   // 0: 60000
	unsigned n_buffers;     // 1..3; 0: 2. Buffer age needs 2 or more.
	bool cursor_plane;      // offer a hardware cursor plane
	uint32_t cursor_size;   // largest cursor image side on the plane; 0: 64
};

/* Renders into memory, for tests and benchmarks. Takes any mode up to SHIM_MAX_SIZE.
 * opts may be NULL (all defaults). */
int shim_output_headless_create(struct shim_output **out, const struct shim_headless_options *opts);

/* The headless output's picture: the last buffer committed (NULL before the first commit).
 * Borrowed, valid until the next dispatch or mode change. NULL for other backends. */
pixman_image_t *shim_output_headless_get_front(struct shim_output *out);
/* Copies the damage of the last commit (output coordinates) into dst, an initialised region.
 * -EINVAL for other backends. */
int shim_output_headless_get_last_damage(struct shim_output *out, pixman_region32_t *dst);
/* Number of commits the headless output took. */
uint64_t shim_output_headless_commit_count(const struct shim_output *out);
/* The cursor on the headless plane: its image (borrowed; NULL when hidden or drawn in software)
 * and top-left position. */
pixman_image_t *shim_output_headless_get_cursor(struct shim_output *out, int32_t *x, int32_t *y);
/* Pretends the display changed its mode (a host resize): the shim reallocates and tells its
 * listeners. -EINVAL for other backends or a bad size. */
int shim_output_headless_host_resize(struct shim_output *out, uint32_t width, uint32_t height);

struct shim_kms_options {
	const char *device;     // "/dev/dri/card0"; NULL: the first card with a connected connector
	const char *connector;  // "Virtual-1"; NULL: the first connected one
	uint32_t width, height; // wanted mode (--mode WxH); 0: the preferred mode
	bool force_legacy;      // do not ask for atomic even if the driver offers it
};

/* Kernel KMS through libdrm: becomes DRM master, sets the mode, scans out dumb buffers;
 * destroy restores the CRTC found at start. -ENOENT no usable device, connector or mode,
 * -EACCES not master. opts may be NULL. */
int shim_output_kms_create(struct shim_output **out, const struct shim_kms_options *opts);

struct vmb_bus;

struct shim_svd_options {
	uint32_t width, height;    // wanted mode; 0: the host's preferred one
	int timeout_ms;            // every wait for the host; 0: 10000
	uint32_t max_cursor_bytes; // see svd_device_options; 0: the driver's default
	/* shim_output_svd_connect() only: */
	const char *vmbus; // emulated host's socket; NULL: $HVDISPLAY_VMBUS, then the default
	bool uio;          // uio_hv_generic on a real Hyper-V guest instead of the emulated host
};

/* Our synthvid driver (drm_driver/) on a bus the caller owns and dispatches (it may carry the
 * keyboard and mouse too); the bus must outlive the output. -ENODEV no synthetic video offered,
 * -ENOENT no such mode, the driver's bring-up errors. opts may be NULL. */
int shim_output_svd_create(
	struct shim_output **out, struct vmb_bus *bus, const struct shim_svd_options *opts);
/* The same on a bus of its own (emulated host or uio), which the output dispatches and
 * destroys. -ENOENT/-ECONNREFUSED no emulated host there. */
int shim_output_svd_connect(struct shim_output **out, const struct shim_svd_options *opts);
/* The svd output's bus (to add the input drivers to it); NULL for other outputs. */
struct vmb_bus *shim_output_svd_get_bus(struct shim_output *out);

struct shim_auto_options {
	const char *backend;    // "auto" (NULL), "svd", "svd-uio", "kms", "headless"
	uint32_t width, height; // --mode WxH; 0: preferred
	const char *vmbus;      // the emulated host's socket (see shim_svd_options)
	const char *device;     // kms device (see shim_kms_options)
	const char *connector;  // kms connector
};

/* The output a program wants: "auto" takes synthvid over the emulated host when one answers,
 * else the first usable kernel DRM device. -ENOENT nothing usable, -EINVAL unknown backend.
 * opts may be NULL. */
int shim_output_create_auto(struct shim_output **out, const struct shim_auto_options *opts);

/* Frees an output not (yet) given to shim_create(). NULL is a no-op. */
void shim_output_destroy(struct shim_output *out);

/* "headless", "kms" or "svd". */
const char *shim_output_get_name(const struct shim_output *out);
/* The current mode (all zero before the output has one). */
struct shim_mode shim_output_get_mode(const struct shim_output *out);
/* Modes the output offers, most preferred first; index past the end gives -ENOENT. Headless
 * lists only its current mode but accepts any size. */
int shim_output_get_mode_at(const struct shim_output *out, size_t index, struct shim_mode *mode);
bool shim_output_has_cursor_plane(const struct shim_output *out);

/* ---- The compositor --------------------------------------------------------------------- */

/* A monotonic clock in nanoseconds; tests step their own. */
struct shim_clock {
	int64_t (*now_ns)(void *data);
	void *data;
};

/* Callbacks from shim_dispatch() or shim_set_mode(). Any member may be NULL. */
struct shim_listener {
	/* The output changed size; every surface stays where it was. */
	void (*resize)(void *data, uint32_t width, uint32_t height, uint32_t refresh_mhz);
	/* A frame reached the output (its commit completed) at time_ns. */
	void (*frame)(void *data, uint64_t time_ns);
};

struct shim_options {
	const struct shim_clock *clock; // NULL: CLOCK_MONOTONIC
	uint32_t max_refresh_mhz;       // cap below the output's refresh; 0: none
	uint32_t background;            // x8r8g8b8 where no surface is; 0 is black
};

/* Takes ownership of output on success (shim_destroy() frees it); on failure the caller keeps
 * it. opts may be NULL. */
int shim_create(struct shim **out, struct shim_output *output, const struct shim_options *opts);
/* Destroys every surface still there (their buffers are released), then the output. */
void shim_destroy(struct shim *shim);

/* Up to 8 listeners; the same (listener, data) pair twice is -EEXIST, too many -ENOSPC.
 * listener must outlive its registration. */
int shim_add_listener(struct shim *shim, const struct shim_listener *listener, void *data);
void shim_remove_listener(struct shim *shim, const struct shim_listener *listener, void *data);

struct shim_output *shim_get_output(struct shim *shim);
/* The output's current size. */
void shim_get_size(const struct shim *shim, uint32_t *width, uint32_t *height);

/* The fd to poll for POLLIN (the output's events); -1 if the output has none. */
int shim_get_fd(const struct shim *shim);
/* Milliseconds until shim_dispatch() has a frame to make (rounded up); 0 now; -1 nothing to do
 * until an fd is readable or something changes. */
int shim_get_timeout_ms(const struct shim *shim);
/* Reads output events and repaints if a frame is due. Never blocks. -ENODEV the output is gone;
 * other errors are logged and the damage is kept for the next frame. */
int shim_dispatch(struct shim *shim);

/* Switches to the output's mode of this size (the fastest refresh when several match);
 * -ENOENT none. Listeners get resize() when the switch happens: before this returns, or after
 * the frame in flight completes (then the return is 0 and the failure, if any, is logged). */
int shim_set_mode(struct shim *shim, uint32_t width, uint32_t height);
/* Repaints the whole output at the next frame (after a VT switch, say). */
void shim_damage_all(struct shim *shim);
/* While inactive the shim commits nothing (damage keeps accumulating); activation repaints all.
 * For VT switches and DRM master loss. */
int shim_set_active(struct shim *shim, bool active);

/* The pointer image: a8r8g8b8, at most 256x256; NULL hides it. The shim takes a reference;
 * the image must not change while set (set it again after drawing into it). Goes to the
 * output's cursor plane when it has one that fits, else is drawn over the surfaces. */
int shim_set_cursor(struct shim *shim, pixman_image_t *image, int32_t hot_x, int32_t hot_y);
/* Moves the hotspot to (x, y), output coordinates; may be off screen. */
void shim_move_cursor(struct shim *shim, int32_t x, int32_t y);
/* True when the cursor is on a hardware plane now. */
bool shim_cursor_on_plane(const struct shim *shim);

struct shim_stats {
	uint64_t frames;          // repaints that committed something
	uint64_t commits_failed;  // commits the output refused (damage kept)
	uint64_t surface_commits; // shim_surface_commit() calls
	uint64_t pixels_painted;  // pixels composited, background included
	uint64_t surfaces_culled; // surface repaints skipped because opaque surfaces hid them
};
void shim_get_stats(const struct shim *shim, struct shim_stats *stats);

/* ---- Buffers ---------------------------------------------------------------------------- */

/* Called once each time the shim stops showing the buffer (no committed surface holds it). */
typedef void (*shim_buffer_release_fn)(void *data, struct shim_buffer *buffer);

/* Wraps image (a8r8g8b8 or x8r8g8b8, sides 1..SHIM_MAX_SIZE; else -EINVAL) and takes a
 * reference to it. The caller holds one buffer reference. release may be NULL. */
int shim_buffer_create(struct shim_buffer **out, pixman_image_t *image,
	shim_buffer_release_fn release, void *data);
/* Replaces the release callback; NULL: nobody is told any more (a client forgot the buffer
 * while a surface still uses it). */
void shim_buffer_set_release(
	struct shim_buffer *buffer, shim_buffer_release_fn release, void *data);
struct shim_buffer *shim_buffer_ref(struct shim_buffer *buffer);
/* Drops a reference; the last one frees the buffer and unrefs its image. */
void shim_buffer_unref(struct shim_buffer *buffer);
/* Borrowed; valid while the caller holds a buffer reference. */
pixman_image_t *shim_buffer_get_image(const struct shim_buffer *buffer);
/* True while a committed surface shows the buffer: the client must not draw into it. */
bool shim_buffer_is_busy(const struct shim_buffer *buffer);

/* ---- Surfaces --------------------------------------------------------------------------- */

/* A new surface: no buffer, at (0, 0), z 0, visible, nothing opaque. Surfaces of equal z stack
 * in creation order, the newest on top. */
int shim_surface_create(struct shim *shim, struct shim_surface **out);
/* Damages where the surface was, releases its buffer. NULL is a no-op. */
void shim_surface_destroy(struct shim_surface *surface);

/* Pending: show buffer (referenced until replaced and committed); NULL removes the content.
 * A new buffer damages the whole surface unless shim_surface_damage() narrows it. */
void shim_surface_attach(struct shim_surface *surface, struct shim_buffer *buffer);
/* Pending: this rectangle of the buffer changed. Clipped to the buffer at commit; -EINVAL for
 * a negative size. */
int shim_surface_damage(
	struct shim_surface *surface, int32_t x, int32_t y, int32_t width, int32_t height);
void shim_surface_set_position(struct shim_surface *surface, int32_t x, int32_t y);
void shim_surface_set_z(struct shim_surface *surface, int32_t z);
void shim_surface_set_visible(struct shim_surface *surface, bool visible);
/* Pending opaque region, buffer coordinates (NULL: nothing opaque). The shim copies it. An
 * x8r8g8b8 buffer is opaque everywhere whatever this says. */
int shim_surface_set_opaque_region(struct shim_surface *surface, const pixman_region32_t *region);

typedef void (*shim_frame_fn)(void *data, struct shim_surface *surface, uint64_t time_ns);
/* Pending, one shot: call fn after the next frame that follows the commit reaches the output
 * (at once after that repaint if nothing needed showing). A later request replaces an earlier
 * one that was not committed. */
void shim_surface_request_frame(struct shim_surface *surface, shim_frame_fn fn, void *data);

/* Applies the pending state atomically and schedules a frame if anything visible changed. */
int shim_surface_commit(struct shim_surface *surface);

void shim_surface_get_position(const struct shim_surface *surface, int32_t *x, int32_t *y);

/* ---- The socket server (doc/shim-protocol.md) ------------------------------------------- */

/* Listens on path (NULL: $XDG_RUNTIME_DIR/hvdisplay/shim.sock, else
 * /tmp/hvdisplay-<uid>/shim.sock); a stale socket file is replaced. The server must be
 * destroyed before the shim. */
int shim_server_create(struct shim_server **out, struct shim *shim, const char *path);
/* Disconnects every client (their surfaces go away) and removes the socket file. */
void shim_server_destroy(struct shim_server *server);
/* Serves an already connected SOCK_SEQPACKET socket (a socketpair end, say); takes the fd,
 * closing it on failure too. */
int shim_server_add_client(struct shim_server *server, int fd);
/* One fd for the listening socket and every client: poll it for POLLIN. */
int shim_server_get_fd(const struct shim_server *server);
/* Accepts, reads and answers what is ready, never blocks. A client that breaks the protocol
 * gets an error message and is disconnected; the others go on. */
int shim_server_dispatch(struct shim_server *server);
size_t shim_server_client_count(const struct shim_server *server);
/* The socket file it listens on; NULL when it serves only added clients. */
const char *shim_server_get_path(const struct shim_server *server);
/* Count of rejections for a reason ("bad damage", "fd not sealed", ...; doc/shim-protocol.md
 * lists them) or of messages of a type ("rx surface_commit"); 0 for a name never counted. */
uint64_t shim_server_get_counter(const struct shim_server *server, const char *name);

#ifdef __cplusplus
}
#endif

#endif
