/* Fuzz target: hvhost's monitor request parser (hvh_monitor_cmd.c): one line from a client. */
#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

#include "hvh_monitor_cmd.h"

static const struct hvh_cmd_arg no_args[] = { { NULL, 0, false, 0, 0 } };
static const struct hvh_cmd_arg shot_args[] = {
	{ "path", HVH_ARG_STRING, true, 0, 0 },
	{ "cursor", HVH_ARG_BOOL, false, 0, 0 },
	{ NULL, 0, false, 0, 0 },
};
static const struct hvh_cmd_arg wait_args[] = {
	{ "what", HVH_ARG_STRING, true, 0, 0 },
	{ "timeout_ms", HVH_ARG_INT, false, 0, 3600000 },
	{ NULL, 0, false, 0, 0 },
};
static const struct hvh_cmd_arg mode_args[] = {
	{ "width", HVH_ARG_INT, false, 1, 16384 },
	{ "height", HVH_ARG_INT, false, 1, 16384 },
	{ NULL, 0, false, 0, 0 },
};

static struct hvh_cmd_table *table(void)
{
	static struct hvh_cmd_table *t;
	if (!t) {
		t = hvh_cmd_table_create();
		hvh_cmd_table_add(t, "stats", no_args, NULL, NULL);
		hvh_cmd_table_add(t, "screenshot", shot_args, NULL, NULL);
		hvh_cmd_table_add(t, "type", NULL, "no keyboard device model in this build", NULL);
		hvh_cmd_table_add(t, "wait", NULL, NULL, NULL);
	}
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hvh_cmd_table *t = table();
	if (!t)
		return 0;
	char err[HVH_MONITOR_ERR_MAX];
	struct hvh_cmd cmd = { 0 };
	if (hvh_cmd_parse(t, (const char *)data, size, &cmd, err, sizeof(err)) == 0) {
		/* wait checks its arguments itself: two tables at once, as hvh_wait.c does. */
		const struct hvh_cmd_arg *const specs[] = { wait_args, mode_args };
		hvh_cmd_check_args(cmd.req, "wait", specs, 2, err, sizeof(err));
		(void)hvh_cmd_get_string(cmd.req, "path", NULL);
		(void)hvh_cmd_get_bool(cmd.req, "cursor", true);
		(void)hvh_cmd_get_int(cmd.req, "width", 0);
	}
	hvh_cmd_finish(&cmd);
	return 0;
}
