/*
 * The user's side of the terminal: keys, typed text, paste and mouse, encoded as the child's
 * modes ask (cursor keys, keypad, bracketed paste, mouse reporting) by libvterm's keyboard and
 * mouse layer, and sent to the child through the term's writer. See fbc_term.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <vterm.h>

#include "fbc_term.h"
#include "fbc_term_internal.h"

void fbc_term_send_text(struct fbc_term *term, const char *utf8, size_t len)
{
	fbc_term_view_reset(term);
	fbc_term_output(utf8, len, term);
}

/* vterm_key_of() relies on both enums listing these keys in the same order. */
_Static_assert(FBC_VKEY_PAGE_DOWN - FBC_VKEY_ENTER == VTERM_KEY_PAGEDOWN - VTERM_KEY_ENTER,
	"editing keys out of step with libvterm");
_Static_assert(FBC_VKEY_KP_EQUAL - FBC_VKEY_KP_0 == VTERM_KEY_KP_EQUAL - VTERM_KEY_KP_0,
	"keypad keys out of step with libvterm");
_Static_assert((int)FBC_MOD_SHIFT == (int)VTERM_MOD_SHIFT &&
		(int)FBC_MOD_ALT == (int)VTERM_MOD_ALT && (int)FBC_MOD_CTRL == (int)VTERM_MOD_CTRL,
	"modifier bits out of step with libvterm");

static VTermKey vterm_key_of(enum fbc_vkey key)
{
	if (key >= FBC_VKEY_F1 && key <= FBC_VKEY_F24)
		return (VTermKey)VTERM_KEY_FUNCTION(1 + (key - FBC_VKEY_F1));
	if (key >= FBC_VKEY_KP_0 && key <= FBC_VKEY_KP_EQUAL)
		return (VTermKey)(VTERM_KEY_KP_0 + (key - FBC_VKEY_KP_0));
	if (key >= FBC_VKEY_ENTER && key <= FBC_VKEY_PAGE_DOWN)
		return (VTermKey)(VTERM_KEY_ENTER + (key - FBC_VKEY_ENTER));
	return VTERM_KEY_NONE;
}

static VTermModifier vterm_mods_of(unsigned mods)
{
	return (VTermModifier)(mods & VTERM_ALL_MODS_MASK);
}

void fbc_term_send_key(struct fbc_term *term, enum fbc_vkey key, unsigned mods)
{
	VTermKey vkey = vterm_key_of(key);
	if (vkey == VTERM_KEY_NONE)
		return;
	fbc_term_view_reset(term);
	vterm_keyboard_key(term->vt, vkey, vterm_mods_of(mods));
}

static bool paste_byte_ok(unsigned char c)
{
	return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
}

void fbc_term_paste(struct fbc_term *term, const char *bytes, size_t len)
{
	fbc_term_view_reset(term);
	vterm_keyboard_start_paste(term->vt);
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && paste_byte_ok((unsigned char)bytes[i]))
			continue;
		if (i > start)
			fbc_term_output(bytes + start, i - start, term);
		start = i + 1;
	}
	vterm_keyboard_end_paste(term->vt);
}

static void clamp_cell(const struct fbc_term *term, int *row, int *col)
{
	*row = *row < 0 ? 0 : *row >= term->rows ? term->rows - 1 : *row;
	*col = *col < 0 ? 0 : *col >= term->cols ? term->cols - 1 : *col;
}

/* libvterm 0.1.4 keeps reporting after the child turns mouse tracking off (its mode reset
 * does not clear its flags), so we only pass the mouse on while the mode says so. */
void fbc_term_mouse_move(struct fbc_term *term, int row, int col, unsigned mods)
{
	if (term->mouse == FBC_MOUSE_OFF)
		return;
	clamp_cell(term, &row, &col);
	vterm_mouse_move(term->vt, row, col, vterm_mods_of(mods));
}

void fbc_term_mouse_button(struct fbc_term *term, int button, bool pressed, unsigned mods)
{
	if (button < 1 || button > 5 || term->mouse == FBC_MOUSE_OFF)
		return;
	vterm_mouse_button(term->vt, button, pressed, vterm_mods_of(mods));
}
