#include "wakeset.h"

#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

static int add(int epoll_fd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int wakeset_init(struct wakeset *w)
{
	*w = (struct wakeset)WAKESET_EMPTY;
	w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epoll_fd < 0)
		return -errno;
	w->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->kick_fd < 0)
		return -errno;
	return add(w->epoll_fd, w->kick_fd);
}

void wakeset_finish(struct wakeset *w)
{
	if (w->kick_fd >= 0)
		close(w->kick_fd);
	if (w->epoll_fd >= 0)
		close(w->epoll_fd);
	*w = (struct wakeset)WAKESET_EMPTY;
}

int wakeset_watch(struct wakeset *w, int fd)
{
	if (w->watched_fd >= 0)
		epoll_ctl(w->epoll_fd, EPOLL_CTL_DEL, w->watched_fd, NULL);
	w->watched_fd = -1;
	if (fd < 0)
		return 0;
	int ret = add(w->epoll_fd, fd);
	if (ret == 0)
		w->watched_fd = fd;
	return ret;
}

int wakeset_kick(struct wakeset *w)
{
	uint64_t one = 1;
	if (write(w->kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

void wakeset_consume(struct wakeset *w)
{
	uint64_t value;
	while (read(w->kick_fd, &value, sizeof(value)) > 0)
		;
}
