/*
 * The client library of the shim's socket protocol (doc/shim-protocol.md), for other processes.
 *
 * The server is a peer too: its answers are decoded by the same codec and checked (a buffer's
 * fd must be as large as the size it announces, and that size must match what was asked for)
 * before anything is mapped.
 */
#include "shim_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "shim_packet.h"
#include "shim_proto.h"

#define WAIT_MS 5000

struct shim_client_buffer {
	struct shim_client *client;
	struct shim_client_buffer *next;
	uint32_t id, width, height, stride;
	size_t size;
	void *data;
	bool busy;
};

struct shim_client_surface {
	struct shim_client *client;
	struct shim_client_surface *next;
	uint32_t id;
	struct shim_client_buffer *pending; // attached since the last commit
	bool attached;
};

struct shim_client {
	int fd;
	bool dead;
	const struct shim_client_listener *listener;
	void *data;
	uint32_t width, height, refresh_mhz;
	uint32_t next_buffer_id, next_surface_id, next_serial;
	struct shim_client_buffer *buffers;
	struct shim_client_surface *surfaces;
	/* What a wait is waiting for. */
	uint16_t awaited_type;
	uint32_t awaited_value; // serial or buffer id
	bool awaited_seen;
	struct shim_proto_msg awaited;
	int awaited_fd;
};

static const struct shim_client_listener no_listener = { 0 };

/* ---- Sending ----------------------------------------------------------------------------- */

static int send_msg(struct shim_client *c, const struct shim_proto_msg *msg)
{
	uint8_t buf[SHIM_PROTO_MAX_MESSAGE];
	if (c->dead)
		return -ENOTCONN;
	int len = shim_proto_encode(msg, buf, sizeof(buf));
	if (len < 0)
		return len;
	if (shim_packet_send(c->fd, buf, (size_t)len, -1, false) < 0) {
		c->dead = true;
		return -ENOTCONN;
	}
	return 0;
}

/* ---- Receiving ----------------------------------------------------------------------------- */

static struct shim_client_buffer *buffer_by_id(struct shim_client *c, uint32_t id)
{
	for (struct shim_client_buffer *b = c->buffers; b; b = b->next) {
		if (b->id == id)
			return b;
	}
	return NULL;
}

static struct shim_client_surface *surface_by_id(struct shim_client *c, uint32_t id)
{
	for (struct shim_client_surface *s = c->surfaces; s; s = s->next) {
		if (s->id == id)
			return s;
	}
	return NULL;
}

static void handle_event(struct shim_client *c, const struct shim_proto_msg *msg, int fd)
{
	const struct shim_client_listener *l = c->listener;
	if (c->awaited_type == msg->type &&
		(msg->type == SHIM_PROTO_WELCOME ||
			(msg->type == SHIM_PROTO_SYNC_DONE &&
				msg->u.sync.serial == c->awaited_value) ||
			(msg->type == SHIM_PROTO_BUFFER_ALLOCATED &&
				msg->u.buffer_allocated.buffer == c->awaited_value))) {
		c->awaited_seen = true;
		c->awaited = *msg;
		c->awaited_fd = fd;
		return;
	}
	if (fd >= 0)
		close(fd);
	switch (msg->type) {
	case SHIM_PROTO_BUFFER_RELEASE: {
		struct shim_client_buffer *b = buffer_by_id(c, msg->u.object.id);
		if (b) {
			b->busy = false;
			if (l->release)
				l->release(c->data, b);
		}
		break;
	}
	case SHIM_PROTO_FRAME_DONE: {
		struct shim_client_surface *s = surface_by_id(c, msg->u.frame_done.surface);
		if (s && l->frame_done)
			l->frame_done(c->data, s, msg->u.frame_done.time_ns);
		break;
	}
	case SHIM_PROTO_MODE:
		c->width = msg->u.mode.width;
		c->height = msg->u.mode.height;
		c->refresh_mhz = msg->u.mode.refresh_mhz;
		if (l->mode)
			l->mode(c->data, c->width, c->height, c->refresh_mhz);
		break;
	case SHIM_PROTO_ERROR:
		c->dead = true;
		if (l->error)
			l->error(
				c->data, msg->u.error.code, msg->u.error.object, msg->u.error.text);
		break;
	default:
		break; // stale answers of a wait that gave up, or a newer server's events
	}
}

/* One packet: 1 handled, 0 none waiting, negative errno. */
static int read_one(struct shim_client *c)
{
	uint8_t buf[SHIM_PROTO_MAX_MESSAGE];
	struct shim_packet_in in;
	int ret = shim_packet_recv(c->fd, buf, sizeof(buf), &in);
	if (ret <= 0) {
		if (ret < 0)
			c->dead = true;
		return ret < 0 ? -ENOTCONN : 0;
	}
	struct shim_proto_msg msg;
	ret = shim_proto_decode(buf, in.len, &msg);
	if (ret == 0 &&
		(shim_proto_is_request(msg.type) || in.too_long || in.too_many_fds ||
			in.n_fds != shim_proto_fd_count(msg.type)))
		ret = -EPROTO;
	if (ret < 0) {
		shim_packet_close_fds(&in);
		/* An event we cannot read may be one a newer server added: skip it. */
		return ret == -EOPNOTSUPP ? 1 : -EPROTO;
	}
	handle_event(c, &msg, in.n_fds ? in.fds[0] : -1);
	return 1;
}

int shim_client_dispatch(struct shim_client *c)
{
	for (;;) {
		if (c->dead)
			return -ENOTCONN;
		int ret = read_one(c);
		if (ret <= 0)
			return ret;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Dispatches until the awaited answer came; it is then in c->awaited (and c->awaited_fd). */
static int wait_for(struct shim_client *c, uint16_t type, uint32_t value)
{
	c->awaited_type = type;
	c->awaited_value = value;
	c->awaited_seen = false;
	c->awaited_fd = -1;
	int64_t deadline = now_ms() + WAIT_MS;
	int ret = 0;
	while (!c->awaited_seen) {
		ret = shim_client_dispatch(c);
		if (ret < 0 || c->awaited_seen)
			break;
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		struct pollfd pfd = { c->fd, POLLIN, 0 };
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
	}
	c->awaited_type = 0;
	return c->awaited_seen ? 0 : ret;
}

int shim_client_roundtrip(struct shim_client *c)
{
	struct shim_proto_msg msg = { .type = SHIM_PROTO_SYNC };
	msg.u.sync.serial = ++c->next_serial;
	int ret = send_msg(c, &msg);
	return ret < 0 ? ret : wait_for(c, SHIM_PROTO_SYNC_DONE, msg.u.sync.serial);
}

/* ---- Connection --------------------------------------------------------------------------- */

int shim_client_connect_fd(
	struct shim_client **out, int fd, const struct shim_client_listener *listener, void *data)
{
	struct shim_client *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->listener = listener ? listener : &no_listener;
	c->data = data;
	struct shim_proto_msg hello = { .type = SHIM_PROTO_HELLO };
	hello.u.hello.version = SHIM_PROTO_VERSION;
	int ret = send_msg(c, &hello);
	if (ret == 0)
		ret = wait_for(c, SHIM_PROTO_WELCOME, 0);
	if (ret < 0) {
		shim_client_destroy(c);
		return ret;
	}
	c->width = c->awaited.u.welcome.width;
	c->height = c->awaited.u.welcome.height;
	c->refresh_mhz = c->awaited.u.welcome.refresh_mhz;
	*out = c;
	return 0;
}

/* $HVDISPLAY_SHIM, which hvcon gives its children, else the default path. */
static int default_path(char *buf, size_t len)
{
	const char *env = getenv("HVDISPLAY_SHIM");
	if (!env || !env[0])
		return shim_socket_default_path(buf, len, false);
	int n = snprintf(buf, len, "%s", env);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int shim_client_connect(struct shim_client **out, const char *path,
	const struct shim_client_listener *listener, void *data)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (!path) {
		int ret = default_path(addr.sun_path, sizeof(addr.sun_path));
		if (ret < 0)
			return ret;
	} else if (strlen(path) >= sizeof(addr.sun_path)) {
		return -ENAMETOOLONG;
	} else {
		strcpy(addr.sun_path, path);
	}
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int ret = -errno;
		close(fd);
		return ret;
	}
	return shim_client_connect_fd(out, fd, listener, data);
}

void shim_client_destroy(struct shim_client *c)
{
	if (!c)
		return;
	while (c->surfaces)
		shim_client_surface_destroy(c->surfaces);
	while (c->buffers)
		shim_client_buffer_destroy(c->buffers);
	close(c->fd);
	free(c);
}

int shim_client_get_fd(const struct shim_client *c)
{
	return c->fd;
}

void shim_client_get_size(const struct shim_client *c, uint32_t *width, uint32_t *height)
{
	if (width)
		*width = c->width;
	if (height)
		*height = c->height;
}

/* ---- Buffers ------------------------------------------------------------------------------- */

/* The server's answer must describe the buffer that was asked for, in an fd that holds it. */
static int map_allocated(struct shim_client_buffer *b, const struct shim_proto_msg *msg, int fd)
{
	uint64_t stride = msg->u.buffer_allocated.stride, size = msg->u.buffer_allocated.size;
	struct stat st;
	if (stride < (uint64_t)b->width * 4 || stride % 4 || size != stride * b->height ||
		fstat(fd, &st) < 0 || (uint64_t)st.st_size < size)
		return -EPROTO;
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	b->stride = (uint32_t)stride;
	b->size = size;
	b->data = map;
	return 0;
}

int shim_client_buffer_create(struct shim_client *c, uint32_t width, uint32_t height,
	uint32_t format, struct shim_client_buffer **out)
{
	if (!width || !height ||
		(format != SHIM_CLIENT_FORMAT_ARGB8888 && format != SHIM_CLIENT_FORMAT_XRGB8888))
		return -EINVAL;
	struct shim_client_buffer *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	*b = (struct shim_client_buffer){
		.client = c, .id = ++c->next_buffer_id, .width = width, .height = height
	};
	struct shim_proto_msg msg = { .type = SHIM_PROTO_BUFFER_ALLOC };
	msg.u.buffer_alloc.buffer = b->id;
	msg.u.buffer_alloc.width = width;
	msg.u.buffer_alloc.height = height;
	msg.u.buffer_alloc.format = format;
	int ret = send_msg(c, &msg);
	if (ret == 0)
		ret = wait_for(c, SHIM_PROTO_BUFFER_ALLOCATED, b->id);
	if (ret == 0) {
		ret = map_allocated(b, &c->awaited, c->awaited_fd);
		close(c->awaited_fd);
	}
	if (ret < 0) {
		free(b);
		return ret;
	}
	b->next = c->buffers;
	c->buffers = b;
	*out = b;
	return 0;
}

void shim_client_buffer_destroy(struct shim_client_buffer *b)
{
	if (!b)
		return;
	struct shim_client *c = b->client;
	struct shim_proto_msg msg = { .type = SHIM_PROTO_BUFFER_DESTROY };
	msg.u.object.id = b->id;
	send_msg(c, &msg);
	for (struct shim_client_surface *s = c->surfaces; s; s = s->next) {
		if (s->pending == b)
			s->pending = NULL;
	}
	for (struct shim_client_buffer **p = &c->buffers; *p; p = &(*p)->next) {
		if (*p == b) {
			*p = b->next;
			break;
		}
	}
	munmap(b->data, b->size);
	free(b);
}

void *shim_client_buffer_data(const struct shim_client_buffer *b)
{
	return b->data;
}

uint32_t shim_client_buffer_stride(const struct shim_client_buffer *b)
{
	return b->stride;
}

bool shim_client_buffer_is_busy(const struct shim_client_buffer *b)
{
	return b->busy;
}

/* ---- Surfaces ------------------------------------------------------------------------------ */

int shim_client_surface_create(struct shim_client *c, struct shim_client_surface **out)
{
	struct shim_client_surface *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->client = c;
	s->id = ++c->next_surface_id;
	struct shim_proto_msg msg = { .type = SHIM_PROTO_SURFACE_CREATE };
	msg.u.object.id = s->id;
	int ret = send_msg(c, &msg);
	if (ret < 0) {
		free(s);
		return ret;
	}
	s->next = c->surfaces;
	c->surfaces = s;
	*out = s;
	return 0;
}

void shim_client_surface_destroy(struct shim_client_surface *s)
{
	if (!s)
		return;
	struct shim_client *c = s->client;
	struct shim_proto_msg msg = { .type = SHIM_PROTO_SURFACE_DESTROY };
	msg.u.object.id = s->id;
	send_msg(c, &msg);
	for (struct shim_client_surface **p = &c->surfaces; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	free(s);
}

int shim_client_surface_attach(struct shim_client_surface *s, struct shim_client_buffer *b)
{
	struct shim_proto_msg msg = { .type = SHIM_PROTO_SURFACE_ATTACH };
	msg.u.attach.surface = s->id;
	msg.u.attach.buffer = b ? b->id : 0;
	int ret = send_msg(s->client, &msg);
	if (ret == 0) {
		s->pending = b;
		s->attached = true;
	}
	return ret;
}

static int send_rect(
	struct shim_client_surface *s, uint16_t type, int32_t x, int32_t y, int32_t w, int32_t h)
{
	struct shim_proto_msg msg = { .type = type };
	msg.u.damage = (struct shim_proto_rect){ s->id, x, y, w, h };
	return send_msg(s->client, &msg);
}

int shim_client_surface_damage(
	struct shim_client_surface *s, int32_t x, int32_t y, int32_t width, int32_t height)
{
	return send_rect(s, SHIM_PROTO_SURFACE_DAMAGE, x, y, width, height);
}

int shim_client_surface_set_opaque(
	struct shim_client_surface *s, int32_t x, int32_t y, int32_t width, int32_t height)
{
	return send_rect(s, SHIM_PROTO_SURFACE_OPAQUE, x, y, width, height);
}

int shim_client_surface_set_position(struct shim_client_surface *s, int32_t x, int32_t y)
{
	struct shim_proto_msg msg = { .type = SHIM_PROTO_SURFACE_POSITION };
	msg.u.position.surface = s->id;
	msg.u.position.x = x;
	msg.u.position.y = y;
	return send_msg(s->client, &msg);
}

int shim_client_surface_set_z(struct shim_client_surface *s, int32_t z)
{
	struct shim_proto_msg msg = { .type = SHIM_PROTO_SURFACE_Z };
	msg.u.z.surface = s->id;
	msg.u.z.z = z;
	return send_msg(s->client, &msg);
}

int shim_client_surface_set_visible(struct shim_client_surface *s, bool visible)
{
	struct shim_proto_msg msg = { .type = SHIM_PROTO_SURFACE_VISIBLE };
	msg.u.visible.surface = s->id;
	msg.u.visible.visible = visible;
	return send_msg(s->client, &msg);
}

int shim_client_surface_commit(struct shim_client_surface *s, bool want_frame)
{
	struct shim_proto_msg msg = { .type = SHIM_PROTO_SURFACE_COMMIT };
	msg.u.commit.surface = s->id;
	msg.u.commit.flags = want_frame ? SHIM_PROTO_COMMIT_FRAME : 0;
	int ret = send_msg(s->client, &msg);
	if (ret == 0 && s->attached) {
		if (s->pending)
			s->pending->busy = true;
		s->attached = false;
		s->pending = NULL;
	}
	return ret;
}
