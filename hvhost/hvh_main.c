/*
 * hvhost: the emulated Hyper-V host (vmbus-emu.md). Options, wiring, signals, the loop.
 *
 * Start-up order matters to whoever drives hvhost: the VMBus and monitor sockets listen and
 * every device is registered before "hvhost: ready" goes to stdout, so a test that reads that
 * line can connect at once without retrying. Everything else is logged to stderr.
 */
#define LOG_MODULE "hvhost"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "hvh_builtin.h"
#include "hvh_bus.h"
#include "hvh_device.h"
#include "hvh_echo.h"
#include "hvh_keyboard.h"
#include "hvh_monitor.h"
#include "hvh_mouse.h"
#include "hvh_trace.h"
#include "hvh_video.h"
#if HVH_ENABLE_VNC
#include "hvh_vnc.h"
#endif
#include "log.h"

#define MIB (1024 * 1024ull)

/*
 * The device models of vmbus-emu.md §5, in offer order. A model not written yet has no
 * constructor: its device is not offered and its monitor commands say so.
 */
static const struct device_model {
	const char *name;
	hvh_device_create_fn create;
} device_models[] = {
	{ "video", hvh_video_create },
	{ "keyboard", hvh_keyboard_create },
	{ "mouse", hvh_mouse_create },
};

struct options {
	struct hvh_config config;
	bool disabled[ARRAY_LEN(device_models)];
	bool echo; // the loopback test device (hvh_echo.h)
	struct vnc_options {
		const char *listen; // --vnc; NULL: no VNC server
		const char *password_file;
		unsigned max_clients;
		bool idle_dirt_off;
	} vnc;
};

struct app {
	struct loop *loop;
	int signal_fd;
	struct hvh_trace *trace;
	struct hvh_bus *bus;
	struct hvh_monitor *monitor;
	struct hvh_builtin *builtin;
#if HVH_ENABLE_VNC
	struct hvh_vnc *vnc;
#endif
	char monitor_path[PATH_MAX];
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hvhost [OPTION]...\n"
		"The emulated Hyper-V host: offers synthetic devices to a guest over the\n"
		"emulated VMBus, and a JSON monitor socket to drive and observe it.\n"
		"\n"
		"  --vmbus PATH        VMBus socket (default: $HVDISPLAY_VMBUS,\n"
		"                      $XDG_RUNTIME_DIR/hvdisplay/vmbus.sock,\n"
		"                      /tmp/hvdisplay-<uid>/vmbus.sock)\n"
		"  --monitor PATH      monitor socket (default: $HVDISPLAY_MONITOR, else\n"
		"                      monitor.sock beside the VMBus socket)\n"
		"  --trace FILE        write a pcap of every VMBus packet to FILE\n"
		"  --versions LIST     VMBus versions accepted, e.g. 5.0,4.0 (default:\n"
		"                      5.0,4.0,3.0,2.4)\n"
		"  --mmio-base ADDR    guest-physical base of the MMIO window (default\n"
		"                      0xF8000000; 2 MiB aligned; K, M, G suffixes)\n"
		"  --mmio-size SIZE    size of the MMIO window (default 128M; multiple of 2M)\n"
		"  --video-versions LIST  synthvid versions accepted, e.g. 3.2 (a 3.2-only\n"
		"                      host), or none (default: 3.5,3.2,3.0)\n"
		"  --modes LIST        resolutions offered, e.g. 1024x768,1920x1080 (1 to 64)\n"
		"  --default-mode WxH  the preferred one of them (default: the first)\n"
		"  --edid-name NAME    monitor name in the EDID (default: hvhost)\n"
		"  --refresh MODE      dirt: the picture changes only where the guest sends\n"
		"                      DIRT (default); poll[:MS]: copy all VRAM every MS ms\n"
		"  --show-damage       outline every DIRT rectangle for a moment\n"
		"  --vid-size-with-header  send synthvid vid.size as Linux does (8 + payload)\n"
		"  --no-video, --no-keyboard, --no-mouse\n"
		"                      do not offer that device\n"
		"  --echo-device       also offer a loopback device, for tests and benchmarks\n"
		"  --vnc [ADDR:]PORT   serve the screen over VNC (ADDR default 127.0.0.1;\n"
		"                      [V6ADDR]:PORT for IPv6; PORT 0 picks one)\n"
		"  --vnc-password FILE VNC authentication with the file's first line (1 to 8\n"
		"                      characters); required for a non-loopback ADDR\n"
		"  --vnc-max-clients N at most N VNC clients at once (default 8, at most 64)\n"
		"  --vnc-idle-dirt MODE  keep (default): the guest keeps sending DIRT with no\n"
		"                      viewer; stop: it is told DIRT is not needed then\n"
		"  --log-level LEVEL   error, warn, info (default) or debug\n"
		"  --help              this text\n");
}

/* ---- option parsing ---- */

static int parse_versions(const char *list, struct hvh_config *config)
{
	config->n_versions = 0;
	const char *p = list;
	for (;;) {
		unsigned major, minor;
		int used = 0;
		if (sscanf(p, "%5u.%5u%n", &major, &minor, &used) != 2 || used == 0 ||
			major > 0xffff || minor > 0xffff)
			return -EINVAL;
		if (config->n_versions == ARRAY_LEN(config->versions))
			return -E2BIG;
		config->versions[config->n_versions++] = major << 16 | minor;
		p += used;
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			return -EINVAL;
	}
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || s[0] == '-')
		return -EINVAL;
	unsigned shift = 0;
	switch (*end) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (shift && *++end != '\0')
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_log_level(const char *s)
{
	for (int l = LOG_ERROR; l <= LOG_DEBUG; l++) {
		if (strcmp(s, log_level_to_str((enum log_level)l)) == 0)
			return l;
	}
	return -EINVAL;
}

enum {
	OPT_VMBUS = 256,
	OPT_MONITOR,
	OPT_TRACE,
	OPT_VERSIONS,
	OPT_MMIO_BASE,
	OPT_MMIO_SIZE,
	OPT_LOG_LEVEL,
	OPT_ECHO_DEVICE,
	OPT_VIDEO_VERSIONS,
	OPT_MODES,
	OPT_DEFAULT_MODE,
	OPT_EDID_NAME,
	OPT_REFRESH,
	OPT_SHOW_DAMAGE,
	OPT_VID_SIZE_WITH_HEADER,
	OPT_VNC,
	OPT_VNC_PASSWORD,
	OPT_VNC_MAX_CLIENTS,
	OPT_VNC_IDLE_DIRT,
	OPT_NO_DEVICE, // + index into device_models
};

static const struct option long_options[] = {
	{ "vmbus", required_argument, NULL, OPT_VMBUS },
	{ "monitor", required_argument, NULL, OPT_MONITOR },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "versions", required_argument, NULL, OPT_VERSIONS },
	{ "mmio-base", required_argument, NULL, OPT_MMIO_BASE },
	{ "mmio-size", required_argument, NULL, OPT_MMIO_SIZE },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "echo-device", no_argument, NULL, OPT_ECHO_DEVICE },
	{ "video-versions", required_argument, NULL, OPT_VIDEO_VERSIONS },
	{ "modes", required_argument, NULL, OPT_MODES },
	{ "default-mode", required_argument, NULL, OPT_DEFAULT_MODE },
	{ "edid-name", required_argument, NULL, OPT_EDID_NAME },
	{ "refresh", required_argument, NULL, OPT_REFRESH },
	{ "show-damage", no_argument, NULL, OPT_SHOW_DAMAGE },
	{ "vid-size-with-header", no_argument, NULL, OPT_VID_SIZE_WITH_HEADER },
	{ "vnc", required_argument, NULL, OPT_VNC },
	{ "vnc-password", required_argument, NULL, OPT_VNC_PASSWORD },
	{ "vnc-max-clients", required_argument, NULL, OPT_VNC_MAX_CLIENTS },
	{ "vnc-idle-dirt", required_argument, NULL, OPT_VNC_IDLE_DIRT },
	{ "no-video", no_argument, NULL, OPT_NO_DEVICE + 0 },
	{ "no-keyboard", no_argument, NULL, OPT_NO_DEVICE + 1 },
	{ "no-mouse", no_argument, NULL, OPT_NO_DEVICE + 2 },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The video model's options (hvh_video_config.h); 0, 1 for not one of them, or an exit status
 * after printing why. */
static int apply_video_option(int opt, const char *arg, struct hvh_video_config *v)
{
	int ret;
	const char *want;
	switch (opt) {
	case OPT_VIDEO_VERSIONS:
		ret = hvh_video_parse_versions(arg, v);
		want = "e.g. 3.5,3.2 (at most 8), or none";
		break;
	case OPT_MODES:
		ret = hvh_video_parse_modes(arg, v);
		want = "e.g. 1024x768,1920x1080: 1 to 64 sizes up to 16384x16384";
		break;
	case OPT_DEFAULT_MODE:
		ret = hvh_video_parse_size(arg, &v->default_mode);
		want = "WxH, one of --modes";
		break;
	case OPT_EDID_NAME:
		ret = hvh_video_parse_edid_name(arg, v);
		want = "1 to 13 printable ASCII characters";
		break;
	case OPT_REFRESH:
		ret = hvh_video_parse_refresh(arg, v);
		want = "dirt, poll or poll:MS with MS 1..60000";
		break;
	case OPT_SHOW_DAMAGE:
		v->show_damage = true;
		return 0;
	case OPT_VID_SIZE_WITH_HEADER:
		v->vid_size_with_header = true;
		return 0;
	default:
		return 1;
	}
	if (ret == 0)
		return 0;
	const struct option *o = long_options;
	while (o->name && o->val != opt)
		o++;
	fprintf(stderr, "hvhost: bad --%s '%s' (%s)\n", o->name ? o->name : "?", arg, want);
	return 2;
}

/* The VNC server's options; 0, 1 for not one of them, or an exit status after printing why. */
static int apply_vnc_option(int opt, const char *arg, struct vnc_options *v)
{
	char *end;
	unsigned long n;
	switch (opt) {
	case OPT_VNC:
		v->listen = arg;
		return 0;
	case OPT_VNC_PASSWORD:
		v->password_file = arg;
		return 0;
	case OPT_VNC_MAX_CLIENTS:
		n = strtoul(arg, &end, 10);
		if (*arg >= '1' && *arg <= '9' && *end == '\0' && n <= 64) {
			v->max_clients = (unsigned)n;
			return 0;
		}
		fprintf(stderr, "hvhost: bad --vnc-max-clients '%s' (1 to 64)\n", arg);
		return 2;
	case OPT_VNC_IDLE_DIRT:
		if (strcmp(arg, "keep") == 0 || strcmp(arg, "stop") == 0) {
			v->idle_dirt_off = strcmp(arg, "stop") == 0;
			return 0;
		}
		fprintf(stderr, "hvhost: bad --vnc-idle-dirt '%s' (keep or stop)\n", arg);
		return 2;
	default:
		return 1;
	}
}

/* One option; 0, or an exit status after printing why. */
static int apply_option(int opt, const char *arg, struct options *opts)
{
	struct hvh_config *c = &opts->config;
	int level, status;
	switch (opt) {
	case OPT_VMBUS:
		c->vmbus_path = arg;
		return 0;
	case OPT_MONITOR:
		c->monitor_path = arg;
		return 0;
	case OPT_TRACE:
		c->trace_path = arg;
		return 0;
	case OPT_VERSIONS:
		if (parse_versions(arg, c) == 0)
			return 0;
		fprintf(stderr, "hvhost: bad --versions '%s' (want e.g. 5.0,4.0; at most %zu)\n",
			arg, ARRAY_LEN(c->versions));
		return 2;
	case OPT_MMIO_BASE:
		if (parse_size(arg, &c->mmio_base) == 0 && c->mmio_base % (2 * MIB) == 0)
			return 0;
		fprintf(stderr, "hvhost: bad --mmio-base '%s' (a 2 MiB aligned address)\n", arg);
		return 2;
	case OPT_MMIO_SIZE:
		if (parse_size(arg, &c->mmio_size) == 0 && c->mmio_size &&
			c->mmio_size % (2 * MIB) == 0)
			return 0;
		fprintf(stderr, "hvhost: bad --mmio-size '%s' (a non-zero multiple of 2 MiB)\n",
			arg);
		return 2;
	case OPT_LOG_LEVEL:
		level = parse_log_level(arg);
		if (level >= 0) {
			log_set_level((enum log_level)level);
			return 0;
		}
		fprintf(stderr, "hvhost: bad --log-level '%s' (error, warn, info, debug)\n", arg);
		return 2;
	case OPT_ECHO_DEVICE:
		opts->echo = true;
		return 0;
	case 'h':
		usage(stdout);
		exit(0);
	default:
		status = apply_video_option(opt, arg, &c->video);
		if (status == 1)
			status = apply_vnc_option(opt, arg, &opts->vnc);
		if (status != 1)
			return status;
		if (opt >= OPT_NO_DEVICE && opt < OPT_NO_DEVICE + (int)ARRAY_LEN(device_models)) {
			opts->disabled[opt - OPT_NO_DEVICE] = true;
			return 0;
		}
		usage(stderr);
		return 2;
	}
}

static int parse_options(int argc, char **argv, struct options *opts)
{
	int opt;
	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		int status = apply_option(opt, optarg, opts);
		if (status)
			return status;
	}
	if (optind < argc) {
		fprintf(stderr, "hvhost: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	const struct hvh_config *c = &opts->config;
	uint64_t base = c->mmio_base ? c->mmio_base : 0xF8000000ull;
	uint64_t size = c->mmio_size ? c->mmio_size : 128 * MIB;
	if (base > UINT64_MAX - size) {
		fprintf(stderr, "hvhost: the MMIO window passes the end of the address space\n");
		return 2;
	}
	return 0;
}

/* ---- logging and signals ---- */

static void PRINTF(6, 0) log_with_time(enum log_level level, enum log_fault fault,
	const char *module, const char *file, int line, const char *fmt, va_list args)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, args);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	localtime_r(&ts.tv_sec, &tm);
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	long ms = ts.tv_nsec / 1000000;
	if (fault != LOG_FAULT_NONE)
		fprintf(stderr, "%s.%03ld %s [%s] %s:%d: bug (%s): %s\n", when, ms,
			log_level_to_str(level), module, file, line, log_fault_to_str(fault), msg);
	else
		fprintf(stderr, "%s.%03ld %s [%s] %s:%d: %s\n", when, ms, log_level_to_str(level),
			module, file, line, msg);
}

static void on_signal(void *data, int fd, short revents)
{
	struct app *app = data;
	struct signalfd_siginfo si;
	ssize_t n = read(fd, &si, sizeof(si));
	if (n != (ssize_t)sizeof(si))
		return;
	log_info("%s: exiting", strsignal((int)si.ssi_signo));
	loop_quit(app->loop);
}

/* SIGINT and SIGTERM become loop events, so the exit path unlinks the sockets. */
static int setup_signals(struct app *app)
{
	signal(SIGPIPE, SIG_IGN);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	app->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (app->signal_fd < 0)
		return -errno;
	if (!loop_add_fd(app->loop, app->signal_fd, POLLIN, on_signal, app))
		return -ENOMEM;
	return 0;
}

/* ---- wiring ---- */

static int monitor_path(struct app *app, const struct hvh_config *config)
{
	/* $HVDISPLAY_MONITOR is what scripts/hvmon looks at first: agree with it. */
	const char *path =
		config->monitor_path ? config->monitor_path : getenv("HVDISPLAY_MONITOR");
	if (path && path[0]) {
		snprintf(app->monitor_path, sizeof(app->monitor_path), "%s", path);
		return 0;
	}
	const char *vmbus = vmb_host_socket_path(hvh_bus_host(app->bus));
	const char *slash = strrchr(vmbus, '/');
	int dir_len = slash ? (int)(slash - vmbus) + 1 : 0;
	int n = snprintf(
		app->monitor_path, sizeof(app->monitor_path), "%.*smonitor.sock", dir_len, vmbus);
	return n < 0 || (size_t)n >= sizeof(app->monitor_path) ? -ENAMETOOLONG : 0;
}

static void poke_monitor(void *data)
{
	hvh_monitor_poke(data);
}

static int add_devices(struct app *app, const struct options *opts)
{
	const struct hvh_env env = {
		.loop = app->loop,
		.bus = app->bus,
		.monitor = app->monitor,
		.config = &opts->config,
	};
	for (size_t i = 0; i < ARRAY_LEN(device_models); i++) {
		const struct device_model *m = &device_models[i];
		char reason[96];
		if (opts->disabled[i]) {
			snprintf(reason, sizeof(reason), "the %s device is disabled (--no-%s)",
				m->name, m->name);
			int ret = hvh_bus_note_absent(app->bus, m->name, reason);
			if (ret < 0)
				return ret;
			continue;
		}
		if (!m->create) {
			log_info("no %s device model in this build", m->name);
			continue;
		}
		int ret = m->create(&env);
		if (ret < 0) {
			log_error("cannot create the %s device: %s", m->name, strerror(-ret));
			return ret;
		}
	}
	if (opts->echo) {
		int ret = hvh_echo_create(&env);
		if (ret < 0) {
			log_error("cannot create the echo device: %s", strerror(-ret));
			return ret;
		}
	}
	return hvh_builtin_add_fallbacks(app->builtin);
}

/* The VNC server, once every model is registered (it looks them up). */
static int add_vnc(struct app *app, const struct options *opts)
{
	const struct vnc_options *v = &opts->vnc;
	if (!v->listen) {
		if (v->password_file || v->max_clients || v->idle_dirt_off)
			log_warn("--vnc-password, --vnc-max-clients and --vnc-idle-dirt do nothing "
				 "without --vnc");
		return 0;
	}
#if HVH_ENABLE_VNC
	const struct hvh_env env = { app->loop, app->bus, app->monitor, &opts->config };
	const struct hvh_vnc_config cfg = {
		.listen = v->listen,
		.password_file = v->password_file,
		.max_clients = v->max_clients,
		.idle_dirt_off = v->idle_dirt_off,
	};
	int ret = hvh_vnc_create(&app->vnc, &env, &cfg);
	if (ret < 0)
		log_error("cannot start the VNC server: %s", strerror(-ret));
	return ret;
#else
	log_error("--vnc: this hvhost was built without VNC (meson -Dvnc=enabled, libvncserver)");
	return -ENOTSUP;
#endif
}

static int setup(struct app *app, const struct options *opts)
{
	const struct hvh_config *config = &opts->config;
	int ret = setup_signals(app);
	if (ret < 0)
		return ret;
	if (config->trace_path) {
		ret = hvh_trace_open(&app->trace, config->trace_path);
		if (ret < 0) {
			log_error(
				"cannot write --trace %s: %s", config->trace_path, strerror(-ret));
			return ret;
		}
	}
	const struct vmb_host_config host_config = {
		.socket_path = config->vmbus_path,
		.versions = config->n_versions ? config->versions : NULL,
		.n_versions = config->n_versions,
		.mmio_base = config->mmio_base,
		.mmio_size = config->mmio_size,
	};
	ret = hvh_bus_create(&app->bus, app->loop, &host_config);
	if (ret < 0) {
		log_error("cannot listen on the VMBus socket: %s", strerror(-ret));
		return ret;
	}
	hvh_bus_set_trace(app->bus, app->trace);
	ret = monitor_path(app, config);
	if (ret == 0)
		ret = hvh_monitor_create(&app->monitor, app->loop, app->monitor_path);
	if (ret < 0) {
		log_error("cannot listen on the monitor socket %s: %s", app->monitor_path,
			strerror(-ret));
		return ret;
	}
	hvh_bus_set_notify(app->bus, poke_monitor, app->monitor);
	const struct hvh_env env = { app->loop, app->bus, app->monitor, config };
	ret = hvh_builtin_create(&app->builtin, &env);
	if (ret == 0)
		ret = add_devices(app, opts);
	if (ret == 0)
		ret = add_vnc(app, opts);
	return ret;
}

static void teardown(struct app *app)
{
	/* Replies already queued (quit's above all) get a moment to leave. */
	if (app->monitor)
		hvh_monitor_flush(app->monitor, 1000);
#if HVH_ENABLE_VNC
	/* The VNC server uses the models: it goes first. */
	hvh_vnc_destroy(app->vnc);
#endif
	/* Models go with the bus, before the monitor whose commands they registered. */
	hvh_bus_destroy(app->bus);
	hvh_monitor_destroy(app->monitor);
	hvh_builtin_destroy(app->builtin);
	hvh_trace_destroy(app->trace);
	if (app->signal_fd >= 0)
		close(app->signal_fd);
	loop_destroy(app->loop);
}

int main(int argc, char **argv)
{
	struct options opts = { 0 };
	int status = parse_options(argc, argv, &opts);
	if (status)
		return status;
	log_set_handler(log_with_time);

	struct app app = { .signal_fd = -1 };
	app.loop = loop_create();
	if (!app.loop) {
		log_error("out of memory");
		return 1;
	}
	if (setup(&app, &opts) < 0) {
		teardown(&app);
		return 1;
	}
	log_info("listening: VMBus %s, monitor %s", vmb_host_socket_path(hvh_bus_host(app.bus)),
		hvh_monitor_path(app.monitor));
	printf("hvhost: ready\n");
	fflush(stdout);

	status = loop_run(app.loop) < 0 ? 1 : 0;
	teardown(&app);
	log_info("bye");
	return status;
}
