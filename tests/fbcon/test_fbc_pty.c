/*
 * The child on a pty, through the console: output reaches the screen, exit status comes back,
 * TERM names a terminfo entry that exists, the window size follows the surface (TIOCSWINSZ, as
 * `stty size` in the child sees it), nothing of a large output is lost, a shell can be started
 * again, and a child that does not read cannot block us. Synchronised on fds only.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "fbc_console.h"
#include "fbc_fake_font.h"
#include "fbc_font.h"
#include "fbc_pty.h"
#include "fbc_term.h"
#include "fbc_test_util.h"
#include "macros.h"
#include "test.h"

struct fixture {
	pixman_image_t *image;
	struct fbc_font *font;
	struct fbc_console *con;
	struct fbc_term *term;
};

static void setup(struct fixture *f, int cols, int rows, size_t scrollback)
{
	f->image = pixman_image_create_bits(
		PIXMAN_x8r8g8b8, cols * FBCT_FAKE_CELL_W, rows * FBCT_FAKE_CELL_H, NULL, 0);
	f->font = fbct_fake_font_create();
	REQUIRE(f->image && f->font);
	struct fbc_console_config cfg = { .font = f->font, .scrollback_lines = scrollback };
	struct fbc_surface s = { .image = f->image };
	REQUIRE(fbc_console_create(&f->con, &cfg, &s) == 0);
	f->term = fbc_console_term(f->con);
}

static void teardown(struct fixture *f)
{
	fbc_console_destroy(f->con);
	fbc_font_destroy(f->font);
	pixman_image_unref(f->image);
}

static int run(struct fixture *f, const char *script)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)script, NULL };
	int err = fbc_console_spawn(f->con, argv, NULL);
	CHECK_EQ_INT(err, 0);
	return err ? err : fbc_console_run_to_exit(f->con);
}

static void check_row(struct fixture *f, int row, const char *want)
{
	char got[1024];
	fbct_row_text(f->term, row, got, sizeof(got));
	CHECK_MSG(strcmp(got, want) == 0, "row %d is \"%s\", expected \"%s\"", row, got, want);
}

static void test_pty_output_and_exit_status(void)
{
	struct fixture f = { 0 };
	setup(&f, 40, 5, 100);
	int status = run(&f, "printf 'hello\\nworld'; exit 7");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	check_row(&f, 0, "hello");
	check_row(&f, 1, "world");
	teardown(&f);
}

static void test_pty_child_killed_by_signal(void)
{
	struct fixture f = { 0 };
	setup(&f, 40, 5, 100);
	int status = run(&f, "echo bye; kill -TERM $$");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	check_row(&f, 0, "bye");
	teardown(&f);
}

static void test_pty_exec_failure_shows_why(void)
{
	struct fixture f = { 0 };
	setup(&f, 60, 5, 100);
	char *argv[] = { (char *)"/nonexistent/program", NULL };
	REQUIRE(fbc_console_spawn(f.con, argv, NULL) == 0);
	int status = fbc_console_run_to_exit(f.con);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 127);
	check_row(&f, 0, "hvcon: cannot run /nonexistent/program");
	teardown(&f);
}

static void test_pty_term_names_an_existing_terminfo(void)
{
	struct fixture f = { 0 };
	setup(&f, 80, 10, 100);
	CHECK(fbc_terminfo_exists("xterm-256color"));
	CHECK(!fbc_terminfo_exists("no-such-terminal-xx"));
	CHECK(!fbc_terminfo_exists("../x/xterm"));
	int status = run(&f, "echo $TERM $COLORTERM; stty size; tput colors");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	check_row(&f, 0, "xterm-256color truecolor");
	check_row(&f, 1, "10 80");
	check_row(&f, 2, "256");
	teardown(&f);
}

static void test_pty_resize_reaches_the_child(void)
{
	struct fixture f = { 0 };
	setup(&f, 40, 6, 100);
	char *argv[] = { (char *)"/bin/sh", (char *)"-c",
		(char *)"read line; echo after; stty size", NULL };
	REQUIRE(fbc_console_spawn(f.con, argv, NULL) == 0);
	pixman_image_t *bigger = pixman_image_create_bits(
		PIXMAN_x8r8g8b8, 100 * FBCT_FAKE_CELL_W, 20 * FBCT_FAKE_CELL_H, NULL, 0);
	REQUIRE(bigger);
	struct fbc_surface s = { .image = bigger };
	CHECK_EQ_INT(fbc_console_set_surface(f.con, &s), 0);
	CHECK_EQ_INT(fbc_term_rows(f.term), 20);
	CHECK_EQ_INT(fbc_term_cols(f.term), 100);
	/* The child's `read` returns once Enter arrives, after the resize. */
	struct fbc_key_action enter = { .type = FBC_KEY_ACTION_KEY, .key = FBC_VKEY_ENTER };
	fbc_console_key(f.con, &enter, 0);
	int status = fbc_console_run_to_exit(f.con);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The tty echoes Enter whenever it arrives, and the child may start after the resize:
	 * find the line after the read. */
	int after = -1;
	for (int row = 0; row < fbc_term_rows(f.term) - 1 && after < 0; row++) {
		char text[128];
		fbct_row_text(f.term, row, text, sizeof(text));
		if (strcmp(text, "after") == 0)
			after = row;
	}
	REQUIRE(after >= 0);
	check_row(&f, after + 1, "20 100");
	struct fbc_surface back = { .image = f.image };
	fbc_console_set_surface(f.con, &back);
	pixman_image_unref(bigger);
	teardown(&f);
}

static void test_pty_large_output_is_all_parsed(void)
{
	struct fixture f = { 0 };
	setup(&f, 20, 10, 10000);
	int status = run(&f, "seq 1 200000");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* 200000 lines and the empty one the cursor is on: 199991 went into the history, which
	 * keeps the newest 10000 of them. */
	check_row(&f, 8, "200000");
	check_row(&f, 0, "199992");
	CHECK_EQ_INT(fbc_term_scrollback_count(f.term), 10000);
	fbc_term_view_scroll(f.term, 10000);
	check_row(&f, 0, "189992");
	check_row(&f, 9, "190001");
	teardown(&f);
}

static void test_pty_shell_starts_again(void)
{
	struct fixture f = { 0 };
	setup(&f, 40, 5, 100);
	CHECK_EQ_INT(run(&f, "exit 1"), 1 << 8);
	int status = run(&f, "echo again");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	check_row(&f, 0, "again");
	teardown(&f);
}

static void test_pty_child_that_does_not_read_cannot_block_us(void)
{
	struct fixture f = { 0 };
	setup(&f, 40, 5, 100);
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)"exec sleep 1000", NULL };
	REQUIRE(fbc_console_spawn(f.con, argv, NULL) == 0);
	static char big[2 << 20];
	memset(big, 'x', sizeof(big));
	/* Far more than the pty and our queue hold: returns at once, the excess dropped. */
	fbc_console_paste(f.con, big, sizeof(big));
	CHECK(fbc_console_wants_write(f.con));
	int status;
	CHECK_EQ_INT(fbc_console_child_exited(f.con, &status), 0);
	teardown(&f); /* hangs the child up */
}

static const struct test_case cases[] = {
	TEST_CASE(test_pty_output_and_exit_status),
	TEST_CASE(test_pty_child_killed_by_signal),
	TEST_CASE(test_pty_exec_failure_shows_why),
	TEST_CASE(test_pty_term_names_an_existing_terminfo),
	TEST_CASE(test_pty_resize_reaches_the_child),
	TEST_CASE(test_pty_large_output_is_all_parsed),
	TEST_CASE(test_pty_shell_starts_again),
	TEST_CASE(test_pty_child_that_does_not_read_cannot_block_us),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
