/*
 * Packet capture (vmbus-emu.md §7): a classic pcap file of every VMBus packet hvhost reads from
 * or writes to a ring, plus one record per channel opened naming its device.
 *
 * File: little-endian, magic 0xa1b2c3d4 (microseconds), version 2.4, snaplen 262144, link type
 * 147 (DLT_USER0). Record data: an 8-byte pseudo-header (u32 child_relid; u8 kind; 3 bytes 0),
 * then for kinds 0 (guest->host) and 1 (host->guest) the raw packet as the ring held it
 * (descriptor, payload, padding; no trailer), for kind 2 (channel opened) the interface and
 * instance GUIDs. Records longer than the snaplen are cut there (orig_len keeps the real
 * length). Each record goes out in one write(), so a reader of a live file sees whole records.
 *
 * Errors: negative errno. A failed write leaves the file as it was up to the last whole record
 * only if the kernel wrote nothing; callers stop tracing after an error.
 */
#ifndef HVD_HVHOST_TRACE_H
#define HVD_HVHOST_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "vmb_guid.h"

#define HVH_TRACE_MAGIC 0xa1b2c3d4u
#define HVH_TRACE_VERSION_MAJOR 2
#define HVH_TRACE_VERSION_MINOR 4
#define HVH_TRACE_SNAPLEN 262144u
#define HVH_TRACE_LINKTYPE 147u // DLT_USER0
#define HVH_TRACE_FILE_HEADER_SIZE 24
#define HVH_TRACE_RECORD_HEADER_SIZE 16
#define HVH_TRACE_PSEUDO_HEADER_SIZE 8

enum hvh_trace_kind {
	HVH_TRACE_GUEST_TO_HOST = 0,
	HVH_TRACE_HOST_TO_GUEST = 1,
	HVH_TRACE_CHANNEL_OPENED = 2,
};

/* Wall-clock time of a record in microseconds since the epoch; injectable for tests. */
typedef int64_t (*hvh_trace_clock_fn)(void *data);

struct hvh_trace;

/* Creates (or truncates) path with mode 0644 and writes the file header. */
int hvh_trace_open(struct hvh_trace **out, const char *path);
/* Takes ownership of fd (closed on error too) and writes the file header; clock NULL means
 * CLOCK_REALTIME. */
int hvh_trace_create(struct hvh_trace **out, int fd, hvh_trace_clock_fn clock, void *clock_data);
/* Closes the file. NULL is a no-op. */
void hvh_trace_destroy(struct hvh_trace *trace);

/* One packet record: kind 0 or 1, raw as the ring held it. -EINVAL for another kind. */
int hvh_trace_packet(struct hvh_trace *trace, uint32_t relid, enum hvh_trace_kind kind,
	const uint8_t *raw, size_t len);
/* One channel-opened record (kind 2). */
int hvh_trace_channel(struct hvh_trace *trace, uint32_t relid, const struct vmb_guid *interface,
	const struct vmb_guid *instance);

#endif
