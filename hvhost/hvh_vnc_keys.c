/* VNC key events to scan codes (hvh_vnc_keys.h, synthinput.md §1.5). */
#include "hvh_vnc_keys.h"

#include "hvi_keycodes.h"
#include "macros.h"
#include "synthkbd.h"

#define QNUM_E0 0x80u
#define QNUM_PAUSE 0xC6u // QEMU's number for Pause (E0 46 is Ctrl+Break's code)

/* X11 keysyms of the keys that are not characters (X11 keysymdef.h values). Shift-neutral:
 * Shift+Home selects, so their Shift is never touched. */
static const struct special {
	uint32_t keysym;
	uint16_t key;
} specials[] = {
	{ 0xff08, KEY_BACKSPACE },
	{ 0xff09, KEY_TAB },
	{ 0xfe20, KEY_TAB }, // ISO_Left_Tab: Shift+Tab as X11 names it
	{ 0xff0d, KEY_ENTER },
	{ 0xff13, KEY_PAUSE },
	{ 0xff14, KEY_SCROLLLOCK },
	{ 0xff1b, KEY_ESC },
	{ 0xff50, KEY_HOME },
	{ 0xff51, KEY_LEFT },
	{ 0xff52, KEY_UP },
	{ 0xff53, KEY_RIGHT },
	{ 0xff54, KEY_DOWN },
	{ 0xff55, KEY_PAGEUP },
	{ 0xff56, KEY_PAGEDOWN },
	{ 0xff57, KEY_END },
	{ 0xff61, KEY_SYSRQ }, // Print
	{ 0xff63, KEY_INSERT },
	{ 0xff67, KEY_COMPOSE }, // Menu
	{ 0xff7f, KEY_NUMLOCK },
	{ 0xff8d, KEY_KPENTER },
	{ 0xffaa, KEY_KPASTERISK },
	{ 0xffab, KEY_KPPLUS },
	{ 0xffad, KEY_KPMINUS },
	{ 0xffae, KEY_KPDOT },
	{ 0xffaf, KEY_KPSLASH },
	{ 0xffb0, KEY_KP0 },
	{ 0xffb1, KEY_KP1 },
	{ 0xffb2, KEY_KP2 },
	{ 0xffb3, KEY_KP3 },
	{ 0xffb4, KEY_KP4 },
	{ 0xffb5, KEY_KP5 },
	{ 0xffb6, KEY_KP6 },
	{ 0xffb7, KEY_KP7 },
	{ 0xffb8, KEY_KP8 },
	{ 0xffb9, KEY_KP9 },
	{ 0xffbe, KEY_F1 },
	{ 0xffbf, KEY_F2 },
	{ 0xffc0, KEY_F3 },
	{ 0xffc1, KEY_F4 },
	{ 0xffc2, KEY_F5 },
	{ 0xffc3, KEY_F6 },
	{ 0xffc4, KEY_F7 },
	{ 0xffc5, KEY_F8 },
	{ 0xffc6, KEY_F9 },
	{ 0xffc7, KEY_F10 },
	{ 0xffc8, KEY_F11 },
	{ 0xffc9, KEY_F12 },
	{ 0xffe1, KEY_LEFTSHIFT },
	{ 0xffe2, KEY_RIGHTSHIFT },
	{ 0xffe3, KEY_LEFTCTRL },
	{ 0xffe4, KEY_RIGHTCTRL },
	{ 0xffe5, KEY_CAPSLOCK },
	{ 0xffe7, KEY_LEFTMETA },  // Meta_L
	{ 0xffe8, KEY_RIGHTMETA }, // Meta_R
	{ 0xffe9, KEY_LEFTALT },
	{ 0xffea, KEY_RIGHTALT },
	{ 0xffeb, KEY_LEFTMETA },  // Super_L: what browsers send for the Windows key
	{ 0xffec, KEY_RIGHTMETA }, // Super_R
	{ 0xfe03, KEY_RIGHTALT },  // ISO_Level3_Shift: AltGr
	{ 0xffff, KEY_DELETE },
};

void vnc_keys_init(struct vnc_keys *k)
{
	*k = (struct vnc_keys){ 0 };
}

static bool is_held(const struct vnc_keys *k, unsigned q)
{
	return k->held[q / 8] >> (q % 8) & 1;
}

static void set_held(struct vnc_keys *k, unsigned q, bool down)
{
	if (down)
		k->held[q / 8] |= (uint8_t)(1u << (q % 8));
	else
		k->held[q / 8] &= (uint8_t) ~(1u << (q % 8));
}

uint16_t vnc_keys_keysym_to_key(uint32_t keysym, bool *shift)
{
	*shift = false;
	if (keysym >= 0x20 && keysym <= 0x7e) {
		uint16_t key = 0;
		return hvi_key_from_ascii((char)keysym, &key, shift) ? key : 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(specials); i++) {
		if (specials[i].keysym == keysym)
			return specials[i].key;
	}
	return 0;
}

/* One transition of a raw XT code (QNUM_E0 marks E0 keys). */
static size_t put_code(unsigned q, bool down, struct hvi_scancode *out)
{
	if (q == QNUM_PAUSE) {
		struct hvi_scancode seq[HVI_SCANCODE_MAX_SEQ];
		size_t n = hvi_scancode_from_key(KEY_PAUSE, down, seq);
		for (size_t i = 0; i < n; i++)
			out[i] = seq[i];
		return n;
	}
	out[0] = (struct hvi_scancode){
		.make_code = (uint8_t)(q & 0x7f),
		.info = (q & QNUM_E0 ? SYNTHKBD_INFO_IS_E0 : 0) |
			(down ? 0 : SYNTHKBD_INFO_IS_BREAK),
	};
	return 1;
}

/* The raw code of a KEY_*; Pause, which has none, gets QEMU's. 0 for keys without a code. */
static unsigned key_to_qnum(uint16_t key)
{
	if (key == KEY_PAUSE)
		return QNUM_PAUSE;
	uint8_t code;
	bool e0;
	if (!hvi_key_to_scancode(key, &code, &e0))
		return 0;
	return code | (e0 ? QNUM_E0 : 0);
}

/* A transition the viewer asked for: tracked, and a release only of what is held. */
static size_t transition(struct vnc_keys *k, unsigned q, bool down, struct hvi_scancode *out)
{
	if (!down && !is_held(k, q))
		return 0;
	set_held(k, q, down);
	return put_code(q, down, out);
}

/* The viewer's held Shift keys, pressed (down) or released, for a character that must not
 * see them. */
static size_t shifts(const struct vnc_keys *k, bool down, struct hvi_scancode *out)
{
	size_t n = 0;
	if (k->lshift)
		n += put_code(key_to_qnum(KEY_LEFTSHIFT), down, out + n);
	if (k->rshift)
		n += put_code(key_to_qnum(KEY_RIGHTSHIFT), down, out + n);
	return n;
}

size_t vnc_keys_from_keysym(
	struct vnc_keys *k, uint32_t keysym, bool down, struct hvi_scancode out[VNC_KEYS_MAX_OUT])
{
	bool need_shift;
	uint16_t key = vnc_keys_keysym_to_key(keysym, &need_shift);
	unsigned q = key_to_qnum(key);
	if (!q)
		return 0;
	if (key == KEY_LEFTSHIFT)
		k->lshift = down;
	if (key == KEY_RIGHTSHIFT)
		k->rshift = down;
	bool is_char = keysym >= 0x20 && keysym <= 0x7e;
	bool held_shift = k->lshift || k->rshift;
	if (!down || !is_char || need_shift == held_shift)
		return transition(k, q, down, out);
	size_t n = 0;
	unsigned lshift = key_to_qnum(KEY_LEFTSHIFT);
	if (need_shift) {
		n += put_code(lshift, true, out + n);
		n += transition(k, q, true, out + n);
		n += put_code(lshift, false, out + n);
	} else {
		n += shifts(k, false, out + n);
		n += transition(k, q, true, out + n);
		n += shifts(k, true, out + n);
	}
	return n;
}

size_t vnc_keys_from_keycode(
	struct vnc_keys *k, uint32_t keycode, bool down, struct hvi_scancode out[VNC_KEYS_MAX_OUT])
{
	if (keycode == 0 || keycode > 0xff)
		return 0;
	/* Shift state follows the raw keys too, for keysym events mixed in. */
	if (keycode == key_to_qnum(KEY_LEFTSHIFT))
		k->lshift = down;
	if (keycode == key_to_qnum(KEY_RIGHTSHIFT))
		k->rshift = down;
	return transition(k, keycode, down, out);
}

size_t vnc_keys_release_all(struct vnc_keys *k, struct hvi_scancode out[VNC_KEYS_MAX_HELD])
{
	size_t n = 0;
	for (unsigned q = 1; q < 256; q++) {
		if (is_held(k, q))
			n += put_code(q, false, out + n);
	}
	vnc_keys_init(k);
	return n;
}
