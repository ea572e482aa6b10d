/*
 * One terminal cell as hvcon stores it, and a read-only view of one line of cells.
 *
 * These are value types shared by the grid, the scrollback, the VT adapter and the renderer, so
 * they are public (like libvterm's VTermScreenCell). A cell is 16 bytes: the grid and 10,000 lines
 * of scrollback at 240 columns stay within tens of megabytes.
 *
 * Characters: `ch` is a Unicode scalar value, 0 for an empty cell, or (at FBC_CLUSTER_BASE and
 * above) the id of an interned grapheme cluster (a base character plus combining marks) that the
 * VT adapter resolves with fbc_term_cluster().
 *
 * Colours: 32 bits, the top byte says which kind: the default colour (fg or bg by position), an
 * index into the 256-colour palette, or 24-bit RGB. The renderer resolves them.
 */
#ifndef HVD_FBCON_FBC_CELL_H
#define HVD_FBCON_FBC_CELL_H

#include <stdbool.h>
#include <stdint.h>

#define FBC_CLUSTER_BASE 0x110000u // first cluster id; below: plain code points
#define FBC_CLUSTER_MAX_CPS 6      // code points per cell (libvterm's VTERM_MAX_CHARS_PER_CELL)

enum fbc_color_kind {
	FBC_COLOR_KIND_DEFAULT = 0,
	FBC_COLOR_KIND_INDEXED = 1,
	FBC_COLOR_KIND_RGB = 2,
};

#define FBC_COLOR_DEFAULT 0u
#define FBC_COLOR_INDEXED(i) ((uint32_t)FBC_COLOR_KIND_INDEXED << 24 | ((uint32_t)(i)&0xffu))
#define FBC_COLOR_RGB(r, g, b)                                                                     \
	((uint32_t)FBC_COLOR_KIND_RGB << 24 | ((uint32_t)(r)&0xffu) << 16 |                        \
		((uint32_t)(g)&0xffu) << 8 | ((uint32_t)(b)&0xffu))

static inline enum fbc_color_kind fbc_color_kind(uint32_t color)
{
	return (enum fbc_color_kind)(color >> 24);
}

enum fbc_attr {
	FBC_ATTR_BOLD = 1u << 0,
	FBC_ATTR_ITALIC = 1u << 1,
	FBC_ATTR_UNDERLINE_MASK = 3u << 2, // 0 none, 1 single, 2 double, 3 curly
	FBC_ATTR_BLINK = 1u << 4,
	FBC_ATTR_REVERSE = 1u << 5,
	FBC_ATTR_STRIKE = 1u << 6,
	FBC_ATTR_FAINT = 1u << 7,
	FBC_ATTR_CONCEAL = 1u << 8,
	FBC_ATTR_WIDE = 1u << 9,    // first cell of a double-width character
	FBC_ATTR_SPACER = 1u << 10, // second cell of a double-width character: draws nothing
};

#define FBC_ATTR_UNDERLINE_SHIFT 2

static inline unsigned fbc_attr_underline(uint16_t attr)
{
	return (attr & FBC_ATTR_UNDERLINE_MASK) >> FBC_ATTR_UNDERLINE_SHIFT;
}

struct fbc_cell {
	uint32_t ch;   // code point, cluster id, or 0 (empty)
	uint32_t fg;   // FBC_COLOR_*
	uint32_t bg;   // FBC_COLOR_*
	uint16_t attr; // enum fbc_attr bits
	uint16_t reserved;
};

static inline bool fbc_cell_equal(const struct fbc_cell *a, const struct fbc_cell *b)
{
	return a->ch == b->ch && a->fg == b->fg && a->bg == b->bg && a->attr == b->attr;
}

/*
 * A line as stored: `len` materialised cells, then `fill` repeated to the end of the line. An
 * erased or freshly scrolled-in line costs no cell writes this way. `cells` is borrowed from the
 * grid or scrollback and valid until the next fbc_term_feed() or resize; NULL when len is 0.
 */
struct fbc_line {
	const struct fbc_cell *cells;
	int len;
	struct fbc_cell fill;
};

static inline const struct fbc_cell *fbc_line_cell(const struct fbc_line *line, int col)
{
	return col < line->len ? &line->cells[col] : &line->fill;
}

#endif
