/*
 * y4m: a pure parser for YUV4MPEG2 stream and frame headers (yuv4mpeg(5), mjpegtools; FFmpeg's
 * libavformat/yuv4mpegdec.c for the X tags and the high-bit-depth chroma names).
 *
 *   stream: "YUV4MPEG2" { ' ' TAG VALUE } '\n'
 *   frame:  "FRAME" { ' ' TAG VALUE } '\n' then the planes Y, Cb, Cr (and A for 444alpha)
 *
 * Stream tags: W width, H height (both required), F frame rate n:d, I interlacing (p t b m ?),
 * A pixel aspect n:d, C chroma (420jpeg, the default, 420mpeg2, 420paldv, 411, 422, 444,
 * 444alpha, mono), X vendor extensions: XCOLORRANGE=FULL|LIMITED and XYSCSS=<chroma> (the
 * pre-C-tag chroma, used only when there is no C tag) are understood, other X tags are skipped.
 * Unknown tag letters are skipped too (mjpegtools with unknown tags allowed; FFmpeg) and
 * counted. Frame tags: I<presentation><temporal><spatial> (mixed-interlace streams), X skipped.
 *
 * Refused with a message naming the field: missing W or H, sizes of 0 or over Y4M_MAX_SIDE,
 * frames over Y4M_MAX_FRAME_BYTES, numbers that are not plain decimals, ratios with a zero
 * denominator or outside 1/1000..1000, interlacing letters not in the list, chroma names not in
 * the list (-EOPNOTSUPP for the 9..16-bit ones FFmpeg writes, such as C420p10), headers longer
 * than Y4M_MAX_HEADER, control bytes (a CR from a converted file, say) in a field, fields not
 * separated by single spaces. Empty fields are skipped, as mjpegtools does; a frame I tag
 * outside an 'Im' stream is skipped and counted.
 *
 * Plane sizes follow FFmpeg: 4:2:0 chroma is ceil(W/2) x ceil(H/2), 4:2:2 ceil(W/2) x H,
 * 4:1:1 ceil(W/4) x H.
 *
 * Error convention: functions return the header's length in bytes ('\n' included) or a negative
 * errno: -EAGAIN no '\n' yet in the bytes given (more may come; after Y4M_MAX_HEADER bytes it is
 * -EMSGSIZE instead), -EPROTO malformed, -EOPNOTSUPP well formed but not playable here,
 * -ERANGE a number out of its range. On failure err (if not NULL) holds a sentence for people.
 * Pure: no I/O, no allocation.
 */
#ifndef HVD_HVPLAY_Y4M_H
#define HVD_HVPLAY_Y4M_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define Y4M_MAX_HEADER 1024 // longest stream or frame header we read, '\n' included
#define Y4M_MAX_SIDE 16384
#define Y4M_MAX_FRAME_BYTES (256u << 20)
#define Y4M_FRAME_MAGIC "FRAME"

enum y4m_chroma {
	Y4M_C420JPEG = 0,
	Y4M_C420MPEG2,
	Y4M_C420PALDV,
	Y4M_C411,
	Y4M_C422,
	Y4M_C444,
	Y4M_C444ALPHA,
	Y4M_CMONO,
};

enum y4m_interlace {
	Y4M_ILACE_UNKNOWN = 0,  // '?' or absent: shown as progressive
	Y4M_ILACE_PROGRESSIVE,  // 'p'
	Y4M_ILACE_TOP_FIRST,    // 't'
	Y4M_ILACE_BOTTOM_FIRST, // 'b'
	Y4M_ILACE_MIXED,        // 'm': each frame header says
};

enum y4m_range {
	Y4M_RANGE_UNSPECIFIED = 0,
	Y4M_RANGE_LIMITED,
	Y4M_RANGE_FULL,
};

struct y4m_ratio {
	uint32_t num, den; // 0:0 unknown
};

struct y4m_stream {
	uint32_t width, height;
	struct y4m_ratio fps;    // 0:0 when the header says nothing (FFmpeg then assumes 25:1)
	struct y4m_ratio aspect; // pixel aspect; 0:0 unknown (square)
	enum y4m_interlace interlace;
	enum y4m_chroma chroma;
	enum y4m_range range;
	bool chroma_from_xyscss; // chroma came from an XYSCSS tag
	unsigned unknown_tags;   // tags skipped (unknown letters and X tags not understood)
	char first_unknown[16];  // the first of them, truncated, for a warning

	/* Derived: plane geometry and the size of one frame's data (no header). */
	unsigned n_planes; // 1 (mono), 3, or 4 (444alpha)
	uint32_t plane_width[4], plane_height[4];
	size_t plane_offset[4];
	size_t frame_bytes;
};

enum y4m_presentation {
	Y4M_PRESENT_UNKNOWN = 0,
	Y4M_PRESENT_TOP_FIRST,        // 't'
	Y4M_PRESENT_TOP_FIRST_RPT,    // 'T'
	Y4M_PRESENT_BOTTOM_FIRST,     // 'b'
	Y4M_PRESENT_BOTTOM_FIRST_RPT, // 'B'
	Y4M_PRESENT_PROG_SINGLE,      // '1'
	Y4M_PRESENT_PROG_DOUBLE,      // '2'
	Y4M_PRESENT_PROG_TRIPLE,      // '3'
};

struct y4m_frame_info {
	enum y4m_presentation presentation;
	bool temporal_interlaced; // the two fields were sampled at different times
	bool spatial_interlaced;  // the chroma is sampled per field (4:2:0)
	bool interlaced;          // what a scaler should do: treat the frame as two fields
	unsigned unknown_tags;
};

struct y4m_error {
	char text[160];
};

/* Parses the stream header at the start of buf. */
int y4m_parse_stream_header(
	const uint8_t *buf, size_t len, struct y4m_stream *out, struct y4m_error *err);

/* Parses a frame header at the start of buf for stream st. -EPROTO when buf does not start
 * with "FRAME" followed by ' ' or '\n' (a missing marker). */
int y4m_parse_frame_header(const struct y4m_stream *st, const uint8_t *buf, size_t len,
	struct y4m_frame_info *out, struct y4m_error *err);

const char *y4m_chroma_to_str(enum y4m_chroma c);
const char *y4m_interlace_to_str(enum y4m_interlace i);
const char *y4m_range_to_str(enum y4m_range r);

#endif
