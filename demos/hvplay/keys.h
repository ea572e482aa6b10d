/*
 * keys: the player's keyboard, from evdev key codes (the synthetic keyboard through lib hvi) or
 * from a terminal in raw mode (hvplay started from a shell inside hvcon: keys typed go to its
 * tty).
 *
 *   space pause/resume   .  step one frame   left/right  seek -/+5 s   down/up  seek -/+60 s
 *   l loop on/off        q quit (Esc too on the synthetic keyboard)
 */
#ifndef HVD_HVPLAY_KEYS_H
#define HVD_HVPLAY_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "player.h"

struct key_action {
	enum play_command cmd;
	int seconds; // PLAY_SEEK
};

/* An evdev key event (code KEY_*, value 1 press or 2 repeat; releases do nothing): true and
 * *out when it means something. */
bool keys_from_evdev(uint16_t code, int32_t value, struct key_action *out);

/* Terminal bytes: escape sequences may arrive split across reads, so the decoder keeps state.
 */
struct keys_tty_decoder {
	uint8_t seq[8];
	size_t len;
};

/* Feeds bytes; writes up to max actions to out and returns how many. */
size_t keys_from_tty(struct keys_tty_decoder *d, const uint8_t *bytes, size_t n,
	struct key_action *out, size_t max);

/* Raw mode on fd (a tty): no echo, no line buffering, bytes as typed. The old settings go into
 * *saved for keys_tty_restore(). -ENOTTY when fd is not a terminal. */
struct keys_tty_saved {
	bool active;
	struct termios termios;
};
int keys_tty_raw(int fd, struct keys_tty_saved *saved);
void keys_tty_restore(int fd, struct keys_tty_saved *saved);

#endif
