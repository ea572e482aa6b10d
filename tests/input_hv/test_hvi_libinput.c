/*
 * What a desktop sees: the synthetic keyboard and mouse exported through uinput (hvi_uinput)
 * and read back with libinput, as X and Wayland compositors read them.
 *
 * Needs /dev/uinput, root, and a running udev (libinput takes only devices udev has tagged
 * ID_INPUT_*). Where any of these is missing the cases are skipped with the reason; the `vm`
 * suite (QEMU) runs them for real. No sleeps: the udev monitor says when the device node is
 * ready, and libinput's fd says when events are there, each bounded by a failsafe.
 */
#define LOG_MODULE "test"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "hvi.h"
#include "hvi_keycodes.h"
#include "input_host.h"
#include "macros.h"
#include "synthmouse.h"
#include "test.h"
#include "vmb.h"

#if HAVE_LIBINPUT
#include <libinput.h>
#include <libudev.h>
#endif

#define FAILSAFE_MS 10000

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void skip_unless_possible(void)
{
#if !HAVE_LIBINPUT
	SKIP("built without libinput-dev and libudev-dev (scripts/deps.sh installs them)");
#endif
	if (access("/dev/uinput", F_OK) != 0)
		SKIP("no /dev/uinput on this machine: the uinput module is not loaded (the vm "
		     "suite runs this under QEMU)");
	if (access("/dev/uinput", R_OK | W_OK) != 0)
		SKIP("/dev/uinput is not writable by this user (run as root)");
	if (access("/run/udev/control", F_OK) != 0)
		SKIP("udev is not running: libinput takes only devices udev has tagged");
}

#if HAVE_LIBINPUT

struct fixture {
	struct ih *ih;
	struct vmb_bus *bus;
	struct hvi_device *dev;
	struct hvi_uinput *ui;
	struct udev *udev;
	struct udev_monitor *monitor;
	struct libinput *li;
};

static int open_restricted(const char *path, int flags, void *data)
{
	int fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void close_restricted(int fd, void *data)
{
	close(fd);
}

static const struct libinput_interface li_interface = {
	.open_restricted = open_restricted,
	.close_restricted = close_restricted,
};

/* The /dev/input/eventN udev announces for the uinput device sysname ("input42"). */
static char *wait_event_node(struct fixture *f, const char *sysname)
{
	int64_t deadline = now_ms() + FAILSAFE_MS;
	int fd = udev_monitor_get_fd(f->monitor);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return NULL;
		struct udev_device *d = udev_monitor_receive_device(f->monitor);
		if (!d)
			continue;
		const char *node = udev_device_get_devnode(d);
		const char *action = udev_device_get_action(d);
		struct udev_device *parent = udev_device_get_parent(d);
		char *found = NULL;
		if (node && action && strcmp(action, "add") == 0 && parent &&
			strcmp(udev_device_get_sysname(parent), sysname) == 0 &&
			strncmp(udev_device_get_sysname(d), "event", 5) == 0)
			found = strdup(node);
		udev_device_unref(d);
		if (found)
			return found;
	}
}

static void setup(struct fixture *f, bool mouse)
{
	*f = (struct fixture){ 0 };
	f->ih = ih_start(NULL);
	REQUIRE(ih_connect(f->ih, &f->bus) == 0);
	int ret = mouse ? hvi_mouse_create(&f->dev, f->bus, NULL)
			: hvi_keyboard_create(&f->dev, f->bus, NULL);
	REQUIRE(ret == 0);
	f->udev = udev_new();
	REQUIRE(f->udev);
	f->monitor = udev_monitor_new_from_netlink(f->udev, "udev");
	REQUIRE(f->monitor);
	REQUIRE(udev_monitor_filter_add_match_subsystem_devtype(f->monitor, "input", NULL) >= 0);
	REQUIRE(udev_monitor_enable_receiving(f->monitor) >= 0);
	REQUIRE(hvi_uinput_create(&f->ui, f->dev, NULL) == 0);
	REQUIRE(hvi_uinput_sysname(f->ui));
	char *node = wait_event_node(f, hvi_uinput_sysname(f->ui));
	REQUIRE(node);
	f->li = libinput_path_create_context(&li_interface, NULL);
	REQUIRE(f->li);
	struct libinput_device *device = libinput_path_add_device(f->li, node);
	CHECK_MSG(device, "libinput refused %s", node);
	free(node);
	REQUIRE(device);
	enum libinput_device_capability cap =
		mouse ? LIBINPUT_DEVICE_CAP_POINTER : LIBINPUT_DEVICE_CAP_KEYBOARD;
	CHECK(libinput_device_has_capability(device, cap));
}

static void teardown(struct fixture *f)
{
	if (f->li)
		libinput_unref(f->li);
	hvi_uinput_destroy(f->ui);
	if (f->monitor)
		udev_monitor_unref(f->monitor);
	if (f->udev)
		udev_unref(f->udev);
	hvi_device_destroy(f->dev);
	vmb_bus_destroy(f->bus);
	ih_stop(f->ih);
}

/* Moves the hvi device's events into uinput until n frames went. */
static void forward_frames(struct fixture *f, size_t n)
{
	size_t frames = 0;
	int64_t deadline = now_ms() + FAILSAFE_MS;
	while (frames < n && now_ms() < deadline) {
		struct pollfd pfd = { .fd = hvi_device_get_fd(f->dev), .events = POLLIN };
		poll(&pfd, 1, (int)(deadline - now_ms()));
		hvi_device_dispatch(f->dev);
		struct hvi_event ev;
		while (hvi_device_next_event(f->dev, &ev) == 1) {
			CHECK_EQ_INT(hvi_uinput_write(f->ui, &ev), 0);
			frames += ev.type == HVI_EV_SYN;
		}
	}
	CHECK_EQ_INT(frames, n);
}

/* The next libinput event of type (others, such as DEVICE_ADDED, are skipped). */
static struct libinput_event *next_event(struct fixture *f, enum libinput_event_type type)
{
	int64_t deadline = now_ms() + FAILSAFE_MS;
	for (;;) {
		libinput_dispatch(f->li);
		struct libinput_event *ev;
		while ((ev = libinput_get_event(f->li))) {
			if (libinput_event_get_type(ev) == type)
				return ev;
			libinput_event_destroy(ev);
		}
		struct pollfd pfd = { .fd = libinput_get_fd(f->li), .events = POLLIN };
		int64_t left = deadline - now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return NULL;
	}
}

static void expect_key(struct fixture *f, uint32_t key, enum libinput_key_state state)
{
	struct libinput_event *ev = next_event(f, LIBINPUT_EVENT_KEYBOARD_KEY);
	REQUIRE(ev);
	struct libinput_event_keyboard *k = libinput_event_get_keyboard_event(ev);
	CHECK_EQ_INT(libinput_event_keyboard_get_key(k), key);
	CHECK_EQ_INT(libinput_event_keyboard_get_key_state(k), state);
	libinput_event_destroy(ev);
}

#endif

static void test_keyboard_through_libinput(void)
{
	skip_unless_possible();
#if HAVE_LIBINPUT
	struct fixture f;
	setup(&f, false);
	REQUIRE(ih_key(f.ih, KEY_LEFTSHIFT, true) == 0);
	REQUIRE(ih_key(f.ih, KEY_PAUSE, true) == 0);
	REQUIRE(ih_key(f.ih, KEY_PAUSE, false) == 0);
	REQUIRE(ih_key(f.ih, KEY_LEFTSHIFT, false) == 0);
	forward_frames(&f, 4);
	expect_key(&f, KEY_LEFTSHIFT, LIBINPUT_KEY_STATE_PRESSED);
	expect_key(&f, KEY_PAUSE, LIBINPUT_KEY_STATE_PRESSED);
	expect_key(&f, KEY_PAUSE, LIBINPUT_KEY_STATE_RELEASED);
	expect_key(&f, KEY_LEFTSHIFT, LIBINPUT_KEY_STATE_RELEASED);
	teardown(&f);
#endif
}

static void test_mouse_through_libinput(void)
{
	skip_unless_possible();
#if HAVE_LIBINPUT
	struct fixture f;
	setup(&f, true);
	uint8_t report[SYNTHMOUSE_ABS_REPORT_SIZE];
	synthmouse_abs_report_encode(report, 0, 16384, 8192, 0);
	REQUIRE(ih_report(f.ih, report, sizeof(report)) == 0);
	synthmouse_abs_report_encode(report, SYNTHMOUSE_BUTTON_LEFT, 16384, 8192, 0);
	REQUIRE(ih_report(f.ih, report, sizeof(report)) == 0);
	synthmouse_abs_report_encode(report, 0, 16384, 8192, -1);
	REQUIRE(ih_report(f.ih, report, sizeof(report)) == 0);
	forward_frames(&f, 3);

	struct libinput_event *ev = next_event(&f, LIBINPUT_EVENT_POINTER_MOTION_ABSOLUTE);
	REQUIRE(ev);
	struct libinput_event_pointer *p = libinput_event_get_pointer_event(ev);
	double x = libinput_event_pointer_get_absolute_x_transformed(p, 1000);
	double y = libinput_event_pointer_get_absolute_y_transformed(p, 1000);
	CHECK_MSG(x > 499 && x < 501 && y > 249 && y < 251, "absolute position %f, %f", x, y);
	libinput_event_destroy(ev);

	ev = next_event(&f, LIBINPUT_EVENT_POINTER_BUTTON);
	REQUIRE(ev);
	p = libinput_event_get_pointer_event(ev);
	CHECK_EQ_INT(libinput_event_pointer_get_button(p), HVI_BTN_LEFT);
	CHECK_EQ_INT(libinput_event_pointer_get_button_state(p), LIBINPUT_BUTTON_STATE_PRESSED);
	libinput_event_destroy(ev);

	ev = next_event(&f, LIBINPUT_EVENT_POINTER_SCROLL_WHEEL);
	REQUIRE(ev);
	p = libinput_event_get_pointer_event(ev);
	CHECK(libinput_event_pointer_has_axis(p, LIBINPUT_POINTER_AXIS_SCROLL_VERTICAL));
	/* A wheel click down (REL_WHEEL -1) scrolls down: +120 in libinput's v120 units. */
	CHECK_EQ_INT(libinput_event_pointer_get_scroll_value_v120(
			     p, LIBINPUT_POINTER_AXIS_SCROLL_VERTICAL),
		120);
	libinput_event_destroy(ev);
	teardown(&f);
#endif
}

static const struct test_case cases[] = {
	TEST_CASE(test_keyboard_through_libinput),
	TEST_CASE(test_mouse_through_libinput),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
