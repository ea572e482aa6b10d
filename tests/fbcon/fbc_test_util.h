/*
 * Helpers shared by the fbcon tests: screen text, escape-string decoding, images.
 */
#ifndef HVD_TESTS_FBCON_FBC_TEST_UTIL_H
#define HVD_TESTS_FBCON_FBC_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fbc_cell.h"

struct fbc_term;

/* UTF-8 text of a line, one character per cell (spacers skipped, empty cells as spaces),
 * trailing spaces removed. Returns the length written (always NUL-terminated). */
size_t fbct_line_text(
	const struct fbc_term *term, const struct fbc_line *line, int cols, char *out, size_t cap);
/* Same for display row `row` of the terminal. */
size_t fbct_row_text(const struct fbc_term *term, int row, char *out, size_t cap);

/* Decodes C-like escapes (\e \a \b \t \n \r \\ \" \xHH \uHHHH) into bytes; returns the length or
 * -1 on a malformed escape. */
long fbct_unescape(const char *in, uint8_t *out, size_t cap);

/* Appends bytes (escaped for printing) to a TAP comment-friendly string. */
void fbct_escape_for_log(const uint8_t *bytes, size_t len, char *out, size_t cap);

/* Font and fallback used by pixel tests; true when the files exist. */
#define FBCT_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
#define FBCT_FONT_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
#define FBCT_FALLBACK "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
bool fbct_have_fonts(void);

#endif
