/*
 * synthvid codec (synthvid.md §2-§5): framing, then one decode/encode/compare triple per message
 * type, dispatched from a table of {name, sender, minimum payload}.
 *
 * Decoders see only the payload, through a cursor bounded by pipe.size: the padding VMBus adds
 * is never readable, so no field can come from it (§0(c)). Fixed bodies are read after the table's
 * minimum-size check; variable ones check their counts before reading.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "synthvid.h"
#include "wire.h"

/* Reject reasons: stable names, shown by hvhost's stats. Keep reasons[] in step. */
#define WHY_SHORT_PACKET "short_packet"
#define WHY_BAD_PIPE_TYPE "bad_pipe_type"
#define WHY_BAD_PIPE_SIZE "bad_pipe_size"
#define WHY_BAD_VID_SIZE "bad_vid_size"
#define WHY_UNKNOWN_TYPE "unknown_type"
#define WHY_UNSUPPORTED_TYPE "unsupported_type"
#define WHY_WRONG_DIRECTION "wrong_direction"
#define WHY_SHORT_PAYLOAD "short_payload"
#define WHY_VIDEO_OUTPUT_COUNT "video_output_count"
#define WHY_VIDEO_OUTPUTS_TRUNCATED "video_outputs_truncated"
#define WHY_CURSOR_FLAGS "cursor_flags"
#define WHY_CURSOR_SIZE "cursor_size"
#define WHY_CURSOR_HOTSPOT "cursor_hotspot"
#define WHY_CURSOR_DATA_LENGTH "cursor_data_length"
#define WHY_DIRT_COUNT "dirt_count"
#define WHY_RESOLUTION_COUNT "resolution_count"
#define WHY_RESOLUTION_INDEX "resolution_index"
#define WHY_RESOLUTIONS_TRUNCATED "resolutions_truncated"
#define WHY_RESOLUTION_ZERO "resolution_zero"

static const char *const reasons[] = {
	WHY_SHORT_PACKET,
	WHY_BAD_PIPE_TYPE,
	WHY_BAD_PIPE_SIZE,
	WHY_BAD_VID_SIZE,
	WHY_UNKNOWN_TYPE,
	WHY_UNSUPPORTED_TYPE,
	WHY_WRONG_DIRECTION,
	WHY_SHORT_PAYLOAD,
	WHY_VIDEO_OUTPUT_COUNT,
	WHY_VIDEO_OUTPUTS_TRUNCATED,
	WHY_CURSOR_FLAGS,
	WHY_CURSOR_SIZE,
	WHY_CURSOR_HOTSPOT,
	WHY_CURSOR_DATA_LENGTH,
	WHY_DIRT_COUNT,
	WHY_RESOLUTION_COUNT,
	WHY_RESOLUTION_INDEX,
	WHY_RESOLUTIONS_TRUNCATED,
	WHY_RESOLUTION_ZERO,
};

static int reject(const char **why, int err, const char *reason)
{
	*why = reason;
	return err;
}

/* ---- VERSION_REQUEST, VERSION_RESPONSE (§4, §5) ---- */

static int dec_version_request(struct wire *w, struct synthvid_msg *m, const char **why)
{
	m->version_request.version = wire_get_u32(w);
	return 0;
}

static void enc_version_request(struct wire *w, const struct synthvid_msg *m)
{
	wire_put_u32(w, m->version_request.version);
}

static bool eq_version_request(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	return a->version_request.version == b->version_request.version;
}

static int dec_version_response(struct wire *w, struct synthvid_msg *m, const char **why)
{
	struct synthvid_version_response *r = &m->version_response;
	r->version = wire_get_u32(w);
	r->is_accepted = wire_get_u8(w);
	r->max_video_outputs = wire_get_u8(w);
	return 0;
}

static void enc_version_response(struct wire *w, const struct synthvid_msg *m)
{
	const struct synthvid_version_response *r = &m->version_response;
	wire_put_u32(w, r->version);
	wire_put_u8(w, r->is_accepted);
	wire_put_u8(w, r->max_video_outputs);
}

static bool eq_version_response(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	const struct synthvid_version_response *x = &a->version_response, *y = &b->version_response;
	return x->version == y->version && x->is_accepted == y->is_accepted &&
		x->max_video_outputs == y->max_video_outputs;
}

/* ---- VRAM_LOCATION, and the two acks that echo a user_ctx (§4) ---- */

static int dec_vram_location(struct wire *w, struct synthvid_msg *m, const char **why)
{
	struct synthvid_vram_location *v = &m->vram_location;
	v->user_ctx = wire_get_u64(w);
	v->is_vram_gpa_specified = wire_get_u8(w);
	v->vram_gpa = wire_get_u64(w);
	return 0;
}

static void enc_vram_location(struct wire *w, const struct synthvid_msg *m)
{
	const struct synthvid_vram_location *v = &m->vram_location;
	wire_put_u64(w, v->user_ctx);
	wire_put_u8(w, v->is_vram_gpa_specified);
	wire_put_u64(w, v->vram_gpa);
}

static bool eq_vram_location(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	const struct synthvid_vram_location *x = &a->vram_location, *y = &b->vram_location;
	return x->user_ctx == y->user_ctx && x->is_vram_gpa_specified == y->is_vram_gpa_specified &&
		x->vram_gpa == y->vram_gpa;
}

/* VRAM_LOCATION_ACK and SITUATION_UPDATE_ACK share a layout; each fills the union member named
 * for its type, the one callers read. */
static struct synthvid_user_ctx *ack_body(struct synthvid_msg *m)
{
	return m->type == SYNTHVID_VRAM_LOCATION_ACK ? &m->vram_location_ack
						     : &m->situation_update_ack;
}

static const struct synthvid_user_ctx *ack_body_const(const struct synthvid_msg *m)
{
	return m->type == SYNTHVID_VRAM_LOCATION_ACK ? &m->vram_location_ack
						     : &m->situation_update_ack;
}

static int dec_ack(struct wire *w, struct synthvid_msg *m, const char **why)
{
	ack_body(m)->user_ctx = wire_get_u64(w);
	return 0;
}

static void enc_ack(struct wire *w, const struct synthvid_msg *m)
{
	wire_put_u64(w, ack_body_const(m)->user_ctx);
}

static bool eq_ack(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	return ack_body_const(a)->user_ctx == ack_body_const(b)->user_ctx;
}

/* ---- SITUATION_UPDATE (§4) ---- */

static int dec_situation(struct wire *w, struct synthvid_msg *m, const char **why)
{
	struct synthvid_situation *s = &m->situation_update;
	s->user_ctx = wire_get_u64(w);
	s->video_output_count = wire_get_u8(w);
	if (s->video_output_count == 0 || s->video_output_count > SYNTHVID_MAX_VIDEO_OUTPUTS)
		return reject(why, -EPROTO, WHY_VIDEO_OUTPUT_COUNT);
	if (wire_remaining(w) < (size_t)s->video_output_count * SYNTHVID_OUTPUT_SIZE)
		return reject(why, -EMSGSIZE, WHY_VIDEO_OUTPUTS_TRUNCATED);
	for (unsigned i = 0; i < s->video_output_count; i++) {
		struct synthvid_video_output *o = &s->outputs[i];
		o->active = wire_get_u8(w);
		o->vram_offset = wire_get_u32(w);
		o->depth_bits = wire_get_u8(w);
		o->width = wire_get_u32(w);
		o->height = wire_get_u32(w);
		o->pitch = wire_get_u32(w);
	}
	return 0;
}

static void enc_situation(struct wire *w, const struct synthvid_msg *m)
{
	const struct synthvid_situation *s = &m->situation_update;
	wire_put_u64(w, s->user_ctx);
	wire_put_u8(w, s->video_output_count);
	for (unsigned i = 0; i < s->video_output_count; i++) {
		const struct synthvid_video_output *o = &s->outputs[i];
		wire_put_u8(w, o->active);
		wire_put_u32(w, o->vram_offset);
		wire_put_u8(w, o->depth_bits);
		wire_put_u32(w, o->width);
		wire_put_u32(w, o->height);
		wire_put_u32(w, o->pitch);
	}
}

static int size_situation(const struct synthvid_msg *m)
{
	unsigned n = m->situation_update.video_output_count;
	if (n > SYNTHVID_MAX_VIDEO_OUTPUTS)
		return -EINVAL;
	return SYNTHVID_SITUATION_FIXED_PAYLOAD + (int)n * SYNTHVID_OUTPUT_SIZE;
}

static bool eq_situation(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	const struct synthvid_situation *x = &a->situation_update, *y = &b->situation_update;
	if (x->user_ctx != y->user_ctx || x->video_output_count != y->video_output_count ||
		x->video_output_count > SYNTHVID_MAX_VIDEO_OUTPUTS)
		return false;
	for (unsigned i = 0; i < x->video_output_count; i++) {
		const struct synthvid_video_output *p = &x->outputs[i], *q = &y->outputs[i];
		if (p->active != q->active || p->vram_offset != q->vram_offset ||
			p->depth_bits != q->depth_bits || p->width != q->width ||
			p->height != q->height || p->pitch != q->pitch)
			return false;
	}
	return true;
}

/* ---- POINTER_POSITION, POINTER_SHAPE (§4) ---- */

static int dec_pointer_position(struct wire *w, struct synthvid_msg *m, const char **why)
{
	struct synthvid_pointer_position *p = &m->pointer_position;
	p->is_visible = wire_get_u8(w);
	p->video_output = wire_get_u8(w);
	p->image_x = wire_get_s32(w);
	p->image_y = wire_get_s32(w);
	return 0;
}

static void enc_pointer_position(struct wire *w, const struct synthvid_msg *m)
{
	const struct synthvid_pointer_position *p = &m->pointer_position;
	wire_put_u8(w, p->is_visible);
	wire_put_u8(w, p->video_output);
	wire_put_s32(w, p->image_x);
	wire_put_s32(w, p->image_y);
}

static bool eq_pointer_position(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	const struct synthvid_pointer_position *x = &a->pointer_position, *y = &b->pointer_position;
	return x->is_visible == y->is_visible && x->video_output == y->video_output &&
		x->image_x == y->image_x && x->image_y == y->image_y;
}

size_t synthvid_cursor_data_size(uint32_t width, uint32_t height, bool is_argb)
{
	if (width > UINT16_MAX || height > UINT16_MAX)
		return SIZE_MAX;
	if (is_argb)
		return (size_t)width * height * 4;
	return ((size_t)width + 7) / 8 * height * 2;
}

/*
 * A complete shape (part_idx 0xFF) carries exactly the data its size implies. How a cursor is
 * split into parts is unknown (§4: 8 KiB vs 16 KiB chunks, unverified), so a part need only be
 * non-empty and no larger than the whole; hvhost rejects parts anyway (vmbus-emu.md §5).
 */
static int check_cursor_data(const struct synthvid_pointer_shape *s, const char **why)
{
	size_t expect = synthvid_cursor_data_size(s->width, s->height, s->is_argb);
	bool complete = s->part_idx == SYNTHVID_CURSOR_COMPLETE;
	if (s->data_len > expect)
		return reject(why, -EPROTO, WHY_CURSOR_DATA_LENGTH);
	if (s->data_len == 0 || (complete && s->data_len < expect))
		return reject(why, -EMSGSIZE, WHY_CURSOR_DATA_LENGTH);
	return 0;
}

static int dec_pointer_shape(struct wire *w, struct synthvid_msg *m, const char **why)
{
	struct synthvid_pointer_shape *s = &m->pointer_shape;
	s->part_idx = wire_get_u8(w);
	s->is_argb = wire_get_u8(w);
	s->width = wire_get_u32(w);
	s->height = wire_get_u32(w);
	s->hot_x = wire_get_u32(w);
	s->hot_y = wire_get_u32(w);
	if (s->is_argb > 1)
		return reject(why, -EPROTO, WHY_CURSOR_FLAGS);
	if (s->width == 0 || s->width > SYNTHVID_CURSOR_MAX_W || s->height == 0 ||
		s->height > SYNTHVID_CURSOR_MAX_H)
		return reject(why, -EPROTO, WHY_CURSOR_SIZE);
	if (s->hot_x >= s->width || s->hot_y >= s->height)
		return reject(why, -EPROTO, WHY_CURSOR_HOTSPOT);
	s->data_len = wire_remaining(w);
	int ret = check_cursor_data(s, why);
	if (ret < 0)
		return ret;
	s->data = wire_need(w, s->data_len);
	return 0;
}

static void enc_pointer_shape(struct wire *w, const struct synthvid_msg *m)
{
	const struct synthvid_pointer_shape *s = &m->pointer_shape;
	wire_put_u8(w, s->part_idx);
	wire_put_u8(w, s->is_argb);
	wire_put_u32(w, s->width);
	wire_put_u32(w, s->height);
	wire_put_u32(w, s->hot_x);
	wire_put_u32(w, s->hot_y);
	wire_put_bytes(w, s->data, s->data_len);
}

static int size_pointer_shape(const struct synthvid_msg *m)
{
	const struct synthvid_pointer_shape *s = &m->pointer_shape;
	if ((!s->data && s->data_len) ||
		s->data_len > (size_t)INT_MAX - SYNTHVID_POINTER_SHAPE_DATA_OFF)
		return -EINVAL;
	return SYNTHVID_POINTER_SHAPE_FIXED_PAYLOAD + (int)s->data_len;
}

static bool eq_pointer_shape(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	const struct synthvid_pointer_shape *x = &a->pointer_shape, *y = &b->pointer_shape;
	if (x->part_idx != y->part_idx || x->is_argb != y->is_argb || x->width != y->width ||
		x->height != y->height || x->hot_x != y->hot_x || x->hot_y != y->hot_y ||
		x->data_len != y->data_len)
		return false;
	return x->data_len == 0 || memcmp(x->data, y->data, x->data_len) == 0;
}

/* ---- FEATURE_CHANGE (§4) ---- */

/* Linux reads the four flags of anything >= 20 bytes, so a payload of 4..131 bytes is V1 with
 * its tail ignored; only 132 or more is OpenVMM's V2 with an EDID. */
static int dec_feature_change(struct wire *w, struct synthvid_msg *m, const char **why)
{
	struct synthvid_feature_change *f = &m->feature_change;
	f->is_dirt_needed = wire_get_u8(w);
	f->is_ptr_pos_needed = wire_get_u8(w);
	f->is_ptr_shape_needed = wire_get_u8(w);
	f->is_situ_needed = wire_get_u8(w);
	f->has_edid = wire_remaining(w) >= SYNTHVID_EDID_SIZE;
	if (f->has_edid)
		wire_get_bytes(w, f->edid, SYNTHVID_EDID_SIZE);
	return 0;
}

static void enc_feature_change(struct wire *w, const struct synthvid_msg *m)
{
	const struct synthvid_feature_change *f = &m->feature_change;
	wire_put_u8(w, f->is_dirt_needed);
	wire_put_u8(w, f->is_ptr_pos_needed);
	wire_put_u8(w, f->is_ptr_shape_needed);
	wire_put_u8(w, f->is_situ_needed);
	if (f->has_edid)
		wire_put_bytes(w, f->edid, SYNTHVID_EDID_SIZE);
}

static int size_feature_change(const struct synthvid_msg *m)
{
	return m->feature_change.has_edid ? SYNTHVID_FEATURE_CHANGE_V2_PAYLOAD
					  : SYNTHVID_FEATURE_CHANGE_PAYLOAD;
}

static bool eq_feature_change(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	const struct synthvid_feature_change *x = &a->feature_change, *y = &b->feature_change;
	if (x->is_dirt_needed != y->is_dirt_needed ||
		x->is_ptr_pos_needed != y->is_ptr_pos_needed ||
		x->is_ptr_shape_needed != y->is_ptr_shape_needed ||
		x->is_situ_needed != y->is_situ_needed || x->has_edid != y->has_edid)
		return false;
	return !x->has_edid || memcmp(x->edid, y->edid, SYNTHVID_EDID_SIZE) == 0;
}

/* ---- DIRT (§4) ---- */

static int dec_dirt(struct wire *w, struct synthvid_msg *m, const char **why)
{
	struct synthvid_dirt *d = &m->dirt;
	d->video_output = wire_get_u8(w);
	d->dirt_count = wire_get_u8(w);
	if (wire_remaining(w) < (size_t)d->dirt_count * SYNTHVID_RECT_SIZE)
		return reject(why, -EMSGSIZE, WHY_DIRT_COUNT);
	for (unsigned i = 0; i < d->dirt_count; i++) {
		struct synthvid_rect *r = &d->rects[i];
		r->x1 = wire_get_s32(w);
		r->y1 = wire_get_s32(w);
		r->x2 = wire_get_s32(w);
		r->y2 = wire_get_s32(w);
	}
	return 0;
}

static void put_dirt(
	struct wire *w, uint8_t video_output, const struct synthvid_rect *rects, size_t count)
{
	wire_put_u8(w, video_output);
	wire_put_u8(w, (uint8_t)count);
	for (size_t i = 0; i < count; i++) {
		wire_put_s32(w, rects[i].x1);
		wire_put_s32(w, rects[i].y1);
		wire_put_s32(w, rects[i].x2);
		wire_put_s32(w, rects[i].y2);
	}
}

static void enc_dirt(struct wire *w, const struct synthvid_msg *m)
{
	put_dirt(w, m->dirt.video_output, m->dirt.rects, m->dirt.dirt_count);
}

static int size_dirt(const struct synthvid_msg *m)
{
	return SYNTHVID_DIRT_FIXED_PAYLOAD + m->dirt.dirt_count * SYNTHVID_RECT_SIZE;
}

static bool eq_dirt(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	const struct synthvid_dirt *x = &a->dirt, *y = &b->dirt;
	if (x->video_output != y->video_output || x->dirt_count != y->dirt_count)
		return false;
	for (unsigned i = 0; i < x->dirt_count; i++) {
		const struct synthvid_rect *p = &x->rects[i], *q = &y->rects[i];
		if (p->x1 != q->x1 || p->y1 != q->y1 || p->x2 != q->x2 || p->y2 != q->y2)
			return false;
	}
	return true;
}

/* ---- BIOS_INFO, CAPABILITY: bodiless requests and responses with reserved tails (§4) ---- */

static int dec_none(struct wire *w, struct synthvid_msg *m, const char **why)
{
	return 0;
}

static void enc_none(struct wire *w, const struct synthvid_msg *m)
{
}

static bool eq_none(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	return true;
}

/* Reserved bytes are not checked for zero: a newer host may give them a meaning. */
static int dec_bios_info(struct wire *w, struct synthvid_msg *m, const char **why)
{
	m->bios_info_response.stop_device_supported = wire_get_u32(w);
	wire_skip(w, SYNTHVID_BIOS_INFO_RESERVED_SIZE, false);
	return 0;
}

static void enc_bios_info(struct wire *w, const struct synthvid_msg *m)
{
	wire_put_u32(w, m->bios_info_response.stop_device_supported);
	wire_put_zeros(w, SYNTHVID_BIOS_INFO_RESERVED_SIZE);
}

static bool eq_bios_info(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	return a->bios_info_response.stop_device_supported ==
		b->bios_info_response.stop_device_supported;
}

static int dec_capability(struct wire *w, struct synthvid_msg *m, const char **why)
{
	m->capability_response.lock_on_disconnect = wire_get_u32(w);
	wire_skip(w, SYNTHVID_CAPABILITY_RESERVED_SIZE, false);
	return 0;
}

static void enc_capability(struct wire *w, const struct synthvid_msg *m)
{
	wire_put_u32(w, m->capability_response.lock_on_disconnect);
	wire_put_zeros(w, SYNTHVID_CAPABILITY_RESERVED_SIZE);
}

static bool eq_capability(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	return a->capability_response.lock_on_disconnect ==
		b->capability_response.lock_on_disconnect;
}

/* ---- RESOLUTION_REQUEST, RESOLUTION_RESPONSE (§4, §0(c)) ---- */

static int dec_resolution_request(struct wire *w, struct synthvid_msg *m, const char **why)
{
	m->resolution_request.maximum_resolution_count = wire_get_u8(w);
	return 0;
}

static void enc_resolution_request(struct wire *w, const struct synthvid_msg *m)
{
	wire_put_u8(w, m->resolution_request.maximum_resolution_count);
}

static bool eq_resolution_request(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	return a->resolution_request.maximum_resolution_count ==
		b->resolution_request.maximum_resolution_count;
}

/* Whether count exceeds what the guest asked for is the guest's check: only it knows. */
static int dec_resolution_response(struct wire *w, struct synthvid_msg *m, const char **why)
{
	struct synthvid_resolution_response *r = &m->resolution_response;
	wire_get_bytes(w, r->edid, SYNTHVID_EDID_SIZE);
	r->resolution_count = wire_get_u8(w);
	r->default_resolution_index = wire_get_u8(w);
	r->is_standard = wire_get_u8(w);
	if (r->resolution_count == 0 || r->resolution_count > SYNTHVID_MAX_RESOLUTIONS)
		return reject(why, -EPROTO, WHY_RESOLUTION_COUNT);
	if (r->default_resolution_index >= r->resolution_count)
		return reject(why, -EPROTO, WHY_RESOLUTION_INDEX);
	if (wire_remaining(w) < (size_t)r->resolution_count * SYNTHVID_RESOLUTION_ENTRY_SIZE)
		return reject(why, -EMSGSIZE, WHY_RESOLUTIONS_TRUNCATED);
	for (unsigned i = 0; i < r->resolution_count; i++) {
		r->resolutions[i].width = wire_get_u16(w);
		r->resolutions[i].height = wire_get_u16(w);
		if (r->resolutions[i].width == 0 || r->resolutions[i].height == 0)
			return reject(why, -EPROTO, WHY_RESOLUTION_ZERO);
	}
	return 0;
}

static void enc_resolution_response(struct wire *w, const struct synthvid_msg *m)
{
	const struct synthvid_resolution_response *r = &m->resolution_response;
	wire_put_bytes(w, r->edid, SYNTHVID_EDID_SIZE);
	wire_put_u8(w, r->resolution_count);
	wire_put_u8(w, r->default_resolution_index);
	wire_put_u8(w, r->is_standard);
	for (unsigned i = 0; i < r->resolution_count; i++) {
		wire_put_u16(w, r->resolutions[i].width);
		wire_put_u16(w, r->resolutions[i].height);
	}
}

static int size_resolution_response(const struct synthvid_msg *m)
{
	unsigned n = m->resolution_response.resolution_count;
	if (n > SYNTHVID_MAX_RESOLUTIONS)
		return -EINVAL;
	return SYNTHVID_RESOLUTION_FIXED_PAYLOAD + (int)n * SYNTHVID_RESOLUTION_ENTRY_SIZE;
}

static bool eq_resolution_response(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	const struct synthvid_resolution_response *x = &a->resolution_response;
	const struct synthvid_resolution_response *y = &b->resolution_response;
	if (memcmp(x->edid, y->edid, SYNTHVID_EDID_SIZE) != 0 ||
		x->resolution_count != y->resolution_count ||
		x->default_resolution_index != y->default_resolution_index ||
		x->is_standard != y->is_standard || x->resolution_count > SYNTHVID_MAX_RESOLUTIONS)
		return false;
	for (unsigned i = 0; i < x->resolution_count; i++) {
		if (x->resolutions[i].width != y->resolutions[i].width ||
			x->resolutions[i].height != y->resolutions[i].height)
			return false;
	}
	return true;
}

/* ---- The table (§3) ---- */

struct msg_ops {
	const char *name;
	enum synthvid_dir sender;
	size_t min_payload;
	/* Reads a payload of at least min_payload bytes; 0 or a rejection. */
	int (*decode)(struct wire *w, struct synthvid_msg *m, const char **why);
	void (*encode)(struct wire *w, const struct synthvid_msg *m);
	/* Payload bytes to encode m, or -EINVAL; NULL when always min_payload. */
	int (*size)(const struct synthvid_msg *m);
	bool (*equal)(const struct synthvid_msg *a, const struct synthvid_msg *b);
};

/* Sender, minimum payload, then the stem of dec_/enc_/eq_ and the size function (or NULL). */
#define MSG(type, from, min, stem, size)                                                           \
	[SYNTHVID_##type] = { #type, SYNTHVID_FROM_##from, min, dec_##stem, enc_##stem, size,      \
		eq_##stem }
static const struct msg_ops msg_ops[SYNTHVID_MSG_TYPE_MAX + 1] = {
	[SYNTHVID_ERROR] = { "ERROR", SYNTHVID_FROM_ANY, 0, NULL, NULL, NULL, NULL },
	MSG(VERSION_REQUEST, GUEST, SYNTHVID_VERSION_REQUEST_PAYLOAD, version_request, NULL),
	MSG(VERSION_RESPONSE, HOST, SYNTHVID_VERSION_RESPONSE_PAYLOAD, version_response, NULL),
	MSG(VRAM_LOCATION, GUEST, SYNTHVID_VRAM_LOCATION_PAYLOAD, vram_location, NULL),
	MSG(VRAM_LOCATION_ACK, HOST, SYNTHVID_VRAM_LOCATION_ACK_PAYLOAD, ack, NULL),
	MSG(SITUATION_UPDATE, GUEST, SYNTHVID_SITUATION_FIXED_PAYLOAD, situation, size_situation),
	MSG(SITUATION_UPDATE_ACK, HOST, SYNTHVID_SITUATION_ACK_PAYLOAD, ack, NULL),
	MSG(POINTER_POSITION, GUEST, SYNTHVID_POINTER_POSITION_PAYLOAD, pointer_position, NULL),
	MSG(POINTER_SHAPE, GUEST, SYNTHVID_POINTER_SHAPE_FIXED_PAYLOAD, pointer_shape,
		size_pointer_shape),
	MSG(FEATURE_CHANGE, HOST, SYNTHVID_FEATURE_CHANGE_PAYLOAD, feature_change,
		size_feature_change),
	MSG(DIRT, GUEST, SYNTHVID_DIRT_FIXED_PAYLOAD, dirt, size_dirt),
	MSG(BIOS_INFO_REQUEST, GUEST, SYNTHVID_BIOS_INFO_REQUEST_PAYLOAD, none, NULL),
	MSG(BIOS_INFO_RESPONSE, HOST, SYNTHVID_BIOS_INFO_RESPONSE_PAYLOAD, bios_info, NULL),
	MSG(RESOLUTION_REQUEST, GUEST, SYNTHVID_RESOLUTION_REQUEST_PAYLOAD, resolution_request,
		NULL),
	MSG(RESOLUTION_RESPONSE, HOST, SYNTHVID_RESOLUTION_FIXED_PAYLOAD, resolution_response,
		size_resolution_response),
	MSG(CAPABILITY_REQUEST, GUEST, SYNTHVID_CAPABILITY_REQUEST_PAYLOAD, none, NULL),
	MSG(CAPABILITY_RESPONSE, HOST, SYNTHVID_CAPABILITY_RESPONSE_PAYLOAD, capability, NULL),
};
#undef MSG

static const struct msg_ops *ops_for(uint32_t type)
{
	if (type > SYNTHVID_MSG_TYPE_MAX || !msg_ops[type].decode)
		return NULL;
	return &msg_ops[type];
}

/* ---- Framing (§2) ---- */

static void put_headers(
	struct wire *w, uint32_t type, size_t payload, enum synthvid_vid_size vid_size)
{
	wire_put_u32(w, SYNTHVID_PIPE_MSG_DATA);
	wire_put_u32(w, (uint32_t)(SYNTHVID_VID_HDR_SIZE + payload));
	wire_put_u32(w, type);
	wire_put_u32(w,
		(uint32_t)(vid_size == SYNTHVID_VID_SIZE_PAYLOAD_ONLY
				? payload
				: SYNTHVID_VID_HDR_SIZE + payload));
}

int synthvid_encoded_size(const struct synthvid_msg *msg)
{
	const struct msg_ops *ops = ops_for(msg->type);
	if (!ops)
		return -EINVAL;
	int payload = ops->size ? ops->size(msg) : (int)ops->min_payload;
	if (payload < 0)
		return payload;
	return SYNTHVID_HDRS_SIZE + payload;
}

int synthvid_encode(
	void *buf, size_t cap, const struct synthvid_msg *msg, enum synthvid_vid_size vid_size)
{
	int total = synthvid_encoded_size(msg);
	if (total < 0)
		return total;
	if (cap < (size_t)total)
		return -EMSGSIZE;
	struct wire w = wire_writer(buf, (size_t)total);
	put_headers(&w, msg->type, (size_t)total - SYNTHVID_HDRS_SIZE, vid_size);
	ops_for(msg->type)->encode(&w, msg);
	/* The size function and the encoder disagreeing is our bug, not the caller's. */
	assert(wire_error(&w) == 0 && w.pos == (size_t)total);
	return wire_error(&w) ? wire_error(&w) : total;
}

int synthvid_encode_dirt(void *buf, size_t cap, enum synthvid_vid_size vid_size,
	uint8_t video_output, const struct synthvid_rect *rects, size_t count)
{
	if (count > SYNTHVID_DIRT_MAX_RECTS || (!rects && count))
		return -EINVAL;
	size_t payload = SYNTHVID_DIRT_FIXED_PAYLOAD + count * SYNTHVID_RECT_SIZE;
	size_t total = SYNTHVID_HDRS_SIZE + payload;
	if (cap < total)
		return -EMSGSIZE;
	struct wire w = wire_writer(buf, total);
	put_headers(&w, SYNTHVID_DIRT, payload, vid_size);
	put_dirt(&w, video_output, rects, count);
	assert(wire_error(&w) == 0 && w.pos == total);
	return wire_error(&w) ? wire_error(&w) : (int)total;
}

/* Framing checks; on success *payload_len is the message's own length, from pipe.size. */
static int decode_headers(struct wire *w, size_t len, uint32_t *type, size_t *payload_len,
	enum synthvid_vid_size *convention, const char **why)
{
	if (len < SYNTHVID_HDRS_SIZE)
		return reject(why, -EMSGSIZE, WHY_SHORT_PACKET);
	uint32_t pipe_type = wire_get_u32(w);
	uint32_t pipe_size = wire_get_u32(w);
	if (pipe_type != SYNTHVID_PIPE_MSG_DATA)
		return reject(why, -EPROTO, WHY_BAD_PIPE_TYPE);
	if (pipe_size > len - SYNTHVID_PIPE_HDR_SIZE)
		return reject(why, -EMSGSIZE, WHY_BAD_PIPE_SIZE);
	if (pipe_size < SYNTHVID_VID_HDR_SIZE)
		return reject(why, -EMSGSIZE, WHY_SHORT_PACKET);
	*type = wire_get_u32(w);
	uint32_t vid_size = wire_get_u32(w);
	*payload_len = pipe_size - SYNTHVID_VID_HDR_SIZE;
	/* §2: Linux counts the synthvid header in vid.size, OpenVMM does not; nobody else is
	 * known, so any third value is a corrupt header. */
	if (vid_size == *payload_len)
		*convention = SYNTHVID_VID_SIZE_PAYLOAD_ONLY;
	else if ((uint64_t)vid_size == (uint64_t)*payload_len + SYNTHVID_VID_HDR_SIZE)
		*convention = SYNTHVID_VID_SIZE_WITH_HEADER;
	else
		return reject(why, -EPROTO, WHY_BAD_VID_SIZE);
	return 0;
}

static int decode(const uint8_t *buf, size_t len, enum synthvid_dir dir, struct synthvid_msg *out,
	const char **why)
{
	struct wire w = wire_reader(buf, len);
	uint32_t type;
	size_t payload_len;
	enum synthvid_vid_size convention;
	int ret = decode_headers(&w, len, &type, &payload_len, &convention, why);
	if (ret < 0)
		return ret;
	const struct msg_ops *ops = ops_for(type);
	if (!ops)
		return reject(why, -EOPNOTSUPP,
			type > SYNTHVID_MSG_TYPE_MAX ? WHY_UNKNOWN_TYPE : WHY_UNSUPPORTED_TYPE);
	if (dir != SYNTHVID_FROM_ANY && ops->sender != dir)
		return reject(why, -EOPNOTSUPP, WHY_WRONG_DIRECTION);
	if (payload_len < ops->min_payload)
		return reject(why, -EMSGSIZE, WHY_SHORT_PAYLOAD);
	*out = (struct synthvid_msg){ .type = (enum synthvid_msg_type)type,
		.vid_size = convention };
	struct wire body = wire_reader(buf + SYNTHVID_PAYLOAD_OFF, payload_len);
	ret = ops->decode(&body, out, why);
	if (ret < 0)
		return ret;
	/* Every body checks its length before reading; a latched cursor means it did not. */
	assert(wire_error(&body) == 0);
	if (wire_error(&body))
		return reject(why, -EMSGSIZE, WHY_SHORT_PAYLOAD);
	return 0;
}

int synthvid_decode(const void *buf, size_t len, enum synthvid_dir dir, struct synthvid_msg *out,
	const char **why)
{
	const char *reason = NULL;
	int ret = decode(buf, len, dir, out, &reason);
	/* A half-decoded body must never pass for a message. */
	if (ret < 0)
		out->type = SYNTHVID_ERROR;
	if (why)
		*why = ret < 0 ? reason : NULL;
	return ret;
}

const char *synthvid_reject_reason(size_t i)
{
	return i < sizeof(reasons) / sizeof(reasons[0]) ? reasons[i] : NULL;
}

const char *synthvid_msg_type_to_str(uint32_t type)
{
	return type <= SYNTHVID_MSG_TYPE_MAX ? msg_ops[type].name : "UNKNOWN";
}

bool synthvid_msg_equal(const struct synthvid_msg *a, const struct synthvid_msg *b)
{
	if (a->type != b->type)
		return false;
	const struct msg_ops *ops = ops_for(a->type);
	return ops ? ops->equal(a, b) : true;
}

int synthvid_version_cmp(uint32_t a, uint32_t b)
{
	uint16_t amaj = synthvid_version_major(a), bmaj = synthvid_version_major(b);
	if (amaj != bmaj)
		return amaj < bmaj ? -1 : 1;
	uint16_t amin = synthvid_version_minor(a), bmin = synthvid_version_minor(b);
	if (amin != bmin)
		return amin < bmin ? -1 : 1;
	return 0;
}
