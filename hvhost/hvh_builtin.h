/*
 * The monitor commands that need no device model (vmbus-emu.md §6): stats, quit, rescind,
 * reoffer, pause, and the waits `connected` and `device`. Also the spec's knowledge of which
 * device provides which command, so a command whose model is missing says why it is
 * unavailable instead of being unknown.
 *
 * Errors: negative errno.
 */
#ifndef HVD_HVHOST_BUILTIN_H
#define HVD_HVHOST_BUILTIN_H

#include "hvh_device.h"

struct hvh_builtin;

/* Registers the built-in commands and waits on env->monitor. */
int hvh_builtin_create(struct hvh_builtin **out, const struct hvh_env *env);
/* NULL is a no-op. */
void hvh_builtin_destroy(struct hvh_builtin *builtin);

/* After the device models registered theirs: marks every command and wait of the spec that
 * nobody provides as unavailable, with the reason (hvh_bus_absent_reason() or "no <device>
 * device model in this build"). */
int hvh_builtin_add_fallbacks(struct hvh_builtin *builtin);

#endif
