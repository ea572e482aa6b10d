/*
 * Bounds-checked little-endian cursor for wire formats.
 *
 * Every codec reads and writes through this cursor instead of laying packed structs over a
 * buffer: no alignment, packing or endianness traps, and no read past the end. A cursor that
 * runs out of room latches an error (-EMSGSIZE) and further reads return 0, so a decoder can
 * read a whole fixed layout and check wire_error() once.
 *
 * Header-only, C library only, no I/O, no allocation: usable in a kernel or firmware later.
 */
#ifndef HVD_COMMON_WIRE_H
#define HVD_COMMON_WIRE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wire {
	uint8_t *buf; // NULL-able only when len is 0
	size_t len;
	size_t pos;
	int err; // 0, or -EMSGSIZE once a read or write did not fit
};

/* A reader over const bytes: the cursor never writes through buf in read functions. */
static inline struct wire wire_reader(const void *buf, size_t len)
{
	return (struct wire){ .buf = (uint8_t *)(uintptr_t)buf, .len = len };
}

static inline struct wire wire_writer(void *buf, size_t len)
{
	return (struct wire){ .buf = buf, .len = len };
}

static inline int wire_error(const struct wire *w)
{
	return w->err;
}

static inline size_t wire_remaining(const struct wire *w)
{
	return w->err ? 0 : w->len - w->pos;
}

/* Reserve n bytes; returns a pointer to them or NULL (and latches -EMSGSIZE). */
static inline uint8_t *wire_need(struct wire *w, size_t n)
{
	if (w->err || n > w->len - w->pos) {
		w->err = -EMSGSIZE;
		return NULL;
	}
	uint8_t *p = w->buf + w->pos;
	w->pos += n;
	return p;
}

static inline uint8_t wire_get_u8(struct wire *w)
{
	const uint8_t *p = wire_need(w, 1);
	return p ? p[0] : 0;
}

static inline uint16_t wire_get_u16(struct wire *w)
{
	const uint8_t *p = wire_need(w, 2);
	return p ? (uint16_t)(p[0] | (uint16_t)p[1] << 8) : 0;
}

static inline uint32_t wire_get_u32(struct wire *w)
{
	const uint8_t *p = wire_need(w, 4);
	return p
		? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
		: 0;
}

static inline uint64_t wire_get_u64(struct wire *w)
{
	uint64_t lo = wire_get_u32(w);
	uint64_t hi = wire_get_u32(w);
	return lo | hi << 32;
}

static inline int32_t wire_get_s32(struct wire *w)
{
	uint32_t v = wire_get_u32(w);
	int32_t s;
	memcpy(&s, &v, sizeof(s));
	return s;
}

static inline void wire_get_bytes(struct wire *w, void *dst, size_t n)
{
	const uint8_t *p = wire_need(w, n);
	if (p)
		memcpy(dst, p, n);
	else if (n)
		memset(dst, 0, n);
}

/* Skip n bytes; with must_be_zero, latches -EPROTO when one of them is not 0. */
static inline void wire_skip(struct wire *w, size_t n, bool must_be_zero)
{
	const uint8_t *p = wire_need(w, n);
	if (!p || !must_be_zero)
		return;
	for (size_t i = 0; i < n; i++) {
		if (p[i]) {
			w->err = -EPROTO;
			return;
		}
	}
}

static inline void wire_put_u8(struct wire *w, uint8_t v)
{
	uint8_t *p = wire_need(w, 1);
	if (p)
		p[0] = v;
}

static inline void wire_put_u16(struct wire *w, uint16_t v)
{
	uint8_t *p = wire_need(w, 2);
	if (p) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	}
}

static inline void wire_put_u32(struct wire *w, uint32_t v)
{
	uint8_t *p = wire_need(w, 4);
	if (p) {
		for (int i = 0; i < 4; i++)
			p[i] = (uint8_t)(v >> (8 * i));
	}
}

static inline void wire_put_u64(struct wire *w, uint64_t v)
{
	wire_put_u32(w, (uint32_t)v);
	wire_put_u32(w, (uint32_t)(v >> 32));
}

static inline void wire_put_s32(struct wire *w, int32_t v)
{
	uint32_t u;
	memcpy(&u, &v, sizeof(u));
	wire_put_u32(w, u);
}

static inline void wire_put_bytes(struct wire *w, const void *src, size_t n)
{
	uint8_t *p = wire_need(w, n);
	if (p && n)
		memcpy(p, src, n);
}

static inline void wire_put_zeros(struct wire *w, size_t n)
{
	uint8_t *p = wire_need(w, n);
	if (p && n)
		memset(p, 0, n);
}

#endif
