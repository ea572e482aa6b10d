/* The scripted synthvid host: see scripted_host.h. */
#define LOG_MODULE "sh"
#include "scripted_host.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "macros.h"
#include "synthvid_edid.h"
#include "vmb.h"
#include "vmb_host.h"
#include "vmb_pipe.h"

#define SH_RX_BUF (65536 + 64)

struct sh {
	struct sh_config cfg;
	char dir[64];
	char path[96];

	pthread_t thread;
	struct loop *loop;
	struct vmb_host *host;
	int dev_id;
	struct vmb_host_channel *ch; // host thread only
	bool paused;
	uint64_t vram_gpa;

	int cmd_fd;
	struct loop_source *cmd_source;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	void (*cmd_fn)(struct sh *sh, void *data);
	void *cmd_data;
	bool cmd_done;

	struct sh_log log; // under lock
	uint64_t received; // under lock

	uint8_t rx[SH_RX_BUF];
	uint8_t tx[SH_RX_BUF];
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p)
		abort();
	return p;
}

/* ---- sending (host thread) ---- */

int sh_send_raw(struct sh *sh, const void *bytes, size_t len)
{
	if (!sh->ch)
		return -ENOTCONN;
	return vmb_host_channel_send(sh->ch, bytes, len);
}

int sh_send(struct sh *sh, const struct synthvid_msg *msg)
{
	int len = synthvid_encode(sh->tx, sizeof(sh->tx), msg, SYNTHVID_VID_SIZE_PAYLOAD_ONLY);
	if (len < 0)
		return len;
	return sh_send_raw(sh, sh->tx, (size_t)len);
}

void sh_send_feature(struct sh *sh, bool dirt, bool pos, bool shape, bool situ)
{
	struct synthvid_msg msg = { .type = SYNTHVID_FEATURE_CHANGE };
	msg.feature_change.is_dirt_needed = dirt;
	msg.feature_change.is_ptr_pos_needed = pos;
	msg.feature_change.is_ptr_shape_needed = shape;
	msg.feature_change.is_situ_needed = situ;
	sh_send(sh, &msg);
}

/* ---- default answers ---- */

static enum sh_answer answer_for(const struct sh *sh, uint32_t version)
{
	switch (version) {
	case SYNTHVID_VERSION_3_5:
		return sh->cfg.v3_5;
	case SYNTHVID_VERSION_3_2:
		return sh->cfg.v3_2;
	case SYNTHVID_VERSION_3_0:
		return sh->cfg.v3_0;
	default:
		return SH_REJECT;
	}
}

static void answer_version(struct sh *sh, uint32_t version)
{
	enum sh_answer a = answer_for(sh, version);
	if (a == SH_SILENT)
		return;
	struct synthvid_msg msg = { .type = SYNTHVID_VERSION_RESPONSE };
	msg.version_response.version = version;
	msg.version_response.is_accepted = a == SH_ACCEPT ? 2 : 0;
	msg.version_response.max_video_outputs = 1;
	sh_send(sh, &msg);
	if (a == SH_ACCEPT && !sh->cfg.no_feature_change)
		sh_send_feature(sh, true, true, true, true);
}

static const struct synthvid_resolution default_modes[] = {
	{ 1024, 768 },
	{ 1280, 1024 },
	{ 1920, 1080 },
};

static void answer_resolutions(struct sh *sh)
{
	if (sh->cfg.resolution_silent)
		return;
	const struct synthvid_resolution *modes = sh->cfg.modes ? sh->cfg.modes : default_modes;
	size_t n = sh->cfg.modes ? sh->cfg.n_modes : ARRAY_LEN(default_modes);
	uint8_t def = sh->cfg.modes ? sh->cfg.default_index : 2;
	struct synthvid_msg msg = { .type = SYNTHVID_RESOLUTION_RESPONSE };
	struct synthvid_resolution_response *r = &msg.resolution_response;
	r->resolution_count = (uint8_t)n;
	r->default_resolution_index = def;
	memcpy(r->resolutions, modes, n * sizeof(*modes));
	synthvid_edid_build(r->edid, "HyperVMonitor", modes[def % n].width, modes[def % n].height);
	sh_send(sh, &msg);
}

static void answer_default(struct sh *sh, const struct synthvid_msg *msg)
{
	struct synthvid_msg ack = { 0 };
	switch (msg->type) {
	case SYNTHVID_VERSION_REQUEST:
		answer_version(sh, msg->version_request.version);
		break;
	case SYNTHVID_RESOLUTION_REQUEST:
		answer_resolutions(sh);
		break;
	case SYNTHVID_VRAM_LOCATION:
		if (sh->cfg.vram_silent)
			break;
		if (msg->vram_location.is_vram_gpa_specified)
			sh->vram_gpa = msg->vram_location.vram_gpa;
		ack.type = SYNTHVID_VRAM_LOCATION_ACK;
		ack.vram_location_ack.user_ctx = msg->vram_location.user_ctx;
		sh_send(sh, &ack);
		break;
	case SYNTHVID_SITUATION_UPDATE:
		ack.type = SYNTHVID_SITUATION_UPDATE_ACK;
		ack.situation_update_ack.user_ctx = msg->situation_update.user_ctx;
		sh_send(sh, &ack);
		break;
	default:
		break;
	}
}

/* ---- receiving (host thread) ---- */

static void record(struct sh *sh, const uint8_t *bytes, size_t len)
{
	pthread_mutex_lock(&sh->lock);
	sh->received++;
	if (!sh->cfg.no_record) {
		struct sh_log *log = &sh->log;
		if (log->n % 64 == 0) {
			log->recs = realloc(log->recs, (log->n + 64) * sizeof(*log->recs));
			if (!log->recs)
				abort();
		}
		struct sh_record *r = &log->recs[log->n++];
		r->bytes = malloc(len);
		if (!r->bytes)
			abort();
		memcpy(r->bytes, bytes, len);
		r->len = len;
		synthvid_decode(r->bytes, len, SYNTHVID_FROM_GUEST, &r->msg, NULL);
	}
	pthread_mutex_unlock(&sh->lock);
}

static void handle(struct sh *sh, const struct vmb_ring_in *pkt)
{
	struct synthvid_msg msg;
	const char *why = NULL;
	if (synthvid_decode(pkt->payload, pkt->payload_len, SYNTHVID_FROM_GUEST, &msg, &why) < 0) {
		log_error("the guest sent a bad message: %s", why);
		return;
	}
	/* Record exactly 8 + pipe.size bytes, which the decoder just checked, not the padding. */
	const uint8_t *body;
	uint32_t body_len = 0;
	vmb_pipe_parse(pkt->payload, pkt->payload_len, &body, &body_len);
	record(sh, pkt->payload, VMB_PIPE_HEADER_SIZE + body_len);
	if (sh->cfg.hook && sh->cfg.hook(sh, &msg, sh->cfg.data))
		return;
	answer_default(sh, &msg);
}

static void drain(struct sh *sh)
{
	while (sh->ch && !sh->paused) {
		struct vmb_ring_in pkt;
		int ret = vmb_host_channel_recv(sh->ch, &pkt, sh->rx, sizeof(sh->rx));
		if (ret <= 0)
			break;
		handle(sh, &pkt);
	}
}

static void on_opened(void *data, int dev_id, struct vmb_host_channel *ch)
{
	struct sh *sh = data;
	sh->ch = ch;
	sh->paused = false;
	if (sh->cfg.on_open)
		sh->cfg.on_open(sh, sh->cfg.data);
}

static void on_closed(void *data, int dev_id, enum vmb_host_close_reason reason)
{
	struct sh *sh = data;
	sh->ch = NULL;
}

static void on_signalled(void *data, int dev_id, struct vmb_host_channel *ch)
{
	drain(data);
}

static void on_guest_connected(void *data, uint32_t version)
{
	struct sh *sh = data;
	uint64_t size;
	vmb_host_mmio(sh->host, &sh->vram_gpa, &size);
}

static const struct vmb_host_listener listener = {
	.guest_connected = on_guest_connected,
	.channel_opened = on_opened,
	.channel_closed = on_closed,
	.channel_signalled = on_signalled,
};

/* ---- the thread and calls into it ---- */

static void on_cmd(void *data, int fd, short revents)
{
	struct sh *sh = data;
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0)
		return;
	pthread_mutex_lock(&sh->lock);
	void (*fn)(struct sh *, void *) = sh->cmd_fn;
	void *arg = sh->cmd_data;
	sh->cmd_fn = NULL;
	pthread_mutex_unlock(&sh->lock);
	if (fn)
		fn(sh, arg);
	pthread_mutex_lock(&sh->lock);
	sh->cmd_done = true;
	pthread_cond_broadcast(&sh->cond);
	pthread_mutex_unlock(&sh->lock);
}

void sh_call(struct sh *sh, void (*fn)(struct sh *sh, void *data), void *data)
{
	pthread_mutex_lock(&sh->lock);
	sh->cmd_fn = fn;
	sh->cmd_data = data;
	sh->cmd_done = false;
	pthread_mutex_unlock(&sh->lock);
	uint64_t one = 1;
	if (write(sh->cmd_fd, &one, sizeof(one)) < 0)
		abort();
	pthread_mutex_lock(&sh->lock);
	while (!sh->cmd_done)
		pthread_cond_wait(&sh->cond, &sh->lock);
	pthread_mutex_unlock(&sh->lock);
}

static void *thread_main(void *data)
{
	struct sh *sh = data;
	loop_run(sh->loop);
	return NULL;
}

struct sh *sh_start(const struct sh_config *cfg)
{
	struct sh *sh = xcalloc(1, sizeof(*sh));
	sh->cfg = cfg ? *cfg : (struct sh_config){ 0 };
	snprintf(sh->dir, sizeof(sh->dir), "/tmp/hvd-sh-XXXXXX");
	if (!mkdtemp(sh->dir))
		abort();
	snprintf(sh->path, sizeof(sh->path), "%s/vmbus.sock", sh->dir);
	pthread_mutex_init(&sh->lock, NULL);
	pthread_cond_init(&sh->cond, NULL);
	sh->loop = loop_create();
	sh->cmd_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!sh->loop || sh->cmd_fd < 0)
		abort();
	sh->cmd_source = loop_add_fd(sh->loop, sh->cmd_fd, POLLIN, on_cmd, sh);
	struct vmb_host_config hc = {
		.socket_path = sh->path,
		.versions = sh->cfg.vmbus_versions,
		.n_versions = sh->cfg.n_vmbus_versions,
	};
	if (vmb_host_create(&sh->host, sh->loop, &hc, &listener, sh) < 0)
		abort();
	struct vmb_host_device dev = {
		.interface = vmb_guid_synthvid,
		.instance = vmb_guid_synthvid_instance,
		.mmio_megabytes = sh->cfg.mmio_megabytes ? sh->cfg.mmio_megabytes : 8,
		.pipe_mode = true,
	};
	sh->dev_id = vmb_host_add_device(sh->host, &dev);
	vmb_host_mmio(sh->host, &sh->vram_gpa, NULL);
	if (sh->dev_id < 0 || pthread_create(&sh->thread, NULL, thread_main, sh) != 0)
		abort();
	return sh;
}

static void quit(struct sh *sh, void *data)
{
	loop_quit(sh->loop);
}

void sh_stop(struct sh *sh)
{
	if (!sh)
		return;
	sh_call(sh, quit, NULL);
	pthread_join(sh->thread, NULL);
	vmb_host_destroy(sh->host);
	loop_remove(sh->cmd_source);
	loop_destroy(sh->loop);
	close(sh->cmd_fd);
	rmdir(sh->dir);
	struct sh_log log = sh->log;
	sh_log_free(&log);
	pthread_mutex_destroy(&sh->lock);
	pthread_cond_destroy(&sh->cond);
	free(sh);
}

int sh_connect(struct sh *sh, uint32_t max_version, struct vmb_bus **out)
{
	struct vmb_bus_options opts = { .socket_path = sh->path, .max_version = max_version };
	return vmb_bus_connect_emu(out, &opts);
}

static void call_drain(struct sh *sh, void *data)
{
	drain(sh);
}

void sh_take(struct sh *sh, struct sh_log *log)
{
	sh_call(sh, call_drain, NULL);
	pthread_mutex_lock(&sh->lock);
	*log = sh->log;
	sh->log = (struct sh_log){ 0 };
	pthread_mutex_unlock(&sh->lock);
}

void sh_log_free(struct sh_log *log)
{
	for (size_t i = 0; i < log->n; i++)
		free(log->recs[i].bytes);
	free(log->recs);
	*log = (struct sh_log){ 0 };
}

size_t sh_log_count(const struct sh_log *log, enum synthvid_msg_type type)
{
	size_t n = 0;
	for (size_t i = 0; i < log->n; i++)
		n += log->recs[i].msg.type == type;
	return n;
}

const struct sh_record *sh_log_find(
	const struct sh_log *log, enum synthvid_msg_type type, size_t nth)
{
	for (size_t i = 0; i < log->n; i++) {
		if (log->recs[i].msg.type == type && nth-- == 0)
			return &log->recs[i];
	}
	return NULL;
}

uint64_t sh_received(struct sh *sh)
{
	pthread_mutex_lock(&sh->lock);
	uint64_t n = sh->received;
	pthread_mutex_unlock(&sh->lock);
	return n;
}

struct feature_args {
	bool dirt, pos, shape, situ;
};

static void call_feature(struct sh *sh, void *data)
{
	struct feature_args *f = data;
	sh_send_feature(sh, f->dirt, f->pos, f->shape, f->situ);
}

void sh_feature(struct sh *sh, bool dirt, bool pos, bool shape, bool situ)
{
	struct feature_args f = { dirt, pos, shape, situ };
	sh_call(sh, call_feature, &f);
}

static void call_rescind(struct sh *sh, void *data)
{
	vmb_host_rescind(sh->host, sh->dev_id);
	vmb_host_reoffer(sh->host, sh->dev_id);
}

void sh_rescind_reoffer(struct sh *sh)
{
	sh_call(sh, call_rescind, NULL);
}

static void call_disconnect(struct sh *sh, void *data)
{
	vmb_host_disconnect(sh->host);
}

void sh_disconnect(struct sh *sh)
{
	sh_call(sh, call_disconnect, NULL);
}

static void call_pause(struct sh *sh, void *data)
{
	sh->paused = *(bool *)data;
	if (sh->ch)
		vmb_host_channel_set_paused(sh->ch, sh->paused);
	drain(sh);
}

void sh_set_paused(struct sh *sh, bool paused)
{
	sh_call(sh, call_pause, &paused);
}

const uint8_t *sh_vram(struct sh *sh, size_t *size)
{
	uint64_t base, window;
	uint8_t *mmio = vmb_host_mmio(sh->host, &base, &window);
	if (size)
		*size = (size_t)(sh->cfg.mmio_megabytes ? sh->cfg.mmio_megabytes : 8) << 20;
	return mmio + (sh->vram_gpa - base);
}

uint64_t sh_mmio_gpa(struct sh *sh)
{
	uint64_t base;
	vmb_host_mmio(sh->host, &base, NULL);
	return base;
}
