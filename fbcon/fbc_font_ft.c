/*
 * FreeType font backend: one face per style (missing styles synthesised by slanting or
 * emboldening the outline), then fallback faces for characters the main font lacks. Each cell
 * is drawn into a mask of exactly its size, glyphs placed on the main font's baseline and
 * clipped to the cell, so the renderer never draws outside the cells it damages.
 */
#define LOG_MODULE "fbc-font"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_SYNTHESIS_H
#include FT_TRUETYPE_TABLES_H

#include "fbc_font_internal.h"
#include "log.h"

#define SYNTH_BOLD 1u
#define SYNTH_ITALIC 2u
#define MAX_FALLBACKS 16

struct fbc_font_ft {
	struct fbc_font base;
	FT_Library lib;
	FT_Face styles[4]; // by enum fbc_font_style; [REGULAR] always set
	FT_Face fallbacks[MAX_FALLBACKS];
	size_t n_fallbacks;
};

/* A face that can draw a code point, and what must be synthesised for the wanted style. */
struct pick {
	FT_Face face;
	FT_UInt index;
	unsigned synth;
	bool fallback;
};

static struct fbc_font_ft *ft_of(struct fbc_font *font)
{
	return (struct fbc_font_ft *)font;
}

static int open_face(FT_Library lib, const char *path, int pixel_size, FT_Face *out)
{
	FT_Face face;
	FT_Error fe = FT_New_Face(lib, path, 0, &face);
	if (fe == FT_Err_Cannot_Open_Resource)
		return -ENOENT;
	if (fe == FT_Err_Out_Of_Memory)
		return -ENOMEM;
	if (fe) {
		log_warn("%s: not a font FreeType can read (error %d)", path, fe);
		return -EINVAL;
	}
	if (!FT_IS_SCALABLE(face) || FT_Set_Pixel_Sizes(face, 0, (FT_UInt)pixel_size)) {
		log_warn("%s: not a scalable font", path);
		FT_Done_Face(face);
		return -EINVAL;
	}
	*out = face;
	return 0;
}

/* Foo.ttf or Foo-Regular.ttf -> Foo<suffix>.ttf, if that file opens. */
static FT_Face open_sibling(FT_Library lib, const char *path, const char *suffix, int pixel_size)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (!dot || (slash && dot < slash))
		return NULL;
	size_t stem = (size_t)(dot - path);
	static const char regular[] = "-Regular";
	if (stem >= sizeof(regular) - 1 &&
		strncmp(dot - (sizeof(regular) - 1), regular, sizeof(regular) - 1) == 0)
		stem -= sizeof(regular) - 1;
	char sibling[4096];
	if (snprintf(sibling, sizeof(sibling), "%.*s%s%s", (int)stem, path, suffix, dot) >=
		(int)sizeof(sibling))
		return NULL;
	FT_Face face = NULL;
	if (open_face(lib, sibling, pixel_size, &face) != 0)
		return NULL;
	return face;
}

static FT_Face open_style(FT_Library lib, const char *given, const struct fbc_font_ft_config *cfg,
	const char *suffix1, const char *suffix2)
{
	FT_Face face = NULL;
	if (given) {
		int err = open_face(lib, given, cfg->pixel_size, &face);
		if (err)
			log_warn("%s: %s; synthesising the style instead", given, strerror(-err));
		return face;
	}
	if (!cfg->find_styles)
		return NULL;
	const char *path = cfg->path ? cfg->path : FBC_FONT_DEFAULT_PATH;
	face = open_sibling(lib, path, suffix1, cfg->pixel_size);
	if (!face && suffix2)
		face = open_sibling(lib, path, suffix2, cfg->pixel_size);
	return face;
}

static int round26(FT_Pos v)
{
	return (int)((v + 32) >> 6);
}

static int ceil26(FT_Pos v)
{
	return (int)((v + 63) >> 6);
}

static int clamp_int(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int compute_metrics(FT_Face face, struct fbc_font_metrics *m)
{
	if (FT_Load_Char(face, 'M', FT_LOAD_DEFAULT))
		return -EINVAL;
	const FT_Size_Metrics *sm = &face->size->metrics;
	m->cell_width = round26(face->glyph->advance.x);
	m->ascent = ceil26(sm->ascender);
	m->cell_height = m->ascent + ceil26(-sm->descender);
	if (m->cell_width < 1 || m->cell_height < 2)
		return -EINVAL;
	m->underline_thickness = round26(FT_MulFix(face->underline_thickness, sm->y_scale));
	if (m->underline_thickness < 1)
		m->underline_thickness = 1;
	int ul_center = m->ascent - round26(FT_MulFix(face->underline_position, sm->y_scale));
	m->underline_position = clamp_int(
		ul_center - m->underline_thickness / 2, 0, m->cell_height - m->underline_thickness);
	const TT_OS2 *os2 = FT_Get_Sfnt_Table(face, FT_SFNT_OS2);
	int strike = os2 && os2->yStrikeoutPosition > 0
		? round26(FT_MulFix(os2->yStrikeoutPosition, sm->y_scale))
		: m->ascent / 3;
	m->strikeout_position =
		clamp_int(m->ascent - strike, 0, m->cell_height - m->underline_thickness);
	return 0;
}

static bool try_face(FT_Face face, uint32_t cp, unsigned synth, bool fallback, struct pick *out)
{
	if (!face)
		return false;
	FT_UInt index = FT_Get_Char_Index(face, cp);
	if (!index)
		return false;
	*out = (struct pick){ .face = face, .index = index, .synth = synth, .fallback = fallback };
	return true;
}

/* Styled face first, then the nearest face with synthesis, then fallbacks, then .notdef. */
static struct pick pick_face(const struct fbc_font_ft *ft, uint32_t cp, enum fbc_font_style style)
{
	struct pick p;
	unsigned want = (style & FBC_FONT_BOLD ? SYNTH_BOLD : 0) |
		(style & FBC_FONT_ITALIC ? SYNTH_ITALIC : 0);
	if (try_face(ft->styles[style], cp, 0, false, &p))
		return p;
	if (style == FBC_FONT_BOLD_ITALIC &&
		(try_face(ft->styles[FBC_FONT_BOLD], cp, SYNTH_ITALIC, false, &p) ||
			try_face(ft->styles[FBC_FONT_ITALIC], cp, SYNTH_BOLD, false, &p)))
		return p;
	if (try_face(ft->styles[FBC_FONT_REGULAR], cp, want, false, &p))
		return p;
	for (size_t i = 0; i < ft->n_fallbacks; i++) {
		if (try_face(ft->fallbacks[i], cp, want, true, &p))
			return p;
	}
	return (struct pick){ .face = ft->styles[FBC_FONT_REGULAR], .index = 0, .synth = want };
}

/* Loads, synthesises and renders a glyph into face->glyph; returns its unsynthesised advance
 * in pixels, or -1 when it cannot be drawn. */
static int load_glyph(const struct pick *p)
{
	FT_GlyphSlot slot = p->face->glyph;
	if (FT_Load_Glyph(p->face, p->index, FT_LOAD_DEFAULT))
		return -1;
	int advance = round26(slot->advance.x);
	if (slot->format == FT_GLYPH_FORMAT_OUTLINE) {
		if (p->synth & SYNTH_ITALIC)
			FT_GlyphSlot_Oblique(slot);
		if (p->synth & SYNTH_BOLD)
			FT_GlyphSlot_Embolden(slot);
	}
	if (FT_Render_Glyph(slot, FT_RENDER_MODE_NORMAL))
		return -1;
	return advance;
}

static unsigned bitmap_value(const FT_Bitmap *bm, const uint8_t *row, unsigned col)
{
	if (bm->pixel_mode == FT_PIXEL_MODE_MONO)
		return (row[col >> 3] >> (7 - (col & 7))) & 1 ? 255u : 0u;
	return row[col];
}

/* Adds the rendered glyph's coverage at (x, y) of the cell mask, clipped to it. */
static void blit(const FT_Bitmap *bm, int x, int y, struct fbc_glyph_bitmap *dst)
{
	if (bm->pitch <= 0 ||
		(bm->pixel_mode != FT_PIXEL_MODE_GRAY && bm->pixel_mode != FT_PIXEL_MODE_MONO))
		return; /* colour bitmaps and bottom-up buffers: not drawn */
	for (unsigned r = 0; r < bm->rows; r++) {
		int dy = y + (int)r;
		if (dy < 0 || dy >= dst->height)
			continue;
		const uint8_t *src = bm->buffer + (size_t)r * (size_t)bm->pitch;
		uint8_t *out = dst->pixels + (size_t)dy * (size_t)dst->stride;
		for (unsigned c = 0; c < bm->width; c++) {
			int dx = x + (int)c;
			if (dx < 0 || dx >= dst->width)
				continue;
			unsigned v = out[dx] + bitmap_value(bm, src, c);
			out[dx] = (uint8_t)(v > 255 ? 255 : v);
		}
	}
}

static int ft_render(struct fbc_font *font, const uint32_t *cps, size_t n,
	enum fbc_font_style style, int width_cells, struct fbc_glyph_bitmap *out)
{
	struct fbc_font_ft *ft = ft_of(font);
	int err = fbc_font_alloc_bitmap(font, width_cells, out);
	if (err)
		return err;
	int ascent = font->metrics.ascent;
	int base_x = 0, base_advance = 0;
	for (size_t i = 0; i < n; i++) {
		struct pick p = pick_face(ft, cps[i], style);
		if (i > 0 && p.index == 0)
			continue; /* a mark nobody has: leave the base alone */
		int advance = load_glyph(&p);
		if (advance < 0)
			continue;
		FT_GlyphSlot slot = p.face->glyph;
		int x;
		if (i == 0) {
			/* Glyphs not made for this grid are centred in their cells. */
			bool fits = !p.fallback && (advance == out->width || width_cells == 1);
			base_x = fits ? 0 : (out->width - advance) / 2;
			base_advance = advance;
			x = base_x;
		} else {
			/* Monospace fonts give marks a full advance and draw them over the origin;
			 * proportional ones give them none and draw them back over the base. */
			x = advance == 0 ? base_x + base_advance : base_x;
		}
		blit(&slot->bitmap, x + slot->bitmap_left, ascent - slot->bitmap_top, out);
	}
	return 0;
}

static void ft_destroy(struct fbc_font *font)
{
	struct fbc_font_ft *ft = ft_of(font);
	for (size_t i = 0; i < 4; i++)
		if (ft->styles[i])
			FT_Done_Face(ft->styles[i]);
	for (size_t i = 0; i < ft->n_fallbacks; i++)
		FT_Done_Face(ft->fallbacks[i]);
	FT_Done_FreeType(ft->lib);
	free(ft);
}

static const struct fbc_font_impl ft_impl = {
	.name = "freetype",
	.render = ft_render,
	.destroy = ft_destroy,
};

static void open_fallbacks(struct fbc_font_ft *ft, const struct fbc_font_ft_config *cfg)
{
	for (size_t i = 0; i < cfg->n_fallbacks && ft->n_fallbacks < MAX_FALLBACKS; i++) {
		FT_Face face;
		if (!cfg->fallbacks[i])
			continue;
		int err = open_face(ft->lib, cfg->fallbacks[i], cfg->pixel_size, &face);
		if (err)
			log_warn("fallback %s: %s", cfg->fallbacks[i], strerror(-err));
		else
			ft->fallbacks[ft->n_fallbacks++] = face;
	}
}

int fbc_font_ft_create(struct fbc_font **out, const struct fbc_font_ft_config *cfg)
{
	if (cfg->pixel_size < FBC_FONT_MIN_SIZE || cfg->pixel_size > FBC_FONT_MAX_SIZE)
		return -EINVAL;
	struct fbc_font_ft *ft = calloc(1, sizeof(*ft));
	if (!ft)
		return -ENOMEM;
	if (FT_Init_FreeType(&ft->lib)) {
		free(ft);
		return -ENOMEM;
	}
	const char *path = cfg->path ? cfg->path : FBC_FONT_DEFAULT_PATH;
	int err = open_face(ft->lib, path, cfg->pixel_size, &ft->styles[FBC_FONT_REGULAR]);
	if (err)
		goto err_font;
	if (!FT_IS_FIXED_WIDTH(ft->styles[FBC_FONT_REGULAR]))
		log_warn("%s is not monospaced; cells are as wide as its M", path);
	struct fbc_font_metrics metrics;
	err = compute_metrics(ft->styles[FBC_FONT_REGULAR], &metrics);
	if (err)
		goto err_font;
	ft->styles[FBC_FONT_BOLD] = open_style(ft->lib, cfg->bold_path, cfg, "-Bold", NULL);
	ft->styles[FBC_FONT_ITALIC] =
		open_style(ft->lib, cfg->italic_path, cfg, "-Oblique", "-Italic");
	ft->styles[FBC_FONT_BOLD_ITALIC] =
		open_style(ft->lib, cfg->bold_italic_path, cfg, "-BoldOblique", "-BoldItalic");
	open_fallbacks(ft, cfg);
	fbc_font_init(&ft->base, &ft_impl, &metrics);
	*out = &ft->base;
	return 0;

err_font:
	ft_destroy(&ft->base);
	return err;
}
