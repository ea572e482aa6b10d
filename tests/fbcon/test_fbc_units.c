/*
 * Units of lib fbc against plain memory: the UTF-8 sanitiser, the side lexer, the cluster
 * table, the scrollback ring, the grid's row moves, the glyph cache, the palette and the
 * default font size.
 */
#include <errno.h>
#include <stdlib.h>

#include "fbc_cluster.h"
#include "fbc_fake_font.h"
#include "fbc_font.h"
#include "fbc_glyph_cache.h"
#include "fbc_grid.h"
#include "fbc_palette.h"
#include "fbc_row.h"
#include "fbc_scrollback.h"
#include "fbc_test_util.h"
#include "fbc_utf8.h"
#include "fbc_vtscan.h"
#include "macros.h"
#include "test.h"

static size_t sanitize_all(const char *in, size_t len, uint8_t *out, size_t piece)
{
	struct fbc_utf8 s = { 0 };
	size_t n = 0;
	for (size_t off = 0; off < len; off += piece) {
		size_t k = len - off < piece ? len - off : piece;
		n += fbc_utf8_sanitize(&s, (const uint8_t *)in + off, k, out + n);
	}
	return n;
}

static void test_utf8_sanitizer(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain ascii", "plain ascii" },
		{ "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80" },
		{ "a\xff"
		  "b",
			"a\xef\xbf\xbd"
			"b" },
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" }, /* overlong: two bad parts */
		{ "\xe0\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* overlong 3-byte */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xe4\xb8"
		  "x",
			"\xef\xbf\xbdx" }, /* cut short by ASCII */
		{ "\xc2\x01"
		  "3\r\x95",
			"\xef\xbf\xbd\x01"
			"3\r\xef\xbf\xbd" },
		{ "\xc2\x85\xc2\x9f\xc2\xa0",
			"\xef\xbf\xbd\xef\xbf\xbd\xc2\xa0" }, /* C1 controls */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		for (size_t piece = 1; piece <= 4; piece += 3) {
			uint8_t out[64];
			size_t n = sanitize_all(cases[i].in, strlen(cases[i].in), out, piece);
			CHECK_MSG(n == strlen(cases[i].out) && memcmp(out, cases[i].out, n) == 0,
				"case %zu (pieces of %zu) gave %zu bytes", i, piece, n);
		}
	}
	/* An unfinished character waits for its last byte. */
	struct fbc_utf8 s = { 0 };
	uint8_t out[16];
	CHECK_EQ_INT(fbc_utf8_sanitize(&s, (const uint8_t *)"\xf0\x9f\x98", 3, out), 0);
	CHECK_EQ_INT(fbc_utf8_sanitize(&s, (const uint8_t *)"\x80", 1, out), 4);
	/* The output bound holds for the worst input. */
	static uint8_t worst[4096], big[FBC_UTF8_OUT_MAX(4096)];
	memset(worst, 0xff, sizeof(worst));
	s = (struct fbc_utf8){ .held = { 0xe4 }, .len = 1, .need = 3 };
	CHECK(fbc_utf8_sanitize(&s, worst, sizeof(worst), big) <= sizeof(big));
}

static struct fbc_vtscan_event scan_all(const char *in, bool bytewise, size_t *events)
{
	struct fbc_vtscan scan;
	fbc_vtscan_init(&scan);
	struct fbc_vtscan_event last = { 0 }, ev;
	size_t len = strlen(in);
	*events = 0;
	for (size_t off = 0; off < len;) {
		size_t avail = bytewise ? 1 : len - off;
		size_t n = fbc_vtscan_step(&scan, (const uint8_t *)in + off, avail, &ev);
		if (ev.type != FBC_VTSCAN_NONE) {
			last = ev;
			(*events)++;
		}
		off += n;
	}
	return last;
}

static void test_vtscan_events(void)
{
	static const struct {
		const char *in;
		enum fbc_vtscan_event_type type;
		enum fbc_vtscan_change faint, conceal;
	} cases[] = {
		{ "x\x1b[2m", FBC_VTSCAN_SGR, FBC_VTSCAN_SET, FBC_VTSCAN_KEEP },
		{ "\x1b[m", FBC_VTSCAN_SGR, FBC_VTSCAN_CLEAR, FBC_VTSCAN_CLEAR },
		{ "\x1b[1;22;8m", FBC_VTSCAN_SGR, FBC_VTSCAN_CLEAR, FBC_VTSCAN_SET },
		{ "\x1b[38;5;2;48;2;8;8;8m", FBC_VTSCAN_SGR, FBC_VTSCAN_KEEP, FBC_VTSCAN_KEEP },
		{ "\x1b[38:2::2:8:2m", FBC_VTSCAN_SGR, FBC_VTSCAN_KEEP, FBC_VTSCAN_KEEP },
		{ "\x1b[4:2;2m", FBC_VTSCAN_SGR, FBC_VTSCAN_SET, FBC_VTSCAN_KEEP },
		{ "\x1b[?2m", FBC_VTSCAN_NONE, 0, 0 },                   /* private: not SGR */
		{ "\x1b]2;\x1b[2m", FBC_VTSCAN_SGR, FBC_VTSCAN_SET, 0 }, /* ESC ends the string */
		{ "\x1b]2;[2m\a", FBC_VTSCAN_NONE, 0, 0 },
		{ "\x1b[2\x18m", FBC_VTSCAN_NONE, 0, 0 },           /* CAN cancels */
		{ "\x1b[2\nm", FBC_VTSCAN_SGR, FBC_VTSCAN_SET, 0 }, /* C0 inside runs */
		{ "\x1b"
		  "7",
			FBC_VTSCAN_SAVE_CURSOR, 0, 0 },
		{ "\x1b\x9f"
		  "8",
			FBC_VTSCAN_RESTORE_CURSOR, 0, 0 }, /* 8-bit bytes skipped */
		{ "\x1b[?1049l", FBC_VTSCAN_RESTORE_CURSOR, 0, 0 },
		{ "\x1b[s", FBC_VTSCAN_SAVE_CURSOR, 0, 0 },
		{ "\x1b[1;2s", FBC_VTSCAN_NONE, 0, 0 }, /* DECSLRM, not a save */
		{ "\x1b"
		  "c",
			FBC_VTSCAN_HARD_RESET, 0, 0 },
		{ "\x1b[!p", FBC_VTSCAN_SOFT_RESET, 0, 0 },
		{ "\x1b[3J", FBC_VTSCAN_CLEAR_SCROLLBACK, 0, 0 },
		{ "\x1b[\xc3\xa9u", FBC_VTSCAN_NONE, 0, 0 }, /* 8-bit byte abandons the CSI */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		for (int bytewise = 0; bytewise < 2; bytewise++) {
			size_t events;
			struct fbc_vtscan_event ev = scan_all(cases[i].in, bytewise, &events);
			CHECK_MSG(ev.type == cases[i].type, "case %zu: event %d, expected %d", i,
				ev.type, cases[i].type);
			if (cases[i].type == FBC_VTSCAN_SGR)
				CHECK_MSG(ev.faint == cases[i].faint &&
						ev.conceal == cases[i].conceal,
					"case %zu: faint %d conceal %d", i, ev.faint, ev.conceal);
		}
	}
}

static void test_vtscan_colours_and_separator_guard(void)
{
	/* T.416 colours: the last word on each colour wins. */
	size_t events;
	struct fbc_vtscan_event ev = scan_all("\x1b[38:2:0:1:2:3;48:2::4:5:6m", false, &events);
	CHECK(ev.fg_rgb && ev.fg == 0x010203 && ev.bg_rgb && ev.bg == 0x040506);
	ev = scan_all("\x1b[38:2::1:2:3;39m", false, &events);
	CHECK(!ev.fg_rgb);
	/* The 16th separator of a CSI is dropped, every one after it too. */
	char many[128] = "\x1b[";
	for (int i = 0; i < 20; i++)
		strcat(many, "1;");
	strcat(many, "m");
	struct fbc_vtscan scan;
	fbc_vtscan_init(&scan);
	size_t drops = 0, off = 0, len = strlen(many);
	while (off < len) {
		off += fbc_vtscan_step(&scan, (const uint8_t *)many + off, len - off, &ev);
		drops += ev.type == FBC_VTSCAN_DROP_BYTE;
	}
	CHECK_EQ_INT(drops, 20 - 15);
	CHECK(strcmp(fbc_vtscan_state_to_str(FBC_VTSCAN_CSI), "csi") == 0);
}

static void test_clusters_intern_and_bound(void)
{
	struct fbc_clusters *cl;
	REQUIRE(fbc_clusters_create(&cl, 3) == 0);
	uint32_t a[] = { 'e', 0x301 }, b[] = { 'a', 0x308, 0x323 }, c[] = { 'o', 0x302 };
	uint32_t d[] = { 'u', 0x303 };
	uint32_t ida = fbc_clusters_intern(cl, a, 2);
	CHECK(ida >= FBC_CLUSTER_BASE);
	CHECK_EQ_INT(fbc_clusters_intern(cl, a, 2), ida);
	CHECK_EQ_INT(fbc_clusters_intern(cl, a, 1), 'e');
	uint32_t idb = fbc_clusters_intern(cl, b, 3);
	CHECK(idb != ida);
	fbc_clusters_intern(cl, c, 2);
	CHECK_EQ_INT(fbc_clusters_intern(cl, d, 2), 'u'); /* full: base only */
	CHECK_EQ_INT(fbc_clusters_count(cl), 3);
	CHECK_EQ_INT(fbc_clusters_dropped(cl), 1);
	uint32_t out[FBC_CLUSTER_MAX_CPS];
	CHECK_EQ_INT(fbc_clusters_get(cl, idb, out), 3);
	CHECK(out[0] == 'a' && out[1] == 0x308 && out[2] == 0x323);
	CHECK_EQ_INT(fbc_clusters_get(cl, FBC_CLUSTER_BASE + 99, out), 0);
	CHECK_EQ_INT(fbc_clusters_get(cl, 0, out), 0);
	fbc_clusters_destroy(cl);
	CHECK_EQ_INT(fbc_clusters_create(&cl, FBC_CLUSTERS_MAX + 1), -EINVAL);
}

static void test_scrollback_ring_recycles(void)
{
	struct fbc_scrollback *sb;
	REQUIRE(fbc_scrollback_create(&sb, 3) == 0);
	struct fbc_cell blank = { 0 };
	struct fbc_row *rows[5];
	for (int i = 0; i < 5; i++) {
		rows[i] = fbc_row_create(&blank);
		REQUIRE(rows[i]);
		rows[i]->fill.ch = (uint32_t)('0' + i);
	}
	CHECK(fbc_scrollback_push(sb, rows[0]) == NULL);
	CHECK(fbc_scrollback_push(sb, rows[1]) == NULL);
	CHECK(fbc_scrollback_push(sb, rows[2]) == NULL);
	CHECK(fbc_scrollback_push(sb, rows[3]) == rows[0]); /* the oldest comes back to reuse */
	CHECK_EQ_INT(fbc_scrollback_count(sb), 3);
	struct fbc_line line;
	fbc_scrollback_line(sb, 0, &line);
	CHECK_EQ_INT(line.fill.ch, '3');
	fbc_scrollback_line(sb, 2, &line);
	CHECK_EQ_INT(line.fill.ch, '1');
	CHECK(fbc_scrollback_pop(sb) == rows[3]);
	CHECK_EQ_INT(fbc_scrollback_count(sb), 2);
	fbc_row_destroy(rows[0]);
	fbc_row_destroy(rows[3]);
	fbc_row_destroy(rows[4]);
	fbc_scrollback_destroy(sb);
	/* No history: every line comes straight back. */
	REQUIRE(fbc_scrollback_create(&sb, 0) == 0);
	struct fbc_row *r = fbc_row_create(&blank);
	CHECK(fbc_scrollback_push(sb, r) == r);
	fbc_row_destroy(r);
	fbc_scrollback_destroy(sb);
}

static void test_grid_scroll_moves_rows_not_cells(void)
{
	struct fbc_grid *grid;
	struct fbc_cell blank = { 0 };
	REQUIRE(fbc_grid_create(&grid, 4, 8, &blank) == 0);
	struct fbc_cell x = { .ch = 'x' };
	for (int r = 0; r < 4; r++) {
		x.ch = (uint32_t)('a' + r);
		CHECK_EQ_INT(fbc_grid_put(grid, r, 0, &x, 1), 0);
	}
	struct fbc_line before;
	fbc_grid_line(grid, 1, &before);
	struct fbc_cell_rect all = { 0, 4, 0, 8 };
	CHECK_EQ_INT(fbc_grid_scroll(grid, &all, 1, 0, &blank, NULL), 0);
	struct fbc_line after;
	fbc_grid_line(grid, 0, &after);
	CHECK(after.cells == before.cells); /* the same memory, one row up */
	CHECK_EQ_INT(fbc_grid_cell(grid, 0, 0)->ch, 'b');
	CHECK_EQ_INT(fbc_grid_cell(grid, 3, 0)->ch, 0);
	/* A band (scroll region) and a partial-width region. */
	struct fbc_cell_rect band = { 1, 3, 0, 8 };
	CHECK_EQ_INT(fbc_grid_scroll(grid, &band, -1, 0, &blank, NULL), 0);
	CHECK_EQ_INT(fbc_grid_cell(grid, 1, 0)->ch, 0);
	CHECK_EQ_INT(fbc_grid_cell(grid, 2, 0)->ch, 'c');
	struct fbc_cell_rect part = { 0, 4, 0, 4 };
	CHECK_EQ_INT(fbc_grid_scroll(grid, &part, 0, -2, &blank, NULL), 0);
	CHECK_EQ_INT(fbc_grid_cell(grid, 0, 2)->ch, 'b');
	/* Dirty tracking: after a clear, one put dirties its neighbourhood only. */
	fbc_grid_clear_dirty(grid);
	CHECK(!fbc_grid_dirty(grid));
	CHECK_EQ_INT(fbc_grid_put(grid, 3, 5, &x, 1), 0);
	int lo, hi;
	fbc_grid_dirty_span(grid, 3, &lo, &hi);
	CHECK(lo == 4 && hi == 7);
	fbc_grid_dirty_span(grid, 2, &lo, &hi);
	CHECK(lo >= hi);
	CHECK_EQ_INT(fbc_grid_put(grid, 9, 0, &x, 1), -EINVAL);
	fbc_grid_destroy(grid);
}

static void test_glyph_cache_lru_and_refs(void)
{
	struct fbc_font *font = fbct_fake_font_create();
	REQUIRE(font);
	struct fbc_glyph_cache *cache;
	REQUIRE(fbc_glyph_cache_create(&cache, font, 2) == 0);
	uint32_t a = 'a', b = 'b', c = 'c';
	struct fbc_glyph *ga, *gb, *gc, *again;
	REQUIRE(fbc_glyph_cache_get(cache, a, &a, 1, FBC_FONT_REGULAR, 1, &ga) == 0);
	REQUIRE(fbc_glyph_cache_get(cache, b, &b, 1, FBC_FONT_REGULAR, 1, &gb) == 0);
	REQUIRE(fbc_glyph_cache_get(cache, a, &a, 1, FBC_FONT_REGULAR, 1, &again) == 0);
	CHECK(again == ga);
	fbc_glyph_unref(again);
	/* Full: c evicts the least recently used (b); the held reference keeps b usable. */
	REQUIRE(fbc_glyph_cache_get(cache, c, &c, 1, FBC_FONT_REGULAR, 1, &gc) == 0);
	struct fbc_glyph_cache_stats st;
	fbc_glyph_cache_get_stats(cache, &st);
	CHECK(st.hits == 1 && st.misses == 3 && st.evictions == 1 && st.entries == 2);
	CHECK_EQ_INT(pixman_image_get_width(fbc_glyph_image(gb)), FBCT_FAKE_CELL_W);
	struct fbc_glyph *wide;
	REQUIRE(fbc_glyph_cache_get(cache, a, &a, 1, FBC_FONT_BOLD, 2, &wide) == 0);
	CHECK(wide != ga);
	CHECK_EQ_INT(pixman_image_get_width(fbc_glyph_image(wide)), 2 * FBCT_FAKE_CELL_W);
	fbc_glyph_cache_destroy(cache); /* references outlive the cache */
	CHECK_EQ_INT(pixman_image_get_height(fbc_glyph_image(gc)), FBCT_FAKE_CELL_H);
	fbc_glyph_unref(ga);
	fbc_glyph_unref(gb);
	fbc_glyph_unref(gc);
	fbc_glyph_unref(wide);
	fbc_font_destroy(font);
}

static void test_palette_and_default_font_size(void)
{
	struct fbc_palette p;
	fbc_palette_init_xterm(&p);
	CHECK_EQ_INT(p.colors[1], 0xcd0000);
	CHECK_EQ_INT(p.colors[16], 0x000000);
	CHECK_EQ_INT(p.colors[196], 0xff0000);
	CHECK_EQ_INT(p.colors[231], 0xffffff);
	CHECK_EQ_INT(p.colors[244], 0x808080);
	CHECK_EQ_INT(fbc_palette_resolve(&p, FBC_COLOR_RGB(1, 2, 3), 7), 0x010203);
	CHECK_EQ_INT(fbc_palette_resolve(&p, FBC_COLOR_DEFAULT, 7), 7);
	/* Comfortable sizes, and 80x24 fits on small screens. */
	CHECK_EQ_INT(fbc_font_default_size(1920, 1080), 24);
	CHECK_EQ_INT(fbc_font_default_size(1024, 768), 17);
	int s = fbc_font_default_size(800, 600);
	CHECK(80 * s * 6 / 10 <= 800 && 24 * s * 117 / 100 <= 600);
	CHECK_EQ_INT(fbc_font_default_size(100, 100), 10);
}

static const struct test_case cases[] = {
	TEST_CASE(test_utf8_sanitizer),
	TEST_CASE(test_vtscan_events),
	TEST_CASE(test_vtscan_colours_and_separator_guard),
	TEST_CASE(test_clusters_intern_and_bound),
	TEST_CASE(test_scrollback_ring_recycles),
	TEST_CASE(test_grid_scroll_moves_rows_not_cells),
	TEST_CASE(test_glyph_cache_lru_and_refs),
	TEST_CASE(test_palette_and_default_font_size),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
