/*
 * PNG files of Pixman images: hvcon --headless writes the final screen; tests compare against
 * golden images. libpng's simplified API does the format work.
 *
 * Errors: 0 or negative errno (-EINVAL unsupported image format or bad file, -EIO libpng
 * failure, -ENOMEM).
 */
#ifndef HVD_FBCON_FBC_PNG_H
#define HVD_FBCON_FBC_PNG_H

#include <pixman.h>

/* Writes an x8r8g8b8 or a8r8g8b8 image as an 8-bit RGB PNG (alpha dropped). */
int fbc_png_write(const char *path, pixman_image_t *image);

/* Reads a PNG into a new x8r8g8b8 image owned by the caller (pixman_image_unref()). */
int fbc_png_read(const char *path, pixman_image_t **out);

#endif
