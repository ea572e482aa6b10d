/*
 * Control messages of the emulated VMBus (vmbus-emu.md §2): one table row per msgtype, one
 * encoder and one decoder per body layout. Decoding checks, in order: the header fits, the type
 * is known, the length is exact, the second header word is 0, the direction, the body's zero
 * fields, the field rules (vmb_ctl_check), the descriptor count.
 */
#include "vmb_ctl_proto.h"

#include <errno.h>
#include <string.h>

#include "macros.h"
#include "wire.h"

/* A body decoder returns NULL or the reason the body is bad (only zero fields can be). */
typedef const char *(*body_decode_fn)(struct wire *r, struct vmb_ctl_msg *m);
typedef void (*body_encode_fn)(struct wire *w, const struct vmb_ctl_msg *m);

struct ctl_type_info {
	enum vmb_ctl_type type;
	const char *name;
	enum vmb_ctl_dir dir;
	uint32_t body_size;
	body_decode_fn decode;
	body_encode_fn encode;
};

/* ---- bodies ---- */

static const char *dec_zero4(struct wire *r, struct vmb_ctl_msg *m)
{
	wire_skip(r, 4, true);
	return wire_error(r) ? "body not 0" : NULL;
}

static void enc_zero4(struct wire *w, const struct vmb_ctl_msg *m)
{
	wire_put_zeros(w, 4);
}

static const char *dec_relid(struct wire *r, struct vmb_ctl_msg *m)
{
	m->child_relid = wire_get_u32(r);
	return NULL;
}

static void enc_relid(struct wire *w, const struct vmb_ctl_msg *m)
{
	wire_put_u32(w, m->child_relid);
}

static const char *dec_initiate_contact(struct wire *r, struct vmb_ctl_msg *m)
{
	m->initiate_contact.vmbus_version = wire_get_u32(r);
	return NULL;
}

static void enc_initiate_contact(struct wire *w, const struct vmb_ctl_msg *m)
{
	wire_put_u32(w, m->initiate_contact.vmbus_version);
}

static const char *dec_version_response(struct wire *r, struct vmb_ctl_msg *m)
{
	struct vmb_ctl_version_response *v = &m->version_response;
	uint8_t supported = wire_get_u8(r);
	if (supported > 1)
		return "version_supported neither 0 nor 1";
	v->version_supported = supported;
	v->refusal = wire_get_u8(r);
	wire_skip(r, 2, true);
	if (wire_error(r))
		return "VERSION_RESPONSE bytes 2-3 not 0";
	v->vmbus_version = wire_get_u32(r);
	v->mmio_base = wire_get_u64(r);
	v->mmio_size = wire_get_u64(r);
	return NULL;
}

static void enc_version_response(struct wire *w, const struct vmb_ctl_msg *m)
{
	const struct vmb_ctl_version_response *v = &m->version_response;
	wire_put_u8(w, v->version_supported ? 1 : 0);
	wire_put_u8(w, v->refusal);
	wire_put_zeros(w, 2);
	wire_put_u32(w, v->vmbus_version);
	wire_put_u64(w, v->mmio_base);
	wire_put_u64(w, v->mmio_size);
}

static const char *dec_offer(struct wire *r, struct vmb_ctl_msg *m)
{
	struct vmb_ctl_offer *o = &m->offer;
	wire_get_bytes(r, o->interface.bytes, sizeof(o->interface.bytes));
	wire_get_bytes(r, o->instance.bytes, sizeof(o->instance.bytes));
	o->child_relid = wire_get_u32(r);
	o->mmio_megabytes = wire_get_u16(r);
	o->chn_flags = wire_get_u16(r);
	o->pipe_mode = wire_get_u32(r);
	wire_skip(r, 4, true);
	return wire_error(r) ? "OFFERCHANNEL bytes 44-47 not 0" : NULL;
}

static void enc_offer(struct wire *w, const struct vmb_ctl_msg *m)
{
	const struct vmb_ctl_offer *o = &m->offer;
	wire_put_bytes(w, o->interface.bytes, sizeof(o->interface.bytes));
	wire_put_bytes(w, o->instance.bytes, sizeof(o->instance.bytes));
	wire_put_u32(w, o->child_relid);
	wire_put_u16(w, o->mmio_megabytes);
	wire_put_u16(w, o->chn_flags);
	wire_put_u32(w, o->pipe_mode);
	wire_put_zeros(w, 4);
}

/* The user data is the device's business ("zero unless the device says otherwise"). */
static const char *dec_open(struct wire *r, struct vmb_ctl_msg *m)
{
	struct vmb_ctl_open *o = &m->open;
	o->child_relid = wire_get_u32(r);
	o->open_id = wire_get_u32(r);
	o->ring_bytes = wire_get_u32(r);
	o->downstream_ringbuffer_pageoffset = wire_get_u32(r);
	wire_get_bytes(r, o->user_data, sizeof(o->user_data));
	return NULL;
}

static void enc_open(struct wire *w, const struct vmb_ctl_msg *m)
{
	const struct vmb_ctl_open *o = &m->open;
	wire_put_u32(w, o->child_relid);
	wire_put_u32(w, o->open_id);
	wire_put_u32(w, o->ring_bytes);
	wire_put_u32(w, o->downstream_ringbuffer_pageoffset);
	wire_put_bytes(w, o->user_data, sizeof(o->user_data));
}

static const char *dec_open_result(struct wire *r, struct vmb_ctl_msg *m)
{
	struct vmb_ctl_open_result *o = &m->open_result;
	o->child_relid = wire_get_u32(r);
	o->open_id = wire_get_u32(r);
	o->status = wire_get_s32(r);
	return NULL;
}

static void enc_open_result(struct wire *w, const struct vmb_ctl_msg *m)
{
	const struct vmb_ctl_open_result *o = &m->open_result;
	wire_put_u32(w, o->child_relid);
	wire_put_u32(w, o->open_id);
	wire_put_s32(w, o->status);
}

/* ---- the table (§2) ---- */

#define ROW(t, d, dec, enc)                                                                        \
	{                                                                                          \
		.type = VMB_CTL_##t, .name = #t, .dir = VMB_CTL_##d,                               \
		.body_size = VMB_CTL_##t##_SIZE, .decode = dec, .encode = enc                      \
	}

static const struct ctl_type_info ctl_types[] = {
	ROW(INITIATE_CONTACT, TO_HOST, dec_initiate_contact, enc_initiate_contact),
	ROW(VERSION_RESPONSE, TO_GUEST, dec_version_response, enc_version_response),
	ROW(REQUESTOFFERS, TO_HOST, dec_zero4, enc_zero4),
	ROW(OFFERCHANNEL, TO_GUEST, dec_offer, enc_offer),
	ROW(ALLOFFERS_DELIVERED, TO_GUEST, dec_zero4, enc_zero4),
	ROW(OPENCHANNEL, TO_HOST, dec_open, enc_open),
	ROW(OPENCHANNEL_RESULT, TO_GUEST, dec_open_result, enc_open_result),
	ROW(CLOSECHANNEL, TO_HOST, dec_relid, enc_relid),
	ROW(RESCIND_CHANNELOFFER, TO_GUEST, dec_relid, enc_relid),
	ROW(RELID_RELEASED, TO_HOST, dec_relid, enc_relid),
	ROW(UNLOAD, TO_HOST, dec_zero4, enc_zero4),
	ROW(UNLOAD_RESPONSE, TO_GUEST, dec_zero4, enc_zero4),
};

static const struct ctl_type_info *type_info(uint32_t type)
{
	for (size_t i = 0; i < ARRAY_LEN(ctl_types); i++) {
		if ((uint32_t)ctl_types[i].type == type)
			return &ctl_types[i];
	}
	return NULL;
}

const char *vmb_ctl_type_to_str(uint32_t type)
{
	const struct ctl_type_info *info = type_info(type);
	return info ? info->name : "unknown";
}

bool vmb_ctl_type_known(uint32_t type)
{
	return type_info(type) != NULL;
}

bool vmb_ctl_type_dir(uint32_t type, enum vmb_ctl_dir *dir)
{
	const struct ctl_type_info *info = type_info(type);
	if (info && dir)
		*dir = info->dir;
	return info != NULL;
}

uint32_t vmb_ctl_peek_type(const uint8_t *buf, size_t len)
{
	struct wire r = wire_reader(buf, len);
	return wire_get_u32(&r);
}

size_t vmb_ctl_msg_size(uint32_t type)
{
	const struct ctl_type_info *info = type_info(type);
	return info ? VMB_CTL_HEADER_SIZE + info->body_size : 0;
}

size_t vmb_ctl_msg_fds(const struct vmb_ctl_msg *msg)
{
	switch (msg->type) {
	case VMB_CTL_VERSION_RESPONSE:
		return msg->version_response.version_supported ? 1 : 0;
	case VMB_CTL_OPENCHANNEL:
		return VMB_CTL_MAX_FDS;
	default:
		return 0;
	}
}

/* ---- field rules ---- */

static const char *check_version_response(const struct vmb_ctl_version_response *v)
{
	if (v->version_supported) {
		if (v->refusal != 0)
			return "accepting VERSION_RESPONSE with a refusal reason";
		if (v->mmio_size == 0 || v->mmio_size % VMB_CTL_MMIO_ALIGN)
			return "mmio_size not a non-zero multiple of 2 MiB";
		if (v->mmio_base % VMB_CTL_MMIO_ALIGN)
			return "mmio_base not 2 MiB aligned";
		if (v->mmio_base > UINT64_MAX - v->mmio_size)
			return "MMIO window wraps around";
		return NULL;
	}
	switch (v->refusal) {
	case VMB_CTL_REFUSAL_VERSION:
		if (v->mmio_base || v->mmio_size)
			return "version refusal with an MMIO window";
		return NULL;
	case VMB_CTL_REFUSAL_BUSY:
		if (v->vmbus_version || v->mmio_base || v->mmio_size)
			return "busy refusal with fields not 0";
		return NULL;
	default:
		return "unknown refusal reason";
	}
}

static const char *check_fields(const struct vmb_ctl_msg *msg)
{
	switch (msg->type) {
	case VMB_CTL_VERSION_RESPONSE:
		return check_version_response(&msg->version_response);
	case VMB_CTL_OFFERCHANNEL:
		if (msg->offer.chn_flags & VMB_CTL_OFFER_FLAG_NAMED_PIPE) {
			if (msg->offer.pipe_mode != VMB_CTL_PIPE_MODE_MESSAGE)
				return "pipe offer with a pipe_mode other than 4 (message)";
		} else if (msg->offer.pipe_mode != 0) {
			return "pipe_mode not 0 on a channel not in pipe mode";
		}
		return NULL;
	case VMB_CTL_OPENCHANNEL_RESULT:
		/* Linux's errnos stop at 4095 (MAX_ERRNO). */
		if (msg->open_result.status > 0 || msg->open_result.status < -4095)
			return "OPENCHANNEL_RESULT status neither 0 nor a negative errno";
		return NULL;
	default:
		return NULL;
	}
}

int vmb_ctl_check(const struct vmb_ctl_msg *msg, const char **reason)
{
	const char *why = type_info(msg->type) ? check_fields(msg) : "unknown msgtype";
	if (why && reason)
		*reason = why;
	return why ? -EPROTO : 0;
}

/* ---- encode / decode ---- */

int vmb_ctl_encode(const struct vmb_ctl_msg *msg, uint8_t *buf, size_t cap)
{
	const struct ctl_type_info *info = type_info(msg->type);
	if (!info)
		return -EINVAL;
	size_t size = VMB_CTL_HEADER_SIZE + info->body_size;
	if (cap < size)
		return -EMSGSIZE;
	struct wire w = wire_writer(buf, size);
	wire_put_u32(&w, info->type);
	wire_put_u32(&w, 0);
	info->encode(&w, msg);
	if (wire_error(&w) || w.pos != size)
		return -EMSGSIZE;
	return (int)size;
}

static int fail(const char **reason, const char *why, int err)
{
	if (reason)
		*reason = why;
	return err;
}

int vmb_ctl_decode(enum vmb_ctl_dir dir, const uint8_t *buf, size_t len, size_t nfds,
	struct vmb_ctl_msg *out, const char **reason)
{
	struct wire r = wire_reader(buf, len);
	uint32_t type = wire_get_u32(&r);
	uint32_t word1 = wire_get_u32(&r);
	if (wire_error(&r))
		return fail(reason, "shorter than the 8-byte header", -EMSGSIZE);
	const struct ctl_type_info *info = type_info(type);
	if (!info)
		return fail(reason, "unknown msgtype", -EOPNOTSUPP);
	if (len != VMB_CTL_HEADER_SIZE + info->body_size)
		return fail(reason, "length differs from the message's size", -EMSGSIZE);
	if (word1 != 0)
		return fail(reason, "second header word not 0", -EPROTO);
	if (info->dir != dir)
		return fail(reason, "msgtype sent in the wrong direction", -EPROTO);

	struct vmb_ctl_msg msg = { .type = info->type };
	const char *why = info->decode(&r, &msg);
	if (why)
		return fail(reason, why, -EPROTO);
	why = check_fields(&msg);
	if (why)
		return fail(reason, why, -EPROTO);
	if (nfds != vmb_ctl_msg_fds(&msg))
		return fail(reason, "wrong number of descriptors", -EPROTO);
	*out = msg;
	return 0;
}
