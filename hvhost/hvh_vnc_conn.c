/*
 * One VNC client (hvh_vnc_internal.h): its TCP socket, the socketpair that stands in for it in
 * libvncserver, the checked framing of what it sends (hvh_vnc_rfb.h) and its keys and pointer.
 *
 * libvncserver writes whole messages with blocking writes; it only ever writes into the
 * socketpair, which is made large enough for the biggest update it can produce (a whole
 * framebuffer) and emptied into conn->out after every pass. A client that reads slowly keeps
 * conn->out non-empty, which holds libvncserver's updates to it (onHold) so its damage
 * coalesces; one that reads nothing for HVH_VNC_STALL_MS is dropped.
 */
#define LOG_MODULE "vnc"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hvh_keyboard.h"
#include "hvh_mouse.h"
#include "hvh_vnc_internal.h"
#include "log.h"
#include "macros.h"
#include "synthmouse.h"

#define CLOSE_GRACE_MS 2000        // a client libvncserver refused gets its reason this long
#define MAX_OUT (64 * 1024 * 1024) // more queued output than any update: a bug, or a flood

/* The refusal a client over the limit reads: an RFB 3.3 server whose security type is 0
 * (failed) and the reason (RFC 6143 §7.1.2). */
static const char refusal[] = "RFB 003.003\n\0\0\0\0\0\0\0\x10too many clients";

/* ---- output ---- */

static int out_append(struct vnc_conn *c, const void *data, size_t len)
{
	if (len > MAX_OUT - c->out_len)
		return -ENOBUFS;
	if (c->out_len + len > c->out_cap) {
		size_t cap = MAX(c->out_cap * 2, c->out_len + len);
		cap = MAX(cap, (size_t)65536);
		uint8_t *p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return 0;
}

static void update_events(struct vnc_conn *c)
{
	short ev = c->out_len ? POLLOUT : 0;
	/* Read more only once libvncserver has taken what was forwarded: a flood of requests
	 * waits in the client's socket, not in ours. */
	if (c->cl && (c->rfb.state == VNC_RFB_STATE_VERSION || vnc_conn_unread(c) == 0))
		ev |= POLLIN;
	else if (!c->cl)
		ev |= POLLIN; // only to see the hang-up while the reason goes out
	loop_fd_set_events(c->src, ev);
}

bool vnc_conn_flush(struct vnc_conn *c)
{
	while (c->out_len) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			vnc_conn_drop(c, "its connection failed");
			return false;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
		c->bytes_sent += (uint64_t)n;
		c->out_stuck_since = 0;
	}
	if (c->out_len && !c->out_stuck_since)
		c->out_stuck_since = loop_now_ms();
	if (!c->out_len && !c->cl) {
		vnc_conn_drop(c, NULL); // libvncserver's last words are out
		return false;
	}
	update_events(c);
	return true;
}

/* ---- libvncserver's side ---- */

size_t vnc_conn_unread(const struct vnc_conn *c)
{
	int n = 0;
	if (!c->cl || c->cl->sock < 0 || ioctl(c->cl->sock, FIONREAD, &n) < 0)
		return 0;
	return n > 0 ? (size_t)n : 0;
}

/* Everything libvncserver wrote so far; -errno when the pair failed. */
static int drain_pair(struct vnc_conn *c)
{
	uint8_t buf[65536];
	for (;;) {
		ssize_t n = recv(c->pair, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			int ret = out_append(c, buf, (size_t)n);
			if (ret < 0)
				return ret;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n == 0 || errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	}
}

/* A FramebufferUpdate with one QEMU Extended Key Event pseudo-rectangle: "this server takes
 * raw scan codes". Sent once the client listed the encoding, between libvncserver's
 * messages (a pass has ended and the pair is drained, so conn->out ends on a boundary). */
static int announce_qemu_keys(struct vnc_conn *c)
{
	static const uint8_t msg[16] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xfe,
		0xfe };
	c->qemu_key_pending = false;
	return out_append(c, msg, sizeof(msg));
}

bool vnc_conn_collect(struct vnc_conn *c)
{
	if (!c->cl)
		return true;
	int ret = drain_pair(c);
	if (ret == 0 && c->qemu_key_pending && vnc_conn_unread(c) == 0)
		ret = announce_qemu_keys(c);
	if (ret < 0) {
		c->vnc->stats.dropped_backlog++;
		vnc_conn_drop(c, "its output could not be queued");
		return false;
	}
	return true;
}

/* ---- input ---- */

static void send_keys(struct vnc_conn *c, const struct hvi_scancode *codes, size_t n)
{
	struct hvh_vnc *vnc = c->vnc;
	if (!n)
		return;
	int ret = hvh_keyboard_send(vnc->keyboard, codes, n);
	if (ret < 0) {
		vnc->stats.input_dropped++;
		log_debug("%s: keys not sent: %s", c->peer, strerror(-ret));
	}
}

static void on_key(struct vnc_conn *c, const struct vnc_rfb_msg *m)
{
	struct hvi_scancode out[VNC_KEYS_MAX_OUT];
	size_t n;
	if (m->action == VNC_RFB_EXT_KEY)
		n = vnc_keys_from_keycode(&c->keys, m->u.ext_key.keycode, m->u.ext_key.down, out);
	else
		n = vnc_keys_from_keysym(&c->keys, m->u.key.keysym, m->u.key.down, out);
	if (n)
		c->vnc->stats.keys++;
	else
		c->vnc->stats.keys_unmapped++;
	send_keys(c, out, n);
}

/*
 * RFB buttons: bit 0 left, 1 middle, 2 right, 3 and 4 a wheel step up and down (pressed and
 * released at once). The report's: bit 0 left, 1 right, 2 middle (synthinput.md §2.7).
 */
static void on_pointer(struct vnc_conn *c, const struct vnc_rfb_msg *m)
{
	struct hvh_vnc *vnc = c->vnc;
	uint8_t b = m->u.pointer.buttons, pressed = (uint8_t)(b & ~c->buttons);
	c->buttons = b;
	uint8_t hid = (uint8_t)((b & 1) | (b & 2) << 1 | (b & 4) >> 1);
	int16_t wheel = (int16_t)((pressed & 8 ? 1 : 0) - (pressed & 16 ? 1 : 0));
	uint32_t w = (uint32_t)vnc->rfb->width, h = (uint32_t)vnc->rfb->height;
	uint32_t x = MIN((uint32_t)m->u.pointer.x, w - 1), y = MIN((uint32_t)m->u.pointer.y, h - 1);
	vnc->stats.pointer_events++;
	c->last_x = synthmouse_scale_abs(x, w);
	c->last_y = synthmouse_scale_abs(y, h);
	int ret = hvh_mouse_send(vnc->mouse, hid, c->last_x, c->last_y, wheel);
	if (ret < 0) {
		vnc->stats.input_dropped++;
		log_debug("%s: pointer not sent: %s", c->peer, strerror(-ret));
	}
}

static int forward(struct vnc_conn *c, const struct vnc_rfb_msg *m, const uint8_t *bytes)
{
	size_t len = m->len - m->skip;
	ssize_t n = send(c->pair, bytes + m->skip, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n != (ssize_t)len)
		return -EIO; // the pair holds megabytes and is read before we read more
	if (m->state == VNC_RFB_STATE_NORMAL && m->type == VNC_RFB_SET_ENCODINGS) {
		c->can_resize = m->u.encodings.new_fb_size || m->u.encodings.ext_desktop_size;
		if (m->u.encodings.qemu_ext_key)
			c->qemu_key_pending = true;
	}
	return 0;
}

/* Acts on every whole message in c->in; -EPROTO (logged) when the client broke the rules. */
static int handle_input(struct vnc_conn *c)
{
	size_t pos = 0;
	int ret = 0;
	while (ret == 0 && pos < c->in_len) {
		struct vnc_rfb_msg m;
		const char *why = NULL;
		int got = vnc_rfb_next(&c->rfb, c->in + pos, c->in_len - pos, &m, &why);
		if (got == 0)
			break;
		if (got < 0) {
			log_bug_client("VNC client %s: %s (in %s); dropped", c->peer, why,
				vnc_rfb_state_to_str(c->rfb.state));
			return -EPROTO;
		}
		if (m.action == VNC_RFB_DROP) {
			size_t have = MIN(m.len, c->in_len - pos);
			c->discard = m.len - have;
			pos += have;
			continue;
		}
		if (m.action == VNC_RFB_FORWARD)
			ret = forward(c, &m, c->in + pos);
		else if (m.action == VNC_RFB_POINTER)
			on_pointer(c, &m);
		else
			on_key(c, &m);
		pos += m.len;
	}
	memmove(c->in, c->in + pos, c->in_len - pos);
	c->in_len -= pos;
	return ret;
}

/* Reads what fits; false when conn was dropped. */
static bool read_input(struct vnc_conn *c)
{
	uint8_t *dst = c->in + c->in_len;
	size_t room = sizeof(c->in) - c->in_len;
	if (room == 0) { // every message fits the buffer: this cannot be one
		log_bug_self("VNC client %s: input buffer full without a message", c->peer);
		vnc_conn_drop(c, NULL);
		return false;
	}
	ssize_t n = recv(c->fd, dst, room, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return true;
	if (n <= 0) {
		vnc_conn_drop(c, n == 0 ? NULL : "its connection failed");
		return false;
	}
	size_t got = (size_t)n;
	if (c->discard) { // the rest of a message we ignore
		size_t skip = MIN(c->discard, got);
		c->discard -= skip;
		memmove(dst, dst + skip, got - skip);
		got -= skip;
	}
	c->in_len += got;
	if (!c->cl) {
		c->in_len = 0; // libvncserver is done with it; only its reason is still going out
		return true;
	}
	if (handle_input(c) < 0) {
		c->vnc->stats.dropped_protocol++;
		vnc_conn_drop(c, NULL);
		return false;
	}
	vnc_schedule(c->vnc, 0);
	return true;
}

static void on_io(void *data, int fd, short revents)
{
	struct vnc_conn *c = data;
	if ((revents & POLLIN) && !read_input(c))
		return;
	if (revents & (POLLERR | POLLHUP) && !(revents & POLLIN)) {
		vnc_conn_drop(c, NULL);
		return;
	}
	if (revents & POLLOUT) {
		size_t before = c->out_len;
		if (!vnc_conn_flush(c))
			return;
		if (before && !c->out_len)
			vnc_schedule(c->vnc, 0); // it took its update: the next may go
	}
}

/* ---- life and death ---- */

static void release_keys(struct vnc_conn *c)
{
	struct hvi_scancode out[VNC_KEYS_MAX_HELD];
	size_t n = vnc_keys_release_all(&c->keys, out);
	if (n)
		log_info("%s: releasing %zu held key%s", c->peer, n, n == 1 ? "" : "s");
	send_keys(c, out, n);
	/* Buttons too: a viewer gone mid-drag must not leave the guest dragging. */
	if (c->buttons & 7)
		hvh_mouse_send(c->vnc->mouse, 0, c->last_x, c->last_y, 0);
	c->buttons = 0;
}

/* Stall check: a client that takes none of its pending output for HVH_VNC_STALL_MS. */
static void on_timer(void *data)
{
	struct vnc_conn *c = data;
	if (!c->cl) {
		vnc_conn_drop(c, "it did not read why it was refused");
		return;
	}
	if (c->out_len && c->out_stuck_since &&
		loop_now_ms() - c->out_stuck_since >= HVH_VNC_STALL_MS) {
		c->vnc->stats.dropped_stalled++;
		vnc_conn_drop(c, "it read nothing for 30 s");
		return;
	}
	loop_timer_arm(c->timer, 1000);
}

void vnc_conn_gone(rfbClientPtr cl)
{
	struct vnc_conn *c = cl->clientData;
	if (!c)
		return;
	cl->clientData = NULL;
	drain_pair(c); // its last words: a refused password, say
	c->cl = NULL;
	close(c->pair);
	c->pair = -1;
	release_keys(c);
	struct hvh_vnc *vnc = c->vnc;
	vnc->stats.updates += c->updates;
	c->updates = 0;
	/* What is left goes out in the grace period, then the connection closes. */
	loop_timer_arm(c->timer, CLOSE_GRACE_MS);
	vnc_schedule(vnc, 0);
}

static void unlink_conn(struct vnc_conn *c)
{
	struct hvh_vnc *vnc = c->vnc;
	for (struct vnc_conn **p = &vnc->conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	vnc->n_conns--;
}

void vnc_conn_drop(struct vnc_conn *c, const char *why)
{
	struct hvh_vnc *vnc = c->vnc;
	if (why)
		log_info("VNC client %s dropped: %s", c->peer, why);
	else
		log_info("VNC client %s disconnected", c->peer);
	if (c->cl) {
		rfbClientPtr cl = c->cl;
		rfbCloseClient(cl);
		rfbClientConnectionGone(cl); // runs vnc_conn_gone()
	}
	unlink_conn(c);
	vnc->stats.closed++;
	vnc->stats.bytes_sent += c->bytes_sent;
	loop_remove(c->src);
	loop_remove(c->timer);
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	free(c);
	vnc_schedule(vnc, 0); // viewers and waits follow
}

/* ---- accepting ---- */

static void refuse(struct hvh_vnc *vnc, int fd, const char *peer)
{
	vnc->stats.refused_limit++;
	log_warn("VNC client %s refused: already %u clients (--vnc-max-clients)", peer,
		vnc->n_conns);
	/* Best effort: a client that reads it learns why; the socket is new and empty. */
	ssize_t n = send(fd, refusal, sizeof(refusal) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)n;
	close(fd);
}

/* The socketpair libvncserver talks to. Its end is large enough for a whole-framebuffer
 * update; "RFB " goes ahead so libvncserver's WebSocket sniffing, which waits 100 ms for a
 * first byte, sees a plain RFB client at once (hvh_vnc_rfb.c skips those 4 bytes). */
static int make_pair(struct vnc_conn *c, int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
		return -errno;
	int size = 64 * 1024 * 1024;
	setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (send(fds[0], "RFB ", 4, MSG_NOSIGNAL) != 4) {
		close(fds[0]);
		close(fds[1]);
		return -EIO;
	}
	return 0;
}

static int start_conn(struct hvh_vnc *vnc, struct vnc_conn *c)
{
	int fds[2];
	int ret = make_pair(c, fds);
	if (ret < 0)
		return ret;
	c->pair = fds[0];
	c->cl = rfbNewClient(vnc->rfb, fds[1]);
	if (!c->cl) {
		close(fds[0]);
		c->pair = -1;
		return -ENOMEM; // libvncserver closed fds[1]
	}
	c->cl->clientData = c;
	c->cl->onHold = TRUE; // until the version is in (see set_holds())
	c->src = loop_add_fd(vnc->loop, c->fd, POLLIN, on_io, c);
	c->timer = loop_add_timer(vnc->loop, on_timer, c);
	if (!c->src || !c->timer)
		return -ENOMEM;
	loop_timer_arm(c->timer, 1000);
	return 0;
}

static void add_conn(struct hvh_vnc *vnc, int fd, const char *peer)
{
	struct vnc_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	*c = (struct vnc_conn){ .vnc = vnc, .fd = fd, .pair = -1, .next = vnc->conns };
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	vnc_rfb_init(&c->rfb, vnc->cfg.password_file != NULL);
	vnc_keys_init(&c->keys);
	vnc->conns = c;
	vnc->n_conns++;
	vnc->stats.accepted++;
	if (vnc->fb_stale)
		vnc_refresh_all(vnc);
	int ret = start_conn(vnc, c);
	if (ret < 0) {
		log_error("VNC client %s: cannot set up: %s", peer, strerror(-ret));
		vnc_conn_drop(c, NULL);
		return;
	}
	log_info("VNC client %s connected (%u of %u)", peer, vnc->n_conns, vnc->cfg.max_clients);
	vnc_schedule(vnc, 0);
}

void vnc_conn_accept(void *data, int lfd, short revents)
{
	struct hvh_vnc *vnc = data;
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; // EAGAIN, or a connection that went before we took it
		char peer[64];
		hvh_vnc_addr_to_str(&ss, peer, sizeof(peer));
		if (vnc->n_conns >= vnc->cfg.max_clients) {
			refuse(vnc, fd, peer);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		add_conn(vnc, fd, peer);
	}
}
