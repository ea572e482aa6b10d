/*
 * The record sink and event names: one text line per event, evtest's format for people
 * (hvevtest) and a short timeless one for tests, which compare whole sequences as text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hvi.h"
#include "hvi_scancode.h"

struct hvi_record {
	FILE *file; // NULL: collect in text
	char *text;
	size_t len, cap;
};

/* ---- names ---- */

const char *hvi_event_type_name(uint16_t type)
{
	switch (type) {
	case HVI_EV_SYN:
		return "EV_SYN";
	case HVI_EV_KEY:
		return "EV_KEY";
	case HVI_EV_REL:
		return "EV_REL";
	case HVI_EV_ABS:
		return "EV_ABS";
	case HVI_EV_LED:
		return "EV_LED";
	default:
		return NULL;
	}
}

static const char *const button_names[] = {
	"BTN_LEFT",
	"BTN_RIGHT",
	"BTN_MIDDLE",
	"BTN_SIDE",
	"BTN_EXTRA",
	"BTN_FORWARD",
	"BTN_BACK",
	"BTN_TASK",
};

static const char *fixed_code_name(uint16_t type, uint16_t code)
{
	switch (type) {
	case HVI_EV_SYN:
		return code == HVI_SYN_REPORT     ? "SYN_REPORT"
			: code == HVI_SYN_DROPPED ? "SYN_DROPPED"
						  : NULL;
	case HVI_EV_REL:
		return code == HVI_REL_X        ? "REL_X"
			: code == HVI_REL_Y     ? "REL_Y"
			: code == HVI_REL_WHEEL ? "REL_WHEEL"
						: NULL;
	case HVI_EV_ABS:
		return code == HVI_ABS_X ? "ABS_X" : code == HVI_ABS_Y ? "ABS_Y" : NULL;
	case HVI_EV_LED:
		return code == HVI_LED_NUML       ? "LED_NUML"
			: code == HVI_LED_CAPSL   ? "LED_CAPSL"
			: code == HVI_LED_SCROLLL ? "LED_SCROLLL"
						  : NULL;
	case HVI_EV_KEY:
		if (code >= HVI_BTN_LEFT && code <= HVI_BTN_TASK)
			return button_names[code - HVI_BTN_LEFT];
		return NULL;
	default:
		return NULL;
	}
}

bool hvi_event_code_name(uint16_t type, uint16_t code, char *buf, size_t len)
{
	if (!len)
		return false;
	const char *fixed = fixed_code_name(type, code);
	if (fixed) {
		snprintf(buf, len, "%s", fixed);
		return true;
	}
	/* Key names are Linux's KEY_* names in lower case without the prefix. */
	const char *key = type == HVI_EV_KEY ? hvi_key_to_name(code) : NULL;
	if (!key) {
		snprintf(buf, len, "?");
		return false;
	}
	size_t n = (size_t)snprintf(buf, len, "KEY_%s", key);
	for (size_t i = 4; i < n && i < len; i++) {
		if (buf[i] >= 'a' && buf[i] <= 'z')
			buf[i] = (char)(buf[i] - 'a' + 'A');
	}
	return true;
}

int hvi_event_format(char *buf, size_t len, const struct hvi_event *ev)
{
	unsigned long long sec = ev->time_ns / 1000000000u;
	unsigned long usec = (unsigned long)(ev->time_ns % 1000000000u / 1000u);
	if (ev->type == HVI_EV_SYN && ev->code == HVI_SYN_REPORT)
		return snprintf(buf, len,
			"Event: time %llu.%06lu, -------------- SYN_REPORT ------------", sec,
			usec);
	char code[32];
	const char *type = hvi_event_type_name(ev->type);
	hvi_event_code_name(ev->type, ev->code, code, sizeof(code));
	return snprintf(buf, len, "Event: time %llu.%06lu, type %u (%s), code %u (%s), value %d",
		sec, usec, ev->type, type ? type : "?", ev->code, code, ev->value);
}

/* ---- the sink ---- */

int hvi_record_create(struct hvi_record **out, FILE *file)
{
	struct hvi_record *rec = calloc(1, sizeof(*rec));
	if (!rec)
		return -ENOMEM;
	rec->file = file;
	*out = rec;
	return 0;
}

void hvi_record_destroy(struct hvi_record *rec)
{
	if (!rec)
		return;
	free(rec->text);
	free(rec);
}

static int append(struct hvi_record *rec, const char *line)
{
	size_t n = strlen(line);
	if (rec->len + n + 2 > rec->cap) {
		size_t cap = rec->cap ? rec->cap : 1024;
		while (cap < rec->len + n + 2)
			cap *= 2;
		char *text = realloc(rec->text, cap);
		if (!text)
			return -ENOMEM;
		rec->text = text;
		rec->cap = cap;
	}
	memcpy(rec->text + rec->len, line, n);
	rec->len += n;
	rec->text[rec->len++] = '\n';
	rec->text[rec->len] = '\0';
	return 0;
}

int hvi_record_event(struct hvi_record *rec, const struct hvi_event *ev)
{
	char line[160];
	if (rec->file) {
		hvi_event_format(line, sizeof(line), ev);
		return fprintf(rec->file, "%s\n", line) < 0 ? -EIO : 0;
	}
	char code[32];
	const char *type = hvi_event_type_name(ev->type);
	hvi_event_code_name(ev->type, ev->code, code, sizeof(code));
	snprintf(line, sizeof(line), "%s %s %d", type ? type : "?", code, ev->value);
	return append(rec, line);
}

const char *hvi_record_text(const struct hvi_record *rec)
{
	return rec->text ? rec->text : "";
}

void hvi_record_clear(struct hvi_record *rec)
{
	rec->len = 0;
	if (rec->text)
		rec->text[0] = '\0';
}
