/*
 * hvdemo's picture: a few bouncing rectangles over a gradient and a clock-like sweep, drawn in
 * software into an XRGB8888 framebuffer, with the exact damage of every frame, so damage (and
 * hvhost --show-damage) can be watched at work.
 *
 * Pure drawing: no I/O. Aborting allocation is fine here (demos/, STYLE.md).
 */
#ifndef HVD_DEMOS_HVDEMO_SCENE_H
#define HVD_DEMOS_HVDEMO_SCENE_H

#include <stddef.h>
#include <stdint.h>

#include "svd.h"

#define SCENE_MAX_DAMAGE 16

struct scene;

/* A scene for a width x height picture (at least 64x64). */
struct scene *scene_create(uint32_t width, uint32_t height);
void scene_destroy(struct scene *s);

/*
 * Draws the next frame into pixels (pitch bytes per row) and returns the damage in rects
 * (SCENE_MAX_DAMAGE of room): what this frame changed. The first frame draws everything and
 * returns one rect covering the picture.
 */
size_t scene_draw(struct scene *s, uint8_t *pixels, uint32_t pitch, struct svd_rect *rects);

#endif
