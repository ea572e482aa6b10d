/*
 * Damaged rects from a framebuffer into VRAM, row by row: the cost follows the damaged area,
 * never the screen. The rects are already clipped to the mode and the framebuffer (svd_damage.c),
 * so every byte touched is inside both.
 */
#include <string.h>

#include "svd_internal.h"

static uint64_t copy_rect(uint8_t *vram, uint32_t vram_pitch, const struct svd_fb *fb,
	uint32_t src_x, uint32_t src_y, const struct rect *r)
{
	size_t row_bytes = (size_t)rect_width(r) * 4u, rows = (size_t)rect_height(r);
	uint8_t *dst = vram + (size_t)r->y1 * vram_pitch + (size_t)r->x1 * 4u;
	const uint8_t *src =
		fb->data + ((size_t)r->y1 + src_y) * fb->pitch + ((size_t)r->x1 + src_x) * 4u;
	if (row_bytes == vram_pitch && row_bytes == fb->pitch) {
		memcpy(dst, src, row_bytes * rows); /* whole rows in both layouts: one block */
	} else {
		for (size_t y = 0; y < rows; y++)
			memcpy(dst + y * vram_pitch, src + y * fb->pitch, row_bytes);
	}
	return (uint64_t)row_bytes * rows;
}

/* Rects of one band (same top and bottom, like the cells of a text row) are copied row by row
 * across the band, so memory is walked in address order instead of rect after rect: scattered
 * glyphs then cost what their bytes cost, not a cache and TLB miss per glyph row. */
static uint64_t copy_band(uint8_t *vram, uint32_t vram_pitch, const struct svd_fb *fb,
	uint32_t src_x, uint32_t src_y, const struct rect *rects, size_t n)
{
	uint64_t copied = 0;
	for (int32_t y = rects[0].y1; y < rects[0].y2; y++) {
		uint8_t *dst_row = vram + (size_t)y * vram_pitch;
		const uint8_t *src_row = fb->data + ((size_t)y + src_y) * fb->pitch;
		for (size_t i = 0; i < n; i++) {
			size_t bytes = (size_t)rect_width(&rects[i]) * 4u;
			memcpy(dst_row + (size_t)rects[i].x1 * 4u,
				src_row + ((size_t)rects[i].x1 + src_x) * 4u, bytes);
			copied += bytes;
		}
	}
	return copied;
}

uint64_t svd_blit(uint8_t *vram, uint32_t vram_pitch, const struct svd_fb *fb, uint32_t src_x,
	uint32_t src_y, const struct rect *rects, size_t n)
{
	uint64_t copied = 0;
	for (size_t i = 0; i < n;) {
		size_t end = i + 1;
		while (end < n && rects[end].y1 == rects[i].y1 && rects[end].y2 == rects[i].y2)
			end++;
		if (end - i == 1)
			copied += copy_rect(vram, vram_pitch, fb, src_x, src_y, &rects[i]);
		else
			copied += copy_band(vram, vram_pitch, fb, src_x, src_y, &rects[i], end - i);
		i = end;
	}
	return copied;
}
