/*
 * The cell grid: row pointers, so scrolls move pointers, not cells. See fbc_grid.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fbc_grid.h"
#include "fbc_row.h"
#include "fbc_scrollback.h"

/*
 * rows is a ring: display row r lives in rows[(top + r) % nrows], so scrolling the whole
 * screen (the common case: output running off the bottom) moves `top` and no pointer at all.
 */
struct fbc_grid {
	struct fbc_row **rows;    // [nrows], ring starting at top
	struct fbc_row **scratch; // [nrows], rows in flight during a scroll or resize
	int top;
	int nrows;
	int ncols;
	bool dirty;
	/* Rows [dirty_row0, dirty_row1) are wholly dirty: a scroll marks its region here in O(1)
	 * instead of row by row (which cost more than the scroll itself). */
	int dirty_row0, dirty_row1;
};

static inline int min_int(int a, int b)
{
	return a < b ? a : b;
}

static inline int max_int(int a, int b)
{
	return a > b ? a : b;
}

static inline struct fbc_row **slot(const struct fbc_grid *grid, int row)
{
	int i = grid->top + row;
	return &grid->rows[i >= grid->nrows ? i - grid->nrows : i];
}

static bool size_ok(int rows, int cols)
{
	return rows > 0 && cols > 0 && rows <= FBC_GRID_MAX_ROWS && cols <= FBC_GRID_MAX_COLS;
}

int fbc_grid_create(struct fbc_grid **out, int rows, int cols, const struct fbc_cell *blank)
{
	if (!size_ok(rows, cols))
		return -EINVAL;
	struct fbc_grid *grid = calloc(1, sizeof(*grid));
	if (!grid)
		return -ENOMEM;
	grid->rows = calloc((size_t)rows, sizeof(*grid->rows));
	grid->scratch = calloc((size_t)rows, sizeof(*grid->scratch));
	if (!grid->rows || !grid->scratch)
		goto err_grid;
	grid->nrows = rows;
	grid->ncols = cols;
	for (int r = 0; r < rows; r++) {
		grid->rows[r] = fbc_row_create(blank);
		if (!grid->rows[r])
			goto err_grid;
	}
	fbc_grid_mark_all_dirty(grid);
	*out = grid;
	return 0;

err_grid:
	fbc_grid_destroy(grid);
	return -ENOMEM;
}

void fbc_grid_destroy(struct fbc_grid *grid)
{
	if (!grid)
		return;
	for (int r = 0; grid->rows && r < grid->nrows; r++)
		fbc_row_destroy(grid->rows[r]);
	free(grid->rows);
	free(grid->scratch);
	free(grid);
}

int fbc_grid_rows(const struct fbc_grid *grid)
{
	return grid->nrows;
}

int fbc_grid_cols(const struct fbc_grid *grid)
{
	return grid->ncols;
}

void fbc_grid_line(const struct fbc_grid *grid, int row, struct fbc_line *out)
{
	fbc_row_line(*slot(grid, row), out);
}

const struct fbc_cell *fbc_grid_cell(const struct fbc_grid *grid, int row, int col)
{
	return fbc_row_cell(*slot(grid, row), col);
}

static void mark(struct fbc_grid *grid, struct fbc_row *row, int lo, int hi)
{
	if (lo < 0)
		lo = 0;
	if (hi > grid->ncols)
		hi = grid->ncols;
	fbc_row_dirty(row, lo, hi);
	grid->dirty = true;
}

int fbc_grid_put(struct fbc_grid *grid, int row, int col, const struct fbc_cell *cell, int width)
{
	if (row < 0 || row >= grid->nrows || col < 0 || col >= grid->ncols || width < 1)
		return -EINVAL;
	/* libvterm wraps before a wide character that does not fit; if one still arrives at the
	 * last column it is kept as a narrow cell, drawn clipped. */
	if (width > 2 || col + width > grid->ncols)
		width = 1;
	struct fbc_row *r = *slot(grid, row);
	int end = col + width;
	if (col == r->len && end <= r->cap) {
		/* Appending, the common case: nothing there to materialise or cut in half. */
		r->len = (uint16_t)end;
	} else {
		int err = fbc_row_materialize(r, end);
		if (err)
			return err;
		struct fbc_cell *cells = r->cells;
		if ((cells[col].attr & FBC_ATTR_SPACER) && col > 0) {
			cells[col - 1].ch = 0;
			cells[col - 1].attr = 0;
		}
		if ((cells[end - 1].attr & FBC_ATTR_WIDE) && end < r->len) {
			cells[end].ch = 0;
			cells[end].attr = 0;
		}
	}
	struct fbc_cell *cells = r->cells;
	cells[col] = *cell;
	cells[col].attr &= (uint16_t) ~(FBC_ATTR_WIDE | FBC_ATTR_SPACER);
	if (width == 2) {
		cells[col].attr |= FBC_ATTR_WIDE;
		cells[col + 1] = *cell;
		cells[col + 1].ch = 0;
		cells[col + 1].attr = FBC_ATTR_SPACER;
	}
	mark(grid, r, col - 1, end + 1);
	return 0;
}

static void mark_rows(struct fbc_grid *grid, int r0, int r1)
{
	if (grid->dirty_row0 >= grid->dirty_row1) {
		grid->dirty_row0 = r0;
		grid->dirty_row1 = r1;
	} else {
		grid->dirty_row0 = min_int(grid->dirty_row0, r0);
		grid->dirty_row1 = max_int(grid->dirty_row1, r1);
	}
	grid->dirty = true;
}

static void clip_rect(const struct fbc_grid *grid, struct fbc_cell_rect *rect)
{
	rect->row0 = max_int(rect->row0, 0);
	rect->col0 = max_int(rect->col0, 0);
	rect->row1 = min_int(rect->row1, grid->nrows);
	rect->col1 = min_int(rect->col1, grid->ncols);
}

/* Cells on both sides of a vertical edit boundary must not be half a wide character. */
static void fix_edges(struct fbc_grid *grid, struct fbc_row *row, int c0, int c1)
{
	fbc_row_fix_wide_boundary(row, c0, grid->ncols);
	fbc_row_fix_wide_boundary(row, c1, grid->ncols);
}

int fbc_grid_erase(
	struct fbc_grid *grid, const struct fbc_cell_rect *in, const struct fbc_cell *blank)
{
	struct fbc_cell_rect rect = *in;
	clip_rect(grid, &rect);
	int ret = 0;
	for (int r = rect.row0; r < rect.row1 && rect.col0 < rect.col1; r++) {
		struct fbc_row *row = *slot(grid, r);
		int err = fbc_row_erase(row, rect.col0, rect.col1, grid->ncols, blank);
		if (err)
			ret = err;
		fix_edges(grid, row, rect.col0, rect.col1);
		mark(grid, row, rect.col0, rect.col1);
	}
	return ret;
}

/* The row to reuse for a line that leaves the top of the screen into the scrollback. */
static struct fbc_row *push_to_scrollback(
	struct fbc_scrollback *sb, struct fbc_row *leaving, const struct fbc_cell *blank)
{
	struct fbc_row *spare = NULL;
	if (fbc_scrollback_count(sb) < fbc_scrollback_max(sb)) {
		/* Allocate before giving the line away: out of memory then only loses history. */
		spare = fbc_row_create(blank);
		if (!spare)
			return leaving;
	}
	struct fbc_row *evicted = fbc_scrollback_push(sb, leaving);
	if (evicted) {
		fbc_row_destroy(spare);
		return evicted;
	}
	return spare;
}

/* The whole screen: rotate the ring. Rows leaving the top go to sb when given. */
static int scroll_ring(
	struct fbc_grid *grid, int down, const struct fbc_cell *blank, struct fbc_scrollback *sb)
{
	int n = down > 0 ? down : -down;
	int pushed = 0;
	if (n > grid->nrows)
		n = grid->nrows;
	for (int i = 0; i < n; i++) {
		struct fbc_row **s = slot(grid, down > 0 ? i : grid->nrows - 1 - i);
		if (down > 0 && sb) {
			struct fbc_row *reuse = push_to_scrollback(sb, *s, blank);
			pushed += reuse != *s;
			*s = reuse;
		}
		fbc_row_reset(*s, blank);
	}
	/* The reset rows' slots become the bottom (scrolling up) or the top (down). */
	grid->top = (grid->top + (down > 0 ? n : grid->nrows - n)) % grid->nrows;
	mark_rows(grid, 0, grid->nrows);
	return pushed;
}

/* A band of full-width rows [r0, r1): move the pointers within it. */
static int scroll_band(struct fbc_grid *grid, int r0, int r1, int down,
	const struct fbc_cell *blank, struct fbc_scrollback *sb)
{
	int height = r1 - r0;
	int n = down > 0 ? down : -down;
	if (n > height)
		n = height;
	int pushed = 0;
	for (int i = 0; i < n; i++) {
		int r = down > 0 ? r0 + i : r1 - n + i;
		grid->scratch[i] = *slot(grid, r);
		if (down > 0 && sb && r0 == 0) {
			struct fbc_row *reuse = push_to_scrollback(sb, grid->scratch[i], blank);
			pushed += reuse != grid->scratch[i];
			grid->scratch[i] = reuse;
		}
		fbc_row_reset(grid->scratch[i], blank);
	}
	if (down > 0) {
		for (int r = r0; r < r1 - n; r++)
			*slot(grid, r) = *slot(grid, r + n);
		for (int i = 0; i < n; i++)
			*slot(grid, r1 - n + i) = grid->scratch[i];
	} else {
		for (int r = r1 - 1; r >= r0 + n; r--)
			*slot(grid, r) = *slot(grid, r - n);
		for (int i = 0; i < n; i++)
			*slot(grid, r0 + i) = grid->scratch[i];
	}
	mark_rows(grid, r0, r1);
	return pushed;
}

static int copy_span(struct fbc_row *dst, const struct fbc_row *src, int c0, int c1)
{
	int err = fbc_row_materialize(dst, c1);
	if (err)
		return err;
	for (int c = c0; c < c1; c++)
		dst->cells[c] = *fbc_row_cell(src, c);
	return 0;
}

/* A partial-width vertical scroll (left/right margins): cells move between rows. */
static int scroll_cells_vertically(struct fbc_grid *grid, const struct fbc_cell_rect *rect,
	int down, const struct fbc_cell *blank)
{
	int height = rect->row1 - rect->row0;
	int n = down > 0 ? down : -down;
	int ret = 0;
	if (n < height) {
		for (int i = 0; i < height - n; i++) {
			int dst = down > 0 ? rect->row0 + i : rect->row1 - 1 - i;
			int src = down > 0 ? dst + n : dst - n;
			int err = copy_span(
				*slot(grid, dst), *slot(grid, src), rect->col0, rect->col1);
			if (err)
				ret = err;
		}
	}
	struct fbc_cell_rect vacated = *rect;
	if (down > 0)
		vacated.row0 = max_int(rect->row1 - n, rect->row0);
	else
		vacated.row1 = min_int(rect->row0 + n, rect->row1);
	int err = fbc_grid_erase(grid, &vacated, blank);
	return ret ? ret : err;
}

int fbc_grid_scroll(struct fbc_grid *grid, const struct fbc_cell_rect *in, int down, int right,
	const struct fbc_cell *blank, struct fbc_scrollback *sb)
{
	struct fbc_cell_rect rect = *in;
	clip_rect(grid, &rect);
	if (rect.row0 >= rect.row1 || rect.col0 >= rect.col1)
		return 0;
	bool full_width = rect.col0 == 0 && rect.col1 == grid->ncols;
	if (down != 0 && right == 0 && full_width && rect.row0 == 0 && rect.row1 == grid->nrows)
		return scroll_ring(grid, down, blank, sb);
	if (down != 0 && right == 0 && full_width)
		return scroll_band(grid, rect.row0, rect.row1, down, blank, sb);
	int ret = 0;
	if (down != 0)
		ret = scroll_cells_vertically(grid, &rect, down, blank);
	for (int r = rect.row0; r < rect.row1; r++) {
		struct fbc_row *row = *slot(grid, r);
		if (right != 0) {
			int err =
				fbc_row_shift(row, rect.col0, rect.col1, right, grid->ncols, blank);
			if (err)
				ret = err;
		}
		fix_edges(grid, row, rect.col0, rect.col1);
		mark(grid, row, rect.col0, rect.col1);
	}
	return ret;
}

int fbc_grid_move(
	struct fbc_grid *grid, const struct fbc_cell_rect *dest, const struct fbc_cell_rect *src)
{
	int height = src->row1 - src->row0;
	int width = src->col1 - src->col0;
	if (dest->row1 - dest->row0 != height || dest->col1 - dest->col0 != width)
		return -EINVAL;
	if (src->row0 < 0 || dest->row0 < 0 || src->col0 < 0 || dest->col0 < 0 ||
		src->row1 > grid->nrows || dest->row1 > grid->nrows || src->col1 > grid->ncols ||
		dest->col1 > grid->ncols)
		return -EINVAL;
	int ret = 0;
	bool upward = dest->row0 <= src->row0;
	for (int i = 0; i < height; i++) {
		int k = upward ? i : height - 1 - i;
		struct fbc_row *from = *slot(grid, src->row0 + k);
		struct fbc_row *to = *slot(grid, dest->row0 + k);
		int err = fbc_row_materialize(to, dest->col1);
		if (!err)
			err = fbc_row_materialize(from, src->col1);
		if (err) {
			ret = err;
			continue;
		}
		memmove(&to->cells[dest->col0], &from->cells[src->col0],
			(size_t)width * sizeof(*to->cells));
		fix_edges(grid, to, dest->col0, dest->col1);
		mark(grid, to, dest->col0, dest->col1);
	}
	return ret;
}

static int resize_row_array(struct fbc_grid *grid, int rows)
{
	struct fbc_row **scratch = calloc((size_t)rows, sizeof(*scratch));
	struct fbc_row **array = calloc((size_t)rows, sizeof(*array));
	if (!scratch || !array) {
		free(scratch);
		free(array);
		return -ENOMEM;
	}
	int keep = min_int(rows, grid->nrows);
	memcpy(array, grid->rows, (size_t)keep * sizeof(*array));
	free(grid->rows);
	free(grid->scratch);
	grid->rows = array;
	grid->scratch = scratch;
	return 0;
}

static void shrink_rows(
	struct fbc_grid *grid, int rows, int keep_row, struct fbc_scrollback *sb, int *row_delta)
{
	int excess = grid->nrows - rows;
	int off_top = min_int(max_int(keep_row - rows + 1, 0), excess);
	for (int i = 0; i < off_top; i++) {
		struct fbc_row *row = grid->rows[i];
		if (sb)
			row = fbc_scrollback_push(sb, row);
		fbc_row_destroy(row);
	}
	for (int r = rows + off_top; r < grid->nrows; r++)
		fbc_row_destroy(grid->rows[r]);
	/* The arrays stay as long as they were: a shorter grid uses their start. */
	memmove(grid->rows, &grid->rows[off_top], (size_t)rows * sizeof(*grid->rows));
	grid->nrows = rows;
	*row_delta = -off_top;
}

static int grow_rows(struct fbc_grid *grid, int rows, const struct fbc_cell *blank,
	struct fbc_scrollback *sb, int *row_delta)
{
	int old = grid->nrows;
	int err = resize_row_array(grid, rows);
	if (err)
		return err;
	int added = rows - old;
	int pulled = 0;
	while (sb && pulled < added && fbc_scrollback_count(sb))
		grid->scratch[pulled++] = fbc_scrollback_pop(sb);
	memmove(&grid->rows[pulled], grid->rows, (size_t)old * sizeof(*grid->rows));
	for (int i = 0; i < pulled; i++)
		grid->rows[pulled - 1 - i] = grid->scratch[i];
	grid->nrows = old + pulled;
	for (int r = grid->nrows; r < rows; r++) {
		grid->rows[r] = fbc_row_create(blank);
		if (!grid->rows[r])
			return -ENOMEM;
		grid->nrows = r + 1;
	}
	*row_delta = pulled;
	return 0;
}

/* Resizing works on a plain array: put the ring back in display order first. */
static void unroll(struct fbc_grid *grid)
{
	if (grid->top == 0)
		return;
	for (int r = 0; r < grid->nrows; r++)
		grid->scratch[r] = *slot(grid, r);
	memcpy(grid->rows, grid->scratch, (size_t)grid->nrows * sizeof(*grid->rows));
	grid->top = 0;
}

int fbc_grid_resize(struct fbc_grid *grid, int rows, int cols, int keep_row,
	const struct fbc_cell *blank, struct fbc_scrollback *sb, int *row_delta)
{
	*row_delta = 0;
	if (!size_ok(rows, cols))
		return -EINVAL;
	unroll(grid);
	int err = 0;
	if (rows < grid->nrows)
		shrink_rows(grid, rows, keep_row, sb, row_delta);
	else if (rows > grid->nrows)
		err = grow_rows(grid, rows, blank, sb, row_delta);
	grid->ncols = cols;
	for (int r = 0; r < grid->nrows; r++)
		fbc_row_truncate(grid->rows[r], cols);
	fbc_grid_mark_all_dirty(grid);
	return err;
}

void fbc_grid_dirty_span(const struct fbc_grid *grid, int row, int *lo, int *hi)
{
	if (row >= grid->dirty_row0 && row < grid->dirty_row1) {
		*lo = 0;
		*hi = grid->ncols;
		return;
	}
	*lo = (*slot(grid, row))->dirty_lo;
	*hi = (*slot(grid, row))->dirty_hi;
}

bool fbc_grid_dirty(const struct fbc_grid *grid)
{
	return grid->dirty;
}

void fbc_grid_mark_all_dirty(struct fbc_grid *grid)
{
	mark_rows(grid, 0, grid->nrows);
}

void fbc_grid_clear_dirty(struct fbc_grid *grid)
{
	for (int r = 0; r < grid->nrows; r++)
		grid->rows[r]->dirty_lo = grid->rows[r]->dirty_hi = 0;
	grid->dirty_row0 = grid->dirty_row1 = 0;
	grid->dirty = false;
}
