/*
 * Shared body of the two synthvid fuzz targets: decode what one side sends, and for what decodes,
 * check that re-encoding gives the same message back (and the same bytes, where the wire form is
 * unique). A mismatch is our bug, not the peer's, so it aborts; rejections are fine, but must
 * name a listed reason.
 */
#ifndef HVD_FUZZ_SYNTHVID_H
#define HVD_FUZZ_SYNTHVID_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "synthvid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_synthvid_reason_listed(const char *why)
{
	for (size_t i = 0; why && synthvid_reject_reason(i); i++) {
		if (strcmp(synthvid_reject_reason(i), why) == 0)
			return true;
	}
	return false;
}

/* Bytes the encoder cannot reproduce: reserved tails (written as zero) and ignored trailers. */
static bool fuzz_synthvid_bytes_unique(const struct synthvid_msg *m)
{
	return m->type != SYNTHVID_BIOS_INFO_RESPONSE && m->type != SYNTHVID_CAPABILITY_RESPONSE;
}

static int fuzz_synthvid_one(const uint8_t *data, size_t size, enum synthvid_dir dir)
{
	static struct synthvid_msg first, again;
	static uint8_t enc[SYNTHVID_MAX_GUEST_MSG];
	const char *why = NULL;
	if (synthvid_decode(data, size, dir, &first, &why) < 0) {
		if (!fuzz_synthvid_reason_listed(why))
			abort();
		return 0;
	}
	if (why)
		abort();
	int n = synthvid_encode(enc, sizeof(enc), &first, first.vid_size);
	if (n < 0 || synthvid_encoded_size(&first) != n)
		abort();
	if (synthvid_decode(enc, (size_t)n, dir, &again, NULL) < 0)
		abort();
	if (!synthvid_msg_equal(&first, &again) || again.vid_size != first.vid_size)
		abort();
	/* The input's own length is 8 + pipe.size; when the encoding is as long, it is the same. */
	uint32_t pipe_size = (uint32_t)data[4] | (uint32_t)data[5] << 8 | (uint32_t)data[6] << 16 |
		(uint32_t)data[7] << 24;
	if ((size_t)n > 8 + (size_t)pipe_size)
		abort();
	if ((size_t)n == 8 + (size_t)pipe_size && fuzz_synthvid_bytes_unique(&first) &&
		memcmp(enc, data, (size_t)n) != 0)
		abort();
	return 0;
}

#endif
