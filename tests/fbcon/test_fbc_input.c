/*
 * Input routing (fbc_input) on a stepped clock, against a sink that records what the console
 * would be told: text per key with the keymap's modifiers, key repeat after the delay then at the
 * interval (stopped by release or another key, never a burst after a late loop), the devices' own
 * autorepeat ignored, lost devices releasing their keys, the wheel and buttons, the pointer
 * clamped to the screen, the lock LEDs.
 *
 * Then the synthetic devices (fbc_input_hvi) on the real hvhost: keys typed and a wheel turned
 * through the monitor come out of the sink, and Caps Lock's LED goes back to the host.
 * The libinput backend without devices (a machine here has no evdev devices for it).
 */
#include <errno.h>
#include <json-c/json.h>
#include <linux/input-event-codes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "fbc_input.h"
#include "fbc_input_hvi.h"
#include "fbc_input_libinput.h"
#include "hvhost_harness.h"
#include "macros.h"
#include "test.h"
#include "vmb.h"

struct rec {
	char text[512]; // TEXT actions as is, KEY actions as <N>, SCROLL as {N}
	int x, y, motions;
	int buttons[4]; // press count per button 1..3
	int axis;       // sum of steps
	int actions;
};

static void rec_key(void *data, const struct fbc_key_action *a, int64_t now_ms)
{
	struct rec *r = data;
	size_t len = strlen(r->text);
	r->actions++;
	switch (a->type) {
	case FBC_KEY_ACTION_TEXT:
		snprintf(r->text + len, sizeof(r->text) - len, "%.*s", (int)a->text_len, a->text);
		break;
	case FBC_KEY_ACTION_KEY:
		snprintf(r->text + len, sizeof(r->text) - len, "<%d>", (int)a->key);
		break;
	default:
		snprintf(r->text + len, sizeof(r->text) - len, "{%d}", a->scroll_pages);
		break;
	}
}

static void rec_motion(void *data, int x, int y)
{
	struct rec *r = data;
	r->x = x;
	r->y = y;
	r->motions++;
}

static void rec_button(void *data, int button, bool pressed)
{
	struct rec *r = data;
	if (pressed && button >= 1 && button <= 3)
		r->buttons[button]++;
}

static void rec_axis(void *data, int steps)
{
	((struct rec *)data)->axis += steps;
}

static struct fbc_input *make_input(struct rec *r)
{
	*r = (struct rec){ 0 };
	const struct fbc_input_sink sink = { rec_key, rec_motion, rec_button, rec_axis, r };
	const struct fbc_keymap_config kc = { .layout = "us", .no_compose = true };
	struct fbc_input *in = NULL;
	int err = fbc_input_create(&in, &kc, &sink);
	if (err == -EINVAL)
		SKIP("no xkb data for the us layout (xkb-data)");
	REQUIRE(err == 0);
	return in;
}

static void tap(struct fbc_input *in, uint32_t code, int64_t t)
{
	fbc_input_key(in, code, 1, t);
	fbc_input_key(in, code, 0, t);
}

static void test_input_keys_type_text(void)
{
	struct rec r;
	struct fbc_input *in = make_input(&r);
	tap(in, KEY_H, 0);
	fbc_input_key(in, KEY_LEFTSHIFT, 1, 0);
	tap(in, KEY_I, 0);
	fbc_input_key(in, KEY_LEFTSHIFT, 0, 0);
	tap(in, KEY_1, 0);
	tap(in, KEY_ENTER, 0);
	char want[32];
	snprintf(want, sizeof(want), "hI1<%d>", FBC_VKEY_ENTER);
	CHECK(strcmp(r.text, want) == 0);
	fbc_input_key(in, KEY_LEFTSHIFT, 1, 0);
	tap(in, KEY_PAGEUP, 0);
	CHECK(strstr(r.text, "{1}") != NULL);
	fbc_input_destroy(in);
}

static void test_input_repeat_after_delay_then_interval(void)
{
	struct rec r;
	struct fbc_input *in = make_input(&r);
	fbc_input_key(in, KEY_A, 1, 1000);
	CHECK_EQ_INT(fbc_input_next_timeout(in, 1000), FBC_KEYMAP_DEFAULT_DELAY_MS);
	fbc_input_dispatch_timers(in, 1000 + FBC_KEYMAP_DEFAULT_DELAY_MS - 1);
	CHECK(strcmp(r.text, "a") == 0);
	int64_t t = 1000 + FBC_KEYMAP_DEFAULT_DELAY_MS;
	fbc_input_dispatch_timers(in, t);
	CHECK(strcmp(r.text, "aa") == 0);
	CHECK_EQ_INT(fbc_input_next_timeout(in, t), FBC_KEYMAP_DEFAULT_INTERVAL_MS);
	fbc_input_dispatch_timers(in, t + FBC_KEYMAP_DEFAULT_INTERVAL_MS);
	CHECK(strcmp(r.text, "aaa") == 0);
	fbc_input_key(in, KEY_A, 0, t + 50);
	CHECK_EQ_INT(fbc_input_next_timeout(in, t + 50), -1);
	fbc_input_dispatch_timers(in, t + 5000);
	CHECK(strcmp(r.text, "aaa") == 0);
	struct fbc_input_stats st;
	fbc_input_get_stats(in, &st);
	CHECK_EQ_INT(st.repeats, 2);
	fbc_input_destroy(in);
}

static void test_input_new_key_takes_the_repeat(void)
{
	struct rec r;
	struct fbc_input *in = make_input(&r);
	fbc_input_key(in, KEY_A, 1, 0);
	fbc_input_key(in, KEY_B, 1, 100);
	fbc_input_dispatch_timers(in, 100 + FBC_KEYMAP_DEFAULT_DELAY_MS);
	CHECK(strcmp(r.text, "abb") == 0);
	/* B up: nothing repeats, though A is still held (as on a VT). */
	fbc_input_key(in, KEY_B, 0, 600);
	CHECK_EQ_INT(fbc_input_next_timeout(in, 600), -1);
	/* A modifier pressed meanwhile does not stop a repeat; it changes what repeats. */
	fbc_input_key(in, KEY_C, 1, 1000);
	fbc_input_key(in, KEY_LEFTSHIFT, 1, 1100);
	fbc_input_dispatch_timers(in, 1000 + FBC_KEYMAP_DEFAULT_DELAY_MS);
	CHECK(strcmp(r.text, "abbcC") == 0);
	fbc_input_destroy(in);
}

static void test_input_late_loop_makes_one_repeat(void)
{
	struct rec r;
	struct fbc_input *in = make_input(&r);
	fbc_input_key(in, KEY_X, 1, 0);
	fbc_input_dispatch_timers(in, 10000);
	CHECK(strcmp(r.text, "xx") == 0);
	CHECK_EQ_INT(fbc_input_next_timeout(in, 10000), FBC_KEYMAP_DEFAULT_INTERVAL_MS);
	fbc_input_destroy(in);
}

static void test_input_device_autorepeat_is_ignored(void)
{
	struct rec r;
	struct fbc_input *in = make_input(&r);
	fbc_input_key(in, KEY_Q, 1, 0);
	fbc_input_key(in, KEY_Q, 2, 30);
	fbc_input_key(in, KEY_Q, 1, 60); /* a host that repeats with plain makes */
	fbc_input_key(in, KEY_Q, 0, 90);
	fbc_input_key(in, KEY_W, 0, 90); /* a release never pressed */
	CHECK(strcmp(r.text, "q") == 0);
	struct fbc_input_stats st;
	fbc_input_get_stats(in, &st);
	CHECK_EQ_INT(st.dev_repeats, 2);
	fbc_input_destroy(in);
}

static void test_input_lost_device_releases_keys(void)
{
	struct rec r;
	struct fbc_input *in = make_input(&r);
	fbc_input_key(in, KEY_LEFTSHIFT, 1, 0);
	fbc_input_key(in, KEY_K, 1, 0);
	fbc_input_release_all(in, 10);
	CHECK_EQ_INT(fbc_input_next_timeout(in, 10), -1);
	tap(in, KEY_K, 20);
	CHECK(strcmp(r.text, "Kk") == 0);
	fbc_input_destroy(in);
}

static void test_input_pointer_wheel_buttons(void)
{
	struct rec r;
	struct fbc_input *in = make_input(&r);
	fbc_input_set_screen(in, 100, 50);
	fbc_input_pointer_to(in, 500, -3);
	CHECK(r.x == 99 && r.y == 0);
	fbc_input_pointer_to(in, 10, 10);
	fbc_input_pointer_by(in, 0.5, 0.25);
	fbc_input_pointer_by(in, 0.5, 0.75);
	CHECK(r.x == 11 && r.y == 11);
	fbc_input_button(in, BTN_LEFT, true);
	fbc_input_button(in, BTN_RIGHT, true);
	fbc_input_button(in, BTN_MIDDLE, true);
	fbc_input_button(in, BTN_SIDE, true);
	CHECK(r.buttons[1] == 1 && r.buttons[2] == 1 && r.buttons[3] == 1);
	fbc_input_wheel(in, 2); /* away from the user: back in history */
	CHECK_EQ_INT(r.axis, -2);
	fbc_input_wheel(in, -1);
	CHECK_EQ_INT(r.axis, -1);
	struct fbc_input_stats st;
	fbc_input_get_stats(in, &st);
	CHECK_EQ_INT(st.unknown, 1);
	fbc_input_destroy(in);
}

static void test_input_caps_lock_led(void)
{
	struct rec r;
	struct fbc_input *in = make_input(&r);
	CHECK_EQ_INT(fbc_input_leds(in), 0);
	tap(in, KEY_CAPSLOCK, 0);
	CHECK_EQ_INT(fbc_input_leds(in), FBC_LED_CAPS);
	tap(in, KEY_A, 0);
	CHECK(strcmp(r.text, "A") == 0);
	tap(in, KEY_CAPSLOCK, 0);
	CHECK_EQ_INT(fbc_input_leds(in), 0);
	fbc_input_destroy(in);
}

/* ---- synthetic devices on hvhost ---- */

struct host {
	struct hvhost_harness *h;
	struct vmb_bus *bus;
	struct fbc_input_hvi *hvi;
};

static void host_start(struct host *s, struct fbc_input *in)
{
	*s = (struct host){ 0 };
	int ret = hvhost_harness_start(&s->h, NULL);
	if (ret == -ENOENT)
		SKIP("HVHOST is not set (run through meson test)");
	REQUIRE(ret == 0);
	const struct vmb_bus_options bo = { .socket_path = hvhost_harness_vmbus_path(s->h),
		.timeout_ms = HVHOST_HARNESS_TIMEOUT_MS };
	REQUIRE(vmb_bus_connect_emu(&s->bus, &bo) == 0);
	REQUIRE(fbc_input_hvi_create(&s->hvi, s->bus, in, HVHOST_HARNESS_TIMEOUT_MS) == 0);
	fbc_input_set_screen(in, 1024, 768);
	fbc_input_hvi_set_screen(s->hvi, 1024, 768);
}

static void host_stop(struct host *s)
{
	fbc_input_hvi_destroy(s->hvi);
	vmb_bus_destroy(s->bus);
	CHECK_EQ_INT(hvhost_harness_stop(s->h), 0);
	hvhost_harness_destroy(s->h);
}

/* Dispatches the bus and the devices until done(r) or nothing arrives for the bound. */
static bool pump_until(struct host *s, struct rec *r, bool (*done)(const struct rec *))
{
	while (!done(r)) {
		struct pollfd p[1 + FBC_INPUT_HVI_MAX_FDS] = { { vmb_bus_get_fd(s->bus), POLLIN,
			0 } };
		int fds[FBC_INPUT_HVI_MAX_FDS];
		size_t n = fbc_input_hvi_get_fds(s->hvi, fds);
		for (size_t i = 0; i < n; i++)
			p[1 + i] = (struct pollfd){ fds[i], POLLIN, 0 };
		if (poll(p, 1 + n, HVHOST_HARNESS_TIMEOUT_MS) <= 0)
			return false;
		if (p[0].revents)
			vmb_bus_dispatch(s->bus);
		fbc_input_hvi_dispatch(s->hvi, 0);
	}
	return true;
}

static bool cmd_ok(struct host *s, const char *line)
{
	struct json_object *r = hvhost_harness_cmd(s->h, line), *ok = NULL;
	bool good = r && json_object_object_get_ex(r, "ok", &ok) && json_object_get_boolean(ok);
	if (!good)
		NOTE("%s -> %s", line, r ? json_object_to_json_string(r) : "(none)");
	json_object_put(r);
	return good;
}

static bool typed_enter(const struct rec *r)
{
	return strchr(r->text, '<') != NULL;
}

static bool scrolled(const struct rec *r)
{
	return r->axis != 0;
}

static bool typed_capital(const struct rec *r)
{
	return r->actions >= 1;
}

static int64_t led_messages(struct host *s)
{
	struct json_object *r = hvhost_harness_cmd(s->h, "{\"cmd\":\"stats\"}"), *v = NULL;
	int64_t n = -1;
	if (r && json_object_object_get_ex(r, "keyboard", &v) &&
		json_object_object_get_ex(v, "rx", &v) &&
		json_object_object_get_ex(v, "SET_LED_INDICATORS", &v))
		n = json_object_get_int64(v);
	json_object_put(r);
	return n;
}

static void test_input_hvi_keys_and_wheel_from_hvhost(void)
{
	struct rec r;
	struct fbc_input *in = make_input(&r);
	struct host s;
	host_start(&s, in);
	CHECK(cmd_ok(&s, "{\"cmd\":\"type\",\"text\":\"Hi ~!\\n\"}"));
	CHECK(pump_until(&s, &r, typed_enter));
	char want[32];
	snprintf(want, sizeof(want), "Hi ~!<%d>", FBC_VKEY_ENTER);
	CHECK_MSG(strcmp(r.text, want) == 0, "typed \"%s\"", r.text);
	CHECK(cmd_ok(&s, "{\"cmd\":\"mouse\",\"x\":1023,\"y\":0,\"wheel\":1}"));
	CHECK(pump_until(&s, &r, scrolled));
	CHECK_EQ_INT(r.axis, -1);
	CHECK_MSG(
		r.x == 1023 && r.y == 0, "pointer at %d,%d after %d motions", r.x, r.y, r.motions);
	host_stop(&s);
	fbc_input_destroy(in);
}

static void test_input_hvi_caps_lock_led_reaches_the_host(void)
{
	struct rec r;
	struct fbc_input *in = make_input(&r);
	struct host s;
	host_start(&s, in);
	int64_t before = led_messages(&s);
	CHECK(cmd_ok(&s, "{\"cmd\":\"key\",\"keys\":\"capslock\"}"));
	CHECK(cmd_ok(&s, "{\"cmd\":\"key\",\"keys\":\"a\"}"));
	CHECK(pump_until(&s, &r, typed_capital));
	CHECK(strcmp(r.text, "A") == 0);
	/* The LED message is in the ring once that dispatch returned; the host reads it in the
	 * round of its loop that sees the signal. Each stats request is a round: a bounded few. */
	bool seen = false;
	for (int i = 0; i < 1000 && !seen; i++)
		seen = led_messages(&s) > before;
	CHECK(seen);
	host_stop(&s);
	fbc_input_destroy(in);
}

static void test_input_libinput_without_devices(void)
{
	struct rec r;
	struct fbc_input *in = make_input(&r);
	const char *const paths[] = { "/dev/null" };
	const struct fbc_input_libinput_config cfg = { .paths = paths, .n_paths = 1 };
	struct fbc_input_libinput *li = NULL;
	int err = fbc_input_libinput_create(&li, in, &cfg);
	if (err == -EOPNOTSUPP)
		SKIP("built without libinput");
	CHECK_EQ_INT(err, -ENODEV);
	CHECK(li == NULL);
	fbc_input_destroy(in);
}

static const struct test_case cases[] = {
	TEST_CASE(test_input_keys_type_text),
	TEST_CASE(test_input_repeat_after_delay_then_interval),
	TEST_CASE(test_input_new_key_takes_the_repeat),
	TEST_CASE(test_input_late_loop_makes_one_repeat),
	TEST_CASE(test_input_device_autorepeat_is_ignored),
	TEST_CASE(test_input_lost_device_releases_keys),
	TEST_CASE(test_input_pointer_wheel_buttons),
	TEST_CASE(test_input_caps_lock_led),
	TEST_CASE(test_input_hvi_keys_and_wheel_from_hvhost),
	TEST_CASE(test_input_hvi_caps_lock_led_reaches_the_host),
	TEST_CASE(test_input_libinput_without_devices),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
