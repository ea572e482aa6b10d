/*
 * The kms output against device shapes (tests/data/kms/): which connector, mode, CRTC and planes
 * it picks, what it asks the kernel for frame by frame (atomic requests with damage clips, page
 * flips pacing the frames, legacy SetCrtc and DirtyFB), the cursor plane, DRM master and the
 * CRTC restored at exit. No /dev/dri involved.
 */
#include <errno.h>
#include <string.h>

#include <drm_fourcc.h>

#include "kms_fake.h"
#include "macros.h"
#include "shim.h"
#include "shim_kms_probe.h"
#include "shim_test_util.h"
#include "test.h"

#define HYPERV "tests/data/kms/hyperv_drm.txt"
#define VIRTIO "tests/data/kms/virtio_gpu.txt"
#define LEGACY "tests/data/kms/legacy.txt"
#define VIRTIO_6_1 "tests/data/kms/virtio_gpu_6_1.txt"

/* ---- Choosing ------------------------------------------------------------------------------ */

static bool probe(const char *shape, bool force_legacy, struct kms_fake **f, struct kms_device *dev)
{
	*f = kms_fake_load(shape);
	return *f && kms_probe(&kms_fake_iface, *f, force_legacy, dev) == 0;
}

static void kms_select_hyperv_drm(void)
{
	struct kms_fake *f;
	struct kms_device dev;
	struct kms_selection sel;
	REQUIRE(probe(HYPERV, false, &f, &dev));
	CHECK(dev.atomic);
	REQUIRE(kms_select(&dev, NULL, 0, 0, &sel) == 0);
	CHECK(strcmp(sel.connector->name, "Virtual-1") == 0);
	CHECK_EQ_INT(sel.mode.hdisplay, 1024);
	CHECK_EQ_INT(sel.mode.vrefresh, 60); // the preferred one, not the fastest 1024x768
	CHECK_EQ_INT(sel.crtc->id, 35);
	CHECK_EQ_INT(sel.crtc->fb, 42);
	CHECK_EQ_INT(sel.primary->id, 33);
	CHECK(sel.cursor == NULL);
	CHECK(sel.damage_clips);

	/* --mode WxH: the fastest refresh of that size; a size not offered is refused. */
	REQUIRE(kms_select(&dev, NULL, 1024, 768, &sel) == 0);
	CHECK_EQ_INT(sel.mode.vrefresh, 75);
	REQUIRE(kms_select(&dev, "Virtual-1", 1920, 1080, &sel) == 0);
	CHECK_EQ_INT(sel.mode.hdisplay, 1920);
	CHECK_EQ_INT(kms_select(&dev, NULL, 1366, 768, &sel), -ENOENT);
	CHECK_EQ_INT(kms_select(&dev, "HDMI-A-1", 0, 0, &sel), -ENOENT);
	struct shim_mode modes[KMS_MAX_MODES];
	int n = kms_modes(&dev.connectors[0], modes, KMS_MAX_MODES);
	CHECK_EQ_INT(n, 10);
	CHECK(modes[0].preferred && modes[0].width == 1024 && modes[0].refresh_mhz == 60000);
	kms_fake_free(f);
}

static void kms_select_virtio_gpu(void)
{
	struct kms_fake *f;
	struct kms_device dev;
	struct kms_selection sel;
	REQUIRE(probe(VIRTIO, false, &f, &dev));
	CHECK(f->hotspot_cap);
	REQUIRE(kms_select(&dev, NULL, 0, 0, &sel) == 0);
	CHECK(strcmp(sel.connector->name, "Virtual-1") == 0);
	CHECK_EQ_INT(sel.mode.hdisplay, 1280);
	CHECK_EQ_INT(sel.mode.vdisplay, 800);
	CHECK_EQ_INT(sel.crtc->id, 38);
	CHECK_EQ_INT(sel.primary->id, 34);
	REQUIRE(sel.cursor != NULL);
	CHECK_EQ_INT(sel.cursor->id, 35);
	CHECK(sel.cursor->props[KMS_PROP_HOTSPOT_X] != 0);
	CHECK(sel.damage_clips);
	/* The second head is there but has nothing plugged in. */
	CHECK_EQ_INT(kms_select(&dev, "Virtual-2", 0, 0, &sel), -ENOENT);
	kms_fake_free(f);
}

/* A kernel that refuses the hotspot cap hides virtio-gpu's cursor planes from atomic clients:
 * the output then has no cursor plane and the cursor is drawn in software. */
static void kms_select_virtio_gpu_without_hotspot_cap(void)
{
	struct kms_fake *f = kms_fake_load(VIRTIO);
	REQUIRE(f != NULL);
	f->refuse_hotspot = true;
	struct kms_device dev;
	struct kms_selection sel;
	REQUIRE(kms_probe(&kms_fake_iface, f, false, &dev) == 0);
	CHECK(dev.atomic);
	REQUIRE(kms_select(&dev, NULL, 0, 0, &sel) == 0);
	CHECK(sel.primary != NULL);
	CHECK(sel.cursor == NULL);
	kms_fake_free(f);
}

static void kms_select_legacy(void)
{
	struct kms_fake *f;
	struct kms_device dev;
	struct kms_selection sel;
	REQUIRE(probe(LEGACY, false, &f, &dev));
	CHECK(!dev.atomic);
	REQUIRE(kms_select(&dev, NULL, 0, 0, &sel) == 0);
	CHECK(strcmp(sel.connector->name, "HDMI-A-1") == 0);
	CHECK_EQ_INT(sel.crtc->id, 50);
	CHECK(sel.cursor != NULL);
	kms_fake_free(f);
	/* force_legacy on an atomic driver. */
	REQUIRE(probe(HYPERV, true, &f, &dev));
	CHECK(!dev.atomic);
	CHECK(!f->atomic);
	kms_fake_free(f);
}

/* ---- Running ------------------------------------------------------------------------------- */

struct kms_run {
	struct kms_fake *f;
	struct test_clock clock;
	struct shim_clock shim_clock;
	struct shim_output *out;
	struct shim *shim;
};

static bool run_start(struct kms_run *r, const char *shape, const struct shim_kms_options *opts)
{
	*r = (struct kms_run){ .clock = { 1000000000LL } };
	r->shim_clock = (struct shim_clock){ test_clock_now, &r->clock };
	r->f = kms_fake_load(shape);
	if (!r->f || shim_output_kms_create_with(&r->out, &kms_fake_iface, r->f, opts) < 0)
		return false;
	return shim_create(&r->shim, r->out, &(struct shim_options){ .clock = &r->shim_clock }) ==
		0;
}

static void run_stop(struct kms_run *r)
{
	kms_fake_complete_flips(r->f); // the exit waits for a flip still pending
	shim_destroy(r->shim);
	kms_fake_free(r->f);
}

/* A refresh later: dispatch (a due frame is committed), let the flip complete, dispatch. */
static void run_frame(struct kms_run *r)
{
	r->clock.now += TEST_FRAME_NS;
	shim_dispatch(r->shim);
	kms_fake_complete_flips(r->f);
	shim_dispatch(r->shim);
}

static uint64_t last(struct kms_run *r, uint32_t object, const char *prop)
{
	uint64_t v = 0;
	if (!kms_fake_last_value(r->f, object, prop, &v))
		return UINT64_MAX;
	return v;
}

static struct shim_surface *white_square(
	struct kms_run *r, struct shim_buffer **b, int32_t x, int32_t y)
{
	struct shim_surface *s;
	*b = test_buffer_solid(PIXMAN_x8r8g8b8, 16, 16, 0xffffffff);
	if (shim_surface_create(r->shim, &s) < 0)
		abort();
	shim_surface_attach(s, *b);
	shim_surface_set_position(s, x, y);
	shim_surface_commit(s);
	return s;
}

static void kms_atomic_modeset_then_damage_clips(void)
{
	struct kms_run r;
	REQUIRE(run_start(&r, HYPERV, NULL));
	CHECK(r.f->master);
	CHECK(strcmp(shim_output_get_name(r.out), "kms") == 0);
	CHECK(!shim_output_has_cursor_plane(r.out));
	struct shim_buffer *b;
	struct shim_surface *s = white_square(&r, &b, 100, 50);
	run_frame(&r);

	/* The first commit sets the mode and shows a whole new buffer: no clips. */
	REQUIRE(r.f->atomic_commits == 1);
	CHECK(r.f->last_flags & DRM_MODE_ATOMIC_ALLOW_MODESET);
	CHECK(r.f->last_flags & DRM_MODE_PAGE_FLIP_EVENT);
	CHECK(r.f->last_flags & DRM_MODE_ATOMIC_NONBLOCK);
	CHECK_EQ_INT(last(&r, 37, "CRTC_ID"), 35);
	CHECK_EQ_INT(last(&r, 35, "ACTIVE"), 1);
	const struct kms_fake_blob *mode = kms_fake_blob(r.f, (uint32_t)last(&r, 35, "MODE_ID"));
	REQUIRE(mode && mode->size == sizeof(drmModeModeInfo));
	drmModeModeInfo m;
	memcpy(&m, mode->data, sizeof(m));
	CHECK(m.hdisplay == 1024 && m.vdisplay == 768 && m.vrefresh == 60);
	CHECK_EQ_INT(last(&r, 33, "FB_DAMAGE_CLIPS"), UINT64_MAX);
	CHECK_EQ_INT(last(&r, 33, "SRC_W"), 1024ull << 16);
	CHECK_EQ_INT(last(&r, 33, "CRTC_H"), 768);
	uint32_t first_fb = (uint32_t)last(&r, 33, "FB_ID");
	uint32_t pitch;
	uint8_t *px = kms_fake_fb_pixels(r.f, first_fb, &pitch);
	REQUIRE(px != NULL);
	uint32_t white;
	memcpy(&white, px + 60 * pitch + 110 * 4, 4);
	CHECK_EQ_INT(white & 0xffffff, 0xffffff);

	/* Then: the other buffer, only the damage, as clips. */
	shim_surface_damage(s, 2, 3, 4, 5);
	shim_surface_commit(s);
	run_frame(&r);
	REQUIRE(r.f->atomic_commits == 2);
	CHECK(!(r.f->last_flags & DRM_MODE_ATOMIC_ALLOW_MODESET));
	uint32_t second_fb = (uint32_t)last(&r, 33, "FB_ID");
	CHECK(second_fb != first_fb);
	const struct kms_fake_blob *clips =
		kms_fake_blob(r.f, (uint32_t)last(&r, 33, "FB_DAMAGE_CLIPS"));
	REQUIRE(clips && clips->size == sizeof(struct drm_mode_rect));
	struct drm_mode_rect rect;
	memcpy(&rect, clips->data, sizeof(rect));
	CHECK(rect.x1 == 102 && rect.y1 == 53 && rect.x2 == 106 && rect.y2 == 58);
	CHECK(!clips->live); // handed to the kernel, not leaked
	CHECK_EQ_INT(r.f->rm_scanned_out, 0);
	shim_buffer_unref(b);
	run_stop(&r);
}

/* The page-flip event is the pace: nothing is committed while a flip is pending. */
static void kms_flip_event_paces_frames(void)
{
	struct kms_run r;
	REQUIRE(run_start(&r, HYPERV, NULL));
	struct shim_buffer *b;
	struct shim_surface *s = white_square(&r, &b, 0, 0);
	r.clock.now += TEST_FRAME_NS;
	shim_dispatch(r.shim);
	CHECK_EQ_INT(r.f->atomic_commits, 1);
	CHECK_EQ_INT(shim_get_timeout_ms(r.shim), -1); // waiting for the event, not a timer
	for (int i = 0; i < 5; i++) {
		shim_surface_damage(s, i, 0, 1, 1);
		shim_surface_commit(s);
		r.clock.now += 3 * TEST_FRAME_NS;
		shim_dispatch(r.shim);
	}
	CHECK_EQ_INT(r.f->atomic_commits, 1);
	kms_fake_complete_flips(r.f);
	shim_dispatch(r.shim); // the event; the five commits go out as one
	CHECK_EQ_INT(r.f->atomic_commits, 2);
	const struct kms_fake_blob *clips =
		kms_fake_blob(r.f, (uint32_t)last(&r, 33, "FB_DAMAGE_CLIPS"));
	REQUIRE(clips != NULL);
	struct drm_mode_rect rect;
	memcpy(&rect, clips->data, sizeof(rect));
	CHECK(clips->size == sizeof(rect) && rect.x1 == 0 && rect.x2 == 5 && rect.y2 == 1);
	shim_buffer_unref(b);
	run_stop(&r);
}

/* A driver whose flip events come back at once (no real vblank) still gets at most one frame
 * per refresh; a quarter refresh early is allowed, to never miss a real vblank. */
static void kms_instant_flip_events_still_paced(void)
{
	struct kms_run r;
	REQUIRE(run_start(&r, HYPERV, NULL));
	struct shim_buffer *b;
	struct shim_surface *s = white_square(&r, &b, 0, 0);
	run_frame(&r);
	int64_t t = r.clock.now; // the first frame went out now; its flip is done
	int commits = r.f->atomic_commits;
	shim_surface_damage(s, 0, 0, 1, 1);
	shim_surface_commit(s);
	r.clock.now = t + 2000000;
	shim_dispatch(r.shim);
	CHECK_EQ_INT(r.f->atomic_commits, commits);
	CHECK_EQ_INT(shim_get_timeout_ms(r.shim), 11); // 12.5 ms after t, rounded up
	r.clock.now = t + 12500000;
	shim_dispatch(r.shim);
	CHECK_EQ_INT(r.f->atomic_commits, commits + 1);
	shim_buffer_unref(b);
	run_stop(&r);
}

/* A refused commit loses nothing: its damage goes out with the next frame, which is tried a
 * refresh later rather than in a busy loop. */
static void kms_refused_commit_keeps_damage(void)
{
	struct kms_run r;
	REQUIRE(run_start(&r, HYPERV, NULL));
	struct shim_buffer *b;
	struct shim_surface *s = white_square(&r, &b, 0, 0);
	run_frame(&r);
	int commits = r.f->atomic_commits;
	r.f->fail_commits = EIO;
	shim_surface_damage(s, 0, 0, 2, 2);
	shim_surface_commit(s);
	run_frame(&r);
	CHECK_EQ_INT(r.f->atomic_commits, commits);
	struct shim_stats st;
	shim_get_stats(r.shim, &st);
	CHECK_EQ_INT(st.commits_failed, 1);
	CHECK_EQ_INT(shim_get_timeout_ms(r.shim), 17); // one refresh, not 0
	r.f->fail_commits = 0;
	shim_surface_damage(s, 10, 10, 2, 2);
	shim_surface_commit(s);
	run_frame(&r);
	CHECK_EQ_INT(r.f->atomic_commits, commits + 1);
	const struct kms_fake_blob *clips =
		kms_fake_blob(r.f, (uint32_t)last(&r, 33, "FB_DAMAGE_CLIPS"));
	REQUIRE(clips != NULL);
	CHECK_EQ_INT(clips->size, 2 * sizeof(struct drm_mode_rect));
	struct drm_mode_rect rects[2];
	memcpy(rects, clips->data, sizeof(rects));
	CHECK(rects[0].x1 == 0 && rects[0].x2 == 2 && rects[1].x1 == 10 && rects[1].y2 == 12);
	shim_buffer_unref(b);
	run_stop(&r);
}

static void kms_cursor_on_virtio_plane(void)
{
	struct kms_run r;
	REQUIRE(run_start(&r, VIRTIO, NULL));
	CHECK(shim_output_has_cursor_plane(r.out));
	run_frame(&r);
	CHECK_EQ_INT(last(&r, 35, "FB_ID"), 0); // the modeset leaves the cursor plane empty
	pixman_image_t *arrow = test_image_solid(PIXMAN_a8r8g8b8, 12, 20, 0xff102030);
	REQUIRE(shim_set_cursor(r.shim, arrow, 3, 4) == 0);
	shim_move_cursor(r.shim, 200, 100);
	int commits = r.f->atomic_commits;
	run_frame(&r);
	CHECK(shim_cursor_on_plane(r.shim));
	CHECK_EQ_INT(r.f->atomic_commits, commits + 1);
	CHECK_EQ_INT(last(&r, 34, "FB_ID"), UINT64_MAX); // the primary plane was not touched
	uint32_t cursor_fb = (uint32_t)last(&r, 35, "FB_ID");
	CHECK(cursor_fb != 0);
	CHECK_EQ_INT(last(&r, 35, "CRTC_ID"), 38);
	CHECK_EQ_INT(last(&r, 35, "CRTC_X"), 197);
	CHECK_EQ_INT(last(&r, 35, "CRTC_Y"), 96);
	CHECK_EQ_INT(last(&r, 35, "CRTC_W"), 64);
	CHECK_EQ_INT(last(&r, 35, "HOTSPOT_X"), 3);
	CHECK_EQ_INT(last(&r, 35, "HOTSPOT_Y"), 4);
	uint32_t pitch;
	uint8_t *px = kms_fake_fb_pixels(r.f, cursor_fb, &pitch);
	uint32_t inside, outside;
	memcpy(&inside, px + 19 * pitch + 11 * 4, 4);
	memcpy(&outside, px + 19 * pitch + 12 * 4, 4);
	CHECK_EQ_INT(inside, 0xff102030);
	CHECK_EQ_INT(outside, 0); // the rest of the 64x64 plane is transparent

	/* A move is a cursor-only commit: no new primary buffer, no repaint. */
	struct shim_stats before, after;
	shim_get_stats(r.shim, &before);
	shim_move_cursor(r.shim, -2, 5);
	run_frame(&r);
	shim_get_stats(r.shim, &after);
	CHECK_EQ_INT(last(&r, 35, "CRTC_X"), (uint64_t)(int64_t)-5);
	CHECK_EQ_INT(last(&r, 34, "FB_ID"), UINT64_MAX);
	CHECK_EQ_INT(after.pixels_painted, before.pixels_painted);
	pixman_image_unref(arrow);
	run_stop(&r);
}

static void kms_cursor_refused_goes_software(void)
{
	struct kms_run r;
	REQUIRE(run_start(&r, VIRTIO, NULL));
	run_frame(&r);
	r.f->refuse_cursor = true;
	pixman_image_t *arrow = test_image_solid(PIXMAN_a8r8g8b8, 8, 8, 0xffff0000);
	REQUIRE(shim_set_cursor(r.shim, arrow, 0, 0) == 0);
	shim_move_cursor(r.shim, 10, 10);
	for (int i = 0; i < 3; i++)
		run_frame(&r);
	CHECK(!shim_cursor_on_plane(r.shim));
	CHECK(r.f->atomic_tests >= 1);
	uint32_t pitch;
	uint8_t *px = kms_fake_fb_pixels(r.f, r.f->scanout_fb, &pitch);
	REQUIRE(px != NULL);
	uint32_t v;
	memcpy(&v, px + 12 * pitch + 12 * 4, 4);
	CHECK_EQ_INT(v & 0xffffff, 0xff0000);
	pixman_image_unref(arrow);
	run_stop(&r);
}

static void kms_legacy_setcrtc_then_dirtyfb(void)
{
	struct kms_run r;
	REQUIRE(run_start(&r, LEGACY, NULL));
	struct shim_buffer *b;
	struct shim_surface *s = white_square(&r, &b, 10, 10);
	run_frame(&r);
	CHECK_EQ_INT(r.f->atomic_commits, 0);
	CHECK_EQ_INT(r.f->set_crtc_calls, 1);
	CHECK_EQ_INT(r.f->set_crtc_conn, 53);
	CHECK(r.f->set_crtc_has_mode && r.f->set_crtc_mode.hdisplay == 1920);
	uint32_t fb = r.f->set_crtc_fb;

	shim_surface_damage(s, 0, 0, 2, 2);
	shim_surface_commit(s);
	r.clock.now += 5000000; // within the refresh period: not yet
	shim_dispatch(r.shim);
	CHECK_EQ_INT(r.f->dirty_calls, 0);
	run_frame(&r);
	CHECK_EQ_INT(r.f->set_crtc_calls, 1);
	REQUIRE(r.f->dirty_calls == 1);
	CHECK_EQ_INT(r.f->n_dirty_clips, 1);
	CHECK(r.f->dirty_clips[0].x1 == 10 && r.f->dirty_clips[0].y1 == 10 &&
		r.f->dirty_clips[0].x2 == 12 && r.f->dirty_clips[0].y2 == 12);
	CHECK_EQ_INT(r.f->scanout_fb, fb);

	/* The legacy cursor ioctls, top-left position. */
	pixman_image_t *arrow = test_image_solid(PIXMAN_a8r8g8b8, 8, 8, 0xffffffff);
	REQUIRE(shim_set_cursor(r.shim, arrow, 1, 1) == 0);
	shim_move_cursor(r.shim, 300, 200);
	run_frame(&r);
	CHECK_EQ_INT(r.f->set_cursor_calls, 1);
	CHECK(r.f->cursor_handle != 0);
	CHECK_EQ_INT(r.f->cursor_x, 299);
	CHECK_EQ_INT(r.f->cursor_y, 199);
	pixman_image_unref(arrow);
	shim_buffer_unref(b);
	run_stop(&r);
}

/* Atomic without FB_DAMAGE_CLIPS would flush whole buffers (seen on Debian 12's virtio-gpu in
 * tests/vm): the output takes one buffer and DirtyFB instead, so only damage is flushed. */
static void kms_atomic_without_damage_clips_uses_dirtyfb(void)
{
	struct kms_run r;
	REQUIRE(run_start(&r, VIRTIO_6_1, NULL));
	struct shim_buffer *b;
	struct shim_surface *s = white_square(&r, &b, 10, 10);
	run_frame(&r);
	CHECK_EQ_INT(r.f->atomic_commits, 0);
	CHECK_EQ_INT(r.f->set_crtc_calls, 1);
	shim_surface_damage(s, 0, 0, 3, 2);
	shim_surface_commit(s);
	run_frame(&r);
	CHECK_EQ_INT(r.f->atomic_commits, 0);
	REQUIRE(r.f->dirty_calls == 1);
	CHECK_EQ_INT(r.f->n_dirty_clips, 1);
	CHECK(r.f->dirty_clips[0].x1 == 10 && r.f->dirty_clips[0].y1 == 10 &&
		r.f->dirty_clips[0].x2 == 13 && r.f->dirty_clips[0].y2 == 12);
	shim_buffer_unref(b);
	run_stop(&r);
}

/* At exit the CRTC shows what it showed before (the fbdev console), nothing leaks, master is
 * dropped. */
static void kms_restores_crtc_at_exit(void)
{
	struct kms_run r;
	REQUIRE(run_start(&r, HYPERV, NULL));
	run_frame(&r);
	REQUIRE(shim_set_mode(r.shim, 1280, 720) == 0);
	run_frame(&r);
	CHECK_EQ_INT(r.f->rm_scanned_out, 0);
	CHECK_EQ_INT(kms_fake_live_fbs(r.f), 2);
	struct kms_fake *f = r.f;
	shim_destroy(r.shim);
	CHECK_EQ_INT(f->set_crtc_fb, 42);
	CHECK_EQ_INT(f->set_crtc_conn, 37);
	CHECK(f->set_crtc_has_mode && f->set_crtc_mode.hdisplay == 1024);
	CHECK(!f->master);
	CHECK_EQ_INT(f->drop_master_calls, 1);
	CHECK_EQ_INT(kms_fake_live_fbs(f), 0);
	CHECK_EQ_INT(kms_fake_live_dumbs(f), 0);
	CHECK_EQ_INT(f->rm_scanned_out, 0);
	int live_blobs = 0;
	for (int i = 0; i < f->n_blobs; i++)
		live_blobs += f->blobs[i].live;
	CHECK_EQ_INT(live_blobs, 0);
	CHECK(f->closed);
	kms_fake_free(f);
}

struct resized {
	uint32_t w, h, mhz;
};

static void on_resize(void *data, uint32_t w, uint32_t h, uint32_t mhz)
{
	*(struct resized *)data = (struct resized){ w, h, mhz };
}

static void kms_mode_switch(void)
{
	struct kms_run r;
	REQUIRE(run_start(&r, HYPERV, &(struct shim_kms_options){ .width = 1600, .height = 1200 }));
	struct resized got = { 0 };
	static const struct shim_listener l = { .resize = on_resize };
	REQUIRE(shim_add_listener(r.shim, &l, &got) == 0);
	CHECK_EQ_INT(shim_output_get_mode(r.out).width, 1600);
	run_frame(&r);
	CHECK_EQ_INT(shim_set_mode(r.shim, 1366, 768), -ENOENT);
	REQUIRE(shim_set_mode(r.shim, 1280, 1024) == 0);
	CHECK(got.w == 1280 && got.h == 1024 && got.mhz == 75000);
	run_frame(&r);
	CHECK(r.f->last_flags & DRM_MODE_ATOMIC_ALLOW_MODESET);
	drmModeModeInfo m;
	const struct kms_fake_blob *mode = kms_fake_blob(r.f, (uint32_t)last(&r, 35, "MODE_ID"));
	REQUIRE(mode != NULL);
	memcpy(&m, mode->data, sizeof(m));
	CHECK(m.hdisplay == 1280 && m.vdisplay == 1024 && m.vrefresh == 75);
	CHECK_EQ_INT(r.f->rm_scanned_out, 0);
	run_stop(&r);
}

static void kms_master_lost_and_regained(void)
{
	struct kms_run r;
	REQUIRE(run_start(&r, HYPERV, NULL));
	run_frame(&r);
	REQUIRE(shim_set_active(r.shim, false) == 0);
	CHECK(!r.f->master);
	int commits = r.f->atomic_commits;
	shim_damage_all(r.shim);
	run_frame(&r);
	CHECK_EQ_INT(r.f->atomic_commits, commits);
	REQUIRE(shim_set_active(r.shim, true) == 0);
	CHECK(r.f->master);
	run_frame(&r);
	CHECK_EQ_INT(r.f->atomic_commits, commits + 1);
	CHECK(r.f->last_flags & DRM_MODE_ATOMIC_ALLOW_MODESET);
	run_stop(&r);
}

static const struct test_case cases[] = {
	TEST_CASE(kms_select_hyperv_drm),
	TEST_CASE(kms_select_virtio_gpu),
	TEST_CASE(kms_select_virtio_gpu_without_hotspot_cap),
	TEST_CASE(kms_select_legacy),
	TEST_CASE(kms_atomic_modeset_then_damage_clips),
	TEST_CASE(kms_flip_event_paces_frames),
	TEST_CASE(kms_instant_flip_events_still_paced),
	TEST_CASE(kms_refused_commit_keeps_damage),
	TEST_CASE(kms_cursor_on_virtio_plane),
	TEST_CASE(kms_cursor_refused_goes_software),
	TEST_CASE(kms_legacy_setcrtc_then_dirtyfb),
	TEST_CASE(kms_atomic_without_damage_clips_uses_dirtyfb),
	TEST_CASE(kms_restores_crtc_at_exit),
	TEST_CASE(kms_mode_switch),
	TEST_CASE(kms_master_lost_and_regained),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
