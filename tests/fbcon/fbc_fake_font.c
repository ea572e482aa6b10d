/*
 * Stub font; see fbc_fake_font.h.
 */
#include <stdlib.h>

#include "fbc_fake_font.h"
#include "fbc_font_internal.h"

struct fake_font {
	struct fbc_font base;
};

static int fake_render(struct fbc_font *font, const uint32_t *cps, size_t n,
	enum fbc_font_style style, int width_cells, struct fbc_glyph_bitmap *out)
{
	int err = fbc_font_alloc_bitmap(font, width_cells, out);
	if (err)
		return err;
	/* A box inset by one pixel, then one row per set bit of the code point's low byte, and a
	 * heavier left edge for bold: different characters, different pixels. */
	for (int y = 1; y < out->height - 1; y++) {
		for (int x = 1; x < out->width - 1; x++) {
			bool edge = y == 1 || y == out->height - 2 || x == 1 || x == out->width - 2;
			bool bit = y >= 3 && y < 11 && ((cps[0] >> (y - 3)) & 1);
			bool bold = (style & FBC_FONT_BOLD) && x == 2;
			if (edge || bit || bold || n > 1)
				out->pixels[y * out->stride + x] = 0xff;
		}
	}
	return 0;
}

static void fake_destroy(struct fbc_font *font)
{
	free(font);
}

static const struct fbc_font_impl fake_impl = {
	.name = "fake",
	.render = fake_render,
	.destroy = fake_destroy,
};

struct fbc_font *fbct_fake_font_create(void)
{
	struct fake_font *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	struct fbc_font_metrics m = {
		.cell_width = FBCT_FAKE_CELL_W,
		.cell_height = FBCT_FAKE_CELL_H,
		.ascent = 12,
		.underline_position = 13,
		.underline_thickness = 1,
		.strikeout_position = 8,
	};
	fbc_font_init(&f->base, &fake_impl, &m);
	return &f->base;
}
