/*
 * The synthetic mouse model (synthinput.md §2.7, vmbus-emu.md §5) and the monitor's `mouse`
 * (§6).
 *
 * As OpenVMM: the guest's PROTOCOL_REQUEST must come first and is accepted for exactly 2.0; the
 * host then sends INITIAL_DEVICE_INFO at once (vendor 0x045E, product 0x0621, the 67-byte report
 * descriptor in a 128-byte field, §2.4) and waits for INITIAL_DEVICE_INFO_ACK; after that, any
 * guest message is out of place. Unlike OpenVMM, out-of-place and malformed messages are logged,
 * counted by reason and dropped; the channel stays open. Every packet is pipe-framed, in-band,
 * without a completion request. `mouse` turns pixels of the current mode into the report's
 * 0..32767 (round(x * 32767 / (width - 1)), §5): the mode comes from the video model
 * (hvh_bus_get_mode()), or is 1024x768 when there is none, as Hyper-V's power-on mode.
 */
#define LOG_MODULE "mouse"
#include "hvh_mouse.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "hvh_input_queue.h"
#include "log.h"
#include "synthmouse.h"

#define RX_CAP (VMB_RING_DESC_SIZE + SYNTHMOUSE_MAX_PIPE_SIZE + 16)
#define DEFAULT_WIDTH 1024u
#define DEFAULT_HEIGHT 768u

enum mouse_state {
	MOUSE_READ_VERSION,    // OpenVMM ReadVersion
	MOUSE_READ_DEVICE_ACK, // OpenVMM ReadDeviceInfoAck (SendDeviceInfo is immediate)
	MOUSE_ACTIVE,
};

struct mouse {
	struct hvh_device_impl impl;
	struct hvh_device *dev;
	struct hvh_bus *bus;
	struct vmb_host_channel *ch;
	enum mouse_state state;
	uint64_t completions_ignored;
	struct hvh_input_queue *queue;
	uint8_t rx[RX_CAP];
};

static void reject(struct mouse *m, const char *reason, const char *what)
{
	log_bug_guest("mouse: %s rejected: %s", what, reason);
	hvh_device_reject(m->dev, reason);
}

/* Encodes msg and queues it (for req, NULL-able); false on failure (req already failed). */
static bool queue_msg(struct mouse *m, const struct synthmouse_msg *msg, struct hvh_request *req)
{
	uint8_t buf[256];
	int len = synthmouse_encode(buf, sizeof(buf), msg);
	const struct hvh_input_packet pkt = { buf, (size_t)len,
		synthmouse_msg_type_to_str(msg->type) };
	if (len < 0 || hvh_input_queue_add(m->queue, &pkt, 1, req) < 0) {
		log_error("mouse: cannot queue %s", pkt.name);
		if (req)
			hvh_request_fail(req, "out of memory");
		return false;
	}
	return true;
}

/* ---- guest messages ---- */

static void send_device_info(struct mouse *m)
{
	struct synthmouse_msg msg = { .type = SYNTHMOUSE_INITIAL_DEVICE_INFO };
	struct synthmouse_device_info *di = &msg.u.device_info;
	di->info = (struct synthmouse_dev_info){
		.size = SYNTHMOUSE_DEV_INFO_SIZE,
		.vendor = 0x045e,
		.product = 0x0621,
		.version = 0x0001,
	};
	di->hid_desc = (struct synthmouse_hid_desc){
		.length = SYNTHMOUSE_HID_DESC_SIZE,
		.descriptor_type = SYNTHMOUSE_HID_DESC_TYPE,
		.bcd_hid = 0x0101,
		.num_descriptors = 1,
		.report_desc_type = SYNTHMOUSE_REPORT_DESC_TYPE,
		.report_desc_len = SYNTHMOUSE_OPENVMM_REPORT_DESC_LEN,
	};
	di->report_desc = synthmouse_openvmm_report_desc;
	di->report_desc_field = SYNTHMOUSE_OPENVMM_REPORT_DESC_FIELD;
	queue_msg(m, &msg, NULL);
}

static void on_protocol_request(struct mouse *m, const struct synthmouse_protocol_request *req)
{
	if (m->state != MOUSE_READ_VERSION) {
		reject(m, "out_of_order", "PROTOCOL_REQUEST after negotiation");
		return;
	}
	bool accepted = req->version == SYNTHMOUSE_VERSION;
	struct synthmouse_msg msg = { .type = SYNTHMOUSE_PROTOCOL_RESPONSE };
	msg.u.protocol_response.version_requested = req->version;
	msg.u.protocol_response.approved = accepted;
	queue_msg(m, &msg, NULL);
	if (!accepted) {
		log_info("mouse: version %#x refused (only 2.0)", req->version);
		return;
	}
	send_device_info(m);
	m->state = MOUSE_READ_DEVICE_ACK;
}

static void on_message(struct mouse *m, const struct synthmouse_msg *msg)
{
	const char *name = synthmouse_msg_type_to_str(msg->type);
	switch (msg->type) {
	case SYNTHMOUSE_PROTOCOL_REQUEST:
		on_protocol_request(m, &msg->u.protocol_request);
		break;
	case SYNTHMOUSE_INITIAL_DEVICE_INFO_ACK:
		if (m->state != MOUSE_READ_DEVICE_ACK) {
			reject(m, "out_of_order", name);
			break;
		}
		m->state = MOUSE_ACTIVE;
		hvh_device_set_negotiated(m->dev, true);
		break;
	case SYNTHMOUSE_PROTOCOL_RESPONSE:
	case SYNTHMOUSE_INITIAL_DEVICE_INFO:
	case SYNTHMOUSE_INPUT_REPORT:
		reject(m, "wrong_direction", name);
		break;
	}
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void on_packet(struct mouse *m, const struct vmb_ring_in *pkt)
{
	uint32_t type =
		pkt->payload_len >= SYNTHMOUSE_HDR_SIZE ? le32(pkt->payload + 8) : UINT32_MAX;
	const char *name = synthmouse_msg_type_to_str(type);
	counter_inc(hvh_device_rx(m->dev), name);
	if (pkt->type != VMB_PKT_DATA_INBAND) {
		reject(m, "packet_type", "a packet that is not in-band");
		return;
	}
	struct synthmouse_msg msg;
	const char *why = "malformed";
	if (synthmouse_decode(pkt->payload, pkt->payload_len, &msg, &why) < 0) {
		reject(m, why, name);
		return;
	}
	if (m->state == MOUSE_ACTIVE) {
		/* OpenVMM: any message on an active mouse is UnexpectedPacketOrder. */
		reject(m, "unexpected_when_active", name);
		return;
	}
	on_message(m, &msg);
}

static void on_signalled(void *model, struct vmb_host_channel *ch)
{
	struct mouse *m = model;
	for (;;) {
		struct vmb_ring_in pkt;
		int ret = vmb_host_channel_recv(ch, &pkt, m->rx, sizeof(m->rx));
		if (ret == 0 || ret == -EBADMSG)
			break; // empty, or corrupt (vmb_host logged it and rescinds)
		if (ret == -EMSGSIZE) {
			counter_inc(hvh_device_rx(m->dev), "UNKNOWN");
			reject(m, "too_long", "a packet over the pipe maximum");
			continue;
		}
		if (ret < 0)
			break;
		if (pkt.type == VMB_PKT_COMP) {
			m->completions_ignored++;
			continue;
		}
		on_packet(m, &pkt);
	}
	if (m->ch)
		hvh_input_queue_flush(m->queue);
}

static void on_opened(void *model, struct vmb_host_channel *ch)
{
	struct mouse *m = model;
	m->ch = ch;
	m->state = MOUSE_READ_VERSION;
	hvh_input_queue_set_channel(m->queue, ch);
}

static void on_closed(void *model, enum vmb_host_close_reason reason)
{
	struct mouse *m = model;
	m->ch = NULL;
	m->state = MOUSE_READ_VERSION;
	hvh_input_queue_set_channel(m->queue, NULL);
	hvh_input_queue_fail_all(m->queue, "the mouse channel closed before the report was sent");
}

/* ---- the monitor's `mouse` ---- */

static void current_mode(struct mouse *m, uint32_t *width, uint32_t *height)
{
	if (!hvh_bus_get_mode(m->bus, width, height) || !*width || !*height) {
		*width = DEFAULT_WIDTH;
		*height = DEFAULT_HEIGHT;
	}
}

static void on_mouse(void *data, struct hvh_request *req, struct json_object *args)
{
	struct mouse *m = data;
	int64_t x = hvh_cmd_get_int(args, "x", 0), y = hvh_cmd_get_int(args, "y", 0);
	uint32_t w, h;
	current_mode(m, &w, &h);
	if (x >= w || y >= h) {
		hvh_request_fail(req, "(%lld, %lld) is outside the %ux%u mode; nothing was sent",
			(long long)x, (long long)y, w, h);
		return;
	}
	if (!hvh_device_is_negotiated(m->dev)) {
		hvh_request_fail(req, "the mouse is not ready: %s",
			m->ch ? "the guest has not negotiated it yet" : "no guest has opened it");
		return;
	}
	uint8_t report[SYNTHMOUSE_ABS_REPORT_SIZE];
	synthmouse_abs_report_encode(report, (uint8_t)hvh_cmd_get_int(args, "buttons", 0),
		synthmouse_scale_abs((uint32_t)x, w), synthmouse_scale_abs((uint32_t)y, h),
		(int16_t)hvh_cmd_get_int(args, "wheel", 0));
	struct synthmouse_msg msg = { .type = SYNTHMOUSE_INPUT_REPORT };
	msg.u.input_report = (struct synthmouse_input_report){ report, sizeof(report) };
	queue_msg(m, &msg, req);
}

/* buttons: bits 0..2 left, right, middle as the spec; bits 3 and 4 the report's buttons 4 and
 * 5 (an extension, to reach BTN_SIDE and BTN_EXTRA). */
static const struct hvh_cmd_arg mouse_args[] = {
	{ "x", HVH_ARG_INT, true, 0, INT32_MAX },
	{ "y", HVH_ARG_INT, true, 0, INT32_MAX },
	{ "buttons", HVH_ARG_INT, false, 0, 0x1f },
	{ "wheel", HVH_ARG_INT, false, -32767, 32767 },
	{ NULL, 0, false, 0, 0 },
};

/* ---- the model ---- */

static int mouse_stats(void *model, struct json_object *dev, struct json_object *root)
{
	struct mouse *m = model;
	int ret = json_object_object_add(
		dev, "queued", json_object_new_int64((int64_t)hvh_input_queue_len(m->queue)));
	ret |= json_object_object_add(
		dev, "completions_ignored", json_object_new_int64((int64_t)m->completions_ignored));
	return ret ? -ENOMEM : 0;
}

static void mouse_destroy(void *model)
{
	struct mouse *m = model;
	hvh_input_queue_destroy(m->queue);
	free(m);
}

static const char *const rx_names[] = { "PROTOCOL_REQUEST", "INITIAL_DEVICE_INFO_ACK" };
static const char *const tx_names[] = { "PROTOCOL_RESPONSE", "INITIAL_DEVICE_INFO",
	"INPUT_REPORT" };

int hvh_mouse_create(const struct hvh_env *env)
{
	struct mouse *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->bus = env->bus;
	m->impl = (struct hvh_device_impl){
		.name = "mouse",
		.desc = {
			.interface = vmb_guid_mouse,
			.instance = vmb_guid_mouse_instance,
			.pipe_mode = true,
		},
		.channel_opened = on_opened,
		.channel_closed = on_closed,
		.channel_signalled = on_signalled,
		.stats = mouse_stats,
		.destroy = mouse_destroy,
	};
	int ret = hvh_bus_add_device(env->bus, &m->impl, m, &m->dev);
	if (ret < 0) {
		free(m);
		return ret;
	}
	/* From here the bus owns m: mouse_destroy() runs at hvh_bus_destroy(). */
	ret = hvh_input_queue_create(&m->queue, m->dev);
	if (ret == 0)
		ret = hvh_monitor_add_command(env->monitor, "mouse", mouse_args, on_mouse, m);
	for (size_t i = 0; ret == 0 && i < ARRAY_LEN(rx_names); i++)
		counter_declare(hvh_device_rx(m->dev), rx_names[i]);
	for (size_t i = 0; ret == 0 && i < ARRAY_LEN(tx_names); i++)
		counter_declare(hvh_device_tx(m->dev), tx_names[i]);
	return ret;
}

/* ---- the VNC front end's hook ---- */

int hvh_mouse_send(struct hvh_device *dev, uint8_t buttons, uint16_t x, uint16_t y, int16_t wheel)
{
	/* The type check of STYLE.md §8: the impl's destroy is ours only for a mouse model. */
	if (!dev || hvh_device_impl(dev)->destroy != mouse_destroy)
		return -EINVAL;
	struct mouse *m = hvh_device_model(dev);
	if (!hvh_device_is_negotiated(m->dev))
		return -ENOTCONN;
	uint8_t report[SYNTHMOUSE_ABS_REPORT_SIZE];
	synthmouse_abs_report_encode(report, buttons, x, y, wheel);
	struct synthmouse_msg msg = { .type = SYNTHMOUSE_INPUT_REPORT };
	msg.u.input_report = (struct synthmouse_input_report){ report, sizeof(report) };
	uint8_t buf[64];
	int len = synthmouse_encode(buf, sizeof(buf), &msg);
	if (len < 0)
		return len;
	const struct hvh_input_packet pkt = { buf, (size_t)len, "INPUT_REPORT" };
	return hvh_input_queue_add(m->queue, &pkt, 1, NULL);
}
