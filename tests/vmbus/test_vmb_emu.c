/*
 * The guest library (vmb.h over the emu transport) against the real host library (vmb_host.h)
 * over the emulated VMBus socket (vmbus-emu.md): connecting, version step-down, offers, opening
 * and moving packets both ways, rescind and re-offer, close and reopen, a corrupt ring, a guest
 * vanishing, a second guest refused. The host runs its loop in a thread (emu_harness.h); the
 * guest runs here. Nothing sleeps: each side waits for the other's messages or signals.
 */
#define LOG_MODULE "test-vmb-emu"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emu_harness.h"
#include "log.h"
#include "macros.h"
#include "test.h"
#include "vmb.h"
#include "vmb_bus_internal.h"
#include "vmb_guid.h"

#define KBD_RING (40u * 1024)
#define VIDEO_RING (256u * 1024)

/* ---- guest-side helpers ---- */

struct guest_events {
	struct vmb_offer offers[16];
	size_t n_offers;
	uint32_t rescinded[16];
	size_t n_rescinded;
	bool disconnected;
};

static void ge_offer(void *data, const struct vmb_offer *offer)
{
	struct guest_events *ge = data;
	if (ge->n_offers < ARRAY_LEN(ge->offers))
		ge->offers[ge->n_offers++] = *offer;
}

static void ge_rescind(void *data, uint32_t relid)
{
	struct guest_events *ge = data;
	if (ge->n_rescinded < ARRAY_LEN(ge->rescinded))
		ge->rescinded[ge->n_rescinded++] = relid;
}

static void ge_disconnected(void *data)
{
	((struct guest_events *)data)->disconnected = true;
}

static const struct vmb_bus_listener ge_listener = {
	.offer = ge_offer,
	.rescind = ge_rescind,
	.disconnected = ge_disconnected,
};

/* Dispatches the bus until *count exceeds before (a listener callback counted something). */
static bool guest_dispatch_until(struct vmb_bus *bus, const size_t *count, size_t before)
{
	while (*count <= before) {
		struct pollfd pfd = { .fd = vmb_bus_get_fd(bus), .events = POLLIN };
		if (poll(&pfd, 1, EMU_WAIT_MS) <= 0)
			return false;
		vmb_bus_dispatch(bus);
	}
	return true;
}

static int guest_connect(struct emu_host *h, struct vmb_bus **bus, uint32_t max_version)
{
	struct vmb_bus_options opts = { .socket_path = h->path, .max_version = max_version };
	return vmb_bus_connect_emu(bus, &opts);
}

static bool find_offer(struct vmb_bus *bus, const struct vmb_guid *iface, struct vmb_offer *out)
{
	return vmb_bus_find_offer(bus, iface, out) == 0;
}

/* Waits for and receives one packet on a guest channel. */
static int guest_recv(struct vmb_channel *ch, uint8_t *buf, size_t cap, struct vmb_ring_in *pkt)
{
	int ret = vmb_channel_wait_readable(ch, EMU_WAIT_MS);
	if (ret < 0)
		return ret;
	return vmb_channel_recv(ch, pkt, buf, cap);
}

/* A fresh host (echoing and tracing if asked) and a guest bus connected to it. */
static struct vmb_bus *start_connected(struct emu_host *h, bool echo, bool trace)
{
	REQUIRE(emu_host_start(h, NULL, 0) == 0);
	if (echo || trace)
		emu_host_configure(h, echo, trace);
	struct vmb_bus *bus = NULL;
	REQUIRE(guest_connect(h, &bus, 0) == 0);
	return bus;
}

/* The keyboard's offer, opened with rings of ring bytes each way. */
static struct vmb_channel *open_kbd(struct vmb_bus *bus, struct vmb_offer *kbd, uint32_t ring)
{
	REQUIRE(find_offer(bus, &vmb_guid_keyboard, kbd));
	struct vmb_channel *ch = NULL;
	REQUIRE(vmb_channel_open(&ch, bus, kbd, ring, ring) == 0);
	return ch;
}

static void finish(struct emu_host *h, struct vmb_bus *bus)
{
	vmb_bus_destroy(bus);
	emu_host_stop(h);
}

/* ---- cases ---- */

static void test_emu_connect_offers_three_devices(void)
{
	struct emu_host h;
	REQUIRE(emu_host_start(&h, NULL, 0) == 0);
	struct stat st;
	char sub[160];
	snprintf(sub, sizeof(sub), "%s/sock", h.dir);
	CHECK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700);

	struct vmb_bus *bus = NULL;
	REQUIRE(guest_connect(&h, &bus, 0) == 0);
	CHECK_EQ_INT(vmb_bus_version(bus), VMB_VERSION_WIN10_V5);
	CHECK(strcmp(vmb_bus_transport_name(bus), "emu") == 0);
	size_t cursor = 0;
	struct emu_event ev;
	CHECK(emu_host_wait(&h, &cursor, EMU_EV_CONNECTED, -1, &ev) && ev.value == 0x00050000);

	static const struct {
		const struct vmb_guid *iface, *instance;
		uint16_t mmio_mb, flags;
		uint32_t pipe_mode;
	} expect[] = {
		{ &vmb_guid_synthvid, &vmb_guid_synthvid_instance, 8, 0x10, 4 },
		{ &vmb_guid_keyboard, &vmb_guid_keyboard_instance, 0, 0, 0 },
		{ &vmb_guid_mouse, &vmb_guid_mouse_instance, 0, 0x10, 4 },
	};
	CHECK_EQ_INT(vmb_bus_offer_count(bus), 3);
	uint32_t relids[3] = { 0 };
	for (size_t i = 0; i < ARRAY_LEN(expect); i++) {
		struct vmb_offer o;
		REQUIRE(find_offer(bus, expect[i].iface, &o));
		CHECK(vmb_guid_equal(&o.instance, expect[i].instance));
		CHECK_EQ_INT(o.mmio_megabytes, expect[i].mmio_mb);
		CHECK_EQ_INT(o.chn_flags, expect[i].flags);
		CHECK_EQ_INT(o.pipe_mode, expect[i].pipe_mode);
		relids[i] = o.relid;
	}
	CHECK(relids[0] != relids[1] && relids[1] != relids[2] && relids[0] != relids[2]);

	/* The MMIO window is shared memory: a guest write shows on the host at once. */
	struct vmb_mmio mmio;
	REQUIRE(vmb_bus_get_mmio(bus, &mmio) == 0);
	CHECK(mmio.gpa == 0xF8000000u && mmio.size == (128u << 20));
	memcpy(mmio.base + mmio.size - 4, "VRAM", 4);
	uint64_t gpa = 0, size = 0;
	/* Set before the host thread started serving, constant since: readable from here. */
	uint8_t *host_view = vmb_host_mmio(h.host, &gpa, &size);
	REQUIRE(host_view);
	CHECK(memcmp(host_view + size - 4, "VRAM", 4) == 0);
	CHECK(gpa == mmio.gpa && size == mmio.size);

	vmb_bus_destroy(bus);
	CHECK(emu_host_wait(&h, &cursor, EMU_EV_DISCONNECTED, -1, NULL));
	emu_host_stop(&h);
}

static void test_emu_version_step_down(void)
{
	static const uint32_t only_3_0[] = { VMB_VERSION_WIN8_1 };
	struct emu_host h;
	REQUIRE(emu_host_start(&h, only_3_0, 1) == 0);
	struct vmb_bus *bus = NULL;
	emu_log_clear();
	REQUIRE(guest_connect(&h, &bus, 0) == 0);
	CHECK_EQ_INT(vmb_bus_version(bus), VMB_VERSION_WIN8_1);
	size_t cursor = 0;
	struct emu_event ev;
	CHECK(emu_host_wait(&h, &cursor, EMU_EV_CONNECTED, -1, &ev) && ev.value == 0x00030000);
	/* Refused twice on the way down (5.0, 4.0), and the guest said so. */
	CHECK(emu_log_contains(0, "refused VMBus 5.0"));
	CHECK(emu_log_contains(0, "refused VMBus 4.0"));
	CHECK_EQ_INT(vmb_bus_offer_count(bus), 3);
	vmb_bus_destroy(bus);
	CHECK(emu_host_wait(&h, &cursor, EMU_EV_DISCONNECTED, -1, NULL));

	/* A guest whose newest is 2.4 cannot go up to 3.0: nothing in common. */
	CHECK_EQ_INT(guest_connect(&h, &bus, VMB_VERSION_WIN8), -EPROTONOSUPPORT);
	/* A max between known versions starts at the next older one. */
	CHECK_EQ_INT(guest_connect(&h, &bus, 0x00030001), 0);
	CHECK_EQ_INT(vmb_bus_version(bus), VMB_VERSION_WIN8_1);
	finish(&h, bus);
}

/* Guest -> host -> guest with the host echoing; the trace tap sees both packets. */
static void test_emu_open_ring_exchange(void)
{
	struct emu_host h;
	struct vmb_bus *bus = start_connected(&h, true, false);
	struct vmb_offer kbd, video;
	REQUIRE(find_offer(bus, &vmb_guid_keyboard, &kbd));
	REQUIRE(find_offer(bus, &vmb_guid_synthvid, &video));
	struct vmb_channel *ch = NULL, *vch = NULL;
	REQUIRE(vmb_channel_open(&ch, bus, &kbd, KBD_RING, KBD_RING) == 0);
	REQUIRE(vmb_channel_open(&vch, bus, &video, VIDEO_RING, VIDEO_RING) == 0);
	size_t cursor = 0;
	struct emu_event ev;
	REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_OPENED, EMU_DEV_KEYBOARD, &ev));
	CHECK_EQ_INT(ev.relid, kbd.relid);
	CHECK(emu_host_is_open(&h, EMU_DEV_KEYBOARD) && emu_host_is_open(&h, EMU_DEV_VIDEO));
	CHECK(!emu_host_is_open(&h, EMU_DEV_MOUSE));

	/* Enough bytes to wrap both 36 KiB data areas, in every padding. */
	for (int i = 0; i < 1500; i++) {
		char msg[48];
		int len = snprintf(msg, sizeof(msg), "packet %d %.*s", i, i % 30,
			"abcdefghijklmnopqrstuvwxyz0123");
		REQUIRE(vmb_channel_send(ch, msg, (size_t)len, 0x1000u + (unsigned)i, 0) == 0);
		REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_PACKET, EMU_DEV_KEYBOARD, &ev));
		CHECK(memcmp(ev.data, msg, (size_t)len) == 0);
		CHECK_EQ_INT(ev.len, ALIGN_UP((size_t)len, 8));
		uint8_t buf[256];
		struct vmb_ring_in pkt;
		REQUIRE(guest_recv(ch, buf, sizeof(buf), &pkt) == 1);
		CHECK_EQ_INT(pkt.type, VMB_PKT_DATA_INBAND);
		CHECK_EQ_INT(pkt.trans_id, 0); /* unsolicited host packets carry 0 */
		CHECK(memcmp(pkt.payload, msg, (size_t)len) == 0);
	}

	/* The video channel works independently of the keyboard's. */
	REQUIRE(vmb_channel_send(vch, "vid!", 4, 1, 0) == 0);
	REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_PACKET, EMU_DEV_VIDEO, &ev));
	CHECK(memcmp(ev.data, "vid!", 4) == 0);

	vmb_channel_close(vch);
	vmb_channel_close(ch);
	CHECK(emu_host_wait(&h, &cursor, EMU_EV_CLOSED, EMU_DEV_KEYBOARD, &ev));
	CHECK_EQ_INT(ev.value, VMB_HOST_CLOSE_GUEST);
	finish(&h, bus);
}

/* The capture tap: the channel opened (its GUIDs), then each packet as the ring held it. */
static void test_emu_trace_tap(void)
{
	struct emu_host h;
	struct vmb_bus *bus = start_connected(&h, true, true);
	struct vmb_offer kbd;
	struct vmb_channel *ch = open_kbd(bus, &kbd, KBD_RING);
	REQUIRE(vmb_channel_send(ch, "packet 0", 8, 0x1000, 0) == 0);
	uint8_t buf[64];
	struct vmb_ring_in pkt;
	REQUIRE(guest_recv(ch, buf, sizeof(buf), &pkt) == 1);

	size_t tc = 0;
	struct emu_event ev;
	REQUIRE(emu_host_wait(&h, &tc, EMU_EV_TRACE_OPEN, -1, &ev));
	CHECK_EQ_INT(ev.relid, kbd.relid);
	CHECK(memcmp(ev.data, vmb_guid_keyboard.bytes, 16) == 0);
	CHECK(memcmp(ev.data + 16, vmb_guid_keyboard_instance.bytes, 16) == 0);
	/* Descriptor (type 6, offset8 2, len8 3, flags 0, trans_id), payload, no trailer. */
	REQUIRE(emu_host_wait(&h, &tc, EMU_EV_TRACE_PACKET, -1, &ev));
	CHECK_EQ_INT(ev.relid, kbd.relid);
	CHECK_EQ_INT(ev.value, VMB_HOST_DIR_GUEST_TO_HOST);
	static const uint8_t sent[] = { 6, 0, 2, 0, 3, 0, 0, 0, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 'p',
		'a', 'c', 'k', 'e', 't', ' ', '0' };
	CHECK_EQ_INT(ev.len, sizeof(sent));
	CHECK(memcmp(ev.data, sent, sizeof(sent)) == 0);
	REQUIRE(emu_host_wait(&h, &tc, EMU_EV_TRACE_PACKET, -1, &ev));
	CHECK_EQ_INT(ev.value, VMB_HOST_DIR_HOST_TO_GUEST);
	static const uint8_t echoed[] = { 6, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'p', 'a',
		'c', 'k', 'e', 't', ' ', '0' };
	CHECK_EQ_INT(ev.len, sizeof(echoed));
	CHECK(memcmp(ev.data, echoed, sizeof(echoed)) == 0);
	CHECK(pkt.raw_len == sizeof(echoed) && memcmp(pkt.raw, echoed, sizeof(echoed)) == 0);
	finish(&h, bus);
}

/* A full ring: -EAGAIN, the host frees space and signals (pending_send_sz), the send goes. */
static void test_emu_full_ring_waits_for_space(void)
{
	struct emu_host h;
	struct vmb_bus *bus = start_connected(&h, false, false);
	struct vmb_offer kbd;
	struct vmb_channel *ch = open_kbd(bus, &kbd, 8192);
	size_t cursor = 0;
	REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_OPENED, EMU_DEV_KEYBOARD, NULL));
	emu_host_pause(&h, EMU_DEV_KEYBOARD, true);

	uint8_t payload[256];
	memset(payload, 0x5a, sizeof(payload));
	int sent = 0, ret;
	while ((ret = vmb_channel_send(ch, payload, sizeof(payload), 1, 0)) == 0)
		sent++;
	CHECK_EQ_INT(ret, -EAGAIN);
	/* 4096 data bytes, 280 per packet, 8 always free: 14 fit. */
	CHECK_EQ_INT(sent, 14);
	CHECK_EQ_INT(emu_host_count(&h, EMU_EV_PACKET, EMU_DEV_KEYBOARD), 0);

	emu_host_pause(&h, EMU_DEV_KEYBOARD, false);
	REQUIRE(vmb_channel_wait_writable(ch, sizeof(payload), EMU_WAIT_MS) == 0);
	CHECK_EQ_INT(vmb_channel_send(ch, payload, sizeof(payload), 1, 0), 0);
	for (int i = 0; i < sent + 1; i++)
		REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_PACKET, EMU_DEV_KEYBOARD, NULL));
	finish(&h, bus);
}

/* Rescind an open and an unopened device; each comes back under a new relid. */
static void test_emu_rescind_and_reoffer(void)
{
	struct emu_host h;
	struct vmb_bus *bus = start_connected(&h, false, false);
	struct guest_events ge = { 0 };
	REQUIRE(vmb_bus_add_listener(bus, &ge_listener, &ge) == 0);
	struct vmb_offer kbd, mouse;
	REQUIRE(find_offer(bus, &vmb_guid_keyboard, &kbd));
	REQUIRE(find_offer(bus, &vmb_guid_mouse, &mouse));
	struct vmb_channel *ch = NULL;
	REQUIRE(vmb_channel_open(&ch, bus, &kbd, KBD_RING, KBD_RING) == 0);
	size_t cursor = 0;
	struct emu_event ev;
	REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_OPENED, EMU_DEV_KEYBOARD, NULL));

	CHECK_EQ_INT(emu_host_rescind(&h, EMU_DEV_KEYBOARD), 0);
	CHECK_EQ_INT(emu_host_reoffer(&h, EMU_DEV_KEYBOARD), 0); /* after the release */
	REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_CLOSED, EMU_DEV_KEYBOARD, &ev));
	CHECK_EQ_INT(ev.value, VMB_HOST_CLOSE_RESCINDED);
	REQUIRE(guest_dispatch_until(bus, &ge.n_rescinded, 0));
	CHECK_EQ_INT(ge.rescinded[0], kbd.relid);
	CHECK(vmb_channel_is_rescinded(ch));
	CHECK_EQ_INT(vmb_channel_send(ch, "x", 1, 1, 0), -ENODEV);
	uint8_t buf[64];
	struct vmb_ring_in pkt;
	CHECK_EQ_INT(vmb_channel_recv(ch, &pkt, buf, sizeof(buf)), -ENODEV);
	CHECK_EQ_INT(vmb_channel_wait_readable(ch, EMU_WAIT_MS), -ENODEV);
	CHECK(vmb_bus_find_offer(bus, &vmb_guid_keyboard, NULL) == -ENOENT);
	CHECK_EQ_INT(ge.n_offers, 0); /* no new offer before the release */

	vmb_channel_close(ch); /* RELID_RELEASED: the host offers the device again */
	REQUIRE(guest_dispatch_until(bus, &ge.n_offers, 0));
	CHECK(vmb_guid_equal(&ge.offers[0].instance, &vmb_guid_keyboard_instance));
	CHECK(ge.offers[0].relid != kbd.relid);
	struct vmb_offer again;
	REQUIRE(find_offer(bus, &vmb_guid_keyboard, &again));
	CHECK_EQ_INT(again.relid, ge.offers[0].relid);
	REQUIRE(vmb_channel_open(&ch, bus, &again, KBD_RING, KBD_RING) == 0);
	REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_OPENED, EMU_DEV_KEYBOARD, &ev));
	CHECK_EQ_INT(ev.relid, again.relid);
	/* The old relid is gone for good. */
	struct vmb_channel *stale = NULL;
	CHECK_EQ_INT(vmb_channel_open(&stale, bus, &kbd, KBD_RING, KBD_RING), -ENOENT);

	/* An offer never opened: the guest releases it at once, the host may offer it again. */
	CHECK_EQ_INT(emu_host_rescind(&h, EMU_DEV_MOUSE), 0);
	REQUIRE(guest_dispatch_until(bus, &ge.n_rescinded, 1));
	CHECK_EQ_INT(ge.rescinded[1], mouse.relid);
	CHECK_EQ_INT(emu_host_reoffer(&h, EMU_DEV_MOUSE), 0);
	REQUIRE(guest_dispatch_until(bus, &ge.n_offers, 1));
	CHECK(vmb_guid_equal(&ge.offers[1].interface, &vmb_guid_mouse));
	CHECK(ge.offers[1].relid != mouse.relid && ge.offers[1].relid != ge.offers[0].relid);
	CHECK_EQ_INT(emu_host_reoffer(&h, EMU_DEV_MOUSE), -EALREADY);

	vmb_channel_close(ch);
	finish(&h, bus);
}

/* CLOSECHANNEL: the host unmaps and the same offer can be opened again at once (§3.6). */
static void test_emu_close_channel_offer_again(void)
{
	struct emu_host h;
	struct vmb_bus *bus = start_connected(&h, false, false);
	struct vmb_offer kbd;
	REQUIRE(find_offer(bus, &vmb_guid_keyboard, &kbd));
	size_t cursor = 0;
	struct emu_event ev;
	for (int round = 0; round < 3; round++) {
		struct vmb_channel *ch = NULL;
		REQUIRE(vmb_channel_open(&ch, bus, &kbd, KBD_RING, KBD_RING) == 0);
		REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_OPENED, EMU_DEV_KEYBOARD, &ev));
		CHECK_EQ_INT(ev.relid, kbd.relid);
		struct vmb_channel *twice = NULL;
		CHECK_EQ_INT(vmb_channel_open(&twice, bus, &kbd, KBD_RING, KBD_RING), -EBUSY);
		vmb_channel_close(ch);
		REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_CLOSED, EMU_DEV_KEYBOARD, &ev));
		CHECK_EQ_INT(ev.value, VMB_HOST_CLOSE_GUEST);
		CHECK(!emu_host_is_open(&h, EMU_DEV_KEYBOARD));
	}
	CHECK_EQ_INT(vmb_bus_offer_count(bus), 3);
	finish(&h, bus);
}

/* A corrupt descriptor written by the guest: the host rescinds and offers again after release. */
static void test_emu_corrupt_ring_rescinded_and_reoffered(void)
{
	struct emu_host h;
	struct vmb_bus *bus = start_connected(&h, false, false);
	struct guest_events ge = { 0 };
	REQUIRE(vmb_bus_add_listener(bus, &ge_listener, &ge) == 0);
	struct vmb_offer kbd;
	struct vmb_channel *ch = open_kbd(bus, &kbd, KBD_RING);
	size_t cursor = 0;
	struct emu_event ev;
	REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_OPENED, EMU_DEV_KEYBOARD, NULL));

	/* Held back while the packet is spoilt: type 0x1 is not one a reader accepts. */
	emu_host_pause(&h, EMU_DEV_KEYBOARD, true);
	REQUIRE(vmb_channel_send(ch, "spoilt!!", 8, 1, 0) == 0);
	ch->tc.ring_mem[VMB_RING_CONTROL_SIZE] = 0x01;
	emu_host_pause(&h, EMU_DEV_KEYBOARD, false);

	/* Told closed from inside the recv that found the fault, so before EMU_EV_CORRUPT. */
	size_t corrupt_cursor = cursor;
	REQUIRE(emu_host_wait(&h, &corrupt_cursor, EMU_EV_CORRUPT, EMU_DEV_KEYBOARD, NULL));
	REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_CLOSED, EMU_DEV_KEYBOARD, &ev));
	CHECK_EQ_INT(ev.value, VMB_HOST_CLOSE_RESCINDED);
	CHECK_EQ_INT(emu_host_count(&h, EMU_EV_PACKET, EMU_DEV_KEYBOARD), 0);
	CHECK_EQ_INT(emu_host_stats(&h).corrupt_rings, 1);
	CHECK(emu_log_contains(LOG_FAULT_GUEST, "ring corrupt"));

	REQUIRE(guest_dispatch_until(bus, &ge.n_rescinded, 0));
	CHECK_EQ_INT(ge.rescinded[0], kbd.relid);
	vmb_channel_close(ch);
	REQUIRE(guest_dispatch_until(bus, &ge.n_offers, 0));
	CHECK(vmb_guid_equal(&ge.offers[0].instance, &vmb_guid_keyboard_instance));
	CHECK(ge.offers[0].relid != kbd.relid);
	REQUIRE(vmb_channel_open(&ch, bus, &ge.offers[0], KBD_RING, KBD_RING) == 0);
	REQUIRE(vmb_channel_send(ch, "fresh", 5, 1, 0) == 0);
	REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_PACKET, EMU_DEV_KEYBOARD, &ev));
	CHECK(memcmp(ev.data, "fresh", 5) == 0);
	finish(&h, bus);
}

/* A guest process killed mid-stream: the host closes its channels and serves the next one. */
static void test_emu_guest_vanishes_mid_stream(void)
{
	struct emu_host h;
	REQUIRE(emu_host_start(&h, NULL, 0) == 0);
	int ready[2];
	REQUIRE(pipe(ready) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		log_set_handler(NULL); /* the capture's lock may be held by a thread not copied */
		struct vmb_bus *bus = NULL;
		struct vmb_offer kbd;
		struct vmb_channel *ch = NULL;
		if (guest_connect(&h, &bus, 0) < 0 || !find_offer(bus, &vmb_guid_keyboard, &kbd) ||
			vmb_channel_open(&ch, bus, &kbd, KBD_RING, KBD_RING) < 0)
			_exit(1);
		/* Packets in flight, then nothing more: the parent kills us mid-stream. */
		for (int i = 0; i < 64; i++) {
			if (vmb_channel_send(ch, "stream", 6, 1, 0) == -EAGAIN)
				vmb_channel_wait_writable(ch, 6, EMU_WAIT_MS);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	char c;
	CHECK(read(ready[0], &c, 1) == 1);
	close(ready[0]);
	size_t cursor = 0;
	REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_PACKET, EMU_DEV_KEYBOARD, NULL));
	kill(pid, SIGKILL);
	int status;
	waitpid(pid, &status, 0);

	struct emu_event ev;
	REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_CLOSED, EMU_DEV_KEYBOARD, &ev));
	CHECK_EQ_INT(ev.value, VMB_HOST_CLOSE_DISCONNECTED);
	REQUIRE(emu_host_wait(&h, &cursor, EMU_EV_DISCONNECTED, -1, NULL));
	CHECK(!emu_host_is_open(&h, EMU_DEV_KEYBOARD));

	struct vmb_bus *bus = NULL;
	REQUIRE(guest_connect(&h, &bus, 0) == 0);
	CHECK(emu_host_wait(&h, &cursor, EMU_EV_CONNECTED, -1, NULL));
	struct vmb_offer kbd;
	REQUIRE(find_offer(bus, &vmb_guid_keyboard, &kbd));
	struct vmb_channel *ch = NULL;
	CHECK_EQ_INT(vmb_channel_open(&ch, bus, &kbd, KBD_RING, KBD_RING), 0);
	finish(&h, bus);
}

static void test_emu_second_guest_busy(void)
{
	struct emu_host h;
	struct vmb_bus *first = start_connected(&h, true, false), *second = NULL;
	CHECK_EQ_INT(guest_connect(&h, &second, 0), -EBUSY);
	CHECK(second == NULL);
	CHECK_EQ_INT(emu_host_stats(&h).busy_refusals, 1);

	/* The first guest never noticed. */
	struct vmb_offer kbd;
	struct vmb_channel *ch = open_kbd(first, &kbd, KBD_RING);
	REQUIRE(vmb_channel_send(ch, "still", 5, 1, 0) == 0);
	uint8_t buf[64];
	struct vmb_ring_in pkt;
	REQUIRE(guest_recv(ch, buf, sizeof(buf), &pkt) == 1);
	CHECK(memcmp(pkt.payload, "still", 5) == 0);
	CHECK_EQ_INT(vmb_bus_dispatch(first), 0);
	finish(&h, first);
}

/* The host leaving: the bus and its channels fail with -ENOTCONN, the listener hears it. */
static void test_emu_host_disconnect_seen_by_guest(void)
{
	struct emu_host h;
	struct vmb_bus *bus = start_connected(&h, false, false);
	struct guest_events ge = { 0 };
	REQUIRE(vmb_bus_add_listener(bus, &ge_listener, &ge) == 0);
	struct vmb_offer kbd;
	struct vmb_channel *ch = open_kbd(bus, &kbd, KBD_RING);
	emu_host_stop(&h);

	CHECK_EQ_INT(vmb_channel_wait_readable(ch, EMU_WAIT_MS), -ENOTCONN);
	CHECK_EQ_INT(vmb_channel_send(ch, "x", 1, 1, 0), -ENOTCONN);
	struct pollfd pfd = { .fd = vmb_bus_get_fd(bus), .events = POLLIN };
	CHECK(poll(&pfd, 1, EMU_WAIT_MS) == 1);
	CHECK_EQ_INT(vmb_bus_dispatch(bus), -ENOTCONN);
	CHECK(ge.disconnected);
	CHECK_EQ_INT(vmb_bus_offer_count(bus), 0);
	vmb_channel_close(ch);
	vmb_bus_destroy(bus);
}

static void test_emu_no_host(void)
{
	char dir[] = "/tmp/hvd-nohost-XXXXXX";
	REQUIRE(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/vmbus.sock", dir);
	struct vmb_bus_options opts = { .socket_path = path };
	struct vmb_bus *bus = NULL;
	CHECK_EQ_INT(vmb_bus_connect_emu(&bus, &opts), -ENOENT);
	CHECK(bus == NULL);
	rmdir(dir);
}

static const struct test_case cases[] = {
	TEST_CASE(test_emu_connect_offers_three_devices),
	TEST_CASE(test_emu_version_step_down),
	TEST_CASE(test_emu_open_ring_exchange),
	TEST_CASE(test_emu_trace_tap),
	TEST_CASE(test_emu_full_ring_waits_for_space),
	TEST_CASE(test_emu_rescind_and_reoffer),
	TEST_CASE(test_emu_close_channel_offer_again),
	TEST_CASE(test_emu_corrupt_ring_rescinded_and_reoffered),
	TEST_CASE(test_emu_guest_vanishes_mid_stream),
	TEST_CASE(test_emu_second_guest_busy),
	TEST_CASE(test_emu_host_disconnect_seen_by_guest),
	TEST_CASE(test_emu_no_host),
};

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	emu_log_capture_start();
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
