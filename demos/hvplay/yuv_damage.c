/*
 * Frame-to-frame row damage (yuv_damage.h). Per plane a prefix count of changed source rows
 * answers "did any row in [a, b] change" in O(1) for each destination row.
 */
#include "yuv_damage.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct plane {
	uint32_t rows; // source rows
	uint32_t col_begin, col_end;
	uint32_t *changed_before; // [r]: changed rows among 0..r-1; rows + 1 entries
};

struct yuv_damage {
	uint32_t dst_height;
	int n_planes;
	struct plane planes[3];
	struct yuv_row_sources *deps; // per destination row
	struct yuv_band *bands;
	size_t n_bands;
	uint64_t dirty_rows;
};

int yuv_damage_create(struct yuv_damage **out, const struct yuv_scaler *sc)
{
	const struct yuv_scaler_config *cfg = yuv_scaler_get_config(sc);
	struct yuv_damage *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->dst_height = cfg->dst_height;
	d->n_planes = cfg->sampling == YUV_MONO ? 1 : 3;
	uint32_t cw, ch;
	yuv_chroma_size(cfg->sampling, cfg->src_width, cfg->src_height, &cw, &ch);
	bool ok = true;
	for (int p = 0; p < d->n_planes; p++) {
		struct plane *pl = &d->planes[p];
		pl->rows = p ? ch : cfg->src_height;
		yuv_scaler_source_columns(sc, p, &pl->col_begin, &pl->col_end);
		pl->changed_before = calloc((size_t)pl->rows + 1, sizeof(uint32_t));
		ok = ok && pl->changed_before;
	}
	d->deps = calloc(d->dst_height, sizeof(*d->deps));
	d->bands = calloc((size_t)d->dst_height / 2 + 1, sizeof(*d->bands));
	if (!ok || !d->deps || !d->bands) {
		yuv_damage_destroy(d);
		return -ENOMEM;
	}
	for (uint32_t y = 0; y < d->dst_height; y++)
		yuv_scaler_row_sources(sc, y, &d->deps[y]);
	*out = d;
	return 0;
}

void yuv_damage_destroy(struct yuv_damage *d)
{
	if (!d)
		return;
	for (int p = 0; p < 3; p++)
		free(d->planes[p].changed_before);
	free(d->deps);
	free(d->bands);
	free(d);
}

static void diff_plane(
	struct plane *pl, int p, const struct yuv_frame *prev, const struct yuv_frame *cur)
{
	size_t len = pl->col_end - pl->col_begin;
	uint32_t count = 0;
	for (uint32_t r = 0; r < pl->rows; r++) {
		pl->changed_before[r] = count;
		bool changed = !prev;
		if (prev) {
			const uint8_t *a =
				prev->plane[p] + (size_t)r * prev->stride[p] + pl->col_begin;
			const uint8_t *b =
				cur->plane[p] + (size_t)r * cur->stride[p] + pl->col_begin;
			changed = a != b && memcmp(a, b, len) != 0;
		}
		count += changed;
	}
	pl->changed_before[pl->rows] = count;
}

static bool any_changed(const struct plane *pl, const uint32_t span[2])
{
	return pl->changed_before[span[1] + 1] != pl->changed_before[span[0]];
}

static bool row_dirty(const struct yuv_damage *d, uint32_t y)
{
	const struct yuv_row_sources *s = &d->deps[y];
	if (any_changed(&d->planes[0], s->luma))
		return true;
	return d->n_planes == 3 &&
		(any_changed(&d->planes[1], s->chroma[0]) ||
			any_changed(&d->planes[2], s->chroma[1]));
}

uint32_t yuv_damage_update(
	struct yuv_damage *d, const struct yuv_frame *prev, const struct yuv_frame *cur)
{
	for (int p = 0; p < d->n_planes; p++)
		diff_plane(&d->planes[p], p, prev, cur);
	d->n_bands = 0;
	d->dirty_rows = 0;
	for (uint32_t y = 0; y < d->dst_height; y++) {
		if (!row_dirty(d, y))
			continue;
		d->dirty_rows++;
		struct yuv_band *last = d->n_bands ? &d->bands[d->n_bands - 1] : NULL;
		if (last && last->end == y)
			last->end = y + 1;
		else
			d->bands[d->n_bands++] = (struct yuv_band){ y, y + 1 };
	}
	return (uint32_t)d->dirty_rows;
}

size_t yuv_damage_bands(const struct yuv_damage *d, const struct yuv_band **bands)
{
	*bands = d->bands;
	return d->n_bands;
}

uint64_t yuv_damage_dirty_rows(const struct yuv_damage *d)
{
	return d->dirty_rows;
}
