/*
 * layout: where the picture goes on the output, and what is left for the letterbox bars.
 *
 *  - fit:    the whole picture, as large as fits, centred; bars where it does not reach
 *  - fill:   the output covered, centred; the source is cropped to what shows
 *  - native: one source pixel per output pixel (aspect ignored), centred; cropped when the
 *            output is smaller
 *
 * Fit and fill honour the pixel aspect ratio (Y4M's A tag): a 720x576 picture with 16:15
 * pixels is shown 768 wide for 576 high. Pure: no I/O, no allocation.
 */
#ifndef HVD_HVPLAY_LAYOUT_H
#define HVD_HVPLAY_LAYOUT_H

#include <stdint.h>

#include "rect.h"

enum layout_mode {
	LAYOUT_FIT,
	LAYOUT_FILL,
	LAYOUT_NATIVE,
};

struct layout_input {
	uint32_t src_width, src_height;
	uint32_t aspect_num, aspect_den; // pixel aspect; 0 in either: square
	uint32_t out_width, out_height;
	enum layout_mode mode;
};

struct layout {
	struct rect video; // output pixels the picture covers (never empty, inside the output)
	uint32_t crop_x, crop_y, crop_w, crop_h; // the source pixels shown
	struct rect bars[4]; // the rest of the output: top, bottom, left, right (non-empty ones)
	unsigned n_bars;
};

/* -EINVAL for a zero size. */
int layout_compute(const struct layout_input *in, struct layout *out);

/* "fit", "fill", "1:1"; layout_mode_from_str() takes those (and "native"): -EINVAL otherwise. */
const char *layout_mode_to_str(enum layout_mode m);
int layout_mode_from_str(const char *s, enum layout_mode *out);

#endif
