/*
 * Glyph cache: rendered cell masks by (character, style, width), least recently used first out.
 *
 * Glyphs are reference-counted because the cache may evict one while the renderer still draws
 * with it: eviction only drops the cache's hold, and the mask lives until its last user lets go.
 *
 * Errors: fbc_glyph_cache_create() returns 0, -EINVAL (capacity 0) or -ENOMEM;
 * fbc_glyph_cache_get() returns 0 or what the font's render returned (-ENOMEM).
 */
#ifndef HVD_FBCON_FBC_GLYPH_CACHE_H
#define HVD_FBCON_FBC_GLYPH_CACHE_H

#include <pixman.h>
#include <stddef.h>
#include <stdint.h>

#include "fbc_font.h"

#define FBC_GLYPH_CACHE_DEFAULT 4096

struct fbc_glyph_cache;
struct fbc_glyph;

struct fbc_glyph_cache_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t evictions;
	size_t entries;
};

/* font is borrowed and must outlive the cache. capacity: glyphs kept. */
int fbc_glyph_cache_create(struct fbc_glyph_cache **out, struct fbc_font *font, size_t capacity);
/* Drops every glyph the cache holds; glyphs still referenced live on until unref. NULL is a
 * no-op. */
void fbc_glyph_cache_destroy(struct fbc_glyph_cache *cache);

/*
 * A referenced glyph for `key` (the cell's character: a code point or a cluster id, which must
 * stand for the same code points for the cache's lifetime) in style and width_cells (1 or 2).
 * On a miss, cps[0..n) are rendered. Release with fbc_glyph_unref().
 */
int fbc_glyph_cache_get(struct fbc_glyph_cache *cache, uint32_t key, const uint32_t *cps, size_t n,
	enum fbc_font_style style, int width_cells, struct fbc_glyph **out);

void fbc_glyph_cache_get_stats(
	const struct fbc_glyph_cache *cache, struct fbc_glyph_cache_stats *out);

/* The glyph's a8 mask, exactly its cells' size; owned by the glyph. */
pixman_image_t *fbc_glyph_image(const struct fbc_glyph *glyph);
struct fbc_glyph *fbc_glyph_ref(struct fbc_glyph *glyph);
/* NULL is a no-op. */
void fbc_glyph_unref(struct fbc_glyph *glyph);

#endif
