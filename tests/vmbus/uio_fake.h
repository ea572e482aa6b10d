/*
 * A fake Hyper-V guest for the uio transport: a sysfs tree and a /dev in a temporary directory,
 * a ring in a plain file, and a pty standing in for the uio node's interrupt counter.
 *
 * The fake plays the kernel and the host, one step at a time, from the test's thread:
 *  - sysfs: bus/vmbus/devices/<instance>/{class_id,device_id,id,monitor_id,driver,uio/uio0},
 *    bus/vmbus/drivers/<driver>/{new_id,bind,unbind} as regular files (what the transport
 *    writes stays there for the test to read), class/uio/uio0/maps/map{0,2}/size;
 *  - the node (vmb_uio_node_ops): open() records the path, clears the ring headers as the
 *    kernel's first open does (unless `stale`), masks the receive ring if `kernel_masks` (before
 *    Linux 6.18), and returns a pty master: 4-byte reads are interrupts, 4-byte writes are
 *    irqcontrol, and once the fake closes its end reads fail with EIO, as after a rescind;
 *    map() maps dev/uio0 (map0) or dev/uio0.map2 (the monitor page);
 *  - the host: its own vmb_ring views of the file, writing to the guest and reading from it.
 */
#ifndef HVD_TESTS_UIO_FAKE_H
#define HVD_TESTS_UIO_FAKE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmb_ring.h"
#include "vmb_transport_uio.h"

#define FAKE_VIDEO_CLASS "da0a7802-e377-4aac-8e77-0558eb1073f8"
#define FAKE_VIDEO_INSTANCE "5620e0c7-8062-4dce-aeb7-520c7ef76171"
#define FAKE_KBD_CLASS "f912ad6d-2b17-48ea-bd65-f927a61c7684"
#define FAKE_KBD_INSTANCE "d34b2567-b9b6-42b9-8778-0a4ec0b955bf"
#define FAKE_MOUSE_CLASS "cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a"
#define FAKE_MOUSE_INSTANCE "58f75a6d-d949-4320-99e1-a2a2576d581c"

/* A device as data (litest style): what sysfs shows about it. */
struct fake_device {
	const char *instance;
	const char *class_id;   // the attribute's exact text, e.g. "{...}\n"
	const char *id;         // the relid's text; NULL: no id file
	const char *driver;     // bound driver, NULL unbound
	bool has_uio;           // uio/uio0 exists (it is, or will be, our node)
	const char *monitor_id; // NULL: not monitored
};

struct fake {
	char root[PATH_MAX];          // the temporary directory
	char sys[PATH_MAX];           // root/sys: the transport's sysfs_root
	char dev[PATH_MAX];           // root/dev: its dev_root
	struct vmb_uio_config config; // sysfs_root, dev_root and the fake node ops

	uint32_t ring_bytes; // each ring of the node's map0
	bool kernel_masks;   // before Linux 6.18: the kernel masks RX at open and on each interrupt
	bool stale;          // open() leaves the ring headers alone (someone else has it open)

	int opens;             // node opens seen
	char opened[PATH_MAX]; // the path of the last one
	int slave;             // the kernel's end of the node fd, -1 none
	uint32_t irq_count;    // interrupts delivered
	unsigned unmasks;      // irqcontrol(1) writes seen: each a host signal on >= 6.10
	unsigned other_writes; // any other 4-byte value written

	uint8_t *ring;              // the host's mapping of dev/uio0, 2 * ring_bytes
	struct vmb_ring to_guest;   // the RX half, host writes
	struct vmb_ring from_guest; // the TX half, host reads
	uint8_t *monitor;           // the host's mapping of dev/uio0.map2
};

/*
 * Builds the tree in a new temporary directory: the devices, drivers uio_hv_generic (unless
 * !uio_loaded), hyperv_keyboard, hid_hyperv and hyperv_fb, and node uio0 whose map0 size
 * attribute reads map0_size (exact text) over a file of 2 * ring_bytes. false on failure.
 */
bool fake_init(struct fake *f, const struct fake_device *devs, size_t n, const char *map0_size,
	uint32_t ring_bytes, bool uio_loaded);
/* Whether this machine can make the pty the fake node needs. */
bool fake_have_pty(void);
/* Removes the tree, closes and unmaps everything. */
void fake_finish(struct fake *f);

/* The contents of root/sys/<rel> ("" if missing), in a buffer valid until the next call. */
const char *fake_sysfs(struct fake *f, const char *rel);
/* Empties root/sys/<rel> (a driver's bind, unbind or new_id). */
void fake_sysfs_clear(struct fake *f, const char *rel);

/* The kernel applies the irqcontrol writes the transport made since the last call. */
void fake_irqcontrol(struct fake *f);
/* The host attaches its ring views after the transport opened the node. */
bool fake_host_attach(struct fake *f);
/* The host writes one in-band packet; true if it signalled (the kernel raised an interrupt). */
bool fake_host_send(struct fake *f, const void *payload, size_t len, int *ret);
/* The host reads one packet into buf; 1, 0 none, or negative errno. */
int fake_host_recv(struct fake *f, void *buf, size_t cap, size_t *len);
/* Writes a control word of the TX (ring 0) or RX (ring 1) control page. */
void fake_ring_set(struct fake *f, int ring, uint32_t off, uint32_t value);
uint32_t fake_ring_get(struct fake *f, int ring, uint32_t off);
/* The host rescinds the device: the node's reads fail with EIO from now on. */
void fake_rescind(struct fake *f);

#endif
