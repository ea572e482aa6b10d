/*
 * hvhost's RFB client-stream parser (hvh_vnc_rfb.h) on arbitrary streams, consumed as
 * hvh_vnc_conn.c consumes them. The first byte picks whether the server asks for a password; the
 * rest is what a client sent. Every message found must fit what the caller relies on (whole,
 * within VNC_RFB_MAX_MSG unless dropped, forwarding less than it takes), the state only moves
 * forward, every refusal names its reason, and a message cut one byte short must ask for more
 * without moving the state.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hvh_vnc_rfb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const struct vnc_rfb_msg *m, size_t avail)
{
	if (m->len == 0)
		abort(); /* a message takes bytes, or the caller would spin */
	if (m->action == VNC_RFB_DROP)
		return; /* its length may run past what has arrived: skipped as it comes */
	if (m->len > avail || m->len > VNC_RFB_MAX_MSG || m->skip >= m->len)
		abort();
	if (strcmp(vnc_rfb_state_to_str(m->state), "unknown") == 0)
		abort();
}

/* The same message one byte short: more is needed and the parser is left as it was. */
static void check_short(const struct vnc_rfb *before, const uint8_t *buf, size_t len)
{
	struct vnc_rfb p = *before;
	struct vnc_rfb_msg m;
	const char *why = NULL;
	int ret = vnc_rfb_next(&p, buf, len - 1, &m, &why);
	/* A refusal may come early (a bad length field is known before the body). */
	if (ret == 1 || (ret == 0 && memcmp(&p, before, sizeof(p)) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct vnc_rfb p;
	vnc_rfb_init(&p, data[0] & 1);
	const uint8_t *buf = data + 1;
	size_t len = size - 1, pos = 0;
	while (pos < len) {
		struct vnc_rfb before = p;
		struct vnc_rfb_msg m;
		const char *why = NULL;
		int ret = vnc_rfb_next(&p, buf + pos, len - pos, &m, &why);
		if (ret < 0) {
			if (ret != -EPROTO || !why)
				abort();
			return 0;
		}
		if (ret == 0) {
			if (memcmp(&p, &before, sizeof(p)) != 0)
				abort();
			return 0;
		}
		if (ret != 1 || p.state < before.state)
			abort();
		check_message(&m, len - pos);
		if (m.action == VNC_RFB_DROP && m.len > len - pos)
			return 0; /* the rest of the stream is its body */
		if (m.action != VNC_RFB_DROP && m.len > 1)
			check_short(&before, buf + pos, m.len);
		pos += m.len;
	}
	return 0;
}
