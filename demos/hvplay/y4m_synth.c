/*
 * Moving colour bars (y4m_synth.h).
 */
#include "y4m_synth.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

static const uint8_t bars_rgb[8][3] = {
	{ 191, 191, 191 },
	{ 191, 191, 0 },
	{ 0, 191, 191 },
	{ 0, 191, 0 },
	{ 191, 0, 191 },
	{ 191, 0, 0 },
	{ 0, 0, 191 },
	{ 0, 0, 0 },
};

static uint8_t clamp8(double v)
{
	long r = lround(v);
	return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

/* R'G'B' -> Y'CbCr, the forward form of yuv_matrix.c. */
static void encode(const struct y4m_synth *s, const uint8_t rgb[3], uint8_t out[3])
{
	double kr = s->matrix == YUV_MATRIX_BT709 ? 0.2126 : 0.299;
	double kb = s->matrix == YUV_MATRIX_BT709 ? 0.0722 : 0.114;
	double r = rgb[0], g = rgb[1], b = rgb[2];
	double y = kr * r + (1.0 - kr - kb) * g + kb * b;
	double cb = (b - y) / (2.0 * (1.0 - kb)), cr = (r - y) / (2.0 * (1.0 - kr));
	if (s->range == YUV_RANGE_FULL) {
		out[0] = clamp8(y);
		out[1] = clamp8(128.0 + cb);
		out[2] = clamp8(128.0 + cr);
	} else {
		out[0] = clamp8(16.0 + y * 219.0 / 255.0);
		out[1] = clamp8(128.0 + cb * 224.0 / 255.0);
		out[2] = clamp8(128.0 + cr * 224.0 / 255.0);
	}
}

void y4m_synth_bar_ycbcr(const struct y4m_synth *s, unsigned bar, uint8_t ycbcr[3])
{
	encode(s, bars_rgb[bar % 8], ycbcr);
}

static uint32_t speed(const struct y4m_synth *s)
{
	return s->speed ? s->speed : 4;
}

/* The colour of luma pixel (x, y) in frame index. */
static void pixel_rgb(
	const struct y4m_synth *s, uint64_t index, uint32_t x, uint32_t y, uint8_t rgb[3])
{
	uint32_t w = s->width, h = s->height;
	uint32_t ramp_top = h - h / 8;
	if (y >= ramp_top && h >= 8) {
		uint8_t g = (uint8_t)(w > 1 ? (uint64_t)x * 255 / (w - 1) : 0);
		rgb[0] = rgb[1] = rgb[2] = g;
		return;
	}
	bool moving = y >= s->static_rows;
	if (moving) {
		uint32_t side = h / 8 > 8 ? h / 8 : 8;
		uint32_t span_x = w > side ? w - side : 1;
		uint32_t span_y =
			ramp_top > s->static_rows + side ? ramp_top - s->static_rows - side : 1;
		uint64_t sx = index * speed(s) * 2 % span_x;
		uint64_t sy = s->static_rows + index * 3 % span_y;
		if (x >= sx && x < sx + side && y >= sy && y < sy + side) {
			rgb[0] = rgb[1] = rgb[2] = 255;
			return;
		}
	}
	uint64_t shift = moving ? index * speed(s) : 0;
	const uint8_t *c = bars_rgb[((x + shift) % w) * 8 / w];
	rgb[0] = c[0], rgb[1] = c[1], rgb[2] = c[2];
}

static void subsampling(enum yuv_sampling smp, uint32_t *sx, uint32_t *sy)
{
	*sx = smp == YUV_411 ? 4 : smp == YUV_444 ? 1 : 2;
	*sy = smp == YUV_420_CENTER || smp == YUV_420_LEFT || smp == YUV_420_PALDV ? 2 : 1;
}

/* The mean Cb and Cr over the luma pixels chroma sample (cx, cy) covers. */
static void chroma_sample(const struct y4m_synth *s, uint64_t index, uint32_t cx, uint32_t cy,
	uint8_t *cb, uint8_t *cr)
{
	uint32_t sx, sy, n = 0, sum_b = 0, sum_r = 0;
	subsampling(s->sampling, &sx, &sy);
	for (uint32_t y = cy * sy; y < cy * sy + sy && y < s->height; y++) {
		for (uint32_t x = cx * sx; x < cx * sx + sx && x < s->width; x++) {
			uint8_t rgb[3], ycc[3];
			pixel_rgb(s, index, x, y, rgb);
			encode(s, rgb, ycc);
			sum_b += ycc[1], sum_r += ycc[2], n++;
		}
	}
	*cb = (uint8_t)((sum_b + n / 2) / n);
	*cr = (uint8_t)((sum_r + n / 2) / n);
}

void y4m_synth_frame(const struct y4m_synth *s, uint64_t index, uint8_t *const planes[3],
	const size_t strides[3])
{
	for (uint32_t y = 0; y < s->height; y++) {
		for (uint32_t x = 0; x < s->width; x++) {
			uint8_t rgb[3], ycc[3];
			pixel_rgb(s, index, x, y, rgb);
			encode(s, rgb, ycc);
			planes[0][(size_t)y * strides[0] + x] = ycc[0];
		}
	}
	uint32_t cw, ch;
	yuv_chroma_size(s->sampling, s->width, s->height, &cw, &ch);
	for (uint32_t y = 0; y < ch; y++) {
		for (uint32_t x = 0; x < cw; x++) {
			chroma_sample(s, index, x, y, &planes[1][(size_t)y * strides[1] + x],
				&planes[2][(size_t)y * strides[2] + x]);
		}
	}
}

size_t y4m_synth_frame_size(const struct y4m_synth *s)
{
	uint32_t cw, ch;
	yuv_chroma_size(s->sampling, s->width, s->height, &cw, &ch);
	return (size_t)s->width * s->height + 2 * (size_t)cw * ch;
}

void y4m_synth_frame_packed(const struct y4m_synth *s, uint64_t index, uint8_t *buf)
{
	uint32_t cw, ch;
	yuv_chroma_size(s->sampling, s->width, s->height, &cw, &ch);
	uint8_t *const planes[3] = { buf, buf + (size_t)s->width * s->height,
		buf + (size_t)s->width * s->height + (size_t)cw * ch };
	const size_t strides[3] = { s->width, cw, cw };
	y4m_synth_frame(s, index, planes, strides);
}

int y4m_synth_header(const struct y4m_synth *s, char *buf, size_t len)
{
	int n = snprintf(buf, len, "YUV4MPEG2 W%u H%u F%u:%u I%c A1:1 C%s XCOLORRANGE=%s%s\n",
		s->width, s->height, s->fps_num ? s->fps_num : 30, s->fps_num ? s->fps_den : 1,
		s->interlace ? s->interlace : 'p', yuv_sampling_to_str(s->sampling),
		s->range == YUV_RANGE_FULL ? "FULL" : "LIMITED",
		s->extra_tags ? s->extra_tags : "");
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}
