/*
 * svd internals: the layouts behind svd.h and the calls between the driver's files.
 *
 * svd_device.c    lifecycle, bus listener, event fd, dispatch
 * svd_proto.c     sending, receiving, the one outstanding request, FEATURE_CHANGE
 * svd_bringup.c   offer, channel, version, resolutions, VRAM location
 * svd_connector.c modes and mode_valid()
 * svd_fb.c        framebuffers
 * svd_modeset.c   atomic test and commit, the ordered flush of pending work, full repaints
 * svd_damage.c    clip, merge, cap; DIRT batching
 * svd_blit.c      damaged rects from a framebuffer into VRAM
 * svd_cursor.c    cursor check, POINTER_SHAPE and POINTER_POSITION
 */
#ifndef HVD_DRM_DRIVER_SVD_INTERNAL_H
#define HVD_DRM_DRIVER_SVD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macros.h"
#include "rect.h"
#include "svd.h"
#include "synthvid.h"
#include "synthvid_edid.h"
#include "vmb.h"
#include "wakeset.h"

#define SVD_RING_BYTES (256u * 1024u) // each way, as hyperv_drm (synthvid.md §1)
#define SVD_DEFAULT_TIMEOUT_MS 10000
#define SVD_DEFAULT_MAX_CURSOR_BYTES 65536u
#define SVD_RESOLUTIONS_ASKED 64 // OpenVMM answers 0 entries to anything less (§9.1)
#define SVD_MAX_DIRT_RECTS SYNTHVID_DIRT_MAX_RECTS
#define SVD_RX_BUF_SIZE 16384u   // Linux's VMBUS_MAX_PACKET_SIZE; host messages are <= 403 bytes
#define SVD_DISPATCH_BUDGET 1024 // packets per dispatch, so a chatty host cannot starve the loop
#define SVD_MAX_MODES SYNTHVID_MAX_RESOLUTIONS
#define SVD_MAX_DIMENSION 16384u // framebuffer width or height
#define SVD_VRAM_ALIGN 4096u     // what hvhost accepts for a VRAM GPA (vmbus-emu.md §4)
#define SVD_MIB (1024u * 1024u)

/* Damage waiting for the host is kept exact up to 32 full DIRT messages (128 KiB, half the
 * ring), then coarsened. */
#define SVD_MAX_PENDING_RECTS (32 * SVD_MAX_DIRT_RECTS)
/* DIRT messages per ring write: full ones, or Linux-style one-rect ones. */
#define SVD_DIRT_BATCH_FULL 16
#define SVD_DIRT_BATCH_ONE SVD_MAX_DIRT_RECTS
#define SVD_DIRT_ONE_MSG_SIZE (SYNTHVID_DIRT_RECTS_OFF + SYNTHVID_RECT_SIZE)
#define SVD_DIRT_BUF_SIZE                                                                          \
	MAX(SVD_DIRT_BATCH_FULL *SYNTHVID_MAX_DIRT_MSG, SVD_DIRT_BATCH_ONE *SVD_DIRT_ONE_MSG_SIZE)

struct svd_fb {
	const struct svd_device *dev; // identity only: the fb may outlive the device
	int refcount;
	uint32_t width;
	uint32_t height;
	uint32_t format;
	uint32_t pitch;
	uint8_t *data; // pixel (0, 0)
	void *owned;   // what svd_fb_create() allocated, or NULL
};

struct svd_connector {
	struct svd_mode modes[SVD_MAX_MODES];
	size_t mode_count;
	uint32_t max_width; // per axis over the offered modes (Linux's width_max/height_max)
	uint32_t max_height;
	size_t vram_size;
	bool has_name;
	char monitor_name[SYNTHVID_EDID_NAME_MAX + 1];
};

/* A growable list of rects (CRTC coordinates once clipped). */
struct svd_damage {
	struct rect *rects;
	size_t count;
	size_t cap;
};

/* What the device shows: a copy of the committed state, with references on its framebuffers. */
struct svd_state {
	bool active;
	uint32_t width;
	uint32_t height;
	struct svd_fb *primary;
	uint32_t src_x;
	uint32_t src_y;
	struct svd_fb *cursor;
	int32_t cursor_x;
	int32_t cursor_y;
	uint32_t hot_x;
	uint32_t hot_y;
};

/* The one outstanding request: what answers it (type and content, synthvid.md §0(b)). */
struct svd_wait {
	bool armed;
	bool done;
	enum synthvid_msg_type type;
	uint32_t version;  // VERSION_RESPONSE must echo it
	uint64_t user_ctx; // VRAM_LOCATION_ACK must echo it
	struct synthvid_msg reply;
};

struct svd_device {
	struct svd_device_options opts; // defaults resolved

	struct vmb_bus *bus;    // NULL when detached
	struct vmb_channel *ch; // NULL while down
	struct vmb_offer offer;
	bool ready;          // channel open, negotiated, VRAM located
	bool reopen_pending; // a synthvid offer arrived while the channel was down
	bool host_lost;      // the bus reported the host gone
	bool brought_up_once;

	uint32_t version;
	uint8_t *vram; // host-shared VRAM mapping, NULL while not ready
	size_t vram_size;
	uint64_t vram_gpa;
	uint64_t next_trans_id;
	uint64_t vram_ctx_seq;

	/* The host's FEATURE_CHANGE flags, all assumed needed until it says otherwise (§0(d)). */
	bool dirt_needed;
	bool ptr_pos_needed;
	bool ptr_shape_needed;
	bool situ_needed;

	struct svd_wait wait;
	struct svd_connector conn;
	struct svd_state cur;

	/* Work owed to the host, done in this order by svd_flush(). */
	bool repaint_pending; // host asked for everything again
	bool need_situation;
	bool need_cursor_shape;
	bool need_cursor_pos;
	struct svd_damage pending; // DIRT not yet sent, normalized, <= SVD_MAX_PENDING_RECTS
	struct svd_damage scratch; // a commit's damage

	struct wakeset wake; // the caller's fd: the channel's fd and deferred work (kick)

	struct svd_stats stats;

	uint8_t rx_buf[SVD_RX_BUF_SIZE];
	uint8_t tx_buf[SYNTHVID_MAX_GUEST_MSG];
	uint8_t dirt_buf[SVD_DIRT_BUF_SIZE];
	uint8_t cursor_buf[SYNTHVID_CURSOR_MAX_DATA];
	struct vmb_iov dirt_iov[SVD_DIRT_BATCH_ONE];
	struct vmb_ring_out dirt_out[SVD_DIRT_BATCH_ONE];
};

/* svd_device.c */
void svd_device_kick(struct svd_device *dev);
void svd_device_watch_channel(struct svd_device *dev);
void svd_device_unwatch_channel(struct svd_device *dev);
void svd_device_close_channel(struct svd_device *dev);

/* svd_proto.c */
/* Encodes msg and puts it in the ring without waiting: 0, -EAGAIN (full), or a channel error. */
int svd_send(struct svd_device *dev, const struct synthvid_msg *msg);
/* Sends req with a wait armed as *wait describes, then waits up to timeout_ms for the reply
 * (copied into *reply). Messages that do not answer it are handled or dropped meanwhile. */
int svd_request(struct svd_device *dev, const struct synthvid_msg *req,
	const struct svd_wait *match, struct synthvid_msg *reply);
/* Reads and handles what the host sent, up to SVD_DISPATCH_BUDGET packets; 1 when the budget
 * ran out with packets left, 0 when drained, or a channel error. */
int svd_receive(struct svd_device *dev);

/* svd_bringup.c */
int svd_bringup(struct svd_device *dev);

/* svd_connector.c */
void svd_connector_set_fallback(struct svd_connector *conn, size_t vram_size);
void svd_connector_set_host_list(struct svd_connector *conn,
	const struct synthvid_resolution_response *resp, size_t vram_size);
bool svd_connector_equal(const struct svd_connector *a, const struct svd_connector *b);

/* svd_fb.c */
bool svd_fb_is_valid_for(const struct svd_fb *fb, const struct svd_device *dev);

/* svd_modeset.c */
/* Sends what the host is owed, in order, until done or the ring is full. */
void svd_flush(struct svd_device *dev);
/* Owe the host everything again; reblit also copies the whole screen into VRAM. */
void svd_repaint(struct svd_device *dev, bool reblit);
void svd_state_release(struct svd_state *st);

/* svd_damage.c */
void svd_damage_finish(struct svd_damage *d);
void svd_damage_clear(struct svd_damage *d);
/* -ENOMEM leaves d as it was. */
int svd_damage_add(struct svd_damage *d, const struct rect *r);
/* Adds clips in framebuffer coordinates: clipped to src (the framebuffer part shown), moved to
 * screen coordinates. On -ENOMEM d holds src's whole screen instead (never less damage). */
int svd_damage_add_clips(
	struct svd_damage *d, const struct svd_rect *clips, size_t n, const struct rect *src);
/* Merges touching and overlapping rects where the box costs no more copying than the rects
 * apart; past max rects, rounds them outward to a doubling grid inside bounds until at most max
 * remain. Sorted by y, then x. */
void svd_damage_normalize(struct svd_damage *d, size_t max, const struct rect *bounds);
/* Sends the pending damage as DIRT; 0 when all went, -EAGAIN when some wait for ring space. */
int svd_damage_flush(struct svd_device *dev);

/* svd_blit.c */
/* Copies rects (screen coordinates, inside width x height) from fb, shifted by src, into VRAM of
 * the given pitch. Returns the bytes copied. */
uint64_t svd_blit(uint8_t *vram, uint32_t vram_pitch, const struct svd_fb *fb, uint32_t src_x,
	uint32_t src_y, const struct rect *rects, size_t n);

/* svd_cursor.c */
int svd_cursor_check(const struct svd_device *dev, const struct svd_atomic_state *st);
/* Sends the owed shape and position for the current state; -EAGAIN when the ring is full. */
int svd_cursor_flush(struct svd_device *dev);

#endif
