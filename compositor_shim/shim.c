/*
 * The compositor context: the surface stack, accumulated damage, and the frame loop that turns
 * them into output commits.
 *
 * One frame: when pacing says a frame is due, take the damage accumulated since the last one,
 * ask the output for a buffer and the region that buffer is missing (buffer age), composite just
 * that region, and commit the buffer with the frame's damage (what changed on screen, which is
 * what FB_DAMAGE_CLIPS and synthvid's DIRT want). A refused commit loses nothing: its damage is
 * kept for the next frame and the buffer is marked unknown, so it is repainted whole.
 */
#define LOG_MODULE "shim"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "shim_internal.h"

static int64_t monotonic_now(void *data)
{
	(void)data;
	return loop_now_ns();
}

int64_t shim_now(const struct shim *shim)
{
	return shim->clock.now_ns(shim->clock.data);
}

static pixman_box32_t output_box(const struct shim *shim)
{
	return (pixman_box32_t){ 0, 0, (int32_t)shim->output->mode.width,
		(int32_t)shim->output->mode.height };
}

void shim_damage_region(struct shim *shim, const pixman_region32_t *region)
{
	if (!pixman_region32_not_empty((pixman_region32_t *)region))
		return;
	pixman_region32_union(&shim->damage, &shim->damage, (pixman_region32_t *)region);
	if (pixman_region32_n_rects(&shim->damage) > SHIM_DAMAGE_MAX_RECTS) {
		pixman_box32_t ext = *pixman_region32_extents(&shim->damage);
		pixman_region32_reset(&shim->damage, &ext);
	}
	shim_pacing_schedule(&shim->pacing);
}

void shim_damage_box(struct shim *shim, const pixman_box32_t *box)
{
	pixman_region32_t region;
	pixman_region32_init_rects(&region, box, 1);
	shim_damage_region(shim, &region);
	pixman_region32_fini(&region);
}

void shim_damage_all(struct shim *shim)
{
	pixman_box32_t box = output_box(shim);
	shim_damage_box(shim, &box);
}

/* ---- The stack ---------------------------------------------------------------------------- */

static bool below(const struct shim_surface *a, const struct shim_surface *b)
{
	return a->current.z < b->current.z || (a->current.z == b->current.z && a->stamp < b->stamp);
}

void shim_restack(struct shim *shim)
{
	/* Insertion sort: the stack is short and nearly sorted. */
	for (size_t i = 1; i < shim->n_surfaces; i++) {
		struct shim_surface *s = shim->surfaces[i];
		size_t j = i;
		for (; j > 0 && below(s, shim->surfaces[j - 1]); j--)
			shim->surfaces[j] = shim->surfaces[j - 1];
		shim->surfaces[j] = s;
	}
}

int shim_add_surface(struct shim *shim, struct shim_surface *s)
{
	if (shim->n_surfaces == shim->cap_surfaces) {
		size_t cap = shim->cap_surfaces ? shim->cap_surfaces * 2 : 8;
		struct shim_surface **n = realloc(shim->surfaces, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		shim->surfaces = n;
		shim->cap_surfaces = cap;
	}
	s->stamp = ++shim->next_stamp;
	shim->surfaces[shim->n_surfaces++] = s;
	shim_restack(shim);
	return 0;
}

void shim_remove_surface(struct shim *shim, struct shim_surface *s)
{
	for (size_t i = 0; i < shim->n_surfaces; i++) {
		if (shim->surfaces[i] != s)
			continue;
		memmove(&shim->surfaces[i], &shim->surfaces[i + 1],
			(shim->n_surfaces - i - 1) * sizeof(*shim->surfaces));
		shim->n_surfaces--;
		return;
	}
}

/* ---- Frame callbacks ---------------------------------------------------------------------- */

static struct shim_surface *find_request(struct shim *shim, bool inflight)
{
	for (size_t i = 0; i < shim->n_surfaces; i++) {
		struct shim_surface *s = shim->surfaces[i];
		if ((inflight ? s->frame_inflight : s->frame_queued).fn)
			return s;
	}
	return NULL;
}

/* A callback may commit, create or destroy surfaces, so each is cleared before it is called
 * and the search starts over. */
static void fire_frames(struct shim *shim, bool inflight, uint64_t time_ns)
{
	struct shim_surface *s;
	while ((s = find_request(shim, inflight))) {
		struct shim_frame_request *slot = inflight ? &s->frame_inflight : &s->frame_queued;
		struct shim_frame_request r = *slot;
		*slot = (struct shim_frame_request){ 0 };
		r.fn(r.data, s, time_ns);
	}
}

static void queue_frames_inflight(struct shim *shim)
{
	for (size_t i = 0; i < shim->n_surfaces; i++) {
		struct shim_surface *s = shim->surfaces[i];
		if (!s->frame_queued.fn)
			continue;
		if (s->frame_inflight.fn) {
			shim_pacing_schedule(&shim->pacing);
			continue;
		}
		s->frame_inflight = s->frame_queued;
		s->frame_queued = (struct shim_frame_request){ 0 };
	}
}

/* ---- Modes -------------------------------------------------------------------------------- */

static void notify_resize(struct shim *shim)
{
	struct shim_mode m = shim->output->mode;
	for (size_t i = 0; i < SHIM_MAX_LISTENERS; i++) {
		const struct shim_listener *l = shim->listeners[i].listener;
		if (l && l->resize)
			l->resize(shim->listeners[i].data, m.width, m.height, m.refresh_mhz);
	}
}

static int apply_mode(struct shim *shim, const struct shim_mode *mode)
{
	int ret = shim_output_apply_mode(shim->output, mode);
	if (ret < 0)
		return ret;
	shim_pacing_init(
		&shim->pacing, mode->refresh_mhz, shim->max_refresh_mhz, shim->output->vsync);
	pixman_region32_clear(&shim->damage);
	shim_damage_all(shim);
	notify_resize(shim);
	return 0;
}

static void apply_requested_mode(struct shim *shim)
{
	if (!shim->mode_requested || shim->pacing.frame_pending)
		return;
	shim->mode_requested = false;
	struct shim_mode mode = shim->requested_mode;
	int ret = apply_mode(shim, &mode);
	if (ret < 0)
		log_error("cannot switch to %ux%u: %s", mode.width, mode.height, strerror(-ret));
}

static int request_mode(struct shim *shim, const struct shim_mode *mode)
{
	shim->requested_mode = *mode;
	shim->mode_requested = true;
	if (shim->pacing.frame_pending)
		return 0;
	shim->mode_requested = false;
	return apply_mode(shim, mode);
}

static int find_mode(const struct shim_output *out, uint32_t w, uint32_t h, struct shim_mode *found)
{
	if (out->n_modes == 0) {
		/* An output without a list (headless) takes any size at its refresh. */
		*found = (struct shim_mode){ w, h, out->mode.refresh_mhz, false };
		return 0;
	}
	const struct shim_mode *best = NULL;
	for (size_t i = 0; i < out->n_modes; i++) {
		const struct shim_mode *m = &out->modes[i];
		if (m->width == w && m->height == h &&
			(!best || m->refresh_mhz > best->refresh_mhz))
			best = m;
	}
	if (!best)
		return -ENOENT;
	*found = *best;
	return 0;
}

int shim_set_mode(struct shim *shim, uint32_t width, uint32_t height)
{
	struct shim_mode mode;
	if (width < 1 || height < 1 || width > SHIM_MAX_SIZE || height > SHIM_MAX_SIZE)
		return -EINVAL;
	int ret = find_mode(shim->output, width, height, &mode);
	if (ret < 0)
		return ret;
	return request_mode(shim, &mode);
}

/* ---- Output events ------------------------------------------------------------------------- */

static void on_frame_done(void *data, uint64_t time_ns)
{
	struct shim *shim = data;
	if (time_ns == 0)
		time_ns = (uint64_t)shim_now(shim);
	shim_pacing_frame_done(&shim->pacing);
	fire_frames(shim, true, time_ns);
	for (size_t i = 0; i < SHIM_MAX_LISTENERS; i++) {
		const struct shim_listener *l = shim->listeners[i].listener;
		if (l && l->frame)
			l->frame(shim->listeners[i].data, time_ns);
	}
}

static void on_mode_changed(void *data, const struct shim_mode *mode)
{
	struct shim *shim = data;
	int ret = request_mode(shim, mode);
	if (ret < 0)
		log_error("display switched to %ux%u but the shim cannot follow: %s", mode->width,
			mode->height, strerror(-ret));
}

static const struct shim_output_events output_events = {
	.frame_done = on_frame_done,
	.mode_changed = on_mode_changed,
};

/* ---- Frames ------------------------------------------------------------------------------- */

static int commit_frame(
	struct shim *shim, struct shim_output_state *st, struct shim_output_buffer *buf)
{
	struct shim_cursor_state cursor;
	if (shim->cursor.plane_dirty) {
		bool show = shim->cursor.on_plane && shim->cursor.image;
		cursor = (struct shim_cursor_state){
			.image = show ? shim->cursor.image : NULL,
			.x = shim->cursor.x - shim->cursor.hot_x,
			.y = shim->cursor.y - shim->cursor.hot_y,
			.hot_x = shim->cursor.hot_x,
			.hot_y = shim->cursor.hot_y,
			.image_changed = shim->cursor.image_changed,
		};
		st->cursor = &cursor;
		/* A new image may not suit the plane: ask first (wlroots does the same), and draw it
		 * ourselves if the output says no. The plane is then emptied by the next commit. */
		if (show && cursor.image_changed &&
			shim_output_commit(shim->output, st, true) < 0) {
			shim->cursor.plane_refused = true;
			shim->cursor.on_plane = false;
			pixman_box32_t box;
			if (shim_cursor_box(shim, &box))
				shim_damage_box(shim, &box);
			return -EAGAIN;
		}
	}
	int ret = shim_output_commit(shim->output, st, false);
	if (ret < 0) {
		if (buf)
			buf->seq = 0;
		return ret;
	}
	if (st->cursor) {
		shim->cursor.plane_dirty = false;
		shim->cursor.image_changed = false;
	}
	return 0;
}

static int repaint(struct shim *shim, int64_t now)
{
	struct shim_output *out = shim->output;
	pixman_box32_t all = output_box(shim);
	pixman_region32_intersect_rect(
		&shim->damage, &shim->damage, 0, 0, (unsigned)all.x2, (unsigned)all.y2);
	bool paint = pixman_region32_not_empty(&shim->damage) || out->modeset_pending;
	if (!paint && !shim->cursor.plane_dirty) {
		shim_pacing_idle(&shim->pacing);
		fire_frames(shim, false, (uint64_t)now);
		return 0;
	}

	struct shim_output_state st = { 0 };
	struct shim_output_buffer *buf = NULL;
	pixman_region32_t region;
	pixman_region32_init(&region);
	int ret = 0;
	if (paint) {
		ret = shim_output_acquire(out, &shim->damage, &buf, &region);
		if (ret < 0)
			goto failed;
		shim_composite(shim, buf->image, &region);
		if (out->modeset_pending)
			pixman_region32_reset(&shim->damage, &all);
		st.buffer = buf;
		st.damage = &shim->damage;
	}
	ret = commit_frame(shim, &st, buf);
	if (ret == -EAGAIN) {
		/* The cursor moved off the plane: paint it in the next frame, right away. */
		ret = 0;
		goto out;
	}
	if (ret < 0)
		goto failed;
	shim->stats.frames++;
	pixman_region32_clear(&shim->damage);
	shim_pacing_committed(&shim->pacing, now, true);
	queue_frames_inflight(shim);
out:
	pixman_region32_fini(&region);
	return ret;

failed:
	shim->stats.commits_failed++;
	static struct log_ratelimit rl;
	if (log_ratelimit_pass(&rl))
		log_warn("output %s refused a frame (%s); its damage waits for the next one",
			out->impl->name, strerror(-ret));
	shim_pacing_failed(&shim->pacing, now);
	goto out;
}

int shim_dispatch(struct shim *shim)
{
	struct shim_output *out = shim->output;
	if (out->impl->dispatch) {
		int ret = out->impl->dispatch(out);
		if (ret == -ENODEV)
			return ret;
		if (ret < 0 && ret != -EAGAIN)
			log_warn("output events: %s", strerror(-ret));
	}
	apply_requested_mode(shim);
	if (!shim->active)
		return 0;
	int64_t now = shim_now(shim);
	if (!shim_pacing_ready(&shim->pacing, now))
		return 0;
	int ret = repaint(shim, now);
	return ret == -ENODEV ? ret : 0;
}

int shim_get_fd(const struct shim *shim)
{
	struct shim_output *out = shim->output;
	return out->impl->get_fd ? out->impl->get_fd(out) : -1;
}

int shim_get_timeout_ms(const struct shim *shim)
{
	if (!shim->active)
		return -1;
	int64_t ns = shim_pacing_timeout_ns(&shim->pacing, shim_now(shim));
	if (ns < 0)
		return -1;
	int64_t ms = (ns + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

int shim_set_active(struct shim *shim, bool active)
{
	if (shim->active == active)
		return 0;
	struct shim_output *out = shim->output;
	if (out->impl->set_active) {
		int ret = out->impl->set_active(out, active);
		if (ret < 0)
			return ret;
	}
	shim->active = active;
	if (active) {
		/* Someone else drew meanwhile: nothing we left in the buffers can be trusted. */
		shim_output_invalidate(out);
		out->modeset_pending = true;
		shim->cursor.plane_dirty = shim->output->has_cursor_plane;
		shim->cursor.image_changed = true;
		shim_damage_all(shim);
	}
	return 0;
}

/* ---- Lifecycle ------------------------------------------------------------------------------ */

int shim_create(struct shim **out, struct shim_output *output, const struct shim_options *opts)
{
	static const struct shim_options defaults = { 0 };
	if (!out || !output)
		return -EINVAL;
	if (!opts)
		opts = &defaults;
	struct shim *shim = calloc(1, sizeof(*shim));
	if (!shim)
		return -ENOMEM;
	shim->output = output;
	shim->clock = opts->clock ? *opts->clock : (struct shim_clock){ monotonic_now, NULL };
	shim->max_refresh_mhz = opts->max_refresh_mhz;
	shim->background = opts->background;
	shim->active = true;
	pixman_region32_init(&shim->damage);

	struct shim_mode mode = output->mode;
	int ret = apply_mode(shim, &mode);
	if (ret < 0) {
		log_error("output %s cannot show %ux%u: %s", output->impl->name, mode.width,
			mode.height, strerror(-ret));
		pixman_region32_fini(&shim->damage);
		free(shim);
		return ret;
	}
	shim_output_set_events(output, &output_events, shim);
	*out = shim;
	return 0;
}

void shim_destroy(struct shim *shim)
{
	if (!shim)
		return;
	while (shim->n_surfaces)
		shim_surface_destroy(shim->surfaces[shim->n_surfaces - 1]);
	if (shim->cursor.image)
		pixman_image_unref(shim->cursor.image);
	shim_output_set_events(shim->output, NULL, NULL);
	shim_output_destroy(shim->output);
	pixman_region32_fini(&shim->damage);
	free(shim->surfaces);
	free(shim);
}

int shim_add_listener(struct shim *shim, const struct shim_listener *listener, void *data)
{
	size_t free_slot = SHIM_MAX_LISTENERS;
	for (size_t i = 0; i < SHIM_MAX_LISTENERS; i++) {
		if (shim->listeners[i].listener == listener && shim->listeners[i].data == data)
			return -EEXIST;
		if (!shim->listeners[i].listener && free_slot == SHIM_MAX_LISTENERS)
			free_slot = i;
	}
	if (!listener)
		return -EINVAL;
	if (free_slot == SHIM_MAX_LISTENERS)
		return -ENOSPC;
	shim->listeners[free_slot].listener = listener;
	shim->listeners[free_slot].data = data;
	return 0;
}

void shim_remove_listener(struct shim *shim, const struct shim_listener *listener, void *data)
{
	for (size_t i = 0; i < SHIM_MAX_LISTENERS; i++) {
		if (shim->listeners[i].listener == listener && shim->listeners[i].data == data)
			shim->listeners[i].listener = NULL;
	}
}

struct shim_output *shim_get_output(struct shim *shim)
{
	return shim->output;
}

void shim_get_size(const struct shim *shim, uint32_t *width, uint32_t *height)
{
	if (width)
		*width = shim->output->mode.width;
	if (height)
		*height = shim->output->mode.height;
}

void shim_get_stats(const struct shim *shim, struct shim_stats *stats)
{
	*stats = shim->stats;
}
