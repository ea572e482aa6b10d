/*
 * Fonts: turn one cell's character (a base code point plus combining marks) into a coverage mask
 * the size of the cell, and say how big a cell is.
 *
 * A font is an ops table (kmscon's font.h is the model) so the renderer and its tests do not
 * care where glyphs come from: fbc_font_ft_create() is the FreeType backend used by hvcon;
 * tests/fakes has a stub with fixed boxes. This header also holds the registry: where the
 * default font and its fallbacks are found, and the default size for a screen.
 *
 * The default font is DejaVu Sans Mono from Debian's fonts-dejavu-core, found by path, never
 * copied into the tree. Fallbacks, tried in order for characters it lacks: DejaVu Sans (same
 * package), then Noto Sans Mono, Noto Sans CJK and GNU Unifont if their Debian packages are
 * installed.
 *
 * Errors: constructors return 0 or negative errno (-ENOENT no such font file, -EINVAL not a
 * usable scalable font or a size out of range, -ENOMEM). fbc_font_render() returns 0 or -ENOMEM.
 */
#ifndef HVD_FBCON_FBC_FONT_H
#define HVD_FBCON_FBC_FONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FBC_FONT_DEFAULT_PATH "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
#define FBC_FONT_MIN_SIZE 6   // pixels
#define FBC_FONT_MAX_SIZE 200 // pixels

struct fbc_font;

enum fbc_font_style {
	FBC_FONT_REGULAR = 0,
	FBC_FONT_BOLD = 1,
	FBC_FONT_ITALIC = 2,
	FBC_FONT_BOLD_ITALIC = 3,
};

struct fbc_font_metrics {
	int cell_width; // pixels
	int cell_height;
	int ascent;              // baseline, pixels below the cell top
	int underline_position;  // first row of the underline, from the cell top
	int underline_thickness; // rows, >= 1
	int strikeout_position;  // first row of the strike-through, from the cell top
};

/* An 8-bit coverage mask of exactly width x height pixels (a whole cell, or two for a wide
 * character), rows `stride` bytes apart (a multiple of 4, as Pixman's a8 wants). pixels is
 * malloc()ed and owned by whoever received the bitmap. */
struct fbc_glyph_bitmap {
	uint8_t *pixels;
	int width;
	int height;
	int stride;
};

void fbc_font_get_metrics(const struct fbc_font *font, struct fbc_font_metrics *out);

/*
 * Draws cps[0..n) (a base character then combining marks, n >= 1) in `style` into a new mask
 * width_cells (1 or 2) cells wide. Characters no face has come out as the main font's
 * missing-glyph box; marks no face has are left out.
 */
int fbc_font_render(struct fbc_font *font, const uint32_t *cps, size_t n, enum fbc_font_style style,
	int width_cells, struct fbc_glyph_bitmap *out);

/* NULL is a no-op. */
void fbc_font_destroy(struct fbc_font *font);

/* FreeType backend. */
struct fbc_font_ft_config {
	const char *path;             // regular face; NULL: FBC_FONT_DEFAULT_PATH
	const char *bold_path;        // NULL: found beside path (see below), else emboldened
	const char *italic_path;      // NULL: found beside path, else slanted
	const char *bold_italic_path; // NULL: found beside path, else synthesised
	/* Look for styles beside path (Foo.ttf -> Foo-Bold.ttf, Foo-Oblique.ttf, Foo-Italic.ttf,
	 * Foo-BoldOblique.ttf, Foo-BoldItalic.ttf). Off: only the paths given, the rest
	 * synthesised (golden-image tests pin their pixels this way). */
	bool find_styles;
	const char *const *fallbacks; // tried in order; NULL entries are skipped
	size_t n_fallbacks;
	int pixel_size; // FBC_FONT_MIN_SIZE..FBC_FONT_MAX_SIZE
};

int fbc_font_ft_create(struct fbc_font **out, const struct fbc_font_ft_config *config);

/* Registry. */

/* The fallback fonts installed on this system, in the order above; returns how many were
 * written to out (at most max). The strings are static. */
size_t fbc_font_default_fallbacks(const char **out, size_t max);

/* A pixel size that gives a comfortable grid on a width x height screen: about 38 rows on
 * 1080 lines, never under 80x24 cells where the screen allows it. */
int fbc_font_default_size(int width, int height);

#endif
