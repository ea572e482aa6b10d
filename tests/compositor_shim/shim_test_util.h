/*
 * Helpers for the shim's tests: a stepped clock, images, a reference painter, pixel comparison
 * and golden PNGs. Aborting allocation is fine here (tests only).
 */
#ifndef HVD_TESTS_SHIM_TEST_UTIL_H
#define HVD_TESTS_SHIM_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <pixman.h>

#include "shim.h"

/* A clock the test steps by hand. */
struct test_clock {
	int64_t now;
};
int64_t test_clock_now(void *data);
#define TEST_FRAME_NS 16666667LL // one 60 Hz refresh, rounded up

/* a8r8g8b8 or x8r8g8b8 image filled with one premultiplied ARGB colour. */
pixman_image_t *test_image_solid(pixman_format_code_t format, int w, int h, uint32_t argb);
void test_fill_rect(pixman_image_t *image, int x, int y, int w, int h, uint32_t argb);
uint32_t test_pixel(pixman_image_t *image, int x, int y);

/* Pixel by pixel, x8r8g8b8 compared without the unused byte. Returns the number of differing
 * pixels; the first few are printed as TAP notes. */
long test_image_diff(pixman_image_t *a, pixman_image_t *b, const char *what);

/* One surface of a reference scene, in stacking order bottom to top. */
struct test_ref_surface {
	pixman_image_t *image;
	int32_t x, y;
	bool visible;
	const pixman_region32_t *opaque; // buffer coordinates; NULL none
};

/* Paints a whole w x h x8r8g8b8 picture the slow obvious way: background, then every surface
 * entirely (copied inside its opaque region, blended elsewhere), then the cursor. */
pixman_image_t *test_reference(int w, int h, uint32_t background, const struct test_ref_surface *s,
	int n, pixman_image_t *cursor, int32_t cx, int32_t cy);

uint32_t test_crc32(uint32_t crc, const void *data, size_t len);
/* CRC of the visible pixels (rows without stride padding, x8 byte masked). */
uint32_t test_image_crc(pixman_image_t *image);

/* Compares image with tests/reference/<name>.png. With $SHIM_WRITE_GOLDEN set, (re)writes the
 * golden instead. On mismatch writes <name>-actual.png beside the build's test programs. */
bool test_golden(pixman_image_t *image, const char *name);

/* The usual set-up: a headless output of w x h with n buffers, a shim on the stepped clock. */
struct test_shim {
	struct test_clock clock;
	struct shim_clock shim_clock;
	struct shim_output *output; // borrowed from the shim
	struct shim *shim;
};
void test_shim_init(struct test_shim *t, const struct shim_headless_options *opts);
void test_shim_finish(struct test_shim *t);
/* Steps the clock one refresh and dispatches until nothing more happens now: a due frame is
 * committed and its frame-done handled. */
void test_shim_frame(struct test_shim *t);
/* A buffer over a new solid image; the test keeps the reference. */
struct shim_buffer *test_buffer_solid(pixman_format_code_t format, int w, int h, uint32_t argb);

#endif
