/*
 * Harness for the emulated VMBus tests: the real host library (vmb_host) running its loop in a
 * thread, with a small device model that records what it sees and can echo packets back; raw
 * control-socket helpers for playing a guest byte by byte; log capture.
 *
 * Everything the host thread owns is touched only from that thread: the test runs code there
 * with emu_host_call(). Events are waited for on a condition variable with a 10 s failsafe,
 * never slept for.
 */
#ifndef HVD_TESTS_EMU_HARNESS_H
#define HVD_TESTS_EMU_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmb_ctl_proto.h"
#include "vmb_host.h"

#define EMU_WAIT_MS 10000

enum emu_dev {
	EMU_DEV_VIDEO = 0,
	EMU_DEV_KEYBOARD = 1,
	EMU_DEV_MOUSE = 2,
};

enum emu_event_kind {
	EMU_EV_CONNECTED, // value: vmbus version
	EMU_EV_DISCONNECTED,
	EMU_EV_OPENED,       // dev, relid
	EMU_EV_CLOSED,       // dev, value: enum vmb_host_close_reason
	EMU_EV_PACKET,       // dev, relid, data: payload (first 64 bytes), len: payload length
	EMU_EV_CORRUPT,      // dev: recv said -EBADMSG
	EMU_EV_TRACE_PACKET, // relid, value: direction, data: raw bytes (first 64), len: raw length
	EMU_EV_TRACE_OPEN,   // relid, data: interface then instance GUID
};

struct emu_event {
	enum emu_event_kind kind;
	int dev;
	uint32_t relid;
	int64_t value;
	uint8_t data[64];
	size_t len;
};

#define EMU_MAX_EVENTS 16384

struct emu_host {
	pthread_t thread;
	struct loop *loop;
	struct vmb_host *host;
	int dev_ids[3];
	int cmd_fd;
	char dir[64];   // temporary directory, removed at stop
	char path[128]; // the socket path, in a subdirectory the host creates
	bool echo;      // host thread: send every payload received back to the guest
	bool trace;     // host thread: record EMU_EV_TRACE_* events

	pthread_mutex_t lock;
	pthread_cond_t cond;
	void (*cmd_fn)(struct emu_host *h, void *arg);
	void *cmd_arg;
	bool cmd_done;
	int start_ret;
	bool started;
	struct emu_event *events; // EMU_MAX_EVENTS; a test that overflows it fails its waits
	size_t n_events;
	bool overflow;
	struct vmb_host_channel *chans[3]; // host thread only
};

/* Starts a host with video (pipe, 8 MiB MMIO), keyboard and mouse (pipe) registered.
 * versions may be NULL (the default four). Returns 0 or the vmb_host_create error. */
int emu_host_start(struct emu_host *h, const uint32_t *versions, size_t n_versions);
void emu_host_stop(struct emu_host *h);

/* Runs fn(h, arg) on the host thread and waits for it. */
void emu_host_call(struct emu_host *h, void (*fn)(struct emu_host *h, void *arg), void *arg);

/* The first event of kind (and dev, when dev >= 0) at index >= *cursor, waiting for it up to
 * EMU_WAIT_MS; *cursor moves past it. Returns a copy, or false on timeout. */
bool emu_host_wait(struct emu_host *h, size_t *cursor, enum emu_event_kind kind, int dev,
	struct emu_event *out);
/* Events of kind/dev so far (no waiting). */
size_t emu_host_count(struct emu_host *h, enum emu_event_kind kind, int dev);
size_t emu_host_event_count(struct emu_host *h);

/* Device model switches, set on the host thread: echo payloads back; record the trace tap. */
void emu_host_configure(struct emu_host *h, bool echo, bool trace);

/* Reads from the host thread. */
struct vmb_host_stats emu_host_stats(struct emu_host *h);
bool emu_host_is_open(struct emu_host *h, int dev);
int emu_host_rescind(struct emu_host *h, int dev);
int emu_host_reoffer(struct emu_host *h, int dev);
void emu_host_pause(struct emu_host *h, int dev, bool paused);
int emu_host_send(struct emu_host *h, int dev, const void *payload, size_t len);

/* ---- raw guest ---- */

/* A connected, non-blocking seqpacket socket, or -1. */
int raw_connect(const char *path);
/* Sends msg (encoded by the codec) with fds; 0 or -errno. */
int raw_send_msg(int sock, const struct vmb_ctl_msg *msg, const int *fds, size_t nfds);
/* Sends bytes as they are. */
int raw_send_bytes(int sock, const void *buf, size_t len, const int *fds, size_t nfds);
/* Waits up to EMU_WAIT_MS for one packet: its length (0 = closed), or -errno. fds get what
 * arrived (the caller closes them). */
ssize_t raw_recv(int sock, uint8_t *buf, size_t cap, int *fds, size_t *nfds);
/* Waits for a message and decodes it as a guest; false if none or it does not decode. */
bool raw_recv_msg(int sock, struct vmb_ctl_msg *msg, int *fds, size_t *nfds);
/* True when the peer closes within EMU_WAIT_MS (messages before the end are skipped). */
bool raw_wait_closed(int sock);
/* INITIATE_CONTACT (version accepted expected), REQUESTOFFERS, offers until
 * ALLOFFERS_DELIVERED. Returns the offer count (stored into offers[cap]) or -1. */
int raw_handshake(int sock, uint32_t version, struct vmb_ctl_offer *offers, size_t cap);

/* A ring memfd as a guest makes it: two rings formatted, sealed (when seal), of file_bytes
 * (normally ring_bytes). -1 on failure. */
int raw_ring_memfd(uint32_t ring_bytes, uint32_t pageoffset, size_t file_bytes, bool seal);

/* ---- log capture ---- */

/* Captures every log line (also printed to stderr). */
void emu_log_capture_start(void);
/* True when a captured line of this fault contains text. */
bool emu_log_contains(int fault, const char *text);
void emu_log_clear(void);

#endif
