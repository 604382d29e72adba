/* render_data.c - datasets drawn into a canvas: a grid of sample images
 * with captions, and scatter plots of 2-D data with axes and a legend.
 * Pure functions of the data and the mode; `show` prints the result. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render_data.h"

int rd_is_image(const nn_dataset *d, int *w, int *h)
{
	const nn_shape *s = &d->xshape;

	if (s->ndim == 3 && s->dim[0] <= 4) {
		*h = s->dim[1];
		*w = s->dim[2];
		return 1;
	}
	if (s->ndim == 2) {
		*h = s->dim[0];
		*w = s->dim[1];
		return 1;
	}
	return 0;
}

void rd_sample_pixels(const nn_dataset *d, size_t i, float lo, float hi,
                      uint8_t *out)
{
	int w, h;
	size_t plane, ch;

	if (!rd_is_image(d, &w, &h))
		return;
	plane = (size_t)w * (size_t)h;
	ch = d->xsize / plane;
	for (size_t k = 0; k < plane; k++) {
		double sum = 0;

		for (size_t c = 0; c < ch; c++) {
			size_t j = c * plane + k;

			if (d->xbytes)
				sum += d->xbytes[i * d->xsize + j];
			else if (hi > lo)
				sum += (nn_dataset_x(d, i, j) - lo) /
				       (hi - lo) * 255.0;
		}
		sum /= (double)ch;
		out[k] = (uint8_t)(sum < 0 ? 0 : sum > 255 ? 255 :
		                   lround(sum));
	}
}

/* "12: 7" or "12: 9 Ankle boot". */
static void caption(const nn_dataset *d, size_t i, char *buf, size_t len)
{
	int c = nn_dataset_label(d, i);

	if (c < 0)
		snprintf(buf, len, "%zu", i);
	else if (d->class_names)
		snprintf(buf, len, "%zu: %d %s", i, c, d->class_names[c]);
	else
		snprintf(buf, len, "%zu: %d", i, c);
}

cv_canvas *rd_images(const nn_dataset *d, size_t from, size_t to, int width,
                     int mode)
{
	int w, h, cw, ch, cols, rows, bw;
	size_t count = to > from ? to - from : 0;
	float lo = 0, hi = 1;
	uint8_t *px;
	cv_canvas *c;

	if (!rd_is_image(d, &w, &h) || count == 0 || to > d->n)
		return NULL;
	if (!d->xbytes) {
		nn_data_stats st;

		if (nn_dataset_stats(d, &st) < 0)
			return NULL;
		free(st.counts);
		lo = (float)st.xmin;
		hi = (float)st.xmax;
	}
	cv_image_size(mode, w, h, &cw, &ch);
	bw = cw < 8 ? 8 : cw;                   /* room for the caption */
	cols = (width + 2) / (bw + 2);
	cols = cols < 1 ? 1 : (size_t)cols > count ? (int)count : cols;
	rows = (int)((count + (size_t)cols - 1) / (size_t)cols);
	c = cv_new(cols * (bw + 2) - 2, rows * (ch + 2) - 1, mode);
	px = malloc((size_t)w * (size_t)h);
	if (!c || !px) {
		cv_free(c);
		free(px);
		return NULL;
	}
	for (size_t k = 0; k < count; k++) {
		int x = (int)(k % (size_t)cols) * (bw + 2);
		int y = (int)(k / (size_t)cols) * (ch + 2);
		char cap[128];
		int len;

		rd_sample_pixels(d, from + k, lo, hi, px);
		cv_image(c, x, y, px, w, h);
		caption(d, from + k, cap, sizeof cap);
		len = (int)strlen(cap);
		if (len > bw)
			cap[bw] = '\0';
		cv_text(c, x, y + ch, cap, CV_DEFAULT, 0);
	}
	free(px);
	return c;
}

/* Draw the frame around the plot area (x, y, w, h are the inside). */
static void frame(cv_canvas *c, int x, int y, int w, int h)
{
	int u = c->mode & CV_UNICODE;
	uint32_t hz = u ? 0x2500 : '-', vt = u ? 0x2502 : '|';

	for (int k = 0; k < w; k++) {
		cv_put(c, x + k, y - 1, hz, CV_DEFAULT, CV_DEFAULT, 0);
		cv_put(c, x + k, y + h, hz, CV_DEFAULT, CV_DEFAULT, 0);
	}
	for (int k = 0; k < h; k++) {
		cv_put(c, x - 1, y + k, vt, CV_DEFAULT, CV_DEFAULT, 0);
		cv_put(c, x + w, y + k, vt, CV_DEFAULT, CV_DEFAULT, 0);
	}
	cv_put(c, x - 1, y - 1, u ? 0x250c : '+', 0, 0, 0);
	cv_put(c, x + w, y - 1, u ? 0x2510 : '+', 0, 0, 0);
	cv_put(c, x - 1, y + h, u ? 0x2514 : '+', 0, 0, 0);
	cv_put(c, x + w, y + h, u ? 0x2518 : '+', 0, 0, 0);
}

/* Smallest and largest finite value of v[0..n), widened when equal. */
static void range(const float *v, size_t n, float *lo, float *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i])) {
			*lo = v[i] < *lo ? v[i] : *lo;
			*hi = v[i] > *hi ? v[i] : *hi;
		}
	if (!(*lo <= *hi)) {
		*lo = 0;
		*hi = 1;
	} else if (*lo == *hi) {
		*lo -= 0.5f;
		*hi += 0.5f;
	}
}

/* The legend: one entry per class with its symbol, name and count, on
 * as many rows of width w as it takes from row y. Draws on c, or only
 * counts when c is NULL; returns the rows used. */
static int legend(cv_canvas *c, const nn_dataset *d, const int *cls, int w,
                  int y)
{
	int x = 0, rows = 1;

	for (int k = 0; k < d->nclasses; k++) {
		char text[96], num[24];
		size_t count = 0;
		int len;

		for (size_t i = 0; i < d->n; i++)
			count += cls[i] == k;
		snprintf(num, sizeof num, "class %d", k);
		len = snprintf(text, sizeof text, "%s (%zu)", d->class_names
		               ? d->class_names[k] : num, count);
		if (x + 2 + len > w && k > 0) {
			x = 0;
			rows++;
		}
		if (c) {
			int fg = c->mode & CV_COLOR ? cv_class_color(k)
			                            : CV_DEFAULT;
			uint32_t sym = c->mode & CV_COLOR ? 0x25cf
			               : (uint32_t)cv_class_symbol(k);

			cv_put(c, x, y + rows - 1, sym, fg, CV_DEFAULT, 0);
			cv_text(c, x + 2, y + rows - 1, text, CV_DEFAULT, 0);
		}
		x += 2 + len + 2;
	}
	return rows;
}

/* A 1-D function: one input, one float target. */
static int is_function(const nn_dataset *d)
{
	return d->xsize == 1 && d->ysize == 1 && d->y && !d->labels;
}

int rd_can_scatter(const nn_dataset *d)
{
	return d->n > 0 && (d->xsize == 2 || is_function(d));
}

cv_canvas *rd_scatter(const nn_dataset *d, int w, int h, int mode)
{
	int fn = is_function(d);
	int lw, pw, ph, px0, k = d->nclasses;
	float *xs, *ys, x0, x1, y0, y1;
	int *cls;
	char top[32], bot[32], left[32], right[32];
	cv_canvas *c = NULL;

	if (!rd_can_scatter(d) || w < 24 || h < 8)
		return NULL;
	xs = malloc(d->n * sizeof *xs);
	ys = malloc(d->n * sizeof *ys);
	cls = malloc(d->n * sizeof *cls);
	if (!xs || !ys || !cls)
		goto out;
	for (size_t i = 0; i < d->n; i++) {
		xs[i] = nn_dataset_x(d, i, 0);
		ys[i] = fn ? d->y[i] : nn_dataset_x(d, i, 1);
		cls[i] = k > 0 ? nn_dataset_label(d, i) : 0;
	}
	range(xs, d->n, &x0, &x1);
	range(ys, d->n, &y0, &y1);
	snprintf(top, sizeof top, "%.3g", y1);
	snprintf(bot, sizeof bot, "%.3g", y0);
	snprintf(left, sizeof left, "%.3g", x0);
	snprintf(right, sizeof right, "%.3g", x1);
	lw = (int)(strlen(top) > strlen(bot) ? strlen(top) : strlen(bot));
	px0 = lw + 2;
	pw = w - px0 - 1;
	ph = h - 3 - (k > 0 ? legend(NULL, d, cls, w, 0) : 0);
	if (!(c = cv_new(w, h, mode)))
		goto out;
	frame(c, px0, 1, pw, ph);
	cv_text(c, lw - (int)strlen(top), 1, top, CV_DEFAULT, 0);
	cv_text(c, lw - (int)strlen(bot), ph, bot, CV_DEFAULT, 0);
	cv_text(c, px0, ph + 2, left, CV_DEFAULT, 0);
	cv_text(c, px0 + pw - (int)strlen(right), ph + 2, right,
	        CV_DEFAULT, 0);
	cv_scatter(c, px0, 1, pw, ph, xs, ys, k > 0 ? cls : NULL, d->n, x0,
	           x1, y0, y1);
	if (k > 0)
		legend(c, d, cls, w, ph + 3);
out:
	free(xs);
	free(ys);
	free(cls);
	return c;
}
