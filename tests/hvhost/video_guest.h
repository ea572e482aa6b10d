/*
 * A raw synthvid guest for hvhost's integration tests: lib vmb over the emulated VMBus, the
 * synthvid codec, and nothing of the real driver, so a test can send exactly the bytes it
 * wants (valid or not) and see exactly what hvhost answers. Plus the monitor helpers those
 * tests share (stats paths, screenshots read back).
 *
 * Synchronisation without sleeps: hvhost handles a channel's packets in order, so once the
 * answer to a later request has arrived, everything sent before it has been handled
 * (video_guest_sync() uses BIOS_INFO_REQUEST for that).
 *
 * Functions print a TAP comment saying what went wrong and return a negative errno; the
 * caller CHECKs or REQUIREs the result.
 */
#ifndef HVD_TESTS_HVHOST_VIDEO_GUEST_H
#define HVD_TESTS_HVHOST_VIDEO_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "png_read.h"
#include "synthvid.h"
#include "vmb.h"

struct hvhost_harness;
struct json_object;

#define VIDEO_GUEST_RING (256 * 1024) // as Linux (synthvid.md §1)

struct video_guest {
	struct vmb_bus *bus;
	struct vmb_channel *ch;
	struct vmb_offer offer;          // the synthvid offer (mmio_megabytes)
	struct vmb_mmio mmio;            // the whole MMIO window; VRAM starts at its base
	enum synthvid_vid_size vid_size; // how we write vid.size (default: with the header)
	uint8_t buf[70 * 1024];          // the last packet received, descriptor first
	const uint8_t *payload;          // its payload, inside buf
	size_t len;                      // the payload's length as the ring held it (padded)
};

/* Starts hvhost with extra_args (NULL-terminated, or NULL); SKIPs the case when HVHOST is not
 * set, REQUIREs that it started. */
struct hvhost_harness *video_host_start(const char *const *extra_args);

/* Connects to h, finds the synthvid offer and opens its channel. */
int video_guest_open(struct video_guest *g, struct hvhost_harness *h);
/* Closes the channel and the bus. Safe on a guest that never opened. */
void video_guest_close(struct video_guest *g);

int video_guest_send(struct video_guest *g, const struct synthvid_msg *msg);
int video_guest_send_bytes(struct video_guest *g, const void *bytes, size_t len);
/* The next host message, decoded (0), or -ETIMEDOUT after the harness bound. */
int video_guest_recv(struct video_guest *g, struct synthvid_msg *out);
/* The next host message must be of this type. */
int video_guest_expect(
	struct video_guest *g, enum synthvid_msg_type type, struct synthvid_msg *out);

/* VERSION_REQUEST; the response's is_accepted (0 or not) or a negative errno. When accepted,
 * the FEATURE_CHANGE that follows is read too (into *feature if not NULL). */
int video_guest_version(
	struct video_guest *g, uint32_t version, struct synthvid_feature_change *feature);
/* BIOS_INFO_REQUEST and its response: everything sent before it has been handled. */
int video_guest_sync(struct video_guest *g);
/* SITUATION_UPDATE (one active output) and its ack. */
int video_guest_set_mode(struct video_guest *g, uint32_t width, uint32_t height, uint32_t pitch,
	uint32_t offset, uint8_t depth);
/* One DIRT of n rects (no answer comes). */
int video_guest_dirt(struct video_guest *g, const struct synthvid_rect *rects, size_t n);

/* ---- monitor helpers ---- */

/* `stats`; the caller puts it. */
struct json_object *video_host_stats(struct hvhost_harness *h);
/* The integer at a dotted path ("video.rejects.dirt_rect_empty"; hvhost_json_path()), or -1
 * when missing. */
int64_t json_path_int(struct json_object *obj, const char *path);

/* `screenshot` into the harness directory, read back. */
int video_host_screenshot(struct hvhost_harness *h, bool cursor, struct png_image_rgb *out);

#endif
