/* Annotated hex reader for golden bytes; see input_hexfile.h. */
#include "input_hexfile.h"

#include <ctype.h>
#include <stdio.h>

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int input_hexfile_load(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("# cannot open %s\n", path);
		return -1;
	}
	size_t n = 0;
	int hi = -1, c, line = 1, ret = 0;
	while ((c = fgetc(f)) != EOF) {
		if (c == '#') {
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
		}
		if (c == '\n')
			line++;
		if (c == EOF || isspace(c)) {
			if (hi >= 0) {
				printf("# %s:%d: odd number of hex digits\n", path, line);
				ret = -1;
				break;
			}
			continue;
		}
		int d = hex_digit(c);
		if (d < 0) {
			printf("# %s:%d: not a hex digit: '%c'\n", path, line, c);
			ret = -1;
			break;
		}
		if (hi < 0) {
			hi = d;
			continue;
		}
		if (n == cap) {
			printf("# %s: more than %zu bytes\n", path, cap);
			ret = -1;
			break;
		}
		buf[n++] = (uint8_t)(hi << 4 | d);
		hi = -1;
	}
	if (ret == 0 && hi >= 0) {
		printf("# %s: odd number of hex digits at the end\n", path);
		ret = -1;
	}
	fclose(f);
	return ret < 0 ? -1 : (int)n;
}
