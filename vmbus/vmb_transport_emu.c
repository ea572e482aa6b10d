/*
 * The guest side of the emulated VMBus (vmbus-emu.md): an AF_UNIX seqpacket socket to hvhost,
 * memfds and eventfds passed with SCM_RIGHTS.
 *
 * Contact (§2, §3.1) proposes the newest version we know that the caller allows and steps down
 * on refusal 0, as Linux does; refusal 1 means another guest is being served. The host's MMIO
 * memfd is checked (size, F_SEAL_SHRINK) before it is mapped. Offers are collected up to
 * ALLOFFERS_DELIVERED, later ones arrive through read_control.
 *
 * Every relid the host told us about has a state (struct emu_relid), which is how "out of
 * sequence" and "unknown relid" are judged. Every message is decoded by vmb_ctl_proto and then
 * checked against that state; any fault is logged with its reason and ends the connection
 * (shutdown; the fd stays valid until destroy, as vmb_transport.h wants).
 */
#define LOG_MODULE "vmb-emu"
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "vmb_ctl_proto.h"
#include "vmb_emu_io.h"
#include "vmb_transport.h"
#include "vmb_wait.h"

#define EMU_DEFAULT_TIMEOUT_MS 10000
/* More offers than any host has devices: a host that sends more is broken. */
#define EMU_MAX_RELIDS 256u
#define EMU_MSGS_PER_READ 64

/* The versions we know, newest first (§2); Linux steps down the same way. */
static const uint32_t emu_versions[] = {
	VMB_VERSION_WIN10_V5,
	VMB_VERSION_WIN10,
	VMB_VERSION_WIN8_1,
	VMB_VERSION_WIN8,
};

enum emu_relid_state {
	RELID_OFFERED,           // may be opened
	RELID_OPENING,           // OPENCHANNEL sent, open_channel() waits for the result
	RELID_ABANDONED,         // OPENCHANNEL sent, open_channel() timed out; the result may come
	RELID_OPEN,              // channel open
	RELID_RESCINDED_OPENING, // rescinded while a result was due: released when it comes
	RELID_RESCINDED_OPEN,    // rescinded while open: released when the user closes it
};

struct emu_relid {
	uint32_t relid;
	enum emu_relid_state state;
	uint32_t open_id; // OPENING, ABANDONED, RESCINDED_OPENING
	int32_t status;   // the last OPENCHANNEL_RESULT's status
};

enum emu_phase {
	PHASE_CONTACT,   // INITIATE_CONTACT sent
	PHASE_OFFERS,    // REQUESTOFFERS sent, ALLOFFERS_DELIVERED not yet seen
	PHASE_READY,     // all offers delivered
	PHASE_UNLOADING, // UNLOAD sent
};

struct emu {
	struct vmb_transport base;
	int sock;
	int timeout_ms;
	enum emu_phase phase;
	bool dead;
	int err; // why the connection ended: -EPROTO, -ENOTCONN, ...
	bool unloaded;
	uint32_t version;
	struct vmb_mmio mmio;
	struct emu_relid relids[EMU_MAX_RELIDS];
	size_t n_relids;
	uint32_t next_open_id;
};

struct emu_chan {
	uint32_t relid;
	int signal_fd;    // we write: G->H
	int interrupt_fd; // the host writes: H->G (tc.event_fd)
	uint8_t *mem;
	size_t mem_len;
};

static const struct vmb_transport_ops emu_ops;

static struct emu *emu_from(struct vmb_transport *t)
{
	assert(t->ops == &emu_ops);
	return container_of(t, struct emu, base);
}

static const struct emu *emu_from_const(const struct vmb_transport *t)
{
	assert(t->ops == &emu_ops);
	return container_of(t, const struct emu, base);
}

/* ---- connection state ---- */

/* Ends the connection once, telling the bus; err says why (returned by the connect steps). */
static void emu_fail(struct emu *e, int err)
{
	if (e->dead)
		return;
	e->dead = true;
	e->err = err;
	shutdown(e->sock, SHUT_RDWR);
	e->base.events->disconnected(e->base.events_data);
}

#define emu_protocol_error(e, ...)                                                                 \
	do {                                                                                       \
		log_bug_host(__VA_ARGS__);                                                         \
		emu_fail(e, -EPROTO);                                                              \
	} while (0)

static struct emu_relid *find_relid(struct emu *e, uint32_t relid)
{
	for (size_t i = 0; i < e->n_relids; i++) {
		if (e->relids[i].relid == relid)
			return &e->relids[i];
	}
	return NULL;
}

static void forget_relid(struct emu *e, struct emu_relid *r)
{
	*r = e->relids[--e->n_relids];
}

/* Sends one message, waiting for room up to the timeout; -ENOTCONN once the connection ended. */
static int emu_send(struct emu *e, const struct vmb_ctl_msg *msg, const int *fds, size_t nfds)
{
	if (e->dead)
		return -ENOTCONN;
	int64_t deadline = vmb_deadline(e->timeout_ms);
	for (;;) {
		int ret = vmb_emu_send(e->sock, msg, fds, nfds);
		if (ret == 0)
			return 0;
		if (ret != -EAGAIN) {
			log_warn("sending %s failed: %d", vmb_ctl_type_to_str(msg->type), ret);
			emu_fail(e, -ENOTCONN);
			return -ENOTCONN;
		}
		struct pollfd pfd = { .fd = e->sock, .events = POLLOUT };
		if (vmb_poll_until(&pfd, 1, deadline) <= 0) {
			log_bug_host("host not reading its socket: %s not sent",
				vmb_ctl_type_to_str(msg->type));
			emu_fail(e, -ETIMEDOUT);
			return -ENOTCONN;
		}
	}
}

static int send_relid_msg(struct emu *e, enum vmb_ctl_type type, uint32_t relid)
{
	return emu_send(e, &(struct vmb_ctl_msg){ .type = type, .child_relid = relid }, NULL, 0);
}

/*
 * Receives and decodes one message without blocking. 1 with *msg (and fds, the caller's to
 * close), 0 when nothing waits, -ENOTCONN when the connection ended (now or before).
 */
static int emu_recv(struct emu *e, struct vmb_ctl_msg *msg, int *fds, size_t *nfds)
{
	if (e->dead)
		return -ENOTCONN;
	uint8_t buf[VMB_CTL_MAX_SIZE];
	ssize_t n = vmb_emu_recv(e->sock, buf, sizeof(buf), fds, nfds);
	if (n == -EAGAIN)
		return 0;
	if (n == 0) {
		if (e->phase != PHASE_UNLOADING)
			log_warn("the host closed the connection");
		emu_fail(e, -ENOTCONN);
		return -ENOTCONN;
	}
	if (n == -EPROTO) {
		emu_protocol_error(e,
			"control message with descriptors that did not all arrive, "
			"or ancillary data other than SCM_RIGHTS");
		return -ENOTCONN;
	}
	if (n < 0) {
		log_warn("the connection to the host failed: %zd", n);
		emu_fail(e, -ENOTCONN);
		return -ENOTCONN;
	}
	if ((size_t)n > sizeof(buf)) {
		vmb_emu_close_fds(fds, *nfds);
		emu_protocol_error(e, "control message of %zd bytes, longer than any", n);
		return -ENOTCONN;
	}
	const char *reason = "?";
	int ret = vmb_ctl_decode(VMB_CTL_TO_GUEST, buf, (size_t)n, *nfds, msg, &reason);
	if (ret < 0) {
		vmb_emu_close_fds(fds, *nfds);
		uint32_t type = vmb_ctl_peek_type(buf, (size_t)n);
		emu_protocol_error(e, "control message type %u (%s), %zd bytes, %zu fds: %s (%d)",
			type, vmb_ctl_type_to_str(type), n, *nfds, reason, ret);
		return -ENOTCONN;
	}
	return 1;
}

/* Waits for one message up to deadline: 1, -ETIMEDOUT or -ENOTCONN. */
static int emu_wait_msg(
	struct emu *e, int64_t deadline, struct vmb_ctl_msg *msg, int *fds, size_t *nfds)
{
	for (;;) {
		int ret = emu_recv(e, msg, fds, nfds);
		if (ret != 0)
			return ret;
		struct pollfd pfd = { .fd = e->sock, .events = POLLIN };
		ret = vmb_poll_until(&pfd, 1, deadline);
		if (ret < 0) {
			emu_fail(e, ret);
			return -ENOTCONN;
		}
		if (ret == 0)
			return -ETIMEDOUT;
	}
}

/* ---- messages of the connected phases ---- */

static void handle_offer(struct emu *e, const struct vmb_ctl_offer *o)
{
	if (e->phase != PHASE_OFFERS && e->phase != PHASE_READY) {
		emu_protocol_error(e, "OFFERCHANNEL before REQUESTOFFERS");
		return;
	}
	if (find_relid(e, o->child_relid)) {
		emu_protocol_error(e, "OFFERCHANNEL for relid %u, already offered", o->child_relid);
		return;
	}
	if (e->n_relids == EMU_MAX_RELIDS) {
		emu_protocol_error(e, "more than %u offers", EMU_MAX_RELIDS);
		return;
	}
	e->relids[e->n_relids++] = (struct emu_relid){ .relid = o->child_relid };
	struct vmb_offer offer = {
		.interface = o->interface,
		.instance = o->instance,
		.relid = o->child_relid,
		.mmio_megabytes = o->mmio_megabytes,
		.chn_flags = o->chn_flags,
		.pipe_mode = o->pipe_mode,
	};
	e->base.events->offer(e->base.events_data, &offer);
}

static void handle_open_result(struct emu *e, const struct vmb_ctl_open_result *res)
{
	struct emu_relid *r = find_relid(e, res->child_relid);
	bool waiting = r &&
		(r->state == RELID_OPENING || r->state == RELID_ABANDONED ||
			r->state == RELID_RESCINDED_OPENING);
	if (!waiting || r->open_id != res->open_id) {
		emu_protocol_error(e, "OPENCHANNEL_RESULT for relid %u open_id %u: no such open",
			res->child_relid, res->open_id);
		return;
	}
	r->status = res->status;
	switch (r->state) {
	case RELID_OPENING:
		r->state = res->status == 0 ? RELID_OPEN : RELID_OFFERED;
		break;
	case RELID_ABANDONED:
		/* Our copies are gone: close what the host opened. */
		r->state = RELID_OFFERED;
		if (res->status == 0)
			send_relid_msg(e, VMB_CTL_CLOSECHANNEL, r->relid);
		break;
	default: /* RESCINDED_OPENING */
		send_relid_msg(e, VMB_CTL_RELID_RELEASED, r->relid);
		forget_relid(e, r);
		break;
	}
}

static void handle_rescind(struct emu *e, uint32_t relid)
{
	struct emu_relid *r = find_relid(e, relid);
	if (!r || r->state == RELID_RESCINDED_OPEN || r->state == RELID_RESCINDED_OPENING) {
		emu_protocol_error(e, "RESCIND_CHANNELOFFER for relid %u, %s", relid,
			r ? "already rescinded" : "never offered");
		return;
	}
	switch (r->state) {
	case RELID_OFFERED:
		send_relid_msg(e, VMB_CTL_RELID_RELEASED, relid);
		forget_relid(e, r);
		break;
	case RELID_OPENING:
	case RELID_ABANDONED:
		r->state = RELID_RESCINDED_OPENING;
		break;
	default: /* OPEN */
		r->state = RELID_RESCINDED_OPEN;
		break;
	}
	e->base.events->rescind(e->base.events_data, relid);
}

/* Handles one message received after contact. */
static void emu_handle(struct emu *e, const struct vmb_ctl_msg *msg)
{
	if (e->phase == PHASE_UNLOADING) {
		/* Nothing matters but the goodbye; the host may still be sending offers. */
		if (msg->type == VMB_CTL_UNLOAD_RESPONSE)
			e->unloaded = true;
		return;
	}
	switch (msg->type) {
	case VMB_CTL_OFFERCHANNEL:
		handle_offer(e, &msg->offer);
		break;
	case VMB_CTL_ALLOFFERS_DELIVERED:
		if (e->phase != PHASE_OFFERS)
			emu_protocol_error(e, "ALLOFFERS_DELIVERED out of sequence");
		else
			e->phase = PHASE_READY;
		break;
	case VMB_CTL_OPENCHANNEL_RESULT:
		handle_open_result(e, &msg->open_result);
		break;
	case VMB_CTL_RESCIND_CHANNELOFFER:
		handle_rescind(e, msg->child_relid);
		break;
	default: /* VERSION_RESPONSE, UNLOAD_RESPONSE */
		emu_protocol_error(e, "%s out of sequence", vmb_ctl_type_to_str(msg->type));
		break;
	}
}

/* Waits for and handles one message; fds never belong to the connected phases' messages. */
static int emu_step(struct emu *e, int64_t deadline)
{
	struct vmb_ctl_msg msg;
	int fds[VMB_EMU_MAX_RX_FDS];
	size_t nfds = 0;
	int ret = emu_wait_msg(e, deadline, &msg, fds, &nfds);
	if (ret < 0)
		return ret;
	vmb_emu_close_fds(fds, nfds); /* only VERSION_RESPONSE carries one: out of sequence here */
	emu_handle(e, &msg);
	return e->dead ? -ENOTCONN : 0;
}

static int emu_read_control(struct vmb_transport *t)
{
	struct emu *e = emu_from(t);
	/* Without blocking (a deadline already passed polls once), and bounded so a flooding
	 * host cannot keep us here: the control fd stays readable for the rest. */
	for (int i = 0; i < EMU_MSGS_PER_READ; i++) {
		int ret = emu_step(e, 0);
		if (ret == -ETIMEDOUT)
			return 0;
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- contact (§2, §3.1) ---- */

static int map_mmio(struct emu *e, int fd, const struct vmb_ctl_version_response *v)
{
	int ret = vmb_emu_memfd_check(fd, v->mmio_size);
	if (ret < 0) {
		emu_protocol_error(e, "MMIO memfd %s",
			ret == -EPERM ? "not sealed against shrinking" : "not of mmio_size bytes");
		return -EPROTO;
	}
	if (v->mmio_size > SIZE_MAX) {
		emu_protocol_error(e, "MMIO window of %" PRIu64 " bytes", v->mmio_size);
		return -EPROTO;
	}
	void *p = mmap(NULL, (size_t)v->mmio_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		log_error("mapping the MMIO window (%" PRIu64 " bytes) failed: %d", v->mmio_size,
			ret);
		emu_fail(e, ret);
		return ret;
	}
	e->mmio = (struct vmb_mmio){ .base = p, .gpa = v->mmio_base, .size = v->mmio_size };
	return 0;
}

/* Proposes one version: 1 accepted (MMIO mapped), 0 refused for the version, or -errno. */
static int propose(struct emu *e, uint32_t version)
{
	struct vmb_ctl_msg msg = { .type = VMB_CTL_INITIATE_CONTACT };
	msg.initiate_contact.vmbus_version = version;
	int ret = emu_send(e, &msg, NULL, 0);
	if (ret < 0)
		return e->err;
	int fds[VMB_EMU_MAX_RX_FDS];
	size_t nfds = 0;
	ret = emu_wait_msg(e, vmb_deadline(e->timeout_ms), &msg, fds, &nfds);
	if (ret == -ETIMEDOUT) {
		log_warn("no VERSION_RESPONSE within %d ms", e->timeout_ms);
		emu_fail(e, -ETIMEDOUT);
	}
	if (ret < 0)
		return e->err;
	const struct vmb_ctl_version_response *v = &msg.version_response;
	if (msg.type != VMB_CTL_VERSION_RESPONSE) {
		emu_protocol_error(e, "%s before VERSION_RESPONSE", vmb_ctl_type_to_str(msg.type));
		ret = -EPROTO;
	} else if (!v->version_supported && v->refusal == VMB_CTL_REFUSAL_BUSY) {
		log_info("the host is serving another guest");
		emu_fail(e, -EBUSY);
		ret = -EBUSY;
	} else if (v->vmbus_version != version) {
		emu_protocol_error(e, "VERSION_RESPONSE echoes 0x%08x, we proposed 0x%08x",
			v->vmbus_version, version);
		ret = -EPROTO;
	} else if (v->version_supported) {
		ret = map_mmio(e, fds[0], v);
		if (ret == 0) {
			e->version = version;
			ret = 1;
		}
	} else {
		ret = 0;
	}
	vmb_emu_close_fds(fds, nfds);
	return ret;
}

static int negotiate(struct emu *e, uint32_t max_version)
{
	bool proposed = false;
	for (size_t i = 0; i < ARRAY_LEN(emu_versions); i++) {
		uint32_t v = emu_versions[i];
		if (v > max_version)
			continue;
		proposed = true;
		int ret = propose(e, v);
		if (ret != 0)
			return ret < 0 ? ret : 0;
		log_info("the host refused VMBus %u.%u", v >> 16, v & 0xffff);
	}
	if (!proposed)
		return -EINVAL;
	log_warn("the host accepts none of our VMBus versions");
	return -EPROTONOSUPPORT;
}

static int collect_offers(struct emu *e)
{
	int ret = emu_send(e, &(struct vmb_ctl_msg){ .type = VMB_CTL_REQUESTOFFERS }, NULL, 0);
	if (ret < 0)
		return e->err;
	e->phase = PHASE_OFFERS;
	int64_t deadline = vmb_deadline(e->timeout_ms);
	while (e->phase == PHASE_OFFERS) {
		ret = emu_step(e, deadline);
		if (ret == -ETIMEDOUT) {
			log_warn("no ALLOFFERS_DELIVERED within %d ms", e->timeout_ms);
			emu_fail(e, -ETIMEDOUT);
		}
		if (ret < 0)
			return e->err;
	}
	return 0;
}

static int connect_socket(struct emu *e, const char *option)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int ret = vmb_emu_socket_path(option, sun.sun_path, sizeof(sun.sun_path));
	if (ret < 0)
		return ret;
	e->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (e->sock < 0)
		return -errno;
	if (connect(e->sock, (const struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		log_info("cannot connect to %s: %d", sun.sun_path, ret);
		return ret;
	}
	return 0;
}

static int emu_create(struct vmb_transport **out, const void *args,
	const struct vmb_transport_events *events, void *events_data)
{
	const struct vmb_bus_options *opts = args;
	struct emu *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->base = (struct vmb_transport){
		.ops = &emu_ops, .events = events, .events_data = events_data
	};
	e->sock = -1;
	e->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : EMU_DEFAULT_TIMEOUT_MS;
	uint32_t max_version = opts->max_version ? opts->max_version : VMB_VERSION_WIN10_V5;
	int ret = connect_socket(e, opts->socket_path);
	if (ret == 0)
		ret = negotiate(e, max_version);
	if (ret == 0)
		ret = collect_offers(e);
	if (ret < 0) {
		if (e->sock >= 0)
			close(e->sock);
		if (e->mmio.base)
			munmap(e->mmio.base, e->mmio.size);
		free(e);
		return ret;
	}
	*out = &e->base;
	return 0;
}

/* ---- channels (§3.3-3.6) ---- */

/* One memfd holding both rings, formatted, sealed against shrinking (§3.3). */
static int make_rings(struct emu_chan *c, uint32_t send_bytes, uint32_t recv_bytes, int *ring_fd)
{
	c->mem_len = (size_t)send_bytes + recv_bytes;
	int fd = memfd_create("vmb-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	int ret = 0;
	if (ftruncate(fd, (off_t)c->mem_len) < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		ret = -errno;
		goto err_fd;
	}
	void *mem = mmap(NULL, c->mem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		ret = -errno;
		goto err_fd;
	}
	c->mem = mem;
	ret = vmb_ring_format(c->mem, send_bytes);
	if (ret == 0)
		ret = vmb_ring_format(c->mem + send_bytes, recv_bytes);
	if (ret < 0)
		goto err_fd;
	*ring_fd = fd;
	return 0;

err_fd:
	close(fd);
	return ret;
}

static void free_chan(struct emu_chan *c)
{
	if (c->mem)
		munmap(c->mem, c->mem_len);
	if (c->signal_fd >= 0)
		close(c->signal_fd);
	if (c->interrupt_fd >= 0)
		close(c->interrupt_fd);
	free(c);
}

static struct emu_chan *new_chan(uint32_t relid)
{
	struct emu_chan *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->relid = relid;
	c->signal_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	c->interrupt_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->signal_fd < 0 || c->interrupt_fd < 0) {
		free_chan(c);
		return NULL;
	}
	return c;
}

/* Until our open's result: 0 opened, the host's status, -ENODEV rescinded, -ETIMEDOUT... */
static int wait_open_result(struct emu *e, uint32_t relid)
{
	int64_t deadline = vmb_deadline(e->timeout_ms);
	for (;;) {
		struct emu_relid *r = find_relid(e, relid);
		if (!r)
			return -ENODEV; /* rescinded, result came, released */
		if (r->state == RELID_OPEN)
			return 0;
		if (r->state == RELID_OFFERED)
			return r->status;
		int ret = emu_step(e, deadline);
		if (ret == -ETIMEDOUT) {
			log_warn("no OPENCHANNEL_RESULT for relid %u within %d ms", relid,
				e->timeout_ms);
			r = find_relid(e, relid);
			if (r && r->state == RELID_OPENING)
				r->state = RELID_ABANDONED;
		}
		if (ret < 0)
			return ret;
	}
}

static int emu_open_channel(struct vmb_transport *t, const struct vmb_offer *offer,
	uint32_t send_bytes, uint32_t recv_bytes, struct vmb_transport_channel *out)
{
	struct emu *e = emu_from(t);
	if (e->dead)
		return -ENOTCONN;
	struct emu_relid *r = find_relid(e, offer->relid);
	if (!r || r->state == RELID_RESCINDED_OPEN || r->state == RELID_RESCINDED_OPENING)
		return -ENOENT;
	if (r->state != RELID_OFFERED)
		return -EBUSY;
	struct emu_chan *c = new_chan(offer->relid);
	if (!c)
		return -ENOMEM;
	int ring_fd = -1;
	int ret = make_rings(c, send_bytes, recv_bytes, &ring_fd);
	if (ret < 0)
		goto err_chan;
	struct vmb_ctl_msg msg = { .type = VMB_CTL_OPENCHANNEL };
	msg.open = (struct vmb_ctl_open){
		.child_relid = offer->relid,
		.open_id = ++e->next_open_id,
		.ring_bytes = send_bytes + recv_bytes,
		.downstream_ringbuffer_pageoffset = send_bytes / VMB_CTL_PAGE_SIZE,
	};
	const int fds[VMB_CTL_MAX_FDS] = { ring_fd, c->signal_fd, c->interrupt_fd };
	ret = emu_send(e, &msg, fds, VMB_CTL_MAX_FDS);
	close(ring_fd); /* the mapping keeps the memory */
	if (ret < 0)
		goto err_chan;
	r->state = RELID_OPENING;
	r->open_id = msg.open.open_id;
	ret = wait_open_result(e, offer->relid);
	if (ret < 0)
		goto err_chan;
	*out = (struct vmb_transport_channel){
		.ring_mem = c->mem,
		.send_bytes = send_bytes,
		.recv_bytes = recv_bytes,
		.event_fd = c->interrupt_fd,
		.priv = c,
	};
	return 0;

err_chan:
	free_chan(c);
	return ret;
}

static void emu_close_channel(struct vmb_transport *t, struct vmb_transport_channel *tc)
{
	struct emu *e = emu_from(t);
	struct emu_chan *c = tc->priv;
	struct emu_relid *r = find_relid(e, c->relid);
	if (r && r->state == RELID_OPEN) {
		r->state = RELID_OFFERED;
		send_relid_msg(e, VMB_CTL_CLOSECHANNEL, c->relid);
	} else if (r && r->state == RELID_RESCINDED_OPEN) {
		forget_relid(e, r);
		send_relid_msg(e, VMB_CTL_RELID_RELEASED, c->relid);
	}
	free_chan(c);
	*tc = (struct vmb_transport_channel){ .event_fd = -1 };
}

static int emu_signal(struct vmb_transport *t, struct vmb_transport_channel *tc)
{
	struct emu_chan *c = tc->priv;
	uint64_t one = 1;
	/* EAGAIN: the counter is about to overflow, so the host has a signal pending anyway. */
	if (write(c->signal_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

static int emu_ack_event(struct vmb_transport *t, struct vmb_transport_channel *tc)
{
	struct emu_chan *c = tc->priv;
	uint64_t value;
	if (read(c->interrupt_fd, &value, sizeof(value)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

static void emu_destroy(struct vmb_transport *t)
{
	struct emu *e = emu_from(t);
	if (!e->dead) {
		e->phase = PHASE_UNLOADING;
		int64_t deadline = vmb_deadline(e->timeout_ms);
		if (emu_send(e, &(struct vmb_ctl_msg){ .type = VMB_CTL_UNLOAD }, NULL, 0) == 0) {
			while (!e->unloaded && emu_step(e, deadline) == 0)
				;
		}
		if (!e->unloaded && !e->dead)
			log_warn("no UNLOAD_RESPONSE from the host");
	}
	close(e->sock);
	if (e->mmio.base)
		munmap(e->mmio.base, e->mmio.size);
	free(e);
}

static uint32_t emu_version(const struct vmb_transport *t)
{
	return emu_from_const(t)->version;
}

static int emu_get_mmio(const struct vmb_transport *t, struct vmb_mmio *out)
{
	*out = emu_from_const(t)->mmio;
	return 0;
}

static int emu_control_fd(const struct vmb_transport *t)
{
	return emu_from_const(t)->sock;
}

static const struct vmb_transport_ops emu_ops = {
	.name = "emu",
	.destroy = emu_destroy,
	.version = emu_version,
	.get_mmio = emu_get_mmio,
	.control_fd = emu_control_fd,
	.read_control = emu_read_control,
	.open_channel = emu_open_channel,
	.close_channel = emu_close_channel,
	.signal = emu_signal,
	.ack_event = emu_ack_event,
};

int vmb_bus_connect_emu(struct vmb_bus **out, const struct vmb_bus_options *opts)
{
	static const struct vmb_bus_options defaults = { 0 };
	return vmb_bus_create_with(out, emu_create, opts ? opts : &defaults);
}
