/*
 * vmb_ring against a hostile peer (vmbus-ring.md §3.2, §4.3): every control word and descriptor
 * field out of range gives -EBADMSG, the ring stays corrupt even once the bytes are put back, and
 * nothing outside the ring is touched. The channel buffer is mapped as on a real channel (the
 * guest->host ring, then the host->guest ring) between PROT_NONE guard pages, and the ring not
 * under test is made PROT_NONE too, so an access outside the ring under test faults; the reader's
 * buffer is an exact-size allocation for ASan.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "macros.h"
#include "ring_helpers.h"
#include "test.h"
#include "vmb_ring.h"

#define RING_BYTES 8192u
#define DSIZE (RING_BYTES - VMB_RING_CONTROL_SIZE)
#define PAGE 4096u
#define READ_CAP 256u

/* Two packets are in the ring: A (in-band, 40-byte payload, 64 bytes with its trailer) at
 * start, and B (completion, 8-byte payload, 32 bytes) right after it. */
#define PKT_A 0u
#define PKT_B 64u
#define PACKETS_END 96u

struct ctx {
	uint8_t *mem; // the ring under test
	uint32_t start;
};

static uint8_t *channel; // guard, guest->host ring, host->guest ring, guard

static uint32_t wrap(const struct ctx *c, uint32_t rel)
{
	return (c->start + rel) % DSIZE;
}

static void poke16(const struct ctx *c, uint32_t rel, uint16_t v)
{
	uint8_t *data = c->mem + VMB_RING_CONTROL_SIZE;
	data[wrap(c, rel)] = (uint8_t)v;
	data[wrap(c, rel + 1)] = (uint8_t)(v >> 8);
}

static void poke32(const struct ctx *c, uint32_t rel, uint32_t v)
{
	poke16(c, rel, (uint16_t)v);
	poke16(c, rel + 2, (uint16_t)(v >> 16));
}

static void set_write_index(const struct ctx *c, uint32_t v)
{
	ctl_set(c->mem, VMB_RING_OFF_WRITE_INDEX, v);
}

struct corrupt_case {
	const char *what;
	const char *reason; // expected in vmb_ring_corrupt_reason()
	int good_reads;     // packets read fine before the bad one
	void (*mutate)(const struct ctx *c, uint32_t arg);
	uint32_t arg;
};

static void m_write_index(const struct ctx *c, uint32_t v)
{
	set_write_index(c, v);
}

static void m_write_index_rel(const struct ctx *c, uint32_t rel)
{
	set_write_index(c, wrap(c, rel));
}

static void m_type_a(const struct ctx *c, uint32_t v)
{
	poke16(c, PKT_A + 0, (uint16_t)v);
}

static void m_type_b(const struct ctx *c, uint32_t v)
{
	poke16(c, PKT_B + 0, (uint16_t)v);
}

static void m_offset8_a(const struct ctx *c, uint32_t v)
{
	poke16(c, PKT_A + 2, (uint16_t)v);
}

static void m_len8_a(const struct ctx *c, uint32_t v)
{
	poke16(c, PKT_A + 4, (uint16_t)v);
}

static void m_len8_b(const struct ctx *c, uint32_t v)
{
	poke16(c, PKT_B + 4, (uint16_t)v);
}

static void m_flags_a(const struct ctx *c, uint32_t v)
{
	poke16(c, PKT_A + 6, (uint16_t)v);
}

/* A as transfer pages (0x7) with offset8 3: room for the 8-byte header only. */
static void m_xfer_ranges(const struct ctx *c, uint32_t range_count)
{
	poke16(c, PKT_A + 0, VMB_PKT_DATA_USING_XFER_PAGES);
	poke16(c, PKT_A + 2, 3);
	poke32(c, PKT_A + 20, range_count);
}

static void m_xfer_no_header(const struct ctx *c, uint32_t unused)
{
	poke16(c, PKT_A + 0, VMB_PKT_DATA_USING_XFER_PAGES);
}

/* A as GPA direct (0x9) with offset8 7: 40 bytes of extension. */
static void m_gpa_ranges(const struct ctx *c, uint32_t range_count)
{
	poke16(c, PKT_A + 0, VMB_PKT_DATA_USING_GPA_DIRECT);
	poke16(c, PKT_A + 2, 7);
	poke32(c, PKT_A + 20, range_count);
	for (uint32_t off = 24; off < 56; off += 4)
		poke32(c, PKT_A + off, 0);
}

/* One range of 4096 bytes at page offset 1 spans two pages: 8 + 8 + 16 > 16 bytes. */
static void m_gpa_pfns_overrun(const struct ctx *c, uint32_t unused)
{
	m_gpa_ranges(c, 1);
	poke16(c, PKT_A + 2, 4);
	poke32(c, PKT_A + 24, 4096);
	poke32(c, PKT_A + 28, 1);
}

static void m_gpa_no_header(const struct ctx *c, uint32_t unused)
{
	poke16(c, PKT_A + 0, VMB_PKT_DATA_USING_GPA_DIRECT);
}

static const struct corrupt_case reader_cases[] = {
	{ "write_index == data size", "write_index", 0, m_write_index, DSIZE },
	{ "write_index past data size", "write_index", 0, m_write_index, DSIZE + 8 },
	{ "write_index huge", "write_index", 0, m_write_index, 0xfffffff8u },
	{ "write_index unaligned (4)", "write_index", 0, m_write_index, 4 },
	{ "write_index unaligned (101)", "write_index", 0, m_write_index, 101 },
	{ "8 bytes available", "bytes available", 0, m_write_index_rel, 8 },
	{ "16 bytes available", "exceeds", 0, m_write_index_rel, 16 },
	{ "A without its trailer", "exceeds", 0, m_write_index_rel, PKT_B - 8 },
	{ "type 0x0", "type", 0, m_type_a, VMB_PKT_INVALID },
	{ "type 0x1", "type", 0, m_type_a, VMB_PKT_SYNCH },
	{ "type 0x5", "type", 0, m_type_a, VMB_PKT_TEARDOWN_GPADL },
	{ "type 0x8", "type", 0, m_type_a, VMB_PKT_DATA_USING_GPADL },
	{ "type 0xa", "type", 0, m_type_a, VMB_PKT_CANCEL_REQUEST },
	{ "type 0xc", "type", 0, m_type_a, VMB_PKT_DATA_USING_ADDITIONAL_PKT },
	{ "type 0xd", "type", 0, m_type_a, VMB_PKT_ADDITIONAL_DATA },
	{ "type 0xffff", "type", 0, m_type_a, 0xffff },
	{ "flags 0x2", "flags", 0, m_flags_a, 0x2 },
	{ "flags 0x8000", "flags", 0, m_flags_a, 0x8000 },
	{ "flags 0xffff", "flags", 0, m_flags_a, 0xffff },
	{ "offset8 0", "offset8", 0, m_offset8_a, 0 },
	{ "offset8 1", "offset8", 0, m_offset8_a, 1 },
	{ "offset8 beyond len8", "offset8", 0, m_offset8_a, 8 },
	{ "offset8 0xffff", "offset8", 0, m_offset8_a, 0xffff },
	{ "len8 below offset8", "offset8", 0, m_len8_a, 1 },
	{ "len8 0", "offset8", 0, m_len8_a, 0 },
	{ "len8 covers B and its trailer", "exceeds", 0, m_len8_a, PACKETS_END / 8 },
	{ "len8 0xffff", "exceeds", 0, m_len8_a, 0xffff },
	{ "second packet type 0x0", "type", 1, m_type_b, 0 },
	{ "second packet len8 past the end", "exceeds", 1, m_len8_b, 4 },
	{ "transfer pages without header", "transfer-page", 0, m_xfer_no_header, 0 },
	{ "transfer page ranges overrun", "transfer-page", 0, m_xfer_ranges, 1 },
	{ "transfer page range count huge", "transfer-page", 0, m_xfer_ranges, 0xffffffffu },
	{ "GPA direct without header", "GPA-direct", 0, m_gpa_no_header, 0 },
	{ "GPA direct zero ranges", "GPA-direct", 0, m_gpa_ranges, 0 },
	{ "GPA direct range count huge", "GPA-direct", 0, m_gpa_ranges, 0xffffffffu },
	{ "GPA direct pfns overrun", "GPA-direct", 0, m_gpa_pfns_overrun, 0 },
};

/* Formats the ring under test with A and B at start, and makes the other ring inaccessible. */
static void prepare(struct ctx *c, int which, uint32_t start)
{
	uint8_t *rings = channel + PAGE;
	REQUIRE(mprotect(rings, 2 * RING_BYTES, PROT_READ | PROT_WRITE) == 0);
	c->mem = rings + (size_t)which * RING_BYTES;
	c->start = start;
	memset(c->mem, 0xee, RING_BYTES);
	REQUIRE(vmb_ring_format(c->mem, RING_BYTES) == 0);
	ctl_set(c->mem, VMB_RING_OFF_WRITE_INDEX, start);
	ctl_set(c->mem, VMB_RING_OFF_READ_INDEX, start);
	struct vmb_ring writer;
	REQUIRE(vmb_ring_attach(&writer, c->mem, RING_BYTES) == 0);
	uint8_t payload[40] = { 1, 2, 3 };
	bool sig;
	REQUIRE(ring_send(&writer, VMB_PKT_DATA_INBAND, 1, 5, payload, 40, &sig) == 1);
	REQUIRE(ring_send(&writer, VMB_PKT_COMP, 0, 5, payload, 8, &sig) == 1);
	REQUIRE(ctl_get(c->mem, VMB_RING_OFF_WRITE_INDEX) == wrap(c, PACKETS_END));
	REQUIRE(mprotect(channel + PAGE + (size_t)(1 - which) * RING_BYTES, RING_BYTES,
			PROT_NONE) == 0);
}

static void run_reader_case(int which, uint32_t start, const struct corrupt_case *cc, uint8_t *buf)
{
	struct ctx c;
	prepare(&c, which, start);
	static uint8_t pristine[RING_BYTES];
	memcpy(pristine, c.mem, RING_BYTES);
	struct vmb_ring reader;
	REQUIRE(vmb_ring_attach(&reader, c.mem, RING_BYTES) == 0);
	cc->mutate(&c, cc->arg);

	struct vmb_ring_in pkt;
	for (int i = 0; i < cc->good_reads; i++)
		CHECK_MSG(vmb_ring_read(&reader, &pkt, buf, READ_CAP) == 1, "%s: read %d", cc->what,
			i);
	int ret = vmb_ring_read(&reader, &pkt, buf, READ_CAP);
	CHECK_MSG(ret == -EBADMSG, "%s (start %u): read gave %d", cc->what, start, ret);
	const char *reason = vmb_ring_corrupt_reason(&reader);
	CHECK_MSG(reason && strstr(reason, cc->reason), "%s: reason \"%s\", expected \"%s\"",
		cc->what, reason ? reason : "(none)", cc->reason);

	/* Corrupt for good: even the original bytes are not trusted again. */
	memcpy(c.mem, pristine, RING_BYTES);
	CHECK_MSG(
		vmb_ring_read(&reader, &pkt, buf, READ_CAP) == -EBADMSG, "%s: recovered", cc->what);
	CHECK(vmb_ring_is_corrupt(&reader));
	CHECK_EQ_INT(vmb_ring_bytes_available(&reader), 0);
	CHECK(vmb_ring_unmask(&reader));
	bool sig = true;
	vmb_ring_read_done(&reader, &sig);
	CHECK(!sig);
	CHECK_MSG(ctl_get(c.mem, VMB_RING_OFF_READ_INDEX) == start, "%s: read_index published",
		cc->what);
}

static void run_reader_table(int which)
{
	uint8_t *buf = malloc(READ_CAP);
	REQUIRE(buf);
	/* At 0, and with A's descriptor split across the end of the data area. */
	static const uint32_t starts[] = { 0, DSIZE - 8, DSIZE - 40 };
	for (size_t s = 0; s < ARRAY_LEN(starts); s++) {
		for (size_t i = 0; i < ARRAY_LEN(reader_cases); i++)
			run_reader_case(which, starts[s], &reader_cases[i], buf);
	}
	free(buf);
}

static void test_ring_corrupt_host_reads_guest_ring(void)
{
	run_reader_table(0);
}

static void test_ring_corrupt_guest_reads_host_ring(void)
{
	run_reader_table(1);
}

/* The writer trusts the peer's read_index no more than the reader trusts write_index. */
static void run_writer_table(int which)
{
	static const uint32_t bad[] = { DSIZE, DSIZE + 8, 0xfffffff8u, 4, 97 };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct ctx c;
		prepare(&c, which, 0);
		struct vmb_ring writer;
		REQUIRE(vmb_ring_attach(&writer, c.mem, RING_BYTES) == 0);
		ctl_set(c.mem, VMB_RING_OFF_READ_INDEX, bad[i]);
		bool sig = true;
		CHECK_MSG(ring_send_len(&writer, 8, 1, &sig) == -EBADMSG, "read_index %u", bad[i]);
		CHECK(!sig);
		const char *reason = vmb_ring_corrupt_reason(&writer);
		CHECK(reason && strstr(reason, "read_index"));
		CHECK_EQ_INT(ctl_get(c.mem, VMB_RING_OFF_WRITE_INDEX), PACKETS_END);
		CHECK_EQ_INT(vmb_ring_bytes_free(&writer), 0);
		ctl_set(c.mem, VMB_RING_OFF_READ_INDEX, 0);
		CHECK_EQ_INT(ring_send_len(&writer, 8, 1, &sig), -EBADMSG);
		CHECK_EQ_INT(ctl_get(c.mem, VMB_RING_OFF_WRITE_INDEX), PACKETS_END);

		/* And a fresh attach refuses the same indexes. */
		ctl_set(c.mem, VMB_RING_OFF_READ_INDEX, bad[i]);
		CHECK_EQ_INT(vmb_ring_attach(&writer, c.mem, RING_BYTES), -EBADMSG);
		ctl_set(c.mem, VMB_RING_OFF_READ_INDEX, 0);
		ctl_set(c.mem, VMB_RING_OFF_WRITE_INDEX, bad[i]);
		CHECK_EQ_INT(vmb_ring_attach(&writer, c.mem, RING_BYTES), -EBADMSG);
		CHECK(vmb_ring_is_corrupt(&writer));
	}
}

static void test_ring_corrupt_host_writes_host_ring(void)
{
	run_writer_table(1);
}

static void test_ring_corrupt_guest_writes_guest_ring(void)
{
	run_writer_table(0);
}

/* The extension checks reject only what overruns: well-formed 0x7 and 0x9 packets pass. */
static void test_ring_extensions_accepted(void)
{
	uint8_t *buf = malloc(READ_CAP);
	REQUIRE(buf);
	struct ctx c;
	struct vmb_ring reader;
	struct vmb_ring_in pkt;

	prepare(&c, 0, DSIZE - 8);
	m_xfer_ranges(&c, 2);
	poke16(&c, PKT_A + 2, 5); /* 8-byte header and two ranges */
	REQUIRE(vmb_ring_attach(&reader, c.mem, RING_BYTES) == 0);
	CHECK_EQ_INT(vmb_ring_read(&reader, &pkt, buf, READ_CAP), 1);
	CHECK_EQ_INT(pkt.type, VMB_PKT_DATA_USING_XFER_PAGES);
	CHECK(pkt.payload == buf + 40);
	CHECK_EQ_INT(pkt.payload_len, 56 - 40);

	prepare(&c, 1, 0);
	m_gpa_ranges(&c, 1);
	poke16(&c, PKT_A + 2, 6); /* header, one range header, two pfns */
	poke32(&c, PKT_A + 24, 4096);
	poke32(&c, PKT_A + 28, 100);
	REQUIRE(vmb_ring_attach(&reader, c.mem, RING_BYTES) == 0);
	CHECK_EQ_INT(vmb_ring_read(&reader, &pkt, buf, READ_CAP), 1);
	CHECK_EQ_INT(pkt.type, VMB_PKT_DATA_USING_GPA_DIRECT);
	CHECK_EQ_INT(pkt.payload_len, 8);
	CHECK_EQ_INT(vmb_ring_read(&reader, &pkt, buf, READ_CAP), 1);
	CHECK_EQ_INT(pkt.type, VMB_PKT_COMP);
	CHECK_EQ_INT(vmb_ring_read(&reader, &pkt, buf, READ_CAP), 0);
	free(buf);
}

/* The peer rewrites the descriptor after it was checked: the copy keeps the checked one. */
static void test_ring_copy_is_the_checked_packet(void)
{
	uint8_t *buf = malloc(READ_CAP);
	REQUIRE(buf);
	struct ctx c;
	prepare(&c, 0, 0);
	struct vmb_ring reader;
	REQUIRE(vmb_ring_attach(&reader, c.mem, RING_BYTES) == 0);
	struct vmb_ring_in pkt;
	REQUIRE(vmb_ring_read(&reader, &pkt, buf, READ_CAP) == 1);
	m_len8_a(&c, 0xffff);
	m_type_a(&c, 0);
	CHECK_EQ_INT(le32_at(pkt.raw), 0x00020006); /* type 6, offset8 2 */
	CHECK_EQ_INT(le32_at(pkt.raw + 4) & 0xffff, 7);
	CHECK_EQ_INT(pkt.raw_len, 56);
	CHECK_EQ_INT(vmb_ring_read(&reader, &pkt, buf, READ_CAP), 1);
	CHECK_EQ_INT(pkt.type, VMB_PKT_COMP);
	free(buf);
}

static const struct test_case cases[] = {
	TEST_CASE(test_ring_corrupt_host_reads_guest_ring),
	TEST_CASE(test_ring_corrupt_guest_reads_host_ring),
	TEST_CASE(test_ring_corrupt_host_writes_host_ring),
	TEST_CASE(test_ring_corrupt_guest_writes_guest_ring),
	TEST_CASE(test_ring_extensions_accepted),
	TEST_CASE(test_ring_copy_is_the_checked_packet),
};

int main(int argc, char **argv)
{
	/* guard, guest->host ring, host->guest ring, guard */
	size_t len = PAGE + 2 * RING_BYTES + PAGE;
	void *map = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	channel = map;
	int ret = test_main(argc, argv, cases, ARRAY_LEN(cases));
	munmap(map, len);
	return ret;
}
