/*
 * vmb_ring under load: a writer and a reader, as two threads and as two processes sharing a
 * mapping, stream a million packets of seeded random sizes through a 16 KiB ring, so it wraps
 * tens of thousands of times. The reader checks every packet's order, header and bytes.
 *
 * Neither side polls the ring: each sleeps on an eventfd that the other writes only when vmb_ring
 * says so (need_signal): the writer signals empty -> non-empty while the reader is unmasked, the
 * reader signals when it frees the space the writer asked for in pending_send_sz. A lost wake-up
 * would leave one side asleep; the safety timeout then fails the test instead of hanging it.
 *
 * HVD_STRESS_SEED=<n> replays a run; the seed is printed.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macros.h"
#include "test.h"
#include "vmb_ring.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define DATA_BYTES (16u * 1024u)
#define RING_BYTES (VMB_RING_CONTROL_SIZE + DATA_BYTES)
#define MAX_SIZE 3000u
#define PATTERN_SPAN 251u
#define MAX_BATCH 8u
#define WAIT_TIMEOUT_MS 20000

/* Everything both sides see lives in one shared mapping: stats page, then the ring. */
struct side_stats {
	uint64_t signals;         // eventfd writes to the other side
	uint64_t waits;           // sleeps on our eventfd
	uint64_t partial;         // writer: batches that did not all fit
	uint64_t unmask_rechecks; // reader: unmask found data, drained again instead of sleeping
	char error[192];
};

struct shared {
	struct side_stats writer, reader;
	int abort; // set by a side that failed, so the other stops waiting
};

struct stress {
	struct shared *sh;
	uint8_t *ring_mem;
	int efd_data;  // writer -> reader: packets
	int efd_space; // reader -> writer: space freed
	int efd_go;    // writer -> reader: start reading (once the writer has had to wait)
	uint64_t count;
	uint64_t seed;
	uint8_t pattern[MAX_SIZE + PATTERN_SPAN];
};

static uint64_t mix(uint64_t x)
{
	/* splitmix64 */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint32_t pkt_size(const struct stress *st, uint64_t seq)
{
	return (uint32_t)(mix(st->seed ^ (seq * 0x100000001b3ull)) % (MAX_SIZE + 1));
}

static uint16_t pkt_type(uint64_t seq)
{
	return seq % 3 == 0 ? VMB_PKT_COMP : VMB_PKT_DATA_INBAND;
}

static uint16_t pkt_flags(uint64_t seq)
{
	return (uint16_t)((seq >> 1) & VMB_PKT_FLAG_COMPLETION_REQUESTED);
}

static const uint8_t *pkt_bytes(const struct stress *st, uint64_t seq)
{
	return st->pattern + seq % PATTERN_SPAN;
}

PRINTF(3, 4)
static void side_fail(struct stress *st, struct side_stats *s, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, args);
	va_end(args);
	__atomic_store_n(&st->sh->abort, 1, __ATOMIC_SEQ_CST);
	/* Wake the other side so it sees the abort instead of timing out. */
	uint64_t one = 1;
	(void)!write(st->efd_data, &one, sizeof(one));
	(void)!write(st->efd_space, &one, sizeof(one));
	(void)!write(st->efd_go, &one, sizeof(one));
}

static void signal_fd(int fd, struct side_stats *s)
{
	uint64_t one = 1;
	(void)!write(fd, &one, sizeof(one));
	s->signals++;
}

/* Sleeps until fd is signalled; false on timeout, error or the other side's abort. */
static bool wait_fd(struct stress *st, int fd, struct side_stats *s, const char *what)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n;
	do {
		n = poll(&pfd, 1, WAIT_TIMEOUT_MS);
	} while (n < 0 && errno == EINTR);
	if (n <= 0) {
		side_fail(
			st, s, "%s: %s", what, n == 0 ? "timed out: lost wake-up" : "poll failed");
		return false;
	}
	uint64_t value;
	(void)!read(fd, &value, sizeof(value));
	return !__atomic_load_n(&st->sh->abort, __ATOMIC_SEQ_CST);
}

static void run_writer(struct stress *st)
{
	struct side_stats *s = &st->sh->writer;
	struct vmb_ring ring;
	if (vmb_ring_attach(&ring, st->ring_mem, RING_BYTES) < 0) {
		side_fail(st, s, "writer attach failed");
		return;
	}
	struct vmb_iov iov[MAX_BATCH];
	struct vmb_ring_out out[MAX_BATCH];
	bool started = false;
	for (uint64_t seq = 0; seq < st->count;) {
		size_t n = MIN(1 + mix(seq ^ 0xba7c4) % MAX_BATCH, st->count - seq);
		for (size_t i = 0; i < n; i++) {
			iov[i] = (struct vmb_iov){ pkt_bytes(st, seq + i), pkt_size(st, seq + i) };
			out[i] = (struct vmb_ring_out){ pkt_type(seq + i), pkt_flags(seq + i),
				seq + i, &iov[i], 1 };
		}
		bool sig;
		int ret = vmb_ring_write(&ring, out, n, &sig);
		if (ret < 0) {
			side_fail(st, s, "write of packet %" PRIu64 ": %d", seq, ret);
			return;
		}
		if (sig)
			signal_fd(st->efd_data, s);
		seq += (uint64_t)ret;
		if ((size_t)ret == n)
			continue;
		s->partial++;
		if (!started) {
			/* The ring is full before the reader starts: the wait below is certain. */
			uint64_t one = 1;
			(void)!write(st->efd_go, &one, sizeof(one));
			started = true;
		}
		s->waits++;
		if (!wait_fd(st, st->efd_space, s, "writer waiting for space"))
			return;
	}
	if (!started) {
		uint64_t one = 1;
		(void)!write(st->efd_go, &one, sizeof(one));
	}
}

static bool check_packet(
	struct stress *st, struct side_stats *s, const struct vmb_ring_in *pkt, uint64_t seq)
{
	static const uint8_t zeros[8];
	uint32_t size = pkt_size(st, seq);
	if (pkt->trans_id != seq || pkt->type != pkt_type(seq) || pkt->flags != pkt_flags(seq)) {
		side_fail(st, s, "packet %" PRIu64 ": got trans_id %" PRIu64 " type %u flags %u",
			seq, pkt->trans_id, pkt->type, pkt->flags);
		return false;
	}
	if (pkt->payload_len != ALIGN_UP(size + 16, 8u) - 16 ||
		memcmp(pkt->payload, pkt_bytes(st, seq), size) != 0 ||
		memcmp(pkt->payload + size, zeros, pkt->payload_len - size) != 0) {
		side_fail(st, s, "packet %" PRIu64 ": %u bytes, expected %u, or content differs",
			seq, pkt->payload_len, size);
		return false;
	}
	return true;
}

/* Reads until empty, publishing every few packets; false on failure. */
static bool drain(
	struct stress *st, struct vmb_ring *ring, uint64_t *next, uint8_t *buf, size_t cap)
{
	struct side_stats *s = &st->sh->reader;
	uint64_t since_publish = 0, publish_every = 1 + mix(*next ^ 0x9ead) % 16;
	bool sig;
	for (;;) {
		struct vmb_ring_in pkt;
		int ret = vmb_ring_read(ring, &pkt, buf, cap);
		if (ret == 0)
			break;
		if (ret < 0) {
			side_fail(st, s, "read of packet %" PRIu64 ": %d (%s)", *next, ret,
				vmb_ring_corrupt_reason(ring) ? vmb_ring_corrupt_reason(ring) : "");
			return false;
		}
		if (!check_packet(st, s, &pkt, *next))
			return false;
		(*next)++;
		if (++since_publish == publish_every) {
			vmb_ring_read_done(ring, &sig);
			if (sig)
				signal_fd(st->efd_space, s);
			since_publish = 0;
		}
	}
	vmb_ring_read_done(ring, &sig);
	if (sig)
		signal_fd(st->efd_space, s);
	return true;
}

static void run_reader(struct stress *st)
{
	struct side_stats *s = &st->sh->reader;
	struct vmb_ring ring;
	uint8_t buf[MAX_SIZE + 64];
	if (vmb_ring_attach(&ring, st->ring_mem, RING_BYTES) < 0) {
		side_fail(st, s, "reader attach failed");
		return;
	}
	if (!wait_fd(st, st->efd_go, s, "reader waiting to start"))
		return;
	uint64_t next = 0;
	while (next < st->count) {
		vmb_ring_mask(&ring);
		if (!drain(st, &ring, &next, buf, sizeof(buf)))
			return;
		if (next == st->count)
			break;
		if (vmb_ring_unmask(&ring)) {
			s->unmask_rechecks++;
			continue;
		}
		s->waits++;
		if (!wait_fd(st, st->efd_data, s, "reader waiting for data"))
			return;
	}
}

static void *reader_thread(void *arg)
{
	run_reader(arg);
	return NULL;
}

static struct stress *stress_create(uint64_t count)
{
	size_t len = ALIGN_UP(sizeof(struct shared), 4096u) + RING_BYTES;
	uint8_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(map != MAP_FAILED);
	struct stress *st = calloc(1, sizeof(*st));
	REQUIRE(st);
	st->sh = (struct shared *)(void *)map;
	st->ring_mem = map + ALIGN_UP(sizeof(struct shared), 4096u);
	REQUIRE(vmb_ring_format(st->ring_mem, RING_BYTES) == 0);
	st->efd_data = eventfd(0, EFD_CLOEXEC);
	st->efd_space = eventfd(0, EFD_CLOEXEC);
	st->efd_go = eventfd(0, EFD_CLOEXEC);
	REQUIRE(st->efd_data >= 0 && st->efd_space >= 0 && st->efd_go >= 0);
	st->count = count;
	const char *env = getenv("HVD_STRESS_SEED");
	st->seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	for (size_t i = 0; i < sizeof(st->pattern); i++)
		st->pattern[i] = (uint8_t)mix(st->seed + i);
	return st;
}

static void stress_destroy(struct stress *st)
{
	close(st->efd_data);
	close(st->efd_space);
	close(st->efd_go);
	munmap(st->sh, ALIGN_UP(sizeof(struct shared), 4096u) + RING_BYTES);
	free(st);
}

static void stress_report(const struct stress *st, const char *variant)
{
	const struct shared *sh = st->sh;
	CHECK_MSG(!sh->writer.error[0], "writer: %s", sh->writer.error);
	CHECK_MSG(!sh->reader.error[0], "reader: %s", sh->reader.error);
	double per_k = 1000.0 / (double)st->count;
	NOTE("%s: seed %" PRIu64 " (HVD_STRESS_SEED), %" PRIu64 " packets through %u KiB", variant,
		st->seed, st->count, DATA_BYTES / 1024);
	NOTE("%s: writer: %" PRIu64 " data signals (%.2f/1000 packets), %" PRIu64
	     " partial batches, %" PRIu64 " waits for space",
		variant, sh->writer.signals, (double)sh->writer.signals * per_k, sh->writer.partial,
		sh->writer.waits);
	NOTE("%s: reader: %" PRIu64 " space signals (%.2f/1000 packets), %" PRIu64
	     " waits for data, %" PRIu64 " unmask re-checks",
		variant, sh->reader.signals, (double)sh->reader.signals * per_k, sh->reader.waits,
		sh->reader.unmask_rechecks);
	/* The writer filled the ring before the reader started, so the pending_send_sz path ran. */
	CHECK(sh->writer.partial >= 1 && sh->writer.waits >= 1 && sh->reader.signals >= 1);
	CHECK(sh->writer.signals >= 1);
}

static uint64_t packet_count(void)
{
	/* ASan+UBSan make each byte check several times slower; the normal builds run the full
	 * million in both variants. */
	return UNDER_ASAN ? 250000 : 1000000;
}

static void test_ring_stress_threads(void)
{
	struct stress *st = stress_create(packet_count());
	pthread_t reader;
	REQUIRE(pthread_create(&reader, NULL, reader_thread, st) == 0);
	run_writer(st);
	pthread_join(reader, NULL);
	stress_report(st, "threads");
	stress_destroy(st);
}

static void test_ring_stress_processes(void)
{
	struct stress *st = stress_create(packet_count());
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		run_reader(st);
		_exit(st->sh->reader.error[0] ? 1 : 0);
	}
	run_writer(st);
	int status = 0;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK_MSG(WIFEXITED(status), "reader process died (status 0x%x)", status);
	stress_report(st, "processes");
	stress_destroy(st);
}

static const struct test_case cases[] = {
	TEST_CASE(test_ring_stress_threads),
	TEST_CASE(test_ring_stress_processes),
};

int main(int argc, char **argv)
{
	if (UNDER_ASAN)
		NOTE("ASan build: %" PRIu64 " packets per variant instead of 1000000",
			packet_count());
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
