/*
 * Reading a KMS device into plain data, and choosing what to drive from it.
 *
 * Virtualised drivers (virtio-gpu, vmwgfx, qxl; Linux 6.8 on) show their cursor plane to atomic
 * clients only if they set DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT, because the host draws that
 * cursor and needs the hotspot; so the cap is asked for, and without it such a device simply
 * has no cursor plane and the cursor is drawn in software.
 */
#define LOG_MODULE "shim-kms"

#include "shim_kms_probe.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <drm_fourcc.h>

#include "log.h"
#include "macros.h"

#ifndef DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT
#define DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT 6 // Linux 6.8 uapi; libdrm 2.4.114 predates it
#endif

static const char *const prop_names[KMS_PROP_COUNT] = {
	[KMS_PROP_FB_ID] = "FB_ID",
	[KMS_PROP_CRTC_ID] = "CRTC_ID",
	[KMS_PROP_SRC_X] = "SRC_X",
	[KMS_PROP_SRC_Y] = "SRC_Y",
	[KMS_PROP_SRC_W] = "SRC_W",
	[KMS_PROP_SRC_H] = "SRC_H",
	[KMS_PROP_CRTC_X] = "CRTC_X",
	[KMS_PROP_CRTC_Y] = "CRTC_Y",
	[KMS_PROP_CRTC_W] = "CRTC_W",
	[KMS_PROP_CRTC_H] = "CRTC_H",
	[KMS_PROP_FB_DAMAGE_CLIPS] = "FB_DAMAGE_CLIPS",
	[KMS_PROP_HOTSPOT_X] = "HOTSPOT_X",
	[KMS_PROP_HOTSPOT_Y] = "HOTSPOT_Y",
	[KMS_PROP_MODE_ID] = "MODE_ID",
	[KMS_PROP_ACTIVE] = "ACTIVE",
};

const char *kms_prop_name(enum kms_prop prop)
{
	return prop < KMS_PROP_COUNT ? prop_names[prop] : "?";
}

/* ---- Probing ------------------------------------------------------------------------------- */

/* Fills ids[] with the properties the object has; *type gets the plane "type" value. */
static int read_props(const struct shim_kms_iface *iface, void *ctx, uint32_t object,
	uint32_t obj_type, uint32_t *ids, uint64_t *type)
{
	drmModeObjectPropertiesPtr props = iface->get_properties(ctx, object, obj_type);
	if (!props)
		return -errno ? -errno : -EIO;
	for (uint32_t i = 0; i < props->count_props; i++) {
		drmModePropertyPtr p = iface->get_property(ctx, props->props[i]);
		if (!p)
			continue;
		if (type && strcmp(p->name, "type") == 0)
			*type = props->prop_values[i];
		for (int k = 0; k < KMS_PROP_COUNT; k++) {
			if (strcmp(p->name, prop_names[k]) == 0)
				ids[k] = p->prop_id;
		}
		iface->free_property(ctx, p);
	}
	iface->free_properties(ctx, props);
	return 0;
}

static void name_connector(struct kms_connector *kc, const drmModeConnector *c)
{
	const char *type = drmModeGetConnectorTypeName(c->connector_type);
	snprintf(
		kc->name, sizeof(kc->name), "%s-%u", type ? type : "Unknown", c->connector_type_id);
}

static int probe_connector(
	const struct shim_kms_iface *iface, void *ctx, uint32_t id, struct kms_connector *kc)
{
	drmModeConnectorPtr c = iface->get_connector(ctx, id);
	if (!c)
		return -errno ? -errno : -EIO;
	kc->id = id;
	name_connector(kc, c);
	kc->connected = c->connection == DRM_MODE_CONNECTED;
	kc->encoder = c->encoder_id;
	kc->n_modes = MIN(c->count_modes, KMS_MAX_MODES);
	memcpy(kc->modes, c->modes, sizeof(kc->modes[0]) * (size_t)kc->n_modes);
	kc->n_encoders = MIN(c->count_encoders, KMS_MAX_ENCODERS);
	memcpy(kc->encoders, c->encoders, sizeof(kc->encoders[0]) * (size_t)kc->n_encoders);
	iface->free_connector(ctx, c);
	return read_props(iface, ctx, id, DRM_MODE_OBJECT_CONNECTOR, kc->props, NULL);
}

static int probe_crtc(
	const struct shim_kms_iface *iface, void *ctx, uint32_t id, struct kms_crtc *kc)
{
	drmModeCrtcPtr c = iface->get_crtc(ctx, id);
	if (!c)
		return -errno ? -errno : -EIO;
	*kc = (struct kms_crtc){ .id = id,
		.fb = c->buffer_id,
		.x = (int32_t)c->x,
		.y = (int32_t)c->y,
		.mode_valid = c->mode_valid,
		.mode = c->mode };
	iface->free_crtc(ctx, c);
	return read_props(iface, ctx, id, DRM_MODE_OBJECT_CRTC, kc->props, NULL);
}

static int probe_encoder(
	const struct shim_kms_iface *iface, void *ctx, uint32_t id, struct kms_encoder *ke)
{
	drmModeEncoderPtr e = iface->get_encoder(ctx, id);
	if (!e)
		return -errno ? -errno : -EIO;
	*ke = (struct kms_encoder){ id, e->possible_crtcs, e->crtc_id };
	iface->free_encoder(ctx, e);
	return 0;
}

static int probe_planes(const struct shim_kms_iface *iface, void *ctx, struct kms_device *dev)
{
	drmModePlaneResPtr res = iface->get_plane_resources(ctx);
	if (!res)
		return -errno ? -errno : -EIO;
	int ret = 0;
	for (uint32_t i = 0; i < res->count_planes && dev->n_planes < (int)ARRAY_LEN(dev->planes);
		i++) {
		drmModePlanePtr p = iface->get_plane(ctx, res->planes[i]);
		if (!p)
			continue;
		struct kms_plane *kp = &dev->planes[dev->n_planes++];
		*kp = (struct kms_plane){ .id = p->plane_id,
			.possible_crtcs = p->possible_crtcs,
			.type = DRM_PLANE_TYPE_OVERLAY };
		for (uint32_t f = 0; f < p->count_formats; f++) {
			kp->xrgb8888 |= p->formats[f] == DRM_FORMAT_XRGB8888;
			kp->argb8888 |= p->formats[f] == DRM_FORMAT_ARGB8888;
		}
		iface->free_plane(ctx, p);
		ret = read_props(iface, ctx, kp->id, DRM_MODE_OBJECT_PLANE, kp->props, &kp->type);
		if (ret < 0)
			break;
	}
	iface->free_plane_resources(ctx, res);
	return ret;
}

static void probe_caps(
	const struct shim_kms_iface *iface, void *ctx, bool force_legacy, struct kms_device *dev)
{
	uint64_t v = 0;
	dev->atomic = !force_legacy && iface->set_client_cap(ctx, DRM_CLIENT_CAP_ATOMIC, 1) == 0;
	if (dev->atomic)
		iface->set_client_cap(ctx, DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT, 1);
	dev->dumb = iface->get_cap(ctx, DRM_CAP_DUMB_BUFFER, &v) == 0 && v;
	dev->cursor_w = iface->get_cap(ctx, DRM_CAP_CURSOR_WIDTH, &v) == 0 && v ? (uint32_t)v : 64;
	dev->cursor_h = iface->get_cap(ctx, DRM_CAP_CURSOR_HEIGHT, &v) == 0 && v ? (uint32_t)v : 64;
}

int kms_probe(
	const struct shim_kms_iface *iface, void *ctx, bool force_legacy, struct kms_device *dev)
{
	*dev = (struct kms_device){ 0 };
	int ret = iface->set_client_cap(ctx, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	if (ret < 0) {
		log_error("the driver lists no planes (universal planes: %s)", strerror(-ret));
		return ret;
	}
	probe_caps(iface, ctx, force_legacy, dev);
	drmModeResPtr res = iface->get_resources(ctx);
	if (!res)
		return -errno ? -errno : -EIO;
	for (int i = 0; i < res->count_crtcs && ret == 0 && dev->n_crtcs < KMS_MAX_OBJECTS; i++)
		ret = probe_crtc(iface, ctx, res->crtcs[i], &dev->crtcs[dev->n_crtcs++]);
	for (int i = 0; i < res->count_encoders && ret == 0 && dev->n_encoders < KMS_MAX_OBJECTS;
		i++)
		ret = probe_encoder(
			iface, ctx, res->encoders[i], &dev->encoders[dev->n_encoders++]);
	for (int i = 0;
		i < res->count_connectors && ret == 0 && dev->n_connectors < KMS_MAX_OBJECTS; i++)
		ret = probe_connector(
			iface, ctx, res->connectors[i], &dev->connectors[dev->n_connectors++]);
	iface->free_resources(ctx, res);
	if (ret == 0)
		ret = probe_planes(iface, ctx, dev);
	return ret;
}

/* ---- Choosing ---------------------------------------------------------------------------- */

const drmModeModeInfo *kms_find_mode(
	const struct kms_connector *conn, uint32_t width, uint32_t height)
{
	const drmModeModeInfo *best = NULL;
	for (int i = 0; i < conn->n_modes; i++) {
		const drmModeModeInfo *m = &conn->modes[i];
		if (m->hdisplay == width && m->vdisplay == height &&
			(!best || m->vrefresh > best->vrefresh))
			best = m;
	}
	return best;
}

static const drmModeModeInfo *preferred_mode(const struct kms_connector *conn)
{
	for (int i = 0; i < conn->n_modes; i++) {
		if (conn->modes[i].type & DRM_MODE_TYPE_PREFERRED)
			return &conn->modes[i];
	}
	return conn->n_modes ? &conn->modes[0] : NULL;
}

int kms_modes(const struct kms_connector *conn, struct shim_mode *modes, int max)
{
	const drmModeModeInfo *pref = preferred_mode(conn);
	int n = 0;
	if (pref && n < max)
		modes[n++] = (struct shim_mode){ pref->hdisplay, pref->vdisplay,
			pref->vrefresh * 1000, true };
	for (int i = 0; i < conn->n_modes && n < max; i++) {
		const drmModeModeInfo *m = &conn->modes[i];
		if (m != pref)
			modes[n++] = (struct shim_mode){ m->hdisplay, m->vdisplay,
				m->vrefresh * 1000, false };
	}
	return n;
}

static const struct kms_connector *pick_connector(const struct kms_device *dev, const char *name)
{
	for (int i = 0; i < dev->n_connectors; i++) {
		const struct kms_connector *c = &dev->connectors[i];
		if (name && strcmp(c->name, name) != 0)
			continue;
		if (c->connected && c->n_modes > 0)
			return c;
		if (name) {
			log_error("connector %s is not connected or has no modes", name);
			return NULL;
		}
	}
	if (name)
		log_error("no connector named %s", name);
	else
		log_error("no connected connector with modes");
	return NULL;
}

static int crtc_index(const struct kms_device *dev, uint32_t id)
{
	for (int i = 0; i < dev->n_crtcs; i++) {
		if (dev->crtcs[i].id == id)
			return i;
	}
	return -1;
}

static const struct kms_encoder *find_encoder(const struct kms_device *dev, uint32_t id)
{
	for (int i = 0; i < dev->n_encoders; i++) {
		if (dev->encoders[i].id == id)
			return &dev->encoders[i];
	}
	return NULL;
}

/* The CRTC lit for this connector now, else the first one an encoder of it can drive. */
static const struct kms_crtc *pick_crtc(
	const struct kms_device *dev, const struct kms_connector *conn)
{
	const struct kms_encoder *enc = find_encoder(dev, conn->encoder);
	if (enc && enc->crtc && crtc_index(dev, enc->crtc) >= 0)
		return &dev->crtcs[crtc_index(dev, enc->crtc)];
	for (int e = 0; e < conn->n_encoders; e++) {
		enc = find_encoder(dev, conn->encoders[e]);
		for (int i = 0; enc && i < dev->n_crtcs && i < 32; i++) {
			if (enc->possible_crtcs & (1u << i))
				return &dev->crtcs[i];
		}
	}
	return NULL;
}

static const struct kms_plane *pick_plane(const struct kms_device *dev, uint64_t type, int crtc_idx)
{
	for (int i = 0; i < dev->n_planes; i++) {
		const struct kms_plane *p = &dev->planes[i];
		bool format = type == DRM_PLANE_TYPE_CURSOR ? p->argb8888 : p->xrgb8888;
		if (p->type == type && format && (p->possible_crtcs & (1u << crtc_idx)))
			return p;
	}
	return NULL;
}

static bool has_props(const uint32_t *props, const enum kms_prop *need, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!props[need[i]])
			return false;
	}
	return true;
}

static const enum kms_prop plane_needs[] = { KMS_PROP_FB_ID, KMS_PROP_CRTC_ID, KMS_PROP_SRC_X,
	KMS_PROP_SRC_Y, KMS_PROP_SRC_W, KMS_PROP_SRC_H, KMS_PROP_CRTC_X, KMS_PROP_CRTC_Y,
	KMS_PROP_CRTC_W, KMS_PROP_CRTC_H };

static int select_planes(const struct kms_device *dev, int idx, struct kms_selection *sel)
{
	sel->primary = pick_plane(dev, DRM_PLANE_TYPE_PRIMARY, idx);
	sel->cursor = pick_plane(dev, DRM_PLANE_TYPE_CURSOR, idx);
	if (!dev->atomic)
		return 0; // legacy calls name the CRTC, not planes
	static const enum kms_prop crtc_needs[] = { KMS_PROP_MODE_ID, KMS_PROP_ACTIVE };
	if (!sel->primary || !has_props(sel->primary->props, plane_needs, ARRAY_LEN(plane_needs)) ||
		!has_props(sel->crtc->props, crtc_needs, ARRAY_LEN(crtc_needs)) ||
		!sel->connector->props[KMS_PROP_CRTC_ID]) {
		log_error("CRTC %u has no XRGB8888 primary plane with the atomic properties",
			sel->crtc->id);
		return -ENOENT;
	}
	if (sel->cursor && !has_props(sel->cursor->props, plane_needs, ARRAY_LEN(plane_needs)))
		sel->cursor = NULL;
	sel->damage_clips = sel->primary->props[KMS_PROP_FB_DAMAGE_CLIPS] != 0;
	return 0;
}

int kms_select(const struct kms_device *dev, const char *connector, uint32_t width, uint32_t height,
	struct kms_selection *sel)
{
	*sel = (struct kms_selection){ 0 };
	sel->connector = pick_connector(dev, connector);
	if (!sel->connector)
		return -ENOENT;
	const drmModeModeInfo *mode = width ? kms_find_mode(sel->connector, width, height)
					    : preferred_mode(sel->connector);
	if (!mode) {
		log_error("%s has no %ux%u mode", sel->connector->name, width, height);
		return -ENOENT;
	}
	sel->mode = *mode;
	sel->crtc = pick_crtc(dev, sel->connector);
	if (!sel->crtc) {
		log_error("no CRTC can drive %s", sel->connector->name);
		return -ENOENT;
	}
	return select_planes(dev, crtc_index(dev, sel->crtc->id), sel);
}
