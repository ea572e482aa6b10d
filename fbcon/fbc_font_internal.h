/*
 * The font ops table, for backends (fbc_font_ft.c, the test stub). Users see only fbc_font.h.
 */
#ifndef HVD_FBCON_FBC_FONT_INTERNAL_H
#define HVD_FBCON_FBC_FONT_INTERNAL_H

#include "fbc_font.h"

struct fbc_font_impl {
	const char *name;
	/* As fbc_font_render(); cps, n and width_cells are already checked. */
	int (*render)(struct fbc_font *font, const uint32_t *cps, size_t n,
		enum fbc_font_style style, int width_cells, struct fbc_glyph_bitmap *out);
	void (*destroy)(struct fbc_font *font);
};

/* Embedded first in each backend's struct. */
struct fbc_font {
	const struct fbc_font_impl *impl;
	struct fbc_font_metrics metrics;
};

void fbc_font_init(struct fbc_font *font, const struct fbc_font_impl *impl,
	const struct fbc_font_metrics *metrics);

/* A zeroed mask for width_cells cells of font's size; 0 or -ENOMEM. */
int fbc_font_alloc_bitmap(
	const struct fbc_font *font, int width_cells, struct fbc_glyph_bitmap *out);

#endif
