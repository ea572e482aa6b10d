/*
 * libinput into fbc_input; see fbc_input_libinput.h.
 */
#define LOG_MODULE "fbc-input-libinput"

#include <errno.h>
#include <stdlib.h>

#include "fbc_input.h"
#include "fbc_input_libinput.h"
#include "log.h"

#if FBC_ENABLE_LIBINPUT

#include <fcntl.h>
#include <libinput.h>
#include <libudev.h>
#include <string.h>
#include <unistd.h>

#define MAX_KEYBOARDS 16

struct fbc_input_libinput {
	struct fbc_input *input;
	struct udev *udev; // NULL with the path backend
	struct libinput *li;
	size_t n_devices;
	/* Keyboards, referenced, for their LEDs. */
	struct libinput_device *keyboards[MAX_KEYBOARDS];
	unsigned leds_shown;
	int v120; // wheel travel not yet a whole notch (1/120ths)
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

static const struct libinput_interface iface = {
	.open_restricted = open_restricted,
	.close_restricted = close_restricted,
};

static int create_udev(struct fbc_input_libinput *l, const char *seat)
{
	l->udev = udev_new();
	if (!l->udev)
		return -ENOMEM;
	l->li = libinput_udev_create_context(&iface, l, l->udev);
	if (!l->li)
		return -ENOMEM;
	if (libinput_udev_assign_seat(l->li, seat ? seat : "seat0") < 0) {
		log_error("libinput: no seat %s (is udev running?)", seat ? seat : "seat0");
		return -ENODEV;
	}
	return 0;
}

static int create_path(struct fbc_input_libinput *l, const char *const *paths, size_t n)
{
	l->li = libinput_path_create_context(&iface, l);
	if (!l->li)
		return -ENOMEM;
	size_t added = 0;
	for (size_t i = 0; i < n; i++) {
		if (libinput_path_add_device(l->li, paths[i]))
			added++;
		else
			log_warn("libinput: cannot use %s", paths[i]);
	}
	return added ? 0 : -ENODEV;
}

int fbc_input_libinput_create(struct fbc_input_libinput **out, struct fbc_input *input,
	const struct fbc_input_libinput_config *config)
{
	struct fbc_input_libinput *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->input = input;
	int err = config->paths ? create_path(l, config->paths, config->n_paths)
				: create_udev(l, config->seat);
	if (err) {
		fbc_input_libinput_destroy(l);
		return err;
	}
	/* The devices found at start come as DEVICE_ADDED events: take them now. */
	fbc_input_libinput_dispatch(l, 0);
	*out = l;
	return 0;
}

void fbc_input_libinput_destroy(struct fbc_input_libinput *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < MAX_KEYBOARDS; i++)
		if (l->keyboards[i])
			libinput_device_unref(l->keyboards[i]);
	if (l->li)
		libinput_unref(l->li);
	if (l->udev)
		udev_unref(l->udev);
	free(l);
}

int fbc_input_libinput_get_fd(const struct fbc_input_libinput *l)
{
	return libinput_get_fd(l->li);
}

size_t fbc_input_libinput_device_count(const struct fbc_input_libinput *l)
{
	return l->n_devices;
}

static enum libinput_led libinput_leds(unsigned leds)
{
	return (leds & FBC_LED_NUM ? LIBINPUT_LED_NUM_LOCK : 0) |
		(leds & FBC_LED_CAPS ? LIBINPUT_LED_CAPS_LOCK : 0) |
		(leds & FBC_LED_SCROLL ? LIBINPUT_LED_SCROLL_LOCK : 0);
}

static void device_added(struct fbc_input_libinput *l, struct libinput_device *dev)
{
	l->n_devices++;
	log_info("input device: %s", libinput_device_get_name(dev));
	if (!libinput_device_has_capability(dev, LIBINPUT_DEVICE_CAP_KEYBOARD))
		return;
	for (size_t i = 0; i < MAX_KEYBOARDS; i++) {
		if (!l->keyboards[i]) {
			l->keyboards[i] = libinput_device_ref(dev);
			libinput_device_led_update(dev, libinput_leds(l->leds_shown));
			return;
		}
	}
}

static void device_removed(struct fbc_input_libinput *l, struct libinput_device *dev)
{
	if (l->n_devices)
		l->n_devices--;
	for (size_t i = 0; i < MAX_KEYBOARDS; i++) {
		if (l->keyboards[i] == dev) {
			libinput_device_unref(dev);
			l->keyboards[i] = NULL;
		}
	}
}

static void sync_leds(struct fbc_input_libinput *l)
{
	unsigned leds = fbc_input_leds(l->input);
	if (leds == l->leds_shown)
		return;
	l->leds_shown = leds;
	for (size_t i = 0; i < MAX_KEYBOARDS; i++)
		if (l->keyboards[i])
			libinput_device_led_update(l->keyboards[i], libinput_leds(leds));
}

static void pointer_event(
	struct fbc_input_libinput *l, struct libinput_event *ev, enum libinput_event_type type)
{
	struct libinput_event_pointer *p = libinput_event_get_pointer_event(ev);
	switch (type) {
	case LIBINPUT_EVENT_POINTER_MOTION:
		fbc_input_pointer_by(l->input, libinput_event_pointer_get_dx(p),
			libinput_event_pointer_get_dy(p));
		break;
	case LIBINPUT_EVENT_POINTER_MOTION_ABSOLUTE: {
		int w, h;
		fbc_input_get_screen(l->input, &w, &h);
		fbc_input_pointer_to(l->input,
			(int)libinput_event_pointer_get_absolute_x_transformed(p, (uint32_t)w),
			(int)libinput_event_pointer_get_absolute_y_transformed(p, (uint32_t)h));
		break;
	}
	case LIBINPUT_EVENT_POINTER_BUTTON:
		fbc_input_button(l->input, libinput_event_pointer_get_button(p),
			libinput_event_pointer_get_button_state(p) ==
				LIBINPUT_BUTTON_STATE_PRESSED);
		break;
	case LIBINPUT_EVENT_POINTER_SCROLL_WHEEL:
		if (!libinput_event_pointer_has_axis(p, LIBINPUT_POINTER_AXIS_SCROLL_VERTICAL))
			break;
		/* High-resolution wheels report fractions of a notch; scroll by whole ones. libinput's
		 * positive is down, evdev's REL_WHEEL (what fbc_input takes) positive is up. */
		l->v120 += (int)libinput_event_pointer_get_scroll_value_v120(
			p, LIBINPUT_POINTER_AXIS_SCROLL_VERTICAL);
		fbc_input_wheel(l->input, -(l->v120 / 120));
		l->v120 %= 120;
		break;
	default:
		break;
	}
}

static void handle(struct fbc_input_libinput *l, struct libinput_event *ev, int64_t now_ms)
{
	enum libinput_event_type type = libinput_event_get_type(ev);
	switch (type) {
	case LIBINPUT_EVENT_DEVICE_ADDED:
		device_added(l, libinput_event_get_device(ev));
		break;
	case LIBINPUT_EVENT_DEVICE_REMOVED:
		device_removed(l, libinput_event_get_device(ev));
		break;
	case LIBINPUT_EVENT_KEYBOARD_KEY: {
		struct libinput_event_keyboard *k = libinput_event_get_keyboard_event(ev);
		bool pressed =
			libinput_event_keyboard_get_key_state(k) == LIBINPUT_KEY_STATE_PRESSED;
		fbc_input_key(l->input, libinput_event_keyboard_get_key(k), pressed, now_ms);
		break;
	}
	default:
		pointer_event(l, ev, type);
		break;
	}
}

int fbc_input_libinput_dispatch(struct fbc_input_libinput *l, int64_t now_ms)
{
	int err = libinput_dispatch(l->li);
	struct libinput_event *ev;
	while ((ev = libinput_get_event(l->li))) {
		handle(l, ev, now_ms);
		libinput_event_destroy(ev);
	}
	sync_leds(l);
	return err;
}

#else /* !FBC_ENABLE_LIBINPUT */

int fbc_input_libinput_create(struct fbc_input_libinput **out, struct fbc_input *input,
	const struct fbc_input_libinput_config *config)
{
	log_error("built without libinput (-Dlibinput=enabled)");
	return -EOPNOTSUPP;
}

void fbc_input_libinput_destroy(struct fbc_input_libinput *l)
{
}

int fbc_input_libinput_get_fd(const struct fbc_input_libinput *l)
{
	return -1;
}

int fbc_input_libinput_dispatch(struct fbc_input_libinput *l, int64_t now_ms)
{
	return -EOPNOTSUPP;
}

size_t fbc_input_libinput_device_count(const struct fbc_input_libinput *l)
{
	return 0;
}

#endif
