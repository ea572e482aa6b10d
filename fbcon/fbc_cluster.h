/*
 * Interned grapheme clusters: a base character plus combining marks, stored as one 32-bit id so a
 * cell stays 16 bytes (libtsm's symbol table does the same).
 *
 * A single code point is its own id. A longer sequence gets an id from FBC_CLUSTER_BASE up, the
 * same id every time it recurs. Ids live as long as the table: the table only grows, up to the
 * `max` given at creation; once full, new sequences keep only their base character (counted in
 * fbc_clusters_dropped()), so a stream of distinct combining sequences costs bounded memory.
 *
 * Errors: fbc_clusters_create() returns 0, -EINVAL (max over FBC_CLUSTERS_MAX) or -ENOMEM.
 */
#ifndef HVD_FBCON_FBC_CLUSTER_H
#define HVD_FBCON_FBC_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "fbc_cell.h"

#define FBC_CLUSTERS_MAX (1u << 20)

struct fbc_clusters;

int fbc_clusters_create(struct fbc_clusters **out, size_t max);
/* NULL is a no-op. */
void fbc_clusters_destroy(struct fbc_clusters *cl);

/* The cell character for cps[0..n) (n >= 1; cps past FBC_CLUSTER_MAX_CPS are ignored). */
uint32_t fbc_clusters_intern(struct fbc_clusters *cl, const uint32_t *cps, size_t n);

/* The code points of a cell character: writes up to FBC_CLUSTER_MAX_CPS to out and returns how
 * many; 0 for an empty cell or an unknown id. */
size_t fbc_clusters_get(
	const struct fbc_clusters *cl, uint32_t ch, uint32_t out[FBC_CLUSTER_MAX_CPS]);

size_t fbc_clusters_count(const struct fbc_clusters *cl);
/* Sequences reduced to their base character because the table was full or memory ran out. */
uint64_t fbc_clusters_dropped(const struct fbc_clusters *cl);

#endif
