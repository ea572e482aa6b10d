/*
 * The emulated VMBus byte by byte (vmbus-emu.md §1-3). A raw seqpacket client plays the guest
 * against the real host library: the exact bytes of the version step-down, the MMIO memfd's
 * seals, the offers, the busy refusal; every OPENCHANNEL refusal of §3.3 with its status, the
 * offer staying usable; malformed control messages each ending that connection while the host
 * goes on serving the next guest. A scripted fake host plays a broken host against the guest
 * library. Plus socket-path resolution and stale-socket handling (§1).
 */
#define LOG_MODULE "test-vmb-emu-raw"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "emu_harness.h"
#include "log.h"
#include "loop.h"
#include "macros.h"
#include "test.h"
#include "vmb.h"
#include "vmb_emu_io.h"
#include "vmb_guid.h"

#define HDR(type) type, 0, 0, 0, 0, 0, 0, 0
#define U32(v) (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)
#define Z8 0, 0, 0, 0, 0, 0, 0, 0

#define KBD_RING_BYTES (2u * 40 * 1024)
#define KBD_PAGEOFFSET 10u

static ssize_t recv_bytes(int sock, uint8_t *buf, size_t cap, int *fds, size_t *nfds)
{
	*nfds = 0;
	return raw_recv(sock, buf, cap, fds, nfds);
}

static void send_contact(int sock, uint32_t version)
{
	struct vmb_ctl_msg msg = { .type = VMB_CTL_INITIATE_CONTACT };
	msg.initiate_contact.vmbus_version = version;
	CHECK_EQ_INT(raw_send_msg(sock, &msg, NULL, 0), 0);
}

/* ---- the host's bytes ---- */

/* The offers of the harness's three devices, relids 1-3 in order, then ALLOFFERS_DELIVERED. */
static const uint8_t offer_video[] = { HDR(1), 0x02, 0x78, 0x0a, 0xda, 0x77, 0xe3, 0xac, 0x4a, 0x8e,
	0x77, 0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8, 0xc7, 0xe0, 0x20, 0x56, 0x62, 0x80, 0xce, 0x4d,
	0xae, 0xb7, 0x52, 0x0c, 0x7e, 0xf7, 0x61, 0x71, U32(1), 8, 0, 0x10, 0, U32(4), U32(0) };
static const uint8_t offer_keyboard[] = { HDR(1), 0x6d, 0xad, 0x12, 0xf9, 0x17, 0x2b, 0xea, 0x48,
	0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84, 0x67, 0x25, 0x4b, 0xd3, 0xb6, 0xb9, 0xb9,
	0x42, 0x87, 0x78, 0x0a, 0x4e, 0xc0, 0xb9, 0x55, 0xbf, U32(2), 0, 0, 0, 0, U32(0), U32(0) };
static const uint8_t offer_mouse[] = { HDR(1), 0x9e, 0xb6, 0xa8, 0xcf, 0x4a, 0x5b, 0xc0, 0x4c, 0xb9,
	0x8b, 0x8b, 0xa1, 0xa1, 0xf3, 0xf9, 0x5a, 0x6d, 0x5a, 0xf7, 0x58, 0x49, 0xd9, 0x20, 0x43,
	0x99, 0xe1, 0xa2, 0xa2, 0x57, 0x6d, 0x58, 0x1c, U32(3), 0, 0, 0x10, 0, U32(4), U32(0) };
static const uint8_t alloffers[] = { HDR(4), U32(0) };

static void expect_offers(int sock)
{
	uint8_t buf[VMB_CTL_MAX_SIZE + 1];
	int fds[VMB_EMU_MAX_RX_FDS];
	size_t nfds;
	const struct {
		const uint8_t *bytes;
		size_t len;
	} expect[] = {
		{ offer_video, sizeof(offer_video) },
		{ offer_keyboard, sizeof(offer_keyboard) },
		{ offer_mouse, sizeof(offer_mouse) },
		{ alloffers, sizeof(alloffers) },
	};
	for (size_t i = 0; i < ARRAY_LEN(expect); i++) {
		ssize_t n = recv_bytes(sock, buf, sizeof(buf), fds, &nfds);
		CHECK_MSG(
			n == (ssize_t)expect[i].len && memcmp(buf, expect[i].bytes, (size_t)n) == 0,
			"message %zu after REQUESTOFFERS differs (%zd bytes)", i, n);
		CHECK_EQ_INT(nfds, 0);
	}
}

static void test_raw_version_offers_unload_bytes(void)
{
	static const uint32_t only_3_0[] = { 0x00030000 };
	struct emu_host h;
	REQUIRE(emu_host_start(&h, only_3_0, 1) == 0);
	int sock = raw_connect(h.path);
	REQUIRE(sock >= 0);
	uint8_t buf[VMB_CTL_MAX_SIZE + 1];
	int fds[VMB_EMU_MAX_RX_FDS];
	size_t nfds;

	/* Refused for the version: echo, no window, no descriptor; the connection stays. */
	send_contact(sock, 0x00050000);
	static const uint8_t refused[] = { HDR(15), 0, 0, 0, 0, U32(0x00050000), Z8, Z8 };
	CHECK_EQ_INT(recv_bytes(sock, buf, sizeof(buf), fds, &nfds), sizeof(refused));
	CHECK_MEM(buf, refused, sizeof(refused));
	CHECK_EQ_INT(nfds, 0);

	send_contact(sock, 0x00030000);
	static const uint8_t accepted[] = { HDR(15), 1, 0, 0, 0, U32(0x00030000), U32(0xF8000000),
		U32(0), U32(0x08000000), U32(0) };
	CHECK_EQ_INT(recv_bytes(sock, buf, sizeof(buf), fds, &nfds), sizeof(accepted));
	CHECK_MEM(buf, accepted, sizeof(accepted));
	REQUIRE(nfds == 1);
	struct stat st;
	CHECK(fstat(fds[0], &st) == 0 && st.st_size == (off_t)(128u << 20));
	int seals = fcntl(fds[0], F_GET_SEALS);
	CHECK(seals >= 0 && (seals & F_SEAL_SHRINK) && (seals & F_SEAL_GROW));
	CHECK(ftruncate(fds[0], 4096) < 0);
	vmb_emu_close_fds(fds, nfds);

	CHECK_EQ_INT(
		raw_send_msg(sock, &(struct vmb_ctl_msg){ .type = VMB_CTL_REQUESTOFFERS }, NULL, 0),
		0);
	expect_offers(sock);

	CHECK_EQ_INT(
		raw_send_msg(sock, &(struct vmb_ctl_msg){ .type = VMB_CTL_UNLOAD }, NULL, 0), 0);
	static const uint8_t unload_response[] = { HDR(17), U32(0) };
	CHECK_EQ_INT(recv_bytes(sock, buf, sizeof(buf), fds, &nfds), sizeof(unload_response));
	CHECK_MEM(buf, unload_response, sizeof(unload_response));
	CHECK(raw_wait_closed(sock));
	close(sock);
	CHECK_EQ_INT(emu_host_stats(&h).protocol_errors, 0);
	emu_host_stop(&h);
}

static void test_raw_busy_refusal_bytes(void)
{
	struct emu_host h;
	REQUIRE(emu_host_start(&h, NULL, 0) == 0);
	int first = raw_connect(h.path);
	REQUIRE(first >= 0);
	struct vmb_ctl_offer offers[4];
	REQUIRE(raw_handshake(first, 0x00050000, offers, 4) == 3);

	int second = raw_connect(h.path);
	REQUIRE(second >= 0);
	send_contact(second, 0x00050000);
	uint8_t buf[VMB_CTL_MAX_SIZE + 1];
	int fds[VMB_EMU_MAX_RX_FDS];
	size_t nfds;
	static const uint8_t busy[] = { HDR(15), 0, 1, 0, 0, U32(0), Z8, Z8 };
	CHECK_EQ_INT(recv_bytes(second, buf, sizeof(buf), fds, &nfds), sizeof(busy));
	CHECK_MEM(buf, busy, sizeof(busy));
	CHECK_EQ_INT(nfds, 0);
	CHECK(raw_wait_closed(second));
	close(second);

	/* A waiting second guest that says something else is a fault, and closed too. */
	second = raw_connect(h.path);
	REQUIRE(second >= 0);
	CHECK_EQ_INT(
		raw_send_msg(second, &(struct vmb_ctl_msg){ .type = VMB_CTL_UNLOAD }, NULL, 0), 0);
	CHECK(raw_wait_closed(second));
	close(second);

	/* The first guest is still served. */
	CHECK_EQ_INT(
		raw_send_msg(first, &(struct vmb_ctl_msg){ .type = VMB_CTL_UNLOAD }, NULL, 0), 0);
	struct vmb_ctl_msg msg;
	CHECK(raw_recv_msg(first, &msg, fds, &nfds) && msg.type == VMB_CTL_UNLOAD_RESPONSE);
	close(first);
	struct vmb_host_stats stats = emu_host_stats(&h);
	CHECK_EQ_INT(stats.busy_refusals, 1);
	CHECK_EQ_INT(stats.protocol_errors, 1);
	emu_host_stop(&h);
}

/* ---- OPENCHANNEL checks (§3.3) ---- */

enum fd_kind {
	FD_EVENTFD,
	FD_PIPE,
	FD_MEMFD,
};

static int make_fd(enum fd_kind kind, int *extra)
{
	if (kind == FD_EVENTFD)
		return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (kind == FD_MEMFD)
		return memfd_create("not-an-eventfd", MFD_CLOEXEC);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	*extra = p[1];
	return p[0];
}

struct open_case {
	const char *what;
	uint32_t relid;      // 0: the keyboard's
	uint32_t ring_bytes; // as announced
	uint32_t pageoffset; // as announced
	size_t file_bytes;   // the memfd's real size
	bool seal;
	uint32_t dirty_index; // written to the guest->host write_index before sending
	enum fd_kind signal, interrupt;
	int32_t status;
};

/* Sends one OPENCHANNEL built as c says; returns OPENCHANNEL_RESULT's status (or 1). */
static int32_t raw_open(int sock, uint32_t relid, const struct open_case *c, uint32_t open_id)
{
	int ring = raw_ring_memfd(c->ring_bytes, c->pageoffset, c->file_bytes, c->seal);
	if (ring < 0)
		return 1;
	if (c->dirty_index) {
		uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ring, 0);
		if (w != MAP_FAILED) {
			w[0] = c->dirty_index;
			munmap(w, 4096);
		}
	}
	int extra[2] = { -1, -1 };
	int fds[3] = { ring, make_fd(c->signal, &extra[0]), make_fd(c->interrupt, &extra[1]) };
	struct vmb_ctl_msg msg = { .type = VMB_CTL_OPENCHANNEL };
	msg.open = (struct vmb_ctl_open){ .child_relid = relid,
		.open_id = open_id,
		.ring_bytes = c->ring_bytes,
		.downstream_ringbuffer_pageoffset = c->pageoffset };
	int ret = raw_send_msg(sock, &msg, fds, 3);
	vmb_emu_close_fds(fds, 3);
	vmb_emu_close_fds(extra, 2);
	if (ret < 0)
		return 1;
	int rfds[VMB_EMU_MAX_RX_FDS];
	size_t nfds = 0;
	if (!raw_recv_msg(sock, &msg, rfds, &nfds) || msg.type != VMB_CTL_OPENCHANNEL_RESULT)
		return 1;
	if (msg.open_result.child_relid != relid || msg.open_result.open_id != open_id)
		return 1;
	return msg.open_result.status;
}

static void test_raw_open_refusals_leave_offer_usable(void)
{
	struct emu_host h;
	REQUIRE(emu_host_start(&h, NULL, 0) == 0);
	int sock = raw_connect(h.path);
	REQUIRE(sock >= 0);
	struct vmb_ctl_offer offers[4];
	REQUIRE(raw_handshake(sock, 0x00050000, offers, 4) == 3);
	uint32_t kbd = offers[1].child_relid;
	REQUIRE(vmb_guid_equal(&offers[1].interface, &vmb_guid_keyboard));

	const uint32_t R = KBD_RING_BYTES, P = KBD_PAGEOFFSET;
	const struct open_case refusals[] = {
		{ "memfd larger than ring_bytes", 0, R, P, R + 4096, true, 0, FD_EVENTFD,
			FD_EVENTFD, -EINVAL },
		{ "memfd smaller than ring_bytes", 0, R, P, R - 4096, true, 0, FD_EVENTFD,
			FD_EVENTFD, -EINVAL },
		{ "ring_bytes not a page multiple", 0, R + 8, P, R + 8, true, 0, FD_EVENTFD,
			FD_EVENTFD, -EINVAL },
		{ "guest->host ring one page", 0, R, 1, R, true, 0, FD_EVENTFD, FD_EVENTFD,
			-EINVAL },
		{ "host->guest ring one page", 0, R, R / 4096 - 1, R, true, 0, FD_EVENTFD,
			FD_EVENTFD, -EINVAL },
		{ "page offset past the end", 0, R, R / 4096 + 3, R, true, 0, FD_EVENTFD,
			FD_EVENTFD, -EINVAL },
		{ "index not 0", 0, R, P, R, true, 8, FD_EVENTFD, FD_EVENTFD, -EINVAL },
		{ "missing F_SEAL_SHRINK", 0, R, P, R, false, 0, FD_EVENTFD, FD_EVENTFD, -EPERM },
		{ "signal fd a pipe", 0, R, P, R, true, 0, FD_PIPE, FD_EVENTFD, -EBADF },
		{ "interrupt fd a memfd", 0, R, P, R, true, 0, FD_EVENTFD, FD_MEMFD, -EBADF },
		{ "unknown relid", 999, R, P, R, true, 0, FD_EVENTFD, FD_EVENTFD, -ENOENT },
	};
	uint32_t open_id = 100;
	for (size_t i = 0; i < ARRAY_LEN(refusals); i++) {
		const struct open_case *c = &refusals[i];
		int32_t status = raw_open(sock, c->relid ? c->relid : kbd, c, ++open_id);
		CHECK_MSG(status == c->status, "%s: status %d, expected %d", c->what, status,
			c->status);
	}
	CHECK_EQ_INT(emu_host_stats(&h).open_refusals, ARRAY_LEN(refusals));
	CHECK(!emu_host_is_open(&h, EMU_DEV_KEYBOARD));

	/* Still offered: a correct open works, a second one is -EBUSY. */
	const struct open_case good = { "good", 0, R, P, R, true, 0, FD_EVENTFD, FD_EVENTFD, 0 };
	CHECK_EQ_INT(raw_open(sock, kbd, &good, ++open_id), 0);
	size_t cursor = 0;
	CHECK(emu_host_wait(&h, &cursor, EMU_EV_OPENED, EMU_DEV_KEYBOARD, NULL));
	CHECK_EQ_INT(raw_open(sock, kbd, &good, ++open_id), -EBUSY);
	CHECK(emu_host_is_open(&h, EMU_DEV_KEYBOARD));

	/* Closed, it opens again under the same relid. */
	CHECK_EQ_INT(
		raw_send_msg(sock,
			&(struct vmb_ctl_msg){ .type = VMB_CTL_CLOSECHANNEL, .child_relid = kbd },
			NULL, 0),
		0);
	CHECK(emu_host_wait(&h, &cursor, EMU_EV_CLOSED, EMU_DEV_KEYBOARD, NULL));
	CHECK_EQ_INT(raw_open(sock, kbd, &good, ++open_id), 0);
	CHECK_EQ_INT(emu_host_stats(&h).protocol_errors, 0);
	close(sock);
	emu_host_stop(&h);
}

/* ---- malformed control messages (§2) ---- */

struct bad_msg {
	const char *what;
	bool after_handshake;
	const uint8_t *bytes;
	size_t len;
	bool with_fd;
	const char *reason; // in the host's log
};

static const uint8_t b_contact_long[] = { HDR(14), U32(0x00050000), 0 };
static const uint8_t b_short[] = { 14, 0, 0, 0, 0, 0 };
static const uint8_t b_header_word[] = { 14, 0, 0, 0, 1, 0, 0, 0, U32(0x00050000) };
static const uint8_t b_unknown[] = { HDR(9), U32(0) };
static const uint8_t b_wrong_dir[] = { HDR(4), U32(0) }; /* ALLOFFERS_DELIVERED is H->G */
static const uint8_t b_contact[] = { HDR(14), U32(0x00050000) };
static const uint8_t b_requestoffers[] = { HDR(3), U32(0) };
static const uint8_t b_requestoffers_nonzero[] = { HDR(3), U32(1) };
static const uint8_t b_open_no_fds[] = { HDR(5), U32(2), U32(1), U32(KBD_RING_BYTES),
	U32(KBD_PAGEOFFSET), Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8 };
static const uint8_t b_close_unknown[] = { HDR(7), U32(77) };
static const uint8_t b_close_not_open[] = { HDR(7), U32(1) };
static const uint8_t b_released_live[] = { HDR(21), U32(1) };
static uint8_t b_oversized[500] = { HDR(14) };

static const struct bad_msg bad_msgs[] = {
	{ "wrong length", false, b_contact_long, sizeof(b_contact_long), false, "length" },
	{ "shorter than the header", false, b_short, sizeof(b_short), false, "header" },
	{ "second header word", false, b_header_word, sizeof(b_header_word), false,
		"second header word" },
	{ "unknown type", false, b_unknown, sizeof(b_unknown), false, "unknown msgtype" },
	{ "wrong direction", false, b_wrong_dir, sizeof(b_wrong_dir), false, "wrong direction" },
	{ "descriptor where none belongs", false, b_contact, sizeof(b_contact), true,
		"descriptors" },
	{ "out of sequence", false, b_requestoffers, sizeof(b_requestoffers), false,
		"before a version was accepted" },
	{ "non-zero reserved", false, b_requestoffers_nonzero, sizeof(b_requestoffers_nonzero),
		false, "body not 0" },
	{ "longer than any message", false, b_oversized, sizeof(b_oversized), false,
		"longer than any" },
	{ "OPENCHANNEL without descriptors", true, b_open_no_fds, sizeof(b_open_no_fds), false,
		"descriptors" },
	{ "CLOSECHANNEL of an unknown relid", true, b_close_unknown, sizeof(b_close_unknown), false,
		"not offered" },
	{ "CLOSECHANNEL of a channel not open", true, b_close_not_open, sizeof(b_close_not_open),
		false, "not open" },
	{ "RELID_RELEASED of a live offer", true, b_released_live, sizeof(b_released_live), false,
		"not rescinded" },
	{ "INITIATE_CONTACT twice", true, b_contact, sizeof(b_contact), false, "after VMBus" },
	{ "REQUESTOFFERS twice", true, b_requestoffers, sizeof(b_requestoffers), false,
		"second time" },
};

static void test_raw_malformed_messages_close_connection(void)
{
	struct emu_host h;
	REQUIRE(emu_host_start(&h, NULL, 0) == 0);
	for (size_t i = 0; i < ARRAY_LEN(bad_msgs); i++) {
		const struct bad_msg *b = &bad_msgs[i];
		uint64_t before = emu_host_stats(&h).protocol_errors;
		emu_log_clear();
		int sock = raw_connect(h.path);
		REQUIRE(sock >= 0);
		struct vmb_ctl_offer offers[4];
		if (b->after_handshake)
			REQUIRE(raw_handshake(sock, 0x00050000, offers, 4) == 3);
		int efd = eventfd(0, EFD_CLOEXEC);
		CHECK_EQ_INT(raw_send_bytes(sock, b->bytes, b->len, &efd, b->with_fd ? 1 : 0), 0);
		close(efd);
		CHECK_MSG(raw_wait_closed(sock), "%s: connection not closed", b->what);
		close(sock);
		CHECK_MSG(emu_host_stats(&h).protocol_errors == before + 1,
			"%s: not counted as one protocol error", b->what);
		CHECK_MSG(emu_log_contains(LOG_FAULT_GUEST, b->reason), "%s: no log naming \"%s\"",
			b->what, b->reason);
	}
	/* A zero-length packet is the peer closing, not a fault. */
	uint64_t before = emu_host_stats(&h).protocol_errors;
	int sock = raw_connect(h.path);
	REQUIRE(sock >= 0);
	CHECK_EQ_INT(raw_send_bytes(sock, "", 0, NULL, 0), 0);
	CHECK(raw_wait_closed(sock));
	close(sock);
	CHECK_EQ_INT(emu_host_stats(&h).protocol_errors, before);

	/* And the host serves the next guest as if nothing happened. */
	struct vmb_bus_options opts = { .socket_path = h.path };
	struct vmb_bus *bus = NULL;
	REQUIRE(vmb_bus_connect_emu(&bus, &opts) == 0);
	CHECK_EQ_INT(vmb_bus_offer_count(bus), 3);
	vmb_bus_destroy(bus);
	emu_host_stop(&h);
}

/* ---- a broken host against the guest library ---- */

struct fake_host {
	char dir[64], path[96];
	int listen_fd;
	pthread_t thread;
	/* What to answer. */
	const uint8_t *contact_reply; // NULL: stay silent
	size_t contact_len;
	int contact_fd; // sent with the reply when >= 0
	const uint8_t *offers[3];
	size_t offer_lens[3];
	bool bad_open_id; // answer OPENCHANNEL with open_id + 1
};

static void fake_reply(int sock, const uint8_t *bytes, size_t len, int fd)
{
	raw_send_bytes(sock, bytes, len, &fd, fd >= 0 ? 1 : 0);
}

static void *fake_main(void *arg)
{
	struct fake_host *f = arg;
	struct pollfd pfd = { .fd = f->listen_fd, .events = POLLIN };
	if (poll(&pfd, 1, EMU_WAIT_MS) != 1)
		return NULL;
	int sock = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	for (;;) {
		uint8_t buf[VMB_CTL_MAX_SIZE + 1];
		int fds[VMB_EMU_MAX_RX_FDS];
		size_t nfds = 0;
		ssize_t n = raw_recv(sock, buf, sizeof(buf), fds, &nfds);
		vmb_emu_close_fds(fds, nfds);
		if (n <= 0)
			break;
		uint32_t type = vmb_ctl_peek_type(buf, (size_t)n);
		if (type == VMB_CTL_INITIATE_CONTACT && f->contact_reply)
			fake_reply(sock, f->contact_reply, f->contact_len, f->contact_fd);
		for (size_t i = 0; type == VMB_CTL_REQUESTOFFERS && i < 3 && f->offers[i]; i++)
			fake_reply(sock, f->offers[i], f->offer_lens[i], -1);
		if (type == VMB_CTL_OPENCHANNEL && f->bad_open_id) {
			const uint8_t result[] = { HDR(6), buf[8], buf[9], buf[10], buf[11],
				(uint8_t)(buf[12] + 1), buf[13], buf[14], buf[15], U32(0) };
			fake_reply(sock, result, sizeof(result), -1);
		}
		if (type == VMB_CTL_UNLOAD) {
			static const uint8_t resp[] = { HDR(17), U32(0) };
			fake_reply(sock, resp, sizeof(resp), -1);
		}
	}
	close(sock);
	return NULL;
}

static bool fake_start(struct fake_host *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/hvd-fake-XXXXXX");
	if (!mkdtemp(f->dir))
		return false;
	snprintf(f->path, sizeof(f->path), "%s/vmbus.sock", f->dir);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	f->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (f->listen_fd < 0 || bind(f->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
		listen(f->listen_fd, 1) < 0)
		return false;
	return pthread_create(&f->thread, NULL, fake_main, f) == 0;
}

static void fake_stop(struct fake_host *f)
{
	pthread_join(f->thread, NULL);
	close(f->listen_fd);
	if (f->contact_fd >= 0)
		close(f->contact_fd);
	unlink(f->path);
	rmdir(f->dir);
}

static int mmio_memfd(size_t size, bool seal)
{
	int fd = memfd_create("fake-mmio", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd >= 0 && ftruncate(fd, (off_t)size) == 0 && seal)
		fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
	return fd;
}

/* 5.0 accepted, a 2 MiB window at 0xF8000000. */
static const uint8_t f_accept[] = { HDR(15), 1, 0, 0, 0, U32(0x00050000), U32(0xF8000000), U32(0),
	U32(0x00200000), U32(0) };
static const uint8_t f_accept_wrong_echo[] = { HDR(15), 1, 0, 0, 0, U32(0x00040000),
	U32(0xF8000000), U32(0), U32(0x00200000), U32(0) };
static const uint8_t f_busy[] = { HDR(15), 0, 1, 0, 0, U32(0), Z8, Z8 };
static const uint8_t f_unknown[] = { HDR(9), U32(0) };
struct fake_case {
	const char *what;
	const uint8_t *contact;
	size_t contact_len;
	size_t mmio_bytes; // 0: no descriptor
	bool seal;
	const uint8_t *offers[3];
	size_t offer_lens[3];
	int timeout_ms;
	int expect;
};

static void test_raw_guest_rejects_broken_host(void)
{
	const size_t W = 2u << 20;
	const struct fake_case cases[] = {
		{ "busy", f_busy, sizeof(f_busy), 0, false, { 0 }, { 0 }, 0, -EBUSY },
		{ "wrong version echo", f_accept_wrong_echo, sizeof(f_accept_wrong_echo), W, true,
			{ 0 }, { 0 }, 0, -EPROTO },
		{ "accepted without the MMIO memfd", f_accept, sizeof(f_accept), 0, false, { 0 },
			{ 0 }, 0, -EPROTO },
		{ "MMIO memfd not sealed", f_accept, sizeof(f_accept), W, false, { 0 }, { 0 }, 0,
			-EPROTO },
		{ "MMIO memfd of the wrong size", f_accept, sizeof(f_accept), 2 * W, true, { 0 },
			{ 0 }, 0, -EPROTO },
		{ "unknown message type", f_unknown, sizeof(f_unknown), 0, false, { 0 }, { 0 }, 0,
			-EPROTO },
		{ "relid offered twice", f_accept, sizeof(f_accept), W, true,
			{ offer_keyboard, offer_keyboard, alloffers },
			{ sizeof(offer_keyboard), sizeof(offer_keyboard), sizeof(alloffers) }, 0,
			-EPROTO },
		{ "no ALLOFFERS_DELIVERED", f_accept, sizeof(f_accept), W, true, { offer_keyboard },
			{ sizeof(offer_keyboard) }, 100, -ETIMEDOUT },
		{ "silent host", NULL, 0, 0, false, { 0 }, { 0 }, 100, -ETIMEDOUT },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct fake_case *c = &cases[i];
		struct fake_host f = {
			.contact_reply = c->contact,
			.contact_len = c->contact_len,
			.contact_fd = c->mmio_bytes ? mmio_memfd(c->mmio_bytes, c->seal) : -1,
		};
		memcpy(f.offers, c->offers, sizeof(f.offers));
		memcpy(f.offer_lens, c->offer_lens, sizeof(f.offer_lens));
		REQUIRE(fake_start(&f));
		struct vmb_bus_options opts = { .socket_path = f.path,
			.timeout_ms = c->timeout_ms };
		struct vmb_bus *bus = NULL;
		int ret = vmb_bus_connect_emu(&bus, &opts);
		CHECK_MSG(ret == c->expect, "%s: %d, expected %d", c->what, ret, c->expect);
		CHECK(bus == NULL);
		if (bus)
			vmb_bus_destroy(bus);
		fake_stop(&f);
	}
}

/* An OPENCHANNEL_RESULT for an open the guest never made ends the connection. */
static void test_raw_guest_rejects_stray_open_result(void)
{
	struct fake_host f = {
		.contact_reply = f_accept,
		.contact_len = sizeof(f_accept),
		.contact_fd = mmio_memfd(2u << 20, true),
		.offers = { offer_keyboard, alloffers },
		.offer_lens = { sizeof(offer_keyboard), sizeof(alloffers) },
		.bad_open_id = true,
	};
	REQUIRE(fake_start(&f));
	struct vmb_bus_options opts = { .socket_path = f.path };
	struct vmb_bus *bus = NULL;
	REQUIRE(vmb_bus_connect_emu(&bus, &opts) == 0);
	struct vmb_offer kbd;
	REQUIRE(vmb_bus_find_offer(bus, &vmb_guid_keyboard, &kbd) == 0);
	CHECK_EQ_INT(kbd.relid, 2);
	struct vmb_channel *ch = NULL;
	CHECK_EQ_INT(vmb_channel_open(&ch, bus, &kbd, 8192, 8192), -ENOTCONN);
	CHECK(emu_log_contains(LOG_FAULT_HOST, "no such open"));
	CHECK_EQ_INT(vmb_bus_dispatch(bus), -ENOTCONN);
	vmb_bus_destroy(bus);
	fake_stop(&f);
}

/* ---- the socket (§1) ---- */

static void test_raw_socket_path_resolution(void)
{
	char buf[108];
	const char *saved_env = getenv("HVDISPLAY_VMBUS"), *saved_xdg = getenv("XDG_RUNTIME_DIR");
	char env_copy[256] = "", xdg_copy[256] = "";
	snprintf(env_copy, sizeof(env_copy), "%s", saved_env ? saved_env : "");
	snprintf(xdg_copy, sizeof(xdg_copy), "%s", saved_xdg ? saved_xdg : "");

	setenv("HVDISPLAY_VMBUS", "/env/vmbus.sock", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/1234", 1);
	CHECK(vmb_emu_socket_path("/opt/x.sock", buf, sizeof(buf)) == 0 &&
		strcmp(buf, "/opt/x.sock") == 0);
	CHECK(vmb_emu_socket_path(NULL, buf, sizeof(buf)) == 0 &&
		strcmp(buf, "/env/vmbus.sock") == 0);
	CHECK(vmb_emu_socket_path("", buf, sizeof(buf)) == 0 &&
		strcmp(buf, "/env/vmbus.sock") == 0);
	unsetenv("HVDISPLAY_VMBUS");
	CHECK(vmb_emu_socket_path(NULL, buf, sizeof(buf)) == 0 &&
		strcmp(buf, "/run/user/1234/hvdisplay/vmbus.sock") == 0);
	unsetenv("XDG_RUNTIME_DIR");
	char expect[64];
	snprintf(expect, sizeof(expect), "/tmp/hvdisplay-%u/vmbus.sock", (unsigned)getuid());
	CHECK(vmb_emu_socket_path(NULL, buf, sizeof(buf)) == 0 && strcmp(buf, expect) == 0);
	char longpath[200];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	CHECK_EQ_INT(vmb_emu_socket_path(longpath, buf, sizeof(buf)), -ENAMETOOLONG);

	if (env_copy[0])
		setenv("HVDISPLAY_VMBUS", env_copy, 1);
	if (xdg_copy[0])
		setenv("XDG_RUNTIME_DIR", xdg_copy, 1);
}

static void test_raw_stale_socket_replaced_live_one_kept(void)
{
	char dir[] = "/tmp/hvd-stale-XXXXXX";
	REQUIRE(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/vmbus.sock", dir);
	/* A socket whose listener died: bound, then closed. */
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	int dead = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	REQUIRE(dead >= 0 && bind(dead, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	close(dead);

	struct loop *loop = loop_create();
	REQUIRE(loop);
	struct vmb_host_config cfg = { .socket_path = path };
	struct vmb_host *host = NULL, *second = NULL;
	REQUIRE(vmb_host_create(&host, loop, &cfg, NULL, NULL) == 0);
	CHECK(strcmp(vmb_host_socket_path(host), path) == 0);
	CHECK_EQ_INT(vmb_host_create(&second, loop, &cfg, NULL, NULL), -EADDRINUSE);
	vmb_host_destroy(host);
	struct stat st;
	CHECK(stat(path, &st) < 0 && errno == ENOENT);

	/* Something that is not a socket is never removed. */
	int file = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	REQUIRE(file >= 0);
	close(file);
	CHECK_EQ_INT(vmb_host_create(&second, loop, &cfg, NULL, NULL), -EEXIST);
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode));
	unlink(path);

	/* Configuration the window cannot have. */
	cfg.mmio_size = 3u << 20;
	CHECK_EQ_INT(vmb_host_create(&second, loop, &cfg, NULL, NULL), -EINVAL);
	cfg.mmio_size = 0;
	cfg.mmio_base = 0x1000;
	CHECK_EQ_INT(vmb_host_create(&second, loop, &cfg, NULL, NULL), -EINVAL);
	loop_destroy(loop);
	rmdir(dir);
}

static const struct test_case cases[] = {
	TEST_CASE(test_raw_version_offers_unload_bytes),
	TEST_CASE(test_raw_busy_refusal_bytes),
	TEST_CASE(test_raw_open_refusals_leave_offer_usable),
	TEST_CASE(test_raw_malformed_messages_close_connection),
	TEST_CASE(test_raw_guest_rejects_broken_host),
	TEST_CASE(test_raw_guest_rejects_stray_open_result),
	TEST_CASE(test_raw_socket_path_resolution),
	TEST_CASE(test_raw_stale_socket_replaced_live_one_kept),
};

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	emu_log_capture_start();
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
