/*
 * A fake KMS device behind shim_kms_iface, loaded from a device shape in tests/data/kms/ (the
 * connector, encoder, CRTC, plane and property lists a driver shows; the file format is
 * described in tests/data/kms/README.md). It records what the output asked of it: atomic
 * requests, blobs, legacy calls, buffers, master, and page flips the test completes by hand.
 */
#ifndef HVD_TESTS_KMS_FAKE_H
#define HVD_TESTS_KMS_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "shim_kms_iface.h"

#define FAKE_MAX 16
#define FAKE_MAX_PROPS 64

struct kms_fake_blob {
	uint32_t id;
	uint8_t data[4096];
	size_t size;
	bool live;
};

struct kms_fake {
	/* The device shape. */
	bool offers_atomic, dumb;
	uint64_t cursor_w, cursor_h;
	drmModeCrtc crtcs[FAKE_MAX];
	int n_crtcs;
	drmModeEncoder encoders[FAKE_MAX];
	int n_encoders;
	struct {
		drmModeConnector c;
		uint32_t encoders[FAKE_MAX];
		drmModeModeInfo modes[FAKE_MAX * 2];
	} connectors[FAKE_MAX];
	int n_connectors;
	struct {
		drmModePlane p;
		uint64_t type;
		uint32_t formats[8];
	} planes[FAKE_MAX];
	int n_planes;
	struct {
		uint32_t object;
		uint32_t prop;
	} object_props[FAKE_MAX * FAKE_MAX_PROPS];
	int n_object_props;
	char prop_names[FAKE_MAX_PROPS][DRM_PROP_NAME_LEN];
	int n_prop_names;

	/* What the output did. */
	bool atomic, hotspot_cap, master;
	int set_master_calls, drop_master_calls;
	struct {
		void *mem;
		uint64_t size;
		uint32_t pitch;
		bool live;
	} dumbs[FAKE_MAX * 2];
	int n_dumbs;
	struct {
		uint32_t handle, format;
		bool live;
	} fbs[FAKE_MAX * 2];
	int n_fbs;
	struct kms_fake_blob blobs[64];
	int n_blobs;
	int atomic_commits, atomic_tests;
	struct shim_kms_prop last[64];
	size_t n_last;
	uint32_t last_flags;
	bool refuse_cursor;  // TEST_ONLY fails when the request shows the cursor plane
	bool refuse_hotspot; // an older kernel: no DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT
	int fail_commits;    // the next atomic commits (not tests) fail with this errno
	int set_crtc_calls;
	uint32_t set_crtc_fb, set_crtc_conn;
	drmModeModeInfo set_crtc_mode;
	bool set_crtc_has_mode;
	int dirty_calls;
	drmModeClip dirty_clips[256];
	uint32_t n_dirty_clips;
	int set_cursor_calls, move_cursor_calls;
	uint32_t cursor_handle;
	int32_t cursor_x, cursor_y;
	uint32_t scanout_fb; // the primary plane's framebuffer after the last completed update
	uint32_t queued_fb;  // the one a pending flip will show
	int rm_scanned_out;  // framebuffers removed while on screen: must stay 0
	int event_fd;
	int pending_flips;
	void *flip_data;
	bool closed;
};

/* Loads a shape file (path relative to the source root); NULL after a TAP note on error. */
/* Index of the connector with this id in f->connectors, -1 none. */
int kms_fake_connector_index(const struct kms_fake *f, uint32_t id);
struct kms_fake *kms_fake_load(const char *path);
void kms_fake_free(struct kms_fake *f);
extern const struct shim_kms_iface kms_fake_iface;

/* Completes every pending flip at the next handle_event(). */
void kms_fake_complete_flips(struct kms_fake *f);
uint32_t kms_fake_prop_id(const struct kms_fake *f, const char *name);
/* The value the last atomic request set for object.name; false when it set none. */
bool kms_fake_last_value(
	const struct kms_fake *f, uint32_t object, const char *name, uint64_t *value);
const struct kms_fake_blob *kms_fake_blob(const struct kms_fake *f, uint32_t id);
int kms_fake_live_dumbs(const struct kms_fake *f);
int kms_fake_live_fbs(const struct kms_fake *f);
/* The memory of the dumb buffer behind framebuffer fb (NULL none). */
void *kms_fake_fb_pixels(const struct kms_fake *f, uint32_t fb, uint32_t *pitch);

#endif
