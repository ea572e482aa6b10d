/*
 * xkbcommon keymap, state and Compose; see fbc_keymap.h.
 */
#define LOG_MODULE "fbc-keymap"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xkbcommon/xkbcommon-compose.h>
#include <xkbcommon/xkbcommon.h>

#include "fbc_keymap.h"
#include "log.h"

/* evdev codes are xkb keycodes minus 8 (the X11 legacy offset xkbcommon keeps). */
#define EVDEV_OFFSET 8

struct fbc_keymap {
	struct xkb_context *ctx;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
	struct xkb_compose_table *compose_table; // may be NULL
	struct xkb_compose_state *compose;       // may be NULL
	int delay_ms;
	int interval_ms;
};

/* xkbcommon prints to stderr by default; a library logs through the program's handler. */
static void PRINTF(3, 0) log_from_xkb(
	struct xkb_context *ctx, enum xkb_log_level level, const char *fmt, va_list args)
{
	char line[512];
	vsnprintf(line, sizeof(line), fmt, args);
	line[strcspn(line, "\n")] = '\0';
	if (level <= XKB_LOG_LEVEL_ERROR)
		log_warn("xkbcommon: %s", line);
	else
		log_debug("xkbcommon: %s", line);
}

static void open_compose(struct fbc_keymap *km)
{
	const char *locale = getenv("LC_ALL");
	if (!locale || !*locale)
		locale = getenv("LC_CTYPE");
	if (!locale || !*locale)
		locale = getenv("LANG");
	if (!locale || !*locale)
		locale = "C";
	km->compose_table =
		xkb_compose_table_new_from_locale(km->ctx, locale, XKB_COMPOSE_COMPILE_NO_FLAGS);
	if (!km->compose_table) {
		log_info("no Compose table for locale %s: dead keys disabled", locale);
		return;
	}
	km->compose = xkb_compose_state_new(km->compose_table, XKB_COMPOSE_STATE_NO_FLAGS);
}

int fbc_keymap_create(struct fbc_keymap **out, const struct fbc_keymap_config *cfg)
{
	struct fbc_keymap *km = calloc(1, sizeof(*km));
	if (!km)
		return -ENOMEM;
	km->ctx = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (!km->ctx)
		goto err_km;
	xkb_context_set_log_fn(km->ctx, log_from_xkb);
	struct xkb_rule_names names = {
		.rules = cfg->rules,
		.model = cfg->model,
		.layout = cfg->layout,
		.variant = cfg->variant,
		.options = cfg->options,
	};
	km->keymap = xkb_keymap_new_from_names(km->ctx, &names, XKB_KEYMAP_COMPILE_NO_FLAGS);
	if (!km->keymap) {
		log_error("cannot compile keymap (layout %s, variant %s, options %s)",
			cfg->layout ? cfg->layout : "default", cfg->variant ? cfg->variant : "-",
			cfg->options ? cfg->options : "-");
		fbc_keymap_destroy(km);
		return -EINVAL;
	}
	km->state = xkb_state_new(km->keymap);
	if (!km->state)
		goto err_km;
	if (!cfg->no_compose)
		open_compose(km);
	km->delay_ms = cfg->repeat_delay_ms ? cfg->repeat_delay_ms : FBC_KEYMAP_DEFAULT_DELAY_MS;
	km->interval_ms = cfg->repeat_interval_ms > 0 ? cfg->repeat_interval_ms
						      : FBC_KEYMAP_DEFAULT_INTERVAL_MS;
	*out = km;
	return 0;

err_km:
	fbc_keymap_destroy(km);
	return -ENOMEM;
}

void fbc_keymap_destroy(struct fbc_keymap *km)
{
	if (!km)
		return;
	xkb_compose_state_unref(km->compose);
	xkb_compose_table_unref(km->compose_table);
	xkb_state_unref(km->state);
	xkb_keymap_unref(km->keymap);
	xkb_context_unref(km->ctx);
	free(km);
}

static const struct {
	xkb_keysym_t sym;
	enum fbc_vkey key;
} special_keys[] = {
	{ XKB_KEY_Return, FBC_VKEY_ENTER },
	{ XKB_KEY_Tab, FBC_VKEY_TAB },
	{ XKB_KEY_ISO_Left_Tab, FBC_VKEY_TAB },
	{ XKB_KEY_BackSpace, FBC_VKEY_BACKSPACE },
	{ XKB_KEY_Escape, FBC_VKEY_ESCAPE },
	{ XKB_KEY_Up, FBC_VKEY_UP },
	{ XKB_KEY_Down, FBC_VKEY_DOWN },
	{ XKB_KEY_Left, FBC_VKEY_LEFT },
	{ XKB_KEY_Right, FBC_VKEY_RIGHT },
	{ XKB_KEY_Insert, FBC_VKEY_INSERT },
	{ XKB_KEY_Delete, FBC_VKEY_DELETE },
	{ XKB_KEY_Home, FBC_VKEY_HOME },
	{ XKB_KEY_End, FBC_VKEY_END },
	{ XKB_KEY_Prior, FBC_VKEY_PAGE_UP },
	{ XKB_KEY_Next, FBC_VKEY_PAGE_DOWN },
	/* Keypad without NumLock: the editing keys it is labelled with. */
	{ XKB_KEY_KP_Up, FBC_VKEY_UP },
	{ XKB_KEY_KP_Down, FBC_VKEY_DOWN },
	{ XKB_KEY_KP_Left, FBC_VKEY_LEFT },
	{ XKB_KEY_KP_Right, FBC_VKEY_RIGHT },
	{ XKB_KEY_KP_Insert, FBC_VKEY_INSERT },
	{ XKB_KEY_KP_Delete, FBC_VKEY_DELETE },
	{ XKB_KEY_KP_Home, FBC_VKEY_HOME },
	{ XKB_KEY_KP_End, FBC_VKEY_END },
	{ XKB_KEY_KP_Prior, FBC_VKEY_PAGE_UP },
	{ XKB_KEY_KP_Next, FBC_VKEY_PAGE_DOWN },
	{ XKB_KEY_KP_Multiply, FBC_VKEY_KP_MULTIPLY },
	{ XKB_KEY_KP_Add, FBC_VKEY_KP_ADD },
	{ XKB_KEY_KP_Separator, FBC_VKEY_KP_SEPARATOR },
	{ XKB_KEY_KP_Subtract, FBC_VKEY_KP_SUBTRACT },
	{ XKB_KEY_KP_Decimal, FBC_VKEY_KP_DECIMAL },
	{ XKB_KEY_KP_Divide, FBC_VKEY_KP_DIVIDE },
	{ XKB_KEY_KP_Enter, FBC_VKEY_KP_ENTER },
	{ XKB_KEY_KP_Equal, FBC_VKEY_KP_EQUAL },
};

static enum fbc_vkey vkey_of(xkb_keysym_t sym)
{
	if (sym >= XKB_KEY_F1 && sym <= XKB_KEY_F24)
		return (enum fbc_vkey)(FBC_VKEY_F1 + (sym - XKB_KEY_F1));
	if (sym >= XKB_KEY_KP_0 && sym <= XKB_KEY_KP_9)
		return (enum fbc_vkey)(FBC_VKEY_KP_0 + (sym - XKB_KEY_KP_0));
	for (size_t i = 0; i < sizeof(special_keys) / sizeof(*special_keys); i++)
		if (special_keys[i].sym == sym)
			return special_keys[i].key;
	return FBC_VKEY_NONE;
}

static unsigned active_mods(const struct fbc_keymap *km)
{
	enum xkb_state_component eff = XKB_STATE_MODS_EFFECTIVE;
	return (xkb_state_mod_name_is_active(km->state, XKB_MOD_NAME_SHIFT, eff) > 0 ? FBC_MOD_SHIFT
										     : 0) |
		(xkb_state_mod_name_is_active(km->state, XKB_MOD_NAME_CTRL, eff) > 0 ? FBC_MOD_CTRL
										     : 0) |
		(xkb_state_mod_name_is_active(km->state, XKB_MOD_NAME_ALT, eff) > 0 ? FBC_MOD_ALT
										    : 0);
}

static void set_text(struct fbc_key_action *a, bool alt, const char *utf8, size_t len)
{
	size_t off = 0;
	if (alt)
		a->text[off++] = '\x1b'; /* Meta sends ESC first, as xterm's metaSendsEscape */
	if (len > sizeof(a->text) - off)
		len = sizeof(a->text) - off;
	memcpy(a->text + off, utf8, len);
	a->text_len = off + len;
	a->type = FBC_KEY_ACTION_TEXT;
}

/* Text for a key: xkb's, with its Ctrl transformation (Ctrl+A is 0x01, Ctrl+2 is NUL). */
static void text_action(struct fbc_keymap *km, xkb_keycode_t kc, xkb_keysym_t sym, unsigned mods,
	struct fbc_key_action *a)
{
	char utf8[16];
	int n = xkb_state_key_get_utf8(km->state, kc, utf8, sizeof(utf8));
	if (n > 0) {
		set_text(a, mods & FBC_MOD_ALT, utf8, (size_t)n);
		return;
	}
	/* xkb reports the NUL it makes of Ctrl+Space and Ctrl+2 as no text at all. */
	if ((mods & FBC_MOD_CTRL) &&
		(sym == XKB_KEY_space || sym == XKB_KEY_2 || sym == XKB_KEY_at))
		set_text(a, mods & FBC_MOD_ALT, "", 1);
}

/* Dead keys and Compose: true when the keysym was taken by a sequence in progress. */
static bool compose_action(
	struct fbc_keymap *km, xkb_keysym_t sym, unsigned mods, struct fbc_key_action *a)
{
	if (!km->compose || xkb_compose_state_feed(km->compose, sym) != XKB_COMPOSE_FEED_ACCEPTED)
		return false;
	switch (xkb_compose_state_get_status(km->compose)) {
	case XKB_COMPOSE_COMPOSING:
		return true;
	case XKB_COMPOSE_COMPOSED: {
		char utf8[16];
		int n = xkb_compose_state_get_utf8(km->compose, utf8, sizeof(utf8));
		if (n > 0)
			set_text(a, mods & FBC_MOD_ALT, utf8, (size_t)n);
		xkb_compose_state_reset(km->compose);
		return true;
	}
	case XKB_COMPOSE_CANCELLED:
		xkb_compose_state_reset(km->compose);
		return true;
	default:
		return false;
	}
}

static void press_action(
	struct fbc_keymap *km, xkb_keycode_t kc, bool allow_compose, struct fbc_key_action *a)
{
	*a = (struct fbc_key_action){ .type = FBC_KEY_ACTION_NONE };
	xkb_keysym_t sym = xkb_state_key_get_one_sym(km->state, kc);
	if (sym == XKB_KEY_NoSymbol)
		return;
	unsigned mods = active_mods(km);
	enum fbc_vkey key = vkey_of(sym);
	if ((mods & ~FBC_MOD_SHIFT) == 0 && (mods & FBC_MOD_SHIFT) &&
		(key == FBC_VKEY_PAGE_UP || key == FBC_VKEY_PAGE_DOWN)) {
		a->type = FBC_KEY_ACTION_SCROLL;
		a->scroll_pages = key == FBC_VKEY_PAGE_UP ? 1 : -1;
	} else if (allow_compose && compose_action(km, sym, mods, a)) {
		/* taken (or produced) by Compose */
	} else if (key != FBC_VKEY_NONE) {
		a->type = FBC_KEY_ACTION_KEY;
		a->key = key;
		a->mods = mods;
	} else {
		text_action(km, kc, sym, mods, a);
	}
	a->repeats = a->type != FBC_KEY_ACTION_NONE && km->delay_ms > 0 &&
		xkb_keymap_key_repeats(km->keymap, kc);
}

void fbc_keymap_key(struct fbc_keymap *km, uint32_t code, bool pressed, struct fbc_key_action *out)
{
	xkb_keycode_t kc = code + EVDEV_OFFSET;
	if (pressed)
		press_action(km, kc, true, out);
	else
		*out = (struct fbc_key_action){ .type = FBC_KEY_ACTION_NONE };
	xkb_state_update_key(km->state, kc, pressed ? XKB_KEY_DOWN : XKB_KEY_UP);
}

void fbc_keymap_repeat(struct fbc_keymap *km, uint32_t code, struct fbc_key_action *out)
{
	press_action(km, code + EVDEV_OFFSET, false, out);
}

void fbc_keymap_repeat_timing(const struct fbc_keymap *km, int *delay_ms, int *interval_ms)
{
	*delay_ms = km->delay_ms;
	*interval_ms = km->interval_ms;
}

unsigned fbc_keymap_leds(const struct fbc_keymap *km)
{
	return (xkb_state_led_name_is_active(km->state, XKB_LED_NAME_NUM) > 0 ? FBC_LED_NUM : 0) |
		(xkb_state_led_name_is_active(km->state, XKB_LED_NAME_CAPS) > 0 ? FBC_LED_CAPS
										: 0) |
		(xkb_state_led_name_is_active(km->state, XKB_LED_NAME_SCROLL) > 0 ? FBC_LED_SCROLL
										  : 0);
}
