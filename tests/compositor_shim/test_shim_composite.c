/*
 * Composition, pixel by pixel: seeded random scenes against a plain reference painter (pixman's
 * test/utils.c habit: every case from a printed seed, hashed, the hashes summed), small golden
 * images, and the rules a user can see (opaque regions copy, hidden surfaces are skipped).
 *
 * Replay one random case: SHIM_CASE=<n> test_shim_composite composite_random_scenes
 */
#include <stdlib.h>

#include "macros.h"
#include "shim.h"
#include "shim_test_util.h"
#include "test.h"

/* ---- Seeded random scenes ---------------------------------------------------------------- */

#define SCENE_SEED 0x5eed5111u
#define SCENE_CASES 120
#define SCENE_STEPS 10
#define SCENE_MAX 8
/* Sum of the per-case CRCs of the final pictures: locks the whole run, so a change in pixman,
 * the generator or the compositor that the reference missed still shows. */
#define SCENE_CHECKSUM 0x70537725u

struct rng {
	uint64_t s;
};

static uint32_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 0x2545f4914f6cdd1dull) >> 32);
}

static int rnd_range(struct rng *r, int lo, int hi) // [lo, hi]
{
	return lo + (int)(rnd(r) % (uint32_t)(hi - lo + 1));
}

static uint32_t rnd_color(struct rng *r, bool opaque)
{
	static const uint32_t alphas[] = { 0x00, 0x40, 0x80, 0xc0, 0xff, 0xff };
	uint32_t a = opaque ? 0xff : alphas[rnd(r) % ARRAY_LEN(alphas)];
	uint32_t c = a << 24;
	for (int shift = 0; shift < 24; shift += 8)
		c |= (rnd(r) % (a + 1)) << shift; // premultiplied: no channel above alpha
	return c;
}

struct model {
	struct shim_surface *s;
	pixman_image_t *image; // what the committed buffer shows; NULL none
	bool visible;
	int32_t x, y, z;
	uint64_t order;
	pixman_region32_t opaque;
};

struct scene {
	struct rng rng;
	struct test_shim t;
	int w, h;
	struct model m[SCENE_MAX];
	int n;
	uint64_t next_order;
	pixman_image_t *cursor;
	int32_t cx, cy, hot;
};

static void give_image(struct model *m, pixman_image_t *image, pixman_box32_t *damage)
{
	struct shim_buffer *b;
	REQUIRE(shim_buffer_create(&b, image, NULL, NULL) == 0);
	shim_surface_attach(m->s, b);
	if (damage)
		shim_surface_damage(m->s, damage->x1, damage->y1, damage->x2 - damage->x1,
			damage->y2 - damage->y1);
	shim_buffer_unref(b);
	if (m->image)
		pixman_image_unref(m->image);
	m->image = image;
}

static pixman_image_t *random_image(struct rng *r, int w, int h)
{
	bool xrgb = rnd(r) % 4 == 0;
	pixman_image_t *image = test_image_solid(
		xrgb ? PIXMAN_x8r8g8b8 : PIXMAN_a8r8g8b8, w, h, rnd_color(r, xrgb));
	for (int i = rnd_range(r, 0, 3); i > 0; i--) {
		/* One draw per statement: argument order is unspecified, the sequence must not be. */
		int x = rnd_range(r, 0, w - 1);
		int y = rnd_range(r, 0, h - 1);
		int rw = rnd_range(r, 1, w);
		int rh = rnd_range(r, 1, h);
		test_fill_rect(image, x, y, rw, rh, rnd_color(r, xrgb));
	}
	return image;
}

static void add_surface(struct scene *sc)
{
	struct model *m = &sc->m[sc->n++];
	*m = (struct model){ .visible = true, .order = ++sc->next_order };
	pixman_region32_init(&m->opaque);
	REQUIRE(shim_surface_create(sc->t.shim, &m->s) == 0);
	int w = rnd_range(&sc->rng, 1, sc->w), h = rnd_range(&sc->rng, 1, sc->h);
	give_image(m, random_image(&sc->rng, w, h), NULL);
	m->x = rnd_range(&sc->rng, -w / 2, sc->w - 1);
	m->y = rnd_range(&sc->rng, -h / 2, sc->h - 1);
	shim_surface_set_position(m->s, m->x, m->y);
	shim_surface_commit(m->s);
}

static void remove_surface(struct scene *sc, int i)
{
	struct model *m = &sc->m[i];
	shim_surface_destroy(m->s);
	if (m->image)
		pixman_image_unref(m->image);
	pixman_region32_fini(&m->opaque);
	sc->m[i] = sc->m[--sc->n];
}

/* A new buffer: a copy with one rectangle redrawn, damaged honestly; or a new size. */
static void redraw(struct scene *sc, struct model *m)
{
	struct rng *r = &sc->rng;
	int w = pixman_image_get_width(m->image), h = pixman_image_get_height(m->image);
	if (rnd(r) % 4 == 0) {
		int nw = rnd_range(r, 1, sc->w);
		int nh = rnd_range(r, 1, sc->h);
		give_image(m, random_image(r, nw, nh), NULL);
		return;
	}
	pixman_image_t *copy =
		pixman_image_create_bits(pixman_image_get_format(m->image), w, h, NULL, 0);
	pixman_image_composite32(PIXMAN_OP_SRC, m->image, NULL, copy, 0, 0, 0, 0, 0, 0, w, h);
	pixman_box32_t box;
	box.x1 = rnd_range(r, 0, w - 1);
	box.y1 = rnd_range(r, 0, h - 1);
	box.x2 = box.x1 + rnd_range(r, 1, w - box.x1);
	box.y2 = box.y1 + rnd_range(r, 1, h - box.y1);
	test_fill_rect(copy, box.x1, box.y1, box.x2 - box.x1, box.y2 - box.y1,
		rnd_color(r, pixman_image_get_format(m->image) == PIXMAN_x8r8g8b8));
	give_image(m, copy, &box);
}

static void random_op(struct scene *sc)
{
	struct rng *r = &sc->rng;
	int op = rnd_range(r, 0, 8);
	if (op == 8 || sc->n == 0) {
		if (sc->n < SCENE_MAX)
			add_surface(sc);
		else
			remove_surface(sc, rnd_range(r, 0, sc->n - 1));
		return;
	}
	if (op == 7) {
		sc->cx = rnd_range(r, -8, sc->w + 8);
		sc->cy = rnd_range(r, -8, sc->h + 8);
		shim_move_cursor(sc->t.shim, sc->cx, sc->cy);
		return;
	}
	struct model *m = &sc->m[rnd_range(r, 0, sc->n - 1)];
	switch (op) {
	case 0:
		m->x = rnd_range(r, -sc->w / 2, sc->w);
		m->y = rnd_range(r, -sc->h / 2, sc->h);
		shim_surface_set_position(m->s, m->x, m->y);
		break;
	case 1:
		m->z = rnd_range(r, -1, 1);
		shim_surface_set_z(m->s, m->z);
		break;
	case 2:
		m->visible = !m->visible;
		shim_surface_set_visible(m->s, m->visible);
		break;
	case 3:
	case 4:
		redraw(sc, m);
		break;
	case 5: {
		int w = pixman_image_get_width(m->image), h = pixman_image_get_height(m->image);
		pixman_region32_fini(&m->opaque);
		int x = rnd_range(r, -2, w);
		int y = rnd_range(r, -2, h);
		int ow = rnd_range(r, 0, w);
		int oh = rnd_range(r, 0, h);
		pixman_region32_init_rect(&m->opaque, x, y, (unsigned)ow, (unsigned)oh);
		shim_surface_set_opaque_region(m->s, &m->opaque);
		break;
	}
	default:
		remove_surface(sc, rnd_range(r, 0, sc->n - 1));
		return;
	}
	shim_surface_commit(m->s);
}

static int by_stack(const void *a, const void *b)
{
	const struct model *x = a, *y = b;
	if (x->z != y->z)
		return x->z < y->z ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static long check_scene(struct scene *sc, int step)
{
	struct model sorted[SCENE_MAX];
	struct test_ref_surface ref[SCENE_MAX];
	memcpy(sorted, sc->m, sizeof(sorted[0]) * (size_t)sc->n);
	qsort(sorted, (size_t)sc->n, sizeof(sorted[0]), by_stack);
	for (int i = 0; i < sc->n; i++) {
		ref[i] = (struct test_ref_surface){ sorted[i].image, sorted[i].x, sorted[i].y,
			sorted[i].visible, &sorted[i].opaque };
	}
	pixman_image_t *want = test_reference(
		sc->w, sc->h, 0x202020, ref, sc->n, sc->cursor, sc->cx - sc->hot, sc->cy - sc->hot);
	char what[64];
	snprintf(what, sizeof(what), "step %d", step);
	long bad = test_image_diff(shim_output_headless_get_front(sc->t.output), want, what);
	pixman_image_unref(want);
	return bad;
}

static uint32_t run_scene(unsigned index, bool *ok)
{
	struct scene sc = { .rng = { ((uint64_t)SCENE_SEED << 32 | index) * 2654435761u + 1 } };
	for (int i = 0; i < 4; i++)
		rnd(&sc.rng);
	sc.w = rnd_range(&sc.rng, 8, 48);
	sc.h = rnd_range(&sc.rng, 8, 40);
	struct shim_headless_options opts = { .width = (uint32_t)sc.w,
		.height = (uint32_t)sc.h,
		.n_buffers = (unsigned)rnd_range(&sc.rng, 1, 3) };
	test_shim_init(&sc.t, &opts);
	if (rnd(&sc.rng) % 2) {
		sc.hot = 2;
		sc.cursor = test_image_solid(PIXMAN_a8r8g8b8, 5, 5, rnd_color(&sc.rng, false));
		test_fill_rect(sc.cursor, 1, 1, 3, 3, 0xffffffff);
		shim_set_cursor(sc.t.shim, sc.cursor, sc.hot, sc.hot);
	}
	for (int i = rnd_range(&sc.rng, 1, 4); i > 0; i--)
		add_surface(&sc);

	long bad = 0;
	for (int step = 0; step < SCENE_STEPS && !bad; step++) {
		for (int k = rnd_range(&sc.rng, 1, 4); k > 0; k--)
			random_op(&sc);
		test_shim_frame(&sc.t);
		bad = check_scene(&sc, step);
	}
	uint32_t crc = test_image_crc(shim_output_headless_get_front(sc.t.output));
	*ok = bad == 0;
	while (sc.n)
		remove_surface(&sc, sc.n - 1);
	if (sc.cursor)
		pixman_image_unref(sc.cursor);
	test_shim_finish(&sc.t);
	return crc;
}

static void composite_random_scenes(void)
{
	const char *one = getenv("SHIM_CASE");
	NOTE("seed 0x%08x, %d cases of %d steps", SCENE_SEED, SCENE_CASES, SCENE_STEPS);
	uint32_t sum = 0;
	int failed = 0;
	for (unsigned i = 0; i < SCENE_CASES; i++) {
		if (one && (unsigned)atoi(one) != i)
			continue;
		bool ok;
		uint32_t crc = run_scene(i, &ok);
		sum += crc;
		if (!ok) {
			NOTE("case %u differs from the reference (SHIM_CASE=%u replays it)", i, i);
			failed++;
		}
	}
	CHECK_EQ_INT(failed, 0);
	if (!one) {
		NOTE("checksum 0x%08x", sum);
		CHECK_EQ_INT(sum, SCENE_CHECKSUM);
	}
}

/* ---- Golden images -------------------------------------------------------------------------- */

/* 48x32: a grey opaque panel, a half-transparent red square across it, a blue xrgb bar on top,
 * a hidden green surface, and a surface whose opaque region covers translucent pixels. */
static void composite_golden_overlap(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 48, .height = 32 });
	struct shim_surface *s[5];
	for (int i = 0; i < 5; i++)
		REQUIRE(shim_surface_create(t.shim, &s[i]) == 0);
	struct shim_buffer *b[5] = {
		test_buffer_solid(PIXMAN_x8r8g8b8, 30, 20, 0xff808080),
		test_buffer_solid(PIXMAN_a8r8g8b8, 16, 16, 0x80800000),
		test_buffer_solid(PIXMAN_x8r8g8b8, 40, 4, 0xff0000ff),
		test_buffer_solid(PIXMAN_a8r8g8b8, 48, 32, 0xff00ff00),
		test_buffer_solid(PIXMAN_a8r8g8b8, 10, 10, 0x80008000),
	};
	int32_t pos[5][2] = { { 4, 4 }, { 24, 10 }, { 2, 26 }, { 0, 0 }, { 36, 2 } };
	for (int i = 0; i < 5; i++) {
		shim_surface_attach(s[i], b[i]);
		shim_surface_set_position(s[i], pos[i][0], pos[i][1]);
	}
	shim_surface_set_visible(s[3], false);
	pixman_region32_t opaque;
	pixman_region32_init_rect(&opaque, 0, 0, 5, 10);
	shim_surface_set_opaque_region(s[4], &opaque);
	pixman_region32_fini(&opaque);
	for (int i = 0; i < 5; i++)
		shim_surface_commit(s[i]);
	test_shim_frame(&t);
	CHECK(test_golden(shim_output_headless_get_front(t.output), "shim_overlap"));
	for (int i = 0; i < 5; i++)
		shim_buffer_unref(b[i]);
	test_shim_finish(&t);
}

/* The software cursor, half off a surface and half off the output's right edge. */
static void composite_golden_cursor(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 32, .height = 24 });
	struct shim_surface *s;
	REQUIRE(shim_surface_create(t.shim, &s) == 0);
	struct shim_buffer *b = test_buffer_solid(PIXMAN_x8r8g8b8, 20, 24, 0xff2040c0);
	shim_surface_attach(s, b);
	shim_surface_commit(s);
	pixman_image_t *arrow = test_image_solid(PIXMAN_a8r8g8b8, 8, 8, 0);
	for (int y = 0; y < 8; y++) {
		test_fill_rect(arrow, 0, y, y + 1, 1, 0xffffffff); // a white triangle
		test_fill_rect(arrow, y, y, 1, 1, 0xff000000);     // with a black edge
	}
	REQUIRE(shim_set_cursor(t.shim, arrow, 0, 0) == 0);
	shim_move_cursor(t.shim, 16, 8);
	test_shim_frame(&t);
	CHECK(test_golden(shim_output_headless_get_front(t.output), "shim_cursor"));
	shim_move_cursor(t.shim, 28, 18);
	test_shim_frame(&t);
	CHECK(test_golden(shim_output_headless_get_front(t.output), "shim_cursor_edge"));
	pixman_image_unref(arrow);
	shim_buffer_unref(b);
	test_shim_finish(&t);
}

/* ---- Rules -------------------------------------------------------------------------------- */

static void composite_skips_hidden_surfaces(void)
{
	struct test_shim t;
	test_shim_init(
		&t, &(struct shim_headless_options){ .width = 64, .height = 64, .n_buffers = 1 });
	struct shim_surface *below, *cover;
	REQUIRE(shim_surface_create(t.shim, &below) == 0);
	REQUIRE(shim_surface_create(t.shim, &cover) == 0);
	struct shim_buffer *small = test_buffer_solid(PIXMAN_a8r8g8b8, 16, 16, 0xffff0000);
	struct shim_buffer *big = test_buffer_solid(PIXMAN_x8r8g8b8, 64, 64, 0xff00ff00);
	shim_surface_attach(below, small);
	shim_surface_set_position(below, 8, 8);
	shim_surface_commit(below);
	shim_surface_attach(cover, big);
	shim_surface_commit(cover);
	test_shim_frame(&t);

	struct shim_stats before, after;
	shim_get_stats(t.shim, &before);
	shim_surface_damage(below, 0, 0, 16, 16);
	shim_surface_commit(below);
	test_shim_frame(&t);
	shim_get_stats(t.shim, &after);
	CHECK(after.surfaces_culled > before.surfaces_culled);
	CHECK_EQ_INT(after.pixels_painted - before.pixels_painted, 16 * 16);
	CHECK_EQ_INT(test_pixel(shim_output_headless_get_front(t.output), 10, 10), 0x00ff00);

	/* Translucent on top: the one below must be painted. */
	struct shim_buffer *glass = test_buffer_solid(PIXMAN_a8r8g8b8, 64, 64, 0x80000080);
	shim_surface_attach(cover, glass);
	shim_surface_commit(cover);
	test_shim_frame(&t);
	CHECK_EQ_INT(test_pixel(shim_output_headless_get_front(t.output), 10, 10), 0x7f0080);
	shim_buffer_unref(small);
	shim_buffer_unref(big);
	shim_buffer_unref(glass);
	test_shim_finish(&t);
}

/* Inside the opaque region the colour is copied even where alpha says otherwise. */
static void composite_opaque_region_copies(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 16, .height = 8 });
	struct shim_surface *back, *s;
	REQUIRE(shim_surface_create(t.shim, &back) == 0);
	REQUIRE(shim_surface_create(t.shim, &s) == 0);
	struct shim_buffer *white = test_buffer_solid(PIXMAN_x8r8g8b8, 16, 8, 0xffffffff);
	struct shim_buffer *half = test_buffer_solid(PIXMAN_a8r8g8b8, 16, 8, 0x80400000);
	shim_surface_attach(back, white);
	shim_surface_commit(back);
	shim_surface_attach(s, half);
	pixman_region32_t opaque;
	pixman_region32_init_rect(&opaque, 0, 0, 8, 8);
	shim_surface_set_opaque_region(s, &opaque);
	pixman_region32_fini(&opaque);
	shim_surface_commit(s);
	test_shim_frame(&t);
	pixman_image_t *front = shim_output_headless_get_front(t.output);
	CHECK_EQ_INT(test_pixel(front, 2, 2), 0x400000);  // copied
	CHECK_EQ_INT(test_pixel(front, 12, 2), 0xbf7f7f); // blended over white
	shim_buffer_unref(white);
	shim_buffer_unref(half);
	test_shim_finish(&t);
}

static void composite_background_where_nothing(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 8, .height = 8 });
	test_shim_frame(&t);
	CHECK_EQ_INT(test_pixel(shim_output_headless_get_front(t.output), 7, 7), 0x202020);
	test_shim_finish(&t);
}

static const struct test_case cases[] = {
	TEST_CASE(composite_random_scenes),
	TEST_CASE(composite_golden_overlap),
	TEST_CASE(composite_golden_cursor),
	TEST_CASE(composite_skips_hidden_surfaces),
	TEST_CASE(composite_opaque_region_copies),
	TEST_CASE(composite_background_where_nothing),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
