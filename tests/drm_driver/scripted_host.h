/*
 * A scripted synthvid host for driver tests and benchmarks, built on the real host library
 * (vmbus/vmb_host.h) and the real emulated transport: the guest driver under test talks to it
 * through a real socket, real rings and real shared VRAM.
 *
 * The host runs its own loop on a thread; the test (the guest) runs on the calling thread, so a
 * blocking bring-up is answered while it waits. Host-side work the test needs is run on the host
 * thread with sh_call(), which returns once it is done: no sleeps, only hand-offs.
 *
 * By default the host behaves like hvhost: it accepts synthvid 3.5 and 3.2, sends FEATURE_CHANGE
 * with every flag set after accepting, lists three resolutions, acknowledges VRAM_LOCATION and
 * SITUATION_UPDATE. A config changes each answer; a hook sees every guest message first and can
 * answer itself (garbage, stale responses, silence). Every guest message is recorded with its
 * exact bytes, taken with sh_take().
 *
 * Test code: aborts on out-of-memory, returns errors on anything the guest did.
 */
#ifndef HVD_TESTS_SCRIPTED_HOST_H
#define HVD_TESTS_SCRIPTED_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synthvid.h"

struct sh;
struct vmb_bus;

enum sh_answer {
	SH_ACCEPT = 0,
	SH_REJECT,
	SH_SILENT, // no answer at all: the guest's wait times out
};

struct sh_config {
	const uint32_t *vmbus_versions; // NULL: 5.0, 4.0, 3.0, 2.4
	size_t n_vmbus_versions;
	uint16_t mmio_megabytes; // 0: 8
	enum sh_answer v3_5;     // VERSION_REQUEST for 3.5
	enum sh_answer v3_2;
	enum sh_answer v3_0;
	bool resolution_silent;
	bool vram_silent;
	bool no_feature_change; // no FEATURE_CHANGE after accepting a version
	bool no_record;         // benchmarks: only count
	/* Resolutions (NULL: 1024x768, 1280x1024, 1920x1080 default); default index. */
	const struct synthvid_resolution *modes;
	size_t n_modes;
	uint8_t default_index;
	/* Host thread: every guest message first; true = answered, skip the default answer. */
	bool (*hook)(struct sh *sh, const struct synthvid_msg *msg, void *data);
	/* Host thread: the channel was opened. */
	void (*on_open)(struct sh *sh, void *data);
	void *data;
};

struct sh_record {
	struct synthvid_msg msg; // pointer data points into bytes
	uint8_t *bytes;          // 8 + pipe.size bytes, exactly as sent
	size_t len;
};

struct sh_log {
	struct sh_record *recs;
	size_t n;
};

/* Starts a host on a fresh socket in a private temporary directory. */
struct sh *sh_start(const struct sh_config *cfg);
/* Stops the thread, destroys the host, removes the socket. NULL is a no-op. */
void sh_stop(struct sh *sh);

/* A guest bus connected to this host; max_version 0 = the newest. -errno. */
int sh_connect(struct sh *sh, uint32_t max_version, struct vmb_bus **out);

/* Runs fn on the host thread and returns when it has. */
void sh_call(struct sh *sh, void (*fn)(struct sh *sh, void *data), void *data);
/* Reads everything the guest has sent so far (unless paused) and moves the records into *log. */
void sh_take(struct sh *sh, struct sh_log *log);
void sh_log_free(struct sh_log *log);
size_t sh_log_count(const struct sh_log *log, enum synthvid_msg_type type);
/* The nth record of that type (0-based), or NULL. */
const struct sh_record *sh_log_find(
	const struct sh_log *log, enum synthvid_msg_type type, size_t nth);
/* Total messages received since start (also counted when not recording). */
uint64_t sh_received(struct sh *sh);

/* Host thread only (hooks, sh_call functions): */
int sh_send(struct sh *sh, const struct synthvid_msg *msg);
int sh_send_raw(struct sh *sh, const void *bytes, size_t len);
void sh_send_feature(struct sh *sh, bool dirt, bool pos, bool shape, bool situ);

/* From the test thread (each runs on the host thread): */
void sh_feature(struct sh *sh, bool dirt, bool pos, bool shape, bool situ);
void sh_rescind_reoffer(struct sh *sh);
void sh_disconnect(struct sh *sh);
void sh_set_paused(struct sh *sh, bool paused);

/* The host's view of VRAM: where the last acknowledged VRAM_LOCATION put it (the window's
 * start before any), mmio_megabytes MiB. Shared memory: read it after sh_take(). */
const uint8_t *sh_vram(struct sh *sh, size_t *size);
uint64_t sh_mmio_gpa(struct sh *sh);

#endif
