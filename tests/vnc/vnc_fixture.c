/* The VNC tests' fixture (vnc_fixture.h). */
#include "vnc_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "png_read.h"
#include "rfb_client.h"
#include "test.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct json_object *vnc_fixture_cmd(struct vnc_fixture *f, const char *line)
{
	return hvhost_harness_cmd(f->h, line);
}

bool vnc_fixture_ok(struct vnc_fixture *f, const char *line)
{
	return hvhost_harness_ok(f->h, line);
}

int64_t vnc_fixture_get_path(struct vnc_fixture *f, const char *cmd, const char *path)
{
	return hvhost_harness_get(f->h, cmd, path);
}

const char *vnc_fixture_guest_line(struct vnc_fixture *f)
{
	int64_t end = now_ms() + HVHOST_HARNESS_TIMEOUT_MS;
	for (;;) {
		char *nl = memchr(f->buf, '\n', f->buf_len);
		if (nl) {
			size_t n = (size_t)(nl - f->buf);
			snprintf(f->line, sizeof(f->line), "%.*s", (int)n, f->buf);
			memmove(f->buf, nl + 1, f->buf_len - n - 1);
			f->buf_len -= n + 1;
			return f->line;
		}
		struct pollfd pfd = { .fd = f->guest_out, .events = POLLIN };
		int64_t left = end - now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		ssize_t n =
			read(f->guest_out, f->buf + f->buf_len, sizeof(f->buf) - f->buf_len - 1);
		if (n <= 0)
			break;
		f->buf_len += (size_t)n;
	}
	NOTE("no line from the guest");
	return NULL;
}

bool vnc_fixture_guest_send(struct vnc_fixture *f, const char *line)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "%s\n", line);
	return n > 0 && (size_t)n < sizeof(buf) && write(f->guest_in, buf, (size_t)n) == n;
}

static int start_guest(struct vnc_fixture *f, const char *const *args)
{
	const char *exe = getenv("VNC_GUEST");
	if (!exe)
		return -ENOENT;
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	const char *argv[16] = { exe, hvhost_harness_vmbus_path(f->h) };
	for (int i = 0; args[i] && i < 13; i++)
		argv[2 + i] = args[i];
	f->guest = fork();
	if (f->guest == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	f->guest_in = in[1];
	f->guest_out = out[0];
	const char *line = vnc_fixture_guest_line(f);
	if (!line || strcmp(line, "ready") != 0)
		return -ECHILD;
	/* An animated guest never settles. */
	for (int i = 0; args[i]; i++) {
		if (strcmp(args[i], "--anim") == 0)
			return 0;
	}
	return vnc_fixture_ok(f, "{\"cmd\":\"wait\",\"what\":\"quiet\",\"ms\":300}") ? 0
										     : -ETIMEDOUT;
}

int vnc_fixture_start(
	struct vnc_fixture *f, const char *const *hvhost_args, const char *const *guest_args)
{
	*f = (struct vnc_fixture){ .guest = -1, .guest_in = -1, .guest_out = -1 };
	if (!getenv("VNC_GUEST"))
		return -ENOENT;
	const char *argv[32] = { "--vnc", "127.0.0.1:0" };
	for (int i = 0; hvhost_args && hvhost_args[i] && i < 29; i++)
		argv[2 + i] = hvhost_args[i];
	int ret = hvhost_harness_start(&f->h, argv);
	if (ret < 0)
		return ret;
	f->port = (int)vnc_fixture_get_path(f, "vnc", "port");
	if (f->port <= 0)
		return -EPROTO;
	return guest_args ? start_guest(f, guest_args) : 0;
}

int vnc_fixture_stop(struct vnc_fixture *f)
{
	if (f->guest_in >= 0)
		close(f->guest_in);
	if (f->guest > 0) {
		kill(f->guest, SIGTERM);
		waitpid(f->guest, NULL, 0);
	}
	if (f->guest_out >= 0)
		close(f->guest_out);
	hvhost_conn_close(f->waiter);
	int status = f->h ? hvhost_harness_stop(f->h) : -1;
	hvhost_harness_destroy(f->h);
	*f = (struct vnc_fixture){ .guest = -1, .guest_in = -1, .guest_out = -1 };
	return status;
}

static const char *screenshot(struct vnc_fixture *f, const char *name, bool cursor)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s", hvhost_harness_path(f->h, name));
	char line[700];
	snprintf(line, sizeof(line), "{\"cmd\":\"screenshot\",\"path\":\"%s\",\"cursor\":%s}", path,
		cursor ? "true" : "false");
	return vnc_fixture_ok(f, line) ? path : NULL;
}

const char *vnc_fixture_screenshot(struct vnc_fixture *f, const char *name)
{
	return screenshot(f, name, false);
}

const char *vnc_fixture_screenshot_cursor(struct vnc_fixture *f, const char *name)
{
	return screenshot(f, name, true);
}

bool vnc_have(const char *program)
{
	/* A path names the program itself (a build-tree guest such as hvcon), not a PATH entry. */
	if (strchr(program, '/'))
		return access(program, X_OK) == 0;
	const char *path = getenv("PATH");
	char buf[512];
	while (path && *path) {
		const char *colon = strchr(path, ':');
		int n = colon ? (int)(colon - path) : (int)strlen(path);
		snprintf(buf, sizeof(buf), "%.*s/%s", n, path, program);
		if (access(buf, X_OK) == 0)
			return true;
		path = colon ? colon + 1 : NULL;
	}
	return false;
}

int vnc_run(const char *const *argv, const char *log_path, int timeout_ms)
{
	if (!vnc_have(argv[0]))
		return -ENOENT;
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int fd = log_path ? open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644) : 2;
		dup2(fd, 1);
		dup2(fd, 2);
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		setpgid(0, 0);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	/* A pidfd turns the child's end into something poll() waits for. */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	if (pidfd < 0 || poll(&pfd, 1, timeout_ms) <= 0) {
		NOTE("%s did not finish in %d ms: killed", argv[0], timeout_ms);
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	if (pidfd >= 0)
		close(pidfd);
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Reads c's messages (asking for more after each update) until the waiter's reply comes. */
static int read_until_reply(struct vnc_fixture *f, struct rfb_client *c)
{
	int64_t end = now_ms() + HVHOST_HARNESS_TIMEOUT_MS;
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = hvhost_conn_fd(f->waiter), .events = POLLIN },
			{ .fd = c->fd, .events = POLLIN },
		};
		int64_t left = end - now_ms();
		if (left <= 0 || poll(fds, 2, (int)left) <= 0) {
			NOTE("vnc_synced for %s: no answer", rfb_client_peer(c));
			return -ETIMEDOUT;
		}
		if (fds[0].revents)
			break;
		int t = rfb_client_read(c, RFB_CLIENT_TIMEOUT_MS);
		if (t < 0)
			return t;
		if (t == 0 && rfb_client_request(c, true) < 0)
			return -EPIPE;
	}
	struct json_object *r = hvhost_conn_read(f->waiter), *ok = NULL;
	bool good = r && json_object_object_get_ex(r, "ok", &ok) && json_object_get_boolean(ok);
	if (!good)
		NOTE("vnc_synced -> %s", r ? json_object_to_json_string(r) : "(nothing)");
	json_object_put(r);
	return good ? 0 : -EPROTO;
}

int vnc_fixture_sync(struct vnc_fixture *f, struct rfb_client *c)
{
	if (!f->waiter && !(f->waiter = hvhost_harness_connect(f->h)))
		return -EIO;
	char line[160];
	snprintf(line, sizeof(line), "{\"cmd\":\"wait\",\"what\":\"vnc_synced\",\"peer\":\"%s\"}\n",
		rfb_client_peer(c));
	/* Whatever it asked for before may still be owed: ask for more so the server can send. */
	int ret = rfb_client_request(c, true);
	if (ret == 0)
		ret = hvhost_conn_send(f->waiter, line, strlen(line));
	if (ret == 0)
		ret = read_until_reply(f, c);
	return ret == 0 ? rfb_client_fence(c) : ret;
}

long vnc_fixture_diff(struct vnc_fixture *f, const struct rfb_client *c, const char *name)
{
	const char *shot = screenshot(f, name, !c->cursor_shapes_listed);
	struct png_image_rgb want = { 0 };
	if (!shot || png_read_rgb(shot, &want) < 0)
		return -1;
	long diff = -1;
	if (want.width == c->width && want.height == c->height) {
		diff = 0;
		for (uint32_t y = 0; y < want.height; y++) {
			for (uint32_t x = 0; x < want.width; x++) {
				uint32_t w =
					rfb_format_pixel(&c->pf, png_image_rgb_at(&want, x, y));
				uint32_t g = c->fb[(size_t)y * c->width + x];
				if (w != g && diff++ == 0)
					NOTE("first difference at %u,%u: want %06x, got %06x", x, y,
						w, g);
			}
		}
	} else {
		NOTE("client %ux%u, screen %ux%u", c->width, c->height, want.width, want.height);
	}
	png_image_rgb_free(&want);
	return diff;
}
