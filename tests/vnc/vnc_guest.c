/*
 * vnc_guest: a small guest for the VNC tests. It brings the synthetic video up through the real
 * driver (lib svd), shows a fixed detailed pattern (vnc_guest_pattern()) and then:
 *   --anim    scrolls a band of the screen every few milliseconds, forever (DIRT keeps flowing:
 *             the slow-client test watches it go on);
 *   --input   also opens the keyboard and mouse (lib hvi) and prints every event it gets as a
 *             line "ev TYPE CODE VALUE" on stdout.
 * It prints "ready" once the picture is committed (and the input devices are up), then runs
 * until stdin closes or the host goes away. A FEATURE_CHANGE makes the driver send everything
 * again by itself.
 *
 * Usage: vnc_guest VMBUS_SOCKET [--anim] [--input] [--mode WxH]
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "hvi.h"
#include "svd.h"
#include "vmb.h"
#include "vnc_guest.h"

#define TIMEOUT_MS 30000
#define BAND_Y 600
#define BAND_H 100
#define ANIM_NS 8000000

struct guest {
	struct vmb_bus *bus;
	struct svd_device *dev;
	struct svd_fb *fb;
	struct svd_atomic_state state;
	struct hvi_device *kbd, *mouse;
	int timer;
	uint32_t frame;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "vnc_guest: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void draw(struct guest *g)
{
	uint8_t *data = svd_fb_data(g->fb);
	uint32_t pitch = svd_fb_pitch(g->fb);
	for (uint32_t y = 0; y < g->state.mode.height; y++) {
		uint32_t *row = (uint32_t *)(void *)(data + (size_t)y * pitch);
		for (uint32_t x = 0; x < g->state.mode.width; x++)
			row[x] = vnc_guest_pattern(x, y);
	}
}

/* One frame of the band: its rows move up by one and a new row comes in at the bottom. */
static void animate(struct guest *g)
{
	uint64_t ticks;
	if (read(g->timer, &ticks, sizeof(ticks)) != sizeof(ticks))
		return;
	uint8_t *data = svd_fb_data(g->fb);
	uint32_t pitch = svd_fb_pitch(g->fb), w = g->state.mode.width;
	if (g->state.mode.height < BAND_Y + BAND_H)
		return;
	memmove(data + (size_t)BAND_Y * pitch, data + (size_t)(BAND_Y + 1) * pitch,
		(size_t)(BAND_H - 1) * pitch);
	uint32_t *row = (uint32_t *)(void *)(data + (size_t)(BAND_Y + BAND_H - 1) * pitch);
	g->frame++;
	for (uint32_t x = 0; x < w; x++)
		row[x] = vnc_guest_pattern(x + g->frame, g->frame * 3);
	const struct svd_rect band = { 0, BAND_Y, (int32_t)w, BAND_Y + BAND_H };
	g->state.damage = &band;
	g->state.damage_count = 1;
	int ret = svd_atomic_commit(g->dev, &g->state);
	g->state.damage = NULL;
	g->state.damage_count = 0;
	if (ret < 0)
		die("commit", ret);
}

static void print_events(struct hvi_device *dev)
{
	if (!dev)
		return;
	hvi_device_dispatch(dev);
	struct hvi_event ev;
	while (hvi_device_next_event(dev, &ev) == 1) {
		if (ev.type != HVI_EV_SYN)
			printf("ev %u %u %d\n", ev.type, ev.code, ev.value);
	}
	fflush(stdout);
}

static void setup(struct guest *g, const char *path, uint32_t w, uint32_t h, bool input)
{
	const struct vmb_bus_options bo = { .socket_path = path, .timeout_ms = TIMEOUT_MS };
	int ret = vmb_bus_connect_emu(&g->bus, &bo);
	if (ret < 0)
		die("connect", ret);
	const struct svd_device_options so = { .timeout_ms = TIMEOUT_MS };
	if ((ret = svd_device_create(&g->dev, g->bus, &so)) < 0)
		die("svd_device_create", ret);
	if ((ret = svd_fb_create(&g->fb, g->dev, w, h, SVD_FORMAT_XRGB8888, 0, 0, NULL)) < 0)
		die("svd_fb_create", ret);
	g->state = (struct svd_atomic_state){
		.active = true, .mode = { w, h, false }, .primary_fb = g->fb
	};
	draw(g);
	if ((ret = svd_atomic_commit(g->dev, &g->state)) < 0)
		die("commit", ret);
	const struct hvi_options io = { .timeout_ms = TIMEOUT_MS };
	if (input && (ret = hvi_keyboard_create(&g->kbd, g->bus, &io)) < 0)
		die("hvi_keyboard_create", ret);
	if (input && (ret = hvi_mouse_create(&g->mouse, g->bus, &io)) < 0)
		die("hvi_mouse_create", ret);
	if (input)
		hvi_device_set_screen(g->mouse, w, h);
}

static void run(struct guest *g)
{
	for (;;) {
		struct pollfd fds[6] = {
			{ .fd = 0, .events = POLLIN },
			{ .fd = vmb_bus_get_fd(g->bus), .events = POLLIN },
			{ .fd = svd_device_get_fd(g->dev), .events = POLLIN },
			{ .fd = g->kbd ? hvi_device_get_fd(g->kbd) : -1, .events = POLLIN },
			{ .fd = g->mouse ? hvi_device_get_fd(g->mouse) : -1, .events = POLLIN },
			{ .fd = g->timer, .events = POLLIN },
		};
		if (poll(fds, 6, -1) < 0 && errno != EINTR)
			die("poll", errno);
		if (fds[0].revents)
			return; // the test closed our stdin
		if (fds[1].revents && vmb_bus_dispatch(g->bus) < 0)
			return; // the host went away
		if (fds[2].revents && svd_device_dispatch(g->dev) == -ENOTCONN)
			return;
		if (fds[3].revents)
			print_events(g->kbd);
		if (fds[4].revents)
			print_events(g->mouse);
		if (fds[5].revents)
			animate(g);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: vnc_guest VMBUS_SOCKET [--anim] [--input] [--mode WxH]\n");
		return 2;
	}
	struct guest g = { .timer = -1 };
	bool anim = false, input = false;
	unsigned w = 1024, h = 768;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--anim") == 0)
			anim = true;
		else if (strcmp(argv[i], "--input") == 0)
			input = true;
		else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc &&
			sscanf(argv[++i], "%ux%u", &w, &h) == 2)
			continue;
		else
			die("bad argument", EINVAL);
	}
	setup(&g, argv[1], w, h, input);
	if (anim) {
		g.timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		const struct itimerspec its = { { 0, ANIM_NS }, { 0, ANIM_NS } };
		if (g.timer < 0 || timerfd_settime(g.timer, 0, &its, NULL) < 0)
			die("timerfd", errno);
	}
	printf("ready\n");
	fflush(stdout);
	run(&g);
	hvi_device_destroy(g.kbd);
	hvi_device_destroy(g.mouse);
	svd_fb_unref(g.fb);
	svd_device_destroy(g.dev);
	vmb_bus_destroy(g.bus);
	if (g.timer >= 0)
		close(g.timer);
	return 0;
}
