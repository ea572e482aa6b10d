/*
 * RFB client-to-server stream (RFC 6143 §7.1-§7.5; QEMU Extended Key Event from the community
 * RFB specification, rfbproto "QEMU Client Message"): one function per handshake state, then a
 * table of normal messages {type, fixed length, parse}. Pure.
 */
#include "hvh_vnc_rfb.h"

#include <errno.h>
#include <string.h>

#include "macros.h"
#include "wire.h"

/* ---- big-endian reads through the bounds-checked cursor ---- */

static uint16_t get_be16(struct wire *w)
{
	const uint8_t *p = wire_need(w, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static uint32_t get_be32(struct wire *w)
{
	const uint8_t *p = wire_need(w, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

const char *vnc_rfb_state_to_str(enum vnc_rfb_state state)
{
	switch (state) {
	case VNC_RFB_STATE_VERSION:
		return "version";
	case VNC_RFB_STATE_SECURITY:
		return "security";
	case VNC_RFB_STATE_AUTH:
		return "auth";
	case VNC_RFB_STATE_INIT:
		return "init";
	case VNC_RFB_STATE_NORMAL:
		return "normal";
	}
	return "unknown";
}

void vnc_rfb_init(struct vnc_rfb *p, bool vnc_auth)
{
	*p = (struct vnc_rfb){ .state = VNC_RFB_STATE_VERSION, .vnc_auth = vnc_auth };
}

/* ---- handshake ---- */

static unsigned digits3(const uint8_t *p)
{
	return (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 + (unsigned)(p[2] - '0');
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* §7.1.1: "RFB xxx.yyy\n". Only 3.x: libvncserver speaks nothing else. The "RFB " has gone to
 * libvncserver ahead of the rest (see hvh_vnc_conn.c), so it is skipped when forwarding. */
static int on_version(struct vnc_rfb *p, const uint8_t *buf, size_t len, struct vnc_rfb_msg *msg,
	const char **why)
{
	if (len < VNC_RFB_VERSION_LEN)
		return 0;
	const uint8_t *v = buf;
	bool shape = memcmp(v, "RFB ", 4) == 0 && v[7] == '.' && v[11] == '\n';
	for (int i = 4; shape && i < 11; i++)
		shape = i == 7 || is_digit(v[i]);
	if (!shape) {
		*why = "not an RFB ProtocolVersion";
		return -EPROTO;
	}
	if (digits3(v + 4) != 3) {
		*why = "RFB major version is not 3";
		return -EPROTO;
	}
	p->minor = digits3(v + 8);
	/* 3.889 is Apple's, with a handshake of its own that libvncserver half-supports. */
	if (p->minor < 3 || p->minor > 8) {
		*why = "RFB minor version not 3 to 8";
		return -EPROTO;
	}
	msg->action = VNC_RFB_FORWARD;
	msg->len = VNC_RFB_VERSION_LEN;
	msg->skip = 4;
	msg->u.version.minor = p->minor;
	/* 3.3 to 3.6: the server picks the security type, the client sends none (§7.1.2). */
	if (p->minor >= 7)
		p->state = VNC_RFB_STATE_SECURITY;
	else
		p->state = p->vnc_auth ? VNC_RFB_STATE_AUTH : VNC_RFB_STATE_INIT;
	return 1;
}

/* §7.1.2: the client picks one type of those offered: VNC authentication (2) when there is a
 * password, None (1) otherwise. */
static int on_security(struct vnc_rfb *p, const uint8_t *buf, size_t len, struct vnc_rfb_msg *msg,
	const char **why)
{
	if (len < 1)
		return 0;
	uint8_t want = p->vnc_auth ? 2 : 1;
	if (buf[0] != want) {
		*why = p->vnc_auth ? "security type other than VNC authentication"
				   : "security type other than None";
		return -EPROTO;
	}
	msg->action = VNC_RFB_FORWARD;
	msg->len = 1;
	p->state = p->vnc_auth ? VNC_RFB_STATE_AUTH : VNC_RFB_STATE_INIT;
	return 1;
}

/* §7.2.2: the DES response to the challenge; libvncserver judges it. */
static int on_auth(struct vnc_rfb *p, const uint8_t *buf, size_t len, struct vnc_rfb_msg *msg,
	const char **why)
{
	if (len < VNC_RFB_AUTH_RESPONSE_LEN)
		return 0;
	msg->action = VNC_RFB_FORWARD;
	msg->len = VNC_RFB_AUTH_RESPONSE_LEN;
	p->state = VNC_RFB_STATE_INIT;
	return 1;
}

/* §7.3.1: ClientInit, the shared flag (any value: every client shares here). */
static int on_init(struct vnc_rfb *p, const uint8_t *buf, size_t len, struct vnc_rfb_msg *msg,
	const char **why)
{
	if (len < 1)
		return 0;
	msg->action = VNC_RFB_FORWARD;
	msg->len = 1;
	p->state = VNC_RFB_STATE_NORMAL;
	return 1;
}

/* ---- normal messages: each parser gets exactly the message's bytes ---- */

/* §7.5.1. Only formats libvncserver can translate to: 8 (true colour or a colour map), 16 or
 * 32 bits per pixel, each colour's bits inside the pixel. */
static int parse_pixel_format(struct wire *w, struct vnc_rfb_msg *msg, const char **why)
{
	wire_skip(w, 4, false);
	uint8_t bpp = wire_get_u8(w), depth = wire_get_u8(w);
	wire_skip(w, 1, false); // big-endian flag: any value
	uint8_t true_colour = wire_get_u8(w);
	uint16_t max[3] = { get_be16(w), get_be16(w), get_be16(w) };
	uint8_t shift[3] = { wire_get_u8(w), wire_get_u8(w), wire_get_u8(w) };
	if (bpp != 8 && bpp != 16 && bpp != 32) {
		*why = "SetPixelFormat bits per pixel not 8, 16 or 32";
		return -EPROTO;
	}
	if (depth == 0 || depth > bpp || true_colour > 1 || (!true_colour && bpp != 8)) {
		*why = "SetPixelFormat depth or colour map out of range";
		return -EPROTO;
	}
	for (int i = 0; true_colour && i < 3; i++) {
		if (max[i] == 0 || shift[i] >= bpp || (max[i] & (max[i] + 1)) != 0) {
			*why = "SetPixelFormat colour max or shift out of range";
			return -EPROTO;
		}
	}
	msg->action = VNC_RFB_FORWARD;
	return 0;
}

static void note_encoding(struct vnc_rfb_msg *msg, int32_t enc)
{
	switch (enc) {
	case VNC_RFB_ENC_RICH_CURSOR:
		msg->u.encodings.rich_cursor = true;
		break;
	case VNC_RFB_ENC_X_CURSOR:
		msg->u.encodings.x_cursor = true;
		break;
	case VNC_RFB_ENC_NEW_FB_SIZE:
		msg->u.encodings.new_fb_size = true;
		break;
	case VNC_RFB_ENC_EXT_DESKTOP_SIZE:
		msg->u.encodings.ext_desktop_size = true;
		break;
	case VNC_RFB_ENC_QEMU_EXT_KEY:
		msg->u.encodings.qemu_ext_key = true;
		break;
	default:
		break;
	}
}

/* §7.5.2 */
static int parse_encodings(struct wire *w, struct vnc_rfb_msg *msg, const char **why)
{
	wire_skip(w, 4, false);
	while (wire_remaining(w))
		note_encoding(msg, (int32_t)get_be32(w));
	msg->action = VNC_RFB_FORWARD;
	return 0;
}

/* §7.5.3: incremental must be 0 or 1; the rect is libvncserver's to clip. */
static int parse_update_request(struct wire *w, struct vnc_rfb_msg *msg, const char **why)
{
	wire_skip(w, 1, false);
	if (wire_get_u8(w) > 1) {
		*why = "FramebufferUpdateRequest incremental flag not 0 or 1";
		return -EPROTO;
	}
	msg->action = VNC_RFB_FORWARD;
	return 0;
}

/* §7.5.4 */
static int parse_key(struct wire *w, struct vnc_rfb_msg *msg, const char **why)
{
	wire_skip(w, 1, false);
	msg->u.key.down = wire_get_u8(w) != 0;
	wire_skip(w, 2, false);
	msg->u.key.keysym = get_be32(w);
	msg->action = VNC_RFB_KEY;
	return 0;
}

/* §7.5.5 */
static int parse_pointer(struct wire *w, struct vnc_rfb_msg *msg, const char **why)
{
	wire_skip(w, 1, false);
	msg->u.pointer.buttons = wire_get_u8(w);
	msg->u.pointer.x = get_be16(w);
	msg->u.pointer.y = get_be16(w);
	msg->action = VNC_RFB_POINTER;
	return 0;
}

/* QEMU Client Message, submessage 0 (Extended Key Event): down is a u16 0 or 1. */
static int parse_qemu(struct wire *w, struct vnc_rfb_msg *msg, const char **why)
{
	wire_skip(w, 2, false);
	uint16_t down = get_be16(w);
	msg->u.ext_key.keysym = get_be32(w);
	msg->u.ext_key.keycode = get_be32(w);
	if (down > 1) {
		*why = "QEMU Extended Key Event down flag not 0 or 1";
		return -EPROTO;
	}
	msg->u.ext_key.down = down;
	msg->action = VNC_RFB_EXT_KEY;
	return 0;
}

static int parse_forward(struct wire *w, struct vnc_rfb_msg *msg, const char **why)
{
	msg->action = VNC_RFB_FORWARD;
	return 0;
}

static int parse_drop(struct wire *w, struct vnc_rfb_msg *msg, const char **why)
{
	msg->action = VNC_RFB_DROP;
	return 0;
}

/*
 * The length of a message of a variable size, from the bytes so far: 0 when its length field
 * has not arrived, -EPROTO when it is out of bounds. fixed is the table's length.
 */
static int64_t var_length(
	uint8_t type, const uint8_t *buf, size_t len, size_t fixed, const char **why)
{
	struct wire w = wire_reader(buf, len);
	switch (type) {
	case VNC_RFB_SET_ENCODINGS: {
		wire_skip(&w, 2, false);
		uint16_t n = get_be16(&w);
		if (wire_error(&w))
			return 0;
		if (n > VNC_RFB_MAX_ENCODINGS) {
			*why = "SetEncodings lists more than 512 encodings";
			return -EPROTO;
		}
		return (int64_t)fixed + 4 * (int64_t)n;
	}
	case VNC_RFB_CLIENT_CUT_TEXT: {
		wire_skip(&w, 4, false);
		int32_t n = (int32_t)get_be32(&w);
		if (wire_error(&w))
			return 0;
		/* A negative length is the extended clipboard's: the same bytes, |n| of them. */
		int64_t size = n < 0 ? -(int64_t)n : n;
		if (size > VNC_RFB_MAX_CUT_TEXT) {
			*why = "ClientCutText over 1 MiB";
			return -EPROTO;
		}
		return (int64_t)fixed + size;
	}
	case VNC_RFB_SET_DESKTOP_SIZE: {
		wire_skip(&w, 6, false);
		uint8_t n = wire_get_u8(&w);
		if (wire_error(&w))
			return 0;
		if (n == 0 || n > VNC_RFB_MAX_SCREENS) {
			*why = "SetDesktopSize with no screens or more than 16";
			return -EPROTO;
		}
		return (int64_t)fixed + 16 * (int64_t)n;
	}
	default:
		return (int64_t)fixed;
	}
}

static const struct normal {
	uint8_t type;
	uint8_t fixed; // bytes before any variable part
	int (*parse)(struct wire *w, struct vnc_rfb_msg *msg, const char **why);
} normals[] = {
	{ VNC_RFB_SET_PIXEL_FORMAT, 20, parse_pixel_format },
	{ VNC_RFB_SET_ENCODINGS, 4, parse_encodings },
	{ VNC_RFB_FB_UPDATE_REQUEST, 10, parse_update_request },
	{ VNC_RFB_KEY_EVENT, 8, parse_key },
	{ VNC_RFB_POINTER_EVENT, 6, parse_pointer },
	{ VNC_RFB_CLIENT_CUT_TEXT, 8, parse_drop },
	{ VNC_RFB_XVP, 4, parse_drop },
	{ VNC_RFB_SET_DESKTOP_SIZE, 8, parse_forward },
	{ VNC_RFB_QEMU, 12, parse_qemu },
};

static int on_normal(struct vnc_rfb *p, const uint8_t *buf, size_t len, struct vnc_rfb_msg *msg,
	const char **why)
{
	if (len < 1)
		return 0;
	const struct normal *n = NULL;
	for (size_t i = 0; i < ARRAY_LEN(normals); i++) {
		if (normals[i].type == buf[0])
			n = &normals[i];
	}
	if (!n) {
		*why = "unknown or unannounced client message type";
		return -EPROTO;
	}
	/* Only submessage 0 of the QEMU message exists here: audio was never offered. */
	if (n->type == VNC_RFB_QEMU && len >= 2 && buf[1] != 0) {
		*why = "QEMU client submessage other than Extended Key Event";
		return -EPROTO;
	}
	int64_t size = var_length(n->type, buf, len, n->fixed, why);
	if (size <= 0)
		return (int)size;
	msg->type = n->type;
	msg->len = (size_t)size;
	if (n->parse == parse_drop)
		return parse_drop(NULL, msg, why) == 0 ? 1 : -EPROTO;
	if ((uint64_t)size > len)
		return 0;
	struct wire w = wire_reader(buf, (size_t)size);
	int ret = n->parse(&w, msg, why);
	if (ret == 0 && wire_error(&w)) {
		*why = "message shorter than its fields"; // a table or parser mistake of ours
		return -EPROTO;
	}
	return ret < 0 ? ret : 1;
}

int vnc_rfb_next(struct vnc_rfb *p, const uint8_t *buf, size_t len, struct vnc_rfb_msg *msg,
	const char **why)
{
	*msg = (struct vnc_rfb_msg){ .state = p->state };
	*why = NULL;
	switch (p->state) {
	case VNC_RFB_STATE_VERSION:
		return on_version(p, buf, len, msg, why);
	case VNC_RFB_STATE_SECURITY:
		return on_security(p, buf, len, msg, why);
	case VNC_RFB_STATE_AUTH:
		return on_auth(p, buf, len, msg, why);
	case VNC_RFB_STATE_INIT:
		return on_init(p, buf, len, msg, why);
	case VNC_RFB_STATE_NORMAL:
		return on_normal(p, buf, len, msg, why);
	}
	*why = "parser state corrupt";
	return -EPROTO;
}
