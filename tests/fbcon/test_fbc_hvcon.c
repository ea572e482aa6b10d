/*
 * The hvcon program (headless mode): runs a command to its end, writes the final screen as a
 * PNG and exits with the command's status; options are checked. $HVCON names the binary.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fbc_png.h"
#include "macros.h"
#include "test.h"

extern char **environ;

static int run_hvcon(char *const *args)
{
	const char *exe = getenv("HVCON");
	if (!exe)
		SKIP("HVCON is not set (run through meson test)");
	char *argv[32] = { (char *)exe };
	for (size_t i = 0; args[i] && i < ARRAY_LEN(argv) - 2; i++)
		argv[i + 1] = args[i];
	pid_t pid;
	REQUIRE(posix_spawn(&pid, exe, NULL, NULL, argv, environ) == 0);
	int status;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	return status;
}

static const char *out_path(const char *name)
{
	static char path[1024];
	const char *dir = getenv("FBCT_OUT_DIR") ? getenv("FBCT_OUT_DIR") : ".";
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static void test_hvcon_headless_writes_the_screen(void)
{
	const char *png = out_path("hvcon_headless.png");
	unlink(png);
	char *args[] = { "--headless", "--size", "320x200", "--font-size", "16", "--output",
		(char *)png, "--", "/bin/sh", "-c",
		"printf '\\033[41m    \\033[m\\033[?25l'; exit 5", NULL };
	int status = run_hvcon(args);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5);
	pixman_image_t *image = NULL;
	REQUIRE(fbc_png_read(png, &image) == 0);
	CHECK_EQ_INT(pixman_image_get_width(image), 320);
	CHECK_EQ_INT(pixman_image_get_height(image), 200);
	const uint32_t *px = pixman_image_get_data(image);
	int stride = pixman_image_get_stride(image) / 4;
	CHECK_EQ_INT(px[5 * stride + 5] & 0xffffff, 0xcd0000);   /* red background */
	CHECK_EQ_INT(px[5 * stride + 100] & 0xffffff, 0x000000); /* default background */
	pixman_image_unref(image);
}

static void test_hvcon_options(void)
{
	/* --help goes to stdout (kept out of the TAP stream) and names the outputs. */
	const char *help_path = out_path("hvcon_help.txt");
	int saved = dup(1);
	int fd = open(help_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	REQUIRE(saved >= 0 && fd >= 0);
	fflush(stdout);
	dup2(fd, 1);
	close(fd);
	char *help[] = { "--help", NULL };
	int status = run_hvcon(help);
	dup2(saved, 1);
	close(saved);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char text[4096] = "";
	FILE *f = fopen(help_path, "r");
	REQUIRE(f);
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	CHECK(strstr(text, "usage: hvcon") && strstr(text, "--output NAME"));
	char *bad[] = { "--font-size", "3", "--headless", NULL };
	status = run_hvcon(bad);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	char *no_such_output[] = { "--output", "vga", "true", NULL };
	status = run_hvcon(no_such_output);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	char *no_host[] = { "--output", "svd", "--no-wait", "--vmbus", "/nonexistent/vmbus.sock",
		"--", "true", NULL };
	status = run_hvcon(no_host);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	char *missing_font[] = { "--headless", "--font", "/nonexistent.ttf", "--output",
		(char *)out_path("hvcon_none.png"), "--", "true", NULL };
	status = run_hvcon(missing_font);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

/* The child gets the terminal and nothing else: a descriptor its starter left open without
 * CLOEXEC does not reach the shell (which could read it as input or hold a socket open). */
static void test_hvcon_child_gets_only_the_terminal(void)
{
	int fd = open("/dev/null", O_RDONLY);
	REQUIRE(fd >= 0);
	REQUIRE(dup2(fd, 9) == 9);
	close(fd);
	char *args[] = { "--headless", "--size", "320x200", "--output",
		(char *)out_path("hvcon_fds.png"), "--", "/bin/sh", "-c",
		"test -t 0 && test -t 1 && test -t 2 && test ! -e /proc/$$/fd/9", NULL };
	int status = run_hvcon(args);
	close(9);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static const struct test_case cases[] = {
	TEST_CASE(test_hvcon_headless_writes_the_screen),
	TEST_CASE(test_hvcon_options),
	TEST_CASE(test_hvcon_child_gets_only_the_terminal),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
