/*
 * The ring as a hostile peer leaves it (vmbus-ring.md §2-4): the input is a small ring's control
 * words and data area. The reader attaches and reads until the ring is empty or corrupt; then a
 * writer appends to the same ring. Nothing may crash, read or write outside the ring or the
 * exact-size read buffer, or loop; every packet handed out must lie inside that buffer.
 *
 * Input: u32 write_index, read_index, interrupt_mask, pending_send_sz, feature_bits (LE);
 * u8 cap (read buffer = cap * 32 bytes); u8 payload length for the writer / 8; 2 bytes unused;
 * then the data area (4096 bytes; missing bytes are zero).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmb_ring.h"

#define RING_BYTES 8192u
#define DSIZE (RING_BYTES - VMB_RING_CONTROL_SIZE)
#define HEADER 24u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_packet(const struct vmb_ring_in *pkt, const uint8_t *buf, size_t cap)
{
	if (pkt->raw != buf || pkt->raw_len > cap || pkt->raw_len < VMB_RING_DESC_SIZE ||
		pkt->raw_len % 8 != 0 || pkt->payload < buf + VMB_RING_DESC_SIZE ||
		pkt->payload + pkt->payload_len != buf + pkt->raw_len)
		abort();
	/* The caller's copy starts with the descriptor that was checked. */
	if ((uint32_t)(buf[4] | buf[5] << 8) * 8 != pkt->raw_len)
		abort();
}

static void read_all(struct vmb_ring *ring, uint8_t *buf, size_t cap)
{
	/* Each packet takes at least 24 bytes, so a sound reader stops well within this. */
	for (unsigned i = 0; i <= DSIZE / 24 + 1; i++) {
		struct vmb_ring_in pkt;
		int ret = vmb_ring_read(ring, &pkt, buf, cap);
		if (ret == 1)
			check_packet(&pkt, buf, cap);
		else if (ret == -EMSGSIZE && pkt.raw_len <= cap)
			abort();
		if (ret == 0 || ret == -EBADMSG) {
			if (ret == -EBADMSG &&
				(!vmb_ring_is_corrupt(ring) || !vmb_ring_corrupt_reason(ring) ||
					vmb_ring_read(ring, &pkt, buf, cap) != -EBADMSG))
				abort();
			bool sig;
			vmb_ring_read_done(ring, &sig);
			vmb_ring_unmask(ring);
			(void)vmb_ring_bytes_available(ring);
			return;
		}
		if (ret != 1 && ret != -EMSGSIZE)
			abort();
	}
	abort(); /* looped */
}

static void write_some(uint8_t *mem, size_t payload_len)
{
	struct vmb_ring writer;
	if (vmb_ring_attach(&writer, mem, RING_BYTES) < 0)
		return;
	static const uint8_t payload[256 * 8];
	struct vmb_iov iov = { payload, payload_len };
	struct vmb_ring_out out[2] = {
		{ VMB_PKT_DATA_INBAND, 0, 1, &iov, 1 },
		{ VMB_PKT_COMP, 0, 2, &iov, 1 },
	};
	bool sig;
	(void)vmb_ring_write(&writer, out, 2, &sig);
	(void)vmb_ring_bytes_free(&writer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER)
		return 0;
	uint8_t *mem = aligned_alloc(4096, RING_BYTES);
	if (!mem)
		return 0;
	memset(mem, 0, RING_BYTES);
	static const uint32_t offsets[] = { VMB_RING_OFF_WRITE_INDEX, VMB_RING_OFF_READ_INDEX,
		VMB_RING_OFF_INTERRUPT_MASK, VMB_RING_OFF_PENDING_SEND_SZ,
		VMB_RING_OFF_FEATURE_BITS };
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++)
		memcpy(mem + offsets[i], data + 4 * i, 4); /* little-endian, as on the wire */
	size_t cap = (size_t)data[20] * 32;
	size_t payload_len = (size_t)data[21] * 8;
	size_t n = size - HEADER < DSIZE ? size - HEADER : DSIZE;
	memcpy(mem + VMB_RING_CONTROL_SIZE, data + HEADER, n);

	struct vmb_ring reader;
	if (vmb_ring_attach(&reader, mem, RING_BYTES) == 0) {
		uint8_t *buf = cap ? malloc(cap) : NULL;
		if (!cap || buf)
			read_all(&reader, buf, cap);
		free(buf);
	}
	write_some(mem, payload_len);
	free(mem);
	return 0;
}
