/* Socket, descriptor and memfd helpers of the emulated VMBus (vmbus-emu.md §1-3). */
#include "vmb_emu_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static bool is_set(const char *s)
{
	return s && s[0];
}

int vmb_emu_socket_path(const char *option, char *buf, size_t cap)
{
	const char *env = getenv("HVDISPLAY_VMBUS");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;
	if (is_set(option))
		n = snprintf(buf, cap, "%s", option);
	else if (is_set(env))
		n = snprintf(buf, cap, "%s", env);
	else if (is_set(xdg))
		n = snprintf(buf, cap, "%s/hvdisplay/vmbus.sock", xdg);
	else
		n = snprintf(buf, cap, "/tmp/hvdisplay-%u/vmbus.sock", (unsigned)getuid());
	struct sockaddr_un sun;
	if (n < 0 || (size_t)n >= cap || (size_t)n >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int vmb_emu_send(int sock, const struct vmb_ctl_msg *msg, const int *fds, size_t nfds)
{
	uint8_t buf[VMB_CTL_MAX_SIZE];
	int len = vmb_ctl_encode(msg, buf, sizeof(buf));
	if (len < 0)
		return -EINVAL;
	return vmb_emu_send_bytes(sock, buf, (size_t)len, fds, nfds);
}

int vmb_emu_send_bytes(int sock, const void *buf, size_t len, const int *fds, size_t nfds)
{
	if (nfds > VMB_EMU_MAX_RX_FDS)
		return -EINVAL;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int) * VMB_EMU_MAX_RX_FDS)];
		struct cmsghdr align;
	} control;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds) {
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
	ssize_t n;
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}

void vmb_emu_close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* Takes every SCM_RIGHTS descriptor out of the message; false if anything else was there. */
static bool collect_fds(struct msghdr *mh, int *fds, size_t *nfds)
{
	bool ok = true;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			ok = false;
			continue;
		}
		size_t n =
			c->cmsg_len > CMSG_LEN(0) ? (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) : 0;
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (*nfds < VMB_EMU_MAX_RX_FDS)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
	return ok;
}

ssize_t vmb_emu_recv(int sock, uint8_t *buf, size_t cap, int *fds, size_t *nfds)
{
	*nfds = 0;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	union {
		char buf[CMSG_SPACE(sizeof(int) * VMB_EMU_MAX_RX_FDS)];
		struct cmsghdr align;
	} control;
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;
	/* MSG_TRUNC: the real length of an oversized packet, so the log can name it. */
	do {
		n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	bool ok = collect_fds(&mh, fds, nfds);
	if (!ok || (mh.msg_flags & MSG_CTRUNC) || n == 0) {
		vmb_emu_close_fds(fds, *nfds);
		*nfds = 0;
		return n == 0 ? 0 : -EPROTO;
	}
	return n;
}

int vmb_emu_memfd_check(int fd, uint64_t size)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
		(uint64_t)st.st_size != size)
		return -EINVAL;
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return -EPERM;
	return 0;
}

bool vmb_emu_is_eventfd(int fd)
{
	char path[64], target[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventfd]") == 0;
}
