/*
 * A line of cells with a lazily materialised tail; see fbc_row.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fbc_row.h"

#define ROW_MIN_CAP 16
#define ROW_MAX_CAP UINT16_MAX

struct fbc_row *fbc_row_create(const struct fbc_cell *blank)
{
	struct fbc_row *row = calloc(1, sizeof(*row));
	if (!row)
		return NULL;
	row->fill = *blank;
	return row;
}

void fbc_row_destroy(struct fbc_row *row)
{
	if (!row)
		return;
	free(row->cells);
	free(row);
}

void fbc_row_reset(struct fbc_row *row, const struct fbc_cell *blank)
{
	row->len = 0;
	row->fill = *blank;
}

static int row_reserve(struct fbc_row *row, int want)
{
	if (want <= row->cap)
		return 0;
	if (want > ROW_MAX_CAP)
		return -ENOMEM;
	int cap = row->cap ? row->cap : ROW_MIN_CAP;
	while (cap < want)
		cap *= 2;
	if (cap > ROW_MAX_CAP)
		cap = ROW_MAX_CAP;
	struct fbc_cell *cells = realloc(row->cells, (size_t)cap * sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	row->cells = cells;
	row->cap = (uint16_t)cap;
	return 0;
}

int fbc_row_materialize(struct fbc_row *row, int upto)
{
	if (upto <= row->len)
		return 0;
	int err = row_reserve(row, upto);
	if (err)
		return err;
	for (int c = row->len; c < upto; c++)
		row->cells[c] = row->fill;
	row->len = (uint16_t)upto;
	return 0;
}

int fbc_row_erase(struct fbc_row *row, int c0, int c1, int cols, const struct fbc_cell *blank)
{
	if (c0 >= c1)
		return 0;
	if (c1 >= cols) {
		/* The tail becomes the new fill: keep what lies before c0 real first. */
		if (!fbc_cell_equal(blank, &row->fill)) {
			int err = fbc_row_materialize(row, c0);
			if (err)
				return err;
		}
		if (row->len > c0)
			row->len = (uint16_t)c0;
		row->fill = *blank;
		return 0;
	}
	int err = fbc_row_materialize(row, c1);
	if (err)
		return err;
	for (int c = c0; c < c1; c++)
		row->cells[c] = *blank;
	return 0;
}

int fbc_row_shift(
	struct fbc_row *row, int c0, int c1, int shift, int cols, const struct fbc_cell *blank)
{
	int width = c1 - c0;
	if (shift == 0 || width <= 0)
		return 0;
	if (shift >= width || -shift >= width)
		return fbc_row_erase(row, c0, c1, cols, blank);
	int err = fbc_row_materialize(row, c1);
	if (err)
		return err;
	int keep = width - (shift > 0 ? shift : -shift);
	if (shift > 0) {
		memmove(&row->cells[c0], &row->cells[c0 + shift],
			(size_t)keep * sizeof(*row->cells));
		for (int c = c0 + keep; c < c1; c++)
			row->cells[c] = *blank;
	} else {
		memmove(&row->cells[c0 - shift], &row->cells[c0],
			(size_t)keep * sizeof(*row->cells));
		for (int c = c0; c < c0 - shift; c++)
			row->cells[c] = *blank;
	}
	return 0;
}

static void blank_keep_colours(struct fbc_cell *cell)
{
	cell->ch = 0;
	cell->attr = 0;
}

void fbc_row_fix_wide_boundary(struct fbc_row *row, int col, int cols)
{
	/* Past len both sides are the fill, which is never half of a wide character. */
	if (col <= 0 || col >= cols || col - 1 >= row->len)
		return;
	struct fbc_cell *left = &row->cells[col - 1];
	struct fbc_cell *right = col < row->len ? &row->cells[col] : NULL;
	bool left_lead = left->attr & FBC_ATTR_WIDE;
	bool right_spacer = right && (right->attr & FBC_ATTR_SPACER);
	if (left_lead == right_spacer)
		return;
	if (left_lead)
		blank_keep_colours(left);
	if (right_spacer)
		blank_keep_colours(right);
	fbc_row_dirty(row, col - 1, col + 1);
}

void fbc_row_truncate(struct fbc_row *row, int cols)
{
	if (row->len > cols)
		row->len = (uint16_t)cols;
	/* A wide character whose second half fell off the edge is no longer drawable. */
	if (cols > 0 && row->len == cols && (row->cells[cols - 1].attr & FBC_ATTR_WIDE))
		blank_keep_colours(&row->cells[cols - 1]);
	if (row->dirty_hi > cols)
		row->dirty_hi = (uint16_t)cols;
}
