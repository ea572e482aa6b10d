/*
 * yuv_convert: planar YCbCr (8-bit) to x8r8g8b8, scaled, in one pass per output row.
 *
 * Why not libyuv or libswscale: both convert the whole frame and then scale it (or scale with
 * a generic filter engine), and libyuv's limited-range matrices are off by up to 13 LSB in blue
 * (its blue gain does not fit its 8-bit multiplier; bench/bench_playback.c and
 * tests/hvplay/test_yuv_convert.c measure it). Here each output row is made from the source rows
 * it needs: the planes are blended vertically and resampled horizontally to the output size
 * first (on bytes, 1 to 1.5 bytes a pixel instead of 4), then converted straight into the
 * destination, so the only full-size write is the final one, and rows that did not change need
 * not be made at all (yuv_damage.h).
 *
 * Chroma siting is honoured: 420jpeg centred, 420mpeg2 left-sited (cosited horizontally),
 * 420paldv cosited with Cr on the top and Cb on the bottom line of each pair, 422 and 411
 * cosited; interlaced frames are scaled field by field with MPEG-2's field chroma positions.
 * Subsampled chroma is interpolated to half the output width (each chroma sample covers two
 * output pixels), 4:4:4 chroma to the full width.
 *
 * Conversion accuracy: within 1 LSB of the exact (double precision) BT.601/BT.709 result in
 * limited and full range.
 *
 * Error convention: 0 or a negative errno: -EINVAL a bad configuration or argument, -ENOMEM.
 * Constructors take `**out` and set it only on success; destroy(NULL) is a no-op. A scaler is
 * used by one thread at a time.
 */
#ifndef HVD_HVPLAY_YUV_CONVERT_H
#define HVD_HVPLAY_YUV_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuv_kernels.h"

enum yuv_matrix {
	YUV_MATRIX_BT601,
	YUV_MATRIX_BT709,
};

enum yuv_range {
	YUV_RANGE_LIMITED, // Y 16..235, Cb/Cr 16..240
	YUV_RANGE_FULL,    // 0..255
};

enum yuv_filter {
	YUV_FILTER_NEAREST,
	YUV_FILTER_BILINEAR,
};

enum yuv_sampling {
	YUV_420_CENTER, // 420jpeg: chroma centred between luma samples both ways
	YUV_420_LEFT,   // 420mpeg2: horizontally cosited, vertically centred
	YUV_420_PALDV,  // 420paldv: horizontally cosited, Cr with the top line, Cb the bottom
	YUV_411,        // chroma a quarter wide, cosited
	YUV_422,        // chroma half wide, cosited
	YUV_444,
	YUV_MONO, // luma only: grey
};

/* Largest side the scaler takes (source and destination). */
#define YUV_MAX_SIDE 16384

/* Chroma plane size for a luma size (0 for mono). */
void yuv_chroma_size(
	enum yuv_sampling s, uint32_t width, uint32_t height, uint32_t *cw, uint32_t *ch);

/* Source planes, borrowed: plane[0] Y, [1] Cb, [2] Cr (unused for mono); stride in bytes. */
struct yuv_frame {
	const uint8_t *plane[3];
	size_t stride[3];
};

struct yuv_scaler_config {
	uint32_t src_width, src_height; // luma, 1..YUV_MAX_SIDE
	enum yuv_sampling sampling;
	bool interlaced; // scale the two fields apart (frames that are interlaced)
	/* The part of the source shown (luma pixels), clipped to the source; w or h 0: all. */
	uint32_t crop_x, crop_y, crop_w, crop_h;
	uint32_t dst_width, dst_height; // 1..YUV_MAX_SIDE
	enum yuv_filter filter;
	enum yuv_matrix matrix;
	enum yuv_range range;
	enum yuv_isa isa; // YUV_ISA_BEST normally; tests pick one
};

struct yuv_scaler;

/* -EINVAL a size out of range or an empty crop, -ENODEV the isa is not available here. */
int yuv_scaler_create(struct yuv_scaler **out, const struct yuv_scaler_config *cfg);
void yuv_scaler_destroy(struct yuv_scaler *sc);

/* The configuration after clipping and rounding (an interlaced crop starts on an even row). */
const struct yuv_scaler_config *yuv_scaler_get_config(const struct yuv_scaler *sc);

/*
 * Makes destination rows [row_begin, row_end) of the dst_width x dst_height picture whose row 0
 * starts at dst (stride in bytes, at least dst_width * 4). The source planes must be the
 * configured size. -EINVAL for rows out of range.
 */
int yuv_scaler_convert(struct yuv_scaler *sc, const struct yuv_frame *src, uint32_t *dst,
	size_t dst_stride, uint32_t row_begin, uint32_t row_end);

/* The source rows destination row `row` reads: luma rows luma[0]..luma[1] and, per chroma plane
 * (Cb, Cr), chroma rows chroma[p][0]..chroma[p][1], inclusive (chroma all 0 for mono). */
struct yuv_row_sources {
	uint32_t luma[2];
	uint32_t chroma[2][2];
};
void yuv_scaler_row_sources(const struct yuv_scaler *sc, uint32_t row, struct yuv_row_sources *out);

/* The columns of source plane p (0 luma, 1 and 2 chroma) that the output depends on:
 * [begin, end). Rows that differ only outside them change nothing on screen. */
void yuv_scaler_source_columns(
	const struct yuv_scaler *sc, int plane, uint32_t *begin, uint32_t *end);

/* The fixed-point multipliers of a matrix and range (yuv_kernels.h). */
void yuv_coeffs_init(struct yuv_coeffs *c, enum yuv_matrix m, enum yuv_range r);

/* The exact conversion of one sample in double precision, rounded and clamped: the reference
 * the tests and the bench hold the fixed-point paths to. */
void yuv_reference_pixel(
	enum yuv_matrix m, enum yuv_range r, uint8_t y, uint8_t cb, uint8_t cr, uint8_t rgb[3]);

const char *yuv_matrix_to_str(enum yuv_matrix m);
const char *yuv_range_to_str(enum yuv_range r);
const char *yuv_filter_to_str(enum yuv_filter f);
const char *yuv_sampling_to_str(enum yuv_sampling s);

#endif
