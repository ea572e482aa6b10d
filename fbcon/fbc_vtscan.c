/*
 * Side lexer for what libvterm 0.1.4 drops. Syntax: ECMA-48 5th edition §5.4 (control
 * sequences: parameter bytes 0x30-0x3F, intermediates 0x20-0x2F, final 0x40-0x7E) and §5.6
 * (control strings OSC, DCS, SOS, PM, APC ended by ST, or BEL for xterm's OSC). One function per
 * state; each returns true when the byte completed a sequence that produced an event.
 */
#include <stdbool.h>
#include <string.h>

#include "fbc_vtscan.h"

#define C0_BEL 0x07
#define C0_CAN 0x18
#define C0_SUB 0x1a
#define C0_ESC 0x1b

void fbc_vtscan_init(struct fbc_vtscan *scan)
{
	*scan = (struct fbc_vtscan){ 0 };
}

const char *fbc_vtscan_state_to_str(enum fbc_vtscan_state state)
{
	switch (state) {
	case FBC_VTSCAN_GROUND:
		return "ground";
	case FBC_VTSCAN_ESCAPE:
		return "escape";
	case FBC_VTSCAN_ESCAPE_INTERMEDIATE:
		return "escape-intermediate";
	case FBC_VTSCAN_CSI:
		return "csi";
	case FBC_VTSCAN_STRING:
		return "string";
	case FBC_VTSCAN_STRING_ESCAPE:
		return "string-escape";
	}
	return "unknown";
}

static void enter_csi(struct fbc_vtscan *scan)
{
	scan->state = FBC_VTSCAN_CSI;
	scan->argc = 0;
	scan->separators = 0;
	scan->leader = 0;
	scan->intermediate = 0;
	memset(scan->args, 0, sizeof(scan->args));
	memset(scan->sub, 0, sizeof(scan->sub));
}

/* ESC, CAN and SUB interrupt any sequence (ECMA-48 §5.5; libvterm does the same). */
static bool interrupts(struct fbc_vtscan *scan, uint8_t c)
{
	if (c == C0_ESC) {
		scan->state = FBC_VTSCAN_ESCAPE;
		return true;
	}
	if (c == C0_CAN || c == C0_SUB) {
		scan->state = FBC_VTSCAN_GROUND;
		return true;
	}
	return false;
}

static bool on_ground(struct fbc_vtscan *scan, uint8_t c, struct fbc_vtscan_event *ev)
{
	if (c == C0_ESC)
		scan->state = FBC_VTSCAN_ESCAPE;
	return false;
}

static bool on_escape(struct fbc_vtscan *scan, uint8_t c, struct fbc_vtscan_event *ev)
{
	if (interrupts(scan, c))
		return false;
	/* C0 controls run inside the sequence; libvterm skips DEL and 8-bit bytes here. */
	if (c < 0x20 || c >= 0x7f)
		return false;
	scan->state = FBC_VTSCAN_GROUND;
	switch (c) {
	case '[':
		enter_csi(scan);
		return false;
	case ']':
	case 'P':
	case 'X':
	case '^':
	case '_':
		scan->state = FBC_VTSCAN_STRING;
		return false;
	case '7':
		ev->type = FBC_VTSCAN_SAVE_CURSOR;
		return true;
	case '8':
		ev->type = FBC_VTSCAN_RESTORE_CURSOR;
		return true;
	case 'c':
		ev->type = FBC_VTSCAN_HARD_RESET;
		return true;
	default:
		if (c >= 0x20 && c <= 0x2f)
			scan->state = FBC_VTSCAN_ESCAPE_INTERMEDIATE;
		return false;
	}
}

static bool on_escape_intermediate(struct fbc_vtscan *scan, uint8_t c, struct fbc_vtscan_event *ev)
{
	if (interrupts(scan, c) || c < 0x20 || c <= 0x2f || c >= 0x7f)
		return false;
	scan->state = FBC_VTSCAN_GROUND;
	return false;
}

static void apply_sgr_arg(unsigned arg, struct fbc_vtscan_event *ev)
{
	switch (arg) {
	case 0:
		ev->faint = FBC_VTSCAN_CLEAR;
		ev->conceal = FBC_VTSCAN_CLEAR;
		break;
	case 2:
		ev->faint = FBC_VTSCAN_SET;
		break;
	case 22:
		ev->faint = FBC_VTSCAN_CLEAR;
		break;
	case 8:
		ev->conceal = FBC_VTSCAN_SET;
		break;
	case 28:
		ev->conceal = FBC_VTSCAN_CLEAR;
		break;
	default:
		break;
	}
}

static bool affects_fg(unsigned arg)
{
	return arg == 0 || (arg >= 30 && arg <= 39) || (arg >= 90 && arg <= 97);
}

static bool affects_bg(unsigned arg)
{
	return arg == 0 || (arg >= 40 && arg <= 49) || (arg >= 100 && arg <= 107);
}

static uint32_t clamp_byte(unsigned v)
{
	return v > 255 ? 255 : v;
}

/* An extended colour in colon form: 38:2:cs:r:g:b has six parts; libvterm reads 38:2:r:g:b. */
static void scan_colon_colour(
	const struct fbc_vtscan *scan, unsigned i, unsigned parts, struct fbc_vtscan_event *ev)
{
	unsigned arg = scan->args[i];
	if (arg == 58 || parts != 6 || scan->args[i + 1] != 2)
		return;
	uint32_t rgb = clamp_byte(scan->args[i + 3]) << 16 | clamp_byte(scan->args[i + 4]) << 8 |
		clamp_byte(scan->args[i + 5]);
	if (arg == 38) {
		ev->fg_rgb = true;
		ev->fg = rgb;
	} else {
		ev->bg_rgb = true;
		ev->bg = rgb;
	}
}

/* SGR parameters, skipping the operands of extended colours (38, 48, 58) in both the
 * semicolon form (38;5;n and 38;2;r;g;b) and the colon form (38:2::r:g:b). */
static void scan_sgr(const struct fbc_vtscan *scan, struct fbc_vtscan_event *ev)
{
	ev->type = FBC_VTSCAN_SGR;
	if (scan->argc == 0) {
		apply_sgr_arg(0, ev);
		return;
	}
	for (unsigned i = 0; i < scan->argc; i++) {
		unsigned arg = scan->args[i];
		if (affects_fg(arg) || arg == 38)
			ev->fg_rgb = false;
		if (affects_bg(arg) || arg == 48)
			ev->bg_rgb = false;
		unsigned first = i;
		while (scan->sub[i] && i + 1 < scan->argc)
			i++; /* sub-parameters belong to their parameter */
		bool extended = arg == 38 || arg == 48 || arg == 58;
		if (extended && i > first) {
			scan_colon_colour(scan, first, i - first + 1, ev);
		} else if (extended) {
			if (i + 1 < scan->argc && scan->args[i + 1] == 5)
				i += 2;
			else if (i + 1 < scan->argc && scan->args[i + 1] == 2)
				i += 4;
		} else if (i == first) {
			apply_sgr_arg(arg, ev);
		}
	}
}

static bool scan_private_mode(const struct fbc_vtscan *scan, bool set, struct fbc_vtscan_event *ev)
{
	for (unsigned i = 0; i < scan->argc; i++) {
		if (scan->args[i] == 1048 || scan->args[i] == 1049) {
			ev->type = set ? FBC_VTSCAN_SAVE_CURSOR : FBC_VTSCAN_RESTORE_CURSOR;
			return true;
		}
	}
	return false;
}

static bool csi_dispatch(const struct fbc_vtscan *scan, uint8_t final, struct fbc_vtscan_event *ev)
{
	if (scan->leader == '?' && !scan->intermediate && (final == 'h' || final == 'l'))
		return scan_private_mode(scan, final == 'h', ev);
	if (scan->leader)
		return false;
	if (scan->intermediate == '!' && final == 'p') {
		ev->type = FBC_VTSCAN_SOFT_RESET;
		return true;
	}
	if (scan->intermediate)
		return false;
	switch (final) {
	case 'm':
		scan_sgr(scan, ev);
		return true;
	case 'J':
		if (scan->argc >= 1 && scan->args[0] == 3) {
			ev->type = FBC_VTSCAN_CLEAR_SCROLLBACK;
			return true;
		}
		return false;
	case 's':
	case 'u':
		if (scan->argc != 0)
			return false;
		ev->type = final == 's' ? FBC_VTSCAN_SAVE_CURSOR : FBC_VTSCAN_RESTORE_CURSOR;
		return true;
	default:
		return false;
	}
}

static void csi_param(struct fbc_vtscan *scan, uint8_t c)
{
	if (scan->argc == 0)
		scan->argc = 1;
	unsigned i = scan->argc - 1u;
	if (c >= '0' && c <= '9') {
		unsigned v = scan->args[i] * 10u + (unsigned)(c - '0');
		scan->args[i] = (uint16_t)(v > UINT16_MAX ? UINT16_MAX : v);
		return;
	}
	/* ';' or ':' ends this argument (on_csi keeps the count within the array). */
	scan->sub[i] = c == ':';
	scan->argc++;
	scan->separators++;
}

static bool on_csi(struct fbc_vtscan *scan, uint8_t c, struct fbc_vtscan_event *ev)
{
	if (interrupts(scan, c) || c < 0x20 || c == 0x7f)
		return false;
	if (c >= 0x80) {
		/* libvterm abandons the sequence and takes the byte as text. */
		scan->state = FBC_VTSCAN_GROUND;
		return false;
	}
	if (c >= 0x3c && c <= 0x3f) {
		if (scan->argc == 0 && !scan->leader)
			scan->leader = c;
		return false;
	}
	if (c >= 0x30 && c <= 0x3b) {
		if ((c == ';' || c == ':') && scan->separators >= FBC_VTSCAN_MAX_ARGS - 1) {
			ev->type = FBC_VTSCAN_DROP_BYTE;
			return true;
		}
		csi_param(scan, c);
		return false;
	}
	if (c <= 0x2f) {
		scan->intermediate = c;
		return false;
	}
	scan->state = FBC_VTSCAN_GROUND;
	return csi_dispatch(scan, c, ev);
}

static bool on_string(struct fbc_vtscan *scan, uint8_t c, struct fbc_vtscan_event *ev)
{
	if (c == C0_BEL || c == C0_CAN || c == C0_SUB)
		scan->state = FBC_VTSCAN_GROUND;
	else if (c == C0_ESC)
		scan->state = FBC_VTSCAN_STRING_ESCAPE;
	return false;
}

static bool on_string_escape(struct fbc_vtscan *scan, uint8_t c, struct fbc_vtscan_event *ev)
{
	if (c == '\\') {
		scan->state = FBC_VTSCAN_GROUND;
		return false;
	}
	/* Any other byte ends the string and starts a new escape sequence with it. */
	scan->state = FBC_VTSCAN_ESCAPE;
	return on_escape(scan, c, ev);
}

typedef bool (*state_fn)(struct fbc_vtscan *scan, uint8_t c, struct fbc_vtscan_event *ev);

static const state_fn state_fns[] = {
	[FBC_VTSCAN_GROUND] = on_ground,
	[FBC_VTSCAN_ESCAPE] = on_escape,
	[FBC_VTSCAN_ESCAPE_INTERMEDIATE] = on_escape_intermediate,
	[FBC_VTSCAN_CSI] = on_csi,
	[FBC_VTSCAN_STRING] = on_string,
	[FBC_VTSCAN_STRING_ESCAPE] = on_string_escape,
};

size_t fbc_vtscan_step(
	struct fbc_vtscan *scan, const uint8_t *bytes, size_t len, struct fbc_vtscan_event *event)
{
	*event = (struct fbc_vtscan_event){ .type = FBC_VTSCAN_NONE };
	size_t i = 0;
	while (i < len) {
		/* Plain text is nearly all of a flood: skip it without a call per byte. */
		if (scan->state == FBC_VTSCAN_GROUND) {
			const void *esc = memchr(bytes + i, C0_ESC, len - i);
			if (!esc)
				return len;
			i = (size_t)((const uint8_t *)esc - bytes);
		}
		uint8_t c = bytes[i++];
		if (state_fns[scan->state](scan, c, event))
			return i;
	}
	return len;
}
