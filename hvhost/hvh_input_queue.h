/*
 * The keyboard's and mouse's outgoing packets: a FIFO that sends in order as the ring has room,
 * and completes the monitor request behind a batch once its last packet is in the ring.
 *
 * Input is never dropped (vmbus-emu.md §5): when the guest's ring is full the packets wait here
 * (vmb_host set pending_send_sz, so the guest signals when it has read enough) and go out from
 * the model's channel_signalled. A `type` or `key` is answered only when all its packets are in
 * the ring (§6), so a client that sends its next command after the reply knows the guest can
 * read the keys. When the channel closes first, the waiting requests fail with the reason.
 *
 * Errors: negative errno. Single-threaded, like every model.
 */
#ifndef HVD_HVHOST_INPUT_QUEUE_H
#define HVD_HVHOST_INPUT_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "hvh_device.h"

#define HVH_INPUT_MAX_PACKET 4096u // host->guest payloads stay below Linux's truncation

struct hvh_input_queue;

/* One payload to queue; name is the tx counter bumped when it is in the ring (a static
 * string, e.g. "EVENT"). */
struct hvh_input_packet {
	const void *bytes;
	size_t len; // 1..HVH_INPUT_MAX_PACKET
	const char *name;
};

/* dev: whose tx counters count what is sent. -ENOMEM. */
int hvh_input_queue_create(struct hvh_input_queue **out, struct hvh_device *dev);
/* Fails the waiting requests ("the <device> model is going away") and frees. NULL is a no-op. */
void hvh_input_queue_destroy(struct hvh_input_queue *q);

/*
 * Appends n packets, all or none (-ENOMEM, -EINVAL for a bad length), then sends what fits on
 * the channel if one is open. req (NULL-able) is completed with hvh_request_done() once the last
 * of them is in the ring (at once for n == 0); its reply may already hold fields. The queue
 * installs a cancel hook on req, so a client going away only forgets the request, never the
 * packets.
 */
int hvh_input_queue_add(struct hvh_input_queue *q, const struct hvh_input_packet *pkts, size_t n,
	struct hvh_request *req);

/* The channel to send on (NULL when closed): set it at channel_opened, clear it at
 * channel_closed. Sending starts at the next add or flush. */
void hvh_input_queue_set_channel(struct hvh_input_queue *q, struct vmb_host_channel *ch);
/* Sends what fits: call from channel_signalled (the guest freed space). */
void hvh_input_queue_flush(struct hvh_input_queue *q);
/* Drops every waiting packet and fails every waiting request with why ("...: <why>"). */
void hvh_input_queue_fail_all(struct hvh_input_queue *q, const char *why);

/* Packets waiting for ring space. */
size_t hvh_input_queue_len(const struct hvh_input_queue *q);

#endif
