/*
 * Hyper-V synthetic mouse (SynthHID) messages (synthinput.md §2), both directions.
 *
 * The mouse channel is in pipe mode (vmbus-ring.md §5): every in-band payload starts with the
 * 8-byte pipe header {type, size} and then the 8-byte SynthHID header {type, size}. Lengths come
 * from pipe.size and hid.size, never from the ring's padding to 8 bytes.
 *
 * Error convention: as in synthkbd.h. 0 or a byte count on success; -EMSGSIZE too short (or an
 * output buffer too small, or a payload over SYNTHMOUSE_MAX_PIPE_SIZE), -EOPNOTSUPP unknown
 * SynthHID type, -EPROTO a bad field, -EINVAL (encoders) a message we should not have built.
 * `reason` (NULL-able) receives a static snake_case string naming each decoder rejection.
 *
 * Pure: C library only, no I/O, no allocation. Decoded messages borrow pointers into the input
 * buffer (report descriptor, input report): they are valid only as long as that buffer is.
 */
#ifndef HVD_PROTO_SYNTHMOUSE_H
#define HVD_PROTO_SYNTHMOUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYNTHMOUSE_VERSION 0x00020000u // 2.0, SYNTHHID_INPUT_VERSION

#define SYNTHMOUSE_PIPE_MESSAGE_DATA 1u // the only pipe.type either side accepts
#define SYNTHMOUSE_PIPE_HDR_SIZE 8u
#define SYNTHMOUSE_HID_HDR_SIZE 8u
#define SYNTHMOUSE_HDR_SIZE 16u // pipe + SynthHID header; bodies start here
/* vmbus-emu.md §5: pipe payloads up to 64 KiB (OpenVMM stops at 16384). */
#define SYNTHMOUSE_MAX_PIPE_SIZE 65536u

/* Body sizes (hid.size) of the fixed messages, §2.3. */
#define SYNTHMOUSE_PROTOCOL_REQUEST_BODY 4u
#define SYNTHMOUSE_PROTOCOL_RESPONSE_BODY 5u // version u32 + approved u8 (OpenVMM)
#define SYNTHMOUSE_DEVICE_INFO_ACK_BODY 1u

/* INITIAL_DEVICE_INFO body, §2.3/§2.4. */
#define SYNTHMOUSE_DEV_INFO_SIZE 32u
#define SYNTHMOUSE_HID_DESC_SIZE 9u
#define SYNTHMOUSE_HID_DESC_TYPE 0x21u
#define SYNTHMOUSE_REPORT_DESC_TYPE 0x22u
/* OpenVMM sends the report descriptor in a zero-padded 128-byte field (§2.4). */
#define SYNTHMOUSE_OPENVMM_REPORT_DESC_FIELD 128u

enum synthmouse_msg_type {
	SYNTHMOUSE_PROTOCOL_REQUEST = 0,        // guest -> host
	SYNTHMOUSE_PROTOCOL_RESPONSE = 1,       // host -> guest
	SYNTHMOUSE_INITIAL_DEVICE_INFO = 2,     // host -> guest
	SYNTHMOUSE_INITIAL_DEVICE_INFO_ACK = 3, // guest -> host
	SYNTHMOUSE_INPUT_REPORT = 4,            // host -> guest
};

struct synthmouse_protocol_request {
	uint32_t version;
};

struct synthmouse_protocol_response {
	uint32_t version_requested; // echo of the request
	uint8_t approved;           // 1 yes; Linux takes any non-zero as yes
};

/* hv_input_dev_info: 32 bytes, the last 22 reserved (written as zeros, not judged). */
struct synthmouse_dev_info {
	uint32_t size; // 32 from OpenVMM; Linux only warns on others, so we keep it unjudged
	uint16_t vendor;
	uint16_t product;
	uint16_t version;
};

/* The USB-style HID descriptor (§2.3 table). */
struct synthmouse_hid_desc {
	uint8_t length;          // bLength: >= 9 when decoding (extra bytes skipped), 9 to encode
	uint8_t descriptor_type; // SYNTHMOUSE_HID_DESC_TYPE
	uint16_t bcd_hid;        // 0x0101 from OpenVMM
	uint8_t country_code;
	uint8_t num_descriptors;
	uint8_t report_desc_type; // SYNTHMOUSE_REPORT_DESC_TYPE
	uint16_t report_desc_len; // wDescriptorLength, > 0
};

struct synthmouse_device_info {
	struct synthmouse_dev_info info;
	struct synthmouse_hid_desc hid_desc;
	const uint8_t *report_desc; // hid_desc.report_desc_len bytes, borrowed
	/*
	 * Bytes the report descriptor occupies on the wire: report_desc_len, or more when the
	 * sender pads it (OpenVMM: SYNTHMOUSE_OPENVMM_REPORT_DESC_FIELD). The padding counts in
	 * pipe.size but not in hid.size. Encoding with 0 means report_desc_len.
	 */
	uint32_t report_desc_field;
};

struct synthmouse_device_info_ack {
	uint8_t reserved; // Linux sends 0; present, not judged
};

struct synthmouse_input_report {
	const uint8_t *data; // borrowed; hid.size bytes
	size_t len;          // >= 1
};

struct synthmouse_msg {
	enum synthmouse_msg_type type;
	union {
		struct synthmouse_protocol_request protocol_request;
		struct synthmouse_protocol_response protocol_response;
		struct synthmouse_device_info device_info;
		struct synthmouse_device_info_ack device_info_ack;
		struct synthmouse_input_report input_report;
	} u;
};

/*
 * Decodes one in-band payload (pipe header included, padding allowed after pipe.size).
 * -EMSGSIZE: shorter than the headers, pipe.size beyond the payload or below the SynthHID
 * header, hid.size beyond pipe.size, a body shorter than its type needs (device info: shorter
 * than dev info + bLength + wDescriptorLength). -EPROTO: pipe.type not DATA, bLength < 9, a
 * descriptor type other than 0x21 / 0x22, wDescriptorLength 0. -EOPNOTSUPP: unknown hid.type.
 * *out is written only on success and borrows from buf.
 */
int synthmouse_decode(const void *buf, size_t len, struct synthmouse_msg *out, const char **reason);

/*
 * Encodes *msg with both headers into buf; returns the payload length (8 + pipe.size).
 * hid.size is the logical body size (for device info: 32 + 9 + report_desc_len, as OpenVMM),
 * pipe.size includes any report-descriptor field padding. -EMSGSIZE cap too small,
 * -EOPNOTSUPP unknown type, -EINVAL a message the decoder would refuse (bLength not 9, a
 * descriptor type other than 0x21 / 0x22, an empty report descriptor or report, a field
 * shorter than the descriptor, a NULL data pointer).
 */
int synthmouse_encode(void *buf, size_t cap, const struct synthmouse_msg *msg);

/* Upper-case spec name ("PROTOCOL_REQUEST", "INPUT_REPORT", ...), or "UNKNOWN". Never NULL. */
const char *synthmouse_msg_type_to_str(uint32_t type);

/* OpenVMM's report descriptor (§2.5), which hvhost sends: 5 buttons, X/Y 0..32767, wheel. */
#define SYNTHMOUSE_OPENVMM_REPORT_DESC_LEN 67u
extern const uint8_t synthmouse_openvmm_report_desc[SYNTHMOUSE_OPENVMM_REPORT_DESC_LEN];

/* The 7-byte input report of that descriptor (§2.5 table). */
#define SYNTHMOUSE_ABS_REPORT_SIZE 7u
#define SYNTHMOUSE_ABS_MAX 32767u
#define SYNTHMOUSE_BUTTON_LEFT 0x01u
#define SYNTHMOUSE_BUTTON_RIGHT 0x02u
#define SYNTHMOUSE_BUTTON_MIDDLE 0x04u
#define SYNTHMOUSE_BUTTON_4 0x08u
#define SYNTHMOUSE_BUTTON_5 0x10u

/* Writes buttons (low 5 bits kept), x, y and the wheel delta into out. */
void synthmouse_abs_report_encode(uint8_t out[SYNTHMOUSE_ABS_REPORT_SIZE], uint8_t buttons,
	uint16_t x, uint16_t y, int16_t wheel);

/*
 * Scales a pixel position to the report's 0..32767 range as vmbus-emu.md §5 says:
 * round(pos * 32767 / (extent - 1)). pos past the last pixel is clamped to it; an extent of 0
 * or 1 gives 0.
 */
uint16_t synthmouse_scale_abs(uint32_t pos, uint32_t extent);

#endif
