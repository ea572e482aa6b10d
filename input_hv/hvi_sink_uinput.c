/*
 * The uinput sink: re-creates a synthetic device as a kernel input device through /dev/uinput,
 * so libinput, X and Wayland desktops use the Hyper-V keyboard and mouse like any other.
 *
 * The virtual devices copy what the hvi device can send. The mouse is an absolute pointer
 * (ABS_X/ABS_Y with buttons and a wheel, no touch or pen tool bits), the shape of QEMU's USB
 * tablet and VMware's mouse, which udev tags ID_INPUT_MOUSE and libinput drives as a pointer
 * with absolute motion. The keyboard gets EV_REP (the kernel's autorepeat, as for a real
 * keyboard: the host sends no repeats) and EV_LED, whose changes the desktop writes back and
 * hvi_uinput_read_leds() hands on to the host.
 *
 * Built with -Duinput=enabled (or auto where <linux/uinput.h> exists); otherwise every call
 * says -EOPNOTSUPP.
 */
#define LOG_MODULE "hvi-uinput"
#include <errno.h>
#include <stdlib.h>

#include "hvi.h"
#include "log.h"

#if HVI_ENABLE_UINPUT

#include <fcntl.h>
#include <linux/uinput.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hvi_keycodes.h"

struct hvi_uinput {
	int fd;
	bool keyboard;
	unsigned leds;
	char sysname[64];
};

static int set_bit(int fd, unsigned long request, int bit)
{
	return ioctl(fd, request, bit) < 0 ? -errno : 0;
}

static int setup_keyboard(int fd, const struct hvi_device *dev)
{
	int ret = set_bit(fd, UI_SET_EVBIT, EV_KEY);
	ret = ret ? ret : set_bit(fd, UI_SET_EVBIT, EV_REP);
	ret = ret ? ret : set_bit(fd, UI_SET_EVBIT, EV_LED);
	for (int code = 1; !ret && code <= KEY_MAX; code++) {
		if (hvi_device_has_event(dev, HVI_EV_KEY, (uint16_t)code))
			ret = set_bit(fd, UI_SET_KEYBIT, code);
	}
	for (int led = HVI_LED_NUML; !ret && led <= HVI_LED_SCROLLL; led++)
		ret = set_bit(fd, UI_SET_LEDBIT, led);
	return ret;
}

static int setup_abs(int fd, const struct hvi_device *dev, uint16_t code)
{
	struct uinput_abs_setup abs = { .code = code };
	int32_t min, max;
	if (hvi_device_get_abs_range(dev, code, &min, &max) < 0)
		return 0;
	abs.absinfo.minimum = min;
	abs.absinfo.maximum = max;
	int ret = set_bit(fd, UI_SET_ABSBIT, code);
	if (!ret && ioctl(fd, UI_ABS_SETUP, &abs) < 0)
		ret = -errno;
	return ret;
}

static int setup_mouse(int fd, const struct hvi_device *dev)
{
	static const uint16_t rels[] = { HVI_REL_X, HVI_REL_Y, HVI_REL_WHEEL };
	int ret = set_bit(fd, UI_SET_EVBIT, EV_KEY);
	for (int b = HVI_BTN_LEFT; !ret && b <= HVI_BTN_TASK; b++) {
		if (hvi_device_has_event(dev, HVI_EV_KEY, (uint16_t)b))
			ret = set_bit(fd, UI_SET_KEYBIT, b);
	}
	if (!ret && (hvi_device_has_event(dev, HVI_EV_ABS, HVI_ABS_X))) {
		ret = set_bit(fd, UI_SET_EVBIT, EV_ABS);
		ret = ret ? ret : setup_abs(fd, dev, HVI_ABS_X);
		ret = ret ? ret : setup_abs(fd, dev, HVI_ABS_Y);
	}
	bool rel_set = false;
	for (size_t i = 0; !ret && i < sizeof(rels) / sizeof(rels[0]); i++) {
		if (!hvi_device_has_event(dev, HVI_EV_REL, rels[i]))
			continue;
		if (!rel_set)
			ret = set_bit(fd, UI_SET_EVBIT, EV_REL);
		rel_set = true;
		ret = ret ? ret : set_bit(fd, UI_SET_RELBIT, rels[i]);
	}
	return ret;
}

static int create_device(struct hvi_uinput *ui, const struct hvi_device *dev)
{
	struct uinput_setup setup = { .id = { .bustype = BUS_VIRTUAL } };
	hvi_device_get_ids(dev, &setup.id.vendor, &setup.id.product, &setup.id.version);
	snprintf(setup.name, sizeof(setup.name), "%s", hvi_device_get_name(dev));
	int ret = ui->keyboard ? setup_keyboard(ui->fd, dev) : setup_mouse(ui->fd, dev);
	if (!ret && ioctl(ui->fd, UI_DEV_SETUP, &setup) < 0)
		ret = -errno;
	if (!ret && ioctl(ui->fd, UI_DEV_CREATE) < 0)
		ret = -errno;
	if (ret)
		return ret;
	if (ioctl(ui->fd, UI_GET_SYSNAME(sizeof(ui->sysname)), ui->sysname) < 0)
		ui->sysname[0] = '\0';
	return 0;
}

int hvi_uinput_create(struct hvi_uinput **out, const struct hvi_device *dev, const char *path)
{
	if (!path)
		path = "/dev/uinput";
	struct hvi_uinput *ui = calloc(1, sizeof(*ui));
	if (!ui)
		return -ENOMEM;
	ui->keyboard = hvi_device_get_kind(dev) == HVI_DEVICE_KEYBOARD;
	ui->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (ui->fd < 0) {
		int ret = -errno;
		log_error("cannot open %s: %s%s", path, strerror(errno),
			ret == -ENOENT ? " (no uinput on this machine: modprobe uinput)" : "");
		free(ui);
		return ret;
	}
	int ret = create_device(ui, dev);
	if (ret < 0) {
		log_error("cannot create the uinput %s: %s", hvi_device_get_name(dev),
			strerror(-ret));
		close(ui->fd);
		free(ui);
		return ret;
	}
	log_info("%s exported as %s", hvi_device_get_name(dev), ui->sysname);
	*out = ui;
	return 0;
}

void hvi_uinput_destroy(struct hvi_uinput *ui)
{
	if (!ui)
		return;
	ioctl(ui->fd, UI_DEV_DESTROY);
	close(ui->fd);
	free(ui);
}

int hvi_uinput_write(struct hvi_uinput *ui, const struct hvi_event *ev)
{
	/* The kernel stamps its own time; ours stays in the hvi event. */
	struct input_event ie = { .type = ev->type, .code = ev->code, .value = ev->value };
	ssize_t n = write(ui->fd, &ie, sizeof(ie));
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(ie) ? 0 : -EIO;
}

const char *hvi_uinput_sysname(const struct hvi_uinput *ui)
{
	return ui->sysname[0] ? ui->sysname : NULL;
}

int hvi_uinput_get_fd(const struct hvi_uinput *ui)
{
	return ui->fd;
}

int hvi_uinput_read_leds(struct hvi_uinput *ui, unsigned *leds)
{
	unsigned before = ui->leds;
	struct input_event ie;
	for (;;) {
		ssize_t n = read(ui->fd, &ie, sizeof(ie));
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return -errno;
		if (n != (ssize_t)sizeof(ie))
			return -EIO;
		if (ie.type != EV_LED || ie.code > HVI_LED_SCROLLL)
			continue;
		if (ie.value)
			ui->leds |= 1u << ie.code;
		else
			ui->leds &= ~(1u << ie.code);
	}
	*leds = ui->leds;
	return ui->leds != before;
}

#else /* !HVI_ENABLE_UINPUT */

int hvi_uinput_create(struct hvi_uinput **out, const struct hvi_device *dev, const char *path)
{
	log_error("built without uinput support (-Duinput=enabled)");
	return -EOPNOTSUPP;
}

void hvi_uinput_destroy(struct hvi_uinput *ui)
{
}

int hvi_uinput_write(struct hvi_uinput *ui, const struct hvi_event *ev)
{
	return -EOPNOTSUPP;
}

const char *hvi_uinput_sysname(const struct hvi_uinput *ui)
{
	return NULL;
}

int hvi_uinput_get_fd(const struct hvi_uinput *ui)
{
	return -1;
}

int hvi_uinput_read_leds(struct hvi_uinput *ui, unsigned *leds)
{
	return -EOPNOTSUPP;
}

#endif
