/* The loopback test device (hvh_echo.h). */
#define LOG_MODULE "echo"
#include "hvh_echo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct echo {
	struct hvh_device *dev;
	struct hvh_device_impl impl; // per model: the offer's GUIDs are parsed from hvh_echo.h
	struct vmb_host_channel *ch;
	uint8_t raw[VMB_RING_DESC_SIZE + HVH_ECHO_MAX_PAYLOAD];
	/* The echo that did not fit in the ring yet, still in raw: nothing more is read (so raw
	 * is not overwritten) until it goes. */
	struct vmb_ring_in held;
	bool holding;
};

/* Sends the held echo; false while the ring is full. */
static bool send_held(struct echo *e)
{
	struct vmb_iov iov = { .base = e->held.payload, .len = e->held.payload_len };
	struct vmb_ring_out out = {
		.type = VMB_PKT_DATA_INBAND,
		.trans_id = e->held.trans_id,
		.iov = &iov,
		.iov_count = 1,
	};
	int ret = vmb_host_channel_send_batch(e->ch, &out, 1);
	if (ret == -EAGAIN || ret == 0)
		return false;
	e->holding = false;
	if (ret < 0)
		log_warn("echo: send failed: %s", strerror(-ret));
	else
		counter_inc(hvh_device_tx(e->dev), "PACKET");
	return true;
}

static void on_signalled(void *model, struct vmb_host_channel *ch)
{
	struct echo *e = model;
	for (;;) {
		if (e->holding && !send_held(e))
			return;
		struct vmb_ring_in pkt;
		int ret = vmb_host_channel_recv(ch, &pkt, e->raw, sizeof(e->raw));
		if (ret == 0 || ret == -EBADMSG)
			return; // empty, or corrupt (vmb_host logged and rescinded it)
		counter_inc(hvh_device_rx(e->dev), "PACKET");
		if (ret == -EMSGSIZE) {
			log_bug_guest("echo: packet larger than %d bytes", HVH_ECHO_MAX_PAYLOAD);
			hvh_device_reject(e->dev, "oversized packet");
			continue;
		}
		if (ret < 0)
			return;
		if (pkt.type == VMB_PKT_COMP)
			continue;
		if (pkt.payload_len == 0) {
			log_bug_guest("echo: packet without payload");
			hvh_device_reject(e->dev, "empty packet");
			continue;
		}
		e->held = pkt;
		e->holding = true;
	}
}

static void on_opened(void *model, struct vmb_host_channel *ch)
{
	struct echo *e = model;
	e->ch = ch;
	e->holding = false;
}

static void on_closed(void *model, enum vmb_host_close_reason reason)
{
	struct echo *e = model;
	e->ch = NULL;
	e->holding = false;
}

static void echo_destroy(void *model)
{
	free(model);
}

static const struct hvh_device_impl echo_impl = {
	.name = "echo",
	.ready_when_open = true,
	.channel_opened = on_opened,
	.channel_closed = on_closed,
	.channel_signalled = on_signalled,
	.destroy = echo_destroy,
};

int hvh_echo_create(const struct hvh_env *env)
{
	struct echo *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->impl = echo_impl;
	int ret = vmb_guid_parse(HVH_ECHO_INTERFACE, &e->impl.desc.interface);
	if (ret == 0)
		ret = vmb_guid_parse(HVH_ECHO_INSTANCE, &e->impl.desc.instance);
	if (ret == 0)
		ret = hvh_bus_add_device(env->bus, &e->impl, e, &e->dev);
	if (ret < 0) {
		free(e);
		return ret;
	}
	counter_declare(hvh_device_rx(e->dev), "PACKET");
	counter_declare(hvh_device_tx(e->dev), "PACKET");
	return 0;
}
