/* render_views.c - the panel's views: computing a snapshot from a model
 * (forward passes on a few samples) and drawing it into a canvas area.
 * The statistics lines and probability bars are those of the `stats` and
 * `probs` commands (render_inspect.c), captured as text. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_curves.h"
#include "render_data.h"
#include "render_inspect.h"
#include "render_views.h"

#define SAMPLE_MAX 512          /* digits and tables show at most these */
#define CHUNK 256               /* samples per forward pass */
#define POINTS_MAX 5000         /* data points drawn on a boundary */

const char *const vw_names[VW_COUNT] = {
	"digits", "confusion", "boundary", "stats", "probs",
};

int vw_parse(const char *name)
{
	size_t len = strlen(name);
	int found = -1;

	for (int k = 0; len && k < VW_COUNT; k++) {
		if (strcmp(vw_names[k], name) == 0)
			return k;
		if (strncmp(vw_names[k], name, len) == 0) {
			if (found >= 0)
				return -1;
			found = k;
		}
	}
	return found;
}

/* ---- helpers ------------------------------------------------------------ */

static void textf(cv_canvas *c, int x, int y, int maxw, int fg, int bold,
                  const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void textf(cv_canvas *c, int x, int y, int maxw, int fg, int bold,
                  const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cv_textn(c, x, y, maxw, buf, fg, bold);
}

static int note(vw_view *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int note(vw_view *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->note, sizeof v->note, fmt, ap);
	va_end(ap);
	return -1;
}

/* The class count of a labelled set (2 for a 0/1 target), else 0. */
static int classes_of(const nn_dataset *d)
{
	return d->nclasses > 1 ? d->nclasses : d->nclasses == 1 ? 2 : 0;
}

static void class_name(const nn_dataset *d, int k, char *buf, size_t len)
{
	if (d->class_names && k >= 0 && k < d->nclasses)
		snprintf(buf, len, "%s", d->class_names[k]);
	else
		snprintf(buf, len, "%d", k);
}

/* The prediction of one output row, as nn_predict makes it. */
static int pred_of(const float *o, size_t w)
{
	size_t best = 0;

	if (w == 1)
		return o[0] >= 0.5f;
	for (size_t j = 1; j < w; j++)
		if (o[j] > o[best])
			best = j;
	return (int)best;
}

static size_t out_width(const nn_model *m)
{
	return nn_shape_size(nn_model_output_shape(m));
}

/* Outputs of m (dropout off) for n inputs x of xs floats each, into out
 * (n * outw floats). */
static int forward_rows(nn_model *m, const float *x, size_t n, size_t xs,
                        float *out)
{
	size_t w = out_width(m);

	for (size_t start = 0; start < n; start += CHUNK) {
		size_t cnt = n - start < CHUNK ? n - start : CHUNK;
		const float *o = nn_model_forward(m, x + start * xs, cnt, 0,
		                                  NULL);

		if (!o)
			return -1;
		memcpy(out + start * w, o, cnt * w * sizeof *out);
	}
	return 0;
}

/* Outputs of m for the samples idx[0..n) of d. */
static int outputs(nn_model *m, const nn_dataset *d, const size_t *idx,
                   size_t n, float *out)
{
	float *x = malloc((n ? n : 1) * d->xsize * sizeof *x);
	int rc;

	if (!x)
		return nn_fail("out of memory");
	nn_dataset_gather(d, idx, n, x, NULL);
	rc = forward_rows(m, x, n, d->xsize, out);
	free(x);
	return rc;
}

static int fits(vw_view *v, const nn_model *m)
{
	if (nn_model_layers(m) == 0)
		return note(v, "the model has no layers");
	if (v->d->xsize != nn_shape_size(nn_model_input_shape(m)))
		return note(v, "%s does not fit the model (%zu inputs, the "
		            "model takes %zu)", v->what, v->d->xsize,
		            nn_shape_size(nn_model_input_shape(m)));
	return 0;
}

/* Average fx x fy blocks of a w x h image. */
static void shrink(const uint8_t *in, int w, int h, int fx, int fy,
                   uint8_t *out)
{
	int ow = w / fx, oh = h / fy;

	for (int y = 0; y < oh; y++)
		for (int x = 0; x < ow; x++) {
			int sum = 0;

			for (int j = 0; j < fy; j++)
				for (int i = 0; i < fx; i++)
					sum += in[(y * fy + j) * w +
					          x * fx + i];
			out[y * ow + x] = (uint8_t)((sum + fx * fy / 2) /
			                            (fx * fy));
		}
}

/* The cells an image of w x h pixels takes when shrunk by fx x fy. */
static void image_cells(int mode, int w, int h, int fx, int fy, int *cw,
                        int *ch)
{
	cv_image_size(mode, w / fx, h / fy, cw, ch);
}

/* Draw sample i of the image set v->d shrunk by fx (and by fy rows,
 * doubled without colour: a cell is about twice as tall as wide). */
static void draw_image(const vw_view *v, cv_canvas *c, int x, int y,
                       size_t i, int fx, int fy)
{
	int w, h;
	uint8_t *px, *small;

	rd_is_image(v->d, &w, &h);
	px = malloc((size_t)w * (size_t)h);
	small = malloc((size_t)w * (size_t)h);
	if (px && small) {
		rd_sample_pixels(v->d, i, 0, 1, px);
		shrink(px, w, h, fx, fy, small);
		cv_image(c, x, y, small, w / fx, h / fy);
	}
	free(px);
	free(small);
}

/* The vertical factor that keeps an image's shape: 1 with half-blocks
 * (two pixels per cell), else 2 (a pixel per cell, rows averaged). */
static int row_factor(int mode)
{
	return mode & CV_COLOR ? 1 : 2;
}

/* ---- life cycle --------------------------------------------------------- */

void vw_init(vw_view *v, vw_kind k, const nn_dataset *d, const char *what,
             int mode)
{
	size_t n = d ? d->n : 0, *all;
	nn_rng r;

	memset(v, 0, sizeof *v);
	v->kind = k;
	v->mode = mode;
	v->d = d;
	snprintf(v->what, sizeof v->what, "%s", what);
	/* a fixed random sample, the same at every update and run */
	v->nsample = n < SAMPLE_MAX ? n : SAMPLE_MAX;
	v->sample = malloc((v->nsample ? v->nsample : 1) * sizeof *v->sample);
	all = malloc((n ? n : 1) * sizeof *all);
	if (!v->sample || !all) {
		v->nsample = 0;
		free(all);
		return;
	}
	for (size_t i = 0; i < n; i++)
		all[i] = i;
	nn_rng_seed(&r, 0x5eed);
	for (size_t i = 0; i < v->nsample; i++) {
		size_t j = i + nn_rng_below(&r, (uint32_t)(n - i)), t = all[i];

		all[i] = all[j];
		all[j] = t;
	}
	memcpy(v->sample, all, v->nsample * sizeof *all);
	free(all);
}

void vw_free(vw_view *v)
{
	free(v->sample);
	free(v->pred);
	free(v->out);
	free(v->counts);
	free(v->grid);
	free(v->rows);
	free(v->probs);
	memset(v, 0, sizeof *v);
}

/* ---- digits ------------------------------------------------------------- */

typedef struct tiles {
	int image;              /* images, else a table */
	int fx, fy;             /* shrink factors */
	int tw, th;             /* a tile's cells, caption included */
	int cols, rows;
} tiles;

/* How many samples a w x h area shows, and how. Images are drawn full
 * size when at least six fit, else at half size. */
static size_t digits_layout(const vw_view *v, int w, int h, tiles *T)
{
	int pw, ph;
	size_t n;

	memset(T, 0, sizeof *T);
	if (!rd_is_image(v->d, &pw, &ph)) {
		T->rows = h - 2;
		T->cols = 1;
	} else {
		T->image = 1;
		for (int half = 0; half < 2; half++) {
			int cw, ch;

			T->fx = half ? 2 : 1;
			T->fy = T->fx * row_factor(v->mode);
			image_cells(v->mode, pw, ph, T->fx, T->fy, &cw, &ch);
			T->tw = cw < 5 ? 5 : cw;
			T->th = ch + 1;
			T->cols = (w + 1) / (T->tw + 1);
			T->rows = (h - 1) / T->th;
			if (T->cols * T->rows >= 6)
				break;
		}
	}
	if (T->rows <= 0 || T->cols <= 0)
		return 0;
	n = (size_t)T->rows * (size_t)T->cols;
	return n < v->nsample ? n : v->nsample;
}

static int update_digits(vw_view *v, nn_model *m, int w, int h)
{
	tiles T;
	size_t n = digits_layout(v, w, h, &T), ow = out_width(m);

	if (n == 0)
		return note(v, "the view is too small for %s",
		            T.image ? "an image" : "a table");
	if (!v->pred || v->outw != ow) {
		free(v->pred);
		free(v->out);
		v->outw = ow;
		v->pred = malloc(v->nsample * sizeof *v->pred);
		v->out = malloc(v->nsample * ow * sizeof *v->out);
		if (!v->pred || !v->out)
			return note(v, "out of memory");
	}
	if (outputs(m, v->d, v->sample, n, v->out) < 0)
		return note(v, "%s", nn_error());
	for (size_t i = 0; i < n; i++)
		v->pred[i] = pred_of(v->out + i * ow, ow);
	v->npred = n;
	return 0;
}

/* Right predictions among the shown ones; -1 when there are no labels. */
static long right_count(const vw_view *v)
{
	long right = 0;

	if (v->npred == 0 || nn_dataset_label(v->d, v->sample[0]) < 0)
		return -1;
	for (size_t i = 0; i < v->npred; i++)
		right += nn_dataset_label(v->d, v->sample[i]) == v->pred[i];
	return right;
}

/* A few numbers of v joined by blanks, "..." after max of them. */
static void numbers(char *buf, size_t len, const float *v, size_t n,
                    size_t max)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && i < max && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%.3g",
		                         i ? " " : "", v[i]);
	if (n > max && used < len)
		snprintf(buf + used, len - used, " ...");
}

static void draw_table(const vw_view *v, cv_canvas *c, int x, int y, int w,
                       int h)
{
	int color = v->mode & CV_COLOR;

	textf(c, x, y + 1, w, CV_BRIGHT_BLACK, 0, "%6s  %-24s %-12s %s",
	      "sample", "inputs", "target", "output");
	for (size_t i = 0; i < v->npred && (int)i < h - 2; i++) {
		size_t s = v->sample[i];
		int t = nn_dataset_label(v->d, s);
		int wrong = t >= 0 && t != v->pred[i];
		char in[64], tg[32], out[64];
		float xs[5];

		for (size_t j = 0; j < v->d->xsize && j < 5; j++)
			xs[j] = nn_dataset_x(v->d, s, j);
		numbers(in, sizeof in, xs, v->d->xsize, 4);
		if (t >= 0)
			snprintf(tg, sizeof tg, "%d", t);
		else if (v->d->y)
			numbers(tg, sizeof tg, v->d->y + s * v->d->ysize,
			        v->d->ysize, 2);
		else
			snprintf(tg, sizeof tg, "-");
		numbers(out, sizeof out, v->out + i * v->outw, v->outw, 3);
		textf(c, x, y + 2 + (int)i, w,
		      wrong && color ? CV_BRIGHT_RED : CV_DEFAULT, wrong,
		      "%6zu  %-24s %-12s %s%s", s, in, tg, out,
		      t < 0 ? "" : wrong ? (color ? "  wrong" : "  ! wrong")
		                         : "  ok");
	}
}

static void draw_digits(const vw_view *v, cv_canvas *c, int x, int y, int w,
                        int h)
{
	tiles T;
	size_t n = digits_layout(v, w, h, &T);
	long right = right_count(v);

	if (n > v->npred)
		n = v->npred;
	if (right >= 0)
		textf(c, x, y, w, CV_DEFAULT, 1, "predictions for %zu samples "
		      "of %s: %ld right (%.1f%%)", v->npred, v->what, right,
		      100.0 * right / (double)v->npred);
	else
		textf(c, x, y, w, CV_DEFAULT, 1, "predictions for %zu samples "
		      "of %s", v->npred, v->what);
	if (!T.image) {
		draw_table(v, c, x, y, w, h);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int tx = x + (int)(i % (size_t)T.cols) * (T.tw + 1);
		int ty = y + 1 + (int)(i / (size_t)T.cols) * T.th;
		int t = nn_dataset_label(v->d, v->sample[i]);
		int wrong = t >= 0 && t != v->pred[i];
		char cap[32];

		draw_image(v, c, tx, ty, v->sample[i], T.fx, T.fy);
		class_name(v->d, v->pred[i], cap, sizeof cap);
		if (wrong && !(v->mode & CV_COLOR))
			strcat(cap, "!");
		cv_textn(c, tx, ty + T.th - 1, T.tw, cap,
		         wrong && (v->mode & CV_COLOR) ? CV_BRIGHT_RED
		                                        : CV_DEFAULT, wrong);
	}
}

/* ---- confusion ---------------------------------------------------------- */

static int update_confusion(vw_view *v, nn_model *m)
{
	const nn_dataset *d = v->d;
	int k = classes_of(d), *pred;
	size_t *idx;

	if (k == 0 || d->n == 0 || nn_dataset_label(d, 0) < 0)
		return note(v, "%s has no class labels", v->what);
	idx = malloc(d->n * sizeof *idx);
	pred = malloc(d->n * sizeof *pred);
	if (!v->counts || v->k != k) {
		free(v->counts);
		v->counts = calloc((size_t)k * (size_t)k, sizeof *v->counts);
		v->k = k;
	}
	if (!idx || !pred || !v->counts) {
		free(idx);
		free(pred);
		return note(v, "out of memory");
	}
	for (size_t i = 0; i < d->n; i++)
		idx[i] = i;
	if (nn_predict(m, d, idx, d->n, pred) < 0) {
		free(idx);
		free(pred);
		return note(v, "%s", nn_error());
	}
	memset(v->counts, 0, (size_t)k * (size_t)k * sizeof *v->counts);
	for (size_t i = 0; i < d->n; i++) {
		int t = nn_dataset_label(d, i);

		if (t >= 0 && t < k && pred[i] >= 0 && pred[i] < k)
			v->counts[t * k + pred[i]]++;
	}
	free(idx);
	free(pred);
	return 0;
}

static void draw_confusion(const vw_view *v, cv_canvas *c, int x, int y,
                           int w, int h)
{
	int k = v->k, cw, lw = 5, matrix, color = v->mode & CV_COLOR, ax;
	size_t max = 0, right = 0, total = 0;
	char buf[64];

	for (int i = 0; i < k * k; i++)
		max = v->counts[i] > max ? v->counts[i] : max;
	cw = snprintf(buf, sizeof buf, "%zu", max) + 1;
	cw = cw < 4 ? 4 : cw;
	for (int t = 0; t < k; t++) {
		class_name(v->d, t, buf, sizeof buf);
		lw = (int)strlen(buf) > lw ? (int)strlen(buf) : lw;
	}
	lw = lw > 14 ? 14 : lw;
	matrix = lw + 1 + k * cw + 20 <= w;
	ax = x + lw + 1 + (matrix ? k * cw : 0) + 2;
	textf(c, x, y, w, CV_DEFAULT, 1, "confusion on %s (rows: true class, "
	      "columns: predicted)", v->what);
	textf(c, x, y + 1, w, CV_BRIGHT_BLACK, 0, "%-*s", lw, "true");
	for (int p = 0; matrix && p < k; p++)
		textf(c, x + lw + 1 + p * cw, y + 1, cw, CV_BRIGHT_BLACK, 0,
		      "%*d", cw, p);
	textf(c, ax, y + 1, x + w - ax, CV_BRIGHT_BLACK, 0, "accuracy");
	for (int t = 0; t < k; t++) {
		size_t row = 0, ok = v->counts[t * k + t];
		int ry = y + 2 + t;

		for (int p = 0; p < k; p++)
			row += v->counts[t * k + p];
		right += ok;
		total += row;
		if (ry >= y + h - 1)
			continue;
		class_name(v->d, t, buf, sizeof buf);
		cv_textn(c, x, ry, lw, buf, CV_DEFAULT, 0);
		for (int p = 0; matrix && p < k; p++) {
			size_t n = v->counts[t * k + p];
			int fg = !color || n == 0 ? CV_BRIGHT_BLACK
			         : p == t ? CV_BRIGHT_GREEN : CV_BRIGHT_RED;

			textf(c, x + lw + 1 + p * cw, ry, cw, fg, p == t && n,
			      "%*zu", cw, n);
		}
		if (row)
			textf(c, ax, ry, x + w - ax, CV_DEFAULT, 0,
			      "%.4f (%zu/%zu)", (double)ok / row, ok, row);
		else
			textf(c, ax, ry, x + w - ax, CV_DEFAULT, 0, "-");
	}
	if (total && k + 2 < h)
		textf(c, x, y + 2 + k, w, CV_DEFAULT, 1, "overall accuracy "
		      "%.4f (%zu/%zu)", (double)right / total, right, total);
	else if (total)
		textf(c, x, y + h - 1, w, CV_BRIGHT_BLACK, 0, "(%d classes; "
		      "overall %.4f)", k, (double)right / total);
}

/* ---- boundary ----------------------------------------------------------- */

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
	v->x0 = lo[0];
	v->x1 = hi[0];
	v->y0 = lo[1];
	v->y1 = hi[1];
}

static int update_boundary(vw_view *v, nn_model *m, int w, int h)
{
	size_t ow = out_width(m), n;
	int gw, gh;
	float *x, *out, lo, hi;

	if (v->d->xsize != 2 && !(v->d->xsize == 1 && ow == 1))
		return note(v, "a boundary needs 2 inputs (or 1 input and 1 "
		            "output); %s has %zu inputs", v->what,
		            v->d->xsize);
	plane_size(w, h, &gw, &gh);
	if (gw < 10 || gh < 4)
		return note(v, "the view is too small for the plane");
	if (!v->ready)
		data_range(v);
	if (function_plot(v))
		gh = 1;
	n = (size_t)gw * (size_t)gh;
	x = malloc(n * 2 * sizeof *x);
	out = malloc(n * ow * sizeof *out);
	free(v->grid);
	v->grid = malloc(n * 2 * sizeof *v->grid);
	if (!x || !out || !v->grid) {
		free(x);
		free(out);
		return note(v, "out of memory");
	}
	for (int r = 0; r < gh; r++)
		for (int k = 0; k < gw; k++) {
			size_t i = (size_t)r * (size_t)gw + (size_t)k;
			float fx = gw > 1 ? (float)k / (float)(gw - 1) : 0.5f;
			float fy = gh > 1 ? 1 - (float)r / (float)(gh - 1) : 0;

			x[i * v->d->xsize] = v->x0 + fx * (v->x1 - v->x0);
			if (v->d->xsize == 2)
				x[i * 2 + 1] = v->y0 + fy * (v->y1 - v->y0);
		}
	if (forward_rows(m, x, n, v->d->xsize, out) < 0) {
		free(x);
		free(out);
		return note(v, "%s", nn_error());
	}
	v->gk = classes_of(v->d) ? (ow > 1 ? (int)ow : 2) : ow > 1 ? (int)ow
	                                                           : 0;
	lo = hi = out[0];
	for (size_t i = 0; i < n; i++) {
		lo = out[i * ow] < lo ? out[i * ow] : lo;
		hi = out[i * ow] > hi ? out[i * ow] : hi;
	}
	for (size_t i = 0; i < n; i++) {
		const float *o = out + i * ow;
		int p = pred_of(o, ow);
		float conf = ow == 1 ? fabsf(o[0] - 0.5f) * 2
		             : (o[p] - 1.0f / ow) / (1 - 1.0f / ow);

		v->grid[2 * i] = v->gk ? (float)p : o[0];
		v->grid[2 * i + 1] = v->gk ? conf
		                     : hi > lo ? (o[0] - lo) / (hi - lo) : 0.5f;
	}
	v->gw = gw;
	v->gh = gh;
	free(x);
	free(out);
	return 0;
}

/* The model's curve over the data, for one input and one output. */
static void draw_function(const vw_view *v, cv_canvas *c, int x, int y,
                          int w, int h)
{
	size_t n = v->d->n < POINTS_MAX ? v->d->n : POINTS_MAX;
	double *dx = malloc((n + 1) * sizeof *dx), *dy = malloc((n + 1) *
	                                                        sizeof *dy);
	double *mx = malloc((size_t)v->gw * sizeof *mx);
	double *my = malloc((size_t)v->gw * sizeof *my);
	rc_series s[2];
	rc_chart ch = { 0 };

	if (dx && dy && mx && my) {
		for (size_t i = 0; i < n; i++) {
			dx[i] = nn_dataset_x(v->d, i, 0);
			dy[i] = v->d->y ? v->d->y[i * v->d->ysize]
			                : nn_dataset_label(v->d, i);
		}
		for (int k = 0; k < v->gw; k++) {
			mx[k] = v->x0 + (v->x1 - v->x0) * k /
			        (v->gw > 1 ? v->gw - 1 : 1);
			my[k] = v->grid[2 * k];
		}
		s[0] = (rc_series){ "data", dx, dy, n, CV_BRIGHT_YELLOW, 1 };
		s[1] = (rc_series){ "model", mx, my, (size_t)v->gw,
		                    CV_BRIGHT_CYAN, 0 };
		ch.title = "the model's output over the data";
		ch.xlabel = "input";
		ch.s = s;
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
	static const char ramp[] = " .:-=+*#%@", sym[] = ".+-~:=^'\"`";
	int uni = v->mode & CV_UNICODE, color = v->mode & CV_COLOR;

	*fg = *bg = CV_DEFAULT;
	if (v->gk == 0) {
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
	int gw, gh, px = x + LMARGIN, color = v->mode & CV_COLOR;
	int uni = v->mode & CV_UNICODE;
	size_t n = v->d->n < POINTS_MAX ? v->d->n : POINTS_MAX;
	char buf[32];

	plane_size(w, h, &gw, &gh);
	if (function_plot(v)) {
		draw_function(v, c, x, y, w, h);
		return;
	}
	if (gw != v->gw || gh != v->gh) {
		textf(c, x, y, w, CV_BRIGHT_BLACK, 0, "(the boundary is "
		      "redrawn at the next evaluation)");
		return;
	}
	textf(c, x, y, w, CV_DEFAULT, 1, "decision boundary on %s (shade: "
	      "%s; marks: the data)", v->what,
	      v->gk ? "predicted class" : "output");
	for (int r = 0; r < gh; r++)
		for (int k = 0; k < gw; k++) {
			size_t i = (size_t)r * (size_t)gw + (size_t)k;
			uint32_t ch;
			int fg, bg;

			region(v, v->grid[2 * i], v->grid[2 * i + 1], &ch, &fg,
			       &bg);
			cv_put(c, px + k, y + 1 + r, ch, fg, bg, 0);
		}
	for (size_t i = 0; i < n; i++) {
		float a = nn_dataset_x(v->d, i, 0);
		float b = nn_dataset_x(v->d, i, 1);
		int k = (int)lroundf((a - v->x0) / (v->x1 - v->x0) * (gw - 1));
		int r = gh - 1 - (int)lroundf((b - v->y0) / (v->y1 - v->y0) *
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
	snprintf(buf, sizeof buf, "%.3g", v->y1);
	cv_textn(c, x, y + 1, LMARGIN - 1, buf, CV_DEFAULT, 0);
	snprintf(buf, sizeof buf, "%.3g", v->y0);
	cv_textn(c, x, y + gh, LMARGIN - 1, buf, CV_DEFAULT, 0);
	snprintf(buf, sizeof buf, "%.3g", v->x0);
	cv_text(c, px, y + gh + 1, buf, CV_DEFAULT, 0);
	snprintf(buf, sizeof buf, "%.3g", v->x1);
	cv_text(c, px + gw - (int)strlen(buf), y + gh + 1, buf, CV_DEFAULT, 0);
}

/* ---- stats -------------------------------------------------------------- */

/* The standard deviation of the finite values of v. */
static double std_of(const float *v, size_t n)
{
	double sum = 0, sq = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i])) {
			sum += v[i];
			k++;
		}
	if (k == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			sq += (v[i] - sum / k) * (v[i] - sum / k);
	return sqrt(sq / k);
}

/* Append a row: a statistics line of v (or a title when v is NULL). */
static int add_row(vw_row **rows, int *n, int uni, const char *label,
                   const float *v, size_t count)
{
	vw_row *r = realloc(*rows, (size_t)(*n + 1) * sizeof **rows);
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!r)
		return -1;
	*rows = r;
	r += (*n)++;
	memset(r, 0, sizeof *r);
	r->header = v == NULL;
	if (!v) {
		snprintf(r->text, sizeof r->text, "%s", label);
		return 0;
	}
	if (!(f = open_memstream(&text, &len)))
		return -1;
	ri_stats_line(f, label, v, count, 12, uni);
	fclose(f);
	snprintf(r->text, sizeof r->text, "%.*s", (int)strcspn(text, "\n"),
	         text);
	free(text);
	r->trend[0] = std_of(v, count);
	r->ntrend = 1;
	return 0;
}

static int update_stats(vw_view *v, nn_model *m, size_t batch)
{
	int uni = v->mode & CV_UNICODE, n = 0, bad = 0;
	vw_row *rows = NULL;

	for (size_t i = 0; !bad && i < nn_model_layers(m); i++) {
		nn_layer_info info;
		char title[96];

		nn_model_layer_info(m, i, &info);
		snprintf(title, sizeof title, "%zu %s", i + 1, info.desc);
		bad |= add_row(&rows, &n, uni, title, NULL, 0) < 0;
		for (int k = 0; !bad && k < info.nparams; k++) {
			nn_param p;

			nn_model_param(m, i, k, &p);
			bad |= add_row(&rows, &n, uni, p.name, p.value,
			               p.size) < 0;
		}
		if (batch == 0)
			continue;
		bad |= add_row(&rows, &n, uni, "out", nn_model_a(m, i),
		               batch * nn_shape_size(&info.out)) < 0;
		for (int k = 0; !bad && k < info.nparams; k++) {
			nn_param p;
			char label[16];

			nn_model_param(m, i, k, &p);
			snprintf(label, sizeof label, "d%s", p.name);
			bad |= add_row(&rows, &n, uni, label, p.grad,
			               p.size) < 0;
		}
	}
	if (bad) {
		free(rows);
		return note(v, "out of memory");
	}
	/* the same rows as before: carry their trends on */
	if (v->rows && v->nrows == n && v->grads == (batch > 0))
		for (int i = 0; i < n; i++) {
			const vw_row *o = &v->rows[i];
			vw_row *r = &rows[i];
			double now = r->trend[0];
			int keep = o->ntrend < VW_TREND ? o->ntrend
			                                : VW_TREND - 1;

			memcpy(r->trend, o->trend + o->ntrend - keep,
			       (size_t)keep * sizeof *r->trend);
			r->trend[keep] = now;
			r->ntrend = keep + 1;
		}
	free(v->rows);
	v->rows = rows;
	v->nrows = n;
	v->grads = batch > 0;
	return 0;
}

static void sparkline(cv_canvas *c, int x, int y, const double *t, int n,
                      int uni)
{
	static const char ramp[] = "_.-=+*#%@";
	double lo = INFINITY, hi = -INFINITY;

	for (int i = 0; i < n; i++)
		if (isfinite(t[i])) {
			lo = t[i] < lo ? t[i] : lo;
			hi = t[i] > hi ? t[i] : hi;
		}
	for (int i = 0; i < n; i++) {
		int k;

		if (!isfinite(t[i]))
			continue;
		k = hi > lo ? (int)((t[i] - lo) / (hi - lo) * 7.99) : 3;
		cv_put(c, x + i, y, uni ? 0x2581 + (uint32_t)k
		                        : (uint32_t)ramp[k], CV_CYAN,
		       CV_DEFAULT, 0);
	}
}

static void draw_stats(const vw_view *v, cv_canvas *c, int x, int y, int w,
                       int h)
{
	int uni = v->mode & CV_UNICODE, tw = 0;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f) {
		ri_stats_header(f);
		fclose(f);
		text[strcspn(text, "\n")] = '\0';
		tw = cv_width(text);
	}
	textf(c, x, y, w, CV_DEFAULT, 1, "per-layer statistics%s",
	      v->grads ? " (out and gradients: the last training batch)"
	               : "");
	if (text)
		cv_textn(c, x, y + 1, w, text, CV_BRIGHT_BLACK, 0);
	if (text && tw + 3 + VW_TREND <= w)
		cv_textn(c, x + tw + 2, y + 1, w, "std over time",
		         CV_BRIGHT_BLACK, 0);
	free(text);
	for (int i = 0; i < v->nrows; i++) {
		const vw_row *r = &v->rows[i];
		int ry = y + 2 + i, more = i + 1 < v->nrows;

		/* keep the last line for saying what does not fit */
		if (ry >= y + h - more) {
			textf(c, x, y + h - 1, w, CV_BRIGHT_BLACK, 0,
			      "... %d more rows (a taller terminal shows "
			      "them)", v->nrows - i);
			break;
		}
		cv_textn(c, x, ry, w, r->text, CV_DEFAULT, r->header);
		if (!r->header && tw + 3 + VW_TREND <= w)
			sparkline(c, x + tw + 2, ry, r->trend, r->ntrend, uni);
	}
}

size_t vw_stats_pass(nn_model *m, nn_loss_kind loss, const nn_dataset *d,
                     size_t n)
{
	size_t w = d->ysize, nl = nn_model_layers(m), *idx;
	float *x, *y, *g;
	const float *out;
	int dz;

	if (n > d->n)
		n = d->n;
	if (n == 0 || nl == 0)
		return nn_fail("no samples or no layers"), 0;
	if (d->xsize != nn_shape_size(nn_model_input_shape(m)) ||
	    w != nn_shape_size(nn_model_output_shape(m)))
		return nn_fail("the data does not fit the model"), 0;
	if (nn_loss_check(loss, nn_model_output_act(m), w) < 0)
		return 0;
	x = malloc(n * d->xsize * sizeof *x);
	y = malloc(n * w * sizeof *y);
	g = malloc(n * w * sizeof *g);
	idx = malloc(n * sizeof *idx);
	if (x && y && g && idx) {
		for (size_t i = 0; i < n; i++)
			idx[i] = i;
		nn_dataset_gather(d, idx, n, x, y);
		if ((out = nn_model_forward(m, x, n, 0, NULL))) {
			nn_loss(loss, nn_model_output_act(m),
			        nn_model_z(m, nl - 1), out, y, n, w, g, &dz);
			nn_model_backward(m, g, dz);
		} else {
			n = 0;
		}
	} else {
		nn_fail("out of memory");
		n = 0;
	}
	free(x);
	free(y);
	free(g);
	free(idx);
	return n;
}

/* ---- probs -------------------------------------------------------------- */

static int update_probs(vw_view *v, nn_model *m)
{
	size_t ow = out_width(m), i = v->has_index ? v->index
	          : v->nsample ? v->sample[0] : 0;
	float *out;

	if (i >= v->d->n)
		return note(v, "%s has no sample %zu", v->what, i);
	out = malloc(ow * sizeof *out);
	free(v->probs);
	v->probs = malloc((ow + 2) * sizeof *v->probs);
	if (!out || !v->probs) {
		free(out);
		return note(v, "out of memory");
	}
	if (outputs(m, v->d, &i, 1, out) < 0) {
		free(out);
		return note(v, "%s", nn_error());
	}
	v->nprobs = ri_to_probs(out, ow, nn_model_output_act(m), v->probs,
	                        &v->probs_kind);
	v->index = i;
	v->truth = nn_dataset_label(v->d, i);
	free(out);
	return 0;
}

static void draw_probs(const vw_view *v, cv_canvas *c, int x, int y, int w,
                       int h)
{
	int iw = 0, ih = 0, pw, ph, best = 0, bw, row = 0;
	char *text = NULL, *line;
	size_t len = 0;
	FILE *f;

	if (v->truth >= 0)
		textf(c, x, y, w, CV_DEFAULT, 1, "%s:%zu (label %d)", v->what,
		      v->index, v->truth);
	else
		textf(c, x, y, w, CV_DEFAULT, 1, "%s:%zu", v->what, v->index);
	if (rd_is_image(v->d, &pw, &ph)) {
		image_cells(v->mode, pw, ph, 1, row_factor(v->mode), &iw, &ih);
		if (ih < h) {
			draw_image(v, c, x, y + 1, v->index, 1,
			           row_factor(v->mode));
			iw += 2;
		} else {
			iw = 0;
		}
	}
	for (int k = 1; k < v->nprobs; k++)
		best = v->probs[k] > v->probs[best] ? k : best;
	bw = w - iw - 34;
	bw = bw > 40 ? 40 : bw < 5 ? 5 : bw;
	if (!(f = open_memstream(&text, &len)))
		return;
	ri_probs(f, v->probs, v->nprobs,
	         v->d->class_names && v->nprobs == v->d->nclasses
	         ? v->d->class_names : NULL,
	         v->truth, bw, v->mode & CV_UNICODE);
	fclose(f);
	textf(c, x + iw, y + 1, w - iw, CV_BRIGHT_BLACK, 0, "%s",
	      v->probs_kind);
	for (line = strtok(text, "\n"); line && row + 2 < h;
	     line = strtok(NULL, "\n"), row++) {
		int fg = row != best || !(v->mode & CV_COLOR) ? CV_DEFAULT
		         : v->truth < 0 || v->truth == best ? CV_BRIGHT_GREEN
		                                             : CV_BRIGHT_RED;

		cv_textn(c, x + iw, y + 2 + row, w - iw, line, fg, row == best);
	}
	free(text);
}

/* ---- dispatch ----------------------------------------------------------- */

int vw_update(vw_view *v, nn_model *m, int w, int h, size_t batch)
{
	int rc;

	v->note[0] = '\0';
	if (v->kind != VW_STATS && fits(v, m) < 0)
		return -1;
	switch (v->kind) {
	case VW_DIGITS:
		rc = update_digits(v, m, w, h);
		break;
	case VW_CONFUSION:
		rc = update_confusion(v, m);
		break;
	case VW_BOUNDARY:
		rc = update_boundary(v, m, w, h);
		break;
	case VW_STATS:
		rc = update_stats(v, m, batch);
		break;
	default:
		rc = update_probs(v, m);
		break;
	}
	if (rc == 0)
		v->ready = 1;
	return rc;
}

int vw_stale(const vw_view *v, int w, int h)
{
	tiles T;
	int gw, gh;

	if (v->kind == VW_DIGITS)
		return digits_layout(v, w, h, &T) > v->npred;
	if (v->kind == VW_BOUNDARY && !function_plot(v)) {
		plane_size(w, h, &gw, &gh);
		return gw != v->gw || gh != v->gh;
	}
	return 0;
}

void vw_draw(const vw_view *v, cv_canvas *c, int x, int y, int w, int h)
{
	if (w < 20 || h < 3) {
		cv_textn(c, x, y, w, "(too small for a view)",
		         CV_BRIGHT_BLACK, 0);
		return;
	}
	if (v->note[0] || !v->ready) {
		textf(c, x, y, w, CV_BRIGHT_BLACK, 0, "%s: %s",
		      vw_names[v->kind], v->note[0] ? v->note
		      : "shown at the next evaluation");
		return;
	}
	switch (v->kind) {
	case VW_DIGITS:
		draw_digits(v, c, x, y, w, h);
		break;
	case VW_CONFUSION:
		draw_confusion(v, c, x, y, w, h);
		break;
	case VW_BOUNDARY:
		draw_boundary(v, c, x, y, w, h);
		break;
	case VW_STATS:
		draw_stats(v, c, x, y, w, h);
		break;
	default:
		draw_probs(v, c, x, y, w, h);
		break;
	}
}

int vw_height(const vw_view *v, int w)
{
	int pw, ph, iw, ih;

	switch (v->kind) {
	case VW_DIGITS:
		if (!rd_is_image(v->d, &pw, &ph))
			return 2 + (int)(v->nsample < 20 ? v->nsample : 20);
		/* a row of six full-size tiles, else two of half size */
		image_cells(v->mode, pw, ph, 1, row_factor(v->mode), &iw, &ih);
		if ((w + 1) / ((iw < 5 ? 5 : iw) + 1) >= 6)
			return 1 + ih + 1;
		image_cells(v->mode, pw, ph, 2, 2 * row_factor(v->mode), &iw,
		            &ih);
		return 1 + 2 * (ih + 1);
	case VW_CONFUSION:
		return classes_of(v->d) + 3;
	case VW_BOUNDARY:
		return function_plot(v) ? 16 : 24;
	case VW_STATS:
		return v->nrows + 2;
	default:
		if (rd_is_image(v->d, &pw, &ph)) {
			image_cells(v->mode, pw, ph, 1, row_factor(v->mode),
			            &iw, &ih);
			return ih + 1 > v->nprobs + 2 ? ih + 1 : v->nprobs + 2;
		}
		return v->nprobs + 2;
	}
}
