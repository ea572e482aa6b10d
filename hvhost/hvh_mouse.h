/*
 * hvhost's synthetic mouse (synthinput.md §2, vmbus-emu.md §5, §6): the device model and the
 * monitor's `mouse`.
 */
#ifndef HVD_HVHOST_MOUSE_H
#define HVD_HVHOST_MOUSE_H

#include "hvh_device.h"

/* Registers the mouse device and its command; 0 or negative errno. */
int hvh_mouse_create(const struct hvh_env *env);

/*
 * For the VNC front end (hvh_vnc.h): queues one absolute report. buttons as the report's
 * (bit 0 left, 1 right, 2 middle), x and y already scaled to 0..32767, wheel in detents. dev
 * is the registry's "mouse" device. -EINVAL if it is not a mouse model, -ENOTCONN while the
 * guest has not negotiated the mouse (the report is dropped), -ENOMEM.
 */
int hvh_mouse_send(struct hvh_device *dev, uint8_t buttons, uint16_t x, uint16_t y, int16_t wheel);

#endif
