/*
 * Glyph cache: chained hash buckets plus one LRU list (head: most recent). See
 * fbc_glyph_cache.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "fbc_glyph_cache.h"

struct fbc_glyph {
	uint64_t key;
	pixman_image_t *image;
	uint8_t *pixels;
	int refs; // users, the cache's hold included
	struct fbc_glyph *bucket_next;
	struct fbc_glyph *lru_prev, *lru_next;
};

struct fbc_glyph_cache {
	struct fbc_font *font;
	struct fbc_glyph **buckets;
	size_t nbuckets; // power of two
	size_t capacity;
	size_t count;
	struct fbc_glyph *lru_head, *lru_tail;
	struct fbc_glyph_cache_stats stats;
};

int fbc_glyph_cache_create(struct fbc_glyph_cache **out, struct fbc_font *font, size_t capacity)
{
	if (capacity == 0 || capacity > (1u << 24))
		return -EINVAL;
	struct fbc_glyph_cache *cache = calloc(1, sizeof(*cache));
	if (!cache)
		return -ENOMEM;
	cache->nbuckets = 1;
	while (cache->nbuckets < capacity)
		cache->nbuckets <<= 1;
	cache->buckets = calloc(cache->nbuckets, sizeof(*cache->buckets));
	if (!cache->buckets) {
		free(cache);
		return -ENOMEM;
	}
	cache->font = font;
	cache->capacity = capacity;
	*out = cache;
	return 0;
}

static void glyph_free(struct fbc_glyph *g)
{
	pixman_image_unref(g->image);
	free(g->pixels);
	free(g);
}

void fbc_glyph_unref(struct fbc_glyph *glyph)
{
	if (glyph && --glyph->refs == 0)
		glyph_free(glyph);
}

struct fbc_glyph *fbc_glyph_ref(struct fbc_glyph *glyph)
{
	glyph->refs++;
	return glyph;
}

pixman_image_t *fbc_glyph_image(const struct fbc_glyph *glyph)
{
	return glyph->image;
}

static size_t bucket_of(const struct fbc_glyph_cache *cache, uint64_t key)
{
	key ^= key >> 29;
	key *= 0xbf58476d1ce4e5b9ull;
	key ^= key >> 32;
	return (size_t)key & (cache->nbuckets - 1);
}

static void lru_unlink(struct fbc_glyph_cache *cache, struct fbc_glyph *g)
{
	if (g->lru_prev)
		g->lru_prev->lru_next = g->lru_next;
	else
		cache->lru_head = g->lru_next;
	if (g->lru_next)
		g->lru_next->lru_prev = g->lru_prev;
	else
		cache->lru_tail = g->lru_prev;
	g->lru_prev = g->lru_next = NULL;
}

static void lru_push_front(struct fbc_glyph_cache *cache, struct fbc_glyph *g)
{
	g->lru_next = cache->lru_head;
	if (cache->lru_head)
		cache->lru_head->lru_prev = g;
	cache->lru_head = g;
	if (!cache->lru_tail)
		cache->lru_tail = g;
}

/* Drops the cache's hold on g (freeing it unless a user still holds it). */
static void drop(struct fbc_glyph_cache *cache, struct fbc_glyph *g)
{
	struct fbc_glyph **link = &cache->buckets[bucket_of(cache, g->key)];
	while (*link != g)
		link = &(*link)->bucket_next;
	*link = g->bucket_next;
	lru_unlink(cache, g);
	cache->count--;
	fbc_glyph_unref(g);
}

void fbc_glyph_cache_destroy(struct fbc_glyph_cache *cache)
{
	if (!cache)
		return;
	while (cache->lru_head)
		drop(cache, cache->lru_head);
	free(cache->buckets);
	free(cache);
}

static uint64_t make_key(uint32_t ch, enum fbc_font_style style, int width_cells)
{
	return (uint64_t)ch << 8 | (uint64_t)style << 2 | (uint64_t)(width_cells - 1);
}

static int render_glyph(struct fbc_glyph_cache *cache, const uint32_t *cps, size_t n,
	enum fbc_font_style style, int width_cells, struct fbc_glyph **out)
{
	struct fbc_glyph_bitmap bm;
	int err = fbc_font_render(cache->font, cps, n, style, width_cells, &bm);
	if (err)
		return err;
	struct fbc_glyph *g = calloc(1, sizeof(*g));
	if (!g) {
		free(bm.pixels);
		return -ENOMEM;
	}
	g->pixels = bm.pixels;
	g->image = pixman_image_create_bits(
		PIXMAN_a8, bm.width, bm.height, (uint32_t *)bm.pixels, bm.stride);
	if (!g->image) {
		free(bm.pixels);
		free(g);
		return -ENOMEM;
	}
	*out = g;
	return 0;
}

int fbc_glyph_cache_get(struct fbc_glyph_cache *cache, uint32_t key, const uint32_t *cps, size_t n,
	enum fbc_font_style style, int width_cells, struct fbc_glyph **out)
{
	uint64_t k = make_key(key, style, width_cells);
	size_t b = bucket_of(cache, k);
	for (struct fbc_glyph *g = cache->buckets[b]; g; g = g->bucket_next) {
		if (g->key == k) {
			cache->stats.hits++;
			lru_unlink(cache, g);
			lru_push_front(cache, g);
			*out = fbc_glyph_ref(g);
			return 0;
		}
	}
	cache->stats.misses++;
	struct fbc_glyph *g;
	int err = render_glyph(cache, cps, n, style, width_cells, &g);
	if (err)
		return err;
	if (cache->count == cache->capacity) {
		cache->stats.evictions++;
		drop(cache, cache->lru_tail);
	}
	g->key = k;
	g->refs = 2; /* the cache's and the caller's */
	g->bucket_next = cache->buckets[b];
	cache->buckets[b] = g;
	lru_push_front(cache, g);
	cache->count++;
	*out = g;
	return 0;
}

void fbc_glyph_cache_get_stats(
	const struct fbc_glyph_cache *cache, struct fbc_glyph_cache_stats *out)
{
	*out = cache->stats;
	out->entries = cache->count;
}
