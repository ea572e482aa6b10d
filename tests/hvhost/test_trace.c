/* The pcap writer (hvh_trace.c, vmbus-emu.md §7): exact bytes of the header and each record kind. */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hvh_trace.h"
#include "macros.h"
#include "test.h"

/* 2009-02-13 23:31:30.123456 UTC */
static int64_t fixed_clock(void *data)
{
	return 1234567890123456;
}

/* A trace over a memfd; *read_fd is another descriptor of it for reading back. */
static struct hvh_trace *open_trace(int *read_fd)
{
	int fd = memfd_create("trace", MFD_CLOEXEC);
	REQUIRE(fd >= 0);
	*read_fd = dup(fd);
	REQUIRE(*read_fd >= 0);
	struct hvh_trace *trace = NULL;
	REQUIRE(hvh_trace_create(&trace, fd, fixed_clock, NULL) == 0);
	return trace;
}

static size_t file_bytes(int fd, uint8_t *buf, size_t cap)
{
	ssize_t n = pread(fd, buf, cap, 0);
	REQUIRE(n >= 0);
	return (size_t)n;
}

static const uint8_t file_header[24] = {
	0xd4, 0xc3, 0xb2, 0xa1, // magic 0xa1b2c3d4, little-endian
	0x02, 0x00, 0x04, 0x00, // version 2.4
	0x00, 0x00, 0x00, 0x00, // thiszone
	0x00, 0x00, 0x00, 0x00, // sigfigs
	0x00, 0x00, 0x04, 0x00, // snaplen 262144
	0x93, 0x00, 0x00, 0x00, // link type 147
};

static void test_file_header_bytes(void)
{
	int rfd;
	struct hvh_trace *trace = open_trace(&rfd);
	uint8_t buf[64];
	size_t n = file_bytes(rfd, buf, sizeof(buf));
	CHECK_EQ_INT(n, sizeof(file_header));
	CHECK_MEM(buf, file_header, sizeof(file_header));
	hvh_trace_destroy(trace);
	close(rfd);
}

static void test_packet_records_bytes(void)
{
	int rfd;
	struct hvh_trace *trace = open_trace(&rfd);
	/* An in-band packet as a ring holds it: descriptor (type 6, offset8 2, len8 3, flags 0,
	 * trans_id 7) and 8 bytes of payload. */
	static const uint8_t raw[24] = { 0x06, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x07, 0, 0,
		0, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o', 0, 0, 0 };
	CHECK_EQ_INT(
		hvh_trace_packet(trace, 0x11223344, HVH_TRACE_GUEST_TO_HOST, raw, sizeof(raw)), 0);
	CHECK_EQ_INT(hvh_trace_packet(trace, 5, HVH_TRACE_HOST_TO_GUEST, raw, sizeof(raw)), 0);
	CHECK_EQ_INT(
		hvh_trace_packet(trace, 5, HVH_TRACE_CHANNEL_OPENED, raw, sizeof(raw)), -EINVAL);

	static const uint8_t record_header[16] = {
		0xd2, 0x02, 0x96, 0x49, // ts_sec 1234567890
		0x40, 0xe2, 0x01, 0x00, // ts_usec 123456
		0x20, 0x00, 0x00, 0x00, // incl_len 8 + 24
		0x20, 0x00, 0x00, 0x00, // orig_len
	};
	static const uint8_t pseudo0[8] = { 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0 };
	static const uint8_t pseudo1[8] = { 0x05, 0, 0, 0, 1, 0, 0, 0 };
	uint8_t buf[256];
	size_t n = file_bytes(rfd, buf, sizeof(buf));
	REQUIRE(n == 24 + 2 * (16 + 8 + 24));
	const uint8_t *r = buf + 24;
	CHECK_MEM(r, record_header, 16);
	CHECK_MEM(r + 16, pseudo0, 8);
	CHECK_MEM(r + 24, raw, 24);
	r += 48;
	CHECK_MEM(r, record_header, 16);
	CHECK_MEM(r + 16, pseudo1, 8);
	CHECK_MEM(r + 24, raw, 24);
	hvh_trace_destroy(trace);
	close(rfd);
}

static void test_channel_record_bytes(void)
{
	int rfd;
	struct hvh_trace *trace = open_trace(&rfd);
	struct vmb_guid iface, inst;
	for (int i = 0; i < 16; i++) {
		iface.bytes[i] = (uint8_t)(0xa0 + i);
		inst.bytes[i] = (uint8_t)(0xb0 + i);
	}
	CHECK_EQ_INT(hvh_trace_channel(trace, 9, &iface, &inst), 0);
	static const uint8_t expect[16 + 8] = {
		0xd2, 0x02, 0x96, 0x49, 0x40, 0xe2, 0x01, 0x00, // time
		0x28, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, // 8 + 32 bytes, whole
		0x09, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, // relid 9, kind 2
	};
	uint8_t buf[256];
	size_t n = file_bytes(rfd, buf, sizeof(buf));
	REQUIRE(n == 24 + 16 + 8 + 32);
	CHECK_MEM(buf + 24, expect, sizeof(expect));
	CHECK_MEM(buf + 48, iface.bytes, 16);
	CHECK_MEM(buf + 64, inst.bytes, 16);
	hvh_trace_destroy(trace);
	close(rfd);
}

static void test_record_over_snaplen_is_cut(void)
{
	int rfd;
	struct hvh_trace *trace = open_trace(&rfd);
	size_t len = HVH_TRACE_SNAPLEN + 100;
	uint8_t *raw = calloc(1, len);
	REQUIRE(raw);
	raw[HVH_TRACE_SNAPLEN - 9] = 0x5a; // the last byte that fits after the pseudo-header
	CHECK_EQ_INT(hvh_trace_packet(trace, 1, HVH_TRACE_HOST_TO_GUEST, raw, len), 0);
	uint8_t *buf = malloc(len + 100);
	REQUIRE(buf);
	size_t n = file_bytes(rfd, buf, len + 100);
	CHECK_EQ_INT(n, 24 + 16 + HVH_TRACE_SNAPLEN);
	uint32_t incl = buf[32] | buf[33] << 8 | (uint32_t)buf[34] << 16 | (uint32_t)buf[35] << 24;
	uint32_t orig = buf[36] | buf[37] << 8 | (uint32_t)buf[38] << 16 | (uint32_t)buf[39] << 24;
	CHECK_EQ_INT(incl, HVH_TRACE_SNAPLEN);
	CHECK_EQ_INT(orig, len + 8);
	CHECK_EQ_INT(buf[n - 1], 0x5a);
	free(buf);
	free(raw);
	hvh_trace_destroy(trace);
	close(rfd);
}

static void test_open_fails_cleanly(void)
{
	struct hvh_trace *trace = NULL;
	CHECK_EQ_INT(hvh_trace_open(&trace, "/nonexistent-dir/trace.pcap"), -ENOENT);
	CHECK(trace == NULL);
	hvh_trace_destroy(NULL);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_file_header_bytes),
		TEST_CASE(test_packet_records_bytes),
		TEST_CASE(test_channel_record_bytes),
		TEST_CASE(test_record_over_snaplen_is_cut),
		TEST_CASE(test_open_fails_cleanly),
	};
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
