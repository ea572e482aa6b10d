/*
 * Damage is exactly the cells that changed: a typed letter is two cells (the letter and the
 * cursor's new place), a cursor blink is one, nothing changed is nothing. Every case also checks
 * weston's "lie about damage": every pixel that changed lies inside the damage, and every
 * damaged cell has a pixel that changed.
 *
 * Console with the stub font (8x16 cells) on a 10x3-cell image, no child: bytes are fed as if
 * echoed by one.
 */
#include <stdlib.h>

#include "fbc_console.h"
#include "fbc_fake_font.h"
#include "fbc_font.h"
#include "fbc_term.h"
#include "macros.h"
#include "test.h"

#define COLS 10
#define ROWS 3
#define W (COLS * FBCT_FAKE_CELL_W)
#define H (ROWS * FBCT_FAKE_CELL_H)

struct fixture {
	pixman_image_t *image;
	struct fbc_font *font;
	struct fbc_console *con;
	pixman_region32_t damage; // what the last render reported
	int reports;
	uint32_t before[W * H];
};

static void on_damage(void *data, const pixman_region32_t *damage)
{
	struct fixture *f = data;
	pixman_region32_union(&f->damage, &f->damage, (pixman_region32_t *)damage);
	f->reports++;
}

static void setup(struct fixture *f)
{
	f->image = pixman_image_create_bits(PIXMAN_x8r8g8b8, W, H, NULL, 0);
	f->font = fbct_fake_font_create();
	REQUIRE(f->image && f->font);
	pixman_region32_init(&f->damage);
	struct fbc_console_config cfg = { .font = f->font };
	struct fbc_surface s = { .image = f->image, .damage = on_damage, .data = f };
	REQUIRE(fbc_console_create(&f->con, &cfg, &s) == 0);
	REQUIRE(fbc_term_cols(fbc_console_term(f->con)) == COLS);
	REQUIRE(fbc_term_rows(fbc_console_term(f->con)) == ROWS);
}

static void teardown(struct fixture *f)
{
	fbc_console_destroy(f->con);
	fbc_font_destroy(f->font);
	pixman_image_unref(f->image);
	pixman_region32_fini(&f->damage);
}

static const uint32_t *pixels(const struct fixture *f)
{
	return pixman_image_get_data(f->image);
}

/* Renders at now_ms and checks the damage against the pixels; returns damaged cells. */
static int render(struct fixture *f, int64_t now_ms)
{
	memcpy(f->before, pixels(f), sizeof(f->before));
	pixman_region32_clear(&f->damage);
	f->reports = 0;
	CHECK(fbc_console_render(f->con, now_ms) >= 0);
	CHECK(f->reports <= 1);
	int cells = 0;
	for (int row = 0; row < ROWS; row++) {
		for (int col = 0; col < COLS; col++) {
			pixman_box32_t cell = { col * FBCT_FAKE_CELL_W, row * FBCT_FAKE_CELL_H,
				(col + 1) * FBCT_FAKE_CELL_W, (row + 1) * FBCT_FAKE_CELL_H };
			pixman_region_overlap_t o =
				pixman_region32_contains_rectangle(&f->damage, &cell);
			CHECK_MSG(o != PIXMAN_REGION_PART, "cell %d,%d partly damaged", row, col);
			bool changed = false;
			for (int y = cell.y1; y < cell.y2; y++)
				for (int x = cell.x1; x < cell.x2; x++)
					changed |= pixels(f)[y * W + x] != f->before[y * W + x];
			if (o == PIXMAN_REGION_IN) {
				cells++;
				CHECK_MSG(changed, "cell %d,%d damaged but unchanged", row, col);
			} else {
				CHECK_MSG(!changed, "cell %d,%d changed outside the damage", row,
					col);
			}
		}
	}
	return cells;
}

static bool cell_damaged(const struct fixture *f, int row, int col)
{
	pixman_box32_t cell = { col * FBCT_FAKE_CELL_W, row * FBCT_FAKE_CELL_H,
		(col + 1) * FBCT_FAKE_CELL_W, (row + 1) * FBCT_FAKE_CELL_H };
	return pixman_region32_contains_rectangle((pixman_region32_t *)&f->damage, &cell) ==
		PIXMAN_REGION_IN;
}

static void feed(struct fixture *f, const char *s)
{
	fbc_console_feed(f->con, s, strlen(s));
}

static void test_damage_first_frame_is_everything(void)
{
	struct fixture f = { 0 };
	setup(&f);
	memset(pixman_image_get_data(f.image), 0x55, sizeof(f.before));
	CHECK_EQ_INT(render(&f, 0), ROWS * COLS);
	teardown(&f);
}

static void test_damage_letter_typed_is_two_cells(void)
{
	struct fixture f = { 0 };
	setup(&f);
	render(&f, 0);
	feed(&f, "a");
	CHECK_EQ_INT(render(&f, 1), 2);
	CHECK(cell_damaged(&f, 0, 0));
	CHECK(cell_damaged(&f, 0, 1));
	feed(&f, "b");
	CHECK_EQ_INT(render(&f, 2), 2);
	CHECK(cell_damaged(&f, 0, 1));
	CHECK(cell_damaged(&f, 0, 2));
	teardown(&f);
}

static void test_damage_blink_is_one_cell(void)
{
	struct fixture f = { 0 };
	setup(&f);
	feed(&f, "\x1b[2;4H");
	render(&f, 0);
	CHECK(!fbc_console_needs_frame(f.con, 499));
	CHECK(fbc_console_needs_frame(f.con, 500));
	CHECK_EQ_INT(fbc_console_next_timeout(f.con, 100), 400);
	CHECK_EQ_INT(render(&f, 500), 1);
	CHECK(cell_damaged(&f, 1, 3));
	CHECK_EQ_INT(render(&f, 1000), 1);
	CHECK(cell_damaged(&f, 1, 3));
	/* A steady cursor (DECSCUSR 2) does not blink. */
	feed(&f, "\x1b[2 q");
	render(&f, 1100);
	CHECK(!fbc_console_needs_frame(f.con, 1500));
	CHECK_EQ_INT(fbc_console_next_timeout(f.con, 1500), -1);
	teardown(&f);
}

static void test_damage_nothing_changed_is_nothing(void)
{
	struct fixture f = { 0 };
	setup(&f);
	feed(&f, "hello\r\nworld");
	render(&f, 0);
	CHECK_EQ_INT(render(&f, 1), 0);
	CHECK_EQ_INT(f.reports, 0);
	/* Rewriting what is there, cursor back where it was: no visible change, no damage. */
	feed(&f, "\rworld");
	CHECK_EQ_INT(render(&f, 2), 0);
	/* Erasing blanks that are already blank. */
	feed(&f, "\x1b[3;1H\x1b[2K\x1b[2;6H");
	CHECK_EQ_INT(render(&f, 3), 0);
	teardown(&f);
}

static void test_damage_cursor_move_is_two_cells(void)
{
	struct fixture f = { 0 };
	setup(&f);
	render(&f, 0);
	feed(&f, "\x1b[3;5H");
	CHECK_EQ_INT(render(&f, 1), 2);
	CHECK(cell_damaged(&f, 0, 0));
	CHECK(cell_damaged(&f, 2, 4));
	/* Hidden cursor: moving it changes nothing. */
	feed(&f, "\x1b[?25l");
	CHECK_EQ_INT(render(&f, 2), 1);
	feed(&f, "\x1b[1;1H");
	CHECK_EQ_INT(render(&f, 3), 0);
	teardown(&f);
}

static void test_damage_erase_is_the_erased_cells(void)
{
	struct fixture f = { 0 };
	setup(&f);
	feed(&f, "abc\r\n");
	render(&f, 0);
	feed(&f, "\x1b[1;1H\x1b[K\x1b[2;1H");
	CHECK_EQ_INT(render(&f, 1), 3);
	for (int col = 0; col < 3; col++)
		CHECK(cell_damaged(&f, 0, col));
	teardown(&f);
}

static void test_damage_wide_character_is_both_halves(void)
{
	struct fixture f = { 0 };
	setup(&f);
	render(&f, 0);
	feed(&f, "\xe4\xb8\xad");
	CHECK_EQ_INT(render(&f, 1), 3);
	CHECK(cell_damaged(&f, 0, 0));
	CHECK(cell_damaged(&f, 0, 1));
	CHECK(cell_damaged(&f, 0, 2));
	teardown(&f);
}

static void test_damage_scroll_is_what_moved(void)
{
	struct fixture f = { 0 };
	setup(&f);
	feed(&f, "1111\r\n2222\r\n33");
	render(&f, 0);
	feed(&f, "\n");
	/* Rows 0 and 1 change four cells each; row 2 loses "33" (the cursor stays at col 2). */
	CHECK_EQ_INT(render(&f, 1), 4 + 4 + 2);
	teardown(&f);
}

static void test_damage_bell_flashes_once(void)
{
	struct fixture f = { 0 };
	setup(&f);
	feed(&f, "x");
	render(&f, 0);
	for (int i = 0; i < 1000; i++)
		feed(&f, "\a");
	CHECK(fbc_console_needs_frame(f.con, 10));
	CHECK_EQ_INT(render(&f, 10), ROWS * COLS);
	CHECK_EQ_INT(fbc_console_next_timeout(f.con, 10), FBC_CONSOLE_BELL_MS);
	CHECK_EQ_INT(render(&f, 10 + FBC_CONSOLE_BELL_MS), ROWS * COLS);
	/* More bells right after: no new flash until the pause is over. */
	feed(&f, "\a");
	CHECK_EQ_INT(render(&f, 11 + FBC_CONSOLE_BELL_MS), 0);
	teardown(&f);
}

static void test_damage_new_surface_repaints_all(void)
{
	struct fixture f = { 0 };
	setup(&f);
	render(&f, 0);
	pixman_image_t *bigger = pixman_image_create_bits(PIXMAN_x8r8g8b8, W + 8, H + 20, NULL, 0);
	REQUIRE(bigger);
	struct fbc_surface s = { .image = bigger, .damage = on_damage, .data = &f };
	CHECK_EQ_INT(fbc_console_set_surface(f.con, &s), 0);
	CHECK_EQ_INT(fbc_term_cols(fbc_console_term(f.con)), COLS + 1);
	CHECK_EQ_INT(fbc_term_rows(fbc_console_term(f.con)), ROWS + 1);
	pixman_region32_clear(&f.damage);
	CHECK(fbc_console_render(f.con, 1) > 0);
	pixman_box32_t *ext = pixman_region32_extents(&f.damage);
	CHECK(ext->x1 == 0 && ext->y1 == 0 && ext->x2 == W + 8 && ext->y2 == H + 20);
	struct fbc_surface back = { .image = f.image, .damage = on_damage, .data = &f };
	CHECK_EQ_INT(fbc_console_set_surface(f.con, &back), 0);
	pixman_image_unref(bigger);
	teardown(&f);
}

static const struct test_case cases[] = {
	TEST_CASE(test_damage_first_frame_is_everything),
	TEST_CASE(test_damage_letter_typed_is_two_cells),
	TEST_CASE(test_damage_blink_is_one_cell),
	TEST_CASE(test_damage_nothing_changed_is_nothing),
	TEST_CASE(test_damage_cursor_move_is_two_cells),
	TEST_CASE(test_damage_erase_is_the_erased_cells),
	TEST_CASE(test_damage_wide_character_is_both_halves),
	TEST_CASE(test_damage_scroll_is_what_moved),
	TEST_CASE(test_damage_bell_flashes_once),
	TEST_CASE(test_damage_new_surface_repaints_all),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
