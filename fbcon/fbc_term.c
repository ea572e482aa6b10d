/*
 * VT adapter: libvterm 0.1.4's State layer writing into our grids. See fbc_term.h and
 * doc/vt-library.md.
 *
 * libvterm calls back for each effect of the byte stream (glyph at a position, erase, scroll,
 * pen and mode changes); we apply them to the active grid. fbc_vtscan watches the same bytes for
 * the attributes 0.1.4 drops; feeding is split at those sequences so each takes effect at the
 * right point of the stream.
 */
#define LOG_MODULE "fbc-term"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vterm.h>

#include "fbc_cluster.h"
#include "fbc_grid.h"
#include "fbc_scrollback.h"
#include "fbc_term.h"
#include "fbc_term_internal.h"
#include "fbc_utf8.h"
#include "fbc_vtscan.h"
#include "log.h"

static uint32_t color_from_vterm(const VTermColor *c, bool background)
{
	if (background ? VTERM_COLOR_IS_DEFAULT_BG(c) : VTERM_COLOR_IS_DEFAULT_FG(c))
		return FBC_COLOR_DEFAULT;
	if (VTERM_COLOR_IS_INDEXED(c))
		return FBC_COLOR_INDEXED(c->indexed.idx);
	return FBC_COLOR_RGB(c->rgb.red, c->rgb.green, c->rgb.blue);
}

/* The cell erased or scrolled-in areas get: the pen's colours, no other attribute (xterm's
 * background colour erase). */
static struct fbc_cell blank_cell(const struct fbc_term *term)
{
	return (struct fbc_cell){ .fg = term->pen.fg, .bg = term->pen.bg };
}

static struct fbc_cell_rect rect_from_vterm(VTermRect r)
{
	return (struct fbc_cell_rect){
		.row0 = r.start_row,
		.row1 = r.end_row,
		.col0 = r.start_col,
		.col1 = r.end_col,
	};
}

/*
 * The cursor, from libvterm's state (its movecursor reports are not always its final word: a
 * restore after a resize reports the unclamped position), kept on our grid whatever happens.
 */
static VTermPos cursor_pos(const struct fbc_term *term)
{
	VTermPos pos;
	vterm_state_get_cursorpos(term->state, &pos);
	pos.row = pos.row < 0 ? 0 : pos.row >= term->rows ? term->rows - 1 : pos.row;
	pos.col = pos.col < 0 ? 0 : pos.col >= term->cols ? term->cols - 1 : pos.col;
	return pos;
}

static void note_oom(struct fbc_term *term, int err)
{
	if (err == -ENOMEM)
		term->stats.oom++;
}

/* While the view is scrolled back it stays on the same lines: history grew under it. */
static void anchor_view(struct fbc_term *term, int pushed)
{
	if (term->view_offset == 0 || pushed <= 0)
		return;
	term->view_offset += (size_t)pushed;
	size_t count = fbc_scrollback_count(term->scrollback);
	if (term->view_offset > count)
		term->view_offset = count;
}

static int on_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
	struct fbc_term *term = user;
	uint32_t ch = info->chars[0];
	if (ch && info->chars[1]) {
		/* A base with combining marks: intern the sequence (at most six code points). */
		uint32_t cps[FBC_CLUSTER_MAX_CPS];
		size_t n = 0;
		while (n < FBC_CLUSTER_MAX_CPS && info->chars[n])
			cps[n] = info->chars[n], n++;
		ch = fbc_clusters_intern(term->clusters, cps, n);
	}
	struct fbc_cell cell = {
		.ch = ch,
		.fg = term->pen.fg,
		.bg = term->pen.bg,
		.attr = term->pen.attr,
	};
	int width = info->width == 2 ? 2 : 1;
	note_oom(term, fbc_grid_put(term->active, pos.row, pos.col, &cell, width));
	term->stats.glyphs++;
	return 1;
}

static int on_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
	struct fbc_term *term = user;
	term->changed = true;
	return 1;
}

/* Accumulates consecutive scrolls of one band in one direction; anything else spoils it. */
static void note_scroll(struct fbc_term *term, const struct fbc_cell_rect *r, int down, bool ok)
{
	int top = r->row0 < 0 ? 0 : r->row0;
	int bottom = r->row1 > term->rows ? term->rows : r->row1;
	bool full_width = r->col0 <= 0 && r->col1 >= term->cols;
	if (!ok || !full_width || down == 0 || top >= bottom) {
		term->scroll_mixed = true;
		return;
	}
	if (term->scroll_delta == 0) {
		term->scroll_top = top;
		term->scroll_bottom = bottom;
	} else if (top != term->scroll_top || bottom != term->scroll_bottom ||
		(down > 0) != (term->scroll_delta > 0)) {
		term->scroll_mixed = true;
		return;
	}
	/* Past the band's height everything is new: stop counting before the sum overflows. */
	int height = bottom - top;
	down = down > height ? height : down < -height ? -height : down;
	int delta = term->scroll_delta + down;
	term->scroll_delta = delta > height ? height : delta < -height ? -height : delta;
}

static int on_scrollrect(VTermRect rect, int downward, int rightward, void *user)
{
	struct fbc_term *term = user;
	struct fbc_cell_rect r = rect_from_vterm(rect);
	struct fbc_cell blank = blank_cell(term);
	struct fbc_scrollback *sb = term->active == term->primary ? term->scrollback : NULL;
	int ret = fbc_grid_scroll(term->active, &r, downward, rightward, &blank, sb);
	note_scroll(term, &r, downward, ret >= 0 && rightward == 0);
	if (ret < 0) {
		note_oom(term, ret);
		return 1;
	}
	if (rightward == 0 && r.col0 == 0 && r.col1 == term->cols)
		term->stats.scrolled_lines += (uint64_t)(downward < 0 ? -downward : downward);
	term->stats.scrollback_pushes += (uint64_t)ret;
	anchor_view(term, ret);
	return 1;
}

static int on_moverect(VTermRect dest, VTermRect src, void *user)
{
	struct fbc_term *term = user;
	struct fbc_cell_rect d = rect_from_vterm(dest), s = rect_from_vterm(src);
	note_oom(term, fbc_grid_move(term->active, &d, &s));
	return 1;
}

static int on_erase(VTermRect rect, int selective, void *user)
{
	struct fbc_term *term = user;
	struct fbc_cell_rect r = rect_from_vterm(rect);
	struct fbc_cell blank = blank_cell(term);
	/* Selective erase (DECSED/DECSEL) would spare DECSCA-protected cells; we keep no
	 * protection bit, so it erases like ED/EL. */
	note_oom(term, fbc_grid_erase(term->active, &r, &blank));
	return 1;
}

static int on_initpen(void *user)
{
	struct fbc_term *term = user;
	term->pen = (struct pen){ 0 };
	return 1;
}

static void set_attr(struct pen *pen, uint16_t bit, bool on)
{
	if (on)
		pen->attr |= bit;
	else
		pen->attr &= (uint16_t)~bit;
}

static int on_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
	struct pen *pen = &((struct fbc_term *)user)->pen;
	switch (attr) {
	case VTERM_ATTR_BOLD:
		set_attr(pen, FBC_ATTR_BOLD, val->boolean);
		break;
	case VTERM_ATTR_UNDERLINE: {
		unsigned u = val->number < 0 || val->number > 3 ? 1u : (unsigned)val->number;
		pen->attr = (uint16_t)((pen->attr & ~FBC_ATTR_UNDERLINE_MASK) |
			(u << FBC_ATTR_UNDERLINE_SHIFT));
		break;
	}
	case VTERM_ATTR_ITALIC:
		set_attr(pen, FBC_ATTR_ITALIC, val->boolean);
		break;
	case VTERM_ATTR_BLINK:
		set_attr(pen, FBC_ATTR_BLINK, val->boolean);
		break;
	case VTERM_ATTR_REVERSE:
		set_attr(pen, FBC_ATTR_REVERSE, val->boolean);
		break;
	case VTERM_ATTR_STRIKE:
		set_attr(pen, FBC_ATTR_STRIKE, val->boolean);
		break;
	case VTERM_ATTR_FOREGROUND:
		pen->fg = color_from_vterm(&val->color, false);
		break;
	case VTERM_ATTR_BACKGROUND:
		pen->bg = color_from_vterm(&val->color, true);
		break;
	default:
		break; /* alternative fonts (SGR 10-19): one font here */
	}
	return 1;
}

static void switch_screen(struct fbc_term *term, bool alternate)
{
	struct fbc_grid *want = alternate ? term->alternate : term->primary;
	if (term->active == want)
		return;
	if (alternate)
		term->primary_cursor_row = cursor_pos(term).row;
	term->active = want;
	term->view_offset = 0;
	term->view_damaged = true;
}

static int on_settermprop(VTermProp prop, VTermValue *val, void *user)
{
	struct fbc_term *term = user;
	term->changed = true;
	switch (prop) {
	case VTERM_PROP_CURSORVISIBLE:
		term->cursor_visible = val->boolean;
		break;
	case VTERM_PROP_CURSORBLINK:
		term->cursor_blink = val->boolean;
		break;
	case VTERM_PROP_ALTSCREEN:
		switch_screen(term, val->boolean);
		break;
	case VTERM_PROP_REVERSE:
		if (term->reverse_video != (bool)val->boolean)
			term->view_damaged = true;
		term->reverse_video = val->boolean;
		break;
	case VTERM_PROP_CURSORSHAPE:
		term->cursor_shape = val->number == VTERM_PROP_CURSORSHAPE_UNDERLINE
			? FBC_CURSOR_UNDERLINE
			: val->number == VTERM_PROP_CURSORSHAPE_BAR_LEFT ? FBC_CURSOR_BAR
									 : FBC_CURSOR_BLOCK;
		break;
	case VTERM_PROP_MOUSE:
		term->mouse = val->number >= VTERM_PROP_MOUSE_CLICK &&
				val->number <= VTERM_PROP_MOUSE_MOVE
			? (enum fbc_mouse_mode)val->number
			: FBC_MOUSE_OFF;
		break;
	default:
		break; /* titles: nowhere to show them on a console */
	}
	return 1;
}

static int on_bell(void *user)
{
	struct fbc_term *term = user;
	term->stats.bells++;
	if (term->bells < UINT32_MAX)
		term->bells++;
	term->changed = true;
	return 1;
}

static int on_resize(int rows, int cols, VTermPos *delta, void *user)
{
	struct fbc_term *term = user;
	struct fbc_cell blank = blank_cell(term);
	bool alt = term->active == term->alternate;
	int cursor_row = cursor_pos(term).row;
	int primary_keep = alt ? term->primary_cursor_row : cursor_row;
	int dp = 0, da = 0;
	int err = fbc_grid_resize(
		term->primary, rows, cols, primary_keep, &blank, term->scrollback, &dp);
	if (!err)
		err = fbc_grid_resize(
			term->alternate, rows, cols, alt ? cursor_row : 0, &blank, NULL, &da);
	if (err)
		log_error("resize to %dx%d failed: %s", cols, rows, strerror(-err));
	delta->row = alt ? da : dp;
	if (alt)
		term->primary_cursor_row += dp;
	return 1;
}

static int on_setlineinfo(
	int row, const VTermLineInfo *newinfo, const VTermLineInfo *oldinfo, void *user)
{
	/* Double-width and double-height lines (DECDWL/DECDHL) are drawn single size. */
	return 1;
}

static const VTermStateCallbacks state_callbacks = {
	.putglyph = on_putglyph,
	.movecursor = on_movecursor,
	.scrollrect = on_scrollrect,
	.moverect = on_moverect,
	.erase = on_erase,
	.initpen = on_initpen,
	.setpenattr = on_setpenattr,
	.settermprop = on_settermprop,
	.bell = on_bell,
	.resize = on_resize,
	.setlineinfo = on_setlineinfo,
};

void fbc_term_output(const char *bytes, size_t len, void *user)
{
	struct fbc_term *term = user;
	if (term->write)
		term->write(term->write_data, bytes, len);
	else
		term->stats.replies_dropped += len;
}

/*
 * libvterm 0.1.4's REP (CSI b) repeats the last printed character by advancing the cursor by
 * its width; before any character was printed that width is 0 and REP loops forever, so a
 * child could hang us with four bytes. Print a space and take it back before the child speaks.
 */
static void prime_repeat(struct fbc_term *term)
{
	vterm_input_write(term->vt, " \r", 2);
	struct fbc_cell blank = { 0 };
	struct fbc_cell_rect first = { 0, 1, 0, term->cols };
	fbc_grid_erase(term->primary, &first, &blank);
	term->stats = (struct fbc_term_stats){ 0 };
}

int fbc_term_create(struct fbc_term **out, const struct fbc_term_config *config)
{
	if (config->rows < 1 || config->cols < 1 || config->rows > FBC_GRID_MAX_ROWS ||
		config->cols > FBC_GRID_MAX_COLS || config->scrollback_lines > FBC_SCROLLBACK_MAX)
		return -EINVAL;
	struct fbc_term *term = calloc(1, sizeof(*term));
	if (!term)
		return -ENOMEM;
	term->rows = config->rows;
	term->cols = config->cols;
	struct fbc_cell blank = { 0 };
	size_t clusters = config->max_clusters ? config->max_clusters : FBC_TERM_DEFAULT_CLUSTERS;
	int err = fbc_grid_create(&term->primary, term->rows, term->cols, &blank);
	if (!err)
		err = fbc_grid_create(&term->alternate, term->rows, term->cols, &blank);
	if (!err)
		err = fbc_scrollback_create(&term->scrollback, config->scrollback_lines);
	if (!err)
		err = fbc_clusters_create(&term->clusters, clusters);
	if (err)
		goto err_term;
	term->active = term->primary;
	/* libvterm 0.1.4 does not check its allocations; what it allocates here is small and
	 * fixed, so out-of-memory at start-up is the only exposure. */
	term->vt = vterm_new(term->rows, term->cols);
	if (!term->vt) {
		err = -ENOMEM;
		goto err_term;
	}
	vterm_set_utf8(term->vt, 1);
	vterm_output_set_callback(term->vt, fbc_term_output, term);
	term->state = vterm_obtain_state(term->vt);
	vterm_state_set_callbacks(term->state, &state_callbacks, term);
	vterm_state_reset(term->state, 1);
	prime_repeat(term);
	fbc_vtscan_init(&term->scan);
	term->view_damaged = true;
	*out = term;
	return 0;

err_term:
	fbc_term_destroy(term);
	return err;
}

void fbc_term_destroy(struct fbc_term *term)
{
	if (!term)
		return;
	if (term->vt)
		vterm_free(term->vt);
	fbc_clusters_destroy(term->clusters);
	fbc_scrollback_destroy(term->scrollback);
	fbc_grid_destroy(term->alternate);
	fbc_grid_destroy(term->primary);
	free(term);
}

void fbc_term_set_writer(struct fbc_term *term, fbc_term_write_fn fn, void *data)
{
	term->write = fn;
	term->write_data = data;
}

static void hard_reset(struct fbc_term *term)
{
	/* libvterm's RIS resets modes and clears the active screen but never reports leaving the
	 * alternate screen; xterm returns to the primary one, cleared. */
	if (term->active == term->alternate) {
		switch_screen(term, false);
		struct fbc_cell blank = blank_cell(term);
		struct fbc_cell_rect all = { 0, term->rows, 0, term->cols };
		note_oom(term, fbc_grid_erase(term->primary, &all, &blank));
	}
	term->pen.attr &= (uint16_t)~SCAN_ATTRS;
	term->saved_scan_attrs = 0;
}

/*
 * libvterm 0.1.4 restores a saved cursor position (DECRC, 1049 off) without clamping it to a
 * size set since the save, then indexes its per-row tables with it (out of bounds, seen under
 * valgrind). Right after such a restore, walk the cursor back onto the screen.
 */
static void clamp_vterm_cursor(struct fbc_term *term)
{
	VTermPos pos;
	vterm_state_get_cursorpos(term->state, &pos);
	char seq[48];
	int n = 0;
	if (pos.row >= term->rows)
		n += snprintf(
			seq + n, sizeof(seq) - (size_t)n, "\x1b[%dA", pos.row - (term->rows - 1));
	if (pos.col >= term->cols)
		n += snprintf(
			seq + n, sizeof(seq) - (size_t)n, "\x1b[%dD", pos.col - (term->cols - 1));
	if (n > 0)
		vterm_input_write(term->vt, seq, (size_t)n);
}

static void apply_scan_change(struct pen *pen, uint16_t bit, enum fbc_vtscan_change change)
{
	if (change != FBC_VTSCAN_KEEP)
		set_attr(pen, bit, change == FBC_VTSCAN_SET);
}

static void apply_scan_event(struct fbc_term *term, const struct fbc_vtscan_event *ev)
{
	switch (ev->type) {
	case FBC_VTSCAN_NONE:
	case FBC_VTSCAN_DROP_BYTE:
		break;
	case FBC_VTSCAN_SGR:
		apply_scan_change(&term->pen, FBC_ATTR_FAINT, ev->faint);
		apply_scan_change(&term->pen, FBC_ATTR_CONCEAL, ev->conceal);
		if (ev->fg_rgb)
			term->pen.fg = FBC_COLOR_RGB(ev->fg >> 16, ev->fg >> 8, ev->fg);
		if (ev->bg_rgb)
			term->pen.bg = FBC_COLOR_RGB(ev->bg >> 16, ev->bg >> 8, ev->bg);
		break;
	case FBC_VTSCAN_SAVE_CURSOR:
		term->saved_scan_attrs = term->pen.attr & SCAN_ATTRS;
		break;
	case FBC_VTSCAN_RESTORE_CURSOR:
		term->pen.attr =
			(uint16_t)((term->pen.attr & ~SCAN_ATTRS) | term->saved_scan_attrs);
		clamp_vterm_cursor(term);
		break;
	case FBC_VTSCAN_HARD_RESET:
		hard_reset(term);
		break;
	case FBC_VTSCAN_SOFT_RESET:
		term->pen.attr &= (uint16_t)~SCAN_ATTRS;
		break;
	case FBC_VTSCAN_CLEAR_SCROLLBACK:
		fbc_scrollback_clear(term->scrollback);
		if (term->view_offset)
			term->view_damaged = true;
		term->view_offset = 0;
		break;
	}
}

static bool utf8_continuation(uint8_t c)
{
	return (c & 0xc0) == 0x80;
}

/*
 * libvterm 0.1.4 decodes a text run into a variable-length array on the stack, four bytes per
 * input byte: one write of a few megabytes of text overflows an 8 MiB stack. So it never gets
 * more than WRITE_MAX bytes at once, cut where no character is split (the input is well-formed
 * by now, so backing up over at most three continuation bytes finds a boundary).
 */
static void write_to_vterm(struct fbc_term *term, const uint8_t *p, size_t len)
{
	while (len) {
		size_t n = len;
		if (n > WRITE_MAX) {
			n = WRITE_MAX;
			for (int back = 0; back < 3 && utf8_continuation(p[n]); back++)
				n--;
		}
		vterm_input_write(term->vt, (const char *)p, n);
		p += n;
		len -= n;
	}
}

static bool changes(const struct pen *pen, uint16_t bit, enum fbc_vtscan_change change)
{
	return change != FBC_VTSCAN_KEEP && (change == FBC_VTSCAN_SET) != ((pen->attr & bit) != 0);
}

/* Whether an event changes anything; most SGRs (colours, bold) are libvterm's alone. */
static bool event_matters(const struct fbc_term *term, const struct fbc_vtscan_event *ev)
{
	if (ev->type != FBC_VTSCAN_SGR)
		return true;
	return changes(&term->pen, FBC_ATTR_FAINT, ev->faint) ||
		changes(&term->pen, FBC_ATTR_CONCEAL, ev->conceal) || ev->fg_rgb || ev->bg_rgb;
}

/* Feeds libvterm in runs that end where an event must take effect: splitting at every SGR
 * would cost a libvterm call per coloured cell. */
static void feed_whole_characters(struct fbc_term *term, const uint8_t *p, size_t len)
{
	size_t start = 0, pos = 0;
	while (pos < len) {
		struct fbc_vtscan_event ev;
		pos += fbc_vtscan_step(&term->scan, p + pos, len - pos, &ev);
		if (ev.type == FBC_VTSCAN_NONE || !event_matters(term, &ev))
			continue;
		size_t end = ev.type == FBC_VTSCAN_DROP_BYTE ? pos - 1 : pos;
		write_to_vterm(term, p + start, end - start);
		apply_scan_event(term, &ev);
		start = pos;
	}
	write_to_vterm(term, p + start, len - start);
}

/*
 * Everything the child writes goes through the UTF-8 sanitiser first (fbc_utf8.h says which
 * libvterm 0.1.4 decoder faults that avoids), in pieces whose worst-case output fits `clean`.
 */
void fbc_term_feed(struct fbc_term *term, const void *bytes, size_t len)
{
	const uint8_t *p = bytes;
	term->stats.bytes += len;
	while (len) {
		size_t n = len < SANITIZE_PIECE ? len : SANITIZE_PIECE;
		size_t m = fbc_utf8_sanitize(&term->utf8, p, n, term->clean);
		feed_whole_characters(term, term->clean, m);
		p += n;
		len -= n;
	}
}

/*
 * libvterm 0.1.4 keeps a scroll region (DECSTBM) across a resize that leaves it below the last
 * row; the next scroll then memmoves its line table with a negative size (heap corruption, seen
 * under valgrind and ASan). As xterm does on a resize, reset the region to the whole screen,
 * and put the cursor back where it was (DECSTBM homes it).
 */
static void reset_scroll_region(struct fbc_term *term)
{
	VTermPos pos = cursor_pos(term);
	char seq[48];
	int n = snprintf(seq, sizeof(seq), "\x1b[r\x1b[%d;%dH", pos.row + 1, pos.col + 1);
	vterm_input_write(term->vt, seq, (size_t)n);
}

int fbc_term_resize(struct fbc_term *term, int rows, int cols)
{
	if (rows < 1 || cols < 1 || rows > FBC_GRID_MAX_ROWS || cols > FBC_GRID_MAX_COLS)
		return -EINVAL;
	if (rows == term->rows && cols == term->cols)
		return 0;
	vterm_set_size(term->vt, rows, cols);
	term->rows = fbc_grid_rows(term->active);
	term->cols = cols;
	term->view_offset = 0;
	term->view_damaged = true;
	int err = 0;
	if (term->rows != rows) {
		/* A grid could not grow: tell libvterm the size we really have. */
		vterm_set_size(term->vt, term->rows, cols);
		err = -ENOMEM;
	}
	reset_scroll_region(term);
	return err;
}

int fbc_term_rows(const struct fbc_term *term)
{
	return term->rows;
}

int fbc_term_cols(const struct fbc_term *term)
{
	return term->cols;
}

void fbc_term_line(const struct fbc_term *term, int row, struct fbc_line *out)
{
	size_t off = term->active == term->primary ? term->view_offset : 0;
	if ((size_t)row < off) {
		fbc_scrollback_line(term->scrollback, off - 1 - (size_t)row, out);
		return;
	}
	int grid_row = row - (int)off;
	if (row < 0 || grid_row >= fbc_grid_rows(term->active)) {
		*out = (struct fbc_line){ 0 };
		return;
	}
	fbc_grid_line(term->active, grid_row, out);
}

size_t fbc_term_cluster(const struct fbc_term *term, uint32_t ch, uint32_t out[FBC_CLUSTER_MAX_CPS])
{
	return fbc_clusters_get(term->clusters, ch, out);
}

void fbc_term_cursor(const struct fbc_term *term, struct fbc_cursor *out)
{
	VTermPos pos = cursor_pos(term);
	int row = pos.row + (int)term->view_offset;
	*out = (struct fbc_cursor){
		.row = row,
		.col = pos.col,
		.visible = term->cursor_visible && row < term->rows,
		.blink = term->cursor_blink,
		.shape = term->cursor_shape,
	};
}

bool fbc_term_reverse_video(const struct fbc_term *term)
{
	return term->reverse_video;
}

bool fbc_term_altscreen(const struct fbc_term *term)
{
	return term->active == term->alternate;
}

enum fbc_mouse_mode fbc_term_mouse_mode(const struct fbc_term *term)
{
	return term->mouse;
}

unsigned fbc_term_take_bells(struct fbc_term *term)
{
	unsigned n = term->bells;
	term->bells = 0;
	return n;
}

void fbc_term_get_stats(const struct fbc_term *term, struct fbc_term_stats *out)
{
	*out = term->stats;
	out->clusters_dropped = fbc_clusters_dropped(term->clusters);
}

bool fbc_term_damaged(const struct fbc_term *term)
{
	return term->view_damaged || term->changed || fbc_grid_dirty(term->active);
}

void fbc_term_damage_span(const struct fbc_term *term, int row, int *lo, int *hi)
{
	bool scrolled_back = term->view_offset && term->active == term->primary;
	if (term->view_damaged || (scrolled_back && fbc_grid_dirty(term->active))) {
		*lo = 0;
		*hi = term->cols;
		return;
	}
	if (scrolled_back || row < 0 || row >= fbc_grid_rows(term->active)) {
		*lo = *hi = 0;
		return;
	}
	fbc_grid_dirty_span(term->active, row, lo, hi);
}

bool fbc_term_damage_scroll(const struct fbc_term *term, int *top, int *bottom, int *delta)
{
	/* Scrolled back, the view stays on the same lines: nothing moved on the display. A moved
	 * view, a resize, a screen switch or reverse video damage every row anyway. */
	bool scrolled_back = term->view_offset && term->active == term->primary;
	if (term->scroll_mixed || term->scroll_delta == 0 || term->view_damaged || scrolled_back)
		return false;
	*top = term->scroll_top;
	*bottom = term->scroll_bottom;
	*delta = term->scroll_delta;
	return true;
}

void fbc_term_damage_clear(struct fbc_term *term)
{
	term->scroll_delta = 0;
	term->scroll_mixed = false;
	fbc_grid_clear_dirty(term->primary);
	fbc_grid_clear_dirty(term->alternate);
	term->view_damaged = false;
	term->changed = false;
}

size_t fbc_term_scrollback_count(const struct fbc_term *term)
{
	return fbc_scrollback_count(term->scrollback);
}

size_t fbc_term_view_offset(const struct fbc_term *term)
{
	return term->view_offset;
}

void fbc_term_view_scroll(struct fbc_term *term, long lines)
{
	if (term->active != term->primary)
		return;
	size_t count = fbc_scrollback_count(term->scrollback);
	size_t off = term->view_offset;
	if (lines < 0)
		off = (size_t)-lines >= off ? 0 : off - (size_t)-lines;
	else
		off = (size_t)lines >= count - off ? count : off + (size_t)lines;
	if (off != term->view_offset)
		term->view_damaged = true;
	term->view_offset = off;
}

void fbc_term_view_reset(struct fbc_term *term)
{
	if (term->view_offset)
		term->view_damaged = true;
	term->view_offset = 0;
}
