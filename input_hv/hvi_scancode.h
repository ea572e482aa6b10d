/*
 * Scan code set 1 <-> Linux evdev key codes for the synthetic keyboard (synthinput.md §1.4,
 * vmbus-emu.md §5).
 *
 * The guest turns each keyboard EVENT (make code plus SYNTHKBD_INFO_* flags) into a KEY_* press
 * or release through the small stateful decoder below; the host goes the other way with
 * hvi_scancode_from_key(), and resolves the monitor's key names and typed text with
 * hvi_key_from_name() and hvi_key_from_ascii() (US layout, as OpenVMM's VNC path assumes).
 *
 * Key codes are the Linux values of hvi_keycodes.h; 0 (KEY_RESERVED) means "no key". Nothing
 * here is fatal: a code without a key is reported as HVI_SCANCODE_UNKNOWN for the caller to
 * count. Pure: C library only, no I/O, no allocation, no global mutable state.
 */
#ifndef HVD_INPUT_HV_HVI_SCANCODE_H
#define HVD_INPUT_HV_HVI_SCANCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One keyboard EVENT's worth: what the host puts in synthkbd_event.make_code and .info. */
struct hvi_scancode {
	uint8_t make_code; // set-1 make code, < 0x80
	uint32_t info;     // SYNTHKBD_INFO_IS_E0 / IS_E1 / IS_BREAK
};

/* Pause is the longest transition: (IS_E1, 0x1D) then (0x45). */
#define HVI_SCANCODE_MAX_SEQ 2

/* The key of a single set-1 code, with or without the E0 prefix; 0 when it has none. Fake
 * shifts (E0 2A, E0 36) and the E1 Pause sequence have no key here: use the decoder. */
uint16_t hvi_scancode_to_key(uint8_t make_code, bool e0);

/* The set-1 code of key; false for keys without a single code (KEY_PAUSE, unknown keys). */
bool hvi_key_to_scancode(uint16_t key, uint8_t *make_code, bool *e0);

/*
 * The EVENTs a host sends for one transition of key (vmbus-emu.md §5): one for most keys, two
 * for Pause (IS_E1 0x1D then plain 0x45, both with IS_BREAK on release). PrintScreen is one
 * E0 0x37, without fake shifts. Returns how many were written to out, 0 for a key without a
 * set-1 code.
 */
size_t hvi_scancode_from_key(
	uint16_t key, bool pressed, struct hvi_scancode out[HVI_SCANCODE_MAX_SEQ]);

/*
 * Key names: Linux's KEY_* names in lower case without the prefix ("a", "1", "f12", "enter",
 * "pageup", "kp7", "sysrq", "leftctrl", ...), matched without regard to ASCII case, plus the
 * aliases ctrl, shift, alt and super for the left-hand keys. 0 for an unknown name or NULL.
 */
uint16_t hvi_key_from_name(const char *name);
/* The canonical name of key (never an alias), or NULL. The string is static. */
const char *hvi_key_to_name(uint16_t key);

/* US layout: the key for the character c and whether it needs Shift. '\n' is Enter, '\t' Tab.
 * false (outputs untouched) for anything else outside printable ASCII 32..126. */
bool hvi_key_from_ascii(char c, uint16_t *key, bool *shift);

enum hvi_scancode_result {
	HVI_SCANCODE_KEY = 0,    // *out holds a key transition
	HVI_SCANCODE_PENDING,    // first half of a sequence (E1 1D): wait for the next event
	HVI_SCANCODE_FAKE_SHIFT, // E0 2A / E0 36 around PrintScreen and navigation keys: ignored
	HVI_SCANCODE_UNICODE,    // IS_UNICODE: not a scan code; dropped (synthinput.md §1.4)
	HVI_SCANCODE_UNKNOWN,    // no key for this code (logged and counted by the caller)
};

/* Lower-case snake_case name of a result, for counters ("key", "fake_shift", ...). */
const char *hvi_scancode_result_to_str(enum hvi_scancode_result result);

struct hvi_key_event {
	uint16_t key; // KEY_*
	bool pressed;
};

/* Caller-owned decoder state; the layout is public only so it can live in caller memory. */
struct hvi_scancode_decoder {
	bool e1_pending; // an (IS_E1, 0x1D) is waiting for its 0x45
	bool e1_break;   // ... and it was a release
	/* An E1 prefix not followed by its 0x45: the prefix is dropped, the event that broke
	 * the sequence is decoded on its own. Counted for stats. */
	uint32_t broken_sequences;
};

/* Resets *dec to "no sequence in progress" (also after a channel reopen). */
void hvi_scancode_decoder_init(struct hvi_scancode_decoder *dec);

/*
 * Feeds one EVENT (make_code and info as received). On HVI_SCANCODE_KEY *out holds the
 * transition; otherwise *out is untouched. Never fails: unknown input is a result.
 */
enum hvi_scancode_result hvi_scancode_decoder_feed(struct hvi_scancode_decoder *dec,
	uint16_t make_code, uint32_t info, struct hvi_key_event *out);

#endif
