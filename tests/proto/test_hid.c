/* HID report-descriptor parser and pointer-report decoder: devices as data (OpenVMM's
 * descriptor of synthinput.md §2.5, a boot-protocol relative mouse, a composite keyboard and
 * tablet with report ids), then every refusal with its reason. */
#include <errno.h>

#include "hid.h"
#include "macros.h"
#include "synthmouse.h"
#include "test.h"

/* HID 1.11 Appendix B.2 boot mouse plus a wheel: everything relative and 8 bits wide. */
/* clang-format off */
static const uint8_t boot_mouse[] = {
	0x05, 0x01, 0x09, 0x02, 0xa1, 0x01,             // Generic Desktop / Mouse, Application
	0x09, 0x01, 0xa1, 0x00,                         // Pointer, Physical
	0x05, 0x09, 0x19, 0x01, 0x29, 0x03,             // Buttons 1..3
	0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, // 0..1, 3 x 1 bit
	0x81, 0x02,                                     // Input (Data, Variable, Absolute)
	0x95, 0x01, 0x75, 0x05, 0x81, 0x01,             // 5 bits constant
	0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x09, 0x38, // X, Y, Wheel
	0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x03, // -127..127, 3 x 8 bits
	0x81, 0x06,                                     // Input (Data, Variable, Relative)
	0xc0, 0xc0,
};

/* Report 1: a boot keyboard (no pointer). Report 2: a tablet with 32-bit absolute X/Y. */
static const uint8_t composite[] = {
	0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x85, 0x01, // Keyboard, Application, Report ID 1
	0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7,             // modifiers
	0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08, // 8 x 1 bit
	0x81, 0x02,                                     // Input (Data, Variable, Absolute)
	0x95, 0x01, 0x75, 0x08, 0x81, 0x01,             // reserved byte
	0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x25, 0x65, // 6 key slots
	0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00, // Input (Data, Array)
	0xc0,                                           // 47 bytes so far
	0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x85, 0x02, // Mouse, Application, Report ID 2
	0x09, 0x01, 0xa1, 0x00,                         // Pointer, Physical
	0x05, 0x09, 0x19, 0x01, 0x29, 0x03,             // Buttons 1..3
	0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, // 0..1, 3 x 1 bit
	0x81, 0x02,                                     // Input (Data, Variable, Absolute)
	0x95, 0x05, 0x81, 0x01,                         // 5 bits constant
	0x05, 0x01, 0x09, 0x30, 0x09, 0x31,             // X, Y
	0x15, 0x00, 0x27, 0xff, 0xff, 0xff, 0x7f,       // 0..0x7fffffff (a 4-byte item)
	0x75, 0x20, 0x95, 0x02, 0x81, 0x02,             // 2 x 32 bits, absolute
	0xc0, 0xc0,
};
/* clang-format on */

static void parse_ok(const uint8_t *desc, size_t len, struct hid_pointer_desc *out)
{
	const char *reason = NULL;
	int ret = hid_parse_pointer(desc, len, out, &reason);
	CHECK_MSG(ret == 0, "parse failed: %d %s", ret, reason ? reason : "");
	REQUIRE(ret == 0);
}

static void check_field(const struct hid_field *f, uint32_t offset, uint8_t size, bool relative,
	int32_t min, int32_t max)
{
	CHECK_EQ_INT(f->bit_offset, offset);
	CHECK_EQ_INT(f->bit_size, size);
	CHECK_EQ_INT(f->relative, relative);
	CHECK_EQ_INT(f->logical_min, min);
	CHECK_EQ_INT(f->logical_max, max);
	CHECK_EQ_INT(f->is_signed, min < 0);
}

static void test_hid_openvmm_descriptor(void)
{
	struct hid_pointer_desc d;
	parse_ok(synthmouse_openvmm_report_desc, SYNTHMOUSE_OPENVMM_REPORT_DESC_LEN, &d);
	CHECK(!d.has_report_ids);
	REQUIRE(d.n_reports == 1);
	const struct hid_pointer_report *r = hid_pointer_find(&d, 0);
	REQUIRE(r == &d.reports[0]);
	CHECK(r->has_pointer);
	CHECK(r->absolute);
	CHECK_EQ_INT(r->button_count, 5);
	CHECK_EQ_INT(r->button_first, 1);
	CHECK_EQ_INT(r->button_offset, 0);
	CHECK_EQ_INT(r->button_bits, 1);
	check_field(&r->x, 8, 16, false, 0, 32767);
	check_field(&r->y, 24, 16, false, 0, 32767);
	check_field(&r->wheel, 40, 16, true, -32767, 32767);
	CHECK_EQ_INT(r->bits, 56);
	CHECK_EQ_INT(r->size, 7);
}

static void test_hid_openvmm_reports(void)
{
	struct hid_pointer_desc d;
	parse_ok(synthmouse_openvmm_report_desc, SYNTHMOUSE_OPENVMM_REPORT_DESC_LEN, &d);
	static const struct {
		uint8_t bytes[7];
		uint32_t buttons;
		int32_t x, y, wheel;
	} cases[] = {
		{ { 0x05, 0x00, 0x40, 0xff, 0x1f, 0xff, 0xff }, 0x5, 16384, 8191, -1 },
		{ { 0x1f, 0xff, 0x7f, 0x00, 0x00, 0x01, 0x80 }, 0x1f, 32767, 0, -32767 },
		{ { 0xe2, 0x00, 0x00, 0x34, 0x12, 0x03, 0x00 }, 0x2, 0, 0x1234, 3 },
		/* Out of the logical range: X 65535 clamps to 32767. Padding bits ignored. */
		{ { 0x00, 0xff, 0xff, 0x00, 0x80, 0x00, 0x00 }, 0, 32767, 32767, 0 },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct hid_pointer_event ev;
		REQUIRE(hid_pointer_decode(&d, cases[i].bytes, 7, &ev, NULL) == 0);
		CHECK(ev.absolute);
		CHECK_EQ_INT(ev.report_id, 0);
		CHECK_EQ_INT(ev.buttons, cases[i].buttons);
		CHECK_EQ_INT(ev.x, cases[i].x);
		CHECK_EQ_INT(ev.y, cases[i].y);
		CHECK_EQ_INT(ev.wheel, cases[i].wheel);
	}
	const uint8_t longer[9] = { 0x01, 0, 0, 0, 0, 0, 0, 0xaa, 0xbb }; /* extra bytes ignored */
	struct hid_pointer_event ev;
	CHECK_EQ_INT(hid_pointer_decode(&d, longer, sizeof(longer), &ev, NULL), 0);
	CHECK_EQ_INT(ev.buttons, 1);
	for (size_t len = 0; len < 7; len++) {
		const char *reason = NULL;
		CHECK_EQ_INT(hid_pointer_decode(&d, longer, len, &ev, &reason), -EMSGSIZE);
		CHECK(reason && strcmp(reason, "short_report") == 0);
	}
}

static void test_hid_boot_mouse_relative(void)
{
	struct hid_pointer_desc d;
	parse_ok(boot_mouse, sizeof(boot_mouse), &d);
	REQUIRE(d.n_reports == 1);
	const struct hid_pointer_report *r = &d.reports[0];
	CHECK(r->has_pointer);
	CHECK(!r->absolute);
	CHECK_EQ_INT(r->button_count, 3);
	check_field(&r->x, 8, 8, true, -127, 127);
	check_field(&r->y, 16, 8, true, -127, 127);
	check_field(&r->wheel, 24, 8, true, -127, 127);
	CHECK_EQ_INT(r->size, 4);

	const uint8_t report[4] = { 0xf9, 0xff, 0x05, 0xfe }; /* left; padding bits set */
	struct hid_pointer_event ev;
	REQUIRE(hid_pointer_decode(&d, report, sizeof(report), &ev, NULL) == 0);
	CHECK(!ev.absolute);
	CHECK_EQ_INT(ev.buttons, 0x1);
	CHECK_EQ_INT(ev.x, -1);
	CHECK_EQ_INT(ev.y, 5);
	CHECK_EQ_INT(ev.wheel, -2);
}

static void test_hid_report_ids_and_32bit(void)
{
	struct hid_pointer_desc d;
	parse_ok(composite, sizeof(composite), &d);
	CHECK(d.has_report_ids);
	REQUIRE(d.n_reports == 2);
	const struct hid_pointer_report *kbd = hid_pointer_find(&d, 1);
	const struct hid_pointer_report *tab = hid_pointer_find(&d, 2);
	REQUIRE(kbd && tab);
	CHECK(!kbd->has_pointer);
	CHECK_EQ_INT(kbd->size, 9);
	CHECK(tab->has_pointer);
	CHECK(tab->absolute);
	CHECK_EQ_INT(tab->button_count, 3);
	check_field(&tab->x, 8, 32, false, 0, INT32_MAX);
	check_field(&tab->y, 40, 32, false, 0, INT32_MAX);
	CHECK_EQ_INT(tab->wheel.bit_size, 0);
	CHECK_EQ_INT(tab->size, 10);

	const uint8_t report[10] = { 0x02, 0x06, 0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0x7f };
	struct hid_pointer_event ev;
	REQUIRE(hid_pointer_decode(&d, report, sizeof(report), &ev, NULL) == 0);
	CHECK_EQ_INT(ev.report_id, 2);
	CHECK_EQ_INT(ev.buttons, 0x6);
	CHECK_EQ_INT(ev.x, 0x12345678);
	CHECK_EQ_INT(ev.y, INT32_MAX);
	CHECK_EQ_INT(ev.wheel, 0);

	const char *reason = NULL;
	CHECK_EQ_INT(hid_pointer_decode(&d, report, 9, &ev, &reason), -EMSGSIZE);
	const uint8_t key_report[9] = { 0x01, 0x02, 0, 0x04 };
	CHECK_EQ_INT(hid_pointer_decode(&d, key_report, 9, &ev, &reason), -EOPNOTSUPP);
	CHECK(reason && strcmp(reason, "not_pointer_report") == 0);
	const uint8_t unknown[10] = { 0x03 };
	CHECK_EQ_INT(hid_pointer_decode(&d, unknown, 10, &ev, &reason), -EPROTO);
	CHECK(reason && strcmp(reason, "unknown_report_id") == 0);
}

/* Sign extension (HID 1.11 §6.2.2.7) and Linux's unsigned Logical Maximum after a
 * non-negative minimum; push/pop restores the global state; long items are skipped. */
static void test_hid_items_sign_push_long(void)
{
	/* clang-format off */
	static const uint8_t desc[] = {
		0x05, 0x01, 0x09, 0x02, 0xa1, 0x01,
		0xfe, 0x02, 0x10, 0xaa, 0xbb,                   // long item: skipped
		0x75, 0x08, 0x95, 0x02,                         // 2 x 8 bits
		0xa4,                                           // Push
		0x75, 0x03, 0x95, 0x07,                         // scratch values...
		0xb4,                                           // ...dropped by Pop
		0x05, 0x01, 0x09, 0x30, 0x09, 0x31,             // X, Y
		0x15, 0x00, 0x25, 0xff,                         // 0..255, not 0..-1
		0x81, 0x02,                                     // absolute
		0x09, 0x38, 0x15, 0xff, 0x25, 0x01, 0x95, 0x01, // wheel -1..1, 8 bits
		0x81, 0x06,                                     // relative
		0xc0,
	};
	/* clang-format on */
	struct hid_pointer_desc d;
	parse_ok(desc, sizeof(desc), &d);
	const struct hid_pointer_report *r = &d.reports[0];
	check_field(&r->x, 0, 8, false, 0, 255);
	check_field(&r->y, 8, 8, false, 0, 255);
	check_field(&r->wheel, 16, 8, true, -1, 1);
	CHECK_EQ_INT(r->button_count, 0);
	const uint8_t report[3] = { 0xc8, 0xff, 0xff };
	struct hid_pointer_event ev;
	REQUIRE(hid_pointer_decode(&d, report, sizeof(report), &ev, NULL) == 0);
	CHECK_EQ_INT(ev.x, 200); /* unsigned: 0xc8 is 200, not -56 */
	CHECK_EQ_INT(ev.y, 255);
	CHECK_EQ_INT(ev.wheel, -1);
}

struct refusal {
	const char *name;
	const uint8_t *desc;
	size_t len;
	int err;
	const char *reason;
};

#define DESC(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define MOUSE_HEAD 0x05, 0x01, 0x09, 0x02, 0xa1, 0x01
#define XY16                                                                                       \
	0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x00, 0x26, 0xff, 0x7f, 0x75, 0x10, 0x95, 0x02

static const struct refusal refusals[] = {
	{ "keyboard_only", composite, 47, -EPROTO, "no_x_y" },
	{ "empty", NULL, 0, -EPROTO, "no_x_y" },
	{ "unclosed", DESC(MOUSE_HEAD, XY16, 0x81, 0x02), -EPROTO, "collection_unclosed" },
	{ "extra_end", DESC(MOUSE_HEAD, XY16, 0x81, 0x02, 0xc0, 0xc0), -EPROTO,
		"collection_unbalanced" },
	{ "truncated_short_item", DESC(MOUSE_HEAD, 0x05, 0x01, 0x26, 0xff), -EMSGSIZE,
		"truncated_item" },
	{ "truncated_long_item", DESC(MOUSE_HEAD, 0xfe, 0x04, 0x00, 0x01), -EMSGSIZE,
		"truncated_item" },
	{ "absurd_report_count",
		DESC(MOUSE_HEAD, XY16, 0x81, 0x02, 0x75, 0x08, 0x96, 0xff, 0xff, 0x81, 0x01, 0xc0),
		-EMSGSIZE, "report_too_long" },
	{ "report_count_u32_max",
		DESC(MOUSE_HEAD, 0x75, 0x20, 0x97, 0xff, 0xff, 0xff, 0xff, 0x81, 0x01, 0xc0),
		-EMSGSIZE, "report_too_long" },
	{ "field_33_bits", DESC(MOUSE_HEAD, XY16, 0x75, 0x21, 0x81, 0x02, 0xc0), -EPROTO,
		"field_too_wide" },
	{ "x_only", DESC(MOUSE_HEAD, XY16, 0x95, 0x01, 0x81, 0x02, 0xc0), -EPROTO,
		"x_y_incomplete" },
	{ "x_abs_y_rel",
		DESC(MOUSE_HEAD, XY16, 0x95, 0x01, 0x81, 0x02, 0x09, 0x31, 0x81, 0x06, 0xc0),
		-EPROTO, "x_y_mixed" },
	{ "pop_without_push", DESC(MOUSE_HEAD, 0xb4, 0xc0), -EPROTO, "pop_without_push" },
	{ "push_unbalanced", DESC(MOUSE_HEAD, 0xa4, XY16, 0x81, 0x02, 0xc0), -EPROTO,
		"push_unbalanced" },
	{ "push_too_deep", DESC(0xa4, 0xa4, 0xa4, 0xa4, 0xa4), -EPROTO, "push_too_deep" },
	{ "collection_too_deep",
		DESC(0xa1, 0x00, 0xa1, 0x00, 0xa1, 0x00, 0xa1, 0x00, 0xa1, 0x00, 0xa1, 0x00, 0xa1,
			0x00, 0xa1, 0x00, 0xa1, 0x00),
		-EPROTO, "collection_too_deep" },
	{ "report_id_zero", DESC(MOUSE_HEAD, 0x85, 0x00), -EPROTO, "report_id_zero" },
	{ "report_id_range", DESC(MOUSE_HEAD, 0x86, 0x00, 0x01), -EPROTO, "report_id_range" },
	{ "report_id_mixed", DESC(MOUSE_HEAD, XY16, 0x81, 0x02, 0x85, 0x01, 0x81, 0x02, 0xc0),
		-EPROTO, "report_id_mixed" },
	{ "unknown_global_tag", DESC(MOUSE_HEAD, 0xc4, 0xc0), -EPROTO, "unknown_global_tag" },
	{ "x_range_empty",
		DESC(MOUSE_HEAD, 0x09, 0x30, 0x09, 0x31, 0x15, 0x00, 0x25, 0x00, 0x75, 0x08, 0x95,
			0x02, 0x81, 0x02, 0xc0),
		-EPROTO, "logical_range" },
	{ "x_range_u32",
		DESC(MOUSE_HEAD, 0x09, 0x30, 0x09, 0x31, 0x15, 0x00, 0x27, 0xff, 0xff, 0xff, 0xff,
			0x75, 0x20, 0x95, 0x02, 0x81, 0x02, 0xc0),
		-EPROTO, "logical_range" },
	{ "usage_range_inverted",
		DESC(MOUSE_HEAD, 0x05, 0x09, 0x19, 0x05, 0x29, 0x01, 0x75, 0x01, 0x95, 0x02, 0x81,
			0x02, 0xc0),
		-EPROTO, "usage_range_inverted" },
	{ "buttons_gap",
		DESC(MOUSE_HEAD, 0x05, 0x09, 0x19, 0x01, 0x29, 0x02, 0x15, 0x00, 0x25, 0x01, 0x75,
			0x01, 0x95, 0x02, 0x81, 0x02, 0x19, 0x04, 0x29, 0x04, 0x95, 0x01, 0x81,
			0x02, 0xc0),
		-EPROTO, "buttons_not_contiguous" },
};

static void test_hid_refusals(void)
{
	for (size_t i = 0; i < ARRAY_LEN(refusals); i++) {
		const struct refusal *f = &refusals[i];
		struct hid_pointer_desc d;
		const char *reason = NULL;
		int ret = hid_parse_pointer(f->desc, f->len, &d, &reason);
		CHECK_MSG(ret == f->err, "%s: %d, expected %d", f->name, ret, f->err);
		CHECK_MSG(reason && strcmp(reason, f->reason) == 0, "%s: reason %s, expected %s",
			f->name, reason ? reason : "(none)", f->reason);
	}
}

static void test_hid_size_limits(void)
{
	static uint8_t desc[HID_MAX_DESC_SIZE + 1];
	struct hid_pointer_desc d;
	const char *reason = NULL;
	CHECK_EQ_INT(hid_parse_pointer(desc, sizeof(desc), &d, &reason), -EMSGSIZE);
	CHECK(reason && strcmp(reason, "descriptor_too_long") == 0);

	for (size_t i = 0; i + 1 < HID_MAX_DESC_SIZE; i += 2) { /* balanced Push/Pop pairs */
		desc[i] = 0xa4;
		desc[i + 1] = 0xb4;
	}
	CHECK_EQ_INT(hid_parse_pointer(desc, HID_MAX_DESC_SIZE, &d, &reason), -EPROTO);
	CHECK(reason && strcmp(reason, "too_many_items") == 0);

	uint8_t usages[2 * (HID_MAX_USAGES + 1)];
	for (size_t i = 0; i < sizeof(usages); i += 2) {
		usages[i] = 0x09;
		usages[i + 1] = 0x30;
	}
	CHECK_EQ_INT(hid_parse_pointer(usages, sizeof(usages), &d, &reason), -EPROTO);
	CHECK(reason && strcmp(reason, "too_many_usages") == 0);

	/* 17 report ids, one input byte each. */
	uint8_t many[17 * 6 + 4] = { 0x75, 0x08, 0x95, 0x01 };
	for (size_t id = 1; id <= 17; id++) {
		uint8_t *p = many + 4 + (id - 1) * 6;
		p[0] = 0x85;
		p[1] = (uint8_t)id;
		p[2] = 0x81;
		p[3] = 0x01;
		p[4] = 0xa4; /* Push/Pop: padding items that change nothing */
		p[5] = 0xb4;
	}
	CHECK_EQ_INT(hid_parse_pointer(many, sizeof(many), &d, &reason), -EPROTO);
	CHECK(reason && strcmp(reason, "too_many_reports") == 0);
}

/* Every prefix of a valid descriptor is refused (or, cut at the end of a main item, parses):
 * never a crash, never a success without X and Y. */
static void test_hid_every_truncation_refused(void)
{
	for (size_t len = 0; len < SYNTHMOUSE_OPENVMM_REPORT_DESC_LEN; len++) {
		struct hid_pointer_desc d;
		const char *reason = NULL;
		int ret = hid_parse_pointer(synthmouse_openvmm_report_desc, len, &d, &reason);
		CHECK_MSG(ret < 0 && reason, "OpenVMM descriptor cut to %zu parsed", len);
	}
}

static const struct test_case cases[] = {
	TEST_CASE(test_hid_openvmm_descriptor),
	TEST_CASE(test_hid_openvmm_reports),
	TEST_CASE(test_hid_boot_mouse_relative),
	TEST_CASE(test_hid_report_ids_and_32bit),
	TEST_CASE(test_hid_items_sign_push_long),
	TEST_CASE(test_hid_refusals),
	TEST_CASE(test_hid_size_limits),
	TEST_CASE(test_hid_every_truncation_refused),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
