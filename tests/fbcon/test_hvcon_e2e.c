/*
 * End to end: the real hvcon program on the real hvhost over the emulated VMBus, driven the way
 * a person would drive it (keys through the monitor) and judged by hvhost's screenshots.
 *
 * What is on the screen is checked pixel for pixel: the expected text is drawn in-process by
 * fbcon's own renderer with the same font, size and colours, and that exact block of pixels must
 * appear in the screenshot, at column 0 (so the shell's output line, not the typed command).
 *
 * Synchronisation is the monitor's `wait dirt since`: read the DIRT count, take a screenshot,
 * and if the text is not there yet wait for the next DIRT (the cursor does not blink, so every
 * DIRT is a change of content). Nothing sleeps; every wait is bounded by the monitor's timeout.
 *
 * The random words come from a seed printed as a note; HVCON_E2E_SEED=N replays one.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fbc_console.h"
#include "fbc_font.h"
#include "hvhost_harness.h"
#include "macros.h"
#include "png_read.h"
#include "test.h"

#define FONT_SIZE 16
#define MAX_WAITS 200 // DIRTs to look through before giving up on a text

struct e2e {
	struct hvhost_harness *h;
	pid_t hvcon;
	int hvcon_pidfd;
	int cell_w, cell_h;
	struct png_image_rgb shot;
};

/* The exact pixels of a text as hvcon draws it at the top left of an empty screen. */
struct glyphs {
	uint32_t *px; // w * h, 0x00RRGGBB
	int w, h;
};

/* ---- expected pixels ---- */

static struct fbc_font *open_font(void)
{
	const char *fallbacks[8];
	size_t n = fbc_font_default_fallbacks(fallbacks, ARRAY_LEN(fallbacks));
	/* The same choices fbc_console makes for hvcon (font_path NULL, find_styles). */
	const struct fbc_font_ft_config cfg = { .find_styles = true,
		.fallbacks = fallbacks,
		.n_fallbacks = n,
		.pixel_size = FONT_SIZE };
	struct fbc_font *font = NULL;
	if (fbc_font_ft_create(&font, &cfg) != 0)
		return NULL;
	return font;
}

static void cell_size(int *w, int *h)
{
	struct fbc_font *font = open_font();
	if (!font)
		SKIP("no DejaVu Sans Mono (fonts-dejavu-core)");
	struct fbc_font_metrics m;
	fbc_font_get_metrics(font, &m);
	*w = m.cell_width;
	*h = m.cell_height;
	fbc_font_destroy(font);
}

static void render_text(const char *text, struct glyphs *g)
{
	struct fbc_font *font = open_font();
	REQUIRE(font);
	struct fbc_font_metrics m;
	fbc_font_get_metrics(font, &m);
	g->w = (int)strlen(text) * m.cell_width;
	g->h = m.cell_height;
	pixman_image_t *image = pixman_image_create_bits(PIXMAN_x8r8g8b8, g->w, g->h, NULL, 0);
	REQUIRE(image);
	struct fbc_console *con;
	const struct fbc_console_config cfg = { .font = font, .blink_ms = -1 };
	REQUIRE(fbc_console_create(&con, &cfg, &(struct fbc_surface){ .image = image }) == 0);
	fbc_console_feed(con, "\033[?25l", 6); /* the cursor is elsewhere on the real screen */
	fbc_console_feed(con, text, strlen(text));
	REQUIRE(fbc_console_render(con, 0) >= 0);
	g->px = calloc((size_t)g->w * (size_t)g->h, sizeof(*g->px));
	REQUIRE(g->px);
	const uint32_t *bits = pixman_image_get_data(image);
	int stride = pixman_image_get_stride(image) / 4;
	for (int y = 0; y < g->h; y++)
		for (int x = 0; x < g->w; x++)
			g->px[y * g->w + x] = bits[y * stride + x] & 0xffffff;
	fbc_console_destroy(con);
	fbc_font_destroy(font);
	pixman_image_unref(image);
}

static bool matches_at(const struct png_image_rgb *s, const struct glyphs *g, int x, int y)
{
	if (x < 0 || y < 0 || x + g->w > (int)s->width || y + g->h > (int)s->height)
		return false;
	for (int r = 0; r < g->h; r++)
		if (memcmp(&s->pixels[(size_t)(y + r) * s->width + (size_t)x], &g->px[r * g->w],
			    (size_t)g->w * sizeof(uint32_t)) != 0)
			return false;
	return true;
}

/* The top row (pixels) where the block sits at column x, or -1. */
static int find_at_column(const struct png_image_rgb *s, const struct glyphs *g, int x)
{
	for (int y = 0; y + g->h <= (int)s->height; y++)
		if (matches_at(s, g, x, y))
			return y;
	return -1;
}

/* ---- the monitor ---- */

static bool cmd_ok(struct e2e *e, const char *line)
{
	return hvhost_harness_ok(e->h, line);
}

static bool PRINTF(2, 3) cmdf_ok(struct e2e *e, const char *fmt, ...)
{
	char line[512];
	va_list args;
	va_start(args, fmt);
	vsnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	return cmd_ok(e, line);
}

static int64_t rx_dirt(struct e2e *e)
{
	return hvhost_harness_get(e->h, "stats", "video.rx.DIRT");
}

static bool screenshot(struct e2e *e)
{
	png_image_rgb_free(&e->shot);
	const char *path = hvhost_harness_path(e->h, "shot.png");
	char line[512];
	snprintf(line, sizeof(line), "{\"cmd\":\"screenshot\",\"path\":\"%s\",\"cursor\":false}",
		path);
	if (!cmd_ok(e, line))
		return false;
	return png_read_rgb(hvhost_harness_path(e->h, "shot.png"), &e->shot) == 0;
}

/* Waits until text is on screen at column 0 (present) or gone from it (!present); returns its
 * row in pixels (present) or 0 (gone), -1 when it never happened. */
static int wait_text(struct e2e *e, const char *text, bool present)
{
	struct glyphs g;
	render_text(text, &g);
	int y = -1;
	for (int i = 0; i < MAX_WAITS; i++) {
		int64_t seen = rx_dirt(e);
		if (seen < 0 || !screenshot(e))
			break;
		int at = find_at_column(&e->shot, &g, 0);
		if (present ? at >= 0 : at < 0) {
			y = present ? at : 0;
			break;
		}
		char line[128];
		snprintf(line, sizeof(line), "{\"cmd\":\"wait\",\"what\":\"dirt\",\"since\":%lld}",
			(long long)seen);
		if (!cmd_ok(e, line))
			break;
	}
	if (y < 0)
		NOTE("\"%s\" never %s at column 0", text, present ? "appeared" : "went away");
	free(g.px);
	return y;
}

/* ---- hvcon ---- */

static void start(struct e2e *e, const char *const *host_args, const char *const *hvcon_args)
{
	*e = (struct e2e){ .hvcon = -1, .hvcon_pidfd = -1 };
	const char *exe = getenv("HVCON");
	if (!exe)
		SKIP("HVCON is not set (run through meson test)");
	cell_size(&e->cell_w, &e->cell_h);
	int ret = hvhost_harness_start(&e->h, host_args);
	if (ret == -ENOENT)
		SKIP("HVHOST is not set (run through meson test)");
	REQUIRE(ret == 0);

	char vmbus[256], shim[256], size[8];
	snprintf(vmbus, sizeof(vmbus), "%s", hvhost_harness_vmbus_path(e->h));
	snprintf(shim, sizeof(shim), "%s", hvhost_harness_path(e->h, "shim.sock"));
	snprintf(size, sizeof(size), "%d", FONT_SIZE);
	const char *argv[48] = { exe, "--output", "svd", "--vmbus", vmbus, "--shim-socket", shim,
		"--font-size", size, "--no-blink" };
	size_t n = 10;
	for (size_t i = 0; hvcon_args[i] && n < ARRAY_LEN(argv) - 1; i++)
		argv[n++] = hvcon_args[i];
	/* A plain prompt whatever the user's profile says. */
	setenv("PS1", "$ ", 1);
	setenv("ENV", "/dev/null", 1);
	e->hvcon = fork();
	REQUIRE(e->hvcon >= 0);
	if (e->hvcon == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	e->hvcon_pidfd = (int)syscall(SYS_pidfd_open, e->hvcon, 0);
	REQUIRE(e->hvcon_pidfd >= 0);
	REQUIRE(cmd_ok(e,
		"{\"cmd\":\"wait\",\"what\":\"device\",\"device\":\"keyboard\","
		"\"timeout_ms\":30000}"));
}

/* hvcon's exit status (0..255, 128+signal), or -1 if it did not exit in time (it is killed). */
static int hvcon_exit(struct e2e *e)
{
	struct pollfd p = { .fd = e->hvcon_pidfd, .events = POLLIN };
	if (poll(&p, 1, HVHOST_HARNESS_TIMEOUT_MS) != 1) {
		NOTE("hvcon did not exit");
		kill(e->hvcon, SIGKILL);
	}
	int status;
	pid_t pid = waitpid(e->hvcon, &status, 0);
	e->hvcon = -1;
	if (pid < 0 || p.revents == 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void finish(struct e2e *e)
{
	if (e->hvcon > 0) {
		kill(e->hvcon, SIGTERM);
		hvcon_exit(e);
	}
	if (e->hvcon_pidfd >= 0)
		close(e->hvcon_pidfd);
	png_image_rgb_free(&e->shot);
	CHECK_EQ_INT(hvhost_harness_stop(e->h), 0);
	hvhost_harness_destroy(e->h);
}

static unsigned seed(void)
{
	static unsigned s;
	if (!s) {
		const char *env = getenv("HVCON_E2E_SEED");
		s = env ? (unsigned)strtoul(env, NULL, 10)
			: (unsigned)time(NULL) ^ (unsigned)getpid();
		NOTE("seed %u (HVCON_E2E_SEED=%u replays it)", s, s);
	}
	return s;
}

static void random_word(char *out, size_t len)
{
	static unsigned state;
	if (!state)
		state = seed() | 1;
	for (size_t i = 0; i + 1 < len; i++) {
		state = state * 1103515245u + 12345u;
		out[i] = (char)('a' + (state >> 16) % 26);
	}
	out[len - 1] = '\0';
}

/* ---- cases ---- */

static void test_hvcon_e2e_echo_shows_the_word(void)
{
	struct e2e e;
	start(&e, NULL, (const char *const[]){ "--", "/bin/sh", "-i", NULL });
	REQUIRE(wait_text(&e, "$ ", true) == 0);
	char word[9], typed[64], cmd[32];
	random_word(word, sizeof(word));
	snprintf(cmd, sizeof(cmd), "echo %s", word);
	snprintf(typed, sizeof(typed), "$ %s", cmd);
	CHECK(cmdf_ok(&e, "{\"cmd\":\"type\",\"text\":\"%s\\n\"}", cmd));
	/* The command as typed on the first line, the shell's answer alone on the second. */
	CHECK_EQ_INT(wait_text(&e, typed, true), 0);
	CHECK_EQ_INT(wait_text(&e, word, true), e.cell_h);
	CHECK(cmd_ok(&e, "{\"cmd\":\"type\",\"text\":\"exit\\n\"}"));
	CHECK_EQ_INT(hvcon_exit(&e), 0);
	finish(&e);
}

static void test_hvcon_e2e_child_status_is_hvcon_status(void)
{
	struct e2e e;
	start(&e, NULL, (const char *const[]){ "--", "/bin/sh", "-c", "read x; exit 3", NULL });
	CHECK(cmd_ok(&e, "{\"cmd\":\"key\",\"keys\":\"enter\"}"));
	CHECK_EQ_INT(hvcon_exit(&e), 3);
	finish(&e);
}

static void test_hvcon_e2e_restart_starts_the_shell_again(void)
{
	struct e2e e;
	start(&e, NULL, (const char *const[]){ "--restart", "--", "/bin/sh", "-i", NULL });
	REQUIRE(wait_text(&e, "$ ", true) == 0);
	CHECK(cmd_ok(&e, "{\"cmd\":\"type\",\"text\":\"exit\\n\"}"));
	/* The new shell prompts on the line under the old one's exit. */
	REQUIRE(wait_text(&e, "$ exit", true) == 0);
	struct glyphs prompt;
	render_text("$ ", &prompt);
	bool prompted = false;
	for (int i = 0; i < MAX_WAITS && !prompted; i++) {
		int64_t seen = rx_dirt(&e);
		REQUIRE(screenshot(&e));
		prompted = matches_at(&e.shot, &prompt, 0, e.cell_h);
		char line[128];
		snprintf(line, sizeof(line), "{\"cmd\":\"wait\",\"what\":\"dirt\",\"since\":%lld}",
			(long long)seen);
		if (!prompted)
			REQUIRE(cmd_ok(&e, line));
	}
	free(prompt.px);
	REQUIRE(prompted);
	char word[9];
	random_word(word, sizeof(word));
	CHECK(cmdf_ok(&e, "{\"cmd\":\"type\",\"text\":\"echo %s\\n\"}", word));
	CHECK_EQ_INT(wait_text(&e, word, true), 2 * e.cell_h);
	/* It never ends on its own now: a signal stops it, successfully. */
	kill(e.hvcon, SIGTERM);
	CHECK_EQ_INT(hvcon_exit(&e), 0);
	finish(&e);
}

static void scroll_check(
	struct e2e *e, const char *keys_or_mouse, const char *want, const char *gone)
{
	CHECK(cmd_ok(e, keys_or_mouse));
	CHECK(wait_text(e, want, true) >= 0);
	CHECK(wait_text(e, gone, false) == 0);
}

static void test_hvcon_e2e_shift_pageup_scrolls_back(void)
{
	struct e2e e;
	start(&e, NULL,
		(const char *const[]){ "--", "/bin/sh", "-c", "seq 1 300; exec cat", NULL });
	REQUIRE(wait_text(&e, "300", true) >= 0);
	/* 300 lines and the cursor's empty line: a page back shows lines rows-1 above the top. */
	int rows = 768 / e.cell_h;
	char top_live[8], back[8];
	snprintf(top_live, sizeof(top_live), "%d", 300 - rows + 2);
	snprintf(back, sizeof(back), "%d", 300 - rows - rows / 2);
	CHECK(wait_text(&e, back, false) == 0);
	scroll_check(&e, "{\"cmd\":\"key\",\"keys\":\"shift+pageup\"}", back, "300");
	scroll_check(&e, "{\"cmd\":\"key\",\"keys\":\"shift+pagedown\"}", "300", back);
	/* The wheel: three lines a notch, up is back. */
	char first[8];
	snprintf(first, sizeof(first), "%d", 300 - rows + 2 - 3);
	CHECK(wait_text(&e, first, false) == 0);
	scroll_check(&e, "{\"cmd\":\"mouse\",\"x\":100,\"y\":100,\"wheel\":1}", first, "300");
	CHECK_EQ_INT(wait_text(&e, first, true), 0);
	finish(&e);
}

static void test_hvcon_e2e_mode_sets_the_grid(void)
{
	struct e2e e;
	start(&e, (const char *const[]){ "--modes", "1024x768,800x600", NULL },
		(const char *const[]){
			"--mode", "800x600", "--", "/bin/sh", "-c", "stty size; exec cat", NULL });
	char want[32];
	snprintf(want, sizeof(want), "%d %d", 600 / e.cell_h, 800 / e.cell_w);
	CHECK_EQ_INT(wait_text(&e, want, true), 0);
	CHECK_EQ_INT(e.shot.width, 800);
	CHECK_EQ_INT(e.shot.height, 600);
	finish(&e);
}

/* A solid clip: YCbCr 4:4:4 (81, 90, 240) is BT.601 limited-range red. */
static bool write_red_clip(struct e2e *e, char *path, size_t len)
{
	enum { W = 64, H = 48 };
	snprintf(path, len, "%s", hvhost_harness_path(e->h, "red.y4m"));
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	fprintf(f, "YUV4MPEG2 W%d H%d F30:1 Ip A1:1 C444 XCOLORRANGE=LIMITED\n", W, H);
	static uint8_t plane[W * H];
	for (int frame = 0; frame < 2; frame++) {
		fputs("FRAME\n", f);
		const uint8_t values[] = { 81, 90, 240 };
		for (size_t i = 0; i < ARRAY_LEN(values); i++) {
			memset(plane, values[i], sizeof(plane));
			fwrite(plane, 1, sizeof(plane), f);
		}
	}
	return fclose(f) == 0;
}

/* Whether every pixel of the w x h rect at (x, y) is red (within conversion rounding). */
static bool rect_is_red(const struct png_image_rgb *s, int x, int y, int w, int h)
{
	for (int r = y; r < y + h; r++)
		for (int c = x; c < x + w; c++) {
			uint32_t px = png_image_rgb_at(s, (uint32_t)c, (uint32_t)r);
			if ((px >> 16) < 0xf0 || ((px >> 8) & 0xff) > 0x10 || (px & 0xff) > 0x10)
				return false;
		}
	return true;
}

static bool wait_window(struct e2e *e, int x, int y, int w, int h, bool shown)
{
	for (int i = 0; i < MAX_WAITS; i++) {
		int64_t seen = rx_dirt(e);
		if (seen < 0 || !screenshot(e))
			return false;
		/* Shown: all of it red. Gone: its centre is the console's black again. */
		if (shown ? rect_is_red(&e->shot, x, y, w, h)
			  : png_image_rgb_at(
				    &e->shot, (uint32_t)(x + w / 2), (uint32_t)(y + h / 2)) == 0)
			return true;
		if (!cmdf_ok(e, "{\"cmd\":\"wait\",\"what\":\"dirt\",\"since\":%lld}",
			    (long long)seen))
			break;
	}
	NOTE("the player's window never %s", shown ? "appeared" : "went away");
	return false;
}

/* hvplay started from the shell finds hvcon's shim socket through $HVDISPLAY_SHIM (hvcon listens
 * on a test path, not the default), shows its window centred above the console, takes its keys
 * from the terminal, and leaves the console as it was when it quits. */
static void test_hvcon_e2e_hvplay_window_above_the_console(void)
{
	const char *hvplay = getenv("HVPLAY");
	if (!hvplay)
		SKIP("HVPLAY is not set (run through meson test)");
	struct e2e e;
	start(&e, NULL, (const char *const[]){ "--", "/bin/sh", "-i", NULL });
	char clip[256];
	REQUIRE(write_red_clip(&e, clip, sizeof(clip)));
	REQUIRE(wait_text(&e, "$ ", true) == 0);
	CHECK(cmdf_ok(&e,
		"{\"cmd\":\"type\",\"text\":\"%s --client --loop -q --window 320x240 %s\\n\"}",
		hvplay, clip));
	/* The clip is 4:3 like the window: it fills it exactly. */
	const int x = (1024 - 320) / 2, y = (768 - 240) / 2;
	CHECK(wait_window(&e, x, y, 320, 240, true));
	/* Just outside the window, the console's black. */
	CHECK_EQ_INT(png_image_rgb_at(&e.shot, x - 1, y + 120), 0);
	CHECK_EQ_INT(png_image_rgb_at(&e.shot, x + 320, y + 120), 0);
	CHECK(cmd_ok(&e, "{\"cmd\":\"type\",\"text\":\"q\"}"));
	CHECK(wait_window(&e, x, y, 320, 240, false));
	char word[9];
	random_word(word, sizeof(word));
	CHECK(cmdf_ok(&e, "{\"cmd\":\"type\",\"text\":\"echo $? %s\\n\"}", word));
	char want[16];
	snprintf(want, sizeof(want), "0 %s", word);
	CHECK(wait_text(&e, want, true) > 0);
	finish(&e);
}

static const struct test_case cases[] = {
	TEST_CASE(test_hvcon_e2e_echo_shows_the_word),
	TEST_CASE(test_hvcon_e2e_child_status_is_hvcon_status),
	TEST_CASE(test_hvcon_e2e_restart_starts_the_shell_again),
	TEST_CASE(test_hvcon_e2e_shift_pageup_scrolls_back),
	TEST_CASE(test_hvcon_e2e_mode_sets_the_grid),
	TEST_CASE(test_hvcon_e2e_hvplay_window_above_the_console),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
