/* The VNC tests' guest picture, shared by the guest (vnc_guest.c) and the tests that check it. */
#ifndef HVD_TESTS_VNC_GUEST_H
#define HVD_TESTS_VNC_GUEST_H

#include <stdint.h>

/* XRGB8888 at (x, y): gradients in all three channels, a fine checker and bars, so a swapped
 * channel, a shifted row or a dropped rect shows. */
static inline uint32_t vnc_guest_pattern(uint32_t x, uint32_t y)
{
	uint32_t r = (x * 255 / 1023) & 0xff, g = (y * 255 / 767) & 0xff;
	uint32_t b = ((x / 8 + y / 8) & 1) ? 0xc0 : 0x30;
	if ((x / 64) % 4 == 3)
		r ^= 0xff;
	if ((y / 48) % 5 == 2)
		g = (x ^ y) & 0xff;
	return r << 16 | g << 8 | b;
}

#endif
