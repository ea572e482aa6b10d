/*
 * Hostile child output neither crashes nor stalls the terminal. Every case feeds a finite input
 * (so it is bounded in time by construction: fbc_term_feed() is linear in its input), then
 * checks the terminal still works: after CAN, ST and RIS, "ok" shows on row 0. Random inputs
 * come from a printed seed, so a failure replays.
 */
#include <errno.h>
#include <stdlib.h>

#include "fbc_term.h"
#include "fbc_test_util.h"
#include "macros.h"
#include "test.h"

#define ROWS 24
#define COLS 80

static uint64_t rng_state;

static uint32_t rng(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

struct sink {
	size_t bytes;
};

static void count_reply(void *data, const char *bytes, size_t len)
{
	((struct sink *)data)->bytes += len;
}

static struct fbc_term *make_term(struct sink *sink, size_t clusters)
{
	struct fbc_term *term = NULL;
	struct fbc_term_config cfg = {
		.rows = ROWS,
		.cols = COLS,
		.scrollback_lines = 1000,
		.max_clusters = clusters,
	};
	REQUIRE(fbc_term_create(&term, &cfg) == 0);
	fbc_term_set_writer(term, count_reply, sink);
	return term;
}

static void check_cursor_on_screen(struct fbc_term *term)
{
	struct fbc_cursor cur;
	fbc_term_cursor(term, &cur);
	/* The display row counts the scrollback view; the screen row must be on the grid. */
	int row = cur.row - (int)fbc_term_view_offset(term);
	CHECK_MSG(row >= 0 && row < fbc_term_rows(term), "cursor row %d of %d", row,
		fbc_term_rows(term));
	CHECK_MSG(cur.col >= 0 && cur.col < fbc_term_cols(term), "cursor col %d of %d", cur.col,
		fbc_term_cols(term));
	CHECK(!cur.visible || cur.row < fbc_term_rows(term));
}

/* After any garbage: cancel what is pending, reset, and the terminal must answer normally. */
static void check_recovers(struct fbc_term *term)
{
	check_cursor_on_screen(term);
	static const char recover[] = "\x18\x1b\\\x1b"
				      "c"
				      "ok";
	fbc_term_feed(term, recover, sizeof(recover) - 1);
	char row[512];
	fbct_row_text(term, 0, row, sizeof(row));
	CHECK_MSG(strcmp(row, "ok") == 0, "row 0 is \"%s\" after recovery", row);
	struct fbc_cursor cur;
	fbc_term_cursor(term, &cur);
	CHECK(cur.row == 0 && cur.col == 2);
}

static uint8_t *alloc_bytes(size_t n)
{
	uint8_t *buf = malloc(n);
	REQUIRE(buf);
	return buf;
}

static void test_hostile_invalid_utf8_and_random_bytes(void)
{
	struct sink sink = { 0 };
	struct fbc_term *term = make_term(&sink, 0);
	rng_state = 0x5eed0001;
	NOTE("seed %#llx", (unsigned long long)rng_state);
	size_t n = 4u << 20;
	uint8_t *buf = alloc_bytes(n);
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(0x80 | rng());
	fbc_term_feed(term, buf, n);
	check_recovers(term);
	/* Any byte at all, in chunks of random size (sequences split everywhere). */
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)rng();
	for (size_t off = 0; off < n;) {
		size_t len = 1 + rng() % 4096;
		len = len > n - off ? n - off : len;
		fbc_term_feed(term, buf + off, len);
		off += len;
	}
	check_recovers(term);
	free(buf);
	fbc_term_destroy(term);
}

static void feed_str(struct fbc_term *term, const char *s)
{
	fbc_term_feed(term, s, strlen(s));
}

static void test_hostile_huge_csi_parameters(void)
{
	struct sink sink = { 0 };
	struct fbc_term *term = make_term(&sink, 0);
	size_t n = 1u << 20;
	uint8_t *buf = alloc_bytes(n + 8);
	memcpy(buf, "\x1b[", 2);
	memset(buf + 2, '9', n);
	buf[n + 2] = 'A';
	fbc_term_feed(term, buf, n + 3);
	check_recovers(term);
	for (size_t i = 0; i < n; i += 2)
		memcpy(buf + 2 + i, "9;", 2);
	buf[n + 2] = 'm';
	fbc_term_feed(term, buf, n + 3);
	feed_str(term, "x");
	check_recovers(term);
	/* Every final byte with the largest counts, plain and private. */
	static const char *const prefixes[] = { "\x1b[2147483646", "\x1b[?2147483646",
		"\x1b[99999;99999", "\x1b[>4294967295;1", "\x1b[2147483647;2147483647" };
	for (size_t p = 0; p < ARRAY_LEN(prefixes); p++) {
		for (char final = 0x40; final <= 0x7e; final++) {
			char seq[64];
			snprintf(seq, sizeof(seq), "%sA%s%c", "x", prefixes[p], final);
			feed_str(term, seq);
			check_cursor_on_screen(term);
		}
	}
	check_recovers(term);
	free(buf);
	fbc_term_destroy(term);
}

static void test_hostile_endless_strings(void)
{
	struct sink sink = { 0 };
	struct fbc_term *term = make_term(&sink, 0);
	size_t n = 8u << 20;
	uint8_t *buf = alloc_bytes(n);
	static const char *const openers[] = { "\x1b]0;", "\x1b]52;c;", "\x1bP", "\x1b_", "\x1b^",
		"\x1bX", "\x1b]" };
	for (size_t i = 0; i < ARRAY_LEN(openers); i++) {
		feed_str(term, openers[i]);
		memset(buf, 'A' + (int)i, n);
		/* In pieces, as from a pty, never terminated. */
		for (size_t off = 0; off < n; off += 65536)
			fbc_term_feed(term, buf + off, 65536);
		check_recovers(term);
	}
	/* A terminated but huge title in one write. */
	memcpy(buf, "\x1b]2;", 4);
	memset(buf + 4, 't', n - 5);
	buf[n - 1] = '\a';
	fbc_term_feed(term, buf, n);
	check_recovers(term);
	free(buf);
	fbc_term_destroy(term);
}

static void test_hostile_bell_and_reply_floods(void)
{
	struct sink sink = { 0 };
	struct fbc_term *term = make_term(&sink, 0);
	size_t n = 4u << 20;
	uint8_t *buf = alloc_bytes(n);
	memset(buf, '\a', n);
	fbc_term_feed(term, buf, n);
	struct fbc_term_stats st;
	fbc_term_get_stats(term, &st);
	CHECK(st.bells == n);
	CHECK(fbc_term_take_bells(term) == n);
	check_recovers(term);
	/* Queries the child never reads the answers to: each one answered, nothing kept. */
	for (size_t i = 0; i + 3 <= n; i += 3)
		memcpy(buf + i, "\x1b[c", 3);
	fbc_term_feed(term, buf, n - n % 3);
	CHECK_EQ_INT(sink.bytes, (n / 3) * strlen("\x1b[?1;2c"));
	check_recovers(term);
	free(buf);
	fbc_term_destroy(term);
}

static void test_hostile_combining_floods(void)
{
	struct sink sink = { 0 };
	struct fbc_term *term = make_term(&sink, 100);
	size_t n = 1u << 20;
	uint8_t *buf = alloc_bytes(2 * n + 1);
	buf[0] = 'e';
	for (size_t i = 0; i < n; i++)
		memcpy(buf + 1 + 2 * i, "\xcc\x81", 2);
	fbc_term_feed(term, buf, 2 * n + 1);
	uint32_t cps[FBC_CLUSTER_MAX_CPS];
	struct fbc_line line;
	fbc_term_line(term, 0, &line);
	size_t k = fbc_term_cluster(term, fbc_line_cell(&line, 0)->ch, cps);
	CHECK(k >= 1 && k <= FBC_CLUSTER_MAX_CPS && cps[0] == 'e');
	check_recovers(term);
	/* Distinct sequences past the table's size keep only their base character. */
	rng_state = 0x5eed0002;
	for (int i = 0; i < 5000; i++) {
		char seq[8] = { 'a' + (char)(i % 26) };
		uint32_t mark = 0x300 + rng() % 0x70;
		seq[1] = (char)(0xc0 | mark >> 6);
		seq[2] = (char)(0x80 | (mark & 0x3f));
		fbc_term_feed(term, seq, 3);
	}
	struct fbc_term_stats st;
	fbc_term_get_stats(term, &st);
	CHECK(st.clusters_dropped > 0);
	check_recovers(term);
	free(buf);
	fbc_term_destroy(term);
}

static void repeat_feed(struct fbc_term *term, const char *s, size_t times)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < times; i++)
		fbc_term_feed(term, s, len);
}

static void test_hostile_scroll_and_screen_floods(void)
{
	struct sink sink = { 0 };
	struct fbc_term *term = make_term(&sink, 0);
	repeat_feed(term, "\n", 1000000);
	repeat_feed(term, "\x1b[5;10r\x1b[5;1H\x1bM\x1b[10;1H\n\x1b[3L\x1b[3M", 100000);
	repeat_feed(term, "\x1b[?1049h\x1b[2J\x1b[?1049l", 100000);
	repeat_feed(term, "\x1b#8\x1b[1;1H\x1b[2147483646b\x1b[3J", 10000);
	repeat_feed(term, "\xe4\xb8\xad\x1b[1D\x1b[1@\x1b[1P\x1b[80G\xe4\xb8\xad", 100000);
	check_recovers(term);
	fbc_term_destroy(term);
}

static void test_hostile_resize_storm(void)
{
	struct sink sink = { 0 };
	struct fbc_term *term = make_term(&sink, 0);
	rng_state = 0x5eed0003;
	NOTE("seed %#llx", (unsigned long long)rng_state);
	uint8_t buf[4096];
	for (int i = 0; i < 2000; i++) {
		int rows = 1 + (int)(rng() % 60), cols = 1 + (int)(rng() % 200);
		CHECK_EQ_INT(fbc_term_resize(term, rows, cols), 0);
		for (size_t k = 0; k < sizeof(buf); k++) {
			uint32_t r = rng();
			buf[k] = r % 8 == 0 ? (uint8_t) "\x1b[;\n\r\xe4\xb8\xad"[r / 8 % 9]
					    : (uint8_t)(r / 8);
		}
		fbc_term_feed(term, buf, sizeof(buf));
		check_cursor_on_screen(term);
		fbc_term_view_scroll(term, (long)(rng() % 100) - 50);
	}
	CHECK_EQ_INT(fbc_term_resize(term, ROWS, COLS), 0);
	check_recovers(term);
	CHECK_EQ_INT(fbc_term_resize(term, 0, 10), -EINVAL);
	CHECK_EQ_INT(fbc_term_resize(term, 10, 100000), -EINVAL);
	fbc_term_destroy(term);
}

static const struct test_case cases[] = {
	TEST_CASE(test_hostile_invalid_utf8_and_random_bytes),
	TEST_CASE(test_hostile_huge_csi_parameters),
	TEST_CASE(test_hostile_endless_strings),
	TEST_CASE(test_hostile_bell_and_reply_floods),
	TEST_CASE(test_hostile_combining_floods),
	TEST_CASE(test_hostile_scroll_and_screen_floods),
	TEST_CASE(test_hostile_resize_storm),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
