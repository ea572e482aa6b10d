/*
 * Input routing: key and pointer events from any input backend (input_hv's synthetic devices in
 * fbc_input_hvi.c, libinput in fbc_input_libinput.c) become what the console should do.
 *
 * Keys go through the keymap (xkbcommon, fbc_keymap.h); key repeat is done here, not by the
 * devices: a held key repeats after the keymap's delay, then every interval, until it is released
 * or another key is pressed (as Linux's VT and xkbcommon-based compositors do). Repeat is driven by
 * the caller's clock: every function that depends on time takes now_ms (monotonic milliseconds),
 * so tests step it. Pointer positions are clamped to the screen; relative motion (a real mouse
 * through libinput) moves a pointer of our own.
 *
 * What comes out goes to a sink of callbacks (in hvcon, the console; in tests, a recorder).
 *
 * Errors: fbc_input_create() returns 0, -EINVAL (no such keyboard layout) or -ENOMEM.
 */
#ifndef HVD_FBCON_FBC_INPUT_H
#define HVD_FBCON_FBC_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "fbc_keymap.h"

struct fbc_input;

/* Every member may be NULL. Pointer coordinates are screen pixels; buttons 1 left, 2 middle,
 * 3 right; axis steps are wheel notches, negative up (towards the history). */
struct fbc_input_sink {
	void (*key)(void *data, const struct fbc_key_action *action, int64_t now_ms);
	void (*pointer_motion)(void *data, int x, int y);
	void (*pointer_button)(void *data, int button, bool pressed);
	void (*pointer_axis)(void *data, int steps);
	void *data;
};

struct fbc_input_stats {
	uint64_t keys;        // presses and releases taken
	uint64_t repeats;     // actions made by key repeat
	uint64_t unknown;     // key codes out of range, buttons we do not use
	uint64_t dev_repeats; // autorepeat events from devices, ignored (we repeat ourselves)
};

/* keymap may be NULL (all defaults); its strings are used only during the call. sink is
 * copied. */
int fbc_input_create(struct fbc_input **out, const struct fbc_keymap_config *keymap,
	const struct fbc_input_sink *sink);
/* NULL is a no-op. */
void fbc_input_destroy(struct fbc_input *input);

/* The screen the pointer lives on (its position is clamped to it). */
void fbc_input_set_screen(struct fbc_input *input, int width, int height);
void fbc_input_get_screen(const struct fbc_input *input, int *width, int *height);

/* An evdev key (KEY_*, BTN_* go to fbc_input_button()): value 0 release, 1 press, 2 the device's
 * own autorepeat (ignored and counted). */
void fbc_input_key(struct fbc_input *input, uint32_t code, int value, int64_t now_ms);
/* Releases every key still down (the device went away): repeat stops, modifiers come up. */
void fbc_input_release_all(struct fbc_input *input, int64_t now_ms);
/* The keyboard LEDs to show (enum fbc_led bits). */
unsigned fbc_input_leds(const struct fbc_input *input);

/* Pointer: absolute position in screen pixels, or a relative move. */
void fbc_input_pointer_to(struct fbc_input *input, int x, int y);
void fbc_input_pointer_by(struct fbc_input *input, double dx, double dy);
/* An evdev button (BTN_LEFT, BTN_RIGHT, BTN_MIDDLE; others are counted and ignored). */
void fbc_input_button(struct fbc_input *input, uint32_t code, bool pressed);
/* Wheel notches as evdev's REL_WHEEL counts them: positive away from the user (up). */
void fbc_input_wheel(struct fbc_input *input, int notches);

/* Milliseconds until fbc_input_dispatch_timers() has a repeat to make; -1 none. */
int64_t fbc_input_next_timeout(const struct fbc_input *input, int64_t now_ms);
/* Makes the repeat that is due, if any. A late call makes one repeat, not a burst. */
void fbc_input_dispatch_timers(struct fbc_input *input, int64_t now_ms);

void fbc_input_get_stats(const struct fbc_input *input, struct fbc_input_stats *out);

#endif
