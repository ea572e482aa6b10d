/*
 * Parsers for the sysfs attributes of vmbus-ring.md §6 (see vmb_uio_sysfs.h). The kernel prints
 * GUIDs as "{%pUl}\n" (vmbus_drv.c), relids as "%d\n" and uio map sizes as "%pa\n" (uio.c).
 */
#include "vmb_uio_sysfs.h"

#include <errno.h>
#include <string.h>

/* The length of text without the one trailing newline the kernel adds. */
static size_t body_len(const char *text)
{
	size_t len = strlen(text);
	return len > 0 && text[len - 1] == '\n' ? len - 1 : len;
}

int vmb_uio_parse_guid(const char *text, struct vmb_guid *out)
{
	size_t len = body_len(text);
	if (len >= 2 && text[0] == '{' && text[len - 1] == '}') {
		text++;
		len -= 2;
	}
	if (len != VMB_GUID_STR_LEN - 1)
		return -EINVAL;
	char guid[VMB_GUID_STR_LEN];
	memcpy(guid, text, len);
	guid[len] = '\0';
	return vmb_guid_parse(guid, out);
}

static int digit_value(char c, unsigned base)
{
	int v = -1;
	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (base == 16 && c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (base == 16 && c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	return v;
}

/* Digits only, at least one, in base 10 or 16, up to max. */
static int parse_digits(const char *s, size_t len, unsigned base, uint64_t max, uint64_t *out)
{
	if (len == 0)
		return -EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		int d = digit_value(s[i], base);
		if (d < 0)
			return -EINVAL;
		if (v > (max - (uint64_t)d) / base)
			return -ERANGE;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

int vmb_uio_parse_u32(const char *text, uint32_t *out)
{
	size_t len = body_len(text);
	if (len > 1 && text[0] == '0')
		return -EINVAL;
	uint64_t v;
	int ret = parse_digits(text, len, 10, UINT32_MAX, &v);
	if (ret == 0)
		*out = (uint32_t)v;
	return ret;
}

int vmb_uio_parse_size(const char *text, uint64_t *out)
{
	size_t len = body_len(text);
	if (len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		return parse_digits(text + 2, len - 2, 16, UINT64_MAX, out);
	return parse_digits(text, len, 10, UINT64_MAX, out);
}

int vmb_uio_ring_bytes(uint64_t map0_size, uint32_t *ring_bytes)
{
	uint64_t half = map0_size / 2;
	if (map0_size % 2 != 0 || half % VMB_UIO_PAGE != 0 || half < 2 * VMB_UIO_PAGE ||
		half > VMB_UIO_MAX_RING_BYTES)
		return -EINVAL;
	*ring_bytes = (uint32_t)half;
	return 0;
}

int vmb_uio_parse_node(const char *name, uint32_t *n)
{
	if (strncmp(name, "uio", 3) != 0 || strchr(name, '\n'))
		return -EINVAL;
	return vmb_uio_parse_u32(name + 3, n);
}
