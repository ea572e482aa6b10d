/*
 * UTF-8 sanitiser; see fbc_utf8.h. Well-formed byte sequences per RFC 3629 section 4 / Unicode
 * table 3-7: the second byte's range depends on the lead (E0, ED, F0 and F4 are narrower).
 */
#include <stdbool.h>
#include <string.h>

#include "fbc_utf8.h"

static const uint8_t replacement[3] = { 0xef, 0xbf, 0xbd }; // U+FFFD

static uint8_t *put_replacement(uint8_t *out)
{
	memcpy(out, replacement, sizeof(replacement));
	return out + sizeof(replacement);
}

/* Total length of a character starting with lead, or 0 when lead cannot start one. */
static uint8_t sequence_length(uint8_t lead)
{
	if (lead >= 0xc2 && lead <= 0xdf)
		return 2;
	if (lead >= 0xe0 && lead <= 0xef)
		return 3;
	if (lead >= 0xf0 && lead <= 0xf4)
		return 4;
	return 0;
}

/* Whether c may follow the bytes held so far. */
static bool continues(const struct fbc_utf8 *s, uint8_t c)
{
	if ((c & 0xc0) != 0x80)
		return false;
	if (s->len != 1)
		return true;
	switch (s->held[0]) {
	case 0xe0:
		return c >= 0xa0; /* no overlong three-byte forms */
	case 0xed:
		return c <= 0x9f; /* no surrogates */
	case 0xf0:
		return c >= 0x90; /* no overlong four-byte forms */
	case 0xf4:
		return c <= 0x8f; /* nothing past U+10FFFF */
	default:
		return true;
	}
}

/* A complete character: copied out, unless it encodes a C1 control (C2 80..C2 9F). */
static uint8_t *put_held(struct fbc_utf8 *s, uint8_t *out)
{
	if (s->len == 2 && s->held[0] == 0xc2 && s->held[1] <= 0x9f)
		out = put_replacement(out);
	else {
		memcpy(out, s->held, s->len);
		out += s->len;
	}
	s->len = s->need = 0;
	return out;
}

static uint8_t *start(struct fbc_utf8 *s, uint8_t c, uint8_t *out)
{
	if (c < 0x80) {
		*out++ = c;
		return out;
	}
	uint8_t need = sequence_length(c);
	if (!need)
		return put_replacement(out);
	s->held[0] = c;
	s->len = 1;
	s->need = need;
	return out;
}

size_t fbc_utf8_sanitize(struct fbc_utf8 *s, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t *o = out;
	size_t i = 0;
	while (i < len) {
		if (s->len == 0) {
			/* ASCII runs are nearly all of it: copy them whole. */
			size_t run = i;
			while (run < len && in[run] < 0x80)
				run++;
			memcpy(o, in + i, run - i);
			o += run - i;
			i = run;
			if (i == len)
				break;
			o = start(s, in[i++], o);
			continue;
		}
		uint8_t c = in[i];
		if (continues(s, c)) {
			s->held[s->len++] = c;
			i++;
			if (s->len == s->need)
				o = put_held(s, o);
			continue;
		}
		/* Cut short: one U+FFFD for what was held, then c starts afresh. */
		s->len = s->need = 0;
		o = put_replacement(o);
	}
	return (size_t)(o - out);
}
