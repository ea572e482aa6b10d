/*
 * The fake Hyper-V guest of uio_fake.h: a sysfs tree of regular files, the rings in a plain
 * file, and a pty as the uio node's interrupt fd.
 */
#include "uio_fake.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "macros.h"

#define MONITOR_BYTES 4096u

PRINTF(3, 4)
static bool path_of(char *out, size_t cap, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	int n = vsnprintf(out, cap, fmt, args);
	va_end(args);
	return n >= 0 && (size_t)n < cap;
}

static bool mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	if (!path_of(tmp, sizeof(tmp), "%s", path))
		return false;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return false;
		*p = '/';
	}
	return mkdir(tmp, 0755) == 0 || errno == EEXIST;
}

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	size_t len = strlen(text);
	bool ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	return ok;
}

static bool sized_file(const char *path, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	bool ok = ftruncate(fd, (off_t)size) == 0;
	close(fd);
	return ok;
}

static void *map_file(const char *path, size_t size)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return MAP_FAILED;
	struct stat st;
	void *p = MAP_FAILED;
	if (fstat(fd, &st) == 0 && (uint64_t)st.st_size >= size)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	else
		errno = EINVAL; /* as uio refuses a mapping larger than the map */
	int err = errno;
	close(fd);
	errno = err;
	return p;
}

static bool add_device(struct fake *f, const struct fake_device *d)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], text[64];
	if (!path_of(dir, sizeof(dir), "%s/bus/vmbus/devices/%s", f->sys, d->instance) ||
		!mkdir_p(dir))
		return false;
	snprintf(path, sizeof(path), "%s/class_id", dir);
	bool ok = write_file(path, d->class_id);
	snprintf(path, sizeof(path), "%s/device_id", dir);
	snprintf(text, sizeof(text), "{%s}\n", d->instance);
	ok = ok && write_file(path, text);
	snprintf(path, sizeof(path), "%s/id", dir);
	ok = ok && (!d->id || write_file(path, d->id));
	snprintf(path, sizeof(path), "%s/monitor_id", dir);
	ok = ok && (!d->monitor_id || write_file(path, d->monitor_id));
	snprintf(path, sizeof(path), "%s/uio/uio0", dir);
	ok = ok && (!d->has_uio || mkdir_p(path));
	if (ok && d->driver) {
		snprintf(path, sizeof(path), "%s/driver", dir);
		snprintf(text, sizeof(text), "../../drivers/%s", d->driver);
		ok = symlink(text, path) == 0;
	}
	return ok;
}

static bool add_driver(struct fake *f, const char *name)
{
	static const char *const attrs[] = { "new_id", "bind", "unbind" };
	char path[PATH_MAX];
	if (!path_of(path, sizeof(path), "%s/bus/vmbus/drivers/%s", f->sys, name) || !mkdir_p(path))
		return false;
	for (size_t i = 0; i < ARRAY_LEN(attrs); i++) {
		if (!path_of(path, sizeof(path), "%s/bus/vmbus/drivers/%s/%s", f->sys, name,
			    attrs[i]) ||
			!write_file(path, ""))
			return false;
	}
	return true;
}

static bool add_map(struct fake *f, unsigned index, const char *size)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	return path_of(dir, sizeof(dir), "%s/class/uio/uio0/maps/map%u", f->sys, index) &&
		mkdir_p(dir) && path_of(path, sizeof(path), "%s/size", dir) &&
		write_file(path, size);
}

static bool add_node(struct fake *f, const char *map0_size)
{
	char path[PATH_MAX];
	bool ok = add_map(f, 0, map0_size) && add_map(f, 2, "0x0000000000001000\n");
	ok = ok && mkdir_p(f->dev) && path_of(path, sizeof(path), "%s/uio0", f->dev) &&
		sized_file(path, 2 * (size_t)f->ring_bytes);
	if (ok && f->ring_bytes) {
		void *p = map_file(path, 2 * (size_t)f->ring_bytes);
		f->ring = p == MAP_FAILED ? NULL : p;
		ok = f->ring != NULL;
	}
	ok = ok && path_of(path, sizeof(path), "%s/uio0.map2", f->dev) &&
		sized_file(path, MONITOR_BYTES);
	if (ok) {
		void *p = map_file(path, MONITOR_BYTES);
		f->monitor = p == MAP_FAILED ? NULL : p;
		ok = f->monitor != NULL;
	}
	return ok;
}

/* ---- the node ---- */

static void set_rx_mask(struct fake *f, uint32_t value)
{
	if (f->ring)
		fake_ring_set(f, 1, VMB_RING_OFF_INTERRUPT_MASK, value);
}

static int new_pty(struct fake *f)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	char name[64];
	int s = -1;
	if (grantpt(m) == 0 && unlockpt(m) == 0 && ptsname_r(m, name, sizeof(name)) == 0)
		s = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	struct termios tio;
	if (s < 0 || tcgetattr(s, &tio) < 0) {
		int ret = -errno;
		if (s >= 0)
			close(s);
		close(m);
		return ret;
	}
	/* Raw: no echo of the transport's writes, no byte translated. */
	cfmakeraw(&tio);
	tcsetattr(s, TCSANOW, &tio);
	if (f->slave >= 0)
		close(f->slave);
	f->slave = s;
	return m;
}

bool fake_have_pty(void)
{
	struct fake scratch = { .slave = -1 };
	int m = new_pty(&scratch);
	if (m < 0)
		return false;
	close(m);
	close(scratch.slave);
	return true;
}

static int node_open(void *data, const char *path)
{
	struct fake *f = data;
	f->opens++;
	snprintf(f->opened, sizeof(f->opened), "%s", path);
	/* The kernel's first open: hv_ringbuffer_init clears both headers; before 6.18 the driver
	 * then masks the receive ring. */
	if (f->ring && !f->stale) {
		vmb_ring_format(f->ring, f->ring_bytes);
		vmb_ring_format(f->ring + f->ring_bytes, f->ring_bytes);
	}
	if (f->kernel_masks)
		set_rx_mask(f, 1);
	return new_pty(f);
}

static void *node_map(void *data, int fd, const char *path, unsigned index, size_t size)
{
	char file[PATH_MAX];
	if (index != 0 && index != 2) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (!path_of(file, sizeof(file), "%s%s", path, index == 2 ? ".map2" : "")) {
		errno = ENAMETOOLONG;
		return MAP_FAILED;
	}
	return map_file(file, size);
}

static const struct vmb_uio_node_ops fake_node_ops = {
	.open = node_open,
	.map = node_map,
};

/* ---- set-up ---- */

bool fake_init(struct fake *f, const struct fake_device *devs, size_t n, const char *map0_size,
	uint32_t ring_bytes, bool uio_loaded)
{
	*f = (struct fake){ .slave = -1, .ring_bytes = ring_bytes };
	const char *tmp = getenv("TMPDIR");
	if (!path_of(f->root, sizeof(f->root), "%s/hvd-uio-XXXXXX", tmp && *tmp ? tmp : "/tmp") ||
		!mkdtemp(f->root))
		return false;
	path_of(f->sys, sizeof(f->sys), "%s/sys", f->root);
	path_of(f->dev, sizeof(f->dev), "%s/dev", f->root);
	f->config = (struct vmb_uio_config){
		.sysfs_root = f->sys,
		.dev_root = f->dev,
		.node = &fake_node_ops,
		.node_data = f,
	};
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++)
		ok = add_device(f, &devs[i]);
	static const char *const drivers[] = { "hyperv_keyboard", "hid_hyperv", "hyperv_fb" };
	for (size_t i = 0; ok && i < ARRAY_LEN(drivers); i++)
		ok = add_driver(f, drivers[i]);
	ok = ok && (!uio_loaded || add_driver(f, "uio_hv_generic"));
	return ok && add_node(f, map0_size);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	remove(path);
	return 0;
}

void fake_finish(struct fake *f)
{
	if (f->slave >= 0)
		close(f->slave);
	if (f->ring)
		munmap(f->ring, 2 * (size_t)f->ring_bytes);
	if (f->monitor)
		munmap(f->monitor, MONITOR_BYTES);
	if (f->root[0])
		nftw(f->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	*f = (struct fake){ .slave = -1 };
}

const char *fake_sysfs(struct fake *f, const char *rel)
{
	static char buf[256];
	char path[PATH_MAX];
	buf[0] = '\0';
	if (!path_of(path, sizeof(path), "%s/%s", f->sys, rel))
		return buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

void fake_sysfs_clear(struct fake *f, const char *rel)
{
	char path[PATH_MAX];
	if (path_of(path, sizeof(path), "%s/%s", f->sys, rel))
		write_file(path, "");
}

/* ---- the kernel and the host ---- */

void fake_ring_set(struct fake *f, int ring, uint32_t off, uint32_t value)
{
	uint32_t *word = (uint32_t *)(void *)(f->ring + (size_t)ring * f->ring_bytes + off);
	__atomic_store_n(word, value, __ATOMIC_SEQ_CST);
}

uint32_t fake_ring_get(struct fake *f, int ring, uint32_t off)
{
	uint32_t *word = (uint32_t *)(void *)(f->ring + (size_t)ring * f->ring_bytes + off);
	return __atomic_load_n(word, __ATOMIC_SEQ_CST);
}

void fake_irqcontrol(struct fake *f)
{
	int32_t value;
	while (f->slave >= 0 && read(f->slave, &value, sizeof(value)) == (ssize_t)sizeof(value)) {
		if (value == 1) {
			f->unmasks++;
			set_rx_mask(f, 0);
		} else {
			f->other_writes++;
			if (value == 0)
				set_rx_mask(f, 1);
		}
	}
}

bool fake_host_attach(struct fake *f)
{
	return f->ring &&
		vmb_ring_attach(&f->to_guest, f->ring + f->ring_bytes, f->ring_bytes) == 0 &&
		vmb_ring_attach(&f->from_guest, f->ring, f->ring_bytes) == 0;
}

/* The host's signal: hv_uio_channel_cb masks (before 6.18) and bumps the uio counter. */
static void interrupt(struct fake *f)
{
	if (f->kernel_masks)
		set_rx_mask(f, 1);
	f->irq_count++;
	if (f->slave >= 0 && write(f->slave, &f->irq_count, sizeof(f->irq_count)) < 0)
		return;
}

bool fake_host_send(struct fake *f, const void *payload, size_t len, int *ret)
{
	fake_irqcontrol(f); /* the kernel applied every irqcontrol before the host looks */
	const struct vmb_iov iov = { .base = payload, .len = len };
	const struct vmb_ring_out pkt = {
		.type = VMB_PKT_DATA_INBAND,
		.iov = &iov,
		.iov_count = 1,
	};
	bool need_signal = false;
	*ret = vmb_ring_write(&f->to_guest, &pkt, 1, &need_signal);
	if (need_signal)
		interrupt(f);
	return need_signal;
}

int fake_host_recv(struct fake *f, void *buf, size_t cap, size_t *len)
{
	struct vmb_ring_in pkt;
	int ret = vmb_ring_read(&f->from_guest, &pkt, buf, cap);
	if (ret != 1)
		return ret;
	*len = pkt.payload_len;
	memmove(buf, pkt.payload, pkt.payload_len);
	bool need_signal;
	vmb_ring_read_done(&f->from_guest, &need_signal);
	return 1;
}

void fake_rescind(struct fake *f)
{
	if (f->slave >= 0)
		close(f->slave);
	f->slave = -1;
}
