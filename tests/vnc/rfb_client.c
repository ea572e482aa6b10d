/* A tiny RFB client for tests (rfb_client.h). Big-endian fields, bounded blocking reads. */
#include "rfb_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <rfb/rfbproto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"

const struct rfb_format rfb_format_rgb888 = {
	.bpp = 32, .depth = 24, .max = { 255, 255, 255 }, .shift = { 16, 8, 0 }
};

static int read_exact(struct rfb_client *c, void *buf, size_t len, int timeout_ms)
{
	uint8_t *p = buf;
	while (len) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int r = poll(&pfd, 1, timeout_ms);
		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0 && errno == EINTR)
			continue;
		ssize_t n = recv(c->fd, p, len, 0);
		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno == ECONNRESET ? -EPIPE : -errno;
		}
		p += n;
		len -= (size_t)n;
		c->bytes_read += (uint64_t)n;
	}
	return 0;
}

static int skip(struct rfb_client *c, size_t len)
{
	uint8_t buf[4096];
	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);
		int ret = read_exact(c, buf, n, RFB_CLIENT_TIMEOUT_MS);
		if (ret < 0)
			return ret;
		len -= n;
	}
	return 0;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

int rfb_client_connect(struct rfb_client *c, int port)
{
	*c = (struct rfb_client){
		.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0),
		.pf = rfb_format_rgb888,
	};
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		NOTE("connect to port %d: %s", port, strerror(errno));
		return -errno;
	}
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

int rfb_client_send(struct rfb_client *c, const void *buf, size_t len)
{
	return send(c->fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -EPIPE;
}

static int read_reason(struct rfb_client *c)
{
	uint8_t len[4];
	if (read_exact(c, len, 4, RFB_CLIENT_TIMEOUT_MS) == 0) {
		size_t n = be32(len) < sizeof(c->reason) - 1 ? be32(len) : sizeof(c->reason) - 1;
		read_exact(c, c->reason, n, RFB_CLIENT_TIMEOUT_MS);
		c->reason[n] = '\0';
	}
	return -EACCES;
}

static int security(struct rfb_client *c, const char *password)
{
	uint8_t n, types[255];
	if (read_exact(c, &n, 1, RFB_CLIENT_TIMEOUT_MS) < 0)
		return -EPROTO;
	if (n == 0)
		return read_reason(c);
	if (read_exact(c, types, n, RFB_CLIENT_TIMEOUT_MS) < 0)
		return -EPROTO;
	uint8_t want = password ? 2 : 1;
	if (rfb_client_send(c, &want, 1) < 0)
		return -EPIPE;
	if (password) {
		uint8_t challenge[16];
		if (read_exact(c, challenge, 16, RFB_CLIENT_TIMEOUT_MS) < 0)
			return -EPROTO;
		rfbEncryptBytes(challenge, (char *)password);
		if (rfb_client_send(c, challenge, 16) < 0)
			return -EPIPE;
	}
	uint8_t result[4];
	if (read_exact(c, result, 4, RFB_CLIENT_TIMEOUT_MS) < 0)
		return -EPROTO;
	return be32(result) == 0 ? 0 : read_reason(c);
}

static int server_init(struct rfb_client *c)
{
	uint8_t init[24];
	if (read_exact(c, init, 24, RFB_CLIENT_TIMEOUT_MS) < 0)
		return -EPROTO;
	c->width = be16(init);
	c->height = be16(init + 2);
	c->fb = calloc((size_t)c->width * c->height + 1, 4);
	return skip(c, be32(init + 20)); // the desktop name
}

int rfb_client_handshake(
	struct rfb_client *c, const char *password, const int32_t *encodings, size_t n_encodings)
{
	char version[12];
	if (read_exact(c, version, 12, RFB_CLIENT_TIMEOUT_MS) < 0 ||
		memcmp(version, "RFB 003.", 8) != 0)
		return -EPROTO;
	if (memcmp(version, "RFB 003.003", 11) == 0) { // a refusal by an RFB 3.3 server
		uint8_t type[4];
		read_exact(c, type, 4, RFB_CLIENT_TIMEOUT_MS);
		return read_reason(c);
	}
	int ret = c->version_sent ? 0 : rfb_client_send(c, "RFB 003.008\n", 12);
	if (ret == 0)
		ret = security(c, password);
	uint8_t shared = 1;
	if (ret == 0)
		ret = rfb_client_send(c, &shared, 1);
	if (ret == 0)
		ret = server_init(c);
	uint8_t pf[20] = { 0, 0, 0, 0, c->pf.bpp, c->pf.depth, c->pf.big_endian, 1 };
	for (int i = 0; i < 3; i++) {
		put16(pf + 8 + 2 * i, c->pf.max[i]);
		pf[14 + i] = c->pf.shift[i];
	}
	if (ret == 0)
		ret = rfb_client_send(c, pf, sizeof(pf));
	uint8_t enc[4 + 4 * 16] = { 2, 0 };
	put16(enc + 2, (uint16_t)n_encodings);
	for (size_t i = 0; i < n_encodings && i < 16; i++) {
		put32(enc + 4 + 4 * i, (uint32_t)encodings[i]);
		c->cursor_shapes_listed |=
			encodings[i] == RFB_ENC_RICH_CURSOR || encodings[i] == RFB_ENC_X_CURSOR;
	}
	if (ret == 0)
		ret = rfb_client_send(c, enc, 4 + 4 * n_encodings);
	if (ret == 0)
		ret = rfb_client_request(c, false);
	return ret;
}

int rfb_client_request(struct rfb_client *c, bool incremental)
{
	uint8_t m[10] = { 3, incremental };
	put16(m + 6, c->width);
	put16(m + 8, c->height);
	return rfb_client_send(c, m, sizeof(m));
}

uint32_t rfb_format_pixel(const struct rfb_format *pf, uint32_t rgb)
{
	uint32_t v = 0;
	for (int i = 0; i < 3; i++) {
		uint32_t c = rgb >> (16 - 8 * i) & 0xff;
		v |= (c * pf->max[i] + 127) / 255 << pf->shift[i];
	}
	return v;
}

static uint32_t channel_mask(const struct rfb_format *pf)
{
	uint32_t m = 0;
	for (int i = 0; i < 3; i++)
		m |= (uint32_t)pf->max[i] << pf->shift[i];
	return m;
}

static int raw_rect(struct rfb_client *c, uint16_t x, uint16_t y, uint16_t w, uint16_t h)
{
	if ((uint32_t)x + w > c->width || (uint32_t)y + h > c->height) {
		NOTE("raw rect %ux%u+%u+%u outside %ux%u", w, h, x, y, c->width, c->height);
		return -EPROTO;
	}
	size_t bytes = c->pf.bpp / 8;
	uint8_t row[65536 * 4];
	uint32_t mask = channel_mask(&c->pf);
	for (uint16_t r = 0; r < h; r++) {
		uint32_t *dst = c->fb + (size_t)(y + r) * c->width + x;
		int ret = read_exact(c, row, (size_t)w * bytes, RFB_CLIENT_TIMEOUT_MS);
		if (ret < 0)
			return ret;
		for (uint16_t i = 0; i < w; i++) {
			const uint8_t *p = row + i * bytes;
			uint32_t v = 0;
			for (size_t b = 0; b < bytes; b++)
				v |= (uint32_t)p[b]
					<< (c->pf.big_endian ? 8 * (bytes - 1 - b) : 8 * b);
			dst[i] = v & mask;
		}
	}
	return 0;
}

/* One rectangle; 1 for LastRect. */
static int rect(struct rfb_client *c)
{
	uint8_t h[12];
	int ret = read_exact(c, h, 12, RFB_CLIENT_TIMEOUT_MS);
	if (ret < 0)
		return ret;
	uint16_t x = be16(h), y = be16(h + 2), w = be16(h + 4), hh = be16(h + 6);
	int32_t enc = (int32_t)be32(h + 8);
	c->rects++;
	switch (enc) {
	case RFB_ENC_RAW:
		c->fenced |= x == 0 && y == 0 && w == 1 && hh == 1;
		return raw_rect(c, x, y, w, hh);
	case RFB_ENC_RICH_CURSOR:
		c->cursor_shapes++;
		return skip(c, (size_t)w * hh * (c->pf.bpp / 8) + (size_t)(w + 7) / 8 * hh);
	case RFB_ENC_X_CURSOR:
		c->cursor_shapes++;
		return skip(c, w && hh ? 6 + 2 * (size_t)(w + 7) / 8 * hh : 0);
	case RFB_ENC_POINTER_POS:
		return 0;
	case RFB_ENC_LAST_RECT:
		return 1;
	case RFB_ENC_QEMU_EXT_KEY:
		c->qemu_key = true;
		return 0;
	case RFB_ENC_NEW_FB_SIZE:
		c->width = w;
		c->height = hh;
		free(c->fb);
		c->fb = calloc((size_t)w * hh + 1, 4);
		c->resizes++;
		return 0;
	default:
		NOTE("unexpected encoding %d", enc);
		return -EPROTO;
	}
}

static int update(struct rfb_client *c)
{
	uint8_t h[3];
	int ret = read_exact(c, h, 3, RFB_CLIENT_TIMEOUT_MS);
	uint16_t n = be16(h + 1);
	/* n 0xffff: as many as come before a LastRect. */
	for (uint16_t i = 0; ret == 0 && i < n; i++) {
		ret = rect(c);
		if (ret == 1) {
			ret = 0;
			break;
		}
	}
	c->updates++;
	return ret;
}

int rfb_client_read(struct rfb_client *c, int timeout_ms)
{
	uint8_t type;
	int ret = read_exact(c, &type, 1, timeout_ms);
	if (ret < 0)
		return ret;
	uint8_t h[8];
	switch (type) {
	case 0:
		ret = update(c);
		break;
	case 1: // SetColourMapEntries
		ret = read_exact(c, h, 5, RFB_CLIENT_TIMEOUT_MS);
		ret = ret ? ret : skip(c, 6 * (size_t)be16(h + 3));
		break;
	case 2: // Bell
		break;
	case 3: // ServerCutText
		ret = read_exact(c, h, 7, RFB_CLIENT_TIMEOUT_MS);
		ret = ret ? ret : skip(c, be32(h + 3));
		break;
	default:
		NOTE("unexpected server message %u", type);
		return -EPROTO;
	}
	return ret < 0 ? ret : type;
}

int rfb_client_drain(struct rfb_client *c)
{
	int n = 0;
	for (;;) {
		int t = rfb_client_read(c, 0);
		if (t == -ETIMEDOUT)
			return n;
		if (t < 0)
			return t;
		n++;
		if (t == 0 && rfb_client_request(c, true) < 0)
			return -EPIPE;
	}
}

int rfb_client_fence(struct rfb_client *c)
{
	uint8_t m[10] = { 3, 0, 0, 0, 0, 0, 0, 1, 0, 1 };
	c->fenced = false;
	int ret = rfb_client_send(c, m, sizeof(m));
	while (ret == 0 && !c->fenced) {
		int t = rfb_client_read(c, RFB_CLIENT_TIMEOUT_MS);
		ret = t < 0 ? t : 0;
	}
	return ret;
}

const char *rfb_client_peer(const struct rfb_client *c)
{
	static char buf[64];
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	if (getsockname(c->fd, (struct sockaddr *)&a, &len) < 0)
		return "";
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a.sin_addr, ip, sizeof(ip));
	snprintf(buf, sizeof(buf), "%s:%u", ip, ntohs(a.sin_port));
	return buf;
}

int rfb_client_key(struct rfb_client *c, bool down, uint32_t keysym)
{
	uint8_t m[8] = { 4, down };
	put32(m + 4, keysym);
	return rfb_client_send(c, m, sizeof(m));
}

int rfb_client_qemu_key(struct rfb_client *c, bool down, uint32_t keysym, uint32_t keycode)
{
	uint8_t m[12] = { 255, 0 };
	put16(m + 2, down);
	put32(m + 4, keysym);
	put32(m + 8, keycode);
	return rfb_client_send(c, m, sizeof(m));
}

int rfb_client_pointer(struct rfb_client *c, uint8_t buttons, uint16_t x, uint16_t y)
{
	uint8_t m[6] = { 5, buttons };
	put16(m + 2, x);
	put16(m + 4, y);
	return rfb_client_send(c, m, sizeof(m));
}

bool rfb_client_wait_closed(struct rfb_client *c, int timeout_ms)
{
	uint8_t buf[4096];
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return false;
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return true;
	}
}

void rfb_client_close(struct rfb_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->fb);
	*c = (struct rfb_client){ .fd = -1 };
}
