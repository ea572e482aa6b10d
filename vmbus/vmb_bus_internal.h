/*
 * Layouts of struct vmb_bus and struct vmb_channel, shared by vmb_bus.c and vmb_channel.c (and
 * by white-box tests). Internal to vmbus/.
 */
#ifndef HVD_VMBUS_BUS_INTERNAL_H
#define HVD_VMBUS_BUS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmb.h"
#include "vmb_ring.h"
#include "vmb_transport.h"
#include "wakeset.h"

struct vmb_channel {
	struct vmb_bus *bus;
	struct vmb_offer offer;
	struct vmb_transport_channel tc;
	struct vmb_ring send; // guest -> host: we write
	struct vmb_ring recv; // host -> guest: we read
	bool rescinded;
	bool corrupt_logged;
};

/* A change the transport reported, told to the listener at the next dispatch. */
enum vmb_bus_event_kind {
	VMB_BUS_EVENT_OFFER,
	VMB_BUS_EVENT_RESCIND,
	VMB_BUS_EVENT_DISCONNECTED,
};

struct vmb_bus_event {
	enum vmb_bus_event_kind kind;
	struct vmb_offer offer; // OFFER
	uint32_t relid;         // RESCIND
};

struct vmb_bus_listener_entry {
	const struct vmb_bus_listener *listener;
	void *data;
	bool removed; // removed during a flush; swept after it
};

struct vmb_bus {
	struct vmb_transport *transport;
	/* The offers the user sees; changed only when events are flushed, so an index stays valid
	 * until the next dispatch even when a wait read control messages meanwhile. */
	struct vmb_offer *offers;
	size_t n_offers, cap_offers;
	struct vmb_channel **channels; // open channels, any order
	size_t n_channels, cap_channels;
	struct vmb_bus_event *events; // queue: [events_head, n_events) not yet flushed
	size_t events_head, n_events, cap_events;
	struct vmb_bus_listener_entry *listeners;
	size_t n_listeners, cap_listeners;
	bool flushing;
	struct wakeset wake; // vmb_bus_get_fd(): the control fd, kicked while events wait to flush
	bool disconnected;
};

/* Reads waiting control messages without blocking (for the waits of vmb_channel.c); their
 * effects on channels apply at once, the listener hears of them at the next dispatch. */
int vmb_bus_pump(struct vmb_bus *bus);

int vmb_bus_add_channel(struct vmb_bus *bus, struct vmb_channel *ch);
void vmb_bus_remove_channel(struct vmb_bus *bus, struct vmb_channel *ch);
struct vmb_channel *vmb_bus_channel_by_relid(const struct vmb_bus *bus, uint32_t relid);

#endif
