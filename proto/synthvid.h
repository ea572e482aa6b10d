/*
 * synthvid codec: every Hyper-V synthetic video message, both directions, as plain host structs.
 * Spec: /work/shared/spec/synthvid.md; the wire layout is in synthvid_wire.h.
 *
 * Pure: C library and common/wire.h only, no I/O, no allocation, no global state. The guest
 * driver and hvhost share it and nothing else.
 *
 * Buffers are VMBus in-band payloads: the 8-byte pipe header, the 8-byte synthvid header, then the
 * message. Encoders write exactly 8 + pipe.size bytes (the VMBus layer pads to 8). Decoders take
 * what arrived, padding included, and read every length from pipe.size, never from the padded
 * length (§0(c): a short message can pass a check on the padded length).
 *
 * Error convention: negative errno. -EMSGSIZE a buffer or message is too short (or too long for
 * the caller's buffer), -EPROTO a field is invalid, -EOPNOTSUPP an unknown type or one this
 * direction never carries, -EINVAL a caller passed something unencodable. Decoders also name
 * every rejection with a static snake_case reason string, stable across releases, meant as a
 * stats key ("rejects by reason").
 */
#ifndef HVD_PROTO_SYNTHVID_H
#define HVD_PROTO_SYNTHVID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synthvid_wire.h"

/* vid.size with or without the 8-byte synthvid header (§2); receivers accept both. */
enum synthvid_vid_size {
	SYNTHVID_VID_SIZE_WITH_HEADER = 0,  // 8 + payload: Linux and MacHyperVSupport, our guest
	SYNTHVID_VID_SIZE_PAYLOAD_ONLY = 1, // payload only: OpenVMM's host, hvhost by default
};

/* Who sent the bytes being decoded: types that only travel the other way are rejected. */
enum synthvid_dir {
	SYNTHVID_FROM_ANY = 0, // tests and tracing
	SYNTHVID_FROM_HOST,    // the guest decodes with this
	SYNTHVID_FROM_GUEST,   // hvhost decodes with this
};

/* SITUATION_UPDATE outputs this codec holds; everyone known sends one (hvhost rejects others). */
#define SYNTHVID_MAX_VIDEO_OUTPUTS 16

/* Flag bytes (is_accepted, active, is_visible, ...) stay raw u8 so messages re-encode byte for
 * byte: nonzero means yes. OpenVMM's is_accepted is 2 (ACCEPTED_WITH_VERSION_EXCHANGE). */

struct synthvid_version {
	uint32_t version; // SYNTHVID_VERSION(major, minor)
};

struct synthvid_version_response {
	uint32_t version; // OpenVMM echoes the request: the only way to match it (§0(b))
	uint8_t is_accepted;
	uint8_t max_video_outputs;
};

struct synthvid_vram_location {
	uint64_t user_ctx; // echoed by the ack; Linux puts the GPA here too
	uint8_t is_vram_gpa_specified;
	uint64_t vram_gpa;
};

struct synthvid_user_ctx {
	uint64_t user_ctx; // VRAM_LOCATION_ACK, SITUATION_UPDATE_ACK: the request's, echoed
};

struct synthvid_video_output {
	uint8_t active;
	uint32_t vram_offset;
	uint8_t depth_bits;
	uint32_t width;
	uint32_t height;
	uint32_t pitch; // bytes; may exceed width * 4
};

struct synthvid_situation {
	uint64_t user_ctx;
	uint8_t video_output_count; // 1..SYNTHVID_MAX_VIDEO_OUTPUTS
	struct synthvid_video_output outputs[SYNTHVID_MAX_VIDEO_OUTPUTS];
};

struct synthvid_pointer_position {
	uint8_t is_visible;
	uint8_t video_output;
	int32_t image_x; // upper-left of the image
	int32_t image_y;
};

struct synthvid_pointer_shape {
	uint8_t part_idx; // SYNTHVID_CURSOR_COMPLETE for the final or only chunk
	uint8_t is_argb;  // 1: 4 bytes/px ARGB; 0: monochrome AND+XOR masks, (w+7)/8*h*2 bytes
	uint32_t width;   // 1..96
	uint32_t height;  // 1..96
	uint32_t hot_x;   // < width
	uint32_t hot_y;   // < height
	/* Decode: points into the decoded buffer (valid while it is). Encode: the caller's bytes,
	 * NULL only when data_len is 0. */
	const uint8_t *data;
	size_t data_len;
};

struct synthvid_feature_change {
	uint8_t is_dirt_needed;
	uint8_t is_ptr_pos_needed;
	uint8_t is_ptr_shape_needed;
	uint8_t is_situ_needed;
	bool has_edid; // OpenVMM's V2 layout: payload 132, no known sender
	uint8_t edid[SYNTHVID_EDID_SIZE];
};

/* Top-left inclusive, bottom-right exclusive; the codec does not clip or order them. */
struct synthvid_rect {
	int32_t x1;
	int32_t y1;
	int32_t x2;
	int32_t y2;
};

struct synthvid_dirt {
	uint8_t video_output;
	uint8_t dirt_count;
	struct synthvid_rect rects[SYNTHVID_DIRT_MAX_RECTS];
};

struct synthvid_bios_info {
	uint32_t stop_device_supported; // old meaning: VM generation; OpenVMM sends 1
};

struct synthvid_resolution_request {
	uint8_t maximum_resolution_count; // send 64: OpenVMM answers 0 entries to less (§9.1)
};

struct synthvid_resolution {
	uint16_t width;
	uint16_t height;
};

struct synthvid_resolution_response {
	uint8_t edid[SYNTHVID_EDID_SIZE];
	uint8_t resolution_count;         // decode: 1..64; encode: 0..64
	uint8_t default_resolution_index; // decode: < resolution_count
	uint8_t is_standard;
	struct synthvid_resolution resolutions[SYNTHVID_MAX_RESOLUTIONS]; // decode: none zero
};

struct synthvid_capability {
	uint32_t lock_on_disconnect; // OpenVMM sends 0
};

/* One message. Reserved bytes are written as zero and ignored on receive. */
struct synthvid_msg {
	enum synthvid_msg_type type;
	/* Set by decode: the sender's convention. Encoders take it as a parameter instead. */
	enum synthvid_vid_size vid_size;
	union {
		struct synthvid_version version_request;
		struct synthvid_version_response version_response;
		struct synthvid_vram_location vram_location;
		struct synthvid_user_ctx vram_location_ack;
		struct synthvid_situation situation_update;
		struct synthvid_user_ctx situation_update_ack;
		struct synthvid_pointer_position pointer_position;
		struct synthvid_pointer_shape pointer_shape;
		struct synthvid_feature_change feature_change;
		struct synthvid_dirt dirt;
		struct synthvid_bios_info bios_info_response;
		struct synthvid_resolution_request resolution_request;
		struct synthvid_resolution_response resolution_response;
		struct synthvid_capability capability_response;
	};
	/* BIOS_INFO_REQUEST and CAPABILITY_REQUEST have no body. */
};

/*
 * Writes msg->type's message into buf (cap bytes; buf may be NULL only when cap is 0): pipe
 * header, synthvid header with vid.size as vid_size says, payload. Returns the bytes written
 * (8 + pipe.size, not padded), -EMSGSIZE if cap is too small (buf untouched), -EINVAL for ERROR,
 * an unknown type, or a body that cannot be written (a count over its array, pointer data NULL
 * with data_len > 0). Counts and lengths are written as given, unchecked against the decode
 * rules, so hvhost and tests can build messages a peer must reject (resolution_count 0, as
 * OpenVMM sends; a cursor whose data does not match its size).
 */
int synthvid_encode(
	void *buf, size_t cap, const struct synthvid_msg *msg, enum synthvid_vid_size vid_size);

/* The bytes synthvid_encode() would write, or -EINVAL. */
int synthvid_encoded_size(const struct synthvid_msg *msg);

/* A DIRT straight from the caller's rects (count 0..255), without a struct synthvid_msg. */
int synthvid_encode_dirt(void *buf, size_t cap, enum synthvid_vid_size vid_size,
	uint8_t video_output, const struct synthvid_rect *rects, size_t count);

/*
 * Decodes one received in-band payload of len bytes, padding included (buf may be NULL only when
 * len is 0; out must not be NULL). On success returns 0 and fills *out; pointer_shape.data then
 * points into buf. On failure returns -EMSGSIZE, -EPROTO or -EOPNOTSUPP (see the top of this
 * file) and sets out->type to SYNTHVID_ERROR, the rest of *out unspecified. *why (when why is
 * not NULL) gets a static reason string on failure and NULL on success.
 *
 * Checks, in order: len >= 16, pipe.type 1, 8 <= pipe.size <= len - 8, vid.size = payload or
 * payload + 8, a known type that dir allows, the type's minimum size, then its fields:
 * video_output_count 1..16 with its outputs present; cursor size 1..96, is_argb 0 or 1, hotspot
 * inside, data length exact (a part: 1..whole); dirt_count rects present; resolution_count
 * 1..64, default index below it, 4 bytes per entry present, no zero width or height.
 * Bytes after a fixed-size body are ignored; so a FEATURE_CHANGE of 4..131 payload bytes is V1
 * and one of 132 or more V2. Coordinates, depths, pitches and VRAM ranges are the receiver's
 * policy and pass unchecked.
 */
int synthvid_decode(const void *buf, size_t len, enum synthvid_dir dir, struct synthvid_msg *out,
	const char **why);

/* Every reason synthvid_decode() can give, in a fixed order: i from 0 until NULL. Lets a caller
 * create its counters up front. */
const char *synthvid_reject_reason(size_t i);

/* The spec's UPPER_CASE name ("VERSION_REQUEST", "DIRT"), or "UNKNOWN"; never NULL. */
const char *synthvid_msg_type_to_str(uint32_t type);

/* Field-by-field equality of two messages of any type (pointer data compared by content,
 * vid_size ignored). For round-trip checks in tests and fuzzers. */
bool synthvid_msg_equal(const struct synthvid_msg *a, const struct synthvid_msg *b);

/* Bytes of cursor data a complete shape carries: w*h*4 (ARGB) or (w+7)/8*h*2 (monochrome);
 * SIZE_MAX when width or height is over 65535. */
size_t synthvid_cursor_data_size(uint32_t width, uint32_t height, bool is_argb);

/* §5 version encoding: u32 = (minor << 16) | major. */
static inline uint16_t synthvid_version_major(uint32_t version)
{
	return (uint16_t)(version & 0xffffu);
}

static inline uint16_t synthvid_version_minor(uint32_t version)
{
	return (uint16_t)(version >> 16);
}

/* <0, 0, >0 as a is older than, equal to, newer than b: major first, then minor (as Linux's
 * hyperv_version_ge), which a plain u32 compare gets wrong. */
int synthvid_version_cmp(uint32_t a, uint32_t b);

#endif
