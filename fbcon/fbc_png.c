/*
 * PNG files of Pixman images; see fbc_png.h. Writing is common/png_write's; reading uses
 * libpng's simplified API.
 */
#define LOG_MODULE "fbc-png"

#include <errno.h>
#include <png.h>
#include <string.h>

#include "fbc_png.h"
#include "log.h"
#include "png_write.h"

int fbc_png_write(const char *path, pixman_image_t *image)
{
	/* Both formats are B, G, R, X/A bytes in memory, which is what png_write_xrgb8888() takes. */
	pixman_format_code_t f = pixman_image_get_format(image);
	if (f != PIXMAN_x8r8g8b8 && f != PIXMAN_a8r8g8b8)
		return -EINVAL;
	int err = png_write_xrgb8888(path, (const uint8_t *)pixman_image_get_data(image),
		(uint32_t)pixman_image_get_width(image), (uint32_t)pixman_image_get_height(image),
		(size_t)pixman_image_get_stride(image));
	if (err)
		log_error("%s: %s", path, strerror(-err));
	return err;
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
