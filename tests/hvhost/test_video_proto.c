/*
 * hvhost's synthetic video model against a raw guest (synthvid.md §0 host requirements, §9;
 * vmbus-emu.md §4-§6): what it answers, what it refuses and how `stats` counts it. Every
 * malformed or out-of-range message must be dropped with a counted reason, leave the model
 * working, and get no answer where the spec says none comes.
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <string.h>

#include "hvhost_harness.h"
#include "macros.h"
#include "synthvid_edid.h"
#include "test.h"
#include "video_guest.h"

#define MIB (1024u * 1024u)

#define CHECK_STAT(h, path, expected)                                                              \
	CHECK_EQ_INT(hvhost_harness_get((h), "stats", (path)), (expected))

/* A fresh host and a guest with its video channel open, nothing negotiated. */
static struct hvhost_harness *start_open(const char *const *args, struct video_guest *g)
{
	struct hvhost_harness *h = video_host_start(args);
	REQUIRE(video_guest_open(g, h) == 0);
	return h;
}

/* A fresh host and a guest with synthvid 3.5 negotiated. */
static struct hvhost_harness *start_negotiated(const char *const *args, struct video_guest *g)
{
	struct hvhost_harness *h = start_open(args, g);
	REQUIRE(video_guest_version(g, SYNTHVID_VERSION_3_5, NULL) > 0);
	return h;
}

static void finish(struct hvhost_harness *h, struct video_guest *g)
{
	video_guest_close(g);
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
}

static uint32_t vid_size_field(const struct video_guest *g)
{
	const uint8_t *p = g->payload + SYNTHVID_VID_SIZE_OFF;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- versions ---- */

static void test_version_accepted_then_feature_change(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start_open(NULL, &g);
	struct synthvid_msg m = { .type = SYNTHVID_VERSION_REQUEST };
	m.version_request.version = SYNTHVID_VERSION_3_5;
	REQUIRE(video_guest_send(&g, &m) == 0);
	REQUIRE(video_guest_expect(&g, SYNTHVID_VERSION_RESPONSE, &m) == 0);
	CHECK_EQ_INT(m.version_response.version, SYNTHVID_VERSION_3_5);
	CHECK_EQ_INT(m.version_response.is_accepted, 2);
	CHECK_EQ_INT(m.version_response.max_video_outputs, 1);
	/* vmbus-emu.md §5: vid.size without the header, as OpenVMM. */
	CHECK_EQ_INT(vid_size_field(&g), SYNTHVID_VERSION_RESPONSE_PAYLOAD);
	REQUIRE(video_guest_expect(&g, SYNTHVID_FEATURE_CHANGE, &m) == 0);
	CHECK(m.feature_change.is_dirt_needed && m.feature_change.is_ptr_pos_needed &&
		m.feature_change.is_ptr_shape_needed && m.feature_change.is_situ_needed);
	CHECK_STAT(h, "video.version", SYNTHVID_VERSION_3_5);
	CHECK_STAT(h, "video.tx.VERSION_RESPONSE", 1);
	CHECK_STAT(h, "video.tx.FEATURE_CHANGE", 1);
	CHECK(hvhost_harness_ok(h, "{\"cmd\":\"wait\",\"what\":\"device\",\"device\":\"video\"}"));
	finish(h, &g);
}

static void test_vid_size_with_header_option(void)
{
	struct video_guest g;
	struct hvhost_harness *h =
		start_negotiated((const char *[]){ "--vid-size-with-header", NULL }, &g);
	/* The FEATURE_CHANGE read last: 8 + 4 payload bytes. */
	CHECK_EQ_INT(vid_size_field(&g), 8 + SYNTHVID_FEATURE_CHANGE_PAYLOAD);
	/* And hvhost takes both conventions from the guest. */
	g.vid_size = SYNTHVID_VID_SIZE_PAYLOAD_ONLY;
	CHECK(video_guest_sync(&g) == 0);
	CHECK_STAT(h, "video.rejects_total", 0);
	finish(h, &g);
}

static void test_host_of_3_2_refuses_3_5(void)
{
	struct video_guest g;
	struct hvhost_harness *h =
		start_open((const char *[]){ "--video-versions", "3.2", NULL }, &g);
	/* Refused, echoed; the guest steps down as Linux does and is accepted. */
	CHECK_EQ_INT(video_guest_version(&g, SYNTHVID_VERSION_3_5, NULL), 0);
	CHECK_EQ_INT(video_guest_version(&g, SYNTHVID_VERSION_3_2, NULL), 2);
	CHECK_STAT(h, "video.version", SYNTHVID_VERSION_3_2);
	CHECK_STAT(h, "video.versions_refused", 1);
	CHECK_STAT(h, "video.rejects_total", 0);
	finish(h, &g);
}

static void test_host_refusing_every_version(void)
{
	struct video_guest g;
	struct hvhost_harness *h =
		start_open((const char *[]){ "--video-versions", "none", NULL }, &g);
	CHECK_EQ_INT(video_guest_version(&g, SYNTHVID_VERSION_3_5, NULL), 0);
	CHECK_EQ_INT(video_guest_version(&g, SYNTHVID_VERSION_3_2, NULL), 0);
	CHECK_EQ_INT(video_guest_version(&g, SYNTHVID_VERSION_3_0, NULL), 0);
	/* Still not negotiated: a DIRT is refused, and no FEATURE_CHANGE ever came. */
	const struct synthvid_rect r = { 0, 0, 8, 8 };
	CHECK(video_guest_dirt(&g, &r, 1) == 0);
	CHECK_EQ_INT(video_guest_version(&g, SYNTHVID_VERSION_3_5, NULL), 0);
	CHECK_STAT(h, "video.rejects.not_negotiated", 1);
	CHECK_STAT(h, "video.tx.FEATURE_CHANGE", 0);
	CHECK_STAT(h, "video.version", 0);
	finish(h, &g);
}

static void test_packets_before_negotiation_are_rejected(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start_open(NULL, &g);
	const struct synthvid_rect r = { 0, 0, 8, 8 };
	CHECK(video_guest_dirt(&g, &r, 1) == 0);
	struct synthvid_msg m = { .type = SYNTHVID_VRAM_LOCATION };
	m.vram_location.user_ctx = 1;
	CHECK(video_guest_send(&g, &m) == 0);
	m = (struct synthvid_msg){ .type = SYNTHVID_RESOLUTION_REQUEST };
	m.resolution_request.maximum_resolution_count = 64;
	CHECK(video_guest_send(&g, &m) == 0);
	/* None is answered: the first answer is to the version request after them. */
	CHECK_EQ_INT(video_guest_version(&g, SYNTHVID_VERSION_3_5, NULL), 2);
	CHECK_STAT(h, "video.rejects.not_negotiated", 3);
	CHECK_STAT(h, "video.rx.DIRT", 1);
	CHECK_STAT(h, "video.dirt_rects", 0);
	/* A second VERSION_REQUEST on the channel is out of sequence, and not answered. */
	m = (struct synthvid_msg){ .type = SYNTHVID_VERSION_REQUEST };
	m.version_request.version = SYNTHVID_VERSION_3_2;
	CHECK(video_guest_send(&g, &m) == 0);
	CHECK(video_guest_sync(&g) == 0);
	CHECK_STAT(h, "video.rejects.version_renegotiation", 1);
	CHECK_STAT(h, "video.version", SYNTHVID_VERSION_3_5);
	finish(h, &g);
}

/* ---- framing ---- */

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* pipe header + synthvid header + payload bytes of zeros. */
static size_t frame(
	uint8_t *buf, uint32_t pipe_type, uint32_t type, uint32_t vid_size, size_t payload)
{
	memset(buf, 0, 16 + payload);
	put_u32(buf, pipe_type);
	put_u32(buf + 4, (uint32_t)(8 + payload));
	put_u32(buf + 8, type);
	put_u32(buf + 12, vid_size);
	return 16 + payload;
}

static void test_unknown_types_and_bad_framing_are_rejected(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start_negotiated(NULL, &g);
	uint8_t buf[64];
	CHECK(video_guest_send_bytes(&g, buf, frame(buf, 1, 99, 8, 0)) == 0);
	CHECK(video_guest_send_bytes(&g, buf, frame(buf, 1, SYNTHVID_ERROR, 8, 0)) == 0);
	CHECK(video_guest_send_bytes(&g, buf, frame(buf, 1, SYNTHVID_VERSION_RESPONSE, 14, 6)) ==
		0);
	CHECK(video_guest_send_bytes(&g, buf, frame(buf, 2, SYNTHVID_BIOS_INFO_REQUEST, 8, 0)) ==
		0);
	CHECK(video_guest_send_bytes(&g, buf, frame(buf, 1, SYNTHVID_BIOS_INFO_REQUEST, 7, 0)) ==
		0);
	CHECK(video_guest_send_bytes(&g, buf, frame(buf, 1, SYNTHVID_DIRT, 9, 1)) == 0);
	/* pipe.size claims more than arrived. */
	frame(buf, 1, SYNTHVID_BIOS_INFO_REQUEST, 8, 0);
	put_u32(buf + 4, 64);
	CHECK(video_guest_send_bytes(&g, buf, 16) == 0);
	/* Shorter than the two headers. */
	CHECK(video_guest_send_bytes(&g, buf, 8) == 0);
	/* Both vid.size conventions are fine. */
	CHECK(video_guest_send_bytes(&g, buf, frame(buf, 1, SYNTHVID_BIOS_INFO_REQUEST, 0, 0)) ==
		0);
	CHECK(video_guest_expect(&g, SYNTHVID_BIOS_INFO_RESPONSE, NULL) == 0);
	CHECK(video_guest_sync(&g) == 0);

	struct json_object *stats = video_host_stats(h);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.unknown_type"), 1);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.unsupported_type"), 1);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.wrong_direction"), 1);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.bad_pipe_type"), 1);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.bad_vid_size"), 1);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.short_payload"), 1);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.bad_pipe_size"), 1);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.short_packet"), 1);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects_total"), 8);
	/* rx counts every message, rejected ones included, by its type's name. */
	CHECK_EQ_INT(json_path_int(stats, "video.rx.UNKNOWN"), 2);
	CHECK_EQ_INT(json_path_int(stats, "video.rx.VERSION_RESPONSE"), 1);
	json_object_put(stats);
	finish(h, &g);
}

static void test_oversized_packet_is_rejected(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start_negotiated(NULL, &g);
	static uint8_t big[SYNTHVID_HDRS_SIZE + 65536 + 64];
	size_t len = frame(big, 1, SYNTHVID_POINTER_SHAPE, 0, sizeof(big) - 16);
	CHECK(video_guest_send_bytes(&g, big, len) == 0);
	CHECK(video_guest_sync(&g) == 0);
	CHECK_STAT(h, "video.rejects.oversized_packet", 1);
	finish(h, &g);
}

/* ---- resolutions ---- */

static int request_resolutions(struct video_guest *g, uint8_t max, struct synthvid_msg *out)
{
	struct synthvid_msg m = { .type = SYNTHVID_RESOLUTION_REQUEST };
	m.resolution_request.maximum_resolution_count = max;
	int ret = video_guest_send(g, &m);
	return ret ? ret : video_guest_expect(g, SYNTHVID_RESOLUTION_RESPONSE, out);
}

static void test_resolution_list_is_configurable(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start_negotiated(
		(const char *[]){ "--modes", "800x600,1024x768,3840x2160", "--default-mode",
			"3840x2160", "--edid-name", "TestMonitor", NULL },
		&g);
	/* mmio_megabytes: round_up_2MiB(3840 * 2160 * 4) = 32 MiB. */
	CHECK_EQ_INT(g.offer.mmio_megabytes, 32);
	struct synthvid_msg m;
	REQUIRE(request_resolutions(&g, 64, &m) == 0);
	const struct synthvid_resolution_response *r = &m.resolution_response;
	CHECK_EQ_INT(r->resolution_count, 3);
	CHECK_EQ_INT(r->default_resolution_index, 2);
	CHECK_EQ_INT(r->resolutions[0].width, 800);
	CHECK_EQ_INT(r->resolutions[2].height, 2160);
	char name[16];
	CHECK_EQ_INT(synthvid_edid_monitor_name(r->edid, name, sizeof(name)), 11);
	CHECK(strcmp(name, "TestMonitor") == 0);
	/* A guest taking fewer gets that many, and still the default (OpenVMM sends none). */
	REQUIRE(request_resolutions(&g, 2, &m) == 0);
	CHECK_EQ_INT(r->resolution_count, 2);
	CHECK_EQ_INT(r->default_resolution_index, 1);
	CHECK_EQ_INT(r->resolutions[0].width, 800);
	CHECK_EQ_INT(r->resolutions[1].width, 3840);
	CHECK_STAT(h, "video.vram.size", 32 * MIB);
	finish(h, &g);
}

static void test_default_resolutions_fit_default_vram(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start_negotiated(NULL, &g);
	CHECK_EQ_INT(g.offer.mmio_megabytes, 8);
	struct synthvid_msg m;
	REQUIRE(request_resolutions(&g, 64, &m) == 0);
	const struct synthvid_resolution_response *r = &m.resolution_response;
	CHECK(r->resolution_count >= 1);
	CHECK(r->default_resolution_index < r->resolution_count);
	for (size_t i = 0; i < r->resolution_count; i++)
		CHECK((uint64_t)r->resolutions[i].width * r->resolutions[i].height * 4 <= 8 * MIB);
	char name[16];
	CHECK(synthvid_edid_monitor_name(r->edid, name, sizeof(name)) > 0 &&
		strcmp(name, "hvhost") == 0);
	finish(h, &g);
}

static void test_bad_host_configurations_refuse_to_start(void)
{
	static const char *const bad[][3] = {
		{ "--modes", "1024x768,0x5", NULL },
		{ "--default-mode", "1x1", NULL }, /* not in the default list */
		{ "--video-versions", "3", NULL }, { "--refresh", "sometimes", NULL },
		{ "--edid-name", "a name that is far too long", NULL },
		{ "--modes", "16384x16384", NULL }, /* 1 GiB of VRAM, window 128 MiB */
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct hvhost_harness *h = NULL;
		int ret = hvhost_harness_start(&h, bad[i]);
		if (ret == -ENOENT)
			SKIP("HVHOST is not set (run through meson test)");
		CHECK_MSG(ret == -ECHILD, "%s %s: %d", bad[i][0], bad[i][1], ret);
		hvhost_harness_destroy(h);
	}
}

/* ---- VRAM location (vmbus-emu.md §4) ---- */

/* Sends VRAM_LOCATION; then a BIOS_INFO_REQUEST whose answer must come first when the
 * location is refused (no ack at all). Returns 1 acked (with user_ctx echoed), 0 refused. */
static int vram_location(struct video_guest *g, bool specified, uint64_t gpa, uint64_t user_ctx)
{
	struct synthvid_msg m = { .type = SYNTHVID_VRAM_LOCATION };
	m.vram_location = (struct synthvid_vram_location){ user_ctx, specified, gpa };
	if (video_guest_send(g, &m) < 0)
		return -1;
	m = (struct synthvid_msg){ .type = SYNTHVID_BIOS_INFO_REQUEST };
	if (video_guest_send(g, &m) < 0 || video_guest_recv(g, &m) < 0)
		return -1;
	if (m.type == SYNTHVID_BIOS_INFO_RESPONSE)
		return 0;
	bool ok = m.type == SYNTHVID_VRAM_LOCATION_ACK && m.vram_location_ack.user_ctx == user_ctx;
	if (video_guest_expect(g, SYNTHVID_BIOS_INFO_RESPONSE, NULL) < 0)
		return -1;
	return ok ? 1 : -1;
}

static void test_vram_location_must_lie_inside_the_window(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start_negotiated(NULL, &g);
	const uint64_t base = g.mmio.gpa, size = g.mmio.size, vram = 8 * MIB;
	CHECK_EQ_INT(vram_location(&g, true, base + 100, 1), 0);
	CHECK_EQ_INT(vram_location(&g, true, base - 4096, 2), 0);
	CHECK_EQ_INT(vram_location(&g, true, base + size - vram + 4096, 3), 0);
	CHECK_EQ_INT(vram_location(&g, true, 0xfffffffffffff000ull, 4), 0);
	CHECK_EQ_INT(vram_location(&g, true, 0, 5), 0);
	CHECK_STAT(h, "video.rejects.vram_gpa_unaligned", 1);
	CHECK_STAT(h, "video.rejects.vram_gpa_outside_window", 4);
	CHECK_STAT(h, "video.tx.VRAM_LOCATION_ACK", 0);
	CHECK_STAT(h, "video.vram.gpa", (int64_t)base);
	/* The last place that fits, and "not specified" going back to the window's start. */
	CHECK_EQ_INT(vram_location(&g, true, base + size - vram, 0x1122334455667788ull), 1);
	CHECK_STAT(h, "video.vram.gpa", (int64_t)(base + size - vram));
	CHECK_EQ_INT(vram_location(&g, false, 12345, 7), 1);
	CHECK_STAT(h, "video.vram.gpa", (int64_t)base);
	finish(h, &g);
}

/* ---- situation ---- */

static int situation(struct video_guest *g, uint8_t outputs, uint32_t w, uint32_t h, uint32_t pitch,
	uint32_t offset, uint8_t depth)
{
	struct synthvid_msg m = { .type = SYNTHVID_SITUATION_UPDATE };
	m.situation_update.video_output_count = outputs;
	for (size_t i = 0; i < outputs; i++)
		m.situation_update.outputs[i] =
			(struct synthvid_video_output){ 1, offset, depth, w, h, pitch };
	if (video_guest_send(g, &m) < 0)
		return -1;
	m = (struct synthvid_msg){ .type = SYNTHVID_BIOS_INFO_REQUEST };
	if (video_guest_send(g, &m) < 0 || video_guest_recv(g, &m) < 0)
		return -1;
	if (m.type == SYNTHVID_BIOS_INFO_RESPONSE)
		return 0;
	bool ok = m.type == SYNTHVID_SITUATION_UPDATE_ACK;
	return video_guest_expect(g, SYNTHVID_BIOS_INFO_RESPONSE, NULL) == 0 && ok ? 1 : -1;
}

static void test_situation_update_checked_against_vram(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start_negotiated(NULL, &g);
	const uint32_t vram = 8 * MIB;
	CHECK_EQ_INT(situation(&g, 1, 1024, 2049, 4096, 0, 32), 0); /* pitch x height > VRAM */
	CHECK_EQ_INT(situation(&g, 1, 1024, 2048, 4096, 4, 32), 0); /* the offset tips it over */
	CHECK_EQ_INT(situation(&g, 1, 1024, 768, 4095, 0, 32), 0);  /* pitch < width * 4 */
	CHECK_EQ_INT(situation(&g, 1, 1024, 768, 4096, 0, 24), 0);
	CHECK_EQ_INT(situation(&g, 1, 1024, 768, 4096, 0, 16), 0); /* 16 bpp only on 3.0 */
	CHECK_EQ_INT(situation(&g, 1, 0, 768, 4096, 0, 32), 0);
	CHECK_EQ_INT(situation(&g, 1, 1024, 0, 4096, 0, 32), 0);
	CHECK_EQ_INT(situation(&g, 2, 1024, 768, 4096, 0, 32), 0);
	CHECK_EQ_INT(situation(&g, 1, 2, 2, UINT32_MAX, UINT32_MAX, 32), 0); /* no wrap-around */
	CHECK_EQ_INT(situation(&g, 1, 20000, 1, 80000, 0, 32), 0);
	struct json_object *stats = video_host_stats(h);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.situation_outside_vram"), 3);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.situation_pitch"), 1);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.situation_depth"), 2);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.situation_zero_size"), 2);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.video_output_count"), 1);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.situation_too_large"), 1);
	CHECK_EQ_INT(json_path_int(stats, "video.tx.SITUATION_UPDATE_ACK"), 0);
	CHECK(hvhost_json_path(stats, "mode") == NULL);
	json_object_put(stats);
	/* Exactly the whole VRAM, with an odd pitch, is fine. */
	CHECK_EQ_INT(situation(&g, 1, 1000, vram / 4004, 4004, vram % 4004, 32), 1);
	CHECK(hvhost_harness_ok(
		h, "{\"cmd\":\"wait\",\"what\":\"mode\",\"width\":1000,\"timeout_ms\":0}"));
	stats = video_host_stats(h);
	CHECK_EQ_INT(json_path_int(stats, "mode.width"), 1000);
	CHECK_EQ_INT(json_path_int(stats, "mode.height"), vram / 4004);
	CHECK_EQ_INT(json_path_int(stats, "mode.pitch"), 4004);
	json_object_put(stats);
	finish(h, &g);
}

static void test_wait_mode_waits_for_that_mode(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start_negotiated(NULL, &g);
	struct hvhost_conn *waiter = hvhost_harness_connect(h);
	REQUIRE(waiter);
	static const char wait[] =
		"{\"cmd\":\"wait\",\"what\":\"mode\",\"width\":800,\"height\":600}\n";
	REQUIRE(hvhost_conn_send(waiter, wait, strlen(wait)) == 0);
	REQUIRE(video_guest_set_mode(&g, 640, 480, 2560, 0, 32) == 0);
	REQUIRE(video_guest_set_mode(&g, 800, 600, 3200, 0, 32) == 0);
	struct json_object *r = hvhost_conn_read(waiter);
	CHECK_EQ_INT(json_path_int(r, "mode.width"), 800);
	CHECK_EQ_INT(json_path_int(r, "mode.height"), 600);
	json_object_put(r);
	finish(h, &g);
}

/* ---- DIRT ---- */

static void test_dirt_rects_are_clipped_or_rejected(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start_negotiated(NULL, &g);
	REQUIRE(video_guest_set_mode(&g, 640, 480, 2560, 0, 32) == 0);
	const struct synthvid_rect rects[] = {
		{ 10, 10, 20, 20 },                             /* 100 px */
		{ -5, -5, 5, 5 },                               /* clipped: 25 px */
		{ 630, 470, 700, 500 },                         /* clipped: 100 px */
		{ INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX }, /* clipped: the whole mode */
		{ 5, 5, 5, 10 },                                /* empty */
		{ 10, 10, 5, 5 },                               /* inverted */
		{ 700, 0, 800, 10 },                            /* outside */
		{ -10, -10, -1, -1 },                           /* outside */
		{ 0, 480, 640, 481 },                           /* outside: y2 is exclusive */
	};
	REQUIRE(video_guest_dirt(&g, rects, ARRAY_LEN(rects)) == 0);
	/* A DIRT for another output is refused whole. */
	uint8_t buf[64];
	int n = synthvid_encode_dirt(buf, sizeof(buf), g.vid_size, 1, rects, 1);
	REQUIRE(n > 0);
	REQUIRE(video_guest_send_bytes(&g, buf, (size_t)n) == 0);
	REQUIRE(video_guest_sync(&g) == 0);
	struct json_object *stats = video_host_stats(h);
	CHECK_EQ_INT(json_path_int(stats, "video.rx.DIRT"), 2);
	CHECK_EQ_INT(json_path_int(stats, "video.dirt_rects"), 4);
	CHECK_EQ_INT(json_path_int(stats, "video.dirt_pixels"), 100 + 25 + 100 + 640 * 480);
	CHECK_EQ_INT(json_path_int(stats, "video.dirt_rects_clipped"), 3);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.dirt_rect_empty"), 2);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.dirt_rect_outside"), 3);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.video_output"), 1);
	json_object_put(stats);
	finish(h, &g);
}

static void test_dirt_before_situation_uses_the_power_on_mode(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start_negotiated(NULL, &g);
	const struct synthvid_rect r = { 1000, 700, 2000, 2000 };
	REQUIRE(video_guest_dirt(&g, &r, 1) == 0);
	REQUIRE(video_guest_sync(&g) == 0);
	CHECK_STAT(h, "video.dirt_pixels", 24 * 68);
	finish(h, &g);
}

/* ---- cursor ---- */

static int pointer_shape(
	struct video_guest *g, uint8_t part, uint32_t w, uint32_t hgt, size_t data_len)
{
	static uint8_t data[SYNTHVID_CURSOR_MAX_DATA + 64];
	memset(data, 0xff, sizeof(data));
	struct synthvid_msg m = { .type = SYNTHVID_POINTER_SHAPE };
	m.pointer_shape = (struct synthvid_pointer_shape){
		.part_idx = part,
		.is_argb = 1,
		.width = w,
		.height = hgt,
		.data = data,
		.data_len = data_len,
	};
	return video_guest_send(g, &m);
}

static void test_pointer_shapes_are_checked(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start_negotiated(NULL, &g);
	CHECK(pointer_shape(&g, 0xff, 97, 1, 97 * 4) == 0);
	CHECK(pointer_shape(&g, 0xff, 1, 97, 97 * 4) == 0);
	CHECK(pointer_shape(&g, 0xff, 4, 4, 4 * 4 * 4 - 1) == 0);
	CHECK(pointer_shape(&g, 0xff, 4, 4, 4 * 4 * 4 + 4) == 0);
	CHECK(pointer_shape(&g, 0, 4, 4, 16) == 0);
	REQUIRE(video_guest_sync(&g) == 0);
	struct json_object *stats = video_host_stats(h);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.cursor_size"), 2);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.cursor_data_length"), 2);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects.cursor_part"), 1);
	CHECK(!json_object_get_boolean(hvhost_json_path(stats, "video.cursor.shape")));
	json_object_put(stats);
	/* The largest cursor (36 KiB, over OpenVMM's 16 KiB) is taken whole. */
	CHECK(pointer_shape(&g, 0xff, 96, 96, SYNTHVID_CURSOR_MAX_DATA) == 0);
	REQUIRE(video_guest_sync(&g) == 0);
	stats = video_host_stats(h);
	CHECK(json_object_get_boolean(hvhost_json_path(stats, "video.cursor.shape")));
	CHECK_EQ_INT(json_path_int(stats, "video.cursor.width"), 96);
	CHECK_EQ_INT(json_path_int(stats, "video.rejects_total"), 5);
	json_object_put(stats);
	finish(h, &g);
}

/* ---- feature, BIOS info, capability ---- */

static void test_feature_command_sends_feature_change(void)
{
	struct hvhost_harness *h = video_host_start(NULL);
	struct video_guest g;
	/* Nothing to send it to yet. */
	CHECK(!hvhost_harness_ok(h, "{\"cmd\":\"feature\"}"));
	REQUIRE(video_guest_open(&g, h) == 0);
	CHECK(!hvhost_harness_ok(h, "{\"cmd\":\"feature\"}"));
	REQUIRE(video_guest_version(&g, SYNTHVID_VERSION_3_5, NULL) > 0);
	CHECK(hvhost_harness_ok(h, "{\"cmd\":\"feature\",\"dirt\":false,\"situation\":false}"));
	struct synthvid_msg m;
	REQUIRE(video_guest_expect(&g, SYNTHVID_FEATURE_CHANGE, &m) == 0);
	CHECK_EQ_INT(m.feature_change.is_dirt_needed, 0);
	CHECK_EQ_INT(m.feature_change.is_ptr_pos_needed, 1);
	CHECK_EQ_INT(m.feature_change.is_ptr_shape_needed, 1);
	CHECK_EQ_INT(m.feature_change.is_situ_needed, 0);
	struct json_object *stats = video_host_stats(h);
	CHECK(!json_object_get_boolean(hvhost_json_path(stats, "video.feature.dirt")));
	CHECK_EQ_INT(json_path_int(stats, "video.tx.FEATURE_CHANGE"), 2);
	json_object_put(stats);
	finish(h, &g);
}

static void test_bios_info_and_capability_are_answered(void)
{
	struct video_guest g;
	struct hvhost_harness *h = start_negotiated(NULL, &g);
	struct synthvid_msg m = { .type = SYNTHVID_BIOS_INFO_REQUEST };
	REQUIRE(video_guest_send(&g, &m) == 0);
	REQUIRE(video_guest_expect(&g, SYNTHVID_BIOS_INFO_RESPONSE, &m) == 0);
	CHECK_EQ_INT(m.bios_info_response.stop_device_supported, 1);
	m = (struct synthvid_msg){ .type = SYNTHVID_CAPABILITY_REQUEST };
	REQUIRE(video_guest_send(&g, &m) == 0);
	REQUIRE(video_guest_expect(&g, SYNTHVID_CAPABILITY_RESPONSE, &m) == 0);
	CHECK_EQ_INT(m.capability_response.lock_on_disconnect, 0);
	finish(h, &g);
}

static const struct test_case cases[] = {
	TEST_CASE(test_version_accepted_then_feature_change),
	TEST_CASE(test_vid_size_with_header_option),
	TEST_CASE(test_host_of_3_2_refuses_3_5),
	TEST_CASE(test_host_refusing_every_version),
	TEST_CASE(test_packets_before_negotiation_are_rejected),
	TEST_CASE(test_unknown_types_and_bad_framing_are_rejected),
	TEST_CASE(test_oversized_packet_is_rejected),
	TEST_CASE(test_resolution_list_is_configurable),
	TEST_CASE(test_default_resolutions_fit_default_vram),
	TEST_CASE(test_bad_host_configurations_refuse_to_start),
	TEST_CASE(test_vram_location_must_lie_inside_the_window),
	TEST_CASE(test_situation_update_checked_against_vram),
	TEST_CASE(test_wait_mode_waits_for_that_mode),
	TEST_CASE(test_dirt_rects_are_clipped_or_rejected),
	TEST_CASE(test_dirt_before_situation_uses_the_power_on_mode),
	TEST_CASE(test_pointer_shapes_are_checked),
	TEST_CASE(test_feature_command_sends_feature_change),
	TEST_CASE(test_bios_info_and_capability_are_answered),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
