/*
 * hvhost --vnc against real viewers from Debian, each judged against the monitor's screenshot
 * of the same moment (the guest, vnc_guest, shows a fixed pattern and stays idle):
 *  - TigerVNC's viewer under Xvfb, lossless encodings: the X screen (xwd) equals the
 *    screenshot pixel for pixel, first and again after the guest changed its picture;
 *  - vncsnapshot: it can only write JPEG, so its picture is compared with a JPEG tolerance
 *    (the exact checks are TigerVNC's here and test_vnc_picture's in every pixel format);
 *    with a password file it authenticates, with a wrong one it is refused;
 *  - a non-loopback --vnc without --vnc-password does not start.
 * A viewer missing from the machine is a SKIP naming the package.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> // before jpeglib.h, which uses FILE

#include <jpeglib.h>
#include <json-c/json.h>
#include <poll.h>
#include <rfb/rfb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macros.h"
#include "png_read.h"
#include "rfb_client.h"
#include "test.h"
#include "vnc_fixture.h"

static const char *const guest_idle[] = { NULL };

static void start(struct vnc_fixture *f, const char *const *args)
{
	int ret = vnc_fixture_start(f, args, guest_idle);
	if (ret == -ENOENT)
		SKIP("HVHOST or VNC_GUEST is not set (run through meson test)");
	REQUIRE(ret == 0);
}

/* ---- JPEG (vncsnapshot) ---- */

static int read_jpeg(const char *path, struct png_image_rgb *out)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return -errno;
	struct jpeg_decompress_struct cinfo;
	struct jpeg_error_mgr jerr;
	cinfo.err = jpeg_std_error(&jerr);
	jpeg_create_decompress(&cinfo);
	jpeg_stdio_src(&cinfo, fp);
	jpeg_read_header(&cinfo, TRUE);
	cinfo.out_color_space = JCS_RGB;
	jpeg_start_decompress(&cinfo);
	out->width = cinfo.output_width;
	out->height = cinfo.output_height;
	out->pixels = calloc((size_t)out->width * out->height, 4);
	uint8_t *row = malloc((size_t)out->width * 3);
	while (cinfo.output_scanline < cinfo.output_height) {
		uint32_t y = cinfo.output_scanline;
		jpeg_read_scanlines(&cinfo, &row, 1);
		for (uint32_t x = 0; x < out->width; x++)
			out->pixels[(size_t)y * out->width + x] = (uint32_t)row[3 * x] << 16 |
				(uint32_t)row[3 * x + 1] << 8 | row[3 * x + 2];
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	free(row);
	fclose(fp);
	return 0;
}

/* Mean absolute difference per channel, in 1/100 of a level. */
static uint64_t mean_diff_x100(const struct png_image_rgb *a, const struct png_image_rgb *b)
{
	uint64_t sum = 0, n = (uint64_t)a->width * a->height * 3;
	for (size_t i = 0; i < (size_t)a->width * a->height; i++) {
		for (int s = 0; s < 24; s += 8) {
			int d = (int)(a->pixels[i] >> s & 0xff) - (int)(b->pixels[i] >> s & 0xff);
			sum += (uint64_t)(d < 0 ? -d : d);
		}
	}
	return n ? sum * 100 / n : 0;
}

static void snapshot_matches(struct vnc_fixture *f, const char *passwd_file)
{
	const char *shot = vnc_fixture_screenshot(f, "shot.png");
	REQUIRE(shot);
	char target[32], out[512];
	snprintf(target, sizeof(target), "127.0.0.1::%d", f->port);
	snprintf(out, sizeof(out), "%s", hvhost_harness_path(f->h, "snap.jpg"));
	/* Raw transmission: only the file is JPEG. */
	const char *argv[] = { "vncsnapshot", "-quiet", "-allowblank", "-nocursor", "-nojpeg",
		"-encodings", "raw", "-quality", "100", passwd_file ? "-passwd" : target,
		passwd_file ? passwd_file : out, passwd_file ? target : NULL,
		passwd_file ? out : NULL, NULL };
	CHECK_EQ_INT(vnc_run(argv, NULL, 60000), 0);
	struct png_image_rgb want = { 0 }, got = { 0 };
	REQUIRE(png_read_rgb(shot, &want) == 0);
	REQUIRE(read_jpeg(out, &got) == 0);
	CHECK_EQ_INT(got.width, want.width);
	CHECK_EQ_INT(got.height, want.height);
	if (got.width == want.width && got.height == want.height) {
		uint64_t d = mean_diff_x100(&got, &want);
		NOTE("vncsnapshot JPEG: mean difference %llu.%02llu levels",
			(unsigned long long)d / 100, (unsigned long long)d % 100);
		/* Measured: 21.9 levels. It is the file, not the server: two thirds of the
		 * channel values are exact and the errors sit on the pattern's one-pixel XOR
		 * bars and checker edges, which JPEG's chroma subsampling and quantisation
		 * smear (vncsnapshot sets no 4:4:4 option). The server's conversion to every
		 * pixel format is exact (test_vnc_picture), and so is TigerVNC's screen. */
		CHECK(d < 3000);
	}
	png_image_rgb_free(&want);
	png_image_rgb_free(&got);
}

static void test_vncsnapshot_shows_the_screen(void)
{
	if (!vnc_have("vncsnapshot"))
		SKIP("vncsnapshot is not installed (Debian package vncsnapshot)");
	struct vnc_fixture f;
	start(&f, NULL);
	snapshot_matches(&f, NULL);
	CHECK(vnc_fixture_get_path(&f, "vnc", "accepted") >= 1);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

/* ---- passwords ---- */

static void test_password_authentication(void)
{
	if (!vnc_have("vncsnapshot"))
		SKIP("vncsnapshot is not installed (Debian package vncsnapshot)");
	char dir[] = "/tmp/hvd-vnc-pw-XXXXXX";
	REQUIRE(mkdtemp(dir));
	char plain[64], good[64], bad[64];
	snprintf(plain, sizeof(plain), "%s/password", dir);
	snprintf(good, sizeof(good), "%s/good.vncpasswd", dir);
	snprintf(bad, sizeof(bad), "%s/bad.vncpasswd", dir);
	int fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	REQUIRE(fd >= 0 && write(fd, "s3cret\n", 7) == 7);
	close(fd);
	/* vncsnapshot reads the obfuscated vncpasswd format. */
	REQUIRE(rfbEncryptAndStorePasswd("s3cret", good) == 0);
	REQUIRE(rfbEncryptAndStorePasswd("wrong", bad) == 0);
	const char *const args[] = { "--vnc-password", plain, NULL };
	struct vnc_fixture f;
	start(&f, args);
	snapshot_matches(&f, good);
	char target[32];
	snprintf(target, sizeof(target), "127.0.0.1::%d", f.port);
	const char *argv[] = { "vncsnapshot", "-quiet", "-allowblank", "-passwd", bad, target,
		hvhost_harness_path(f.h, "refused.jpg"), NULL };
	CHECK(vnc_run(argv, NULL, 60000) != 0);
	CHECK(access(hvhost_harness_path(f.h, "refused.jpg"), F_OK) != 0);
	/* The same through the protocol: no password at all is refused too. */
	struct rfb_client c;
	const int32_t enc[] = { RFB_ENC_RAW };
	REQUIRE(rfb_client_connect(&c, f.port) == 0);
	CHECK_EQ_INT(rfb_client_handshake(&c, "wrong", enc, 1), -EACCES);
	rfb_client_close(&c);
	REQUIRE(rfb_client_connect(&c, f.port) == 0);
	CHECK(rfb_client_handshake(&c, NULL, enc, 1) < 0);
	rfb_client_close(&c);
	REQUIRE(rfb_client_connect(&c, f.port) == 0);
	CHECK_EQ_INT(rfb_client_handshake(&c, "s3cret", enc, 1), 0);
	rfb_client_close(&c);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
	unlink(plain);
	unlink(good);
	unlink(bad);
	rmdir(dir);
}

static void test_non_loopback_needs_a_password(void)
{
	static const char *const addrs[] = { "0.0.0.0:0", "[::]:0" };
	for (size_t i = 0; i < ARRAY_LEN(addrs); i++) {
		struct hvhost_harness *h = NULL;
		const char *const args[] = { "--vnc", addrs[i], NULL };
		int ret = hvhost_harness_start(&h, args);
		if (ret == -ENOENT)
			SKIP("HVHOST is not set (run through meson test)");
		CHECK_MSG(ret == -ECHILD, "--vnc %s without a password: %d", addrs[i], ret);
		hvhost_harness_destroy(h);
	}
	/* Any address of 127.0.0.0/8 is loopback. */
	struct hvhost_harness *h = NULL;
	const char *const ok[] = { "--vnc", "127.0.0.2:0", NULL };
	REQUIRE(hvhost_harness_start(&h, ok) == 0);
	CHECK_EQ_INT(hvhost_harness_stop(h), 0);
	hvhost_harness_destroy(h);
}

/* ---- TigerVNC under Xvfb ---- */

static pid_t spawn(const char *const *argv, int keep_fd)
{
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		if (keep_fd >= 0)
			dup2(keep_fd, 3); // dup2 clears close-on-exec
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Xvfb picks a free display and writes its number to -displayfd. */
static pid_t start_xvfb(char *display, size_t len)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	const char *argv[] = { "Xvfb", "-displayfd", "3", "-screen", "0", "1024x768x24",
		"-nolisten", "tcp", NULL };
	pid_t pid = spawn(argv, p[1]);
	close(p[1]);
	/* Xvfb writes the number and the newline separately, and dies if the second write
	 * finds the pipe closed: read up to the newline. */
	char num[16] = "";
	size_t got = 0;
	while (!memchr(num, '\n', got) && got < sizeof(num) - 1) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		ssize_t n = poll(&pfd, 1, 30000) > 0 ? read(p[0], num + got, sizeof(num) - 1 - got)
						     : -1;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	if (!memchr(num, '\n', got))
		return -1;
	num[strcspn(num, "\n")] = '\0';
	snprintf(display, len, ":%s", num);
	return pid;
}

/* The X root window through xwd (XWDFileHeader: 25 big-endian words, then the window name and
 * the colour map): ZPixmap, 32 bits per pixel, red mask 0xff0000. */
static int read_xwd(const char *path, struct png_image_rgb *out)
{
	FILE *fp = fopen(path, "rb");
	uint8_t h[100];
	if (!fp || fread(h, 1, 100, fp) != 100) {
		if (fp)
			fclose(fp);
		return -EIO;
	}
#define XWD(i)                                                                                     \
	((uint32_t)h[4 * (i)] << 24 | (uint32_t)h[4 * (i) + 1] << 16 | h[4 * (i) + 2] << 8 |       \
		h[4 * (i) + 3])
	uint32_t hdr = XWD(0), w = XWD(4), hh = XWD(5), bpp = XWD(11), bpl = XWD(12),
		 ncol = XWD(19);
	bool lsb = XWD(7) == 0;
	if (XWD(2) != 2 || bpp != 32 || XWD(14) != 0xff0000 || w > 8192 || hh > 8192) {
		fclose(fp);
		return -EPROTO;
	}
#undef XWD
	fseek(fp, (long)hdr + (long)ncol * 12, SEEK_SET);
	out->width = w;
	out->height = hh;
	out->pixels = calloc((size_t)w * hh, 4);
	uint8_t *row = malloc(bpl);
	for (uint32_t y = 0; y < hh && fread(row, 1, bpl, fp) == bpl; y++) {
		for (uint32_t x = 0; x < w; x++) {
			const uint8_t *p = row + 4 * x;
			uint32_t v = lsb ? (uint32_t)p[0] | p[1] << 8 | p[2] << 16
					 : (uint32_t)p[3] | p[2] << 8 | p[1] << 16;
			out->pixels[(size_t)y * w + x] = v;
		}
	}
	free(row);
	fclose(fp);
	return 0;
}

static bool same_picture(const struct png_image_rgb *a, const struct png_image_rgb *b)
{
	return a->width == b->width && a->height == b->height &&
		memcmp(a->pixels, b->pixels, (size_t)a->width * a->height * 4) == 0;
}

/*
 * Looks at the X screen until it equals the monitor's screenshot (the viewer paints what it
 * received on its own time, after hvhost has sent it), with a bound; returns how many looks
 * that took, or 0 if it never did.
 */
static int x_screen_shows(struct vnc_fixture *f, const char *shot_name)
{
	const char *shot = vnc_fixture_screenshot(f, shot_name);
	struct png_image_rgb want = { 0 };
	if (!shot || png_read_rgb(shot, &want) < 0)
		return 0;
	char xwd_path[512];
	snprintf(xwd_path, sizeof(xwd_path), "%s", hvhost_harness_path(f->h, "root.xwd"));
	const char *xwd_argv[] = { "xwd", "-root", "-silent", "-out", xwd_path, NULL };
	int looks = 0;
	bool equal = false;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (t = t0; !equal && t.tv_sec - t0.tv_sec < 60; clock_gettime(CLOCK_MONOTONIC, &t)) {
		struct png_image_rgb got = { 0 };
		looks++;
		if (vnc_run(xwd_argv, NULL, 30000) == 0 && read_xwd(xwd_path, &got) == 0)
			equal = same_picture(&got, &want);
		png_image_rgb_free(&got);
	}
	png_image_rgb_free(&want);
	if (!equal)
		NOTE("the X screen never equalled %s (see %s)", shot_name, xwd_path);
	return equal ? looks : 0;
}

static void test_tigervnc_picture_is_exact(void)
{
	if (!vnc_have("Xvfb") || !vnc_have("xtigervncviewer") || !vnc_have("xwd"))
		SKIP("needs Xvfb, xtigervncviewer and xwd (xvfb, tigervnc-viewer, x11-apps)");
	struct vnc_fixture f;
	start(&f, NULL);
	char display[32], target[32];
	pid_t xvfb = start_xvfb(display, sizeof(display));
	REQUIRE(xvfb > 0);
	snprintf(target, sizeof(target), "127.0.0.1::%d", f.port);
	setenv("DISPLAY", display, 1);
	/* Lossless: raw encoding, no JPEG, full colour; the X screen is the guest's size. */
	const char *viewer_argv[] = { "xtigervncviewer", "-FullScreen=1", "-RemoteResize=0",
		"-AutoSelect=0", "-PreferredEncoding=raw", "-NoJPEG=1", "-FullColor=1",
		"-SecurityTypes=None", target, NULL };
	pid_t viewer = spawn(viewer_argv, -1);
	CHECK(vnc_fixture_ok(&f, "{\"cmd\":\"wait\",\"what\":\"vnc_synced\",\"viewers\":1}"));
	int looks = x_screen_shows(&f, "shot.png");
	CHECK(looks > 0);
	NOTE("the X screen equalled the screenshot at look %d", looks);
	/* A change the guest makes reaches the viewer's screen exactly too. */
	char since[96];
	snprintf(since, sizeof(since), "{\"cmd\":\"wait\",\"what\":\"dirt\",\"since\":%lld}",
		(long long)vnc_fixture_get_path(&f, "stats", "video.rx.DIRT"));
	CHECK(vnc_fixture_guest_send(&f, "shift 40"));
	CHECK(vnc_fixture_ok(&f, since));
	CHECK(vnc_fixture_ok(&f, "{\"cmd\":\"wait\",\"what\":\"vnc_synced\",\"viewers\":1}"));
	CHECK(x_screen_shows(&f, "shifted.png") > 0);
	kill(viewer, SIGTERM);
	waitpid(viewer, NULL, 0);
	kill(xvfb, SIGTERM);
	waitpid(xvfb, NULL, 0);
	unsetenv("DISPLAY");
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

static const struct test_case cases[] = {
	TEST_CASE(test_vncsnapshot_shows_the_screen),
	TEST_CASE(test_password_authentication),
	TEST_CASE(test_non_loopback_needs_a_password),
	TEST_CASE(test_tigervnc_picture_is_exact),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
