/*
 * vm-pattern: draws a known picture through the shim's kms output, one step at a time, so the
 * vm suite can compare QEMU's screen with it pixel for pixel. Only the shim's public API.
 *
 * Each step commits one buffer and waits until the frame reached the output, then prints
 *
 *   ready STEP WxH SPEC
 *
 * where SPEC says what the whole screen must show (tests/vm/run-vm.py draws the same): "P" is
 * the base pattern (colour bars, a grey ramp, a checkerboard), then "R:x,y,w,h,rrggbb" fills in
 * order. The program then waits for a line on stdin before the next step and exits at EOF.
 *
 * Steps: the pattern with full damage, then three small rectangles, each the only damage of
 * its frame, the last one overlapping the first. With two output buffers flipping, every frame
 * lands in a buffer that missed the previous frame's change, so the screen shows whether the
 * output repaired it (buffer age) and whether the device showed all of it.
 *
 * Usage: vm-pattern [--legacy] [/dev/dri/card0]
 *   --legacy   no atomic modesetting (shim_kms_options.force_legacy): SetCrtc once, then DIRTYFB
 */
#define LOG_MODULE "vm-pattern"
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

struct fill {
	int32_t x, y, w, h;
	uint32_t rgb;
};

/* The base pattern; run-vm.py's pattern_pixel() is the same formula. */
static uint32_t pattern_pixel(uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	static const uint32_t bars[8] = { 0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff,
		0xff0000, 0x0000ff, 0x000000 };
	if (y < h / 2)
		return bars[x * 8 / w];
	if (y >= h * 3 / 4 && y < h * 3 / 4 + 32) {
		uint32_t g = x * 255 / (w - 1);
		return g << 16 | g << 8 | g;
	}
	return ((x / 16 + y / 16) & 1) ? 0xffffff : 0x000000;
}

static const struct fill fills[] = {
	{ 101, 53, 77, 31, 0xff8000 }, { 600, 500, 64, 48, 0x00c060 },
	{ 150, 70, 90, 60, 0x8040ff }, // over the first one's corner
};
#define N_STEPS 4

struct app {
	struct shim *shim;
	struct shim_surface *surface;
	uint32_t w, h;
	bool frame_done;
	char spec[512];
};

static void on_frame(void *data, struct shim_surface *surface, uint64_t time_ns)
{
	struct app *app = data;
	(void)surface;
	(void)time_ns;
	app->frame_done = true;
}

static void fill_rect(pixman_image_t *img, const struct fill *f)
{
	pixman_color_t c = { .red = (uint16_t)((f->rgb >> 16 & 0xff) * 0x101),
		.green = (uint16_t)((f->rgb >> 8 & 0xff) * 0x101),
		.blue = (uint16_t)((f->rgb & 0xff) * 0x101),
		.alpha = 0xffff };
	pixman_box32_t box = { f->x, f->y, f->x + f->w, f->y + f->h };
	pixman_image_fill_boxes(PIXMAN_OP_SRC, img, &c, 1, &box);
}

/* The buffer for a step: the pattern plus every fill so far. */
static pixman_image_t *draw_step(const struct app *app, int step)
{
	pixman_image_t *img =
		pixman_image_create_bits(PIXMAN_x8r8g8b8, (int)app->w, (int)app->h, NULL, 0);
	if (!img)
		return NULL;
	uint32_t *px = pixman_image_get_data(img);
	size_t stride = (size_t)pixman_image_get_stride(img) / sizeof(*px);
	for (uint32_t y = 0; y < app->h; y++)
		for (uint32_t x = 0; x < app->w; x++)
			px[y * stride + x] = pattern_pixel(x, y, app->w, app->h);
	for (int i = 0; i < step; i++)
		fill_rect(img, &fills[i]);
	return img;
}

static int commit_step(struct app *app, int step)
{
	pixman_image_t *img = draw_step(app, step);
	if (!img)
		return -ENOMEM;
	struct shim_buffer *buf;
	int ret = shim_buffer_create(&buf, img, NULL, NULL);
	pixman_image_unref(img);
	if (ret < 0)
		return ret;
	shim_surface_attach(app->surface, buf);
	shim_buffer_unref(buf);
	if (step > 0) {
		const struct fill *f = &fills[step - 1];
		ret = shim_surface_damage(app->surface, f->x, f->y, f->w, f->h);
		if (ret < 0)
			return ret;
		size_t len = strlen(app->spec);
		snprintf(app->spec + len, sizeof(app->spec) - len, " R:%d,%d,%d,%d,%06x", f->x,
			f->y, f->w, f->h, f->rgb);
	}
	app->frame_done = false;
	shim_surface_request_frame(app->surface, on_frame, app);
	return shim_surface_commit(app->surface);
}

/* Dispatches the shim until the step's frame is out (fd 0 is watched only for EOF). */
static int wait_frame(struct app *app)
{
	while (!app->frame_done) {
		struct pollfd pfd = { .fd = shim_get_fd(app->shim), .events = POLLIN };
		int timeout = shim_get_timeout_ms(app->shim);
		if (pfd.fd < 0 && timeout < 0)
			return -EIO; // nothing would ever wake us
		if (poll(&pfd, pfd.fd < 0 ? 0 : 1, timeout < 0 ? 10000 : timeout) < 0 &&
			errno != EINTR)
			return -errno;
		int ret = shim_dispatch(app->shim);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int run(struct app *app)
{
	for (int step = 0; step < N_STEPS; step++) {
		int ret = commit_step(app, step);
		if (ret == 0)
			ret = wait_frame(app);
		if (ret < 0) {
			fprintf(stderr, "vm-pattern: step %d: %s\n", step, strerror(-ret));
			return 1;
		}
		printf("ready %d %ux%u %s\n", step, app->w, app->h, app->spec);
		fflush(stdout);
		char line[64];
		if (!fgets(line, sizeof(line), stdin))
			return 0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct shim_kms_options kms = { .device = "/dev/dri/card0" };
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--legacy") == 0)
			kms.force_legacy = true;
		else
			kms.device = argv[i];
	}
	struct shim_output *output;
	int ret = shim_output_kms_create(&output, &kms);
	if (ret < 0) {
		fprintf(stderr, "vm-pattern: no kms output on %s: %s\n", kms.device,
			strerror(-ret));
		return 1;
	}
	struct app app = { .spec = "P" };
	ret = shim_create(&app.shim, output, NULL);
	if (ret < 0) {
		shim_output_destroy(output);
		fprintf(stderr, "vm-pattern: shim: %s\n", strerror(-ret));
		return 1;
	}
	shim_get_size(app.shim, &app.w, &app.h);
	int code = 1;
	if (shim_surface_create(app.shim, &app.surface) == 0) {
		code = run(&app);
		shim_surface_destroy(app.surface);
	}
	shim_destroy(app.shim);
	return code;
}
