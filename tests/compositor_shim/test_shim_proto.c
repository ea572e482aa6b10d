/*
 * The client protocol codec: golden bytes (the .hex files of tests/data/shim), every message
 * round-trips, every truncation fails with -EMSGSIZE, bad fields with -EPROTO, unknown types
 * with -EOPNOTSUPP.
 */
#include <errno.h>
#include <string.h>

#include "hexfile.h"
#include "macros.h"
#include "shim_proto.h"
#include "test.h"

static struct shim_proto_msg sample(uint16_t type)
{
	struct shim_proto_msg m = { .type = type };
	switch (type) {
	case SHIM_PROTO_HELLO:
		m.u.hello.version = 1;
		break;
	case SHIM_PROTO_BUFFER_ALLOC:
		m.u.buffer_alloc =
			(__typeof__(m.u.buffer_alloc)){ 7, 640, 360, SHIM_PROTO_FORMAT_XRGB8888 };
		break;
	case SHIM_PROTO_BUFFER_IMPORT:
		m.u.buffer_import = (struct shim_proto_import){ 7, 640, 360,
			SHIM_PROTO_FORMAT_ARGB8888, 2560, 4096 };
		break;
	case SHIM_PROTO_SURFACE_ATTACH:
		m.u.attach.surface = 3;
		m.u.attach.buffer = 7;
		break;
	case SHIM_PROTO_SURFACE_DAMAGE:
	case SHIM_PROTO_SURFACE_OPAQUE:
		m.u.damage = (struct shim_proto_rect){ 3, 16, 8, 64, 32 };
		break;
	case SHIM_PROTO_SURFACE_POSITION:
		m.u.position.surface = 3;
		m.u.position.x = -10;
		m.u.position.y = 32;
		break;
	case SHIM_PROTO_SURFACE_Z:
		m.u.z.surface = 3;
		m.u.z.z = -2;
		break;
	case SHIM_PROTO_SURFACE_VISIBLE:
		m.u.visible.surface = 3;
		m.u.visible.visible = 1;
		break;
	case SHIM_PROTO_SURFACE_COMMIT:
		m.u.commit.surface = 3;
		m.u.commit.flags = SHIM_PROTO_COMMIT_FRAME;
		break;
	case SHIM_PROTO_SYNC:
	case SHIM_PROTO_SYNC_DONE:
		m.u.sync.serial = 0xdeadbeef;
		break;
	case SHIM_PROTO_WELCOME:
		m.u.welcome = (__typeof__(m.u.welcome)){ 1, 1024, 768, 60000, 32, 8 };
		break;
	case SHIM_PROTO_BUFFER_ALLOCATED:
		m.u.buffer_allocated = (__typeof__(m.u.buffer_allocated)){ 7, 2560, 2560 * 360 };
		break;
	case SHIM_PROTO_FRAME_DONE:
		m.u.frame_done.surface = 3;
		m.u.frame_done.time_ns = 0x123456789ull;
		break;
	case SHIM_PROTO_MODE:
		m.u.mode = (__typeof__(m.u.mode)){ 1920, 1080, 60000 };
		break;
	case SHIM_PROTO_ERROR:
		m.u.error.code = SHIM_PROTO_ERR_VALUE;
		m.u.error.object = 3;
		strcpy(m.u.error.text, "damage outside the buffer");
		break;
	default: // buffer_destroy, surface_create/destroy, buffer_release
		m.u.object.id = 3;
		break;
	}
	return m;
}

static const uint16_t all_types[] = {
	SHIM_PROTO_HELLO,
	SHIM_PROTO_BUFFER_ALLOC,
	SHIM_PROTO_BUFFER_IMPORT,
	SHIM_PROTO_BUFFER_DESTROY,
	SHIM_PROTO_SURFACE_CREATE,
	SHIM_PROTO_SURFACE_DESTROY,
	SHIM_PROTO_SURFACE_ATTACH,
	SHIM_PROTO_SURFACE_DAMAGE,
	SHIM_PROTO_SURFACE_POSITION,
	SHIM_PROTO_SURFACE_Z,
	SHIM_PROTO_SURFACE_VISIBLE,
	SHIM_PROTO_SURFACE_OPAQUE,
	SHIM_PROTO_SURFACE_COMMIT,
	SHIM_PROTO_SYNC,
	SHIM_PROTO_WELCOME,
	SHIM_PROTO_BUFFER_ALLOCATED,
	SHIM_PROTO_BUFFER_RELEASE,
	SHIM_PROTO_FRAME_DONE,
	SHIM_PROTO_MODE,
	SHIM_PROTO_SYNC_DONE,
	SHIM_PROTO_ERROR,
};

static const struct {
	const char *file;
	uint16_t type;
} goldens[] = {
	{ "tests/data/shim/hello.hex", SHIM_PROTO_HELLO },
	{ "tests/data/shim/buffer_import.hex", SHIM_PROTO_BUFFER_IMPORT },
	{ "tests/data/shim/surface_damage.hex", SHIM_PROTO_SURFACE_DAMAGE },
	{ "tests/data/shim/surface_position_negative.hex", SHIM_PROTO_SURFACE_POSITION },
	{ "tests/data/shim/surface_commit_frame.hex", SHIM_PROTO_SURFACE_COMMIT },
	{ "tests/data/shim/welcome.hex", SHIM_PROTO_WELCOME },
	{ "tests/data/shim/frame_done.hex", SHIM_PROTO_FRAME_DONE },
	{ "tests/data/shim/error_damage_outside.hex", SHIM_PROTO_ERROR },
};

static void proto_golden_bytes(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		uint8_t want[SHIM_PROTO_MAX_MESSAGE], got[SHIM_PROTO_MAX_MESSAGE];
		int n = hexfile_load(goldens[i].file, want, sizeof(want));
		REQUIRE(n > 0);
		struct shim_proto_msg m = sample(goldens[i].type);
		int len = shim_proto_encode(&m, got, sizeof(got));
		CHECK_MSG(len == n, "%s: encoded %d bytes, golden has %d", goldens[i].file, len, n);
		if (len == n)
			CHECK_MEM(got, want, (size_t)n);
		struct shim_proto_msg back;
		CHECK_EQ_INT(shim_proto_decode(want, (size_t)n, &back), 0);
		CHECK(memcmp(&back, &m, sizeof(m)) == 0);
	}
}

static void proto_every_message_round_trips(void)
{
	for (size_t i = 0; i < ARRAY_LEN(all_types); i++) {
		uint8_t buf[SHIM_PROTO_MAX_MESSAGE];
		struct shim_proto_msg m = sample(all_types[i]), back;
		int len = shim_proto_encode(&m, buf, sizeof(buf));
		REQUIRE(len >= (int)SHIM_PROTO_HEADER_SIZE);
		CHECK_EQ_INT(shim_proto_decode(buf, (size_t)len, &back), 0);
		CHECK_MSG(memcmp(&back, &m, sizeof(m)) == 0, "%s differs after a round trip",
			shim_proto_type_to_str(all_types[i]));
		CHECK_EQ_INT(shim_proto_is_request(all_types[i]), all_types[i] < 0x8000);
	}
	CHECK_EQ_INT(shim_proto_fd_count(SHIM_PROTO_BUFFER_IMPORT), 1);
	CHECK_EQ_INT(shim_proto_fd_count(SHIM_PROTO_BUFFER_ALLOCATED), 1);
	CHECK_EQ_INT(shim_proto_fd_count(SHIM_PROTO_SURFACE_COMMIT), 0);
}

/* Every shorter prefix fails, whether or not the size field is patched to match. */
static void proto_truncations_fail(void)
{
	for (size_t i = 0; i < ARRAY_LEN(all_types); i++) {
		uint8_t buf[SHIM_PROTO_MAX_MESSAGE];
		struct shim_proto_msg m = sample(all_types[i]), back;
		int len = shim_proto_encode(&m, buf, sizeof(buf));
		for (int cut = 0; cut < len; cut++) {
			CHECK_EQ_INT(shim_proto_decode(buf, (size_t)cut, &back), -EMSGSIZE);
			uint8_t patched[SHIM_PROTO_MAX_MESSAGE];
			memcpy(patched, buf, (size_t)cut);
			if (cut >= 8) {
				patched[4] = (uint8_t)cut;
				CHECK_MSG(shim_proto_decode(patched, (size_t)cut, &back) < 0,
					"%s cut to %d decoded", shim_proto_type_to_str(m.type),
					cut);
			}
		}
		/* One byte too many, size patched: trailing garbage. */
		buf[len] = 0;
		buf[4] = (uint8_t)(len + 1);
		CHECK_EQ_INT(shim_proto_decode(buf, (size_t)len + 1, &back), -EMSGSIZE);
	}
}

static int decode_patched(uint16_t type, size_t at, uint32_t value)
{
	uint8_t buf[SHIM_PROTO_MAX_MESSAGE];
	struct shim_proto_msg m = sample(type), back;
	int len = shim_proto_encode(&m, buf, sizeof(buf));
	if (len < 0)
		return len;
	for (int k = 0; k < 4; k++)
		buf[at + (size_t)k] = (uint8_t)(value >> (8 * k));
	return shim_proto_decode(buf, (size_t)len, &back);
}

static void proto_bad_fields_rejected(void)
{
	static const struct {
		const char *what;
		uint16_t type;
		size_t at;
		uint32_t value;
		int want;
	} rows[] = {
		{ "reserved header bits", SHIM_PROTO_HELLO, 2, 0x000c0001, -EPROTO },
		{ "version 0", SHIM_PROTO_HELLO, 8, 0, -EPROTO },
		{ "buffer id 0", SHIM_PROTO_BUFFER_ALLOC, 8, 0, -EPROTO },
		{ "unknown format", SHIM_PROTO_BUFFER_ALLOC, 20, 0x36314752, -EPROTO }, // 'RG16'
		{ "surface id 0", SHIM_PROTO_SURFACE_DAMAGE, 8, 0, -EPROTO },
		{ "visible 2", SHIM_PROTO_SURFACE_VISIBLE, 12, 2, -EPROTO },
		{ "unknown commit flag", SHIM_PROTO_SURFACE_COMMIT, 12, 2, -EPROTO },
		{ "attach buffer 0 is allowed", SHIM_PROTO_SURFACE_ATTACH, 12, 0, 0 },
		{ "error text too long", SHIM_PROTO_ERROR, 16, 0xffff, -EPROTO },
	};
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		int ret = decode_patched(rows[i].type, rows[i].at, rows[i].value);
		CHECK_MSG(ret == rows[i].want, "%s: %d, expected %d", rows[i].what, ret,
			rows[i].want);
	}
	uint8_t unknown[8] = { 0x0f, 0x00, 0, 0, 8, 0, 0, 0 };
	struct shim_proto_msg back;
	CHECK_EQ_INT(shim_proto_decode(unknown, sizeof(unknown), &back), -EOPNOTSUPP);
	/* An error text with a NUL inside it. */
	uint8_t buf[SHIM_PROTO_MAX_MESSAGE];
	struct shim_proto_msg m = sample(SHIM_PROTO_ERROR);
	int len = shim_proto_encode(&m, buf, sizeof(buf));
	buf[len - 3] = 0;
	CHECK_EQ_INT(shim_proto_decode(buf, (size_t)len, &back), -EPROTO);
	/* Encoders refuse what decoders would. */
	m = sample(SHIM_PROTO_SURFACE_VISIBLE);
	m.u.visible.visible = 5;
	CHECK_EQ_INT(shim_proto_encode(&m, buf, sizeof(buf)), -EINVAL);
	m = sample(SHIM_PROTO_HELLO);
	CHECK_EQ_INT(shim_proto_encode(&m, buf, 11), -EINVAL);
	CHECK(strcmp(shim_proto_type_to_str(0x7777), "unknown") == 0);
	CHECK(strcmp(shim_proto_error_to_str(SHIM_PROTO_ERR_FD), "bad fd") == 0);
}

static const struct test_case cases[] = {
	TEST_CASE(proto_golden_bytes),
	TEST_CASE(proto_every_message_round_trips),
	TEST_CASE(proto_truncations_fail),
	TEST_CASE(proto_bad_fields_rejected),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
