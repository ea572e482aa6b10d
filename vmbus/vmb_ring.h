/*
 * One direction of a VMBus channel ring over caller memory (vmbus-ring.md §1-4).
 *
 * A ring is a 4096-byte control page followed by a circular data area. Each side of a channel
 * holds a `struct vmb_ring` for each of its two rings: it is the writer of one and the reader of
 * the other. Shared control fields are accessed only through atomics with the barriers of
 * vmbus-ring.md §4.3; everything the other side wrote is re-checked on every use, so a corrupt or
 * hostile peer can make a read fail with -EBADMSG but never make us read or write outside the
 * ring, loop forever, or crash. Once corrupt, a ring stays corrupt (vmb_ring_is_corrupt()).
 *
 * Errors: negative errno. -EAGAIN ring full (writer) , -EMSGSIZE packet can never fit or buffer
 * too small, -EBADMSG corrupt ring, -EINVAL bad arguments.
 *
 * No I/O and no allocation: signalling is the caller's business, told through `need_signal`.
 */
#ifndef HVD_VMBUS_RING_H
#define HVD_VMBUS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMB_RING_CONTROL_SIZE 4096u
#define VMB_RING_DESC_SIZE 16u
#define VMB_RING_TRAILER_SIZE 8u

/* Control page offsets (vmbus-ring.md §1.2). */
#define VMB_RING_OFF_WRITE_INDEX 0u
#define VMB_RING_OFF_READ_INDEX 4u
#define VMB_RING_OFF_INTERRUPT_MASK 8u
#define VMB_RING_OFF_PENDING_SEND_SZ 12u
#define VMB_RING_OFF_FEATURE_BITS 64u
#define VMB_RING_FEAT_PENDING_SEND_SZ 0x1u

/* Packet types (vmbus-ring.md §3.2). */
enum vmb_packet_type {
	VMB_PKT_INVALID = 0x0,
	VMB_PKT_SYNCH = 0x1,
	VMB_PKT_ADD_XFER_PAGESET = 0x2,
	VMB_PKT_RM_XFER_PAGESET = 0x3,
	VMB_PKT_ESTABLISH_GPADL = 0x4,
	VMB_PKT_TEARDOWN_GPADL = 0x5,
	VMB_PKT_DATA_INBAND = 0x6,
	VMB_PKT_DATA_USING_XFER_PAGES = 0x7,
	VMB_PKT_DATA_USING_GPADL = 0x8,
	VMB_PKT_DATA_USING_GPA_DIRECT = 0x9,
	VMB_PKT_CANCEL_REQUEST = 0xa,
	VMB_PKT_COMP = 0xb,
	VMB_PKT_DATA_USING_ADDITIONAL_PKT = 0xc,
	VMB_PKT_ADDITIONAL_DATA = 0xd,
};

#define VMB_PKT_FLAG_COMPLETION_REQUESTED 0x1u

/* One side's view of one ring. Fields are private to vmb_ring.c; callers only embed it. */
struct vmb_ring {
	uint8_t *control;   // 4096-byte control page, shared
	uint8_t *data;      // data area, shared
	uint32_t data_size; // multiple of 4096, >= 4096
	/* reader: read offset of the packets consumed but not yet published (batching) */
	uint32_t priv_read_index;
	uint32_t batch_bytes_read;
	/* writer: the write_index we last published (never re-read from shared memory) */
	uint32_t priv_write_index;
	bool corrupt;
	char corrupt_reason[96]; // what was wrong, once corrupt (vmb_ring_corrupt_reason())
};

/* A gather list entry for writing. */
struct vmb_iov {
	const void *base;
	size_t len;
};

/* A packet to write: in-band or completion, payload gathered from iov[]. */
struct vmb_ring_out {
	uint16_t type; // VMB_PKT_DATA_INBAND or VMB_PKT_COMP
	uint16_t flags;
	uint64_t trans_id;
	const struct vmb_iov *iov;
	size_t iov_count;
};

/* A packet read: the whole packet (descriptor, extension, payload, padding; not the trailer) is
 * copied into the caller's buffer so the peer cannot change it after validation. */
struct vmb_ring_in {
	uint16_t type;
	uint16_t flags;
	uint64_t trans_id;
	const uint8_t *raw; // the caller's buffer: len8 * 8 bytes starting with the descriptor
	uint32_t raw_len;
	const uint8_t *payload; // raw + offset8 * 8
	uint32_t payload_len;   // (len8 - offset8) * 8: padded to 8
};

/*
 * Lays out a fresh ring in mem: zeroed control page, indexes 0, feature bit 0 set (as Linux).
 * Done by whoever allocates the ring memory (the guest). -EINVAL unless ring_bytes is a multiple
 * of 4096 and at least 8192.
 */
int vmb_ring_format(void *mem, size_t ring_bytes);

/*
 * Attaches to a ring laid out in mem (does not write it). Checks the size and that both indexes
 * are in range and 8-aligned (-EBADMSG otherwise).
 */
int vmb_ring_attach(struct vmb_ring *ring, void *mem, size_t ring_bytes);

bool vmb_ring_is_corrupt(const struct vmb_ring *ring);
/* Why the ring became corrupt, with the offending values, for the caller's log_bug_host() or
 * log_bug_guest() (only the caller knows which side is at fault). NULL while not corrupt; the
 * string lives in *ring. */
const char *vmb_ring_corrupt_reason(const struct vmb_ring *ring);

/* Bytes a packet with this payload length uses in the ring: ALIGN8(16 + len) + 8. */
uint32_t vmb_ring_packet_total(size_t payload_len);
/* The largest payload one packet may ever carry in this ring (never-full rule). */
size_t vmb_ring_max_payload(const struct vmb_ring *ring);

/* ---- writer side ---- */

/*
 * Writes up to n packets in order, publishes write_index once, and sets *need_signal when the
 * reader must be signalled (ring went empty -> non-empty and its interrupt_mask is 0).
 * Returns the number of packets written (0..n). When the next packet does not fit, publishes
 * the packets before it, sets pending_send_sz to the space it needs (the reader signals when that
 * much is free) and looks once more; when all packets fit, clears pending_send_sz. -EMSGSIZE if
 * the first packet could never fit (a later one ends the batch and is reported by the next call),
 * -EINVAL for a type other than in-band or completion or an undefined flag, -EBADMSG if the ring
 * is corrupt. need_signal may be NULL.
 */
int vmb_ring_write(
	struct vmb_ring *ring, const struct vmb_ring_out *pkts, size_t n, bool *need_signal);

/* Free bytes as the writer sees them now (Linux hv_get_bytes_to_write). */
uint32_t vmb_ring_bytes_free(struct vmb_ring *ring);

/* ---- reader side ---- */

/*
 * Copies the next packet into buf (cap bytes) and validates it: type known (0x6, 0x7, 0x9, 0xb),
 * flags only bit 0, offset8 >= 2, len8 >= offset8, len8 * 8 <= bytes available, indexes in range
 * and aligned. Returns 1 with *pkt filled, 0 if the ring is empty, -EBADMSG if corrupt (the ring
 * is then marked corrupt), -EMSGSIZE if the packet is valid but larger than cap (it is skipped so
 * the reader can go on; pkt->raw_len tells its size). Consumed packets are published only by
 * vmb_ring_read_done().
 */
int vmb_ring_read(struct vmb_ring *ring, struct vmb_ring_in *pkt, void *buf, size_t cap);

/*
 * Publishes the read position after a batch of vmb_ring_read() calls and applies the
 * pending_send_sz rule: *need_signal when the writer waits for space and this batch freed enough.
 */
void vmb_ring_read_done(struct vmb_ring *ring, bool *need_signal);

/* Bytes waiting to be read (0 when corrupt). */
uint32_t vmb_ring_bytes_available(struct vmb_ring *ring);

/*
 * Reader-side interrupt mask: mask while draining, unmask when done. vmb_ring_unmask() returns
 * true when data arrived meanwhile (re-check after the barrier, as Linux hv_end_read) so the
 * caller drains again instead of sleeping; also true on a corrupt ring, so the caller's next read
 * reports -EBADMSG instead of the caller sleeping on a dead ring.
 */
void vmb_ring_mask(struct vmb_ring *ring);
bool vmb_ring_unmask(struct vmb_ring *ring);

#endif
