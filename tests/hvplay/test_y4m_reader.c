/*
 * The read-ahead reader on real files: good clips, seeking, and every kind of bad file: zero and
 * absurd sizes, truncated frames and headers, missing FRAME markers, bad frame tags, a file that
 * grows while playing and one that shrinks. Waits are on the reader itself (next_wait), never
 * on time.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "clip.h"
#include "test.h"
#include "y4m_reader.h"

static const struct y4m_synth small = { .width = 16, .height = 8 };

/* Frame f holds synthetic frame `expect`. */
static void check_frame(const struct clip *c, const struct y4m_frame *f, unsigned expect)
{
	const uint8_t *want = c->data + c->frame_off[expect] + 6;
	CHECK_MSG(memcmp(f->plane[0], want, c->frame_bytes) == 0, "frame %llu is not clip frame %u",
		(unsigned long long)f->index, expect);
}

static struct y4m_reader *open_clip(struct clip *c, const struct y4m_reader_options *o)
{
	struct y4m_reader *r;
	struct y4m_error err;
	int ret = y4m_reader_open(&r, c->path, o, &err);
	CHECK_MSG(ret == 0, "open: %d %s", ret, err.text);
	REQUIRE(ret == 0);
	return r;
}

/* Reads frames until the end; expect[i] is which clip frame the i-th should be. */
static int read_all(struct y4m_reader *r, const struct clip *c, const unsigned *expect, unsigned n)
{
	struct y4m_frame *f;
	unsigned got = 0;
	int ret;
	while ((ret = y4m_reader_next_wait(r, &f)) == 0) {
		if (got < n)
			check_frame(c, f, expect[got]);
		got++;
		y4m_reader_release(r, f);
	}
	CHECK_EQ_INT(got, n);
	return ret;
}

static bool has_warning(struct y4m_reader *r, const char *needle)
{
	char w[200];
	bool found = false;
	while (y4m_reader_take_warning(r, w, sizeof(w))) {
		NOTE("warning: %s", w);
		found = found || strstr(w, needle) != NULL;
	}
	return found;
}

static void test_good_clip(void)
{
	struct clip c;
	clip_build(&c, &small, 5);
	clip_write(&c, SIZE_MAX);
	struct y4m_reader *r = open_clip(&c, NULL);
	CHECK_EQ_INT(y4m_reader_get_stream(r)->frame_bytes, c.frame_bytes);
	static const unsigned all[] = { 0, 1, 2, 3, 4 };
	CHECK_EQ_INT(read_all(r, &c, all, 5), -ENODATA);
	struct y4m_frame *f;
	CHECK_EQ_INT(y4m_reader_next(r, &f), -ENODATA); // and stays ended
	bool complete;
	CHECK_EQ_INT(y4m_reader_known_frames(r, &complete), 5);
	CHECK(complete);
	CHECK(!has_warning(r, ""));
	struct y4m_reader_stats st;
	y4m_reader_get_stats(r, &st);
	CHECK_EQ_INT(st.frames, 5);
	CHECK_EQ_INT(st.bytes, 5 * (6 + c.frame_bytes));
	y4m_reader_destroy(r);
	clip_free(&c);
}

static void test_seek(void)
{
	struct clip c;
	clip_build(&c, &small, 6);
	clip_write(&c, SIZE_MAX);
	struct y4m_reader *r = open_clip(&c, NULL);
	struct y4m_frame *f;
	y4m_reader_seek(r, 3); // not read yet: found by offset
	REQUIRE(y4m_reader_next_wait(r, &f) == 0);
	CHECK_EQ_INT(f->index, 3);
	check_frame(&c, f, 3);
	y4m_reader_release(r, f);
	y4m_reader_seek(r, 100); // past the end: the last frame
	REQUIRE(y4m_reader_next_wait(r, &f) == 0);
	CHECK_EQ_INT(f->index, 5);
	check_frame(&c, f, 5);
	y4m_reader_seek(r, 0); // the held frame stays valid
	check_frame(&c, f, 5);
	y4m_reader_release(r, f);
	REQUIRE(y4m_reader_next_wait(r, &f) == 0);
	CHECK_EQ_INT(f->index, 0);
	y4m_reader_release(r, f);
	y4m_reader_destroy(r);
	clip_free(&c);
}

/* Frame headers that are not plain "FRAME\n": seeking walks them. */
static void test_seek_with_tagged_frames(void)
{
	struct clip c;
	clip_build(&c, &small, 4);
	/* Rebuild with "FRAME Xa=1\n" headers (5 more bytes each). */
	size_t fb = c.frame_bytes, hl = c.header_len;
	uint8_t *d = malloc(hl + 4 * (11 + fb));
	REQUIRE(d);
	memcpy(d, c.data, hl);
	for (unsigned i = 0; i < 4; i++) {
		memcpy(d + hl + i * (11 + fb), "FRAME Xa=1\n", 11);
		memcpy(d + hl + i * (11 + fb) + 11, c.data + c.frame_off[i] + 6, fb);
	}
	free(c.data);
	c.data = d;
	c.len = hl + 4 * (11 + fb);
	clip_write(&c, SIZE_MAX);
	struct y4m_reader *r = open_clip(&c, NULL);
	struct y4m_frame *f;
	REQUIRE(y4m_reader_next_wait(r, &f) == 0); // one frame read: headers are seen irregular
	y4m_reader_release(r, f);
	y4m_reader_seek(r, 3);
	REQUIRE(y4m_reader_next_wait(r, &f) == 0);
	CHECK_EQ_INT(f->index, 3);
	CHECK(memcmp(f->plane[0], d + hl + 3 * (11 + fb) + 11, fb) == 0);
	y4m_reader_release(r, f);
	y4m_reader_destroy(r);
	clip_free(&c);
}

static void expect_open_error(const char *content, size_t len, int ret, const char *needle)
{
	struct clip c = { 0 };
	c.data = malloc(len + 1);
	memcpy(c.data, content, len);
	c.len = len;
	clip_write(&c, SIZE_MAX);
	struct y4m_reader *r = NULL;
	struct y4m_error err = { "" };
	int got = y4m_reader_open(&r, c.path, NULL, &err);
	CHECK_MSG(got == ret, "'%.20s': %d, expected %d (%s)", content, got, ret, err.text);
	CHECK_MSG(strstr(err.text, needle) != NULL, "'%s' lacks '%s'", err.text, needle);
	CHECK(r == NULL);
	clip_free(&c);
}

static void test_bad_stream_headers(void)
{
	expect_open_error("", 0, -EPROTO, "empty");
	expect_open_error("YUV4MPEG2 W0 H2\n", 16, -ERANGE, "width 0");
	expect_open_error("YUV4MPEG2 W4 H0\n", 16, -ERANGE, "height 0");
	expect_open_error("YUV4MPEG2 W99999 H2\n", 20, -ERANGE, "width 99999");
	expect_open_error("YUV4MPEG2 W16384 H16384 C444\n", 29, -ERANGE, "limit");
	expect_open_error("YUV4MPEG2 W4 H4 Cfoo\n", 21, -EOPNOTSUPP, "unknown chroma");
	expect_open_error("YUV4MPEG2 W4 H4", 15, -EPROTO, "ends inside the stream header");
	expect_open_error("\x89PNG\r\n\x1a\n", 8, -EPROTO, "not a YUV4MPEG2");
	struct y4m_reader *r;
	struct y4m_error err;
	CHECK_EQ_INT(y4m_reader_open(&r, "/nonexistent/clip.y4m", NULL, &err), -ENOENT);
	CHECK(strstr(err.text, "/nonexistent/clip.y4m") != NULL);
}

static void test_truncated_last_frame(void)
{
	struct clip c;
	clip_build(&c, &small, 4);
	clip_write(&c, c.frame_off[3] + 6 + c.frame_bytes / 2);
	struct y4m_reader *r = open_clip(&c, NULL);
	static const unsigned expect[] = { 0, 1, 2 };
	CHECK_EQ_INT(read_all(r, &c, expect, 3), -ENODATA);
	CHECK(has_warning(r, "truncated"));
	struct y4m_reader_stats st;
	y4m_reader_get_stats(r, &st);
	CHECK_EQ_INT(st.truncated, 1);
	y4m_reader_destroy(r);
	clip_free(&c);
}

static void test_truncated_frame_header(void)
{
	struct clip c;
	clip_build(&c, &small, 3);
	clip_write(&c, c.frame_off[2] + 3); // "FRA"
	struct y4m_reader *r = open_clip(&c, NULL);
	static const unsigned expect[] = { 0, 1 };
	CHECK_EQ_INT(read_all(r, &c, expect, 2), -ENODATA);
	CHECK(has_warning(r, "frame header"));
	y4m_reader_destroy(r);
	clip_free(&c);
}

/* Frame 2's marker is garbage: the reader skips to frame 3's. */
static void test_missing_marker_resyncs(void)
{
	struct clip c;
	clip_build(&c, &small, 5);
	memcpy(c.data + c.frame_off[2], "XXXXX\n", 6);
	clip_write(&c, SIZE_MAX);
	struct y4m_reader *r = open_clip(&c, NULL);
	static const unsigned expect[] = { 0, 1, 3, 4 };
	CHECK_EQ_INT(read_all(r, &c, expect, 4), -ENODATA);
	CHECK(has_warning(r, "no FRAME marker"));
	struct y4m_reader_stats st;
	y4m_reader_get_stats(r, &st);
	CHECK_EQ_INT(st.resyncs, 1);
	y4m_reader_destroy(r);
	clip_free(&c);
}

/* No marker anywhere after frame 1: the stream fails with a reason. */
static void test_missing_marker_for_good(void)
{
	struct clip c;
	clip_build(&c, &small, 4);
	memset(c.data + c.frame_off[2], 0x55, c.len - c.frame_off[2]);
	clip_write(&c, SIZE_MAX);
	struct y4m_reader *r = open_clip(&c, NULL);
	static const unsigned expect[] = { 0, 1 };
	CHECK_EQ_INT(read_all(r, &c, expect, 2), -EIO);
	CHECK(strstr(y4m_reader_error(r), "no FRAME marker") != NULL);
	y4m_reader_destroy(r);
	clip_free(&c);
}

/* A frame with a malformed tag ("FRAME Ixyz" in an Im stream) is skipped; the others play,
 * with their own I tags. */
static void test_bad_i_tag_skips_frame(void)
{
	struct y4m_synth s = small;
	s.extra_tags = " Im"; // the last I wins: a mixed stream
	struct clip c;
	clip_build(&c, &s, 4);
	size_t fb = c.frame_bytes, hl = c.header_len;
	static const char *const hdr[4] = { "FRAME I1pp\n", "FRAME Ixyz\n", "FRAME Itii\n",
		"FRAME I2pp\n" };
	uint8_t *d = malloc(hl + 4 * (11 + fb));
	REQUIRE(d);
	memcpy(d, c.data, hl);
	for (unsigned i = 0; i < 4; i++) {
		memcpy(d + hl + i * (11 + fb), hdr[i], 11);
		memcpy(d + hl + i * (11 + fb) + 11, c.data + c.frame_off[i] + 6, fb);
	}
	free(c.data);
	c.data = d;
	c.len = hl + 4 * (11 + fb);
	clip_write(&c, SIZE_MAX);
	struct y4m_reader *r = open_clip(&c, NULL);
	struct y4m_frame *f;
	REQUIRE(y4m_reader_next_wait(r, &f) == 0);
	CHECK_EQ_INT(f->info.presentation, Y4M_PRESENT_PROG_SINGLE);
	y4m_reader_release(r, f);
	REQUIRE(y4m_reader_next_wait(r, &f) == 0);
	CHECK_EQ_INT(f->info.presentation, Y4M_PRESENT_TOP_FIRST);
	CHECK(f->info.interlaced);
	CHECK(memcmp(f->plane[0], d + hl + 2 * (11 + fb) + 11, fb) == 0);
	y4m_reader_release(r, f);
	REQUIRE(y4m_reader_next_wait(r, &f) == 0);
	CHECK_EQ_INT(f->info.presentation, Y4M_PRESENT_PROG_DOUBLE);
	y4m_reader_release(r, f);
	CHECK_EQ_INT(y4m_reader_next_wait(r, &f), -ENODATA);
	CHECK(has_warning(r, "bad frame tag 'Ixyz'"));
	struct y4m_reader_stats st;
	y4m_reader_get_stats(r, &st);
	CHECK_EQ_INT(st.skipped, 1);
	y4m_reader_destroy(r);
	clip_free(&c);
}

/* --follow: frames written after the reader reached the end arrive, even one written in two
 * pieces. */
static void test_growing_file(void)
{
	struct clip c;
	clip_build(&c, &small, 4);
	clip_write(&c, c.frame_off[2]);
	const struct y4m_reader_options o = { .follow = true, .follow_poll_ms = 5 };
	struct y4m_reader *r = open_clip(&c, &o);
	struct y4m_frame *f;
	for (unsigned i = 0; i < 2; i++) {
		REQUIRE(y4m_reader_next_wait(r, &f) == 0);
		check_frame(&c, f, i);
		y4m_reader_release(r, f);
	}
	clip_append(&c, c.frame_off[2], c.frame_off[2] + 10); // half a frame...
	clip_append(&c, c.frame_off[2] + 10, c.len);          // ...then the rest
	for (unsigned i = 2; i < 4; i++) {
		REQUIRE(y4m_reader_next_wait(r, &f) == 0);
		check_frame(&c, f, i);
		y4m_reader_release(r, f);
	}
	CHECK_EQ_INT(y4m_reader_next(r, &f), -EAGAIN); // still following
	CHECK(!has_warning(r, ""));
	y4m_reader_destroy(r);
	clip_free(&c);
}

/* Without --follow a grown file is read on after a seek. */
static void test_grown_file_after_end(void)
{
	struct clip c;
	clip_build(&c, &small, 4);
	clip_write(&c, c.frame_off[2]);
	struct y4m_reader *r = open_clip(&c, NULL);
	static const unsigned first[] = { 0, 1 };
	CHECK_EQ_INT(read_all(r, &c, first, 2), -ENODATA);
	clip_append(&c, c.frame_off[2], c.len);
	y4m_reader_seek(r, 2);
	static const unsigned rest[] = { 2, 3 };
	CHECK_EQ_INT(read_all(r, &c, rest, 2), -ENODATA);
	y4m_reader_destroy(r);
	clip_free(&c);
}

/* The file shrinks under the reader: frames held stay readable (no mapping to fault), and
 * reading again where data was ends the stream with a warning. */
static void test_shrinking_file(void)
{
	struct clip c;
	clip_build(&c, &small, 5);
	clip_write(&c, SIZE_MAX);
	const struct y4m_reader_options o = { .n_buffers = 2 };
	struct y4m_reader *r = open_clip(&c, &o);
	struct y4m_frame *f0, *f1;
	REQUIRE(y4m_reader_next_wait(r, &f0) == 0);
	REQUIRE(y4m_reader_next_wait(r, &f1) == 0); // both buffers held: the thread waits
	REQUIRE(truncate(c.path, (off_t)(c.frame_off[1] + 6 + c.frame_bytes / 2)) == 0);
	check_frame(&c, f0, 0);
	check_frame(&c, f1, 1);
	y4m_reader_release(r, f0);
	y4m_reader_release(r, f1);
	y4m_reader_seek(r, 1); // frame 1 was read before; now it is cut
	struct y4m_frame *f;
	CHECK_EQ_INT(y4m_reader_next_wait(r, &f), -ENODATA);
	CHECK(has_warning(r, "shrank"));
	struct y4m_reader_stats st;
	y4m_reader_get_stats(r, &st);
	CHECK_EQ_INT(st.shrinks, 1);
	REQUIRE(truncate(c.path, 0) == 0);
	y4m_reader_seek(r, 0);
	CHECK_EQ_INT(y4m_reader_next_wait(r, &f), -ENODATA);
	y4m_reader_destroy(r);
	clip_free(&c);
}

static const struct test_case cases[] = {
	TEST_CASE(test_good_clip),
	TEST_CASE(test_seek),
	TEST_CASE(test_seek_with_tagged_frames),
	TEST_CASE(test_bad_stream_headers),
	TEST_CASE(test_truncated_last_frame),
	TEST_CASE(test_truncated_frame_header),
	TEST_CASE(test_missing_marker_resyncs),
	TEST_CASE(test_missing_marker_for_good),
	TEST_CASE(test_bad_i_tag_skips_frame),
	TEST_CASE(test_growing_file),
	TEST_CASE(test_grown_file_after_end),
	TEST_CASE(test_shrinking_file),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
