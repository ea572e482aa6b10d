/* The host's visible picture (hvh_screen.h). */
#include "hvh_screen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "png_write.h"

/* Copied rects remembered for show-damage; older ones are forgotten (their outline would be
 * gone soon anyway). */
#define DAMAGE_LOG 256
#define OUTLINE_PX 1

struct damage_entry {
	struct rect r;
	int64_t at_ms;
};

struct cursor {
	pixman_image_t *image; // a8r8g8b8, NULL until the guest sends a shape
	uint32_t hot_x, hot_y;
	bool visible;
	int32_t x, y;
};

struct hvh_screen {
	struct hvh_scanout so;
	pixman_image_t *pic; // x8r8g8b8, so.width x so.height
	/* What viewers see with show-damage on: pic with the outlines drawn in; else NULL. */
	pixman_image_t *view;
	int64_t show_damage_ms;
	struct damage_entry damage[DAMAGE_LOG];
	size_t damage_next; // ring position of the next entry
	struct cursor cursor;
	const struct hvh_screen_listener *listener; // may be NULL
	void *listener_data;
};

static bool scanout_valid(const struct hvh_scanout *so)
{
	return so->width && so->height && so->width <= PNG_WRITE_MAX_DIM &&
		so->height <= PNG_WRITE_MAX_DIM && (so->depth == 32 || so->depth == 16);
}

static bool scanout_equal(const struct hvh_scanout *a, const struct hvh_scanout *b)
{
	return a->width == b->width && a->height == b->height && a->pitch == b->pitch &&
		a->offset == b->offset && a->depth == b->depth;
}

int hvh_screen_create(struct hvh_screen **out, const struct hvh_scanout *so)
{
	if (!scanout_valid(so))
		return -EINVAL;
	struct hvh_screen *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	/* pixman clears what it allocates: the picture starts black. */
	s->pic =
		pixman_image_create_bits(PIXMAN_x8r8g8b8, (int)so->width, (int)so->height, NULL, 0);
	if (!s->pic) {
		free(s);
		return -ENOMEM;
	}
	s->so = *so;
	*out = s;
	return 0;
}

void hvh_screen_destroy(struct hvh_screen *s)
{
	if (!s)
		return;
	pixman_image_unref(s->pic);
	if (s->view)
		pixman_image_unref(s->view);
	if (s->cursor.image)
		pixman_image_unref(s->cursor.image);
	free(s);
}

const struct hvh_scanout *hvh_screen_scanout(const struct hvh_screen *s)
{
	return &s->so;
}

int hvh_screen_set_scanout(struct hvh_screen *s, const struct hvh_scanout *so)
{
	if (!scanout_valid(so))
		return -EINVAL;
	if (scanout_equal(&s->so, so))
		return 0;
	pixman_image_t *pic =
		pixman_image_create_bits(PIXMAN_x8r8g8b8, (int)so->width, (int)so->height, NULL, 0);
	pixman_image_t *view = s->view ? pixman_image_create_bits(PIXMAN_x8r8g8b8, (int)so->width,
						 (int)so->height, NULL, 0)
				       : NULL;
	if (!pic || (s->view && !view)) {
		if (pic)
			pixman_image_unref(pic);
		if (view)
			pixman_image_unref(view);
		return -ENOMEM;
	}
	pixman_image_unref(s->pic);
	s->pic = pic;
	if (s->view) {
		pixman_image_unref(s->view);
		s->view = view;
	}
	s->so = *so;
	/* Outlines of the old picture mean nothing on the new one. */
	memset(s->damage, 0, sizeof(s->damage));
	if (s->listener && s->listener->resized)
		s->listener->resized(s->listener_data, &s->so);
	return 1;
}

bool hvh_screen_clip(const struct hvh_screen *s, struct rect *r)
{
	const struct rect all = { 0, 0, (int32_t)s->so.width, (int32_t)s->so.height };
	return rect_clip(r, &all);
}

/* RGB565 to XRGB8888, widening each channel by repeating its top bits (0x1f -> 0xff). */
static void rgb565_to_xrgb(uint32_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t p = (uint32_t)src[2 * i] | (uint32_t)src[2 * i + 1] << 8;
		uint32_t r = p >> 11 & 0x1f, g = p >> 5 & 0x3f, b = p & 0x1f;
		r = r << 3 | r >> 2;
		g = g << 2 | g >> 4;
		b = b << 3 | b >> 2;
		dst[i] = r << 16 | g << 8 | b;
	}
}

/* XRGB8888 bytes (B, G, R, X in memory) into native pixman words: a copy on little-endian. */
static void xrgb_bytes_to_words(uint32_t *dst, const uint8_t *src, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(dst, src, n * 4);
#else
	for (size_t i = 0; i < n; i++)
		dst[i] = (uint32_t)src[4 * i] | (uint32_t)src[4 * i + 1] << 8 |
			(uint32_t)src[4 * i + 2] << 16;
#endif
}

static void notify_damage(struct hvh_screen *s, const struct rect *r)
{
	if (s->listener && s->listener->damage)
		s->listener->damage(s->listener_data, r);
}

/* The edges of outline o that lie in clip, drawn into img. */
static void draw_outline(pixman_image_t *img, const struct rect *o, const struct rect *clip)
{
	static const pixman_color_t magenta = { 0xffff, 0x0000, 0xffff, 0xffff };
	/* Edges inside the rect, so a rect at the picture's border keeps all four. */
	int32_t tx = MIN(OUTLINE_PX, o->x2 - o->x1), ty = MIN(OUTLINE_PX, o->y2 - o->y1);
	const struct rect edges[4] = {
		{ o->x1, o->y1, o->x2, o->y1 + ty },
		{ o->x1, o->y2 - ty, o->x2, o->y2 },
		{ o->x1, o->y1, o->x1 + tx, o->y2 },
		{ o->x2 - tx, o->y1, o->x2, o->y2 },
	};
	for (size_t i = 0; i < ARRAY_LEN(edges); i++) {
		struct rect e;
		if (!rect_intersect(&edges[i], clip, &e))
			continue;
		const pixman_box32_t box = { e.x1, e.y1, e.x2, e.y2 };
		pixman_image_fill_boxes(PIXMAN_OP_SRC, img, &magenta, 1, &box);
	}
}

/* The view in r again: the picture's pixels, then the outlines still shown over them. */
static void refresh_view(struct hvh_screen *s, const struct rect *r)
{
	if (!s->view)
		return;
	pixman_image_composite32(PIXMAN_OP_SRC, s->pic, NULL, s->view, r->x1, r->y1, 0, 0, r->x1,
		r->y1, r->x2 - r->x1, r->y2 - r->y1);
	for (size_t i = 0; i < DAMAGE_LOG; i++) {
		if (!rect_is_empty(&s->damage[i].r))
			draw_outline(s->view, &s->damage[i].r, r);
	}
}

void hvh_screen_add_damage(struct hvh_screen *s, const struct rect *r, int64_t now_ms)
{
	struct rect c = *r;
	if (!s->view || !hvh_screen_clip(s, &c))
		return;
	struct damage_entry *slot = &s->damage[s->damage_next];
	s->damage_next = (s->damage_next + 1) % DAMAGE_LOG;
	/* The oldest outline makes room: take it off the view first. */
	struct damage_entry old = *slot;
	*slot = (struct damage_entry){ c, now_ms };
	if (!rect_is_empty(&old.r)) {
		refresh_view(s, &old.r);
		notify_damage(s, &old.r);
	}
	draw_outline(s->view, &c, &c);
	notify_damage(s, &c);
}

int64_t hvh_screen_expire_damage(struct hvh_screen *s, int64_t now_ms)
{
	int64_t next = -1;
	for (size_t i = 0; s->view && i < DAMAGE_LOG; i++) {
		struct damage_entry *d = &s->damage[i];
		if (rect_is_empty(&d->r))
			continue;
		if (now_ms - d->at_ms < s->show_damage_ms) {
			int64_t due = d->at_ms + s->show_damage_ms;
			next = next < 0 || due < next ? due : next;
			continue;
		}
		struct rect gone = d->r;
		d->r = (struct rect){ 0 };
		refresh_view(s, &gone);
		notify_damage(s, &gone);
	}
	return next;
}

int hvh_screen_copy(
	struct hvh_screen *s, const uint8_t *vram, size_t vram_size, const struct rect *r)
{
	struct rect c = *r;
	if (!hvh_screen_clip(s, &c))
		return 0;
	const struct hvh_scanout *so = &s->so;
	uint32_t bpp = so->depth / 8u;
	uint32_t *bits = pixman_image_get_data(s->pic);
	size_t stride = (size_t)pixman_image_get_stride(s->pic) / 4;
	uint64_t len = rect_width(&c) * bpp;
	int ret = 0;
	for (int32_t y = c.y1; y < c.y2; y++) {
		uint64_t start = so->offset + (uint64_t)y * so->pitch + (uint64_t)c.x1 * bpp;
		if (start > vram_size || len > vram_size - start) {
			ret = -ERANGE;
			continue;
		}
		uint32_t *dst = bits + (size_t)y * stride + (size_t)c.x1;
		if (bpp == 4)
			xrgb_bytes_to_words(dst, vram + start, rect_width(&c));
		else
			rgb565_to_xrgb(dst, vram + start, rect_width(&c));
	}
	refresh_view(s, &c);
	notify_damage(s, &c);
	return ret;
}

int hvh_screen_set_show_damage(struct hvh_screen *s, int64_t ms)
{
	if (ms > 0 && !s->view) {
		int w = (int)s->so.width, h = (int)s->so.height;
		s->view = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h, NULL, 0);
		if (!s->view)
			return -ENOMEM;
		pixman_image_composite32(
			PIXMAN_OP_SRC, s->pic, NULL, s->view, 0, 0, 0, 0, 0, 0, w, h);
	} else if (ms <= 0 && s->view) {
		pixman_image_unref(s->view);
		s->view = NULL;
		memset(s->damage, 0, sizeof(s->damage));
		const struct rect all = { 0, 0, (int32_t)s->so.width, (int32_t)s->so.height };
		notify_damage(s, &all);
	}
	s->show_damage_ms = ms > 0 ? ms : 0;
	return 0;
}

/* ---- cursor ---- */

static void cursor_changed(struct hvh_screen *s)
{
	if (s->listener && s->listener->cursor)
		s->listener->cursor(s->listener_data);
}

static uint8_t mask_bit(const uint8_t *mask, uint32_t row_bytes, uint32_t x, uint32_t y)
{
	return mask[(size_t)y * row_bytes + x / 8] >> (7 - x % 8) & 1;
}

static uint32_t mono_pixel(
	const uint8_t *data, uint32_t width, uint32_t height, uint32_t x, uint32_t y)
{
	uint32_t row_bytes = (width + 7) / 8;
	const uint8_t *and_mask = data;
	const uint8_t *xor_mask = data + (size_t)row_bytes * height;
	uint8_t a = mask_bit(and_mask, row_bytes, x, y);
	uint8_t xo = mask_bit(xor_mask, row_bytes, x, y);
	if (a && !xo)
		return 0; // transparent
	/* AND 1 XOR 1 inverts the screen on Windows; an overlay can only show it, in black. */
	return !a && xo ? 0xffffffffu : 0xff000000u;
}

/* One premultiplied ARGB pixel from B, G, R, A bytes; a colour above alpha (not premultiplied
 * after all) is clamped so blending stays within range. */
static uint32_t argb_pixel(const uint8_t *p)
{
	uint32_t a = p[3];
	uint32_t r = MIN((uint32_t)p[2], a), g = MIN((uint32_t)p[1], a), b = MIN((uint32_t)p[0], a);
	return a << 24 | r << 16 | g << 8 | b;
}

int hvh_screen_set_cursor(struct hvh_screen *s, bool is_argb, uint32_t width, uint32_t height,
	uint32_t hot_x, uint32_t hot_y, const uint8_t *data)
{
	if (!width || !height || width > 96 || height > 96)
		return -EINVAL;
	pixman_image_t *img =
		pixman_image_create_bits(PIXMAN_a8r8g8b8, (int)width, (int)height, NULL, 0);
	if (!img)
		return -ENOMEM;
	uint32_t *bits = pixman_image_get_data(img);
	size_t stride = (size_t)pixman_image_get_stride(img) / 4;
	for (uint32_t y = 0; y < height; y++) {
		for (uint32_t x = 0; x < width; x++) {
			bits[y * stride + x] = is_argb
				? argb_pixel(data + ((size_t)y * width + x) * 4)
				: mono_pixel(data, width, height, x, y);
		}
	}
	if (s->cursor.image)
		pixman_image_unref(s->cursor.image);
	s->cursor.image = img;
	s->cursor.hot_x = hot_x;
	s->cursor.hot_y = hot_y;
	cursor_changed(s);
	return 0;
}

void hvh_screen_set_cursor_position(struct hvh_screen *s, bool visible, int32_t x, int32_t y)
{
	bool same = s->cursor.visible == visible && s->cursor.x == x && s->cursor.y == y;
	s->cursor.visible = visible;
	s->cursor.x = x;
	s->cursor.y = y;
	if (!same)
		cursor_changed(s);
}

void hvh_screen_reset_cursor(struct hvh_screen *s)
{
	if (s->cursor.image)
		pixman_image_unref(s->cursor.image);
	s->cursor = (struct cursor){ 0 };
	cursor_changed(s);
}

void hvh_screen_cursor_info(const struct hvh_screen *s, struct hvh_cursor_info *out)
{
	const struct cursor *c = &s->cursor;
	*out = (struct hvh_cursor_info){
		.has_image = c->image != NULL,
		.visible = c->visible,
		.x = c->x,
		.y = c->y,
		.width = c->image ? (uint32_t)pixman_image_get_width(c->image) : 0,
		.height = c->image ? (uint32_t)pixman_image_get_height(c->image) : 0,
		.hot_x = c->hot_x,
		.hot_y = c->hot_y,
	};
}

/* ---- composing ---- */

static void draw_cursor(const struct hvh_screen *s, pixman_image_t *img)
{
	const struct cursor *c = &s->cursor;
	if (!c->image || !c->visible)
		return;
	/* Clipped here in 64 bits: the position is the guest's, anywhere in int32. */
	int64_t w = pixman_image_get_width(c->image), h = pixman_image_get_height(c->image);
	int64_t x1 = MAX((int64_t)c->x, 0), y1 = MAX((int64_t)c->y, 0);
	int64_t x2 = MIN((int64_t)c->x + w, (int64_t)s->so.width);
	int64_t y2 = MIN((int64_t)c->y + h, (int64_t)s->so.height);
	if (x1 >= x2 || y1 >= y2)
		return;
	pixman_image_composite32(PIXMAN_OP_OVER, c->image, NULL, img, (int32_t)(x1 - c->x),
		(int32_t)(y1 - c->y), 0, 0, (int32_t)x1, (int32_t)y1, (int32_t)(x2 - x1),
		(int32_t)(y2 - y1));
}

pixman_image_t *hvh_screen_compose(struct hvh_screen *s, bool with_cursor, int64_t now_ms)
{
	int w = (int)s->so.width, h = (int)s->so.height;
	pixman_image_t *img = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h, NULL, 0);
	if (!img)
		return NULL;
	hvh_screen_expire_damage(s, now_ms);
	pixman_image_composite32(
		PIXMAN_OP_SRC, hvh_screen_picture(s), NULL, img, 0, 0, 0, 0, 0, 0, w, h);
	if (with_cursor)
		draw_cursor(s, img);
	return img;
}

/* ---- front ends ---- */

void hvh_screen_set_listener(struct hvh_screen *s, const struct hvh_screen_listener *l, void *data)
{
	s->listener = l;
	s->listener_data = l ? data : NULL;
}

pixman_image_t *hvh_screen_picture(struct hvh_screen *s)
{
	return s->view ? s->view : s->pic;
}

pixman_image_t *hvh_screen_cursor_image(struct hvh_screen *s)
{
	return s->cursor.image;
}
