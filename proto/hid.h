/*
 * HID report descriptors reduced to what a pointer driver needs (HID 1.11 §6.2.2).
 *
 * The synthetic mouse hands the guest a report descriptor (synthinput.md §2.5) and then raw
 * input reports. Rather than trust that the host always sends OpenVMM's 67 bytes, the guest
 * parses the descriptor it got and extracts, per input report, where X, Y, the buttons and the
 * wheel live. Descriptors that do not describe a pointer this code can decode are refused with
 * a reason, never half-used.
 *
 * Supported: short items (main, global, local), long items (skipped), push/pop, usage pages,
 * 32-bit extended usages, usage minimum/maximum, report ids, report size/count, logical
 * minimum/maximum with HID 1.11 sign extension (a Logical Maximum is read unsigned while the
 * Logical Minimum is not negative, as Linux does, so `25 FF` after `15 00` is 255), and input
 * items with their constant/variable/relative flags. Output and feature items are walked
 * but not recorded. Buttons must be one contiguous run of Button-page usages per report.
 *
 * Error convention: as in synthkbd.h. The parser returns 0, or -EPROTO for a descriptor it
 * refuses (malformed, or without a usable pointer) and -EMSGSIZE for a truncated item or one
 * over a size limit; `reason` (NULL-able) names the refusal. The report decoder returns 0,
 * -EMSGSIZE (report shorter than its layout), -EPROTO (report id the descriptor does not
 * declare), -EOPNOTSUPP (a declared report that carries no pointer, e.g. a keyboard report of a
 * composite device: callers ignore it).
 *
 * Pure: C library only, no I/O, no allocation. Layouts live in caller memory.
 */
#ifndef HVD_PROTO_HID_H
#define HVD_PROTO_HID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HID_MAX_DESC_SIZE 4096u     // as Linux HID_MAX_DESCRIPTOR_SIZE
#define HID_MAX_ITEMS 2048u         // items per descriptor
#define HID_MAX_COLLECTION_DEPTH 8u // nested collections
#define HID_MAX_PUSH_DEPTH 4u       // as Linux HID_GLOBAL_STACK_SIZE
#define HID_MAX_USAGES 64u          // usages and usage ranges before one main item
#define HID_MAX_REPORTS 16u         // distinct input report ids
#define HID_MAX_REPORT_BYTES 256u   // one input report, report id byte included
#define HID_MAX_FIELD_BITS 32u      // data fields wider than this are refused
#define HID_MAX_BUTTONS 32u         // button usages past this are not reported

/* Usages this parser looks for: (page << 16) | id. */
#define HID_USAGE_PAGE_GENERIC_DESKTOP 0x01u
#define HID_USAGE_PAGE_BUTTON 0x09u
#define HID_USAGE_GD_X 0x00010030u
#define HID_USAGE_GD_Y 0x00010031u
#define HID_USAGE_GD_WHEEL 0x00010038u

struct hid_field {
	uint32_t bit_offset; // from the first bit after the report id byte (if any)
	uint8_t bit_size;    // 1..32; 0 means the field is absent
	bool relative;       // input item flag bit 2
	bool is_signed;      // logical_min < 0: values are sign-extended
	int32_t logical_min;
	int32_t logical_max;
};

struct hid_pointer_report {
	uint8_t id;       // report id, 0 when the descriptor declares none
	uint32_t bits;    // input data bits, report id byte excluded
	uint32_t size;    // bytes on the wire: report id byte (if any) + bits rounded up
	bool has_pointer; // X and Y both present (absolute or relative together)
	bool absolute;    // X and Y are positions in their logical range, else deltas
	struct hid_field x;
	struct hid_field y;
	struct hid_field wheel; // bit_size 0 when the report has no wheel
	uint16_t button_count;  // buttons in the run; those past usage 32 are not reported
	uint8_t button_bits;    // size of each button field (1 for every mouse seen so far)
	uint16_t button_first;  // Button-page usage of the first button (1 = left), <= 32
	uint32_t button_offset; // bit offset of the first button field
};

struct hid_pointer_desc {
	bool has_report_ids; // every report starts with its id byte
	uint32_t n_reports;  // input reports declared (with or without a pointer)
	struct hid_pointer_report reports[HID_MAX_REPORTS];
};

struct hid_pointer_event {
	uint8_t report_id; // 0 without report ids
	bool absolute;     // x/y are positions (clamped to the logical range), else deltas
	int32_t x;
	int32_t y;
	uint32_t buttons; // bit n: button usage n + 1 pressed (bit 0 left, 1 right, 2 middle)
	int32_t wheel;    // relative: clicks; 0 when the report has no wheel
};

/*
 * Parses desc (len bytes, borrowed only for the call) into *out. At least one input report must
 * hold both X and Y. Refusals (-EPROTO unless noted) and their reasons:
 *   descriptor_too_long (-EMSGSIZE), truncated_item (-EMSGSIZE), too_many_items,
 *   collection_too_deep, collection_unbalanced (End Collection without one open),
 *   collection_unclosed, push_too_deep, pop_without_push, push_unbalanced, too_many_usages,
 *   usage_range_inverted, unknown_global_tag, report_id_zero, report_id_range,
 *   report_id_mixed (reports with and without ids), too_many_reports,
 *   report_too_long (-EMSGSIZE: over HID_MAX_REPORT_BYTES, e.g. an absurd report count),
 *   field_too_wide (a data field over 32 bits), logical_range (X/Y/wheel range not in int32 or
 *   inverted), buttons_not_contiguous, x_y_incomplete (X without Y or the reverse),
 *   x_y_mixed (one absolute, one relative), no_x_y (no report has X and Y).
 * *out is written in any case; it is meaningful only on success.
 */
int hid_parse_pointer(
	const uint8_t *desc, size_t len, struct hid_pointer_desc *out, const char **reason);

/* The layout of report id (0 without report ids), or NULL when the descriptor has none. */
const struct hid_pointer_report *hid_pointer_find(const struct hid_pointer_desc *desc, uint8_t id);

/*
 * Decodes one input report (report id byte first when the descriptor uses ids). Bytes past the
 * layout's size are ignored. Absolute X/Y outside the logical range are clamped into it.
 * Errors: -EMSGSIZE short_report (or an empty one), -EPROTO unknown_report_id, -EOPNOTSUPP
 * not_pointer_report. *out is written only on success.
 */
int hid_pointer_decode(const struct hid_pointer_desc *desc, const void *report, size_t len,
	struct hid_pointer_event *out, const char **reason);

#endif
