/* PNG writing (png_write.c): XRGB8888 in, 8-bit RGB PNG out, pixel for pixel. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macros.h"
#include "png_write.h"
#include "test.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hvd-png-XXXXXX");
	REQUIRE(mkdtemp(dir));
}

/* Removes the files the cases wrote and the directory; counts what was left in it. */
static int remove_dir(void)
{
	int n = 0;
	DIR *d = opendir(dir);
	REQUIRE(d);
	struct dirent *e;
	char path[sizeof(dir) + 256 + 1];
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
		n++;
	}
	closedir(d);
	rmdir(dir);
	return n;
}

static void test_png_round_trip_is_pixel_exact(void)
{
	enum { W = 3, H = 2, STRIDE = 16 }; /* 4 bytes of row padding */
	/* B, G, R, X per pixel; X and the padding hold junk that must not leak into the PNG. */
	static const uint8_t xrgb[H * STRIDE] = {
		0x00,
		0x00,
		0xff,
		0x11,
		0x00,
		0xff,
		0x00,
		0x22,
		0xff,
		0x00,
		0x00,
		0x33,
		0xde,
		0xad,
		0xbe,
		0xef, // red, green, blue, padding
		0x01,
		0x02,
		0x03,
		0x44,
		0xff,
		0xff,
		0xff,
		0x55,
		0x80,
		0x40,
		0x20,
		0x66,
		0xde,
		0xad,
		0xbe,
		0xef,
	};
	static const uint8_t rgb[W * H * 3] = {
		0xff,
		0x00,
		0x00,
		0x00,
		0xff,
		0x00,
		0x00,
		0x00,
		0xff, //
		0x03,
		0x02,
		0x01,
		0xff,
		0xff,
		0xff,
		0x20,
		0x40,
		0x80,
	};
	make_dir();
	char path[128];
	snprintf(path, sizeof(path), "%s/shot.png", dir);
	CHECK_EQ_INT(png_write_xrgb8888(path, xrgb, W, H, STRIDE), 0);

	png_image image = { .version = PNG_IMAGE_VERSION };
	REQUIRE(png_image_begin_read_from_file(&image, path));
	CHECK_EQ_INT(image.width, W);
	CHECK_EQ_INT(image.height, H);
	/* The file itself is 8-bit RGB: no alpha, no palette, no 16-bit samples. */
	CHECK_EQ_INT(image.format, PNG_FORMAT_RGB);
	uint8_t out[W * H * 3];
	REQUIRE(png_image_finish_read(&image, NULL, out, 0, NULL));
	CHECK_MEM(out, rgb, sizeof(rgb));
	/* Only the PNG is left: the temporary file was renamed into place. */
	CHECK_EQ_INT(remove_dir(), 1);
}

static void test_bad_sizes_are_errors(void)
{
	static const uint8_t px[64];
	CHECK_EQ_INT(png_write_xrgb8888("/tmp/x.png", px, 0, 1, 4), -EINVAL);
	CHECK_EQ_INT(png_write_xrgb8888("/tmp/x.png", px, 1, 0, 4), -EINVAL);
	CHECK_EQ_INT(png_write_xrgb8888("/tmp/x.png", px, 2, 1, 7), -EINVAL);
	CHECK_EQ_INT(png_write_xrgb8888("/tmp/x.png", px, PNG_WRITE_MAX_DIM + 1, 1,
			     (PNG_WRITE_MAX_DIM + 1) * 4),
		-EINVAL);
	CHECK_EQ_INT(png_write_xrgb8888(NULL, px, 1, 1, 4), -EINVAL);
}

static void test_unwritable_path_leaves_nothing(void)
{
	static const uint8_t px[16];
	make_dir();
	char path[128];
	snprintf(path, sizeof(path), "%s/missing/shot.png", dir);
	CHECK_EQ_INT(png_write_xrgb8888(path, px, 2, 2, 8), -ENOENT);
	/* A directory where the file should go: refused, and no temporary is left. */
	snprintf(path, sizeof(path), "%s/sub", dir);
	REQUIRE(mkdir(path, 0700) == 0);
	CHECK_EQ_INT(png_write_xrgb8888(path, px, 2, 2, 8), -EISDIR);
	rmdir(path);
	CHECK_EQ_INT(remove_dir(), 0);
}

static bool starts_png(const uint8_t *b, size_t n)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	return n >= sizeof(sig) && memcmp(b, sig, sizeof(sig)) == 0;
}

/* `--screenshot /dev/null` and the like: the bytes go through the path, which stays what it
 * was (a rename over /dev/null would make it a regular file for the whole machine). */
static void test_special_files_are_written_through(void)
{
	static const uint8_t px[16];
	make_dir();
	char fifo[128], target[128], link[128];
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	REQUIRE(mkfifo(fifo, 0600) == 0);
	int rd = open(fifo, O_RDONLY | O_NONBLOCK);
	REQUIRE(rd >= 0);
	CHECK_EQ_INT(png_write_xrgb8888(fifo, px, 2, 2, 8), 0);
	uint8_t buf[256];
	ssize_t n = read(rd, buf, sizeof(buf));
	CHECK(n > 0 && starts_png(buf, (size_t)n));
	close(rd);
	struct stat st;
	CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));

	snprintf(target, sizeof(target), "%s/target.png", dir);
	snprintf(link, sizeof(link), "%s/link.png", dir);
	REQUIRE(symlink(target, link) == 0);
	CHECK_EQ_INT(png_write_xrgb8888(link, px, 2, 2, 8), 0);
	CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	FILE *f = fopen(target, "rb");
	CHECK(f && starts_png(buf, fread(buf, 1, sizeof(buf), f)));
	if (f)
		fclose(f);
	/* The fifo, the link and its target; no temporary. */
	CHECK_EQ_INT(remove_dir(), 3);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_png_round_trip_is_pixel_exact),
		TEST_CASE(test_bad_sizes_are_errors),
		TEST_CASE(test_unwritable_path_leaves_nothing),
		TEST_CASE(test_special_files_are_written_through),
	};
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
