/*
 * hvcon on a display: wiring and the loop; see fbc_display.h.
 *
 * One poll() per round over: the shim's output fd, the shim socket, the pty and the child's
 * pidfd, the input devices and a signalfd. Each round handles input first (so a keystroke's
 * echo is read in the same round when it is already there), then reads the pty up to the
 * console's budget, then draws if no frame is in flight, then lets the shim repaint. The timeout
 * is the nearest of the shim's next frame, the cursor blink and key repeat.
 */
#define LOG_MODULE "hvcon"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "fbc_display.h"
#include "fbc_input.h"
#include "fbc_input_hvi.h"
#include "fbc_input_libinput.h"
#include "fbc_output.h"
#include "fbc_term.h"
#include "log.h"
#include "loop.h"
#include "shim.h"

#define RETRY_MS 250
#define INPUT_TIMEOUT_MS 5000
#define FLUSH_MS 500

struct display {
	const struct fbc_display_options *o;
	struct shim *shim;
	struct fbc_output *output;
	struct shim_server *server;
	struct fbc_console *console;
	struct fbc_input *input;
	struct fbc_input_hvi *hvi;
	struct fbc_input_libinput *libinput;
	int signal_fd;

	bool pty_hung_up;
	bool quit;
	int result; // fbc_display_run()'s return once quit
	int64_t child_start_ms, child_ms;
	uint64_t child_bytes_start, child_bytes;
};

enum {
	P_SIGNAL,
	P_SHIM,
	P_SERVER,
	P_PTY,
	P_CHILD,
	P_LIBINPUT,
	P_HVI, // FBC_INPUT_HVI_MAX_FDS of them
	P_COUNT = P_HVI + FBC_INPUT_HVI_MAX_FDS,
};

/* ---- set-up ---- */

static int open_signals(struct display *d)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	d->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	/* A peer that closes its socket must not kill the console. */
	signal(SIGPIPE, SIG_IGN);
	return d->signal_fd < 0 ? -errno : 0;
}

/* Waits RETRY_MS for a stopping signal; true when one came. */
static bool signalled_during_pause(struct display *d)
{
	struct pollfd p = { .fd = d->signal_fd, .events = POLLIN };
	return poll(&p, 1, RETRY_MS) > 0;
}

static bool host_missing(int err)
{
	return err == -ENOENT || err == -ECONNREFUSED || err == -EBUSY || err == -ENOTCONN ||
		err == -ETIMEDOUT;
}

static int open_output(struct display *d, struct shim_output **out)
{
	const struct fbc_display_options *o = d->o;
	const char *backend = o->output ? o->output : "auto";
	const struct shim_auto_options ao = { .backend = backend,
		.width = o->width,
		.height = o->height,
		.vmbus = o->vmbus,
		.device = o->device };
	bool waits = o->wait_host && (strcmp(backend, "auto") == 0 || strcmp(backend, "svd") == 0);
	enum log_level level = log_get_level();
	int err;
	for (bool again = false;; again = true) {
		err = shim_output_create_auto(out, &ao);
		if (!waits || !host_missing(err))
			break;
		if (!again) {
			log_info("waiting for the host (%s)", strerror(-err));
			/* Said once: the transport need not say it four times a second. */
			if (level > LOG_WARN)
				log_set_level(LOG_WARN);
		}
		if (signalled_during_pause(d)) {
			err = -EINTR;
			break;
		}
	}
	log_set_level(level);
	if (err)
		log_error("no %s output: %s", backend, strerror(-err));
	return err;
}

static int open_shim(struct display *d)
{
	struct shim_output *out;
	int err = open_output(d, &out);
	if (err)
		return err;
	err = shim_create(&d->shim, out, NULL);
	if (err) {
		shim_output_destroy(out);
		return err;
	}
	uint32_t w, h;
	shim_get_size(d->shim, &w, &h);
	log_info("%s output, %ux%u", shim_output_get_name(out), w, h);
	return fbc_output_create(&d->output, d->shim);
}

/* The socket is a convenience: without it the console still works. */
static void open_server(struct display *d)
{
	if (d->o->shim_socket && strcmp(d->o->shim_socket, "none") == 0)
		return;
	int err = shim_server_create(&d->server, d->shim, d->o->shim_socket);
	if (err) {
		log_warn("no shim socket (%s): other programs cannot show windows", strerror(-err));
		unsetenv("HVDISPLAY_SHIM");
		return;
	}
	const char *path = shim_server_get_path(d->server);
	setenv("HVDISPLAY_SHIM", path, 1);
	log_info("shim socket: %s", path);
}

/* ---- input ---- */

static void sink_key(void *data, const struct fbc_key_action *a, int64_t now_ms)
{
	fbc_console_key(data, a, now_ms);
}

static void sink_motion(void *data, int x, int y)
{
	fbc_console_pointer_motion(data, x, y);
}

static void sink_button(void *data, int button, bool pressed)
{
	fbc_console_pointer_button(data, button, pressed);
}

static void sink_axis(void *data, int steps)
{
	fbc_console_pointer_axis(data, steps);
}

static void on_resize(void *data, int width, int height)
{
	struct display *d = data;
	if (d->input)
		fbc_input_set_screen(d->input, width, height);
	if (d->hvi)
		fbc_input_hvi_set_screen(d->hvi, (uint32_t)width, (uint32_t)height);
}

static void open_backend(struct display *d, const char *which)
{
	struct vmb_bus *bus = shim_output_svd_get_bus(shim_get_output(d->shim));
	bool is_kms = strcmp(shim_output_get_name(shim_get_output(d->shim)), "kms") == 0;
	bool want_hvi = strcmp(which, "hvi") == 0 || (strcmp(which, "auto") == 0 && bus);
	bool want_li = strcmp(which, "libinput") == 0 || (strcmp(which, "auto") == 0 && is_kms);
	int err = 0;
	if (want_hvi && !bus) {
		log_error("--input hvi needs the synthvid output (its VMBus carries the input)");
	} else if (want_hvi) {
		err = fbc_input_hvi_create(&d->hvi, bus, d->input, INPUT_TIMEOUT_MS);
		if (err)
			log_warn("no synthetic keyboard or mouse: %s", strerror(-err));
	}
	if (want_li) {
		const struct fbc_input_libinput_config lc = { .seat = d->o->seat };
		err = fbc_input_libinput_create(&d->libinput, d->input, &lc);
		if (err)
			log_warn("no libinput devices: %s", strerror(-err));
	}
}

static int open_input(struct display *d)
{
	const char *which = d->o->input ? d->o->input : "auto";
	if (strcmp(which, "none") == 0)
		return 0;
	const struct fbc_input_sink sink = { .key = sink_key,
		.pointer_motion = sink_motion,
		.pointer_button = sink_button,
		.pointer_axis = sink_axis,
		.data = d->console };
	int err = fbc_input_create(&d->input, &d->o->keymap, &sink);
	if (err) {
		log_error("keyboard layout: %s", strerror(-err));
		return err;
	}
	open_backend(d, which);
	int w, h;
	fbc_output_get_size(d->output, &w, &h);
	on_resize(d, w, h);
	return 0;
}

/* ---- the child ---- */

static uint64_t parsed_bytes(struct display *d)
{
	struct fbc_term_stats st;
	fbc_term_get_stats(fbc_console_term(d->console), &st);
	return st.bytes;
}

static int spawn_child(struct display *d)
{
	int err = fbc_console_spawn(d->console, d->o->argv, d->o->term);
	if (err) {
		log_error("cannot start the child: %s", strerror(-err));
		return err;
	}
	d->pty_hung_up = false;
	d->child_start_ms = loop_now_ms();
	d->child_bytes_start = parsed_bytes(d);
	return 0;
}

static void child_exited(struct display *d, int status)
{
	d->child_ms = loop_now_ms() - d->child_start_ms;
	d->child_bytes = parsed_bytes(d) - d->child_bytes_start;
	if (d->o->restart) {
		log_info("the shell exited (status %d): starting it again", status);
		if (spawn_child(d) == 0)
			return;
		status = -ECHILD;
	} else {
		log_info("the child exited (status %d)", status);
	}
	d->quit = true;
	d->result = status;
}

static void check_child(struct display *d)
{
	int status;
	if (fbc_console_child_exited(d->console, &status) == 1)
		child_exited(d, status);
}

static void read_pty(struct display *d, short revents)
{
	if (revents & POLLOUT)
		fbc_console_flush_pty(d->console);
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		if (fbc_console_read_pty(d->console) == FBC_CONSOLE_IO_HANGUP)
			d->pty_hung_up = true;
	}
}

/* ---- the loop ---- */

static int round_timeout(struct display *d, int64_t now)
{
	int t = loop_timeout_min(
		shim_get_timeout_ms(d->shim), fbc_output_next_timeout(d->output, now));
	if (d->input)
		t = loop_timeout_min(t, fbc_input_next_timeout(d->input, now));
	/* Without a pidfd a hung-up pty is the only sign of the exit: look again soon. */
	if (d->pty_hung_up && fbc_console_child_fd(d->console) < 0)
		t = loop_timeout_min(t, 10);
	return t;
}

static void fill_fds(struct display *d, struct pollfd *p)
{
	for (int i = 0; i < P_COUNT; i++)
		p[i] = (struct pollfd){ .fd = -1, .events = POLLIN };
	p[P_SIGNAL].fd = d->signal_fd;
	p[P_SHIM].fd = shim_get_fd(d->shim);
	p[P_SERVER].fd = d->server ? shim_server_get_fd(d->server) : -1;
	p[P_PTY].fd = d->pty_hung_up ? -1 : fbc_console_pty_fd(d->console);
	if (fbc_console_wants_write(d->console))
		p[P_PTY].events |= POLLOUT;
	p[P_CHILD].fd = fbc_console_child_fd(d->console);
	p[P_LIBINPUT].fd = d->libinput ? fbc_input_libinput_get_fd(d->libinput) : -1;
	int fds[FBC_INPUT_HVI_MAX_FDS];
	size_t n = d->hvi ? fbc_input_hvi_get_fds(d->hvi, fds) : 0;
	for (size_t i = 0; i < n; i++)
		p[P_HVI + i].fd = fds[i];
}

static void handle_input(struct display *d, const struct pollfd *p, int64_t now)
{
	bool hvi_ready = false;
	for (int i = 0; i < FBC_INPUT_HVI_MAX_FDS; i++)
		hvi_ready |= p[P_HVI + i].revents != 0;
	if (hvi_ready && fbc_input_hvi_dispatch(d->hvi, now) == 0) {
		fbc_input_hvi_destroy(d->hvi);
		d->hvi = NULL;
	}
	if (p[P_LIBINPUT].revents)
		fbc_input_libinput_dispatch(d->libinput, now);
	if (d->input)
		fbc_input_dispatch_timers(d->input, now);
}

static int round_trip(struct display *d)
{
	struct pollfd p[P_COUNT];
	fill_fds(d, p);
	if (poll(p, P_COUNT, round_timeout(d, loop_now_ms())) < 0 && errno != EINTR)
		return -errno;
	int64_t now = loop_now_ms();
	if (p[P_SIGNAL].revents) {
		struct signalfd_siginfo si;
		if (read(d->signal_fd, &si, sizeof(si)) == sizeof(si))
			log_info("stopping on signal %u", si.ssi_signo);
		d->quit = true;
		d->result = 0;
		return 0;
	}
	handle_input(d, p, now);
	read_pty(d, p[P_PTY].revents);
	if (p[P_CHILD].revents || d->pty_hung_up)
		check_child(d);
	if (p[P_SERVER].revents)
		shim_server_dispatch(d->server);
	int err = fbc_output_update(d->output, loop_now_ms());
	if (err < 0)
		log_warn("drawing: %s", strerror(-err));
	err = shim_dispatch(d->shim);
	return err == -ENODEV ? err : 0;
}

static void print_stats(struct display *d)
{
	struct fbc_output_stats os;
	fbc_output_get_stats(d->output, &os);
	struct shim_stats ss;
	shim_get_stats(d->shim, &ss);
	fprintf(stderr,
		"hvcon: stats: child_bytes %" PRIu64 " child_ms %" PRId64 " renders %" PRIu64
		" cells %" PRIu64 " commits %" PRIu64 " frames %" PRIu64 " resizes %" PRIu64 "\n",
		d->child_bytes, d->child_ms, os.renders, os.cells, os.commits, ss.frames,
		os.resizes);
}

/* What the child wrote last reaches the screen before we go: the frame in flight, then one
 * more with the rest. Bounded: a host that stopped answering does not hold the exit up. */
static void flush_screen(struct display *d)
{
	int64_t end = loop_now_ms() + FLUSH_MS;
	for (int64_t now = loop_now_ms(); now < end; now = loop_now_ms()) {
		if (fbc_output_update(d->output, now) < 0)
			return;
		int t = shim_get_timeout_ms(d->shim);
		if (t < 0 && !fbc_output_frame_pending(d->output))
			return;
		struct pollfd p = { .fd = shim_get_fd(d->shim), .events = POLLIN };
		if (poll(&p, p.fd >= 0 ? 1 : 0, loop_timeout_min(t, end - now)) < 0 &&
			errno != EINTR)
			return;
		if (shim_dispatch(d->shim) == -ENODEV)
			return;
	}
}

static int run(struct display *d)
{
	int err = 0;
	while (!err && !d->quit)
		err = round_trip(d);
	if (err == -ENODEV)
		log_error("the output went away");
	else if (err)
		log_error("poll: %s", strerror(-err));
	if (!err)
		flush_screen(d);
	if (d->o->print_stats)
		print_stats(d);
	return err ? err : d->result;
}

static int open_console(struct display *d)
{
	struct fbc_surface surface;
	fbc_output_get_surface(d->output, &surface);
	int err = fbc_console_create(&d->console, &d->o->console, &surface);
	if (err) {
		log_error("cannot set up the console: %s", strerror(-err));
		return err;
	}
	fbc_output_set_console(d->output, d->console);
	fbc_output_set_resize_callback(d->output, on_resize, d);
	return 0;
}

static void close_all(struct display *d)
{
	fbc_input_hvi_destroy(d->hvi);
	fbc_input_libinput_destroy(d->libinput);
	fbc_input_destroy(d->input);
	shim_server_destroy(d->server);
	fbc_console_destroy(d->console);
	fbc_output_destroy(d->output);
	shim_destroy(d->shim);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
}

int fbc_display_run(const struct fbc_display_options *o)
{
	struct display d = { .o = o, .signal_fd = -1 };
	int err = open_signals(&d);
	if (!err)
		err = open_shim(&d);
	if (!err)
		err = open_console(&d);
	if (!err) {
		open_server(&d); /* first: the child learns its path */
		err = spawn_child(&d);
	}
	/* After the child: a key typed as soon as the keyboard is up must reach it. */
	if (!err)
		err = open_input(&d);
	if (!err)
		err = run(&d);
	close_all(&d);
	return err == -EINTR ? 0 : err; /* a signal while waiting for the host */
}
