/* Named counter sets (common/counter.c): counting, first-use order, totals, bad names. */
#include <errno.h>

#include "counter.h"
#include "macros.h"
#include "test.h"

static void test_counts_by_name_in_first_use_order(void)
{
	struct counter_set *set = counter_set_create();
	REQUIRE(set);
	CHECK_EQ_INT(counter_inc(set, "DIRT"), 0);
	CHECK_EQ_INT(counter_declare(set, "VERSION_REQUEST"), 0);
	CHECK_EQ_INT(counter_add(set, "DIRT", 4), 0);
	CHECK_EQ_INT(counter_inc(set, "POINTER_SHAPE"), 0);
	CHECK_EQ_INT(counter_declare(set, "DIRT"), 0); /* declaring again keeps the count */

	CHECK_EQ_INT(counter_get(set, "DIRT"), 5);
	CHECK_EQ_INT(counter_get(set, "VERSION_REQUEST"), 0);
	CHECK_EQ_INT(counter_get(set, "never"), 0);
	CHECK_EQ_INT(counter_total(set), 6);

	static const char *const order[] = { "DIRT", "VERSION_REQUEST", "POINTER_SHAPE" };
	static const uint64_t values[] = { 5, 0, 1 };
	REQUIRE(counter_count(set) == ARRAY_LEN(order));
	for (size_t i = 0; i < ARRAY_LEN(order); i++) {
		CHECK(strcmp(counter_name_at(set, i), order[i]) == 0);
		CHECK_EQ_INT(counter_value_at(set, i), values[i]);
	}
	CHECK(counter_name_at(set, 3) == NULL);
	CHECK_EQ_INT(counter_value_at(set, 3), 0);
	counter_set_destroy(set);
	counter_set_destroy(NULL);
}

static void test_many_names_grow_the_set(void)
{
	struct counter_set *set = counter_set_create();
	REQUIRE(set);
	char name[16];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "reason %d", i);
		CHECK_EQ_INT(counter_add(set, name, (uint64_t)i), 0);
	}
	CHECK_EQ_INT(counter_count(set), 100);
	CHECK_EQ_INT(counter_get(set, "reason 42"), 42);
	CHECK_EQ_INT(counter_total(set), 99 * 100 / 2);
	CHECK(strcmp(counter_name_at(set, 99), "reason 99") == 0);
	counter_set_destroy(set);
}

static void test_bad_names_are_refused(void)
{
	struct counter_set *set = counter_set_create();
	REQUIRE(set);
	char longest[COUNTER_NAME_MAX + 2];
	memset(longest, 'x', sizeof(longest));
	longest[COUNTER_NAME_MAX] = '\0';
	CHECK_EQ_INT(counter_inc(set, longest), 0);
	longest[COUNTER_NAME_MAX] = 'x';
	longest[COUNTER_NAME_MAX + 1] = '\0';
	CHECK_EQ_INT(counter_inc(set, longest), -EINVAL);
	CHECK_EQ_INT(counter_inc(set, ""), -EINVAL);
	CHECK_EQ_INT(counter_inc(set, NULL), -EINVAL);
	CHECK_EQ_INT(counter_count(set), 1);
	counter_set_destroy(set);
}

static void test_counts_saturate(void)
{
	struct counter_set *set = counter_set_create();
	REQUIRE(set);
	CHECK_EQ_INT(counter_add(set, "a", UINT64_MAX - 1), 0);
	CHECK_EQ_INT(counter_add(set, "a", 5), 0);
	CHECK(counter_get(set, "a") == UINT64_MAX);
	CHECK_EQ_INT(counter_inc(set, "b"), 0);
	CHECK(counter_total(set) == UINT64_MAX);
	counter_set_destroy(set);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_counts_by_name_in_first_use_order),
		TEST_CASE(test_many_names_grow_the_set),
		TEST_CASE(test_bad_names_are_refused),
		TEST_CASE(test_counts_saturate),
	};
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
