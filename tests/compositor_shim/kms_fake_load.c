/*
 * Reading a device shape file (tests/data/kms/README.md) into the fake KMS device.
 */
#include "kms_fake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "test.h"

static drmModeModeInfo make_mode(unsigned w, unsigned h, unsigned r, bool preferred)
{
	drmModeModeInfo m = { 0 };
	m.hdisplay = (uint16_t)w;
	m.vdisplay = (uint16_t)h;
	m.hsync_start = (uint16_t)(w + 8);
	m.hsync_end = (uint16_t)(w + 40);
	m.htotal = (uint16_t)(w + 80);
	m.vsync_start = (uint16_t)(h + 3);
	m.vsync_end = (uint16_t)(h + 8);
	m.vtotal = (uint16_t)(h + 20);
	m.vrefresh = r;
	m.clock = (uint32_t)((uint64_t)m.htotal * m.vtotal * r / 1000);
	m.type = DRM_MODE_TYPE_DRIVER | (preferred ? DRM_MODE_TYPE_PREFERRED : 0);
	snprintf(m.name, sizeof(m.name), "%ux%u", w, h);
	return m;
}

static uint32_t prop_id_for(struct kms_fake *f, const char *name)
{
	for (int i = 0; i < f->n_prop_names; i++) {
		if (strcmp(f->prop_names[i], name) == 0)
			return 100 + (uint32_t)i;
	}
	if (f->n_prop_names == FAKE_MAX_PROPS)
		return 0;
	snprintf(f->prop_names[f->n_prop_names], DRM_PROP_NAME_LEN, "%s", name);
	return 100 + (uint32_t)f->n_prop_names++;
}

uint32_t kms_fake_prop_id(const struct kms_fake *f, const char *name)
{
	for (int i = 0; i < f->n_prop_names; i++) {
		if (strcmp(f->prop_names[i], name) == 0)
			return 100 + (uint32_t)i;
	}
	return 0;
}

/* "key=value" among the tokens; NULL if absent. */
static const char *opt(char **tok, int n, const char *key)
{
	size_t len = strlen(key);
	for (int i = 0; i < n; i++) {
		if (strncmp(tok[i], key, len) == 0 && tok[i][len] == '=')
			return tok[i] + len + 1;
	}
	return NULL;
}

static unsigned long num(const char *s)
{
	return s ? strtoul(s, NULL, 0) : 0;
}

static bool parse_mode(const char *s, drmModeModeInfo *m, bool preferred)
{
	unsigned w, h, r;
	if (!s || sscanf(s, "%ux%u@%u", &w, &h, &r) != 3)
		return false;
	*m = make_mode(w, h, r, preferred);
	return true;
}

static bool has_word(char **tok, int n, const char *word)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(tok[i], word) == 0)
			return true;
	}
	return false;
}

int kms_fake_connector_index(const struct kms_fake *f, uint32_t id)
{
	for (int i = 0; i < f->n_connectors; i++) {
		if (f->connectors[i].c.connector_id == id)
			return i;
	}
	return -1;
}

static uint32_t connector_type(const char *name)
{
	static const struct {
		const char *name;
		uint32_t type;
	} types[] = { { "VGA", DRM_MODE_CONNECTOR_VGA }, { "DP", DRM_MODE_CONNECTOR_DisplayPort },
		{ "HDMI-A", DRM_MODE_CONNECTOR_HDMIA }, { "Virtual", DRM_MODE_CONNECTOR_VIRTUAL } };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(types[i].name, name) == 0)
			return types[i].type;
	}
	return DRM_MODE_CONNECTOR_Unknown;
}

static bool parse_connector(struct kms_fake *f, char **tok, int n)
{
	if (n < 5 || f->n_connectors == FAKE_MAX)
		return false;
	__typeof__(f->connectors[0]) *k = &f->connectors[f->n_connectors++];
	k->c.connector_id = (uint32_t)num(tok[1]);
	k->c.connector_type = connector_type(tok[2]);
	k->c.connector_type_id = (uint32_t)num(tok[3]);
	k->c.connection =
		strcmp(tok[4], "connected") == 0 ? DRM_MODE_CONNECTED : DRM_MODE_DISCONNECTED;
	k->c.encoder_id = (uint32_t)num(opt(tok, n, "encoder"));
	char list[128];
	snprintf(list, sizeof(list), "%s", opt(tok, n, "encoders") ? opt(tok, n, "encoders") : "");
	for (char *save = NULL, *e = strtok_r(list, ",", &save);
		e && k->c.count_encoders < FAKE_MAX; e = strtok_r(NULL, ",", &save))
		k->encoders[k->c.count_encoders++] = (uint32_t)num(e);
	return true;
}

static bool parse_plane(struct kms_fake *f, char **tok, int n)
{
	if (n < 3 || f->n_planes == FAKE_MAX)
		return false;
	__typeof__(f->planes[0]) *p = &f->planes[f->n_planes++];
	p->p.plane_id = (uint32_t)num(tok[1]);
	p->type = strcmp(tok[2], "primary") == 0 ? DRM_PLANE_TYPE_PRIMARY
		: strcmp(tok[2], "cursor") == 0  ? DRM_PLANE_TYPE_CURSOR
						 : DRM_PLANE_TYPE_OVERLAY;
	p->p.possible_crtcs = (uint32_t)num(opt(tok, n, "crtcs"));
	const char *formats = opt(tok, n, "formats");
	for (const char *s = formats; s && strlen(s) >= 4 && p->p.count_formats < 8;
		s += s[4] == ',' ? 5 : 4) {
		p->formats[p->p.count_formats++] = fourcc_code(s[0], s[1], s[2], s[3]);
		if (s[4] != ',')
			break;
	}
	return true;
}

static bool parse_line(struct kms_fake *f, char **tok, int n)
{
	const char *kind = tok[0];
	if (strcmp(kind, "caps") == 0) {
		f->offers_atomic = num(opt(tok, n, "atomic")) != 0;
		f->dumb = num(opt(tok, n, "dumb")) != 0;
		unsigned w = 64, h = 64;
		if (opt(tok, n, "cursor"))
			sscanf(opt(tok, n, "cursor"), "%ux%u", &w, &h);
		f->cursor_w = w;
		f->cursor_h = h;
	} else if (strcmp(kind, "crtc") == 0 && n >= 2 && f->n_crtcs < FAKE_MAX) {
		drmModeCrtc *c = &f->crtcs[f->n_crtcs++];
		c->crtc_id = (uint32_t)num(tok[1]);
		c->buffer_id = (uint32_t)num(opt(tok, n, "fb"));
		c->x = (uint32_t)num(opt(tok, n, "x"));
		c->y = (uint32_t)num(opt(tok, n, "y"));
		c->mode_valid = parse_mode(opt(tok, n, "mode"), &c->mode, false);
	} else if (strcmp(kind, "encoder") == 0 && n >= 2 && f->n_encoders < FAKE_MAX) {
		drmModeEncoder *e = &f->encoders[f->n_encoders++];
		e->encoder_id = (uint32_t)num(tok[1]);
		e->encoder_type = DRM_MODE_ENCODER_VIRTUAL;
		e->possible_crtcs = (uint32_t)num(opt(tok, n, "crtcs"));
		e->crtc_id = (uint32_t)num(opt(tok, n, "crtc"));
	} else if (strcmp(kind, "connector") == 0) {
		return parse_connector(f, tok, n);
	} else if (strcmp(kind, "mode") == 0 && n >= 3) {
		int i = kms_fake_connector_index(f, (uint32_t)num(tok[1]));
		if (i < 0 || f->connectors[i].c.count_modes == FAKE_MAX * 2)
			return false;
		drmModeConnector *c = &f->connectors[i].c;
		return parse_mode(tok[2], &f->connectors[i].modes[c->count_modes++],
			has_word(tok, n, "preferred"));
	} else if (strcmp(kind, "plane") == 0) {
		return parse_plane(f, tok, n);
	} else if (strcmp(kind, "props") == 0 && n >= 2) {
		for (int i = 2; i < n &&
			f->n_object_props <
				(int)(sizeof(f->object_props) / sizeof(f->object_props[0]));
			i++) {
			f->object_props[f->n_object_props].object = (uint32_t)num(tok[1]);
			f->object_props[f->n_object_props++].prop = prop_id_for(f, tok[i]);
		}
	} else {
		return false;
	}
	return true;
}

struct kms_fake *kms_fake_load(const char *path)
{
	FILE *file = fopen(path, "r");
	if (!file) {
		NOTE("cannot open %s", path);
		return NULL;
	}
	struct kms_fake *f = calloc(1, sizeof(*f));
	if (!f)
		abort();
	f->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	char line[512];
	int lineno = 0;
	bool ok = true;
	while (ok && fgets(line, sizeof(line), file)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *tok[40];
		int n = 0;
		for (char *save = NULL, *t = strtok_r(line, " \t\n", &save); t && n < 40;
			t = strtok_r(NULL, " \t\n", &save))
			tok[n++] = t;
		if (n && !parse_line(f, tok, n)) {
			NOTE("%s:%d: cannot read this line", path, lineno);
			ok = false;
		}
	}
	fclose(file);
	if (!ok) {
		kms_fake_free(f);
		return NULL;
	}
	return f;
}

void kms_fake_free(struct kms_fake *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->n_dumbs; i++)
		free(f->dumbs[i].mem);
	close(f->event_fd);
	free(f);
}
