/*
 * The device registry: vmb_host's listener, turned into calls of the right device model, plus
 * the per-device state the monitor shows (open, negotiated, counters) and the capture tap.
 */
#define LOG_MODULE "bus"
#include "hvh_bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct hvh_device {
	struct hvh_bus *bus;
	const struct hvh_device_impl *impl;
	void *model;
	int dev_id;
	struct vmb_host_channel *channel; // NULL when closed
	bool negotiated;
	struct counter_set *rx, *tx, *rejects;
	struct loop_source *pause_timer; // created at the first pause
};

struct absent {
	char *name;
	char *reason;
};

struct hvh_bus {
	struct loop *loop;
	struct vmb_host *host;
	struct hvh_device **devices;
	size_t n_devices;
	struct absent *absent;
	size_t n_absent;
	bool guest_connected;
	uint32_t vmbus_version;
	void (*notify)(void *data);
	void *notify_data;
	struct hvh_trace *trace;
	hvh_mode_fn mode_fn; // the video model's, or NULL
	void *mode_data;
};

static void notify(struct hvh_bus *bus)
{
	if (bus->notify)
		bus->notify(bus->notify_data);
}

/* The device behind a dev_id vmb_host reports, or NULL (logged: vmb_host and we disagree). */
static struct hvh_device *device_by_id(struct hvh_bus *bus, int dev_id)
{
	for (size_t i = 0; i < bus->n_devices; i++) {
		if (bus->devices[i]->dev_id == dev_id)
			return bus->devices[i];
	}
	if (bus->n_devices)
		log_bug_self("vmb_host reported unknown dev_id %d", dev_id);
	return NULL;
}

/* ---- vmb_host's listener ---- */

static void on_guest_connected(void *data, uint32_t vmbus_version)
{
	struct hvh_bus *bus = data;
	bus->guest_connected = true;
	bus->vmbus_version = vmbus_version;
	log_info("guest connected: VMBus %u.%u", vmbus_version >> 16, vmbus_version & 0xffff);
	for (size_t i = 0; i < bus->n_devices; i++) {
		struct hvh_device *dev = bus->devices[i];
		if (dev->impl->guest_connected)
			dev->impl->guest_connected(dev->model, vmbus_version);
	}
	notify(bus);
}

static void on_guest_disconnected(void *data)
{
	struct hvh_bus *bus = data;
	bus->guest_connected = false;
	bus->vmbus_version = 0;
	log_info("guest disconnected");
	for (size_t i = 0; i < bus->n_devices; i++) {
		struct hvh_device *dev = bus->devices[i];
		if (dev->impl->guest_disconnected)
			dev->impl->guest_disconnected(dev->model);
	}
	notify(bus);
}

static void on_channel_opened(void *data, int dev_id, struct vmb_host_channel *ch)
{
	struct hvh_device *dev = device_by_id(data, dev_id);
	if (!dev)
		return;
	dev->channel = ch;
	dev->negotiated = false;
	log_info("%s channel open (relid %u)", dev->impl->name, vmb_host_channel_relid(ch));
	if (dev->impl->channel_opened)
		dev->impl->channel_opened(dev->model, ch);
	notify(dev->bus);
}

static const char *close_reason_to_str(enum vmb_host_close_reason reason)
{
	switch (reason) {
	case VMB_HOST_CLOSE_GUEST:
		return "closed by the guest";
	case VMB_HOST_CLOSE_RESCINDED:
		return "rescinded";
	case VMB_HOST_CLOSE_DISCONNECTED:
		return "guest disconnected";
	}
	return "?";
}

static void on_channel_closed(void *data, int dev_id, enum vmb_host_close_reason reason)
{
	struct hvh_device *dev = device_by_id(data, dev_id);
	if (!dev)
		return;
	dev->channel = NULL;
	dev->negotiated = false;
	if (dev->pause_timer)
		loop_timer_arm(dev->pause_timer, -1);
	log_info("%s channel closed: %s", dev->impl->name, close_reason_to_str(reason));
	if (dev->impl->channel_closed)
		dev->impl->channel_closed(dev->model, reason);
	notify(dev->bus);
}

static void on_channel_signalled(void *data, int dev_id, struct vmb_host_channel *ch)
{
	struct hvh_device *dev = device_by_id(data, dev_id);
	if (dev && dev->impl->channel_signalled)
		dev->impl->channel_signalled(dev->model, ch);
}

static void trace_failed(struct hvh_bus *bus, int err)
{
	log_error("packet capture failed (%s); capture stopped", strerror(-err));
	bus->trace = NULL;
}

static void on_packet_traced(
	void *data, uint32_t relid, enum vmb_host_dir dir, const uint8_t *raw, size_t len)
{
	struct hvh_bus *bus = data;
	if (!bus->trace)
		return;
	enum hvh_trace_kind kind = dir == VMB_HOST_DIR_GUEST_TO_HOST ? HVH_TRACE_GUEST_TO_HOST
								     : HVH_TRACE_HOST_TO_GUEST;
	int ret = hvh_trace_packet(bus->trace, relid, kind, raw, len);
	if (ret < 0)
		trace_failed(bus, ret);
}

static void on_channel_traced(void *data, uint32_t relid, const struct vmb_guid *interface,
	const struct vmb_guid *instance)
{
	struct hvh_bus *bus = data;
	if (!bus->trace)
		return;
	int ret = hvh_trace_channel(bus->trace, relid, interface, instance);
	if (ret < 0)
		trace_failed(bus, ret);
}

static const struct vmb_host_listener bus_listener = {
	.guest_connected = on_guest_connected,
	.guest_disconnected = on_guest_disconnected,
	.channel_opened = on_channel_opened,
	.channel_closed = on_channel_closed,
	.channel_signalled = on_channel_signalled,
	.packet_traced = on_packet_traced,
	.channel_traced = on_channel_traced,
};

/* ---- the bus ---- */

int hvh_bus_create(struct hvh_bus **out, struct loop *loop, const struct vmb_host_config *cfg)
{
	struct hvh_bus *bus = calloc(1, sizeof(*bus));
	if (!bus)
		return -ENOMEM;
	bus->loop = loop;
	int ret = vmb_host_create(&bus->host, loop, cfg, &bus_listener, bus);
	if (ret < 0) {
		free(bus);
		return ret;
	}
	*out = bus;
	return 0;
}

static void device_free(struct hvh_device *dev)
{
	loop_remove(dev->pause_timer);
	counter_set_destroy(dev->rx);
	counter_set_destroy(dev->tx);
	counter_set_destroy(dev->rejects);
	free(dev);
}

void hvh_bus_destroy(struct hvh_bus *bus)
{
	if (!bus)
		return;
	/* Models hear their channels close while they still exist; after that the host may
	 * only report to a registry with no devices. */
	vmb_host_disconnect(bus->host);
	size_t n = bus->n_devices;
	bus->n_devices = 0;
	while (n--) {
		struct hvh_device *dev = bus->devices[n];
		if (dev->impl->destroy)
			dev->impl->destroy(dev->model);
		device_free(dev);
	}
	vmb_host_destroy(bus->host);
	for (size_t i = 0; i < bus->n_absent; i++) {
		free(bus->absent[i].name);
		free(bus->absent[i].reason);
	}
	free(bus->absent);
	free(bus->devices);
	free(bus);
}

void hvh_bus_set_notify(struct hvh_bus *bus, void (*fn)(void *data), void *data)
{
	bus->notify = fn;
	bus->notify_data = data;
}

void hvh_bus_set_trace(struct hvh_bus *bus, struct hvh_trace *trace)
{
	bus->trace = trace;
}

struct vmb_host *hvh_bus_host(const struct hvh_bus *bus)
{
	return bus->host;
}

bool hvh_bus_guest_connected(const struct hvh_bus *bus)
{
	return bus->guest_connected;
}

uint32_t hvh_bus_vmbus_version(const struct hvh_bus *bus)
{
	return bus->vmbus_version;
}

void hvh_bus_set_mode_provider(struct hvh_bus *bus, hvh_mode_fn fn, void *data)
{
	bus->mode_fn = fn;
	bus->mode_data = data;
}

bool hvh_bus_get_mode(const struct hvh_bus *bus, uint32_t *width, uint32_t *height)
{
	if (!bus->mode_fn)
		return false;
	bus->mode_fn(bus->mode_data, width, height);
	return true;
}

int hvh_bus_add_device(struct hvh_bus *bus, const struct hvh_device_impl *impl, void *model,
	struct hvh_device **out)
{
	if (!impl->name || !impl->name[0])
		return -EINVAL;
	if (hvh_bus_find_device(bus, impl->name))
		return -EEXIST;
	struct hvh_device **devices =
		realloc(bus->devices, (bus->n_devices + 1) * sizeof(*devices));
	if (!devices)
		return -ENOMEM;
	bus->devices = devices;
	struct hvh_device *dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	*dev = (struct hvh_device){ .bus = bus, .impl = impl, .model = model, .dev_id = -1 };
	dev->rx = counter_set_create();
	dev->tx = counter_set_create();
	dev->rejects = counter_set_create();
	if (!dev->rx || !dev->tx || !dev->rejects) {
		device_free(dev);
		return -ENOMEM;
	}
	int ret = vmb_host_add_device(bus->host, &impl->desc);
	if (ret < 0) {
		device_free(dev);
		return ret;
	}
	dev->dev_id = ret;
	bus->devices[bus->n_devices++] = dev;
	if (out)
		*out = dev;
	return 0;
}

size_t hvh_bus_device_count(const struct hvh_bus *bus)
{
	return bus->n_devices;
}

struct hvh_device *hvh_bus_device_at(const struct hvh_bus *bus, size_t index)
{
	return index < bus->n_devices ? bus->devices[index] : NULL;
}

struct hvh_device *hvh_bus_find_device(const struct hvh_bus *bus, const char *name)
{
	for (size_t i = 0; name && i < bus->n_devices; i++) {
		if (strcmp(bus->devices[i]->impl->name, name) == 0)
			return bus->devices[i];
	}
	return NULL;
}

int hvh_bus_note_absent(struct hvh_bus *bus, const char *name, const char *reason)
{
	struct absent *absent = realloc(bus->absent, (bus->n_absent + 1) * sizeof(*absent));
	if (!absent)
		return -ENOMEM;
	bus->absent = absent;
	struct absent a = { .name = strdup(name), .reason = strdup(reason) };
	if (!a.name || !a.reason) {
		free(a.name);
		free(a.reason);
		return -ENOMEM;
	}
	bus->absent[bus->n_absent++] = a;
	return 0;
}

const char *hvh_bus_absent_reason(const struct hvh_bus *bus, const char *name)
{
	for (size_t i = 0; name && i < bus->n_absent; i++) {
		if (strcmp(bus->absent[i].name, name) == 0)
			return bus->absent[i].reason;
	}
	return NULL;
}

/* ---- one device ---- */

const struct hvh_device_impl *hvh_device_impl(const struct hvh_device *dev)
{
	return dev->impl;
}

void *hvh_device_model(const struct hvh_device *dev)
{
	return dev->model;
}

const char *hvh_device_name(const struct hvh_device *dev)
{
	return dev->impl->name;
}

struct hvh_bus *hvh_device_bus(const struct hvh_device *dev)
{
	return dev->bus;
}

struct vmb_host_channel *hvh_device_channel(const struct hvh_device *dev)
{
	return dev->channel;
}

bool hvh_device_is_open(const struct hvh_device *dev)
{
	return dev->channel != NULL;
}

void hvh_device_set_negotiated(struct hvh_device *dev, bool negotiated)
{
	if (negotiated && !dev->channel) {
		log_bug_self("%s: negotiated without an open channel", dev->impl->name);
		return;
	}
	if (dev->negotiated == negotiated)
		return;
	dev->negotiated = negotiated;
	log_info("%s %s", dev->impl->name, negotiated ? "negotiated" : "no longer negotiated");
	notify(dev->bus);
}

bool hvh_device_is_negotiated(const struct hvh_device *dev)
{
	return dev->negotiated;
}

bool hvh_device_is_ready(const struct hvh_device *dev)
{
	return dev->channel && (dev->negotiated || dev->impl->ready_when_open);
}

struct counter_set *hvh_device_rx(const struct hvh_device *dev)
{
	return dev->rx;
}

struct counter_set *hvh_device_tx(const struct hvh_device *dev)
{
	return dev->tx;
}

struct counter_set *hvh_device_rejects(const struct hvh_device *dev)
{
	return dev->rejects;
}

void hvh_device_reject(struct hvh_device *dev, const char *reason)
{
	if (counter_inc(dev->rejects, reason) < 0)
		log_bug_self("%s: reject reason '%s' not counted", dev->impl->name, reason);
}

void hvh_device_poke(struct hvh_device *dev)
{
	notify(dev->bus);
}

int hvh_device_rescind(struct hvh_device *dev)
{
	return vmb_host_rescind(dev->bus->host, dev->dev_id);
}

int hvh_device_reoffer(struct hvh_device *dev)
{
	return vmb_host_reoffer(dev->bus->host, dev->dev_id);
}

static void on_pause_end(void *data)
{
	struct hvh_device *dev = data;
	if (!dev->channel)
		return;
	vmb_host_channel_set_paused(dev->channel, false);
	log_info("%s: reading the ring again", dev->impl->name);
	/* Whatever the guest sent meanwhile raised no callback: drain it now. */
	if (dev->impl->channel_signalled)
		dev->impl->channel_signalled(dev->model, dev->channel);
}

int hvh_device_pause(struct hvh_device *dev, int64_t ms)
{
	if (!dev->channel)
		return -ENOTCONN;
	if (!dev->pause_timer) {
		dev->pause_timer = loop_add_timer(dev->bus->loop, on_pause_end, dev);
		if (!dev->pause_timer)
			return -ENOMEM;
	}
	vmb_host_channel_set_paused(dev->channel, true);
	loop_timer_arm(dev->pause_timer, ms);
	log_info("%s: not reading the ring for %lld ms", dev->impl->name, (long long)ms);
	return 0;
}
