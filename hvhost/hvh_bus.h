/*
 * The device registry's side for hvhost itself (hvh_main.c, hvh_builtin.c): creation, the
 * capture tap, iteration, and why a device of the spec is missing. Models use hvh_device.h.
 *
 * Errors: negative errno.
 */
#ifndef HVD_HVHOST_BUS_H
#define HVD_HVHOST_BUS_H

#include "hvh_device.h"
#include "hvh_trace.h"

/* Creates the VMBus host (listening on cfg->socket_path) with the registry as its listener. */
int hvh_bus_create(struct hvh_bus **out, struct loop *loop, const struct vmb_host_config *cfg);
/* Destroys every model (impl->destroy, newest first), then the VMBus host. NULL is a no-op. */
void hvh_bus_destroy(struct hvh_bus *bus);

/* Called (deferred by the receiver as it likes) after every state change a wait may look at:
 * guest connected or gone, channel opened or closed, negotiated, a model's poke. */
void hvh_bus_set_notify(struct hvh_bus *bus, void (*notify)(void *data), void *data);
/* Captures packets and channel openings into trace (borrowed; NULL stops). A write error is
 * logged and stops the capture. */
void hvh_bus_set_trace(struct hvh_bus *bus, struct hvh_trace *trace);

/* Registered devices, in registration order; NULL past the end or for an unknown name. */
size_t hvh_bus_device_count(const struct hvh_bus *bus);
struct hvh_device *hvh_bus_device_at(const struct hvh_bus *bus, size_t index);
struct hvh_device *hvh_bus_find_device(const struct hvh_bus *bus, const char *name);

/* Records why a device of the spec has no model here (for monitor errors); reason is copied. */
int hvh_bus_note_absent(struct hvh_bus *bus, const char *name, const char *reason);
/* That reason, or NULL if none was noted. */
const char *hvh_bus_absent_reason(const struct hvh_bus *bus, const char *name);

#endif
