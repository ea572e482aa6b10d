/*
 * Picture placement: letterbox and pillarbox bars, fill crops, 1:1, pixel aspect, and that the
 * picture and the bars always tile the output exactly.
 */
#include <errno.h>
#include <string.h>

#include "layout.h"
#include "test.h"

static struct layout place(uint32_t sw, uint32_t sh, uint32_t an, uint32_t ad, uint32_t ow,
	uint32_t oh, enum layout_mode m)
{
	struct layout_input in = { sw, sh, an, ad, ow, oh, m };
	struct layout l;
	REQUIRE(layout_compute(&in, &l) == 0);
	return l;
}

static void check_rect(const struct rect *r, int32_t x1, int32_t y1, int32_t x2, int32_t y2)
{
	CHECK_MSG(r->x1 == x1 && r->y1 == y1 && r->x2 == x2 && r->y2 == y2,
		"rect %d,%d-%d,%d, expected %d,%d-%d,%d", r->x1, r->y1, r->x2, r->y2, x1, y1, x2,
		y2);
}

/* Picture and bars cover every output pixel exactly once. */
static void check_tiles(const struct layout *l, uint32_t ow, uint32_t oh)
{
	uint64_t area = rect_area(&l->video);
	struct rect out = { 0, 0, (int32_t)ow, (int32_t)oh }, clip;
	CHECK(rect_intersect(&l->video, &out, &clip) && rect_area(&clip) == rect_area(&l->video));
	for (unsigned i = 0; i < l->n_bars; i++) {
		area += rect_area(&l->bars[i]);
		CHECK(!rect_intersect(&l->bars[i], &l->video, &clip));
		for (unsigned j = i + 1; j < l->n_bars; j++)
			CHECK(!rect_intersect(&l->bars[i], &l->bars[j], &clip));
	}
	CHECK_EQ_INT(area, (uint64_t)ow * oh);
}

static void test_letterbox(void)
{
	struct layout l = place(1920, 1080, 0, 0, 1024, 768, LAYOUT_FIT);
	check_rect(&l.video, 0, 96, 1024, 672);
	CHECK_EQ_INT(l.n_bars, 2);
	check_rect(&l.bars[0], 0, 0, 1024, 96);
	check_rect(&l.bars[1], 0, 672, 1024, 768);
	CHECK(l.crop_x == 0 && l.crop_w == 1920 && l.crop_h == 1080);
	check_tiles(&l, 1024, 768);
}

static void test_pillarbox(void)
{
	struct layout l = place(640, 480, 1, 1, 1920, 1080, LAYOUT_FIT);
	check_rect(&l.video, 240, 0, 1680, 1080);
	CHECK_EQ_INT(l.n_bars, 2);
	check_rect(&l.bars[0], 0, 0, 240, 1080);
	check_rect(&l.bars[1], 1680, 0, 1920, 1080);
	check_tiles(&l, 1920, 1080);
}

static void test_exact_fit_has_no_bars(void)
{
	struct layout l = place(1280, 720, 0, 0, 1920, 1080, LAYOUT_FIT);
	check_rect(&l.video, 0, 0, 1920, 1080);
	CHECK_EQ_INT(l.n_bars, 0);
}

/* PAL 4:3: 720x576 with 16:15 pixels is 768x576 on screen. */
static void test_pixel_aspect(void)
{
	struct layout l = place(720, 576, 16, 15, 1920, 1080, LAYOUT_FIT);
	check_rect(&l.video, 240, 0, 1680, 1080);
	l = place(720, 576, 64, 45, 1920, 1080, LAYOUT_FIT); // 16:9 anamorphic
	check_rect(&l.video, 0, 0, 1920, 1080);
}

static void test_fill_crops(void)
{
	struct layout l = place(1920, 1080, 0, 0, 1024, 768, LAYOUT_FILL);
	check_rect(&l.video, 0, 0, 1024, 768);
	CHECK_EQ_INT(l.n_bars, 0);
	CHECK(l.crop_x == 240 && l.crop_y == 0 && l.crop_w == 1440 && l.crop_h == 1080);
	l = place(640, 480, 0, 0, 1920, 1080, LAYOUT_FILL);
	CHECK(l.crop_x == 0 && l.crop_y == 60 && l.crop_w == 640 && l.crop_h == 360);
}

static void test_native(void)
{
	struct layout l = place(640, 360, 0, 0, 1920, 1080, LAYOUT_NATIVE);
	check_rect(&l.video, 640, 360, 1280, 720);
	CHECK_EQ_INT(l.n_bars, 4);
	check_tiles(&l, 1920, 1080);
	l = place(3840, 2160, 0, 0, 1920, 1080, LAYOUT_NATIVE);
	check_rect(&l.video, 0, 0, 1920, 1080);
	CHECK(l.crop_x == 960 && l.crop_y == 540 && l.crop_w == 1920 && l.crop_h == 1080);
	l = place(100, 2000, 0, 0, 1920, 1080, LAYOUT_NATIVE);
	check_rect(&l.video, 910, 0, 1010, 1080);
	CHECK(l.crop_y == 460 && l.crop_h == 1080);
}

static void test_tiles_everywhere(void)
{
	uint32_t seed = 7;
	for (int i = 0; i < 2000; i++) {
		uint32_t v[6];
		for (int k = 0; k < 6; k++) {
			seed = seed * 1103515245 + 12345;
			v[k] = 1 + (seed >> 8) % (k < 4 ? 3000 : 3);
		}
		enum layout_mode m = (enum layout_mode)(v[4] - 1);
		struct layout l = place(v[0], v[1], v[5], 2, v[2], v[3], m);
		check_tiles(&l, v[2], v[3]);
		CHECK(l.crop_x + l.crop_w <= v[0] && l.crop_y + l.crop_h <= v[1]);
		CHECK(l.crop_w >= 1 && l.crop_h >= 1);
	}
}

static void test_bad_input_and_names(void)
{
	struct layout_input in = { 0, 10, 0, 0, 10, 10, LAYOUT_FIT };
	struct layout l;
	CHECK_EQ_INT(layout_compute(&in, &l), -EINVAL);
	enum layout_mode m;
	CHECK(layout_mode_from_str("1:1", &m) == 0 && m == LAYOUT_NATIVE);
	CHECK(layout_mode_from_str("fill", &m) == 0 && m == LAYOUT_FILL);
	CHECK_EQ_INT(layout_mode_from_str("stretch", &m), -EINVAL);
	CHECK(strcmp(layout_mode_to_str(LAYOUT_FIT), "fit") == 0);
}

static const struct test_case cases[] = {
	TEST_CASE(test_letterbox),
	TEST_CASE(test_pillarbox),
	TEST_CASE(test_exact_fit_has_no_bars),
	TEST_CASE(test_pixel_aspect),
	TEST_CASE(test_fill_crops),
	TEST_CASE(test_native),
	TEST_CASE(test_tiles_everywhere),
	TEST_CASE(test_bad_input_and_names),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
