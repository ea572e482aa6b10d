/*
 * Scrollback: a ring of the lines that scrolled off the top of the primary screen.
 *
 * Lines move in and out as whole rows (pointers), never as cell copies: the grid hands its top
 * row over and gets back the ring's oldest row to reuse once the ring is full, so scrolling a
 * full screen costs no allocation in the steady state. Lines keep the width they had; there is
 * no reflow (libvterm 0.1.4 has none either).
 *
 * Errors: fbc_scrollback_create() returns 0, -EINVAL (max_lines over FBC_SCROLLBACK_MAX) or
 * -ENOMEM.
 */
#ifndef HVD_FBCON_FBC_SCROLLBACK_H
#define HVD_FBCON_FBC_SCROLLBACK_H

#include <stddef.h>

#include "fbc_cell.h"

#define FBC_SCROLLBACK_MAX 1000000 // lines

struct fbc_scrollback;
struct fbc_row;

/* max_lines 0 keeps no history (every pushed line is handed straight back). */
int fbc_scrollback_create(struct fbc_scrollback **out, size_t max_lines);
/* Frees every line. NULL is a no-op. */
void fbc_scrollback_destroy(struct fbc_scrollback *sb);

size_t fbc_scrollback_count(const struct fbc_scrollback *sb);
size_t fbc_scrollback_max(const struct fbc_scrollback *sb);

/* Takes ownership of row as the newest line. Returns the line that fell out of a full ring (or
 * row itself when max_lines is 0), now owned by the caller, or NULL. */
struct fbc_row *fbc_scrollback_push(struct fbc_scrollback *sb, struct fbc_row *row);

/* Removes the newest line and gives it to the caller; NULL when empty. */
struct fbc_row *fbc_scrollback_pop(struct fbc_scrollback *sb);

/* Line `age` lines back (0: the newest). age must be below fbc_scrollback_count(). The view is
 * valid until the next push, pop or clear. */
void fbc_scrollback_line(const struct fbc_scrollback *sb, size_t age, struct fbc_line *out);

/* Frees every line (CSI 3 J). */
void fbc_scrollback_clear(struct fbc_scrollback *sb);

#endif
