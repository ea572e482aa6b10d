/*
 * hvplay's conversion: accuracy against the double-precision formulas for every matrix and
 * range (every Y, Cb, Cr combination), the SIMD kernels against the C ones (seeded random rows,
 * every length and alignment near the vector sizes), and the scaler's geometry: 1:1, integer
 * scales, edges, crops, chroma siting and interlaced fields.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "y4m_synth.h"
#include "yuv_convert.h"
#include "yuv_geometry.h"
#include "yuv_kernels.h"

static const struct {
	enum yuv_matrix m;
	enum yuv_range r;
} combos[] = {
	{ YUV_MATRIX_BT601, YUV_RANGE_LIMITED },
	{ YUV_MATRIX_BT601, YUV_RANGE_FULL },
	{ YUV_MATRIX_BT709, YUV_RANGE_LIMITED },
	{ YUV_MATRIX_BT709, YUV_RANGE_FULL },
};

static uint32_t rng_state = 12345;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static int max_error(uint32_t px, const uint8_t ref[3])
{
	int e = 0;
	for (int c = 0; c < 3; c++) {
		int got = (int)(px >> (16 - 8 * c)) & 0xff;
		int d = abs(got - ref[c]);
		e = d > e ? d : e;
	}
	return e;
}

/* All 2^24 inputs through row444 of the kernels, one Y value per call. */
static void check_accuracy(const struct yuv_kernels *k)
{
	enum { N = 65536 };
	uint8_t *y = malloc(N), *u = malloc(N), *v = malloc(N);
	uint32_t *out = malloc(N * 4);
	REQUIRE(y && u && v && out);
	for (size_t ci = 0; ci < sizeof(combos) / sizeof(combos[0]); ci++) {
		struct yuv_coeffs c;
		yuv_coeffs_init(&c, combos[ci].m, combos[ci].r);
		int worst = 0;
		uint64_t off_by_one = 0;
		for (int yy = 0; yy < 256; yy++) {
			for (int i = 0; i < N; i++) {
				y[i] = (uint8_t)yy;
				u[i] = (uint8_t)i;
				v[i] = (uint8_t)(i >> 8);
			}
			k->row444(out, y, u, v, N, &c);
			for (int i = 0; i < N; i++) {
				uint8_t ref[3];
				yuv_reference_pixel(
					combos[ci].m, combos[ci].r, y[i], u[i], v[i], ref);
				int e = max_error(out[i], ref);
				worst = e > worst ? e : worst;
				off_by_one += e == 1;
				CHECK(out[i] >> 24 == 0xff);
			}
		}
		NOTE("%s %s %s: max error %d LSB, %llu of 16777216 pixels off by one", k->name,
			yuv_matrix_to_str(combos[ci].m), yuv_range_to_str(combos[ci].r), worst,
			(unsigned long long)off_by_one);
		CHECK_MSG(worst <= 1, "%s %s %s: error %d LSB", k->name,
			yuv_matrix_to_str(combos[ci].m), yuv_range_to_str(combos[ci].r), worst);
	}
	free(y);
	free(u);
	free(v);
	free(out);
}

static void test_accuracy_c(void)
{
	check_accuracy(yuv_kernels_get(YUV_ISA_C));
}

static void test_accuracy_avx2(void)
{
	const struct yuv_kernels *k = yuv_kernels_get(YUV_ISA_AVX2);
	if (!k)
		SKIP("no AVX2 on this CPU");
	check_accuracy(k);
}

/* Known values: limited-range black, white and the primaries' exact codes. */
static void test_reference_points(void)
{
	uint8_t rgb[3];
	yuv_reference_pixel(YUV_MATRIX_BT601, YUV_RANGE_LIMITED, 16, 128, 128, rgb);
	CHECK(rgb[0] == 0 && rgb[1] == 0 && rgb[2] == 0);
	yuv_reference_pixel(YUV_MATRIX_BT601, YUV_RANGE_LIMITED, 235, 128, 128, rgb);
	CHECK(rgb[0] == 255 && rgb[1] == 255 && rgb[2] == 255);
	yuv_reference_pixel(YUV_MATRIX_BT601, YUV_RANGE_FULL, 76, 85, 255, rgb); // red
	CHECK(rgb[0] >= 254 && rgb[1] <= 1 && rgb[2] <= 1);
	yuv_reference_pixel(YUV_MATRIX_BT709, YUV_RANGE_LIMITED, 63, 102, 240, rgb); // red
	CHECK(rgb[0] >= 254 && rgb[1] <= 1 && rgb[2] <= 1);
	yuv_reference_pixel(YUV_MATRIX_BT709, YUV_RANGE_FULL, 18, 255, 116, rgb); // blue
	CHECK(rgb[0] <= 1 && rgb[1] <= 1 && rgb[2] >= 254);
}

/* The SIMD kernels give the C kernels' bytes: random rows of every length up to 100 and a few
 * long ones, at every offset of 0..3. */
static void test_kernels_match_c(void)
{
	const struct yuv_kernels *c = yuv_kernels_get(YUV_ISA_C);
	const struct yuv_kernels *s = yuv_kernels_get(YUV_ISA_AVX2);
	if (!s)
		SKIP("no AVX2 on this CPU");
	enum { MAX = 1200 };
	uint8_t a[MAX + 64], b[MAX + 64], u[2][MAX], v[2][MAX], d1[MAX + 64], d2[MAX + 64];
	uint32_t p1[MAX], p2[MAX];
	struct yuv_coeffs co;
	yuv_coeffs_init(&co, YUV_MATRIX_BT709, YUV_RANGE_LIMITED);
	unsigned fs[] = { 1, 17, 32, 64, 96, 127 };
	for (size_t n = 1; n < MAX; n = n < 100 ? n + 1 : n + 277) {
		for (size_t off = 0; off < 4; off++) {
			for (size_t i = 0; i < sizeof(a); i++)
				a[i] = (uint8_t)rnd(), b[i] = (uint8_t)rnd();
			for (size_t i = 0; i < MAX; i++)
				u[0][i] = (uint8_t)rnd(), u[1][i] = (uint8_t)rnd(),
				v[0][i] = (uint8_t)rnd(), v[1][i] = (uint8_t)rnd();
			unsigned f = fs[rnd() % 6];
			c->vblend(d1, a + off, b + off, n, f);
			s->vblend(d2, a + off, b + off, n, f);
			CHECK_MSG(memcmp(d1, d2, n) == 0, "vblend n %zu f %u differs", n, f);
			c->row444(p1, a + off, u[0], v[0], n, &co);
			s->row444(p2, a + off, u[0], v[0], n, &co);
			CHECK_MSG(memcmp(p1, p2, n * 4) == 0, "row444 n %zu differs", n);
			c->row422(p1, a + off, u[0], v[0], n, &co);
			s->row422(p2, a + off, u[0], v[0], n, &co);
			CHECK_MSG(memcmp(p1, p2, n * 4) == 0, "row422 n %zu differs", n);
			const uint8_t *const uu[2] = { u[0], u[1] }, *const vv[2] = { v[0], v[1] };
			unsigned q = 32 * (1 + rnd() % 3);
			c->row422_blend(p1, a + off, uu, vv, q, n, &co);
			s->row422_blend(p2, a + off, uu, vv, q, n, &co);
			CHECK_MSG(memcmp(p1, p2, n * 4) == 0, "row422_blend n %zu differs", n);
		}
	}
}

/* Random horizontal maps (up to 2x down, any up) give the same bytes through both. */
static void test_hscale_matches_c(void)
{
	const struct yuv_kernels *c = yuv_kernels_get(YUV_ISA_C);
	const struct yuv_kernels *s = yuv_kernels_get(YUV_ISA_AVX2);
	if (!s)
		SKIP("no AVX2 on this CPU");
	uint8_t src[2000], d1[4100], d2[4100];
	for (int iter = 0; iter < 200; iter++) {
		for (size_t i = 0; i < sizeof(src); i++)
			src[i] = (uint8_t)rnd();
		uint32_t n_src = 1 + rnd() % 1999, n_out = 1 + rnd() % 4000;
		if (n_out * 2 < n_src)
			n_out = n_src / 2 + 1;
		struct yuv_axis ax = { .n_out = n_out,
			.n_src = n_src,
			.out_origin = 0.5,
			.out_step = 1,
			.scale = (double)n_src / n_out,
			.src_origin = 0.5,
			.src_step = 1,
			.nearest = rnd() & 1 };
		struct yuv_hmap m;
		REQUIRE(yuv_hmap_init(&m, &ax) == 0);
		yuv_hmap_apply(&m, c, d1, src);
		yuv_hmap_apply(&m, s, d2, src);
		CHECK_MSG(memcmp(d1, d2, n_out) == 0, "hscale %u -> %u differs", n_src, n_out);
		CHECK(m.read_end <= n_src);
		yuv_hmap_finish(&m);
	}
}

/* ---- Geometry through the whole scaler -------------------------------------------------- */

struct planes {
	uint8_t *p[3];
	struct yuv_frame f;
	uint32_t w, h, cw, ch;
};

static void planes_init(struct planes *pl, enum yuv_sampling s, uint32_t w, uint32_t h)
{
	*pl = (struct planes){ .w = w, .h = h };
	yuv_chroma_size(s, w, h, &pl->cw, &pl->ch);
	for (int i = 0; i < 3; i++) {
		size_t n = i ? (size_t)pl->cw * pl->ch + 1 : (size_t)w * h;
		pl->p[i] = malloc(n);
		memset(pl->p[i], 128, n);
		pl->f.plane[i] = pl->p[i];
		pl->f.stride[i] = i ? pl->cw : w;
	}
}

static void planes_fini(struct planes *pl)
{
	for (int i = 0; i < 3; i++)
		free(pl->p[i]);
}

static uint32_t *convert(const struct yuv_scaler_config *cfg, const struct planes *pl)
{
	struct yuv_scaler *sc;
	REQUIRE(yuv_scaler_create(&sc, cfg) == 0);
	uint32_t *dst = calloc((size_t)cfg->dst_width * cfg->dst_height, 4);
	REQUIRE(dst);
	CHECK(yuv_scaler_convert(sc, &pl->f, dst, (size_t)cfg->dst_width * 4, 0, cfg->dst_height) ==
		0);
	yuv_scaler_destroy(sc);
	return dst;
}

static uint8_t grey(uint32_t px)
{
	return (uint8_t)(px >> 8); // green: equals R and B for neutral chroma
}

/* Full-range grey: output level == luma sample, so positions can be read off the output. */
static struct yuv_scaler_config grey_config(
	uint32_t sw, uint32_t sh, uint32_t dw, uint32_t dh, enum yuv_filter f)
{
	return (struct yuv_scaler_config){ .src_width = sw,
		.src_height = sh,
		.sampling = YUV_444,
		.dst_width = dw,
		.dst_height = dh,
		.filter = f,
		.range = YUV_RANGE_FULL };
}

static void test_identity_is_exact(void)
{
	struct planes pl;
	planes_init(&pl, YUV_444, 37, 11);
	for (size_t i = 0; i < 37 * 11; i++)
		pl.p[0][i] = (uint8_t)rnd();
	for (int f = 0; f < 2; f++) {
		struct yuv_scaler_config cfg = grey_config(37, 11, 37, 11, (enum yuv_filter)f);
		uint32_t *d = convert(&cfg, &pl);
		for (size_t i = 0; i < 37 * 11; i++)
			CHECK_EQ_INT(grey(d[i]), pl.p[0][i]);
		free(d);
	}
	planes_fini(&pl);
}

static void test_nearest_2x_replicates(void)
{
	struct planes pl;
	planes_init(&pl, YUV_444, 8, 4);
	for (size_t i = 0; i < 32; i++)
		pl.p[0][i] = (uint8_t)(i * 7);
	struct yuv_scaler_config cfg = grey_config(8, 4, 16, 8, YUV_FILTER_NEAREST);
	uint32_t *d = convert(&cfg, &pl);
	for (uint32_t y = 0; y < 8; y++) {
		for (uint32_t x = 0; x < 16; x++)
			CHECK_EQ_INT(grey(d[y * 16 + x]), pl.p[0][(y / 2) * 8 + x / 2]);
	}
	free(d);
	planes_fini(&pl);
}

/* Bilinear 2x down of a 2x2 checker of 0 and 200 gives their mean; bilinear 2x up keeps the
 * edge samples at the edges (clamped) and puts 1/4-3/4 mixes between. */
static void test_bilinear_scales(void)
{
	struct planes pl;
	planes_init(&pl, YUV_444, 4, 4);
	for (uint32_t i = 0; i < 16; i++)
		pl.p[0][i] = ((i % 4) + (i / 4)) % 2 ? 200 : 0;
	struct yuv_scaler_config cfg = grey_config(4, 4, 2, 2, YUV_FILTER_BILINEAR);
	uint32_t *d = convert(&cfg, &pl);
	for (int i = 0; i < 4; i++)
		CHECK(abs(grey(d[i]) - 100) <= 1);
	free(d);
	planes_fini(&pl);

	planes_init(&pl, YUV_444, 2, 1);
	pl.p[0][0] = 0, pl.p[0][1] = 200;
	cfg = grey_config(2, 1, 4, 1, YUV_FILTER_BILINEAR);
	d = convert(&cfg, &pl);
	CHECK_EQ_INT(grey(d[0]), 0);  // clamped at the left edge
	CHECK_EQ_INT(grey(d[1]), 50); // 3/4 of 0 + 1/4 of 200
	CHECK_EQ_INT(grey(d[2]), 150);
	CHECK_EQ_INT(grey(d[3]), 200); // clamped at the right edge
	free(d);
	planes_fini(&pl);
}

/* Odd sizes and extreme ratios: every output pixel is written and within the source's range. */
static void test_edges_odd_sizes(void)
{
	static const uint32_t sizes[][4] = {
		{ 1, 1, 1, 1 },
		{ 1, 1, 7, 5 },
		{ 3, 5, 1, 1 },
		{ 17, 9, 1000, 3 },
		{ 1001, 3, 7, 7 },
		{ 33, 33, 2, 65 },
		{ 5, 3, 4096, 2 },
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int smp = YUV_420_CENTER; smp <= YUV_MONO; smp++) {
			struct planes pl;
			planes_init(&pl, (enum yuv_sampling)smp, sizes[i][0], sizes[i][1]);
			memset(pl.p[0], 80, (size_t)sizes[i][0] * sizes[i][1]);
			struct yuv_scaler_config cfg = grey_config(sizes[i][0], sizes[i][1],
				sizes[i][2], sizes[i][3], YUV_FILTER_BILINEAR);
			cfg.sampling = (enum yuv_sampling)smp;
			uint32_t *d = convert(&cfg, &pl);
			for (size_t p = 0; p < (size_t)sizes[i][2] * sizes[i][3]; p++)
				CHECK_MSG(d[p] == 0xff505050u,
					"size %zu sampling %d pixel %zu: %08x", i, smp, p, d[p]);
			free(d);
			planes_fini(&pl);
		}
	}
}

/* A crop shows exactly that part: 1:1 from (3, 2). */
static void test_crop(void)
{
	struct planes pl;
	planes_init(&pl, YUV_444, 10, 6);
	for (uint32_t i = 0; i < 60; i++)
		pl.p[0][i] = (uint8_t)(i * 3);
	struct yuv_scaler_config cfg = grey_config(10, 6, 4, 3, YUV_FILTER_BILINEAR);
	cfg.crop_x = 3, cfg.crop_y = 2, cfg.crop_w = 4, cfg.crop_h = 3;
	uint32_t *d = convert(&cfg, &pl);
	for (uint32_t y = 0; y < 3; y++) {
		for (uint32_t x = 0; x < 4; x++)
			CHECK_EQ_INT(grey(d[y * 4 + x]), pl.p[0][(y + 2) * 10 + x + 3]);
	}
	free(d);
	planes_fini(&pl);
}

/* Siting, read through the red channel of a 1:1 conversion: Cr steps from 128 to 240 between
 * chroma samples 1 and 2. Centred chroma (420jpeg) puts the step's midpoint between luma 3 and
 * 4 symmetrically; left-sited chroma (420mpeg2) shifts it half a luma pixel left. */
static void test_chroma_siting(void)
{
	int red[2][8];
	for (int k = 0; k < 2; k++) {
		struct planes pl;
		enum yuv_sampling s = k ? YUV_420_LEFT : YUV_420_CENTER;
		planes_init(&pl, s, 8, 2);
		memset(pl.p[0], 128, 16);
		for (int x = 0; x < 4; x++)
			pl.p[2][x] = x < 2 ? 128 : 240;
		struct yuv_scaler_config cfg = grey_config(8, 2, 8, 2, YUV_FILTER_BILINEAR);
		cfg.sampling = s;
		uint32_t *d = convert(&cfg, &pl);
		for (int x = 0; x < 8; x++)
			red[k][x] = (int)(d[x] >> 16) & 0xff;
		free(d);
		planes_fini(&pl);
	}
	/* Output chroma is per pixel pair, so centred: pairs (0,1) (2,3) low, (4,5) (6,7) high. */
	CHECK(red[0][3] < red[0][4]);
	CHECK_EQ_INT(red[0][2], red[0][3]);
	CHECK_EQ_INT(red[0][0], red[0][2]);
	/* Left-sited: the pair (2,3) is centred a quarter chroma sample past sample 1: blended. */
	CHECK(red[1][2] > red[0][2]);
	CHECK(red[1][2] < red[1][4]);
	/* PAL-DV: Cr sits on the even lines, Cb on the odd ones. Output row 2 is Cr row 1 alone
	 * (420jpeg mixes in a quarter of row 0); output row 1 is Cb row 0 alone. */
	struct planes pl;
	planes_init(&pl, YUV_420_PALDV, 2, 4);
	pl.p[2][0] = 240, pl.p[2][1] = 16; // Cr rows 0 and 1
	pl.p[1][0] = 240, pl.p[1][1] = 16; // Cb rows 0 and 1
	struct yuv_scaler_config cfg = grey_config(2, 4, 2, 4, YUV_FILTER_BILINEAR);
	cfg.sampling = YUV_420_PALDV;
	uint32_t *paldv = convert(&cfg, &pl);
	cfg.sampling = YUV_420_CENTER;
	uint32_t *jpeg = convert(&cfg, &pl);
	CHECK(((paldv[4] >> 16) & 0xff) < ((jpeg[4] >> 16) & 0xff)); // red, row 2
	CHECK((paldv[2] & 0xff) > (jpeg[2] & 0xff));                 // blue, row 1
	free(paldv);
	free(jpeg);
	planes_fini(&pl);
}

/* Interlaced: the top field all 40, the bottom all 200. Scaled field by field, every output
 * row is one field's value, never a mix; scaled as a frame, rows mix. */
static void test_fields_do_not_mix(void)
{
	struct planes pl;
	planes_init(&pl, YUV_444, 4, 12);
	for (uint32_t y = 0; y < 12; y++)
		memset(pl.p[0] + y * 4, y % 2 ? 200 : 40, 4);
	struct yuv_scaler_config cfg = grey_config(4, 12, 4, 17, YUV_FILTER_BILINEAR);
	cfg.interlaced = true;
	uint32_t *d = convert(&cfg, &pl);
	for (uint32_t y = 0; y < 17; y++)
		CHECK_EQ_INT(grey(d[y * 4]), y % 2 ? 200 : 40);
	free(d);
	cfg.interlaced = false;
	d = convert(&cfg, &pl);
	bool mixed = false;
	for (uint32_t y = 0; y < 17; y++)
		mixed = mixed || (grey(d[y * 4]) != 40 && grey(d[y * 4]) != 200);
	CHECK(mixed);
	free(d);
	planes_fini(&pl);
}

/* The synthetic bars come back as their colours (flat areas, away from bar edges). */
static void test_bars_round_trip(void)
{
	for (size_t ci = 0; ci < sizeof(combos) / sizeof(combos[0]); ci++) {
		struct y4m_synth s = { .width = 320,
			.height = 160,
			.sampling = YUV_420_LEFT,
			.matrix = combos[ci].m,
			.range = combos[ci].r };
		uint8_t *buf = malloc(y4m_synth_frame_size(&s));
		y4m_synth_frame_packed(&s, 0, buf);
		struct yuv_frame f = { .plane = { buf, buf + 320 * 160,
					       buf + 320 * 160 + 160 * 80 },
			.stride = { 320, 160, 160 } };
		struct yuv_scaler_config cfg = { .src_width = 320,
			.src_height = 160,
			.sampling = YUV_420_LEFT,
			.dst_width = 320,
			.dst_height = 160,
			.matrix = combos[ci].m,
			.range = combos[ci].r };
		struct yuv_scaler *sc;
		REQUIRE(yuv_scaler_create(&sc, &cfg) == 0);
		uint32_t *d = calloc(320 * 160, 4);
		yuv_scaler_convert(sc, &f, d, 320 * 4, 0, 160);
		static const uint32_t expect[8] = { 0xbfbfbf, 0xbfbf00, 0x00bfbf, 0x00bf00,
			0xbf00bf, 0xbf0000, 0x0000bf, 0x000000 };
		for (int bar = 0; bar < 8; bar++) {
			uint32_t px = d[10 * 320 + bar * 40 + 20] & 0xffffff;
			for (int c = 0; c < 3; c++) {
				int got = (int)(px >> (8 * c)) & 0xff,
				    want = (int)(expect[bar] >> (8 * c)) & 0xff;
				CHECK_MSG(abs(got - want) <= 2, "combo %zu bar %d: %06x vs %06x",
					ci, bar, px, expect[bar]);
			}
		}
		free(d);
		free(buf);
		yuv_scaler_destroy(sc);
	}
}

static void test_bad_configs(void)
{
	struct yuv_scaler *sc = NULL;
	struct yuv_scaler_config cfg = grey_config(0, 4, 4, 4, YUV_FILTER_BILINEAR);
	CHECK_EQ_INT(yuv_scaler_create(&sc, &cfg), -EINVAL);
	cfg = grey_config(4, 4, YUV_MAX_SIDE + 1, 4, YUV_FILTER_BILINEAR);
	CHECK_EQ_INT(yuv_scaler_create(&sc, &cfg), -EINVAL);
	cfg = grey_config(4, 4, 4, 4, YUV_FILTER_BILINEAR);
	cfg.crop_x = 4, cfg.crop_w = 1, cfg.crop_h = 1;
	CHECK_EQ_INT(yuv_scaler_create(&sc, &cfg), -EINVAL);
	CHECK(sc == NULL);
	cfg.crop_x = 0;
	REQUIRE(yuv_scaler_create(&sc, &cfg) == 0);
	struct planes pl;
	planes_init(&pl, YUV_444, 4, 4);
	uint32_t d[16];
	CHECK_EQ_INT(yuv_scaler_convert(sc, &pl.f, d, 16, 0, 5), -EINVAL);
	CHECK_EQ_INT(yuv_scaler_convert(sc, &pl.f, d, 8, 0, 4), -EINVAL);
	yuv_scaler_destroy(sc);
	planes_fini(&pl);
}

static const struct test_case cases[] = {
	TEST_CASE(test_reference_points),
	TEST_CASE(test_accuracy_c),
	TEST_CASE(test_accuracy_avx2),
	TEST_CASE(test_kernels_match_c),
	TEST_CASE(test_hscale_matches_c),
	TEST_CASE(test_identity_is_exact),
	TEST_CASE(test_nearest_2x_replicates),
	TEST_CASE(test_bilinear_scales),
	TEST_CASE(test_edges_odd_sizes),
	TEST_CASE(test_crop),
	TEST_CASE(test_chroma_siting),
	TEST_CASE(test_fields_do_not_mix),
	TEST_CASE(test_bars_round_trip),
	TEST_CASE(test_bad_configs),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
