/*
 * The mouse driver (input_hv/hvi_mouse.c) against a scripted host over the real emulated
 * transport: negotiation bytes (golden files), reports -> events with and without a screen,
 * report descriptors of other shapes that parse (relative, report ids, 8- and 32-bit fields) or
 * are refused with the parser's reason, Linux's byte-14 quirk, and a misbehaving host.
 */
#define LOG_MODULE "test"
#include <errno.h>

#include "hexfile.h"
#include "hvi.h"
#include "ih_fixture.h"
#include "input_host.h"
#include "log.h"
#include "macros.h"
#include "synthmouse.h"
#include "test.h"
#include "vmb.h"

static int setup(struct ih_fixture *f, const struct ih_config *cfg, int timeout_ms)
{
	return ih_fixture_setup(f, hvi_mouse_create, cfg, timeout_ms);
}

static void send_abs(struct ih_fixture *f, uint8_t buttons, uint16_t x, uint16_t y, int16_t wheel)
{
	uint8_t report[SYNTHMOUSE_ABS_REPORT_SIZE];
	synthmouse_abs_report_encode(report, buttons, x, y, wheel);
	REQUIRE(ih_report(f->ih, report, sizeof(report)) == 0);
}

static void check_golden(const struct ih_packet *p, const char *path)
{
	uint8_t golden[64];
	int len = hexfile_load(path, golden, sizeof(golden));
	REQUIRE(len > 0);
	CHECK_EQ_INT(p->len, len);
	CHECK_MEM(p->bytes, golden, (size_t)len);
	CHECK_EQ_INT(p->flags, VMB_PKT_FLAG_COMPLETION_REQUESTED);
	CHECK(p->trans_id != 0);
}

static void test_negotiation_bytes_as_linux(void)
{
	struct ih_fixture f;
	REQUIRE(setup(&f, NULL, 0) == 0);
	struct ih_packet pkts[8];
	size_t n = ih_take(f.ih, pkts, ARRAY_LEN(pkts));
	REQUIRE(n == 2);
	check_golden(&pkts[0], "tests/data/synthmouse/protocol_request.hex");
	check_golden(&pkts[1], "tests/data/synthmouse/device_info_ack.hex");
	CHECK(pkts[0].trans_id != pkts[1].trans_id);
	uint16_t vendor, product, version;
	hvi_device_get_ids(f.mouse, &vendor, &product, &version);
	CHECK_EQ_INT(vendor, 0x045e);
	CHECK_EQ_INT(product, 0x0621);
	CHECK_EQ_INT(version, 1);
	CHECK(hvi_device_has_event(f.mouse, HVI_EV_ABS, HVI_ABS_X));
	CHECK(hvi_device_has_event(f.mouse, HVI_EV_KEY, HVI_BTN_EXTRA));
	CHECK(!hvi_device_has_event(f.mouse, HVI_EV_KEY, HVI_BTN_EXTRA + 1));
	CHECK(hvi_device_has_event(f.mouse, HVI_EV_REL, HVI_REL_WHEEL));
	CHECK(!hvi_device_has_event(f.mouse, HVI_EV_REL, HVI_REL_X));
	ih_fixture_teardown(&f);
}

static void test_refusals_and_timeouts(void)
{
	struct ih_fixture f;
	struct ih_config cfg = { .mouse_version = IH_REJECT };
	CHECK_EQ_INT(setup(&f, &cfg, 0), -ECONNREFUSED);
	ih_fixture_teardown(&f);
	cfg = (struct ih_config){ .mouse_version = IH_SILENT };
	CHECK_EQ_INT(setup(&f, &cfg, 100), -ETIMEDOUT);
	ih_fixture_teardown(&f);
	cfg = (struct ih_config){ .no_device_info = true };
	CHECK_EQ_INT(setup(&f, &cfg, 100), -ETIMEDOUT);
	ih_fixture_teardown(&f);
}

static void test_reports_raw(void)
{
	struct ih_fixture f;
	REQUIRE(setup(&f, NULL, 0) == 0);
	int32_t min, max;
	REQUIRE(hvi_device_get_abs_range(f.mouse, HVI_ABS_X, &min, &max) == 0);
	CHECK_EQ_INT(min, 0);
	CHECK_EQ_INT(max, 32767);
	send_abs(&f, 0, 16384, 8191, 0);
	ih_expect_events(&f, 3, "EV_ABS ABS_X 16384\nEV_ABS ABS_Y 8191\nEV_SYN SYN_REPORT 0\n");
	/* Only what changed; buttons one by one, each report one frame. */
	send_abs(&f, SYNTHMOUSE_BUTTON_LEFT | SYNTHMOUSE_BUTTON_MIDDLE, 16384, 9000, -1);
	ih_expect_events(&f, 5,
		"EV_ABS ABS_Y 9000\nEV_KEY BTN_LEFT 1\nEV_KEY BTN_MIDDLE 1\nEV_REL REL_WHEEL -1\n"
		"EV_SYN SYN_REPORT 0\n");
	send_abs(&f, SYNTHMOUSE_BUTTON_RIGHT | SYNTHMOUSE_BUTTON_4 | SYNTHMOUSE_BUTTON_5, 16384,
		9000, 3);
	ih_expect_events(&f, 7,
		"EV_KEY BTN_LEFT 0\nEV_KEY BTN_RIGHT 1\nEV_KEY BTN_MIDDLE 0\nEV_KEY BTN_SIDE 1\n"
		"EV_KEY BTN_EXTRA 1\nEV_REL REL_WHEEL 3\nEV_SYN SYN_REPORT 0\n");
	send_abs(&f, SYNTHMOUSE_BUTTON_RIGHT | SYNTHMOUSE_BUTTON_4 | SYNTHMOUSE_BUTTON_5, 16384,
		9000, 0);
	ih_expect_events(&f, 1, "EV_SYN SYN_REPORT 0\n");
	ih_fixture_teardown(&f);
}

static void test_reports_scaled_to_screen(void)
{
	struct ih_fixture f;
	REQUIRE(setup(&f, NULL, 0) == 0);
	CHECK_EQ_INT(hvi_device_set_screen(f.mouse, 1024, 0), -EINVAL);
	REQUIRE(hvi_device_set_screen(f.mouse, 1024, 768) == 0);
	int32_t min, max;
	REQUIRE(hvi_device_get_abs_range(f.mouse, HVI_ABS_Y, &min, &max) == 0);
	CHECK_EQ_INT(max, 767);
	send_abs(&f, 0, 0, 0, 0);
	ih_expect_events(&f, 3, "EV_ABS ABS_X 0\nEV_ABS ABS_Y 0\nEV_SYN SYN_REPORT 0\n");
	send_abs(&f, 0, 32767, 32767, 0);
	ih_expect_events(&f, 3, "EV_ABS ABS_X 1023\nEV_ABS ABS_Y 767\nEV_SYN SYN_REPORT 0\n");
	/* Every pixel the host scales (vmbus-emu.md §5) comes back as itself. */
	for (uint32_t x = 0; x < 1024; x += 7) {
		uint16_t v = synthmouse_scale_abs(x, 1024);
		send_abs(&f, 0, v, synthmouse_scale_abs(x % 768, 768), 0);
		char expected[96];
		snprintf(expected, sizeof(expected), "EV_ABS ABS_X %u\n", x);
		hvi_record_clear(f.rec);
		REQUIRE(ih_collect(f.bus, f.mouse, f.rec, 1));
		CHECK_MSG(strcmp(hvi_record_text(f.rec), expected) == 0, "pixel %u came back as %s",
			x, hvi_record_text(f.rec));
		CHECK(ih_collect(f.bus, f.mouse, f.rec, 0));
	}
	ih_fixture_teardown(&f);
}

/* A relative mouse with report ids, 8-bit deltas, and a keyboard report in the same device. */
static const uint8_t relative_with_ids[] = {
	0x05,
	0x01,
	0x09,
	0x02,
	0xa1,
	0x01,
	0x85,
	0x02, // mouse, report id 2
	0x09,
	0x01,
	0xa1,
	0x00,
	0x05,
	0x09,
	0x19,
	0x01,
	0x29,
	0x03,
	0x15,
	0x00,
	0x25,
	0x01,
	0x95,
	0x03,
	0x75,
	0x01,
	0x81,
	0x02,
	0x95,
	0x01,
	0x75,
	0x05,
	0x81,
	0x01, // 3 buttons + pad
	0x05,
	0x01,
	0x09,
	0x30,
	0x09,
	0x31,
	0x09,
	0x38,
	0x15,
	0x81,
	0x25,
	0x7f,
	0x75,
	0x08,
	0x95,
	0x03,
	0x81,
	0x06, // X, Y, wheel: relative 8-bit
	0xc0,
	0xc0,
	0x05,
	0x01,
	0x09,
	0x06,
	0xa1,
	0x01,
	0x85,
	0x01, // keyboard, report id 1
	0x05,
	0x07,
	0x19,
	0xe0,
	0x29,
	0xe7,
	0x15,
	0x00,
	0x25,
	0x01,
	0x75,
	0x01,
	0x95,
	0x08,
	0x81,
	0x02,
	0xc0,
};

static void test_relative_mouse_with_report_ids(void)
{
	struct ih_fixture f;
	const struct ih_config cfg = {
		.report_desc = relative_with_ids,
		.report_desc_len = sizeof(relative_with_ids),
	};
	REQUIRE(setup(&f, &cfg, 0) == 0);
	CHECK(hvi_device_has_event(f.mouse, HVI_EV_REL, HVI_REL_X));
	CHECK(!hvi_device_has_event(f.mouse, HVI_EV_ABS, HVI_ABS_X));
	CHECK(!hvi_device_has_event(f.mouse, HVI_EV_KEY, HVI_BTN_SIDE));
	static const uint8_t keyboard_report[] = { 0x01, 0x02 };
	static const uint8_t move[] = { 0x02, 0x01, 0x05, 0xfd, 0x01 };
	static const uint8_t unknown_id[] = { 0x07, 0x00, 0x00, 0x00, 0x00 };
	REQUIRE(ih_report(f.ih, keyboard_report, sizeof(keyboard_report)) == 0);
	REQUIRE(ih_report(f.ih, unknown_id, sizeof(unknown_id)) == 0);
	REQUIRE(ih_report(f.ih, move, sizeof(move)) == 0);
	ih_expect_events(&f, 5,
		"EV_REL REL_X 5\nEV_REL REL_Y -3\nEV_KEY BTN_LEFT 1\nEV_REL REL_WHEEL 1\n"
		"EV_SYN SYN_REPORT 0\n");
	struct hvi_stats st;
	hvi_device_get_stats(f.mouse, &st);
	CHECK_EQ_INT(st.reports_ignored, 1);
	CHECK_EQ_INT(st.rx_rejected, 1);
	ih_fixture_teardown(&f);
}

/* Absolute X/Y of 32 bits and 8 bits, two buttons, no wheel. */
static const uint8_t abs32_desc[] = {
	0x05,
	0x01,
	0x09,
	0x02,
	0xa1,
	0x01,
	0x05,
	0x09,
	0x19,
	0x01,
	0x29,
	0x02,
	0x15,
	0x00,
	0x25,
	0x01,
	0x95,
	0x02,
	0x75,
	0x01,
	0x81,
	0x02,
	0x95,
	0x01,
	0x75,
	0x06,
	0x81,
	0x01,
	0x05,
	0x01,
	0x09,
	0x30,
	0x15,
	0x00,
	0x27,
	0xff,
	0xff,
	0xff,
	0x7f,
	0x75,
	0x20,
	0x95,
	0x01,
	0x81,
	0x02, // X: 32 bits, 0..2^31-1
	0x09,
	0x31,
	0x15,
	0x00,
	0x26,
	0xff,
	0x00,
	0x75,
	0x08,
	0x95,
	0x01,
	0x81,
	0x02, // Y: 8 bits
	0xc0,
};

static void test_other_sizes_scale(void)
{
	struct ih_fixture f;
	const struct ih_config cfg = { .report_desc = abs32_desc,
		.report_desc_len = sizeof(abs32_desc) };
	REQUIRE(setup(&f, &cfg, 0) == 0);
	int32_t min, max;
	REQUIRE(hvi_device_get_abs_range(f.mouse, HVI_ABS_X, &min, &max) == 0);
	CHECK_EQ_INT(max, INT32_MAX);
	REQUIRE(hvi_device_get_abs_range(f.mouse, HVI_ABS_Y, &min, &max) == 0);
	CHECK_EQ_INT(max, 255);
	CHECK(!hvi_device_has_event(f.mouse, HVI_EV_REL, HVI_REL_WHEEL));
	REQUIRE(hvi_device_set_screen(f.mouse, 800, 600) == 0);
	static const uint8_t report[] = { 0x02, 0xff, 0xff, 0xff, 0x7f, 0x80 };
	REQUIRE(ih_report(f.ih, report, sizeof(report)) == 0);
	ih_expect_events(&f, 4,
		"EV_ABS ABS_X 799\nEV_ABS ABS_Y 301\nEV_KEY BTN_RIGHT 1\nEV_SYN SYN_REPORT 0\n");
	ih_fixture_teardown(&f);
}

/* A descriptor without a pointer is refused with the parser's reason, as Linux's probe fails. */
static void test_unusable_descriptors_are_refused(void)
{
	static const uint8_t keyboard_only[] = {
		0x05,
		0x01,
		0x09,
		0x06,
		0xa1,
		0x01,
		0x05,
		0x07,
		0x19,
		0xe0,
		0x29,
		0xe7,
		0x15,
		0x00,
		0x25,
		0x01,
		0x75,
		0x01,
		0x95,
		0x08,
		0x81,
		0x02,
		0xc0,
	};
	static const uint8_t unclosed[] = { 0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x30 };
	static const uint8_t x_only[] = {
		0x05,
		0x01,
		0x09,
		0x02,
		0xa1,
		0x01,
		0x09,
		0x30,
		0x15,
		0x00,
		0x26,
		0xff,
		0x7f,
		0x75,
		0x10,
		0x95,
		0x01,
		0x81,
		0x02,
		0xc0,
	};
	static const struct {
		const uint8_t *desc;
		size_t len;
		const char *reason;
	} cases[] = {
		{ keyboard_only, sizeof(keyboard_only), "no_x_y" },
		{ unclosed, sizeof(unclosed), "collection_unclosed" },
		{ x_only, sizeof(x_only), "x_y_incomplete" },
	};
	ih_log_capture();
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct ih_fixture f;
		const struct ih_config cfg = { .report_desc = cases[i].desc,
			.report_desc_len = cases[i].len };
		ih_log_clear();
		CHECK_EQ_INT(setup(&f, &cfg, 0), -EPROTO);
		char text[128];
		snprintf(text, sizeof(text), "report descriptor is refused: %s", cases[i].reason);
		CHECK_MSG(ih_log_contains(text), "no log line with '%s'", text);
		/* Refused before the ack: the host never hears one. */
		struct ih_packet pkts[8];
		CHECK_EQ_INT(ih_take(f.ih, pkts, ARRAY_LEN(pkts)), 1);
		ih_fixture_teardown(&f);
	}
	log_set_handler(NULL);
}

/* Hyper-V's own descriptor, as Linux's SA-167 workaround assumes it: 0x25 at byte 14. */
static void test_linux_byte_14_quirk(void)
{
	uint8_t desc[SYNTHMOUSE_OPENVMM_REPORT_DESC_LEN];
	memcpy(desc, synthmouse_openvmm_report_desc, sizeof(desc));
	REQUIRE(desc[14] == 0x29);
	desc[14] = 0x25;
	struct ih_fixture f;
	const struct ih_config cfg = { .report_desc = desc, .report_desc_len = sizeof(desc) };
	REQUIRE(setup(&f, &cfg, 0) == 0);
	CHECK(hvi_device_has_event(f.mouse, HVI_EV_KEY, HVI_BTN_EXTRA));
	send_abs(&f, SYNTHMOUSE_BUTTON_5, 1, 2, 0);
	ih_expect_events(
		&f, 4, "EV_ABS ABS_X 1\nEV_ABS ABS_Y 2\nEV_KEY BTN_EXTRA 1\nEV_SYN SYN_REPORT 0\n");
	ih_fixture_teardown(&f);
}

static void test_bad_host_messages_are_dropped(void)
{
	struct ih_fixture f;
	REQUIRE(setup(&f, NULL, 0) == 0);
	static const uint8_t bad_pipe[] = { 2, 0, 0, 0, 15, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0 };
	static const uint8_t pipe_too_big[] = { 1, 0, 0, 0, 200, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0 };
	static const uint8_t unknown[] = { 1, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t short_report[] = { 1, 0, 0, 0, 11, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 1,
		2, 3 };
	uint8_t info[256];
	struct synthmouse_msg msg = { .type = SYNTHMOUSE_PROTOCOL_RESPONSE };
	msg.u.protocol_response = (struct synthmouse_protocol_response){ SYNTHMOUSE_VERSION, 1 };
	int info_len = synthmouse_encode(info, sizeof(info), &msg);
	REQUIRE(ih_send(f.ih, IH_MOUSE, bad_pipe, sizeof(bad_pipe)) == 0);
	REQUIRE(ih_send(f.ih, IH_MOUSE, pipe_too_big, sizeof(pipe_too_big)) == 0);
	REQUIRE(ih_send(f.ih, IH_MOUSE, unknown, sizeof(unknown)) == 0);
	REQUIRE(ih_send(f.ih, IH_MOUSE, short_report, sizeof(short_report)) == 0);
	REQUIRE(ih_send(f.ih, IH_MOUSE, info, (size_t)info_len) == 0);
	REQUIRE(ih_send_completion(f.ih, IH_MOUSE) == 0);
	send_abs(&f, 0, 5, 6, 0);
	ih_expect_events(&f, 3, "EV_ABS ABS_X 5\nEV_ABS ABS_Y 6\nEV_SYN SYN_REPORT 0\n");
	struct hvi_stats st;
	hvi_device_get_stats(f.mouse, &st);
	CHECK_EQ_INT(st.rx_rejected, 5);
	CHECK_EQ_INT(st.rx_completions, 1);
	ih_fixture_teardown(&f);
}

static void test_rescind_releases_buttons(void)
{
	struct ih_fixture f;
	REQUIRE(setup(&f, NULL, 0) == 0);
	send_abs(&f, SYNTHMOUSE_BUTTON_LEFT, 10, 10, 0);
	ih_expect_events(&f, 4,
		"EV_ABS ABS_X 10\nEV_ABS ABS_Y 10\nEV_KEY BTN_LEFT 1\nEV_SYN SYN_REPORT 0\n");
	ih_rescind(f.ih, IH_MOUSE);
	ih_expect_events(&f, 2, "EV_KEY BTN_LEFT 0\nEV_SYN SYN_REPORT 0\n");
	ih_reoffer(f.ih, IH_MOUSE);
	REQUIRE(ih_wait_ready(f.bus, f.mouse, f.rec));
	/* A fresh start: the position is reported again even though it did not move. */
	send_abs(&f, 0, 10, 10, 0);
	ih_expect_events(&f, 3, "EV_ABS ABS_X 10\nEV_ABS ABS_Y 10\nEV_SYN SYN_REPORT 0\n");
	ih_fixture_teardown(&f);
}

static const struct test_case cases[] = {
	TEST_CASE(test_negotiation_bytes_as_linux),
	TEST_CASE(test_refusals_and_timeouts),
	TEST_CASE(test_reports_raw),
	TEST_CASE(test_reports_scaled_to_screen),
	TEST_CASE(test_relative_mouse_with_report_ids),
	TEST_CASE(test_other_sizes_scale),
	TEST_CASE(test_unusable_descriptors_are_refused),
	TEST_CASE(test_linux_byte_14_quirk),
	TEST_CASE(test_bad_host_messages_are_dropped),
	TEST_CASE(test_rescind_releases_buttons),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
