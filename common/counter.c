#include "counter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct counter {
	char name[COUNTER_NAME_MAX + 1];
	uint64_t value;
};

struct counter_set {
	struct counter *items;
	size_t n, cap;
};

struct counter_set *counter_set_create(void)
{
	return calloc(1, sizeof(struct counter_set));
}

void counter_set_destroy(struct counter_set *set)
{
	if (!set)
		return;
	free(set->items);
	free(set);
}

static struct counter *find(const struct counter_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->items[i].name, name) == 0)
			return &set->items[i];
	}
	return NULL;
}

static int lookup_or_create(struct counter_set *set, const char *name, struct counter **out)
{
	if (!name || !name[0])
		return -EINVAL;
	size_t len = strnlen(name, COUNTER_NAME_MAX + 1);
	if (len > COUNTER_NAME_MAX)
		return -EINVAL;
	struct counter *c = find(set, name);
	if (!c) {
		if (set->n == set->cap) {
			size_t cap = set->cap ? set->cap * 2 : 8;
			struct counter *items = realloc(set->items, cap * sizeof(*items));
			if (!items)
				return -ENOMEM;
			set->items = items;
			set->cap = cap;
		}
		c = &set->items[set->n++];
		*c = (struct counter){ 0 };
		memcpy(c->name, name, len);
	}
	*out = c;
	return 0;
}

int counter_add(struct counter_set *set, const char *name, uint64_t n)
{
	struct counter *c;
	int ret = lookup_or_create(set, name, &c);
	if (ret < 0)
		return ret;
	c->value = c->value > UINT64_MAX - n ? UINT64_MAX : c->value + n;
	return 0;
}

int counter_inc(struct counter_set *set, const char *name)
{
	return counter_add(set, name, 1);
}

int counter_declare(struct counter_set *set, const char *name)
{
	return counter_add(set, name, 0);
}

uint64_t counter_get(const struct counter_set *set, const char *name)
{
	const struct counter *c = name ? find(set, name) : NULL;
	return c ? c->value : 0;
}

uint64_t counter_total(const struct counter_set *set)
{
	uint64_t total = 0;
	for (size_t i = 0; i < set->n; i++) {
		uint64_t v = set->items[i].value;
		total = total > UINT64_MAX - v ? UINT64_MAX : total + v;
	}
	return total;
}

size_t counter_count(const struct counter_set *set)
{
	return set->n;
}

const char *counter_name_at(const struct counter_set *set, size_t index)
{
	return index < set->n ? set->items[index].name : NULL;
}

uint64_t counter_value_at(const struct counter_set *set, size_t index)
{
	return index < set->n ? set->items[index].value : 0;
}
