/*
 * The synthvid output end to end: the shim composes into the svd driver's framebuffer, and a
 * scripted synthvid host (tests/drm_driver/scripted_host.h: the real host library, transport
 * and shared VRAM) receives exactly the damage as DIRT, the pixels in its VRAM, the mode as a
 * SITUATION_UPDATE and the cursor as pointer messages.
 */
#include <errno.h>
#include <string.h>

#include "macros.h"
#include "scripted_host.h"
#include "shim.h"
#include "shim_test_util.h"
#include "test.h"
#include "vmb.h"

struct svd_run {
	struct sh *sh;
	struct vmb_bus *bus;
	struct test_clock clock;
	struct shim_clock shim_clock;
	struct shim_output *out;
	struct shim *shim;
};

static bool svd_start(struct svd_run *r, const struct shim_svd_options *opts)
{
	*r = (struct svd_run){ .clock = { 1000000000LL } };
	r->shim_clock = (struct shim_clock){ test_clock_now, &r->clock };
	r->sh = sh_start(NULL);
	if (!r->sh || sh_connect(r->sh, 0, &r->bus) < 0)
		return false;
	if (shim_output_svd_create(&r->out, r->bus, opts) < 0)
		return false;
	return shim_create(&r->shim, r->out, &(struct shim_options){ .clock = &r->shim_clock }) ==
		0;
}

static void svd_stop(struct svd_run *r)
{
	shim_destroy(r->shim);
	vmb_bus_destroy(r->bus);
	sh_stop(r->sh);
}

static void svd_frame(struct svd_run *r)
{
	r->clock.now += TEST_FRAME_NS;
	for (int i = 0; i < 3; i++)
		shim_dispatch(r->shim);
}

static uint32_t vram_pixel(struct svd_run *r, uint32_t width, uint32_t x, uint32_t y)
{
	uint32_t v;
	memcpy(&v, sh_vram(r->sh, NULL) + (size_t)y * width * 4 + x * 4, 4);
	return v & 0xffffff;
}

static void svd_composes_into_vram_with_dirt(void)
{
	struct svd_run r;
	REQUIRE(svd_start(&r, NULL));
	CHECK(strcmp(shim_output_get_name(r.out), "svd") == 0);
	CHECK(shim_output_svd_get_bus(r.out) == r.bus);
	struct shim_mode m = shim_output_get_mode(r.out);
	REQUIRE(m.width == 1920 && m.height == 1080); // the scripted host's default
	struct shim_buffer *b = test_buffer_solid(PIXMAN_x8r8g8b8, 16, 16, 0xffffffff);
	struct shim_surface *s;
	REQUIRE(shim_surface_create(r.shim, &s) == 0);
	shim_surface_attach(s, b);
	shim_surface_set_position(s, 100, 50);
	shim_surface_commit(s);
	svd_frame(&r);

	struct sh_log log = { 0 };
	sh_take(r.sh, &log);
	const struct sh_record *situ = sh_log_find(&log, SYNTHVID_SITUATION_UPDATE, 0);
	REQUIRE(situ != NULL);
	CHECK_EQ_INT(situ->msg.situation_update.outputs[0].width, 1920);
	CHECK(sh_log_count(&log, SYNTHVID_DIRT) >= 1);
	CHECK_EQ_INT(vram_pixel(&r, 1920, 110, 60), 0xffffff);
	CHECK_EQ_INT(vram_pixel(&r, 1920, 90, 60), 0x000000);
	sh_log_free(&log);

	/* A small change: its pixels, its rectangle as the only DIRT. */
	test_fill_rect(shim_buffer_get_image(b), 2, 3, 4, 5, 0xff00ff00);
	shim_surface_damage(s, 2, 3, 4, 5);
	shim_surface_commit(s);
	svd_frame(&r);
	sh_take(r.sh, &log);
	REQUIRE(sh_log_count(&log, SYNTHVID_DIRT) == 1);
	const struct synthvid_dirt *d = &sh_log_find(&log, SYNTHVID_DIRT, 0)->msg.dirt;
	REQUIRE(d->dirt_count == 1);
	CHECK(d->rects[0].x1 == 102 && d->rects[0].y1 == 53 && d->rects[0].x2 == 106 &&
		d->rects[0].y2 == 58);
	CHECK_EQ_INT(vram_pixel(&r, 1920, 103, 55), 0x00ff00);
	CHECK_EQ_INT(sh_log_count(&log, SYNTHVID_SITUATION_UPDATE), 0);
	sh_log_free(&log);
	shim_buffer_unref(b);
	svd_stop(&r);
}

static void svd_cursor_goes_to_the_host(void)
{
	struct svd_run r;
	REQUIRE(svd_start(&r, NULL));
	CHECK(shim_output_has_cursor_plane(r.out));
	svd_frame(&r);
	struct sh_log log = { 0 };
	sh_take(r.sh, &log);
	sh_log_free(&log);

	pixman_image_t *arrow = test_image_solid(PIXMAN_a8r8g8b8, 12, 20, 0xff102030);
	REQUIRE(shim_set_cursor(r.shim, arrow, 2, 3) == 0);
	shim_move_cursor(r.shim, 300, 200);
	svd_frame(&r);
	CHECK(shim_cursor_on_plane(r.shim));
	sh_take(r.sh, &log);
	const struct sh_record *shape = sh_log_find(&log, SYNTHVID_POINTER_SHAPE, 0);
	REQUIRE(shape != NULL);
	CHECK(shape->msg.pointer_shape.is_argb);
	CHECK_EQ_INT(shape->msg.pointer_shape.width, 12);
	CHECK_EQ_INT(shape->msg.pointer_shape.hot_x, 2);
	CHECK_EQ_INT(shape->msg.pointer_shape.hot_y, 3);
	size_t n = sh_log_count(&log, SYNTHVID_POINTER_POSITION);
	REQUIRE(n >= 1);
	const struct synthvid_pointer_position *pos =
		&sh_log_find(&log, SYNTHVID_POINTER_POSITION, n - 1)->msg.pointer_position;
	CHECK(pos->is_visible);
	CHECK_EQ_INT(pos->image_x, 298);
	CHECK_EQ_INT(pos->image_y, 197);
	CHECK_EQ_INT(sh_log_count(&log, SYNTHVID_DIRT), 0); // nothing repainted
	sh_log_free(&log);
	pixman_image_unref(arrow);
	svd_stop(&r);
}

static void svd_modes_and_switch(void)
{
	struct svd_run r;
	REQUIRE(svd_start(&r, &(struct shim_svd_options){ .width = 1280, .height = 1024 }));
	CHECK_EQ_INT(shim_output_get_mode(r.out).width, 1280);
	struct shim_mode m;
	REQUIRE(shim_output_get_mode_at(r.out, 0, &m) == 0);
	CHECK(m.preferred && m.width == 1920);
	CHECK_EQ_INT(shim_output_get_mode_at(r.out, 3, &m), -ENOENT);
	svd_frame(&r);
	CHECK_EQ_INT(shim_set_mode(r.shim, 800, 601), -ENOENT);
	REQUIRE(shim_set_mode(r.shim, 1024, 768) == 0);
	svd_frame(&r);
	struct sh_log log = { 0 };
	sh_take(r.sh, &log);
	size_t n = sh_log_count(&log, SYNTHVID_SITUATION_UPDATE);
	REQUIRE(n >= 1);
	const struct synthvid_situation *situ =
		&sh_log_find(&log, SYNTHVID_SITUATION_UPDATE, n - 1)->msg.situation_update;
	CHECK_EQ_INT(situ->outputs[0].width, 1024);
	CHECK_EQ_INT(situ->outputs[0].height, 768);
	sh_log_free(&log);
	svd_stop(&r);
}

static const struct test_case cases[] = {
	TEST_CASE(svd_composes_into_vram_with_dirt),
	TEST_CASE(svd_cursor_goes_to_the_host),
	TEST_CASE(svd_modes_and_switch),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
