/*
 * The cursor plane: a real ARGB cursor through POINTER_SHAPE and POINTER_POSITION
 * (synthvid.md §4, §0(f)).
 *
 * A visible cursor goes as one POINTER_SHAPE with part_idx 0xFF (the whole image; chunking
 * rules are unknown) followed by POINTER_POSITION. Hiding copies hyperv_drm exactly (§6.5):
 * POINTER_POSITION(is_visible 1, 0, 0) then a 1x1 ARGB shape with data 00 01 01 01, because
 * is_visible 0 "doesn't work in tests" on Hyper-V.
 */
#define LOG_MODULE "svd"
#include <errno.h>
#include <string.h>

#include "log.h"
#include "svd_internal.h"

static const uint8_t hidden_pixel[4] = { 0x00, 0x01, 0x01, 0x01 };

int svd_cursor_check(const struct svd_device *dev, const struct svd_atomic_state *st)
{
	const struct svd_fb *fb = st->cursor_fb;
	if (!fb)
		return 0;
	if (!svd_fb_is_valid_for(fb, dev)) {
		log_debug("cursor framebuffer belongs to another device");
		return -EINVAL;
	}
	if (fb->format != SVD_FORMAT_ARGB8888) {
		log_debug("cursor format 0x%08x: only ARGB8888", fb->format);
		return -EINVAL;
	}
	if (fb->width > SVD_CURSOR_MAX_SIZE || fb->height > SVD_CURSOR_MAX_SIZE) {
		log_debug("cursor %ux%u is over %dx%d", fb->width, fb->height, SVD_CURSOR_MAX_SIZE,
			SVD_CURSOR_MAX_SIZE);
		return -EINVAL;
	}
	if (st->cursor_hot_x >= fb->width || st->cursor_hot_y >= fb->height) {
		log_debug("cursor hotspot %u,%u outside its %ux%u image", st->cursor_hot_x,
			st->cursor_hot_y, fb->width, fb->height);
		return -EINVAL;
	}
	size_t bytes = synthvid_cursor_data_size(fb->width, fb->height, true);
	if (bytes > dev->opts.max_cursor_bytes) {
		log_debug("cursor %ux%u needs %zu bytes, over the %u-byte limit: use a software "
			  "cursor",
			fb->width, fb->height, bytes, dev->opts.max_cursor_bytes);
		return -EINVAL;
	}
	return 0;
}

static int send_position(struct svd_device *dev, bool shown)
{
	struct synthvid_msg msg = { .type = SYNTHVID_POINTER_POSITION };
	msg.pointer_position = (struct synthvid_pointer_position){
		.is_visible = 1,
		.video_output = 0,
		.image_x = shown ? dev->cur.cursor_x : 0,
		.image_y = shown ? dev->cur.cursor_y : 0,
	};
	int ret = svd_send(dev, &msg);
	if (ret == 0)
		dev->stats.tx_pointer_positions++;
	return ret;
}

static int send_shape(struct svd_device *dev, bool shown)
{
	struct synthvid_msg msg = { .type = SYNTHVID_POINTER_SHAPE };
	struct synthvid_pointer_shape *s = &msg.pointer_shape;
	s->part_idx = SYNTHVID_CURSOR_COMPLETE;
	s->is_argb = 1;
	if (shown) {
		const struct svd_fb *fb = dev->cur.cursor;
		size_t row = (size_t)fb->width * 4u;
		/* The image goes with its minimal stride (§4): pack the rows. */
		for (uint32_t y = 0; y < fb->height; y++)
			memcpy(dev->cursor_buf + y * row, fb->data + (size_t)y * fb->pitch, row);
		s->width = fb->width;
		s->height = fb->height;
		s->hot_x = dev->cur.hot_x;
		s->hot_y = dev->cur.hot_y;
		s->data = dev->cursor_buf;
		s->data_len = row * fb->height;
	} else {
		s->width = 1;
		s->height = 1;
		s->data = hidden_pixel;
		s->data_len = sizeof(hidden_pixel);
	}
	int ret = svd_send(dev, &msg);
	if (ret == 0)
		dev->stats.tx_pointer_shapes++;
	return ret;
}

int svd_cursor_flush(struct svd_device *dev)
{
	bool shown = dev->cur.cursor != NULL;
	/* Hidden: position first, as Linux does; shown: the image first, then where it goes. */
	for (int step = 0; step < 2; step++) {
		bool do_shape = shown ? step == 0 : step == 1;
		bool *owed = do_shape ? &dev->need_cursor_shape : &dev->need_cursor_pos;
		if (!*owed)
			continue;
		int ret = do_shape ? send_shape(dev, shown) : send_position(dev, shown);
		if (ret < 0)
			return ret;
		*owed = false;
	}
	return 0;
}
