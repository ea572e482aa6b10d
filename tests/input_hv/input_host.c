/* The scripted keyboard and mouse host: see input_host.h. */
#define LOG_MODULE "ih"
#include "input_host.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "hvi_scancode.h"
#include "log.h"
#include "loop.h"
#include "synthkbd.h"
#include "synthmouse.h"
#include "vmb.h"
#include "vmb_host.h"

#define IH_RX (65536 + 64)
#define IH_MAX_PACKETS 4096

struct ih {
	struct ih_config cfg;
	char dir[64];
	char path[96];
	pthread_t thread;
	struct loop *loop;
	struct vmb_host *host;
	int dev_ids[2];
	struct vmb_host_channel *ch[2]; // host thread only

	int cmd_fd;
	struct loop_source *cmd_source;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	void (*cmd_fn)(struct ih *ih, void *data);
	void *cmd_data;
	bool cmd_done;

	struct ih_packet *packets; // under lock
	size_t n_packets;
	uint8_t rx[IH_RX];
};

/* ---- host thread ---- */

static int send_on(struct ih *ih, enum ih_dev dev, const void *payload, size_t len)
{
	if (!ih->ch[dev])
		return -ENOTCONN;
	return vmb_host_channel_send(ih->ch[dev], payload, len);
}

static void record(struct ih *ih, enum ih_dev dev, const struct vmb_ring_in *pkt)
{
	struct ih_packet p = { .dev = dev, .type = pkt->type, .flags = pkt->flags };
	p.trans_id = pkt->trans_id;
	size_t len = pkt->payload_len;
	if (dev == IH_MOUSE && len >= 8) {
		uint32_t pipe = (uint32_t)pkt->payload[4] | (uint32_t)pkt->payload[5] << 8 |
			(uint32_t)pkt->payload[6] << 16 | (uint32_t)pkt->payload[7] << 24;
		if (pipe <= len - 8)
			len = 8 + pipe;
	}
	p.len = len < sizeof(p.bytes) ? len : sizeof(p.bytes);
	memcpy(p.bytes, pkt->payload, p.len);
	pthread_mutex_lock(&ih->lock);
	if (ih->n_packets < IH_MAX_PACKETS)
		ih->packets[ih->n_packets++] = p;
	pthread_mutex_unlock(&ih->lock);
}

static void answer_kbd(struct ih *ih, const struct synthkbd_msg *msg)
{
	if (msg->type != SYNTHKBD_PROTOCOL_REQUEST || ih->cfg.kbd_version == IH_SILENT)
		return;
	uint8_t buf[16];
	struct synthkbd_msg resp = { .type = SYNTHKBD_PROTOCOL_RESPONSE };
	resp.u.protocol_response.status = ih->cfg.kbd_version == IH_ACCEPT;
	int len = synthkbd_encode(buf, sizeof(buf), &resp);
	send_on(ih, IH_KBD, buf, (size_t)len);
}

static void send_device_info(struct ih *ih)
{
	uint8_t buf[4096 + 128];
	struct synthmouse_msg msg = { .type = SYNTHMOUSE_INITIAL_DEVICE_INFO };
	struct synthmouse_device_info *di = &msg.u.device_info;
	di->info = (struct synthmouse_dev_info){ 32, 0x045e, 0x0621, 1 };
	di->report_desc =
		ih->cfg.report_desc ? ih->cfg.report_desc : synthmouse_openvmm_report_desc;
	size_t dlen =
		ih->cfg.report_desc ? ih->cfg.report_desc_len : SYNTHMOUSE_OPENVMM_REPORT_DESC_LEN;
	di->hid_desc = (struct synthmouse_hid_desc){ 9, 0x21, 0x0101, 0, 1, 0x22, (uint16_t)dlen };
	int len = synthmouse_encode(buf, sizeof(buf), &msg);
	if (len < 0)
		abort();
	send_on(ih, IH_MOUSE, buf, (size_t)len);
}

static void answer_mouse(struct ih *ih, const struct synthmouse_msg *msg)
{
	if (msg->type != SYNTHMOUSE_PROTOCOL_REQUEST || ih->cfg.mouse_version == IH_SILENT)
		return;
	uint8_t buf[64];
	struct synthmouse_msg resp = { .type = SYNTHMOUSE_PROTOCOL_RESPONSE };
	resp.u.protocol_response.version_requested = msg->u.protocol_request.version;
	resp.u.protocol_response.approved = ih->cfg.mouse_version == IH_ACCEPT;
	int len = synthmouse_encode(buf, sizeof(buf), &resp);
	send_on(ih, IH_MOUSE, buf, (size_t)len);
	if (ih->cfg.mouse_version == IH_ACCEPT && !ih->cfg.no_device_info)
		send_device_info(ih);
}

static void drain(struct ih *ih, enum ih_dev dev)
{
	while (ih->ch[dev]) {
		struct vmb_ring_in pkt;
		if (vmb_host_channel_recv(ih->ch[dev], &pkt, ih->rx, sizeof(ih->rx)) <= 0)
			break;
		record(ih, dev, &pkt);
		if (pkt.type != VMB_PKT_DATA_INBAND)
			continue;
		if (dev == IH_KBD) {
			struct synthkbd_msg msg;
			if (synthkbd_decode(pkt.payload, pkt.payload_len, &msg, NULL) == 0)
				answer_kbd(ih, &msg);
		} else {
			struct synthmouse_msg msg;
			if (synthmouse_decode(pkt.payload, pkt.payload_len, &msg, NULL) == 0)
				answer_mouse(ih, &msg);
		}
	}
}

static enum ih_dev dev_of(struct ih *ih, int dev_id)
{
	return dev_id == ih->dev_ids[IH_KBD] ? IH_KBD : IH_MOUSE;
}

static void on_opened(void *data, int dev_id, struct vmb_host_channel *ch)
{
	struct ih *ih = data;
	ih->ch[dev_of(ih, dev_id)] = ch;
}

static void on_closed(void *data, int dev_id, enum vmb_host_close_reason reason)
{
	struct ih *ih = data;
	ih->ch[dev_of(ih, dev_id)] = NULL;
}

static void on_signalled(void *data, int dev_id, struct vmb_host_channel *ch)
{
	struct ih *ih = data;
	drain(ih, dev_of(ih, dev_id));
}

static const struct vmb_host_listener listener = {
	.channel_opened = on_opened,
	.channel_closed = on_closed,
	.channel_signalled = on_signalled,
};

/* ---- calls into the host thread ---- */

static void on_cmd(void *data, int fd, short revents)
{
	struct ih *ih = data;
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0)
		return;
	pthread_mutex_lock(&ih->lock);
	void (*fn)(struct ih *, void *) = ih->cmd_fn;
	void *arg = ih->cmd_data;
	ih->cmd_fn = NULL;
	pthread_mutex_unlock(&ih->lock);
	if (fn)
		fn(ih, arg);
	pthread_mutex_lock(&ih->lock);
	ih->cmd_done = true;
	pthread_cond_broadcast(&ih->cond);
	pthread_mutex_unlock(&ih->lock);
}

static void ih_call(struct ih *ih, void (*fn)(struct ih *ih, void *data), void *data)
{
	pthread_mutex_lock(&ih->lock);
	ih->cmd_fn = fn;
	ih->cmd_data = data;
	ih->cmd_done = false;
	pthread_mutex_unlock(&ih->lock);
	uint64_t one = 1;
	if (write(ih->cmd_fd, &one, sizeof(one)) < 0)
		abort();
	pthread_mutex_lock(&ih->lock);
	while (!ih->cmd_done)
		pthread_cond_wait(&ih->cond, &ih->lock);
	pthread_mutex_unlock(&ih->lock);
}

static void *thread_main(void *data)
{
	struct ih *ih = data;
	loop_run(ih->loop);
	return NULL;
}

struct ih *ih_start(const struct ih_config *cfg)
{
	struct ih *ih = calloc(1, sizeof(*ih));
	if (!ih)
		abort();
	ih->cfg = cfg ? *cfg : (struct ih_config){ 0 };
	ih->packets = calloc(IH_MAX_PACKETS, sizeof(*ih->packets));
	snprintf(ih->dir, sizeof(ih->dir), "/tmp/hvd-ih-XXXXXX");
	if (!ih->packets || !mkdtemp(ih->dir))
		abort();
	snprintf(ih->path, sizeof(ih->path), "%s/vmbus.sock", ih->dir);
	pthread_mutex_init(&ih->lock, NULL);
	pthread_cond_init(&ih->cond, NULL);
	ih->loop = loop_create();
	ih->cmd_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!ih->loop || ih->cmd_fd < 0)
		abort();
	ih->cmd_source = loop_add_fd(ih->loop, ih->cmd_fd, POLLIN, on_cmd, ih);
	struct vmb_host_config hc = { .socket_path = ih->path };
	if (vmb_host_create(&ih->host, ih->loop, &hc, &listener, ih) < 0)
		abort();
	struct vmb_host_device kbd = { vmb_guid_keyboard, vmb_guid_keyboard_instance, 0, false };
	struct vmb_host_device mouse = { vmb_guid_mouse, vmb_guid_mouse_instance, 0, true };
	ih->dev_ids[IH_KBD] = vmb_host_add_device(ih->host, &kbd);
	ih->dev_ids[IH_MOUSE] = vmb_host_add_device(ih->host, &mouse);
	if (ih->dev_ids[0] < 0 || ih->dev_ids[1] < 0 ||
		pthread_create(&ih->thread, NULL, thread_main, ih) != 0)
		abort();
	return ih;
}

static void quit(struct ih *ih, void *data)
{
	loop_quit(ih->loop);
}

void ih_stop(struct ih *ih)
{
	if (!ih)
		return;
	ih_call(ih, quit, NULL);
	pthread_join(ih->thread, NULL);
	vmb_host_destroy(ih->host);
	loop_remove(ih->cmd_source);
	loop_destroy(ih->loop);
	close(ih->cmd_fd);
	rmdir(ih->dir);
	pthread_mutex_destroy(&ih->lock);
	pthread_cond_destroy(&ih->cond);
	free(ih->packets);
	free(ih);
}

int ih_connect(struct ih *ih, struct vmb_bus **out)
{
	struct vmb_bus_options opts = { .socket_path = ih->path };
	return vmb_bus_connect_emu(out, &opts);
}

static void call_drain(struct ih *ih, void *data)
{
	drain(ih, IH_KBD);
	drain(ih, IH_MOUSE);
}

size_t ih_take(struct ih *ih, struct ih_packet *out, size_t cap)
{
	ih_call(ih, call_drain, NULL);
	pthread_mutex_lock(&ih->lock);
	size_t n = ih->n_packets < cap ? ih->n_packets : cap;
	memcpy(out, ih->packets, n * sizeof(*out));
	ih->n_packets = 0;
	pthread_mutex_unlock(&ih->lock);
	return n;
}

struct send_args {
	enum ih_dev dev;
	const void *payload;
	size_t len;
	bool completion;
	int ret;
};

static void call_send(struct ih *ih, void *data)
{
	struct send_args *a = data;
	if (!ih->ch[a->dev]) {
		a->ret = -ENOTCONN;
		return;
	}
	struct vmb_iov iov = { a->payload, a->len };
	struct vmb_ring_out out = {
		.type = a->completion ? VMB_PKT_COMP : VMB_PKT_DATA_INBAND,
		.trans_id = a->completion ? 1 : 0,
		.iov = &iov,
		.iov_count = 1,
	};
	a->ret = vmb_host_channel_send_batch(ih->ch[a->dev], &out, 1);
}

int ih_send(struct ih *ih, enum ih_dev dev, const void *payload, size_t len)
{
	struct send_args a = { dev, payload, len, false, 0 };
	ih_call(ih, call_send, &a);
	return a.ret < 0 ? a.ret : 0;
}

int ih_send_completion(struct ih *ih, enum ih_dev dev)
{
	static const uint8_t zeros[8];
	struct send_args a = { dev, zeros, sizeof(zeros), true, 0 };
	ih_call(ih, call_send, &a);
	return a.ret < 0 ? a.ret : 0;
}

int ih_keystroke(struct ih *ih, uint16_t make_code, uint32_t info)
{
	/* Raw bytes, not the codec: it refuses what a hostile host may still send. */
	const uint8_t buf[SYNTHKBD_EVENT_SIZE] = {
		SYNTHKBD_EVENT,
		0,
		0,
		0,
		(uint8_t)make_code,
		(uint8_t)(make_code >> 8),
		0,
		0,
		(uint8_t)info,
		(uint8_t)(info >> 8),
		0,
		0,
	};
	return ih_send(ih, IH_KBD, buf, sizeof(buf));
}

int ih_key(struct ih *ih, uint16_t key, bool pressed)
{
	struct hvi_scancode seq[HVI_SCANCODE_MAX_SEQ];
	size_t n = hvi_scancode_from_key(key, pressed, seq);
	for (size_t i = 0; i < n; i++) {
		int ret = ih_keystroke(ih, seq[i].make_code, seq[i].info);
		if (ret < 0)
			return ret;
	}
	return n ? 0 : -EINVAL;
}

int ih_report(struct ih *ih, const void *report, size_t len)
{
	uint8_t buf[512];
	struct synthmouse_msg msg = { .type = SYNTHMOUSE_INPUT_REPORT };
	msg.u.input_report = (struct synthmouse_input_report){ report, len };
	int n = synthmouse_encode(buf, sizeof(buf), &msg);
	if (n < 0)
		return n;
	return ih_send(ih, IH_MOUSE, buf, (size_t)n);
}

struct dev_args {
	enum ih_dev dev;
	bool reoffer;
};

static void call_rescind(struct ih *ih, void *data)
{
	struct dev_args *a = data;
	if (a->reoffer)
		vmb_host_reoffer(ih->host, ih->dev_ids[a->dev]);
	else
		vmb_host_rescind(ih->host, ih->dev_ids[a->dev]);
}

void ih_rescind(struct ih *ih, enum ih_dev dev)
{
	struct dev_args a = { dev, false };
	ih_call(ih, call_rescind, &a);
}

void ih_reoffer(struct ih *ih, enum ih_dev dev)
{
	struct dev_args a = { dev, true };
	ih_call(ih, call_rescind, &a);
}

static void call_disconnect(struct ih *ih, void *data)
{
	vmb_host_disconnect(ih->host);
}

void ih_disconnect(struct ih *ih)
{
	ih_call(ih, call_disconnect, NULL);
}

/* ---- guest side ---- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool ih_collect(struct vmb_bus *bus, struct hvi_device *dev, struct hvi_record *rec, size_t n)
{
	int64_t deadline = now_ms() + IH_WAIT_MS;
	size_t got = 0;
	for (;;) {
		struct hvi_event ev;
		while ((n == 0 || got < n) && hvi_device_next_event(dev, &ev) == 1) {
			hvi_record_event(rec, &ev);
			got++;
		}
		if (n && got >= n)
			return true;
		struct pollfd pfds[2] = {
			{ .fd = vmb_bus_get_fd(bus), .events = POLLIN },
			{ .fd = hvi_device_get_fd(dev), .events = POLLIN },
		};
		int64_t left = deadline - now_ms();
		int ready = poll(pfds, 2, n == 0 ? 0 : left > 0 ? (int)left : 0);
		if (ready <= 0)
			return n == 0;
		if (pfds[0].revents)
			vmb_bus_dispatch(bus);
		hvi_device_dispatch(dev);
	}
}

bool ih_wait_ready(struct vmb_bus *bus, struct hvi_device *dev, struct hvi_record *rec)
{
	int64_t deadline = now_ms() + IH_WAIT_MS;
	while (!hvi_device_is_ready(dev)) {
		struct pollfd pfds[2] = {
			{ .fd = vmb_bus_get_fd(bus), .events = POLLIN },
			{ .fd = hvi_device_get_fd(dev), .events = POLLIN },
		};
		int64_t left = deadline - now_ms();
		if (left <= 0 || poll(pfds, 2, (int)left) <= 0)
			return false;
		if (pfds[0].revents)
			vmb_bus_dispatch(bus);
		hvi_device_dispatch(dev);
		struct hvi_event ev;
		while (hvi_device_next_event(dev, &ev) == 1)
			hvi_record_event(rec, &ev);
	}
	return true;
}

/* ---- log capture ---- */

#define LOG_LINES 512
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_lines[LOG_LINES][256];
static size_t n_log_lines;

static void PRINTF(6, 0) capture(enum log_level level, enum log_fault fault, const char *module,
	const char *file, int line, const char *fmt, va_list args)
{
	char text[256];
	vsnprintf(text, sizeof(text), fmt, args);
	fprintf(stderr, "%s [%s] %s\n", log_level_to_str(level), module, text);
	pthread_mutex_lock(&log_lock);
	if (n_log_lines < LOG_LINES)
		snprintf(log_lines[n_log_lines++], sizeof(log_lines[0]), "%s", text);
	pthread_mutex_unlock(&log_lock);
}

void ih_log_capture(void)
{
	log_set_handler(capture);
}

bool ih_log_contains(const char *text)
{
	bool found = false;
	pthread_mutex_lock(&log_lock);
	for (size_t i = 0; i < n_log_lines && !found; i++)
		found = strstr(log_lines[i], text) != NULL;
	pthread_mutex_unlock(&log_lock);
	return found;
}

void ih_log_clear(void)
{
	pthread_mutex_lock(&log_lock);
	n_log_lines = 0;
	pthread_mutex_unlock(&log_lock);
}
