/*
 * One SOCK_SEQPACKET packet and the file descriptors riding on it (SCM_RIGHTS), in and out, and
 * where the socket lives: the socket plumbing the shim's server, its client library and their
 * tests share. C library only.
 *
 * Errors: negative errno; -ENOTCONN when the peer hung up.
 */
#ifndef HVD_SHIM_PACKET_H
#define HVD_SHIM_PACKET_H

#include <stdbool.h>
#include <stddef.h>

#define SHIM_PACKET_MAX_FDS 4 // more than any message carries, so extras are seen

struct shim_packet_in {
	size_t len;
	int fds[SHIM_PACKET_MAX_FDS]; // received, CLOEXEC, owned by the caller
	unsigned n_fds;
	bool too_long;     // longer than the buffer (cut): refuse it
	bool too_many_fds; // more fds than fit (the kernel closed the rest): refuse it
};

/* Reads one packet into buf without blocking: 1 read, 0 nothing waiting, -ENOTCONN the peer
 * hung up, or another negative errno. */
int shim_packet_recv(int sock, void *buf, size_t cap, struct shim_packet_in *in);
/* Closes the fds a packet brought. */
void shim_packet_close_fds(struct shim_packet_in *in);

/* Sends one packet with fd attached (fd < 0: none); the fd stays the caller's. Without
 * nonblock, waits for room (EINTR retried). 0, -EAGAIN (nonblock, no room), or negative
 * errno (-EPIPE the peer is gone); never raises SIGPIPE. */
int shim_packet_send(int sock, const void *buf, size_t len, int fd, bool nonblock);

/* The socket's default path: $XDG_RUNTIME_DIR/hvdisplay/shim.sock, else
 * /tmp/hvdisplay-<uid>/shim.sock (doc/shim-protocol.md). With make_dir, creates its directory
 * (mode 0700) when missing. 0, -ENAMETOOLONG, or mkdir's errno. */
int shim_socket_default_path(char *buf, size_t len, bool make_dir);

#endif
