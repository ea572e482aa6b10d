/*
 * The synthetic keyboard model (synthinput.md §1.5, vmbus-emu.md §5) and the monitor's `type`
 * and `key` (§6).
 *
 * As OpenVMM: the first guest message must be PROTOCOL_REQUEST, accepted for exactly 1.0 (a
 * refusal leaves the guest free to ask again); once active, the guest may send only
 * SET_LED_INDICATORS. Unlike OpenVMM, a message out of place is not fatal: it is logged, counted
 * under its reason and dropped, and the channel stays open (vmbus-emu.md §5). Completions are
 * ignored. Keystrokes go in-band, no completion requested, trans_id 0, one EVENT per transition,
 * through the input queue so none is dropped and a command is answered only when its keys are
 * in the ring.
 */
#define LOG_MODULE "keyboard"
#include "hvh_keyboard.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvh_input_queue.h"
#include "hvi_keycodes.h"
#include "hvi_scancode.h"
#include "log.h"
#include "synthkbd.h"

#define MAX_COMBO 16 // keys in one `key` request
#define RX_CAP (VMB_RING_DESC_SIZE + SYNTHKBD_MAX_MSG_SIZE)

enum kbd_state {
	KBD_READ_VERSION, // OpenVMM ReadVersion
	KBD_ACTIVE,
};

struct kbd {
	struct hvh_device_impl impl;
	struct hvh_device *dev;
	struct vmb_host_channel *ch;
	enum kbd_state state;
	uint16_t leds; // the guest's last SET_LED_INDICATORS
	uint64_t completions_ignored;
	struct hvh_input_queue *queue;
	uint8_t rx[RX_CAP];
};

/* ---- guest messages ---- */

static void reject(struct kbd *k, const char *reason, const char *what)
{
	log_bug_guest("keyboard: %s rejected: %s", what, reason);
	hvh_device_reject(k->dev, reason);
}

static void send_response(struct kbd *k, bool accepted)
{
	uint8_t buf[SYNTHKBD_PROTOCOL_RESPONSE_SIZE];
	struct synthkbd_msg msg = { .type = SYNTHKBD_PROTOCOL_RESPONSE };
	msg.u.protocol_response.status = accepted ? SYNTHKBD_PROTOCOL_ACCEPTED : 0;
	int len = synthkbd_encode(buf, sizeof(buf), &msg);
	const struct hvh_input_packet pkt = { buf, (size_t)len, "PROTOCOL_RESPONSE" };
	if (len < 0 || hvh_input_queue_add(k->queue, &pkt, 1, NULL) < 0)
		log_error("keyboard: cannot queue PROTOCOL_RESPONSE");
}

static void on_protocol_request(struct kbd *k, const struct synthkbd_protocol_request *req)
{
	if (k->state != KBD_READ_VERSION) {
		reject(k, "out_of_order", "PROTOCOL_REQUEST after negotiation");
		return;
	}
	bool accepted = req->version == SYNTHKBD_VERSION;
	send_response(k, accepted);
	if (!accepted) {
		log_info("keyboard: version %#x refused (only 1.0)", req->version);
		return;
	}
	k->state = KBD_ACTIVE;
	hvh_device_set_negotiated(k->dev, true);
}

static void on_message(struct kbd *k, const struct synthkbd_msg *msg)
{
	switch (msg->type) {
	case SYNTHKBD_PROTOCOL_REQUEST:
		on_protocol_request(k, &msg->u.protocol_request);
		break;
	case SYNTHKBD_SET_LED_INDICATORS:
		if (k->state != KBD_ACTIVE) {
			reject(k, "out_of_order", "SET_LED_INDICATORS before PROTOCOL_REQUEST");
			break;
		}
		k->leds = msg->u.set_led_indicators.led_flags;
		log_debug("keyboard: LEDs %#x", k->leds);
		break;
	case SYNTHKBD_PROTOCOL_RESPONSE:
	case SYNTHKBD_EVENT:
		reject(k, "wrong_direction", synthkbd_msg_type_to_str(msg->type));
		break;
	}
}

static void on_packet(struct kbd *k, const struct vmb_ring_in *pkt)
{
	uint32_t type = UINT32_MAX;
	if (pkt->payload_len >= 4)
		type = (uint32_t)pkt->payload[0] | (uint32_t)pkt->payload[1] << 8 |
			(uint32_t)pkt->payload[2] << 16 | (uint32_t)pkt->payload[3] << 24;
	counter_inc(hvh_device_rx(k->dev), synthkbd_msg_type_to_str(type));
	if (pkt->type != VMB_PKT_DATA_INBAND) {
		reject(k, "packet_type", "a packet that is not in-band");
		return;
	}
	struct synthkbd_msg msg;
	const char *why = "malformed";
	if (synthkbd_decode(pkt->payload, pkt->payload_len, &msg, &why) < 0) {
		reject(k, why, synthkbd_msg_type_to_str(type));
		return;
	}
	on_message(k, &msg);
}

static void on_signalled(void *model, struct vmb_host_channel *ch)
{
	struct kbd *k = model;
	for (;;) {
		struct vmb_ring_in pkt;
		int ret = vmb_host_channel_recv(ch, &pkt, k->rx, sizeof(k->rx));
		if (ret == 0 || ret == -EBADMSG)
			break; // empty, or corrupt (vmb_host logged it and rescinds)
		if (ret == -EMSGSIZE) {
			counter_inc(hvh_device_rx(k->dev), "UNKNOWN");
			reject(k, "too_long", "a message over 256 bytes");
			continue;
		}
		if (ret < 0)
			break;
		if (pkt.type == VMB_PKT_COMP) {
			k->completions_ignored++;
			continue;
		}
		on_packet(k, &pkt);
	}
	if (k->ch)
		hvh_input_queue_flush(k->queue);
}

static void on_opened(void *model, struct vmb_host_channel *ch)
{
	struct kbd *k = model;
	k->ch = ch;
	k->state = KBD_READ_VERSION;
	hvh_input_queue_set_channel(k->queue, ch);
}

static void on_closed(void *model, enum vmb_host_close_reason reason)
{
	struct kbd *k = model;
	k->ch = NULL;
	k->state = KBD_READ_VERSION;
	hvh_input_queue_set_channel(k->queue, NULL);
	hvh_input_queue_fail_all(k->queue, "the keyboard channel closed before the keys were sent");
}

/* ---- monitor commands ---- */

static void encode_event(uint8_t buf[SYNTHKBD_EVENT_SIZE], const struct hvi_scancode *sc)
{
	struct synthkbd_msg msg = { .type = SYNTHKBD_EVENT };
	msg.u.event.make_code = sc->make_code;
	msg.u.event.info = sc->info;
	synthkbd_encode(buf, SYNTHKBD_EVENT_SIZE, &msg);
}

/* Appends the EVENTs of one key transition as 12-byte packets to buf. */
static size_t add_transition(uint8_t (*buf)[SYNTHKBD_EVENT_SIZE], uint16_t key, bool pressed)
{
	struct hvi_scancode seq[HVI_SCANCODE_MAX_SEQ];
	size_t n = hvi_scancode_from_key(key, pressed, seq);
	for (size_t i = 0; i < n; i++)
		encode_event(buf[i], &seq[i]);
	return n;
}

/* Queues the events in buf for req; fails req on out-of-memory. */
static void send_events(
	struct kbd *k, struct hvh_request *req, uint8_t (*buf)[SYNTHKBD_EVENT_SIZE], size_t n)
{
	struct hvh_input_packet *pkts = calloc(n ? n : 1, sizeof(*pkts));
	if (!pkts) {
		hvh_request_fail(req, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		pkts[i] = (struct hvh_input_packet){ buf[i], SYNTHKBD_EVENT_SIZE, "EVENT" };
	struct json_object *reply = hvh_request_reply(req);
	if (reply)
		json_object_object_add(reply, "events", json_object_new_int64((int64_t)n));
	if (hvh_input_queue_add(k->queue, pkts, n, req) < 0)
		hvh_request_fail(req, "out of memory");
	free(pkts);
}

static bool ready(struct kbd *k, struct hvh_request *req)
{
	if (hvh_device_is_negotiated(k->dev))
		return true;
	hvh_request_fail(req, "the keyboard is not ready: %s",
		k->ch ? "the guest has not negotiated it yet" : "no guest has opened it");
	return false;
}

static void on_type(void *data, struct hvh_request *req, struct json_object *args)
{
	struct kbd *k = data;
	const char *text = hvh_cmd_get_string(args, "text", "");
	size_t len = strlen(text);
	for (size_t i = 0; i < len; i++) {
		uint16_t key;
		bool shift;
		if (!hvi_key_from_ascii(text[i], &key, &shift)) {
			hvh_request_fail(req,
				"character 0x%02x at offset %zu is not on the US layout "
				"(printable ASCII, \\n and \\t only); nothing was sent",
				(unsigned char)text[i], i);
			return;
		}
	}
	if (!ready(k, req))
		return;
	uint8_t(*buf)[SYNTHKBD_EVENT_SIZE] = calloc(len * 4 + 1, sizeof(*buf));
	if (!buf) {
		hvh_request_fail(req, "out of memory");
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		uint16_t key;
		bool shift;
		hvi_key_from_ascii(text[i], &key, &shift);
		if (shift)
			n += add_transition(buf + n, KEY_LEFTSHIFT, true);
		n += add_transition(buf + n, key, true);
		n += add_transition(buf + n, key, false);
		if (shift)
			n += add_transition(buf + n, KEY_LEFTSHIFT, false);
	}
	send_events(k, req, buf, n);
	free(buf);
}

/* Splits "ctrl+alt+f2" into key codes; fails req and returns -1 on a bad name. */
static int parse_combo(struct hvh_request *req, const char *keys, uint16_t out[MAX_COMBO])
{
	int n = 0;
	const char *p = keys;
	for (;;) {
		const char *end = strchr(p, '+');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char name[32];
		if (len == 0 || len >= sizeof(name)) {
			hvh_request_fail(req, "%s key name in '%.64s'; nothing was sent",
				len ? "overlong" : "empty", keys);
			return -1;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		uint16_t key = hvi_key_from_name(name);
		if (!key) {
			hvh_request_fail(req, "unknown key name '%s'; nothing was sent", name);
			return -1;
		}
		for (int i = 0; i < n; i++) {
			if (out[i] == key) {
				hvh_request_fail(req, "key '%s' twice in '%.64s'; nothing was sent",
					name, keys);
				return -1;
			}
		}
		if (n == MAX_COMBO) {
			hvh_request_fail(req, "more than %d keys in one combination", MAX_COMBO);
			return -1;
		}
		out[n++] = key;
		if (!end)
			return n;
		p = end + 1;
	}
}

static void on_key(void *data, struct hvh_request *req, struct json_object *args)
{
	struct kbd *k = data;
	uint16_t keys[MAX_COMBO];
	int n = parse_combo(req, hvh_cmd_get_string(args, "keys", ""), keys);
	if (n < 0 || !ready(k, req))
		return;
	uint8_t buf[MAX_COMBO * 2 * HVI_SCANCODE_MAX_SEQ][SYNTHKBD_EVENT_SIZE];
	size_t count = 0;
	for (int i = 0; i < n; i++)
		count += add_transition(buf + count, keys[i], true);
	for (int i = n - 1; i >= 0; i--)
		count += add_transition(buf + count, keys[i], false);
	send_events(k, req, buf, count);
}

static const struct hvh_cmd_arg type_args[] = {
	{ "text", HVH_ARG_STRING, true, 0, 0 },
	{ NULL, 0, false, 0, 0 },
};

static const struct hvh_cmd_arg key_args[] = {
	{ "keys", HVH_ARG_STRING, true, 0, 0 },
	{ NULL, 0, false, 0, 0 },
};

/* ---- the model ---- */

static int kbd_stats(void *model, struct json_object *dev, struct json_object *root)
{
	struct kbd *k = model;
	int ret = json_object_object_add(dev, "leds", json_object_new_int(k->leds));
	ret |= json_object_object_add(
		dev, "queued", json_object_new_int64((int64_t)hvh_input_queue_len(k->queue)));
	ret |= json_object_object_add(
		dev, "completions_ignored", json_object_new_int64((int64_t)k->completions_ignored));
	return ret ? -ENOMEM : 0;
}

static void kbd_destroy(void *model)
{
	struct kbd *k = model;
	hvh_input_queue_destroy(k->queue);
	free(k);
}

static const char *const rx_names[] = { "PROTOCOL_REQUEST", "SET_LED_INDICATORS" };
static const char *const tx_names[] = { "PROTOCOL_RESPONSE", "EVENT" };

static void declare_counters(struct kbd *k)
{
	for (size_t i = 0; i < ARRAY_LEN(rx_names); i++)
		counter_declare(hvh_device_rx(k->dev), rx_names[i]);
	for (size_t i = 0; i < ARRAY_LEN(tx_names); i++)
		counter_declare(hvh_device_tx(k->dev), tx_names[i]);
}

int hvh_keyboard_create(const struct hvh_env *env)
{
	struct kbd *k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->impl = (struct hvh_device_impl){
		.name = "keyboard",
		.desc = { .interface = vmb_guid_keyboard, .instance = vmb_guid_keyboard_instance },
		.channel_opened = on_opened,
		.channel_closed = on_closed,
		.channel_signalled = on_signalled,
		.stats = kbd_stats,
		.destroy = kbd_destroy,
	};
	int ret = hvh_bus_add_device(env->bus, &k->impl, k, &k->dev);
	if (ret < 0) {
		free(k);
		return ret;
	}
	/* From here the bus owns k: kbd_destroy() runs at hvh_bus_destroy(). */
	ret = hvh_input_queue_create(&k->queue, k->dev);
	if (ret == 0)
		ret = hvh_monitor_add_command(env->monitor, "type", type_args, on_type, k);
	if (ret == 0)
		ret = hvh_monitor_add_command(env->monitor, "key", key_args, on_key, k);
	if (ret == 0)
		declare_counters(k);
	return ret;
}

/* ---- the VNC front end's hook ---- */

int hvh_keyboard_send(struct hvh_device *dev, const struct hvi_scancode *codes, size_t n)
{
	/* The type check of STYLE.md §8: the impl's destroy is ours only for a keyboard model. */
	if (!dev || hvh_device_impl(dev)->destroy != kbd_destroy)
		return -EINVAL;
	struct kbd *k = hvh_device_model(dev);
	if (!hvh_device_is_negotiated(k->dev))
		return -ENOTCONN;
	if (n == 0)
		return 0;
	uint8_t(*buf)[SYNTHKBD_EVENT_SIZE] = calloc(n, sizeof(*buf));
	struct hvh_input_packet *pkts = calloc(n, sizeof(*pkts));
	int ret = buf && pkts ? 0 : -ENOMEM;
	for (size_t i = 0; ret == 0 && i < n; i++) {
		struct synthkbd_msg msg = { .type = SYNTHKBD_EVENT };
		msg.u.event.make_code = codes[i].make_code;
		msg.u.event.info = codes[i].info;
		synthkbd_encode(buf[i], SYNTHKBD_EVENT_SIZE, &msg);
		pkts[i] = (struct hvh_input_packet){ buf[i], SYNTHKBD_EVENT_SIZE, "EVENT" };
	}
	if (ret == 0)
		ret = hvh_input_queue_add(k->queue, pkts, n, NULL);
	free(pkts);
	free(buf);
	return ret;
}
