/*
 * What a commit costs the guest driver (lib svd) for a given damage, against an in-process host
 * that only drains the ring (the tests' scripted host, not recording).
 *
 * At 1920x1080 and 3840x2160, one commit of: one 8x16 cell; two far-apart cells; scattered cells
 * covering 1% and 10% of the screen (seeded, the same every run); the whole screen. Each under
 * three policies, in the same run:
 *   svd      this driver: clip, merge cheap neighbours, DIRT messages of up to 255 rects
 *   bbox     Linux until 2025: everything merged into one bounding box (done here, before the
 *            commit, as drm_atomic_helper_damage_merged() did)
 *   per-rect one rect per DIRT message (Linux since 2025 sends every clip alone; svd's option
 *            still merges first, so its message count is at most svd's rect count)
 * Figures: microseconds per commit (median wall clock, and median CPU time of the committing
 * thread, which a loaded machine does not inflate; blit, damage handling, DIRT encode and ring
 * write, not the host's work), bytes copied into VRAM, DIRT messages and rects per commit.
 *
 * Usage: bench_damage [iterations]   (default 300 per line)
 */
#define LOG_MODULE "bench"
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "log.h"
#include "scripted_host.h"
#include "svd.h"
#include "vmb.h"

#define CELL_W 8
#define CELL_H 16

enum policy { POLICY_SVD, POLICY_BBOX, POLICY_PER_RECT };
static const char *const policy_names[] = { "svd", "bbox", "per-rect" };

struct workload {
	const char *name;
	struct svd_rect *clips;
	size_t n;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_damage: %s: %d\n", what, err);
	exit(1);
}

static double clock_us(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static struct svd_rect cell(uint32_t col, uint32_t row)
{
	int32_t x = (int32_t)(col * CELL_W), y = (int32_t)(row * CELL_H);
	return (struct svd_rect){ x, y, x + CELL_W, y + CELL_H };
}

/* Distinct cells picked by a fixed LCG until `percent` of the screen is covered. */
static struct workload scattered(const char *name, uint32_t w, uint32_t h, unsigned percent)
{
	uint32_t cols = w / CELL_W, rows = h / CELL_H;
	size_t want = (size_t)cols * rows * percent / 100;
	uint8_t *taken = calloc((size_t)cols * rows, 1);
	struct svd_rect *clips = calloc(want, sizeof(*clips));
	if (!taken || !clips)
		die("out of memory", 0);
	uint32_t seed = 12345;
	size_t n = 0;
	while (n < want) {
		seed = seed * 1664525u + 1013904223u;
		uint32_t i = (seed >> 8) % (cols * rows);
		if (!taken[i]) {
			taken[i] = 1;
			clips[n++] = cell(i % cols, i / cols);
		}
	}
	free(taken);
	return (struct workload){ name, clips, n };
}

static struct workload fixed(const char *name, const struct svd_rect *rects, size_t n)
{
	struct svd_rect *clips = calloc(n, sizeof(*clips));
	if (!clips)
		die("out of memory", 0);
	memcpy(clips, rects, n * sizeof(*rects));
	return (struct workload){ name, clips, n };
}

static struct svd_rect bounding_box(const struct workload *wl)
{
	struct svd_rect box = wl->clips[0];
	for (size_t i = 1; i < wl->n; i++) {
		const struct svd_rect *r = &wl->clips[i];
		box.x1 = r->x1 < box.x1 ? r->x1 : box.x1;
		box.y1 = r->y1 < box.y1 ? r->y1 : box.y1;
		box.x2 = r->x2 > box.x2 ? r->x2 : box.x2;
		box.y2 = r->y2 > box.y2 ? r->y2 : box.y2;
	}
	return box;
}

struct rig {
	struct sh *sh;
	struct vmb_bus *bus;
	struct svd_device *dev;
	struct svd_fb *fb;
	uint32_t w, h;
};

static const struct synthvid_resolution modes[] = { { 1920, 1080 }, { 3840, 2160 } };

static void rig_start(struct rig *rig, uint32_t w, uint32_t h, enum policy policy)
{
	struct sh_config cfg = {
		.mmio_megabytes = 34, /* 3840x2160x4 needs round_up_2MiB(33.2 MB) */
		.modes = modes,
		.n_modes = 2,
		.no_record = true,
	};
	*rig = (struct rig){ .w = w, .h = h };
	rig->sh = sh_start(&cfg);
	int ret = sh_connect(rig->sh, 0, &rig->bus);
	if (ret < 0)
		die("connecting the bus", ret);
	struct svd_device_options opts = { .one_rect_per_dirt = policy == POLICY_PER_RECT };
	ret = svd_device_create(&rig->dev, rig->bus, &opts);
	if (ret < 0)
		die("creating the device", ret);
	ret = svd_fb_create(&rig->fb, rig->dev, w, h, SVD_FORMAT_XRGB8888, 0, 0, NULL);
	if (ret < 0)
		die("creating the framebuffer", ret);
	memset(svd_fb_data(rig->fb), 0x5a, (size_t)w * h * 4);
	struct svd_atomic_state st = {
		.active = true, .mode = { w, h, false }, .primary_fb = rig->fb
	};
	ret = svd_atomic_commit(rig->dev, &st);
	if (ret < 0)
		die("the first commit", ret);
}

static void rig_stop(struct rig *rig)
{
	svd_fb_unref(rig->fb);
	svd_device_destroy(rig->dev);
	vmb_bus_destroy(rig->bus);
	sh_stop(rig->sh);
}

/* Lets the device hear the host (acks, ring space) outside the timed part. */
static void rig_service(struct rig *rig)
{
	struct pollfd pfd = { .fd = svd_device_get_fd(rig->dev), .events = POLLIN };
	while (poll(&pfd, 1, 0) == 1)
		svd_device_dispatch(rig->dev);
}

struct result {
	double us_median;  // wall clock
	double cpu_median; // this thread's CPU time: what a loaded machine cannot inflate
	double bytes, msgs, rects;
	uint64_t ring_full;
};

static struct result measure(
	struct rig *rig, const struct workload *wl, enum policy policy, int iters)
{
	struct svd_rect box = bounding_box(wl);
	struct svd_atomic_state st = {
		.active = true,
		.mode = { rig->w, rig->h, false },
		.primary_fb = rig->fb,
		.damage = policy == POLICY_BBOX ? &box : wl->clips,
		.damage_count = policy == POLICY_BBOX ? 1 : wl->n,
	};
	double *samples = calloc((size_t)iters, sizeof(*samples));
	double *cpu = calloc((size_t)iters, sizeof(*cpu));
	if (!samples || !cpu)
		die("out of memory", 0);
	for (int i = 0; i < 10; i++) { /* warm-up: caches, allocations, the ring */
		svd_atomic_commit(rig->dev, &st);
		rig_service(rig);
	}
	struct svd_stats before, after;
	svd_device_get_stats(rig->dev, &before);
	for (int i = 0; i < iters; i++) {
		double t0 = clock_us(CLOCK_MONOTONIC), c0 = clock_us(CLOCK_THREAD_CPUTIME_ID);
		int ret = svd_atomic_commit(rig->dev, &st);
		cpu[i] = clock_us(CLOCK_THREAD_CPUTIME_ID) - c0;
		samples[i] = clock_us(CLOCK_MONOTONIC) - t0;
		if (ret < 0)
			die("commit", ret);
		rig_service(rig);
	}
	svd_device_get_stats(rig->dev, &after);
	qsort(samples, (size_t)iters, sizeof(*samples), bench_cmp_double);
	qsort(cpu, (size_t)iters, sizeof(*cpu), bench_cmp_double);
	struct result r = {
		.us_median = samples[iters / 2],
		.cpu_median = cpu[iters / 2],
		.bytes = (double)(after.blit_bytes - before.blit_bytes) / iters,
		.msgs = (double)(after.tx_dirt_messages - before.tx_dirt_messages) / iters,
		.rects = (double)(after.tx_dirt_rects - before.tx_dirt_rects) / iters,
		.ring_full = after.ring_full - before.ring_full,
	};
	free(samples);
	free(cpu);
	return r;
}

static void run_resolution(uint32_t w, uint32_t h, int iters)
{
	const struct svd_rect one[] = { cell(w / CELL_W / 2, h / CELL_H / 2) };
	const struct svd_rect two[] = { cell(0, 0), cell(w / CELL_W - 1, h / CELL_H - 1) };
	const struct svd_rect all[] = { { 0, 0, (int32_t)w, (int32_t)h } };
	struct workload wls[] = {
		fixed("1 cell", one, 1),
		fixed("2 far cells", two, 2),
		scattered("1% cells", w, h, 1),
		scattered("10% cells", w, h, 10),
		fixed("100%", all, 1),
	};
	for (enum policy p = POLICY_SVD; p <= POLICY_PER_RECT; p++) {
		struct rig rig;
		rig_start(&rig, w, h, p);
		for (size_t i = 0; i < sizeof(wls) / sizeof(wls[0]); i++) {
			struct result r = measure(&rig, &wls[i], p, iters);
			printf("%4ux%-4u  %-11s %5zu clips  %-8s %9.1f us (cpu %8.1f) %10.0f B "
			       "%7.1f msgs %7.1f rects%s\n",
				w, h, wls[i].name, wls[i].n, policy_names[p], r.us_median,
				r.cpu_median, r.bytes, r.msgs, r.rects,
				r.ring_full ? "  (ring full: DIRT coalesced)" : "");
		}
		rig_stop(&rig);
		printf("\n");
	}
	for (size_t i = 0; i < sizeof(wls) / sizeof(wls[0]); i++)
		free(wls[i].clips);
}

int main(int argc, char **argv)
{
	log_set_level(LOG_WARN);
	int iters = argc > 1 ? atoi(argv[1]) : 300;
	if (iters < 1)
		iters = 1;
	printf("bench_damage: %d commits per line; per commit: median wall and CPU time, bytes "
	       "copied into VRAM, DIRT messages and rects\n\n",
		iters);
	run_resolution(1920, 1080, iters);
	run_resolution(3840, 2160, iters);
	return 0;
}
