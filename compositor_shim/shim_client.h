/*
 * shim_client: for another process (the player) to show surfaces through a running shim, over
 * its Unix socket (doc/shim-protocol.md). Links only the C library and the protocol codec.
 *
 * The shim hands out shared-memory buffers: draw into shim_client_buffer_data(), attach, damage,
 * commit; wait for the buffer's release before drawing into it again (double-buffer to avoid
 * waiting). Ask for a frame callback at commit to draw the next frame when the shim shows one.
 *
 * Event loop: poll shim_client_get_fd() for POLLIN and call shim_client_dispatch(). Connecting,
 * creating a buffer and shim_client_roundtrip() wait for the server's answer (at most 5 s),
 * dispatching other events meanwhile. Requests are sent at once and block while the server's
 * socket is full (the server reads a client's requests in rounds of 64).
 *
 * Error convention: 0 or a negative errno: -ENOTCONN the server hung up or disconnected us
 * (after an ERROR event, which the listener saw), -EPROTO the server sent something invalid,
 * -ETIMEDOUT no answer, -EINVAL a bad argument, -ENOMEM. Constructors take `**out` and set it
 * only on success; destroy(NULL) is a no-op. Not thread-safe.
 */
#ifndef HVD_SHIM_CLIENT_H
#define HVD_SHIM_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct shim_client;
struct shim_client_buffer;
struct shim_client_surface;

#define SHIM_CLIENT_FORMAT_ARGB8888 0x34325241u // 'AR24', premultiplied alpha
#define SHIM_CLIENT_FORMAT_XRGB8888 0x34325258u // 'XR24'

/* Callbacks from dispatch (and from the waits). Any member may be NULL. */
struct shim_client_listener {
	/* The shim no longer reads the buffer: it may be drawn into. */
	void (*release)(void *data, struct shim_client_buffer *buffer);
	/* A commit that asked for it is on screen. */
	void (*frame_done)(void *data, struct shim_client_surface *surface, uint64_t time_ns);
	/* The output changed size. */
	void (*mode)(void *data, uint32_t width, uint32_t height, uint32_t refresh_mhz);
	/* The server rejected a request and is disconnecting us; text says why. */
	void (*error)(void *data, uint32_t code, uint32_t object, const char *text);
};

/* Connects to path (NULL: $HVDISPLAY_SHIM, else $XDG_RUNTIME_DIR/hvdisplay/shim.sock, else
 * /tmp/hvdisplay-<uid>/shim.sock) and says hello. listener may be NULL. -ENOENT/-ECONNREFUSED
 * no shim there. */
int shim_client_connect(struct shim_client **out, const char *path,
	const struct shim_client_listener *listener, void *data);
/* The same over an already connected SOCK_SEQPACKET socket; takes fd (closed on failure). */
int shim_client_connect_fd(
	struct shim_client **out, int fd, const struct shim_client_listener *listener, void *data);
/* Destroys the client's surfaces and buffers and hangs up. */
void shim_client_destroy(struct shim_client *client);

int shim_client_get_fd(const struct shim_client *client);
/* Handles every event that has arrived; never blocks. */
int shim_client_dispatch(struct shim_client *client);
/* Waits until the server has handled everything sent so far. */
int shim_client_roundtrip(struct shim_client *client);
/* The output's size (from the welcome, then mode events). */
void shim_client_get_size(const struct shim_client *client, uint32_t *width, uint32_t *height);

/* A width x height buffer of format from the shim, mapped read-write. -EPROTO when the
 * server's answer does not add up. */
int shim_client_buffer_create(struct shim_client *client, uint32_t width, uint32_t height,
	uint32_t format, struct shim_client_buffer **out);
void shim_client_buffer_destroy(struct shim_client_buffer *buffer);
/* Pixel (x, y) is the uint32_t at data + y * stride + x * 4. Valid until destroy. */
void *shim_client_buffer_data(const struct shim_client_buffer *buffer);
uint32_t shim_client_buffer_stride(const struct shim_client_buffer *buffer);
/* Committed and not released yet: do not draw into it. */
bool shim_client_buffer_is_busy(const struct shim_client_buffer *buffer);

int shim_client_surface_create(struct shim_client *client, struct shim_client_surface **out);
void shim_client_surface_destroy(struct shim_client_surface *surface);
/* Pending state, as in shim.h; applied by commit. buffer NULL removes the content. */
int shim_client_surface_attach(
	struct shim_client_surface *surface, struct shim_client_buffer *buffer);
/* The rectangle must lie inside the attached buffer: the server disconnects clients that
 * damage outside it. */
int shim_client_surface_damage(
	struct shim_client_surface *surface, int32_t x, int32_t y, int32_t width, int32_t height);
int shim_client_surface_set_position(struct shim_client_surface *surface, int32_t x, int32_t y);
int shim_client_surface_set_z(struct shim_client_surface *surface, int32_t z);
int shim_client_surface_set_visible(struct shim_client_surface *surface, bool visible);
/* Buffer coordinates; width or height 0: nothing opaque. */
int shim_client_surface_set_opaque(
	struct shim_client_surface *surface, int32_t x, int32_t y, int32_t width, int32_t height);
/* want_frame: call frame_done() once this commit is on screen. */
int shim_client_surface_commit(struct shim_client_surface *surface, bool want_frame);

#ifdef __cplusplus
}
#endif

#endif
