/*
 * Hostile and careless VNC clients against hvhost --vnc, each beside a well-behaved viewer that
 * must not notice: clients sending garbage or malformed messages are dropped (and counted), half
 * a message holds up nobody, a client that never reads neither slows the guest nor the other
 * viewer and has at most one update queued, and the client limit is kept with a reason for the
 * one refused. The well-behaved viewer's picture is checked against the monitor's screenshot.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "macros.h"
#include "rfb_client.h"
#include "test.h"
#include "vnc_fixture.h"

static const int32_t encodings[] = { RFB_ENC_RAW, RFB_ENC_RICH_CURSOR };
static const char *const guest_idle[] = { NULL };
static const char *const guest_anim[] = { "--anim", NULL };

static void start(struct vnc_fixture *f, const char *const *args, const char *const *guest)
{
	int ret = vnc_fixture_start(f, args, guest);
	if (ret == -ENOENT)
		SKIP("HVHOST or VNC_GUEST is not set (run through meson test)");
	REQUIRE(ret == 0);
}

static void viewer(struct vnc_fixture *f, struct rfb_client *c)
{
	REQUIRE(rfb_client_connect(c, f->port) == 0);
	REQUIRE(rfb_client_handshake(c, NULL, encodings, ARRAY_LEN(encodings)) == 0);
}

static bool wait_line(struct vnc_fixture *f, const char *line)
{
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "{\"cmd\":\"wait\",%s}", line);
	return vnc_fixture_ok(f, cmd);
}

/* The guest sends its whole picture again (FEATURE_CHANGE), the viewer follows it exactly. */
static void check_viewer_still_served(struct vnc_fixture *f, struct rfb_client *good)
{
	char line[96];
	snprintf(line, sizeof(line), "\"what\":\"dirt\",\"since\":%lld",
		(long long)vnc_fixture_get_path(f, "stats", "video.rx.DIRT"));
	uint64_t updates = good->updates;
	REQUIRE(vnc_fixture_ok(f, "{\"cmd\":\"feature\",\"dirt\":false}"));
	REQUIRE(vnc_fixture_ok(f, "{\"cmd\":\"feature\",\"dirt\":true}"));
	CHECK(wait_line(f, line));
	REQUIRE(wait_line(f, "\"what\":\"quiet\",\"ms\":200"));
	REQUIRE(vnc_fixture_sync(f, good) == 0);
	CHECK_MSG(good->updates > updates + 1, "the viewer got %llu updates, then %llu",
		(unsigned long long)updates, (unsigned long long)good->updates);
	CHECK_EQ_INT(vnc_fixture_diff(f, good, "good.png"), 0);
}

/* ---- malformed clients ---- */

struct hostile {
	const char *name;
	bool after_handshake;
	const char *bytes;
	size_t len;
};

#define BYTES(s) s, sizeof(s) - 1

static const struct hostile hostiles[] = {
	{ "HTTP instead of RFB", false, BYTES("GET / HTTP/1.1\r\nHost: x\r\n\r\n") },
	{ "a TLS hello", false, BYTES("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00") },
	{ "RFB 4.0", false, BYTES("RFB 004.000\n") },
	{ "a security type not offered", false, BYTES("RFB 003.008\n\x02") },
	{ "an unknown message type", true, BYTES("\x4d\x00\x00\x00") },
	{ "SetPixelFormat of 24 bits", true,
		BYTES("\x00\x00\x00\x00\x18\x18\x00\x01\x00\xff\x00\xff\x00\xff\x10\x08\x00\x00\x00"
		      "\x00") },
	{ "SetPixelFormat with a shift past the pixel", true,
		BYTES("\x00\x00\x00\x00\x10\x10\x00\x01\x00\x1f\x00\x3f\x00\x1f\x10\x05\x00\x00\x00"
		      "\x00") },
	{ "SetEncodings of 600", true, BYTES("\x02\x00\x02\x58") },
	{ "ClientCutText of 2 MiB", true, BYTES("\x06\x00\x00\x00\x00\x20\x00\x01") },
	{ "a QEMU submessage other than keys", true, BYTES("\xff\x01\x00\x00") },
	{ "an update request neither incremental nor not", true,
		BYTES("\x03\x02\x00\x00\x00\x00\x00\x10\x00\x10") },
	{ "SetDesktopSize without screens", true, BYTES("\xfb\x00\x04\x00\x03\x00\x00\x00") },
};

static void hostile_client(struct vnc_fixture *f, const struct hostile *h)
{
	struct rfb_client c;
	REQUIRE(rfb_client_connect(&c, f->port) == 0);
	if (h->after_handshake)
		REQUIRE(rfb_client_handshake(&c, NULL, encodings, ARRAY_LEN(encodings)) == 0);
	REQUIRE(rfb_client_send(&c, h->bytes, h->len) == 0);
	CHECK_MSG(rfb_client_wait_closed(&c, RFB_CLIENT_TIMEOUT_MS), "%s: not dropped", h->name);
	rfb_client_close(&c);
}

/* Seeded random bytes (the seed is printed), with a first byte no message starts with. */
static void garbage_client(struct vnc_fixture *f, bool after_handshake, unsigned seed)
{
	static uint8_t junk[65536];
	srand(seed);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rand();
	junk[0] = 0xaa;
	struct rfb_client c;
	REQUIRE(rfb_client_connect(&c, f->port) == 0);
	if (after_handshake)
		REQUIRE(rfb_client_handshake(&c, NULL, encodings, ARRAY_LEN(encodings)) == 0);
	/* The server may close while we are still sending: that is the point. */
	ssize_t n = send(c.fd, junk, sizeof(junk), MSG_NOSIGNAL);
	(void)n;
	CHECK_MSG(rfb_client_wait_closed(&c, RFB_CLIENT_TIMEOUT_MS),
		"garbage (seed %u): not dropped", seed);
	rfb_client_close(&c);
}

static void test_malformed_clients_are_dropped(void)
{
	struct vnc_fixture f;
	start(&f, NULL, guest_idle);
	struct rfb_client good;
	viewer(&f, &good);
	REQUIRE(vnc_fixture_sync(&f, &good) == 0);
	for (size_t i = 0; i < ARRAY_LEN(hostiles); i++) {
		hostile_client(&f, &hostiles[i]);
		CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "dropped.protocol"), (int64_t)i + 1);
	}
	unsigned seed = 7;
	NOTE("garbage seed %u", seed);
	garbage_client(&f, false, seed);
	garbage_client(&f, true, seed + 1);
	CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "dropped.protocol"),
		(int64_t)ARRAY_LEN(hostiles) + 2);
	CHECK(wait_line(&f, "\"what\":\"vnc_viewers\",\"count\":1"));
	CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "clients"), 1);
	check_viewer_still_served(&f, &good);
	rfb_client_close(&good);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

/* Cut text is skipped as it comes, however it is cut up, and the client stays. */
static void test_cut_text_is_skipped(void)
{
	struct vnc_fixture f;
	start(&f, NULL, guest_idle);
	struct rfb_client c;
	viewer(&f, &c);
	static uint8_t text[8 + 100000];
	memset(text, 'x', sizeof(text));
	const uint8_t head[8] = { 6, 0, 0, 0, 0, 0x01, 0x86, 0xa0 }; // 100000 bytes
	memcpy(text, head, sizeof(head));
	for (size_t at = 0; at < sizeof(text); at += 4099) {
		size_t n = MIN((size_t)4099, sizeof(text) - at);
		REQUIRE(rfb_client_send(&c, text + at, n) == 0);
	}
	REQUIRE(vnc_fixture_sync(&f, &c) == 0);
	CHECK_EQ_INT(vnc_fixture_diff(&f, &c, "after-cut.png"), 0);
	CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "dropped.protocol"), 0);
	rfb_client_close(&c);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

/* Libvncserver would wait for the rest of a version in a blocking read: hvhost must not. */
static void test_half_sent_version_blocks_nobody(void)
{
	struct vnc_fixture f;
	start(&f, NULL, guest_idle);
	struct rfb_client half, good;
	REQUIRE(rfb_client_connect(&half, f.port) == 0);
	REQUIRE(rfb_client_send(&half, "RFB 003.0", 9) == 0);
	viewer(&f, &good);
	REQUIRE(vnc_fixture_sync(&f, &good) == 0);
	CHECK_EQ_INT(vnc_fixture_diff(&f, &good, "good.png"), 0);
	CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "clients"), 2);
	REQUIRE(rfb_client_send(&half, "08\n", 3) == 0);
	half.version_sent = true;
	REQUIRE(rfb_client_handshake(&half, NULL, encodings, ARRAY_LEN(encodings)) == 0);
	REQUIRE(vnc_fixture_sync(&f, &half) == 0);
	CHECK_EQ_INT(vnc_fixture_diff(&f, &half, "half.png"), 0);
	rfb_client_close(&half);
	rfb_client_close(&good);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

/* ---- a client that never reads ---- */

/* An integer of the `vnc` reply's peers entry for peer; -1 if there is none. */
static int64_t peer_stat(struct vnc_fixture *f, const char *peer, const char *key)
{
	struct json_object *r = vnc_fixture_cmd(f, "{\"cmd\":\"vnc\"}"), *list = NULL, *v = NULL;
	int64_t n = -1;
	if (r && json_object_object_get_ex(r, "peers", &list)) {
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *p = json_object_array_get_idx(list, i), *name = NULL;
			if (json_object_object_get_ex(p, "peer", &name) &&
				strcmp(json_object_get_string(name), peer) == 0 &&
				json_object_object_get_ex(p, key, &v))
				n = json_object_get_int64(v);
		}
	}
	json_object_put(r);
	return n;
}

static void test_client_that_never_reads_slows_nobody(void)
{
	struct vnc_fixture f;
	start(&f, NULL, guest_anim);
	struct rfb_client stuck, good;
	viewer(&f, &stuck);
	viewer(&f, &good);
	char peer[64];
	snprintf(peer, sizeof(peer), "%s", rfb_client_peer(&stuck));
	/* Requests for whole pictures, far more than the sockets between us hold, and then not
	 * another byte read (incremental ones would run out once they are all answered). */
	for (int i = 0; i < 200; i++)
		REQUIRE(rfb_client_request(&stuck, false) == 0);
	/* The guest keeps drawing at its pace and the other viewer keeps up with it. */
	int64_t dirt = vnc_fixture_get_path(&f, "stats", "video.rx.DIRT");
	for (int round = 0; round < 4; round++) {
		char line[96];
		dirt += 100;
		snprintf(line, sizeof(line), "\"what\":\"dirt\",\"since\":%lld", (long long)dirt);
		REQUIRE(wait_line(&f, line));
		uint64_t before = good.updates;
		REQUIRE(vnc_fixture_sync(&f, &good) == 0);
		CHECK(good.updates > before);
	}
	int64_t queued = peer_stat(&f, peer, "queued");
	NOTE("the stuck client has %lld bytes queued, %lld sent", (long long)queued,
		(long long)peer_stat(&f, peer, "bytes_sent"));
	CHECK_MSG(queued > 0, "the stuck client's output is not stuck (%lld)", (long long)queued);
	/* At most the one update it was being sent: the rest of its damage waits merged. */
	CHECK(queued <= 4 * 1024 * 1024);
	CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "clients"), 2);
	REQUIRE(vnc_fixture_guest_send(&f, "still"));
	const char *line = vnc_fixture_guest_line(&f);
	REQUIRE(line && strcmp(line, "still") == 0);
	REQUIRE(wait_line(&f, "\"what\":\"quiet\",\"ms\":200"));
	REQUIRE(vnc_fixture_sync(&f, &good) == 0);
	CHECK_EQ_INT(vnc_fixture_diff(&f, &good, "good.png"), 0);
	/* Once it reads again it catches up with the picture as it is now. */
	REQUIRE(vnc_fixture_sync(&f, &stuck) == 0);
	CHECK_EQ_INT(vnc_fixture_diff(&f, &stuck, "stuck.png"), 0);
	rfb_client_close(&stuck);
	rfb_client_close(&good);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

/* ---- the client limit ---- */

static void test_client_limit(void)
{
	const char *const args[] = { "--vnc-max-clients", "4", NULL };
	struct vnc_fixture f;
	start(&f, args, guest_idle);
	struct rfb_client c[4], extra;
	for (size_t i = 0; i < ARRAY_LEN(c); i++)
		viewer(&f, &c[i]);
	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		REQUIRE(vnc_fixture_sync(&f, &c[i]) == 0);
		CHECK_EQ_INT(vnc_fixture_diff(&f, &c[i], "shot.png"), 0);
	}
	REQUIRE(rfb_client_connect(&extra, f.port) == 0);
	CHECK_EQ_INT(rfb_client_handshake(&extra, NULL, encodings, ARRAY_LEN(encodings)), -EACCES);
	CHECK_MSG(strcmp(extra.reason, "too many clients") == 0, "reason '%s'", extra.reason);
	rfb_client_close(&extra);
	CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "refused"), 1);
	/* A place that frees up is taken again. */
	rfb_client_close(&c[0]);
	CHECK(wait_line(&f, "\"what\":\"vnc_viewers\",\"count\":3"));
	viewer(&f, &c[0]);
	REQUIRE(vnc_fixture_sync(&f, &c[0]) == 0);
	CHECK_EQ_INT(vnc_fixture_diff(&f, &c[0], "again.png"), 0);
	CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "viewers"), 4);
	for (size_t i = 0; i < ARRAY_LEN(c); i++)
		rfb_client_close(&c[i]);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

static const struct test_case cases[] = {
	TEST_CASE(test_malformed_clients_are_dropped),
	TEST_CASE(test_cut_text_is_skipped),
	TEST_CASE(test_half_sent_version_blocks_nobody),
	TEST_CASE(test_client_that_never_reads_slows_nobody),
	TEST_CASE(test_client_limit),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
