/*
 * Where each output sample of the scaler comes from: per destination row, the source rows and
 * blend weight; per destination column, the source samples, weights and the SIMD block table.
 * Internal to yuv_convert.c (and its tests).
 *
 * Coordinates: a pixel spans [i, i + 1), so its centre is i + 0.5. An axis maps output sample i,
 * centred at out_origin + i * out_step destination pixels, to the source luma coordinate
 * crop + that * scale, then to the index of the plane's samples, whose sample j is centred at
 * src_origin + j * src_step luma pixels. The index is clamped to the plane (edges repeat).
 */
#ifndef HVD_HVPLAY_YUV_GEOMETRY_H
#define HVD_HVPLAY_YUV_GEOMETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "yuv_kernels.h"

struct yuv_axis {
	uint32_t n_out; // output samples
	uint32_t n_src; // samples in the source plane row (or column)
	double out_origin, out_step;
	double scale; // source luma pixels per destination pixel
	double crop;  // source luma coordinate of destination coordinate 0
	double src_origin, src_step;
	bool nearest;
};

/* One output sample: (s[i0] * (128 - w) + s[i1] * w + 64) >> 7. An exact sample has i1 == i0
 * and w == 64. */
struct yuv_tap {
	int32_t i0, i1;
	uint8_t w;
};

/* The tap of output sample i. */
struct yuv_tap yuv_axis_tap(const struct yuv_axis *ax, uint32_t i);

struct yuv_hmap {
	uint32_t n_out;
	struct yuv_tap *taps;
	/* Every output is source sample off + i: no resampling needed. */
	bool identity;
	uint32_t identity_off;
	/* SIMD blocks for outputs [0, 8 * n_blocks); the rest is done tap by tap. */
	struct yuv_hblock *blocks;
	uint32_t n_blocks;
	/* Source bytes read: [read_begin, read_end). */
	uint32_t read_begin, read_end;
};

/* -ENOMEM. */
int yuv_hmap_init(struct yuv_hmap *m, const struct yuv_axis *ax);
void yuv_hmap_finish(struct yuv_hmap *m);

/* Resamples one source row (indexed like the plane row) into dst[0 .. n_out). */
void yuv_hmap_apply(
	const struct yuv_hmap *m, const struct yuv_kernels *k, uint8_t *dst, const uint8_t *src);

/* A destination row's source rows: blend f/128 of row i1 into row i0; f == 0 is row i0 alone. */
struct yuv_vtap {
	int32_t i0, i1;
	uint8_t f;
};

/* Fills rows[0 .. ax->n_out) from the axis. */
void yuv_vmap_fill(struct yuv_vtap *rows, const struct yuv_axis *ax);

/* The same for one field: output rows parity, parity + 2, ... of n_dst rows take the field's
 * source rows first_row, first_row + 2, ... (n_src_field of them), ax describing the field
 * (n_out, n_src, scale and origins in field rows). */
void yuv_vmap_fill_field(struct yuv_vtap *rows, const struct yuv_axis *field_ax, uint32_t parity,
	uint32_t first_row);

#endif
