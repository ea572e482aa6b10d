/* The VNC server's listen address (hvh_vnc.h): what parses, and what counts as loopback. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "hvh_vnc.h"
#include "macros.h"
#include "test.h"

static void test_listen_addresses(void)
{
	static const struct {
		const char *text;
		const char *shown;
		bool loopback;
	} good[] = {
		{ "5900", "127.0.0.1:5900", true },
		{ "127.0.0.1:5900", "127.0.0.1:5900", true },
		{ "127.1.2.3:0", "127.1.2.3:0", true },
		{ "0.0.0.0:5901", "0.0.0.0:5901", false },
		{ "192.0.2.7:5900", "192.0.2.7:5900", false },
		{ "[::1]:5900", "[::1]:5900", true },
		{ "[::]:5900", "[::]:5900", false },
		{ "[::ffff:127.0.0.1]:1", "[::ffff:127.0.0.1]:1", true },
	};
	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		struct sockaddr_storage ss;
		socklen_t len = 0;
		char shown[80];
		CHECK_MSG(hvh_vnc_parse_listen(good[i].text, &ss, &len) == 0, "%s", good[i].text);
		hvh_vnc_addr_to_str(&ss, shown, sizeof(shown));
		CHECK_MSG(strcmp(shown, good[i].shown) == 0, "%s -> %s", good[i].text, shown);
		CHECK_MSG(hvh_vnc_addr_is_loopback(&ss) == good[i].loopback, "%s", good[i].text);
	}
	static const char *const bad[] = { "", ":", "65536", "-1", "59 00", "localhost:5900",
		"::1:5900", "[::1]5900", "[::1]:", "127.0.0.1:", "1.2.3:5900", "[1.2.3.4]:5900" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		CHECK_MSG(hvh_vnc_parse_listen(bad[i], &ss, &len) == -EINVAL, "'%s'", bad[i]);
	}
}

static const struct test_case cases[] = {
	TEST_CASE(test_listen_addresses),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
