/*
 * hvcon: the console program. Options, wiring, the loop.
 *
 * Two ways to run: on a display (fbc_display.h: the shim's synthvid, KMS or memory output, with
 * keyboard and mouse from input_hv or libinput), or --headless: run a command on a pty, parse
 * everything it writes until it exits, and write a PNG of the final screen.
 */
#define LOG_MODULE "hvcon"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fbc_console.h"
#include "fbc_display.h"
#include "fbc_png.h"
#include "fbc_pty.h"
#include "fbc_term.h"
#include "log.h"
#include "loop.h"
#include "text.h"

#define MAX_FALLBACKS 8

struct options {
	bool headless;
	const char *png;
	bool png_by_output; // --output FILE: only with --headless
	struct fbc_display_options display;
	bool no_blink;
	int width, height;
	const char *font;
	const char *fallbacks[MAX_FALLBACKS];
	size_t n_fallbacks;
	int font_size;
	long scrollback;
	const char *term;
	bool restart;
	struct fbc_keymap_config xkb; // for the display outputs; headless has no keyboard
	char **argv;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hvcon [options] [--] [command [args...]]\n"
		"Runs the user's shell (or command) on a terminal.\n\n"
		"  --output NAME        auto (default: synthvid when a host answers, else KMS),\n"
		"                       svd, svd-uio, kms, or headless (same as --headless);\n"
		"                       with --headless, a file name is the PNG (--screenshot)\n"
		"  --vmbus PATH         the emulated host's VMBus socket (default "
		"$HVDISPLAY_VMBUS)\n"
		"  --device PATH        KMS device (default: the first usable /dev/dri/card*)\n"
		"  --mode WxH           screen mode (default: the output's preferred one)\n"
		"  --input NAME         auto (synthetic devices on svd, libinput on kms), hvi,\n"
		"                       libinput or none\n"
		"  --seat NAME          libinput's udev seat (default seat0)\n"
		"  --shim-socket PATH   where other programs show windows (default\n"
		"                       $XDG_RUNTIME_DIR/hvdisplay/shim.sock); none: no socket\n"
		"  --no-wait            fail at once when no host answers (default: wait for one)\n"
		"  --no-blink           steady cursor\n"
		"  --repeat-delay MS, --repeat-interval MS   key repeat (default %d, %d; -1: "
		"none)\n"
		"  --stats              print counters on stderr at the end\n"
		"  --headless           no display: run the command to its end, write a PNG\n"
		"  --screenshot FILE    PNG of the final screen (headless; default hvcon.png)\n"
		"  --size WxH           screen size in pixels (headless; default 1024x768)\n"
		"  --font PATH          monospace TTF/OTF (default DejaVu Sans Mono)\n"
		"  --font-size PX       pixel size (default: from the screen size)\n"
		"  --font-fallback PATH font for characters the main one lacks (repeatable)\n"
		"  --scrollback LINES   history length (default %d)\n"
		"  --term NAME          TERM for the child (default xterm-256color)\n"
		"  --restart            start the shell again when it exits\n"
		"  --xkb-layout L, --xkb-variant V, --xkb-options O, --xkb-model M\n"
		"                       keyboard (default: $XKB_DEFAULT_*, else us)\n"
		"  -e, --               the command and its arguments follow\n"
		"  --help\n",
		FBC_KEYMAP_DEFAULT_DELAY_MS, FBC_KEYMAP_DEFAULT_INTERVAL_MS,
		FBC_TERM_DEFAULT_SCROLLBACK);
}

enum {
	OPT_HEADLESS = 256,
	OPT_OUTPUT,
	OPT_SIZE,
	OPT_FONT,
	OPT_FONT_SIZE,
	OPT_FONT_FALLBACK,
	OPT_SCROLLBACK,
	OPT_TERM,
	OPT_RESTART,
	OPT_XKB_LAYOUT,
	OPT_XKB_VARIANT,
	OPT_XKB_OPTIONS,
	OPT_XKB_MODEL,
	OPT_HELP,
	OPT_SCREENSHOT,
	OPT_VMBUS,
	OPT_DEVICE,
	OPT_MODE,
	OPT_INPUT,
	OPT_SEAT,
	OPT_SHIM_SOCKET,
	OPT_NO_WAIT,
	OPT_NO_BLINK,
	OPT_REPEAT_DELAY,
	OPT_REPEAT_INTERVAL,
	OPT_STATS,
};

static const struct option long_options[] = {
	{ "headless", no_argument, NULL, OPT_HEADLESS },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "font", required_argument, NULL, OPT_FONT },
	{ "font-size", required_argument, NULL, OPT_FONT_SIZE },
	{ "font-fallback", required_argument, NULL, OPT_FONT_FALLBACK },
	{ "scrollback", required_argument, NULL, OPT_SCROLLBACK },
	{ "term", required_argument, NULL, OPT_TERM },
	{ "restart", no_argument, NULL, OPT_RESTART },
	{ "xkb-layout", required_argument, NULL, OPT_XKB_LAYOUT },
	{ "xkb-variant", required_argument, NULL, OPT_XKB_VARIANT },
	{ "xkb-options", required_argument, NULL, OPT_XKB_OPTIONS },
	{ "xkb-model", required_argument, NULL, OPT_XKB_MODEL },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "screenshot", required_argument, NULL, OPT_SCREENSHOT },
	{ "vmbus", required_argument, NULL, OPT_VMBUS },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "input", required_argument, NULL, OPT_INPUT },
	{ "seat", required_argument, NULL, OPT_SEAT },
	{ "shim-socket", required_argument, NULL, OPT_SHIM_SOCKET },
	{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
	{ "no-blink", no_argument, NULL, OPT_NO_BLINK },
	{ "repeat-delay", required_argument, NULL, OPT_REPEAT_DELAY },
	{ "repeat-interval", required_argument, NULL, OPT_REPEAT_INTERVAL },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ 0 },
};

static bool parse_number(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool is_one_of(const char *s, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(s, *names) == 0)
			return true;
	return false;
}

/* The display's options (fbc_display.h). */
static bool parse_display_option(struct options *o, int opt, const char *arg)
{
	struct fbc_display_options *d = &o->display;
	long v;
	switch (opt) {
	case OPT_SCREENSHOT:
		o->png = arg;
		return true;
	case OPT_VMBUS:
		d->vmbus = arg;
		return true;
	case OPT_DEVICE:
		d->device = arg;
		return true;
	case OPT_MODE:
		if (!text_parse_size(arg, 8, 8192, &d->width, &d->height))
			return false;
		o->width = (int)d->width; /* --headless draws at this size too */
		o->height = (int)d->height;
		return true;
	case OPT_INPUT:
		d->input = arg;
		return is_one_of(
			arg, (const char *const[]){ "auto", "hvi", "libinput", "none", NULL });
	case OPT_SEAT:
		d->seat = arg;
		return true;
	case OPT_SHIM_SOCKET:
		d->shim_socket = arg;
		return true;
	case OPT_NO_WAIT:
		d->wait_host = false;
		return true;
	case OPT_NO_BLINK:
		o->no_blink = true;
		return true;
	case OPT_REPEAT_DELAY:
	case OPT_REPEAT_INTERVAL:
		if (!parse_number(arg, opt == OPT_REPEAT_DELAY ? -1 : 1, 10000, &v))
			return false;
		*(opt == OPT_REPEAT_DELAY ? &o->xkb.repeat_delay_ms : &o->xkb.repeat_interval_ms) =
			(int)v;
		return true;
	case OPT_STATS:
		d->print_stats = true;
		return true;
	default:
		return false;
	}
}

static bool parse_option(struct options *o, int opt, const char *arg)
{
	long v;
	switch (opt) {
	case OPT_HEADLESS:
		o->headless = true;
		return true;
	case OPT_OUTPUT:
		if (!is_one_of(arg,
			    (const char *const[]){
				    "auto", "svd", "svd-uio", "kms", "headless", NULL })) {
			/* The first hvcon's --headless --output FILE: still the PNG. */
			o->png = arg;
			o->png_by_output = true;
			return true;
		}
		o->headless |= strcmp(arg, "headless") == 0;
		o->display.output = arg;
		return true;
	case OPT_SIZE: {
		uint32_t w, h;
		if (!text_parse_size(arg, 8, 16384, &w, &h))
			return false;
		o->width = (int)w;
		o->height = (int)h;
		return true;
	}
	case OPT_FONT:
		o->font = arg;
		return true;
	case OPT_FONT_SIZE:
		if (!parse_number(arg, 6, 200, &v))
			return false;
		o->font_size = (int)v;
		return true;
	case OPT_FONT_FALLBACK:
		if (o->n_fallbacks == MAX_FALLBACKS)
			return false;
		o->fallbacks[o->n_fallbacks++] = arg;
		return true;
	case OPT_SCROLLBACK:
		return parse_number(arg, 1, 1000000, &o->scrollback);
	case OPT_TERM:
		o->term = arg;
		return true;
	case OPT_RESTART:
		o->restart = true;
		return true;
	case OPT_XKB_LAYOUT:
		o->xkb.layout = arg;
		return true;
	case OPT_XKB_VARIANT:
		o->xkb.variant = arg;
		return true;
	case OPT_XKB_OPTIONS:
		o->xkb.options = arg;
		return true;
	case OPT_XKB_MODEL:
		o->xkb.model = arg;
		return true;
	default:
		return parse_display_option(o, opt, arg);
	}
}

/* 0 to run, 1 to exit successfully (--help), 2 on a usage error. */
static int parse_args(struct options *o, int argc, char **argv)
{
	*o = (struct options){ .png = "hvcon.png", .width = 1024, .height = 768 };
	o->display.wait_host = true;
	int opt;
	while ((opt = getopt_long(argc, argv, "+e", long_options, NULL)) != -1) {
		if (opt == 'e')
			break; /* xterm's -e: the command follows */
		if (opt == OPT_HELP) {
			usage(stdout);
			return 1;
		}
		if (!parse_option(o, opt, optarg)) {
			fprintf(stderr, "hvcon: bad option or value (see --help)\n");
			return 2;
		}
	}
	if (o->png_by_output && !o->headless) {
		fprintf(stderr, "hvcon: no output \"%s\" (auto, svd, svd-uio, kms, headless)\n",
			o->png);
		return 2;
	}
	o->argv = optind < argc ? &argv[optind] : NULL;
	return 0;
}

/* TERM: what was asked for, else the best entry this system has. */
static const char *pick_term(const char *wanted)
{
	if (wanted)
		return wanted;
	static const char *const candidates[] = { "xterm-256color", "xterm", "vt220" };
	for (size_t i = 0; i < sizeof(candidates) / sizeof(*candidates); i++)
		if (fbc_terminfo_exists(candidates[i]))
			return candidates[i];
	log_warn("no terminfo entry for xterm-256color, xterm or vt220: using xterm-256color");
	return candidates[0];
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

static int run_headless(const struct options *o)
{
	pixman_image_t *image =
		pixman_image_create_bits(PIXMAN_x8r8g8b8, o->width, o->height, NULL, 0);
	if (!image)
		return 1;
	struct fbc_console_config cfg = {
		.font_path = o->font,
		.fallbacks = o->n_fallbacks ? o->fallbacks : NULL,
		.n_fallbacks = o->n_fallbacks,
		.font_size = o->font_size,
		.scrollback_lines = (size_t)o->scrollback,
	};
	struct fbc_surface surface = { .image = image };
	struct fbc_console *con;
	int err = fbc_console_create(&con, &cfg, &surface);
	if (err) {
		fprintf(stderr, "hvcon: cannot set up the console: %s\n", strerror(-err));
		pixman_image_unref(image);
		return 1;
	}
	int code = 1;
	err = fbc_console_spawn(con, o->argv, pick_term(o->term));
	int status = err ? err : fbc_console_run_to_exit(con);
	if (status < 0) {
		fprintf(stderr, "hvcon: %s\n", strerror(-status));
		goto out;
	}
	fbc_console_render(con, loop_now_ms());
	err = fbc_png_write(o->png, image);
	if (err)
		fprintf(stderr, "hvcon: cannot write %s: %s\n", o->png, strerror(-err));
	code = err ? 1 : exit_code_of(status);
out:
	fbc_console_destroy(con);
	pixman_image_unref(image);
	return code;
}

static int run_display(struct options *o)
{
	struct fbc_display_options *d = &o->display;
	d->console = (struct fbc_console_config){
		.font_path = o->font,
		.fallbacks = o->n_fallbacks ? o->fallbacks : NULL,
		.n_fallbacks = o->n_fallbacks,
		.font_size = o->font_size,
		.scrollback_lines = (size_t)o->scrollback,
		.blink_ms = o->no_blink ? -1 : 0,
	};
	d->keymap = o->xkb;
	d->restart = o->restart;
	d->argv = o->argv;
	d->term = pick_term(o->term);
	int status = fbc_display_run(d);
	if (status < 0) {
		fprintf(stderr, "hvcon: %s\n", strerror(-status));
		return 1;
	}
	return exit_code_of(status);
}

int main(int argc, char **argv)
{
	struct options o;
	int r = parse_args(&o, argc, argv);
	if (r)
		return r == 1 ? 0 : 2;
	if (o.headless && o.restart)
		fprintf(stderr,
			"hvcon: --restart does nothing with --headless (it would never end)\n");
	if (o.headless)
		return run_headless(&o);
	return run_display(&o);
}
