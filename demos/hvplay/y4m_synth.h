/*
 * y4m_synth: synthetic test clips, moving colour bars, for the tests, the bench and y4mgen.
 *
 * A frame is eight 75% colour bars (white, yellow, cyan, green, magenta, red, blue, black) that
 * scroll left by `speed` pixels a frame, over a grey ramp in the bottom eighth, with a white
 * square that moves with the frame number. Rows above static_rows do not scroll and hold no
 * square, so a clip can have a known still part (damage tests and the bench). Colours are
 * encoded with the clip's matrix and range, and chroma is subsampled by averaging, so a decoder
 * that gets the matrix, range or siting wrong shows it.
 */
#ifndef HVD_HVPLAY_Y4M_SYNTH_H
#define HVD_HVPLAY_Y4M_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "yuv_convert.h"

struct y4m_synth {
	uint32_t width, height;
	enum yuv_sampling sampling;
	enum yuv_matrix matrix;
	enum yuv_range range;
	uint32_t static_rows;      // rows [0, static_rows) are the same in every frame
	uint32_t speed;            // pixels the bars scroll per frame; 0: 4
	uint32_t fps_num, fps_den; // for the header; 0: 30:1
	char interlace;            // 'p' (0 too), 't', 'b'
	const char *extra_tags;    // appended to the stream header as is (" XFOO=1"); may be NULL
};

/* Bytes of one frame's planes (no FRAME header). */
size_t y4m_synth_frame_size(const struct y4m_synth *s);

/* Writes frame `index`'s planes Y, Cb, Cr (Cb and Cr untouched for mono) into planes with the
 * given strides. */
void y4m_synth_frame(const struct y4m_synth *s, uint64_t index, uint8_t *const planes[3],
	const size_t strides[3]);

/* The frame packed as Y4M stores it, into buf of y4m_synth_frame_size() bytes. */
void y4m_synth_frame_packed(const struct y4m_synth *s, uint64_t index, uint8_t *buf);

/* The stream header line, '\n' included, NUL-terminated: its length, or -ENOSPC when len is too
 * small. */
int y4m_synth_header(const struct y4m_synth *s, char *buf, size_t len);

/* The bar colours as encoded (for tests): bar i of 8, Y Cb Cr. */
void y4m_synth_bar_ycbcr(const struct y4m_synth *s, unsigned bar, uint8_t ycbcr[3]);

#endif
