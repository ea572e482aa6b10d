/*
 * The cell grid of one screen (primary or alternate) of the terminal.
 *
 * This is the grid libvterm's State layer writes into through fbc_term. Why our own: libvterm's
 * Screen layer keeps a flat cell array and memmoves all of it for every scrolled line (0.1 MB/s
 * for `yes` at 240x67); here the grid is an array of row pointers, so a full-width scroll moves
 * pointers and hands the top row to the scrollback, and no cell is copied.
 *
 * Coordinates are 0-based; rectangles are half-open (row1 and col1 excluded) as libvterm's
 * VTermRect. Every write marks the columns it touched dirty on its row (fbc_grid_dirty_span());
 * scrolls mark the whole region.
 *
 * Errors: 0 or negative errno. -EINVAL for sizes out of range (programming errors: fbc_term
 * clamps what the VT asks for first), -ENOMEM when a row could not grow; the grid is then left
 * consistent and the write is lost.
 */
#ifndef HVD_FBCON_FBC_GRID_H
#define HVD_FBCON_FBC_GRID_H

#include "fbc_cell.h"

#define FBC_GRID_MAX_ROWS 1024
#define FBC_GRID_MAX_COLS 4096

struct fbc_grid;
struct fbc_scrollback;

struct fbc_cell_rect {
	int row0, row1; // [row0, row1)
	int col0, col1; // [col0, col1)
};

/* A rows x cols grid of `blank` cells. */
int fbc_grid_create(struct fbc_grid **out, int rows, int cols, const struct fbc_cell *blank);
/* NULL is a no-op. */
void fbc_grid_destroy(struct fbc_grid *grid);

int fbc_grid_rows(const struct fbc_grid *grid);
int fbc_grid_cols(const struct fbc_grid *grid);

/* The cells of `row` (0 <= row < rows); see struct fbc_line for lifetime. */
void fbc_grid_line(const struct fbc_grid *grid, int row, struct fbc_line *out);
const struct fbc_cell *fbc_grid_cell(const struct fbc_grid *grid, int row, int col);

/* Writes one character of `width` (1 or 2) columns at (row, col). A double-width character
 * also takes col + 1 (its spacer); halves of wide characters it overwrites become blanks. */
int fbc_grid_put(struct fbc_grid *grid, int row, int col, const struct fbc_cell *cell, int width);

/* Sets every cell of rect to blank. */
int fbc_grid_erase(
	struct fbc_grid *grid, const struct fbc_cell_rect *rect, const struct fbc_cell *blank);

/*
 * Scrolls the contents of rect as libvterm's scrollrect: `down` > 0 moves them up by `down`
 * rows, `right` > 0 moves them left; what is uncovered becomes blank. A full-width scroll moves
 * rows as pointers. When sb is non-NULL and rect starts at row 0, lines scrolled off the top go
 * to the scrollback. Returns the number of lines pushed there (>= 0) or negative errno.
 */
int fbc_grid_scroll(struct fbc_grid *grid, const struct fbc_cell_rect *rect, int down, int right,
	const struct fbc_cell *blank, struct fbc_scrollback *sb);

/* Copies the cells of src to dest (same size, may overlap), as libvterm's moverect. */
int fbc_grid_move(
	struct fbc_grid *grid, const struct fbc_cell_rect *dest, const struct fbc_cell_rect *src);

/*
 * Resizes to rows x cols. Rows to remove come off the top while `keep_row` (the cursor's row)
 * would fall off the bottom, then off the bottom; removed top rows go to sb when non-NULL. Rows
 * to add come back from sb (newest first, at the top) while it has any, then as blanks at the
 * bottom. *row_delta says how far the content moved down (negative: up), for the cursor.
 */
int fbc_grid_resize(struct fbc_grid *grid, int rows, int cols, int keep_row,
	const struct fbc_cell *blank, struct fbc_scrollback *sb, int *row_delta);

/* The dirty columns [*lo, *hi) of row; *lo >= *hi when clean. */
void fbc_grid_dirty_span(const struct fbc_grid *grid, int row, int *lo, int *hi);
bool fbc_grid_dirty(const struct fbc_grid *grid);
void fbc_grid_mark_all_dirty(struct fbc_grid *grid);
void fbc_grid_clear_dirty(struct fbc_grid *grid);

#endif
