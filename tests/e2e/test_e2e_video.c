/*
 * End to end: the real guest driver (lib svd) against the real hvhost over the emulated VMBus,
 * judged by hvhost's screenshots read back pixel by pixel. What a person looking at the VM
 * window would see: the guest's exact pixels at every mode and framebuffer layout, only the
 * damage the guest declared (weston's "lie about damage"), a stale picture while the host asks
 * for no DIRT, and the whole picture again after a FEATURE_CHANGE, a rescind or a reconnect.
 *
 * Synchronisation is the monitor's `wait dirt` with `since`, counted from the driver's own
 * statistics; while a wait is pending the driver keeps being dispatched, so nothing here can
 * deadlock on a full ring and nothing sleeps.
 */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "hvhost_harness.h"
#include "macros.h"
#include "png_read.h"
#include "svd.h"
#include "synthvid.h"
#include "test.h"
#include "vmb.h"

struct e2e {
	struct hvhost_harness *h;
	struct hvhost_conn *mon; // waits, answered while the driver is dispatched
	struct vmb_bus *bus;
	struct svd_device *dev;
};

/* ---- plumbing ---- */

static struct json_object *path(struct json_object *obj, const char *key1, const char *key2)
{
	struct json_object *v = NULL;
	if (!obj || !json_object_object_get_ex(obj, key1, &v))
		return NULL;
	if (key2 && (!v || !json_object_object_get_ex(v, key2, &v)))
		return NULL;
	return v;
}

static int64_t host_stat(struct e2e *e, const char *key1, const char *key2, const char *key3)
{
	struct json_object *stats = hvhost_harness_cmd(e->h, "{\"cmd\":\"stats\"}");
	struct json_object *v = path(stats, key1, key2);
	if (key3)
		v = path(v, key3, NULL);
	int64_t n = v ? json_object_get_int64(v) : -1;
	json_object_put(stats);
	return n;
}

static int64_t host_rx_dirt(struct e2e *e)
{
	return host_stat(e, "video", "rx", "DIRT");
}

static struct vmb_bus *connect_bus(struct e2e *e)
{
	const struct vmb_bus_options opts = {
		.socket_path = hvhost_harness_vmbus_path(e->h),
		.timeout_ms = HVHOST_HARNESS_TIMEOUT_MS,
	};
	struct vmb_bus *bus = NULL;
	int ret = vmb_bus_connect_emu(&bus, &opts);
	CHECK_MSG(ret == 0, "vmb_bus_connect_emu: %s", strerror(-ret));
	return bus;
}

static void start(struct e2e *e, const char *const *args)
{
	*e = (struct e2e){ 0 };
	int ret = hvhost_harness_start(&e->h, args);
	if (ret == -ENOENT)
		SKIP("HVHOST is not set (run through meson test)");
	REQUIRE(ret == 0);
	e->mon = hvhost_harness_connect(e->h);
	REQUIRE(e->mon);
	e->bus = connect_bus(e);
	REQUIRE(e->bus);
	const struct svd_device_options opts = { .timeout_ms = HVHOST_HARNESS_TIMEOUT_MS };
	ret = svd_device_create(&e->dev, e->bus, &opts);
	CHECK_MSG(ret == 0, "svd_device_create: %s", strerror(-ret));
	REQUIRE(ret == 0);
}

static void finish(struct e2e *e)
{
	svd_device_destroy(e->dev);
	vmb_bus_destroy(e->bus);
	CHECK_EQ_INT(hvhost_harness_stop(e->h), 0);
	hvhost_harness_destroy(e->h);
}

/* Sends a monitor request and dispatches the bus and the driver until its reply comes. */
static struct json_object *pumped_cmd(struct e2e *e, const char *line)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s\n", line);
	if (hvhost_conn_send(e->mon, buf, (size_t)n) < 0)
		return NULL;
	for (;;) {
		struct pollfd fds[3] = {
			{ .fd = hvhost_conn_fd(e->mon), .events = POLLIN },
			{ .fd = e->bus ? vmb_bus_get_fd(e->bus) : -1, .events = POLLIN },
			{ .fd = svd_device_get_fd(e->dev), .events = POLLIN },
		};
		if (poll(fds, 3, HVHOST_HARNESS_TIMEOUT_MS) <= 0) {
			NOTE("no reply to %s", line);
			return NULL;
		}
		if (fds[1].revents)
			vmb_bus_dispatch(e->bus);
		if (fds[2].revents)
			svd_device_dispatch(e->dev);
		if (fds[0].revents)
			return hvhost_conn_read(e->mon);
	}
}

static bool pumped_ok(struct e2e *e, const char *line)
{
	struct json_object *r = pumped_cmd(e, line);
	struct json_object *ok = path(r, "ok", NULL);
	bool good = ok && json_object_get_boolean(ok);
	if (!good)
		NOTE("%s -> %s", line, r ? json_object_to_json_string(r) : "(none)");
	json_object_put(r);
	return good;
}

static uint64_t svd_dirt_sent(struct e2e *e)
{
	struct svd_stats st;
	svd_device_get_stats(e->dev, &st);
	return st.tx_dirt_messages;
}

/*
 * Waits until the host has handled every DIRT the driver sent since the host had host_base
 * and the driver svd_base. Sends the driver still had pending go out during the wait, so it
 * repeats until a wait ends with nothing new sent.
 */
static bool settle(struct e2e *e, int64_t host_base, uint64_t svd_base)
{
	for (;;) {
		uint64_t sent = svd_dirt_sent(e);
		int64_t want = host_base + (int64_t)(sent - svd_base);
		if (want > host_base) {
			char line[128];
			snprintf(line, sizeof(line),
				"{\"cmd\":\"wait\",\"what\":\"dirt\",\"since\":%lld}",
				(long long)want - 1);
			if (!pumped_ok(e, line))
				return false;
		}
		if (svd_dirt_sent(e) == sent)
			return true;
	}
}

/* Commits and waits until the host has handled what the commit sent. */
static int commit_shown(struct e2e *e, const struct svd_atomic_state *st)
{
	int64_t host_base = host_rx_dirt(e);
	uint64_t svd_base = svd_dirt_sent(e);
	int ret = svd_atomic_commit(e->dev, st);
	if (ret < 0) {
		NOTE("commit: %s", strerror(-ret));
		return ret;
	}
	return settle(e, host_base, svd_base) ? 0 : -ETIMEDOUT;
}

/* ---- pictures ---- */

static uint32_t pattern(uint32_t seed, uint32_t x, uint32_t y)
{
	uint32_t v = seed * 0x9e3779b9u ^ x * 0x85ebca6bu ^ y * 0xc2b2ae35u;
	v ^= v >> 15;
	v *= 0x2c1b3c6du;
	v ^= v >> 12;
	return v & 0xffffff;
}

static void paint(struct svd_fb *fb, uint32_t seed)
{
	uint8_t *data = svd_fb_data(fb);
	for (uint32_t y = 0; y < svd_fb_height(fb); y++) {
		for (uint32_t x = 0; x < svd_fb_width(fb); x++) {
			uint8_t *p = data + (size_t)y * svd_fb_pitch(fb) + x * 4u;
			uint32_t c = pattern(seed, x, y);
			p[0] = (uint8_t)c;
			p[1] = (uint8_t)(c >> 8);
			p[2] = (uint8_t)(c >> 16);
			p[3] = 0x5a;
		}
	}
}

/* The host shows seed `inside` in r (NULL: nowhere) and `outside` elsewhere. */
static bool shows(struct e2e *e, uint32_t w, uint32_t h, const struct svd_rect *r, uint32_t inside,
	uint32_t outside)
{
	char file[256], line[400];
	snprintf(file, sizeof(file), "%s", hvhost_harness_path(e->h, "screen.png"));
	snprintf(line, sizeof(line), "{\"cmd\":\"screenshot\",\"path\":\"%s\",\"cursor\":false}",
		file);
	struct png_image_rgb img;
	if (!pumped_ok(e, line) || png_read_rgb(file, &img) < 0)
		return false;
	bool ok = img.width == w && img.height == h;
	if (!ok)
		NOTE("screenshot is %ux%u, expected %ux%u", img.width, img.height, w, h);
	uint64_t bad = 0;
	for (uint32_t y = 0; ok && y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			bool in = r && (int32_t)x >= r->x1 && (int32_t)x < r->x2 &&
				(int32_t)y >= r->y1 && (int32_t)y < r->y2;
			uint32_t want = pattern(in ? inside : outside, x, y);
			uint32_t got = png_image_rgb_at(&img, x, y);
			if (got != want && bad++ < 4)
				NOTE("(%u,%u) is %06x, expected %06x", x, y, got, want);
		}
	}
	if (bad)
		NOTE("%llu pixels differ", (unsigned long long)bad);
	png_image_rgb_free(&img);
	return ok && bad == 0;
}

static struct svd_atomic_state state_for(struct svd_fb *fb, const struct svd_rect *damage, size_t n)
{
	return (struct svd_atomic_state){
		.active = true,
		.mode = { svd_fb_width(fb), svd_fb_height(fb), false },
		.primary_fb = fb,
		.damage = damage,
		.damage_count = n,
	};
}

/* A fresh framebuffer of the mode, painted with seed and shown whole. */
static struct svd_fb *show_full(
	struct e2e *e, uint32_t w, uint32_t h, uint32_t pitch, size_t offset, uint32_t seed)
{
	struct svd_fb *fb = NULL;
	int ret = svd_fb_create(&fb, e->dev, w, h, SVD_FORMAT_XRGB8888, pitch, offset, NULL);
	CHECK_MSG(ret == 0, "svd_fb_create %ux%u pitch %u: %s", w, h, pitch, strerror(-ret));
	if (ret < 0)
		return NULL;
	paint(fb, seed);
	const struct svd_atomic_state st = state_for(fb, NULL, 0);
	CHECK_EQ_INT(commit_shown(e, &st), 0);
	return fb;
}

/* ---- cases ---- */

static void test_known_patterns_at_several_modes_and_pitches(void)
{
	struct e2e e;
	start(&e, (const char *[]){ "--modes", "1024x768,640x480,333x217,1280x720,800x600", NULL });
	static const struct {
		uint32_t w, h;
		uint32_t extra_pitch; // bytes beyond w * 4, odd ones included
		size_t offset;        // of pixel (0, 0) in the framebuffer's memory
	} cases[] = {
		{ 1024, 768, 0, 0 },
		{ 640, 480, 4, 0 },
		{ 333, 217, 7, 3 },
		{ 1280, 720, 60, 64 },
		{ 800, 600, 1, 0 },
		{ 333, 217, 0, 0 },
	};
	for (uint32_t i = 0; i < ARRAY_LEN(cases); i++) {
		uint32_t w = cases[i].w, h = cases[i].h, pitch = w * 4 + cases[i].extra_pitch;
		struct svd_fb *fb = show_full(&e, w, h, pitch, cases[i].offset, 100 + i);
		if (!fb)
			continue;
		CHECK_MSG(shows(&e, w, h, NULL, 0, 100 + i), "%ux%u pitch %u", w, h, pitch);
		CHECK_EQ_INT(host_stat(&e, "mode", "width", NULL), w);
		CHECK_EQ_INT(host_stat(&e, "mode", "height", NULL), h);
		svd_fb_unref(fb);
	}
	CHECK_EQ_INT(host_stat(&e, "video", "rejects_total", NULL), 0);
	finish(&e);
}

static void test_only_declared_damage_changes_the_screen(void)
{
	struct e2e e;
	start(&e, NULL);
	struct svd_fb *fb = show_full(&e, 1024, 768, 0, 0, 1);
	REQUIRE(fb);
	REQUIRE(shows(&e, 1024, 768, NULL, 0, 1));
	/* weston's damage lie: everything repainted, one small rect declared. */
	paint(fb, 2);
	const struct svd_rect lie = { 300, 200, 317, 211 };
	struct svd_atomic_state st = state_for(fb, &lie, 1);
	REQUIRE(commit_shown(&e, &st) == 0);
	CHECK(shows(&e, 1024, 768, &lie, 2, 1));
	CHECK_EQ_INT(host_stat(&e, "video", "dirt_pixels", NULL), 1024 * 768 + 17 * 11);
	svd_fb_unref(fb);
	finish(&e);
}

static void test_no_dirt_leaves_the_picture_stale_until_dirt_is_needed_again(void)
{
	struct e2e e;
	start(&e, NULL);
	struct svd_fb *fb = show_full(&e, 800, 600, 0, 0, 3);
	REQUIRE(fb);
	struct svd_stats before, after;
	svd_device_get_stats(e.dev, &before);
	REQUIRE(pumped_ok(&e, "{\"cmd\":\"feature\",\"dirt\":false}"));
	/* The reply came once the FEATURE_CHANGE was in the guest's ring and signalled, so one
	 * dispatch (if the wait's did not already) reads it. */
	REQUIRE(svd_device_dispatch(e.dev) == 0);
	svd_device_get_stats(e.dev, &after);
	REQUIRE(after.feature_changes == before.feature_changes + 1);
	/* Repainted and committed in full: VRAM has it, the host was told nothing. */
	paint(fb, 4);
	const struct svd_rect all = { 0, 0, 800, 600 };
	struct svd_atomic_state st = state_for(fb, &all, 1);
	REQUIRE(svd_atomic_commit(e.dev, &st) == 0);
	svd_device_get_stats(e.dev, &after);
	CHECK_EQ_INT(after.tx_dirt_messages, before.tx_dirt_messages);
	CHECK(shows(&e, 800, 600, NULL, 0, 3));
	/* Dirt needed again: the driver repaints in full without a new commit. */
	int64_t host_base = host_rx_dirt(&e);
	uint64_t svd_base = svd_dirt_sent(&e);
	REQUIRE(pumped_ok(&e, "{\"cmd\":\"feature\"}"));
	char line[128];
	snprintf(line, sizeof(line), "{\"cmd\":\"wait\",\"what\":\"dirt\",\"since\":%lld}",
		(long long)host_base);
	REQUIRE(pumped_ok(&e, line));
	REQUIRE(settle(&e, host_base, svd_base));
	CHECK(shows(&e, 800, 600, NULL, 0, 4));
	svd_device_get_stats(e.dev, &after);
	CHECK(after.full_repaints > before.full_repaints);
	svd_fb_unref(fb);
	finish(&e);
}

static void test_rescind_and_reoffer_restore_the_full_picture(void)
{
	struct e2e e;
	start(&e, NULL);
	struct svd_fb *fb = show_full(&e, 1024, 768, 0, 0, 5);
	REQUIRE(fb);
	REQUIRE(pumped_ok(&e, "{\"cmd\":\"rescind\",\"device\":\"video\"}"));
	/* While the channel is gone: everything repainted, a small rect declared. */
	paint(fb, 6);
	const struct svd_rect small = { 10, 10, 20, 20 };
	struct svd_atomic_state st = state_for(fb, &small, 1);
	REQUIRE(svd_atomic_commit(e.dev, &st) == 0);
	CHECK(shows(&e, 1024, 768, NULL, 0, 5)); /* the host keeps its last picture */
	int64_t host_base = host_rx_dirt(&e);
	uint64_t svd_base = svd_dirt_sent(&e);
	REQUIRE(pumped_ok(&e, "{\"cmd\":\"reoffer\",\"device\":\"video\"}"));
	char line[128];
	snprintf(line, sizeof(line), "{\"cmd\":\"wait\",\"what\":\"dirt\",\"since\":%lld}",
		(long long)host_base);
	REQUIRE(pumped_ok(&e, line));
	REQUIRE(settle(&e, host_base, svd_base));
	CHECK(svd_device_is_connected(e.dev));
	CHECK(shows(&e, 1024, 768, NULL, 0, 6));
	svd_fb_unref(fb);
	finish(&e);
}

static void test_reconnect_restores_the_full_picture(void)
{
	struct e2e e;
	start(&e, NULL);
	struct svd_fb *fb = show_full(&e, 640, 480, 0, 0, 7);
	REQUIRE(fb);
	/* The guest's bus goes (a reboot of the VMBus side), the driver keeps its state. */
	svd_device_detach(e.dev);
	vmb_bus_destroy(e.bus);
	e.bus = NULL;
	paint(fb, 8);
	const struct svd_rect small = { 0, 0, 4, 4 };
	struct svd_atomic_state st = state_for(fb, &small, 1);
	REQUIRE(svd_atomic_commit(e.dev, &st) == 0);
	CHECK(shows(&e, 640, 480, NULL, 0, 7));
	int64_t host_base = host_rx_dirt(&e);
	uint64_t svd_base = svd_dirt_sent(&e);
	e.bus = connect_bus(&e);
	REQUIRE(e.bus);
	REQUIRE(svd_device_attach(e.dev, e.bus) == 0);
	REQUIRE(settle(&e, host_base, svd_base));
	CHECK(svd_dirt_sent(&e) > svd_base);
	CHECK(shows(&e, 640, 480, NULL, 0, 8));
	svd_fb_unref(fb);
	finish(&e);
}

static void test_driver_cursor_on_the_host_screen(void)
{
	struct e2e e;
	start(&e, NULL);
	struct svd_fb *fb = show_full(&e, 1024, 768, 0, 0, 9);
	REQUIRE(fb);
	struct svd_fb *cursor = NULL;
	REQUIRE(svd_fb_create(&cursor, e.dev, 8, 8, SVD_FORMAT_ARGB8888, 0, 0, NULL) == 0);
	uint8_t *c = svd_fb_data(cursor);
	for (size_t i = 0; i < 8 * 8; i++)
		memcpy(c + 4 * i, (const uint8_t[]){ 0xff, 0x00, 0x00, 0xff }, 4); /* opaque blue */
	/* A little damage too, so a DIRT follows the pointer messages in the ring and waiting
	 * for it means they were handled. */
	const struct svd_rect tick = { 0, 0, 1, 1 };
	struct svd_atomic_state st = state_for(fb, &tick, 1);
	st.cursor_fb = cursor;
	st.cursor_x = 100;
	st.cursor_y = 50;
	REQUIRE(commit_shown(&e, &st) == 0);
	CHECK_EQ_INT(host_stat(&e, "video", "cursor", "visible"), 1);
	char file[256], line[400];
	snprintf(file, sizeof(file), "%s", hvhost_harness_path(e.h, "cursor.png"));
	snprintf(line, sizeof(line), "{\"cmd\":\"screenshot\",\"path\":\"%s\"}", file);
	REQUIRE(pumped_ok(&e, line));
	struct png_image_rgb img;
	REQUIRE(png_read_rgb(file, &img) == 0);
	CHECK_EQ_INT(png_image_rgb_at(&img, 100, 50), 0x0000ff);
	CHECK_EQ_INT(png_image_rgb_at(&img, 107, 57), 0x0000ff);
	CHECK_EQ_INT(png_image_rgb_at(&img, 108, 57), pattern(9, 108, 57));
	png_image_rgb_free(&img);
	CHECK(shows(&e, 1024, 768, NULL, 0, 9)); /* without the cursor */
	svd_fb_unref(cursor);
	svd_fb_unref(fb);
	finish(&e);
}

static void test_host_of_3_2_with_linux_vid_size(void)
{
	struct e2e e;
	start(&e, (const char *[]){ "--video-versions", "3.2", "--vid-size-with-header", NULL });
	CHECK_EQ_INT(svd_device_version(e.dev), SYNTHVID_VERSION_3_2);
	struct svd_fb *fb = show_full(&e, 1024, 768, 0, 0, 10);
	REQUIRE(fb);
	CHECK(shows(&e, 1024, 768, NULL, 0, 10));
	CHECK_EQ_INT(host_stat(&e, "video", "versions_refused", NULL), 1);
	svd_fb_unref(fb);
	finish(&e);
}

static const struct test_case cases[] = {
	TEST_CASE(test_known_patterns_at_several_modes_and_pitches),
	TEST_CASE(test_only_declared_damage_changes_the_screen),
	TEST_CASE(test_no_dirt_leaves_the_picture_stale_until_dirt_is_needed_again),
	TEST_CASE(test_rescind_and_reoffer_restore_the_full_picture),
	TEST_CASE(test_reconnect_restores_the_full_picture),
	TEST_CASE(test_driver_cursor_on_the_host_screen),
	TEST_CASE(test_host_of_3_2_with_linux_vid_size),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
