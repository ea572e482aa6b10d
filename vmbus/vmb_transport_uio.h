/*
 * The uio transport's one seam (internal to vmbus/ and its tests).
 *
 * A real /dev/uioN is two things at once: memory (map k is mmap at offset k * page size) and
 * an interrupt counter (read 4 bytes, poll POLLIN, write a 4-byte s32 for irqcontrol). No file
 * a test can make without root is both, so the transport reaches the node only through these
 * two ops. vmb_bus_open_uio() uses open(2) and mmap(2) of the node itself; a test maps plain
 * files and hands out an fd that behaves like the counter (tests/vmbus/test_vmb_uio.c uses a
 * pty master: 4-byte reads and writes, POLLIN, EIO once its other end is closed, like a
 * rescinded device). Everything else, sysfs included (under a root the caller chooses), runs
 * the production code.
 */
#ifndef HVD_VMBUS_TRANSPORT_UIO_H
#define HVD_VMBUS_TRANSPORT_UIO_H

#include <stddef.h>

#include "vmb.h"

struct vmb_uio_node_ops {
	/* Opens the node at path (dev_root/uioN) for this process alone: an fd with uio's
	 * read/write/poll behaviour, which the transport then owns (it sets O_NONBLOCK and closes
	 * it). Opening is what opens the channel on a real device (vmbus-ring.md §6.2). An fd,
	 * -EBUSY if another process holds the node (the real op uses flock), or -errno. */
	int (*open)(void *data, const char *path);
	/* Maps size bytes of region index of the node opened as fd from path, read-write and
	 * shared; the transport munmap()s it. The address, or MAP_FAILED with errno set. */
	void *(*map)(void *data, int fd, const char *path, unsigned index, size_t size);
};

struct vmb_uio_config {
	const char *sysfs_root;              // NULL: "/sys"
	const char *dev_root;                // NULL: "/dev"
	const struct vmb_uio_node_ops *node; // NULL: the real device node
	void *node_data;                     // passed to node's ops
};

/* vmb_bus_open_uio() with a seam; same errors. The roots are copied; node and node_data must
 * outlive the bus. */
int vmb_bus_open_uio_with(struct vmb_bus **out, const struct vmb_uio_config *cfg);

#endif
