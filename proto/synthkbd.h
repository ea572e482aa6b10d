/*
 * Hyper-V synthetic keyboard messages (synthinput.md §1), both directions.
 *
 * The keyboard channel is raw: no pipe header. Each message is the whole in-band payload, which
 * the ring pads with zeros to a multiple of 8, so decoders accept trailing bytes and read only
 * the fields of the message's own size.
 *
 * Error convention (all codecs): 0 or a byte count on success, else a negative errno:
 *   -EMSGSIZE  too short for its type (or, when encoding, the output buffer is too small),
 *   -EOPNOTSUPP unknown message type,
 *   -EPROTO    a field holds a value the protocol does not allow,
 *   -EINVAL    (encoders only) the caller's message is not encodable: our bug, not the peer's.
 * Decoders that take `const char **reason` store a static snake_case string naming the
 * rejection (for logs and per-reason counters) when they fail; reason may be NULL.
 *
 * Pure: C library only, no I/O, no allocation.
 */
#ifndef HVD_PROTO_SYNTHKBD_H
#define HVD_PROTO_SYNTHKBD_H

#include <stddef.h>
#include <stdint.h>

#define SYNTHKBD_VERSION 0x00010000u // 1.0, (major << 16) | minor; OpenVMM VERSION_WIN8
#define SYNTHKBD_MAX_MSG_SIZE 256u   // HK_MAXIMUM_MESSAGE_SIZE (OpenVMM reads 64 at most)

/* §1.2: the 4-byte header is the type; a payload must be longer than it. */
#define SYNTHKBD_HDR_SIZE 4u
#define SYNTHKBD_PROTOCOL_REQUEST_SIZE 8u
#define SYNTHKBD_PROTOCOL_RESPONSE_SIZE 8u
#define SYNTHKBD_EVENT_SIZE 12u
#define SYNTHKBD_SET_LED_INDICATORS_SIZE 8u

enum synthkbd_msg_type {
	SYNTHKBD_PROTOCOL_REQUEST = 1,   // guest -> host
	SYNTHKBD_PROTOCOL_RESPONSE = 2,  // host -> guest
	SYNTHKBD_EVENT = 3,              // host -> guest, one key transition
	SYNTHKBD_SET_LED_INDICATORS = 4, // guest -> host
};

/* PROTOCOL_RESPONSE status bit 0. */
#define SYNTHKBD_PROTOCOL_ACCEPTED 0x1u

/* EVENT info bits (§1.2). */
#define SYNTHKBD_INFO_IS_UNICODE 0x1u
#define SYNTHKBD_INFO_IS_BREAK 0x2u
#define SYNTHKBD_INFO_IS_E0 0x4u
#define SYNTHKBD_INFO_IS_E1 0x8u

/*
 * SET_LED_INDICATORS flags. Neither Linux nor OpenVMM defines them (§1.2, §5): these are the
 * Windows ntddkbd KEYBOARD_*_LOCK_ON values the spec guesses. OpenVMM ignores the contents.
 */
#define SYNTHKBD_LED_SCROLL_LOCK 0x1u
#define SYNTHKBD_LED_NUM_LOCK 0x2u
#define SYNTHKBD_LED_CAPS_LOCK 0x4u
#define SYNTHKBD_LED_KANA_LOCK 0x8u
#define SYNTHKBD_LED_ALL 0xfu

struct synthkbd_protocol_request {
	uint32_t version; // SYNTHKBD_VERSION; a host decides whether it accepts others
};

struct synthkbd_protocol_response {
	uint32_t status; // SYNTHKBD_PROTOCOL_ACCEPTED or 0; other bits kept, not judged
};

struct synthkbd_event {
	uint16_t make_code; // set-1 make code (< 0x80), or a UTF-16 unit with IS_UNICODE
	uint16_t reserved;  // kept as received, never judged
	uint32_t info;      // SYNTHKBD_INFO_*; unknown bits kept, not judged
};

struct synthkbd_set_led_indicators {
	uint16_t led_flags; // SYNTHKBD_LED_*
	uint16_t padding;   // kept as received
};

struct synthkbd_msg {
	enum synthkbd_msg_type type;
	union {
		struct synthkbd_protocol_request protocol_request;
		struct synthkbd_protocol_response protocol_response;
		struct synthkbd_event event;
		struct synthkbd_set_led_indicators set_led_indicators;
	} u;
};

/*
 * Decodes one in-band payload (8-padded, no pipe header) into *out. Trailing bytes past the
 * type's size are padding and ignored; a payload over SYNTHKBD_MAX_MSG_SIZE is refused.
 * Rejections: -EMSGSIZE (4 bytes or fewer, shorter than the type's size, over the maximum),
 * -EOPNOTSUPP (unknown type), -EPROTO (EVENT with both IS_E0 and IS_E1, or a make code with the
 * high bit set and no IS_UNICODE; LED flags outside SYNTHKBD_LED_ALL). *out is written only on
 * success. buf may be NULL when len is 0.
 */
int synthkbd_decode(const void *buf, size_t len, struct synthkbd_msg *out, const char **reason);

/*
 * Encodes *msg into buf and returns the message size (8 or 12; the ring adds the padding).
 * -EMSGSIZE when cap is too small, -EOPNOTSUPP unknown type, -EINVAL a field the decoder would
 * refuse. Reserved and padding fields are written as given.
 */
int synthkbd_encode(void *buf, size_t cap, const struct synthkbd_msg *msg);

/* Upper-case spec name ("PROTOCOL_REQUEST", "EVENT", ...), or "UNKNOWN". Never NULL. */
const char *synthkbd_msg_type_to_str(uint32_t type);

/* The wire size of a known type (SYNTHKBD_*_SIZE), or 0 for an unknown one. */
size_t synthkbd_msg_size(uint32_t type);

#endif
