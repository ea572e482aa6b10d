/*
 * player: hvplay's playback logic, between the reader (frames in) and a sink (buffers out).
 *
 * Timing: each frame is due one frame duration after the previous (twice or three times for
 * the Y4M repeat flags); a frame whose successor is already due when it comes up is dropped and
 * counted, except that one is shown at least every PLAYER_MAX_GAP_MS so an overloaded machine
 * still moves. Pause, step, seek and loop come in as commands. In bench mode frames are shown
 * as fast as buffers free up and nothing is dropped.
 *
 * Damage: each shown frame is compared with the one before (yuv_damage.h); only the rows that
 * changed are declared to the sink, and a buffer is brought up to date by converting the rows
 * that changed since the frame it last held (buffer age), so nothing unchanged is converted or
 * copied. A frame identical to the one shown commits nothing.
 *
 * The sink is a small vtable (a shim surface in-process, a shim client surface, or a test's
 * fake). The clock is injected. Not thread-safe; error convention: 0 or a negative errno.
 */
#ifndef HVD_HVPLAY_PLAYER_H
#define HVD_HVPLAY_PLAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "rect.h"
#include "y4m_reader.h"
#include "yuv_convert.h"

#define PLAYER_MAX_GAP_MS 250

/* A buffer the sink lends the player: the picture's pixels (video rect sized, x8r8g8b8). */
struct play_buffer {
	uint32_t *pixels;
	size_t stride;  // bytes
	uint64_t holds; // the player's: which shown frame it holds (0: nothing yet)
};

struct play_sink {
	/* Sets the sink up for a new layout (a new video rectangle): bars drawn once, buffers of
	 * the video's size. Buffers handed out before are forgotten. */
	int (*configure)(void *data, const struct layout *l);
	/* A buffer that is not on screen: 0, or -EAGAIN when all are busy (call dispatch again
	 * when the sink releases one). */
	int (*acquire)(void *data, struct play_buffer **out);
	/* Shows b; damage: rectangles of the video (buffer coordinates) that differ from what
	 * was shown before. */
	int (*present)(void *data, struct play_buffer *b, const struct rect *damage, size_t n);
};

/* For a sink's acquire: of the n candidates (NULL: busy or not allocated), the one holding the
 * newest frame, as it needs the fewest rows converted. 0, or -EAGAIN when every one is NULL. */
int play_buffer_pick(struct play_buffer *const candidates[], size_t n, struct play_buffer **out);

struct play_clock {
	int64_t (*now_ns)(void *data);
	void *data;
};

enum play_command {
	PLAY_TOGGLE_PAUSE,
	PLAY_STEP, // show the next frame, then pause
	PLAY_SEEK, // by `seconds` (negative: back)
	PLAY_TOGGLE_LOOP,
	PLAY_QUIT,
};

struct player_options {
	enum layout_mode mode;
	enum yuv_filter filter;
	int matrix; // enum yuv_matrix, or -1: BT.709 for HD (>= 1280x720), else BT.601
	int range;  // enum yuv_range, or -1: the header's XCOLORRANGE, else limited
	uint32_t fps_num, fps_den; // override; 0: the header's, else 25:1
	bool loop;
	bool bench;
	uint64_t max_frames; // stop after showing this many; 0: no limit
	struct play_clock clock;
};

struct player_stats {
	uint64_t shown;     // frames presented (or identical to the last and skipped)
	uint64_t dropped;   // frames skipped for being late
	uint64_t unchanged; // frames identical to the one before: nothing committed
	uint64_t rows_converted;
	uint64_t damage_pixels; // pixels declared damaged to the sink
	uint64_t commits;
	uint64_t waits_for_buffer; // times a due frame waited for the sink
};

struct player;

/* reader and sink must outlive the player; sink is configured for out_w x out_h at once.
 * -EINVAL bad options, the scaler's and the sink's errors. */
int player_create(struct player **out, struct y4m_reader *reader, const struct player_options *opts,
	const struct play_sink *sink, void *sink_data, uint32_t out_w, uint32_t out_h);
void player_destroy(struct player *p);

/* Takes due frames from the reader, drops late ones, presents. Returns 1 once playback is over
 * (quit, or the end without loop), 0 otherwise, or a negative errno when the stream failed
 * (y4m_reader_error() says why). Call it when the reader's or the sink's fd is readable and
 * when the timeout ran out. */
int player_dispatch(struct player *p);
/* Milliseconds until a frame is due (0: now), -1 when waiting for something else. */
int player_get_timeout_ms(const struct player *p);

/* True when dispatch stopped because the reader had no frame yet (poll its fd). */
bool player_waiting_for_reader(const struct player *p);

void player_command(struct player *p, enum play_command cmd, int seconds);
/* The output changed size: a new layout, everything redrawn. */
int player_resize(struct player *p, uint32_t out_w, uint32_t out_h);

void player_get_stats(const struct player *p, struct player_stats *out);
const struct layout *player_get_layout(const struct player *p);
bool player_is_paused(const struct player *p);
bool player_is_looping(const struct player *p);
/* The index of the frame on screen (-1 before the first) and the stream's frame duration. */
int64_t player_current_frame(const struct player *p);
double player_fps(const struct player *p);
/* What the picture is converted with, for the status line. */
void player_describe(const struct player *p, char *buf, size_t len);

#endif
