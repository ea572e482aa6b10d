/*
 * A wake set: the one pollable fd a driver hands its caller, which stays the same while what
 * wakes it changes. It is an epoll set holding an eventfd for the driver's own deferred work
 * ("kick") and at most one watched fd (a channel's, replaced on every reopen).
 *
 * Used by the synthetic video and input drivers, whose channels come and go across rescinds and
 * reconnects while the caller's event loop keeps polling one fd.
 *
 * Errors: negative errno. init/finish on caller memory; finish is safe after any
 * wakeset_init(), a failed one too, and on a set holding WAKESET_EMPTY.
 */
#ifndef HVD_COMMON_WAKESET_H
#define HVD_COMMON_WAKESET_H

struct wakeset {
	int epoll_fd;   // what the caller polls
	int kick_fd;    // eventfd: deferred work the watched fd does not show
	int watched_fd; // the fd in the set besides kick_fd, or -1
};

#define WAKESET_EMPTY                                                                              \
	{                                                                                          \
		.epoll_fd = -1, .kick_fd = -1, .watched_fd = -1                                    \
	}

/* 0, or -errno when the epoll set or eventfd cannot be made (fds then -1 or closed by finish). */
int wakeset_init(struct wakeset *w);
void wakeset_finish(struct wakeset *w);

/* Watches fd instead of whatever was watched; -1 unwatches. 0 or -errno (nothing watched). */
int wakeset_watch(struct wakeset *w, int fd);

/* Makes the set readable until wakeset_consume() (never blocks). 0 or -errno. */
int wakeset_kick(struct wakeset *w);
void wakeset_consume(struct wakeset *w);

#endif
