/* The video model's options (hvh_video_config.h): what each accepts and refuses, the defaults,
 * and the VRAM size the offer announces (vmbus-emu.md §4). */
#include <errno.h>
#include <string.h>

#include "hvh_video_config.h"
#include "macros.h"
#include "synthvid.h"
#include "test.h"

#define MIB (1024ull * 1024ull)

static void test_versions_list_and_none(void)
{
	struct hvh_video_config c = { 0 };
	CHECK_EQ_INT(hvh_video_parse_versions("3.5,3.2", &c), 0);
	CHECK_EQ_INT(c.n_versions, 2);
	CHECK(hvh_video_config_accepts(&c, SYNTHVID_VERSION_3_5));
	CHECK(hvh_video_config_accepts(&c, SYNTHVID_VERSION_3_2));
	CHECK(!hvh_video_config_accepts(&c, SYNTHVID_VERSION_3_0));
	CHECK_EQ_INT(hvh_video_parse_versions("none", &c), 0);
	CHECK(c.versions_set);
	CHECK_EQ_INT(c.n_versions, 0);
	CHECK(!hvh_video_config_accepts(&c, SYNTHVID_VERSION_3_5));

	static const char *const bad[] = { "", "3", "3.", "3.5,", ",3.5", "3.5;3.2", "-3.5",
		"3.65536", " 3.5", "1.1,1.2,1.3,1.4,1.5,1.6,1.7,1.8,1.9" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct hvh_video_config before = { 0 };
		before.n_versions = 7;
		CHECK_MSG(hvh_video_parse_versions(bad[i], &before) < 0, "'%s' accepted", bad[i]);
		CHECK_EQ_INT(before.n_versions, 7); /* untouched */
	}
}

static void test_modes_and_sizes(void)
{
	struct hvh_video_config c = { 0 };
	CHECK_EQ_INT(hvh_video_parse_modes("1024x768,1920x1080,16384x1", &c), 0);
	CHECK_EQ_INT(c.n_modes, 3);
	CHECK_EQ_INT(c.modes[1].width, 1920);
	CHECK_EQ_INT(c.modes[2].height, 1);
	static const char *const bad[] = { "", "1024", "1024x", "x768", "0x768", "1024x0",
		"16385x1", "1024x768,", "1024X768", "1024x768x2" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		CHECK_MSG(hvh_video_parse_modes(bad[i], &c) < 0, "'%s' accepted", bad[i]);
	CHECK_EQ_INT(c.n_modes, 3);
	/* 64 entries fit, 65 do not. */
	char list[64 * 10 + 16] = "";
	for (int i = 0; i < 64; i++)
		strcat(list, i ? ",640x480" : "640x480");
	CHECK_EQ_INT(hvh_video_parse_modes(list, &c), 0);
	CHECK_EQ_INT(c.n_modes, 64);
	strcat(list, ",640x480");
	CHECK_EQ_INT(hvh_video_parse_modes(list, &c), -E2BIG);
	struct hvh_video_size s;
	CHECK_EQ_INT(hvh_video_parse_size("800x600", &s), 0);
	CHECK(s.width == 800 && s.height == 600);
	CHECK(hvh_video_parse_size("800x600,1x1", &s) < 0);
}

static void test_refresh_and_edid_name(void)
{
	struct hvh_video_config c = { 0 };
	CHECK_EQ_INT(hvh_video_parse_refresh("poll", &c), 0);
	CHECK(c.refresh == HVH_VIDEO_REFRESH_POLL && c.poll_ms == HVH_VIDEO_DEFAULT_POLL_MS);
	CHECK_EQ_INT(hvh_video_parse_refresh("poll:7", &c), 0);
	CHECK_EQ_INT(c.poll_ms, 7);
	CHECK_EQ_INT(hvh_video_parse_refresh("dirt", &c), 0);
	CHECK(c.refresh == HVH_VIDEO_REFRESH_DIRT);
	CHECK(hvh_video_parse_refresh("poll:0", &c) < 0);
	CHECK(hvh_video_parse_refresh("poll:", &c) < 0);
	CHECK(hvh_video_parse_refresh("poll:60001", &c) < 0);
	CHECK(hvh_video_parse_refresh("always", &c) < 0);
	CHECK_EQ_INT(hvh_video_parse_edid_name("Screen 2", &c), 0);
	CHECK(strcmp(c.edid_name, "Screen 2") == 0);
	CHECK(hvh_video_parse_edid_name("", &c) < 0);
	CHECK(hvh_video_parse_edid_name("fourteen chars", &c) < 0);
	CHECK(hvh_video_parse_edid_name("tab\there", &c) < 0);
}

static void test_finish_fills_defaults(void)
{
	struct hvh_video_config c = { 0 };
	char err[160];
	REQUIRE(hvh_video_config_finish(&c, 128 * MIB, err, sizeof(err)) == 0);
	CHECK_EQ_INT(c.vram_mb, 8);
	CHECK(c.n_modes >= 1);
	CHECK_EQ_INT(c.default_index, 0);
	CHECK(strcmp(c.edid_name, "hvhost") == 0);
	/* Hyper-V's versions by default; Linux asks 3.5 then 3.2. */
	CHECK(hvh_video_config_accepts(&c, SYNTHVID_VERSION_3_5));
	CHECK(hvh_video_config_accepts(&c, SYNTHVID_VERSION_3_2));
	for (size_t i = 0; i < c.n_modes; i++)
		CHECK((uint64_t)c.modes[i].width * c.modes[i].height * 4 <= 8 * MIB);
}

static void test_finish_sizes_vram_for_the_largest_mode(void)
{
	static const struct {
		const char *modes;
		int vram_mb;
	} cases[] = {
		{ "640x480", 8 }, { "1920x1080", 8 }, /* 7.9 MiB */
		{ "2560x1600", 16 },                  /* 15.6 MiB */
		{ "1024x768,3840x2160", 32 },
		{ "7680x4320", 128 }, /* the 8K case of the 2026 Microsoft mail */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct hvh_video_config c = { 0 };
		char err[160];
		REQUIRE(hvh_video_parse_modes(cases[i].modes, &c) == 0);
		CHECK_EQ_INT(hvh_video_config_finish(&c, 256 * MIB, err, sizeof(err)), 0);
		CHECK_MSG(c.vram_mb == cases[i].vram_mb, "%s: %u MiB", cases[i].modes, c.vram_mb);
	}
	struct hvh_video_config c = { 0 };
	char err[160] = "";
	REQUIRE(hvh_video_parse_modes("7680x4320", &c) == 0);
	CHECK_EQ_INT(hvh_video_config_finish(&c, 64 * MIB, err, sizeof(err)), -ENOSPC);
	CHECK(strstr(err, "128 MiB") != NULL);
}

static void test_finish_resolves_the_default_mode(void)
{
	struct hvh_video_config c = { 0 };
	char err[160] = "";
	REQUIRE(hvh_video_parse_modes("800x600,1280x1024,1024x768", &c) == 0);
	REQUIRE(hvh_video_parse_size("1024x768", &c.default_mode) == 0);
	CHECK_EQ_INT(hvh_video_config_finish(&c, 128 * MIB, err, sizeof(err)), 0);
	CHECK_EQ_INT(c.default_index, 2);
	REQUIRE(hvh_video_parse_size("1024x769", &c.default_mode) == 0);
	CHECK_EQ_INT(hvh_video_config_finish(&c, 128 * MIB, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "1024x769") != NULL);
}

static const struct test_case cases[] = {
	TEST_CASE(test_versions_list_and_none),
	TEST_CASE(test_modes_and_sizes),
	TEST_CASE(test_refresh_and_edid_name),
	TEST_CASE(test_finish_fills_defaults),
	TEST_CASE(test_finish_sizes_vram_for_the_largest_mode),
	TEST_CASE(test_finish_resolves_the_default_mode),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
