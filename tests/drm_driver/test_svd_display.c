/*
 * svd commits against a scripted host: what reaches the host's screen. Pixels in the host's
 * VRAM equal the framebuffer where damage was declared and nothing else changes (weston's
 * damage lie); DIRT messages and rects as the host receives them; cursor bytes; the atomic
 * test's lack of side effects and its checks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "svd_fixture.h"
#include "test.h"

static void test_display_first_commit_shows_everything(void)
{
	struct fx *fx = fx_start(NULL, NULL, 0);
	REQUIRE(fx->create_ret == 0);
	fx_forget(fx);
	struct svd_fb *fb = fx_fb(fx, 1024, 768, 0, 0, 1);
	CHECK_EQ_INT(fx_show(fx, fb, 1024, 768, NULL, 0), 0);
	struct sh_log log;
	sh_take(fx->sh, &log);
	fx_check_full_repaint(&log, 1024, 768);
	sh_log_free(&log);
	CHECK(fx_vram_matches(fx, 1024, fx_screen(1024, 768), 1));
	svd_fb_unref(fb);
	fx_stop(fx);
}

/* Repaint everything in a new colour, declare two rects: exactly those change on the host. */
static void test_display_damage_lie_odd_pitch_and_offset(void)
{
	struct fx *fx = fx_start(NULL, NULL, 0);
	REQUIRE(fx->create_ret == 0);
	const uint32_t w = 640, h = 480;
	struct svd_fb *fb = fx_fb(fx, w, h, w * 4 + 13, 7, 1);
	REQUIRE(fx_show(fx, fb, w, h, NULL, 0) == 0);
	fx_forget(fx);
	CHECK(fx_vram_matches(fx, w, fx_screen(w, h), 1));

	fx_fill(fb, 2);
	const struct svd_rect clips[] = { { 10, 20, 50, 60 }, { 600, 400, 640, 480 } };
	CHECK_EQ_INT(fx_show(fx, fb, w, h, clips, 2), 0);
	struct sh_log log;
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(log.n, 1);
	CHECK_EQ_INT(sh_log_count(&log, SYNTHVID_DIRT), 1);
	struct svd_rect got[4];
	REQUIRE(fx_dirt_rects(&log, got, 4) == 2);
	CHECK(memcmp(&got[0], &clips[0], sizeof(clips[0])) == 0);
	CHECK(memcmp(&got[1], &clips[1], sizeof(clips[1])) == 0);
	sh_log_free(&log);
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			bool damaged =
				(x >= 10 && x < 50 && y >= 20 && y < 60) || (x >= 600 && y >= 400);
			uint32_t want = fx_pattern(damaged ? 2 : 1, x, y);
			if (fx_vram_pixel(fx, w, x, y) != want) {
				CHECK_MSG(false, "VRAM pixel %u,%u wrong (damaged %d)", x, y,
					damaged);
				y = h;
				break;
			}
		}
	}
	struct svd_stats st;
	svd_device_get_stats(fx->dev, &st);
	/* The commit copied the damage, not the screen: 40x40 + 40x80 pixels. */
	CHECK_EQ_INT(st.blit_bytes, (uint64_t)w * h * 4 + (1600 + 3200) * 4);
	svd_fb_unref(fb);
	fx_stop(fx);
}

static void test_display_clips_cut_to_the_mode(void)
{
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, NULL, 640, 480, 1);
	fx_fill(fb, 2);
	const struct svd_rect clips[] = { { -10, -10, 5, 5 }, { 630, 470, 700, 500 },
		{ 700, 0, 800, 10 }, { -50, 100, -1, 200 }, { 30, 30, 20, 40 } };
	CHECK_EQ_INT(fx_show(fx, fb, 640, 480, clips, ARRAY_LEN(clips)), 0);
	struct sh_log log;
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(sh_log_count(&log, SYNTHVID_DIRT), 1);
	struct svd_rect got[8];
	REQUIRE(fx_dirt_rects(&log, got, 8) == 2);
	CHECK(got[0].x1 == 0 && got[0].y1 == 0 && got[0].x2 == 5 && got[0].y2 == 5);
	CHECK(got[1].x1 == 630 && got[1].y1 == 470 && got[1].x2 == 640 && got[1].y2 == 480);
	sh_log_free(&log);
	CHECK(fx_vram_matches(fx, 640, (struct svd_rect){ 0, 0, 5, 5 }, 2));
	CHECK(fx_vram_matches(fx, 640, (struct svd_rect){ 5, 0, 640, 470 }, 1));
	svd_fb_unref(fb);
	fx_stop(fx);
}

static void test_display_source_offset(void)
{
	struct fx *fx = fx_start(NULL, NULL, 0);
	REQUIRE(fx->create_ret == 0);
	struct svd_fb *fb = fx_fb(fx, 800, 600, 0, 0, 3);
	struct svd_atomic_state st = {
		.active = true,
		.mode = { 640, 480, false },
		.primary_fb = fb,
		.src_x = 100,
		.src_y = 50,
	};
	REQUIRE(svd_atomic_commit(fx->dev, &st) == 0);
	fx_forget(fx);
	CHECK_EQ_INT(fx_vram_pixel(fx, 640, 0, 0), fx_pattern(3, 100, 50));
	CHECK_EQ_INT(fx_vram_pixel(fx, 640, 639, 479), fx_pattern(3, 739, 529));

	/* Damage in framebuffer coordinates; the part outside the source is cut. */
	fx_fill(fb, 4);
	const struct svd_rect clip = { 90, 40, 110, 60 };
	st.damage = &clip;
	st.damage_count = 1;
	REQUIRE(svd_atomic_commit(fx->dev, &st) == 0);
	struct sh_log log;
	sh_take(fx->sh, &log);
	struct svd_rect got[2];
	REQUIRE(fx_dirt_rects(&log, got, 2) == 1);
	CHECK(got[0].x1 == 0 && got[0].y1 == 0 && got[0].x2 == 10 && got[0].y2 == 10);
	sh_log_free(&log);
	CHECK_EQ_INT(fx_vram_pixel(fx, 640, 9, 9), fx_pattern(4, 109, 59));
	CHECK_EQ_INT(fx_vram_pixel(fx, 640, 10, 9), fx_pattern(3, 110, 59));
	svd_fb_unref(fb);
	fx_stop(fx);
}

/* An ARGB8888 primary plane is shown as XRGB: its bytes go to VRAM as they are. */
static void test_display_argb_primary(void)
{
	struct fx *fx = fx_start(NULL, NULL, 0);
	REQUIRE(fx->create_ret == 0);
	struct svd_fb *fb = NULL;
	REQUIRE(svd_fb_create(&fb, fx->dev, 640, 480, SVD_FORMAT_ARGB8888, 0, 0, NULL) == 0);
	fx_fill(fb, 8);
	CHECK_EQ_INT(fx_show(fx, fb, 640, 480, NULL, 0), 0);
	fx_forget(fx);
	CHECK(fx_vram_matches(fx, 640, fx_screen(640, 480), 8));
	svd_fb_unref(fb);
	fx_stop(fx);
}

static void test_display_300_clips_batched_and_covered(void)
{
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, NULL, 1024, 768, 1);
	fx_fill(fb, 2);
	struct svd_rect clips[300];
	for (size_t i = 0; i < 300; i++) {
		int32_t x = (int32_t)(i % 30) * 32, y = (int32_t)(i / 30) * 64;
		clips[i] = (struct svd_rect){ x, y, x + 8, y + 16 };
	}
	CHECK_EQ_INT(fx_show(fx, fb, 1024, 768, clips, 300), 0);
	struct sh_log log;
	sh_take(fx->sh, &log);
	size_t msgs = sh_log_count(&log, SYNTHVID_DIRT);
	CHECK(msgs >= 1 && msgs <= 2);
	for (size_t i = 0; i < msgs; i++)
		CHECK(sh_log_find(&log, SYNTHVID_DIRT, i)->msg.dirt.dirt_count <= 255);
	CHECK(fx_dirt_covers(&log, 1024, 768, clips, 300));
	sh_log_free(&log);
	for (size_t i = 0; i < 300; i++)
		CHECK(fx_vram_matches(fx, 1024, clips[i], 2));
	svd_fb_unref(fb);
	fx_stop(fx);
}

static void test_display_adjacent_cells_merge(void)
{
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, NULL, 640, 480, 1);
	struct svd_rect clips[10];
	for (int32_t i = 0; i < 10; i++)
		clips[i] = (struct svd_rect){ (9 - i) * 8, 32, (10 - i) * 8, 48 };
	CHECK_EQ_INT(fx_show(fx, fb, 640, 480, clips, 10), 0);
	struct sh_log log;
	sh_take(fx->sh, &log);
	struct svd_rect got[10];
	REQUIRE(fx_dirt_rects(&log, got, 10) == 1);
	CHECK(got[0].x1 == 0 && got[0].y1 == 32 && got[0].x2 == 80 && got[0].y2 == 48);
	sh_log_free(&log);
	svd_fb_unref(fb);
	fx_stop(fx);
}

static void test_display_one_rect_per_message_option(void)
{
	struct svd_device_options opts = { .one_rect_per_dirt = true };
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, &opts, 640, 480, 1);
	const struct svd_rect clips[] = { { 0, 0, 8, 16 }, { 300, 200, 308, 216 },
		{ 600, 400, 608, 416 } };
	CHECK_EQ_INT(fx_show(fx, fb, 640, 480, clips, 3), 0);
	struct sh_log log;
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(sh_log_count(&log, SYNTHVID_DIRT), 3);
	for (size_t i = 0; i < 3; i++) {
		const struct sh_record *r = sh_log_find(&log, SYNTHVID_DIRT, i);
		CHECK_EQ_INT(r->msg.dirt.dirt_count, 1);
		CHECK_EQ_INT(r->len, 34); /* Linux's one-rect DIRT */
	}
	CHECK(fx_dirt_covers(&log, 640, 480, clips, 3));
	sh_log_free(&log);
	svd_fb_unref(fb);
	fx_stop(fx);
}

static void test_display_damage_rules_for_new_and_same_fb(void)
{
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, NULL, 640, 480, 1);
	struct svd_fb *fb2 = fx_fb(fx, 640, 480, 0, 0, 2);
	struct sh_log log;

	/* Same fb, no clips: nothing changed, nothing sent. */
	CHECK_EQ_INT(fx_show(fx, fb, 640, 480, NULL, 0), 0);
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(log.n, 0);
	sh_log_free(&log);

	/* New fb with clips: the clips only (buffer age is the caller's business). */
	const struct svd_rect clip = { 100, 100, 120, 140 };
	CHECK_EQ_INT(fx_show(fx, fb2, 640, 480, &clip, 1), 0);
	sh_take(fx->sh, &log);
	struct svd_rect got[2];
	CHECK_EQ_INT(fx_dirt_rects(&log, got, 2), 1);
	sh_log_free(&log);
	CHECK(fx_vram_matches(fx, 640, clip, 2));
	CHECK(fx_vram_matches(fx, 640, (struct svd_rect){ 0, 0, 640, 100 }, 1));

	/* New fb without clips: everything, in one rect, and no SITUATION (same mode). */
	CHECK_EQ_INT(fx_show(fx, fb, 640, 480, NULL, 0), 0);
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(log.n, 1);
	CHECK_EQ_INT(fx_dirt_rects(&log, got, 2), 1);
	CHECK(got[0].x2 == 640 && got[0].y2 == 480);
	sh_log_free(&log);
	CHECK(fx_vram_matches(fx, 640, fx_screen(640, 480), 1));
	svd_fb_unref(fb2);
	svd_fb_unref(fb);
	fx_stop(fx);
}

/* ---- the cursor ---- */

static struct svd_fb *cursor_fb(struct fx *fx, uint32_t w, uint32_t h, uint32_t pitch)
{
	struct svd_fb *fb = NULL;
	REQUIRE(svd_fb_create(&fb, fx->dev, w, h, SVD_FORMAT_ARGB8888, pitch, 0, NULL) == 0);
	fx_fill(fb, 9);
	return fb;
}

static void test_display_cursor_shape_position_and_hide(void)
{
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, NULL, 640, 480, 1);
	struct svd_fb *cur = cursor_fb(fx, 32, 24, 200);
	struct svd_atomic_state st = {
		.active = true,
		.mode = { 640, 480, false },
		.primary_fb = fb,
		.cursor_fb = cur,
		.cursor_x = 100,
		.cursor_y = -5,
		.cursor_hot_x = 3,
		.cursor_hot_y = 4,
	};
	REQUIRE(svd_atomic_commit(fx->dev, &st) == 0);
	struct sh_log log;
	sh_take(fx->sh, &log);
	REQUIRE(log.n == 2);
	const struct sh_record *shape = &log.recs[0], *pos = &log.recs[1];
	REQUIRE(shape->msg.type == SYNTHVID_POINTER_SHAPE);
	CHECK_EQ_INT(shape->len, 34 + 32 * 24 * 4);
	static const uint8_t shape_head[] = { 0xff, 1, 32, 0, 0, 0, 24, 0, 0, 0, 3, 0, 0, 0, 4, 0,
		0, 0 };
	CHECK_MEM(shape->bytes + 16, shape_head, sizeof(shape_head));
	for (uint32_t y = 0; y < 24; y++) /* rows packed: stride 128, not the fb's 200 */
		CHECK_MEM(shape->bytes + 34 + y * 128, svd_fb_data(cur) + y * 200, 128);
	static const uint8_t pos_bytes[] = { 1, 0, 0, 0, 18, 0, 0, 0, 7, 0, 0, 0, 18, 0, 0, 0, 1, 0,
		100, 0, 0, 0, 0xfb, 0xff, 0xff, 0xff };
	CHECK(fx_record_is(pos, pos_bytes, sizeof(pos_bytes)));
	sh_log_free(&log);

	/* Moving sends the position only; a changed image the shape only. */
	st.cursor_x = 101;
	REQUIRE(svd_atomic_commit(fx->dev, &st) == 0);
	sh_take(fx->sh, &log);
	CHECK(log.n == 1 && log.recs[0].msg.type == SYNTHVID_POINTER_POSITION);
	sh_log_free(&log);
	st.cursor_changed = true;
	REQUIRE(svd_atomic_commit(fx->dev, &st) == 0);
	sh_take(fx->sh, &log);
	CHECK(log.n == 1 && log.recs[0].msg.type == SYNTHVID_POINTER_SHAPE);
	sh_log_free(&log);

	/* Hiding: exactly Linux's pair. */
	st.cursor_fb = NULL;
	REQUIRE(svd_atomic_commit(fx->dev, &st) == 0);
	sh_take(fx->sh, &log);
	REQUIRE(log.n == 2);
	CHECK(fx_record_is(&log.recs[0], fx_hide_position, sizeof(fx_hide_position)));
	CHECK(fx_record_is(&log.recs[1], fx_hide_shape, sizeof(fx_hide_shape)));
	sh_log_free(&log);
	svd_fb_unref(cur);
	svd_fb_unref(fb);
	fx_stop(fx);
}

static void test_display_cursor_limits_fail_the_test(void)
{
	struct svd_device_options opts = { .max_cursor_bytes = 16384 }; /* OpenVMM-like */
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, &opts, 640, 480, 1);
	struct svd_fb *c64 = cursor_fb(fx, 64, 64, 0), *c65 = cursor_fb(fx, 65, 64, 0);
	struct svd_fb *c96 = cursor_fb(fx, 96, 96, 0), *c97 = cursor_fb(fx, 97, 1, 0);
	struct svd_fb *xrgb = fx_fb(fx, 16, 16, 0, 0, 1);
	struct svd_atomic_state st = {
		.active = true, .mode = { 640, 480, false }, .primary_fb = fb, .cursor_fb = c64
	};
	CHECK_EQ_INT(svd_atomic_test(fx->dev, &st), 0);
	st.cursor_fb = c65;
	CHECK_EQ_INT(svd_atomic_test(fx->dev, &st), -EINVAL);
	CHECK_EQ_INT(svd_atomic_commit(fx->dev, &st), -EINVAL);
	st.cursor_fb = c96;
	CHECK_EQ_INT(svd_atomic_test(fx->dev, &st), -EINVAL);
	st.cursor_fb = xrgb;
	CHECK_EQ_INT(svd_atomic_test(fx->dev, &st), -EINVAL);
	st.cursor_fb = c64;
	st.cursor_hot_x = 64;
	CHECK_EQ_INT(svd_atomic_test(fx->dev, &st), -EINVAL);
	struct sh_log log;
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(log.n, 0);
	sh_log_free(&log);
	struct svd_fb *all[] = { c64, c65, c96, c97, xrgb, fb };
	svd_device_destroy(fx->dev);
	fx->dev = NULL;

	/* The default limit takes every 96x96 cursor, and no more. */
	REQUIRE(svd_device_create(&fx->dev, fx->bus, NULL) == 0);
	struct svd_fb *fb2 = fx_fb(fx, 640, 480, 0, 0, 1);
	struct svd_fb *big = cursor_fb(fx, 96, 96, 0), *wide = cursor_fb(fx, 97, 1, 0);
	st = (struct svd_atomic_state){
		.active = true, .mode = { 640, 480, false }, .primary_fb = fb2, .cursor_fb = big
	};
	CHECK_EQ_INT(svd_atomic_commit(fx->dev, &st), 0);
	st.cursor_fb = wide;
	CHECK_EQ_INT(svd_atomic_test(fx->dev, &st), -EINVAL);
	sh_take(fx->sh, &log);
	const struct sh_record *shape = sh_log_find(&log, SYNTHVID_POINTER_SHAPE, 0);
	CHECK(shape && shape->len == 34 + 96 * 96 * 4);
	sh_log_free(&log);
	for (size_t i = 0; i < ARRAY_LEN(all); i++)
		svd_fb_unref(all[i]);
	svd_fb_unref(big);
	svd_fb_unref(wide);
	svd_fb_unref(fb2);
	fx_stop(fx);
}

/* ---- the atomic test ---- */

/* Bytes of every message after bring-up, and the VRAM, for one way of committing. */
static void run_commit(bool test_first, struct sh_log *log, uint8_t *vram_copy, size_t vram_len)
{
	struct fx *fx = fx_start(NULL, NULL, 0);
	REQUIRE(fx->create_ret == 0);
	fx_forget(fx);
	struct svd_fb *fb = fx_fb(fx, 800, 600, 0, 0, 5);
	const struct svd_rect clip = { 5, 5, 50, 50 };
	struct svd_atomic_state st = {
		.active = true, .mode = { 800, 600, false }, .primary_fb = fb
	};
	struct svd_stats before, after;
	svd_device_get_stats(fx->dev, &before);
	if (test_first) {
		CHECK_EQ_INT(svd_atomic_test(fx->dev, &st), 0);
		svd_device_get_stats(fx->dev, &after);
		CHECK(memcmp(&before, &after, sizeof(before)) == 0);
		struct sh_log none;
		sh_take(fx->sh, &none);
		CHECK_EQ_INT(none.n, 0);
		sh_log_free(&none);
		size_t size;
		const uint8_t *vram = sh_vram(fx->sh, &size);
		for (size_t i = 0; i < size; i += 4096)
			CHECK_MSG(vram[i] == 0, "VRAM written by a test at %zu", i);
	}
	CHECK_EQ_INT(svd_atomic_commit(fx->dev, &st), 0);
	fx_fill(fb, 6);
	st.damage = &clip;
	st.damage_count = 1;
	if (test_first)
		CHECK_EQ_INT(svd_atomic_test(fx->dev, &st), 0);
	CHECK_EQ_INT(svd_atomic_commit(fx->dev, &st), 0);
	sh_take(fx->sh, log);
	memcpy(vram_copy, sh_vram(fx->sh, NULL), vram_len);
	svd_fb_unref(fb);
	fx_stop(fx);
}

static void test_display_atomic_test_has_no_side_effects(void)
{
	size_t len = 800 * 600 * 4;
	uint8_t *va = malloc(len), *vb = malloc(len);
	REQUIRE(va && vb);
	struct sh_log a, b;
	run_commit(true, &a, va, len);
	run_commit(false, &b, vb, len);
	CHECK_EQ_INT(a.n, b.n);
	for (size_t i = 0; i < a.n && i < b.n; i++) {
		CHECK_MSG(a.recs[i].len == b.recs[i].len &&
				memcmp(a.recs[i].bytes, b.recs[i].bytes, a.recs[i].len) == 0,
			"message %zu differs", i);
	}
	CHECK(memcmp(va, vb, len) == 0);
	sh_log_free(&a);
	sh_log_free(&b);
	free(va);
	free(vb);
}

static void test_display_atomic_rejects_bad_states(void)
{
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, NULL, 640, 480, 1);
	struct svd_fb *small = fx_fb(fx, 320, 200, 0, 0, 1);
	struct svd_fb *huge = fx_fb(fx, 4000, 100, 0, 0, 1);
	const struct {
		const char *name;
		struct svd_atomic_state st;
		int expect;
	} cases[] = {
		{ "active without fb", { .active = true, .mode = { 640, 480, false } }, -EINVAL },
		{ "fb smaller than the mode",
			{ .active = true, .mode = { 640, 480, false }, .primary_fb = small },
			-EINVAL },
		{ "source past the fb",
			{ .active = true,
				.mode = { 640, 480, false },
				.primary_fb = fb,
				.src_x = 1 },
			-EINVAL },
		{ "zero mode", { .active = true, .mode = { 0, 480, false }, .primary_fb = fb },
			-EINVAL },
		{ "wider than the host offers",
			{ .active = true, .mode = { 4000, 100, false }, .primary_fb = huge },
			-ERANGE },
		{ "inactive with an fb", { .active = false, .primary_fb = fb }, -EINVAL },
		{ "damage count without clips",
			{ .active = true,
				.mode = { 640, 480, false },
				.primary_fb = fb,
				.damage_count = 1 },
			-EINVAL },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int ret = svd_atomic_commit(fx->dev, &cases[i].st);
		CHECK_MSG(ret == cases[i].expect, "%s: %d, expected %d", cases[i].name, ret,
			cases[i].expect);
	}
	/* Nothing above reached the host, and the shown state is unchanged. */
	struct sh_log log;
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(log.n, 0);
	sh_log_free(&log);
	struct svd_atomic_state same = {
		.active = true, .mode = { 640, 480, false }, .primary_fb = fb
	};
	CHECK_EQ_INT(svd_atomic_commit(fx->dev, &same), 0);
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(log.n, 0);
	sh_log_free(&log);
	svd_fb_unref(huge);
	svd_fb_unref(small);
	svd_fb_unref(fb);
	fx_stop(fx);
}

/* Within the host's largest width and height, yet over VRAM: mode_valid() says -ENOSPC. */
static void test_display_mode_over_vram(void)
{
	static const struct synthvid_resolution modes[] = { { 1600, 600 }, { 640, 1200 } };
	struct sh_config cfg = { .modes = modes, .n_modes = 2, .mmio_megabytes = 4 };
	struct fx *fx = fx_start(&cfg, NULL, 0);
	REQUIRE(fx->create_ret == 0);
	struct svd_connector *conn = svd_device_get_connector(fx->dev);
	CHECK_EQ_INT(svd_connector_mode_count(conn), 2);
	CHECK_EQ_INT(svd_connector_mode_valid(conn, 1600, 1200), -ENOSPC);
	struct svd_fb *fb = fx_fb(fx, 1600, 1200, 0, 0, 1);
	struct svd_atomic_state st = {
		.active = true, .mode = { 1600, 1200, false }, .primary_fb = fb
	};
	CHECK_EQ_INT(svd_atomic_test(fx->dev, &st), -ENOSPC);
	st.mode = (struct svd_mode){ 1600, 600, false };
	CHECK_EQ_INT(svd_atomic_commit(fx->dev, &st), 0);
	svd_fb_unref(fb);
	fx_stop(fx);
}

static void test_display_inactive_sends_nothing(void)
{
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, NULL, 640, 480, 1);
	struct svd_atomic_state off = { 0 };
	CHECK_EQ_INT(svd_atomic_commit(fx->dev, &off), 0);
	struct sh_log log;
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(log.n, 0);
	sh_log_free(&log);
	/* Back on: a modeset, so everything again. */
	CHECK_EQ_INT(fx_show(fx, fb, 640, 480, NULL, 0), 0);
	sh_take(fx->sh, &log);
	fx_check_full_repaint(&log, 640, 480);
	sh_log_free(&log);
	svd_fb_unref(fb);
	fx_stop(fx);
}

static const struct test_case cases[] = {
	TEST_CASE(test_display_first_commit_shows_everything),
	TEST_CASE(test_display_damage_lie_odd_pitch_and_offset),
	TEST_CASE(test_display_clips_cut_to_the_mode),
	TEST_CASE(test_display_source_offset),
	TEST_CASE(test_display_argb_primary),
	TEST_CASE(test_display_300_clips_batched_and_covered),
	TEST_CASE(test_display_adjacent_cells_merge),
	TEST_CASE(test_display_one_rect_per_message_option),
	TEST_CASE(test_display_damage_rules_for_new_and_same_fb),
	TEST_CASE(test_display_cursor_shape_position_and_hide),
	TEST_CASE(test_display_cursor_limits_fail_the_test),
	TEST_CASE(test_display_atomic_test_has_no_side_effects),
	TEST_CASE(test_display_atomic_rejects_bad_states),
	TEST_CASE(test_display_mode_over_vram),
	TEST_CASE(test_display_inactive_sends_nothing),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
