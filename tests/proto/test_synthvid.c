/*
 * The synthvid codec against golden bytes: tests/data/synthvid/ holds one message per .hex file,
 * each naming its spec section. Encoders produce them exactly, decoders read them back, and every
 * truncation, bad header and bad field is rejected with its errno and reason.
 */
#include <ctype.h>
#include <errno.h>

#include "hexfile.h"
#include "macros.h"
#include "synthvid.h"
#include "synthvid_edid.h"
#include "test.h"

#define GOLDEN_DIR "tests/data/synthvid/"
#define BUF_MAX 40000 // a 97x97 ARGB cursor, one over the limit, still fits

/* The golden file GOLDEN_DIR/<name>.hex; a file that does not read ends the case. */
static size_t load_hex(const char *name, uint8_t *out, size_t cap)
{
	char path[256];
	snprintf(path, sizeof(path), GOLDEN_DIR "%s.hex", name);
	int n = hexfile_load(path, out, cap);
	REQUIRE(n >= 0);
	return (size_t)n;
}

/* ---- What each golden file holds, as host structs ---- */

static uint8_t edid_hyperv_1024[SYNTHVID_EDID_SIZE];
static uint8_t edid_hvhost_1080[SYNTHVID_EDID_SIZE];
static const uint8_t hide_cursor[4] = { 0x00, 0x01, 0x01, 0x01 };
static const uint8_t mono_9x2[8] = { 0xff, 0x80, 0xff, 0x80, 0x00, 0x00, 0x7f, 0x00 };
static const uint8_t argb_2x2[16] = { 0xff, 0x00, 0x00, 0xff, 0x80, 0x00, 0xff, 0x00, 0x00, 0xff,
	0x00, 0x40, 0xff, 0xff, 0xff, 0xff };

static void edids_init(void)
{
	REQUIRE(synthvid_edid_build(edid_hyperv_1024, "HyperVMonitor", 1024, 768) == 0);
	REQUIRE(synthvid_edid_build(edid_hvhost_1080, "hvhost", 1920, 1080) == 0);
}

static void fill_version_request(struct synthvid_msg *m, uint32_t version)
{
	m->type = SYNTHVID_VERSION_REQUEST;
	m->version_request.version = version;
}

static void g_version_request_3_5(struct synthvid_msg *m)
{
	fill_version_request(m, SYNTHVID_VERSION_3_5);
}

static void g_version_request_3_2(struct synthvid_msg *m)
{
	fill_version_request(m, SYNTHVID_VERSION_3_2);
}

static void g_vram_location_linux(struct synthvid_msg *m)
{
	m->type = SYNTHVID_VRAM_LOCATION;
	m->vram_location = (struct synthvid_vram_location){ 0xf8000000, 1, 0xf8000000 };
}

static void g_situation_update_1024x768(struct synthvid_msg *m)
{
	m->type = SYNTHVID_SITUATION_UPDATE;
	m->situation_update.user_ctx = 0;
	m->situation_update.video_output_count = 1;
	m->situation_update.outputs[0] =
		(struct synthvid_video_output){ 1, 0, 32, 1024, 768, 4096 };
}

static void g_situation_update_2_outputs(struct synthvid_msg *m)
{
	m->type = SYNTHVID_SITUATION_UPDATE;
	m->situation_update.user_ctx = 0x1122334455667788ull;
	m->situation_update.video_output_count = 2;
	m->situation_update.outputs[0] =
		(struct synthvid_video_output){ 1, 0, 32, 1920, 1080, 7680 };
	m->situation_update.outputs[1] =
		(struct synthvid_video_output){ 0, 0x800000, 16, 800, 600, 2048 };
}

static void g_pointer_position_hide(struct synthvid_msg *m)
{
	m->type = SYNTHVID_POINTER_POSITION;
	m->pointer_position = (struct synthvid_pointer_position){ 1, 0, 0, 0 };
}

static void g_pointer_position_negative(struct synthvid_msg *m)
{
	m->type = SYNTHVID_POINTER_POSITION;
	m->pointer_position = (struct synthvid_pointer_position){ 1, 0, -5, -12 };
}

static void g_pointer_shape_hide(struct synthvid_msg *m)
{
	m->type = SYNTHVID_POINTER_SHAPE;
	m->pointer_shape = (struct synthvid_pointer_shape){ SYNTHVID_CURSOR_COMPLETE, 1, 1, 1, 0, 0,
		hide_cursor, sizeof(hide_cursor) };
}

static void g_pointer_shape_mono_9x2(struct synthvid_msg *m)
{
	m->type = SYNTHVID_POINTER_SHAPE;
	m->pointer_shape = (struct synthvid_pointer_shape){ SYNTHVID_CURSOR_COMPLETE, 0, 9, 2, 4, 1,
		mono_9x2, sizeof(mono_9x2) };
}

static void g_pointer_shape_argb_2x2(struct synthvid_msg *m)
{
	m->type = SYNTHVID_POINTER_SHAPE;
	m->pointer_shape = (struct synthvid_pointer_shape){ SYNTHVID_CURSOR_COMPLETE, 1, 2, 2, 1, 1,
		argb_2x2, sizeof(argb_2x2) };
}

static void g_dirt_linux_1rect(struct synthvid_msg *m)
{
	m->type = SYNTHVID_DIRT;
	m->dirt.video_output = 0;
	m->dirt.dirt_count = 1;
	m->dirt.rects[0] = (struct synthvid_rect){ 0, 0, 1024, 768 };
}

static void g_dirt_255_rects(struct synthvid_msg *m)
{
	m->type = SYNTHVID_DIRT;
	m->dirt.video_output = 0;
	m->dirt.dirt_count = 255;
	for (int i = 0; i < 255; i++)
		m->dirt.rects[i] = (struct synthvid_rect){ i * 4 - 8, i, i * 4 + 16, i + 3 };
}

static void g_bios_info_request(struct synthvid_msg *m)
{
	m->type = SYNTHVID_BIOS_INFO_REQUEST;
}

static void g_resolution_request_64(struct synthvid_msg *m)
{
	m->type = SYNTHVID_RESOLUTION_REQUEST;
	m->resolution_request.maximum_resolution_count = 64;
}

static void g_capability_request(struct synthvid_msg *m)
{
	m->type = SYNTHVID_CAPABILITY_REQUEST;
}

static void g_version_response_accepted(struct synthvid_msg *m)
{
	m->type = SYNTHVID_VERSION_RESPONSE;
	m->version_response = (struct synthvid_version_response){ SYNTHVID_VERSION_3_5, 2, 1 };
}

static void g_version_response_rejected(struct synthvid_msg *m)
{
	m->type = SYNTHVID_VERSION_RESPONSE;
	m->version_response = (struct synthvid_version_response){ SYNTHVID_VERSION_3_5, 0, 1 };
}

static void g_vram_location_ack(struct synthvid_msg *m)
{
	m->type = SYNTHVID_VRAM_LOCATION_ACK;
	m->vram_location_ack.user_ctx = 0xf8000000;
}

static void g_situation_update_ack(struct synthvid_msg *m)
{
	m->type = SYNTHVID_SITUATION_UPDATE_ACK;
	m->situation_update_ack.user_ctx = 0;
}

static void g_feature_change_all(struct synthvid_msg *m)
{
	m->type = SYNTHVID_FEATURE_CHANGE;
	m->feature_change = (struct synthvid_feature_change){ 1, 1, 1, 1, false, { 0 } };
}

static void g_feature_change_linux_size(struct synthvid_msg *m)
{
	m->type = SYNTHVID_FEATURE_CHANGE;
	m->feature_change = (struct synthvid_feature_change){ 1, 0, 0, 0, false, { 0 } };
}

static void g_feature_change_v2(struct synthvid_msg *m)
{
	m->type = SYNTHVID_FEATURE_CHANGE;
	m->feature_change = (struct synthvid_feature_change){ 1, 0, 0, 1, true, { 0 } };
	memcpy(m->feature_change.edid, edid_hvhost_1080, SYNTHVID_EDID_SIZE);
}

static void g_resolution_response_openvmm(struct synthvid_msg *m)
{
	struct synthvid_resolution_response *r = &m->resolution_response;
	m->type = SYNTHVID_RESOLUTION_RESPONSE;
	memcpy(r->edid, edid_hyperv_1024, SYNTHVID_EDID_SIZE);
	r->resolution_count = 2;
	r->default_resolution_index = 0;
	r->is_standard = 0;
	r->resolutions[0] = (struct synthvid_resolution){ 1024, 768 };
	r->resolutions[1] = (struct synthvid_resolution){ 1280, 1024 };
}

static void g_resolution_response_64(struct synthvid_msg *m)
{
	struct synthvid_resolution_response *r = &m->resolution_response;
	m->type = SYNTHVID_RESOLUTION_RESPONSE;
	memcpy(r->edid, edid_hvhost_1080, SYNTHVID_EDID_SIZE);
	r->resolution_count = 64;
	r->default_resolution_index = 63;
	r->is_standard = 1;
	for (int i = 0; i < 64; i++)
		r->resolutions[i] = (struct synthvid_resolution){ (uint16_t)(640 + 32 * i),
			(uint16_t)(480 + 16 * i) };
}

static void g_bios_info_response(struct synthvid_msg *m)
{
	m->type = SYNTHVID_BIOS_INFO_RESPONSE;
	m->bios_info_response.stop_device_supported = 1;
}

static void g_capability_response(struct synthvid_msg *m)
{
	m->type = SYNTHVID_CAPABILITY_RESPONSE;
	m->capability_response.lock_on_disconnect = 0;
}

#define WITH_HDR SYNTHVID_VID_SIZE_WITH_HEADER
#define NO_HDR SYNTHVID_VID_SIZE_PAYLOAD_ONLY
#define GOLDEN(name, vs, dir)                                                                      \
	{                                                                                          \
#name, vs, dir, g_##name                                                           \
	}

static const struct golden {
	const char *file;
	enum synthvid_vid_size vid_size;
	enum synthvid_dir sender;
	void (*fill)(struct synthvid_msg *m);
} goldens[] = {
	GOLDEN(version_request_3_5, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(version_request_3_2, WITH_HDR, SYNTHVID_FROM_GUEST),
	{ "version_request_3_5_ovmm_size", NO_HDR, SYNTHVID_FROM_GUEST, g_version_request_3_5 },
	GOLDEN(vram_location_linux, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(situation_update_1024x768, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(situation_update_2_outputs, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(pointer_position_hide, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(pointer_position_negative, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(pointer_shape_hide, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(pointer_shape_mono_9x2, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(pointer_shape_argb_2x2, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(dirt_linux_1rect, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(dirt_255_rects, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(bios_info_request, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(resolution_request_64, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(capability_request, WITH_HDR, SYNTHVID_FROM_GUEST),
	GOLDEN(version_response_accepted, NO_HDR, SYNTHVID_FROM_HOST),
	GOLDEN(version_response_rejected, NO_HDR, SYNTHVID_FROM_HOST),
	GOLDEN(vram_location_ack, NO_HDR, SYNTHVID_FROM_HOST),
	GOLDEN(situation_update_ack, NO_HDR, SYNTHVID_FROM_HOST),
	GOLDEN(feature_change_all, NO_HDR, SYNTHVID_FROM_HOST),
	GOLDEN(feature_change_linux_size, WITH_HDR, SYNTHVID_FROM_HOST),
	GOLDEN(feature_change_v2, NO_HDR, SYNTHVID_FROM_HOST),
	GOLDEN(resolution_response_openvmm, NO_HDR, SYNTHVID_FROM_HOST),
	GOLDEN(resolution_response_64, WITH_HDR, SYNTHVID_FROM_HOST),
	GOLDEN(bios_info_response, NO_HDR, SYNTHVID_FROM_HOST),
	GOLDEN(capability_response, NO_HDR, SYNTHVID_FROM_HOST),
};

/* Large enough for a 96x96 cursor; static so the cases stay off a small stack. */
static uint8_t buf[BUF_MAX], out[BUF_MAX];
static struct synthvid_msg expect, got;

static size_t golden_load(const struct golden *g)
{
	edids_init();
	expect = (struct synthvid_msg){ 0 };
	g->fill(&expect);
	return load_hex(g->file, buf, sizeof(buf));
}

static bool reason_listed(const char *why)
{
	for (size_t i = 0; synthvid_reject_reason(i); i++) {
		if (why && strcmp(synthvid_reject_reason(i), why) == 0)
			return true;
	}
	return false;
}

/* Decodes b and checks the errno and reason of the rejection. */
#define CHECK_REJECT(b, len, dir, err, reason)                                                     \
	do {                                                                                       \
		const char *why_ = "unset";                                                        \
		int ret_ = synthvid_decode((b), (len), (dir), &got, &why_);                        \
		CHECK_MSG(ret_ == (err) && why_ && strcmp(why_, (reason)) == 0,                    \
			"decode gave %d (%s), expected %d (%s)", ret_, why_ ? why_ : "NULL",       \
			(err), (reason));                                                          \
		CHECK(reason_listed(why_));                                                        \
	} while (0)

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *b, size_t off)
{
	return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 | (uint32_t)b[off + 2] << 16 |
		(uint32_t)b[off + 3] << 24;
}

/* Rewrites pipe.size and vid.size for a payload of n bytes. */
static void reframe(uint8_t *b, size_t payload, enum synthvid_vid_size vs)
{
	put32(b, SYNTHVID_PIPE_SIZE_OFF, (uint32_t)(SYNTHVID_VID_HDR_SIZE + payload));
	put32(b, SYNTHVID_VID_SIZE_OFF,
		(uint32_t)(vs == SYNTHVID_VID_SIZE_WITH_HEADER ? payload + 8 : payload));
}

/* ---- Golden bytes both ways ---- */

static void test_golden_encode_exact(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		size_t n = golden_load(g);
		int ret = synthvid_encode(out, sizeof(out), &expect, g->vid_size);
		CHECK_MSG(
			ret == (int)n, "%s: encode gave %d, golden has %zu bytes", g->file, ret, n);
		CHECK_MSG(ret > 0 && memcmp(out, buf, n) == 0, "%s: bytes differ", g->file);
		CHECK_EQ_INT(synthvid_encoded_size(&expect), n);
	}
}

static void test_golden_decode(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		size_t n = golden_load(g);
		const char *why = "unset";
		int ret = synthvid_decode(buf, n, g->sender, &got, &why);
		CHECK_MSG(ret == 0 && why == NULL, "%s: decode gave %d (%s)", g->file, ret,
			why ? why : "NULL");
		CHECK_MSG(
			synthvid_msg_equal(&got, &expect), "%s: decoded message differs", g->file);
		CHECK_MSG(got.vid_size == g->vid_size, "%s: vid.size convention", g->file);
		CHECK_EQ_INT(synthvid_decode(buf, n, SYNTHVID_FROM_ANY, &got, NULL), 0);
		enum synthvid_dir other =
			g->sender == SYNTHVID_FROM_HOST ? SYNTHVID_FROM_GUEST : SYNTHVID_FROM_HOST;
		CHECK_REJECT(buf, n, other, -EOPNOTSUPP, "wrong_direction");
	}
}

/* Reserved bytes are the only ones a decoder may ignore (§4: BIOS_INFO and CAPABILITY). */
static bool payload_byte_reserved(enum synthvid_msg_type type, size_t off)
{
	if (type == SYNTHVID_BIOS_INFO_RESPONSE)
		return off >= SYNTHVID_BIOS_INFO_RESERVED_OFF;
	if (type == SYNTHVID_CAPABILITY_RESPONSE)
		return off >= SYNTHVID_CAPABILITY_RESERVED_OFF;
	return false;
}

static void test_every_payload_byte_matters(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		size_t n = golden_load(g);
		for (size_t off = SYNTHVID_PAYLOAD_OFF; off < n; off++) {
			buf[off] ^= 0x01;
			int ret = synthvid_decode(buf, n, g->sender, &got, NULL);
			bool same = ret == 0 && synthvid_msg_equal(&got, &expect);
			CHECK_MSG(same == payload_byte_reserved(expect.type, off),
				"%s: byte %zu flipped: %d, %s", g->file, off, ret,
				same ? "same message" : "differs");
			buf[off] ^= 0x01;
		}
	}
}

static void test_golden_linux_cursor_hide_pair(void)
{
	/* §6.5: the exact bytes Linux sends on every CRTC enable, checked field by field. */
	size_t n = load_hex("pointer_position_hide", buf, sizeof(buf));
	REQUIRE(n == 26);
	REQUIRE(synthvid_decode(buf, n, SYNTHVID_FROM_GUEST, &got, NULL) == 0);
	CHECK_EQ_INT(got.type, SYNTHVID_POINTER_POSITION);
	CHECK_EQ_INT(got.pointer_position.is_visible, 1);
	CHECK_EQ_INT(got.pointer_position.image_x, 0);
	CHECK_EQ_INT(got.pointer_position.image_y, 0);
	CHECK_EQ_INT(got.vid_size, SYNTHVID_VID_SIZE_WITH_HEADER);

	n = load_hex("pointer_shape_hide", buf, sizeof(buf));
	REQUIRE(n == 38);
	REQUIRE(synthvid_decode(buf, n, SYNTHVID_FROM_GUEST, &got, NULL) == 0);
	const struct synthvid_pointer_shape *s = &got.pointer_shape;
	CHECK_EQ_INT(s->part_idx, 0xff);
	CHECK_EQ_INT(s->is_argb, 1);
	CHECK_EQ_INT(s->width, 1);
	CHECK_EQ_INT(s->height, 1);
	REQUIRE(s->data_len == 4);
	CHECK_MEM(s->data, hide_cursor, 4);
	CHECK(s->data == buf + SYNTHVID_POINTER_SHAPE_DATA_OFF); /* points into the buffer */
}

static void test_encode_dirt_helper_matches_golden(void)
{
	const struct golden g1 = GOLDEN(dirt_linux_1rect, WITH_HDR, SYNTHVID_FROM_GUEST);
	size_t n = golden_load(&g1);
	int ret = synthvid_encode_dirt(out, sizeof(out), WITH_HDR, 0, expect.dirt.rects, 1);
	CHECK_EQ_INT(ret, n);
	CHECK_MEM(out, buf, n);

	const struct golden g255 = GOLDEN(dirt_255_rects, WITH_HDR, SYNTHVID_FROM_GUEST);
	n = golden_load(&g255);
	CHECK_EQ_INT(n, 4098);
	ret = synthvid_encode_dirt(out, sizeof(out), WITH_HDR, 0, expect.dirt.rects, 255);
	CHECK_EQ_INT(ret, n);
	CHECK_MEM(out, buf, n);
	CHECK_EQ_INT(
		synthvid_encode_dirt(out, n - 1, WITH_HDR, 0, expect.dirt.rects, 255), -EMSGSIZE);
	CHECK_EQ_INT(synthvid_encode_dirt(out, sizeof(out), WITH_HDR, 0, expect.dirt.rects, 256),
		-EINVAL);
	CHECK_EQ_INT(synthvid_encode_dirt(out, sizeof(out), WITH_HDR, 0, NULL, 1), -EINVAL);
	CHECK_EQ_INT(synthvid_encode_dirt(out, sizeof(out), NO_HDR, 0, NULL, 0), 18);
	CHECK_EQ_INT(get32(out, SYNTHVID_VID_SIZE_OFF), 2);
}

/* ---- Framing ---- */

static void test_every_truncation_emsgsize(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		size_t n = golden_load(g);
		/* Fewer bytes than pipe.size says. */
		for (size_t len = 0; len < n; len++) {
			int ret = synthvid_decode(buf, len, SYNTHVID_FROM_ANY, &got, NULL);
			CHECK_MSG(ret == -EMSGSIZE, "%s cut to %zu: %d", g->file, len, ret);
		}
		/* A shorter message with consistent headers: the body's own checks. */
		for (size_t payload = 0; payload < n - SYNTHVID_HDRS_SIZE; payload++) {
			/* A V2 FEATURE_CHANGE cut to 4..131 bytes is a valid V1 (§4). */
			if (expect.type == SYNTHVID_FEATURE_CHANGE &&
				payload >= SYNTHVID_FEATURE_CHANGE_PAYLOAD)
				continue;
			reframe(buf, payload, g->vid_size);
			int ret = synthvid_decode(buf, n, SYNTHVID_FROM_ANY, &got, NULL);
			CHECK_MSG(ret == -EMSGSIZE, "%s payload %zu: %d", g->file, payload, ret);
		}
	}
}

static void test_encode_buffer_too_small(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		size_t n = golden_load(&goldens[i]);
		CHECK_EQ_INT(synthvid_encode(out, n - 1, &expect, goldens[i].vid_size), -EMSGSIZE);
		CHECK_EQ_INT(synthvid_encode(NULL, 0, &expect, goldens[i].vid_size), -EMSGSIZE);
	}
}

static void test_padded_payload_decodes_the_same(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		size_t n = golden_load(g);
		/* VMBus pads to 8 with zeros; a host that leaves garbage there must not matter. */
		for (size_t pad = 1; pad <= 15; pad++) {
			memset(buf + n, pad < 8 ? 0 : 0xa5, pad);
			int ret = synthvid_decode(buf, n + pad, g->sender, &got, NULL);
			CHECK_MSG(ret == 0 && synthvid_msg_equal(&got, &expect), "%s + %zu pad: %d",
				g->file, pad, ret);
		}
	}
}

static void test_vid_size_with_and_without_header(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		size_t n = golden_load(g);
		uint32_t payload = (uint32_t)(n - SYNTHVID_HDRS_SIZE);
		put32(buf, SYNTHVID_VID_SIZE_OFF, payload);
		CHECK(synthvid_decode(buf, n, SYNTHVID_FROM_ANY, &got, NULL) == 0 &&
			got.vid_size == NO_HDR && synthvid_msg_equal(&got, &expect));
		put32(buf, SYNTHVID_VID_SIZE_OFF, payload + 8);
		CHECK(synthvid_decode(buf, n, SYNTHVID_FROM_ANY, &got, NULL) == 0 &&
			got.vid_size == WITH_HDR && synthvid_msg_equal(&got, &expect));
		const uint32_t bad[] = { payload + 1, payload + 7, payload + 9, payload + 16,
			payload - 1, 0xffffffffu, 0 };
		for (size_t k = 0; k < ARRAY_LEN(bad); k++) {
			if (bad[k] == payload || bad[k] == payload + 8)
				continue;
			put32(buf, SYNTHVID_VID_SIZE_OFF, bad[k]);
			CHECK_REJECT(buf, n, SYNTHVID_FROM_ANY, -EPROTO, "bad_vid_size");
		}
	}
}

static void test_pipe_header_rejects(void)
{
	const struct golden g = GOLDEN(version_request_3_5, WITH_HDR, SYNTHVID_FROM_GUEST);
	size_t n = golden_load(&g);
	CHECK_REJECT(buf, 0, SYNTHVID_FROM_ANY, -EMSGSIZE, "short_packet");
	CHECK_REJECT(buf, 15, SYNTHVID_FROM_ANY, -EMSGSIZE, "short_packet");
	CHECK_REJECT(NULL, 0, SYNTHVID_FROM_ANY, -EMSGSIZE, "short_packet");
	for (uint32_t type = 0; type < 6; type++) {
		if (type == SYNTHVID_PIPE_MSG_DATA)
			continue;
		put32(buf, SYNTHVID_PIPE_TYPE_OFF, type);
		CHECK_REJECT(buf, n, SYNTHVID_FROM_ANY, -EPROTO, "bad_pipe_type");
	}
	put32(buf, SYNTHVID_PIPE_TYPE_OFF, SYNTHVID_PIPE_MSG_DATA);
	put32(buf, SYNTHVID_PIPE_SIZE_OFF, (uint32_t)(n - 8 + 1));
	CHECK_REJECT(buf, n, SYNTHVID_FROM_ANY, -EMSGSIZE, "bad_pipe_size");
	put32(buf, SYNTHVID_PIPE_SIZE_OFF, 0xffffffffu);
	CHECK_REJECT(buf, n, SYNTHVID_FROM_ANY, -EMSGSIZE, "bad_pipe_size");
	for (uint32_t size = 0; size < 8; size++) {
		put32(buf, SYNTHVID_PIPE_SIZE_OFF, size);
		CHECK_REJECT(buf, n, SYNTHVID_FROM_ANY, -EMSGSIZE, "short_packet");
	}
}

static void test_unknown_type_eopnotsupp(void)
{
	const struct golden g = GOLDEN(bios_info_request, WITH_HDR, SYNTHVID_FROM_GUEST);
	size_t n = golden_load(&g);
	const uint32_t unknown[] = { 17, 255, 0x10000, 0xffffffffu };
	for (size_t i = 0; i < ARRAY_LEN(unknown); i++) {
		put32(buf, SYNTHVID_VID_TYPE_OFF, unknown[i]);
		CHECK_REJECT(buf, n, SYNTHVID_FROM_ANY, -EOPNOTSUPP, "unknown_type");
		CHECK_REJECT(buf, n, SYNTHVID_FROM_HOST, -EOPNOTSUPP, "unknown_type");
	}
	put32(buf, SYNTHVID_VID_TYPE_OFF, SYNTHVID_ERROR);
	CHECK_REJECT(buf, n, SYNTHVID_FROM_ANY, -EOPNOTSUPP, "unsupported_type");
}

/* ---- Fields ---- */

static void test_resolution_response_rejects(void)
{
	const struct golden g = GOLDEN(resolution_response_64, WITH_HDR, SYNTHVID_FROM_HOST);
	size_t n = golden_load(&g);
	buf[SYNTHVID_RESOLUTION_COUNT_OFF] = 0;
	CHECK_REJECT(buf, n, SYNTHVID_FROM_HOST, -EPROTO, "resolution_count");
	buf[SYNTHVID_RESOLUTION_DEFAULT_OFF] = 0;
	CHECK_REJECT(buf, n, SYNTHVID_FROM_HOST, -EPROTO, "resolution_count");
	/* 65 entries, all present: the count alone is wrong. */
	memcpy(buf + n, buf + n - 4, 4);
	reframe(buf, n + 4 - SYNTHVID_HDRS_SIZE, WITH_HDR);
	buf[SYNTHVID_RESOLUTION_COUNT_OFF] = 65;
	CHECK_REJECT(buf, n + 4, SYNTHVID_FROM_HOST, -EPROTO, "resolution_count");
	reframe(buf, n - SYNTHVID_HDRS_SIZE, WITH_HDR);

	for (unsigned count = 1; count <= 64; count++) {
		buf[SYNTHVID_RESOLUTION_COUNT_OFF] = (uint8_t)count;
		buf[SYNTHVID_RESOLUTION_DEFAULT_OFF] = (uint8_t)count;
		CHECK_REJECT(buf, n, SYNTHVID_FROM_HOST, -EPROTO, "resolution_index");
		buf[SYNTHVID_RESOLUTION_DEFAULT_OFF] = (uint8_t)(count - 1);
		CHECK_EQ_INT(synthvid_decode(buf, n, SYNTHVID_FROM_HOST, &got, NULL), 0);
		CHECK_EQ_INT(got.resolution_response.resolution_count, count);
	}

	/* The OpenVMM shape (2 entries, 155 bytes) claiming 3 entries: 159 needed. */
	const struct golden g2 = GOLDEN(resolution_response_openvmm, NO_HDR, SYNTHVID_FROM_HOST);
	n = golden_load(&g2);
	buf[SYNTHVID_RESOLUTION_COUNT_OFF] = 3;
	CHECK_REJECT(buf, n, SYNTHVID_FROM_HOST, -EMSGSIZE, "resolutions_truncated");
	memset(buf + n, 0, 8); /* padding must not count as entries (§0(c)) */
	CHECK_REJECT(buf, n + 8, SYNTHVID_FROM_HOST, -EMSGSIZE, "resolutions_truncated");
	buf[SYNTHVID_RESOLUTION_COUNT_OFF] = 2;
	buf[SYNTHVID_RESOLUTION_LIST_OFF + 4] = 0; /* entry 1: 0x1024 */
	buf[SYNTHVID_RESOLUTION_LIST_OFF + 5] = 0;
	CHECK_REJECT(buf, n, SYNTHVID_FROM_HOST, -EPROTO, "resolution_zero");
	n = golden_load(&g2);
	buf[SYNTHVID_RESOLUTION_LIST_OFF + 2] = 0;
	buf[SYNTHVID_RESOLUTION_LIST_OFF + 3] = 0;
	CHECK_REJECT(buf, n, SYNTHVID_FROM_HOST, -EPROTO, "resolution_zero");
}

static int decode_shape(struct synthvid_pointer_shape shape, const char **why)
{
	struct synthvid_msg m = { .type = SYNTHVID_POINTER_SHAPE, .pointer_shape = shape };
	int n = synthvid_encode(buf, sizeof(buf), &m, WITH_HDR);
	REQUIRE(n > 0);
	return synthvid_decode(buf, (size_t)n, SYNTHVID_FROM_GUEST, &got, why);
}

static void test_pointer_shape_rejects(void)
{
	static uint8_t data[SYNTHVID_CURSOR_MAX_DATA + 4 * 200];
	const uint8_t complete = SYNTHVID_CURSOR_COMPLETE;
	const char *why;
	/* The largest cursor: 96x96 ARGB, 36 864 bytes, whole. */
	CHECK_EQ_INT(decode_shape((struct synthvid_pointer_shape){ complete, 1, 96, 96, 95, 95,
					  data, 96 * 96 * 4 },
			     &why),
		0);
	CHECK_EQ_INT(got.pointer_shape.data_len, 36864);
	CHECK_EQ_INT(decode_shape((struct synthvid_pointer_shape){ complete, 1, 97, 97, 0, 0, data,
					  97 * 97 * 4 },
			     &why),
		-EPROTO);
	CHECK(why && strcmp(why, "cursor_size") == 0);
	CHECK_EQ_INT(decode_shape((struct synthvid_pointer_shape){ complete, 1, 97, 1, 0, 0, data,
					  97 * 4 },
			     &why),
		-EPROTO);
	CHECK_EQ_INT(
		decode_shape(
			(struct synthvid_pointer_shape){ complete, 1, 0, 1, 0, 0, data, 0 }, &why),
		-EPROTO);
	CHECK(why && strcmp(why, "cursor_size") == 0);
	/* Data length against width, height and is_argb. */
	const struct {
		uint8_t argb;
		uint32_t w, h;
		size_t len;
		int err;
	} lens[] = {
		{ 1, 1, 1, 3, -EMSGSIZE },
		{ 1, 1, 1, 5, -EPROTO },
		{ 1, 1, 1, 4, 0 },
		{ 0, 9, 2, 8, 0 },
		{ 0, 9, 2, 7, -EMSGSIZE },
		{ 0, 9, 2, 9, -EPROTO },
		{ 0, 8, 2, 4, 0 },
		{ 0, 1, 1, 2, 0 },
		{ 0, 1, 1, 4, -EPROTO }, /* ARGB length, mono */
		{ 1, 32, 32, 32 * 32 * 4, 0 },
		{ 1, 32, 32, 32 * 32 * 4 - 1, -EMSGSIZE },
	};
	for (size_t i = 0; i < ARRAY_LEN(lens); i++) {
		int ret = decode_shape((struct synthvid_pointer_shape){ complete, lens[i].argb,
					       lens[i].w, lens[i].h, 0, 0, data, lens[i].len },
			&why);
		CHECK_MSG(
			ret == lens[i].err && (ret == 0 || strcmp(why, "cursor_data_length") == 0),
			"shape %zu: %d (%s)", i, ret, ret ? why : "ok");
	}
	CHECK_EQ_INT(
		decode_shape(
			(struct synthvid_pointer_shape){ complete, 2, 1, 1, 0, 0, data, 4 }, &why),
		-EPROTO);
	CHECK(why && strcmp(why, "cursor_flags") == 0);
	CHECK_EQ_INT(
		decode_shape(
			(struct synthvid_pointer_shape){ complete, 1, 2, 2, 2, 0, data, 16 }, &why),
		-EPROTO);
	CHECK(why && strcmp(why, "cursor_hotspot") == 0);
	CHECK_EQ_INT(
		decode_shape(
			(struct synthvid_pointer_shape){ complete, 1, 2, 2, 0, 2, data, 16 }, &why),
		-EPROTO);
	/* A part (rules unknown, §4): any non-empty share of the whole. */
	CHECK_EQ_INT(decode_shape((struct synthvid_pointer_shape){ 0, 1, 96, 96, 0, 0, data, 8192 },
			     &why),
		0);
	CHECK_EQ_INT(
		decode_shape((struct synthvid_pointer_shape){ 1, 1, 2, 2, 0, 0, data, 17 }, &why),
		-EPROTO);
	CHECK_EQ_INT(
		decode_shape((struct synthvid_pointer_shape){ 1, 1, 2, 2, 0, 0, data, 0 }, &why),
		-EMSGSIZE);
}

static void test_dirt_count_rejects(void)
{
	const struct golden g = GOLDEN(dirt_linux_1rect, WITH_HDR, SYNTHVID_FROM_GUEST);
	size_t n = golden_load(&g);
	buf[SYNTHVID_DIRT_COUNT_OFF] = 2;
	CHECK_REJECT(buf, n, SYNTHVID_FROM_GUEST, -EMSGSIZE, "dirt_count");
	memset(buf + n, 0, 16); /* padding is not a rect */
	CHECK_REJECT(buf, n + 16, SYNTHVID_FROM_GUEST, -EMSGSIZE, "dirt_count");
	buf[SYNTHVID_DIRT_COUNT_OFF] = 255;
	CHECK_REJECT(buf, n, SYNTHVID_FROM_GUEST, -EMSGSIZE, "dirt_count");
	/* Zero rects is well-formed; whether it means anything is the host's call. */
	buf[SYNTHVID_DIRT_COUNT_OFF] = 0;
	CHECK_EQ_INT(synthvid_decode(buf, n, SYNTHVID_FROM_GUEST, &got, NULL), 0);
	CHECK_EQ_INT(got.dirt.dirt_count, 0);
}

static void test_situation_output_count_rejects(void)
{
	const struct golden g = GOLDEN(situation_update_2_outputs, WITH_HDR, SYNTHVID_FROM_GUEST);
	size_t n = golden_load(&g);
	buf[SYNTHVID_SITUATION_OUTPUT_COUNT_OFF] = 0;
	CHECK_REJECT(buf, n, SYNTHVID_FROM_GUEST, -EPROTO, "video_output_count");
	buf[SYNTHVID_SITUATION_OUTPUT_COUNT_OFF] = SYNTHVID_MAX_VIDEO_OUTPUTS + 1;
	CHECK_REJECT(buf, n, SYNTHVID_FROM_GUEST, -EPROTO, "video_output_count");
	buf[SYNTHVID_SITUATION_OUTPUT_COUNT_OFF] = 3;
	CHECK_REJECT(buf, n, SYNTHVID_FROM_GUEST, -EMSGSIZE, "video_outputs_truncated");
	buf[SYNTHVID_SITUATION_OUTPUT_COUNT_OFF] = 1; /* the second output's bytes are ignored */
	CHECK_EQ_INT(synthvid_decode(buf, n, SYNTHVID_FROM_GUEST, &got, NULL), 0);
	CHECK_EQ_INT(got.situation_update.outputs[0].width, 1920);
}

static void test_short_fixed_payload_rejects(void)
{
	/* VERSION_RESPONSE with only the version: Linux once read is_accepted from padding. */
	const struct golden g = GOLDEN(version_response_accepted, NO_HDR, SYNTHVID_FROM_HOST);
	size_t n = golden_load(&g);
	reframe(buf, 4, NO_HDR);
	CHECK_REJECT(buf, n, SYNTHVID_FROM_HOST, -EMSGSIZE, "short_payload");
	const struct golden a = GOLDEN(vram_location_ack, NO_HDR, SYNTHVID_FROM_HOST);
	n = golden_load(&a);
	reframe(buf, 4, NO_HDR);
	memset(buf + n, 0xff, 8);
	CHECK_REJECT(buf, n + 8, SYNTHVID_FROM_HOST, -EMSGSIZE, "short_payload");
}

static void test_encode_invalid_messages(void)
{
	struct synthvid_msg m = { .type = SYNTHVID_ERROR };
	CHECK_EQ_INT(synthvid_encode(out, sizeof(out), &m, WITH_HDR), -EINVAL);
	m.type = (enum synthvid_msg_type)17;
	CHECK_EQ_INT(synthvid_encode(out, sizeof(out), &m, WITH_HDR), -EINVAL);
	CHECK_EQ_INT(synthvid_encoded_size(&m), -EINVAL);
	m = (struct synthvid_msg){ .type = SYNTHVID_RESOLUTION_RESPONSE };
	m.resolution_response.resolution_count = 65;
	CHECK_EQ_INT(synthvid_encode(out, sizeof(out), &m, WITH_HDR), -EINVAL);
	/* Count 0 is encodable (OpenVMM answers it) and the decoder rejects it. */
	m.resolution_response.resolution_count = 0;
	CHECK_EQ_INT(synthvid_encode(out, sizeof(out), &m, NO_HDR), 147);
	CHECK_REJECT(out, 147, SYNTHVID_FROM_HOST, -EPROTO, "resolution_count");
	m = (struct synthvid_msg){ .type = SYNTHVID_SITUATION_UPDATE };
	m.situation_update.video_output_count = SYNTHVID_MAX_VIDEO_OUTPUTS + 1;
	CHECK_EQ_INT(synthvid_encode(out, sizeof(out), &m, WITH_HDR), -EINVAL);
	m = (struct synthvid_msg){ .type = SYNTHVID_POINTER_SHAPE };
	m.pointer_shape.data_len = 4;
	CHECK_EQ_INT(synthvid_encode(out, sizeof(out), &m, WITH_HDR), -EINVAL);
}

/* ---- Helpers ---- */

static void test_version_encoding_and_compare(void)
{
	CHECK_EQ_INT(SYNTHVID_VERSION_3_5, 0x00050003);
	CHECK_EQ_INT(SYNTHVID_VERSION_3_2, 0x00020003);
	CHECK_EQ_INT(SYNTHVID_VERSION_3_0, 0x00000003);
	CHECK_EQ_INT(synthvid_version_major(SYNTHVID_VERSION_3_5), 3);
	CHECK_EQ_INT(synthvid_version_minor(SYNTHVID_VERSION_3_5), 5);
	CHECK(synthvid_version_cmp(SYNTHVID_VERSION_3_5, SYNTHVID_VERSION_3_2) > 0);
	CHECK(synthvid_version_cmp(SYNTHVID_VERSION_3_2, SYNTHVID_VERSION_3_5) < 0);
	CHECK(synthvid_version_cmp(SYNTHVID_VERSION_3_2, SYNTHVID_VERSION_3_0) > 0);
	CHECK_EQ_INT(synthvid_version_cmp(SYNTHVID_VERSION_3_5, SYNTHVID_VERSION(3, 5)), 0);
	/* Major first: 4.0 is newer than 3.5 although 0x00000004 < 0x00050003. */
	CHECK(synthvid_version_cmp(SYNTHVID_VERSION(4, 0), SYNTHVID_VERSION_3_5) > 0);
	CHECK(synthvid_version_cmp(SYNTHVID_VERSION(2, 0xffff), SYNTHVID_VERSION_3_0) < 0);
}

static void test_type_names(void)
{
	static const char *const names[] = { "ERROR", "VERSION_REQUEST", "VERSION_RESPONSE",
		"VRAM_LOCATION", "VRAM_LOCATION_ACK", "SITUATION_UPDATE", "SITUATION_UPDATE_ACK",
		"POINTER_POSITION", "POINTER_SHAPE", "FEATURE_CHANGE", "DIRT", "BIOS_INFO_REQUEST",
		"BIOS_INFO_RESPONSE", "RESOLUTION_REQUEST", "RESOLUTION_RESPONSE",
		"CAPABILITY_REQUEST", "CAPABILITY_RESPONSE" };
	for (uint32_t t = 0; t < ARRAY_LEN(names); t++)
		CHECK_MSG(strcmp(synthvid_msg_type_to_str(t), names[t]) == 0, "type %u", t);
	CHECK(strcmp(synthvid_msg_type_to_str(17), "UNKNOWN") == 0);
	CHECK(strcmp(synthvid_msg_type_to_str(0xffffffffu), "UNKNOWN") == 0);
}

static void test_reject_reasons_are_stable_names(void)
{
	size_t n = 0;
	for (; synthvid_reject_reason(n); n++) {
		const char *r = synthvid_reject_reason(n);
		for (const char *p = r; *p; p++)
			CHECK_MSG(islower((unsigned char)*p) || *p == '_', "reason %s", r);
		for (size_t k = 0; k < n; k++)
			CHECK(strcmp(synthvid_reject_reason(k), r) != 0);
	}
	CHECK_EQ_INT(n, 19);
}

static const struct test_case cases[] = {
	TEST_CASE(test_golden_encode_exact),
	TEST_CASE(test_golden_decode),
	TEST_CASE(test_every_payload_byte_matters),
	TEST_CASE(test_golden_linux_cursor_hide_pair),
	TEST_CASE(test_encode_dirt_helper_matches_golden),
	TEST_CASE(test_every_truncation_emsgsize),
	TEST_CASE(test_encode_buffer_too_small),
	TEST_CASE(test_padded_payload_decodes_the_same),
	TEST_CASE(test_vid_size_with_and_without_header),
	TEST_CASE(test_pipe_header_rejects),
	TEST_CASE(test_unknown_type_eopnotsupp),
	TEST_CASE(test_resolution_response_rejects),
	TEST_CASE(test_pointer_shape_rejects),
	TEST_CASE(test_dirt_count_rejects),
	TEST_CASE(test_situation_output_count_rejects),
	TEST_CASE(test_short_fixed_payload_rejects),
	TEST_CASE(test_encode_invalid_messages),
	TEST_CASE(test_version_encoding_and_compare),
	TEST_CASE(test_type_names),
	TEST_CASE(test_reject_reasons_are_stable_names),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
