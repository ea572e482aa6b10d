/*
 * The client-to-server half of RFB 3.3/3.7/3.8 (RFC 6143) as hvhost's VNC server sees it: the
 * byte stream a viewer sends, cut into whole messages, each checked before anything acts on it.
 *
 * Why it exists: libvncserver reads every message with blocking reads that wait up to
 * rfbMaxClientWait for the rest of it, so a client that sends half a message would stall the
 * whole host. hvh_vnc_conn.c therefore reads the socket itself, hands libvncserver (through a
 * socketpair) only whole messages that passed this parser, and keeps the input events (keys,
 * pointer, QEMU extended keys) for itself. A client that sends anything this parser refuses is
 * dropped.
 *
 * Pure: bytes in, a message description out; no I/O, no allocation. RFB is big-endian.
 *
 * Errors: vnc_rfb_next() returns -EPROTO with a static reason in *why.
 */
#ifndef HVD_HVHOST_VNC_RFB_H
#define HVD_HVHOST_VNC_RFB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 6143 §7.5 client message types and the extensions hvhost knows. */
enum vnc_rfb_type {
	VNC_RFB_SET_PIXEL_FORMAT = 0,
	VNC_RFB_SET_ENCODINGS = 2,
	VNC_RFB_FB_UPDATE_REQUEST = 3,
	VNC_RFB_KEY_EVENT = 4,
	VNC_RFB_POINTER_EVENT = 5,
	VNC_RFB_CLIENT_CUT_TEXT = 6,
	VNC_RFB_XVP = 250,
	VNC_RFB_SET_DESKTOP_SIZE = 251,
	VNC_RFB_QEMU = 255,
};

/* Pseudo-encodings a client may list in SetEncodings that hvhost acts on. */
#define VNC_RFB_ENC_RICH_CURSOR (-239)
#define VNC_RFB_ENC_X_CURSOR (-240)
#define VNC_RFB_ENC_NEW_FB_SIZE (-223)
#define VNC_RFB_ENC_QEMU_EXT_KEY (-258)
#define VNC_RFB_ENC_EXT_DESKTOP_SIZE (-308)

#define VNC_RFB_VERSION_LEN 12
#define VNC_RFB_AUTH_RESPONSE_LEN 16
#define VNC_RFB_MAX_ENCODINGS 512    // noVNC lists about 30; more is not a viewer
#define VNC_RFB_MAX_SCREENS 16       // SetDesktopSize screens
#define VNC_RFB_MAX_CUT_TEXT 1048576 // ClientCutText is skipped, but not without end
/* The longest message that is buffered whole (SetEncodings at its limit); cut text is skipped
 * as it arrives instead. */
#define VNC_RFB_MAX_MSG (4 + 4 * VNC_RFB_MAX_ENCODINGS)

enum vnc_rfb_state {
	VNC_RFB_STATE_VERSION,  // "RFB 003.008\n"
	VNC_RFB_STATE_SECURITY, // 3.7+: the security type the client picked
	VNC_RFB_STATE_AUTH,     // VNC authentication: the 16-byte response
	VNC_RFB_STATE_INIT,     // ClientInit: the shared flag
	VNC_RFB_STATE_NORMAL,
};

const char *vnc_rfb_state_to_str(enum vnc_rfb_state state);

enum vnc_rfb_action {
	VNC_RFB_FORWARD, // give bytes [skip, len) to libvncserver
	VNC_RFB_KEY,     // KeyEvent: u.key
	VNC_RFB_POINTER, // PointerEvent: u.pointer
	VNC_RFB_EXT_KEY, // QEMU Extended Key Event: u.ext_key
	VNC_RFB_DROP, // a message hvhost ignores (cut text, Xvp); len may exceed what is buffered
};

struct vnc_rfb_msg {
	enum vnc_rfb_action action;
	size_t len;  // bytes of the stream this message takes
	size_t skip; // FORWARD: leading bytes not forwarded (the version's "RFB ", sent ahead)
	enum vnc_rfb_state state; // the state it was read in
	uint8_t type;             // NORMAL state: the message type
	union {
		struct {
			bool down;
			uint32_t keysym;
		} key;
		struct {
			uint8_t buttons; // bit 0 left, 1 middle, 2 right, 3/4 wheel up/down, ...
			uint16_t x, y;
		} pointer;
		struct {
			bool down;
			uint32_t keysym;  // may be 0
			uint32_t keycode; // XT scan code, 0x80 | code for E0 keys
		} ext_key;
		struct {
			bool rich_cursor, x_cursor, new_fb_size, ext_desktop_size, qemu_ext_key;
		} encodings; // FORWARD of SetEncodings
		struct {
			unsigned minor; // the client's RFB 3.x minor version
		} version;
	} u;
};

/* Caller-owned state; the layout is public only so it can live in caller memory. */
struct vnc_rfb {
	enum vnc_rfb_state state;
	bool vnc_auth;  // the server asks for a password
	unsigned minor; // the client's minor version, once read
};

/* vnc_auth: whether the server offers VNC authentication (else None). */
void vnc_rfb_init(struct vnc_rfb *p, bool vnc_auth);

/*
 * Looks at the next message in buf (len bytes received and not yet consumed). Returns 0 when
 * more bytes are needed, 1 with *msg describing it (then advances the state), or -EPROTO with a
 * reason in *why. A DROP message's msg->len may be larger than len: the caller discards its
 * bytes as they arrive. A FORWARD or event message always fits in VNC_RFB_MAX_MSG bytes.
 */
int vnc_rfb_next(struct vnc_rfb *p, const uint8_t *buf, size_t len, struct vnc_rfb_msg *msg,
	const char **why);

#endif
