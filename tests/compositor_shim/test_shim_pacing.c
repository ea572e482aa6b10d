/*
 * Frame pacing on a stepped clock: commits within one refresh become one output commit carrying
 * the union of their damage; nothing goes out before the refresh period; frame callbacks come
 * after the frame that shows the commit.
 */
#include "macros.h"
#include "shim.h"
#include "shim_test_util.h"
#include "test.h"

#define MS 1000000LL

static void dispatch_at(struct test_shim *t, int64_t at)
{
	t->clock.now = at;
	for (int i = 0; i < 3; i++)
		shim_dispatch(t->shim);
}

static struct shim_surface *fullscreen(struct test_shim *t, struct shim_buffer **b)
{
	struct shim_surface *s;
	*b = test_buffer_solid(PIXMAN_x8r8g8b8, 64, 64, 0xff000000);
	if (shim_surface_create(t->shim, &s) < 0)
		abort();
	shim_surface_attach(s, *b);
	shim_surface_commit(s);
	return s;
}

static void pacing_merges_commits_within_a_frame(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 64, .height = 64 });
	struct shim_buffer *b;
	struct shim_surface *s = fullscreen(&t, &b);
	int64_t t0 = t.clock.now;
	dispatch_at(&t, t0);
	CHECK_EQ_INT(shim_output_headless_commit_count(t.output), 1);

	/* Five commits during the next refresh period. */
	for (int i = 0; i < 5; i++) {
		shim_surface_damage(s, i * 10, i * 10, 4, 4);
		shim_surface_commit(s);
		dispatch_at(&t, t0 + (i + 1) * 3 * MS);
	}
	CHECK_EQ_INT(shim_output_headless_commit_count(t.output), 1);
	CHECK_EQ_INT(shim_get_timeout_ms(t.shim), 2); // 16.67 ms after t0, rounded up

	dispatch_at(&t, t0 + TEST_FRAME_NS);
	CHECK_EQ_INT(shim_output_headless_commit_count(t.output), 2);
	pixman_region32_t got, want;
	pixman_region32_init(&got);
	pixman_region32_init(&want);
	for (int i = 0; i < 5; i++)
		pixman_region32_union_rect(&want, &want, i * 10, i * 10, 4, 4);
	shim_output_headless_get_last_damage(t.output, &got);
	CHECK(pixman_region32_equal(&got, &want));
	pixman_region32_fini(&got);
	pixman_region32_fini(&want);

	/* Nothing changed since: nothing to do, nothing committed. */
	CHECK_EQ_INT(shim_get_timeout_ms(t.shim), -1);
	dispatch_at(&t, t0 + 10 * TEST_FRAME_NS);
	CHECK_EQ_INT(shim_output_headless_commit_count(t.output), 2);
	shim_buffer_unref(b);
	test_shim_finish(&t);
}

static void pacing_follows_the_refresh_and_the_cap(void)
{
	struct test_clock clock = { 0 };
	struct shim_clock sc = { test_clock_now, &clock };
	struct shim_output *out;
	REQUIRE(shim_output_headless_create(&out,
			&(struct shim_headless_options){
				.width = 16, .height = 16, .refresh_mhz = 30000 }) == 0);
	struct shim *shim;
	REQUIRE(shim_create(&shim, out,
			&(struct shim_options){ .clock = &sc, .max_refresh_mhz = 20000 }) == 0);
	shim_dispatch(shim); // the first frame goes out at once
	shim_dispatch(shim);
	CHECK_EQ_INT(shim_output_headless_commit_count(out), 1);
	shim_damage_all(shim);
	CHECK_EQ_INT(shim_get_timeout_ms(shim), 50); // 20 Hz, slower than the output's 30
	clock.now = 49 * MS;
	shim_dispatch(shim);
	CHECK_EQ_INT(shim_output_headless_commit_count(out), 1);
	clock.now = 50 * MS;
	shim_dispatch(shim);
	CHECK_EQ_INT(shim_output_headless_commit_count(out), 2);
	shim_destroy(shim);
}

struct frames {
	int calls;
	uint64_t time;
	struct shim_surface *surface;
};

static void on_frame(void *data, struct shim_surface *surface, uint64_t time_ns)
{
	struct frames *f = data;
	f->calls++;
	f->time = time_ns;
	f->surface = surface;
}

static void frame_callback_after_the_frame(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 64, .height = 64 });
	struct shim_buffer *b;
	struct shim_surface *s = fullscreen(&t, &b);
	test_shim_frame(&t);
	int64_t t0 = t.clock.now;

	struct frames f = { 0 };
	shim_surface_request_frame(s, on_frame, &f);
	shim_surface_damage(s, 0, 0, 1, 1);
	CHECK_EQ_INT(f.calls, 0); // not committed: nothing happens
	shim_surface_commit(s);
	t.clock.now = t0 + 5 * MS;
	shim_dispatch(t.shim);
	CHECK_EQ_INT(f.calls, 0); // before the frame
	t.clock.now = t0 + TEST_FRAME_NS;
	shim_dispatch(t.shim);    // repaint and commit
	CHECK_EQ_INT(f.calls, 0); // committed but not on screen yet
	shim_dispatch(t.shim);    // frame done
	CHECK_EQ_INT(f.calls, 1);
	CHECK(f.surface == s);
	CHECK_EQ_INT(f.time, t0 + TEST_FRAME_NS);
	test_shim_frame(&t);
	CHECK_EQ_INT(f.calls, 1); // one shot

	/* Asked for with nothing to show: at the next frame time, without an output commit. */
	uint64_t commits = shim_output_headless_commit_count(t.output);
	shim_surface_request_frame(s, on_frame, &f);
	shim_surface_commit(s);
	test_shim_frame(&t);
	CHECK_EQ_INT(f.calls, 2);
	CHECK_EQ_INT(shim_output_headless_commit_count(t.output), commits);
	shim_buffer_unref(b);
	test_shim_finish(&t);
}

static void inactive_shim_commits_nothing(void)
{
	struct test_shim t;
	test_shim_init(&t, &(struct shim_headless_options){ .width = 16, .height = 16 });
	test_shim_frame(&t);
	uint64_t commits = shim_output_headless_commit_count(t.output);
	REQUIRE(shim_set_active(t.shim, false) == 0);
	shim_damage_all(t.shim);
	CHECK_EQ_INT(shim_get_timeout_ms(t.shim), -1);
	test_shim_frame(&t);
	CHECK_EQ_INT(shim_output_headless_commit_count(t.output), commits);
	REQUIRE(shim_set_active(t.shim, true) == 0);
	test_shim_frame(&t);
	CHECK_EQ_INT(shim_output_headless_commit_count(t.output), commits + 1);
	test_shim_finish(&t);
}

static const struct test_case cases[] = {
	TEST_CASE(pacing_merges_commits_within_a_frame),
	TEST_CASE(pacing_follows_the_refresh_and_the_cap),
	TEST_CASE(frame_callback_after_the_frame),
	TEST_CASE(inactive_shim_commits_nothing),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
