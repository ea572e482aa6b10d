/*
 * Interned grapheme clusters: an array of entries indexed by id and an open-addressed hash from
 * content to id. See fbc_cluster.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fbc_cluster.h"

struct entry {
	uint32_t cps[FBC_CLUSTER_MAX_CPS];
	uint8_t n;
};

struct fbc_clusters {
	struct entry *entries; // [count], capacity cap
	size_t count;
	size_t cap;
	size_t max;
	uint32_t *slots; // hash slots: id + 1, 0 empty; nslots is a power of two > 2 * cap
	size_t nslots;
	uint64_t dropped;
};

int fbc_clusters_create(struct fbc_clusters **out, size_t max)
{
	if (max > FBC_CLUSTERS_MAX)
		return -EINVAL;
	struct fbc_clusters *cl = calloc(1, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	cl->max = max;
	*out = cl;
	return 0;
}

void fbc_clusters_destroy(struct fbc_clusters *cl)
{
	if (!cl)
		return;
	free(cl->entries);
	free(cl->slots);
	free(cl);
}

static uint32_t hash_cps(const uint32_t *cps, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= cps[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

static bool entry_is(const struct entry *e, const uint32_t *cps, size_t n)
{
	return e->n == n && memcmp(e->cps, cps, n * sizeof(*cps)) == 0;
}

static int grow(struct fbc_clusters *cl)
{
	size_t cap = cl->cap ? cl->cap * 2 : 64;
	if (cap > cl->max)
		cap = cl->max;
	size_t nslots = 1;
	while (nslots <= 2 * cap)
		nslots <<= 1;
	struct entry *entries = realloc(cl->entries, cap * sizeof(*entries));
	if (!entries)
		return -ENOMEM;
	cl->entries = entries;
	uint32_t *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t id = 0; id < cl->count; id++) {
		const struct entry *e = &cl->entries[id];
		size_t s = hash_cps(e->cps, e->n) & (nslots - 1);
		while (slots[s])
			s = (s + 1) & (nslots - 1);
		slots[s] = (uint32_t)id + 1;
	}
	free(cl->slots);
	cl->slots = slots;
	cl->nslots = nslots;
	cl->cap = cap;
	return 0;
}

uint32_t fbc_clusters_intern(struct fbc_clusters *cl, const uint32_t *cps, size_t n)
{
	if (n > FBC_CLUSTER_MAX_CPS)
		n = FBC_CLUSTER_MAX_CPS;
	if (n <= 1)
		return n ? cps[0] : 0;
	if (cl->nslots) {
		size_t s = hash_cps(cps, n) & (cl->nslots - 1);
		for (; cl->slots[s]; s = (s + 1) & (cl->nslots - 1)) {
			uint32_t id = cl->slots[s] - 1;
			if (entry_is(&cl->entries[id], cps, n))
				return FBC_CLUSTER_BASE + id;
		}
	}
	if (cl->count == cl->cap && (cl->cap == cl->max || grow(cl) < 0)) {
		cl->dropped++;
		return cps[0];
	}
	uint32_t id = (uint32_t)cl->count++;
	struct entry *e = &cl->entries[id];
	*e = (struct entry){ .n = (uint8_t)n };
	memcpy(e->cps, cps, n * sizeof(*cps));
	size_t s = hash_cps(cps, n) & (cl->nslots - 1);
	while (cl->slots[s])
		s = (s + 1) & (cl->nslots - 1);
	cl->slots[s] = id + 1;
	return FBC_CLUSTER_BASE + id;
}

size_t fbc_clusters_get(
	const struct fbc_clusters *cl, uint32_t ch, uint32_t out[FBC_CLUSTER_MAX_CPS])
{
	if (ch == 0)
		return 0;
	if (ch < FBC_CLUSTER_BASE) {
		out[0] = ch;
		return 1;
	}
	uint32_t id = ch - FBC_CLUSTER_BASE;
	if (id >= cl->count)
		return 0;
	const struct entry *e = &cl->entries[id];
	memcpy(out, e->cps, e->n * sizeof(*out));
	return e->n;
}

size_t fbc_clusters_count(const struct fbc_clusters *cl)
{
	return cl->count;
}

uint64_t fbc_clusters_dropped(const struct fbc_clusters *cl)
{
	return cl->dropped;
}
