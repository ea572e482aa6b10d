/*
 * Codec for the control messages of the emulated VMBus (vmbus-emu.md §2, contract version 1).
 *
 * Each control message is one seqpacket: an 8-byte header (u32 msgtype, u32 that must be 0) and
 * a body of exactly the size the table gives. This module turns bytes into plain structs and
 * back; it does no I/O and keeps no state, so "out of sequence" and "unknown relid" are the
 * caller's checks. Everything else the table says is checked here: the exact length, the second
 * header word, the zero fields, the direction a type may travel, the values a field may take,
 * and how many descriptors (SCM_RIGHTS) the message must carry.
 *
 * Errors: negative errno. -EMSGSIZE wrong length (or an encode buffer too small), -EPROTO a bad
 * field, wrong direction or wrong descriptor count, -EOPNOTSUPP an unknown msgtype, -EINVAL a
 * message we were asked to encode that has no wire form.
 *
 * Pure: C library and common/wire.h only.
 */
#ifndef HVD_VMBUS_CTL_PROTO_H
#define HVD_VMBUS_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmb_guid.h"

/* msgtype: VMBus's own channel message numbers (§2). */
enum vmb_ctl_type {
	VMB_CTL_OFFERCHANNEL = 1,
	VMB_CTL_RESCIND_CHANNELOFFER = 2,
	VMB_CTL_REQUESTOFFERS = 3,
	VMB_CTL_ALLOFFERS_DELIVERED = 4,
	VMB_CTL_OPENCHANNEL = 5,
	VMB_CTL_OPENCHANNEL_RESULT = 6,
	VMB_CTL_CLOSECHANNEL = 7,
	VMB_CTL_INITIATE_CONTACT = 14,
	VMB_CTL_VERSION_RESPONSE = 15,
	VMB_CTL_UNLOAD = 16,
	VMB_CTL_UNLOAD_RESPONSE = 17,
	VMB_CTL_RELID_RELEASED = 21,
};

/* The way a message travels; a decoder is told which way its input came. */
enum vmb_ctl_dir {
	VMB_CTL_TO_HOST = 0,  // guest -> host: decoded by the host
	VMB_CTL_TO_GUEST = 1, // host -> guest: decoded by the guest
};

#define VMB_CTL_HEADER_SIZE 8u

/* Body sizes (§2 table). */
#define VMB_CTL_INITIATE_CONTACT_SIZE 4u
#define VMB_CTL_VERSION_RESPONSE_SIZE 24u
#define VMB_CTL_REQUESTOFFERS_SIZE 4u
#define VMB_CTL_OFFERCHANNEL_SIZE 48u
#define VMB_CTL_ALLOFFERS_DELIVERED_SIZE 4u
#define VMB_CTL_OPENCHANNEL_SIZE 136u
#define VMB_CTL_OPENCHANNEL_RESULT_SIZE 12u
#define VMB_CTL_CLOSECHANNEL_SIZE 4u
#define VMB_CTL_RESCIND_CHANNELOFFER_SIZE 4u
#define VMB_CTL_RELID_RELEASED_SIZE 4u
#define VMB_CTL_UNLOAD_SIZE 4u
#define VMB_CTL_UNLOAD_RESPONSE_SIZE 4u

/* The largest message (OPENCHANNEL) and the most descriptors one carries. */
#define VMB_CTL_MAX_SIZE (VMB_CTL_HEADER_SIZE + VMB_CTL_OPENCHANNEL_SIZE)
#define VMB_CTL_MAX_FDS 3u

/* OFFERCHANNEL offsets within the body. */
#define VMB_CTL_OFFER_INTERFACE_OFF 0u
#define VMB_CTL_OFFER_INSTANCE_OFF 16u
#define VMB_CTL_OFFER_RELID_OFF 32u
#define VMB_CTL_OFFER_MMIO_MB_OFF 36u
#define VMB_CTL_OFFER_FLAGS_OFF 38u
#define VMB_CTL_OFFER_PIPE_MODE_OFF 40u
#define VMB_CTL_OFFER_RESERVED_OFF 44u
_Static_assert(VMB_CTL_OFFER_RESERVED_OFF + 4 == VMB_CTL_OFFERCHANNEL_SIZE, "OFFERCHANNEL size");

/* OPENCHANNEL offsets within the body. */
#define VMB_CTL_OPEN_RELID_OFF 0u
#define VMB_CTL_OPEN_ID_OFF 4u
#define VMB_CTL_OPEN_RING_BYTES_OFF 8u
#define VMB_CTL_OPEN_PAGEOFFSET_OFF 12u
#define VMB_CTL_OPEN_USER_DATA_OFF 16u
#define VMB_CTL_OPEN_USER_DATA_SIZE 120u
_Static_assert(VMB_CTL_OPEN_USER_DATA_OFF + VMB_CTL_OPEN_USER_DATA_SIZE == VMB_CTL_OPENCHANNEL_SIZE,
	"OPENCHANNEL size");

/* VERSION_RESPONSE offsets within the body. */
#define VMB_CTL_VRESP_SUPPORTED_OFF 0u
#define VMB_CTL_VRESP_REFUSAL_OFF 1u
#define VMB_CTL_VRESP_VERSION_OFF 4u
#define VMB_CTL_VRESP_MMIO_BASE_OFF 8u
#define VMB_CTL_VRESP_MMIO_SIZE_OFF 16u
_Static_assert(
	VMB_CTL_VRESP_MMIO_SIZE_OFF + 8 == VMB_CTL_VERSION_RESPONSE_SIZE, "VERSION_RESPONSE size");

/* OPENCHANNEL descriptors, in this order. */
enum vmb_ctl_open_fd {
	VMB_CTL_OPEN_FD_RING = 0,      // memfd of exactly ring_bytes, F_SEAL_SHRINK
	VMB_CTL_OPEN_FD_SIGNAL = 1,    // eventfd the guest writes (G->H)
	VMB_CTL_OPEN_FD_INTERRUPT = 2, // eventfd the host writes (H->G)
};

/* VERSION_RESPONSE refusal reasons. */
enum vmb_ctl_refusal {
	VMB_CTL_REFUSAL_VERSION = 0, // version not supported: propose an older one
	VMB_CTL_REFUSAL_BUSY = 1,    // the host serves another guest; it closes the connection
};

#define VMB_CTL_OFFER_FLAG_NAMED_PIPE 0x10u
#define VMB_CTL_PIPE_MODE_MESSAGE 4u
/* The MMIO window's base alignment and size granularity (§4). */
#define VMB_CTL_MMIO_ALIGN (2u << 20)
#define VMB_CTL_PAGE_SIZE 4096u

struct vmb_ctl_initiate_contact {
	uint32_t vmbus_version; // major << 16 | minor
};

struct vmb_ctl_version_response {
	bool version_supported;
	uint8_t refusal; // enum vmb_ctl_refusal; 0 when supported
	uint32_t vmbus_version;
	uint64_t mmio_base;
	uint64_t mmio_size;
};

struct vmb_ctl_offer {
	struct vmb_guid interface;
	struct vmb_guid instance;
	uint32_t child_relid;
	uint16_t mmio_megabytes;
	uint16_t chn_flags;
	uint32_t pipe_mode; // 0 unless chn_flags has VMB_CTL_OFFER_FLAG_NAMED_PIPE
};

struct vmb_ctl_open {
	uint32_t child_relid;
	uint32_t open_id;
	uint32_t ring_bytes;
	uint32_t downstream_ringbuffer_pageoffset; // guest->host ring size in 4096-byte pages
	uint8_t user_data[VMB_CTL_OPEN_USER_DATA_SIZE];
};

struct vmb_ctl_open_result {
	uint32_t child_relid;
	uint32_t open_id;
	int32_t status; // 0 opened, else a negative errno
};

/* One decoded message. `type` says which member is valid; bodies that are only zeros (the
 * REQUESTOFFERS, ALLOFFERS_DELIVERED, UNLOAD and UNLOAD_RESPONSE) have none. */
struct vmb_ctl_msg {
	enum vmb_ctl_type type;
	union {
		struct vmb_ctl_initiate_contact initiate_contact;
		struct vmb_ctl_version_response version_response;
		struct vmb_ctl_offer offer;
		struct vmb_ctl_open open;
		struct vmb_ctl_open_result open_result;
		uint32_t child_relid; // CLOSECHANNEL, RESCIND_CHANNELOFFER, RELID_RELEASED
	};
};

/* "OFFERCHANNEL", ...; "unknown" for any other value. */
const char *vmb_ctl_type_to_str(uint32_t type);
bool vmb_ctl_type_known(uint32_t type);
/* The direction a known type travels; false for an unknown type. */
bool vmb_ctl_type_dir(uint32_t type, enum vmb_ctl_dir *dir);
/* The msgtype of a received message, for logs (0 when shorter than 4 bytes). */
uint32_t vmb_ctl_peek_type(const uint8_t *buf, size_t len);
/* Header plus body bytes of a known type; 0 for an unknown one. */
size_t vmb_ctl_msg_size(uint32_t type);
/* How many descriptors the message must carry: 1 for an accepting VERSION_RESPONSE (the MMIO
 * memfd), 3 for OPENCHANNEL, else 0. */
size_t vmb_ctl_msg_fds(const struct vmb_ctl_msg *msg);

/*
 * Writes msg into buf (cap bytes) with zeros wherever the table says 0. Returns the message's
 * length, -EMSGSIZE if cap is too small, -EINVAL for an unknown type. Fields are written as
 * given, unchecked: vmb_ctl_check() says whether the peer will accept them.
 */
int vmb_ctl_encode(const struct vmb_ctl_msg *msg, uint8_t *buf, size_t cap);

/*
 * Decodes one received message (len bytes, with nfds descriptors attached) that travelled in
 * direction dir. On success fills *out and returns 0; on error leaves *out untouched and, when
 * reason is not NULL, points *reason at a static text naming what was wrong ("second header
 * word not 0", ...). buf may be NULL only when len is 0.
 */
int vmb_ctl_decode(enum vmb_ctl_dir dir, const uint8_t *buf, size_t len, size_t nfds,
	struct vmb_ctl_msg *out, const char **reason);

/* The field rules decode applies, on a struct: 0 or -EPROTO with *reason (NULL-able) set. */
int vmb_ctl_check(const struct vmb_ctl_msg *msg, const char **reason);

#endif
