/*
 * Player sink on an in-process shim surface (sink_shim.h).
 */
#include "sink_shim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"

#define N_BUFFERS 3

struct sbuf {
	struct play_buffer pb;
	struct shim_buffer *buffer;
};

struct sink_shim {
	struct shim *shim;
	struct shim_surface *surface;
	struct sbuf b[N_BUFFERS];
};

static void free_bits(pixman_image_t *image, void *data)
{
	(void)image;
	free(data);
}

static void drop_buffers(struct sink_shim *s)
{
	for (int i = 0; i < N_BUFFERS; i++) {
		shim_buffer_unref(s->b[i].buffer); // a committed one lives on in the shim
		s->b[i] = (struct sbuf){ 0 };
	}
}

/* An x8r8g8b8 image on memory aligned for the conversion's streaming stores. */
static int new_buffer(struct sbuf *b, uint32_t w, uint32_t h)
{
	size_t stride = ALIGN_UP((size_t)w * 4, 64);
	uint32_t *bits = aligned_alloc(64, stride * h);
	if (!bits)
		return -ENOMEM;
	memset(bits, 0, stride * h);
	pixman_image_t *img =
		pixman_image_create_bits(PIXMAN_x8r8g8b8, (int)w, (int)h, bits, (int)stride);
	if (!img) {
		free(bits);
		return -ENOMEM;
	}
	pixman_image_set_destroy_function(img, free_bits, bits);
	int ret = shim_buffer_create(&b->buffer, img, NULL, NULL);
	pixman_image_unref(img); // the buffer holds it
	if (ret < 0)
		return ret;
	b->pb = (struct play_buffer){ .pixels = bits, .stride = stride };
	return 0;
}

static int configure(void *data, const struct layout *l)
{
	struct sink_shim *s = data;
	drop_buffers(s);
	uint32_t w = (uint32_t)rect_width(&l->video), h = (uint32_t)rect_height(&l->video);
	for (int i = 0; i < N_BUFFERS; i++) {
		int ret = new_buffer(&s->b[i], w, h);
		if (ret < 0) {
			drop_buffers(s);
			return ret;
		}
	}
	shim_surface_set_position(s->surface, l->video.x1, l->video.y1);
	shim_surface_attach(s->surface, NULL); // nothing shows until the first frame
	return shim_surface_commit(s->surface);
}

static int acquire(void *data, struct play_buffer **out)
{
	struct sink_shim *s = data;
	struct play_buffer *free_pb[N_BUFFERS] = { 0 };
	for (int i = 0; i < N_BUFFERS; i++)
		if (s->b[i].buffer && !shim_buffer_is_busy(s->b[i].buffer))
			free_pb[i] = &s->b[i].pb;
	return play_buffer_pick(free_pb, N_BUFFERS, out);
}

static int present(void *data, struct play_buffer *pb, const struct rect *damage, size_t n)
{
	struct sink_shim *s = data;
	struct sbuf *b = container_of(pb, struct sbuf, pb);
	shim_surface_attach(s->surface, b->buffer);
	for (size_t i = 0; i < n; i++) {
		int ret = shim_surface_damage(s->surface, damage[i].x1, damage[i].y1,
			(int32_t)rect_width(&damage[i]), (int32_t)rect_height(&damage[i]));
		if (ret < 0)
			return ret;
	}
	return shim_surface_commit(s->surface);
}

const struct play_sink sink_shim_impl = {
	.configure = configure,
	.acquire = acquire,
	.present = present,
};

int sink_shim_create(struct sink_shim **out, struct shim *shim)
{
	struct sink_shim *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->shim = shim;
	int ret = shim_surface_create(shim, &s->surface);
	if (ret < 0) {
		free(s);
		return ret;
	}
	*out = s;
	return 0;
}

void sink_shim_destroy(struct sink_shim *s)
{
	if (!s)
		return;
	shim_surface_destroy(s->surface);
	drop_buffers(s);
	free(s);
}
