/*
 * Atomic test and commit, and the ordered flush of what the host is owed.
 *
 * As in KMS, the test shares its checks with mode_valid() and has no side effects, so test then
 * commit behaves exactly as commit alone. A commit applies the state locally first (references,
 * VRAM), then owes the host messages that svd_flush() sends in protocol order: the cursor,
 * SITUATION_UPDATE, DIRT. A full ring stops the flush where it is; the rest waits for ring space
 * (the channel fd signals it) and DIRT merges with later damage meanwhile. So once the test
 * passes, a commit cannot fail.
 */
#define LOG_MODULE "svd"
#include <errno.h>

#include "log.h"
#include "svd_internal.h"

static int check_planes(const struct svd_device *dev, const struct svd_atomic_state *st)
{
	if (!st->active) {
		if (st->primary_fb || st->cursor_fb) {
			log_debug("planes need an active CRTC");
			return -EINVAL;
		}
		return 0;
	}
	int ret = svd_connector_mode_valid(&dev->conn, st->mode.width, st->mode.height);
	if (ret < 0) {
		log_debug("mode %ux%u is not valid here: %d", st->mode.width, st->mode.height, ret);
		return ret;
	}
	const struct svd_fb *fb = st->primary_fb;
	if (!fb || !svd_fb_is_valid_for(fb, dev)) {
		log_debug("an active CRTC needs a primary framebuffer of this device");
		return -EINVAL;
	}
	if ((uint64_t)st->src_x + st->mode.width > fb->width ||
		(uint64_t)st->src_y + st->mode.height > fb->height) {
		log_debug("framebuffer %ux%u at %u,%u does not cover the %ux%u mode (no scaling)",
			fb->width, fb->height, st->src_x, st->src_y, st->mode.width,
			st->mode.height);
		return -EINVAL;
	}
	return 0;
}

int svd_atomic_test(struct svd_device *dev, const struct svd_atomic_state *st)
{
	if (!dev || !st)
		return -EINVAL;
	if (st->damage_count > 0 && !st->damage)
		return -EINVAL;
	int ret = check_planes(dev, st);
	if (ret < 0)
		return ret;
	return svd_cursor_check(dev, st);
}

void svd_state_release(struct svd_state *st)
{
	svd_fb_unref(st->primary);
	svd_fb_unref(st->cursor);
	*st = (struct svd_state){ 0 };
}

static struct svd_state state_from(const struct svd_atomic_state *st)
{
	if (!st->active)
		return (struct svd_state){ 0 };
	return (struct svd_state){
		.active = true,
		.width = st->mode.width,
		.height = st->mode.height,
		.primary = st->primary_fb,
		.src_x = st->src_x,
		.src_y = st->src_y,
		.cursor = st->cursor_fb,
		.cursor_x = st->cursor_fb ? st->cursor_x : 0,
		.cursor_y = st->cursor_fb ? st->cursor_y : 0,
		.hot_x = st->cursor_fb ? st->cursor_hot_x : 0,
		.hot_y = st->cursor_fb ? st->cursor_hot_y : 0,
	};
}

static struct rect screen_of(const struct svd_state *st)
{
	return (struct rect){ 0, 0, (int32_t)st->width, (int32_t)st->height };
}

/* The commit's damage in screen coordinates, into dev->scratch. */
static void commit_damage(struct svd_device *dev, const struct svd_state *next,
	const struct svd_atomic_state *st, bool full)
{
	struct svd_damage *d = &dev->scratch;
	svd_damage_clear(d);
	struct rect screen = screen_of(next);
	if (full || st->damage_count == 0) {
		if (full)
			svd_damage_add(d, &screen);
		return;
	}
	struct rect src = { (int32_t)next->src_x, (int32_t)next->src_y,
		(int32_t)(next->src_x + next->width), (int32_t)(next->src_y + next->height) };
	svd_damage_add_clips(d, st->damage, st->damage_count, &src);
	svd_damage_normalize(d, SVD_MAX_PENDING_RECTS, &screen);
}

/* What the host needs to hear about the cursor when going from cur to next. */
static void owe_cursor(struct svd_device *dev, const struct svd_state *cur,
	const struct svd_state *next, bool image_changed)
{
	if (!next->cursor) {
		if (cur->cursor) /* hiding takes both messages */
			dev->need_cursor_shape = dev->need_cursor_pos = true;
		return;
	}
	if (next->cursor != cur->cursor || next->hot_x != cur->hot_x || next->hot_y != cur->hot_y ||
		image_changed)
		dev->need_cursor_shape = true;
	if (!cur->cursor || next->cursor_x != cur->cursor_x || next->cursor_y != cur->cursor_y)
		dev->need_cursor_pos = true;
}

static void add_pending(struct svd_device *dev, const struct svd_damage *d)
{
	struct rect screen = screen_of(&dev->cur);
	bool merge = dev->pending.count > 0; /* d alone is normalized already */
	for (size_t i = 0; i < d->count; i++) {
		if (svd_damage_add(&dev->pending, &d->rects[i]) < 0) {
			/* No memory to remember the pieces: remember everything instead. */
			svd_damage_clear(&dev->pending);
			svd_damage_add(&dev->pending, &screen);
			return;
		}
	}
	if (merge)
		svd_damage_normalize(&dev->pending, SVD_MAX_PENDING_RECTS, &screen);
}

int svd_atomic_commit(struct svd_device *dev, const struct svd_atomic_state *st)
{
	int ret = svd_atomic_test(dev, st);
	if (ret < 0)
		return ret;

	struct svd_state next = state_from(st), *cur = &dev->cur;
	bool modeset = next.active &&
		(!cur->active || next.width != cur->width || next.height != cur->height);
	bool moved = next.src_x != cur->src_x || next.src_y != cur->src_y;
	bool new_fb = next.primary != cur->primary;
	bool full = modeset || moved || (new_fb && st->damage_count == 0);

	if (next.active) {
		commit_damage(dev, &next, st, full);
		if (modeset) /* as hyperv_drm's CRTC enable: the cursor state and the mode */
			dev->need_situation = dev->need_cursor_shape = dev->need_cursor_pos = true;
		owe_cursor(dev, cur, &next, st->cursor_changed);
	}
	svd_fb_ref(next.primary);
	svd_fb_ref(next.cursor);
	svd_state_release(cur);
	*cur = next;

	if (cur->active && dev->ready) {
		dev->stats.blit_bytes += svd_blit(dev->vram, cur->width * 4u, cur->primary,
			cur->src_x, cur->src_y, dev->scratch.rects, dev->scratch.count);
		if (full) /* what waited is covered, and may lie outside a smaller new mode */
			svd_damage_clear(&dev->pending);
		add_pending(dev, &dev->scratch);
	}
	svd_flush(dev);
	return 0;
}

void svd_repaint(struct svd_device *dev, bool reblit)
{
	struct svd_state *cur = &dev->cur;
	if (!cur->active)
		return;
	if (svd_connector_mode_valid(&dev->conn, cur->width, cur->height) < 0) {
		log_warn("mode %ux%u no longer fits this host: nothing shown until the next commit",
			cur->width, cur->height);
		svd_state_release(cur);
		return;
	}
	dev->stats.full_repaints++;
	dev->need_situation = dev->need_cursor_shape = dev->need_cursor_pos = true;
	struct rect screen = screen_of(cur);
	if (reblit && dev->vram) {
		dev->stats.blit_bytes += svd_blit(dev->vram, cur->width * 4u, cur->primary,
			cur->src_x, cur->src_y, &screen, 1);
	}
	svd_damage_clear(&dev->pending);
	svd_damage_add(&dev->pending, &screen);
}

static int send_situation(struct svd_device *dev)
{
	/* The VRAM layout is ours to choose: the mode at offset 0, pitch width * 4. */
	struct synthvid_msg msg = { .type = SYNTHVID_SITUATION_UPDATE };
	msg.situation_update.user_ctx = 0;
	msg.situation_update.video_output_count = 1;
	msg.situation_update.outputs[0] = (struct synthvid_video_output){
		.active = 1,
		.vram_offset = 0,
		.depth_bits = 32,
		.width = dev->cur.width,
		.height = dev->cur.height,
		.pitch = dev->cur.width * 4u,
	};
	int ret = svd_send(dev, &msg);
	if (ret == 0)
		dev->stats.tx_situations++;
	return ret;
}

void svd_flush(struct svd_device *dev)
{
	if (!dev->ready || !dev->ch)
		return;
	if (dev->repaint_pending) {
		dev->repaint_pending = false;
		svd_repaint(dev, false);
	}
	if (!dev->cur.active) {
		/* Nothing shown: nothing to tell (no driver ever sends active = 0, §6.3). */
		svd_damage_clear(&dev->pending);
		dev->need_situation = dev->need_cursor_shape = dev->need_cursor_pos = false;
		return;
	}
	/* hyperv_drm's CRTC enable order (§6.3, §10): the cursor, then the mode, then DIRT. */
	if (svd_cursor_flush(dev) < 0)
		return;
	if (dev->need_situation) {
		if (send_situation(dev) < 0)
			return;
		dev->need_situation = false;
	}
	if (!dev->dirt_needed) {
		/* VRAM is up to date; the host asks for everything when it needs DIRT again. */
		svd_damage_clear(&dev->pending);
		return;
	}
	svd_damage_flush(dev);
}
