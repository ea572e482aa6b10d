/*
 * What each client request does, after the checks that make it safe (doc/shim-protocol.md §3,
 * §5, §6). Requests map one to one onto the in-process API of shim.h: ids name the client's
 * buffers and surfaces, buffers are memfds the shim maps read-only.
 *
 * Shared memory is the dangerous part. A client could truncate its memfd under our mapping and
 * make the next read fault (SIGBUS), so an imported fd must be sealed against shrinking; the
 * memfds we hand out are sealed against resizing altogether. Every size is checked in 64 bits
 * before anything is mapped.
 */
#define LOG_MODULE "shim-server"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "shim_server_internal.h"

typedef void (*request_fn)(struct server_client *c, const struct shim_proto_msg *msg, int fd);

/* ---- Lookups ------------------------------------------------------------------------------ */

static struct client_buffer **find_buffer_slot(struct server_client *c, uint32_t id)
{
	for (size_t i = 0; i < SHIM_CLIENT_MAX_BUFFERS; i++) {
		if (c->buffers[i] && c->buffers[i]->id == id)
			return &c->buffers[i];
	}
	return NULL;
}

static struct client_buffer **free_buffer_slot(struct server_client *c)
{
	for (size_t i = 0; i < SHIM_CLIENT_MAX_BUFFERS; i++) {
		if (!c->buffers[i])
			return &c->buffers[i];
	}
	return NULL;
}

static struct client_surface *find_surface(struct server_client *c, uint32_t id)
{
	for (size_t i = 0; i < SHIM_CLIENT_MAX_SURFACES; i++) {
		if (c->surfaces[i].id == id)
			return &c->surfaces[i];
	}
	return NULL;
}

static struct client_surface *surface_or_fail(struct server_client *c, uint32_t id)
{
	struct client_surface *s = find_surface(c, id);
	if (!s)
		server_fail(c, SHIM_PROTO_ERR_OBJECT, id, "unknown surface");
	return s;
}

/* ---- Buffers ------------------------------------------------------------------------------ */

struct mapping {
	void *addr;
	size_t len;
};

static void unmap_image(pixman_image_t *image, void *data)
{
	struct mapping *m = data;
	munmap(m->addr, m->len);
	free(m);
}

/* The id is gone; surfaces that still show or have attached the buffer keep their own
 * references, and nobody hears of its release. */
static void free_record(struct client_buffer *b)
{
	shim_buffer_set_release(b->buffer, NULL, NULL);
	shim_buffer_unref(b->buffer);
	free(b);
}

static void on_release(void *data, struct shim_buffer *buffer)
{
	struct client_buffer *b = data;
	if (b->client->dead)
		return;
	struct shim_proto_msg msg = { .type = SHIM_PROTO_BUFFER_RELEASE };
	msg.u.object.id = b->id;
	server_send(b->client, &msg, -1);
}

/* Wraps a read-only mapping of len bytes (pixels at offset) in a shim buffer with this id. */
static int add_buffer(struct server_client *c, uint32_t id, uint32_t w, uint32_t h, uint32_t format,
	uint32_t stride, void *map, size_t offset, size_t len)
{
	struct mapping *m = malloc(sizeof(*m));
	struct client_buffer *b = calloc(1, sizeof(*b));
	pixman_format_code_t pf =
		format == SHIM_PROTO_FORMAT_ARGB8888 ? PIXMAN_a8r8g8b8 : PIXMAN_x8r8g8b8;
	pixman_image_t *image = NULL;
	if (m && b)
		image = pixman_image_create_bits(pf, (int)w, (int)h,
			(uint32_t *)(void *)((uint8_t *)map + offset), (int)stride);
	if (!image) {
		free(m);
		free(b);
		munmap(map, len);
		return -ENOMEM;
	}
	*m = (struct mapping){ map, len };
	pixman_image_set_destroy_function(image, unmap_image, m);
	int ret = shim_buffer_create(&b->buffer, image, on_release, b);
	pixman_image_unref(image); // the buffer holds it now, or it is unmapped here
	if (ret < 0) {
		free(b);
		return ret;
	}
	b->client = c;
	b->id = id;
	b->width = w;
	b->height = h;
	b->bytes = len;
	*free_buffer_slot(c) = b;
	c->bytes += len;
	return 0;
}

/* The checks both ways of making a buffer share; false after failing the client. */
static bool buffer_request_ok(
	struct server_client *c, uint32_t id, uint32_t w, uint32_t h, uint64_t bytes)
{
	if (find_buffer_slot(c, id)) {
		server_fail(c, SHIM_PROTO_ERR_OBJECT, id, "buffer id in use");
		return false;
	}
	if (!free_buffer_slot(c)) {
		server_fail(c, SHIM_PROTO_ERR_LIMIT, id, "too many buffers");
		return false;
	}
	if (w < 1 || h < 1 || w > SHIM_MAX_SIZE || h > SHIM_MAX_SIZE) {
		server_fail(c, SHIM_PROTO_ERR_VALUE, id, "bad buffer size");
		return false;
	}
	if (bytes > SHIM_CLIENT_MAX_BYTES - c->bytes) {
		server_fail(c, SHIM_PROTO_ERR_LIMIT, id, "out of buffer memory");
		return false;
	}
	return true;
}

static void req_buffer_alloc(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	uint32_t id = msg->u.buffer_alloc.buffer, w = msg->u.buffer_alloc.width;
	uint32_t h = msg->u.buffer_alloc.height;
	uint64_t stride = (uint64_t)w * 4, size = stride * h;
	if (!buffer_request_ok(c, id, w, h, size))
		return;
	int mfd = memfd_create("shim-buffer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *map = MAP_FAILED;
	if (mfd >= 0 && ftruncate(mfd, (off_t)size) == 0 &&
		fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0)
		map = mmap(NULL, size, PROT_READ, MAP_SHARED, mfd, 0);
	if (map == MAP_FAILED ||
		add_buffer(c, id, w, h, msg->u.buffer_alloc.format, (uint32_t)stride, map, 0,
			size) < 0) {
		log_error("cannot allocate a %ux%u client buffer: %s", w, h, strerror(errno));
		if (mfd >= 0)
			close(mfd);
		server_fail(c, SHIM_PROTO_ERR_SERVER, id, "server out of memory");
		return;
	}
	struct shim_proto_msg reply = { .type = SHIM_PROTO_BUFFER_ALLOCATED };
	reply.u.buffer_allocated.buffer = id;
	reply.u.buffer_allocated.stride = (uint32_t)stride;
	reply.u.buffer_allocated.size = (uint32_t)size;
	server_send(c, &reply, mfd);
}

/* 0, or the reason the fd cannot back the buffer. */
static const char *check_import_fd(int fd, uint64_t need)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return "fd is not a memfd";
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return "fd is not a memfd";
	if (!(seals & F_SEAL_SHRINK))
		return "fd not sealed against shrinking";
	if ((uint64_t)st.st_size < need)
		return "buffer outside the fd";
	return NULL;
}

static void req_buffer_import(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	const struct shim_proto_import *im = &msg->u.buffer_import;
	uint64_t end = (uint64_t)im->offset + (uint64_t)im->stride * im->height;
	if (!buffer_request_ok(c, im->buffer, im->width, im->height, end))
		goto out;
	if (im->stride < (uint64_t)im->width * 4 || im->stride % 4 || im->offset % 4 ||
		im->stride > SHIM_MAX_SIZE * 4u * 2u) {
		server_fail(c, SHIM_PROTO_ERR_VALUE, im->buffer, "bad stride or offset");
		goto out;
	}
	const char *why = check_import_fd(fd, end);
	if (why) {
		server_fail(c, SHIM_PROTO_ERR_FD, im->buffer, why);
		goto out;
	}
	void *map = mmap(NULL, end, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		server_fail(c, SHIM_PROTO_ERR_FD, im->buffer, "fd cannot be mapped");
		goto out;
	}
	if (add_buffer(c, im->buffer, im->width, im->height, im->format, im->stride, map,
		    im->offset, end) < 0)
		server_fail(c, SHIM_PROTO_ERR_SERVER, im->buffer, "server out of memory");
out:
	close(fd);
}

static void req_buffer_destroy(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	struct client_buffer **slot = find_buffer_slot(c, msg->u.object.id);
	if (!slot) {
		server_fail(c, SHIM_PROTO_ERR_OBJECT, msg->u.object.id, "unknown buffer");
		return;
	}
	struct client_buffer *b = *slot;
	*slot = NULL;
	c->bytes -= b->bytes;
	free_record(b);
}

/* ---- Surfaces ----------------------------------------------------------------------------- */

static void req_surface_create(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	uint32_t id = msg->u.object.id;
	if (find_surface(c, id)) {
		server_fail(c, SHIM_PROTO_ERR_OBJECT, id, "surface id in use");
		return;
	}
	struct client_surface *s = find_surface(c, 0);
	if (!s) {
		server_fail(c, SHIM_PROTO_ERR_LIMIT, id, "too many surfaces");
		return;
	}
	if (shim_surface_create(c->server->shim, &s->surface) < 0) {
		server_fail(c, SHIM_PROTO_ERR_SERVER, id, "server out of memory");
		return;
	}
	s->id = id;
	s->client = c;
}

static void surface_free(struct client_surface *s)
{
	shim_surface_destroy(s->surface);
	*s = (struct client_surface){ 0 };
}

static void req_surface_destroy(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	struct client_surface *s = surface_or_fail(c, msg->u.object.id);
	if (s)
		surface_free(s);
}

static void req_surface_attach(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	struct client_surface *s = surface_or_fail(c, msg->u.attach.surface);
	if (!s)
		return;
	struct client_buffer *b = NULL;
	if (msg->u.attach.buffer) {
		struct client_buffer **slot = find_buffer_slot(c, msg->u.attach.buffer);
		if (!slot) {
			server_fail(
				c, SHIM_PROTO_ERR_OBJECT, msg->u.attach.buffer, "unknown buffer");
			return;
		}
		b = *slot;
	}
	shim_surface_attach(s->surface, b ? b->buffer : NULL);
	s->attached = true;
	s->pending_w = b ? b->width : 0;
	s->pending_h = b ? b->height : 0;
}

/* A rectangle inside [0, w] x [0, h] with non-negative size. */
static bool rect_inside(const struct shim_proto_rect *r, uint64_t w, uint64_t h)
{
	return r->x >= 0 && r->y >= 0 && r->width >= 0 && r->height >= 0 &&
		(uint64_t)r->x + (uint64_t)r->width <= w &&
		(uint64_t)r->y + (uint64_t)r->height <= h;
}

static void req_surface_damage(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	const struct shim_proto_rect *r = &msg->u.damage;
	struct client_surface *s = surface_or_fail(c, r->surface);
	if (!s)
		return;
	uint32_t w = s->attached ? s->pending_w : s->current_w;
	uint32_t h = s->attached ? s->pending_h : s->current_h;
	if (!w) {
		server_fail(c, SHIM_PROTO_ERR_VALUE, r->surface, "damage without a buffer");
		return;
	}
	if (!rect_inside(r, w, h)) {
		server_fail(c, SHIM_PROTO_ERR_VALUE, r->surface, "damage outside the buffer");
		return;
	}
	shim_surface_damage(s->surface, r->x, r->y, r->width, r->height);
}

static void req_surface_position(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	struct client_surface *s = surface_or_fail(c, msg->u.position.surface);
	if (!s)
		return;
	int32_t x = msg->u.position.x, y = msg->u.position.y;
	if (x < -SHIM_MAX_POS || x > SHIM_MAX_POS || y < -SHIM_MAX_POS || y > SHIM_MAX_POS) {
		server_fail(c, SHIM_PROTO_ERR_VALUE, s->id, "position out of range");
		return;
	}
	shim_surface_set_position(s->surface, x, y);
}

static void req_surface_z(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	struct client_surface *s = surface_or_fail(c, msg->u.z.surface);
	if (s)
		shim_surface_set_z(s->surface, msg->u.z.z);
}

static void req_surface_visible(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	struct client_surface *s = surface_or_fail(c, msg->u.visible.surface);
	if (s)
		shim_surface_set_visible(s->surface, msg->u.visible.visible != 0);
}

static void req_surface_opaque(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	const struct shim_proto_rect *r = &msg->u.opaque;
	struct client_surface *s = surface_or_fail(c, r->surface);
	if (!s)
		return;
	if (!rect_inside(r, SHIM_MAX_SIZE, SHIM_MAX_SIZE)) {
		server_fail(c, SHIM_PROTO_ERR_VALUE, s->id, "bad opaque rectangle");
		return;
	}
	pixman_region32_t region;
	pixman_region32_init_rect(&region, r->x, r->y, (unsigned)r->width, (unsigned)r->height);
	int ret = shim_surface_set_opaque_region(s->surface, &region);
	pixman_region32_fini(&region);
	if (ret < 0)
		server_fail(c, SHIM_PROTO_ERR_SERVER, s->id, "server out of memory");
}

static void on_frame(void *data, struct shim_surface *surface, uint64_t time_ns)
{
	struct client_surface *s = data;
	struct shim_proto_msg msg = { .type = SHIM_PROTO_FRAME_DONE };
	msg.u.frame_done.surface = s->id;
	msg.u.frame_done.time_ns = time_ns;
	server_send(s->client, &msg, -1);
}

static void req_surface_commit(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	struct client_surface *s = surface_or_fail(c, msg->u.commit.surface);
	if (!s)
		return;
	if (msg->u.commit.flags & SHIM_PROTO_COMMIT_FRAME)
		shim_surface_request_frame(s->surface, on_frame, s);
	if (shim_surface_commit(s->surface) < 0) {
		server_fail(c, SHIM_PROTO_ERR_SERVER, s->id, "server out of memory");
		return;
	}
	if (s->attached) {
		s->current_w = s->pending_w;
		s->current_h = s->pending_h;
		s->attached = false;
	}
}

/* ---- Connection --------------------------------------------------------------------------- */

static void req_hello(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	if (c->greeted) {
		server_fail(c, SHIM_PROTO_ERR_VERSION, 0, "hello twice");
		return;
	}
	c->greeted = true;
	struct shim_mode mode = shim_output_get_mode(shim_get_output(c->server->shim));
	struct shim_proto_msg reply = { .type = SHIM_PROTO_WELCOME };
	reply.u.welcome.version = MIN(msg->u.hello.version, SHIM_PROTO_VERSION);
	reply.u.welcome.width = mode.width;
	reply.u.welcome.height = mode.height;
	reply.u.welcome.refresh_mhz = mode.refresh_mhz;
	reply.u.welcome.max_buffers = SHIM_CLIENT_MAX_BUFFERS;
	reply.u.welcome.max_surfaces = SHIM_CLIENT_MAX_SURFACES;
	server_send(c, &reply, -1);
}

static void req_sync(struct server_client *c, const struct shim_proto_msg *msg, int fd)
{
	struct shim_proto_msg reply = { .type = SHIM_PROTO_SYNC_DONE };
	reply.u.sync.serial = msg->u.sync.serial;
	server_send(c, &reply, -1);
}

static const struct {
	uint16_t type;
	request_fn fn;
} handlers[] = {
	{ SHIM_PROTO_HELLO, req_hello },
	{ SHIM_PROTO_BUFFER_ALLOC, req_buffer_alloc },
	{ SHIM_PROTO_BUFFER_IMPORT, req_buffer_import },
	{ SHIM_PROTO_BUFFER_DESTROY, req_buffer_destroy },
	{ SHIM_PROTO_SURFACE_CREATE, req_surface_create },
	{ SHIM_PROTO_SURFACE_DESTROY, req_surface_destroy },
	{ SHIM_PROTO_SURFACE_ATTACH, req_surface_attach },
	{ SHIM_PROTO_SURFACE_DAMAGE, req_surface_damage },
	{ SHIM_PROTO_SURFACE_POSITION, req_surface_position },
	{ SHIM_PROTO_SURFACE_Z, req_surface_z },
	{ SHIM_PROTO_SURFACE_VISIBLE, req_surface_visible },
	{ SHIM_PROTO_SURFACE_OPAQUE, req_surface_opaque },
	{ SHIM_PROTO_SURFACE_COMMIT, req_surface_commit },
	{ SHIM_PROTO_SYNC, req_sync },
};

void server_handle_request(
	struct server_client *c, const struct shim_proto_msg *msg, int *fds, unsigned n_fds)
{
	unsigned want = shim_proto_fd_count(msg->type);
	if (n_fds != want) {
		for (unsigned i = 0; i < n_fds; i++)
			close(fds[i]);
		server_fail(c, SHIM_PROTO_ERR_FD, 0, n_fds < want ? "fd missing" : "unexpected fd");
		return;
	}
	int fd = n_fds ? fds[0] : -1;
	if (!c->greeted && msg->type != SHIM_PROTO_HELLO) {
		if (fd >= 0)
			close(fd);
		server_fail(c, SHIM_PROTO_ERR_VERSION, 0, "request before hello");
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(handlers); i++) {
		if (handlers[i].type == msg->type) {
			handlers[i].fn(c, msg, fd);
			return;
		}
	}
	/* The codec knows every request type. */
	if (fd >= 0)
		close(fd);
	log_bug_self("no handler for %s", shim_proto_type_to_str(msg->type));
}

void server_client_release_objects(struct server_client *c)
{
	for (size_t i = 0; i < SHIM_CLIENT_MAX_SURFACES; i++) {
		if (c->surfaces[i].id)
			surface_free(&c->surfaces[i]);
	}
	for (size_t i = 0; i < SHIM_CLIENT_MAX_BUFFERS; i++) {
		struct client_buffer *b = c->buffers[i];
		if (!b)
			continue;
		c->buffers[i] = NULL;
		free_record(b);
	}
	c->bytes = 0;
}
