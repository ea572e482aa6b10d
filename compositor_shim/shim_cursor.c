/*
 * The pointer: on the output's cursor plane when it has one the image fits, else drawn over the
 * surfaces by the compositor.
 *
 * On the plane a move costs a plane update and no repaint. In software every change damages the
 * rectangle the cursor left and the one it now covers, so buffer age repaints it correctly in
 * every buffer; switching between the two damages the software rectangle too.
 */
#define LOG_MODULE "shim"

#include <errno.h>

#include "log.h"
#include "shim_internal.h"

bool shim_cursor_box(const struct shim *shim, pixman_box32_t *box)
{
	const struct shim_cursor *c = &shim->cursor;
	if (!c->image)
		return false;
	int32_t x = c->x - c->hot_x, y = c->y - c->hot_y;
	*box = (pixman_box32_t){ x, y, x + pixman_image_get_width(c->image),
		y + pixman_image_get_height(c->image) };
	return true;
}

static void damage_software_cursor(struct shim *shim)
{
	pixman_box32_t box;
	if (!shim->cursor.on_plane && shim_cursor_box(shim, &box))
		shim_damage_box(shim, &box);
}

static bool fits_plane(const struct shim *shim, pixman_image_t *image)
{
	const struct shim_output *out = shim->output;
	return out->has_cursor_plane && !shim->cursor.plane_refused &&
		(uint32_t)pixman_image_get_width(image) <= out->cursor_w &&
		(uint32_t)pixman_image_get_height(image) <= out->cursor_h;
}

int shim_set_cursor(struct shim *shim, pixman_image_t *image, int32_t hot_x, int32_t hot_y)
{
	struct shim_cursor *c = &shim->cursor;
	if (image) {
		int w = pixman_image_get_width(image), h = pixman_image_get_height(image);
		if (pixman_image_get_format(image) != PIXMAN_a8r8g8b8 || w < 1 || h < 1 ||
			w > SHIM_CURSOR_MAX || h > SHIM_CURSOR_MAX || hot_x < 0 || hot_y < 0 ||
			hot_x >= w || hot_y >= h)
			return -EINVAL;
		pixman_image_ref(image);
	}
	damage_software_cursor(shim);
	bool plane_shows = c->on_plane && c->image;
	if (c->image)
		pixman_image_unref(c->image);
	c->image = image;
	c->hot_x = hot_x;
	c->hot_y = hot_y;
	/* A new image gets a new chance on the plane. */
	c->plane_refused = false;
	c->on_plane = image && fits_plane(shim, image);
	if (plane_shows || c->on_plane) {
		/* Show, replace or hide what the plane has. */
		c->plane_dirty = true;
		c->image_changed = true;
	}
	damage_software_cursor(shim);
	shim_pacing_schedule(&shim->pacing);
	return 0;
}

void shim_move_cursor(struct shim *shim, int32_t x, int32_t y)
{
	struct shim_cursor *c = &shim->cursor;
	x = x < -SHIM_MAX_POS ? -SHIM_MAX_POS : x > SHIM_MAX_POS ? SHIM_MAX_POS : x;
	y = y < -SHIM_MAX_POS ? -SHIM_MAX_POS : y > SHIM_MAX_POS ? SHIM_MAX_POS : y;
	if (x == c->x && y == c->y)
		return;
	damage_software_cursor(shim);
	c->x = x;
	c->y = y;
	damage_software_cursor(shim);
	if (c->on_plane && c->image) {
		c->plane_dirty = true;
		shim_pacing_schedule(&shim->pacing);
	}
}

bool shim_cursor_on_plane(const struct shim *shim)
{
	return shim->cursor.on_plane && shim->cursor.image;
}
