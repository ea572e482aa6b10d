/*
 * The device: lifecycle, the bus listener, the event fd, dispatch and reconnects.
 *
 * The fd handed to the caller is an epoll set holding the channel's fd (replaced on every
 * reopen) and an eventfd for deferred work, so it stays the same across reconnects. Bus events
 * arrive through the listener while the caller dispatches the bus: a rescind or a lost host closes
 * the channel at once (the bus may free it right after; a lost host's bus is left at once too), a
 * re-offer is only noted and brought up from svd_device_dispatch(), outside the bus's dispatch.
 */
#define LOG_MODULE "svd"
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "svd_internal.h"

void svd_device_kick(struct svd_device *dev)
{
	int ret = wakeset_kick(&dev->wake);
	if (ret < 0)
		log_error("cannot signal the device's own fd: %d", ret);
}

void svd_device_watch_channel(struct svd_device *dev)
{
	int ret = wakeset_watch(&dev->wake, vmb_channel_get_fd(dev->ch));
	if (ret < 0)
		log_error("cannot watch the video channel: %d", ret);
}

void svd_device_unwatch_channel(struct svd_device *dev)
{
	wakeset_watch(&dev->wake, -1);
}

void svd_device_close_channel(struct svd_device *dev)
{
	if (!dev->ch)
		return;
	svd_device_unwatch_channel(dev);
	vmb_channel_close(dev->ch);
	dev->ch = NULL;
	dev->ready = false;
	dev->version = 0;
	dev->vram = NULL;
	dev->wait.armed = false;
}

static void on_offer(void *data, const struct vmb_offer *offer)
{
	struct svd_device *dev = data;
	if (dev->ch || !vmb_guid_equal(&offer->interface, &vmb_guid_synthvid))
		return;
	dev->reopen_pending = true;
	svd_device_kick(dev);
}

static void on_rescind(void *data, uint32_t relid)
{
	struct svd_device *dev = data;
	if (!dev->ch || relid != dev->offer.relid)
		return;
	log_warn("the host rescinded the video channel; it is shown again when offered again");
	svd_device_close_channel(dev);
}

static const struct vmb_bus_listener bus_listener;

/* The bus is of no more use: leave it now, so the caller may destroy it before attaching. */
static void on_disconnected(void *data)
{
	struct svd_device *dev = data;
	log_warn("the host went away; the picture is shown again once a bus is attached");
	svd_device_close_channel(dev);
	vmb_bus_remove_listener(dev->bus, &bus_listener, dev);
	dev->bus = NULL;
	dev->host_lost = true;
	dev->reopen_pending = false;
	svd_device_kick(dev);
}

static const struct vmb_bus_listener bus_listener = {
	.offer = on_offer,
	.rescind = on_rescind,
	.disconnected = on_disconnected,
};

void svd_device_detach(struct svd_device *dev)
{
	if (!dev)
		return;
	dev->host_lost = false;
	dev->reopen_pending = false;
	if (!dev->bus)
		return;
	svd_device_close_channel(dev);
	vmb_bus_remove_listener(dev->bus, &bus_listener, dev);
	dev->bus = NULL;
}

int svd_device_attach(struct svd_device *dev, struct vmb_bus *bus)
{
	if (!dev || !bus)
		return -EINVAL;
	svd_device_detach(dev);
	int ret = vmb_bus_add_listener(bus, &bus_listener, dev);
	if (ret < 0)
		return ret;
	dev->bus = bus;
	ret = svd_bringup(dev);
	if (ret < 0)
		svd_device_detach(dev);
	return ret;
}

static int resolve_options(struct svd_device *dev, const struct svd_device_options *opts)
{
	if (opts)
		dev->opts = *opts;
	if (dev->opts.timeout_ms < 0) {
		log_error("timeout_ms %d is negative", dev->opts.timeout_ms);
		return -EINVAL;
	}
	if (dev->opts.timeout_ms == 0)
		dev->opts.timeout_ms = SVD_DEFAULT_TIMEOUT_MS;
	if (dev->opts.max_cursor_bytes == 0)
		dev->opts.max_cursor_bytes = SVD_DEFAULT_MAX_CURSOR_BYTES;
	return 0;
}

/* Damage lists keep room for one rect from the start, so falling back to "everything" on
 * out-of-memory never needs memory. */
static int reserve_damage(struct svd_device *dev)
{
	struct rect one = { 0, 0, 1, 1 };
	if (svd_damage_add(&dev->pending, &one) < 0 || svd_damage_add(&dev->scratch, &one) < 0)
		return -ENOMEM;
	svd_damage_clear(&dev->pending);
	svd_damage_clear(&dev->scratch);
	return 0;
}

int svd_device_create(
	struct svd_device **out, struct vmb_bus *bus, const struct svd_device_options *opts)
{
	if (!out || !bus)
		return -EINVAL;
	struct svd_device *dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->wake = (struct wakeset)WAKESET_EMPTY;
	int ret = resolve_options(dev, opts);
	if (ret == 0)
		ret = reserve_damage(dev);
	if (ret == 0)
		ret = wakeset_init(&dev->wake);
	if (ret == 0)
		ret = svd_device_attach(dev, bus);
	if (ret < 0) {
		svd_device_destroy(dev);
		return ret;
	}
	*out = dev;
	return 0;
}

void svd_device_destroy(struct svd_device *dev)
{
	if (!dev)
		return;
	svd_device_detach(dev);
	svd_state_release(&dev->cur);
	svd_damage_finish(&dev->pending);
	svd_damage_finish(&dev->scratch);
	wakeset_finish(&dev->wake);
	free(dev);
}

int svd_device_get_fd(const struct svd_device *dev)
{
	return dev->wake.epoll_fd;
}

static int reopen(struct svd_device *dev)
{
	dev->reopen_pending = false;
	int ret = svd_bringup(dev);
	if (ret < 0)
		log_error("the video channel did not come back up (%d); waiting for the next offer",
			ret);
	return ret;
}

static int receive(struct svd_device *dev)
{
	vmb_channel_handle_event(dev->ch);
	int ret = svd_receive(dev);
	if (ret == 1) {
		svd_device_kick(dev); /* budget spent: come back for the rest */
		return 0;
	}
	if (ret == -EBADMSG) {
		/* The host's ring cannot be trusted again. After CLOSECHANNEL the offer stays
		 * valid (vmbus-emu.md §3.6), so open it afresh from the next dispatch. */
		log_bug_host("the host corrupted the video channel's ring: reopening it");
		svd_device_close_channel(dev);
		dev->reopen_pending = true;
		svd_device_kick(dev);
		return 0;
	}
	if (ret == -ENODEV)
		return 0; /* rescinded: the bus tells the listener */
	return ret;
}

int svd_device_dispatch(struct svd_device *dev)
{
	wakeset_consume(&dev->wake);
	if (dev->host_lost)
		return -ENOTCONN;
	if (!dev->ch && dev->reopen_pending && dev->bus) {
		int ret = reopen(dev);
		if (ret < 0)
			return ret;
	}
	if (!dev->ch)
		return 0;
	int ret = receive(dev);
	if (ret < 0)
		return ret;
	svd_flush(dev);
	return 0;
}

bool svd_device_is_connected(const struct svd_device *dev)
{
	return dev->ready;
}

uint32_t svd_device_version(const struct svd_device *dev)
{
	return dev->version;
}

size_t svd_device_vram_size(const struct svd_device *dev)
{
	return dev->vram_size;
}

void svd_device_get_stats(const struct svd_device *dev, struct svd_stats *out)
{
	*out = dev->stats;
}
