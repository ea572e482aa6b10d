/*
 * Scan code set 1 tables and their lookups: synthinput.md §1.4 (tables, Pause, fake shifts),
 * vmbus-emu.md §5 (what hvhost sends for Pause and PrintScreen, `type` with the left Shift).
 *
 * Data first: the two set-1 tables (plain and E0) are the single source; the reverse mapping
 * searches them, so a key cannot map one way and not the other. The E0 multimedia and browser
 * codes are the ones PC keyboards send (Microsoft's keyboard scan code specification), the ACPI
 * Power/Sleep/Wake codes are unverified on Hyper-V (synthinput.md §1.4).
 */
#include "hvi_scancode.h"

#include "hvi_keycodes.h"
#include "synthkbd.h"

#define SET1_CODES 0x80

/* Make codes 0x01..0x58 without a prefix: equal to the KEY_ value except 0x56 (§1.4). */
static const uint16_t set1_plain[SET1_CODES] = {
	[0x01] = KEY_ESC,
	[0x02] = KEY_1,
	[0x03] = KEY_2,
	[0x04] = KEY_3,
	[0x05] = KEY_4,
	[0x06] = KEY_5,
	[0x07] = KEY_6,
	[0x08] = KEY_7,
	[0x09] = KEY_8,
	[0x0a] = KEY_9,
	[0x0b] = KEY_0,
	[0x0c] = KEY_MINUS,
	[0x0d] = KEY_EQUAL,
	[0x0e] = KEY_BACKSPACE,
	[0x0f] = KEY_TAB,
	[0x10] = KEY_Q,
	[0x11] = KEY_W,
	[0x12] = KEY_E,
	[0x13] = KEY_R,
	[0x14] = KEY_T,
	[0x15] = KEY_Y,
	[0x16] = KEY_U,
	[0x17] = KEY_I,
	[0x18] = KEY_O,
	[0x19] = KEY_P,
	[0x1a] = KEY_LEFTBRACE,
	[0x1b] = KEY_RIGHTBRACE,
	[0x1c] = KEY_ENTER,
	[0x1d] = KEY_LEFTCTRL,
	[0x1e] = KEY_A,
	[0x1f] = KEY_S,
	[0x20] = KEY_D,
	[0x21] = KEY_F,
	[0x22] = KEY_G,
	[0x23] = KEY_H,
	[0x24] = KEY_J,
	[0x25] = KEY_K,
	[0x26] = KEY_L,
	[0x27] = KEY_SEMICOLON,
	[0x28] = KEY_APOSTROPHE,
	[0x29] = KEY_GRAVE,
	[0x2a] = KEY_LEFTSHIFT,
	[0x2b] = KEY_BACKSLASH,
	[0x2c] = KEY_Z,
	[0x2d] = KEY_X,
	[0x2e] = KEY_C,
	[0x2f] = KEY_V,
	[0x30] = KEY_B,
	[0x31] = KEY_N,
	[0x32] = KEY_M,
	[0x33] = KEY_COMMA,
	[0x34] = KEY_DOT,
	[0x35] = KEY_SLASH,
	[0x36] = KEY_RIGHTSHIFT,
	[0x37] = KEY_KPASTERISK,
	[0x38] = KEY_LEFTALT,
	[0x39] = KEY_SPACE,
	[0x3a] = KEY_CAPSLOCK,
	[0x3b] = KEY_F1,
	[0x3c] = KEY_F2,
	[0x3d] = KEY_F3,
	[0x3e] = KEY_F4,
	[0x3f] = KEY_F5,
	[0x40] = KEY_F6,
	[0x41] = KEY_F7,
	[0x42] = KEY_F8,
	[0x43] = KEY_F9,
	[0x44] = KEY_F10,
	[0x45] = KEY_NUMLOCK,
	[0x46] = KEY_SCROLLLOCK,
	[0x47] = KEY_KP7,
	[0x48] = KEY_KP8,
	[0x49] = KEY_KP9,
	[0x4a] = KEY_KPMINUS,
	[0x4b] = KEY_KP4,
	[0x4c] = KEY_KP5,
	[0x4d] = KEY_KP6,
	[0x4e] = KEY_KPPLUS,
	[0x4f] = KEY_KP1,
	[0x50] = KEY_KP2,
	[0x51] = KEY_KP3,
	[0x52] = KEY_KP0,
	[0x53] = KEY_KPDOT,
	[0x56] = KEY_102ND,
	[0x57] = KEY_F11,
	[0x58] = KEY_F12,
};

/* Make codes after an E0 prefix. 0x2A and 0x36 are fake shifts, handled by the decoder. */
static const uint16_t set1_e0[SET1_CODES] = {
	[0x10] = KEY_PREVIOUSSONG,
	[0x19] = KEY_NEXTSONG,
	[0x1c] = KEY_KPENTER,
	[0x1d] = KEY_RIGHTCTRL,
	[0x20] = KEY_MUTE,
	[0x21] = KEY_CALC,
	[0x22] = KEY_PLAYPAUSE,
	[0x24] = KEY_STOPCD,
	[0x2e] = KEY_VOLUMEDOWN,
	[0x30] = KEY_VOLUMEUP,
	[0x32] = KEY_HOMEPAGE,
	[0x35] = KEY_KPSLASH,
	[0x37] = KEY_SYSRQ, // PrintScreen
	[0x38] = KEY_RIGHTALT,
	[0x47] = KEY_HOME,
	[0x48] = KEY_UP,
	[0x49] = KEY_PAGEUP,
	[0x4b] = KEY_LEFT,
	[0x4d] = KEY_RIGHT,
	[0x4f] = KEY_END,
	[0x50] = KEY_DOWN,
	[0x51] = KEY_PAGEDOWN,
	[0x52] = KEY_INSERT,
	[0x53] = KEY_DELETE,
	[0x5b] = KEY_LEFTMETA,
	[0x5c] = KEY_RIGHTMETA,
	[0x5d] = KEY_COMPOSE, // Menu
	[0x5e] = KEY_POWER,
	[0x5f] = KEY_SLEEP,
	[0x63] = KEY_WAKEUP,
	[0x65] = KEY_SEARCH,
	[0x66] = KEY_BOOKMARKS,
	[0x67] = KEY_REFRESH,
	[0x68] = KEY_STOP,
	[0x69] = KEY_FORWARD,
	[0x6a] = KEY_BACK,
	[0x6b] = KEY_COMPUTER,
	[0x6c] = KEY_MAIL,
	[0x6d] = KEY_MEDIA,
};

#define SET1_FAKE_LSHIFT 0x2a
#define SET1_FAKE_RSHIFT 0x36
#define SET1_PAUSE_E1 0x1d
#define SET1_PAUSE_TAIL 0x45

struct key_name {
	const char *name;
	uint16_t key;
};

/* Canonical names first (hvi_key_to_name() returns the first match), aliases at the end. */
static const struct key_name key_names[] = {
	{ "esc", KEY_ESC },
	{ "1", KEY_1 },
	{ "2", KEY_2 },
	{ "3", KEY_3 },
	{ "4", KEY_4 },
	{ "5", KEY_5 },
	{ "6", KEY_6 },
	{ "7", KEY_7 },
	{ "8", KEY_8 },
	{ "9", KEY_9 },
	{ "0", KEY_0 },
	{ "minus", KEY_MINUS },
	{ "equal", KEY_EQUAL },
	{ "backspace", KEY_BACKSPACE },
	{ "tab", KEY_TAB },
	{ "q", KEY_Q },
	{ "w", KEY_W },
	{ "e", KEY_E },
	{ "r", KEY_R },
	{ "t", KEY_T },
	{ "y", KEY_Y },
	{ "u", KEY_U },
	{ "i", KEY_I },
	{ "o", KEY_O },
	{ "p", KEY_P },
	{ "leftbrace", KEY_LEFTBRACE },
	{ "rightbrace", KEY_RIGHTBRACE },
	{ "enter", KEY_ENTER },
	{ "leftctrl", KEY_LEFTCTRL },
	{ "a", KEY_A },
	{ "s", KEY_S },
	{ "d", KEY_D },
	{ "f", KEY_F },
	{ "g", KEY_G },
	{ "h", KEY_H },
	{ "j", KEY_J },
	{ "k", KEY_K },
	{ "l", KEY_L },
	{ "semicolon", KEY_SEMICOLON },
	{ "apostrophe", KEY_APOSTROPHE },
	{ "grave", KEY_GRAVE },
	{ "leftshift", KEY_LEFTSHIFT },
	{ "backslash", KEY_BACKSLASH },
	{ "z", KEY_Z },
	{ "x", KEY_X },
	{ "c", KEY_C },
	{ "v", KEY_V },
	{ "b", KEY_B },
	{ "n", KEY_N },
	{ "m", KEY_M },
	{ "comma", KEY_COMMA },
	{ "dot", KEY_DOT },
	{ "slash", KEY_SLASH },
	{ "rightshift", KEY_RIGHTSHIFT },
	{ "kpasterisk", KEY_KPASTERISK },
	{ "leftalt", KEY_LEFTALT },
	{ "space", KEY_SPACE },
	{ "capslock", KEY_CAPSLOCK },
	{ "f1", KEY_F1 },
	{ "f2", KEY_F2 },
	{ "f3", KEY_F3 },
	{ "f4", KEY_F4 },
	{ "f5", KEY_F5 },
	{ "f6", KEY_F6 },
	{ "f7", KEY_F7 },
	{ "f8", KEY_F8 },
	{ "f9", KEY_F9 },
	{ "f10", KEY_F10 },
	{ "numlock", KEY_NUMLOCK },
	{ "scrolllock", KEY_SCROLLLOCK },
	{ "kp7", KEY_KP7 },
	{ "kp8", KEY_KP8 },
	{ "kp9", KEY_KP9 },
	{ "kpminus", KEY_KPMINUS },
	{ "kp4", KEY_KP4 },
	{ "kp5", KEY_KP5 },
	{ "kp6", KEY_KP6 },
	{ "kpplus", KEY_KPPLUS },
	{ "kp1", KEY_KP1 },
	{ "kp2", KEY_KP2 },
	{ "kp3", KEY_KP3 },
	{ "kp0", KEY_KP0 },
	{ "kpdot", KEY_KPDOT },
	{ "102nd", KEY_102ND },
	{ "f11", KEY_F11 },
	{ "f12", KEY_F12 },
	{ "kpenter", KEY_KPENTER },
	{ "rightctrl", KEY_RIGHTCTRL },
	{ "kpslash", KEY_KPSLASH },
	{ "sysrq", KEY_SYSRQ },
	{ "rightalt", KEY_RIGHTALT },
	{ "home", KEY_HOME },
	{ "up", KEY_UP },
	{ "pageup", KEY_PAGEUP },
	{ "left", KEY_LEFT },
	{ "right", KEY_RIGHT },
	{ "end", KEY_END },
	{ "down", KEY_DOWN },
	{ "pagedown", KEY_PAGEDOWN },
	{ "insert", KEY_INSERT },
	{ "delete", KEY_DELETE },
	{ "mute", KEY_MUTE },
	{ "volumedown", KEY_VOLUMEDOWN },
	{ "volumeup", KEY_VOLUMEUP },
	{ "power", KEY_POWER },
	{ "pause", KEY_PAUSE },
	{ "leftmeta", KEY_LEFTMETA },
	{ "rightmeta", KEY_RIGHTMETA },
	{ "compose", KEY_COMPOSE },
	{ "stop", KEY_STOP },
	{ "calc", KEY_CALC },
	{ "sleep", KEY_SLEEP },
	{ "wakeup", KEY_WAKEUP },
	{ "mail", KEY_MAIL },
	{ "bookmarks", KEY_BOOKMARKS },
	{ "computer", KEY_COMPUTER },
	{ "back", KEY_BACK },
	{ "forward", KEY_FORWARD },
	{ "nextsong", KEY_NEXTSONG },
	{ "playpause", KEY_PLAYPAUSE },
	{ "previoussong", KEY_PREVIOUSSONG },
	{ "stopcd", KEY_STOPCD },
	{ "homepage", KEY_HOMEPAGE },
	{ "refresh", KEY_REFRESH },
	{ "search", KEY_SEARCH },
	{ "media", KEY_MEDIA },
	/* aliases */
	{ "ctrl", KEY_LEFTCTRL },
	{ "shift", KEY_LEFTSHIFT },
	{ "alt", KEY_LEFTALT },
	{ "super", KEY_LEFTMETA },
};

struct ascii_key {
	uint16_t key; // 0: no key for this character
	bool shift;
};

/* US layout, the one OpenVMM's keysym path and vmbus-emu.md §5 `type` assume. */
static const struct ascii_key ascii_keys[128] = {
	['\t'] = { KEY_TAB, false },
	['\n'] = { KEY_ENTER, false },
	[' '] = { KEY_SPACE, false },
	['!'] = { KEY_1, true },
	['"'] = { KEY_APOSTROPHE, true },
	['#'] = { KEY_3, true },
	['$'] = { KEY_4, true },
	['%'] = { KEY_5, true },
	['&'] = { KEY_7, true },
	['\''] = { KEY_APOSTROPHE, false },
	['('] = { KEY_9, true },
	[')'] = { KEY_0, true },
	['*'] = { KEY_8, true },
	['+'] = { KEY_EQUAL, true },
	[','] = { KEY_COMMA, false },
	['-'] = { KEY_MINUS, false },
	['.'] = { KEY_DOT, false },
	['/'] = { KEY_SLASH, false },
	['0'] = { KEY_0, false },
	['1'] = { KEY_1, false },
	['2'] = { KEY_2, false },
	['3'] = { KEY_3, false },
	['4'] = { KEY_4, false },
	['5'] = { KEY_5, false },
	['6'] = { KEY_6, false },
	['7'] = { KEY_7, false },
	['8'] = { KEY_8, false },
	['9'] = { KEY_9, false },
	[':'] = { KEY_SEMICOLON, true },
	[';'] = { KEY_SEMICOLON, false },
	['<'] = { KEY_COMMA, true },
	['='] = { KEY_EQUAL, false },
	['>'] = { KEY_DOT, true },
	['?'] = { KEY_SLASH, true },
	['@'] = { KEY_2, true },
	['['] = { KEY_LEFTBRACE, false },
	['\\'] = { KEY_BACKSLASH, false },
	[']'] = { KEY_RIGHTBRACE, false },
	['^'] = { KEY_6, true },
	['_'] = { KEY_MINUS, true },
	['`'] = { KEY_GRAVE, false },
	['{'] = { KEY_LEFTBRACE, true },
	['|'] = { KEY_BACKSLASH, true },
	['}'] = { KEY_RIGHTBRACE, true },
	['~'] = { KEY_GRAVE, true },
};

/* Letters follow the alphabet, not the key codes (QWERTY order): one table per case. */
static const uint16_t letter_keys[26] = {
	KEY_A,
	KEY_B,
	KEY_C,
	KEY_D,
	KEY_E,
	KEY_F,
	KEY_G,
	KEY_H,
	KEY_I,
	KEY_J,
	KEY_K,
	KEY_L,
	KEY_M,
	KEY_N,
	KEY_O,
	KEY_P,
	KEY_Q,
	KEY_R,
	KEY_S,
	KEY_T,
	KEY_U,
	KEY_V,
	KEY_W,
	KEY_X,
	KEY_Y,
	KEY_Z,
};

uint16_t hvi_scancode_to_key(uint8_t make_code, bool e0)
{
	if (make_code >= SET1_CODES)
		return 0;
	return e0 ? set1_e0[make_code] : set1_plain[make_code];
}

bool hvi_key_to_scancode(uint16_t key, uint8_t *make_code, bool *e0)
{
	if (key == 0)
		return false;
	for (uint8_t code = 0; code < SET1_CODES; code++) {
		if (set1_plain[code] == key || set1_e0[code] == key) {
			*make_code = code;
			*e0 = set1_plain[code] != key;
			return true;
		}
	}
	return false;
}

size_t hvi_scancode_from_key(
	uint16_t key, bool pressed, struct hvi_scancode out[HVI_SCANCODE_MAX_SEQ])
{
	uint32_t brk = pressed ? 0 : SYNTHKBD_INFO_IS_BREAK;
	if (key == KEY_PAUSE) {
		/* E1 1D 45 / E1 9D C5 on a PC; Linux rebuilds those bytes from these two events. */
		out[0] = (struct hvi_scancode){ SET1_PAUSE_E1, SYNTHKBD_INFO_IS_E1 | brk };
		out[1] = (struct hvi_scancode){ SET1_PAUSE_TAIL, brk };
		return 2;
	}
	uint8_t code;
	bool e0;
	if (!hvi_key_to_scancode(key, &code, &e0))
		return 0;
	out[0] = (struct hvi_scancode){ code, (e0 ? SYNTHKBD_INFO_IS_E0 : 0) | brk };
	return 1;
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool name_equal(const char *table_name, const char *name)
{
	for (; *table_name; table_name++, name++) {
		if (ascii_lower(*name) != *table_name)
			return false;
	}
	return *name == '\0';
}

uint16_t hvi_key_from_name(const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++) {
		if (name_equal(key_names[i].name, name))
			return key_names[i].key;
	}
	return 0;
}

const char *hvi_key_to_name(uint16_t key)
{
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++) {
		if (key_names[i].key == key)
			return key_names[i].name;
	}
	return NULL;
}

bool hvi_key_from_ascii(char c, uint16_t *key, bool *shift)
{
	struct ascii_key k = { 0 };
	if (c >= 'a' && c <= 'z')
		k = (struct ascii_key){ letter_keys[c - 'a'], false };
	else if (c >= 'A' && c <= 'Z')
		k = (struct ascii_key){ letter_keys[c - 'A'], true };
	else if (c > 0 && (unsigned char)c < sizeof(ascii_keys) / sizeof(ascii_keys[0]))
		k = ascii_keys[(unsigned char)c];
	if (!k.key)
		return false;
	*key = k.key;
	*shift = k.shift;
	return true;
}

const char *hvi_scancode_result_to_str(enum hvi_scancode_result result)
{
	switch (result) {
	case HVI_SCANCODE_KEY:
		return "key";
	case HVI_SCANCODE_PENDING:
		return "pending";
	case HVI_SCANCODE_FAKE_SHIFT:
		return "fake_shift";
	case HVI_SCANCODE_UNICODE:
		return "unicode";
	case HVI_SCANCODE_UNKNOWN:
		return "unknown";
	}
	return "invalid";
}

void hvi_scancode_decoder_init(struct hvi_scancode_decoder *dec)
{
	*dec = (struct hvi_scancode_decoder){ 0 };
}

/* The second half of Pause: a plain 0x45 with the same make/break state as its E1 prefix. */
static bool completes_pause(
	const struct hvi_scancode_decoder *dec, uint16_t make_code, uint32_t info)
{
	uint32_t prefixes = SYNTHKBD_INFO_IS_E0 | SYNTHKBD_INFO_IS_E1 | SYNTHKBD_INFO_IS_UNICODE;
	bool brk = (info & SYNTHKBD_INFO_IS_BREAK) != 0;
	return make_code == SET1_PAUSE_TAIL && !(info & prefixes) && brk == dec->e1_break;
}

enum hvi_scancode_result hvi_scancode_decoder_feed(struct hvi_scancode_decoder *dec,
	uint16_t make_code, uint32_t info, struct hvi_key_event *out)
{
	bool brk = (info & SYNTHKBD_INFO_IS_BREAK) != 0;
	if (dec->e1_pending) {
		dec->e1_pending = false;
		if (completes_pause(dec, make_code, info)) {
			*out = (struct hvi_key_event){ KEY_PAUSE, !brk };
			return HVI_SCANCODE_KEY;
		}
		dec->broken_sequences++;
	}
	if (info & SYNTHKBD_INFO_IS_UNICODE)
		return HVI_SCANCODE_UNICODE;
	if (info & SYNTHKBD_INFO_IS_E1) {
		if (make_code != SET1_PAUSE_E1 || (info & SYNTHKBD_INFO_IS_E0))
			return HVI_SCANCODE_UNKNOWN;
		dec->e1_pending = true;
		dec->e1_break = brk;
		return HVI_SCANCODE_PENDING;
	}
	if (make_code >= SET1_CODES)
		return HVI_SCANCODE_UNKNOWN;
	bool e0 = (info & SYNTHKBD_INFO_IS_E0) != 0;
	if (e0 && (make_code == SET1_FAKE_LSHIFT || make_code == SET1_FAKE_RSHIFT))
		return HVI_SCANCODE_FAKE_SHIFT;
	uint16_t key = hvi_scancode_to_key((uint8_t)make_code, e0);
	if (!key)
		return HVI_SCANCODE_UNKNOWN;
	*out = (struct hvi_key_event){ key, !brk };
	return HVI_SCANCODE_KEY;
}
