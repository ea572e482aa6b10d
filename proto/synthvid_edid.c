/*
 * EDID base block (VESA E-EDID 1.4) for synthvid: the monitor name a host's EDID carries, and a
 * block for hvhost to offer. Byte offsets are the standard's; the block is read as untrusted bytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "synthvid_edid.h"

#define EDID_VENDOR_OFF 8
#define EDID_PRODUCT_OFF 10
#define EDID_YEAR_OFF 17
#define EDID_VERSION_OFF 18
#define EDID_INPUT_OFF 20
#define EDID_SCREEN_CM_OFF 21
#define EDID_GAMMA_OFF 23
#define EDID_FEATURES_OFF 24
#define EDID_CHROMA_OFF 25
#define EDID_STD_TIMINGS_OFF 38
#define EDID_DESC_OFF 54
#define EDID_DESC_SIZE 18
#define EDID_DESC_COUNT 4
#define EDID_CHECKSUM_OFF 127

#define DESC_TAG_NAME 0xfc
#define DESC_TAG_DUMMY 0x10
#define DESC_TEXT_OFF 5

/* The largest active size and pixel clock a detailed timing descriptor can hold. */
#define DTD_MAX_ACTIVE 4095u
#define DTD_MAX_CLOCK_10KHZ 65535u

static const uint8_t edid_header[8] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };

static uint8_t edid_sum(const uint8_t *edid)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < SYNTHVID_EDID_BLOCK; i++)
		sum = (uint8_t)(sum + edid[i]);
	return sum;
}

/* A display descriptor (not a timing) starts with a zero pixel clock and a zero byte. */
static bool is_display_descriptor(const uint8_t *d, uint8_t tag)
{
	return d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == tag;
}

int synthvid_edid_monitor_name(const uint8_t edid[SYNTHVID_EDID_BLOCK], char *name, size_t cap)
{
	if (memcmp(edid, edid_header, sizeof(edid_header)) != 0 || edid_sum(edid) != 0)
		return -EPROTO;
	for (size_t i = 0; i < EDID_DESC_COUNT; i++) {
		const uint8_t *d = edid + EDID_DESC_OFF + i * EDID_DESC_SIZE;
		if (!is_display_descriptor(d, DESC_TAG_NAME))
			continue;
		const uint8_t *text = d + DESC_TEXT_OFF;
		size_t n = 0;
		while (n < SYNTHVID_EDID_NAME_MAX && text[n] != 0x0a)
			n++;
		while (n > 0 && text[n - 1] == ' ')
			n--;
		if (cap < n + 1)
			return -EMSGSIZE;
		for (size_t k = 0; k < n; k++)
			name[k] = text[k] >= 0x20 && text[k] < 0x7f ? (char)text[k] : '?';
		name[n] = '\0';
		return (int)n;
	}
	return -ENOENT;
}

struct dtd_timing {
	uint32_t hblank, hfront, hsync;
	uint32_t vblank, vfront, vsync;
	uint32_t clock_10khz;
};

/*
 * Reduced blanking as CVT-RB does it: a fixed 160-pixel horizontal blank and at least 460 us of
 * vertical blank. The rate drops below 60 Hz only where the 16-bit pixel clock runs out
 * (around 4K), since a virtual monitor has no rate of its own and a usable preferred mode matters
 * more.
 */
static int make_timing(uint32_t width, uint32_t height, struct dtd_timing *t)
{
	*t = (struct dtd_timing){
		.hblank = 160, .hfront = 48, .hsync = 32, .vfront = 3, .vsync = 5
	};
	const uint32_t min_vblank = t->vfront + t->vsync + 6;
	for (uint64_t hz = 60; hz > 0; hz--) {
		uint64_t den = 1000000 - 460 * hz;
		uint64_t vblank = (460 * hz * height + den - 1) / den;
		if (vblank < min_vblank)
			vblank = min_vblank;
		uint64_t clock = ((uint64_t)width + t->hblank) * (height + vblank) * hz;
		uint64_t units = (clock + 9999) / 10000;
		if (units <= DTD_MAX_CLOCK_10KHZ && vblank <= DTD_MAX_ACTIVE) {
			t->vblank = (uint32_t)vblank;
			t->clock_10khz = (uint32_t)units;
			return 0;
		}
	}
	return -ERANGE;
}

/* Physical size at 96 dpi, so tools that derive DPI from it get the usual value. */
static uint32_t px_to_mm(uint32_t px)
{
	return (px * 254 + 480) / 960;
}

static void put_dtd(uint8_t *d, uint32_t w, uint32_t h, const struct dtd_timing *t)
{
	uint32_t wmm = px_to_mm(w), hmm = px_to_mm(h);
	d[0] = (uint8_t)t->clock_10khz;
	d[1] = (uint8_t)(t->clock_10khz >> 8);
	d[2] = (uint8_t)w;
	d[3] = (uint8_t)t->hblank;
	d[4] = (uint8_t)((w >> 8) << 4 | (t->hblank >> 8));
	d[5] = (uint8_t)h;
	d[6] = (uint8_t)t->vblank;
	d[7] = (uint8_t)((h >> 8) << 4 | (t->vblank >> 8));
	d[8] = (uint8_t)t->hfront;
	d[9] = (uint8_t)t->hsync;
	d[10] = (uint8_t)((t->vfront & 0xf) << 4 | (t->vsync & 0xf));
	d[11] = (uint8_t)((t->hfront >> 8) << 6 | (t->hsync >> 8) << 4 | (t->vfront >> 4) << 2 |
		(t->vsync >> 4));
	d[12] = (uint8_t)wmm;
	d[13] = (uint8_t)hmm;
	d[14] = (uint8_t)((wmm >> 8) << 4 | (hmm >> 8));
	d[15] = 0; // no borders
	d[16] = 0;
	d[17] = 0x1a; // digital separate sync, +hsync -vsync (CVT-RB polarity)
}

static void put_text_descriptor(uint8_t *d, uint8_t tag, const char *text, size_t n)
{
	memset(d, 0, EDID_DESC_SIZE);
	d[3] = tag;
	memset(d + DESC_TEXT_OFF, ' ', EDID_DESC_SIZE - DESC_TEXT_OFF);
	memcpy(d + DESC_TEXT_OFF, text, n);
	if (n < SYNTHVID_EDID_NAME_MAX)
		d[DESC_TEXT_OFF + n] = 0x0a;
}

static void put_dummy_descriptor(uint8_t *d)
{
	memset(d, 0, EDID_DESC_SIZE);
	d[3] = DESC_TAG_DUMMY;
}

/* sRGB primaries and D65 white, x then y, in 1/1024 units: red, green, blue, white. */
static void put_chromaticity(uint8_t *c)
{
	static const uint16_t v[8] = { 655, 338, 307, 614, 154, 61, 320, 337 };
	c[0] = (uint8_t)((v[0] & 3) << 6 | (v[1] & 3) << 4 | (v[2] & 3) << 2 | (v[3] & 3));
	c[1] = (uint8_t)((v[4] & 3) << 6 | (v[5] & 3) << 4 | (v[6] & 3) << 2 | (v[7] & 3));
	for (size_t i = 0; i < 8; i++)
		c[2 + i] = (uint8_t)(v[i] >> 2);
}

static bool name_ok(const char *name, size_t *len)
{
	if (!name)
		return false;
	size_t n = 0;
	for (; name[n]; n++) {
		if (n == SYNTHVID_EDID_NAME_MAX || name[n] < 0x20 || name[n] > 0x7e)
			return false;
	}
	*len = n;
	return n > 0;
}

static void put_fixed_fields(uint8_t *e)
{
	memcpy(e, edid_header, sizeof(edid_header));
	/* PNP vendor "HVD": three 5-bit letters ('A' = 1), big-endian. */
	uint16_t vendor = (uint16_t)(('H' - '@') << 10 | ('V' - '@') << 5 | ('D' - '@'));
	e[EDID_VENDOR_OFF] = (uint8_t)(vendor >> 8);
	e[EDID_VENDOR_OFF + 1] = (uint8_t)vendor;
	e[EDID_PRODUCT_OFF] = 0x01;
	e[EDID_YEAR_OFF] = 2024 - 1990;
	e[EDID_VERSION_OFF] = 1;
	e[EDID_VERSION_OFF + 1] = 4;
	e[EDID_INPUT_OFF] = 0x80;    // digital, depth and interface undefined
	e[EDID_GAMMA_OFF] = 120;     // 2.2
	e[EDID_FEATURES_OFF] = 0x06; // sRGB default; the first descriptor is the native mode
	put_chromaticity(e + EDID_CHROMA_OFF);
	for (size_t i = 0; i < 8; i++) {
		e[EDID_STD_TIMINGS_OFF + 2 * i] = 0x01; // unused standard timing
		e[EDID_STD_TIMINGS_OFF + 2 * i + 1] = 0x01;
	}
}

int synthvid_edid_build(
	uint8_t edid[SYNTHVID_EDID_BLOCK], const char *name, uint32_t width, uint32_t height)
{
	size_t name_len;
	if (!name_ok(name, &name_len))
		return -EINVAL;
	if (!width || !height || width > DTD_MAX_ACTIVE || height > DTD_MAX_ACTIVE)
		return -ERANGE;
	struct dtd_timing t;
	if (make_timing(width, height, &t) < 0)
		return -ERANGE;

	memset(edid, 0, SYNTHVID_EDID_BLOCK);
	put_fixed_fields(edid);
	uint32_t wmm = px_to_mm(width), hmm = px_to_mm(height);
	edid[EDID_SCREEN_CM_OFF] = (uint8_t)((wmm + 5) / 10);
	edid[EDID_SCREEN_CM_OFF + 1] = (uint8_t)((hmm + 5) / 10);
	uint8_t *desc = edid + EDID_DESC_OFF;
	put_dtd(desc, width, height, &t);
	put_text_descriptor(desc + EDID_DESC_SIZE, DESC_TAG_NAME, name, name_len);
	for (size_t slot = 2; slot < EDID_DESC_COUNT; slot++)
		put_dummy_descriptor(desc + EDID_DESC_SIZE * slot);
	edid[EDID_CHECKSUM_OFF] = (uint8_t)(0x100 - edid_sum(edid));
	return 0;
}
