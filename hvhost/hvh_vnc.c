/*
 * The VNC server (hvh_vnc.h): libvncserver's screen and its framebuffer, kept from the host's
 * picture by damage; the guest's cursor; the pump that runs libvncserver from hvhost's loop;
 * viewers and FEATURE_CHANGE; the monitor's `vnc` command and waits. Clients are in
 * hvh_vnc_conn.c.
 */
#define LOG_MODULE "vnc"
#include "hvh_vnc.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvh_bus.h"
#include "hvh_screen.h"
#include "hvh_video.h"
#include "hvh_vnc_internal.h"
#include "log.h"
#include "macros.h"

#define NO_VIDEO_WIDTH 1024
#define NO_VIDEO_HEIGHT 768
#define PUMP_ROUNDS 64 // libvncserver reads one message per client per pass

/* ---- libvncserver's logging, through ours ---- */

/* Its clients are socketpairs: it sets TCP options on them and reports the failure as an error
 * (rfbErr), while the real socket has them. `quiet` drops those reports. */
static void PRINTF(3, 0) forward(enum log_level level, bool quiet, const char *fmt, va_list ap)
{
	if (level > log_get_level())
		return; // log_write would drop the line: spare the formatting
	char buf[512];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	if (quiet && strstr(buf, "TCP_NODELAY"))
		return;
	log_at(level, "libvncserver: %s", buf);
}

static void PRINTF(1, 2) rfb_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	forward(LOG_DEBUG, false, fmt, ap);
	va_end(ap);
}

static void PRINTF(1, 2) rfb_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	forward(LOG_INFO, true, fmt, ap);
	va_end(ap);
}

/* ---- the framebuffer ---- */

static void copy_rect(struct hvh_vnc *vnc, const pixman_box32_t *b)
{
	pixman_image_t *pic = hvh_screen_picture(vnc->screen);
	int32_t w = b->x2 - b->x1, h = b->y2 - b->y1;
	pixman_image_composite32(
		PIXMAN_OP_SRC, pic, NULL, vnc->fb, b->x1, b->y1, 0, 0, b->x1, b->y1, w, h);
	rfbMarkRectAsModified(vnc->rfb, b->x1, b->y1, b->x2, b->y2);
}

/* Damage gathered since the last pass goes into fb now: the picture's pixels of the moment,
 * once per pixel however often the guest redrew it in between. */
static void apply_damage(struct hvh_vnc *vnc)
{
	int n = 0;
	const pixman_box32_t *boxes = pixman_region32_rectangles(&vnc->damage, &n);
	for (int i = 0; i < n && vnc->screen; i++)
		copy_rect(vnc, &boxes[i]);
	pixman_region32_clear(&vnc->damage);
}

void vnc_refresh_all(struct hvh_vnc *vnc)
{
	vnc->fb_stale = false;
	if (!vnc->screen)
		return;
	const pixman_box32_t all = { 0, 0, pixman_image_get_width(vnc->fb),
		pixman_image_get_height(vnc->fb) };
	copy_rect(vnc, &all);
}

/*
 * libvncserver writes an update with blocking writes into the client's socketpair, which is
 * emptied only between passes: an update larger than the pair's room would block the host.
 * So updates are cut into bands of rows (progressive slices) that fit a quarter of that room,
 * which leaves space for encodings that grow the data and for the cursor; the rest of the
 * damage goes with the client's next request. With the kernel's usual limits (wmem_max 208
 * KiB) a 1024-wide band is 26 rows; with larger ones a whole frame fits at once.
 */
static size_t probe_update_budget(void)
{
	int fds[2], size = 64 * 1024 * 1024, got = 0;
	socklen_t len = sizeof(got);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		return 64 * 1024;
	setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	getsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &got, &len);
	close(fds[0]);
	close(fds[1]);
	return got > 0 ? (size_t)got / 4 : 64 * 1024;
}

static void set_slices(struct hvh_vnc *vnc, uint32_t width, uint32_t height)
{
	size_t rows = MAX((size_t)1, vnc->update_budget / ((size_t)width * 4));
	vnc->rfb->progressiveSliceHeight = rows >= height ? 0 : (int)rows;
}

static pixman_image_t *new_fb(uint32_t width, uint32_t height)
{
	/* pixman clears what it allocates: black until the picture is copied in. */
	return pixman_image_create_bits(PIXMAN_x8b8g8r8, (int)width, (int)height, NULL, 0);
}

/* Viewers that cannot follow a new size would read the new picture with the old geometry. */
static void drop_fixed_size_viewers(struct hvh_vnc *vnc)
{
	struct vnc_conn *next;
	for (struct vnc_conn *c = vnc->conns; c; c = next) {
		next = c->next;
		if (c->cl && c->cl->state == RFB_NORMAL && !c->can_resize) {
			vnc->stats.dropped_no_resize++;
			vnc_conn_drop(c, "it cannot follow a change of the desktop size");
		}
	}
}

static void on_resized(void *data, const struct hvh_scanout *so)
{
	struct hvh_vnc *vnc = data;
	pixman_image_t *fb = new_fb(so->width, so->height);
	if (!fb) {
		log_error("no memory for a %ux%u VNC picture: keeping the old one", so->width,
			so->height);
		return;
	}
	drop_fixed_size_viewers(vnc);
	rfbNewFramebuffer(vnc->rfb, (char *)pixman_image_get_data(fb), (int)so->width,
		(int)so->height, 8, 3, 4);
	pixman_image_unref(vnc->fb);
	vnc->fb = fb;
	set_slices(vnc, so->width, so->height);
	pixman_region32_clear(&vnc->damage);
	log_info("desktop size %ux%u", so->width, so->height);
	vnc_schedule(vnc, 0);
}

static void on_damage(void *data, const struct rect *r)
{
	struct hvh_vnc *vnc = data;
	if (!vnc->n_conns) {
		vnc->fb_stale = true; // nobody to send it to: copy everything when someone comes
		return;
	}
	pixman_region32_union_rect(&vnc->damage, &vnc->damage, r->x1, r->y1,
		(unsigned)rect_width(r), (unsigned)rect_height(r));
	vnc_schedule(vnc, vnc->cfg.defer_ms);
}

/* ---- the cursor ---- */

/*
 * A libvncserver cursor from the guest's image (premultiplied ARGB), or an invisible 1x1 one
 * for img NULL: libvncserver's default arrow would otherwise be drawn into the picture of
 * viewers without cursor shapes, which the guest never showed. libvncserver owns the result.
 */
static rfbCursorPtr make_cursor(pixman_image_t *img, uint32_t hot_x, uint32_t hot_y)
{
	int w = img ? pixman_image_get_width(img) : 1, h = img ? pixman_image_get_height(img) : 1;
	rfbCursorPtr c = calloc(1, sizeof(*c));
	uint8_t *rich = calloc((size_t)w * (size_t)h, 4), *alpha = calloc((size_t)w, (size_t)h);
	pixman_image_t *dst = rich
		? pixman_image_create_bits(PIXMAN_a8b8g8r8, w, h, (uint32_t *)rich, w * 4)
		: NULL;
	if (!c || !alpha || !dst) {
		free(c);
		free(rich);
		free(alpha);
		if (dst)
			pixman_image_unref(dst);
		return NULL;
	}
	if (img) {
		pixman_image_composite32(PIXMAN_OP_SRC, img, NULL, dst, 0, 0, 0, 0, 0, 0, w, h);
		const uint32_t *px = pixman_image_get_data(img);
		int stride = pixman_image_get_stride(img) / 4;
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				alpha[y * w + x] = (uint8_t)(px[y * stride + x] >> 24);
	}
	pixman_image_unref(dst);
	*c = (rfbCursor){ .cleanup = TRUE, .cleanupRichSource = TRUE, .cleanupMask = TRUE };
	c->width = (unsigned short)w;
	c->height = (unsigned short)h;
	c->xhot = (unsigned short)MIN(hot_x, (uint32_t)w - 1);
	c->yhot = (unsigned short)MIN(hot_y, (uint32_t)h - 1);
	c->richSource = rich;
	c->alphaSource = alpha;
	c->alphaPreMultiplied = TRUE;
	c->mask = (unsigned char *)rfbMakeMaskFromAlphaSource(w, h, alpha);
	if (!c->mask) {
		rfbFreeCursor(c);
		return NULL;
	}
	return c;
}

static void move_cursor(struct hvh_vnc *vnc, int32_t x, int32_t y)
{
	int64_t cx = MAX(0, MIN((int64_t)x, (int64_t)vnc->rfb->width - 1));
	int64_t cy = MAX(0, MIN((int64_t)y, (int64_t)vnc->rfb->height - 1));
	if (cx == vnc->rfb->cursorX && cy == vnc->rfb->cursorY)
		return;
	vnc->rfb->cursorX = (int)cx;
	vnc->rfb->cursorY = (int)cy;
	for (struct vnc_conn *c = vnc->conns; c; c = c->next) {
		if (c->cl && c->cl->enableCursorPosUpdates)
			c->cl->cursorWasMoved = TRUE;
	}
}

static void on_cursor(void *data)
{
	struct hvh_vnc *vnc = data;
	struct hvh_cursor_info info;
	hvh_screen_cursor_info(vnc->screen, &info);
	pixman_image_t *img =
		info.has_image && info.visible ? hvh_screen_cursor_image(vnc->screen) : NULL;
	if (img != vnc->cursor_src || !vnc->cursor) {
		rfbCursorPtr c = make_cursor(img, info.hot_x, info.hot_y);
		if (!c) {
			log_error("no memory for the cursor: viewers keep the old one");
			return;
		}
		rfbSetCursor(vnc->rfb, c); // frees the previous one (cleanup set)
		vnc->cursor = c;
		vnc->cursor_src = img;
	}
	/* The hot spot is where viewers point: the guest gives the image's corner. */
	move_cursor(vnc, info.x + (int32_t)info.hot_x, info.y + (int32_t)info.hot_y);
	vnc_schedule(vnc, vnc->cfg.defer_ms);
}

static const struct hvh_screen_listener screen_listener = {
	.damage = on_damage,
	.resized = on_resized,
	.cursor = on_cursor,
};

/* ---- the pump: libvncserver runs here and only here ---- */

static void set_holds(struct hvh_vnc *vnc)
{
	/* A client still sending its last update gets no new one (its damage coalesces in
	 * libvncserver's modifiedRegion) and has no messages read: the pair stays small. */
	for (struct vnc_conn *c = vnc->conns; c; c = c->next) {
		/* Before the version, its socket holds only the "RFB " sent ahead: a read would
		 * wait for the rest. */
		if (c->cl)
			c->cl->onHold = c->out_len > 0 || c->rfb.state == VNC_RFB_STATE_VERSION;
	}
}

/* One libvncserver pass; true when some client has more forwarded input to process. */
static bool pump_once(struct hvh_vnc *vnc)
{
	set_holds(vnc);
	rfbProcessEvents(vnc->rfb, 0);
	bool more = false;
	struct vnc_conn *next;
	for (struct vnc_conn *c = vnc->conns; c; c = next) {
		next = c->next;
		/* Sent at once, so a client that reads keeps having its messages read. */
		if (!vnc_conn_collect(c) || !vnc_conn_flush(c))
			continue;
		more |= c->cl && !c->out_len && c->rfb.state != VNC_RFB_STATE_VERSION &&
			vnc_conn_unread(c) > 0;
	}
	return more;
}

static void update_viewers(struct hvh_vnc *vnc)
{
	unsigned n = 0;
	for (struct vnc_conn *c = vnc->conns; c; c = c->next) {
		c->viewer = c->cl && c->cl->state == RFB_NORMAL;
		n += c->viewer;
	}
	if (n == vnc->viewers)
		return;
	log_info("%u viewer%s", n, n == 1 ? "" : "s");
	vnc->viewers = n;
	if (vnc->video)
		hvh_video_set_viewers(vnc->video, n, !vnc->cfg.idle_dirt_off);
}

static void pump(void *data)
{
	struct hvh_vnc *vnc = data;
	apply_damage(vnc);
	bool more = true;
	for (int i = 0; more && i < PUMP_ROUNDS; i++)
		more = pump_once(vnc);
	update_viewers(vnc);
	/* A flood of input yields to the rest of the host before it is read further. */
	if (more)
		vnc_schedule(vnc, 0);
	hvh_monitor_poke(vnc->monitor);
}

void vnc_schedule(struct hvh_vnc *vnc, int64_t defer_ms)
{
	if (!loop_timer_armed(vnc->pump_timer))
		loop_timer_arm(vnc->pump_timer, defer_ms);
	else if (defer_ms == 0)
		loop_timer_arm(vnc->pump_timer, 0);
}

static void on_display_finished(rfbClientPtr cl, int result)
{
	struct vnc_conn *c = cl->clientData;
	if (c && result)
		c->updates++;
}

static enum rfbNewClientAction on_new_client(rfbClientPtr cl)
{
	cl->clientGoneHook = vnc_conn_gone;
	return RFB_CLIENT_ACCEPT;
}

/* ---- the monitor ---- */

/* One object per client: who, how far in, and what it has not taken yet. */
static json_object *peers_json(const struct hvh_vnc *vnc)
{
	json_object *list = json_object_new_array();
	for (const struct vnc_conn *c = vnc->conns; c && list; c = c->next) {
		json_object *o = json_object_new_object();
		if (!o || json_object_array_add(list, o) < 0) {
			json_object_put(o);
			json_object_put(list);
			return NULL;
		}
		json_object_object_add(o, "peer", json_object_new_string(c->peer));
		json_object_object_add(o, "state",
			json_object_new_string(
				c->cl ? vnc_rfb_state_to_str(c->rfb.state) : "closing"));
		json_object_object_add(o, "viewer", json_object_new_boolean(c->viewer));
		json_object_object_add(o, "queued", json_object_new_int64((int64_t)c->out_len));
		json_object_object_add(
			o, "bytes_sent", json_object_new_int64((int64_t)c->bytes_sent));
		json_object_object_add(o, "updates", json_object_new_int64((int64_t)c->updates));
	}
	return list;
}

static json_object *stats_json(struct hvh_vnc *vnc)
{
	const struct vnc_stats *s = &vnc->stats;
	uint64_t updates = s->updates, bytes = s->bytes_sent;
	for (struct vnc_conn *c = vnc->conns; c; c = c->next) {
		updates += c->updates;
		bytes += c->bytes_sent;
	}
	json_object *o = json_object_new_object(), *d = json_object_new_object();
	if (!o || !d) {
		json_object_put(o);
		json_object_put(d);
		return NULL;
	}
	json_object_object_add(o, "listen", json_object_new_string(vnc->listen_str));
	json_object_object_add(o, "clients", json_object_new_int64(vnc->n_conns));
	json_object_object_add(o, "viewers", json_object_new_int64(vnc->viewers));
	json_object_object_add(o, "accepted", json_object_new_int64((int64_t)s->accepted));
	json_object_object_add(o, "refused", json_object_new_int64((int64_t)s->refused_limit));
	json_object_object_add(d, "protocol", json_object_new_int64((int64_t)s->dropped_protocol));
	json_object_object_add(d, "stalled", json_object_new_int64((int64_t)s->dropped_stalled));
	json_object_object_add(d, "backlog", json_object_new_int64((int64_t)s->dropped_backlog));
	json_object_object_add(
		d, "no_resize", json_object_new_int64((int64_t)s->dropped_no_resize));
	json_object_object_add(o, "dropped", d);
	json_object_object_add(o, "updates", json_object_new_int64((int64_t)updates));
	json_object_object_add(o, "bytes_sent", json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "keys", json_object_new_int64((int64_t)s->keys));
	json_object_object_add(
		o, "keys_unmapped", json_object_new_int64((int64_t)s->keys_unmapped));
	json_object_object_add(
		o, "pointer_events", json_object_new_int64((int64_t)s->pointer_events));
	json_object_object_add(
		o, "input_dropped", json_object_new_int64((int64_t)s->input_dropped));
	json_object_object_add(o, "peers", peers_json(vnc));
	return o;
}

static void on_vnc_cmd(void *data, struct hvh_request *req, struct json_object *args)
{
	struct hvh_vnc *vnc = data;
	json_object *reply = hvh_request_reply(req), *st = stats_json(vnc);
	if (!reply || !st) {
		json_object_put(st);
		hvh_request_fail(req, "out of memory");
		return;
	}
	json_object_object_foreach(st, key, val)
	{
		json_object_object_add(reply, key, json_object_get(val));
	}
	json_object_put(st);
	json_object_object_add(reply, "port", json_object_new_int(vnc_listen_port(vnc)));
	hvh_request_done(req);
}

static bool conn_synced(const struct vnc_conn *c)
{
	return !c->viewer || (c->out_len == 0 && !FB_UPDATE_PENDING(c->cl));
}

/*
 * `vnc_synced`: at least `viewers` viewers and each has been sent the picture as it is; with
 * `peer` ("ADDR:PORT" as the client sees its own end), only that client, so a test can follow
 * one viewer while another is stuck.
 */
static bool check_synced(
	void *data, const struct hvh_wait_state *w, struct json_object *reply, int64_t *recheck_ms)
{
	struct hvh_vnc *vnc = data;
	const char *peer = hvh_cmd_get_string(w->args, "peer", NULL);
	if (vnc->viewers < (unsigned)hvh_cmd_get_int(w->args, "viewers", 1) ||
		pixman_region32_not_empty(&vnc->damage) || loop_timer_armed(vnc->pump_timer))
		return false;
	bool found = !peer;
	for (const struct vnc_conn *c = vnc->conns; c; c = c->next) {
		bool mine = !peer || strcmp(c->peer, peer) == 0;
		if (mine && !conn_synced(c))
			return false;
		found |= mine && c->viewer;
	}
	return found;
}

static bool check_viewers(
	void *data, const struct hvh_wait_state *w, struct json_object *reply, int64_t *recheck_ms)
{
	struct hvh_vnc *vnc = data;
	return vnc->viewers == (unsigned)hvh_cmd_get_int(w->args, "count", 0);
}

static const struct hvh_cmd_arg synced_args[] = {
	{ "viewers", HVH_ARG_INT, false, 0, HVH_VNC_MAX_CLIENTS },
	{ "peer", HVH_ARG_STRING, false, 0, 0 },
	{ NULL, 0, false, 0, 0 },
};
static const struct hvh_cmd_arg viewers_args[] = {
	{ "count", HVH_ARG_INT, true, 0, HVH_VNC_MAX_CLIENTS },
	{ NULL, 0, false, 0, 0 },
};
static const struct hvh_wait_impl synced_wait = { "vnc_synced", synced_args, NULL, check_synced };
static const struct hvh_wait_impl viewers_wait = { "vnc_viewers", viewers_args, NULL,
	check_viewers };

static int register_monitor(struct hvh_vnc *vnc)
{
	int ret = hvh_monitor_add_command(vnc->monitor, "vnc", NULL, on_vnc_cmd, vnc);
	if (ret == 0)
		ret = hvh_monitor_add_wait(vnc->monitor, &synced_wait, vnc);
	if (ret == 0)
		ret = hvh_monitor_add_wait(vnc->monitor, &viewers_wait, vnc);
	return ret;
}

/* ---- setting up ---- */

int vnc_listen_port(const struct hvh_vnc *vnc)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(vnc->listen_fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* The password: the file's first line, which must not be empty. VNC authentication uses 8
 * characters; more are refused rather than silently cut. */
static int read_password(struct hvh_vnc *vnc, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		int err = errno;
		log_error("cannot read --vnc-password %s: %s", path, strerror(err));
		return -err;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 0077))
		log_warn("--vnc-password %s can be read by other users", path);
	char line[64] = "";
	bool got = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	size_t len = strlen(line);
	if (!got || len == 0 || len > 8) {
		log_error("--vnc-password %s: the first line must hold 1 to 8 characters", path);
		return -EINVAL;
	}
	snprintf(vnc->password, sizeof(vnc->password), "%s", line);
	explicit_bzero(line, sizeof(line));
	vnc->passwords[0] = vnc->password;
	vnc->passwords[1] = NULL;
	return 0;
}

static int open_listener(struct hvh_vnc *vnc)
{
	struct sockaddr_storage addr;
	socklen_t len;
	if (hvh_vnc_parse_listen(vnc->cfg.listen, &addr, &len) < 0) {
		log_error(
			"bad --vnc '%s' (want [ADDR:]PORT, e.g. 127.0.0.1:5900)", vnc->cfg.listen);
		return -EINVAL;
	}
	if (!hvh_vnc_addr_is_loopback(&addr) && !vnc->cfg.password_file) {
		log_error("--vnc %s is not a loopback address: it needs --vnc-password",
			vnc->cfg.listen);
		return -EACCES;
	}
	int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, len) < 0 || listen(fd, 16) < 0) {
		int err = errno;
		log_error("cannot listen on %s: %s", vnc->cfg.listen, strerror(err));
		close(fd);
		return -err;
	}
	vnc->listen_fd = fd;
	len = sizeof(addr);
	getsockname(fd, (struct sockaddr *)&addr, &len);
	hvh_vnc_addr_to_str(&addr, vnc->listen_str, sizeof(vnc->listen_str));
	vnc->listen_src = loop_add_fd(vnc->loop, fd, POLLIN, vnc_conn_accept, vnc);
	return vnc->listen_src ? 0 : -ENOMEM;
}

/* libvncserver's screen, with no sockets of its own: every client comes from us. */
static int make_screen(struct hvh_vnc *vnc)
{
	uint32_t w = NO_VIDEO_WIDTH, h = NO_VIDEO_HEIGHT;
	if (vnc->screen) {
		w = hvh_screen_scanout(vnc->screen)->width;
		h = hvh_screen_scanout(vnc->screen)->height;
	}
	vnc->fb = new_fb(w, h);
	vnc->rfb = vnc->fb ? rfbGetScreen(NULL, NULL, (int)w, (int)h, 8, 3, 4) : NULL;
	if (!vnc->rfb)
		return -ENOMEM;
	rfbScreenInfoPtr s = vnc->rfb;
	s->frameBuffer = (char *)pixman_image_get_data(vnc->fb);
	s->desktopName = "hvhost";
	s->autoPort = FALSE;
	s->port = -1;
	s->ipv6port = -1;
	s->alwaysShared = TRUE;
	s->deferUpdateTime = 0;    // coalescing is the pump timer's
	s->deferPtrUpdateTime = 0; // input never goes through libvncserver anyway
	s->screenData = vnc;
	s->newClientHook = on_new_client;
	s->displayFinishedHook = on_display_finished;
	if (vnc->cfg.password_file) {
		s->authPasswdData = vnc->passwords;
		s->passwordCheck = rfbCheckPasswordByList;
	}
	rfbInitServer(s);
	vnc->update_budget = probe_update_budget();
	set_slices(vnc, w, h);
	vnc->cursor = make_cursor(NULL, 0, 0);
	if (!vnc->cursor)
		return -ENOMEM;
	rfbSetCursor(s, vnc->cursor);
	return 0;
}

static void find_models(struct hvh_vnc *vnc)
{
	vnc->video = hvh_bus_find_device(vnc->bus, "video");
	vnc->keyboard = hvh_bus_find_device(vnc->bus, "keyboard");
	vnc->mouse = hvh_bus_find_device(vnc->bus, "mouse");
	vnc->screen = hvh_video_screen(vnc->video);
	if (!vnc->screen)
		log_info("no video model: viewers see a black %ux%u screen", NO_VIDEO_WIDTH,
			NO_VIDEO_HEIGHT);
}

static int setup(struct hvh_vnc *vnc)
{
	/* libvncserver's globals: its log, and how long its blocking I/O may wait. Our framing
	 * means it never waits; the bound is only a backstop against our own mistakes. */
	rfbLog = rfb_log;
	rfbErr = rfb_err;
	rfbMaxClientWait = 2000;
	if (!vnc->cfg.max_clients)
		vnc->cfg.max_clients = HVH_VNC_DEFAULT_MAX_CLIENTS;
	if (vnc->cfg.max_clients > HVH_VNC_MAX_CLIENTS) {
		log_error("--vnc-max-clients %u: at most %d", vnc->cfg.max_clients,
			HVH_VNC_MAX_CLIENTS);
		return -EINVAL;
	}
	if (!vnc->cfg.defer_ms)
		vnc->cfg.defer_ms = HVH_VNC_DEFAULT_DEFER_MS;
	int ret = vnc->cfg.password_file ? read_password(vnc, vnc->cfg.password_file) : 0;
	if (ret == 0)
		ret = open_listener(vnc);
	if (ret < 0)
		return ret;
	find_models(vnc);
	vnc->pump_timer = loop_add_timer(vnc->loop, pump, vnc);
	ret = vnc->pump_timer ? make_screen(vnc) : -ENOMEM;
	if (ret == 0)
		ret = register_monitor(vnc);
	if (ret == 0 && vnc->screen) {
		hvh_screen_set_listener(vnc->screen, &screen_listener, vnc);
		vnc->fb_stale = true;
		on_cursor(vnc);
	}
	return ret;
}

int hvh_vnc_create(
	struct hvh_vnc **out, const struct hvh_env *env, const struct hvh_vnc_config *cfg)
{
	struct hvh_vnc *vnc = calloc(1, sizeof(*vnc));
	if (!vnc)
		return -ENOMEM;
	vnc->loop = env->loop;
	vnc->bus = env->bus;
	vnc->monitor = env->monitor;
	vnc->cfg = *cfg;
	vnc->listen_fd = -1;
	pixman_region32_init(&vnc->damage);
	int ret = setup(vnc);
	if (ret < 0) {
		hvh_vnc_destroy(vnc);
		return ret;
	}
	log_info("VNC on %s, %s, at most %u clients", vnc->listen_str,
		cfg->password_file ? "VNC authentication" : "no authentication",
		vnc->cfg.max_clients);
	*out = vnc;
	return 0;
}

void hvh_vnc_destroy(struct hvh_vnc *vnc)
{
	if (!vnc)
		return;
	while (vnc->conns)
		vnc_conn_drop(vnc->conns, "the server is shutting down");
	if (vnc->screen)
		hvh_screen_set_listener(vnc->screen, NULL, NULL);
	if (vnc->rfb)
		rfbScreenCleanup(vnc->rfb); // frees the cursor too
	if (vnc->fb)
		pixman_image_unref(vnc->fb);
	loop_remove(vnc->pump_timer);
	loop_remove(vnc->listen_src);
	if (vnc->listen_fd >= 0)
		close(vnc->listen_fd);
	pixman_region32_fini(&vnc->damage);
	explicit_bzero(vnc->password, sizeof(vnc->password));
	free(vnc);
}
