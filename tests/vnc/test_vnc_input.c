/*
 * A viewer's input through hvhost --vnc reaching the guest: the tests' RFB client sends key and
 * pointer events, hvhost turns them into synthetic keyboard scan codes and mouse reports, and
 * the guest (vnc_guest --input, lib hvi: the real input drivers) prints the evdev events it
 * gets. Keysyms on the US layout (Shift added or taken away), the QEMU Extended Key Event's raw
 * codes, the pointer's position, buttons and wheel, and everything a viewer held released when
 * it goes away.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macros.h"
#include "rfb_client.h"
#include "test.h"
#include "vnc_fixture.h"

/* evdev codes, as lib hvi reports them (linux/input-event-codes.h) */
enum {
	EV_KEY = 1,
	EV_REL = 2,
	EV_ABS = 3,
	KEY_1 = 2,
	KEY_ENTER = 28,
	KEY_LEFTCTRL = 29,
	KEY_A = 30,
	KEY_C = 46,
	KEY_D = 32,
	KEY_B = 48,
	KEY_LEFTSHIFT = 42,
	KEY_UP = 103,
	BTN_LEFT = 0x110,
	BTN_RIGHT = 0x111,
	BTN_MIDDLE = 0x112,
	REL_WHEEL = 8,
	ABS_X = 0,
	ABS_Y = 1,
};

/* X11 keysyms */
enum {
	XK_exclam = 0x21,
	XK_A = 0x41,
	XK_a = 0x61,
	XK_b = 0x62,
	XK_c = 0x63,
	XK_d = 0x64,
	XK_q = 0x71,
	XK_Return = 0xff0d,
	XK_Up = 0xff52,
	XK_Shift_L = 0xffe1,
	XK_EuroSign = 0x20ac,
};

static const char *const guest_input[] = { "--input", NULL };
static const int32_t encodings[] = { RFB_ENC_RAW, RFB_ENC_RICH_CURSOR };
static const int32_t qemu_encodings[] = { RFB_ENC_RAW, RFB_ENC_RICH_CURSOR, RFB_ENC_QEMU_EXT_KEY };

static void start(struct vnc_fixture *f)
{
	int ret = vnc_fixture_start(f, NULL, guest_input);
	if (ret == -ENOENT)
		SKIP("HVHOST or VNC_GUEST is not set (run through meson test)");
	REQUIRE(ret == 0);
}

static void viewer(struct vnc_fixture *f, struct rfb_client *c, const int32_t *enc, size_t n)
{
	REQUIRE(rfb_client_connect(c, f->port) == 0);
	REQUIRE(rfb_client_handshake(c, NULL, enc, n) == 0);
	REQUIRE(vnc_fixture_sync(f, c) == 0);
}

/* The guest's next lines are exactly these events, in order. */
struct ev {
	int type, code, value;
};

static bool expect(struct vnc_fixture *f, const struct ev *evs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char want[64];
		snprintf(want, sizeof(want), "ev %d %d %d", evs[i].type, evs[i].code, evs[i].value);
		const char *got = vnc_fixture_guest_line(f);
		if (!got || strcmp(got, want) != 0) {
			NOTE("event %zu: want '%s', got '%s'", i, want, got ? got : "(nothing)");
			return false;
		}
	}
	return true;
}

#define EXPECT(f, ...)                                                                             \
	CHECK(expect(f, (const struct ev[]){ __VA_ARGS__ },                                        \
		sizeof((const struct ev[]){ __VA_ARGS__ }) / sizeof(struct ev)))

static void key(struct rfb_client *c, uint32_t keysym)
{
	REQUIRE(rfb_client_key(c, true, keysym) == 0);
	REQUIRE(rfb_client_key(c, false, keysym) == 0);
}

static void test_keysyms_on_the_us_layout(void)
{
	struct vnc_fixture f;
	start(&f);
	struct rfb_client c;
	viewer(&f, &c, encodings, ARRAY_LEN(encodings));
	key(&c, XK_a);
	EXPECT(&f, { EV_KEY, KEY_A, 1 }, { EV_KEY, KEY_A, 0 });
	/* A capital without Shift held: Shift is wrapped around it. */
	key(&c, XK_A);
	EXPECT(&f, { EV_KEY, KEY_LEFTSHIFT, 1 }, { EV_KEY, KEY_A, 1 }, { EV_KEY, KEY_LEFTSHIFT, 0 },
		{ EV_KEY, KEY_A, 0 });
	/* With Shift held, '!' is the 1 key as it is, and a lower-case letter has Shift taken
	 * away around it. */
	REQUIRE(rfb_client_key(&c, true, XK_Shift_L) == 0);
	key(&c, XK_exclam);
	key(&c, XK_a);
	REQUIRE(rfb_client_key(&c, false, XK_Shift_L) == 0);
	EXPECT(&f, { EV_KEY, KEY_LEFTSHIFT, 1 }, { EV_KEY, KEY_1, 1 }, { EV_KEY, KEY_1, 0 },
		{ EV_KEY, KEY_LEFTSHIFT, 0 }, { EV_KEY, KEY_A, 1 }, { EV_KEY, KEY_LEFTSHIFT, 1 },
		{ EV_KEY, KEY_A, 0 }, { EV_KEY, KEY_LEFTSHIFT, 0 });
	/* Special keys, one of them an E0 key; a keysym with no US key is counted, not sent. */
	key(&c, XK_EuroSign);
	key(&c, XK_Return);
	key(&c, XK_Up);
	EXPECT(&f, { EV_KEY, KEY_ENTER, 1 }, { EV_KEY, KEY_ENTER, 0 }, { EV_KEY, KEY_UP, 1 },
		{ EV_KEY, KEY_UP, 0 });
	CHECK(vnc_fixture_get_path(&f, "vnc", "keys_unmapped") >= 1);
	CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "input_dropped"), 0);
	rfb_client_close(&c);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

static void test_raw_keycodes_of_the_qemu_extension(void)
{
	struct vnc_fixture f;
	start(&f);
	struct rfb_client c;
	viewer(&f, &c, qemu_encodings, ARRAY_LEN(qemu_encodings));
	CHECK_MSG(c.qemu_key, "the server did not announce QEMU extended key events");
	/* The code wins over the keysym: AZERTY's 'a' key sends keysym q with the code of A. */
	REQUIRE(rfb_client_qemu_key(&c, true, XK_q, 0x1e) == 0);
	REQUIRE(rfb_client_qemu_key(&c, false, XK_q, 0x1e) == 0);
	/* E0 keys are 0x80 | code: Up. A release of a key never pressed sends nothing. */
	REQUIRE(rfb_client_qemu_key(&c, false, 0, 0x9d) == 0);
	REQUIRE(rfb_client_qemu_key(&c, true, XK_Up, 0xc8) == 0);
	REQUIRE(rfb_client_qemu_key(&c, false, XK_Up, 0xc8) == 0);
	EXPECT(&f, { EV_KEY, KEY_A, 1 }, { EV_KEY, KEY_A, 0 }, { EV_KEY, KEY_UP, 1 },
		{ EV_KEY, KEY_UP, 0 });
	/* Plain key events still work beside them. */
	key(&c, XK_b);
	EXPECT(&f, { EV_KEY, KEY_B, 1 }, { EV_KEY, KEY_B, 0 });
	rfb_client_close(&c);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

static void test_pointer_position_buttons_and_wheel(void)
{
	struct vnc_fixture f;
	start(&f);
	struct rfb_client c;
	viewer(&f, &c, encodings, ARRAY_LEN(encodings));
	REQUIRE(rfb_client_pointer(&c, 0, 512, 384) == 0);
	EXPECT(&f, { EV_ABS, ABS_X, 512 }, { EV_ABS, ABS_Y, 384 });
	REQUIRE(rfb_client_pointer(&c, 1, 512, 384) == 0);
	REQUIRE(rfb_client_pointer(&c, 0, 512, 384) == 0);
	EXPECT(&f, { EV_KEY, BTN_LEFT, 1 }, { EV_KEY, BTN_LEFT, 0 });
	/* RFB's middle is bit 1 and right bit 2; the HID report's are the other way round. */
	REQUIRE(rfb_client_pointer(&c, 2, 512, 384) == 0);
	REQUIRE(rfb_client_pointer(&c, 0, 512, 384) == 0);
	REQUIRE(rfb_client_pointer(&c, 4, 512, 384) == 0);
	REQUIRE(rfb_client_pointer(&c, 0, 512, 384) == 0);
	EXPECT(&f, { EV_KEY, BTN_MIDDLE, 1 }, { EV_KEY, BTN_MIDDLE, 0 }, { EV_KEY, BTN_RIGHT, 1 },
		{ EV_KEY, BTN_RIGHT, 0 });
	/* A wheel step is a press and release of button 4 (up) or 5 (down). */
	REQUIRE(rfb_client_pointer(&c, 8, 512, 384) == 0);
	REQUIRE(rfb_client_pointer(&c, 0, 512, 384) == 0);
	REQUIRE(rfb_client_pointer(&c, 16, 512, 384) == 0);
	REQUIRE(rfb_client_pointer(&c, 0, 512, 384) == 0);
	EXPECT(&f, { EV_REL, REL_WHEEL, 1 }, { EV_REL, REL_WHEEL, -1 });
	/* The corners land exactly; beyond the screen is clamped to its edge. */
	REQUIRE(rfb_client_pointer(&c, 0, 0, 0) == 0);
	REQUIRE(rfb_client_pointer(&c, 0, 1023, 767) == 0);
	REQUIRE(rfb_client_pointer(&c, 0, 5000, 5000) == 0);
	REQUIRE(rfb_client_pointer(&c, 0, 1, 1) == 0);
	EXPECT(&f, { EV_ABS, ABS_X, 0 }, { EV_ABS, ABS_Y, 0 }, { EV_ABS, ABS_X, 1023 },
		{ EV_ABS, ABS_Y, 767 }, { EV_ABS, ABS_X, 1 }, { EV_ABS, ABS_Y, 1 });
	CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "pointer_events"), 15);
	rfb_client_close(&c);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

static void test_keys_and_buttons_released_when_a_viewer_leaves(void)
{
	struct vnc_fixture f;
	start(&f);
	struct rfb_client c;
	viewer(&f, &c, qemu_encodings, ARRAY_LEN(qemu_encodings));
	REQUIRE(rfb_client_qemu_key(&c, true, 0, 0x1d) == 0); // Ctrl, raw
	REQUIRE(rfb_client_key(&c, true, XK_b) == 0);
	REQUIRE(rfb_client_pointer(&c, 1, 10, 20) == 0);
	EXPECT(&f, { EV_KEY, KEY_LEFTCTRL, 1 }, { EV_KEY, KEY_B, 1 }, { EV_ABS, ABS_X, 10 },
		{ EV_ABS, ABS_Y, 20 }, { EV_KEY, BTN_LEFT, 1 });
	rfb_client_close(&c);
	/* In scan code order, then the button. */
	EXPECT(&f, { EV_KEY, KEY_LEFTCTRL, 0 }, { EV_KEY, KEY_B, 0 }, { EV_KEY, BTN_LEFT, 0 });
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

/* Half a key event from one viewer holds up nobody else; its other half completes it. */
static void test_half_sent_key_event_blocks_nobody(void)
{
	struct vnc_fixture f;
	start(&f);
	struct rfb_client slow, other;
	viewer(&f, &slow, encodings, ARRAY_LEN(encodings));
	viewer(&f, &other, encodings, ARRAY_LEN(encodings));
	const uint8_t down_c[8] = { 4, 1, 0, 0, 0, 0, 0, XK_c };
	REQUIRE(rfb_client_send(&slow, down_c, 5) == 0);
	key(&other, XK_d);
	EXPECT(&f, { EV_KEY, KEY_D, 1 }, { EV_KEY, KEY_D, 0 });
	REQUIRE(vnc_fixture_sync(&f, &other) == 0);
	CHECK_EQ_INT(vnc_fixture_diff(&f, &other, "other.png"), 0);
	REQUIRE(rfb_client_send(&slow, down_c + 5, 3) == 0);
	REQUIRE(rfb_client_key(&slow, false, XK_c) == 0);
	EXPECT(&f, { EV_KEY, KEY_C, 1 }, { EV_KEY, KEY_C, 0 });
	CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "dropped.protocol"), 0);
	rfb_client_close(&slow);
	rfb_client_close(&other);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

static const struct test_case cases[] = {
	TEST_CASE(test_keysyms_on_the_us_layout),
	TEST_CASE(test_raw_keycodes_of_the_qemu_extension),
	TEST_CASE(test_pointer_position_buttons_and_wheel),
	TEST_CASE(test_keys_and_buttons_released_when_a_viewer_leaves),
	TEST_CASE(test_half_sent_key_event_blocks_nobody),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
