/*
 * Test clips in memory (moving bars from y4m_synth), to corrupt and write to temporary files.
 */
#ifndef HVD_TESTS_HVPLAY_CLIP_H
#define HVD_TESTS_HVPLAY_CLIP_H

#include <stddef.h>
#include <stdint.h>

#include "y4m_synth.h"

#define CLIP_MAX_FRAMES 64

struct clip {
	uint8_t *data;
	size_t len;
	size_t header_len;
	size_t frame_off[CLIP_MAX_FRAMES]; // offset of each FRAME marker
	size_t frame_bytes;                // planes only
	unsigned frames;
	char path[64]; // set by clip_write()
};

/* Header and `frames` frames with plain "FRAME\n" headers. Aborts the test on failure. */
void clip_build(struct clip *c, const struct y4m_synth *s, unsigned frames);
/* Writes the first len bytes (or all: len SIZE_MAX) to a new temporary file, c->path. */
void clip_write(struct clip *c, size_t len);
/* Appends bytes [from, to) of the clip to its file. */
void clip_append(const struct clip *c, size_t from, size_t to);
/* Removes the file and frees the clip. */
void clip_free(struct clip *c);

#endif
