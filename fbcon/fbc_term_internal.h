/*
 * fbc_term's state, shared by its two halves: fbc_term.c (the child's output into the grids)
 * and fbc_term_input.c (the user's keys, text, paste and mouse out to the child). Not part of
 * the public API.
 */
#ifndef HVD_FBCON_FBC_TERM_INTERNAL_H
#define HVD_FBCON_FBC_TERM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vterm.h>

#include "fbc_grid.h"
#include "fbc_term.h"
#include "fbc_utf8.h"
#include "fbc_vtscan.h"

/* Largest single write to libvterm (see write_to_vterm()). */
#define WRITE_MAX 4096
/* Input bytes sanitised at a time (fbc_term_feed()). */
#define SANITIZE_PIECE 4096

/* Attributes fbc_vtscan tracks because libvterm 0.1.4 does not. */
#define SCAN_ATTRS (FBC_ATTR_FAINT | FBC_ATTR_CONCEAL)

struct pen {
	uint32_t fg;
	uint32_t bg;
	uint16_t attr;
};

struct fbc_term {
	VTerm *vt;
	VTermState *state;
	struct fbc_vtscan scan;
	struct fbc_utf8 utf8;
	uint8_t clean[FBC_UTF8_OUT_MAX(SANITIZE_PIECE)]; // sanitised bytes on their way in

	struct fbc_grid *primary;
	struct fbc_grid *alternate;
	struct fbc_grid *active;
	struct fbc_scrollback *scrollback;
	struct fbc_clusters *clusters;
	int rows, cols;

	struct pen pen;
	uint16_t saved_scan_attrs; // faint/conceal at the last cursor save
	int primary_cursor_row;    // where the cursor was when the alternate screen came up

	bool cursor_visible;
	bool cursor_blink;
	enum fbc_cursor_shape cursor_shape;
	bool reverse_video;
	enum fbc_mouse_mode mouse;

	size_t view_offset;
	bool view_damaged; // every display row may have changed
	/* Full-width vertical scrolls since the last damage clear (fbc_term_damage_scroll()):
	 * rows [scroll_top, scroll_bottom) of the active grid moved up by scroll_delta (down when
	 * negative). scroll_mixed: scrolls that one move cannot describe happened. */
	int scroll_top, scroll_bottom, scroll_delta;
	bool scroll_mixed;
	bool changed; // cursor or mode changed (no cell span)
	unsigned bells;

	fbc_term_write_fn write;
	void *write_data;
	struct fbc_term_stats stats;
};

/* Bytes for the child (replies, keys, paste): to the writer, or counted as dropped. Also
 * libvterm's output callback (user: the term). */
void fbc_term_output(const char *bytes, size_t len, void *user);

#endif
