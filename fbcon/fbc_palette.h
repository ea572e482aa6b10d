/*
 * Colours: the 256-colour palette and the default foreground and background, as 0xRRGGBB.
 */
#ifndef HVD_FBCON_FBC_PALETTE_H
#define HVD_FBCON_FBC_PALETTE_H

#include <stdint.h>

#include "fbc_cell.h"

struct fbc_palette {
	uint32_t colors[256];
	uint32_t foreground;
	uint32_t background;
};

/* xterm's defaults: its 16 ANSI colours, the 6x6x6 cube and the 24 greys; light grey on black. */
void fbc_palette_init_xterm(struct fbc_palette *palette);

/* A cell colour (FBC_COLOR_*) as 0xRRGGBB; `fallback` stands for FBC_COLOR_DEFAULT. */
static inline uint32_t fbc_palette_resolve(
	const struct fbc_palette *palette, uint32_t color, uint32_t fallback)
{
	switch (fbc_color_kind(color)) {
	case FBC_COLOR_KIND_INDEXED:
		return palette->colors[color & 0xff];
	case FBC_COLOR_KIND_RGB:
		return color & 0xffffff;
	default:
		return fallback;
	}
}

#endif
