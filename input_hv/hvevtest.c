/*
 * hvevtest: prints the events of the synthetic keyboard and mouse as evtest does, for people
 * debugging input. Connects to the VMBus (hvhost's emulated one), opens both devices and prints
 * every event with its time; --uinput also exports them as kernel input devices, so what a
 * desktop sees can be compared with what the host sent.
 */
#define LOG_MODULE "hvevtest"
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvi.h"
#include "log.h"
#include "loop.h"
#include "vmb.h"

struct source {
	struct app *app;
	struct hvi_device *dev;
	struct hvi_uinput *ui;
	const char *label;
};

struct app {
	struct loop *loop;
	struct vmb_bus *bus;
	struct hvi_record *rec;
	struct source kbd, mouse;
};

struct options {
	const char *vmbus;
	bool uinput, no_keyboard, no_mouse;
	uint32_t screen_w, screen_h;
	int timeout_ms;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hvevtest [OPTION]...\n"
		"Prints the events of the Hyper-V synthetic keyboard and mouse, like evtest.\n"
		"\n"
		"  --vmbus PATH       VMBus socket of the emulated host (default: as hvhost)\n"
		"  --uinput           also export the devices through /dev/uinput\n"
		"  --screen WxH       report mouse positions in pixels of a WxH screen\n"
		"  --no-keyboard, --no-mouse   leave that device alone\n"
		"  --timeout MS       bring-up timeout (default 10000)\n"
		"  --help             this text\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
		{ "vmbus", required_argument, NULL, 'v' },
		{ "uinput", no_argument, NULL, 'u' },
		{ "screen", required_argument, NULL, 's' },
		{ "no-keyboard", no_argument, NULL, 'K' },
		{ "no-mouse", no_argument, NULL, 'M' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (opt) {
		case 'v':
			o->vmbus = optarg;
			break;
		case 'u':
			o->uinput = true;
			break;
		case 's':
			if (sscanf(optarg, "%ux%u", &o->screen_w, &o->screen_h) != 2 ||
				!o->screen_w || !o->screen_h) {
				fprintf(stderr, "hvevtest: bad --screen '%s' (e.g. 1024x768)\n",
					optarg);
				return 2;
			}
			break;
		case 'K':
			o->no_keyboard = true;
			break;
		case 'M':
			o->no_mouse = true;
			break;
		case 't':
			o->timeout_ms = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	return 0;
}

static void print_device(const struct source *s)
{
	uint16_t vendor, product, version;
	hvi_device_get_ids(s->dev, &vendor, &product, &version);
	printf("%s: \"%s\" vendor 0x%04x product 0x%04x version 0x%04x\n", s->label,
		hvi_device_get_name(s->dev), vendor, product, version);
	int32_t min, max;
	for (uint16_t code = HVI_ABS_X; code <= HVI_ABS_Y; code++) {
		if (hvi_device_get_abs_range(s->dev, code, &min, &max) == 0)
			printf("  %s range %d..%d\n", code == HVI_ABS_X ? "ABS_X" : "ABS_Y", min,
				max);
	}
	fflush(stdout);
}

static void on_device(void *data, int fd, short revents)
{
	struct source *s = data;
	if (!s->dev)
		return;
	int ret = hvi_device_dispatch(s->dev);
	struct hvi_event ev;
	while (hvi_device_next_event(s->dev, &ev) == 1) {
		if (hvi_record_event(s->app->rec, &ev) < 0)
			loop_quit(s->app->loop);
		if (s->ui && hvi_uinput_write(s->ui, &ev) < 0)
			log_warn("%s: uinput write failed", s->label);
	}
	fflush(stdout);
	if (ret == -ENOTCONN) {
		fprintf(stderr, "hvevtest: the host went away\n");
		loop_quit(s->app->loop);
	}
}

static void on_leds(void *data, int fd, short revents)
{
	struct source *s = data;
	unsigned leds;
	if (hvi_uinput_read_leds(s->ui, &leds) == 1)
		hvi_device_set_leds(s->dev, leds);
}

static void on_bus(void *data, int fd, short revents)
{
	struct app *app = data;
	if (vmb_bus_dispatch(app->bus) == -ENOTCONN) {
		/* The devices heard it too: let them release held keys first. */
		on_device(&app->kbd, -1, 0);
		on_device(&app->mouse, -1, 0);
		loop_quit(app->loop);
	}
}

static int open_source(struct app *app, struct source *s, const struct options *o, bool mouse)
{
	const struct hvi_options hopts = { .timeout_ms = o->timeout_ms };
	s->app = app;
	s->label = mouse ? "mouse" : "keyboard";
	int ret = mouse ? hvi_mouse_create(&s->dev, app->bus, &hopts)
			: hvi_keyboard_create(&s->dev, app->bus, &hopts);
	if (ret < 0) {
		fprintf(stderr, "hvevtest: no %s: %s\n", s->label, strerror(-ret));
		return ret;
	}
	if (mouse && o->screen_w)
		hvi_device_set_screen(s->dev, o->screen_w, o->screen_h);
	print_device(s);
	if (o->uinput) {
		ret = hvi_uinput_create(&s->ui, s->dev, NULL);
		if (ret < 0) {
			fprintf(stderr, "hvevtest: cannot export the %s through uinput: %s\n",
				s->label, strerror(-ret));
			return ret;
		}
		printf("%s: exported as %s\n", s->label, hvi_uinput_sysname(s->ui));
		if (!mouse && !loop_add_fd(app->loop, hvi_uinput_get_fd(s->ui), POLLIN, on_leds, s))
			return -ENOMEM;
	}
	if (!loop_add_fd(app->loop, hvi_device_get_fd(s->dev), POLLIN, on_device, s))
		return -ENOMEM;
	return 0;
}

/* What was dropped or ignored, for whoever is debugging why an event did not come. */
static void print_stats(const struct source *s)
{
	if (!s->dev)
		return;
	struct hvi_stats st;
	hvi_device_get_stats(s->dev, &st);
	fprintf(stderr,
		"%s: %llu messages, %llu rejected, %llu completions, %llu frames, %llu unicode, "
		"%llu unknown codes, %llu reports ignored, %llu keys released on loss, "
		"%llu reopens\n",
		s->label, (unsigned long long)st.rx_messages, (unsigned long long)st.rx_rejected,
		(unsigned long long)st.rx_completions, (unsigned long long)st.frames,
		(unsigned long long)st.unicode_dropped, (unsigned long long)st.unknown_codes,
		(unsigned long long)st.reports_ignored, (unsigned long long)st.lost_releases,
		(unsigned long long)st.reopens);
}

static void teardown(struct app *app)
{
	print_stats(&app->kbd);
	print_stats(&app->mouse);
	hvi_uinput_destroy(app->kbd.ui);
	hvi_uinput_destroy(app->mouse.ui);
	hvi_device_destroy(app->kbd.dev);
	hvi_device_destroy(app->mouse.dev);
	hvi_record_destroy(app->rec);
	vmb_bus_destroy(app->bus);
	loop_destroy(app->loop);
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	int status = parse_options(argc, argv, &o);
	if (status)
		return status;
	struct app app = { 0 };
	app.loop = loop_create();
	if (!app.loop || hvi_record_create(&app.rec, stdout) < 0)
		return 1;
	const struct vmb_bus_options bopts = { .socket_path = o.vmbus };
	int ret = vmb_bus_connect_emu(&app.bus, &bopts);
	if (ret < 0) {
		fprintf(stderr, "hvevtest: cannot connect to the VMBus: %s\n", strerror(-ret));
		teardown(&app);
		return 1;
	}
	if (!loop_add_fd(app.loop, vmb_bus_get_fd(app.bus), POLLIN, on_bus, &app))
		ret = -ENOMEM;
	if (ret == 0 && !o.no_keyboard)
		ret = open_source(&app, &app.kbd, &o, false);
	if (ret == 0 && !o.no_mouse)
		ret = open_source(&app, &app.mouse, &o, true);
	if (ret == 0) {
		printf("Testing ... (interrupt to exit)\n");
		fflush(stdout);
		ret = loop_run(app.loop);
	}
	teardown(&app);
	return ret < 0 ? 1 : 0;
}
