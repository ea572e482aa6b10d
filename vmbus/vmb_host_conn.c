/*
 * The host's side of one guest connection (vmbus-emu.md §2-3): receiving, decoding and
 * dispatching the guest's control messages from a table, in sequence: contact, offers, opens,
 * closes, releases, unload. Anything the codec or the sequence rejects is logged with its
 * reason, counted, and ends the connection; nothing of a bad message is acted on.
 */
#define LOG_MODULE "vmb-host"
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "vmb_emu_io.h"
#include "vmb_host_internal.h"

/* Enough to drain a burst, few enough that one guest cannot starve the loop. */
#define MSGS_PER_WAKEUP 32

#define conn_protocol_error(c, ...)                                                                \
	do {                                                                                       \
		log_bug_guest(__VA_ARGS__);                                                        \
		host_conn_fail(c, true);                                                           \
	} while (0)

static const struct vmb_host_listener *listener(const struct vmb_host *host)
{
	return host->listener;
}

/* ---- connection lifecycle ---- */

void host_conn_fail(struct host_conn *c, bool protocol_error)
{
	struct vmb_host *host = c->host;
	if (c->dead)
		return;
	c->dead = true;
	if (protocol_error)
		host->stats.protocol_errors++;
	loop_remove(c->source);
	c->source = NULL;
	/* The guest sees the end now; the fd stays ours until teardown. */
	shutdown(c->fd, SHUT_RDWR);
	/* The devices' state is the current guest's; the next guest starts from none. */
	for (size_t i = 0; i < host->n_devs && host->conn == c; i++) {
		struct host_dev *d = &host->devs[i];
		if (d->ch) {
			host_channel_halt(d->ch);
			d->ch->next_dead = c->dead_channels;
			c->dead_channels = d->ch;
		}
		*d = (struct host_dev){ .dev = d->dev };
	}
	if (host->conn == c)
		host->conn = NULL;
	c->next_dying = host->dying;
	host->dying = c;
	loop_timer_arm(host->teardown_timer, 0);
}

static void teardown_one(struct vmb_host *host, struct host_conn *c, bool tell)
{
	while (c->dead_channels) {
		struct vmb_host_channel *ch = c->dead_channels;
		c->dead_channels = ch->next_dead;
		if (tell)
			host_channel_stop(ch, VMB_HOST_CLOSE_DISCONNECTED);
		host_channel_free(ch);
	}
	close(c->fd);
	bool was_connected = c->contacted;
	free(c);
	if (tell && was_connected && listener(host)->guest_disconnected)
		listener(host)->guest_disconnected(host->listener_data);
}

void host_conn_teardown(struct vmb_host *host, bool tell)
{
	while (host->dying) {
		struct host_conn *c = host->dying;
		host->dying = c->next_dying;
		teardown_one(host, c, tell);
	}
}

int host_conn_send(
	struct vmb_host *host, const struct vmb_ctl_msg *msg, const int *fds, size_t nfds)
{
	struct host_conn *c = host->conn;
	if (!c || c->dead)
		return -ENOTCONN;
	int ret = vmb_emu_send(c->fd, msg, fds, nfds);
	if (ret == -EAGAIN) {
		conn_protocol_error(c, "guest not reading its socket: %s not sent",
			vmb_ctl_type_to_str(msg->type));
	} else if (ret < 0) {
		log_info("guest connection lost sending %s: %d", vmb_ctl_type_to_str(msg->type),
			ret);
		host_conn_fail(c, false);
	}
	return ret < 0 ? -ENOTCONN : 0;
}

/* ---- handlers (§2 table, §3 sequence) ---- */

static bool version_accepted(const struct vmb_host *host, uint32_t version)
{
	for (size_t i = 0; i < host->n_versions; i++) {
		if (host->versions[i] == version)
			return true;
	}
	return false;
}

static void on_initiate_contact(struct host_conn *c, const struct vmb_ctl_msg *msg, int *fds)
{
	struct vmb_host *host = c->host;
	uint32_t version = msg->initiate_contact.vmbus_version;
	if (c->contacted) {
		conn_protocol_error(c, "INITIATE_CONTACT after VMBus %u.%u was accepted",
			c->version >> 16, c->version & 0xffff);
		return;
	}
	struct vmb_ctl_msg resp = { .type = VMB_CTL_VERSION_RESPONSE };
	resp.version_response.vmbus_version = version;
	if (!version_accepted(host, version)) {
		log_info("guest proposed VMBus %u.%u: refused", version >> 16, version & 0xffff);
		host_conn_send(host, &resp, NULL, 0);
		return;
	}
	resp.version_response.version_supported = true;
	resp.version_response.mmio_base = host->mmio_base;
	resp.version_response.mmio_size = host->mmio_size;
	if (host_conn_send(host, &resp, &host->mmio_fd, 1) < 0)
		return;
	c->contacted = true;
	c->version = version;
	log_info("guest connected with VMBus %u.%u", version >> 16, version & 0xffff);
	if (listener(host)->guest_connected)
		listener(host)->guest_connected(host->listener_data, version);
}

static void on_request_offers(struct host_conn *c, const struct vmb_ctl_msg *msg, int *fds)
{
	struct vmb_host *host = c->host;
	if (c->offers_requested) {
		conn_protocol_error(c, "REQUESTOFFERS a second time");
		return;
	}
	c->offers_requested = true;
	for (size_t i = 0; i < host->n_devs && !c->dead; i++)
		host_offer(host, &host->devs[i]);
	host_conn_send(host, &(struct vmb_ctl_msg){ .type = VMB_CTL_ALLOFFERS_DELIVERED }, NULL, 0);
}

static void on_open(struct host_conn *c, const struct vmb_ctl_msg *msg, int *fds)
{
	struct vmb_host *host = c->host;
	const struct vmb_ctl_open *req = &msg->open;
	struct host_dev *d = host_dev_by_relid(host, req->child_relid);
	struct vmb_host_channel *ch = NULL;
	int32_t status = host_channel_open(host, d, req, fds, &ch);
	if (status == 0) {
		d->state = HOST_DEV_OPEN;
		d->ch = ch;
	}
	struct vmb_ctl_msg resp = { .type = VMB_CTL_OPENCHANNEL_RESULT };
	resp.open_result = (struct vmb_ctl_open_result){
		.child_relid = req->child_relid,
		.open_id = req->open_id,
		.status = status,
	};
	/* A result that did not go out leaves ch among the dead, never announced. */
	if (host_conn_send(host, &resp, NULL, 0) == 0 && status == 0)
		host_channel_announce(ch);
}

static void on_close(struct host_conn *c, const struct vmb_ctl_msg *msg, int *fds)
{
	struct host_dev *d = host_dev_by_relid(c->host, msg->child_relid);
	if (d && d->state == HOST_DEV_RESCINDED && d->ch) {
		/* The guest closed before it saw our rescind; its RELID_RELEASED follows. */
		log_debug("CLOSECHANNEL for relid %u crossed its rescind", msg->child_relid);
		return;
	}
	if (!d || d->state != HOST_DEV_OPEN) {
		conn_protocol_error(c, "CLOSECHANNEL for relid %u, %s", msg->child_relid,
			d ? "not open" : "not offered");
		return;
	}
	struct vmb_host_channel *ch = d->ch;
	/* Offered again at once (§3.6): the relid stays valid, so the guest may reopen it. */
	d->state = HOST_DEV_OFFERED;
	d->ch = NULL;
	host_channel_stop(ch, VMB_HOST_CLOSE_GUEST);
	host_channel_free(ch);
}

static void on_released(struct host_conn *c, const struct vmb_ctl_msg *msg, int *fds)
{
	struct vmb_host *host = c->host;
	struct host_dev *d = host_dev_by_relid(host, msg->child_relid);
	if (!d || d->state != HOST_DEV_RESCINDED) {
		conn_protocol_error(c, "RELID_RELEASED for relid %u, %s", msg->child_relid,
			d ? "not rescinded" : "not offered");
		return;
	}
	if (d->ch)
		host_channel_free(d->ch);
	d->ch = NULL;
	d->state = HOST_DEV_IDLE;
	if (d->reoffer_pending)
		host_offer(host, d);
}

static void on_unload(struct host_conn *c, const struct vmb_ctl_msg *msg, int *fds)
{
	log_info("guest unloaded");
	host_conn_send(c->host, &(struct vmb_ctl_msg){ .type = VMB_CTL_UNLOAD_RESPONSE }, NULL, 0);
	host_conn_fail(c, false);
}

typedef void (*conn_handler_fn)(struct host_conn *c, const struct vmb_ctl_msg *msg, int *fds);

/* Every guest->host type (the codec rejects the others). */
static const struct {
	enum vmb_ctl_type type;
	bool after_contact;
	conn_handler_fn fn;
} conn_handlers[] = {
	{ VMB_CTL_INITIATE_CONTACT, false, on_initiate_contact },
	{ VMB_CTL_REQUESTOFFERS, true, on_request_offers },
	{ VMB_CTL_OPENCHANNEL, true, on_open },
	{ VMB_CTL_CLOSECHANNEL, true, on_close },
	{ VMB_CTL_RELID_RELEASED, true, on_released },
	{ VMB_CTL_UNLOAD, true, on_unload },
};

/* Hands fds to the handler, which owns them (only OPENCHANNEL carries any). */
static void dispatch(struct host_conn *c, const struct vmb_ctl_msg *msg, int *fds, size_t nfds)
{
	for (size_t i = 0; i < ARRAY_LEN(conn_handlers); i++) {
		if (conn_handlers[i].type != msg->type)
			continue;
		if (conn_handlers[i].after_contact && !c->contacted) {
			vmb_emu_close_fds(fds, nfds);
			conn_protocol_error(c, "%s before a version was accepted",
				vmb_ctl_type_to_str(msg->type));
			return;
		}
		conn_handlers[i].fn(c, msg, fds);
		return;
	}
	vmb_emu_close_fds(fds, nfds);
	log_bug_self("no handler for %s", vmb_ctl_type_to_str(msg->type));
}

/* ---- receiving ---- */

/* Reads and handles one message; false when there is nothing more to read now. */
static bool read_one(struct host_conn *c)
{
	uint8_t buf[VMB_CTL_MAX_SIZE];
	int fds[VMB_EMU_MAX_RX_FDS];
	size_t nfds = 0;
	ssize_t n = vmb_emu_recv(c->fd, buf, sizeof(buf), fds, &nfds);
	if (n == -EAGAIN)
		return false;
	if (n == -EPROTO) {
		conn_protocol_error(c,
			"control message with descriptors that did not all arrive, "
			"or ancillary data other than SCM_RIGHTS");
		return false;
	}
	if (n <= 0) {
		log_info("the guest closed the connection (%zd)", n);
		host_conn_fail(c, false);
		return false;
	}
	if ((size_t)n > sizeof(buf)) {
		vmb_emu_close_fds(fds, nfds);
		conn_protocol_error(c, "control message of %zd bytes, longer than any", n);
		return false;
	}
	struct vmb_ctl_msg msg;
	const char *reason = "?";
	int ret = vmb_ctl_decode(VMB_CTL_TO_HOST, buf, (size_t)n, nfds, &msg, &reason);
	if (ret < 0) {
		vmb_emu_close_fds(fds, nfds);
		uint32_t type = vmb_ctl_peek_type(buf, (size_t)n);
		conn_protocol_error(c, "control message type %u (%s), %zd bytes, %zu fds: %s (%d)",
			type, vmb_ctl_type_to_str(type), n, nfds, reason, ret);
		return false;
	}
	dispatch(c, &msg, fds, nfds);
	return true;
}

void host_conn_drain(struct host_conn *c)
{
	/* c stays allocated until the teardown timer, even if a handler ends the connection. */
	for (int i = 0; i < MSGS_PER_WAKEUP && !c->dead; i++) {
		if (!read_one(c))
			break;
	}
}

static void on_conn_readable(void *data, int fd, short revents)
{
	host_conn_drain(data);
}

int host_conn_start(struct vmb_host *host, int fd)
{
	struct host_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	*c = (struct host_conn){ .host = host, .fd = fd, .next_relid = 1 };
	c->source = loop_add_fd(host->loop, fd, POLLIN, on_conn_readable, c);
	if (!c->source) {
		free(c);
		close(fd);
		return -ENOMEM;
	}
	host->conn = c;
	return 0;
}
