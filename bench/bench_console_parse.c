/*
 * hvcon's VT path: MB/s of parsing plus grid update (fbc_term: sanitiser, side lexer, libvterm
 * State layer, our row-pointer grid and scrollback) at 240x67, fed in 64 KiB pieces as the
 * console reads its pty. Beside it, the peers: libvterm's own Screen layer on the same bytes
 * (damage merge SCROLL, flushed per piece, as in doc/vt-library.md's figures), and libvterm's
 * State layer with callbacks that do nothing (the floor: what parsing alone costs). Then the
 * renderer: a full redraw and a one-line scroll at 1080p with DejaVu Sans Mono 16 px.
 *
 * Fixed inputs (a seeded generator), one warm-up, median of 5 runs (3 for the slow peer, on a
 * shorter input). Figures only, no pass/fail.
 *
 *   bench_console_parse [MiB]     payload size, default 50
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vterm.h>

#include "bench_util.h"
#include "fbc_font.h"
#include "fbc_glyph_cache.h"
#include "fbc_render.h"
#include "fbc_term.h"

#define ROWS 67
#define COLS 240
#define PIECE 65536
#define PEER_MAX (8u << 20) // the Screen layer collapses on scrolling: keep its input short

struct payload {
	const char *name;
	char *bytes;
	size_t len;
};

static uint64_t rng_state = 0x0be4c40;

static uint32_t rng(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

/* Appends to p until len bytes: fill(p + off) writes one line and returns its length. */
static void generate(struct payload *p, size_t len, size_t (*line)(char *out))
{
	p->bytes = malloc(len + 4096);
	if (!p->bytes)
		exit(1);
	p->len = 0;
	while (p->len < len)
		p->len += line(p->bytes + p->len);
}

static size_t ascii_line(char *out)
{
	size_t n = 20 + rng() % 180;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(' ' + rng() % 95);
	out[n] = '\r';
	out[n + 1] = '\n';
	return n + 2;
}

/* Words in 16, 256 and 24-bit colours with bold and underline, as `ls --color` or a compiler's
 * diagnostics look. */
static size_t mixed_line(char *out)
{
	size_t n = 0;
	int words = 4 + (int)(rng() % 20);
	for (int w = 0; w < words; w++) {
		switch (rng() % 5) {
		case 0:
			n += (size_t)sprintf(out + n, "\x1b[%um", 31 + rng() % 7);
			break;
		case 1:
			n += (size_t)sprintf(out + n, "\x1b[1;38;5;%um", rng() % 256);
			break;
		case 2:
			n += (size_t)sprintf(out + n, "\x1b[38;2;%u;%u;%um", rng() % 256,
				rng() % 256, rng() % 256);
			break;
		case 3:
			n += (size_t)sprintf(out + n, "\x1b[4;48;5;%um", rng() % 256);
			break;
		default:
			break;
		}
		int len = 2 + (int)(rng() % 9);
		for (int i = 0; i < len; i++)
			out[n++] = (char)('a' + rng() % 26);
		n += (size_t)sprintf(out + n, "\x1b[m ");
	}
	out[n++] = '\r';
	out[n++] = '\n';
	return n;
}

static size_t yes_line(char *out)
{
	memcpy(out, "y\r\n", 3);
	return 3;
}

/* A full screen of coloured cells redrawn in place: no scrolling at all. */
static size_t dense_screen(char *out)
{
	size_t n = (size_t)sprintf(out, "\x1b[H");
	for (int i = 0; i < 60; i++)
		n += (size_t)sprintf(out + n, "\x1b[38;5;%u;48;5;%um%c", rng() % 256, rng() % 256,
			'A' + (int)(rng() % 26));
	return n;
}

static double run_ours(const struct payload *p)
{
	struct fbc_term *term;
	struct fbc_term_config cfg = { .rows = ROWS, .cols = COLS, .scrollback_lines = 10000 };
	if (fbc_term_create(&term, &cfg) != 0)
		exit(1);
	double t0 = bench_now_s();
	for (size_t off = 0; off < p->len; off += PIECE) {
		size_t n = p->len - off < PIECE ? p->len - off : PIECE;
		fbc_term_feed(term, p->bytes + off, n);
		fbc_term_damage_clear(term);
	}
	double dt = bench_now_s() - t0;
	fbc_term_destroy(term);
	return (double)p->len / dt / 1e6;
}

static int peer_damage(VTermRect rect, void *user)
{
	return 1;
}

static double run_peer(const struct payload *p)
{
	size_t len = p->len < PEER_MAX ? p->len : PEER_MAX;
	VTerm *vt = vterm_new(ROWS, COLS);
	vterm_set_utf8(vt, 1);
	VTermScreen *screen = vterm_obtain_screen(vt);
	static const VTermScreenCallbacks cbs = { .damage = peer_damage };
	vterm_screen_set_callbacks(screen, &cbs, NULL);
	vterm_screen_set_damage_merge(screen, VTERM_DAMAGE_SCROLL);
	vterm_screen_reset(screen, 1);
	double t0 = bench_now_s();
	for (size_t off = 0; off < len; off += 4096) {
		size_t n = len - off < 4096 ? len - off
					    : 4096; /* its text decoder needs short writes */
		vterm_input_write(vt, p->bytes + off, n);
		if ((off + n) % PIECE == 0 || off + n == len)
			vterm_screen_flush_damage(screen);
	}
	double dt = bench_now_s() - t0;
	vterm_free(vt);
	return (double)len / dt / 1e6;
}

static int nop_glyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
	return 1;
}

static int nop_cursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
	return 1;
}

static int nop_scroll(VTermRect rect, int downward, int rightward, void *user)
{
	return 1;
}

static int nop_move(VTermRect dest, VTermRect src, void *user)
{
	return 1;
}

static int nop_erase(VTermRect rect, int selective, void *user)
{
	return 1;
}

static int nop_user(void *user)
{
	return 1;
}

static int nop_attr(VTermAttr attr, VTermValue *val, void *user)
{
	return 1;
}

static int nop_prop(VTermProp prop, VTermValue *val, void *user)
{
	return 1;
}

static int nop_resize(int rows, int cols, VTermPos *delta, void *user)
{
	return 1;
}

static int nop_lineinfo(
	int row, const VTermLineInfo *newinfo, const VTermLineInfo *oldinfo, void *user)
{
	return 1;
}

static const VTermStateCallbacks nop_callbacks = {
	.putglyph = nop_glyph,
	.movecursor = nop_cursor,
	.scrollrect = nop_scroll,
	.moverect = nop_move,
	.erase = nop_erase,
	.initpen = nop_user,
	.setpenattr = nop_attr,
	.settermprop = nop_prop,
	.bell = nop_user,
	.resize = nop_resize,
	.setlineinfo = nop_lineinfo,
};

/* libvterm's State layer with every callback a no-op: parsing without any grid. */
static double run_bare_state(const struct payload *p)
{
	VTerm *vt = vterm_new(ROWS, COLS);
	vterm_set_utf8(vt, 1);
	VTermState *state = vterm_obtain_state(vt);
	vterm_state_set_callbacks(state, &nop_callbacks, NULL);
	vterm_state_reset(state, 1);
	vterm_input_write(vt, " \r", 2); /* REP before any character loops forever in 0.1.4 */
	double t0 = bench_now_s();
	for (size_t off = 0; off < p->len; off += 4096)
		vterm_input_write(vt, p->bytes + off, p->len - off < 4096 ? p->len - off : 4096);
	double dt = bench_now_s() - t0;
	vterm_free(vt);
	return (double)p->len / dt / 1e6;
}

static void bench_parse(size_t mib)
{
	struct payload payloads[] = {
		{ .name = "plain ASCII lines" },
		{ .name = "mixed colour text" },
		{ .name = "y\\n scrolling" },
		{ .name = "dense 256-colour cells" },
	};
	size_t (*lines[])(char *) = { ascii_line, mixed_line, yes_line, dense_screen };
	printf("parse + grid update, %dx%d, %zu MiB payloads fed in %d KiB pieces\n", COLS, ROWS,
		mib, PIECE / 1024);
	printf("%-24s %14s %22s %24s\n", "payload", "fbc_term MB/s", "libvterm Screen MB/s",
		"libvterm State, no grid");
	for (size_t i = 0; i < sizeof(payloads) / sizeof(*payloads); i++) {
		generate(&payloads[i], mib << 20, lines[i]);
		double ours[5], peer[3], bare[5];
		run_ours(&payloads[i]);
		for (int r = 0; r < 5; r++) {
			ours[r] = run_ours(&payloads[i]);
			bare[r] = run_bare_state(&payloads[i]);
		}
		for (int r = 0; r < 3; r++)
			peer[r] = run_peer(&payloads[i]);
		printf("%-24s %14.1f %22.2f %24.1f\n", payloads[i].name, bench_median(ours, 5),
			bench_median(peer, 3), bench_median(bare, 5));
		fflush(stdout);
		free(payloads[i].bytes);
	}
}

static void bench_render(void)
{
	static const char *const fallbacks[] = {
		"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	};
	struct fbc_font_ft_config fc = {
		.find_styles = true, .fallbacks = fallbacks, .n_fallbacks = 1, .pixel_size = 16
	};
	struct fbc_font *font;
	if (access(FBC_FONT_DEFAULT_PATH, R_OK) != 0 || fbc_font_ft_create(&font, &fc) != 0) {
		printf("render: DejaVu Sans Mono not installed, skipped\n");
		return;
	}
	struct fbc_font_metrics m;
	fbc_font_get_metrics(font, &m);
	int rows = 1080 / m.cell_height, cols = 1920 / m.cell_width;
	struct fbc_glyph_cache *cache;
	struct fbc_render *render;
	struct fbc_term *term;
	struct fbc_term_config tc = { .rows = rows, .cols = cols, .scrollback_lines = 100 };
	pixman_image_t *image = pixman_image_create_bits(PIXMAN_x8r8g8b8, 1920, 1080, NULL, 0);
	if (!image || fbc_glyph_cache_create(&cache, font, 4096) || fbc_term_create(&term, &tc) ||
		fbc_render_create(&render, font, cache, NULL) ||
		fbc_render_set_target(render, image))
		exit(1);
	struct payload p;
	generate(&p, (size_t)rows * cols * 3, mixed_line);
	fbc_term_feed(term, p.bytes, p.len);
	struct fbc_render_frame frame = { .blink_on = true };
	double full[7], scroll[7];
	for (int r = 0; r < 7; r++) {
		pixman_region32_t damage;
		pixman_region32_init(&damage);
		fbc_render_invalidate(render);
		double t0 = bench_now_s();
		fbc_render_draw(render, term, &frame, &damage);
		full[r] = (bench_now_s() - t0) * 1e3;
		char line[1024];
		size_t n = mixed_line(line);
		fbc_term_feed(term, line, n);
		t0 = bench_now_s();
		fbc_render_draw(render, term, &frame, &damage);
		scroll[r] = (bench_now_s() - t0) * 1e3;
		fbc_term_damage_clear(term);
		pixman_region32_fini(&damage);
	}
	printf("render 1920x1080, %dx%d cells of %dx%d px: full redraw %.2f ms (%.0f ns/cell), "
	       "one-line scroll (rows moved, the new line drawn) %.2f ms\n",
		cols, rows, m.cell_width, m.cell_height, bench_median(full, 7),
		bench_median(full, 7) * 1e6 / (rows * cols), bench_median(scroll, 7));
	free(p.bytes);
	fbc_term_destroy(term);
	fbc_render_destroy(render);
	fbc_glyph_cache_destroy(cache);
	fbc_font_destroy(font);
	pixman_image_unref(image);
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 50;
	if (mib == 0 || mib > 4096)
		mib = 50;
	bench_parse(mib);
	bench_render();
	return 0;
}
