/*
 * The monitor server (hvh_monitor.c, hvh_wait.c) in-process, with fake commands and wait
 * conditions of the kind device models register: replies held until a command takes effect,
 * per-client ordering, cancel hooks, predicates re-evaluated on pokes and rechecks.
 *
 * The test is the monitor's only client and drives its loop itself: loop_dispatch() with a
 * 0 ms timeout handles exactly what is ready, so "no reply yet" is checked without waiting.
 */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hvh_monitor.h"
#include "macros.h"
#include "test.h"

struct fixture {
	char dir[64];
	char path[96];
	struct loop *loop;
	struct hvh_monitor *mon;
};

static struct fixture fx;

static void setup(void)
{
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/hvh-mon-XXXXXX");
	REQUIRE(mkdtemp(fx.dir));
	snprintf(fx.path, sizeof(fx.path), "%s/monitor.sock", fx.dir);
	fx.loop = loop_create();
	REQUIRE(fx.loop);
	REQUIRE(hvh_monitor_create(&fx.mon, fx.loop, fx.path) == 0);
}

static void teardown(void)
{
	hvh_monitor_destroy(fx.mon);
	loop_destroy(fx.loop);
	CHECK(access(fx.path, F_OK) < 0); /* the socket is unlinked */
	rmdir(fx.dir);
	fx = (struct fixture){ 0 };
}

static int client(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(fd >= 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", fx.path);
	REQUIRE(connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	return fd;
}

static void send_str(int fd, const char *s)
{
	REQUIRE(send(fd, s, strlen(s), MSG_NOSIGNAL) == (ssize_t)strlen(s));
}

static bool readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	return poll(&pfd, 1, 0) == 1;
}

/* Runs the loop for everything ready now (timers due at once included). */
static void settle(void)
{
	for (int i = 0; i < 8; i++)
		REQUIRE(loop_dispatch(fx.loop, 0) == 0);
}

/* The next reply line on fd, parsed; runs the loop until it comes (bounded). */
static struct json_object *reply(int fd)
{
	char line[4096];
	size_t len = 0;
	for (int rounds = 0; rounds < 1000; rounds++) {
		while (readable(fd) && len < sizeof(line) - 1) {
			ssize_t n = recv(fd, line + len, 1, 0);
			if (n <= 0)
				return NULL;
			if (line[len] == '\n') {
				line[len] = '\0';
				return json_tokener_parse(line);
			}
			len++;
		}
		REQUIRE(loop_dispatch(fx.loop, 100) == 0);
	}
	return NULL;
}

static bool is_ok(struct json_object *r)
{
	struct json_object *ok;
	return r && json_object_object_get_ex(r, "ok", &ok) && json_object_get_boolean(ok);
}

static const char *error_of(struct json_object *r)
{
	struct json_object *e;
	return r && json_object_object_get_ex(r, "error", &e) ? json_object_get_string(e) : "";
}

static int64_t int_of(struct json_object *r, const char *key)
{
	struct json_object *v;
	return r && json_object_object_get_ex(r, key, &v) ? json_object_get_int64(v) : -1;
}

/* ---- fake commands ---- */

static const struct hvh_cmd_arg no_args[] = { { NULL, 0, false, 0, 0 } };

struct held {
	struct hvh_request *req;
	int cancelled;
};

static void on_cancel(void *data, struct hvh_request *req)
{
	struct held *held = data;
	held->cancelled++;
	held->req = NULL;
}

/* "slow": keeps its request (with a cancel hook) until the test completes it. */
static void cmd_slow(void *data, struct hvh_request *req, struct json_object *args)
{
	struct held *held = data;
	held->req = req;
	hvh_request_set_cancel(req, on_cancel, held);
}

/* "orphan": keeps its request without a hook. */
static void cmd_orphan(void *data, struct hvh_request *req, struct json_object *args)
{
	struct held *held = data;
	held->req = req;
}

static void cmd_fast(void *data, struct hvh_request *req, struct json_object *args)
{
	json_object_object_add(hvh_request_reply(req), "fast", json_object_new_boolean(true));
	hvh_request_done(req);
}

static void test_reply_waits_for_the_command_and_keeps_order(void)
{
	setup();
	struct held held = { 0 };
	REQUIRE(hvh_monitor_add_command(fx.mon, "slow", no_args, cmd_slow, &held) == 0);
	REQUIRE(hvh_monitor_add_command(fx.mon, "fast", no_args, cmd_fast, NULL) == 0);
	CHECK_EQ_INT(hvh_monitor_add_command(fx.mon, "fast", no_args, cmd_fast, NULL), -EEXIST);
	int fd = client();
	send_str(fd, "{\"cmd\":\"slow\"}\n{\"cmd\":\"fast\"}\n");
	settle();
	REQUIRE(held.req);
	CHECK(!readable(fd)); /* slow has not taken effect: no reply, and fast waits behind it */

	json_object_object_add(hvh_request_reply(held.req), "n", json_object_new_int(7));
	hvh_request_done(held.req);
	struct json_object *r = reply(fd);
	CHECK(is_ok(r));
	CHECK_EQ_INT(int_of(r, "n"), 7);
	json_object_put(r);
	r = reply(fd);
	CHECK(is_ok(r));
	CHECK(json_object_object_get_ex(r, "fast", NULL));
	json_object_put(r);
	CHECK_EQ_INT(held.cancelled, 0);
	close(fd);
	teardown();
}

static void test_cancel_hook_runs_when_the_client_leaves(void)
{
	setup();
	struct held held = { 0 };
	REQUIRE(hvh_monitor_add_command(fx.mon, "slow", no_args, cmd_slow, &held) == 0);
	int fd = client();
	send_str(fd, "{\"cmd\":\"slow\"}\n");
	settle();
	REQUIRE(held.req);
	close(fd);
	settle();
	CHECK_EQ_INT(held.cancelled, 1);
	CHECK(held.req == NULL);
	teardown();
	CHECK_EQ_INT(held.cancelled, 1);
}

static void test_request_without_hook_outlives_its_client(void)
{
	setup();
	struct held held = { 0 };
	REQUIRE(hvh_monitor_add_command(fx.mon, "orphan", no_args, cmd_orphan, &held) == 0);
	int fd = client();
	send_str(fd, "{\"cmd\":\"orphan\"}\n");
	settle();
	REQUIRE(held.req);
	close(fd);
	settle();
	/* Still valid: completing it sends nothing anywhere and frees it. */
	hvh_request_fail(held.req, "too late: %d", 1);
	settle();
	teardown();
}

/* ---- fake wait conditions ---- */

struct cond {
	bool holds;
	int checks;
	int recheck_after; // checks answered "ask again in 0 ms"
};

static bool check_flag(
	void *data, const struct hvh_wait_state *w, struct json_object *reply, int64_t *recheck_ms)
{
	struct cond *c = data;
	c->checks++;
	if (c->holds) {
		json_object_object_add(reply, "checks", json_object_new_int(c->checks));
		return true;
	}
	if (c->checks <= c->recheck_after)
		*recheck_ms = 0;
	return false;
}

static int start_flag(void *data, struct hvh_wait_state *w, char *err, size_t err_len)
{
	struct json_object *v;
	if (json_object_object_get_ex(w->args, "level", &v) && json_object_get_int(v) > 3) {
		snprintf(err, err_len, "level %d is too high", json_object_get_int(v));
		return -EINVAL;
	}
	w->snapshot = 42;
	return 0;
}

static const struct hvh_cmd_arg flag_args[] = {
	{ "level", HVH_ARG_INT, false, 0, 10 },
	{ NULL, 0, false, 0, 0 },
};

static const struct hvh_wait_impl flag_wait = {
	.what = "flag",
	.args = flag_args,
	.start = start_flag,
	.check = check_flag,
};

static void test_destroy_cancels_pending_requests(void)
{
	setup();
	struct held held = { 0 };
	struct cond never = { 0 };
	REQUIRE(hvh_monitor_add_command(fx.mon, "slow", no_args, cmd_slow, &held) == 0);
	REQUIRE(hvh_monitor_add_wait(fx.mon, &flag_wait, &never) == 0);
	int fd = client();
	send_str(fd, "{\"cmd\":\"slow\"}\n");
	int fd2 = client();
	send_str(fd2, "{\"cmd\":\"wait\",\"what\":\"flag\"}\n");
	settle();
	REQUIRE(held.req);
	/* Both pending: the model's hook runs, the wait goes with the monitor (ASan: no leak). */
	teardown();
	CHECK_EQ_INT(held.cancelled, 1);
	close(fd);
	close(fd2);
}

static void test_wait_holds_after_a_poke(void)
{
	setup();
	struct cond cond = { 0 };
	REQUIRE(hvh_monitor_add_wait(fx.mon, &flag_wait, &cond) == 0);
	CHECK_EQ_INT(hvh_monitor_add_wait(fx.mon, &flag_wait, &cond), -EEXIST);
	int fd = client();
	send_str(fd, "{\"cmd\":\"wait\",\"what\":\"flag\"}\n");
	settle();
	CHECK_EQ_INT(cond.checks, 1); /* evaluated once at the request */
	cond.holds = true;
	settle();
	CHECK(!readable(fd)); /* nobody poked: not evaluated again */
	hvh_monitor_poke(fx.mon);
	CHECK_EQ_INT(cond.checks, 1); /* deferred to the loop, never from inside the poke */
	struct json_object *r = reply(fd);
	CHECK(is_ok(r));
	CHECK_EQ_INT(int_of(r, "checks"), 2);
	json_object_put(r);
	close(fd);
	teardown();
}

static void test_wait_recheck_without_a_poke(void)
{
	setup();
	struct cond cond = { .recheck_after = 3 };
	REQUIRE(hvh_monitor_add_wait(fx.mon, &flag_wait, &cond) == 0);
	int fd = client();
	send_str(fd, "{\"cmd\":\"wait\",\"what\":\"flag\"}\n");
	settle();
	/* Rechecks at 0 ms run at once; the fourth check asks for none and the wait sleeps. */
	CHECK_EQ_INT(cond.checks, 4);
	CHECK(!readable(fd));
	cond.holds = true;
	hvh_monitor_poke(fx.mon);
	struct json_object *r = reply(fd);
	CHECK(is_ok(r));
	json_object_put(r);
	close(fd);
	teardown();
}

static void test_wait_errors(void)
{
	setup();
	struct cond cond = { 0 };
	REQUIRE(hvh_monitor_add_wait(fx.mon, &flag_wait, &cond) == 0);
	REQUIRE(hvh_monitor_add_wait_unavailable(fx.mon, "mode", "no video device model") == 0);
	CHECK(hvh_monitor_has_wait(fx.mon, "flag"));
	CHECK(!hvh_monitor_has_wait(fx.mon, "mode"));
	static const struct {
		const char *line;
		const char *error;
	} cases[] = {
		{ "{\"cmd\":\"wait\",\"what\":\"flag\",\"level\":5}", "level 5 is too high" },
		{ "{\"cmd\":\"wait\",\"what\":\"flag\",\"level\":11}",
			"argument 'level' of 'wait' must be between 0 and 10" },
		{ "{\"cmd\":\"wait\",\"what\":\"flag\",\"width\":1}",
			"unknown argument 'width' for 'wait'" },
		{ "{\"cmd\":\"wait\",\"what\":\"flag\",\"timeout_ms\":\"soon\"}",
			"argument 'timeout_ms' of 'wait' must be an integer, not string" },
		{ "{\"cmd\":\"wait\",\"what\":7}",
			"argument 'what' of 'wait' must be a string, not int" },
		{ "{\"cmd\":\"wait\",\"what\":\"mode\"}",
			"wait 'mode' is not available: no video device model" },
		{ "{\"cmd\":\"wait\",\"what\":\"flag\",\"timeout_ms\":0}",
			"timed out after 0 ms waiting for 'flag'" },
	};
	int fd = client();
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		send_str(fd, cases[i].line);
		send_str(fd, "\n");
		struct json_object *r = reply(fd);
		CHECK_MSG(!is_ok(r) && strcmp(error_of(r), cases[i].error) == 0,
			"%s: got \"%s\", expected \"%s\"", cases[i].line, error_of(r),
			cases[i].error);
		json_object_put(r);
	}
	close(fd);
	teardown();
}

static void test_wait_times_out_through_the_loop(void)
{
	setup();
	struct cond cond = { 0 };
	REQUIRE(hvh_monitor_add_wait(fx.mon, &flag_wait, &cond) == 0);
	int fd = client();
	send_str(fd, "{\"cmd\":\"wait\",\"what\":\"flag\",\"timeout_ms\":1}\n");
	struct json_object *r = reply(fd);
	CHECK(strcmp(error_of(r), "timed out after 1 ms waiting for 'flag'") == 0);
	json_object_put(r);
	close(fd);
	teardown();
}

/* ---- sockets ---- */

static void test_last_line_without_newline_is_answered(void)
{
	setup();
	REQUIRE(hvh_monitor_add_command(fx.mon, "fast", no_args, cmd_fast, NULL) == 0);
	int fd = client();
	send_str(fd, "{\"cmd\":\"fast\"}");
	REQUIRE(shutdown(fd, SHUT_WR) == 0);
	struct json_object *r = reply(fd);
	CHECK(is_ok(r));
	json_object_put(r);
	/* Then the monitor closes its side. */
	settle();
	char c;
	CHECK_EQ_INT(recv(fd, &c, 1, MSG_DONTWAIT), 0);
	close(fd);
	teardown();
}

static void test_too_many_clients_are_turned_away(void)
{
	setup();
	int fds[HVH_MONITOR_MAX_CLIENTS + 1];
	for (size_t i = 0; i < ARRAY_LEN(fds); i++) {
		fds[i] = client();
		settle();
	}
	int last = fds[HVH_MONITOR_MAX_CLIENTS];
	struct json_object *r = reply(last);
	CHECK(strcmp(error_of(r), "too many monitor clients") == 0);
	json_object_put(r);
	char c;
	CHECK_EQ_INT(recv(last, &c, 1, MSG_DONTWAIT), 0);
	/* The others are served. */
	send_str(fds[0], "{\"cmd\":\"nope\"}\n");
	r = reply(fds[0]);
	CHECK(strcmp(error_of(r), "unknown command 'nope'") == 0);
	json_object_put(r);
	for (size_t i = 0; i < ARRAY_LEN(fds); i++)
		close(fds[i]);
	teardown();
}

static void test_socket_path_rules(void)
{
	setup();
	/* A live monitor is not replaced... */
	struct hvh_monitor *second = NULL;
	CHECK_EQ_INT(hvh_monitor_create(&second, fx.loop, fx.path), -EADDRINUSE);
	CHECK(second == NULL);
	hvh_monitor_destroy(fx.mon);
	fx.mon = NULL;
	/* ...a dead one's socket file is. */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", fx.path);
	REQUIRE(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	close(fd);
	REQUIRE(access(fx.path, F_OK) == 0);
	CHECK_EQ_INT(hvh_monitor_create(&fx.mon, fx.loop, fx.path), 0);
	char longpath[200];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	CHECK_EQ_INT(hvh_monitor_create(&second, fx.loop, longpath), -ENAMETOOLONG);
	teardown();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_reply_waits_for_the_command_and_keeps_order),
		TEST_CASE(test_cancel_hook_runs_when_the_client_leaves),
		TEST_CASE(test_request_without_hook_outlives_its_client),
		TEST_CASE(test_destroy_cancels_pending_requests),
		TEST_CASE(test_wait_holds_after_a_poke),
		TEST_CASE(test_wait_recheck_without_a_poke),
		TEST_CASE(test_wait_errors),
		TEST_CASE(test_wait_times_out_through_the_loop),
		TEST_CASE(test_last_line_without_newline_is_answered),
		TEST_CASE(test_too_many_clients_are_turned_away),
		TEST_CASE(test_socket_path_rules),
	};
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
