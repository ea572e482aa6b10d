#include "rect.h"

#include "macros.h"

bool rect_intersect(const struct rect *a, const struct rect *b, struct rect *out)
{
	struct rect r = {
		.x1 = MAX(a->x1, b->x1),
		.y1 = MAX(a->y1, b->y1),
		.x2 = MIN(a->x2, b->x2),
		.y2 = MIN(a->y2, b->y2),
	};
	if (rect_is_empty(&r)) {
		*out = (struct rect){ 0 };
		return false;
	}
	*out = r;
	return true;
}

bool rect_clip(struct rect *r, const struct rect *clip)
{
	return rect_intersect(r, clip, r);
}

bool rect_contains(const struct rect *outer, const struct rect *inner)
{
	if (rect_is_empty(inner))
		return true;
	return outer->x1 <= inner->x1 && outer->y1 <= inner->y1 && outer->x2 >= inner->x2 &&
		outer->y2 >= inner->y2;
}
