/*
 * screenshot: an x8r8g8b8 Pixman image as an 8-bit RGB PNG (libpng's simplified API), for
 * hvplay --screenshot on the headless output and for the tests' failure dumps.
 *
 * Errors: 0 or a negative errno: -EINVAL not an x8r8g8b8/a8r8g8b8 image, -ENOMEM, -EIO libpng
 * could not write the file.
 */
#ifndef HVD_HVPLAY_SCREENSHOT_H
#define HVD_HVPLAY_SCREENSHOT_H

#include <pixman.h>

int screenshot_write_png(const char *path, pixman_image_t *image);

#endif
