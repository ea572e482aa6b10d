/*
 * The socket-server tests' harness: a shim on a 64x48 headless output with a server listening
 * in a private directory, raw clients over socketpairs, and messages in and out through the
 * real codec. Test code: aborts on set-up failures.
 */
#ifndef HVD_TESTS_SERVER_HARNESS_H
#define HVD_TESTS_SERVER_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shim.h"
#include "shim_proto.h"
#include "shim_test_util.h"

struct srv {
	struct test_shim t;
	struct shim_server *server;
	char dir[64];
	char path[128]; // the listening socket
};

void srv_init(struct srv *s);
void srv_finish(struct srv *s);
/* A connected client the test speaks for; the server has the other end. */
int raw_client(struct srv *s);

void send_bytes(int fd, const void *buf, size_t len, int pass_fd);
void send_msg(int fd, struct shim_proto_msg m, int pass_fd);
/* 1 and the message (and its fd, or -1), 0 nothing waiting, -1 the server hung up. */
int recv_msg(int fd, struct shim_proto_msg *m, int *got_fd);
/* Dispatches the server; true when the next event is of type (a TAP note says what came). */
bool expect(struct srv *s, int fd, uint16_t type, struct shim_proto_msg *out, int *got_fd);
bool nothing_waiting(struct srv *s, int fd);
void hello(struct srv *s, int fd);

/* Messages whose fields are one or two u32s, a rectangle, or a buffer. */
struct shim_proto_msg msg2(uint16_t type, uint32_t a, uint32_t b);
struct shim_proto_msg rect_msg(
	uint16_t type, uint32_t surface, int32_t x, int32_t y, int32_t w, int32_t h);
struct shim_proto_msg alloc_msg(uint32_t id, uint32_t w, uint32_t h);
struct shim_proto_msg import_msg(
	uint32_t id, uint32_t w, uint32_t h, uint32_t stride, uint32_t offset);
/* A memfd of size bytes with the given seals (0: none). */
int sealed_memfd(size_t size, unsigned seals);
/* Allocates buffer id (w x h, XRGB) and fills it with one colour; returns its mapping. */
uint32_t *alloc_filled(struct srv *s, int fd, uint32_t id, uint32_t w, uint32_t h, uint32_t color);
/* Attach, position, commit with flags. */
void show(int fd, uint32_t surface, uint32_t buffer, int32_t x, int32_t y, uint32_t flags);

#define FRONT(s) shim_output_headless_get_front((s)->t.output)

#endif
