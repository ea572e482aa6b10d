/* The RFB client-stream parser (hvh_vnc_rfb.h): the handshake for each version and security,
 * every normal message whole and in pieces, and what it refuses. Byte scripts from RFC 6143. */
#include <errno.h>
#include <string.h>

#include "hvh_vnc_rfb.h"
#include "macros.h"
#include "test.h"

/* Feeds bytes; returns the parse result and leaves the message in *m. */
static int feed(struct vnc_rfb *p, const void *bytes, size_t len, struct vnc_rfb_msg *m)
{
	const char *why = NULL;
	int ret = vnc_rfb_next(p, bytes, len, m, &why);
	if (ret < 0)
		CHECK(why != NULL);
	return ret;
}

/* Every strict prefix needs more bytes and leaves the state alone; the whole is one message. */
static void check_whole(struct vnc_rfb *p, const uint8_t *bytes, size_t len, struct vnc_rfb_msg *m)
{
	for (size_t i = 0; i < len; i++) {
		enum vnc_rfb_state before = p->state;
		CHECK_EQ_INT(feed(p, bytes, i, m), 0);
		CHECK_EQ_INT(p->state, before);
	}
	CHECK_EQ_INT(feed(p, bytes, len, m), 1);
	CHECK_EQ_INT(m->len, len);
}

static void test_handshake_38_none(void)
{
	struct vnc_rfb p;
	struct vnc_rfb_msg m;
	vnc_rfb_init(&p, false);
	check_whole(&p, (const uint8_t *)"RFB 003.008\n", 12, &m);
	CHECK_EQ_INT(m.action, VNC_RFB_FORWARD);
	CHECK_EQ_INT(m.skip, 4); // "RFB " went to libvncserver ahead
	CHECK_EQ_INT(m.u.version.minor, 8);
	CHECK_EQ_INT(p.state, VNC_RFB_STATE_SECURITY);
	CHECK_EQ_INT(feed(&p, "\x02", 1, &m), -EPROTO); // VNC auth was not offered
	CHECK_EQ_INT(feed(&p, "\x01", 1, &m), 1);
	CHECK_EQ_INT(p.state, VNC_RFB_STATE_INIT);
	CHECK_EQ_INT(feed(&p, "\x00", 1, &m), 1);
	CHECK_EQ_INT(p.state, VNC_RFB_STATE_NORMAL);
}

static void test_handshake_33_and_37_with_auth(void)
{
	struct vnc_rfb p;
	struct vnc_rfb_msg m;
	uint8_t response[16] = { 0 };
	vnc_rfb_init(&p, true);
	CHECK_EQ_INT(feed(&p, "RFB 003.003\n", 12, &m), 1);
	CHECK_EQ_INT(p.state, VNC_RFB_STATE_AUTH); // 3.3: the server chose, no type byte
	check_whole(&p, response, 16, &m);
	CHECK_EQ_INT(p.state, VNC_RFB_STATE_INIT);
	vnc_rfb_init(&p, true);
	CHECK_EQ_INT(feed(&p, "RFB 003.007\n", 12, &m), 1);
	CHECK_EQ_INT(feed(&p, "\x01", 1, &m), -EPROTO); // None was not offered
	CHECK_EQ_INT(feed(&p, "\x02", 1, &m), 1);
	CHECK_EQ_INT(p.state, VNC_RFB_STATE_AUTH);
}

static void test_bad_versions(void)
{
	static const char *const bad[] = { "RFB 004.000\n", "RFB 003.889\n", "RFB 003.002\n",
		"GET / HTTP/1.1", "RFB 003x008\n", "RFB 003.008\r",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00" }; // a TLS hello
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct vnc_rfb p;
		struct vnc_rfb_msg m;
		vnc_rfb_init(&p, false);
		CHECK_MSG(feed(&p, bad[i], 12, &m) == -EPROTO, "case %zu", i);
	}
}

static void normal(struct vnc_rfb *p)
{
	vnc_rfb_init(p, false);
	p->state = VNC_RFB_STATE_NORMAL;
}

static void test_input_events(void)
{
	struct vnc_rfb p;
	struct vnc_rfb_msg m;
	normal(&p);
	const uint8_t key[] = { 4, 1, 0, 0, 0, 0, 0xff, 0x0d };
	check_whole(&p, key, sizeof(key), &m);
	CHECK_EQ_INT(m.action, VNC_RFB_KEY);
	CHECK(m.u.key.down);
	CHECK_EQ_INT(m.u.key.keysym, 0xff0d);
	const uint8_t ptr[] = { 5, 0x05, 0x01, 0x02, 0x03, 0x04 };
	check_whole(&p, ptr, sizeof(ptr), &m);
	CHECK_EQ_INT(m.action, VNC_RFB_POINTER);
	CHECK_EQ_INT(m.u.pointer.buttons, 5);
	CHECK_EQ_INT(m.u.pointer.x, 0x0102);
	CHECK_EQ_INT(m.u.pointer.y, 0x0304);
	const uint8_t qkey[] = { 255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x9e };
	check_whole(&p, qkey, sizeof(qkey), &m);
	CHECK_EQ_INT(m.action, VNC_RFB_EXT_KEY);
	CHECK(m.u.ext_key.down);
	CHECK_EQ_INT(m.u.ext_key.keycode, 0x9e);
	const uint8_t qbad[] = { 255, 0, 0, 2, 0, 0, 0, 0x61, 0, 0, 0, 0x9e };
	CHECK_EQ_INT(feed(&p, qbad, sizeof(qbad), &m), -EPROTO);
	const uint8_t audio[] = { 255, 1, 0, 0 };
	CHECK_EQ_INT(feed(&p, audio, sizeof(audio), &m), -EPROTO);
}

static void test_forwarded_messages(void)
{
	struct vnc_rfb p;
	struct vnc_rfb_msg m;
	normal(&p);
	const uint8_t pf[20] = { 0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0 };
	check_whole(&p, pf, sizeof(pf), &m);
	CHECK_EQ_INT(m.action, VNC_RFB_FORWARD);
	const uint8_t enc[] = { 2, 0, 0, 3, 0, 0, 0, 0, 0xff, 0xff, 0xfe, 0xfe, 0xff, 0xff, 0xff,
		0x21 };
	check_whole(&p, enc, sizeof(enc), &m);
	CHECK(m.u.encodings.qemu_ext_key);
	CHECK(m.u.encodings.new_fb_size);
	CHECK(!m.u.encodings.rich_cursor);
	const uint8_t fur[] = { 3, 1, 0, 0, 0, 0, 4, 0, 3, 0 };
	check_whole(&p, fur, sizeof(fur), &m);
	CHECK_EQ_INT(m.skip, 0);
	/* SetDesktopSize: header, then one screen: id, x, y, width, height, flags. */
	const uint8_t dsz[] = { 251, 0, 4, 0, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 4, 0, 3, 0, 0, 0,
		0, 0 };
	check_whole(&p, dsz, sizeof(dsz), &m);
	CHECK_EQ_INT(m.action, VNC_RFB_FORWARD);
}

static void test_refusals(void)
{
	struct vnc_rfb p;
	struct vnc_rfb_msg m;
	normal(&p);
	const uint8_t pf_bpp[20] = { 0, 0, 0, 0, 24, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0 };
	CHECK_EQ_INT(feed(&p, pf_bpp, 20, &m), -EPROTO);
	const uint8_t pf_max[20] = { 0, 0, 0, 0, 32, 24, 0, 1, 0, 254, 0, 255, 0, 255, 16, 8, 0 };
	CHECK_EQ_INT(feed(&p, pf_max, 20, &m), -EPROTO);
	const uint8_t pf_shift[20] = { 0, 0, 0, 0, 16, 16, 0, 1, 0, 31, 0, 63, 0, 31, 16, 5, 0 };
	CHECK_EQ_INT(feed(&p, pf_shift, 20, &m), -EPROTO);
	const uint8_t enc_many[] = { 2, 0, 0x02, 0x01 }; // 513 encodings
	CHECK_EQ_INT(feed(&p, enc_many, 4, &m), -EPROTO);
	const uint8_t fur_flag[] = { 3, 2, 0, 0, 0, 0, 4, 0, 3, 0 };
	CHECK_EQ_INT(feed(&p, fur_flag, 10, &m), -EPROTO);
	const uint8_t colour_map[] = { 1, 0, 0, 0, 0, 0 };
	CHECK_EQ_INT(feed(&p, colour_map, 6, &m), -EPROTO);
	const uint8_t file_transfer[] = { 7 };
	CHECK_EQ_INT(feed(&p, file_transfer, 1, &m), -EPROTO);
	const uint8_t cut_huge[] = { 6, 0, 0, 0, 0x00, 0x10, 0x00, 0x01 };
	CHECK_EQ_INT(feed(&p, cut_huge, 8, &m), -EPROTO);
	const uint8_t no_screens[] = { 251, 0, 4, 0, 3, 0, 0, 0 };
	CHECK_EQ_INT(feed(&p, no_screens, 8, &m), -EPROTO);
}

static void test_cut_text_is_dropped_as_it_comes(void)
{
	struct vnc_rfb p;
	struct vnc_rfb_msg m;
	normal(&p);
	const uint8_t cut[] = { 6, 0, 0, 0, 0, 0, 0x10, 0, 'a' }; // 4096 bytes announced
	CHECK_EQ_INT(feed(&p, cut, 7, &m), 0);
	CHECK_EQ_INT(feed(&p, cut, sizeof(cut), &m), 1);
	CHECK_EQ_INT(m.action, VNC_RFB_DROP);
	CHECK_EQ_INT(m.len, 8 + 4096);
	const uint8_t ext[] = { 6, 0, 0, 0, 0xff, 0xff, 0xff, 0xf0 }; // extended: 16 bytes
	CHECK_EQ_INT(feed(&p, ext, sizeof(ext), &m), 1);
	CHECK_EQ_INT(m.len, 8 + 16);
}

static const struct test_case cases[] = {
	TEST_CASE(test_handshake_38_none),
	TEST_CASE(test_handshake_33_and_37_with_auth),
	TEST_CASE(test_bad_versions),
	TEST_CASE(test_input_events),
	TEST_CASE(test_forwarded_messages),
	TEST_CASE(test_refusals),
	TEST_CASE(test_cut_text_is_dropped_as_it_comes),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
