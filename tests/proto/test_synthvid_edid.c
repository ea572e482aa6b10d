/*
 * The EDID helpers: blocks built for hvhost to offer carry the name and preferred mode asked for
 * and a valid checksum; names read from untrusted blocks survive corruption.
 */
#include <errno.h>

#include "macros.h"
#include "synthvid_edid.h"
#include "test.h"

static int dtd_width(const uint8_t *edid)
{
	return edid[56] | (edid[58] >> 4) << 8;
}

static int dtd_height(const uint8_t *edid)
{
	return edid[59] | (edid[61] >> 4) << 8;
}

static int dtd_clock_10khz(const uint8_t *edid)
{
	return edid[54] | edid[55] << 8;
}

/* Refresh rate from the first detailed timing: clock over total pixels per frame. */
static double dtd_refresh_hz(const uint8_t *edid)
{
	int hblank = edid[57] | (edid[58] & 0xf) << 8;
	int vblank = edid[60] | (edid[61] & 0xf) << 8;
	return dtd_clock_10khz(edid) * 10000.0 /
		((double)(dtd_width(edid) + hblank) * (dtd_height(edid) + vblank));
}

static void test_edid_build_and_read_name(void)
{
	uint8_t edid[SYNTHVID_EDID_BLOCK];
	char name[SYNTHVID_EDID_NAME_MAX + 1];
	/* The goldens' RESOLUTION_RESPONSE and FEATURE_CHANGE V2 carry this builder's blocks, so
	 * test_synthvid's golden cases pin its bytes; edid-decode 2022-03 called them conformant. */
	REQUIRE(synthvid_edid_build(edid, "HyperVMonitor", 1024, 768) == 0);
	CHECK_EQ_INT(synthvid_edid_monitor_name(edid, name, sizeof(name)), 13);
	CHECK(strcmp(name, "HyperVMonitor") == 0);
	/* Preferred mode in the first detailed timing (offset 54). */
	CHECK_EQ_INT(dtd_width(edid), 1024);
	CHECK_EQ_INT(dtd_height(edid), 768);
	CHECK_EQ_INT(dtd_clock_10khz(edid), 5613); /* 56.13 MHz: 60 Hz with 1184x790 total */

	CHECK(dtd_refresh_hz(edid) >= 60.0 && dtd_refresh_hz(edid) < 60.1);
	REQUIRE(synthvid_edid_build(edid, "x", 1920, 1080) == 0);
	CHECK(dtd_refresh_hz(edid) >= 60.0 && dtd_refresh_hz(edid) < 60.1);

	/* The largest a timing can hold: the 16-bit clock forces the rate down, not to zero. */
	REQUIRE(synthvid_edid_build(edid, "hvhost", 4095, 4095) == 0);
	CHECK_EQ_INT(dtd_width(edid), 4095);
	CHECK_EQ_INT(dtd_height(edid), 4095);
	CHECK(dtd_refresh_hz(edid) >= 30.0 && dtd_refresh_hz(edid) < 60.0);
	CHECK_EQ_INT(synthvid_edid_monitor_name(edid, name, sizeof(name)), 6);
	CHECK(strcmp(name, "hvhost") == 0);
	CHECK_EQ_INT(synthvid_edid_monitor_name(edid, name, 6), -EMSGSIZE);
	CHECK_EQ_INT(synthvid_edid_monitor_name(edid, name, 7), 6);
	uint8_t sum = 0;
	for (size_t i = 0; i < SYNTHVID_EDID_BLOCK; i++)
		sum = (uint8_t)(sum + edid[i]);
	CHECK_EQ_INT(sum, 0);

	CHECK_EQ_INT(synthvid_edid_build(edid, "", 1024, 768), -EINVAL);
	CHECK_EQ_INT(synthvid_edid_build(edid, "FourteenChars!", 1024, 768), -EINVAL);
	CHECK_EQ_INT(synthvid_edid_build(edid, "tab\there", 1024, 768), -EINVAL);
	CHECK_EQ_INT(synthvid_edid_build(edid, NULL, 1024, 768), -EINVAL);
	CHECK_EQ_INT(synthvid_edid_build(edid, "x", 0, 768), -ERANGE);
	CHECK_EQ_INT(synthvid_edid_build(edid, "x", 4096, 2160), -ERANGE);
	CHECK_EQ_INT(synthvid_edid_build(edid, "x", 7680, 4320), -ERANGE);
}

static void test_edid_name_rejects_untrusted_blocks(void)
{
	uint8_t edid[SYNTHVID_EDID_BLOCK];
	char name[SYNTHVID_EDID_NAME_MAX + 1];
	REQUIRE(synthvid_edid_build(edid, "abc", 800, 600) == 0);
	edid[100] ^= 1;
	CHECK_EQ_INT(synthvid_edid_monitor_name(edid, name, sizeof(name)), -EPROTO);
	REQUIRE(synthvid_edid_build(edid, "abc", 800, 600) == 0);
	edid[0] = 1;
	edid[127] = (uint8_t)(edid[127] - 1);
	CHECK_EQ_INT(synthvid_edid_monitor_name(edid, name, sizeof(name)), -EPROTO);
	/* No 0xFC descriptor: retag the name as an unspecified-text one (0xFE). */
	REQUIRE(synthvid_edid_build(edid, "abc", 800, 600) == 0);
	edid[72 + 3] = 0xfe;
	edid[127] = (uint8_t)(edid[127] + 0xfc - 0xfe);
	CHECK_EQ_INT(synthvid_edid_monitor_name(edid, name, sizeof(name)), -ENOENT);
	/* Thirteen unterminated bytes, some not printable. */
	REQUIRE(synthvid_edid_build(edid, "ABCDEFGHIJKLM", 800, 600) == 0);
	edid[72 + 5] = 0x01;
	edid[127] = (uint8_t)(edid[127] + 'A' - 0x01);
	CHECK_EQ_INT(synthvid_edid_monitor_name(edid, name, sizeof(name)), 13);
	CHECK(strcmp(name, "?BCDEFGHIJKLM") == 0);
}

static const struct test_case cases[] = {
	TEST_CASE(test_edid_build_and_read_name),
	TEST_CASE(test_edid_name_rejects_untrusted_blocks),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
