/*
 * The guest's bus (vmb.h): the offer list, the listener, the open channels, over any transport
 * (vmb_transport.h).
 *
 * A transport reports offers, rescinds and the host leaving whenever it reads control messages,
 * which includes the waits inside vmb_channel_open() and the channel waits. Their effect on
 * channels is immediate (a rescinded channel fails at once); the offer list and the listener
 * follow at the next vmb_bus_dispatch(), from a queue. So a listener never runs in the middle
 * of a wait, and offer indexes stay valid between dispatches as vmb.h promises. The bus fd is
 * a wake set watching the transport's control fd, kicked while the queue holds something the
 * socket no longer shows.
 */
#define LOG_MODULE "vmb-bus"
#include "vmb_bus_internal.h"

#include <errno.h>
#include <stdlib.h>

#include "log.h"

/* ---- growing arrays ---- */

static int grow(void **array, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	void *n = realloc(*array, ncap * elem);
	if (!n)
		return -ENOMEM;
	*array = n;
	*cap = ncap;
	return 0;
}

/* ---- events from the transport ---- */

static void queue_event(struct vmb_bus *bus, const struct vmb_bus_event *ev)
{
	/* Reclaim the flushed head before growing. */
	if (bus->events_head == bus->n_events)
		bus->events_head = bus->n_events = 0;
	if (grow((void **)&bus->events, &bus->cap_events, bus->n_events + 1, sizeof(*ev)) < 0) {
		log_bug_self("out of memory: a bus event (kind %d) is lost", (int)ev->kind);
		return;
	}
	bus->events[bus->n_events++] = *ev;
	(void)wakeset_kick(&bus->wake); /* fails only on a closed eventfd */
}

static void on_offer(void *data, const struct vmb_offer *offer)
{
	struct vmb_bus *bus = data;
	queue_event(bus, &(struct vmb_bus_event){ .kind = VMB_BUS_EVENT_OFFER, .offer = *offer });
}

static void on_rescind(void *data, uint32_t relid)
{
	struct vmb_bus *bus = data;
	struct vmb_channel *ch = vmb_bus_channel_by_relid(bus, relid);
	if (ch)
		ch->rescinded = true;
	queue_event(bus, &(struct vmb_bus_event){ .kind = VMB_BUS_EVENT_RESCIND, .relid = relid });
}

static void on_disconnected(void *data)
{
	struct vmb_bus *bus = data;
	if (bus->disconnected)
		return;
	bus->disconnected = true;
	/* A closed socket stays readable; keep it out of the user's poll set from now on. */
	wakeset_watch(&bus->wake, -1);
	queue_event(bus, &(struct vmb_bus_event){ .kind = VMB_BUS_EVENT_DISCONNECTED });
}

static const struct vmb_transport_events bus_events = {
	.offer = on_offer,
	.rescind = on_rescind,
	.disconnected = on_disconnected,
};

/* ---- applying queued events ---- */

static void remove_offer(struct vmb_bus *bus, uint32_t relid)
{
	for (size_t i = 0; i < bus->n_offers; i++) {
		if (bus->offers[i].relid == relid) {
			bus->offers[i] = bus->offers[--bus->n_offers];
			return;
		}
	}
}

/* Tells every listener; one added meanwhile hears from the next event on. */
static void notify(struct vmb_bus *bus, const struct vmb_bus_event *ev)
{
	size_t n = bus->n_listeners;
	for (size_t i = 0; i < n; i++) {
		struct vmb_bus_listener_entry e = bus->listeners[i];
		if (e.removed)
			continue;
		const struct vmb_bus_listener *l = e.listener;
		if (ev->kind == VMB_BUS_EVENT_OFFER && l->offer)
			l->offer(e.data, &ev->offer);
		else if (ev->kind == VMB_BUS_EVENT_RESCIND && l->rescind)
			l->rescind(e.data, ev->relid);
		else if (ev->kind == VMB_BUS_EVENT_DISCONNECTED && l->disconnected)
			l->disconnected(e.data);
	}
}

static void apply_event(struct vmb_bus *bus, const struct vmb_bus_event *ev)
{
	switch (ev->kind) {
	case VMB_BUS_EVENT_OFFER:
		if (grow((void **)&bus->offers, &bus->cap_offers, bus->n_offers + 1,
			    sizeof(*bus->offers)) < 0) {
			log_bug_self("out of memory: offer of relid %u dropped", ev->offer.relid);
			return;
		}
		bus->offers[bus->n_offers++] = ev->offer;
		break;
	case VMB_BUS_EVENT_RESCIND:
		remove_offer(bus, ev->relid);
		break;
	case VMB_BUS_EVENT_DISCONNECTED:
		bus->n_offers = 0;
		break;
	}
}

static void sweep_listeners(struct vmb_bus *bus)
{
	size_t j = 0;
	for (size_t i = 0; i < bus->n_listeners; i++) {
		if (!bus->listeners[i].removed)
			bus->listeners[j++] = bus->listeners[i];
	}
	bus->n_listeners = j;
}

/* Listener callbacks may open channels, whose waits queue more events: index, never cache. */
static void flush_events(struct vmb_bus *bus, bool tell)
{
	if (bus->flushing)
		return; /* a listener dispatching again: the outer loop reaches the new events */
	bus->flushing = true;
	while (bus->events_head < bus->n_events) {
		struct vmb_bus_event ev = bus->events[bus->events_head++];
		apply_event(bus, &ev);
		if (tell)
			notify(bus, &ev);
	}
	bus->events_head = bus->n_events = 0;
	wakeset_consume(&bus->wake);
	bus->flushing = false;
	sweep_listeners(bus);
}

/* ---- construction ---- */

static int watch_control(struct vmb_bus *bus)
{
	int fd = bus->transport->ops->control_fd(bus->transport);
	if (fd < 0 || bus->disconnected)
		return 0;
	return wakeset_watch(&bus->wake, fd);
}

static void bus_free(struct vmb_bus *bus)
{
	wakeset_finish(&bus->wake);
	free(bus->offers);
	free(bus->channels);
	free(bus->events);
	free(bus->listeners);
	free(bus);
}

int vmb_bus_create_with(struct vmb_bus **out, vmb_transport_create_fn create, const void *args)
{
	struct vmb_bus *bus = calloc(1, sizeof(*bus));
	if (!bus)
		return -ENOMEM;
	int ret = wakeset_init(&bus->wake);
	if (ret < 0)
		goto err_bus;
	ret = create(&bus->transport, args, &bus_events, bus);
	if (ret < 0)
		goto err_bus;
	ret = watch_control(bus);
	if (ret < 0)
		goto err_transport;
	/* Offers learnt while connecting: the list has them, nobody listens yet. */
	flush_events(bus, false);
	*out = bus;
	return 0;

err_transport:
	bus->transport->ops->destroy(bus->transport);
err_bus:
	bus_free(bus);
	return ret;
}

void vmb_bus_destroy(struct vmb_bus *bus)
{
	if (!bus)
		return;
	while (bus->n_channels)
		vmb_channel_close(bus->channels[bus->n_channels - 1]);
	bus->transport->ops->destroy(bus->transport);
	bus_free(bus);
}

/* ---- public accessors ---- */

const char *vmb_bus_transport_name(const struct vmb_bus *bus)
{
	return bus->transport->ops->name;
}

uint32_t vmb_bus_version(const struct vmb_bus *bus)
{
	return bus->transport->ops->version(bus->transport);
}

int vmb_bus_add_listener(struct vmb_bus *bus, const struct vmb_bus_listener *listener, void *data)
{
	int ret = grow((void **)&bus->listeners, &bus->cap_listeners, bus->n_listeners + 1,
		sizeof(*bus->listeners));
	if (ret < 0)
		return ret;
	bus->listeners[bus->n_listeners++] =
		(struct vmb_bus_listener_entry){ .listener = listener, .data = data };
	return 0;
}

void vmb_bus_remove_listener(
	struct vmb_bus *bus, const struct vmb_bus_listener *listener, void *data)
{
	for (size_t i = 0; i < bus->n_listeners; i++) {
		struct vmb_bus_listener_entry *e = &bus->listeners[i];
		if (e->listener == listener && e->data == data && !e->removed) {
			e->removed = true;
			break;
		}
	}
	if (!bus->flushing)
		sweep_listeners(bus);
}

int vmb_bus_get_fd(const struct vmb_bus *bus)
{
	return bus->wake.epoll_fd;
}

int vmb_bus_pump(struct vmb_bus *bus)
{
	struct vmb_transport *t = bus->transport;
	if (bus->disconnected)
		return -ENOTCONN;
	return t->ops->read_control ? t->ops->read_control(t) : 0;
}

int vmb_bus_dispatch(struct vmb_bus *bus)
{
	int ret = vmb_bus_pump(bus);
	flush_events(bus, true);
	if (bus->disconnected)
		return -ENOTCONN;
	return ret < 0 ? ret : 0;
}

size_t vmb_bus_offer_count(const struct vmb_bus *bus)
{
	return bus->n_offers;
}

const struct vmb_offer *vmb_bus_offer_at(const struct vmb_bus *bus, size_t index)
{
	return index < bus->n_offers ? &bus->offers[index] : NULL;
}

int vmb_bus_find_offer(
	const struct vmb_bus *bus, const struct vmb_guid *interface, struct vmb_offer *out)
{
	for (size_t i = 0; i < bus->n_offers; i++) {
		if (vmb_guid_equal(&bus->offers[i].interface, interface)) {
			if (out)
				*out = bus->offers[i];
			return 0;
		}
	}
	return -ENOENT;
}

int vmb_bus_get_mmio(const struct vmb_bus *bus, struct vmb_mmio *out)
{
	struct vmb_transport *t = bus->transport;
	if (!t->ops->get_mmio)
		return -EOPNOTSUPP;
	return t->ops->get_mmio(t, out);
}

/* ---- channel registry ---- */

int vmb_bus_add_channel(struct vmb_bus *bus, struct vmb_channel *ch)
{
	int ret = grow((void **)&bus->channels, &bus->cap_channels, bus->n_channels + 1,
		sizeof(*bus->channels));
	if (ret < 0)
		return ret;
	bus->channels[bus->n_channels++] = ch;
	return 0;
}

void vmb_bus_remove_channel(struct vmb_bus *bus, struct vmb_channel *ch)
{
	for (size_t i = 0; i < bus->n_channels; i++) {
		if (bus->channels[i] == ch) {
			bus->channels[i] = bus->channels[--bus->n_channels];
			return;
		}
	}
}

struct vmb_channel *vmb_bus_channel_by_relid(const struct vmb_bus *bus, uint32_t relid)
{
	for (size_t i = 0; i < bus->n_channels; i++) {
		if (bus->channels[i]->offer.relid == relid)
			return bus->channels[i];
	}
	return NULL;
}
