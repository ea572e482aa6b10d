/*
 * One line of cells, shared by the grid and the scrollback (internal to fbcon).
 *
 * A row stores its first `len` cells and a `fill` cell standing for every column from `len` on,
 * so an erased line (the common case after a scroll) is two stores, and pushing a line into the
 * scrollback moves a pointer. Cells are allocated as they are written (capacity doubles from 16),
 * so a short line in the scrollback costs a short buffer.
 *
 * The dirty span [dirty_lo, dirty_hi) tells the renderer which columns may have changed since it
 * last looked; the renderer still compares what it drew, so a span may be generous but never
 * short.
 *
 * Errors: functions that may allocate return 0 or -ENOMEM; on -ENOMEM the row is unchanged.
 */
#ifndef HVD_FBCON_FBC_ROW_H
#define HVD_FBCON_FBC_ROW_H

#include "fbc_cell.h"

struct fbc_row {
	struct fbc_cell *cells; // [0, cap), materialised up to len; NULL while cap is 0
	uint16_t len;
	uint16_t cap;
	uint16_t dirty_lo; // dirty span; lo >= hi when clean
	uint16_t dirty_hi;
	struct fbc_cell fill;
};

/* A row with no materialised cells, every column `blank`. NULL on out of memory. */
struct fbc_row *fbc_row_create(const struct fbc_cell *blank);
/* NULL is a no-op. */
void fbc_row_destroy(struct fbc_row *row);

/* Forgets every cell: the whole row reads as `blank` again. Keeps the buffer. */
void fbc_row_reset(struct fbc_row *row, const struct fbc_cell *blank);

/* Makes cells [0, upto) real (copies of fill) so they can be written one by one. */
int fbc_row_materialize(struct fbc_row *row, int upto);

/* Sets [c0, c1) of a row `cols` wide to blank; c1 == cols turns into a cheaper fill change. */
int fbc_row_erase(struct fbc_row *row, int c0, int c1, int cols, const struct fbc_cell *blank);

/* Moves [c0, c1) by `shift` columns (positive: to the left, as libvterm's scrollrect), filling
 * what is vacated with blank. */
int fbc_row_shift(
	struct fbc_row *row, int c0, int c1, int shift, int cols, const struct fbc_cell *blank);

/* A double-width character cut in half at column `col` (its first half at col - 1 and second at
 * col, on either side of an edit boundary) turns into blanks, keeping their colours. */
void fbc_row_fix_wide_boundary(struct fbc_row *row, int col, int cols);

/* Drops cells at and past cols (after a narrowing resize). */
void fbc_row_truncate(struct fbc_row *row, int cols);

static inline void fbc_row_dirty(struct fbc_row *row, int lo, int hi)
{
	if (lo >= hi)
		return;
	if (row->dirty_lo >= row->dirty_hi) {
		row->dirty_lo = (uint16_t)lo;
		row->dirty_hi = (uint16_t)hi;
		return;
	}
	if (lo < row->dirty_lo)
		row->dirty_lo = (uint16_t)lo;
	if (hi > row->dirty_hi)
		row->dirty_hi = (uint16_t)hi;
}

static inline const struct fbc_cell *fbc_row_cell(const struct fbc_row *row, int col)
{
	return col < row->len ? &row->cells[col] : &row->fill;
}

static inline void fbc_row_line(const struct fbc_row *row, struct fbc_line *out)
{
	out->cells = row->cells;
	out->len = row->len;
	out->fill = row->fill;
}

#endif
