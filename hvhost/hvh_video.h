/*
 * The synthetic video device model (synthvid.md, vmbus-emu.md §4-§6): plays a Hyper-V host's
 * video to a guest. Version negotiation against a configurable list, the resolution list and
 * EDID, VRAM in the MMIO window, situation updates checked against VRAM, DIRT into the host's
 * picture (hvh_screen.h), the cursor, FEATURE_CHANGE; the monitor's screenshot and feature
 * commands and its mode, dirt and quiet waits; `stats` keys version, dirt_rects, dirt_pixels and
 * the top-level mode.
 *
 * Every guest mistake is logged (log_bug_guest) with its reason and counted under that reason;
 * nothing a guest sends makes the model read outside the MMIO window it shares.
 */
#ifndef HVD_HVHOST_VIDEO_H
#define HVD_HVHOST_VIDEO_H

#include "hvh_device.h"

/* Creates the model from env->config->video and registers it (device, commands, waits, the
 * bus's mode provider). -EINVAL or -ENOSPC for a configuration that cannot work (logged),
 * -ENOMEM, or the registry's error. */
int hvh_video_create(const struct hvh_env *env);

/* ---- for the VNC front end (hvh_vnc.h); dev is the registry's "video" device ---- */

struct hvh_screen;

/* The host's picture (hvh_screen.h), owned by the model; NULL if dev is not a video model. */
struct hvh_screen *hvh_video_screen(struct hvh_device *dev);

/*
 * The number of remote viewers changed to viewers. Going from none to some sends FEATURE_CHANGE
 * with every flag set, as Hyper-V does when a viewer attaches (vmbus-emu.md §5), so the guest
 * repaints; going to none with dirt_when_idle false sends one with DIRT no longer needed (the
 * picture then goes stale until a viewer comes back). 0, -ENOTCONN when no guest has the
 * channel (it gets every flag when it negotiates anyway), -EINVAL if dev is not a video model,
 * or the send's error.
 */
int hvh_video_set_viewers(struct hvh_device *dev, unsigned viewers, bool dirt_when_idle);

#endif
