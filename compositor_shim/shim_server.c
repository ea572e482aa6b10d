/*
 * The shim's socket server: listening socket, client connections, message framing, fds and
 * outgoing queues (doc/shim-protocol.md §1-§2, §5-§6).
 *
 * Clients are untrusted. Each packet is decoded, checked and applied on its own; anything wrong
 * ends in an ERROR event and a disconnect of that client only, logged with log_bug_client() and
 * counted by reason. A client that stops reading fills its queue and is dropped rather than
 * blocking the shim. Everything is non-blocking and sits behind one epoll fd, so the server fits
 * any event loop.
 */
#define LOG_MODULE "shim-server"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "counter.h"
#include "log.h"
#include "macros.h"
#include "shim_packet.h"
#include "shim_server_internal.h"

void server_count(struct shim_server *server, const char *name)
{
	counter_inc(server->counters, name);
}

uint64_t shim_server_get_counter(const struct shim_server *server, const char *name)
{
	return counter_get(server->counters, name);
}

/* ---- Sending ----------------------------------------------------------------------------- */

static void update_epoll(struct server_client *c)
{
	bool want = c->q_len > 0;
	if (want == c->want_out)
		return;
	struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = &c->tag };
	if (epoll_ctl(c->server->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = want;
}

static void flush_queue(struct server_client *c)
{
	while (c->q_len > 0 && !c->dead) {
		struct queued_msg *m = &c->queue[c->q_head];
		int ret = shim_packet_send(c->fd, m->data, m->len, m->fd, true);
		if (ret == -EAGAIN)
			break;
		if (m->fd >= 0)
			close(m->fd);
		m->fd = -1;
		c->q_head = (c->q_head + 1) % SHIM_CLIENT_QUEUE;
		c->q_len--;
		if (ret < 0) {
			/* The peer went away; its hang-up arrives as an event too. */
			server_disconnect(c);
			return;
		}
	}
	if (!c->dead)
		update_epoll(c);
}

void server_send(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	if (c->dead) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (c->q_len == SHIM_CLIENT_QUEUE) {
		if (fd >= 0)
			close(fd);
		log_bug_client("client fd %d does not read its events; disconnecting", c->fd);
		server_count(c->server, "client too slow");
		server_disconnect(c);
		return;
	}
	struct queued_msg *m = &c->queue[(c->q_head + c->q_len) % SHIM_CLIENT_QUEUE];
	int len = shim_proto_encode(msg, m->data, sizeof(m->data));
	if (len < 0) {
		log_bug_self("cannot encode %s", shim_proto_type_to_str(msg->type));
		if (fd >= 0)
			close(fd);
		return;
	}
	m->len = (size_t)len;
	m->fd = fd;
	c->q_len++;
	char name[48];
	snprintf(name, sizeof(name), "tx %s", shim_proto_type_to_str(msg->type));
	server_count(c->server, name);
	flush_queue(c);
}

void server_fail(
	struct server_client *c, enum shim_proto_error code, uint32_t object, const char *reason)
{
	log_bug_client("client fd %d: %s (object %u); disconnecting", c->fd, reason, object);
	server_count(c->server, reason);
	struct shim_proto_msg msg = { .type = SHIM_PROTO_ERROR };
	msg.u.error.code = code;
	msg.u.error.object = object;
	snprintf(msg.u.error.text, sizeof(msg.u.error.text), "%s", reason);
	server_send(c, &msg, -1);
	server_disconnect(c);
}

/* ---- Clients ----------------------------------------------------------------------------- */

void server_disconnect(struct server_client *c)
{
	if (c->dead)
		return;
	c->dead = true;
	epoll_ctl(c->server->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	/* This may run inside one of the client's own callbacks (a release that found the socket
	 * gone): its surfaces and buffers are freed at the reap, outside every callback. */
	uint64_t one = 1;
	if (write(c->server->reap_fd, &one, sizeof(one)) < 0)
		log_bug_self("reap eventfd: %s", strerror(errno));
}

static void client_free(struct server_client *c)
{
	for (size_t i = 0; i < c->q_len; i++) {
		struct queued_msg *m = &c->queue[(c->q_head + i) % SHIM_CLIENT_QUEUE];
		if (m->fd >= 0)
			close(m->fd);
	}
	close(c->fd);
	free(c);
}

static void reap(struct shim_server *server)
{
	uint64_t n;
	if (server->reap_fd >= 0 && read(server->reap_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_bug_self("reap eventfd: %s", strerror(errno));
	for (size_t i = 0; i < SHIM_SERVER_MAX_CLIENTS; i++) {
		struct server_client *c = server->clients[i];
		if (c && c->dead) {
			server_client_release_objects(c);
			server->clients[i] = NULL;
			client_free(c);
		}
	}
}

int shim_server_add_client(struct shim_server *server, int fd)
{
	size_t slot = SHIM_SERVER_MAX_CLIENTS;
	for (size_t i = 0; i < SHIM_SERVER_MAX_CLIENTS && slot == SHIM_SERVER_MAX_CLIENTS; i++) {
		if (!server->clients[i])
			slot = i;
	}
	struct server_client *c = NULL;
	int ret = -ENOSPC;
	if (slot == SHIM_SERVER_MAX_CLIENTS)
		goto err_close;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
		fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		ret = -errno;
		goto err_close;
	}
	c = calloc(1, sizeof(*c));
	ret = -ENOMEM;
	if (!c)
		goto err_close;
	c->tag.kind = EPOLL_TAG_CLIENT;
	c->server = server;
	c->fd = fd;
	for (size_t i = 0; i < SHIM_CLIENT_QUEUE; i++)
		c->queue[i].fd = -1;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c->tag };
	if (epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		ret = -errno;
		goto err_free;
	}
	server->clients[slot] = c;
	server_count(server, "clients accepted");
	return 0;

err_free:
	free(c);
err_close:
	if (ret == -ENOSPC) {
		log_warn("too many shim clients; refusing one");
		server_count(server, "too many clients");
	}
	close(fd);
	return ret;
}

const char *shim_server_get_path(const struct shim_server *server)
{
	return server->path;
}

size_t shim_server_client_count(const struct shim_server *server)
{
	size_t n = 0;
	for (size_t i = 0; i < SHIM_SERVER_MAX_CLIENTS; i++)
		n += server->clients[i] && !server->clients[i]->dead;
	return n;
}

/* ---- Receiving --------------------------------------------------------------------------- */

/* One packet: 1 handled, 0 nothing to read, -1 the client is gone. */
static int read_one(struct server_client *c)
{
	uint8_t buf[SHIM_PROTO_MAX_MESSAGE];
	struct shim_packet_in in;
	int ret = shim_packet_recv(c->fd, buf, sizeof(buf), &in);
	if (ret == 0)
		return 0;
	if (ret < 0) {
		server_count(c->server, "clients gone");
		server_disconnect(c);
		return -1;
	}
	if (in.too_long || in.too_many_fds) {
		shim_packet_close_fds(&in);
		server_fail(c, SHIM_PROTO_ERR_MESSAGE, 0,
			in.too_long ? "message too long" : "too many fds");
		return -1;
	}
	struct shim_proto_msg msg;
	ret = shim_proto_decode(buf, in.len, &msg);
	if (ret == 0 && !shim_proto_is_request(msg.type))
		ret = -EOPNOTSUPP;
	if (ret < 0) {
		shim_packet_close_fds(&in);
		server_fail(c, SHIM_PROTO_ERR_MESSAGE, 0,
			ret == -EMSGSIZE         ? "bad message size"
				: ret == -EPROTO ? "bad message field"
						 : "unknown message type");
		return -1;
	}
	char name[48];
	snprintf(name, sizeof(name), "rx %s", shim_proto_type_to_str(msg.type));
	server_count(c->server, name);
	server_handle_request(c, &msg, in.fds, in.n_fds);
	return c->dead ? -1 : 1;
}

static void client_ready(struct server_client *c, uint32_t events)
{
	if (c->dead)
		return;
	if (events & EPOLLOUT)
		flush_queue(c);
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		for (int i = 0; i < SHIM_CLIENT_BUDGET; i++) {
			if (read_one(c) <= 0)
				break;
		}
	}
}

static void accept_clients(struct shim_server *server)
{
	for (;;) {
		int fd = accept4(server->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		shim_server_add_client(server, fd);
	}
}

int shim_server_dispatch(struct shim_server *server)
{
	struct epoll_event events[16];
	int n = epoll_wait(server->epoll_fd, events, ARRAY_LEN(events), 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct epoll_tag *tag = events[i].data.ptr;
		if (tag->kind == EPOLL_TAG_LISTEN)
			accept_clients(server);
		else if (tag->kind == EPOLL_TAG_CLIENT)
			client_ready(
				container_of(tag, struct server_client, tag), events[i].events);
	}
	reap(server);
	return 0;
}

int shim_server_get_fd(const struct shim_server *server)
{
	return server->epoll_fd;
}

/* ---- Output changes ------------------------------------------------------------------------ */

static void on_resize(void *data, uint32_t width, uint32_t height, uint32_t refresh_mhz)
{
	struct shim_server *server = data;
	struct shim_proto_msg msg = { .type = SHIM_PROTO_MODE };
	msg.u.mode.width = width;
	msg.u.mode.height = height;
	msg.u.mode.refresh_mhz = refresh_mhz;
	for (size_t i = 0; i < SHIM_SERVER_MAX_CLIENTS; i++) {
		struct server_client *c = server->clients[i];
		if (c && c->greeted)
			server_send(c, &msg, -1);
	}
}

static const struct shim_listener server_listener = { .resize = on_resize };

/* ---- Lifecycle ----------------------------------------------------------------------------- */

/* A socket file nobody answers on is a leftover: remove it. One that answers is in use. */
static int clear_stale(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int ret = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	int err = errno;
	close(fd);
	if (ret == 0)
		return -EADDRINUSE;
	if (err == ECONNREFUSED)
		unlink(addr->sun_path);
	return 0;
}

static int listen_on(struct shim_server *server, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	int ret = clear_stale(&addr);
	if (ret < 0)
		return ret;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 8) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	server->path = strdup(path);
	server->listen_fd = fd;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &server->listen_tag };
	if (!server->path || epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return server->path ? -errno : -ENOMEM;
	return 0;
}

int shim_server_create(struct shim_server **out, struct shim *shim, const char *path)
{
	char def[256];
	if (!out || !shim)
		return -EINVAL;
	struct shim_server *server = calloc(1, sizeof(*server));
	if (!server)
		return -ENOMEM;
	server->shim = shim;
	server->listen_fd = -1;
	server->listen_tag.kind = EPOLL_TAG_LISTEN;
	server->reap_tag.kind = EPOLL_TAG_REAP;
	server->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	server->reap_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	server->counters = counter_set_create();
	int ret = -ENOMEM;
	if (server->epoll_fd < 0 || server->reap_fd < 0 || !server->counters)
		goto err;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &server->reap_tag };
	if (epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD, server->reap_fd, &ev) < 0) {
		ret = -errno;
		goto err;
	}
	if (!path) {
		ret = shim_socket_default_path(def, sizeof(def), true);
		if (ret < 0)
			goto err;
		path = def;
	}
	ret = listen_on(server, path);
	if (ret < 0)
		goto err;
	ret = shim_add_listener(shim, &server_listener, server);
	if (ret < 0)
		goto err;
	*out = server;
	return 0;
err:
	log_error("shim server on %s: %s", path ? path : "(default)", strerror(-ret));
	shim_server_destroy(server);
	return ret;
}

void shim_server_destroy(struct shim_server *server)
{
	if (!server)
		return;
	shim_remove_listener(server->shim, &server_listener, server);
	for (size_t i = 0; i < SHIM_SERVER_MAX_CLIENTS; i++) {
		if (server->clients[i])
			server_disconnect(server->clients[i]);
	}
	reap(server);
	if (server->listen_fd >= 0)
		close(server->listen_fd);
	if (server->path)
		unlink(server->path);
	free(server->path);
	if (server->reap_fd >= 0)
		close(server->reap_fd);
	if (server->epoll_fd >= 0)
		close(server->epoll_fd);
	counter_set_destroy(server->counters);
	free(server);
}
