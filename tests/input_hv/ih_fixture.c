#include "ih_fixture.h"

#include <string.h>

#include "test.h"
#include "vmb.h"

int ih_fixture_setup(struct ih_fixture *f, ih_driver_create_fn *create, const struct ih_config *cfg,
	int timeout_ms)
{
	*f = (struct ih_fixture){ 0 };
	f->ih = ih_start(cfg);
	REQUIRE(ih_connect(f->ih, &f->bus) == 0);
	REQUIRE(hvi_record_create(&f->rec, NULL) == 0);
	const struct hvi_options opts = { .timeout_ms = timeout_ms };
	return create(&f->kbd, f->bus, &opts);
}

void ih_fixture_teardown(struct ih_fixture *f)
{
	hvi_device_destroy(f->kbd);
	vmb_bus_destroy(f->bus);
	ih_stop(f->ih);
	hvi_record_destroy(f->rec);
}

void ih_expect_events(struct ih_fixture *f, size_t n, const char *expected)
{
	hvi_record_clear(f->rec);
	CHECK(ih_collect(f->bus, f->kbd, f->rec, n));
	CHECK_MSG(strcmp(hvi_record_text(f->rec), expected) == 0, "events:\n%s\nexpected:\n%s",
		hvi_record_text(f->rec), expected);
}
