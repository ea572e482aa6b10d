/*
 * The synthvid output: our userspace driver (drm_driver/svd.h) over the emulated host's socket
 * or uio_hv_generic.
 *
 * One buffer is enough: the driver copies the damaged rectangles of the framebuffer into VRAM
 * during the commit (the framebuffer is a shadow, as hyperv_drm's shmem buffers are), so the
 * shim draws into the same buffer every frame and buffer age is always 1. A commit completes
 * when it returns; synthvid has no vblank, so pacing is the refresh timer, and frame-done is
 * signalled through an eventfd to keep the shim's loop the same for every output.
 *
 * svd_atomic_commit() takes a whole display state, so the cursor the output last showed is
 * remembered and sent with every commit.
 */
#define LOG_MODULE "shim-svd"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "shim_internal.h"
#include "svd.h"
#include "vmb.h"

struct svd_output {
	struct shim_output base;
	struct vmb_bus *bus;
	bool own_bus; // we connected it: we dispatch and destroy it
	struct svd_device *dev;
	int epoll_fd;
	int event_fd;
	struct svd_fb *shown;  // the primary framebuffer of the last commit (a reference)
	struct svd_fb *cursor; // the cursor image shown, or NULL (a reference)
	int32_t cursor_x, cursor_y;
	uint32_t hot_x, hot_y;
};

static const struct shim_output_impl svd_impl;

static struct svd_output *to_svd(struct shim_output *out)
{
	if (out->impl != &svd_impl) {
		log_bug_self("not an svd output");
		abort();
	}
	return container_of(out, struct svd_output, base);
}

static int svd_buffer_create(
	struct shim_output *out, struct shim_output_buffer *buf, uint32_t w, uint32_t h)
{
	struct svd_output *s = to_svd(out);
	struct svd_fb *fb;
	int ret = svd_fb_create(&fb, s->dev, w, h, SVD_FORMAT_XRGB8888, 0, 0, NULL);
	if (ret < 0)
		return ret;
	buf->image = pixman_image_create_bits(PIXMAN_x8r8g8b8, (int)w, (int)h,
		(uint32_t *)(void *)svd_fb_data(fb), (int)svd_fb_pitch(fb));
	if (!buf->image) {
		svd_fb_unref(fb);
		return -ENOMEM;
	}
	buf->priv = fb;
	return 0;
}

static void svd_buffer_destroy(struct shim_output *out, struct shim_output_buffer *buf)
{
	pixman_image_unref(buf->image);
	svd_fb_unref(buf->priv);
}

/* A framebuffer holding a copy of the cursor image. */
static int cursor_fb(struct svd_output *s, pixman_image_t *image, struct svd_fb **out)
{
	uint32_t w = (uint32_t)pixman_image_get_width(image);
	uint32_t h = (uint32_t)pixman_image_get_height(image);
	int ret = svd_fb_create(out, s->dev, w, h, SVD_FORMAT_ARGB8888, 0, 0, NULL);
	if (ret < 0)
		return ret;
	pixman_image_t *dst = pixman_image_create_bits(PIXMAN_a8r8g8b8, (int)w, (int)h,
		(uint32_t *)(void *)svd_fb_data(*out), (int)svd_fb_pitch(*out));
	if (!dst) {
		svd_fb_unref(*out);
		return -ENOMEM;
	}
	pixman_image_composite32(PIXMAN_OP_SRC, image, NULL, dst, 0, 0, 0, 0, 0, 0, (int)w, (int)h);
	pixman_image_unref(dst);
	return 0;
}

static struct svd_rect *damage_rects(const pixman_region32_t *damage, size_t *n)
{
	int count;
	const pixman_box32_t *r = pixman_region32_rectangles((pixman_region32_t *)damage, &count);
	*n = 0;
	if (count <= 0)
		return NULL;
	struct svd_rect *rects = calloc((size_t)count, sizeof(*rects));
	if (!rects)
		return NULL;
	for (int i = 0; i < count; i++)
		rects[i] = (struct svd_rect){ r[i].x1, r[i].y1, r[i].x2, r[i].y2 };
	*n = (size_t)count;
	return rects;
}

static int svd_commit(struct shim_output *out, const struct shim_output_state *st, bool test_only)
{
	struct svd_output *s = to_svd(out);
	struct svd_atomic_state state = {
		.active = true,
		.mode = { out->mode.width, out->mode.height, false },
		.primary_fb = st->buffer ? st->buffer->priv : s->shown,
		.cursor_fb = s->cursor,
		.cursor_x = s->cursor_x,
		.cursor_y = s->cursor_y,
		.cursor_hot_x = s->hot_x,
		.cursor_hot_y = s->hot_y,
	};
	struct svd_fb *new_cursor = NULL;
	int ret = 0;
	if (st->buffer && !st->modeset) {
		state.damage = damage_rects(st->damage, &state.damage_count);
		if (!state.damage && pixman_region32_not_empty((pixman_region32_t *)st->damage))
			return -ENOMEM;
	}
	if (st->cursor) {
		if (st->cursor->image && st->cursor->image_changed)
			ret = cursor_fb(s, st->cursor->image, &new_cursor);
		state.cursor_fb = st->cursor->image ? (new_cursor ? new_cursor : s->cursor) : NULL;
		state.cursor_x = st->cursor->x;
		state.cursor_y = st->cursor->y;
		state.cursor_hot_x = (uint32_t)st->cursor->hot_x;
		state.cursor_hot_y = (uint32_t)st->cursor->hot_y;
	}
	if (ret == 0)
		ret = test_only ? svd_atomic_test(s->dev, &state)
				: svd_atomic_commit(s->dev, &state);
	free((void *)state.damage);
	if (ret < 0 || test_only) {
		svd_fb_unref(new_cursor);
		return ret;
	}
	if (state.primary_fb != s->shown) {
		svd_fb_unref(s->shown);
		s->shown = svd_fb_ref(state.primary_fb);
	}
	if (state.cursor_fb != s->cursor) {
		svd_fb_unref(s->cursor);
		s->cursor = state.cursor_fb ? svd_fb_ref(state.cursor_fb) : NULL;
	}
	svd_fb_unref(new_cursor);
	s->cursor_x = state.cursor_x;
	s->cursor_y = state.cursor_y;
	s->hot_x = state.cursor_hot_x;
	s->hot_y = state.cursor_hot_y;
	uint64_t one = 1;
	if (write(s->event_fd, &one, sizeof(one)) != sizeof(one))
		log_bug_self("eventfd: %s", strerror(errno));
	return 0;
}

static bool svd_mode_valid(struct shim_output *out, const struct shim_mode *m)
{
	struct svd_output *s = to_svd(out);
	return svd_connector_mode_valid(svd_device_get_connector(s->dev), m->width, m->height) == 0;
}

static int svd_get_fd(struct shim_output *out)
{
	return to_svd(out)->epoll_fd;
}

static int svd_dispatch(struct shim_output *out)
{
	struct svd_output *s = to_svd(out);
	uint64_t n;
	if (read(s->event_fd, &n, sizeof(n)) == sizeof(n))
		shim_output_frame_done(out, 0);
	if (s->own_bus) {
		int ret = vmb_bus_dispatch(s->bus);
		if (ret == -ENOTCONN) {
			log_error("the synthvid host went away");
			return -ENODEV;
		}
	}
	int ret = svd_device_dispatch(s->dev);
	if (ret == -ENOTCONN) {
		log_error("the synthvid host went away");
		return -ENODEV;
	}
	return ret;
}

/* The host's resolutions as shim modes, its preferred one first. */
static int read_modes(struct svd_output *s)
{
	const struct svd_connector *conn = svd_device_get_connector(s->dev);
	size_t n = svd_connector_mode_count(conn);
	struct shim_mode *modes = calloc(n ? n : 1, sizeof(*modes));
	if (!modes)
		return -ENOMEM;
	size_t k = 0;
	struct svd_mode pref, m;
	bool has_pref = svd_connector_get_preferred_mode(conn, &pref) == 0;
	if (has_pref)
		modes[k++] = (struct shim_mode){ pref.width, pref.height, 0, true };
	for (size_t i = 0; i < n && k < n; i++) {
		if (svd_connector_get_mode(conn, i, &m) < 0 || m.preferred)
			continue;
		modes[k++] = (struct shim_mode){ m.width, m.height, 0, false };
	}
	int ret = shim_output_set_modes(&s->base, modes, k);
	free(modes);
	return ret;
}

/* From svd's dispatch: a reconnected host offers other resolutions. */
static void on_modes_changed(void *data)
{
	struct svd_output *s = data;
	if (read_modes(s) < 0 || s->base.n_modes == 0)
		return;
	if (!svd_mode_valid(&s->base, &s->base.mode))
		shim_output_mode_changed(&s->base, &s->base.modes[0]);
}

static void svd_destroy(struct shim_output *out)
{
	struct svd_output *s = to_svd(out);
	shim_output_finish(out);
	svd_fb_unref(s->shown);
	svd_fb_unref(s->cursor);
	svd_device_destroy(s->dev);
	if (s->own_bus)
		vmb_bus_destroy(s->bus);
	close(s->event_fd);
	close(s->epoll_fd);
	free(s);
}

static const struct shim_output_impl svd_impl = {
	.name = "svd",
	.destroy = svd_destroy,
	.buffer_create = svd_buffer_create,
	.buffer_destroy = svd_buffer_destroy,
	.commit = svd_commit,
	.mode_valid = svd_mode_valid,
	.get_fd = svd_get_fd,
	.dispatch = svd_dispatch,
};

static int watch(struct svd_output *s, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	return epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int pick_mode(struct svd_output *s, const struct shim_svd_options *opts)
{
	if (opts->width) {
		struct shim_mode m = { opts->width, opts->height, 0, false };
		if (!svd_mode_valid(&s->base, &m)) {
			log_error("the synthvid host offers no %ux%u mode", opts->width,
				opts->height);
			return -ENOENT;
		}
		s->base.mode = m;
		return 0;
	}
	if (s->base.n_modes == 0) {
		log_error("the synthvid host offers no mode");
		return -ENOENT;
	}
	s->base.mode = s->base.modes[0];
	return 0;
}

static int setup(struct svd_output *s, const struct shim_svd_options *opts)
{
	struct svd_device_options dopts = {
		.timeout_ms = opts->timeout_ms,
		.max_cursor_bytes = opts->max_cursor_bytes,
		.modes_changed = on_modes_changed,
		.data = s,
	};
	int ret = svd_device_create(&s->dev, s->bus, &dopts);
	if (ret < 0)
		return ret;
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	s->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->epoll_fd < 0 || s->event_fd < 0)
		return -errno;
	ret = watch(s, s->event_fd);
	if (ret == 0)
		ret = watch(s, svd_device_get_fd(s->dev));
	if (ret == 0 && s->own_bus)
		ret = watch(s, vmb_bus_get_fd(s->bus));
	if (ret == 0)
		ret = read_modes(s);
	if (ret == 0)
		ret = pick_mode(s, opts);
	return ret;
}

static int create_on(struct shim_output **out, struct vmb_bus *bus, bool own_bus,
	const struct shim_svd_options *opts)
{
	static const struct shim_svd_options defaults = { 0 };
	if (!out || !bus)
		return -EINVAL;
	if (!opts)
		opts = &defaults;
	struct svd_output *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->bus = bus;
	s->epoll_fd = s->event_fd = -1;
	shim_output_init(&s->base, &svd_impl, 1);
	s->base.has_cursor_plane = true;
	s->base.cursor_w = s->base.cursor_h = SVD_CURSOR_MAX_SIZE;
	int ret = setup(s, opts);
	if (ret < 0) {
		shim_output_finish(&s->base);
		svd_device_destroy(s->dev);
		if (s->event_fd >= 0)
			close(s->event_fd);
		if (s->epoll_fd >= 0)
			close(s->epoll_fd);
		free(s);
		return ret;
	}
	s->own_bus = own_bus;
	log_info("synthvid %u.%u over %s, %ux%u", svd_device_version(s->dev) & 0xffff,
		svd_device_version(s->dev) >> 16, vmb_bus_transport_name(bus), s->base.mode.width,
		s->base.mode.height);
	*out = &s->base;
	return 0;
}

int shim_output_svd_create(
	struct shim_output **out, struct vmb_bus *bus, const struct shim_svd_options *opts)
{
	return create_on(out, bus, false, opts);
}

int shim_output_svd_connect(struct shim_output **out, const struct shim_svd_options *opts)
{
	static const struct shim_svd_options defaults = { 0 };
	if (!opts)
		opts = &defaults;
	struct vmb_bus *bus;
	struct vmb_bus_options bopts = { .socket_path = opts->vmbus,
		.timeout_ms = opts->timeout_ms };
	int ret =
		opts->uio ? vmb_bus_open_uio(&bus, NULL, NULL) : vmb_bus_connect_emu(&bus, &bopts);
	if (ret < 0)
		return ret;
	ret = create_on(out, bus, true, opts);
	if (ret < 0)
		vmb_bus_destroy(bus);
	return ret;
}

struct vmb_bus *shim_output_svd_get_bus(struct shim_output *out)
{
	return out && out->impl == &svd_impl ? to_svd(out)->bus : NULL;
}
