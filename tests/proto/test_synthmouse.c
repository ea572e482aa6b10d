/* SynthHID codec (synthinput.md §2): golden bytes both ways (OpenVMM's exact device info),
 * lengths from pipe.size and hid.size, every truncation, bad fields, unknown types, the
 * 7-byte report and the pixel scaling of vmbus-emu.md §5. */
#include <errno.h>

#include "hexfile.h"
#include "macros.h"
#include "synthmouse.h"
#include "test.h"

#define MAX_MSG 512

static int load(const char *name, uint8_t *buf)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/data/synthmouse/%s", name);
	int n = hexfile_load(path, buf, MAX_MSG);
	REQUIRE(n > 0);
	return n;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static const char *reason_of(const uint8_t *buf, size_t len, int expect_ret)
{
	struct synthmouse_msg msg;
	const char *reason = "(none)";
	int ret = synthmouse_decode(buf, len, &msg, &reason);
	CHECK_MSG(
		ret == expect_ret, "decode returned %d, expected %d (%s)", ret, expect_ret, reason);
	return reason;
}

static struct synthmouse_msg openvmm_device_info(void)
{
	return (struct synthmouse_msg){
		.type = SYNTHMOUSE_INITIAL_DEVICE_INFO,
		.u.device_info = {
			.info = { 32, 0x045e, 0x0621, 0x0001 },
			.hid_desc = { 9, 0x21, 0x0101, 0, 1, 0x22, 67 },
			.report_desc = synthmouse_openvmm_report_desc,
			.report_desc_field = SYNTHMOUSE_OPENVMM_REPORT_DESC_FIELD,
		},
	};
}

static void test_synthmouse_device_info_openvmm_golden(void)
{
	uint8_t expect[MAX_MSG], out[MAX_MSG];
	int n = load("device_info_openvmm.hex", expect);
	CHECK_EQ_INT(n, 8 + 177);

	struct synthmouse_msg msg;
	const char *reason = NULL;
	REQUIRE(synthmouse_decode(expect, (size_t)n, &msg, &reason) == 0);
	REQUIRE(msg.type == SYNTHMOUSE_INITIAL_DEVICE_INFO);
	const struct synthmouse_device_info *di = &msg.u.device_info;
	CHECK_EQ_INT(di->info.size, 32);
	CHECK_EQ_INT(di->info.vendor, 0x045e);
	CHECK_EQ_INT(di->info.product, 0x0621);
	CHECK_EQ_INT(di->info.version, 1);
	CHECK_EQ_INT(di->hid_desc.length, 9);
	CHECK_EQ_INT(di->hid_desc.bcd_hid, 0x0101);
	CHECK_EQ_INT(di->hid_desc.num_descriptors, 1);
	CHECK_EQ_INT(di->hid_desc.report_desc_len, 67);
	CHECK_EQ_INT(di->report_desc_field, 128);
	CHECK(di->report_desc == expect + 57); /* borrowed, at @48 + bLength */
	CHECK_MEM(di->report_desc, synthmouse_openvmm_report_desc, 67);

	struct synthmouse_msg want = openvmm_device_info();
	CHECK_EQ_INT(synthmouse_encode(out, sizeof(out), &want), n);
	CHECK_MEM(out, expect, (size_t)n);
}

/* Without the padded field the same device info is 16 + 32 + 9 + 67 bytes long. */
static void test_synthmouse_device_info_unpadded_roundtrip(void)
{
	struct synthmouse_msg in = openvmm_device_info();
	in.u.device_info.report_desc_field = 0;
	uint8_t buf[MAX_MSG];
	int n = synthmouse_encode(buf, sizeof(buf), &in);
	CHECK_EQ_INT(n, 16 + 32 + 9 + 67);
	struct synthmouse_msg out;
	REQUIRE(synthmouse_decode(buf, (size_t)n, &out, NULL) == 0);
	CHECK_EQ_INT(out.u.device_info.report_desc_field, 67);
	CHECK_EQ_INT(out.u.device_info.hid_desc.report_desc_len, 67);
	CHECK_MEM(out.u.device_info.report_desc, synthmouse_openvmm_report_desc, 67);

	/* A longer bLength moves the report descriptor (Linux reads it at desc + bLength). */
	uint8_t longer[MAX_MSG] = { 0 };
	memcpy(longer, buf, 57);
	memcpy(longer + 59, buf + 57, 67);
	longer[48] = 11;
	put_u32(longer + 4, 8 + 32 + 11 + 67);
	put_u32(longer + 12, 32 + 11 + 67);
	REQUIRE(synthmouse_decode(longer, 16 + 32 + 11 + 67, &out, NULL) == 0);
	CHECK_EQ_INT(out.u.device_info.hid_desc.length, 11);
	CHECK_MEM(out.u.device_info.report_desc, synthmouse_openvmm_report_desc, 67);
}

static void test_synthmouse_fixed_goldens(void)
{
	uint8_t expect[MAX_MSG], out[MAX_MSG];
	struct synthmouse_msg msg;

	int n = load("protocol_request.hex", expect);
	REQUIRE(synthmouse_decode(expect, (size_t)n, &msg, NULL) == 0);
	CHECK_EQ_INT(msg.type, SYNTHMOUSE_PROTOCOL_REQUEST);
	CHECK_EQ_INT(msg.u.protocol_request.version, SYNTHMOUSE_VERSION);
	CHECK_EQ_INT(synthmouse_encode(out, sizeof(out), &msg), n);
	CHECK_MEM(out, expect, (size_t)n);

	n = load("protocol_response.hex", expect);
	CHECK_EQ_INT(n, 21); /* hid.size 5 */
	REQUIRE(synthmouse_decode(expect, (size_t)n, &msg, NULL) == 0);
	CHECK_EQ_INT(msg.type, SYNTHMOUSE_PROTOCOL_RESPONSE);
	CHECK_EQ_INT(msg.u.protocol_response.version_requested, SYNTHMOUSE_VERSION);
	CHECK_EQ_INT(msg.u.protocol_response.approved, 1);
	CHECK_EQ_INT(synthmouse_encode(out, sizeof(out), &msg), n);
	CHECK_MEM(out, expect, (size_t)n);

	n = load("device_info_ack.hex", expect);
	REQUIRE(synthmouse_decode(expect, (size_t)n, &msg, NULL) == 0);
	CHECK_EQ_INT(msg.type, SYNTHMOUSE_INITIAL_DEVICE_INFO_ACK);
	CHECK_EQ_INT(msg.u.device_info_ack.reserved, 0);
	CHECK_EQ_INT(synthmouse_encode(out, sizeof(out), &msg), n);
	CHECK_MEM(out, expect, (size_t)n);

	n = load("input_report.hex", expect);
	REQUIRE(synthmouse_decode(expect, (size_t)n, &msg, NULL) == 0);
	CHECK_EQ_INT(msg.type, SYNTHMOUSE_INPUT_REPORT);
	CHECK_EQ_INT(msg.u.input_report.len, 7);
	CHECK(msg.u.input_report.data == expect + 16);
	CHECK_EQ_INT(synthmouse_encode(out, sizeof(out), &msg), n);
	CHECK_MEM(out, expect, (size_t)n);
}

/* The same report built by the host helper is the golden report. */
static void test_synthmouse_abs_report_encode(void)
{
	uint8_t expect[MAX_MSG], report[SYNTHMOUSE_ABS_REPORT_SIZE];
	int n = load("input_report.hex", expect);
	REQUIRE(n == 23);
	synthmouse_abs_report_encode(
		report, SYNTHMOUSE_BUTTON_LEFT | SYNTHMOUSE_BUTTON_MIDDLE, 0x4000, 0x1fff, -1);
	CHECK_MEM(report, expect + 16, sizeof(report));
	synthmouse_abs_report_encode(report, 0xff, 32767, 0, -32767);
	static const uint8_t max[] = { 0x1f, 0xff, 0x7f, 0x00, 0x00, 0x01, 0x80 };
	CHECK_MEM(report, max, sizeof(max));
}

static void test_synthmouse_scale_abs(void)
{
	CHECK_EQ_INT(synthmouse_scale_abs(0, 1024), 0);
	CHECK_EQ_INT(synthmouse_scale_abs(1023, 1024), 32767);
	CHECK_EQ_INT(synthmouse_scale_abs(512, 1024), 16400);  /* 16399.52 rounds up */
	CHECK_EQ_INT(synthmouse_scale_abs(1, 1024), 32);       /* 32.03 rounds down */
	CHECK_EQ_INT(synthmouse_scale_abs(1, 3), 16384);       /* 16383.5: half rounds up */
	CHECK_EQ_INT(synthmouse_scale_abs(5000, 1024), 32767); /* past the edge: clamped */
	CHECK_EQ_INT(synthmouse_scale_abs(0, 1), 0);
	CHECK_EQ_INT(synthmouse_scale_abs(7, 0), 0);
	CHECK_EQ_INT(synthmouse_scale_abs(UINT32_MAX, UINT32_MAX), 32767);
}

/* Ring padding after pipe.size, and MacHyperVSupport's 3 reserved bytes, are not errors. */
static void test_synthmouse_padding_ignored(void)
{
	uint8_t buf[MAX_MSG] = { 0 };
	int n = load("protocol_response.hex", buf);
	memset(buf + n, 0xee, 3);
	struct synthmouse_msg msg;
	CHECK_EQ_INT(synthmouse_decode(buf, 24, &msg, NULL), 0);
	CHECK_EQ_INT(msg.u.protocol_response.approved, 1);

	put_u32(buf + 4, 16); /* pipe.size 16 */
	put_u32(buf + 12, 8); /* hid.size 8: approved + 3 reserved */
	CHECK_EQ_INT(synthmouse_decode(buf, 24, &msg, NULL), 0);
	CHECK_EQ_INT(msg.u.protocol_response.approved, 1);

	/* An input report is hid.size long, whatever follows in the pipe message. */
	n = load("input_report.hex", buf);
	put_u32(buf + 4, 8 + 7 + 1);
	CHECK_EQ_INT(synthmouse_decode(buf, 24, &msg, NULL), 0);
	CHECK_EQ_INT(msg.u.input_report.len, 7);
}

static const char *const golden_files[] = {
	"protocol_request.hex",
	"protocol_response.hex",
	"device_info_openvmm.hex",
	"device_info_ack.hex",
	"input_report.hex",
};

/* Cutting the payload anywhere leaves pipe.size pointing past its end. */
static void test_synthmouse_every_truncation_emsgsize(void)
{
	for (size_t i = 0; i < ARRAY_LEN(golden_files); i++) {
		uint8_t buf[MAX_MSG];
		int n = load(golden_files[i], buf);
		for (int len = 0; len < n; len++) {
			const char *reason = reason_of(len ? buf : NULL, (size_t)len, -EMSGSIZE);
			const char *want = len < 8 ? "short_pipe_header" : "pipe_size_overrun";
			CHECK_MSG(strcmp(reason, want) == 0, "%s cut to %d: %s", golden_files[i],
				len, reason);
		}
	}
}

/* A consistent but short message (both sizes shrunk together) fails on its body size. */
static void test_synthmouse_short_bodies(void)
{
	static const struct {
		const char *file;
		uint32_t min_body;
		const char *reason;
	} cases[] = {
		{ "protocol_request.hex", 4, "short_protocol_request" },
		{ "protocol_response.hex", 5, "short_protocol_response" },
		{ "device_info_openvmm.hex", 41, "short_device_info" },
		{ "device_info_ack.hex", 1, "short_device_info_ack" },
		{ "input_report.hex", 1, "short_input_report" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		uint8_t buf[MAX_MSG];
		load(cases[i].file, buf);
		for (uint32_t body = 0; body < cases[i].min_body; body++) {
			put_u32(buf + 4, 8 + body);
			put_u32(buf + 12, body);
			const char *reason = reason_of(buf, 16 + body, -EMSGSIZE);
			CHECK_MSG(strcmp(reason, cases[i].reason) == 0, "%s body %u: %s",
				cases[i].file, body, reason);
		}
	}
	/* Device info whose hid.size stops inside the report descriptor. */
	uint8_t buf[MAX_MSG];
	int n = load("device_info_openvmm.hex", buf);
	for (uint32_t hid_size = 41; hid_size < 108; hid_size++) {
		put_u32(buf + 12, hid_size);
		const char *reason = reason_of(buf, (size_t)n, -EMSGSIZE);
		CHECK_MSG(strcmp(reason, "short_report_desc") == 0, "hid.size %u: %s", hid_size,
			reason);
	}
}

static void test_synthmouse_bad_headers(void)
{
	uint8_t buf[MAX_MSG];
	int n = load("input_report.hex", buf);

	put_u32(buf, 0); /* pipe.type 0 (invalid) and 2 (PARTIAL) */
	CHECK(strcmp(reason_of(buf, (size_t)n, -EPROTO), "pipe_type") == 0);
	put_u32(buf, 2);
	CHECK(strcmp(reason_of(buf, (size_t)n, -EPROTO), "pipe_type") == 0);
	put_u32(buf, 1);

	put_u32(buf + 4, 7); /* pipe message smaller than the SynthHID header */
	CHECK(strcmp(reason_of(buf, (size_t)n, -EMSGSIZE), "short_hid_header") == 0);
	put_u32(buf + 4, 0); /* OpenVMM's end-of-stream */
	CHECK(strcmp(reason_of(buf, (size_t)n, -EMSGSIZE), "short_hid_header") == 0);
	put_u32(buf + 4, SYNTHMOUSE_MAX_PIPE_SIZE + 1);
	CHECK(strcmp(reason_of(buf, (size_t)n, -EMSGSIZE), "oversized") == 0);
	put_u32(buf + 4, 15);

	put_u32(buf + 12, 8); /* hid.size one past the pipe message */
	CHECK(strcmp(reason_of(buf, (size_t)n, -EMSGSIZE), "hid_size_overrun") == 0);
	put_u32(buf + 12, 0xffffffffu);
	CHECK(strcmp(reason_of(buf, (size_t)n, -EMSGSIZE), "hid_size_overrun") == 0);
}

static void test_synthmouse_bad_device_info_fields(void)
{
	static const struct {
		size_t offset;
		uint8_t value;
		const char *reason;
	} cases[] = {
		{ 48, 8, "hid_desc_length" },     /* bLength below 9 */
		{ 48, 0, "hid_desc_length" },     /* Linux: bLength 0 is -EINVAL */
		{ 49, 0x22, "hid_desc_type" },    /* bDescriptorType */
		{ 54, 0x21, "report_desc_type" }, /* class descriptor type */
		{ 55, 0, "report_desc_empty" },   /* wDescriptorLength 0 */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		uint8_t buf[MAX_MSG];
		int n = load("device_info_openvmm.hex", buf);
		buf[cases[i].offset] = cases[i].value;
		const char *reason = reason_of(buf, (size_t)n, -EPROTO);
		CHECK_MSG(strcmp(reason, cases[i].reason) == 0, "case %zu: %s", i, reason);
	}
	/* wDescriptorLength past hid.size: the field's padding does not count. */
	uint8_t buf[MAX_MSG];
	int n = load("device_info_openvmm.hex", buf);
	buf[55] = 68;
	CHECK(strcmp(reason_of(buf, (size_t)n, -EMSGSIZE), "short_report_desc") == 0);
}

static void test_synthmouse_unknown_type(void)
{
	static const uint32_t types[] = { 5, 6, 0x100, 0xffffffffu };
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		uint8_t buf[MAX_MSG];
		int n = load("input_report.hex", buf);
		put_u32(buf + 8, types[i]);
		CHECK(strcmp(reason_of(buf, (size_t)n, -EOPNOTSUPP), "unknown_type") == 0);
		CHECK(strcmp(synthmouse_msg_type_to_str(types[i]), "UNKNOWN") == 0);
	}
}

static void test_synthmouse_encode_errors(void)
{
	uint8_t buf[MAX_MSG];
	struct synthmouse_msg di = openvmm_device_info();
	CHECK_EQ_INT(synthmouse_encode(buf, 184, &di), -EMSGSIZE);
	di.u.device_info.report_desc_field = 66; /* smaller than the descriptor */
	CHECK_EQ_INT(synthmouse_encode(buf, sizeof(buf), &di), -EINVAL);
	di = openvmm_device_info();
	di.u.device_info.hid_desc.length = 10;
	CHECK_EQ_INT(synthmouse_encode(buf, sizeof(buf), &di), -EINVAL);
	di = openvmm_device_info();
	di.u.device_info.report_desc = NULL;
	CHECK_EQ_INT(synthmouse_encode(buf, sizeof(buf), &di), -EINVAL);

	struct synthmouse_msg rep = { .type = SYNTHMOUSE_INPUT_REPORT,
		.u.input_report = { buf, 0 } };
	CHECK_EQ_INT(synthmouse_encode(buf, sizeof(buf), &rep), -EINVAL);
	struct synthmouse_msg bad = { .type = (enum synthmouse_msg_type)9 };
	CHECK_EQ_INT(synthmouse_encode(buf, sizeof(buf), &bad), -EOPNOTSUPP);
}

static void test_synthmouse_type_names(void)
{
	static const char *const names[] = { "PROTOCOL_REQUEST", "PROTOCOL_RESPONSE",
		"INITIAL_DEVICE_INFO", "INITIAL_DEVICE_INFO_ACK", "INPUT_REPORT" };
	for (uint32_t t = 0; t < ARRAY_LEN(names); t++)
		CHECK(strcmp(synthmouse_msg_type_to_str(t), names[t]) == 0);
}

static const struct test_case cases[] = {
	TEST_CASE(test_synthmouse_device_info_openvmm_golden),
	TEST_CASE(test_synthmouse_device_info_unpadded_roundtrip),
	TEST_CASE(test_synthmouse_fixed_goldens),
	TEST_CASE(test_synthmouse_abs_report_encode),
	TEST_CASE(test_synthmouse_scale_abs),
	TEST_CASE(test_synthmouse_padding_ignored),
	TEST_CASE(test_synthmouse_every_truncation_emsgsize),
	TEST_CASE(test_synthmouse_short_bodies),
	TEST_CASE(test_synthmouse_bad_headers),
	TEST_CASE(test_synthmouse_bad_device_info_fields),
	TEST_CASE(test_synthmouse_unknown_type),
	TEST_CASE(test_synthmouse_encode_errors),
	TEST_CASE(test_synthmouse_type_names),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
