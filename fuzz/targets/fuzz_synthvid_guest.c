/* Fuzz target: what a guest decodes, i.e. every host->guest synthvid message (synthvid.md §3). */
#include "fuzz_synthvid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_synthvid_one(data, size, SYNTHVID_FROM_HOST);
}
