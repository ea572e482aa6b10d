/*
 * Layouts and internal calls of the emulated VMBus host (vmb_host.h), shared by vmb_host.c
 * (socket, devices, public calls), vmb_host_conn.c (the guest's control messages) and
 * vmb_host_channel.c (opening, rings, signalling). Internal to vmbus/.
 *
 * Teardown is deferred: a connection that fails (protocol error, the guest leaving, UNLOAD,
 * vmb_host_disconnect) stops being read at once and is shut down, so the guest sees the end
 * immediately, but its channels are unmapped and the listener told (channel_closed,
 * guest_disconnected) from a 0 ms timer. So no listener call ever frees something a caller up
 * the stack still uses, whichever call (a device model's recv, a monitor command) found the
 * failure.
 */
#ifndef HVD_VMBUS_HOST_INTERNAL_H
#define HVD_VMBUS_HOST_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"
#include "vmb_ctl_proto.h"
#include "vmb_host.h"
#include "vmb_ring.h"

enum host_dev_state {
	HOST_DEV_IDLE,      // not offered on this connection
	HOST_DEV_OFFERED,   // offered under relid, not open
	HOST_DEV_OPEN,      // open: ch
	HOST_DEV_RESCINDED, // RESCIND sent; waiting for RELID_RELEASED (ch, if any, still mapped)
};

struct host_dev {
	struct vmb_host_device dev;
	enum host_dev_state state;
	uint32_t relid;              // OFFERED, OPEN, RESCINDED
	struct vmb_host_channel *ch; // OPEN, and RESCINDED when it was open
	bool reoffer_pending;        // offer again when the guest releases the relid
};

struct host_conn {
	struct vmb_host *host;
	int fd;
	struct loop_source *source; // NULL once dead
	bool dead;
	bool contacted;        // a version was accepted (guest_connected told)
	bool offers_requested; // REQUESTOFFERS seen
	uint32_t version;
	uint32_t next_relid;
	struct vmb_host_channel *dead_channels; // taken from the devices when the connection died
	struct host_conn *next_dying;
};

/* A second guest, refused as busy once it has said INITIATE_CONTACT (§2). */
struct host_busy_conn {
	struct vmb_host *host;
	int fd;
	struct loop_source *source;
};

#define HOST_MAX_BUSY 8

struct vmb_host_channel {
	struct vmb_host *host;
	int dev_id;
	uint32_t relid;
	uint8_t *mem;
	size_t mem_len;
	struct vmb_ring in;  // guest -> host: the first part of the memfd
	struct vmb_ring out; // host -> guest: at downstream_ringbuffer_pageoffset pages
	int signal_fd;       // the guest writes it (G->H)
	int interrupt_fd;    // we write it (H->G)
	struct loop_source *signal_source; // NULL once stopped
	struct loop_source *resume_timer;
	bool announced; // channel_opened told
	bool stopped;   // rescinded or disconnected: no reading, no writing, no signals
	bool closed_told;
	bool paused;
	struct vmb_host_channel *next_dead; // host_conn.dead_channels
};

struct vmb_host {
	struct loop *loop;
	const struct vmb_host_listener *listener;
	void *listener_data;

	char *socket_path;
	dev_t socket_dev;
	ino_t socket_ino;
	int listen_fd;
	struct loop_source *listen_source;

	uint32_t *versions;
	size_t n_versions;

	int mmio_fd;
	uint8_t *mmio;
	uint64_t mmio_base, mmio_size;

	struct host_dev *devs;
	size_t n_devs, cap_devs;

	struct host_conn *conn;  // the guest, NULL when none (or it is dying)
	struct host_conn *dying; // failed connections awaiting teardown
	struct loop_source *teardown_timer;
	struct host_busy_conn *busy[HOST_MAX_BUSY];

	struct vmb_host_stats stats;
};

/* ---- vmb_host.c ---- */

struct host_dev *host_dev_by_relid(struct vmb_host *host, uint32_t relid);
/* Sends OFFERCHANNEL for d under a fresh relid (IDLE -> OFFERED). */
int host_offer(struct vmb_host *host, struct host_dev *d);
/* RESCIND_CHANNELOFFER (OFFERED/OPEN -> RESCINDED); an open channel stops and is told closed. */
int host_rescind_dev(struct vmb_host *host, struct host_dev *d, bool reoffer);

/* ---- vmb_host_conn.c ---- */

/* Takes an accepted connection as the guest. -ENOMEM (fd closed). */
int host_conn_start(struct vmb_host *host, int fd);
/* Handles what the guest connection has waiting, without blocking. */
void host_conn_drain(struct host_conn *c);
/* Sends a message on the guest connection; a failure ends the connection (-ENOTCONN). */
int host_conn_send(
	struct vmb_host *host, const struct vmb_ctl_msg *msg, const int *fds, size_t nfds);
/* Ends the connection: stops reading it and its channels, detaches the channels from the
 * devices; teardown follows from a timer. protocol_error counts it (the caller logged why). */
void host_conn_fail(struct host_conn *c, bool protocol_error);
/* Frees dying connections: unmaps their channels, tells the listener. */
void host_conn_teardown(struct vmb_host *host, bool tell);

/* ---- vmb_host_channel.c ---- */

/* Checks an OPENCHANNEL (§3.3) and maps its rings. Returns 0 with *out (not yet announced; the
 * signal eventfds now belong to it) or the status to refuse with. Closes what it does not keep
 * of fds[VMB_CTL_MAX_FDS]. */
int32_t host_channel_open(struct vmb_host *host, struct host_dev *d, const struct vmb_ctl_open *req,
	int *fds, struct vmb_host_channel **out);
/* channel_traced and channel_opened, after OPENCHANNEL_RESULT went out. */
void host_channel_announce(struct vmb_host_channel *ch);
/* Stops reading and writing, silently. */
void host_channel_halt(struct vmb_host_channel *ch);
/* Halts, and tells channel_closed(reason) once if the channel was announced. */
void host_channel_stop(struct vmb_host_channel *ch, enum vmb_host_close_reason reason);
/* Unmaps and frees (stop first). */
void host_channel_free(struct vmb_host_channel *ch);

#endif
