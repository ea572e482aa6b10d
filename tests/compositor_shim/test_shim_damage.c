/*
 * Damage: what a commit tells the output changed, and what the buffers end up holding.
 * Overlapping, moving, hidden and destroyed surfaces; weston's damage lie; buffer age with two
 * and three buffers; the cursor in software and on a plane; mode changes.
 */
#include <errno.h>

#include "macros.h"
#include "shim.h"
#include "shim_test_util.h"
#include "test.h"

static bool damage_is(struct shim_output *out, const pixman_box32_t *boxes, int n)
{
	pixman_region32_t got, want;
	pixman_region32_init(&got);
	pixman_region32_init_rects(&want, boxes, n);
	shim_output_headless_get_last_damage(out, &got);
	bool same = pixman_region32_equal(&got, &want);
	if (!same) {
		pixman_box32_t *e = pixman_region32_extents(&got);
		NOTE("damage has %d rects within (%d,%d)-(%d,%d)", pixman_region32_n_rects(&got),
			e->x1, e->y1, e->x2, e->y2);
	}
	pixman_region32_fini(&got);
	pixman_region32_fini(&want);
	return same;
}

static struct shim_surface *surface_with(
	struct test_shim *t, struct shim_buffer *b, int32_t x, int32_t y)
{
	struct shim_surface *s;
	if (shim_surface_create(t->shim, &s) < 0)
		abort();
	shim_surface_attach(s, b);
	shim_surface_set_position(s, x, y);
	shim_surface_commit(s);
	return s;
}

static uint64_t painted(struct test_shim *t)
{
	struct shim_stats st;
	shim_get_stats(t->shim, &st);
	return st.pixels_painted;
}

#define FRONT(t) shim_output_headless_get_front((t)->output)

static void damage_overlapping_surfaces(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 64, .height = 48 });
	struct shim_buffer *a = test_buffer_solid(PIXMAN_a8r8g8b8, 32, 32, 0xffff0000);
	struct shim_buffer *b = test_buffer_solid(PIXMAN_a8r8g8b8, 32, 32, 0xff0000ff);
	struct shim_surface *lower = surface_with(&t, a, 0, 0);
	struct shim_surface *upper = surface_with(&t, b, 16, 8);
	test_shim_frame(&t);

	/* The lower surface changes under the upper one: the damage says so, the picture not. */
	test_fill_rect(shim_buffer_get_image(a), 20, 10, 8, 8, 0xff00ff00);
	shim_surface_damage(lower, 20, 10, 8, 8);
	shim_surface_commit(lower);
	test_shim_frame(&t);
	CHECK(damage_is(t.output, &(pixman_box32_t){ 20, 10, 28, 18 }, 1));
	CHECK_EQ_INT(test_pixel(FRONT(&t), 22, 12), 0x0000ff);

	/* Both change in one frame: the union goes out. */
	shim_surface_damage(lower, 0, 0, 4, 4);
	shim_surface_commit(lower);
	shim_surface_damage(upper, 28, 28, 4, 4);
	shim_surface_commit(upper);
	test_shim_frame(&t);
	pixman_box32_t both[] = { { 0, 0, 4, 4 }, { 44, 36, 48, 40 } };
	CHECK(damage_is(t.output, both, 2));
	shim_buffer_unref(a);
	shim_buffer_unref(b);
	test_shim_finish(&t);
}

static void damage_moving_surface(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 64, .height = 48 });
	struct shim_buffer *b = test_buffer_solid(PIXMAN_x8r8g8b8, 10, 10, 0xffffffff);
	struct shim_surface *s = surface_with(&t, b, 2, 2);
	test_shim_frame(&t);
	shim_surface_set_position(s, 30, 20);
	shim_surface_commit(s);
	test_shim_frame(&t);
	pixman_box32_t boxes[] = { { 2, 2, 12, 12 }, { 30, 20, 40, 30 } };
	CHECK(damage_is(t.output, boxes, 2));
	CHECK_EQ_INT(test_pixel(FRONT(&t), 5, 5), 0x202020);
	CHECK_EQ_INT(test_pixel(FRONT(&t), 35, 25), 0xffffff);
	shim_buffer_unref(b);
	test_shim_finish(&t);
}

static void damage_hidden_and_offscreen_surfaces(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 32, .height = 32 });
	struct shim_buffer *b = test_buffer_solid(PIXMAN_x8r8g8b8, 8, 8, 0xffffffff);
	struct shim_surface *hidden = surface_with(&t, b, 0, 0);
	struct shim_surface *away = surface_with(&t, b, 100, 100);
	shim_surface_set_visible(hidden, false);
	shim_surface_commit(hidden);
	test_shim_frame(&t);
	uint64_t commits = shim_output_headless_commit_count(t.output);

	/* Neither can change what is on screen: no commit at all. */
	shim_surface_damage(hidden, 0, 0, 8, 8);
	shim_surface_commit(hidden);
	shim_surface_damage(away, 0, 0, 8, 8);
	shim_surface_commit(away);
	test_shim_frame(&t);
	CHECK_EQ_INT(shim_output_headless_commit_count(t.output), commits);

	/* Showing it damages where it appears; destroying it, where it was. */
	shim_surface_set_visible(hidden, true);
	shim_surface_commit(hidden);
	test_shim_frame(&t);
	CHECK(damage_is(t.output, &(pixman_box32_t){ 0, 0, 8, 8 }, 1));
	CHECK_EQ_INT(test_pixel(FRONT(&t), 1, 1), 0xffffff);
	shim_surface_destroy(hidden);
	test_shim_frame(&t);
	CHECK(damage_is(t.output, &(pixman_box32_t){ 0, 0, 8, 8 }, 1));
	CHECK_EQ_INT(test_pixel(FRONT(&t), 1, 1), 0x202020);
	shim_buffer_unref(b);
	test_shim_finish(&t);
}

static void damage_clipped_to_buffer(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 32, .height = 32 });
	struct shim_buffer *b = test_buffer_solid(PIXMAN_x8r8g8b8, 8, 8, 0xffffffff);
	struct shim_surface *s = surface_with(&t, b, 4, 4);
	test_shim_frame(&t);
	CHECK_EQ_INT(shim_surface_damage(s, -5, -5, 100, 7), 0);
	CHECK_EQ_INT(shim_surface_damage(s, 0, 0, -1, 1), -EINVAL);
	shim_surface_commit(s);
	test_shim_frame(&t);
	CHECK(damage_is(t.output, &(pixman_box32_t){ 4, 4, 12, 6 }, 1));
	shim_buffer_unref(b);
	test_shim_finish(&t);
}

/* A new buffer without damage is new everywhere. */
static void damage_new_buffer_is_whole(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 32, .height = 32 });
	struct shim_buffer *a = test_buffer_solid(PIXMAN_x8r8g8b8, 8, 8, 0xffffffff);
	struct shim_buffer *b = test_buffer_solid(PIXMAN_x8r8g8b8, 8, 8, 0xff00ff00);
	struct shim_surface *s = surface_with(&t, a, 3, 3);
	test_shim_frame(&t);
	shim_surface_attach(s, b);
	shim_surface_commit(s);
	test_shim_frame(&t);
	CHECK(damage_is(t.output, &(pixman_box32_t){ 3, 3, 11, 11 }, 1));
	CHECK_EQ_INT(test_pixel(FRONT(&t), 10, 10), 0x00ff00);
	shim_buffer_unref(a);
	shim_buffer_unref(b);
	test_shim_finish(&t);
}

/* weston's output-damage test: repaint everything, declare a little, and only that little may
 * change on screen, in every buffer of the swap chain. */
static void damage_lie_shows_only_declared(void)
{
	for (unsigned n = 1; n <= 3; n++) {
		struct test_shim t;
		test_shim_init(&t,
			&(struct shim_headless_options){
				.width = 32, .height = 24, .n_buffers = n });
		pixman_image_t *img = test_image_solid(PIXMAN_x8r8g8b8, 32, 24, 0xffff0000);
		struct shim_buffer *b;
		REQUIRE(shim_buffer_create(&b, img, NULL, NULL) == 0);
		struct shim_surface *s = surface_with(&t, b, 0, 0);
		for (unsigned i = 0; i < n + 1; i++) {
			shim_surface_damage(s, 31, 23, 1, 1);
			shim_surface_commit(s);
			test_shim_frame(&t);
		}
		test_fill_rect(img, 0, 0, 32, 24, 0xff00ff00);
		shim_surface_damage(s, 8, 8, 4, 2);
		shim_surface_commit(s);
		test_shim_frame(&t);
		CHECK(damage_is(t.output, &(pixman_box32_t){ 8, 8, 12, 10 }, 1));
		pixman_image_t *want = test_image_solid(PIXMAN_x8r8g8b8, 32, 24, 0xffff0000);
		test_fill_rect(want, 8, 8, 4, 2, 0xff00ff00);
		/* An older buffer also repaints what it missed: the warm-up's pixel. */
		if (n > 1)
			test_fill_rect(want, 31, 23, 1, 1, 0xff00ff00);
		CHECK_MSG(test_image_diff(FRONT(&t), want, "lie") == 0, "%u buffers", n);
		pixman_image_unref(want);
		pixman_image_unref(img);
		shim_buffer_unref(b);
		test_shim_finish(&t);
	}
}

/* Several buffers: each frame repaints its own damage plus what its buffer missed. */
static void buffer_age_repaints_what_each_missed(void)
{
	for (unsigned n = 2; n <= 3; n++) {
		struct test_shim t;
		test_shim_init(&t,
			&(struct shim_headless_options){
				.width = 40, .height = 30, .n_buffers = n });
		pixman_image_t *img = test_image_solid(PIXMAN_x8r8g8b8, 40, 30, 0xff000080);
		struct shim_buffer *b;
		REQUIRE(shim_buffer_create(&b, img, NULL, NULL) == 0);
		struct shim_surface *s = surface_with(&t, b, 0, 0);
		for (unsigned i = 0; i < n; i++) { // every buffer holds the full picture
			shim_surface_damage(s, 0, 0, 1, 1);
			shim_surface_commit(s);
			test_shim_frame(&t);
		}
		pixman_box32_t r[3] = { { 2, 2, 6, 6 }, { 20, 10, 30, 14 }, { 10, 20, 12, 28 } };
		uint32_t colors[3] = { 0xffff0000, 0xff00ff00, 0xffffff00 };
		for (int f = 0; f < 3; f++) {
			uint64_t before = painted(&t);
			test_fill_rect(img, r[f].x1, r[f].y1, r[f].x2 - r[f].x1, r[f].y2 - r[f].y1,
				colors[f]);
			shim_surface_damage(
				s, r[f].x1, r[f].y1, r[f].x2 - r[f].x1, r[f].y2 - r[f].y1);
			shim_surface_commit(s);
			test_shim_frame(&t);
			CHECK_MSG(test_image_diff(FRONT(&t), img, "age") == 0,
				"%u buffers, frame %d", n, f);
			CHECK(damage_is(t.output, &r[f], 1));
			/* The free buffer with the newest picture is reused, so with two or three
			 * buffers it missed one frame: this frame's rect plus the previous one's
			 * (the warm-up damaged pixel (0, 0)). */
			uint64_t want =
				(uint64_t)(r[f].x2 - r[f].x1) * (uint64_t)(r[f].y2 - r[f].y1);
			want += f ? (uint64_t)(r[f - 1].x2 - r[f - 1].x1) *
					(uint64_t)(r[f - 1].y2 - r[f - 1].y1)
				  : 1;
			CHECK_MSG(painted(&t) - before == want,
				"%u buffers, frame %d: %llu painted", n, f,
				(unsigned long long)(painted(&t) - before));
		}
		pixman_image_unref(img);
		shim_buffer_unref(b);
		test_shim_finish(&t);
	}
}

static void cursor_software_damage(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 32, .height = 32 });
	pixman_image_t *cur = test_image_solid(PIXMAN_a8r8g8b8, 4, 4, 0xffffffff);
	REQUIRE(shim_set_cursor(t.shim, cur, 1, 1) == 0);
	CHECK(!shim_cursor_on_plane(t.shim));
	shim_move_cursor(t.shim, 5, 5);
	test_shim_frame(&t);
	CHECK_EQ_INT(test_pixel(FRONT(&t), 4, 4), 0xffffff);
	shim_move_cursor(t.shim, 20, 21);
	test_shim_frame(&t);
	pixman_box32_t boxes[] = { { 4, 4, 8, 8 }, { 19, 20, 23, 24 } };
	CHECK(damage_is(t.output, boxes, 2));
	CHECK_EQ_INT(test_pixel(FRONT(&t), 4, 4), 0x202020);
	CHECK_EQ_INT(test_pixel(FRONT(&t), 19, 20), 0xffffff);
	CHECK_EQ_INT(shim_set_cursor(t.shim, cur, 4, 0), -EINVAL); // hotspot outside
	REQUIRE(shim_set_cursor(t.shim, NULL, 0, 0) == 0);
	test_shim_frame(&t);
	CHECK_EQ_INT(test_pixel(FRONT(&t), 19, 20), 0x202020);
	pixman_image_unref(cur);
	test_shim_finish(&t);
}

static void cursor_on_plane_costs_no_repaint(void)
{
	struct test_shim t;
	test_shim_init(&t,
		&(struct shim_headless_options){
			.width = 32, .height = 32, .cursor_plane = true, .cursor_size = 8 });
	test_shim_frame(&t);
	pixman_image_t *cur = test_image_solid(PIXMAN_a8r8g8b8, 4, 4, 0xffffffff);
	REQUIRE(shim_set_cursor(t.shim, cur, 1, 1) == 0);
	CHECK(shim_cursor_on_plane(t.shim));
	shim_move_cursor(t.shim, 10, 12);
	uint64_t commits = shim_output_headless_commit_count(t.output), before = painted(&t);
	test_shim_frame(&t);
	CHECK_EQ_INT(shim_output_headless_commit_count(t.output), commits + 1);
	CHECK_EQ_INT(painted(&t), before);
	int32_t x, y;
	pixman_image_t *plane = shim_output_headless_get_cursor(t.output, &x, &y);
	REQUIRE(plane != NULL);
	CHECK_EQ_INT(x, 9);
	CHECK_EQ_INT(y, 11);
	CHECK_EQ_INT(test_pixel(plane, 0, 0), 0xffffffff);
	CHECK_EQ_INT(test_pixel(FRONT(&t), 10, 12), 0x202020);

	/* Too big for the plane: drawn in software, and the plane is emptied. */
	pixman_image_t *big = test_image_solid(PIXMAN_a8r8g8b8, 12, 12, 0xff00ff00);
	REQUIRE(shim_set_cursor(t.shim, big, 0, 0) == 0);
	CHECK(!shim_cursor_on_plane(t.shim));
	test_shim_frame(&t);
	CHECK(shim_output_headless_get_cursor(t.output, NULL, NULL) == NULL);
	CHECK_EQ_INT(test_pixel(FRONT(&t), 15, 15), 0x00ff00);
	pixman_image_unref(big);
	pixman_image_unref(cur);
	test_shim_finish(&t);
}

struct resize_log {
	int calls;
	uint32_t w, h;
};

static void on_resize(void *data, uint32_t w, uint32_t h, uint32_t refresh_mhz)
{
	struct resize_log *log = data;
	log->calls++;
	log->w = w;
	log->h = h;
}

static void mode_change_resizes_and_repaints(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 32, .height = 32 });
	struct resize_log log = { 0 };
	static const struct shim_listener listener = { .resize = on_resize };
	REQUIRE(shim_add_listener(t.shim, &listener, &log) == 0);
	CHECK_EQ_INT(shim_add_listener(t.shim, &listener, &log), -EEXIST);
	struct shim_buffer *b = test_buffer_solid(PIXMAN_x8r8g8b8, 8, 8, 0xffffffff);
	surface_with(&t, b, 30, 30);
	test_shim_frame(&t);

	REQUIRE(shim_output_headless_host_resize(t.output, 48, 40) == 0);
	test_shim_frame(&t);
	CHECK_EQ_INT(log.calls, 1);
	CHECK_EQ_INT(log.w, 48);
	CHECK_EQ_INT(log.h, 40);
	pixman_image_t *front = FRONT(&t);
	REQUIRE(front != NULL);
	CHECK_EQ_INT(pixman_image_get_width(front), 48);
	CHECK(damage_is(t.output, &(pixman_box32_t){ 0, 0, 48, 40 }, 1));
	CHECK_EQ_INT(test_pixel(front, 37, 37), 0xffffff); // now wholly on screen

	REQUIRE(shim_set_mode(t.shim, 16, 16) == 0);
	test_shim_frame(&t);
	CHECK_EQ_INT(log.calls, 2);
	CHECK_EQ_INT(pixman_image_get_width(FRONT(&t)), 16);
	CHECK_EQ_INT(shim_set_mode(t.shim, 0, 16), -EINVAL);
	shim_remove_listener(t.shim, &listener, &log);
	shim_buffer_unref(b);
	test_shim_finish(&t);
}

static const struct test_case cases[] = {
	TEST_CASE(damage_overlapping_surfaces),
	TEST_CASE(damage_moving_surface),
	TEST_CASE(damage_hidden_and_offscreen_surfaces),
	TEST_CASE(damage_clipped_to_buffer),
	TEST_CASE(damage_new_buffer_is_whole),
	TEST_CASE(damage_lie_shows_only_declared),
	TEST_CASE(buffer_age_repaints_what_each_missed),
	TEST_CASE(cursor_software_damage),
	TEST_CASE(cursor_on_plane_costs_no_repaint),
	TEST_CASE(mode_change_resizes_and_repaints),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
