#define LOG_MODULE "loop"
#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

enum source_kind {
	SOURCE_FD,
	SOURCE_TIMER,
};

struct loop_source {
	struct loop *loop;
	enum source_kind kind;
	bool removed;
	void *data;
	/* fd sources */
	int fd;
	short events;
	loop_fd_fn fd_fn;
	/* timers */
	int64_t deadline_ms; // -1 when disarmed
	loop_timer_fn timer_fn;
};

struct loop {
	struct loop_source **sources;
	size_t n_sources, cap_sources;
	struct pollfd *pollfds;
	struct loop_source **poll_sources;
	size_t cap_poll;
	bool quit;
	bool dispatching;
	bool need_sweep;
};

int64_t loop_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int loop_timeout_min(int64_t a, int64_t b)
{
	int64_t m = a < 0 ? b : b < 0 ? a : a < b ? a : b;
	return m < 0 ? -1 : m > INT_MAX ? INT_MAX : (int)m;
}

int64_t loop_now_ms(void)
{
	return loop_now_ns() / 1000000;
}

struct loop *loop_create(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));
	return loop;
}

void loop_destroy(struct loop *loop)
{
	if (!loop)
		return;
	for (size_t i = 0; i < loop->n_sources; i++)
		free(loop->sources[i]);
	free(loop->sources);
	free(loop->pollfds);
	free(loop->poll_sources);
	free(loop);
}

static struct loop_source *add_source(struct loop *loop, enum source_kind kind, void *data)
{
	if (loop->n_sources == loop->cap_sources) {
		size_t cap = loop->cap_sources ? loop->cap_sources * 2 : 16;
		struct loop_source **sources = realloc(loop->sources, cap * sizeof(*sources));
		if (!sources)
			return NULL;
		loop->sources = sources;
		loop->cap_sources = cap;
	}
	struct loop_source *source = calloc(1, sizeof(*source));
	if (!source)
		return NULL;
	*source = (struct loop_source){
		.loop = loop, .kind = kind, .data = data, .fd = -1, .deadline_ms = -1
	};
	loop->sources[loop->n_sources++] = source;
	return source;
}

struct loop_source *loop_add_fd(struct loop *loop, int fd, short events, loop_fd_fn fn, void *data)
{
	struct loop_source *source = add_source(loop, SOURCE_FD, data);
	if (!source)
		return NULL;
	source->fd = fd;
	source->events = events;
	source->fd_fn = fn;
	return source;
}

void loop_fd_set_events(struct loop_source *source, short events)
{
	source->events = events;
}

struct loop_source *loop_add_timer(struct loop *loop, loop_timer_fn fn, void *data)
{
	struct loop_source *source = add_source(loop, SOURCE_TIMER, data);
	if (source)
		source->timer_fn = fn;
	return source;
}

void loop_timer_arm(struct loop_source *timer, int64_t ms)
{
	timer->deadline_ms = ms < 0 ? -1 : loop_now_ms() + ms;
}

bool loop_timer_armed(const struct loop_source *timer)
{
	return timer->deadline_ms >= 0;
}

static void sweep(struct loop *loop)
{
	size_t j = 0;
	for (size_t i = 0; i < loop->n_sources; i++) {
		if (loop->sources[i]->removed)
			free(loop->sources[i]);
		else
			loop->sources[j++] = loop->sources[i];
	}
	loop->n_sources = j;
	loop->need_sweep = false;
}

void loop_remove(struct loop_source *source)
{
	if (!source)
		return;
	source->removed = true;
	source->loop->need_sweep = true;
	if (!source->loop->dispatching)
		sweep(source->loop);
}

static int next_timeout(struct loop *loop, int timeout_ms)
{
	int64_t now = loop_now_ms();
	for (size_t i = 0; i < loop->n_sources; i++) {
		struct loop_source *s = loop->sources[i];
		if (s->kind != SOURCE_TIMER || s->deadline_ms < 0)
			continue;
		int64_t left = s->deadline_ms - now;
		if (left < 0)
			left = 0;
		if (timeout_ms < 0 || left < timeout_ms)
			timeout_ms = (int)left;
	}
	return timeout_ms;
}

int loop_dispatch(struct loop *loop, int timeout_ms)
{
	if (loop->cap_poll < loop->n_sources) {
		size_t cap = loop->n_sources;
		struct pollfd *pfds = realloc(loop->pollfds, cap * sizeof(*pfds));
		if (!pfds)
			return -ENOMEM;
		loop->pollfds = pfds;
		struct loop_source **ps = realloc(loop->poll_sources, cap * sizeof(*ps));
		if (!ps)
			return -ENOMEM;
		loop->poll_sources = ps;
		loop->cap_poll = cap;
	}
	size_t n = 0;
	for (size_t i = 0; i < loop->n_sources; i++) {
		struct loop_source *s = loop->sources[i];
		if (s->kind != SOURCE_FD)
			continue;
		loop->pollfds[n] = (struct pollfd){ .fd = s->fd, .events = s->events };
		loop->poll_sources[n++] = s;
	}
	int ret = poll(loop->pollfds, n, next_timeout(loop, timeout_ms));
	if (ret < 0 && errno != EINTR)
		return -errno;

	loop->dispatching = true;
	for (size_t i = 0; ret > 0 && i < n; i++) {
		struct loop_source *s = loop->poll_sources[i];
		if (loop->pollfds[i].revents && !s->removed)
			s->fd_fn(s->data, s->fd, loop->pollfds[i].revents);
	}
	int64_t now = loop_now_ms();
	/* Timers added by callbacks above are in sources[] too; index, do not cache n. */
	for (size_t i = 0; i < loop->n_sources; i++) {
		struct loop_source *s = loop->sources[i];
		if (s->kind == SOURCE_TIMER && !s->removed && s->deadline_ms >= 0 &&
			s->deadline_ms <= now) {
			s->deadline_ms = -1;
			s->timer_fn(s->data);
		}
	}
	loop->dispatching = false;
	if (loop->need_sweep)
		sweep(loop);
	return 0;
}

int loop_run(struct loop *loop)
{
	while (!loop->quit) {
		int ret = loop_dispatch(loop, -1);
		if (ret < 0) {
			log_error("poll failed: %d", ret);
			return ret;
		}
	}
	return 0;
}

void loop_quit(struct loop *loop)
{
	loop->quit = true;
}

bool loop_quitting(const struct loop *loop)
{
	return loop->quit;
}
