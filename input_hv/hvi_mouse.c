/*
 * The synthetic mouse driver (synthinput.md §2): negotiation as Linux's hid-hyperv, the
 * report descriptor parsed (proto/hid.h), reports -> pointer events.
 *
 * The host describes its reports with a HID report descriptor. hvhost and OpenVMM send the same
 * 67 bytes (§2.5: five buttons, absolute X/Y 0..32767, a relative wheel), but nothing promises
 * that, so the descriptor is parsed and a report is decoded by the layout it declares; a
 * descriptor without a usable pointer is refused with the parser's reason and the device fails
 * to come up, as Linux's hid_parse() fails the probe. Linux's one quirk for Hyper-V's own
 * descriptor (byte 14 patched from Logical Maximum to Usage Maximum, §2.5) is applied the same
 * way, so a Windows host's descriptor reads as Linux reads it.
 *
 * Events follow the input core's rules: an axis or button is reported when it changed (all of
 * X and Y in the first report after bring-up), the wheel when it moved, and every report ends with
 * a SYN_REPORT. Absolute positions are the logical values, or pixels of the screen the caller
 * set (hvi_device_set_screen()).
 */
#define LOG_MODULE "hvi-mouse"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hid.h"
#include "hvi_internal.h"
#include "log.h"
#include "loop.h"
#include "synthmouse.h"
#include "vmb_wait.h"

#define MAX_BUTTONS 8   // HID usages 1..8 -> BTN_LEFT..BTN_TASK, as Linux hid-input
#define SA167_OFFSET 14 // the byte Linux patches (hid-hyperv.c "SA-167 workaround")

struct hvi_mouse {
	struct hvi_device base;
	struct hid_pointer_desc desc;
	uint32_t screen_w, screen_h; // 0: logical values
	bool have_pos;               // x and y were reported (in the current units)
	int32_t x, y;
	uint32_t buttons; // reported as down; all up after bring-up
	uint8_t report_desc[HID_MAX_DESC_SIZE];
};

static const struct hvi_device_ops mouse_ops;

static struct hvi_mouse *mouse_from(struct hvi_device *dev)
{
	return dev->ops == &mouse_ops ? container_of(dev, struct hvi_mouse, base) : NULL;
}

static const struct hvi_mouse *mouse_from_const(const struct hvi_device *dev)
{
	return dev->ops == &mouse_ops ? container_of(dev, const struct hvi_mouse, base) : NULL;
}

/* ---- negotiation (§2.6) ---- */

static int send_msg(struct hvi_mouse *m, const struct synthmouse_msg *msg)
{
	uint8_t buf[64];
	int len = synthmouse_encode(buf, sizeof(buf), msg);
	if (len < 0)
		return len;
	return hvi_device_send(&m->base, buf, (size_t)len);
}

/* The next host message of type want, dropping (and counting) anything else. */
static int wait_msg(struct hvi_mouse *m, int64_t deadline, enum synthmouse_msg_type want,
	struct synthmouse_msg *out)
{
	struct hvi_device *dev = &m->base;
	for (;;) {
		struct vmb_ring_in pkt;
		int ret = hvi_device_wait_packet(dev, deadline, &pkt);
		if (ret == -ETIMEDOUT)
			log_error("mouse: no %s within %d ms", synthmouse_msg_type_to_str(want),
				dev->timeout_ms);
		if (ret < 0)
			return ret;
		dev->stats.rx_messages++;
		const char *why = NULL;
		if (synthmouse_decode(pkt.payload, pkt.payload_len, out, &why) < 0) {
			log_bug_host("mouse: bad message during negotiation (%s); dropped", why);
			dev->stats.rx_rejected++;
			continue;
		}
		if (out->type == want)
			return 0;
		log_bug_host("mouse: %s while waiting for %s; dropped",
			synthmouse_msg_type_to_str(out->type), synthmouse_msg_type_to_str(want));
		dev->stats.rx_rejected++;
	}
}

/* Parses the report descriptor (a copy, so the quirk can patch it); -EPROTO with the reason. */
static int take_descriptor(struct hvi_mouse *m, const struct synthmouse_device_info *info)
{
	const uint8_t *desc = info->report_desc;
	size_t len = info->hid_desc.report_desc_len;
	if (len <= sizeof(m->report_desc)) {
		memcpy(m->report_desc, desc, len);
		if (len > SA167_OFFSET && m->report_desc[SA167_OFFSET] == 0x25) {
			m->report_desc[SA167_OFFSET] = 0x29;
			log_info("mouse: report descriptor byte 14 patched to Usage Maximum, as "
				 "Linux does for Hyper-V");
		}
		desc = m->report_desc;
	}
	const char *why = NULL;
	if (hid_parse_pointer(desc, len, &m->desc, &why) < 0) {
		log_bug_host(
			"mouse: the host's %zu-byte report descriptor is refused: %s", len, why);
		return -EPROTO;
	}
	m->base.vendor = info->info.vendor;
	m->base.product = info->info.product;
	m->base.version = info->info.version;
	return 0;
}

static int mouse_negotiate(struct hvi_device *dev)
{
	struct hvi_mouse *m = mouse_from(dev);
	m->have_pos = false;
	m->buttons = 0;
	struct synthmouse_msg msg = { .type = SYNTHMOUSE_PROTOCOL_REQUEST };
	msg.u.protocol_request.version = SYNTHMOUSE_VERSION;
	int ret = send_msg(m, &msg);
	if (ret < 0)
		return ret;
	ret = wait_msg(m, loop_now_ms() + dev->timeout_ms, SYNTHMOUSE_PROTOCOL_RESPONSE, &msg);
	if (ret < 0)
		return ret;
	if (!msg.u.protocol_response.approved) {
		log_error("mouse: the host refused protocol 2.0");
		return -ECONNREFUSED;
	}
	ret = wait_msg(m, loop_now_ms() + dev->timeout_ms, SYNTHMOUSE_INITIAL_DEVICE_INFO, &msg);
	if (ret < 0)
		return ret;
	ret = take_descriptor(m, &msg.u.device_info);
	if (ret < 0)
		return ret;
	msg = (struct synthmouse_msg){ .type = SYNTHMOUSE_INITIAL_DEVICE_INFO_ACK };
	return send_msg(m, &msg);
}

/* ---- reports ---- */

static int32_t scale(int32_t v, const struct hid_field *f, uint32_t extent)
{
	if (!extent)
		return v;
	int64_t range = (int64_t)f->logical_max - f->logical_min;
	if (range <= 0)
		return 0;
	int64_t num = ((int64_t)v - f->logical_min) * (int64_t)(extent - 1);
	return (int32_t)((num + range / 2) / range);
}

static void report_axes(struct hvi_mouse *m, const struct hid_pointer_report *rep,
	const struct hid_pointer_event *ev, uint64_t now)
{
	struct hvi_device *dev = &m->base;
	if (!ev->absolute) {
		if (ev->x)
			hvi_device_push(dev, now, HVI_EV_REL, HVI_REL_X, ev->x);
		if (ev->y)
			hvi_device_push(dev, now, HVI_EV_REL, HVI_REL_Y, ev->y);
		return;
	}
	int32_t x = scale(ev->x, &rep->x, m->screen_w);
	int32_t y = scale(ev->y, &rep->y, m->screen_h);
	if (!m->have_pos || x != m->x)
		hvi_device_push(dev, now, HVI_EV_ABS, HVI_ABS_X, x);
	if (!m->have_pos || y != m->y)
		hvi_device_push(dev, now, HVI_EV_ABS, HVI_ABS_Y, y);
	m->x = x;
	m->y = y;
	m->have_pos = true;
}

static void report_buttons(struct hvi_mouse *m, uint32_t buttons, uint64_t now)
{
	uint32_t changed = buttons ^ m->buttons;
	for (unsigned i = 0; i < MAX_BUTTONS; i++) {
		if (changed >> i & 1)
			hvi_device_push(&m->base, now, HVI_EV_KEY, (uint16_t)(HVI_BTN_LEFT + i),
				(int32_t)(buttons >> i & 1));
	}
	m->buttons = buttons;
}

static void input_report(struct hvi_mouse *m, const struct synthmouse_input_report *r, uint64_t now)
{
	struct hvi_device *dev = &m->base;
	struct hid_pointer_event ev;
	const char *why = NULL;
	int ret = hid_pointer_decode(&m->desc, r->data, r->len, &ev, &why);
	if (ret == -EOPNOTSUPP) {
		dev->stats.reports_ignored++;
		return;
	}
	if (ret < 0) {
		log_bug_host("mouse: %zu-byte input report refused (%s); dropped", r->len, why);
		dev->stats.rx_rejected++;
		return;
	}
	const struct hid_pointer_report *rep = hid_pointer_find(&m->desc, ev.report_id);
	report_axes(m, rep, &ev, now);
	report_buttons(m, ev.buttons & ((1u << MAX_BUTTONS) - 1), now);
	if (rep->wheel.bit_size && rep->wheel.relative && ev.wheel)
		hvi_device_push(dev, now, HVI_EV_REL, HVI_REL_WHEEL, ev.wheel);
	hvi_device_sync(dev, now);
}

static void mouse_packet(struct hvi_device *dev, const struct vmb_ring_in *pkt, uint64_t now)
{
	struct hvi_mouse *m = mouse_from(dev);
	struct synthmouse_msg msg;
	const char *why = NULL;
	if (synthmouse_decode(pkt->payload, pkt->payload_len, &msg, &why) < 0) {
		log_bug_host("mouse: bad message (%s); dropped", why);
		dev->stats.rx_rejected++;
		return;
	}
	if (msg.type != SYNTHMOUSE_INPUT_REPORT) {
		log_bug_host("mouse: unexpected %s after negotiation; dropped",
			synthmouse_msg_type_to_str(msg.type));
		dev->stats.rx_rejected++;
		return;
	}
	input_report(m, &msg.u.input_report, now);
}

static void mouse_lost(struct hvi_device *dev, uint64_t now)
{
	struct hvi_mouse *m = mouse_from(dev);
	if (m->buttons) {
		report_buttons(m, 0, now);
		hvi_device_sync(dev, now);
	}
	m->have_pos = false;
}

static void mouse_flush(struct hvi_device *dev)
{
}

/* ---- capabilities ---- */

static bool any_report(const struct hvi_mouse *m,
	bool (*pred)(const struct hid_pointer_report *r, uint16_t code), uint16_t code)
{
	for (uint32_t i = 0; i < m->desc.n_reports && i < HID_MAX_REPORTS; i++) {
		const struct hid_pointer_report *r = &m->desc.reports[i];
		if (r->has_pointer && pred(r, code))
			return true;
	}
	return false;
}

static bool has_abs(const struct hid_pointer_report *r, uint16_t code)
{
	return r->absolute && (code == HVI_ABS_X || code == HVI_ABS_Y);
}

static bool has_rel(const struct hid_pointer_report *r, uint16_t code)
{
	if (code == HVI_REL_WHEEL)
		return r->wheel.bit_size && r->wheel.relative;
	return !r->absolute && (code == HVI_REL_X || code == HVI_REL_Y);
}

static bool has_button(const struct hid_pointer_report *r, uint16_t code)
{
	if (code < HVI_BTN_LEFT || code >= HVI_BTN_LEFT + MAX_BUTTONS)
		return false;
	uint32_t bit = code - HVI_BTN_LEFT;
	return r->button_count && bit + 1 >= r->button_first &&
		bit + 1 < (uint32_t)r->button_first + r->button_count;
}

static bool mouse_has_event(const struct hvi_device *dev, uint16_t type, uint16_t code)
{
	const struct hvi_mouse *m = mouse_from_const(dev);
	switch (type) {
	case HVI_EV_ABS:
		return any_report(m, has_abs, code);
	case HVI_EV_REL:
		return any_report(m, has_rel, code);
	case HVI_EV_KEY:
		return any_report(m, has_button, code);
	default:
		return false;
	}
}

int hvi_device_get_abs_range(
	const struct hvi_device *dev, uint16_t code, int32_t *min, int32_t *max)
{
	const struct hvi_mouse *m = mouse_from_const(dev);
	if (!m || (code != HVI_ABS_X && code != HVI_ABS_Y))
		return -ENODEV;
	for (uint32_t i = 0; i < m->desc.n_reports && i < HID_MAX_REPORTS; i++) {
		const struct hid_pointer_report *r = &m->desc.reports[i];
		if (!r->has_pointer || !r->absolute)
			continue;
		const struct hid_field *f = code == HVI_ABS_X ? &r->x : &r->y;
		uint32_t extent = code == HVI_ABS_X ? m->screen_w : m->screen_h;
		*min = extent ? 0 : f->logical_min;
		*max = extent ? (int32_t)(extent - 1) : f->logical_max;
		return 0;
	}
	return -ENODEV;
}

int hvi_device_set_screen(struct hvi_device *dev, uint32_t width, uint32_t height)
{
	struct hvi_mouse *m = mouse_from(dev);
	if (!m)
		return -ENODEV;
	if ((width == 0) != (height == 0) || width > INT32_MAX || height > INT32_MAX)
		return -EINVAL;
	m->screen_w = width;
	m->screen_h = height;
	/* The next report gives positions in the new units even if the host's did not move. */
	m->have_pos = false;
	return 0;
}

/* ---- the device ---- */

static void mouse_destroy(struct hvi_device *dev)
{
	struct hvi_mouse *m = mouse_from(dev);
	hvi_device_finish(dev);
	free(m);
}

static const struct hvi_device_ops mouse_ops = {
	.kind = HVI_DEVICE_MOUSE,
	.name = "Microsoft Vmbus HID-compliant Mouse",
	.log_name = "mouse",
	.interface = &vmb_guid_mouse,
	.negotiate = mouse_negotiate,
	.packet = mouse_packet,
	.lost = mouse_lost,
	.flush = mouse_flush,
	.has_event = mouse_has_event,
	.destroy = mouse_destroy,
};

int hvi_mouse_create(struct hvi_device **out, struct vmb_bus *bus, const struct hvi_options *opts)
{
	struct hvi_mouse *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	int ret = hvi_device_init(&m->base, &mouse_ops, bus, opts);
	if (ret == 0)
		ret = hvi_device_bring_up(&m->base);
	if (ret < 0) {
		mouse_destroy(&m->base);
		return ret;
	}
	*out = &m->base;
	return 0;
}
