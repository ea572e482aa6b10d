/*
 * The keyboard driver (input_hv/hvi_kbd.c) against a scripted host over the real emulated
 * transport: the bytes it sends (golden files), the events it makes of what the host sends,
 * what it does with a host that misbehaves, and a rescind while a key is held.
 */
#define LOG_MODULE "test"
#include <errno.h>

#include "hexfile.h"
#include "hvi.h"
#include "hvi_keycodes.h"
#include "ih_fixture.h"
#include "input_host.h"
#include "log.h"
#include "macros.h"
#include "synthkbd.h"
#include "test.h"
#include "vmb.h"

static int setup(struct ih_fixture *f, const struct ih_config *cfg, int timeout_ms)
{
	return ih_fixture_setup(f, hvi_keyboard_create, cfg, timeout_ms);
}

static void test_negotiation_bytes_as_linux(void)
{
	struct ih_fixture f;
	REQUIRE(setup(&f, NULL, 0) == 0);
	CHECK(hvi_device_is_ready(f.kbd));
	CHECK_EQ_INT(hvi_device_get_kind(f.kbd), HVI_DEVICE_KEYBOARD);
	struct ih_packet pkts[8];
	size_t n = ih_take(f.ih, pkts, ARRAY_LEN(pkts));
	REQUIRE(n == 1);
	uint8_t golden[16];
	int len = hexfile_load("tests/data/synthkbd/protocol_request.hex", golden, sizeof(golden));
	REQUIRE(len == 8);
	CHECK_EQ_INT(pkts[0].len, 8);
	CHECK_MEM(pkts[0].bytes, golden, 8);
	CHECK_EQ_INT(pkts[0].type, VMB_PKT_DATA_INBAND);
	CHECK_EQ_INT(pkts[0].flags, VMB_PKT_FLAG_COMPLETION_REQUESTED);
	CHECK(pkts[0].trans_id != 0);
	ih_fixture_teardown(&f);
}

static void test_refused_version(void)
{
	struct ih_fixture f;
	const struct ih_config cfg = { .kbd_version = IH_REJECT };
	CHECK_EQ_INT(setup(&f, &cfg, 0), -ECONNREFUSED);
	CHECK(f.kbd == NULL);
	ih_fixture_teardown(&f);
}

static void test_silent_host_times_out(void)
{
	struct ih_fixture f;
	const struct ih_config cfg = { .kbd_version = IH_SILENT };
	CHECK_EQ_INT(setup(&f, &cfg, 100), -ETIMEDOUT);
	ih_fixture_teardown(&f);
}

static void test_keys_become_events(void)
{
	struct ih_fixture f;
	REQUIRE(setup(&f, NULL, 0) == 0);
	REQUIRE(ih_key(f.ih, KEY_A, true) == 0);
	ih_expect_events(&f, 2, "EV_KEY KEY_A 1\nEV_SYN SYN_REPORT 0\n");
	CHECK(hvi_device_key_is_down(f.kbd, KEY_A));
	/* A second make is an autorepeat, as atkbd reports it. */
	REQUIRE(ih_key(f.ih, KEY_A, true) == 0);
	REQUIRE(ih_key(f.ih, KEY_A, false) == 0);
	ih_expect_events(&f, 4,
		"EV_KEY KEY_A 2\nEV_SYN SYN_REPORT 0\nEV_KEY KEY_A 0\nEV_SYN SYN_REPORT 0\n");
	CHECK(!hvi_device_key_is_down(f.kbd, KEY_A));
	/* E0 keys, Pause (E1 1D then 45) and PrintScreen. */
	REQUIRE(ih_key(f.ih, KEY_RIGHTCTRL, true) == 0);
	REQUIRE(ih_key(f.ih, KEY_PAUSE, true) == 0);
	REQUIRE(ih_key(f.ih, KEY_PAUSE, false) == 0);
	REQUIRE(ih_key(f.ih, KEY_SYSRQ, true) == 0);
	REQUIRE(ih_key(f.ih, KEY_SYSRQ, false) == 0);
	REQUIRE(ih_key(f.ih, KEY_RIGHTCTRL, false) == 0);
	ih_expect_events(&f, 12,
		"EV_KEY KEY_RIGHTCTRL 1\nEV_SYN SYN_REPORT 0\n"
		"EV_KEY KEY_PAUSE 1\nEV_SYN SYN_REPORT 0\n"
		"EV_KEY KEY_PAUSE 0\nEV_SYN SYN_REPORT 0\n"
		"EV_KEY KEY_SYSRQ 1\nEV_SYN SYN_REPORT 0\n"
		"EV_KEY KEY_SYSRQ 0\nEV_SYN SYN_REPORT 0\n"
		"EV_KEY KEY_RIGHTCTRL 0\nEV_SYN SYN_REPORT 0\n");
	struct hvi_stats st;
	hvi_device_get_stats(f.kbd, &st);
	CHECK_EQ_INT(st.frames, 9);
	CHECK_EQ_INT(st.rx_rejected, 0);
	ih_fixture_teardown(&f);
}

/* Garbage from the host is dropped and counted; the next good key still arrives. */
static void test_bad_host_messages_are_dropped(void)
{
	struct ih_fixture f;
	REQUIRE(setup(&f, NULL, 0) == 0);
	ih_log_capture();
	static const uint8_t short_msg[4] = { 3, 0, 0, 0 };
	static const uint8_t unknown[8] = { 9, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t short_event[8] = { 3, 0, 0, 0, 0x1e, 0, 0, 0 };
	static const uint8_t response[8] = { 2, 0, 0, 0, 1, 0, 0, 0 };
	REQUIRE(ih_send(f.ih, IH_KBD, short_msg, sizeof(short_msg)) == 0);
	REQUIRE(ih_send(f.ih, IH_KBD, unknown, sizeof(unknown)) == 0);
	REQUIRE(ih_send(f.ih, IH_KBD, short_event, sizeof(short_event)) == 0);
	REQUIRE(ih_send(f.ih, IH_KBD, response, sizeof(response)) == 0);
	REQUIRE(ih_keystroke(f.ih, 0x1e, SYNTHKBD_INFO_IS_E0 | SYNTHKBD_INFO_IS_E1) == 0);
	REQUIRE(ih_keystroke(f.ih, 0x9e, 0) == 0); // high bit without IS_UNICODE
	REQUIRE(ih_keystroke(f.ih, 0x00e9, SYNTHKBD_INFO_IS_UNICODE) == 0);
	REQUIRE(ih_keystroke(f.ih, 0x7f, 0) == 0);                      // no key
	REQUIRE(ih_keystroke(f.ih, 0x2a, SYNTHKBD_INFO_IS_E0) == 0);    // fake shift
	REQUIRE(ih_keystroke(f.ih, 0x1e, SYNTHKBD_INFO_IS_BREAK) == 0); // A was not down
	REQUIRE(ih_keystroke(f.ih, 0x1d, SYNTHKBD_INFO_IS_E1) == 0);    // E1 without its 45
	REQUIRE(ih_send_completion(f.ih, IH_KBD) == 0);
	REQUIRE(ih_key(f.ih, KEY_B, true) == 0);
	ih_expect_events(&f, 2, "EV_KEY KEY_B 1\nEV_SYN SYN_REPORT 0\n");
	struct hvi_stats st;
	hvi_device_get_stats(f.kbd, &st);
	CHECK_EQ_INT(st.rx_rejected, 6);
	CHECK_EQ_INT(st.unicode_dropped, 1);
	CHECK_EQ_INT(st.unknown_codes, 1);
	CHECK_EQ_INT(st.fake_shifts, 1);
	CHECK_EQ_INT(st.stray_releases, 1);
	CHECK_EQ_INT(st.broken_sequences, 1);
	CHECK_EQ_INT(st.rx_completions, 1);
	CHECK(ih_log_contains("unicode event U+00E9 dropped"));
	CHECK(ih_log_contains("unexpected PROTOCOL_RESPONSE"));
	CHECK(hvi_device_is_ready(f.kbd));
	log_set_handler(NULL);
	ih_fixture_teardown(&f);
}

/* The host takes the channel away while a key is down: the guest sees it released. */
static void test_rescind_releases_held_keys(void)
{
	struct ih_fixture f;
	REQUIRE(setup(&f, NULL, 0) == 0);
	REQUIRE(ih_key(f.ih, KEY_LEFTSHIFT, true) == 0);
	REQUIRE(ih_key(f.ih, KEY_Q, true) == 0);
	ih_expect_events(&f, 4,
		"EV_KEY KEY_LEFTSHIFT 1\nEV_SYN SYN_REPORT 0\nEV_KEY KEY_Q 1\nEV_SYN SYN_REPORT "
		"0\n");
	ih_rescind(f.ih, IH_KBD);
	/* Released in key-code order, in one frame. */
	ih_expect_events(&f, 3, "EV_KEY KEY_Q 0\nEV_KEY KEY_LEFTSHIFT 0\nEV_SYN SYN_REPORT 0\n");
	CHECK(!hvi_device_is_ready(f.kbd));
	CHECK(!hvi_device_key_is_down(f.kbd, KEY_Q));
	struct hvi_stats st;
	hvi_device_get_stats(f.kbd, &st);
	CHECK_EQ_INT(st.lost_releases, 2);

	/* Offered again: the next dispatch reopens, negotiates and keys flow. */
	ih_reoffer(f.ih, IH_KBD);
	hvi_record_clear(f.rec);
	CHECK(ih_wait_ready(f.bus, f.kbd, f.rec));
	REQUIRE(ih_key(f.ih, KEY_Z, true) == 0);
	ih_expect_events(&f, 2, "EV_KEY KEY_Z 1\nEV_SYN SYN_REPORT 0\n");
	hvi_device_get_stats(f.kbd, &st);
	CHECK_EQ_INT(st.reopens, 1);
	ih_fixture_teardown(&f);
}

static void test_host_gone_releases_held_keys(void)
{
	struct ih_fixture f;
	REQUIRE(setup(&f, NULL, 0) == 0);
	REQUIRE(ih_key(f.ih, KEY_RIGHTALT, true) == 0);
	ih_expect_events(&f, 2, "EV_KEY KEY_RIGHTALT 1\nEV_SYN SYN_REPORT 0\n");
	ih_disconnect(f.ih);
	ih_expect_events(&f, 2, "EV_KEY KEY_RIGHTALT 0\nEV_SYN SYN_REPORT 0\n");
	CHECK_EQ_INT(hvi_device_dispatch(f.kbd), -ENOTCONN);
	ih_fixture_teardown(&f);
}

/* SET_LED_INDICATORS: exact bytes, kept and sent again after a reopen. */
static void test_led_bytes(void)
{
	struct ih_fixture f;
	REQUIRE(setup(&f, NULL, 0) == 0);
	struct ih_packet pkts[8];
	ih_take(f.ih, pkts, ARRAY_LEN(pkts));
	CHECK_EQ_INT(hvi_device_set_leds(f.kbd, 1u << HVI_LED_CAPSL), 0);
	CHECK_EQ_INT(hvi_device_set_leds(f.kbd, 1u << 7), -EINVAL);
	uint8_t golden[16];
	REQUIRE(hexfile_load("tests/data/synthkbd/set_led_indicators_caps.hex", golden,
			sizeof(golden)) == 8);
	size_t n = ih_take(f.ih, pkts, ARRAY_LEN(pkts));
	REQUIRE(n == 1);
	CHECK_EQ_INT(pkts[0].len, 8);
	CHECK_MEM(pkts[0].bytes, golden, 8);
	CHECK_EQ_INT(pkts[0].flags, VMB_PKT_FLAG_COMPLETION_REQUESTED);

	CHECK_EQ_INT(hvi_device_set_leds(f.kbd, 1u << HVI_LED_NUML | 1u << HVI_LED_SCROLLL), 0);
	n = ih_take(f.ih, pkts, ARRAY_LEN(pkts));
	REQUIRE(n == 1);
	static const uint8_t num_scroll[8] = { 4, 0, 0, 0, 0x03, 0, 0, 0 };
	CHECK_MEM(pkts[0].bytes, num_scroll, 8);

	ih_rescind(f.ih, IH_KBD);
	CHECK(ih_collect(f.bus, f.kbd, f.rec, 0)); // the rescind is on the socket already
	CHECK(!hvi_device_is_ready(f.kbd));
	ih_reoffer(f.ih, IH_KBD); // offered again once the guest released the old relid
	REQUIRE(ih_wait_ready(f.bus, f.kbd, f.rec));
	n = ih_take(f.ih, pkts, ARRAY_LEN(pkts));
	REQUIRE(n == 2); // PROTOCOL_REQUEST, then the LEDs again
	CHECK_EQ_INT(pkts[0].bytes[0], SYNTHKBD_PROTOCOL_REQUEST);
	CHECK_MEM(pkts[1].bytes, num_scroll, 8);
	ih_fixture_teardown(&f);
}

static void test_mouse_calls_refused_on_keyboard(void)
{
	struct ih_fixture f;
	REQUIRE(setup(&f, NULL, 0) == 0);
	CHECK_EQ_INT(hvi_device_set_screen(f.kbd, 800, 600), -ENODEV);
	int32_t min, max;
	CHECK_EQ_INT(hvi_device_get_abs_range(f.kbd, HVI_ABS_X, &min, &max), -ENODEV);
	CHECK(hvi_device_has_event(f.kbd, HVI_EV_KEY, KEY_PAUSE));
	CHECK(hvi_device_has_event(f.kbd, HVI_EV_KEY, KEY_102ND));
	CHECK(hvi_device_has_event(f.kbd, HVI_EV_LED, HVI_LED_CAPSL));
	CHECK(!hvi_device_has_event(f.kbd, HVI_EV_KEY, HVI_BTN_LEFT));
	CHECK(!hvi_device_has_event(f.kbd, HVI_EV_ABS, HVI_ABS_X));
	ih_fixture_teardown(&f);
}

static const struct test_case cases[] = {
	TEST_CASE(test_negotiation_bytes_as_linux),
	TEST_CASE(test_refused_version),
	TEST_CASE(test_silent_host_times_out),
	TEST_CASE(test_keys_become_events),
	TEST_CASE(test_bad_host_messages_are_dropped),
	TEST_CASE(test_rescind_releases_held_keys),
	TEST_CASE(test_host_gone_releases_held_keys),
	TEST_CASE(test_led_bytes),
	TEST_CASE(test_mouse_calls_refused_on_keyboard),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
