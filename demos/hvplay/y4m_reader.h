/*
 * y4m_reader: reads a Y4M file ahead on a thread of its own, so file I/O overlaps conversion.
 *
 * The reader owns a few frame buffers. Its thread fills free ones in file order; the caller takes
 * filled ones with y4m_reader_next() and gives them back with y4m_reader_release() (the player
 * keeps two: the frame on screen and the one before, to find what changed).
 *
 * Bad files never stop the program with a crash, and only stop playback when nothing sensible
 * is left: a frame header with bad tags skips that frame; a missing FRAME marker skips ahead to
 * the next marker (within two frames' bytes); a truncated last frame ends the stream; a file
 * that shrinks under the reader ends the stream where the data ends; a file that grew is read
 * on (with `follow`, the reader also waits at the end for more). Each of these is reported as a
 * warning the caller drains with y4m_reader_take_warning(). Data is read with pread() into the
 * reader's own memory, never mapped, so a shrinking file cannot fault the process.
 *
 * Seeking: frame offsets are remembered as frames are read; a seek to an unread frame assumes
 * plain "FRAME\n" headers (FFmpeg's assumption), checks the marker there, and otherwise walks
 * the headers from the last known frame. A seek past the end lands on the last frame.
 *
 * Error convention: 0 or a negative errno. Constructors take `**out` and set it only on
 * success; destroy(NULL) is a no-op. The functions are for one thread (the reader's own runs
 * inside).
 */
#ifndef HVD_HVPLAY_Y4M_READER_H
#define HVD_HVPLAY_Y4M_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "y4m.h"

struct y4m_reader;

struct y4m_reader_options {
	unsigned n_buffers; // 2..8; 0: 4 (3 for frames over 64 MiB)
	bool follow;        // at the end of the file, wait for it to grow (a file being written)
	unsigned follow_poll_ms; // how often to look for growth; 0: 50
};

struct y4m_frame {
	uint64_t index;  // frame number in the file, from 0
	uint64_t offset; // file offset of its FRAME header
	struct y4m_frame_info info;
	const uint8_t *plane[4]; // into the reader's buffer; sizes from the stream
};

struct y4m_reader_stats {
	uint64_t frames;    // frames delivered
	uint64_t bytes;     // bytes read from the file
	uint64_t skipped;   // frames skipped for bad headers
	uint64_t resyncs;   // missing FRAME markers skipped over
	uint64_t truncated; // incomplete frames at the end
	uint64_t shrinks;   // times the file was found shorter than before
	uint64_t wait_ns;   // time next_wait() blocked for data (the reader fell behind)
};

/* Opens path and parses its stream header (the error text says what was wrong), then starts
 * the thread. -ENOENT and the like from open(), the parser's errors, -ENOMEM. opts may be NULL;
 * err may be NULL. */
int y4m_reader_open(struct y4m_reader **out, const char *path,
	const struct y4m_reader_options *opts, struct y4m_error *err);
/* Stops the thread and frees every buffer (frames still held become invalid). */
void y4m_reader_destroy(struct y4m_reader *r);

const struct y4m_stream *y4m_reader_get_stream(const struct y4m_reader *r);
/* Readable (POLLIN) when y4m_reader_next() may have something new. */
int y4m_reader_get_fd(const struct y4m_reader *r);

/* Takes the next frame: 0 and *out; -EAGAIN none read yet; -ENODATA the stream ended (a seek
 * starts it again); another negative errno: reading failed for good (y4m_reader_error() says
 * why). */
int y4m_reader_next(struct y4m_reader *r, struct y4m_frame **out);
/* The same, waiting while the answer would be -EAGAIN. */
int y4m_reader_next_wait(struct y4m_reader *r, struct y4m_frame **out);
/* Gives a frame taken by next() back. */
void y4m_reader_release(struct y4m_reader *r, struct y4m_frame *frame);

/* Frames read ahead are dropped; next() then returns frame `index` (or the last one). Frames
 * the caller holds stay valid. */
int y4m_reader_seek(struct y4m_reader *r, uint64_t index);

/* The reason the stream failed, or "" */
const char *y4m_reader_error(const struct y4m_reader *r);
/* Copies the oldest warning not yet taken into buf: true, or false when there is none. */
bool y4m_reader_take_warning(struct y4m_reader *r, char *buf, size_t len);
/* Frames known to exist so far (read or walked over); the total once the end was seen. */
uint64_t y4m_reader_known_frames(const struct y4m_reader *r, bool *complete);
void y4m_reader_get_stats(const struct y4m_reader *r, struct y4m_reader_stats *out);

#endif
