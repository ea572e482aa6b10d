/*
 * Test clips (clip.h).
 */
#include "clip.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

void clip_build(struct clip *c, const struct y4m_synth *s, unsigned frames)
{
	*c = (struct clip){ .frames = frames, .frame_bytes = y4m_synth_frame_size(s) };
	REQUIRE(frames <= CLIP_MAX_FRAMES);
	char header[256];
	int n = y4m_synth_header(s, header, sizeof(header));
	REQUIRE(n > 0);
	c->header_len = (size_t)n;
	c->len = c->header_len + frames * (6 + c->frame_bytes);
	c->data = malloc(c->len);
	REQUIRE(c->data);
	memcpy(c->data, header, c->header_len);
	size_t off = c->header_len;
	for (unsigned i = 0; i < frames; i++) {
		c->frame_off[i] = off;
		memcpy(c->data + off, "FRAME\n", 6);
		y4m_synth_frame_packed(s, i, c->data + off + 6);
		off += 6 + c->frame_bytes;
	}
}

void clip_write(struct clip *c, size_t len)
{
	strcpy(c->path, "/tmp/hvplay-test-XXXXXX");
	int fd = mkstemp(c->path);
	REQUIRE(fd >= 0);
	len = len < c->len ? len : c->len;
	REQUIRE(write(fd, c->data, len) == (ssize_t)len);
	close(fd);
}

void clip_append(const struct clip *c, size_t from, size_t to)
{
	int fd = open(c->path, O_WRONLY | O_APPEND);
	REQUIRE(fd >= 0);
	REQUIRE(write(fd, c->data + from, to - from) == (ssize_t)(to - from));
	close(fd);
}

void clip_free(struct clip *c)
{
	if (c->path[0])
		unlink(c->path);
	free(c->data);
	*c = (struct clip){ 0 };
}
