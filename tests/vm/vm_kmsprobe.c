/*
 * vm-kmsprobe: what a kernel DRM device offers, one fact per line, for the vm suite's smoke
 * scenario (a modetest -p/-c in a form a shell script can grep):
 *
 *   driver virtio_gpu 0.1.0
 *   cap dumb 1
 *   cap atomic 1
 *   connector 37 Virtual-1 connected modes 1024x768@60* 1920x1080@60 ...
 *   crtc 36
 *   plane 34 primary crtcs 0x1 formats 2 FB_DAMAGE_CLIPS 1
 *
 * Usage: vm-kmsprobe [/dev/dri/card0]. Exit status 1 when the device cannot be opened or has
 * no mode resources (not a KMS device).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

static const char *connector_status(drmModeConnection c)
{
	switch (c) {
	case DRM_MODE_CONNECTED:
		return "connected";
	case DRM_MODE_DISCONNECTED:
		return "disconnected";
	default:
		return "unknown";
	}
}

/* The value of the property called name on an object, or false if it has none. */
static bool find_prop(int fd, uint32_t obj, uint32_t type, const char *name, uint64_t *value)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, obj, type);
	if (!props)
		return false;
	bool found = false;
	for (uint32_t i = 0; i < props->count_props && !found; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);
		if (p && strcmp(p->name, name) == 0) {
			*value = props->prop_values[i];
			found = true;
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return found;
}

static const char *plane_type(uint64_t type)
{
	switch (type) {
	case DRM_PLANE_TYPE_PRIMARY:
		return "primary";
	case DRM_PLANE_TYPE_CURSOR:
		return "cursor";
	case DRM_PLANE_TYPE_OVERLAY:
		return "overlay";
	default:
		return "unknown";
	}
}

static void print_connectors(int fd, const drmModeRes *res)
{
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnector *c = drmModeGetConnector(fd, res->connectors[i]);
		if (!c)
			continue;
		printf("connector %u %s-%u %s modes", c->connector_id,
			drmModeGetConnectorTypeName(c->connector_type)
				? drmModeGetConnectorTypeName(c->connector_type)
				: "Unknown",
			c->connector_type_id, connector_status(c->connection));
		for (int m = 0; m < c->count_modes; m++) {
			const drmModeModeInfo *mi = &c->modes[m];
			printf(" %ux%u@%u%s", mi->hdisplay, mi->vdisplay, mi->vrefresh,
				mi->type & DRM_MODE_TYPE_PREFERRED ? "*" : "");
		}
		printf("\n");
		drmModeFreeConnector(c);
	}
	for (int i = 0; i < res->count_crtcs; i++)
		printf("crtc %u\n", res->crtcs[i]);
}

static void print_planes(int fd)
{
	drmModePlaneRes *pr = drmModeGetPlaneResources(fd);
	if (!pr) {
		printf("planes none (%s)\n", strerror(errno));
		return;
	}
	for (uint32_t i = 0; i < pr->count_planes; i++) {
		drmModePlane *p = drmModeGetPlane(fd, pr->planes[i]);
		if (!p)
			continue;
		uint64_t type = 0, unused;
		find_prop(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "type", &type);
		bool clips = find_prop(
			fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "FB_DAMAGE_CLIPS", &unused);
		printf("plane %u %s crtcs 0x%x formats %u FB_DAMAGE_CLIPS %d\n", p->plane_id,
			plane_type(type), p->possible_crtcs, p->count_formats, clips);
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(pr);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/dri/card0";
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vm-kmsprobe: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	drmVersion *v = drmGetVersion(fd);
	if (v) {
		printf("driver %s %d.%d.%d\n", v->name, v->version_major, v->version_minor,
			v->version_patchlevel);
		drmFreeVersion(v);
	}
	uint64_t dumb = 0;
	drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &dumb);
	printf("cap dumb %d\n", dumb != 0);
	/* Planes are only listed whole (primary and cursor too) to universal-plane clients. */
	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	printf("cap atomic %d\n", drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) == 0);
	drmModeRes *res = drmModeGetResources(fd);
	if (!res) {
		fprintf(stderr, "vm-kmsprobe: %s has no mode resources: %s\n", path,
			strerror(errno));
		close(fd);
		return 1;
	}
	print_connectors(fd, res);
	drmModeFreeResources(res);
	print_planes(fd);
	close(fd);
	return 0;
}
