/* XRGB8888 pictures as 8-bit RGB PNG files (png_write.h). */
#define LOG_MODULE "png"
#include "png_write.h"

#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

struct png_job {
	FILE *fp;
	const uint8_t *pixels;
	uint32_t width, height;
	size_t stride;
	uint8_t *row; // width * 3 bytes of RGB
};

static void png_error_fn(png_structp png, png_const_charp msg)
{
	log_error("libpng: %s", msg);
	png_longjmp(png, 1);
}

static void png_warning_fn(png_structp png, png_const_charp msg)
{
	log_warn("libpng: %s", msg);
}

static void xrgb_to_rgb(uint8_t *dst, const uint8_t *src, uint32_t width)
{
	for (uint32_t x = 0; x < width; x++) {
		dst[3 * x + 0] = src[4 * x + 2];
		dst[3 * x + 1] = src[4 * x + 1];
		dst[3 * x + 2] = src[4 * x + 0];
	}
}

/* The libpng part, kept apart so nothing it touches needs to survive a longjmp but the job. */
static int encode(struct png_job *job)
{
	png_structp png =
		png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_error_fn, png_warning_fn);
	if (!png)
		return -ENOMEM;
	png_infop info = png_create_info_struct(png);
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return -ENOMEM;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return -EIO;
	}
	png_init_io(png, job->fp);
	png_set_IHDR(png, info, job->width, job->height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (uint32_t y = 0; y < job->height; y++) {
		xrgb_to_rgb(job->row, job->pixels + (size_t)y * job->stride, job->width);
		png_write_row(png, job->row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return 0;
}

static int write_file(struct png_job *job, int fd)
{
	job->fp = fdopen(fd, "wb");
	if (!job->fp) {
		int ret = -errno;
		close(fd);
		return ret;
	}
	int ret = encode(job);
	if (ret == 0 && fflush(job->fp) != 0)
		ret = -errno;
	if (fclose(job->fp) != 0 && ret == 0)
		ret = -errno;
	return ret;
}

int png_write_xrgb8888(
	const char *path, const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride)
{
	if (!path || !pixels || width == 0 || height == 0 || width > PNG_WRITE_MAX_DIM ||
		height > PNG_WRITE_MAX_DIM || stride < (size_t)width * 4)
		return -EINVAL;
	struct png_job job = {
		.pixels = pixels,
		.width = width,
		.height = height,
		.stride = stride,
		.row = malloc((size_t)width * 3),
	};
	char *tmp = malloc(strlen(path) + sizeof(".XXXXXX"));
	int ret = -ENOMEM;
	if (!job.row || !tmp)
		goto out;
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A device (/dev/null), FIFO or symlink is the caller's choice of where the bytes go:
		 * renaming over it would replace it with a regular file. Write through it instead. */
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		ret = fd < 0 ? -errno : write_file(&job, fd);
		goto out;
	}
	strcpy(tmp, path);
	strcat(tmp, ".XXXXXX");
	int fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	/* mkstemp makes the file 0600; a picture of the screen is no secret. */
	fchmod(fd, 0644);
	ret = write_file(&job, fd);
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret < 0)
		unlink(tmp);
out:
	free(tmp);
	free(job.row);
	return ret;
}
