/*
 * The kernel calls the kms output makes, as an injected table (wlroots' wlr_drm_interface,
 * libseat's seat_impl), so tests run the backend against recorded device shapes
 * (tests/data/kms/) without any /dev/dri.
 *
 * Probing hands out libdrm's own structures, freed with the matching free_* entry; everything
 * else is the libdrm call of the same name with the device fd folded into ctx. An atomic request
 * is a plain list of (object, property, value), so a fake can read what was asked.
 *
 * Errors: 0 or a negative errno, as the kernel returns them; the get_* entries return NULL
 * (errno set) on failure.
 */
#ifndef HVD_SHIM_KMS_IFACE_H
#define HVD_SHIM_KMS_IFACE_H

#include <stddef.h>
#include <stdint.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "shim.h"

struct shim_kms_prop {
	uint32_t object, prop;
	uint64_t value;
};

struct shim_kms_iface {
	drmModeResPtr (*get_resources)(void *ctx);
	void (*free_resources)(void *ctx, drmModeResPtr res);
	drmModeConnectorPtr (*get_connector)(void *ctx, uint32_t id);
	void (*free_connector)(void *ctx, drmModeConnectorPtr conn);
	drmModeEncoderPtr (*get_encoder)(void *ctx, uint32_t id);
	void (*free_encoder)(void *ctx, drmModeEncoderPtr enc);
	drmModeCrtcPtr (*get_crtc)(void *ctx, uint32_t id);
	void (*free_crtc)(void *ctx, drmModeCrtcPtr crtc);
	drmModePlaneResPtr (*get_plane_resources)(void *ctx);
	void (*free_plane_resources)(void *ctx, drmModePlaneResPtr res);
	drmModePlanePtr (*get_plane)(void *ctx, uint32_t id);
	void (*free_plane)(void *ctx, drmModePlanePtr plane);
	drmModeObjectPropertiesPtr (*get_properties)(void *ctx, uint32_t object, uint32_t type);
	void (*free_properties)(void *ctx, drmModeObjectPropertiesPtr props);
	drmModePropertyPtr (*get_property)(void *ctx, uint32_t id);
	void (*free_property)(void *ctx, drmModePropertyPtr prop);

	int (*get_cap)(void *ctx, uint64_t cap, uint64_t *value);
	int (*set_client_cap)(void *ctx, uint64_t cap, uint64_t value);
	int (*set_master)(void *ctx);
	int (*drop_master)(void *ctx);

	/* Dumb buffers: create, map (NULL on failure), unmap, destroy. */
	int (*create_dumb)(void *ctx, uint32_t width, uint32_t height, uint32_t bpp,
		uint32_t *handle, uint32_t *pitch, uint64_t *size);
	void *(*map_dumb)(void *ctx, uint32_t handle, uint64_t size);
	void (*unmap_dumb)(void *ctx, void *map, uint64_t size);
	int (*destroy_dumb)(void *ctx, uint32_t handle);
	int (*add_fb)(void *ctx, uint32_t width, uint32_t height, uint32_t format, uint32_t handle,
		uint32_t pitch, uint32_t *fb_id);
	int (*rm_fb)(void *ctx, uint32_t fb_id);

	int (*create_blob)(void *ctx, const void *data, size_t size, uint32_t *id);
	int (*destroy_blob)(void *ctx, uint32_t id);
	/* flags: DRM_MODE_ATOMIC_*, DRM_MODE_PAGE_FLIP_EVENT; user_data comes back with the
	 * event. */
	int (*atomic_commit)(void *ctx, const struct shim_kms_prop *props, size_t n, uint32_t flags,
		void *user_data);

	int (*set_crtc)(void *ctx, uint32_t crtc, uint32_t fb, uint32_t x, uint32_t y,
		uint32_t *connectors, int count, drmModeModeInfoPtr mode);
	int (*dirty_fb)(void *ctx, uint32_t fb, drmModeClipPtr clips, uint32_t n);
	int (*set_cursor)(void *ctx, uint32_t crtc, uint32_t handle, uint32_t width,
		uint32_t height, int32_t hot_x, int32_t hot_y);
	int (*move_cursor)(void *ctx, uint32_t crtc, int32_t x, int32_t y);

	/* Readable when handle_event() has page-flip events to deliver. */
	int (*get_fd)(void *ctx);
	int (*handle_event)(void *ctx, drmEventContextPtr ev);
	/* Closes the device. */
	void (*destroy)(void *ctx);
};

/* The real table over an open DRM fd (taken; destroy closes it). */
int shim_kms_iface_open(const char *path, const struct shim_kms_iface **iface, void **ctx);

/* The kms output over an injected device; on success destroy() of the output calls
 * iface->destroy(ctx). */
int shim_output_kms_create_with(struct shim_output **out, const struct shim_kms_iface *iface,
	void *ctx, const struct shim_kms_options *opts);

#endif
