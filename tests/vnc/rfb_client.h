/*
 * A tiny RFB 3.8 client for the VNC tests' protocol details and hostile behaviour (real viewers
 * do the rest): raw encoding only, a true-colour pixel format of the test's choice (by default
 * 32-bit 0x00RRGGBB), the pseudo-encodings hvhost sends (cursor shapes, pointer position,
 * desktop size, last rect, QEMU extended keys).
 * Blocking with a bound on every read (RFB_CLIENT_TIMEOUT_MS). Errors: negative errno, with a
 * TAP note saying why.
 */
#ifndef HVD_TESTS_RFB_CLIENT_H
#define HVD_TESTS_RFB_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RFB_CLIENT_TIMEOUT_MS 30000

#define RFB_ENC_RAW 0
#define RFB_ENC_RICH_CURSOR (-239)
#define RFB_ENC_X_CURSOR (-240)
#define RFB_ENC_POINTER_POS (-232)
#define RFB_ENC_LAST_RECT (-224)
#define RFB_ENC_NEW_FB_SIZE (-223)
#define RFB_ENC_QEMU_EXT_KEY (-258)

/* A true-colour RFB pixel format (RFC 6143 §7.4): channel i (red, green, blue) is
 * (pixel >> shift[i]) & max[i]. */
struct rfb_format {
	uint8_t bpp, depth;
	bool big_endian;
	uint16_t max[3];
	uint8_t shift[3];
};

/* 32 bits, depth 24, little-endian, 0x00RRGGBB: what rfb_client_connect() sets. */
extern const struct rfb_format rfb_format_rgb888;

struct rfb_client {
	int fd;
	struct rfb_format pf; // asked for in the handshake: set it between connect and handshake
	bool version_sent;    // the test sent "RFB 003.008\n" itself: the handshake does not
	uint16_t width, height;
	uint32_t *fb;     // width * height pixel values of pf (0x00RRGGBB by default)
	uint64_t updates; // FramebufferUpdate messages read
	uint64_t rects;
	bool qemu_key; // the server announced QEMU extended key events
	int resizes;   // desktop size changes received
	int cursor_shapes;
	bool fenced;               // the update rfb_client_fence() asked for arrived
	bool cursor_shapes_listed; // so the server does not draw the cursor into the picture
	char reason[128];          // a failure reason the server sent
	uint64_t bytes_read;       // every byte received
};

/* TCP connect to 127.0.0.1:port; c->pf is rfb_format_rgb888. */
int rfb_client_connect(struct rfb_client *c, int port);
/* Version 3.8, security (VNC authentication when password is not NULL), ClientInit, the
 * ServerInit, c->pf and the encodings, a full update request. -EACCES with c->reason when the
 * server refused. */
int rfb_client_handshake(
	struct rfb_client *c, const char *password, const int32_t *encodings, size_t n_encodings);
int rfb_client_request(struct rfb_client *c, bool incremental);
/* Reads one server message (a whole update); its type, or -ETIMEDOUT, -EPIPE at EOF, -EPROTO. */
int rfb_client_read(struct rfb_client *c, int timeout_ms);
/* Reads every message already waiting, requesting the next update after each update: after
 * the monitor's vnc_synced, c->fb is the server's picture. Returns how many were read. */
int rfb_client_drain(struct rfb_client *c);
/* Asks for the top-left pixel again (non-incremental) and reads until that update arrives:
 * everything the server sent before the request has then been read. */
int rfb_client_fence(struct rfb_client *c);
/* "ADDR:PORT" of the client's own end, as the server names it (static buffer). */
const char *rfb_client_peer(const struct rfb_client *c);
int rfb_client_send(struct rfb_client *c, const void *buf, size_t len);
int rfb_client_key(struct rfb_client *c, bool down, uint32_t keysym);
int rfb_client_qemu_key(struct rfb_client *c, bool down, uint32_t keysym, uint32_t keycode);
int rfb_client_pointer(struct rfb_client *c, uint8_t buttons, uint16_t x, uint16_t y);
/* The value pf gives the colour 0x00RRGGBB: each 8-bit channel scaled to its max, rounded. */
uint32_t rfb_format_pixel(const struct rfb_format *pf, uint32_t rgb);
/* True once the peer closed the connection (reads until EOF or the timeout). */
bool rfb_client_wait_closed(struct rfb_client *c, int timeout_ms);
void rfb_client_close(struct rfb_client *c);

#endif
