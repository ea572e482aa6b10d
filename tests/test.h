/*
 * A TAP harness small enough to read in one go (seatd's tests/test.h is the model).
 *
 * A test program lists its cases and hands them to test_main():
 *
 *	static void test_ring_wraps(void) { CHECK(...); REQUIRE(...); }
 *	static const struct test_case cases[] = { TEST_CASE(test_ring_wraps), };
 *	int main(int argc, char **argv) { return test_main(argc, argv, cases, ARRAY_LEN(cases)); }
 *
 * Each case prints one TAP line ("ok 3 - name", "not ok 3 - name", "ok 3 - name # SKIP why"),
 * so the runner can count cases, not executables. CHECK() records a failure and goes on;
 * REQUIRE() records it and leaves the case. `prog NAME...` runs only the named cases.
 */
#ifndef HVD_TESTS_TEST_H
#define HVD_TESTS_TEST_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST_CASE(fn)                                                                              \
	{                                                                                          \
#fn, fn                                                                            \
	}

struct test_state {
	int case_failures;
	bool skipped;
	char skip_reason[256];
	jmp_buf bail;
};

extern struct test_state test_state_;

__attribute__((format(printf, 3, 4))) static inline void test_fail_(
	const char *file, int line, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	printf("# %s:%d: ", file, line);
	vprintf(fmt, args);
	printf("\n");
	va_end(args);
	fflush(stdout);
	test_state_.case_failures++;
}

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			test_fail_(__FILE__, __LINE__, "check failed: %s", #cond);                 \
	} while (0)

#define CHECK_MSG(cond, ...)                                                                       \
	do {                                                                                       \
		if (!(cond))                                                                       \
			test_fail_(__FILE__, __LINE__, __VA_ARGS__);                               \
	} while (0)

#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			test_fail_(__FILE__, __LINE__, "requirement failed: %s", #cond);           \
			longjmp(test_state_.bail, 1);                                              \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_)                                                                      \
			test_fail_(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_,  \
				#b, b_);                                                           \
	} while (0)

#define CHECK_MEM(a, b, n)                                                                         \
	do {                                                                                       \
		if (memcmp((a), (b), (n)) != 0)                                                    \
			test_fail_(__FILE__, __LINE__, "bytes differ: %s vs %s (%zu bytes)", #a,   \
				#b, (size_t)(n));                                                  \
	} while (0)

/* Marks the running case skipped (reported, counted apart from passes); returns from it. */
#define SKIP(...)                                                                                  \
	do {                                                                                       \
		test_state_.skipped = true;                                                        \
		snprintf(test_state_.skip_reason, sizeof(test_state_.skip_reason), __VA_ARGS__);   \
		longjmp(test_state_.bail, 1);                                                      \
	} while (0)

/* Notes for the log, as TAP comments. */
#define NOTE(...)                                                                                  \
	do {                                                                                       \
		printf("# ");                                                                      \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		fflush(stdout);                                                                    \
	} while (0)

int test_main(int argc, char **argv, const struct test_case *cases, size_t n_cases);

#endif
