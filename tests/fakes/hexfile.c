/* Annotated hex reader for golden bytes (hexfile.h). */
#include "hexfile.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

static int parse(FILE *f, const char *path, uint8_t *buf, size_t cap)
{
	size_t n = 0;
	int hi = -1, c, line = 1;
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
				return -EINVAL;
			}
			continue;
		}
		int d = text_hex_digit(c);
		if (d < 0) {
			printf("# %s:%d: not a hex digit: '%c'\n", path, line, c);
			return -EINVAL;
		}
		if (hi < 0) {
			hi = d;
			continue;
		}
		if (n == cap || n == INT_MAX) {
			printf("# %s: more than %zu bytes\n", path, n);
			return -EFBIG;
		}
		buf[n++] = (uint8_t)(hi << 4 | d);
		hi = -1;
	}
	if (hi >= 0) {
		printf("# %s: odd number of hex digits at the end\n", path);
		return -EINVAL;
	}
	return (int)n;
}

int hexfile_load(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int ret = -errno;
		printf("# cannot open %s: %s\n", path, strerror(errno));
		return ret;
	}
	int ret = parse(f, path, buf, cap);
	fclose(f);
	return ret;
}
