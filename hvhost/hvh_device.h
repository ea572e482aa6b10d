/*
 * hvhost's device-model API: the frame the synthetic video, keyboard and mouse models plug into.
 *
 * A model is a constructor (hvh_device_create_fn, listed in hvh_main.c's device table) that
 * allocates its state and registers three kinds of things:
 *
 *  - itself, with hvh_bus_add_device(): a const struct hvh_device_impl naming the device
 *    ("video", "keyboard", "mouse": its key in `stats` and the monitor's `device` argument), its
 *    VMBus offer, and callbacks. The registry (hvh_bus.c) turns vmb_host's listener callbacks
 *    into calls of the right model's callbacks, so a model never sees relids or dev_ids;
 *  - its monitor commands (hvh_monitor_add_command(): screenshot, type, key, mouse, feature);
 *  - its wait conditions (hvh_monitor_add_wait(): mode, dirt, quiet).
 *
 * The registry owns per-device counter sets (rx by message name, tx, rejects by reason) that
 * make the default `stats` object {"open", "rx", "tx", "rejects", "rejects_total"}; the
 * model's stats callback adds its own keys. A model calls hvh_device_poke() whenever something
 * a wait condition looks at changed, and hvh_device_set_negotiated() once its protocol is up
 * (the `device` wait).
 *
 * Peer input rules (STYLE.md): every bad guest message is logged with log_bug_guest() naming
 * what was wrong and counted with hvh_device_reject(); the channel stays open.
 *
 * Errors: negative errno. Single-threaded: every callback runs from the hvhost loop.
 */
#ifndef HVD_HVHOST_DEVICE_H
#define HVD_HVHOST_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counter.h"
#include "hvh_monitor.h"
#include "hvh_video_config.h"
#include "loop.h"
#include "vmb_host.h"

struct json_object;
struct hvh_bus;
struct hvh_device;

/*
 * hvhost's configuration, filled from the command line by hvh_main.c. A model that needs an
 * option adds a field here and its option to hvh_main.c.
 */
struct hvh_config {
	const char *vmbus_path;   // NULL: the default resolution of vmbus-emu.md §1
	const char *monitor_path; // NULL: $HVDISPLAY_MONITOR, else beside the VMBus socket
	const char *trace_path;   // NULL: no capture
	uint32_t versions[8];     // VMBus versions offered, newest first; n_versions 0: defaults
	size_t n_versions;
	uint64_t mmio_base, mmio_size; // 0: defaults
	struct hvh_video_config video; // the synthetic video model's options
};

/* What a model constructor gets. Every pointer outlives the model. */
struct hvh_env {
	struct loop *loop;
	struct hvh_bus *bus;
	struct hvh_monitor *monitor;
	const struct hvh_config *config;
};

/* Creates a model and registers it (device, commands, waits); 0 or negative errno. On error
 * the model must have freed everything it allocated. */
typedef int (*hvh_device_create_fn)(const struct hvh_env *env);

/*
 * A device model's callbacks; all may be NULL. `model` is the pointer given to
 * hvh_bus_add_device(). ch stays valid until channel_closed returns.
 */
struct hvh_device_impl {
	const char *name;            // "video", "keyboard", "mouse"
	struct vmb_host_device desc; // the offer
	/* The `device` wait holds once the channel is open, with no negotiation to wait for. */
	bool ready_when_open;

	void (*guest_connected)(void *model, uint32_t vmbus_version);
	void (*guest_disconnected)(void *model);
	void (*channel_opened)(void *model, struct vmb_host_channel *ch);
	/* The negotiated flag is already cleared; ch must not be used any more. */
	void (*channel_closed)(void *model, enum vmb_host_close_reason reason);
	/* Packets to read or send space freed: drain with vmb_host_channel_recv(), retry sends. */
	void (*channel_signalled)(void *model, struct vmb_host_channel *ch);
	/*
	 * Adds the model's keys to its `stats` object dev (which already has the defaults) and
	 * may set top-level keys of root that the model owns (video: "mode"). 0 or -ENOMEM.
	 */
	int (*stats)(void *model, struct json_object *dev, struct json_object *root);
	/* Frees the model. Pending monitor requests it holds must be completed or cancelled. */
	void (*destroy)(void *model);
};

/* ---- the registry (hvh_bus.c; the rest of its API is in hvh_bus.h) ---- */

/*
 * Registers a model: its device is offered to every guest from now on. On success the bus owns
 * model (impl->destroy runs at hvh_bus_destroy()) and *out, if not NULL, is its handle.
 * -EEXIST for a name already registered, -ENOMEM, or vmb_host's error.
 */
int hvh_bus_add_device(struct hvh_bus *bus, const struct hvh_device_impl *impl, void *model,
	struct hvh_device **out);

/* The VMBus host: for vmb_host_mmio() and the like. */
struct vmb_host *hvh_bus_host(const struct hvh_bus *bus);
bool hvh_bus_guest_connected(const struct hvh_bus *bus);
uint32_t hvh_bus_vmbus_version(const struct hvh_bus *bus); // 0 when no guest

/*
 * The video mode as models other than video need it (the mouse scales its coordinates to it):
 * the video model provides it, others ask. The mode is the scanout the guest set, or Hyper-V's
 * power-on 1024x768 before any SITUATION_UPDATE. hvh_bus_get_mode() returns false (and leaves
 * the outputs alone) when no video model provides one (--no-video).
 */
typedef void (*hvh_mode_fn)(void *data, uint32_t *width, uint32_t *height);
void hvh_bus_set_mode_provider(struct hvh_bus *bus, hvh_mode_fn fn, void *data);
bool hvh_bus_get_mode(const struct hvh_bus *bus, uint32_t *width, uint32_t *height);

/* ---- one device ---- */

const struct hvh_device_impl *hvh_device_impl(const struct hvh_device *dev);
void *hvh_device_model(const struct hvh_device *dev);
const char *hvh_device_name(const struct hvh_device *dev);
struct hvh_bus *hvh_device_bus(const struct hvh_device *dev);

/* The open channel, or NULL. */
struct vmb_host_channel *hvh_device_channel(const struct hvh_device *dev);
bool hvh_device_is_open(const struct hvh_device *dev);
/* The model's protocol is up (or down again); cleared by the registry when the channel closes. */
void hvh_device_set_negotiated(struct hvh_device *dev, bool negotiated);
bool hvh_device_is_negotiated(const struct hvh_device *dev);
/* Open and negotiated (or open, for ready_when_open models): the `device` wait. */
bool hvh_device_is_ready(const struct hvh_device *dev);

/* Counter sets shown in `stats`, owned by the registry; counters run across guests. */
struct counter_set *hvh_device_rx(const struct hvh_device *dev);
struct counter_set *hvh_device_tx(const struct hvh_device *dev);
struct counter_set *hvh_device_rejects(const struct hvh_device *dev);
/* Counts a reject under reason; the caller logs the details with log_bug_guest(). */
void hvh_device_reject(struct hvh_device *dev, const char *reason);

/* Re-evaluates pending monitor waits after the current callback. */
void hvh_device_poke(struct hvh_device *dev);

/* Fault injection (monitor rescind/reoffer/pause). pause: -ENOTCONN when no channel is open. */
int hvh_device_rescind(struct hvh_device *dev);
int hvh_device_reoffer(struct hvh_device *dev);
int hvh_device_pause(struct hvh_device *dev, int64_t ms);

#endif
