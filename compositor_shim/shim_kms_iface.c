/*
 * The real kernel behind shim_kms_iface: libdrm on an open /dev/dri/cardN. Each entry is the
 * libdrm call of the same name; nothing here decides anything.
 */
#include "shim_kms_iface.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct shim_drm_ctx {
	int fd;
};

static int fd_of(void *ctx)
{
	return ((struct shim_drm_ctx *)ctx)->fd;
}

static int neg(int ret)
{
	return ret < 0 ? (errno ? -errno : ret) : ret;
}

static drmModeResPtr get_resources(void *ctx)
{
	return drmModeGetResources(fd_of(ctx));
}

static void free_resources(void *ctx, drmModeResPtr res)
{
	drmModeFreeResources(res);
}

static drmModeConnectorPtr get_connector(void *ctx, uint32_t id)
{
	return drmModeGetConnector(fd_of(ctx), id);
}

static void free_connector(void *ctx, drmModeConnectorPtr conn)
{
	drmModeFreeConnector(conn);
}

static drmModeEncoderPtr get_encoder(void *ctx, uint32_t id)
{
	return drmModeGetEncoder(fd_of(ctx), id);
}

static void free_encoder(void *ctx, drmModeEncoderPtr enc)
{
	drmModeFreeEncoder(enc);
}

static drmModeCrtcPtr get_crtc(void *ctx, uint32_t id)
{
	return drmModeGetCrtc(fd_of(ctx), id);
}

static void free_crtc(void *ctx, drmModeCrtcPtr crtc)
{
	drmModeFreeCrtc(crtc);
}

static drmModePlaneResPtr get_plane_resources(void *ctx)
{
	return drmModeGetPlaneResources(fd_of(ctx));
}

static void free_plane_resources(void *ctx, drmModePlaneResPtr res)
{
	drmModeFreePlaneResources(res);
}

static drmModePlanePtr get_plane(void *ctx, uint32_t id)
{
	return drmModeGetPlane(fd_of(ctx), id);
}

static void free_plane(void *ctx, drmModePlanePtr plane)
{
	drmModeFreePlane(plane);
}

static drmModeObjectPropertiesPtr get_properties(void *ctx, uint32_t object, uint32_t type)
{
	return drmModeObjectGetProperties(fd_of(ctx), object, type);
}

static void free_properties(void *ctx, drmModeObjectPropertiesPtr props)
{
	drmModeFreeObjectProperties(props);
}

static drmModePropertyPtr get_property(void *ctx, uint32_t id)
{
	return drmModeGetProperty(fd_of(ctx), id);
}

static void free_property(void *ctx, drmModePropertyPtr prop)
{
	drmModeFreeProperty(prop);
}

static int get_cap(void *ctx, uint64_t cap, uint64_t *value)
{
	return neg(drmGetCap(fd_of(ctx), cap, value));
}

static int set_client_cap(void *ctx, uint64_t cap, uint64_t value)
{
	return neg(drmSetClientCap(fd_of(ctx), cap, value));
}

static int set_master(void *ctx)
{
	return neg(drmSetMaster(fd_of(ctx)));
}

static int drop_master(void *ctx)
{
	return neg(drmDropMaster(fd_of(ctx)));
}

static int create_dumb(void *ctx, uint32_t width, uint32_t height, uint32_t bpp, uint32_t *handle,
	uint32_t *pitch, uint64_t *size)
{
	return neg(drmModeCreateDumbBuffer(fd_of(ctx), width, height, bpp, 0, handle, pitch, size));
}

static void *map_dumb(void *ctx, uint32_t handle, uint64_t size)
{
	uint64_t offset;
	if (drmModeMapDumbBuffer(fd_of(ctx), handle, &offset) < 0)
		return NULL;
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_of(ctx), (off_t)offset);
	return map == MAP_FAILED ? NULL : map;
}

static void unmap_dumb(void *ctx, void *map, uint64_t size)
{
	munmap(map, size);
}

static int destroy_dumb(void *ctx, uint32_t handle)
{
	return neg(drmModeDestroyDumbBuffer(fd_of(ctx), handle));
}

static int add_fb(void *ctx, uint32_t width, uint32_t height, uint32_t format, uint32_t handle,
	uint32_t pitch, uint32_t *fb_id)
{
	uint32_t handles[4] = { handle }, pitches[4] = { pitch }, offsets[4] = { 0 };
	return neg(drmModeAddFB2(
		fd_of(ctx), width, height, format, handles, pitches, offsets, fb_id, 0));
}

static int rm_fb(void *ctx, uint32_t fb_id)
{
	return neg(drmModeRmFB(fd_of(ctx), fb_id));
}

static int create_blob(void *ctx, const void *data, size_t size, uint32_t *id)
{
	return neg(drmModeCreatePropertyBlob(fd_of(ctx), data, size, id));
}

static int destroy_blob(void *ctx, uint32_t id)
{
	return neg(drmModeDestroyPropertyBlob(fd_of(ctx), id));
}

static int atomic_commit(
	void *ctx, const struct shim_kms_prop *props, size_t n, uint32_t flags, void *user_data)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	if (!req)
		return -ENOMEM;
	int ret = 0;
	for (size_t i = 0; i < n && ret >= 0; i++)
		ret = drmModeAtomicAddProperty(req, props[i].object, props[i].prop, props[i].value);
	if (ret >= 0)
		ret = neg(drmModeAtomicCommit(fd_of(ctx), req, flags, user_data));
	drmModeAtomicFree(req);
	return ret < 0 ? ret : 0;
}

static int set_crtc(void *ctx, uint32_t crtc, uint32_t fb, uint32_t x, uint32_t y,
	uint32_t *connectors, int count, drmModeModeInfoPtr mode)
{
	return neg(drmModeSetCrtc(fd_of(ctx), crtc, fb, x, y, connectors, count, mode));
}

static int dirty_fb(void *ctx, uint32_t fb, drmModeClipPtr clips, uint32_t n)
{
	return neg(drmModeDirtyFB(fd_of(ctx), fb, clips, n));
}

static int set_cursor(void *ctx, uint32_t crtc, uint32_t handle, uint32_t width, uint32_t height,
	int32_t hot_x, int32_t hot_y)
{
	return neg(drmModeSetCursor2(fd_of(ctx), crtc, handle, width, height, hot_x, hot_y));
}

static int move_cursor(void *ctx, uint32_t crtc, int32_t x, int32_t y)
{
	return neg(drmModeMoveCursor(fd_of(ctx), crtc, x, y));
}

static int get_fd(void *ctx)
{
	return fd_of(ctx);
}

static int handle_event(void *ctx, drmEventContextPtr ev)
{
	return neg(drmHandleEvent(fd_of(ctx), ev));
}

static void destroy(void *ctx)
{
	close(fd_of(ctx));
	free(ctx);
}

static const struct shim_kms_iface real_iface = {
	.get_resources = get_resources,
	.free_resources = free_resources,
	.get_connector = get_connector,
	.free_connector = free_connector,
	.get_encoder = get_encoder,
	.free_encoder = free_encoder,
	.get_crtc = get_crtc,
	.free_crtc = free_crtc,
	.get_plane_resources = get_plane_resources,
	.free_plane_resources = free_plane_resources,
	.get_plane = get_plane,
	.free_plane = free_plane,
	.get_properties = get_properties,
	.free_properties = free_properties,
	.get_property = get_property,
	.free_property = free_property,
	.get_cap = get_cap,
	.set_client_cap = set_client_cap,
	.set_master = set_master,
	.drop_master = drop_master,
	.create_dumb = create_dumb,
	.map_dumb = map_dumb,
	.unmap_dumb = unmap_dumb,
	.destroy_dumb = destroy_dumb,
	.add_fb = add_fb,
	.rm_fb = rm_fb,
	.create_blob = create_blob,
	.destroy_blob = destroy_blob,
	.atomic_commit = atomic_commit,
	.set_crtc = set_crtc,
	.dirty_fb = dirty_fb,
	.set_cursor = set_cursor,
	.move_cursor = move_cursor,
	.get_fd = get_fd,
	.handle_event = handle_event,
	.destroy = destroy,
};

int shim_kms_iface_open(const char *path, const struct shim_kms_iface **iface, void **ctx)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct shim_drm_ctx *c = malloc(sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	*iface = &real_iface;
	*ctx = c;
	return 0;
}
