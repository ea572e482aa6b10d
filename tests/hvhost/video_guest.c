/* A raw synthvid guest and monitor helpers for hvhost's video tests (video_guest.h). */
#include "video_guest.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "hvhost_harness.h"
#include "test.h"

struct hvhost_harness *video_host_start(const char *const *extra_args)
{
	struct hvhost_harness *h = NULL;
	int ret = hvhost_harness_start(&h, extra_args);
	if (ret == -ENOENT)
		SKIP("HVHOST is not set (run through meson test)");
	REQUIRE(ret == 0);
	return h;
}

int video_guest_open(struct video_guest *g, struct hvhost_harness *h)
{
	*g = (struct video_guest){ .vid_size = SYNTHVID_VID_SIZE_WITH_HEADER };
	const struct vmb_bus_options opts = {
		.socket_path = hvhost_harness_vmbus_path(h),
		.timeout_ms = HVHOST_HARNESS_TIMEOUT_MS,
	};
	int ret = vmb_bus_connect_emu(&g->bus, &opts);
	if (ret < 0) {
		NOTE("vmb_bus_connect_emu: %s", strerror(-ret));
		return ret;
	}
	ret = vmb_bus_find_offer(g->bus, &vmb_guid_synthvid, &g->offer);
	if (ret == 0)
		ret = vmb_bus_get_mmio(g->bus, &g->mmio);
	if (ret == 0)
		ret = vmb_channel_open(
			&g->ch, g->bus, &g->offer, VIDEO_GUEST_RING, VIDEO_GUEST_RING);
	if (ret < 0) {
		NOTE("opening the video channel: %s", strerror(-ret));
		video_guest_close(g);
	}
	return ret;
}

void video_guest_close(struct video_guest *g)
{
	vmb_channel_close(g->ch);
	vmb_bus_destroy(g->bus);
	g->ch = NULL;
	g->bus = NULL;
}

int video_guest_send_bytes(struct video_guest *g, const void *bytes, size_t len)
{
	for (;;) {
		int ret = vmb_channel_send(g->ch, bytes, len, 0, 0);
		if (ret != -EAGAIN) {
			if (ret < 0)
				NOTE("send: %s", strerror(-ret));
			return ret;
		}
		ret = vmb_channel_wait_writable(g->ch, len, HVHOST_HARNESS_TIMEOUT_MS);
		if (ret < 0) {
			NOTE("waiting for ring space: %s", strerror(-ret));
			return ret;
		}
	}
}

int video_guest_send(struct video_guest *g, const struct synthvid_msg *msg)
{
	static uint8_t buf[70 * 1024];
	int n = synthvid_encode(buf, sizeof(buf), msg, g->vid_size);
	if (n < 0) {
		NOTE("encode %s: %s", synthvid_msg_type_to_str(msg->type), strerror(-n));
		return n;
	}
	return video_guest_send_bytes(g, buf, (size_t)n);
}

int video_guest_recv(struct video_guest *g, struct synthvid_msg *out)
{
	for (;;) {
		struct vmb_ring_in pkt;
		int ret = vmb_channel_recv(g->ch, &pkt, g->buf, sizeof(g->buf));
		if (ret == 1) {
			g->payload = pkt.payload;
			g->len = pkt.payload_len;
			const char *why = NULL;
			ret = synthvid_decode(
				pkt.payload, pkt.payload_len, SYNTHVID_FROM_HOST, out, &why);
			if (ret < 0)
				NOTE("host message rejected: %s", why);
			return ret;
		}
		if (ret < 0) {
			NOTE("recv: %s", strerror(-ret));
			return ret;
		}
		ret = vmb_channel_wait_readable(g->ch, HVHOST_HARNESS_TIMEOUT_MS);
		if (ret < 0) {
			NOTE("waiting for the host: %s", strerror(-ret));
			return ret;
		}
	}
}

int video_guest_expect(struct video_guest *g, enum synthvid_msg_type type, struct synthvid_msg *out)
{
	struct synthvid_msg tmp;
	struct synthvid_msg *m = out ? out : &tmp;
	int ret = video_guest_recv(g, m);
	if (ret < 0)
		return ret;
	if (m->type != type) {
		NOTE("expected %s, got %s", synthvid_msg_type_to_str(type),
			synthvid_msg_type_to_str(m->type));
		return -EPROTO;
	}
	return 0;
}

int video_guest_version(
	struct video_guest *g, uint32_t version, struct synthvid_feature_change *feature)
{
	struct synthvid_msg m = { .type = SYNTHVID_VERSION_REQUEST };
	m.version_request.version = version;
	int ret = video_guest_send(g, &m);
	if (ret == 0)
		ret = video_guest_expect(g, SYNTHVID_VERSION_RESPONSE, &m);
	if (ret < 0)
		return ret;
	if (m.version_response.version != version) {
		NOTE("VERSION_RESPONSE echoes 0x%08x for 0x%08x", m.version_response.version,
			version);
		return -EPROTO;
	}
	int accepted = m.version_response.is_accepted;
	if (!accepted)
		return 0;
	ret = video_guest_expect(g, SYNTHVID_FEATURE_CHANGE, &m);
	if (ret < 0)
		return ret;
	if (feature)
		*feature = m.feature_change;
	return accepted;
}

int video_guest_sync(struct video_guest *g)
{
	const struct synthvid_msg m = { .type = SYNTHVID_BIOS_INFO_REQUEST };
	int ret = video_guest_send(g, &m);
	return ret < 0 ? ret : video_guest_expect(g, SYNTHVID_BIOS_INFO_RESPONSE, NULL);
}

int video_guest_set_mode(struct video_guest *g, uint32_t width, uint32_t height, uint32_t pitch,
	uint32_t offset, uint8_t depth)
{
	struct synthvid_msg m = { .type = SYNTHVID_SITUATION_UPDATE };
	m.situation_update.user_ctx = 0x5175;
	m.situation_update.video_output_count = 1;
	m.situation_update.outputs[0] = (struct synthvid_video_output){
		.active = 1,
		.vram_offset = offset,
		.depth_bits = depth,
		.width = width,
		.height = height,
		.pitch = pitch,
	};
	int ret = video_guest_send(g, &m);
	if (ret == 0)
		ret = video_guest_expect(g, SYNTHVID_SITUATION_UPDATE_ACK, &m);
	if (ret == 0 && m.situation_update_ack.user_ctx != 0x5175) {
		NOTE("SITUATION_UPDATE_ACK echoes 0x%llx",
			(unsigned long long)m.situation_update_ack.user_ctx);
		ret = -EPROTO;
	}
	return ret;
}

int video_guest_dirt(struct video_guest *g, const struct synthvid_rect *rects, size_t n)
{
	static uint8_t buf[SYNTHVID_HDRS_SIZE + 2 + 16 * 255];
	int len = synthvid_encode_dirt(buf, sizeof(buf), g->vid_size, 0, rects, n);
	if (len < 0) {
		NOTE("encode DIRT: %s", strerror(-len));
		return len;
	}
	return video_guest_send_bytes(g, buf, (size_t)len);
}

/* ---- monitor helpers ---- */

struct json_object *video_host_stats(struct hvhost_harness *h)
{
	return hvhost_harness_cmd(h, "{\"cmd\":\"stats\"}");
}

int64_t json_path_int(struct json_object *obj, const char *path)
{
	struct json_object *v = hvhost_json_path(obj, path);
	if (!v || !json_object_is_type(v, json_type_int)) {
		NOTE("stats: no integer at %s", path);
		return -1;
	}
	return json_object_get_int64(v);
}

int video_host_screenshot(struct hvhost_harness *h, bool cursor, struct png_image_rgb *out)
{
	char path[256], line[400];
	snprintf(path, sizeof(path), "%s", hvhost_harness_path(h, "shot.png"));
	snprintf(line, sizeof(line), "{\"cmd\":\"screenshot\",\"path\":\"%s\",\"cursor\":%s}", path,
		cursor ? "true" : "false");
	if (!hvhost_harness_ok(h, line))
		return -EIO;
	return png_read_rgb(path, out);
}
