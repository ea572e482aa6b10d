/*
 * The text of the sysfs attributes the uio transport reads (vmbus-ring.md §6.1, §6.3), parsed
 * into values. Pure: C library only, no I/O. Internal to vmbus/ (and its tests).
 *
 * The text comes from the kernel, but what it says (class, relid, ring size) the host chose, so
 * every value is checked as peer input. Each parser accepts the attribute exactly as the kernel
 * prints it, with or without its trailing newline, and nothing else.
 *
 * Errors: -EINVAL malformed text, -ERANGE a number too large for its type.
 */
#ifndef HVD_VMBUS_UIO_SYSFS_H
#define HVD_VMBUS_UIO_SYSFS_H

#include <stdint.h>

#include "vmb_guid.h"

/* The largest ring we accept from map0 (each direction): far above any kernel's choice (2 MiB
 * + 4 KiB today), low enough that both rings fit a 32-bit size_t and vmb_ring's index range. */
#define VMB_UIO_MAX_RING_BYTES (1u << 30)

/* The smallest and the stride of a ring: one control page and at least one data page. */
#define VMB_UIO_PAGE 4096u

/* The monitor page has 4 trigger groups of 32 bits (vmbus-ring.md §6.6). */
#define VMB_UIO_MONITOR_IDS 128u

/* class_id and device_id: "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" (braces optional). */
int vmb_uio_parse_guid(const char *text, struct vmb_guid *out);

/* id (the relid) and monitor_id: a decimal number without sign or leading zeros. */
int vmb_uio_parse_u32(const char *text, uint32_t *out);

/* maps/mapK/size: "0x" and hex digits as the uio core prints it (%pa), or plain decimal. */
int vmb_uio_parse_size(const char *text, uint64_t *out);

/*
 * Each ring's size from map0's size (TX then RX, same size: §6.3): half of it, which must be a
 * multiple of 4096, at least 8192 and at most VMB_UIO_MAX_RING_BYTES. -EINVAL otherwise.
 */
int vmb_uio_ring_bytes(uint64_t map0_size, uint32_t *ring_bytes);

/* The N of a uio node's name "uioN". */
int vmb_uio_parse_node(const char *name, uint32_t *n);

#endif
