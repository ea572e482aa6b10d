/*
 * hvcon end to end: the console program on the real hvhost (synthvid over the emulated VMBus),
 * beside xterm on Xvfb doing the same work.
 *
 *  - throughput: `sh -c 'cat FILE'` as the console's child, for a 50 MB file of mixed text (SGR
 *    colours, 256-colour and bold attributes, Latin-1 and box-drawing UTF-8) and a 50 MB file of
 *    plain ASCII. Wall time from starting the program to its exit (the child's exit ends both),
 *    minus the same program's start-up and exit with `sh -c true`: MB/s of the cat alone. hvcon
 *    also reports its own count (--stats): bytes parsed from the child (which must be the file's
 *    size plus the CR the tty adds to each line: nothing skipped) over the child's lifetime, and
 *    how many renders it made (at most one per 60 Hz frame). xterm (Debian's, on Xvfb) runs the same command in the same grid with the
 *    same font at the same pixel size. Beside hvcon, its floor: hvcon --headless on the same
 *    command (the pty and the parser, no display), to show what the display path costs.
 *  - latency: a key from the monitor's `key` to the DIRT that shows its echo (the child is cat on
 *    the tty, so the echo is the line discipline's): the request line for the key and a `wait
 *    dirt since` go out in one write, timed to the wait's reply; the cursor does not blink, so
 *    the first DIRT after the key is the echo. Median and p99.
 *
 * Fixed inputs (seeded generator), median of 3 runs. kmscon and the kernel's fbcon need a VT
 * and a DRM device: with --vm, tests/vm's bench scenario runs them beside hvcon in one QEMU
 * guest and their figures are printed here with the ratios.
 *
 * Usage: bench_console [--vm] [MB]   (payload size, default 50; runs: $BENCH_RUNS, default 3)
 * hvhost and hvcon: $HVHOST / $HVCON, else the ones built beside this benchmark.
 */
#define LOG_MODULE "bench"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "fbc_font.h"
#include "hvhost_harness.h"
#include "macros.h"

#define SCREEN_W 1024
#define SCREEN_H 768
#define FONT_PX 16
#define LATENCY_KEYS 300
#define EXIT_BOUND_MS 600000

struct run {
	double wall_s;        // start to exit
	double child_s;       // hvcon: the child's lifetime, as hvcon counted it
	uint64_t child_bytes; // hvcon: bytes parsed from the child
	uint64_t renders;     // hvcon: renders that drew something
};

static uint64_t rng_state = 0x5eed0c0ffeeull;

static uint32_t rng(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

/* ---- inputs ---- */

static size_t ascii_line(char *out)
{
	size_t n = 20 + rng() % 100;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(' ' + rng() % 95);
	out[n] = '\n';
	return n + 1;
}

static size_t mixed_line(char *out)
{
	static const char *const words[] = { "console", "Hyper-V", "synthvid", "pixman",
		"überprüfung", "café", "naïve", "señal", "│", "─┼─", "└──", "•", "±0.5°" };
	size_t len = 0, cols = 0;
	while (cols < 70) {
		switch (rng() % 6) {
		case 0:
			len += (size_t)sprintf(out + len, "\033[%um", 31 + rng() % 7);
			break;
		case 1:
			len += (size_t)sprintf(out + len, "\033[38;5;%um", rng() % 256);
			break;
		case 2:
			len += (size_t)sprintf(out + len, "\033[1;4%um", rng() % 8);
			break;
		default:
			break;
		}
		const char *w = words[rng() % (sizeof(words) / sizeof(*words))];
		len += (size_t)sprintf(out + len, "%s \033[0m", w);
		cols += strlen(w) + 1;
	}
	out[len++] = '\n';
	return len;
}

struct payload {
	const char *name;
	char path[300];
	size_t (*line)(char *out);
	uint64_t bytes; // in the file
	uint64_t lines; // each gains a CR on the way through the tty (ONLCR)
};

static int write_payload(struct payload *p, size_t size)
{
	FILE *f = fopen(p->path, "w");
	if (!f)
		return -errno;
	char buf[4096];
	p->bytes = p->lines = 0;
	while (p->bytes < size) {
		size_t n = p->line(buf);
		if (fwrite(buf, 1, n, f) != n)
			break;
		p->bytes += n;
		p->lines++;
	}
	return fclose(f) == 0 && p->bytes >= size ? 0 : -EIO;
}

/* ---- programs ---- */

struct child {
	pid_t pid;
	int pidfd;
	int err_fd;      // read end of its stderr
	char tail[4096]; // the end of what it wrote there, NUL-terminated
	size_t tail_len;
};

static int spawn(struct child *c, const char *const *argv)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	c->tail_len = 0;
	c->tail[0] = '\0';
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (c->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDWR);
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	c->err_fd = pipefd[0];
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	return c->pidfd < 0 ? -errno : 0;
}

static void keep_tail(struct child *c, const char *bytes, size_t n)
{
	size_t room = sizeof(c->tail) - 1;
	if (n > room) {
		bytes += n - room;
		n = room;
	}
	if (c->tail_len + n > room) {
		size_t drop = c->tail_len + n - room;
		memmove(c->tail, c->tail + drop, c->tail_len - drop);
		c->tail_len -= drop;
	}
	memcpy(c->tail + c->tail_len, bytes, n);
	c->tail_len += n;
	c->tail[c->tail_len] = '\0';
}

/* Reads what the child writes to stderr (so it never blocks on it) until it exits and closes
 * it; returns its exit code, or -1 (killed after the bound, or by a signal). */
static int wait_child(struct child *c)
{
	bool eof = false, exited = false;
	while (!eof || !exited) {
		struct pollfd p[2] = { { exited ? -1 : c->pidfd, POLLIN, 0 },
			{ eof ? -1 : c->err_fd, POLLIN, 0 } };
		if (poll(p, 2, EXIT_BOUND_MS) <= 0) {
			kill(c->pid, SIGKILL);
			break;
		}
		exited |= p[0].revents != 0;
		if (p[1].revents) {
			char buf[4096];
			ssize_t n = read(c->err_fd, buf, sizeof(buf));
			eof = n <= 0;
			if (n > 0)
				keep_tail(c, buf, (size_t)n);
		}
	}
	int status = 0;
	waitpid(c->pid, &status, 0);
	close(c->pidfd);
	close(c->err_fd);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (code != 0)
		fprintf(stderr, "bench_console: %s exited with %d; its last words:\n%s\n",
			c->tail_len ? "the program" : "the program (silent)", code, c->tail);
	return code;
}

struct setup {
	struct hvhost_harness *h;
	char hvcon[512];
	char vmbus[256];
	char dir[256];
	int cell_w, cell_h;
	pid_t xvfb;
	char display[16];
};

/* Runs argv to its end, its wall time in r->wall_s. Its exit code (-1 when killed), or a
 * negative errno below -1 when it could not start. */
static int timed_run(struct child *c, const char *const *argv, struct run *r)
{
	double t0 = bench_now_s();
	int err = spawn(c, argv);
	if (err)
		return err < -1 ? err : -EIO;
	int code = wait_child(c);
	r->wall_s = bench_now_s() - t0;
	return code;
}

static int run_hvcon(struct setup *s, const char *cmd, struct run *r)
{
	const char *argv[] = { s->hvcon, "--output", "svd", "--vmbus", s->vmbus, "--font-size",
		"16", "--no-blink", "--stats", "--shim-socket", "none", "--input", "none", "--",
		"/bin/sh", "-c", cmd, NULL };
	struct child c;
	int code = timed_run(&c, argv, r);
	if (code < -1)
		return code;
	const char *stats = strstr(c.tail, "hvcon: stats:");
	int64_t child_ms = 0;
	if (code != 0 || !stats ||
		sscanf(stats,
			"hvcon: stats: child_bytes %" SCNu64 " child_ms %" SCNd64
			" renders %" SCNu64,
			&r->child_bytes, &child_ms, &r->renders) != 3) {
		fprintf(stderr, "bench_console: hvcon failed (exit %d)\n", code);
		return -EIO;
	}
	r->child_s = (double)child_ms / 1e3;
	return 0;
}

/* The floor under the display path: hvcon --headless reads the pty and parses, draws once. */
static int run_headless(struct setup *s, const char *cmd, struct run *r)
{
	char size[32];
	snprintf(size, sizeof(size), "%dx%d", SCREEN_W, SCREEN_H);
	const char *argv[] = { s->hvcon, "--headless", "--size", size, "--font-size", "16",
		"--screenshot", "/dev/null", "--", "/bin/sh", "-c", cmd, NULL };
	struct child c;
	int code = timed_run(&c, argv, r);
	return code < -1 ? code : code == 0 ? 0 : -EIO;
}

static int run_xterm(struct setup *s, const char *cmd, struct run *r)
{
	char geometry[32], fs[8];
	snprintf(geometry, sizeof(geometry), "%dx%d+0+0", SCREEN_W / s->cell_w,
		SCREEN_H / s->cell_h);
	snprintf(fs, sizeof(fs), "%d", FONT_PX * 3 / 4); /* points at Xvfb's 96 dpi */
	const char *argv[] = { "/usr/bin/xterm", "-display", s->display, "-geometry", geometry,
		"-fa", "DejaVu Sans Mono", "-fs", fs, "-e", "/bin/sh", "-c", cmd, NULL };
	struct child c;
	int code = timed_run(&c, argv, r);
	return code < -1 ? code : code == 0 ? 0 : -EIO;
}

/* Xvfb on a display it picks (-displayfd), 96 dpi so points and pixels agree. */
static int start_xvfb(struct setup *s)
{
	if (access("/usr/bin/Xvfb", X_OK) != 0 || access("/usr/bin/xterm", X_OK) != 0)
		return -ENOENT;
	int p[2];
	if (pipe(p) < 0)
		return -errno;
	char fd[16];
	snprintf(fd, sizeof(fd), "%d", p[1]);
	const char *argv[] = { "/usr/bin/Xvfb", "-displayfd", fd, "-screen", "0", "1024x768x24",
		"-dpi", "96", "-nolisten", "tcp", NULL };
	s->xvfb = fork();
	if (s->xvfb == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	/* Xvfb writes the number and the newline apart, and dies if the pipe is gone in between:
	 * read up to the newline before closing. */
	char num[16] = "";
	size_t have = 0;
	while (!strchr(num, '\n') && have < sizeof(num) - 1) {
		struct pollfd pf = { p[0], POLLIN, 0 };
		ssize_t n = poll(&pf, 1, 30000) == 1
			? read(p[0], num + have, sizeof(num) - 1 - have)
			: -1;
		if (n <= 0)
			break;
		have += (size_t)n;
		num[have] = '\0';
	}
	close(p[0]);
	if (!strchr(num, '\n'))
		return -EIO;
	snprintf(s->display, sizeof(s->display), ":%d", atoi(num));
	return 0;
}

/* ---- figures ---- */

typedef int (*run_fn)(struct setup *s, const char *cmd, struct run *r);

/* Median over runs of the given command; r gets the median run's counters. */
static int median_run(struct setup *s, run_fn fn, const char *cmd, int runs, struct run *out)
{
	struct run r[16];
	double wall[16];
	for (int i = 0; i < runs; i++) {
		int err = fn(s, cmd, &r[i]);
		if (err)
			return err;
		wall[i] = r[i].wall_s;
	}
	qsort(wall, (size_t)runs, sizeof(*wall), bench_cmp_double);
	for (int i = 0; i < runs; i++)
		if (r[i].wall_s == wall[runs / 2])
			*out = r[i];
	return 0;
}

struct figure {
	double mbps;       // the cat alone, by wall time minus start-up
	double parse_mbps; // hvcon: its own count
	double renders_per_s;
	bool all_parsed;
};

static int measure(struct setup *s, run_fn fn, const struct payload *p, int runs, struct figure *f)
{
	struct run idle, full;
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cat %s", p->path);
	int err = median_run(s, fn, "true", runs, &idle);
	if (!err)
		err = median_run(s, fn, cmd, runs, &full);
	if (err)
		return err;
	double t = full.wall_s - idle.wall_s;
	f->mbps = (double)p->bytes / 1e6 / (t > 1e-3 ? t : 1e-3);
	f->parse_mbps = full.child_s > 0 ? (double)full.child_bytes / 1e6 / full.child_s : 0;
	f->renders_per_s = full.child_s > 0 ? (double)full.renders / full.child_s : 0;
	f->all_parsed = full.child_bytes == p->bytes + p->lines;
	return 0;
}

static const char *compare(double ours, double theirs, char *buf, size_t len)
{
	if (theirs <= 0)
		snprintf(buf, len, "(no peer)");
	else if (ours >= theirs)
		snprintf(buf, len, "hvcon %.2fx ahead", ours / theirs);
	else
		snprintf(buf, len, "hvcon %.2fx behind", theirs / ours);
	return buf;
}

static void throughput(struct setup *s, const struct payload *p, int runs)
{
	struct figure h = { 0 }, x = { 0 };
	const char *name = p->name;
	if (measure(s, run_hvcon, p, runs, &h) != 0) {
		printf("  %-12s hvcon failed\n", name);
		return;
	}
	struct figure floor = { 0 };
	measure(s, run_headless, p, runs, &floor);
	bool peer = s->xvfb > 0 && measure(s, run_xterm, p, runs, &x) == 0;
	char cmp[64];
	printf("  %-10s hvcon %6.1f MB/s (%6.1f by its count%s, %4.1f renders/s; headless %6.1f)"
	       "   xterm %6.1f MB/s   %s\n",
		name, h.mbps, h.parse_mbps, h.all_parsed ? ", every byte" : ", BYTES MISSING",
		h.renders_per_s, floor.mbps, x.mbps,
		peer ? compare(h.mbps, x.mbps, cmp, sizeof(cmp)) : "");
}

/* ---- latency ---- */

/* A reply that says ok (put here). */
static bool reply_ok(struct json_object *r)
{
	bool good = json_object_get_boolean(hvhost_json_path(r, "ok"));
	json_object_put(r);
	return good;
}

/* One key and the wait for the DIRT after it, in one write; seconds to the wait's reply. */
static double key_to_dirt(struct hvhost_conn *conn, const char *key)
{
	int64_t seen = hvhost_conn_get(conn, "stats", "video.rx.DIRT");
	char lines[256];
	int n = snprintf(lines, sizeof(lines),
		"{\"cmd\":\"key\",\"keys\":\"%s\"}\n{\"cmd\":\"wait\",\"what\":\"dirt\",\"since\":%"
		"lld}\n",
		key, (long long)seen);
	double t0 = bench_now_s();
	if (seen < 0 || hvhost_conn_send(conn, lines, (size_t)n) < 0)
		return -1;
	bool ok = reply_ok(hvhost_conn_read(conn));
	ok = reply_ok(hvhost_conn_read(conn)) && ok;
	return ok ? bench_now_s() - t0 : -1;
}

static void latency(struct setup *s)
{
	const char *argv[] = { s->hvcon, "--output", "svd", "--vmbus", s->vmbus, "--font-size",
		"16", "--no-blink", "--shim-socket", "none", "--", "/bin/cat", NULL };
	struct child c;
	struct hvhost_conn *conn = hvhost_harness_connect(s->h);
	if (!conn || spawn(&c, argv) != 0)
		return;
	double ms[LATENCY_KEYS];
	size_t n = 0;
	if (hvhost_conn_ok(conn,
		    "{\"cmd\":\"wait\",\"what\":\"device\",\"device\":"
		    "\"keyboard\",\"timeout_ms\":30000}") &&
		hvhost_conn_ok(conn, "{\"cmd\":\"wait\",\"what\":\"quiet\"}")) {
		for (; n < LATENCY_KEYS; n++) {
			char key[2] = { (char)('a' + n % 26), '\0' };
			double t = key_to_dirt(conn, key);
			/* Backspace erases it again (its own echo, not counted): the line stays short.
			 * Then a pause as between a person's keys (20 ms without DIRT), so the key
			 * does not wait for the 60 Hz frame slot the previous echo used. */
			if (t < 0 || key_to_dirt(conn, "backspace") < 0 ||
				!hvhost_conn_ok(
					conn, "{\"cmd\":\"wait\",\"what\":\"quiet\",\"ms\":20}"))
				break;
			ms[n] = t * 1e3;
		}
	}
	kill(c.pid, SIGTERM);
	wait_child(&c);
	hvhost_conn_close(conn);
	if (n < LATENCY_KEYS) {
		printf("  keystroke to DIRT: failed after %zu keys\n", n);
		return;
	}
	qsort(ms, n, sizeof(*ms), bench_cmp_double);
	printf("  keystroke to DIRT (monitor `key` -> echo's DIRT handled by the host): median "
	       "%.2f ms, "
	       "p99 %.2f ms (n=%zu)\n",
		ms[n / 2], ms[n * 99 / 100], n);
}

/* ---- set-up ---- */

static int cell_size(struct setup *s)
{
	const struct fbc_font_ft_config cfg = { .find_styles = true, .pixel_size = FONT_PX };
	struct fbc_font *font;
	int err = fbc_font_ft_create(&font, &cfg);
	if (err)
		return err;
	struct fbc_font_metrics m;
	fbc_font_get_metrics(font, &m);
	s->cell_w = m.cell_width;
	s->cell_h = m.cell_height;
	fbc_font_destroy(font);
	return 0;
}

/* ---- the VM peers ---- */

/* A figure of bench.json ("console.kmscon.lines"), or -1. */
static double vm_figure(struct json_object *bench, const char *key)
{
	struct json_object *figures = hvhost_json_path(bench, "figures");
	size_t n = json_object_is_type(figures, json_type_array) ? json_object_array_length(figures)
								 : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(figures, i);
		struct json_object *k = hvhost_json_path(f, "key"),
				   *v = hvhost_json_path(f, "value");
		if (k && v && strcmp(json_object_get_string(k), key) == 0)
			return json_object_get_double(v);
	}
	return -1;
}

/* kmscon and the kernel's fbcon need a VT and a DRM device: tests/vm's bench scenario runs the
 * same cat of the same files through them and hvcon in one QEMU guest (TCG, virtio-gpu). */
static void vm_peers(struct setup *s)
{
	char out[600], log[700], json[700];
	snprintf(out, sizeof(out), "%s/vm", s->dir);
	snprintf(log, sizeof(log), "%s/run-vm.log", s->dir);
	snprintf(json, sizeof(json), "%s/bench.json", out);
	const char *argv[] = { "/usr/bin/python3", HVD_SOURCE_ROOT "/tests/vm/run-vm.py", "--build",
		HVD_BUILD_ROOT, "--scenario", "bench", "--out", out, NULL };
	printf("  same QEMU guest (TCG, virtio-gpu, Debian's kernel), same run; log %s\n", log);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		printf("  VM: cannot run tests/vm/run-vm.py\n");
		return;
	}
	struct json_object *bench = json_object_from_file(json);
	if (!bench) {
		printf("  VM: no figures (QEMU could not run the guest: see the log)\n");
		return;
	}
	static const char *const kinds[] = { "lines", "colour" };
	printf("  %-8s %8s %8s %8s\n", "cat MB/s", "hvcon", "kmscon", "fbcon");
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
		char key[64], a[48], b[48];
		double v[3];
		static const char *const who[] = { "hvcon", "kmscon", "fbcon" };
		for (size_t j = 0; j < 3; j++) {
			snprintf(key, sizeof(key), "console.%s.%s", who[j], kinds[i]);
			v[j] = vm_figure(bench, key);
		}
		printf("  %-8s %8.2f %8.2f %8.2f   vs kmscon: %-16s vs fbcon: %s\n", kinds[i], v[0],
			v[1], v[2], compare(v[0], v[1], a, sizeof(a)),
			compare(v[0], v[2], b, sizeof(b)));
	}
	json_object_put(bench);
}

static int setup(struct setup *s)
{
	snprintf(s->hvcon, sizeof(s->hvcon), "%s", getenv("HVCON") ? getenv("HVCON") : HVCON_PATH);
	if (!getenv("HVHOST"))
		setenv("HVHOST", HVHOST_PATH, 0);
	int err = cell_size(s);
	if (err)
		return err;
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(s->dir, sizeof(s->dir), "%s/bench_console.XXXXXX", tmp);
	if (!mkdtemp(s->dir))
		return -errno;
	err = hvhost_harness_start(&s->h, (const char *[]){ "--log-level", "warn", NULL });
	if (err)
		return err;
	snprintf(s->vmbus, sizeof(s->vmbus), "%s", hvhost_harness_vmbus_path(s->h));
	if (start_xvfb(s) != 0) {
		printf("  (no Xvfb or xterm: scripts/deps.sh installs them; peer column empty)\n");
		s->xvfb = 0;
	}
	return 0;
}

static void teardown(struct setup *s, const struct payload *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		unlink(p[i].path);
	rmdir(s->dir);
	if (s->xvfb > 0) {
		kill(s->xvfb, SIGTERM);
		waitpid(s->xvfb, NULL, 0);
	}
	if (s->h)
		hvhost_harness_stop(s->h);
	hvhost_harness_destroy(s->h);
}

int main(int argc, char **argv)
{
	bool vm = argc > 1 && strcmp(argv[1], "--vm") == 0;
	if (vm) {
		argc--;
		argv++;
	}
	double mb = argc > 1 ? atof(argv[1]) : 50;
	size_t size = (size_t)((mb > 0 ? mb : 50) * 1e6);
	int runs = getenv("BENCH_RUNS") ? atoi(getenv("BENCH_RUNS")) : 3;
	runs = runs < 1 ? 1 : runs > 15 ? 15 : runs;
	struct setup s = { 0 };
	int err = setup(&s);
	if (err) {
		fprintf(stderr, "bench_console: cannot set up (%s)\n", strerror(-err));
		teardown(&s, NULL, 0);
		return 1;
	}
	struct payload p[2] = { { .name = "cat mixed", .line = mixed_line },
		{ .name = "cat ascii", .line = ascii_line } };
	for (size_t i = 0; i < 2; i++) {
		snprintf(p[i].path, sizeof(p[i].path), "%s/%s.txt", s.dir, i ? "ascii" : "mixed");
		if (write_payload(&p[i], size) != 0) {
			fprintf(stderr, "bench_console: cannot write %s\n", p[i].path);
			teardown(&s, p, 2);
			return 1;
		}
	}
	printf("bench_console: %.0f MB each, %dx%d, DejaVu Sans Mono %d px (%dx%d cells), median "
	       "of "
	       "%d; hvcon on hvhost (synthvid, emulated VMBus), xterm %s on Xvfb\n",
		(double)size / 1e6, SCREEN_W, SCREEN_H, FONT_PX, SCREEN_W / s.cell_w,
		SCREEN_H / s.cell_h, runs, "(Debian 12)");
	throughput(&s, &p[0], runs);
	throughput(&s, &p[1], runs);
	latency(&s);
	if (vm)
		vm_peers(&s);
	else
		printf("  kmscon, fbcon: --vm runs them in the QEMU guest of tests/vm\n");
	teardown(&s, p, 2);
	return 0;
}
