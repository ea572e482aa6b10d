/*
 * The host's visible picture: what a person looking at the emulated VM's window would see.
 *
 * Hyper-V does not show VRAM as it is: it shows what the guest told it about with DIRT
 * (synthvid.md §0(e)). So the picture is a buffer of its own (an XRGB8888 pixman image), and
 * pixels move into it from VRAM only through hvh_screen_copy(): a guest that forgets a DIRT
 * leaves a stale picture, and a test can see it. A new scanout geometry (a mode change) starts
 * a black picture of the new size. The cursor (POINTER_SHAPE, POINTER_POSITION) is kept apart
 * and blended only into composed pictures, as a viewer's overlay.
 *
 * With show-damage on, every rect the guest declared is outlined for a while (a debugging view
 * of the guest's damage) in what viewers see; the outlines go again without touching the
 * picture the DIRT built.
 *
 * VRAM is shared memory the guest may change at any time and whose geometry it chose: every
 * read is bounds-checked against the VRAM size handed in, whatever the scanout says.
 *
 * Errors: negative errno. Single-threaded.
 */
#ifndef HVD_HVHOST_SCREEN_H
#define HVD_HVHOST_SCREEN_H

#include <pixman.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rect.h"

struct hvh_screen;

/* Where and how the picture lies in VRAM (SITUATION_UPDATE). */
struct hvh_scanout {
	uint32_t width;
	uint32_t height;
	uint32_t pitch;  // bytes per row, >= width * bytes per pixel
	uint32_t offset; // bytes from the start of VRAM to pixel (0, 0)
	uint8_t depth;   // 32 (XRGB8888) or 16 (RGB565, synthvid 3.0)
};

/* Hyper-V's power-on mode (vmbus-emu.md §5): before any SITUATION_UPDATE. */
#define HVH_SCANOUT_DEFAULT ((struct hvh_scanout){ 1024, 768, 4096, 0, 32 })

/* A black picture of so's size. -EINVAL for a size of 0 or a depth other than 16 and 32. */
int hvh_screen_create(struct hvh_screen **out, const struct hvh_scanout *so);
/* NULL is a no-op. */
void hvh_screen_destroy(struct hvh_screen *s);

/* The geometry the picture was made for. */
const struct hvh_scanout *hvh_screen_scanout(const struct hvh_screen *s);

/*
 * Makes so the picture's geometry. If it differs from the current one in any field, the picture
 * becomes black at so's size and true is returned; otherwise nothing changes. -EINVAL (bad so)
 * or -ENOMEM leave the old picture.
 */
int hvh_screen_set_scanout(struct hvh_screen *s, const struct hvh_scanout *so);

/*
 * Copies rect r of VRAM into the picture through the current scanout (pitch, offset, depth).
 * r is clipped to the picture first (a copy of nothing is fine). vram is vram_size bytes; rows
 * that would lie outside them are left as they were and -ERANGE is returned (the caller checked
 * the scanout against the VRAM, so this is our bug or a VRAM that shrank).
 */
int hvh_screen_copy(
	struct hvh_screen *s, const uint8_t *vram, size_t vram_size, const struct rect *r);

/* With show-damage on, outlines r (clipped to the picture) from now_ms on. */
void hvh_screen_add_damage(struct hvh_screen *s, const struct rect *r, int64_t now_ms);
/* Takes off the outlines shown for their time by now_ms; returns when the next one is due,
 * or -1 when none is shown. Composing expires them too; a front end that keeps a copy of the
 * picture calls this on time (the listener hears each area restored). */
int64_t hvh_screen_expire_damage(struct hvh_screen *s, int64_t now_ms);

/* Clips r to the picture; false (r emptied) when nothing is left. */
bool hvh_screen_clip(const struct hvh_screen *s, struct rect *r);

/* Outlines declared rects for ms milliseconds (0: off). -ENOMEM leaves it off. */
int hvh_screen_set_show_damage(struct hvh_screen *s, int64_t ms);

/*
 * The cursor image: ARGB8888 (premultiplied, as DRM cursor planes; 4 bytes per pixel, B G R A)
 * or monochrome (an AND mask then an XOR mask, each (width + 7) / 8 bytes per row, most
 * significant bit first: AND 1 XOR 0 transparent, AND 0 black or white by XOR, AND 1 XOR 1
 * shown black). data holds exactly synthvid_cursor_data_size() bytes (checked by the caller);
 * width and height 1..96. Replaces the previous image; -ENOMEM keeps it.
 */
int hvh_screen_set_cursor(struct hvh_screen *s, bool is_argb, uint32_t width, uint32_t height,
	uint32_t hot_x, uint32_t hot_y, const uint8_t *data);
/* x, y: the upper-left corner of the image on the screen (synthvid.md §4). */
void hvh_screen_set_cursor_position(struct hvh_screen *s, bool visible, int32_t x, int32_t y);
/* Forgets image and position (a new guest). */
void hvh_screen_reset_cursor(struct hvh_screen *s);

struct hvh_cursor_info {
	bool has_image;
	bool visible;
	int32_t x, y;
	uint32_t width, height, hot_x, hot_y;
};
void hvh_screen_cursor_info(const struct hvh_screen *s, struct hvh_cursor_info *out);

/*
 * The picture as a viewer sees it at now_ms: a new x8r8g8b8 image (the caller unrefs it) with
 * the damage outlines of show-damage and, if with_cursor, the cursor when it has an image and
 * is visible. NULL when out of memory.
 */
pixman_image_t *hvh_screen_compose(struct hvh_screen *s, bool with_cursor, int64_t now_ms);

/* ---- for front ends that keep a copy of the picture (the VNC server, hvh_vnc.h) ---- */

/*
 * Told of every change a viewer could see, after it happened: damage with each rect copied
 * into the picture (clipped to it; from DIRT or a --refresh poll) and each area where a
 * show-damage outline appeared or went, resized with a new geometry
 * (the picture is black at its size), cursor when the cursor's image, position or visibility
 * changed. Any member may be NULL.
 */
struct hvh_screen_listener {
	void (*damage)(void *data, const struct rect *r);
	void (*resized)(void *data, const struct hvh_scanout *so);
	void (*cursor)(void *data);
};
/* One listener at a time; l NULL removes it. l and data are borrowed until then. */
void hvh_screen_set_listener(struct hvh_screen *s, const struct hvh_screen_listener *l, void *data);

/* What viewers see without the cursor (x8r8g8b8, the scanout's size): the picture, with the
 * damage outlines when show-damage is on. Borrowed: replaced at a resize. */
pixman_image_t *hvh_screen_picture(struct hvh_screen *s);
/* The cursor image (a8r8g8b8, premultiplied), borrowed until the next shape; NULL if none. */
pixman_image_t *hvh_screen_cursor_image(struct hvh_screen *s);

#endif
