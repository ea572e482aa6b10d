/*
 * One VMBus ring over shared memory (vmbus-ring.md §1-4): the packet layout, the never-full rule,
 * batched publication and the interrupt_mask and pending_send_sz signalling rules.
 *
 * The data area is not mapped twice (Linux and OpenVMM do that): every copy in or out is split at
 * the end of the data area, as DPDK does, so a ring is plain caller memory. The peer can rewrite
 * any byte at any time, so each operation loads the peer's index once, checks it, and works only
 * from that value and from private copies; a packet is copied out before its extension is parsed,
 * and the descriptor handed to the caller is the one that was checked.
 */
#include "vmb_ring.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macros.h"
#include "wire.h"

/* Control words are accessed as native u32 atomics, which only match the wire on little-endian
 * machines (every Hyper-V guest architecture is). */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vmb_ring.c assumes a little-endian host"
#endif

/* With indexes and packet totals below 2 GiB, index + total never overflows a u32. */
#define RING_MAX_DATA_SIZE 0x80000000u
/* len8 is a u16: no packet can be longer than this, whatever the ring size. */
#define PACKET_MAX_LEN (0xffffu * 8u)
#define PAGE_4K 4096u

struct desc {
	uint16_t type;
	uint16_t offset8;
	uint16_t len8;
	uint16_t flags;
	uint64_t trans_id;
};

static uint32_t *ctl_word(const struct vmb_ring *ring, uint32_t off)
{
	return (uint32_t *)(void *)(ring->control + off);
}

static uint32_t ctl_load(const struct vmb_ring *ring, uint32_t off)
{
	return __atomic_load_n(ctl_word(ring, off), __ATOMIC_ACQUIRE);
}

static void ctl_store(const struct vmb_ring *ring, uint32_t off, uint32_t value)
{
	__atomic_store_n(ctl_word(ring, off), value, __ATOMIC_RELEASE);
}

/* Where Linux has virt_mb() (vmbus-ring.md §4.3). */
static void full_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

PRINTF(2, 3)
static int mark_corrupt(struct vmb_ring *ring, const char *fmt, ...)
{
	if (!ring->corrupt) {
		va_list args;
		va_start(args, fmt);
		vsnprintf(ring->corrupt_reason, sizeof(ring->corrupt_reason), fmt, args);
		va_end(args);
		ring->corrupt = true;
	}
	return -EBADMSG;
}

/* Loads an index the peer owns, once, and checks it (OpenVMM `validate()`). */
static int load_peer_index(struct vmb_ring *ring, uint32_t off, uint32_t *out)
{
	uint32_t value = ctl_load(ring, off);
	if (value >= ring->data_size || value % 8 != 0) {
		return mark_corrupt(ring, "%s %u is not an 8-aligned offset below the data size %u",
			off == VMB_RING_OFF_WRITE_INDEX ? "write_index" : "read_index", value,
			ring->data_size);
	}
	*out = value;
	return 0;
}

/* Linux hv_get_bytes_to_write(): w == r is empty, so this is never 0. */
static uint32_t free_bytes(uint32_t dsize, uint32_t w, uint32_t r)
{
	return w >= r ? dsize - (w - r) : r - w;
}

static uint32_t advance(uint32_t dsize, uint32_t off, uint32_t n)
{
	off += n;
	return off >= dsize ? off - dsize : off;
}

/* Copies split at the wrap. Callers guarantee off < data_size and len <= data_size. */
static uint32_t copy_in(struct vmb_ring *ring, uint32_t off, const void *src, uint32_t len)
{
	uint32_t first = MIN(len, ring->data_size - off);
	memcpy(ring->data + off, src, first);
	memcpy(ring->data, (const uint8_t *)src + first, len - first);
	return advance(ring->data_size, off, len);
}

static uint32_t copy_out(const struct vmb_ring *ring, uint32_t off, void *dst, uint32_t len)
{
	uint32_t first = MIN(len, ring->data_size - off);
	memcpy(dst, ring->data + off, first);
	memcpy((uint8_t *)dst + first, ring->data, len - first);
	return advance(ring->data_size, off, len);
}

static bool ring_memory_ok(const void *mem, size_t ring_bytes)
{
	return mem && (uintptr_t)mem % 8 == 0 && ring_bytes % PAGE_4K == 0 &&
		ring_bytes >= 2 * PAGE_4K &&
		ring_bytes - VMB_RING_CONTROL_SIZE <= RING_MAX_DATA_SIZE;
}

int vmb_ring_format(void *mem, size_t ring_bytes)
{
	if (!ring_memory_ok(mem, ring_bytes))
		return -EINVAL;
	memset(mem, 0, VMB_RING_CONTROL_SIZE);
	__atomic_store_n((uint32_t *)(void *)((uint8_t *)mem + VMB_RING_OFF_FEATURE_BITS),
		VMB_RING_FEAT_PENDING_SEND_SZ, __ATOMIC_RELEASE);
	return 0;
}

int vmb_ring_attach(struct vmb_ring *ring, void *mem, size_t ring_bytes)
{
	if (!ring)
		return -EINVAL;
	if (!ring_memory_ok(mem, ring_bytes)) {
		/* Leave a ring that refuses everything rather than one pointing anywhere. */
		*ring = (struct vmb_ring){ .corrupt = true };
		snprintf(ring->corrupt_reason, sizeof(ring->corrupt_reason), "not attached");
		return -EINVAL;
	}
	*ring = (struct vmb_ring){
		.control = mem,
		.data = (uint8_t *)mem + VMB_RING_CONTROL_SIZE,
		.data_size = (uint32_t)(ring_bytes - VMB_RING_CONTROL_SIZE),
	};
	uint32_t w = 0, r = 0;
	int ret = load_peer_index(ring, VMB_RING_OFF_WRITE_INDEX, &w);
	if (ret == 0)
		ret = load_peer_index(ring, VMB_RING_OFF_READ_INDEX, &r);
	if (ret < 0)
		return ret;
	ring->priv_write_index = w;
	ring->priv_read_index = r;
	return 0;
}

bool vmb_ring_is_corrupt(const struct vmb_ring *ring)
{
	return ring->corrupt;
}

const char *vmb_ring_corrupt_reason(const struct vmb_ring *ring)
{
	return ring->corrupt ? ring->corrupt_reason : NULL;
}

uint32_t vmb_ring_packet_total(size_t payload_len)
{
	if (payload_len > UINT32_MAX - 64)
		return UINT32_MAX;
	return ALIGN_UP((uint32_t)payload_len + VMB_RING_DESC_SIZE, 8u) + VMB_RING_TRAILER_SIZE;
}

size_t vmb_ring_max_payload(const struct vmb_ring *ring)
{
	if (ring->data_size < 2 * PAGE_4K - VMB_RING_CONTROL_SIZE)
		return 0;
	/* OpenVMM refuses total >= dsize - 8: the largest total is dsize - 16. */
	uint32_t by_ring = ring->data_size - 16 - VMB_RING_TRAILER_SIZE - VMB_RING_DESC_SIZE;
	return MIN(by_ring, PACKET_MAX_LEN - VMB_RING_DESC_SIZE);
}

/* ---- writer side ---- */

static bool out_payload_len(const struct vmb_ring_out *pkt, size_t *len)
{
	if (pkt->iov_count && !pkt->iov)
		return false;
	size_t sum = 0;
	for (size_t i = 0; i < pkt->iov_count; i++) {
		if ((pkt->iov[i].len && !pkt->iov[i].base) || pkt->iov[i].len > SIZE_MAX - sum)
			return false;
		sum += pkt->iov[i].len;
	}
	*len = sum;
	return true;
}

static bool out_valid(const struct vmb_ring_out *pkt)
{
	size_t len;
	return (pkt->type == VMB_PKT_DATA_INBAND || pkt->type == VMB_PKT_COMP) &&
		(pkt->flags & ~VMB_PKT_FLAG_COMPLETION_REQUESTED) == 0 &&
		out_payload_len(pkt, &len);
}

/* Descriptor, payload, zero padding and trailer at off; returns the offset after the trailer. */
static uint32_t write_packet(
	struct vmb_ring *ring, uint32_t off, const struct vmb_ring_out *pkt, uint32_t payload_len)
{
	static const uint8_t zeros[8];
	uint32_t padded = ALIGN_UP(VMB_RING_DESC_SIZE + payload_len, 8u);
	uint8_t desc[VMB_RING_DESC_SIZE], trailer[VMB_RING_TRAILER_SIZE];
	struct wire w = wire_writer(desc, sizeof(desc));
	wire_put_u16(&w, pkt->type);
	wire_put_u16(&w, VMB_RING_DESC_SIZE / 8);
	wire_put_u16(&w, (uint16_t)(padded / 8));
	wire_put_u16(&w, pkt->flags);
	wire_put_u64(&w, pkt->trans_id);
	w = wire_writer(trailer, sizeof(trailer));
	wire_put_u64(&w, (uint64_t)off << 32);

	off = copy_in(ring, off, desc, sizeof(desc));
	for (size_t i = 0; i < pkt->iov_count; i++) {
		if (pkt->iov[i].len)
			off = copy_in(ring, off, pkt->iov[i].base, (uint32_t)pkt->iov[i].len);
	}
	off = copy_in(ring, off, zeros, padded - VMB_RING_DESC_SIZE - payload_len);
	return copy_in(ring, off, trailer, sizeof(trailer));
}

/*
 * Tells the reader how much space we wait for, then looks again: a reader that published its
 * read_index before seeing our request will not signal, but then (full barriers on both sides)
 * we see its new read_index here (vmbus-ring.md §4.2 step 7).
 */
static int request_space(struct vmb_ring *ring, uint32_t total, uint32_t *r)
{
	ctl_store(ring, VMB_RING_OFF_PENDING_SEND_SZ, total);
	full_barrier();
	return load_peer_index(ring, VMB_RING_OFF_READ_INDEX, r);
}

/* Publishes a batch and applies the empty -> non-empty rule (vmbus-ring.md §4.1). */
static bool publish_write(struct vmb_ring *ring, uint32_t old_w, uint32_t new_w)
{
	full_barrier();
	ctl_store(ring, VMB_RING_OFF_WRITE_INDEX, new_w);
	ring->priv_write_index = new_w;
	full_barrier();
	if (ctl_load(ring, VMB_RING_OFF_INTERRUPT_MASK) != 0)
		return false;
	/* Any other value, even a bogus one, means the reader had not caught up: no signal. */
	return ctl_load(ring, VMB_RING_OFF_READ_INDEX) == old_w;
}

/*
 * Writes packets until one does not fit. An oversized packet after some written ones ends the
 * batch; the call returns the count, and the next call (where it comes first) -EMSGSIZE.
 *
 * The batch is published once, except when a packet does not fit: the packets before it are
 * published first, because the reader measures pending_send_sz against the write_index it sees.
 * Asking for space beyond packets it cannot see yet would let it judge, from a stale
 * write_index, that we were never short of space, and never wake us.
 */
int vmb_ring_write(
	struct vmb_ring *ring, const struct vmb_ring_out *pkts, size_t n, bool *need_signal)
{
	if (need_signal)
		*need_signal = false;
	if (!ring || (n && !pkts))
		return -EINVAL;
	if (ring->corrupt)
		return -EBADMSG;
	n = MIN(n, (size_t)INT_MAX);
	for (size_t i = 0; i < n; i++) {
		if (!out_valid(&pkts[i]))
			return -EINVAL;
	}
	uint32_t r = 0;
	int ret = load_peer_index(ring, VMB_RING_OFF_READ_INDEX, &r);
	if (ret < 0)
		return ret;

	uint32_t w = ring->priv_write_index;
	size_t done = 0, len, requested_for = SIZE_MAX;
	bool blocked = false, sig = false;
	while (done < n && !blocked) {
		out_payload_len(&pkts[done], &len);
		if (len > vmb_ring_max_payload(ring)) {
			ret = -EMSGSIZE;
			break;
		}
		uint32_t total = vmb_ring_packet_total(len);
		if (free_bytes(ring->data_size, w, r) > total) {
			w = write_packet(ring, w, &pkts[done], (uint32_t)len);
			done++;
		} else if (requested_for != done) {
			requested_for = done;
			if (w != ring->priv_write_index)
				sig |= publish_write(ring, ring->priv_write_index, w);
			ret = request_space(ring, total, &r);
			if (ret < 0)
				return ret;
		} else {
			blocked = true;
		}
	}
	if (!blocked && ctl_load(ring, VMB_RING_OFF_PENDING_SEND_SZ) != 0)
		ctl_store(ring, VMB_RING_OFF_PENDING_SEND_SZ, 0);
	if (w != ring->priv_write_index)
		sig |= publish_write(ring, ring->priv_write_index, w);
	if (need_signal)
		*need_signal = sig;
	if (done)
		return (int)done;
	return ret == -EMSGSIZE ? ret : 0;
}

uint32_t vmb_ring_bytes_free(struct vmb_ring *ring)
{
	uint32_t r = 0;
	if (ring->corrupt || load_peer_index(ring, VMB_RING_OFF_READ_INDEX, &r) < 0)
		return 0;
	return free_bytes(ring->data_size, ring->priv_write_index, r);
}

/* ---- reader side ---- */

static int check_desc(struct vmb_ring *ring, const struct desc *d, uint32_t avail)
{
	switch (d->type) {
	case VMB_PKT_DATA_INBAND:
	case VMB_PKT_DATA_USING_XFER_PAGES:
	case VMB_PKT_DATA_USING_GPA_DIRECT:
	case VMB_PKT_COMP:
		break;
	default:
		return mark_corrupt(ring, "packet type 0x%x at %u is not 0x6/0x7/0x9/0xb", d->type,
			ring->priv_read_index);
	}
	if (d->flags & ~VMB_PKT_FLAG_COMPLETION_REQUESTED)
		return mark_corrupt(ring, "packet flags 0x%x at %u: only bit 0 is defined",
			d->flags, ring->priv_read_index);
	if (d->offset8 < 2 || d->len8 < d->offset8) {
		return mark_corrupt(ring,
			"packet at %u has offset8 %u, len8 %u (need 2 <= offset8 <= len8)",
			ring->priv_read_index, d->offset8, d->len8);
	}
	if ((uint32_t)d->len8 * 8 + VMB_RING_TRAILER_SIZE > avail) {
		return mark_corrupt(ring,
			"packet at %u of %u bytes plus trailer exceeds the %u available",
			ring->priv_read_index, d->len8 * 8u, avail);
	}
	return 0;
}

/* Transfer-page ranges (§3.2 type 0x7): an 8-byte header, then range_count 8-byte ranges. */
static bool xfer_pages_fit(struct wire *ext)
{
	wire_skip(ext, 4, false); // xfer_pageset_id, sender_owns_set, reserved
	uint64_t count = wire_get_u32(ext);
	return wire_error(ext) == 0 && count * 8 <= wire_remaining(ext);
}

/* GPA-direct ranges (§3.2 type 0x9): each {byte_count, byte_offset, pfn[pages spanned]}. */
static bool gpa_direct_fits(struct wire *ext)
{
	wire_skip(ext, 4, false); // reserved
	uint32_t count = wire_get_u32(ext);
	if (wire_error(ext) || count == 0)
		return false;
	/* Each range takes at least 8 bytes, so a huge count runs out of bytes quickly. */
	for (uint32_t i = 0; i < count && wire_error(ext) == 0; i++) {
		uint64_t byte_count = wire_get_u32(ext);
		uint64_t byte_offset = wire_get_u32(ext);
		uint64_t pages = (byte_offset + byte_count + PAGE_4K - 1) / PAGE_4K;
		if (pages * 8 > wire_remaining(ext))
			return false;
		wire_skip(ext, (size_t)pages * 8, false);
	}
	return wire_error(ext) == 0;
}

/* Checked on our copy, so the peer cannot change it afterwards. */
static int check_extension(struct vmb_ring *ring, const struct desc *d, const uint8_t *raw)
{
	struct wire ext =
		wire_reader(raw + VMB_RING_DESC_SIZE, d->offset8 * 8u - VMB_RING_DESC_SIZE);
	if (d->type == VMB_PKT_DATA_USING_XFER_PAGES && !xfer_pages_fit(&ext)) {
		return mark_corrupt(ring, "transfer-page ranges at %u overrun offset8 %u",
			ring->priv_read_index, d->offset8);
	}
	if (d->type == VMB_PKT_DATA_USING_GPA_DIRECT && !gpa_direct_fits(&ext)) {
		return mark_corrupt(ring, "GPA-direct ranges at %u empty or overrun offset8 %u",
			ring->priv_read_index, d->offset8);
	}
	return 0;
}

static struct desc parse_desc(const uint8_t raw[VMB_RING_DESC_SIZE])
{
	struct wire w = wire_reader(raw, VMB_RING_DESC_SIZE);
	struct desc d;
	d.type = wire_get_u16(&w);
	d.offset8 = wire_get_u16(&w);
	d.len8 = wire_get_u16(&w);
	d.flags = wire_get_u16(&w);
	d.trans_id = wire_get_u64(&w);
	return d;
}

static void consume(struct vmb_ring *ring, uint32_t bytes)
{
	ring->priv_read_index = advance(ring->data_size, ring->priv_read_index, bytes);
	ring->batch_bytes_read += bytes;
}

int vmb_ring_read(struct vmb_ring *ring, struct vmb_ring_in *pkt, void *buf, size_t cap)
{
	if (!ring || !pkt || (cap && !buf))
		return -EINVAL;
	if (ring->corrupt)
		return -EBADMSG;
	uint32_t w = 0, rd = ring->priv_read_index;
	int ret = load_peer_index(ring, VMB_RING_OFF_WRITE_INDEX, &w);
	if (ret < 0)
		return ret;
	uint32_t avail = ring->data_size - free_bytes(ring->data_size, w, rd);
	if (avail == 0)
		return 0;
	if (avail < VMB_RING_DESC_SIZE)
		return mark_corrupt(ring, "only %u bytes available at %u", avail, rd);

	uint8_t raw_desc[VMB_RING_DESC_SIZE];
	copy_out(ring, rd, raw_desc, sizeof(raw_desc));
	struct desc d = parse_desc(raw_desc);
	ret = check_desc(ring, &d, avail);
	if (ret < 0)
		return ret;
	uint32_t raw_len = d.len8 * 8u;
	*pkt = (struct vmb_ring_in){
		.type = d.type,
		.flags = d.flags,
		.trans_id = d.trans_id,
		.raw_len = raw_len,
		.payload_len = (d.len8 - d.offset8) * 8u,
	};
	if (raw_len > cap) {
		/* Skipped unread: the descriptor keeps the ring in step; the extension of a packet
		 * nobody looks at is not parsed, so not checked. */
		consume(ring, raw_len + VMB_RING_TRAILER_SIZE);
		return -EMSGSIZE;
	}
	/* The checked descriptor, not whatever the ring holds now, heads the copy. */
	memcpy(buf, raw_desc, sizeof(raw_desc));
	copy_out(ring, advance(ring->data_size, rd, VMB_RING_DESC_SIZE),
		(uint8_t *)buf + VMB_RING_DESC_SIZE, raw_len - VMB_RING_DESC_SIZE);
	ret = check_extension(ring, &d, buf);
	if (ret < 0)
		return ret;
	pkt->raw = buf;
	pkt->payload = (const uint8_t *)buf + d.offset8 * 8u;
	consume(ring, raw_len + VMB_RING_TRAILER_SIZE);
	return 1;
}

void vmb_ring_read_done(struct vmb_ring *ring, bool *need_signal)
{
	if (need_signal)
		*need_signal = false;
	if (!ring || ring->corrupt || ring->batch_bytes_read == 0)
		return;
	uint32_t batch = ring->batch_bytes_read;
	ring->batch_bytes_read = 0;
	/* Every read of the batch's packet bytes completes before the writer may reuse them. */
	full_barrier();
	ctl_store(ring, VMB_RING_OFF_READ_INDEX, ring->priv_read_index);
	if (!(ctl_load(ring, VMB_RING_OFF_FEATURE_BITS) & VMB_RING_FEAT_PENDING_SEND_SZ))
		return;
	full_barrier();
	/* Guests that store size - 1 still mean size (OpenVMM masks the low bits). */
	int64_t pending = ctl_load(ring, VMB_RING_OFF_PENDING_SEND_SZ) & ~7u;
	uint32_t w = 0;
	if (pending == 0 || load_peer_index(ring, VMB_RING_OFF_WRITE_INDEX, &w) < 0)
		return;
	/* OpenVMM's rule, with its free space that keeps the 8 bytes the ring may never fill. */
	int64_t new_free = (int64_t)free_bytes(ring->data_size, w, ring->priv_read_index) -
		VMB_RING_TRAILER_SIZE;
	int64_t old_free = new_free - batch;
	if (need_signal)
		*need_signal = old_free < pending && new_free >= pending;
}

uint32_t vmb_ring_bytes_available(struct vmb_ring *ring)
{
	uint32_t w = 0;
	if (ring->corrupt || load_peer_index(ring, VMB_RING_OFF_WRITE_INDEX, &w) < 0)
		return 0;
	return ring->data_size - free_bytes(ring->data_size, w, ring->priv_read_index);
}

void vmb_ring_mask(struct vmb_ring *ring)
{
	if (ring->corrupt)
		return;
	ctl_store(ring, VMB_RING_OFF_INTERRUPT_MASK, 1);
	full_barrier();
}

/* A corrupt ring reports "look again": the caller's next read then sees -EBADMSG. */
bool vmb_ring_unmask(struct vmb_ring *ring)
{
	if (ring->corrupt)
		return true;
	ctl_store(ring, VMB_RING_OFF_INTERRUPT_MASK, 0);
	full_barrier();
	uint32_t w = 0;
	if (load_peer_index(ring, VMB_RING_OFF_WRITE_INDEX, &w) < 0)
		return true;
	return w != ring->priv_read_index;
}
