/*
 * hvhost --vnc in a browser: noVNC (Debian's novnc) served by websockify in front of hvhost's
 * VNC port, in headless Chromium driven over the DevTools pipe (cdp.h).
 *  - The test guest's picture: noVNC's canvas equals the monitor's screenshot pixel for pixel,
 *    and so does the part of the browser's own screenshot it covers; a key typed into the page
 *    and a click on the picture reach the guest's input drivers as evdev events.
 *  - The console: hvcon on the synthetic video (--output svd), a command typed through the
 *    browser runs and its output appears in the next monitor screenshot, found by its glyphs as
 *    hvcon --headless draws them.
 * Set HVD_VNC_KEEP=DIR to keep the browser's screenshots there.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cdp.h"
#include "macros.h"
#include "png_read.h"
#include "test.h"
#include "vnc_fixture.h"

#define WINDOW_W 1280
#define WINDOW_H 900

struct browser {
	struct vnc_fixture *f;
	pid_t websockify;
	int web_port;
	struct cdp *cdp;
};

static void skip_without_packages(void)
{
	if (!vnc_have("chromium") || !vnc_have("websockify") ||
		access("/usr/share/novnc/vnc.html", R_OK) != 0)
		SKIP("needs chromium, websockify and noVNC (Debian chromium, websockify, novnc)");
}

/* websockify in inetd mode on a socket we listen on: no port to guess, no wait to listen. */
static pid_t start_websockify(int vnc_port, int *web_port, const char *log_path)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 16) < 0 ||
		getsockname(l, (struct sockaddr *)&a, &len) < 0) {
		NOTE("cannot listen for websockify: %s", strerror(errno));
		return -1;
	}
	*web_port = ntohs(a.sin_port);
	char target[32];
	snprintf(target, sizeof(target), "127.0.0.1:%d", vnc_port);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(l, 0);
		dup2(log, 1);
		dup2(log, 2);
		execlp("websockify", "websockify", "--inetd", "--web", "/usr/share/novnc", target,
			(char *)NULL);
		_exit(127);
	}
	close(l);
	return pid;
}

static void stop_browser(struct browser *b)
{
	cdp_stop(b->cdp);
	if (b->websockify > 0) {
		kill(-b->websockify, SIGKILL);
		waitpid(b->websockify, NULL, 0);
	}
	*b = (struct browser){ 0 };
}

/*
 * noVNC always lists a JPEG quality level (6 unless the user picks another), and with one
 * libvncserver sends gradients as JPEG inside Tight: lossy by request. This page script takes
 * the quality pseudo-encodings (-32..-23) out of noVNC's SetEncodings, so Tight stays lossless
 * (zlib) and the picture can be compared exactly; everything else is noVNC's own.
 */
static const char lossless_script[] =
	"(() => { const send = WebSocket.prototype.send;"
	" WebSocket.prototype.send = function (d) {"
	"  if (d instanceof Uint8Array && d[0] === 2 && d.length === 4 + 4 * (d[2] << 8 | d[3])) {"
	"   const v = new DataView(d.buffer, d.byteOffset, d.length), keep = [];"
	"   for (let i = 4; i < d.length; i += 4) {"
	"    const e = v.getInt32(i); if (e < -32 || e > -23) keep.push(e); }"
	"   const out = new Uint8Array(4 + 4 * keep.length), w = new DataView(out.buffer);"
	"   out[0] = 2; w.setUint16(2, keep.length);"
	"   keep.forEach((e, i) => w.setInt32(4 + 4 * i, e)); d = out; }"
	"  return send.call(this, d); }; })()";

static int lossless_tight(struct cdp *cdp)
{
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "source", json_object_new_string(lossless_script));
	struct json_object *r = cdp_call(
		cdp, "Page.addScriptToEvaluateOnNewDocument", json_object_to_json_string(p));
	json_object_put(p);
	json_object_put(r);
	return r ? 0 : -EPROTO;
}

/* noVNC's page with the console connected; the fixture's hvhost must already run. */
static int open_novnc(struct browser *b, struct vnc_fixture *f)
{
	*b = (struct browser){ .f = f };
	char log[512], url[512];
	snprintf(log, sizeof(log), "%s", hvhost_harness_path(f->h, "websockify.log"));
	b->websockify = start_websockify(f->port, &b->web_port, log);
	snprintf(log, sizeof(log), "%s", hvhost_harness_path(f->h, "chromium.log"));
	if (b->websockify < 0 || cdp_start(&b->cdp, WINDOW_W, WINDOW_H, log) < 0 ||
		cdp_open_page(b->cdp) < 0)
		return -EIO;
	json_object_put(
		cdp_call(b->cdp, "Emulation.setFocusEmulationEnabled", "{\"enabled\":true}"));
	if (lossless_tight(b->cdp) < 0)
		return -EPROTO;
	/* resize=off: the picture 1:1, unscaled, so pixels can be compared. */
	snprintf(url, sizeof(url),
		"{\"url\":\"http://127.0.0.1:%d/vnc.html?autoconnect=1&host=127.0.0.1&port=%d"
		"&resize=off&reconnect=0\"}",
		b->web_port, b->web_port);
	if (cdp_call_and_wait_event(b->cdp, "Page.navigate", url, "Page.loadEventFired") < 0)
		return -ETIMEDOUT;
	/* ui.js marks the page noVNC_connected once the RFB handshake is done. */
	struct json_object *ok = cdp_eval(b->cdp,
		"new Promise(r => { const d = document.documentElement;"
		" const up = () => d.classList.contains('noVNC_connected');"
		" if (up()) return r(true);"
		" new MutationObserver((m, o) => { if (up()) { o.disconnect(); r(true); } })"
		".observe(d, { attributes: true, attributeFilter: ['class'] }); })");
	bool connected = ok && json_object_get_boolean(ok);
	json_object_put(ok);
	return connected ? 0 : -ENOTCONN;
}

/* Decodes base64 PNG data into path and reads it back. */
static int save_png(const char *b64, const char *path, struct png_image_rgb *img)
{
	size_t len;
	uint8_t *png = cdp_base64_decode(b64, &len);
	FILE *fp = png ? fopen(path, "wb") : NULL;
	bool ok = fp && fwrite(png, 1, len, fp) == len;
	if (fp)
		ok &= fclose(fp) == 0;
	free(png);
	return ok && img ? png_read_rgb(path, img) : ok ? 0 : -EIO;
}

static long differing(
	const struct png_image_rgb *a, const struct png_image_rgb *b, uint32_t bx, uint32_t by)
{
	if (bx + a->width > b->width || by + a->height > b->height)
		return -1;
	long n = 0;
	for (uint32_t y = 0; y < a->height; y++) {
		for (uint32_t x = 0; x < a->width; x++)
			n += png_image_rgb_at(a, x, y) != png_image_rgb_at(b, bx + x, by + y);
	}
	return n;
}

/* Looks at noVNC's canvas until it equals the screenshot (noVNC draws what arrives on its own
 * time), with a bound; the pixels that still differ, or -1. */
static long canvas_differs(struct browser *b, const struct png_image_rgb *want)
{
	long diff = -1;
	int64_t end = (int64_t)time(NULL) + 60;
	while (diff != 0 && (int64_t)time(NULL) < end) {
		struct json_object *v = cdp_eval(b->cdp,
			"document.querySelector('canvas')"
			".toDataURL('image/png').split(',')[1]");
		struct png_image_rgb got = { 0 };
		const char *path = hvhost_harness_path(b->f->h, "canvas.png");
		if (v && save_png(json_object_get_string(v), path, &got) == 0)
			diff = got.width == want->width && got.height == want->height
				? differing(&got, want, 0, 0)
				: -1;
		json_object_put(v);
		png_image_rgb_free(&got);
		if (!v)
			break;
	}
	return diff;
}

/* The browser's own screenshot, kept in $HVD_VNC_KEEP if set; where the canvas is in it. */
static int browser_screenshot(
	struct browser *b, const char *name, struct png_image_rgb *img, uint32_t *x, uint32_t *y)
{
	struct json_object *r = cdp_call(b->cdp, "Page.captureScreenshot", "{\"format\":\"png\"}");
	struct json_object *data = NULL;
	char path[512];
	const char *keep = getenv("HVD_VNC_KEEP");
	if (keep)
		snprintf(path, sizeof(path), "%s/%s", keep, name);
	else
		snprintf(path, sizeof(path), "%s", hvhost_harness_path(b->f->h, name));
	int ret = r && json_object_object_get_ex(r, "data", &data)
		? save_png(json_object_get_string(data), path, img)
		: -EIO;
	json_object_put(r);
	if (keep && ret == 0)
		NOTE("browser screenshot: %s", path);
	struct json_object *at = cdp_eval(b->cdp,
		"(() => { const r = document.querySelector('canvas').getBoundingClientRect();"
		" return [Math.round(r.left), Math.round(r.top)]; })()");
	if (at && json_object_array_length(at) == 2) {
		*x = (uint32_t)json_object_get_int(json_object_array_get_idx(at, 0));
		*y = (uint32_t)json_object_get_int(json_object_array_get_idx(at, 1));
	} else {
		ret = -EPROTO;
	}
	json_object_put(at);
	return ret;
}

static void press(struct browser *b, const char *key, const char *code, int vk, const char *text)
{
	char params[256];
	snprintf(params, sizeof(params),
		"{\"type\":\"keyDown\",\"key\":\"%s\",\"code\":\"%s\",\"windowsVirtualKeyCode\":%d%"
		"s%s%s}",
		key, code, vk, text ? ",\"text\":\"" : "", text ? text : "", text ? "\"" : "");
	json_object_put(cdp_call(b->cdp, "Input.dispatchKeyEvent", params));
	snprintf(params, sizeof(params),
		"{\"type\":\"keyUp\",\"key\":\"%s\",\"code\":\"%s\",\"windowsVirtualKeyCode\":%d}",
		key, code, vk);
	json_object_put(cdp_call(b->cdp, "Input.dispatchKeyEvent", params));
}

static void click(struct browser *b, uint32_t x, uint32_t y)
{
	static const char *const types[] = { "mouseMoved", "mousePressed", "mouseReleased" };
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		char params[192];
		snprintf(params, sizeof(params),
			"{\"type\":\"%s\",\"x\":%u,\"y\":%u,\"button\":\"%s\",\"clickCount\":%d}",
			types[i], x, y, i ? "left" : "none", i ? 1 : 0);
		json_object_put(cdp_call(b->cdp, "Input.dispatchMouseEvent", params));
	}
}

/* Guest lines up to and including stop; whether want was among them. */
static bool guest_saw(struct vnc_fixture *f, const char *want, const char *stop)
{
	bool seen = false;
	for (const char *line; (line = vnc_fixture_guest_line(f));) {
		seen |= strcmp(line, want) == 0;
		if (strcmp(line, stop) == 0)
			return seen;
	}
	return false;
}

/* Guest lines up to a left button's release: whether it was pressed, and where the pointer was
 * then. */
static bool guest_click(struct vnc_fixture *f, int *x, int *y)
{
	bool pressed = false;
	for (const char *line; (line = vnc_fixture_guest_line(f));) {
		int type, code, value;
		if (sscanf(line, "ev %d %d %d", &type, &code, &value) != 3)
			continue;
		if (type == 3 && code == 0 && !pressed)
			*x = value;
		if (type == 3 && code == 1 && !pressed)
			*y = value;
		if (type == 1 && code == 0x110)
			pressed |= value == 1;
		if (type == 1 && code == 0x110 && value == 0)
			return pressed;
	}
	return false;
}

static void test_novnc_shows_the_guest_and_sends_its_input(void)
{
	skip_without_packages();
	static const char *const guest_input[] = { "--input", NULL };
	struct vnc_fixture f;
	int ret = vnc_fixture_start(&f, NULL, guest_input);
	if (ret == -ENOENT)
		SKIP("HVHOST or VNC_GUEST is not set (run through meson test)");
	REQUIRE(ret == 0);
	struct browser b;
	CHECK(open_novnc(&b, &f) == 0);
	CHECK(vnc_fixture_ok(&f, "{\"cmd\":\"wait\",\"what\":\"vnc_synced\",\"viewers\":1}"));
	struct png_image_rgb want = { 0 }, page = { 0 };
	const char *shot = vnc_fixture_screenshot(&f, "shot.png");
	CHECK(shot && png_read_rgb(shot, &want) == 0);
	long diff = canvas_differs(&b, &want);
	CHECK_MSG(diff == 0, "noVNC's canvas: %ld pixels differ from the screenshot", diff);
	/* noVNC's "Connected" banner lies over the picture's top rows for a while. */
	json_object_put(
		cdp_eval(b.cdp, "document.getElementById('noVNC_status').style.display = 'none'"));
	uint32_t x = 0, y = 0;
	CHECK(browser_screenshot(&b, "novnc-guest.png", &page, &x, &y) == 0);
	diff = page.pixels ? differing(&want, &page, x, y) : -1;
	CHECK_MSG(diff == 0, "the browser's screenshot at %u,%u: %ld pixels differ", x, y, diff);
	/* A key typed into the page: noVNC sends the QEMU raw code of KeyA. */
	json_object_put(cdp_eval(b.cdp, "document.querySelector('canvas').focus()"));
	press(&b, "a", "KeyA", 65, "a");
	CHECK(guest_saw(&f, "ev 1 30 1", "ev 1 30 1"));
	CHECK(guest_saw(&f, "ev 1 30 0", "ev 1 30 0"));
	press(&b, "Enter", "Enter", 13, "\\r");
	CHECK(guest_saw(&f, "ev 1 28 1", "ev 1 28 0"));
	/* A click 100 pixels right of and 50 below the picture's corner lands there. */
	click(&b, x + 100, y + 50);
	int at_x = -1, at_y = -1;
	CHECK(guest_click(&f, &at_x, &at_y));
	CHECK_MSG(at_x == 100 && at_y == 50, "clicked at %d,%d", at_x, at_y);
	CHECK_EQ_INT(vnc_fixture_get_path(&f, "vnc", "dropped.protocol"), 0);
	png_image_rgb_free(&want);
	png_image_rgb_free(&page);
	stop_browser(&b);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

/* ---- the console ---- */

/* hvcon on hvhost's synthetic video ("--output svd", as bench_console runs it), with a plain
 * shell, no blinking (so the picture settles) and the synthetic keyboard as input. */
static pid_t start_hvcon(struct vnc_fixture *f, const char *hvcon)
{
	char log[512], vmbus[512];
	snprintf(log, sizeof(log), "%s", hvhost_harness_path(f->h, "hvcon.log"));
	snprintf(vmbus, sizeof(vmbus), "%s", hvhost_harness_vmbus_path(f->h));
	const char *argv[] = { hvcon, "--output", "svd", "--vmbus", vmbus, "--font-size", "16",
		"--no-blink", "--shim-socket", "none", "--", "/bin/sh", NULL };
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("PS1", "$ ", 1);
		setenv("ENV", "/dev/null", 1);
		execv(hvcon, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* The pixels of text as hvcon --headless draws it on the first line of a w x h screen: from
 * the left edge to its last glyph pixel, over the rows its glyphs use. */
static int render_text(struct vnc_fixture *f, const char *hvcon, const char *text, uint32_t w,
	uint32_t h, struct png_image_rgb *out)
{
	char size[32], path[512], cmd[96];
	snprintf(size, sizeof(size), "%ux%u", w, h);
	snprintf(path, sizeof(path), "%s", hvhost_harness_path(f->h, "expected.png"));
	snprintf(cmd, sizeof(cmd), "printf '%s\\n'", text);
	const char *argv[] = { hvcon, "--headless", "--size", size, "--font-size", "16", "--output",
		path, "--", "sh", "-c", cmd, NULL };
	struct png_image_rgb all = { 0 };
	if (vnc_run(argv, NULL, 30000) != 0 || png_read_rgb(path, &all) < 0)
		return -EIO;
	uint32_t bg = png_image_rgb_at(&all, all.width - 1, all.height - 1);
	uint32_t top = UINT32_MAX, bottom = 0, right = 0;
	for (uint32_t y = 0; y < all.height && (top == UINT32_MAX || y <= bottom + 1); y++) {
		for (uint32_t x = 0; x < all.width; x++) {
			if (png_image_rgb_at(&all, x, y) == bg)
				continue;
			top = MIN(top, y);
			bottom = y;
			right = MAX(right, x);
		}
	}
	int ret = -EPROTO;
	if (top != UINT32_MAX) {
		*out = (struct png_image_rgb){ right + 1, bottom - top + 1, NULL };
		out->pixels = calloc((size_t)out->width * out->height, 4);
		for (uint32_t y = 0; out->pixels && y < out->height; y++)
			memcpy(out->pixels + (size_t)y * out->width,
				all.pixels + (size_t)(top + y) * all.width, (size_t)out->width * 4);
		ret = out->pixels ? 0 : -ENOMEM;
	}
	png_image_rgb_free(&all);
	return ret;
}

/* Whether the screenshot has text's pixels at the left edge of some row. */
static bool shows_line(const struct png_image_rgb *shot, const struct png_image_rgb *text)
{
	for (uint32_t y = 0; text->height <= shot->height && y <= shot->height - text->height;
		y++) {
		if (differing(text, shot, 0, y) == 0)
			return true;
	}
	return false;
}

static void type_text(struct browser *b, const char *text)
{
	for (const char *p = text; *p; p++) {
		char key[2] = { *p, 0 }, code[16];
		int vk = *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p;
		if (*p >= 'a' && *p <= 'z')
			snprintf(code, sizeof(code), "Key%c", *p - 'a' + 'A');
		else if (*p >= '0' && *p <= '9')
			snprintf(code, sizeof(code), "Digit%c", *p);
		else
			snprintf(code, sizeof(code), "%s", *p == '-' ? "Minus" : "Space");
		if (*p == '-')
			vk = 189;
		press(b, key, code, vk, key);
	}
	press(b, "Enter", "Enter", 13, "\\r");
}

static void test_novnc_types_into_hvcon(void)
{
	skip_without_packages();
	const char *hvcon = getenv("HVCON");
	if (!hvcon)
		SKIP("hvcon is not built (HVCON is not set)");
	struct vnc_fixture f;
	int ret = vnc_fixture_start(&f, NULL, NULL);
	if (ret == -ENOENT)
		SKIP("HVHOST is not set (run through meson test)");
	REQUIRE(ret == 0);
	pid_t console = start_hvcon(&f, hvcon);
	CHECK(vnc_fixture_ok(&f, "{\"cmd\":\"wait\",\"what\":\"dirt\",\"since\":0}"));
	CHECK(vnc_fixture_ok(&f, "{\"cmd\":\"wait\",\"what\":\"quiet\",\"ms\":500}"));
	struct browser b;
	CHECK(open_novnc(&b, &f) == 0);
	char text[32];
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	snprintf(text, sizeof(text), "hello-%d", rand() % 1000000);
	NOTE("typing 'echo %s' through the browser", text);
	json_object_put(cdp_eval(b.cdp, "document.querySelector('canvas').focus()"));
	int64_t dirt = vnc_fixture_get_path(&f, "stats", "video.rx.DIRT");
	char cmd[64], wait[96];
	snprintf(cmd, sizeof(cmd), "echo %s", text);
	type_text(&b, cmd);
	snprintf(wait, sizeof(wait), "{\"cmd\":\"wait\",\"what\":\"dirt\",\"since\":%lld}",
		(long long)dirt);
	CHECK(vnc_fixture_ok(&f, wait));
	CHECK(vnc_fixture_ok(&f, "{\"cmd\":\"wait\",\"what\":\"quiet\",\"ms\":500}"));
	struct png_image_rgb shot = { 0 }, want = { 0 }, page = { 0 };
	const char *path = vnc_fixture_screenshot(&f, "console.png");
	CHECK(path && png_read_rgb(path, &shot) == 0);
	CHECK(shot.pixels && render_text(&f, hvcon, text, shot.width, shot.height, &want) == 0);
	CHECK_MSG(want.pixels && shows_line(&shot, &want), "'%s' is not on the screen (see %s)",
		text, path);
	uint32_t x, y;
	CHECK(browser_screenshot(&b, "novnc-hvcon.png", &page, &x, &y) == 0);
	png_image_rgb_free(&shot);
	png_image_rgb_free(&want);
	png_image_rgb_free(&page);
	stop_browser(&b);
	kill(-console, SIGKILL);
	waitpid(console, NULL, 0);
	CHECK_EQ_INT(vnc_fixture_stop(&f), 0);
}

static const struct test_case cases[] = {
	TEST_CASE(test_novnc_shows_the_guest_and_sends_its_input),
	TEST_CASE(test_novnc_types_into_hvcon),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
