/*
 * hvhost's monitor end to end (vmbus-emu.md §6, §7): the real binary started through the
 * harness, driven over its socket, with a guest from lib vmb where a guest is needed.
 */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hvhost_harness.h"
#include "macros.h"
#include "test.h"
#include "vmb.h"

#define ECHO_INTERFACE "6c1b3c44-9cf8-4d65-9a8e-2f0d5b1e7a01"
#define ECHO_INSTANCE "6c1b3c44-9cf8-4d65-9a8e-2f0d5b1e7a02"

static const char *const spec_devices[] = { "video", "keyboard", "mouse" };

static struct hvhost_harness *start(const char *const *args)
{
	struct hvhost_harness *h = NULL;
	int ret = hvhost_harness_start(&h, args);
	if (ret == -ENOENT)
		SKIP("HVHOST is not set (run through meson test)");
	REQUIRE(ret == 0);
	return h;
}

static struct json_object *member(struct json_object *obj, const char *key)
{
	struct json_object *val = NULL;
	if (!obj || !json_object_object_get_ex(obj, key, &val))
		return NULL;
	return val;
}

static bool has_type(struct json_object *obj, const char *key, enum json_type type)
{
	return obj && json_object_object_get_ex(obj, key, NULL) &&
		json_object_is_type(member(obj, key), type);
}

static int64_t int_at(struct json_object *obj, const char *key)
{
	return json_object_get_int64(member(obj, key));
}

static bool is_ok(struct json_object *reply)
{
	return has_type(reply, "ok", json_type_boolean) &&
		json_object_get_boolean(member(reply, "ok"));
}

/* The reply is {"ok": false, "error": <expected>}; prints what it was otherwise. */
#define CHECK_ERROR(reply, expected)                                                               \
	do {                                                                                       \
		struct json_object *r_ = (reply);                                                  \
		const char *e_ = json_object_get_string(member(r_, "error"));                      \
		CHECK_MSG(r_ && !is_ok(r_) && e_ && strcmp(e_, (expected)) == 0,                   \
			"reply %s, expected error \"%s\"",                                         \
			r_ ? json_object_to_json_string(r_) : "(none)", (expected));               \
	} while (0)

#define CHECK_OK(reply)                                                                            \
	do {                                                                                       \
		struct json_object *r_ = (reply);                                                  \
		CHECK_MSG(is_ok(r_), "reply %s, expected ok",                                      \
			r_ ? json_object_to_json_string(r_) : "(none)");                           \
	} while (0)

/* Sends line and checks the reply is exactly the error expected. */
static void expect_error(struct hvhost_harness *h, const char *line, const char *expected)
{
	struct json_object *reply = hvhost_harness_cmd(h, line);
	CHECK_ERROR(reply, expected);
	json_object_put(reply);
}

static void check_device_object(struct json_object *dev, const char *name)
{
	CHECK_MSG(dev && json_object_is_type(dev, json_type_object), "%s is not an object", name);
	CHECK_MSG(has_type(dev, "open", json_type_boolean), "%s.open", name);
	CHECK_MSG(has_type(dev, "rx", json_type_object), "%s.rx", name);
	CHECK_MSG(has_type(dev, "tx", json_type_object), "%s.tx", name);
	CHECK_MSG(has_type(dev, "rejects", json_type_object), "%s.rejects", name);
	CHECK_MSG(has_type(dev, "rejects_total", json_type_int), "%s.rejects_total", name);
}

/* ---- without a guest ---- */

static void test_stats_has_every_key_before_a_guest(void)
{
	struct hvhost_harness *h = start(NULL);
	struct json_object *stats = hvhost_harness_cmd(h, "{\"cmd\":\"stats\"}");
	CHECK_OK(stats);
	CHECK(has_type(stats, "guest_connected", json_type_boolean));
	CHECK(!json_object_get_boolean(member(stats, "guest_connected")));
	CHECK(has_type(stats, "vmbus_version", json_type_int));
	CHECK_EQ_INT(int_at(stats, "vmbus_version"), 0);
	CHECK(json_object_object_get_ex(stats, "mode", NULL));
	CHECK(member(stats, "mode") == NULL); /* null: no SITUATION_UPDATE yet */
	for (size_t i = 0; i < ARRAY_LEN(spec_devices); i++) {
		struct json_object *dev = member(stats, spec_devices[i]);
		check_device_object(dev, spec_devices[i]);
		CHECK(!json_object_get_boolean(member(dev, "open")));
		CHECK_EQ_INT(int_at(dev, "rejects_total"), 0);
	}
	/* Beyond the spec: what the VMBus host refused so far. */
	struct json_object *vmbus = member(stats, "vmbus");
	CHECK(has_type(vmbus, "protocol_errors", json_type_int));
	CHECK(has_type(vmbus, "busy_refusals", json_type_int));
	struct json_object *video = member(stats, "video");
	CHECK(has_type(video, "version", json_type_int));
	CHECK(has_type(video, "dirt_rects", json_type_int));
	CHECK(has_type(video, "dirt_pixels", json_type_int));
	json_object_put(stats);
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
}

static void test_wait_connected_times_out_without_guest(void)
{
	struct hvhost_harness *h = start(NULL);
	expect_error(h, "{\"cmd\":\"wait\",\"what\":\"connected\",\"timeout_ms\":50}",
		"timed out after 50 ms waiting for 'connected'");
	expect_error(h, "{\"cmd\":\"wait\",\"what\":\"connected\",\"timeout_ms\":0}",
		"timed out after 0 ms waiting for 'connected'");
	expect_error(
		h, "{\"cmd\":\"wait\",\"what\":\"sunrise\"}", "unknown wait condition 'sunrise'");
	expect_error(h, "{\"cmd\":\"wait\"}", "missing argument 'what' for 'wait'");
	expect_error(h, "{\"cmd\":\"wait\",\"what\":\"connected\",\"timeout\":5}",
		"unknown argument 'timeout' for 'wait'");
	expect_error(h, "{\"cmd\":\"wait\",\"what\":\"device\",\"device\":\"toaster\"}",
		"unknown device 'toaster'");
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
}

static void test_unknown_command_is_an_error(void)
{
	struct hvhost_harness *h = start(NULL);
	expect_error(h, "{\"cmd\":\"frobnicate\"}", "unknown command 'frobnicate'");
	expect_error(h, "{\"cmd\":\"rescind\",\"device\":\"toaster\"}", "unknown device 'toaster'");
	expect_error(h, "{\"cmd\":\"rescind\"}", "missing argument 'device' for 'rescind'");
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
}

static void test_disabled_devices_say_why(void)
{
	struct hvhost_harness *h =
		start((const char *[]){ "--no-video", "--no-keyboard", "--no-mouse", NULL });
	expect_error(h, "{\"cmd\":\"screenshot\",\"path\":\"/tmp/x.png\"}",
		"command 'screenshot' is not available: the video device is disabled (--no-video)");
	expect_error(h, "{\"cmd\":\"type\",\"text\":\"hi\"}",
		"command 'type' is not available: the keyboard device is disabled (--no-keyboard)");
	expect_error(h, "{\"cmd\":\"mouse\",\"x\":1,\"y\":1}",
		"command 'mouse' is not available: the mouse device is disabled (--no-mouse)");
	expect_error(h, "{\"cmd\":\"wait\",\"what\":\"mode\"}",
		"wait 'mode' is not available: the video device is disabled (--no-video)");
	expect_error(h, "{\"cmd\":\"reoffer\",\"device\":\"keyboard\"}",
		"device 'keyboard' is not available: the keyboard device is disabled "
		"(--no-keyboard)");
	expect_error(h, "{\"cmd\":\"pause\",\"device\":\"mouse\",\"ms\":10}",
		"device 'mouse' is not available: the mouse device is disabled (--no-mouse)");
	/* stats still shows every device of the spec. */
	struct json_object *stats = hvhost_harness_cmd(h, "{\"cmd\":\"stats\"}");
	for (size_t i = 0; i < ARRAY_LEN(spec_devices); i++)
		check_device_object(member(stats, spec_devices[i]), spec_devices[i]);
	json_object_put(stats);
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
}

static void test_unbuilt_device_commands_say_why(void)
{
	static const char *const command_of[] = {
		"{\"cmd\":\"screenshot\",\"path\":\"/tmp/x.png\"}",
		"{\"cmd\":\"key\",\"keys\":\"enter\"}",
		"{\"cmd\":\"mouse\",\"x\":1,\"y\":1}",
	};
	static const char *const name_of[] = { "screenshot", "key", "mouse" };
	struct hvhost_harness *h = start(NULL);
	struct json_object *stats = hvhost_harness_cmd(h, "{\"cmd\":\"stats\"}");
	int missing = 0;
	for (size_t i = 0; i < ARRAY_LEN(spec_devices); i++) {
		if (json_object_get_boolean(member(member(stats, spec_devices[i]), "present")))
			continue;
		missing++;
		char expected[160];
		snprintf(expected, sizeof(expected),
			"command '%s' is not available: no %s device model in this build",
			name_of[i], spec_devices[i]);
		expect_error(h, command_of[i], expected);
	}
	json_object_put(stats);
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
	if (!missing)
		SKIP("every device model is built");
}

static void test_malformed_lines_keep_the_connection(void)
{
	struct hvhost_harness *h = start(NULL);
	struct hvhost_conn *c = hvhost_harness_connect(h);
	REQUIRE(c);
	struct json_object *r = hvhost_conn_cmd(c, "{\"cmd\":");
	CHECK_ERROR(r, "malformed JSON at byte 7: unexpected end of data");
	json_object_put(r);
	r = hvhost_conn_cmd(c, "[\"stats\"]");
	CHECK_ERROR(r, "request must be a JSON object, not array");
	json_object_put(r);

	/* A blank line gets no reply: the next reply is the next command's. A request split
	 * across writes is put together. */
	REQUIRE(hvhost_conn_send(c, "\n{\"cmd\":", 8) == 0);
	r = hvhost_conn_cmd(c, "\"stats\"}");
	CHECK_OK(r);
	CHECK(has_type(r, "guest_connected", json_type_boolean));
	json_object_put(r);

	/* An overlong line is refused as a whole, once, and the line after it works. */
	size_t len = 70000;
	char *big = malloc(len);
	REQUIRE(big);
	memset(big, 'x', len);
	REQUIRE(hvhost_conn_send(c, big, len) == 0);
	REQUIRE(hvhost_conn_send(c, big, len) == 0);
	free(big);
	r = hvhost_conn_cmd(c, "");
	CHECK_ERROR(r, "line too long: over 65536 bytes (the limit is 65536)");
	json_object_put(r);
	r = hvhost_conn_cmd(c, "{\"cmd\":\"stats\"}");
	CHECK_OK(r);
	json_object_put(r);
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
}

static void test_two_clients_at_once(void)
{
	struct hvhost_harness *h = start(NULL);
	struct hvhost_conn *a = hvhost_harness_connect(h);
	struct hvhost_conn *b = hvhost_harness_connect(h);
	REQUIRE(a && b);
	/* a waits for a guest that never comes; b is served meanwhile. */
	static const char wait[] =
		"{\"cmd\":\"wait\",\"what\":\"connected\",\"timeout_ms\":3600000}\n";
	REQUIRE(hvhost_conn_send(a, wait, strlen(wait)) == 0);
	struct json_object *r = hvhost_conn_cmd(b, "{\"cmd\":\"stats\"}");
	CHECK_OK(r);
	json_object_put(r);
	/* Two requests in one write: two replies, in order. */
	static const char two[] = "{\"cmd\":\"nope\"}\n{\"cmd\":\"stats\"}\n";
	REQUIRE(hvhost_conn_send(b, two, strlen(two)) == 0);
	r = hvhost_conn_read(b);
	CHECK_ERROR(r, "unknown command 'nope'");
	json_object_put(r);
	r = hvhost_conn_read(b);
	CHECK_OK(r);
	json_object_put(r);
	/* a leaves with its wait pending; hvhost drops the wait and goes on. */
	hvhost_conn_close(a);
	r = hvhost_conn_cmd(b, "{\"cmd\":\"stats\"}");
	CHECK_OK(r);
	json_object_put(r);
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
}

static void test_client_that_never_reads_blocks_nobody(void)
{
	struct hvhost_harness *h = start(NULL);
	struct hvhost_conn *slow = hvhost_harness_connect(h);
	struct hvhost_conn *b = hvhost_harness_connect(h);
	REQUIRE(slow && b);
	/* Far more replies than the socket buffer and hvhost's queue take: hvhost stops reading
	 * this client instead of blocking on it or queueing without end. */
	static const char line[] = "{\"cmd\":\"stats\"}\n";
	enum { N = 4000 };
	char *many = malloc(N * (sizeof(line) - 1));
	REQUIRE(many);
	for (int i = 0; i < N; i++)
		memcpy(many + i * (sizeof(line) - 1), line, sizeof(line) - 1);
	/* Stops when hvhost stops reading; what was sent is enough either way. */
	int fd = hvhost_conn_fd(slow);
	size_t off = 0, len = N * (sizeof(line) - 1);
	while (off < len) {
		ssize_t n = send(fd, many + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(many);
	struct json_object *r = hvhost_conn_cmd(b, "{\"cmd\":\"stats\"}");
	CHECK_OK(r);
	json_object_put(r);
	/* The slow one goes away with replies unread; the host goes on. */
	hvhost_conn_close(slow);
	r = hvhost_conn_cmd(b, "{\"cmd\":\"stats\"}");
	CHECK_OK(r);
	json_object_put(r);
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
}

static void test_quit_exits_zero_and_removes_sockets(void)
{
	struct hvhost_harness *h = start(NULL);
	struct json_object *r = hvhost_harness_cmd(h, "{\"cmd\":\"quit\"}");
	CHECK_OK(r);
	json_object_put(r);
	CHECK_EQ_INT(hvhost_harness_wait_exit(h), 0);
	CHECK(access(hvhost_harness_vmbus_path(h), F_OK) < 0 && errno == ENOENT);
	CHECK(access(hvhost_harness_monitor_path(h), F_OK) < 0 && errno == ENOENT);
	hvhost_harness_destroy(h);
}

static void test_sigterm_exits_cleanly(void)
{
	struct hvhost_harness *h = start(NULL);
	REQUIRE(kill(hvhost_harness_pid(h), SIGTERM) == 0);
	CHECK_EQ_INT(hvhost_harness_wait_exit(h), 0);
	CHECK(access(hvhost_harness_vmbus_path(h), F_OK) < 0 && errno == ENOENT);
	CHECK(access(hvhost_harness_monitor_path(h), F_OK) < 0 && errno == ENOENT);
	hvhost_harness_destroy(h);
}

/* ---- with a guest (lib vmb) ---- */

static struct vmb_bus *guest_connect(struct hvhost_harness *h)
{
	const struct vmb_bus_options opts = {
		.socket_path = hvhost_harness_vmbus_path(h),
		.timeout_ms = HVHOST_HARNESS_TIMEOUT_MS,
	};
	struct vmb_bus *bus = NULL;
	int ret = vmb_bus_connect_emu(&bus, &opts);
	CHECK_MSG(ret == 0, "vmb_bus_connect_emu: %s", strerror(-ret));
	return bus;
}

static void test_wait_connected_answers_when_a_guest_comes(void)
{
	struct hvhost_harness *h = start((const char *[]){ "--versions", "4.0,3.0", NULL });
	struct hvhost_conn *waiter = hvhost_harness_connect(h);
	REQUIRE(waiter);
	static const char wait[] = "{\"cmd\":\"wait\",\"what\":\"connected\"}\n";
	REQUIRE(hvhost_conn_send(waiter, wait, strlen(wait)) == 0);
	struct vmb_bus *bus = guest_connect(h);
	REQUIRE(bus);
	/* The guest proposed 5.0 and stepped down to what --versions allows. */
	CHECK_EQ_INT(vmb_bus_version(bus), VMB_VERSION_WIN10);
	struct json_object *r = hvhost_conn_read(waiter);
	CHECK_OK(r);
	CHECK_EQ_INT(int_at(r, "vmbus_version"), VMB_VERSION_WIN10);
	json_object_put(r);
	r = hvhost_harness_cmd(h, "{\"cmd\":\"stats\"}");
	CHECK(json_object_get_boolean(member(r, "guest_connected")));
	CHECK_EQ_INT(int_at(r, "vmbus_version"), VMB_VERSION_WIN10);
	json_object_put(r);
	/* One guest at a time: a second one is turned away, and counted. */
	const struct vmb_bus_options opts = { .socket_path = hvhost_harness_vmbus_path(h) };
	struct vmb_bus *second = NULL;
	CHECK_EQ_INT(vmb_bus_connect_emu(&second, &opts), -EBUSY);
	r = hvhost_harness_cmd(h, "{\"cmd\":\"stats\"}");
	CHECK_EQ_INT(int_at(member(r, "vmbus"), "busy_refusals"), 1);
	json_object_put(r);
	/* Once connected, a wait answers at once even with no time to wait. */
	r = hvhost_harness_cmd(h, "{\"cmd\":\"wait\",\"what\":\"connected\",\"timeout_ms\":0}");
	CHECK_OK(r);
	json_object_put(r);
	vmb_bus_destroy(bus);
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
}

static struct vmb_channel *open_echo(struct vmb_bus *bus)
{
	struct vmb_guid iface;
	REQUIRE(vmb_guid_parse(ECHO_INTERFACE, &iface) == 0);
	struct vmb_offer offer;
	REQUIRE(vmb_bus_find_offer(bus, &iface, &offer) == 0);
	struct vmb_channel *ch = NULL;
	int ret = vmb_channel_open(&ch, bus, &offer, 16384, 16384);
	CHECK_MSG(ret == 0, "vmb_channel_open: %s", strerror(-ret));
	return ch;
}

/* Sends payload on ch and reads its echo; the echo's payload length (padded to 8), or -1. */
static int echo_once(struct vmb_channel *ch, const char *payload, uint64_t trans_id)
{
	int ret = vmb_channel_send(ch, payload, strlen(payload), trans_id, 0);
	CHECK_MSG(ret == 0, "send: %s", strerror(-ret));
	uint8_t buf[256];
	struct vmb_ring_in pkt;
	for (;;) {
		ret = vmb_channel_recv(ch, &pkt, buf, sizeof(buf));
		if (ret != 0)
			break;
		ret = vmb_channel_wait_readable(ch, HVHOST_HARNESS_TIMEOUT_MS);
		if (ret < 0)
			break;
		vmb_channel_handle_event(ch);
	}
	CHECK_MSG(ret == 1, "recv: %d", ret);
	if (ret != 1)
		return -1;
	CHECK_EQ_INT(pkt.trans_id, trans_id);
	CHECK(memcmp(pkt.payload, payload, strlen(payload)) == 0);
	return (int)pkt.payload_len;
}

static int64_t echo_counter(struct hvhost_harness *h, const char *set, const char *name)
{
	struct json_object *r = hvhost_harness_cmd(h, "{\"cmd\":\"stats\"}");
	int64_t v = int_at(member(member(r, "echo"), set), name);
	json_object_put(r);
	return v;
}

static void test_echo_device_counts_and_pauses(void)
{
	struct hvhost_harness *h = start((const char *[]){ "--echo-device", NULL });
	/* A wait for the device, sent before the guest comes, answers once the channel opens. */
	struct hvhost_conn *waiter = hvhost_harness_connect(h);
	REQUIRE(waiter);
	static const char wait[] = "{\"cmd\":\"wait\",\"what\":\"device\",\"device\":\"echo\"}\n";
	REQUIRE(hvhost_conn_send(waiter, wait, strlen(wait)) == 0);
	struct json_object *r = hvhost_harness_cmd(h, "{\"cmd\":\"stats\"}");
	CHECK(!json_object_get_boolean(member(member(r, "echo"), "open")));
	json_object_put(r);
	struct vmb_bus *bus = guest_connect(h);
	REQUIRE(bus);
	struct vmb_channel *ch = open_echo(bus);
	REQUIRE(ch);
	r = hvhost_conn_read(waiter);
	CHECK_OK(r);
	json_object_put(r);
	CHECK_EQ_INT(echo_once(ch, "hello", 1), 8);
	CHECK_EQ_INT(echo_once(ch, "sixteen bytes!!!", 2), 16);
	CHECK_EQ_INT(echo_counter(h, "rx", "PACKET"), 2);
	CHECK_EQ_INT(echo_counter(h, "tx", "PACKET"), 2);

	/* An empty packet is a reject; the packet after it is still echoed. */
	REQUIRE(vmb_channel_send(ch, NULL, 0, 3, 0) == 0);
	CHECK_EQ_INT(echo_once(ch, "after", 4), 8);
	CHECK_EQ_INT(echo_counter(h, "rejects", "empty packet"), 1);
	r = hvhost_harness_cmd(h, "{\"cmd\":\"stats\"}");
	CHECK_EQ_INT(int_at(member(r, "echo"), "rejects_total"), 1);
	json_object_put(r);

	/* pause: the host leaves the ring alone until the pause ends (here: re-paused for 0 ms). */
	r = hvhost_harness_cmd(h, "{\"cmd\":\"pause\",\"device\":\"echo\",\"ms\":3600000}");
	CHECK_OK(r);
	json_object_put(r);
	REQUIRE(vmb_channel_send(ch, "held", 4, 5, 0) == 0);
	CHECK_EQ_INT(echo_counter(h, "rx", "PACKET"), 4);
	r = hvhost_harness_cmd(h, "{\"cmd\":\"pause\",\"device\":\"echo\",\"ms\":0}");
	CHECK_OK(r);
	json_object_put(r);
	uint8_t buf[64];
	struct vmb_ring_in pkt;
	int ret;
	while ((ret = vmb_channel_recv(ch, &pkt, buf, sizeof(buf))) == 0) {
		REQUIRE(vmb_channel_wait_readable(ch, HVHOST_HARNESS_TIMEOUT_MS) == 0);
		vmb_channel_handle_event(ch);
	}
	CHECK_EQ_INT(ret, 1);
	CHECK_EQ_INT(pkt.trans_id, 5);
	CHECK_EQ_INT(echo_counter(h, "rx", "PACKET"), 5);

	vmb_channel_close(ch);
	vmb_bus_destroy(bus);
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
}

/* Dispatches the guest's control messages until pred(arg) holds (bounded). */
static bool guest_until(struct vmb_bus *bus, bool (*pred)(void *arg), void *arg)
{
	for (int i = 0; i < 100 && !pred(arg); i++) {
		struct pollfd pfd = { .fd = vmb_bus_get_fd(bus), .events = POLLIN };
		if (poll(&pfd, 1, HVHOST_HARNESS_TIMEOUT_MS) <= 0 || vmb_bus_dispatch(bus) < 0)
			return false;
	}
	return pred(arg);
}

static bool is_rescinded(void *ch)
{
	return vmb_channel_is_rescinded(ch);
}

static bool echo_offered(void *bus)
{
	struct vmb_guid iface;
	struct vmb_offer offer;
	return vmb_guid_parse(ECHO_INTERFACE, &iface) == 0 &&
		vmb_bus_find_offer(bus, &iface, &offer) == 0;
}

static void test_rescind_and_reoffer_through_the_monitor(void)
{
	struct hvhost_harness *h = start((const char *[]){ "--echo-device", NULL });
	struct vmb_bus *bus = guest_connect(h);
	REQUIRE(bus);
	struct vmb_channel *ch = open_echo(bus);
	REQUIRE(ch);
	uint32_t old_relid = vmb_channel_offer(ch)->relid;
	struct json_object *r = hvhost_harness_cmd(h, "{\"cmd\":\"reoffer\",\"device\":\"echo\"}");
	CHECK_ERROR(r, "cannot offer echo again: Operation already in progress");
	json_object_put(r);

	/* rescind: closed at once as far as the monitor can tell. */
	r = hvhost_harness_cmd(h, "{\"cmd\":\"rescind\",\"device\":\"echo\"}");
	CHECK_OK(r);
	json_object_put(r);
	r = hvhost_harness_cmd(h, "{\"cmd\":\"stats\"}");
	CHECK(!json_object_get_boolean(member(member(r, "echo"), "open")));
	json_object_put(r);
	r = hvhost_harness_cmd(h, "{\"cmd\":\"pause\",\"device\":\"echo\",\"ms\":10}");
	CHECK_ERROR(r, "cannot pause echo: its channel is not open");
	json_object_put(r);

	/* reoffer: the new offer follows the guest's release of the old relid. */
	r = hvhost_harness_cmd(h, "{\"cmd\":\"reoffer\",\"device\":\"echo\"}");
	CHECK_OK(r);
	json_object_put(r);
	REQUIRE(guest_until(bus, is_rescinded, ch));
	vmb_channel_close(ch);
	REQUIRE(guest_until(bus, echo_offered, bus));
	ch = open_echo(bus);
	REQUIRE(ch);
	CHECK(vmb_channel_offer(ch)->relid != old_relid);
	r = hvhost_harness_cmd(h, "{\"cmd\":\"wait\",\"what\":\"device\",\"device\":\"echo\"}");
	CHECK_OK(r);
	json_object_put(r);
	CHECK_EQ_INT(echo_once(ch, "again", 9), 8);
	vmb_channel_close(ch);
	vmb_bus_destroy(bus);
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
}

/* ---- capture ---- */

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Counts the records of a pcap by kind; -1 if the file is not what §7 says. */
static int count_records(const char *path, int counts[3], struct vmb_guid *opened_iface)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	uint8_t hdr[24];
	int ret = -1;
	if (fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr) || le32(hdr) != 0xa1b2c3d4 ||
		le32(hdr + 20) != 147)
		goto out;
	uint8_t rec[16 + 8 + 32];
	while (fread(rec, 1, 24, f) == 24) {
		uint32_t incl = le32(rec + 8);
		uint8_t kind = rec[20];
		if (incl < 8 || kind > 2 || rec[21] || rec[22] || rec[23])
			goto out;
		counts[kind]++;
		if (kind == 2) {
			if (incl != 40 || fread(rec + 24, 1, 32, f) != 32)
				goto out;
			memcpy(opened_iface->bytes, rec + 24, 16);
		} else if (fseek(f, incl - 8, SEEK_CUR) != 0) {
			goto out;
		}
	}
	ret = 0;
out:
	fclose(f);
	return ret;
}

static bool have_tshark(void)
{
	return system("command -v tshark >/dev/null 2>&1") == 0;
}

/* Lines `tshark -r path` prints (one per frame), or -1. */
static int tshark_frames(const char *path)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	int lines = 0, c;
	while ((c = fgetc(p)) != EOF)
		lines += c == '\n';
	return pclose(p) == 0 ? lines : -1;
}

static void test_trace_captures_channels_and_packets(void)
{
	struct hvhost_harness *h =
		start((const char *[]){ "--echo-device", "--trace", "@/capture.pcap", NULL });
	char path[256];
	snprintf(path, sizeof(path), "%s", hvhost_harness_path(h, "capture.pcap"));
	struct vmb_bus *bus = guest_connect(h);
	REQUIRE(bus);
	struct vmb_channel *ch = open_echo(bus);
	REQUIRE(ch);
	CHECK_EQ_INT(echo_once(ch, "one", 1), 8);
	CHECK_EQ_INT(echo_once(ch, "two", 2), 8);
	CHECK_EQ_INT(echo_once(ch, "three", 3), 8);
	vmb_channel_close(ch);
	vmb_bus_destroy(bus);
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);

	/* One channel opened, three packets each way; control messages are not captured. */
	int counts[3] = { 0 };
	struct vmb_guid iface = { { 0 } }, echo;
	REQUIRE(vmb_guid_parse(ECHO_INTERFACE, &echo) == 0);
	CHECK_EQ_INT(count_records(path, counts, &iface), 0);
	CHECK_EQ_INT(counts[2], 1);
	CHECK(vmb_guid_equal(&iface, &echo));
	CHECK_EQ_INT(counts[0], 3);
	CHECK_EQ_INT(counts[1], 3);
	if (!have_tshark()) {
		hvhost_harness_destroy(h);
		SKIP("tshark is not installed");
	}
	CHECK_EQ_INT(tshark_frames(path), 7);
	hvhost_harness_destroy(h);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_stats_has_every_key_before_a_guest),
		TEST_CASE(test_wait_connected_times_out_without_guest),
		TEST_CASE(test_unknown_command_is_an_error),
		TEST_CASE(test_disabled_devices_say_why),
		TEST_CASE(test_unbuilt_device_commands_say_why),
		TEST_CASE(test_malformed_lines_keep_the_connection),
		TEST_CASE(test_two_clients_at_once),
		TEST_CASE(test_client_that_never_reads_blocks_nobody),
		TEST_CASE(test_quit_exits_zero_and_removes_sockets),
		TEST_CASE(test_sigterm_exits_cleanly),
		TEST_CASE(test_wait_connected_answers_when_a_guest_comes),
		TEST_CASE(test_echo_device_counts_and_pauses),
		TEST_CASE(test_rescind_and_reoffer_through_the_monitor),
		TEST_CASE(test_trace_captures_channels_and_packets),
	};
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
