/*
 * Client buffers: a Pixman image, shared between the client and the surfaces that show it.
 *
 * Two counts, as wlroots' wlr_buffer has: references keep the memory alive; "busy" counts the
 * committed surfaces showing it. The shim reads a busy buffer whenever it repaints, so the
 * client must wait for release() before drawing into it again.
 */
#define LOG_MODULE "shim"

#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "shim_internal.h"

static bool format_supported(pixman_format_code_t format)
{
	return format == PIXMAN_a8r8g8b8 || format == PIXMAN_x8r8g8b8;
}

int shim_buffer_create(
	struct shim_buffer **out, pixman_image_t *image, shim_buffer_release_fn release, void *data)
{
	if (!out || !image)
		return -EINVAL;
	int w = pixman_image_get_width(image);
	int h = pixman_image_get_height(image);
	pixman_format_code_t format = pixman_image_get_format(image);
	if (!format_supported(format) || w < 1 || h < 1 || w > SHIM_MAX_SIZE || h > SHIM_MAX_SIZE)
		return -EINVAL;

	struct shim_buffer *buffer = calloc(1, sizeof(*buffer));
	if (!buffer)
		return -ENOMEM;
	buffer->refs = 1;
	buffer->image = pixman_image_ref(image);
	buffer->width = w;
	buffer->height = h;
	buffer->opaque = format == PIXMAN_x8r8g8b8;
	buffer->release = release;
	buffer->release_data = data;
	*out = buffer;
	return 0;
}

void shim_buffer_set_release(struct shim_buffer *buffer, shim_buffer_release_fn release, void *data)
{
	buffer->release = release;
	buffer->release_data = data;
}

struct shim_buffer *shim_buffer_ref(struct shim_buffer *buffer)
{
	if (buffer)
		buffer->refs++;
	return buffer;
}

void shim_buffer_unref(struct shim_buffer *buffer)
{
	if (!buffer)
		return;
	if (buffer->refs <= 0) {
		log_bug_self("buffer unref below zero");
		return;
	}
	if (--buffer->refs > 0)
		return;
	pixman_image_unref(buffer->image);
	free(buffer);
}

pixman_image_t *shim_buffer_get_image(const struct shim_buffer *buffer)
{
	return buffer ? buffer->image : NULL;
}

bool shim_buffer_is_busy(const struct shim_buffer *buffer)
{
	return buffer && buffer->busy > 0;
}

void shim_buffer_lock(struct shim_buffer *buffer)
{
	buffer->busy++;
}

void shim_buffer_unlock(struct shim_buffer *buffer)
{
	if (buffer->busy <= 0) {
		log_bug_self("buffer unlocked more than locked");
		return;
	}
	if (--buffer->busy == 0 && buffer->release)
		buffer->release(buffer->release_data, buffer);
}
