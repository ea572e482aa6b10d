/*
 * Damage: clip to what the plane shows, merge, bound the list, send as DIRT.
 *
 * drm_damage_helper.c is the model for clipping (clips are framebuffer coordinates, cut to the
 * plane's source; a missing list means a full update). Beyond it, the list is kept small without
 * ever losing damage and without paying more copying than the damage itself:
 *
 *  1. Rects that touch or overlap merge into their bounding box when the box costs no more
 *     copying than the two apart (area(box) <= area(a) + area(b)): side-by-side glyph cells and
 *     nested rects merge, far-apart cells do not, so two distant cells cost two cells.
 *  2. The rest go out exactly, up to 255 rects per DIRT and several DIRT if needed (Linux since
 *     2025 sends one message per clip, unmerged). Only past a cap (SVD_MAX_PENDING_RECTS, 32 full
 *     messages) is precision traded for size: every rect is rounded outward to a grid, which
 *     makes neighbours touch and merge; the grid doubles until the list fits, ending at the
 *     whole screen at worst (DRM's full-update fallback). Each round is O(n log n).
 *
 * Capping at 255 instead (one message, merging the pair whose box adds least) was measured with
 * bench_damage: scattered cells over 10% of a screen then cost ~90% of it to copy, and the pair
 * search alone took tens of milliseconds.
 *
 * Merging only ever grows the area: the union of the output covers every input rect.
 */
#define LOG_MODULE "svd"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macros.h"
#include "svd_internal.h"

#define SVD_DAMAGE_MERGE_PASSES 8

void svd_damage_finish(struct svd_damage *d)
{
	free(d->rects);
	*d = (struct svd_damage){ 0 };
}

void svd_damage_clear(struct svd_damage *d)
{
	d->count = 0;
}

static int reserve(struct svd_damage *d, size_t extra)
{
	if (extra <= d->cap - d->count)
		return 0;
	if (extra > SIZE_MAX / sizeof(struct rect) / 2 - d->count)
		return -ENOMEM;
	size_t cap = MAX(MAX(d->cap * 2, (size_t)64), d->count + extra);
	struct rect *rects = realloc(d->rects, cap * sizeof(*rects));
	if (!rects)
		return -ENOMEM;
	d->rects = rects;
	d->cap = cap;
	return 0;
}

int svd_damage_add(struct svd_damage *d, const struct rect *r)
{
	if (rect_is_empty(r))
		return 0;
	int ret = reserve(d, 1);
	if (ret < 0)
		return ret;
	d->rects[d->count++] = *r;
	return 0;
}

/* Replaces the list with one rect; uses no new memory once the list has ever held one. */
static void set_one(struct svd_damage *d, const struct rect *r)
{
	d->count = 0;
	if (reserve(d, 1) == 0)
		d->rects[d->count++] = *r;
}

int svd_damage_add_clips(
	struct svd_damage *d, const struct svd_rect *clips, size_t n, const struct rect *src)
{
	struct rect screen = { 0, 0, src->x2 - src->x1, src->y2 - src->y1 };
	if (reserve(d, n) < 0) {
		log_error("out of memory for %zu damage clips: repainting the whole screen", n);
		set_one(d, &screen);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct rect r = { clips[i].x1, clips[i].y1, clips[i].x2, clips[i].y2 };
		if (!rect_clip(&r, src))
			continue;
		r.x1 -= src->x1;
		r.x2 -= src->x1;
		r.y1 -= src->y1;
		r.y2 -= src->y1;
		d->rects[d->count++] = r;
	}
	return 0;
}

static int cmp_y_x(const void *pa, const void *pb)
{
	const struct rect *a = pa, *b = pb;
	if (a->y1 != b->y1)
		return a->y1 < b->y1 ? -1 : 1;
	if (a->x1 != b->x1)
		return a->x1 < b->x1 ? -1 : 1;
	return 0;
}

static bool cheap_to_merge(const struct rect *a, const struct rect *b)
{
	return rect_touches(a, b) && rect_merge_cost(a, b) <= 0;
}

/* Drops empty rects (merged-away ones are emptied), keeping the order. */
static void compact(struct svd_damage *d)
{
	size_t w = 0;
	for (size_t i = 0; i < d->count; i++) {
		if (!rect_is_empty(&d->rects[i]))
			d->rects[w++] = d->rects[i];
	}
	d->count = w;
}

/*
 * Step 1 on a list sorted by y1. A rect only meets those starting at or above its bottom edge,
 * and merging keeps its top edge, so each pass is a sweep; a pass that merged may enable more,
 * but passes that merge little are not worth their cost. Returns the merges done.
 */
static size_t merge_cheap(struct svd_damage *d)
{
	size_t total = 0;
	bool unsorted = false;
	for (int pass = 0; pass < SVD_DAMAGE_MERGE_PASSES; pass++) {
		size_t merged = 0;
		for (size_t i = 0; i < d->count; i++) {
			struct rect *a = &d->rects[i];
			for (size_t j = i + 1; j < d->count && !rect_is_empty(a); j++) {
				struct rect *b = &d->rects[j];
				if (b->y1 > a->y2)
					break;
				if (b->x1 > a->x2 || b->x2 < a->x1 || rect_is_empty(b))
					continue;
				if (cheap_to_merge(a, b)) {
					/* A box growing leftwards may pass its row neighbours. */
					unsorted |= b->x1 < a->x1;
					*a = rect_union(a, b);
					*b = rect_empty();
					merged++;
				}
			}
		}
		compact(d);
		total += merged;
		if (merged * 32 <= d->count)
			break;
	}
	if (unsorted)
		qsort(d->rects, d->count, sizeof(*d->rects), cmp_y_x);
	return total;
}

static int32_t round_down(int32_t v, int32_t grid)
{
	int64_t q = (int64_t)v / grid;
	if ((int64_t)v % grid < 0)
		q--;
	return (int32_t)(q * grid);
}

static int32_t round_up(int32_t v, int32_t grid)
{
	int64_t down = round_down(v, grid);
	return (int32_t)MIN(down == v ? down : down + grid, (int64_t)INT32_MAX);
}

/* Step 2 past the cap: round every rect outward to the grid, inside bounds, and merge again. */
static void snap_to_grid(struct svd_damage *d, int32_t grid, const struct rect *bounds)
{
	for (size_t i = 0; i < d->count; i++) {
		struct rect *r = &d->rects[i];
		*r = (struct rect){ round_down(r->x1, grid), round_down(r->y1, grid),
			round_up(r->x2, grid), round_up(r->y2, grid) };
		rect_clip(r, bounds);
	}
	compact(d);
	qsort(d->rects, d->count, sizeof(*d->rects), cmp_y_x);
	merge_cheap(d);
}

static void collapse_to_extents(struct svd_damage *d)
{
	struct rect box = { 0 };
	for (size_t i = 0; i < d->count; i++)
		box = rect_union(&box, &d->rects[i]);
	set_one(d, &box);
}

void svd_damage_normalize(struct svd_damage *d, size_t max, const struct rect *bounds)
{
	compact(d);
	if (d->count <= 1)
		return;
	qsort(d->rects, d->count, sizeof(*d->rects), cmp_y_x);
	merge_cheap(d);
	if (d->count <= max)
		return;
	if (max <= 1) {
		collapse_to_extents(d);
		return;
	}
	uint64_t side = MAX(rect_width(bounds), rect_height(bounds));
	for (uint64_t grid = 16; d->count > max; grid *= 2) {
		if (grid > side) {
			collapse_to_extents(d);
			return;
		}
		snap_to_grid(d, (int32_t)grid, bounds);
	}
}

/* Encodes the first pending rects as DIRT messages of per_msg rects, as many as one ring write
 * takes; returns the message count and sets *n_rects to the rects they carry. */
static size_t build_dirt(struct svd_device *dev, size_t per_msg, size_t *n_rects)
{
	size_t max_msgs = per_msg == 1 ? SVD_DIRT_BATCH_ONE : SVD_DIRT_BATCH_FULL;
	size_t slot = SYNTHVID_DIRT_RECTS_OFF + per_msg * SYNTHVID_RECT_SIZE;
	size_t n = MIN(dev->pending.count, max_msgs * per_msg), n_msgs = 0;
	struct synthvid_rect rects[SVD_MAX_DIRT_RECTS];
	for (size_t first = 0; first < n; first += per_msg) {
		size_t count = MIN(per_msg, n - first);
		for (size_t i = 0; i < count; i++) {
			const struct rect *r = &dev->pending.rects[first + i];
			rects[i] = (struct synthvid_rect){ r->x1, r->y1, r->x2, r->y2 };
		}
		uint8_t *buf = dev->dirt_buf + n_msgs * slot;
		int len = synthvid_encode_dirt(
			buf, slot, SYNTHVID_VID_SIZE_WITH_HEADER, 0, rects, count);
		if (len < 0) {
			log_bug_self("cannot encode a DIRT of %zu rects: %d", count, len);
			break;
		}
		dev->dirt_iov[n_msgs] = (struct vmb_iov){ buf, (size_t)len };
		dev->dirt_out[n_msgs] = (struct vmb_ring_out){
			.type = VMB_PKT_DATA_INBAND,
			.trans_id = ++dev->next_trans_id,
			.iov = &dev->dirt_iov[n_msgs],
			.iov_count = 1,
		};
		n_msgs++;
	}
	*n_rects = MIN(n, n_msgs * per_msg);
	return n_msgs;
}

int svd_damage_flush(struct svd_device *dev)
{
	struct svd_damage *p = &dev->pending;
	size_t per_msg = dev->opts.one_rect_per_dirt ? 1 : SVD_MAX_DIRT_RECTS;
	while (p->count > 0) {
		size_t n;
		size_t n_msgs = build_dirt(dev, per_msg, &n);
		if (n_msgs == 0) {
			svd_damage_clear(p);
			return 0;
		}
		int sent = vmb_channel_send_batch(dev->ch, dev->dirt_out, n_msgs);
		if (sent < 0) {
			if (sent == -EAGAIN)
				dev->stats.ring_full++;
			return sent;
		}
		size_t done = MIN(n, (size_t)sent * per_msg);
		dev->stats.tx_dirt_messages += (uint64_t)sent;
		dev->stats.tx_dirt_rects += done;
		memmove(p->rects, p->rects + done, (p->count - done) * sizeof(*p->rects));
		p->count -= done;
		if ((size_t)sent < n_msgs) {
			dev->stats.ring_full++;
			return -EAGAIN;
		}
	}
	return 0;
}
