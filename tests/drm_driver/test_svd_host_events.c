/*
 * svd against a host that changes its mind: FEATURE_CHANGE (and floods of it), garbage, a full
 * ring, a rescind, a lost host, a new host with other modes. Each time the host's screen ends up
 * showing the current state, in full when the host needs it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "svd_fixture.h"
#include "test.h"

/* ---- the host's FEATURE_CHANGE ---- */

static void test_events_feature_change_dirt_off_then_on(void)
{
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, NULL, 640, 480, 1);
	sh_feature(fx->sh, false, true, true, true);
	fx_dispatch(fx);
	fx_fill(fb, 2);
	const struct svd_rect clip = { 0, 0, 64, 64 };
	CHECK_EQ_INT(fx_show(fx, fb, 640, 480, &clip, 1), 0);
	struct sh_log log;
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(log.n, 0); /* no DIRT while the host does not want it ... */
	sh_log_free(&log);
	CHECK(fx_vram_matches(fx, 640, clip, 2)); /* ... but VRAM is kept current */

	sh_feature(fx->sh, true, true, true, true);
	fx_dispatch(fx);
	sh_take(fx->sh, &log);
	fx_check_full_repaint(&log, 640, 480);
	sh_log_free(&log);
	struct svd_stats st;
	svd_device_get_stats(fx->dev, &st);
	CHECK_EQ_INT(st.full_repaints, 1);
	svd_fb_unref(fb);
	fx_stop(fx);
}

static void test_events_feature_change_situation_and_pointer_rises(void)
{
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, NULL, 640, 480, 1);
	struct sh_log log;
	sh_feature(fx->sh, true, true, false, false);
	fx_dispatch(fx);
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(log.n, 0);
	sh_log_free(&log);
	sh_feature(fx->sh, true, true, false, true); /* situation needed again: everything */
	fx_dispatch(fx);
	sh_take(fx->sh, &log);
	fx_check_full_repaint(&log, 640, 480);
	sh_log_free(&log);
	sh_feature(fx->sh, true, true, true, true); /* the shape only */
	fx_dispatch(fx);
	sh_take(fx->sh, &log);
	REQUIRE(log.n == 1);
	CHECK(fx_record_is(&log.recs[0], fx_hide_shape, sizeof(fx_hide_shape)));
	sh_log_free(&log);
	/* Already needed: nothing to resend. */
	sh_feature(fx->sh, true, true, true, true);
	fx_dispatch(fx);
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(log.n, 0);
	sh_log_free(&log);
	svd_fb_unref(fb);
	fx_stop(fx);
}

struct flood {
	int n;
};

static void send_flood(struct sh *sh, void *data)
{
	struct flood *f = data;
	for (int i = 0; i < f->n; i++)
		sh_send_feature(sh, i % 2, true, true, true);
}

static void test_events_feature_change_flood(void)
{
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, NULL, 640, 480, 1);
	struct flood f = { 1000 }; /* ends with dirt needed */
	sh_call(fx->sh, send_flood, &f);
	fx_dispatch(fx);
	struct sh_log log;
	sh_take(fx->sh, &log);
	CHECK(sh_log_count(&log, SYNTHVID_SITUATION_UPDATE) <= 1);
	CHECK(sh_log_count(&log, SYNTHVID_DIRT) <= 1);
	CHECK(log.n <= 4);
	sh_log_free(&log);
	struct svd_stats st;
	svd_device_get_stats(fx->dev, &st);
	CHECK(st.feature_changes >= 1000);
	CHECK(st.full_repaints <= 1);
	/* Still working: damage goes out as DIRT. */
	const struct svd_rect clip = { 1, 1, 2, 2 };
	CHECK_EQ_INT(fx_show(fx, fb, 640, 480, &clip, 1), 0);
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(sh_log_count(&log, SYNTHVID_DIRT), 1);
	sh_log_free(&log);
	svd_fb_unref(fb);
	fx_stop(fx);
}

/* Seeded garbage from the host: random bytes, then real headers over random bodies of every
 * host type and length. Nothing crashes, everything is counted, and the display still works. */
static void send_garbage(struct sh *sh, void *data)
{
	uint32_t st = *(uint32_t *)data;
	uint8_t buf[600];
	for (int i = 0; i < 300; i++) { /* ~100 KiB: the ring never fills */
		size_t len = 0;
		for (; len < sizeof(buf); len++) {
			st = st * 1664525u + 1013904223u;
			buf[len] = (uint8_t)(st >> 24);
		}
		st = st * 1664525u + 1013904223u;
		len = (st >> 8) % sizeof(buf);
		if (i % 2 && len >= 16) {
			static const uint32_t types[] = { 2, 4, 6, 9, 12, 14, 16, 0, 99 };
			uint32_t pipe_size = (uint32_t)len - 8, type = types[(st >> 4) % 9];
			uint32_t hdr[4] = { 1, pipe_size, type, pipe_size - 8 };
			memcpy(buf, hdr, sizeof(hdr));
			if (type == 9) /* keep dirt wanted most of the time */
				buf[16] |= (uint8_t)(i % 7 != 0);
		}
		sh_send_raw(sh, buf, len);
	}
	sh_send_feature(sh, true, true, true, true);
}

static void test_events_hostile_host_garbage(void)
{
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, NULL, 640, 480, 1);
	uint32_t seed = 0x600dcafeu;
	NOTE("seed 0x%08x", seed);
	struct svd_stats before, after;
	svd_device_get_stats(fx->dev, &before);
	/* In rounds, so the host's ring never fills while the guest does not read. */
	for (int round = 0; round < 8; round++) {
		uint32_t s = seed + (uint32_t)round;
		sh_call(fx->sh, send_garbage, &s);
		svd_device_dispatch(fx->dev);
	}
	svd_device_get_stats(fx->dev, &after);
	CHECK(after.rx_rejected > before.rx_rejected);
	CHECK(svd_device_is_connected(fx->dev));
	fx_forget(fx);
	fx_fill(fb, 2);
	const struct svd_rect clip = { 0, 0, 16, 16 };
	CHECK_EQ_INT(fx_show(fx, fb, 640, 480, &clip, 1), 0);
	struct sh_log log;
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(sh_log_count(&log, SYNTHVID_DIRT), 1);
	sh_log_free(&log);
	CHECK(fx_vram_matches(fx, 640, clip, 2));
	svd_fb_unref(fb);
	fx_stop(fx);
}

/* ---- a slow host ---- */

static void test_events_full_ring_coalesces_dirt(void)
{
	struct svd_device_options opts = { .one_rect_per_dirt = true };
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, &opts, 1024, 768, 1);
	sh_set_paused(fx->sh, true);
	enum { MAX_COMMITS = 400, CELLS = 40 };
	static struct svd_rect all[MAX_COMMITS * CELLS];
	size_t n_all = 0, commits = 0;
	struct svd_stats st = { 0 };
	while (commits < MAX_COMMITS && st.ring_full < 3) {
		struct svd_rect clips[CELLS];
		for (size_t i = 0; i < CELLS; i++) {
			int32_t x = (int32_t)((commits * 7 + i * 131) % 120) * 8;
			int32_t y = (int32_t)((commits * 3 + i * 17) % 45) * 16;
			clips[i] = all[n_all++] = (struct svd_rect){ x, y, x + 8, y + 16 };
		}
		REQUIRE(fx_show(fx, fb, 1024, 768, clips, CELLS) == 0);
		commits++;
		svd_device_get_stats(fx->dev, &st);
	}
	CHECK(st.ring_full >= 1);
	NOTE("%zu commits filled the ring", commits);
	sh_set_paused(fx->sh, false);
	struct sh_log first, rest;
	sh_take(fx->sh, &first);
	fx_dispatch(fx); /* the host freed space: what waited goes out */
	sh_take(fx->sh, &rest);
	struct sh_log both = { calloc(first.n + rest.n, sizeof(struct sh_record)), 0 };
	REQUIRE(both.recs);
	memcpy(both.recs, first.recs, first.n * sizeof(struct sh_record));
	memcpy(both.recs + first.n, rest.recs, rest.n * sizeof(struct sh_record));
	both.n = first.n + rest.n;
	CHECK(rest.n > 0);
	CHECK(fx_dirt_covers(&both, 1024, 768, all, n_all));
	free(both.recs);
	sh_log_free(&first);
	sh_log_free(&rest);
	svd_fb_unref(fb);
	fx_stop(fx);
}

/* ---- reconnects ---- */

static void zero_vram(struct sh *sh, void *data)
{
	size_t size;
	uint8_t *vram = (uint8_t *)sh_vram(sh, &size);
	memset(vram, 0, size);
}

static void test_events_rescind_reoffer_repaints_fully(void)
{
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, NULL, 800, 600, 1);
	sh_rescind_reoffer(fx->sh);
	sh_call(fx->sh, zero_vram, NULL);
	CHECK_EQ_INT(fx_pump_bus(fx), 0); /* the rescind */
	CHECK(!svd_device_is_connected(fx->dev));
	/* A commit while the channel is down is kept, and shown once it is back. */
	fx_fill(fb, 2);
	CHECK_EQ_INT(fx_show(fx, fb, 800, 600, NULL, 0), 0);
	/* The new offer follows our RELID_RELEASED; dispatch brings the channel up again. */
	for (int i = 0; i < 10 && !svd_device_is_connected(fx->dev); i++) {
		CHECK_EQ_INT(svd_device_dispatch(fx->dev), 0);
		if (!svd_device_is_connected(fx->dev))
			CHECK_EQ_INT(fx_pump_bus(fx), 0);
	}
	CHECK(svd_device_is_connected(fx->dev));
	struct sh_log log;
	sh_take(fx->sh, &log);
	REQUIRE(log.n == 7);
	CHECK_EQ_INT(log.recs[0].msg.type, SYNTHVID_VERSION_REQUEST);
	CHECK_EQ_INT(log.recs[1].msg.type, SYNTHVID_RESOLUTION_REQUEST);
	CHECK_EQ_INT(log.recs[2].msg.type, SYNTHVID_VRAM_LOCATION);
	struct sh_log repaint = { log.recs + 3, 4 };
	fx_check_full_repaint(&repaint, 800, 600);
	sh_log_free(&log);
	CHECK(fx_vram_matches(fx, 800, fx_screen(800, 600), 2));
	struct svd_stats st;
	svd_device_get_stats(fx->dev, &st);
	CHECK_EQ_INT(st.reconnects, 1);
	svd_fb_unref(fb);
	fx_stop(fx);
}

static void test_events_lost_host_reattach_repaints_fully(void)
{
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, NULL, 800, 600, 1);
	sh_disconnect(fx->sh);
	CHECK_EQ_INT(fx_pump_bus(fx), -ENOTCONN);
	CHECK_EQ_INT(svd_device_dispatch(fx->dev), -ENOTCONN);
	fx_fill(fb, 3);
	const struct svd_rect clip = { 0, 0, 10, 10 };
	CHECK_EQ_INT(fx_show(fx, fb, 800, 600, &clip, 1), 0);

	/* The device left the dead bus by itself: it may go first. */
	vmb_bus_destroy(fx->bus);
	fx->bus = NULL;
	REQUIRE(sh_connect(fx->sh, 0, &fx->bus) == 0);
	CHECK_EQ_INT(svd_device_attach(fx->dev, fx->bus), 0);
	CHECK(svd_device_is_connected(fx->dev));
	struct sh_log log;
	sh_take(fx->sh, &log);
	REQUIRE(log.n == 7);
	struct sh_log repaint = { log.recs + 3, 4 };
	fx_check_full_repaint(&repaint, 800, 600);
	sh_log_free(&log);
	CHECK(fx_vram_matches(fx, 800, fx_screen(800, 600), 3));
	svd_fb_unref(fb);
	fx_stop(fx);
}

static void count_call(void *data)
{
	(*(int *)data)++;
}

/* A new host offering other modes: the caller hears of it, and a mode the new host cannot show
 * is not sent to it. */
static void test_events_new_host_with_other_modes(void)
{
	int calls = 0;
	struct svd_device_options opts = { .modes_changed = count_call, .data = &calls };
	struct fx *fx;
	struct svd_fb *fb = fx_start_showing(&fx, &opts, 800, 600, 1);
	sh_disconnect(fx->sh);
	CHECK_EQ_INT(fx_pump_bus(fx), -ENOTCONN);
	vmb_bus_destroy(fx->bus);
	fx->bus = NULL;

	static const struct synthvid_resolution small[] = { { 640, 480 } };
	struct sh_config cfg = { .modes = small, .n_modes = 1 };
	struct sh *sh2 = sh_start(&cfg);
	struct vmb_bus *bus2 = NULL;
	REQUIRE(sh_connect(sh2, 0, &bus2) == 0);
	CHECK_EQ_INT(svd_device_attach(fx->dev, bus2), 0);
	CHECK_EQ_INT(calls, 1);
	CHECK_EQ_INT(svd_connector_mode_count(svd_device_get_connector(fx->dev)), 1);
	struct sh_log log;
	sh_take(sh2, &log);
	CHECK_EQ_INT(log.n, 3); /* bring-up only: 800x600 does not fit this host */
	CHECK_EQ_INT(sh_log_count(&log, SYNTHVID_SITUATION_UPDATE), 0);
	sh_log_free(&log);
	struct svd_fb *fb2 = fx_fb(fx, 640, 480, 0, 0, 2);
	CHECK_EQ_INT(fx_show(fx, fb2, 640, 480, NULL, 0), 0);
	sh_take(sh2, &log);
	fx_check_full_repaint(&log, 640, 480);
	sh_log_free(&log);

	svd_fb_unref(fb2);
	svd_fb_unref(fb);
	svd_device_destroy(fx->dev);
	fx->dev = NULL;
	vmb_bus_destroy(bus2);
	sh_stop(sh2);
	fx_stop(fx);
}

static const struct test_case cases[] = {
	TEST_CASE(test_events_feature_change_dirt_off_then_on),
	TEST_CASE(test_events_feature_change_situation_and_pointer_rises),
	TEST_CASE(test_events_feature_change_flood),
	TEST_CASE(test_events_hostile_host_garbage),
	TEST_CASE(test_events_full_ring_coalesces_dirt),
	TEST_CASE(test_events_rescind_reoffer_repaints_fully),
	TEST_CASE(test_events_lost_host_reattach_repaints_fully),
	TEST_CASE(test_events_new_host_with_other_modes),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
