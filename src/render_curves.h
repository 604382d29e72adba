/* render_curves.h - line charts of training curves drawn into a text
 * canvas: axes with ticks at round numbers, a legend, and vertical marks
 * where something changed (the learning rate). Braille dots at a colour
 * terminal, a symbol per series otherwise. Shared by the live panel, the
 * monitor, `view loss` and the summary printed after a run. */
#ifndef NNSH_RENDER_CURVES_H
#define NNSH_RENDER_CURVES_H

#include <stddef.h>

#include "canvas.h"

/* One series: n points (x[i], y[i]) in increasing x; a NaN y leaves a
 * gap. With points set, the points are not joined by lines. */
typedef struct rc_series {
	const char *name;
	const double *x, *y;
	size_t n;
	int color;              /* a CV_ colour */
	int points;
} rc_series;

/* A vertical mark at x, with a label drawn beside its top (or NULL). */
typedef struct rc_mark {
	double x;
	const char *label;
} rc_mark;

typedef struct rc_chart {
	const char *title;
	const char *xlabel;     /* "epoch", "iteration" */
	const rc_series *s;
	int ns;
	const rc_mark *marks;
	int nmarks;
	int unit;               /* the y range stays inside [0, 1] */
} rc_chart;

/* The smallest area rc_draw draws a chart in. */
#define RC_MIN_W 24
#define RC_MIN_H 6

/* Draw the chart into the w x h cells at (x, y) of c: the title and the
 * legend on the first row, y labels on the left, the x axis and its
 * labels on the last two rows. The x range spans every point, so a long
 * run is compressed, never scrolled; the y range spans the finite values,
 * widened to round ticks. Series are drawn in order (the last on top).
 * Returns 0, or -1 when the area is too small or no series has a finite
 * point (a one-line note is drawn instead). */
int rc_draw(cv_canvas *c, int x, int y, int w, int h, const rc_chart *ch);

/* An exponential moving average of y with weight a in [0, 1)
 * (TensorBoard's smoothing, debiased so it starts at the first value).
 * NaNs stay NaN and do not disturb the average. out may equal y. */
void rc_smooth(const double *y, size_t n, double a, double *out);

#endif
