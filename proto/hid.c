/*
 * HID report-descriptor parser for pointers: HID 1.11 §5 (parsing model), §6.2.2 (items), §8.4
 * (report constraints); the descriptor it must accept first is synthinput.md §2.5.
 *
 * The parser is the spec's item state machine: a global state (with a push/pop stack), a local
 * state cleared by every main item, and one handler per item type. Only input items place bits;
 * each data field of a variable input item is matched against the usages X, Y, Wheel and the
 * Button page. Limits (header) bound every loop and every offset, so a hostile descriptor costs
 * at most HID_MAX_ITEMS items and HID_MAX_REPORT_BYTES of layout per report.
 */
#include "hid.h"

#include <errno.h>

#include "wire.h"

enum item_type {
	ITEM_MAIN = 0,
	ITEM_GLOBAL = 1,
	ITEM_LOCAL = 2,
	ITEM_RESERVED = 3,
};

enum main_tag {
	MAIN_INPUT = 0x8,
	MAIN_OUTPUT = 0x9,
	MAIN_COLLECTION = 0xa,
	MAIN_FEATURE = 0xb,
	MAIN_END_COLLECTION = 0xc,
};

enum global_tag {
	GLOBAL_USAGE_PAGE = 0x0,
	GLOBAL_LOGICAL_MIN = 0x1,
	GLOBAL_LOGICAL_MAX = 0x2,
	GLOBAL_PHYSICAL_MIN = 0x3,
	GLOBAL_PHYSICAL_MAX = 0x4,
	GLOBAL_UNIT_EXPONENT = 0x5,
	GLOBAL_UNIT = 0x6,
	GLOBAL_REPORT_SIZE = 0x7,
	GLOBAL_REPORT_ID = 0x8,
	GLOBAL_REPORT_COUNT = 0x9,
	GLOBAL_PUSH = 0xa,
	GLOBAL_POP = 0xb,
};

enum local_tag {
	LOCAL_USAGE = 0x0,
	LOCAL_USAGE_MIN = 0x1,
	LOCAL_USAGE_MAX = 0x2,
};

#define INPUT_CONSTANT 0x1u
#define INPUT_VARIABLE 0x2u
#define INPUT_RELATIVE 0x4u

#define LONG_ITEM_PREFIX 0xfeu

struct item {
	uint8_t type; // enum item_type
	uint8_t tag;
	uint8_t size; // data bytes: 0, 1, 2 or 4
	uint32_t udata;
	int64_t sdata; // udata sign-extended from its size (§6.2.2.7)
};

struct globals {
	uint32_t usage_page;
	int64_t logical_min; // int64: an unsigned 4-byte Logical Maximum must fit
	int64_t logical_max;
	uint32_t report_size;
	uint32_t report_count;
	uint32_t report_id;
};

/* A usage or a usage range; ends given in 2 bytes or fewer take the page of the main item. */
struct usage_range {
	uint32_t min, max;
	bool min_extended, max_extended;
};

struct locals {
	struct usage_range usages[HID_MAX_USAGES];
	uint32_t n;
	struct usage_range pending; // a Usage Minimum or Maximum waiting for its other end
	bool have_min, have_max;
};

struct parser {
	struct globals g;
	struct globals stack[HID_MAX_PUSH_DEPTH];
	uint32_t sp;
	struct locals l;
	uint32_t depth;
	struct hid_pointer_desc *out;
	const char *reason;
};

static int refuse(struct parser *ps, const char *why, int err)
{
	ps->reason = why;
	return err;
}

/* One item at r; long items (§6.2.2.3) are skipped and reported as 1. */
static int fetch_item(struct wire *r, struct item *it)
{
	uint8_t prefix = wire_get_u8(r);
	if (prefix == LONG_ITEM_PREFIX) {
		uint8_t data_size = wire_get_u8(r);
		wire_skip(r, 1u + data_size, false); /* bLongItemTag, data */
		return wire_error(r) < 0 ? -EMSGSIZE : 1;
	}
	static const uint8_t sizes[4] = { 0, 1, 2, 4 };
	*it = (struct item){
		.type = (uint8_t)((prefix >> 2) & 3),
		.tag = (uint8_t)(prefix >> 4),
		.size = sizes[prefix & 3],
	};
	switch (it->size) {
	case 1:
		it->udata = wire_get_u8(r);
		break;
	case 2:
		it->udata = wire_get_u16(r);
		break;
	case 4:
		it->udata = wire_get_u32(r);
		break;
	}
	if (wire_error(r) < 0)
		return -EMSGSIZE;
	uint32_t bits = 8u * it->size;
	it->sdata = it->udata;
	if (bits && (it->udata >> (bits - 1)) & 1)
		it->sdata -= (int64_t)1 << bits;
	return 0;
}

static uint32_t resolve_usage(uint32_t value, bool extended, uint32_t page)
{
	return extended ? value : (page << 16 | (value & 0xffff));
}

/* The usage of the index-th field: past the list, the last usage repeats (§6.2.2.8). */
static uint32_t usage_at(const struct parser *ps, uint32_t index)
{
	const struct locals *l = &ps->l;
	if (l->n == 0)
		return 0;
	uint64_t i = index;
	for (uint32_t k = 0; k < l->n; k++) {
		const struct usage_range *u = &l->usages[k];
		uint32_t lo = resolve_usage(u->min, u->min_extended, ps->g.usage_page);
		uint32_t hi = resolve_usage(u->max, u->max_extended, ps->g.usage_page);
		uint64_t count = (uint64_t)hi - lo + 1;
		if (i < count)
			return lo + (uint32_t)i;
		i -= count;
	}
	const struct usage_range *last = &l->usages[l->n - 1];
	return resolve_usage(last->max, last->max_extended, ps->g.usage_page);
}

static int check_usage_ranges(struct parser *ps)
{
	for (uint32_t k = 0; k < ps->l.n; k++) {
		const struct usage_range *u = &ps->l.usages[k];
		if (resolve_usage(u->min, u->min_extended, ps->g.usage_page) >
			resolve_usage(u->max, u->max_extended, ps->g.usage_page))
			return refuse(ps, "usage_range_inverted", -EPROTO);
	}
	return 0;
}

static struct hid_pointer_report *find_report(struct hid_pointer_desc *desc, uint32_t id)
{
	for (uint32_t i = 0; i < desc->n_reports; i++) {
		if (desc->reports[i].id == id)
			return &desc->reports[i];
	}
	return NULL;
}

static int get_report(struct parser *ps, struct hid_pointer_report **out)
{
	struct hid_pointer_desc *desc = ps->out;
	if (desc->has_report_ids && ps->g.report_id == 0)
		return refuse(ps, "report_id_mixed", -EPROTO);
	struct hid_pointer_report *rep = find_report(desc, ps->g.report_id);
	if (!rep) {
		if (desc->n_reports == HID_MAX_REPORTS)
			return refuse(ps, "too_many_reports", -EPROTO);
		rep = &desc->reports[desc->n_reports++];
		*rep = (struct hid_pointer_report){ .id = (uint8_t)ps->g.report_id };
	}
	*out = rep;
	return 0;
}

/* X, Y and the wheel: the first field with the usage wins; later ones are other contacts. */
static int place_axis(struct parser *ps, struct hid_field *f, uint32_t offset, uint32_t input_flags)
{
	if (f->bit_size)
		return 0;
	const struct globals *g = &ps->g;
	if (g->logical_min < INT32_MIN || g->logical_max > INT32_MAX ||
		g->logical_min >= g->logical_max)
		return refuse(ps, "logical_range", -EPROTO);
	*f = (struct hid_field){
		.bit_offset = offset,
		.bit_size = (uint8_t)g->report_size,
		.relative = (input_flags & INPUT_RELATIVE) != 0,
		.is_signed = g->logical_min < 0,
		.logical_min = (int32_t)g->logical_min,
		.logical_max = (int32_t)g->logical_max,
	};
	return 0;
}

/* Buttons are decoded as one run: usage first + i at offset + i * size. */
static int place_button(
	struct parser *ps, struct hid_pointer_report *rep, uint32_t id, uint32_t offset)
{
	uint32_t size = ps->g.report_size;
	if (id == 0) /* Button usage 0 is "no button pressed", not a button */
		return 0;
	if (rep->button_count == 0) {
		if (id > HID_MAX_BUTTONS) /* outside the event's mask: not a button for us */
			return 0;
		rep->button_first = (uint16_t)id;
		rep->button_offset = offset;
		rep->button_bits = (uint8_t)size;
		rep->button_count = 1;
		return 0;
	}
	uint32_t n = rep->button_count;
	if (id != rep->button_first + n || offset != rep->button_offset + n * rep->button_bits ||
		size != rep->button_bits)
		return refuse(ps, "buttons_not_contiguous", -EPROTO);
	rep->button_count++; /* at most one per bit of the report: bounded by the size limit */
	return 0;
}

static int place_field(struct parser *ps, struct hid_pointer_report *rep, uint32_t usage,
	uint32_t offset, uint32_t input_flags)
{
	switch (usage) {
	case HID_USAGE_GD_X:
		return place_axis(ps, &rep->x, offset, input_flags);
	case HID_USAGE_GD_Y:
		return place_axis(ps, &rep->y, offset, input_flags);
	case HID_USAGE_GD_WHEEL:
		return place_axis(ps, &rep->wheel, offset, input_flags);
	}
	if (usage >> 16 == HID_USAGE_PAGE_BUTTON)
		return place_button(ps, rep, usage & 0xffff, offset);
	return 0;
}

static int input_item(struct parser *ps, uint32_t flags)
{
	struct hid_pointer_report *rep;
	int ret = get_report(ps, &rep);
	if (ret < 0)
		return ret;
	const struct globals *g = &ps->g;
	uint64_t start = rep->bits;
	uint64_t end = start + (uint64_t)g->report_size * g->report_count;
	uint64_t limit = 8u * (HID_MAX_REPORT_BYTES - (ps->out->has_report_ids ? 1u : 0u));
	if (end > limit)
		return refuse(ps, "report_too_long", -EMSGSIZE);
	rep->bits = (uint32_t)end;

	/* Constant fields are padding; array fields carry usage indexes, never X, Y or buttons
	 * of the mice this serves. */
	if ((flags & INPUT_CONSTANT) || !(flags & INPUT_VARIABLE) || end == start)
		return 0;
	if (g->report_size > HID_MAX_FIELD_BITS)
		return refuse(ps, "field_too_wide", -EPROTO);
	ret = check_usage_ranges(ps);
	/* end - start bounds the loop: report_count fields of at least one bit each. */
	for (uint32_t i = 0; ret == 0 && i < g->report_count; i++)
		ret = place_field(
			ps, rep, usage_at(ps, i), (uint32_t)start + i * g->report_size, flags);
	return ret;
}

static int main_item(struct parser *ps, const struct item *it)
{
	int ret = 0;
	switch (it->tag) {
	case MAIN_INPUT:
		ret = input_item(ps, it->udata);
		break;
	case MAIN_OUTPUT:
	case MAIN_FEATURE:
		break;
	case MAIN_COLLECTION:
		if (ps->depth == HID_MAX_COLLECTION_DEPTH)
			return refuse(ps, "collection_too_deep", -EPROTO);
		ps->depth++;
		break;
	case MAIN_END_COLLECTION:
		if (ps->depth == 0)
			return refuse(ps, "collection_unbalanced", -EPROTO);
		ps->depth--;
		break;
	default: /* reserved main tags: Linux ignores them too */
		break;
	}
	ps->l.n = 0;
	ps->l.have_min = ps->l.have_max = false;
	return ret;
}

static int global_item(struct parser *ps, const struct item *it)
{
	struct globals *g = &ps->g;
	switch (it->tag) {
	case GLOBAL_USAGE_PAGE:
		g->usage_page = it->udata & 0xffff;
		return 0;
	case GLOBAL_LOGICAL_MIN:
		g->logical_min = it->sdata;
		return 0;
	case GLOBAL_LOGICAL_MAX:
		/* Linux's reading: many descriptors write 0..255 as `15 00 25 FF`. */
		g->logical_max = g->logical_min < 0 ? it->sdata : (int64_t)it->udata;
		return 0;
	case GLOBAL_PHYSICAL_MIN:
	case GLOBAL_PHYSICAL_MAX:
	case GLOBAL_UNIT_EXPONENT:
	case GLOBAL_UNIT:
		return 0;
	case GLOBAL_REPORT_SIZE:
		g->report_size = it->udata;
		return 0;
	case GLOBAL_REPORT_COUNT:
		g->report_count = it->udata;
		return 0;
	case GLOBAL_REPORT_ID:
		if (it->udata == 0)
			return refuse(ps, "report_id_zero", -EPROTO);
		if (it->udata > 0xff)
			return refuse(ps, "report_id_range", -EPROTO);
		if (find_report(ps->out, 0))
			return refuse(ps, "report_id_mixed", -EPROTO);
		g->report_id = it->udata;
		ps->out->has_report_ids = true;
		return 0;
	case GLOBAL_PUSH:
		if (ps->sp == HID_MAX_PUSH_DEPTH)
			return refuse(ps, "push_too_deep", -EPROTO);
		ps->stack[ps->sp++] = *g;
		return 0;
	case GLOBAL_POP:
		if (ps->sp == 0)
			return refuse(ps, "pop_without_push", -EPROTO);
		*g = ps->stack[--ps->sp];
		return 0;
	}
	return refuse(ps, "unknown_global_tag", -EPROTO);
}

static int add_usage(struct parser *ps, struct usage_range u)
{
	if (ps->l.n == HID_MAX_USAGES)
		return refuse(ps, "too_many_usages", -EPROTO);
	ps->l.usages[ps->l.n++] = u;
	return 0;
}

/* Usage Minimum and Maximum may come in either order; the range exists once both have. */
static int local_item(struct parser *ps, const struct item *it)
{
	struct locals *l = &ps->l;
	bool extended = it->size == 4;
	switch (it->tag) {
	case LOCAL_USAGE:
		return add_usage(
			ps, (struct usage_range){ it->udata, it->udata, extended, extended });
	case LOCAL_USAGE_MIN:
		l->pending.min = it->udata;
		l->pending.min_extended = extended;
		l->have_min = true;
		break;
	case LOCAL_USAGE_MAX:
		l->pending.max = it->udata;
		l->pending.max_extended = extended;
		l->have_max = true;
		break;
	default: /* designators, strings, delimiters: no bearing on the layout */
		return 0;
	}
	if (!l->have_min || !l->have_max)
		return 0;
	l->have_min = l->have_max = false;
	return add_usage(ps, l->pending);
}

static int finish(struct parser *ps)
{
	struct hid_pointer_desc *desc = ps->out;
	if (ps->depth)
		return refuse(ps, "collection_unclosed", -EPROTO);
	if (ps->sp)
		return refuse(ps, "push_unbalanced", -EPROTO);
	bool any = false;
	for (uint32_t i = 0; i < desc->n_reports; i++) {
		struct hid_pointer_report *rep = &desc->reports[i];
		rep->size = (rep->bits + 7) / 8 + (desc->has_report_ids ? 1 : 0);
		bool has_x = rep->x.bit_size != 0, has_y = rep->y.bit_size != 0;
		if (has_x != has_y)
			return refuse(ps, "x_y_incomplete", -EPROTO);
		if (!has_x)
			continue;
		if (rep->x.relative != rep->y.relative)
			return refuse(ps, "x_y_mixed", -EPROTO);
		rep->has_pointer = true;
		rep->absolute = !rep->x.relative;
		any = true;
	}
	return any ? 0 : refuse(ps, "no_x_y", -EPROTO);
}

static int parse_items(struct parser *ps, const uint8_t *desc, size_t len)
{
	struct wire r = wire_reader(desc, len);
	for (uint32_t items = 0; wire_remaining(&r) > 0; items++) {
		if (items == HID_MAX_ITEMS)
			return refuse(ps, "too_many_items", -EPROTO);
		struct item it;
		int ret = fetch_item(&r, &it);
		if (ret < 0)
			return refuse(ps, "truncated_item", -EMSGSIZE);
		if (ret > 0)
			continue;
		switch (it.type) {
		case ITEM_MAIN:
			ret = main_item(ps, &it);
			break;
		case ITEM_GLOBAL:
			ret = global_item(ps, &it);
			break;
		case ITEM_LOCAL:
			ret = local_item(ps, &it);
			break;
		default: /* reserved item type: skipped, as Linux does */
			break;
		}
		if (ret < 0)
			return ret;
	}
	return finish(ps);
}

int hid_parse_pointer(
	const uint8_t *desc, size_t len, struct hid_pointer_desc *out, const char **reason)
{
	*out = (struct hid_pointer_desc){ 0 };
	struct parser ps = { .out = out };
	int ret = len > HID_MAX_DESC_SIZE ? refuse(&ps, "descriptor_too_long", -EMSGSIZE)
					  : parse_items(&ps, desc, len);
	if (ret < 0 && reason)
		*reason = ps.reason;
	return ret;
}

const struct hid_pointer_report *hid_pointer_find(const struct hid_pointer_desc *desc, uint8_t id)
{
	for (uint32_t i = 0; i < desc->n_reports && i < HID_MAX_REPORTS; i++) {
		if (desc->reports[i].id == id)
			return &desc->reports[i];
	}
	return NULL;
}

/* Up to 32 bits at bit offset off, little-endian bit order (HID 1.11 §8.4); bits past len
 * read as 0. */
static uint32_t get_bits(const uint8_t *data, size_t len, uint32_t off, uint8_t n)
{
	size_t first = off / 8;
	uint64_t acc = 0;
	for (size_t i = 0; i < 5 && first + i < len; i++)
		acc |= (uint64_t)data[first + i] << (8 * i);
	acc >>= off % 8;
	return (uint32_t)(n >= 32 ? acc : acc & ((UINT64_C(1) << n) - 1));
}

static int64_t field_value(const struct hid_field *f, const uint8_t *data, size_t len)
{
	uint32_t raw = get_bits(data, len, f->bit_offset, f->bit_size);
	if (f->is_signed && (raw >> (f->bit_size - 1)) & 1)
		return (int64_t)raw - ((int64_t)1 << f->bit_size);
	return raw;
}

static int32_t clamp32(int64_t v, int64_t lo, int64_t hi)
{
	return (int32_t)(v < lo ? lo : v > hi ? hi : v);
}

static int32_t axis_value(const struct hid_field *f, const uint8_t *data, size_t len)
{
	int64_t v = field_value(f, data, len);
	if (!f->relative)
		return clamp32(v, f->logical_min, f->logical_max);
	return clamp32(v, INT32_MIN, INT32_MAX);
}

static int reject(const char **reason, const char *why, int err)
{
	if (reason)
		*reason = why;
	return err;
}

int hid_pointer_decode(const struct hid_pointer_desc *desc, const void *report, size_t len,
	struct hid_pointer_event *out, const char **reason)
{
	const uint8_t *p = report;
	if (len == 0)
		return reject(reason, "short_report", -EMSGSIZE);
	size_t skip = desc->has_report_ids ? 1 : 0;
	const struct hid_pointer_report *rep = hid_pointer_find(desc, skip ? p[0] : 0);
	if (!rep)
		return reject(reason, "unknown_report_id", -EPROTO);
	if (!rep->has_pointer)
		return reject(reason, "not_pointer_report", -EOPNOTSUPP);
	if (len < rep->size)
		return reject(reason, "short_report", -EMSGSIZE);

	const uint8_t *data = p + skip;
	size_t data_len = len - skip;
	struct hid_pointer_event ev = { .report_id = rep->id, .absolute = rep->absolute };
	ev.x = axis_value(&rep->x, data, data_len);
	ev.y = axis_value(&rep->y, data, data_len);
	if (rep->wheel.bit_size)
		ev.wheel = axis_value(&rep->wheel, data, data_len);
	for (uint32_t i = 0; i < rep->button_count; i++) {
		uint32_t bit = rep->button_first - 1u + i;
		if (bit >= HID_MAX_BUTTONS)
			break;
		if (get_bits(data, data_len, rep->button_offset + i * rep->button_bits,
			    rep->button_bits))
			ev.buttons |= UINT32_C(1) << bit;
	}
	*out = ev;
	return 0;
}
