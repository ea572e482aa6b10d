/*
 * input_hv's keyboard and mouse into fbc_input; see fbc_input_hvi.h.
 */
#define LOG_MODULE "fbc-input-hvi"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fbc_input.h"
#include "fbc_input_hvi.h"
#include "hvi.h"
#include "log.h"

struct fbc_input_hvi {
	struct fbc_input *input;
	struct hvi_device *kbd; // NULL when missing or gone
	struct hvi_device *mouse;
	unsigned leds_sent; // enum fbc_led bits last given to the keyboard
	/* The mouse frame being read: position and wheel apply at its SYN_REPORT. */
	int32_t abs_x, abs_y;
	bool moved;
	int wheel;
};

int fbc_input_hvi_create(
	struct fbc_input_hvi **out, struct vmb_bus *bus, struct fbc_input *input, int timeout_ms)
{
	struct fbc_input_hvi *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->input = input;
	const struct hvi_options opts = { .timeout_ms = timeout_ms };
	int err = hvi_keyboard_create(&h->kbd, bus, &opts);
	if (err)
		log_warn("no synthetic keyboard (%s): no typing", strerror(-err));
	err = hvi_mouse_create(&h->mouse, bus, &opts);
	if (err)
		log_info("no synthetic mouse (%s): no wheel scrolling", strerror(-err));
	if (!h->kbd && !h->mouse) {
		free(h);
		return -ENODEV;
	}
	*out = h;
	return 0;
}

void fbc_input_hvi_destroy(struct fbc_input_hvi *h)
{
	if (!h)
		return;
	hvi_device_destroy(h->kbd);
	hvi_device_destroy(h->mouse);
	free(h);
}

size_t fbc_input_hvi_get_fds(const struct fbc_input_hvi *h, int fds[FBC_INPUT_HVI_MAX_FDS])
{
	size_t n = 0;
	if (h->kbd)
		fds[n++] = hvi_device_get_fd(h->kbd);
	if (h->mouse)
		fds[n++] = hvi_device_get_fd(h->mouse);
	return n;
}

void fbc_input_hvi_set_screen(struct fbc_input_hvi *h, uint32_t width, uint32_t height)
{
	if (h->mouse && hvi_device_set_screen(h->mouse, width, height) < 0)
		log_warn("mouse: cannot scale to %ux%u", width, height);
}

static unsigned hvi_leds(unsigned fbc_leds)
{
	return (fbc_leds & FBC_LED_NUM ? 1u << HVI_LED_NUML : 0) |
		(fbc_leds & FBC_LED_CAPS ? 1u << HVI_LED_CAPSL : 0) |
		(fbc_leds & FBC_LED_SCROLL ? 1u << HVI_LED_SCROLLL : 0);
}

static void sync_leds(struct fbc_input_hvi *h)
{
	unsigned leds = fbc_input_leds(h->input);
	if (!h->kbd || leds == h->leds_sent)
		return;
	/* Kept by the driver when the ring is full, so this is sent once. */
	if (hvi_device_set_leds(h->kbd, hvi_leds(leds)) == 0)
		h->leds_sent = leds;
}

static void keyboard_event(struct fbc_input_hvi *h, const struct hvi_event *ev, int64_t now_ms)
{
	if (ev->type == HVI_EV_KEY)
		fbc_input_key(h->input, ev->code, ev->value, now_ms);
}

static void mouse_event(struct fbc_input_hvi *h, const struct hvi_event *ev)
{
	switch (ev->type) {
	case HVI_EV_ABS:
		if (ev->code == HVI_ABS_X)
			h->abs_x = ev->value;
		else if (ev->code == HVI_ABS_Y)
			h->abs_y = ev->value;
		h->moved = true;
		break;
	case HVI_EV_REL:
		if (ev->code == HVI_REL_WHEEL)
			h->wheel += ev->value;
		break;
	case HVI_EV_KEY:
		/* Where the button went down matters: the motion of this frame comes first. */
		if (h->moved)
			fbc_input_pointer_to(h->input, h->abs_x, h->abs_y);
		h->moved = false;
		fbc_input_button(h->input, ev->code, ev->value != 0);
		break;
	case HVI_EV_SYN:
		if (h->moved)
			fbc_input_pointer_to(h->input, h->abs_x, h->abs_y);
		fbc_input_wheel(h->input, h->wheel);
		h->moved = false;
		h->wheel = 0;
		break;
	default:
		break;
	}
}

/* Reads one device; false when its host went away (it is then destroyed). */
static bool pump(struct fbc_input_hvi *h, struct hvi_device **dev, int64_t now_ms)
{
	int err = hvi_device_dispatch(*dev);
	struct hvi_event ev;
	/* Even after a loss: the driver queued releases for every key that was down. */
	while (hvi_device_next_event(*dev, &ev) == 1) {
		if (*dev == h->kbd)
			keyboard_event(h, &ev, now_ms);
		else
			mouse_event(h, &ev);
	}
	if (err == -ENOTCONN) {
		log_warn("%s: the host went away", hvi_device_get_name(*dev));
		hvi_device_destroy(*dev);
		*dev = NULL;
		return false;
	}
	if (err < 0)
		log_warn("%s: %s", hvi_device_get_name(*dev), strerror(-err));
	return true;
}

int fbc_input_hvi_dispatch(struct fbc_input_hvi *h, int64_t now_ms)
{
	if (h->kbd && !pump(h, &h->kbd, now_ms))
		fbc_input_release_all(h->input, now_ms);
	if (h->mouse)
		pump(h, &h->mouse, now_ms);
	sync_leds(h);
	return (h->kbd ? 1 : 0) + (h->mouse ? 1 : 0);
}
