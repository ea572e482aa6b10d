/*
 * The host's picture (hvh_screen.h) on its own: pixels move from VRAM only through copies that
 * honour pitch, offset and depth and never read past the VRAM; a new geometry goes black; the
 * cursor and the damage outlines appear only in composed pictures.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hvh_screen.h"
#include "macros.h"
#include "test.h"

static uint32_t pixel(pixman_image_t *img, int x, int y)
{
	const uint32_t *bits = pixman_image_get_data(img);
	int stride = pixman_image_get_stride(img) / 4;
	return bits[y * stride + x] & 0xffffff;
}

static uint32_t composed_pixel(struct hvh_screen *s, bool cursor, int64_t now, int x, int y)
{
	pixman_image_t *img = hvh_screen_compose(s, cursor, now);
	if (!img)
		return 0xdeadbeef;
	uint32_t p = pixel(img, x, y);
	pixman_image_unref(img);
	return p;
}

/* VRAM of exactly len bytes on the heap, so ASan sees any read past it. Pixel (x, y) of so
 * holds 0x00YYXX + tag << 16 in XRGB8888 (B, G, R, X bytes). */
static uint8_t *make_vram(size_t len, const struct hvh_scanout *so, uint8_t tag)
{
	uint8_t *vram = calloc(1, len);
	REQUIRE(vram);
	for (uint32_t y = 0; y < so->height; y++) {
		for (uint32_t x = 0; x < so->width; x++) {
			size_t off = so->offset + (size_t)y * so->pitch + x * 4u;
			if (off + 4 > len)
				continue;
			vram[off] = (uint8_t)x;
			vram[off + 1] = (uint8_t)y;
			vram[off + 2] = tag;
		}
	}
	return vram;
}

static uint32_t expected(uint8_t tag, uint32_t x, uint32_t y)
{
	return (uint32_t)tag << 16 | (y & 0xff) << 8 | (x & 0xff);
}

static void test_copy_honours_pitch_and_offset(void)
{
	const struct hvh_scanout so = { 7, 5, 7 * 4 + 3, 13, 32 }; /* odd pitch, odd offset */
	struct hvh_screen *s = NULL;
	REQUIRE(hvh_screen_create(&s, &so) == 0);
	size_t len = so.offset + (size_t)so.pitch * so.height;
	uint8_t *vram = make_vram(len, &so, 0x42);
	const struct rect r = { 2, 1, 5, 4 };
	CHECK_EQ_INT(hvh_screen_copy(s, vram, len, &r), 0);
	pixman_image_t *img = hvh_screen_compose(s, false, 0);
	REQUIRE(img);
	for (int y = 0; y < 5; y++) {
		for (int x = 0; x < 7; x++) {
			bool in = x >= 2 && x < 5 && y >= 1 && y < 4;
			uint32_t want = in ? expected(0x42, (uint32_t)x, (uint32_t)y) : 0;
			CHECK_MSG(pixel(img, x, y) == want, "(%d,%d) = %06x, want %06x", x, y,
				pixel(img, x, y), want);
		}
	}
	pixman_image_unref(img);
	free(vram);
	hvh_screen_destroy(s);
}

static void test_copy_never_reads_past_vram(void)
{
	/* A scanout longer than the VRAM (the model would refuse it; the screen must cope). */
	const struct hvh_scanout so = { 4, 4, 16, 0, 32 };
	struct hvh_screen *s = NULL;
	REQUIRE(hvh_screen_create(&s, &so) == 0);
	size_t len = 16 * 2 + 8; /* two whole rows and half of the third */
	uint8_t *vram = make_vram(len, &so, 0x11);
	const struct rect all = { -100, -100, 100, 100 };
	CHECK_EQ_INT(hvh_screen_copy(s, vram, len, &all), -ERANGE);
	CHECK_EQ_INT(composed_pixel(s, false, 0, 3, 1), expected(0x11, 3, 1));
	CHECK_EQ_INT(composed_pixel(s, false, 0, 0, 2), 0); /* the cut row stays black */
	/* Pitch and offset near UINT32_MAX do not wrap. */
	const struct hvh_scanout far = { 4, 4, UINT32_MAX, UINT32_MAX, 32 };
	CHECK_EQ_INT(hvh_screen_set_scanout(s, &far), 1);
	CHECK_EQ_INT(hvh_screen_copy(s, vram, len, &all), -ERANGE);
	free(vram);
	hvh_screen_destroy(s);
}

static void test_new_geometry_goes_black(void)
{
	const struct hvh_scanout so = { 8, 8, 32, 0, 32 };
	struct hvh_screen *s = NULL;
	REQUIRE(hvh_screen_create(&s, &so) == 0);
	uint8_t *vram = make_vram(32 * 8, &so, 0x7f);
	const struct rect all = { 0, 0, 8, 8 };
	hvh_screen_copy(s, vram, 32 * 8, &all);
	CHECK_EQ_INT(hvh_screen_set_scanout(s, &so), 0); /* the same: nothing changes */
	CHECK_EQ_INT(composed_pixel(s, false, 0, 7, 7), expected(0x7f, 7, 7));
	struct hvh_scanout other = so;
	other.pitch = 36;
	CHECK_EQ_INT(hvh_screen_set_scanout(s, &other), 1);
	CHECK_EQ_INT(composed_pixel(s, false, 0, 7, 7), 0);
	other = (struct hvh_scanout){ 3, 2, 12, 0, 32 };
	CHECK_EQ_INT(hvh_screen_set_scanout(s, &other), 1);
	pixman_image_t *img = hvh_screen_compose(s, false, 0);
	CHECK_EQ_INT(pixman_image_get_width(img), 3);
	CHECK_EQ_INT(pixman_image_get_height(img), 2);
	pixman_image_unref(img);
	other.depth = 24;
	CHECK_EQ_INT(hvh_screen_set_scanout(s, &other), -EINVAL);
	other = (struct hvh_scanout){ 0, 2, 12, 0, 32 };
	CHECK_EQ_INT(hvh_screen_set_scanout(s, &other), -EINVAL);
	free(vram);
	hvh_screen_destroy(s);
}

static void test_rgb565_is_widened(void)
{
	const struct hvh_scanout so = { 4, 1, 10, 2, 16 };
	struct hvh_screen *s = NULL;
	REQUIRE(hvh_screen_create(&s, &so) == 0);
	const uint8_t vram[12] = { 0xee, 0xee, 0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00, 0x10, 0x84 };
	const struct rect all = { 0, 0, 4, 1 };
	CHECK_EQ_INT(hvh_screen_copy(s, vram, sizeof(vram), &all), 0);
	CHECK_EQ_INT(composed_pixel(s, false, 0, 0, 0), 0xff0000);
	CHECK_EQ_INT(composed_pixel(s, false, 0, 1, 0), 0x00ff00);
	CHECK_EQ_INT(composed_pixel(s, false, 0, 2, 0), 0x0000ff);
	CHECK_EQ_INT(composed_pixel(s, false, 0, 3, 0), 0x848284);
	hvh_screen_destroy(s);
}

static void test_cursor_only_in_composed_pictures(void)
{
	const struct hvh_scanout so = { 4, 4, 16, 0, 32 };
	struct hvh_screen *s = NULL;
	REQUIRE(hvh_screen_create(&s, &so) == 0);
	/* 2x2: opaque red, 50% white (premultiplied), transparent, opaque blue. */
	const uint8_t argb[16] = { 0, 0, 0xff, 0xff, 0x80, 0x80, 0x80, 0x80, 0, 0, 0, 0, 0xff, 0, 0,
		0xff };
	REQUIRE(hvh_screen_set_cursor(s, true, 2, 2, 1, 1, argb) == 0);
	hvh_screen_set_cursor_position(s, true, 1, 1);
	CHECK_EQ_INT(composed_pixel(s, true, 0, 1, 1), 0xff0000);
	CHECK_EQ_INT(composed_pixel(s, true, 0, 2, 1), 0x808080);
	CHECK_EQ_INT(composed_pixel(s, true, 0, 1, 2), 0);
	CHECK_EQ_INT(composed_pixel(s, true, 0, 2, 2), 0x0000ff);
	CHECK_EQ_INT(composed_pixel(s, false, 0, 1, 1), 0);
	/* Partly off-screen, far off-screen, hidden. */
	hvh_screen_set_cursor_position(s, true, -1, -1);
	CHECK_EQ_INT(composed_pixel(s, true, 0, 0, 0), 0x0000ff);
	hvh_screen_set_cursor_position(s, true, INT32_MAX, INT32_MIN);
	CHECK_EQ_INT(composed_pixel(s, true, 0, 0, 0), 0);
	hvh_screen_set_cursor_position(s, false, 0, 0);
	CHECK_EQ_INT(composed_pixel(s, true, 0, 0, 0), 0);
	struct hvh_cursor_info info;
	hvh_screen_cursor_info(s, &info);
	CHECK(info.has_image && !info.visible && info.width == 2 && info.hot_x == 1);
	hvh_screen_reset_cursor(s);
	hvh_screen_cursor_info(s, &info);
	CHECK(!info.has_image);
	hvh_screen_destroy(s);
}

static void test_monochrome_cursor(void)
{
	const struct hvh_scanout so = { 8, 1, 32, 0, 32 };
	struct hvh_screen *s = NULL;
	REQUIRE(hvh_screen_create(&s, &so) == 0);
	/* Background grey so black and transparent differ. */
	uint8_t vram[32];
	memset(vram, 0x40, sizeof(vram));
	const struct rect all = { 0, 0, 8, 1 };
	hvh_screen_copy(s, vram, sizeof(vram), &all);
	const uint8_t masks[2] = { 0xf0, 0xaa }; /* AND, XOR */
	REQUIRE(hvh_screen_set_cursor(s, false, 8, 1, 0, 0, masks) == 0);
	hvh_screen_set_cursor_position(s, true, 0, 0);
	const uint32_t want[8] = { 0, 0x404040, 0, 0x404040, 0xffffff, 0, 0xffffff, 0 };
	for (int x = 0; x < 8; x++)
		CHECK_MSG(composed_pixel(s, true, 0, x, 0) == want[x], "x=%d: %06x", x,
			composed_pixel(s, true, 0, x, 0));
	hvh_screen_destroy(s);
}

static void test_show_damage_outlines_for_a_while(void)
{
	const struct hvh_scanout so = { 16, 16, 64, 0, 32 };
	struct hvh_screen *s = NULL;
	REQUIRE(hvh_screen_create(&s, &so) == 0);
	const struct rect r = { 2, 2, 10, 12 };
	hvh_screen_add_damage(s, &r, 1000); /* off: not remembered */
	CHECK_EQ_INT(composed_pixel(s, false, 1000, 2, 2), 0);
	hvh_screen_set_show_damage(s, 500);
	hvh_screen_add_damage(s, &r, 1000);
	CHECK_EQ_INT(composed_pixel(s, false, 1000, 2, 2), 0xff00ff);
	CHECK_EQ_INT(composed_pixel(s, false, 1000, 9, 11), 0xff00ff);
	CHECK_EQ_INT(composed_pixel(s, false, 1000, 5, 6), 0); /* inside: untouched */
	CHECK_EQ_INT(composed_pixel(s, false, 1000, 1, 1), 0); /* outside */
	CHECK_EQ_INT(composed_pixel(s, false, 1499, 9, 2), 0xff00ff);
	CHECK_EQ_INT(composed_pixel(s, false, 1500, 2, 2), 0); /* expired */
	/* A rect past the edge is outlined where it is clipped. */
	const struct rect edge = { 12, 12, 40, 40 };
	hvh_screen_add_damage(s, &edge, 2000);
	CHECK_EQ_INT(composed_pixel(s, false, 2000, 15, 15), 0xff00ff);
	hvh_screen_destroy(s);
}

struct heard {
	struct rect damage[8];
	size_t n_damage;
	int resized, cursor;
};

static void heard_damage(void *data, const struct rect *r)
{
	struct heard *h = data;
	if (h->n_damage < ARRAY_LEN(h->damage))
		h->damage[h->n_damage] = *r;
	h->n_damage++;
}

static void heard_resized(void *data, const struct hvh_scanout *so)
{
	((struct heard *)data)->resized++;
}

static void heard_cursor(void *data)
{
	((struct heard *)data)->cursor++;
}

static bool rect_eq(const struct rect *a, int32_t x1, int32_t y1, int32_t x2, int32_t y2)
{
	return a->x1 == x1 && a->y1 == y1 && a->x2 == x2 && a->y2 == y2;
}

/* A front end keeping a copy (VNC) hears of every change and finds it in the picture. */
static void test_listener_hears_every_visible_change(void)
{
	const struct hvh_scanout so = { 16, 16, 64, 0, 32 };
	struct hvh_screen *s = NULL;
	REQUIRE(hvh_screen_create(&s, &so) == 0);
	static const struct hvh_screen_listener l = { heard_damage, heard_resized, heard_cursor };
	struct heard h = { 0 };
	hvh_screen_set_listener(s, &l, &h);
	REQUIRE(hvh_screen_set_show_damage(s, 100) == 0);
	uint8_t *vram = make_vram(64 * 16, &so, 0x33);
	const struct rect r = { -4, 3, 8, 9 };
	CHECK_EQ_INT(hvh_screen_copy(s, vram, 64 * 16, &r), 0);
	hvh_screen_add_damage(s, &r, 50);
	REQUIRE(h.n_damage == 2);
	CHECK(rect_eq(&h.damage[0], 0, 3, 8, 9)); /* clipped */
	CHECK(rect_eq(&h.damage[1], 0, 3, 8, 9)); /* the outline */
	/* The outline is in what viewers see, not in the picture DIRT built. */
	pixman_image_t *view = hvh_screen_picture(s);
	CHECK_EQ_INT(pixel(view, 0, 3), 0xff00ff);
	CHECK_EQ_INT(pixel(view, 4, 5), expected(0x33, 4, 5));
	CHECK_EQ_INT(hvh_screen_expire_damage(s, 149), 150);
	CHECK_EQ_INT(h.n_damage, 2);
	CHECK_EQ_INT(hvh_screen_expire_damage(s, 150), -1);
	REQUIRE(h.n_damage == 3);
	CHECK(rect_eq(&h.damage[2], 0, 3, 8, 9));
	CHECK_EQ_INT(pixel(hvh_screen_picture(s), 0, 3), expected(0x33, 0, 3));
	const struct hvh_scanout other = { 8, 8, 32, 0, 32 };
	CHECK_EQ_INT(hvh_screen_set_scanout(s, &other), 1);
	CHECK_EQ_INT(h.resized, 1);
	const uint8_t px[4] = { 1, 2, 3, 255 };
	REQUIRE(hvh_screen_set_cursor(s, true, 1, 1, 0, 0, px) == 0);
	hvh_screen_set_cursor_position(s, true, 3, 3);
	CHECK_EQ_INT(h.cursor, 2);
	hvh_screen_set_listener(s, NULL, NULL);
	free(vram);
	hvh_screen_destroy(s);
}

static const struct test_case cases[] = {
	TEST_CASE(test_copy_honours_pitch_and_offset),
	TEST_CASE(test_copy_never_reads_past_vram),
	TEST_CASE(test_new_geometry_goes_black),
	TEST_CASE(test_rgb565_is_widened),
	TEST_CASE(test_cursor_only_in_composed_pictures),
	TEST_CASE(test_monochrome_cursor),
	TEST_CASE(test_show_damage_outlines_for_a_while),
	TEST_CASE(test_listener_hears_every_visible_change),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
