/*
 * The synthetic video model's state, shared by its three files: hvh_video.c (lifecycle,
 * channel, send queue), hvh_video_proto.c (one handler per guest message) and
 * hvh_video_monitor.c (commands, waits, stats). Nothing outside them includes this.
 */
#ifndef HVD_HVHOST_VIDEO_INTERNAL_H
#define HVD_HVHOST_VIDEO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "hvh_device.h"
#include "hvh_screen.h"
#include "hvh_video_config.h"
#include "synthvid.h"
#include "synthvid_edid.h"
#include "vmb_ring.h"

/* vmbus-emu.md §5: pipe payloads up to 65536 bytes (a whole 96x96 ARGB cursor), plus the pipe
 * header in front of them. */
#define VIDEO_MAX_PAYLOAD (SYNTHVID_PIPE_HDR_SIZE + 65536)
/* Replies waiting for ring space. One guest message causes at most two (VERSION_RESPONSE and
 * FEATURE_CHANGE); the guest's ring is read only while both would fit. */
#define VIDEO_QUEUE_LEN 16
#define VIDEO_MSG_MAX 512 // the largest host message is a RESOLUTION_RESPONSE of 403 bytes

struct video_out {
	uint8_t buf[VIDEO_MSG_MAX];
	uint16_t len;
	uint32_t type;
	struct hvh_request *req; // the monitor request completed once sent, or NULL
};

struct video {
	struct hvh_device *dev;
	struct hvh_device_impl impl; // per model: the offer's mmio_megabytes depends on --modes
	struct loop *loop;
	struct hvh_bus *bus;
	struct hvh_monitor *monitor;
	struct hvh_video_config cfg; // finished
	uint8_t edid[SYNTHVID_EDID_BLOCK];

	/* The MMIO window (host mapping) and the VRAM range inside it. */
	uint8_t *mmio;
	uint64_t mmio_gpa, mmio_size;
	uint64_t vram_gpa, vram_size;

	struct vmb_host_channel *ch; // NULL when closed
	uint32_t version;            // negotiated synthvid version, 0 before
	struct hvh_scanout scanout;  // where the guest's picture is in VRAM
	bool mode_set;               // scanout came from a SITUATION_UPDATE of this guest
	struct hvh_screen *screen;   // what the host shows

	struct synthvid_feature_change feature; // the last FEATURE_CHANGE sent
	unsigned viewers;                       // remote viewers (hvh_video_set_viewers())
	uint64_t dirt_rects, dirt_pixels, dirt_rects_clipped;
	uint64_t versions_refused;
	int64_t last_dirt_ms;

	struct video_out queue[VIDEO_QUEUE_LEN]; // ring of unsent replies
	size_t q_head, q_len;

	struct loop_source *poll_timer;   // --refresh poll only
	struct loop_source *damage_timer; // --show-damage only: takes outlines off on time
	uint8_t rx[VMB_RING_DESC_SIZE + VIDEO_MAX_PAYLOAD];
};

/* ---- hvh_video.c ---- */

/* Encodes msg and sends it, or queues it while the ring is full. req (may be NULL) is
 * completed when the message is in the ring, failed if the channel closes first. -ENOTCONN
 * without a channel, -ENOBUFS when the queue is full, -EINVAL (our bug, logged). */
int video_send(struct video *v, const struct synthvid_msg *msg, struct hvh_request *req);
/* The VRAM range as the host maps it (vram_size bytes). */
const uint8_t *video_vram(const struct video *v);
/* Counts a reject; the caller has logged it. */
void video_reject(struct video *v, const char *reason);
/* Copies r (clipped to the scanout) from VRAM into the picture, making the picture follow the
 * scanout first (a mode change goes black). */
void video_show(struct video *v, const struct rect *r);
/* Makes the picture follow the scanout (black if it changed). */
void video_apply_scanout(struct video *v);

/* ---- hvh_video_proto.c ---- */

/* Every reject reason the handlers use, NULL-terminated, so counters exist from the start. */
extern const char *const video_reject_reasons[];
/* One packet the guest sent: counted, decoded, checked, acted on. */
void video_handle_packet(struct video *v, const struct vmb_ring_in *pkt);
/* FEATURE_CHANGE with these flags (monitor `feature`, and after negotiation). */
int video_send_feature(struct video *v, bool dirt, bool ptr_pos, bool ptr_shape, bool situ,
	struct hvh_request *req);

/* ---- hvh_video_monitor.c ---- */

/* Registers screenshot, feature and the mode, dirt and quiet waits. */
int video_monitor_register(struct video *v);
/* The model's `stats` keys and the top-level mode. */
int video_stats(void *model, struct json_object *dev, struct json_object *root);
/* Cancel hook of a request held in the queue. */
void video_request_cancelled(void *data, struct hvh_request *req);

#endif
