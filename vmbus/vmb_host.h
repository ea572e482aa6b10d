/*
 * vmb_host: the host side of the emulated VMBus (vmbus-emu.md), used by hvhost.
 *
 * It listens on the VMBus socket, serves one guest at a time (a second one is refused as busy),
 * negotiates the version, offers the registered devices, checks and maps the rings a guest
 * opens, and moves packets. Device models plug in through a listener; they never see sockets,
 * memfds or eventfds. Every control message is validated (§2): a protocol error is logged with
 * its reason and closes the connection. A corrupt ring is rescinded and offered again after the
 * guest's RELID_RELEASED (§3.5).
 *
 * Error convention: negative errno; constructors take `**out`. Single-threaded: everything
 * runs from the loop given at creation.
 */
#ifndef HVD_VMBUS_VMB_HOST_H
#define HVD_VMBUS_VMB_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "vmb_guid.h"
#include "vmb_ring.h"

struct vmb_host;
struct vmb_host_channel;

struct vmb_host_device {
	struct vmb_guid interface;
	struct vmb_guid instance;
	uint16_t mmio_megabytes;
	bool pipe_mode; // offered with chn_flags 0x10 and pipe_mode 4
};

enum vmb_host_dir {
	VMB_HOST_DIR_GUEST_TO_HOST = 0,
	VMB_HOST_DIR_HOST_TO_GUEST = 1,
};

/* Why a channel stopped (channel_closed). */
enum vmb_host_close_reason {
	VMB_HOST_CLOSE_GUEST,        // CLOSECHANNEL
	VMB_HOST_CLOSE_RESCINDED,    // vmb_host_rescind(), or a corrupt ring
	VMB_HOST_CLOSE_DISCONNECTED, // the guest connection ended
};

struct vmb_host_listener {
	void (*guest_connected)(void *data, uint32_t vmbus_version);
	void (*guest_disconnected)(void *data);
	/* A guest opened the channel of device dev_id; the rings are mapped and checked. */
	void (*channel_opened)(void *data, int dev_id, struct vmb_host_channel *ch);
	/* The channel is gone; ch must not be used after this returns. */
	void (*channel_closed)(void *data, int dev_id, enum vmb_host_close_reason reason);
	/* The guest signalled: packets to read, or send space freed. Drain with recv, retry sends. */
	void (*channel_signalled)(void *data, int dev_id, struct vmb_host_channel *ch);
	/* Capture tap (may be NULL): every packet read or written, as the ring held it (descriptor,
	 * payload, padding; no trailer); and every channel opened. */
	void (*packet_traced)(
		void *data, uint32_t relid, enum vmb_host_dir dir, const uint8_t *raw, size_t len);
	void (*channel_traced)(void *data, uint32_t relid, const struct vmb_guid *interface,
		const struct vmb_guid *instance);
};

struct vmb_host_config {
	const char *socket_path;  // NULL = the default resolution of §1
	const uint32_t *versions; // accepted VMBus versions; NULL = 5.0, 4.0, 3.0, 2.4
	size_t n_versions;
	uint64_t mmio_base; // 0 = 0xF8000000; 2 MiB aligned
	uint64_t mmio_size; // 0 = 128 MiB; multiple of 2 MiB
};

int vmb_host_create(struct vmb_host **out, struct loop *loop, const struct vmb_host_config *cfg,
	const struct vmb_host_listener *listener, void *data);
/* Closes the guest connection and the socket (unlinking its path). NULL is a no-op. Calls no
 * listener callback. */
void vmb_host_destroy(struct vmb_host *host);

const char *vmb_host_socket_path(const struct vmb_host *host);

/* Registers a device; offered to every guest from now on. Returns its dev_id (>= 0), -EEXIST
 * for an instance GUID already registered, -ENOMEM. */
int vmb_host_add_device(struct vmb_host *host, const struct vmb_host_device *dev);

bool vmb_host_guest_connected(const struct vmb_host *host);
uint32_t vmb_host_vmbus_version(const struct vmb_host *host); // 0 when no guest

/* What the host refused, since its creation (across guests). */
struct vmb_host_stats {
	uint64_t protocol_errors; // control-protocol faults that ended a connection (§2)
	uint64_t open_refusals;   // OPENCHANNEL answered with an error status (§3.3)
	uint64_t corrupt_rings;   // channels rescinded for a corrupt ring (§3.5)
	uint64_t busy_refusals;   // guests refused because another one was connected
};
void vmb_host_get_stats(const struct vmb_host *host, struct vmb_host_stats *out);

/* The MMIO window: host mapping, guest-physical base and size. */
uint8_t *vmb_host_mmio(const struct vmb_host *host, uint64_t *gpa, uint64_t *size);

/* Fault injection and resets: rescind the device's channel (and offer); offer it again (under a
 * new relid, once the guest has released the old one). -EINVAL bad dev_id, -ENOTCONN no guest
 * has asked for offers yet, -EALREADY nothing to rescind / already offered. A rescind tells
 * channel_closed(RESCINDED) before it returns. */
int vmb_host_rescind(struct vmb_host *host, int dev_id);
int vmb_host_reoffer(struct vmb_host *host, int dev_id);
/* Ends the guest connection (every channel closes). The guest sees the end at once;
 * channel_closed(DISCONNECTED) and guest_disconnected follow from the loop, as for every end of
 * a connection, so no callback frees what a caller up the stack still uses. */
void vmb_host_disconnect(struct vmb_host *host);

bool vmb_host_channel_is_open(const struct vmb_host *host, int dev_id);
uint32_t vmb_host_channel_relid(const struct vmb_host_channel *ch);

/* As vmb_channel_send_batch(): count sent, one signal at most; -EAGAIN when none fit. */
int vmb_host_channel_send_batch(
	struct vmb_host_channel *ch, const struct vmb_ring_out *pkts, size_t n);
int vmb_host_channel_send(struct vmb_host_channel *ch, const void *payload, size_t len);
/* As vmb_ring_read(); a corrupt ring is logged, rescinded and re-offered, and -EBADMSG returned. */
int vmb_host_channel_recv(
	struct vmb_host_channel *ch, struct vmb_ring_in *pkt, void *buf, size_t cap);
/* Stops reading (no channel_signalled) until resumed: the monitor's `pause`. */
void vmb_host_channel_set_paused(struct vmb_host_channel *ch, bool paused);

#endif
