/*
 * libvm-drmspy.so: an LD_PRELOAD library that logs what a program asks of the kernel's KMS, one
 * line per call, so the vm suite can count the damage each console sends per frame, ours and
 * the peer's alike, without touching either program:
 *
 *   T atomic flags=0x203 fb=42 clips=2 area=1536 rects=8,16,8,16;16,16,8,16
 *   T atomic flags=0x603 fb=43 clips=none          (no FB_DAMAGE_CLIPS: the whole plane)
 *   T dirtyfb fb=42 clips=1 area=128 rects=...
 *   T flip fb=43 / T setcrtc fb=42 / T dumb 1024x768x32
 *
 * T is CLOCK_MONOTONIC in milliseconds. The log is $VM_DRMSPY_LOG (appended; nothing is logged
 * without it). Test-only atomic commits and failed calls are not logged. It wraps ioctl(), which
 * libdrm calls through the PLT, and reads the property names it needs with the real ioctl.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>

#define MAX_PROPS 256
#define MAX_BLOBS 64
#define MAX_LOGGED_RECTS 16

typedef int (*ioctl_fn)(int, unsigned long, ...);

struct blob {
	uint32_t id;
	uint32_t n_rects; // length / sizeof(struct drm_mode_rect); 0 for other blobs
	uint64_t area;
	char rects[MAX_LOGGED_RECTS * 24];
};

static struct {
	pthread_mutex_t lock;
	ioctl_fn real;
	int log_fd; // -1: not logging
	bool ready;
	uint32_t prop_ids[MAX_PROPS];
	bool prop_is_clips[MAX_PROPS], prop_is_fb[MAX_PROPS];
	size_t n_props;
	struct blob blobs[MAX_BLOBS];
	size_t next_blob;
} spy = { .lock = PTHREAD_MUTEX_INITIALIZER, .log_fd = -1 };

static void setup(void)
{
	if (spy.ready)
		return;
	spy.real = (ioctl_fn)(uintptr_t)dlsym(RTLD_NEXT, "ioctl");
	const char *path = getenv("VM_DRMSPY_LOG");
	if (path)
		spy.log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	spy.ready = true;
}

static void __attribute__((format(printf, 1, 2))) logf_line(const char *fmt, ...)
{
	if (spy.log_fd < 0)
		return;
	char line[1024];
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int n = snprintf(
		line, sizeof(line), "%lld ", (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	va_list ap;
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(spy.log_fd, line, (size_t)n) < 0) {
		/* Nothing to tell: the program under test must not notice the spy. */
	}
}

/* Whether prop is FB_DAMAGE_CLIPS (*is_clips) or FB_ID (*is_fb); asks the kernel once. */
static void classify_prop(int fd, uint32_t prop, bool *is_clips, bool *is_fb)
{
	for (size_t i = 0; i < spy.n_props; i++) {
		if (spy.prop_ids[i] == prop) {
			*is_clips = spy.prop_is_clips[i];
			*is_fb = spy.prop_is_fb[i];
			return;
		}
	}
	struct drm_mode_get_property gp = { .prop_id = prop };
	*is_clips = *is_fb = false;
	if (spy.real(fd, DRM_IOCTL_MODE_GETPROPERTY, &gp) == 0) {
		*is_clips = strcmp(gp.name, "FB_DAMAGE_CLIPS") == 0;
		*is_fb = strcmp(gp.name, "FB_ID") == 0;
	}
	if (spy.n_props < MAX_PROPS) {
		spy.prop_ids[spy.n_props] = prop;
		spy.prop_is_clips[spy.n_props] = *is_clips;
		spy.prop_is_fb[spy.n_props] = *is_fb;
		spy.n_props++;
	}
}

/* rects as "x,y,w,h;..." (the first MAX_LOGGED_RECTS) and their summed area. */
static uint64_t describe_rects(
	const int32_t *xyxy, size_t n, size_t step, char *out, size_t out_len)
{
	uint64_t area = 0;
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const int32_t *r = xyxy + i * step;
		int64_t w = (int64_t)r[2] - r[0], h = (int64_t)r[3] - r[1];
		if (w > 0 && h > 0)
			area += (uint64_t)(w * h);
		if (i < MAX_LOGGED_RECTS && len + 48 < out_len)
			len += (size_t)snprintf(out + len, out_len - len, "%s%d,%d,%lld,%lld",
				i ? ";" : "", r[0], r[1], (long long)w, (long long)h);
	}
	return area;
}

static void on_create_blob(const struct drm_mode_create_blob *cb)
{
	struct blob *b = &spy.blobs[spy.next_blob++ % MAX_BLOBS];
	*b = (struct blob){ .id = cb->blob_id };
	if (cb->length == 0 || cb->length % sizeof(struct drm_mode_rect))
		return;
	b->n_rects = cb->length / (uint32_t)sizeof(struct drm_mode_rect);
	const int32_t *xyxy = (const int32_t *)(uintptr_t)cb->data;
	b->area = describe_rects(xyxy, b->n_rects, 4, b->rects, sizeof(b->rects));
}

static const struct blob *find_blob(uint32_t id)
{
	for (size_t i = 0; i < MAX_BLOBS; i++)
		if (spy.blobs[i].id == id)
			return &spy.blobs[i];
	return NULL;
}

static void on_atomic(int fd, const struct drm_mode_atomic *a)
{
	if (a->flags & DRM_MODE_ATOMIC_TEST_ONLY)
		return;
	const uint32_t *counts = (const uint32_t *)(uintptr_t)a->count_props_ptr;
	const uint32_t *props = (const uint32_t *)(uintptr_t)a->props_ptr;
	const uint64_t *values = (const uint64_t *)(uintptr_t)a->prop_values_ptr;
	size_t total = 0;
	for (uint32_t o = 0; o < a->count_objs; o++)
		total += counts[o];
	const struct blob *clips = NULL;
	bool has_clips_prop = false;
	uint64_t fb = 0;
	for (size_t i = 0; i < total; i++) {
		bool is_clips, is_fb;
		classify_prop(fd, props[i], &is_clips, &is_fb);
		if (is_fb && values[i])
			fb = values[i];
		if (is_clips && values[i]) {
			has_clips_prop = true;
			clips = find_blob((uint32_t)values[i]);
		}
	}
	if (!has_clips_prop)
		logf_line("atomic flags=0x%x fb=%llu clips=none", a->flags, (unsigned long long)fb);
	else if (!clips)
		logf_line("atomic flags=0x%x fb=%llu clips=unknown", a->flags,
			(unsigned long long)fb);
	else
		logf_line("atomic flags=0x%x fb=%llu clips=%u area=%llu rects=%s", a->flags,
			(unsigned long long)fb, clips->n_rects, (unsigned long long)clips->area,
			clips->rects);
}

static void on_dirtyfb(const struct drm_mode_fb_dirty_cmd *d)
{
	const uint16_t *c = (const uint16_t *)(uintptr_t)d->clips_ptr;
	int32_t xyxy[4 * MAX_LOGGED_RECTS];
	size_t n = d->num_clips < MAX_LOGGED_RECTS ? d->num_clips : MAX_LOGGED_RECTS;
	for (size_t i = 0; i < 4 * n; i++)
		xyxy[i] = c[i];
	char rects[MAX_LOGGED_RECTS * 24];
	uint64_t area = describe_rects(xyxy, n, 4, rects, sizeof(rects));
	logf_line("dirtyfb fb=%u clips=%u area=%llu%s rects=%s", d->fb_id, d->num_clips,
		(unsigned long long)area, d->num_clips > n ? "+" : "", rects);
}

static void after_ioctl(int fd, unsigned long req, void *arg)
{
	switch (req) {
	case DRM_IOCTL_MODE_CREATEPROPBLOB:
		on_create_blob(arg);
		break;
	case DRM_IOCTL_MODE_ATOMIC:
		on_atomic(fd, arg);
		break;
	case DRM_IOCTL_MODE_DIRTYFB:
		on_dirtyfb(arg);
		break;
	case DRM_IOCTL_MODE_PAGE_FLIP:
		logf_line("flip fb=%u", ((const struct drm_mode_crtc_page_flip *)arg)->fb_id);
		break;
	case DRM_IOCTL_MODE_SETCRTC:
		logf_line("setcrtc fb=%u", ((const struct drm_mode_crtc *)arg)->fb_id);
		break;
	case DRM_IOCTL_MODE_CREATE_DUMB: {
		const struct drm_mode_create_dumb *d = arg;
		logf_line("dumb %ux%ux%u", d->width, d->height, d->bpp);
		break;
	}
	default:
		break;
	}
}

/* glibc declares ioctl(int, unsigned long, ...); every DRM request takes one pointer. */
int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	pthread_mutex_lock(&spy.lock);
	setup();
	ioctl_fn real = spy.real;
	pthread_mutex_unlock(&spy.lock);
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	int ret = real(fd, req, arg);
	if (ret == 0 && spy.log_fd >= 0 && _IOC_TYPE(req) == DRM_IOCTL_BASE) {
		int saved = errno;
		pthread_mutex_lock(&spy.lock);
		after_ioctl(fd, req, arg);
		pthread_mutex_unlock(&spy.lock);
		errno = saved;
	}
	return ret;
}
