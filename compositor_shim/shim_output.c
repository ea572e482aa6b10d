/*
 * The output base every backend embeds: its buffers, which one is on screen, and the damage ring
 * that gives buffer age (wlroots' wlr_damage_ring, foot's shm.h).
 *
 * Frames are numbered from 1. A buffer remembers the frame it last held; to show frame n in a
 * buffer that holds frame s, only what changed in frames s+1..n needs repainting: the damage of
 * frames s+1..n-1 from the ring, plus frame n's own. A buffer with unknown contents, or older
 * than the ring, is repainted whole.
 */
#define LOG_MODULE "shim"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "shim_internal.h"

void shim_output_init(
	struct shim_output *out, const struct shim_output_impl *impl, unsigned n_buffers)
{
	out->impl = impl;
	out->n_buffers = n_buffers < 1                ? 1
		: n_buffers > SHIM_OUTPUT_MAX_BUFFERS ? SHIM_OUTPUT_MAX_BUFFERS
						      : n_buffers;
	out->front = -1;
	out->queued = -1;
	for (size_t i = 0; i < SHIM_DAMAGE_RING; i++)
		pixman_region32_init(&out->ring[i]);
}

static void destroy_buffers(struct shim_output *out, struct shim_output_buffer *bufs)
{
	for (unsigned i = 0; i < SHIM_OUTPUT_MAX_BUFFERS; i++) {
		if (!bufs[i].image)
			continue;
		out->impl->buffer_destroy(out, &bufs[i]);
		bufs[i] = (struct shim_output_buffer){ 0 };
	}
}

void shim_output_finish(struct shim_output *out)
{
	destroy_buffers(out, out->old_buffers);
	destroy_buffers(out, out->buffers);
	for (size_t i = 0; i < SHIM_DAMAGE_RING; i++)
		pixman_region32_fini(&out->ring[i]);
	free(out->modes);
	out->modes = NULL;
	out->n_modes = 0;
}

void shim_output_destroy(struct shim_output *out)
{
	if (out)
		out->impl->destroy(out);
}

int shim_output_set_modes(struct shim_output *out, const struct shim_mode *modes, size_t n)
{
	struct shim_mode *copy = NULL;
	if (n) {
		copy = calloc(n, sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, modes, n * sizeof(*copy));
	}
	free(out->modes);
	out->modes = copy;
	out->n_modes = n;
	return 0;
}

const char *shim_output_get_name(const struct shim_output *out)
{
	return out->impl->name;
}

struct shim_mode shim_output_get_mode(const struct shim_output *out)
{
	return out->mode;
}

int shim_output_get_mode_at(const struct shim_output *out, size_t index, struct shim_mode *mode)
{
	if (out->n_modes == 0 && index == 0 && out->mode.width) {
		*mode = out->mode;
		return 0;
	}
	if (index >= out->n_modes)
		return -ENOENT;
	*mode = out->modes[index];
	return 0;
}

bool shim_output_has_cursor_plane(const struct shim_output *out)
{
	return out->has_cursor_plane;
}

void shim_output_set_events(
	struct shim_output *out, const struct shim_output_events *events, void *data)
{
	out->events = events;
	out->events_data = data;
}

void shim_output_frame_done(struct shim_output *out, uint64_t time_ns)
{
	if (out->queued >= 0) {
		out->front = out->queued;
		out->queued = -1;
		/* The previous mode's buffers are off screen now. */
		destroy_buffers(out, out->old_buffers);
	}
	if (out->events && out->events->frame_done)
		out->events->frame_done(out->events_data, time_ns);
}

void shim_output_mode_changed(struct shim_output *out, const struct shim_mode *mode)
{
	if (out->events && out->events->mode_changed)
		out->events->mode_changed(out->events_data, mode);
}

void shim_output_invalidate(struct shim_output *out)
{
	for (unsigned i = 0; i < out->n_buffers; i++)
		out->buffers[i].seq = 0;
}

int shim_output_apply_mode(struct shim_output *out, const struct shim_mode *mode)
{
	if (mode->width < 1 || mode->height < 1 || mode->width > SHIM_MAX_SIZE ||
		mode->height > SHIM_MAX_SIZE)
		return -EINVAL;
	if (out->impl->mode_valid && !out->impl->mode_valid(out, mode))
		return -EINVAL;
	if (out->queued >= 0)
		return -EBUSY;
	struct shim_output_buffer fresh[SHIM_OUTPUT_MAX_BUFFERS] = { 0 };
	for (unsigned i = 0; i < out->n_buffers; i++) {
		int ret = out->impl->buffer_create(out, &fresh[i], mode->width, mode->height);
		if (ret < 0) {
			destroy_buffers(out, fresh);
			return ret;
		}
	}
	if (out->front < 0) {
		/* The current set never reached the screen; an older one may still be on it. */
		destroy_buffers(out, out->buffers);
	} else {
		destroy_buffers(out, out->old_buffers);
		memcpy(out->old_buffers, out->buffers, sizeof(out->buffers));
	}
	memcpy(out->buffers, fresh, sizeof(fresh));
	out->front = -1;
	out->mode = *mode;
	out->modeset_pending = true;
	return 0;
}

int shim_output_acquire(struct shim_output *out, const pixman_region32_t *frame_damage,
	struct shim_output_buffer **bufp, pixman_region32_t *repaint)
{
	struct shim_output_buffer *buf = NULL;
	for (unsigned i = 0; i < out->n_buffers; i++) {
		/* A single buffer is drawn into while shown: its backend copies (svd, dirty fb). */
		if ((int)i == out->queued || (out->n_buffers > 1 && (int)i == out->front))
			continue;
		if (!buf || out->buffers[i].seq > buf->seq)
			buf = &out->buffers[i];
	}
	if (!buf || !buf->image)
		return -EBUSY;

	uint64_t age = buf->seq ? out->seq + 1 - buf->seq : 0;
	if (age == 0 || age > SHIM_DAMAGE_RING + 1 || out->modeset_pending) {
		pixman_region32_reset(repaint,
			&(pixman_box32_t){
				0, 0, (int32_t)out->mode.width, (int32_t)out->mode.height });
	} else {
		pixman_region32_copy(repaint, (pixman_region32_t *)frame_damage);
		for (uint64_t s = buf->seq + 1; s <= out->seq; s++) {
			pixman_region32_union(repaint, repaint, &out->ring[s % SHIM_DAMAGE_RING]);
		}
		pixman_region32_intersect_rect(
			repaint, repaint, 0, 0, out->mode.width, out->mode.height);
	}
	*bufp = buf;
	return 0;
}

int shim_output_commit(
	struct shim_output *out, const struct shim_output_state *state, bool test_only)
{
	struct shim_output_state st = *state;
	st.modeset = out->modeset_pending;
	if (out->modeset_pending && !st.buffer)
		return -EINVAL;
	int ret = out->impl->commit(out, &st, test_only);
	if (ret < 0 || test_only)
		return ret;
	out->modeset_pending = false;
	if (st.buffer) {
		out->seq++;
		pixman_region32_copy(
			&out->ring[out->seq % SHIM_DAMAGE_RING], (pixman_region32_t *)st.damage);
		st.buffer->seq = out->seq;
		out->queued = (int)(st.buffer - out->buffers);
	}
	return 0;
}
