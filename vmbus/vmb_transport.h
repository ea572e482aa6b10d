/*
 * The transport interface of lib vmb's guest side (internal to vmbus/).
 *
 * vmb_bus.c and vmb_channel.c hold everything that is the same on every transport: the offer
 * list and the listener, the two rings of a channel, the signalling rules of vmb_ring.h
 * (need_signal), draining the wake-up fd, send/recv and the waits. A transport holds only what
 * differs: how the bus is reached (emu: the hvhost socket; uio: sysfs and /dev/uioN), how
 * offers and rescinds are learnt, how ring memory is obtained and mapped, and how the host is
 * signalled and signals back. It is a `const struct vmb_transport_ops` vtable plus a struct
 * that embeds `struct vmb_transport` as its first member (downcast with container_of after
 * checking `ops`).
 *
 * Life of a transport:
 *  1. A public constructor of vmb.h (vmb_bus_connect_emu, vmb_bus_open_uio) lives in the
 *     transport's own .c file and calls vmb_bus_create_with(out, create, args). The bus calls
 *     create(&t, args, events, events_data): the transport connects, negotiates, and reports
 *     every offer it already knows through events->offer() before returning. On error it frees
 *     everything and returns the negative errno, which the public constructor returns.
 *  2. The bus then uses the ops below, only from its one thread.
 *  3. The bus closes every channel (close_channel) and then calls destroy.
 *
 * Events: the transport reports changes through `events`, from create, read_control,
 * open_channel, ack_event (and nowhere else), in the order they happened:
 *  - offer(): a new offer (relid never reported before, or reported and then rescinded);
 *  - rescind(): the host withdrew relid. An open channel of it fails with -ENODEV from now on;
 *    the bus tells the user, who closes it (close_channel);
 *  - disconnected(): the host is gone for good (socket closed, protocol error, device removed).
 *    Every channel fails with -ENOTCONN; close_channel must still be called and must only free.
 *
 * Errors: negative errno as in vmb.h. A transport logs what the host did wrong with
 * log_bug_host() itself; the bus does not log transport errors again.
 */
#ifndef HVD_VMBUS_TRANSPORT_H
#define HVD_VMBUS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmb.h"

struct vmb_transport;

struct vmb_transport_events {
	void (*offer)(void *data, const struct vmb_offer *offer);
	void (*rescind)(void *data, uint32_t relid);
	void (*disconnected)(void *data);
};

/* One open channel as the transport hands it to vmb_channel.c. */
struct vmb_transport_channel {
	/* Set by open_channel; valid until close_channel. */
	uint8_t *ring_mem;   // the guest->host ("send") ring at 0, host->guest ("recv") ring right
			     // after it; each a 4096-byte control page then the data area,
			     // formatted (vmb_ring_format) or as the kernel left it
	uint32_t send_bytes; // size of the send ring, control page included
	uint32_t recv_bytes; // size of the recv ring, control page included
	int event_fd;        // readable (POLLIN) after the host signalled; owned by the transport
	void *priv;          // the transport's own per-channel state
};

struct vmb_transport_ops {
	const char *name; // "emu", "uio": vmb_bus_transport_name()

	/* Says goodbye if the transport has a way to (emu: UNLOAD, waiting for UNLOAD_RESPONSE up
	 * to the timeout) and frees everything. Channels are closed before. */
	void (*destroy)(struct vmb_transport *t);

	/* The negotiated VMBus version (major << 16 | minor), 0 if the transport cannot tell. */
	uint32_t (*version)(const struct vmb_transport *t);

	/* The shared MMIO window; -EOPNOTSUPP when the transport has none. NULL-able op. */
	int (*get_mmio)(const struct vmb_transport *t, struct vmb_mmio *out);

	/* An fd readable when read_control has something to do (emu: the socket), or -1 when
	 * offers never change after create. Stable for the transport's life. */
	int (*control_fd)(const struct vmb_transport *t);

	/* Handles everything control_fd has waiting, without blocking, reporting through events.
	 * 0, or -ENOTCONN once disconnected (after reporting disconnected() once). NULL-able op
	 * when control_fd is always -1. */
	int (*read_control)(struct vmb_transport *t);

	/*
	 * Opens offer's channel with rings of send_bytes and recv_bytes (multiples of 4096,
	 * >= 8192, checked by the caller; a transport whose ring sizes are fixed elsewhere, uio,
	 * ignores them and reports its own in *out). On return the rings are mapped, formatted
	 * (fresh indexes: the caller attaches without formatting) and the host knows the channel
	 * is open. Blocks up to the transport's timeout, handling other control traffic meanwhile.
	 * -ENOENT not offered (or rescinded), -EBUSY already open, -ETIMEDOUT, -ENOTCONN, or the
	 * host's refusal. *out is written only on success.
	 */
	int (*open_channel)(struct vmb_transport *t, const struct vmb_offer *offer,
		uint32_t send_bytes, uint32_t recv_bytes, struct vmb_transport_channel *out);

	/* Tells the host the channel is closed (emu: CLOSECHANNEL, or RELID_RELEASED after a
	 * rescind; nothing when disconnected), unmaps the rings, closes event_fd, frees priv. */
	void (*close_channel)(struct vmb_transport *t, struct vmb_transport_channel *ch);

	/* Signals the host once (emu: 1 on the signal eventfd; uio: write(1) to the uio fd). The
	 * caller decides when, following vmb_ring's need_signal. 0 or -errno. */
	int (*signal)(struct vmb_transport *t, struct vmb_transport_channel *ch);

	/* Consumes whatever made event_fd readable, never blocking ("nothing" is fine).
	 * -ENODEV if that revealed a rescind (uio: EIO), after reporting it through events. */
	int (*ack_event)(struct vmb_transport *t, struct vmb_transport_channel *ch);
};

struct vmb_transport {
	const struct vmb_transport_ops *ops;
	const struct vmb_transport_events *events; // the bus's; call with events_data
	void *events_data;
};

/* A transport's constructor, given to vmb_bus_create_with() with its own arguments. */
typedef int (*vmb_transport_create_fn)(struct vmb_transport **out, const void *args,
	const struct vmb_transport_events *events, void *events_data);

/* Creates a bus over the transport create() makes (§ "Life of a transport" above). */
int vmb_bus_create_with(struct vmb_bus **out, vmb_transport_create_fn create, const void *args);

#endif
