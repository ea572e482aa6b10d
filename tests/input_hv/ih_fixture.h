/*
 * The set-up the keyboard and the mouse driver tests share: a scripted host (input_host.h), a
 * guest bus connected to it, the driver under test and a record of its events.
 *
 * Test code: a host, bus or record that cannot be had fails the case (REQUIRE); the driver's own
 * result is returned, since refusing to come up is what some cases test.
 */
#ifndef HVD_TESTS_IH_FIXTURE_H
#define HVD_TESTS_IH_FIXTURE_H

#include <stddef.h>

#include "hvi.h"
#include "input_host.h"

struct ih_fixture {
	struct ih *ih;
	struct vmb_bus *bus;
	/* The driver under test (NULL if it did not come up), by the name its test reads best. */
	union {
		struct hvi_device *kbd;
		struct hvi_device *mouse;
	};
	struct hvi_record *rec;
};

typedef int ih_driver_create_fn(
	struct hvi_device **out, struct vmb_bus *bus, const struct hvi_options *opts);

/* Starts the host with cfg (NULL: hvhost's answers), connects and creates the driver with
 * create and timeout_ms; returns what create returned. f is reset first. */
int ih_fixture_setup(struct ih_fixture *f, ih_driver_create_fn *create, const struct ih_config *cfg,
	int timeout_ms);
/* Destroys whatever setup made; safe after a failed create. */
void ih_fixture_teardown(struct ih_fixture *f);
/* Collects n events from the driver and checks them, as text, against expected. */
void ih_expect_events(struct ih_fixture *f, size_t n, const char *expected);

#endif
