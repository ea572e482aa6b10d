/*
 * The control-message codec of the emulated VMBus (vmbus-emu.md §2): golden bytes written by
 * hand from the §2 table for every message, both ways through the codec; every truncation,
 * every byte the table says is 0, the second header word, unknown types, the wrong direction,
 * the wrong descriptor count and the field rules each rejected with their own error.
 */
#include <errno.h>

#include "macros.h"
#include "test.h"
#include "vmb_ctl_proto.h"
#include "vmb_guid.h"

/* ---- golden messages (§2, §5) ---- */

#define HDR(type) type, 0, 0, 0, 0, 0, 0, 0
#define U32(v) (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)
#define Z8 0, 0, 0, 0, 0, 0, 0, 0
#define Z40 Z8, Z8, Z8, Z8, Z8

static const uint8_t g_initiate_contact[] = { HDR(14), U32(0x00050000) };
/* Accepted 3.0, window 0xF8000000 + 128 MiB: version_supported 1, refusal 0, 2 bytes 0. */
static const uint8_t g_version_accept[] = { HDR(15), 1, 0, 0, 0, U32(0x00030000), U32(0xF8000000),
	U32(0), U32(0x08000000), U32(0) };
static const uint8_t g_version_refuse[] = { HDR(15), 0, 0, 0, 0, U32(0x00050000), Z8, Z8 };
static const uint8_t g_version_busy[] = { HDR(15), 0, 1, 0, 0, U32(0), Z8, Z8 };
static const uint8_t g_requestoffers[] = { HDR(3), U32(0) };
static const uint8_t g_offer_video[] = { HDR(1),
	/* da0a7802-e377-4aac-8e77-0558eb1073f8 */
	0x02, 0x78, 0x0a, 0xda, 0x77, 0xe3, 0xac, 0x4a, 0x8e, 0x77, 0x05, 0x58, 0xeb, 0x10, 0x73,
	0xf8,
	/* 5620e0c7-8062-4dce-aeb7-520c7ef76171 */
	0xc7, 0xe0, 0x20, 0x56, 0x62, 0x80, 0xce, 0x4d, 0xae, 0xb7, 0x52, 0x0c, 0x7e, 0xf7, 0x61,
	0x71, U32(1), 8, 0, 0x10, 0, U32(4), U32(0) };
static const uint8_t g_offer_keyboard[] = { HDR(1),
	/* f912ad6d-2b17-48ea-bd65-f927a61c7684 */
	0x6d, 0xad, 0x12, 0xf9, 0x17, 0x2b, 0xea, 0x48, 0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76,
	0x84,
	/* d34b2567-b9b6-42b9-8778-0a4ec0b955bf */
	0x67, 0x25, 0x4b, 0xd3, 0xb6, 0xb9, 0xb9, 0x42, 0x87, 0x78, 0x0a, 0x4e, 0xc0, 0xb9, 0x55,
	0xbf, U32(2), 0, 0, 0, 0, U32(0), U32(0) };
static const uint8_t g_alloffers[] = { HDR(4), U32(0) };
/* relid 1, open_id 7, 512 KiB of rings, the first 256 KiB (64 pages) guest->host. */
static const uint8_t g_open[] = { HDR(5), U32(1), U32(7), U32(0x80000), U32(64), Z40, Z40, Z40 };
static const uint8_t g_open_result_ok[] = { HDR(6), U32(1), U32(7), U32(0) };
static const uint8_t g_open_result_einval[] = { HDR(6), U32(1), U32(7), 0xea, 0xff, 0xff, 0xff };
static const uint8_t g_close[] = { HDR(7), U32(1) };
static const uint8_t g_rescind[] = { HDR(2), U32(3) };
static const uint8_t g_released[] = { HDR(21), U32(3) };
static const uint8_t g_unload[] = { HDR(16), U32(0) };
static const uint8_t g_unload_response[] = { HDR(17), U32(0) };

struct zero_range {
	uint8_t off, len; // within the body
};

struct golden {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	enum vmb_ctl_dir dir;
	size_t nfds;
	struct vmb_ctl_msg msg;
	struct zero_range zero[3]; // body bytes the table says are 0 (len 0 ends the list)
};

#define BYTES(a) a, sizeof(a)

static const struct golden goldens[] = {
	{ "INITIATE_CONTACT 5.0", BYTES(g_initiate_contact), VMB_CTL_TO_HOST, 0,
		{ .type = VMB_CTL_INITIATE_CONTACT, .initiate_contact = { 0x00050000 } } },
	{ "VERSION_RESPONSE accepted", BYTES(g_version_accept), VMB_CTL_TO_GUEST, 1,
		{ .type = VMB_CTL_VERSION_RESPONSE,
			.version_response = { true, 0, 0x00030000, 0xF8000000, 128u << 20 } },
		{ { 2, 2 } } },
	{ "VERSION_RESPONSE refused", BYTES(g_version_refuse), VMB_CTL_TO_GUEST, 0,
		{ .type = VMB_CTL_VERSION_RESPONSE,
			.version_response = { false, VMB_CTL_REFUSAL_VERSION, 0x00050000, 0, 0 } },
		{ { 2, 2 }, { 8, 16 } } },
	{ "VERSION_RESPONSE busy", BYTES(g_version_busy), VMB_CTL_TO_GUEST, 0,
		{ .type = VMB_CTL_VERSION_RESPONSE,
			.version_response = { false, VMB_CTL_REFUSAL_BUSY, 0, 0, 0 } },
		{ { 0, 1 }, { 2, 22 } } },
	{ "REQUESTOFFERS", BYTES(g_requestoffers), VMB_CTL_TO_HOST, 0,
		{ .type = VMB_CTL_REQUESTOFFERS }, { { 0, 4 } } },
	{ "OFFERCHANNEL video", BYTES(g_offer_video), VMB_CTL_TO_GUEST, 0,
		{ .type = VMB_CTL_OFFERCHANNEL,
			.offer = { .child_relid = 1,
				.mmio_megabytes = 8,
				.chn_flags = 0x10,
				.pipe_mode = 4 } },
		{ { 44, 4 } } },
	{ "OFFERCHANNEL keyboard", BYTES(g_offer_keyboard), VMB_CTL_TO_GUEST, 0,
		{ .type = VMB_CTL_OFFERCHANNEL, .offer = { .child_relid = 2 } }, { { 40, 8 } } },
	{ "ALLOFFERS_DELIVERED", BYTES(g_alloffers), VMB_CTL_TO_GUEST, 0,
		{ .type = VMB_CTL_ALLOFFERS_DELIVERED }, { { 0, 4 } } },
	{ "OPENCHANNEL", BYTES(g_open), VMB_CTL_TO_HOST, 3,
		{ .type = VMB_CTL_OPENCHANNEL,
			.open = { .child_relid = 1,
				.open_id = 7,
				.ring_bytes = 0x80000,
				.downstream_ringbuffer_pageoffset = 64 } } },
	{ "OPENCHANNEL_RESULT 0", BYTES(g_open_result_ok), VMB_CTL_TO_GUEST, 0,
		{ .type = VMB_CTL_OPENCHANNEL_RESULT, .open_result = { 1, 7, 0 } } },
	{ "OPENCHANNEL_RESULT -EINVAL", BYTES(g_open_result_einval), VMB_CTL_TO_GUEST, 0,
		{ .type = VMB_CTL_OPENCHANNEL_RESULT, .open_result = { 1, 7, -EINVAL } } },
	{ "CLOSECHANNEL", BYTES(g_close), VMB_CTL_TO_HOST, 0,
		{ .type = VMB_CTL_CLOSECHANNEL, .child_relid = 1 } },
	{ "RESCIND_CHANNELOFFER", BYTES(g_rescind), VMB_CTL_TO_GUEST, 0,
		{ .type = VMB_CTL_RESCIND_CHANNELOFFER, .child_relid = 3 } },
	{ "RELID_RELEASED", BYTES(g_released), VMB_CTL_TO_HOST, 0,
		{ .type = VMB_CTL_RELID_RELEASED, .child_relid = 3 } },
	{ "UNLOAD", BYTES(g_unload), VMB_CTL_TO_HOST, 0, { .type = VMB_CTL_UNLOAD }, { { 0, 4 } } },
	{ "UNLOAD_RESPONSE", BYTES(g_unload_response), VMB_CTL_TO_GUEST, 0,
		{ .type = VMB_CTL_UNLOAD_RESPONSE }, { { 0, 4 } } },
};

/* The GUIDs are not in the initialisers above: they come from vmb_guid.c, checked apart. */
static struct vmb_ctl_msg golden_msg(const struct golden *g)
{
	struct vmb_ctl_msg m = g->msg;
	if (g->bytes == g_offer_video) {
		m.offer.interface = vmb_guid_synthvid;
		m.offer.instance = vmb_guid_synthvid_instance;
	} else if (g->bytes == g_offer_keyboard) {
		m.offer.interface = vmb_guid_keyboard;
		m.offer.instance = vmb_guid_keyboard_instance;
	}
	return m;
}

static bool msg_equal(const struct vmb_ctl_msg *a, const struct vmb_ctl_msg *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case VMB_CTL_INITIATE_CONTACT:
		return a->initiate_contact.vmbus_version == b->initiate_contact.vmbus_version;
	case VMB_CTL_VERSION_RESPONSE: {
		const struct vmb_ctl_version_response *x = &a->version_response,
						      *y = &b->version_response;
		return x->version_supported == y->version_supported && x->refusal == y->refusal &&
			x->vmbus_version == y->vmbus_version && x->mmio_base == y->mmio_base &&
			x->mmio_size == y->mmio_size;
	}
	case VMB_CTL_OFFERCHANNEL:
		return vmb_guid_equal(&a->offer.interface, &b->offer.interface) &&
			vmb_guid_equal(&a->offer.instance, &b->offer.instance) &&
			a->offer.child_relid == b->offer.child_relid &&
			a->offer.mmio_megabytes == b->offer.mmio_megabytes &&
			a->offer.chn_flags == b->offer.chn_flags &&
			a->offer.pipe_mode == b->offer.pipe_mode;
	case VMB_CTL_OPENCHANNEL:
		return a->open.child_relid == b->open.child_relid &&
			a->open.open_id == b->open.open_id &&
			a->open.ring_bytes == b->open.ring_bytes &&
			a->open.downstream_ringbuffer_pageoffset ==
			b->open.downstream_ringbuffer_pageoffset &&
			memcmp(a->open.user_data, b->open.user_data, sizeof(a->open.user_data)) ==
			0;
	case VMB_CTL_OPENCHANNEL_RESULT:
		return a->open_result.child_relid == b->open_result.child_relid &&
			a->open_result.open_id == b->open_result.open_id &&
			a->open_result.status == b->open_result.status;
	case VMB_CTL_CLOSECHANNEL:
	case VMB_CTL_RESCIND_CHANNELOFFER:
	case VMB_CTL_RELID_RELEASED:
		return a->child_relid == b->child_relid;
	default:
		return true;
	}
}

static enum vmb_ctl_dir other_dir(enum vmb_ctl_dir dir)
{
	return dir == VMB_CTL_TO_HOST ? VMB_CTL_TO_GUEST : VMB_CTL_TO_HOST;
}

/* Decodes buf (a copy of a golden, possibly altered) as the golden's receiver would. */
static int decode_as(
	const struct golden *g, const uint8_t *buf, size_t len, size_t nfds, const char **reason)
{
	struct vmb_ctl_msg m;
	return vmb_ctl_decode(g->dir, buf, len, nfds, &m, reason);
}

/* ---- cases ---- */

static void test_ctl_golden_encode(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		struct vmb_ctl_msg m = golden_msg(g);
		uint8_t buf[VMB_CTL_MAX_SIZE + 8];
		memset(buf, 0xa5, sizeof(buf));
		int len = vmb_ctl_encode(&m, buf, sizeof(buf));
		CHECK_MSG(len == (int)g->len, "%s: encoded %d bytes, expected %zu", g->name, len,
			g->len);
		if (len == (int)g->len)
			CHECK_MSG(memcmp(buf, g->bytes, g->len) == 0, "%s: bytes differ", g->name);
		CHECK_EQ_INT(vmb_ctl_msg_size(m.type), g->len);
		CHECK_EQ_INT(vmb_ctl_msg_fds(&m), g->nfds);
	}
}

static void test_ctl_golden_decode(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		struct vmb_ctl_msg m;
		const char *reason = NULL;
		int ret = vmb_ctl_decode(g->dir, g->bytes, g->len, g->nfds, &m, &reason);
		CHECK_MSG(ret == 0, "%s: decode %d (%s)", g->name, ret, reason ? reason : "");
		struct vmb_ctl_msg expect = golden_msg(g);
		if (ret == 0)
			CHECK_MSG(msg_equal(&m, &expect), "%s: decoded fields differ", g->name);
	}
}

static void test_ctl_every_truncation_emsgsize(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		for (size_t len = 0; len < g->len; len++) {
			int ret = decode_as(g, g->bytes, len, g->nfds, NULL);
			CHECK_MSG(ret == -EMSGSIZE, "%s cut to %zu bytes: %d", g->name, len, ret);
		}
		uint8_t longer[VMB_CTL_MAX_SIZE + 1] = { 0 };
		memcpy(longer, g->bytes, g->len);
		int ret = decode_as(g, longer, g->len + 1, g->nfds, NULL);
		CHECK_MSG(ret == -EMSGSIZE, "%s with one byte more: %d", g->name, ret);
	}
}

static void test_ctl_second_header_word_eproto(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		for (size_t b = 4; b < 8; b++) {
			uint8_t buf[VMB_CTL_MAX_SIZE];
			memcpy(buf, g->bytes, g->len);
			buf[b] = 0x01;
			const char *reason = NULL;
			int ret = decode_as(g, buf, g->len, g->nfds, &reason);
			CHECK_MSG(ret == -EPROTO, "%s, header byte %zu set: %d", g->name, b, ret);
			CHECK(reason && strstr(reason, "header"));
		}
	}
}

static void test_ctl_zero_fields_eproto(void)
{
	size_t checked = 0;
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		for (size_t z = 0; z < ARRAY_LEN(g->zero) && g->zero[z].len; z++) {
			for (size_t b = 0; b < g->zero[z].len; b++) {
				uint8_t buf[VMB_CTL_MAX_SIZE];
				memcpy(buf, g->bytes, g->len);
				size_t at = VMB_CTL_HEADER_SIZE + g->zero[z].off + b;
				buf[at] = 0x80;
				int ret = decode_as(g, buf, g->len, g->nfds, NULL);
				CHECK_MSG(ret == -EPROTO, "%s, body byte %zu set: %d", g->name,
					at - VMB_CTL_HEADER_SIZE, ret);
				checked++;
			}
		}
	}
	CHECK(checked > 40);
}

static void test_ctl_unknown_type_eopnotsupp(void)
{
	static const uint32_t unknown[] = { 0, 8, 9, 10, 11, 12, 13, 18, 19, 20, 22, 0x100,
		0xffffffff };
	for (size_t i = 0; i < ARRAY_LEN(unknown); i++) {
		uint8_t buf[12] = { U32(unknown[i]), 0, 0, 0, 0, U32(1) };
		struct vmb_ctl_msg m;
		for (int dir = VMB_CTL_TO_HOST; dir <= VMB_CTL_TO_GUEST; dir++) {
			int ret = vmb_ctl_decode(
				(enum vmb_ctl_dir)dir, buf, sizeof(buf), 0, &m, NULL);
			CHECK_MSG(ret == -EOPNOTSUPP, "type %u: %d", unknown[i], ret);
		}
		CHECK(!vmb_ctl_type_known(unknown[i]));
		CHECK(strcmp(vmb_ctl_type_to_str(unknown[i]), "unknown") == 0);
		CHECK_EQ_INT(vmb_ctl_msg_size(unknown[i]), 0);
	}
	struct vmb_ctl_msg bad = { .type = (enum vmb_ctl_type)9 };
	uint8_t out[VMB_CTL_MAX_SIZE];
	CHECK_EQ_INT(vmb_ctl_encode(&bad, out, sizeof(out)), -EINVAL);
}

static void test_ctl_wrong_direction_rejected(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		struct vmb_ctl_msg m;
		const char *reason = NULL;
		int ret = vmb_ctl_decode(other_dir(g->dir), g->bytes, g->len, g->nfds, &m, &reason);
		CHECK_MSG(ret == -EPROTO, "%s received the wrong way: %d", g->name, ret);
		CHECK(reason && strstr(reason, "direction"));
		enum vmb_ctl_dir dir;
		CHECK(vmb_ctl_type_dir(g->msg.type, &dir) && dir == g->dir);
	}
}

static void test_ctl_descriptor_count(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		size_t wrong[] = { g->nfds + 1, g->nfds ? g->nfds - 1 : 3 };
		for (size_t w = 0; w < ARRAY_LEN(wrong); w++) {
			const char *reason = NULL;
			int ret = decode_as(g, g->bytes, g->len, wrong[w], &reason);
			CHECK_MSG(ret == -EPROTO, "%s with %zu fds: %d", g->name, wrong[w], ret);
			CHECK(reason && strstr(reason, "descriptor"));
		}
	}
}

/* One field of a golden changed to a value the table forbids. */
struct bad_field {
	const uint8_t *golden;
	size_t len;
	enum vmb_ctl_dir dir;
	size_t nfds;
	size_t at; // byte offset in the message
	uint8_t value;
	const char *what;
};

static void test_ctl_field_rules_eproto(void)
{
	static const struct bad_field bad[] = {
		{ BYTES(g_version_accept), VMB_CTL_TO_GUEST, 1, 8, 2, "version_supported 2" },
		{ BYTES(g_version_accept), VMB_CTL_TO_GUEST, 1, 9, 1, "accepted with a refusal" },
		{ BYTES(g_version_accept), VMB_CTL_TO_GUEST, 1, 18, 0x10,
			"base not 2 MiB aligned" },
		{ BYTES(g_version_accept), VMB_CTL_TO_GUEST, 1, 26, 0x10,
			"size not 2 MiB multiple" },
		{ BYTES(g_version_accept), VMB_CTL_TO_GUEST, 1, 27, 0x00, "size 0" },
		{ BYTES(g_version_refuse), VMB_CTL_TO_GUEST, 0, 9, 2, "refusal reason 2" },
		{ BYTES(g_version_busy), VMB_CTL_TO_GUEST, 0, 14, 5, "busy with a version echo" },
		{ BYTES(g_offer_video), VMB_CTL_TO_GUEST, 0, 48, 0, "pipe offer, pipe_mode 0" },
		{ BYTES(g_offer_video), VMB_CTL_TO_GUEST, 0, 48, 2, "pipe offer, pipe_mode 2" },
		{ BYTES(g_offer_keyboard), VMB_CTL_TO_GUEST, 0, 48, 4,
			"pipe_mode without pipe flag" },
		{ BYTES(g_open_result_ok), VMB_CTL_TO_GUEST, 0, 16, 1, "status +1" },
		{ BYTES(g_open_result_einval), VMB_CTL_TO_GUEST, 0, 17, 0x00, "status < -4095" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		uint8_t buf[VMB_CTL_MAX_SIZE];
		memcpy(buf, bad[i].golden, bad[i].len);
		buf[bad[i].at] = bad[i].value;
		struct vmb_ctl_msg m = { .type = VMB_CTL_UNLOAD };
		const char *reason = NULL;
		int ret = vmb_ctl_decode(bad[i].dir, buf, bad[i].len, bad[i].nfds, &m, &reason);
		CHECK_MSG(ret == -EPROTO, "%s: %d", bad[i].what, ret);
		CHECK_MSG(reason != NULL, "%s: no reason", bad[i].what);
		CHECK_MSG(m.type == VMB_CTL_UNLOAD, "%s: output written on error", bad[i].what);
	}
	/* What the checks allow: other chn_flags bits, any user data in OPENCHANNEL. */
	uint8_t buf[VMB_CTL_MAX_SIZE];
	memcpy(buf, g_offer_keyboard, sizeof(g_offer_keyboard));
	buf[8 + 38] = 0x01;
	struct vmb_ctl_msg m;
	CHECK_EQ_INT(
		vmb_ctl_decode(VMB_CTL_TO_GUEST, buf, sizeof(g_offer_keyboard), 0, &m, NULL), 0);
	memcpy(buf, g_open, sizeof(g_open));
	buf[8 + 16 + 119] = 0x42;
	CHECK_EQ_INT(vmb_ctl_decode(VMB_CTL_TO_HOST, buf, sizeof(g_open), 3, &m, NULL), 0);
	CHECK_EQ_INT(m.open.user_data[119], 0x42);
}

static void test_ctl_encode_needs_room(void)
{
	const struct golden *open = NULL;
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		if (goldens[i].msg.type == VMB_CTL_OPENCHANNEL)
			open = &goldens[i];
	}
	REQUIRE(open);
	struct vmb_ctl_msg m = golden_msg(open);
	uint8_t buf[VMB_CTL_MAX_SIZE];
	CHECK_EQ_INT(vmb_ctl_encode(&m, buf, VMB_CTL_MAX_SIZE - 1), -EMSGSIZE);
	CHECK_EQ_INT(vmb_ctl_encode(&m, buf, VMB_CTL_MAX_SIZE), (int)VMB_CTL_MAX_SIZE);
	CHECK_EQ_INT(vmb_ctl_peek_type(buf, 4), VMB_CTL_OPENCHANNEL);
	CHECK_EQ_INT(vmb_ctl_peek_type(buf, 3), 0);
}

static void test_ctl_type_names(void)
{
	static const struct {
		uint32_t type;
		const char *name;
	} names[] = {
		{ 1, "OFFERCHANNEL" },
		{ 2, "RESCIND_CHANNELOFFER" },
		{ 3, "REQUESTOFFERS" },
		{ 4, "ALLOFFERS_DELIVERED" },
		{ 5, "OPENCHANNEL" },
		{ 6, "OPENCHANNEL_RESULT" },
		{ 7, "CLOSECHANNEL" },
		{ 14, "INITIATE_CONTACT" },
		{ 15, "VERSION_RESPONSE" },
		{ 16, "UNLOAD" },
		{ 17, "UNLOAD_RESPONSE" },
		{ 21, "RELID_RELEASED" },
	};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		CHECK_MSG(strcmp(vmb_ctl_type_to_str(names[i].type), names[i].name) == 0,
			"type %u is %s", names[i].type, vmb_ctl_type_to_str(names[i].type));
		CHECK(vmb_ctl_type_known(names[i].type));
	}
}

static const struct test_case cases[] = {
	TEST_CASE(test_ctl_golden_encode),
	TEST_CASE(test_ctl_golden_decode),
	TEST_CASE(test_ctl_every_truncation_emsgsize),
	TEST_CASE(test_ctl_second_header_word_eproto),
	TEST_CASE(test_ctl_zero_fields_eproto),
	TEST_CASE(test_ctl_unknown_type_eopnotsupp),
	TEST_CASE(test_ctl_wrong_direction_rejected),
	TEST_CASE(test_ctl_descriptor_count),
	TEST_CASE(test_ctl_field_rules_eproto),
	TEST_CASE(test_ctl_encode_needs_room),
	TEST_CASE(test_ctl_type_names),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
