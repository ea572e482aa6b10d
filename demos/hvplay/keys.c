/*
 * Key decoding (keys.h). Terminals send arrows as CSI sequences, "ESC [ A" .. "ESC [ D" (or
 * SS3, "ESC O A", in application cursor mode). A lone ESC cannot be told from the start of a
 * sequence without a timeout, so on a terminal it does nothing; q quits.
 */
#include "keys.h"

#include <errno.h>
#include <linux/input-event-codes.h>
#include <string.h>
#include <unistd.h>

bool keys_from_evdev(uint16_t code, int32_t value, struct key_action *out)
{
	if (value != 1 && value != 2)
		return false;
	switch (code) {
	case KEY_SPACE:
		*out = (struct key_action){ PLAY_TOGGLE_PAUSE, 0 };
		return value == 1;
	case KEY_DOT:
		*out = (struct key_action){ PLAY_STEP, 0 };
		return true;
	case KEY_LEFT:
		*out = (struct key_action){ PLAY_SEEK, -5 };
		return true;
	case KEY_RIGHT:
		*out = (struct key_action){ PLAY_SEEK, 5 };
		return true;
	case KEY_DOWN:
		*out = (struct key_action){ PLAY_SEEK, -60 };
		return true;
	case KEY_UP:
		*out = (struct key_action){ PLAY_SEEK, 60 };
		return true;
	case KEY_L:
		*out = (struct key_action){ PLAY_TOGGLE_LOOP, 0 };
		return value == 1;
	case KEY_Q:
	case KEY_ESC:
		*out = (struct key_action){ PLAY_QUIT, 0 };
		return true;
	default:
		return false;
	}
}

static bool plain_key(uint8_t c, struct key_action *out)
{
	switch (c) {
	case ' ':
		*out = (struct key_action){ PLAY_TOGGLE_PAUSE, 0 };
		return true;
	case '.':
		*out = (struct key_action){ PLAY_STEP, 0 };
		return true;
	case 'l':
	case 'L':
		*out = (struct key_action){ PLAY_TOGGLE_LOOP, 0 };
		return true;
	case 'q':
	case 'Q':
	case 0x03: // ^C: raw mode turns off the signal
		*out = (struct key_action){ PLAY_QUIT, 0 };
		return true;
	default:
		return false;
	}
}

static bool arrow(uint8_t c, struct key_action *out)
{
	static const int seconds[4] = { 60, -60, 5, -5 }; // A up, B down, C right, D left
	if (c < 'A' || c > 'D')
		return false;
	*out = (struct key_action){ PLAY_SEEK, seconds[c - 'A'] };
	return true;
}

/* One byte into the decoder: true and *out when a key is complete. */
static bool feed(struct keys_tty_decoder *d, uint8_t c, struct key_action *out)
{
	if (d->len == 0) {
		if (c == 0x1b) {
			d->seq[d->len++] = c;
			return false;
		}
		return plain_key(c, out);
	}
	if (d->len == 1) {
		if (c == '[' || c == 'O') {
			d->seq[d->len++] = c;
			return false;
		}
		d->len = 0; // ESC then something else (Alt+key): read the key on its own
		return feed(d, c, out);
	}
	/* Inside a sequence: parameters and intermediates until a final byte (0x40..0x7e). */
	if (c >= 0x40 && c <= 0x7e) {
		bool simple = d->len == 2;
		d->len = 0;
		return simple && arrow(c, out);
	}
	if (d->len < sizeof(d->seq))
		d->seq[d->len++] = c;
	else
		d->len = 0; // runaway sequence: forget it
	return false;
}

size_t keys_from_tty(struct keys_tty_decoder *d, const uint8_t *bytes, size_t n,
	struct key_action *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < max; i++) {
		if (feed(d, bytes[i], &out[k]))
			k++;
	}
	return k;
}

int keys_tty_raw(int fd, struct keys_tty_saved *saved)
{
	saved->active = false;
	if (!isatty(fd))
		return -ENOTTY;
	if (tcgetattr(fd, &saved->termios) < 0)
		return -errno;
	struct termios raw = saved->termios;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &raw) < 0)
		return -errno;
	saved->active = true;
	return 0;
}

void keys_tty_restore(int fd, struct keys_tty_saved *saved)
{
	if (saved->active)
		tcsetattr(fd, TCSANOW, &saved->termios);
	saved->active = false;
}
