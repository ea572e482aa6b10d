/*
 * hvplay's program (app.h): outputs, keys, the loop, the status line and the bench report.
 */
#define LOG_MODULE "hvplay"

#include "app.h"

#include <errno.h>
#include <inttypes.h>
#include <pixman.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvi.h"
#include "keys.h"
#include "log.h"
#include "loop.h"
#include "png_write.h"
#include "shim_client.h"
#include "sink_client.h"
#include "sink_shim.h"
#include "y4m_reader.h"

#define STATUS_EVERY_NS 500000000
#define HEADLESS_DEFAULT_W 1920
#define HEADLESS_DEFAULT_H 1080

struct bench {
	int64_t *samples; // ns per frame
	size_t n, cap;
	int64_t start_ns, end_ns;
};

struct app {
	struct app_options o;
	struct y4m_reader *reader;
	struct player *player;
	/* Fullscreen. */
	struct shim *shim;
	struct sink_shim *sink_shim;
	struct hvi_device *kbd;
	int64_t clock_skew_ns; // bench: the shim's clock runs ahead so its pacing never waits
	struct shim_clock shim_clock;
	uint64_t headless_commits;
	uint64_t vram_bytes; // headless: the committed damage, as synthvid would copy it
	/* Client. */
	struct shim_client *client;
	struct sink_client *sink_client;
	bool client_dead;
	/* Keys from the terminal. */
	struct keys_tty_saved tty;
	struct keys_tty_decoder dec;
	bool tty_keys;
	struct bench bench;
	int64_t last_status_ns;
	bool status_shown;
};

static volatile sig_atomic_t interrupted;

void app_interrupt(void)
{
	interrupted = 1;
}

static int64_t mono_ns(void *data)
{
	(void)data;
	return loop_now_ns();
}

static int64_t shim_now(void *data)
{
	const struct app *a = data;
	return loop_now_ns() + a->clock_skew_ns;
}

/* ---- Client mode ---------------------------------------------------------------------- */

static void on_client_mode(void *data, uint32_t width, uint32_t height, uint32_t refresh_mhz)
{
	struct app *a = data;
	(void)refresh_mhz;
	if (!a->player)
		return;
	uint32_t w, h;
	sink_client_output_resized(a->sink_client);
	sink_client_get_area(a->sink_client, &w, &h);
	log_info("the output is now %ux%u", width, height);
	if (player_resize(a->player, w, h) < 0)
		log_error("cannot lay the picture out again");
}

static void on_client_error(void *data, uint32_t code, uint32_t object, const char *text)
{
	struct app *a = data;
	log_error("the shim disconnected us (error %u on object %u): %s", code, object, text);
	a->client_dead = true;
}

static const struct shim_client_listener client_listener = {
	.mode = on_client_mode,
	.error = on_client_error,
};

static int start_client(struct app *a, bool quiet)
{
	int ret = shim_client_connect(&a->client, a->o.socket, &client_listener, a);
	if (ret < 0) {
		if (!quiet)
			log_error("no shim to connect to (%s)", strerror(-ret));
		return ret;
	}
	ret = sink_client_create(&a->sink_client, a->client, a->o.window_w, a->o.window_h);
	if (ret < 0)
		return ret;
	uint32_t w, h;
	sink_client_get_area(a->sink_client, &w, &h);
	return player_create(
		&a->player, a->reader, &a->o.play, &sink_client_impl, a->sink_client, w, h);
}

/* ---- Fullscreen ----------------------------------------------------------------------- */

static void on_shim_resize(void *data, uint32_t width, uint32_t height, uint32_t refresh_mhz)
{
	struct app *a = data;
	(void)refresh_mhz;
	if (a->player && player_resize(a->player, width, height) < 0)
		log_error("cannot lay the picture out for %ux%u", width, height);
}

static const struct shim_listener shim_listener = { .resize = on_shim_resize };

static int create_output(struct app *a, struct shim_output **out)
{
	const char *backend = a->o.output.backend;
	if (backend && strcmp(backend, "headless") == 0) {
		struct shim_headless_options ho = {
			.width = a->o.output.width ? a->o.output.width : HEADLESS_DEFAULT_W,
			.height = a->o.output.height ? a->o.output.height : HEADLESS_DEFAULT_H,
		};
		return shim_output_headless_create(out, &ho);
	}
	return shim_output_create_auto(out, &a->o.output);
}

static void start_keyboard(struct app *a, struct shim_output *out)
{
	struct vmb_bus *bus = shim_output_svd_get_bus(out);
	if (!bus)
		return;
	const struct hvi_options ko = { .timeout_ms = 3000 };
	int ret = hvi_keyboard_create(&a->kbd, bus, &ko);
	if (ret < 0)
		log_warn("no synthetic keyboard (%s): keys only from the terminal", strerror(-ret));
}

static int start_fullscreen(struct app *a)
{
	struct shim_output *out;
	int ret = create_output(a, &out);
	if (ret < 0) {
		log_error("no output to play on (%s)", strerror(-ret));
		return ret;
	}
	a->shim_clock = (struct shim_clock){ shim_now, a };
	const struct shim_options so = { .clock = &a->shim_clock };
	ret = shim_create(&a->shim, out, &so);
	if (ret < 0) {
		shim_output_destroy(out);
		return ret;
	}
	if ((ret = shim_add_listener(a->shim, &shim_listener, a)) < 0 ||
		(ret = sink_shim_create(&a->sink_shim, a->shim)) < 0)
		return ret;
	start_keyboard(a, out);
	uint32_t w, h;
	shim_get_size(a->shim, &w, &h);
	log_info("playing on %s output %ux%u", shim_output_get_name(out), w, h);
	return player_create(
		&a->player, a->reader, &a->o.play, &sink_shim_impl, a->sink_shim, w, h);
}

/* Headless: what the commits damaged is what synthvid would copy to VRAM. */
static void count_headless(struct app *a)
{
	struct shim_output *out = shim_get_output(a->shim);
	uint64_t n = shim_output_headless_commit_count(out);
	if (strcmp(shim_output_get_name(out), "headless") != 0 || n == a->headless_commits)
		return;
	a->headless_commits = n;
	pixman_region32_t r;
	pixman_region32_init(&r);
	if (shim_output_headless_get_last_damage(out, &r) == 0) {
		int nr;
		const pixman_box32_t *b = pixman_region32_rectangles(&r, &nr);
		for (int i = 0; i < nr; i++)
			a->vram_bytes +=
				(uint64_t)(b[i].x2 - b[i].x1) * (uint64_t)(b[i].y2 - b[i].y1) * 4;
	}
	pixman_region32_fini(&r);
}

static int dispatch_shim(struct app *a)
{
	if (a->o.play.bench)
		a->clock_skew_ns += 1000000000; // a frame is always due
	int ret = shim_dispatch(a->shim);
	count_headless(a);
	return ret;
}

/* Lets the last commit reach the output (for the screenshot). */
static void settle_shim(struct app *a)
{
	for (int i = 0; i < 100 && shim_get_timeout_ms(a->shim) >= 0; i++) {
		int t = shim_get_timeout_ms(a->shim);
		struct pollfd pfd = { shim_get_fd(a->shim), POLLIN, 0 };
		poll(&pfd, pfd.fd >= 0 ? 1 : 0, t > 50 ? 50 : t);
		dispatch_shim(a);
	}
}

/* --screenshot: the headless output's front image, whose format that output fixes. */
static void write_screenshot(struct app *a, const char *path)
{
	pixman_image_t *front = shim_output_headless_get_front(shim_get_output(a->shim));
	if (!front) {
		log_warn("--screenshot needs the headless output");
		return;
	}
	pixman_format_code_t f = pixman_image_get_format(front);
	if (f != PIXMAN_x8r8g8b8 && f != PIXMAN_a8r8g8b8) {
		log_bug_self("headless front image is not x8r8g8b8 (format %#x)", (unsigned)f);
		return;
	}
	int ret = png_write_xrgb8888(path, (const uint8_t *)pixman_image_get_data(front),
		(uint32_t)pixman_image_get_width(front), (uint32_t)pixman_image_get_height(front),
		(size_t)pixman_image_get_stride(front));
	if (ret < 0)
		log_error("cannot write %s: %s", path, strerror(-ret));
}

/* ---- Keys ----------------------------------------------------------------------------- */

static void apply(struct app *a, const struct key_action *k)
{
	player_command(a->player, k->cmd, k->seconds);
}

static void read_tty(struct app *a)
{
	uint8_t buf[64];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n <= 0) {
		a->tty_keys = n < 0 && (errno == EAGAIN || errno == EINTR);
		return;
	}
	struct key_action k[64];
	size_t nk = keys_from_tty(&a->dec, buf, (size_t)n, k, 64);
	for (size_t i = 0; i < nk; i++)
		apply(a, &k[i]);
}

static void read_kbd(struct app *a)
{
	if (hvi_device_dispatch(a->kbd) == -ENOTCONN) {
		log_warn("the synthetic keyboard went away");
		hvi_device_destroy(a->kbd);
		a->kbd = NULL;
		return;
	}
	struct hvi_event ev;
	struct key_action k;
	while (hvi_device_next_event(a->kbd, &ev) == 1) {
		if (ev.type == HVI_EV_KEY && keys_from_evdev(ev.code, ev.value, &k))
			apply(a, &k);
	}
}

/* ---- Status and report ---------------------------------------------------------------- */

static void drain_warnings(struct app *a)
{
	char w[200];
	while (y4m_reader_take_warning(a->reader, w, sizeof(w)))
		log_warn("%s: %s", a->o.path, w);
}

static void status_line(struct app *a)
{
	if (a->o.quiet || a->o.play.bench)
		return;
	int64_t t = loop_now_ns();
	if (t - a->last_status_ns < STATUS_EVERY_NS)
		return;
	/* Runs every loop pass: the tty check (a syscall) only once per interval. */
	a->last_status_ns = t;
	if (!isatty(STDERR_FILENO))
		return;
	struct player_stats s;
	player_get_stats(a->player, &s);
	int64_t f = player_current_frame(a->player);
	double sec = f < 0 ? 0 : (double)f / player_fps(a->player);
	fprintf(stderr, "\r%s frame %" PRId64 "  %02d:%04.1f  dropped %" PRIu64 "%s\033[K",
		player_is_paused(a->player) ? "[paused]" : "[playing]", f < 0 ? 0 : f,
		(int)(sec / 60), sec - 60 * (int)(sec / 60), s.dropped,
		player_is_looping(a->player) ? "  loop" : "");
	a->status_shown = true;
}

static void bench_sample(struct app *a, int64_t ns)
{
	struct bench *b = &a->bench;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		int64_t *s = realloc(b->samples, cap * sizeof(*s));
		if (!s)
			return;
		b->samples = s;
		b->cap = cap;
	}
	b->samples[b->n++] = ns;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

static void bench_report(struct app *a)
{
	struct bench *b = &a->bench;
	struct player_stats s;
	player_get_stats(a->player, &s);
	struct y4m_reader_stats rs;
	y4m_reader_get_stats(a->reader, &rs);
	char desc[256];
	player_describe(a->player, desc, sizeof(desc));
	double secs = (double)(b->end_ns - b->start_ns) / 1e9;
	printf("hvplay --bench %s\n  %s\n", a->o.path, desc);
	if (b->n == 0) {
		printf("  no frames shown\n");
		return;
	}
	qsort(b->samples, b->n, sizeof(*b->samples), cmp_i64);
	printf("  frames %" PRIu64 " in %.3f s: %.1f fps; ms per frame: median %.3f, p99 %.3f\n",
		s.shown, secs, (double)s.shown / secs, b->samples[b->n / 2] / 1e6,
		b->samples[(b->n * 99) / 100] / 1e6);
	uint64_t declared = s.damage_pixels * 4;
	if (a->shim && a->headless_commits)
		printf("  to VRAM: %.1f MB in %" PRIu64 " commits (DIRT messages on synthvid)\n",
			a->vram_bytes / 1e6, a->headless_commits);
	else if (a->shim) {
		struct shim_stats ss;
		shim_get_stats(a->shim, &ss);
		printf("  to VRAM: %.1f MB of damage in %" PRIu64 " commits (DIRT messages)\n",
			declared / 1e6, ss.frames);
	} else {
		printf("  damage sent to the shim: %.1f MB in %" PRIu64 " commits\n",
			declared / 1e6, s.commits);
	}
	printf("  rows converted %" PRIu64 ", unchanged frames %" PRIu64 ", dropped %" PRIu64
	       ", reader waits %.1f ms\n",
		s.rows_converted, s.unchanged, s.dropped, rs.wait_ns / 1e6);
}

/* ---- The loop ------------------------------------------------------------------------- */

static int poll_once(struct app *a)
{
	struct pollfd pfd[4];
	int n = 0, i_reader = n++, i_out = -1, i_kbd = -1, i_tty = -1;
	pfd[i_reader] = (struct pollfd){ y4m_reader_get_fd(a->reader), POLLIN, 0 };
	int timeout = player_get_timeout_ms(a->player);
	if (a->shim) {
		pfd[i_out = n++] = (struct pollfd){ shim_get_fd(a->shim), POLLIN, 0 };
		timeout = loop_timeout_min(timeout, shim_get_timeout_ms(a->shim));
	} else {
		pfd[i_out = n++] = (struct pollfd){ shim_client_get_fd(a->client), POLLIN, 0 };
	}
	if (a->kbd)
		pfd[i_kbd = n++] = (struct pollfd){ hvi_device_get_fd(a->kbd), POLLIN, 0 };
	if (a->tty_keys)
		pfd[i_tty = n++] = (struct pollfd){ STDIN_FILENO, POLLIN, 0 };
	if (!a->o.quiet && !a->o.play.bench)
		timeout = loop_timeout_min(timeout, STATUS_EVERY_NS / 1000000);
	if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
		return -errno;
	if (i_tty >= 0 && pfd[i_tty].revents)
		read_tty(a);
	if (i_kbd >= 0 && pfd[i_kbd].revents)
		read_kbd(a);
	if (a->client && shim_client_dispatch(a->client) < 0)
		a->client_dead = true;
	if (a->shim && dispatch_shim(a) == -ENODEV) {
		log_error("the output went away");
		return -ENODEV;
	}
	return 0;
}

static int play(struct app *a)
{
	a->bench.start_ns = loop_now_ns();
	int ret = 0;
	while (!interrupted && !a->client_dead) {
		struct player_stats before;
		player_get_stats(a->player, &before);
		int64_t t0 = loop_now_ns();
		ret = player_dispatch(a->player);
		struct player_stats after;
		player_get_stats(a->player, &after);
		if (a->o.play.bench && after.shown != before.shown) {
			if (a->shim)
				dispatch_shim(a); // this frame's composite and commit count too
			bench_sample(a, loop_now_ns() - t0);
		}
		drain_warnings(a);
		status_line(a);
		if (ret != 0)
			break;
		if ((ret = poll_once(a)) < 0)
			break;
	}
	a->bench.end_ns = loop_now_ns();
	if (ret < 0 && ret != -ENODEV)
		log_error("%s: %s", a->o.path, y4m_reader_error(a->reader));
	return ret < 0 ? ret : a->client_dead ? -ENOTCONN : 0;
}

static int start(struct app *a)
{
	if (a->o.ui != APP_UI_FULLSCREEN) {
		int ret = start_client(a, a->o.ui == APP_UI_AUTO);
		if (ret == 0 || a->o.ui == APP_UI_CLIENT)
			return ret;
		sink_client_destroy(a->sink_client);
		shim_client_destroy(a->client);
		a->sink_client = NULL;
		a->client = NULL;
	}
	return start_fullscreen(a);
}

static void finish(struct app *a)
{
	if (a->status_shown)
		fputc('\n', stderr);
	keys_tty_restore(STDIN_FILENO, &a->tty);
	player_destroy(a->player);
	sink_client_destroy(a->sink_client);
	shim_client_destroy(a->client);
	hvi_device_destroy(a->kbd);
	sink_shim_destroy(a->sink_shim);
	shim_destroy(a->shim);
	y4m_reader_destroy(a->reader);
	free(a->bench.samples);
}

static void describe_stream(const struct app *a)
{
	const struct y4m_stream *st = y4m_reader_get_stream(a->reader);
	if (st->unknown_tags)
		log_warn("%s: %u header tags skipped (the first: '%s')", a->o.path,
			st->unknown_tags, st->first_unknown);
	char desc[256];
	player_describe(a->player, desc, sizeof(desc));
	if (!a->o.quiet)
		log_info("%s: %s", a->o.path, desc);
}

int app_run(const struct app_options *o)
{
	struct app a = { .o = *o };
	a.o.play.clock = (struct play_clock){ mono_ns, NULL };
	struct y4m_error err = { "" };
	const struct y4m_reader_options ro = { .follow = o->follow };
	int ret = y4m_reader_open(&a.reader, o->path, &ro, &err);
	if (ret < 0) {
		log_error("%s: %s", o->path, err.text);
		return ret;
	}
	ret = start(&a);
	if (ret == 0) {
		describe_stream(&a);
		a.tty_keys = !o->play.bench && keys_tty_raw(STDIN_FILENO, &a.tty) == 0;
		ret = play(&a);
	}
	if (ret == 0 && a.shim) {
		settle_shim(&a);
		if (o->screenshot)
			write_screenshot(&a, o->screenshot);
	}
	if (ret == 0 && o->play.bench)
		bench_report(&a);
	finish(&a);
	return ret;
}
