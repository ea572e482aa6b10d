/*
 * Player sink on a shim client surface (sink_client.h).
 */
#include "sink_client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"

#define N_BUFFERS 3
#define MAX_BARS 4

struct cbuf {
	struct play_buffer pb;
	struct shim_client_buffer *buffer;
};

struct sink_client {
	struct shim_client *client;
	uint32_t want_w, want_h;     // the window asked for; 0: fullscreen
	uint32_t window_w, window_h; // that, clipped to the output
	int32_t off_x, off_y;        // window position on the output
	struct shim_client_surface *video;
	struct cbuf b[N_BUFFERS];
	struct shim_client_surface *bar[MAX_BARS];
	struct shim_client_buffer *bar_buffer[MAX_BARS];
};

static void drop_buffers(struct sink_client *s)
{
	for (int i = 0; i < N_BUFFERS; i++) {
		shim_client_buffer_destroy(s->b[i].buffer);
		s->b[i] = (struct cbuf){ 0 };
	}
	for (int i = 0; i < MAX_BARS; i++) {
		shim_client_surface_destroy(s->bar[i]);
		shim_client_buffer_destroy(s->bar_buffer[i]);
		s->bar[i] = NULL;
		s->bar_buffer[i] = NULL;
	}
}

/* A black surface over one bar, committed once and left alone. */
static int add_bar(struct sink_client *s, int i, const struct rect *r)
{
	uint32_t w = (uint32_t)rect_width(r), h = (uint32_t)rect_height(r);
	int ret = shim_client_buffer_create(
		s->client, w, h, SHIM_CLIENT_FORMAT_XRGB8888, &s->bar_buffer[i]);
	if (ret == 0)
		ret = shim_client_surface_create(s->client, &s->bar[i]);
	if (ret < 0)
		return ret;
	memset(shim_client_buffer_data(s->bar_buffer[i]), 0,
		(size_t)shim_client_buffer_stride(s->bar_buffer[i]) * h);
	shim_client_surface_set_position(s->bar[i], r->x1 + s->off_x, r->y1 + s->off_y);
	shim_client_surface_set_z(s->bar[i], SINK_CLIENT_Z);
	shim_client_surface_set_opaque(s->bar[i], 0, 0, (int32_t)w, (int32_t)h);
	shim_client_surface_attach(s->bar[i], s->bar_buffer[i]);
	return shim_client_surface_commit(s->bar[i], false);
}

static int configure(void *data, const struct layout *l)
{
	struct sink_client *s = data;
	drop_buffers(s);
	uint32_t w = (uint32_t)rect_width(&l->video), h = (uint32_t)rect_height(&l->video);
	int ret = 0;
	for (int i = 0; i < N_BUFFERS && ret == 0; i++) {
		ret = shim_client_buffer_create(
			s->client, w, h, SHIM_CLIENT_FORMAT_XRGB8888, &s->b[i].buffer);
		if (ret == 0)
			s->b[i].pb = (struct play_buffer){
				.pixels = shim_client_buffer_data(s->b[i].buffer),
				.stride = shim_client_buffer_stride(s->b[i].buffer),
			};
	}
	bool fullscreen = s->window_w == 0;
	for (unsigned i = 0; fullscreen && i < l->n_bars && ret == 0; i++)
		ret = add_bar(s, (int)i, &l->bars[i]);
	if (ret < 0)
		return ret;
	shim_client_surface_set_position(s->video, l->video.x1 + s->off_x, l->video.y1 + s->off_y);
	shim_client_surface_set_z(s->video, SINK_CLIENT_Z);
	shim_client_surface_set_opaque(s->video, 0, 0, (int32_t)w, (int32_t)h);
	shim_client_surface_attach(s->video, NULL);
	return shim_client_surface_commit(s->video, false);
}

static int acquire(void *data, struct play_buffer **out)
{
	struct sink_client *s = data;
	struct play_buffer *free_pb[N_BUFFERS] = { 0 };
	for (int i = 0; i < N_BUFFERS; i++)
		if (s->b[i].buffer && !shim_client_buffer_is_busy(s->b[i].buffer))
			free_pb[i] = &s->b[i].pb;
	return play_buffer_pick(free_pb, N_BUFFERS, out);
}

static int present(void *data, struct play_buffer *pb, const struct rect *damage, size_t n)
{
	struct sink_client *s = data;
	struct cbuf *b = container_of(pb, struct cbuf, pb);
	int ret = shim_client_surface_attach(s->video, b->buffer);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = shim_client_surface_damage(s->video, damage[i].x1, damage[i].y1,
			(int32_t)rect_width(&damage[i]), (int32_t)rect_height(&damage[i]));
	return ret < 0 ? ret : shim_client_surface_commit(s->video, false);
}

const struct play_sink sink_client_impl = {
	.configure = configure,
	.acquire = acquire,
	.present = present,
};

void sink_client_output_resized(struct sink_client *s)
{
	if (!s->want_w)
		return;
	uint32_t ow, oh;
	shim_client_get_size(s->client, &ow, &oh);
	s->window_w = s->want_w < ow ? s->want_w : ow;
	s->window_h = s->want_h < oh ? s->want_h : oh;
	s->off_x = (int32_t)(ow - s->window_w) / 2;
	s->off_y = (int32_t)(oh - s->window_h) / 2;
}

int sink_client_create(
	struct sink_client **out, struct shim_client *client, uint32_t window_w, uint32_t window_h)
{
	struct sink_client *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->client = client;
	if (window_w && window_h) {
		s->want_w = window_w;
		s->want_h = window_h;
		sink_client_output_resized(s);
	}
	int ret = shim_client_surface_create(client, &s->video);
	if (ret < 0) {
		free(s);
		return ret;
	}
	*out = s;
	return 0;
}

void sink_client_destroy(struct sink_client *s)
{
	if (!s)
		return;
	drop_buffers(s);
	shim_client_surface_destroy(s->video);
	free(s);
}

void sink_client_get_area(const struct sink_client *s, uint32_t *w, uint32_t *h)
{
	if (s->window_w) {
		*w = s->window_w;
		*h = s->window_h;
	} else {
		shim_client_get_size(s->client, w, h);
	}
}
