/*
 * The fused scale-and-convert pipeline (yuv_convert.h). Per destination row and plane: blend the
 * two source rows it falls between (only the bytes the horizontal pass reads), resample to the
 * output width, then convert the three rows into the destination. A plane row whose taps equal
 * the previous row's is reused, so nearest-neighbour upscaling makes each source row once.
 */
#include "yuv_convert.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "yuv_geometry.h"

struct plane_cache {
	bool valid;
	struct yuv_vtap key;
	const uint8_t *out;
};

struct yuv_scaler {
	struct yuv_scaler_config cfg;
	const struct yuv_kernels *k;
	struct yuv_coeffs coeffs;
	uint32_t cw, ch;            // source chroma plane size
	uint32_t out_cw;            // chroma samples per output row
	bool half_chroma;           // out_cw covers pixel pairs (row422)
	struct yuv_hmap h[2];       // [0] luma, [1] chroma
	struct yuv_vtap *v[3];      // per plane, dst_height rows each
	uint8_t *vtmp[3], *htmp[3]; // per plane: blended source row, resampled row
	uint8_t *grey;              // neutral chroma for mono
	struct plane_cache cache[3];
};

void yuv_chroma_size(
	enum yuv_sampling s, uint32_t width, uint32_t height, uint32_t *cw, uint32_t *ch)
{
	switch (s) {
	case YUV_420_CENTER:
	case YUV_420_LEFT:
	case YUV_420_PALDV:
		*cw = (width + 1) / 2;
		*ch = (height + 1) / 2;
		return;
	case YUV_411:
		*cw = (width + 3) / 4;
		*ch = height;
		return;
	case YUV_422:
		*cw = (width + 1) / 2;
		*ch = height;
		return;
	case YUV_444:
		*cw = width;
		*ch = height;
		return;
	case YUV_MONO:
		break;
	}
	*cw = *ch = 0;
}

static bool is_420(enum yuv_sampling s)
{
	return s == YUV_420_CENTER || s == YUV_420_LEFT || s == YUV_420_PALDV;
}

static int normalise(struct yuv_scaler_config *c)
{
	if (c->src_width < 1 || c->src_width > YUV_MAX_SIDE || c->src_height < 1 ||
		c->src_height > YUV_MAX_SIDE || c->dst_width < 1 || c->dst_width > YUV_MAX_SIDE ||
		c->dst_height < 1 || c->dst_height > YUV_MAX_SIDE || c->sampling > YUV_MONO)
		return -EINVAL;
	if (c->crop_w == 0 || c->crop_h == 0) {
		c->crop_x = c->crop_y = 0;
		c->crop_w = c->src_width;
		c->crop_h = c->src_height;
	}
	if (c->crop_x >= c->src_width || c->crop_y >= c->src_height)
		return -EINVAL;
	c->crop_w = c->crop_w > c->src_width - c->crop_x ? c->src_width - c->crop_x : c->crop_w;
	c->crop_h = c->crop_h > c->src_height - c->crop_y ? c->src_height - c->crop_y : c->crop_h;
	if (c->interlaced) {
		/* A field starts on an even row; in 4:2:0 chroma rows alternate fields too. */
		uint32_t align = is_420(c->sampling) ? 4 : 2;
		uint32_t end = c->crop_y + c->crop_h;
		c->crop_y -= c->crop_y % align;
		c->crop_h = end - c->crop_y;
		if (c->crop_h < 2 || c->dst_height < 2)
			c->interlaced = false;
	}
	return 0;
}

/* Horizontal chroma sample positions (luma pixels): origin of sample 0 and spacing. */
static void chroma_h_siting(enum yuv_sampling s, double *origin, double *step)
{
	switch (s) {
	case YUV_420_CENTER:
		*origin = 1.0, *step = 2.0;
		return;
	case YUV_420_LEFT:
	case YUV_420_PALDV:
	case YUV_422:
		*origin = 0.5, *step = 2.0;
		return;
	case YUV_411:
		*origin = 0.5, *step = 4.0;
		return;
	case YUV_444:
	case YUV_MONO:
		break;
	}
	*origin = 0.5, *step = 1.0;
}

/* Progressive vertical chroma origin of plane p (1 Cb, 2 Cr). */
static double chroma_v_origin(enum yuv_sampling s, int p)
{
	if (s == YUV_420_PALDV)
		return p == 2 ? 0.5 : 1.5;
	return is_420(s) ? 1.0 : 0.5;
}

static void fill_vmaps_progressive(struct yuv_scaler *sc)
{
	const struct yuv_scaler_config *c = &sc->cfg;
	struct yuv_axis ax = {
		.n_out = c->dst_height,
		.n_src = c->src_height,
		.out_origin = 0.5,
		.out_step = 1.0,
		.scale = (double)c->crop_h / c->dst_height,
		.crop = c->crop_y,
		.src_origin = 0.5,
		.src_step = 1.0,
		.nearest = c->filter == YUV_FILTER_NEAREST,
	};
	yuv_vmap_fill(sc->v[0], &ax);
	if (c->sampling == YUV_MONO)
		return;
	ax.n_src = sc->ch;
	ax.src_step = is_420(c->sampling) ? 2.0 : 1.0;
	for (int p = 1; p <= 2; p++) {
		ax.src_origin = chroma_v_origin(c->sampling, p);
		yuv_vmap_fill(sc->v[p], &ax);
	}
}

/* Each field maps to its own rows. In interlaced 4:2:0 a field's chroma sits a quarter (top
 * field) or three quarters (bottom) of the way between its luma rows 2m and 2m + 1 (MPEG-2). */
static void fill_vmaps_fields(struct yuv_scaler *sc)
{
	const struct yuv_scaler_config *c = &sc->cfg;
	for (uint32_t par = 0; par < 2; par++) {
		uint32_t d = (c->dst_height + 1 - par) / 2, s = (c->crop_h + 1 - par) / 2;
		struct yuv_axis ax = {
			.n_out = d,
			.n_src = s,
			.out_origin = 0.5,
			.out_step = 1.0,
			.scale = (double)s / d,
			.src_origin = 0.5,
			.src_step = 1.0,
			.nearest = c->filter == YUV_FILTER_NEAREST,
		};
		yuv_vmap_fill_field(sc->v[0], &ax, par, c->crop_y + par);
		if (c->sampling == YUV_MONO)
			continue;
		uint32_t first = c->crop_y + par;
		if (is_420(c->sampling)) {
			uint32_t begin = c->crop_y / 2;
			uint32_t end = (c->crop_y + c->crop_h + 1) / 2;
			end = end > sc->ch ? sc->ch : end;
			uint32_t rows = end - begin > par ? (end - begin + 1 - par) / 2 : 0;
			/* A two-row crop has one chroma row: both fields share it. */
			first = rows ? begin + par : begin;
			ax.n_src = rows ? rows : 1;
			ax.src_origin = par ? 1.25 : 0.75;
			ax.src_step = 2.0;
		}
		yuv_vmap_fill_field(sc->v[1], &ax, par, first);
		yuv_vmap_fill_field(sc->v[2], &ax, par, first);
	}
}

static int init_hmaps(struct yuv_scaler *sc)
{
	const struct yuv_scaler_config *c = &sc->cfg;
	struct yuv_axis ax = {
		.n_out = c->dst_width,
		.n_src = c->src_width,
		.out_origin = 0.5,
		.out_step = 1.0,
		.scale = (double)c->crop_w / c->dst_width,
		.crop = c->crop_x,
		.src_origin = 0.5,
		.src_step = 1.0,
		.nearest = c->filter == YUV_FILTER_NEAREST,
	};
	int ret = yuv_hmap_init(&sc->h[0], &ax);
	if (ret < 0 || c->sampling == YUV_MONO)
		return ret;
	ax.n_out = sc->out_cw;
	ax.n_src = sc->cw;
	if (sc->half_chroma)
		ax.out_origin = 1.0, ax.out_step = 2.0;
	chroma_h_siting(c->sampling, &ax.src_origin, &ax.src_step);
	return yuv_hmap_init(&sc->h[1], &ax);
}

static int alloc_buffers(struct yuv_scaler *sc)
{
	const struct yuv_scaler_config *c = &sc->cfg;
	for (int p = 0; p < 3; p++) {
		uint32_t src_w = p ? sc->cw : c->src_width, out_w = p ? sc->out_cw : c->dst_width;
		sc->v[p] = calloc(c->dst_height, sizeof(*sc->v[p]));
		sc->vtmp[p] = malloc((size_t)src_w + 32);
		sc->htmp[p] = malloc((size_t)out_w + 32);
		if (!sc->v[p] || !sc->vtmp[p] || !sc->htmp[p])
			return -ENOMEM;
	}
	sc->grey = malloc((size_t)sc->out_cw + 32);
	if (!sc->grey)
		return -ENOMEM;
	memset(sc->grey, 128, (size_t)sc->out_cw + 32);
	return 0;
}

int yuv_scaler_create(struct yuv_scaler **out, const struct yuv_scaler_config *cfg)
{
	struct yuv_scaler_config c = *cfg;
	int ret = normalise(&c);
	if (ret < 0)
		return ret;
	const struct yuv_kernels *k = yuv_kernels_get(c.isa);
	if (!k)
		return -ENODEV;
	struct yuv_scaler *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	sc->cfg = c;
	sc->k = k;
	yuv_coeffs_init(&sc->coeffs, c.matrix, c.range);
	yuv_chroma_size(c.sampling, c.src_width, c.src_height, &sc->cw, &sc->ch);
	sc->half_chroma = c.sampling != YUV_444;
	sc->out_cw = sc->half_chroma ? (c.dst_width + 1) / 2 : c.dst_width;
	ret = alloc_buffers(sc);
	if (ret == 0)
		ret = init_hmaps(sc);
	if (ret < 0) {
		yuv_scaler_destroy(sc);
		return ret;
	}
	if (c.interlaced)
		fill_vmaps_fields(sc);
	else
		fill_vmaps_progressive(sc);
	*out = sc;
	return 0;
}

void yuv_scaler_destroy(struct yuv_scaler *sc)
{
	if (!sc)
		return;
	for (int p = 0; p < 3; p++) {
		free(sc->v[p]);
		free(sc->vtmp[p]);
		free(sc->htmp[p]);
	}
	yuv_hmap_finish(&sc->h[0]);
	yuv_hmap_finish(&sc->h[1]);
	free(sc->grey);
	free(sc);
}

const struct yuv_scaler_config *yuv_scaler_get_config(const struct yuv_scaler *sc)
{
	return &sc->cfg;
}

static bool same_tap(const struct yuv_vtap *a, const struct yuv_vtap *b)
{
	return a->i0 == b->i0 && a->f == b->f && (a->f == 0 || a->i1 == b->i1);
}

/* Plane p's samples for one destination row. */
static const uint8_t *plane_row(
	struct yuv_scaler *sc, int p, const struct yuv_vtap *t, const struct yuv_frame *src)
{
	struct plane_cache *cache = &sc->cache[p];
	if (cache->valid && same_tap(&cache->key, t))
		return cache->out;
	const struct yuv_hmap *hm = &sc->h[p ? 1 : 0];
	const uint8_t *base = src->plane[p];
	const uint8_t *row = base + (size_t)t->i0 * src->stride[p];
	if (t->f) {
		const uint8_t *next = base + (size_t)t->i1 * src->stride[p];
		uint32_t b = hm->read_begin;
		sc->k->vblend(sc->vtmp[p] + b, row + b, next + b, hm->read_end - b, t->f);
		row = sc->vtmp[p];
	}
	const uint8_t *out = row + hm->identity_off;
	if (!hm->identity) {
		yuv_hmap_apply(hm, sc->k, sc->htmp[p], row);
		out = sc->htmp[p];
	}
	*cache = (struct plane_cache){ true, *t, out };
	return out;
}

static bool quarter(unsigned f)
{
	return f == 32 || f == 64 || f == 96;
}

/* Chroma that needs only a quarter-step vertical blend and no horizontal resampling (4:2:x at
 * 1:1 width) is blended inside the conversion kernel. */
static bool fused_chroma(const struct yuv_scaler *sc, uint32_t y)
{
	return sc->half_chroma && sc->cfg.sampling != YUV_MONO && sc->h[1].identity &&
		quarter(sc->v[1][y].f) && sc->v[2][y].f == sc->v[1][y].f;
}

static void chroma_fused_row(struct yuv_scaler *sc, const struct yuv_frame *src, uint32_t *d,
	const uint8_t *yr, uint32_t y)
{
	const uint8_t *uv[2][2];
	for (int p = 1; p <= 2; p++) {
		const struct yuv_vtap *t = &sc->v[p][y];
		const uint8_t *base = src->plane[p] + sc->h[1].identity_off;
		uv[p - 1][0] = base + (size_t)t->i0 * src->stride[p];
		uv[p - 1][1] = base + (size_t)t->i1 * src->stride[p];
	}
	sc->k->row422_blend(d, yr, uv[0], uv[1], sc->v[1][y].f, sc->cfg.dst_width, &sc->coeffs);
}

int yuv_scaler_convert(struct yuv_scaler *sc, const struct yuv_frame *src, uint32_t *dst,
	size_t dst_stride, uint32_t row_begin, uint32_t row_end)
{
	const struct yuv_scaler_config *c = &sc->cfg;
	if (row_begin > row_end || row_end > c->dst_height || dst_stride < (size_t)c->dst_width * 4)
		return -EINVAL;
	for (int p = 0; p < 3; p++)
		sc->cache[p].valid = false;
	for (uint32_t y = row_begin; y < row_end; y++) {
		uint32_t *d = (uint32_t *)(void *)((uint8_t *)dst + (size_t)y * dst_stride);
		const uint8_t *yr = plane_row(sc, 0, &sc->v[0][y], src);
		if (fused_chroma(sc, y)) {
			chroma_fused_row(sc, src, d, yr, y);
			continue;
		}
		const uint8_t *u = sc->grey, *v = sc->grey;
		if (c->sampling != YUV_MONO) {
			u = plane_row(sc, 1, &sc->v[1][y], src);
			v = plane_row(sc, 2, &sc->v[2][y], src);
		}
		if (sc->half_chroma)
			sc->k->row422(d, yr, u, v, c->dst_width, &sc->coeffs);
		else
			sc->k->row444(d, yr, u, v, c->dst_width, &sc->coeffs);
	}
	return 0;
}

static void span(const struct yuv_vtap *t, uint32_t out[2])
{
	int32_t a = t->i0, b = t->f ? t->i1 : t->i0;
	out[0] = (uint32_t)(a < b ? a : b);
	out[1] = (uint32_t)(a < b ? b : a);
}

void yuv_scaler_row_sources(const struct yuv_scaler *sc, uint32_t row, struct yuv_row_sources *out)
{
	*out = (struct yuv_row_sources){ 0 };
	if (row >= sc->cfg.dst_height)
		return;
	span(&sc->v[0][row], out->luma);
	if (sc->cfg.sampling == YUV_MONO)
		return;
	span(&sc->v[1][row], out->chroma[0]);
	span(&sc->v[2][row], out->chroma[1]);
}

void yuv_scaler_source_columns(
	const struct yuv_scaler *sc, int plane, uint32_t *begin, uint32_t *end)
{
	*begin = *end = 0;
	if (plane < 0 || plane > 2 || (plane > 0 && sc->cfg.sampling == YUV_MONO))
		return;
	const struct yuv_hmap *hm = &sc->h[plane ? 1 : 0];
	*begin = hm->read_begin;
	*end = hm->identity ? hm->identity_off + hm->n_out : hm->read_end;
}
