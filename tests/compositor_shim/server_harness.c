/* The socket-server tests' harness: a shim on a headless output with a server, raw clients
 * over socketpairs, and messages in and out through the real codec. */
#include "server_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shim_packet.h"
#include "test.h"

void srv_init(struct srv *s)
{
	test_shim_init(&s->t, &(struct shim_headless_options){ .width = 64, .height = 48 });
	strcpy(s->dir, "/tmp/shim-test-XXXXXX");
	if (!mkdtemp(s->dir))
		abort();
	snprintf(s->path, sizeof(s->path), "%s/shim.sock", s->dir);
	if (shim_server_create(&s->server, s->t.shim, s->path) < 0)
		abort();
	test_shim_frame(&s->t);
}

void srv_finish(struct srv *s)
{
	shim_server_destroy(s->server);
	test_shim_finish(&s->t);
	rmdir(s->dir);
}

int raw_client(struct srv *s)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	if (shim_server_add_client(s->server, sv[1]) < 0)
		abort();
	return sv[0];
}

void send_bytes(int fd, const void *buf, size_t len, int pass_fd)
{
	int ret = shim_packet_send(fd, buf, len, pass_fd, false);
	if (ret < 0)
		NOTE("send: %s", strerror(-ret));
}

void send_msg(int fd, struct shim_proto_msg m, int pass_fd)
{
	uint8_t buf[SHIM_PROTO_MAX_MESSAGE];
	int len = shim_proto_encode(&m, buf, sizeof(buf));
	if (len < 0)
		abort();
	send_bytes(fd, buf, (size_t)len, pass_fd);
}

/* 1 and the message (and its fd, or -1), 0 nothing waiting, -1 the server hung up. */
int recv_msg(int fd, struct shim_proto_msg *m, int *got_fd)
{
	uint8_t buf[SHIM_PROTO_MAX_MESSAGE];
	struct shim_packet_in in;
	int ret = shim_packet_recv(fd, buf, sizeof(buf), &in);
	if (ret <= 0)
		return ret < 0 ? -1 : 0;
	int passed = in.n_fds ? in.fds[0] : -1;
	for (unsigned i = 1; i < in.n_fds; i++)
		close(in.fds[i]);
	if (got_fd)
		*got_fd = passed;
	else if (passed >= 0)
		close(passed);
	return shim_proto_decode(buf, in.len, m) < 0 ? -1 : 1;
}

/* The next event, which must be of type. */
bool expect(struct srv *s, int fd, uint16_t type, struct shim_proto_msg *out, int *got_fd)
{
	shim_server_dispatch(s->server);
	struct shim_proto_msg m;
	int ret = recv_msg(fd, &m, got_fd);
	if (ret != 1 || m.type != type) {
		NOTE("expected %s, got %s (%d)", shim_proto_type_to_str(type),
			ret == 1 ? shim_proto_type_to_str(m.type) : "nothing", ret);
		if (ret == 1 && m.type == SHIM_PROTO_ERROR)
			NOTE("error: %s", m.u.error.text);
		return false;
	}
	if (out)
		*out = m;
	return true;
}

bool nothing_waiting(struct srv *s, int fd)
{
	shim_server_dispatch(s->server);
	struct shim_proto_msg m;
	int ret = recv_msg(fd, &m, NULL);
	if (ret == 1)
		NOTE("unexpected %s", shim_proto_type_to_str(m.type));
	return ret == 0;
}

void hello(struct srv *s, int fd)
{
	struct shim_proto_msg m = { .type = SHIM_PROTO_HELLO };
	m.u.hello.version = 1;
	send_msg(fd, m, -1);
	if (!expect(s, fd, SHIM_PROTO_WELCOME, NULL, NULL))
		abort();
}

struct shim_proto_msg msg2(uint16_t type, uint32_t a, uint32_t b)
{
	struct shim_proto_msg m = { .type = type };
	uint32_t words[2] = { a, b };
	memcpy(&m.u, words, sizeof(words)); // every message starts with two u32 fields or fewer
	return m;
}

struct shim_proto_msg rect_msg(
	uint16_t type, uint32_t surface, int32_t x, int32_t y, int32_t w, int32_t h)
{
	struct shim_proto_msg m = { .type = type };
	m.u.damage = (struct shim_proto_rect){ surface, x, y, w, h };
	return m;
}

struct shim_proto_msg alloc_msg(uint32_t id, uint32_t w, uint32_t h)
{
	struct shim_proto_msg m = { .type = SHIM_PROTO_BUFFER_ALLOC };
	m.u.buffer_alloc.buffer = id;
	m.u.buffer_alloc.width = w;
	m.u.buffer_alloc.height = h;
	m.u.buffer_alloc.format = SHIM_PROTO_FORMAT_XRGB8888;
	return m;
}

/* Allocates buffer id (w x h) and fills it with one colour; returns its mapping. */
uint32_t *alloc_filled(struct srv *s, int fd, uint32_t id, uint32_t w, uint32_t h, uint32_t color)
{
	send_msg(fd, alloc_msg(id, w, h), -1);
	struct shim_proto_msg m;
	int mfd = -1;
	if (!expect(s, fd, SHIM_PROTO_BUFFER_ALLOCATED, &m, &mfd) || mfd < 0)
		return NULL;
	uint32_t *px =
		mmap(NULL, m.u.buffer_allocated.size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	close(mfd);
	if (px == MAP_FAILED)
		return NULL;
	for (size_t i = 0; i < (size_t)w * h; i++)
		px[i] = color;
	return px;
}

void show(int fd, uint32_t surface, uint32_t buffer, int32_t x, int32_t y, uint32_t flags)
{
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_ATTACH, surface, buffer), -1);
	struct shim_proto_msg pos = { .type = SHIM_PROTO_SURFACE_POSITION };
	pos.u.position.surface = surface;
	pos.u.position.x = x;
	pos.u.position.y = y;
	send_msg(fd, pos, -1);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_COMMIT, surface, flags), -1);
}

int sealed_memfd(size_t size, unsigned seals)
{
	int fd = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		abort();
	if (seals && fcntl(fd, F_ADD_SEALS, seals) < 0)
		abort();
	return fd;
}

struct shim_proto_msg import_msg(
	uint32_t id, uint32_t w, uint32_t h, uint32_t stride, uint32_t offset)
{
	struct shim_proto_msg m = { .type = SHIM_PROTO_BUFFER_IMPORT };
	m.u.buffer_import =
		(struct shim_proto_import){ id, w, h, SHIM_PROTO_FORMAT_ARGB8888, stride, offset };
	return m;
}
