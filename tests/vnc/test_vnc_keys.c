/* VNC key events to scan codes (hvh_vnc_keys.h, synthinput.md §1.5): the US layout with Shift
 * added and taken away as OpenVMM does, special keys, raw QEMU codes, release on leaving. */
#include <string.h>

#include "hvh_vnc_keys.h"
#include "macros.h"
#include "synthkbd.h"
#include "test.h"

#define BRK SYNTHKBD_INFO_IS_BREAK
#define E0 SYNTHKBD_INFO_IS_E0
#define E1 SYNTHKBD_INFO_IS_E1

struct ev {
	uint8_t code;
	uint32_t info;
};

static void expect(
	const struct hvi_scancode *got, size_t n, const struct ev *want, size_t m, const char *what)
{
	CHECK_MSG(n == m, "%s: %zu events, want %zu", what, n, m);
	for (size_t i = 0; i < n && i < m; i++)
		CHECK_MSG(got[i].make_code == want[i].code && got[i].info == want[i].info,
			"%s: event %zu is %02x/%x, want %02x/%x", what, i, got[i].make_code,
			got[i].info, want[i].code, want[i].info);
}

#define EXPECT(got, n, what, ...)                                                                  \
	do {                                                                                       \
		const struct ev want_[] = { __VA_ARGS__ };                                         \
		expect(got, n, want_, ARRAY_LEN(want_), what);                                     \
	} while (0)

static void test_characters_and_shift(void)
{
	struct vnc_keys k;
	struct hvi_scancode out[VNC_KEYS_MAX_OUT];
	vnc_keys_init(&k);
	size_t n = vnc_keys_from_keysym(&k, 'a', true, out);
	EXPECT(out, n, "a down", { 0x1e, 0 });
	n = vnc_keys_from_keysym(&k, 'a', false, out);
	EXPECT(out, n, "a up", { 0x1e, BRK });
	/* A capital without Shift held: LeftShift around the key. */
	n = vnc_keys_from_keysym(&k, 'A', true, out);
	EXPECT(out, n, "A down", { 0x2a, 0 }, { 0x1e, 0 }, { 0x2a, BRK });
	n = vnc_keys_from_keysym(&k, 'A', false, out);
	EXPECT(out, n, "A up", { 0x1e, BRK });
	/* Shift held: a capital goes as it is, a digit has Shift released and pressed again. */
	n = vnc_keys_from_keysym(&k, 0xffe2, true, out);
	EXPECT(out, n, "Shift_R down", { 0x36, 0 });
	n = vnc_keys_from_keysym(&k, 'Q', true, out);
	EXPECT(out, n, "Q down", { 0x10, 0 });
	n = vnc_keys_from_keysym(&k, '1', true, out);
	EXPECT(out, n, "1 down with Shift", { 0x36, BRK }, { 0x02, 0 }, { 0x36, 0 });
	n = vnc_keys_from_keysym(&k, 0xffe2, false, out);
	EXPECT(out, n, "Shift_R up", { 0x36, BRK });
	/* Keys never pressed are not released. */
	CHECK_EQ_INT(vnc_keys_from_keysym(&k, 'z', false, out), 0);
}

static void test_special_keys(void)
{
	struct vnc_keys k;
	struct hvi_scancode out[VNC_KEYS_MAX_OUT];
	vnc_keys_init(&k);
	size_t n = vnc_keys_from_keysym(&k, 0xff0d, true, out);
	EXPECT(out, n, "Return", { 0x1c, 0 });
	n = vnc_keys_from_keysym(&k, 0xff52, true, out);
	EXPECT(out, n, "Up", { 0x48, E0 });
	n = vnc_keys_from_keysym(&k, 0xffe4, true, out);
	EXPECT(out, n, "Control_R", { 0x1d, E0 });
	n = vnc_keys_from_keysym(&k, 0xffe7, true, out);
	EXPECT(out, n, "Meta_L", { 0x5b, E0 });
	n = vnc_keys_from_keysym(&k, 0xffc9, true, out);
	EXPECT(out, n, "F12", { 0x58, 0 });
	n = vnc_keys_from_keysym(&k, 0xff13, true, out);
	EXPECT(out, n, "Pause", { 0x1d, E1 }, { 0x45, 0 });
	n = vnc_keys_from_keysym(&k, 0xff13, false, out);
	EXPECT(out, n, "Pause up", { 0x1d, E1 | BRK }, { 0x45, BRK });
	/* Shift with an arrow keeps Shift: special keys never touch it. */
	vnc_keys_from_keysym(&k, 0xffe1, true, out);
	n = vnc_keys_from_keysym(&k, 0xff51, true, out);
	EXPECT(out, n, "Shift+Left", { 0x4b, E0 });
	CHECK_EQ_INT(vnc_keys_from_keysym(&k, 0x20ac, true, out), 0); // EuroSign: not US
	CHECK_EQ_INT(vnc_keys_from_keysym(&k, 0xfe52, true, out), 0); // dead_circumflex
}

static void test_raw_codes_and_release_all(void)
{
	struct vnc_keys k;
	struct hvi_scancode out[VNC_KEYS_MAX_OUT];
	struct hvi_scancode all[VNC_KEYS_MAX_HELD];
	vnc_keys_init(&k);
	size_t n = vnc_keys_from_keycode(&k, 0x1e, true, out);
	EXPECT(out, n, "raw A", { 0x1e, 0 });
	n = vnc_keys_from_keycode(&k, 0xc8, true, out); // E0 48: Up
	EXPECT(out, n, "raw Up", { 0x48, E0 });
	n = vnc_keys_from_keycode(&k, 0x56, true, out); // 102nd key: no US keysym, still sent
	EXPECT(out, n, "raw 102nd", { 0x56, 0 });
	CHECK_EQ_INT(vnc_keys_from_keycode(&k, 0x100, true, out), 0);
	CHECK_EQ_INT(vnc_keys_from_keycode(&k, 0, true, out), 0);
	vnc_keys_from_keysym(&k, 'b', true, out);
	n = vnc_keys_release_all(&k, all);
	EXPECT(all, n, "release all", { 0x1e, BRK }, { 0x30, BRK }, { 0x56, BRK },
		{ 0x48, E0 | BRK });
	CHECK_EQ_INT(vnc_keys_release_all(&k, all), 0);
}

static const struct test_case cases[] = {
	TEST_CASE(test_characters_and_shift),
	TEST_CASE(test_special_keys),
	TEST_CASE(test_raw_codes_and_release_all),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
