/*
 * Golden-byte files for the keyboard and mouse codec tests (tests/data/synthkbd, synthmouse).
 *
 * Annotated hex: pairs of hex digits separated by white space; '#' starts a comment that runs
 * to the end of the line. One message per file.
 */
#ifndef HVD_TESTS_PROTO_INPUT_HEXFILE_H
#define HVD_TESTS_PROTO_INPUT_HEXFILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads path (relative to the source root, where meson runs tests) into buf; returns the byte
 * count, or -1 after printing a TAP comment naming the problem (missing file, bad digit, too
 * long for cap). */
int input_hexfile_load(const char *path, uint8_t *buf, size_t cap);

#endif
