#include "shim_test_util.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

int64_t test_clock_now(void *data)
{
	return ((struct test_clock *)data)->now;
}

static pixman_color_t color_of(uint32_t argb)
{
	return (pixman_color_t){
		.red = (uint16_t)(((argb >> 16) & 0xff) * 0x101),
		.green = (uint16_t)(((argb >> 8) & 0xff) * 0x101),
		.blue = (uint16_t)((argb & 0xff) * 0x101),
		.alpha = (uint16_t)((argb >> 24) * 0x101),
	};
}

void test_fill_rect(pixman_image_t *image, int x, int y, int w, int h, uint32_t argb)
{
	pixman_color_t c = color_of(argb);
	/* pixman_image_fill_boxes() does not clip. */
	int iw = pixman_image_get_width(image), ih = pixman_image_get_height(image);
	pixman_box32_t box = { x < 0 ? 0 : x, y < 0 ? 0 : y, x + w > iw ? iw : x + w,
		y + h > ih ? ih : y + h };
	if (box.x1 < box.x2 && box.y1 < box.y2)
		pixman_image_fill_boxes(PIXMAN_OP_SRC, image, &c, 1, &box);
}

pixman_image_t *test_image_solid(pixman_format_code_t format, int w, int h, uint32_t argb)
{
	pixman_image_t *image = pixman_image_create_bits(format, w, h, NULL, 0);
	if (!image)
		abort();
	test_fill_rect(image, 0, 0, w, h, argb);
	return image;
}

uint32_t test_pixel(pixman_image_t *image, int x, int y)
{
	const uint32_t *row = (const uint32_t *)((const uint8_t *)pixman_image_get_data(image) +
		(size_t)y * (size_t)pixman_image_get_stride(image));
	uint32_t v = row[x];
	return pixman_image_get_format(image) == PIXMAN_x8r8g8b8 ? v & 0xffffff : v;
}

long test_image_diff(pixman_image_t *a, pixman_image_t *b, const char *what)
{
	int w = pixman_image_get_width(a), h = pixman_image_get_height(a);
	if (w != pixman_image_get_width(b) || h != pixman_image_get_height(b)) {
		NOTE("%s: sizes differ: %dx%d vs %dx%d", what, w, h, pixman_image_get_width(b),
			pixman_image_get_height(b));
		return (long)w * h + 1;
	}
	long bad = 0;
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			uint32_t pa = test_pixel(a, x, y) & 0xffffff,
				 pb = test_pixel(b, x, y) & 0xffffff;
			if (pa == pb)
				continue;
			if (bad < 4)
				NOTE("%s: pixel (%d,%d) is %06x, expected %06x", what, x, y, pa,
					pb);
			bad++;
		}
	}
	return bad;
}

pixman_image_t *test_reference(int w, int h, uint32_t background, const struct test_ref_surface *s,
	int n, pixman_image_t *cursor, int32_t cx, int32_t cy)
{
	pixman_image_t *dst = test_image_solid(PIXMAN_x8r8g8b8, w, h, 0xff000000u | background);
	for (int i = 0; i < n; i++) {
		if (!s[i].visible || !s[i].image)
			continue;
		int sw = pixman_image_get_width(s[i].image),
		    sh = pixman_image_get_height(s[i].image);
		pixman_region32_t opaque, rest;
		pixman_region32_init(&opaque);
		pixman_region32_init_rect(&rest, 0, 0, (unsigned)sw, (unsigned)sh);
		if (pixman_image_get_format(s[i].image) == PIXMAN_x8r8g8b8)
			pixman_region32_copy(&opaque, &rest);
		else if (s[i].opaque)
			pixman_region32_intersect(&opaque, &rest, (pixman_region32_t *)s[i].opaque);
		pixman_region32_subtract(&rest, &rest, &opaque);
		/* Pixel by pixel through clip regions on the source, the most literal reading. */
		for (int pass = 0; pass < 2; pass++) {
			pixman_region32_t *r = pass ? &rest : &opaque;
			int nr;
			pixman_box32_t *b = pixman_region32_rectangles(r, &nr);
			for (int k = 0; k < nr; k++) {
				pixman_image_composite32(pass ? PIXMAN_OP_OVER : PIXMAN_OP_SRC,
					s[i].image, NULL, dst, b[k].x1, b[k].y1, 0, 0,
					s[i].x + b[k].x1, s[i].y + b[k].y1, b[k].x2 - b[k].x1,
					b[k].y2 - b[k].y1);
			}
		}
		pixman_region32_fini(&opaque);
		pixman_region32_fini(&rest);
	}
	if (cursor) {
		pixman_image_composite32(PIXMAN_OP_OVER, cursor, NULL, dst, 0, 0, 0, 0, cx, cy,
			pixman_image_get_width(cursor), pixman_image_get_height(cursor));
	}
	return dst;
}

uint32_t test_crc32(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

uint32_t test_image_crc(pixman_image_t *image)
{
	int w = pixman_image_get_width(image), h = pixman_image_get_height(image);
	uint32_t crc = 0;
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			uint32_t v = test_pixel(image, x, y) & 0xffffff;
			uint8_t le[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), 0 };
			crc = test_crc32(crc, le, sizeof(le));
		}
	}
	return crc;
}

/* ---- PNG ---------------------------------------------------------------------------------- */

static bool png_write_rgb(const char *path, pixman_image_t *image)
{
	int w = pixman_image_get_width(image), h = pixman_image_get_height(image);
	png_image png = { .version = PNG_IMAGE_VERSION,
		.width = (png_uint_32)w,
		.height = (png_uint_32)h,
		.format = PNG_FORMAT_RGB };
	uint8_t *rgb = malloc((size_t)w * (size_t)h * 3);
	if (!rgb)
		abort();
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			uint32_t v = test_pixel(image, x, y);
			uint8_t *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
			p[0] = (uint8_t)(v >> 16);
			p[1] = (uint8_t)(v >> 8);
			p[2] = (uint8_t)v;
		}
	}
	bool ok = png_image_write_to_file(&png, path, 0, rgb, w * 3, NULL) != 0;
	free(rgb);
	return ok;
}

static pixman_image_t *png_read_rgb(const char *path)
{
	png_image png = { .version = PNG_IMAGE_VERSION };
	if (!png_image_begin_read_from_file(&png, path))
		return NULL;
	png.format = PNG_FORMAT_RGB;
	size_t w = png.width, h = png.height;
	uint8_t *rgb = malloc(w * h * 3);
	if (!rgb)
		abort();
	if (!png_image_finish_read(&png, NULL, rgb, (png_int_32)(w * 3), NULL)) {
		free(rgb);
		return NULL;
	}
	pixman_image_t *image = test_image_solid(PIXMAN_x8r8g8b8, (int)w, (int)h, 0);
	uint8_t *base = (uint8_t *)pixman_image_get_data(image);
	int stride = pixman_image_get_stride(image);
	for (size_t y = 0; y < h; y++) {
		uint32_t *row = (uint32_t *)(base + y * (size_t)stride);
		for (size_t x = 0; x < w; x++) {
			const uint8_t *p = rgb + (y * w + x) * 3;
			row[x] = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
		}
	}
	free(rgb);
	return image;
}

bool test_golden(pixman_image_t *image, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "tests/reference/%s.png", name);
	if (getenv("SHIM_WRITE_GOLDEN")) {
		NOTE("writing %s", path);
		return png_write_rgb(path, image);
	}
	pixman_image_t *golden = png_read_rgb(path);
	if (!golden) {
		NOTE("cannot read %s (run with SHIM_WRITE_GOLDEN=1 from the source root to make "
		     "it)",
			path);
		return false;
	}
	long bad = test_image_diff(image, golden, name);
	pixman_image_unref(golden);
	if (bad) {
		char actual[512];
		snprintf(actual, sizeof(actual), "%s/%s-actual.png", SHIM_TEST_OUTDIR, name);
		png_write_rgb(actual, image);
		NOTE("%ld pixels differ from %s; actual picture in %s", bad, path, actual);
	}
	return bad == 0;
}

/* ---- Set-up ------------------------------------------------------------------------------ */

void test_shim_init(struct test_shim *t, const struct shim_headless_options *opts)
{
	*t = (struct test_shim){ .clock = { 1000000000LL } };
	t->shim_clock = (struct shim_clock){ test_clock_now, &t->clock };
	if (shim_output_headless_create(&t->output, opts) < 0)
		abort();
	struct shim_options so = { .clock = &t->shim_clock, .background = 0x202020 };
	if (shim_create(&t->shim, t->output, &so) < 0)
		abort();
}

void test_shim_finish(struct test_shim *t)
{
	shim_destroy(t->shim);
	t->shim = NULL;
}

void test_shim_frame(struct test_shim *t)
{
	t->clock.now += TEST_FRAME_NS;
	/* Repaint and commit, then the frame-done the headless output signals at once. */
	for (int i = 0; i < 3; i++)
		shim_dispatch(t->shim);
}

struct shim_buffer *test_buffer_solid(pixman_format_code_t format, int w, int h, uint32_t argb)
{
	pixman_image_t *image = test_image_solid(format, w, h, argb);
	struct shim_buffer *buffer;
	if (shim_buffer_create(&buffer, image, NULL, NULL) < 0)
		abort();
	pixman_image_unref(image);
	return buffer;
}
