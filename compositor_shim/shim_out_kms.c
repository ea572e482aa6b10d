/*
 * The kms output: a kernel DRM device (hyperv_drm in a Hyper-V VM, virtio-gpu under QEMU)
 * through libdrm, behind the injected shim_kms_iface.
 *
 * Atomic drivers get two dumb buffers flipped by non-blocking atomic commits; the page-flip
 * event is the frame-done that paces the shim, and each commit carries FB_DAMAGE_CLIPS when the
 * primary plane has it (hyperv_drm then copies only those rectangles to the host's VRAM).
 * Drivers without atomic get one dumb buffer, set once with SetCrtc, and every frame's damage as
 * drmModeDirtyFB clips; there is no event, so the frame completes at once and pacing falls back
 * to the refresh timer.
 *
 * We become DRM master at start and restore the CRTC we found (framebuffer, position, mode) at
 * exit, so the console the kernel or another program showed comes back.
 */
#define LOG_MODULE "shim-kms"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "log.h"
#include "macros.h"
#include "shim_internal.h"
#include "shim_kms_probe.h"

#define MAX_PROPS 40

struct kms_bo {
	uint32_t handle, pitch, fb;
	uint64_t size;
	void *map;
};

struct kms_output {
	struct shim_output base;
	const struct shim_kms_iface *iface;
	void *ctx;
	struct kms_device dev;
	struct kms_selection sel;
	struct kms_crtc saved; // the CRTC as we found it
	bool master;
	uint32_t mode_blob; // MODE_ID of the mode shown (atomic)
	struct kms_bo cursor_bo;
	bool cursor_shown;
	bool flip_pending;
	int event_fd; // legacy: frame-done right after SetCrtc or DirtyFB
};

static const struct shim_output_impl kms_impl;

static struct kms_output *to_kms(struct shim_output *out)
{
	if (out->impl != &kms_impl) {
		log_bug_self("not a kms output");
		abort();
	}
	return container_of(out, struct kms_output, base);
}

/* ---- Dumb buffers ------------------------------------------------------------------------ */

static void bo_destroy(struct kms_output *k, struct kms_bo *bo)
{
	if (bo->fb)
		k->iface->rm_fb(k->ctx, bo->fb);
	if (bo->map)
		k->iface->unmap_dumb(k->ctx, bo->map, bo->size);
	if (bo->handle)
		k->iface->destroy_dumb(k->ctx, bo->handle);
	*bo = (struct kms_bo){ 0 };
}

static int bo_create(
	struct kms_output *k, struct kms_bo *bo, uint32_t w, uint32_t h, uint32_t format)
{
	*bo = (struct kms_bo){ 0 };
	int ret = k->iface->create_dumb(k->ctx, w, h, 32, &bo->handle, &bo->pitch, &bo->size);
	if (ret < 0)
		return ret;
	bo->map = k->iface->map_dumb(k->ctx, bo->handle, bo->size);
	ret = bo->map ? k->iface->add_fb(k->ctx, w, h, format, bo->handle, bo->pitch, &bo->fb)
		      : -ENOMEM;
	if (ret < 0)
		bo_destroy(k, bo);
	return ret;
}

static int kms_buffer_create(
	struct shim_output *out, struct shim_output_buffer *buf, uint32_t w, uint32_t h)
{
	struct kms_output *k = to_kms(out);
	struct kms_bo *bo = calloc(1, sizeof(*bo));
	if (!bo)
		return -ENOMEM;
	int ret = bo_create(k, bo, w, h, DRM_FORMAT_XRGB8888);
	if (ret < 0) {
		log_error("cannot make a %ux%u dumb buffer: %s", w, h, strerror(-ret));
		free(bo);
		return ret;
	}
	buf->image =
		pixman_image_create_bits(PIXMAN_x8r8g8b8, (int)w, (int)h, bo->map, (int)bo->pitch);
	if (!buf->image) {
		bo_destroy(k, bo);
		free(bo);
		return -ENOMEM;
	}
	buf->priv = bo;
	return 0;
}

static void kms_buffer_destroy(struct shim_output *out, struct shim_output_buffer *buf)
{
	struct kms_output *k = to_kms(out);
	pixman_image_unref(buf->image);
	bo_destroy(k, buf->priv);
	free(buf->priv);
}

/* The cursor image, copied into the top-left of the cursor buffer (the rest transparent). */
static void upload_cursor(struct kms_output *k, pixman_image_t *image)
{
	struct kms_bo *bo = &k->cursor_bo;
	pixman_image_t *dst = pixman_image_create_bits(PIXMAN_a8r8g8b8, (int)k->base.cursor_w,
		(int)k->base.cursor_h, bo->map, (int)bo->pitch);
	if (!dst)
		return;
	pixman_color_t clear = { 0 };
	pixman_box32_t all = { 0, 0, (int32_t)k->base.cursor_w, (int32_t)k->base.cursor_h };
	pixman_image_fill_boxes(PIXMAN_OP_SRC, dst, &clear, 1, &all);
	pixman_image_composite32(PIXMAN_OP_SRC, image, NULL, dst, 0, 0, 0, 0, 0, 0,
		pixman_image_get_width(image), pixman_image_get_height(image));
	pixman_image_unref(dst);
}

static bool cursor_fits(const struct kms_output *k, const struct shim_cursor_state *c)
{
	return !c->image ||
		((uint32_t)pixman_image_get_width(c->image) <= k->base.cursor_w &&
			(uint32_t)pixman_image_get_height(c->image) <= k->base.cursor_h);
}

/* ---- Modes ------------------------------------------------------------------------------- */

static const drmModeModeInfo *mode_info(const struct kms_output *k, const struct shim_mode *m)
{
	const struct kms_connector *conn = k->sel.connector;
	for (int i = 0; i < conn->n_modes; i++) {
		const drmModeModeInfo *d = &conn->modes[i];
		if (d->hdisplay == m->width && d->vdisplay == m->height &&
			d->vrefresh * 1000 == m->refresh_mhz)
			return d;
	}
	return kms_find_mode(conn, m->width, m->height);
}

static bool kms_mode_valid(struct shim_output *out, const struct shim_mode *m)
{
	return mode_info(to_kms(out), m) != NULL;
}

/* ---- Atomic ------------------------------------------------------------------------------ */

struct prop_list {
	struct shim_kms_prop p[MAX_PROPS];
	size_t n;
};

static void add(
	struct prop_list *l, uint32_t object, const uint32_t *props, enum kms_prop prop, uint64_t v)
{
	if (props[prop] && l->n < MAX_PROPS)
		l->p[l->n++] = (struct shim_kms_prop){ object, props[prop], v };
}

static void add_plane(struct prop_list *l, const struct kms_plane *p, uint32_t crtc, uint32_t fb,
	int32_t x, int32_t y, uint32_t w, uint32_t h)
{
	add(l, p->id, p->props, KMS_PROP_FB_ID, fb);
	add(l, p->id, p->props, KMS_PROP_CRTC_ID, fb ? crtc : 0);
	if (!fb)
		return;
	add(l, p->id, p->props, KMS_PROP_SRC_X, 0);
	add(l, p->id, p->props, KMS_PROP_SRC_Y, 0);
	add(l, p->id, p->props, KMS_PROP_SRC_W, (uint64_t)w << 16);
	add(l, p->id, p->props, KMS_PROP_SRC_H, (uint64_t)h << 16);
	add(l, p->id, p->props, KMS_PROP_CRTC_X, (uint64_t)(int64_t)x);
	add(l, p->id, p->props, KMS_PROP_CRTC_Y, (uint64_t)(int64_t)y);
	add(l, p->id, p->props, KMS_PROP_CRTC_W, w);
	add(l, p->id, p->props, KMS_PROP_CRTC_H, h);
}

/* FB_DAMAGE_CLIPS: drm_mode_rect {x1, y1, x2, y2}, what changed in the new framebuffer. */
static int damage_blob(struct kms_output *k, const pixman_region32_t *damage, uint32_t *id)
{
	int n;
	const pixman_box32_t *r = pixman_region32_rectangles((pixman_region32_t *)damage, &n);
	if (n == 0)
		return 0;
	struct drm_mode_rect *rects = calloc((size_t)n, sizeof(*rects));
	if (!rects)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		rects[i] = (struct drm_mode_rect){ r[i].x1, r[i].y1, r[i].x2, r[i].y2 };
	int ret = k->iface->create_blob(k->ctx, rects, sizeof(*rects) * (size_t)n, id);
	free(rects);
	return ret;
}

static void add_cursor(struct kms_output *k, struct prop_list *l, const struct shim_cursor_state *c)
{
	const struct kms_plane *p = k->sel.cursor;
	uint32_t fb = c->image ? k->cursor_bo.fb : 0;
	add_plane(l, p, k->sel.crtc->id, fb, c->x, c->y, k->base.cursor_w, k->base.cursor_h);
	if (fb) {
		add(l, p->id, p->props, KMS_PROP_HOTSPOT_X, (uint64_t)c->hot_x);
		add(l, p->id, p->props, KMS_PROP_HOTSPOT_Y, (uint64_t)c->hot_y);
	}
}

static int atomic_commit(struct kms_output *k, const struct shim_output_state *st, bool test_only)
{
	const struct kms_selection *sel = &k->sel;
	struct prop_list l = { .n = 0 };
	uint32_t mode_blob = 0, clips = 0;
	uint32_t flags = test_only ? DRM_MODE_ATOMIC_TEST_ONLY
				   : DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
	int ret = 0;
	if (st->modeset) {
		const drmModeModeInfo *m = mode_info(k, &k->base.mode);
		ret = m ? k->iface->create_blob(k->ctx, m, sizeof(*m), &mode_blob) : -EINVAL;
		if (ret < 0)
			return ret;
		add(&l, sel->connector->id, sel->connector->props, KMS_PROP_CRTC_ID, sel->crtc->id);
		add(&l, sel->crtc->id, sel->crtc->props, KMS_PROP_MODE_ID, mode_blob);
		add(&l, sel->crtc->id, sel->crtc->props, KMS_PROP_ACTIVE, 1);
		flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
	}
	if (st->buffer) {
		const struct kms_bo *bo = st->buffer->priv;
		add_plane(&l, sel->primary, sel->crtc->id, bo->fb, 0, 0, k->base.mode.width,
			k->base.mode.height);
		/* A modeset repaints everything anyway: no clips means the whole plane. */
		if (sel->damage_clips && !st->modeset && !test_only)
			ret = damage_blob(k, st->damage, &clips);
		if (clips)
			add(&l, sel->primary->id, sel->primary->props, KMS_PROP_FB_DAMAGE_CLIPS,
				clips);
	}
	if (sel->cursor && (st->cursor || st->modeset)) {
		static const struct shim_cursor_state hidden = { 0 };
		const struct shim_cursor_state *c = st->cursor ? st->cursor : &hidden;
		if (!test_only && c->image && c->image_changed)
			upload_cursor(k, c->image);
		add_cursor(k, &l, c);
	}
	if (ret == 0)
		ret = k->iface->atomic_commit(k->ctx, l.p, l.n, flags, k);
	/* The commit holds its own reference to the clips. */
	if (clips)
		k->iface->destroy_blob(k->ctx, clips);
	if (ret < 0 || test_only) {
		if (mode_blob)
			k->iface->destroy_blob(k->ctx, mode_blob);
		return ret;
	}
	if (mode_blob) {
		if (k->mode_blob)
			k->iface->destroy_blob(k->ctx, k->mode_blob);
		k->mode_blob = mode_blob;
	}
	if (st->cursor)
		k->cursor_shown = st->cursor->image != NULL;
	k->flip_pending = true;
	return 0;
}

/* ---- Legacy ------------------------------------------------------------------------------- */

static int legacy_cursor(struct kms_output *k, const struct shim_cursor_state *c)
{
	uint32_t crtc = k->sel.crtc->id;
	int ret = 0;
	if (!c->image) {
		if (k->cursor_shown)
			ret = k->iface->set_cursor(k->ctx, crtc, 0, 0, 0, 0, 0);
		k->cursor_shown = false;
		return ret;
	}
	if (c->image_changed || !k->cursor_shown) {
		upload_cursor(k, c->image);
		ret = k->iface->set_cursor(k->ctx, crtc, k->cursor_bo.handle, k->base.cursor_w,
			k->base.cursor_h, c->hot_x, c->hot_y);
		if (ret < 0)
			return ret;
		k->cursor_shown = true;
	}
	return k->iface->move_cursor(k->ctx, crtc, c->x, c->y);
}

static int legacy_damage(struct kms_output *k, uint32_t fb, const pixman_region32_t *damage)
{
	int n;
	const pixman_box32_t *r = pixman_region32_rectangles((pixman_region32_t *)damage, &n);
	drmModeClip clips[SHIM_DAMAGE_MAX_RECTS];
	n = MIN(n, (int)ARRAY_LEN(clips));
	for (int i = 0; i < n; i++) {
		clips[i] = (drmModeClip){ (uint16_t)r[i].x1, (uint16_t)r[i].y1, (uint16_t)r[i].x2,
			(uint16_t)r[i].y2 };
	}
	int ret = n ? k->iface->dirty_fb(k->ctx, fb, clips, (uint32_t)n) : 0;
	/* Drivers that scan the dumb buffer out directly have no dirty hook: nothing to do. */
	return ret == -ENOSYS || ret == -EOPNOTSUPP ? 0 : ret;
}

static int legacy_commit(struct kms_output *k, const struct shim_output_state *st, bool test_only)
{
	if (st->cursor && (!k->sel.cursor || !cursor_fits(k, st->cursor)))
		return -EINVAL;
	if (test_only)
		return 0;
	int ret = 0;
	if (st->modeset) {
		const struct kms_bo *bo = st->buffer->priv;
		drmModeModeInfo mode = *mode_info(k, &k->base.mode);
		uint32_t conn = k->sel.connector->id;
		ret = k->iface->set_crtc(k->ctx, k->sel.crtc->id, bo->fb, 0, 0, &conn, 1, &mode);
	} else if (st->buffer) {
		ret = legacy_damage(k, ((const struct kms_bo *)st->buffer->priv)->fb, st->damage);
	}
	if (ret == 0 && st->cursor)
		ret = legacy_cursor(k, st->cursor);
	if (ret < 0)
		return ret;
	uint64_t one = 1;
	if (write(k->event_fd, &one, sizeof(one)) != sizeof(one))
		log_bug_self("eventfd: %s", strerror(errno));
	return 0;
}

/* ---- The output ----------------------------------------------------------------------------- */

static int kms_commit(struct shim_output *out, const struct shim_output_state *st, bool test_only)
{
	struct kms_output *k = to_kms(out);
	if (!k->master)
		return -EACCES;
	if (st->cursor && st->cursor->image && !cursor_fits(k, st->cursor))
		return -EINVAL;
	return k->dev.atomic ? atomic_commit(k, st, test_only) : legacy_commit(k, st, test_only);
}

static void on_flip(int fd, unsigned seq, unsigned sec, unsigned usec, unsigned crtc, void *data)
{
	struct kms_output *k = data;
	k->flip_pending = false;
	shim_output_frame_done(&k->base, (uint64_t)sec * 1000000000u + (uint64_t)usec * 1000u);
}

static int kms_dispatch(struct shim_output *out)
{
	struct kms_output *k = to_kms(out);
	if (!k->dev.atomic) {
		uint64_t n;
		if (read(k->event_fd, &n, sizeof(n)) != sizeof(n))
			return errno == EAGAIN ? 0 : -errno;
		shim_output_frame_done(out, 0);
		return 0;
	}
	if (!k->flip_pending)
		return 0;
	drmEventContext ev = { .version = 3, .page_flip_handler2 = on_flip };
	int ret = k->iface->handle_event(k->ctx, &ev);
	return ret == -EAGAIN ? 0 : ret;
}

static int kms_get_fd(struct shim_output *out)
{
	struct kms_output *k = to_kms(out);
	return k->dev.atomic ? k->iface->get_fd(k->ctx) : k->event_fd;
}

static int kms_set_active(struct shim_output *out, bool active)
{
	struct kms_output *k = to_kms(out);
	int ret = active ? k->iface->set_master(k->ctx) : k->iface->drop_master(k->ctx);
	if (ret < 0) {
		log_error("cannot %s DRM master: %s", active ? "become" : "drop", strerror(-ret));
		return active ? -EACCES : ret;
	}
	k->master = active;
	/* Whoever had the device meanwhile may have moved or hidden our cursor. */
	k->cursor_shown = false;
	return 0;
}

/* ---- Start and exit --------------------------------------------------------------------------- */

/* A restore must not race our last flip (the kernel would say -EBUSY). */
static void wait_for_flip(struct kms_output *k)
{
	for (int i = 0; i < 10 && k->flip_pending; i++) {
		struct pollfd pfd = { k->iface->get_fd(k->ctx), POLLIN, 0 };
		if (poll(&pfd, 1, 100) > 0)
			kms_dispatch(&k->base);
	}
}

static void restore_crtc(struct kms_output *k)
{
	const struct kms_crtc *c = &k->saved;
	uint32_t conn = k->sel.connector->id;
	if (k->cursor_shown && k->dev.atomic) {
		struct prop_list l = { .n = 0 };
		add_plane(&l, k->sel.cursor, 0, 0, 0, 0, 0, 0);
		k->iface->atomic_commit(k->ctx, l.p, l.n, 0, NULL);
	} else if (k->cursor_shown) {
		k->iface->set_cursor(k->ctx, c->id, 0, 0, 0, 0, 0);
	}
	drmModeModeInfo mode = c->mode;
	int ret = c->mode_valid && c->fb
		? k->iface->set_crtc(
			  k->ctx, c->id, c->fb, (uint32_t)c->x, (uint32_t)c->y, &conn, 1, &mode)
		: k->iface->set_crtc(k->ctx, c->id, 0, 0, 0, NULL, 0, NULL);
	if (ret < 0)
		log_warn("cannot restore CRTC %u: %s", c->id, strerror(-ret));
}

static void kms_destroy(struct shim_output *out)
{
	struct kms_output *k = to_kms(out);
	wait_for_flip(k);
	if (k->master) {
		restore_crtc(k);
		k->iface->drop_master(k->ctx);
	}
	shim_output_finish(out);
	bo_destroy(k, &k->cursor_bo);
	if (k->mode_blob)
		k->iface->destroy_blob(k->ctx, k->mode_blob);
	close(k->event_fd);
	k->iface->destroy(k->ctx);
	free(k);
}

static const struct shim_output_impl kms_impl = {
	.name = "kms",
	.destroy = kms_destroy,
	.buffer_create = kms_buffer_create,
	.buffer_destroy = kms_buffer_destroy,
	.commit = kms_commit,
	.mode_valid = kms_mode_valid,
	.get_fd = kms_get_fd,
	.dispatch = kms_dispatch,
	.set_active = kms_set_active,
};

static int setup(struct kms_output *k, const struct shim_kms_options *opts)
{
	int ret = kms_probe(k->iface, k->ctx, opts->force_legacy, &k->dev);
	if (ret < 0)
		return ret;
	if (!k->dev.dumb) {
		log_error("the driver has no dumb buffers");
		return -ENOENT;
	}
	ret = kms_select(&k->dev, opts->connector, opts->width, opts->height, &k->sel);
	if (ret < 0)
		return ret;
	/*
	 * Atomic without FB_DAMAGE_CLIPS on the primary plane (virtio-gpu before Linux 6.4, seen on
	 * Debian 12's 6.1) flips whole buffers: the driver must assume everything changed and
	 * flushes the full screen every frame. One buffer with DirtyFB keeps the damage exact,
	 * because the kernel turns DirtyFB clips into plane damage itself. hyperv_drm has the
	 * property, so the atomic path stays on Hyper-V.
	 */
	if (k->dev.atomic && !k->sel.damage_clips) {
		log_info("%s: the primary plane has no FB_DAMAGE_CLIPS; using SetCrtc + DirtyFB so "
			 "only damage is flushed",
			k->sel.connector->name);
		k->dev.atomic = false;
	}
	k->saved = *k->sel.crtc;
	struct shim_mode modes[KMS_MAX_MODES];
	int n = kms_modes(k->sel.connector, modes, KMS_MAX_MODES);
	ret = shim_output_set_modes(&k->base, modes, (size_t)n);
	if (ret < 0)
		return ret;
	const drmModeModeInfo *m = &k->sel.mode;
	k->base.mode = (struct shim_mode){ m->hdisplay, m->vdisplay, m->vrefresh * 1000,
		(m->type & DRM_MODE_TYPE_PREFERRED) != 0 };
	k->base.vsync = k->dev.atomic;
	k->base.cursor_w = k->dev.cursor_w;
	k->base.cursor_h = k->dev.cursor_h;
	if (k->sel.cursor &&
		bo_create(k, &k->cursor_bo, k->dev.cursor_w, k->dev.cursor_h,
			DRM_FORMAT_ARGB8888) == 0)
		k->base.has_cursor_plane = true;
	ret = k->iface->set_master(k->ctx);
	if (ret < 0) {
		log_error("cannot become DRM master: %s", strerror(-ret));
		return -EACCES;
	}
	k->master = true;
	log_info("%s on CRTC %u, %ux%u@%u, %s%s, cursor %s", k->sel.connector->name,
		k->sel.crtc->id, m->hdisplay, m->vdisplay, m->vrefresh,
		k->dev.atomic ? "atomic" : "legacy",
		k->dev.atomic && k->sel.damage_clips ? " with damage clips" : "",
		k->base.has_cursor_plane ? "on a plane" : "in software");
	return 0;
}

int shim_output_kms_create_with(struct shim_output **out, const struct shim_kms_iface *iface,
	void *ctx, const struct shim_kms_options *opts)
{
	static const struct shim_kms_options defaults = { 0 };
	if (!out || !iface)
		return -EINVAL;
	if (!opts)
		opts = &defaults;
	struct kms_output *k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->iface = iface;
	k->ctx = ctx;
	k->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int ret = k->event_fd < 0 ? -errno : 0;
	if (ret == 0) {
		shim_output_init(&k->base, &kms_impl, 1);
		ret = setup(k, opts);
	}
	if (ret < 0) {
		shim_output_finish(&k->base);
		bo_destroy(k, &k->cursor_bo);
		if (k->event_fd >= 0)
			close(k->event_fd);
		free(k);
		return ret;
	}
	/* Two buffers flip on atomic drivers; legacy draws into the one it dirties. */
	k->base.n_buffers = k->dev.atomic ? 2 : 1;
	*out = &k->base;
	return 0;
}

int shim_output_kms_create(struct shim_output **out, const struct shim_kms_options *opts)
{
	char path[32];
	int ret = -ENOENT;
	for (int i = 0; i < 16; i++) {
		if (opts && opts->device)
			snprintf(path, sizeof(path), "%s", opts->device);
		else
			snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		const struct shim_kms_iface *iface;
		void *ctx;
		int r = shim_kms_iface_open(path, &iface, &ctx);
		if (r == 0) {
			r = shim_output_kms_create_with(out, iface, ctx, opts);
			if (r == 0)
				return 0;
			iface->destroy(ctx);
		}
		if (r != -ENOENT || ret == -ENOENT)
			ret = r;
		if (opts && opts->device)
			break;
	}
	return ret;
}
