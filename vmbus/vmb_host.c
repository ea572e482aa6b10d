/*
 * The emulated VMBus host (vmb_host.h, vmbus-emu.md): the listening socket, the MMIO window,
 * the registered devices and their offers, and the calls hvhost makes. The guest's control
 * messages are vmb_host_conn.c's, channels vmb_host_channel.c's.
 */
#define LOG_MODULE "vmb-host"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "vmb_emu_io.h"
#include "vmb_host_internal.h"

#define MMIO_DEFAULT_BASE 0xF8000000ull
#define MMIO_DEFAULT_SIZE (128ull << 20)

static const uint32_t default_versions[] = {
	0x00050000u, // 5.0
	0x00040000u, // 4.0
	0x00030000u, // 3.0
	0x00020004u, // 2.4
};

/* ---- the socket (§1) ---- */

/* Creates each missing directory of path's parent with mode 0700 (§1). */
static int make_parent_dirs(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = strchr(dir + 1, '/');; p = strchr(p + 1, '/')) {
		if (p)
			*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		if (!p)
			break;
		*p = '/';
	}
	struct stat st;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		log_error("%s is not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

/* The default directories sit in shared places (/tmp): insist they are ours alone. */
static int check_private_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	struct stat st;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (st.st_uid != getuid() || (st.st_mode & 022)) {
		log_error("%s is not a directory of ours that only we can write", dir);
		return -EPERM;
	}
	return 0;
}

/* A socket left by a host that died is unlinked; a live one is not ours to take. */
static int clear_stale_socket(const struct sockaddr_un *sun)
{
	struct stat st;
	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_error("%s exists and is not a socket", sun->sun_path);
		return -EEXIST;
	}
	int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (probe < 0)
		return -errno;
	int ret = connect(probe, (const struct sockaddr *)sun, sizeof(*sun)) < 0 ? -errno : 0;
	close(probe);
	if (ret != -ECONNREFUSED) {
		log_error("another host listens on %s", sun->sun_path);
		return -EADDRINUSE;
	}
	log_info("removing the stale socket %s", sun->sun_path);
	return unlink(sun->sun_path) < 0 ? -errno : 0;
}

static void on_listen_readable(void *data, int fd, short revents);

static int open_listener(struct vmb_host *host, const char *option)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int ret = vmb_emu_socket_path(option, sun.sun_path, sizeof(sun.sun_path));
	if (ret == 0)
		ret = make_parent_dirs(sun.sun_path);
	const char *env = getenv("HVDISPLAY_VMBUS");
	bool default_path = !(option && option[0]) && !(env && env[0]);
	if (ret == 0 && default_path)
		ret = check_private_dir(sun.sun_path);
	if (ret == 0)
		ret = clear_stale_socket(&sun);
	if (ret < 0)
		return ret;
	host->socket_path = strdup(sun.sun_path);
	if (!host->socket_path)
		return -ENOMEM;
	host->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (host->listen_fd < 0)
		return -errno;
	struct stat st;
	if (bind(host->listen_fd, (const struct sockaddr *)&sun, sizeof(sun)) < 0 ||
		stat(sun.sun_path, &st) < 0 || listen(host->listen_fd, 4) < 0) {
		ret = -errno;
		log_error("cannot listen on %s: %d", sun.sun_path, ret);
		return ret;
	}
	host->socket_dev = st.st_dev;
	host->socket_ino = st.st_ino;
	host->listen_source =
		loop_add_fd(host->loop, host->listen_fd, POLLIN, on_listen_readable, host);
	return host->listen_source ? 0 : -ENOMEM;
}

/* Unlinks the path only while it is still our socket, not a successor's. */
static void close_listener(struct vmb_host *host)
{
	loop_remove(host->listen_source);
	if (host->listen_fd >= 0) {
		struct stat st;
		if (stat(host->socket_path, &st) == 0 && st.st_dev == host->socket_dev &&
			st.st_ino == host->socket_ino)
			unlink(host->socket_path);
		close(host->listen_fd);
	}
}

/* ---- busy guests (§2: refusal 1 after their INITIATE_CONTACT, then closed) ---- */

static void busy_close(struct host_busy_conn *b)
{
	for (size_t i = 0; i < HOST_MAX_BUSY; i++) {
		if (b->host->busy[i] == b)
			b->host->busy[i] = NULL;
	}
	loop_remove(b->source);
	close(b->fd);
	free(b);
}

static void on_busy_readable(void *data, int fd, short revents)
{
	struct host_busy_conn *b = data;
	uint8_t buf[VMB_CTL_MAX_SIZE];
	int fds[VMB_EMU_MAX_RX_FDS];
	size_t nfds = 0;
	ssize_t n = vmb_emu_recv(fd, buf, sizeof(buf), fds, &nfds);
	if (n == -EAGAIN)
		return;
	struct vmb_ctl_msg msg;
	const char *reason = "closed before INITIATE_CONTACT";
	int ret = n <= 0 || (size_t)n > sizeof(buf)
		? -EPROTO
		: vmb_ctl_decode(VMB_CTL_TO_HOST, buf, (size_t)n, nfds, &msg, &reason);
	vmb_emu_close_fds(fds, nfds);
	if (ret == 0 && msg.type == VMB_CTL_INITIATE_CONTACT) {
		struct vmb_ctl_msg resp = { .type = VMB_CTL_VERSION_RESPONSE };
		resp.version_response.refusal = VMB_CTL_REFUSAL_BUSY;
		vmb_emu_send(fd, &resp, NULL, 0);
		b->host->stats.busy_refusals++;
		log_info("refused a second guest: busy with the first");
	} else if (n > 0) {
		b->host->stats.protocol_errors++;
		log_bug_guest("second guest: %s while waiting for INITIATE_CONTACT",
			ret < 0 ? reason : vmb_ctl_type_to_str(msg.type));
	}
	busy_close(b);
}

static void start_busy(struct vmb_host *host, int fd)
{
	size_t slot = HOST_MAX_BUSY;
	for (size_t i = 0; i < HOST_MAX_BUSY && slot == HOST_MAX_BUSY; i++) {
		if (!host->busy[i])
			slot = i;
	}
	struct host_busy_conn *b = slot < HOST_MAX_BUSY ? calloc(1, sizeof(*b)) : NULL;
	if (b) {
		*b = (struct host_busy_conn){ .host = host, .fd = fd };
		b->source = loop_add_fd(host->loop, fd, POLLIN, on_busy_readable, b);
	}
	if (!b || !b->source) {
		log_warn("too many waiting guests: closing one at once");
		free(b);
		close(fd);
		return;
	}
	host->busy[slot] = b;
}

static void on_listen_readable(void *data, int fd, short revents)
{
	struct vmb_host *host = data;
	int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (conn < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept failed: %d", -errno);
		return;
	}
	/* A guest that closed and reconnects at once: see the close before judging "busy". */
	if (host->conn)
		host_conn_drain(host->conn);
	if (host->conn)
		start_busy(host, conn);
	else if (host_conn_start(host, conn) < 0)
		log_error("out of memory: a guest connection was dropped");
}

/* ---- the MMIO window (§4) ---- */

static int create_mmio(struct vmb_host *host, const struct vmb_host_config *cfg)
{
	host->mmio_base = cfg->mmio_base ? cfg->mmio_base : MMIO_DEFAULT_BASE;
	host->mmio_size = cfg->mmio_size ? cfg->mmio_size : MMIO_DEFAULT_SIZE;
	if (host->mmio_base % VMB_CTL_MMIO_ALIGN || host->mmio_size % VMB_CTL_MMIO_ALIGN ||
		host->mmio_base > UINT64_MAX - host->mmio_size || host->mmio_size > SIZE_MAX)
		return -EINVAL;
	host->mmio_fd = memfd_create("hvd-mmio", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (host->mmio_fd < 0)
		return -errno;
	/* Sealed before the guest sees it: it can never fault our mapping, nor we its. */
	if (ftruncate(host->mmio_fd, (off_t)host->mmio_size) < 0 ||
		fcntl(host->mmio_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return -errno;
	void *p = mmap(NULL, (size_t)host->mmio_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		host->mmio_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	host->mmio = p;
	return 0;
}

/* ---- lifecycle ---- */

static int copy_versions(struct vmb_host *host, const struct vmb_host_config *cfg)
{
	const uint32_t *v = cfg->versions ? cfg->versions : default_versions;
	size_t n = cfg->versions ? cfg->n_versions : ARRAY_LEN(default_versions);
	if (n == 0)
		return -EINVAL;
	host->versions = calloc(n, sizeof(*v));
	if (!host->versions)
		return -ENOMEM;
	memcpy(host->versions, v, n * sizeof(*v));
	host->n_versions = n;
	return 0;
}

static void on_teardown(void *data)
{
	host_conn_teardown(data, true);
}

int vmb_host_create(struct vmb_host **out, struct loop *loop, const struct vmb_host_config *cfg,
	const struct vmb_host_listener *listener, void *data)
{
	static const struct vmb_host_config defaults = { 0 };
	static const struct vmb_host_listener no_listener = { 0 };
	if (!out || !loop)
		return -EINVAL;
	cfg = cfg ? cfg : &defaults;
	struct vmb_host *host = calloc(1, sizeof(*host));
	if (!host)
		return -ENOMEM;
	*host = (struct vmb_host){
		.loop = loop,
		.listener = listener ? listener : &no_listener,
		.listener_data = data,
		.listen_fd = -1,
		.mmio_fd = -1,
	};
	int ret = copy_versions(host, cfg);
	if (ret == 0)
		ret = create_mmio(host, cfg);
	if (ret == 0) {
		host->teardown_timer = loop_add_timer(loop, on_teardown, host);
		ret = host->teardown_timer ? 0 : -ENOMEM;
	}
	if (ret == 0)
		ret = open_listener(host, cfg->socket_path);
	if (ret < 0) {
		vmb_host_destroy(host);
		return ret;
	}
	*out = host;
	return 0;
}

void vmb_host_destroy(struct vmb_host *host)
{
	if (!host)
		return;
	if (host->conn)
		host_conn_fail(host->conn, false);
	host_conn_teardown(host, false);
	for (size_t i = 0; i < HOST_MAX_BUSY; i++) {
		if (host->busy[i])
			busy_close(host->busy[i]);
	}
	if (host->socket_path)
		close_listener(host);
	loop_remove(host->teardown_timer);
	if (host->mmio)
		munmap(host->mmio, (size_t)host->mmio_size);
	if (host->mmio_fd >= 0)
		close(host->mmio_fd);
	free(host->socket_path);
	free(host->versions);
	free(host->devs);
	free(host);
}

/* ---- devices and offers ---- */

struct host_dev *host_dev_by_relid(struct vmb_host *host, uint32_t relid)
{
	for (size_t i = 0; i < host->n_devs; i++) {
		struct host_dev *d = &host->devs[i];
		if (d->state != HOST_DEV_IDLE && d->relid == relid)
			return d;
	}
	return NULL;
}

int host_offer(struct vmb_host *host, struct host_dev *d)
{
	struct host_conn *c = host->conn;
	struct vmb_ctl_msg msg = { .type = VMB_CTL_OFFERCHANNEL };
	msg.offer = (struct vmb_ctl_offer){
		.interface = d->dev.interface,
		.instance = d->dev.instance,
		.child_relid = c->next_relid++, /* never reused within the connection (§3.2) */
		.mmio_megabytes = d->dev.mmio_megabytes,
		.chn_flags = d->dev.pipe_mode ? VMB_CTL_OFFER_FLAG_NAMED_PIPE : 0,
		.pipe_mode = d->dev.pipe_mode ? VMB_CTL_PIPE_MODE_MESSAGE : 0,
	};
	d->state = HOST_DEV_OFFERED;
	d->relid = msg.offer.child_relid;
	d->reoffer_pending = false;
	return host_conn_send(host, &msg, NULL, 0);
}

int host_rescind_dev(struct vmb_host *host, struct host_dev *d, bool reoffer)
{
	if (d->state == HOST_DEV_RESCINDED) {
		d->reoffer_pending = reoffer;
		return 0;
	}
	if (d->state == HOST_DEV_IDLE)
		return -EALREADY;
	d->state = HOST_DEV_RESCINDED;
	d->reoffer_pending = reoffer;
	if (d->ch)
		host_channel_stop(d->ch, VMB_HOST_CLOSE_RESCINDED);
	struct vmb_ctl_msg msg = { .type = VMB_CTL_RESCIND_CHANNELOFFER, .child_relid = d->relid };
	return host_conn_send(host, &msg, NULL, 0);
}

int vmb_host_add_device(struct vmb_host *host, const struct vmb_host_device *dev)
{
	for (size_t i = 0; i < host->n_devs; i++) {
		if (vmb_guid_equal(&host->devs[i].dev.instance, &dev->instance))
			return -EEXIST;
	}
	if (host->n_devs == host->cap_devs) {
		size_t cap = host->cap_devs ? host->cap_devs * 2 : 4;
		struct host_dev *devs = realloc(host->devs, cap * sizeof(*devs));
		if (!devs)
			return -ENOMEM;
		host->devs = devs;
		host->cap_devs = cap;
	}
	int dev_id = (int)host->n_devs++;
	struct host_dev *d = &host->devs[dev_id];
	*d = (struct host_dev){ .dev = *dev };
	if (host->conn && host->conn->offers_requested)
		host_offer(host, d);
	return dev_id;
}

/* The device, while a guest that asked for offers is connected. */
static int live_dev(struct vmb_host *host, int dev_id, struct host_dev **out)
{
	if (dev_id < 0 || (size_t)dev_id >= host->n_devs)
		return -EINVAL;
	if (!host->conn || !host->conn->offers_requested)
		return -ENOTCONN;
	*out = &host->devs[dev_id];
	return 0;
}

int vmb_host_rescind(struct vmb_host *host, int dev_id)
{
	struct host_dev *d;
	int ret = live_dev(host, dev_id, &d);
	return ret < 0 ? ret : host_rescind_dev(host, d, false);
}

int vmb_host_reoffer(struct vmb_host *host, int dev_id)
{
	struct host_dev *d;
	int ret = live_dev(host, dev_id, &d);
	if (ret < 0)
		return ret;
	switch (d->state) {
	case HOST_DEV_IDLE:
		return host_offer(host, d);
	case HOST_DEV_RESCINDED:
		d->reoffer_pending = true; /* offered when the guest releases the old relid */
		return 0;
	default:
		return -EALREADY;
	}
}

void vmb_host_disconnect(struct vmb_host *host)
{
	if (host->conn)
		host_conn_fail(host->conn, false);
}

/* ---- accessors ---- */

const char *vmb_host_socket_path(const struct vmb_host *host)
{
	return host->socket_path;
}

bool vmb_host_guest_connected(const struct vmb_host *host)
{
	return host->conn && host->conn->contacted;
}

uint32_t vmb_host_vmbus_version(const struct vmb_host *host)
{
	return vmb_host_guest_connected(host) ? host->conn->version : 0;
}

uint8_t *vmb_host_mmio(const struct vmb_host *host, uint64_t *gpa, uint64_t *size)
{
	if (gpa)
		*gpa = host->mmio_base;
	if (size)
		*size = host->mmio_size;
	return host->mmio;
}

bool vmb_host_channel_is_open(const struct vmb_host *host, int dev_id)
{
	return dev_id >= 0 && (size_t)dev_id < host->n_devs &&
		host->devs[dev_id].state == HOST_DEV_OPEN;
}

void vmb_host_get_stats(const struct vmb_host *host, struct vmb_host_stats *out)
{
	*out = host->stats;
}
