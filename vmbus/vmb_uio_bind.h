/*
 * The VMBus devices of a real guest as sysfs shows them (vmbus-ring.md §6.1, §6.3): listing
 * them, binding one to uio_hv_generic and giving it back, and finding its uio node and the sizes
 * of the node's maps. Internal to vmbus/ (the uio transport) and its tests.
 *
 * Every path is under the sysfs root the caller gives ("/sys" on a real guest). Functions log
 * what went wrong (with the kernel version hint where it matters) and return 0 or -errno.
 */
#ifndef HVD_VMBUS_UIO_BIND_H
#define HVD_VMBUS_UIO_BIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmb.h"

#define VMB_UIO_DRIVER "uio_hv_generic"
#define VMB_UIO_NAME_MAX 64u     // a device's directory name (its instance GUID) or a driver's
#define VMB_UIO_MAX_DEVICES 256u // more than any VM has
#define VMB_UIO_MAP_RINGS 0u
#define VMB_UIO_MAP_MONITOR 2u

struct vmb_uio_device {
	char name[VMB_UIO_NAME_MAX]; // directory under bus/vmbus/devices; sysfs calls it by this
	struct vmb_offer offer;      // flags, pipe mode and MMIO size 0: sysfs does not show them
	bool monitored;              // monitor_id exists
	uint32_t monitor_id;         // as read, UINT32_MAX if unreadable: the opener checks it
	/* The transport's state; vmb_uio_scan() sets them false. */
	bool open;
	bool rescinded;
};

/*
 * Lists bus/vmbus/devices into *out (sorted by relid; the caller frees it) and *n. A device
 * with a missing or malformed class_id, device_id or id is skipped with a warning, and so is
 * every device of a relid listed twice. -ENOENT (or the opendir error) when there is no VMBus: not a Hyper-V guest.
 */
int vmb_uio_scan(const char *sysfs_root, struct vmb_uio_device **out, size_t *n);

/*
 * Makes uio_hv_generic the device's driver: unbinds its driver (name written to the driver's
 * unbind), writes the class GUID to uio_hv_generic/new_id (-EEXIST is fine) and, if the device
 * is still not bound to it, its name to uio_hv_generic/bind. took_from gets the driver it had
 * ("" none) for vmb_uio_give_back(). On failure the device is given back. -EOPNOTSUPP when
 * uio_hv_generic is not loaded, or the failing write's error (-EACCES without root, ...).
 */
int vmb_uio_bind(
	const char *sysfs_root, const struct vmb_uio_device *dev, char took_from[VMB_UIO_NAME_MAX]);

/* Unbinds the device from uio_hv_generic (if still bound) and binds it to driver; logs a failure. */
void vmb_uio_give_back(
	const char *sysfs_root, const struct vmb_uio_device *dev, const char *driver);

/* The N of the device's node (bus/vmbus/devices/<name>/uio/uioN); -ENXIO if it has none. */
int vmb_uio_find_node(const char *sysfs_root, const struct vmb_uio_device *dev, uint32_t *node);

/* The size of map index of uioN, from class/uio/uioN/maps/map<index>/size. */
int vmb_uio_map_size(const char *sysfs_root, uint32_t node, unsigned index, uint64_t *size);

#endif
