/*
 * Glyph rendering against golden images: DejaVu Sans Mono at 16 px from Debian's
 * fonts-dejavu-core (regular and bold files; italic synthesised so the pixels do not depend on
 * fonts-dejavu-extra), DejaVu Sans as the fallback. Images in tests/reference/fbcon/, compared
 * pixel for pixel; on a mismatch the actual image and a diff (red: differing pixels) are written
 * to $FBCT_OUT_DIR. FBCT_UPDATE_GOLDEN=1 writes missing references instead (then look at them).
 *
 * FreeType and the font files are pinned by Debian 12; another FreeType may hint differently.
 */
#include <stdlib.h>
#include <unistd.h>

#include "fbc_font.h"
#include "fbc_glyph_cache.h"
#include "fbc_png.h"
#include "fbc_render.h"
#include "fbc_term.h"
#include "fbc_test_util.h"
#include "macros.h"
#include "test.h"

#define REF_DIR "tests/reference/fbcon"
#define PX 16

struct scene {
	struct fbc_font *font;
	struct fbc_glyph_cache *cache;
	struct fbc_render *render;
	struct fbc_term *term;
	pixman_image_t *image;
};

static struct fbc_font *open_font(void)
{
	static const char *const fallbacks[] = { FBCT_FALLBACK };
	struct fbc_font_ft_config cfg = {
		.path = FBCT_FONT,
		.bold_path = FBCT_FONT_BOLD,
		.find_styles = false,
		.fallbacks = fallbacks,
		.n_fallbacks = 1,
		.pixel_size = PX,
	};
	struct fbc_font *font = NULL;
	CHECK_EQ_INT(fbc_font_ft_create(&font, &cfg), 0);
	return font;
}

static void scene_setup(struct scene *s, int rows, int cols)
{
	if (!fbct_have_fonts())
		SKIP("fonts-dejavu-core is not installed");
	s->font = open_font();
	REQUIRE(s->font);
	struct fbc_font_metrics m;
	fbc_font_get_metrics(s->font, &m);
	REQUIRE(fbc_glyph_cache_create(&s->cache, s->font, 256) == 0);
	REQUIRE(fbc_render_create(&s->render, s->font, s->cache, NULL) == 0);
	struct fbc_term_config tc = { .rows = rows, .cols = cols, .scrollback_lines = 10 };
	REQUIRE(fbc_term_create(&s->term, &tc) == 0);
	s->image = pixman_image_create_bits(
		PIXMAN_x8r8g8b8, cols * m.cell_width, rows * m.cell_height, NULL, 0);
	REQUIRE(s->image);
	REQUIRE(fbc_render_set_target(s->render, s->image) == 0);
}

static void scene_teardown(struct scene *s)
{
	fbc_term_destroy(s->term);
	fbc_render_destroy(s->render);
	fbc_glyph_cache_destroy(s->cache);
	fbc_font_destroy(s->font);
	if (s->image)
		pixman_image_unref(s->image);
}

static void scene_draw(struct scene *s, const char *bytes)
{
	fbc_term_feed(s->term, bytes, strlen(bytes));
	pixman_region32_t damage;
	pixman_region32_init(&damage);
	struct fbc_render_frame frame = { .blink_on = true };
	CHECK(fbc_render_draw(s->render, s->term, &frame, &damage) > 0);
	pixman_region32_fini(&damage);
}

static void write_diff(const char *name, pixman_image_t *want, pixman_image_t *got)
{
	const char *dir = getenv("FBCT_OUT_DIR") ? getenv("FBCT_OUT_DIR") : ".";
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s.actual.png", dir, name);
	fbc_png_write(path, got);
	int w = pixman_image_get_width(got), h = pixman_image_get_height(got);
	pixman_image_t *diff = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h, NULL, 0);
	if (!diff)
		return;
	const uint32_t *a = pixman_image_get_data(want), *b = pixman_image_get_data(got);
	uint32_t *d = pixman_image_get_data(diff);
	for (int i = 0; i < w * h; i++)
		d[i] = (a[i] & 0xffffff) != (b[i] & 0xffffff) ? 0xff0000 : (b[i] >> 2) & 0x3f3f3f;
	snprintf(path, sizeof(path), "%s/%s.diff.png", dir, name);
	fbc_png_write(path, diff);
	NOTE("actual and diff images written to %s/%s.{actual,diff}.png", dir, name);
	pixman_image_unref(diff);
}

static void compare_golden(const char *name, pixman_image_t *got)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.png", REF_DIR, name);
	if (access(path, F_OK) != 0 && getenv("FBCT_UPDATE_GOLDEN")) {
		CHECK_EQ_INT(fbc_png_write(path, got), 0);
		NOTE("wrote new reference %s", path);
		return;
	}
	pixman_image_t *want = NULL;
	int err = fbc_png_read(path, &want);
	CHECK_MSG(err == 0, "cannot read %s", path);
	if (err) {
		write_diff(name, got, got);
		return;
	}
	int w = pixman_image_get_width(got), h = pixman_image_get_height(got);
	bool same = w == pixman_image_get_width(want) && h == pixman_image_get_height(want);
	int differ = 0;
	const uint32_t *a = pixman_image_get_data(want), *b = pixman_image_get_data(got);
	for (int i = 0; same && i < w * h; i++)
		differ += (a[i] & 0xffffff) != (b[i] & 0xffffff);
	CHECK_MSG(same && differ == 0, "%s: %d pixels differ (size %s)", name, differ,
		same ? "same" : "differs");
	if (!same || differ)
		write_diff(name, same ? want : got, got);
	pixman_image_unref(want);
}

static void test_font_metrics_dejavu_16(void)
{
	if (!fbct_have_fonts())
		SKIP("fonts-dejavu-core is not installed");
	struct fbc_font *font = open_font();
	REQUIRE(font);
	struct fbc_font_metrics m;
	fbc_font_get_metrics(font, &m);
	CHECK_EQ_INT(m.cell_width, 10);
	CHECK_EQ_INT(m.cell_height, 19);
	CHECK_EQ_INT(m.ascent, 15);
	CHECK(m.underline_position > m.ascent && m.underline_position < m.cell_height);
	CHECK(m.strikeout_position > 0 && m.strikeout_position < m.ascent);
	CHECK(m.underline_thickness >= 1);
	fbc_font_destroy(font);
}

static void test_golden_attributes(void)
{
	struct scene s = { 0 };
	scene_setup(&s, 6, 32);
	scene_draw(&s,
		"Plain \x1b[1mBold\x1b[m \x1b[3mItalic\x1b[m \x1b[1;3mBoth\x1b[m\r\n"
		"\x1b[4mUnder\x1b[m \x1b[21mDouble\x1b[m \x1b[9mStrike\x1b[m\r\n"
		"\x1b[7mReverse\x1b[m \x1b[2mFaint\x1b[m [\x1b[8mHidden\x1b[m]\r\n"
		"\x1b[1;4;31mbold red under\x1b[m \x1b[5mblink\x1b[m\r\n"
		"gjpqy|_ WM@& {}[]() 0O1lI\r\n"
		"\x1b[?25l");
	compare_golden("attributes", s.image);
	scene_teardown(&s);
}

static void test_golden_colors(void)
{
	struct scene s = { 0 };
	scene_setup(&s, 5, 32);
	char buf[4096];
	size_t n = 0;
	for (int i = 0; i < 16; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\x1b[38;5;%dm%X", i, i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\x1b[m\r\n");
	for (int i = 0; i < 16; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\x1b[48;5;%dm ", i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\x1b[m\r\n");
	for (int i = 0; i < 32; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\x1b[48;5;%dm ", 16 + i * 7);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\x1b[m\r\n");
	for (int i = 0; i < 32; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			"\x1b[48;2;%d;%d;128m\x1b[38;2;255;255;%dm#", i * 8, 255 - i * 8, i * 8);
	snprintf(buf + n, sizeof(buf) - n, "\x1b[m\r\n\x1b[33;44m yellow on blue \x1b[m\x1b[?25l");
	scene_draw(&s, buf);
	compare_golden("colors", s.image);
	scene_teardown(&s);
}

static void test_golden_unicode(void)
{
	struct scene s = { 0 };
	scene_setup(&s, 4, 24);
	/* Wide emoji from the fallback, CJK no face has (tofu over two cells), combining marks,
	 * Hebrew from the fallback, box drawing, Greek and Cyrillic from the main font. */
	scene_draw(&s,
		"\xf0\x9f\x98\x80|\xe4\xb8\xad|e\xcc\x81|a\xcc\x88\xcc\xa3|\xd7\x90|\r\n"
		"\xe2\x94\x8c\xe2\x94\x80\xe2\x94\x90\xe2\x96\x88\xe2\x96\x91 "
		"\xce\xb1\xce\xb2\xce\xb3 \xd0\x96\xd0\xb8\r\n"
		"\x1b[1m\xf0\x9f\x98\x80\xe4\xb8\xad\x1b[m\x1b[7m\xf0\x9f\x98\x80\x1b[m\r\n"
		"\x1b[?25l");
	compare_golden("unicode", s.image);
	scene_teardown(&s);
}

static void test_golden_cursors(void)
{
	static const char *const shapes[] = { "\x1b[2 q", "\x1b[4 q", "\x1b[6 q" };
	static const char *const names[] = { "cursor_block", "cursor_underline", "cursor_bar" };
	for (size_t i = 0; i < ARRAY_LEN(shapes); i++) {
		struct scene s = { 0 };
		scene_setup(&s, 2, 8);
		char buf[64];
		snprintf(buf, sizeof(buf), "%sabc\x1b[2D", shapes[i]);
		scene_draw(&s, buf);
		compare_golden(names[i], s.image);
		scene_teardown(&s);
	}
}

static void test_golden_reverse_video(void)
{
	struct scene s = { 0 };
	scene_setup(&s, 2, 12);
	scene_draw(&s, "\x1b[?5hscreen \x1b[7mrev\x1b[m\r\n\x1b[31mred\x1b[?25l");
	compare_golden("reverse_video", s.image);
	scene_teardown(&s);
}

static const struct test_case cases[] = {
	TEST_CASE(test_font_metrics_dejavu_16),
	TEST_CASE(test_golden_attributes),
	TEST_CASE(test_golden_colors),
	TEST_CASE(test_golden_unicode),
	TEST_CASE(test_golden_cursors),
	TEST_CASE(test_golden_reverse_video),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
