/* The synthetic video model's configuration (hvh_video_config.h). */
#include "hvh_video_config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macros.h"
#include "synthvid.h"
#include "synthvid_edid.h"

#define MIB (1024u * 1024u)

/* The list a Hyper-V VM offers with its default settings, as far as we can tell (synthvid.md
 * §9.2: the configured resolution is the default entry, 1024x768 unless set). Every mode fits
 * the default 8 MiB of VRAM. */
static const struct hvh_video_size default_modes[] = {
	{ 1024, 768 },
	{ 1152, 864 },
	{ 1280, 720 },
	{ 1280, 800 },
	{ 1280, 1024 },
	{ 1366, 768 },
	{ 1440, 900 },
	{ 1600, 900 },
	{ 1600, 1200 },
	{ 1920, 1080 },
};

static const uint32_t default_versions[] = {
	SYNTHVID_VERSION_3_5,
	SYNTHVID_VERSION_3_2,
	SYNTHVID_VERSION_3_0,
};

/* Strict decimal: digits only, no sign or spaces, at most max. Advances *p past them. */
static int parse_uint(const char **p, uint32_t max, uint32_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -ERANGE;
		s++;
	}
	*p = s;
	*out = (uint32_t)v;
	return 0;
}

int hvh_video_parse_versions(const char *text, struct hvh_video_config *cfg)
{
	if (strcmp(text, "none") == 0) {
		cfg->versions_set = true;
		cfg->n_versions = 0;
		return 0;
	}
	size_t n = 0;
	uint32_t versions[HVH_VIDEO_MAX_VERSIONS];
	const char *p = text;
	for (;;) {
		uint32_t major, minor;
		int ret = parse_uint(&p, 0xffff, &major);
		if (ret < 0)
			return ret;
		if (*p++ != '.')
			return -EINVAL;
		ret = parse_uint(&p, 0xffff, &minor);
		if (ret < 0)
			return ret;
		if (n == ARRAY_LEN(versions))
			return -E2BIG;
		versions[n++] = SYNTHVID_VERSION(major, minor);
		if (*p == '\0')
			break;
		if (*p++ != ',')
			return -EINVAL;
	}
	memcpy(cfg->versions, versions, n * sizeof(versions[0]));
	cfg->n_versions = n;
	cfg->versions_set = true;
	return 0;
}

/* One "WxH" at *p, advancing past it. */
static int parse_size_at(const char **p, struct hvh_video_size *out)
{
	uint32_t w, h;
	int ret = parse_uint(p, HVH_VIDEO_MAX_DIM, &w);
	if (ret < 0)
		return ret;
	if (**p != 'x')
		return -EINVAL;
	(*p)++;
	ret = parse_uint(p, HVH_VIDEO_MAX_DIM, &h);
	if (ret < 0)
		return ret;
	if (w == 0 || h == 0)
		return -ERANGE;
	*out = (struct hvh_video_size){ (uint16_t)w, (uint16_t)h };
	return 0;
}

int hvh_video_parse_size(const char *text, struct hvh_video_size *out)
{
	const char *p = text;
	struct hvh_video_size size;
	int ret = parse_size_at(&p, &size);
	if (ret < 0)
		return ret;
	if (*p != '\0')
		return -EINVAL;
	*out = size;
	return 0;
}

int hvh_video_parse_modes(const char *text, struct hvh_video_config *cfg)
{
	struct hvh_video_size modes[HVH_VIDEO_MAX_MODES];
	size_t n = 0;
	const char *p = text;
	for (;;) {
		if (n == ARRAY_LEN(modes))
			return -E2BIG;
		int ret = parse_size_at(&p, &modes[n]);
		if (ret < 0)
			return ret;
		n++;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			return -EINVAL;
	}
	memcpy(cfg->modes, modes, n * sizeof(modes[0]));
	cfg->n_modes = n;
	return 0;
}

int hvh_video_parse_refresh(const char *text, struct hvh_video_config *cfg)
{
	if (strcmp(text, "dirt") == 0) {
		cfg->refresh = HVH_VIDEO_REFRESH_DIRT;
		return 0;
	}
	if (strcmp(text, "poll") == 0) {
		cfg->refresh = HVH_VIDEO_REFRESH_POLL;
		cfg->poll_ms = HVH_VIDEO_DEFAULT_POLL_MS;
		return 0;
	}
	if (strncmp(text, "poll:", 5) != 0)
		return -EINVAL;
	const char *p = text + 5;
	uint32_t ms;
	int ret = parse_uint(&p, 60000, &ms);
	if (ret < 0)
		return ret;
	if (*p != '\0')
		return -EINVAL;
	if (ms == 0)
		return -ERANGE;
	cfg->refresh = HVH_VIDEO_REFRESH_POLL;
	cfg->poll_ms = ms;
	return 0;
}

int hvh_video_parse_edid_name(const char *text, struct hvh_video_config *cfg)
{
	/* The EDID builder is the judge of what a monitor name may hold. */
	uint8_t edid[SYNTHVID_EDID_BLOCK];
	if (synthvid_edid_build(edid, text, 1024, 768) < 0)
		return -EINVAL;
	cfg->edid_name = text;
	return 0;
}

static uint64_t mode_bytes(const struct hvh_video_size *m)
{
	return (uint64_t)m->width * m->height * 4;
}

int hvh_video_config_finish(
	struct hvh_video_config *cfg, uint64_t mmio_size, char *err, size_t err_len)
{
	if (!cfg->versions_set) {
		memcpy(cfg->versions, default_versions, sizeof(default_versions));
		cfg->n_versions = ARRAY_LEN(default_versions);
		cfg->versions_set = true;
	}
	if (cfg->n_modes == 0) {
		memcpy(cfg->modes, default_modes, sizeof(default_modes));
		cfg->n_modes = ARRAY_LEN(default_modes);
	}
	if (!cfg->edid_name)
		cfg->edid_name = HVH_VIDEO_DEFAULT_EDID_NAME;
	if (cfg->refresh == HVH_VIDEO_REFRESH_POLL && cfg->poll_ms == 0)
		cfg->poll_ms = HVH_VIDEO_DEFAULT_POLL_MS;

	cfg->default_index = 0;
	if (cfg->default_mode.width) {
		size_t i = 0;
		while (i < cfg->n_modes &&
			(cfg->modes[i].width != cfg->default_mode.width ||
				cfg->modes[i].height != cfg->default_mode.height))
			i++;
		if (i == cfg->n_modes) {
			snprintf(err, err_len, "the default mode %ux%u is not in the mode list",
				cfg->default_mode.width, cfg->default_mode.height);
			return -EINVAL;
		}
		cfg->default_index = i;
	}

	uint64_t largest = 0;
	for (size_t i = 0; i < cfg->n_modes; i++) {
		if (mode_bytes(&cfg->modes[i]) > largest)
			largest = mode_bytes(&cfg->modes[i]);
	}
	uint64_t mb = (largest + 2 * MIB - 1) / (2 * MIB) * 2;
	if (mb < HVH_VIDEO_DEFAULT_VRAM_MB)
		mb = HVH_VIDEO_DEFAULT_VRAM_MB;
	if (mb * MIB > mmio_size) {
		snprintf(err, err_len,
			"the modes need %llu MiB of VRAM, more than the %llu MiB MMIO window "
			"(--mmio-size)",
			(unsigned long long)mb, (unsigned long long)(mmio_size / MIB));
		return -ENOSPC;
	}
	cfg->vram_mb = (uint16_t)mb; // at most 16384 * 16384 * 4 bytes: 1024 MiB
	return 0;
}

bool hvh_video_config_accepts(const struct hvh_video_config *cfg, uint32_t version)
{
	for (size_t i = 0; i < cfg->n_versions; i++) {
		if (cfg->versions[i] == version)
			return true;
	}
	return false;
}
