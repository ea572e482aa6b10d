/*
 * Surfaces: pending and current state, and the damage a commit causes.
 *
 * Setters write the pending state; shim_surface_commit() applies it all at once, so a client
 * that moves a surface and gives it a new buffer is never shown half done. Position, z,
 * visibility and the opaque region stay pending-equals-current after a commit (they are sticky);
 * the buffer, its damage and the frame request are one-shot.
 *
 * What a commit damages, in output coordinates: where the surface was and where it is when it
 * moved, changed size, stacking, visibility or opaque region; otherwise only the buffer damage
 * the client declared, translated to the surface position.
 */
#define LOG_MODULE "shim"

#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "macros.h"
#include "shim_internal.h"

static int32_t clamp_pos(int32_t v)
{
	return v < -SHIM_MAX_POS ? -SHIM_MAX_POS : v > SHIM_MAX_POS ? SHIM_MAX_POS : v;
}

static void state_init(struct shim_surface_state *st)
{
	*st = (struct shim_surface_state){ .visible = true };
	pixman_region32_init(&st->opaque);
	pixman_region32_init(&st->damage);
}

static void state_finish(struct shim_surface_state *st)
{
	pixman_region32_fini(&st->opaque);
	pixman_region32_fini(&st->damage);
}

int shim_surface_create(struct shim *shim, struct shim_surface **out)
{
	if (!shim || !out)
		return -EINVAL;
	struct shim_surface *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->shim = shim;
	state_init(&s->pending);
	state_init(&s->current);
	pixman_region32_init(&s->paint);
	pixman_region32_init(&s->paint_opaque);
	int ret = shim_add_surface(shim, s);
	if (ret < 0) {
		shim_surface_destroy(s);
		return ret;
	}
	*out = s;
	return 0;
}

void shim_surface_destroy(struct shim_surface *s)
{
	if (!s)
		return;
	pixman_box32_t box;
	if (shim_surface_extents(s, &box))
		shim_damage_box(s->shim, &box);
	shim_remove_surface(s->shim, s);
	if (s->current.buffer) {
		shim_buffer_unlock(s->current.buffer);
		shim_buffer_unref(s->current.buffer);
	}
	shim_buffer_unref(s->pending.buffer);
	state_finish(&s->pending);
	state_finish(&s->current);
	pixman_region32_fini(&s->paint);
	pixman_region32_fini(&s->paint_opaque);
	free(s);
}

void shim_surface_attach(struct shim_surface *s, struct shim_buffer *buffer)
{
	shim_buffer_ref(buffer);
	shim_buffer_unref(s->pending.buffer);
	s->pending.buffer = buffer;
	s->buffer_attached = true;
}

int shim_surface_damage(struct shim_surface *s, int32_t x, int32_t y, int32_t width, int32_t height)
{
	if (width < 0 || height < 0)
		return -EINVAL;
	if (width == 0 || height == 0)
		return 0;
	/* Clamp before adding so x + width cannot overflow; the commit clips to the buffer. */
	int64_t x1 = MAX((int64_t)x, 0), y1 = MAX((int64_t)y, 0);
	int64_t x2 = MIN((int64_t)x + width, SHIM_MAX_SIZE);
	int64_t y2 = MIN((int64_t)y + height, SHIM_MAX_SIZE);
	if (x1 >= x2 || y1 >= y2)
		return 0;
	pixman_region32_union_rect(&s->pending.damage, &s->pending.damage, (int)x1, (int)y1,
		(unsigned)(x2 - x1), (unsigned)(y2 - y1));
	return 0;
}

void shim_surface_set_position(struct shim_surface *s, int32_t x, int32_t y)
{
	s->pending.x = clamp_pos(x);
	s->pending.y = clamp_pos(y);
}

void shim_surface_set_z(struct shim_surface *s, int32_t z)
{
	s->pending.z = z;
}

void shim_surface_set_visible(struct shim_surface *s, bool visible)
{
	s->pending.visible = visible;
}

int shim_surface_set_opaque_region(struct shim_surface *s, const pixman_region32_t *region)
{
	if (!region) {
		pixman_region32_clear(&s->pending.opaque);
		return 0;
	}
	if (!pixman_region32_copy(&s->pending.opaque, region))
		return -ENOMEM;
	return 0;
}

void shim_surface_request_frame(struct shim_surface *s, shim_frame_fn fn, void *data)
{
	s->pending.frame = (struct shim_frame_request){ fn, data };
}

void shim_surface_get_position(const struct shim_surface *s, int32_t *x, int32_t *y)
{
	if (x)
		*x = s->current.x;
	if (y)
		*y = s->current.y;
}

bool shim_surface_extents(const struct shim_surface *s, pixman_box32_t *box)
{
	const struct shim_buffer *b = s->current.buffer;
	if (!s->current.visible || !b)
		return false;
	*box = (pixman_box32_t){ s->current.x, s->current.y, s->current.x + b->width,
		s->current.y + b->height };
	return true;
}

void shim_surface_opaque_region(const struct shim_surface *s, pixman_region32_t *dst)
{
	const struct shim_buffer *b = s->current.buffer;
	if (!b) {
		pixman_region32_clear(dst);
		return;
	}
	if (b->opaque)
		pixman_region32_reset(dst, &(pixman_box32_t){ 0, 0, b->width, b->height });
	else
		pixman_region32_intersect_rect(
			dst, &s->current.opaque, 0, 0, (unsigned)b->width, (unsigned)b->height);
	pixman_region32_translate(dst, s->current.x, s->current.y);
}

/* True when the change from current to pending moves pixels other than the buffer damage. */
static bool geometry_changes(const struct shim_surface *s)
{
	const struct shim_surface_state *c = &s->current, *p = &s->pending;
	if (c->x != p->x || c->y != p->y || c->z != p->z || c->visible != p->visible)
		return true;
	if (s->buffer_attached) {
		const struct shim_buffer *a = c->buffer, *b = p->buffer;
		if (!a || !b || a->width != b->width || a->height != b->height ||
			a->opaque != b->opaque)
			return true;
	}
	return !pixman_region32_equal(&c->opaque, &p->opaque);
}

static void damage_buffer_area(struct shim_surface *s)
{
	const struct shim_buffer *b = s->current.buffer;
	pixman_region32_t damage;
	pixman_region32_init(&damage);
	if (s->buffer_attached && !pixman_region32_not_empty(&s->pending.damage))
		pixman_region32_init_rect(&damage, 0, 0, (unsigned)b->width, (unsigned)b->height);
	else
		pixman_region32_intersect_rect(
			&damage, &s->pending.damage, 0, 0, (unsigned)b->width, (unsigned)b->height);
	pixman_region32_translate(&damage, s->current.x, s->current.y);
	shim_damage_region(s->shim, &damage);
	pixman_region32_fini(&damage);
}

static void apply_buffer(struct shim_surface *s)
{
	struct shim_buffer *old = s->current.buffer;
	/* The pending reference moves to current. */
	s->current.buffer = s->pending.buffer;
	s->pending.buffer = NULL;
	if (s->current.buffer)
		shim_buffer_lock(s->current.buffer);
	if (old) {
		shim_buffer_unlock(old);
		shim_buffer_unref(old);
	}
}

int shim_surface_commit(struct shim_surface *s)
{
	struct shim *shim = s->shim;
	shim->stats.surface_commits++;
	pixman_box32_t old_box, box;
	bool geometry = geometry_changes(s);
	bool restack = s->current.z != s->pending.z;
	bool was_shown = shim_surface_extents(s, &old_box);

	/* The only step that can fail goes first, so a failed commit changes nothing. */
	pixman_region32_t opaque;
	pixman_region32_init(&opaque);
	if (!pixman_region32_copy(&opaque, &s->pending.opaque)) {
		pixman_region32_fini(&opaque);
		return -ENOMEM;
	}
	pixman_region32_fini(&s->current.opaque);
	s->current.opaque = opaque;
	if (geometry && was_shown)
		shim_damage_box(shim, &old_box);
	if (s->buffer_attached)
		apply_buffer(s);
	s->current.x = s->pending.x;
	s->current.y = s->pending.y;
	s->current.z = s->pending.z;
	s->current.visible = s->pending.visible;
	if (restack)
		shim_restack(shim);

	if (shim_surface_extents(s, &box)) {
		if (geometry)
			shim_damage_box(shim, &box);
		else
			damage_buffer_area(s);
	}
	pixman_region32_clear(&s->pending.damage);
	s->buffer_attached = false;

	if (s->pending.frame.fn) {
		s->frame_queued = s->pending.frame;
		s->pending.frame = (struct shim_frame_request){ 0 };
		shim_pacing_schedule(&shim->pacing);
	}
	return 0;
}
