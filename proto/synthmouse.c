/*
 * Hyper-V SynthHID codec: synthinput.md §2.2 (two headers), §2.3 (messages), §2.4 (OpenVMM's
 * padded device info), §2.5 (report descriptor); pipe framing from vmbus-ring.md §5.
 *
 * The headers are checked first, outside in: the pipe size must fit the payload, the SynthHID
 * header must fit the pipe message, the body must fit hid.size. Each type then reads its body
 * through a cursor bounded by hid.size, from a table of {type, minimum body, handlers}.
 */
#include "synthmouse.h"

#include <errno.h>

#include "wire.h"

_Static_assert(SYNTHMOUSE_HDR_SIZE == SYNTHMOUSE_PIPE_HDR_SIZE + SYNTHMOUSE_HID_HDR_SIZE,
	"pipe header then SynthHID header");
_Static_assert(SYNTHMOUSE_HDR_SIZE + SYNTHMOUSE_DEV_INFO_SIZE + SYNTHMOUSE_HID_DESC_SIZE == 57,
	"report descriptor @57 (§2.3)");
_Static_assert(
	SYNTHMOUSE_DEV_INFO_SIZE + SYNTHMOUSE_HID_DESC_SIZE + SYNTHMOUSE_OPENVMM_REPORT_DESC_LEN ==
		108,
	"OpenVMM device info hid.size (§2.4)");

/* Both ends of the OpenVMM descriptor: 0x29 at byte 14 (§2.5, the Linux byte-14 patch). */
const uint8_t synthmouse_openvmm_report_desc[SYNTHMOUSE_OPENVMM_REPORT_DESC_LEN] = {
	0x05,
	0x01,
	0x09,
	0x02,
	0xa1,
	0x01,
	0x09,
	0x01,
	0xa1,
	0x00,
	0x05,
	0x09,
	0x19,
	0x01,
	0x29,
	0x05,
	0x15,
	0x00,
	0x25,
	0x01,
	0x95,
	0x05,
	0x75,
	0x01,
	0x81,
	0x02,
	0x95,
	0x01,
	0x75,
	0x03,
	0x81,
	0x01,
	0x05,
	0x01,
	0x09,
	0x30,
	0x09,
	0x31,
	0x15,
	0x00,
	0x26,
	0xff,
	0x7f,
	0x75,
	0x10,
	0x95,
	0x02,
	0x81,
	0x02,
	0x05,
	0x01,
	0x09,
	0x38,
	0x16,
	0x01,
	0x80,
	0x26,
	0xff,
	0x7f,
	0x75,
	0x10,
	0x95,
	0x01,
	0x81,
	0x06,
	0xc0,
	0xc0,
};

struct mouse_type {
	uint32_t type;
	uint32_t min_body; // smallest hid.size accepted
	const char *name;
	const char *short_reason;
	/* r covers the body (hid.size bytes); field_room is what the pipe message holds past the
	 * SynthHID header, for the padded device info. Returns 0, -EMSGSIZE or -EPROTO. */
	int (*decode)(
		struct wire *r, size_t field_room, struct synthmouse_msg *out, const char **reason);
	/* Body size hid.size and the bytes written after the headers; 0 or -EINVAL. NULL for a
	 * fixed body of min_body bytes. */
	int (*size)(const struct synthmouse_msg *msg, uint32_t *hid_size, uint32_t *wire_size);
	void (*encode)(struct wire *w, const struct synthmouse_msg *msg);
};

static int decode_protocol_request(
	struct wire *r, size_t field_room, struct synthmouse_msg *out, const char **reason)
{
	out->u.protocol_request.version = wire_get_u32(r);
	return 0;
}

static void encode_protocol_request(struct wire *w, const struct synthmouse_msg *msg)
{
	wire_put_u32(w, msg->u.protocol_request.version);
}

/* MacHyperVSupport declares 3 reserved bytes after `approved`: a longer body is fine. */
static int decode_protocol_response(
	struct wire *r, size_t field_room, struct synthmouse_msg *out, const char **reason)
{
	out->u.protocol_response.version_requested = wire_get_u32(r);
	out->u.protocol_response.approved = wire_get_u8(r);
	return 0;
}

static void encode_protocol_response(struct wire *w, const struct synthmouse_msg *msg)
{
	wire_put_u32(w, msg->u.protocol_response.version_requested);
	wire_put_u8(w, msg->u.protocol_response.approved);
}

static void read_dev_info(struct wire *r, struct synthmouse_dev_info *info)
{
	info->size = wire_get_u32(r);
	info->vendor = wire_get_u16(r);
	info->product = wire_get_u16(r);
	info->version = wire_get_u16(r);
	wire_skip(r, SYNTHMOUSE_DEV_INFO_SIZE - 10, false);
}

static void read_hid_desc(struct wire *r, struct synthmouse_hid_desc *d)
{
	d->length = wire_get_u8(r);
	d->descriptor_type = wire_get_u8(r);
	d->bcd_hid = wire_get_u16(r);
	d->country_code = wire_get_u8(r);
	d->num_descriptors = wire_get_u8(r);
	d->report_desc_type = wire_get_u8(r);
	d->report_desc_len = wire_get_u16(r);
}

static const char *hid_desc_fault(const struct synthmouse_hid_desc *d)
{
	if (d->length < SYNTHMOUSE_HID_DESC_SIZE)
		return "hid_desc_length";
	if (d->descriptor_type != SYNTHMOUSE_HID_DESC_TYPE)
		return "hid_desc_type";
	if (d->report_desc_type != SYNTHMOUSE_REPORT_DESC_TYPE)
		return "report_desc_type";
	if (d->report_desc_len == 0)
		return "report_desc_empty";
	return NULL;
}

/*
 * The report descriptor starts bLength bytes after the HID descriptor (as Linux reads it) and
 * is wDescriptorLength long; hid.size must cover it. Bytes after it up to pipe.size are the
 * sender's padding (OpenVMM's 128-byte field) and are only measured.
 */
static int decode_device_info(
	struct wire *r, size_t field_room, struct synthmouse_msg *out, const char **reason)
{
	struct synthmouse_device_info di = { 0 };
	read_dev_info(r, &di.info);
	read_hid_desc(r, &di.hid_desc);
	const char *fault = hid_desc_fault(&di.hid_desc);
	if (fault) {
		*reason = fault;
		return -EPROTO;
	}
	wire_skip(r, di.hid_desc.length - SYNTHMOUSE_HID_DESC_SIZE, false);
	di.report_desc = wire_need(r, di.hid_desc.report_desc_len);
	if (!di.report_desc) {
		*reason = "short_report_desc";
		return -EMSGSIZE;
	}
	di.report_desc_field =
		(uint32_t)(field_room - SYNTHMOUSE_DEV_INFO_SIZE - di.hid_desc.length);
	out->u.device_info = di;
	return 0;
}

static int size_device_info(
	const struct synthmouse_msg *msg, uint32_t *hid_size, uint32_t *wire_size)
{
	const struct synthmouse_device_info *di = &msg->u.device_info;
	const struct synthmouse_hid_desc *d = &di->hid_desc;
	if (d->length != SYNTHMOUSE_HID_DESC_SIZE || hid_desc_fault(d) || !di->report_desc)
		return -EINVAL;
	uint32_t field = di->report_desc_field ? di->report_desc_field : d->report_desc_len;
	if (field < d->report_desc_len || field > SYNTHMOUSE_MAX_PIPE_SIZE)
		return -EINVAL;
	*hid_size = SYNTHMOUSE_DEV_INFO_SIZE + SYNTHMOUSE_HID_DESC_SIZE + d->report_desc_len;
	*wire_size = SYNTHMOUSE_DEV_INFO_SIZE + SYNTHMOUSE_HID_DESC_SIZE + field;
	return 0;
}

static void encode_device_info(struct wire *w, const struct synthmouse_msg *msg)
{
	const struct synthmouse_device_info *di = &msg->u.device_info;
	const struct synthmouse_hid_desc *d = &di->hid_desc;
	uint32_t field = di->report_desc_field ? di->report_desc_field : d->report_desc_len;
	wire_put_u32(w, di->info.size);
	wire_put_u16(w, di->info.vendor);
	wire_put_u16(w, di->info.product);
	wire_put_u16(w, di->info.version);
	wire_put_zeros(w, SYNTHMOUSE_DEV_INFO_SIZE - 10);
	wire_put_u8(w, d->length);
	wire_put_u8(w, d->descriptor_type);
	wire_put_u16(w, d->bcd_hid);
	wire_put_u8(w, d->country_code);
	wire_put_u8(w, d->num_descriptors);
	wire_put_u8(w, d->report_desc_type);
	wire_put_u16(w, d->report_desc_len);
	wire_put_bytes(w, di->report_desc, d->report_desc_len);
	wire_put_zeros(w, field - d->report_desc_len);
}

static int decode_device_info_ack(
	struct wire *r, size_t field_room, struct synthmouse_msg *out, const char **reason)
{
	out->u.device_info_ack.reserved = wire_get_u8(r);
	return 0;
}

static void encode_device_info_ack(struct wire *w, const struct synthmouse_msg *msg)
{
	wire_put_u8(w, msg->u.device_info_ack.reserved);
}

static int decode_input_report(
	struct wire *r, size_t field_room, struct synthmouse_msg *out, const char **reason)
{
	size_t len = wire_remaining(r);
	out->u.input_report.len = len;
	out->u.input_report.data = wire_need(r, len);
	return 0;
}

static int size_input_report(
	const struct synthmouse_msg *msg, uint32_t *hid_size, uint32_t *wire_size)
{
	const struct synthmouse_input_report *rep = &msg->u.input_report;
	if (!rep->data || rep->len == 0 ||
		rep->len > SYNTHMOUSE_MAX_PIPE_SIZE - SYNTHMOUSE_HID_HDR_SIZE)
		return -EINVAL;
	*hid_size = *wire_size = (uint32_t)rep->len;
	return 0;
}

static void encode_input_report(struct wire *w, const struct synthmouse_msg *msg)
{
	wire_put_bytes(w, msg->u.input_report.data, msg->u.input_report.len);
}

#define DEVICE_INFO_MIN_BODY (SYNTHMOUSE_DEV_INFO_SIZE + SYNTHMOUSE_HID_DESC_SIZE)

static const struct mouse_type mouse_types[] = {
	{ SYNTHMOUSE_PROTOCOL_REQUEST, SYNTHMOUSE_PROTOCOL_REQUEST_BODY, "PROTOCOL_REQUEST",
		"short_protocol_request", decode_protocol_request, NULL, encode_protocol_request },
	{ SYNTHMOUSE_PROTOCOL_RESPONSE, SYNTHMOUSE_PROTOCOL_RESPONSE_BODY, "PROTOCOL_RESPONSE",
		"short_protocol_response", decode_protocol_response, NULL,
		encode_protocol_response },
	{ SYNTHMOUSE_INITIAL_DEVICE_INFO, DEVICE_INFO_MIN_BODY, "INITIAL_DEVICE_INFO",
		"short_device_info", decode_device_info, size_device_info, encode_device_info },
	{ SYNTHMOUSE_INITIAL_DEVICE_INFO_ACK, SYNTHMOUSE_DEVICE_INFO_ACK_BODY,
		"INITIAL_DEVICE_INFO_ACK", "short_device_info_ack", decode_device_info_ack, NULL,
		encode_device_info_ack },
	{ SYNTHMOUSE_INPUT_REPORT, 1, "INPUT_REPORT", "short_input_report", decode_input_report,
		size_input_report, encode_input_report },
};

static const struct mouse_type *find_type(uint32_t type)
{
	for (size_t i = 0; i < sizeof(mouse_types) / sizeof(mouse_types[0]); i++) {
		if (mouse_types[i].type == type)
			return &mouse_types[i];
	}
	return NULL;
}

static int reject(const char **reason, const char *why, int err)
{
	if (reason)
		*reason = why;
	return err;
}

/* The pipe header: on success *pipe_size bytes of pipe message follow it in buf. */
static int check_pipe(struct wire *r, uint32_t *pipe_size, const char **reason)
{
	if (wire_remaining(r) < SYNTHMOUSE_PIPE_HDR_SIZE)
		return reject(reason, "short_pipe_header", -EMSGSIZE);
	uint32_t type = wire_get_u32(r);
	uint32_t size = wire_get_u32(r);
	if (type != SYNTHMOUSE_PIPE_MESSAGE_DATA)
		return reject(reason, "pipe_type", -EPROTO);
	if (size > SYNTHMOUSE_MAX_PIPE_SIZE)
		return reject(reason, "oversized", -EMSGSIZE);
	if (size > wire_remaining(r))
		return reject(reason, "pipe_size_overrun", -EMSGSIZE);
	if (size < SYNTHMOUSE_HID_HDR_SIZE)
		return reject(reason, "short_hid_header", -EMSGSIZE);
	*pipe_size = size;
	return 0;
}

int synthmouse_decode(const void *buf, size_t len, struct synthmouse_msg *out, const char **reason)
{
	struct wire r = wire_reader(buf, len);
	uint32_t pipe_size;
	int ret = check_pipe(&r, &pipe_size, reason);
	if (ret < 0)
		return ret;
	uint32_t hid_type = wire_get_u32(&r);
	uint32_t hid_size = wire_get_u32(&r);
	size_t room = pipe_size - SYNTHMOUSE_HID_HDR_SIZE;
	const struct mouse_type *t = find_type(hid_type);
	if (!t)
		return reject(reason, "unknown_type", -EOPNOTSUPP);
	if (hid_size > room)
		return reject(reason, "hid_size_overrun", -EMSGSIZE);
	if (hid_size < t->min_body)
		return reject(reason, t->short_reason, -EMSGSIZE);

	struct wire body = wire_reader((const uint8_t *)buf + SYNTHMOUSE_HDR_SIZE, hid_size);
	struct synthmouse_msg msg = { .type = (enum synthmouse_msg_type)hid_type };
	const char *why = t->short_reason;
	ret = t->decode(&body, room, &msg, &why);
	if (ret == 0 && wire_error(&body) < 0) /* guarded by min_body; kept as a backstop */
		ret = -EMSGSIZE;
	if (ret < 0)
		return reject(reason, why, ret);
	*out = msg;
	return 0;
}

int synthmouse_encode(void *buf, size_t cap, const struct synthmouse_msg *msg)
{
	const struct mouse_type *t = find_type((uint32_t)msg->type);
	if (!t)
		return -EOPNOTSUPP;
	uint32_t hid_size = t->min_body, wire_size = t->min_body;
	int ret = t->size ? t->size(msg, &hid_size, &wire_size) : 0;
	if (ret < 0)
		return ret;
	size_t total = (size_t)SYNTHMOUSE_HDR_SIZE + wire_size;
	if (total - SYNTHMOUSE_PIPE_HDR_SIZE > SYNTHMOUSE_MAX_PIPE_SIZE)
		return -EINVAL;
	if (cap < total)
		return -EMSGSIZE;
	struct wire w = wire_writer(buf, total);
	wire_put_u32(&w, SYNTHMOUSE_PIPE_MESSAGE_DATA);
	wire_put_u32(&w, (uint32_t)(total - SYNTHMOUSE_PIPE_HDR_SIZE));
	wire_put_u32(&w, t->type);
	wire_put_u32(&w, hid_size);
	t->encode(&w, msg);
	if (wire_error(&w) < 0 || wire_remaining(&w) != 0)
		return -EINVAL; /* a size function that disagrees with its encoder: our bug */
	return (int)total;
}

const char *synthmouse_msg_type_to_str(uint32_t type)
{
	const struct mouse_type *t = find_type(type);
	return t ? t->name : "UNKNOWN";
}

void synthmouse_abs_report_encode(uint8_t out[SYNTHMOUSE_ABS_REPORT_SIZE], uint8_t buttons,
	uint16_t x, uint16_t y, int16_t wheel)
{
	struct wire w = wire_writer(out, SYNTHMOUSE_ABS_REPORT_SIZE);
	wire_put_u8(&w, buttons & 0x1f);
	wire_put_u16(&w, x);
	wire_put_u16(&w, y);
	wire_put_u16(&w, (uint16_t)wheel);
}

uint16_t synthmouse_scale_abs(uint32_t pos, uint32_t extent)
{
	if (extent < 2)
		return 0;
	uint64_t last = extent - 1;
	if (pos > last)
		pos = (uint32_t)last;
	return (uint16_t)(((uint64_t)pos * SYNTHMOUSE_ABS_MAX + last / 2) / last);
}
