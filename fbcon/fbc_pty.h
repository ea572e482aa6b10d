/*
 * The child on a pseudo-terminal: spawn, non-blocking I/O, window size, exit.
 *
 * The child runs in its own session with the pty as controlling terminal, stdin/out/err on it,
 * default signal handling and an empty signal mask, TERM and COLORTERM set. Its exit is seen
 * through a pidfd (pollable, no SIGCHLD handler needed); on kernels without pidfds, through the
 * pty hanging up, then waitpid().
 *
 * Writes to the child go through a queue: a child that does not read its input (or a flood of
 * replies to queries) cannot block hvcon; past FBC_PTY_QUEUE_MAX bytes further writes are
 * dropped and counted.
 *
 * Errors: negative errno.
 */
#ifndef HVD_FBCON_FBC_PTY_H
#define HVD_FBCON_FBC_PTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FBC_PTY_QUEUE_MAX (1u << 20)

struct fbc_pty;

struct fbc_pty_config {
	/* Program and arguments; NULL or empty: $SHELL (or /bin/sh) as a login shell. */
	char *const *argv;
	const char *term;  // TERM for the child; NULL: "xterm-256color"
	int rows, cols;    // window size in cells
	int width, height; // window size in pixels (0: unknown)
};

/* Starts the child. -errno from openpty()/fork(); a failing exec shows as the child exiting with
 * status 127 after printing why on the pty. */
int fbc_pty_spawn(struct fbc_pty **out, const struct fbc_pty_config *config);
/* Hangs the child up (SIGHUP, then SIGKILL if it is still running) and reaps it. NULL is a
 * no-op. */
void fbc_pty_destroy(struct fbc_pty *pty);

/* The master side (poll POLLIN; POLLOUT while fbc_pty_wants_write()). */
int fbc_pty_fd(const struct fbc_pty *pty);
/* A pidfd readable once the child exited, or -1 when the kernel has none. */
int fbc_pty_child_fd(const struct fbc_pty *pty);
pid_t fbc_pty_pid(const struct fbc_pty *pty);

/* Reads what is there: > 0 bytes, -EAGAIN nothing now, 0 hung up (every slave side closed). */
ssize_t fbc_pty_read(struct fbc_pty *pty, void *buf, size_t len);

/* Queues bytes for the child and writes what it can now. -ENOBUFS when the queue was full (the
 * bytes past it are dropped), -EIO when the pty is gone. */
int fbc_pty_write(struct fbc_pty *pty, const void *bytes, size_t len);
bool fbc_pty_wants_write(const struct fbc_pty *pty);
/* Writes queued bytes (call on POLLOUT). 0, or -EIO when the pty is gone. */
int fbc_pty_flush(struct fbc_pty *pty);
uint64_t fbc_pty_dropped(const struct fbc_pty *pty);

/* TIOCSWINSZ: the kernel sends SIGWINCH to the child's foreground process group. */
int fbc_pty_resize(struct fbc_pty *pty, int rows, int cols, int width, int height);

/* 1 when the child has exited (*status as waitpid() gives it), 0 while it runs. Does not
 * block. */
int fbc_pty_poll_exit(struct fbc_pty *pty, int *status);

/* Whether a terminfo entry for name exists in the usual places ($TERMINFO, ~/.terminfo,
 * /etc/terminfo, /lib/terminfo, /usr/share/terminfo). */
bool fbc_terminfo_exists(const char *name);

#endif
