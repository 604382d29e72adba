/* view_confusion.c - the confusion matrix view: true classes in
 * rows, predicted ones in columns. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

/* What the confusion view keeps (its state). */
typedef struct confusion {
	size_t *counts;         /* k x k counts, rows true, columns predicted */
	int k;
} confusion;

static int update_confusion(vw_view *v, nn_model *m)
{
	confusion *s = v->state;
	const nn_dataset *d = v->d;
	int k = vw_classes_of(d), *pred;
	size_t *idx;

	if (k == 0 || d->n == 0 || nn_dataset_label(d, 0) < 0)
		return vw_note(v, "%s has no class labels", v->what);
	idx = malloc(d->n * sizeof *idx);
	pred = malloc(d->n * sizeof *pred);
	if (!s->counts || s->k != k) {
		free(s->counts);
		s->counts = calloc((size_t)k * (size_t)k, sizeof *s->counts);
		s->k = k;
	}
	if (!idx || !pred || !s->counts) {
		free(idx);
		free(pred);
		return vw_note(v, "out of memory");
	}
	for (size_t i = 0; i < d->n; i++)
		idx[i] = i;
	if (nn_predict(m, d, idx, d->n, v->mid, pred) < 0) {
		free(idx);
		free(pred);
		return vw_note(v, "%s", nn_error());
	}
	memset(s->counts, 0, (size_t)k * (size_t)k * sizeof *s->counts);
	for (size_t i = 0; i < d->n; i++) {
		int t = nn_dataset_label(d, i);

		if (t >= 0 && t < k && pred[i] >= 0 && pred[i] < k)
			s->counts[t * k + pred[i]]++;
	}
	free(idx);
	free(pred);
	return 0;
}

static void draw_confusion(const vw_view *v, cv_canvas *c, int x, int y,
                           int w, int h)
{
	const confusion *s = v->state;
	int k = s->k, cw, lw = 5, matrix, color = v->mode & CV_COLOR, ax;
	size_t max = 0, right = 0, total = 0;
	char buf[64];

	for (int i = 0; i < k * k; i++)
		max = s->counts[i] > max ? s->counts[i] : max;
	cw = snprintf(buf, sizeof buf, "%zu", max) + 1;
	cw = cw < 4 ? 4 : cw;
	for (int t = 0; t < k; t++) {
		vw_class_name(v->d, t, buf, sizeof buf);
		lw = (int)strlen(buf) > lw ? (int)strlen(buf) : lw;
	}
	lw = lw > 14 ? 14 : lw;
	matrix = lw + 1 + k * cw + 20 <= w;
	ax = x + lw + 1 + (matrix ? k * cw : 0) + 2;
	vw_textf(c, x, y, w, CV_DEFAULT, 1, "confusion on %s (rows: true class, "
	      "columns: predicted)", v->what);
	vw_textf(c, x, y + 1, w, CV_BRIGHT_BLACK, 0, "%-*s", lw, "true");
	for (int p = 0; matrix && p < k; p++)
		vw_textf(c, x + lw + 1 + p * cw, y + 1, cw, CV_BRIGHT_BLACK, 0,
		      "%*d", cw, p);
	vw_textf(c, ax, y + 1, x + w - ax, CV_BRIGHT_BLACK, 0, "accuracy");
	for (int t = 0; t < k; t++) {
		size_t row = 0, ok = s->counts[t * k + t];
		int ry = y + 2 + t;

		for (int p = 0; p < k; p++)
			row += s->counts[t * k + p];
		right += ok;
		total += row;
		if (ry >= y + h - 1)
			continue;
		vw_class_name(v->d, t, buf, sizeof buf);
		cv_textn(c, x, ry, lw, buf, CV_DEFAULT, 0);
		for (int p = 0; matrix && p < k; p++) {
			size_t n = s->counts[t * k + p];
			int fg = !color || n == 0 ? CV_BRIGHT_BLACK
			         : p == t ? CV_BRIGHT_GREEN : CV_BRIGHT_RED;

			vw_textf(c, x + lw + 1 + p * cw, ry, cw, fg, p == t && n,
			      "%*zu", cw, n);
		}
		if (row)
			vw_textf(c, ax, ry, x + w - ax, CV_DEFAULT, 0,
			      "%.4f (%zu/%zu)", (double)ok / row, ok, row);
		else
			vw_textf(c, ax, ry, x + w - ax, CV_DEFAULT, 0, "-");
	}
	if (total && k + 2 < h)
		vw_textf(c, x, y + 2 + k, w, CV_DEFAULT, 1, "overall accuracy "
		      "%.4f (%zu/%zu)", (double)right / total, right, total);
	else if (total)
		vw_textf(c, x, y + h - 1, w, CV_BRIGHT_BLACK, 0, "(%d classes; "
		      "overall %.4f)", k, (double)right / total);
}

static int confusion_update(vw_view *v, nn_model *m, int w, int h,
                            size_t batch)
{
	(void)w;
	(void)h;
	(void)batch;
	return update_confusion(v, m);
}

static int confusion_height(const vw_view *v, int w)
{
	(void)w;
	return vw_classes_of(v->d) + 3;
}

static void confusion_clear(vw_view *v)
{
	confusion *s = v->state;

	free(s->counts);
}

const vw_class vw_confusion_class = {
	.state_size = sizeof(confusion), .clear = confusion_clear,
	.name = "confusion", .needs_data = 1,
	.help = "true classes against predicted ones",
	.more = "on DATA, with per-class accuracy",
	.update = confusion_update, .draw = draw_confusion,
	.height = confusion_height,
};
