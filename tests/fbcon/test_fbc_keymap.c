/*
 * Keyboard: evdev codes through xkbcommon to the bytes the child receives (keymap + terminal),
 * with modifiers, layouts, dead keys, cursor-key modes, scrollback keys and repeat flags.
 * Needs xkb-data (Debian's XKB layouts); skipped without it.
 */
#include <errno.h>
#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <unistd.h>

#include "fbc_keymap.h"
#include "fbc_term.h"
#include "fbc_test_util.h"
#include "macros.h"
#include "test.h"

struct kb {
	struct fbc_keymap *km;
	struct fbc_term *term;
	char out[256];
	size_t out_len;
};

static void collect(void *data, const char *bytes, size_t len)
{
	struct kb *kb = data;
	if (kb->out_len + len < sizeof(kb->out)) {
		memcpy(kb->out + kb->out_len, bytes, len);
		kb->out_len += len;
	}
}

static void kb_setup(struct kb *kb, const char *layout, const char *variant)
{
	if (access("/usr/share/X11/xkb/rules/evdev", R_OK) != 0)
		SKIP("xkb-data is not installed");
	/* Layouts come from the test, not from whoever runs it. */
	unsetenv("XKB_DEFAULT_LAYOUT");
	unsetenv("XKB_DEFAULT_VARIANT");
	unsetenv("XKB_DEFAULT_OPTIONS");
	setenv("LANG", "en_US.UTF-8", 1);
	struct fbc_keymap_config cfg = { .layout = layout, .variant = variant };
	REQUIRE(fbc_keymap_create(&kb->km, &cfg) == 0);
	struct fbc_term_config tc = { .rows = 4, .cols = 20, .scrollback_lines = 10 };
	REQUIRE(fbc_term_create(&kb->term, &tc) == 0);
	fbc_term_set_writer(kb->term, collect, kb);
}

static void kb_teardown(struct kb *kb)
{
	fbc_term_destroy(kb->term);
	fbc_keymap_destroy(kb->km);
}

/* Presses then releases code; returns the press's action and sends it to the terminal. */
static struct fbc_key_action tap(struct kb *kb, uint32_t code)
{
	struct fbc_key_action a, release;
	fbc_keymap_key(kb->km, code, true, &a);
	fbc_keymap_key(kb->km, code, false, &release);
	CHECK_EQ_INT(release.type, FBC_KEY_ACTION_NONE);
	if (a.type == FBC_KEY_ACTION_TEXT)
		fbc_term_send_text(kb->term, a.text, a.text_len);
	else if (a.type == FBC_KEY_ACTION_KEY)
		fbc_term_send_key(kb->term, a.key, a.mods);
	return a;
}

static void hold(struct kb *kb, uint32_t code, bool down)
{
	struct fbc_key_action a;
	fbc_keymap_key(kb->km, code, down, &a);
	CHECK_EQ_INT(a.type, FBC_KEY_ACTION_NONE);
}

static void expect_bytes(struct kb *kb, const char *want, size_t len)
{
	char got_s[512], want_s[512];
	fbct_escape_for_log((const uint8_t *)kb->out, kb->out_len, got_s, sizeof(got_s));
	fbct_escape_for_log((const uint8_t *)want, len, want_s, sizeof(want_s));
	CHECK_MSG(kb->out_len == len && memcmp(kb->out, want, len) == 0,
		"sent \"%s\", expected \"%s\"", got_s, want_s);
	kb->out_len = 0;
}

#define EXPECT(kb, lit) expect_bytes(kb, lit, sizeof(lit) - 1)

static void test_keymap_us_text_and_modifiers(void)
{
	struct kb kb = { 0 };
	kb_setup(&kb, "us", NULL);
	tap(&kb, KEY_A);
	EXPECT(&kb, "a");
	hold(&kb, KEY_LEFTSHIFT, true);
	tap(&kb, KEY_A);
	tap(&kb, KEY_1);
	hold(&kb, KEY_LEFTSHIFT, false);
	EXPECT(&kb, "A!");
	hold(&kb, KEY_LEFTCTRL, true);
	tap(&kb, KEY_C);
	tap(&kb, KEY_SPACE);
	tap(&kb, KEY_LEFTBRACE);
	hold(&kb, KEY_LEFTCTRL, false);
	EXPECT(&kb, "\x03\0\x1b");
	hold(&kb, KEY_LEFTALT, true);
	tap(&kb, KEY_X);
	hold(&kb, KEY_LEFTALT, false);
	EXPECT(&kb, "\x1bx");
	hold(&kb, KEY_CAPSLOCK, true);
	hold(&kb, KEY_CAPSLOCK, false);
	CHECK(fbc_keymap_leds(kb.km) & FBC_LED_CAPS);
	tap(&kb, KEY_B);
	EXPECT(&kb, "B");
	kb_teardown(&kb);
}

static void test_keymap_special_keys_follow_modes(void)
{
	struct kb kb = { 0 };
	kb_setup(&kb, "us", NULL);
	tap(&kb, KEY_UP);
	tap(&kb, KEY_ENTER);
	tap(&kb, KEY_BACKSPACE);
	tap(&kb, KEY_ESC);
	EXPECT(&kb, "\x1b[A\r\x7f\x1b");
	/* DECCKM from the child switches cursor keys to SS3. */
	fbc_term_feed(kb.term, "\x1b[?1h", 5);
	tap(&kb, KEY_UP);
	tap(&kb, KEY_LEFT);
	EXPECT(&kb, "\x1bOA\x1bOD");
	hold(&kb, KEY_LEFTCTRL, true);
	tap(&kb, KEY_RIGHT);
	hold(&kb, KEY_LEFTCTRL, false);
	EXPECT(&kb, "\x1b[1;5C");
	tap(&kb, KEY_F1);
	tap(&kb, KEY_F12);
	tap(&kb, KEY_DELETE);
	tap(&kb, KEY_HOME);
	EXPECT(&kb, "\x1bOP\x1b[24~\x1b[3~\x1bOH");
	kb_teardown(&kb);
}

static void test_keymap_shift_pageup_scrolls(void)
{
	struct kb kb = { 0 };
	kb_setup(&kb, "us", NULL);
	hold(&kb, KEY_LEFTSHIFT, true);
	struct fbc_key_action a = tap(&kb, KEY_PAGEUP);
	CHECK_EQ_INT(a.type, FBC_KEY_ACTION_SCROLL);
	CHECK_EQ_INT(a.scroll_pages, 1);
	a = tap(&kb, KEY_PAGEDOWN);
	CHECK_EQ_INT(a.type, FBC_KEY_ACTION_SCROLL);
	CHECK_EQ_INT(a.scroll_pages, -1);
	hold(&kb, KEY_LEFTSHIFT, false);
	EXPECT(&kb, "");
	a = tap(&kb, KEY_PAGEUP);
	CHECK_EQ_INT(a.type, FBC_KEY_ACTION_KEY);
	EXPECT(&kb, "\x1b[5~");
	kb_teardown(&kb);
}

static void test_keymap_layout_and_dead_keys(void)
{
	struct kb kb = { 0 };
	kb_setup(&kb, "de", NULL);
	tap(&kb, KEY_Y);
	tap(&kb, KEY_Z);
	EXPECT(&kb, "zy");
	/* On German keyboards the key left of backspace is a dead acute: then e is é. */
	if (access("/usr/share/X11/locale/en_US.UTF-8/Compose", R_OK) == 0) {
		struct fbc_key_action a = tap(&kb, KEY_EQUAL);
		CHECK_EQ_INT(a.type, FBC_KEY_ACTION_NONE);
		tap(&kb, KEY_E);
		EXPECT(&kb, "\xc3\xa9");
	} else {
		NOTE("no en_US.UTF-8 Compose table (libx11-data): dead keys not checked");
	}
	kb_teardown(&kb);
	struct kb fr = { 0 };
	kb_setup(&fr, "fr", NULL);
	tap(&fr, KEY_Q);
	EXPECT(&fr, "a");
	kb_teardown(&fr);
}

static void test_keymap_repeat_flags(void)
{
	struct kb kb = { 0 };
	kb_setup(&kb, "us", NULL);
	struct fbc_key_action a;
	fbc_keymap_key(kb.km, KEY_J, true, &a);
	CHECK(a.repeats);
	struct fbc_key_action again;
	fbc_keymap_repeat(kb.km, KEY_J, &again);
	CHECK_EQ_INT(again.type, FBC_KEY_ACTION_TEXT);
	CHECK(again.text_len == 1 && again.text[0] == 'j');
	fbc_keymap_key(kb.km, KEY_J, false, &a);
	fbc_keymap_key(kb.km, KEY_LEFTSHIFT, true, &a);
	CHECK(!a.repeats);
	fbc_keymap_key(kb.km, KEY_LEFTSHIFT, false, &a);
	int delay, interval;
	fbc_keymap_repeat_timing(kb.km, &delay, &interval);
	CHECK_EQ_INT(delay, FBC_KEYMAP_DEFAULT_DELAY_MS);
	CHECK_EQ_INT(interval, FBC_KEYMAP_DEFAULT_INTERVAL_MS);
	kb_teardown(&kb);
}

static void test_keymap_bad_layout_is_an_error(void)
{
	if (access("/usr/share/X11/xkb/rules/evdev", R_OK) != 0)
		SKIP("xkb-data is not installed");
	struct fbc_keymap *km = NULL;
	struct fbc_keymap_config cfg = { .layout = "no-such-layout-xx" };
	CHECK_EQ_INT(fbc_keymap_create(&km, &cfg), -EINVAL);
	CHECK(km == NULL);
}

static const struct test_case cases[] = {
	TEST_CASE(test_keymap_us_text_and_modifiers),
	TEST_CASE(test_keymap_special_keys_follow_modes),
	TEST_CASE(test_keymap_shift_pageup_scrolls),
	TEST_CASE(test_keymap_layout_and_dead_keys),
	TEST_CASE(test_keymap_repeat_flags),
	TEST_CASE(test_keymap_bad_layout_is_an_error),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
