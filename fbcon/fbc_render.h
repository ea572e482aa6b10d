/*
 * Cells to pixels: draws a terminal's screen into a Pixman image and reports exactly what
 * changed.
 *
 * The renderer remembers what every cell on the target shows (character, resolved colours,
 * attributes, cursor). Each draw compares the cells the terminal says may have changed (plus
 * the old and new cursor cells) against that memory and repaints only the differing ones, so
 * the damage is exact: typing a letter is two cells (the letter and the cursor's new place), a
 * cursor blink is one. Glyphs are clipped to their cells, so no pixel outside the damage
 * changes. When the terminal scrolled (fbc_term_damage_scroll()), the scrolled rows' pixels and
 * memory are moved first, so only the new lines are drawn; the damage is still exactly the
 * cells whose pixels changed.
 *
 * The target is borrowed: the caller (the console, later the shim surface) owns the image and
 * may replace it; a new target is repainted in full on the next draw.
 *
 * Errors: 0 or negative errno (-EINVAL a target format other than x8r8g8b8/a8r8g8b8, -ENOMEM).
 * fbc_render_draw() keeps drawing when a glyph cannot be rendered (out of memory): that cell
 * shows its background and is tried again on the next draw.
 */
#ifndef HVD_FBCON_FBC_RENDER_H
#define HVD_FBCON_FBC_RENDER_H

#include <pixman.h>
#include <stdbool.h>

#include "fbc_palette.h"

struct fbc_render;
struct fbc_font;
struct fbc_glyph_cache;
struct fbc_term;

/* What differs between frames other than the cells. */
struct fbc_render_frame {
	bool blink_on; // blink phase: cursor and blinking text shown
	bool flash;    // visual bell: the screen drawn with fore- and background swapped
};

/* font and cache are borrowed and must outlive the renderer; palette is copied (NULL: xterm's). */
int fbc_render_create(struct fbc_render **out, struct fbc_font *font, struct fbc_glyph_cache *cache,
	const struct fbc_palette *palette);
/* NULL is a no-op. */
void fbc_render_destroy(struct fbc_render *render);

void fbc_render_cell_size(const struct fbc_render *render, int *width, int *height);

/* Image to draw into from now on (NULL: none). */
int fbc_render_set_target(struct fbc_render *render, pixman_image_t *target);
/* Forget what the target shows: the next draw repaints it all. */
void fbc_render_invalidate(struct fbc_render *render);
/* Whether the target shows blinking text (SGR 5), which needs a draw at each blink phase. */
bool fbc_render_blinking(const struct fbc_render *render);

/*
 * Brings the target up to date with term (cells that do not fit the target are left out; the
 * margin right and below the grid is the default background). Adds the rectangles of every
 * pixel changed to `damage` (initialised by the caller). Returns the number of cells drawn or
 * negative errno. Does not clear the terminal's damage: the caller does, once every consumer
 * has drawn. (A renderer that draws twice between clears still draws right, but moves the
 * scrolled rows twice and so redraws them.)
 */
int fbc_render_draw(struct fbc_render *render, struct fbc_term *term,
	const struct fbc_render_frame *frame, pixman_region32_t *damage);

#endif
