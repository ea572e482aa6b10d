/* PNG reading for pixel comparisons (png_read.h). */
#include "png_read.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void error_fn(png_structp png, png_const_charp msg)
{
	printf("# libpng: %s\n", msg);
	png_longjmp(png, 1);
}

static void warning_fn(png_structp png, png_const_charp msg)
{
}

struct job {
	FILE *fp;
	png_bytep row;
	uint32_t *pixels;
};

/* The libpng part; only job survives a longjmp. */
static int decode(struct job *job, struct png_image_rgb *out)
{
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, error_fn, warning_fn);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_read_struct(&png, NULL, NULL);
		return -ENOMEM;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_read_struct(&png, &info, NULL);
		return -EPROTO;
	}
	png_init_io(png, job->fp);
	png_read_info(png, info);
	uint32_t w = png_get_image_width(png, info), h = png_get_image_height(png, info);
	int type = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
	if (depth != 8 || (type != PNG_COLOR_TYPE_RGB && type != PNG_COLOR_TYPE_RGBA) || !w || !h ||
		w > 16384 || h > 16384) {
		printf("# PNG is %ux%u, colour type %d, depth %d: not 8-bit RGB(A)\n", w, h, type,
			depth);
		png_destroy_read_struct(&png, &info, NULL);
		return -EPROTO;
	}
	size_t bpp = type == PNG_COLOR_TYPE_RGBA ? 4 : 3;
	job->row = malloc(w * bpp);
	job->pixels = malloc((size_t)w * h * sizeof(uint32_t));
	if (!job->row || !job->pixels) {
		png_destroy_read_struct(&png, &info, NULL);
		return -ENOMEM;
	}
	for (uint32_t y = 0; y < h; y++) {
		png_read_row(png, job->row, NULL);
		for (uint32_t x = 0; x < w; x++) {
			const png_byte *p = job->row + x * bpp;
			job->pixels[(size_t)y * w + x] =
				(uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
		}
	}
	png_read_end(png, NULL);
	png_destroy_read_struct(&png, &info, NULL);
	*out = (struct png_image_rgb){ w, h, job->pixels };
	job->pixels = NULL;
	return 0;
}

int png_read_rgb(const char *path, struct png_image_rgb *out)
{
	struct job job = { .fp = fopen(path, "rb") };
	if (!job.fp) {
		int err = errno;
		printf("# cannot open %s: %s\n", path, strerror(err));
		return -err;
	}
	int ret = decode(&job, out);
	fclose(job.fp);
	free(job.row);
	free(job.pixels);
	return ret;
}

void png_image_rgb_free(struct png_image_rgb *img)
{
	free(img->pixels);
	img->pixels = NULL;
}
