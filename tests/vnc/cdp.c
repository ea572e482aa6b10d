/* Headless Chromium over the DevTools pipe (cdp.h). */
#include "cdp.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

struct cdp {
	pid_t pid;
	int to, from; // the browser's fd 3 and fd 4, our ends
	char dir[64]; // --user-data-dir
	char *buf;    // bytes read and not yet parsed
	size_t len, cap;
	int next_id;
	char session[64]; // the page's session, once attached
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the browser process ---- */

static void exec_browser(
	int cmd_fd, int reply_fd, int width, int height, const char *dir, const char *log_path)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Above 4 first, so placing one cannot close the other; dup2 clears close-on-exec. */
	int a = fcntl(cmd_fd, F_DUPFD, 10), b = fcntl(reply_fd, F_DUPFD, 10);
	dup2(a, 3);
	dup2(b, 4);
	int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	dup2(null, 0);
	dup2(log, 1);
	dup2(log, 2);
	char profile[96], size[48];
	snprintf(profile, sizeof(profile), "--user-data-dir=%s", dir);
	snprintf(size, sizeof(size), "--window-size=%d,%d", width, height);
	/* No network beyond loopback, nothing in the background, no GPU, a new profile. */
	const char *argv[] = { "chromium", "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--hide-scrollbars", profile, size,
		"--remote-debugging-pipe", "about:blank", NULL };
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

int cdp_start(struct cdp **out, int width, int height, const char *log_path)
{
	struct cdp *c = calloc(1, sizeof(*c));
	int cmd[2], reply[2];
	if (!c)
		return -ENOMEM;
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(c->dir, sizeof(c->dir), "%s/hvd-chromium-XXXXXX", tmp);
	if (!mkdtemp(c->dir) || pipe2(cmd, O_CLOEXEC) < 0 || pipe2(reply, O_CLOEXEC) < 0) {
		NOTE("cannot set up the browser: %s", strerror(errno));
		free(c);
		return -errno;
	}
	c->pid = fork();
	if (c->pid == 0)
		exec_browser(cmd[0], reply[1], width, height, c->dir, log_path);
	close(cmd[0]);
	close(reply[1]);
	c->to = cmd[1];
	c->from = reply[0];
	*out = c;
	return c->pid > 0 ? 0 : -errno;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void cdp_stop(struct cdp *c)
{
	if (!c)
		return;
	c->session[0] = '\0';
	json_object_put(cdp_call(c, "Browser.close", NULL));
	/* Its helpers follow it out; whatever of the group is left goes now. */
	int pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	if (pidfd < 0 || poll(&pfd, 1, CDP_TIMEOUT_MS) <= 0)
		NOTE("the browser did not close: killed");
	if (pidfd >= 0)
		close(pidfd);
	kill(-c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	close(c->to);
	close(c->from);
	nftw(c->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(c->buf);
	free(c);
}

/* ---- messages ---- */

static int send_all(struct cdp *c, const char *text, size_t len)
{
	while (len) {
		ssize_t n = write(c->to, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The next whole message, parsed; NULL after end (a note says why). */
static struct json_object *next_message(struct cdp *c, int64_t end)
{
	for (;;) {
		char *nul = c->len ? memchr(c->buf, '\0', c->len) : NULL;
		if (nul) {
			struct json_object *m = json_tokener_parse(c->buf);
			size_t used = (size_t)(nul - c->buf) + 1;
			memmove(c->buf, nul + 1, c->len - used);
			c->len -= used;
			if (m)
				return m;
			continue;
		}
		if (c->cap - c->len < 65536) {
			size_t cap = c->cap ? c->cap * 2 : 1 << 20;
			char *p = realloc(c->buf, cap);
			if (!p)
				return NULL;
			c->buf = p;
			c->cap = cap;
		}
		struct pollfd pfd = { .fd = c->from, .events = POLLIN };
		int64_t left = end - now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			NOTE("no answer from the browser");
			return NULL;
		}
		ssize_t n = read(c->from, c->buf + c->len, c->cap - c->len);
		if (n <= 0) {
			NOTE("the browser went away");
			return NULL;
		}
		c->len += (size_t)n;
	}
}

static int send_command(struct cdp *c, const char *method, const char *params)
{
	char *line = NULL;
	int id = ++c->next_id;
	int n = asprintf(&line, "{\"id\":%d,\"method\":\"%s\",\"params\":%s%s%s%s}", id, method,
		params ? params : "{}", c->session[0] ? ",\"sessionId\":\"" : "", c->session,
		c->session[0] ? "\"" : "");
	if (n < 0)
		return -ENOMEM;
	int ret = send_all(c, line, (size_t)n + 1); // with the NUL that ends it
	free(line);
	return ret < 0 ? ret : id;
}

static bool is_event(struct json_object *m, const char *event)
{
	struct json_object *method = NULL;
	return event && json_object_object_get_ex(m, "method", &method) &&
		strcmp(json_object_get_string(method), event) == 0;
}

/* Reads until the reply to id (and, if event is not NULL, that event) came. */
static struct json_object *wait_reply(struct cdp *c, int id, const char *method, const char *event)
{
	int64_t end = now_ms() + CDP_TIMEOUT_MS;
	struct json_object *result = NULL;
	bool replied = false, seen = !event;
	while (!replied || !seen) {
		struct json_object *m = next_message(c, end), *v = NULL;
		if (!m)
			break;
		seen |= is_event(m, event);
		if (json_object_object_get_ex(m, "id", &v) && json_object_get_int(v) == id) {
			replied = true;
			if (json_object_object_get_ex(m, "result", &v))
				result = json_object_get(v);
			else
				NOTE("%s: %s", method, json_object_to_json_string(m));
		}
		json_object_put(m);
	}
	if (!replied || !seen || !result) {
		json_object_put(result);
		return NULL;
	}
	return result;
}

struct json_object *cdp_call(struct cdp *c, const char *method, const char *params)
{
	int id = send_command(c, method, params);
	return id < 0 ? NULL : wait_reply(c, id, method, NULL);
}

int cdp_call_and_wait_event(
	struct cdp *c, const char *method, const char *params, const char *event)
{
	int id = send_command(c, method, params);
	struct json_object *r = id < 0 ? NULL : wait_reply(c, id, method, event);
	json_object_put(r);
	return r ? 0 : -ETIMEDOUT;
}

int cdp_open_page(struct cdp *c)
{
	struct json_object *r = cdp_call(c, "Target.createTarget", "{\"url\":\"about:blank\"}"), *v;
	if (!r || !json_object_object_get_ex(r, "targetId", &v)) {
		json_object_put(r);
		return -EPROTO;
	}
	char params[160];
	snprintf(params, sizeof(params), "{\"targetId\":\"%s\",\"flatten\":true}",
		json_object_get_string(v));
	json_object_put(r);
	r = cdp_call(c, "Target.attachToTarget", params);
	if (!r || !json_object_object_get_ex(r, "sessionId", &v)) {
		json_object_put(r);
		return -EPROTO;
	}
	snprintf(c->session, sizeof(c->session), "%s", json_object_get_string(v));
	json_object_put(r);
	r = cdp_call(c, "Page.enable", NULL);
	json_object_put(r);
	return r ? 0 : -EPROTO;
}

struct json_object *cdp_eval(struct cdp *c, const char *expression)
{
	struct json_object *p = json_object_new_object(), *r, *v = NULL, *value = NULL;
	json_object_object_add(p, "expression", json_object_new_string(expression));
	json_object_object_add(p, "awaitPromise", json_object_new_boolean(1));
	json_object_object_add(p, "returnByValue", json_object_new_boolean(1));
	r = cdp_call(c, "Runtime.evaluate", json_object_to_json_string(p));
	json_object_put(p);
	if (r && json_object_object_get_ex(r, "exceptionDetails", &v))
		NOTE("exception in '%.60s': %s", expression, json_object_to_json_string(v));
	else if (r && json_object_object_get_ex(r, "result", &v) &&
		json_object_object_get_ex(v, "value", &value))
		value = json_object_get(value);
	json_object_put(r);
	return value;
}

/* ---- base64 ---- */

static int b64_value(char ch)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = ch ? strchr(alphabet, ch) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

uint8_t *cdp_base64_decode(const char *text, size_t *len)
{
	size_t n = strlen(text);
	uint8_t *out = malloc(n / 4 * 3 + 3);
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; out && i < n && text[i] != '='; i++) {
		int v = b64_value(text[i]);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	*len = o;
	return out;
}
