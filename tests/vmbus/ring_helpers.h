/*
 * Shared by the ring tests: a ring in heap memory with a writer and a reader attached, and
 * plain little-endian access to the control page as the peer (or a test) sees it.
 */
#ifndef HVD_TESTS_VMBUS_RING_HELPERS_H
#define HVD_TESTS_VMBUS_RING_HELPERS_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vmb_ring.h"

static inline uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t ctl_get(const uint8_t *ring_mem, uint32_t off)
{
	return le32_at(ring_mem + off);
}

static inline void ctl_set(uint8_t *ring_mem, uint32_t off, uint32_t v)
{
	put_le32(ring_mem + off, v);
}

/* Sends one packet with a single iov; returns vmb_ring_write()'s result. */
static inline int ring_send(struct vmb_ring *ring, uint16_t type, uint16_t flags, uint64_t trans_id,
	const void *payload, size_t len, bool *need_signal)
{
	struct vmb_iov iov = { payload, len };
	struct vmb_ring_out out = { type, flags, trans_id, &iov, 1 };
	return vmb_ring_write(ring, &out, 1, need_signal);
}

/* Sends an in-band packet of len bytes of filler. */
static inline int ring_send_len(
	struct vmb_ring *ring, size_t len, uint64_t trans_id, bool *need_signal)
{
	static uint8_t filler[1 << 16];
	if (len > sizeof(filler))
		return -EINVAL;
	return ring_send(ring, VMB_PKT_DATA_INBAND, 0, trans_id, filler, len, need_signal);
}

#endif
