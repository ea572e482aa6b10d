/*
 * Keys and modifiers as the keymap hands them to the terminal: value types shared by
 * fbc_keymap (which makes them from evdev codes with xkbcommon) and fbc_term (which encodes them
 * for the child with libvterm, honouring the modes the child set, such as DECCKM).
 */
#ifndef HVD_FBCON_FBC_KEY_H
#define HVD_FBCON_FBC_KEY_H

enum fbc_mod {
	FBC_MOD_SHIFT = 1u << 0,
	FBC_MOD_ALT = 1u << 1,
	FBC_MOD_CTRL = 1u << 2,
};

/* Keys whose encoding depends on terminal modes; text keys travel as UTF-8 instead. */
enum fbc_vkey {
	FBC_VKEY_NONE = 0,
	FBC_VKEY_ENTER,
	FBC_VKEY_TAB,
	FBC_VKEY_BACKSPACE,
	FBC_VKEY_ESCAPE,
	FBC_VKEY_UP,
	FBC_VKEY_DOWN,
	FBC_VKEY_LEFT,
	FBC_VKEY_RIGHT,
	FBC_VKEY_INSERT,
	FBC_VKEY_DELETE,
	FBC_VKEY_HOME,
	FBC_VKEY_END,
	FBC_VKEY_PAGE_UP,
	FBC_VKEY_PAGE_DOWN,
	FBC_VKEY_KP_0,
	FBC_VKEY_KP_1,
	FBC_VKEY_KP_2,
	FBC_VKEY_KP_3,
	FBC_VKEY_KP_4,
	FBC_VKEY_KP_5,
	FBC_VKEY_KP_6,
	FBC_VKEY_KP_7,
	FBC_VKEY_KP_8,
	FBC_VKEY_KP_9,
	FBC_VKEY_KP_MULTIPLY,
	FBC_VKEY_KP_ADD,
	FBC_VKEY_KP_SEPARATOR,
	FBC_VKEY_KP_SUBTRACT,
	FBC_VKEY_KP_DECIMAL,
	FBC_VKEY_KP_DIVIDE,
	FBC_VKEY_KP_ENTER,
	FBC_VKEY_KP_EQUAL,
	FBC_VKEY_F1, // F1 + n - 1 for Fn, n <= 24
	FBC_VKEY_F24 = FBC_VKEY_F1 + 23,
};

#endif
