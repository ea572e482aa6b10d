/*
 * The input drivers end to end: the real hvhost started through the harness, driven with the
 * monitor's `key`, `type`, `mouse`, `rescind` and `reoffer` (vmbus-emu.md §6), and the guest's
 * lib hvi reading what arrives. Every key of the name table goes from its monitor name to the
 * guest's evdev code; printable ASCII types as the US layout says; pixels come back as pixels.
 */
#define LOG_MODULE "test"
#include <errno.h>
#include <json-c/json.h>

#include "hvhost_harness.h"
#include "hvi.h"
#include "hvi_keycodes.h"
#include "hvi_scancode.h"
#include "input_host.h"
#include "macros.h"
#include "svd.h"
#include "test.h"
#include "vmb.h"

struct fixture {
	struct hvhost_harness *h;
	struct vmb_bus *bus;
	struct hvi_device *kbd, *mouse;
	struct hvi_record *rec;
};

static void setup_with(struct fixture *f, const char *const *args)
{
	*f = (struct fixture){ 0 };
	int ret = hvhost_harness_start(&f->h, args);
	if (ret == -ENOENT)
		SKIP("HVHOST is not set (run through meson test)");
	REQUIRE(ret == 0);
	const struct vmb_bus_options opts = { .socket_path = hvhost_harness_vmbus_path(f->h) };
	REQUIRE(vmb_bus_connect_emu(&f->bus, &opts) == 0);
	REQUIRE(hvi_keyboard_create(&f->kbd, f->bus, NULL) == 0);
	REQUIRE(hvi_mouse_create(&f->mouse, f->bus, NULL) == 0);
	REQUIRE(hvi_record_create(&f->rec, NULL) == 0);
}

static void setup(struct fixture *f)
{
	setup_with(f, (const char *[]){ "--no-video", NULL });
}

static void teardown(struct fixture *f)
{
	hvi_device_destroy(f->kbd);
	hvi_device_destroy(f->mouse);
	vmb_bus_destroy(f->bus);
	hvi_record_destroy(f->rec);
	if (f->h)
		CHECK_EQ_INT(hvhost_harness_stop(f->h), 0);
	hvhost_harness_destroy(f->h);
}

static bool reply_ok(struct json_object *reply)
{
	struct json_object *ok = NULL;
	return reply && json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok);
}

/* Sends {"cmd": cmd, key: value} (value a string) and returns whether it succeeded. */
static bool cmd_str(struct fixture *f, const char *cmd, const char *key, const char *value)
{
	struct json_object *req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	json_object_object_add(req, key, json_object_new_string(value));
	struct json_object *reply = hvhost_harness_cmd(
		f->h, json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	bool ok = reply_ok(reply);
	if (!ok)
		NOTE("%s %s: %s", cmd, value, reply ? json_object_to_json_string(reply) : "(none)");
	json_object_put(reply);
	json_object_put(req);
	return ok;
}

static bool cmd_line(struct fixture *f, const char *line)
{
	struct json_object *reply = hvhost_harness_cmd(f->h, line);
	bool ok = reply_ok(reply);
	if (!ok)
		NOTE("%s: %s", line, reply ? json_object_to_json_string(reply) : "(none)");
	json_object_put(reply);
	return ok;
}

static void expect(struct fixture *f, struct hvi_device *dev, size_t n, const char *expected)
{
	hvi_record_clear(f->rec);
	CHECK(ih_collect(f->bus, dev, f->rec, n));
	CHECK_MSG(strcmp(hvi_record_text(f->rec), expected) == 0, "events:\n%s\nexpected:\n%s",
		hvi_record_text(f->rec), expected);
}

/* "EV_KEY KEY_<NAME> <value>\nEV_SYN SYN_REPORT 0\n" appended to buf. */
static void add_key(char *buf, size_t len, const char *name, int value)
{
	char upper[32];
	size_t i = 0;
	for (; name[i] && i < sizeof(upper) - 1; i++)
		upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
	upper[i] = '\0';
	size_t used = strlen(buf);
	snprintf(buf + used, len - used, "EV_KEY KEY_%s %d\nEV_SYN SYN_REPORT 0\n", upper, value);
}

/* ---- keyboard ---- */

static void test_every_key_round_trips(void)
{
	struct fixture f;
	setup(&f);
	unsigned keys = 0;
	for (uint16_t key = 1; key <= KEY_MAX; key++) {
		const char *name = hvi_key_to_name(key);
		if (!name)
			continue;
		keys++;
		REQUIRE(cmd_str(&f, "key", "keys", name));
		char expected[160] = "";
		add_key(expected, sizeof(expected), name, 1);
		add_key(expected, sizeof(expected), name, 0);
		expect(&f, f.kbd, 4, expected);
	}
	NOTE("%u keys round-tripped", keys);
	CHECK_EQ_INT(keys, 104 + 21 + 1); // the set-1 tables and Pause
	teardown(&f);
}

static void test_combinations_and_aliases(void)
{
	static const struct {
		const char *keys;
		const char *names[4];
	} combos[] = {
		{ "ctrl+alt+f2", { "leftctrl", "leftalt", "f2" } },
		{ "shift+pageup", { "leftshift", "pageup" } },
		{ "super+rightalt+kpenter", { "leftmeta", "rightalt", "kpenter" } },
		{ "RightCtrl+Pause", { "rightctrl", "pause" } },
		{ "shift+sysrq", { "leftshift", "sysrq" } },
		{ "enter", { "enter" } },
	};
	struct fixture f;
	setup(&f);
	for (size_t i = 0; i < ARRAY_LEN(combos); i++) {
		REQUIRE(cmd_str(&f, "key", "keys", combos[i].keys));
		char expected[512] = "";
		size_t n = 0;
		while (n < 4 && combos[i].names[n])
			add_key(expected, sizeof(expected), combos[i].names[n++], 1);
		for (size_t k = n; k-- > 0;)
			add_key(expected, sizeof(expected), combos[i].names[k], 0);
		expect(&f, f.kbd, 4 * n, expected);
	}
	teardown(&f);
}

/* US layout, written out independently of hvi_key_from_ascii(): '+' means with Shift. */
static const char *const us_layout[95] = {
	"space",
	"+1",
	"+apostrophe",
	"+3",
	"+4",
	"+5",
	"+7",
	"apostrophe",
	"+9",
	"+0",
	"+8",
	"+equal",
	"comma",
	"minus",
	"dot",
	"slash",
	"0",
	"1",
	"2",
	"3",
	"4",
	"5",
	"6",
	"7",
	"8",
	"9",
	"+semicolon",
	"semicolon",
	"+comma",
	"equal",
	"+dot",
	"+slash",
	"+2",
	"+a",
	"+b",
	"+c",
	"+d",
	"+e",
	"+f",
	"+g",
	"+h",
	"+i",
	"+j",
	"+k",
	"+l",
	"+m",
	"+n",
	"+o",
	"+p",
	"+q",
	"+r",
	"+s",
	"+t",
	"+u",
	"+v",
	"+w",
	"+x",
	"+y",
	"+z",
	"leftbrace",
	"backslash",
	"rightbrace",
	"+6",
	"+minus",
	"grave",
	"a",
	"b",
	"c",
	"d",
	"e",
	"f",
	"g",
	"h",
	"i",
	"j",
	"k",
	"l",
	"m",
	"n",
	"o",
	"p",
	"q",
	"r",
	"s",
	"t",
	"u",
	"v",
	"w",
	"x",
	"y",
	"z",
	"+leftbrace",
	"+backslash",
	"+rightbrace",
	"+grave",
};

static size_t expect_char(char *buf, size_t len, const char *entry)
{
	bool shift = entry[0] == '+';
	const char *name = entry + shift;
	if (shift)
		add_key(buf, len, "leftshift", 1);
	add_key(buf, len, name, 1);
	add_key(buf, len, name, 0);
	if (shift)
		add_key(buf, len, "leftshift", 0);
	return shift ? 8 : 4;
}

static void test_type_printable_ascii(void)
{
	struct fixture f;
	setup(&f);
	char text[128];
	size_t len = 0;
	for (int c = 32; c <= 126; c++)
		text[len++] = (char)c;
	text[len++] = '\n';
	text[len++] = '\t';
	text[len] = '\0';
	static char expected[64 * 1024];
	expected[0] = '\0';
	size_t n = 0;
	for (int c = 32; c <= 126; c++)
		n += expect_char(expected, sizeof(expected), us_layout[c - 32]);
	n += expect_char(expected, sizeof(expected), "enter");
	n += expect_char(expected, sizeof(expected), "tab");
	REQUIRE(cmd_str(&f, "type", "text", text));
	expect(&f, f.kbd, n, expected);
	NOTE("%zu events for %zu characters", n, len);
	teardown(&f);
}

static void test_bad_requests_send_nothing(void)
{
	struct fixture f;
	setup(&f);
	CHECK(!cmd_str(&f, "type", "text", "abc\xc3\xa9"));
	CHECK(!cmd_str(&f, "type", "text", "a\rb"));
	CHECK(!cmd_str(&f, "key", "keys", "ctrl+bogus"));
	CHECK(!cmd_str(&f, "key", "keys", "ctrl++a"));
	CHECK(!cmd_str(&f, "key", "keys", "a+a"));
	CHECK(!cmd_str(&f, "key", "keys", ""));
	CHECK(!cmd_line(&f, "{\"cmd\":\"mouse\",\"x\":1024,\"y\":0}"));
	CHECK(!cmd_line(&f, "{\"cmd\":\"mouse\",\"x\":0,\"y\":768}"));
	CHECK(!cmd_line(&f, "{\"cmd\":\"mouse\",\"x\":-1,\"y\":0}"));
	CHECK(!cmd_line(&f, "{\"cmd\":\"mouse\",\"x\":0,\"y\":0,\"wheel\":40000}"));
	/* Nothing arrived: the next key is the first event. */
	REQUIRE(cmd_str(&f, "key", "keys", "x"));
	expect(&f, f.kbd, 4,
		"EV_KEY KEY_X 1\nEV_SYN SYN_REPORT 0\nEV_KEY KEY_X 0\nEV_SYN SYN_REPORT 0\n");
	hvi_record_clear(f.rec);
	CHECK(ih_collect(f.bus, f.mouse, f.rec, 0));
	CHECK_EQ_INT(strlen(hvi_record_text(f.rec)), 0);
	teardown(&f);
}

/* `rescind` and `reoffer` from the monitor: the guest reopens and keys flow again. */
static void test_rescind_and_reoffer(void)
{
	struct fixture f;
	setup(&f);
	REQUIRE(cmd_line(&f, "{\"cmd\":\"rescind\",\"device\":\"keyboard\"}"));
	hvi_record_clear(f.rec);
	CHECK(ih_collect(f.bus, f.kbd, f.rec, 0));
	CHECK(!hvi_device_is_ready(f.kbd));
	CHECK(!cmd_str(&f, "key", "keys", "a")); // not ready: an error, not a silent loss
	REQUIRE(cmd_line(&f, "{\"cmd\":\"reoffer\",\"device\":\"keyboard\"}"));
	REQUIRE(ih_wait_ready(f.bus, f.kbd, f.rec));
	REQUIRE(cmd_line(&f, "{\"cmd\":\"wait\",\"what\":\"device\",\"device\":\"keyboard\"}"));
	REQUIRE(cmd_str(&f, "key", "keys", "b"));
	expect(&f, f.kbd, 4,
		"EV_KEY KEY_B 1\nEV_SYN SYN_REPORT 0\nEV_KEY KEY_B 0\nEV_SYN SYN_REPORT 0\n");
	teardown(&f);
}

/* ---- mouse ---- */

static void mouse_at(struct fixture *f, int x, int y, int buttons, int wheel)
{
	char line[128];
	snprintf(line, sizeof(line),
		"{\"cmd\":\"mouse\",\"x\":%d,\"y\":%d,\"buttons\":%d,\"wheel\":%d}", x, y, buttons,
		wheel);
	REQUIRE(cmd_line(f, line));
}

static void test_mouse_pixels_buttons_wheel(void)
{
	struct fixture f;
	setup(&f);
	REQUIRE(hvi_device_set_screen(f.mouse, 1024, 768) == 0);
	mouse_at(&f, 0, 0, 0, 0);
	expect(&f, f.mouse, 3, "EV_ABS ABS_X 0\nEV_ABS ABS_Y 0\nEV_SYN SYN_REPORT 0\n");
	mouse_at(&f, 1023, 767, 1, 0);
	expect(&f, f.mouse, 4,
		"EV_ABS ABS_X 1023\nEV_ABS ABS_Y 767\nEV_KEY BTN_LEFT 1\nEV_SYN SYN_REPORT 0\n");
	mouse_at(&f, 512, 384, 6, -1);
	expect(&f, f.mouse, 7,
		"EV_ABS ABS_X 512\nEV_ABS ABS_Y 384\nEV_KEY BTN_LEFT 0\nEV_KEY BTN_RIGHT 1\n"
		"EV_KEY BTN_MIDDLE 1\nEV_REL REL_WHEEL -1\nEV_SYN SYN_REPORT 0\n");
	mouse_at(&f, 512, 384, 24, 2);
	expect(&f, f.mouse, 6,
		"EV_KEY BTN_RIGHT 0\nEV_KEY BTN_MIDDLE 0\nEV_KEY BTN_SIDE 1\nEV_KEY BTN_EXTRA 1\n"
		"EV_REL REL_WHEEL 2\nEV_SYN SYN_REPORT 0\n");
	/* Every pixel of a row and a column comes back as itself. */
	for (int x = 1; x < 1024; x += 3) {
		mouse_at(&f, x, x % 768, 24, 0);
		char expected[96];
		snprintf(expected, sizeof(expected),
			"EV_ABS ABS_X %d\nEV_ABS ABS_Y %d\nEV_SYN SYN_REPORT 0\n", x, x % 768);
		expect(&f, f.mouse, 3, expected);
	}
	/* Without a screen: the report's own 0..32767. */
	REQUIRE(hvi_device_set_screen(f.mouse, 0, 0) == 0);
	mouse_at(&f, 1023, 0, 24, 0);
	expect(&f, f.mouse, 3, "EV_ABS ABS_X 32767\nEV_ABS ABS_Y 0\nEV_SYN SYN_REPORT 0\n");
	teardown(&f);
}

/* `mouse` takes pixels of the mode the guest set on the video device, not a fixed size. */
static void test_mouse_follows_the_guest_mode(void)
{
	struct fixture f;
	setup_with(&f, NULL);
	struct svd_device *svd = NULL;
	REQUIRE(svd_device_create(&svd, f.bus, NULL) == 0);
	struct svd_fb *fb = NULL;
	REQUIRE(svd_fb_create(&fb, svd, 800, 600, SVD_FORMAT_XRGB8888, 800 * 4, 0, NULL) == 0);
	const struct svd_atomic_state st = {
		.active = true,
		.mode = { 800, 600, false },
		.primary_fb = fb,
	};
	REQUIRE(svd_atomic_commit(svd, &st) == 0);
	REQUIRE(cmd_line(&f, "{\"cmd\":\"wait\",\"what\":\"mode\",\"width\":800,\"height\":600}"));
	REQUIRE(hvi_device_set_screen(f.mouse, 800, 600) == 0);
	mouse_at(&f, 799, 599, 0, 0);
	expect(&f, f.mouse, 3, "EV_ABS ABS_X 799\nEV_ABS ABS_Y 599\nEV_SYN SYN_REPORT 0\n");
	CHECK(!cmd_line(&f, "{\"cmd\":\"mouse\",\"x\":800,\"y\":0}"));
	svd_fb_unref(fb);
	svd_device_destroy(svd);
	teardown(&f);
}

/* The guest's LEDs reach the host (stats shows the last SET_LED_INDICATORS). */
static void test_leds_reach_the_host(void)
{
	struct fixture f;
	setup(&f);
	REQUIRE(hvi_device_set_leds(f.kbd, 1u << HVI_LED_CAPSL | 1u << HVI_LED_NUML) == 0);
	/* The host reads the ring when it is signalled; stats round trips give it that chance,
	 * bounded so a lost message fails instead of hanging. */
	int64_t leds = -1;
	for (int i = 0; i < 1000 && leds != 6; i++) {
		struct json_object *stats = hvhost_harness_cmd(f.h, "{\"cmd\":\"stats\"}");
		struct json_object *kbd = NULL, *val = NULL;
		if (json_object_object_get_ex(stats, "keyboard", &kbd) &&
			json_object_object_get_ex(kbd, "leds", &val))
			leds = json_object_get_int64(val);
		json_object_put(stats);
	}
	CHECK_EQ_INT(leds, 6); // Num 0x2 | Caps 0x4
	teardown(&f);
}

static const struct test_case cases[] = {
	TEST_CASE(test_every_key_round_trips),
	TEST_CASE(test_combinations_and_aliases),
	TEST_CASE(test_type_printable_ascii),
	TEST_CASE(test_bad_requests_send_nothing),
	TEST_CASE(test_rescind_and_reoffer),
	TEST_CASE(test_mouse_pixels_buttons_wheel),
	TEST_CASE(test_mouse_follows_the_guest_mode),
	TEST_CASE(test_leds_reach_the_host),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
