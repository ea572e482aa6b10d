/* Synthetic keyboard codec (synthinput.md §1.2): golden bytes both ways, padding, every
 * truncation, bad fields, unknown types, names. */
#include <errno.h>

#include "hexfile.h"
#include "macros.h"
#include "synthkbd.h"
#include "test.h"

struct golden {
	const char *file;
	struct synthkbd_msg msg;
	const char *short_reason; // reason for a truncation past the header
};

static const struct golden goldens[] = {
	{ "tests/data/synthkbd/protocol_request.hex",
		{ .type = SYNTHKBD_PROTOCOL_REQUEST, .u.protocol_request = { SYNTHKBD_VERSION } },
		"short_protocol_request" },
	{ "tests/data/synthkbd/protocol_response_accepted.hex",
		{ .type = SYNTHKBD_PROTOCOL_RESPONSE,
			.u.protocol_response = { SYNTHKBD_PROTOCOL_ACCEPTED } },
		"short_protocol_response" },
	{ "tests/data/synthkbd/protocol_response_rejected.hex",
		{ .type = SYNTHKBD_PROTOCOL_RESPONSE, .u.protocol_response = { 0 } },
		"short_protocol_response" },
	{ "tests/data/synthkbd/event_a_make.hex",
		{ .type = SYNTHKBD_EVENT, .u.event = { 0x1e, 0, 0 } }, "short_event" },
	{ "tests/data/synthkbd/event_rightctrl_break.hex",
		{ .type = SYNTHKBD_EVENT,
			.u.event = { 0x1d, 0, SYNTHKBD_INFO_IS_E0 | SYNTHKBD_INFO_IS_BREAK } },
		"short_event" },
	{ "tests/data/synthkbd/event_pause_e1.hex",
		{ .type = SYNTHKBD_EVENT, .u.event = { 0x1d, 0, SYNTHKBD_INFO_IS_E1 } },
		"short_event" },
	{ "tests/data/synthkbd/set_led_indicators_caps.hex",
		{ .type = SYNTHKBD_SET_LED_INDICATORS,
			.u.set_led_indicators = { SYNTHKBD_LED_CAPS_LOCK, 0 } },
		"short_set_led_indicators" },
};

static bool msg_equal(const struct synthkbd_msg *a, const struct synthkbd_msg *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case SYNTHKBD_PROTOCOL_REQUEST:
		return a->u.protocol_request.version == b->u.protocol_request.version;
	case SYNTHKBD_PROTOCOL_RESPONSE:
		return a->u.protocol_response.status == b->u.protocol_response.status;
	case SYNTHKBD_EVENT:
		return a->u.event.make_code == b->u.event.make_code &&
			a->u.event.reserved == b->u.event.reserved &&
			a->u.event.info == b->u.event.info;
	case SYNTHKBD_SET_LED_INDICATORS:
		return a->u.set_led_indicators.led_flags == b->u.set_led_indicators.led_flags &&
			a->u.set_led_indicators.padding == b->u.set_led_indicators.padding;
	}
	return false;
}

static int load(const struct golden *g, uint8_t *buf, size_t cap)
{
	int n = hexfile_load(g->file, buf, cap);
	REQUIRE(n > 0);
	return n;
}

static void test_synthkbd_golden_decode(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		uint8_t buf[64];
		int n = load(&goldens[i], buf, sizeof(buf));
		CHECK_EQ_INT(n, synthkbd_msg_size(goldens[i].msg.type));
		struct synthkbd_msg msg;
		const char *reason = NULL;
		CHECK_EQ_INT(synthkbd_decode(buf, (size_t)n, &msg, &reason), 0);
		CHECK_MSG(msg_equal(&msg, &goldens[i].msg), "%s decodes differently",
			goldens[i].file);
	}
}

static void test_synthkbd_golden_encode(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		uint8_t expect[64], out[64];
		int n = load(&goldens[i], expect, sizeof(expect));
		memset(out, 0xaa, sizeof(out));
		CHECK_EQ_INT(synthkbd_encode(out, sizeof(out), &goldens[i].msg), n);
		CHECK_MEM(out, expect, (size_t)n);
		CHECK_EQ_INT(out[n], 0xaa); /* nothing written past the message */
	}
}

/* The ring pads every in-band payload to 8 bytes (§1.1): an EVENT arrives as 16 bytes. */
static void test_synthkbd_padding_ignored(void)
{
	uint8_t buf[16] = { 0 };
	int n = load(&goldens[4], buf, sizeof(buf));
	CHECK_EQ_INT(n, 12);
	struct synthkbd_msg msg;
	CHECK_EQ_INT(synthkbd_decode(buf, sizeof(buf), &msg, NULL), 0);
	CHECK(msg_equal(&msg, &goldens[4].msg));
	memset(buf + n, 0xff, sizeof(buf) - (size_t)n); /* padding is never read */
	CHECK_EQ_INT(synthkbd_decode(buf, sizeof(buf), &msg, NULL), 0);
	CHECK(msg_equal(&msg, &goldens[4].msg));

	uint8_t big[SYNTHKBD_MAX_MSG_SIZE + 1] = { 0 };
	memcpy(big, buf, (size_t)n);
	CHECK_EQ_INT(synthkbd_decode(big, SYNTHKBD_MAX_MSG_SIZE, &msg, NULL), 0);
	const char *reason = NULL;
	CHECK_EQ_INT(synthkbd_decode(big, sizeof(big), &msg, &reason), -EMSGSIZE);
	CHECK(reason && strcmp(reason, "oversized") == 0);
}

static void test_synthkbd_every_truncation_emsgsize(void)
{
	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		uint8_t buf[64];
		int n = load(&goldens[i], buf, sizeof(buf));
		for (int len = 0; len < n; len++) {
			struct synthkbd_msg msg = { .type = 99 };
			const char *reason = NULL;
			int ret = synthkbd_decode(len ? buf : NULL, (size_t)len, &msg, &reason);
			CHECK_MSG(ret == -EMSGSIZE, "%s cut to %d: %d", goldens[i].file, len, ret);
			const char *want = len <= 4 ? "short_header" : goldens[i].short_reason;
			CHECK_MSG(reason && strcmp(reason, want) == 0, "%s cut to %d: reason %s",
				goldens[i].file, len, reason ? reason : "(none)");
			CHECK_EQ_INT(msg.type, 99); /* untouched on failure */
		}
	}
}

static void test_synthkbd_unknown_type(void)
{
	static const uint32_t types[] = { 0, 5, 0x100, 0xffffffffu };
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		uint8_t buf[16] = { 0 };
		buf[0] = (uint8_t)types[i];
		buf[1] = (uint8_t)(types[i] >> 8);
		buf[2] = (uint8_t)(types[i] >> 16);
		buf[3] = (uint8_t)(types[i] >> 24);
		struct synthkbd_msg msg;
		const char *reason = NULL;
		CHECK_EQ_INT(synthkbd_decode(buf, sizeof(buf), &msg, &reason), -EOPNOTSUPP);
		CHECK(reason && strcmp(reason, "unknown_type") == 0);
		CHECK(strcmp(synthkbd_msg_type_to_str(types[i]), "UNKNOWN") == 0);
		CHECK_EQ_INT(synthkbd_msg_size(types[i]), 0);
	}
}

static int decode_event(uint16_t make_code, uint32_t info, const char **reason)
{
	uint8_t buf[16] = { 3, 0, 0, 0, (uint8_t)make_code, (uint8_t)(make_code >> 8), 0, 0,
		(uint8_t)info, (uint8_t)(info >> 8), (uint8_t)(info >> 16), (uint8_t)(info >> 24) };
	struct synthkbd_msg msg;
	return synthkbd_decode(buf, sizeof(buf), &msg, reason);
}

static void test_synthkbd_bad_fields(void)
{
	const char *reason = NULL;
	CHECK_EQ_INT(
		decode_event(0x1d, SYNTHKBD_INFO_IS_E0 | SYNTHKBD_INFO_IS_E1, &reason), -EPROTO);
	CHECK(reason && strcmp(reason, "event_e0_and_e1") == 0);
	reason = NULL;
	CHECK_EQ_INT(decode_event(0x9e, 0, &reason), -EPROTO); /* a break code in make_code */
	CHECK(reason && strcmp(reason, "event_make_code_range") == 0);
	/* A UTF-16 unit (the euro sign) is a legal make_code with IS_UNICODE; so are unknown
	 * info bits, which are kept. */
	CHECK_EQ_INT(decode_event(0x20ac, SYNTHKBD_INFO_IS_UNICODE, NULL), 0);
	CHECK_EQ_INT(decode_event(0x1e, 0x100, NULL), 0);

	uint8_t led[8] = { 4, 0, 0, 0, 0x10, 0, 0, 0 };
	struct synthkbd_msg msg;
	reason = NULL;
	CHECK_EQ_INT(synthkbd_decode(led, sizeof(led), &msg, &reason), -EPROTO);
	CHECK(reason && strcmp(reason, "led_flags_unknown") == 0);
	led[4] = SYNTHKBD_LED_ALL;
	CHECK_EQ_INT(synthkbd_decode(led, sizeof(led), &msg, NULL), 0);
	CHECK_EQ_INT(msg.u.set_led_indicators.led_flags, 0xf);
}

static void test_synthkbd_encode_errors(void)
{
	uint8_t buf[64];
	struct synthkbd_msg ev = { .type = SYNTHKBD_EVENT, .u.event = { 0x1e, 0, 0 } };
	CHECK_EQ_INT(synthkbd_encode(buf, SYNTHKBD_EVENT_SIZE - 1, &ev), -EMSGSIZE);
	ev.u.event.info = SYNTHKBD_INFO_IS_E0 | SYNTHKBD_INFO_IS_E1;
	CHECK_EQ_INT(synthkbd_encode(buf, sizeof(buf), &ev), -EINVAL);
	ev.u.event = (struct synthkbd_event){ 0x80, 0, 0 };
	CHECK_EQ_INT(synthkbd_encode(buf, sizeof(buf), &ev), -EINVAL);
	struct synthkbd_msg led = { .type = SYNTHKBD_SET_LED_INDICATORS,
		.u.set_led_indicators = { 0x20, 0 } };
	CHECK_EQ_INT(synthkbd_encode(buf, sizeof(buf), &led), -EINVAL);
	struct synthkbd_msg bad = { .type = (enum synthkbd_msg_type)7 };
	CHECK_EQ_INT(synthkbd_encode(buf, sizeof(buf), &bad), -EOPNOTSUPP);
}

/* Every valid flag combination and a spread of make codes survive encode then decode. */
static void test_synthkbd_event_roundtrip(void)
{
	static const uint32_t infos[] = { 0, SYNTHKBD_INFO_IS_BREAK, SYNTHKBD_INFO_IS_E0,
		SYNTHKBD_INFO_IS_E0 | SYNTHKBD_INFO_IS_BREAK, SYNTHKBD_INFO_IS_E1,
		SYNTHKBD_INFO_IS_E1 | SYNTHKBD_INFO_IS_BREAK };
	for (size_t i = 0; i < ARRAY_LEN(infos); i++) {
		for (uint16_t code = 0; code < 0x80; code++) {
			struct synthkbd_msg in = { .type = SYNTHKBD_EVENT,
				.u.event = { code, (uint16_t)(code * 3), infos[i] } };
			uint8_t buf[SYNTHKBD_EVENT_SIZE];
			struct synthkbd_msg out;
			CHECK_EQ_INT(synthkbd_encode(buf, sizeof(buf), &in), SYNTHKBD_EVENT_SIZE);
			CHECK_EQ_INT(synthkbd_decode(buf, sizeof(buf), &out, NULL), 0);
			CHECK(msg_equal(&in, &out));
		}
	}
}

static void test_synthkbd_type_names(void)
{
	CHECK(strcmp(synthkbd_msg_type_to_str(SYNTHKBD_PROTOCOL_REQUEST), "PROTOCOL_REQUEST") == 0);
	CHECK(strcmp(synthkbd_msg_type_to_str(SYNTHKBD_PROTOCOL_RESPONSE), "PROTOCOL_RESPONSE") ==
		0);
	CHECK(strcmp(synthkbd_msg_type_to_str(SYNTHKBD_EVENT), "EVENT") == 0);
	CHECK(strcmp(synthkbd_msg_type_to_str(SYNTHKBD_SET_LED_INDICATORS), "SET_LED_INDICATORS") ==
		0);
}

static const struct test_case cases[] = {
	TEST_CASE(test_synthkbd_golden_decode),
	TEST_CASE(test_synthkbd_golden_encode),
	TEST_CASE(test_synthkbd_padding_ignored),
	TEST_CASE(test_synthkbd_every_truncation_emsgsize),
	TEST_CASE(test_synthkbd_unknown_type),
	TEST_CASE(test_synthkbd_bad_fields),
	TEST_CASE(test_synthkbd_encode_errors),
	TEST_CASE(test_synthkbd_event_roundtrip),
	TEST_CASE(test_synthkbd_type_names),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
