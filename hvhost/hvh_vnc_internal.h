/*
 * The VNC server's state, shared by hvh_vnc.c (libvncserver, the picture, the cursor, the pump
 * that drives libvncserver, the monitor) and hvh_vnc_conn.c (one TCP client: its socket, its
 * socketpair into libvncserver, its input). Nothing else includes this.
 *
 * A client's bytes flow: TCP -> conn->in -> vnc_rfb_next() -> whole messages written into
 * conn->pair -> libvncserver (reading cl->sock, the other end) ... libvncserver writes into
 * cl->sock -> conn->pair -> conn->out -> TCP. libvncserver never sees the TCP socket, so it can
 * never block on it.
 */
#ifndef HVD_HVHOST_VNC_INTERNAL_H
#define HVD_HVHOST_VNC_INTERNAL_H

#include <pixman.h>
#include <rfb/rfb.h>
#include <rfb/rfbregion.h>
#include <stdbool.h>
#include <stdint.h>

#include "hvh_device.h"
#include "hvh_vnc.h"
#include "hvh_vnc_keys.h"
#include "hvh_vnc_rfb.h"

struct vnc_conn {
	struct hvh_vnc *vnc;
	struct vnc_conn *next;
	char peer[64];
	int fd;                    // the TCP socket, -1 once closed
	int pair;                  // our end of the socketpair, -1 once closed
	rfbClientPtr cl;           // NULL once libvncserver has let go of the client
	struct loop_source *src;   // fd
	struct loop_source *timer; // stall check, and the grace period of a closing client
	struct vnc_rfb rfb;
	struct vnc_keys keys;
	uint8_t in[VNC_RFB_MAX_MSG];
	size_t in_len;
	uint64_t discard; // bytes of a dropped message still to come
	uint8_t *out;     // bytes for the TCP socket
	size_t out_len, out_cap;
	int64_t out_stuck_since; // when a write last made no progress (0: it did)
	bool viewer;             // counted in vnc->viewers (libvncserver state RFB_NORMAL)
	bool can_resize;         // listed NewFBSize or ExtDesktopSize
	bool qemu_key_pending;   // announce the QEMU Extended Key Event at the next boundary
	uint8_t buttons;         // last VNC button mask
	uint16_t last_x, last_y; // last pointer position, scaled to 0..32767
	uint64_t bytes_sent, updates;
};

struct vnc_stats {
	uint64_t accepted, refused_limit, closed;
	uint64_t dropped_protocol, dropped_stalled, dropped_backlog, dropped_no_resize;
	uint64_t keys, keys_unmapped, pointer_events, input_dropped;
	uint64_t updates, bytes_sent; // of clients gone; live ones add their own
};

struct hvh_vnc {
	struct loop *loop;
	struct hvh_bus *bus;
	struct hvh_monitor *monitor;
	struct hvh_vnc_config cfg;
	char listen_str[80];
	char password[64];
	char *passwords[2]; // libvncserver's NULL-terminated list
	int listen_fd;
	struct loop_source *listen_src;

	rfbScreenInfoPtr rfb;
	pixman_image_t *fb; // x8b8g8r8: libvncserver's default 32-bit format, its frameBuffer
	struct hvh_screen *screen; // NULL without a video model
	struct hvh_device *video, *keyboard, *mouse;
	pixman_region32_t damage;   // copied into fb at the next pump
	bool fb_stale;              // fb was not kept up while nobody was connected
	rfbCursorPtr cursor;        // ours (cleanup flags off)
	pixman_image_t *cursor_src; // the screen's image the cursor was made from

	size_t update_budget; // bytes one update may take: a quarter of the socketpair's room
	struct loop_source *pump_timer;
	struct vnc_conn *conns;
	unsigned n_conns, viewers;
	struct vnc_stats stats;
};

/* ---- hvh_vnc.c ---- */

/* Runs libvncserver after defer_ms (0: at the next dispatch; an earlier arming wins). */
void vnc_schedule(struct hvh_vnc *vnc, int64_t defer_ms);
/* The port listened on. */
int vnc_listen_port(const struct hvh_vnc *vnc);
/* Copies the whole picture into fb: a new client after nobody was watching. */
void vnc_refresh_all(struct hvh_vnc *vnc);

/* ---- hvh_vnc_conn.c ---- */

/* Accepts what is waiting on the listening socket. */
void vnc_conn_accept(void *data, int fd, short revents);
/* Drops conn (a peer fault or shutdown): reason is counted by the caller. Frees conn. */
void vnc_conn_drop(struct vnc_conn *conn, const char *why);
/* libvncserver's clientGoneHook. */
void vnc_conn_gone(rfbClientPtr cl);
/* After a libvncserver pass: moves what it wrote into conn->out, adds the QEMU key
 * announcement at a message boundary. False when conn was freed. */
bool vnc_conn_collect(struct vnc_conn *conn);
/* Writes conn->out to the socket; false when conn was freed. */
bool vnc_conn_flush(struct vnc_conn *conn);
/* Bytes written into the socketpair that libvncserver has not read yet. */
size_t vnc_conn_unread(const struct vnc_conn *conn);

#endif
