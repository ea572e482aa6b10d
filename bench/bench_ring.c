/*
 * vmb_ring throughput between two processes, set up as the emulated VMBus does it
 * (vmbus-emu.md §3): one memfd holding a ring pair (A->B, then B->A; 4 KiB control + 256 KiB data
 * each, synthvid's size) and one eventfd per direction, written only when vmb_ring says so.
 *
 * A streams packets of 64 B, 1 KiB and 16 KiB to B, one packet per write call (as a driver's
 * send) and in batches of 16; B drains, publishing every quarter ring, and answers each run with
 * one completion on the B->A ring carrying its counts. Beside each run, a plain memcpy of the same
 * bytes in S-sized chunks into a 256 KiB buffer, in the same process and the same run, gives the
 * memory bandwidth to compare with (the ring copies every byte twice: in and out).
 *
 * Usage: bench_ring [scale]   (scale multiplies the packet counts; default 1)
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "vmb_ring.h"
#include "wire.h"

#define DATA_BYTES (256u * 1024u)
#define RING_BYTES (VMB_RING_CONTROL_SIZE + DATA_BYTES)
#define MAX_PAYLOAD (16u * 1024u)
#define MAX_BATCH 16u

struct run {
	uint32_t size;
	uint32_t batch;
	uint64_t count;
};

static const struct run runs[] = {
	{ 64, 1, 2000000 },
	{ 64, MAX_BATCH, 4000000 },
	{ 1024, 1, 1000000 },
	{ 1024, MAX_BATCH, 1000000 },
	{ 16384, 1, 100000 },
	{ 16384, MAX_BATCH, 100000 },
};

/* Set before the fork, so both processes scale the counts alike. */
static double count_scale = 1.0;

static uint64_t run_count(const struct run *run)
{
	uint64_t count = (uint64_t)((double)run->count * count_scale);
	return count ? count : 1;
}

/* One side: it writes tx, reads rx, signals the peer through efd_out, sleeps on efd_in. */
struct side {
	struct vmb_ring tx, rx;
	int efd_out, efd_in;
	uint64_t signals, waits;
};

/* What B reports at the end of a run, in its completion packet. */
struct report {
	uint64_t packets, bytes, signals, waits;
};

static void die(const char *what)
{
	fprintf(stderr, "bench_ring: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void signal_peer(struct side *s)
{
	uint64_t one = 1;
	if (write(s->efd_out, &one, sizeof(one)) != sizeof(one))
		die("eventfd write");
	s->signals++;
}

static void wait_peer(struct side *s)
{
	struct pollfd pfd = { .fd = s->efd_in, .events = POLLIN };
	if (poll(&pfd, 1, 30000) != 1) {
		fprintf(stderr, "bench_ring: peer silent for 30 s\n");
		exit(1);
	}
	uint64_t v;
	if (read(s->efd_in, &v, sizeof(v)) != sizeof(v))
		die("eventfd read");
	s->waits++;
}

static void send_all(struct side *s, const struct vmb_ring_out *pkts, size_t n)
{
	while (n) {
		bool sig;
		int ret = vmb_ring_write(&s->tx, pkts, n, &sig);
		if (ret < 0) {
			fprintf(stderr, "bench_ring: write: %d\n", ret);
			exit(1);
		}
		if (sig)
			signal_peer(s);
		pkts += ret;
		n -= (size_t)ret;
		if (n)
			wait_peer(s);
	}
}

/* Reads until empty; returns the packets read. Publishes every quarter ring. */
static uint64_t drain(struct side *s, uint8_t *buf, uint64_t *bytes)
{
	uint64_t got = 0, batch = 0;
	bool sig;
	struct vmb_ring_in pkt;
	int ret;
	while ((ret = vmb_ring_read(&s->rx, &pkt, buf, MAX_PAYLOAD + 64)) == 1) {
		got++;
		*bytes += pkt.payload_len;
		batch += pkt.raw_len + VMB_RING_TRAILER_SIZE;
		if (batch >= DATA_BYTES / 4) {
			vmb_ring_read_done(&s->rx, &sig);
			if (sig)
				signal_peer(s);
			batch = 0;
		}
	}
	if (ret < 0) {
		fprintf(stderr, "bench_ring: read: %d\n", ret);
		exit(1);
	}
	vmb_ring_read_done(&s->rx, &sig);
	if (sig)
		signal_peer(s);
	return got;
}

/* Sleeps until at least one packet is waiting (mask while draining, unmask and re-check). */
static void wait_readable(struct side *s)
{
	while (!vmb_ring_unmask(&s->rx))
		wait_peer(s);
	vmb_ring_mask(&s->rx);
}

static void consumer(struct side *s)
{
	uint8_t *buf = malloc(MAX_PAYLOAD + 64);
	if (!buf)
		die("malloc");
	for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		struct report rep = { 0 };
		uint64_t signals0 = s->signals, waits0 = s->waits;
		while (rep.packets < run_count(&runs[r])) {
			wait_readable(s);
			rep.packets += drain(s, buf, &rep.bytes);
		}
		rep.signals = s->signals - signals0;
		rep.waits = s->waits - waits0;
		uint8_t msg[32];
		struct wire w = wire_writer(msg, sizeof(msg));
		wire_put_u64(&w, rep.packets);
		wire_put_u64(&w, rep.bytes);
		wire_put_u64(&w, rep.signals);
		wire_put_u64(&w, rep.waits);
		struct vmb_iov iov = { msg, sizeof(msg) };
		struct vmb_ring_out out = { VMB_PKT_COMP, 0, r + 1, &iov, 1 };
		send_all(s, &out, 1);
	}
	free(buf);
}

static struct report wait_report(struct side *s)
{
	static uint8_t buf[MAX_PAYLOAD + 64];
	struct vmb_ring_in pkt;
	int ret;
	while ((ret = vmb_ring_read(&s->rx, &pkt, buf, sizeof(buf))) == 0)
		wait_readable(s);
	bool sig;
	vmb_ring_read_done(&s->rx, &sig);
	if (ret != 1 || pkt.payload_len < 32) {
		fprintf(stderr, "bench_ring: no report (%d)\n", ret);
		exit(1);
	}
	struct wire w = wire_reader(pkt.payload, 32);
	struct report rep;
	rep.packets = wire_get_u64(&w);
	rep.bytes = wire_get_u64(&w);
	rep.signals = wire_get_u64(&w);
	rep.waits = wire_get_u64(&w);
	return rep;
}

static double memcpy_mbps(const uint8_t *src, uint32_t size, uint64_t count)
{
	static uint8_t dst[DATA_BYTES];
	uint32_t off = 0;
	double t0 = bench_now_s();
	for (uint64_t i = 0; i < count; i++) {
		if (off + size > sizeof(dst))
			off = 0;
		memcpy(dst + off, src, size);
		off += size;
		/* Keep the copy from being optimised away. */
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	return (double)size * (double)count / (bench_now_s() - t0) / 1e6;
}

static void producer(struct side *s)
{
	static uint8_t payload[MAX_PAYLOAD];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	struct vmb_iov iov = { payload, 0 };
	struct vmb_ring_out outs[MAX_BATCH];

	printf("%7s %5s %9s %12s %10s %14s %14s %11s %11s\n", "payload", "batch", "packets",
		"packets/s", "ring MB/s", "data sig/1000", "space sig/1000", "memcpy MB/s",
		"ring/memcpy");
	for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		const struct run *run = &runs[r];
		uint64_t count = run_count(run);
		iov.len = run->size;
		for (size_t i = 0; i < MAX_BATCH; i++)
			outs[i] = (struct vmb_ring_out){ VMB_PKT_DATA_INBAND, 0, i, &iov, 1 };
		uint64_t signals0 = s->signals;
		double t0 = bench_now_s();
		for (uint64_t sent = 0; sent < count;) {
			size_t n = run->batch;
			if (n > count - sent)
				n = (size_t)(count - sent);
			send_all(s, outs, n);
			sent += n;
		}
		struct report rep = wait_report(s);
		double secs = bench_now_s() - t0;
		double mb = (double)count * run->size / 1e6;
		double copy = memcpy_mbps(payload, run->size, count);
		printf("%7" PRIu32 " %5" PRIu32 " %9" PRIu64
		       " %12.0f %10.0f %14.2f %14.2f %11.0f %10.0f%%\n",
			run->size, run->batch, count, (double)count / secs, mb / secs,
			(double)(s->signals - signals0) * 1000.0 / (double)count,
			(double)rep.signals * 1000.0 / (double)count, copy,
			mb / secs / copy * 100.0);
		if (rep.packets != count)
			fprintf(stderr, "bench_ring: B got %" PRIu64 " of %" PRIu64 "\n",
				rep.packets, count);
		fflush(stdout);
	}
}

/* The guest's part of OPENCHANNEL: one memfd, both rings formatted, sealed against shrinking. */
static uint8_t *map_rings(void)
{
	int fd = memfd_create("bench_ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, 2 * RING_BYTES) < 0)
		die("memfd");
	uint8_t *mem = mmap(NULL, 2 * RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	close(fd);
	if (vmb_ring_format(mem, RING_BYTES) < 0 ||
		vmb_ring_format(mem + RING_BYTES, RING_BYTES) < 0)
		die("format");
	return mem;
}

int main(int argc, char **argv)
{
	if (argc > 1 && atof(argv[1]) > 0)
		count_scale = atof(argv[1]);
	uint8_t *mem = map_rings();
	int a_to_b = eventfd(0, EFD_CLOEXEC), b_to_a = eventfd(0, EFD_CLOEXEC);
	if (a_to_b < 0 || b_to_a < 0)
		die("eventfd");

	printf("vmb_ring: 2 processes, rings of %u KiB data, eventfd signalling\n",
		DATA_BYTES / 1024);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	struct side s = { .efd_out = pid == 0 ? b_to_a : a_to_b,
		.efd_in = pid == 0 ? a_to_b : b_to_a };
	uint8_t *tx = pid == 0 ? mem + RING_BYTES : mem, *rx = pid == 0 ? mem : mem + RING_BYTES;
	if (vmb_ring_attach(&s.tx, tx, RING_BYTES) < 0 ||
		vmb_ring_attach(&s.rx, rx, RING_BYTES) < 0)
		die("attach");
	if (pid == 0) {
		consumer(&s);
		_exit(0);
	}
	producer(&s);
	int status;
	waitpid(pid, &status, 0);
	printf("data sig = A's eventfd writes to B (empty -> non-empty, unmasked); space sig = B's "
	       "writes to A (pending_send_sz reached)\n");
	return 0;
}
