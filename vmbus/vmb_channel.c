/*
 * A guest channel (vmb.h) on any transport: the ring pair, when to signal the host
 * (vmbus-ring.md §4, as vmb_ring reports it through need_signal), draining the wake-up fd, and
 * the waits.
 *
 * The receive ring's interrupt_mask is left at 0, so the host signals on every empty ->
 * non-empty transition; with no masking there is no unmask/re-check race to handle. Waits poll
 * the channel's fd and the transport's control fd together, so a rescind or the host leaving
 * ends a wait at once instead of at its timeout.
 */
#define LOG_MODULE "vmb-channel"
#include "vmb_bus_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "log.h"
#include "vmb_wait.h"

#define RING_PAGE 4096u

static bool ring_size_ok(uint32_t bytes)
{
	return bytes % RING_PAGE == 0 && bytes >= 2 * RING_PAGE;
}

static int attach_rings(struct vmb_channel *ch)
{
	struct vmb_transport_channel *tc = &ch->tc;
	int ret = vmb_ring_attach(&ch->send, tc->ring_mem, tc->send_bytes);
	if (ret == 0)
		ret = vmb_ring_attach(&ch->recv, tc->ring_mem + tc->send_bytes, tc->recv_bytes);
	if (ret < 0) {
		log_bug_host("relid %u: rings unusable at open (%s)", ch->offer.relid,
			vmb_ring_corrupt_reason(&ch->send) ? vmb_ring_corrupt_reason(&ch->send)
							   : vmb_ring_corrupt_reason(&ch->recv));
	}
	return ret;
}

int vmb_channel_open(struct vmb_channel **out, struct vmb_bus *bus, const struct vmb_offer *offer,
	uint32_t send_ring_bytes, uint32_t recv_ring_bytes)
{
	if (!out || !bus || !offer)
		return -EINVAL;
	if (!ring_size_ok(send_ring_bytes) || !ring_size_ok(recv_ring_bytes) ||
		send_ring_bytes > UINT32_MAX - recv_ring_bytes)
		return -EINVAL;
	if (bus->disconnected)
		return -ENOTCONN;
	if (vmb_bus_channel_by_relid(bus, offer->relid))
		return -EBUSY;
	struct vmb_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->bus = bus;
	ch->offer = *offer;
	struct vmb_transport *t = bus->transport;
	int ret = t->ops->open_channel(t, offer, send_ring_bytes, recv_ring_bytes, &ch->tc);
	if (ret < 0)
		goto err_free;
	ret = attach_rings(ch);
	if (ret < 0)
		goto err_close;
	ret = vmb_bus_add_channel(bus, ch);
	if (ret < 0)
		goto err_close;
	*out = ch;
	return 0;

err_close:
	t->ops->close_channel(t, &ch->tc);
err_free:
	free(ch);
	return ret;
}

void vmb_channel_close(struct vmb_channel *ch)
{
	if (!ch)
		return;
	struct vmb_transport *t = ch->bus->transport;
	vmb_bus_remove_channel(ch->bus, ch);
	t->ops->close_channel(t, &ch->tc);
	free(ch);
}

const struct vmb_offer *vmb_channel_offer(const struct vmb_channel *ch)
{
	return &ch->offer;
}

bool vmb_channel_is_rescinded(const struct vmb_channel *ch)
{
	return ch->rescinded;
}

int vmb_channel_get_fd(const struct vmb_channel *ch)
{
	return ch->tc.event_fd;
}

static int usable(const struct vmb_channel *ch)
{
	if (ch->bus->disconnected)
		return -ENOTCONN;
	if (ch->rescinded)
		return -ENODEV;
	return 0;
}

void vmb_channel_handle_event(struct vmb_channel *ch)
{
	struct vmb_transport *t = ch->bus->transport;
	/* -ENODEV is a rescind the transport already reported; the channel reflects it. */
	t->ops->ack_event(t, &ch->tc);
}

static void signal_host(struct vmb_channel *ch)
{
	struct vmb_transport *t = ch->bus->transport;
	int ret = t->ops->signal(t, &ch->tc);
	if (ret < 0)
		log_warn("relid %u: signalling the host failed: %d", ch->offer.relid, ret);
}

/* A ring the host corrupted stays corrupt; say so once per channel. */
static int ring_error(struct vmb_channel *ch, struct vmb_ring *ring, int err)
{
	if (err == -EBADMSG && !ch->corrupt_logged) {
		ch->corrupt_logged = true;
		log_bug_host("relid %u: %s ring corrupt: %s", ch->offer.relid,
			ring == &ch->send ? "send" : "receive", vmb_ring_corrupt_reason(ring));
	}
	return err;
}

int vmb_channel_send_batch(struct vmb_channel *ch, const struct vmb_ring_out *pkts, size_t n)
{
	int ret = usable(ch);
	if (ret < 0)
		return ret;
	if (n == 0)
		return 0;
	bool need_signal = false;
	ret = vmb_ring_write(&ch->send, pkts, n, &need_signal);
	if (need_signal)
		signal_host(ch);
	if (ret < 0)
		return ring_error(ch, &ch->send, ret);
	return ret == 0 ? -EAGAIN : ret;
}

int vmb_channel_send(
	struct vmb_channel *ch, const void *payload, size_t len, uint64_t trans_id, uint16_t flags)
{
	const struct vmb_iov iov = { .base = payload, .len = len };
	const struct vmb_ring_out pkt = {
		.type = VMB_PKT_DATA_INBAND,
		.flags = flags,
		.trans_id = trans_id,
		.iov = &iov,
		.iov_count = 1,
	};
	int ret = vmb_channel_send_batch(ch, &pkt, 1);
	return ret < 0 ? ret : 0;
}

int vmb_channel_recv(struct vmb_channel *ch, struct vmb_ring_in *pkt, void *buf, size_t cap)
{
	int ret = usable(ch);
	if (ret < 0)
		return ret;
	ret = vmb_ring_read(&ch->recv, pkt, buf, cap);
	if (ret == 1 || ret == -EMSGSIZE) {
		/* Publish per packet: the host may be waiting for exactly this space. */
		bool need_signal = false;
		vmb_ring_read_done(&ch->recv, &need_signal);
		if (need_signal)
			signal_host(ch);
	}
	return ret < 0 ? ring_error(ch, &ch->recv, ret) : ret;
}

/* One wait for the channel fd or control traffic; -ETIMEDOUT when the deadline passed. */
static int wait_once(struct vmb_channel *ch, int64_t deadline)
{
	struct vmb_transport *t = ch->bus->transport;
	struct pollfd pfds[2] = {
		{ .fd = ch->tc.event_fd, .events = POLLIN },
		{ .fd = ch->bus->disconnected ? -1 : t->ops->control_fd(t), .events = POLLIN },
	};
	int ret = vmb_poll_until(pfds, 2, deadline);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return -ETIMEDOUT;
	if (pfds[0].revents)
		t->ops->ack_event(t, &ch->tc);
	if (pfds[1].revents)
		vmb_bus_pump(ch->bus);
	return 0;
}

int vmb_channel_wait_readable(struct vmb_channel *ch, int timeout_ms)
{
	int64_t deadline = vmb_deadline(timeout_ms);
	for (;;) {
		int ret = usable(ch);
		if (ret < 0)
			return ret;
		/* A corrupt ring is "ready": the next recv reports it. */
		if (vmb_ring_is_corrupt(&ch->recv) || vmb_ring_bytes_available(&ch->recv) > 0)
			return 0;
		ret = wait_once(ch, deadline);
		if (ret == -ETIMEDOUT && vmb_ring_bytes_available(&ch->recv) > 0)
			return 0;
		if (ret < 0)
			return ret;
	}
}

int vmb_channel_wait_writable(struct vmb_channel *ch, size_t payload_len, int timeout_ms)
{
	if (payload_len > vmb_ring_max_payload(&ch->send))
		return -EMSGSIZE;
	uint32_t need = vmb_ring_packet_total(payload_len);
	int64_t deadline = vmb_deadline(timeout_ms);
	for (;;) {
		int ret = usable(ch);
		if (ret < 0)
			return ret;
		if (vmb_ring_is_corrupt(&ch->send))
			return ring_error(ch, &ch->send, -EBADMSG);
		/* The never-full rule: a packet needs strictly more free bytes than it uses. */
		if (vmb_ring_bytes_free(&ch->send) > need)
			return 0;
		ret = wait_once(ch, deadline);
		if (ret < 0)
			return ret == -ETIMEDOUT && vmb_ring_bytes_free(&ch->send) > need ? 0 : ret;
	}
}
