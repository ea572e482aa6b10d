/* Runs hvhost for integration tests; see hvhost_harness.h. */
#include "hvhost_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_LINE "hvhost: ready"
#define MAX_ARGS 64
#define MAX_CONNS 16

struct hvhost_conn {
	struct hvhost_harness *h;
	int fd;
	char *buf; // received, not yet returned: [0, len)
	size_t len, cap;
};

struct hvhost_harness {
	pid_t pid;     // 0 once reaped
	int status;    // the wait status once reaped
	int stdout_fd; // read end of hvhost's stdout: EOF when it exits
	char dir[64];
	char vmbus[96];
	char monitor[96];
	char path_buf[256];
	struct hvhost_conn *main_conn;
	struct hvhost_conn *conns[MAX_CONNS];
};

/* Harnesses a test leaked by bailing out (REQUIRE) are cleaned up at exit. */
static struct hvhost_harness *live[MAX_CONNS];

static void destroy_leaked(void)
{
	for (size_t i = 0; i < MAX_CONNS; i++)
		hvhost_harness_destroy(live[i]);
}

static void track(struct hvhost_harness *h, struct hvhost_harness *old)
{
	static bool registered;
	if (!registered)
		registered = atexit(destroy_leaked) == 0;
	for (size_t i = 0; i < MAX_CONNS; i++) {
		if (live[i] == old) {
			live[i] = h;
			return;
		}
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll() one fd for events until deadline; 1 ready, 0 timed out, negative errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left < 0)
			left = 0;
		struct pollfd pfd = { .fd = fd, .events = events };
		int ret = poll(&pfd, 1, (int)left);
		if (ret > 0)
			return 1;
		if (ret == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* ---- start and stop ---- */

/* argv for hvhost, built before fork(); "@/" at the start of an argument becomes the
 * directory. Strings it allocates are listed in owned[] for free_argv(). */
static int build_argv(struct hvhost_harness *h, const char *exe, const char *const *extra,
	const char *argv[MAX_ARGS], char *owned[MAX_ARGS])
{
	size_t n = 0;
	argv[n++] = exe;
	argv[n++] = "--vmbus";
	argv[n++] = h->vmbus;
	argv[n++] = "--monitor";
	argv[n++] = h->monitor;
	for (size_t i = 0; extra && extra[i]; i++) {
		if (n == MAX_ARGS - 1)
			return -E2BIG;
		if (strncmp(extra[i], "@/", 2) == 0) {
			size_t len = strlen(h->dir) + strlen(extra[i]);
			owned[n] = malloc(len);
			if (!owned[n])
				return -ENOMEM;
			snprintf(owned[n], len, "%s%s", h->dir, extra[i] + 1);
			argv[n] = owned[n];
			n++;
		} else {
			argv[n++] = extra[i];
		}
	}
	argv[n] = NULL;
	return 0;
}

static void exec_hvhost(const char *const argv[], int out_fd, pid_t parent)
{
	/* Only async-signal-safe calls between fork and exec. A test that bails out (REQUIRE)
	 * leaks its harness: hvhost then dies with the test instead of holding its pipes open. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(125);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(126);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

/* Reads hvhost's stdout until the ready line; -ECHILD if it exits first. */
static int wait_ready(struct hvhost_harness *h)
{
	char buf[256];
	size_t len = 0;
	int64_t deadline = now_ms() + HVHOST_HARNESS_TIMEOUT_MS;
	for (;;) {
		int ret = wait_fd(h->stdout_fd, POLLIN, deadline);
		if (ret <= 0)
			return ret == 0 ? -ETIMEDOUT : ret;
		ssize_t n = read(h->stdout_fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -ECHILD;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, READY_LINE "\n"))
			return 0;
		if (len == sizeof(buf) - 1)
			len = 0; // not ours; hvhost prints nothing else, but do not get stuck
	}
}

int hvhost_harness_start(struct hvhost_harness **out, const char *const *extra_args)
{
	const char *exe = getenv("HVHOST");
	if (!exe || !exe[0])
		return -ENOENT;
	struct hvhost_harness *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->stdout_fd = -1;
	const char *tmp = getenv("TMPDIR");
	/* Socket paths must fit sun_path (108 bytes): keep the directory short. */
	if (!tmp || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(h->dir, sizeof(h->dir), "%s/hvh-XXXXXX", tmp);
	if (!mkdtemp(h->dir)) {
		int ret = -errno;
		printf("# mkdtemp %s: %s\n", h->dir, strerror(errno));
		free(h);
		return ret;
	}
	snprintf(h->vmbus, sizeof(h->vmbus), "%s/vmbus.sock", h->dir);
	snprintf(h->monitor, sizeof(h->monitor), "%s/monitor.sock", h->dir);

	int pipe_fds[2];
	if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
		int ret = -errno;
		hvhost_harness_destroy(h);
		return ret;
	}
	const char *argv[MAX_ARGS];
	char *owned[MAX_ARGS] = { NULL };
	int ret = build_argv(h, exe, extra_args, argv, owned);
	if (ret == 0) {
		fflush(NULL);
		pid_t parent = getpid();
		h->pid = fork();
		if (h->pid == 0)
			exec_hvhost(argv, pipe_fds[1], parent);
		if (h->pid < 0)
			ret = -errno;
	}
	for (size_t i = 0; i < MAX_ARGS; i++)
		free(owned[i]);
	close(pipe_fds[1]);
	h->stdout_fd = pipe_fds[0];
	if (ret < 0) {
		h->pid = 0;
		hvhost_harness_destroy(h);
		return ret;
	}
	ret = wait_ready(h);
	if (ret < 0) {
		printf("# hvhost (%s) did not become ready: %s\n", exe, strerror(-ret));
		hvhost_harness_destroy(h);
		return ret;
	}
	track(h, NULL);
	*out = h;
	return 0;
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int hvhost_harness_wait_exit(struct hvhost_harness *h)
{
	if (h->pid == 0)
		return exit_code(h->status);
	/* hvhost's stdout reaches EOF when it exits: a pollable exit notification. */
	int64_t deadline = now_ms() + HVHOST_HARNESS_TIMEOUT_MS;
	for (;;) {
		int ret = wait_fd(h->stdout_fd, POLLIN, deadline);
		if (ret <= 0) {
			printf("# hvhost did not exit; killing it\n");
			kill(h->pid, SIGKILL);
			waitpid(h->pid, &h->status, 0);
			h->pid = 0;
			return ret == 0 ? -ETIMEDOUT : ret;
		}
		char buf[256];
		ssize_t n = read(h->stdout_fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	while (waitpid(h->pid, &h->status, 0) < 0 && errno == EINTR)
		;
	h->pid = 0;
	if (WIFSIGNALED(h->status))
		printf("# hvhost died from signal %d\n", WTERMSIG(h->status));
	return exit_code(h->status);
}

int hvhost_harness_stop(struct hvhost_harness *h)
{
	if (h->pid == 0)
		return exit_code(h->status);
	struct json_object *reply = hvhost_harness_cmd(h, "{\"cmd\":\"quit\"}");
	if (!reply)
		printf("# no reply to quit\n");
	json_object_put(reply);
	return hvhost_harness_wait_exit(h);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

void hvhost_harness_destroy(struct hvhost_harness *h)
{
	if (!h)
		return;
	track(NULL, h);
	for (size_t i = 0; i < MAX_CONNS; i++)
		hvhost_conn_close(h->conns[i]);
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, &h->status, 0);
	}
	if (h->stdout_fd >= 0)
		close(h->stdout_fd);
	nftw(h->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(h);
}

pid_t hvhost_harness_pid(const struct hvhost_harness *h)
{
	return h->pid;
}

const char *hvhost_harness_dir(const struct hvhost_harness *h)
{
	return h->dir;
}

const char *hvhost_harness_vmbus_path(const struct hvhost_harness *h)
{
	return h->vmbus;
}

const char *hvhost_harness_monitor_path(const struct hvhost_harness *h)
{
	return h->monitor;
}

const char *hvhost_harness_path(const struct hvhost_harness *h, const char *name)
{
	struct hvhost_harness *mut = (struct hvhost_harness *)h;
	snprintf(mut->path_buf, sizeof(mut->path_buf), "%s/%s", h->dir, name);
	return mut->path_buf;
}

static struct hvhost_conn *main_conn(struct hvhost_harness *h);

struct json_object *hvhost_harness_cmd(struct hvhost_harness *h, const char *line)
{
	struct hvhost_conn *conn = main_conn(h);
	return conn ? hvhost_conn_cmd(conn, line) : NULL;
}

/* ---- monitor connections ---- */

struct hvhost_conn *hvhost_harness_connect(struct hvhost_harness *h)
{
	size_t slot = 0;
	while (slot < MAX_CONNS && h->conns[slot])
		slot++;
	struct hvhost_conn *conn = slot < MAX_CONNS ? calloc(1, sizeof(*conn)) : NULL;
	if (!conn) {
		printf("# no room for another monitor connection\n");
		return NULL;
	}
	conn->h = h;
	conn->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", h->monitor);
	if (conn->fd < 0 || connect(conn->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		printf("# connect %s: %s\n", h->monitor, strerror(errno));
		if (conn->fd >= 0)
			close(conn->fd);
		free(conn);
		return NULL;
	}
	h->conns[slot] = conn;
	return conn;
}

void hvhost_conn_close(struct hvhost_conn *conn)
{
	if (!conn)
		return;
	struct hvhost_harness *h = conn->h;
	for (size_t i = 0; i < MAX_CONNS; i++) {
		if (h->conns[i] == conn)
			h->conns[i] = NULL;
	}
	if (h->main_conn == conn)
		h->main_conn = NULL;
	close(conn->fd);
	free(conn->buf);
	free(conn);
}

int hvhost_conn_fd(const struct hvhost_conn *conn)
{
	return conn->fd;
}

int hvhost_conn_send(struct hvhost_conn *conn, const void *data, size_t len)
{
	const uint8_t *p = data;
	int64_t deadline = now_ms() + HVHOST_HARNESS_TIMEOUT_MS;
	while (len > 0) {
		int ret = wait_fd(conn->fd, POLLOUT, deadline);
		if (ret <= 0)
			return ret == 0 ? -ETIMEDOUT : ret;
		ssize_t n = send(conn->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Takes the first line out of conn->buf, NUL-terminated in a malloc'd copy, or NULL. */
static char *take_line(struct hvhost_conn *conn)
{
	char *nl = conn->buf ? memchr(conn->buf, '\n', conn->len) : NULL;
	if (!nl)
		return NULL;
	size_t n = (size_t)(nl - conn->buf);
	char *line = malloc(n + 1);
	if (!line)
		return NULL;
	memcpy(line, conn->buf, n);
	line[n] = '\0';
	memmove(conn->buf, nl + 1, conn->len - n - 1);
	conn->len -= n + 1;
	return line;
}

static char *read_line(struct hvhost_conn *conn)
{
	int64_t deadline = now_ms() + HVHOST_HARNESS_TIMEOUT_MS;
	char *line;
	while (!(line = take_line(conn))) {
		if (conn->len == conn->cap) {
			size_t cap = conn->cap ? conn->cap * 2 : 4096;
			char *buf = realloc(conn->buf, cap);
			if (!buf)
				return NULL;
			conn->buf = buf;
			conn->cap = cap;
		}
		int ret = wait_fd(conn->fd, POLLIN, deadline);
		if (ret <= 0) {
			printf("# no reply from the monitor: %s\n",
				ret == 0 ? "timed out" : strerror(-ret));
			return NULL;
		}
		ssize_t n =
			recv(conn->fd, conn->buf + conn->len, conn->cap - conn->len, MSG_DONTWAIT);
		if (n == 0) {
			printf("# the monitor closed the connection\n");
			return NULL;
		}
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			printf("# monitor recv: %s\n", strerror(errno));
			return NULL;
		}
		conn->len += (size_t)n;
	}
	return line;
}

struct json_object *hvhost_conn_read(struct hvhost_conn *conn)
{
	char *line = read_line(conn);
	if (!line)
		return NULL;
	struct json_object *obj = json_tokener_parse(line);
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		printf("# monitor reply is not a JSON object: %s\n", line);
		json_object_put(obj);
		obj = NULL;
	}
	free(line);
	return obj;
}

struct json_object *hvhost_conn_cmd(struct hvhost_conn *conn, const char *line)
{
	size_t len = strlen(line);
	char *msg = malloc(len + 1);
	if (!msg)
		return NULL;
	memcpy(msg, line, len);
	msg[len] = '\n';
	int ret = hvhost_conn_send(conn, msg, len + 1);
	free(msg);
	if (ret < 0) {
		printf("# monitor send: %s\n", strerror(-ret));
		return NULL;
	}
	return hvhost_conn_read(conn);
}

/* ---- replies ---- */

struct json_object *hvhost_json_path(struct json_object *obj, const char *path)
{
	char key[64];
	for (const char *p = path; obj && *p;) {
		size_t n = strcspn(p, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		if (!json_object_object_get_ex(obj, key, &obj))
			obj = NULL;
		p += n + (p[n] == '.');
	}
	return obj;
}

bool hvhost_conn_ok(struct hvhost_conn *conn, const char *line)
{
	struct json_object *r = hvhost_conn_cmd(conn, line);
	struct json_object *ok = hvhost_json_path(r, "ok");
	bool good = ok && json_object_get_boolean(ok);
	if (!good)
		printf("# %s -> %s\n", line, r ? json_object_to_json_string(r) : "(no reply)");
	json_object_put(r);
	return good;
}

static struct hvhost_conn *main_conn(struct hvhost_harness *h)
{
	if (!h->main_conn)
		h->main_conn = hvhost_harness_connect(h);
	return h->main_conn;
}

bool hvhost_harness_ok(struct hvhost_harness *h, const char *line)
{
	struct hvhost_conn *conn = main_conn(h);
	return conn && hvhost_conn_ok(conn, line);
}

int64_t hvhost_conn_get(struct hvhost_conn *conn, const char *cmd, const char *path)
{
	char line[128];
	snprintf(line, sizeof(line), "{\"cmd\":\"%s\"}", cmd);
	struct json_object *r = hvhost_conn_cmd(conn, line);
	struct json_object *v = hvhost_json_path(r, path);
	bool number =
		json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_boolean);
	int64_t n = number ? json_object_get_int64(v) : -1;
	if (!number)
		printf("# %s: no integer at %s\n", cmd, path);
	json_object_put(r);
	return n;
}

int64_t hvhost_harness_get(struct hvhost_harness *h, const char *cmd, const char *path)
{
	struct hvhost_conn *conn = main_conn(h);
	return conn ? hvhost_conn_get(conn, cmd, path) : -1;
}
