/*
 * The device frame shared by the keyboard and the mouse: lifecycle, the bus listener, the fd,
 * dispatch, the event queue and reopening after a rescind.
 *
 * The fd handed to the caller is an epoll set of the channel's fd (replaced on every reopen)
 * and an eventfd for work the channel fd does not show (a re-offer, events queued from the bus
 * listener, a ring left unread because the queue was full), so it stays the same across
 * reopens. A rescind or a lost host closes the channel from the listener at once, releasing
 * held keys with events first; a re-offer is only noted there and brought up from dispatch,
 * outside the bus's own dispatch.
 */
#define LOG_MODULE "hvi"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvi_internal.h"
#include "log.h"
#include "loop.h"
#include "vmb_wait.h"

void hvi_device_kick(struct hvi_device *dev)
{
	int ret = wakeset_kick(&dev->wake);
	if (ret < 0)
		log_error("%s: cannot signal the device fd: %d", dev->ops->log_name, ret);
}

/* ---- the event queue ---- */

static int queue_grow(struct hvi_device *dev)
{
	size_t cap = dev->q_cap ? dev->q_cap * 2 : 256;
	struct hvi_event *q = malloc(cap * sizeof(*q));
	if (!q)
		return -ENOMEM;
	for (size_t i = 0; i < dev->q_len; i++)
		q[i] = dev->queue[(dev->q_head + i) % dev->q_cap];
	free(dev->queue);
	dev->queue = q;
	dev->q_cap = cap;
	dev->q_head = 0;
	return 0;
}

void hvi_device_push(
	struct hvi_device *dev, uint64_t time_ns, uint16_t type, uint16_t code, int32_t value)
{
	if (dev->q_len == dev->q_cap && queue_grow(dev) < 0) {
		log_error("%s: out of memory: event %u/%u lost", dev->ops->log_name, type, code);
		return;
	}
	dev->queue[(dev->q_head + dev->q_len) % dev->q_cap] = (struct hvi_event){
		.time_ns = time_ns,
		.type = type,
		.code = code,
		.value = value,
	};
	dev->q_len++;
	dev->stats.events++;
}

void hvi_device_sync(struct hvi_device *dev, uint64_t time_ns)
{
	hvi_device_push(dev, time_ns, HVI_EV_SYN, HVI_SYN_REPORT, 0);
	dev->stats.frames++;
}

int hvi_device_next_event(struct hvi_device *dev, struct hvi_event *out)
{
	if (dev->q_len == 0)
		return 0;
	*out = dev->queue[dev->q_head];
	dev->q_head = (dev->q_head + 1) % dev->q_cap;
	dev->q_len--;
	return 1;
}

/* ---- the channel ---- */

static void watch_channel(struct hvi_device *dev)
{
	int ret = wakeset_watch(&dev->wake, vmb_channel_get_fd(dev->ch));
	if (ret < 0)
		log_error("%s: cannot watch the channel: %d", dev->ops->log_name, ret);
}

/* Releases what the driver holds (with events), then closes the channel. */
static void close_channel(struct hvi_device *dev)
{
	if (!dev->ch)
		return;
	dev->ops->lost(dev, (uint64_t)loop_now_ns());
	wakeset_watch(&dev->wake, -1);
	vmb_channel_close(dev->ch);
	dev->ch = NULL;
	dev->ready = false;
	dev->backlog = false;
	/* The caller learns of the release events through its poll. */
	if (dev->q_len)
		hvi_device_kick(dev);
}

int hvi_device_bring_up(struct hvi_device *dev)
{
	struct vmb_offer offer;
	if (dev->disconnected)
		return -ENOTCONN;
	int ret = vmb_bus_find_offer(dev->bus, dev->ops->interface, &offer);
	if (ret < 0)
		return -ENODEV;
	ret = vmb_channel_open(&dev->ch, dev->bus, &offer, HVI_RING_BYTES, HVI_RING_BYTES);
	if (ret < 0) {
		log_error("%s: cannot open the channel (relid %u): %d", dev->ops->log_name,
			offer.relid, ret);
		dev->ch = NULL;
		return ret;
	}
	watch_channel(dev);
	ret = dev->ops->negotiate(dev);
	if (ret < 0) {
		close_channel(dev);
		return ret;
	}
	dev->ready = true;
	log_info("%s: ready (relid %u)", dev->ops->log_name, offer.relid);
	return 0;
}

int hvi_device_send(struct hvi_device *dev, const void *payload, size_t len)
{
	if (!dev->ch)
		return -ENOTCONN;
	uint64_t id = ++dev->next_trans_id;
	if (id == 0)
		id = ++dev->next_trans_id;
	return vmb_channel_send(dev->ch, payload, len, id, VMB_PKT_FLAG_COMPLETION_REQUESTED);
}

int hvi_device_wait_packet(struct hvi_device *dev, int64_t deadline_ms, struct vmb_ring_in *pkt)
{
	for (;;) {
		int ret = vmb_channel_recv(dev->ch, pkt, dev->rx, HVI_RX_MAX);
		if (ret == 1 && pkt->type == VMB_PKT_COMP) {
			dev->stats.rx_completions++;
			continue;
		}
		if (ret == 1 && pkt->type != VMB_PKT_DATA_INBAND) {
			log_bug_host("%s: packet type %u during bring-up; ignored",
				dev->ops->log_name, pkt->type);
			dev->stats.rx_rejected++;
			continue;
		}
		if (ret == -EMSGSIZE) {
			log_bug_host("%s: a %u-byte packet during bring-up; skipped",
				dev->ops->log_name, pkt->raw_len);
			dev->stats.rx_rejected++;
			continue;
		}
		if (ret != 0)
			return ret;
		int64_t left = deadline_ms - loop_now_ms();
		ret = vmb_channel_wait_readable(dev->ch, left > 0 ? (int)left : 0);
		if (ret < 0)
			return ret;
	}
}

/* ---- the bus listener ---- */

static void on_offer(void *data, const struct vmb_offer *offer)
{
	struct hvi_device *dev = data;
	if (dev->ch || !vmb_guid_equal(&offer->interface, dev->ops->interface))
		return;
	dev->reopen_pending = true;
	hvi_device_kick(dev);
}

static void on_rescind(void *data, uint32_t relid)
{
	struct hvi_device *dev = data;
	if (!dev->ch || vmb_channel_offer(dev->ch)->relid != relid)
		return;
	log_info("%s: channel rescinded", dev->ops->log_name);
	close_channel(dev);
}

static void on_disconnected(void *data)
{
	struct hvi_device *dev = data;
	dev->disconnected = true;
	dev->reopen_pending = false;
	close_channel(dev);
	hvi_device_kick(dev);
}

static const struct vmb_bus_listener bus_listener = {
	.offer = on_offer,
	.rescind = on_rescind,
	.disconnected = on_disconnected,
};

/* ---- dispatch ---- */

static void read_packets(struct hvi_device *dev)
{
	struct vmb_ring_in pkt;
	dev->backlog = false;
	while (dev->ch) {
		if (dev->q_len >= HVI_QUEUE_SOFT_MAX) {
			dev->backlog = true;
			hvi_device_kick(dev);
			return;
		}
		int ret = vmb_channel_recv(dev->ch, &pkt, dev->rx, HVI_RX_MAX);
		if (ret == 0)
			return;
		if (ret == -EMSGSIZE) {
			log_bug_host("%s: a %u-byte packet is larger than any message; skipped",
				dev->ops->log_name, pkt.raw_len);
			dev->stats.rx_rejected++;
			continue;
		}
		if (ret < 0) {
			/* -ENODEV: rescinded, the listener follows; -EBADMSG: the host corrupted
			 * the ring (logged by vmb). Either way the channel is done: closing it
			 * asks the host to offer it again. */
			close_channel(dev);
			return;
		}
		if (pkt.type == VMB_PKT_COMP) {
			dev->stats.rx_completions++;
			continue;
		}
		dev->stats.rx_messages++;
		if (pkt.type != VMB_PKT_DATA_INBAND) {
			log_bug_host("%s: packet type %u is not in-band; dropped",
				dev->ops->log_name, pkt.type);
			dev->stats.rx_rejected++;
			continue;
		}
		dev->ops->packet(dev, &pkt, (uint64_t)loop_now_ns());
	}
}

int hvi_device_dispatch(struct hvi_device *dev)
{
	wakeset_consume(&dev->wake);
	if (dev->ch)
		vmb_channel_handle_event(dev->ch);
	if (dev->ch && vmb_channel_is_rescinded(dev->ch))
		close_channel(dev);
	if (dev->disconnected)
		return -ENOTCONN;
	if (!dev->ch && dev->reopen_pending) {
		dev->reopen_pending = false;
		dev->stats.reopens++;
		int ret = hvi_device_bring_up(dev);
		if (ret < 0)
			return ret;
	}
	if (dev->ch && dev->ready) {
		read_packets(dev);
		if (dev->ch)
			dev->ops->flush(dev);
	}
	return 0;
}

/* ---- lifecycle ---- */

int hvi_device_init(struct hvi_device *dev, const struct hvi_device_ops *ops, struct vmb_bus *bus,
	const struct hvi_options *opts)
{
	dev->ops = ops;
	dev->bus = bus;
	dev->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : HVI_DEFAULT_TIMEOUT_MS;
	dev->wake = (struct wakeset)WAKESET_EMPTY;
	dev->rx = malloc(HVI_RX_MAX);
	if (!dev->rx)
		return -ENOMEM;
	int ret = wakeset_init(&dev->wake);
	if (ret < 0)
		return ret;
	return vmb_bus_add_listener(bus, &bus_listener, dev);
}

void hvi_device_finish(struct hvi_device *dev)
{
	if (dev->ch) {
		wakeset_watch(&dev->wake, -1);
		vmb_channel_close(dev->ch);
		dev->ch = NULL;
	}
	if (dev->bus)
		vmb_bus_remove_listener(dev->bus, &bus_listener, dev);
	wakeset_finish(&dev->wake);
	free(dev->queue);
	free(dev->rx);
}

void hvi_device_destroy(struct hvi_device *dev)
{
	if (!dev)
		return;
	dev->ops->destroy(dev);
}

/* ---- accessors ---- */

enum hvi_device_kind hvi_device_get_kind(const struct hvi_device *dev)
{
	return dev->ops->kind;
}

const char *hvi_device_get_name(const struct hvi_device *dev)
{
	return dev->ops->name;
}

void hvi_device_get_ids(
	const struct hvi_device *dev, uint16_t *vendor, uint16_t *product, uint16_t *version)
{
	if (vendor)
		*vendor = dev->vendor;
	if (product)
		*product = dev->product;
	if (version)
		*version = dev->version;
}

bool hvi_device_is_ready(const struct hvi_device *dev)
{
	return dev->ch && dev->ready;
}

int hvi_device_get_fd(const struct hvi_device *dev)
{
	return dev->wake.epoll_fd;
}

bool hvi_device_has_event(const struct hvi_device *dev, uint16_t type, uint16_t code)
{
	if (type == HVI_EV_SYN)
		return code == HVI_SYN_REPORT;
	return dev->ops->has_event(dev, type, code);
}

void hvi_device_get_stats(const struct hvi_device *dev, struct hvi_stats *out)
{
	*out = dev->stats;
}
