/*
 * Composition: repaint one region of an output buffer from the committed scene.
 *
 * Two passes, as weston's and wlroots' renderers do. Top to bottom, each surface gets the part
 * of the repaint region that no opaque surface above it covers; a surface left with nothing is
 * skipped (culled). Then bottom to top, the background fills what no opaque surface covers and
 * each surface paints its part: copied (SRC) inside its opaque region, blended (OVER)
 * elsewhere. Pixels outside the repaint region are never touched, which is what lets buffer age
 * and the damage lie test hold us to our word.
 */
#include "shim_internal.h"

static void composite_region(pixman_op_t op, pixman_image_t *src, int32_t sx, int32_t sy,
	pixman_image_t *dst, const pixman_region32_t *region)
{
	int n;
	const pixman_box32_t *r = pixman_region32_rectangles((pixman_region32_t *)region, &n);
	for (int i = 0; i < n; i++) {
		pixman_image_composite32(op, src, NULL, dst, r[i].x1 - sx, r[i].y1 - sy, 0, 0,
			r[i].x1, r[i].y1, r[i].x2 - r[i].x1, r[i].y2 - r[i].y1);
	}
}

static uint64_t region_area(const pixman_region32_t *region)
{
	int n;
	uint64_t area = 0;
	const pixman_box32_t *r = pixman_region32_rectangles((pixman_region32_t *)region, &n);
	for (int i = 0; i < n; i++)
		area += (uint64_t)(r[i].x2 - r[i].x1) * (uint64_t)(r[i].y2 - r[i].y1);
	return area;
}

/* Top to bottom: what each surface must paint; covered ends as what opaque surfaces cover. */
static void cull(struct shim *shim, const pixman_region32_t *repaint, pixman_region32_t *covered)
{
	pixman_region32_t opaque;
	pixman_region32_init(&opaque);
	for (size_t i = shim->n_surfaces; i-- > 0;) {
		struct shim_surface *s = shim->surfaces[i];
		pixman_box32_t box;
		pixman_region32_clear(&s->paint);
		pixman_region32_clear(&s->paint_opaque);
		if (!shim_surface_extents(s, &box))
			continue;
		pixman_region32_intersect_rect(&s->paint, (pixman_region32_t *)repaint, box.x1,
			box.y1, (unsigned)(box.x2 - box.x1), (unsigned)(box.y2 - box.y1));
		pixman_region32_subtract(&s->paint, &s->paint, covered);
		if (!pixman_region32_not_empty(&s->paint)) {
			shim->stats.surfaces_culled++;
			continue;
		}
		shim_surface_opaque_region(s, &opaque);
		pixman_region32_intersect(&s->paint_opaque, &s->paint, &opaque);
		pixman_region32_union(covered, covered, &s->paint_opaque);
	}
	pixman_region32_fini(&opaque);
}

static void paint_background(
	struct shim *shim, pixman_image_t *dst, const pixman_region32_t *region)
{
	uint32_t bg = shim->background;
	pixman_color_t color = {
		.red = (uint16_t)(((bg >> 16) & 0xff) * 0x101),
		.green = (uint16_t)(((bg >> 8) & 0xff) * 0x101),
		.blue = (uint16_t)((bg & 0xff) * 0x101),
		.alpha = 0xffff,
	};
	int n;
	const pixman_box32_t *r = pixman_region32_rectangles((pixman_region32_t *)region, &n);
	if (n > 0)
		pixman_image_fill_boxes(PIXMAN_OP_SRC, dst, &color, n, r);
}

static void paint_cursor(struct shim *shim, pixman_image_t *dst, const pixman_region32_t *repaint)
{
	pixman_box32_t box;
	if (shim->cursor.on_plane || !shim_cursor_box(shim, &box))
		return;
	pixman_region32_t region;
	pixman_region32_init(&region);
	pixman_region32_intersect_rect(&region, (pixman_region32_t *)repaint, box.x1, box.y1,
		(unsigned)(box.x2 - box.x1), (unsigned)(box.y2 - box.y1));
	composite_region(PIXMAN_OP_OVER, shim->cursor.image, box.x1, box.y1, dst, &region);
	pixman_region32_fini(&region);
}

void shim_composite(struct shim *shim, pixman_image_t *dst, const pixman_region32_t *repaint)
{
	pixman_region32_t covered, rest;
	pixman_region32_init(&covered);
	pixman_region32_init(&rest);

	cull(shim, repaint, &covered);
	pixman_region32_subtract(&rest, (pixman_region32_t *)repaint, &covered);
	paint_background(shim, dst, &rest);
	shim->stats.pixels_painted += region_area(&rest);

	for (size_t i = 0; i < shim->n_surfaces; i++) {
		struct shim_surface *s = shim->surfaces[i];
		if (!pixman_region32_not_empty(&s->paint))
			continue;
		pixman_image_t *src = s->current.buffer->image;
		composite_region(
			PIXMAN_OP_SRC, src, s->current.x, s->current.y, dst, &s->paint_opaque);
		pixman_region32_subtract(&rest, &s->paint, &s->paint_opaque);
		composite_region(PIXMAN_OP_OVER, src, s->current.x, s->current.y, dst, &rest);
		shim->stats.pixels_painted += region_area(&s->paint);
	}
	paint_cursor(shim, dst, repaint);

	pixman_region32_fini(&rest);
	pixman_region32_fini(&covered);
}
