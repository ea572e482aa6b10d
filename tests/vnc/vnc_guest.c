/*
 * vnc_guest: a small guest for the VNC tests. It brings the synthetic video up through the real
 * driver (lib svd), shows a fixed detailed pattern (vnc_guest_pattern()) and then:
 *   --anim    scrolls a band of the screen every few milliseconds, forever (DIRT keeps flowing:
 *             the slow-client test watches it go on);
 *   --input   also opens the keyboard and mouse (lib hvi) and prints every event it gets as a
 *             line "ev TYPE CODE VALUE" on stdout.
 * It prints "ready" once the picture is committed (and the input devices are up), then runs
 * until stdin closes or the host goes away. A FEATURE_CHANGE makes the driver send everything
 * again by itself. Lines on stdin: "mode WxH" switches to that mode with the pattern drawn
 * anew and prints "mode WxH" once it is committed; "shift N" draws the pattern N pixels to the
 * left (vnc_guest_pattern(x + N, y)), commits it whole and prints "shift N"; "still" stops
 * --anim and prints "still"; "cursor X Y" shows a 16x16 arrow, opaque pixels and clear ones
 * only, with its tip at (X, Y), and prints "cursor X Y".
 *
 * Usage: vnc_guest VMBUS_SOCKET [--anim] [--input] [--mode WxH]
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
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
	struct svd_fb *fb, *cursor;
	struct svd_atomic_state state;
	struct hvi_device *kbd, *mouse;
	int timer;
	uint32_t frame;
	uint32_t shift; // of the pattern, in pixels
	char cmd[64];   // a stdin line so far
	size_t cmd_len;
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
			row[x] = vnc_guest_pattern(x + g->shift, y);
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

/* The same framebuffer redrawn: no clips would mean nothing changed (svd.h). */
static void commit_all(struct guest *g)
{
	const struct svd_rect all = { 0, 0, (int32_t)g->state.mode.width,
		(int32_t)g->state.mode.height };
	g->state.damage = &all;
	g->state.damage_count = 1;
	int ret = svd_atomic_commit(g->dev, &g->state);
	g->state.damage = NULL;
	g->state.damage_count = 0;
	if (ret < 0)
		die("commit", ret);
}

/* Premultiplied ARGB: a white arrow outlined in black, clear around it. */
static void set_cursor(struct guest *g, int32_t x, int32_t y)
{
	if (!g->cursor) {
		int ret =
			svd_fb_create(&g->cursor, g->dev, 16, 16, SVD_FORMAT_ARGB8888, 0, 0, NULL);
		if (ret < 0)
			die("svd_fb_create", ret);
		uint8_t *data = svd_fb_data(g->cursor);
		for (uint32_t cy = 0; cy < 16; cy++) {
			uint32_t *row = (uint32_t *)(void *)(data + cy * svd_fb_pitch(g->cursor));
			for (uint32_t cx = 0; cx < 16; cx++)
				row[cx] = cx > cy                         ? 0
					: cx == 0 || cx == cy || cy == 15 ? 0xff000000
									  : 0xffffffff;
		}
		g->state.cursor_fb = g->cursor;
	}
	g->state.cursor_x = x;
	g->state.cursor_y = y;
	int ret = svd_atomic_commit(g->dev, &g->state);
	if (ret < 0)
		die("commit", ret);
	printf("cursor %d %d\n", x, y);
	fflush(stdout);
}

static void set_mode(struct guest *g, uint32_t w, uint32_t h)
{
	struct svd_fb *fb;
	int ret = svd_fb_create(&fb, g->dev, w, h, SVD_FORMAT_XRGB8888, 0, 0, NULL);
	if (ret < 0)
		die("svd_fb_create", ret);
	svd_fb_unref(g->fb);
	g->fb = fb;
	g->state.mode = (struct svd_mode){ w, h, false };
	g->state.primary_fb = fb;
	draw(g);
	if ((ret = svd_atomic_commit(g->dev, &g->state)) < 0)
		die("commit", ret);
	if (g->mouse)
		hvi_device_set_screen(g->mouse, w, h);
	printf("mode %ux%u\n", w, h);
	fflush(stdout);
}

/* A command line from the test; false at the end of stdin. */
static bool read_command(struct guest *g)
{
	ssize_t n = read(0, g->cmd + g->cmd_len, sizeof(g->cmd) - 1 - g->cmd_len);
	if (n <= 0)
		return n < 0 && errno == EINTR;
	g->cmd_len += (size_t)n;
	g->cmd[g->cmd_len] = '\0';
	char *nl;
	while ((nl = strchr(g->cmd, '\n'))) {
		*nl = '\0';
		unsigned w, h;
		if (sscanf(g->cmd, "mode %ux%u", &w, &h) == 2) {
			set_mode(g, w, h);
		} else if (sscanf(g->cmd, "shift %u", &w) == 1) {
			g->shift = w;
			draw(g);
			commit_all(g);
			printf("shift %u\n", w);
			fflush(stdout);
		} else if (sscanf(g->cmd, "cursor %u %u", &w, &h) == 2) {
			set_cursor(g, (int32_t)w, (int32_t)h);
		} else if (strcmp(g->cmd, "still") == 0) {
			if (g->timer >= 0)
				close(g->timer);
			g->timer = -1;
			printf("still\n");
			fflush(stdout);
		} else {
			die("bad command", EINVAL);
		}
		g->cmd_len -= (size_t)(nl + 1 - g->cmd);
		memmove(g->cmd, nl + 1, g->cmd_len + 1);
	}
	if (g->cmd_len == sizeof(g->cmd) - 1)
		die("command too long", EINVAL);
	return true;
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
		if (fds[0].revents && !read_command(g))
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
	svd_fb_unref(g.cursor);
	svd_device_destroy(g.dev);
	vmb_bus_destroy(g.bus);
	if (g.timer >= 0)
		close(g.timer);
	return 0;
}
