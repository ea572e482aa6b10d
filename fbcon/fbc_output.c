/*
 * The console on a shim surface; see fbc_output.h.
 */
#define LOG_MODULE "fbc-output"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fbc_console.h"
#include "fbc_output.h"
#include "log.h"
#include "shim.h"

struct fbc_output {
	struct shim *shim;
	struct shim_surface *surface;
	pixman_image_t *image;      // the console draws here; also the buffer's image
	struct shim_buffer *buffer; // our reference; the surface holds its own
	int width, height;
	struct fbc_console *console; // may be NULL

	bool frame_pending; // committed, not yet shown
	bool needs_commit;  // a new buffer is attached: commit it even if nothing was drawn
	bool damaged;       // the render reported damage: there is something to commit
	bool damage_failed; // a damage call failed during this render: damage everything
	fbc_output_resize_fn resize_fn;
	void *resize_data;
	struct fbc_output_stats stats;
};

static void on_damage(void *data, const pixman_region32_t *damage)
{
	struct fbc_output *o = data;
	o->damaged = true;
	int n;
	const pixman_box32_t *b = pixman_region32_rectangles((pixman_region32_t *)damage, &n);
	for (int i = 0; i < n; i++) {
		if (shim_surface_damage(
			    o->surface, b[i].x1, b[i].y1, b[i].x2 - b[i].x1, b[i].y2 - b[i].y1) < 0)
			o->damage_failed = true;
	}
}

/* A new image and buffer of the output's size, attached to the surface (pending). */
static int new_buffer(struct fbc_output *o)
{
	uint32_t w, h;
	shim_get_size(o->shim, &w, &h);
	if (w == 0 || h == 0 || w > SHIM_MAX_SIZE || h > SHIM_MAX_SIZE)
		return -EINVAL;
	pixman_image_t *image = pixman_image_create_bits(PIXMAN_x8r8g8b8, (int)w, (int)h, NULL, 0);
	if (!image)
		return -ENOMEM;
	struct shim_buffer *buffer;
	int err = shim_buffer_create(&buffer, image, NULL, NULL);
	if (err) {
		pixman_image_unref(image);
		return err;
	}
	shim_surface_attach(o->surface, buffer);
	shim_buffer_unref(o->buffer);
	if (o->image)
		pixman_image_unref(o->image);
	o->buffer = buffer;
	o->image = image;
	o->width = (int)w;
	o->height = (int)h;
	o->needs_commit = true;
	return 0;
}

static void on_resize(void *data, uint32_t width, uint32_t height, uint32_t refresh_mhz)
{
	struct fbc_output *o = data;
	int err = new_buffer(o);
	if (err) {
		/* The old image stays on the surface, cut or bordered by the shim: still usable. */
		log_error("no %ux%u buffer for the new mode: %s", width, height, strerror(-err));
		return;
	}
	o->stats.resizes++;
	if (o->console) {
		struct fbc_surface s;
		fbc_output_get_surface(o, &s);
		err = fbc_console_set_surface(o->console, &s);
		if (err)
			log_error("console resize to %ux%u: %s", width, height, strerror(-err));
	}
	log_info("mode %ux%u", width, height);
	if (o->resize_fn)
		o->resize_fn(o->resize_data, o->width, o->height);
}

static const struct shim_listener listener = { .resize = on_resize };

int fbc_output_create(struct fbc_output **out, struct shim *shim)
{
	struct fbc_output *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->shim = shim;
	int err = shim_surface_create(shim, &o->surface);
	if (!err)
		err = new_buffer(o);
	if (!err)
		err = shim_add_listener(shim, &listener, o);
	if (err) {
		fbc_output_destroy(o);
		return err;
	}
	/* The console's cursor is text; a pointer arrow over it would only be in the way. */
	shim_set_cursor(shim, NULL, 0, 0);
	*out = o;
	return 0;
}

void fbc_output_destroy(struct fbc_output *o)
{
	if (!o)
		return;
	shim_remove_listener(o->shim, &listener, o);
	shim_surface_destroy(o->surface);
	shim_buffer_unref(o->buffer);
	if (o->image)
		pixman_image_unref(o->image);
	free(o);
}

void fbc_output_get_surface(struct fbc_output *o, struct fbc_surface *out)
{
	*out = (struct fbc_surface){ .image = o->image, .damage = on_damage, .data = o };
}

void fbc_output_set_console(struct fbc_output *o, struct fbc_console *console)
{
	o->console = console;
}

void fbc_output_set_resize_callback(struct fbc_output *o, fbc_output_resize_fn fn, void *data)
{
	o->resize_fn = fn;
	o->resize_data = data;
}

void fbc_output_get_size(const struct fbc_output *o, int *width, int *height)
{
	*width = o->width;
	*height = o->height;
}

static void on_frame(void *data, struct shim_surface *surface, uint64_t time_ns)
{
	struct fbc_output *o = data;
	o->frame_pending = false;
	o->stats.frames_done++;
}

static int commit(struct fbc_output *o)
{
	if (o->damage_failed) {
		/* Out of memory for the region: say everything changed rather than too little. */
		shim_surface_damage(o->surface, 0, 0, o->width, o->height);
		o->damage_failed = false;
	}
	shim_surface_request_frame(o->surface, on_frame, o);
	int err = shim_surface_commit(o->surface);
	if (err) {
		log_error("surface commit: %s", strerror(-err));
		return err;
	}
	o->needs_commit = false;
	o->damaged = false;
	o->frame_pending = true;
	o->stats.commits++;
	return 0;
}

int fbc_output_update(struct fbc_output *o, int64_t now_ms)
{
	if (o->frame_pending || !o->console)
		return 0;
	int n = 0;
	if (fbc_console_needs_frame(o->console, now_ms)) {
		n = fbc_console_render(o->console, now_ms);
		if (n < 0)
			return n;
		o->stats.cells += (uint64_t)n;
		if (n > 0)
			o->stats.renders++;
	}
	/* A frame is asked for only with something to show: a commit that changes nothing may
	 * make no frame, and its callback would never come. */
	if (!o->damaged && !o->needs_commit)
		return n;
	int err = commit(o);
	return err ? err : n;
}

bool fbc_output_frame_pending(const struct fbc_output *o)
{
	return o->frame_pending;
}

int64_t fbc_output_next_timeout(struct fbc_output *o, int64_t now_ms)
{
	if (o->frame_pending || !o->console)
		return -1;
	if (fbc_console_needs_frame(o->console, now_ms))
		return 0;
	return fbc_console_next_timeout(o->console, now_ms);
}

void fbc_output_get_stats(const struct fbc_output *o, struct fbc_output_stats *out)
{
	*out = o->stats;
}
