/*
 * hvhost's synthetic keyboard (synthinput.md §1, vmbus-emu.md §5, §6): the device model and
 * the monitor's `type` and `key`.
 */
#ifndef HVD_HVHOST_KEYBOARD_H
#define HVD_HVHOST_KEYBOARD_H

#include <stddef.h>

#include "hvh_device.h"

/* Registers the keyboard device and its commands; 0 or negative errno. */
int hvh_keyboard_create(const struct hvh_env *env);

struct hvi_scancode;

/*
 * For the VNC front end (hvh_vnc.h): queues n keyboard EVENTs (set-1 make codes with their
 * IS_E0 / IS_E1 / IS_BREAK flags), in order, never dropped once queued. dev is the registry's
 * "keyboard" device. -EINVAL if it is not a keyboard model, -ENOTCONN while the guest has not
 * negotiated the keyboard (the events are dropped), -ENOMEM.
 */
int hvh_keyboard_send(struct hvh_device *dev, const struct hvi_scancode *codes, size_t n);

#endif
