/*
 * AVX2 versions of the row kernels (yuv_kernels.h): the same bytes as the C ones, 16 pixels or
 * 32 samples at a time. Compiled for any x86-64 and only called after a CPU check, so every
 * function carries its own target attribute instead of the build adding -mavx2.
 *
 * Tails: a row of at least one vector is finished with one more vector that ends at the row's
 * end and overlaps what was already written (the same values again); shorter rows go to C.
 */
#include "yuv_kernels.h"

#if YUV_HAVE_AVX2

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

AVX2 static inline void vblend32(uint8_t *dst, const uint8_t *a, const uint8_t *b, __m256i w)
{
	const __m256i round = _mm256_set1_epi16(64);
	__m256i va = _mm256_loadu_si256((const __m256i *)a);
	__m256i vb = _mm256_loadu_si256((const __m256i *)b);
	__m256i lo = _mm256_maddubs_epi16(_mm256_unpacklo_epi8(va, vb), w);
	__m256i hi = _mm256_maddubs_epi16(_mm256_unpackhi_epi8(va, vb), w);
	lo = _mm256_srli_epi16(_mm256_add_epi16(lo, round), 7);
	hi = _mm256_srli_epi16(_mm256_add_epi16(hi, round), 7);
	_mm256_storeu_si256((__m256i *)dst, _mm256_packus_epi16(lo, hi));
}

/* Quarter steps (4:2:0 chroma at 1:1) with byte averages, as yuv_vblend_c() defines them. */
AVX2 static inline void vblend32_avg(uint8_t *dst, const uint8_t *a, const uint8_t *b, unsigned f)
{
	__m256i va = _mm256_loadu_si256((const __m256i *)a);
	__m256i vb = _mm256_loadu_si256((const __m256i *)b);
	__m256i mid = _mm256_avg_epu8(va, vb);
	if (f == 32)
		mid = _mm256_avg_epu8(va, mid);
	else if (f == 96)
		mid = _mm256_avg_epu8(vb, mid);
	_mm256_storeu_si256((__m256i *)dst, mid);
}

AVX2 static void vblend_avx2(uint8_t *dst, const uint8_t *a, const uint8_t *b, size_t n, unsigned f)
{
	if (n < 32) {
		yuv_vblend_c(dst, a, b, n, f);
		return;
	}
	size_t i = 0;
	if (f == 32 || f == 64 || f == 96) {
		for (; i + 32 <= n; i += 32)
			vblend32_avg(dst + i, a + i, b + i, f);
		if (i < n)
			vblend32_avg(dst + n - 32, a + n - 32, b + n - 32, f);
		return;
	}
	/* (128 - f, f) pairs for pmaddubsw: a's byte first, both below 128. */
	const __m256i w = _mm256_set1_epi16((short)((f << 8) | (128 - f)));
	for (; i + 32 <= n; i += 32)
		vblend32(dst + i, a + i, b + i, w);
	if (i < n)
		vblend32(dst + n - 32, a + n - 32, b + n - 32, w);
}

AVX2 static void hscale_avx2(
	uint8_t *dst, const uint8_t *src, const struct yuv_hblock *blocks, size_t n_blocks)
{
	const __m256i round = _mm256_set1_epi16(64);
	size_t k = 0;
	for (; k + 2 <= n_blocks; k += 2) {
		const struct yuv_hblock *b0 = &blocks[k], *b1 = &blocks[k + 1];
		__m256i s = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(
							    (const __m128i *)(src + b0->src_off))),
			_mm_loadu_si128((const __m128i *)(src + b1->src_off)), 1);
		__m256i shuf = _mm256_inserti128_si256(
			_mm256_castsi128_si256(_mm_load_si128((const __m128i *)b0->shuf)),
			_mm_load_si128((const __m128i *)b1->shuf), 1);
		__m256i w = _mm256_inserti128_si256(
			_mm256_castsi128_si256(_mm_load_si128((const __m128i *)b0->w)),
			_mm_load_si128((const __m128i *)b1->w), 1);
		__m256i v = _mm256_maddubs_epi16(_mm256_shuffle_epi8(s, shuf), w);
		v = _mm256_srli_epi16(_mm256_add_epi16(v, round), 7);
		v = _mm256_packus_epi16(v, v);
		_mm_storel_epi64((__m128i *)(dst + 8 * k), _mm256_castsi256_si128(v));
		_mm_storel_epi64((__m128i *)(dst + 8 * k + 8), _mm256_extracti128_si256(v, 1));
	}
	if (k < n_blocks)
		yuv_hscale_c(dst + 8 * k, src, blocks + k, n_blocks - k);
}

struct coeffs256 {
	__m256i y, bias, bu, gu, gv, rv;
};

AVX2 static inline struct coeffs256 coeffs256(const struct yuv_coeffs *c)
{
	return (struct coeffs256){
		.y = _mm256_set1_epi16(c->y),
		.bias = _mm256_set1_epi16(c->bias),
		.bu = _mm256_set1_epi16(c->bu),
		.gu = _mm256_set1_epi16(c->gu),
		.gv = _mm256_set1_epi16(c->gv),
		.rv = _mm256_set1_epi16(c->rv),
	};
}

/*
 * 32 pixels at a time, in an order that makes the final interleave land in memory order
 * without lane-crossing shuffles: the low half holds pixels [0-3 8-11 | 4-7 12-15] and the
 * high half [16-19 24-27 | 20-23 28-31] (| separates the 128-bit lanes). Unpacking B G R A
 * bytes of such halves gives pixels 0-7, 8-15, 16-23 and 24-31 in whole registers.
 */
AVX2 static inline __m256i order32(__m256i v)
{
	const __m256i in_lane = _mm256_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14,
		15, 0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
	return _mm256_permute4x64_epi64(_mm256_shuffle_epi8(v, in_lane), 0xd8);
}

/* Luma terms of 32 pixels: Y * 257 (the byte in both halves) times the gain, high half. */
AVX2 static inline void luma32(const uint8_t *y, const struct coeffs256 *k, __m256i out[2])
{
	__m256i v = order32(_mm256_loadu_si256((const __m256i *)y));
	out[0] = _mm256_adds_epi16(_mm256_mulhi_epu16(_mm256_unpacklo_epi8(v, v), k->y), k->bias);
	out[1] = _mm256_adds_epi16(_mm256_mulhi_epu16(_mm256_unpackhi_epi8(v, v), k->y), k->bias);
}

/* 32 chroma samples as (c - 128) << 8, in the pixel order above. */
AVX2 static inline void chroma32(const uint8_t *c, __m256i out[2])
{
	__m256i v = _mm256_xor_si256(
		_mm256_loadu_si256((const __m256i *)c), _mm256_set1_epi8((char)0x80));
	v = order32(v);
	out[0] = _mm256_unpacklo_epi8(_mm256_setzero_si256(), v);
	out[1] = _mm256_unpackhi_epi8(_mm256_setzero_si256(), v);
}

/* Packs B, G, R (6 fractional bits; halves as above) of 32 pixels into x8r8g8b8 at dst. */
AVX2 static inline void store32(
	uint32_t *dst, const __m256i b[2], const __m256i g[2], const __m256i r[2])
{
	const __m256i ff = _mm256_set1_epi8((char)0xff);
	__m256i b8 = _mm256_packus_epi16(_mm256_srai_epi16(b[0], 6), _mm256_srai_epi16(b[1], 6));
	__m256i g8 = _mm256_packus_epi16(_mm256_srai_epi16(g[0], 6), _mm256_srai_epi16(g[1], 6));
	__m256i r8 = _mm256_packus_epi16(_mm256_srai_epi16(r[0], 6), _mm256_srai_epi16(r[1], 6));
	__m256i bg_lo = _mm256_unpacklo_epi8(b8, g8), bg_hi = _mm256_unpackhi_epi8(b8, g8);
	__m256i ra_lo = _mm256_unpacklo_epi8(r8, ff), ra_hi = _mm256_unpackhi_epi8(r8, ff);
	__m256i o[4] = {
		_mm256_unpacklo_epi16(bg_lo, ra_lo), // pixels 0-3 | 4-7
		_mm256_unpackhi_epi16(bg_lo, ra_lo), // 8-11 | 12-15
		_mm256_unpacklo_epi16(bg_hi, ra_hi), // 16-19 | 20-23
		_mm256_unpackhi_epi16(bg_hi, ra_hi), // 24-27 | 28-31
	};
	/* Rows of a frame-sized picture are not read again soon: stream them past the cache. */
	if (((uintptr_t)dst & 31) == 0) {
		for (int i = 0; i < 4; i++)
			_mm256_stream_si256((__m256i *)(dst + 8 * i), o[i]);
	} else {
		for (int i = 0; i < 4; i++)
			_mm256_storeu_si256((__m256i *)(dst + 8 * i), o[i]);
	}
}

/* B G R from luma terms l and per-pixel chroma u, v (both in the order above). */
AVX2 static inline void combine32(uint32_t *dst, const __m256i l[2], const __m256i tb[2],
	const __m256i tg[2], const __m256i tr[2])
{
	__m256i b[2], g[2], r[2];
	for (int h = 0; h < 2; h++) {
		b[h] = _mm256_adds_epi16(l[h], tb[h]);
		g[h] = _mm256_subs_epi16(l[h], tg[h]);
		r[h] = _mm256_adds_epi16(l[h], tr[h]);
	}
	store32(dst, b, g, r);
}

AVX2 static inline void pixels32_444(uint32_t *dst, const uint8_t *y, const uint8_t *u,
	const uint8_t *v, const struct coeffs256 *k)
{
	__m256i l[2], cu[2], cv[2], tb[2], tg[2], tr[2];
	luma32(y, k, l);
	chroma32(u, cu);
	chroma32(v, cv);
	for (int h = 0; h < 2; h++) {
		tb[h] = _mm256_mulhrs_epi16(cu[h], k->bu);
		tg[h] = _mm256_adds_epi16(
			_mm256_mulhrs_epi16(cu[h], k->gu), _mm256_mulhrs_epi16(cv[h], k->gv));
		tr[h] = _mm256_mulhrs_epi16(cv[h], k->rv);
	}
	combine32(dst, l, tb, tg, tr);
}

AVX2 static void row444_avx2(uint32_t *dst, const uint8_t *y, const uint8_t *u, const uint8_t *v,
	size_t n, const struct yuv_coeffs *c)
{
	if (n < 32) {
		yuv_row444_c(dst, y, u, v, n, c);
		return;
	}
	const struct coeffs256 k = coeffs256(c);
	for (size_t i = 0;; i += 32) {
		if (i + 32 > n)
			i = n - 32;
		pixels32_444(dst + i, y + i, u + i, v + i, &k);
		if (i + 32 == n)
			break;
	}
}

/* 16 chroma samples as (c - 128) << 8, ordered [0 1 4 5 8 9 12 13 | 2 3 6 7 10 11 14 15]: the
 * pairs the 32 pixels above share, so doubling each sample lines it up with its pixels. */
AVX2 static inline __m256i chroma16(__m128i c)
{
	const __m128i pairs = _mm_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
	c = _mm_shuffle_epi8(_mm_xor_si128(c, _mm_set1_epi8((char)0x80)), pairs);
	return _mm256_slli_epi16(_mm256_cvtepi8_epi16(c), 8);
}

/* A chroma term doubled for its two pixels: [0] the low pixel half, [1] the high. */
AVX2 static inline void double16(__m256i t, __m256i out[2])
{
	out[0] = _mm256_unpacklo_epi16(t, t);
	out[1] = _mm256_unpackhi_epi16(t, t);
}

/* 32 pixels sharing 16 Cb and 16 Cr samples pairwise: the chroma terms are computed once per
 * pair, which is why 4:2:x rows cost less than 4:4:4 ones. */
AVX2 static inline void pixels32_422(
	uint32_t *dst, const uint8_t *y, __m128i u8, __m128i v8, const struct coeffs256 *k)
{
	__m256i cu = chroma16(u8), cv = chroma16(v8);
	__m256i l[2], tb[2], tg[2], tr[2];
	luma32(y, k, l);
	double16(_mm256_mulhrs_epi16(cu, k->bu), tb);
	double16(_mm256_adds_epi16(_mm256_mulhrs_epi16(cu, k->gu), _mm256_mulhrs_epi16(cv, k->gv)),
		tg);
	double16(_mm256_mulhrs_epi16(cv, k->rv), tr);
	combine32(dst, l, tb, tg, tr);
}

AVX2 static void row422_avx2(uint32_t *dst, const uint8_t *y, const uint8_t *u, const uint8_t *v,
	size_t n, const struct yuv_coeffs *c)
{
	if (n < 32) {
		yuv_row422_c(dst, y, u, v, n, c);
		return;
	}
	const struct coeffs256 k = coeffs256(c);
	/* The overlapping tail starts on an even pixel to stay on its chroma pair. */
	for (size_t i = 0;; i += 32) {
		if (i + 32 > n)
			i = (n - 32) & ~(size_t)1;
		pixels32_422(dst + i, y + i, _mm_loadu_si128((const __m128i *)(u + i / 2)),
			_mm_loadu_si128((const __m128i *)(v + i / 2)), &k);
		if (i + 32 >= n - 1)
			break;
	}
	if (n & 1)
		yuv_row422_c(dst + n - 1, y + n - 1, u + (n - 1) / 2, v + (n - 1) / 2, 1, c);
}

AVX2 static inline __m128i blend16(const uint8_t *a, const uint8_t *b, unsigned f)
{
	__m128i va = _mm_loadu_si128((const __m128i *)a);
	__m128i vb = _mm_loadu_si128((const __m128i *)b);
	__m128i mid = _mm_avg_epu8(va, vb);
	return f == 32 ? _mm_avg_epu8(va, mid) : f == 96 ? _mm_avg_epu8(vb, mid) : mid;
}

AVX2 static void row422_blend_avx2(uint32_t *dst, const uint8_t *y, const uint8_t *const u[2],
	const uint8_t *const v[2], unsigned f, size_t n, const struct yuv_coeffs *c)
{
	if (n < 32 || (f != 32 && f != 64 && f != 96)) {
		yuv_row422_blend_c(dst, y, u, v, f, n, c);
		return;
	}
	const struct coeffs256 k = coeffs256(c);
	for (size_t i = 0;; i += 32) {
		if (i + 32 > n)
			i = (n - 32) & ~(size_t)1;
		size_t h = i / 2;
		pixels32_422(dst + i, y + i, blend16(u[0] + h, u[1] + h, f),
			blend16(v[0] + h, v[1] + h, f), &k);
		if (i + 32 >= n - 1)
			break;
	}
	if (n & 1) {
		size_t h = (n - 1) / 2;
		const uint8_t *const ut[2] = { u[0] + h, u[1] + h };
		const uint8_t *const vt[2] = { v[0] + h, v[1] + h };
		yuv_row422_blend_c(dst + n - 1, y + n - 1, ut, vt, f, 1, c);
	}
}

const struct yuv_kernels yuv_kernels_avx2 = {
	.name = "avx2",
	.vblend = vblend_avx2,
	.hscale = hscale_avx2,
	.row444 = row444_avx2,
	.row422 = row422_avx2,
	.row422_blend = row422_blend_avx2,
};

#endif
