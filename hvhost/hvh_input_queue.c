/* The outgoing input FIFO of the keyboard and mouse models (hvh_input_queue.h). */
#define LOG_MODULE "input-queue"
#include "hvh_input_queue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define SEND_BATCH 32 // packets per vmb_host_channel_send_batch(): one signal for all

struct entry {
	size_t off; // into bytes
	uint32_t len;
	const char *name;
};

struct waiter {
	struct hvh_request *req; // NULL once its client went away
	uint64_t end_seq;        // complete when sent_seq reaches it
};

struct hvh_input_queue {
	struct hvh_device *dev;
	struct vmb_host_channel *ch;
	struct entry *entries; // [head, n) waiting
	size_t head, n, cap;
	uint8_t *bytes; // payloads of the entries, appended
	size_t bytes_len, bytes_cap;
	struct waiter *waiters; // [w_head, w_n), in end_seq order
	size_t w_head, w_n, w_cap;
	uint64_t sent_seq; // packets in the ring since creation
};

static int grow(void **array, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 64;
	while (ncap < need)
		ncap *= 2;
	void *p = realloc(*array, ncap * elem);
	if (!p)
		return -ENOMEM;
	*array = p;
	*cap = ncap;
	return 0;
}

int hvh_input_queue_create(struct hvh_input_queue **out, struct hvh_device *dev)
{
	struct hvh_input_queue *q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->dev = dev;
	*out = q;
	return 0;
}

void hvh_input_queue_destroy(struct hvh_input_queue *q)
{
	if (!q)
		return;
	char why[64];
	snprintf(why, sizeof(why), "the %s model is going away", hvh_device_name(q->dev));
	hvh_input_queue_fail_all(q, why);
	free(q->entries);
	free(q->bytes);
	free(q->waiters);
	free(q);
}

/* Drops what was sent from the front of the arrays once it is the larger part. */
static void compact(struct hvh_input_queue *q)
{
	if (q->head == q->n) {
		q->head = q->n = q->bytes_len = 0;
	} else if (q->head > 256 && q->head > (q->n - q->head)) {
		size_t off = q->entries[q->head].off;
		memmove(q->bytes, q->bytes + off, q->bytes_len - off);
		q->bytes_len -= off;
		memmove(q->entries, q->entries + q->head, (q->n - q->head) * sizeof(*q->entries));
		q->n -= q->head;
		q->head = 0;
		for (size_t i = 0; i < q->n; i++)
			q->entries[i].off -= off;
	}
	if (q->w_head == q->w_n)
		q->w_head = q->w_n = 0;
}

static void on_cancel(void *data, struct hvh_request *req)
{
	struct hvh_input_queue *q = data;
	for (size_t i = q->w_head; i < q->w_n; i++) {
		if (q->waiters[i].req == req)
			q->waiters[i].req = NULL;
	}
}

static void complete_waiters(struct hvh_input_queue *q)
{
	while (q->w_head < q->w_n && q->waiters[q->w_head].end_seq <= q->sent_seq) {
		struct hvh_request *req = q->waiters[q->w_head++].req;
		if (req) {
			hvh_request_set_cancel(req, NULL, NULL);
			hvh_request_done(req);
		}
	}
}

/* One batch to the ring; the number sent, 0 when full or on error (the close follows). */
static size_t send_some(struct hvh_input_queue *q)
{
	struct vmb_iov iov[SEND_BATCH];
	struct vmb_ring_out out[SEND_BATCH];
	size_t k = 0;
	for (; k < SEND_BATCH && q->head + k < q->n; k++) {
		const struct entry *e = &q->entries[q->head + k];
		iov[k] = (struct vmb_iov){ .base = q->bytes + e->off, .len = e->len };
		out[k] = (struct vmb_ring_out){
			.type = VMB_PKT_DATA_INBAND,
			.iov = &iov[k],
			.iov_count = 1,
		};
	}
	int ret = vmb_host_channel_send_batch(q->ch, out, k);
	if (ret == -EAGAIN || ret == 0)
		return 0;
	if (ret < 0) {
		log_warn("%s: sending input failed: %s", hvh_device_name(q->dev), strerror(-ret));
		return 0;
	}
	for (int i = 0; i < ret; i++)
		counter_inc(hvh_device_tx(q->dev), q->entries[q->head + (size_t)i].name);
	q->head += (size_t)ret;
	q->sent_seq += (uint64_t)ret;
	return (size_t)ret;
}

void hvh_input_queue_flush(struct hvh_input_queue *q)
{
	while (q->ch && q->head < q->n) {
		if (send_some(q) < SEND_BATCH)
			break;
	}
	complete_waiters(q);
	compact(q);
}

int hvh_input_queue_add(struct hvh_input_queue *q, const struct hvh_input_packet *pkts, size_t n,
	struct hvh_request *req)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (pkts[i].len == 0 || pkts[i].len > HVH_INPUT_MAX_PACKET)
			return -EINVAL;
		total += pkts[i].len;
	}
	if (grow((void **)&q->entries, &q->cap, q->n + n, sizeof(*q->entries)) < 0 ||
		grow((void **)&q->bytes, &q->bytes_cap, q->bytes_len + total, 1) < 0 ||
		grow((void **)&q->waiters, &q->w_cap, q->w_n + 1, sizeof(*q->waiters)) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		memcpy(q->bytes + q->bytes_len, pkts[i].bytes, pkts[i].len);
		q->entries[q->n++] = (struct entry){
			.off = q->bytes_len,
			.len = (uint32_t)pkts[i].len,
			.name = pkts[i].name,
		};
		q->bytes_len += pkts[i].len;
	}
	if (req) {
		uint64_t end = q->sent_seq + (q->n - q->head);
		q->waiters[q->w_n++] = (struct waiter){ .req = req, .end_seq = end };
		hvh_request_set_cancel(req, on_cancel, q);
	}
	hvh_input_queue_flush(q);
	return 0;
}

void hvh_input_queue_set_channel(struct hvh_input_queue *q, struct vmb_host_channel *ch)
{
	q->ch = ch;
}

void hvh_input_queue_fail_all(struct hvh_input_queue *q, const char *why)
{
	q->sent_seq += q->n - q->head;
	q->head = q->n = q->bytes_len = 0;
	while (q->w_head < q->w_n) {
		struct hvh_request *req = q->waiters[q->w_head++].req;
		if (req) {
			hvh_request_set_cancel(req, NULL, NULL);
			hvh_request_fail(req, "%s", why);
		}
	}
	compact(q);
}

size_t hvh_input_queue_len(const struct hvh_input_queue *q)
{
	return q->n - q->head;
}
