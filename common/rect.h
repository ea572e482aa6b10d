/*
 * Integer rectangles with exclusive far edges, as DIRT and DRM damage clips use them: a rect
 * covers x1 <= x < x2, y1 <= y < y2 and is empty when x1 >= x2 or y1 >= y2 (an inverted rect is
 * just empty). Widths and areas are computed in 64 bits, so any int32 corners are safe.
 *
 * Pure: C library only, no I/O, no allocation. The helpers damage merging calls in its inner
 * loops are inline.
 */
#ifndef HVD_COMMON_RECT_H
#define HVD_COMMON_RECT_H

#include <stdbool.h>
#include <stdint.h>

struct rect {
	int32_t x1; // inclusive
	int32_t y1;
	int32_t x2; // exclusive
	int32_t y2;
};

/* {0, 0, 0, 0}: what empty results are normalised to. */
static inline struct rect rect_empty(void)
{
	struct rect r = { 0, 0, 0, 0 };
	return r;
}

static inline bool rect_is_empty(const struct rect *r)
{
	return r->x1 >= r->x2 || r->y1 >= r->y2;
}

static inline uint64_t rect_width(const struct rect *r)
{
	return r->x2 > r->x1 ? (uint64_t)((int64_t)r->x2 - r->x1) : 0;
}

static inline uint64_t rect_height(const struct rect *r)
{
	return r->y2 > r->y1 ? (uint64_t)((int64_t)r->y2 - r->y1) : 0;
}

/* Pixels covered; 0 when empty. At most (2^32 - 1)^2, so it fits. */
static inline uint64_t rect_area(const struct rect *r)
{
	return rect_width(r) * rect_height(r);
}

/* a ∩ b into *out; true when it is not empty. *out is {0} when it is. */
bool rect_intersect(const struct rect *a, const struct rect *b, struct rect *out);

/* Clips *r to clip in place; false (and *r emptied to {0}) when nothing is left. */
bool rect_clip(struct rect *r, const struct rect *clip);

/* The bounding box of a and b; an empty operand is ignored (both empty gives {0}). */
static inline struct rect rect_union(const struct rect *a, const struct rect *b)
{
	struct rect u = *a;
	if (rect_is_empty(b))
		return rect_is_empty(a) ? rect_empty() : u;
	if (rect_is_empty(a))
		return *b;
	u.x1 = a->x1 < b->x1 ? a->x1 : b->x1;
	u.y1 = a->y1 < b->y1 ? a->y1 : b->y1;
	u.x2 = a->x2 > b->x2 ? a->x2 : b->x2;
	u.y2 = a->y2 > b->y2 ? a->y2 : b->y2;
	return u;
}

/* True when inner is empty or lies inside outer. */
bool rect_contains(const struct rect *outer, const struct rect *inner);

/* True when two non-empty rects overlap or share part of an edge or a corner (no gap between
 * them), i.e. their closures intersect. */
static inline bool rect_touches(const struct rect *a, const struct rect *b)
{
	if (rect_is_empty(a) || rect_is_empty(b))
		return false;
	return a->x1 <= b->x2 && b->x1 <= a->x2 && a->y1 <= b->y2 && b->y1 <= a->y2;
}

/* Pixels the bounding box of a and b covers beyond area(a) + area(b): what merging the two costs.
 * Negative when they overlap enough that the box is smaller than the two counted apart. Areas
 * are clamped to 2^62 so the difference cannot overflow; every real screen is far below. */
static inline int64_t rect_merge_cost(const struct rect *a, const struct rect *b)
{
	const uint64_t cap = UINT64_C(1) << 62;
	struct rect u = rect_union(a, b);
	uint64_t ua = rect_area(&u), aa = rect_area(a), ba = rect_area(b);
	ua = ua < cap ? ua : cap;
	aa = aa < cap ? aa : cap;
	ba = ba < cap ? ba : cap;
	return (int64_t)ua - (int64_t)aa - (int64_t)ba;
}

#endif
