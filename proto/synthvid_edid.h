/*
 * The 128-byte EDID base block a synthvid host hands out in RESOLUTION_RESPONSE (and OpenVMM's
 * FEATURE_CHANGE V2): read the monitor name, and build a block for hvhost to offer.
 * Layout: VESA E-EDID 1.4 base block. Linux ignores this EDID (synthvid.md §4); it is there for
 * guests and tools that show the monitor's name.
 *
 * Pure: C library only, no I/O, no allocation. Negative errno on failure.
 */
#ifndef HVD_PROTO_SYNTHVID_EDID_H
#define HVD_PROTO_SYNTHVID_EDID_H

#include <stddef.h>
#include <stdint.h>

#define SYNTHVID_EDID_BLOCK 128
#define SYNTHVID_EDID_NAME_MAX 13 // characters in a monitor name descriptor

/*
 * Copies the monitor name (descriptor tag 0xFC) of an untrusted EDID block into name as a
 * NUL-terminated string, without the 0x0A terminator and space padding; bytes outside printable
 * ASCII become '?'. Returns its length, -EPROTO if the header or checksum is wrong, -ENOENT if
 * no descriptor names the monitor, -EMSGSIZE if cap cannot hold the name and its NUL (14 bytes
 * always can).
 */
int synthvid_edid_monitor_name(const uint8_t edid[SYNTHVID_EDID_BLOCK], char *name, size_t cap);

/*
 * Builds a valid EDID 1.4 base block (checksum included) naming the monitor `name` (1..13
 * printable ASCII characters) whose first detailed timing, the preferred mode EDID 1.4 requires,
 * is width x height with CVT reduced-blanking-like timings at 60 Hz, or the highest rate below it
 * that the descriptor's 655.35 MHz pixel clock allows. -EINVAL for a bad name, -ERANGE for a size
 * a detailed timing cannot express (0, or over 4095: offer the largest mode that fits; synthvid
 * guests take their modes from the resolution list, not from this block).
 */
int synthvid_edid_build(
	uint8_t edid[SYNTHVID_EDID_BLOCK], const char *name, uint32_t width, uint32_t height);

#endif
