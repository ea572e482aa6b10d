/*
 * Scrolling moves pixels instead of redrawing: after every draw the image equals a fresh full
 * repaint of the same terminal, pixel for pixel, and every pixel that changed lies inside the
 * reported damage; a one-line scroll draws one row of cells.
 *
 * The renderer draws a terminal directly (no console) into an image with a margin right and
 * below the grid, with the stub font (8x16 cells) and, when installed, DejaVu Sans Mono (whose
 * italic and wide glyphs would overhang their cells if not clipped). The terminal's damage is
 * cleared after each draw, as the console does.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fbc_fake_font.h"
#include "fbc_font.h"
#include "fbc_glyph_cache.h"
#include "fbc_render.h"
#include "fbc_term.h"
#include "fbc_test_util.h"
#include "macros.h"
#include "test.h"

#define MARGIN_X 5
#define MARGIN_Y 7

struct rig {
	struct fbc_font *font;
	struct fbc_glyph_cache *cache;
	struct fbc_render *render;
	struct fbc_term *term;
	pixman_image_t *image;
	int rows, cols, cw, ch, w, h;
	uint32_t *before; // the image before the last draw
	int step;         // draws so far, for messages
	bool failed;      // stop checking (and logging) after the first mismatch
	uint64_t rng;
};

static struct fbc_font *real_font(void)
{
	static const char *const fallbacks[] = { FBCT_FALLBACK };
	struct fbc_font_ft_config cfg = {
		.path = FBCT_FONT,
		.bold_path = FBCT_FONT_BOLD,
		.fallbacks = fallbacks,
		.n_fallbacks = 1,
		.pixel_size = 16,
	};
	struct fbc_font *font = NULL;
	return fbc_font_ft_create(&font, &cfg) == 0 ? font : NULL;
}

/* font: taken over. */
static void rig_setup(struct rig *g, struct fbc_font *font, int rows, int cols)
{
	REQUIRE(font);
	g->font = font;
	g->rows = rows;
	g->cols = cols;
	g->rng = 0x9e3779b97f4a7c15u;
	struct fbc_font_metrics m;
	fbc_font_get_metrics(font, &m);
	g->cw = m.cell_width;
	g->ch = m.cell_height;
	g->w = cols * g->cw + MARGIN_X;
	g->h = rows * g->ch + MARGIN_Y;
	REQUIRE(fbc_glyph_cache_create(&g->cache, font, 256) == 0);
	REQUIRE(fbc_render_create(&g->render, font, g->cache, NULL) == 0);
	struct fbc_term_config tc = { .rows = rows, .cols = cols, .scrollback_lines = 50 };
	REQUIRE(fbc_term_create(&g->term, &tc) == 0);
	g->image = pixman_image_create_bits(PIXMAN_x8r8g8b8, g->w, g->h, NULL, 0);
	g->before = calloc((size_t)g->w * (size_t)g->h, sizeof(*g->before));
	REQUIRE(g->image && g->before);
	REQUIRE(fbc_render_set_target(g->render, g->image) == 0);
}

static void rig_teardown(struct rig *g)
{
	fbc_term_destroy(g->term);
	fbc_render_destroy(g->render);
	fbc_glyph_cache_destroy(g->cache);
	fbc_font_destroy(g->font);
	if (g->image)
		pixman_image_unref(g->image);
	free(g->before);
}

static unsigned rnd(struct rig *g, unsigned n)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return (unsigned)(g->rng % n);
}

static void feed(struct rig *g, const char *s)
{
	fbc_term_feed(g->term, s, strlen(s));
}

/* A fresh renderer's full repaint of the terminal in the same frame. */
static pixman_image_t *full_repaint(struct rig *g, const struct fbc_render_frame *frame)
{
	struct fbc_render *fresh = NULL;
	pixman_image_t *image = pixman_image_create_bits(PIXMAN_x8r8g8b8, g->w, g->h, NULL, 0);
	REQUIRE(image && fbc_render_create(&fresh, g->font, g->cache, NULL) == 0);
	REQUIRE(fbc_render_set_target(fresh, image) == 0);
	pixman_region32_t damage;
	pixman_region32_init(&damage);
	CHECK(fbc_render_draw(fresh, g->term, frame, &damage) > 0);
	pixman_region32_fini(&damage);
	fbc_render_destroy(fresh);
	return image;
}

static bool same_pixel(uint32_t a, uint32_t b)
{
	return (a & 0xffffff) == (b & 0xffffff);
}

/* Draws, then checks the image against a full repaint and the damage against the pixels that
 * changed. Returns the cells drawn. */
static int draw(struct rig *g, const struct fbc_render_frame *frame, pixman_region32_t *damage)
{
	const uint32_t *px = pixman_image_get_data(g->image);
	size_t n = (size_t)g->w * (size_t)g->h;
	memcpy(g->before, px, n * sizeof(*px));
	pixman_region32_clear(damage);
	int drawn = fbc_render_draw(g->render, g->term, frame, damage);
	CHECK(drawn >= 0);
	pixman_image_t *want = full_repaint(g, frame);
	const uint32_t *wp = pixman_image_get_data(want);
	int differ = 0, outside = 0, first = -1;
	for (size_t i = 0; i < n; i++) {
		int x = (int)(i % (size_t)g->w), y = (int)(i / (size_t)g->w);
		/* Margins included: they flip with the screen on the bell's flash. */
		if (!same_pixel(px[i], wp[i]) && differ++ == 0)
			first = (int)i;
		if (!same_pixel(px[i], g->before[i]) &&
			!pixman_region32_contains_point(damage, x, y, NULL))
			outside++;
	}
	pixman_image_unref(want);
	if (!g->failed) {
		CHECK_MSG(differ == 0,
			"draw %d: %d pixels differ from a full repaint, first at %d,%d", g->step,
			differ, first < 0 ? 0 : first % g->w, first < 0 ? 0 : first / g->w);
		CHECK_MSG(outside == 0, "draw %d: %d changed pixels outside the damage", g->step,
			outside);
	}
	g->failed |= differ != 0 || outside != 0;
	g->step++;
	fbc_term_damage_clear(g->term);
	return drawn;
}

static int draw_plain(struct rig *g)
{
	pixman_region32_t damage;
	pixman_region32_init(&damage);
	struct fbc_render_frame frame = { .blink_on = true };
	int n = draw(g, &frame, &damage);
	pixman_region32_fini(&damage);
	return n;
}

/* Text of random colours and attributes (SGR 1-9, 21, 256-colour and RGB), some double-width
 * and combining characters; `len` columns at most. */
static void random_text(struct rig *g, int len, char *out, size_t cap)
{
	static const char *const sgr[] = { "1", "2", "3", "4", "5", "7", "8", "9", "21", "0",
		"38;5;196", "48;5;21", "38;2;10;200;30", "48;2;90;90;0", "31;42", "0;1;4" };
	static const char *const wide[] = { "\xe4\xb8\xad", "\xf0\x9f\x98\x80" };
	size_t n = 0;
	for (int col = 0; col < len && n + 32 < cap;) {
		if (rnd(g, 4) == 0)
			n += (size_t)snprintf(
				out + n, cap - n, "\x1b[%sm", sgr[rnd(g, ARRAY_LEN(sgr))]);
		unsigned k = rnd(g, 16);
		if (k == 0 && col + 2 <= len) {
			n += (size_t)snprintf(out + n, cap - n, "%s", wide[rnd(g, 2)]);
			col += 2;
		} else if (k == 1) {
			n += (size_t)snprintf(out + n, cap - n, "e\xcc\x81");
			col++;
		} else {
			out[n++] = (char)(k == 2 ? ' ' : '!' + rnd(g, 94));
			col++;
		}
	}
	n += (size_t)snprintf(out + n, cap - n, "\x1b[m");
	out[n < cap ? n : cap - 1] = 0;
}

/* Prints `lines` lines of random text (random lengths, some wrapping) as `cat` would. */
static void cat_lines(struct rig *g, int lines)
{
	char buf[4096];
	for (int i = 0; i < lines; i++) {
		random_text(g, (int)rnd(g, (unsigned)g->cols * 3 / 2 + 1), buf, sizeof(buf));
		feed(g, buf);
		feed(g, "\r\n");
	}
}

static void run_cat(struct rig *g, int draws)
{
	for (int i = 0; i < draws && !g->failed; i++) {
		cat_lines(g, 1 + (int)rnd(g, (unsigned)g->rows + 2));
		draw_plain(g);
	}
}

static void test_scroll_matches_full_repaint(void)
{
	struct rig g = { 0 };
	rig_setup(&g, fbct_fake_font_create(), 9, 23);
	draw_plain(&g);
	run_cat(&g, 150);
	/* The cursor hidden, then a steady bar. */
	feed(&g, "\x1b[?25l");
	run_cat(&g, 30);
	feed(&g, "\x1b[?25h\x1b[6 q");
	run_cat(&g, 30);
	rig_teardown(&g);
}

/* Random steps: scroll region (DECSTBM), index and reverse index (ESC D, ESC M), SU/SD, the
 * cursor parked in the middle, text, erases, insert/delete lines, the blink phase and the bell's
 * flash, the scrollback view. */
static void random_step(struct rig *g, char *buf, size_t cap)
{
	int top = 1 + (int)rnd(g, (unsigned)g->rows / 2);
	int bottom = top + 1 + (int)rnd(g, (unsigned)(g->rows - top));
	switch (rnd(g, 12)) {
	case 0:
		snprintf(buf, cap, "\x1b[%d;%dr\x1b[%d;1H", top, bottom, bottom);
		break;
	case 1:
		snprintf(buf, cap, "\x1b[r");
		break;
	case 2:
		snprintf(buf, cap, "\x1b[%d;%dH", 1 + rnd(g, (unsigned)g->rows),
			1 + rnd(g, (unsigned)g->cols));
		break;
	case 3:
		snprintf(buf, cap, "%s",
			rnd(g, 2) ? "\x1bM"
				  : "\x1b"
				    "D");
		break;
	case 4:
		snprintf(buf, cap, "\x1b[%u%c", 1 + rnd(g, 3), rnd(g, 2) ? 'S' : 'T');
		break;
	case 5:
		snprintf(buf, cap, "\x1b[%u%c", 1 + rnd(g, 2), "LMKJ"[rnd(g, 4)]);
		break;
	case 6:
		snprintf(buf, cap, "\x1b[?25%c", rnd(g, 4) ? 'h' : 'l');
		break;
	default:
		random_text(g, (int)rnd(g, (unsigned)g->cols), buf, cap);
		break;
	}
}

static void run_random(struct rig *g, int draws, bool history)
{
	char buf[4096];
	pixman_region32_t damage;
	pixman_region32_init(&damage);
	for (int i = 0; i < draws && !g->failed; i++) {
		for (unsigned k = rnd(g, 6); k > 0; k--) {
			random_step(g, buf, sizeof(buf));
			feed(g, buf);
			feed(g, rnd(g, 2) ? "\n" : "\r\n");
		}
		if (history && rnd(g, 6) == 0)
			fbc_term_view_scroll(g->term, (long)rnd(g, 5) - 2);
		struct fbc_render_frame frame = {
			.blink_on = rnd(g, 3) != 0,
			.flash = rnd(g, 10) == 0,
		};
		draw(g, &frame, &damage);
	}
	pixman_region32_fini(&damage);
}

static void test_scroll_region_reverse_and_cursor_match_full_repaint(void)
{
	struct rig g = { 0 };
	rig_setup(&g, fbct_fake_font_create(), 11, 17);
	draw_plain(&g);
	run_random(&g, 400, false);
	rig_teardown(&g);
}

static void test_scroll_while_scrolled_back_matches_full_repaint(void)
{
	struct rig g = { 0 };
	rig_setup(&g, fbct_fake_font_create(), 8, 15);
	cat_lines(&g, 30);
	draw_plain(&g);
	fbc_term_view_scroll(g.term, 5);
	draw_plain(&g);
	/* The view stays on the same lines as output scrolls the screen under it: nothing moves,
	 * nothing is drawn. */
	feed(&g, "\x1b[?25l");
	cat_lines(&g, 3);
	CHECK_EQ_INT(draw_plain(&g), 0);
	feed(&g, "\x1b[?25h");
	for (int i = 0; i < 40 && !g.failed; i++) {
		cat_lines(&g, 1 + (int)rnd(&g, 3));
		draw_plain(&g);
	}
	CHECK(fbc_term_view_offset(g.term) > 0);
	run_random(&g, 200, true);
	rig_teardown(&g);
}

static void test_scroll_real_font_matches_full_repaint(void)
{
	if (!fbct_have_fonts())
		SKIP("fonts-dejavu-core is not installed");
	struct rig g = { 0 };
	rig_setup(&g, real_font(), 7, 19);
	draw_plain(&g);
	run_cat(&g, 60);
	run_random(&g, 120, true);
	rig_teardown(&g);
}

/* Fills the screen with lines that differ in every column: line i is one character repeated. */
static void fill_distinct(struct rig *g)
{
	char line[256];
	for (int row = 0; row < g->rows; row++) {
		memset(line, 'A' + row, (size_t)g->cols);
		line[g->cols] = 0;
		feed(g, row ? "\r\n" : "");
		feed(g, line);
	}
}

/* Every damaged cell changed and every changed pixel is damaged; returns damaged cells. */
static int exact_damage_cells(struct rig *g, pixman_region32_t *damage)
{
	const uint32_t *px = pixman_image_get_data(g->image);
	int cells = 0;
	for (int row = 0; row < g->rows; row++) {
		for (int col = 0; col < g->cols; col++) {
			pixman_box32_t box = { col * g->cw, row * g->ch, (col + 1) * g->cw,
				(row + 1) * g->ch };
			pixman_region_overlap_t o =
				pixman_region32_contains_rectangle(damage, &box);
			bool changed = false;
			for (int y = box.y1; y < box.y2; y++)
				for (int x = box.x1; x < box.x2; x++)
					changed |= !same_pixel(
						px[y * g->w + x], g->before[y * g->w + x]);
			CHECK_MSG(o != PIXMAN_REGION_PART, "cell %d,%d partly damaged", row, col);
			CHECK_MSG((o == PIXMAN_REGION_IN) == changed,
				"cell %d,%d: damaged %d changed %d", row, col,
				o == PIXMAN_REGION_IN, changed);
			cells += o == PIXMAN_REGION_IN;
		}
	}
	return cells;
}

static int draw_counted(struct rig *g, int *damaged_cells)
{
	pixman_region32_t damage;
	pixman_region32_init(&damage);
	struct fbc_render_frame frame = { .blink_on = true };
	int n = draw(g, &frame, &damage);
	*damaged_cells = exact_damage_cells(g, &damage);
	pixman_region32_fini(&damage);
	return n;
}

static void test_scroll_one_line_draws_one_row(void)
{
	struct rig g = { 0 };
	rig_setup(&g, fbct_fake_font_create(), 6, 12);
	feed(&g, "\x1b[?25l");
	fill_distinct(&g);
	draw_plain(&g);
	int damaged;
	/* Every row shows another line now, but only the new one is drawn. */
	feed(&g, "\r\nzzzzzzzzzzzz");
	CHECK_EQ_INT(draw_counted(&g, &damaged), g.cols);
	CHECK_EQ_INT(damaged, g.rows * g.cols);
	/* Two lines between draws: two rows. */
	feed(&g, "\r\nyyyyyyyyyyyy\r\nxxxxxxxxxxxx");
	CHECK_EQ_INT(draw_counted(&g, &damaged), 2 * g.cols);
	CHECK_EQ_INT(damaged, g.rows * g.cols);
	/* A visible cursor: its old place moved up with the pixels and is erased there. */
	feed(&g, "\x1b[?25h\x1b[2 q");
	draw_plain(&g);
	feed(&g, "\r\nwwwwwwwwwwww");
	CHECK_EQ_INT(draw_counted(&g, &damaged), g.cols + 1);
	CHECK_EQ_INT(damaged, g.rows * g.cols);
	/* A blank line scrolled in under a blank line: the rows that did not change are not
	 * damaged. */
	feed(&g, "\x1b[?25l\r\n\r\n");
	draw_plain(&g);
	feed(&g, "\r\n");
	CHECK_EQ_INT(draw_counted(&g, &damaged), 0);
	CHECK_EQ_INT(damaged, (g.rows - 2) * g.cols);
	rig_teardown(&g);
}

static void test_scroll_region_and_reverse_draw_one_row(void)
{
	struct rig g = { 0 };
	rig_setup(&g, fbct_fake_font_create(), 8, 10);
	feed(&g, "\x1b[?25l");
	fill_distinct(&g);
	draw_plain(&g);
	int damaged;
	/* DECSTBM rows 3-6, a line at its bottom: rows 3-6 change, one is drawn. */
	feed(&g, "\x1b[3;6r\x1b[6;1H\r\nqqqqqqqqqq");
	CHECK_EQ_INT(draw_counted(&g, &damaged), g.cols);
	CHECK_EQ_INT(damaged, 4 * g.cols);
	/* Reverse index at the region's top moves it down. */
	feed(&g, "\x1b[3;1H\x1bMrrrrrrrrrr");
	CHECK_EQ_INT(draw_counted(&g, &damaged), g.cols);
	CHECK_EQ_INT(damaged, 4 * g.cols);
	/* Up two then down one between two draws is not one move: every row that differs from
	 * what it showed is redrawn (a net move up by one would leave two rows alone). */
	feed(&g, "\x1b[6;1H\n\n\x1b[3;1H\x1bM");
	CHECK_EQ_INT(draw_counted(&g, &damaged), 4 * g.cols);
	CHECK_EQ_INT(damaged, 4 * g.cols);
	rig_teardown(&g);
}

/* Rows of double-width characters alternating under each other: a moved row's right halves
 * change with their left halves. */
static void test_scroll_wide_characters(void)
{
	static const char *const lines[] = { "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad",
		"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80", "a\xe4\xb8\xad\xe4\xb8\xad" };
	struct rig g = { 0 };
	rig_setup(&g, fbct_fake_font_create(), 4, 7);
	feed(&g, "\x1b[?25l");
	draw_plain(&g);
	for (int i = 0; i < 12 && !g.failed; i++) {
		feed(&g, lines[i % 3]);
		feed(&g, "\r\n");
		draw_plain(&g);
	}
	rig_teardown(&g);
}

static void test_scroll_blinking_text_moves(void)
{
	struct rig g = { 0 };
	rig_setup(&g, fbct_fake_font_create(), 5, 8);
	feed(&g, "\x1b[?25l\r\n\r\n\x1b[5mblink\x1b[m");
	draw_plain(&g);
	CHECK(fbc_render_blinking(g.render));
	/* Scrolled up to the top in the other blink phase, then off the screen: the renderer stops
	 * asking for blink frames. */
	pixman_region32_t damage;
	pixman_region32_init(&damage);
	struct fbc_render_frame off = { .blink_on = false };
	feed(&g, "\r\n\r\n\r\n\r\n");
	draw(&g, &off, &damage);
	CHECK(fbc_render_blinking(g.render));
	feed(&g, "\r\n");
	draw(&g, &off, &damage);
	pixman_region32_fini(&damage);
	CHECK(!fbc_render_blinking(g.render));
	rig_teardown(&g);
}

static const struct test_case cases[] = {
	TEST_CASE(test_scroll_matches_full_repaint),
	TEST_CASE(test_scroll_region_reverse_and_cursor_match_full_repaint),
	TEST_CASE(test_scroll_while_scrolled_back_matches_full_repaint),
	TEST_CASE(test_scroll_real_font_matches_full_repaint),
	TEST_CASE(test_scroll_one_line_draws_one_row),
	TEST_CASE(test_scroll_region_and_reverse_draw_one_row),
	TEST_CASE(test_scroll_wide_characters),
	TEST_CASE(test_scroll_blinking_text_moves),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
