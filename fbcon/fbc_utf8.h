/*
 * UTF-8 sanitiser in front of libvterm: what the child writes comes out as well-formed UTF-8
 * in whole characters.
 *
 * libvterm 0.1.4's decoder mishandles broken input in ways that are not merely cosmetic (see
 * doc/vt-library.md): a lead byte cut short by a control character later combines with a stray
 * continuation byte, and C1 code points (U+0080..U+009F, even when well-formed) are printed
 * with width -1, which walks the cursor off the left edge and makes libvterm index its tables
 * out of bounds. It also loses a character split between two writes. So every ill-formed
 * sequence (RFC 3629: overlong forms, surrogates, beyond U+10FFFF, truncated) and every C1 code
 * point becomes U+FFFD here, one per maximal bad subpart, and a character split across feeds
 * is held until it is complete.
 *
 * Pure: no allocation, no I/O, state in caller memory.
 */
#ifndef HVD_FBCON_FBC_UTF8_H
#define HVD_FBCON_FBC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Output bytes for len input bytes, at most. */
#define FBC_UTF8_OUT_MAX(len) (3 * (len) + 3)

/* Caller memory; zero it to start. */
struct fbc_utf8 {
	uint8_t held[4]; // start of a character not yet complete
	uint8_t len;     // bytes held
	uint8_t need;    // bytes the character has in all
};

/* Sanitises in[0..len) into out (room for FBC_UTF8_OUT_MAX(len) bytes); returns the bytes
 * written. Bytes of an unfinished character stay in the state for the next call. */
size_t fbc_utf8_sanitize(struct fbc_utf8 *state, const uint8_t *in, size_t len, uint8_t *out);

#endif
