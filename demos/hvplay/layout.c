/*
 * Picture placement (layout.h). Sizes are worked out in double and rounded to whole pixels;
 * a side is never below 1.
 */
#include "layout.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static uint32_t round_side(double v, uint32_t max)
{
	double r = floor(v + 0.5);
	return r < 1 ? 1 : r > max ? max : (uint32_t)r;
}

static void centre(struct layout *l, const struct layout_input *in, uint32_t w, uint32_t h)
{
	int32_t x = (int32_t)((in->out_width - w) / 2), y = (int32_t)((in->out_height - h) / 2);
	l->video = (struct rect){ x, y, x + (int32_t)w, y + (int32_t)h };
}

static void fit(struct layout *l, const struct layout_input *in, double par)
{
	double disp_w = in->src_width * par, disp_h = in->src_height;
	double s = fmin(in->out_width / disp_w, in->out_height / disp_h);
	centre(l, in, round_side(disp_w * s, in->out_width),
		round_side(disp_h * s, in->out_height));
	l->crop_w = in->src_width, l->crop_h = in->src_height;
}

static void fill(struct layout *l, const struct layout_input *in, double par)
{
	double disp_w = in->src_width * par, disp_h = in->src_height;
	double s = fmax(in->out_width / disp_w, in->out_height / disp_h);
	/* What of the scaled picture shows, back in source pixels. */
	l->crop_w = round_side(in->out_width / s / par, in->src_width);
	l->crop_h = round_side(in->out_height / s, in->src_height);
	l->crop_x = (in->src_width - l->crop_w) / 2;
	l->crop_y = (in->src_height - l->crop_h) / 2;
	centre(l, in, in->out_width, in->out_height);
}

static void native(struct layout *l, const struct layout_input *in)
{
	uint32_t w = in->src_width < in->out_width ? in->src_width : in->out_width;
	uint32_t h = in->src_height < in->out_height ? in->src_height : in->out_height;
	l->crop_w = w, l->crop_h = h;
	l->crop_x = (in->src_width - w) / 2;
	l->crop_y = (in->src_height - h) / 2;
	centre(l, in, w, h);
}

static void add_bar(struct layout *l, int32_t x1, int32_t y1, int32_t x2, int32_t y2)
{
	struct rect r = { x1, y1, x2, y2 };
	if (!rect_is_empty(&r))
		l->bars[l->n_bars++] = r;
}

int layout_compute(const struct layout_input *in, struct layout *out)
{
	if (!in->src_width || !in->src_height || !in->out_width || !in->out_height)
		return -EINVAL;
	struct layout l = { 0 };
	double par =
		in->aspect_num && in->aspect_den ? (double)in->aspect_num / in->aspect_den : 1.0;
	switch (in->mode) {
	case LAYOUT_FIT:
		fit(&l, in, par);
		break;
	case LAYOUT_FILL:
		fill(&l, in, par);
		break;
	case LAYOUT_NATIVE:
		native(&l, in);
		break;
	}
	int32_t w = (int32_t)in->out_width, h = (int32_t)in->out_height;
	const struct rect *v = &l.video;
	add_bar(&l, 0, 0, w, v->y1);
	add_bar(&l, 0, v->y2, w, h);
	add_bar(&l, 0, v->y1, v->x1, v->y2);
	add_bar(&l, v->x2, v->y1, w, v->y2);
	*out = l;
	return 0;
}

const char *layout_mode_to_str(enum layout_mode m)
{
	return m == LAYOUT_FILL ? "fill" : m == LAYOUT_NATIVE ? "1:1" : "fit";
}

int layout_mode_from_str(const char *s, enum layout_mode *out)
{
	if (strcmp(s, "fit") == 0)
		*out = LAYOUT_FIT;
	else if (strcmp(s, "fill") == 0)
		*out = LAYOUT_FILL;
	else if (strcmp(s, "1:1") == 0 || strcmp(s, "native") == 0)
		*out = LAYOUT_NATIVE;
	else
		return -EINVAL;
	return 0;
}
