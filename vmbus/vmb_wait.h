/*
 * Deadlines for the waits of lib vmb: every wait for the other side has one, so a silent peer
 * costs a timeout, never a hang. Header-only; the clock is common/loop.h's.
 */
#ifndef HVD_VMBUS_WAIT_H
#define HVD_VMBUS_WAIT_H

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>

#include "loop.h"

/* now + timeout_ms on the monotonic clock; -1 (no deadline) for a negative timeout. */
static inline int64_t vmb_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : loop_now_ms() + timeout_ms;
}

/* poll() until something is ready or the deadline passes, retrying EINTR. Returns the number
 * of ready entries, 0 on timeout, or -errno. */
static inline int vmb_poll_until(struct pollfd *pfds, nfds_t n, int64_t deadline_ms)
{
	for (;;) {
		int timeout = -1;
		if (deadline_ms >= 0) {
			int64_t left = deadline_ms - loop_now_ms();
			timeout = left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
		}
		int ret = poll(pfds, n, timeout);
		if (ret >= 0)
			return ret;
		if (errno != EINTR)
			return -errno;
	}
}

#endif
