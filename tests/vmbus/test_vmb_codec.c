/*
 * The small vmbus codecs: GUIDs in wire order (vmbus-emu.md §5) and pipe-mode framing
 * (vmbus-ring.md §5).
 */
#include <errno.h>

#include "macros.h"
#include "test.h"
#include "vmb_guid.h"
#include "vmb_pipe.h"

static void test_guid_synthvid_wire_bytes(void)
{
	static const uint8_t expect[16] = { 0x02, 0x78, 0x0a, 0xda, 0x77, 0xe3, 0xac, 0x4a, 0x8e,
		0x77, 0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8 };
	CHECK_MEM(vmb_guid_synthvid.bytes, expect, 16);
	struct vmb_guid g;
	CHECK_EQ_INT(vmb_guid_parse("da0a7802-e377-4aac-8e77-0558eb1073f8", &g), 0);
	CHECK_MEM(g.bytes, expect, 16);
	CHECK_EQ_INT(vmb_guid_parse("DA0A7802-E377-4AAC-8E77-0558EB1073F8", &g), 0);
	CHECK(vmb_guid_equal(&g, &vmb_guid_synthvid));
	char text[VMB_GUID_STR_LEN];
	vmb_guid_format(&vmb_guid_synthvid, text);
	CHECK(strcmp(text, "da0a7802-e377-4aac-8e77-0558eb1073f8") == 0);
}

static void test_guid_constants_round_trip(void)
{
	static const struct {
		const struct vmb_guid *guid;
		const char *text;
	} table[] = {
		{ &vmb_guid_synthvid, "da0a7802-e377-4aac-8e77-0558eb1073f8" },
		{ &vmb_guid_synthvid_instance, "5620e0c7-8062-4dce-aeb7-520c7ef76171" },
		{ &vmb_guid_keyboard, "f912ad6d-2b17-48ea-bd65-f927a61c7684" },
		{ &vmb_guid_keyboard_instance, "d34b2567-b9b6-42b9-8778-0a4ec0b955bf" },
		{ &vmb_guid_mouse, "cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a" },
		{ &vmb_guid_mouse_instance, "58f75a6d-d949-4320-99e1-a2a2576d581c" },
	};
	for (size_t i = 0; i < ARRAY_LEN(table); i++) {
		char text[VMB_GUID_STR_LEN];
		vmb_guid_format(table[i].guid, text);
		CHECK_MSG(
			strcmp(text, table[i].text) == 0, "%s formats as %s", table[i].text, text);
		struct vmb_guid g;
		CHECK_EQ_INT(vmb_guid_parse(table[i].text, &g), 0);
		CHECK(vmb_guid_equal(&g, table[i].guid));
		for (size_t j = 0; j < ARRAY_LEN(table); j++)
			CHECK(vmb_guid_equal(table[i].guid, table[j].guid) == (i == j));
	}
	/* Every byte position round-trips through text. */
	struct vmb_guid g = { { 0 } }, back;
	for (int i = 0; i < 16; i++)
		g.bytes[i] = (uint8_t)(0x10 * i + 15 - i);
	char text[VMB_GUID_STR_LEN];
	vmb_guid_format(&g, text);
	CHECK(strcmp(text, "3c2d1e0f-5a4b-7869-8796-a5b4c3d2e1f0") == 0);
	CHECK_EQ_INT(vmb_guid_parse(text, &back), 0);
	CHECK(vmb_guid_equal(&g, &back));
}

static void test_guid_malformed(void)
{
	static const char *const bad[] = {
		"",
		"da0a7802",
		"da0a7802-e377-4aac-8e77-0558eb1073f",   /* short */
		"da0a7802-e377-4aac-8e77-0558eb1073f80", /* long */
		"da0a7802-e377-4aac-8e77-0558eb1073f8 ", /* trailing space */
		"{da0a7802-e377-4aac-8e77-0558eb1073f8}",
		"da0a7802e377-4aac-8e77-0558eb1073f8-",
		"da0a7802-e3774-aac-8e77-0558eb1073f8",
		"da0a7802-e377-4aac-8e770558eb1073f8",
		"da0a780g-e377-4aac-8e77-0558eb1073f8",
		"da0a7802-e377-4aac-8e77-0558eb1073fx",
		" a0a7802-e377-4aac-8e77-0558eb1073f8",
		"da0a7802_e377_4aac_8e77_0558eb1073f8",
		"+a0a7802-e377-4aac-8e77-0558eb1073f8",
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct vmb_guid g = vmb_guid_mouse;
		CHECK_MSG(vmb_guid_parse(bad[i], &g) == -EINVAL, "accepted \"%s\"", bad[i]);
		CHECK(vmb_guid_equal(&g, &vmb_guid_mouse)); /* untouched */
	}
	struct vmb_guid g;
	CHECK_EQ_INT(vmb_guid_parse(NULL, &g), -EINVAL);
	/* Every truncation of a good string, as a separate exact-size allocation (ASan). */
	const char *good = "58f75a6d-d949-4320-99e1-a2a2576d581c";
	for (size_t n = 0; n < strlen(good); n++) {
		char *s = malloc(n + 1);
		REQUIRE(s);
		memcpy(s, good, n);
		s[n] = '\0';
		CHECK_EQ_INT(vmb_guid_parse(s, &g), -EINVAL);
		free(s);
	}
}

static void test_pipe_encode(void)
{
	uint8_t hdr[VMB_PIPE_HEADER_SIZE];
	CHECK_EQ_INT(vmb_pipe_encode(hdr, 0x1234), 0);
	static const uint8_t expect[] = { 1, 0, 0, 0, 0x34, 0x12, 0, 0 };
	CHECK_MEM(hdr, expect, sizeof(expect));
	CHECK_EQ_INT(vmb_pipe_encode(hdr, 0), 0);
	static const uint8_t empty[] = { 1, 0, 0, 0, 0, 0, 0, 0 };
	CHECK_MEM(hdr, empty, sizeof(empty));
	if (SIZE_MAX > UINT32_MAX)
		CHECK_EQ_INT(vmb_pipe_encode(hdr, (size_t)UINT32_MAX + 1), -EMSGSIZE);
}

static void test_pipe_parse(void)
{
	/* A 5-byte message as the ring delivers it: header, message, padding to 16. */
	static const uint8_t payload[16] = { 1, 0, 0, 0, 5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o' };
	const uint8_t *msg = NULL;
	uint32_t len = 99;
	CHECK_EQ_INT(vmb_pipe_parse(payload, sizeof(payload), &msg, &len), 0);
	CHECK(msg == payload + 8);
	CHECK_EQ_INT(len, 5);

	/* Exactly the received bytes is fine; one more is not. */
	uint8_t p[16];
	memcpy(p, payload, sizeof(p));
	p[4] = 8;
	CHECK_EQ_INT(vmb_pipe_parse(p, sizeof(p), &msg, &len), 0);
	CHECK_EQ_INT(len, 8);
	p[4] = 9;
	CHECK_EQ_INT(vmb_pipe_parse(p, sizeof(p), &msg, &len), -EMSGSIZE);
	p[4] = 0;
	p[7] = 0x80;
	CHECK_EQ_INT(vmb_pipe_parse(p, sizeof(p), &msg, &len), -EMSGSIZE);

	/* Zero-length message (end of stream in OpenVMM). */
	static const uint8_t eos[8] = { 1 };
	CHECK_EQ_INT(vmb_pipe_parse(eos, sizeof(eos), &msg, &len), 0);
	CHECK_EQ_INT(len, 0);
	CHECK(msg == eos + 8);
}

static void test_pipe_parse_bad_type(void)
{
	static const uint32_t types[] = { 0, 2, 3, 4, 0x100, 0xffffffffu };
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		uint8_t p[16] = { (uint8_t)types[i], (uint8_t)(types[i] >> 8),
			(uint8_t)(types[i] >> 16), (uint8_t)(types[i] >> 24), 4 };
		const uint8_t *msg = NULL;
		uint32_t len = 99;
		CHECK_EQ_INT(vmb_pipe_parse(p, sizeof(p), &msg, &len), -EPROTO);
		CHECK(msg == NULL && len == 99);
	}
}

/* Every prefix of a good payload: short headers and sizes past the end are -EMSGSIZE. */
static void test_pipe_parse_every_truncation(void)
{
	static const uint8_t payload[] = { 1, 0, 0, 0, 6, 0, 0, 0, 'a', 'b', 'c', 'd', 'e', 'f' };
	for (size_t n = 0; n <= sizeof(payload); n++) {
		uint8_t *copy = malloc(n ? n : 1);
		REQUIRE(copy);
		memcpy(copy, payload, n);
		const uint8_t *msg = NULL;
		uint32_t len = 99;
		int ret = vmb_pipe_parse(n ? copy : NULL, n, &msg, &len);
		if (n == sizeof(payload)) {
			CHECK_EQ_INT(ret, 0);
			CHECK_EQ_INT(len, 6);
			CHECK_MEM(msg, "abcdef", 6);
		} else {
			CHECK_MSG(ret == -EMSGSIZE, "%zu bytes: %d", n, ret);
			CHECK(msg == NULL && len == 99);
		}
		free(copy);
	}
}

static const struct test_case cases[] = {
	TEST_CASE(test_guid_synthvid_wire_bytes),
	TEST_CASE(test_guid_constants_round_trip),
	TEST_CASE(test_guid_malformed),
	TEST_CASE(test_pipe_encode),
	TEST_CASE(test_pipe_parse),
	TEST_CASE(test_pipe_parse_bad_type),
	TEST_CASE(test_pipe_parse_every_truncation),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
