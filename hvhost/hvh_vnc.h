/*
 * hvhost's remote console: a VNC server (libvncserver) that shows the host's picture and turns
 * a viewer's keys and pointer into synthetic keyboard and mouse input (issue 7).
 *
 * The picture is the one the video model keeps from DIRT (hvh_screen.h): every rect it copies
 * becomes a modified region of the VNC framebuffer (no full-screen comparison), a mode change
 * goes out as a desktop-size update, and the guest's cursor goes out as a cursor shape to
 * viewers that take one (drawn into their picture otherwise). Keys become set-1 scan codes
 * (hvh_vnc_keys.h), pointer events absolute mouse reports. When the first viewer attaches the
 * guest is sent FEATURE_CHANGE so it repaints; when the last leaves, DIRT may be switched off
 * (hvh_vnc_config.idle_dirt_off).
 *
 * Security: loopback only unless told otherwise, and never another address without a password
 * (VNC authentication); a limit on clients; each client's input is read by hvhost itself and
 * handed to libvncserver one checked message at a time (hvh_vnc_rfb.h), so a malformed or
 * hostile client is dropped without stalling anything; output to a client is sent only as fast
 * as it reads, its damage coalescing meanwhile, so a slow client slows nobody.
 *
 * Everything runs on hvhost's loop thread: libvncserver is driven with rfbProcessEvents(0)
 * from the loop and starts no threads.
 *
 * Errors: negative errno.
 */
#ifndef HVD_HVHOST_VNC_H
#define HVD_HVHOST_VNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct hvh_env; // hvh_device.h

#define HVH_VNC_DEFAULT_PORT 5900
#define HVH_VNC_DEFAULT_MAX_CLIENTS 8
#define HVH_VNC_MAX_CLIENTS 64     // select() inside libvncserver bounds the descriptors
#define HVH_VNC_DEFAULT_DEFER_MS 5 // damage within this long goes out as one update
#define HVH_VNC_STALL_MS 30000     // a client that takes no output for this long is dropped

struct hvh_vnc;

struct hvh_vnc_config {
	const char *listen;        // "[ADDR:]PORT", "[V6ADDR]:PORT"; ADDR defaults to 127.0.0.1
	const char *password_file; // NULL: no authentication (loopback only)
	unsigned max_clients;      // 0: HVH_VNC_DEFAULT_MAX_CLIENTS
	bool idle_dirt_off;        // the last viewer leaving sends FEATURE_CHANGE without DIRT
	uint32_t defer_ms;         // 0: HVH_VNC_DEFAULT_DEFER_MS
};

/* ---- configuration (pure) ---- */

/* "[ADDR:]PORT" into a socket address (numeric addresses only; PORT 0..65535, 0 picks one).
 * -EINVAL when malformed. */
int hvh_vnc_parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *len);
/* 127.0.0.0/8, ::1, or ::ffff:127.x.y.z. */
bool hvh_vnc_addr_is_loopback(const struct sockaddr_storage *addr);
/* "ADDR:PORT" (brackets around IPv6) into buf. */
void hvh_vnc_addr_to_str(const struct sockaddr_storage *addr, char *buf, size_t len);

/* ---- the server ---- */

/*
 * Listens on cfg->listen and serves the registered video model's picture (a black 1024x768
 * without one), the keyboard and mouse models' input, and the monitor's `vnc` command (counters
 * and a `peers` list: each client's address, state, bytes queued and sent) and `vnc_viewers` /
 * `vnc_synced` waits (`vnc_synced` with `peer` follows one client only). -EACCES for a non-loopback address without a password
 * file (logged), -EINVAL for a bad configuration or password file, or the socket's error.
 * cfg's strings are borrowed for the server's life.
 */
int hvh_vnc_create(
	struct hvh_vnc **out, const struct hvh_env *env, const struct hvh_vnc_config *cfg);
/* Disconnects every client and closes the socket. NULL is a no-op. Call before the models and
 * the monitor go. */
void hvh_vnc_destroy(struct hvh_vnc *vnc);

#endif
