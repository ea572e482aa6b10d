/* Framebuffers: size, format, pitch and offset checks, and reference counting. */
#define LOG_MODULE "svd"
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "svd_internal.h"

static int check_layout(
	uint32_t width, uint32_t height, uint32_t format, uint32_t pitch, size_t offset)
{
	if (width == 0 || height == 0 || width > SVD_MAX_DIMENSION || height > SVD_MAX_DIMENSION) {
		log_error("framebuffer %ux%u: each side must be 1..%u", width, height,
			SVD_MAX_DIMENSION);
		return -EINVAL;
	}
	if (format != SVD_FORMAT_XRGB8888 && format != SVD_FORMAT_ARGB8888) {
		log_error("framebuffer format 0x%08x: only XRGB8888 and ARGB8888", format);
		return -EINVAL;
	}
	if (pitch < width * 4u) {
		log_error("framebuffer pitch %u is below width * 4 = %u", pitch, width * 4u);
		return -EINVAL;
	}
	/* The last byte must be addressable: offset + pitch * (height - 1) + width * 4. */
	size_t rows = (size_t)pitch * (height - 1u) + (size_t)width * 4u;
	if (offset > SIZE_MAX - rows) {
		log_error("framebuffer offset %zu makes it larger than memory", offset);
		return -EINVAL;
	}
	return 0;
}

int svd_fb_create(struct svd_fb **out, struct svd_device *dev, uint32_t width, uint32_t height,
	uint32_t format, uint32_t pitch, size_t offset, void *pixels)
{
	if (!out || !dev)
		return -EINVAL;
	if (pitch == 0)
		pitch = width * 4u;
	int ret = check_layout(width, height, format, pitch, offset);
	if (ret < 0)
		return ret;

	struct svd_fb *fb = calloc(1, sizeof(*fb));
	if (!fb)
		return -ENOMEM;
	if (!pixels) {
		fb->owned = calloc(1, offset + (size_t)pitch * height);
		if (!fb->owned) {
			free(fb);
			return -ENOMEM;
		}
		pixels = fb->owned;
	}
	fb->dev = dev;
	fb->refcount = 1;
	fb->width = width;
	fb->height = height;
	fb->format = format;
	fb->pitch = pitch;
	fb->data = (uint8_t *)pixels + offset;
	*out = fb;
	return 0;
}

struct svd_fb *svd_fb_ref(struct svd_fb *fb)
{
	if (fb)
		fb->refcount++;
	return fb;
}

void svd_fb_unref(struct svd_fb *fb)
{
	if (!fb || --fb->refcount > 0)
		return;
	free(fb->owned);
	free(fb);
}

uint8_t *svd_fb_data(const struct svd_fb *fb)
{
	return fb->data;
}

uint32_t svd_fb_width(const struct svd_fb *fb)
{
	return fb->width;
}

uint32_t svd_fb_height(const struct svd_fb *fb)
{
	return fb->height;
}

uint32_t svd_fb_pitch(const struct svd_fb *fb)
{
	return fb->pitch;
}

uint32_t svd_fb_format(const struct svd_fb *fb)
{
	return fb->format;
}

bool svd_fb_is_valid_for(const struct svd_fb *fb, const struct svd_device *dev)
{
	return fb && fb->dev == dev && fb->refcount > 0;
}
