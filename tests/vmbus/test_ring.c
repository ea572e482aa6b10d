/*
 * vmb_ring: the bytes it puts in the ring (vmbus-ring.md §2-3), the never-full rule, and when it
 * tells its caller to signal (§4.1, §4.2). A writer and a reader attach to the same memory, as
 * the two sides of a channel do.
 */
#include "macros.h"
#include "ring_helpers.h"
#include "test.h"
#include "vmb_ring.h"

struct fixture {
	uint8_t *mem;
	size_t bytes;
	uint32_t dsize;
	struct vmb_ring writer, reader;
	uint8_t buf[1 << 16];
};

static struct fixture fx;

/* A formatted ring of ring_bytes; both indexes start at start_index. */
static void setup_at(size_t ring_bytes, uint32_t start_index)
{
	free(fx.mem);
	fx.mem = aligned_alloc(4096, ring_bytes);
	REQUIRE(fx.mem);
	memset(fx.mem, 0xa5, ring_bytes); /* the data area is not cleared: nothing may rely on it */
	fx.bytes = ring_bytes;
	fx.dsize = (uint32_t)(ring_bytes - VMB_RING_CONTROL_SIZE);
	REQUIRE(vmb_ring_format(fx.mem, ring_bytes) == 0);
	ctl_set(fx.mem, VMB_RING_OFF_WRITE_INDEX, start_index);
	ctl_set(fx.mem, VMB_RING_OFF_READ_INDEX, start_index);
	REQUIRE(vmb_ring_attach(&fx.writer, fx.mem, ring_bytes) == 0);
	REQUIRE(vmb_ring_attach(&fx.reader, fx.mem, ring_bytes) == 0);
}

static void setup(size_t ring_bytes)
{
	setup_at(ring_bytes, 0);
}

static uint8_t *data_at(uint32_t off)
{
	return fx.mem + VMB_RING_CONTROL_SIZE + off;
}

static int read_one(struct vmb_ring_in *pkt)
{
	return vmb_ring_read(&fx.reader, pkt, fx.buf, sizeof(fx.buf));
}

/* Reads one packet and publishes; returns whether the writer must be signalled. */
static bool read_and_done(void)
{
	struct vmb_ring_in pkt;
	bool sig = true;
	CHECK_EQ_INT(read_one(&pkt), 1);
	vmb_ring_read_done(&fx.reader, &sig);
	return sig;
}

static void test_ring_format_layout(void)
{
	setup(8192);
	static uint8_t expect[VMB_RING_CONTROL_SIZE];
	expect[VMB_RING_OFF_FEATURE_BITS] = 1;
	CHECK_MEM(fx.mem, expect, sizeof(expect));
	CHECK_EQ_INT(vmb_ring_max_payload(&fx.writer), 4096 - 40);
	CHECK_EQ_INT(vmb_ring_packet_total(0), 24);
	CHECK_EQ_INT(vmb_ring_packet_total(1), 32);
	CHECK_EQ_INT(vmb_ring_packet_total(8), 32);
	CHECK_EQ_INT(vmb_ring_bytes_free(&fx.writer), 4096);
	CHECK_EQ_INT(vmb_ring_bytes_available(&fx.reader), 0);

	CHECK_EQ_INT(vmb_ring_format(fx.mem, 4096), -EINVAL);
	CHECK_EQ_INT(vmb_ring_format(fx.mem, 8192 + 100), -EINVAL);
	CHECK_EQ_INT(vmb_ring_format(fx.mem + 4, 8192), -EINVAL);
	CHECK_EQ_INT(vmb_ring_format(NULL, 8192), -EINVAL);
	struct vmb_ring r;
	CHECK_EQ_INT(vmb_ring_attach(&r, fx.mem, 4096), -EINVAL);
	CHECK(vmb_ring_is_corrupt(&r));
	bool sig;
	CHECK_EQ_INT(ring_send_len(&r, 8, 1, &sig), -EBADMSG);
}

static void test_ring_golden_inband_and_completion(void)
{
	setup(8192);
	bool sig;
	CHECK_EQ_INT(ring_send(&fx.writer, VMB_PKT_DATA_INBAND, VMB_PKT_FLAG_COMPLETION_REQUESTED,
			     0x1122334455667788ull, "hello", 5, &sig),
		1);
	CHECK_EQ_INT(ring_send(&fx.writer, VMB_PKT_COMP, 0, 0x42, "ABCDEFGH", 8, &sig), 1);
	static const uint8_t expect[] = {
		/* in-band: type 6, offset8 2, len8 3, flags 1, trans_id */
		0x06, 0x00, 0x02, 0x00, 0x03, 0x00, 0x01, 0x00, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33,
		0x22, 0x11, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, /* payload, zero padding */
		0, 0, 0, 0, 0, 0, 0, 0,                       /* trailer: started at 0 */
		/* completion: type 0xb, offset8 2, len8 3, flags 0, trans_id 0x42 */
		0x0b, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x42, 0, 0, 0, 0, 0, 0, 0, 'A', 'B',
		'C', 'D', 'E', 'F', 'G', 'H', /* payload */
		0, 0, 0, 0, 0x20, 0, 0, 0, /* trailer: u64 with 32 (its start) in the upper half */
	};
	CHECK_MEM(data_at(0), expect, sizeof(expect));
	static const uint8_t write_index[] = { 0x40, 0, 0, 0 };
	CHECK_MEM(fx.mem + VMB_RING_OFF_WRITE_INDEX, write_index, 4);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_READ_INDEX), 0);

	struct vmb_ring_in pkt;
	REQUIRE(read_one(&pkt) == 1);
	CHECK_EQ_INT(pkt.type, VMB_PKT_DATA_INBAND);
	CHECK_EQ_INT(pkt.flags, VMB_PKT_FLAG_COMPLETION_REQUESTED);
	CHECK(pkt.trans_id == 0x1122334455667788ull);
	CHECK_EQ_INT(pkt.raw_len, 24);
	CHECK_MEM(pkt.raw, expect, 24);
	CHECK_EQ_INT(pkt.payload_len, 8);
	CHECK_MEM(pkt.payload, "hello\0\0\0", 8);
	REQUIRE(read_one(&pkt) == 1);
	CHECK_EQ_INT(pkt.type, VMB_PKT_COMP);
	CHECK_EQ_INT(pkt.flags, 0);
	CHECK(pkt.trans_id == 0x42);
	CHECK_MEM(pkt.payload, "ABCDEFGH", 8);
	CHECK_EQ_INT(read_one(&pkt), 0);
	/* Consumed but not yet published: the writer still sees the space taken. */
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_READ_INDEX), 0);
	vmb_ring_read_done(&fx.reader, &sig);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_READ_INDEX), 64);
	CHECK(!sig);
}

static void test_ring_gather_list(void)
{
	setup(8192);
	struct vmb_iov iov[] = { { "ab", 2 }, { NULL, 0 }, { "cdefghijk", 9 } };
	struct vmb_ring_out out = { VMB_PKT_DATA_INBAND, 0, 9, iov, ARRAY_LEN(iov) };
	bool sig;
	CHECK_EQ_INT(vmb_ring_write(&fx.writer, &out, 1, &sig), 1);
	CHECK_MEM(data_at(16), "abcdefghijk\0\0\0\0\0", 16);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_WRITE_INDEX), 16 + 16 + 8);

	struct vmb_ring_out bad = out;
	bad.type = VMB_PKT_DATA_USING_GPA_DIRECT;
	CHECK_EQ_INT(vmb_ring_write(&fx.writer, &bad, 1, &sig), -EINVAL);
	bad = out;
	bad.flags = 2;
	CHECK_EQ_INT(vmb_ring_write(&fx.writer, &bad, 1, &sig), -EINVAL);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_WRITE_INDEX), 40);
}

/* A packet crossing the end of the data area continues at 0, split anywhere 8-aligned. */
static void check_wrap(uint32_t start)
{
	setup_at(8192, start);
	uint8_t payload[40];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i + 1);
	bool sig;
	CHECK_EQ_INT(ring_send(&fx.writer, VMB_PKT_DATA_INBAND, 0, 7, payload, 40, &sig), 1);
	CHECK(sig);

	/* What the ring holds, unrolled from start: descriptor, payload, trailer. */
	uint8_t expect[64] = { 0x06, 0, 0x02, 0, 0x07, 0, 0, 0, 7 };
	memcpy(expect + 16, payload, sizeof(payload));
	put_le32(expect + 60, start);
	uint32_t first = fx.dsize - start;
	CHECK_MEM(data_at(start), expect, first);
	CHECK_MEM(data_at(0), expect + first, sizeof(expect) - first);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_WRITE_INDEX), 64 - first);

	struct vmb_ring_in pkt;
	REQUIRE(read_one(&pkt) == 1);
	CHECK(pkt.trans_id == 7);
	CHECK_EQ_INT(pkt.payload_len, 40);
	CHECK_MEM(pkt.payload, payload, 40);
	CHECK_MEM(pkt.raw, expect, 56);
	CHECK_EQ_INT(read_one(&pkt), 0);
}

static void test_ring_wraparound_split(void)
{
	check_wrap(4096 - 24); /* descriptor and 8 payload bytes before the end */
	check_wrap(4096 - 8);  /* the descriptor itself split */
	check_wrap(4096 - 56); /* only the trailer after the wrap */
}

/* free == total must be refused: writing it would make write_index == read_index (empty). */
static void test_ring_never_full_boundary(void)
{
	setup(8192);
	bool sig;
	CHECK_EQ_INT(ring_send_len(&fx.writer, 2048 - 24, 1, &sig), 1);
	CHECK_EQ_INT(vmb_ring_bytes_free(&fx.writer), 2048);
	CHECK_EQ_INT(ring_send_len(&fx.writer, 2048 - 24, 2, &sig), 0);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_PENDING_SEND_SZ), 2048);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_WRITE_INDEX), 2048);
	CHECK(!sig);

	CHECK_EQ_INT(ring_send_len(&fx.writer, 2040 - 24, 3, &sig), 1);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_PENDING_SEND_SZ), 0);
	CHECK_EQ_INT(vmb_ring_bytes_free(&fx.writer), 8);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_WRITE_INDEX), 4088);
	CHECK_EQ_INT(vmb_ring_bytes_available(&fx.reader), 4088);
	CHECK_EQ_INT(ring_send_len(&fx.writer, 0, 4, &sig), 0);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_PENDING_SEND_SZ), 24);

	struct vmb_ring_in pkt;
	REQUIRE(read_one(&pkt) == 1);
	CHECK(pkt.trans_id == 1);
	REQUIRE(read_one(&pkt) == 1);
	CHECK(pkt.trans_id == 3);
	CHECK_EQ_INT(read_one(&pkt), 0);
}

static void test_ring_oversize_emsgsize(void)
{
	setup(8192);
	bool sig;
	size_t max = vmb_ring_max_payload(&fx.writer);
	CHECK_EQ_INT(ring_send_len(&fx.writer, max + 1, 1, &sig), -EMSGSIZE);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_PENDING_SEND_SZ), 0);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_WRITE_INDEX), 0);
	/* The largest total is dsize - 16, and it fits an empty ring. */
	CHECK_EQ_INT(vmb_ring_packet_total(max), fx.dsize - 16);
	CHECK_EQ_INT(ring_send_len(&fx.writer, max, 2, &sig), 1);
	CHECK_EQ_INT(vmb_ring_bytes_free(&fx.writer), 16);

	/* In a batch, the packets before an oversized one go; the next call reports it. */
	setup(8192);
	struct vmb_iov small = { "x", 1 }, huge = { fx.buf, max + 1 };
	struct vmb_ring_out out[] = {
		{ VMB_PKT_DATA_INBAND, 0, 1, &small, 1 },
		{ VMB_PKT_DATA_INBAND, 0, 2, &huge, 1 },
	};
	CHECK_EQ_INT(vmb_ring_write(&fx.writer, out, 2, &sig), 1);
	CHECK(sig);
	CHECK_EQ_INT(vmb_ring_write(&fx.writer, out + 1, 1, &sig), -EMSGSIZE);
	CHECK(!sig);

	/* len8 is 16 bits: a big ring still caps a packet at 65535 * 8 bytes. */
	setup(1024 * 1024 + 4096);
	max = vmb_ring_max_payload(&fx.writer);
	CHECK_EQ_INT(max, 65535 * 8 - 16);
	uint8_t *big = calloc(1, max + 1);
	REQUIRE(big);
	CHECK_EQ_INT(
		ring_send(&fx.writer, VMB_PKT_DATA_INBAND, 0, 1, big, max + 1, &sig), -EMSGSIZE);
	CHECK_EQ_INT(ring_send(&fx.writer, VMB_PKT_DATA_INBAND, 0, 1, big, max, &sig), 1);
	CHECK_EQ_INT(le32_at(data_at(4)) & 0xffff, 0xffff); /* len8 */
	free(big);
}

static void test_ring_batch_one_signal(void)
{
	setup(8192);
	struct vmb_iov iov[5] = { { "a", 1 }, { "bb", 2 }, { "ccc", 3 }, { "", 0 }, { "e", 1 } };
	struct vmb_ring_out out[5];
	for (size_t i = 0; i < 5; i++)
		out[i] = (struct vmb_ring_out){ VMB_PKT_DATA_INBAND, 0, i, &iov[i], 1 };
	bool sig = false;
	CHECK_EQ_INT(vmb_ring_write(&fx.writer, out, 5, &sig), 5);
	CHECK(sig);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_WRITE_INDEX), 4 * 32 + 24);
	CHECK_EQ_INT(vmb_ring_write(&fx.writer, out, 3, &sig), 3);
	CHECK(!sig); /* not empty before: the reader was told already */

	struct vmb_ring_in pkt;
	for (uint64_t i = 0; i < 8; i++) {
		REQUIRE(read_one(&pkt) == 1);
		CHECK(pkt.trans_id == i % 5);
	}
	CHECK_EQ_INT(read_one(&pkt), 0);
	/* Read but not published: to the writer the ring is not empty, the reader is awake. */
	CHECK_EQ_INT(vmb_ring_write(&fx.writer, out, 1, &sig), 1);
	CHECK(!sig);
	CHECK_EQ_INT(read_one(&pkt), 1);
	vmb_ring_read_done(&fx.reader, &sig);
	CHECK_EQ_INT(vmb_ring_write(&fx.writer, out, 2, &sig), 2);
	CHECK(sig);
}

static void test_ring_signal_only_when_unmasked(void)
{
	setup(8192);
	bool sig = true;
	vmb_ring_mask(&fx.reader);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_INTERRUPT_MASK), 1);
	CHECK_EQ_INT(ring_send_len(&fx.writer, 10, 1, &sig), 1);
	CHECK(!sig);
	/* Unmasking finds the packet that came while masked: drain instead of sleeping. */
	CHECK(vmb_ring_unmask(&fx.reader));
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_INTERRUPT_MASK), 0);
	CHECK(!read_and_done());
	CHECK(!vmb_ring_unmask(&fx.reader));
	CHECK_EQ_INT(ring_send_len(&fx.writer, 10, 2, &sig), 1);
	CHECK(sig);
	CHECK(!read_and_done());

	/* Any non-zero mask counts as masked. */
	ctl_set(fx.mem, VMB_RING_OFF_INTERRUPT_MASK, 0x55);
	CHECK_EQ_INT(ring_send_len(&fx.writer, 10, 3, &sig), 1);
	CHECK(!sig);
}

/* The writer never stores the reader's words, the reader never the writer's (§1.2, §8). */
static void test_ring_fields_owned(void)
{
	setup(8192);
	ctl_set(fx.mem, VMB_RING_OFF_INTERRUPT_MASK, 0x77);
	static uint8_t before[VMB_RING_CONTROL_SIZE];
	memcpy(before, fx.mem, sizeof(before));
	bool sig;
	for (int i = 0; i < 200; i++)
		ring_send_len(&fx.writer, 300, 1, &sig); /* fills up, sets pending_send_sz */
	CHECK(ctl_get(fx.mem, VMB_RING_OFF_PENDING_SEND_SZ) != 0);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_INTERRUPT_MASK), 0x77);
	CHECK_MEM(fx.mem + VMB_RING_OFF_READ_INDEX, before + VMB_RING_OFF_READ_INDEX, 4);
	CHECK_MEM(fx.mem + 16, before + 16, sizeof(before) - 16);

	memcpy(before, fx.mem, sizeof(before));
	struct vmb_ring_in pkt;
	while (read_one(&pkt) == 1)
		;
	vmb_ring_read_done(&fx.reader, &sig);
	CHECK(sig);
	CHECK_MEM(fx.mem + VMB_RING_OFF_WRITE_INDEX, before + VMB_RING_OFF_WRITE_INDEX, 4);
	CHECK_MEM(fx.mem + VMB_RING_OFF_PENDING_SEND_SZ, before + VMB_RING_OFF_PENDING_SEND_SZ, 4);
	CHECK_MEM(fx.mem + 16, before + 16, sizeof(before) - 16);
}

/* Seven 512-byte packets (3584 of 4096 bytes), then a 1536-byte one that waits. */
static void fill_then_block(void)
{
	bool sig;
	for (uint64_t i = 0; i < 7; i++)
		CHECK_EQ_INT(ring_send_len(&fx.writer, 512 - 24, i, &sig), 1);
	CHECK_EQ_INT(ring_send_len(&fx.writer, 1536 - 24, 99, &sig), 0);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_PENDING_SEND_SZ), 1536);
}

static void test_ring_pending_send_sz(void)
{
	setup(8192);
	fill_then_block();
	/* free - 8 goes 504 -> 1016 -> 1528 -> 2040: only the step across 1536 signals. */
	CHECK(!read_and_done());
	CHECK(!read_and_done());
	CHECK(read_and_done());
	CHECK(!read_and_done());
	bool sig;
	CHECK_EQ_INT(ring_send_len(&fx.writer, 1536 - 24, 99, &sig), 1);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_PENDING_SEND_SZ), 0);
	CHECK(!read_and_done()); /* the writer no longer waits */

	/* A batch of reads publishes once and signals once. */
	setup(8192);
	fill_then_block();
	struct vmb_ring_in pkt;
	for (int i = 0; i < 4; i++)
		CHECK_EQ_INT(read_one(&pkt), 1);
	vmb_ring_read_done(&fx.reader, &sig);
	CHECK(sig);
	vmb_ring_read_done(&fx.reader, &sig);
	CHECK(!sig);
}

static void test_ring_pending_send_sz_low_bits_and_feature(void)
{
	/* A writer that stores size - 1 (1535) means 1528 once the low bits go (OpenVMM). */
	setup(8192);
	fill_then_block();
	ctl_set(fx.mem, VMB_RING_OFF_PENDING_SEND_SZ, 1535);
	CHECK(!read_and_done());
	CHECK(read_and_done());

	/* Without the feature bit the writer polls: the reader never signals space. */
	setup(8192);
	ctl_set(fx.mem, VMB_RING_OFF_FEATURE_BITS, 0);
	fill_then_block();
	for (int i = 0; i < 7; i++)
		CHECK(!read_and_done());
}

static void test_ring_read_buffer_too_small(void)
{
	setup(8192);
	bool sig;
	CHECK_EQ_INT(ring_send_len(&fx.writer, 100, 1, &sig), 1);
	CHECK_EQ_INT(ring_send(&fx.writer, VMB_PKT_DATA_INBAND, 0, 2, "next", 4, &sig), 1);
	struct vmb_ring_in pkt;
	uint8_t small[64];
	CHECK_EQ_INT(vmb_ring_read(&fx.reader, &pkt, small, sizeof(small)), -EMSGSIZE);
	CHECK_EQ_INT(pkt.raw_len, 120);
	CHECK(pkt.trans_id == 1);
	CHECK(!vmb_ring_is_corrupt(&fx.reader));
	REQUIRE(vmb_ring_read(&fx.reader, &pkt, small, sizeof(small)) == 1);
	CHECK(pkt.trans_id == 2);
	CHECK_MEM(pkt.payload, "next", 4);
	vmb_ring_read_done(&fx.reader, &sig);
	CHECK_EQ_INT(ctl_get(fx.mem, VMB_RING_OFF_READ_INDEX), 128 + 32);

	/* Exact-size buffers (ASan sees any byte past them): 8 short is too small, exact fits. */
	CHECK_EQ_INT(ring_send_len(&fx.writer, 100, 3, &sig), 1);
	CHECK_EQ_INT(ring_send_len(&fx.writer, 100, 4, &sig), 1);
	uint8_t *short_buf = malloc(120 - 8), *exact = malloc(120);
	REQUIRE(short_buf && exact);
	CHECK_EQ_INT(vmb_ring_read(&fx.reader, &pkt, short_buf, 120 - 8), -EMSGSIZE);
	CHECK_EQ_INT(vmb_ring_read(&fx.reader, &pkt, exact, 120), 1);
	CHECK(pkt.trans_id == 4 && pkt.raw == exact && pkt.payload_len == 104);
	free(short_buf);
	free(exact);
}

static const struct test_case cases[] = {
	TEST_CASE(test_ring_format_layout),
	TEST_CASE(test_ring_golden_inband_and_completion),
	TEST_CASE(test_ring_gather_list),
	TEST_CASE(test_ring_wraparound_split),
	TEST_CASE(test_ring_never_full_boundary),
	TEST_CASE(test_ring_oversize_emsgsize),
	TEST_CASE(test_ring_batch_one_signal),
	TEST_CASE(test_ring_signal_only_when_unmasked),
	TEST_CASE(test_ring_fields_owned),
	TEST_CASE(test_ring_pending_send_sz),
	TEST_CASE(test_ring_pending_send_sz_low_bits_and_feature),
	TEST_CASE(test_ring_read_buffer_too_small),
};

int main(int argc, char **argv)
{
	int ret = test_main(argc, argv, cases, ARRAY_LEN(cases));
	free(fx.mem);
	return ret;
}
