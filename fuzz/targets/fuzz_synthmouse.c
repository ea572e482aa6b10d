/*
 * SynthHID decoder (synthinput.md §2) on arbitrary payloads. Whatever decodes must re-encode
 * and decode to the same fields; a device info's report descriptor then goes through the HID
 * parser, and an input report through OpenVMM's layout.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hid.h"
#include "synthmouse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const struct synthmouse_msg *a, const struct synthmouse_msg *b)
{
	if (a->type != b->type)
		abort();
	switch (a->type) {
	case SYNTHMOUSE_INITIAL_DEVICE_INFO: {
		const struct synthmouse_device_info *x = &a->u.device_info, *y = &b->u.device_info;
		if (x->hid_desc.report_desc_len != y->hid_desc.report_desc_len ||
			memcmp(x->report_desc, y->report_desc, x->hid_desc.report_desc_len) != 0 ||
			x->info.vendor != y->info.vendor || x->info.product != y->info.product)
			abort();
		break;
	}
	case SYNTHMOUSE_INPUT_REPORT:
		if (a->u.input_report.len != b->u.input_report.len ||
			memcmp(a->u.input_report.data, b->u.input_report.data,
				a->u.input_report.len))
			abort();
		break;
	default:
		break;
	}
}

static uint8_t reencoded[8 + 65536 + 64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct synthmouse_msg msg;
	const char *reason = NULL;
	if (synthmouse_decode(data, size, &msg, &reason) != 0) {
		if (!reason)
			abort();
		return 0;
	}
	if (msg.type == SYNTHMOUSE_INITIAL_DEVICE_INFO && msg.u.device_info.hid_desc.length != 9)
		return 0; /* the encoder writes only 9-byte HID descriptors */
	int n = synthmouse_encode(reencoded, sizeof(reencoded), &msg);
	if (n <= 0)
		abort();
	struct synthmouse_msg again;
	if (synthmouse_decode(reencoded, (size_t)n, &again, NULL) != 0)
		abort();
	check_same(&msg, &again);

	struct hid_pointer_desc desc;
	struct hid_pointer_event ev;
	if (msg.type == SYNTHMOUSE_INITIAL_DEVICE_INFO) {
		hid_parse_pointer(msg.u.device_info.report_desc,
			msg.u.device_info.hid_desc.report_desc_len, &desc, NULL);
	} else if (msg.type == SYNTHMOUSE_INPUT_REPORT &&
		hid_parse_pointer(synthmouse_openvmm_report_desc,
			SYNTHMOUSE_OPENVMM_REPORT_DESC_LEN, &desc, NULL) == 0) {
		hid_pointer_decode(
			&desc, msg.u.input_report.data, msg.u.input_report.len, &ev, NULL);
	}
	return 0;
}
