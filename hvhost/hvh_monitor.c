/*
 * The monitor socket (vmbus-emu.md §6): clients, line framing, one request at a time per
 * client, reply queues. Parsing is hvh_monitor_cmd.c; `wait` is hvh_wait.c.
 *
 * Closing a client is deferred to the kick timer (a 0 ms timer that runs after the current
 * callbacks): a reply can fail to send from deep inside a device model's call, and freeing the
 * client there would pull it from under the code that is still walking it.
 */
#define LOG_MODULE "monitor"
#include "hvh_monitor.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hvh_wait.h"
#include "log.h"

/* Stop reading a client's requests while this much of its replies is unsent. */
#define OUT_HIGH_WATER (64 * 1024)
#define IN_INITIAL 4096

struct handler {
	hvh_command_fn fn;
	void *data;
};

struct client {
	struct hvh_monitor *mon;
	struct client *next;
	int fd;
	struct loop_source *src;
	char *in; // received bytes not yet handled: [in_start, in_len)
	size_t in_start, in_len, in_cap;
	bool discarding; // dropping the rest of an overlong line
	bool eof;        // the peer sends no more; close once everything is answered
	bool dead;       // freed by the next kick
	char *out;       // replies not yet sent: [out_pos, out_len)
	size_t out_pos, out_len, out_cap;
	struct hvh_request *pending;
};

struct hvh_request {
	struct hvh_monitor *mon;
	struct hvh_request *prev, *next; // every live request, for destroy
	struct client *client;           // NULL once the client went away
	struct hvh_cmd cmd;
	struct json_object *reply;
	hvh_request_cancel_fn cancel;
	void *cancel_data;
};

struct hvh_monitor {
	struct loop *loop;
	char *path;
	int listen_fd;
	struct loop_source *listen_src;
	struct loop_source *kick;
	struct client *clients;
	size_t n_clients;
	struct hvh_request *requests;
	struct hvh_cmd_table *table;
	struct handler **handlers;
	size_t n_handlers;
	struct hvh_waits *waits;
};

static void client_update_events(struct client *c);
static void process_input(struct client *c);

static void kick(struct hvh_monitor *mon)
{
	loop_timer_arm(mon->kick, 0);
}

/* ---- requests ---- */

static void request_unlink(struct hvh_request *req)
{
	struct hvh_monitor *mon = req->mon;
	if (req->prev)
		req->prev->next = req->next;
	else
		mon->requests = req->next;
	if (req->next)
		req->next->prev = req->prev;
}

static void request_free(struct hvh_request *req)
{
	request_unlink(req);
	hvh_cmd_finish(&req->cmd);
	json_object_put(req->reply);
	free(req);
}

/* Detaches req from its client; runs its cancel hook (and frees it) if it has one. */
static void request_abandon(struct hvh_request *req)
{
	if (req->client) {
		req->client->pending = NULL;
		req->client = NULL;
	}
	if (req->cancel) {
		req->cancel(req->cancel_data, req);
		request_free(req);
	}
}

static void client_kill(struct client *c)
{
	if (c->dead)
		return;
	c->dead = true;
	loop_remove(c->src);
	c->src = NULL;
	if (c->pending)
		request_abandon(c->pending);
	kick(c->mon);
}

/* A client that has sent its last line is closed once every reply is out. */
static void client_close_if_finished(struct client *c)
{
	if (c->eof && !c->pending && c->in_start == c->in_len && c->out_pos == c->out_len)
		client_kill(c);
}

static void client_flush(struct client *c)
{
	while (!c->dead && c->out_pos < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos,
			MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				client_kill(c);
			break;
		}
		c->out_pos += (size_t)n;
	}
	if (c->out_pos == c->out_len)
		c->out_pos = c->out_len = 0;
	client_close_if_finished(c);
	client_update_events(c);
}

static void client_queue(struct client *c, const char *text, size_t len)
{
	if (c->dead)
		return;
	size_t need = c->out_len + len + 1;
	if (need - c->out_pos > HVH_MONITOR_MAX_QUEUED) {
		log_bug_client("monitor client %d does not read its replies; dropping it", c->fd);
		client_kill(c);
		return;
	}
	if (need > c->out_cap) {
		if (c->out_pos > 0) {
			memmove(c->out, c->out + c->out_pos, c->out_len - c->out_pos);
			c->out_len -= c->out_pos;
			c->out_pos = 0;
		}
		size_t cap = c->out_cap ? c->out_cap : IN_INITIAL;
		while (cap < c->out_len + len + 1)
			cap *= 2;
		char *out = realloc(c->out, cap);
		if (!out) {
			log_error("out of memory for a monitor reply; dropping client %d", c->fd);
			client_kill(c);
			return;
		}
		c->out = out;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
	client_flush(c);
}

static void client_send_json(struct client *c, struct json_object *obj)
{
	const char *text = obj ? json_object_to_json_string_ext(obj,
					 JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
			       : NULL;
	if (!text)
		text = "{\"ok\":false,\"error\":\"out of memory\"}";
	client_queue(c, text, strlen(text));
}

static void client_send_error(struct client *c, const char *error)
{
	struct json_object *obj = json_object_new_object();
	if (obj) {
		json_object_object_add(obj, "ok", json_object_new_boolean(false));
		json_object_object_add(obj, "error", json_object_new_string(error));
	}
	client_send_json(c, obj);
	json_object_put(obj);
}

struct json_object *hvh_request_reply(struct hvh_request *req)
{
	if (!req->reply) {
		req->reply = json_object_new_object();
		if (req->reply &&
			json_object_object_add(req->reply, "ok", json_object_new_boolean(true)) <
				0) {
			json_object_put(req->reply);
			req->reply = NULL;
		}
	}
	return req->reply;
}

/*
 * Sends the reply (an object, or the error text when error is set) and frees req. The client
 * is detached before anything is sent: a failing send kills the client, which must then not
 * find this request pending and cancel it under our feet.
 */
static void request_finish(struct hvh_request *req, struct json_object *reply, const char *error)
{
	struct client *c = req->client;
	if (c) {
		c->pending = NULL;
		req->client = NULL;
		if (error)
			client_send_error(c, error);
		else
			client_send_json(c, reply);
		/* Its next line, if any, is handled after the current callback. */
		kick(req->mon);
	}
	request_free(req);
}

void hvh_request_done(struct hvh_request *req)
{
	request_finish(req, hvh_request_reply(req), NULL);
}

void hvh_request_fail(struct hvh_request *req, const char *fmt, ...)
{
	char error[512];
	va_list args;
	va_start(args, fmt);
	vsnprintf(error, sizeof(error), fmt, args);
	va_end(args);
	request_finish(req, NULL, error);
}

void hvh_request_set_cancel(struct hvh_request *req, hvh_request_cancel_fn fn, void *data)
{
	req->cancel = fn;
	req->cancel_data = data;
}

/* ---- lines ---- */

static void handle_line(struct client *c, const char *line, size_t len)
{
	struct hvh_monitor *mon = c->mon;
	char err[HVH_MONITOR_ERR_MAX];
	struct hvh_cmd cmd;
	int ret = hvh_cmd_parse(mon->table, line, len, &cmd, err, sizeof(err));
	if (ret == -ENODATA)
		return;
	if (ret < 0) {
		log_bug_client("monitor client %d: %s", c->fd, err);
		client_send_error(c, err);
		return;
	}
	struct hvh_request *req = calloc(1, sizeof(*req));
	if (!req) {
		hvh_cmd_finish(&cmd);
		client_send_error(c, "out of memory");
		return;
	}
	*req = (struct hvh_request){ .mon = mon, .client = c, .cmd = cmd, .next = mon->requests };
	if (mon->requests)
		mon->requests->prev = req;
	mon->requests = req;
	c->pending = req;
	log_debug("monitor client %d: %s", c->fd, cmd.def->name);
	const struct handler *h = cmd.def->cookie;
	h->fn(h->data, req, cmd.req);
}

/* The end of the next complete line in the input, or NULL. */
static char *next_newline(struct client *c)
{
	return memchr(c->in + c->in_start, '\n', c->in_len - c->in_start);
}

/* Handles buffered lines until one leaves a request pending or the input runs dry. */
static void process_input(struct client *c)
{
	while (!c->dead && !c->pending && c->in_start < c->in_len) {
		char *start = c->in + c->in_start;
		char *nl = next_newline(c);
		size_t avail = c->in_len - c->in_start;
		if (c->discarding) {
			c->in_start = nl ? (size_t)(nl - c->in) + 1 : c->in_len;
			c->discarding = !nl;
		} else if (nl) {
			c->in_start = (size_t)(nl - c->in) + 1;
			handle_line(c, start, (size_t)(nl - start));
		} else if (avail > HVH_MONITOR_MAX_LINE) {
			log_bug_client("monitor client %d: line too long", c->fd);
			client_send_error(
				c, "line too long: over 65536 bytes (the limit is 65536)");
			c->in_start = c->in_len;
			c->discarding = true;
		} else if (c->eof) {
			/* A last request without its newline: answer it anyway. */
			c->in_start = c->in_len;
			handle_line(c, start, avail);
		} else {
			break;
		}
	}
	if (c->in_start == c->in_len)
		c->in_start = c->in_len = 0;
	client_close_if_finished(c);
	client_update_events(c);
}

_Static_assert(HVH_MONITOR_MAX_LINE == 65536, "the line-too-long text names the limit");

/* Makes room for at least one byte past the longest line, so an overlong one is detected. */
static int client_make_room(struct client *c)
{
	if (c->in_start > 0) {
		memmove(c->in, c->in + c->in_start, c->in_len - c->in_start);
		c->in_len -= c->in_start;
		c->in_start = 0;
	}
	if (c->in_len < c->in_cap)
		return 0;
	size_t cap = c->in_cap ? c->in_cap * 2 : IN_INITIAL;
	if (cap > HVH_MONITOR_MAX_LINE + 1)
		cap = HVH_MONITOR_MAX_LINE + 1;
	if (cap <= c->in_len)
		return -ENOBUFS; // a full line is buffered; handle it first
	char *in = realloc(c->in, cap);
	if (!in)
		return -ENOMEM;
	c->in = in;
	c->in_cap = cap;
	return 0;
}

static void client_read(struct client *c)
{
	int ret = client_make_room(c);
	if (ret < 0) {
		if (ret == -ENOMEM)
			client_kill(c);
		return;
	}
	ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			client_kill(c);
		return;
	}
	if (n == 0)
		c->eof = true;
	c->in_len += (size_t)n;
	process_input(c);
}

static void client_update_events(struct client *c)
{
	if (c->dead)
		return;
	short events = 0;
	if (!c->pending && !c->eof && c->out_len - c->out_pos < OUT_HIGH_WATER)
		events |= POLLIN;
	if (c->out_pos < c->out_len)
		events |= POLLOUT;
	loop_fd_set_events(c->src, events);
}

static void on_client(void *data, int fd, short revents)
{
	struct client *c = data;
	if (revents & POLLOUT)
		client_flush(c);
	if (!c->dead && (revents & POLLIN))
		client_read(c);
	/* Gone for good: nothing more to read and no way to answer. What it sent before
	 * closing has been handled above, up to the first request still pending. */
	if (!c->dead && (revents & (POLLHUP | POLLERR))) {
		log_debug("monitor client %d hung up", fd);
		client_kill(c);
	}
}

static void client_free(struct client *c)
{
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

static void on_kick(void *data)
{
	struct hvh_monitor *mon = data;
	for (struct client **pc = &mon->clients; *pc;) {
		struct client *c = *pc;
		if (!c->dead)
			process_input(c);
		if (c->dead) {
			*pc = c->next;
			mon->n_clients--;
			client_free(c);
		} else {
			pc = &c->next;
		}
	}
}

static void refuse_client(int fd)
{
	static const char msg[] = "{\"ok\":false,\"error\":\"too many monitor clients\"}\n";
	ssize_t n = send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)n; // best effort: the client is being turned away
	close(fd);
}

static void on_listen(void *data, int fd, short revents)
{
	struct hvh_monitor *mon = data;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_error("monitor accept: %s", strerror(errno));
			return;
		}
		if (mon->n_clients >= HVH_MONITOR_MAX_CLIENTS) {
			log_bug_client("monitor: more than %d clients; refusing one",
				HVH_MONITOR_MAX_CLIENTS);
			refuse_client(cfd);
			continue;
		}
		struct client *c = calloc(1, sizeof(*c));
		if (c)
			c->src = loop_add_fd(mon->loop, cfd, POLLIN, on_client, c);
		if (!c || !c->src) {
			log_error("out of memory for a monitor client");
			free(c);
			close(cfd);
			continue;
		}
		c->mon = mon;
		c->fd = cfd;
		c->next = mon->clients;
		mon->clients = c;
		mon->n_clients++;
		log_debug("monitor client %d connected", cfd);
	}
}

/* ---- the socket ---- */

/* Binds path; a socket file left by a dead hvhost is replaced, a live one is not. */
static int bind_socket(int fd, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return 0;
	if (errno != EADDRINUSE)
		return -errno;
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	int ret = connect(probe, (struct sockaddr *)&addr, sizeof(addr));
	int err = errno;
	close(probe);
	if (ret == 0 || err != ECONNREFUSED)
		return -EADDRINUSE;
	log_info("replacing stale monitor socket %s", path);
	if (unlink(path) < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return -errno;
	return 0;
}

static int listen_socket(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int ret = bind_socket(fd, path);
	if (ret == 0 && listen(fd, 16) < 0) {
		ret = -errno;
		unlink(path);
	}
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

int hvh_monitor_create(struct hvh_monitor **out, struct loop *loop, const char *path)
{
	struct hvh_monitor *mon = calloc(1, sizeof(*mon));
	if (!mon)
		return -ENOMEM;
	*mon = (struct hvh_monitor){ .loop = loop, .listen_fd = -1 };
	int ret = -ENOMEM;
	mon->path = strdup(path);
	mon->table = hvh_cmd_table_create();
	mon->kick = loop_add_timer(loop, on_kick, mon);
	if (!mon->path || !mon->table || !mon->kick)
		goto err;
	ret = hvh_waits_create(&mon->waits, mon, loop);
	if (ret < 0)
		goto err;
	ret = listen_socket(path);
	if (ret < 0)
		goto err;
	mon->listen_fd = ret;
	mon->listen_src = loop_add_fd(loop, mon->listen_fd, POLLIN, on_listen, mon);
	if (!mon->listen_src) {
		ret = -ENOMEM;
		goto err;
	}
	*out = mon;
	return 0;
err:
	hvh_monitor_destroy(mon);
	return ret;
}

void hvh_monitor_destroy(struct hvh_monitor *mon)
{
	if (!mon)
		return;
	for (struct client *c = mon->clients; c; c = c->next)
		client_kill(c);
	while (mon->requests) {
		struct hvh_request *req = mon->requests;
		if (!req->cancel)
			log_bug_self(
				"monitor request '%s' was never completed", req->cmd.def->name);
		request_abandon(req);
		if (mon->requests == req)
			request_free(req);
	}
	on_kick(mon);
	hvh_waits_destroy(mon->waits);
	if (mon->listen_fd >= 0) {
		loop_remove(mon->listen_src);
		close(mon->listen_fd);
		unlink(mon->path);
	}
	loop_remove(mon->kick);
	for (size_t i = 0; i < mon->n_handlers; i++)
		free(mon->handlers[i]);
	free(mon->handlers);
	hvh_cmd_table_destroy(mon->table);
	free(mon->path);
	free(mon);
}

const char *hvh_monitor_path(const struct hvh_monitor *mon)
{
	return mon->path;
}

void hvh_monitor_flush(struct hvh_monitor *mon, int timeout_ms)
{
	int64_t deadline = loop_now_ms() + timeout_ms;
	for (;;) {
		struct pollfd pfds[HVH_MONITOR_MAX_CLIENTS];
		struct client *owners[HVH_MONITOR_MAX_CLIENTS];
		nfds_t n = 0;
		for (struct client *c = mon->clients; c && n < ARRAY_LEN(pfds); c = c->next) {
			if (!c->dead && c->out_pos < c->out_len) {
				pfds[n] = (struct pollfd){ .fd = c->fd, .events = POLLOUT };
				owners[n++] = c;
			}
		}
		int64_t left = deadline - loop_now_ms();
		if (n == 0 || left <= 0)
			return;
		int ret = poll(pfds, n, (int)left);
		if (ret < 0 && errno != EINTR)
			return;
		for (nfds_t i = 0; i < n; i++) {
			if (pfds[i].revents)
				client_flush(owners[i]);
		}
	}
}

/* ---- registration ---- */

int hvh_monitor_add_command(struct hvh_monitor *mon, const char *cmd,
	const struct hvh_cmd_arg *args, hvh_command_fn fn, void *data)
{
	const struct hvh_cmd_def *old = hvh_cmd_table_find(mon->table, cmd);
	if (old && !old->unavailable)
		return -EEXIST;
	struct handler **handlers =
		realloc(mon->handlers, (mon->n_handlers + 1) * sizeof(*handlers));
	if (!handlers)
		return -ENOMEM;
	mon->handlers = handlers;
	struct handler *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	*h = (struct handler){ .fn = fn, .data = data };
	int ret = hvh_cmd_table_add(mon->table, cmd, args, NULL, h);
	if (ret < 0) {
		free(h);
		return ret;
	}
	mon->handlers[mon->n_handlers++] = h;
	return 0;
}

int hvh_monitor_add_unavailable(struct hvh_monitor *mon, const char *cmd, const char *reason)
{
	return hvh_cmd_table_add(mon->table, cmd, NULL, reason, NULL);
}

bool hvh_monitor_has_command(const struct hvh_monitor *mon, const char *cmd)
{
	const struct hvh_cmd_def *def = hvh_cmd_table_find(mon->table, cmd);
	return def && !def->unavailable;
}

int hvh_monitor_add_wait(struct hvh_monitor *mon, const struct hvh_wait_impl *impl, void *data)
{
	return hvh_waits_add(mon->waits, impl, data);
}

int hvh_monitor_add_wait_unavailable(struct hvh_monitor *mon, const char *what, const char *reason)
{
	return hvh_waits_add_unavailable(mon->waits, what, reason);
}

bool hvh_monitor_has_wait(const struct hvh_monitor *mon, const char *what)
{
	return hvh_waits_has(mon->waits, what);
}

void hvh_monitor_poke(struct hvh_monitor *mon)
{
	hvh_waits_poke(mon->waits);
}
