/*
 * The synthetic video model's configuration (hvhost's --video-versions, --modes, --default-mode,
 * --edid-name, --refresh, --show-damage, --vid-size-with-header): what host the model plays.
 *
 * Pure: option text in, a checked configuration out; no I/O. hvh_main.c parses each option
 * into struct hvh_config's `video` member; the model finishes a copy at creation
 * (hvh_video_config_finish()), filling the defaults and checking what only the whole set can
 * tell (the default mode is in the list, the modes fit the MMIO window).
 *
 * Errors: negative errno (-EINVAL malformed, -E2BIG too many entries, -ERANGE a value out of
 * range, -ENOSPC the VRAM does not fit the window), with a reason in err where one is taken.
 */
#ifndef HVD_HVHOST_VIDEO_CONFIG_H
#define HVD_HVHOST_VIDEO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HVH_VIDEO_MAX_VERSIONS 8
#define HVH_VIDEO_MAX_MODES 64       // synthvid.md §4: RESOLUTION_RESPONSE holds at most 64
#define HVH_VIDEO_MAX_DIM 16384      // either axis of a mode (and of a screenshot)
#define HVH_VIDEO_DEFAULT_VRAM_MB 8  // vmbus-emu.md §5: OpenVMM's and Hyper-V's default
#define HVH_VIDEO_DEFAULT_POLL_MS 50 // --refresh poll: hyperv_fb's old full-screen timer
#define HVH_VIDEO_SHOW_DAMAGE_MS 500 // how long --show-damage outlines a DIRT rect
#define HVH_VIDEO_DEFAULT_EDID_NAME "hvhost"

enum hvh_video_refresh {
	HVH_VIDEO_REFRESH_DIRT = 0, // the picture changes only where DIRT says (synthvid.md §0(e))
	HVH_VIDEO_REFRESH_POLL,     // the whole VRAM is copied every poll_ms, DIRT or not
};

struct hvh_video_size {
	uint16_t width;
	uint16_t height;
};

struct hvh_video_config {
	/* Synthvid versions accepted, wire encoding (minor << 16 | major). versions_set false:
	 * the defaults (3.5, 3.2, 3.0); true with n_versions 0: refuse every request ("none"). */
	bool versions_set;
	uint32_t versions[HVH_VIDEO_MAX_VERSIONS];
	size_t n_versions;
	/* RESOLUTION_RESPONSE's list, in order; n_modes 0: the defaults. */
	struct hvh_video_size modes[HVH_VIDEO_MAX_MODES];
	size_t n_modes;
	/* --default-mode: must be in the list; 0x0 = the list's first entry. */
	struct hvh_video_size default_mode;
	size_t default_index;  // set by hvh_video_config_finish()
	const char *edid_name; // NULL: HVH_VIDEO_DEFAULT_EDID_NAME; borrowed
	bool vid_size_with_header;
	enum hvh_video_refresh refresh;
	uint32_t poll_ms; // 0 with REFRESH_POLL: HVH_VIDEO_DEFAULT_POLL_MS
	bool show_damage;
	uint16_t vram_mb; // set by hvh_video_config_finish(): the offer's mmio_megabytes
};

/* "3.5,3.2" (major.minor, at most HVH_VIDEO_MAX_VERSIONS) or "none". */
int hvh_video_parse_versions(const char *text, struct hvh_video_config *cfg);
/* "1024x768,1920x1080": 1..64 sizes, each axis 1..HVH_VIDEO_MAX_DIM. */
int hvh_video_parse_modes(const char *text, struct hvh_video_config *cfg);
/* "WxH": one size, as above. */
int hvh_video_parse_size(const char *text, struct hvh_video_size *out);
/* "dirt", "poll" or "poll:MS" (MS 1..60000). */
int hvh_video_parse_refresh(const char *text, struct hvh_video_config *cfg);
/* 1..13 printable ASCII characters (an EDID monitor name descriptor); borrowed. */
int hvh_video_parse_edid_name(const char *text, struct hvh_video_config *cfg);

/*
 * Fills the defaults, resolves default_index and computes vram_mb: at least 8 and
 * round_up_2MiB(width * height * 4) of the largest mode (vmbus-emu.md §4). -EINVAL when the
 * default mode is not in the list, -ENOSPC when the VRAM is larger than the MMIO window of
 * mmio_size bytes; err says which.
 */
int hvh_video_config_finish(
	struct hvh_video_config *cfg, uint64_t mmio_size, char *err, size_t err_len);

/* Whether version (wire encoding) is one cfg accepts. After hvh_video_config_finish(). */
bool hvh_video_config_accepts(const struct hvh_video_config *cfg, uint32_t version);

#endif
