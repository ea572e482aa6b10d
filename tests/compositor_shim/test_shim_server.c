/*
 * The shim's socket server, driven byte by byte over socketpairs: buffers, surfaces, frames,
 * releases and mode events; a client too slow to read; and the client library in a separate
 * process over the listening socket. Misuse is test_shim_server_misuse.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macros.h"
#include "server_harness.h"
#include "shim_client.h"
#include "test.h"

/* ---- The happy path ------------------------------------------------------------------------ */

static void server_alloc_surface_frame_release(void)
{
	struct srv s;
	srv_init(&s);
	int fd = raw_client(&s);
	hello(&s, fd);
	uint32_t *a = alloc_filled(&s, fd, 1, 8, 8, 0xffff0000);
	uint32_t *b = alloc_filled(&s, fd, 2, 8, 8, 0xff00ff00);
	REQUIRE(a && b);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_CREATE, 5, 0), -1);
	show(fd, 5, 1, 10, 20, SHIM_PROTO_COMMIT_FRAME);
	CHECK(nothing_waiting(&s, fd));
	test_shim_frame(&s.t);
	struct shim_proto_msg m;
	CHECK(expect(&s, fd, SHIM_PROTO_FRAME_DONE, &m, NULL) && m.u.frame_done.surface == 5);
	CHECK_EQ_INT(test_pixel(FRONT(&s), 12, 22), 0xff0000);

	/* Drawing into the shown buffer and damaging it shows the change. */
	a[0] = 0xff0000ff;
	send_msg(fd, rect_msg(SHIM_PROTO_SURFACE_DAMAGE, 5, 0, 0, 1, 1), -1);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_COMMIT, 5, 0), -1);
	shim_server_dispatch(s.server);
	test_shim_frame(&s.t);
	CHECK_EQ_INT(test_pixel(FRONT(&s), 10, 20), 0x0000ff);

	/* A new buffer releases the old one. */
	show(fd, 5, 2, 10, 20, 0);
	shim_server_dispatch(s.server);
	CHECK(expect(&s, fd, SHIM_PROTO_BUFFER_RELEASE, &m, NULL) && m.u.object.id == 1);
	test_shim_frame(&s.t);
	CHECK_EQ_INT(test_pixel(FRONT(&s), 12, 22), 0x00ff00);

	/* Destroying a shown buffer keeps the picture, and its release is never sent. */
	send_msg(fd, msg2(SHIM_PROTO_BUFFER_DESTROY, 2, 0), -1);
	show(fd, 5, 1, 10, 20, 0);
	CHECK(nothing_waiting(&s, fd));
	test_shim_frame(&s.t);
	CHECK_EQ_INT(test_pixel(FRONT(&s), 12, 22), 0xff0000);

	struct shim_proto_msg sync = { .type = SHIM_PROTO_SYNC };
	sync.u.sync.serial = 77;
	send_msg(fd, sync, -1);
	CHECK(expect(&s, fd, SHIM_PROTO_SYNC_DONE, &m, NULL) && m.u.sync.serial == 77);
	CHECK(shim_server_get_counter(s.server, "rx surface_commit") >= 4);

	/* Hanging up takes the client's surfaces off the screen. */
	close(fd);
	shim_server_dispatch(s.server);
	CHECK_EQ_INT(shim_server_client_count(s.server), 0);
	test_shim_frame(&s.t);
	CHECK_EQ_INT(test_pixel(FRONT(&s), 12, 22), 0x202020);
	munmap(a, 256);
	munmap(b, 256);
	srv_finish(&s);
}

/* A buffer id destroyed while only attached (not yet committed) still shows at the commit, is
 * never released, and its id can be used again. */
static void server_forgotten_buffer_stays_until_replaced(void)
{
	struct srv s;
	srv_init(&s);
	int fd = raw_client(&s);
	hello(&s, fd);
	uint32_t *a = alloc_filled(&s, fd, 1, 8, 8, 0xffff0000);
	uint32_t *b = alloc_filled(&s, fd, 2, 8, 8, 0xff00ff00);
	REQUIRE(a && b);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_CREATE, 1, 0), -1);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_ATTACH, 1, 1), -1);
	send_msg(fd, msg2(SHIM_PROTO_BUFFER_DESTROY, 1, 0), -1);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_COMMIT, 1, 0), -1);
	CHECK(nothing_waiting(&s, fd));
	test_shim_frame(&s.t);
	CHECK_EQ_INT(test_pixel(FRONT(&s), 1, 1), 0xff0000);
	show(fd, 1, 2, 0, 0, 0);
	CHECK(nothing_waiting(&s, fd));
	test_shim_frame(&s.t);
	CHECK_EQ_INT(test_pixel(FRONT(&s), 1, 1), 0x00ff00);
	uint32_t *c = alloc_filled(&s, fd, 1, 4, 4, 0xff0000ff);
	CHECK(c != NULL);
	munmap(a, 256);
	munmap(b, 256);
	if (c)
		munmap(c, 64);
	close(fd);
	srv_finish(&s);
}

static void server_allocated_fd_is_sealed(void)
{
	struct srv s;
	srv_init(&s);
	int fd = raw_client(&s);
	hello(&s, fd);
	send_msg(fd, alloc_msg(9, 30, 7), -1);
	struct shim_proto_msg m;
	int mfd = -1;
	REQUIRE(expect(&s, fd, SHIM_PROTO_BUFFER_ALLOCATED, &m, &mfd));
	REQUIRE(mfd >= 0);
	CHECK_EQ_INT(m.u.buffer_allocated.stride, 120);
	CHECK_EQ_INT(m.u.buffer_allocated.size, 120 * 7);
	CHECK_EQ_INT(lseek(mfd, 0, SEEK_END), 120 * 7);
	int seals = fcntl(mfd, F_GET_SEALS);
	CHECK(seals >= 0 && (seals & F_SEAL_SHRINK) && (seals & F_SEAL_GROW) &&
		(seals & F_SEAL_SEAL));
	CHECK(ftruncate(mfd, 0) < 0);
	close(mfd);
	close(fd);
	srv_finish(&s);
}

static void server_import_shows_client_pixels(void)
{
	struct srv s;
	srv_init(&s);
	int fd = raw_client(&s);
	hello(&s, fd);
	/* 4x4 pixels at offset 64 with a 32-byte stride: padding the shim must skip. */
	int mfd = sealed_memfd(64 + 32 * 4, F_SEAL_SHRINK);
	uint32_t *map = mmap(NULL, 64 + 32 * 4, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	REQUIRE(map != MAP_FAILED);
	for (int y = 0; y < 4; y++) {
		for (int x = 0; x < 8; x++)
			map[16 + y * 8 + x] =
				x < 4 ? 0xff000000u | (uint32_t)(y * 4 + x) << 4 : 0xffffffff;
	}
	send_msg(fd, import_msg(3, 4, 4, 32, 64), mfd);
	close(mfd);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_CREATE, 1, 0), -1);
	show(fd, 1, 3, 0, 0, 0);
	CHECK(nothing_waiting(&s, fd));
	test_shim_frame(&s.t);
	CHECK_EQ_INT(test_pixel(FRONT(&s), 0, 0), 0x000000);
	CHECK_EQ_INT(test_pixel(FRONT(&s), 3, 3), 0x0000f0);
	CHECK_EQ_INT(test_pixel(FRONT(&s), 4, 0), 0x202020); // the padding is not shown
	munmap(map, 64 + 32 * 4);
	close(fd);
	srv_finish(&s);
}

static void server_sends_mode_changes(void)
{
	struct srv s;
	srv_init(&s);
	int fd = raw_client(&s);
	hello(&s, fd);
	REQUIRE(shim_output_headless_host_resize(s.t.output, 80, 60) == 0);
	struct shim_proto_msg m;
	CHECK(expect(&s, fd, SHIM_PROTO_MODE, &m, NULL));
	CHECK_EQ_INT(m.u.mode.width, 80);
	CHECK_EQ_INT(m.u.mode.height, 60);
	close(fd);
	srv_finish(&s);
}

static void server_drops_slow_client(void)
{
	struct srv s;
	srv_init(&s);
	int sv[2];
	REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0);
	int small = 1;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	REQUIRE(shim_server_add_client(s.server, sv[1]) == 0);
	hello(&s, sv[0]);
	struct shim_proto_msg sync = { .type = SHIM_PROTO_SYNC };
	for (int i = 0; i < 4000 && shim_server_client_count(s.server) == 1; i++) {
		sync.u.sync.serial = (uint32_t)i;
		send_msg(sv[0], sync, -1);
		shim_server_dispatch(s.server);
	}
	CHECK_EQ_INT(shim_server_client_count(s.server), 0);
	CHECK_EQ_INT(shim_server_get_counter(s.server, "client too slow"), 1);
	close(sv[0]);
	srv_finish(&s);
}

/* ---- The client library in another process --------------------------------------------------- */

struct child_state {
	int frames;
	int releases;
};

static void child_frame(void *data, struct shim_client_surface *surface, uint64_t time_ns)
{
	((struct child_state *)data)->frames++;
}

static void child_release(void *data, struct shim_client_buffer *buffer)
{
	((struct child_state *)data)->releases++;
}

static int child_wait(struct shim_client *c, const int *counter, int want)
{
	while (*counter < want) {
		struct pollfd pfd = { shim_client_get_fd(c), POLLIN, 0 };
		if (poll(&pfd, 1, 5000) <= 0 || shim_client_dispatch(c) < 0)
			return -1;
	}
	return 0;
}

/* The player's part: two buffers, a frame, a swap; then tells the parent and waits. */
static int child_main(const char *path, int to_parent, int from_parent)
{
	static const struct shim_client_listener l = { .release = child_release,
		.frame_done = child_frame };
	struct child_state st = { 0 };
	struct shim_client *c;
	if (shim_client_connect(&c, path, &l, &st) < 0)
		return 10;
	uint32_t w, h;
	shim_client_get_size(c, &w, &h);
	if (w != 64 || h != 48)
		return 11;
	struct shim_client_buffer *b[2];
	struct shim_client_surface *s;
	if (shim_client_buffer_create(c, 16, 16, SHIM_CLIENT_FORMAT_XRGB8888, &b[0]) < 0 ||
		shim_client_buffer_create(c, 16, 16, SHIM_CLIENT_FORMAT_XRGB8888, &b[1]) < 0 ||
		shim_client_surface_create(c, &s) < 0)
		return 12;
	for (int k = 0; k < 2; k++) {
		uint32_t *px = shim_client_buffer_data(b[k]);
		for (int i = 0; i < 16 * 16; i++)
			px[i] = k ? 0xff00ffff : 0xffff00ff;
	}
	shim_client_surface_set_position(s, 40, 4);
	shim_client_surface_set_z(s, 10);
	shim_client_surface_attach(s, b[0]);
	shim_client_surface_commit(s, true);
	if (!shim_client_buffer_is_busy(b[0]) || child_wait(c, &st.frames, 1) < 0)
		return 13;
	shim_client_surface_attach(s, b[1]);
	shim_client_surface_damage(s, 0, 0, 16, 16);
	shim_client_surface_commit(s, true);
	if (child_wait(c, &st.releases, 1) < 0 || shim_client_buffer_is_busy(b[0]) ||
		child_wait(c, &st.frames, 2) < 0 || shim_client_roundtrip(c) < 0)
		return 14;
	char byte = 1;
	if (write(to_parent, &byte, 1) != 1 || read(from_parent, &byte, 1) != 1)
		return 15;
	shim_client_destroy(c);
	return 0;
}

static void server_client_library_in_another_process(void)
{
	struct srv s;
	srv_init(&s);
	int up[2], down[2];
	REQUIRE(pipe(up) == 0 && pipe(down) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		_exit(child_main(s.path, up[1], down[0]));
	}
	close(up[1]);
	close(down[0]);
	/* Serve until the child says it is done; the clock steps a frame per round. */
	bool done = false;
	for (int i = 0; i < 1000 && !done; i++) {
		struct pollfd pfd[2] = { { shim_server_get_fd(s.server), POLLIN, 0 },
			{ up[0], POLLIN, 0 } };
		poll(pfd, 2, 100);
		shim_server_dispatch(s.server);
		test_shim_frame(&s.t);
		done = pfd[1].revents & POLLIN;
	}
	CHECK(done);
	CHECK_EQ_INT(test_pixel(FRONT(&s), 45, 10), 0x00ffff);
	char byte = 1;
	CHECK(write(down[1], &byte, 1) == 1);
	int status = -1;
	for (int i = 0; i < 1000; i++) {
		struct pollfd pfd = { shim_server_get_fd(s.server), POLLIN, 0 };
		poll(&pfd, 1, 10);
		shim_server_dispatch(s.server);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	shim_server_dispatch(s.server);
	CHECK_EQ_INT(shim_server_client_count(s.server), 0);
	close(up[0]);
	close(down[1]);
	srv_finish(&s);
}

static const struct test_case cases[] = {
	TEST_CASE(server_alloc_surface_frame_release),
	TEST_CASE(server_forgotten_buffer_stays_until_replaced),
	TEST_CASE(server_allocated_fd_is_sealed),
	TEST_CASE(server_import_shows_client_pixels),
	TEST_CASE(server_sends_mode_changes),
	TEST_CASE(server_drops_slow_client),
	TEST_CASE(server_client_library_in_another_process),
};

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
