/*
 * Read-ahead for Y4M files (y4m_reader.h).
 *
 * Slots cycle FREE -> FILLING (the thread reads into it, unlocked) -> READY -> TAKEN (the
 * caller holds it) -> FREE. The thread owns the file position; everything the caller also sees
 * (slot states, the frame index, warnings, statistics, the end of the stream) changes under the
 * lock. A seek bumps a generation number: slots filled for an older generation are dropped.
 * The thread signals an eventfd whenever there is something new for the caller.
 */
#include "y4m_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "macros.h"

#define N_WARNINGS 16
#define FIRST_READ 64
#define SCAN_CHUNK 65536

enum slot_state { SLOT_FREE, SLOT_FILLING, SLOT_READY, SLOT_TAKEN };

struct slot {
	enum slot_state state;
	uint64_t gen, seq;
	uint8_t *data;
	struct y4m_frame frame;
};

/* What reading at the current position gave. */
enum outcome {
	OUT_FRAME,
	OUT_SKIP,  // nothing delivered; go on (a skipped frame, a resync)
	OUT_WAIT,  // follow mode: no complete frame yet
	OUT_END,   // the stream ended
	OUT_ERROR, // reading failed for good
};

struct y4m_reader {
	int fd, event_fd;
	struct y4m_stream st;
	struct y4m_reader_options opts;
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;

	/* Under the lock. */
	bool stop;
	struct slot *slots;
	unsigned n_slots;
	uint64_t gen, seq_write, seq_read;
	bool seek_pending;
	uint64_t seek_target;
	bool ended;        // the thread stopped at the end (or an error) of this generation
	int end_code;      // -ENODATA or the error
	uint64_t end_seq;  // frames of this generation before the end
	uint64_t *offsets; // offsets[i]: FRAME header of frame i, for i < n_known
	size_t n_known, cap_known;
	bool complete; // n_known is every frame
	char error[160];
	char warnings[N_WARNINGS][160];
	unsigned w_head, w_count;
	struct y4m_reader_stats stats;

	/* The thread's own. */
	uint64_t pos, next_index, max_end;
	bool irregular; // some frame header was not a plain "FRAME\n"
	uint8_t *scan;  // SCAN_CHUNK bytes for resyncs
};

static void PRINTF(2, 3) warn_locked(struct y4m_reader *r, const char *fmt, ...);

static void warn_locked(struct y4m_reader *r, const char *fmt, ...)
{
	unsigned at = (r->w_head + r->w_count) % N_WARNINGS;
	if (r->w_count == N_WARNINGS)
		r->w_head = (r->w_head + 1) % N_WARNINGS; // the oldest goes
	else
		r->w_count++;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->warnings[at], sizeof(r->warnings[at]), fmt, ap);
	va_end(ap);
}

static void notify(struct y4m_reader *r)
{
	uint64_t one = 1;
	ssize_t n = write(r->event_fd, &one, sizeof(one));
	(void)n; // a full counter is still readable
}

/* Reads up to len bytes at off; fewer only at the end of the file. */
static ssize_t pread_full(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void remember_offset(struct y4m_reader *r, uint64_t index, uint64_t off)
{
	if (index != r->n_known)
		return; // only a gap-free index is kept
	if (r->n_known == r->cap_known) {
		size_t cap = r->cap_known ? r->cap_known * 2 : 1024;
		uint64_t *o = realloc(r->offsets, cap * sizeof(*o));
		if (!o)
			return; // seeking just walks more
		r->offsets = o;
		r->cap_known = cap;
	}
	r->offsets[r->n_known++] = off;
}

/* The end of the data at r->pos: a clean end, growth to wait for, or a shrunken file. */
static enum outcome at_file_end(struct y4m_reader *r, size_t got, const char *what)
{
	pthread_mutex_lock(&r->lock);
	enum outcome o = OUT_END;
	if (r->pos + got < r->max_end) {
		r->stats.shrinks++;
		warn_locked(r,
			"the file shrank while playing: it now ends at byte %" PRIu64 " (%" PRIu64
			" bytes were read before)",
			r->pos + got, r->max_end);
		r->max_end = r->pos + got;
	} else if (r->opts.follow) {
		o = OUT_WAIT;
	} else if (got > 0) {
		r->stats.truncated++;
		warn_locked(r,
			"%s at byte %" PRIu64 " is truncated (the file ends %zu bytes into it)",
			what, r->pos, got);
	}
	if (o == OUT_END)
		r->complete = r->n_known == r->next_index;
	pthread_mutex_unlock(&r->lock);
	return o;
}

/* Looks for the next "FRAME" marker after a missing one, within two frames' bytes. */
static enum outcome resync(struct y4m_reader *r)
{
	uint64_t limit = 2 * (uint64_t)r->st.frame_bytes + Y4M_MAX_HEADER;
	uint64_t start = r->pos;
	for (uint64_t off = r->pos + 1; off < start + limit; off += SCAN_CHUNK - 6) {
		ssize_t n = pread_full(r->fd, r->scan, SCAN_CHUNK, off);
		if (n < 0)
			return OUT_ERROR;
		for (ssize_t i = 0; i + 6 <= n; i++) {
			const uint8_t *p = r->scan + i;
			if (p[0] == 'F' && memcmp(p, Y4M_FRAME_MAGIC, 5) == 0 &&
				(p[5] == ' ' || p[5] == '\n')) {
				r->pos = off + (uint64_t)i;
				r->irregular = true;
				pthread_mutex_lock(&r->lock);
				r->stats.resyncs++;
				warn_locked(r,
					"no FRAME marker at byte %" PRIu64 ": skipped %" PRIu64
					" bytes to the next one",
					start, r->pos - start);
				pthread_mutex_unlock(&r->lock);
				return OUT_SKIP;
			}
		}
		if ((size_t)n < SCAN_CHUNK)
			break;
	}
	pthread_mutex_lock(&r->lock);
	snprintf(r->error, sizeof(r->error),
		"no FRAME marker at byte %" PRIu64 ", nor in the %" PRIu64 " bytes after it", start,
		limit);
	pthread_mutex_unlock(&r->lock);
	return OUT_ERROR;
}

static bool marker_ok(const uint8_t *h, size_t n)
{
	return n >= 6 && memcmp(h, Y4M_FRAME_MAGIC, 5) == 0 && (h[5] == ' ' || h[5] == '\n');
}

/* Parses the frame header at r->pos into *fi and *hlen. */
static enum outcome read_header(struct y4m_reader *r, struct y4m_frame_info *fi, size_t *hlen)
{
	uint8_t h[Y4M_MAX_HEADER];
	struct y4m_error err;
	ssize_t n = pread_full(r->fd, h, FIRST_READ, r->pos);
	int ret = n < 0 ? (int)n : y4m_parse_frame_header(&r->st, h, (size_t)n, fi, &err);
	if (ret == -EAGAIN && n == FIRST_READ) {
		n = pread_full(r->fd, h, sizeof(h), r->pos);
		ret = n < 0 ? (int)n : y4m_parse_frame_header(&r->st, h, (size_t)n, fi, &err);
	}
	if (n < 0) {
		pthread_mutex_lock(&r->lock);
		snprintf(r->error, sizeof(r->error), "reading at byte %" PRIu64 ": %s", r->pos,
			strerror((int)-n));
		pthread_mutex_unlock(&r->lock);
		return OUT_ERROR;
	}
	if (ret == -EAGAIN)
		return at_file_end(r, (size_t)n, "the frame header");
	if (ret >= 0) {
		*hlen = (size_t)ret;
		r->irregular = r->irregular || ret != 6;
		return OUT_FRAME;
	}
	if (!marker_ok(h, (size_t)n))
		return resync(r);
	/* A marker, but tags we cannot read: skip the frame if its header line ends. */
	const uint8_t *nl = memchr(h, '\n', (size_t)n);
	pthread_mutex_lock(&r->lock);
	warn_locked(r, "frame at byte %" PRIu64 " skipped: %s", r->pos, err.text);
	r->stats.skipped++;
	pthread_mutex_unlock(&r->lock);
	if (!nl)
		return resync(r);
	r->pos += (uint64_t)(nl - h) + 1 + r->st.frame_bytes;
	r->irregular = true;
	return OUT_SKIP;
}

static enum outcome read_one(struct y4m_reader *r, struct slot *s)
{
	size_t hlen;
	struct y4m_frame_info fi;
	enum outcome o = read_header(r, &fi, &hlen);
	if (o != OUT_FRAME)
		return o;
	ssize_t n = pread_full(r->fd, s->data, r->st.frame_bytes, r->pos + hlen);
	if (n < 0) {
		pthread_mutex_lock(&r->lock);
		snprintf(r->error, sizeof(r->error), "reading at byte %" PRIu64 ": %s",
			r->pos + hlen, strerror((int)-n));
		pthread_mutex_unlock(&r->lock);
		return OUT_ERROR;
	}
	if ((size_t)n < r->st.frame_bytes)
		return at_file_end(r, hlen + (size_t)n, "the last frame");
	s->frame = (struct y4m_frame){ .index = r->next_index, .offset = r->pos, .info = fi };
	for (unsigned p = 0; p < r->st.n_planes; p++)
		s->frame.plane[p] = s->data + r->st.plane_offset[p];
	pthread_mutex_lock(&r->lock);
	remember_offset(r, r->next_index, r->pos);
	r->stats.bytes += hlen + r->st.frame_bytes;
	pthread_mutex_unlock(&r->lock);
	r->next_index++;
	r->pos += hlen + r->st.frame_bytes;
	r->max_end = r->pos > r->max_end ? r->pos : r->max_end;
	return OUT_FRAME;
}

/* Is there a frame header at off? */
static bool header_at(struct y4m_reader *r, uint64_t off, size_t *hlen)
{
	uint8_t h[Y4M_MAX_HEADER];
	struct y4m_frame_info fi;
	ssize_t n = pread_full(r->fd, h, sizeof(h), off);
	int ret = n < 0 ? -EIO : y4m_parse_frame_header(&r->st, h, (size_t)n, &fi, NULL);
	if (ret < 0)
		return false;
	*hlen = (size_t)ret;
	/* The whole frame must be there too. */
	uint8_t last;
	return pread_full(r->fd, &last, 1, off + (uint64_t)ret + r->st.frame_bytes - 1) == 1;
}

/* Positions the thread at frame `target` (the last frame if the file has fewer). */
static void do_seek(struct y4m_reader *r, uint64_t target)
{
	pthread_mutex_lock(&r->lock);
	size_t known = r->n_known;
	uint64_t base_off = known ? r->offsets[known - 1] : 0;
	if (target < known)
		r->pos = r->offsets[target], r->next_index = target;
	pthread_mutex_unlock(&r->lock);
	if (target < known || known == 0)
		return;
	size_t hlen;
	uint64_t guess = base_off + (target - (known - 1)) * (6 + (uint64_t)r->st.frame_bytes);
	if (!r->irregular && header_at(r, guess, &hlen)) {
		r->pos = guess, r->next_index = target;
		return;
	}
	/* Walk the headers from the last known frame, remembering them. */
	uint64_t index = known - 1, off = base_off;
	while (index < target && header_at(r, off, &hlen)) {
		uint64_t next = off + hlen + r->st.frame_bytes;
		if (!header_at(r, next, &hlen))
			break;
		index++, off = next;
		pthread_mutex_lock(&r->lock);
		remember_offset(r, index, off);
		pthread_mutex_unlock(&r->lock);
	}
	r->pos = off, r->next_index = index;
}

static struct slot *free_slot(struct y4m_reader *r)
{
	for (unsigned i = 0; i < r->n_slots; i++) {
		if (r->slots[i].state == SLOT_FREE)
			return &r->slots[i];
	}
	return NULL;
}

static void timed_wait(struct y4m_reader *r, unsigned ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	pthread_cond_timedwait(&r->cond, &r->lock, &ts);
}

/* Under the lock: files the outcome of reading into s for generation gen. */
static void finish_read(struct y4m_reader *r, struct slot *s, uint64_t gen, enum outcome o)
{
	s->state = SLOT_FREE;
	if (gen != r->gen)
		return; // a seek came in meanwhile: the thread repositions
	switch (o) {
	case OUT_FRAME:
		s->state = SLOT_READY;
		s->gen = gen;
		s->seq = r->seq_write++;
		break;
	case OUT_SKIP:
		return;
	case OUT_WAIT:
		timed_wait(r, r->opts.follow_poll_ms);
		return;
	case OUT_END:
	case OUT_ERROR:
		r->ended = true;
		r->end_code = o == OUT_END ? -ENODATA : -EIO;
		r->end_seq = r->seq_write;
		break;
	}
	pthread_cond_broadcast(&r->cond); // next_wait()
	notify(r);
}

static void *thread_main(void *data)
{
	struct y4m_reader *r = data;
	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct slot *s = NULL;
		while (!r->stop && !r->seek_pending && (r->ended || !(s = free_slot(r))))
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->stop)
			break;
		if (r->seek_pending) {
			uint64_t target = r->seek_target;
			r->seek_pending = false;
			pthread_mutex_unlock(&r->lock);
			do_seek(r, target);
			pthread_mutex_lock(&r->lock);
			continue;
		}
		s->state = SLOT_FILLING;
		uint64_t gen = r->gen;
		pthread_mutex_unlock(&r->lock);
		enum outcome o = read_one(r, s);
		pthread_mutex_lock(&r->lock);
		finish_read(r, s, gen, o);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static int read_stream_header(struct y4m_reader *r, struct y4m_error *err)
{
	uint8_t h[Y4M_MAX_HEADER];
	ssize_t n = pread_full(r->fd, h, sizeof(h), 0);
	if (n < 0) {
		snprintf(err->text, sizeof(err->text), "reading the stream header: %s",
			strerror((int)-n));
		return (int)n;
	}
	if (n == 0) {
		snprintf(err->text, sizeof(err->text), "the file is empty");
		return -EPROTO;
	}
	int ret = y4m_parse_stream_header(h, (size_t)n, &r->st, err);
	if (ret == -EAGAIN) {
		snprintf(err->text, sizeof(err->text), "the file ends inside the stream header");
		return -EPROTO;
	}
	if (ret < 0)
		return ret;
	r->pos = (uint64_t)ret;
	r->max_end = r->pos;
	remember_offset(r, 0, r->pos);
	return 0;
}

static int alloc_slots(struct y4m_reader *r)
{
	/* Four: the frame shown, the one before it, two read ahead; three for huge frames. */
	unsigned n = r->opts.n_buffers;
	if (n == 0)
		n = r->st.frame_bytes > (64u << 20) ? 3 : 4;
	n = n < 2 ? 2 : n > 8 ? 8 : n;
	r->slots = calloc(n, sizeof(*r->slots));
	if (!r->slots)
		return -ENOMEM;
	r->n_slots = n;
	/* 64 spare bytes: SIMD loads may run past a plane's last row. */
	size_t size = ALIGN_UP(r->st.frame_bytes + 64, 64);
	for (unsigned i = 0; i < n; i++) {
		r->slots[i].data = aligned_alloc(64, size);
		if (!r->slots[i].data)
			return -ENOMEM;
		memset(r->slots[i].data + r->st.frame_bytes, 0, size - r->st.frame_bytes);
	}
	r->scan = malloc(SCAN_CHUNK);
	return r->scan ? 0 : -ENOMEM;
}

int y4m_reader_open(struct y4m_reader **out, const char *path,
	const struct y4m_reader_options *opts, struct y4m_error *err)
{
	struct y4m_error local;
	err = err ? err : &local;
	struct y4m_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->opts = opts ? *opts : (struct y4m_reader_options){ 0 };
	r->opts.follow_poll_ms = r->opts.follow_poll_ms ? r->opts.follow_poll_ms : 50;
	r->event_fd = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	int ret = 0;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		ret = -errno;
		snprintf(err->text, sizeof(err->text), "%s: %s", path, strerror(errno));
		goto err;
	}
	ret = read_stream_header(r, err);
	if (ret == 0 && (ret = alloc_slots(r)) < 0)
		snprintf(err->text, sizeof(err->text), "out of memory for frame buffers");
	if (ret < 0)
		goto err;
	r->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ret = r->event_fd < 0 ? -errno : -pthread_create(&r->thread, NULL, thread_main, r);
	if (ret < 0) {
		snprintf(err->text, sizeof(err->text), "cannot start the reader: %s",
			strerror(-ret));
		goto err;
	}
	r->thread_started = true;
	*out = r;
	return 0;
err:
	y4m_reader_destroy(r);
	return ret;
}

void y4m_reader_destroy(struct y4m_reader *r)
{
	if (!r)
		return;
	if (r->thread_started) {
		pthread_mutex_lock(&r->lock);
		r->stop = true;
		pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
	}
	for (unsigned i = 0; i < r->n_slots; i++)
		free(r->slots[i].data);
	free(r->slots);
	free(r->scan);
	free(r->offsets);
	if (r->fd >= 0)
		close(r->fd);
	if (r->event_fd >= 0)
		close(r->event_fd);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

const struct y4m_stream *y4m_reader_get_stream(const struct y4m_reader *r)
{
	return &r->st;
}

int y4m_reader_get_fd(const struct y4m_reader *r)
{
	return r->event_fd;
}

/* Under the lock. */
static int take(struct y4m_reader *r, struct y4m_frame **out)
{
	for (unsigned i = 0; i < r->n_slots; i++) {
		struct slot *s = &r->slots[i];
		if (s->state == SLOT_READY && s->seq == r->seq_read) {
			s->state = SLOT_TAKEN;
			r->seq_read++;
			r->stats.frames++;
			pthread_cond_broadcast(&r->cond);
			*out = &s->frame;
			return 0;
		}
	}
	if (r->ended && r->seq_read == r->end_seq)
		return r->end_code;
	return -EAGAIN;
}

int y4m_reader_next(struct y4m_reader *r, struct y4m_frame **out)
{
	uint64_t drain;
	ssize_t n = read(r->event_fd, &drain, sizeof(drain));
	(void)n; // EAGAIN when nothing was signalled: take() decides
	pthread_mutex_lock(&r->lock);
	int ret = take(r, out);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int y4m_reader_next_wait(struct y4m_reader *r, struct y4m_frame **out)
{
	int64_t t0 = loop_now_ns();
	pthread_mutex_lock(&r->lock);
	int ret;
	while ((ret = take(r, out)) == -EAGAIN)
		timed_wait(r, 100); // the thread broadcasts too, but its notify is the eventfd
	r->stats.wait_ns += (uint64_t)(loop_now_ns() - t0);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

void y4m_reader_release(struct y4m_reader *r, struct y4m_frame *frame)
{
	if (!frame)
		return;
	struct slot *s = container_of(frame, struct slot, frame);
	pthread_mutex_lock(&r->lock);
	s->state = SLOT_FREE;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

int y4m_reader_seek(struct y4m_reader *r, uint64_t index)
{
	pthread_mutex_lock(&r->lock);
	r->gen++;
	for (unsigned i = 0; i < r->n_slots; i++) {
		if (r->slots[i].state == SLOT_READY)
			r->slots[i].state = SLOT_FREE;
	}
	r->seq_read = r->seq_write;
	r->ended = false;
	r->seek_pending = true;
	r->seek_target = index;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

const char *y4m_reader_error(const struct y4m_reader *r)
{
	return r->error;
}

bool y4m_reader_take_warning(struct y4m_reader *r, char *buf, size_t len)
{
	pthread_mutex_lock(&r->lock);
	bool any = r->w_count > 0;
	if (any) {
		snprintf(buf, len, "%s", r->warnings[r->w_head]);
		r->w_head = (r->w_head + 1) % N_WARNINGS;
		r->w_count--;
	}
	pthread_mutex_unlock(&r->lock);
	return any;
}

uint64_t y4m_reader_known_frames(const struct y4m_reader *r, bool *complete)
{
	struct y4m_reader *m = (struct y4m_reader *)r; // the lock is not part of the value
	pthread_mutex_lock(&m->lock);
	uint64_t n = r->n_known;
	if (complete)
		*complete = r->complete;
	pthread_mutex_unlock(&m->lock);
	return n;
}

void y4m_reader_get_stats(const struct y4m_reader *r, struct y4m_reader_stats *out)
{
	struct y4m_reader *m = (struct y4m_reader *)r;
	pthread_mutex_lock(&m->lock);
	*out = r->stats;
	pthread_mutex_unlock(&m->lock);
}
