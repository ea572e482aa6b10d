/*
 * The Y4M header parser: every stream tag and value it knows, the errors it gives (with the
 * field named in the text), incomplete headers, frame headers and their I tags.
 */
#include <errno.h>
#include <string.h>

#include "test.h"
#include "y4m.h"
#include "y4m_synth.h"

static int parse(const char *hdr, struct y4m_stream *st, struct y4m_error *err)
{
	*err = (struct y4m_error){ "" };
	return y4m_parse_stream_header((const uint8_t *)hdr, strlen(hdr), st, err);
}

/* Parsing must fail with ret and a message containing needle. */
static void expect_fail(const char *hdr, int ret, const char *needle)
{
	struct y4m_stream st;
	struct y4m_error err;
	int got = parse(hdr, &st, &err);
	CHECK_MSG(got == ret, "'%s': got %d, expected %d (%s)", hdr, got, ret, err.text);
	CHECK_MSG(strstr(err.text, needle) != NULL, "'%s': message '%s' lacks '%s'", hdr, err.text,
		needle);
}

static void test_minimal_defaults(void)
{
	struct y4m_stream st;
	struct y4m_error err;
	const char *h = "YUV4MPEG2 W4 H2\n";
	CHECK_EQ_INT(parse(h, &st, &err), (int)strlen(h));
	CHECK_EQ_INT(st.width, 4);
	CHECK_EQ_INT(st.height, 2);
	CHECK_EQ_INT(st.chroma, Y4M_C420JPEG);
	CHECK_EQ_INT(st.fps.num, 0);
	CHECK_EQ_INT(st.aspect.den, 0);
	CHECK_EQ_INT(st.interlace, Y4M_ILACE_UNKNOWN);
	CHECK_EQ_INT(st.range, Y4M_RANGE_UNSPECIFIED);
	CHECK_EQ_INT(st.n_planes, 3);
	CHECK_EQ_INT(st.frame_bytes, 8 + 2 * 2);
	CHECK_EQ_INT(st.unknown_tags, 0);
}

static void test_every_chroma(void)
{
	static const struct {
		const char *tag;
		enum y4m_chroma c;
		unsigned planes;
		size_t bytes; // for W5 H3
		uint32_t cw, ch;
	} t[] = {
		{ "420jpeg", Y4M_C420JPEG, 3, 15 + 2 * 3 * 2, 3, 2 },
		{ "420mpeg2", Y4M_C420MPEG2, 3, 15 + 2 * 3 * 2, 3, 2 },
		{ "420paldv", Y4M_C420PALDV, 3, 15 + 2 * 3 * 2, 3, 2 },
		{ "420", Y4M_C420JPEG, 3, 15 + 2 * 3 * 2, 3, 2 },
		{ "411", Y4M_C411, 3, 15 + 2 * 2 * 3, 2, 3 },
		{ "422", Y4M_C422, 3, 15 + 2 * 3 * 3, 3, 3 },
		{ "444", Y4M_C444, 3, 45, 5, 3 },
		{ "444alpha", Y4M_C444ALPHA, 4, 60, 5, 3 },
		{ "mono", Y4M_CMONO, 1, 15, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char h[64];
		snprintf(h, sizeof(h), "YUV4MPEG2 W5 H3 C%s\n", t[i].tag);
		struct y4m_stream st;
		struct y4m_error err;
		CHECK_MSG(parse(h, &st, &err) > 0, "%s: %s", t[i].tag, err.text);
		CHECK_EQ_INT(st.chroma, t[i].c);
		CHECK_EQ_INT(st.n_planes, t[i].planes);
		CHECK_EQ_INT(st.frame_bytes, t[i].bytes);
		if (t[i].planes > 1) {
			CHECK_EQ_INT(st.plane_width[1], t[i].cw);
			CHECK_EQ_INT(st.plane_height[2], t[i].ch);
			CHECK_EQ_INT(st.plane_offset[2], 15 + t[i].cw * t[i].ch);
		}
	}
}

static void test_deep_and_unknown_chroma(void)
{
	static const char *const deep[] = { "420p10", "420p9", "422p12", "444p16", "mono16",
		"420p14", "mono10" };
	for (size_t i = 0; i < sizeof(deep) / sizeof(deep[0]); i++) {
		char h[64];
		snprintf(h, sizeof(h), "YUV4MPEG2 W4 H4 C%s\n", deep[i]);
		expect_fail(h, -EOPNOTSUPP, "8 bits");
	}
	expect_fail("YUV4MPEG2 W4 H4 C420xyz\n", -EOPNOTSUPP, "unknown chroma 'C420xyz'");
	expect_fail("YUV4MPEG2 W4 H4 C\n", -EOPNOTSUPP, "unknown chroma");
}

static void test_frame_rate(void)
{
	struct y4m_stream st;
	struct y4m_error err;
	CHECK(parse("YUV4MPEG2 W4 H4 F30000:1001\n", &st, &err) > 0);
	CHECK(st.fps.num == 30000 && st.fps.den == 1001);
	CHECK(parse("YUV4MPEG2 W4 H4 F0:0\n", &st, &err) > 0);
	CHECK(st.fps.num == 0 && st.fps.den == 0);
	CHECK(parse("YUV4MPEG2 W4 H4 F1:1000\n", &st, &err) > 0);
	CHECK(parse("YUV4MPEG2 W4 H4 F1000:1\n", &st, &err) > 0);
	expect_fail("YUV4MPEG2 W4 H4 F30:0\n", -EPROTO, "zero denominator");
	expect_fail("YUV4MPEG2 W4 H4 F0:1\n", -ERANGE, "frame rate 'F0:1'");
	expect_fail("YUV4MPEG2 W4 H4 F1001:1\n", -ERANGE, "out of range");
	expect_fail("YUV4MPEG2 W4 H4 F1:1001\n", -ERANGE, "out of range");
	expect_fail("YUV4MPEG2 W4 H4 F30\n", -EPROTO, "expected n:d");
	expect_fail("YUV4MPEG2 W4 H4 F-1:1\n", -EPROTO, "frame rate");
	expect_fail("YUV4MPEG2 W4 H4 F25:1x\n", -EPROTO, "frame rate");
	expect_fail("YUV4MPEG2 W4 H4 F9999999999:1\n", -EPROTO, "frame rate");
}

static void test_aspect(void)
{
	struct y4m_stream st;
	struct y4m_error err;
	CHECK(parse("YUV4MPEG2 W4 H4 A128:117\n", &st, &err) > 0);
	CHECK(st.aspect.num == 128 && st.aspect.den == 117);
	CHECK(parse("YUV4MPEG2 W4 H4 A0:0\n", &st, &err) > 0);
	CHECK(st.aspect.num == 0);
	expect_fail("YUV4MPEG2 W4 H4 A1:0\n", -EPROTO, "pixel aspect 'A1:0'");
	expect_fail("YUV4MPEG2 W4 H4 A1000:1\n", -ERANGE, "pixel aspect");
	expect_fail("YUV4MPEG2 W4 H4 A4/3\n", -EPROTO, "pixel aspect");
}

static void test_interlace(void)
{
	static const struct {
		const char *v;
		enum y4m_interlace i;
	} t[] = {
		{ "p", Y4M_ILACE_PROGRESSIVE },
		{ "t", Y4M_ILACE_TOP_FIRST },
		{ "b", Y4M_ILACE_BOTTOM_FIRST },
		{ "m", Y4M_ILACE_MIXED },
		{ "?", Y4M_ILACE_UNKNOWN },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char h[64];
		snprintf(h, sizeof(h), "YUV4MPEG2 W4 H4 I%s\n", t[i].v);
		struct y4m_stream st;
		struct y4m_error err;
		CHECK(parse(h, &st, &err) > 0);
		CHECK_EQ_INT(st.interlace, t[i].i);
	}
	expect_fail("YUV4MPEG2 W4 H4 Ix\n", -EPROTO, "bad interlacing 'Ix'");
	expect_fail("YUV4MPEG2 W4 H4 Ipp\n", -EPROTO, "bad interlacing");
	expect_fail("YUV4MPEG2 W4 H4 I\n", -EPROTO, "bad interlacing");
}

static void test_sizes(void)
{
	struct y4m_stream st;
	struct y4m_error err;
	CHECK(parse("YUV4MPEG2 W0005 H3\n", &st, &err) > 0);
	CHECK_EQ_INT(st.width, 5);
	CHECK(parse("YUV4MPEG2 W4 W8 H2\n", &st, &err) > 0); // the last one counts
	CHECK_EQ_INT(st.width, 8);
	CHECK(parse("YUV4MPEG2 W16384 H8192 Cmono\n", &st, &err) > 0);
	expect_fail("YUV4MPEG2 W0 H4\n", -ERANGE, "width 0");
	expect_fail("YUV4MPEG2 W4 H0\n", -ERANGE, "height 0");
	expect_fail("YUV4MPEG2 W16385 H4\n", -ERANGE, "width 16385");
	expect_fail("YUV4MPEG2 W16384 H16384 C444\n", -ERANGE, "MiB limit");
	expect_fail("YUV4MPEG2 Wabc H4\n", -EPROTO, "bad width 'Wabc'");
	expect_fail("YUV4MPEG2 W+5 H4\n", -EPROTO, "bad width");
	expect_fail("YUV4MPEG2 W4 H4.5\n", -EPROTO, "bad height");
	expect_fail("YUV4MPEG2 W4\n", -EPROTO, "without a height");
	expect_fail("YUV4MPEG2 H4\n", -EPROTO, "without a width");
	expect_fail("YUV4MPEG2\n", -EPROTO, "without a width");
}

static void test_x_tags(void)
{
	struct y4m_stream st;
	struct y4m_error err;
	CHECK(parse("YUV4MPEG2 W4 H4 XCOLORRANGE=FULL\n", &st, &err) > 0);
	CHECK_EQ_INT(st.range, Y4M_RANGE_FULL);
	CHECK(parse("YUV4MPEG2 W4 H4 XCOLORRANGE=LIMITED\n", &st, &err) > 0);
	CHECK_EQ_INT(st.range, Y4M_RANGE_LIMITED);
	CHECK(parse("YUV4MPEG2 W4 H4 XCOLORRANGE=SOMETIMES\n", &st, &err) > 0);
	CHECK_EQ_INT(st.range, Y4M_RANGE_UNSPECIFIED);
	CHECK_EQ_INT(st.unknown_tags, 1);
	/* XYSCSS is the chroma only without a C tag, wherever the C tag is. */
	CHECK(parse("YUV4MPEG2 W4 H4 XYSCSS=420MPEG2\n", &st, &err) > 0);
	CHECK_EQ_INT(st.chroma, Y4M_C420MPEG2);
	CHECK(st.chroma_from_xyscss);
	CHECK(parse("YUV4MPEG2 W4 H4 XYSCSS=420MPEG2 C444\n", &st, &err) > 0);
	CHECK_EQ_INT(st.chroma, Y4M_C444);
	CHECK(parse("YUV4MPEG2 W4 H4 C444 XYSCSS=420MPEG2\n", &st, &err) > 0);
	CHECK_EQ_INT(st.chroma, Y4M_C444);
	CHECK(parse("YUV4MPEG2 W4 H4 C420jpeg XYSCSS=420P10\n", &st, &err) > 0);
	expect_fail("YUV4MPEG2 W4 H4 XYSCSS=420P10\n", -EOPNOTSUPP, "8 bits");
	CHECK(parse("YUV4MPEG2 W4 H4 XYSCSS=WHATEVER XFOO=1\n", &st, &err) > 0);
	CHECK_EQ_INT(st.unknown_tags, 2);
	CHECK(strcmp(st.first_unknown, "XYSCSS=WHATEVER") == 0);
}

static void test_unknown_and_malformed_fields(void)
{
	struct y4m_stream st;
	struct y4m_error err;
	CHECK(parse("YUV4MPEG2 W4 H4 Z123 Q\n", &st, &err) > 0);
	CHECK_EQ_INT(st.unknown_tags, 2);
	CHECK(strcmp(st.first_unknown, "Z123") == 0);
	CHECK(parse("YUV4MPEG2  W4   H4 \n", &st, &err) > 0); // empty fields skipped
	expect_fail("YUV4MPEG2 W4 H4\r\n", -EPROTO, "control byte 0x0d");
	expect_fail("YUV4MPEG2 W4\tH4\n", -EPROTO, "control byte 0x09");
}

static void test_magic_and_length(void)
{
	struct y4m_stream st;
	struct y4m_error err;
	expect_fail("YUV4MPEG1 W4 H4\n", -EPROTO, "no YUV4MPEG2 magic");
	expect_fail("RIFF\x24\x08\x00\x00WAVE", -EPROTO, "no YUV4MPEG2 magic");
	expect_fail("YUV4MPEG2W4 H4\n", -EPROTO, "bad magic");
	/* Every proper prefix of a good header asks for more. */
	const char *h = "YUV4MPEG2 W352 H288 F30000:1001 Ip A128:117 C420mpeg2 XCOLORRANGE=FULL\n";
	for (size_t n = 0; n < strlen(h); n++) {
		int ret = y4m_parse_stream_header((const uint8_t *)h, n, &st, &err);
		CHECK_MSG(ret == -EAGAIN, "prefix %zu: %d", n, ret);
	}
	CHECK_EQ_INT(
		y4m_parse_stream_header((const uint8_t *)h, strlen(h), &st, &err), (int)strlen(h));
	uint8_t long_line[Y4M_MAX_HEADER + 10];
	memset(long_line, 'X', sizeof(long_line));
	memcpy(long_line, "YUV4MPEG2 ", 10);
	CHECK_EQ_INT(y4m_parse_stream_header(long_line, sizeof(long_line), &st, &err), -EMSGSIZE);
	CHECK(strstr(err.text, "longer than") != NULL);
}

/* What y4m_synth writes reads back. */
static void test_synth_headers_parse(void)
{
	for (int s = YUV_420_CENTER; s <= YUV_MONO; s++) {
		struct y4m_synth syn = { .width = 33,
			.height = 17,
			.sampling = (enum yuv_sampling)s,
			.range = YUV_RANGE_FULL,
			.fps_num = 24000,
			.fps_den = 1001 };
		char h[256];
		REQUIRE(y4m_synth_header(&syn, h, sizeof(h)) > 0);
		struct y4m_stream st;
		struct y4m_error err;
		CHECK_MSG(parse(h, &st, &err) > 0, "%s", err.text);
		CHECK_EQ_INT(st.frame_bytes, y4m_synth_frame_size(&syn));
		CHECK_EQ_INT(st.range, Y4M_RANGE_FULL);
		CHECK(st.fps.num == 24000 && st.fps.den == 1001);
	}
}

/* ---- Frame headers ---------------------------------------------------------------------- */

static int frame(const struct y4m_stream *st, const char *h, struct y4m_frame_info *fi,
	struct y4m_error *err)
{
	*err = (struct y4m_error){ "" };
	return y4m_parse_frame_header(st, (const uint8_t *)h, strlen(h), fi, err);
}

static struct y4m_stream stream(const char *h)
{
	struct y4m_stream st;
	struct y4m_error err;
	REQUIRE(parse(h, &st, &err) > 0);
	return st;
}

static void test_frame_plain(void)
{
	struct y4m_stream p = stream("YUV4MPEG2 W4 H4 Ip\n"), t = stream("YUV4MPEG2 W4 H4 It\n");
	struct y4m_frame_info fi;
	struct y4m_error err;
	CHECK_EQ_INT(frame(&p, "FRAME\n", &fi, &err), 6);
	CHECK(!fi.interlaced);
	CHECK_EQ_INT(frame(&t, "FRAME\n", &fi, &err), 6);
	CHECK(fi.interlaced);
	CHECK_EQ_INT(frame(&p, "FRAME XFOO=1 Zbar\n", &fi, &err), 18);
	CHECK_EQ_INT(fi.unknown_tags, 1); // X tags are expected, other letters counted
	CHECK_EQ_INT(frame(&p, "FRAME Itpp\n", &fi, &err), 11);
	CHECK_EQ_INT(fi.unknown_tags, 1); // an I tag outside Im is skipped
	CHECK(!fi.interlaced);
}

static void test_frame_mixed_tags(void)
{
	struct y4m_stream m = stream("YUV4MPEG2 W4 H4 Im\n");
	static const struct {
		const char *h;
		enum y4m_presentation p;
		bool interlaced;
	} t[] = {
		{ "FRAME Itii\n", Y4M_PRESENT_TOP_FIRST, true },
		{ "FRAME ITii\n", Y4M_PRESENT_TOP_FIRST_RPT, true },
		{ "FRAME Ibii\n", Y4M_PRESENT_BOTTOM_FIRST, true },
		{ "FRAME IBip\n", Y4M_PRESENT_BOTTOM_FIRST_RPT, false },
		{ "FRAME I1pp\n", Y4M_PRESENT_PROG_SINGLE, false },
		{ "FRAME I2pp\n", Y4M_PRESENT_PROG_DOUBLE, false },
		{ "FRAME I3p?\n", Y4M_PRESENT_PROG_TRIPLE, false },
		{ "FRAME Iti?\n", Y4M_PRESENT_TOP_FIRST, true },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct y4m_frame_info fi;
		struct y4m_error err;
		CHECK_MSG(frame(&m, t[i].h, &fi, &err) == 11, "%s: %s", t[i].h, err.text);
		CHECK_EQ_INT(fi.presentation, t[i].p);
		CHECK_EQ_INT(fi.interlaced, t[i].interlaced);
	}
}

static void test_frame_errors(void)
{
	struct y4m_stream m = stream("YUV4MPEG2 W4 H4 Im\n");
	struct y4m_frame_info fi;
	struct y4m_error err;
	CHECK_EQ_INT(frame(&m, "FRAME Ixpp\n", &fi, &err), -EPROTO);
	CHECK(strstr(err.text, "bad frame tag 'Ixpp'") != NULL);
	CHECK_EQ_INT(frame(&m, "FRAME Ip\n", &fi, &err), -EPROTO);
	CHECK_EQ_INT(frame(&m, "FRAME I1pz\n", &fi, &err), -EPROTO);
	CHECK_EQ_INT(frame(&m, "FRAMX\n", &fi, &err), -EPROTO);
	CHECK(strstr(err.text, "missing FRAME marker") != NULL);
	CHECK_EQ_INT(frame(&m, "FRAMEX\n", &fi, &err), -EPROTO);
	CHECK_EQ_INT(frame(&m, "\x10\x80\x80\x80\x80\x80\x80", &fi, &err), -EPROTO);
	CHECK_EQ_INT(frame(&m, "FRAME", &fi, &err), -EAGAIN);
	CHECK_EQ_INT(frame(&m, "FRA", &fi, &err), -EAGAIN);
	CHECK_EQ_INT(frame(&m, "FRAME I1pp", &fi, &err), -EAGAIN);
	CHECK_EQ_INT(frame(&m, "FRAME I1pp\r\n", &fi, &err), -EPROTO);
}

static void test_to_str(void)
{
	CHECK(strcmp(y4m_chroma_to_str(Y4M_C420PALDV), "420paldv") == 0);
	CHECK(strcmp(y4m_chroma_to_str((enum y4m_chroma)99), "?") == 0);
	CHECK(strcmp(y4m_interlace_to_str(Y4M_ILACE_MIXED), "mixed") == 0);
	CHECK(strcmp(y4m_range_to_str(Y4M_RANGE_FULL), "full") == 0);
}

static const struct test_case cases[] = {
	TEST_CASE(test_minimal_defaults),
	TEST_CASE(test_every_chroma),
	TEST_CASE(test_deep_and_unknown_chroma),
	TEST_CASE(test_frame_rate),
	TEST_CASE(test_aspect),
	TEST_CASE(test_interlace),
	TEST_CASE(test_sizes),
	TEST_CASE(test_x_tags),
	TEST_CASE(test_unknown_and_malformed_fields),
	TEST_CASE(test_magic_and_length),
	TEST_CASE(test_synth_headers_parse),
	TEST_CASE(test_frame_plain),
	TEST_CASE(test_frame_mixed_tags),
	TEST_CASE(test_frame_errors),
	TEST_CASE(test_to_str),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
