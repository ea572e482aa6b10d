/*
 * A stub font for renderer and console tests (kmscon's test_bbulk.c uses blank glyphs the same
 * way): 8x16 cells, every glyph a box with a pattern from its code point, so pixels change when
 * characters do, with no FreeType in the way.
 */
#ifndef HVD_TESTS_FBCON_FBC_FAKE_FONT_H
#define HVD_TESTS_FBCON_FBC_FAKE_FONT_H

struct fbc_font;

#define FBCT_FAKE_CELL_W 8
#define FBCT_FAKE_CELL_H 16

/* NULL on out of memory. Free with fbc_font_destroy(). */
struct fbc_font *fbct_fake_font_create(void);

#endif
