/*
 * hvplay: plays YUV4MPEG2 files on the display stack.
 *
 * Two ways to show the picture:
 *  - fullscreen: hvplay runs its own shim on an output (synthvid over the emulated or real
 *    Hyper-V host, kernel KMS, or headless memory) and reads keys from the synthetic keyboard
 *    (and from its terminal, if it has one);
 *  - client: started from a shell inside hvcon, it connects to hvcon's shim socket and shows
 *    the video above the console, reading keys from the terminal (the shim protocol has no
 *    input path: keys typed in hvcon go to the shell's tty).
 * By default it tries the shim socket first and falls back to fullscreen.
 *
 * --bench plays as fast as possible and prints the frame rate, milliseconds per frame (median
 * and p99), the bytes the commits asked to copy to VRAM and the number of commits (each is one
 * DIRT message on synthvid).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "text.h"

#define ARG_MAX_SIDE 16384 // --window and --size; the output refuses what it cannot show

static void on_signal(int sig)
{
	(void)sig;
	app_interrupt();
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hvplay [options] FILE.y4m\n"
		"Plays a YUV4MPEG2 file (4:2:0 any siting, 4:1:1, 4:2:2, 4:4:4, mono; 8-bit).\n"
		"  --mode fit|fill|1:1     picture placement (default fit: letterboxed)\n"
		"  --filter bilinear|nearest\n"
		"  --matrix bt601|bt709    (default: bt709 for HD, else bt601)\n"
		"  --range limited|full    (default: the header's XCOLORRANGE, else limited)\n"
		"  --fps N[:D]             override the header's frame rate\n"
		"  --loop                  start again at the end (also the l key)\n"
		"  --frames N              stop after showing N frames\n"
		"  --bench                 as fast as possible; print fps, ms/frame, VRAM bytes\n"
		"  --follow                the file is still being written: wait for more at the "
		"end\n"
		"  --client[=SOCKET]       show through a running shim (hvcon's) above the "
		"console\n"
		"  --window WxH            client mode: a centred window instead of fullscreen\n"
		"  --fullscreen            use an output of our own (don't look for a shim)\n"
		"  --output auto|svd|svd-uio|kms|headless   fullscreen output (default auto)\n"
		"  --size WxH              fullscreen mode to ask for (headless: its size)\n"
		"  --vmbus PATH            the emulated host's VMBus socket\n"
		"  --screenshot FILE.png   headless: write the last frame shown\n"
		"  -q, --quiet             no status line\n"
		"Keys: space pause, . step, left/right -/+5 s, down/up -/+60 s, l loop, q quit\n");
}

static bool parse_fps(const char *s, uint32_t *num, uint32_t *den)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10), d = 1;
	if (*end == ':')
		d = strtoul(end + 1, &end, 10);
	if (*end || n == 0 || d == 0 || n > 1000000 || d > 1000000 || n > 1000 * d)
		return false;
	*num = (uint32_t)n;
	*den = (uint32_t)d;
	return true;
}

static int parse_option(struct app_options *o, int c, const char *arg)
{
	switch (c) {
	case 'm':
		return layout_mode_from_str(arg, &o->play.mode) == 0 ? 0 : -1;
	case 'f':
		o->play.filter =
			strcmp(arg, "nearest") == 0 ? YUV_FILTER_NEAREST : YUV_FILTER_BILINEAR;
		return strcmp(arg, "nearest") == 0 || strcmp(arg, "bilinear") == 0 ? 0 : -1;
	case 'M':
		o->play.matrix = strcmp(arg, "bt709") == 0 ? YUV_MATRIX_BT709 : YUV_MATRIX_BT601;
		return strcmp(arg, "bt709") == 0 || strcmp(arg, "bt601") == 0 ? 0 : -1;
	case 'r':
		o->play.range = strcmp(arg, "full") == 0 ? YUV_RANGE_FULL : YUV_RANGE_LIMITED;
		return strcmp(arg, "full") == 0 || strcmp(arg, "limited") == 0 ? 0 : -1;
	case 'F':
		return parse_fps(arg, &o->play.fps_num, &o->play.fps_den) ? 0 : -1;
	case 'n':
		o->play.max_frames = strtoull(arg, NULL, 10);
		return o->play.max_frames ? 0 : -1;
	case 'c':
		o->ui = APP_UI_CLIENT;
		o->socket = arg;
		return 0;
	case 'w':
		return text_parse_size(arg, 1, ARG_MAX_SIDE, &o->window_w, &o->window_h) ? 0 : -1;
	case 's':
		return text_parse_size(arg, 1, ARG_MAX_SIDE, &o->output.width, &o->output.height)
			? 0
			: -1;
	case 'l':
		o->play.loop = true;
		return 0;
	case 'b':
		o->play.bench = true;
		return 0;
	case 'W':
		o->follow = true;
		return 0;
	case 'S':
		o->ui = APP_UI_FULLSCREEN;
		return 0;
	case 'o':
		o->output.backend = arg;
		return 0;
	case 'v':
		o->output.vmbus = arg;
		return 0;
	case 'P':
		o->screenshot = arg;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	}
	return -1;
}

static int parse_args(struct app_options *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "filter", required_argument, NULL, 'f' },
		{ "matrix", required_argument, NULL, 'M' },
		{ "range", required_argument, NULL, 'r' },
		{ "fps", required_argument, NULL, 'F' },
		{ "loop", no_argument, NULL, 'l' },
		{ "frames", required_argument, NULL, 'n' },
		{ "bench", no_argument, NULL, 'b' },
		{ "follow", no_argument, NULL, 'W' },
		{ "client", optional_argument, NULL, 'c' },
		{ "window", required_argument, NULL, 'w' },
		{ "fullscreen", no_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 's' },
		{ "vmbus", required_argument, NULL, 'v' },
		{ "screenshot", required_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	*o = (struct app_options){ .play = { .mode = LAYOUT_FIT,
					   .filter = YUV_FILTER_BILINEAR,
					   .matrix = -1,
					   .range = -1 } };
	int c;
	while ((c = getopt_long(argc, argv, "qh", longs, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?' || parse_option(o, c, optarg) < 0) {
			if (c != '?')
				fprintf(stderr, "hvplay: bad value '%s'\n", optarg ? optarg : "");
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return -1;
	}
	o->path = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	struct app_options o;
	if (parse_args(&o, argc, argv) < 0)
		return 2;
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return app_run(&o) < 0 ? 1 : 0;
}
