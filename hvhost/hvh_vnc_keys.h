/*
 * VNC key events to synthetic keyboard scan codes (synthinput.md §1.5, as OpenVMM's VNC front
 * end): plain RFB keysyms through the US layout with Shift tracking, and the QEMU Extended Key
 * Event's raw XT codes as they are. The tables are input_hv's (hvi_scancode.h): set-1 codes for
 * KEY_* and the US ASCII layout; only the X11 keysyms of the special keys live here.
 *
 * One struct vnc_keys per viewer: which Shift keys it holds (to decide whether a character
 * needs Shift added or taken away) and every key it holds, so the keys of a viewer that goes
 * away can be released instead of staying down in the guest.
 *
 * Pure: no I/O, no allocation. Nothing fails: a keysym without a US key produces no events.
 */
#ifndef HVD_HVHOST_VNC_KEYS_H
#define HVD_HVHOST_VNC_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvi_scancode.h"

/* The most events one key event produces: Shift(s) up, the key, Shift(s) down again. */
#define VNC_KEYS_MAX_OUT 6
/* The most events vnc_keys_release_all() produces: every XT code and Pause. */
#define VNC_KEYS_MAX_HELD 258

struct vnc_keys {
	bool lshift, rshift; // held by the viewer (keysyms Shift_L / Shift_R)
	bool pause;          // Pause is held (it has no single XT code)
	uint8_t held[32];    // XT codes held, bit (0x80 | code) for E0 keys
};

void vnc_keys_init(struct vnc_keys *k);

/* The KEY_* of a keysym and whether the US layout needs Shift for it (letters, digits and
 * punctuation; special keys need none); 0 when the keysym has no key here. */
uint16_t vnc_keys_keysym_to_key(uint32_t keysym, bool *shift);

/*
 * A plain key event. Characters are typed on the US layout: one that needs Shift while the
 * viewer holds none is wrapped in LeftShift down/up; one that must not have Shift while the
 * viewer holds it is sent between releasing and re-pressing the held Shift keys. A release
 * sends only the key's break, and only if the key is held. Returns the number of events
 * written to out, 0 for an unmapped keysym.
 */
size_t vnc_keys_from_keysym(
	struct vnc_keys *k, uint32_t keysym, bool down, struct hvi_scancode out[VNC_KEYS_MAX_OUT]);

/*
 * A QEMU Extended Key Event: keycode is an XT scan code, 0x80 | code for E0 keys, 0xC6 for
 * Pause. Sent as it is (the guest's layout decides the character), so keys without a KEY_* on
 * the input_hv tables still reach the guest. Returns the events written, 0 for a keycode above
 * 0xFF or 0.
 */
size_t vnc_keys_from_keycode(
	struct vnc_keys *k, uint32_t keycode, bool down, struct hvi_scancode out[VNC_KEYS_MAX_OUT]);

/* Breaks for every key still held, in code order, and forgets them. */
size_t vnc_keys_release_all(struct vnc_keys *k, struct hvi_scancode out[VNC_KEYS_MAX_HELD]);

#endif
