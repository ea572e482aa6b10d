/*
 * Linux evdev key codes: the kernel's own UAPI header (Debian's linux-libc-dev), never a copy.
 * It is macros only, so the pure scancode code stays free of I/O and builds wherever Linux
 * headers exist, a kernel included.
 */
#ifndef HVD_INPUT_HV_HVI_KEYCODES_H
#define HVD_INPUT_HV_HVI_KEYCODES_H

#include <linux/input-event-codes.h>

#endif
