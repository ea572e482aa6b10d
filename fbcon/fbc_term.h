/*
 * The VT adapter: bytes from the child in; screen contents, cursor and damaged cells out.
 *
 * Parsing is libvterm 0.1.4's State layer (escape sequences, modes, cursor, pen, charsets, key
 * and mouse encoding); the cells live in our own grids (primary with scrollback, alternate
 * without) so scrolling moves rows, not cells. doc/vt-library.md says why, and what we add on top
 * of 0.1.4 (faint, conceal, CSI 3 J).
 *
 * Untrusted input: every byte the child writes goes through fbc_term_feed(), which always
 * consumes all of it in time linear in its length, whatever it holds (invalid UTF-8, huge
 * parameters, unterminated strings). Memory is bounded by the grid, scrollback and cluster table
 * sizes.
 *
 * Errors: constructors and resize return 0 or negative errno (-EINVAL for a size out of range,
 * -ENOMEM). fbc_term_feed() cannot fail: what could not be stored (out of memory) is counted in
 * the stats and dropped.
 */
#ifndef HVD_FBCON_FBC_TERM_H
#define HVD_FBCON_FBC_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fbc_cell.h"
#include "fbc_key.h"

#define FBC_TERM_DEFAULT_SCROLLBACK 10000
#define FBC_TERM_DEFAULT_CLUSTERS 65536

struct fbc_term;

struct fbc_term_config {
	int rows;                // 1..FBC_GRID_MAX_ROWS
	int cols;                // 1..FBC_GRID_MAX_COLS
	size_t scrollback_lines; // 0: no history
	size_t max_clusters;     // distinct combining sequences kept; 0: the default
};

/* Bytes for the child: replies to queries (DA, DSR), encoded keys, mouse reports, pastes. The
 * bytes are valid only during the call. */
typedef void (*fbc_term_write_fn)(void *data, const char *bytes, size_t len);

enum fbc_cursor_shape {
	FBC_CURSOR_BLOCK = 0,
	FBC_CURSOR_UNDERLINE,
	FBC_CURSOR_BAR,
};

struct fbc_cursor {
	int row, col; // on the display (scrollback view applied)
	bool visible; // DECTCEM, and on screen in the current view
	bool blink;
	enum fbc_cursor_shape shape;
};

enum fbc_mouse_mode {
	FBC_MOUSE_OFF = 0,
	FBC_MOUSE_CLICK, // 1000
	FBC_MOUSE_DRAG,  // 1002
	FBC_MOUSE_MOVE,  // 1003
};

struct fbc_term_stats {
	uint64_t bytes;             // fed
	uint64_t glyphs;            // characters written to the grid
	uint64_t scrolled_lines;    // lines moved by full-width scrolls
	uint64_t scrollback_pushes; // lines that went into the history
	uint64_t bells;
	uint64_t replies_dropped; // bytes for the child with no writer set
	uint64_t oom;             // writes lost to out-of-memory
	uint64_t clusters_dropped;
};

int fbc_term_create(struct fbc_term **out, const struct fbc_term_config *config);
/* NULL is a no-op. */
void fbc_term_destroy(struct fbc_term *term);

/* fn may be NULL (replies are then dropped and counted); data is passed back as is. */
void fbc_term_set_writer(struct fbc_term *term, fbc_term_write_fn fn, void *data);

/* Parses every byte; see the untrusted-input note above. */
void fbc_term_feed(struct fbc_term *term, const void *bytes, size_t len);

/* New size in cells; content is kept (no reflow), the primary screen trades lines with the
 * scrollback so the cursor stays on screen. Everything is damaged. */
int fbc_term_resize(struct fbc_term *term, int rows, int cols);
int fbc_term_rows(const struct fbc_term *term);
int fbc_term_cols(const struct fbc_term *term);

/* Display row `row` (0 <= row < rows) in the current scrollback view; see struct fbc_line for
 * the lifetime of the cells. */
void fbc_term_line(const struct fbc_term *term, int row, struct fbc_line *out);
/* The code points of a cell's character (see fbc_clusters_get()). */
size_t fbc_term_cluster(
	const struct fbc_term *term, uint32_t ch, uint32_t out[FBC_CLUSTER_MAX_CPS]);
void fbc_term_cursor(const struct fbc_term *term, struct fbc_cursor *out);
bool fbc_term_reverse_video(const struct fbc_term *term); // DECSCNM
bool fbc_term_altscreen(const struct fbc_term *term);
enum fbc_mouse_mode fbc_term_mouse_mode(const struct fbc_term *term);
/* BELs since the last call. */
unsigned fbc_term_take_bells(struct fbc_term *term);
void fbc_term_get_stats(const struct fbc_term *term, struct fbc_term_stats *out);

/*
 * Damage: true when anything shown may have changed since fbc_term_damage_clear(). The span
 * [*lo, *hi) of display row `row` holds every column that may differ (*lo >= *hi: none). It may
 * be generous (a scroll damages whole rows); the renderer compares what it drew to be exact.
 * Cursor moves and mode changes set the flag without a span: the renderer tracks the cursor.
 */
bool fbc_term_damaged(const struct fbc_term *term);
void fbc_term_damage_span(const struct fbc_term *term, int row, int *lo, int *hi);
/*
 * A hint for moving pixels instead of redrawing: true when, since fbc_term_damage_clear(), the
 * only scrolls were full-width ones of display rows [*top, *bottom), all in one direction, for
 * a total of *delta rows (> 0: contents moved up, < 0: down; |*delta| may reach the height:
 * then nothing is left to move). What was on row r at the last clear is then on row r - *delta
 * within the band, give or take other writes, which the damage spans cover (the band's rows
 * are wholly damaged). False when no scroll happened or a move cannot describe it: scrolls of
 * different bands or directions, partial-width or sideways scrolls, the scrollback view
 * scrolled back or moved, a resize, a screen switch, reverse video.
 */
bool fbc_term_damage_scroll(const struct fbc_term *term, int *top, int *bottom, int *delta);
void fbc_term_damage_clear(struct fbc_term *term);

/* Scrollback view: lines scrolled back into history, 0 (the live screen) to the history length.
 * While scrolled back the view stays on the same lines as output arrives. */
size_t fbc_term_scrollback_count(const struct fbc_term *term);
size_t fbc_term_view_offset(const struct fbc_term *term);
/* Positive: back in history; clamped. The alternate screen has no history: no-op there. */
void fbc_term_view_scroll(struct fbc_term *term, long lines);
void fbc_term_view_reset(struct fbc_term *term);

/* Input for the child (each returns the view to the live screen). */
/* Typed text, already UTF-8 (the keymap applied Ctrl and Alt). */
void fbc_term_send_text(struct fbc_term *term, const char *utf8, size_t len);
/* A key whose bytes depend on terminal modes (cursor keys, keypad, function keys). */
void fbc_term_send_key(struct fbc_term *term, enum fbc_vkey key, unsigned mods);
/* Pasted text: wrapped in ESC [200~ / ESC [201~ when the child enabled bracketed paste (2004);
 * ESC and other C0 controls except TAB, LF and CR are removed so pasted text cannot end the
 * bracket or inject sequences. */
void fbc_term_paste(struct fbc_term *term, const char *bytes, size_t len);
/* Mouse in cells (clamped to the screen); sent only when the child enabled mouse reporting.
 * button: 1-3, 4/5 wheel up/down. */
void fbc_term_mouse_move(struct fbc_term *term, int row, int col, unsigned mods);
void fbc_term_mouse_button(struct fbc_term *term, int button, bool pressed, unsigned mods);

#endif
