/*
 * Control messages of the emulated VMBus (vmbus-emu.md §2) as the host and as the guest receive
 * them. The input is one seqpacket; it is decoded both ways with every descriptor count a
 * message can have. Nothing may crash or read past the input; whatever decodes must pass the
 * field rules, say it carries the descriptor count it was decoded with, and encode back to
 * exactly the input bytes (the codec neither loses nor invents a field).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmb_ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_one(enum vmb_ctl_dir dir, const uint8_t *data, size_t size, size_t nfds)
{
	struct vmb_ctl_msg msg;
	const char *reason = NULL;
	if (vmb_ctl_decode(dir, data, size, nfds, &msg, &reason) < 0) {
		if (!reason)
			abort();
		return;
	}
	enum vmb_ctl_dir type_dir;
	if (!vmb_ctl_type_dir(msg.type, &type_dir) || type_dir != dir)
		abort();
	if (vmb_ctl_check(&msg, NULL) != 0 || vmb_ctl_msg_fds(&msg) != nfds)
		abort();
	uint8_t out[VMB_CTL_MAX_SIZE];
	int len = vmb_ctl_encode(&msg, out, sizeof(out));
	if (len < 0 || (size_t)len != size || memcmp(out, data, size) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t nfds = 0; nfds <= VMB_CTL_MAX_FDS + 1; nfds++) {
		decode_one(VMB_CTL_TO_HOST, data, size, nfds);
		decode_one(VMB_CTL_TO_GUEST, data, size, nfds);
	}
	return 0;
}
