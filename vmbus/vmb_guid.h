/*
 * GUIDs in VMBus wire order: the first three fields little-endian, as Linux guid_t stores them
 * (vmbus-emu.md, synthvid.md §1). Pure, C library only.
 */
#ifndef HVD_VMBUS_GUID_H
#define HVD_VMBUS_GUID_H

#include <stdbool.h>
#include <stdint.h>

struct vmb_guid {
	uint8_t bytes[16];
};

#define VMB_GUID_STR_LEN 37 // "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and NUL

/* Parses the canonical text form (either case); -EINVAL if malformed. */
int vmb_guid_parse(const char *str, struct vmb_guid *out);
/* Lower-case canonical text form. */
void vmb_guid_format(const struct vmb_guid *guid, char out[VMB_GUID_STR_LEN]);
bool vmb_guid_equal(const struct vmb_guid *a, const struct vmb_guid *b);

/* Device classes and hvhost's instance GUIDs (vmbus-emu.md §5). */
extern const struct vmb_guid vmb_guid_synthvid;
extern const struct vmb_guid vmb_guid_synthvid_instance;
extern const struct vmb_guid vmb_guid_keyboard;
extern const struct vmb_guid vmb_guid_keyboard_instance;
extern const struct vmb_guid vmb_guid_mouse;
extern const struct vmb_guid vmb_guid_mouse_instance;

#endif
