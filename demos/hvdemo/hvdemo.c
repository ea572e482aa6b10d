/*
 * hvdemo: a guest that shows damage at work. It connects to the (emulated) VMBus, brings the
 * synthetic video driver up, takes the host's preferred mode and draws moving shapes at about
 * 30 frames a second, committing exactly what changed in each frame. Run hvhost with
 * --show-damage to see every DIRT rectangle outlined.
 *
 * It waits for the host (so it can start right after hvhost) and survives it going away: the
 * driver keeps the picture, and a host that comes back gets all of it again.
 */
#define LOG_MODULE "hvdemo"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "loop.h"
#include "scene.h"
#include "svd.h"
#include "vmb.h"

#define FRAME_MS 33
#define RETRY_MS 250

struct demo {
	const char *vmbus_path; // NULL: the default resolution
	long max_frames;        // 0: forever
	long frames;
	struct vmb_bus *bus;
	struct svd_device *dev;
	struct svd_fb *fb;
	struct scene *scene;
	bool modes_changed;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hvdemo [--vmbus PATH] [--frames N]\n"
		"Draws moving shapes through the synthetic video driver, with exact damage.\n"
		"  --vmbus PATH  VMBus socket (default: $HVDISPLAY_VMBUS, then hvhost's default)\n"
		"  --frames N    stop after N frames (default: run until killed)\n");
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Connects, retrying while there is no host (or it serves someone else). */
static int connect_bus(struct demo *d)
{
	const struct vmb_bus_options opts = { .socket_path = d->vmbus_path };
	enum log_level level = log_get_level();
	int ret;
	for (bool retrying = false;; retrying = true) {
		ret = vmb_bus_connect_emu(&d->bus, &opts);
		if (ret != -ECONNREFUSED && ret != -ENOENT && ret != -EBUSY && ret != -ENOTCONN &&
			ret != -ETIMEDOUT)
			break;
		if (!retrying) {
			log_info("waiting for the host (%s)", strerror(-ret));
			/* Said once: the transport need not say it again four times a second. */
			if (level > LOG_WARN)
				log_set_level(LOG_WARN);
		}
		pause_ms(RETRY_MS);
	}
	log_set_level(level);
	if (ret < 0) {
		log_error("cannot connect to the host: %s", strerror(-ret));
		return ret;
	}
	log_info("connected to the host (VMBus %u.%u)", vmb_bus_version(d->bus) >> 16,
		vmb_bus_version(d->bus) & 0xffff);
	return 0;
}

static void on_modes_changed(void *data)
{
	struct demo *d = data;
	d->modes_changed = true;
}

/* The host's preferred mode (or its first), with a fresh framebuffer and scene for it. */
static int pick_mode(struct demo *d)
{
	struct svd_connector *conn = svd_device_get_connector(d->dev);
	struct svd_mode mode;
	if (svd_connector_get_preferred_mode(conn, &mode) < 0 &&
		svd_connector_get_mode(conn, 0, &mode) < 0) {
		log_error("the host offers no mode that fits its VRAM");
		return -ENOSPC;
	}
	if (d->fb && svd_fb_width(d->fb) == mode.width && svd_fb_height(d->fb) == mode.height)
		return 0;
	struct svd_fb *fb = NULL;
	int ret = svd_fb_create(
		&fb, d->dev, mode.width, mode.height, SVD_FORMAT_XRGB8888, 0, 0, NULL);
	if (ret < 0) {
		log_error("no framebuffer for %ux%u: %s", mode.width, mode.height, strerror(-ret));
		return ret;
	}
	svd_fb_unref(d->fb);
	scene_destroy(d->scene);
	d->fb = fb;
	d->scene = scene_create(mode.width, mode.height);
	log_info("drawing at %ux%u", mode.width, mode.height);
	return 0;
}

static int frame(struct demo *d)
{
	struct svd_rect damage[SCENE_MAX_DAMAGE];
	size_t n = scene_draw(d->scene, svd_fb_data(d->fb), svd_fb_pitch(d->fb), damage);
	struct svd_atomic_state st = {
		.active = true,
		.mode = { svd_fb_width(d->fb), svd_fb_height(d->fb), false },
		.primary_fb = d->fb,
		.damage = damage,
		.damage_count = n,
	};
	int ret = svd_atomic_commit(d->dev, &st);
	if (ret < 0)
		log_error("commit: %s", strerror(-ret));
	d->frames++;
	return ret;
}

/* The host went: wait for it to come back, and show it everything again. */
static int reconnect(struct demo *d)
{
	log_info("the host went away; waiting for it to come back");
	for (;;) {
		svd_device_detach(d->dev);
		vmb_bus_destroy(d->bus);
		d->bus = NULL;
		int ret = connect_bus(d);
		if (ret < 0)
			return ret;
		ret = svd_device_attach(d->dev, d->bus);
		if (ret == 0)
			return 0;
		log_warn("bringing video up again failed (%s); retrying", strerror(-ret));
		pause_ms(RETRY_MS);
	}
}

/* Handles what the bus and the device have; 0, or an error that ends the demo. */
static int dispatch(struct demo *d, const struct pollfd *fds)
{
	int ret = 0;
	if (fds[0].revents)
		ret = vmb_bus_dispatch(d->bus);
	if (ret == 0 && fds[1].revents)
		ret = svd_device_dispatch(d->dev);
	if (ret == -ENOTCONN)
		return reconnect(d);
	if (ret < 0)
		log_warn("video: %s (waiting for the device to be offered again)", strerror(-ret));
	if (d->modes_changed) {
		d->modes_changed = false;
		return pick_mode(d);
	}
	return 0;
}

static int run(struct demo *d)
{
	int64_t next = loop_now_ms();
	while (!d->max_frames || d->frames < d->max_frames) {
		int64_t wait = next - loop_now_ms();
		struct pollfd fds[2] = {
			{ .fd = vmb_bus_get_fd(d->bus), .events = POLLIN },
			{ .fd = svd_device_get_fd(d->dev), .events = POLLIN },
		};
		int n = poll(fds, 2, wait > 0 ? (int)wait : 0);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0 && dispatch(d, fds) < 0)
			return -1;
		if (loop_now_ms() < next)
			continue;
		frame(d);
		next += FRAME_MS;
		if (next < loop_now_ms())
			next = loop_now_ms() + FRAME_MS; // fell behind: no burst to catch up
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct demo *d)
{
	static const struct option options[] = {
		{ "vmbus", required_argument, NULL, 'v' },
		{ "frames", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		char *end;
		switch (opt) {
		case 'v':
			d->vmbus_path = optarg;
			break;
		case 'n':
			d->max_frames = strtol(optarg, &end, 10);
			if (*end || d->max_frames <= 0) {
				fprintf(stderr, "hvdemo: bad --frames '%s'\n", optarg);
				return 2;
			}
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

int main(int argc, char **argv)
{
	struct demo d = { 0 };
	int status = parse_args(argc, argv, &d);
	if (status)
		return status;
	if (connect_bus(&d) < 0)
		return 1;
	const struct svd_device_options opts = { .modes_changed = on_modes_changed, .data = &d };
	int ret = svd_device_create(&d.dev, d.bus, &opts);
	if (ret < 0) {
		log_error("no synthetic video: %s", strerror(-ret));
		vmb_bus_destroy(d.bus);
		return 1;
	}
	ret = pick_mode(&d);
	if (ret == 0)
		ret = run(&d);
	log_info("%ld frames drawn", d.frames);
	svd_fb_unref(d.fb);
	scene_destroy(d.scene);
	svd_device_destroy(d.dev);
	vmb_bus_destroy(d.bus);
	return ret < 0 ? 1 : 0;
}
