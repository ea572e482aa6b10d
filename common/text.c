/*
 * Small text parsers; see text.h.
 */
#include "text.h"

#include <errno.h>
#include <stdlib.h>

int text_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A decimal number from min to max at *s, advancing *s past it; false otherwise. */
static bool parse_dim(const char **s, uint32_t min, uint32_t max, uint32_t *out)
{
	if (**s < '0' || **s > '9')
		return false; /* strtoul would take a sign or spaces */
	char *end;
	errno = 0;
	unsigned long v = strtoul(*s, &end, 10);
	if (errno || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	*s = end;
	return true;
}

bool text_parse_size(const char *s, uint32_t min, uint32_t max, uint32_t *w, uint32_t *h)
{
	uint32_t a, b;
	if (!s || !parse_dim(&s, min, max, &a) || *s++ != 'x' || !parse_dim(&s, min, max, &b) || *s)
		return false;
	*w = a;
	*h = b;
	return true;
}
