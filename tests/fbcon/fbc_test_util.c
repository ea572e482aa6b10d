/*
 * Helpers shared by the fbcon tests; see fbc_test_util.h.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fbc_term.h"
#include "fbc_test_util.h"
#include "text.h"

static size_t put_utf8(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t fbct_line_text(
	const struct fbc_term *term, const struct fbc_line *line, int cols, char *out, size_t cap)
{
	size_t len = 0, keep = 0;
	for (int c = 0; c < cols; c++) {
		const struct fbc_cell *cell = fbc_line_cell(line, c);
		if (cell->attr & FBC_ATTR_SPACER)
			continue;
		uint32_t cps[FBC_CLUSTER_MAX_CPS];
		size_t n = fbc_term_cluster(term, cell->ch, cps);
		if (n == 0) {
			cps[0] = ' ';
			n = 1;
		}
		for (size_t i = 0; i < n && len + 5 < cap; i++)
			len += put_utf8(cps[i], out + len);
		if (cell->ch != 0 && cell->ch != ' ')
			keep = len;
	}
	out[keep] = '\0';
	return keep;
}

size_t fbct_row_text(const struct fbc_term *term, int row, char *out, size_t cap)
{
	struct fbc_line line;
	fbc_term_line(term, row, &line);
	return fbct_line_text(term, &line, fbc_term_cols(term), out, cap);
}

static long hex_run(const char *in, int digits)
{
	long v = 0;
	for (int i = 0; i < digits; i++) {
		int h = text_hex_digit((unsigned char)in[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

long fbct_unescape(const char *in, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (*in) {
		if (n + 4 >= cap)
			return -1;
		if (*in != '\\') {
			out[n++] = (uint8_t)*in++;
			continue;
		}
		in++;
		long v;
		switch (*in) {
		case 'e':
			out[n++] = 0x1b;
			break;
		case 'a':
			out[n++] = 0x07;
			break;
		case 'b':
			out[n++] = 0x08;
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case '\\':
		case '"':
			out[n++] = (uint8_t)*in;
			break;
		case 'x':
			v = hex_run(in + 1, 2);
			if (v < 0)
				return -1;
			out[n++] = (uint8_t)v;
			in += 2;
			break;
		case 'u':
			v = hex_run(in + 1, 4);
			if (v < 0)
				return -1;
			n += put_utf8((uint32_t)v, (char *)out + n);
			in += 4;
			break;
		default:
			return -1;
		}
		in++;
	}
	return (long)n;
}

void fbct_escape_for_log(const uint8_t *bytes, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < len && n + 5 < cap; i++) {
		if (bytes[i] >= 0x20 && bytes[i] < 0x7f && bytes[i] != '\\')
			out[n++] = (char)bytes[i];
		else
			n += (size_t)snprintf(out + n, cap - n, "\\x%02x", bytes[i]);
	}
	out[n] = '\0';
}

bool fbct_have_fonts(void)
{
	return access(FBCT_FONT, R_OK) == 0 && access(FBCT_FONT_BOLD, R_OK) == 0 &&
		access(FBCT_FALLBACK, R_OK) == 0;
}
