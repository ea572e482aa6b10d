/* Pipe-mode framing (vmbus-ring.md §5). */
#include "vmb_pipe.h"

#include <errno.h>

#include "wire.h"

int vmb_pipe_encode(uint8_t out[VMB_PIPE_HEADER_SIZE], size_t msg_len)
{
	if (msg_len > UINT32_MAX)
		return -EMSGSIZE;
	struct wire w = wire_writer(out, VMB_PIPE_HEADER_SIZE);
	wire_put_u32(&w, VMB_PIPE_TYPE_DATA);
	wire_put_u32(&w, (uint32_t)msg_len);
	return wire_error(&w);
}

int vmb_pipe_parse(const uint8_t *payload, size_t len, const uint8_t **msg, uint32_t *msg_len)
{
	struct wire r = wire_reader(payload, len);
	uint32_t type = wire_get_u32(&r);
	uint32_t size = wire_get_u32(&r);
	if (wire_error(&r))
		return wire_error(&r);
	/* OpenVMM refuses every type but DATA; Linux drops them. Neither has a use for them here. */
	if (type != VMB_PIPE_TYPE_DATA)
		return -EPROTO;
	if (size > wire_remaining(&r))
		return -EMSGSIZE;
	*msg = payload + VMB_PIPE_HEADER_SIZE;
	*msg_len = size;
	return 0;
}
