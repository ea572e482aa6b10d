/*
 * The socket server's objects, shared by shim_server.c (sockets, framing, queues) and
 * shim_server_requests.c (what each request does, and its checks).
 */
#ifndef HVD_SHIM_SERVER_INTERNAL_H
#define HVD_SHIM_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shim.h"
#include "shim_proto.h"

/* Limits a client may not pass (doc/shim-protocol.md §6). */
#define SHIM_SERVER_MAX_CLIENTS 16
#define SHIM_CLIENT_MAX_BUFFERS 32
#define SHIM_CLIENT_MAX_SURFACES 8
#define SHIM_CLIENT_MAX_BYTES (256u << 20) // buffer memory mapped for one client
#define SHIM_CLIENT_QUEUE 64               // events waiting for a slow reader
#define SHIM_CLIENT_BUDGET 64              // requests handled per client per dispatch

struct server_client;
struct counter_set;

/* One buffer id; freed with the id (surfaces keep the shim buffer alive as long as they use
 * it). */
struct client_buffer {
	struct server_client *client;
	uint32_t id;
	struct shim_buffer *buffer;
	uint32_t width, height;
	size_t bytes;
};

struct client_surface {
	uint32_t id; // 0: free slot
	struct shim_surface *surface;
	struct server_client *client;
	bool attached;                 // attach since the last commit
	uint32_t pending_w, pending_h; // the buffer attach gave (0: none)
	uint32_t current_w, current_h; // the committed buffer's
};

struct queued_msg {
	uint8_t data[SHIM_PROTO_MAX_MESSAGE];
	size_t len;
	int fd; // sent with the message, then closed; -1 none
};

struct epoll_tag {
	int kind; // EPOLL_TAG_*
};

enum {
	EPOLL_TAG_LISTEN = 1,
	EPOLL_TAG_CLIENT,
	EPOLL_TAG_REAP,
};

struct server_client {
	struct epoll_tag tag;
	struct shim_server *server;
	int fd;
	bool greeted; // HELLO done
	bool dead;    // to be freed at the next reap; nothing more is read or sent
	struct client_buffer *buffers[SHIM_CLIENT_MAX_BUFFERS];
	struct client_surface surfaces[SHIM_CLIENT_MAX_SURFACES];
	size_t bytes;
	struct queued_msg queue[SHIM_CLIENT_QUEUE];
	size_t q_head, q_len;
	bool want_out; // EPOLLOUT registered
};

struct shim_server {
	struct shim *shim;
	int epoll_fd;
	int listen_fd; // -1 when serving only added clients
	int reap_fd;   // eventfd: a client died outside dispatch
	char *path;    // socket file to remove; NULL none
	struct epoll_tag listen_tag, reap_tag;
	struct server_client *clients[SHIM_SERVER_MAX_CLIENTS];
	struct counter_set *counters;
};

/* Queues an event for the client (fd: sent with it, owned from now on; -1 none). A full queue
 * disconnects the client. */
void server_send(struct server_client *c, const struct shim_proto_msg *msg, int fd);
/* Sends ERROR and disconnects; counts the reason. */
void server_fail(
	struct server_client *c, enum shim_proto_error code, uint32_t object, const char *reason);
void server_count(struct shim_server *server, const char *name);
/* Marks the client dead: nothing more is read or sent; its surfaces and memory go at the next
 * reap (the end of this or the next shim_server_dispatch()). Safe inside any callback. */
void server_disconnect(struct server_client *c);

/* Handles one decoded request with the fds that came with it (taken, closed on error). */
void server_handle_request(
	struct server_client *c, const struct shim_proto_msg *msg, int *fds, unsigned n_fds);
/* Frees buffers and surfaces of a dead client (surfaces first, so releases find it dead). */
void server_client_release_objects(struct server_client *c);

#endif
