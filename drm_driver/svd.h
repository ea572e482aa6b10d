/*
 * svd: the guest side of Hyper-V synthetic video (synthvid.md), as a small userspace KMS.
 *
 * A program draws into framebuffers and commits an atomic state: one CRTC with a mode, a primary
 * plane showing a framebuffer, a cursor plane, and damage clips saying which framebuffer pixels
 * changed. The driver copies exactly the damaged pixels into VRAM (the MMIO range the host
 * shares) and tells the host with DIRT messages, so the host's screen changes where the program
 * drew and nowhere else. It is modelled on the kernel's atomic KMS and hyperv_drm:
 *
 *  - svd_atomic_test() checks a state without any side effect; svd_atomic_commit() applies it.
 *    A commit never fails once its test passes: when the host is slow (the ring is full) or
 *    gone, the work waits and merges with the next (DIRT that cannot go out joins the next one),
 *    and a reconnected host gets the whole current picture again.
 *  - Damage clips follow FB_DAMAGE_CLIPS: framebuffer coordinates, clipped to what the plane
 *    shows; no clips on a new framebuffer (or a new mode or source position) means everything.
 *  - The host's FEATURE_CHANGE, rescinds and reconnects are handled inside: when the host needs
 *    the picture again, it gets the mode, the cursor and a full-screen DIRT.
 *
 * Event loop: poll svd_device_get_fd() for POLLIN and call svd_device_dispatch(). The fd stays
 * the same for the device's life, across reconnects. The caller also dispatches the bus
 * (vmb_bus_get_fd(), vmb_bus_dispatch()): offers, rescinds and a lost host reach the device
 * through its bus listener.
 *
 * Error convention: functions return 0 (or a count) on success and a negative errno on failure.
 * -EINVAL a bad argument or state (a debug message says which), -ENOSPC a mode does not fit
 * VRAM, -ERANGE a size beyond what the host offers, -ETIMEDOUT the host did not answer
 * within timeout_ms, -EPROTONOSUPPORT no synthvid version in common with the host, -ENODEV no
 * synthetic video device offered, -ENOTCONN the host went away, -EPROTO the host broke the
 * protocol, -ENOMEM. Constructors take `**out` and set it only on success; destroy(NULL) and
 * unref(NULL) are no-ops. Every message names the fault (log.h): log_bug_host() for the host's.
 *
 * Not thread-safe: a device, its framebuffers and its bus belong to one thread. Bring-up
 * (svd_device_create(), svd_device_attach(), and a dispatch that reopens a re-offered channel)
 * blocks for at most a few timeout_ms; nothing else blocks.
 */
#ifndef HVD_DRM_DRIVER_SVD_H
#define HVD_DRM_DRIVER_SVD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vmb_bus;
struct svd_device;
struct svd_connector;
struct svd_fb;

/* DRM fourcc codes, so buffers from elsewhere keep their names. */
#define SVD_FORMAT_XRGB8888 0x34325258u // 'XR24': B, G, R, X in memory
#define SVD_FORMAT_ARGB8888 0x34325241u // 'AR24': B, G, R, A; the primary plane ignores A

#define SVD_CURSOR_MAX_SIZE 96 // the largest cursor image, either axis (synthvid.md §4)

/* Top-left inclusive, bottom-right exclusive (as DIRT and drm_mode_rect). */
struct svd_rect {
	int32_t x1;
	int32_t y1;
	int32_t x2;
	int32_t y2;
};

struct svd_mode {
	uint32_t width;
	uint32_t height;
	bool preferred; // the host's default resolution (ignored in a state)
};

struct svd_device_options {
	/* Every wait for the host; 0 = 10000 (Linux's 10 s). */
	int timeout_ms;
	/* One rect per DIRT message (Linux since 2025) instead of up to 255, for hosts that need
	 * it. Damage is merged the same way either way. */
	bool one_rect_per_dirt;
	/* The largest cursor image in bytes (w * h * 4); 0 = 65536, which takes every 96x96 cursor.
	 * OpenVMM stops at 16384 bytes per message: use 16384 there. Larger cursors fail the atomic
	 * test with -EINVAL so the caller can draw a software cursor instead. */
	uint32_t max_cursor_bytes;
	/* Guest-physical address of VRAM, 4096-aligned, the whole VRAM inside the host's MMIO
	 * window; 0 = the start of the window (where the host's VRAM starts anyway). */
	uint64_t vram_gpa;
	/* Called from dispatch and attach when the connector's modes changed (a reconnected host
	 * offers other resolutions or less VRAM). The current state is shown again if it still
	 * fits; otherwise nothing is shown until the next commit. May be NULL. */
	void (*modes_changed)(void *data);
	void *data;
};

/* Counters since creation; every rejection of host input is counted once. */
struct svd_stats {
	uint64_t rx_messages;     // well-formed host messages
	uint64_t rx_rejected;     // malformed ones, dropped (log_bug_host)
	uint64_t rx_unsolicited;  // well-formed responses nobody waited for: stale, dropped
	uint64_t feature_changes; // FEATURE_CHANGE messages
	uint64_t full_repaints;   // mode, cursor and full-screen DIRT sent again for the host
	uint64_t tx_situations;   // SITUATION_UPDATE messages
	uint64_t tx_pointer_shapes;
	uint64_t tx_pointer_positions;
	uint64_t tx_dirt_messages;
	uint64_t tx_dirt_rects;
	uint64_t blit_bytes; // bytes copied from framebuffers into VRAM
	uint64_t ring_full;  // sends deferred because the ring was full
	uint64_t reconnects; // bring-ups after the first
};

/*
 * Finds the synthetic video offer on bus, opens its channel (256 KiB rings each way) and brings
 * it up: version (3.5, falling back to 3.2 as Linux does for the bus version), the host's
 * resolutions (3.5), and the VRAM location. The bus must outlive the device (or be replaced with
 * svd_device_attach()). opts may be NULL for the defaults. Nothing is shown until the first
 * commit. -ENODEV, -EPROTONOSUPPORT (the message says when the host offers only synthvid 3.0,
 * 16 bpp, which this driver does not do), -ETIMEDOUT, -EPROTO, -EINVAL (vram_gpa), -ENOMEM.
 */
int svd_device_create(
	struct svd_device **out, struct vmb_bus *bus, const struct svd_device_options *opts);
/* Releases the framebuffers it holds, closes the channel, leaves the bus. Call it before
 * destroying the bus. */
void svd_device_destroy(struct svd_device *dev);

/* Readable when svd_device_dispatch() has work: host messages, ring space, a re-offer. */
int svd_device_get_fd(const struct svd_device *dev);
/*
 * Handles what is pending without blocking, except to bring a re-offered channel up again.
 * Returns 0, -ENOTCONN once the host is gone (reconnect the bus and call svd_device_attach()),
 * or the error of a failed bring-up (the device then waits for the next offer).
 */
int svd_device_dispatch(struct svd_device *dev);

/*
 * Moves the device to another bus (a reconnected host): leaves the old bus, brings the channel
 * up on the new one and shows the current state in full. An old bus that reported the host gone
 * has been left already and may be destroyed before; any other must still exist (destroy it
 * afterwards). On failure the device is detached; attach again later. Errors as create.
 */
int svd_device_attach(struct svd_device *dev, struct vmb_bus *bus);
/* Leaves the bus (before the caller destroys it); commits keep working and are shown once a bus
 * is attached again. */
void svd_device_detach(struct svd_device *dev);

/* True while the channel is up and negotiated, so commits reach the host. */
bool svd_device_is_connected(const struct svd_device *dev);
/* The negotiated synthvid version (SYNTHVID_VERSION(3, 5) = 0x00050003, or 3.2), 0 if none. */
uint32_t svd_device_version(const struct svd_device *dev);
/* VRAM bytes: the offer's mmio_megabytes MiB. */
size_t svd_device_vram_size(const struct svd_device *dev);
void svd_device_get_stats(const struct svd_device *dev, struct svd_stats *out);

/*
 * The connector: the host's resolution list (synthvid 3.5; its default is preferred), or the
 * standard modes up to 1600x1200 on 3.2 hosts (1024x768 preferred: the host's power-on mode).
 * Modes that do not fit VRAM are left out. Owned by the device; it lives as long as it does.
 */
struct svd_connector *svd_device_get_connector(struct svd_device *dev);
size_t svd_connector_mode_count(const struct svd_connector *conn);
/* -ERANGE if index >= the count. */
int svd_connector_get_mode(const struct svd_connector *conn, size_t index, struct svd_mode *out);
/* -ENOENT if no mode is preferred. */
int svd_connector_get_preferred_mode(const struct svd_connector *conn, struct svd_mode *out);
/* 0 when a mode of that size can be set (the atomic test uses the same check): -EINVAL zero,
 * -ERANGE wider or taller than any mode the host offers, -ENOSPC does not fit VRAM. */
int svd_connector_mode_valid(const struct svd_connector *conn, uint32_t width, uint32_t height);
/* The monitor name from the host's EDID ("HyperVMonitor"), or NULL when there is none. Valid
 * until the next dispatch or attach. */
const char *svd_connector_monitor_name(const struct svd_connector *conn);

/*
 * A framebuffer of width x height pixels in format (SVD_FORMAT_*), pitch bytes per row (0 =
 * width * 4; otherwise at least that), its first pixel `offset` bytes into pixels. pixels stays
 * owned by the caller and must outlive the framebuffer; NULL allocates offset + pitch * height
 * zeroed bytes, freed with the last reference. The caller holds one reference. -EINVAL bad size,
 * format or pitch, -ENOMEM.
 */
int svd_fb_create(struct svd_fb **out, struct svd_device *dev, uint32_t width, uint32_t height,
	uint32_t format, uint32_t pitch, size_t offset, void *pixels);
/* Another reference; returns fb. A committed state holds its own references. */
struct svd_fb *svd_fb_ref(struct svd_fb *fb);
void svd_fb_unref(struct svd_fb *fb);
/* Pixel (0, 0): pixel (x, y) is 4 bytes at data + y * pitch + x * 4. */
uint8_t *svd_fb_data(const struct svd_fb *fb);
uint32_t svd_fb_width(const struct svd_fb *fb);
uint32_t svd_fb_height(const struct svd_fb *fb);
uint32_t svd_fb_pitch(const struct svd_fb *fb);
uint32_t svd_fb_format(const struct svd_fb *fb);

/*
 * A whole display state, filled in by the caller (zero-initialise, then set what is used). The
 * device copies what it needs and takes its own framebuffer references at commit.
 */
struct svd_atomic_state {
	bool active; // false: nothing is shown and nothing is sent (the host keeps its last picture)
	struct svd_mode mode;

	/* Primary plane: covers the whole mode, no scaling. Required when active. */
	struct svd_fb *primary_fb;
	uint32_t src_x; // framebuffer pixel shown at the top-left of the screen
	uint32_t src_y;
	/* FB_DAMAGE_CLIPS: primary framebuffer pixels changed since the last commit. Clips outside
	 * the shown part are cut; empty or inverted ones are ignored. No clips on a new
	 * framebuffer, mode or source position means the whole screen; no clips on the same ones
	 * means nothing changed. NULL only when damage_count is 0. Not kept after the call. */
	const struct svd_rect *damage;
	size_t damage_count;

	/* Cursor plane: an ARGB8888 framebuffer up to 96x96, or NULL to hide the cursor. */
	struct svd_fb *cursor_fb;
	int32_t cursor_x; // top-left of the image on the screen; may be partly off-screen
	int32_t cursor_y;
	uint32_t cursor_hot_x; // hotspot inside the image
	uint32_t cursor_hot_y;
	/* The cursor framebuffer's pixels changed (same framebuffer): send the image again. A new
	 * cursor framebuffer or hotspot is always sent. */
	bool cursor_changed;
};

/* Checks state against the device without changing anything (nothing sent, no references
 * taken): 0 or the error commit would return. */
int svd_atomic_test(struct svd_device *dev, const struct svd_atomic_state *state);
/* Tests, then applies: copies the damaged pixels into VRAM and tells the host. Either the whole
 * state is applied or, on error, none of it. */
int svd_atomic_commit(struct svd_device *dev, const struct svd_atomic_state *state);

#ifdef __cplusplus
}
#endif

#endif
