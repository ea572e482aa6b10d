/*
 * YUV4MPEG2 headers (y4m.h): yuv4mpeg(5) from mjpegtools, plus what FFmpeg writes.
 *
 * A header is one line. It is cut into fields at single spaces; each field is dispatched on its
 * first letter through a table, and each handler checks its value completely (plain decimals
 * only, no signs, no trailing bytes) before storing it.
 */
#include "y4m.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macros.h"

#define STREAM_MAGIC "YUV4MPEG2"

struct field {
	const char *p; // the field, tag letter first
	size_t len;
};

static int fail(struct y4m_error *err, int ret, const char *fmt, ...) PRINTF(3, 4);

static int fail(struct y4m_error *err, int ret, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->text, sizeof(err->text), fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* A field for messages: printable, at most 24 bytes. */
static const char *show(const struct field *f, char buf[32])
{
	size_t n = f->len < 24 ? f->len : 24;
	for (size_t i = 0; i < n; i++)
		buf[i] = f->p[i] >= 0x20 && f->p[i] < 0x7f ? f->p[i] : '?';
	strcpy(buf + n, f->len > 24 ? "..." : "");
	return buf;
}

static bool value_is(const struct field *f, const char *s)
{
	size_t n = strlen(s);
	return f->len == n + 1 && memcmp(f->p + 1, s, n) == 0;
}

/* 1..9 decimal digits and nothing else. */
static bool parse_u32(const char *p, size_t len, uint32_t *out)
{
	if (len < 1 || len > 9)
		return false;
	uint32_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(p[i] - '0');
	}
	*out = v;
	return true;
}

static bool parse_ratio(const struct field *f, struct y4m_ratio *out)
{
	const char *colon = memchr(f->p + 1, ':', f->len - 1);
	if (!colon)
		return false;
	size_t n_len = (size_t)(colon - (f->p + 1));
	return parse_u32(f->p + 1, n_len, &out->num) &&
		parse_u32(colon + 1, f->len - 2 - n_len, &out->den);
}

/* ---- Stream tags -------------------------------------------------------------------------- */

struct stream_parse {
	struct y4m_stream *st;
	bool have_w, have_h, have_c;
	int xyscss_chroma; // -1 none
	struct y4m_error *err;
};

static int tag_size(struct stream_parse *sp, const struct field *f)
{
	char b[32];
	const char *what = f->p[0] == 'W' ? "width" : "height";
	uint32_t v;
	if (!parse_u32(f->p + 1, f->len - 1, &v))
		return fail(
			sp->err, -EPROTO, "bad %s '%s': not a decimal number", what, show(f, b));
	if (v < 1 || v > Y4M_MAX_SIDE)
		return fail(sp->err, -ERANGE, "%s %u out of range (1..%u)", what, v, Y4M_MAX_SIDE);
	if (f->p[0] == 'W')
		sp->st->width = v, sp->have_w = true;
	else
		sp->st->height = v, sp->have_h = true;
	return 0;
}

/* A ratio n:d within [1/hi, hi], or 0:0 for unknown. */
static int ratio_tag(struct stream_parse *sp, const struct field *f, const char *what, uint32_t hi,
	struct y4m_ratio *out)
{
	char b[32];
	struct y4m_ratio r;
	if (!parse_ratio(f, &r))
		return fail(sp->err, -EPROTO, "bad %s '%s': expected n:d", what, show(f, b));
	if (r.num == 0 && r.den == 0) {
		*out = r; // unknown
		return 0;
	}
	if (r.den == 0)
		return fail(sp->err, -EPROTO, "%s '%s' has a zero denominator", what, show(f, b));
	if (r.num == 0 || (uint64_t)r.num * hi < r.den || r.num > (uint64_t)r.den * hi)
		return fail(sp->err, -ERANGE, "%s '%s' out of range (1/%u..%u)", what, show(f, b),
			hi, hi);
	*out = r;
	return 0;
}

static int tag_fps(struct stream_parse *sp, const struct field *f)
{
	return ratio_tag(sp, f, "frame rate", 1000, &sp->st->fps);
}

static int tag_aspect(struct stream_parse *sp, const struct field *f)
{
	return ratio_tag(sp, f, "pixel aspect", 100, &sp->st->aspect);
}

static int tag_interlace(struct stream_parse *sp, const struct field *f)
{
	static const char letters[] = "?ptbm"; // enum y4m_interlace order
	char b[32];
	const char *at = f->len == 2 ? memchr(letters, f->p[1], sizeof(letters) - 1) : NULL;
	if (!at)
		return fail(sp->err, -EPROTO, "bad interlacing '%s': expected Ip, It, Ib, Im or I?",
			show(f, b));
	sp->st->interlace = (enum y4m_interlace)(at - letters);
	return 0;
}

struct chroma_name {
	const char *name;
	enum y4m_chroma chroma;
};

/* C tag values; "420" alone is FFmpeg's spelling of 420jpeg. */
static const struct chroma_name chroma_names[] = {
	{ "420jpeg", Y4M_C420JPEG },
	{ "420mpeg2", Y4M_C420MPEG2 },
	{ "420paldv", Y4M_C420PALDV },
	{ "420", Y4M_C420JPEG },
	{ "411", Y4M_C411 },
	{ "422", Y4M_C422 },
	{ "444", Y4M_C444 },
	{ "444alpha", Y4M_C444ALPHA },
	{ "mono", Y4M_CMONO },
};

/* FFmpeg's 9..16-bit names: 420p10, 422p12, 444p16, mono10, ... */
static bool is_deep(const char *v, size_t len)
{
	size_t base = len >= 4 && memcmp(v, "mono", 4) == 0                              ? 4
		: len >= 4 && (v[3] == 'p' || v[3] == 'P') && v[0] >= '0' && v[0] <= '9' ? 4
											 : 0;
	if (base == 0 || len == base || len > base + 2)
		return false;
	for (size_t i = base; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
	}
	return true;
}

/* The chroma named by v (case-insensitively when XYSCSS spells it in capitals). */
static int lookup_chroma(const char *v, size_t len, bool any_case)
{
	for (size_t i = 0; i < ARRAY_LEN(chroma_names); i++) {
		const char *n = chroma_names[i].name;
		if (strlen(n) != len)
			continue;
		bool eq = true;
		for (size_t j = 0; j < len && eq; j++) {
			char c = v[j];
			if (any_case && c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			eq = c == n[j];
		}
		if (eq)
			return (int)chroma_names[i].chroma;
	}
	return -1;
}

static int tag_chroma(struct stream_parse *sp, const struct field *f)
{
	char b[32];
	int c = lookup_chroma(f->p + 1, f->len - 1, false);
	if (c >= 0) {
		sp->st->chroma = (enum y4m_chroma)c;
		sp->have_c = true;
		return 0;
	}
	if (is_deep(f->p + 1, f->len - 1))
		return fail(sp->err, -EOPNOTSUPP,
			"chroma '%s' has more than 8 bits per sample: only 8-bit files play",
			show(f, b));
	return fail(sp->err, -EOPNOTSUPP,
		"unknown chroma '%s' (known: 420jpeg 420mpeg2 420paldv 411 422 444 444alpha mono)",
		show(f, b));
}

static void skip_tag(struct stream_parse *sp, const struct field *f, unsigned *count, char *first,
	size_t first_len)
{
	char b[32];
	if ((*count)++ == 0)
		snprintf(first, first_len, "%s", show(f, b));
	(void)sp;
}

static int tag_x(struct stream_parse *sp, const struct field *f)
{
	struct y4m_stream *st = sp->st;
	if (value_is(f, "COLORRANGE=FULL")) {
		st->range = Y4M_RANGE_FULL;
		return 0;
	}
	if (value_is(f, "COLORRANGE=LIMITED")) {
		st->range = Y4M_RANGE_LIMITED;
		return 0;
	}
	static const char xyscss[] = "YSCSS=";
	size_t n = sizeof(xyscss) - 1;
	if (f->len > n + 1 && memcmp(f->p + 1, xyscss, n) == 0) {
		const char *v = f->p + 1 + n;
		size_t len = f->len - 1 - n;
		int c = lookup_chroma(v, len, true);
		if (c >= 0) {
			sp->xyscss_chroma = c;
			return 0;
		}
		if (is_deep(v, len) && !sp->have_c)
			sp->xyscss_chroma = -2; // refused below unless a C tag says otherwise
	}
	skip_tag(sp, f, &st->unknown_tags, st->first_unknown, sizeof(st->first_unknown));
	return 0;
}

struct stream_tag {
	char letter;
	int (*parse)(struct stream_parse *sp, const struct field *f);
};

static const struct stream_tag stream_tags[] = {
	{ 'W', tag_size },
	{ 'H', tag_size },
	{ 'F', tag_fps },
	{ 'A', tag_aspect },
	{ 'I', tag_interlace },
	{ 'C', tag_chroma },
	{ 'X', tag_x },
};

/* ---- Lines and fields --------------------------------------------------------------------- */

/* Finds the '\n' ending the header at buf; its index, or a negative errno. */
static int find_line_end(const uint8_t *buf, size_t len, const char *what, struct y4m_error *err)
{
	size_t n = len < Y4M_MAX_HEADER ? len : Y4M_MAX_HEADER;
	const uint8_t *nl = memchr(buf, '\n', n);
	if (nl)
		return (int)(nl - buf);
	if (len >= Y4M_MAX_HEADER)
		return fail(err, -EMSGSIZE, "%s longer than %d bytes", what, Y4M_MAX_HEADER);
	return fail(err, -EAGAIN, "%s incomplete (no end of line in %zu bytes)", what, len);
}

/* Fields after the magic: each starts after one space; empty ones are skipped (mjpegtools). */
static int next_field(
	const char **p, const char *end, struct field *f, const char *what, struct y4m_error *err)
{
	while (*p < end) {
		if (**p != ' ')
			return fail(err, -EPROTO, "%s: fields must be separated by spaces", what);
		const char *start = ++*p;
		while (*p < end && **p != ' ') {
			unsigned char c = (unsigned char)**p;
			if (c < 0x20 || c == 0x7f)
				return fail(err, -EPROTO, "%s: control byte 0x%02x in a field",
					what, c);
			++*p;
		}
		if (*p > start) {
			*f = (struct field){ start, (size_t)(*p - start) };
			return 1;
		}
	}
	return 0;
}

static bool is_420(enum y4m_chroma c)
{
	return c == Y4M_C420JPEG || c == Y4M_C420MPEG2 || c == Y4M_C420PALDV;
}

static int derive_planes(struct y4m_stream *st, struct y4m_error *err)
{
	uint32_t w = st->width, h = st->height, cw = w, ch = h;
	if (is_420(st->chroma))
		cw = (w + 1) / 2, ch = (h + 1) / 2;
	else if (st->chroma == Y4M_C422)
		cw = (w + 1) / 2;
	else if (st->chroma == Y4M_C411)
		cw = (w + 3) / 4;
	st->n_planes = st->chroma == Y4M_CMONO ? 1 : st->chroma == Y4M_C444ALPHA ? 4 : 3;
	size_t off = 0;
	for (unsigned p = 0; p < st->n_planes; p++) {
		bool luma_sized = p == 0 || p == 3;
		st->plane_width[p] = luma_sized ? w : cw;
		st->plane_height[p] = luma_sized ? h : ch;
		st->plane_offset[p] = off;
		off += (size_t)st->plane_width[p] * st->plane_height[p];
	}
	st->frame_bytes = off;
	if (off > Y4M_MAX_FRAME_BYTES)
		return fail(err, -ERANGE, "a %ux%u %s frame is %zu MiB, over the %u MiB limit", w,
			h, y4m_chroma_to_str(st->chroma), off >> 20, Y4M_MAX_FRAME_BYTES >> 20);
	return 0;
}

static int stream_fields(struct stream_parse *sp, const char *p, const char *end)
{
	struct field f;
	int ret;
	while ((ret = next_field(&p, end, &f, "stream header", sp->err)) > 0) {
		const struct stream_tag *t = NULL;
		for (size_t i = 0; i < ARRAY_LEN(stream_tags); i++) {
			if (stream_tags[i].letter == f.p[0])
				t = &stream_tags[i];
		}
		if (!t) {
			struct y4m_stream *st = sp->st;
			skip_tag(sp, &f, &st->unknown_tags, st->first_unknown,
				sizeof(st->first_unknown));
			continue;
		}
		ret = t->parse(sp, &f);
		if (ret < 0)
			return ret;
	}
	return ret;
}

int y4m_parse_stream_header(
	const uint8_t *buf, size_t len, struct y4m_stream *out, struct y4m_error *err)
{
	size_t magic = sizeof(STREAM_MAGIC) - 1;
	if (memcmp(buf, STREAM_MAGIC, len < magic ? len : magic) != 0)
		return fail(err, -EPROTO, "not a YUV4MPEG2 stream (no YUV4MPEG2 magic)");
	int nl = find_line_end(buf, len, "stream header", err);
	if (nl < 0)
		return nl;
	if ((size_t)nl < magic || (nl > (int)magic && buf[magic] != ' '))
		return fail(err, -EPROTO, "not a YUV4MPEG2 stream (bad magic)");
	struct y4m_stream st = { .chroma = Y4M_C420JPEG };
	struct stream_parse sp = { .st = &st, .xyscss_chroma = -1, .err = err };
	const char *line = (const char *)buf;
	int ret = stream_fields(&sp, line + magic, line + nl);
	if (ret < 0)
		return ret;
	if (!sp.have_w || !sp.have_h)
		return fail(err, -EPROTO, "stream header without %s",
			!sp.have_w ? "a width (W)" : "a height (H)");
	if (!sp.have_c && sp.xyscss_chroma == -2)
		return fail(err, -EOPNOTSUPP,
			"XYSCSS names more than 8 bits per sample: only 8-bit files play");
	if (!sp.have_c && sp.xyscss_chroma >= 0) {
		st.chroma = (enum y4m_chroma)sp.xyscss_chroma;
		st.chroma_from_xyscss = true;
	}
	ret = derive_planes(&st, err);
	if (ret < 0)
		return ret;
	*out = st;
	return nl + 1;
}

/* ---- Frame headers ------------------------------------------------------------------------ */

static int frame_tag_i(const struct y4m_stream *st, const struct field *f,
	struct y4m_frame_info *fi, struct y4m_error *err)
{
	static const char pres[] = "tTbB123"; // enum y4m_presentation order, from 1
	char b[32];
	const char *at = f->len == 4 ? memchr(pres, f->p[1], sizeof(pres) - 1) : NULL;
	bool ok = at && (f->p[2] == 'p' || f->p[2] == 'i') &&
		(f->p[3] == 'p' || f->p[3] == 'i' || f->p[3] == '?');
	if (!ok)
		return fail(err, -EPROTO, "bad frame tag '%s': expected I<tTbB123><pi><pi?>",
			show(f, b));
	if (st->interlace != Y4M_ILACE_MIXED) {
		fi->unknown_tags++; // meaningless outside 'Im' streams (mjpegtools refuses it)
		return 0;
	}
	fi->presentation = (enum y4m_presentation)(at - pres + 1);
	fi->temporal_interlaced = f->p[2] == 'i';
	fi->spatial_interlaced = f->p[3] == 'i' || (f->p[3] == '?' && f->p[2] == 'i');
	return 0;
}

static int frame_fields(const struct y4m_stream *st, const char *p, const char *end,
	struct y4m_frame_info *fi, struct y4m_error *err)
{
	struct field f;
	int ret;
	while ((ret = next_field(&p, end, &f, "frame header", err)) > 0) {
		if (f.p[0] == 'I') {
			ret = frame_tag_i(st, &f, fi, err);
			if (ret < 0)
				return ret;
		} else {
			fi->unknown_tags += f.p[0] != 'X';
		}
	}
	return ret;
}

int y4m_parse_frame_header(const struct y4m_stream *st, const uint8_t *buf, size_t len,
	struct y4m_frame_info *out, struct y4m_error *err)
{
	size_t magic = sizeof(Y4M_FRAME_MAGIC) - 1;
	if (memcmp(buf, Y4M_FRAME_MAGIC, len < magic ? len : magic) != 0 ||
		(len > magic && buf[magic] != ' ' && buf[magic] != '\n'))
		return fail(err, -EPROTO, "missing FRAME marker");
	int nl = find_line_end(buf, len, "frame header", err);
	if (nl < 0)
		return nl;
	struct y4m_frame_info fi = { 0 };
	const char *line = (const char *)buf;
	int ret = frame_fields(st, line + magic, line + nl, &fi, err);
	if (ret < 0)
		return ret;
	switch (st->interlace) {
	case Y4M_ILACE_TOP_FIRST:
	case Y4M_ILACE_BOTTOM_FIRST:
		fi.interlaced = true;
		break;
	case Y4M_ILACE_MIXED:
		fi.interlaced = fi.spatial_interlaced;
		break;
	case Y4M_ILACE_UNKNOWN:
	case Y4M_ILACE_PROGRESSIVE:
		break;
	}
	*out = fi;
	return nl + 1;
}

const char *y4m_chroma_to_str(enum y4m_chroma c)
{
	static const char *const names[] = { "420jpeg", "420mpeg2", "420paldv", "411", "422", "444",
		"444alpha", "mono" };
	return (unsigned)c < ARRAY_LEN(names) ? names[c] : "?";
}

const char *y4m_interlace_to_str(enum y4m_interlace i)
{
	static const char *const names[] = { "unknown", "progressive", "top field first",
		"bottom field first", "mixed" };
	return (unsigned)i < ARRAY_LEN(names) ? names[i] : "?";
}

const char *y4m_range_to_str(enum y4m_range r)
{
	static const char *const names[] = { "unspecified", "limited", "full" };
	return (unsigned)r < ARRAY_LEN(names) ? names[r] : "?";
}
