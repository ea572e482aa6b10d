/*
 * HID report-descriptor parser and pointer-report decoder (proto/hid.c).
 *
 * Input: a little-endian u16 descriptor length, the descriptor, then reports, each preceded by
 * a length byte. Decoded values must respect the layout: absolute axes inside their logical
 * range, buttons only where the layout has them.
 */
#include <stdint.h>
#include <stdlib.h>

#include "hid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(const struct hid_pointer_desc *desc, const struct hid_pointer_event *ev)
{
	const struct hid_pointer_report *rep = hid_pointer_find(desc, ev->report_id);
	if (!rep || !rep->has_pointer || rep->absolute != ev->absolute)
		abort();
	if (ev->absolute &&
		(ev->x < rep->x.logical_min || ev->x > rep->x.logical_max ||
			ev->y < rep->y.logical_min || ev->y > rep->y.logical_max))
		abort();
	uint64_t allowed = 0;
	for (uint32_t i = 0; i < rep->button_count && rep->button_first - 1u + i < 32; i++)
		allowed |= UINT64_C(1) << (rep->button_first - 1u + i);
	if (ev->buttons & ~allowed)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t desc_len = (size_t)(data[0] | data[1] << 8);
	data += 2;
	size -= 2;
	if (desc_len > size)
		desc_len = size;
	struct hid_pointer_desc desc;
	const char *reason = NULL;
	if (hid_parse_pointer(data, desc_len, &desc, &reason) != 0) {
		if (!reason)
			abort();
		return 0;
	}
	if (desc.n_reports == 0 || desc.n_reports > HID_MAX_REPORTS)
		abort();
	data += desc_len;
	size -= desc_len;
	while (size > 0) {
		size_t len = data[0];
		data++;
		size--;
		if (len > size)
			len = size;
		struct hid_pointer_event ev;
		if (hid_pointer_decode(&desc, data, len, &ev, &reason) == 0)
			check_event(&desc, &ev);
		data += len;
		size -= len;
	}
	return 0;
}
