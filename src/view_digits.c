/* view_digits.c - the digits view: a grid of test images with the
 * predicted label of each (wrong ones in red), or a table of outputs for
 * data that are not images. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_data.h"
#include "view.h"

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
			T->fy = T->fx * vw_row_factor(v->mode);
			vw_image_cells(v->mode, pw, ph, T->fx, T->fy, &cw, &ch);
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
	size_t n = digits_layout(v, w, h, &T), ow = vw_out_width(m);

	if (n == 0)
		return vw_note(v, "the view is too small for %s",
		            T.image ? "an image" : "a table");
	if (!v->pred || v->outw != ow) {
		free(v->pred);
		free(v->out);
		v->outw = ow;
		v->pred = malloc(v->nsample * sizeof *v->pred);
		v->out = malloc(v->nsample * ow * sizeof *v->out);
		if (!v->pred || !v->out)
			return vw_note(v, "out of memory");
	}
	if (vw_outputs(m, v->d, v->sample, n, v->out) < 0)
		return vw_note(v, "%s", nn_error());
	for (size_t i = 0; i < n; i++)
		v->pred[i] = vw_pred_of(v->out + i * ow, ow, v->mid);
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

	vw_textf(c, x, y + 1, w, CV_BRIGHT_BLACK, 0, "%6s  %-24s %-12s %s",
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
		vw_textf(c, x, y + 2 + (int)i, w,
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
		vw_textf(c, x, y, w, CV_DEFAULT, 1, "predictions for %zu samples "
		      "of %s: %ld right (%.1f%%)", v->npred, v->what, right,
		      100.0 * right / (double)v->npred);
	else
		vw_textf(c, x, y, w, CV_DEFAULT, 1, "predictions for %zu samples "
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

		vw_draw_image(v, c, tx, ty, v->sample[i], T.fx, T.fy);
		vw_class_name(v->d, v->pred[i], cap, sizeof cap);
		if (wrong && !(v->mode & CV_COLOR))
			strcat(cap, "!");
		cv_textn(c, tx, ty + T.th - 1, T.tw, cap,
		         wrong && (v->mode & CV_COLOR) ? CV_BRIGHT_RED
		                                        : CV_DEFAULT, wrong);
	}
}

static int digits_update(vw_view *v, nn_model *m, int w, int h, size_t batch)
{
	(void)batch;
	return update_digits(v, m, w, h);
}

static int digits_stale(const vw_view *v, int w, int h)
{
	tiles T;

	return digits_layout(v, w, h, &T) > v->npred;
}

static int digits_height(const vw_view *v, int w)
{
	int pw, ph, iw, ih;

	if (!rd_is_image(v->d, &pw, &ph))
		return 2 + (int)(v->nsample < 20 ? v->nsample : 20);
	/* a row of six full-size tiles, else two of half size */
	vw_image_cells(v->mode, pw, ph, 1, vw_row_factor(v->mode), &iw, &ih);
	if ((w + 1) / ((iw < 5 ? 5 : iw) + 1) >= 6)
		return 1 + ih + 1;
	vw_image_cells(v->mode, pw, ph, 2, 2 * vw_row_factor(v->mode), &iw,
	               &ih);
	return 1 + 2 * (ih + 1);
}

const vw_class vw_digits_class = {
	.name = "digits", .needs_data = 1,
	.help = "test samples with the network's predictions",
	.more = "a fixed random sample of DATA: images with the\n"
	        "predicted label (wrong ones red, or marked ! without\n"
	        "colour); other data: a table of inputs, targets and\n"
	        "outputs",
	.update = digits_update, .draw = draw_digits, .height = digits_height,
	.stale = digits_stale,
};
