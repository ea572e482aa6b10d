/*
 * Bringing the channel up (synthvid.md §6.1, §10): find the offer and place VRAM in the MMIO
 * window, open the channel, negotiate the version, ask the host's resolutions, tell the host
 * where VRAM is, then show the current state in full. Used for the first bring-up, after a
 * re-offer and on a new bus alike.
 */
#define LOG_MODULE "svd"
#include <errno.h>
#include <inttypes.h>

#include "log.h"
#include "svd_internal.h"

/* user_ctx of VRAM_LOCATION: a sequence number, not the GPA as Linux sends, so the ACK of a
 * request that timed out can never answer a later one for the same GPA. */
#define SVD_VRAM_CTX_TAG UINT64_C(0x5356440000000000) // "SVD"

static int place_vram(struct svd_device *dev, struct vmb_mmio *mmio)
{
	int ret = vmb_bus_find_offer(dev->bus, &vmb_guid_synthvid, &dev->offer);
	if (ret < 0) {
		log_error("the host offers no synthetic video device");
		return -ENODEV;
	}
	if (dev->offer.mmio_megabytes == 0) {
		log_bug_host("the video offer has mmio_megabytes 0: no VRAM");
		return -EPROTO;
	}
	ret = vmb_bus_get_mmio(dev->bus, mmio);
	if (ret < 0) {
		log_error("no MMIO window to hold VRAM on the %s transport: %d",
			vmb_bus_transport_name(dev->bus), ret);
		return ret;
	}
	uint64_t size = (uint64_t)dev->offer.mmio_megabytes * SVD_MIB;
	uint64_t gpa = dev->opts.vram_gpa ? dev->opts.vram_gpa : mmio->gpa;
	bool inside =
		gpa >= mmio->gpa && size <= mmio->size && gpa - mmio->gpa <= mmio->size - size;
	if (!inside && !dev->opts.vram_gpa) {
		log_bug_host("%u MiB of VRAM do not fit the %" PRIu64 "-byte MMIO window",
			dev->offer.mmio_megabytes, mmio->size);
		return -EPROTO;
	}
	if (!inside || gpa % SVD_VRAM_ALIGN) {
		log_error("vram_gpa 0x%" PRIx64 ": %u MiB there must lie 4096-aligned in the MMIO "
			  "window 0x%" PRIx64 "+0x%" PRIx64,
			gpa, dev->offer.mmio_megabytes, mmio->gpa, mmio->size);
		return -EINVAL;
	}
	dev->vram_gpa = gpa;
	dev->vram_size = (size_t)size;
	return 0;
}

static int request_version(struct svd_device *dev, uint32_t version)
{
	struct synthvid_msg req = { .type = SYNTHVID_VERSION_REQUEST };
	req.version_request.version = version;
	struct svd_wait match = { .type = SYNTHVID_VERSION_RESPONSE, .version = version };
	struct synthvid_msg reply;
	int ret = svd_request(dev, &req, &match, &reply);
	if (ret < 0)
		return ret;
	return reply.version_response.is_accepted ? 0 : -EPROTONOSUPPORT;
}

static int log_no_version(int ret)
{
	if (ret == -EPROTONOSUPPORT)
		log_error(
			"the host refused every synthvid version asked: it may offer only synthvid "
			"3.0 (16 bpp, Windows 7/2008 R2 hosts), which this driver does not do");
	else
		log_error("the host did not answer the synthvid version request");
	return ret;
}

/*
 * Which versions to ask follows Linux exactly (§5): VMBus 4.0 and 5.0 hosts get 3.5 then 3.2;
 * 2.4 and 3.0 hosts 3.2 only; newer ones 3.5 only. Older buses are Windows 7/2008 R2 hosts,
 * whose synthvid 3.0 is 16 bpp only.
 */
static int negotiate(struct svd_device *dev)
{
	uint32_t bus_version = vmb_bus_version(dev->bus), asks[2];
	size_t n = 0;
	switch (bus_version) {
	case VMB_VERSION_WIN10:
	case VMB_VERSION_WIN10_V5:
		asks[n++] = SYNTHVID_VERSION_3_5;
		asks[n++] = SYNTHVID_VERSION_3_2;
		break;
	case VMB_VERSION_WIN8:
	case VMB_VERSION_WIN8_1:
		asks[n++] = SYNTHVID_VERSION_3_2;
		break;
	default:
		if (bus_version < VMB_VERSION_WIN8) {
			log_error(
				"VMBus %u.%u is a Windows 7/2008 R2 host: it offers only synthvid "
				"3.0 (16 bpp), which this driver does not do",
				bus_version >> 16, bus_version & 0xffff);
			return -EPROTONOSUPPORT;
		}
		asks[n++] = SYNTHVID_VERSION_3_5;
		break;
	}
	int ret = -EPROTONOSUPPORT;
	for (size_t i = 0; i < n; i++) {
		uint32_t v = asks[i];
		ret = request_version(dev, v);
		if (ret == 0) {
			dev->version = v;
			log_info("synthvid %u.%u on VMBus %u.%u", synthvid_version_major(v),
				synthvid_version_minor(v), bus_version >> 16, bus_version & 0xffff);
			return 0;
		}
		if (ret != -EPROTONOSUPPORT && ret != -ETIMEDOUT)
			return ret;
		log_warn("the host %s synthvid %u.%u",
			ret == -ETIMEDOUT ? "did not answer" : "refused", synthvid_version_major(v),
			synthvid_version_minor(v));
	}
	return log_no_version(ret);
}

/* The host's resolutions (3.5) or the standard ones (3.2, or a 3.5 host that does not answer). */
static int request_modes(struct svd_device *dev, struct svd_connector *conn)
{
	if (synthvid_version_cmp(dev->version, SYNTHVID_VERSION_3_5) < 0) {
		svd_connector_set_fallback(conn, dev->vram_size);
		return 0;
	}
	struct synthvid_msg req = { .type = SYNTHVID_RESOLUTION_REQUEST };
	req.resolution_request.maximum_resolution_count = SVD_RESOLUTIONS_ASKED;
	struct svd_wait match = { .type = SYNTHVID_RESOLUTION_RESPONSE };
	struct synthvid_msg reply;
	int ret = svd_request(dev, &req, &match, &reply);
	if (ret == -ETIMEDOUT) {
		log_bug_host("no valid RESOLUTION_RESPONSE within %d ms: using standard modes",
			dev->opts.timeout_ms);
		svd_connector_set_fallback(conn, dev->vram_size);
		return 0;
	}
	if (ret < 0)
		return ret;
	svd_connector_set_host_list(conn, &reply.resolution_response, dev->vram_size);
	return 0;
}

static int locate_vram(struct svd_device *dev)
{
	uint64_t ctx = SVD_VRAM_CTX_TAG | (++dev->vram_ctx_seq & UINT64_C(0xffffffffff));
	struct synthvid_msg req = { .type = SYNTHVID_VRAM_LOCATION };
	req.vram_location = (struct synthvid_vram_location){
		.user_ctx = ctx,
		.is_vram_gpa_specified = 1,
		.vram_gpa = dev->vram_gpa,
	};
	struct svd_wait match = { .type = SYNTHVID_VRAM_LOCATION_ACK, .user_ctx = ctx };
	struct synthvid_msg reply;
	int ret = svd_request(dev, &req, &match, &reply);
	if (ret == -ETIMEDOUT)
		log_error("the host did not acknowledge VRAM at 0x%" PRIx64
			  " (%zu MiB) within %d ms "
			  "(hosts refuse a range outside their MMIO window silently)",
			dev->vram_gpa, dev->vram_size / SVD_MIB, dev->opts.timeout_ms);
	return ret;
}

static void announce(struct svd_device *dev, const struct svd_connector *conn)
{
	bool changed = dev->brought_up_once && !svd_connector_equal(&dev->conn, conn);
	dev->conn = *conn;
	if (dev->brought_up_once)
		dev->stats.reconnects++;
	dev->brought_up_once = true;
	log_info("video up: %zu MiB VRAM at 0x%" PRIx64 ", %zu modes", dev->vram_size / SVD_MIB,
		dev->vram_gpa, conn->mode_count);
	dev->repaint_pending = false; /* a FEATURE_CHANGE meanwhile asked for no more than this */
	svd_repaint(dev, true);
	svd_flush(dev);
	if (changed && dev->opts.modes_changed)
		dev->opts.modes_changed(dev->opts.data);
}

int svd_bringup(struct svd_device *dev)
{
	struct vmb_mmio mmio;
	int ret = place_vram(dev, &mmio);
	if (ret < 0)
		return ret;
	/* Before the channel opens, so an early FEATURE_CHANGE is never overwritten (§6.4). */
	dev->dirt_needed = dev->situ_needed = dev->ptr_pos_needed = dev->ptr_shape_needed = true;
	dev->repaint_pending = false;
	ret = vmb_channel_open(&dev->ch, dev->bus, &dev->offer, SVD_RING_BYTES, SVD_RING_BYTES);
	if (ret < 0) {
		dev->ch = NULL;
		log_error("cannot open the video channel: %d", ret);
		return ret;
	}
	svd_device_watch_channel(dev);

	struct svd_connector conn;
	ret = negotiate(dev);
	if (ret == 0)
		ret = request_modes(dev, &conn);
	if (ret == 0)
		ret = locate_vram(dev);
	if (ret < 0) {
		svd_device_close_channel(dev);
		return ret;
	}
	dev->vram = mmio.base + (dev->vram_gpa - mmio.gpa);
	dev->ready = true;
	dev->reopen_pending = false;
	announce(dev, &conn);
	return 0;
}
