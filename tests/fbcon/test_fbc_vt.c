/*
 * Byte-script tests for the VT adapter (libvterm's t/NN*.test files are the model): each file in
 * tests/fbcon/vt/ feeds bytes to a terminal and states the cells, attributes, cursor, modes and
 * replies that must result. One TAP case per script. The format is documented in
 * tests/fbcon/vt/README.
 */
#include <errno.h>
#include <stdlib.h>

#include "fbc_term.h"
#include "fbc_test_util.h"
#include "macros.h"
#include "test.h"

#define MAX_BYTES 65536

struct script {
	const char *path;
	int line_no;
	struct fbc_term *term;
	uint8_t replies[MAX_BYTES];
	size_t replies_len;
};

static void collect_reply(void *data, const char *bytes, size_t len)
{
	struct script *s = data;
	if (s->replies_len + len > sizeof(s->replies))
		len = sizeof(s->replies) - s->replies_len;
	memcpy(s->replies + s->replies_len, bytes, len);
	s->replies_len += len;
}

#define FAIL(s, ...)                                                                               \
	do {                                                                                       \
		test_fail_((s)->path, (s)->line_no, __VA_ARGS__);                                  \
	} while (0)

/* The quoted argument of a line ("..." with escapes), decoded. */
static long quoted_arg(struct script *s, const char *arg, uint8_t *out, size_t cap)
{
	const char *start = strchr(arg, '"');
	const char *end = start ? strrchr(arg, '"') : NULL;
	if (!start || end == start) {
		FAIL(s, "expected a quoted string");
		return -1;
	}
	char raw[MAX_BYTES];
	size_t n = (size_t)(end - start - 1);
	if (n >= sizeof(raw))
		n = sizeof(raw) - 1;
	memcpy(raw, start + 1, n);
	raw[n] = '\0';
	long len = fbct_unescape(raw, out, cap);
	if (len < 0)
		FAIL(s, "bad escape in %s", arg);
	return len;
}

static void cmd_size(struct script *s, const char *args)
{
	int rows = 0, cols = 0, sb = 100;
	if (sscanf(args, "%d %d sb %d", &rows, &cols, &sb) < 2) {
		FAIL(s, "size ROWS COLS [sb N]");
		return;
	}
	fbc_term_destroy(s->term);
	s->term = NULL;
	struct fbc_term_config cfg = { .rows = rows, .cols = cols, .scrollback_lines = (size_t)sb };
	int err = fbc_term_create(&s->term, &cfg);
	if (err) {
		FAIL(s, "fbc_term_create: %s", strerror(-err));
		return;
	}
	fbc_term_set_writer(s->term, collect_reply, s);
	s->replies_len = 0;
}

static void cmd_feed(struct script *s, const char *args, bool split)
{
	uint8_t bytes[MAX_BYTES];
	long len = fbct_unescape(args, bytes, sizeof(bytes));
	if (len < 0) {
		FAIL(s, "bad escape in feed");
		return;
	}
	if (!split) {
		fbc_term_feed(s->term, bytes, (size_t)len);
		return;
	}
	for (long i = 0; i < len; i++)
		fbc_term_feed(s->term, &bytes[i], 1);
}

static void cmd_text(struct script *s, const char *args)
{
	int row = -1;
	if (sscanf(args, "%d", &row) != 1 || row < 0 || row >= fbc_term_rows(s->term)) {
		FAIL(s, "text ROW \"...\" with ROW on screen");
		return;
	}
	uint8_t want[MAX_BYTES];
	long len = quoted_arg(s, args, want, sizeof(want));
	if (len < 0)
		return;
	want[len] = '\0';
	char got[MAX_BYTES];
	fbct_row_text(s->term, row, got, sizeof(got));
	if (strcmp(got, (char *)want) != 0)
		FAIL(s, "row %d is \"%s\", expected \"%s\"", row, got, (char *)want);
}

static void cmd_cursor(struct script *s, const char *args)
{
	int row, col;
	if (sscanf(args, "%d %d", &row, &col) != 2) {
		FAIL(s, "cursor ROW COL");
		return;
	}
	struct fbc_cursor cur;
	fbc_term_cursor(s->term, &cur);
	if (cur.row != row || cur.col != col)
		FAIL(s, "cursor at %d %d, expected %d %d", cur.row, cur.col, row, col);
}

static bool parse_color(const char *v, uint32_t *out)
{
	unsigned x;
	if (strncmp(v, "default", 7) == 0) {
		*out = FBC_COLOR_DEFAULT;
		return true;
	}
	if (sscanf(v, "idx:%u", &x) == 1 && x < 256) {
		*out = FBC_COLOR_INDEXED(x);
		return true;
	}
	if (sscanf(v, "rgb:%6x", &x) == 1) {
		*out = FBC_COLOR_RGB(x >> 16, x >> 8, x);
		return true;
	}
	return false;
}

static const struct {
	const char *name;
	uint16_t bits;
} attr_names[] = {
	{ "bold", FBC_ATTR_BOLD },
	{ "italic", FBC_ATTR_ITALIC },
	{ "underline", 1u << FBC_ATTR_UNDERLINE_SHIFT },
	{ "underline2", 2u << FBC_ATTR_UNDERLINE_SHIFT },
	{ "underline3", 3u << FBC_ATTR_UNDERLINE_SHIFT },
	{ "blink", FBC_ATTR_BLINK },
	{ "reverse", FBC_ATTR_REVERSE },
	{ "strike", FBC_ATTR_STRIKE },
	{ "faint", FBC_ATTR_FAINT },
	{ "conceal", FBC_ATTR_CONCEAL },
	{ "wide", FBC_ATTR_WIDE },
	{ "spacer", FBC_ATTR_SPACER },
};

static bool parse_attrs(const char *v, uint16_t *out)
{
	*out = 0;
	if (strncmp(v, "none", 4) == 0)
		return true;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", v);
	buf[strcspn(buf, " \t\n")] = '\0';
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
		tok = strtok_r(NULL, ",", &save)) {
		size_t i = 0;
		while (i < ARRAY_LEN(attr_names) && strcmp(attr_names[i].name, tok) != 0)
			i++;
		if (i == ARRAY_LEN(attr_names))
			return false;
		*out |= attr_names[i].bits;
	}
	return true;
}

static void check_cell_field(struct script *s, const struct fbc_cell *cell, const char *kv)
{
	uint32_t color;
	uint16_t attrs;
	unsigned cp;
	if (strncmp(kv, "ch=U+", 5) == 0 && sscanf(kv + 5, "%x", &cp) == 1) {
		uint32_t cps[FBC_CLUSTER_MAX_CPS];
		size_t n = fbc_term_cluster(s->term, cell->ch, cps);
		uint32_t got = n ? cps[0] : 0;
		if (got != cp)
			FAIL(s, "cell holds U+%04X, expected U+%04X", got, cp);
	} else if (strncmp(kv, "ch='", 4) == 0) {
		if (cell->ch != (uint32_t)(unsigned char)kv[4])
			FAIL(s, "cell holds U+%04X, expected '%c'", cell->ch, kv[4]);
	} else if (strncmp(kv, "nchars=", 7) == 0) {
		uint32_t cps[FBC_CLUSTER_MAX_CPS];
		size_t n = fbc_term_cluster(s->term, cell->ch, cps);
		if (n != (size_t)atoi(kv + 7))
			FAIL(s, "cell holds %zu code points, expected %s", n, kv + 7);
	} else if (strncmp(kv, "fg=", 3) == 0 && parse_color(kv + 3, &color)) {
		if (cell->fg != color)
			FAIL(s, "fg %08x, expected %08x (%s)", cell->fg, color, kv);
	} else if (strncmp(kv, "bg=", 3) == 0 && parse_color(kv + 3, &color)) {
		if (cell->bg != color)
			FAIL(s, "bg %08x, expected %08x (%s)", cell->bg, color, kv);
	} else if (strncmp(kv, "attrs=", 6) == 0 && parse_attrs(kv + 6, &attrs)) {
		if (cell->attr != attrs)
			FAIL(s, "attrs %#x, expected %#x (%s)", cell->attr, attrs, kv);
	} else {
		FAIL(s, "unknown cell field %s", kv);
	}
}

static void cmd_cell(struct script *s, const char *args)
{
	int row, col, used = 0;
	if (sscanf(args, "%d %d %n", &row, &col, &used) != 2 || row < 0 ||
		row >= fbc_term_rows(s->term) || col < 0 || col >= fbc_term_cols(s->term)) {
		FAIL(s, "cell ROW COL field=value... on screen");
		return;
	}
	struct fbc_line line;
	fbc_term_line(s->term, row, &line);
	const struct fbc_cell *cell = fbc_line_cell(&line, col);
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", args + used);
	for (char *save = NULL, *kv = strtok_r(buf, " \t\n", &save); kv;
		kv = strtok_r(NULL, " \t\n", &save))
		check_cell_field(s, cell, kv);
}

static void cmd_reply(struct script *s, const char *args)
{
	uint8_t want[MAX_BYTES];
	long len = quoted_arg(s, args, want, sizeof(want));
	if (len < 0)
		return;
	if ((size_t)len != s->replies_len || memcmp(want, s->replies, s->replies_len) != 0) {
		char got_s[1024], want_s[1024];
		fbct_escape_for_log(s->replies, s->replies_len, got_s, sizeof(got_s));
		fbct_escape_for_log(want, (size_t)len, want_s, sizeof(want_s));
		FAIL(s, "replies \"%s\", expected \"%s\"", got_s, want_s);
	}
	s->replies_len = 0;
}

static void cmd_expect_number(struct script *s, const char *what, long got, const char *args)
{
	long want;
	if (sscanf(args, "%ld", &want) != 1)
		FAIL(s, "%s N", what);
	else if (got != want)
		FAIL(s, "%s is %ld, expected %ld", what, got, want);
}

static void cmd_cursorstate(struct script *s, const char *args)
{
	struct fbc_cursor cur;
	fbc_term_cursor(s->term, &cur);
	static const char *const shapes[] = { "block", "underline", "bar" };
	char want[128], got[128];
	snprintf(got, sizeof(got), "visible=%d blink=%d shape=%s", cur.visible, cur.blink,
		shapes[cur.shape]);
	snprintf(want, sizeof(want), "%s", args);
	want[strcspn(want, "\n")] = '\0';
	if (strcmp(got, want) != 0)
		FAIL(s, "cursor state \"%s\", expected \"%s\"", got, want);
}

static const struct {
	const char *name;
	enum fbc_vkey key;
} key_names[] = {
	{ "enter", FBC_VKEY_ENTER },
	{ "tab", FBC_VKEY_TAB },
	{ "backspace", FBC_VKEY_BACKSPACE },
	{ "escape", FBC_VKEY_ESCAPE },
	{ "up", FBC_VKEY_UP },
	{ "down", FBC_VKEY_DOWN },
	{ "left", FBC_VKEY_LEFT },
	{ "right", FBC_VKEY_RIGHT },
	{ "home", FBC_VKEY_HOME },
	{ "end", FBC_VKEY_END },
	{ "pgup", FBC_VKEY_PAGE_UP },
	{ "delete", FBC_VKEY_DELETE },
	{ "f1", FBC_VKEY_F1 },
	{ "f5", FBC_VKEY_F1 + 4 },
	{ "kp1", FBC_VKEY_KP_1 },
	{ "kpenter", FBC_VKEY_KP_ENTER },
};

static void cmd_key(struct script *s, const char *args)
{
	char name[32] = "", mods_s[32] = "";
	sscanf(args, "%31s %31s", name, mods_s);
	unsigned mods = (strstr(mods_s, "shift") ? FBC_MOD_SHIFT : 0) |
		(strstr(mods_s, "ctrl") ? FBC_MOD_CTRL : 0) |
		(strstr(mods_s, "alt") ? FBC_MOD_ALT : 0);
	for (size_t i = 0; i < ARRAY_LEN(key_names); i++) {
		if (strcmp(key_names[i].name, name) == 0) {
			fbc_term_send_key(s->term, key_names[i].key, mods);
			return;
		}
	}
	FAIL(s, "unknown key %s", name);
}

static void cmd_paste(struct script *s, const char *args)
{
	uint8_t bytes[MAX_BYTES];
	long len = quoted_arg(s, args, bytes, sizeof(bytes));
	if (len >= 0)
		fbc_term_paste(s->term, (const char *)bytes, (size_t)len);
}

static void cmd_resize(struct script *s, const char *args)
{
	int rows, cols;
	if (sscanf(args, "%d %d", &rows, &cols) != 2)
		FAIL(s, "resize ROWS COLS");
	else if (fbc_term_resize(s->term, rows, cols) != 0)
		FAIL(s, "resize to %d %d failed", rows, cols);
}

static void cmd_mouse(struct script *s, const char *args)
{
	static const char *const modes[] = { "off", "click", "drag", "move" };
	const char *got = modes[fbc_term_mouse_mode(s->term)];
	if (strncmp(args, got, strlen(got)) != 0)
		FAIL(s, "mouse mode %s, expected %s", got, args);
}

static void cmd_mousebutton(struct script *s, const char *args)
{
	int button, pressed, row, col;
	if (sscanf(args, "%d %d %d %d", &button, &pressed, &row, &col) != 4) {
		FAIL(s, "mousebutton BUTTON PRESSED ROW COL");
		return;
	}
	fbc_term_mouse_move(s->term, row, col, 0);
	fbc_term_mouse_button(s->term, button, pressed, 0);
}

/* Commands that need a terminal, by name. */
static bool run_term_command(struct script *s, const char *cmd, const char *args)
{
	struct fbc_term *t = s->term;
	if (strcmp(cmd, "feed") == 0)
		cmd_feed(s, args, false);
	else if (strcmp(cmd, "feedsplit") == 0)
		cmd_feed(s, args, true);
	else if (strcmp(cmd, "text") == 0)
		cmd_text(s, args);
	else if (strcmp(cmd, "cursor") == 0)
		cmd_cursor(s, args);
	else if (strcmp(cmd, "cell") == 0)
		cmd_cell(s, args);
	else if (strcmp(cmd, "reply") == 0)
		cmd_reply(s, args);
	else if (strcmp(cmd, "sb") == 0)
		cmd_expect_number(s, "scrollback", (long)fbc_term_scrollback_count(t), args);
	else if (strcmp(cmd, "alt") == 0)
		cmd_expect_number(s, "altscreen", fbc_term_altscreen(t), args);
	else if (strcmp(cmd, "reverse") == 0)
		cmd_expect_number(s, "reverse video", fbc_term_reverse_video(t), args);
	else if (strcmp(cmd, "bells") == 0)
		cmd_expect_number(s, "bells", (long)fbc_term_take_bells(t), args);
	else if (strcmp(cmd, "viewoffset") == 0)
		cmd_expect_number(s, "view offset", (long)fbc_term_view_offset(t), args);
	else if (strcmp(cmd, "view") == 0)
		fbc_term_view_scroll(t, strtol(args, NULL, 10));
	else if (strcmp(cmd, "cursorstate") == 0)
		cmd_cursorstate(s, args);
	else if (strcmp(cmd, "key") == 0)
		cmd_key(s, args);
	else if (strcmp(cmd, "paste") == 0)
		cmd_paste(s, args);
	else if (strcmp(cmd, "resize") == 0)
		cmd_resize(s, args);
	else if (strcmp(cmd, "mouse") == 0)
		cmd_mouse(s, args);
	else if (strcmp(cmd, "mousebutton") == 0)
		cmd_mousebutton(s, args);
	else
		return false;
	return true;
}

static void run_line(struct script *s, char *line)
{
	line[strcspn(line, "\n")] = '\0';
	if (line[0] == '#' || line[0] == '\0')
		return;
	char cmd[32] = "";
	int used = 0;
	sscanf(line, "%31s %n", cmd, &used);
	const char *args = used ? line + used : "";
	if (strcmp(cmd, "size") == 0) {
		cmd_size(s, args);
		return;
	}
	if (!s->term) {
		FAIL(s, "%s before size", cmd);
		return;
	}
	if (!run_term_command(s, cmd, args))
		FAIL(s, "unknown command %s", cmd);
}

static void run_script(const char *name)
{
	char path[512];
	const char *dir = getenv("FBCT_VT_DIR");
	snprintf(path, sizeof(path), "%s/%s.vt", dir ? dir : "tests/fbcon/vt", name);
	FILE *f = fopen(path, "r");
	if (!f) {
		test_fail_(__FILE__, __LINE__, "cannot open %s: %s", path, strerror(errno));
		return;
	}
	static struct script s;
	s = (struct script){ .path = path };
	char line[MAX_BYTES];
	while (fgets(line, sizeof(line), f)) {
		s.line_no++;
		run_line(&s, line);
	}
	fclose(f);
	if (!s.term)
		test_fail_(path, 0, "script never created a terminal");
	fbc_term_destroy(s.term);
}

#define SCRIPT(name)                                                                               \
	static void test_vt_##name(void)                                                           \
	{                                                                                          \
		run_script(#name);                                                                 \
	}

SCRIPT(cursor)
SCRIPT(erase)
SCRIPT(scroll_region)
SCRIPT(insert_delete)
SCRIPT(sgr)
SCRIPT(wide)
SCRIPT(combining)
SCRIPT(altscreen)
SCRIPT(modes)
SCRIPT(keys)
SCRIPT(scrollback)
SCRIPT(resize)
SCRIPT(utf8)

static const struct test_case cases[] = {
	TEST_CASE(test_vt_cursor),
	TEST_CASE(test_vt_erase),
	TEST_CASE(test_vt_scroll_region),
	TEST_CASE(test_vt_insert_delete),
	TEST_CASE(test_vt_sgr),
	TEST_CASE(test_vt_wide),
	TEST_CASE(test_vt_combining),
	TEST_CASE(test_vt_altscreen),
	TEST_CASE(test_vt_modes),
	TEST_CASE(test_vt_keys),
	TEST_CASE(test_vt_scrollback),
	TEST_CASE(test_vt_resize),
	TEST_CASE(test_vt_utf8),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
