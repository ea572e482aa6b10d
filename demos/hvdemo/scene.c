/* hvdemo's picture (scene.h). */
#include "scene.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define N_BOXES 5
#define SWEEP_STEP (2.0 * M_PI / 90.0) // a full turn every 3 s at 30 fps

struct box {
	int32_t x, y, w, h;
	int32_t dx, dy;
	uint32_t colour;
};

struct scene {
	uint32_t width, height;
	uint64_t frame;
	struct box boxes[N_BOXES];
	/* The clock: centre, radius, and the sweep's angle. */
	int32_t cx, cy, radius;
	double angle;
};

static const uint32_t palette[N_BOXES] = { 0xe8543f, 0xf2b134, 0x4fb06d, 0x3f8fd2, 0xb45cc8 };

struct scene *scene_create(uint32_t width, uint32_t height)
{
	struct scene *s = calloc(1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "hvdemo: out of memory\n");
		abort();
	}
	s->width = width;
	s->height = height;
	int32_t unit = (int32_t)(width < height ? width : height) / 8;
	for (int i = 0; i < N_BOXES; i++) {
		struct box *b = &s->boxes[i];
		b->w = unit + i * unit / 3;
		b->h = unit + (N_BOXES - i) * unit / 4;
		b->x = (int32_t)width / (N_BOXES + 1) * i;
		b->y = (int32_t)height / (N_BOXES + 2) * (i + 1);
		b->dx = 2 + i;
		b->dy = 7 - i;
	}
	s->radius = unit * 3 / 2;
	s->cx = (int32_t)width - s->radius - unit / 2;
	s->cy = s->radius + unit / 2;
	return s;
}

void scene_destroy(struct scene *s)
{
	free(s);
}

/* ---- pixels ---- */

static void put(uint8_t *pixels, uint32_t pitch, int32_t x, int32_t y, uint32_t rgb)
{
	uint8_t *p = pixels + (size_t)y * pitch + (size_t)x * 4;
	p[0] = (uint8_t)rgb;
	p[1] = (uint8_t)(rgb >> 8);
	p[2] = (uint8_t)(rgb >> 16);
	p[3] = 0;
}

static uint32_t background(const struct scene *s, int32_t x, int32_t y)
{
	uint32_t t = (uint32_t)y * 255 / s->height, u = (uint32_t)x * 64 / s->width;
	return (32 + t / 4) << 16 | (40 + u) << 8 | (80 + t / 2);
}

static struct svd_rect clip(const struct scene *s, struct svd_rect r)
{
	r.x1 = r.x1 < 0 ? 0 : r.x1;
	r.y1 = r.y1 < 0 ? 0 : r.y1;
	r.x2 = r.x2 > (int32_t)s->width ? (int32_t)s->width : r.x2;
	r.y2 = r.y2 > (int32_t)s->height ? (int32_t)s->height : r.y2;
	return r;
}

static void fill_background(
	const struct scene *s, uint8_t *pixels, uint32_t pitch, struct svd_rect r)
{
	r = clip(s, r);
	for (int32_t y = r.y1; y < r.y2; y++)
		for (int32_t x = r.x1; x < r.x2; x++)
			put(pixels, pitch, x, y, background(s, x, y));
}

static void fill(
	const struct scene *s, uint8_t *pixels, uint32_t pitch, struct svd_rect r, uint32_t rgb)
{
	r = clip(s, r);
	for (int32_t y = r.y1; y < r.y2; y++)
		for (int32_t x = r.x1; x < r.x2; x++)
			put(pixels, pitch, x, y, rgb);
}

/* ---- shapes ---- */

static struct svd_rect box_rect(const struct box *b)
{
	return (struct svd_rect){ b->x, b->y, b->x + b->w, b->y + b->h };
}

static void box_move(const struct scene *s, struct box *b)
{
	b->x += b->dx;
	b->y += b->dy;
	if (b->x < 0 || b->x + b->w > (int32_t)s->width) {
		b->dx = -b->dx;
		b->x += 2 * b->dx;
	}
	if (b->y < 0 || b->y + b->h > (int32_t)s->height) {
		b->dy = -b->dy;
		b->y += 2 * b->dy;
	}
}

static struct svd_rect clock_rect(const struct scene *s)
{
	return (struct svd_rect){ s->cx - s->radius, s->cy - s->radius, s->cx + s->radius + 1,
		s->cy + s->radius + 1 };
}

/* A dial with a filled sector from twelve o'clock to the sweep's angle and a bright hand. */
static void draw_clock(const struct scene *s, uint8_t *pixels, uint32_t pitch)
{
	struct svd_rect r = clip(s, clock_rect(s));
	double r2 = (double)s->radius * s->radius;
	for (int32_t y = r.y1; y < r.y2; y++) {
		for (int32_t x = r.x1; x < r.x2; x++) {
			double dx = x - s->cx, dy = y - s->cy;
			double d2 = dx * dx + dy * dy;
			if (d2 > r2) {
				put(pixels, pitch, x, y, background(s, x, y));
				continue;
			}
			double a = atan2(dx, -dy);
			if (a < 0)
				a += 2 * M_PI;
			bool swept = a <= s->angle;
			bool hand = fabs(a - s->angle) * sqrt(d2) < 2.0;
			bool rim = d2 > (s->radius - 3) * (double)(s->radius - 3);
			uint32_t c = hand ? 0xffffff : rim ? 0xd0d0d0 : swept ? 0x2f9e8f : 0x1c2630;
			put(pixels, pitch, x, y, c);
		}
	}
}

size_t scene_draw(struct scene *s, uint8_t *pixels, uint32_t pitch, struct svd_rect *rects)
{
	size_t n = 0;
	const struct svd_rect all = { 0, 0, (int32_t)s->width, (int32_t)s->height };
	if (s->frame == 0) {
		fill_background(s, pixels, pitch, all);
		rects[n++] = all;
	} else {
		/* Where every box was: background again, and damage. */
		for (int i = 0; i < N_BOXES; i++) {
			struct svd_rect old = box_rect(&s->boxes[i]);
			fill_background(s, pixels, pitch, old);
			rects[n++] = old;
			box_move(s, &s->boxes[i]);
		}
		s->angle += SWEEP_STEP;
		if (s->angle >= 2 * M_PI)
			s->angle = 0;
	}
	draw_clock(s, pixels, pitch);
	if (s->frame)
		rects[n++] = clip(s, clock_rect(s));
	/* Boxes last, so those passing over the dial stay on top. */
	for (int i = 0; i < N_BOXES; i++) {
		const struct box *b = &s->boxes[i];
		fill(s, pixels, pitch, box_rect(b), palette[i]);
		if (s->frame)
			rects[n++] = box_rect(b);
	}
	s->frame++;
	return n;
}
