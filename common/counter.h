/*
 * Named counter sets: traffic by message name, rejects by reason.
 *
 * Every rejection of peer input bumps a counter with a short reason ("short DIRT", "bad
 * pitch"), and every message received or sent bumps one named for its type, so `stats` and
 * tests see what happened. A set keeps its counters in the order they were first named, so a
 * dump reads the same on every run. Names are copied; lookups are linear, which is right for
 * the tens of names a device model uses.
 *
 * Errors: counter_add() and counter_declare() return 0 or -ENOMEM (the count is then lost, the
 * set stays usable) or -EINVAL for a NULL, empty or overlong name. Pure C library, no I/O.
 */
#ifndef HVD_COMMON_COUNTER_H
#define HVD_COMMON_COUNTER_H

#include <stddef.h>
#include <stdint.h>

#define COUNTER_NAME_MAX 63 // longest name, in bytes, without the NUL

struct counter_set;

/* NULL (errno ENOMEM) when out of memory. */
struct counter_set *counter_set_create(void);
/* Frees the set and its names. NULL is a no-op. */
void counter_set_destroy(struct counter_set *set);

/* Adds n to the counter name, creating it at 0 first if needed. */
int counter_add(struct counter_set *set, const char *name, uint64_t n);
/* counter_add(set, name, 1). */
int counter_inc(struct counter_set *set, const char *name);
/* Creates the counter at 0 if it does not exist, so a dump lists it before it first counts. */
int counter_declare(struct counter_set *set, const char *name);

/* The counter's value; 0 for a name never counted. */
uint64_t counter_get(const struct counter_set *set, const char *name);
/* Sum of every counter in the set (saturating). */
uint64_t counter_total(const struct counter_set *set);

/* Iteration in first-use order: index < counter_count(); NULL and 0 past the end. The name is
 * valid until the next new name is added or the set is destroyed. */
size_t counter_count(const struct counter_set *set);
const char *counter_name_at(const struct counter_set *set, size_t index);
uint64_t counter_value_at(const struct counter_set *set, size_t index);

#endif
