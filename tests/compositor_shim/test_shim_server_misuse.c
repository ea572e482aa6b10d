/*
 * Every kind of client misuse the server must survive (doc/shim-protocol.md §5): each ends in
 * an ERROR naming it, a count under that name and a disconnect of that client only, while a
 * well-behaved client goes on being served and shown.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "macros.h"
#include "server_harness.h"
#include "test.h"

struct misuse {
	const char *name;
	bool greet;
	void (*act)(int fd);
	uint32_t code;
	const char *reason;
};

static void act_hello_again(int fd)
{
	send_msg(fd, msg2(SHIM_PROTO_HELLO, 1, 0), -1);
}

static void act_commit(int fd)
{
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_COMMIT, 1, 0), -1);
}

static void act_short(int fd)
{
	uint8_t b[] = { 0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x00 };
	send_bytes(fd, b, sizeof(b), -1);
}

static void act_unknown_type(int fd)
{
	uint8_t b[] = { 0x42, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00 };
	send_bytes(fd, b, sizeof(b), -1);
}

static void act_event_as_request(int fd)
{
	send_msg(fd, msg2(SHIM_PROTO_BUFFER_RELEASE, 1, 0), -1);
}

static void act_reserved(int fd)
{
	uint8_t b[] = { 0x0e, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x00, 0x00, 0, 0, 0, 0 };
	send_bytes(fd, b, sizeof(b), -1);
}

static void act_too_long(int fd)
{
	uint8_t b[SHIM_PROTO_MAX_MESSAGE + 40] = { 0x0e, 0x00, 0x00, 0x00, 0x28, 0x01 };
	send_bytes(fd, b, sizeof(b), -1);
}

static void act_unknown_surface(int fd)
{
	send_msg(fd, rect_msg(SHIM_PROTO_SURFACE_DAMAGE, 4, 0, 0, 1, 1), -1);
}

static void act_surface_twice(int fd)
{
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_CREATE, 1, 0), -1);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_CREATE, 1, 0), -1);
}

static void act_too_many_surfaces(int fd)
{
	for (uint32_t i = 1; i <= 9; i++)
		send_msg(fd, msg2(SHIM_PROTO_SURFACE_CREATE, i, 0), -1);
}

static void act_buffer_zero_size(int fd)
{
	send_msg(fd, alloc_msg(1, 0, 10), -1);
}

static void act_buffer_too_big(int fd)
{
	send_msg(fd, alloc_msg(1, 8193, 10), -1);
}

static void act_out_of_memory(int fd)
{
	send_msg(fd, alloc_msg(1, 8192, 8192), -1); // 256 MiB: all a client gets
	send_msg(fd, alloc_msg(2, 1, 1), -1);
}

static void act_attach_unknown_buffer(int fd)
{
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_CREATE, 1, 0), -1);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_ATTACH, 1, 12), -1);
}

static void act_damage_outside(int fd)
{
	send_msg(fd, alloc_msg(1, 16, 16), -1);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_CREATE, 1, 0), -1);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_ATTACH, 1, 1), -1);
	send_msg(fd, rect_msg(SHIM_PROTO_SURFACE_DAMAGE, 1, 8, 8, 9, 1), -1);
}

static void act_damage_negative(int fd)
{
	send_msg(fd, alloc_msg(1, 16, 16), -1);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_CREATE, 1, 0), -1);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_ATTACH, 1, 1), -1);
	send_msg(fd, rect_msg(SHIM_PROTO_SURFACE_DAMAGE, 1, -1, 0, 4, 4), -1);
}

static void act_damage_no_buffer(int fd)
{
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_CREATE, 1, 0), -1);
	send_msg(fd, rect_msg(SHIM_PROTO_SURFACE_DAMAGE, 1, 0, 0, 1, 1), -1);
}

static void act_position_far(int fd)
{
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_CREATE, 1, 0), -1);
	struct shim_proto_msg m = { .type = SHIM_PROTO_SURFACE_POSITION };
	m.u.position.surface = 1;
	m.u.position.x = INT32_MIN;
	send_msg(fd, m, -1);
}

static void act_import_no_fd(int fd)
{
	send_msg(fd, import_msg(1, 4, 4, 16, 0), -1);
}

static void act_unexpected_fd(int fd)
{
	int mfd = sealed_memfd(64, F_SEAL_SHRINK);
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_CREATE, 1, 0), mfd);
	close(mfd);
}

static void act_import_pipe(int fd)
{
	int p[2];
	if (pipe(p) < 0)
		abort();
	send_msg(fd, import_msg(1, 4, 4, 16, 0), p[0]);
	close(p[0]);
	close(p[1]);
}

static void act_import_unsealed(int fd)
{
	int mfd = sealed_memfd(64, 0);
	send_msg(fd, import_msg(1, 4, 4, 16, 0), mfd);
	close(mfd);
}

static void act_import_short_fd(int fd)
{
	int mfd = sealed_memfd(64, F_SEAL_SHRINK);
	send_msg(fd, import_msg(1, 4, 4, 16, 4), mfd); // needs 68 bytes
	close(mfd);
}

static void act_import_bad_stride(int fd)
{
	int mfd = sealed_memfd(4096, F_SEAL_SHRINK);
	send_msg(fd, import_msg(1, 4, 4, 12, 0), mfd);
	close(mfd);
}

static void act_bad_opaque(int fd)
{
	send_msg(fd, msg2(SHIM_PROTO_SURFACE_CREATE, 1, 0), -1);
	send_msg(fd, rect_msg(SHIM_PROTO_SURFACE_OPAQUE, 1, 0, 0, -4, 4), -1);
}

static const struct misuse misuses[] = {
	{ "request before hello", false, act_commit, SHIM_PROTO_ERR_VERSION,
		"request before hello" },
	{ "hello twice", true, act_hello_again, SHIM_PROTO_ERR_VERSION, "hello twice" },
	{ "short message", true, act_short, SHIM_PROTO_ERR_MESSAGE, "bad message size" },
	{ "unknown type", true, act_unknown_type, SHIM_PROTO_ERR_MESSAGE, "unknown message type" },
	{ "event as request", true, act_event_as_request, SHIM_PROTO_ERR_MESSAGE,
		"unknown message type" },
	{ "reserved bits", true, act_reserved, SHIM_PROTO_ERR_MESSAGE, "bad message field" },
	{ "too long", true, act_too_long, SHIM_PROTO_ERR_MESSAGE, "message too long" },
	{ "unknown surface", true, act_unknown_surface, SHIM_PROTO_ERR_OBJECT, "unknown surface" },
	{ "surface id twice", true, act_surface_twice, SHIM_PROTO_ERR_OBJECT, "surface id in use" },
	{ "too many surfaces", true, act_too_many_surfaces, SHIM_PROTO_ERR_LIMIT,
		"too many surfaces" },
	{ "zero-sized buffer", true, act_buffer_zero_size, SHIM_PROTO_ERR_VALUE,
		"bad buffer size" },
	{ "buffer too big", true, act_buffer_too_big, SHIM_PROTO_ERR_VALUE, "bad buffer size" },
	{ "out of buffer memory", true, act_out_of_memory, SHIM_PROTO_ERR_LIMIT,
		"out of buffer memory" },
	{ "unknown buffer", true, act_attach_unknown_buffer, SHIM_PROTO_ERR_OBJECT,
		"unknown buffer" },
	{ "damage outside", true, act_damage_outside, SHIM_PROTO_ERR_VALUE,
		"damage outside the buffer" },
	{ "damage negative", true, act_damage_negative, SHIM_PROTO_ERR_VALUE,
		"damage outside the buffer" },
	{ "damage no buffer", true, act_damage_no_buffer, SHIM_PROTO_ERR_VALUE,
		"damage without a buffer" },
	{ "position far", true, act_position_far, SHIM_PROTO_ERR_VALUE, "position out of range" },
	{ "import without fd", true, act_import_no_fd, SHIM_PROTO_ERR_FD, "fd missing" },
	{ "unexpected fd", true, act_unexpected_fd, SHIM_PROTO_ERR_FD, "unexpected fd" },
	{ "import a pipe", true, act_import_pipe, SHIM_PROTO_ERR_FD, "fd is not a memfd" },
	{ "import unsealed", true, act_import_unsealed, SHIM_PROTO_ERR_FD,
		"fd not sealed against shrinking" },
	{ "import short fd", true, act_import_short_fd, SHIM_PROTO_ERR_FD,
		"buffer outside the fd" },
	{ "import bad stride", true, act_import_bad_stride, SHIM_PROTO_ERR_VALUE,
		"bad stride or offset" },
	{ "bad opaque", true, act_bad_opaque, SHIM_PROTO_ERR_VALUE, "bad opaque rectangle" },
};

/* Reads events until ERROR; true when it is the expected one and the server then hung up. */
static bool rejected(struct srv *s, int fd, const struct misuse *row)
{
	for (int i = 0; i < 64; i++) {
		shim_server_dispatch(s->server);
		struct shim_proto_msg m;
		int ret = recv_msg(fd, &m, NULL);
		if (ret != 1) {
			NOTE("%s: no error (%d)", row->name, ret);
			return false;
		}
		if (m.type != SHIM_PROTO_ERROR)
			continue;
		bool ok = m.u.error.code == row->code && strcmp(m.u.error.text, row->reason) == 0;
		if (!ok)
			NOTE("%s: error %u \"%s\"", row->name, m.u.error.code, m.u.error.text);
		return ok && recv_msg(fd, &m, NULL) == -1;
	}
	return false;
}

static void server_rejects_misuse(void)
{
	struct srv s;
	srv_init(&s);
	/* A well-behaved client shows a surface throughout. */
	int good = raw_client(&s);
	hello(&s, good);
	REQUIRE(alloc_filled(&s, good, 1, 4, 4, 0xff00ff00) != NULL);
	send_msg(good, msg2(SHIM_PROTO_SURFACE_CREATE, 1, 0), -1);
	show(good, 1, 1, 60, 44, 0);
	shim_server_dispatch(s.server);
	test_shim_frame(&s.t);

	for (size_t i = 0; i < ARRAY_LEN(misuses); i++) {
		const struct misuse *row = &misuses[i];
		uint64_t before = shim_server_get_counter(s.server, row->reason);
		int fd = raw_client(&s);
		if (row->greet)
			hello(&s, fd);
		row->act(fd);
		CHECK_MSG(rejected(&s, fd, row), "%s not rejected as expected", row->name);
		CHECK_MSG(shim_server_get_counter(s.server, row->reason) == before + 1,
			"%s not counted", row->name);
		CHECK_EQ_INT(shim_server_client_count(s.server), 1);
		close(fd);
	}
	/* The good client is still served and still shown. */
	struct shim_proto_msg sync = { .type = SHIM_PROTO_SYNC }, m;
	sync.u.sync.serial = 5;
	send_msg(good, sync, -1);
	CHECK(expect(&s, good, SHIM_PROTO_SYNC_DONE, &m, NULL));
	test_shim_frame(&s.t);
	CHECK_EQ_INT(test_pixel(FRONT(&s), 62, 46), 0x00ff00);
	close(good);
	srv_finish(&s);
}

/* A client that never reads fills its queue and is dropped; the server never blocks. */

static const struct test_case cases[] = {
	TEST_CASE(server_rejects_misuse),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
