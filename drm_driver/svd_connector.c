/*
 * The connector: which modes the host can show, and mode_valid(), which the atomic test shares
 * (hyperv_drm's habit: one check for both).
 *
 * Synthvid 3.5 hosts list their resolutions (RESOLUTION_RESPONSE) with a default, which becomes
 * the preferred mode. 3.2 hosts list nothing: they get the standard modes up to 1600x1200, the
 * limit Linux uses for them. Either way a mode must fit VRAM at pitch width * 4, the layout this
 * driver uses.
 */
#define LOG_MODULE "svd"
#include <errno.h>
#include <string.h>

#include "log.h"
#include "svd_internal.h"

/* DMT-like modes up to Linux's 3.2 maximum; 1024x768 is the host's mode before any
 * SITUATION_UPDATE (OpenVMM, hvhost), so it is the natural preferred one. */
static const struct svd_mode fallback_modes[] = {
	{ 640, 480, false },
	{ 800, 600, false },
	{ 1024, 768, true },
	{ 1152, 864, false },
	{ 1280, 720, false },
	{ 1280, 1024, false },
	{ 1440, 900, false },
	{ 1600, 900, false },
	{ 1600, 1200, false },
};

static bool fits_vram(size_t vram_size, uint32_t width, uint32_t height)
{
	return (uint64_t)width * height * 4u <= vram_size;
}

static struct svd_mode *find_mode(struct svd_connector *conn, uint32_t width, uint32_t height)
{
	for (size_t i = 0; i < conn->mode_count; i++) {
		if (conn->modes[i].width == width && conn->modes[i].height == height)
			return &conn->modes[i];
	}
	return NULL;
}

/* Adds a mode unless it is there already or does not fit VRAM; true when it is in the list. */
static bool add_mode(struct svd_connector *conn, uint32_t width, uint32_t height, bool preferred)
{
	if (!fits_vram(conn->vram_size, width, height) || conn->mode_count >= SVD_MAX_MODES)
		return false;
	struct svd_mode *dup = find_mode(conn, width, height);
	if (dup) {
		dup->preferred |= preferred;
		return true;
	}
	conn->modes[conn->mode_count++] = (struct svd_mode){ width, height, preferred };
	conn->max_width = MAX(conn->max_width, width);
	conn->max_height = MAX(conn->max_height, height);
	return true;
}

static void reset(struct svd_connector *conn, size_t vram_size)
{
	*conn = (struct svd_connector){ .vram_size = vram_size };
}

void svd_connector_set_fallback(struct svd_connector *conn, size_t vram_size)
{
	reset(conn, vram_size);
	for (size_t i = 0; i < ARRAY_LEN(fallback_modes); i++) {
		const struct svd_mode *m = &fallback_modes[i];
		add_mode(conn, m->width, m->height, m->preferred);
	}
}

void svd_connector_set_host_list(struct svd_connector *conn,
	const struct synthvid_resolution_response *resp, size_t vram_size)
{
	reset(conn, vram_size);
	/* The decoder checked count, default index and non-zero sizes; stay safe regardless. */
	size_t count = MIN((size_t)resp->resolution_count, (size_t)SYNTHVID_MAX_RESOLUTIONS);
	for (size_t i = 0; i < count; i++) {
		const struct synthvid_resolution *r = &resp->resolutions[i];
		bool preferred = i == resp->default_resolution_index;
		if (r->width == 0 || r->height == 0)
			continue;
		if (!add_mode(conn, r->width, r->height, preferred))
			log_bug_host("resolution %ux%u does not fit %zu MiB of VRAM: left out",
				r->width, r->height, vram_size / SVD_MIB);
	}
	if (conn->mode_count == 0) {
		log_bug_host("none of the host's %zu resolutions fits VRAM: using standard modes",
			count);
		svd_connector_set_fallback(conn, vram_size);
	}
	char name[SYNTHVID_EDID_NAME_MAX + 1];
	int ret = synthvid_edid_monitor_name(resp->edid, name, sizeof(name));
	if (ret >= 0) {
		memcpy(conn->monitor_name, name, sizeof(name));
		conn->has_name = true;
	} else if (ret == -EPROTO) {
		log_bug_host("the host's EDID has a bad header or checksum: no monitor name");
	}
}

bool svd_connector_equal(const struct svd_connector *a, const struct svd_connector *b)
{
	if (a->mode_count != b->mode_count || a->vram_size != b->vram_size ||
		a->has_name != b->has_name)
		return false;
	if (a->has_name && strcmp(a->monitor_name, b->monitor_name) != 0)
		return false;
	return memcmp(a->modes, b->modes, a->mode_count * sizeof(a->modes[0])) == 0;
}

struct svd_connector *svd_device_get_connector(struct svd_device *dev)
{
	return &dev->conn;
}

size_t svd_connector_mode_count(const struct svd_connector *conn)
{
	return conn->mode_count;
}

int svd_connector_get_mode(const struct svd_connector *conn, size_t index, struct svd_mode *out)
{
	if (index >= conn->mode_count)
		return -ERANGE;
	*out = conn->modes[index];
	return 0;
}

int svd_connector_get_preferred_mode(const struct svd_connector *conn, struct svd_mode *out)
{
	for (size_t i = 0; i < conn->mode_count; i++) {
		if (conn->modes[i].preferred) {
			*out = conn->modes[i];
			return 0;
		}
	}
	return -ENOENT;
}

int svd_connector_mode_valid(const struct svd_connector *conn, uint32_t width, uint32_t height)
{
	if (width == 0 || height == 0)
		return -EINVAL;
	if (width > conn->max_width || height > conn->max_height)
		return -ERANGE;
	if (!fits_vram(conn->vram_size, width, height))
		return -ENOSPC;
	return 0;
}

const char *svd_connector_monitor_name(const struct svd_connector *conn)
{
	return conn->has_name ? conn->monitor_name : NULL;
}
