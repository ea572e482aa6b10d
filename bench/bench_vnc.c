/*
 * hvhost's VNC server (issue 7) against libvncserver's own way of serving a changing picture,
 * in the same run, for one viewer reading as fast as it can (raw encoding, over loopback TCP).
 *
 * Workloads, 1024x768 at a steady 60 frames per second for FRAMES frames:
 *  - console-type:   a console echoing typing: one 8x16 character cell and the cursor's per frame;
 *  - console-scroll: a console printing a line per frame: everything moves up 16 rows;
 *  - playback:       hvplay's picture: a 640x360 video in the middle, the rest still.
 * Servers:
 *  - hvhost:   the real hvhost --vnc, the frames drawn by an in-process guest through the real
 *              driver (lib svd), so the updates follow the guest's DIRT rectangles;
 *  - lvs-full: libvncserver in this process with the whole frame marked modified every frame,
 *              as a server without damage tracking (libvncserver's examples, a VRAM poller);
 *  - lvs-rect: the same with exactly the changed rectangles marked: libvncserver's best case,
 *              without the VMBus, hvhost's copies and its pump in between.
 * Figures: frames the source produced, FramebufferUpdates the viewer received per second,
 * bytes it received (total and per frame). Fewer bytes for the same picture is the point of
 * DIRT. Updates coalesce, so updates/s exceed the frame rate only when hvhost cuts a large
 * change into bands of rows (progressive slices, hvh_vnc.c) that go out one per request.
 *
 * Usage: bench_vnc [frames]   (default 300). hvhost: $HVHOST, else the one built beside this.
 */
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <rfb/rfb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "hvhost_harness.h"
#include "rfb_client.h"
#include "svd.h"
#include "vmb.h"

#define W 1024
#define H 768
#define FPS 60
#define CELL_W 8
#define CELL_H 16
#define MAX_RECTS 2

enum workload { CONSOLE_TYPE, CONSOLE_SCROLL, PLAYBACK };
static const char *const workload_names[] = { "console-type", "console-scroll", "playback" };

struct rect {
	int x1, y1, x2, y2;
};

/* ---- the pictures: the same bytes for every server ---- */

static uint32_t hash(uint32_t v)
{
	v ^= v >> 16;
	v *= 0x7feb352d;
	v ^= v >> 15;
	v *= 0x846ca68b;
	return v ^ (v >> 16);
}

/* A text-like cell: a made-up 8x16 glyph of character ch, light on dark. */
static void draw_cell(uint32_t *px, size_t stride, int col, int row, uint32_t ch)
{
	for (int y = 0; y < CELL_H; y++) {
		uint32_t bits = y < 2 || y > 13 ? 0 : hash(ch * 31 + (uint32_t)y) & 0x7e;
		uint32_t *p = px + (size_t)(row * CELL_H + y) * stride + (size_t)col * CELL_W;
		for (int x = 0; x < CELL_W; x++)
			p[x] = bits >> x & 1 ? 0xd0d0d0 : 0x101018;
	}
}

/* Frame k of the workload into px; the changed rectangles into r, their number returned. */
static int draw_frame(enum workload w, uint32_t k, uint32_t *px, size_t stride, struct rect *r)
{
	const int cols = W / CELL_W, rows = H / CELL_H;
	switch (w) {
	case CONSOLE_TYPE: {
		int col = (int)(k % (uint32_t)cols),
		    row = (int)(k / (uint32_t)cols % (uint32_t)rows);
		draw_cell(px, stride, col, row, k);
		int next = (col + 1) % cols, next_row = next ? row : (row + 1) % rows;
		for (int y = 0; y < CELL_H; y++) // the cursor, a block
			for (int x = 0; x < CELL_W; x++)
				px[(size_t)(next_row * CELL_H + y) * stride +
					(size_t)(next * CELL_W + x)] = 0xd0d0d0;
		r[0] = (struct rect){ col * CELL_W, row * CELL_H, (col + 1) * CELL_W,
			(row + 1) * CELL_H };
		r[1] = (struct rect){ next * CELL_W, next_row * CELL_H, (next + 1) * CELL_W,
			(next_row + 1) * CELL_H };
		return 2;
	}
	case CONSOLE_SCROLL:
		memmove(px, px + (size_t)CELL_H * stride, (size_t)(H - CELL_H) * stride * 4);
		for (int c = 0; c < cols; c++)
			draw_cell(px, stride, c, rows - 1, k * 131 + (uint32_t)c);
		r[0] = (struct rect){ 0, 0, W, H };
		return 1;
	case PLAYBACK: {
		const int vw = 640, vh = 360, x0 = (W - vw) / 2, y0 = (H - vh) / 2;
		for (int y = 0; y < vh; y++) {
			uint32_t *p = px + (size_t)(y0 + y) * stride + x0;
			for (int x = 0; x < vw; x++)
				p[x] = (uint32_t)((x + (int)k * 3) & 0xff) << 16 |
					(uint32_t)((y + (int)k) & 0xff) << 8 |
					(hash((uint32_t)(x / 4 + y / 4 * 160) + k / 4) & 0x3f);
		}
		r[0] = (struct rect){ x0, y0, x0 + vw, y0 + vh };
		return 1;
	}
	}
	return 0;
}

static void draw_start(uint32_t *px, size_t stride)
{
	for (size_t y = 0; y < H; y++)
		for (size_t x = 0; x < W; x++)
			px[y * stride + x] = 0x101018;
}

/* ---- the viewer: a thread that shakes hands, then reads updates and asks for the next ---- */

struct viewer {
	struct rfb_client c;
	pthread_t thread;
	atomic_bool ready, failed, stop;
	atomic_uint_fast64_t updates, bytes; // published after every message
};

static void *viewer_run(void *data)
{
	static const int32_t enc[] = { RFB_ENC_RAW, RFB_ENC_RICH_CURSOR };
	struct viewer *v = data;
	if (rfb_client_handshake(&v->c, NULL, enc, 2) < 0) {
		atomic_store(&v->failed, true);
		return NULL;
	}
	atomic_store(&v->ready, true);
	while (!atomic_load(&v->stop)) {
		int t = rfb_client_read(&v->c, 100);
		if (t == -ETIMEDOUT)
			continue;
		if (t < 0 || (t == 0 && rfb_client_request(&v->c, true) < 0)) {
			atomic_store(&v->failed, true);
			break;
		}
		atomic_store(&v->updates, v->c.updates);
		atomic_store(&v->bytes, v->c.bytes_read);
	}
	return NULL;
}

/* A thread for v, connected already; its handshake runs while the caller serves it. */
static int viewer_start(struct viewer *v)
{
	return pthread_create(&v->thread, NULL, viewer_run, v) == 0 ? 0 : -EAGAIN;
}

static void viewer_stop(struct viewer *v)
{
	atomic_store(&v->stop, true);
	pthread_join(v->thread, NULL);
	rfb_client_close(&v->c);
}

/* ---- one run: a server, a source of frames, one viewer ---- */

struct server {
	const char *name;
	void *data;
	void (*idle)(void *data, int timeout_ms);               // serve for a moment
	void (*frame)(void *data, const struct rect *r, int n); // the frame in px is done
	uint32_t *px;
	size_t stride;
};

struct result {
	const char *server;
	uint32_t frames;
	double seconds;
	uint64_t updates, bytes;
};

/* Serves until cond holds or seconds pass; false on the timeout. */
static bool serve_until(struct server *s, atomic_bool *cond, atomic_bool *failed, double seconds)
{
	double end = bench_now_s() + seconds;
	while (!atomic_load(cond) && !atomic_load(failed) && bench_now_s() < end)
		s->idle(s->data, 5);
	return atomic_load(cond);
}

static int run(
	struct server *s, struct viewer *v, enum workload w, uint32_t frames, struct result *out)
{
	if (viewer_start(v) < 0 || !serve_until(s, &v->ready, &v->failed, 10))
		return -EIO;
	/* Settle: the first picture out, then count from zero. */
	double settle = bench_now_s() + 0.5;
	while (bench_now_s() < settle)
		s->idle(s->data, 5);
	uint64_t updates0 = atomic_load(&v->updates), bytes0 = atomic_load(&v->bytes);
	int timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	const struct itimerspec its = { { 0, 1000000000 / FPS }, { 0, 1000000000 / FPS } };
	if (timer < 0 || timerfd_settime(timer, 0, &its, NULL) < 0)
		return -errno;
	double t0 = bench_now_s();
	for (uint32_t k = 0; k < frames; k++) {
		for (;;) { // until the next tick, serving
			struct pollfd pfd = { .fd = timer, .events = POLLIN };
			uint64_t ticks;
			if (poll(&pfd, 1, 0) > 0 && read(timer, &ticks, sizeof(ticks)) > 0)
				break;
			s->idle(s->data, 1);
		}
		struct rect r[MAX_RECTS];
		int n = draw_frame(w, k, s->px, s->stride, r);
		s->frame(s->data, r, n);
	}
	double t1 = bench_now_s();
	close(timer);
	/* What is still on its way when the source stops counts too. */
	while (bench_now_s() < t1 + 0.25)
		s->idle(s->data, 5);
	*out = (struct result){ s->name, frames, t1 - t0, atomic_load(&v->updates) - updates0,
		atomic_load(&v->bytes) - bytes0 };
	return atomic_load(&v->failed) ? -EIO : 0;
}

static void print_result(enum workload w, const struct result *r)
{
	printf("%-15s %-9s %6u %8.1f %10.1f %10.2f %12.0f\n", workload_names[w], r->server,
		r->frames, (double)r->frames / r->seconds, (double)r->updates / r->seconds,
		(double)r->bytes / (1024.0 * 1024.0), (double)r->bytes / r->frames);
}

/* ---- libvncserver alone ---- */

struct lvs {
	rfbScreenInfoPtr screen;
	uint32_t *fb;
	bool full;
};

static void lvs_idle(void *data, int timeout_ms)
{
	struct lvs *l = data;
	rfbProcessEvents(l->screen, timeout_ms * 1000L);
}

static void lvs_frame(void *data, const struct rect *r, int n)
{
	struct lvs *l = data;
	if (l->full) {
		rfbMarkRectAsModified(l->screen, 0, 0, W, H);
		return;
	}
	for (int i = 0; i < n; i++)
		rfbMarkRectAsModified(l->screen, r[i].x1, r[i].y1, r[i].x2, r[i].y2);
}

/* A loopback listener on a port of the kernel's choosing; the accepted socket goes to
 * libvncserver as its own listener would hand it over. */
static int lvs_connect(struct lvs *l, struct viewer *v)
{
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 1) < 0 ||
		getsockname(lfd, (struct sockaddr *)&a, &len) < 0)
		return -errno;
	if (rfb_client_connect(&v->c, ntohs(a.sin_port)) < 0)
		return -EIO;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	close(lfd);
	return fd >= 0 && rfbNewClient(l->screen, fd) ? 0 : -EIO;
}

static int run_lvs(enum workload w, bool full, uint32_t frames, struct result *out)
{
	struct lvs l = { .fb = calloc((size_t)W * H, 4), .full = full };
	l.screen = l.fb ? rfbGetScreen(NULL, NULL, W, H, 8, 3, 4) : NULL;
	if (!l.screen)
		return -ENOMEM;
	l.screen->frameBuffer = (char *)l.fb;
	l.screen->port = l.screen->ipv6port = -1;
	l.screen->autoPort = FALSE;
	rfbInitServer(l.screen);
	draw_start(l.fb, W);
	struct viewer v = { 0 };
	struct server s = { full ? "lvs-full" : "lvs-rect", &l, lvs_idle, lvs_frame, l.fb, W };
	int ret = lvs_connect(&l, &v);
	if (ret == 0)
		ret = run(&s, &v, w, frames, out);
	viewer_stop(&v);
	rfbScreenCleanup(l.screen);
	free(l.fb);
	return ret;
}

/* ---- hvhost, with a guest in this process ---- */

struct guest {
	struct vmb_bus *bus;
	struct svd_device *dev;
	struct svd_fb *fb;
	struct svd_atomic_state st;
};

static void guest_idle(void *data, int timeout_ms)
{
	struct guest *g = data;
	struct pollfd fds[2] = {
		{ .fd = vmb_bus_get_fd(g->bus), .events = POLLIN },
		{ .fd = svd_device_get_fd(g->dev), .events = POLLIN },
	};
	if (poll(fds, 2, timeout_ms) <= 0)
		return;
	if (fds[0].revents)
		vmb_bus_dispatch(g->bus);
	if (fds[1].revents)
		svd_device_dispatch(g->dev);
}

static void guest_frame(void *data, const struct rect *r, int n)
{
	struct guest *g = data;
	struct svd_rect clips[MAX_RECTS];
	for (int i = 0; i < n; i++)
		clips[i] = (struct svd_rect){ r[i].x1, r[i].y1, r[i].x2, r[i].y2 };
	g->st.damage = clips;
	g->st.damage_count = (size_t)n;
	int ret = svd_atomic_commit(g->dev, &g->st);
	g->st.damage = NULL;
	g->st.damage_count = 0;
	if (ret < 0)
		fprintf(stderr, "bench_vnc: commit: %s\n", strerror(-ret));
}

static int guest_start(struct guest *g, const char *vmbus)
{
	const struct vmb_bus_options bo = { .socket_path = vmbus, .timeout_ms = 10000 };
	const struct svd_device_options so = { .timeout_ms = 10000 };
	int ret = vmb_bus_connect_emu(&g->bus, &bo);
	if (ret == 0)
		ret = svd_device_create(&g->dev, g->bus, &so);
	if (ret == 0)
		ret = svd_fb_create(&g->fb, g->dev, W, H, SVD_FORMAT_XRGB8888, 0, 0, NULL);
	if (ret < 0)
		return ret;
	draw_start((uint32_t *)(void *)svd_fb_data(g->fb), svd_fb_pitch(g->fb) / 4);
	g->st = (struct svd_atomic_state){
		.active = true, .mode = { W, H, false }, .primary_fb = g->fb
	};
	return svd_atomic_commit(g->dev, &g->st);
}

static void guest_stop(struct guest *g)
{
	svd_fb_unref(g->fb);
	svd_device_destroy(g->dev);
	vmb_bus_destroy(g->bus);
}

static int64_t vnc_port(struct hvhost_harness *h)
{
	struct json_object *r = hvhost_harness_cmd(h, "{\"cmd\":\"vnc\"}"), *v = NULL;
	int64_t port =
		r && json_object_object_get_ex(r, "port", &v) ? json_object_get_int64(v) : -1;
	json_object_put(r);
	return port;
}

static int run_hvhost(enum workload w, uint32_t frames, struct result *out)
{
	static const char *const args[] = { "--vnc", "127.0.0.1:0", "--log-level", "warn", NULL };
	struct hvhost_harness *h = NULL;
	struct guest g = { 0 };
	struct viewer v = { 0 };
	int ret = hvhost_harness_start(&h, args);
	if (ret == 0)
		ret = guest_start(&g, hvhost_harness_vmbus_path(h));
	int64_t port = ret == 0 ? vnc_port(h) : -1;
	if (port > 0 && rfb_client_connect(&v.c, (int)port) == 0) {
		struct server s = { "hvhost", &g, guest_idle, guest_frame,
			(uint32_t *)(void *)svd_fb_data(g.fb), svd_fb_pitch(g.fb) / 4 };
		ret = run(&s, &v, w, frames, out);
		viewer_stop(&v);
	} else if (ret == 0) {
		ret = -EIO;
	}
	if (g.dev)
		guest_stop(&g);
	if (h)
		hvhost_harness_stop(h);
	hvhost_harness_destroy(h);
	return ret;
}

int main(int argc, char **argv)
{
	uint32_t frames = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 300;
	if (!frames)
		frames = 300;
	setenv("HVHOST", HVHOST_PATH, 0);
	rfbLogEnable(0);
	printf("VNC: one viewer (raw encoding, loopback), %ux%u at %d frames/s, %u frames\n", W, H,
		FPS, frames);
	printf("%-15s %-9s %6s %8s %10s %10s %12s\n", "workload", "server", "frames", "frames/s",
		"updates/s", "MiB sent", "bytes/frame");
	for (enum workload w = CONSOLE_TYPE; w <= PLAYBACK; w++) {
		struct result r[3];
		int ret[3] = { run_hvhost(w, frames, &r[0]), run_lvs(w, false, frames, &r[1]),
			run_lvs(w, true, frames, &r[2]) };
		for (int i = 0; i < 3; i++) {
			if (ret[i] == 0)
				print_result(w, &r[i]);
			else
				printf("%-15s run %d failed: %s\n", workload_names[w], i,
					strerror(-ret[i]));
		}
	}
	return 0;
}
