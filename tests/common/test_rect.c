/* Rects with exclusive far edges: empty and inverted rects, intersect, clip, union, touch, cost. */
#include <stdint.h>

#include "macros.h"
#include "rect.h"
#include "test.h"

static bool eq(struct rect a, struct rect b)
{
	return a.x1 == b.x1 && a.y1 == b.y1 && a.x2 == b.x2 && a.y2 == b.y2;
}

static void test_rect_empty_and_area(void)
{
	CHECK(rect_is_empty(&(struct rect){ 0, 0, 0, 10 }));
	CHECK(rect_is_empty(&(struct rect){ 5, 5, 4, 10 })); /* inverted */
	CHECK(!rect_is_empty(&(struct rect){ 0, 0, 1, 1 }));
	CHECK_EQ_INT(rect_area(&(struct rect){ 5, 5, 4, 10 }), 0);
	CHECK_EQ_INT(rect_area(&(struct rect){ -2, -3, 2, 3 }), 24);
	struct rect huge = { INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX };
	CHECK(rect_area(&huge) == UINT64_C(0xffffffff) * UINT64_C(0xffffffff));
}

static void test_rect_intersect_and_clip(void)
{
	struct rect out;
	CHECK(rect_intersect(&(struct rect){ 0, 0, 10, 10 }, &(struct rect){ 5, 5, 20, 20 }, &out));
	CHECK(eq(out, (struct rect){ 5, 5, 10, 10 }));
	/* Sharing an edge is not an intersection: far edges are exclusive. */
	CHECK(!rect_intersect(
		&(struct rect){ 0, 0, 10, 10 }, &(struct rect){ 10, 0, 20, 10 }, &out));
	CHECK(eq(out, (struct rect){ 0 }));
	struct rect r = { -10, -10, 5, 700 };
	CHECK(rect_clip(&r, &(struct rect){ 0, 0, 640, 480 }));
	CHECK(eq(r, (struct rect){ 0, 0, 5, 480 }));
	r = (struct rect){ 700, 0, 800, 10 };
	CHECK(!rect_clip(&r, &(struct rect){ 0, 0, 640, 480 }));
	CHECK(rect_is_empty(&r));
}

static void test_rect_union_contains_touches(void)
{
	struct rect a = { 0, 0, 8, 16 }, b = { 8, 16, 16, 32 }, e = { 3, 3, 3, 3 };
	CHECK(eq(rect_union(&a, &b), (struct rect){ 0, 0, 16, 32 }));
	CHECK(eq(rect_union(&a, &e), a));
	CHECK(eq(rect_union(&e, &b), b));
	CHECK(eq(rect_union(&e, &e), (struct rect){ 0 }));
	CHECK(rect_contains(&(struct rect){ 0, 0, 16, 32 }, &b));
	CHECK(!rect_contains(&a, &b));
	CHECK(rect_contains(&a, &e));
	CHECK(rect_touches(&a, &b)); /* corners meet */
	CHECK(rect_touches(&a, &(struct rect){ 8, 0, 9, 1 }));
	CHECK(!rect_touches(&a, &(struct rect){ 9, 0, 10, 1 }));
	CHECK(!rect_touches(&a, &e));
}

static void test_rect_merge_cost(void)
{
	/* Side by side: the box is exactly the two. */
	CHECK_EQ_INT(
		rect_merge_cost(&(struct rect){ 0, 0, 8, 16 }, &(struct rect){ 8, 0, 16, 16 }), 0);
	/* Nested: the box is the outer one, the inner counted twice apart. */
	CHECK_EQ_INT(
		rect_merge_cost(&(struct rect){ 0, 0, 10, 10 }, &(struct rect){ 2, 2, 4, 4 }), -4);
	/* Diagonal cells: two cells of waste. */
	CHECK_EQ_INT(
		rect_merge_cost(&(struct rect){ 0, 0, 8, 16 }, &(struct rect){ 8, 16, 16, 32 }),
		256);
}

static const struct test_case cases[] = {
	TEST_CASE(test_rect_empty_and_area),
	TEST_CASE(test_rect_intersect_and_clip),
	TEST_CASE(test_rect_union_contains_touches),
	TEST_CASE(test_rect_merge_cost),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
