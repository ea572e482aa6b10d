/* Text parsers (common/text.c): hex digits and "WxH" sizes, good and bad. */
#include "macros.h"
#include "test.h"
#include "text.h"

static void test_hex_digits(void)
{
	CHECK_EQ_INT(text_hex_digit('0'), 0);
	CHECK_EQ_INT(text_hex_digit('9'), 9);
	CHECK_EQ_INT(text_hex_digit('a'), 10);
	CHECK_EQ_INT(text_hex_digit('F'), 15);
	CHECK_EQ_INT(text_hex_digit('g'), -1);
	CHECK_EQ_INT(text_hex_digit('/'), -1);
	CHECK_EQ_INT(text_hex_digit(':'), -1);
	CHECK_EQ_INT(text_hex_digit('@'), -1);
	CHECK_EQ_INT(text_hex_digit(0), -1);
	CHECK_EQ_INT(text_hex_digit(-1), -1);
}

static void test_sizes(void)
{
	uint32_t w = 7, h = 7;
	CHECK(text_parse_size("1024x768", 8, 8192, &w, &h));
	CHECK_EQ_INT(w, 1024);
	CHECK_EQ_INT(h, 768);
	CHECK(text_parse_size("8x8192", 8, 8192, &w, &h));
	CHECK_EQ_INT(w, 8);
	CHECK_EQ_INT(h, 8192);
	static const char *const bad[] = { "", "x", "1024", "1024x", "x768", "1024x768x",
		"1024x768 ", " 1024x768", "+1024x768", "1024x-768", "7x768", "1024x8193",
		"1024X768", "99999999999999999999x1", "1024x768junk", NULL };
	for (size_t i = 0; bad[i]; i++)
		CHECK_MSG(!text_parse_size(bad[i], 8, 8192, &w, &h), "'%s' was taken", bad[i]);
	CHECK(!text_parse_size(NULL, 8, 8192, &w, &h));
	/* A refusal leaves the outputs alone. */
	CHECK_EQ_INT(w, 8);
	CHECK_EQ_INT(h, 8192);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_hex_digits),
		TEST_CASE(test_sizes),
	};
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
