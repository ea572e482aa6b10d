/*
 * Small parsers for text from the user or a file: hexadecimal digits and "WxH" sizes. C library
 * only, no allocation, so protocol code may use them too.
 */
#ifndef HVD_COMMON_TEXT_H
#define HVD_COMMON_TEXT_H

#include <stdbool.h>
#include <stdint.h>

/* The value of one hexadecimal digit (either case), or -1 when c is not one. */
int text_hex_digit(int c);

/*
 * Parses "WxH" (decimal, nothing after it) into *w and *h, each from min to max; false, with
 * *w and *h untouched, for anything else.
 */
bool text_parse_size(const char *s, uint32_t min, uint32_t max, uint32_t *w, uint32_t *h);

#endif
