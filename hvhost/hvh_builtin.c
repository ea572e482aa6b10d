/* Built-in monitor commands and waits (vmbus-emu.md §6) that need no device model. */
#define LOG_MODULE "builtin"
#include "hvh_builtin.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvh_bus.h"
#include "log.h"

struct hvh_builtin {
	struct loop *loop;
	struct hvh_bus *bus;
	struct hvh_monitor *monitor;
};

/*
 * The spec's devices and what each provides. `stats` must show all three (§6) even when a
 * model is missing, with the keys the spec lists for it; commands and waits of a missing model
 * are answered with the reason.
 */
static const char *const video_int_keys[] = { "version", "dirt_rects", "dirt_pixels", NULL };

static const struct spec_device {
	const char *name;
	const char *const *int_keys; // spec keys beyond the defaults, 0 while absent
} spec_devices[] = {
	{ "video", video_int_keys },
	{ "keyboard", NULL },
	{ "mouse", NULL },
};

static const struct spec_feature {
	const char *name;
	const char *device;
} spec_commands[] = {
	{ "screenshot", "video" },
	{ "feature", "video" },
	{ "type", "keyboard" },
	{ "key", "keyboard" },
	{ "mouse", "mouse" },
}, spec_waits[] = {
	{ "mode", "video" },
	{ "dirt", "video" },
	{ "quiet", "video" },
};

static const struct spec_device *spec_device(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(spec_devices); i++) {
		if (strcmp(spec_devices[i].name, name) == 0)
			return &spec_devices[i];
	}
	return NULL;
}

static void absent_reason(const struct hvh_bus *bus, const char *device, char *buf, size_t len)
{
	const char *noted = hvh_bus_absent_reason(bus, device);
	if (noted)
		snprintf(buf, len, "%s", noted);
	else if (hvh_bus_find_device(bus, device))
		snprintf(buf, len, "the %s device model does not provide it", device);
	else
		snprintf(buf, len, "no %s device model in this build", device);
}

/* The registered device named by the request's "device", or NULL after failing req. */
static struct hvh_device *request_device(
	struct hvh_builtin *b, struct hvh_request *req, struct json_object *args)
{
	const char *name = hvh_cmd_get_string(args, "device", "");
	struct hvh_device *dev = hvh_bus_find_device(b->bus, name);
	if (dev)
		return dev;
	if (spec_device(name)) {
		char reason[160];
		absent_reason(b->bus, name, reason, sizeof(reason));
		hvh_request_fail(req, "device '%s' is not available: %s", name, reason);
	} else {
		hvh_request_fail(req, "unknown device '%.64s'", name);
	}
	return NULL;
}

/* ---- stats ---- */

static struct json_object *counters_to_json(const struct counter_set *set)
{
	struct json_object *obj = json_object_new_object();
	for (size_t i = 0; obj && i < counter_count(set); i++) {
		if (hvh_cmd_put_uint(obj, counter_name_at(set, i), counter_value_at(set, i)) < 0) {
			json_object_put(obj);
			return NULL;
		}
	}
	return obj;
}

/* The keys every device shows; dev NULL (no model) gives them empty. */
static struct json_object *device_defaults(const struct hvh_device *dev)
{
	struct json_object *obj = json_object_new_object();
	if (!obj)
		return NULL;
	const struct counter_set *rx = dev ? hvh_device_rx(dev) : NULL;
	const struct counter_set *tx = dev ? hvh_device_tx(dev) : NULL;
	const struct counter_set *rejects = dev ? hvh_device_rejects(dev) : NULL;
	int ret = hvh_cmd_put(obj, "present", json_object_new_boolean(dev != NULL));
	ret |= hvh_cmd_put(obj, "open", json_object_new_boolean(dev && hvh_device_is_open(dev)));
	ret |= hvh_cmd_put(
		obj, "negotiated", json_object_new_boolean(dev && hvh_device_is_negotiated(dev)));
	ret |= hvh_cmd_put(obj, "rx", rx ? counters_to_json(rx) : json_object_new_object());
	ret |= hvh_cmd_put(obj, "tx", tx ? counters_to_json(tx) : json_object_new_object());
	ret |= hvh_cmd_put(
		obj, "rejects", rejects ? counters_to_json(rejects) : json_object_new_object());
	ret |= hvh_cmd_put_uint(obj, "rejects_total", rejects ? counter_total(rejects) : 0);
	if (ret) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static int add_device_stats(
	struct hvh_device *dev, const struct spec_device *spec, struct json_object *root)
{
	struct json_object *obj = device_defaults(dev);
	if (!obj)
		return -ENOMEM;
	int ret = 0;
	if (dev && hvh_device_impl(dev)->stats)
		ret = hvh_device_impl(dev)->stats(hvh_device_model(dev), obj, root);
	for (size_t i = 0; !dev && spec && spec->int_keys && spec->int_keys[i]; i++)
		ret |= hvh_cmd_put_uint(obj, spec->int_keys[i], 0);
	if (ret < 0) {
		json_object_put(obj);
		return -ENOMEM;
	}
	const char *name = dev ? hvh_device_name(dev) : spec->name;
	return hvh_cmd_put(root, name, obj);
}

/* What vmb_host refused, across guests: an extra key, for tests of broken guests. */
static struct json_object *vmbus_stats(const struct hvh_bus *bus)
{
	struct vmb_host_stats st;
	vmb_host_get_stats(hvh_bus_host(bus), &st);
	struct json_object *obj = json_object_new_object();
	if (!obj)
		return NULL;
	int ret = hvh_cmd_put_uint(obj, "protocol_errors", st.protocol_errors);
	ret |= hvh_cmd_put_uint(obj, "open_refusals", st.open_refusals);
	ret |= hvh_cmd_put_uint(obj, "corrupt_rings", st.corrupt_rings);
	ret |= hvh_cmd_put_uint(obj, "busy_refusals", st.busy_refusals);
	if (ret) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static void on_stats(void *data, struct hvh_request *req, struct json_object *args)
{
	struct hvh_builtin *b = data;
	struct json_object *root = hvh_request_reply(req);
	if (!root) {
		hvh_request_fail(req, "out of memory");
		return;
	}
	int ret = hvh_cmd_put(
		root, "guest_connected", json_object_new_boolean(hvh_bus_guest_connected(b->bus)));
	ret |= hvh_cmd_put_uint(root, "vmbus_version", hvh_bus_vmbus_version(b->bus));
	/* null until the video model says otherwise from its stats callback */
	ret |= json_object_object_add(root, "mode", NULL) < 0 ? -ENOMEM : 0;
	ret |= hvh_cmd_put(root, "vmbus", vmbus_stats(b->bus));
	for (size_t i = 0; i < ARRAY_LEN(spec_devices); i++) {
		struct hvh_device *dev = hvh_bus_find_device(b->bus, spec_devices[i].name);
		ret |= add_device_stats(dev, &spec_devices[i], root);
	}
	for (size_t i = 0; i < hvh_bus_device_count(b->bus); i++) {
		struct hvh_device *dev = hvh_bus_device_at(b->bus, i);
		if (!spec_device(hvh_device_name(dev)))
			ret |= add_device_stats(dev, NULL, root);
	}
	if (ret)
		hvh_request_fail(req, "out of memory");
	else
		hvh_request_done(req);
}

/* ---- quit, rescind, reoffer, pause ---- */

static void on_quit(void *data, struct hvh_request *req, struct json_object *args)
{
	struct hvh_builtin *b = data;
	log_info("quit requested by the monitor");
	vmb_host_disconnect(hvh_bus_host(b->bus));
	hvh_request_done(req);
	loop_quit(b->loop);
}

static void on_rescind(void *data, struct hvh_request *req, struct json_object *args)
{
	struct hvh_device *dev = request_device(data, req, args);
	if (!dev)
		return;
	int ret = hvh_device_rescind(dev);
	if (ret < 0)
		hvh_request_fail(
			req, "cannot rescind %s: %s", hvh_device_name(dev), strerror(-ret));
	else
		hvh_request_done(req);
}

static void on_reoffer(void *data, struct hvh_request *req, struct json_object *args)
{
	struct hvh_device *dev = request_device(data, req, args);
	if (!dev)
		return;
	int ret = hvh_device_reoffer(dev);
	if (ret < 0)
		hvh_request_fail(
			req, "cannot offer %s again: %s", hvh_device_name(dev), strerror(-ret));
	else
		hvh_request_done(req);
}

static void on_pause(void *data, struct hvh_request *req, struct json_object *args)
{
	struct hvh_device *dev = request_device(data, req, args);
	if (!dev)
		return;
	int ret = hvh_device_pause(dev, hvh_cmd_get_int(args, "ms", 0));
	if (ret == -ENOTCONN)
		hvh_request_fail(
			req, "cannot pause %s: its channel is not open", hvh_device_name(dev));
	else if (ret < 0)
		hvh_request_fail(req, "cannot pause %s: %s", hvh_device_name(dev), strerror(-ret));
	else
		hvh_request_done(req);
}

/* ---- waits ---- */

static bool check_connected(
	void *data, const struct hvh_wait_state *w, struct json_object *reply, int64_t *recheck_ms)
{
	struct hvh_builtin *b = data;
	if (!hvh_bus_guest_connected(b->bus))
		return false;
	hvh_cmd_put_uint(reply, "vmbus_version", hvh_bus_vmbus_version(b->bus));
	return true;
}

static int start_device(void *data, struct hvh_wait_state *w, char *err, size_t err_len)
{
	struct hvh_builtin *b = data;
	const char *name = hvh_cmd_get_string(w->args, "device", "");
	if (hvh_bus_find_device(b->bus, name))
		return 0;
	if (spec_device(name)) {
		char reason[160];
		absent_reason(b->bus, name, reason, sizeof(reason));
		snprintf(err, err_len, "device '%s' is not available: %s", name, reason);
	} else {
		snprintf(err, err_len, "unknown device '%.64s'", name);
	}
	return -EINVAL;
}

static bool check_device(
	void *data, const struct hvh_wait_state *w, struct json_object *reply, int64_t *recheck_ms)
{
	struct hvh_builtin *b = data;
	struct hvh_device *dev =
		hvh_bus_find_device(b->bus, hvh_cmd_get_string(w->args, "device", ""));
	return dev && hvh_device_is_ready(dev);
}

static const struct hvh_cmd_arg device_args[] = {
	{ "device", HVH_ARG_STRING, true, 0, 0 },
	{ NULL, 0, false, 0, 0 },
};

static const struct hvh_cmd_arg pause_args[] = {
	{ "device", HVH_ARG_STRING, true, 0, 0 },
	{ "ms", HVH_ARG_INT, true, 0, HVH_WAIT_MAX_TIMEOUT_MS },
	{ NULL, 0, false, 0, 0 },
};

static const struct hvh_cmd_arg no_args[] = {
	{ NULL, 0, false, 0, 0 },
};

static const struct hvh_wait_impl wait_connected = {
	.what = "connected",
	.check = check_connected,
};

static const struct hvh_wait_impl wait_device = {
	.what = "device",
	.args = device_args,
	.start = start_device,
	.check = check_device,
};

int hvh_builtin_create(struct hvh_builtin **out, const struct hvh_env *env)
{
	struct hvh_builtin *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	*b = (struct hvh_builtin){ .loop = env->loop, .bus = env->bus, .monitor = env->monitor };
	struct hvh_monitor *mon = env->monitor;
	int ret = hvh_monitor_add_command(mon, "stats", no_args, on_stats, b);
	if (!ret)
		ret = hvh_monitor_add_command(mon, "quit", no_args, on_quit, b);
	if (!ret)
		ret = hvh_monitor_add_command(mon, "rescind", device_args, on_rescind, b);
	if (!ret)
		ret = hvh_monitor_add_command(mon, "reoffer", device_args, on_reoffer, b);
	if (!ret)
		ret = hvh_monitor_add_command(mon, "pause", pause_args, on_pause, b);
	if (!ret)
		ret = hvh_monitor_add_wait(mon, &wait_connected, b);
	if (!ret)
		ret = hvh_monitor_add_wait(mon, &wait_device, b);
	if (ret < 0) {
		free(b);
		return ret;
	}
	*out = b;
	return 0;
}

void hvh_builtin_destroy(struct hvh_builtin *builtin)
{
	free(builtin);
}

int hvh_builtin_add_fallbacks(struct hvh_builtin *b)
{
	char reason[160];
	for (size_t i = 0; i < ARRAY_LEN(spec_commands); i++) {
		const struct spec_feature *f = &spec_commands[i];
		if (hvh_monitor_has_command(b->monitor, f->name))
			continue;
		absent_reason(b->bus, f->device, reason, sizeof(reason));
		int ret = hvh_monitor_add_unavailable(b->monitor, f->name, reason);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < ARRAY_LEN(spec_waits); i++) {
		const struct spec_feature *f = &spec_waits[i];
		if (hvh_monitor_has_wait(b->monitor, f->name))
			continue;
		absent_reason(b->bus, f->device, reason, sizeof(reason));
		int ret = hvh_monitor_add_wait_unavailable(b->monitor, f->name, reason);
		if (ret < 0)
			return ret;
	}
	return 0;
}
