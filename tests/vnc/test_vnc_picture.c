/*
 * What a viewer of hvhost --vnc sees, through the tests' own RFB client (rfb_client.h) and the
 * real guest drivers (vnc_guest): the picture in every true-colour pixel format a viewer may ask
 * for equals the monitor's screenshot converted to that format; a mode change reaches viewers
 * as a desktop-size update (and drops those that cannot follow); the first viewer makes the
 * guest repaint (FEATURE_CHANGE with DIRT needed) and, with --vnc-idle-dirt stop, the last one
 * leaving tells it DIRT is no longer needed.
 */
#include <errno.h>
#include <string.h>

#include "macros.h"
#include "rfb_client.h"
#include "test.h"
#include "vnc_fixture.h"
#include "vnc_guest.h"

static const char *const guest_idle[] = { NULL };
/* With cursor shapes the cursor is not drawn into the picture: libvncserver's blend rounds down
 * where the monitor's (pixman) rounds to nearest, one level off in translucent cursor pixels. */
static const int32_t encodings[] = { RFB_ENC_RAW, RFB_ENC_NEW_FB_SIZE, RFB_ENC_RICH_CURSOR };

static void start(struct vnc_fixture *f, const char *const *args)
{
	int ret = vnc_fixture_start(f, args, guest_idle);
	if (ret == -ENOENT)
		SKIP("HVHOST or VNC_GUEST is not set (run through meson test)");
	REQUIRE(ret == 0);
}

static void connect_client(struct vnc_fixture *f, struct rfb_client *c, const int32_t *enc,
	size_t n_enc, const struct rfb_format *pf)
{
	REQUIRE(rfb_client_connect(c, f->port) == 0);
	if (pf)
		c->pf = *pf;
	REQUIRE(rfb_client_handshake(c, NULL, enc, n_enc) == 0);
}

/* ---- pixel formats ---- */

static const struct {
	const char *name;
	struct rfb_format pf;
} formats[] = {
	{ "rgb888", { 32, 24, false, { 255, 255, 255 }, { 16, 8, 0 } } },
	{ "bgr888 (the server's own)", { 32, 24, false, { 255, 255, 255 }, { 0, 8, 16 } } },
	{ "rgb888 big-endian", { 32, 24, true, { 255, 255, 255 }, { 16, 8, 0 } } },
	{ "rgb888 in the high bytes", { 32, 24, false, { 255, 255, 255 }, { 24, 16, 8 } } },
	{ "rgb565", { 16, 16, false, { 31, 63, 31 }, { 11, 5, 0 } } },
	{ "rgb565 big-endian", { 16, 16, true, { 31, 63, 31 }, { 11, 5, 0 } } },
	{ "bgr555", { 16, 15, false, { 31, 31, 31 }, { 0, 5, 10 } } },
	{ "bgr233", { 8, 8, false, { 7, 7, 3 }, { 0, 3, 6 } } },
};

static void test_every_pixel_format_shows_the_screen(void)
{
	struct vnc_fixture f;
	start(&f, NULL);
	for (size_t i = 0; i < ARRAY_LEN(formats); i++) {
		struct rfb_client c;
		connect_client(&f, &c, encodings, ARRAY_LEN(encodings), &formats[i].pf);
		REQUIRE(vnc_fixture_sync(&f, &c) == 0);
		long diff = vnc_fixture_diff(&f, &c, "shot.png");
		CHECK_MSG(diff == 0, "%s: %ld pixels differ", formats[i].name, diff);
		rfb_client_close(&c);
	}
	CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "dropped.protocol"), 0);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

/* ---- desktop size ---- */

static void test_mode_change_is_a_desktop_size_update(void)
{
	struct vnc_fixture f;
	start(&f, NULL);
	struct rfb_client resizable, fixed;
	connect_client(&f, &resizable, encodings, ARRAY_LEN(encodings), NULL);
	static const int32_t fixed_size[] = { RFB_ENC_RAW, RFB_ENC_RICH_CURSOR };
	connect_client(&f, &fixed, fixed_size, ARRAY_LEN(fixed_size), NULL);
	REQUIRE(vnc_fixture_sync(&f, &resizable) == 0);
	REQUIRE(vnc_fixture_sync(&f, &fixed) == 0);
	CHECK_EQ_INT(vnc_fixture_diff(&f, &fixed, "before.png"), 0);
	REQUIRE(vnc_fixture_guest_send(&f, "mode 800x600"));
	const char *line = vnc_fixture_guest_line(&f);
	REQUIRE(line && strcmp(line, "mode 800x600") == 0);
	REQUIRE(vnc_fixture_ok(&f, "{\"cmd\":\"wait\",\"what\":\"mode\",\"width\":800}"));
	REQUIRE(vnc_fixture_ok(&f, "{\"cmd\":\"wait\",\"what\":\"quiet\",\"ms\":200}"));
	REQUIRE(vnc_fixture_sync(&f, &resizable) == 0);
	CHECK_EQ_INT(resizable.resizes, 1);
	CHECK_EQ_INT(resizable.width, 800);
	CHECK_EQ_INT(resizable.height, 600);
	CHECK_EQ_INT(vnc_fixture_diff(&f, &resizable, "after.png"), 0);
	/* The other would read 800-wide rows into its 1024-wide picture: it is let go. */
	CHECK(rfb_client_wait_closed(&fixed, RFB_CLIENT_TIMEOUT_MS));
	CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "dropped.no_resize"), 1);
	rfb_client_close(&fixed);
	rfb_client_close(&resizable);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

/* ---- the cursor ---- */

/* A viewer that takes cursor shapes gets the guest's arrow as one, the picture without it; one
 * that does not sees it drawn into the picture, as the monitor's screenshot with the cursor. */
static void test_cursor_as_a_shape_or_in_the_picture(void)
{
	struct vnc_fixture f;
	start(&f, NULL);
	static const int32_t plain[] = { RFB_ENC_RAW };
	struct rfb_client shapes, drawn;
	connect_client(&f, &shapes, encodings, ARRAY_LEN(encodings), NULL);
	connect_client(&f, &drawn, plain, ARRAY_LEN(plain), NULL);
	REQUIRE(vnc_fixture_sync(&f, &shapes) == 0);
	REQUIRE(vnc_fixture_sync(&f, &drawn) == 0);
	int before = shapes.cursor_shapes;
	REQUIRE(vnc_fixture_guest_send(&f, "cursor 300 200"));
	const char *line = vnc_fixture_guest_line(&f);
	REQUIRE(line && strcmp(line, "cursor 300 200") == 0);
	REQUIRE(vnc_fixture_ok(&f, "{\"cmd\":\"wait\",\"what\":\"quiet\",\"ms\":200}"));
	REQUIRE(vnc_fixture_sync(&f, &shapes) == 0);
	REQUIRE(vnc_fixture_sync(&f, &drawn) == 0);
	CHECK(shapes.cursor_shapes > before);
	CHECK_EQ_INT(vnc_fixture_diff(&f, &shapes, "no-cursor.png"), 0);
	long diff = vnc_fixture_diff(&f, &drawn, "with-cursor.png");
	CHECK_MSG(diff == 0, "%ld pixels differ from the screenshot with the cursor", diff);
	/* And it is really there: white inside the arrow, 5 pixels down its middle. */
	CHECK_EQ_INT(drawn.fb[(size_t)205 * drawn.width + 302], 0xffffff);
	CHECK(shapes.fb[(size_t)205 * shapes.width + 302] != 0xffffff);
	rfb_client_close(&shapes);
	rfb_client_close(&drawn);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

/* ---- FEATURE_CHANGE ---- */

static void wait_viewers(struct vnc_fixture *f, int n)
{
	char line[96];
	snprintf(line, sizeof(line), "{\"cmd\":\"wait\",\"what\":\"vnc_viewers\",\"count\":%d}", n);
	REQUIRE(vnc_fixture_ok(f, line));
}

static int64_t stat(struct vnc_fixture *f, const char *path)
{
	return vnc_fixture_get_path(f, "stats", path);
}

/*
 * While DIRT was not needed the guest drew the pattern shifted; the next viewer's FEATURE_CHANGE
 * must make it send the whole picture again, and the viewer must see the new picture (the
 * screenshot alone could not tell: it would be stale too).
 */
static void check_repaint_for_next_viewer(struct vnc_fixture *f)
{
	int64_t dirt = stat(f, "video.rx.DIRT");
	REQUIRE(vnc_fixture_guest_send(f, "shift 40"));
	const char *line = vnc_fixture_guest_line(f);
	REQUIRE(line && strcmp(line, "shift 40") == 0);
	REQUIRE(vnc_fixture_ok(f, "{\"cmd\":\"wait\",\"what\":\"quiet\",\"ms\":200}"));
	CHECK_EQ_INT(stat(f, "video.rx.DIRT"), dirt); // not needed: none sent
	struct rfb_client c;
	connect_client(f, &c, encodings, ARRAY_LEN(encodings), NULL);
	wait_viewers(f, 1);
	CHECK_EQ_INT(stat(f, "video.feature.dirt"), 1);
	char wait[96];
	snprintf(wait, sizeof(wait), "{\"cmd\":\"wait\",\"what\":\"dirt\",\"since\":%lld}",
		(long long)dirt);
	CHECK(vnc_fixture_ok(f, wait));
	REQUIRE(vnc_fixture_ok(f, "{\"cmd\":\"wait\",\"what\":\"quiet\",\"ms\":200}"));
	REQUIRE(vnc_fixture_sync(f, &c) == 0);
	long wrong = 0;
	for (uint32_t y = 0; y < c.height; y++) {
		for (uint32_t x = 0; x < c.width; x++) {
			uint32_t want = vnc_guest_pattern(x + 40, y),
				 got = c.fb[(size_t)y * c.width + x];
			if (want != got && wrong++ == 0)
				NOTE("first wrong pixel %u,%u: %06x, not %06x", x, y, got, want);
		}
	}
	CHECK_MSG(wrong == 0, "%ld pixels are not the shifted pattern", wrong);
	CHECK_EQ_INT(vnc_fixture_diff(f, &c, "repainted.png"), 0);
	rfb_client_close(&c);
}

/*
 * The first viewer sends FEATURE_CHANGE with DIRT needed; more viewers send nothing; the last
 * leaving sends DIRT not needed only with --vnc-idle-dirt stop. (With the default, DIRT never
 * stopped, the host's picture is current and the guest's driver has nothing to repaint.)
 */
static void viewers_come_and_go(bool idle_stop)
{
	const char *const stop[] = { "--vnc-idle-dirt", "stop", NULL };
	struct vnc_fixture f;
	start(&f, idle_stop ? stop : NULL);
	int64_t features = stat(&f, "video.tx.FEATURE_CHANGE");
	struct rfb_client a, b;
	connect_client(&f, &a, encodings, ARRAY_LEN(encodings), NULL);
	wait_viewers(&f, 1);
	CHECK_EQ_INT(stat(&f, "video.tx.FEATURE_CHANGE"), features + 1);
	CHECK_EQ_INT(stat(&f, "video.feature.dirt"), 1);
	REQUIRE(vnc_fixture_sync(&f, &a) == 0);
	CHECK_EQ_INT(vnc_fixture_diff(&f, &a, "first.png"), 0);
	connect_client(&f, &b, encodings, ARRAY_LEN(encodings), NULL);
	wait_viewers(&f, 2);
	REQUIRE(vnc_fixture_sync(&f, &b) == 0);
	CHECK_EQ_INT(vnc_fixture_diff(&f, &b, "second.png"), 0);
	rfb_client_close(&a);
	wait_viewers(&f, 1);
	CHECK_EQ_INT(stat(&f, "video.tx.FEATURE_CHANGE"), features + 1);
	rfb_client_close(&b);
	wait_viewers(&f, 0);
	CHECK_EQ_INT(stat(&f, "video.tx.FEATURE_CHANGE"), features + 1 + idle_stop);
	CHECK_EQ_INT(stat(&f, "video.feature.dirt"), !idle_stop);
	if (idle_stop)
		check_repaint_for_next_viewer(&f);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

static void test_first_viewer_turns_dirt_on(void)
{
	viewers_come_and_go(false);
}

static void test_idle_stop_turns_dirt_off_and_repaints_for_the_next(void)
{
	viewers_come_and_go(true);
}

static const struct test_case cases[] = {
	TEST_CASE(test_every_pixel_format_shows_the_screen),
	TEST_CASE(test_mode_change_is_a_desktop_size_update),
	TEST_CASE(test_cursor_as_a_shape_or_in_the_picture),
	TEST_CASE(test_first_viewer_turns_dirt_on),
	TEST_CASE(test_idle_stop_turns_dirt_off_and_repaints_for_the_next),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
