/*
 * Row kernels of the player's YUV path: vertical blend, horizontal resample, YUV -> XRGB.
 *
 * Each kernel has a plain C version, which defines the result bit for bit, and a SIMD version
 * (AVX2 on x86-64) that must give the same bytes; tests hold the two together. yuv_convert.c
 * strings them into the fused scale-and-convert pipeline.
 *
 * Fixed point, chosen so a conversion stays within one LSB of the exact result (see
 * yuv_coeffs_init()): luma, doubled into both bytes of a word (Y * 257), goes through an
 * unsigned 16-bit multiply-high (x86 pmulhuw); chroma minus 128, scaled by 256, through a
 * rounding one (pmulhrsw: (a * b + 2^14) >> 15). Every term then has 6 fractional bits; terms
 * are summed with signed saturation, which can only clamp values that are out of 0..255 anyway,
 * then shifted down by 6 and clamped.
 *
 * Resampling weights are 7-bit: w0 + w1 = 128. Nearest is (64, 64) on the same sample, which is
 * exact.
 */
#ifndef HVD_HVPLAY_YUV_KERNELS_H
#define HVD_HVPLAY_YUV_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Multipliers for pmulhrsw, as described above. Signs: B = y + bu, G = y - gu - gv, R = y + rv.
 */
struct yuv_coeffs {
	int16_t y;              // luma gain * 16384
	int16_t bias;           // offset of the luma term, plus 32 for rounding, in 1/64
	int16_t bu, gu, gv, rv; // chroma gains * 8192
};

/* Eight outputs of a horizontal resample: out[j] = (s[shuf[2j]] * w[2j] + s[shuf[2j+1]] *
 * w[2j+1] + 64) >> 7 with s = src + src_off. Every index is below 16 and src_off + 16 is within
 * the source row, so a 16-byte load covers the block. */
struct yuv_hblock {
	_Alignas(16) uint8_t shuf[16];
	int8_t w[16];
	int32_t src_off;
	int32_t pad_[3];
};

struct yuv_kernels {
	const char *name;
	/* dst[i] = (a[i] * (128 - f) + b[i] * f + 64) >> 7, f in 1..127, except that quarter
	 * steps (f 32, 64, 96) are byte averages, avg(x, y) = (x + y + 1) >> 1: avg(a, avg(a, b)),
	 * avg(a, b), avg(b, avg(a, b)). Those round half a step higher now and then, and cost a
	 * third as much; 4:2:0 chroma at 1:1 uses only them. */
	void (*vblend)(uint8_t *dst, const uint8_t *a, const uint8_t *b, size_t n, unsigned f);
	/* Writes 8 * n_blocks outputs. */
	void (*hscale)(
		uint8_t *dst, const uint8_t *src, const struct yuv_hblock *blocks, size_t n_blocks);
	/* n pixels of x8r8g8b8 (alpha 0xff) from full-resolution y, u, v. */
	void (*row444)(uint32_t *dst, const uint8_t *y, const uint8_t *u, const uint8_t *v,
		size_t n, const struct yuv_coeffs *c);
	/* The same with u and v at half resolution: pixels 2k and 2k+1 share u[k], v[k]. */
	void (*row422)(uint32_t *dst, const uint8_t *y, const uint8_t *u, const uint8_t *v,
		size_t n, const struct yuv_coeffs *c);
	/* row422 with each chroma row blended from two (u0/u1, v0/v1) by a quarter step f (32, 64
	 * or 96, as vblend), in registers: 4:2:0 at 1:1 makes no temporary chroma rows. */
	void (*row422_blend)(uint32_t *dst, const uint8_t *y, const uint8_t *const u[2],
		const uint8_t *const v[2], unsigned f, size_t n, const struct yuv_coeffs *c);
};

enum yuv_isa {
	YUV_ISA_BEST = 0, // the fastest this CPU runs
	YUV_ISA_C,
	YUV_ISA_AVX2,
};

/* The kernels for isa, or NULL when this CPU (or build) lacks it. */
const struct yuv_kernels *yuv_kernels_get(enum yuv_isa isa);

/* The C kernels, for the SIMD versions' tails. */
void yuv_vblend_c(uint8_t *dst, const uint8_t *a, const uint8_t *b, size_t n, unsigned f);
void yuv_hscale_c(
	uint8_t *dst, const uint8_t *src, const struct yuv_hblock *blocks, size_t n_blocks);
void yuv_row444_c(uint32_t *dst, const uint8_t *y, const uint8_t *u, const uint8_t *v, size_t n,
	const struct yuv_coeffs *c);
void yuv_row422_c(uint32_t *dst, const uint8_t *y, const uint8_t *u, const uint8_t *v, size_t n,
	const struct yuv_coeffs *c);
void yuv_row422_blend_c(uint32_t *dst, const uint8_t *y, const uint8_t *const u[2],
	const uint8_t *const v[2], unsigned f, size_t n, const struct yuv_coeffs *c);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define YUV_HAVE_AVX2 1
extern const struct yuv_kernels yuv_kernels_avx2;
#else
#define YUV_HAVE_AVX2 0
#endif

#endif
