/*
 * The shim's client protocol codec (doc/shim-protocol.md) on arbitrary packets. The format is
 * canonical: whatever decodes must encode back to exactly the same bytes, and decode again to
 * the same struct.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shim_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shim_proto_msg msg, again;
	memset(&msg, 0, sizeof(msg));
	if (shim_proto_decode(data, size, &msg) != 0)
		return 0;
	uint8_t buf[SHIM_PROTO_MAX_MESSAGE];
	int n = shim_proto_encode(&msg, buf, sizeof(buf));
	if (n < 0 || (size_t)n != size || memcmp(buf, data, size) != 0)
		abort();
	memset(&again, 0, sizeof(again));
	if (shim_proto_decode(buf, (size_t)n, &again) != 0 ||
		memcmp(&again, &msg, sizeof(msg)) != 0)
		abort();
	(void)shim_proto_type_to_str(msg.type);
	(void)shim_proto_fd_count(msg.type);
	return 0;
}
