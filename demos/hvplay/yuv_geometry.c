/*
 * Scaler geometry (yuv_geometry.h): taps per output sample and the SIMD block table.
 *
 * Positions are computed in double once per configuration, then only tables are read per frame.
 * Weights are rounded to 1/128; a weight that rounds to 0 or 128 becomes an exact sample, so
 * 1:1 and integer ratios resample nothing.
 */
#include "yuv_geometry.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct yuv_tap yuv_axis_tap(const struct yuv_axis *ax, uint32_t i)
{
	double c = ax->out_origin + (double)i * ax->out_step;
	double pos = (ax->crop + c * ax->scale - ax->src_origin) / ax->src_step;
	int32_t last = (int32_t)ax->n_src - 1;
	if (ax->nearest) {
		double j = floor(pos + 0.5);
		int32_t s = j < 0 ? 0 : j > last ? last : (int32_t)j;
		return (struct yuv_tap){ s, s, 64 };
	}
	if (pos <= 0)
		return (struct yuv_tap){ 0, 0, 64 };
	if (pos >= last)
		return (struct yuv_tap){ last, last, 64 };
	int32_t j = (int32_t)floor(pos);
	long w = lround((pos - j) * 128.0);
	if (w <= 0)
		return (struct yuv_tap){ j, j, 64 };
	if (w >= 128)
		return (struct yuv_tap){ j + 1, j + 1, 64 };
	return (struct yuv_tap){ j, j + 1, (uint8_t)w };
}

static bool is_identity(const struct yuv_tap *t, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (t[i].i1 != t[i].i0 || t[i].i0 != t[0].i0 + (int32_t)i)
			return false;
	}
	return true;
}

/* Fills block k; false when its taps do not fit one 16-byte window inside the row. */
static bool fill_block(struct yuv_hblock *b, const struct yuv_tap *t, uint32_t n_src)
{
	int32_t lo = t[0].i0, hi = t[0].i1;
	for (int j = 1; j < 8; j++) {
		lo = t[j].i0 < lo ? t[j].i0 : lo;
		hi = t[j].i1 > hi ? t[j].i1 : hi;
	}
	if (hi - lo > 15 || (int64_t)lo + 16 > n_src)
		return false;
	*b = (struct yuv_hblock){ .src_off = lo };
	for (int j = 0; j < 8; j++) {
		b->shuf[2 * j] = (uint8_t)(t[j].i0 - lo);
		b->shuf[2 * j + 1] = (uint8_t)(t[j].i1 - lo);
		b->w[2 * j] = (int8_t)(128 - t[j].w);
		b->w[2 * j + 1] = (int8_t)t[j].w;
	}
	return true;
}

int yuv_hmap_init(struct yuv_hmap *m, const struct yuv_axis *ax)
{
	*m = (struct yuv_hmap){ .n_out = ax->n_out };
	m->taps = calloc(ax->n_out, sizeof(*m->taps));
	m->blocks = aligned_alloc(16, sizeof(*m->blocks) * (ax->n_out / 8 + 1));
	if (!m->taps || !m->blocks) {
		yuv_hmap_finish(m);
		return -ENOMEM;
	}
	int32_t lo = INT32_MAX, hi = 0;
	for (uint32_t i = 0; i < ax->n_out; i++) {
		m->taps[i] = yuv_axis_tap(ax, i);
		lo = m->taps[i].i0 < lo ? m->taps[i].i0 : lo;
		hi = m->taps[i].i1 > hi ? m->taps[i].i1 : hi;
	}
	m->identity = is_identity(m->taps, ax->n_out);
	m->identity_off = (uint32_t)m->taps[0].i0;
	while (m->n_blocks < ax->n_out / 8 &&
		fill_block(&m->blocks[m->n_blocks], &m->taps[8 * m->n_blocks], ax->n_src))
		m->n_blocks++;
	if (m->n_blocks > 0) {
		int32_t end = m->blocks[m->n_blocks - 1].src_off + 16;
		hi = end - 1 > hi ? end - 1 : hi;
	}
	m->read_begin = (uint32_t)lo;
	m->read_end = (uint32_t)hi + 1;
	return 0;
}

void yuv_hmap_finish(struct yuv_hmap *m)
{
	free(m->taps);
	free(m->blocks);
	*m = (struct yuv_hmap){ 0 };
}

void yuv_hmap_apply(
	const struct yuv_hmap *m, const struct yuv_kernels *k, uint8_t *dst, const uint8_t *src)
{
	if (m->n_blocks > 0)
		k->hscale(dst, src, m->blocks, m->n_blocks);
	for (uint32_t i = 8 * m->n_blocks; i < m->n_out; i++) {
		const struct yuv_tap *t = &m->taps[i];
		dst[i] = (uint8_t)((src[t->i0] * (128 - t->w) + src[t->i1] * t->w + 64) >> 7);
	}
}

static struct yuv_vtap vtap(struct yuv_tap t)
{
	return (struct yuv_vtap){ t.i0, t.i1, (uint8_t)(t.i1 == t.i0 ? 0 : t.w) };
}

void yuv_vmap_fill(struct yuv_vtap *rows, const struct yuv_axis *ax)
{
	for (uint32_t i = 0; i < ax->n_out; i++)
		rows[i] = vtap(yuv_axis_tap(ax, i));
}

void yuv_vmap_fill_field(
	struct yuv_vtap *rows, const struct yuv_axis *field_ax, uint32_t parity, uint32_t first_row)
{
	for (uint32_t i = 0; i < field_ax->n_out; i++) {
		struct yuv_vtap t = vtap(yuv_axis_tap(field_ax, i));
		rows[parity + 2 * i] = (struct yuv_vtap){ (int32_t)first_row + 2 * t.i0,
			(int32_t)first_row + 2 * t.i1, t.f };
	}
}
