/*
 * A scripted keyboard and mouse host for the hvi driver tests, built on the real host library
 * (vmbus/vmb_host.h) and the real emulated transport: the driver under test talks to it through
 * a real socket and real rings.
 *
 * The host runs its own loop on a thread; the test (the guest) runs on the calling thread, so a
 * blocking bring-up is answered while it waits. Host-side work runs on the host thread through
 * ih_call() and the ih_* senders, which return once it is done: no sleeps, only hand-offs.
 *
 * By default it answers as hvhost does: keyboard 1.0 accepted; mouse 2.0 accepted, then
 * INITIAL_DEVICE_INFO with OpenVMM's descriptor. A config changes the answers and the
 * descriptor. Every guest packet is recorded with its exact bytes (ih_take()).
 *
 * Also here: ih_collect(), the guest-side loop that dispatches the bus and a device until it has
 * produced a number of events, bounded by a failsafe timeout (never the thing tested).
 *
 * Test code: aborts on out-of-memory.
 */
#ifndef HVD_TESTS_INPUT_HOST_H
#define HVD_TESTS_INPUT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvi.h"

struct ih;
struct vmb_bus;

#define IH_WAIT_MS 10000 // failsafe for ih_collect()

enum ih_dev {
	IH_KBD = 0,
	IH_MOUSE = 1,
};

enum ih_answer {
	IH_ACCEPT = 0,
	IH_REJECT,
	IH_SILENT,
};

struct ih_config {
	enum ih_answer kbd_version;
	enum ih_answer mouse_version;
	bool no_device_info;        // the mouse answers the version but sends no device info
	const uint8_t *report_desc; // NULL: OpenVMM's 67 bytes
	size_t report_desc_len;
};

struct ih_packet {
	enum ih_dev dev;
	uint16_t type; // VMB_PKT_*
	uint16_t flags;
	uint64_t trans_id;
	uint8_t bytes[64]; // the message: keyboard payload, mouse 8 + pipe.size (first 64 bytes)
	size_t len;
};

struct ih *ih_start(const struct ih_config *cfg);
void ih_stop(struct ih *ih);
/* A guest bus connected to this host; -errno. */
int ih_connect(struct ih *ih, struct vmb_bus **out);

/* Moves the guest packets received so far into out (up to cap); returns how many. */
size_t ih_take(struct ih *ih, struct ih_packet *out, size_t cap);

/* From the test thread (each runs on the host thread and returns when done): */
int ih_send(struct ih *ih, enum ih_dev dev, const void *payload, size_t len);
int ih_send_completion(struct ih *ih, enum ih_dev dev);
/* The keyboard EVENTs of one key transition (hvi_scancode_from_key()). */
int ih_key(struct ih *ih, uint16_t key, bool pressed);
int ih_keystroke(struct ih *ih, uint16_t make_code, uint32_t info);
/* One INPUT_REPORT carrying report. */
int ih_report(struct ih *ih, const void *report, size_t len);
void ih_rescind(struct ih *ih, enum ih_dev dev);
void ih_reoffer(struct ih *ih, enum ih_dev dev);
void ih_disconnect(struct ih *ih);

/*
 * Guest side: dispatches bus and dev until n events were pulled into rec (or, with n == 0,
 * until neither has anything ready). False when the failsafe ran out first.
 */
bool ih_collect(struct vmb_bus *bus, struct hvi_device *dev, struct hvi_record *rec, size_t n);

/* Guest side: dispatches bus and dev until dev is ready (a re-offer brought up); events that
 * come meanwhile go to rec. False when the failsafe ran out first. */
bool ih_wait_ready(struct vmb_bus *bus, struct hvi_device *dev, struct hvi_record *rec);

/* Log capture for checking the reasons drivers give. */
void ih_log_capture(void);
bool ih_log_contains(const char *text);
void ih_log_clear(void);

#endif
