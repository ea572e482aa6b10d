/*
 * xterm's default palette (its XTerm-col.ad and 256colres.h), so programs that pick colours
 * for xterm-256color look as their authors saw them.
 */
#include "fbc_palette.h"

static const uint32_t ansi16[16] = {
	0x000000,
	0xcd0000,
	0x00cd00,
	0xcdcd00,
	0x0000ee,
	0xcd00cd,
	0x00cdcd,
	0xe5e5e5,
	0x7f7f7f,
	0xff0000,
	0x00ff00,
	0xffff00,
	0x5c5cff,
	0xff00ff,
	0x00ffff,
	0xffffff,
};

static uint32_t cube_level(unsigned i)
{
	return i ? 55 + 40 * i : 0;
}

void fbc_palette_init_xterm(struct fbc_palette *palette)
{
	for (unsigned i = 0; i < 16; i++)
		palette->colors[i] = ansi16[i];
	for (unsigned i = 0; i < 216; i++) {
		uint32_t r = cube_level(i / 36), g = cube_level(i / 6 % 6), b = cube_level(i % 6);
		palette->colors[16 + i] = r << 16 | g << 8 | b;
	}
	for (unsigned i = 0; i < 24; i++) {
		uint32_t v = 8 + 10 * i;
		palette->colors[232 + i] = v << 16 | v << 8 | v;
	}
	palette->foreground = ansi16[7];
	palette->background = ansi16[0];
}
