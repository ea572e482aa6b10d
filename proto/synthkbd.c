/*
 * Hyper-V synthetic keyboard codec: synthinput.md §1.2 (layouts), §1.3 (length rules the
 * Linux driver applies), §1.4 (make codes).
 *
 * Every message has a fixed layout, so dispatch is one table of {type, size, handlers}: the
 * length is checked against the table before any field is read, and fields move through the
 * bounds-checked cursor of wire.h.
 */
#include "synthkbd.h"

#include <errno.h>
#include <stdbool.h>

#include "wire.h"

/* Field sums of §1.2, so a wrong size constant fails to build. */
_Static_assert(SYNTHKBD_PROTOCOL_REQUEST_SIZE == SYNTHKBD_HDR_SIZE + 4, "version u32 @4");
_Static_assert(SYNTHKBD_PROTOCOL_RESPONSE_SIZE == SYNTHKBD_HDR_SIZE + 4, "status u32 @4");
_Static_assert(
	SYNTHKBD_EVENT_SIZE == SYNTHKBD_HDR_SIZE + 2 + 2 + 4, "make u16, rsvd u16, info u32");
_Static_assert(SYNTHKBD_SET_LED_INDICATORS_SIZE == SYNTHKBD_HDR_SIZE + 2 + 2, "flags u16, pad u16");

struct kbd_type {
	uint32_t type;
	size_t size;
	const char *name;
	const char *short_reason; // rejection when the payload is shorter than size
	/* Reads the body (the cursor is past the header); returns 0 or -EPROTO with *reason. */
	int (*decode)(struct wire *r, struct synthkbd_msg *out, const char **reason);
	/* Writes the body; returns 0 or -EINVAL. */
	int (*encode)(struct wire *w, const struct synthkbd_msg *msg);
};

static int decode_protocol_request(struct wire *r, struct synthkbd_msg *out, const char **reason)
{
	out->u.protocol_request.version = wire_get_u32(r);
	return 0;
}

static int encode_protocol_request(struct wire *w, const struct synthkbd_msg *msg)
{
	wire_put_u32(w, msg->u.protocol_request.version);
	return 0;
}

static int decode_protocol_response(struct wire *r, struct synthkbd_msg *out, const char **reason)
{
	out->u.protocol_response.status = wire_get_u32(r);
	return 0;
}

static int encode_protocol_response(struct wire *w, const struct synthkbd_msg *msg)
{
	wire_put_u32(w, msg->u.protocol_response.status);
	return 0;
}

/*
 * The two checks are the ones a key decoder cannot recover from: E0 and E1 together name no
 * key, and a make code with the high bit set would turn into a break code on Linux's serio
 * path (§1.4: only the low 8 bits survive). Unknown info bits are kept: Hyper-V may define more.
 */
static const char *event_fault(const struct synthkbd_event *ev)
{
	if ((ev->info & SYNTHKBD_INFO_IS_E0) && (ev->info & SYNTHKBD_INFO_IS_E1))
		return "event_e0_and_e1";
	if (!(ev->info & SYNTHKBD_INFO_IS_UNICODE) && ev->make_code > 0x7f)
		return "event_make_code_range";
	return NULL;
}

static int decode_event(struct wire *r, struct synthkbd_msg *out, const char **reason)
{
	struct synthkbd_event ev;
	ev.make_code = wire_get_u16(r);
	ev.reserved = wire_get_u16(r);
	ev.info = wire_get_u32(r);
	const char *fault = event_fault(&ev);
	if (fault) {
		*reason = fault;
		return -EPROTO;
	}
	out->u.event = ev;
	return 0;
}

static int encode_event(struct wire *w, const struct synthkbd_msg *msg)
{
	const struct synthkbd_event *ev = &msg->u.event;
	if (event_fault(ev))
		return -EINVAL;
	wire_put_u16(w, ev->make_code);
	wire_put_u16(w, ev->reserved);
	wire_put_u32(w, ev->info);
	return 0;
}

static int decode_set_led_indicators(struct wire *r, struct synthkbd_msg *out, const char **reason)
{
	struct synthkbd_set_led_indicators led;
	led.led_flags = wire_get_u16(r);
	led.padding = wire_get_u16(r);
	if (led.led_flags & ~SYNTHKBD_LED_ALL) {
		*reason = "led_flags_unknown";
		return -EPROTO;
	}
	out->u.set_led_indicators = led;
	return 0;
}

static int encode_set_led_indicators(struct wire *w, const struct synthkbd_msg *msg)
{
	const struct synthkbd_set_led_indicators *led = &msg->u.set_led_indicators;
	if (led->led_flags & ~SYNTHKBD_LED_ALL)
		return -EINVAL;
	wire_put_u16(w, led->led_flags);
	wire_put_u16(w, led->padding);
	return 0;
}

static const struct kbd_type kbd_types[] = {
	{ SYNTHKBD_PROTOCOL_REQUEST, SYNTHKBD_PROTOCOL_REQUEST_SIZE, "PROTOCOL_REQUEST",
		"short_protocol_request", decode_protocol_request, encode_protocol_request },
	{ SYNTHKBD_PROTOCOL_RESPONSE, SYNTHKBD_PROTOCOL_RESPONSE_SIZE, "PROTOCOL_RESPONSE",
		"short_protocol_response", decode_protocol_response, encode_protocol_response },
	{ SYNTHKBD_EVENT, SYNTHKBD_EVENT_SIZE, "EVENT", "short_event", decode_event, encode_event },
	{ SYNTHKBD_SET_LED_INDICATORS, SYNTHKBD_SET_LED_INDICATORS_SIZE, "SET_LED_INDICATORS",
		"short_set_led_indicators", decode_set_led_indicators, encode_set_led_indicators },
};

static const struct kbd_type *find_type(uint32_t type)
{
	for (size_t i = 0; i < sizeof(kbd_types) / sizeof(kbd_types[0]); i++) {
		if (kbd_types[i].type == type)
			return &kbd_types[i];
	}
	return NULL;
}

static int reject(const char **reason, const char *why, int err)
{
	if (reason)
		*reason = why;
	return err;
}

int synthkbd_decode(const void *buf, size_t len, struct synthkbd_msg *out, const char **reason)
{
	/* Linux drops payloads of 4 bytes or fewer before looking at the type (§1.3). */
	if (len <= SYNTHKBD_HDR_SIZE)
		return reject(reason, "short_header", -EMSGSIZE);
	if (len > SYNTHKBD_MAX_MSG_SIZE)
		return reject(reason, "oversized", -EMSGSIZE);

	struct wire r = wire_reader(buf, len);
	uint32_t type = wire_get_u32(&r);
	const struct kbd_type *t = find_type(type);
	if (!t)
		return reject(reason, "unknown_type", -EOPNOTSUPP);
	if (len < t->size)
		return reject(reason, t->short_reason, -EMSGSIZE);

	struct synthkbd_msg msg = { .type = (enum synthkbd_msg_type)type };
	const char *why = NULL;
	int ret = t->decode(&r, &msg, &why);
	if (ret < 0)
		return reject(reason, why, ret);
	if (wire_error(&r) < 0) /* unreachable after the size check; kept as a guard */
		return reject(reason, t->short_reason, -EMSGSIZE);
	*out = msg;
	return 0;
}

int synthkbd_encode(void *buf, size_t cap, const struct synthkbd_msg *msg)
{
	const struct kbd_type *t = find_type((uint32_t)msg->type);
	if (!t)
		return -EOPNOTSUPP;
	if (cap < t->size)
		return -EMSGSIZE;
	struct wire w = wire_writer(buf, t->size);
	wire_put_u32(&w, t->type);
	int ret = t->encode(&w, msg);
	if (ret < 0)
		return ret;
	if (wire_error(&w) < 0 || wire_remaining(&w) != 0)
		return -EINVAL; /* a table size that disagrees with its encoder: our bug */
	return (int)t->size;
}

const char *synthkbd_msg_type_to_str(uint32_t type)
{
	const struct kbd_type *t = find_type(type);
	return t ? t->name : "UNKNOWN";
}

size_t synthkbd_msg_size(uint32_t type)
{
	const struct kbd_type *t = find_type(type);
	return t ? t->size : 0;
}
