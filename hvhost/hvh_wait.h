/*
 * The monitor's `wait` command (vmbus-emu.md §6), internal to hvh_monitor.c: a table of
 * conditions, the pending waits with their timeouts, and re-evaluation after pokes. Models use
 * the hvh_monitor_*wait* functions of hvh_monitor.h, which forward here.
 */
#ifndef HVD_HVHOST_WAIT_H
#define HVD_HVHOST_WAIT_H

#include "hvh_monitor.h"

struct hvh_waits;

/* Registers the `wait` command on mon. */
int hvh_waits_create(struct hvh_waits **out, struct hvh_monitor *mon, struct loop *loop);
/* Pending waits must be gone (the monitor cancels its requests first). NULL is a no-op. */
void hvh_waits_destroy(struct hvh_waits *waits);

int hvh_waits_add(struct hvh_waits *waits, const struct hvh_wait_impl *impl, void *data);
int hvh_waits_add_unavailable(struct hvh_waits *waits, const char *what, const char *reason);
bool hvh_waits_has(const struct hvh_waits *waits, const char *what);
void hvh_waits_poke(struct hvh_waits *waits);

#endif
