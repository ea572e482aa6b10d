/*
 * Playback (player.h): frame timing and dropping, commands, and damage-aware presentation.
 */
#include "player.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yuv_damage.h"

#define HISTORY 4 // transitions remembered for buffer age

struct player {
	struct y4m_reader *reader;
	const struct y4m_stream *st;
	struct player_options opts;
	const struct play_sink *sink;
	void *sink_data;
	uint32_t out_w, out_h;
	struct layout layout;
	uint32_t vw, vh; // video rect size
	enum yuv_matrix matrix;
	enum yuv_range range;
	uint32_t fps_num, fps_den;

	struct yuv_scaler *sc[2]; // [0] progressive frames, [1] interlaced (field by field)
	struct yuv_damage *dmg[2];

	struct y4m_frame *shown; // on screen (held for the next comparison)
	int shown_kind;
	struct y4m_frame *next; // taken from the reader, not shown yet
	uint64_t seq;           // frames presented so far; a buffer's `holds`
	uint8_t *hist[HISTORY]; // rows that changed when showing hist_seq[i]
	uint64_t hist_seq[HISTORY];
	uint8_t *dirty, *convert; // per video row, scratch
	struct rect *rects;

	bool paused, step, quit, ended, waiting_buffer;
	bool reader_empty; // the last fetch found nothing: wait for the reader's fd
	int64_t due_ns, last_present_ns;
	struct player_stats stats;
};

static int64_t now(const struct player *p)
{
	return p->opts.clock.now_ns(p->opts.clock.data);
}

static enum yuv_sampling sampling_of(enum y4m_chroma c)
{
	switch (c) {
	case Y4M_C420JPEG:
		return YUV_420_CENTER;
	case Y4M_C420MPEG2:
		return YUV_420_LEFT;
	case Y4M_C420PALDV:
		return YUV_420_PALDV;
	case Y4M_C411:
		return YUV_411;
	case Y4M_C422:
		return YUV_422;
	case Y4M_C444:
	case Y4M_C444ALPHA: // alpha is not shown
		return YUV_444;
	case Y4M_CMONO:
		break;
	}
	return YUV_MONO;
}

static void drop_pipeline(struct player *p)
{
	for (int k = 0; k < 2; k++) {
		yuv_damage_destroy(p->dmg[k]);
		yuv_scaler_destroy(p->sc[k]);
		p->dmg[k] = NULL;
		p->sc[k] = NULL;
	}
	for (int i = 0; i < HISTORY; i++) {
		free(p->hist[i]);
		p->hist[i] = NULL;
	}
	free(p->dirty);
	free(p->convert);
	free(p->rects);
	p->dirty = p->convert = NULL;
	p->rects = NULL;
}

static int scaler_for(struct player *p, int kind)
{
	if (p->sc[kind])
		return 0;
	struct yuv_scaler_config cfg = {
		.src_width = p->st->width,
		.src_height = p->st->height,
		.sampling = sampling_of(p->st->chroma),
		.interlaced = kind == 1,
		.crop_x = p->layout.crop_x,
		.crop_y = p->layout.crop_y,
		.crop_w = p->layout.crop_w,
		.crop_h = p->layout.crop_h,
		.dst_width = p->vw,
		.dst_height = p->vh,
		.filter = p->opts.filter,
		.matrix = p->matrix,
		.range = p->range,
	};
	int ret = yuv_scaler_create(&p->sc[kind], &cfg);
	if (ret == 0)
		ret = yuv_damage_create(&p->dmg[kind], p->sc[kind]);
	return ret;
}

static int setup_layout(struct player *p)
{
	struct layout_input in = {
		.src_width = p->st->width,
		.src_height = p->st->height,
		.aspect_num = p->st->aspect.num,
		.aspect_den = p->st->aspect.den,
		.out_width = p->out_w,
		.out_height = p->out_h,
		.mode = p->opts.mode,
	};
	int ret = layout_compute(&in, &p->layout);
	if (ret < 0)
		return ret;
	drop_pipeline(p);
	p->vw = (uint32_t)rect_width(&p->layout.video);
	p->vh = (uint32_t)rect_height(&p->layout.video);
	p->dirty = calloc(p->vh, 1);
	p->convert = calloc(p->vh, 1);
	p->rects = calloc(p->vh / 2 + 1, sizeof(*p->rects));
	bool ok = p->dirty && p->convert && p->rects;
	for (int i = 0; i < HISTORY && ok; i++) {
		p->hist[i] = calloc(p->vh, 1);
		p->hist_seq[i] = 0;
		ok = p->hist[i] != NULL;
	}
	if (!ok)
		return -ENOMEM;
	ret = scaler_for(p, 0);
	if (ret < 0)
		return ret;
	p->shown_kind = -1; // the next frame is drawn whole
	return p->sink->configure(p->sink_data, &p->layout);
}

static void pick_colours(struct player *p)
{
	const struct y4m_stream *st = p->st;
	bool hd = st->width >= 1280 || st->height >= 720;
	p->matrix = p->opts.matrix >= 0 ? (enum yuv_matrix)p->opts.matrix
		: hd                    ? YUV_MATRIX_BT709
					: YUV_MATRIX_BT601;
	p->range = p->opts.range >= 0         ? (enum yuv_range)p->opts.range
		: st->range == Y4M_RANGE_FULL ? YUV_RANGE_FULL
					      : YUV_RANGE_LIMITED;
	p->fps_num = p->opts.fps_num ? p->opts.fps_num : st->fps.num ? st->fps.num : 25;
	p->fps_den = p->opts.fps_num ? p->opts.fps_den : st->fps.num ? st->fps.den : 1;
	if (p->fps_den == 0)
		p->fps_den = 1;
}

int player_create(struct player **out, struct y4m_reader *reader, const struct player_options *opts,
	const struct play_sink *sink, void *sink_data, uint32_t out_w, uint32_t out_h)
{
	if (!opts->clock.now_ns || !sink->configure || !sink->acquire || !sink->present)
		return -EINVAL;
	struct player *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->reader = reader;
	p->st = y4m_reader_get_stream(reader);
	p->opts = *opts;
	p->sink = sink;
	p->sink_data = sink_data;
	p->out_w = out_w;
	p->out_h = out_h;
	pick_colours(p);
	int ret = setup_layout(p);
	if (ret < 0) {
		player_destroy(p);
		return ret;
	}
	p->due_ns = now(p);
	*out = p;
	return 0;
}

void player_destroy(struct player *p)
{
	if (!p)
		return;
	y4m_reader_release(p->reader, p->shown);
	y4m_reader_release(p->reader, p->next);
	drop_pipeline(p);
	free(p);
}

static struct yuv_frame yuv_of(const struct player *p, const struct y4m_frame *f)
{
	struct yuv_frame y = { 0 };
	for (unsigned i = 0; i < 3 && i < p->st->n_planes; i++) {
		y.plane[i] = f->plane[i];
		y.stride[i] = p->st->plane_width[i];
	}
	return y;
}

/* Rows to convert into a buffer holding shown frame `holds`: every row that changed since. */
static void rows_for_buffer(struct player *p, uint64_t holds)
{
	memcpy(p->convert, p->dirty, p->vh);
	if (holds == 0 || holds + HISTORY < p->seq + 1) {
		memset(p->convert, 1, p->vh);
		return;
	}
	for (uint64_t s = holds + 1; s <= p->seq; s++) {
		const uint8_t *h = p->hist[s % HISTORY];
		if (p->hist_seq[s % HISTORY] != s) {
			memset(p->convert, 1, p->vh);
			return;
		}
		for (uint32_t y = 0; y < p->vh; y++)
			p->convert[y] |= h[y];
	}
}

/* Damage bands as rectangles across the video. */
static size_t dirty_rects(struct player *p)
{
	size_t n = 0;
	for (uint32_t y = 0; y < p->vh; y++) {
		if (!p->dirty[y])
			continue;
		if (n && p->rects[n - 1].y2 == (int32_t)y)
			p->rects[n - 1].y2++;
		else
			p->rects[n++] =
				(struct rect){ 0, (int32_t)y, (int32_t)p->vw, (int32_t)y + 1 };
	}
	return n;
}

static int convert_rows(
	struct player *p, int kind, const struct yuv_frame *src, struct play_buffer *b)
{
	for (uint32_t y = 0; y < p->vh;) {
		if (!p->convert[y]) {
			y++;
			continue;
		}
		uint32_t end = y;
		while (end < p->vh && p->convert[end])
			end++;
		int ret = yuv_scaler_convert(p->sc[kind], src, b->pixels, b->stride, y, end);
		if (ret < 0)
			return ret;
		p->stats.rows_converted += end - y;
		y = end;
	}
	return 0;
}

/* Works out p->dirty for frame f; returns the number of dirty rows. */
static uint32_t find_dirty(struct player *p, int kind, const struct yuv_frame *cur)
{
	if (p->shown_kind != kind || !p->shown) {
		memset(p->dirty, 1, p->vh);
		return p->vh;
	}
	struct yuv_frame prev = yuv_of(p, p->shown);
	yuv_damage_update(p->dmg[kind], &prev, cur);
	memset(p->dirty, 0, p->vh);
	const struct yuv_band *bands;
	size_t n = yuv_damage_bands(p->dmg[kind], &bands);
	for (size_t i = 0; i < n; i++)
		memset(p->dirty + bands[i].begin, 1, bands[i].end - bands[i].begin);
	return (uint32_t)yuv_damage_dirty_rows(p->dmg[kind]);
}

static void became_shown(struct player *p, struct y4m_frame *f, int kind)
{
	y4m_reader_release(p->reader, p->shown);
	p->shown = f;
	p->shown_kind = kind;
	p->next = NULL;
	p->stats.shown++;
	p->last_present_ns = now(p);
}

/* Brings a free buffer up to date with frame f (p->dirty holds what changed since the last
 * commit) and commits it. -EAGAIN when the sink has no free buffer. */
static int draw(struct player *p, int kind, const struct yuv_frame *cur)
{
	struct play_buffer *b;
	int ret = p->sink->acquire(p->sink_data, &b);
	if (ret < 0)
		return ret;
	rows_for_buffer(p, b->holds);
	ret = convert_rows(p, kind, cur, b);
	if (ret < 0)
		return ret;
	size_t n = dirty_rects(p);
	for (size_t i = 0; i < n; i++)
		p->stats.damage_pixels += rect_area(&p->rects[i]);
	ret = p->sink->present(p->sink_data, b, p->rects, n);
	if (ret < 0)
		return ret;
	p->stats.commits++;
	p->seq++;
	b->holds = p->seq;
	memcpy(p->hist[p->seq % HISTORY], p->dirty, p->vh);
	p->hist_seq[p->seq % HISTORY] = p->seq;
	return 0;
}

int play_buffer_pick(struct play_buffer *const candidates[], size_t n, struct play_buffer **out)
{
	struct play_buffer *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (candidates[i] && (!best || candidates[i]->holds > best->holds))
			best = candidates[i];
	if (!best)
		return -EAGAIN;
	*out = best;
	return 0;
}

static int kind_of(const struct player *p, const struct y4m_frame *f)
{
	return f->info.interlaced && p->vh >= 2 ? 1 : 0;
}

/* Shows p->next: 0, or -EAGAIN when the sink has no free buffer. */
static int present(struct player *p)
{
	struct y4m_frame *f = p->next;
	int kind = kind_of(p, f);
	int ret = scaler_for(p, kind);
	if (ret < 0)
		return ret;
	struct yuv_frame cur = yuv_of(p, f);
	if (find_dirty(p, kind, &cur) == 0)
		p->stats.unchanged++; // same pixels: nothing to commit
	else if ((ret = draw(p, kind, &cur)) < 0)
		return ret;
	became_shown(p, f, kind);
	return 0;
}

/* After a new layout: the frame on screen again, whole. */
static int redraw(struct player *p)
{
	if (!p->shown)
		return 0;
	int kind = kind_of(p, p->shown);
	int ret = scaler_for(p, kind);
	if (ret < 0)
		return ret;
	struct yuv_frame cur = yuv_of(p, p->shown);
	memset(p->dirty, 1, p->vh);
	ret = draw(p, kind, &cur);
	if (ret == 0)
		p->shown_kind = kind;
	return ret;
}

static int64_t duration_ns(const struct player *p, const struct y4m_frame *f)
{
	int64_t d = (int64_t)(1000000000.0 * p->fps_den / p->fps_num);
	switch (f->info.presentation) {
	case Y4M_PRESENT_PROG_DOUBLE:
		return 2 * d;
	case Y4M_PRESENT_PROG_TRIPLE:
		return 3 * d;
	case Y4M_PRESENT_TOP_FIRST_RPT:
	case Y4M_PRESENT_BOTTOM_FIRST_RPT:
		return d + d / 2;
	default:
		return d;
	}
}

/* Takes the next frame from the reader: 1 got one, 0 none yet, 2 the end (handled), <0 error. */
static int fetch(struct player *p)
{
	if (p->next)
		return 1;
	int ret = y4m_reader_next(p->reader, &p->next);
	p->reader_empty = ret == -EAGAIN;
	if (ret == 0)
		return 1;
	if (ret == -EAGAIN)
		return 0;
	p->next = NULL;
	if (ret != -ENODATA)
		return ret;
	if (p->opts.loop && p->stats.shown > 0) {
		y4m_reader_seek(p->reader, 0);
		return fetch(p); // the seek reset the end: this waits for frame 0
	}
	p->ended = true;
	return 2;
}

/* Whether the fetched frame is shown now (1), later (0), or dropped (2). */
static int due_decision(struct player *p)
{
	if (p->opts.bench || p->step)
		return 1;
	if (p->paused)
		return 0;
	int64_t t = now(p), dur = duration_ns(p, p->next);
	if (t < p->due_ns)
		return 0;
	bool next_due = t >= p->due_ns + dur;
	bool starved = p->stats.shown > 0 &&
		t - p->last_present_ns >= (int64_t)PLAYER_MAX_GAP_MS * 1000000;
	if (next_due && !starved)
		return 2;
	if (next_due && t - p->due_ns > 1000000000)
		p->due_ns = t; // a second behind: start the clock again rather than drop on
	return 1;
}

int player_dispatch(struct player *p)
{
	while (!p->quit && !p->ended) {
		if (p->opts.max_frames && p->stats.shown >= p->opts.max_frames)
			return 1;
		int ret = fetch(p);
		if (ret <= 0)
			return ret;
		if (ret == 2)
			break;
		ret = due_decision(p);
		if (ret == 0)
			return 0;
		int64_t dur = duration_ns(p, p->next);
		if (ret == 2) {
			p->stats.dropped++;
			y4m_reader_release(p->reader, p->next);
			p->next = NULL;
			p->due_ns += dur;
			continue;
		}
		ret = present(p);
		p->waiting_buffer = ret == -EAGAIN;
		if (ret == -EAGAIN) {
			p->stats.waits_for_buffer++;
			return 0;
		}
		if (ret < 0)
			return ret;
		p->due_ns += dur;
		if (p->step || p->opts.bench) {
			p->step = false; // bench: one frame per call, so the caller can time each
			return 0;
		}
	}
	return 1;
}

int player_get_timeout_ms(const struct player *p)
{
	if (p->quit || p->ended || (p->opts.max_frames && p->stats.shown >= p->opts.max_frames))
		return 0;
	if (p->paused && !p->step)
		return -1;
	if (!p->next)
		return p->reader_empty ? -1 : 0;
	if (p->waiting_buffer)
		return -1;
	if (p->opts.bench)
		return 0;
	int64_t wait = p->due_ns - now(p);
	return wait <= 0 ? 0 : (int)((wait + 999999) / 1000000);
}

bool player_waiting_for_reader(const struct player *p)
{
	return !p->next && p->reader_empty && !p->quit && !p->ended && !(p->paused && !p->step);
}

void player_command(struct player *p, enum play_command cmd, int seconds)
{
	switch (cmd) {
	case PLAY_TOGGLE_PAUSE:
		p->paused = !p->paused;
		p->due_ns = now(p); // resume from here, not from where the clock would be
		break;
	case PLAY_STEP:
		p->paused = true;
		p->step = true;
		break;
	case PLAY_SEEK: {
		int64_t at = p->shown ? (int64_t)p->shown->index : 0;
		int64_t target = at + (int64_t)((double)seconds * p->fps_num / p->fps_den);
		y4m_reader_release(p->reader, p->next);
		p->next = NULL;
		p->ended = false;
		p->reader_empty = false;
		y4m_reader_seek(p->reader, target < 0 ? 0 : (uint64_t)target);
		p->due_ns = now(p);
		p->step = p->paused; // a paused player shows where it landed
		break;
	}
	case PLAY_TOGGLE_LOOP:
		p->opts.loop = !p->opts.loop;
		break;
	case PLAY_QUIT:
		p->quit = true;
		break;
	}
}

int player_resize(struct player *p, uint32_t out_w, uint32_t out_h)
{
	p->out_w = out_w;
	p->out_h = out_h;
	p->seq = 0;
	int ret = setup_layout(p);
	return ret < 0 ? ret : redraw(p);
}

void player_get_stats(const struct player *p, struct player_stats *out)
{
	*out = p->stats;
}

const struct layout *player_get_layout(const struct player *p)
{
	return &p->layout;
}

bool player_is_paused(const struct player *p)
{
	return p->paused;
}

bool player_is_looping(const struct player *p)
{
	return p->opts.loop;
}

int64_t player_current_frame(const struct player *p)
{
	return p->shown ? (int64_t)p->shown->index : -1;
}

double player_fps(const struct player *p)
{
	return (double)p->fps_num / p->fps_den;
}

void player_describe(const struct player *p, char *buf, size_t len)
{
	const struct y4m_stream *st = p->st;
	snprintf(buf, len, "%ux%u %s %s %.3g fps -> %ux%u at %d,%d (%s, %s, %s %s)", st->width,
		st->height, y4m_chroma_to_str(st->chroma), y4m_interlace_to_str(st->interlace),
		player_fps(p), p->vw, p->vh, p->layout.video.x1, p->layout.video.y1,
		layout_mode_to_str(p->opts.mode), yuv_filter_to_str(p->opts.filter),
		yuv_matrix_to_str(p->matrix), yuv_range_to_str(p->range));
}
