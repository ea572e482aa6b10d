/*
 * BT.601 and BT.709 YCbCr -> R'G'B' in limited and full range: the exact formulas (the
 * reference) and the fixed-point multipliers the kernels use (yuv_kernels.h).
 *
 * Inverting Y = Kr R' + Kg G' + Kb B' (Kg = 1 - Kr - Kb):
 *   R' = Y + 2 (1 - Kr) Cr,  B' = Y + 2 (1 - Kb) Cb,
 *   G' = Y - 2 Kb (1 - Kb) / Kg Cb - 2 Kr (1 - Kr) / Kg Cr,
 * with Y scaled from 16..235 (or 0..255) and Cb, Cr from 16..240 (or 0..255) around 128.
 * BT.601: Kr 0.299, Kb 0.114; BT.709: Kr 0.2126, Kb 0.0722.
 */
#include <math.h>

#include "yuv_convert.h"

struct matrix_gains {
	double y, y_off; // luma gain and offset (16 or 0)
	double bu, gu, gv, rv;
};

static struct matrix_gains gains(enum yuv_matrix m, enum yuv_range r)
{
	double kr = m == YUV_MATRIX_BT709 ? 0.2126 : 0.299;
	double kb = m == YUV_MATRIX_BT709 ? 0.0722 : 0.114;
	double kg = 1.0 - kr - kb;
	bool full = r == YUV_RANGE_FULL;
	double ky = full ? 1.0 : 255.0 / 219.0;
	double kc = full ? 1.0 : 255.0 / 224.0;
	return (struct matrix_gains){
		.y = ky,
		.y_off = full ? 0.0 : 16.0,
		.bu = kc * 2.0 * (1.0 - kb),
		.gu = kc * 2.0 * (1.0 - kb) * kb / kg,
		.gv = kc * 2.0 * (1.0 - kr) * kr / kg,
		.rv = kc * 2.0 * (1.0 - kr),
	};
}

void yuv_coeffs_init(struct yuv_coeffs *c, enum yuv_matrix m, enum yuv_range r)
{
	struct matrix_gains g = gains(m, r);
	*c = (struct yuv_coeffs){
		.y = (int16_t)lround(g.y * 64.0 * 65536.0 / 257.0),
		.bias = (int16_t)lround(-g.y_off * g.y * 64.0 + 32.0),
		.bu = (int16_t)lround(g.bu * 8192.0),
		.gu = (int16_t)lround(g.gu * 8192.0),
		.gv = (int16_t)lround(g.gv * 8192.0),
		.rv = (int16_t)lround(g.rv * 8192.0),
	};
}

static uint8_t round_clamp(double v)
{
	long r = lround(v);
	return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

void yuv_reference_pixel(
	enum yuv_matrix m, enum yuv_range r, uint8_t y, uint8_t cb, uint8_t cr, uint8_t rgb[3])
{
	struct matrix_gains g = gains(m, r);
	double yy = g.y * (y - g.y_off), u = cb - 128.0, v = cr - 128.0;
	rgb[0] = round_clamp(yy + g.rv * v);
	rgb[1] = round_clamp(yy - g.gu * u - g.gv * v);
	rgb[2] = round_clamp(yy + g.bu * u);
}

const char *yuv_matrix_to_str(enum yuv_matrix m)
{
	return m == YUV_MATRIX_BT709 ? "bt709" : "bt601";
}

const char *yuv_range_to_str(enum yuv_range r)
{
	return r == YUV_RANGE_FULL ? "full" : "limited";
}

const char *yuv_filter_to_str(enum yuv_filter f)
{
	return f == YUV_FILTER_NEAREST ? "nearest" : "bilinear";
}

const char *yuv_sampling_to_str(enum yuv_sampling s)
{
	switch (s) {
	case YUV_420_CENTER:
		return "420jpeg";
	case YUV_420_LEFT:
		return "420mpeg2";
	case YUV_420_PALDV:
		return "420paldv";
	case YUV_411:
		return "411";
	case YUV_422:
		return "422";
	case YUV_444:
		return "444";
	case YUV_MONO:
		return "mono";
	}
	return "?";
}
