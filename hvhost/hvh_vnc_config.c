/* The VNC server's listen address (hvh_vnc.h): parsing and the loopback rule. Pure. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvh_vnc.h"

static int parse_port(const char *s, uint16_t *port)
{
	if (!s[0] || strlen(s) > 5)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
	}
	long v = strtol(s, NULL, 10);
	if (v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int hvh_vnc_parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *len)
{
	char host[64] = "127.0.0.1";
	const char *port_text = text;
	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (!end || end[1] != ':' || (size_t)(end - text - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(end - text - 1), text + 1);
		port_text = end + 2;
	} else if (strchr(text, ':')) {
		const char *colon = strrchr(text, ':');
		if ((size_t)(colon - text) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
		port_text = colon + 1;
	}
	uint16_t port;
	if (parse_port(port_text, &port) < 0)
		return -EINVAL;
	*addr = (struct sockaddr_storage){ 0 };
	struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
	if (text[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*len = sizeof(*v4);
		return 0;
	}
	if (text[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*len = sizeof(*v6);
		return 0;
	}
	return -EINVAL;
}

bool hvh_vnc_addr_is_loopback(const struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)addr;
		return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
	}
	if (addr->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)addr)->sin6_addr;
		if (IN6_IS_ADDR_LOOPBACK(a))
			return true;
		return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
	}
	return false;
}

void hvh_vnc_addr_to_str(const struct sockaddr_storage *addr, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (addr->ss_family == AF_INET) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)addr;
		inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
		port = ntohs(v4->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
		return;
	}
	if (addr->ss_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)addr;
		inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
		port = ntohs(v6->sin6_port);
	}
	snprintf(buf, len, "[%s]:%u", host, port);
}
