/*
 * Cell renderer with a per-cell memory of what the target shows; see fbc_render.h.
 *
 * Per cell: one SRC fill for the background, one OVER composite of the glyph mask through a
 * solid colour, fills for underline, strike-through and the non-block cursors (foot's
 * render_cell does the same). Runs of drawn cells in a row go into the damage as one rectangle.
 *
 * When the terminal scrolled a band of rows (fbc_term_damage_scroll()), the band's pixel rows
 * and memory move first, so the per-cell comparison finds the moved lines equal and draws only
 * the new ones. Rows the move uncovers keep their pixels and memory, which still agree. The
 * band's damage is then what differs between the memory before the move and after the draw,
 * cell by cell, so it stays exact.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fbc_font.h"
#include "fbc_glyph_cache.h"
#include "fbc_render.h"
#include "fbc_term.h"

#define SOLID_CACHE 8

/* Attributes that change pixels (WIDE and SPACER say how a cell is drawn). */
#define DRAWN_ATTRS                                                                                \
	(FBC_ATTR_BOLD | FBC_ATTR_ITALIC | FBC_ATTR_UNDERLINE_MASK | FBC_ATTR_STRIKE |             \
		FBC_ATTR_WIDE | FBC_ATTR_SPACER)

enum drawn_cursor {
	DRAWN_NO_CURSOR = 0,
	DRAWN_BLOCK,
	DRAWN_UNDERLINE,
	DRAWN_BAR,
};

/* What one cell of the target shows. */
struct drawn {
	uint32_t ch; // 0 when nothing is drawn (empty, concealed, blinked off)
	uint32_t fg; // 0xRRGGBB, after reverse, faint and the block cursor
	uint32_t bg;
	uint16_t attr; // DRAWN_ATTRS bits
	uint8_t cursor;
	uint8_t valid;
	uint8_t blinking; // SGR 5 text: changes with the phase (not compared)
};

struct solid {
	uint32_t rgb;
	pixman_image_t *image;
};

struct fbc_render {
	struct fbc_font *font;
	struct fbc_glyph_cache *cache;
	struct fbc_font_metrics m;
	struct fbc_palette palette;

	pixman_image_t *target;
	int rows, cols; // cells the memory covers
	struct drawn *shadow;
	struct drawn *before; // [rows * cols]: the scrolled band's memory before it moved
	bool full;

	/* What the last draw used, to know when every cell must be compared. */
	bool last_inverse;
	bool last_blink_on;
	int cursor_row, cursor_col; // where the cursor was drawn, -1: nowhere
	size_t blinking;            // cells on the target with blinking text

	struct solid solids[SOLID_CACHE];
	unsigned next_solid;
};

int fbc_render_create(struct fbc_render **out, struct fbc_font *font, struct fbc_glyph_cache *cache,
	const struct fbc_palette *palette)
{
	struct fbc_render *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->font = font;
	r->cache = cache;
	fbc_font_get_metrics(font, &r->m);
	if (palette)
		r->palette = *palette;
	else
		fbc_palette_init_xterm(&r->palette);
	r->cursor_row = r->cursor_col = -1;
	r->full = true;
	*out = r;
	return 0;
}

void fbc_render_destroy(struct fbc_render *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < SOLID_CACHE; i++)
		if (r->solids[i].image)
			pixman_image_unref(r->solids[i].image);
	free(r->shadow);
	free(r->before);
	free(r);
}

void fbc_render_cell_size(const struct fbc_render *r, int *width, int *height)
{
	*width = r->m.cell_width;
	*height = r->m.cell_height;
}

int fbc_render_set_target(struct fbc_render *r, pixman_image_t *target)
{
	if (target) {
		pixman_format_code_t f = pixman_image_get_format(target);
		if (f != PIXMAN_x8r8g8b8 && f != PIXMAN_a8r8g8b8)
			return -EINVAL;
	}
	r->target = target;
	r->full = true;
	return 0;
}

void fbc_render_invalidate(struct fbc_render *r)
{
	r->full = true;
}

static pixman_color_t color16(uint32_t rgb)
{
	return (pixman_color_t){
		.red = (uint16_t)(((rgb >> 16) & 0xff) * 0x101),
		.green = (uint16_t)(((rgb >> 8) & 0xff) * 0x101),
		.blue = (uint16_t)((rgb & 0xff) * 0x101),
		.alpha = 0xffff,
	};
}

static void fill(struct fbc_render *r, uint32_t rgb, int x, int y, int w, int h)
{
	pixman_color_t c = color16(rgb);
	pixman_box32_t box = { x, y, x + w, y + h };
	pixman_image_fill_boxes(PIXMAN_OP_SRC, r->target, &c, 1, &box);
}

static pixman_image_t *solid_of(struct fbc_render *r, uint32_t rgb)
{
	for (unsigned i = 0; i < SOLID_CACHE; i++)
		if (r->solids[i].image && r->solids[i].rgb == rgb)
			return r->solids[i].image;
	pixman_color_t c = color16(rgb);
	pixman_image_t *image = pixman_image_create_solid_fill(&c);
	if (!image)
		return NULL;
	struct solid *slot = &r->solids[r->next_solid++ % SOLID_CACHE];
	if (slot->image)
		pixman_image_unref(slot->image);
	*slot = (struct solid){ .rgb = rgb, .image = image };
	return image;
}

static uint32_t blend_half(uint32_t a, uint32_t b)
{
	return ((a & 0xfefefe) >> 1) + ((b & 0xfefefe) >> 1);
}

/* What `cell` must look like, given the screen-wide state and whether the cursor is on it. */
static struct drawn resolve(const struct fbc_render *r, const struct fbc_cell *cell, bool inverse,
	bool blink_on, enum drawn_cursor cursor)
{
	uint32_t def_fg = inverse ? r->palette.background : r->palette.foreground;
	uint32_t def_bg = inverse ? r->palette.foreground : r->palette.background;
	uint32_t fg = fbc_palette_resolve(&r->palette, cell->fg, def_fg);
	uint32_t bg = fbc_palette_resolve(&r->palette, cell->bg, def_bg);
	if (cell->attr & FBC_ATTR_REVERSE) {
		uint32_t t = fg;
		fg = bg;
		bg = t;
	}
	struct drawn d = {
		.ch = cell->ch,
		.attr = cell->attr & DRAWN_ATTRS,
		.valid = 1,
		.blinking = (cell->attr & FBC_ATTR_BLINK) && cell->ch && cell->ch != ' ',
	};
	if (cell->attr & FBC_ATTR_FAINT)
		fg = blend_half(fg, bg);
	bool hidden =
		(cell->attr & FBC_ATTR_CONCEAL) || ((cell->attr & FBC_ATTR_BLINK) && !blink_on);
	if (hidden)
		d.attr &= (uint16_t) ~(FBC_ATTR_UNDERLINE_MASK | FBC_ATTR_STRIKE);
	if (hidden || d.ch == ' ')
		d.ch = 0; /* no glyph; underlined spaces keep their underline */
	if (d.ch == 0)
		d.attr &= (uint16_t) ~(FBC_ATTR_BOLD | FBC_ATTR_ITALIC);
	if (cursor == DRAWN_BLOCK) {
		uint32_t t = fg;
		fg = bg;
		bg = t;
	}
	/* With nothing drawn in it, a cell's foreground does not show: forget it so changes to it
	 * are not damage. Underline, strike and non-block cursors use it. */
	if (d.ch == 0 && !(d.attr & (FBC_ATTR_UNDERLINE_MASK | FBC_ATTR_STRIKE)) &&
		(cursor == DRAWN_NO_CURSOR || cursor == DRAWN_BLOCK))
		fg = 0;
	d.fg = fg;
	d.bg = bg;
	d.cursor = (uint8_t)cursor;
	return d;
}

static bool drawn_equal(const struct drawn *a, const struct drawn *b)
{
	return a->valid && b->valid && a->ch == b->ch && a->fg == b->fg && a->bg == b->bg &&
		a->attr == b->attr && a->cursor == b->cursor;
}

static enum fbc_font_style style_of(uint16_t attr)
{
	return (enum fbc_font_style)((attr & FBC_ATTR_BOLD ? FBC_FONT_BOLD : 0) |
		(attr & FBC_ATTR_ITALIC ? FBC_FONT_ITALIC : 0));
}

static void draw_glyph(struct fbc_render *r, struct fbc_term *term, const struct drawn *d, int x,
	int y, int width_cells)
{
	uint32_t cps[FBC_CLUSTER_MAX_CPS];
	size_t n = fbc_term_cluster(term, d->ch, cps);
	struct fbc_glyph *glyph;
	if (n == 0 ||
		fbc_glyph_cache_get(
			r->cache, d->ch, cps, n, style_of(d->attr), width_cells, &glyph) != 0)
		return;
	pixman_image_t *src = solid_of(r, d->fg);
	if (src) {
		pixman_image_t *mask = fbc_glyph_image(glyph);
		pixman_image_composite32(PIXMAN_OP_OVER, src, mask, r->target, 0, 0, 0, 0, x, y,
			pixman_image_get_width(mask), pixman_image_get_height(mask));
	}
	fbc_glyph_unref(glyph);
}

static void draw_lines(struct fbc_render *r, const struct drawn *d, int x, int y, int w)
{
	int thick = r->m.underline_thickness;
	unsigned underline = fbc_attr_underline(d->attr);
	if (underline) {
		fill(r, d->fg, x, y + r->m.underline_position, w, thick);
		if (underline == 2) {
			int second = r->m.underline_position + 2 * thick;
			if (second + thick > r->m.cell_height)
				second = r->m.underline_position - 2 * thick;
			fill(r, d->fg, x, y + second, w, thick);
		}
	}
	if (d->attr & FBC_ATTR_STRIKE)
		fill(r, d->fg, x, y + r->m.strikeout_position, w, thick);
	int ch = r->m.cell_height, cw = r->m.cell_width;
	if (d->cursor == DRAWN_UNDERLINE) {
		int h = ch / 10 > 2 ? ch / 10 : 2;
		fill(r, d->fg, x, y + ch - h, w, h);
	} else if (d->cursor == DRAWN_BAR) {
		fill(r, d->fg, x, y, cw / 8 > 2 ? cw / 8 : 2, ch);
	}
}

/* Paints one cell, or a double-width pair, at (row, col). */
static void draw_cell(struct fbc_render *r, struct fbc_term *term, const struct drawn *d, int row,
	int col, int width_cells)
{
	int x = col * r->m.cell_width, y = row * r->m.cell_height;
	int w = r->m.cell_width * width_cells;
	fill(r, d->bg, x, y, w, r->m.cell_height);
	if (d->ch)
		draw_glyph(r, term, d, x, y, width_cells);
	draw_lines(r, d, x, y, w);
}

struct row_ctx {
	struct fbc_render *r;
	struct fbc_term *term;
	struct fbc_line line;
	int row;
	bool inverse, blink_on;
	int cursor_col; // on this row, -1: not here
	enum drawn_cursor cursor;
	int run_start; // first cell of the damage run being built, -1: none
	pixman_region32_t *damage;
	bool quiet; // row in a moved band: its damage is worked out afterwards
	int drawn;
};

static void flush_run(struct row_ctx *c, int end_col)
{
	if (c->run_start < 0 || c->quiet) {
		c->run_start = -1;
		return;
	}
	int cw = c->r->m.cell_width, ch = c->r->m.cell_height;
	pixman_region32_union_rect(c->damage, c->damage, c->run_start * cw, c->row * ch,
		(unsigned)((end_col - c->run_start) * cw), (unsigned)ch);
	c->run_start = -1;
}

static struct drawn want_at(const struct row_ctx *c, int col)
{
	const struct fbc_cell *cell = fbc_line_cell(&c->line, col);
	/* A cursor on the second half of a wide character shows on the whole character. */
	bool here =
		col == c->cursor_col || ((cell->attr & FBC_ATTR_WIDE) && col + 1 == c->cursor_col);
	return resolve(c->r, cell, c->inverse, c->blink_on, here ? c->cursor : DRAWN_NO_CURSOR);
}

/* Compares and redraws the cell at col (with its partner if double-width); returns how many
 * columns it covered. */
static int update_cell(struct row_ctx *c, int col)
{
	struct fbc_render *r = c->r;
	struct drawn *shadow = &r->shadow[c->row * r->cols + col];
	struct drawn want = want_at(c, col);
	int width = (want.attr & FBC_ATTR_WIDE) && col + 1 < r->cols ? 2 : 1;
	struct drawn partner = { 0 };
	bool same = drawn_equal(&want, shadow);
	if (width == 2) {
		partner = want_at(c, col + 1);
		same = same && drawn_equal(&partner, shadow + 1);
	}
	if (same) {
		flush_run(c, col);
		return width;
	}
	draw_cell(r, c->term, &want, c->row, col, width);
	r->blinking += (size_t)want.blinking - shadow[0].blinking;
	shadow[0] = want;
	if (width == 2) {
		r->blinking += (size_t)partner.blinking - shadow[1].blinking;
		shadow[1] = partner;
	}
	if (c->run_start < 0)
		c->run_start = col;
	c->drawn += width;
	return width;
}

static void update_span(struct row_ctx *c, int lo, int hi)
{
	/* A wide character's halves are drawn together: widen the span to whole characters. */
	if (lo > 0)
		lo--;
	if (lo > 0 && (fbc_line_cell(&c->line, lo)->attr & FBC_ATTR_SPACER))
		lo--;
	if (hi < c->r->cols)
		hi++;
	c->run_start = -1;
	for (int col = lo; col < hi;)
		col += update_cell(c, col);
	flush_run(c, hi);
}

bool fbc_render_blinking(const struct fbc_render *r)
{
	return r->blinking > 0;
}

static int resize_shadow(struct fbc_render *r, int rows, int cols)
{
	if (rows == r->rows && cols == r->cols && r->shadow)
		return 0;
	struct drawn *shadow = calloc((size_t)rows * (size_t)cols, sizeof(*shadow));
	struct drawn *before = malloc((size_t)rows * (size_t)cols * sizeof(*before));
	if (!shadow || !before) {
		free(shadow);
		free(before);
		return -ENOMEM;
	}
	free(r->shadow);
	free(r->before);
	r->shadow = shadow;
	r->before = before;
	r->rows = rows;
	r->cols = cols;
	r->full = true;
	return 0;
}

/* The margins right of and below the grid, in the screen's background: they flip with it on
 * reverse video and the visual bell, as the whole window does in xterm. */
static void paint_margins(struct fbc_render *r, bool inverse, pixman_region32_t *damage)
{
	int tw = pixman_image_get_width(r->target), th = pixman_image_get_height(r->target);
	int gw = r->cols * r->m.cell_width, gh = r->rows * r->m.cell_height;
	uint32_t bg = inverse ? r->palette.foreground : r->palette.background;
	if (tw > gw) {
		fill(r, bg, gw, 0, tw - gw, th);
		pixman_region32_union_rect(
			damage, damage, gw, 0, (unsigned)(tw - gw), (unsigned)th);
	}
	if (th > gh) {
		fill(r, bg, 0, gh, gw, th - gh);
		pixman_region32_union_rect(
			damage, damage, 0, gh, (unsigned)gw, (unsigned)(th - gh));
	}
}

/* A full repaint: forget the memory, paint the margins around the grid. */
static void start_full(struct fbc_render *r, bool inverse, pixman_region32_t *damage)
{
	memset(r->shadow, 0, (size_t)r->rows * (size_t)r->cols * sizeof(*r->shadow));
	r->blinking = 0;
	paint_margins(r, inverse, damage);
	int tw = pixman_image_get_width(r->target), th = pixman_image_get_height(r->target);
	pixman_region32_union_rect(damage, damage, 0, 0, (unsigned)tw, (unsigned)th);
	r->cursor_row = r->cursor_col = -1;
}

static enum drawn_cursor cursor_kind(const struct fbc_cursor *cur, bool blink_on)
{
	if (!cur->visible || (cur->blink && !blink_on))
		return DRAWN_NO_CURSOR;
	switch (cur->shape) {
	case FBC_CURSOR_UNDERLINE:
		return DRAWN_UNDERLINE;
	case FBC_CURSOR_BAR:
		return DRAWN_BAR;
	default:
		return DRAWN_BLOCK;
	}
}

/* Rows [top, bottom) whose memory moved with their pixels this draw; top >= bottom: none. */
struct band {
	int top, bottom;
};

static size_t count_blinking(const struct drawn *d, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += d[i].blinking;
	return k;
}

/* Moves the grid area's pixel rows of cell rows [top, bottom) up by n cell rows (down when
 * negative); the n rows uncovered keep their pixels. The margins do not move. */
static void move_pixels(struct fbc_render *r, uint32_t *data, int top, int bottom, int n)
{
	ptrdiff_t stride = pixman_image_get_stride(r->target) / (ptrdiff_t)sizeof(*data);
	size_t bytes = (size_t)r->cols * (size_t)r->m.cell_width * sizeof(*data);
	int ch = r->m.cell_height, shift = (n > 0 ? n : -n) * ch;
	int y0 = top * ch, y1 = bottom * ch;
	/* Row by row in the order that reads every source row before it is overwritten. */
	if (n > 0)
		for (int y = y0; y < y1 - shift; y++)
			memmove(data + y * stride, data + (y + shift) * stride, bytes);
	else
		for (int y = y1 - 1; y >= y0 + shift; y--)
			memmove(data + y * stride, data + (y - shift) * stride, bytes);
}

/*
 * Follows the terminal's scroll since the last draw: moves the band's pixels and memory
 * together (so the memory still says what the target shows, whatever the terminal did besides)
 * and keeps the band's memory from before in r->before for damage_band(). Returns the band,
 * whose every cell the caller must compare, or none when there is nothing worth moving.
 */
static struct band follow_scroll(struct fbc_render *r, struct fbc_term *term)
{
	struct band none = { 0, 0 };
	int top, bottom, delta;
	uint32_t *data = pixman_image_get_data(r->target);
	if (!data || !fbc_term_damage_scroll(term, &top, &bottom, &delta))
		return none;
	bottom = bottom < r->rows ? bottom : r->rows;
	int n = delta > 0 ? delta : -delta;
	if (top < 0 || n >= bottom - top)
		return none; /* every line in the band is new */
	size_t cols = (size_t)r->cols, cells = (size_t)(bottom - top) * cols;
	size_t kept = (size_t)(bottom - top - n) * cols, off = (size_t)n * cols;
	struct drawn *band = r->shadow + (size_t)top * cols, *was = r->before + (size_t)top * cols;
	memcpy(was, band, cells * sizeof(*band));
	move_pixels(r, data, top, bottom, delta);
	memmove(delta > 0 ? band : band + off, delta > 0 ? band + off : band, kept * sizeof(*band));
	r->blinking += count_blinking(band, cells);
	r->blinking -= count_blinking(was, cells);
	return (struct band){ top, bottom };
}

static bool cell_differs(const struct fbc_render *r, int row, int col)
{
	size_t i = (size_t)row * (size_t)r->cols + (size_t)col;
	return !drawn_equal(&r->shadow[i], &r->before[i]);
}

static bool wide_at(const struct fbc_render *r, int row, int col)
{
	size_t i = (size_t)row * (size_t)r->cols + (size_t)col;
	return ((r->shadow[i].attr | r->before[i].attr) & FBC_ATTR_WIDE) != 0;
}

/* The band's damage: the cells whose memory differs from before the move, a double-width
 * character's halves together (either half's pixels may come from the other's). */
static void damage_band(struct fbc_render *r, struct band b, pixman_region32_t *damage)
{
	int cw = r->m.cell_width, ch = r->m.cell_height;
	for (int row = b.top; row < b.bottom; row++) {
		int run = -1;
		bool diff = cell_differs(r, row, 0), left_wide_diff = false;
		for (int col = 0; col <= r->cols; col++) {
			bool hit = false;
			if (col < r->cols) {
				bool next = col + 1 < r->cols && cell_differs(r, row, col + 1);
				bool wide = wide_at(r, row, col);
				hit = diff || left_wide_diff || (wide && next);
				left_wide_diff = wide && diff;
				diff = next;
			}
			if (hit && run < 0)
				run = col;
			if (!hit && run >= 0) {
				pixman_region32_union_rect(damage, damage, run * cw, row * ch,
					(unsigned)((col - run) * cw), (unsigned)ch);
				run = -1;
			}
		}
	}
}

static void draw_row(struct row_ctx *c, bool compare_all)
{
	struct fbc_render *r = c->r;
	fbc_term_line(c->term, c->row, &c->line);
	int lo = 0, hi = r->cols;
	if (!compare_all) {
		fbc_term_damage_span(c->term, c->row, &lo, &hi);
		if (hi > r->cols)
			hi = r->cols;
	}
	if (lo < hi)
		update_span(c, lo, hi);
	/* The old and the new cursor cells, whatever the terminal says. */
	if (c->row == r->cursor_row && r->cursor_col < r->cols)
		update_span(c, r->cursor_col, r->cursor_col + 1);
	if (c->cursor_col >= 0 && c->cursor_col < r->cols)
		update_span(c, c->cursor_col, c->cursor_col + 1);
}

int fbc_render_draw(struct fbc_render *r, struct fbc_term *term,
	const struct fbc_render_frame *frame, pixman_region32_t *damage)
{
	if (!r->target)
		return 0;
	int rows = pixman_image_get_height(r->target) / r->m.cell_height;
	int cols = pixman_image_get_width(r->target) / r->m.cell_width;
	rows = rows < fbc_term_rows(term) ? rows : fbc_term_rows(term);
	cols = cols < fbc_term_cols(term) ? cols : fbc_term_cols(term);
	if (rows < 1 || cols < 1)
		return 0;
	int err = resize_shadow(r, rows, cols);
	if (err)
		return err;
	struct fbc_cursor cur;
	fbc_term_cursor(term, &cur);
	struct row_ctx c = {
		.r = r,
		.term = term,
		.inverse = fbc_term_reverse_video(term) != frame->flash,
		.blink_on = frame->blink_on,
		.cursor = cursor_kind(&cur, frame->blink_on),
		.damage = damage,
	};
	bool compare_all =
		r->full || c.inverse != r->last_inverse || c.blink_on != r->last_blink_on;
	struct band band = { 0, 0 };
	if (r->full)
		start_full(r, c.inverse, damage);
	else if (c.inverse != r->last_inverse)
		paint_margins(r, c.inverse, damage); /* and every cell is redrawn */
	else
		band = follow_scroll(r, term);
	for (c.row = 0; c.row < rows; c.row++) {
		c.cursor_col = c.cursor != DRAWN_NO_CURSOR && cur.row == c.row ? cur.col : -1;
		c.quiet = c.row >= band.top && c.row < band.bottom;
		draw_row(&c, compare_all || c.quiet);
	}
	damage_band(r, band, damage);
	r->cursor_row = c.cursor != DRAWN_NO_CURSOR ? cur.row : -1;
	r->cursor_col = c.cursor != DRAWN_NO_CURSOR ? cur.col : -1;
	r->full = false;
	r->last_inverse = c.inverse;
	r->last_blink_on = c.blink_on;
	return c.drawn;
}
