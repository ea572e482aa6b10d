/*
 * The player against a fake sink and a stepped clock: frames shown on time, late ones dropped
 * and counted, pause, step, seek, loop, the end; damage that is exact (the fake screen is
 * updated only where damage was declared, and must always equal a full conversion of the frame
 * shown: the "damage lie" test), buffer age, identical frames committing nothing, a sink with
 * no free buffer, and a new layout.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "clip.h"
#include "player.h"
#include "test.h"
#include "yuv_convert.h"

#define MAX_BUFS 3

struct fake_buf {
	struct play_buffer pb;
	bool busy;
};

struct fake_sink {
	int n_buffers;
	bool hold; // presented buffers stay busy until the test frees them
	struct fake_buf b[MAX_BUFS];
	struct fake_buf *on_screen;
	uint32_t vw, vh;
	uint32_t *screen; // what a compositor that trusts the damage would show
	int configures, presents;
	uint8_t *damaged_rows; // of the last present
	size_t damage_rects;
};

static int fake_configure(void *data, const struct layout *l)
{
	struct fake_sink *s = data;
	s->vw = (uint32_t)rect_width(&l->video);
	s->vh = (uint32_t)rect_height(&l->video);
	for (int i = 0; i < s->n_buffers; i++) {
		free(s->b[i].pb.pixels);
		s->b[i] = (struct fake_buf){ .pb = { .pixels = calloc((size_t)s->vw * s->vh, 4),
						     .stride = (size_t)s->vw * 4 } };
	}
	free(s->screen);
	free(s->damaged_rows);
	s->screen = calloc((size_t)s->vw * s->vh, 4);
	s->damaged_rows = calloc(s->vh, 1);
	s->on_screen = NULL;
	s->configures++;
	return 0;
}

static int fake_acquire(void *data, struct play_buffer **out)
{
	struct fake_sink *s = data;
	for (int i = 0; i < s->n_buffers; i++) {
		if (!s->b[i].busy) {
			*out = &s->b[i].pb;
			return 0;
		}
	}
	return -EAGAIN;
}

static int fake_present(void *data, struct play_buffer *pb, const struct rect *damage, size_t n)
{
	struct fake_sink *s = data;
	struct fake_buf *b = (struct fake_buf *)(void *)pb;
	memset(s->damaged_rows, 0, s->vh);
	for (size_t i = 0; i < n; i++) {
		const struct rect *r = &damage[i];
		REQUIRE(r->x1 >= 0 && r->y1 >= 0 && r->x2 <= (int32_t)s->vw &&
			r->y2 <= (int32_t)s->vh);
		for (int32_t y = r->y1; y < r->y2; y++) {
			memcpy(s->screen + (size_t)y * s->vw + r->x1,
				pb->pixels + (size_t)y * s->vw + r->x1,
				(size_t)(r->x2 - r->x1) * 4);
			s->damaged_rows[y] = 1;
		}
	}
	if (s->on_screen && !s->hold)
		s->on_screen->busy = false;
	b->busy = true;
	s->on_screen = b;
	s->presents++;
	s->damage_rects = n;
	return 0;
}

static const struct play_sink fake_impl = { fake_configure, fake_acquire, fake_present };

static void fake_free(struct fake_sink *s)
{
	for (int i = 0; i < MAX_BUFS; i++)
		free(s->b[i].pb.pixels);
	free(s->screen);
	free(s->damaged_rows);
}

static int64_t fake_now(void *data)
{
	return *(int64_t *)data;
}

#define FRAME_NS 33333333 // 30 fps

struct rig {
	struct clip clip;
	struct y4m_synth synth;
	struct y4m_reader *reader;
	struct player *player;
	struct fake_sink sink;
	int64_t t;
};

static void rig_init(struct rig *g, unsigned frames, uint32_t static_rows, bool bench, bool loop)
{
	*g = (struct rig){ .synth = { .width = 64, .height = 32, .static_rows = static_rows } };
	clip_build(&g->clip, &g->synth, frames);
	clip_write(&g->clip, SIZE_MAX);
	struct y4m_error err;
	REQUIRE(y4m_reader_open(&g->reader, g->clip.path, NULL, &err) == 0);
	g->sink.n_buffers = MAX_BUFS;
	struct player_options o = { .mode = LAYOUT_FIT,
		.filter = YUV_FILTER_BILINEAR,
		.matrix = -1,
		.range = -1,
		.bench = bench,
		.loop = loop,
		.clock = { fake_now, &g->t } };
	REQUIRE(player_create(&g->player, g->reader, &o, &fake_impl, &g->sink, 64, 32) == 0);
}

static void rig_finish(struct rig *g)
{
	player_destroy(g->player);
	y4m_reader_destroy(g->reader);
	fake_free(&g->sink);
	clip_free(&g->clip);
}

/* Dispatches until the player waits for time or for the test: reader waits are on its fd. */
static int pump(struct rig *g)
{
	for (int i = 0; i < 10000; i++) {
		int ret = player_dispatch(g->player);
		if (ret != 0 || !player_waiting_for_reader(g->player))
			return ret;
		struct pollfd pfd = { y4m_reader_get_fd(g->reader), POLLIN, 0 };
		if (poll(&pfd, 1, 10000) <= 0)
			return -ETIMEDOUT;
	}
	return -ELOOP;
}

static struct player_stats stats(const struct rig *g)
{
	struct player_stats s;
	player_get_stats(g->player, &s);
	return s;
}

/* The fake screen equals a full conversion of clip frame `index`. */
static void check_screen(const struct rig *g, unsigned index)
{
	struct yuv_scaler_config cfg = { .src_width = 64,
		.src_height = 32,
		.sampling = YUV_420_CENTER,
		.dst_width = 64,
		.dst_height = 32,
		.filter = YUV_FILTER_BILINEAR,
		.matrix = YUV_MATRIX_BT601 };
	struct yuv_scaler *sc;
	REQUIRE(yuv_scaler_create(&sc, &cfg) == 0);
	const uint8_t *f = g->clip.data + g->clip.frame_off[index] + 6;
	struct yuv_frame yf = { .plane = { f, f + 64 * 32, f + 64 * 32 + 32 * 16 },
		.stride = { 64, 32, 32 } };
	uint32_t want[64 * 32];
	yuv_scaler_convert(sc, &yf, want, 64 * 4, 0, 32);
	yuv_scaler_destroy(sc);
	CHECK_MSG(memcmp(want, g->sink.screen, sizeof(want)) == 0,
		"the screen is not frame %u: damage missed something", index);
}

static void test_plays_in_time(void)
{
	struct rig g;
	rig_init(&g, 10, 0, false, false);
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 0);
	CHECK_EQ_INT(player_get_timeout_ms(g.player), 34); // 33.3 ms, rounded up
	g.t += FRAME_NS - 1;
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 0);
	g.t += 1;
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 1);
	check_screen(&g, 1);
	CHECK_EQ_INT(stats(&g).dropped, 0);
	rig_finish(&g);
}

static void test_drops_late_frames(void)
{
	struct rig g;
	rig_init(&g, 10, 0, false, false);
	REQUIRE(pump(&g) == 0);
	g.t += 3 * FRAME_NS + FRAME_NS / 2; // frames 1 and 2 are past
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 3);
	CHECK_EQ_INT(stats(&g).dropped, 2);
	CHECK_EQ_INT(stats(&g).shown, 2);
	check_screen(&g, 3);
	rig_finish(&g);
}

/* A long stall: one frame is shown anyway, then the player drops to catch up. */
static void test_stall_shows_then_catches_up(void)
{
	struct rig g;
	rig_init(&g, 40, 0, false, false);
	REQUIRE(pump(&g) == 0);
	g.t += 1000000000;
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 30);
	CHECK_EQ_INT(stats(&g).shown, 3); // 0, 1 (starved), 30
	CHECK_EQ_INT(stats(&g).dropped, 28);
	rig_finish(&g);
}

static void test_pause_and_step(void)
{
	struct rig g;
	rig_init(&g, 10, 0, false, false);
	REQUIRE(pump(&g) == 0);
	player_command(g.player, PLAY_TOGGLE_PAUSE, 0);
	CHECK(player_is_paused(g.player));
	g.t += 10 * FRAME_NS;
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 0);
	CHECK_EQ_INT(player_get_timeout_ms(g.player), -1);
	player_command(g.player, PLAY_STEP, 0);
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 1);
	player_command(g.player, PLAY_STEP, 0);
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 2);
	check_screen(&g, 2);
	player_command(g.player, PLAY_TOGGLE_PAUSE, 0); // resumes from now: nothing dropped
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 3);
	g.t += FRAME_NS;
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 4);
	CHECK_EQ_INT(stats(&g).dropped, 0);
	rig_finish(&g);
}

static void test_seek(void)
{
	struct rig g;
	rig_init(&g, 64, 0, false, false);
	REQUIRE(pump(&g) == 0);
	player_command(g.player, PLAY_SEEK, 1);
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 30);
	check_screen(&g, 30);
	player_command(g.player, PLAY_SEEK, -5); // before the start: frame 0
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 0);
	player_command(g.player, PLAY_TOGGLE_PAUSE, 0);
	player_command(g.player, PLAY_SEEK, 1); // paused: shows where it landed
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 30);
	rig_finish(&g);
}

static void test_loop_and_end(void)
{
	struct rig g;
	rig_init(&g, 3, 0, true, true);
	static const int64_t order[] = { 0, 1, 2, 0, 1, 2, 0 };
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		REQUIRE(pump(&g) == 0);
		CHECK_EQ_INT(player_current_frame(g.player), order[i]);
	}
	player_command(g.player, PLAY_TOGGLE_LOOP, 0);
	CHECK(!player_is_looping(g.player));
	int ret = 0;
	for (int i = 0; i < 5 && ret == 0; i++)
		ret = pump(&g);
	CHECK_EQ_INT(ret, 1); // the end
	CHECK_EQ_INT(player_current_frame(g.player), 2);
	player_command(g.player, PLAY_QUIT, 0);
	CHECK_EQ_INT(player_dispatch(g.player), 1);
	rig_finish(&g);
}

/* Half the picture is still: its rows are never damaged again, the screen (updated only where
 * damage says) stays right through three buffers of different ages, and fewer rows are
 * converted than a full redraw would. */
static void test_damage_is_exact(void)
{
	struct rig g;
	rig_init(&g, 12, 16, true, false);
	for (unsigned i = 0; i < 12; i++) {
		REQUIRE(pump(&g) == 0);
		CHECK_EQ_INT(player_current_frame(g.player), i);
		check_screen(&g, i);
		for (uint32_t y = 0; i > 0 && y < 14; y++)
			CHECK_MSG(!g.sink.damaged_rows[y], "frame %u: still row %u damaged", i, y);
		CHECK(i == 0 || g.sink.damaged_rows[20]); // the moving part
	}
	struct player_stats s = stats(&g);
	CHECK_EQ_INT(s.commits, 12);
	CHECK(s.rows_converted < 12 * 32);
	CHECK(s.damage_pixels < 12 * 64 * 32);
	NOTE("rows converted %llu of %d, damaged pixels %llu of %d",
		(unsigned long long)s.rows_converted, 12 * 32, (unsigned long long)s.damage_pixels,
		12 * 64 * 32);
	rig_finish(&g);
}

static void test_identical_frames_commit_nothing(void)
{
	struct rig g;
	rig_init(&g, 6, 32, true, false); // every row still
	for (int i = 0; i < 6; i++)
		REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(player_current_frame(g.player), 5);
	CHECK_EQ_INT(g.sink.presents, 1);
	CHECK_EQ_INT(stats(&g).unchanged, 5);
	check_screen(&g, 5);
	rig_finish(&g);
}

static void test_waits_for_a_free_buffer(void)
{
	struct rig g;
	rig_init(&g, 6, 0, true, false);
	g.sink.hold = true;
	for (int i = 0; i < 3; i++)
		REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(g.sink.presents, 3);
	REQUIRE(pump(&g) == 0); // every buffer busy
	CHECK_EQ_INT(g.sink.presents, 3);
	CHECK_EQ_INT(player_get_timeout_ms(g.player), -1);
	CHECK(stats(&g).waits_for_buffer >= 1);
	g.sink.b[0].busy = false; // the compositor lets go of the oldest
	REQUIRE(pump(&g) == 0);
	CHECK_EQ_INT(g.sink.presents, 4);
	CHECK_EQ_INT(player_current_frame(g.player), 3);
	check_screen(&g, 3);
	rig_finish(&g);
}

static void test_resize_redraws(void)
{
	struct rig g;
	rig_init(&g, 6, 0, false, false);
	REQUIRE(pump(&g) == 0);
	player_command(g.player, PLAY_TOGGLE_PAUSE, 0);
	REQUIRE(player_resize(g.player, 128, 32) == 0); // pillarbox: 64x32 at x 32
	const struct layout *l = player_get_layout(g.player);
	CHECK(l->video.x1 == 32 && rect_width(&l->video) == 64);
	CHECK_EQ_INT(g.sink.configures, 2);
	CHECK_EQ_INT(g.sink.presents, 2); // the paused frame, again
	for (uint32_t y = 0; y < 32; y++)
		CHECK(g.sink.damaged_rows[y]);
	check_screen(&g, 0);
	rig_finish(&g);
}

static const struct test_case cases[] = {
	TEST_CASE(test_plays_in_time),
	TEST_CASE(test_drops_late_frames),
	TEST_CASE(test_stall_shows_then_catches_up),
	TEST_CASE(test_pause_and_step),
	TEST_CASE(test_seek),
	TEST_CASE(test_loop_and_end),
	TEST_CASE(test_damage_is_exact),
	TEST_CASE(test_identical_frames_commit_nothing),
	TEST_CASE(test_waits_for_a_free_buffer),
	TEST_CASE(test_resize_redraws),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
