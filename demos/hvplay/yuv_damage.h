/*
 * yuv_damage: which destination rows a new frame changes.
 *
 * Source rows are compared with the previous frame's (only the columns the picture shows), and
 * each destination row is dirty when any source row it is made from (luma, Cb or Cr, through the
 * scaler's taps) differs. The player converts and damages only those rows, so a still part of a
 * video costs a row compare, not a conversion and a copy to VRAM.
 *
 * Error convention: 0 or a negative errno (-ENOMEM). destroy(NULL) is a no-op.
 */
#ifndef HVD_HVPLAY_YUV_DAMAGE_H
#define HVD_HVPLAY_YUV_DAMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "yuv_convert.h"

struct yuv_damage;

/* Destination rows [begin, end). */
struct yuv_band {
	uint32_t begin, end;
};

/* For frames made by sc, which must outlive the tracker. */
int yuv_damage_create(struct yuv_damage **out, const struct yuv_scaler *sc);
void yuv_damage_destroy(struct yuv_damage *d);

/* Compares cur with prev (NULL: everything changed) and works out the dirty rows. Returns how
 * many destination rows are dirty. */
uint32_t yuv_damage_update(
	struct yuv_damage *d, const struct yuv_frame *prev, const struct yuv_frame *cur);

/* The dirty rows of the last update as ascending, disjoint, non-adjacent bands; *bands is valid
 * until the next update. */
size_t yuv_damage_bands(const struct yuv_damage *d, const struct yuv_band **bands);

/* Dirty destination rows of the last update. */
uint64_t yuv_damage_dirty_rows(const struct yuv_damage *d);

#endif
