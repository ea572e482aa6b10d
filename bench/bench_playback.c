/*
 * Y4M playback's per-frame cost: I420 (BT.709, limited range) to x8r8g8b8 with bilinear scaling,
 * 1080p->1080p, 720p->1080p, 1080p->1440p and 1080p->720p, in one run:
 *
 *  - memcpy:      copying the destination frame's bytes (the floor of any full update)
 *  - hvplay:      yuv_convert's fused path, the whole frame (what the player does when every
 *                 row changed), and with nearest filtering
 *  - sws bilinear, sws fast-bilinear: libswscale's sws_scale() on the same in-memory frames
 *  - libyuv:      I420ToARGBMatrix() then ARGBScale(kFilterBilinear) (just the first at 1:1)
 *
 * and a second table where only the bottom third of each frame moves (a still picture with a
 * ticker, a slide with a video inset): hvplay compares rows with the previous frame and makes
 * only the destination rows that depend on changed ones (yuv_damage.h), the peers redo the frame.
 *
 * Each case cycles through 4 distinct frames, warms up, then times every frame; figures are
 * frames per second from the median, the median and p99 in ms, and the ratio of the median to
 * the memcpy floor. One thread; run it on an idle machine.
 *
 * A last table is not speed but correctness: every one of the 2^24 Y'CbCr values through each
 * path's 4:4:4 converter, against the exact formula, for the four matrices and ranges (libyuv's
 * limited-range blue is where it falls short).
 *
 * Usage: bench_playback [frames [pair]]   (timed frames per case, default 200; pair 0..3 runs
 *                                          that size pair of the first table only)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "y4m_synth.h"
#include "yuv_convert.h"
#include "yuv_damage.h"
#include "yuv_kernels.h"

#if HAVE_LIBYUV
#include <libyuv.h>
#endif
#if HAVE_SWSCALE
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
#endif

#define N_FRAMES 4

static int only_pair = -1;
static bool only_full;
#define WARMUP 10

struct size_pair {
	const char *name;
	uint32_t sw, sh, dw, dh;
};

static const struct size_pair pairs[] = {
	{ "1080p -> 1080p", 1920, 1080, 1920, 1080 },
	{ "720p -> 1080p", 1280, 720, 1920, 1080 },
	{ "1080p -> 1440p", 1920, 1080, 2560, 1440 },
	{ "1080p -> 720p", 1920, 1080, 1280, 720 },
};

struct ctx {
	const struct size_pair *p;
	uint8_t *frames[N_FRAMES]; // packed I420
	struct yuv_frame yuv[N_FRAMES];
	uint32_t *dsts[3]; // cycled, as the player cycles its three buffers
	uint32_t *dst;     // this frame's
	uint32_t *tmp;     // source-size ARGB for convert-then-scale
	uint8_t *copy_src[2];
	struct yuv_scaler *bilinear, *nearest;
	struct yuv_damage *damage;
	void *sws_bilinear, *sws_fast;
};

typedef void (*run_fn)(struct ctx *c, unsigned i);

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

struct result {
	double median_ms, p99_ms, min_ms;
};

static int64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct result summarise(int64_t *t, unsigned n)
{
	qsort(t, n, sizeof(*t), cmp_i64);
	return (struct result){ t[n / 2] / 1e6, t[(n * 99) / 100] / 1e6, t[0] / 1e6 };
}

/*
 * Times n_fns methods on the same frames. They take turns, a few frames each, so a busy machine
 * slows them alike; each frame is timed in this thread's CPU time (time spent descheduled does
 * not count). The wall-clock median of the first method is kept too, as a sanity check.
 */
static void measure(
	struct ctx *c, const run_fn *fns, size_t n_fns, unsigned frames, struct result *out)
{
	enum { TURN = 5 };
	int64_t *t = calloc((size_t)frames * n_fns, sizeof(*t));
	if (!t)
		abort();
	for (size_t m = 0; m < n_fns; m++) {
		for (unsigned i = 0; i < WARMUP; i++) {
			c->dst = c->dsts[i % 3];
			fns[m](c, i);
		}
	}
	for (unsigned done = 0; done < frames; done += TURN) {
		for (size_t m = 0; m < n_fns; m++) {
			for (unsigned i = done; i < done + TURN && i < frames; i++) {
				c->dst = c->dsts[i % 3];
				int64_t t0 = cpu_ns();
				fns[m](c, WARMUP + i);
				t[m * frames + i] = cpu_ns() - t0;
			}
		}
	}
	for (size_t m = 0; m < n_fns; m++)
		out[m] = summarise(&t[m * frames], frames);
	free(t);
}

static void run_memcpy(struct ctx *c, unsigned i)
{
	memcpy(c->dst, c->copy_src[i & 1], (size_t)c->p->dw * c->p->dh * 4);
}

static void run_ours(struct ctx *c, unsigned i)
{
	yuv_scaler_convert(
		c->bilinear, &c->yuv[i % N_FRAMES], c->dst, (size_t)c->p->dw * 4, 0, c->p->dh);
}

static void run_ours_nearest(struct ctx *c, unsigned i)
{
	yuv_scaler_convert(
		c->nearest, &c->yuv[i % N_FRAMES], c->dst, (size_t)c->p->dw * 4, 0, c->p->dh);
}

/* The player's loop: diff against the previous frame, make the dirty rows. */
static void run_ours_damage(struct ctx *c, unsigned i)
{
	const struct yuv_frame *prev = i ? &c->yuv[(i - 1) % N_FRAMES] : NULL;
	yuv_damage_update(c->damage, prev, &c->yuv[i % N_FRAMES]);
	const struct yuv_band *bands;
	size_t n = yuv_damage_bands(c->damage, &bands);
	for (size_t b = 0; b < n; b++)
		yuv_scaler_convert(c->bilinear, &c->yuv[i % N_FRAMES], c->dst, (size_t)c->p->dw * 4,
			bands[b].begin, bands[b].end);
}

#if HAVE_SWSCALE
static void *sws_new(const struct size_pair *p, int flags)
{
	struct SwsContext *s = sws_getContext((int)p->sw, (int)p->sh, AV_PIX_FMT_YUV420P,
		(int)p->dw, (int)p->dh, AV_PIX_FMT_BGRA, flags, NULL, NULL, NULL);
	if (!s)
		abort();
	int *inv, src_range, *table, dst_range, bright, contrast, sat;
	sws_getColorspaceDetails(s, &inv, &src_range, &table, &dst_range, &bright, &contrast, &sat);
	sws_setColorspaceDetails(
		s, sws_getCoefficients(SWS_CS_ITU709), 0, table, 1, bright, contrast, sat);
	return s;
}

static void run_sws(struct ctx *c, void *s, unsigned i)
{
	const struct yuv_frame *f = &c->yuv[i % N_FRAMES];
	const uint8_t *const src[4] = { f->plane[0], f->plane[1], f->plane[2], NULL };
	const int src_stride[4] = { (int)f->stride[0], (int)f->stride[1], (int)f->stride[2], 0 };
	uint8_t *const dst[4] = { (uint8_t *)c->dst, NULL, NULL, NULL };
	const int dst_stride[4] = { (int)c->p->dw * 4, 0, 0, 0 };
	sws_scale(s, src, src_stride, 0, (int)c->p->sh, dst, dst_stride);
}

static void run_sws_bilinear(struct ctx *c, unsigned i)
{
	run_sws(c, c->sws_bilinear, i);
}

static void run_sws_fast(struct ctx *c, unsigned i)
{
	run_sws(c, c->sws_fast, i);
}
#endif

#if HAVE_LIBYUV
static void run_libyuv(struct ctx *c, unsigned i)
{
	const struct size_pair *p = c->p;
	const struct yuv_frame *f = &c->yuv[i % N_FRAMES];
	bool same = p->sw == p->dw && p->sh == p->dh;
	uint8_t *conv = same ? (uint8_t *)c->dst : (uint8_t *)c->tmp;
	I420ToARGBMatrix(f->plane[0], (int)f->stride[0], f->plane[1], (int)f->stride[1],
		f->plane[2], (int)f->stride[2], conv, (int)p->sw * 4, &kYuvH709Constants,
		(int)p->sw, (int)p->sh);
	if (!same)
		ARGBScale(conv, (int)p->sw * 4, (int)p->sw, (int)p->sh, (uint8_t *)c->dst,
			(int)p->dw * 4, (int)p->dw, (int)p->dh, kFilterBilinear);
}
#endif

static void *xmalloc(size_t n)
{
	/* Aligned like the player's buffers (mmap'd shim buffers, or its own). */
	void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);
	if (!p)
		abort();
	memset(p, 0x10, n); // fault the pages in before timing
	return p;
}

static void ctx_init(struct ctx *c, const struct size_pair *p, uint32_t static_rows)
{
	*c = (struct ctx){ .p = p };
	struct y4m_synth s = {
		.width = p->sw,
		.height = p->sh,
		.sampling = YUV_420_CENTER,
		.matrix = YUV_MATRIX_BT709,
		.range = YUV_RANGE_LIMITED,
		.static_rows = static_rows,
	};
	size_t fsize = y4m_synth_frame_size(&s);
	size_t cw = (p->sw + 1) / 2, ch = (p->sh + 1) / 2;
	for (unsigned i = 0; i < N_FRAMES; i++) {
		c->frames[i] = xmalloc(fsize);
		y4m_synth_frame_packed(&s, i, c->frames[i]);
		c->yuv[i] = (struct yuv_frame){
			.plane = { c->frames[i], c->frames[i] + (size_t)p->sw * p->sh,
				c->frames[i] + (size_t)p->sw * p->sh + cw * ch },
			.stride = { p->sw, cw, cw },
		};
	}
	size_t dbytes = (size_t)p->dw * p->dh * 4;
	for (int i = 0; i < 3; i++)
		c->dsts[i] = xmalloc(dbytes);
	c->tmp = xmalloc((size_t)p->sw * p->sh * 4);
	c->copy_src[0] = xmalloc(dbytes);
	c->copy_src[1] = xmalloc(dbytes);
	struct yuv_scaler_config cfg = {
		.src_width = p->sw,
		.src_height = p->sh,
		.sampling = YUV_420_CENTER,
		.dst_width = p->dw,
		.dst_height = p->dh,
		.filter = YUV_FILTER_BILINEAR,
		.matrix = YUV_MATRIX_BT709,
		.range = YUV_RANGE_LIMITED,
	};
	if (yuv_scaler_create(&c->bilinear, &cfg) < 0)
		abort();
	cfg.filter = YUV_FILTER_NEAREST;
	if (yuv_scaler_create(&c->nearest, &cfg) < 0)
		abort();
	if (yuv_damage_create(&c->damage, c->bilinear) < 0)
		abort();
#if HAVE_SWSCALE
	c->sws_bilinear = sws_new(p, SWS_BILINEAR);
	c->sws_fast = sws_new(p, SWS_FAST_BILINEAR);
#endif
}

static void ctx_finish(struct ctx *c)
{
	for (unsigned i = 0; i < N_FRAMES; i++)
		free(c->frames[i]);
	for (int i = 0; i < 3; i++)
		free(c->dsts[i]);
	free(c->tmp);
	free(c->copy_src[0]);
	free(c->copy_src[1]);
	yuv_damage_destroy(c->damage);
	yuv_scaler_destroy(c->bilinear);
	yuv_scaler_destroy(c->nearest);
#if HAVE_SWSCALE
	sws_freeContext(c->sws_bilinear);
	sws_freeContext(c->sws_fast);
#endif
}

struct method {
	const char *name;
	run_fn fn;
	bool peer; // counts for "best peer"
};

static const struct method methods[] = {
	{ "memcpy (floor)", run_memcpy, false },
	{ "hvplay bilinear", run_ours, false },
	{ "hvplay nearest", run_ours_nearest, false },
#if HAVE_SWSCALE
	{ "sws bilinear", run_sws_bilinear, true },
	{ "sws fast-bilinear", run_sws_fast, true },
#endif
#if HAVE_LIBYUV
	{ "libyuv conv+scale", run_libyuv, true },
#endif
};

static void print_row(const char *name, struct result r, double floor_ms)
{
	printf("  %-22s %8.1f fps  %7.3f ms  p99 %7.3f  min %7.3f  %5.2fx memcpy\n", name,
		1000.0 / r.median_ms, r.median_ms, r.p99_ms, r.min_ms, r.median_ms / floor_ms);
}

#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

static void full_table(unsigned frames)
{
	printf("== every row changes (bilinear unless named; BT.709 limited, I420 -> XRGB) ==\n");
	run_fn fns[N_METHODS];
	for (size_t m = 0; m < N_METHODS; m++)
		fns[m] = methods[m].fn;
	for (size_t pi = 0; pi < sizeof(pairs) / sizeof(pairs[0]); pi++) {
		if (only_pair >= 0 && (size_t)only_pair != pi)
			continue;
		struct ctx c;
		ctx_init(&c, &pairs[pi], 0);
		printf("%s\n", pairs[pi].name);
		struct result r[N_METHODS];
		measure(&c, fns, N_METHODS, frames, r);
		double ours = 0, best_peer = 1e9;
		const char *best = "none";
		for (size_t m = 0; m < N_METHODS; m++) {
			if (methods[m].fn == run_ours)
				ours = r[m].median_ms;
			if (methods[m].peer && r[m].median_ms < best_peer)
				best_peer = r[m].median_ms, best = methods[m].name;
			print_row(methods[m].name, r[m], r[0].median_ms);
		}
		printf("  -> hvplay bilinear vs best peer (%s): %.2fx the speed\n", best,
			best_peer / ours);
		ctx_finish(&c);
	}
}

static void damage_table(unsigned frames)
{
	printf("\n== only the bottom third moves (rows diffed against the previous frame) ==\n");
	static const char *const names[] = { "memcpy (floor)", "hvplay full frame",
		"hvplay damaged rows", "libyuv conv+scale" };
#if HAVE_LIBYUV
	const run_fn fns[] = { run_memcpy, run_ours, run_ours_damage, run_libyuv };
#else
	const run_fn fns[] = { run_memcpy, run_ours, run_ours_damage };
#endif
	const size_t n = sizeof(fns) / sizeof(fns[0]);
	for (size_t pi = 0; pi < sizeof(pairs) / sizeof(pairs[0]); pi++) {
		struct ctx c;
		ctx_init(&c, &pairs[pi], pairs[pi].sh * 2 / 3);
		printf("%s\n", pairs[pi].name);
		struct result r[4];
		measure(&c, fns, n, frames, r);
		for (size_t m = 0; m < n; m++)
			print_row(names[m], r[m], r[0].median_ms);
		printf("  -> rows made per frame: %" PRIu64 " of %u\n",
			yuv_damage_dirty_rows(c.damage), pairs[pi].dh);
		ctx_finish(&c);
	}
}

/* ---- Accuracy ---------------------------------------------------------------------------- */

enum { ACC_SIDE = 4096 }; // 4096 x 4096 pixels: every Y'CbCr triple once

struct acc_result {
	int max_err, max_err_legal; // legal: Y 16..235, Cb/Cr 16..240 (limited range only)
	uint64_t over_one;          // values more than 1 off
};

static void acc_frame(uint8_t *y, uint8_t *u, uint8_t *v)
{
	for (size_t i = 0; i < (size_t)ACC_SIDE * ACC_SIDE; i++) {
		y[i] = (uint8_t)(i >> 16);
		u[i] = (uint8_t)i;
		v[i] = (uint8_t)(i >> 8);
	}
}

static struct acc_result acc_check(const uint32_t *px, const uint8_t *y, const uint8_t *u,
	const uint8_t *v, enum yuv_matrix m, enum yuv_range r)
{
	struct acc_result res = { 0, 0, 0 };
	for (size_t i = 0; i < (size_t)ACC_SIDE * ACC_SIDE; i++) {
		uint8_t ref[3];
		yuv_reference_pixel(m, r, y[i], u[i], v[i], ref);
		int e = 0;
		for (int c = 0; c < 3; c++) {
			int d = abs((int)((px[i] >> (16 - 8 * c)) & 0xff) - ref[c]);
			e = d > e ? d : e;
		}
		res.max_err = e > res.max_err ? e : res.max_err;
		res.over_one += e > 1;
		bool legal = r == YUV_RANGE_FULL ||
			(y[i] >= 16 && y[i] <= 235 && u[i] >= 16 && u[i] <= 240 && v[i] >= 16 &&
				v[i] <= 240);
		if (legal && e > res.max_err_legal)
			res.max_err_legal = e;
	}
	return res;
}

static void acc_print(const char *name, struct acc_result r)
{
	printf("  %-20s max error %3d LSB (%2d in the legal range), %5.2f%% off by more than 1\n",
		name, r.max_err, r.max_err_legal,
		100.0 * (double)r.over_one / ((double)ACC_SIDE * ACC_SIDE));
}

static void acc_ours(const uint8_t *y, const uint8_t *u, const uint8_t *v, uint32_t *px,
	enum yuv_matrix m, enum yuv_range r)
{
	struct yuv_coeffs c;
	yuv_coeffs_init(&c, m, r);
	const struct yuv_kernels *k = yuv_kernels_get(YUV_ISA_BEST);
	for (size_t row = 0; row < ACC_SIDE; row++) {
		size_t o = row * ACC_SIDE;
		k->row444(px + o, y + o, u + o, v + o, ACC_SIDE, &c);
	}
}

#if HAVE_LIBYUV
static void acc_libyuv(const uint8_t *y, const uint8_t *u, const uint8_t *v, uint32_t *px,
	enum yuv_matrix m, enum yuv_range r)
{
	const struct YuvConstants *k = m == YUV_MATRIX_BT709
		? (r == YUV_RANGE_FULL ? &kYuvF709Constants : &kYuvH709Constants)
		: (r == YUV_RANGE_FULL ? &kYuvJPEGConstants : &kYuvI601Constants);
	I444ToARGBMatrix(y, ACC_SIDE, u, ACC_SIDE, v, ACC_SIDE, (uint8_t *)px, ACC_SIDE * 4, k,
		ACC_SIDE, ACC_SIDE);
}
#endif

#if HAVE_SWSCALE
static void acc_sws(const uint8_t *y, const uint8_t *u, const uint8_t *v, uint32_t *px,
	enum yuv_matrix m, enum yuv_range r)
{
	struct SwsContext *s = sws_getContext(ACC_SIDE, ACC_SIDE, AV_PIX_FMT_YUV444P, ACC_SIDE,
		ACC_SIDE, AV_PIX_FMT_BGRA, SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT,
		NULL, NULL, NULL);
	if (!s)
		abort();
	int *inv, src_range, *table, dst_range, bright, contrast, sat;
	sws_getColorspaceDetails(s, &inv, &src_range, &table, &dst_range, &bright, &contrast, &sat);
	sws_setColorspaceDetails(s,
		sws_getCoefficients(m == YUV_MATRIX_BT709 ? SWS_CS_ITU709 : SWS_CS_ITU601),
		r == YUV_RANGE_FULL, table, 1, bright, contrast, sat);
	const uint8_t *const src[4] = { y, u, v, NULL };
	const int stride[4] = { ACC_SIDE, ACC_SIDE, ACC_SIDE, 0 };
	uint8_t *const dst[4] = { (uint8_t *)px, NULL, NULL, NULL };
	const int dst_stride[4] = { ACC_SIDE * 4, 0, 0, 0 };
	sws_scale(s, src, stride, 0, ACC_SIDE, dst, dst_stride);
	sws_freeContext(s);
}
#endif

typedef void (*acc_fn)(const uint8_t *y, const uint8_t *u, const uint8_t *v, uint32_t *px,
	enum yuv_matrix m, enum yuv_range r);

static void accuracy_table(void)
{
	static const struct {
		const char *name;
		acc_fn fn;
	} paths[] = {
		{ "hvplay", acc_ours },
#if HAVE_LIBYUV
		{ "libyuv I444ToARGB", acc_libyuv },
#endif
#if HAVE_SWSCALE
		{ "sws (accurate_rnd)", acc_sws },
#endif
	};
	size_t n = (size_t)ACC_SIDE * ACC_SIDE;
	uint8_t *y = xmalloc(n), *u = xmalloc(n), *v = xmalloc(n);
	uint32_t *px = xmalloc(n * 4);
	acc_frame(y, u, v);
	printf("\n== conversion accuracy: all 2^24 Y'CbCr values (4:4:4, 1:1) vs the exact formula "
	       "==\n");
	for (int m = 0; m < 2; m++) {
		for (int r = 0; r < 2; r++) {
			printf("%s %s\n", yuv_matrix_to_str((enum yuv_matrix)m),
				yuv_range_to_str((enum yuv_range)r));
			for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
				paths[p].fn(y, u, v, px, (enum yuv_matrix)m, (enum yuv_range)r);
				acc_print(paths[p].name,
					acc_check(px, y, u, v, (enum yuv_matrix)m,
						(enum yuv_range)r));
			}
		}
	}
	free(y);
	free(u);
	free(v);
	free(px);
}

int main(int argc, char **argv)
{
	unsigned frames = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 200;
	/* A second argument runs one size pair (0..3) of the first table only. */
	if (argc > 2) {
		only_pair = (int)strtol(argv[2], NULL, 0);
		only_full = true;
	}
	if (frames < 10)
		frames = 10;
	printf("bench_playback: %u timed frames per case, kernels: %s\n", frames,
		yuv_kernels_get(YUV_ISA_BEST)->name);
	full_table(frames);
	if (!only_full) {
		damage_table(frames);
		accuracy_table();
	}
	return 0;
}
