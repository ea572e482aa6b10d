/*
 * Which output a program gets when it does not say: synthvid over the emulated host when one
 * answers on its socket (the development and test setup), else a kernel DRM device (hyperv_drm
 * in a real Hyper-V VM, virtio-gpu under QEMU). uio is never guessed: binding uio_hv_generic
 * takes the device away from hyperv_drm, so it must be asked for.
 */
#define LOG_MODULE "shim"

#include <errno.h>
#include <string.h>

#include "log.h"
#include "shim.h"

static int try_emulated_host(struct shim_output **out, const struct shim_auto_options *opts)
{
	struct shim_svd_options svd = {
		.width = opts->width, .height = opts->height, .vmbus = opts->vmbus
	};
	return shim_output_svd_connect(out, &svd);
}

static int try_kms(struct shim_output **out, const struct shim_auto_options *opts)
{
	struct shim_kms_options kms = { .device = opts->device,
		.connector = opts->connector,
		.width = opts->width,
		.height = opts->height };
	return shim_output_kms_create(out, &kms);
}

int shim_output_create_auto(struct shim_output **out, const struct shim_auto_options *opts)
{
	static const struct shim_auto_options defaults = { 0 };
	if (!out)
		return -EINVAL;
	if (!opts)
		opts = &defaults;
	const char *backend = opts->backend ? opts->backend : "auto";
	if (strcmp(backend, "svd") == 0)
		return try_emulated_host(out, opts);
	if (strcmp(backend, "svd-uio") == 0) {
		struct shim_svd_options svd = {
			.width = opts->width, .height = opts->height, .uio = true
		};
		return shim_output_svd_connect(out, &svd);
	}
	if (strcmp(backend, "kms") == 0)
		return try_kms(out, opts);
	if (strcmp(backend, "headless") == 0) {
		struct shim_headless_options h = { .width = opts->width, .height = opts->height };
		return shim_output_headless_create(out, &h);
	}
	if (strcmp(backend, "auto") != 0) {
		log_error("unknown output \"%s\" (auto, svd, svd-uio, kms, headless)", backend);
		return -EINVAL;
	}
	int ret = try_emulated_host(out, opts);
	if (ret == 0)
		return 0;
	if (ret != -ENOENT && ret != -ECONNREFUSED)
		log_warn("emulated host: %s; trying kernel DRM", strerror(-ret));
	return try_kms(out, opts);
}
