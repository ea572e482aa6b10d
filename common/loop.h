/*
 * A small poll(2) event loop: file descriptors and one-shot timers.
 *
 * Used by programs (hvhost, hvdemo); libraries that must fit any event loop expose a pollable
 * fd instead and never depend on this one. Programs whose round has a fixed order (hvcon: input,
 * then the pty, then one draw; hvplay) poll themselves and use only the clock and
 * loop_timeout_min(). Sources may be added and removed from inside
 * callbacks; a removed source is never called again.
 *
 * Errors: constructors return NULL (errno set) or a negative errno; loop_dispatch() returns
 * negative errno on a poll failure other than EINTR.
 */
#ifndef HVD_COMMON_LOOP_H
#define HVD_COMMON_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_source;

/* events: POLLIN / POLLOUT / POLLERR / POLLHUP as returned by poll(). */
typedef void (*loop_fd_fn)(void *data, int fd, short revents);
typedef void (*loop_timer_fn)(void *data);

struct loop *loop_create(void);
/* Frees every source still registered; does not close their fds. destroy(NULL) is a no-op. */
void loop_destroy(struct loop *loop);

/* Watches fd for events (POLLIN, POLLOUT). The fd stays owned by the caller. */
struct loop_source *loop_add_fd(struct loop *loop, int fd, short events, loop_fd_fn fn, void *data);
void loop_fd_set_events(struct loop_source *source, short events);

/* A disarmed timer; arm it with loop_timer_arm(). */
struct loop_source *loop_add_timer(struct loop *loop, loop_timer_fn fn, void *data);
/* Fires once, ms milliseconds from now (0: at the next dispatch); a negative ms disarms. */
void loop_timer_arm(struct loop_source *timer, int64_t ms);
bool loop_timer_armed(const struct loop_source *timer);

/* Removes and frees the source; safe inside any callback, NULL is a no-op. */
void loop_remove(struct loop_source *source);

/* Waits at most timeout_ms (-1: until something happens) and runs what is ready. */
int loop_dispatch(struct loop *loop, int timeout_ms);
/* Dispatches until loop_quit(); returns 0 or the first dispatch error. */
int loop_run(struct loop *loop);
void loop_quit(struct loop *loop);
bool loop_quitting(const struct loop *loop);

/* The sooner of two poll(2) timeouts in ms, a negative one meaning "none" (-1 when both are),
 * capped at INT_MAX: for programs that work out their own poll round. */
int loop_timeout_min(int64_t a, int64_t b);

/* CLOCK_MONOTONIC in milliseconds and nanoseconds. */
int64_t loop_now_ms(void);
int64_t loop_now_ns(void);

#endif
