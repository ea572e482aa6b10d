/*
 * Sysfs for the uio transport (vmb_uio_bind.h): reading attributes, the device list, binding
 * by dynamic id (vmbus-ring.md §6.1) and locating a device's uio node and maps (§6.3).
 *
 * Sysfs attributes are read and written whole, with one read or write each, as the kernel
 * expects. A device is named to bind/unbind by its directory name, which is its instance GUID
 * on every kernel that names devices that way (all we support).
 */
#define LOG_MODULE "vmb-uio"
#include "vmb_uio_bind.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "vmb_uio_sysfs.h"

#define ATTR_MAX 128u // longer than any attribute we read

PRINTF(3, 4)
static int make_path(char *out, size_t cap, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	int n = vsnprintf(out, cap, fmt, args);
	va_end(args);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Reads a whole attribute as a string; -EFBIG if it does not fit cap. */
static int read_attr(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	int ret = 0;
	for (;;) {
		char probe;
		bool full = len == cap - 1;
		ssize_t n = full ? read(fd, &probe, 1) : read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || full) {
			ret = n < 0 ? -errno : n > 0 ? -EFBIG : 0;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return ret;
}

/* Writes value to an attribute in one write(), as sysfs wants. */
static int write_attr(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	int ret = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	close(fd);
	return ret;
}

static int read_device_attr(
	const char *root, const char *dev, const char *attr, char *buf, size_t cap)
{
	char path[PATH_MAX];
	int ret = make_path(path, sizeof(path), "%s/bus/vmbus/devices/%s/%s", root, dev, attr);
	return ret < 0 ? ret : read_attr(path, buf, cap);
}

static int write_driver_attr(
	const char *root, const char *driver, const char *attr, const char *value)
{
	char path[PATH_MAX];
	int ret = make_path(path, sizeof(path), "%s/bus/vmbus/drivers/%s/%s", root, driver, attr);
	return ret < 0 ? ret : write_attr(path, value);
}

/* ---- the device list ---- */

/* One device directory into *dev: 0, or -errno with the reason logged. */
static int read_device(const char *root, const char *name, struct vmb_uio_device *dev)
{
	*dev = (struct vmb_uio_device){ 0 };
	if (strlen(name) >= sizeof(dev->name)) {
		log_warn("VMBus device %.64s...: name too long, skipped", name);
		return -ENAMETOOLONG;
	}
	strcpy(dev->name, name);
	static const char *const attrs[] = { "class_id", "device_id", "id" };
	char text[ATTR_MAX];
	for (size_t i = 0; i < ARRAY_LEN(attrs); i++) {
		int ret = read_device_attr(root, name, attrs[i], text, sizeof(text));
		if (ret == 0 && i == 0)
			ret = vmb_uio_parse_guid(text, &dev->offer.interface);
		else if (ret == 0 && i == 1)
			ret = vmb_uio_parse_guid(text, &dev->offer.instance);
		else if (ret == 0)
			ret = vmb_uio_parse_u32(text, &dev->offer.relid);
		if (ret < 0) {
			log_warn("VMBus device %s: %s unusable (%d), skipped", name, attrs[i], ret);
			return ret;
		}
	}
	/* monitor_id exists only for monitored channels; a bad one fails the open, not the list. */
	if (read_device_attr(root, name, "monitor_id", text, sizeof(text)) == 0) {
		dev->monitored = true;
		if (vmb_uio_parse_u32(text, &dev->monitor_id) < 0)
			dev->monitor_id = UINT32_MAX;
	}
	return 0;
}

static int by_relid(const void *a, const void *b)
{
	uint32_t ra = ((const struct vmb_uio_device *)a)->offer.relid;
	uint32_t rb = ((const struct vmb_uio_device *)b)->offer.relid;
	return (ra > rb) - (ra < rb);
}

/* Drops every device of a relid listed more than once: which one is real cannot be known. */
static size_t drop_shared_relids(struct vmb_uio_device *devs, size_t n)
{
	size_t kept = 0;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && devs[j].offer.relid == devs[i].offer.relid; j++)
			;
		if (j - i == 1)
			devs[kept++] = devs[i];
		else
			log_bug_host("%zu VMBus devices (%s, %s...) share relid %u: all skipped",
				j - i, devs[i].name, devs[i + 1].name, devs[i].offer.relid);
	}
	return kept;
}

int vmb_uio_scan(const char *root, struct vmb_uio_device **out, size_t *n_out)
{
	char path[PATH_MAX];
	int ret = make_path(path, sizeof(path), "%s/bus/vmbus/devices", root);
	if (ret < 0)
		return ret;
	DIR *dir = opendir(path);
	if (!dir) {
		ret = -errno;
		log_info("cannot list %s (%d): no VMBus here", path, ret);
		return ret;
	}
	struct vmb_uio_device *devs = calloc(VMB_UIO_MAX_DEVICES, sizeof(*devs));
	if (!devs) {
		closedir(dir);
		return -ENOMEM;
	}
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		struct vmb_uio_device dev;
		if (de->d_name[0] == '.' || read_device(root, de->d_name, &dev) < 0)
			continue;
		if (n == VMB_UIO_MAX_DEVICES)
			log_bug_host("more than %u VMBus devices: %s skipped", VMB_UIO_MAX_DEVICES,
				dev.name);
		else
			devs[n++] = dev;
	}
	closedir(dir);
	qsort(devs, n, sizeof(*devs), by_relid);
	*out = devs;
	*n_out = drop_shared_relids(devs, n);
	return 0;
}

/* ---- binding (§6.1) ---- */

/* The driver dev is bound to, "" when none. */
static int bound_driver(
	const char *root, const struct vmb_uio_device *dev, char out[VMB_UIO_NAME_MAX])
{
	char path[PATH_MAX], target[PATH_MAX];
	out[0] = '\0';
	int ret = make_path(path, sizeof(path), "%s/bus/vmbus/devices/%s/driver", root, dev->name);
	if (ret < 0)
		return ret;
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	target[n] = '\0';
	const char *slash = strrchr(target, '/');
	const char *name = slash ? slash + 1 : target;
	if (strlen(name) >= VMB_UIO_NAME_MAX)
		return -ENAMETOOLONG;
	strcpy(out, name);
	return 0;
}

static bool driver_loaded(const char *root, const char *driver)
{
	char path[PATH_MAX];
	if (make_path(path, sizeof(path), "%s/bus/vmbus/drivers/%s", root, driver) < 0)
		return false;
	return access(path, F_OK) == 0;
}

void vmb_uio_give_back(const char *root, const struct vmb_uio_device *dev, const char *driver)
{
	/* -ENODEV: it was not bound to uio_hv_generic (any more). */
	int ret = write_driver_attr(root, VMB_UIO_DRIVER, "unbind", dev->name);
	if (ret == 0 || ret == -ENODEV)
		ret = write_driver_attr(root, driver, "bind", dev->name);
	if (ret < 0)
		log_warn("giving %s back to %s failed (%d)", dev->name, driver, ret);
	else
		log_info("gave %s back to %s", dev->name, driver);
}

/* Teaches uio_hv_generic the class and binds the (now driverless) device if new_id did not. */
static int bind_unbound(const char *root, const struct vmb_uio_device *dev)
{
	char class[VMB_GUID_STR_LEN];
	vmb_guid_format(&dev->offer.interface, class);
	int ret = write_driver_attr(root, VMB_UIO_DRIVER, "new_id", class);
	if (ret == -EEXIST)
		ret = 0; /* the class was taught before */
	char driver[VMB_UIO_NAME_MAX];
	if (ret == 0)
		ret = bound_driver(root, dev, driver);
	/* new_id probes every unbound device of the class at once; bind only if it did not. */
	if (ret == 0 && strcmp(driver, VMB_UIO_DRIVER) != 0)
		ret = write_driver_attr(root, VMB_UIO_DRIVER, "bind", dev->name);
	return ret;
}

int vmb_uio_bind(
	const char *root, const struct vmb_uio_device *dev, char took_from[VMB_UIO_NAME_MAX])
{
	took_from[0] = '\0';
	char driver[VMB_UIO_NAME_MAX];
	int ret = bound_driver(root, dev, driver);
	if (ret < 0 || strcmp(driver, VMB_UIO_DRIVER) == 0)
		return ret;
	if (!driver_loaded(root, VMB_UIO_DRIVER)) {
		log_warn("%s is not loaded (modprobe %s)", VMB_UIO_DRIVER, VMB_UIO_DRIVER);
		return -EOPNOTSUPP;
	}
	if (driver[0]) {
		ret = write_driver_attr(root, driver, "unbind", dev->name);
		if (ret < 0) {
			log_warn("unbinding %s from %s failed (%d)", dev->name, driver, ret);
			return ret;
		}
		strcpy(took_from, driver);
		log_info("took %s from %s", dev->name, driver);
	}
	ret = bind_unbound(root, dev);
	if (ret < 0) {
		/* Before 6.10 the probe refuses channels without a monitor page (§6.5). */
		log_warn("binding %s to %s failed (%d); keyboard and mouse need Linux >= 6.10",
			dev->name, VMB_UIO_DRIVER, ret);
		if (took_from[0])
			vmb_uio_give_back(root, dev, took_from);
	}
	return ret;
}

/* ---- the node ---- */

int vmb_uio_find_node(const char *root, const struct vmb_uio_device *dev, uint32_t *node)
{
	char path[PATH_MAX];
	int ret = make_path(path, sizeof(path), "%s/bus/vmbus/devices/%s/uio", root, dev->name);
	if (ret < 0)
		return ret;
	DIR *dir = opendir(path);
	if (!dir) {
		log_warn("%s has no uio node after binding (%d)", dev->name, -errno);
		return -ENXIO;
	}
	ret = -ENXIO;
	struct dirent *de;
	while (ret < 0 && (de = readdir(dir)))
		ret = vmb_uio_parse_node(de->d_name, node) == 0 ? 0 : -ENXIO;
	closedir(dir);
	if (ret < 0)
		log_warn("%s: no uioN in %s", dev->name, path);
	return ret;
}

int vmb_uio_map_size(const char *root, uint32_t node, unsigned index, uint64_t *size)
{
	char path[PATH_MAX], text[ATTR_MAX];
	int ret = make_path(
		path, sizeof(path), "%s/class/uio/uio%u/maps/map%u/size", root, node, index);
	if (ret == 0)
		ret = read_attr(path, text, sizeof(text));
	if (ret == 0)
		ret = vmb_uio_parse_size(text, size);
	if (ret < 0)
		log_warn("uio%u: size of map%u unusable (%d)", node, index, ret);
	return ret;
}
