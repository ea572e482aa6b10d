/*
 * The synthetic video model's guest messages (synthvid.md §4, §9; vmbus-emu.md §4, §5): one
 * handler per message type, each checking what the codec leaves to the receiver (VRAM ranges,
 * geometry, rects, cursor parts) before acting. A rejected message changes nothing and gets
 * no reply; the rejection is logged with its reason and counted under it.
 */
#define LOG_MODULE "video"
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "hvh_video_internal.h"
#include "log.h"
#include "macros.h"
#include "wire.h"

/* Reasons of this file; the codec's come from synthvid_reject_reason(). */
#define WHY_NOT_INBAND "not_inband"
#define WHY_NOT_NEGOTIATED "not_negotiated"
#define WHY_RENEGOTIATION "version_renegotiation"
#define WHY_GPA_UNALIGNED "vram_gpa_unaligned"
#define WHY_GPA_OUTSIDE "vram_gpa_outside_window"
#define WHY_OUTPUT "video_output"
#define WHY_OUTPUT_COUNT "video_output_count"
#define WHY_DEPTH "situation_depth"
#define WHY_ZERO_SIZE "situation_zero_size"
#define WHY_TOO_LARGE "situation_too_large"
#define WHY_PITCH "situation_pitch"
#define WHY_OUTSIDE_VRAM "situation_outside_vram"
#define WHY_RECT_EMPTY "dirt_rect_empty"
#define WHY_RECT_OUTSIDE "dirt_rect_outside"
#define WHY_CURSOR_PART "cursor_part"

const char *const video_reject_reasons[] = {
	WHY_NOT_INBAND,
	WHY_NOT_NEGOTIATED,
	WHY_RENEGOTIATION,
	WHY_GPA_UNALIGNED,
	WHY_GPA_OUTSIDE,
	WHY_OUTPUT,
	WHY_OUTPUT_COUNT,
	WHY_DEPTH,
	WHY_ZERO_SIZE,
	WHY_TOO_LARGE,
	WHY_PITCH,
	WHY_OUTSIDE_VRAM,
	WHY_RECT_EMPTY,
	WHY_RECT_OUTSIDE,
	WHY_CURSOR_PART,
	NULL,
};

#define MIB (1024ull * 1024ull)

static void reply(struct video *v, const struct synthvid_msg *msg)
{
	int ret = video_send(v, msg, NULL);
	/* The reader stops while the queue is short of room, so this is our bug. */
	if (ret < 0 && ret != -ENOTCONN)
		log_bug_self(
			"cannot send %s: %s", synthvid_msg_type_to_str(msg->type), strerror(-ret));
}

int video_send_feature(struct video *v, bool dirt, bool ptr_pos, bool ptr_shape, bool situ,
	struct hvh_request *req)
{
	struct synthvid_msg msg = { .type = SYNTHVID_FEATURE_CHANGE };
	msg.feature_change = (struct synthvid_feature_change){
		.is_dirt_needed = dirt,
		.is_ptr_pos_needed = ptr_pos,
		.is_ptr_shape_needed = ptr_shape,
		.is_situ_needed = situ,
	};
	int ret = video_send(v, &msg, req);
	if (ret == 0)
		v->feature = msg.feature_change;
	return ret;
}

/* ---- version ---- */

static void on_version_request(struct video *v, const struct synthvid_msg *msg)
{
	uint32_t version = msg->version_request.version;
	if (v->version) {
		/* OpenVMM ends the channel here (synthvid.md §9.1); a bad message is all it is. */
		log_bug_guest("VERSION_REQUEST %u.%u after %u.%u was accepted on this channel",
			synthvid_version_major(version), synthvid_version_minor(version),
			synthvid_version_major(v->version), synthvid_version_minor(v->version));
		video_reject(v, WHY_RENEGOTIATION);
		return;
	}
	bool accepted = hvh_video_config_accepts(&v->cfg, version);
	struct synthvid_msg r = { .type = SYNTHVID_VERSION_RESPONSE };
	/* is_accepted 2 as OpenVMM (ACCEPTED_WITH_VERSION_EXCHANGE); guests test for non-zero. */
	r.version_response = (struct synthvid_version_response){
		.version = version,
		.is_accepted = accepted ? 2 : 0,
		.max_video_outputs = 1,
	};
	reply(v, &r);
	if (!accepted) {
		v->versions_refused++;
		log_info("refused synthvid %u.%u (--video-versions); the guest may ask again",
			synthvid_version_major(version), synthvid_version_minor(version));
		return;
	}
	v->version = version;
	log_info("synthvid %u.%u negotiated", synthvid_version_major(version),
		synthvid_version_minor(version));
	hvh_device_set_negotiated(v->dev, true);
	/* As Hyper-V right after negotiation: without it Linux never sends DIRT (§6.4). */
	video_send_feature(v, true, true, true, true, NULL);
	hvh_device_poke(v->dev);
}

/* ---- resolutions, BIOS info, capability ---- */

/*
 * OpenVMM answers zero entries when maximum_resolution_count is below 64 (§9.1), which Linux
 * would reject; real Hyper-V is thought to honour the guest's limit, so this host answers
 * min(requested, list) entries. If the default mode falls outside a shortened list it takes
 * the last place, so the guest still learns the preferred mode.
 */
static void on_resolution_request(struct video *v, const struct synthvid_msg *msg)
{
	size_t want = msg->resolution_request.maximum_resolution_count;
	size_t n = MIN(want, v->cfg.n_modes);
	struct synthvid_msg r = { .type = SYNTHVID_RESOLUTION_RESPONSE };
	struct synthvid_resolution_response *res = &r.resolution_response;
	memcpy(res->edid, v->edid, sizeof(res->edid));
	res->resolution_count = (uint8_t)n;
	res->is_standard = 0;
	for (size_t i = 0; i < n; i++)
		res->resolutions[i] = (struct synthvid_resolution){ v->cfg.modes[i].width,
			v->cfg.modes[i].height };
	size_t def = v->cfg.default_index;
	if (n && def >= n) {
		res->resolutions[n - 1] = (struct synthvid_resolution){ v->cfg.modes[def].width,
			v->cfg.modes[def].height };
		def = n - 1;
	}
	res->default_resolution_index = n ? (uint8_t)def : 0;
	if (n < v->cfg.n_modes)
		log_info("the guest takes at most %zu resolutions: sending %zu of %zu", want, n,
			v->cfg.n_modes);
	reply(v, &r);
}

static void on_bios_info_request(struct video *v, const struct synthvid_msg *msg)
{
	struct synthvid_msg r = { .type = SYNTHVID_BIOS_INFO_RESPONSE };
	r.bios_info_response.stop_device_supported = 1; // as OpenVMM
	reply(v, &r);
}

static void on_capability_request(struct video *v, const struct synthvid_msg *msg)
{
	struct synthvid_msg r = { .type = SYNTHVID_CAPABILITY_RESPONSE };
	r.capability_response.lock_on_disconnect = 0; // as OpenVMM
	reply(v, &r);
}

/* ---- VRAM ---- */

/* vmbus-emu.md §4: the whole VRAM inside the window and page-aligned, else no ack at all. */
static void on_vram_location(struct video *v, const struct synthvid_msg *msg)
{
	const struct synthvid_vram_location *loc = &msg->vram_location;
	uint64_t gpa = v->mmio_gpa;
	if (loc->is_vram_gpa_specified) {
		gpa = loc->vram_gpa;
		if (gpa % 4096) {
			log_bug_guest(
				"VRAM_LOCATION 0x%" PRIx64 " is not 4096-aligned; not acked", gpa);
			video_reject(v, WHY_GPA_UNALIGNED);
			return;
		}
		if (gpa < v->mmio_gpa || gpa - v->mmio_gpa > v->mmio_size ||
			v->vram_size > v->mmio_size - (gpa - v->mmio_gpa)) {
			log_bug_guest("VRAM_LOCATION 0x%" PRIx64 " + %" PRIu64
				      " MiB leaves the MMIO window 0x%" PRIx64 "..0x%" PRIx64
				      "; not acked",
				gpa, (uint64_t)(v->vram_size / MIB), v->mmio_gpa,
				v->mmio_gpa + v->mmio_size);
			video_reject(v, WHY_GPA_OUTSIDE);
			return;
		}
	}
	if (gpa != v->vram_gpa)
		log_info("VRAM now at 0x%" PRIx64, gpa);
	v->vram_gpa = gpa;
	struct synthvid_msg r = { .type = SYNTHVID_VRAM_LOCATION_ACK };
	r.vram_location_ack.user_ctx = loc->user_ctx;
	reply(v, &r);
}

/* ---- situation ---- */

/* The reject reason for an output that cannot be shown from our VRAM, or NULL. */
static const char *check_output(const struct video *v, const struct synthvid_video_output *o)
{
	bool depth_ok =
		o->depth_bits == 32 || (o->depth_bits == 16 && v->version == SYNTHVID_VERSION_3_0);
	if (!depth_ok) {
		log_bug_guest(
			"SITUATION_UPDATE depth %u (32, or 16 on synthvid 3.0)", o->depth_bits);
		return WHY_DEPTH;
	}
	if (!o->width || !o->height) {
		log_bug_guest("SITUATION_UPDATE size %ux%u", o->width, o->height);
		return WHY_ZERO_SIZE;
	}
	if (o->width > HVH_VIDEO_MAX_DIM || o->height > HVH_VIDEO_MAX_DIM) {
		log_bug_guest("SITUATION_UPDATE size %ux%u is over %u either way", o->width,
			o->height, HVH_VIDEO_MAX_DIM);
		return WHY_TOO_LARGE;
	}
	uint64_t row = (uint64_t)o->width * (o->depth_bits / 8u);
	if (o->pitch < row) {
		log_bug_guest("SITUATION_UPDATE pitch %u below %ux%u bytes per row", o->pitch,
			o->width, o->depth_bits / 8u);
		return WHY_PITCH;
	}
	uint64_t end = o->vram_offset + (uint64_t)o->pitch * o->height;
	if (end > v->vram_size) {
		log_bug_guest("SITUATION_UPDATE offset %u + pitch %u x height %u = %" PRIu64
			      " bytes, beyond the %" PRIu64 " bytes of VRAM",
			o->vram_offset, o->pitch, o->height, end, v->vram_size);
		return WHY_OUTSIDE_VRAM;
	}
	return NULL;
}

static void on_situation_update(struct video *v, const struct synthvid_msg *msg)
{
	const struct synthvid_situation *sit = &msg->situation_update;
	if (sit->video_output_count != 1) {
		log_bug_guest("SITUATION_UPDATE with %u video outputs (hvhost has one)",
			sit->video_output_count);
		video_reject(v, WHY_OUTPUT_COUNT);
		return;
	}
	const struct synthvid_video_output *o = &sit->outputs[0];
	if (!o->active) {
		/* No guest is known to send this and its effect on Hyper-V is unknown (§12):
		 * keep showing what was there. */
		log_info("SITUATION_UPDATE with the output inactive: picture kept");
	} else {
		const char *why = check_output(v, o);
		if (why) {
			video_reject(v, why);
			return;
		}
		v->scanout = (struct hvh_scanout){ o->width, o->height, o->pitch, o->vram_offset,
			o->depth_bits };
		v->mode_set = true;
		video_apply_scanout(v);
		hvh_device_poke(v->dev);
	}
	struct synthvid_msg r = { .type = SYNTHVID_SITUATION_UPDATE_ACK };
	r.situation_update_ack.user_ctx = sit->user_ctx;
	reply(v, &r);
}

/* ---- DIRT ---- */

/* One rect: rejected alone when empty or wholly outside, clipped otherwise. */
static void dirt_rect(struct video *v, size_t i, const struct synthvid_rect *in)
{
	struct rect r = { in->x1, in->y1, in->x2, in->y2 };
	if (rect_is_empty(&r)) {
		log_bug_guest("DIRT rect %zu (%d,%d)-(%d,%d) is empty or inverted", i, in->x1,
			in->y1, in->x2, in->y2);
		video_reject(v, WHY_RECT_EMPTY);
		return;
	}
	const struct rect mode = { 0, 0, (int32_t)v->scanout.width, (int32_t)v->scanout.height };
	struct rect c = r;
	if (!rect_clip(&c, &mode)) {
		log_bug_guest("DIRT rect %zu (%d,%d)-(%d,%d) lies outside the %ux%u mode", i,
			in->x1, in->y1, in->x2, in->y2, v->scanout.width, v->scanout.height);
		video_reject(v, WHY_RECT_OUTSIDE);
		return;
	}
	if (memcmp(&c, &r, sizeof(r)) != 0) {
		log_bug_guest("DIRT rect %zu (%d,%d)-(%d,%d) clipped to the %ux%u mode", i, in->x1,
			in->y1, in->x2, in->y2, v->scanout.width, v->scanout.height);
		v->dirt_rects_clipped++;
	}
	v->dirt_rects++;
	v->dirt_pixels += rect_area(&c);
	video_show(v, &c);
}

static void on_dirt(struct video *v, const struct synthvid_msg *msg)
{
	const struct synthvid_dirt *d = &msg->dirt;
	if (d->video_output != 0) {
		log_bug_guest(
			"DIRT for video output %u (hvhost has output 0 only)", d->video_output);
		video_reject(v, WHY_OUTPUT);
		return;
	}
	for (size_t i = 0; i < d->dirt_count; i++)
		dirt_rect(v, i, &d->rects[i]);
	v->last_dirt_ms = loop_now_ms();
	hvh_device_poke(v->dev);
}

/* ---- cursor ---- */

static void on_pointer_shape(struct video *v, const struct synthvid_msg *msg)
{
	const struct synthvid_pointer_shape *s = &msg->pointer_shape;
	if (s->part_idx != SYNTHVID_CURSOR_COMPLETE) {
		/* Nobody knows how parts fit together (synthvid.md §12); refuse rather than guess. */
		log_bug_guest("POINTER_SHAPE part %u: only whole shapes (part 0xFF) are taken",
			s->part_idx);
		video_reject(v, WHY_CURSOR_PART);
		return;
	}
	int ret = hvh_screen_set_cursor(
		v->screen, s->is_argb, s->width, s->height, s->hot_x, s->hot_y, s->data);
	if (ret < 0)
		log_warn("cursor %ux%u not taken: %s", s->width, s->height, strerror(-ret));
}

static void on_pointer_position(struct video *v, const struct synthvid_msg *msg)
{
	const struct synthvid_pointer_position *p = &msg->pointer_position;
	if (p->video_output != 0) {
		log_bug_guest("POINTER_POSITION for video output %u (hvhost has output 0 only)",
			p->video_output);
		video_reject(v, WHY_OUTPUT);
		return;
	}
	hvh_screen_set_cursor_position(v->screen, p->is_visible, p->image_x, p->image_y);
}

/* ---- dispatch ---- */

static const struct handler {
	enum synthvid_msg_type type;
	void (*fn)(struct video *v, const struct synthvid_msg *msg);
} handlers[] = {
	{ SYNTHVID_VERSION_REQUEST, on_version_request },
	{ SYNTHVID_VRAM_LOCATION, on_vram_location },
	{ SYNTHVID_SITUATION_UPDATE, on_situation_update },
	{ SYNTHVID_POINTER_POSITION, on_pointer_position },
	{ SYNTHVID_POINTER_SHAPE, on_pointer_shape },
	{ SYNTHVID_DIRT, on_dirt },
	{ SYNTHVID_BIOS_INFO_REQUEST, on_bios_info_request },
	{ SYNTHVID_RESOLUTION_REQUEST, on_resolution_request },
	{ SYNTHVID_CAPABILITY_REQUEST, on_capability_request },
};

/* The name rx counts a packet under: its vid.type when the bytes hold one. */
static const char *rx_name(const struct vmb_ring_in *pkt)
{
	struct wire w = wire_reader(pkt->payload, pkt->payload_len);
	wire_skip(&w, SYNTHVID_VID_TYPE_OFF, false);
	uint32_t type = wire_get_u32(&w);
	return wire_error(&w) ? "UNKNOWN" : synthvid_msg_type_to_str(type);
}

void video_handle_packet(struct video *v, const struct vmb_ring_in *pkt)
{
	if (pkt->type == VMB_PKT_COMP)
		return; // we never ask for completions; one is noise, not harm
	const char *name = rx_name(pkt);
	counter_inc(hvh_device_rx(v->dev), name);
	if (pkt->type != VMB_PKT_DATA_INBAND) {
		log_bug_guest("packet type 0x%x on the video pipe (in-band data only)", pkt->type);
		video_reject(v, WHY_NOT_INBAND);
		return;
	}
	struct synthvid_msg msg;
	const char *why = NULL;
	if (synthvid_decode(pkt->payload, pkt->payload_len, SYNTHVID_FROM_GUEST, &msg, &why) < 0) {
		log_bug_guest("%s rejected: %s", name, why);
		video_reject(v, why);
		return;
	}
	if (!v->version && msg.type != SYNTHVID_VERSION_REQUEST) {
		log_bug_guest("%s before a version was negotiated", name);
		video_reject(v, WHY_NOT_NEGOTIATED);
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(handlers); i++) {
		if (handlers[i].type == msg.type) {
			handlers[i].fn(v, &msg);
			return;
		}
	}
	/* The codec lets through only the types above from a guest. */
	log_bug_self("no handler for %s", name);
}
