/* The monitor's request parser (hvh_monitor_cmd.c): every kind of bad line gets its own text. */
#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "hvh_monitor_cmd.h"
#include "macros.h"
#include "test.h"

static const struct hvh_cmd_arg no_args[] = { { NULL, 0, false, 0, 0 } };

static const struct hvh_cmd_arg shot_args[] = {
	{ "path", HVH_ARG_STRING, true, 0, 0 },
	{ "cursor", HVH_ARG_BOOL, false, 0, 0 },
	{ "timeout_ms", HVH_ARG_INT, false, 0, 3600000 },
	{ NULL, 0, false, 0, 0 },
};

static int cookie_stats, cookie_shot;

static struct hvh_cmd_table *make_table(void)
{
	struct hvh_cmd_table *t = hvh_cmd_table_create();
	REQUIRE(t);
	REQUIRE(hvh_cmd_table_add(t, "stats", no_args, NULL, &cookie_stats) == 0);
	REQUIRE(hvh_cmd_table_add(t, "screenshot", shot_args, NULL, &cookie_shot) == 0);
	REQUIRE(hvh_cmd_table_add(
			t, "type", NULL, "no keyboard device model in this build", NULL) == 0);
	REQUIRE(hvh_cmd_table_add(t, "wait", NULL, NULL, NULL) == 0);
	return t;
}

struct bad_line {
	const char *line;
	int ret;
	const char *error;
};

/* Parses each line, expecting its errno and exact error text. */
static void check_bad_lines(const struct bad_line *cases, size_t n)
{
	struct hvh_cmd_table *t = make_table();
	for (size_t i = 0; i < n; i++) {
		char err[HVH_MONITOR_ERR_MAX];
		struct hvh_cmd cmd = { 0 };
		int ret = hvh_cmd_parse(
			t, cases[i].line, strlen(cases[i].line), &cmd, err, sizeof(err));
		CHECK_MSG(ret == cases[i].ret, "%s: ret %d, expected %d", cases[i].line, ret,
			cases[i].ret);
		CHECK_MSG(strcmp(err, cases[i].error) == 0, "%s: error \"%s\", expected \"%s\"",
			cases[i].line, err, cases[i].error);
		CHECK(cmd.req == NULL);
		hvh_cmd_finish(&cmd);
	}
	hvh_cmd_table_destroy(t);
}

static void test_valid_commands_parse(void)
{
	struct hvh_cmd_table *t = make_table();
	char err[HVH_MONITOR_ERR_MAX];
	struct hvh_cmd cmd;
	const char *line = "{\"cmd\":\"stats\"}";
	REQUIRE(hvh_cmd_parse(t, line, strlen(line), &cmd, err, sizeof(err)) == 0);
	CHECK(strcmp(cmd.def->name, "stats") == 0);
	CHECK(cmd.def->cookie == &cookie_stats);
	hvh_cmd_finish(&cmd);

	/* CRLF from `nc -C` and spaces around the object are fine. */
	line = "  {\"cmd\": \"screenshot\", \"path\": \"/tmp/a b.png\", \"cursor\": false} \r";
	REQUIRE(hvh_cmd_parse(t, line, strlen(line), &cmd, err, sizeof(err)) == 0);
	CHECK(cmd.def->cookie == &cookie_shot);
	CHECK(strcmp(hvh_cmd_get_string(cmd.req, "path", ""), "/tmp/a b.png") == 0);
	CHECK(hvh_cmd_get_bool(cmd.req, "cursor", true) == false);
	CHECK_EQ_INT(hvh_cmd_get_int(cmd.req, "timeout_ms", 77), 77);
	hvh_cmd_finish(&cmd);
	hvh_cmd_finish(&cmd); /* twice is harmless */

	/* A definition without an argument table leaves the arguments to its handler. */
	line = "{\"cmd\":\"wait\",\"what\":\"anything\",\"extra\":[1,2]}";
	REQUIRE(hvh_cmd_parse(t, line, strlen(line), &cmd, err, sizeof(err)) == 0);
	CHECK(strcmp(cmd.def->name, "wait") == 0);
	hvh_cmd_finish(&cmd);
	hvh_cmd_table_destroy(t);
}

static void test_blank_line_is_no_request(void)
{
	struct hvh_cmd_table *t = make_table();
	char err[HVH_MONITOR_ERR_MAX];
	struct hvh_cmd cmd = { 0 };
	CHECK_EQ_INT(hvh_cmd_parse(t, "", 0, &cmd, err, sizeof(err)), -ENODATA);
	CHECK_EQ_INT(hvh_cmd_parse(t, " \t\r", 3, &cmd, err, sizeof(err)), -ENODATA);
	CHECK(cmd.req == NULL);
	hvh_cmd_table_destroy(t);
}

static void test_malformed_json_is_rejected(void)
{
	static const struct bad_line cases[] = {
		{ "{\"cmd\":", -EINVAL, "malformed JSON at byte 7: unexpected end of data" },
		{ "{\"cmd\":\"stats\",}", -EINVAL,
			"malformed JSON at byte 15: unexpected character" },
		/* json-c's offset, where its strict mode gives up on single quotes */
		{ "{'cmd':'stats'}", -EINVAL, "malformed JSON at byte 7: unexpected character" },
		{ "stats", -EINVAL, "malformed JSON at byte 0: unexpected character" },
		{ "{\"cmd\":\"st\xff\"}", -EINVAL,
			"malformed JSON at byte 10: invalid utf-8 string" },
		{ "{\"cmd\":\"stats\"} x", -EINVAL,
			"unexpected text after the JSON object at byte 16" },
		{ "{\"cmd\":\"stats\"}{\"cmd\":\"stats\"}", -EINVAL,
			"unexpected text after the JSON object at byte 15" },
		{ "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]", -EINVAL,
			"malformed JSON: nesting deeper than 16" },
	};
	check_bad_lines(cases, ARRAY_LEN(cases));
}

static void test_nul_byte_is_rejected(void)
{
	struct hvh_cmd_table *t = make_table();
	char err[HVH_MONITOR_ERR_MAX];
	struct hvh_cmd cmd = { 0 };
	static const char line[] = "{\"cmd\":\"stats\"}\0";
	CHECK_EQ_INT(hvh_cmd_parse(t, line, sizeof(line) - 1, &cmd, err, sizeof(err)), -EINVAL);
	CHECK(strcmp(err, "line contains a NUL byte") == 0);
	hvh_cmd_table_destroy(t);
}

static void test_non_object_is_rejected(void)
{
	static const struct bad_line cases[] = {
		{ "[1,2]", -EINVAL, "request must be a JSON object, not array" },
		{ "42", -EINVAL, "request must be a JSON object, not int" },
		{ "\"stats\"", -EINVAL, "request must be a JSON object, not string" },
		{ "null", -EINVAL, "request must be a JSON object, not null" },
	};
	check_bad_lines(cases, ARRAY_LEN(cases));
}

static void test_missing_or_bad_cmd_is_rejected(void)
{
	static const struct bad_line cases[] = {
		{ "{}", -EINVAL, "request has no \"cmd\"" },
		{ "{\"command\":\"stats\"}", -EINVAL, "request has no \"cmd\"" },
		{ "{\"cmd\":5}", -EINVAL, "\"cmd\" must be a string, not int" },
		{ "{\"cmd\":null}", -EINVAL, "\"cmd\" must be a string, not null" },
		{ "{\"cmd\":\"\"}", -EINVAL,
			"\"cmd\" must be a non-empty string without NUL characters" },
		{ "{\"cmd\":\"sta\\u0000ts\"}", -EINVAL,
			"\"cmd\" must be a non-empty string without NUL characters" },
	};
	check_bad_lines(cases, ARRAY_LEN(cases));
}

static void test_overlong_line_is_rejected(void)
{
	struct hvh_cmd_table *t = make_table();
	char err[HVH_MONITOR_ERR_MAX];
	struct hvh_cmd cmd = { 0 };
	/* Exactly the limit parses: a valid request padded with spaces. */
	char *line = malloc(HVH_MONITOR_MAX_LINE + 1);
	REQUIRE(line);
	memset(line, ' ', HVH_MONITOR_MAX_LINE + 1);
	memcpy(line, "{\"cmd\":\"stats\"}", 15);
	CHECK_EQ_INT(hvh_cmd_parse(t, line, HVH_MONITOR_MAX_LINE, &cmd, err, sizeof(err)), 0);
	hvh_cmd_finish(&cmd);
	/* One byte more does not. */
	CHECK_EQ_INT(hvh_cmd_parse(t, line, HVH_MONITOR_MAX_LINE + 1, &cmd, err, sizeof(err)),
		-EMSGSIZE);
	CHECK(strcmp(err, "line too long: 65537 bytes (the limit is 65536)") == 0);
	CHECK(cmd.req == NULL);
	free(line);
	hvh_cmd_table_destroy(t);
}

static void test_unknown_and_unavailable_commands(void)
{
	static const struct bad_line cases[] = {
		{ "{\"cmd\":\"frobnicate\"}", -ENOENT, "unknown command 'frobnicate'" },
		{ "{\"cmd\":\"STATS\"}", -ENOENT, "unknown command 'STATS'" },
		{ "{\"cmd\":\"type\",\"text\":\"hi\"}", -EOPNOTSUPP,
			"command 'type' is not available: no keyboard device model in this build" },
	};
	check_bad_lines(cases, ARRAY_LEN(cases));
}

static void test_wrong_argument_types_are_rejected(void)
{
	static const struct bad_line cases[] = {
		{ "{\"cmd\":\"screenshot\"}", -EINVAL, "missing argument 'path' for 'screenshot'" },
		{ "{\"cmd\":\"screenshot\",\"path\":5}", -EINVAL,
			"argument 'path' of 'screenshot' must be a string, not int" },
		{ "{\"cmd\":\"screenshot\",\"path\":\"a\\u0000b\"}", -EINVAL,
			"argument 'path' of 'screenshot' contains a NUL character" },
		{ "{\"cmd\":\"screenshot\",\"path\":\"p\",\"cursor\":\"yes\"}", -EINVAL,
			"argument 'cursor' of 'screenshot' must be true or false, not string" },
		{ "{\"cmd\":\"screenshot\",\"path\":\"p\",\"cursor\":1}", -EINVAL,
			"argument 'cursor' of 'screenshot' must be true or false, not int" },
		{ "{\"cmd\":\"screenshot\",\"path\":\"p\",\"timeout_ms\":1.5}", -EINVAL,
			"argument 'timeout_ms' of 'screenshot' must be an integer, not double" },
		{ "{\"cmd\":\"screenshot\",\"path\":\"p\",\"timeout_ms\":-1}", -EINVAL,
			"argument 'timeout_ms' of 'screenshot' must be between 0 and 3600000" },
		{ "{\"cmd\":\"screenshot\",\"path\":\"p\",\"timeout_ms\":99999999999999999999}",
			-EINVAL,
			"argument 'timeout_ms' of 'screenshot' must be between 0 and 3600000" },
		{ "{\"cmd\":\"screenshot\",\"pth\":\"p\"}", -EINVAL,
			"unknown argument 'pth' for 'screenshot'" },
		{ "{\"cmd\":\"stats\",\"verbose\":true}", -EINVAL,
			"unknown argument 'verbose' for 'stats'" },
	};
	check_bad_lines(cases, ARRAY_LEN(cases));
}

static void test_check_args_merges_tables(void)
{
	static const struct hvh_cmd_arg common[] = {
		{ "what", HVH_ARG_STRING, true, 0, 0 },
		{ NULL, 0, false, 0, 0 },
	};
	static const struct hvh_cmd_arg extra[] = {
		{ "width", HVH_ARG_INT, false, 1, 16384 },
		{ NULL, 0, false, 0, 0 },
	};
	const struct hvh_cmd_arg *const specs[] = { common, extra };
	char err[HVH_MONITOR_ERR_MAX];
	struct json_object *req =
		json_tokener_parse("{\"cmd\":\"wait\",\"what\":\"mode\",\"width\":800}");
	REQUIRE(req);
	CHECK_EQ_INT(hvh_cmd_check_args(req, "wait", specs, 2, err, sizeof(err)), 0);
	CHECK_EQ_INT(hvh_cmd_check_args(req, "wait", specs, 1, err, sizeof(err)), -EINVAL);
	CHECK(strcmp(err, "unknown argument 'width' for 'wait'") == 0);
	json_object_put(req);
}

static void test_table_rules(void)
{
	struct hvh_cmd_table *t = make_table();
	CHECK_EQ_INT(hvh_cmd_table_add(t, "stats", no_args, NULL, NULL), -EEXIST);
	CHECK_EQ_INT(hvh_cmd_table_add(t, "", no_args, NULL, NULL), -EINVAL);
	/* An unavailable command can be marked unavailable only once... */
	CHECK_EQ_INT(hvh_cmd_table_add(t, "type", NULL, "other reason", NULL), -EEXIST);
	/* ...and a model registering it later takes its place. */
	static int cookie_type;
	CHECK_EQ_INT(hvh_cmd_table_add(t, "type", no_args, NULL, &cookie_type), 0);
	const struct hvh_cmd_def *def = hvh_cmd_table_find(t, "type");
	REQUIRE(def);
	CHECK(def->unavailable == NULL);
	CHECK(def->cookie == &cookie_type);
	/* But an available one is never shadowed by a fallback. */
	CHECK_EQ_INT(hvh_cmd_table_add(t, "stats", NULL, "fallback", NULL), -EEXIST);
	CHECK(hvh_cmd_table_find(t, "nope") == NULL);
	hvh_cmd_table_destroy(t);
}

/* What a client reads in a reply: counters clamp to the largest JSON integer, booleans stay
 * booleans, and a failed allocation is an error rather than a missing or null key. */
static void test_reply_builders(void)
{
	struct json_object *obj = json_object_new_object();
	REQUIRE(obj);
	CHECK_EQ_INT(hvh_cmd_put_uint(obj, "small", 7), 0);
	CHECK_EQ_INT(hvh_cmd_put_uint(obj, "huge", UINT64_MAX), 0);
	CHECK_EQ_INT(hvh_cmd_put_bool(obj, "on", true), 0);
	CHECK_EQ_INT(hvh_cmd_put(obj, "lost", NULL), -ENOMEM);
	CHECK(strcmp(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN),
		      "{\"small\":7,\"huge\":9223372036854775807,\"on\":true}") == 0);
	json_object_put(obj);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_valid_commands_parse),
		TEST_CASE(test_blank_line_is_no_request),
		TEST_CASE(test_malformed_json_is_rejected),
		TEST_CASE(test_nul_byte_is_rejected),
		TEST_CASE(test_non_object_is_rejected),
		TEST_CASE(test_missing_or_bad_cmd_is_rejected),
		TEST_CASE(test_overlong_line_is_rejected),
		TEST_CASE(test_unknown_and_unavailable_commands),
		TEST_CASE(test_wrong_argument_types_are_rejected),
		TEST_CASE(test_check_args_merges_tables),
		TEST_CASE(test_table_rules),
		TEST_CASE(test_reply_builders),
	};
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
