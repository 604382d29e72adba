/* render_curves.c - line charts into a text canvas: round ticks, a
 * legend, marks, and lines drawn dot by dot (Bresenham) in braille cells
 * (2 x 4 dots each) or, without colour, with one symbol per series. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render_curves.h"

#define BRAILLE 0x2800u

/* Where a chart's plot area is and how values map onto its dots. */
typedef struct plot {
	cv_canvas *c;
	int px, py, pw, ph;     /* the plot area in cells */
	int sx, sy;             /* dots per cell */
	int braille;
	double x0, x1, y0, y1;
} plot;

/* A round step (1, 2 or 5 times a power of ten) giving about n steps
 * over span. */
static double nice_step(double span, int n)
{
	double raw = span / (n < 1 ? 1 : n), p, f;

	if (!(raw > 0))
		return 1;
	p = pow(10, floor(log10(raw)));
	f = raw / p;
	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* A tick value with as many decimals as the step needs. */
static void tick_label(char *buf, size_t len, double v, double step)
{
	int dec = step >= 1 ? 0 : (int)-floor(log10(step) + 1e-9);

	if (fabs(v) < step * 1e-6)
		v = 0;
	if (fabs(v) >= 1e6 || dec > 6)
		snprintf(buf, len, "%.3g", v);
	else
		snprintf(buf, len, "%.*f", dec, v);
}

static int dot_x(const plot *P, double v)
{
	int d = (int)lround((v - P->x0) / (P->x1 - P->x0) *
	                    (P->pw * P->sx - 1));

	return d < 0 ? 0 : d >= P->pw * P->sx ? P->pw * P->sx - 1 : d;
}

static int dot_y(const plot *P, double v)
{
	int n = P->ph * P->sy;
	int d = (int)lround((v - P->y0) / (P->y1 - P->y0) * (n - 1));

	d = d < 0 ? 0 : d >= n ? n - 1 : d;
	return n - 1 - d;
}

static void dot(const plot *P, int dx, int dy, int color, char sym)
{
	static const uint8_t bit[4][2] = {
		{ 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 },
	};
	cv_cell *cell = cv_at(P->c, P->px + dx / P->sx, P->py + dy / P->sy);

	if (!cell)
		return;
	if (P->braille) {
		uint32_t old = cell->ch >= BRAILLE && cell->ch <= BRAILLE + 0xff
		               ? cell->ch : BRAILLE;

		cell->ch = old | bit[dy % 4][dx % 2];
	} else {
		cell->ch = (uint32_t)sym;
	}
	cell->fg = (uint8_t)color;
	cell->bold = 0;
}

static void line(const plot *P, int ax, int ay, int bx, int by, int color,
                 char sym)
{
	int dx = bx > ax ? bx - ax : ax - bx, sx = ax < bx ? 1 : -1;
	int dy = by > ay ? ay - by : by - ay, sy = ay < by ? 1 : -1;
	int err = dx + dy;

	for (;;) {
		int e2 = 2 * err;

		dot(P, ax, ay, color, sym);
		if (ax == bx && ay == by)
			break;
		if (e2 >= dy) {
			err += dy;
			ax += sx;
		}
		if (e2 <= dx) {
			err += dx;
			ay += sy;
		}
	}
}

static void draw_series(const plot *P, const rc_series *s, char sym)
{
	int have = 0, lx = 0, ly = 0;

	for (size_t i = 0; i < s->n; i++) {
		int dx, dy;

		if (!isfinite(s->y[i]) || !isfinite(s->x[i])) {
			have = 0;
			continue;
		}
		dx = dot_x(P, s->x[i]);
		dy = dot_y(P, s->y[i]);
		if (have && !s->points)
			line(P, lx, ly, dx, dy, s->color, sym);
		else
			dot(P, dx, dy, s->color, sym);
		lx = dx;
		ly = dy;
		have = 1;
	}
}

/* The range of the finite values of every series; 0 when there are
 * none. */
static int ranges(const rc_chart *ch, double *x0, double *x1, double *y0,
                  double *y1)
{
	int any = 0;

	*x0 = *y0 = INFINITY;
	*x1 = *y1 = -INFINITY;
	for (int k = 0; k < ch->ns; k++)
		for (size_t i = 0; i < ch->s[k].n; i++) {
			double x = ch->s[k].x[i], y = ch->s[k].y[i];

			if (!isfinite(x) || !isfinite(y))
				continue;
			*x0 = x < *x0 ? x : *x0;
			*x1 = x > *x1 ? x : *x1;
			*y0 = y < *y0 ? y : *y0;
			*y1 = y > *y1 ? y : *y1;
			any = 1;
		}
	return any;
}

static void legend(cv_canvas *c, int x, int y, int w, const rc_chart *ch,
                   int braille)
{
	static const char syms[] = "*o+x#";
	int tl = ch->title ? cv_width(ch->title) + 2 : 0, total = 0, at;

	for (int k = 0; k < ch->ns; k++)
		total += 3 + cv_width(ch->s[k].name);
	at = x + w - total;
	if (at < x + tl)
		at = x + tl;
	for (int k = 0; k < ch->ns && at < x + w; k++) {
		char sym[8] = { syms[k % 5], '\0' };

		if (braille)
			strcpy(sym, "\u2501");
		cv_text(c, at, y, sym, ch->s[k].color, 1);
		cv_textn(c, at + 2, y, x + w - at - 2, ch->s[k].name,
		          CV_DEFAULT, 0);
		at += 3 + cv_width(ch->s[k].name);
	}
}

/* Vertical marks, each labelled at the top right of its line (or left
 * of it near the right edge) where the label does not overlap another.
 * All lines come first, so a mark a column or two later never cuts
 * through the label of an earlier one. */
static void marks(const plot *P, const rc_chart *ch, int uni)
{
	int free_from = P->px;

	for (int m = 0; m < ch->nmarks; m++) {
		const rc_mark *k = &ch->marks[m];
		int cx;

		if (!(k->x >= P->x0 && k->x <= P->x1))
			continue;
		cx = P->px + dot_x(P, k->x) / P->sx;
		for (int r = 0; r < P->ph; r++)
			cv_put(P->c, cx, P->py + r, uni ? 0x250a : ':',
			       CV_MAGENTA, CV_DEFAULT, 0);
	}
	for (int m = 0; m < ch->nmarks; m++) {
		const rc_mark *k = &ch->marks[m];
		int cx, len, at;

		if (!(k->x >= P->x0 && k->x <= P->x1) || !k->label)
			continue;
		cx = P->px + dot_x(P, k->x) / P->sx;
		len = cv_width(k->label);
		at = cx + 1 + len <= P->px + P->pw ? cx + 1 : cx - len;
		if (at >= free_from) {
			cv_text(P->c, at, P->py, k->label, CV_MAGENTA, 0);
			free_from = at + len + 1;
		}
	}
}

/* The y axis at column ax, its ticks and their labels left of it. */
static void y_axis(const plot *P, int ax, double step, int uni)
{
	int last = -1;

	for (int r = 0; r < P->ph; r++)
		cv_put(P->c, ax, P->py + r, uni ? 0x2502 : '|', CV_DEFAULT,
		       CV_DEFAULT, 0);
	for (double v = P->y0; v <= P->y1 + step / 2; v += step) {
		int row = P->py + dot_y(P, v) / P->sy;
		char buf[32];

		if (row == last)
			continue;
		tick_label(buf, sizeof buf, v, step);
		cv_text(P->c, ax - (int)strlen(buf), row, buf, CV_DEFAULT, 0);
		cv_put(P->c, ax, row, uni ? 0x2524 : '+', CV_DEFAULT,
		       CV_DEFAULT, 0);
		last = row;
	}
}

static void x_axis(const plot *P, int x, int w, int ay, const char *xlabel,
                   int uni)
{
	double step = nice_step(P->x1 - P->x0, P->pw / 12);
	int free_from = x, end = x + w;

	if (xlabel && cv_width(xlabel) + 4 < w) {
		/* the axis's name at the right end, ticks' labels left of it */
		end -= cv_width(xlabel) + 1;
		cv_text(P->c, end + 1, ay + 1, xlabel, CV_BRIGHT_BLACK, 0);
	}
	cv_put(P->c, P->px - 1, ay, uni ? 0x2514 : '+', CV_DEFAULT,
	       CV_DEFAULT, 0);
	for (int k = 0; k < P->pw; k++)
		cv_put(P->c, P->px + k, ay, uni ? 0x2500 : '-', CV_DEFAULT,
		       CV_DEFAULT, 0);
	for (double v = ceil(P->x0 / step - 1e-9) * step;
	     v <= P->x1 + step * 1e-9; v += step) {
		int col = P->px + dot_x(P, v) / P->sx;
		char buf[32];
		int len, at;

		tick_label(buf, sizeof buf, v, step);
		len = (int)strlen(buf);
		at = col - len / 2;
		at = at + len > end ? end - len : at;
		cv_put(P->c, col, ay, uni ? 0x2534 : '+', CV_DEFAULT,
		       CV_DEFAULT, 0);
		if (at < free_from || at + len > end)
			continue;
		cv_text(P->c, at, ay + 1, buf, CV_DEFAULT, 0);
		free_from = at + len + 1;
	}
}

int rc_draw(cv_canvas *c, int x, int y, int w, int h, const rc_chart *ch)
{
	static const char syms[] = "*o+x#";
	int uni = c->mode & CV_UNICODE, lw = 0;
	double step;
	plot P = { 0 };
	char buf[32];

	if (w < RC_MIN_W || h < RC_MIN_H) {
		cv_textn(c, x, y, w, "(too small for a chart)", CV_DEFAULT,
		          0);
		return -1;
	}
	P.braille = uni && (c->mode & CV_COLOR);
	if (ch->title)
		cv_textn(c, x, y, w, ch->title, CV_DEFAULT, 1);
	if (!ranges(ch, &P.x0, &P.x1, &P.y0, &P.y1)) {
		cv_textn(c, x + 2, y + h / 2, w - 2, "no points yet",
		          CV_BRIGHT_BLACK, 0);
		return -1;
	}
	legend(c, x, y, w, ch, P.braille);
	if (P.x1 == P.x0) {
		P.x0 -= 0.5;
		P.x1 += 0.5;
	}
	if (P.y1 == P.y0) {
		double d = fabs(P.y0) * 0.1 > 0.05 ? fabs(P.y0) * 0.1 : 0.05;

		P.y0 -= d;
		P.y1 += d;
	}
	P.ph = h - 3;
	step = nice_step(P.y1 - P.y0, P.ph / 2 > 5 ? 5 : P.ph / 2);
	P.y0 = floor(P.y0 / step + 1e-9) * step;
	P.y1 = ceil(P.y1 / step - 1e-9) * step;
	if (ch->unit) {
		P.y0 = P.y0 < 0 ? 0 : P.y0;
		P.y1 = P.y1 > 1 ? 1 : P.y1;
	}
	for (double v = P.y0; v <= P.y1 + step / 2; v += step) {
		tick_label(buf, sizeof buf, v, step);
		lw = (int)strlen(buf) > lw ? (int)strlen(buf) : lw;
	}
	P.c = c;
	P.px = x + lw + 1;
	P.py = y + 1;
	P.pw = w - lw - 1;
	P.sx = P.braille ? 2 : 1;
	P.sy = P.braille ? 4 : 1;
	y_axis(&P, P.px - 1, step, uni);
	x_axis(&P, x, w, P.py + P.ph, ch->xlabel, uni);
	marks(&P, ch, uni);
	for (int k = 0; k < ch->ns; k++)
		draw_series(&P, &ch->s[k], syms[k % 5]);
	return 0;
}

void rc_smooth(const double *y, size_t n, double a, double *out)
{
	double m = 0, wsum = 0;

	for (size_t i = 0; i < n; i++) {
		double v = y[i];

		if (!isfinite(v)) {
			out[i] = v;
			continue;
		}
		m = a * m + (1 - a) * v;
		wsum = a * wsum + (1 - a);
		out[i] = m / wsum;
	}
}
