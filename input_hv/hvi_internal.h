/*
 * What the keyboard and mouse drivers share: the device frame (hvi_device.c) that owns the
 * channel, the bus listener, the pollable fd and the event queue, and calls the driver's ops for
 * everything protocol-specific. A driver embeds struct hvi_device as `base` and checks
 * dev->ops->kind before container_of() (hvi_kbd_from(), hvi_mouse_from()).
 */
#ifndef HVD_INPUT_HV_HVI_INTERNAL_H
#define HVD_INPUT_HV_HVI_INTERNAL_H

#include "hvi.h"
#include "vmb.h"
#include "wakeset.h"

/* Linux: VMBUS_RING_SIZE(36 * 1024), 40 KiB each way (synthinput.md §1.1, §2.1). */
#define HVI_RING_BYTES (40u * 1024u)
#define HVI_DEFAULT_TIMEOUT_MS 10000
/* The largest in-band payload read; bigger packets are skipped and counted. */
#define HVI_RX_MAX 65600u
/* Reading the ring pauses while this many events wait to be pulled. */
#define HVI_QUEUE_SOFT_MAX 4096u

struct hvi_device_ops {
	enum hvi_device_kind kind;
	const char *name;                 // hvi_device_get_name()
	const char *log_name;             // "keyboard", "mouse": log prefix
	const struct vmb_guid *interface; // the offer to open
	/* Brings a freshly opened channel up (blocking, bounded by dev->timeout_ms). */
	int (*negotiate)(struct hvi_device *dev);
	/* One in-band packet after negotiation (completions are filtered out already). */
	void (*packet)(struct hvi_device *dev, const struct vmb_ring_in *pkt, uint64_t now_ns);
	/* The channel is gone or going: release held state with events, reset decoders. */
	void (*lost)(struct hvi_device *dev, uint64_t now_ns);
	/* After every dispatch that read the channel: retry sends the ring had no room for. */
	void (*flush)(struct hvi_device *dev);
	bool (*has_event)(const struct hvi_device *dev, uint16_t type, uint16_t code);
	void (*destroy)(struct hvi_device *dev);
};

struct hvi_device {
	const struct hvi_device_ops *ops;
	struct vmb_bus *bus;
	struct vmb_channel *ch; // NULL while closed
	int timeout_ms;
	bool ready;          // negotiated
	bool reopen_pending; // an offer arrived while closed
	bool disconnected;   // the host is gone for good
	bool backlog;        // reading stopped with packets left in the ring
	uint64_t next_trans_id;
	uint16_t vendor, product, version;

	struct wakeset wake; // the caller's fd: the channel's fd and work for dispatch (kick)

	struct hvi_event *queue; // ring buffer of q_cap
	size_t q_head, q_len, q_cap;
	struct hvi_stats stats;
	uint8_t *rx; // HVI_RX_MAX + a descriptor
};

/* Sets up the frame (fds, queue, buffer) and joins the bus; nothing is opened yet. */
int hvi_device_init(struct hvi_device *dev, const struct hvi_device_ops *ops, struct vmb_bus *bus,
	const struct hvi_options *opts);
/* Opens the offered channel and negotiates; on failure the device waits for the next offer. */
int hvi_device_bring_up(struct hvi_device *dev);
/* Undoes hvi_device_init(); the driver frees its own struct afterwards. */
void hvi_device_finish(struct hvi_device *dev);

/* Queues one event; the last of a frame is HVI_EV_SYN/HVI_SYN_REPORT (hvi_device_sync()).
 * On out-of-memory the event is lost and logged (never for lack of a bound: the queue grows). */
void hvi_device_push(
	struct hvi_device *dev, uint64_t time_ns, uint16_t type, uint16_t code, int32_t value);
void hvi_device_sync(struct hvi_device *dev, uint64_t time_ns);
/* Makes the device fd readable so the caller dispatches (work queued outside a dispatch). */
void hvi_device_kick(struct hvi_device *dev);

/* Sends one in-band payload with COMPLETION_REQUESTED and a fresh non-zero trans_id, as Linux
 * does for every guest message. -EAGAIN when the ring is full. */
int hvi_device_send(struct hvi_device *dev, const void *payload, size_t len);

/*
 * Bring-up helper: waits (until deadline_ms, loop_now_ms()) for the next in-band packet,
 * skipping completions. 1 with *pkt (payload in dev->rx), or a negative errno: -ETIMEDOUT,
 * -ENODEV (rescinded), -ENOTCONN.
 */
int hvi_device_wait_packet(struct hvi_device *dev, int64_t deadline_ms, struct vmb_ring_in *pkt);

#endif
