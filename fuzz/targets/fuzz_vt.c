/*
 * The VT adapter (fbc_term: UTF-8 sanitiser, side lexer, libvterm's State layer, our grid and
 * scrollback) on arbitrary child output. Input format:
 *
 *   byte 0, 1     rows (1 + b0 % 48) and columns (1 + b1 % 160)
 *   byte 2        feed piece size (1 + b2 % 128): the rest is fed in pieces of that size
 *
 * and inside the rest, the two bytes 0xff 0x00 followed by two bytes resize the terminal (as
 * the header does) instead of being fed. After every piece the whole display is walked, as the
 * renderer would, and invariants the renderer relies on are checked: the cursor on the grid,
 * every line within its width, every cell character resolvable, spacers after wide cells.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fbc_term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(struct fbc_term *term)
{
	int rows = fbc_term_rows(term), cols = fbc_term_cols(term);
	struct fbc_cursor cur;
	fbc_term_cursor(term, &cur);
	int screen_row = cur.row - (int)fbc_term_view_offset(term);
	if (screen_row < 0 || screen_row >= rows || cur.col < 0 || cur.col >= cols)
		abort();
	for (int row = 0; row < rows; row++) {
		struct fbc_line line;
		fbc_term_line(term, row, &line);
		if (line.len < 0 || (line.len > 0 && !line.cells))
			abort();
		int lo, hi;
		fbc_term_damage_span(term, row, &lo, &hi);
		for (int col = 0; col < cols; col++) {
			const struct fbc_cell *cell = fbc_line_cell(&line, col);
			uint32_t cps[FBC_CLUSTER_MAX_CPS];
			size_t n = fbc_term_cluster(term, cell->ch, cps);
			if (cell->ch != 0 && n == 0)
				abort();
			if (n > FBC_CLUSTER_MAX_CPS)
				abort();
		}
	}
	fbc_term_damage_clear(term);
	(void)fbc_term_take_bells(term);
}

static void drain_replies(void *data, const char *bytes, size_t len)
{
	size_t *total = data;
	*total += len;
	if (len && !bytes)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	struct fbc_term_config cfg = {
		.rows = 1 + data[0] % 48,
		.cols = 1 + data[1] % 160,
		.scrollback_lines = 64,
		.max_clusters = 256,
	};
	size_t piece = 1 + data[2] % 128;
	struct fbc_term *term;
	if (fbc_term_create(&term, &cfg) != 0)
		return 0;
	size_t replies = 0;
	fbc_term_set_writer(term, drain_replies, &replies);
	size_t i = 3;
	while (i < size) {
		if (size - i >= 4 && data[i] == 0xff && data[i + 1] == 0x00) {
			fbc_term_resize(term, 1 + data[i + 2] % 48, 1 + data[i + 3] % 160);
			fbc_term_view_scroll(term, (long)(data[i + 2] % 8) - 2);
			i += 4;
		} else {
			size_t n = size - i < piece ? size - i : piece;
			const uint8_t *marker = memchr(data + i, 0xff, n);
			if (marker && marker != data + i)
				n = (size_t)(marker - (data + i));
			fbc_term_feed(term, data + i, n);
			i += n;
		}
		walk(term);
	}
	fbc_term_send_key(term, FBC_VKEY_UP, 0);
	fbc_term_paste(term, (const char *)data, size);
	fbc_term_mouse_move(term, 1000, -5, 0);
	fbc_term_mouse_button(term, 1, true, 0);
	walk(term);
	fbc_term_destroy(term);
	return 0;
}
