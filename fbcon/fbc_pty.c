/*
 * The child on a pty; see fbc_pty.h.
 */
#define LOG_MODULE "fbc-pty"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fbc_pty.h"
#include "log.h"

#define DEFAULT_TERM "xterm-256color"
#define HANGUP_GRACE_MS 200

extern char **environ;

struct fbc_pty {
	int master;
	int pidfd;
	pid_t pid;
	bool exited;
	int status;

	uint8_t *queue; // bytes not yet written to the child
	size_t queued;
	size_t queue_cap;
	uint64_t dropped;
};

/* Everything the child needs, built before fork(): after it only async-signal-safe calls. */
struct exec_plan {
	char **argv;
	char **envp;
	char *term_var; // "TERM=..."
	char *file;     // program to run when it is not argv[0] (the login shell); may be NULL
	char *argv0;    // "-sh" for the login shell
};

static void plan_free(struct exec_plan *plan)
{
	free(plan->argv);
	free(plan->envp);
	free(plan->term_var);
	free(plan->file);
	free(plan->argv0);
}

static bool env_replaced(const char *entry)
{
	static const char *const names[] = { "TERM=", "COLORTERM=", "LINES=", "COLUMNS=" };
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strncmp(entry, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

static int plan_env(struct exec_plan *plan, const char *term)
{
	size_t n = 0;
	while (environ && environ[n])
		n++;
	plan->envp = calloc(n + 3, sizeof(*plan->envp));
	if (!plan->envp || asprintf(&plan->term_var, "TERM=%s", term) < 0) {
		plan->term_var = NULL;
		return -ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!env_replaced(environ[i]))
			plan->envp[k++] = environ[i];
	plan->envp[k++] = plan->term_var;
	plan->envp[k++] = (char *)"COLORTERM=truecolor";
	return 0;
}

static int plan_argv(struct exec_plan *plan, char *const *argv)
{
	if (argv && argv[0]) {
		size_t n = 0;
		while (argv[n])
			n++;
		plan->argv = calloc(n + 1, sizeof(*plan->argv));
		if (!plan->argv)
			return -ENOMEM;
		memcpy(plan->argv, argv, n * sizeof(*argv));
		return 0;
	}
	/* The user's shell as a login shell: argv[0] is "-" and its name, as login(1) does. */
	const char *shell = getenv("SHELL");
	if (!shell || shell[0] != '/')
		shell = "/bin/sh";
	const char *base = strrchr(shell, '/') + 1;
	plan->argv = calloc(2, sizeof(*plan->argv));
	plan->file = strdup(shell);
	if (!plan->argv || !plan->file || asprintf(&plan->argv0, "-%s", base) < 0) {
		plan->argv0 = NULL;
		return -ENOMEM;
	}
	plan->argv[0] = plan->argv0;
	return 0;
}

static const char *exec_file(const struct exec_plan *plan)
{
	return plan->file ? plan->file : plan->argv[0];
}

static void __attribute__((noreturn)) child_exec(const struct exec_plan *plan, int slave)
{
	setsid();
	ioctl(slave, TIOCSCTTY, 0);
	dup2(slave, 0);
	dup2(slave, 1);
	dup2(slave, 2);
	/* The child gets the terminal and nothing else: a descriptor hvcon (or whoever started
	 * it) left without CLOEXEC must not reach the shell, which may read it as input (dash's
	 * ENV handling does) or keep a socket alive. */
	close_range(3, ~0u, 0);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvpe(exec_file(plan), plan->argv, plan->envp);
	static const char msg[] = "hvcon: cannot run ";
	const char *file = exec_file(plan);
	ssize_t ignored = write(2, msg, sizeof(msg) - 1);
	ignored = write(2, file, strlen(file));
	ignored = write(2, "\r\n", 2);
	(void)ignored;
	_exit(127);
}

static int open_master(const struct fbc_pty_config *cfg, int *master, int *slave)
{
	struct winsize ws = {
		.ws_row = (unsigned short)cfg->rows,
		.ws_col = (unsigned short)cfg->cols,
		.ws_xpixel = (unsigned short)cfg->width,
		.ws_ypixel = (unsigned short)cfg->height,
	};
	if (openpty(master, slave, NULL, NULL, &ws) < 0)
		return -errno;
	/* Neither end may leak into other children we or our caller start. */
	fcntl(*master, F_SETFD, FD_CLOEXEC);
	fcntl(*slave, F_SETFD, FD_CLOEXEC);
	fcntl(*master, F_SETFL, fcntl(*master, F_GETFL) | O_NONBLOCK);
	return 0;
}

int fbc_pty_spawn(struct fbc_pty **out, const struct fbc_pty_config *cfg)
{
	if (cfg->rows < 1 || cfg->cols < 1 || cfg->rows > 0xffff || cfg->cols > 0xffff)
		return -EINVAL;
	struct exec_plan plan = { 0 };
	struct fbc_pty *pty = calloc(1, sizeof(*pty));
	int err = pty ? 0 : -ENOMEM;
	if (!err)
		err = plan_env(&plan, cfg->term ? cfg->term : DEFAULT_TERM);
	if (!err)
		err = plan_argv(&plan, cfg->argv);
	int slave = -1;
	if (!err)
		err = open_master(cfg, &pty->master, &slave);
	if (err)
		goto err_plan;
	pty->pid = fork();
	if (pty->pid == 0)
		child_exec(&plan, slave);
	err = pty->pid < 0 ? -errno : 0;
	close(slave);
	plan_free(&plan);
	if (err) {
		close(pty->master);
		free(pty);
		return err;
	}
	pty->pidfd = pidfd_open(pty->pid, 0);
	if (pty->pidfd < 0)
		log_info("no pidfd (%s): child exit seen through the pty hanging up",
			strerror(errno));
	*out = pty;
	return 0;

err_plan:
	plan_free(&plan);
	free(pty);
	return err;
}

void fbc_pty_destroy(struct fbc_pty *pty)
{
	if (!pty)
		return;
	if (!pty->exited && fbc_pty_poll_exit(pty, &pty->status) == 0) {
		kill(pty->pid, SIGHUP);
		close(pty->master);
		pty->master = -1;
		if (pty->pidfd >= 0)
			poll(&(struct pollfd){ .fd = pty->pidfd, .events = POLLIN }, 1,
				HANGUP_GRACE_MS);
		if (fbc_pty_poll_exit(pty, &pty->status) == 0) {
			kill(pty->pid, SIGKILL);
			waitpid(pty->pid, &pty->status, 0);
		}
	}
	if (pty->master >= 0)
		close(pty->master);
	if (pty->pidfd >= 0)
		close(pty->pidfd);
	free(pty->queue);
	free(pty);
}

int fbc_pty_fd(const struct fbc_pty *pty)
{
	return pty->master;
}

int fbc_pty_child_fd(const struct fbc_pty *pty)
{
	return pty->pidfd;
}

pid_t fbc_pty_pid(const struct fbc_pty *pty)
{
	return pty->pid;
}

ssize_t fbc_pty_read(struct fbc_pty *pty, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(pty->master, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return -EAGAIN;
		return 0; /* EIO: the last slave descriptor closed */
	}
}

static int write_now(struct fbc_pty *pty, const uint8_t *bytes, size_t len, size_t *written)
{
	*written = 0;
	while (*written < len) {
		ssize_t n = write(pty->master, bytes + *written, len - *written);
		if (n > 0) {
			*written += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		return -EIO;
	}
	return 0;
}

static int enqueue(struct fbc_pty *pty, const uint8_t *bytes, size_t len)
{
	size_t room = FBC_PTY_QUEUE_MAX - pty->queued;
	int ret = 0;
	if (len > room) {
		pty->dropped += len - room;
		len = room;
		ret = -ENOBUFS;
	}
	if (pty->queued + len > pty->queue_cap) {
		size_t cap = pty->queue_cap ? pty->queue_cap : 4096;
		while (cap < pty->queued + len)
			cap *= 2;
		uint8_t *q = realloc(pty->queue, cap);
		if (!q) {
			pty->dropped += len;
			return -ENOMEM;
		}
		pty->queue = q;
		pty->queue_cap = cap;
	}
	memcpy(pty->queue + pty->queued, bytes, len);
	pty->queued += len;
	return ret;
}

int fbc_pty_write(struct fbc_pty *pty, const void *bytes, size_t len)
{
	const uint8_t *p = bytes;
	size_t written = 0;
	if (pty->queued == 0) {
		int err = write_now(pty, p, len, &written);
		if (err)
			return err;
	}
	return written == len ? 0 : enqueue(pty, p + written, len - written);
}

bool fbc_pty_wants_write(const struct fbc_pty *pty)
{
	return pty->queued > 0;
}

int fbc_pty_flush(struct fbc_pty *pty)
{
	size_t written;
	int err = write_now(pty, pty->queue, pty->queued, &written);
	memmove(pty->queue, pty->queue + written, pty->queued - written);
	pty->queued -= written;
	return err;
}

uint64_t fbc_pty_dropped(const struct fbc_pty *pty)
{
	return pty->dropped;
}

int fbc_pty_resize(struct fbc_pty *pty, int rows, int cols, int width, int height)
{
	struct winsize ws = {
		.ws_row = (unsigned short)rows,
		.ws_col = (unsigned short)cols,
		.ws_xpixel = (unsigned short)width,
		.ws_ypixel = (unsigned short)height,
	};
	if (rows < 1 || cols < 1 || rows > 0xffff || cols > 0xffff)
		return -EINVAL;
	return ioctl(pty->master, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
}

int fbc_pty_poll_exit(struct fbc_pty *pty, int *status)
{
	if (!pty->exited) {
		pid_t r = waitpid(pty->pid, &pty->status, WNOHANG);
		if (r == 0 || (r < 0 && errno == EINTR))
			return 0;
		/* ECHILD: someone else reaped it (SIGCHLD ignored); it is gone all the same. */
		pty->exited = true;
	}
	*status = pty->status;
	return 1;
}

static bool entry_in(const char *dir, const char *name)
{
	char path[4096];
	if (!dir || !*dir)
		return false;
	snprintf(path, sizeof(path), "%s/%c/%s", dir, name[0], name);
	if (access(path, R_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "%s/%02x/%s", dir, (unsigned char)name[0], name);
	return access(path, R_OK) == 0;
}

bool fbc_terminfo_exists(const char *name)
{
	if (!name || !*name || strchr(name, '/') || name[0] == '.')
		return false;
	char home[4096] = "";
	if (getenv("HOME"))
		snprintf(home, sizeof(home), "%s/.terminfo", getenv("HOME"));
	const char *dirs[] = { getenv("TERMINFO"), home, "/etc/terminfo", "/lib/terminfo",
		"/usr/share/terminfo" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		if (entry_in(dirs[i], name))
			return true;
	return false;
}
