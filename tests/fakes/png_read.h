/*
 * Reads a PNG back for pixel comparisons (hvhost screenshots): any 8-bit RGB or RGBA PNG, as
 * libpng decodes it, into 0x00RRGGBB words, row after row without padding.
 *
 * Errors: negative errno: -ENOENT and other open errors, -EPROTO for a PNG that is not 8-bit
 * RGB(A) or does not decode, -ENOMEM. Prints a TAP comment saying why.
 */
#ifndef HVD_TESTS_PNG_READ_H
#define HVD_TESTS_PNG_READ_H

#include <stdint.h>

struct png_image_rgb {
	uint32_t width;
	uint32_t height;
	uint32_t *pixels; // width * height words 0x00RRGGBB; free with png_image_rgb_free()
};

int png_read_rgb(const char *path, struct png_image_rgb *out);
void png_image_rgb_free(struct png_image_rgb *img);

/* The pixel at (x, y); the caller keeps x and y inside. */
static inline uint32_t png_image_rgb_at(const struct png_image_rgb *img, uint32_t x, uint32_t y)
{
	return img->pixels[(uint64_t)y * img->width + x];
}

#endif
