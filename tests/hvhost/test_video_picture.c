/*
 * What hvhost shows (synthvid.md §0(e), vmbus-emu.md §4-§6): a raw guest writes VRAM and sends
 * (or does not send) DIRT, and the screenshot must show exactly what was declared: stale where
 * DIRT was missing, black after a mode change, pitch, offset, depth and VRAM location honoured,
 * the cursor on top only when asked for.
 */
#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "hvhost_harness.h"
#include "macros.h"
#include "test.h"
#include "video_guest.h"

#define MIB (1024u * 1024u)

struct geom {
	uint32_t w, h, pitch, offset;
};

/* A colour per pixel and pattern, distinct between neighbours and between tags. */
static uint32_t pattern(uint32_t tag, uint32_t x, uint32_t y)
{
	return ((tag * 0x45u + x * 7u) & 0xff) << 16 | ((y * 5u + tag) & 0xff) << 8 |
		((x ^ y ^ (tag << 4)) & 0xff);
}

static void draw(uint8_t *vram, const struct geom *g, uint32_t tag)
{
	for (uint32_t y = 0; y < g->h; y++) {
		for (uint32_t x = 0; x < g->w; x++) {
			uint8_t *p = vram + g->offset + (size_t)y * g->pitch + x * 4u;
			uint32_t c = pattern(tag, x, y);
			p[0] = (uint8_t)c;
			p[1] = (uint8_t)(c >> 8);
			p[2] = (uint8_t)(c >> 16);
			p[3] = 0xa5; /* X: ignored */
		}
	}
}

/* The screenshot shows tag `inside` in r and tag `outside` elsewhere (a tag of -1: black). */
static bool picture_is(struct hvhost_harness *h, const struct geom *g,
	const struct synthvid_rect *r, int inside, int outside)
{
	struct png_image_rgb img;
	if (video_host_screenshot(h, false, &img) < 0)
		return false;
	bool ok = img.width == g->w && img.height == g->h;
	if (!ok)
		NOTE("screenshot %ux%u, expected %ux%u", img.width, img.height, g->w, g->h);
	int bad = 0;
	for (uint32_t y = 0; ok && y < g->h; y++) {
		for (uint32_t x = 0; x < g->w; x++) {
			bool in = r && (int32_t)x >= r->x1 && (int32_t)x < r->x2 &&
				(int32_t)y >= r->y1 && (int32_t)y < r->y2;
			int tag = in ? inside : outside;
			uint32_t want = tag < 0 ? 0 : pattern((uint32_t)tag, x, y);
			uint32_t got = png_image_rgb_at(&img, x, y);
			if (got != want && bad++ < 5)
				NOTE("(%u,%u) is %06x, expected %06x", x, y, got, want);
		}
	}
	png_image_rgb_free(&img);
	return ok && bad == 0;
}

static struct hvhost_harness *start(
	const char *const *args, struct video_guest *g, uint32_t version)
{
	struct hvhost_harness *h = video_host_start(args);
	REQUIRE(video_guest_open(g, h) == 0);
	REQUIRE(video_guest_version(g, version, NULL) > 0);
	return h;
}

static void finish(struct hvhost_harness *h, struct video_guest *g)
{
	video_guest_close(g);
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
}

static void show(struct video_guest *g, const struct geom *geo, const struct synthvid_rect *r)
{
	const struct synthvid_rect all = { 0, 0, (int32_t)geo->w, (int32_t)geo->h };
	REQUIRE(video_guest_dirt(g, r ? r : &all, 1) == 0);
	REQUIRE(video_guest_sync(g) == 0);
}

static void test_missing_dirt_leaves_the_picture_stale(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start(NULL, &g, SYNTHVID_VERSION_3_5);
	const struct geom geo = { 67, 41, 67 * 4 + 12, 4096 + 8 }; /* odd size, pitch, offset */
	REQUIRE(video_guest_set_mode(&g, geo.w, geo.h, geo.pitch, geo.offset, 32) == 0);
	uint8_t *vram = g.mmio.base;
	draw(vram, &geo, 1);
	/* Mode set, VRAM full, no DIRT yet: black. */
	REQUIRE(video_guest_sync(&g) == 0);
	CHECK(picture_is(h, &geo, NULL, -1, -1));
	show(&g, &geo, NULL);
	CHECK(picture_is(h, &geo, NULL, 1, 1));
	/* Everything repainted, one small rect declared (weston's damage lie): only it changes. */
	draw(vram, &geo, 2);
	const struct synthvid_rect small = { 9, 5, 30, 17 };
	show(&g, &geo, &small);
	CHECK(picture_is(h, &geo, &small, 2, 1));
	/* Repainted again without any DIRT: nothing changes. */
	draw(vram, &geo, 3);
	REQUIRE(video_guest_sync(&g) == 0);
	CHECK(picture_is(h, &geo, &small, 2, 1));
	show(&g, &geo, NULL);
	CHECK(picture_is(h, &geo, NULL, 3, 3));
	finish(h, &g);
}

static void test_mode_change_goes_black(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start(NULL, &g, SYNTHVID_VERSION_3_5);
	const struct geom a = { 40, 30, 160, 0 };
	REQUIRE(video_guest_set_mode(&g, a.w, a.h, a.pitch, a.offset, 32) == 0);
	draw(g.mmio.base, &a, 4);
	show(&g, &a, NULL);
	CHECK(picture_is(h, &a, NULL, 4, 4));
	/* The same mode again is no change. */
	REQUIRE(video_guest_set_mode(&g, a.w, a.h, a.pitch, a.offset, 32) == 0);
	CHECK(picture_is(h, &a, NULL, 4, 4));
	/* Another pitch is: black until DIRT, though VRAM holds a picture. */
	const struct geom b = { 40, 30, 164, 0 };
	draw(g.mmio.base, &b, 5);
	REQUIRE(video_guest_set_mode(&g, b.w, b.h, b.pitch, b.offset, 32) == 0);
	CHECK(picture_is(h, &b, NULL, -1, -1));
	show(&g, &b, NULL);
	CHECK(picture_is(h, &b, NULL, 5, 5));
	finish(h, &g);
}

static void test_rgb565_on_synthvid_3_0(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start(NULL, &g, SYNTHVID_VERSION_3_0);
	REQUIRE(video_guest_set_mode(&g, 3, 2, 3 * 2 + 2, 6, 16) == 0);
	static const uint16_t px[2][3] = { { 0xf800, 0x07e0, 0x001f }, { 0xffff, 0x0000, 0x8410 } };
	for (int y = 0; y < 2; y++) {
		for (int x = 0; x < 3; x++) {
			uint8_t *p = g.mmio.base + 6 + y * 8 + x * 2;
			p[0] = (uint8_t)px[y][x];
			p[1] = (uint8_t)(px[y][x] >> 8);
		}
	}
	const struct synthvid_rect all = { 0, 0, 3, 2 };
	REQUIRE(video_guest_dirt(&g, &all, 1) == 0);
	REQUIRE(video_guest_sync(&g) == 0);
	struct png_image_rgb img;
	REQUIRE(video_host_screenshot(h, false, &img) == 0);
	static const uint32_t want[2][3] = { { 0xff0000, 0x00ff00, 0x0000ff },
		{ 0xffffff, 0x000000, 0x848284 } };
	for (uint32_t y = 0; y < 2; y++)
		for (uint32_t x = 0; x < 3; x++)
			CHECK_EQ_INT(png_image_rgb_at(&img, x, y), want[y][x]);
	png_image_rgb_free(&img);
	finish(h, &g);
}

static void test_relocated_vram_is_what_shows(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start(NULL, &g, SYNTHVID_VERSION_3_5);
	const struct geom geo = { 50, 20, 200, 0 };
	REQUIRE(video_guest_set_mode(&g, geo.w, geo.h, geo.pitch, geo.offset, 32) == 0);
	draw(g.mmio.base, &geo, 6);
	draw(g.mmio.base + 16 * MIB, &geo, 7);
	struct synthvid_msg m = { .type = SYNTHVID_VRAM_LOCATION };
	m.vram_location = (struct synthvid_vram_location){ 9, 1, g.mmio.gpa + 16 * MIB };
	REQUIRE(video_guest_send(&g, &m) == 0);
	REQUIRE(video_guest_expect(&g, SYNTHVID_VRAM_LOCATION_ACK, &m) == 0);
	show(&g, &geo, NULL);
	CHECK(picture_is(h, &geo, NULL, 7, 7));
	finish(h, &g);
}

static void test_poll_refresh_needs_no_dirt(void)
{
	struct video_guest g;
	struct hvhost_harness *h =
		start((const char *[]){ "--refresh", "poll:5", NULL }, &g, SYNTHVID_VERSION_3_5);
	const struct geom geo = { 30, 20, 120, 0 };
	REQUIRE(video_guest_set_mode(&g, geo.w, geo.h, geo.pitch, geo.offset, 32) == 0);
	draw(g.mmio.base, &geo, 8);
	/* A rejected DIRT only marks the time; several 5 ms polls fall within the 50 ms of
	 * quiet after it (host time, the host's own timers: no sleeping here). */
	const struct synthvid_rect none = { 5, 5, 5, 5 };
	REQUIRE(video_guest_dirt(&g, &none, 1) == 0);
	REQUIRE(video_guest_sync(&g) == 0);
	CHECK(hvhost_harness_ok(h, "{\"cmd\":\"wait\",\"what\":\"quiet\",\"ms\":50}"));
	CHECK(picture_is(h, &geo, NULL, 8, 8));
	CHECK_EQ_INT(hvhost_harness_get(h, "stats", "video.dirt_rects"), 0);
	finish(h, &g);
}

static void test_show_damage_outlines_dirt(void)
{
	struct video_guest g;
	struct hvhost_harness *h =
		start((const char *[]){ "--show-damage", NULL }, &g, SYNTHVID_VERSION_3_5);
	const struct geom geo = { 40, 40, 160, 0 };
	REQUIRE(video_guest_set_mode(&g, geo.w, geo.h, geo.pitch, geo.offset, 32) == 0);
	draw(g.mmio.base, &geo, 9);
	const struct synthvid_rect r = { 10, 10, 30, 20 };
	show(&g, &geo, &r);
	struct png_image_rgb img;
	REQUIRE(video_host_screenshot(h, false, &img) == 0);
	CHECK_EQ_INT(png_image_rgb_at(&img, 10, 10), 0xff00ff);
	CHECK_EQ_INT(png_image_rgb_at(&img, 29, 19), 0xff00ff);
	CHECK_EQ_INT(png_image_rgb_at(&img, 20, 15), pattern(9, 20, 15));
	CHECK_EQ_INT(png_image_rgb_at(&img, 5, 5), 0);
	png_image_rgb_free(&img);
	/* A moment later (500 ms of host time) the outline is gone. */
	CHECK(hvhost_harness_ok(h, "{\"cmd\":\"wait\",\"what\":\"quiet\",\"ms\":600}"));
	CHECK(picture_is(h, &geo, &r, 9, -1));
	finish(h, &g);
}

static void test_cursor_blended_only_when_asked(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start(NULL, &g, SYNTHVID_VERSION_3_5);
	const struct geom geo = { 32, 32, 128, 0 };
	REQUIRE(video_guest_set_mode(&g, geo.w, geo.h, geo.pitch, geo.offset, 32) == 0);
	draw(g.mmio.base, &geo, 10);
	show(&g, &geo, NULL);
	uint8_t green[4 * 4 * 4];
	for (size_t i = 0; i < sizeof(green); i += 4)
		memcpy(green + i, (const uint8_t[]){ 0x00, 0xff, 0x00, 0xff }, 4);
	struct synthvid_msg m = { .type = SYNTHVID_POINTER_SHAPE };
	m.pointer_shape =
		(struct synthvid_pointer_shape){ 0xff, 1, 4, 4, 1, 1, green, sizeof(green) };
	REQUIRE(video_guest_send(&g, &m) == 0);
	m = (struct synthvid_msg){ .type = SYNTHVID_POINTER_POSITION };
	m.pointer_position = (struct synthvid_pointer_position){ 1, 0, 30, 10 };
	REQUIRE(video_guest_send(&g, &m) == 0);
	REQUIRE(video_guest_sync(&g) == 0);
	struct png_image_rgb img;
	REQUIRE(video_host_screenshot(h, true, &img) == 0);
	/* image_x/y is the image's upper-left; the part past the right edge is cut. */
	CHECK_EQ_INT(png_image_rgb_at(&img, 30, 10), 0x00ff00);
	CHECK_EQ_INT(png_image_rgb_at(&img, 31, 13), 0x00ff00);
	CHECK_EQ_INT(png_image_rgb_at(&img, 29, 10), pattern(10, 29, 10));
	CHECK_EQ_INT(png_image_rgb_at(&img, 30, 14), pattern(10, 30, 14));
	png_image_rgb_free(&img);
	CHECK(picture_is(h, &geo, NULL, 10, 10)); /* cursor: false */
	m.pointer_position.is_visible = 0;
	REQUIRE(video_guest_send(&g, &m) == 0);
	REQUIRE(video_guest_sync(&g) == 0);
	REQUIRE(video_host_screenshot(h, true, &img) == 0);
	CHECK_EQ_INT(png_image_rgb_at(&img, 30, 10), pattern(10, 30, 10));
	png_image_rgb_free(&img);
	finish(h, &g);
}

static void test_wait_dirt_and_quiet(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start(NULL, &g, SYNTHVID_VERSION_3_5);
	int64_t before = hvhost_harness_get(h, "stats", "video.rx.DIRT");
	CHECK_EQ_INT(before, 0);
	/* Nothing new since the request: times out. */
	struct json_object *r =
		hvhost_harness_cmd(h, "{\"cmd\":\"wait\",\"what\":\"dirt\",\"timeout_ms\":0}");
	CHECK(r && !json_object_get_boolean(hvhost_json_path(r, "ok")));
	json_object_put(r);
	const struct synthvid_rect rect = { 0, 0, 1, 1 };
	REQUIRE(video_guest_dirt(&g, &rect, 1) == 0);
	/* With `since`, a DIRT that came before the request counts. */
	r = hvhost_harness_cmd(h, "{\"cmd\":\"wait\",\"what\":\"dirt\",\"since\":0}");
	CHECK(json_object_get_boolean(hvhost_json_path(r, "ok")));
	CHECK_EQ_INT(json_path_int(r, "dirt"), 1);
	json_object_put(r);
	/* A waiter sees a DIRT sent after its request. */
	struct hvhost_conn *c = hvhost_harness_connect(h);
	REQUIRE(c);
	r = hvhost_conn_cmd(c, "{\"cmd\":\"wait\",\"what\":\"quiet\",\"ms\":1}");
	CHECK(json_object_get_boolean(hvhost_json_path(r, "ok")));
	json_object_put(r);
	static const char wait[] = "{\"cmd\":\"wait\",\"what\":\"dirt\"}\n";
	REQUIRE(hvhost_conn_send(c, wait, strlen(wait)) == 0);
	/* The stats reply on the other connection proves the wait was taken in first. */
	CHECK_EQ_INT(hvhost_harness_get(h, "stats", "video.rx.DIRT"), 1);
	REQUIRE(video_guest_dirt(&g, &rect, 1) == 0);
	r = hvhost_conn_read(c);
	CHECK(json_object_get_boolean(hvhost_json_path(r, "ok")));
	CHECK_EQ_INT(json_path_int(r, "dirt"), 2);
	json_object_put(r);
	finish(h, &g);
}

static void test_new_guest_keeps_the_picture_until_it_draws(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start(NULL, &g, SYNTHVID_VERSION_3_5);
	const struct geom geo = { 48, 24, 192, 0 };
	REQUIRE(video_guest_set_mode(&g, geo.w, geo.h, geo.pitch, geo.offset, 32) == 0);
	draw(g.mmio.base, &geo, 11);
	show(&g, &geo, NULL);
	/* Rescind: the channel goes, the picture stays. */
	CHECK(hvhost_harness_ok(h, "{\"cmd\":\"rescind\",\"device\":\"video\"}"));
	CHECK_EQ_INT(hvhost_harness_get(h, "stats", "video.version"), 0);
	CHECK(picture_is(h, &geo, NULL, 11, 11));
	/* The guest goes (after hearing of the rescind, so it releases the relid rather than
	 * closing it): mode is null again, the picture stays. */
	CHECK(vmb_bus_dispatch(g.bus) == 0);
	video_guest_close(&g);
	CHECK(hvhost_harness_ok(h, "{\"cmd\":\"wait\",\"what\":\"connected\",\"timeout_ms\":0}") ==
		false);
	struct json_object *stats = video_host_stats(h);
	CHECK(hvhost_json_path(stats, "mode") == NULL);
	json_object_put(stats);
	CHECK(picture_is(h, &geo, NULL, 11, 11));
	/* A new guest's first DIRT, before any SITUATION_UPDATE, is in the power-on mode. */
	REQUIRE(video_guest_open(&g, h) == 0);
	REQUIRE(video_guest_version(&g, SYNTHVID_VERSION_3_5, NULL) > 0);
	const struct geom power_on = { 1024, 768, 4096, 0 };
	draw(g.mmio.base, &power_on, 12);
	const struct synthvid_rect r = { 100, 100, 200, 150 };
	show(&g, &power_on, &r);
	CHECK(picture_is(h, &power_on, &r, 12, -1));
	finish(h, &g);
}

static const struct test_case cases[] = {
	TEST_CASE(test_missing_dirt_leaves_the_picture_stale),
	TEST_CASE(test_mode_change_goes_black),
	TEST_CASE(test_rgb565_on_synthvid_3_0),
	TEST_CASE(test_relocated_vram_is_what_shows),
	TEST_CASE(test_poll_refresh_needs_no_dirt),
	TEST_CASE(test_show_damage_outlines_dirt),
	TEST_CASE(test_cursor_blended_only_when_asked),
	TEST_CASE(test_wait_dirt_and_quiet),
	TEST_CASE(test_new_guest_keeps_the_picture_until_it_draws),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
