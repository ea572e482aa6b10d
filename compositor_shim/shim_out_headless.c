/*
 * The headless output: buffers in memory, for tests and benchmarks.
 *
 * It behaves like a display without vsync: a commit puts its buffer on "screen" at once and
 * signals frame-done through an eventfd, so the shim's loop is the same as with a real device.
 * It keeps what tests look at: the front buffer, the last commit's damage, the cursor plane.
 */
#define LOG_MODULE "shim"

#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "shim_internal.h"

struct headless {
	struct shim_output base;
	int event_fd;
	uint64_t commits;
	pixman_region32_t last_damage;
	struct shim_output_buffer *shown;
	uint32_t cursor_max;
	pixman_image_t *cursor; // a copy, as a plane's buffer would hold
	int32_t cursor_x, cursor_y;
};

static const struct shim_output_impl headless_impl;

static struct headless *to_headless(struct shim_output *out)
{
	if (!out || out->impl != &headless_impl)
		return NULL;
	return container_of(out, struct headless, base);
}

static int headless_buffer_create(
	struct shim_output *out, struct shim_output_buffer *buf, uint32_t width, uint32_t height)
{
	pixman_image_t *image =
		pixman_image_create_bits(PIXMAN_x8r8g8b8, (int)width, (int)height, NULL, 0);
	if (!image)
		return -ENOMEM;
	*buf = (struct shim_output_buffer){ .image = image };
	return 0;
}

static void headless_buffer_destroy(struct shim_output *out, struct shim_output_buffer *buf)
{
	struct headless *h = to_headless(out);
	if (h->shown == buf)
		h->shown = NULL;
	pixman_image_unref(buf->image);
}

static int take_cursor(struct headless *h, const struct shim_cursor_state *c)
{
	if (!c->image_changed && (c->image != NULL) == (h->cursor != NULL))
		return 0;
	if (h->cursor) {
		pixman_image_unref(h->cursor);
		h->cursor = NULL;
	}
	if (!c->image)
		return 0;
	int w = pixman_image_get_width(c->image), ht = pixman_image_get_height(c->image);
	h->cursor = pixman_image_create_bits(PIXMAN_a8r8g8b8, w, ht, NULL, 0);
	if (!h->cursor)
		return -ENOMEM;
	pixman_image_composite32(PIXMAN_OP_SRC, c->image, NULL, h->cursor, 0, 0, 0, 0, 0, 0, w, ht);
	return 0;
}

static int headless_commit(
	struct shim_output *out, const struct shim_output_state *st, bool test_only)
{
	struct headless *h = to_headless(out);
	const struct shim_cursor_state *c = st->cursor;
	if (c && c->image) {
		if (!out->has_cursor_plane ||
			(uint32_t)pixman_image_get_width(c->image) > h->cursor_max ||
			(uint32_t)pixman_image_get_height(c->image) > h->cursor_max)
			return -EINVAL;
	}
	if (test_only)
		return 0;
	if (c) {
		int ret = take_cursor(h, c);
		if (ret < 0)
			return ret;
		h->cursor_x = c->x;
		h->cursor_y = c->y;
	}
	if (st->buffer) {
		h->shown = st->buffer;
		pixman_region32_copy(&h->last_damage, (pixman_region32_t *)st->damage);
	}
	h->commits++;
	uint64_t one = 1;
	if (write(h->event_fd, &one, sizeof(one)) != sizeof(one))
		log_bug_self("headless eventfd write failed");
	return 0;
}

static int headless_get_fd(struct shim_output *out)
{
	return to_headless(out)->event_fd;
}

static int headless_dispatch(struct shim_output *out)
{
	struct headless *h = to_headless(out);
	uint64_t n;
	if (read(h->event_fd, &n, sizeof(n)) != sizeof(n))
		return errno == EAGAIN ? 0 : -errno;
	/* Commits complete one at a time: the shim never has two in flight. */
	shim_output_frame_done(out, 0);
	return 0;
}

static void headless_destroy(struct shim_output *out)
{
	struct headless *h = to_headless(out);
	shim_output_finish(out);
	if (h->cursor)
		pixman_image_unref(h->cursor);
	pixman_region32_fini(&h->last_damage);
	close(h->event_fd);
	free(h);
}

static const struct shim_output_impl headless_impl = {
	.name = "headless",
	.destroy = headless_destroy,
	.buffer_create = headless_buffer_create,
	.buffer_destroy = headless_buffer_destroy,
	.commit = headless_commit,
	.get_fd = headless_get_fd,
	.dispatch = headless_dispatch,
};

int shim_output_headless_create(struct shim_output **out, const struct shim_headless_options *opts)
{
	static const struct shim_headless_options defaults = { 0 };
	if (!out)
		return -EINVAL;
	if (!opts)
		opts = &defaults;
	uint32_t w = opts->width ? opts->width : 1024, ht = opts->height ? opts->height : 768;
	if (w > SHIM_MAX_SIZE || ht > SHIM_MAX_SIZE || opts->n_buffers > SHIM_OUTPUT_MAX_BUFFERS)
		return -EINVAL;
	struct headless *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->event_fd < 0) {
		int ret = -errno;
		free(h);
		return ret;
	}
	shim_output_init(&h->base, &headless_impl, opts->n_buffers ? opts->n_buffers : 2);
	pixman_region32_init(&h->last_damage);
	h->base.mode =
		(struct shim_mode){ w, ht, opts->refresh_mhz ? opts->refresh_mhz : 60000, true };
	h->base.has_cursor_plane = opts->cursor_plane;
	h->cursor_max = opts->cursor_size ? opts->cursor_size : 64;
	h->base.cursor_w = h->base.cursor_h = h->cursor_max;
	*out = &h->base;
	return 0;
}

pixman_image_t *shim_output_headless_get_front(struct shim_output *out)
{
	struct headless *h = to_headless(out);
	return h && h->shown ? h->shown->image : NULL;
}

int shim_output_headless_get_last_damage(struct shim_output *out, pixman_region32_t *dst)
{
	struct headless *h = to_headless(out);
	if (!h)
		return -EINVAL;
	return pixman_region32_copy(dst, &h->last_damage) ? 0 : -ENOMEM;
}

uint64_t shim_output_headless_commit_count(const struct shim_output *out)
{
	const struct headless *h = to_headless((struct shim_output *)out);
	return h ? h->commits : 0;
}

pixman_image_t *shim_output_headless_get_cursor(struct shim_output *out, int32_t *x, int32_t *y)
{
	struct headless *h = to_headless(out);
	if (!h || !h->cursor)
		return NULL;
	if (x)
		*x = h->cursor_x;
	if (y)
		*y = h->cursor_y;
	return h->cursor;
}

int shim_output_headless_host_resize(struct shim_output *out, uint32_t width, uint32_t height)
{
	if (!to_headless(out) || width < 1 || height < 1 || width > SHIM_MAX_SIZE ||
		height > SHIM_MAX_SIZE)
		return -EINVAL;
	struct shim_mode mode = { width, height, out->mode.refresh_mhz, true };
	shim_output_mode_changed(out, &mode);
	return 0;
}
