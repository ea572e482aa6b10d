/*
 * The fake KMS device's kernel side: libdrm structures out of the loaded shape
 * (kms_fake_load.c), and a strict kernel's checks on what comes back (master, live
 * framebuffers and blobs, one flip at a time, no event on a test).
 */
#include "kms_fake.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "test.h"

#define FAKE(ctx) ((struct kms_fake *)(ctx))

/* ---- Probing ------------------------------------------------------------------------------ */

static void *dup_array(const void *src, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	if (n)
		memcpy(p, src, n * size);
	return p;
}

static drmModeResPtr f_get_resources(void *ctx)
{
	struct kms_fake *f = FAKE(ctx);
	drmModeResPtr r = calloc(1, sizeof(*r));
	uint32_t ids[FAKE_MAX];
	r->count_crtcs = f->n_crtcs;
	for (int i = 0; i < f->n_crtcs; i++)
		ids[i] = f->crtcs[i].crtc_id;
	r->crtcs = dup_array(ids, (size_t)f->n_crtcs, sizeof(uint32_t));
	r->count_encoders = f->n_encoders;
	for (int i = 0; i < f->n_encoders; i++)
		ids[i] = f->encoders[i].encoder_id;
	r->encoders = dup_array(ids, (size_t)f->n_encoders, sizeof(uint32_t));
	r->count_connectors = f->n_connectors;
	for (int i = 0; i < f->n_connectors; i++)
		ids[i] = f->connectors[i].c.connector_id;
	r->connectors = dup_array(ids, (size_t)f->n_connectors, sizeof(uint32_t));
	r->max_width = r->max_height = 8192;
	return r;
}

static void f_free_resources(void *ctx, drmModeResPtr r)
{
	free(r->crtcs);
	free(r->encoders);
	free(r->connectors);
	free(r);
}

static int collect_props(struct kms_fake *f, uint32_t object, uint32_t *ids)
{
	int n = 0;
	for (int i = 0; i < f->n_object_props && n < FAKE_MAX_PROPS; i++) {
		if (f->object_props[i].object == object)
			ids[n++] = f->object_props[i].prop;
	}
	return n;
}

static drmModeConnectorPtr f_get_connector(void *ctx, uint32_t id)
{
	struct kms_fake *f = FAKE(ctx);
	int i = kms_fake_connector_index(f, id);
	if (i < 0) {
		errno = ENOENT;
		return NULL;
	}
	drmModeConnectorPtr c = dup_array(&f->connectors[i].c, 1, sizeof(*c));
	c->modes = dup_array(f->connectors[i].modes, (size_t)c->count_modes, sizeof(*c->modes));
	c->encoders =
		dup_array(f->connectors[i].encoders, (size_t)c->count_encoders, sizeof(uint32_t));
	uint32_t props[FAKE_MAX_PROPS];
	c->count_props = collect_props(f, id, props);
	c->props = dup_array(props, (size_t)c->count_props, sizeof(uint32_t));
	c->prop_values = calloc((size_t)c->count_props + 1, sizeof(uint64_t));
	return c;
}

static void f_free_connector(void *ctx, drmModeConnectorPtr c)
{
	free(c->modes);
	free(c->encoders);
	free(c->props);
	free(c->prop_values);
	free(c);
}

static drmModeEncoderPtr f_get_encoder(void *ctx, uint32_t id)
{
	struct kms_fake *f = FAKE(ctx);
	for (int i = 0; i < f->n_encoders; i++) {
		if (f->encoders[i].encoder_id == id)
			return dup_array(&f->encoders[i], 1, sizeof(drmModeEncoder));
	}
	errno = ENOENT;
	return NULL;
}

static void f_free_encoder(void *ctx, drmModeEncoderPtr p)
{
	free(p);
}

static void f_free_crtc(void *ctx, drmModeCrtcPtr p)
{
	free(p);
}

static void f_free_property(void *ctx, drmModePropertyPtr p)
{
	free(p);
}

static drmModeCrtcPtr f_get_crtc(void *ctx, uint32_t id)
{
	struct kms_fake *f = FAKE(ctx);
	for (int i = 0; i < f->n_crtcs; i++) {
		if (f->crtcs[i].crtc_id == id)
			return dup_array(&f->crtcs[i], 1, sizeof(drmModeCrtc));
	}
	errno = ENOENT;
	return NULL;
}

static drmModePlaneResPtr f_get_plane_resources(void *ctx)
{
	struct kms_fake *f = FAKE(ctx);
	drmModePlaneResPtr r = calloc(1, sizeof(*r));
	uint32_t ids[FAKE_MAX];
	/* Like the kernel, cursor planes of virtual drivers stay hidden from atomic clients
	 * without the hotspot cap. */
	for (int i = 0; i < f->n_planes; i++) {
		bool hotspot = false;
		uint32_t hx = kms_fake_prop_id(f, "HOTSPOT_X");
		for (int k = 0; k < f->n_object_props; k++)
			hotspot |= hx && f->object_props[k].object == f->planes[i].p.plane_id &&
				f->object_props[k].prop == hx;
		if (hotspot && f->atomic && !f->hotspot_cap)
			continue;
		ids[r->count_planes++] = f->planes[i].p.plane_id;
	}
	r->planes = dup_array(ids, r->count_planes, sizeof(uint32_t));
	return r;
}

static void f_free_plane_resources(void *ctx, drmModePlaneResPtr r)
{
	free(r->planes);
	free(r);
}

static drmModePlanePtr f_get_plane(void *ctx, uint32_t id)
{
	struct kms_fake *f = FAKE(ctx);
	for (int i = 0; i < f->n_planes; i++) {
		if (f->planes[i].p.plane_id != id)
			continue;
		drmModePlanePtr p = dup_array(&f->planes[i].p, 1, sizeof(*p));
		p->formats = dup_array(f->planes[i].formats, p->count_formats, sizeof(uint32_t));
		return p;
	}
	errno = ENOENT;
	return NULL;
}

static void f_free_plane(void *ctx, drmModePlanePtr p)
{
	free(p->formats);
	free(p);
}

static uint64_t plane_type(struct kms_fake *f, uint32_t object)
{
	for (int i = 0; i < f->n_planes; i++) {
		if (f->planes[i].p.plane_id == object)
			return f->planes[i].type;
	}
	return 0;
}

static drmModeObjectPropertiesPtr f_get_properties(void *ctx, uint32_t object, uint32_t type)
{
	struct kms_fake *f = FAKE(ctx);
	drmModeObjectPropertiesPtr r = calloc(1, sizeof(*r));
	uint32_t ids[FAKE_MAX_PROPS];
	r->count_props = (uint32_t)collect_props(f, object, ids);
	r->props = dup_array(ids, r->count_props, sizeof(uint32_t));
	r->prop_values = calloc(r->count_props + 1, sizeof(uint64_t));
	for (uint32_t i = 0; i < r->count_props; i++) {
		if (ids[i] == kms_fake_prop_id(f, "type"))
			r->prop_values[i] = plane_type(f, object);
	}
	return r;
}

static void f_free_properties(void *ctx, drmModeObjectPropertiesPtr r)
{
	free(r->props);
	free(r->prop_values);
	free(r);
}

static drmModePropertyPtr f_get_property(void *ctx, uint32_t id)
{
	struct kms_fake *f = FAKE(ctx);
	if (id < 100 || id >= 100 + (uint32_t)f->n_prop_names) {
		errno = ENOENT;
		return NULL;
	}
	drmModePropertyPtr p = calloc(1, sizeof(*p));
	p->prop_id = id;
	snprintf(p->name, sizeof(p->name), "%s", f->prop_names[id - 100]);
	return p;
}

static int f_get_cap(void *ctx, uint64_t cap, uint64_t *value)
{
	struct kms_fake *f = FAKE(ctx);
	switch (cap) {
	case DRM_CAP_DUMB_BUFFER:
		*value = f->dumb;
		return 0;
	case DRM_CAP_CURSOR_WIDTH:
		*value = f->cursor_w;
		return 0;
	case DRM_CAP_CURSOR_HEIGHT:
		*value = f->cursor_h;
		return 0;
	}
	return -EINVAL;
}

static int f_set_client_cap(void *ctx, uint64_t cap, uint64_t value)
{
	struct kms_fake *f = FAKE(ctx);
	if (cap == DRM_CLIENT_CAP_ATOMIC) {
		if (!f->offers_atomic)
			return -EOPNOTSUPP;
		f->atomic = value != 0;
	} else if (cap == 6) { // DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT
		if (!f->atomic || f->refuse_hotspot)
			return -EINVAL;
		f->hotspot_cap = value != 0;
	}
	return 0;
}

static int f_set_master(void *ctx)
{
	FAKE(ctx)->set_master_calls++;
	FAKE(ctx)->master = true;
	return 0;
}

static int f_drop_master(void *ctx)
{
	FAKE(ctx)->drop_master_calls++;
	FAKE(ctx)->master = false;
	return 0;
}

/* ---- Buffers and blobs ------------------------------------------------------------------------ */

static int f_create_dumb(void *ctx, uint32_t w, uint32_t h, uint32_t bpp, uint32_t *handle,
	uint32_t *pitch, uint64_t *size)
{
	struct kms_fake *f = FAKE(ctx);
	if (!f->dumb || f->n_dumbs == FAKE_MAX * 2)
		return -ENOSPC;
	/* A padded pitch, as real drivers have: the output must not assume width * 4. */
	uint32_t p = (w * bpp / 8 + 255) & ~255u;
	__typeof__(f->dumbs[0]) *d = &f->dumbs[f->n_dumbs];
	d->size = (uint64_t)p * h;
	d->pitch = p;
	d->mem = calloc(1, d->size);
	d->live = true;
	*handle = (uint32_t)++f->n_dumbs;
	*pitch = p;
	*size = d->size;
	return 0;
}

static void *f_map_dumb(void *ctx, uint32_t handle, uint64_t size)
{
	struct kms_fake *f = FAKE(ctx);
	if (handle < 1 || handle > (uint32_t)f->n_dumbs || size > f->dumbs[handle - 1].size)
		return NULL;
	return f->dumbs[handle - 1].mem;
}

static void f_unmap_dumb(void *ctx, void *map, uint64_t size)
{
}

static int f_destroy_dumb(void *ctx, uint32_t handle)
{
	struct kms_fake *f = FAKE(ctx);
	if (handle < 1 || handle > (uint32_t)f->n_dumbs || !f->dumbs[handle - 1].live)
		return -ENOENT;
	f->dumbs[handle - 1].live = false;
	return 0;
}

static int f_add_fb(void *ctx, uint32_t w, uint32_t h, uint32_t format, uint32_t handle,
	uint32_t pitch, uint32_t *fb)
{
	struct kms_fake *f = FAKE(ctx);
	if (handle < 1 || handle > (uint32_t)f->n_dumbs || f->n_fbs == FAKE_MAX * 2)
		return -EINVAL;
	f->fbs[f->n_fbs] = (__typeof__(f->fbs[0])){ handle, format, true };
	*fb = 200 + (uint32_t)f->n_fbs++;
	return 0;
}

static bool fb_live(const struct kms_fake *f, uint32_t fb)
{
	return fb >= 200 && fb < 200 + (uint32_t)f->n_fbs && f->fbs[fb - 200].live;
}

static int f_rm_fb(void *ctx, uint32_t fb)
{
	struct kms_fake *f = FAKE(ctx);
	if (!fb_live(f, fb))
		return -ENOENT;
	if (fb == f->scanout_fb || fb == f->queued_fb)
		f->rm_scanned_out++;
	f->fbs[fb - 200].live = false;
	return 0;
}

static int f_create_blob(void *ctx, const void *data, size_t size, uint32_t *id)
{
	struct kms_fake *f = FAKE(ctx);
	if (f->n_blobs == 64 || size > sizeof(f->blobs[0].data))
		return -ENOSPC;
	struct kms_fake_blob *b = &f->blobs[f->n_blobs];
	b->id = 500 + (uint32_t)f->n_blobs++;
	memcpy(b->data, data, size);
	b->size = size;
	b->live = true;
	*id = b->id;
	return 0;
}

static int f_destroy_blob(void *ctx, uint32_t id)
{
	struct kms_fake *f = FAKE(ctx);
	if (id < 500 || id >= 500 + (uint32_t)f->n_blobs || !f->blobs[id - 500].live)
		return -ENOENT;
	f->blobs[id - 500].live = false;
	return 0;
}

const struct kms_fake_blob *kms_fake_blob(const struct kms_fake *f, uint32_t id)
{
	if (id < 500 || id >= 500 + (uint32_t)f->n_blobs)
		return NULL;
	return &f->blobs[id - 500];
}

/* ---- Commits --------------------------------------------------------------------------------- */

static uint32_t plane_of_type(const struct kms_fake *f, uint64_t type)
{
	for (int i = 0; i < f->n_planes; i++) {
		if (f->planes[i].type == type)
			return f->planes[i].p.plane_id;
	}
	return 0;
}

static int check_request(
	struct kms_fake *f, const struct shim_kms_prop *props, size_t n, uint32_t flags)
{
	uint32_t fb_id = kms_fake_prop_id(f, "FB_ID"), mode_id = kms_fake_prop_id(f, "MODE_ID");
	uint32_t clips = kms_fake_prop_id(f, "FB_DAMAGE_CLIPS");
	if (!f->atomic || !f->master)
		return f->master ? -EINVAL : -EACCES;
	if ((flags & DRM_MODE_ATOMIC_TEST_ONLY) && (flags & DRM_MODE_PAGE_FLIP_EVENT))
		return -EINVAL;
	if (!(flags & DRM_MODE_ATOMIC_TEST_ONLY) && f->pending_flips)
		return -EBUSY;
	for (size_t i = 0; i < n; i++) {
		if (props[i].prop == fb_id && props[i].value &&
			!fb_live(f, (uint32_t)props[i].value))
			return -ENOENT;
		if ((props[i].prop == mode_id || props[i].prop == clips) &&
			(!kms_fake_blob(f, (uint32_t)props[i].value) ||
				!kms_fake_blob(f, (uint32_t)props[i].value)->live))
			return -ENOENT;
		if (f->refuse_cursor &&
			props[i].object == plane_of_type(f, DRM_PLANE_TYPE_CURSOR) &&
			props[i].prop == fb_id && props[i].value)
			return -EINVAL;
	}
	return 0;
}

static int f_atomic_commit(
	void *ctx, const struct shim_kms_prop *props, size_t n, uint32_t flags, void *user_data)
{
	struct kms_fake *f = FAKE(ctx);
	int ret = check_request(f, props, n, flags);
	if (flags & DRM_MODE_ATOMIC_TEST_ONLY) {
		f->atomic_tests++;
		return ret;
	}
	if (ret == 0 && f->fail_commits)
		ret = -f->fail_commits;
	if (ret < 0)
		return ret;
	f->atomic_commits++;
	f->n_last = n < 64 ? n : 64;
	memcpy(f->last, props, f->n_last * sizeof(*props));
	f->last_flags = flags;
	uint64_t fb;
	if (kms_fake_last_value(f, plane_of_type(f, DRM_PLANE_TYPE_PRIMARY), "FB_ID", &fb)) {
		f->queued_fb = (uint32_t)fb;
		if (!(flags & DRM_MODE_PAGE_FLIP_EVENT))
			f->scanout_fb = f->queued_fb; // a blocking commit is on screen on return
	}
	if (flags & DRM_MODE_PAGE_FLIP_EVENT) {
		f->pending_flips++;
		f->flip_data = user_data;
	}
	return 0;
}

bool kms_fake_last_value(
	const struct kms_fake *f, uint32_t object, const char *name, uint64_t *value)
{
	uint32_t prop = kms_fake_prop_id(f, name);
	for (size_t i = 0; i < f->n_last; i++) {
		if (f->last[i].object == object && f->last[i].prop == prop) {
			*value = f->last[i].value;
			return true;
		}
	}
	return false;
}

static int f_set_crtc(void *ctx, uint32_t crtc, uint32_t fb, uint32_t x, uint32_t y,
	uint32_t *conns, int count, drmModeModeInfoPtr mode)
{
	struct kms_fake *f = FAKE(ctx);
	if (!f->master)
		return -EACCES;
	if (fb && fb < 200 && fb != f->crtcs[0].buffer_id)
		return -ENOENT; // only our framebuffers and the one found at start exist
	f->set_crtc_calls++;
	f->set_crtc_fb = fb;
	f->set_crtc_conn = count ? conns[0] : 0;
	f->set_crtc_has_mode = mode != NULL;
	if (mode)
		f->set_crtc_mode = *mode;
	f->scanout_fb = fb;
	return 0;
}

static int f_dirty_fb(void *ctx, uint32_t fb, drmModeClipPtr clips, uint32_t n)
{
	struct kms_fake *f = FAKE(ctx);
	if (!fb_live(f, fb))
		return -ENOENT;
	f->dirty_calls++;
	f->n_dirty_clips = n < 256 ? n : 256;
	memcpy(f->dirty_clips, clips, f->n_dirty_clips * sizeof(*clips));
	return 0;
}

static int f_set_cursor(
	void *ctx, uint32_t crtc, uint32_t handle, uint32_t w, uint32_t h, int32_t hx, int32_t hy)
{
	struct kms_fake *f = FAKE(ctx);
	if (!plane_of_type(f, DRM_PLANE_TYPE_CURSOR))
		return -ENXIO;
	f->set_cursor_calls++;
	f->cursor_handle = handle;
	return 0;
}

static int f_move_cursor(void *ctx, uint32_t crtc, int32_t x, int32_t y)
{
	struct kms_fake *f = FAKE(ctx);
	f->move_cursor_calls++;
	f->cursor_x = x;
	f->cursor_y = y;
	return 0;
}

static int f_get_fd(void *ctx)
{
	return FAKE(ctx)->event_fd;
}

void kms_fake_complete_flips(struct kms_fake *f)
{
	uint64_t one = 1;
	if (f->pending_flips && write(f->event_fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

static int f_handle_event(void *ctx, drmEventContextPtr ev)
{
	struct kms_fake *f = FAKE(ctx);
	uint64_t n;
	if (read(f->event_fd, &n, sizeof(n)) != sizeof(n))
		return -EAGAIN;
	int flips = f->pending_flips;
	f->pending_flips = 0;
	if (flips && f->queued_fb)
		f->scanout_fb = f->queued_fb;
	f->queued_fb = 0;
	for (int i = 0; i < flips; i++)
		ev->page_flip_handler2(f->event_fd, 1, 0, 0, f->crtcs[0].crtc_id, f->flip_data);
	return 0;
}

static void f_destroy(void *ctx)
{
	FAKE(ctx)->closed = true;
}

const struct shim_kms_iface kms_fake_iface = {
	.get_resources = f_get_resources,
	.free_resources = f_free_resources,
	.get_connector = f_get_connector,
	.free_connector = f_free_connector,
	.get_encoder = f_get_encoder,
	.free_encoder = f_free_encoder,
	.get_crtc = f_get_crtc,
	.free_crtc = f_free_crtc,
	.get_plane_resources = f_get_plane_resources,
	.free_plane_resources = f_free_plane_resources,
	.get_plane = f_get_plane,
	.free_plane = f_free_plane,
	.get_properties = f_get_properties,
	.free_properties = f_free_properties,
	.get_property = f_get_property,
	.free_property = f_free_property,
	.get_cap = f_get_cap,
	.set_client_cap = f_set_client_cap,
	.set_master = f_set_master,
	.drop_master = f_drop_master,
	.create_dumb = f_create_dumb,
	.map_dumb = f_map_dumb,
	.unmap_dumb = f_unmap_dumb,
	.destroy_dumb = f_destroy_dumb,
	.add_fb = f_add_fb,
	.rm_fb = f_rm_fb,
	.create_blob = f_create_blob,
	.destroy_blob = f_destroy_blob,
	.atomic_commit = f_atomic_commit,
	.set_crtc = f_set_crtc,
	.dirty_fb = f_dirty_fb,
	.set_cursor = f_set_cursor,
	.move_cursor = f_move_cursor,
	.get_fd = f_get_fd,
	.handle_event = f_handle_event,
	.destroy = f_destroy,
};

int kms_fake_live_dumbs(const struct kms_fake *f)
{
	int n = 0;
	for (int i = 0; i < f->n_dumbs; i++)
		n += f->dumbs[i].live;
	return n;
}

int kms_fake_live_fbs(const struct kms_fake *f)
{
	int n = 0;
	for (int i = 0; i < f->n_fbs; i++)
		n += f->fbs[i].live;
	return n;
}

void *kms_fake_fb_pixels(const struct kms_fake *f, uint32_t fb, uint32_t *pitch)
{
	if (!fb_live(f, fb))
		return NULL;
	uint32_t handle = f->fbs[fb - 200].handle;
	*pitch = f->dumbs[handle - 1].pitch;
	return f->dumbs[handle - 1].mem;
}
