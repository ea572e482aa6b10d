/*
 * The uio transport (vmb_transport_uio.c, vmbus-ring.md §6) against a fake guest (uio_fake.h):
 * offers from a sysfs tree, binding through driver files, the ring size from map0, packets both
 * ways through a ring in a plain file, the interrupt loop as kernels before and since 6.18 run
 * it, and a rescind. No root, no uio device; nothing sleeps (every step is the test's own).
 */
#define LOG_MODULE "test-vmb-uio"
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "macros.h"
#include "test.h"
#include "uio_fake.h"
#include "vmb.h"
#include "vmb_guid.h"
#include "vmb_transport_uio.h"
#include "vmb_uio_sysfs.h"

#define KBD_RELID 14u
#define RING_2M_4K (2u * 1024 * 1024 + 4096)
#define RING_16K (16u * 1024)
#define MAP0_2M_4K "0x0000000000402000\n" // 2 x (2 MiB + 4 KiB), as uio prints it (%pa)
#define MAP0_16K "0x0000000000008000\n"

#define DEV_KBD(driver, uio, monitor)                                                              \
	{                                                                                          \
		FAKE_KBD_INSTANCE, "{" FAKE_KBD_CLASS "}\n", "14\n", driver, uio, monitor          \
	}
#define DEV_VIDEO                                                                                  \
	{                                                                                          \
		FAKE_VIDEO_INSTANCE, "{" FAKE_VIDEO_CLASS "}\n", "9\n", "hyperv_fb", false, NULL   \
	}
#define DEV_MOUSE                                                                                  \
	{                                                                                          \
		FAKE_MOUSE_INSTANCE, "{" FAKE_MOUSE_CLASS "}\n", "15\n", "hid_hyperv", false, NULL \
	}

/* A guest as the three devices Hyper-V offers for a desktop; the keyboard has node uio0. */
static const struct fake_device desktop[] = {
	DEV_VIDEO,
	DEV_KBD("hyperv_keyboard", true, NULL),
	DEV_MOUSE,
};

/* One fake and one bus at a time, torn down by the case, or by the next one or at exit when a
 * REQUIRE left early: no temporary directory or open channel outlives its case. */
static struct fake g_fake = { .slave = -1 };
static struct vmb_bus *g_bus;

static void teardown(void)
{
	vmb_bus_destroy(g_bus); /* closes channels: gives devices back into the fake tree */
	g_bus = NULL;
	fake_finish(&g_fake);
}

static struct fake *setup_with(const struct fake_device *devs, size_t n, const char *map0,
	uint32_t ring_bytes, bool uio_loaded)
{
	teardown();
	REQUIRE(fake_init(&g_fake, devs, n, map0, ring_bytes, uio_loaded));
	return &g_fake;
}

static struct fake *setup(
	const struct fake_device *devs, size_t n, const char *map0, uint32_t ring_bytes)
{
	return setup_with(devs, n, map0, ring_bytes, true);
}

static struct vmb_bus *open_bus(struct fake *f)
{
	vmb_bus_destroy(g_bus);
	g_bus = NULL;
	REQUIRE(vmb_bus_open_uio_with(&g_bus, &f->config) == 0);
	return g_bus;
}

/* Opens the keyboard's channel; the ring sizes asked for are ignored by uio. */
static int open_kbd(struct vmb_bus *bus, struct vmb_channel **ch)
{
	if (!fake_have_pty())
		SKIP("no pty to stand in for /dev/uioN");
	struct vmb_offer offer;
	REQUIRE(vmb_bus_find_offer(bus, &vmb_guid_keyboard, &offer) == 0);
	return vmb_channel_open(ch, bus, &offer, 8192, 8192);
}

static bool fd_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	return poll(&pfd, 1, 0) == 1;
}

/* ---- sysfs text ---- */

static void test_sysfs_parsers(void)
{
	static const struct {
		const char *text;
		int ret;
	} guids[] = {
		{ "{" FAKE_KBD_CLASS "}\n", 0 },
		{ FAKE_KBD_CLASS, 0 },
		{ "{F912AD6D-2B17-48EA-BD65-F927A61C7684}", 0 },
		{ "{" FAKE_KBD_CLASS "}\n\n", -EINVAL },
		{ "{" FAKE_KBD_CLASS, -EINVAL },
		{ "{f912ad6d-2b17-48ea-bd65-f927a61c768}", -EINVAL },
		{ "", -EINVAL },
	};
	for (size_t i = 0; i < ARRAY_LEN(guids); i++) {
		struct vmb_guid g;
		int ret = vmb_uio_parse_guid(guids[i].text, &g);
		CHECK_MSG(ret == guids[i].ret, "guid %zu: %d", i, ret);
		if (ret == 0)
			CHECK(vmb_guid_equal(&g, &vmb_guid_keyboard));
	}
	static const struct {
		const char *text;
		int ret;
		uint32_t value;
	} u32s[] = {
		{ "14\n", 0, 14 },
		{ "0", 0, 0 },
		{ "4294967295\n", 0, UINT32_MAX },
		{ "4294967296", -ERANGE, 0 },
		{ "014", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "\n", -EINVAL, 0 },
	};
	for (size_t i = 0; i < ARRAY_LEN(u32s); i++) {
		uint32_t v = 0;
		int ret = vmb_uio_parse_u32(u32s[i].text, &v);
		CHECK_MSG(ret == u32s[i].ret && (ret < 0 || v == u32s[i].value), "u32 %zu: %d %u",
			i, ret, v);
	}
	static const struct {
		const char *text;
		int ret;
		uint64_t value;
	} sizes[] = {
		{ MAP0_2M_4K, 0, 2ull * RING_2M_4K },
		{ "0x8000", 0, 0x8000 },
		{ "32768\n", 0, 32768 },
		{ "0x", -EINVAL, 0 },
		{ "0x10000000000000000", -ERANGE, 0 },
		{ "0x80g0", -EINVAL, 0 },
	};
	for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
		uint64_t v = 0;
		int ret = vmb_uio_parse_size(sizes[i].text, &v);
		CHECK_MSG(ret == sizes[i].ret && (ret < 0 || v == sizes[i].value), "size %zu: %d",
			i, ret);
	}
	uint32_t node = 0;
	CHECK(vmb_uio_parse_node("uio12", &node) == 0 && node == 12);
	CHECK(vmb_uio_parse_node("uio", &node) == -EINVAL);
	CHECK(vmb_uio_parse_node("uio1x", &node) == -EINVAL);
	CHECK(vmb_uio_parse_node("vfio0", &node) == -EINVAL);
}

/* ---- offers ---- */

static void check_desktop_offers(struct vmb_bus *bus)
{
	REQUIRE(vmb_bus_offer_count(bus) == 3);
	const struct {
		const struct vmb_guid *class, *instance;
		uint32_t relid;
	} expect[] = {
		{ &vmb_guid_synthvid, &vmb_guid_synthvid_instance, 9 },
		{ &vmb_guid_keyboard, &vmb_guid_keyboard_instance, 14 },
		{ &vmb_guid_mouse, &vmb_guid_mouse_instance, 15 },
	};
	for (size_t i = 0; i < ARRAY_LEN(expect); i++) {
		const struct vmb_offer *o = vmb_bus_offer_at(bus, i); /* listed by relid */
		CHECK_EQ_INT(o->relid, expect[i].relid);
		CHECK(vmb_guid_equal(&o->interface, expect[i].class));
		CHECK(vmb_guid_equal(&o->instance, expect[i].instance));
		/* Sysfs does not show these. */
		CHECK_EQ_INT(o->mmio_megabytes, 0);
		CHECK_EQ_INT(o->chn_flags, 0);
		CHECK_EQ_INT(o->pipe_mode, 0);
	}
}

static void test_offers_from_sysfs(void)
{
	struct fake *f = setup(desktop, ARRAY_LEN(desktop), MAP0_16K, RING_16K);
	struct vmb_bus *bus = open_bus(f);
	check_desktop_offers(bus);
	CHECK(strcmp(vmb_bus_transport_name(bus), "uio") == 0);
	CHECK_EQ_INT(vmb_bus_version(bus), 0);
	struct vmb_mmio mmio;
	CHECK_EQ_INT(vmb_bus_get_mmio(bus, &mmio), -EOPNOTSUPP);
	CHECK(!fd_readable(vmb_bus_get_fd(bus)));
	CHECK_EQ_INT(f->opens, 0); /* listing opens no channel */
	vmb_bus_destroy(bus);
	g_bus = NULL;

	/* The public constructor reads the same tree. */
	REQUIRE(vmb_bus_open_uio(&g_bus, f->sys, f->dev) == 0);
	check_desktop_offers(g_bus);
	teardown();
}

static void test_offers_skip_malformed_devices(void)
{
	const struct fake_device devs[] = {
		DEV_VIDEO,
		DEV_KBD("hyperv_keyboard", true, NULL),
		DEV_MOUSE,
		{ "11111111-1111-1111-1111-111111111111", "{nonsense}\n", "20\n", NULL, false,
			NULL },
		{ "22222222-2222-2222-2222-222222222222", "{" FAKE_KBD_CLASS "}\n", NULL, NULL,
			false, NULL },
		/* Two devices claiming one relid: neither can be trusted. */
		{ "33333333-3333-3333-3333-333333333333", "{" FAKE_MOUSE_CLASS "}\n", "30\n", NULL,
			false, NULL },
		{ "55555555-5555-5555-5555-555555555555", "{" FAKE_KBD_CLASS "}\n", "30\n", NULL,
			false, NULL },
		{ "44444444-4444-4444-4444-444444444444", "{" FAKE_MOUSE_CLASS "}\n", "x\n", NULL,
			false, NULL },
	};
	struct fake *f = setup(devs, ARRAY_LEN(devs), MAP0_16K, RING_16K);
	struct vmb_bus *bus = open_bus(f);
	check_desktop_offers(bus);
	teardown();
}

static void test_no_vmbus_in_sysfs(void)
{
	struct fake *f = setup(NULL, 0, MAP0_16K, RING_16K);
	struct vmb_bus *bus = NULL;
	CHECK_EQ_INT(vmb_bus_open_uio_with(&bus, &f->config), -ENOENT);
	CHECK(bus == NULL);
}

/* ---- binding ---- */

static void test_bind_takes_device_from_kernel_driver(void)
{
	struct fake *f = setup(desktop, ARRAY_LEN(desktop), MAP0_16K, RING_16K);
	struct vmb_bus *bus = open_bus(f);
	struct vmb_channel *ch = NULL;
	REQUIRE(open_kbd(bus, &ch) == 0);
	CHECK(strcmp(fake_sysfs(f, "bus/vmbus/drivers/hyperv_keyboard/unbind"),
		      FAKE_KBD_INSTANCE) == 0);
	CHECK(strcmp(fake_sysfs(f, "bus/vmbus/drivers/uio_hv_generic/new_id"), FAKE_KBD_CLASS) ==
		0);
	CHECK(strcmp(fake_sysfs(f, "bus/vmbus/drivers/uio_hv_generic/bind"), FAKE_KBD_INSTANCE) ==
		0);
	CHECK(strcmp(fake_sysfs(f, "bus/vmbus/drivers/hid_hyperv/unbind"), "") == 0);
	CHECK_EQ_INT(f->opens, 1);
	size_t dev_len = strlen(f->dev);
	CHECK(strncmp(f->opened, f->dev, dev_len) == 0 &&
		strcmp(f->opened + dev_len, "/uio0") == 0);
	CHECK(strcmp(fake_sysfs(f, "bus/vmbus/drivers/hyperv_keyboard/bind"), "") == 0);

	/* Closing gives the keyboard back to the kernel's driver. */
	vmb_channel_close(ch);
	CHECK(strcmp(fake_sysfs(f, "bus/vmbus/drivers/uio_hv_generic/unbind"), FAKE_KBD_INSTANCE) ==
		0);
	CHECK(strcmp(fake_sysfs(f, "bus/vmbus/drivers/hyperv_keyboard/bind"), FAKE_KBD_INSTANCE) ==
		0);
	teardown();
}

static void test_bind_leaves_device_already_on_uio(void)
{
	const struct fake_device devs[] = { DEV_KBD("uio_hv_generic", true, NULL) };
	struct fake *f = setup(devs, ARRAY_LEN(devs), MAP0_16K, RING_16K);
	struct vmb_bus *bus = open_bus(f);
	struct vmb_channel *ch = NULL;
	REQUIRE(open_kbd(bus, &ch) == 0);
	vmb_channel_close(ch);
	static const char *const untouched[] = {
		"bus/vmbus/drivers/uio_hv_generic/new_id",
		"bus/vmbus/drivers/uio_hv_generic/bind",
		"bus/vmbus/drivers/uio_hv_generic/unbind",
		"bus/vmbus/drivers/hyperv_keyboard/unbind",
		"bus/vmbus/drivers/hyperv_keyboard/bind",
	};
	for (size_t i = 0; i < ARRAY_LEN(untouched); i++)
		CHECK_MSG(fake_sysfs(f, untouched[i])[0] == '\0', "%s written", untouched[i]);
	CHECK_EQ_INT(f->opens, 1);
	teardown();
}

static void test_bind_unbound_device(void)
{
	const struct fake_device devs[] = { DEV_KBD(NULL, true, NULL) };
	struct fake *f = setup(devs, ARRAY_LEN(devs), MAP0_16K, RING_16K);
	struct vmb_bus *bus = open_bus(f);
	struct vmb_channel *ch = NULL;
	REQUIRE(open_kbd(bus, &ch) == 0);
	CHECK(strcmp(fake_sysfs(f, "bus/vmbus/drivers/uio_hv_generic/new_id"), FAKE_KBD_CLASS) ==
		0);
	CHECK(strcmp(fake_sysfs(f, "bus/vmbus/drivers/uio_hv_generic/bind"), FAKE_KBD_INSTANCE) ==
		0);
	CHECK(fake_sysfs(f, "bus/vmbus/drivers/hyperv_keyboard/unbind")[0] == '\0');
	vmb_channel_close(ch);
	/* Nothing to give back to. */
	CHECK(fake_sysfs(f, "bus/vmbus/drivers/hyperv_keyboard/bind")[0] == '\0');
	teardown();
}

static void test_bind_needs_uio_module(void)
{
	struct fake *f = setup_with(desktop, ARRAY_LEN(desktop), MAP0_16K, RING_16K, false);
	struct vmb_bus *bus = open_bus(f);
	struct vmb_channel *ch = NULL;
	CHECK_EQ_INT(open_kbd(bus, &ch), -EOPNOTSUPP);
	/* The kernel keeps its keyboard. */
	CHECK(fake_sysfs(f, "bus/vmbus/drivers/hyperv_keyboard/unbind")[0] == '\0');
	CHECK_EQ_INT(f->opens, 0);
	teardown();
}

static void test_bind_without_node_gives_device_back(void)
{
	const struct fake_device devs[] = { DEV_KBD("hyperv_keyboard", false, NULL) };
	struct fake *f = setup(devs, ARRAY_LEN(devs), MAP0_16K, RING_16K);
	struct vmb_bus *bus = open_bus(f);
	struct vmb_channel *ch = NULL;
	CHECK_EQ_INT(open_kbd(bus, &ch), -ENXIO);
	CHECK_EQ_INT(f->opens, 0);
	CHECK(strcmp(fake_sysfs(f, "bus/vmbus/drivers/hyperv_keyboard/bind"), FAKE_KBD_INSTANCE) ==
		0);
	teardown();
}

/* ---- rings ---- */

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 31u + i * 7u);
}

/* Packets both ways, enough to wrap a 16 KiB ring several times. */
static void round_trips(struct fake *f, struct vmb_channel *ch, unsigned n, size_t len)
{
	static uint8_t out[4096], in[4096 + 64];
	for (unsigned i = 0; i < n; i++) {
		fill(out, len, i);
		REQUIRE(vmb_channel_send(ch, out, len, i, 0) == 0);
		size_t got = 0;
		REQUIRE(fake_host_recv(f, in, sizeof(in), &got) == 1);
		CHECK(got >= len && memcmp(in, out, len) == 0);

		fill(out, len, i + 1000);
		int ret = 0;
		fake_host_send(f, out, len, &ret);
		REQUIRE(ret == 1);
		struct vmb_ring_in pkt;
		REQUIRE(vmb_channel_recv(ch, &pkt, in, sizeof(in)) == 1);
		CHECK(pkt.payload_len >= len && memcmp(pkt.payload, out, len) == 0);
		vmb_channel_handle_event(ch);
	}
}

static void test_ring_size_from_map0(void)
{
	static const struct {
		const char *map0;
		uint32_t ring_bytes;
	} shapes[] = {
		{ MAP0_2M_4K, RING_2M_4K }, /* Linux >= 6.16, 4 KiB pages */
		{ MAP0_16K, RING_16K },     /* fcopy's size since 6.10 */
	};
	for (size_t i = 0; i < ARRAY_LEN(shapes); i++) {
		uint32_t rb = shapes[i].ring_bytes;
		struct fake *f = setup(desktop, ARRAY_LEN(desktop), shapes[i].map0, rb);
		struct vmb_bus *bus = open_bus(f);
		struct vmb_channel *ch = NULL;
		REQUIRE(open_kbd(bus, &ch) == 0);
		REQUIRE(fake_host_attach(f));
		/* What fits follows the ring: never the whole data area (rb - 4096), but half of it
		 * (up to a packet's largest length). */
		size_t data = rb - VMB_RING_CONTROL_SIZE;
		CHECK_EQ_INT(vmb_channel_wait_writable(ch, data, 0), -EMSGSIZE);
		CHECK_EQ_INT(vmb_channel_wait_writable(ch, MIN(data / 2, 65536), 0), 0);
		/* The host finds the guest's packets at 0 and puts its own at rb: both must agree
		 * with the transport on rb for anything to arrive. */
		round_trips(f, ch, 40, 1000);
		vmb_channel_close(ch);
	}
	teardown();
}

static void test_ring_size_refused(void)
{
	static const struct {
		const char *map0;
		int ret;
	} bad[] = {
		{ "0x0000000000000000\n", -EPROTO },
		{ "0x0000000000003000\n", -EPROTO }, /* 6 KiB rings: not whole pages */
		{ "0x0000000000002000\n", -EPROTO }, /* 4 KiB rings: no data page */
		{ "0x0000000000008001\n", -EPROTO }, /* odd */
		{ "0x0000000100000000\n", -EPROTO }, /* 2 GiB rings */
		{ "big\n", -EINVAL },
		{ "", -EINVAL },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct fake *f = setup(desktop, ARRAY_LEN(desktop), bad[i].map0, RING_16K);
		struct vmb_bus *bus = open_bus(f);
		struct vmb_channel *ch = NULL;
		int ret = open_kbd(bus, &ch);
		CHECK_MSG(ret == bad[i].ret, "map0 size %zu: %d", i, ret);
		/* Refused before the node is opened, so the host never sees the channel open, and the
		 * keyboard goes back to the kernel. */
		CHECK_EQ_INT(f->opens, 0);
		CHECK(strcmp(fake_sysfs(f, "bus/vmbus/drivers/hyperv_keyboard/bind"),
			      FAKE_KBD_INSTANCE) == 0);
	}
	teardown();
}

static void test_ring_in_use_refused(void)
{
	struct fake *f = setup(desktop, ARRAY_LEN(desktop), MAP0_16K, RING_16K);
	/* Another opener's rings: open() does not clear them. */
	f->stale = true;
	vmb_ring_format(f->ring, RING_16K);
	vmb_ring_format(f->ring + RING_16K, RING_16K);
	fake_ring_set(f, 0, VMB_RING_OFF_WRITE_INDEX, 0x100);
	struct vmb_bus *bus = open_bus(f);
	struct vmb_channel *ch = NULL;
	CHECK_EQ_INT(open_kbd(bus, &ch), -EBUSY);
	CHECK_EQ_INT(f->opens, 1);
	teardown();
}

/* ---- packets and interrupts ---- */

static struct vmb_channel *open_kbd_attached(struct fake *f, struct vmb_bus *bus)
{
	struct vmb_channel *ch = NULL;
	REQUIRE(open_kbd(bus, &ch) == 0);
	REQUIRE(fake_host_attach(f));
	return ch;
}

static void test_receive_from_host(void)
{
	struct fake *f = setup(desktop, ARRAY_LEN(desktop), MAP0_2M_4K, RING_2M_4K);
	struct vmb_bus *bus = open_bus(f);
	struct vmb_channel *ch = open_kbd_attached(f, bus);
	static const char *const msgs[] = { "protocol response", "key down", "key up" };
	int ret = 0;
	CHECK(fake_host_send(f, msgs[0], strlen(msgs[0]), &ret)); /* empty -> non-empty */
	CHECK(!fake_host_send(f, msgs[1], strlen(msgs[1]), &ret));
	CHECK(!fake_host_send(f, msgs[2], strlen(msgs[2]), &ret));
	CHECK(fd_readable(vmb_channel_get_fd(ch)));
	vmb_channel_handle_event(ch);
	CHECK(!fd_readable(vmb_channel_get_fd(ch)));
	uint8_t buf[256];
	struct vmb_ring_in pkt;
	for (size_t i = 0; i < ARRAY_LEN(msgs); i++) {
		REQUIRE(vmb_channel_recv(ch, &pkt, buf, sizeof(buf)) == 1);
		CHECK_EQ_INT(pkt.type, VMB_PKT_DATA_INBAND);
		CHECK(pkt.payload_len >= strlen(msgs[i]));
		CHECK_MEM(pkt.payload, msgs[i], strlen(msgs[i]));
	}
	CHECK_EQ_INT(vmb_channel_recv(ch, &pkt, buf, sizeof(buf)), 0);
	vmb_channel_close(ch);
	teardown();
}

static void test_send_writes_ring_and_signals(void)
{
	struct fake *f = setup(desktop, ARRAY_LEN(desktop), MAP0_2M_4K, RING_2M_4K);
	struct vmb_bus *bus = open_bus(f);
	struct vmb_channel *ch = open_kbd_attached(f, bus);
	fake_irqcontrol(f);
	CHECK_EQ_INT(f->unmasks, 1); /* the unmask at open */
	CHECK_EQ_INT(vmb_channel_send(ch, "protocol request", 16, 1, 0), 0);
	fake_irqcontrol(f);
	CHECK_EQ_INT(f->unmasks, 2); /* one 4-byte 1: the signal */
	/* The ring is not empty: no second signal. */
	CHECK_EQ_INT(vmb_channel_send(ch, "led state", 9, 2, 0), 0);
	fake_irqcontrol(f);
	CHECK_EQ_INT(f->unmasks, 2);
	CHECK_EQ_INT(f->other_writes, 0);
	/* Where the host finds them: the TX ring at offset 0 of map0. */
	CHECK(fake_ring_get(f, 0, VMB_RING_OFF_WRITE_INDEX) > 0);
	CHECK_EQ_INT(fake_ring_get(f, 1, VMB_RING_OFF_WRITE_INDEX), 0);
	uint8_t buf[64];
	size_t len = 0;
	REQUIRE(fake_host_recv(f, buf, sizeof(buf), &len) == 1);
	CHECK_MEM(buf, "protocol request", 16);
	REQUIRE(fake_host_recv(f, buf, sizeof(buf), &len) == 1);
	CHECK_MEM(buf, "led state", 9);
	CHECK_EQ_INT(fake_host_recv(f, buf, sizeof(buf), &len), 0);
	vmb_channel_close(ch);
	teardown();
}

/*
 * Rounds of host packet, wake-up, ack, drain, on a kernel that masks the receive ring on every
 * interrupt (before 6.18) and on one that never does. Each packet finds the ring empty, so it
 * must be signalled: on the old kernel only if the guest unmasked since the last interrupt.
 */
static void test_interrupt_loop_old_and_new_kernels(void)
{
	for (int masks = 1; masks >= 0; masks--) {
		struct fake *f = setup(desktop, ARRAY_LEN(desktop), MAP0_16K, RING_16K);
		f->kernel_masks = masks;
		struct vmb_bus *bus = open_bus(f);
		struct vmb_channel *ch = open_kbd_attached(f, bus);
		int fd = vmb_channel_get_fd(ch);
		for (unsigned round = 0; round < 5; round++) {
			int ret = 0;
			bool signalled = fake_host_send(f, "event", 5, &ret);
			CHECK_MSG(signalled, "kernel_masks %d round %u: host did not signal", masks,
				round);
			REQUIRE(ret == 1 && fd_readable(fd));
			unsigned unmasks = f->unmasks;
			vmb_channel_handle_event(ch);
			fake_irqcontrol(f);
			CHECK_EQ_INT(f->unmasks, unmasks + 1); /* re-armed after the read */
			CHECK(!fd_readable(fd));
			uint8_t buf[64];
			struct vmb_ring_in pkt;
			CHECK_EQ_INT(vmb_channel_recv(ch, &pkt, buf, sizeof(buf)), 1);
			CHECK_EQ_INT(vmb_channel_recv(ch, &pkt, buf, sizeof(buf)), 0);
		}
		/* No interrupt, no re-arm: each write(1) is a hypercall. */
		unsigned unmasks = f->unmasks;
		vmb_channel_handle_event(ch);
		fake_irqcontrol(f);
		CHECK_EQ_INT(f->unmasks, unmasks);
		vmb_channel_close(ch);
	}
	teardown();
}

/* ---- rescind ---- */

struct heard {
	uint32_t rescinded[4];
	size_t n_rescinded;
};

static void heard_rescind(void *data, uint32_t relid)
{
	struct heard *h = data;
	if (h->n_rescinded < ARRAY_LEN(h->rescinded))
		h->rescinded[h->n_rescinded++] = relid;
}

static const struct vmb_bus_listener listener = { .rescind = heard_rescind };

static void test_rescind_fails_channel(void)
{
	struct fake *f = setup(desktop, ARRAY_LEN(desktop), MAP0_16K, RING_16K);
	struct vmb_bus *bus = open_bus(f);
	struct heard h = { 0 };
	REQUIRE(vmb_bus_add_listener(bus, &listener, &h) == 0);
	struct vmb_offer offer;
	REQUIRE(vmb_bus_find_offer(bus, &vmb_guid_keyboard, &offer) == 0);
	struct vmb_channel *ch = open_kbd_attached(f, bus);

	fake_rescind(f);
	CHECK(fd_readable(vmb_channel_get_fd(ch)));
	vmb_channel_handle_event(ch);
	CHECK(vmb_channel_is_rescinded(ch));
	uint8_t buf[64];
	struct vmb_ring_in pkt;
	CHECK_EQ_INT(vmb_channel_recv(ch, &pkt, buf, sizeof(buf)), -ENODEV);
	CHECK_EQ_INT(vmb_channel_send(ch, "x", 1, 1, 0), -ENODEV);

	/* The listener hears it at the next dispatch; the offer is gone. */
	CHECK(fd_readable(vmb_bus_get_fd(bus)));
	CHECK_EQ_INT(vmb_bus_dispatch(bus), 0);
	REQUIRE(h.n_rescinded == 1);
	CHECK_EQ_INT(h.rescinded[0], KBD_RELID);
	CHECK_EQ_INT(vmb_bus_offer_count(bus), 2);
	CHECK_EQ_INT(vmb_bus_find_offer(bus, &vmb_guid_keyboard, NULL), -ENOENT);

	/* The device is gone: nothing to give back, nothing to reopen. */
	vmb_channel_close(ch);
	CHECK(fake_sysfs(f, "bus/vmbus/drivers/hyperv_keyboard/bind")[0] == '\0');
	CHECK_EQ_INT(vmb_channel_open(&ch, bus, &offer, 8192, 8192), -ENOENT);
	teardown();
}

static void test_rescind_ends_wait(void)
{
	struct fake *f = setup(desktop, ARRAY_LEN(desktop), MAP0_16K, RING_16K);
	struct vmb_bus *bus = open_bus(f);
	struct vmb_channel *ch = open_kbd_attached(f, bus);
	fake_rescind(f);
	/* Long timeout: the rescind, not the clock, must end the wait. */
	CHECK_EQ_INT(vmb_channel_wait_readable(ch, 60000), -ENODEV);
	vmb_channel_close(ch);
	teardown();
}

/* ---- monitored channels ---- */

static void test_monitored_channel_signals_monitor_page(void)
{
	const struct fake_device devs[] = { DEV_KBD("hyperv_keyboard", true, "37\n") };
	struct fake *f = setup(devs, ARRAY_LEN(devs), MAP0_16K, RING_16K);
	struct vmb_bus *bus = open_bus(f);
	struct vmb_channel *ch = open_kbd_attached(f, bus);
	fake_irqcontrol(f);
	unsigned unmasks = f->unmasks;
	CHECK_EQ_INT(vmb_channel_send(ch, "protocol request", 16, 1, 0), 0);
	fake_irqcontrol(f);
	CHECK_EQ_INT(f->unmasks, unmasks); /* irqcontrol does not signal monitored channels */
	/* monitor_id 37: trigger group 1 (pending at 8 + 8), bit 5. */
	uint32_t pending[4];
	for (unsigned g = 0; g < 4; g++)
		memcpy(&pending[g], f->monitor + 8 + 8 * g, 4);
	CHECK_EQ_INT(pending[0], 0);
	CHECK_EQ_INT(pending[1], 1u << 5);
	CHECK_EQ_INT(pending[2], 0);
	CHECK_EQ_INT(pending[3], 0);
	vmb_channel_close(ch);
	teardown();
}

static void test_monitored_channel_bad_id_refused(void)
{
	const struct fake_device devs[] = { DEV_KBD("hyperv_keyboard", true, "128\n") };
	struct fake *f = setup(devs, ARRAY_LEN(devs), MAP0_16K, RING_16K);
	struct vmb_bus *bus = open_bus(f);
	struct vmb_channel *ch = NULL;
	CHECK_EQ_INT(open_kbd(bus, &ch), -EPROTO);
	CHECK_EQ_INT(f->opens, 0);
	teardown();
}

static const struct test_case cases[] = {
	TEST_CASE(test_sysfs_parsers),
	TEST_CASE(test_offers_from_sysfs),
	TEST_CASE(test_offers_skip_malformed_devices),
	TEST_CASE(test_no_vmbus_in_sysfs),
	TEST_CASE(test_bind_takes_device_from_kernel_driver),
	TEST_CASE(test_bind_leaves_device_already_on_uio),
	TEST_CASE(test_bind_unbound_device),
	TEST_CASE(test_bind_needs_uio_module),
	TEST_CASE(test_bind_without_node_gives_device_back),
	TEST_CASE(test_ring_size_from_map0),
	TEST_CASE(test_ring_size_refused),
	TEST_CASE(test_ring_in_use_refused),
	TEST_CASE(test_receive_from_host),
	TEST_CASE(test_send_writes_ring_and_signals),
	TEST_CASE(test_interrupt_loop_old_and_new_kernels),
	TEST_CASE(test_rescind_fails_channel),
	TEST_CASE(test_rescind_ends_wait),
	TEST_CASE(test_monitored_channel_signals_monitor_page),
	TEST_CASE(test_monitored_channel_bad_id_refused),
};

int main(int argc, char **argv)
{
	int ret = test_main(argc, argv, cases, ARRAY_LEN(cases));
	teardown();
	return ret;
}
