/*
 * Pipe-mode framing (vmbus-ring.md §5): on channels offered in named-pipe message mode (synthvid,
 * the synthetic mouse) every in-band payload starts with an 8-byte header, type u32 (1 = DATA)
 * then size u32, the exact number of message bytes that follow; the packet pads the rest to 8.
 *
 * Pure codec: C library and common/wire.h only, no I/O, no allocation.
 * Errors: negative errno. -EMSGSIZE too short or a size beyond the bytes received (or not
 * representable), -EPROTO a header type other than DATA.
 */
#ifndef HVD_VMBUS_PIPE_H
#define HVD_VMBUS_PIPE_H

#include <stddef.h>
#include <stdint.h>

#define VMB_PIPE_HEADER_SIZE 8u
#define VMB_PIPE_TYPE_DATA 1u

/*
 * Writes the header of a DATA message of msg_len bytes into out, which the message bytes then
 * follow (as a second iov entry). -EMSGSIZE if msg_len does not fit the u32 size field.
 */
int vmb_pipe_encode(uint8_t out[VMB_PIPE_HEADER_SIZE], size_t msg_len);

/*
 * Parses a received in-band payload (len bytes, padded to 8 by the ring). On success *msg points
 * into payload, just past the header, and *msg_len is the exact message length (0 is a valid,
 * empty message: OpenVMM's end of stream). Nothing is written on error. payload may be NULL only
 * when len is 0.
 */
int vmb_pipe_parse(const uint8_t *payload, size_t len, const uint8_t **msg, uint32_t *msg_len);

#endif
