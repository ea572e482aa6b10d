/* SOCK_SEQPACKET packets with SCM_RIGHTS fds (shim_packet.h). */
#include "shim_packet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int shim_packet_recv(int sock, void *buf, size_t cap, struct shim_packet_in *in)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SHIM_PACKET_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, cap };
	struct msghdr hdr = { .msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf) };
	*in = (struct shim_packet_in){ 0 };
	ssize_t n = recvmsg(sock, &hdr, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ENOTCONN;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&hdr); cm; cm = CMSG_NXTHDR(&hdr, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (in->n_fds < SHIM_PACKET_MAX_FDS)
				in->fds[in->n_fds++] = fd;
			else
				close(fd);
		}
	}
	in->len = (size_t)n;
	in->too_long = (hdr.msg_flags & MSG_TRUNC) != 0;
	in->too_many_fds = (hdr.msg_flags & MSG_CTRUNC) != 0;
	return 1;
}

void shim_packet_close_fds(struct shim_packet_in *in)
{
	for (unsigned i = 0; i < in->n_fds; i++)
		close(in->fds[i]);
	in->n_fds = 0;
}

int shim_packet_send(int sock, const void *buf, size_t len, int fd, bool nonblock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl = { 0 };
	struct iovec iov = { (void *)buf, len };
	struct msghdr hdr = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		hdr.msg_control = ctl.buf;
		hdr.msg_controllen = sizeof(ctl.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&hdr);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sock, &hdr, MSG_NOSIGNAL | (nonblock ? MSG_DONTWAIT : 0));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}

int shim_socket_default_path(char *buf, size_t len, bool make_dir)
{
	const char *runtime = getenv("XDG_RUNTIME_DIR");
	int n = runtime && runtime[0] ? snprintf(buf, len, "%s/hvdisplay", runtime)
				      : snprintf(buf, len, "/tmp/hvdisplay-%u", (unsigned)getuid());
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (make_dir && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	int m = snprintf(buf + n, len - (size_t)n, "/shim.sock");
	return m < 0 || (size_t)m >= len - (size_t)n ? -ENAMETOOLONG : 0;
}
