/*
 * Throughput sanity, no thresholds (speed is bench/bench_console_parse's business): a flood
 * of output is parsed to the last byte and drawn once per frame, never once per read. The
 * figures are printed as notes.
 */
#include <stdlib.h>
#include <time.h>

#include "fbc_console.h"
#include "fbc_fake_font.h"
#include "fbc_font.h"
#include "fbc_term.h"
#include "fbc_test_util.h"
#include "macros.h"
#include "test.h"

#define COLS 120
#define ROWS 40
#define LINES 200000

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct frames {
	int reports;
};

static void count_damage(void *data, const pixman_region32_t *damage)
{
	((struct frames *)data)->reports++;
}

/* Numbered lines in changing colours: the last screen says whether anything was lost. */
static char *make_flood(size_t *len)
{
	char *buf = malloc((size_t)LINES * 64);
	REQUIRE(buf);
	size_t n = 0;
	for (int i = 1; i <= LINES; i++)
		n += (size_t)sprintf(buf + n,
			"\x1b[38;5;%dm%07d\x1b[m some text \x1b[1mbold\x1b[m\r\n", i % 256, i);
	*len = n;
	return buf;
}

static void test_throughput_flood_parsed_and_drawn_per_frame(void)
{
	pixman_image_t *image = pixman_image_create_bits(
		PIXMAN_x8r8g8b8, COLS * FBCT_FAKE_CELL_W, ROWS * FBCT_FAKE_CELL_H, NULL, 0);
	struct fbc_font *font = fbct_fake_font_create();
	REQUIRE(image && font);
	struct frames frames = { 0 };
	struct fbc_console_config cfg = { .font = font };
	struct fbc_surface s = { .image = image, .damage = count_damage, .data = &frames };
	struct fbc_console *con;
	REQUIRE(fbc_console_create(&con, &cfg, &s) == 0);
	size_t len;
	char *flood = make_flood(&len);
	/* As the loop would run it: reads of 64 KiB, a frame every 16 reads (about 1 MiB). */
	double t0 = now_s();
	int reads = 0, renders = 0;
	for (size_t off = 0; off < len; off += 65536) {
		fbc_console_feed(con, flood + off, len - off < 65536 ? len - off : 65536);
		if (++reads % 16 == 0 && fbc_console_needs_frame(con, 0)) {
			CHECK(fbc_console_render(con, 0) > 0);
			renders++;
		}
	}
	CHECK(fbc_console_render(con, 0) >= 0);
	renders++;
	double dt = now_s() - t0;
	CHECK_EQ_INT(frames.reports, renders);
	/* Every line arrived: the last ones on screen, the earlier ones in the history. */
	struct fbc_term *term = fbc_console_term(con);
	char row[256], want[64];
	fbct_row_text(term, ROWS - 2, row, sizeof(row));
	snprintf(want, sizeof(want), "%07d some text bold", LINES);
	CHECK_MSG(strcmp(row, want) == 0, "last line \"%s\"", row);
	fbc_term_view_scroll(term, FBC_TERM_DEFAULT_SCROLLBACK);
	fbct_row_text(term, 0, row, sizeof(row));
	snprintf(want, sizeof(want), "%07d some text bold",
		LINES - (ROWS - 1) - FBC_TERM_DEFAULT_SCROLLBACK + 1);
	CHECK_MSG(strcmp(row, want) == 0, "oldest history line \"%s\"", row);
	NOTE("%.1f MB in %.3f s (%.1f MB/s with %d full redraws of %dx%d)", (double)len / 1e6, dt,
		(double)len / 1e6 / dt, renders, COLS, ROWS);
	free(flood);
	fbc_console_destroy(con);
	fbc_font_destroy(font);
	pixman_image_unref(image);
}

static const struct test_case cases[] = {
	TEST_CASE(test_throughput_flood_parsed_and_drawn_per_frame),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
