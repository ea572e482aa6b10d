/*
 * The monitor's `wait` (vmbus-emu.md §6): replies when a registered condition holds, or with an
 * error once `timeout_ms` (default 10000) has passed. Conditions are predicates: evaluated when
 * the request arrives, after every hvh_monitor_poke() and when a recheck they asked for falls
 * due, never by polling on a fixed period.
 */
#define LOG_MODULE "wait"
#include "hvh_wait.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct condition {
	const struct hvh_wait_impl *impl;
	void *data;
};

struct pending {
	struct hvh_waits *waits;
	struct pending *prev, *next;
	struct hvh_request *req;
	const struct condition *cond;
	struct hvh_wait_state state;
	int64_t timeout_ms;
	int64_t deadline_ms;
	struct loop_source *timer;
};

struct hvh_waits {
	struct hvh_monitor *mon;
	struct loop *loop;
	struct hvh_cmd_table *table; // what -> condition (as the cookie)
	struct condition **conds;
	size_t n_conds;
	struct pending *pending;
	struct loop_source *poke_timer;
};

static const struct hvh_cmd_arg common_args[] = {
	{ "what", HVH_ARG_STRING, true, 0, 0 },
	{ "timeout_ms", HVH_ARG_INT, false, 0, HVH_WAIT_MAX_TIMEOUT_MS },
	{ NULL, 0, false, 0, 0 },
};

static void pending_free(struct pending *p)
{
	struct hvh_waits *waits = p->waits;
	if (p->prev)
		p->prev->next = p->next;
	else
		waits->pending = p->next;
	if (p->next)
		p->next->prev = p->prev;
	loop_remove(p->timer);
	free(p);
}

/* Completes p if its condition holds or its time is up; otherwise arms its timer. Returns
 * whether p is gone. */
static bool evaluate(struct pending *p)
{
	const struct hvh_wait_impl *impl = p->cond->impl;
	struct hvh_request *req = p->req;
	struct json_object *reply = hvh_request_reply(req);
	if (!reply) {
		pending_free(p);
		hvh_request_fail(req, "out of memory");
		return true;
	}
	int64_t recheck = -1;
	if (impl->check(p->cond->data, &p->state, reply, &recheck)) {
		pending_free(p);
		hvh_request_done(req);
		return true;
	}
	int64_t left = p->deadline_ms - loop_now_ms();
	if (left <= 0) {
		long long timeout = (long long)p->timeout_ms;
		pending_free(p);
		hvh_request_fail(
			req, "timed out after %lld ms waiting for '%s'", timeout, impl->what);
		return true;
	}
	loop_timer_arm(p->timer, recheck >= 0 && recheck < left ? recheck : left);
	return false;
}

static void on_timer(void *data)
{
	evaluate(data);
}

static void on_cancel(void *data, struct hvh_request *req)
{
	pending_free(data);
}

static void on_poke(void *data)
{
	struct hvh_waits *waits = data;
	struct pending *next;
	for (struct pending *p = waits->pending; p; p = next) {
		next = p->next;
		evaluate(p);
	}
}

/* The condition a request names, or NULL after failing the request. */
static const struct condition *find_condition(
	struct hvh_waits *waits, struct hvh_request *req, struct json_object *args)
{
	struct json_object *what;
	if (!json_object_object_get_ex(args, "what", &what)) {
		hvh_request_fail(req, "missing argument 'what' for 'wait'");
		return NULL;
	}
	if (!json_object_is_type(what, json_type_string)) {
		hvh_request_fail(req, "argument 'what' of 'wait' must be a string, not %s",
			json_type_to_name(json_object_get_type(what)));
		return NULL;
	}
	const char *name = json_object_get_string(what);
	const struct hvh_cmd_def *def = hvh_cmd_table_find(waits->table, name);
	if (!def) {
		hvh_request_fail(req, "unknown wait condition '%.64s'", name);
		return NULL;
	}
	if (def->unavailable) {
		hvh_request_fail(
			req, "wait '%s' is not available: %s", def->name, def->unavailable);
		return NULL;
	}
	return def->cookie;
}

static void on_wait(void *data, struct hvh_request *req, struct json_object *args)
{
	struct hvh_waits *waits = data;
	const struct condition *cond = find_condition(waits, req, args);
	if (!cond)
		return;
	char err[HVH_MONITOR_ERR_MAX];
	const struct hvh_cmd_arg *const specs[] = { common_args, cond->impl->args };
	if (hvh_cmd_check_args(args, "wait", specs, ARRAY_LEN(specs), err, sizeof(err)) < 0) {
		hvh_request_fail(req, "%s", err);
		return;
	}
	struct pending *p = calloc(1, sizeof(*p));
	if (p)
		p->timer = loop_add_timer(waits->loop, on_timer, p);
	if (!p || !p->timer) {
		free(p);
		hvh_request_fail(req, "out of memory");
		return;
	}
	int64_t now = loop_now_ms();
	p->waits = waits;
	p->req = req;
	p->cond = cond;
	p->state = (struct hvh_wait_state){ .args = args, .start_ms = now };
	p->timeout_ms = hvh_cmd_get_int(args, "timeout_ms", HVH_WAIT_DEFAULT_TIMEOUT_MS);
	p->deadline_ms = now + p->timeout_ms;
	p->next = waits->pending;
	if (waits->pending)
		waits->pending->prev = p;
	waits->pending = p;
	if (cond->impl->start && cond->impl->start(cond->data, &p->state, err, sizeof(err)) < 0) {
		pending_free(p);
		hvh_request_fail(req, "%s", err);
		return;
	}
	if (!evaluate(p))
		hvh_request_set_cancel(req, on_cancel, p);
}

int hvh_waits_create(struct hvh_waits **out, struct hvh_monitor *mon, struct loop *loop)
{
	struct hvh_waits *waits = calloc(1, sizeof(*waits));
	if (!waits)
		return -ENOMEM;
	*waits = (struct hvh_waits){ .mon = mon, .loop = loop };
	waits->table = hvh_cmd_table_create();
	waits->poke_timer = loop_add_timer(loop, on_poke, waits);
	if (!waits->table || !waits->poke_timer) {
		hvh_waits_destroy(waits);
		return -ENOMEM;
	}
	int ret = hvh_monitor_add_command(mon, "wait", NULL, on_wait, waits);
	if (ret < 0) {
		hvh_waits_destroy(waits);
		return ret;
	}
	*out = waits;
	return 0;
}

void hvh_waits_destroy(struct hvh_waits *waits)
{
	if (!waits)
		return;
	while (waits->pending) {
		log_bug_self("a wait outlived its request");
		pending_free(waits->pending);
	}
	loop_remove(waits->poke_timer);
	for (size_t i = 0; i < waits->n_conds; i++)
		free(waits->conds[i]);
	free(waits->conds);
	hvh_cmd_table_destroy(waits->table);
	free(waits);
}

int hvh_waits_add(struct hvh_waits *waits, const struct hvh_wait_impl *impl, void *data)
{
	const struct hvh_cmd_def *old = hvh_cmd_table_find(waits->table, impl->what);
	if (old && !old->unavailable)
		return -EEXIST;
	struct condition **conds = realloc(waits->conds, (waits->n_conds + 1) * sizeof(*conds));
	if (!conds)
		return -ENOMEM;
	waits->conds = conds;
	struct condition *cond = calloc(1, sizeof(*cond));
	if (!cond)
		return -ENOMEM;
	*cond = (struct condition){ .impl = impl, .data = data };
	/* The condition's own arguments are checked with the common ones in on_wait(). */
	int ret = hvh_cmd_table_add(waits->table, impl->what, NULL, NULL, cond);
	if (ret < 0) {
		free(cond);
		return ret;
	}
	waits->conds[waits->n_conds++] = cond;
	return 0;
}

int hvh_waits_add_unavailable(struct hvh_waits *waits, const char *what, const char *reason)
{
	return hvh_cmd_table_add(waits->table, what, NULL, reason, NULL);
}

bool hvh_waits_has(const struct hvh_waits *waits, const char *what)
{
	const struct hvh_cmd_def *def = hvh_cmd_table_find(waits->table, what);
	return def && !def->unavailable;
}

void hvh_waits_poke(struct hvh_waits *waits)
{
	if (waits->pending)
		loop_timer_arm(waits->poke_timer, 0);
}
