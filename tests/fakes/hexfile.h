/*
 * Golden-byte files (tests/data/<protocol>/<message>.hex), one message per file, in annotated hex: pairs
 * of hex digits (either case) separated by white space; '#' starts a comment that runs to the end
 * of the line. A digit pair may not straddle white space or a comment.
 */
#ifndef HVD_TESTS_HEXFILE_H
#define HVD_TESTS_HEXFILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Reads path (relative to the source root, where meson runs tests) into buf (cap bytes).
 * Returns the byte count, or a negative errno after printing a TAP comment naming the problem:
 * the open's errno, -EINVAL for a character that is not a hex digit or an odd digit count,
 * -EFBIG for more than cap bytes.
 */
int hexfile_load(const char *path, uint8_t *buf, size_t cap);

#endif
