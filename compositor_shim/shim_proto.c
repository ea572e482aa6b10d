/*
 * Codec of the shim's client protocol (doc/shim-protocol.md §2-§4).
 *
 * Every fixed message is a list of fields, so one table row per type describes it and one loop
 * moves the fields through the wire cursor in both directions. Only ERROR, with its text, has
 * code of its own.
 */
#include "shim_proto.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "wire.h"

enum field_kind {
	F_U32,     // any value
	F_S32,     // any value
	F_U64,     // any value
	F_ID,      // u32, not 0
	F_ID0,     // u32, 0 allowed (attach's "no buffer")
	F_BOOL,    // u32, 0 or 1
	F_FORMAT,  // u32, a known fourcc
	F_CFLAGS,  // u32, only known commit flags
	F_VERSION, // u32, not 0
};

struct field {
	enum field_kind kind;
	size_t offset; // in struct shim_proto_msg
};

#define MAX_FIELDS 6
#define FIELD(kind, member)                                                                        \
	{                                                                                          \
		kind, offsetof(struct shim_proto_msg, u.member)                                    \
	}

struct msg_desc {
	uint16_t type;
	const char *name;
	unsigned n_fds;
	unsigned n_fields;
	struct field fields[MAX_FIELDS];
};

static const struct msg_desc descs[] = {
	{ SHIM_PROTO_HELLO, "hello", 0, 1, { FIELD(F_VERSION, hello.version) } },
	{ SHIM_PROTO_BUFFER_ALLOC, "buffer_alloc", 0, 4,
		{ FIELD(F_ID, buffer_alloc.buffer), FIELD(F_U32, buffer_alloc.width),
			FIELD(F_U32, buffer_alloc.height), FIELD(F_FORMAT, buffer_alloc.format) } },
	{ SHIM_PROTO_BUFFER_IMPORT, "buffer_import", 1, 6,
		{ FIELD(F_ID, buffer_import.buffer), FIELD(F_U32, buffer_import.width),
			FIELD(F_U32, buffer_import.height), FIELD(F_FORMAT, buffer_import.format),
			FIELD(F_U32, buffer_import.stride), FIELD(F_U32, buffer_import.offset) } },
	{ SHIM_PROTO_BUFFER_DESTROY, "buffer_destroy", 0, 1, { FIELD(F_ID, object.id) } },
	{ SHIM_PROTO_SURFACE_CREATE, "surface_create", 0, 1, { FIELD(F_ID, object.id) } },
	{ SHIM_PROTO_SURFACE_DESTROY, "surface_destroy", 0, 1, { FIELD(F_ID, object.id) } },
	{ SHIM_PROTO_SURFACE_ATTACH, "surface_attach", 0, 2,
		{ FIELD(F_ID, attach.surface), FIELD(F_ID0, attach.buffer) } },
	{ SHIM_PROTO_SURFACE_DAMAGE, "surface_damage", 0, 5,
		{ FIELD(F_ID, damage.surface), FIELD(F_S32, damage.x), FIELD(F_S32, damage.y),
			FIELD(F_S32, damage.width), FIELD(F_S32, damage.height) } },
	{ SHIM_PROTO_SURFACE_POSITION, "surface_position", 0, 3,
		{ FIELD(F_ID, position.surface), FIELD(F_S32, position.x),
			FIELD(F_S32, position.y) } },
	{ SHIM_PROTO_SURFACE_Z, "surface_z", 0, 2, { FIELD(F_ID, z.surface), FIELD(F_S32, z.z) } },
	{ SHIM_PROTO_SURFACE_VISIBLE, "surface_visible", 0, 2,
		{ FIELD(F_ID, visible.surface), FIELD(F_BOOL, visible.visible) } },
	{ SHIM_PROTO_SURFACE_OPAQUE, "surface_opaque", 0, 5,
		{ FIELD(F_ID, opaque.surface), FIELD(F_S32, opaque.x), FIELD(F_S32, opaque.y),
			FIELD(F_S32, opaque.width), FIELD(F_S32, opaque.height) } },
	{ SHIM_PROTO_SURFACE_COMMIT, "surface_commit", 0, 2,
		{ FIELD(F_ID, commit.surface), FIELD(F_CFLAGS, commit.flags) } },
	{ SHIM_PROTO_SYNC, "sync", 0, 1, { FIELD(F_U32, sync.serial) } },
	{ SHIM_PROTO_WELCOME, "welcome", 0, 6,
		{ FIELD(F_VERSION, welcome.version), FIELD(F_U32, welcome.width),
			FIELD(F_U32, welcome.height), FIELD(F_U32, welcome.refresh_mhz),
			FIELD(F_U32, welcome.max_buffers), FIELD(F_U32, welcome.max_surfaces) } },
	{ SHIM_PROTO_BUFFER_ALLOCATED, "buffer_allocated", 1, 3,
		{ FIELD(F_ID, buffer_allocated.buffer), FIELD(F_U32, buffer_allocated.stride),
			FIELD(F_U32, buffer_allocated.size) } },
	{ SHIM_PROTO_BUFFER_RELEASE, "buffer_release", 0, 1, { FIELD(F_ID, object.id) } },
	{ SHIM_PROTO_FRAME_DONE, "frame_done", 0, 2,
		{ FIELD(F_ID, frame_done.surface), FIELD(F_U64, frame_done.time_ns) } },
	{ SHIM_PROTO_MODE, "mode", 0, 3,
		{ FIELD(F_U32, mode.width), FIELD(F_U32, mode.height),
			FIELD(F_U32, mode.refresh_mhz) } },
	{ SHIM_PROTO_SYNC_DONE, "sync_done", 0, 1, { FIELD(F_U32, sync.serial) } },
	{ SHIM_PROTO_ERROR, "error", 0, 2,
		{ FIELD(F_U32, error.code), FIELD(F_U32, error.object) } },
};

static const struct msg_desc *find_desc(uint16_t type)
{
	for (size_t i = 0; i < sizeof(descs) / sizeof(descs[0]); i++) {
		if (descs[i].type == type)
			return &descs[i];
	}
	return NULL;
}

static bool field_valid(enum field_kind kind, uint64_t v)
{
	switch (kind) {
	case F_ID:
	case F_VERSION:
		return v != 0;
	case F_BOOL:
		return v <= 1;
	case F_FORMAT:
		return v == SHIM_PROTO_FORMAT_ARGB8888 || v == SHIM_PROTO_FORMAT_XRGB8888;
	case F_CFLAGS:
		return (v & ~(uint64_t)SHIM_PROTO_COMMIT_FRAME) == 0;
	default:
		return true;
	}
}

static size_t field_size(enum field_kind kind)
{
	return kind == F_U64 ? 8 : 4;
}

static size_t body_size(const struct msg_desc *d)
{
	size_t n = 0;
	for (unsigned i = 0; i < d->n_fields; i++)
		n += field_size(d->fields[i].kind);
	return n;
}

static void get_field(struct wire *w, const struct field *f, struct shim_proto_msg *msg)
{
	char *p = (char *)msg + f->offset;
	if (f->kind == F_U64) {
		uint64_t v = wire_get_u64(w);
		memcpy(p, &v, sizeof(v));
	} else if (f->kind == F_S32) {
		int32_t v = wire_get_s32(w);
		memcpy(p, &v, sizeof(v));
	} else {
		uint32_t v = wire_get_u32(w);
		memcpy(p, &v, sizeof(v));
	}
}

static uint64_t read_field(const struct field *f, const struct shim_proto_msg *msg)
{
	const char *p = (const char *)msg + f->offset;
	if (f->kind == F_U64) {
		uint64_t v;
		memcpy(&v, p, sizeof(v));
		return v;
	}
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* ERROR: code, object, u16 text length, text (no NUL), then nothing. */
static int decode_error_text(struct wire *w, struct shim_proto_msg *msg)
{
	uint16_t len = wire_get_u16(w);
	if (wire_error(w))
		return wire_error(w);
	if (len > SHIM_PROTO_MAX_ERROR_TEXT)
		return -EPROTO;
	wire_get_bytes(w, msg->u.error.text, len);
	if (wire_error(w))
		return wire_error(w);
	msg->u.error.text[len] = '\0';
	if (memchr(msg->u.error.text, '\0', len))
		return -EPROTO;
	return 0;
}

int shim_proto_decode(const void *buf, size_t len, struct shim_proto_msg *msg)
{
	struct wire w = wire_reader(buf, len);
	uint16_t type = wire_get_u16(&w);
	uint16_t reserved = wire_get_u16(&w);
	uint32_t size = wire_get_u32(&w);
	if (wire_error(&w))
		return -EMSGSIZE;
	if (size != len)
		return -EMSGSIZE;
	if (reserved != 0)
		return -EPROTO;
	const struct msg_desc *d = find_desc(type);
	if (!d)
		return -EOPNOTSUPP;
	*msg = (struct shim_proto_msg){ .type = type };
	for (unsigned i = 0; i < d->n_fields; i++)
		get_field(&w, &d->fields[i], msg);
	if (wire_error(&w))
		return -EMSGSIZE;
	for (unsigned i = 0; i < d->n_fields; i++) {
		if (!field_valid(d->fields[i].kind, read_field(&d->fields[i], msg)))
			return -EPROTO;
	}
	if (type == SHIM_PROTO_ERROR) {
		int ret = decode_error_text(&w, msg);
		if (ret < 0)
			return ret;
	}
	/* Trailing bytes: a message has exactly its size. */
	return wire_remaining(&w) ? -EMSGSIZE : 0;
}

static void put_field(struct wire *w, const struct field *f, uint64_t v)
{
	if (f->kind == F_U64)
		wire_put_u64(w, v);
	else
		wire_put_u32(w, (uint32_t)v);
}

int shim_proto_encode(const struct shim_proto_msg *msg, void *buf, size_t cap)
{
	const struct msg_desc *d = find_desc(msg->type);
	if (!d)
		return -EINVAL;
	size_t size = SHIM_PROTO_HEADER_SIZE + body_size(d);
	size_t text_len = 0;
	if (msg->type == SHIM_PROTO_ERROR) {
		text_len = strnlen(msg->u.error.text, SHIM_PROTO_MAX_ERROR_TEXT + 1);
		if (text_len > SHIM_PROTO_MAX_ERROR_TEXT)
			return -EINVAL;
		size += 2 + text_len;
	}
	if (size > cap)
		return -EINVAL;
	for (unsigned i = 0; i < d->n_fields; i++) {
		if (!field_valid(d->fields[i].kind, read_field(&d->fields[i], msg)))
			return -EINVAL;
	}
	struct wire w = wire_writer(buf, cap);
	wire_put_u16(&w, msg->type);
	wire_put_u16(&w, 0);
	wire_put_u32(&w, (uint32_t)size);
	for (unsigned i = 0; i < d->n_fields; i++)
		put_field(&w, &d->fields[i], read_field(&d->fields[i], msg));
	if (msg->type == SHIM_PROTO_ERROR) {
		wire_put_u16(&w, (uint16_t)text_len);
		wire_put_bytes(&w, msg->u.error.text, text_len);
	}
	return wire_error(&w) ? -EINVAL : (int)size;
}

unsigned shim_proto_fd_count(uint16_t type)
{
	const struct msg_desc *d = find_desc(type);
	return d ? d->n_fds : 0;
}

bool shim_proto_is_request(uint16_t type)
{
	return find_desc(type) && !(type & 0x8000);
}

const char *shim_proto_type_to_str(uint16_t type)
{
	const struct msg_desc *d = find_desc(type);
	return d ? d->name : "unknown";
}

const char *shim_proto_error_to_str(uint32_t code)
{
	switch (code) {
	case SHIM_PROTO_ERR_MESSAGE:
		return "bad message";
	case SHIM_PROTO_ERR_OBJECT:
		return "bad object";
	case SHIM_PROTO_ERR_VALUE:
		return "bad value";
	case SHIM_PROTO_ERR_FD:
		return "bad fd";
	case SHIM_PROTO_ERR_LIMIT:
		return "limit reached";
	case SHIM_PROTO_ERR_VERSION:
		return "bad version";
	case SHIM_PROTO_ERR_SERVER:
		return "server failure";
	}
	return "unknown";
}
