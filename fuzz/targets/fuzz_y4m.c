/*
 * The Y4M header parser (demos/hvplay/y4m.c) on arbitrary files: the stream header, then frame
 * headers and their data as the reader walks them. Whatever parses must hold together (sizes in
 * range, planes inside the frame), and small frames go through the scaler, so the plane
 * geometry the parser derives is read in full under the sanitizers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "y4m.h"
#include "yuv_convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum yuv_sampling sampling(enum y4m_chroma c)
{
	static const enum yuv_sampling map[] = { YUV_420_CENTER, YUV_420_LEFT, YUV_420_PALDV,
		YUV_411, YUV_422, YUV_444, YUV_444, YUV_MONO };
	return map[c];
}

static void check_stream(const struct y4m_stream *st)
{
	if (st->width < 1 || st->width > Y4M_MAX_SIDE || st->height < 1 ||
		st->height > Y4M_MAX_SIDE || st->frame_bytes > Y4M_MAX_FRAME_BYTES ||
		st->n_planes < 1 || st->n_planes > 4 || (unsigned)st->chroma > Y4M_CMONO)
		abort();
	for (unsigned p = 0; p < st->n_planes; p++) {
		size_t end = st->plane_offset[p] + (size_t)st->plane_width[p] * st->plane_height[p];
		if (end > st->frame_bytes)
			abort();
	}
}

/* A tiny frame through the scaler, at an odd size, interlaced or not. */
static void convert(const struct y4m_stream *st, const uint8_t *frame, bool interlaced)
{
	if ((uint64_t)st->width * st->height > 4096)
		return;
	struct yuv_frame f = { 0 };
	for (unsigned p = 0; p < 3 && p < st->n_planes; p++) {
		f.plane[p] = frame + st->plane_offset[p];
		f.stride[p] = st->plane_width[p];
	}
	struct yuv_scaler_config cfg = { .src_width = st->width,
		.src_height = st->height,
		.sampling = sampling(st->chroma),
		.interlaced = interlaced,
		.dst_width = 37,
		.dst_height = 23 };
	struct yuv_scaler *sc;
	if (yuv_scaler_create(&sc, &cfg) != 0)
		abort();
	static uint32_t dst[37 * 23];
	if (yuv_scaler_convert(sc, &f, dst, 37 * 4, 0, 23) != 0)
		abort();
	yuv_scaler_destroy(sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct y4m_stream st;
	struct y4m_error err;
	int n = y4m_parse_stream_header(data, size, &st, &err);
	if (n < 0) {
		/* Frame headers on their own, against a plain stream. */
		static const uint8_t plain[] = "YUV4MPEG2 W2 H2 Im\n";
		struct y4m_frame_info fi;
		if (y4m_parse_stream_header(plain, sizeof(plain) - 1, &st, &err) <= 0)
			abort();
		(void)y4m_parse_frame_header(&st, data, size, &fi, &err);
		return 0;
	}
	if ((size_t)n > size || (size_t)n > Y4M_MAX_HEADER)
		abort();
	check_stream(&st);
	for (size_t off = (size_t)n; off < size;) {
		struct y4m_frame_info fi;
		int h = y4m_parse_frame_header(&st, data + off, size - off, &fi, &err);
		if (h <= 0)
			break;
		if ((size_t)h > size - off)
			abort();
		off += (size_t)h;
		if (st.frame_bytes > size - off)
			break;
		convert(&st, data + off, fi.interlaced);
		off += st.frame_bytes;
	}
	return 0;
}
