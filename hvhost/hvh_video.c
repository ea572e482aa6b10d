/*
 * The synthetic video model (hvh_video.h): creation, the device's lifecycle across guests and
 * channels, reading the ring, the queue of replies waiting for ring space, and the bridge to the
 * picture (hvh_screen.c). Message handling is in hvh_video_proto.c, the monitor side in
 * hvh_video_monitor.c.
 */
#define LOG_MODULE "video"
#include "hvh_video.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hvh_video_internal.h"
#include "log.h"
#include "macros.h"

#define MIB (1024ull * 1024ull)
#define WHY_OVERSIZED "oversized_packet"

/* ---- sending ---- */

static void out_complete(struct video_out *o, int err)
{
	struct hvh_request *req = o->req;
	o->req = NULL;
	if (!req)
		return;
	if (err)
		hvh_request_fail(
			req, "%s not sent: %s", synthvid_msg_type_to_str(o->type), strerror(-err));
	else
		hvh_request_done(req);
}

/* Sends queued replies in order until the ring is full; the guest signals when it frees
 * space (we set pending_send_sz), which brings us back here. */
static void flush(struct video *v)
{
	while (v->q_len && v->ch) {
		struct video_out *o = &v->queue[v->q_head];
		int ret = vmb_host_channel_send(v->ch, o->buf, o->len);
		if (ret == -EAGAIN)
			return;
		if (ret < 0)
			log_warn("%s not sent: %s", synthvid_msg_type_to_str(o->type),
				strerror(-ret));
		else
			counter_inc(hvh_device_tx(v->dev), synthvid_msg_type_to_str(o->type));
		v->q_head = (v->q_head + 1) % VIDEO_QUEUE_LEN;
		v->q_len--;
		out_complete(o, ret < 0 ? ret : 0);
	}
}

/* The channel went: whatever waited for it is not going to be sent. */
static void drop_queue(struct video *v)
{
	while (v->q_len) {
		struct video_out *o = &v->queue[v->q_head];
		v->q_head = (v->q_head + 1) % VIDEO_QUEUE_LEN;
		v->q_len--;
		out_complete(o, -ENOTCONN);
	}
	v->q_head = 0;
}

int video_send(struct video *v, const struct synthvid_msg *msg, struct hvh_request *req)
{
	if (!v->ch)
		return -ENOTCONN;
	if (v->q_len == VIDEO_QUEUE_LEN)
		return -ENOBUFS;
	struct video_out *o = &v->queue[(v->q_head + v->q_len) % VIDEO_QUEUE_LEN];
	enum synthvid_vid_size vs = v->cfg.vid_size_with_header ? SYNTHVID_VID_SIZE_WITH_HEADER
								: SYNTHVID_VID_SIZE_PAYLOAD_ONLY;
	int n = synthvid_encode(o->buf, sizeof(o->buf), msg, vs);
	if (n < 0) {
		log_bug_self(
			"cannot encode %s: %s", synthvid_msg_type_to_str(msg->type), strerror(-n));
		return n;
	}
	o->len = (uint16_t)n;
	o->type = msg->type;
	o->req = req;
	if (req)
		hvh_request_set_cancel(req, video_request_cancelled, v);
	v->q_len++;
	flush(v);
	return 0;
}

void video_request_cancelled(void *data, struct hvh_request *req)
{
	struct video *v = data;
	for (size_t i = 0; i < VIDEO_QUEUE_LEN; i++) {
		if (v->queue[i].req == req)
			v->queue[i].req = NULL;
	}
}

/* ---- the picture ---- */

const uint8_t *video_vram(const struct video *v)
{
	return v->mmio + (v->vram_gpa - v->mmio_gpa);
}

void video_reject(struct video *v, const char *reason)
{
	hvh_device_reject(v->dev, reason);
}

void video_apply_scanout(struct video *v)
{
	int ret = hvh_screen_set_scanout(v->screen, &v->scanout);
	if (ret < 0)
		log_error("cannot show %ux%u: %s", v->scanout.width, v->scanout.height,
			strerror(-ret));
	else if (ret > 0)
		log_info("mode %ux%u, pitch %u, offset %u, %u bpp: picture black until DIRT",
			v->scanout.width, v->scanout.height, v->scanout.pitch, v->scanout.offset,
			v->scanout.depth);
}

void video_show(struct video *v, const struct rect *r)
{
	video_apply_scanout(v);
	/* Polling copies everything on its own time. */
	if (v->cfg.refresh != HVH_VIDEO_REFRESH_POLL &&
		hvh_screen_copy(v->screen, video_vram(v), v->vram_size, r) < 0)
		log_bug_self("DIRT read outside VRAM: the scanout check missed it");
	if (!v->damage_timer)
		return;
	hvh_screen_add_damage(v->screen, r, loop_now_ms());
	/* Every outline shown is due no earlier than one armed before it. */
	if (!loop_timer_armed(v->damage_timer))
		loop_timer_arm(v->damage_timer, HVH_VIDEO_SHOW_DAMAGE_MS);
}

static void on_damage_due(void *data)
{
	struct video *v = data;
	int64_t now = loop_now_ms();
	int64_t next = hvh_screen_expire_damage(v->screen, now);
	if (next >= 0)
		loop_timer_arm(v->damage_timer, next - now);
}

static void on_poll(void *data)
{
	struct video *v = data;
	loop_timer_arm(v->poll_timer, v->cfg.poll_ms);
	if (!hvh_bus_guest_connected(v->bus))
		return;
	video_apply_scanout(v);
	const struct rect all = { 0, 0, (int32_t)v->scanout.width, (int32_t)v->scanout.height };
	hvh_screen_copy(v->screen, video_vram(v), v->vram_size, &all);
}

/* ---- the device's callbacks ---- */

static void on_guest_connected(void *model, uint32_t vmbus_version)
{
	struct video *v = model;
	/* vmbus-emu.md §4, §5: a new partition starts with VRAM at the window's start and the
	 * power-on mode; the picture stays until it sends something. */
	v->vram_gpa = v->mmio_gpa;
	v->scanout = HVH_SCANOUT_DEFAULT;
	v->mode_set = false;
	hvh_screen_reset_cursor(v->screen);
}

static void on_guest_disconnected(void *model)
{
	struct video *v = model;
	v->mode_set = false;
}

static void on_channel_opened(void *model, struct vmb_host_channel *ch)
{
	struct video *v = model;
	v->ch = ch;
	v->version = 0;
	v->q_head = v->q_len = 0;
}

static void on_channel_closed(void *model, enum vmb_host_close_reason reason)
{
	struct video *v = model;
	v->ch = NULL;
	v->version = 0;
	drop_queue(v);
}

static void on_signalled(void *model, struct vmb_host_channel *ch)
{
	struct video *v = model;
	flush(v);
	/* Read only while two replies would fit: a guest that does not read its ring stops
	 * being read, instead of losing replies. A corrupt ring closes the channel (v->ch). */
	while (v->ch && VIDEO_QUEUE_LEN - v->q_len >= 2) {
		struct vmb_ring_in pkt;
		int ret = vmb_host_channel_recv(v->ch, &pkt, v->rx, sizeof(v->rx));
		if (ret == -EMSGSIZE) {
			counter_inc(hvh_device_rx(v->dev), "UNKNOWN");
			log_bug_guest("a %u-byte packet: video messages take at most %u bytes",
				pkt.raw_len, (unsigned)VIDEO_MAX_PAYLOAD);
			video_reject(v, WHY_OVERSIZED);
			continue;
		}
		if (ret <= 0)
			return; // empty, or corrupt (vmb_host logged and rescinded it)
		video_handle_packet(v, &pkt);
	}
}

static void video_destroy(void *model)
{
	struct video *v = model;
	drop_queue(v);
	loop_remove(v->poll_timer);
	loop_remove(v->damage_timer);
	hvh_screen_destroy(v->screen);
	free(v);
}

static void provide_mode(void *data, uint32_t *width, uint32_t *height)
{
	const struct video *v = data;
	*width = v->scanout.width;
	*height = v->scanout.height;
}

/* ---- creation ---- */

static void declare_counters(struct video *v)
{
	static const enum synthvid_msg_type rx[] = { SYNTHVID_VERSION_REQUEST,
		SYNTHVID_VRAM_LOCATION, SYNTHVID_SITUATION_UPDATE, SYNTHVID_POINTER_POSITION,
		SYNTHVID_POINTER_SHAPE, SYNTHVID_DIRT, SYNTHVID_BIOS_INFO_REQUEST,
		SYNTHVID_RESOLUTION_REQUEST, SYNTHVID_CAPABILITY_REQUEST };
	static const enum synthvid_msg_type tx[] = { SYNTHVID_VERSION_RESPONSE,
		SYNTHVID_VRAM_LOCATION_ACK, SYNTHVID_SITUATION_UPDATE_ACK, SYNTHVID_FEATURE_CHANGE,
		SYNTHVID_BIOS_INFO_RESPONSE, SYNTHVID_RESOLUTION_RESPONSE,
		SYNTHVID_CAPABILITY_RESPONSE };
	for (size_t i = 0; i < ARRAY_LEN(rx); i++)
		counter_declare(hvh_device_rx(v->dev), synthvid_msg_type_to_str(rx[i]));
	for (size_t i = 0; i < ARRAY_LEN(tx); i++)
		counter_declare(hvh_device_tx(v->dev), synthvid_msg_type_to_str(tx[i]));
	struct counter_set *rejects = hvh_device_rejects(v->dev);
	for (size_t i = 0; synthvid_reject_reason(i); i++)
		counter_declare(rejects, synthvid_reject_reason(i));
	for (size_t i = 0; video_reject_reasons[i]; i++)
		counter_declare(rejects, video_reject_reasons[i]);
	counter_declare(rejects, WHY_OVERSIZED);
}

/* The EDID's preferred timing: the default mode, or the largest listed mode a detailed timing
 * can express (at most 4095 either way). */
static int build_edid(struct video *v)
{
	const struct hvh_video_size *def = &v->cfg.modes[v->cfg.default_index];
	if (synthvid_edid_build(v->edid, v->cfg.edid_name, def->width, def->height) == 0)
		return 0;
	uint64_t best = 0;
	struct hvh_video_size pick = { 1024, 768 };
	for (size_t i = 0; i < v->cfg.n_modes; i++) {
		const struct hvh_video_size *m = &v->cfg.modes[i];
		uint64_t px = (uint64_t)m->width * m->height;
		if (m->width <= 4095 && m->height <= 4095 && px > best) {
			best = px;
			pick = *m;
		}
	}
	return synthvid_edid_build(v->edid, v->cfg.edid_name, pick.width, pick.height);
}

static int setup(struct video *v, const struct hvh_env *env)
{
	char err[160];
	v->mmio = vmb_host_mmio(hvh_bus_host(env->bus), &v->mmio_gpa, &v->mmio_size);
	int ret = hvh_video_config_finish(&v->cfg, v->mmio_size, err, sizeof(err));
	if (ret < 0) {
		log_error("%s", err);
		return ret;
	}
	ret = build_edid(v);
	if (ret < 0) {
		log_error("cannot build the EDID: %s", strerror(-ret));
		return ret;
	}
	v->vram_size = v->cfg.vram_mb * MIB;
	v->vram_gpa = v->mmio_gpa;
	v->scanout = HVH_SCANOUT_DEFAULT;
	v->last_dirt_ms = loop_now_ms();
	ret = hvh_screen_create(&v->screen, &v->scanout);
	if (ret < 0)
		return ret;
	if (v->cfg.show_damage) {
		v->damage_timer = loop_add_timer(env->loop, on_damage_due, v);
		if (!v->damage_timer ||
			hvh_screen_set_show_damage(v->screen, HVH_VIDEO_SHOW_DAMAGE_MS) < 0)
			return -ENOMEM;
	}
	if (v->cfg.refresh == HVH_VIDEO_REFRESH_POLL) {
		v->poll_timer = loop_add_timer(env->loop, on_poll, v);
		if (!v->poll_timer)
			return -ENOMEM;
		loop_timer_arm(v->poll_timer, v->cfg.poll_ms);
	}
	return 0;
}

static const struct hvh_device_impl video_impl = {
	.name = "video",
	.ready_when_open = false,
	.guest_connected = on_guest_connected,
	.guest_disconnected = on_guest_disconnected,
	.channel_opened = on_channel_opened,
	.channel_closed = on_channel_closed,
	.channel_signalled = on_signalled,
	.stats = video_stats,
	.destroy = video_destroy,
};

int hvh_video_create(const struct hvh_env *env)
{
	struct video *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->loop = env->loop;
	v->bus = env->bus;
	v->monitor = env->monitor;
	v->cfg = env->config->video;
	int ret = setup(v, env);
	if (ret < 0) {
		video_destroy(v);
		return ret;
	}
	v->impl = video_impl;
	v->impl.desc = (struct vmb_host_device){
		.interface = vmb_guid_synthvid,
		.instance = vmb_guid_synthvid_instance,
		.mmio_megabytes = v->cfg.vram_mb,
		.pipe_mode = true,
	};
	ret = hvh_bus_add_device(env->bus, &v->impl, v, &v->dev);
	if (ret < 0) {
		video_destroy(v);
		return ret;
	}
	/* Owned by the bus from here: its destroy frees v on any error below. */
	declare_counters(v);
	hvh_bus_set_mode_provider(env->bus, provide_mode, v);
	ret = video_monitor_register(v);
	if (ret < 0)
		return ret;
	log_info("video: %zu modes (default %ux%u), %u MiB VRAM, refresh by %s", v->cfg.n_modes,
		v->cfg.modes[v->cfg.default_index].width, v->cfg.modes[v->cfg.default_index].height,
		v->cfg.vram_mb, v->cfg.refresh == HVH_VIDEO_REFRESH_POLL ? "polling" : "DIRT");
	return 0;
}

/* ---- the VNC front end's hooks ---- */

static struct video *video_from_device(struct hvh_device *dev)
{
	/* The type check of STYLE.md §8: the impl's destroy is ours only for a video model. */
	if (!dev || hvh_device_impl(dev)->destroy != video_destroy)
		return NULL;
	return hvh_device_model(dev);
}

struct hvh_screen *hvh_video_screen(struct hvh_device *dev)
{
	struct video *v = video_from_device(dev);
	return v ? v->screen : NULL;
}

int hvh_video_set_viewers(struct hvh_device *dev, unsigned viewers, bool dirt_when_idle)
{
	struct video *v = video_from_device(dev);
	if (!v)
		return -EINVAL;
	bool had = v->viewers > 0;
	v->viewers = viewers;
	if (had == (viewers > 0) || (!viewers && dirt_when_idle))
		return 0;
	if (!v->version)
		return -ENOTCONN;
	log_info("%s: FEATURE_CHANGE with DIRT %s",
		viewers ? "a viewer attached" : "no viewers left",
		viewers ? "needed" : "not needed");
	return video_send_feature(v, viewers > 0, true, true, true, NULL);
}
