/* Set-1 scan codes <-> KEY_* (synthinput.md §1.4, vmbus-emu.md §5): both directions over the
 * whole table, the E0 and multimedia keys, Pause and PrintScreen through the stateful decoder,
 * fake shifts, the US ASCII table, key names, and our KEY_ values against Linux's. */
#include <ctype.h>

#include "hvi_keycodes.h"
#include "hvi_scancode.h"
#include "keycode_list.h"
#include "macros.h"
#include "synthkbd.h"
#include "test.h"

/* The KEY_* a host sends when it feeds one key through the decoder, or 0. */
static uint16_t decode_one(
	struct hvi_scancode_decoder *dec, const struct hvi_scancode *sc, bool *pressed)
{
	struct hvi_key_event ev = { 0 };
	enum hvi_scancode_result res = hvi_scancode_decoder_feed(dec, sc->make_code, sc->info, &ev);
	if (res != HVI_SCANCODE_KEY)
		return 0;
	*pressed = ev.pressed;
	return ev.key;
}

/* Every code with a key maps back to itself, and the host's EVENT decodes to the same key. */
static void test_scancode_table_roundtrip(void)
{
	unsigned keys = 0;
	for (int e0 = 0; e0 <= 1; e0++) {
		for (unsigned code = 0; code < 0x80; code++) {
			uint16_t key = hvi_scancode_to_key((uint8_t)code, e0);
			if (!key)
				continue;
			keys++;
			uint8_t back = 0;
			bool back_e0 = !e0;
			CHECK_MSG(hvi_key_to_scancode(key, &back, &back_e0) && back == code &&
					back_e0 == (bool)e0,
				"KEY %u from %s%02x maps back to %02x", key, e0 ? "E0 " : "", code,
				back);

			struct hvi_scancode sc[HVI_SCANCODE_MAX_SEQ];
			for (int pressed = 0; pressed <= 1; pressed++) {
				REQUIRE(hvi_scancode_from_key(key, pressed, sc) == 1);
				CHECK_EQ_INT(sc[0].make_code, code);
				CHECK_EQ_INT(sc[0].info,
					(e0 ? SYNTHKBD_INFO_IS_E0 : 0) |
						(pressed ? 0 : SYNTHKBD_INFO_IS_BREAK));
				struct hvi_scancode_decoder dec;
				hvi_scancode_decoder_init(&dec);
				bool got_pressed = !pressed;
				CHECK_EQ_INT(decode_one(&dec, &sc[0], &got_pressed), key);
				CHECK_EQ_INT(got_pressed, pressed);
			}
		}
	}
	/* 101 PC/105 keys without Pause, plus the 21 E0 multimedia, ACPI and browser keys. */
	CHECK_EQ_INT(keys, 104 + 21);
	NOTE("%u keys in the set-1 tables", keys);
}

/* The plain codes of §1.4 equal their KEY_ value, except the ISO key 0x56. */
static void test_scancode_plain_codes_equal_keys(void)
{
	for (unsigned code = 0x01; code <= 0x53; code++)
		CHECK_EQ_INT(hvi_scancode_to_key((uint8_t)code, false), code);
	CHECK_EQ_INT(hvi_scancode_to_key(0x56, false), KEY_102ND);
	CHECK_EQ_INT(hvi_scancode_to_key(0x57, false), KEY_F11);
	CHECK_EQ_INT(hvi_scancode_to_key(0x58, false), KEY_F12);
	CHECK_EQ_INT(hvi_scancode_to_key(0x00, false), 0);
	CHECK_EQ_INT(hvi_scancode_to_key(0x54, false), 0);
	CHECK_EQ_INT(hvi_scancode_to_key(0x80, false), 0);
}

static void test_scancode_e0_keys(void)
{
	static const struct {
		uint8_t code;
		uint16_t key;
	} e0[] = {
		{ 0x1c, KEY_KPENTER },
		{ 0x1d, KEY_RIGHTCTRL },
		{ 0x35, KEY_KPSLASH },
		{ 0x37, KEY_SYSRQ },
		{ 0x38, KEY_RIGHTALT },
		{ 0x47, KEY_HOME },
		{ 0x48, KEY_UP },
		{ 0x49, KEY_PAGEUP },
		{ 0x4b, KEY_LEFT },
		{ 0x4d, KEY_RIGHT },
		{ 0x4f, KEY_END },
		{ 0x50, KEY_DOWN },
		{ 0x51, KEY_PAGEDOWN },
		{ 0x52, KEY_INSERT },
		{ 0x53, KEY_DELETE },
		{ 0x5b, KEY_LEFTMETA },
		{ 0x5c, KEY_RIGHTMETA },
		{ 0x5d, KEY_COMPOSE },
		{ 0x5e, KEY_POWER },
		{ 0x5f, KEY_SLEEP },
		{ 0x63, KEY_WAKEUP },
		/* multimedia */
		{ 0x20, KEY_MUTE },
		{ 0x21, KEY_CALC },
		{ 0x22, KEY_PLAYPAUSE },
		{ 0x24, KEY_STOPCD },
		{ 0x2e, KEY_VOLUMEDOWN },
		{ 0x30, KEY_VOLUMEUP },
		{ 0x32, KEY_HOMEPAGE },
		{ 0x19, KEY_NEXTSONG },
		{ 0x10, KEY_PREVIOUSSONG },
	};
	for (size_t i = 0; i < ARRAY_LEN(e0); i++) {
		CHECK_EQ_INT(hvi_scancode_to_key(e0[i].code, true), e0[i].key);
		uint8_t code;
		bool is_e0;
		REQUIRE(hvi_key_to_scancode(e0[i].key, &code, &is_e0));
		CHECK_EQ_INT(code, e0[i].code);
		CHECK(is_e0);
	}
	/* The same codes without E0 are other keys: Q is not Previous Song. */
	CHECK_EQ_INT(hvi_scancode_to_key(0x10, false), KEY_Q);
	CHECK_EQ_INT(hvi_scancode_to_key(0x1d, false), KEY_LEFTCTRL);
}

static enum hvi_scancode_result feed(
	struct hvi_scancode_decoder *dec, uint16_t code, uint32_t info, struct hvi_key_event *ev)
{
	*ev = (struct hvi_key_event){ 0 };
	return hvi_scancode_decoder_feed(dec, code, info, ev);
}

static void test_scancode_pause_sequence(void)
{
	struct hvi_scancode sc[HVI_SCANCODE_MAX_SEQ];
	REQUIRE(hvi_scancode_from_key(KEY_PAUSE, true, sc) == 2);
	CHECK_EQ_INT(sc[0].make_code, 0x1d);
	CHECK_EQ_INT(sc[0].info, SYNTHKBD_INFO_IS_E1);
	CHECK_EQ_INT(sc[1].make_code, 0x45);
	CHECK_EQ_INT(sc[1].info, 0);

	struct hvi_scancode_decoder dec;
	hvi_scancode_decoder_init(&dec);
	struct hvi_key_event ev;
	CHECK_EQ_INT(feed(&dec, sc[0].make_code, sc[0].info, &ev), HVI_SCANCODE_PENDING);
	CHECK_EQ_INT(feed(&dec, sc[1].make_code, sc[1].info, &ev), HVI_SCANCODE_KEY);
	CHECK_EQ_INT(ev.key, KEY_PAUSE);
	CHECK(ev.pressed);

	REQUIRE(hvi_scancode_from_key(KEY_PAUSE, false, sc) == 2);
	CHECK_EQ_INT(sc[0].info, SYNTHKBD_INFO_IS_E1 | SYNTHKBD_INFO_IS_BREAK);
	CHECK_EQ_INT(sc[1].info, SYNTHKBD_INFO_IS_BREAK);
	CHECK_EQ_INT(feed(&dec, sc[0].make_code, sc[0].info, &ev), HVI_SCANCODE_PENDING);
	CHECK_EQ_INT(feed(&dec, sc[1].make_code, sc[1].info, &ev), HVI_SCANCODE_KEY);
	CHECK_EQ_INT(ev.key, KEY_PAUSE);
	CHECK(!ev.pressed);
	CHECK_EQ_INT(dec.broken_sequences, 0);

	/* A plain 0x45 on its own is NumLock; Pause has no single code. */
	CHECK_EQ_INT(feed(&dec, 0x45, 0, &ev), HVI_SCANCODE_KEY);
	CHECK_EQ_INT(ev.key, KEY_NUMLOCK);
	uint8_t code;
	bool e0;
	CHECK(!hvi_key_to_scancode(KEY_PAUSE, &code, &e0));
}

/* An E1 prefix not followed by its 0x45 is dropped; the event that broke it still counts. */
static void test_scancode_broken_e1_sequence(void)
{
	struct hvi_scancode_decoder dec;
	hvi_scancode_decoder_init(&dec);
	struct hvi_key_event ev;
	CHECK_EQ_INT(feed(&dec, 0x1d, SYNTHKBD_INFO_IS_E1, &ev), HVI_SCANCODE_PENDING);
	CHECK_EQ_INT(feed(&dec, 0x1e, 0, &ev), HVI_SCANCODE_KEY);
	CHECK_EQ_INT(ev.key, KEY_A);
	CHECK_EQ_INT(dec.broken_sequences, 1);

	/* Make prefix, break tail: not Pause either. */
	CHECK_EQ_INT(feed(&dec, 0x1d, SYNTHKBD_INFO_IS_E1, &ev), HVI_SCANCODE_PENDING);
	CHECK_EQ_INT(feed(&dec, 0x45, SYNTHKBD_INFO_IS_BREAK, &ev), HVI_SCANCODE_KEY);
	CHECK_EQ_INT(ev.key, KEY_NUMLOCK);
	CHECK(!ev.pressed);
	CHECK_EQ_INT(dec.broken_sequences, 2);

	CHECK_EQ_INT(feed(&dec, 0x20, SYNTHKBD_INFO_IS_E1, &ev), HVI_SCANCODE_UNKNOWN);
	hvi_scancode_decoder_init(&dec);
	CHECK_EQ_INT(dec.broken_sequences, 0);
}

/* A real keyboard's PrintScreen (E0 2A E0 37 / E0 B7 E0 AA) and hvhost's (E0 37 alone). */
static void test_scancode_printscreen_and_fake_shifts(void)
{
	struct hvi_scancode_decoder dec;
	hvi_scancode_decoder_init(&dec);
	struct hvi_key_event ev;
	const uint32_t E0 = SYNTHKBD_INFO_IS_E0, BRK = SYNTHKBD_INFO_IS_BREAK;
	CHECK_EQ_INT(feed(&dec, 0x2a, E0, &ev), HVI_SCANCODE_FAKE_SHIFT);
	CHECK_EQ_INT(feed(&dec, 0x37, E0, &ev), HVI_SCANCODE_KEY);
	CHECK_EQ_INT(ev.key, KEY_SYSRQ);
	CHECK(ev.pressed);
	CHECK_EQ_INT(feed(&dec, 0x37, E0 | BRK, &ev), HVI_SCANCODE_KEY);
	CHECK_EQ_INT(ev.key, KEY_SYSRQ);
	CHECK(!ev.pressed);
	CHECK_EQ_INT(feed(&dec, 0x2a, E0 | BRK, &ev), HVI_SCANCODE_FAKE_SHIFT);

	/* NumLock-on navigation: E0 AA E0 47 around Home; and the right-shift variant. */
	CHECK_EQ_INT(feed(&dec, 0x2a, E0 | BRK, &ev), HVI_SCANCODE_FAKE_SHIFT);
	CHECK_EQ_INT(feed(&dec, 0x36, E0, &ev), HVI_SCANCODE_FAKE_SHIFT);
	CHECK_EQ_INT(feed(&dec, 0x47, E0, &ev), HVI_SCANCODE_KEY);
	CHECK_EQ_INT(ev.key, KEY_HOME);

	/* Without E0 they are the real shifts. */
	CHECK_EQ_INT(feed(&dec, 0x2a, 0, &ev), HVI_SCANCODE_KEY);
	CHECK_EQ_INT(ev.key, KEY_LEFTSHIFT);
	CHECK_EQ_INT(feed(&dec, 0x36, BRK, &ev), HVI_SCANCODE_KEY);
	CHECK_EQ_INT(ev.key, KEY_RIGHTSHIFT);

	struct hvi_scancode sc[HVI_SCANCODE_MAX_SEQ];
	REQUIRE(hvi_scancode_from_key(KEY_SYSRQ, true, sc) == 1);
	CHECK_EQ_INT(sc[0].make_code, 0x37);
	CHECK_EQ_INT(sc[0].info, E0);
}

static void test_scancode_unknown_and_unicode(void)
{
	struct hvi_scancode_decoder dec;
	hvi_scancode_decoder_init(&dec);
	struct hvi_key_event ev = { 0x1234, true };
	CHECK_EQ_INT(hvi_scancode_decoder_feed(&dec, 0x54, 0, &ev), HVI_SCANCODE_UNKNOWN);
	CHECK_EQ_INT(hvi_scancode_decoder_feed(&dec, 0x01, SYNTHKBD_INFO_IS_E0, &ev),
		HVI_SCANCODE_UNKNOWN);
	CHECK_EQ_INT(hvi_scancode_decoder_feed(&dec, 0x9e, 0, &ev), HVI_SCANCODE_UNKNOWN);
	CHECK_EQ_INT(hvi_scancode_decoder_feed(&dec, 0xffff, 0, &ev), HVI_SCANCODE_UNKNOWN);
	CHECK_EQ_INT(hvi_scancode_decoder_feed(&dec, 0x20ac, SYNTHKBD_INFO_IS_UNICODE, &ev),
		HVI_SCANCODE_UNICODE);
	CHECK_EQ_INT(hvi_scancode_decoder_feed(&dec, 0x1e, SYNTHKBD_INFO_IS_UNICODE, &ev),
		HVI_SCANCODE_UNICODE);
	CHECK_EQ_INT(ev.key, 0x1234); /* untouched when no key came out */
	uint8_t code;
	bool e0;
	CHECK(!hvi_key_to_scancode(0, &code, &e0));
	CHECK(!hvi_key_to_scancode(KEY_MAX, &code, &e0));
	struct hvi_scancode sc[HVI_SCANCODE_MAX_SEQ];
	CHECK_EQ_INT(hvi_scancode_from_key(KEY_MAX, true, sc), 0);

	CHECK(strcmp(hvi_scancode_result_to_str(HVI_SCANCODE_KEY), "key") == 0);
	CHECK(strcmp(hvi_scancode_result_to_str(HVI_SCANCODE_FAKE_SHIFT), "fake_shift") == 0);
	CHECK(strcmp(hvi_scancode_result_to_str(HVI_SCANCODE_UNKNOWN), "unknown") == 0);
}

/* US layout: what each printable character needs, by the legends on the keys. */
static void test_scancode_ascii_us_layout(void)
{
	static const char row_shifted[] = "~!@#$%^&*()_+{}|:\"<>?";
	static const char row_plain[] = "`1234567890-=[]\\;',./";
	for (int c = 32; c <= 126; c++) {
		uint16_t key = 0;
		bool shift = true;
		REQUIRE(hvi_key_from_ascii((char)c, &key, &shift));
		bool want_shift = isupper(c) || strchr(row_shifted, c) != NULL;
		CHECK_MSG(shift == want_shift, "'%c': shift %d", c, shift);
		CHECK_MSG(hvi_key_to_name(key) != NULL, "'%c': key %u has no name", c, key);
		if (isalpha(c)) {
			char name[2] = { (char)tolower(c), 0 };
			CHECK_EQ_INT(key, hvi_key_from_name(name));
		}
		const char *p = strchr(row_shifted, c);
		if (p) { /* a shifted character shares its key with the plain one below it */
			uint16_t plain_key = 0;
			bool plain_shift = true;
			REQUIRE(hvi_key_from_ascii(
				row_plain[p - row_shifted], &plain_key, &plain_shift));
			CHECK_MSG(key == plain_key && !plain_shift, "'%c' vs '%c'", c,
				row_plain[p - row_shifted]);
		}
	}
	uint16_t key = 0;
	bool shift = true;
	REQUIRE(hvi_key_from_ascii(' ', &key, &shift));
	CHECK_EQ_INT(key, KEY_SPACE);
	REQUIRE(hvi_key_from_ascii('\n', &key, &shift));
	CHECK_EQ_INT(key, KEY_ENTER);
	CHECK(!shift);
	REQUIRE(hvi_key_from_ascii('\t', &key, &shift));
	CHECK_EQ_INT(key, KEY_TAB);
	REQUIRE(hvi_key_from_ascii('"', &key, &shift));
	CHECK_EQ_INT(key, KEY_APOSTROPHE);
	CHECK(shift);
	key = 77;
	CHECK(!hvi_key_from_ascii('\r', &key, &shift));
	CHECK(!hvi_key_from_ascii(0, &key, &shift));
	CHECK(!hvi_key_from_ascii(127, &key, &shift));
	CHECK(!hvi_key_from_ascii((char)0xe9, &key, &shift));
	CHECK_EQ_INT(key, 77);
}

static void test_scancode_names(void)
{
	/* Every key of the set-1 tables (the whole PC/105 layout) and Pause has a name that
	 * resolves back to it. */
	for (int e0 = 0; e0 <= 1; e0++) {
		for (unsigned code = 0; code < 0x80; code++) {
			uint16_t key = hvi_scancode_to_key((uint8_t)code, e0);
			if (!key)
				continue;
			const char *name = hvi_key_to_name(key);
			CHECK_MSG(name && hvi_key_from_name(name) == key, "key %u", key);
		}
	}
	static const struct {
		const char *name;
		uint16_t key;
	} names[] = {
		{ "a", KEY_A },
		{ "1", KEY_1 },
		{ "f12", KEY_F12 },
		{ "enter", KEY_ENTER },
		{ "esc", KEY_ESC },
		{ "pageup", KEY_PAGEUP },
		{ "leftbrace", KEY_LEFTBRACE },
		{ "kp7", KEY_KP7 },
		{ "sysrq", KEY_SYSRQ },
		{ "pause", KEY_PAUSE },
		{ "leftctrl", KEY_LEFTCTRL },
		{ "102nd", KEY_102ND },
		{ "F12", KEY_F12 },
		{ "ctrl", KEY_LEFTCTRL },
		{ "shift", KEY_LEFTSHIFT },
		{ "alt", KEY_LEFTALT },
		{ "super", KEY_LEFTMETA },
		{ "ALT", KEY_LEFTALT },
	};
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		CHECK_MSG(hvi_key_from_name(names[i].name) == names[i].key, "%s", names[i].name);
	CHECK(strcmp(hvi_key_to_name(KEY_LEFTCTRL), "leftctrl") == 0); /* never the alias */
	CHECK(strcmp(hvi_key_to_name(KEY_PAUSE), "pause") == 0);
	CHECK_EQ_INT(hvi_key_from_name("control"), 0);
	CHECK_EQ_INT(hvi_key_from_name("ente"), 0);
	CHECK_EQ_INT(hvi_key_from_name("enterr"), 0);
	CHECK_EQ_INT(hvi_key_from_name(""), 0);
	CHECK_EQ_INT(hvi_key_from_name(NULL), 0);
	CHECK(hvi_key_to_name(0) == NULL);
	CHECK(hvi_key_to_name(KEY_MAX) == NULL);
}

/* The name table against the kernel's macro names: "KEY_PAGEUP" is called "pageup". */
static void test_scancode_names_match_macros(void)
{
	static const struct test_keycode keys[] = { TEST_KEYCODES(TEST_KEYCODE_ENTRY) };
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (keys[i].value == KEY_MAX)
			continue;
		char lower[32];
		size_t n = 0;
		for (; keys[i].name[n] && n + 1 < sizeof(lower); n++)
			lower[n] = (char)tolower((unsigned char)keys[i].name[n]);
		lower[n] = 0;
		CHECK_MSG(hvi_key_from_name(lower) == keys[i].value, "name %s", lower);
	}
}

static const struct test_case cases[] = {
	TEST_CASE(test_scancode_table_roundtrip),
	TEST_CASE(test_scancode_plain_codes_equal_keys),
	TEST_CASE(test_scancode_e0_keys),
	TEST_CASE(test_scancode_pause_sequence),
	TEST_CASE(test_scancode_broken_e1_sequence),
	TEST_CASE(test_scancode_printscreen_and_fake_shifts),
	TEST_CASE(test_scancode_unknown_and_unicode),
	TEST_CASE(test_scancode_ascii_us_layout),
	TEST_CASE(test_scancode_names),
	TEST_CASE(test_scancode_names_match_macros),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
