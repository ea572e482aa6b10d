/*
 * The shim's client protocol: message layouts and their codec (doc/shim-protocol.md).
 *
 * One message per SOCK_SEQPACKET packet: an 8-byte header {u16 type, u16 reserved = 0,
 * u32 size} then fixed fields, all little-endian; size is the whole message and must equal the
 * packet's length. Messages that carry a file descriptor (SCM_RIGHTS) say so in
 * shim_proto_fd_count().
 *
 * The codec is pure: bytes in, struct out and back, no I/O, C library and common/wire.h only.
 * It checks what the bytes alone can show (lengths, reserved bits, known enums, non-zero ids);
 * whether objects exist, sizes fit limits and fds are right is the server's job.
 *
 * Errors: -EMSGSIZE too short, or size disagrees with the length; -EPROTO a bad field;
 * -EOPNOTSUPP an unknown type; -EINVAL an encoder given a bad struct or too small a buffer.
 */
#ifndef HVD_SHIM_PROTO_H
#define HVD_SHIM_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHIM_PROTO_VERSION 1u
#define SHIM_PROTO_HEADER_SIZE 8u
#define SHIM_PROTO_MAX_MESSAGE 256u // no message is longer; receive buffers use this
#define SHIM_PROTO_MAX_ERROR_TEXT 200u

/* Formats are DRM fourcc codes. */
#define SHIM_PROTO_FORMAT_ARGB8888 0x34325241u // 'AR24', premultiplied
#define SHIM_PROTO_FORMAT_XRGB8888 0x34325258u // 'XR24'

#define SHIM_PROTO_COMMIT_FRAME 0x1u // send frame_done once the commit is on screen

enum shim_proto_type {
	/* Requests, client to server (§3 of the protocol document). */
	SHIM_PROTO_HELLO = 0x0001,
	SHIM_PROTO_BUFFER_ALLOC = 0x0002,
	SHIM_PROTO_BUFFER_IMPORT = 0x0003, // carries one fd
	SHIM_PROTO_BUFFER_DESTROY = 0x0004,
	SHIM_PROTO_SURFACE_CREATE = 0x0005,
	SHIM_PROTO_SURFACE_DESTROY = 0x0006,
	SHIM_PROTO_SURFACE_ATTACH = 0x0007,
	SHIM_PROTO_SURFACE_DAMAGE = 0x0008,
	SHIM_PROTO_SURFACE_POSITION = 0x0009,
	SHIM_PROTO_SURFACE_Z = 0x000a,
	SHIM_PROTO_SURFACE_VISIBLE = 0x000b,
	SHIM_PROTO_SURFACE_OPAQUE = 0x000c,
	SHIM_PROTO_SURFACE_COMMIT = 0x000d,
	SHIM_PROTO_SYNC = 0x000e,
	/* Events, server to client (§4). */
	SHIM_PROTO_WELCOME = 0x8001,
	SHIM_PROTO_BUFFER_ALLOCATED = 0x8002, // carries one fd
	SHIM_PROTO_BUFFER_RELEASE = 0x8003,
	SHIM_PROTO_FRAME_DONE = 0x8004,
	SHIM_PROTO_MODE = 0x8005,
	SHIM_PROTO_SYNC_DONE = 0x8006,
	SHIM_PROTO_ERROR = 0x8007,
};

/* The code of an ERROR event: what the client did wrong (§5). */
enum shim_proto_error {
	SHIM_PROTO_ERR_MESSAGE = 1, // undecodable message, wrong size, unknown type
	SHIM_PROTO_ERR_OBJECT = 2,  // unknown id, or an id already in use
	SHIM_PROTO_ERR_VALUE = 3, // a value out of range (size, stride, damage outside the buffer)
	SHIM_PROTO_ERR_FD = 4,    // missing, extra, or unsuitable file descriptor
	SHIM_PROTO_ERR_LIMIT = 5, // too many objects or too much memory
	SHIM_PROTO_ERR_VERSION = 6, // HELLO missing, repeated, or an unsupported version
	SHIM_PROTO_ERR_SERVER = 7,  // the server failed (out of memory): not the client's fault
};

struct shim_proto_rect {
	uint32_t surface;
	int32_t x, y, width, height;
};

struct shim_proto_import {
	uint32_t buffer, width, height, format;
	uint32_t stride, offset; // bytes; the pixels are offset .. offset + stride * height
};

struct shim_proto_msg {
	uint16_t type; // enum shim_proto_type
	union {
		struct {
			uint32_t version;
		} hello;
		struct {
			uint32_t buffer, width, height, format;
		} buffer_alloc;
		struct shim_proto_import buffer_import;
		struct {
			uint32_t
				id; // buffer_destroy, surface_create, surface_destroy, buffer_release
		} object;
		struct {
			uint32_t surface, buffer; // buffer 0: detach
		} attach;
		struct shim_proto_rect damage;
		struct shim_proto_rect opaque; // width or height 0: nothing opaque
		struct {
			uint32_t surface;
			int32_t x, y;
		} position;
		struct {
			uint32_t surface;
			int32_t z;
		} z;
		struct {
			uint32_t surface, visible; // 0 or 1
		} visible;
		struct {
			uint32_t surface, flags; // SHIM_PROTO_COMMIT_*
		} commit;
		struct {
			uint32_t serial; // sync, sync_done
		} sync;
		struct {
			uint32_t version, width, height, refresh_mhz, max_buffers, max_surfaces;
		} welcome;
		struct {
			uint32_t buffer, stride, size;
		} buffer_allocated;
		struct {
			uint32_t surface;
			uint64_t time_ns;
		} frame_done;
		struct {
			uint32_t width, height, refresh_mhz;
		} mode;
		struct {
			uint32_t code, object; // enum shim_proto_error; the id concerned or 0
			char text[SHIM_PROTO_MAX_ERROR_TEXT + 1]; // NUL-terminated
		} error;
	} u;
};

/* Decodes one message of exactly len bytes. */
int shim_proto_decode(const void *buf, size_t len, struct shim_proto_msg *msg);
/* Encodes msg into buf; returns the message size or a negative errno. */
int shim_proto_encode(const struct shim_proto_msg *msg, void *buf, size_t cap);

/* 1 for BUFFER_IMPORT and BUFFER_ALLOCATED, else 0 (unknown types too). */
unsigned shim_proto_fd_count(uint16_t type);
/* True for client-to-server types. */
bool shim_proto_is_request(uint16_t type);
/* "surface_commit", ...; "unknown" for other values. */
const char *shim_proto_type_to_str(uint16_t type);
const char *shim_proto_error_to_str(uint32_t code);

#endif
