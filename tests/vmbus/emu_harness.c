/* Harness for the emulated VMBus tests (emu_harness.h). */
#define LOG_MODULE "emu-harness"
#include "emu_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "macros.h"
#include "vmb_emu_io.h"
#include "vmb_guid.h"
#include "vmb_ring.h"

/* ---- events ---- */

static void record(struct emu_host *h, const struct emu_event *ev)
{
	pthread_mutex_lock(&h->lock);
	if (h->n_events < EMU_MAX_EVENTS)
		h->events[h->n_events++] = *ev;
	else
		h->overflow = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

static int dev_index(struct emu_host *h, int dev_id)
{
	for (int i = 0; i < 3; i++) {
		if (h->dev_ids[i] == dev_id)
			return i;
	}
	return -1;
}

static void on_connected(void *data, uint32_t version)
{
	record(data, &(struct emu_event){ .kind = EMU_EV_CONNECTED, .dev = -1, .value = version });
}

static void on_disconnected(void *data)
{
	record(data, &(struct emu_event){ .kind = EMU_EV_DISCONNECTED, .dev = -1 });
}

static void on_opened(void *data, int dev_id, struct vmb_host_channel *ch)
{
	struct emu_host *h = data;
	int dev = dev_index(h, dev_id);
	h->chans[dev] = ch;
	record(h,
		&(struct emu_event){
			.kind = EMU_EV_OPENED, .dev = dev, .relid = vmb_host_channel_relid(ch) });
}

static void on_closed(void *data, int dev_id, enum vmb_host_close_reason reason)
{
	struct emu_host *h = data;
	int dev = dev_index(h, dev_id);
	h->chans[dev] = NULL;
	record(h, &(struct emu_event){ .kind = EMU_EV_CLOSED, .dev = dev, .value = reason });
}

/* The device model: drain, record, echo when asked to. */
static void on_signalled(void *data, int dev_id, struct vmb_host_channel *ch)
{
	struct emu_host *h = data;
	int dev = dev_index(h, dev_id);
	static uint8_t buf[65536];
	for (;;) {
		struct vmb_ring_in pkt;
		int ret = vmb_host_channel_recv(ch, &pkt, buf, sizeof(buf));
		if (ret == -EBADMSG)
			record(h, &(struct emu_event){ .kind = EMU_EV_CORRUPT, .dev = dev });
		if (ret != 1)
			return;
		struct emu_event ev = { .kind = EMU_EV_PACKET,
			.dev = dev,
			.len = pkt.payload_len,
			.relid = vmb_host_channel_relid(ch) };
		memcpy(ev.data, pkt.payload, MIN(sizeof(ev.data), (size_t)pkt.payload_len));
		record(h, &ev);
		if (h->echo)
			vmb_host_channel_send(ch, pkt.payload, pkt.payload_len);
	}
}

static void on_trace_packet(
	void *data, uint32_t relid, enum vmb_host_dir dir, const uint8_t *raw, size_t len)
{
	if (!((struct emu_host *)data)->trace)
		return;
	struct emu_event ev = {
		.kind = EMU_EV_TRACE_PACKET, .dev = -1, .relid = relid, .value = dir, .len = len
	};
	memcpy(ev.data, raw, MIN(sizeof(ev.data), len));
	record(data, &ev);
}

static void on_trace_open(void *data, uint32_t relid, const struct vmb_guid *interface,
	const struct vmb_guid *instance)
{
	struct emu_event ev = { .kind = EMU_EV_TRACE_OPEN, .dev = -1, .relid = relid, .len = 32 };
	memcpy(ev.data, interface->bytes, 16);
	memcpy(ev.data + 16, instance->bytes, 16);
	record(data, &ev);
}

static const struct vmb_host_listener harness_listener = {
	.guest_connected = on_connected,
	.guest_disconnected = on_disconnected,
	.channel_opened = on_opened,
	.channel_closed = on_closed,
	.channel_signalled = on_signalled,
	.packet_traced = on_trace_packet,
	.channel_traced = on_trace_open,
};

/* ---- the host thread ---- */

static void on_cmd(void *data, int fd, short revents)
{
	struct emu_host *h = data;
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0)
		return;
	pthread_mutex_lock(&h->lock);
	void (*fn)(struct emu_host *, void *) = h->cmd_fn;
	void *arg = h->cmd_arg;
	pthread_mutex_unlock(&h->lock);
	if (fn)
		fn(h, arg);
	pthread_mutex_lock(&h->lock);
	h->cmd_fn = NULL;
	h->cmd_done = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

struct start_args {
	struct emu_host *h;
	const uint32_t *versions;
	size_t n_versions;
};

static int add_devices(struct emu_host *h)
{
	const struct vmb_host_device devs[3] = {
		{ vmb_guid_synthvid, vmb_guid_synthvid_instance, 8, true },
		{ vmb_guid_keyboard, vmb_guid_keyboard_instance, 0, false },
		{ vmb_guid_mouse, vmb_guid_mouse_instance, 0, true },
	};
	for (int i = 0; i < 3; i++) {
		h->dev_ids[i] = vmb_host_add_device(h->host, &devs[i]);
		if (h->dev_ids[i] < 0)
			return h->dev_ids[i];
	}
	return 0;
}

static void *host_main(void *arg)
{
	struct start_args *a = arg;
	struct emu_host *h = a->h;
	struct vmb_host_config cfg = {
		.socket_path = h->path, .versions = a->versions, .n_versions = a->n_versions
	};
	int ret = vmb_host_create(&h->host, h->loop, &cfg, &harness_listener, h);
	if (ret == 0)
		ret = add_devices(h);
	if (ret == 0 && !loop_add_fd(h->loop, h->cmd_fd, POLLIN, on_cmd, h))
		ret = -ENOMEM;
	pthread_mutex_lock(&h->lock);
	h->start_ret = ret;
	h->started = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	if (ret == 0)
		loop_run(h->loop);
	vmb_host_destroy(h->host);
	h->host = NULL;
	return NULL;
}

int emu_host_start(struct emu_host *h, const uint32_t *versions, size_t n_versions)
{
	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	h->events = calloc(EMU_MAX_EVENTS, sizeof(*h->events));
	if (!h->events)
		return -ENOMEM;
	snprintf(h->dir, sizeof(h->dir), "/tmp/hvd-emu-XXXXXX");
	if (!mkdtemp(h->dir))
		return -errno;
	snprintf(h->path, sizeof(h->path), "%s/sock/vmbus.sock", h->dir);
	h->loop = loop_create();
	h->cmd_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!h->loop || h->cmd_fd < 0)
		return -ENOMEM;
	static struct start_args args;
	args = (struct start_args){ h, versions, n_versions };
	if (pthread_create(&h->thread, NULL, host_main, &args) != 0)
		return -EAGAIN;
	pthread_mutex_lock(&h->lock);
	while (!h->started)
		pthread_cond_wait(&h->cond, &h->lock);
	int ret = h->start_ret;
	pthread_mutex_unlock(&h->lock);
	if (ret < 0) {
		pthread_join(h->thread, NULL);
		h->thread = 0;
	}
	return ret;
}

static void quit_fn(struct emu_host *h, void *arg)
{
	loop_quit(h->loop);
}

void emu_host_stop(struct emu_host *h)
{
	if (h->thread) {
		emu_host_call(h, quit_fn, NULL);
		pthread_join(h->thread, NULL);
	}
	loop_destroy(h->loop);
	if (h->cmd_fd >= 0)
		close(h->cmd_fd);
	char sub[160];
	snprintf(sub, sizeof(sub), "%s/sock", h->dir);
	rmdir(sub);
	rmdir(h->dir);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h->events);
}

static struct timespec deadline_ts(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += EMU_WAIT_MS / 1000;
	return ts;
}

void emu_host_call(struct emu_host *h, void (*fn)(struct emu_host *h, void *arg), void *arg)
{
	pthread_mutex_lock(&h->lock);
	h->cmd_fn = fn;
	h->cmd_arg = arg;
	h->cmd_done = false;
	pthread_mutex_unlock(&h->lock);
	uint64_t one = 1;
	if (write(h->cmd_fd, &one, sizeof(one)) < 0)
		abort();
	struct timespec ts = deadline_ts();
	pthread_mutex_lock(&h->lock);
	int ret = 0;
	while (!h->cmd_done && ret == 0)
		ret = pthread_cond_timedwait(&h->cond, &h->lock, &ts);
	bool done = h->cmd_done;
	pthread_mutex_unlock(&h->lock);
	if (!done) {
		fprintf(stderr, "host thread did not run a command in %d ms\n", EMU_WAIT_MS);
		abort();
	}
}

static bool matches(const struct emu_event *ev, enum emu_event_kind kind, int dev)
{
	return ev->kind == kind && (dev < 0 || ev->dev == dev);
}

bool emu_host_wait(struct emu_host *h, size_t *cursor, enum emu_event_kind kind, int dev,
	struct emu_event *out)
{
	struct timespec ts = deadline_ts();
	pthread_mutex_lock(&h->lock);
	int ret = 0;
	if (h->overflow)
		fprintf(stderr, "emu harness: more than %d events, some lost\n", EMU_MAX_EVENTS);
	for (;;) {
		for (size_t i = *cursor; i < h->n_events; i++) {
			if (matches(&h->events[i], kind, dev)) {
				if (out)
					*out = h->events[i];
				*cursor = i + 1;
				pthread_mutex_unlock(&h->lock);
				return true;
			}
		}
		if (ret != 0)
			break;
		ret = pthread_cond_timedwait(&h->cond, &h->lock, &ts);
	}
	pthread_mutex_unlock(&h->lock);
	return false;
}

size_t emu_host_count(struct emu_host *h, enum emu_event_kind kind, int dev)
{
	size_t n = 0;
	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < h->n_events; i++)
		n += matches(&h->events[i], kind, dev);
	pthread_mutex_unlock(&h->lock);
	return n;
}

size_t emu_host_event_count(struct emu_host *h)
{
	pthread_mutex_lock(&h->lock);
	size_t n = h->n_events;
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* ---- calls on the host thread ---- */

struct host_op {
	int dev;
	int ret;
	bool flag;
	const void *payload;
	size_t len;
	struct vmb_host_stats stats;
};

static void configure_fn(struct emu_host *h, void *arg)
{
	const struct host_op *op = arg;
	h->echo = op->flag;
	h->trace = op->ret != 0;
}

void emu_host_configure(struct emu_host *h, bool echo, bool trace)
{
	struct host_op op = { .flag = echo, .ret = trace };
	emu_host_call(h, configure_fn, &op);
}

static void stats_fn(struct emu_host *h, void *arg)
{
	vmb_host_get_stats(h->host, &((struct host_op *)arg)->stats);
}

struct vmb_host_stats emu_host_stats(struct emu_host *h)
{
	struct host_op op = { 0 };
	emu_host_call(h, stats_fn, &op);
	return op.stats;
}

static void is_open_fn(struct emu_host *h, void *arg)
{
	struct host_op *op = arg;
	op->flag = vmb_host_channel_is_open(h->host, h->dev_ids[op->dev]);
}

bool emu_host_is_open(struct emu_host *h, int dev)
{
	struct host_op op = { .dev = dev };
	emu_host_call(h, is_open_fn, &op);
	return op.flag;
}

static void rescind_fn(struct emu_host *h, void *arg)
{
	struct host_op *op = arg;
	op->ret = vmb_host_rescind(h->host, h->dev_ids[op->dev]);
}

int emu_host_rescind(struct emu_host *h, int dev)
{
	struct host_op op = { .dev = dev };
	emu_host_call(h, rescind_fn, &op);
	return op.ret;
}

static void reoffer_fn(struct emu_host *h, void *arg)
{
	struct host_op *op = arg;
	op->ret = vmb_host_reoffer(h->host, h->dev_ids[op->dev]);
}

int emu_host_reoffer(struct emu_host *h, int dev)
{
	struct host_op op = { .dev = dev };
	emu_host_call(h, reoffer_fn, &op);
	return op.ret;
}

static void pause_fn(struct emu_host *h, void *arg)
{
	struct host_op *op = arg;
	if (h->chans[op->dev])
		vmb_host_channel_set_paused(h->chans[op->dev], op->flag);
}

void emu_host_pause(struct emu_host *h, int dev, bool paused)
{
	struct host_op op = { .dev = dev, .flag = paused };
	emu_host_call(h, pause_fn, &op);
}

static void send_fn(struct emu_host *h, void *arg)
{
	struct host_op *op = arg;
	op->ret = h->chans[op->dev] ? vmb_host_channel_send(h->chans[op->dev], op->payload, op->len)
				    : -ENOTCONN;
}

int emu_host_send(struct emu_host *h, int dev, const void *payload, size_t len)
{
	struct host_op op = { .dev = dev, .payload = payload, .len = len };
	emu_host_call(h, send_fn, &op);
	return op.ret;
}

/* ---- raw guest ---- */

int raw_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int raw_send_msg(int sock, const struct vmb_ctl_msg *msg, const int *fds, size_t nfds)
{
	return vmb_emu_send(sock, msg, fds, nfds);
}

int raw_send_bytes(int sock, const void *buf, size_t len, const int *fds, size_t nfds)
{
	return vmb_emu_send_bytes(sock, buf, len, fds, nfds);
}

ssize_t raw_recv(int sock, uint8_t *buf, size_t cap, int *fds, size_t *nfds)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	int ret = poll(&pfd, 1, EMU_WAIT_MS);
	if (ret <= 0)
		return ret == 0 ? -ETIMEDOUT : -errno;
	return vmb_emu_recv(sock, buf, cap, fds, nfds);
}

bool raw_recv_msg(int sock, struct vmb_ctl_msg *msg, int *fds, size_t *nfds)
{
	uint8_t buf[VMB_CTL_MAX_SIZE + 1];
	ssize_t n = raw_recv(sock, buf, sizeof(buf), fds, nfds);
	if (n <= 0)
		return false;
	return vmb_ctl_decode(VMB_CTL_TO_GUEST, buf, (size_t)n, *nfds, msg, NULL) == 0;
}

bool raw_wait_closed(int sock)
{
	for (int i = 0; i < 64; i++) {
		uint8_t buf[VMB_CTL_MAX_SIZE + 1];
		int fds[VMB_EMU_MAX_RX_FDS];
		size_t nfds = 0;
		ssize_t n = raw_recv(sock, buf, sizeof(buf), fds, &nfds);
		vmb_emu_close_fds(fds, nfds);
		if (n == 0 || n == -ECONNRESET)
			return true;
		if (n == -ETIMEDOUT)
			return false;
	}
	return false;
}

int raw_handshake(int sock, uint32_t version, struct vmb_ctl_offer *offers, size_t cap)
{
	struct vmb_ctl_msg msg = { .type = VMB_CTL_INITIATE_CONTACT };
	msg.initiate_contact.vmbus_version = version;
	int fds[VMB_EMU_MAX_RX_FDS];
	size_t nfds = 0;
	if (raw_send_msg(sock, &msg, NULL, 0) < 0 || !raw_recv_msg(sock, &msg, fds, &nfds))
		return -1;
	vmb_emu_close_fds(fds, nfds);
	if (msg.type != VMB_CTL_VERSION_RESPONSE || !msg.version_response.version_supported)
		return -1;
	if (raw_send_msg(sock, &(struct vmb_ctl_msg){ .type = VMB_CTL_REQUESTOFFERS }, NULL, 0) < 0)
		return -1;
	size_t n = 0;
	for (;;) {
		if (!raw_recv_msg(sock, &msg, fds, &nfds))
			return -1;
		if (msg.type == VMB_CTL_ALLOFFERS_DELIVERED)
			return (int)n;
		if (msg.type != VMB_CTL_OFFERCHANNEL)
			return -1;
		if (n < cap)
			offers[n++] = msg.offer;
	}
}

int raw_ring_memfd(uint32_t ring_bytes, uint32_t pageoffset, size_t file_bytes, bool seal)
{
	int fd = memfd_create("test-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, (off_t)file_bytes) < 0)
		goto err;
	size_t send = (size_t)pageoffset * 4096;
	if (send < ring_bytes && ring_bytes <= file_bytes) {
		uint8_t *mem = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (mem == MAP_FAILED)
			goto err;
		vmb_ring_format(mem, send);
		vmb_ring_format(mem + send, ring_bytes - send);
		munmap(mem, ring_bytes);
	}
	if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
		goto err;
	return fd;
err:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* ---- log capture ---- */

#define LOG_LINES 512

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int fault;
	char text[256];
} log_lines[LOG_LINES];
static size_t n_log_lines;

PRINTF(6, 0)
static void capture(enum log_level level, enum log_fault fault, const char *module,
	const char *file, int line, const char *fmt, va_list args)
{
	char text[256];
	vsnprintf(text, sizeof(text), fmt, args);
	fprintf(stderr, "%s [%s] %s:%d: %s%s%s%s\n", log_level_to_str(level), module, file, line,
		fault ? "bug (" : "", fault ? log_fault_to_str(fault) : "", fault ? "): " : "",
		text);
	pthread_mutex_lock(&log_lock);
	if (n_log_lines < LOG_LINES) {
		log_lines[n_log_lines].fault = fault;
		snprintf(log_lines[n_log_lines].text, sizeof(log_lines[0].text), "%s", text);
		n_log_lines++;
	}
	pthread_mutex_unlock(&log_lock);
}

void emu_log_capture_start(void)
{
	log_set_handler(capture);
	log_set_level(LOG_DEBUG);
}

bool emu_log_contains(int fault, const char *text)
{
	bool found = false;
	pthread_mutex_lock(&log_lock);
	for (size_t i = 0; i < n_log_lines && !found; i++)
		found = log_lines[i].fault == fault && strstr(log_lines[i].text, text);
	pthread_mutex_unlock(&log_lock);
	return found;
}

void emu_log_clear(void)
{
	pthread_mutex_lock(&log_lock);
	n_log_lines = 0;
	pthread_mutex_unlock(&log_lock);
}
