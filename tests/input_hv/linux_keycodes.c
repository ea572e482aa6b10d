/*
 * Linux's own KEY_* values for the names of keycode_list.h, taken from the system's
 * <linux/input-event-codes.h> when meson found it.
 *
 * Including hvi_keycodes.h after it also checks that each of our definitions is token for
 * token the kernel's: a different one is a macro redefinition, which -Werror builds reject.
 */
#include "keycode_list.h"

#if HAVE_LINUX_INPUT_EVENT_CODES
#include <linux/input-event-codes.h>

#include "hvi_keycodes.h"

const bool linux_keycodes_available = true;
const struct test_keycode linux_keycodes[] = { TEST_KEYCODES(TEST_KEYCODE_ENTRY) };
const size_t linux_keycodes_len = sizeof(linux_keycodes) / sizeof(linux_keycodes[0]);
#else
const bool linux_keycodes_available = false;
const struct test_keycode linux_keycodes[] = { { "none", 0 } };
const size_t linux_keycodes_len = 0;
#endif
