/*
 * Synthetic keyboard decoder (synthinput.md §1.2) on arbitrary payloads. A message that decodes
 * must re-encode to a message that decodes to the same fields, and its keystrokes must go
 * through the scan code decoder (hvi_scancode.c) without harm.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hvi_scancode.h"
#include "synthkbd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const struct synthkbd_msg *msg)
{
	uint8_t buf[SYNTHKBD_MAX_MSG_SIZE];
	int n = synthkbd_encode(buf, sizeof(buf), msg);
	if (n <= 0)
		abort(); /* whatever decodes must encode */
	struct synthkbd_msg again;
	if (synthkbd_decode(buf, (size_t)n, &again, NULL) != 0 || again.type != msg->type)
		abort();
	if (msg->type == SYNTHKBD_EVENT &&
		(again.u.event.make_code != msg->u.event.make_code ||
			again.u.event.info != msg->u.event.info))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct synthkbd_msg msg;
	const char *reason = NULL;
	if (synthkbd_decode(data, size, &msg, &reason) != 0) {
		if (!reason)
			abort(); /* every rejection names its reason */
		return 0;
	}
	check_roundtrip(&msg);
	if (msg.type != SYNTHKBD_EVENT)
		return 0;
	/* The input as a stream of keystrokes: each 2 bytes are another make code with the
	 * decoded info, so E1 sequences and fake shifts get exercised in any order. */
	struct hvi_scancode_decoder dec;
	hvi_scancode_decoder_init(&dec);
	for (size_t i = 0; i + 1 < size; i += 2) {
		struct hvi_key_event ev;
		uint16_t code = (uint16_t)(data[i] | data[i + 1] << 8);
		uint32_t info = msg.u.event.info ^ (uint32_t)(i & 0xf);
		if (hvi_scancode_decoder_feed(&dec, code, info, &ev) == HVI_SCANCODE_KEY &&
			hvi_key_to_name(ev.key) == NULL)
			abort(); /* every key we produce has a name */
	}
	return 0;
}
