/*
 * Input routing and key repeat; see fbc_input.h.
 */
#define LOG_MODULE "fbc-input"

#include <errno.h>
#include <linux/input-event-codes.h>
#include <stdlib.h>

#include "fbc_input.h"
#include "log.h"

struct fbc_input {
	struct fbc_keymap *keymap;
	struct fbc_input_sink sink;
	uint8_t down[(KEY_CNT + 7) / 8]; // keys held, so a lost device releases them all

	uint32_t repeat_code; // valid while repeat_next >= 0
	int64_t repeat_next;  // when the next repeat is due; -1: nothing repeats
	int repeat_delay_ms;  // <= 0: no repeat
	int repeat_interval_ms;

	int width, height; // the screen; 0 until set
	double px, py;     // the pointer, fractional for relative motion

	struct fbc_input_stats stats;
};

int fbc_input_create(struct fbc_input **out, const struct fbc_keymap_config *keymap,
	const struct fbc_input_sink *sink)
{
	struct fbc_input *in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	static const struct fbc_keymap_config defaults = { 0 };
	int err = fbc_keymap_create(&in->keymap, keymap ? keymap : &defaults);
	if (err) {
		free(in);
		return err;
	}
	in->sink = *sink;
	in->repeat_next = -1;
	fbc_keymap_repeat_timing(in->keymap, &in->repeat_delay_ms, &in->repeat_interval_ms);
	*out = in;
	return 0;
}

void fbc_input_destroy(struct fbc_input *in)
{
	if (!in)
		return;
	fbc_keymap_destroy(in->keymap);
	free(in);
}

static bool is_down(const struct fbc_input *in, uint32_t code)
{
	return in->down[code / 8] & (1u << (code % 8));
}

static void set_down(struct fbc_input *in, uint32_t code, bool down)
{
	if (down)
		in->down[code / 8] |= (uint8_t)(1u << (code % 8));
	else
		in->down[code / 8] &= (uint8_t) ~(1u << (code % 8));
}

static void emit_key(struct fbc_input *in, const struct fbc_key_action *a, int64_t now_ms)
{
	if (a->type != FBC_KEY_ACTION_NONE && in->sink.key)
		in->sink.key(in->sink.data, a, now_ms);
}

void fbc_input_key(struct fbc_input *in, uint32_t code, int value, int64_t now_ms)
{
	if (code >= KEY_CNT) {
		in->stats.unknown++;
		return;
	}
	bool pressed = value != 0;
	/* A device's autorepeat (value 2, or a press of a key already down) would double ours. */
	if (value == 2 || (pressed && is_down(in, code))) {
		in->stats.dev_repeats++;
		return;
	}
	if (!pressed && !is_down(in, code))
		return; /* a release we never saw pressed (held before we started): xkb state stays */
	in->stats.keys++;
	set_down(in, code, pressed);
	struct fbc_key_action a;
	fbc_keymap_key(in->keymap, code, pressed, &a);
	if (pressed) {
		/* A new key takes the repeat over, as on a VT; a modifier press leaves it alone. */
		if (a.repeats) {
			in->repeat_code = code;
			in->repeat_next = now_ms + in->repeat_delay_ms;
		} else if (a.type != FBC_KEY_ACTION_NONE) {
			in->repeat_next = -1;
		}
	} else if (in->repeat_next >= 0 && code == in->repeat_code) {
		in->repeat_next = -1;
	}
	emit_key(in, &a, now_ms);
}

void fbc_input_release_all(struct fbc_input *in, int64_t now_ms)
{
	for (uint32_t code = 0; code < KEY_CNT; code++)
		if (is_down(in, code))
			fbc_input_key(in, code, 0, now_ms);
	in->repeat_next = -1;
}

unsigned fbc_input_leds(const struct fbc_input *in)
{
	return fbc_keymap_leds(in->keymap);
}

int64_t fbc_input_next_timeout(const struct fbc_input *in, int64_t now_ms)
{
	if (in->repeat_next < 0)
		return -1;
	return in->repeat_next > now_ms ? in->repeat_next - now_ms : 0;
}

void fbc_input_dispatch_timers(struct fbc_input *in, int64_t now_ms)
{
	if (in->repeat_next < 0 || now_ms < in->repeat_next)
		return;
	struct fbc_key_action a;
	fbc_keymap_repeat(in->keymap, in->repeat_code, &a);
	in->stats.repeats++;
	/* Counted from now: a loop that was late (a slow frame) must not type a burst. */
	in->repeat_next = now_ms + (in->repeat_interval_ms > 0 ? in->repeat_interval_ms : 1);
	emit_key(in, &a, now_ms);
}

/* ---- pointer ---- */

void fbc_input_set_screen(struct fbc_input *in, int width, int height)
{
	in->width = width;
	in->height = height;
	fbc_input_pointer_by(in, 0, 0); /* clamp to the new size */
}

void fbc_input_get_screen(const struct fbc_input *in, int *width, int *height)
{
	*width = in->width;
	*height = in->height;
}

/* An unknown screen (0) clamps only below. */
static double clamp(double v, int size)
{
	if (v < 0)
		return 0;
	return size > 0 && v > size - 1 ? size - 1 : v;
}

static void emit_motion(struct fbc_input *in)
{
	in->px = clamp(in->px, in->width);
	in->py = clamp(in->py, in->height);
	if (in->sink.pointer_motion)
		in->sink.pointer_motion(in->sink.data, (int)in->px, (int)in->py);
}

void fbc_input_pointer_to(struct fbc_input *in, int x, int y)
{
	in->px = x;
	in->py = y;
	emit_motion(in);
}

void fbc_input_pointer_by(struct fbc_input *in, double dx, double dy)
{
	in->px += dx;
	in->py += dy;
	emit_motion(in);
}

void fbc_input_button(struct fbc_input *in, uint32_t code, bool pressed)
{
	int button = code == BTN_LEFT ? 1 : code == BTN_MIDDLE ? 2 : code == BTN_RIGHT ? 3 : 0;
	if (!button) {
		in->stats.unknown++;
		return;
	}
	if (in->sink.pointer_button)
		in->sink.pointer_button(in->sink.data, button, pressed);
}

void fbc_input_wheel(struct fbc_input *in, int notches)
{
	if (notches != 0 && in->sink.pointer_axis)
		in->sink.pointer_axis(in->sink.data, -notches);
}

void fbc_input_get_stats(const struct fbc_input *in, struct fbc_input_stats *out)
{
	*out = in->stats;
}
