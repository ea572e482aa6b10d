#include "test.h"

struct test_state test_state_;

static bool selected(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], name) == 0)
			return true;
	}
	return false;
}

int test_main(int argc, char **argv, const struct test_case *cases, size_t n_cases)
{
	/* Children forked by tests must not repeat buffered output. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	size_t n_run = 0;
	for (size_t i = 0; i < n_cases; i++)
		n_run += selected(argc, argv, cases[i].name);
	printf("1..%zu\n", n_run);

	int failed = 0;
	size_t number = 0;
	for (size_t i = 0; i < n_cases; i++) {
		if (!selected(argc, argv, cases[i].name))
			continue;
		number++;
		test_state_.case_failures = 0;
		test_state_.skipped = false;
		test_state_.skip_reason[0] = '\0';
		if (setjmp(test_state_.bail) == 0)
			cases[i].fn();
		if (test_state_.skipped && test_state_.case_failures == 0) {
			printf("ok %zu - %s # SKIP %s\n", number, cases[i].name,
				test_state_.skip_reason);
		} else if (test_state_.case_failures) {
			printf("not ok %zu - %s\n", number, cases[i].name);
			failed++;
		} else {
			printf("ok %zu - %s\n", number, cases[i].name);
		}
		fflush(stdout);
	}
	return failed ? 1 : 0;
}
