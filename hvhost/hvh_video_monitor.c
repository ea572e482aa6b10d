/*
 * The synthetic video model's monitor side (vmbus-emu.md §6): `screenshot`, `feature`, the
 * `mode`, `dirt` and `quiet` waits, and its `stats` keys.
 */
#define LOG_MODULE "video"
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

#include "hvh_video_internal.h"
#include "log.h"
#include "png_write.h"

static struct json_object *mode_object(const struct hvh_scanout *so)
{
	struct json_object *m = json_object_new_object();
	if (!m)
		return NULL;
	int ret = hvh_cmd_put_uint(m, "width", so->width);
	ret |= hvh_cmd_put_uint(m, "height", so->height);
	ret |= hvh_cmd_put_uint(m, "pitch", so->pitch);
	ret |= hvh_cmd_put_uint(m, "offset", so->offset);
	ret |= hvh_cmd_put_uint(m, "depth", so->depth);
	if (ret) {
		json_object_put(m);
		return NULL;
	}
	return m;
}

/* ---- screenshot ---- */

static void on_screenshot(void *data, struct hvh_request *req, struct json_object *args)
{
	struct video *v = data;
	const char *path = hvh_cmd_get_string(args, "path", "");
	bool cursor = hvh_cmd_get_bool(args, "cursor", true);
	if (!path[0]) {
		hvh_request_fail(req, "screenshot: empty path");
		return;
	}
	pixman_image_t *img = hvh_screen_compose(v->screen, cursor, loop_now_ms());
	if (!img) {
		hvh_request_fail(req, "screenshot: out of memory");
		return;
	}
	uint32_t w = (uint32_t)pixman_image_get_width(img);
	uint32_t h = (uint32_t)pixman_image_get_height(img);
	int ret = png_write_xrgb8888(path, (const uint8_t *)pixman_image_get_data(img), w, h,
		(size_t)pixman_image_get_stride(img));
	pixman_image_unref(img);
	if (ret < 0) {
		hvh_request_fail(req, "screenshot: cannot write %s: %s", path, strerror(-ret));
		return;
	}
	struct json_object *reply = hvh_request_reply(req);
	if (reply &&
		(hvh_cmd_put_uint(reply, "width", w) || hvh_cmd_put_uint(reply, "height", h))) {
		hvh_request_fail(req, "out of memory");
		return;
	}
	hvh_request_done(req);
}

static const struct hvh_cmd_arg screenshot_args[] = {
	{ "path", HVH_ARG_STRING, true, 0, 0 },
	{ "cursor", HVH_ARG_BOOL, false, 0, 0 },
	{ NULL, 0, false, 0, 0 },
};

/* ---- feature ---- */

/* The reply goes once the FEATURE_CHANGE is in the ring (video_send() completes req). */
static void on_feature(void *data, struct hvh_request *req, struct json_object *args)
{
	struct video *v = data;
	if (!v->ch) {
		hvh_request_fail(req, "the video channel is not open");
		return;
	}
	if (!v->version) {
		hvh_request_fail(req, "no synthvid version negotiated yet");
		return;
	}
	int ret = video_send_feature(v, hvh_cmd_get_bool(args, "dirt", true),
		hvh_cmd_get_bool(args, "pointer_position", true),
		hvh_cmd_get_bool(args, "pointer_shape", true),
		hvh_cmd_get_bool(args, "situation", true), req);
	if (ret == -ENOBUFS)
		hvh_request_fail(
			req, "the guest is not reading its ring: too many messages queued");
	else if (ret < 0)
		hvh_request_fail(req, "FEATURE_CHANGE not sent: %s", strerror(-ret));
}

static const struct hvh_cmd_arg feature_args[] = {
	{ "dirt", HVH_ARG_BOOL, false, 0, 0 },
	{ "pointer_position", HVH_ARG_BOOL, false, 0, 0 },
	{ "pointer_shape", HVH_ARG_BOOL, false, 0, 0 },
	{ "situation", HVH_ARG_BOOL, false, 0, 0 },
	{ NULL, 0, false, 0, 0 },
};

/* ---- waits ---- */

static bool check_mode(
	void *data, const struct hvh_wait_state *w, struct json_object *reply, int64_t *recheck_ms)
{
	struct video *v = data;
	if (!v->mode_set)
		return false;
	int64_t want_w = hvh_cmd_get_int(w->args, "width", -1);
	int64_t want_h = hvh_cmd_get_int(w->args, "height", -1);
	if ((want_w >= 0 && want_w != v->scanout.width) ||
		(want_h >= 0 && want_h != v->scanout.height))
		return false;
	hvh_cmd_put(reply, "mode", mode_object(&v->scanout));
	return true;
}

static uint64_t rx_dirt(const struct video *v)
{
	return counter_get(hvh_device_rx(v->dev), "DIRT");
}

static int start_dirt(void *data, struct hvh_wait_state *w, char *err, size_t err_len)
{
	struct video *v = data;
	w->snapshot = (uint64_t)hvh_cmd_get_int(w->args, "since", (int64_t)rx_dirt(v));
	return 0;
}

static bool check_dirt(
	void *data, const struct hvh_wait_state *w, struct json_object *reply, int64_t *recheck_ms)
{
	struct video *v = data;
	uint64_t n = rx_dirt(v);
	if (n <= w->snapshot)
		return false;
	hvh_cmd_put_uint(reply, "dirt", n);
	return true;
}

static bool check_quiet(
	void *data, const struct hvh_wait_state *w, struct json_object *reply, int64_t *recheck_ms)
{
	struct video *v = data;
	int64_t ms = hvh_cmd_get_int(w->args, "ms", 200);
	int64_t quiet = loop_now_ms() - v->last_dirt_ms;
	if (quiet < ms) {
		*recheck_ms = ms - quiet;
		return false;
	}
	hvh_cmd_put_uint(reply, "dirt", rx_dirt(v));
	return true;
}

static const struct hvh_cmd_arg mode_args[] = {
	{ "width", HVH_ARG_INT, false, 1, HVH_VIDEO_MAX_DIM },
	{ "height", HVH_ARG_INT, false, 1, HVH_VIDEO_MAX_DIM },
	{ NULL, 0, false, 0, 0 },
};

static const struct hvh_cmd_arg dirt_args[] = {
	{ "since", HVH_ARG_INT, false, 0, INT64_MAX },
	{ NULL, 0, false, 0, 0 },
};

static const struct hvh_cmd_arg quiet_args[] = {
	{ "ms", HVH_ARG_INT, false, 0, HVH_WAIT_MAX_TIMEOUT_MS },
	{ NULL, 0, false, 0, 0 },
};

static const struct hvh_wait_impl wait_mode = {
	.what = "mode",
	.args = mode_args,
	.check = check_mode,
};

static const struct hvh_wait_impl wait_dirt = {
	.what = "dirt",
	.args = dirt_args,
	.start = start_dirt,
	.check = check_dirt,
};

static const struct hvh_wait_impl wait_quiet = {
	.what = "quiet",
	.args = quiet_args,
	.check = check_quiet,
};

int video_monitor_register(struct video *v)
{
	struct hvh_monitor *mon = v->monitor;
	int ret = hvh_monitor_add_command(mon, "screenshot", screenshot_args, on_screenshot, v);
	if (!ret)
		ret = hvh_monitor_add_command(mon, "feature", feature_args, on_feature, v);
	if (!ret)
		ret = hvh_monitor_add_wait(mon, &wait_mode, v);
	if (!ret)
		ret = hvh_monitor_add_wait(mon, &wait_dirt, v);
	if (!ret)
		ret = hvh_monitor_add_wait(mon, &wait_quiet, v);
	return ret;
}

/* ---- stats ---- */

static struct json_object *feature_object(const struct synthvid_feature_change *f)
{
	struct json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	int ret = hvh_cmd_put_bool(o, "dirt", f->is_dirt_needed);
	ret |= hvh_cmd_put_bool(o, "pointer_position", f->is_ptr_pos_needed);
	ret |= hvh_cmd_put_bool(o, "pointer_shape", f->is_ptr_shape_needed);
	ret |= hvh_cmd_put_bool(o, "situation", f->is_situ_needed);
	if (ret) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *cursor_object(const struct hvh_screen *s)
{
	struct hvh_cursor_info c;
	hvh_screen_cursor_info(s, &c);
	struct json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	int ret = hvh_cmd_put_bool(o, "shape", c.has_image);
	ret |= hvh_cmd_put_bool(o, "visible", c.visible);
	ret |= hvh_cmd_put(o, "x", json_object_new_int(c.x));
	ret |= hvh_cmd_put(o, "y", json_object_new_int(c.y));
	ret |= hvh_cmd_put_uint(o, "width", c.width);
	ret |= hvh_cmd_put_uint(o, "height", c.height);
	ret |= hvh_cmd_put_uint(o, "hot_x", c.hot_x);
	ret |= hvh_cmd_put_uint(o, "hot_y", c.hot_y);
	if (ret) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *vram_object(const struct video *v)
{
	struct json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	if (hvh_cmd_put_uint(o, "gpa", v->vram_gpa) || hvh_cmd_put_uint(o, "size", v->vram_size)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int video_stats(void *model, struct json_object *dev, struct json_object *root)
{
	struct video *v = model;
	int ret = hvh_cmd_put_uint(dev, "version", v->version);
	ret |= hvh_cmd_put_uint(dev, "dirt_rects", v->dirt_rects);
	ret |= hvh_cmd_put_uint(dev, "dirt_pixels", v->dirt_pixels);
	ret |= hvh_cmd_put_uint(dev, "dirt_rects_clipped", v->dirt_rects_clipped);
	ret |= hvh_cmd_put_uint(dev, "versions_refused", v->versions_refused);
	ret |= hvh_cmd_put(dev, "refresh",
		json_object_new_string(v->cfg.refresh == HVH_VIDEO_REFRESH_POLL ? "poll" : "dirt"));
	ret |= hvh_cmd_put(dev, "feature", feature_object(&v->feature));
	ret |= hvh_cmd_put(dev, "cursor", cursor_object(v->screen));
	ret |= hvh_cmd_put(dev, "vram", vram_object(v));
	if (v->mode_set)
		ret |= hvh_cmd_put(root, "mode", mode_object(&v->scanout));
	return ret ? -ENOMEM : 0;
}
