/*
 * Synthetic input from the monitor to the guest's event API, through the real hvhost (started
 * as the tests start it), the emulated VMBus and lib hvi, in one process tree.
 *
 *  - throughput: a `type` of 8000 characters (24000 key transitions: every other character
 *    is a capital, with its Shift) from the request to the last key event pulled by the guest;
 *    events/s counts EV_KEY events;
 *  - latency of one key: from writing `{"cmd":"key","keys":"a"}` on the monitor socket to the
 *    guest pulling KEY_A's press (the reply, which comes when the packets are in the ring, is
 *    read afterwards); median and p99 over many keys;
 *  - the same for one `mouse` report (to its ABS_X event);
 *  - beside them, the peer figure: a monitor round trip that moves no input (`stats` is too
 *    big to be fair, so `wait connected`, which answers at once), i.e. the floor the monitor
 *    socket and JSON put under every latency above.
 *
 * Usage: bench_input [scale]   (scale multiplies the repetitions; default 1)
 * hvhost: $HVHOST, else the one built beside this benchmark.
 */
#define LOG_MODULE "bench"
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hvhost_harness.h"
#include "hvi.h"
#include "hvi_keycodes.h"
#include "log.h"
#include "vmb.h"

#define TYPE_CHARS 8000
#define FAILSAFE_MS 30000

struct bench {
	struct hvhost_harness *h;
	struct hvhost_conn *conn;
	struct vmb_bus *bus;
	struct hvi_device *kbd, *mouse;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Waits for dev's next event (type, code, value; value -1 for any) and returns its pull time,
 * or -1 when the failsafe ran out. */
static int64_t wait_event(struct hvi_device *dev, uint16_t type, uint16_t code, int32_t value)
{
	int64_t deadline = now_ns() + (int64_t)FAILSAFE_MS * 1000000;
	for (;;) {
		struct hvi_event ev;
		while (hvi_device_next_event(dev, &ev) == 1) {
			if (ev.type == type && ev.code == code && (value < 0 || ev.value == value))
				return now_ns();
		}
		struct pollfd pfd = { .fd = hvi_device_get_fd(dev), .events = POLLIN };
		int64_t left = (deadline - now_ns()) / 1000000;
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -1;
		hvi_device_dispatch(dev);
	}
}

/* Pulls key events until count arrived; the time of the last, or -1 on the failsafe. */
static int64_t wait_keys(struct hvi_device *dev, uint64_t count)
{
	int64_t deadline = now_ns() + (int64_t)FAILSAFE_MS * 1000000;
	uint64_t keys = 0;
	while (keys < count) {
		struct hvi_event ev;
		while (keys < count && hvi_device_next_event(dev, &ev) == 1)
			keys += ev.type == HVI_EV_KEY;
		if (keys >= count)
			break;
		struct pollfd pfd = { .fd = hvi_device_get_fd(dev), .events = POLLIN };
		int64_t left = (deadline - now_ns()) / 1000000;
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			fprintf(stderr, "bench_input: only %llu of %llu key events arrived\n",
				(unsigned long long)keys, (unsigned long long)count);
			return -1;
		}
		hvi_device_dispatch(dev);
	}
	return now_ns();
}

static bool read_ok(struct bench *b)
{
	struct json_object *reply = hvhost_conn_read(b->conn);
	struct json_object *ok = NULL;
	bool result =
		reply && json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok);
	json_object_put(reply);
	return result;
}

static void print_latency(const char *what, int64_t *ns, size_t n)
{
	qsort(ns, n, sizeof(*ns), cmp_i64);
	printf("%-44s median %7.1f us   p99 %7.1f us   (n=%zu)\n", what, (double)ns[n / 2] / 1e3,
		(double)ns[n * 99 / 100] / 1e3, n);
}

static int bench_throughput(struct bench *b, int runs)
{
	static char line[TYPE_CHARS + 64];
	int n = snprintf(line, sizeof(line), "{\"cmd\":\"type\",\"text\":\"");
	for (int i = 0; i < TYPE_CHARS; i++)
		line[n++] = (char)(i % 2 ? 'a' + i % 26 : 'A' + i % 26);
	snprintf(line + n, sizeof(line) - (size_t)n, "\"}\n");
	double best = 0, sum = 0;
	/* Two transitions per character, two more for the Shift of every other one. */
	uint64_t keys = TYPE_CHARS * 3;
	for (int r = 0; r < runs; r++) {
		int64_t t0 = now_ns();
		if (hvhost_conn_send(b->conn, line, strlen(line)) < 0)
			return -EIO;
		int64_t t1 = wait_keys(b->kbd, keys);
		if (t1 < 0)
			return -ETIMEDOUT;
		if (!read_ok(b))
			return -EIO;
		double rate = (double)keys / ((double)(t1 - t0) / 1e9);
		sum += rate;
		if (rate > best)
			best = rate;
	}
	printf("%-44s mean %9.0f events/s   best %9.0f events/s   (%d runs of %llu)\n",
		"type burst -> guest EV_KEY events", sum / runs, best, runs,
		(unsigned long long)keys);
	return 0;
}

static int bench_key_latency(struct bench *b, size_t count)
{
	static const char line[] = "{\"cmd\":\"key\",\"keys\":\"a\"}\n";
	int64_t *ns = calloc(count, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < count + count / 10; i++) {
		int64_t t0 = now_ns();
		if (hvhost_conn_send(b->conn, line, sizeof(line) - 1) < 0)
			break;
		/* The press: the release of the key before may still be on its way. */
		int64_t t1 = wait_event(b->kbd, HVI_EV_KEY, KEY_A, HVI_KEY_PRESSED);
		if (t1 < 0 || !read_ok(b)) {
			free(ns);
			return -ETIMEDOUT;
		}
		if (i >= count / 10) // the first tenth warms up
			ns[i - count / 10] = t1 - t0;
	}
	print_latency("key 'a' request -> guest KEY_A press", ns, count);
	free(ns);
	return 0;
}

static int bench_mouse_latency(struct bench *b, size_t count)
{
	int64_t *ns = calloc(count, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < count + count / 10; i++) {
		char line[64];
		int len = snprintf(
			line, sizeof(line), "{\"cmd\":\"mouse\",\"x\":%zu,\"y\":5}\n", i % 1000);
		int64_t t0 = now_ns();
		if (hvhost_conn_send(b->conn, line, (size_t)len) < 0)
			break;
		int64_t t1 = wait_event(b->mouse, HVI_EV_SYN, HVI_SYN_REPORT, -1);
		if (t1 < 0 || !read_ok(b)) {
			free(ns);
			return -ETIMEDOUT;
		}
		if (i >= count / 10)
			ns[i - count / 10] = t1 - t0;
	}
	print_latency("mouse request -> guest SYN_REPORT", ns, count);
	free(ns);
	return 0;
}

static int bench_monitor_floor(struct bench *b, size_t count)
{
	static const char line[] = "{\"cmd\":\"wait\",\"what\":\"connected\"}\n";
	int64_t *ns = calloc(count, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		int64_t t0 = now_ns();
		if (hvhost_conn_send(b->conn, line, sizeof(line) - 1) < 0 || !read_ok(b)) {
			free(ns);
			return -EIO;
		}
		ns[i] = now_ns() - t0;
	}
	print_latency("peer: monitor round trip, no input", ns, count);
	free(ns);
	return 0;
}

static int setup(struct bench *b)
{
	if (!getenv("HVHOST"))
		setenv("HVHOST", HVHOST_PATH, 0);
	int ret = hvhost_harness_start(
		&b->h, (const char *[]){ "--no-video", "--log-level", "warn", NULL });
	if (ret < 0)
		return ret;
	b->conn = hvhost_harness_connect(b->h);
	const struct vmb_bus_options opts = { .socket_path = hvhost_harness_vmbus_path(b->h) };
	ret = b->conn ? vmb_bus_connect_emu(&b->bus, &opts) : -EIO;
	if (ret == 0)
		ret = hvi_keyboard_create(&b->kbd, b->bus, NULL);
	if (ret == 0)
		ret = hvi_mouse_create(&b->mouse, b->bus, NULL);
	return ret;
}

static void teardown(struct bench *b)
{
	hvi_device_destroy(b->kbd);
	hvi_device_destroy(b->mouse);
	vmb_bus_destroy(b->bus);
	if (b->h)
		hvhost_harness_stop(b->h);
	hvhost_harness_destroy(b->h);
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? atof(argv[1]) : 1.0;
	if (scale <= 0)
		scale = 1.0;
	log_set_level(LOG_WARN);
	struct bench b = { 0 };
	int ret = setup(&b);
	if (ret < 0) {
		fprintf(stderr, "bench_input: cannot start hvhost and the guest: %s\n",
			strerror(-ret));
		teardown(&b);
		return 1;
	}
	size_t count = (size_t)(2000 * scale);
	printf("bench_input: monitor -> hvhost -> emulated VMBus -> lib hvi (one process tree)\n");
	ret = bench_throughput(&b, (int)(5 * scale) ? (int)(5 * scale) : 1);
	if (ret == 0)
		ret = bench_key_latency(&b, count);
	if (ret == 0)
		ret = bench_mouse_latency(&b, count);
	if (ret == 0)
		ret = bench_monitor_floor(&b, count);
	teardown(&b);
	return ret < 0 ? 1 : 0;
}
