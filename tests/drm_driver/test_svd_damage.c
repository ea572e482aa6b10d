/*
 * svd_damage: clipping clips to the plane source, merging, and the 255-rect cap, on their own
 * (table-driven as the kernel's drm_damage_helper_test.c, plus seeded random lists checked
 * against a coverage bitmap). Whatever the merging does, the output must cover every input
 * pixel, stay inside the screen, and hold at most `max` rects.
 */
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "svd_internal.h"
#include "test.h"

#define W 640
#define H 480

static const struct rect bounds = { 0, 0, W, H };

static struct svd_damage damage_of(const struct rect *rects, size_t n)
{
	struct svd_damage d = { 0 };
	for (size_t i = 0; i < n; i++)
		REQUIRE(svd_damage_add(&d, &rects[i]) == 0);
	return d;
}

static bool has_rect(const struct svd_damage *d, struct rect r)
{
	for (size_t i = 0; i < d->count; i++) {
		if (memcmp(&d->rects[i], &r, sizeof(r)) == 0)
			return true;
	}
	return false;
}

/* Every pixel of every input (clipped to the screen) is covered by some output rect. */
static bool covers(const struct svd_damage *out, const struct rect *in, size_t n)
{
	static uint8_t map[W * H];
	memset(map, 0, sizeof(map));
	struct rect screen = { 0, 0, W, H };
	for (size_t i = 0; i < out->count; i++) {
		struct rect r = out->rects[i];
		if (!rect_contains(&screen, &r))
			return false;
		for (int32_t y = r.y1; y < r.y2; y++)
			memset(&map[y * W + r.x1], 1, (size_t)(r.x2 - r.x1));
	}
	for (size_t i = 0; i < n; i++) {
		struct rect r = in[i];
		if (!rect_clip(&r, &screen))
			continue;
		for (int32_t y = r.y1; y < r.y2; y++) {
			for (int32_t x = r.x1; x < r.x2; x++) {
				if (!map[y * W + x])
					return false;
			}
		}
	}
	return true;
}

static uint64_t total_area(const struct svd_damage *d)
{
	uint64_t a = 0;
	for (size_t i = 0; i < d->count; i++)
		a += rect_area(&d->rects[i]);
	return a;
}

struct merge_case {
	const char *name;
	struct rect in[4];
	size_t n_in;
	struct rect out[4];
	size_t n_out;
};

static const struct merge_case merge_cases[] = {
	{ "side-by-side cells", { { 0, 0, 8, 16 }, { 8, 0, 16, 16 } }, 2, { { 0, 0, 16, 16 } }, 1 },
	{ "stacked cells", { { 8, 16, 16, 32 }, { 8, 0, 16, 16 } }, 2, { { 8, 0, 16, 32 } }, 1 },
	{ "contained", { { 0, 0, 100, 100 }, { 10, 10, 20, 20 } }, 2, { { 0, 0, 100, 100 } }, 1 },
	{ "duplicate", { { 5, 5, 9, 9 }, { 5, 5, 9, 9 } }, 2, { { 5, 5, 9, 9 } }, 1 },
	{ "cheap overlap", { { 0, 0, 10, 10 }, { 2, 0, 12, 10 } }, 2, { { 0, 0, 12, 10 } }, 1 },
	{ "row of three", { { 16, 0, 24, 16 }, { 0, 0, 8, 16 }, { 8, 0, 16, 16 } }, 3,
		{ { 0, 0, 24, 16 } }, 1 },
	{ "far apart cells", { { 0, 0, 8, 16 }, { 600, 400, 608, 416 } }, 2,
		{ { 0, 0, 8, 16 }, { 600, 400, 608, 416 } }, 2 },
	{ "corner-touching cells", { { 0, 0, 8, 16 }, { 8, 16, 16, 32 } }, 2,
		{ { 0, 0, 8, 16 }, { 8, 16, 16, 32 } }, 2 },
	{ "L-shaped overlap stays apart", { { 0, 0, 100, 10 }, { 0, 0, 10, 100 } }, 2,
		{ { 0, 0, 100, 10 }, { 0, 0, 10, 100 } }, 2 },
	{ "one pixel gap stays apart", { { 0, 0, 8, 16 }, { 9, 0, 17, 16 } }, 2,
		{ { 0, 0, 8, 16 }, { 9, 0, 17, 16 } }, 2 },
	{ "empty and inverted dropped", { { 5, 5, 5, 9 }, { 9, 9, 3, 3 }, { 1, 1, 2, 2 } }, 3,
		{ { 1, 1, 2, 2 } }, 1 },
};

static void test_damage_merge_table(void)
{
	for (size_t c = 0; c < ARRAY_LEN(merge_cases); c++) {
		const struct merge_case *mc = &merge_cases[c];
		struct svd_damage d = damage_of(mc->in, mc->n_in);
		svd_damage_normalize(&d, SVD_MAX_PENDING_RECTS, &bounds);
		CHECK_MSG(d.count == mc->n_out, "%s: %zu rects, expected %zu", mc->name, d.count,
			mc->n_out);
		for (size_t i = 0; i < mc->n_out; i++) {
			CHECK_MSG(has_rect(&d, mc->out[i]), "%s: missing {%d,%d,%d,%d}", mc->name,
				mc->out[i].x1, mc->out[i].y1, mc->out[i].x2, mc->out[i].y2);
		}
		svd_damage_finish(&d);
	}
}

static void test_damage_clips_to_source_and_moves_to_screen(void)
{
	/* A 640x480 mode showing fb pixels from (100, 50). */
	struct rect src = { 100, 50, 740, 530 };
	const struct svd_rect clips[] = {
		{ 90, 40, 110, 60 },          // straddles the top-left corner
		{ -1000, -1000, -900, -900 }, // far off, negative
		{ 730, 520, 900, 900 },       // straddles the bottom-right corner
		{ 200, 200, 100, 300 },       // inverted: ignored
		{ 740, 50, 800, 60 },         // just right of the source: x2 exclusive
		{ 300, 300, 301, 301 },       // one pixel
	};
	struct svd_damage d = { 0 };
	CHECK_EQ_INT(svd_damage_add_clips(&d, clips, ARRAY_LEN(clips), &src), 0);
	CHECK_EQ_INT(d.count, 3);
	CHECK(has_rect(&d, (struct rect){ 0, 0, 10, 10 }));
	CHECK(has_rect(&d, (struct rect){ 630, 470, 640, 480 }));
	CHECK(has_rect(&d, (struct rect){ 200, 250, 201, 251 }));
	svd_damage_finish(&d);
}

static void test_damage_extreme_clip_values(void)
{
	struct rect src = { 0, 0, W, H };
	const struct svd_rect clips[] = {
		{ INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX },
		{ INT32_MAX, INT32_MAX, INT32_MIN, INT32_MIN },
	};
	struct svd_damage d = { 0 };
	svd_damage_add_clips(&d, clips, ARRAY_LEN(clips), &src);
	svd_damage_normalize(&d, SVD_MAX_PENDING_RECTS, &bounds);
	CHECK_EQ_INT(d.count, 1);
	CHECK(has_rect(&d, (struct rect){ 0, 0, W, H }));
	svd_damage_finish(&d);
}

/* 300 cells on a grid with gaps: nothing touches. Under the cap they go out exactly (two DIRT
 * messages); over a cap of 255, rounding to a grid merges them, covering every cell. */
static void test_damage_300_cells_exact_under_the_cap(void)
{
	struct rect cells[300];
	for (size_t i = 0; i < 300; i++) {
		int32_t x = (int32_t)(i % 30) * 20, y = (int32_t)(i / 30) * 40;
		cells[i] = (struct rect){ x, y, x + 8, y + 16 };
	}
	struct svd_damage d = damage_of(cells, 300);
	svd_damage_normalize(&d, SVD_MAX_PENDING_RECTS, &bounds);
	CHECK_EQ_INT(d.count, 300);
	CHECK_EQ_INT(total_area(&d), 300 * 128);
	CHECK(covers(&d, cells, 300));
	svd_damage_finish(&d);

	d = damage_of(cells, 300);
	svd_damage_normalize(&d, 255, &bounds);
	CHECK(d.count <= 255);
	CHECK(covers(&d, cells, 300));
	CHECK(total_area(&d) < (uint64_t)W * H / 2);
	svd_damage_finish(&d);
}

static void test_damage_cap_to_one_is_the_bounding_box(void)
{
	const struct rect in[] = { { 0, 0, 8, 16 }, { 600, 400, 608, 416 }, { 50, 300, 60, 310 } };
	struct svd_damage d = damage_of(in, ARRAY_LEN(in));
	svd_damage_normalize(&d, 1, &bounds);
	CHECK_EQ_INT(d.count, 1);
	CHECK(has_rect(&d, (struct rect){ 0, 0, 608, 416 }));
	svd_damage_finish(&d);
}

static uint32_t next_rand(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

/* Seeded random lists, small to huge (past the greedy limit): coverage, count, order. */
static void test_damage_random_lists_seeded(void)
{
	uint32_t seed = 0x5eed1234u;
	NOTE("seed 0x%08x", seed);
	static const size_t sizes[] = { 1, 7, 100, 254, 255, 256, 700, 1500, 5000 };
	static struct rect in[5000];
	for (size_t c = 0; c < 3 * ARRAY_LEN(sizes); c++) {
		size_t n = sizes[c % ARRAY_LEN(sizes)];
		uint32_t st = seed + (uint32_t)c;
		for (size_t i = 0; i < n; i++) {
			int32_t x = (int32_t)(next_rand(&st) % (W + 40)) - 20;
			int32_t y = (int32_t)(next_rand(&st) % (H + 40)) - 20;
			int32_t w = (int32_t)(next_rand(&st) % (c % 3 ? 16 : 120));
			int32_t h = (int32_t)(next_rand(&st) % (c % 3 ? 32 : 90));
			in[i] = (struct rect){ x, y, x + w, y + h };
		}
		struct svd_damage d = { 0 };
		struct svd_rect clips[1];
		struct rect src = { 0, 0, W, H };
		for (size_t i = 0; i < n; i++) {
			clips[0] = (struct svd_rect){ in[i].x1, in[i].y1, in[i].x2, in[i].y2 };
			REQUIRE(svd_damage_add_clips(&d, clips, 1, &src) == 0);
		}
		size_t max = c % 2 ? SVD_MAX_DIRT_RECTS : SVD_MAX_PENDING_RECTS;
		svd_damage_normalize(&d, max, &bounds);
		CHECK_MSG(d.count <= max, "case %zu: %zu rects", c, d.count);
		CHECK_MSG(covers(&d, in, n), "case %zu (n %zu): damage lost", c, n);
		for (size_t i = 1; i < d.count; i++) {
			const struct rect *a = &d.rects[i - 1], *b = &d.rects[i];
			CHECK_MSG(a->y1 < b->y1 || (a->y1 == b->y1 && a->x1 <= b->x1),
				"case %zu: not sorted at %zu", c, i);
		}
		svd_damage_finish(&d);
	}
}

static const struct test_case cases[] = {
	TEST_CASE(test_damage_merge_table),
	TEST_CASE(test_damage_clips_to_source_and_moves_to_screen),
	TEST_CASE(test_damage_extreme_clip_values),
	TEST_CASE(test_damage_300_cells_exact_under_the_cap),
	TEST_CASE(test_damage_cap_to_one_is_the_bounding_box),
	TEST_CASE(test_damage_random_lists_seeded),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
