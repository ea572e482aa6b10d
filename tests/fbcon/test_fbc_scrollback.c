/*
 * Scrollback as a user meets it: at least 10,000 lines kept, Shift+PgUp/PgDn (through the real
 * keymap) and the mouse wheel move the view, typing returns to the live screen, the alternate
 * screen leaves the history alone.
 */
#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <unistd.h>

#include "fbc_console.h"
#include "fbc_fake_font.h"
#include "fbc_font.h"
#include "fbc_keymap.h"
#include "fbc_term.h"
#include "fbc_test_util.h"
#include "macros.h"
#include "test.h"

#define COLS 20
#define ROWS 8

struct fixture {
	pixman_image_t *image;
	struct fbc_font *font;
	struct fbc_console *con;
	struct fbc_term *term;
};

static void setup(struct fixture *f)
{
	f->image = pixman_image_create_bits(
		PIXMAN_x8r8g8b8, COLS * FBCT_FAKE_CELL_W, ROWS * FBCT_FAKE_CELL_H, NULL, 0);
	f->font = fbct_fake_font_create();
	REQUIRE(f->image && f->font);
	/* scrollback_lines 0: the default, which must be at least 10,000. */
	struct fbc_console_config cfg = { .font = f->font };
	struct fbc_surface s = { .image = f->image };
	REQUIRE(fbc_console_create(&f->con, &cfg, &s) == 0);
	f->term = fbc_console_term(f->con);
}

static void teardown(struct fixture *f)
{
	fbc_console_destroy(f->con);
	fbc_font_destroy(f->font);
	pixman_image_unref(f->image);
}

/* Lines "line 1" .. "line n", then the cursor on an empty last row. */
static void feed_lines(struct fixture *f, int n)
{
	char buf[64];
	for (int i = 1; i <= n; i++) {
		int len = snprintf(buf, sizeof(buf), "line %d\r\n", i);
		fbc_console_feed(f->con, buf, (size_t)len);
	}
}

static void check_row(struct fixture *f, int row, const char *want)
{
	char got[256];
	fbct_row_text(f->term, row, got, sizeof(got));
	CHECK_MSG(strcmp(got, want) == 0, "row %d is \"%s\", expected \"%s\"", row, got, want);
}

static void test_scrollback_keeps_ten_thousand_lines(void)
{
	struct fixture f = { 0 };
	setup(&f);
	feed_lines(&f, 12000);
	/* 12000 lines and the cursor's empty row: 11993 scrolled off, the newest 10000 kept. */
	CHECK_EQ_INT(fbc_term_scrollback_count(f.term), FBC_TERM_DEFAULT_SCROLLBACK);
	CHECK(FBC_TERM_DEFAULT_SCROLLBACK >= 10000);
	fbc_term_view_scroll(f.term, 1000000);
	CHECK_EQ_INT(fbc_term_view_offset(f.term), 10000);
	check_row(&f, 0, "line 1994");
	check_row(&f, ROWS - 1, "line 2001");
	teardown(&f);
}

static void key(struct fixture *f, struct fbc_keymap *km, uint32_t code, bool down)
{
	struct fbc_key_action a;
	fbc_keymap_key(km, code, down, &a);
	fbc_console_key(f->con, &a, 0);
}

static void test_scrollback_shift_pageup_shows_old_lines(void)
{
	if (access("/usr/share/X11/xkb/rules/evdev", R_OK) != 0)
		SKIP("xkb-data is not installed");
	struct fixture f = { 0 };
	setup(&f);
	struct fbc_keymap *km;
	struct fbc_keymap_config kc = { .layout = "us" };
	REQUIRE(fbc_keymap_create(&km, &kc) == 0);
	feed_lines(&f, 100);
	check_row(&f, 0, "line 94");
	key(&f, km, KEY_LEFTSHIFT, true);
	key(&f, km, KEY_PAGEUP, true);
	key(&f, km, KEY_PAGEUP, false);
	CHECK_EQ_INT(fbc_term_view_offset(f.term), ROWS);
	check_row(&f, 0, "line 86");
	check_row(&f, ROWS - 1, "line 93");
	key(&f, km, KEY_PAGEUP, true);
	key(&f, km, KEY_PAGEUP, false);
	check_row(&f, 0, "line 78");
	key(&f, km, KEY_PAGEDOWN, true);
	key(&f, km, KEY_PAGEDOWN, false);
	check_row(&f, 0, "line 86");
	key(&f, km, KEY_LEFTSHIFT, false);
	/* The view shows the history, not the cursor. */
	struct fbc_cursor cur;
	fbc_term_cursor(f.term, &cur);
	CHECK(!cur.visible);
	/* Typing returns to the live screen. */
	key(&f, km, KEY_A, true);
	key(&f, km, KEY_A, false);
	CHECK_EQ_INT(fbc_term_view_offset(f.term), 0);
	check_row(&f, 0, "line 94");
	fbc_keymap_destroy(km);
	teardown(&f);
}

static void test_scrollback_mouse_wheel(void)
{
	struct fixture f = { 0 };
	setup(&f);
	feed_lines(&f, 50);
	fbc_console_pointer_axis(f.con, -2);
	CHECK_EQ_INT(fbc_term_view_offset(f.term), 6);
	check_row(&f, 0, "line 38");
	fbc_console_pointer_axis(f.con, 1);
	CHECK_EQ_INT(fbc_term_view_offset(f.term), 3);
	fbc_console_pointer_axis(f.con, 5);
	CHECK_EQ_INT(fbc_term_view_offset(f.term), 0);
	/* On the alternate screen the wheel goes to the application, never to the history. */
	fbc_console_feed(f.con, "\x1b[?1049h", 8);
	fbc_console_pointer_axis(f.con, -2);
	CHECK_EQ_INT(fbc_term_view_offset(f.term), 0);
	teardown(&f);
}

static void test_scrollback_output_while_scrolled_back(void)
{
	struct fixture f = { 0 };
	setup(&f);
	feed_lines(&f, 30);
	fbc_term_view_scroll(f.term, 5);
	check_row(&f, 0, "line 19");
	feed_lines(&f, 3);
	check_row(&f, 0, "line 19");
	CHECK_EQ_INT(fbc_term_view_offset(f.term), 8);
	teardown(&f);
}

static void test_scrollback_untouched_by_alternate_screen(void)
{
	struct fixture f = { 0 };
	setup(&f);
	feed_lines(&f, 20);
	size_t before = fbc_term_scrollback_count(f.term);
	fbc_console_feed(f.con, "\x1b[?1049h", 8);
	feed_lines(&f, 50);
	fbc_console_feed(f.con, "\x1b[?1049l", 8);
	CHECK_EQ_INT(fbc_term_scrollback_count(f.term), before);
	check_row(&f, 0, "line 14");
	teardown(&f);
}

static const struct test_case cases[] = {
	TEST_CASE(test_scrollback_keeps_ten_thousand_lines),
	TEST_CASE(test_scrollback_shift_pageup_shows_old_lines),
	TEST_CASE(test_scrollback_mouse_wheel),
	TEST_CASE(test_scrollback_output_while_scrolled_back),
	TEST_CASE(test_scrollback_untouched_by_alternate_screen),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
