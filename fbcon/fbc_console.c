/*
 * The console: terminal + renderer + child behind a surface; see fbc_console.h.
 */
#define LOG_MODULE "fbc-console"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "fbc_console.h"
#include "fbc_font.h"
#include "fbc_glyph_cache.h"
#include "fbc_grid.h"
#include "fbc_pty.h"
#include "fbc_render.h"
#include "fbc_term.h"
#include "log.h"

#define READ_CHUNK 65536
#define MAX_FALLBACKS 8
/* A child that exits while a grandchild keeps writing: stop draining after this much. */
#define EXIT_DRAIN_MAX (16u << 20)

struct fbc_console {
	struct fbc_font *font;
	bool own_font;
	struct fbc_glyph_cache *cache;
	struct fbc_render *render;
	struct fbc_term *term;
	struct fbc_pty *pty; // NULL without a child
	struct fbc_surface surface;
	int cell_w, cell_h;

	int blink_ms;
	int bell_ms;
	int wheel_lines;
	int64_t blink_epoch; // blink phase starts (shown) here
	int64_t flash_until; // visual bell shows until then
	int64_t flash_next;  // no new flash before then (a BEL flood is one flash at a time)
	bool drawn_blink_on, drawn_flash, drawn_once;

	int pointer_row, pointer_col;

	char read_buf[READ_CHUNK];
};

static void write_to_child(void *data, const char *bytes, size_t len)
{
	struct fbc_console *c = data;
	if (!c->pty)
		return;
	int err = fbc_pty_write(c->pty, bytes, len);
	if (err == -ENOBUFS)
		log_bug_client("child does not read its input: dropping %zu bytes", len);
}

static int create_font(
	struct fbc_console *c, const struct fbc_console_config *cfg, pixman_image_t *image)
{
	const char *defaults[MAX_FALLBACKS];
	struct fbc_font_ft_config ft = {
		.path = cfg->font_path,
		.find_styles = true,
		.fallbacks = cfg->fallbacks,
		.n_fallbacks = cfg->n_fallbacks,
		.pixel_size = cfg->font_size,
	};
	if (!cfg->fallbacks) {
		ft.n_fallbacks = fbc_font_default_fallbacks(defaults, MAX_FALLBACKS);
		ft.fallbacks = defaults;
	}
	if (!ft.pixel_size)
		ft.pixel_size = fbc_font_default_size(
			pixman_image_get_width(image), pixman_image_get_height(image));
	c->own_font = true;
	return fbc_font_ft_create(&c->font, &ft);
}

static void grid_size_for(const struct fbc_console *c, pixman_image_t *image, int *rows, int *cols)
{
	*rows = pixman_image_get_height(image) / c->cell_h;
	*cols = pixman_image_get_width(image) / c->cell_w;
	*rows = *rows < 1 ? 1 : *rows > FBC_GRID_MAX_ROWS ? FBC_GRID_MAX_ROWS : *rows;
	*cols = *cols < 1 ? 1 : *cols > FBC_GRID_MAX_COLS ? FBC_GRID_MAX_COLS : *cols;
}

static int create_parts(struct fbc_console *c, const struct fbc_console_config *cfg)
{
	int err = fbc_glyph_cache_create(&c->cache, c->font, FBC_GLYPH_CACHE_DEFAULT);
	if (!err)
		err = fbc_render_create(&c->render, c->font, c->cache, cfg->palette);
	if (!err)
		err = fbc_render_set_target(c->render, c->surface.image);
	if (err)
		return err;
	fbc_render_cell_size(c->render, &c->cell_w, &c->cell_h);
	struct fbc_term_config tc = {
		.scrollback_lines =
			cfg->scrollback_lines ? cfg->scrollback_lines : FBC_TERM_DEFAULT_SCROLLBACK,
	};
	grid_size_for(c, c->surface.image, &tc.rows, &tc.cols);
	err = fbc_term_create(&c->term, &tc);
	if (err)
		return err;
	fbc_term_set_writer(c->term, write_to_child, c);
	return 0;
}

int fbc_console_create(struct fbc_console **out, const struct fbc_console_config *cfg,
	const struct fbc_surface *surface)
{
	if (!surface->image)
		return -EINVAL;
	struct fbc_console *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->surface = *surface;
	c->blink_ms = cfg->blink_ms ? cfg->blink_ms : FBC_CONSOLE_BLINK_MS;
	c->bell_ms = cfg->bell_ms ? cfg->bell_ms : FBC_CONSOLE_BELL_MS;
	c->wheel_lines = cfg->wheel_lines > 0 ? cfg->wheel_lines : 3;
	c->font = cfg->font;
	int err = c->font ? 0 : create_font(c, cfg, surface->image);
	if (!err)
		err = create_parts(c, cfg);
	if (err) {
		fbc_console_destroy(c);
		return err;
	}
	*out = c;
	return 0;
}

void fbc_console_destroy(struct fbc_console *c)
{
	if (!c)
		return;
	fbc_pty_destroy(c->pty);
	fbc_term_destroy(c->term);
	fbc_render_destroy(c->render);
	fbc_glyph_cache_destroy(c->cache);
	if (c->own_font)
		fbc_font_destroy(c->font);
	free(c);
}

struct fbc_term *fbc_console_term(struct fbc_console *c)
{
	return c->term;
}

void fbc_console_cell_size(const struct fbc_console *c, int *width, int *height)
{
	*width = c->cell_w;
	*height = c->cell_h;
}

int fbc_console_spawn(struct fbc_console *c, char *const *argv, const char *term)
{
	if (c->pty) {
		int status;
		if (fbc_pty_poll_exit(c->pty, &status) == 0)
			return -EBUSY;
		fbc_pty_destroy(c->pty);
		c->pty = NULL;
	}
	struct fbc_pty_config pc = {
		.argv = argv,
		.term = term,
		.rows = fbc_term_rows(c->term),
		.cols = fbc_term_cols(c->term),
		.width = fbc_term_cols(c->term) * c->cell_w,
		.height = fbc_term_rows(c->term) * c->cell_h,
	};
	return fbc_pty_spawn(&c->pty, &pc);
}

int fbc_console_pty_fd(const struct fbc_console *c)
{
	return c->pty ? fbc_pty_fd(c->pty) : -1;
}

int fbc_console_child_fd(const struct fbc_console *c)
{
	return c->pty ? fbc_pty_child_fd(c->pty) : -1;
}

bool fbc_console_wants_write(const struct fbc_console *c)
{
	return c->pty && fbc_pty_wants_write(c->pty);
}

int fbc_console_flush_pty(struct fbc_console *c)
{
	return c->pty ? fbc_pty_flush(c->pty) : 0;
}

void fbc_console_feed(struct fbc_console *c, const void *bytes, size_t len)
{
	fbc_term_feed(c->term, bytes, len);
}

static enum fbc_console_io read_some(struct fbc_console *c, size_t budget)
{
	size_t total = 0;
	while (total < budget) {
		ssize_t n = fbc_pty_read(c->pty, c->read_buf, sizeof(c->read_buf));
		if (n == -EAGAIN)
			return FBC_CONSOLE_IO_IDLE;
		if (n <= 0)
			return FBC_CONSOLE_IO_HANGUP;
		fbc_term_feed(c->term, c->read_buf, (size_t)n);
		total += (size_t)n;
	}
	return FBC_CONSOLE_IO_MORE;
}

enum fbc_console_io fbc_console_read_pty(struct fbc_console *c)
{
	if (!c->pty)
		return FBC_CONSOLE_IO_HANGUP;
	return read_some(c, FBC_CONSOLE_READ_BUDGET);
}

int fbc_console_child_exited(struct fbc_console *c, int *status)
{
	if (!c->pty)
		return -ENOENT;
	if (fbc_pty_poll_exit(c->pty, status) == 0)
		return 0;
	/* What the child wrote before exiting is still in the pty: show all of it. */
	read_some(c, EXIT_DRAIN_MAX);
	return 1;
}

static void restart_blink(struct fbc_console *c, int64_t now_ms)
{
	c->blink_epoch = now_ms;
}

void fbc_console_key(struct fbc_console *c, const struct fbc_key_action *a, int64_t now_ms)
{
	switch (a->type) {
	case FBC_KEY_ACTION_NONE:
		return;
	case FBC_KEY_ACTION_TEXT:
		fbc_term_send_text(c->term, a->text, a->text_len);
		break;
	case FBC_KEY_ACTION_KEY:
		fbc_term_send_key(c->term, a->key, a->mods);
		break;
	case FBC_KEY_ACTION_SCROLL:
		if (fbc_term_altscreen(c->term)) {
			/* No history there: the application gets the key. */
			fbc_term_send_key(c->term,
				a->scroll_pages > 0 ? FBC_VKEY_PAGE_UP : FBC_VKEY_PAGE_DOWN,
				FBC_MOD_SHIFT);
			break;
		}
		fbc_term_view_scroll(c->term, (long)a->scroll_pages * fbc_term_rows(c->term));
		return; /* a view change, not typing: the blink goes on */
	}
	restart_blink(c, now_ms);
}

void fbc_console_paste(struct fbc_console *c, const char *bytes, size_t len)
{
	fbc_term_paste(c->term, bytes, len);
}

void fbc_console_pointer_motion(struct fbc_console *c, int x, int y)
{
	c->pointer_row = y / c->cell_h;
	c->pointer_col = x / c->cell_w;
	if (fbc_term_mouse_mode(c->term) != FBC_MOUSE_OFF)
		fbc_term_mouse_move(c->term, c->pointer_row, c->pointer_col, 0);
}

void fbc_console_pointer_button(struct fbc_console *c, int button, bool pressed)
{
	if (button < 1 || button > 3)
		return;
	fbc_term_mouse_move(c->term, c->pointer_row, c->pointer_col, 0);
	fbc_term_mouse_button(c->term, button, pressed, 0);
}

void fbc_console_pointer_axis(struct fbc_console *c, int steps)
{
	if (steps == 0)
		return;
	int n = steps < 0 ? -steps : steps;
	if (fbc_term_mouse_mode(c->term) != FBC_MOUSE_OFF) {
		fbc_term_mouse_move(c->term, c->pointer_row, c->pointer_col, 0);
		for (int i = 0; i < n; i++)
			fbc_term_mouse_button(c->term, steps < 0 ? 4 : 5, true, 0);
	} else if (fbc_term_altscreen(c->term)) {
		for (int i = 0; i < n * c->wheel_lines; i++)
			fbc_term_send_key(c->term, steps < 0 ? FBC_VKEY_UP : FBC_VKEY_DOWN, 0);
	} else {
		fbc_term_view_scroll(c->term, (long)-steps * c->wheel_lines);
	}
}

int fbc_console_set_surface(struct fbc_console *c, const struct fbc_surface *surface)
{
	if (!surface->image)
		return -EINVAL;
	int err = fbc_render_set_target(c->render, surface->image);
	if (err)
		return err;
	c->surface = *surface;
	int rows, cols;
	grid_size_for(c, surface->image, &rows, &cols);
	err = fbc_term_resize(c->term, rows, cols);
	if (err)
		log_error("console resize to %dx%d: %s", cols, rows, strerror(-err));
	rows = fbc_term_rows(c->term);
	cols = fbc_term_cols(c->term);
	if (c->pty)
		fbc_pty_resize(c->pty, rows, cols, cols * c->cell_w, rows * c->cell_h);
	return err;
}

static bool blink_on_at(const struct fbc_console *c, int64_t now_ms)
{
	if (c->blink_ms < 0)
		return true;
	int64_t t = now_ms - c->blink_epoch;
	return t < 0 || (t / c->blink_ms) % 2 == 0;
}

/* Bells rung since the last look start a flash, at most one per two flash lengths. */
static void take_bells(struct fbc_console *c, int64_t now_ms)
{
	if (fbc_term_take_bells(c->term) == 0 || c->bell_ms < 0 || now_ms < c->flash_next)
		return;
	c->flash_until = now_ms + c->bell_ms;
	c->flash_next = now_ms + 2 * (int64_t)c->bell_ms;
}

/* Whether anything on screen changes with the blink phase. */
static bool blink_matters(const struct fbc_console *c)
{
	struct fbc_cursor cur;
	fbc_term_cursor(c->term, &cur);
	return c->blink_ms > 0 && ((cur.visible && cur.blink) || fbc_render_blinking(c->render));
}

bool fbc_console_needs_frame(struct fbc_console *c, int64_t now_ms)
{
	take_bells(c, now_ms);
	return !c->drawn_once || fbc_term_damaged(c->term) ||
		(blink_matters(c) && blink_on_at(c, now_ms) != c->drawn_blink_on) ||
		(now_ms < c->flash_until) != c->drawn_flash;
}

int fbc_console_render(struct fbc_console *c, int64_t now_ms)
{
	take_bells(c, now_ms);
	struct fbc_render_frame frame = {
		.blink_on = blink_on_at(c, now_ms),
		.flash = now_ms < c->flash_until,
	};
	pixman_region32_t damage;
	pixman_region32_init(&damage);
	int n = fbc_render_draw(c->render, c->term, &frame, &damage);
	if (n >= 0) {
		fbc_term_damage_clear(c->term);
		c->drawn_blink_on = frame.blink_on;
		c->drawn_flash = frame.flash;
		c->drawn_once = true;
		if (pixman_region32_not_empty(&damage) && c->surface.damage)
			c->surface.damage(c->surface.data, &damage);
	}
	pixman_region32_fini(&damage);
	return n;
}

int64_t fbc_console_next_timeout(struct fbc_console *c, int64_t now_ms)
{
	int64_t next = -1;
	if (now_ms < c->flash_until)
		next = c->flash_until - now_ms;
	if (blink_matters(c)) {
		int64_t t = now_ms - c->blink_epoch;
		int64_t to_edge = t < 0 ? -t : c->blink_ms - t % c->blink_ms;
		if (next < 0 || to_edge < next)
			next = to_edge;
	}
	return next;
}

int fbc_console_run_to_exit(struct fbc_console *c)
{
	if (!c->pty)
		return -ENOENT;
	bool hung_up = false;
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = hung_up ? -1 : fbc_console_pty_fd(c), .events = POLLIN },
			{ .fd = fbc_console_child_fd(c), .events = POLLIN },
		};
		if (fbc_console_wants_write(c))
			fds[0].events |= POLLOUT;
		/* Without a pidfd, a hung-up pty is the only sign: look for the exit again shortly. */
		int timeout = hung_up && fds[1].fd < 0 ? 10 : -1;
		if (poll(fds, 2, timeout) < 0 && errno != EINTR)
			return -errno;
		if (fds[0].revents & POLLOUT)
			fbc_console_flush_pty(c);
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR))
			hung_up = fbc_console_read_pty(c) == FBC_CONSOLE_IO_HANGUP;
		int status;
		if ((fds[1].revents & POLLIN) || hung_up || fds[1].fd < 0) {
			if (fbc_console_child_exited(c, &status) == 1)
				return status;
		}
	}
}
