/*
 * hvi: the guest side of the Hyper-V synthetic keyboard and mouse (synthinput.md), as evdev-like
 * event sources.
 *
 * A device is created on a VMBus bus (vmb.h), opens its channel and negotiates the way Linux's
 * hyperv-keyboard and hid-hyperv do. What the host sends comes out as a stream of events shaped
 * like Linux evdev's (struct input_event): a time, a type (EV_KEY, EV_REL, EV_ABS, EV_SYN), a
 * code and a value, with one SYN_REPORT ending each frame (one key transition, one mouse report).
 * The codes are Linux's, so the stream can be fed to uinput or xkbcommon unchanged.
 *
 * Event loop: poll hvi_device_get_fd() for POLLIN, call hvi_device_dispatch(), then pull events
 * with hvi_device_next_event() until it returns 0. The fd stays the same for the device's life,
 * across rescinds and re-offers. The caller also dispatches the bus (vmb_bus_get_fd(),
 * vmb_bus_dispatch()): rescinds, re-offers and a lost host reach the device through its bus
 * listener. When the channel is lost every key still held is released with events, so nothing
 * stays stuck down; a re-offered channel is opened and negotiated again by the next dispatch.
 *
 * Sinks take the events elsewhere: hvi_record (one text line per event, for tests and
 * hvevtest) and hvi_uinput (a virtual evdev device, so libinput, X and Wayland see it).
 *
 * Error convention: functions return 0 (or a count) on success and a negative errno on failure.
 * -ENODEV no such device offered (or the wrong kind of device for the call), -ETIMEDOUT the host
 * did not answer within timeout_ms, -ECONNREFUSED the host refused our protocol version,
 * -EPROTO the host sent something unusable during bring-up (the log says what: a mouse report
 * descriptor this driver cannot decode is refused this way, with the parser's reason),
 * -ENOTCONN the host went away, -EAGAIN try again after the fd signals, -ENOMEM.
 * Constructors take `**out` and set it only on success; destroy(NULL) is a no-op. Faults of the
 * host are logged with log_bug_host() and counted in struct hvi_stats; the device keeps running.
 *
 * Not thread-safe: a device and its bus belong to one thread. Bring-up (create, and a dispatch
 * that reopens a re-offered channel) blocks for at most a few timeout_ms; nothing else blocks.
 */
#ifndef HVD_INPUT_HV_HVI_H
#define HVD_INPUT_HV_HVI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vmb_bus;
struct hvi_device;

/* Event types and codes: Linux's values (include/uapi/linux/input-event-codes.h). Key codes
 * are the KEY_* of hvi_keycodes.h. */
#define HVI_EV_SYN 0x00
#define HVI_EV_KEY 0x01
#define HVI_EV_REL 0x02
#define HVI_EV_ABS 0x03
#define HVI_EV_LED 0x11

#define HVI_SYN_REPORT 0
#define HVI_SYN_DROPPED 3 // never sent: events are held back, not dropped

#define HVI_REL_X 0x00
#define HVI_REL_Y 0x01
#define HVI_REL_WHEEL 0x08
#define HVI_ABS_X 0x00
#define HVI_ABS_Y 0x01

#define HVI_BTN_LEFT 0x110 // HID button usage 1; usage n is HVI_BTN_LEFT + n - 1
#define HVI_BTN_RIGHT 0x111
#define HVI_BTN_MIDDLE 0x112
#define HVI_BTN_SIDE 0x113
#define HVI_BTN_EXTRA 0x114
#define HVI_BTN_TASK 0x117 // the last button reported (HID usage 8)

#define HVI_LED_NUML 0x00 // EV_LED codes
#define HVI_LED_CAPSL 0x01
#define HVI_LED_SCROLLL 0x02

/* Key values, as evdev: release, press, autorepeat (a make for a key already down). */
#define HVI_KEY_RELEASED 0
#define HVI_KEY_PRESSED 1
#define HVI_KEY_REPEATED 2

struct hvi_event {
	uint64_t time_ns; // CLOCK_MONOTONIC when the packet was read (the frame shares it)
	uint16_t type;    // HVI_EV_*
	uint16_t code;
	int32_t value;
};

enum hvi_device_kind {
	HVI_DEVICE_KEYBOARD = 1,
	HVI_DEVICE_MOUSE = 2,
};

struct hvi_options {
	/* Every wait for the host during bring-up; 0 = 10000 (the keyboard: Linux's 10 s; the
	 * mouse: Linux waits 5 s twice). */
	int timeout_ms;
};

/*
 * Finds the synthetic keyboard (mouse) offer on bus, opens its channel (40 KiB rings each way,
 * as Linux) and negotiates: keyboard 1.0; mouse 2.0, then the device info, whose report
 * descriptor is parsed (never assumed) and acknowledged. opts may be NULL. The bus must outlive
 * the device. -ENODEV, -ETIMEDOUT, -ECONNREFUSED, -EPROTO, -ENOTCONN, -ENOMEM.
 */
int hvi_keyboard_create(
	struct hvi_device **out, struct vmb_bus *bus, const struct hvi_options *opts);
int hvi_mouse_create(struct hvi_device **out, struct vmb_bus *bus, const struct hvi_options *opts);
/* Closes the channel and leaves the bus. Events not yet pulled are lost. NULL is a no-op. */
void hvi_device_destroy(struct hvi_device *dev);

enum hvi_device_kind hvi_device_get_kind(const struct hvi_device *dev);
/* A human-readable name (the mouse: Linux's "Microsoft Vmbus HID-compliant Mouse"). Static. */
const char *hvi_device_get_name(const struct hvi_device *dev);
/* USB-style ids: the mouse's from the host's device info; the keyboard has none (0). */
void hvi_device_get_ids(
	const struct hvi_device *dev, uint16_t *vendor, uint16_t *product, uint16_t *version);
/* The channel is open and negotiated: events can arrive. */
bool hvi_device_is_ready(const struct hvi_device *dev);

/* Readable when hvi_device_dispatch() or hvi_device_next_event() has work. */
int hvi_device_get_fd(const struct hvi_device *dev);
/*
 * Reads what the host sent and turns it into events, without blocking except to bring a
 * re-offered channel up again. Returns 0, -ENOTCONN once the host is gone (held keys have been
 * released), or the error of a failed reopen (the device then waits for the next offer).
 * Reading pauses while many events wait to be pulled: the host holds the rest in its ring.
 */
int hvi_device_dispatch(struct hvi_device *dev);
/* Pops the oldest event into *out: 1, or 0 when none is waiting. */
int hvi_device_next_event(struct hvi_device *dev, struct hvi_event *out);

/* Capabilities, for sinks: whether the device can send (type, code). */
bool hvi_device_has_event(const struct hvi_device *dev, uint16_t type, uint16_t code);
/* The range of an absolute axis (HVI_ABS_X/Y); -ENODEV if the device has none. */
int hvi_device_get_abs_range(
	const struct hvi_device *dev, uint16_t code, int32_t *min, int32_t *max);

/* Keyboard: whether key is held down now. */
bool hvi_device_key_is_down(const struct hvi_device *dev, uint16_t key);
/*
 * Keyboard: sets the lock LEDs (bit n = HVI_LED_* n, e.g. 1 << HVI_LED_CAPSL) by sending
 * SET_LED_INDICATORS. The state is kept: when the ring is full it goes out from a later
 * dispatch, and it is sent again after a reopen. -ENODEV on a mouse, -EINVAL for other bits.
 */
int hvi_device_set_leds(struct hvi_device *dev, unsigned leds);
/*
 * Mouse: scale absolute positions to a screen of width x height pixels (0..width-1); 0 x 0 goes
 * back to the descriptor's logical range (0..32767 from hvhost and OpenVMM). Takes effect with
 * the next report. -ENODEV on a keyboard, -EINVAL for a zero on one axis only.
 */
int hvi_device_set_screen(struct hvi_device *dev, uint32_t width, uint32_t height);

/* Counters since creation. Each rejected or ignored host message is counted once. */
struct hvi_stats {
	uint64_t rx_messages;      // in-band messages read (all kinds)
	uint64_t rx_rejected;      // malformed or out of place: dropped (log_bug_host)
	uint64_t rx_completions;   // completion packets: ignored, as Linux does
	uint64_t events;           // events queued, SYN_REPORT included
	uint64_t frames;           // SYN_REPORTs
	uint64_t unicode_dropped;  // keyboard IS_UNICODE events (synthinput.md §1.4)
	uint64_t unknown_codes;    // keyboard scan codes without a key
	uint64_t fake_shifts;      // keyboard E0 2A / E0 36, ignored
	uint64_t broken_sequences; // keyboard E1 prefixes not followed by 0x45
	uint64_t stray_releases;   // keyboard breaks of keys that were not down: ignored
	uint64_t lost_releases;    // keys released because the channel was lost
	uint64_t reports_ignored;  // mouse reports without a pointer (other report ids)
	uint64_t tx_leds;          // keyboard SET_LED_INDICATORS sent
	uint64_t reopens;          // bring-ups after a rescind
};
void hvi_device_get_stats(const struct hvi_device *dev, struct hvi_stats *out);

/* ---- sinks ---- */

/* Linux's names for people. The type's ("EV_KEY"), static, or NULL when unknown. */
const char *hvi_event_type_name(uint16_t type);
/* Writes the code's name ("KEY_A", "BTN_LEFT", "ABS_X", "SYN_REPORT") into buf (NUL-terminated,
 * truncated to len); false, with "?" written, when unknown. */
bool hvi_event_code_name(uint16_t type, uint16_t code, char *buf, size_t len);

/*
 * Formats one event as one line like evtest's, without the newline:
 *   "Event: time 12.345678, type 1 (EV_KEY), code 30 (KEY_A), value 1"
 *   "Event: time 12.345678, -------------- SYN_REPORT ------------"
 * Returns what snprintf() returns.
 */
int hvi_event_format(char *buf, size_t len, const struct hvi_event *ev);

/* The record sink: writes hvi_event_format() lines to a caller-owned FILE (hvevtest), or
 * collects short lines "EV_KEY KEY_A 1" without times in memory (tests). */
struct hvi_record;
/* file NULL: collect in memory. -ENOMEM. */
int hvi_record_create(struct hvi_record **out, FILE *file);
void hvi_record_destroy(struct hvi_record *rec);
/* Writes (or collects) one event; -ENOMEM, or -EIO when the FILE failed. */
int hvi_record_event(struct hvi_record *rec, const struct hvi_event *ev);
/* In memory: everything collected so far, one line per event ("" when empty); valid until the
 * next call on rec. */
const char *hvi_record_text(const struct hvi_record *rec);
void hvi_record_clear(struct hvi_record *rec);

/*
 * The uinput sink: a virtual evdev device with dev's capabilities (every key of the keyboard
 * tables, EV_LED for the lock LEDs; the mouse's buttons, wheel and absolute X/Y with the range
 * the device reports now, so set the screen before). path NULL means /dev/uinput. -ENOENT when
 * there is no such node (no uinput on this machine), -EACCES, or the ioctl's error. Built only
 * with -Duinput=enabled (else every call returns -EOPNOTSUPP).
 */
struct hvi_uinput;
int hvi_uinput_create(struct hvi_uinput **out, const struct hvi_device *dev, const char *path);
void hvi_uinput_destroy(struct hvi_uinput *ui);
/* Forwards one event (frames are flushed by their SYN_REPORT). -EIO and the like. */
int hvi_uinput_write(struct hvi_uinput *ui, const struct hvi_event *ev);
/* The kernel's name for the device ("input42"), for finding /dev/input/eventN; NULL if unknown. */
const char *hvi_uinput_sysname(const struct hvi_uinput *ui);
/* Readable when the desktop set LEDs on a keyboard device. */
int hvi_uinput_get_fd(const struct hvi_uinput *ui);
/* Reads the LED changes the desktop made: 1 with *leds (HVI_LED_* bits) when they changed,
 * 0 when not, or a negative errno. Give them to hvi_device_set_leds(). */
int hvi_uinput_read_leds(struct hvi_uinput *ui, unsigned *leds);

#ifdef __cplusplus
}
#endif

#endif
