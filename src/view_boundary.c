/* view_boundary.c - the decision boundary view of 2-D data (the
 * plane shaded by the predicted class, the samples on it), or the
 * function a network fits to 1-D data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_curves.h"
#include "render_data.h"
#include "view.h"

/* What the boundary view keeps (its state). */
typedef struct boundary {
	float *grid;            /* gw x gh model outputs over [x0, x1] x
	                         * [y0, y1] */
	int gw, gh, gk;         /* gk: classes, or 0 for output values */
	float x0, x1, y0, y1;
} boundary;

#define LMARGIN 7               /* y labels left of the plane */

static int function_plot(const vw_view *v)
{
	return v->d->xsize == 1;
}

/* The plane's cells in a w x h area: 1 title row, 1 label row. */
static void plane_size(int w, int h, int *gw, int *gh)
{
	*gw = w - LMARGIN;
	*gh = h - 2;
}

/* The data's range, widened by a tenth on each side. */
static void data_range(vw_view *v)
{
	boundary *s = v->state;
	const nn_dataset *d = v->d;
	float lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };

	for (size_t i = 0; i < d->n; i++)
		for (size_t j = 0; j < d->xsize && j < 2; j++) {
			float a = nn_dataset_x(d, i, j);

			if (!isfinite(a))
				continue;
			lo[j] = a < lo[j] ? a : lo[j];
			hi[j] = a > hi[j] ? a : hi[j];
		}
	for (int j = 0; j < 2; j++) {
		float m;

		if (!(lo[j] <= hi[j]))
			lo[j] = hi[j] = 0;
		m = hi[j] > lo[j] ? (hi[j] - lo[j]) / 10 : 0.5f;
		lo[j] -= m;
		hi[j] += m;
	}
	s->x0 = lo[0];
	s->x1 = hi[0];
	s->y0 = lo[1];
	s->y1 = hi[1];
}

static int update_boundary(vw_view *v, nn_model *m, int w, int h)
{
	boundary *s = v->state;
	size_t ow = vw_out_width(m), n;
	int gw, gh;
	float *x, *out, lo, hi;

	if (v->d->xsize != 2 && !(v->d->xsize == 1 && ow == 1))
		return vw_note(v, "a boundary needs 2 inputs (or 1 input and 1 "
		            "output); %s has %zu inputs", v->what,
		            v->d->xsize);
	plane_size(w, h, &gw, &gh);
	if (gw < 10 || gh < 4)
		return vw_note(v, "the view is too small for the plane");
	if (!v->ready)
		data_range(v);
	if (function_plot(v))
		gh = 1;
	n = (size_t)gw * (size_t)gh;
	x = malloc(n * 2 * sizeof *x);
	out = malloc(n * ow * sizeof *out);
	free(s->grid);
	s->grid = malloc(n * 2 * sizeof *s->grid);
	if (!x || !out || !s->grid) {
		free(x);
		free(out);
		return vw_note(v, "out of memory");
	}
	for (int r = 0; r < gh; r++)
		for (int k = 0; k < gw; k++) {
			size_t i = (size_t)r * (size_t)gw + (size_t)k;
			float fx = gw > 1 ? (float)k / (float)(gw - 1) : 0.5f;
			float fy = gh > 1 ? 1 - (float)r / (float)(gh - 1) : 0;

			x[i * v->d->xsize] = s->x0 + fx * (s->x1 - s->x0);
			if (v->d->xsize == 2)
				x[i * 2 + 1] = s->y0 + fy * (s->y1 - s->y0);
		}
	if (vw_forward_rows(m, x, n, v->d->xsize, out) < 0) {
		free(x);
		free(out);
		return vw_note(v, "%s", nn_error());
	}
	s->gk = vw_classes_of(v->d) ? (ow > 1 ? (int)ow : 2) : ow > 1 ? (int)ow
	                                                           : 0;
	lo = hi = out[0];
	for (size_t i = 0; i < n; i++) {
		lo = out[i * ow] < lo ? out[i * ow] : lo;
		hi = out[i * ow] > hi ? out[i * ow] : hi;
	}
	for (size_t i = 0; i < n; i++) {
		const float *o = out + i * ow;
		int p = vw_pred_of(o, ow, v->mid);
		float conf = ow == 1 ? fminf(fabsf(o[0] - v->mid) / v->half, 1)
		             : (o[p] - 1.0f / ow) / (1 - 1.0f / ow);

		s->grid[2 * i] = s->gk ? (float)p : o[0];
		s->grid[2 * i + 1] = s->gk ? conf
		                     : hi > lo ? (o[0] - lo) / (hi - lo) : 0.5f;
	}
	s->gw = gw;
	s->gh = gh;
	free(x);
	free(out);
	return 0;
}

/* The model's curve over the data, for one input and one output. */
static void draw_function(const vw_view *v, cv_canvas *c, int x, int y,
                          int w, int h)
{
	const boundary *s = v->state;
	size_t n = v->d->n < POINTS_MAX ? v->d->n : POINTS_MAX;
	double *dx = malloc((n + 1) * sizeof *dx), *dy = malloc((n + 1) *
	                                                        sizeof *dy);
	double *mx = malloc((size_t)s->gw * sizeof *mx);
	double *my = malloc((size_t)s->gw * sizeof *my);
	rc_series ser[2];
	rc_chart ch = { 0 };

	if (dx && dy && mx && my) {
		for (size_t i = 0; i < n; i++) {
			dx[i] = nn_dataset_x(v->d, i, 0);
			dy[i] = v->d->y ? v->d->y[i * v->d->ysize]
			                : nn_dataset_label(v->d, i);
		}
		for (int k = 0; k < s->gw; k++) {
			mx[k] = s->x0 + (s->x1 - s->x0) * k /
			        (s->gw > 1 ? s->gw - 1 : 1);
			my[k] = s->grid[2 * k];
		}
		ser[0] = (rc_series){ "data", dx, dy, n, CV_BRIGHT_YELLOW, 1 };
		ser[1] = (rc_series){ "model", mx, my, (size_t)s->gw,
		                    CV_BRIGHT_CYAN, 0 };
		ch.title = "the model's output over the data";
		ch.xlabel = "input";
		ch.s = ser;
		ch.ns = 2;
		rc_draw(c, x, y, w, h, &ch);
	}
	free(dx);
	free(dy);
	free(mx);
	free(my);
}

/* A region cell: its character and colours, from the predicted class and
 * the confidence (or, for output values, the value scaled to [0, 1]). */
static void region(const vw_view *v, float val, float conf, uint32_t *ch,
                   int *fg, int *bg)
{
	const boundary *s = v->state;
	static const char ramp[] = " .:-=+*#%@", sym[] = ".+-~:=^'\"`";
	int uni = v->mode & CV_UNICODE, color = v->mode & CV_COLOR;

	*fg = *bg = CV_DEFAULT;
	if (s->gk == 0) {
		/* output values: conf holds them scaled to [0, 1] */
		if (color) {
			*ch = ' ';
			*bg = cv_grey((int)(conf * 200 + 20));
		} else {
			*ch = (uint32_t)ramp[(int)(conf * 9.99f)];
		}
		return;
	}
	if (color) {
		*fg = cv_class_color((int)val);
		*ch = !uni ? (uint32_t)sym[(int)val % 10]
		      : conf < 0.3f ? 0xb7 : conf < 0.7f ? 0x2591 : 0x2592;
	} else {
		*ch = (uint32_t)sym[(int)val % 10];
	}
}

static void draw_boundary(const vw_view *v, cv_canvas *c, int x, int y,
                          int w, int h)
{
	const boundary *s = v->state;
	int gw, gh, px = x + LMARGIN, color = v->mode & CV_COLOR;
	int uni = v->mode & CV_UNICODE;
	size_t n = v->d->n < POINTS_MAX ? v->d->n : POINTS_MAX;
	char buf[32];

	plane_size(w, h, &gw, &gh);
	if (function_plot(v)) {
		draw_function(v, c, x, y, w, h);
		return;
	}
	if (gw != s->gw || gh != s->gh) {
		vw_textf(c, x, y, w, CV_BRIGHT_BLACK, 0, "(the boundary is "
		      "redrawn at the next evaluation)");
		return;
	}
	vw_textf(c, x, y, w, CV_DEFAULT, 1, "decision boundary on %s (shade: "
	      "%s; marks: the data)", v->what,
	      s->gk ? "predicted class" : "output");
	for (int r = 0; r < gh; r++)
		for (int k = 0; k < gw; k++) {
			size_t i = (size_t)r * (size_t)gw + (size_t)k;
			uint32_t ch;
			int fg, bg;

			region(v, s->grid[2 * i], s->grid[2 * i + 1], &ch, &fg,
			       &bg);
			cv_put(c, px + k, y + 1 + r, ch, fg, bg, 0);
		}
	for (size_t i = 0; i < n; i++) {
		float a = nn_dataset_x(v->d, i, 0);
		float b = nn_dataset_x(v->d, i, 1);
		int k = (int)lroundf((a - s->x0) / (s->x1 - s->x0) * (gw - 1));
		int r = gh - 1 - (int)lroundf((b - s->y0) / (s->y1 - s->y0) *
		                              (gh - 1));
		int t = nn_dataset_label(v->d, i);
		cv_cell *cell;

		if (k < 0 || k >= gw || r < 0 || r >= gh ||
		    !(cell = cv_at(c, px + k, y + 1 + r)))
			continue;
		if (color && uni)
			cell->ch = 0x25cf;
		else
			cell->ch = t >= 0 ? (uint32_t)cv_class_symbol(t) : 'o';
		cell->fg = (uint8_t)(!color ? CV_DEFAULT : t >= 0
		                     ? cv_class_color(t) : CV_BRIGHT_YELLOW);
		cell->bold = 1;
	}
	snprintf(buf, sizeof buf, "%.3g", s->y1);
	cv_textn(c, x, y + 1, LMARGIN - 1, buf, CV_DEFAULT, 0);
	snprintf(buf, sizeof buf, "%.3g", s->y0);
	cv_textn(c, x, y + gh, LMARGIN - 1, buf, CV_DEFAULT, 0);
	snprintf(buf, sizeof buf, "%.3g", s->x0);
	cv_text(c, px, y + gh + 1, buf, CV_DEFAULT, 0);
	snprintf(buf, sizeof buf, "%.3g", s->x1);
	cv_text(c, px + gw - (int)strlen(buf), y + gh + 1, buf, CV_DEFAULT, 0);
}

static int boundary_update(vw_view *v, nn_model *m, int w, int h,
                           size_t batch)
{
	(void)batch;
	return update_boundary(v, m, w, h);
}

static int boundary_stale(const vw_view *v, int w, int h)
{
	const boundary *s = v->state;
	int gw, gh;

	if (function_plot(v))
		return 0;
	plane_size(w, h, &gw, &gh);
	return gw != s->gw || gh != s->gh;
}

static int boundary_height(const vw_view *v, int w)
{
	(void)w;
	return function_plot(v) ? 16 : 24;
}

static void boundary_clear(vw_view *v)
{
	boundary *s = v->state;

	free(s->grid);
}

const vw_class vw_boundary_class = {
	.state_size = sizeof(boundary), .clear = boundary_clear,
	.name = "boundary", .needs_data = 1,
	.help = "the decision boundary of 2-D data (or the fitted function)",
	.more = "for 2 inputs, the plane shaded by predicted class (or\n"
	        "output) with the data on top; for 1 input and 1\n"
	        "output, the model's curve over the data",
	.update = boundary_update, .draw = draw_boundary,
	.height = boundary_height, .stale = boundary_stale,
};
