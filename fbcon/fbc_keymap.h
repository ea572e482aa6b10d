/*
 * Keyboard: evdev key codes (from input_hv's synthetic keyboard or libinput) to what the
 * terminal should do, through xkbcommon.
 *
 * The layout comes from the configuration, else from $XKB_DEFAULT_RULES/MODEL/LAYOUT/VARIANT/
 * OPTIONS (xkbcommon reads them), else evdev/pc105/us. Dead keys and Compose sequences use the
 * locale's Compose table when there is one.
 *
 * Each key press becomes one action: text (UTF-8 with Ctrl and Alt applied), a key whose bytes
 * depend on terminal modes (fbc_term_send_key() encodes it: cursor keys honour DECCKM), or a
 * scrollback move (Shift+PgUp/PgDn). Key repeat is the caller's loop: when an action says it
 * repeats, arm a timer for the delay, then the interval, and call fbc_keymap_repeat() until
 * the release.
 *
 * Errors: fbc_keymap_create() returns 0, -EINVAL (no such layout) or -ENOMEM.
 */
#ifndef HVD_FBCON_FBC_KEYMAP_H
#define HVD_FBCON_FBC_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fbc_key.h"

#define FBC_KEYMAP_DEFAULT_DELAY_MS 400
#define FBC_KEYMAP_DEFAULT_INTERVAL_MS 40

struct fbc_keymap;

struct fbc_keymap_config {
	const char *rules; // each NULL: the environment, then xkbcommon's default
	const char *model;
	const char *layout;
	const char *variant;
	const char *options;
	int repeat_delay_ms;    // 0: FBC_KEYMAP_DEFAULT_DELAY_MS; negative: no repeat
	int repeat_interval_ms; // 0: FBC_KEYMAP_DEFAULT_INTERVAL_MS
	bool no_compose;        // ignore the locale's Compose table
};

enum fbc_key_action_type {
	FBC_KEY_ACTION_NONE = 0,
	FBC_KEY_ACTION_TEXT,   // send text[0..text_len)
	FBC_KEY_ACTION_KEY,    // fbc_term_send_key(key, mods)
	FBC_KEY_ACTION_SCROLL, // move the scrollback view by scroll_pages (positive: back)
};

struct fbc_key_action {
	enum fbc_key_action_type type;
	char text[32];
	size_t text_len;
	enum fbc_vkey key;
	unsigned mods; // enum fbc_mod bits
	int scroll_pages;
	bool repeats; // arm key repeat for this key
};

enum fbc_led {
	FBC_LED_NUM = 1u << 0,
	FBC_LED_CAPS = 1u << 1,
	FBC_LED_SCROLL = 1u << 2,
};

int fbc_keymap_create(struct fbc_keymap **out, const struct fbc_keymap_config *config);
/* NULL is a no-op. */
void fbc_keymap_destroy(struct fbc_keymap *keymap);

/* code: evdev KEY_* (linux/input-event-codes.h); pressed: press (true) or release. Updates the
 * modifier state; *out says what to do (type NONE for releases and modifiers). */
void fbc_keymap_key(
	struct fbc_keymap *keymap, uint32_t code, bool pressed, struct fbc_key_action *out);
/* What one repeat of the held key `code` does; changes no state. */
void fbc_keymap_repeat(struct fbc_keymap *keymap, uint32_t code, struct fbc_key_action *out);
void fbc_keymap_repeat_timing(const struct fbc_keymap *keymap, int *delay_ms, int *interval_ms);
/* enum fbc_led bits to show on the keyboard. */
unsigned fbc_keymap_leds(const struct fbc_keymap *keymap);

#endif
