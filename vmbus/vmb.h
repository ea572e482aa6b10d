/*
 * vmb: the guest side of VMBus. Offers, channels and packets, over one of two transports:
 *
 *  - emu: the emulated VMBus of vmbus-emu.md (an AF_UNIX seqpacket socket to hvhost),
 *  - uio: uio_hv_generic on a real Hyper-V guest (vmbus-ring.md §6).
 *
 * The data path is the same for both: the rings of vmb_ring.h, signalled through a pollable fd,
 * so a channel fits any event loop: poll vmb_channel_get_fd() for POLLIN, call
 * vmb_channel_handle_event(), then drain with vmb_channel_recv() and retry any send that got
 * -EAGAIN.
 *
 * Error convention: functions return 0 (or a count) on success and a negative errno on failure.
 * -ETIMEDOUT a wait for the host expired, -ENOTCONN the host went away, -ENODEV the channel was
 * rescinded, -EAGAIN a send ring is full (retry after the fd signals), -EBADMSG the host
 * corrupted a ring, -EPROTO the host broke the control protocol. Constructors take `**out` and
 * set it only on success. destroy/close(NULL) is a no-op.
 *
 * Not thread-safe: one bus and its channels belong to one thread.
 */
#ifndef HVD_VMBUS_VMB_H
#define HVD_VMBUS_VMB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmb_guid.h"
#include "vmb_ring.h"

struct vmb_bus;
struct vmb_channel;

/* VMBus protocol versions, `major << 16 | minor` (vmbus-emu.md §2). */
#define VMB_VERSION_WIN8 0x00020004u     // 2.4
#define VMB_VERSION_WIN8_1 0x00030000u   // 3.0
#define VMB_VERSION_WIN10 0x00040000u    // 4.0
#define VMB_VERSION_WIN10_V5 0x00050000u // 5.0

#define VMB_OFFER_FLAG_NAMED_PIPE_MODE 0x10u
#define VMB_PIPE_MODE_MESSAGE 4u

struct vmb_offer {
	struct vmb_guid interface; // device class
	struct vmb_guid instance;
	uint32_t relid;
	uint16_t mmio_megabytes;
	uint16_t chn_flags;
	uint32_t pipe_mode;
};

struct vmb_bus_options {
	const char *socket_path; // emu: NULL = $HVDISPLAY_VMBUS, then the default paths (§1)
	uint32_t max_version;    // newest version to propose; 0 = VMB_VERSION_WIN10_V5
	int timeout_ms;          // every control-path wait; 0 = 10000
};

/* Called only from vmb_bus_dispatch(), never from inside another call: changes read during the
 * waits of vmb_channel_open() and the channel waits are queued until then. Members may be NULL.
 * A callback must not destroy the bus. */
struct vmb_bus_listener {
	void (*offer)(void *data, const struct vmb_offer *offer);
	/* The channel, if open, now fails with -ENODEV; close it. */
	void (*rescind)(void *data, uint32_t relid);
	/* The host closed the connection; every channel fails with -ENOTCONN. */
	void (*disconnected)(void *data);
};

/* Connects to hvhost, negotiates the version (stepping down on refusals) and collects the
 * offers. -ECONNREFUSED/-ENOENT no host, -EBUSY the host serves another guest, -EPROTO,
 * -EPROTONOSUPPORT the host accepts none of our versions up to max_version. */
int vmb_bus_connect_emu(struct vmb_bus **out, const struct vmb_bus_options *opts);

/* Lists the VMBus devices of a real guest from sysfs_root ("/sys" when NULL); device nodes are
 * looked up under dev_root ("/dev" when NULL). -ENOENT no VMBus in sysfs (not a Hyper-V guest),
 * -ENOMEM. vmb_channel_open() on it may also fail with -EOPNOTSUPP (uio_hv_generic not
 * loaded), the error of a sysfs write that binds it (-EACCES without root; before Linux 6.10 the
 * kernel refuses keyboard and mouse), -ENXIO (no uio node after binding) or -EPROTO (a ring
 * layout we cannot use). */
int vmb_bus_open_uio(struct vmb_bus **out, const char *sysfs_root, const char *dev_root);

/* Closes every channel still open, says UNLOAD (emu), frees the bus. */
void vmb_bus_destroy(struct vmb_bus *bus);

const char *vmb_bus_transport_name(const struct vmb_bus *bus);
uint32_t vmb_bus_version(const struct vmb_bus *bus);

/* Several drivers share one bus (one connection is one partition), so each adds its own
 * listener; the (listener, data) pair is caller-owned and identifies it. -ENOMEM. */
int vmb_bus_add_listener(struct vmb_bus *bus, const struct vmb_bus_listener *listener, void *data);
void vmb_bus_remove_listener(
	struct vmb_bus *bus, const struct vmb_bus_listener *listener, void *data);

/* Readable when control messages wait (offers, rescinds, the host leaving). */
int vmb_bus_get_fd(const struct vmb_bus *bus);
/* Handles every waiting control message; -ENOTCONN once the host is gone. */
int vmb_bus_dispatch(struct vmb_bus *bus);

/* The current offers (rescinded ones are removed). Index valid until the next dispatch. */
size_t vmb_bus_offer_count(const struct vmb_bus *bus);
const struct vmb_offer *vmb_bus_offer_at(const struct vmb_bus *bus, size_t index);
/* The first current offer of an interface; -ENOENT if none. */
int vmb_bus_find_offer(
	const struct vmb_bus *bus, const struct vmb_guid *interface, struct vmb_offer *out);

/* The MMIO window the host shares (emu); -EOPNOTSUPP on uio. base maps guest-physical gpa. */
struct vmb_mmio {
	uint8_t *base;
	uint64_t gpa;
	uint64_t size;
};
int vmb_bus_get_mmio(const struct vmb_bus *bus, struct vmb_mmio *out);

/*
 * Opens the offered channel with rings of the given sizes (multiples of 4096, >= 8192; uio
 * ignores them and uses the kernel's). Blocks until the host answers. -ENOENT not offered,
 * -EBUSY already open, -ETIMEDOUT, or the host's negative status.
 */
int vmb_channel_open(struct vmb_channel **out, struct vmb_bus *bus, const struct vmb_offer *offer,
	uint32_t send_ring_bytes, uint32_t recv_ring_bytes);
/* CLOSECHANNEL (or RELID_RELEASED after a rescind), unmaps, frees. */
void vmb_channel_close(struct vmb_channel *ch);

const struct vmb_offer *vmb_channel_offer(const struct vmb_channel *ch);
bool vmb_channel_is_rescinded(const struct vmb_channel *ch);

/* Readable when the host signalled: data to read, or space freed while a send waits. */
int vmb_channel_get_fd(const struct vmb_channel *ch);
/* Consumes the signal behind a readable fd (never blocks). */
void vmb_channel_handle_event(struct vmb_channel *ch);

/* Sends packets in order with one signal at most; returns how many went (the rest: -EAGAIN
 * semantics, retry after the fd signals). Negative errno if none could be sent. */
int vmb_channel_send_batch(struct vmb_channel *ch, const struct vmb_ring_out *pkts, size_t n);
/* One in-band packet; 0 or negative errno (-EAGAIN when the ring is full). */
int vmb_channel_send(
	struct vmb_channel *ch, const void *payload, size_t len, uint64_t trans_id, uint16_t flags);
/* Blocks until a packet of payload_len would fit, up to timeout_ms; 0, -ETIMEDOUT, -ENODEV...
 * The host signals freed space only when asked: call this after a send got -EAGAIN (which set
 * the ring's pending_send_sz). */
int vmb_channel_wait_writable(struct vmb_channel *ch, size_t payload_len, int timeout_ms);

/* 1 packet copied into buf (see vmb_ring_read()), 0 none waiting, or negative errno. */
int vmb_channel_recv(struct vmb_channel *ch, struct vmb_ring_in *pkt, void *buf, size_t cap);
/* Blocks until a packet can be read or timeout_ms passes (0 ready, -ETIMEDOUT, ...). */
int vmb_channel_wait_readable(struct vmb_channel *ch, int timeout_ms);

#endif
