/*
 * A KMS device as plain data, and the choices made from it: which connector, mode, CRTC and
 * planes the kms output drives.
 *
 * kms_probe() reads the device once through the injected interface (and sets the client caps
 * the choice depends on); kms_select() is pure, so the choice is unit-tested against recorded
 * device shapes. Errors: -ENOENT nothing usable (the log says what was missing), -ENOMEM, or the
 * kernel's error.
 */
#ifndef HVD_SHIM_KMS_PROBE_H
#define HVD_SHIM_KMS_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "shim_kms_iface.h"

/* Properties the output sets; an object keeps the id of each it has, 0 when absent. */
enum kms_prop {
	KMS_PROP_FB_ID,
	KMS_PROP_CRTC_ID, // planes and connectors
	KMS_PROP_SRC_X,
	KMS_PROP_SRC_Y,
	KMS_PROP_SRC_W,
	KMS_PROP_SRC_H,
	KMS_PROP_CRTC_X,
	KMS_PROP_CRTC_Y,
	KMS_PROP_CRTC_W,
	KMS_PROP_CRTC_H,
	KMS_PROP_FB_DAMAGE_CLIPS,
	KMS_PROP_HOTSPOT_X,
	KMS_PROP_HOTSPOT_Y,
	KMS_PROP_MODE_ID,
	KMS_PROP_ACTIVE,
	KMS_PROP_COUNT,
};

const char *kms_prop_name(enum kms_prop prop);

#define KMS_MAX_OBJECTS 16
#define KMS_MAX_MODES 64
#define KMS_MAX_ENCODERS 8

struct kms_connector {
	uint32_t id;
	char name[32]; // "Virtual-1"
	bool connected;
	drmModeModeInfo modes[KMS_MAX_MODES];
	int n_modes;
	uint32_t encoders[KMS_MAX_ENCODERS];
	int n_encoders;
	uint32_t encoder; // current one, 0 none
	uint32_t props[KMS_PROP_COUNT];
};

struct kms_encoder {
	uint32_t id;
	uint32_t possible_crtcs; // bit i: the i-th CRTC of the resources
	uint32_t crtc;           // current one, 0 none
};

struct kms_crtc {
	uint32_t id;
	uint32_t fb; // what it shows now (restored on exit)
	int32_t x, y;
	bool mode_valid;
	drmModeModeInfo mode;
	uint32_t props[KMS_PROP_COUNT];
};

struct kms_plane {
	uint32_t id;
	uint64_t type; // DRM_PLANE_TYPE_*
	uint32_t possible_crtcs;
	bool xrgb8888, argb8888;
	uint32_t props[KMS_PROP_COUNT];
};

struct kms_device {
	bool atomic;                 // the driver took DRM_CLIENT_CAP_ATOMIC
	bool dumb;                   // DRM_CAP_DUMB_BUFFER
	uint32_t cursor_w, cursor_h; // DRM_CAP_CURSOR_WIDTH/HEIGHT (64 when not said)
	struct kms_connector connectors[KMS_MAX_OBJECTS];
	int n_connectors;
	struct kms_encoder encoders[KMS_MAX_OBJECTS];
	int n_encoders;
	struct kms_crtc crtcs[KMS_MAX_OBJECTS];
	int n_crtcs;
	struct kms_plane planes[KMS_MAX_OBJECTS * 3];
	int n_planes;
};

struct kms_selection {
	const struct kms_connector *connector;
	drmModeModeInfo mode;
	const struct kms_crtc *crtc;
	const struct kms_plane *primary;
	const struct kms_plane *cursor; // NULL: draw the cursor in software
	bool damage_clips;              // the primary plane takes FB_DAMAGE_CLIPS
};

/* Sets the client caps (universal planes; atomic unless force_legacy; cursor hotspots) and
 * reads the device into dev. */
int kms_probe(
	const struct shim_kms_iface *iface, void *ctx, bool force_legacy, struct kms_device *dev);

/* Picks the named connector (NULL: the first connected one), the mode of width x height (0: the
 * preferred mode, else the first listed; with several refreshes the fastest), a CRTC its
 * encoders can drive (the one lit now first), an XRGB8888 primary plane and an ARGB8888 cursor
 * plane of that CRTC. Pure. */
int kms_select(const struct kms_device *dev, const char *connector, uint32_t width, uint32_t height,
	struct kms_selection *sel);

/* The modes of the selected connector as shim modes, preferred first. */
int kms_modes(const struct kms_connector *conn, struct shim_mode *modes, int max);

/* The connector's mode of that size with the fastest refresh; NULL none. */
const drmModeModeInfo *kms_find_mode(
	const struct kms_connector *conn, uint32_t width, uint32_t height);

#endif
