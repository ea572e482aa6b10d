/*
 * hvhost's keyboard and mouse models (vmbus-emu.md §5, §6; synthinput.md §1.5, §2.7) in the
 * real binary, against a raw guest: lib vmb's channels carrying hand-made payloads, so every
 * byte the host sends is compared with the golden files and every bad message a guest can send
 * is tried. Rejects must be logged, counted by reason in `stats`, and leave the channel open.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "hexfile.h"
#include "hvhost_harness.h"
#include "macros.h"
#include "test.h"
#include "vmb.h"

#define RING_BYTES (40 * 1024)
#define WAIT_MS 10000

struct guest {
	struct hvhost_harness *h;
	struct vmb_bus *bus;
	struct vmb_channel *ch;
	uint8_t buf[4096];
};

static void start(struct guest *g, const struct vmb_guid *device)
{
	*g = (struct guest){ 0 };
	int ret = hvhost_harness_start(&g->h, (const char *[]){ "--no-video", NULL });
	if (ret == -ENOENT)
		SKIP("HVHOST is not set (run through meson test)");
	REQUIRE(ret == 0);
	const struct vmb_bus_options opts = { .socket_path = hvhost_harness_vmbus_path(g->h) };
	REQUIRE(vmb_bus_connect_emu(&g->bus, &opts) == 0);
	struct vmb_offer offer;
	REQUIRE(vmb_bus_find_offer(g->bus, device, &offer) == 0);
	REQUIRE(vmb_channel_open(&g->ch, g->bus, &offer, RING_BYTES, RING_BYTES) == 0);
}

static void stop(struct guest *g)
{
	vmb_channel_close(g->ch);
	vmb_bus_destroy(g->bus);
	CHECK_EQ_INT(hvhost_harness_stop(g->h), 0);
	hvhost_harness_destroy(g->h);
}

static void send_bytes(struct guest *g, const void *bytes, size_t len)
{
	REQUIRE(vmb_channel_send(g->ch, bytes, len, 1, VMB_PKT_FLAG_COMPLETION_REQUESTED) == 0);
}

/* The next packet's payload (padded length) into g->buf; fails the case when none comes. */
static size_t recv_payload(struct guest *g)
{
	struct vmb_ring_in pkt;
	for (;;) {
		int ret = vmb_channel_recv(g->ch, &pkt, g->buf, sizeof(g->buf));
		if (ret == 1)
			break;
		REQUIRE(ret == 0);
		REQUIRE(vmb_channel_wait_readable(g->ch, WAIT_MS) == 0);
	}
	CHECK_EQ_INT(pkt.type, VMB_PKT_DATA_INBAND);
	CHECK_EQ_INT(pkt.flags, 0);
	CHECK_EQ_INT(pkt.trans_id, 0);
	memmove(g->buf, pkt.payload, pkt.payload_len);
	return pkt.payload_len;
}

/* The next packet is exactly the golden file (plus the ring's zero padding). */
static void expect_golden(struct guest *g, const char *path)
{
	uint8_t golden[512];
	int len = hexfile_load(path, golden, sizeof(golden));
	REQUIRE(len > 0);
	size_t got = recv_payload(g);
	CHECK_EQ_INT(got, ((size_t)len + 7) & ~(size_t)7);
	CHECK_MSG(memcmp(g->buf, golden, (size_t)len) == 0, "bytes differ from %s", path);
	for (size_t i = (size_t)len; i < got; i++)
		CHECK_EQ_INT(g->buf[i], 0);
}

static bool cmd(struct guest *g, const char *line)
{
	struct json_object *reply = hvhost_harness_cmd(g->h, line);
	struct json_object *ok = NULL;
	bool result =
		reply && json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok);
	if (!result)
		NOTE("%s: %s", line, reply ? json_object_to_json_string(reply) : "(none)");
	json_object_put(reply);
	return result;
}

/* stats.<dev>.<group>.<name> (group NULL: stats.<dev>.<name>); -1 when missing. */
static int64_t stat_of(struct guest *g, const char *dev, const char *group, const char *name)
{
	struct json_object *stats = hvhost_harness_cmd(g->h, "{\"cmd\":\"stats\"}");
	struct json_object *o = NULL, *d = NULL, *v = NULL;
	int64_t result = -1;
	if (json_object_object_get_ex(stats, dev, &d) &&
		(!group || json_object_object_get_ex(d, group, &o)) &&
		json_object_object_get_ex(group ? o : d, name, &v))
		result = json_object_get_int64(v);
	json_object_put(stats);
	return result;
}

/*
 * Waits for a counter to reach want. The host reads its ring when signalled, independently of
 * the monitor, so this asks again (bounded); each round trip passes through the host's loop.
 */
static int64_t stat_reaches(
	struct guest *g, const char *dev, const char *group, const char *name, int64_t want)
{
	int64_t v = -1;
	for (int i = 0; i < 2000 && v != want; i++)
		v = stat_of(g, dev, group, name);
	return v;
}

/* ---- keyboard ---- */

static const uint8_t kbd_request_1_0[8] = { 1, 0, 0, 0, 0, 0, 1, 0 };

static void test_keyboard_bytes(void)
{
	struct guest g;
	start(&g, &vmb_guid_keyboard);
	static const uint8_t request_2_0[8] = { 1, 0, 0, 0, 0, 0, 2, 0 };
	send_bytes(&g, request_2_0, sizeof(request_2_0));
	expect_golden(&g, "tests/data/synthkbd/protocol_response_rejected.hex");
	CHECK(!cmd(&g,
		"{\"cmd\":\"wait\",\"what\":\"device\",\"device\":\"keyboard\",\"timeout_ms\":0}"));
	send_bytes(&g, kbd_request_1_0, sizeof(kbd_request_1_0));
	expect_golden(&g, "tests/data/synthkbd/protocol_response_accepted.hex");
	REQUIRE(cmd(&g, "{\"cmd\":\"wait\",\"what\":\"device\",\"device\":\"keyboard\"}"));

	REQUIRE(cmd(&g, "{\"cmd\":\"key\",\"keys\":\"a\"}"));
	expect_golden(&g, "tests/data/synthkbd/event_a_make.hex");
	recv_payload(&g);
	static const uint8_t a_break[12] = { 3, 0, 0, 0, 0x1e, 0, 0, 0, 2, 0, 0, 0 };
	CHECK_MEM(g.buf, a_break, sizeof(a_break));

	/* Pause: (IS_E1, 0x1D) then 0x45, and both again with IS_BREAK (vmbus-emu.md §5). */
	REQUIRE(cmd(&g, "{\"cmd\":\"key\",\"keys\":\"pause\"}"));
	expect_golden(&g, "tests/data/synthkbd/event_pause_e1.hex");
	static const uint8_t pause_tail[12] = { 3, 0, 0, 0, 0x45, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t pause_e1_break[12] = { 3, 0, 0, 0, 0x1d, 0, 0, 0, 0x0a, 0, 0, 0 };
	static const uint8_t pause_tail_break[12] = { 3, 0, 0, 0, 0x45, 0, 0, 0, 0x02, 0, 0, 0 };
	recv_payload(&g);
	CHECK_MEM(g.buf, pause_tail, 12);
	recv_payload(&g);
	CHECK_MEM(g.buf, pause_e1_break, 12);
	recv_payload(&g);
	CHECK_MEM(g.buf, pause_tail_break, 12);

	/* PrintScreen: one E0 0x37 each way, no fake shifts. */
	REQUIRE(cmd(&g, "{\"cmd\":\"key\",\"keys\":\"sysrq\"}"));
	static const uint8_t prtsc[12] = { 3, 0, 0, 0, 0x37, 0, 0, 0, 0x04, 0, 0, 0 };
	static const uint8_t prtsc_break[12] = { 3, 0, 0, 0, 0x37, 0, 0, 0, 0x06, 0, 0, 0 };
	recv_payload(&g);
	CHECK_MEM(g.buf, prtsc, 12);
	recv_payload(&g);
	CHECK_MEM(g.buf, prtsc_break, 12);

	REQUIRE(cmd(&g, "{\"cmd\":\"key\",\"keys\":\"rightctrl\"}"));
	recv_payload(&g);
	expect_golden(&g, "tests/data/synthkbd/event_rightctrl_break.hex");
	CHECK_EQ_INT(stat_of(&g, "keyboard", "tx", "EVENT"), 2 + 4 + 2 + 2);
	CHECK_EQ_INT(stat_of(&g, "keyboard", "tx", "PROTOCOL_RESPONSE"), 2);
	stop(&g);
}

static void test_keyboard_rejects_by_reason(void)
{
	struct guest g;
	start(&g, &vmb_guid_keyboard);
	static const uint8_t led_caps[8] = { 4, 0, 0, 0, 4, 0, 0, 0 };
	static const uint8_t event[12] = { 3, 0, 0, 0, 0x1e, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t unknown[8] = { 9, 0, 0, 0, 0, 0, 0, 0 };
	/* The ring pads to 8 bytes, so only an EVENT (12) can arrive too short. */
	static const uint8_t short_event[8] = { 3, 0, 0, 0, 0x1e, 0, 0, 0 };
	static const uint8_t bad_leds[8] = { 4, 0, 0, 0, 0x10, 0, 0, 0 };
	static uint8_t oversized[300] = { 4 };
	send_bytes(&g, led_caps, sizeof(led_caps));       // out_of_order: before the version
	send_bytes(&g, event, sizeof(event));             // wrong_direction
	send_bytes(&g, unknown, sizeof(unknown));         // the codec's reason
	send_bytes(&g, short_event, sizeof(short_event)); // too short
	send_bytes(&g, oversized, sizeof(oversized));     // too_long
	const struct vmb_iov iov = { kbd_request_1_0, 8 };
	const struct vmb_ring_out comp = {
		.type = VMB_PKT_COMP, .trans_id = 7, .iov = &iov, .iov_count = 1
	};
	REQUIRE(vmb_channel_send_batch(g.ch, &comp, 1) == 1); // ignored, not rejected
	/* Messages are handled in order: once this is answered, the ones above were judged. */
	send_bytes(&g, kbd_request_1_0, sizeof(kbd_request_1_0));
	expect_golden(&g, "tests/data/synthkbd/protocol_response_accepted.hex");
	CHECK_EQ_INT(stat_of(&g, "keyboard", "rejects", "out_of_order"), 1);
	CHECK_EQ_INT(stat_of(&g, "keyboard", "rejects", "wrong_direction"), 1);
	CHECK_EQ_INT(stat_of(&g, "keyboard", "rejects", "too_long"), 1);
	CHECK_EQ_INT(stat_of(&g, "keyboard", NULL, "rejects_total"), 5);
	CHECK_EQ_INT(stat_of(&g, "keyboard", NULL, "completions_ignored"), 1);
	CHECK_EQ_INT(stat_of(&g, "keyboard", "rx", "SET_LED_INDICATORS"), 1);
	CHECK_EQ_INT(stat_of(&g, "keyboard", "rx", "EVENT"), 2);
	CHECK_EQ_INT(stat_of(&g, "keyboard", "rx", "UNKNOWN"), 2);

	/* Active: a second version request and bad LED flags are rejects; good LEDs are kept. */
	send_bytes(&g, kbd_request_1_0, sizeof(kbd_request_1_0));
	send_bytes(&g, bad_leds, sizeof(bad_leds));
	send_bytes(&g, led_caps, sizeof(led_caps));
	CHECK_EQ_INT(stat_reaches(&g, "keyboard", NULL, "leds", 4), 4);
	CHECK_EQ_INT(stat_of(&g, "keyboard", "rejects", "out_of_order"), 2);
	CHECK_EQ_INT(stat_of(&g, "keyboard", NULL, "rejects_total"), 7);
	CHECK(stat_of(&g, "keyboard", NULL, "open") != 0);
	/* Still open and serving keys. */
	REQUIRE(cmd(&g, "{\"cmd\":\"key\",\"keys\":\"a\"}"));
	expect_golden(&g, "tests/data/synthkbd/event_a_make.hex");
	stop(&g);
}

/* Keys wait in the host when the guest does not read; the reply waits for the ring. */
static void test_keyboard_queue_when_ring_full(void)
{
	struct guest g;
	start(&g, &vmb_guid_keyboard);
	send_bytes(&g, kbd_request_1_0, sizeof(kbd_request_1_0));
	expect_golden(&g, "tests/data/synthkbd/protocol_response_accepted.hex");
	REQUIRE(cmd(&g, "{\"cmd\":\"wait\",\"what\":\"device\",\"device\":\"keyboard\"}"));
	/* 600 capitals are 2400 EVENTs of 32 ring bytes each: twice the 36 KiB ring. */
	static char line[700];
	int n = snprintf(line, sizeof(line), "{\"cmd\":\"type\",\"text\":\"");
	for (int i = 0; i < 600; i++)
		line[n++] = 'A';
	snprintf(line + n, sizeof(line) - (size_t)n, "\"}\n");
	struct hvhost_conn *conn = hvhost_harness_connect(g.h);
	REQUIRE(conn);
	REQUIRE(hvhost_conn_send(conn, line, strlen(line)) == 0);
	int64_t queued = -1;
	for (int i = 0; i < 2000 && queued <= 0; i++)
		queued = stat_of(&g, "keyboard", NULL, "queued");
	CHECK(queued > 0);
	NOTE("%lld events waiting for ring space", (long long)queued);
	/* Read everything: the host refills as space frees, and only then replies. */
	size_t events = 0;
	while (events < 2400) {
		recv_payload(&g);
		events++;
	}
	struct json_object *reply = hvhost_conn_read(conn);
	struct json_object *val = NULL;
	CHECK(reply && json_object_object_get_ex(reply, "events", &val) &&
		json_object_get_int64(val) == 2400);
	json_object_put(reply);
	CHECK_EQ_INT(stat_of(&g, "keyboard", "tx", "EVENT"), 2400);
	CHECK_EQ_INT(stat_of(&g, "keyboard", NULL, "queued"), 0);
	stop(&g);
}

/* ---- mouse ---- */

static const uint8_t mouse_request[20] = { 1, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 2,
	0 };
static const uint8_t mouse_ack[17] = { 1, 0, 0, 0, 9, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0 };

static void test_mouse_bytes(void)
{
	struct guest g;
	start(&g, &vmb_guid_mouse);
	send_bytes(&g, mouse_request, sizeof(mouse_request));
	expect_golden(&g, "tests/data/synthmouse/protocol_response.hex");
	expect_golden(&g, "tests/data/synthmouse/device_info_openvmm.hex");
	CHECK(!cmd(&g, "{\"cmd\":\"mouse\",\"x\":1,\"y\":1}")); // not negotiated yet
	send_bytes(&g, mouse_ack, sizeof(mouse_ack));
	REQUIRE(cmd(&g, "{\"cmd\":\"wait\",\"what\":\"device\",\"device\":\"mouse\"}"));
	REQUIRE(cmd(&g, "{\"cmd\":\"mouse\",\"x\":512,\"y\":384,\"buttons\":5,\"wheel\":-1}"));
	/* round(512 * 32767 / 1023) = 16400, round(384 * 32767 / 767) = 16405 */
	static const uint8_t report[23] = { 1, 0, 0, 0, 15, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 0x05,
		0x10, 0x40, 0x15, 0x40, 0xff, 0xff };
	CHECK_EQ_INT(recv_payload(&g), 24);
	CHECK_MEM(g.buf, report, sizeof(report));
	REQUIRE(cmd(&g, "{\"cmd\":\"mouse\",\"x\":1023,\"y\":767}"));
	static const uint8_t corner[23] = { 1, 0, 0, 0, 15, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 0,
		0xff, 0x7f, 0xff, 0x7f, 0, 0 };
	recv_payload(&g);
	CHECK_MEM(g.buf, corner, sizeof(corner));
	CHECK_EQ_INT(stat_of(&g, "mouse", "tx", "INPUT_REPORT"), 2);
	stop(&g);
}

static void test_mouse_rejects_by_reason(void)
{
	struct guest g;
	start(&g, &vmb_guid_mouse);
	static const uint8_t bad_pipe[20] = { 2, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0,
		2, 0 };
	static const uint8_t report[23] = { 1, 0, 0, 0, 15, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0 };
	static const uint8_t request_1_0[20] = { 1, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0,
		0, 1, 0 };
	send_bytes(&g, mouse_ack, sizeof(mouse_ack)); // out_of_order
	send_bytes(&g, report, sizeof(report));       // wrong_direction
	send_bytes(&g, bad_pipe, sizeof(bad_pipe));   // the codec's reason
	send_bytes(&g, request_1_0, sizeof(request_1_0));
	static const uint8_t refused[21] = { 1, 0, 0, 0, 13, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 0, 0,
		1, 0, 0 };
	recv_payload(&g);
	CHECK_MEM(g.buf, refused, sizeof(refused));
	CHECK_EQ_INT(stat_of(&g, "mouse", "rejects", "out_of_order"), 1);
	CHECK_EQ_INT(stat_of(&g, "mouse", "rejects", "wrong_direction"), 1);
	CHECK_EQ_INT(stat_of(&g, "mouse", NULL, "rejects_total"), 3);

	send_bytes(&g, mouse_request, sizeof(mouse_request));
	expect_golden(&g, "tests/data/synthmouse/protocol_response.hex");
	expect_golden(&g, "tests/data/synthmouse/device_info_openvmm.hex");
	send_bytes(&g, mouse_ack, sizeof(mouse_ack));
	REQUIRE(cmd(&g, "{\"cmd\":\"wait\",\"what\":\"device\",\"device\":\"mouse\"}"));
	/* Active: OpenVMM takes nothing more from the guest; we count and carry on. */
	send_bytes(&g, mouse_ack, sizeof(mouse_ack));
	send_bytes(&g, mouse_request, sizeof(mouse_request));
	CHECK_EQ_INT(stat_reaches(&g, "mouse", "rejects", "unexpected_when_active", 2), 2);
	CHECK_EQ_INT(stat_of(&g, "mouse", "rx", "INITIAL_DEVICE_INFO_ACK"), 3);
	REQUIRE(cmd(&g, "{\"cmd\":\"mouse\",\"x\":0,\"y\":0}"));
	CHECK_EQ_INT(recv_payload(&g), 24);
	stop(&g);
}

static const struct test_case cases[] = {
	TEST_CASE(test_keyboard_bytes),
	TEST_CASE(test_keyboard_rejects_by_reason),
	TEST_CASE(test_keyboard_queue_when_ring_full),
	TEST_CASE(test_mouse_bytes),
	TEST_CASE(test_mouse_rejects_by_reason),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
