/*
 * The wire side of the driver: sending, receiving, the one outstanding request, FEATURE_CHANGE.
 *
 * Responses carry no usable transaction ID (synthvid.md §2), so hyperv_drm completes whatever
 * waits with whatever response arrives, and a late or unsolicited one completes the next wait
 * (§6.6). Here one request at a time is outstanding, its wait is armed before it is sent, and a
 * response must match it by type and by content: VERSION_RESPONSE echoes the version asked,
 * VRAM_LOCATION_ACK the user_ctx sent (§0(b)). Anything else is logged as the host's fault,
 * counted and dropped, and can never satisfy a later wait. Every message goes through the codec,
 * which checks it against pipe.size, never the padded length (§0(c)).
 */
#define LOG_MODULE "svd"
#include <errno.h>

#include "log.h"
#include "loop.h"
#include "svd_internal.h"

int svd_send(struct svd_device *dev, const struct synthvid_msg *msg)
{
	if (!dev->ch)
		return -ENOTCONN;
	/* vid.size with the header, as Linux: hosts take both (§2). */
	int len = synthvid_encode(
		dev->tx_buf, sizeof(dev->tx_buf), msg, SYNTHVID_VID_SIZE_WITH_HEADER);
	if (len < 0) {
		log_bug_self("cannot encode %s: %d", synthvid_msg_type_to_str(msg->type), len);
		return len;
	}
	int ret = vmb_channel_send(dev->ch, dev->tx_buf, (size_t)len, ++dev->next_trans_id, 0);
	if (ret == -EAGAIN)
		dev->stats.ring_full++;
	return ret;
}

static int send_before(struct svd_device *dev, const struct synthvid_msg *msg, int64_t deadline)
{
	for (;;) {
		int ret = svd_send(dev, msg);
		if (ret != -EAGAIN)
			return ret;
		int64_t left = deadline - loop_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		ret = vmb_channel_wait_writable(
			dev->ch, (size_t)synthvid_encoded_size(msg), (int)left);
		if (ret < 0)
			return ret;
	}
}

static void drop_unsolicited(
	struct svd_device *dev, const struct synthvid_msg *msg, const char *why)
{
	dev->stats.rx_unsolicited++;
	log_bug_host("dropped %s: %s", synthvid_msg_type_to_str(msg->type), why);
}

static void deliver_response(struct svd_device *dev, const struct synthvid_msg *msg)
{
	struct svd_wait *w = &dev->wait;
	if (!w->armed || w->done || w->type != msg->type) {
		drop_unsolicited(dev, msg, "no request waits for it");
		return;
	}
	if (msg->type == SYNTHVID_VERSION_RESPONSE && msg->version_response.version != w->version) {
		drop_unsolicited(dev, msg, "it answers another version than the one asked");
		return;
	}
	if (msg->type == SYNTHVID_VRAM_LOCATION_ACK &&
		msg->vram_location_ack.user_ctx != w->user_ctx) {
		drop_unsolicited(dev, msg, "its user_ctx is not the one sent");
		return;
	}
	w->reply = *msg;
	w->done = true;
}

/*
 * A flag that becomes needed again means the host lost track (a viewer attached, the host
 * restarted its view): it gets everything again (§0(d)). Only rises act, and svd_flush() acts
 * once per dispatch, so a flood of FEATURE_CHANGE costs at most one repaint per dispatch.
 */
static void feature_change(struct svd_device *dev, const struct synthvid_feature_change *fc)
{
	bool dirt = fc->is_dirt_needed, situ = fc->is_situ_needed;
	bool pos = fc->is_ptr_pos_needed, shape = fc->is_ptr_shape_needed;
	dev->stats.feature_changes++;
	if ((dirt && !dev->dirt_needed) || (situ && !dev->situ_needed))
		dev->repaint_pending = true;
	if (shape && !dev->ptr_shape_needed)
		dev->need_cursor_shape = true;
	if (pos && !dev->ptr_pos_needed)
		dev->need_cursor_pos = true;
	dev->dirt_needed = dirt;
	dev->situ_needed = situ;
	dev->ptr_pos_needed = pos;
	dev->ptr_shape_needed = shape;
	log_debug("FEATURE_CHANGE dirt %d pointer position %d shape %d situation %d", dirt, pos,
		shape, situ);
}

static void handle_packet(struct svd_device *dev, const struct vmb_ring_in *pkt)
{
	if (pkt->type != VMB_PKT_DATA_INBAND) {
		dev->stats.rx_rejected++;
		log_bug_host("packet type 0x%x on the video channel: dropped", pkt->type);
		return;
	}
	struct synthvid_msg msg;
	const char *why = NULL;
	int ret = synthvid_decode(pkt->payload, pkt->payload_len, SYNTHVID_FROM_HOST, &msg, &why);
	if (ret < 0) {
		dev->stats.rx_rejected++;
		log_bug_host("dropped a %u-byte message: %s", pkt->payload_len, why ? why : "?");
		return;
	}
	dev->stats.rx_messages++;
	switch (msg.type) {
	case SYNTHVID_VERSION_RESPONSE:
	case SYNTHVID_VRAM_LOCATION_ACK:
	case SYNTHVID_RESOLUTION_RESPONSE:
		deliver_response(dev, &msg);
		break;
	case SYNTHVID_FEATURE_CHANGE:
		feature_change(dev, &msg.feature_change);
		break;
	case SYNTHVID_SITUATION_UPDATE_ACK:
		/* Nobody needs to wait for it (Linux drops it too). */
		break;
	default:
		drop_unsolicited(dev, &msg, "this driver never asks for it");
		break;
	}
}

int svd_receive(struct svd_device *dev)
{
	for (int i = 0; i < SVD_DISPATCH_BUDGET; i++) {
		if (!dev->ch)
			return -ENOTCONN;
		struct vmb_ring_in pkt;
		int ret = vmb_channel_recv(dev->ch, &pkt, dev->rx_buf, sizeof(dev->rx_buf));
		if (ret == 0)
			return 0;
		if (ret == -EMSGSIZE) {
			dev->stats.rx_rejected++;
			log_bug_host("dropped a %u-byte packet: larger than any synthvid message",
				pkt.raw_len);
			continue;
		}
		if (ret < 0)
			return ret;
		handle_packet(dev, &pkt);
	}
	return 1;
}

/* Handles everything already received: it was sent before the request, so it answers nothing. */
static int drain(struct svd_device *dev, int64_t deadline)
{
	int ret;
	while ((ret = svd_receive(dev)) == 1) {
		if (loop_now_ms() >= deadline)
			return -ETIMEDOUT;
	}
	return ret;
}

int svd_request(struct svd_device *dev, const struct synthvid_msg *req,
	const struct svd_wait *match, struct synthvid_msg *reply)
{
	int64_t deadline = loop_now_ms() + dev->opts.timeout_ms;
	int ret = drain(dev, deadline);
	if (ret < 0)
		return ret;

	dev->wait = *match;
	dev->wait.armed = true;
	dev->wait.done = false;
	ret = send_before(dev, req, deadline);
	while (ret == 0 && !dev->wait.done) {
		ret = svd_receive(dev);
		if (ret < 0 || dev->wait.done)
			break;
		int64_t left = deadline - loop_now_ms();
		if (left <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		if (ret == 0)
			ret = vmb_channel_wait_readable(dev->ch, (int)left);
		else
			ret = 0;
	}
	if (ret >= 0 && dev->wait.done) {
		*reply = dev->wait.reply;
		ret = 0;
	}
	dev->wait.armed = false;
	return ret;
}
