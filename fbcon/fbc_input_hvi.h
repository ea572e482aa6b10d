/*
 * Keyboard and mouse from input_hv's synthetic devices (hvi.h) into fbc_input: the console's
 * input on Hyper-V and on hvhost.
 *
 * Both devices sit on the VMBus bus of the synthvid output (shim_output_svd_get_bus()), so one
 * connection to the host carries picture and input. Either device may be missing (the host does
 * not offer it, or it does not come up): the other still works, and the log says why. The
 * keyboard's lock LEDs follow the keymap; the mouse's absolute position is scaled to the screen.
 *
 * Errors: negative errno. fbc_input_hvi_create() fails (-ENODEV) only when neither device came up.
 */
#ifndef HVD_FBCON_FBC_INPUT_HVI_H
#define HVD_FBCON_FBC_INPUT_HVI_H

#include <stddef.h>
#include <stdint.h>

struct fbc_input;
struct fbc_input_hvi;
struct vmb_bus;

#define FBC_INPUT_HVI_MAX_FDS 2

/* bus and input are borrowed and must outlive the backend; timeout_ms bounds each device's
 * bring-up (0: hvi's default). */
int fbc_input_hvi_create(
	struct fbc_input_hvi **out, struct vmb_bus *bus, struct fbc_input *input, int timeout_ms);
/* NULL is a no-op. */
void fbc_input_hvi_destroy(struct fbc_input_hvi *hvi);

/* The fds to poll for POLLIN (one per device that is up); returns how many were written. */
size_t fbc_input_hvi_get_fds(const struct fbc_input_hvi *hvi, int fds[FBC_INPUT_HVI_MAX_FDS]);
/* Reads every device and feeds its events to the input. A device whose host went away is
 * dropped (its keys released); returns how many devices are left. */
int fbc_input_hvi_dispatch(struct fbc_input_hvi *hvi, int64_t now_ms);
/* The screen the mouse's absolute positions map to. */
void fbc_input_hvi_set_screen(struct fbc_input_hvi *hvi, uint32_t width, uint32_t height);

#endif
