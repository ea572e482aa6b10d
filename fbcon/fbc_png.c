/*
 * PNG read and write through libpng's simplified API; see fbc_png.h.
 */
#define LOG_MODULE "fbc-png"

#include <errno.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "fbc_png.h"
#include "log.h"

int fbc_png_write(const char *path, pixman_image_t *image)
{
	pixman_format_code_t f = pixman_image_get_format(image);
	if (f != PIXMAN_x8r8g8b8 && f != PIXMAN_a8r8g8b8)
		return -EINVAL;
	int w = pixman_image_get_width(image), h = pixman_image_get_height(image);
	int stride = pixman_image_get_stride(image);
	const uint8_t *src = (const uint8_t *)pixman_image_get_data(image);
	uint8_t *rgb = malloc((size_t)w * 3 * (size_t)h);
	if (!rgb)
		return -ENOMEM;
	for (int y = 0; y < h; y++) {
		const uint32_t *row =
			(const uint32_t *)(const void *)(src + (size_t)y * (size_t)stride);
		uint8_t *out = rgb + (size_t)y * (size_t)w * 3;
		for (int x = 0; x < w; x++) {
			out[3 * x] = (uint8_t)(row[x] >> 16);
			out[3 * x + 1] = (uint8_t)(row[x] >> 8);
			out[3 * x + 2] = (uint8_t)row[x];
		}
	}
	png_image png = { .version = PNG_IMAGE_VERSION,
		.width = (png_uint_32)w,
		.height = (png_uint_32)h,
		.format = PNG_FORMAT_RGB };
	int ok = png_image_write_to_file(&png, path, 0, rgb, w * 3, NULL);
	free(rgb);
	if (!ok) {
		log_error("%s: %s", path, png.message);
		return -EIO;
	}
	return 0;
}

int fbc_png_read(const char *path, pixman_image_t **out)
{
	png_image png = { .version = PNG_IMAGE_VERSION };
	if (!png_image_begin_read_from_file(&png, path))
		return -EINVAL;
	png.format = PNG_FORMAT_BGRA; /* x8r8g8b8 in little-endian memory */
	pixman_image_t *image =
		pixman_image_create_bits(PIXMAN_x8r8g8b8, (int)png.width, (int)png.height, NULL, 0);
	if (!image) {
		png_image_free(&png);
		return -ENOMEM;
	}
	int ok = png_image_finish_read(
		&png, NULL, pixman_image_get_data(image), pixman_image_get_stride(image), NULL);
	if (!ok) {
		pixman_image_unref(image);
		return -EIO;
	}
	*out = image;
	return 0;
}
