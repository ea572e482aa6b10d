/*
 * PNG screenshots (screenshot.h).
 */
#include "screenshot.h"

#include <errno.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

int screenshot_write_png(const char *path, pixman_image_t *image)
{
	pixman_format_code_t f = pixman_image_get_format(image);
	if (f != PIXMAN_x8r8g8b8 && f != PIXMAN_a8r8g8b8)
		return -EINVAL;
	int w = pixman_image_get_width(image), h = pixman_image_get_height(image);
	int stride = pixman_image_get_stride(image);
	const uint8_t *src = (const uint8_t *)pixman_image_get_data(image);
	uint8_t *rgb = malloc((size_t)w * (size_t)h * 3);
	if (!rgb)
		return -ENOMEM;
	for (int y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)(src + (size_t)y * stride);
		uint8_t *d = rgb + (size_t)y * (size_t)w * 3;
		for (int x = 0; x < w; x++) {
			d[3 * x] = (uint8_t)(row[x] >> 16);
			d[3 * x + 1] = (uint8_t)(row[x] >> 8);
			d[3 * x + 2] = (uint8_t)row[x];
		}
	}
	png_image pi;
	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	pi.width = (png_uint_32)w;
	pi.height = (png_uint_32)h;
	pi.format = PNG_FORMAT_RGB;
	int ok = png_image_write_to_file(&pi, path, 0, rgb, w * 3, NULL);
	png_image_free(&pi);
	free(rgb);
	return ok ? 0 : -EIO;
}
