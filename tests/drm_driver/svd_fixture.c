/* The driver-against-scripted-host fixture: see svd_fixture.h. */
#include "svd_fixture.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static struct fx the_fixture;

void fx_stop(struct fx *fx)
{
	if (!fx)
		return;
	svd_device_destroy(fx->dev);
	vmb_bus_destroy(fx->bus);
	sh_stop(fx->sh);
	*fx = (struct fx){ 0 };
}

struct fx *fx_start(
	const struct sh_config *cfg, const struct svd_device_options *opts, uint32_t max_vmbus)
{
	struct fx *fx = &the_fixture;
	fx_stop(fx); /* a REQUIRE that failed in the previous case left it running */
	fx->sh = sh_start(cfg);
	REQUIRE(sh_connect(fx->sh, max_vmbus, &fx->bus) == 0);
	fx->create_ret = svd_device_create(&fx->dev, fx->bus, opts);
	return fx;
}

void fx_forget(struct fx *fx)
{
	struct sh_log log;
	sh_take(fx->sh, &log);
	sh_log_free(&log);
}

int fx_pump_bus(struct fx *fx)
{
	int timeout = 10000, ret = 0;
	for (;;) {
		struct pollfd pfd = { .fd = vmb_bus_get_fd(fx->bus), .events = POLLIN };
		if (poll(&pfd, 1, timeout) <= 0)
			return ret;
		ret = vmb_bus_dispatch(fx->bus);
		if (ret < 0)
			return ret;
		timeout = 0;
	}
}

uint32_t fx_pattern(uint32_t seed, uint32_t x, uint32_t y)
{
	uint32_t v = seed * 0x9e3779b1u ^ x * 0x85ebca6bu ^ y * 0xc2b2ae35u;
	v ^= v >> 15;
	return v * 0x2c1b3c6du;
}

void fx_fill(struct svd_fb *fb, uint32_t seed)
{
	uint8_t *data = svd_fb_data(fb);
	for (uint32_t y = 0; y < svd_fb_height(fb); y++) {
		for (uint32_t x = 0; x < svd_fb_width(fb); x++) {
			uint32_t v = fx_pattern(seed, x, y);
			memcpy(data + (size_t)y * svd_fb_pitch(fb) + x * 4u, &v, 4);
		}
	}
}

struct svd_fb *fx_fb(
	struct fx *fx, uint32_t w, uint32_t h, uint32_t pitch, size_t offset, uint32_t seed)
{
	struct svd_fb *fb = NULL;
	REQUIRE(svd_fb_create(&fb, fx->dev, w, h, SVD_FORMAT_XRGB8888, pitch, offset, NULL) == 0);
	fx_fill(fb, seed);
	return fb;
}

int fx_show(struct fx *fx, struct svd_fb *fb, uint32_t w, uint32_t h, const struct svd_rect *clips,
	size_t n)
{
	struct svd_atomic_state st = {
		.active = true,
		.mode = { w, h, false },
		.primary_fb = fb,
		.damage = clips,
		.damage_count = n,
	};
	return svd_atomic_commit(fx->dev, &st);
}

uint32_t fx_vram_pixel(struct fx *fx, uint32_t w, uint32_t x, uint32_t y)
{
	const uint8_t *vram = sh_vram(fx->sh, NULL);
	uint32_t v;
	memcpy(&v, vram + (size_t)y * w * 4u + x * 4u, 4);
	return v;
}

bool fx_vram_matches(struct fx *fx, uint32_t w, struct svd_rect r, uint32_t seed)
{
	for (int32_t y = r.y1; y < r.y2; y++) {
		for (int32_t x = r.x1; x < r.x2; x++) {
			if (fx_vram_pixel(fx, w, (uint32_t)x, (uint32_t)y) !=
				fx_pattern(seed, (uint32_t)x, (uint32_t)y))
				return false;
		}
	}
	return true;
}

size_t fx_dirt_rects(const struct sh_log *log, struct svd_rect *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < log->n; i++) {
		const struct synthvid_msg *m = &log->recs[i].msg;
		if (m->type != SYNTHVID_DIRT)
			continue;
		for (size_t j = 0; j < m->dirt.dirt_count && n < cap; j++) {
			const struct synthvid_rect *r = &m->dirt.rects[j];
			out[n++] = (struct svd_rect){ r->x1, r->y1, r->x2, r->y2 };
		}
	}
	return n;
}

bool fx_dirt_covers(
	const struct sh_log *log, uint32_t w, uint32_t h, const struct svd_rect *clips, size_t n)
{
	size_t cap = 0;
	for (size_t i = 0; i < log->n; i++)
		cap += log->recs[i].msg.type == SYNTHVID_DIRT ? log->recs[i].msg.dirt.dirt_count
							      : 0;
	uint8_t *map = calloc((size_t)w * h, 1);
	struct svd_rect *rects = calloc(cap + 1, sizeof(*rects));
	REQUIRE(map && rects);
	size_t nr = fx_dirt_rects(log, rects, cap);
	bool ok = true;
	for (size_t i = 0; i < nr && ok; i++) {
		struct svd_rect r = rects[i];
		ok = r.x1 >= 0 && r.y1 >= 0 && r.x2 <= (int32_t)w && r.y2 <= (int32_t)h &&
			r.x1 < r.x2 && r.y1 < r.y2;
		for (int32_t y = r.y1; ok && y < r.y2; y++)
			memset(map + (size_t)y * w + (size_t)r.x1, 1, (size_t)(r.x2 - r.x1));
	}
	for (size_t i = 0; i < n && ok; i++) {
		int32_t x1 = clips[i].x1 < 0 ? 0 : clips[i].x1,
			y1 = clips[i].y1 < 0 ? 0 : clips[i].y1;
		int32_t x2 = clips[i].x2 > (int32_t)w ? (int32_t)w : clips[i].x2;
		int32_t y2 = clips[i].y2 > (int32_t)h ? (int32_t)h : clips[i].y2;
		for (int32_t y = y1; ok && y < y2; y++) {
			for (int32_t x = x1; ok && x < x2; x++)
				ok = map[(size_t)y * w + (size_t)x];
		}
	}
	free(map);
	free(rects);
	return ok;
}

struct svd_rect fx_screen(uint32_t w, uint32_t h)
{
	return (struct svd_rect){ 0, 0, (int32_t)w, (int32_t)h };
}

struct svd_fb *fx_start_showing(struct fx **out, const struct svd_device_options *opts, uint32_t w,
	uint32_t h, uint32_t seed)
{
	struct fx *fx = *out = fx_start(NULL, opts, 0);
	REQUIRE(fx->create_ret == 0);
	struct svd_fb *fb = fx_fb(fx, w, h, 0, 0, seed);
	REQUIRE(fx_show(fx, fb, w, h, NULL, 0) == 0);
	fx_forget(fx);
	return fb;
}

void fx_dispatch(struct fx *fx)
{
	struct pollfd pfd = { .fd = svd_device_get_fd(fx->dev), .events = POLLIN };
	CHECK(poll(&pfd, 1, 10000) == 1);
	CHECK_EQ_INT(svd_device_dispatch(fx->dev), 0);
}

const uint8_t fx_hide_position[26] = { 1, 0, 0, 0, 18, 0, 0, 0, 7, 0, 0, 0, 18, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0 };
const uint8_t fx_hide_shape[38] = { 1, 0, 0, 0, 30, 0, 0, 0, 8, 0, 0, 0, 30, 0, 0, 0, 0xff, 1, 1, 0,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0x01, 0x01 };

bool fx_record_is(const struct sh_record *r, const uint8_t *bytes, size_t len)
{
	return r && r->len == len && memcmp(r->bytes, bytes, len) == 0;
}

void fx_check_full_repaint(const struct sh_log *log, uint32_t w, uint32_t h)
{
	REQUIRE(log->n == 4);
	CHECK(fx_record_is(&log->recs[0], fx_hide_position, sizeof(fx_hide_position)));
	CHECK(fx_record_is(&log->recs[1], fx_hide_shape, sizeof(fx_hide_shape)));
	const struct synthvid_msg *m = &log->recs[2].msg;
	REQUIRE(m->type == SYNTHVID_SITUATION_UPDATE);
	CHECK_EQ_INT(log->recs[2].len, 43);
	CHECK_EQ_INT(m->situation_update.video_output_count, 1);
	const struct synthvid_video_output *o = &m->situation_update.outputs[0];
	CHECK(o->active == 1 && o->vram_offset == 0 && o->depth_bits == 32);
	CHECK(o->width == w && o->height == h && o->pitch == w * 4);
	m = &log->recs[3].msg;
	REQUIRE(m->type == SYNTHVID_DIRT);
	CHECK_EQ_INT(m->dirt.dirt_count, 1);
	CHECK(m->dirt.rects[0].x1 == 0 && m->dirt.rects[0].y1 == 0);
	CHECK(m->dirt.rects[0].x2 == (int32_t)w && m->dirt.rects[0].y2 == (int32_t)h);
}
