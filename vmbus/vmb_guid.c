/*
 * GUIDs in VMBus wire order (vmbus-emu.md §5): the text "aabbccdd-eeff-gghh-..." is stored as
 * dd cc bb aa, ff ee, hh gg, then the last eight bytes as written.
 */
#include "vmb_guid.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "text.h"

#define VMB_GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)                                          \
	{                                                                                          \
		{                                                                                  \
			(uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16),                   \
				(uint8_t)((a) >> 24), (uint8_t)(b), (uint8_t)((b) >> 8),           \
				(uint8_t)(c), (uint8_t)((c) >> 8), d0, d1, d2, d3, d4, d5, d6, d7  \
		}                                                                                  \
	}

/* da0a7802-e377-4aac-8e77-0558eb1073f8 */
const struct vmb_guid vmb_guid_synthvid =
	VMB_GUID(0xda0a7802, 0xe377, 0x4aac, 0x8e, 0x77, 0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8);
/* 5620e0c7-8062-4dce-aeb7-520c7ef76171 */
const struct vmb_guid vmb_guid_synthvid_instance =
	VMB_GUID(0x5620e0c7, 0x8062, 0x4dce, 0xae, 0xb7, 0x52, 0x0c, 0x7e, 0xf7, 0x61, 0x71);
/* f912ad6d-2b17-48ea-bd65-f927a61c7684 */
const struct vmb_guid vmb_guid_keyboard =
	VMB_GUID(0xf912ad6d, 0x2b17, 0x48ea, 0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84);
/* d34b2567-b9b6-42b9-8778-0a4ec0b955bf */
const struct vmb_guid vmb_guid_keyboard_instance =
	VMB_GUID(0xd34b2567, 0xb9b6, 0x42b9, 0x87, 0x78, 0x0a, 0x4e, 0xc0, 0xb9, 0x55, 0xbf);
/* cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a */
const struct vmb_guid vmb_guid_mouse =
	VMB_GUID(0xcfa8b69e, 0x5b4a, 0x4cc0, 0xb9, 0x8b, 0x8b, 0xa1, 0xa1, 0xf3, 0xf9, 0x5a);
/* 58f75a6d-d949-4320-99e1-a2a2576d581c */
const struct vmb_guid vmb_guid_mouse_instance =
	VMB_GUID(0x58f75a6d, 0xd949, 0x4320, 0x99, 0xe1, 0xa2, 0xa2, 0x57, 0x6d, 0x58, 0x1c);

/* Wire byte for each pair of hex digits in text order; dashes fall between the groups. */
static const uint8_t text_to_wire[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };

static bool is_dash_position(size_t i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

int vmb_guid_parse(const char *str, struct vmb_guid *out)
{
	if (!str || !out)
		return -EINVAL;
	uint8_t text[16];
	size_t n = 0, i = 0;
	for (; i < VMB_GUID_STR_LEN - 1; i++) {
		if (is_dash_position(i)) {
			if (str[i] != '-')
				return -EINVAL;
			continue;
		}
		int hi = text_hex_digit((unsigned char)str[i]);
		int lo = hi < 0 ? -1 : text_hex_digit((unsigned char)str[i + 1]);
		if (lo < 0)
			return -EINVAL;
		text[n++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	if (str[i] != '\0')
		return -EINVAL;
	for (n = 0; n < 16; n++)
		out->bytes[text_to_wire[n]] = text[n];
	return 0;
}

void vmb_guid_format(const struct vmb_guid *guid, char out[VMB_GUID_STR_LEN])
{
	static const char digits[] = "0123456789abcdef";
	size_t pos = 0;
	for (size_t n = 0; n < 16; n++) {
		if (is_dash_position(pos))
			out[pos++] = '-';
		uint8_t b = guid->bytes[text_to_wire[n]];
		out[pos++] = digits[b >> 4];
		out[pos++] = digits[b & 0xf];
	}
	out[pos] = '\0';
}

bool vmb_guid_equal(const struct vmb_guid *a, const struct vmb_guid *b)
{
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}
