/*
 * The C kernels (the definition of every result; yuv_kernels.h) and the choice of kernels for
 * this CPU.
 */
#include "yuv_kernels.h"

#include <stdbool.h>

static inline int16_t sat16(int32_t v)
{
	return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

/* x86 pmulhrsw on one lane. */
static inline int16_t mulhrs(int16_t a, int16_t b)
{
	return (int16_t)(((int32_t)a * b + 0x4000) >> 15);
}

static inline uint8_t clamp_q6(int16_t v)
{
	int32_t r = v >> 6; // arithmetic, as psraw
	return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

static inline uint8_t avg(uint8_t a, uint8_t b)
{
	return (uint8_t)((a + b + 1) >> 1);
}

static inline uint8_t blend(uint8_t a, uint8_t b, unsigned f)
{
	switch (f) {
	case 32:
		return avg(a, avg(a, b));
	case 64:
		return avg(a, b);
	case 96:
		return avg(b, avg(a, b));
	default:
		return (uint8_t)((a * (128 - f) + b * f + 64) >> 7);
	}
}

void yuv_vblend_c(uint8_t *dst, const uint8_t *a, const uint8_t *b, size_t n, unsigned f)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = blend(a[i], b[i], f);
}

void yuv_hscale_c(
	uint8_t *dst, const uint8_t *src, const struct yuv_hblock *blocks, size_t n_blocks)
{
	for (size_t k = 0; k < n_blocks; k++) {
		const struct yuv_hblock *bl = &blocks[k];
		const uint8_t *s = src + bl->src_off;
		for (int j = 0; j < 8; j++) {
			int v = s[bl->shuf[2 * j]] * bl->w[2 * j] +
				s[bl->shuf[2 * j + 1]] * bl->w[2 * j + 1];
			dst[8 * k + (size_t)j] = (uint8_t)((v + 64) >> 7);
		}
	}
}

static inline uint32_t pixel(uint8_t y8, uint8_t u8, uint8_t v8, const struct yuv_coeffs *c)
{
	/* x86 pmulhuw of the byte doubled (Y * 257) by the gain. */
	int16_t y = (int16_t)(((uint32_t)y8 * 257u * (uint16_t)c->y) >> 16);
	int16_t u = (int16_t)((u8 - 128) * 256);
	int16_t v = (int16_t)((v8 - 128) * 256);
	y = sat16(y + c->bias);
	int16_t b = sat16(y + mulhrs(u, c->bu));
	int16_t g = sat16(y - sat16(mulhrs(u, c->gu) + mulhrs(v, c->gv)));
	int16_t r = sat16(y + mulhrs(v, c->rv));
	return 0xff000000u | (uint32_t)clamp_q6(r) << 16 | (uint32_t)clamp_q6(g) << 8 | clamp_q6(b);
}

void yuv_row444_c(uint32_t *dst, const uint8_t *y, const uint8_t *u, const uint8_t *v, size_t n,
	const struct yuv_coeffs *c)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = pixel(y[i], u[i], v[i], c);
}

void yuv_row422_c(uint32_t *dst, const uint8_t *y, const uint8_t *u, const uint8_t *v, size_t n,
	const struct yuv_coeffs *c)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = pixel(y[i], u[i / 2], v[i / 2], c);
}

void yuv_row422_blend_c(uint32_t *dst, const uint8_t *y, const uint8_t *const u[2],
	const uint8_t *const v[2], unsigned f, size_t n, const struct yuv_coeffs *c)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = i / 2;
		dst[i] = pixel(y[i], blend(u[0][k], u[1][k], f), blend(v[0][k], v[1][k], f), c);
	}
}

static const struct yuv_kernels kernels_c = {
	.name = "c",
	.vblend = yuv_vblend_c,
	.hscale = yuv_hscale_c,
	.row444 = yuv_row444_c,
	.row422 = yuv_row422_c,
	.row422_blend = yuv_row422_blend_c,
};

static bool have_avx2(void)
{
#if YUV_HAVE_AVX2
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
#else
	return false;
#endif
}

const struct yuv_kernels *yuv_kernels_get(enum yuv_isa isa)
{
	switch (isa) {
	case YUV_ISA_C:
		return &kernels_c;
	case YUV_ISA_AVX2:
#if YUV_HAVE_AVX2
		return have_avx2() ? &yuv_kernels_avx2 : NULL;
#else
		return NULL;
#endif
	case YUV_ISA_BEST:
		break;
	}
#if YUV_HAVE_AVX2
	if (have_avx2())
		return &yuv_kernels_avx2;
#endif
	return &kernels_c;
}
