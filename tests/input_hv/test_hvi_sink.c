/*
 * The sinks of lib hvi: the record sink's two formats (evtest's, for people, and the short one
 * tests compare), event names, and the uinput sink's answer where there is no uinput.
 */
#define LOG_MODULE "test"
#include <errno.h>
#include <stdio.h>

#include "hvi.h"
#include "hvi_keycodes.h"
#include "input_host.h"
#include "log.h"
#include "macros.h"
#include "test.h"
#include "vmb.h"

static const struct hvi_event events[] = {
	{ 1500000000u, HVI_EV_KEY, KEY_A, 1 },
	{ 1500000000u, HVI_EV_SYN, HVI_SYN_REPORT, 0 },
	{ 2000001000u, HVI_EV_KEY, HVI_BTN_LEFT, 0 },
	{ 2000001000u, HVI_EV_ABS, HVI_ABS_Y, 767 },
	{ 2000001000u, HVI_EV_REL, HVI_REL_WHEEL, -1 },
	{ 2000001000u, HVI_EV_KEY, KEY_102ND, 2 },
	{ 2000001000u, HVI_EV_LED, HVI_LED_CAPSL, 1 },
	{ 2000001000u, HVI_EV_KEY, 0x2fe, 1 },
};

static void test_record_in_memory(void)
{
	struct hvi_record *rec;
	REQUIRE(hvi_record_create(&rec, NULL) == 0);
	CHECK_EQ_INT(strlen(hvi_record_text(rec)), 0);
	for (size_t i = 0; i < ARRAY_LEN(events); i++)
		CHECK_EQ_INT(hvi_record_event(rec, &events[i]), 0);
	static const char expected[] = "EV_KEY KEY_A 1\n"
				       "EV_SYN SYN_REPORT 0\n"
				       "EV_KEY BTN_LEFT 0\n"
				       "EV_ABS ABS_Y 767\n"
				       "EV_REL REL_WHEEL -1\n"
				       "EV_KEY KEY_102ND 2\n"
				       "EV_LED LED_CAPSL 1\n"
				       "EV_KEY ? 1\n";
	CHECK_MSG(strcmp(hvi_record_text(rec), expected) == 0, "got:\n%s", hvi_record_text(rec));
	hvi_record_clear(rec);
	CHECK_EQ_INT(strlen(hvi_record_text(rec)), 0);
	hvi_record_destroy(rec);
	hvi_record_destroy(NULL);
}

static void test_record_to_file_as_evtest(void)
{
	FILE *f = tmpfile();
	REQUIRE(f);
	struct hvi_record *rec;
	REQUIRE(hvi_record_create(&rec, f) == 0);
	for (size_t i = 0; i < 3; i++)
		CHECK_EQ_INT(hvi_record_event(rec, &events[i]), 0);
	hvi_record_destroy(rec);
	rewind(f);
	char text[512] = "";
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	static const char expected[] =
		"Event: time 1.500000, type 1 (EV_KEY), code 30 (KEY_A), value 1\n"
		"Event: time 1.500000, -------------- SYN_REPORT ------------\n"
		"Event: time 2.000001, type 1 (EV_KEY), code 272 (BTN_LEFT), value 0\n";
	CHECK_MSG(strcmp(text, expected) == 0, "got:\n%s", text);
}

static void test_names(void)
{
	char buf[32];
	CHECK(hvi_event_code_name(HVI_EV_KEY, KEY_KPENTER, buf, sizeof(buf)));
	CHECK(strcmp(buf, "KEY_KPENTER") == 0);
	CHECK(hvi_event_code_name(HVI_EV_KEY, HVI_BTN_TASK, buf, sizeof(buf)));
	CHECK(strcmp(buf, "BTN_TASK") == 0);
	CHECK(hvi_event_code_name(HVI_EV_REL, HVI_REL_X, buf, sizeof(buf)));
	CHECK(strcmp(buf, "REL_X") == 0);
	CHECK(!hvi_event_code_name(HVI_EV_ABS, 0x28, buf, sizeof(buf)));
	CHECK(strcmp(buf, "?") == 0);
	/* Truncated, never overrun. */
	CHECK(hvi_event_code_name(HVI_EV_KEY, KEY_VOLUMEDOWN, buf, 6));
	CHECK(strcmp(buf, "KEY_V") == 0);
	CHECK(strcmp(hvi_event_type_name(HVI_EV_ABS), "EV_ABS") == 0);
	CHECK(hvi_event_type_name(0x15) == NULL);
}

/* Without a uinput node the sink says so with -ENOENT (the machine this runs on has none,
 * and the path here is one that cannot exist anywhere). */
static void test_uinput_without_node(void)
{
	struct ih *ih = ih_start(NULL);
	struct vmb_bus *bus;
	REQUIRE(ih_connect(ih, &bus) == 0);
	struct hvi_device *kbd;
	REQUIRE(hvi_keyboard_create(&kbd, bus, NULL) == 0);
	struct hvi_uinput *ui = NULL;
	int ret = hvi_uinput_create(&ui, kbd, "/nonexistent/hvdisplay/uinput");
#if HVI_ENABLE_UINPUT
	CHECK_EQ_INT(ret, -ENOENT);
#else
	CHECK_EQ_INT(ret, -EOPNOTSUPP);
#endif
	CHECK(ui == NULL);
	hvi_uinput_destroy(NULL);
	hvi_device_destroy(kbd);
	vmb_bus_destroy(bus);
	ih_stop(ih);
}

static const struct test_case cases[] = {
	TEST_CASE(test_record_in_memory),
	TEST_CASE(test_record_to_file_as_evtest),
	TEST_CASE(test_names),
	TEST_CASE(test_uinput_without_node),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
