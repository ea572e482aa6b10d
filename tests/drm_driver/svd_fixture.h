/*
 * A guest driver against a scripted host, for the driver's test programs: start both, commit
 * states, read what the host received and what its VRAM holds.
 */
#ifndef HVD_TESTS_SVD_FIXTURE_H
#define HVD_TESTS_SVD_FIXTURE_H

#include "scripted_host.h"
#include "svd.h"
#include "vmb.h"

struct fx {
	struct sh *sh;
	struct vmb_bus *bus;
	struct svd_device *dev;
	int create_ret; // svd_device_create()'s result
};

/* Starts a host (cfg may be NULL) and a guest bus (max_vmbus 0 = newest), then creates the
 * device with opts (may be NULL). One fixture at a time, in static storage: one left running by
 * a failed REQUIRE is stopped first. */
struct fx *fx_start(
	const struct sh_config *cfg, const struct svd_device_options *opts, uint32_t max_vmbus);
void fx_stop(struct fx *fx);

/* Bring-up's messages are dropped from the host's record. */
void fx_forget(struct fx *fx);

/* Dispatches the guest bus until its fd has been quiet once (waiting up to 10 s for the first
 * event); returns vmb_bus_dispatch()'s last result. */
int fx_pump_bus(struct fx *fx);

/* A framebuffer filled with pattern(seed, x, y). */
struct svd_fb *fx_fb(
	struct fx *fx, uint32_t w, uint32_t h, uint32_t pitch, size_t offset, uint32_t seed);
void fx_fill(struct svd_fb *fb, uint32_t seed);
uint32_t fx_pattern(uint32_t seed, uint32_t x, uint32_t y);

/* Commits fb as the whole w x h screen with the given damage; returns the commit's result. */
int fx_show(struct fx *fx, struct svd_fb *fb, uint32_t w, uint32_t h, const struct svd_rect *clips,
	size_t n);

/* Host VRAM pixel (x, y) of a w-wide mode at pitch w * 4. */
uint32_t fx_vram_pixel(struct fx *fx, uint32_t w, uint32_t x, uint32_t y);
/* True when the host VRAM of a w x h mode matches pattern(seed) inside r. */
bool fx_vram_matches(struct fx *fx, uint32_t w, struct svd_rect r, uint32_t seed);

/* The DIRT rects in log, in order, into out (up to cap); returns how many. */
size_t fx_dirt_rects(const struct sh_log *log, struct svd_rect *out, size_t cap);
/* True when the DIRT rects of log cover every pixel of clips (cut to w x h) and stay inside. */
bool fx_dirt_covers(
	const struct sh_log *log, uint32_t w, uint32_t h, const struct svd_rect *clips, size_t n);

/* The whole w x h screen. */
struct svd_rect fx_screen(uint32_t w, uint32_t h);
/* Starts a fixture showing a w x h fb of pattern `seed`, bring-up and first frame forgotten. */
struct svd_fb *fx_start_showing(struct fx **out, const struct svd_device_options *opts, uint32_t w,
	uint32_t h, uint32_t seed);
/* Waits (10 s at most) for the device's fd and dispatches once. */
void fx_dispatch(struct fx *fx);

/* Linux's cursor-hiding pair, byte for byte (synthvid.md §6.5). */
extern const uint8_t fx_hide_position[26];
extern const uint8_t fx_hide_shape[38];
bool fx_record_is(const struct sh_record *r, const uint8_t *bytes, size_t len);
/* The repaint a host gets on enable and whenever it needs everything again: the hidden cursor
 * (as Linux), the mode at pitch w * 4, then one full-screen DIRT; exactly these 4 messages. */
void fx_check_full_repaint(const struct sh_log *log, uint32_t w, uint32_t h);

#endif
