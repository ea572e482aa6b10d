/*
 * vm-monitor: sends one JSON line to hvhost's monitor socket and prints the reply line, for the
 * guest's shell scripts (the guest has no python for scripts/hvmon).
 *
 *   vm-monitor SOCKET '{"cmd": "type", "text": "ls\n"}'
 *
 * Exit status: 0 when the reply says "ok": true, 1 when it does not, 2 when the socket cannot
 * be reached or closes before a whole line. Waits for the reply as long as hvhost takes (a
 * `wait` command has its own timeout_ms).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: vm-monitor SOCKET JSON\n");
		return 2;
	}
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "vm-monitor: socket path too long\n");
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "vm-monitor: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (write_all(fd, argv[2], strlen(argv[2])) < 0 || write_all(fd, "\n", 1) < 0) {
		fprintf(stderr, "vm-monitor: write: %s\n", strerror(errno));
		close(fd);
		return 2;
	}
	char reply[4096];
	size_t len = 0;
	while (len < sizeof(reply) - 1) {
		ssize_t n = read(fd, reply + len, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (reply[len] == '\n')
			break;
		len++;
	}
	close(fd);
	reply[len] = '\0';
	if (len == 0) {
		fprintf(stderr, "vm-monitor: no reply\n");
		return 2;
	}
	printf("%s\n", reply);
	return strstr(reply, "\"ok\": true") || strstr(reply, "\"ok\":true") ? 0 : 1;
}
