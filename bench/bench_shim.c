/*
 * Composition cost per frame in the shim at 1920x1080: 1, 4 and 16 surfaces, with small damage
 * (one 64x32 rectangle changes, as a console cursor or a clock) and full damage (every surface
 * redrawn), each beside a full repaint of the same scene in the same run, and a plain memcpy of
 * one 1080p frame as the floor of any full update.
 *
 * The scene: an opaque full-screen console at the bottom; then translucent ARGB windows
 * (640x360 for 4 surfaces, 384x216 for 16), overlapping, each with an opaque top strip (a title
 * bar) so culling has something to do. The headless output double-buffers, so every frame also
 * repaints what its buffer missed (buffer age 2), as on a real flipping display.
 *
 * Time is the shim's repaint and commit (shim_dispatch()); the clock the shim paces on is
 * stepped by the bench, so nothing waits. It is measured as this thread's CPU time, so other
 * work on a busy machine does not inflate it (the wall-clock median is printed beside it).
 * Figures: medians over the timed frames after a warm-up, in milliseconds, and the pixels
 * composited per frame.
 *
 * Usage: bench_shim [frames]   (timed frames per case; default 200)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shim.h"

#define W 1920
#define H 1080
#define WARMUP 20
#define MAX_SURFACES 16

enum damage {
	DAMAGE_SMALL,
	DAMAGE_FULL,
	DAMAGE_REPAINT, // the whole output, every frame, whatever changed
};

static const char *const damage_names[] = { "small", "full", "full repaint" };

struct scene {
	int64_t now;
	struct shim_clock clock;
	struct shim_output *out;
	struct shim *shim;
	struct shim_surface *s[MAX_SURFACES];
	struct shim_buffer *b[MAX_SURFACES];
	pixman_image_t *img[MAX_SURFACES];
	int n;
};

static int64_t fake_now(void *data)
{
	return *(int64_t *)data;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void fill(pixman_image_t *img, int x, int y, int w, int h, uint32_t argb)
{
	pixman_color_t c = { (uint16_t)(((argb >> 16) & 0xff) * 0x101),
		(uint16_t)(((argb >> 8) & 0xff) * 0x101), (uint16_t)((argb & 0xff) * 0x101),
		(uint16_t)((argb >> 24) * 0x101) };
	pixman_box32_t box = { x, y, x + w, y + h };
	pixman_image_fill_boxes(PIXMAN_OP_SRC, img, &c, 1, &box);
}

static void add_surface(
	struct scene *sc, pixman_format_code_t format, int w, int h, int x, int y, uint32_t color)
{
	int i = sc->n++;
	sc->img[i] = pixman_image_create_bits(format, w, h, NULL, 0);
	if (!sc->img[i] || shim_buffer_create(&sc->b[i], sc->img[i], NULL, NULL) < 0 ||
		shim_surface_create(sc->shim, &sc->s[i]) < 0)
		abort();
	fill(sc->img[i], 0, 0, w, h, color);
	shim_surface_attach(sc->s[i], sc->b[i]);
	shim_surface_set_position(sc->s[i], x, y);
	if (format == PIXMAN_a8r8g8b8) {
		/* An opaque title bar over a translucent body. */
		fill(sc->img[i], 0, 0, w, 24, 0xff303050);
		pixman_region32_t opaque;
		pixman_region32_init_rect(&opaque, 0, 0, (unsigned)w, 24);
		shim_surface_set_opaque_region(sc->s[i], &opaque);
		pixman_region32_fini(&opaque);
	}
	shim_surface_commit(sc->s[i]);
}

static void scene_init(struct scene *sc, int n)
{
	*sc = (struct scene){ .now = 1000000000LL };
	sc->clock = (struct shim_clock){ fake_now, &sc->now };
	struct shim_headless_options opts = { .width = W, .height = H, .n_buffers = 2 };
	if (shim_output_headless_create(&sc->out, &opts) < 0 ||
		shim_create(&sc->shim, sc->out, &(struct shim_options){ .clock = &sc->clock }) < 0)
		abort();
	add_surface(sc, PIXMAN_x8r8g8b8, W, H, 0, 0, 0xff101820);
	int ww = n <= 4 ? 640 : 384, wh = n <= 4 ? 360 : 216;
	for (int i = 1; i < n; i++) {
		int x = 40 + (i * 353) % (W - ww - 40), y = 30 + (i * 211) % (H - wh - 30);
		add_surface(
			sc, PIXMAN_a8r8g8b8, ww, wh, x, y, 0xc0000000u | (uint32_t)(i * 0x0b0905));
	}
}

static void scene_finish(struct scene *sc)
{
	for (int i = 0; i < sc->n; i++) {
		shim_surface_destroy(sc->s[i]);
		shim_buffer_unref(sc->b[i]);
		pixman_image_unref(sc->img[i]);
	}
	shim_destroy(sc->shim);
}

static void change(struct scene *sc, enum damage d, int frame)
{
	if (d == DAMAGE_REPAINT) {
		shim_damage_all(sc->shim);
		return;
	}
	if (d == DAMAGE_SMALL) {
		/* A 64x32 rectangle of the top surface, in a different place every frame. */
		struct shim_surface *s = sc->s[sc->n - 1];
		int w = pixman_image_get_width(sc->img[sc->n - 1]);
		int h = pixman_image_get_height(sc->img[sc->n - 1]);
		int x = (frame * 67) % (w - 64), y = 24 + (frame * 29) % (h - 24 - 32);
		fill(sc->img[sc->n - 1], x, y, 64, 32, 0xff000000u | (uint32_t)frame * 0x10307);
		shim_surface_damage(s, x, y, 64, 32);
		shim_surface_commit(s);
		return;
	}
	for (int i = 0; i < sc->n; i++) {
		shim_surface_damage(sc->s[i], 0, 0, pixman_image_get_width(sc->img[i]),
			pixman_image_get_height(sc->img[i]));
		shim_surface_commit(sc->s[i]);
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static double median_ms(int64_t *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_i64);
	return (double)t[n / 2] / 1e6;
}

struct result {
	double cpu_ms, wall_ms; // medians per frame
	double pixels;          // composited per frame
};

static struct result run_case(int n, enum damage d, int frames)
{
	struct scene sc;
	scene_init(&sc, n);
	int64_t *cpu = calloc((size_t)frames, sizeof(*cpu));
	int64_t *wall = calloc((size_t)frames, sizeof(*wall));
	struct shim_stats before, after;
	if (!cpu || !wall)
		abort();
	for (int f = 0; f < WARMUP + frames; f++) {
		if (f == WARMUP)
			shim_get_stats(sc.shim, &before);
		change(&sc, d, f);
		sc.now += 16666667;
		int64_t c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID), w0 = clock_ns(CLOCK_MONOTONIC);
		shim_dispatch(sc.shim); // repaint and commit
		int64_t c1 = clock_ns(CLOCK_THREAD_CPUTIME_ID), w1 = clock_ns(CLOCK_MONOTONIC);
		shim_dispatch(sc.shim); // frame done
		if (f >= WARMUP) {
			cpu[f - WARMUP] = c1 - c0;
			wall[f - WARMUP] = w1 - w0;
		}
	}
	shim_get_stats(sc.shim, &after);
	struct result r = {
		.cpu_ms = median_ms(cpu, frames),
		.wall_ms = median_ms(wall, frames),
		.pixels = (double)(after.pixels_painted - before.pixels_painted) / frames,
	};
	free(cpu);
	free(wall);
	scene_finish(&sc);
	return r;
}

static double memcpy_frame_ms(int frames)
{
	size_t bytes = (size_t)W * H * 4;
	uint8_t *a = malloc(bytes), *b = malloc(bytes);
	int64_t *t = calloc((size_t)frames, sizeof(*t));
	if (!a || !b || !t)
		abort();
	memset(a, 1, bytes);
	memset(b, 2, bytes);
	for (int f = 0; f < WARMUP + frames; f++) {
		int64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		memcpy(f % 2 ? a : b, f % 2 ? b : a, bytes);
		int64_t t1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		if (f >= WARMUP)
			t[f - WARMUP] = t1 - t0;
	}
	double ms = median_ms(t, frames);
	volatile uint8_t sink = a[bytes / 2] ^ b[bytes / 3];
	(void)sink;
	free(a);
	free(b);
	free(t);
	return ms;
}

int main(int argc, char **argv)
{
	int frames = argc > 1 ? atoi(argv[1]) : 200;
	if (frames < 1)
		frames = 1;
	static const int counts[] = { 1, 4, 16 };
	printf("shim composition at %dx%d, x8r8g8b8, double-buffered headless output, median of %d "
	       "frames after %d warm-up\n\n",
		W, H, frames, WARMUP);
	printf("%-9s %-13s %12s %13s %11s %11s\n", "surfaces", "damage", "cpu ms/frame",
		"wall ms/frame", "Mpix/frame", "vs repaint");
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct result r[3];
		for (int d = DAMAGE_REPAINT; d >= DAMAGE_SMALL; d--)
			r[d] = run_case(counts[i], (enum damage)d, frames);
		for (int d = DAMAGE_SMALL; d <= DAMAGE_REPAINT; d++) {
			printf("%-9d %-13s %12.3f %13.3f %11.3f %10.1f%%\n", counts[i],
				damage_names[d], r[d].cpu_ms, r[d].wall_ms, r[d].pixels / 1e6,
				100.0 * r[d].cpu_ms / r[DAMAGE_REPAINT].cpu_ms);
		}
	}
	printf("\nmemcpy of one %dx%d frame (%.1f MB): %.3f ms cpu\n", W, H, W * H * 4 / 1e6,
		memcpy_frame_ms(frames));
	return 0;
}
