/*
 * hvplay on the real compositor shim: damage on the headless output is exactly the video
 * rectangle (when every row changes) or exactly the changed rows of it, the bars are never
 * touched after the first repaint, and the picture equals a full conversion; the same through
 * the shim's socket (a server thread, the player as a client, black bar surfaces in
 * fullscreen, the console showing around a window); and the hvplay program itself: a headless
 * run with --screenshot, client mode against a server, and bad files ending with a message and
 * exit status 1, never a signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clip.h"
#include "png_read.h"
#include "shim.h"
#include "shim_client.h"
#include "sink_client.h"
#include "sink_shim.h"
#include "test.h"
#include "yuv_convert.h"

#define OUT_W 128
#define OUT_H 64
#define BACKGROUND 0x00336699u // the "console" behind everything

/* ---- Helpers ---------------------------------------------------------------------------- */

static uint32_t seed = 99;

static uint8_t noise(void)
{
	seed = seed * 1103515245 + 12345;
	return (uint8_t)(16 + (seed >> 16) % 220);
}

/* A 64x48 clip whose every sample changes every frame. */
static void noise_clip(struct clip *c, unsigned frames)
{
	const struct y4m_synth s = { .width = 64, .height = 48 };
	clip_build(c, &s, frames);
	for (unsigned i = 0; i < frames; i++) {
		for (size_t k = 0; k < c->frame_bytes; k++)
			c->data[c->frame_off[i] + 6 + k] = noise();
	}
	clip_write(c, SIZE_MAX);
}

/* Clip frame `index` converted the way the player does, for a w x h video. */
static uint32_t *expected(
	const struct clip *c, unsigned index, uint32_t sw, uint32_t sh, uint32_t w, uint32_t h)
{
	struct yuv_scaler_config cfg = { .src_width = sw,
		.src_height = sh,
		.sampling = YUV_420_CENTER,
		.dst_width = w,
		.dst_height = h,
		.filter = YUV_FILTER_BILINEAR,
		.matrix = YUV_MATRIX_BT601 };
	struct yuv_scaler *sc;
	REQUIRE(yuv_scaler_create(&sc, &cfg) == 0);
	const uint8_t *f = c->data + c->frame_off[index] + 6;
	size_t cw = (sw + 1) / 2, ch = (sh + 1) / 2;
	struct yuv_frame yf = { .plane = { f, f + sw * sh, f + sw * sh + cw * ch },
		.stride = { sw, cw, cw } };
	uint32_t *px = calloc((size_t)w * h, 4);
	yuv_scaler_convert(sc, &yf, px, (size_t)w * 4, 0, h);
	yuv_scaler_destroy(sc);
	return px;
}

static uint32_t at(pixman_image_t *img, int x, int y)
{
	const uint8_t *d = (const uint8_t *)pixman_image_get_data(img);
	return ((const uint32_t *)(const void *)(d + (size_t)y * pixman_image_get_stride(img)))[x] &
		0xffffff;
}

/* The picture: inside `video` the expected pixels, outside `outside` (or anything if ~0). */
static void check_front(
	pixman_image_t *img, const struct rect *video, const uint32_t *want, uint32_t outside)
{
	long bad = 0;
	int32_t vw = (int32_t)rect_width(video);
	for (int y = 0; y < OUT_H; y++) {
		for (int x = 0; x < OUT_W; x++) {
			bool in =
				x >= video->x1 && x < video->x2 && y >= video->y1 && y < video->y2;
			uint32_t w = in ? want[(y - video->y1) * vw + (x - video->x1)] & 0xffffff
					: outside;
			if (!in && outside == ~0u)
				continue;
			if (at(img, x, y) != w && bad++ < 5)
				NOTE("pixel %d,%d is %06x, expected %06x", x, y, at(img, x, y), w);
		}
	}
	CHECK_EQ_INT(bad, 0);
}

static int64_t skewed_now(void *data)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + *(int64_t *)data;
}

static struct shim *headless_shim(int64_t *skew, struct shim_clock *clk)
{
	struct shim_output *out;
	const struct shim_headless_options ho = { .width = OUT_W, .height = OUT_H };
	REQUIRE(shim_output_headless_create(&out, &ho) == 0);
	*clk = (struct shim_clock){ skewed_now, skew };
	const struct shim_options so = { .clock = clk, .background = BACKGROUND };
	struct shim *shim;
	REQUIRE(shim_create(&shim, out, &so) == 0);
	return shim;
}

/* Repaints now, whatever the pacing says (the clock jumps a second). */
static void repaint(struct shim *shim, int64_t *skew)
{
	*skew += 1000000000;
	shim_dispatch(shim);
}

static int pump_player(struct player *p, struct y4m_reader *r, int extra_fd)
{
	for (int i = 0; i < 10000; i++) {
		int ret = player_dispatch(p);
		if (ret != 0 || !player_waiting_for_reader(p))
			return ret;
		struct pollfd pfd[2] = { { y4m_reader_get_fd(r), POLLIN, 0 },
			{ extra_fd, POLLIN, 0 } };
		if (poll(pfd, extra_fd >= 0 ? 2 : 1, 10000) <= 0)
			return -ETIMEDOUT;
	}
	return -ELOOP;
}

static int64_t real_now(void *data)
{
	(void)data;
	return 0;
}

static const struct player_options bench_opts = { .mode = LAYOUT_FIT,
	.filter = YUV_FILTER_BILINEAR,
	.matrix = -1,
	.range = -1,
	.bench = true,
	.clock = { real_now, NULL } };

/* ---- In-process shim -------------------------------------------------------------------- */

/* The player drawing a clip into a headless shim through sink_shim, all on this thread. */
struct in_shim {
	int64_t skew;
	struct shim_clock clk;
	struct shim *shim;
	struct shim_output *out;
	struct sink_shim *sink;
	struct y4m_reader *r;
	struct player *p;
};

static void in_shim_start(struct in_shim *t, const struct clip *c)
{
	t->skew = 0;
	t->shim = headless_shim(&t->skew, &t->clk);
	t->out = shim_get_output(t->shim);
	REQUIRE(sink_shim_create(&t->sink, t->shim) == 0);
	REQUIRE(y4m_reader_open(&t->r, c->path, NULL, NULL) == 0);
	REQUIRE(player_create(&t->p, t->r, &bench_opts, &sink_shim_impl, t->sink, OUT_W, OUT_H) ==
		0);
}

static void in_shim_finish(struct in_shim *t)
{
	player_destroy(t->p);
	y4m_reader_destroy(t->r);
	sink_shim_destroy(t->sink);
	shim_destroy(t->shim);
}

/* Every row changes each frame: after the first repaint, each commit's damage on the output is
 * the video rectangle, exactly. */
static void test_damage_is_the_video_rect(void)
{
	struct clip c;
	noise_clip(&c, 5);
	struct in_shim t;
	in_shim_start(&t, &c);
	const struct rect video = player_get_layout(t.p)->video;
	CHECK(video.x1 == 21 && video.x2 == 106 && video.y1 == 0 && video.y2 == 64);
	for (unsigned i = 0; i < 5; i++) {
		REQUIRE(pump_player(t.p, t.r, -1) == 0);
		repaint(t.shim, &t.skew);
		pixman_region32_t d;
		pixman_region32_init(&d);
		REQUIRE(shim_output_headless_get_last_damage(t.out, &d) == 0);
		int n;
		const pixman_box32_t *b = pixman_region32_rectangles(&d, &n);
		if (i == 0) { // the first repaint paints the bars too, once
			CHECK(n == 1 && b[0].x1 == 0 && b[0].x2 == OUT_W && b[0].y2 == OUT_H);
		} else {
			CHECK_MSG(n == 1 && b[0].x1 == video.x1 && b[0].y1 == video.y1 &&
					b[0].x2 == video.x2 && b[0].y2 == video.y2,
				"frame %u: %d boxes, first %d,%d-%d,%d", i, n, n ? b[0].x1 : 0,
				n ? b[0].y1 : 0, n ? b[0].x2 : 0, n ? b[0].y2 : 0);
		}
		pixman_region32_fini(&d);
		uint32_t *want = expected(&c, i, 64, 48, 85, 64);
		check_front(shim_output_headless_get_front(t.out), &video, want, BACKGROUND);
		free(want);
	}
	CHECK_EQ_INT(shim_output_headless_commit_count(t.out), 5);
	in_shim_finish(&t);
	clip_free(&c);
}

/* Half the clip is still: the damage is only the rows that moved, inside the video. */
static void test_damage_is_the_changed_rows(void)
{
	struct clip c;
	const struct y4m_synth s = { .width = 64, .height = 48, .static_rows = 24 };
	clip_build(&c, &s, 4);
	clip_write(&c, SIZE_MAX);
	struct in_shim t;
	in_shim_start(&t, &c);
	const struct rect video = player_get_layout(t.p)->video;
	uint32_t *prev = NULL;
	for (unsigned i = 0; i < 4; i++) {
		REQUIRE(pump_player(t.p, t.r, -1) == 0);
		repaint(t.shim, &t.skew);
		uint32_t *want = expected(&c, i, 64, 48, 85, 64);
		check_front(shim_output_headless_get_front(t.out), &video, want, BACKGROUND);
		pixman_region32_t d;
		pixman_region32_init(&d);
		REQUIRE(shim_output_headless_get_last_damage(t.out, &d) == 0);
		for (int y = 0; prev && y < OUT_H; y++) {
			bool changed = memcmp(prev + y * 85, want + y * 85, 85 * 4) != 0;
			pixman_box32_t row = { video.x1, y, video.x2, y + 1 };
			pixman_region_overlap_t o = pixman_region32_contains_rectangle(&d, &row);
			CHECK_MSG(changed ? o == PIXMAN_REGION_IN : o == PIXMAN_REGION_OUT,
				"frame %u row %d: changed %d, damage %d", i, y, changed, (int)o);
		}
		pixman_box32_t left = { 0, 0, video.x1, OUT_H },
			       right = { video.x2, 0, OUT_W, OUT_H };
		CHECK(i == 0 ||
			(pixman_region32_contains_rectangle(&d, &left) == PIXMAN_REGION_OUT &&
				pixman_region32_contains_rectangle(&d, &right) ==
					PIXMAN_REGION_OUT));
		pixman_region32_fini(&d);
		free(prev);
		prev = want;
	}
	free(prev);
	in_shim_finish(&t);
	clip_free(&c);
}

/* ---- Through the socket ----------------------------------------------------------------- */

struct server {
	struct shim *shim;
	struct shim_server *server;
	int64_t skew;
	struct shim_clock clk;
	int stop[2];
	pthread_t thread;
	char dir[64], path[96];
};

/* The server's thread owns the shim until it is joined. */
static void *server_main(void *data)
{
	struct server *s = data;
	for (;;) {
		struct pollfd pfd[3] = { { shim_server_get_fd(s->server), POLLIN, 0 },
			{ shim_get_fd(s->shim), POLLIN, 0 }, { s->stop[0], POLLIN, 0 } };
		poll(pfd, 3, 20);
		shim_server_dispatch(s->server);
		repaint(s->shim, &s->skew);
		if (pfd[2].revents)
			break;
	}
	return NULL;
}

static void server_start(struct server *s)
{
	*s = (struct server){ 0 };
	strcpy(s->dir, "/tmp/hvplay-shim-XXXXXX");
	REQUIRE(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/shim.sock", s->dir);
	s->shim = headless_shim(&s->skew, &s->clk);
	REQUIRE(shim_server_create(&s->server, s->shim, s->path) == 0);
	REQUIRE(pipe(s->stop) == 0);
	REQUIRE(pthread_create(&s->thread, NULL, server_main, s) == 0);
}

/* Stops the thread after one more repaint; the shim is the test's again. */
static void server_stop(struct server *s)
{
	char b = 1;
	REQUIRE(write(s->stop[1], &b, 1) == 1);
	pthread_join(s->thread, NULL);
}

static void server_finish(struct server *s)
{
	shim_server_destroy(s->server);
	shim_destroy(s->shim);
	close(s->stop[0]);
	close(s->stop[1]);
	rmdir(s->dir);
}

static void client_case(
	uint32_t window_w, uint32_t window_h, const struct rect *want_video, uint32_t outside)
{
	struct clip c;
	noise_clip(&c, 4);
	struct server s;
	server_start(&s);
	struct shim_client *client;
	REQUIRE(shim_client_connect(&client, s.path, NULL, NULL) == 0);
	struct sink_client *sink;
	REQUIRE(sink_client_create(&sink, client, window_w, window_h) == 0);
	uint32_t w, h;
	sink_client_get_area(sink, &w, &h);
	struct y4m_reader *r;
	REQUIRE(y4m_reader_open(&r, c.path, NULL, NULL) == 0);
	struct player *p;
	REQUIRE(player_create(&p, r, &bench_opts, &sink_client_impl, sink, w, h) == 0);
	for (unsigned i = 0; i < 4; i++) {
		/* Releases come over the socket: dispatch the client while waiting. */
		while (player_current_frame(p) < (int64_t)i) {
			REQUIRE(pump_player(p, r, shim_client_get_fd(client)) == 0);
			REQUIRE(shim_client_dispatch(client) >= 0);
			struct pollfd pfd = { shim_client_get_fd(client), POLLIN, 0 };
			if (player_current_frame(p) < (int64_t)i)
				poll(&pfd, 1, 100);
		}
	}
	REQUIRE(shim_client_roundtrip(client) == 0);
	server_stop(&s);
	uint32_t vw = (uint32_t)rect_width(want_video), vh = (uint32_t)rect_height(want_video);
	uint32_t *want = expected(&c, 3, 64, 48, vw, vh);
	check_front(
		shim_output_headless_get_front(shim_get_output(s.shim)), want_video, want, outside);
	free(want);
	player_destroy(p);
	y4m_reader_destroy(r);
	sink_client_destroy(sink);
	shim_client_destroy(client);
	server_finish(&s);
	clip_free(&c);
}

/* Fullscreen through the socket: the video above the console, black bars beside it. */
static void test_client_fullscreen_bars(void)
{
	const struct rect video = { 21, 0, 106, 64 };
	client_case(0, 0, &video, 0x000000);
}

/* A window: the video centred in it, the console visible around it. */
static void test_client_window(void)
{
	const struct rect video = { 24, 2, 104, 62 }; // 4:3 fills the 80x60 window at (24, 2)
	client_case(80, 60, &video, BACKGROUND);
}

/* ---- The program ------------------------------------------------------------------------ */

/* Runs hvplay with args; its exit status (or 128 + signal), stderr into err. */
static int run_hvplay(const char *const *args, char *err, size_t err_len)
{
	int pipefd[2];
	REQUIRE(pipe(pipefd) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		int null = open("/dev/null", O_RDWR);
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		const char *argv[24] = { HVPLAY_PATH };
		for (int i = 0; args[i] && i < 22; i++)
			argv[i + 1] = args[i];
		execv(HVPLAY_PATH, (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	size_t got = 0;
	ssize_t n;
	while ((n = read(pipefd[0], err + got, err_len - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = 0;
	close(pipefd[0]);
	int status;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_program_headless_screenshot(void)
{
	struct clip c;
	noise_clip(&c, 3);
	char png[96];
	snprintf(png, sizeof(png), "%s.png", c.path);
	const char *args[] = { "--fullscreen", "--output", "headless", "--size", "128x64",
		"--quiet", "--screenshot", png, c.path, NULL };
	char err[4096];
	int status = run_hvplay(args, err, sizeof(err));
	CHECK_MSG(status == 0, "status %d: %s", status, err);
	struct png_image_rgb img;
	REQUIRE(png_read_rgb(png, &img) == 0);
	CHECK(img.width == OUT_W && img.height == OUT_H);
	uint32_t *want = expected(&c, 2, 64, 48, 85, 64);
	long bad = 0;
	for (uint32_t y = 0; y < OUT_H; y++) {
		for (uint32_t x = 0; x < OUT_W; x++) {
			uint32_t w = x >= 21 && x < 106 ? want[y * 85 + x - 21] & 0xffffff : 0;
			bad += png_image_rgb_at(&img, x, y) != w;
		}
	}
	CHECK_EQ_INT(bad, 0);
	free(want);
	png_image_rgb_free(&img);
	unlink(png);
	clip_free(&c);
}

static void test_program_client_mode(void)
{
	struct clip c;
	noise_clip(&c, 3);
	struct server s;
	server_start(&s);
	char sock[128];
	snprintf(sock, sizeof(sock), "--client=%s", s.path);
	const char *args[] = { sock, "--quiet", "--bench", c.path, NULL };
	char err[4096];
	int status = run_hvplay(args, err, sizeof(err));
	CHECK_MSG(status == 0, "status %d: %s", status, err);
	server_stop(&s);
	CHECK_EQ_INT(shim_server_get_counter(s.server, "rx surface_commit") >= 3 + 2, 1);
	server_finish(&s);
	/* No shim there: client mode says so and fails. */
	const char *none[] = { "--client=/nonexistent/shim.sock", "--quiet", c.path, NULL };
	CHECK_EQ_INT(run_hvplay(none, err, sizeof(err)), 1);
	CHECK(strstr(err, "no shim") != NULL);
	clip_free(&c);
}

/* Bad files end with a message and status 1 (or play what is good), never with a signal. */
static void test_program_bad_files(void)
{
	static const struct {
		const char *content;
		int status;
		const char *needle;
	} t[] = {
		{ "YUV4MPEG2 W0 H8\n", 1, "width 0" },
		{ "YUV4MPEG2 W99999 H99999\n", 1, "width 99999" },
		{ "YUV4MPEG2 W16384 H16384 C444\n", 1, "limit" },
		{ "YUV4MPEG2 W8 H8 C420p10\n", 1, "8 bits" },
		{ "YUV4MPEG2 W8 H8 Fx\n", 1, "frame rate" },
		{ "GIF89a", 1, "not a YUV4MPEG2" },
		{ "", 1, "empty" },
		{ "YUV4MPEG2 W8 H8\nFRAME\nshort", 0, "truncated" },
		{ "YUV4MPEG2 W8 H8\nGARBAGE GARBAGE GARBAGE GARBAGE GARBAGE GARBAGE GARBAGE "
		  "GARBAGE "
		  "GARBAGE GARBAGE GARBAGE\n",
			1, "no FRAME marker" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct clip c = { .len = strlen(t[i].content) };
		c.data = malloc(c.len + 1);
		memcpy(c.data, t[i].content, c.len);
		clip_write(&c, SIZE_MAX);
		const char *args[] = { "--fullscreen", "--output", "headless", "--size", "32x32",
			"--quiet", c.path, NULL };
		char err[4096];
		int status = run_hvplay(args, err, sizeof(err));
		CHECK_MSG(status == t[i].status && strstr(err, t[i].needle),
			"case %zu: status %d, stderr: %s", i, status, err);
		clip_free(&c);
	}
}

static const struct test_case cases[] = {
	TEST_CASE(test_damage_is_the_video_rect),
	TEST_CASE(test_damage_is_the_changed_rows),
	TEST_CASE(test_client_fullscreen_bars),
	TEST_CASE(test_client_window),
	TEST_CASE(test_program_headless_screenshot),
	TEST_CASE(test_program_client_mode),
	TEST_CASE(test_program_bad_files),
};

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
