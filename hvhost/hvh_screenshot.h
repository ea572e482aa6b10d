/*
 * Screenshots: an XRGB8888 picture (the host's view of VRAM, cursor already blended) written as
 * an 8-bit RGB PNG with libpng. Used by the video model for the monitor's `screenshot`.
 *
 * XRGB8888 is a little-endian 32-bit word per pixel: bytes B, G, R, X in memory, as synthvid's
 * 32-bit depth and DRM_FORMAT_XRGB8888 lay it out; the X byte is ignored.
 *
 * Errors: negative errno, never fatal: -EINVAL for a size of 0, over HVH_SCREENSHOT_MAX_DIM or a
 * stride below width * 4; the errno of the failed open/write/rename; -EIO when libpng fails;
 * -ENOMEM. The file is written under a temporary name in the same directory and renamed into
 * place, so a reader never sees a half-written PNG and a failure leaves no file behind.
 */
#ifndef HVD_HVHOST_SCREENSHOT_H
#define HVD_HVHOST_SCREENSHOT_H

#include <stddef.h>
#include <stdint.h>

#define HVH_SCREENSHOT_MAX_DIM 16384

/* Writes pixels (height rows of stride bytes; not NULL) to path. */
int hvh_screenshot_write_png(
	const char *path, const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride);

#endif
