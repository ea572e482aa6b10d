/*
 * Keyboard and pointer from real evdev devices through libinput into fbc_input: the console's
 * input with the KMS output (a VM with hyperv_drm and hyperv_keyboard, virtio-gpu under QEMU).
 *
 * Devices come from udev (every input device of a seat, hotplug included) or from a list of
 * /dev/input/event* paths (the path backend, for a machine without udev or for tests). Devices are
 * opened directly: hvcon on KMS runs as root or with the input group's rights; there is no
 * logind session behind it. The keyboard LEDs follow the keymap.
 *
 * Built only with -Dlibinput=enabled (auto when libinput and libudev are installed); otherwise
 * fbc_input_libinput_create() returns -EOPNOTSUPP.
 *
 * Errors: negative errno: -ENODEV nothing to read from (no seat or no device opened),
 * -EOPNOTSUPP not built, -ENOMEM.
 */
#ifndef HVD_FBCON_FBC_INPUT_LIBINPUT_H
#define HVD_FBCON_FBC_INPUT_LIBINPUT_H

#include <stddef.h>
#include <stdint.h>

struct fbc_input;
struct fbc_input_libinput;

struct fbc_input_libinput_config {
	const char *seat;         // udev seat; NULL: "seat0" (ignored when paths are given)
	const char *const *paths; // event device nodes for the path backend; NULL: udev
	size_t n_paths;
};

/* input is borrowed and must outlive the backend. */
int fbc_input_libinput_create(struct fbc_input_libinput **out, struct fbc_input *input,
	const struct fbc_input_libinput_config *config);
/* NULL is a no-op. */
void fbc_input_libinput_destroy(struct fbc_input_libinput *li);

/* Poll for POLLIN. */
int fbc_input_libinput_get_fd(const struct fbc_input_libinput *li);
/* Reads libinput's events and feeds them to the input. 0 or negative errno. */
int fbc_input_libinput_dispatch(struct fbc_input_libinput *li, int64_t now_ms);
/* Number of devices libinput has now (added minus removed). */
size_t fbc_input_libinput_device_count(const struct fbc_input_libinput *li);

#endif
