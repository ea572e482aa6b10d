/*
 * y4mgen: writes a synthetic YUV4MPEG2 clip of moving colour bars (y4m_synth.h), for trying
 * hvplay and for tests.
 *
 *   y4mgen [--size WxH] [--frames N] [--chroma 420jpeg|420mpeg2|420paldv|411|422|444|mono]
 *          [--matrix bt601|bt709] [--range limited|full] [--fps N:D] [--interlace p|t|b]
 *          [--static-rows N] [--speed N] -o FILE|-
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "y4m_synth.h"

static int parse_chroma(const char *s, enum yuv_sampling *out)
{
	for (int i = YUV_420_CENTER; i <= YUV_MONO; i++) {
		if (strcmp(s, yuv_sampling_to_str((enum yuv_sampling)i)) == 0) {
			*out = (enum yuv_sampling)i;
			return 0;
		}
	}
	return -EINVAL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: y4mgen [--size WxH] [--frames N] [--chroma C] [--matrix bt601|bt709]\n"
		"              [--range limited|full] [--fps N:D] [--interlace p|t|b]\n"
		"              [--static-rows N] [--speed N] -o FILE|-\n");
}

static bool apply_option(
	int c, const char *arg, struct y4m_synth *s, unsigned long *frames, const char **path)
{
	switch (c) {
	case 's':
		return sscanf(arg, "%ux%u", &s->width, &s->height) == 2 && s->width && s->height &&
			s->width <= 16384 && s->height <= 16384;
	case 'n':
		*frames = strtoul(arg, NULL, 10);
		return true;
	case 'c':
		return parse_chroma(arg, &s->sampling) == 0;
	case 'm':
		s->matrix = strcmp(arg, "bt709") == 0 ? YUV_MATRIX_BT709 : YUV_MATRIX_BT601;
		return true;
	case 'r':
		s->range = strcmp(arg, "full") == 0 ? YUV_RANGE_FULL : YUV_RANGE_LIMITED;
		return true;
	case 'f':
		return sscanf(arg, "%u:%u", &s->fps_num, &s->fps_den) == 2 && s->fps_den;
	case 'i':
		s->interlace = arg[0];
		return strchr("ptb", arg[0]) && arg[1] == 0;
	case 'S':
		s->static_rows = (uint32_t)strtoul(arg, NULL, 10);
		return true;
	case 'v':
		s->speed = (uint32_t)strtoul(arg, NULL, 10);
		return true;
	case 'o':
		*path = arg;
		return true;
	default:
		return false;
	}
}

static int parse(
	int argc, char **argv, struct y4m_synth *s, unsigned long *frames, const char **path)
{
	static const struct option longs[] = {
		{ "size", required_argument, NULL, 's' },
		{ "frames", required_argument, NULL, 'n' },
		{ "chroma", required_argument, NULL, 'c' },
		{ "matrix", required_argument, NULL, 'm' },
		{ "range", required_argument, NULL, 'r' },
		{ "fps", required_argument, NULL, 'f' },
		{ "interlace", required_argument, NULL, 'i' },
		{ "static-rows", required_argument, NULL, 'S' },
		{ "speed", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "o:h", longs, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (!apply_option(c, optarg, s, frames, path))
			return -1;
	}
	return *path ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct y4m_synth s = { .width = 640, .height = 360 };
	unsigned long frames = 90;
	const char *path = NULL;
	if (parse(argc, argv, &s, &frames, &path) < 0) {
		usage(stderr);
		return 2;
	}
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	char header[256];
	size_t size = y4m_synth_frame_size(&s);
	uint8_t *buf = malloc(size);
	if (!f || !buf || y4m_synth_header(&s, header, sizeof(header)) < 0) {
		fprintf(stderr, "y4mgen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	fputs(header, f);
	for (unsigned long i = 0; i < frames; i++) {
		y4m_synth_frame_packed(&s, i, buf);
		if (fputs("FRAME\n", f) < 0 || fwrite(buf, 1, size, f) != size) {
			fprintf(stderr, "y4mgen: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	free(buf);
	return fclose(f) == 0 ? 0 : 1;
}
