/* The little-endian cursor: every field width, overruns latch -EMSGSIZE, zero checks. */
#include "macros.h"
#include "test.h"
#include "wire.h"

static void test_wire_roundtrip_all_widths(void)
{
	uint8_t buf[19];
	struct wire w = wire_writer(buf, sizeof(buf));
	wire_put_u8(&w, 0x12);
	wire_put_u16(&w, 0x3456);
	wire_put_u32(&w, 0x789abcde);
	wire_put_u64(&w, 0x0102030405060708ull);
	wire_put_s32(&w, -2);
	CHECK_EQ_INT(wire_error(&w), 0);
	static const uint8_t expect[] = { 0x12, 0x56, 0x34, 0xde, 0xbc, 0x9a, 0x78, 0x08, 0x07,
		0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0xfe, 0xff, 0xff, 0xff };
	CHECK_MEM(buf, expect, sizeof(expect));

	struct wire r = wire_reader(buf, sizeof(buf));
	CHECK_EQ_INT(wire_get_u8(&r), 0x12);
	CHECK_EQ_INT(wire_get_u16(&r), 0x3456);
	CHECK_EQ_INT(wire_get_u32(&r), 0x789abcde);
	CHECK(wire_get_u64(&r) == 0x0102030405060708ull);
	CHECK_EQ_INT(wire_get_s32(&r), -2);
	CHECK_EQ_INT(wire_error(&r), 0);
	CHECK_EQ_INT(wire_remaining(&r), 0);
}

static void test_wire_overrun_latches_emsgsize(void)
{
	const uint8_t buf[3] = { 1, 2, 3 };
	struct wire r = wire_reader(buf, sizeof(buf));
	CHECK_EQ_INT(wire_get_u16(&r), 0x0201);
	CHECK_EQ_INT(wire_get_u32(&r), 0); /* does not fit: 0 and an error */
	CHECK_EQ_INT(wire_error(&r), -EMSGSIZE);
	CHECK_EQ_INT(wire_get_u8(&r), 0); /* latched: even a byte that would fit reads 0 */
	CHECK_EQ_INT(wire_remaining(&r), 0);

	uint8_t out[2];
	struct wire w = wire_writer(out, sizeof(out));
	wire_put_u32(&w, 1);
	CHECK_EQ_INT(wire_error(&w), -EMSGSIZE);
}

static void test_wire_skip_must_be_zero(void)
{
	const uint8_t zeros[4] = { 0 }, nonzero[4] = { 0, 0, 1, 0 };
	struct wire r = wire_reader(zeros, sizeof(zeros));
	wire_skip(&r, 4, true);
	CHECK_EQ_INT(wire_error(&r), 0);
	r = wire_reader(nonzero, sizeof(nonzero));
	wire_skip(&r, 4, true);
	CHECK_EQ_INT(wire_error(&r), -EPROTO);
	r = wire_reader(nonzero, sizeof(nonzero));
	wire_skip(&r, 4, false);
	CHECK_EQ_INT(wire_error(&r), 0);
}

static const struct test_case cases[] = {
	TEST_CASE(test_wire_roundtrip_all_widths),
	TEST_CASE(test_wire_overrun_latches_emsgsize),
	TEST_CASE(test_wire_skip_must_be_zero),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
