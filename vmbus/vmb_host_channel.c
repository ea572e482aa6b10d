/*
 * The host's channels (vmbus-emu.md §3.3-3.6, vmbus-ring.md): the OPENCHANNEL checks, in the
 * order and with the statuses §3.3 gives; mapping the guest's memfd with the host's
 * orientation (incoming = the first part, outgoing at the page offset); moving packets with the
 * signalling rules vmb_ring reports; the capture tap; pausing; a corrupt ring rescinded and
 * offered again.
 *
 * The guest's eventfds are made non-blocking here whatever it sent: a host read must never
 * block on a counter the guest drained behind our poll.
 */
#define LOG_MODULE "vmb-host"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "vmb_emu_io.h"
#include "vmb_host_internal.h"
#include "wire.h"

static const struct vmb_host_listener *listener(const struct vmb_host_channel *ch)
{
	return ch->host->listener;
}

static void *listener_data(const struct vmb_host_channel *ch)
{
	return ch->host->listener_data;
}

/* ---- opening (§3.3) ---- */

struct open_check {
	int32_t status;
	const char *why;    // what was wrong, when status < 0
	uint32_t in_bytes;  // guest -> host ring
	uint32_t out_bytes; // host -> guest ring
};

static struct open_check refuse(int32_t status, const char *why)
{
	return (struct open_check){ .status = status, .why = why };
}

/* Everything that can be judged before mapping, in §3.3's order. */
static struct open_check check_request(
	const struct host_dev *d, const struct vmb_ctl_open *req, int ring_fd)
{
	if (!d || d->state == HOST_DEV_RESCINDED)
		return refuse(-ENOENT, "relid not offered");
	if (d->state == HOST_DEV_OPEN)
		return refuse(-EBUSY, "already open");
	if (req->ring_bytes == 0 || req->ring_bytes % VMB_CTL_PAGE_SIZE)
		return refuse(-EINVAL, "ring_bytes not a non-zero multiple of 4096");
	int ret = vmb_emu_memfd_check(ring_fd, req->ring_bytes);
	if (ret == -EINVAL)
		return refuse(ret, "ring memfd not a file of ring_bytes bytes");
	if (ret < 0)
		return refuse(ret, "ring memfd not sealed against shrinking");
	uint32_t pages = req->ring_bytes / VMB_CTL_PAGE_SIZE;
	uint32_t off = req->downstream_ringbuffer_pageoffset;
	if (off < 2 || off > pages || pages - off < 2)
		return refuse(-EINVAL, "page offset leaves a ring under two pages");
	return (struct open_check){
		.in_bytes = off * VMB_CTL_PAGE_SIZE,
		.out_bytes = req->ring_bytes - off * VMB_CTL_PAGE_SIZE,
	};
}

static uint32_t ctl_word(const uint8_t *ring, uint32_t off)
{
	return __atomic_load_n((const uint32_t *)(const void *)(ring + off), __ATOMIC_ACQUIRE);
}

/* Fresh rings only: every index 0 (§3.3). vmb_ring re-checks them on every use anyway. */
static bool indexes_zero(const uint8_t *mem, uint32_t in_bytes)
{
	const uint8_t *rings[2] = { mem, mem + in_bytes };
	for (size_t i = 0; i < ARRAY_LEN(rings); i++) {
		if (ctl_word(rings[i], VMB_RING_OFF_WRITE_INDEX) ||
			ctl_word(rings[i], VMB_RING_OFF_READ_INDEX))
			return false;
	}
	return true;
}

static struct open_check map_rings(
	struct vmb_host_channel *ch, int ring_fd, const struct open_check *c)
{
	ch->mem_len = (size_t)c->in_bytes + c->out_bytes;
	void *mem = mmap(NULL, ch->mem_len, PROT_READ | PROT_WRITE, MAP_SHARED, ring_fd, 0);
	if (mem == MAP_FAILED)
		return refuse(-errno, "ring memfd cannot be mapped");
	ch->mem = mem;
	if (vmb_ring_attach(&ch->in, ch->mem, c->in_bytes) < 0 ||
		vmb_ring_attach(&ch->out, ch->mem + c->in_bytes, c->out_bytes) < 0 ||
		!indexes_zero(ch->mem, c->in_bytes))
		return refuse(-EINVAL, "ring index not 0");
	return *c;
}

static struct open_check take_eventfds(struct vmb_host_channel *ch, int *fds)
{
	int sig = fds[VMB_CTL_OPEN_FD_SIGNAL], intr = fds[VMB_CTL_OPEN_FD_INTERRUPT];
	if (!vmb_emu_is_eventfd(sig) || !vmb_emu_is_eventfd(intr))
		return refuse(-EBADF, "signal or interrupt descriptor not an eventfd");
	for (int i = 0; i < 2; i++) {
		int fd = i ? intr : sig;
		int flags = fcntl(fd, F_GETFL);
		if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
			return refuse(-errno, "eventfd flags cannot be set");
	}
	ch->signal_fd = sig;
	ch->interrupt_fd = intr;
	fds[VMB_CTL_OPEN_FD_SIGNAL] = fds[VMB_CTL_OPEN_FD_INTERRUPT] = -1;
	return (struct open_check){ 0 };
}

static void on_guest_signal(void *data, int fd, short revents);
static void on_resume(void *data);

static struct open_check add_sources(struct vmb_host_channel *ch)
{
	ch->signal_source = loop_add_fd(ch->host->loop, ch->signal_fd, POLLIN, on_guest_signal, ch);
	ch->resume_timer = loop_add_timer(ch->host->loop, on_resume, ch);
	if (!ch->signal_source || !ch->resume_timer)
		return refuse(-ENOMEM, "out of memory");
	return (struct open_check){ 0 };
}

int32_t host_channel_open(struct vmb_host *host, struct host_dev *d, const struct vmb_ctl_open *req,
	int *fds, struct vmb_host_channel **out)
{
	struct open_check c = check_request(d, req, fds[VMB_CTL_OPEN_FD_RING]);
	struct vmb_host_channel *ch = NULL;
	if (c.status == 0) {
		ch = calloc(1, sizeof(*ch));
		if (!ch)
			c = refuse(-ENOMEM, "out of memory");
	}
	if (ch) {
		*ch = (struct vmb_host_channel){ .host = host,
			.relid = req->child_relid,
			.dev_id = (int)(d - host->devs),
			.signal_fd = -1,
			.interrupt_fd = -1 };
		c = map_rings(ch, fds[VMB_CTL_OPEN_FD_RING], &c);
		if (c.status == 0)
			c = take_eventfds(ch, fds);
		if (c.status == 0)
			c = add_sources(ch);
	}
	vmb_emu_close_fds(fds, VMB_CTL_MAX_FDS); /* the mapping keeps the ring memory */
	if (c.status < 0) {
		host->stats.open_refusals++;
		if (c.status == -ENOENT)
			log_info("OPENCHANNEL for relid %u: %s", req->child_relid, c.why);
		else
			log_bug_guest("OPENCHANNEL for relid %u (ring_bytes %u, page offset %u) "
				      "refused (%d): %s",
				req->child_relid, req->ring_bytes,
				req->downstream_ringbuffer_pageoffset, c.status, c.why);
		if (ch)
			host_channel_free(ch);
		return c.status;
	}
	*out = ch;
	return 0;
}

void host_channel_announce(struct vmb_host_channel *ch)
{
	const struct vmb_host_device *dev = &ch->host->devs[ch->dev_id].dev;
	ch->announced = true;
	if (listener(ch)->channel_traced) {
		listener(ch)->channel_traced(
			listener_data(ch), ch->relid, &dev->interface, &dev->instance);
	}
	if (listener(ch)->channel_opened)
		listener(ch)->channel_opened(listener_data(ch), ch->dev_id, ch);
}

/* ---- stopping ---- */

void host_channel_halt(struct vmb_host_channel *ch)
{
	ch->stopped = true;
	loop_remove(ch->signal_source);
	ch->signal_source = NULL;
}

void host_channel_stop(struct vmb_host_channel *ch, enum vmb_host_close_reason reason)
{
	host_channel_halt(ch);
	if (ch->announced && !ch->closed_told) {
		ch->closed_told = true;
		if (listener(ch)->channel_closed)
			listener(ch)->channel_closed(listener_data(ch), ch->dev_id, reason);
	}
}

void host_channel_free(struct vmb_host_channel *ch)
{
	loop_remove(ch->signal_source);
	loop_remove(ch->resume_timer);
	if (ch->mem)
		munmap(ch->mem, ch->mem_len);
	if (ch->signal_fd >= 0)
		close(ch->signal_fd);
	if (ch->interrupt_fd >= 0)
		close(ch->interrupt_fd);
	free(ch);
}

/* Not trusted again (§3.5, §5): rescind now, offer again once the guest released the relid. */
static void ring_corrupt(struct vmb_host_channel *ch, const struct vmb_ring *ring)
{
	struct vmb_host *host = ch->host;
	host->stats.corrupt_rings++;
	log_bug_guest("relid %u: %s ring corrupt (%s): rescinding, offering again", ch->relid,
		ring == &ch->in ? "guest->host" : "host->guest", vmb_ring_corrupt_reason(ring));
	struct host_dev *d = &host->devs[ch->dev_id];
	if (d->ch == ch)
		host_rescind_dev(host, d, true);
}

/* ---- signals ---- */

static void signal_guest(struct vmb_host_channel *ch)
{
	uint64_t one = 1;
	/* EAGAIN: the counter is near overflow, so a signal is pending anyway. */
	if (write(ch->interrupt_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("relid %u: signalling the guest failed: %d", ch->relid, -errno);
}

static void on_guest_signal(void *data, int fd, short revents)
{
	struct vmb_host_channel *ch = data;
	uint64_t value;
	if (read(fd, &value, sizeof(value)) < 0 && errno != EAGAIN)
		log_warn("relid %u: reading the guest's signal failed: %d", ch->relid, -errno);
	/* Paused: the signal is dropped; resuming reports one anyway. */
	if (ch->stopped || ch->paused || !ch->announced)
		return;
	if (listener(ch)->channel_signalled)
		listener(ch)->channel_signalled(listener_data(ch), ch->dev_id, ch);
}

static void on_resume(void *data)
{
	struct vmb_host_channel *ch = data;
	if (ch->stopped || ch->paused || !ch->announced)
		return;
	if (listener(ch)->channel_signalled)
		listener(ch)->channel_signalled(listener_data(ch), ch->dev_id, ch);
}

void vmb_host_channel_set_paused(struct vmb_host_channel *ch, bool paused)
{
	ch->paused = paused;
	/* From the loop, not from here: the caller may be inside its own listener callback. */
	if (!paused && !ch->stopped)
		loop_timer_arm(ch->resume_timer, 0);
}

uint32_t vmb_host_channel_relid(const struct vmb_host_channel *ch)
{
	return ch->relid;
}

/* ---- packets ---- */

/* The packet as vmb_ring laid it in the ring (vmbus-ring.md §3.3): descriptor, payload, zero
 * padding. Rebuilt rather than read back, as the guest may already be changing the ring. */
static void trace_written(struct vmb_host_channel *ch, const struct vmb_ring_out *pkt)
{
	size_t len = 0;
	for (size_t i = 0; i < pkt->iov_count; i++)
		len += pkt->iov[i].len;
	size_t padded = ALIGN_UP(VMB_RING_DESC_SIZE + len, (size_t)8);
	uint8_t *raw = calloc(1, padded);
	if (!raw) {
		log_warn("relid %u: out of memory, a sent packet is missing from the trace",
			ch->relid);
		return;
	}
	struct wire w = wire_writer(raw, padded);
	wire_put_u16(&w, pkt->type);
	wire_put_u16(&w, VMB_RING_DESC_SIZE / 8);
	wire_put_u16(&w, (uint16_t)(padded / 8));
	wire_put_u16(&w, pkt->flags);
	wire_put_u64(&w, pkt->trans_id);
	for (size_t i = 0; i < pkt->iov_count; i++)
		wire_put_bytes(&w, pkt->iov[i].base, pkt->iov[i].len);
	listener(ch)->packet_traced(
		listener_data(ch), ch->relid, VMB_HOST_DIR_HOST_TO_GUEST, raw, padded);
	free(raw);
}

int vmb_host_channel_send_batch(
	struct vmb_host_channel *ch, const struct vmb_ring_out *pkts, size_t n)
{
	if (ch->stopped)
		return -ENODEV;
	if (n == 0)
		return 0;
	bool need_signal = false;
	int ret = vmb_ring_write(&ch->out, pkts, n, &need_signal);
	for (int i = 0; i < ret && listener(ch)->packet_traced; i++)
		trace_written(ch, &pkts[i]);
	if (need_signal)
		signal_guest(ch);
	if (ret == -EBADMSG)
		ring_corrupt(ch, &ch->out);
	if (ret < 0)
		return ret;
	return ret == 0 ? -EAGAIN : ret;
}

int vmb_host_channel_send(struct vmb_host_channel *ch, const void *payload, size_t len)
{
	/* Unsolicited host packets: trans_id 0, no completion requested (as OpenVMM). */
	const struct vmb_iov iov = { .base = payload, .len = len };
	const struct vmb_ring_out pkt = {
		.type = VMB_PKT_DATA_INBAND, .iov = &iov, .iov_count = 1
	};
	int ret = vmb_host_channel_send_batch(ch, &pkt, 1);
	return ret < 0 ? ret : 0;
}

int vmb_host_channel_recv(
	struct vmb_host_channel *ch, struct vmb_ring_in *pkt, void *buf, size_t cap)
{
	if (ch->stopped)
		return -ENODEV;
	int ret = vmb_ring_read(&ch->in, pkt, buf, cap);
	if (ret == 1 && listener(ch)->packet_traced) {
		listener(ch)->packet_traced(listener_data(ch), ch->relid,
			VMB_HOST_DIR_GUEST_TO_HOST, pkt->raw, pkt->raw_len);
	}
	if (ret == 1 || ret == -EMSGSIZE) {
		bool need_signal = false;
		vmb_ring_read_done(&ch->in, &need_signal);
		if (need_signal)
			signal_guest(ch);
	}
	if (ret == -EBADMSG)
		ring_corrupt(ch, &ch->in);
	return ret;
}
