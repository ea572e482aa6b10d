/*
 * PNG files of XRGB8888 pictures: hvhost's monitor `screenshot` and hvplay --screenshot write an
 * 8-bit RGB PNG with libpng. A static library of its own (hvd_png, png_write_dep) so that
 * common's main library stays C-library-only.
 *
 * XRGB8888 is a little-endian 32-bit word per pixel: bytes B, G, R, X in memory, as synthvid's
 * 32-bit depth, DRM_FORMAT_XRGB8888 and PIXMAN_x8r8g8b8 lay it out; the X byte is ignored.
 */
#ifndef HVD_COMMON_PNG_WRITE_H
#define HVD_COMMON_PNG_WRITE_H

#include <stddef.h>
#include <stdint.h>

/* The largest width or height png_write_xrgb8888() accepts. */
#define PNG_WRITE_MAX_DIM 16384

/*
 * Writes pixels (height rows of stride bytes, borrowed; not NULL) to path (not NULL) under a
 * temporary name in the same directory, then renames it into place: a reader never sees a
 * half-written PNG and a failure leaves no file behind. The file is mode 0644. A path that is
 * not a regular file (/dev/null, a FIFO, a symlink) is written through, never replaced.
 *
 * Returns 0 or a negative errno, never fatal: -EINVAL for a NULL argument, a size of 0 or over
 * PNG_WRITE_MAX_DIM, or a stride below width * 4; the errno of the failed open/write/rename;
 * -EIO when libpng fails; -ENOMEM.
 */
int png_write_xrgb8888(
	const char *path, const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride);

#endif
