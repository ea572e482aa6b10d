/*
 * Font ops dispatch and the registry of default fonts; see fbc_font.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "fbc_font_internal.h"

void fbc_font_init(struct fbc_font *font, const struct fbc_font_impl *impl,
	const struct fbc_font_metrics *metrics)
{
	font->impl = impl;
	font->metrics = *metrics;
}

void fbc_font_get_metrics(const struct fbc_font *font, struct fbc_font_metrics *out)
{
	*out = font->metrics;
}

int fbc_font_alloc_bitmap(
	const struct fbc_font *font, int width_cells, struct fbc_glyph_bitmap *out)
{
	int width = font->metrics.cell_width * width_cells;
	int height = font->metrics.cell_height;
	int stride = (width + 3) & ~3;
	uint8_t *pixels = calloc((size_t)stride * (size_t)height, 1);
	if (!pixels)
		return -ENOMEM;
	*out = (struct fbc_glyph_bitmap){
		.pixels = pixels,
		.width = width,
		.height = height,
		.stride = stride,
	};
	return 0;
}

int fbc_font_render(struct fbc_font *font, const uint32_t *cps, size_t n, enum fbc_font_style style,
	int width_cells, struct fbc_glyph_bitmap *out)
{
	if (n == 0 || width_cells < 1 || width_cells > 2 || (unsigned)style > FBC_FONT_BOLD_ITALIC)
		return -EINVAL;
	return font->impl->render(font, cps, n, style, width_cells, out);
}

void fbc_font_destroy(struct fbc_font *font)
{
	if (font)
		font->impl->destroy(font);
}

/* In order of preference: same design first, then wide coverage, then everything. */
static const char *const fallback_candidates[] = {
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",             // fonts-dejavu-core
	"/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf",     // fonts-noto-core
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",      // fonts-noto-cjk
	"/usr/share/fonts/truetype/noto/NotoSansSymbols2-Regular.ttf", // fonts-noto-core
	"/usr/share/fonts/opentype/unifont/unifont.otf",               // fonts-unifont
};

size_t fbc_font_default_fallbacks(const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < sizeof(fallback_candidates) / sizeof(*fallback_candidates); i++) {
		if (n < max && access(fallback_candidates[i], R_OK) == 0)
			out[n++] = fallback_candidates[i];
	}
	return n;
}

/*
 * DejaVu Sans Mono's cell is about 0.6 x 1.17 of the pixel size. Aim for about 38 rows (a
 * 24-pixel font on 1080 lines, 16 on 768), then shrink until 80x24 fits, but not below 10 px.
 */
int fbc_font_default_size(int width, int height)
{
	int size = height / 45;
	if (size > 32)
		size = 32;
	if (size < 10)
		size = 10;
	while (size > 10 && (width < 80 * size * 6 / 10 || height < 24 * size * 117 / 100))
		size--;
	return size;
}
