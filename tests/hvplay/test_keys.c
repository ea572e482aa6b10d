/*
 * The player's keys: evdev codes from the synthetic keyboard, and terminal bytes, escape
 * sequences included, split across reads at every point.
 */
#include <linux/input-event-codes.h>
#include <string.h>

#include "keys.h"
#include "test.h"

static void test_evdev(void)
{
	struct key_action k;
	CHECK(keys_from_evdev(KEY_SPACE, 1, &k) && k.cmd == PLAY_TOGGLE_PAUSE);
	CHECK(!keys_from_evdev(KEY_SPACE, 2, &k)); // holding space does not flicker
	CHECK(!keys_from_evdev(KEY_SPACE, 0, &k));
	CHECK(keys_from_evdev(KEY_DOT, 2, &k) && k.cmd == PLAY_STEP); // held: keeps stepping
	CHECK(keys_from_evdev(KEY_RIGHT, 1, &k) && k.cmd == PLAY_SEEK && k.seconds == 5);
	CHECK(keys_from_evdev(KEY_LEFT, 1, &k) && k.seconds == -5);
	CHECK(keys_from_evdev(KEY_UP, 1, &k) && k.seconds == 60);
	CHECK(keys_from_evdev(KEY_DOWN, 1, &k) && k.seconds == -60);
	CHECK(keys_from_evdev(KEY_L, 1, &k) && k.cmd == PLAY_TOGGLE_LOOP);
	CHECK(keys_from_evdev(KEY_Q, 1, &k) && k.cmd == PLAY_QUIT);
	CHECK(keys_from_evdev(KEY_ESC, 1, &k) && k.cmd == PLAY_QUIT);
	CHECK(!keys_from_evdev(KEY_A, 1, &k));
}

/* The same byte stream, cut at every point, gives the same keys. */
static void test_tty_split_anywhere(void)
{
	static const uint8_t in[] = " .\x1b[C\x1b[D\x1b"
				    "OA\x1b[Bl\x1b[1;5Cxq";
	static const struct key_action want[] = {
		{ PLAY_TOGGLE_PAUSE, 0 },
		{ PLAY_STEP, 0 },
		{ PLAY_SEEK, 5 },
		{ PLAY_SEEK, -5 },
		{ PLAY_SEEK, 60 },
		{ PLAY_SEEK, -60 },
		{ PLAY_TOGGLE_LOOP, 0 },
		{ PLAY_QUIT, 0 },
	};
	size_t n_in = sizeof(in) - 1;
	for (size_t cut = 0; cut <= n_in; cut++) {
		struct keys_tty_decoder d = { 0 };
		struct key_action got[16];
		size_t n = keys_from_tty(&d, in, cut, got, 16);
		n += keys_from_tty(&d, in + cut, n_in - cut, got + n, 16 - n);
		CHECK_MSG(n == sizeof(want) / sizeof(want[0]), "cut %zu: %zu keys", cut, n);
		for (size_t i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++)
			CHECK(got[i].cmd == want[i].cmd && got[i].seconds == want[i].seconds);
	}
}

static void test_tty_odd_input(void)
{
	struct keys_tty_decoder d = { 0 };
	struct key_action k[4];
	/* A runaway sequence is dropped; Alt+q (ESC q) still quits; ^C quits. */
	static const uint8_t junk[] = "\x1b[1;2;3;4;5;6;7;8;9;0;1;2";
	CHECK_EQ_INT(keys_from_tty(&d, junk, sizeof(junk) - 1, k, 4), 0);
	d = (struct keys_tty_decoder){ 0 };
	CHECK_EQ_INT(keys_from_tty(&d, (const uint8_t *)"\x1bq", 2, k, 4), 1);
	CHECK(k[0].cmd == PLAY_QUIT);
	CHECK_EQ_INT(keys_from_tty(&d, (const uint8_t *)"\x03", 1, k, 4), 1);
	CHECK(k[0].cmd == PLAY_QUIT);
	CHECK_EQ_INT(keys_from_tty(&d, (const uint8_t *)"   ", 3, k, 2), 2); // max respected
}

static const struct test_case cases[] = {
	TEST_CASE(test_evdev),
	TEST_CASE(test_tty_split_anywhere),
	TEST_CASE(test_tty_odd_input),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
