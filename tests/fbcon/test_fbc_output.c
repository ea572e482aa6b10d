/*
 * The console on a shim surface (fbc_output) over the headless output, on a stepped clock: what
 * reaches the output is exactly the changed cells (a typed letter two, a blink one), at most one
 * render per frame whatever the flood, nothing while idle, and a mode change that the grid, the
 * child's window size and the picture all follow.
 *
 * Stub font (8x16 cells) on an 80x48 output: 10 columns, 3 rows.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fbc_console.h"
#include "fbc_fake_font.h"
#include "fbc_font.h"
#include "fbc_output.h"
#include "fbc_term.h"
#include "fbc_test_util.h"
#include "macros.h"
#include "shim.h"
#include "test.h"

#define W 80
#define H 48
#define CW FBCT_FAKE_CELL_W
#define CH FBCT_FAKE_CELL_H
#define FRAME_NS 16666667LL

struct fixture {
	int64_t now_ns;
	struct shim_clock clock;
	struct shim_output *headless; // owned by the shim
	struct shim *shim;
	struct fbc_output *output;
	struct fbc_font *font;
	struct fbc_console *con;
};

static int64_t clock_now(void *data)
{
	return *(int64_t *)data;
}

static int64_t now_ms(const struct fixture *f)
{
	return f->now_ns / 1000000;
}

static void setup(struct fixture *f, int blink_ms)
{
	*f = (struct fixture){ .now_ns = 1000000000 };
	f->clock = (struct shim_clock){ clock_now, &f->now_ns };
	REQUIRE(shim_output_headless_create(&f->headless,
			&(struct shim_headless_options){ .width = W, .height = H }) == 0);
	REQUIRE(shim_create(&f->shim, f->headless, &(struct shim_options){ .clock = &f->clock }) ==
		0);
	REQUIRE(fbc_output_create(&f->output, f->shim) == 0);
	f->font = fbct_fake_font_create();
	REQUIRE(f->font);
	struct fbc_surface s;
	fbc_output_get_surface(f->output, &s);
	const struct fbc_console_config cfg = { .font = f->font, .blink_ms = blink_ms };
	REQUIRE(fbc_console_create(&f->con, &cfg, &s) == 0);
	fbc_output_set_console(f->output, f->con);
}

static void teardown(struct fixture *f)
{
	fbc_console_destroy(f->con);
	fbc_output_destroy(f->output);
	shim_destroy(f->shim);
	fbc_font_destroy(f->font);
}

/* Lets the shim make the frame that is due and report it shown. */
static void frame(struct fixture *f)
{
	f->now_ns += FRAME_NS;
	for (int i = 0; i < 4; i++)
		shim_dispatch(f->shim);
}

static uint64_t commits(struct fixture *f)
{
	return shim_output_headless_commit_count(f->headless);
}

/* The damage of the output's last commit equals the union of the given cell rectangles
 * (column, row, columns, rows). */
static bool last_damage_is(struct fixture *f, const int (*cells)[4], int n)
{
	pixman_region32_t got, want;
	pixman_region32_init(&got);
	pixman_region32_init(&want);
	for (int i = 0; i < n; i++)
		pixman_region32_union_rect(&want, &want, cells[i][0] * CW, cells[i][1] * CH,
			(unsigned)(cells[i][2] * CW), (unsigned)(cells[i][3] * CH));
	shim_output_headless_get_last_damage(f->headless, &got);
	bool same = pixman_region32_equal(&got, &want);
	if (!same) {
		pixman_box32_t *e = pixman_region32_extents(&got);
		NOTE("damage extents %d,%d-%d,%d in %d rects", e->x1, e->y1, e->x2, e->y2,
			pixman_region32_n_rects(&got));
	}
	pixman_region32_fini(&got);
	pixman_region32_fini(&want);
	return same;
}

/* What the output shows equals what the console drew. */
static bool output_shows_console(struct fixture *f)
{
	pixman_image_t *front = shim_output_headless_get_front(f->headless);
	struct fbc_surface s;
	fbc_output_get_surface(f->output, &s);
	int w = pixman_image_get_width(s.image), h = pixman_image_get_height(s.image);
	if (!front || pixman_image_get_width(front) != w || pixman_image_get_height(front) != h)
		return false;
	for (int y = 0; y < h; y++) {
		const uint32_t *a =
			pixman_image_get_data(front) + y * pixman_image_get_stride(front) / 4;
		const uint32_t *b =
			pixman_image_get_data(s.image) + y * pixman_image_get_stride(s.image) / 4;
		for (int x = 0; x < w; x++)
			if ((a[x] ^ b[x]) & 0xffffff)
				return false;
	}
	return true;
}

static void first_frame(struct fixture *f)
{
	CHECK(fbc_output_update(f->output, now_ms(f)) == 30);
	frame(f);
	CHECK_EQ_INT(commits(f), 1);
	CHECK(!fbc_output_frame_pending(f->output));
	CHECK(output_shows_console(f));
}

static void test_output_typed_letter_is_two_cells(void)
{
	struct fixture f;
	setup(&f, -1);
	first_frame(&f);
	fbc_console_feed(f.con, "a", 1);
	CHECK_EQ_INT(fbc_output_update(f.output, now_ms(&f)), 2);
	frame(&f);
	CHECK_EQ_INT(commits(&f), 2);
	CHECK(last_damage_is(&f, (const int[][4]){ { 0, 0, 2, 1 } }, 1));
	CHECK(output_shows_console(&f));
	teardown(&f);
}

static void test_output_blink_is_one_cell(void)
{
	struct fixture f;
	setup(&f, 500);
	first_frame(&f);
	fbc_console_feed(f.con, "\033[2;4H", 6);
	fbc_output_update(f.output, now_ms(&f));
	frame(&f);
	int64_t t = fbc_output_next_timeout(f.output, now_ms(&f));
	CHECK(t > 0 && t <= 500);
	f.now_ns += t * 1000000;
	CHECK_EQ_INT(fbc_output_update(f.output, now_ms(&f)), 1);
	frame(&f);
	CHECK(last_damage_is(&f, (const int[][4]){ { 3, 1, 1, 1 } }, 1));
	CHECK(output_shows_console(&f));
	teardown(&f);
}

static void test_output_idle_draws_nothing(void)
{
	struct fixture f;
	setup(&f, -1);
	first_frame(&f);
	CHECK_EQ_INT(fbc_output_next_timeout(f.output, now_ms(&f)), -1);
	CHECK_EQ_INT(fbc_output_update(f.output, now_ms(&f)), 0);
	frame(&f);
	frame(&f);
	CHECK_EQ_INT(commits(&f), 1);
	CHECK_EQ_INT(shim_get_timeout_ms(f.shim), -1);
	teardown(&f);
}

static void test_output_flood_draws_once_per_frame(void)
{
	struct fixture f;
	setup(&f, -1);
	first_frame(&f);
	fbc_console_feed(f.con, "x", 1);
	CHECK_EQ_INT(fbc_output_update(f.output, now_ms(&f)), 2);
	CHECK(fbc_output_frame_pending(f.output));
	/* Output keeps coming while that frame is in flight: parsed, not drawn. */
	char line[16];
	for (int i = 0; i < 500; i++) {
		int n = snprintf(line, sizeof(line), "\r\nline %d", i);
		fbc_console_feed(f.con, line, (size_t)n);
		CHECK_EQ_INT(fbc_output_update(f.output, now_ms(&f)), 0);
	}
	struct fbc_output_stats st;
	fbc_output_get_stats(f.output, &st);
	CHECK_EQ_INT(st.renders, 2);
	CHECK_EQ_INT(st.commits, 2);
	frame(&f);
	CHECK(!fbc_output_frame_pending(f.output));
	/* The next frame shows where the flood ended, in one render. */
	CHECK(fbc_output_update(f.output, now_ms(&f)) > 0);
	frame(&f);
	fbc_output_get_stats(f.output, &st);
	CHECK_EQ_INT(st.renders, 3);
	CHECK_EQ_INT(commits(&f), 3);
	char text[32];
	fbct_row_text(fbc_console_term(f.con), 2, text, sizeof(text));
	CHECK(strcmp(text, "line 499") == 0);
	CHECK(output_shows_console(&f));
	teardown(&f);
}

/* Reads the child's output until screen row `row` says want (bounded: the pty's poll). */
static bool wait_row(struct fixture *f, int row, const char *want)
{
	char text[64] = "";
	for (int i = 0; i < 200; i++) {
		fbct_row_text(fbc_console_term(f->con), row, text, sizeof(text));
		if (strcmp(text, want) == 0)
			return true;
		struct pollfd p = { .fd = fbc_console_pty_fd(f->con), .events = POLLIN };
		if (poll(&p, 1, 10000) != 1)
			break;
		if (fbc_console_read_pty(f->con) == FBC_CONSOLE_IO_HANGUP)
			break;
	}
	NOTE("row %d is \"%s\", not \"%s\"", row, text, want);
	return false;
}

static void test_output_follows_a_mode_change(void)
{
	struct fixture f;
	setup(&f, -1);
	char *argv[] = { "/bin/sh", "-c", "read x; stty size; exec cat", NULL };
	REQUIRE(fbc_console_spawn(f.con, argv, "vt220") == 0);
	first_frame(&f);

	REQUIRE(shim_output_headless_host_resize(f.headless, 160, 96) == 0);
	frame(&f);
	struct fbc_output_stats st;
	fbc_output_get_stats(f.output, &st);
	CHECK_EQ_INT(st.resizes, 1);
	int w, h;
	fbc_output_get_size(f.output, &w, &h);
	CHECK(w == 160 && h == 96);
	CHECK_EQ_INT(fbc_term_cols(fbc_console_term(f.con)), 20);
	CHECK_EQ_INT(fbc_term_rows(fbc_console_term(f.con)), 6);
	struct winsize ws = { 0 };
	REQUIRE(ioctl(fbc_console_pty_fd(f.con), TIOCGWINSZ, &ws) == 0);
	CHECK(ws.ws_row == 6 && ws.ws_col == 20 && ws.ws_xpixel == 160 && ws.ws_ypixel == 96);

	/* The child sees it too (under the echoed Enter). */
	const struct fbc_key_action enter = {
		.type = FBC_KEY_ACTION_TEXT, .text = "\r", .text_len = 1
	};
	fbc_console_key(f.con, &enter, now_ms(&f));
	CHECK(wait_row(&f, 1, "6 20"));

	/* And the new picture reaches the output whole. */
	CHECK(fbc_output_update(f.output, now_ms(&f)) > 0);
	frame(&f);
	CHECK(last_damage_is(&f, (const int[][4]){ { 0, 0, 20, 6 } }, 1));
	CHECK(output_shows_console(&f));
	teardown(&f);
}

static const struct test_case cases[] = {
	TEST_CASE(test_output_typed_letter_is_two_cells),
	TEST_CASE(test_output_blink_is_one_cell),
	TEST_CASE(test_output_idle_draws_nothing),
	TEST_CASE(test_output_flood_draws_once_per_frame),
	TEST_CASE(test_output_follows_a_mode_change),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
