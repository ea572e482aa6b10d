/*
 * The guest side of VMBus on a real Hyper-V guest, through uio_hv_generic (vmbus-ring.md §6).
 *
 * Offers are what sysfs lists under bus/vmbus/devices when the bus is opened: class_id,
 * device_id and id (the relid) of each device. Sysfs does not show the offer's flags, pipe mode
 * or MMIO size, so those are reported as 0 (no driver of ours needs them: each knows its own
 * device's framing). Nothing announces new devices, so there is no control fd; a rescind is
 * learnt from an open channel, whose uio fd then fails with EIO.
 *
 * Opening a channel takes the device from its kernel driver (vmb_uio_bind.c: unbind by name, the
 * instance GUID), teaches uio_hv_generic the class (new_id) and binds it, then opens
 * dev_root/uioN: the kernel opens the VMBus channel on the first open() and clears both ring
 * headers (§6.2). The ring size is map0's size / 2 from sysfs, never assumed (2 MiB, 2 MiB +
 * 4 KiB and 16 KiB all occur, §6.3). A ring whose guest-owned indexes are not 0 was not freshly
 * opened, so another process shares the node: we refuse it. Closing gives the device back to
 * the driver it was taken from, so the VM's console keyboard returns when we exit.
 *
 * Interrupts (§6.4): the uio fd is the channel's event fd. Before Linux 6.18 the kernel sets the
 * receive ring's interrupt_mask at open and on every interrupt, and only write(fd, s32 1) clears
 * it; since 6.18 it never touches the mask. ack_event reads the counter and then writes 1, and
 * the bus drains the ring after ack_event, which is the pattern that works on both: unmask,
 * drain until empty, block. open_channel writes 1 once for the mask the kernel set at open.
 *
 * Signalling: on Linux >= 6.10, write(fd, s32 1) also signals the host for a channel without a
 * monitor page (Hyper-V's keyboard and mouse). A monitored channel (sysfs monitor_id present) is
 * signalled by setting its bit in the pending word of its trigger group on map2, the
 * guest-to-host monitor page (§6.6), as the kernel's vmbus_setevent and DPDK do.
 */
#define LOG_MODULE "vmb-uio"
#include "vmb_transport_uio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "vmb_transport.h"
#include "vmb_uio_bind.h"
#include "vmb_uio_sysfs.h"

/* Ring control words are read as native u32 atomics, as vmb_ring.c does. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vmb_transport_uio.c assumes a little-endian host"
#endif

#define UIO_MONITOR_MAX (1u << 20) // sanity bound on map2's size
/* Trigger group g's pending word in the monitor page (§6.6). */
#define MONITOR_OFF_PENDING(g) (8u + 8u * (g))

struct uio_bus {
	struct vmb_transport base;
	char sysfs_root[PATH_MAX];
	char dev_root[PATH_MAX];
	const struct vmb_uio_node_ops *node;
	void *node_data;
	struct vmb_uio_device *devices; // sorted by relid; never reallocated
	size_t n_devices;
};

struct uio_chan {
	struct vmb_uio_device *dev;
	int fd;
	uint8_t *rings; // TX ring at 0, RX ring at ring_bytes
	size_t rings_len;
	uint32_t ring_bytes;
	uint8_t *monitor; // map2 of a monitored channel, else NULL
	size_t monitor_len;
	char give_back[VMB_UIO_NAME_MAX]; // the driver we took the device from, "" if none
};

static const struct vmb_transport_ops uio_ops;

static struct uio_bus *uio_from(struct vmb_transport *t)
{
	return t->ops == &uio_ops ? container_of(t, struct uio_bus, base) : NULL;
}

static struct vmb_uio_device *find_device(struct uio_bus *u, uint32_t relid)
{
	for (size_t i = 0; i < u->n_devices; i++) {
		if (u->devices[i].offer.relid == relid)
			return &u->devices[i];
	}
	return NULL;
}

/* ---- channels ---- */

static void free_chan(struct uio_chan *c)
{
	if (c->rings)
		munmap(c->rings, c->rings_len);
	if (c->monitor)
		munmap(c->monitor, c->monitor_len);
	if (c->fd >= 0)
		close(c->fd); /* the last close closes the VMBus channel (§6.2) */
	free(c);
}

static int map_region(struct uio_bus *u, const struct uio_chan *c, const char *node_path,
	unsigned index, size_t size, uint8_t **out)
{
	void *p = u->node->map(u->node_data, c->fd, node_path, index, size);
	if (p == MAP_FAILED) {
		int ret = -errno;
		log_warn(
			"mapping map%u of %s (%zu bytes) failed (%d)", index, node_path, size, ret);
		return ret;
	}
	*out = p;
	return 0;
}

static uint32_t ring_word(const struct uio_chan *c, size_t off)
{
	return __atomic_load_n((const uint32_t *)(const void *)(c->rings + off), __ATOMIC_ACQUIRE);
}

/* The words only we write (TX write_index, RX read_index) and the TX read_index, which cannot
 * pass a write_index of 0, are all 0 right after the kernel's first open (§6.2). */
static int check_fresh(const struct uio_chan *c, const char *node_path)
{
	uint32_t tx_w = ring_word(c, VMB_RING_OFF_WRITE_INDEX);
	uint32_t tx_r = ring_word(c, VMB_RING_OFF_READ_INDEX);
	uint32_t rx_r = ring_word(c, (size_t)c->ring_bytes + VMB_RING_OFF_READ_INDEX);
	if (tx_w == 0 && tx_r == 0 && rx_r == 0)
		return 0;
	log_warn("%s: rings in use (TX write %u read %u, RX read %u): another process has it open?",
		node_path, tx_w, tx_r, rx_r);
	return -EBUSY;
}

/*
 * The sizes of map0 and (monitored) map2 from sysfs, checked before the node is opened: a layout
 * we cannot use must not open the channel on the host.
 */
static int read_layout(struct uio_bus *u, struct uio_chan *c, uint32_t node)
{
	uint64_t size;
	int ret = vmb_uio_map_size(u->sysfs_root, node, VMB_UIO_MAP_RINGS, &size);
	if (ret < 0)
		return ret;
	if (vmb_uio_ring_bytes(size, &c->ring_bytes) < 0) {
		log_warn("uio%u: map0 of %" PRIu64 " bytes is not two rings of a multiple of 4096 "
			 "bytes, 8 KiB to %u MiB each",
			node, size, VMB_UIO_MAX_RING_BYTES >> 20);
		return -EPROTO;
	}
	c->rings_len = 2 * (size_t)c->ring_bytes;
	if (!c->dev->monitored)
		return 0;
	if (c->dev->monitor_id >= VMB_UIO_MONITOR_IDS) {
		log_bug_host("%s: monitor_id %u out of range", c->dev->name, c->dev->monitor_id);
		return -EPROTO;
	}
	ret = vmb_uio_map_size(u->sysfs_root, node, VMB_UIO_MAP_MONITOR, &size);
	if (ret < 0)
		return ret;
	if (size < VMB_UIO_PAGE || size > UIO_MONITOR_MAX) {
		log_warn("uio%u: monitor page map of %" PRIu64 " bytes", node, size);
		return -EPROTO;
	}
	c->monitor_len = (size_t)size;
	return 0;
}

static int map_node(struct uio_bus *u, struct uio_chan *c, const char *node_path)
{
	int ret = map_region(u, c, node_path, VMB_UIO_MAP_RINGS, c->rings_len, &c->rings);
	if (ret == 0)
		ret = check_fresh(c, node_path);
	if (ret == 0 && c->monitor_len)
		ret = map_region(u, c, node_path, VMB_UIO_MAP_MONITOR, c->monitor_len, &c->monitor);
	return ret;
}

/* Reports the rescind of c's device once; -ENODEV. */
static int rescinded(struct uio_bus *u, struct uio_chan *c)
{
	if (!c->dev->rescinded) {
		c->dev->rescinded = true;
		log_info("%s (relid %u) was rescinded", c->dev->name, c->dev->offer.relid);
		u->base.events->rescind(u->base.events_data, c->dev->offer.relid);
	}
	return -ENODEV;
}

/* write(fd, s32 value): uio's irqcontrol. -ENODEV once the device is gone. */
static int irqcontrol(const struct uio_chan *c, int32_t value)
{
	ssize_t n = write(c->fd, &value, sizeof(value));
	if (n == (ssize_t)sizeof(value))
		return 0;
	if (n >= 0)
		return -EIO;
	return errno == EIO ? -ENODEV : -errno;
}

/* Finds, opens and maps the node and unmasks; c->fd and the maps are freed by the caller. */
static int open_node(struct uio_bus *u, struct uio_chan *c)
{
	uint32_t node;
	int ret = vmb_uio_find_node(u->sysfs_root, c->dev, &node);
	if (ret == 0)
		ret = read_layout(u, c, node);
	if (ret < 0)
		return ret;
	char node_path[PATH_MAX];
	int n = snprintf(node_path, sizeof(node_path), "%s/uio%u", u->dev_root, node);
	if (n < 0 || (size_t)n >= sizeof(node_path))
		return -ENAMETOOLONG;
	c->fd = u->node->open(u->node_data, node_path);
	if (c->fd < 0) {
		ret = c->fd;
		log_warn("opening %s failed (%d)%s", node_path, ret,
			ret == -EBUSY ? ": another process has it open" : "");
		return ret;
	}
	int flags = fcntl(c->fd, F_GETFL);
	if (flags < 0 || fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
		fcntl(c->fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	ret = map_node(u, c, node_path);
	if (ret == 0)
		ret = irqcontrol(c, 1); /* before 6.18 the kernel masked the RX ring at open */
	if (ret == -ENODEV) {
		rescinded(u, c);
		ret = -ENOENT;
	}
	return ret;
}

static int uio_open_channel(struct vmb_transport *t, const struct vmb_offer *offer,
	uint32_t send_bytes, uint32_t recv_bytes, struct vmb_transport_channel *out)
{
	struct uio_bus *u = uio_from(t);
	struct vmb_uio_device *dev = find_device(u, offer->relid);
	if (!dev || dev->rescinded)
		return -ENOENT;
	if (dev->open)
		return -EBUSY;
	char took_from[VMB_UIO_NAME_MAX];
	int ret = vmb_uio_bind(u->sysfs_root, dev, took_from);
	if (ret < 0)
		return ret;
	struct uio_chan *c = calloc(1, sizeof(*c));
	if (!c) {
		ret = -ENOMEM;
		goto err_give_back;
	}
	c->dev = dev;
	c->fd = -1;
	strcpy(c->give_back, took_from);
	ret = open_node(u, c);
	if (ret < 0)
		goto err_chan;
	dev->open = true;
	*out = (struct vmb_transport_channel){
		.ring_mem = c->rings,
		.send_bytes = c->ring_bytes,
		.recv_bytes = c->ring_bytes,
		.event_fd = c->fd,
		.priv = c,
	};
	log_info("%s (relid %u) open over uio, rings of %u bytes%s", dev->name, dev->offer.relid,
		c->ring_bytes, dev->monitored ? ", monitored" : "");
	return 0;

err_chan:
	free_chan(c);
err_give_back:
	if (took_from[0] && !dev->rescinded)
		vmb_uio_give_back(u->sysfs_root, dev, took_from);
	return ret;
}

static void uio_close_channel(struct vmb_transport *t, struct vmb_transport_channel *tc)
{
	struct uio_bus *u = uio_from(t);
	struct uio_chan *c = tc->priv;
	struct vmb_uio_device *dev = c->dev;
	char give_to[VMB_UIO_NAME_MAX];
	strcpy(give_to, c->give_back);
	free_chan(c); /* first: the node must be closed before the device can change drivers */
	dev->open = false;
	if (give_to[0] && !dev->rescinded)
		vmb_uio_give_back(u->sysfs_root, dev, give_to);
	*tc = (struct vmb_transport_channel){ .event_fd = -1 };
}

static int uio_signal(struct vmb_transport *t, struct vmb_transport_channel *tc)
{
	struct uio_chan *c = tc->priv;
	if (c->monitor) {
		uint32_t id = c->dev->monitor_id;
		uint32_t *pending = (uint32_t *)(void *)(c->monitor + MONITOR_OFF_PENDING(id / 32));
		__atomic_fetch_or(pending, 1u << (id % 32), __ATOMIC_SEQ_CST);
		return 0;
	}
	/* The rescind itself is reported by the next ack_event: the fd is readable (EIO). */
	return irqcontrol(c, 1);
}

/*
 * Consumes the interrupt count, then unmasks. In this order an interrupt that lands between the
 * two (before 6.18 the kernel masks the ring again) leaves the fd readable, so the next ack
 * unmasks again; the other order could swallow its count and leave the ring masked for good.
 */
static int uio_ack_event(struct vmb_transport *t, struct vmb_transport_channel *tc)
{
	struct uio_bus *u = uio_from(t);
	struct uio_chan *c = tc->priv;
	if (c->dev->rescinded)
		return -ENODEV;
	bool fired = false;
	for (int i = 0; i < 16; i++) {
		uint32_t count;
		ssize_t n = read(c->fd, &count, sizeof(count));
		if (n > 0) {
			fired = true;
			continue;
		}
		/* A uio read never returns 0: like EIO, the device is gone. */
		if (n == 0 || errno == EIO)
			return rescinded(u, c);
		if (errno == EAGAIN || errno == EINTR)
			break;
		return -errno;
	}
	if (!fired)
		return 0; /* the kernel masks only when it raises an interrupt */
	int ret = irqcontrol(c, 1);
	return ret == -ENODEV ? rescinded(u, c) : ret;
}

/* ---- the bus ---- */

static void uio_destroy(struct vmb_transport *t)
{
	struct uio_bus *u = uio_from(t);
	if (!u)
		return;
	free(u->devices);
	free(u);
}

static uint32_t uio_version(const struct vmb_transport *t)
{
	return 0; /* the kernel negotiated it and shows it nowhere but its log */
}

/* synthvid's VRAM lives in MMIO space the guest must allocate and announce; user space cannot,
 * so video on a real VM goes through the kernel's hyperv_drm instead. */
static int uio_get_mmio(const struct vmb_transport *t, struct vmb_mmio *out)
{
	return -EOPNOTSUPP;
}

static int uio_control_fd(const struct vmb_transport *t)
{
	return -1;
}

static const struct vmb_transport_ops uio_ops = {
	.name = "uio",
	.destroy = uio_destroy,
	.version = uio_version,
	.get_mmio = uio_get_mmio,
	.control_fd = uio_control_fd,
	.read_control = NULL,
	.open_channel = uio_open_channel,
	.close_channel = uio_close_channel,
	.signal = uio_signal,
	.ack_event = uio_ack_event,
};

/* uio lets any number of processes open a node, all sharing one ring: the lock keeps other
 * users of lib vmb out; check_fresh() catches the rest once they have used the ring. */
static int real_open(void *data, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* uio's map k is at offset k * the system page size (§6.3). */
static void *real_map(void *data, int fd, const char *path, unsigned index, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)index * page);
}

static const struct vmb_uio_node_ops real_node = {
	.open = real_open,
	.map = real_map,
};

static int copy_root(char out[PATH_MAX], const char *root)
{
	if (strlen(root) >= PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(out, root);
	return 0;
}

static int uio_create(struct vmb_transport **out, const void *args,
	const struct vmb_transport_events *events, void *events_data)
{
	const struct vmb_uio_config *cfg = args;
	struct uio_bus *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->base = (struct vmb_transport){
		.ops = &uio_ops, .events = events, .events_data = events_data
	};
	u->node = cfg->node ? cfg->node : &real_node;
	u->node_data = cfg->node_data;
	int ret = copy_root(u->sysfs_root, cfg->sysfs_root ? cfg->sysfs_root : "/sys");
	if (ret == 0)
		ret = copy_root(u->dev_root, cfg->dev_root ? cfg->dev_root : "/dev");
	if (ret == 0)
		ret = vmb_uio_scan(u->sysfs_root, &u->devices, &u->n_devices);
	if (ret < 0) {
		uio_destroy(&u->base);
		return ret;
	}
	for (size_t i = 0; i < u->n_devices; i++)
		events->offer(events_data, &u->devices[i].offer);
	*out = &u->base;
	return 0;
}

int vmb_bus_open_uio_with(struct vmb_bus **out, const struct vmb_uio_config *cfg)
{
	return vmb_bus_create_with(out, uio_create, cfg);
}

int vmb_bus_open_uio(struct vmb_bus **out, const char *sysfs_root, const char *dev_root)
{
	const struct vmb_uio_config cfg = { .sysfs_root = sysfs_root, .dev_root = dev_root };
	return vmb_bus_create_with(out, uio_create, &cfg);
}
