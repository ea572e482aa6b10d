/* pcap writer for hvhost --trace (vmbus-emu.md §7). */
#include "hvh_trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "macros.h"
#include "wire.h"

struct hvh_trace {
	int fd;
	hvh_trace_clock_fn clock;
	void *clock_data;
};

static int64_t realtime_us(void *data)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Writes every byte of iov, resuming after short writes and EINTR. */
static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t done = writev(fd, iov, n);
		if (done < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (n > 0 && (size_t)done >= iov->iov_len) {
			done -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + done;
			iov->iov_len -= (size_t)done;
		}
	}
	return 0;
}

int hvh_trace_create(struct hvh_trace **out, int fd, hvh_trace_clock_fn clock, void *clock_data)
{
	struct hvh_trace *trace = calloc(1, sizeof(*trace));
	if (!trace) {
		close(fd);
		return -ENOMEM;
	}
	*trace = (struct hvh_trace){
		.fd = fd,
		.clock = clock ? clock : realtime_us,
		.clock_data = clock_data,
	};
	uint8_t hdr[HVH_TRACE_FILE_HEADER_SIZE];
	struct wire w = wire_writer(hdr, sizeof(hdr));
	wire_put_u32(&w, HVH_TRACE_MAGIC);
	wire_put_u16(&w, HVH_TRACE_VERSION_MAJOR);
	wire_put_u16(&w, HVH_TRACE_VERSION_MINOR);
	wire_put_u32(&w, 0); // thiszone
	wire_put_u32(&w, 0); // sigfigs
	wire_put_u32(&w, HVH_TRACE_SNAPLEN);
	wire_put_u32(&w, HVH_TRACE_LINKTYPE);
	struct iovec iov = { .iov_base = hdr, .iov_len = sizeof(hdr) };
	int ret = write_all(fd, &iov, 1);
	if (ret < 0) {
		hvh_trace_destroy(trace);
		return ret;
	}
	*out = trace;
	return 0;
}

int hvh_trace_open(struct hvh_trace **out, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	return hvh_trace_create(out, fd, NULL, NULL);
}

void hvh_trace_destroy(struct hvh_trace *trace)
{
	if (!trace)
		return;
	close(trace->fd);
	free(trace);
}

/* The record header and pseudo-header, then body (cut at the snaplen) in one write. */
static int write_record(struct hvh_trace *trace, uint32_t relid, enum hvh_trace_kind kind,
	const uint8_t *body, size_t body_len)
{
	size_t orig = HVH_TRACE_PSEUDO_HEADER_SIZE + body_len;
	size_t incl = MIN(orig, (size_t)HVH_TRACE_SNAPLEN);
	if (orig > UINT32_MAX)
		orig = UINT32_MAX;
	int64_t us = trace->clock(trace->clock_data);
	if (us < 0)
		us = 0;
	uint8_t hdr[HVH_TRACE_RECORD_HEADER_SIZE + HVH_TRACE_PSEUDO_HEADER_SIZE];
	struct wire w = wire_writer(hdr, sizeof(hdr));
	wire_put_u32(&w, (uint32_t)(us / 1000000));
	wire_put_u32(&w, (uint32_t)(us % 1000000));
	wire_put_u32(&w, (uint32_t)incl);
	wire_put_u32(&w, (uint32_t)orig);
	wire_put_u32(&w, relid);
	wire_put_u8(&w, (uint8_t)kind);
	wire_put_u8(&w, 0);
	wire_put_u16(&w, 0);
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)(uintptr_t)body,
			.iov_len = incl - HVH_TRACE_PSEUDO_HEADER_SIZE },
	};
	return write_all(trace->fd, iov, iov[1].iov_len ? 2 : 1);
}

int hvh_trace_packet(struct hvh_trace *trace, uint32_t relid, enum hvh_trace_kind kind,
	const uint8_t *raw, size_t len)
{
	if (kind != HVH_TRACE_GUEST_TO_HOST && kind != HVH_TRACE_HOST_TO_GUEST)
		return -EINVAL;
	if (!raw && len)
		return -EINVAL;
	return write_record(trace, relid, kind, raw, len);
}

int hvh_trace_channel(struct hvh_trace *trace, uint32_t relid, const struct vmb_guid *interface,
	const struct vmb_guid *instance)
{
	uint8_t body[2 * sizeof(interface->bytes)];
	struct wire w = wire_writer(body, sizeof(body));
	wire_put_bytes(&w, interface->bytes, sizeof(interface->bytes));
	wire_put_bytes(&w, instance->bytes, sizeof(instance->bytes));
	return write_record(trace, relid, HVH_TRACE_CHANNEL_OPENED, body, sizeof(body));
}
