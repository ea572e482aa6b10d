/*
 * Scrollback ring; see fbc_scrollback.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "fbc_row.h"
#include "fbc_scrollback.h"

struct fbc_scrollback {
	struct fbc_row **lines; // ring of max slots
	size_t max;
	size_t head; // slot of the oldest line
	size_t count;
};

int fbc_scrollback_create(struct fbc_scrollback **out, size_t max_lines)
{
	if (max_lines > FBC_SCROLLBACK_MAX)
		return -EINVAL;
	struct fbc_scrollback *sb = calloc(1, sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	if (max_lines) {
		sb->lines = calloc(max_lines, sizeof(*sb->lines));
		if (!sb->lines) {
			free(sb);
			return -ENOMEM;
		}
	}
	sb->max = max_lines;
	*out = sb;
	return 0;
}

void fbc_scrollback_destroy(struct fbc_scrollback *sb)
{
	if (!sb)
		return;
	fbc_scrollback_clear(sb);
	free(sb->lines);
	free(sb);
}

size_t fbc_scrollback_count(const struct fbc_scrollback *sb)
{
	return sb->count;
}

size_t fbc_scrollback_max(const struct fbc_scrollback *sb)
{
	return sb->max;
}

static size_t slot_of_age(const struct fbc_scrollback *sb, size_t age)
{
	return (sb->head + sb->count - 1 - age) % sb->max;
}

struct fbc_row *fbc_scrollback_push(struct fbc_scrollback *sb, struct fbc_row *row)
{
	if (sb->max == 0)
		return row;
	struct fbc_row *evicted = NULL;
	if (sb->count == sb->max) {
		evicted = sb->lines[sb->head];
		sb->lines[sb->head] = row;
		sb->head = (sb->head + 1) % sb->max;
		return evicted;
	}
	sb->lines[(sb->head + sb->count) % sb->max] = row;
	sb->count++;
	return NULL;
}

struct fbc_row *fbc_scrollback_pop(struct fbc_scrollback *sb)
{
	if (sb->count == 0)
		return NULL;
	size_t slot = slot_of_age(sb, 0);
	struct fbc_row *row = sb->lines[slot];
	sb->lines[slot] = NULL;
	sb->count--;
	return row;
}

void fbc_scrollback_line(const struct fbc_scrollback *sb, size_t age, struct fbc_line *out)
{
	fbc_row_line(sb->lines[slot_of_age(sb, age)], out);
}

void fbc_scrollback_clear(struct fbc_scrollback *sb)
{
	while (sb->count)
		fbc_row_destroy(fbc_scrollback_pop(sb));
	sb->head = 0;
}
