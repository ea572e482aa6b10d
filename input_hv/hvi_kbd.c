/*
 * The synthetic keyboard driver (synthinput.md §1): negotiation as Linux's hyperv-keyboard,
 * keystrokes -> KEY_* through the set-1 decoder (hvi_scancode.h), the key state, the LEDs.
 *
 * Linux feeds each EVENT to atkbd as serio bytes; without atkbd we decode the same bytes with
 * the tables of §1.4. The key state is ours to keep, as the input core keeps it: a make for a
 * key already down is an autorepeat (value 2, as atkbd reports it), a break for a key that is
 * not down is dropped, and when the channel goes away every key still down is released with
 * events, so a rescind in the middle of a keystroke never leaves a key stuck.
 *
 * LEDs: Linux never sends SET_LED_INDICATORS (its serio port has no write method); we do, with
 * the Windows flag values the spec guesses (synthkbd.h), and keep the state to send it again on
 * a reopen. IS_UNICODE events are dropped and counted, as the spec advises for guests that do not
 * know their payload.
 */
#define LOG_MODULE "hvi-kbd"
#include <errno.h>
#include <stdlib.h>

#include "hvi_internal.h"
#include "hvi_keycodes.h"
#include "hvi_scancode.h"
#include "log.h"
#include "loop.h"
#include "synthkbd.h"
#include "vmb_wait.h"

#define KEY_WORDS ((KEY_MAX + 1 + 63) / 64)

struct hvi_kbd {
	struct hvi_device base;
	struct hvi_scancode_decoder decoder;
	uint64_t down[KEY_WORDS]; // bit per KEY_* held
	unsigned leds;            // HVI_LED_* bits the caller set
	bool leds_set;            // the caller set them at least once
	bool leds_pending;        // not yet in the ring
};

static const struct hvi_device_ops kbd_ops;

static struct hvi_kbd *kbd_from(struct hvi_device *dev)
{
	if (dev->ops != &kbd_ops)
		return NULL;
	return container_of(dev, struct hvi_kbd, base);
}

static const struct hvi_kbd *kbd_from_const(const struct hvi_device *dev)
{
	if (dev->ops != &kbd_ops)
		return NULL;
	return container_of(dev, const struct hvi_kbd, base);
}

static bool is_down(const struct hvi_kbd *kbd, uint16_t key)
{
	return key <= KEY_MAX && (kbd->down[key / 64] >> (key % 64)) & 1;
}

static void set_down(struct hvi_kbd *kbd, uint16_t key, bool down)
{
	uint64_t bit = UINT64_C(1) << (key % 64);
	if (down)
		kbd->down[key / 64] |= bit;
	else
		kbd->down[key / 64] &= ~bit;
}

/* ---- negotiation (§1.3) ---- */

static int send_protocol_request(struct hvi_kbd *kbd)
{
	uint8_t buf[SYNTHKBD_PROTOCOL_REQUEST_SIZE];
	struct synthkbd_msg msg = { .type = SYNTHKBD_PROTOCOL_REQUEST };
	msg.u.protocol_request.version = SYNTHKBD_VERSION;
	int len = synthkbd_encode(buf, sizeof(buf), &msg);
	if (len < 0)
		return len;
	return hvi_device_send(&kbd->base, buf, (size_t)len);
}

/* Waits for PROTOCOL_RESPONSE; anything else meanwhile is the host's fault and dropped. */
static int kbd_negotiate(struct hvi_device *dev)
{
	struct hvi_kbd *kbd = kbd_from(dev);
	hvi_scancode_decoder_init(&kbd->decoder);
	int ret = send_protocol_request(kbd);
	if (ret < 0)
		return ret;
	int64_t deadline = loop_now_ms() + dev->timeout_ms;
	for (;;) {
		struct vmb_ring_in pkt;
		ret = hvi_device_wait_packet(dev, deadline, &pkt);
		if (ret == -ETIMEDOUT)
			log_error("keyboard: no PROTOCOL_RESPONSE within %d ms", dev->timeout_ms);
		if (ret < 0)
			return ret;
		dev->stats.rx_messages++;
		struct synthkbd_msg msg;
		const char *why = NULL;
		if (synthkbd_decode(pkt.payload, pkt.payload_len, &msg, &why) < 0) {
			log_bug_host("keyboard: bad message during negotiation (%s); dropped", why);
			dev->stats.rx_rejected++;
			continue;
		}
		if (msg.type != SYNTHKBD_PROTOCOL_RESPONSE) {
			log_bug_host("keyboard: %s before PROTOCOL_RESPONSE; dropped",
				synthkbd_msg_type_to_str(msg.type));
			dev->stats.rx_rejected++;
			continue;
		}
		if (!(msg.u.protocol_response.status & SYNTHKBD_PROTOCOL_ACCEPTED)) {
			log_error("keyboard: the host refused protocol 1.0 (status %#x)",
				msg.u.protocol_response.status);
			return -ECONNREFUSED;
		}
		/* The LEDs survive a reopen: the host's view starts from nothing. */
		kbd->leds_pending = kbd->leds_set;
		return 0;
	}
}

/* ---- keystrokes ---- */

static void key_transition(struct hvi_kbd *kbd, const struct hvi_key_event *k, uint64_t now)
{
	struct hvi_device *dev = &kbd->base;
	int32_t value;
	if (k->pressed) {
		value = is_down(kbd, k->key) ? HVI_KEY_REPEATED : HVI_KEY_PRESSED;
		set_down(kbd, k->key, true);
	} else {
		if (!is_down(kbd, k->key)) {
			dev->stats.stray_releases++;
			return;
		}
		value = HVI_KEY_RELEASED;
		set_down(kbd, k->key, false);
	}
	hvi_device_push(dev, now, HVI_EV_KEY, k->key, value);
	hvi_device_sync(dev, now);
}

static void keystroke(struct hvi_kbd *kbd, const struct synthkbd_event *ev, uint64_t now)
{
	struct hvi_device *dev = &kbd->base;
	struct hvi_key_event k;
	enum hvi_scancode_result res =
		hvi_scancode_decoder_feed(&kbd->decoder, ev->make_code, ev->info, &k);
	dev->stats.broken_sequences = kbd->decoder.broken_sequences;
	switch (res) {
	case HVI_SCANCODE_KEY:
		key_transition(kbd, &k, now);
		break;
	case HVI_SCANCODE_PENDING:
		break;
	case HVI_SCANCODE_FAKE_SHIFT:
		dev->stats.fake_shifts++;
		break;
	case HVI_SCANCODE_UNICODE:
		/* §1.4: the payload's meaning is unverified; a guest should drop it, and a host
		 * should not send it to guests it does not know handle it (rate-limited). */
		dev->stats.unicode_dropped++;
		log_bug_host(
			"keyboard: unicode event U+%04X dropped (not a scan code)", ev->make_code);
		break;
	case HVI_SCANCODE_UNKNOWN:
		dev->stats.unknown_codes++;
		log_debug("keyboard: scan code %#x (info %#x) has no key; ignored", ev->make_code,
			ev->info);
		break;
	}
}

static void kbd_packet(struct hvi_device *dev, const struct vmb_ring_in *pkt, uint64_t now)
{
	struct hvi_kbd *kbd = kbd_from(dev);
	struct synthkbd_msg msg;
	const char *why = NULL;
	if (synthkbd_decode(pkt->payload, pkt->payload_len, &msg, &why) < 0) {
		log_bug_host("keyboard: bad message (%s); dropped", why);
		dev->stats.rx_rejected++;
		return;
	}
	if (msg.type != SYNTHKBD_EVENT) {
		log_bug_host("keyboard: unexpected %s after negotiation; dropped",
			synthkbd_msg_type_to_str(msg.type));
		dev->stats.rx_rejected++;
		return;
	}
	keystroke(kbd, &msg.u.event, now);
}

static void kbd_lost(struct hvi_device *dev, uint64_t now)
{
	struct hvi_kbd *kbd = kbd_from(dev);
	bool any = false;
	for (uint16_t key = 0; key <= KEY_MAX; key++) {
		if (!is_down(kbd, key))
			continue;
		set_down(kbd, key, false);
		hvi_device_push(dev, now, HVI_EV_KEY, key, HVI_KEY_RELEASED);
		dev->stats.lost_releases++;
		any = true;
	}
	if (any)
		hvi_device_sync(dev, now);
	hvi_scancode_decoder_init(&kbd->decoder);
}

/* ---- LEDs ---- */

static uint16_t led_flags(unsigned leds)
{
	uint16_t flags = 0;
	if (leds & (1u << HVI_LED_NUML))
		flags |= SYNTHKBD_LED_NUM_LOCK;
	if (leds & (1u << HVI_LED_CAPSL))
		flags |= SYNTHKBD_LED_CAPS_LOCK;
	if (leds & (1u << HVI_LED_SCROLLL))
		flags |= SYNTHKBD_LED_SCROLL_LOCK;
	return flags;
}

static void kbd_flush(struct hvi_device *dev)
{
	struct hvi_kbd *kbd = kbd_from(dev);
	if (!kbd->leds_pending || !dev->ready)
		return;
	uint8_t buf[SYNTHKBD_SET_LED_INDICATORS_SIZE];
	struct synthkbd_msg msg = { .type = SYNTHKBD_SET_LED_INDICATORS };
	msg.u.set_led_indicators.led_flags = led_flags(kbd->leds);
	int len = synthkbd_encode(buf, sizeof(buf), &msg);
	int ret = len < 0 ? len : hvi_device_send(dev, buf, (size_t)len);
	if (ret == -EAGAIN)
		return; // the host signals when there is room; dispatch retries
	kbd->leds_pending = false;
	if (ret < 0)
		log_warn("keyboard: cannot send the LEDs: %d", ret);
	else
		dev->stats.tx_leds++;
}

int hvi_device_set_leds(struct hvi_device *dev, unsigned leds)
{
	struct hvi_kbd *kbd = kbd_from(dev);
	if (!kbd)
		return -ENODEV;
	unsigned all = 1u << HVI_LED_NUML | 1u << HVI_LED_CAPSL | 1u << HVI_LED_SCROLLL;
	if (leds & ~all)
		return -EINVAL;
	kbd->leds = leds;
	kbd->leds_set = true;
	kbd->leds_pending = true;
	/* A full ring set pending_send_sz: the host signals once there is room, and the
	 * dispatch that follows sends them. */
	if (dev->ch && dev->ready)
		kbd_flush(dev);
	return 0;
}

bool hvi_device_key_is_down(const struct hvi_device *dev, uint16_t key)
{
	const struct hvi_kbd *kbd = kbd_from_const(dev);
	return kbd && is_down(kbd, key);
}

/* ---- the device ---- */

static bool kbd_has_event(const struct hvi_device *dev, uint16_t type, uint16_t code)
{
	struct hvi_scancode seq[HVI_SCANCODE_MAX_SEQ];
	if (type == HVI_EV_KEY)
		return hvi_scancode_from_key(code, true, seq) > 0;
	if (type == HVI_EV_LED)
		return code <= HVI_LED_SCROLLL;
	return false;
}

static void kbd_destroy(struct hvi_device *dev)
{
	struct hvi_kbd *kbd = kbd_from(dev);
	hvi_device_finish(dev);
	free(kbd);
}

static const struct hvi_device_ops kbd_ops = {
	.kind = HVI_DEVICE_KEYBOARD,
	.name = "Hyper-V synthetic keyboard",
	.log_name = "keyboard",
	.interface = &vmb_guid_keyboard,
	.negotiate = kbd_negotiate,
	.packet = kbd_packet,
	.lost = kbd_lost,
	.flush = kbd_flush,
	.has_event = kbd_has_event,
	.destroy = kbd_destroy,
};

int hvi_keyboard_create(
	struct hvi_device **out, struct vmb_bus *bus, const struct hvi_options *opts)
{
	struct hvi_kbd *kbd = calloc(1, sizeof(*kbd));
	if (!kbd)
		return -ENOMEM;
	int ret = hvi_device_init(&kbd->base, &kbd_ops, bus, opts);
	if (ret == 0)
		ret = hvi_device_bring_up(&kbd->base);
	if (ret < 0) {
		kbd_destroy(&kbd->base);
		return ret;
	}
	*out = &kbd->base;
	return 0;
}
