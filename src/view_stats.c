/* view_stats.c - the statistics view: per layer, the lines of
 * `stats` (weights, outputs, gradients) with a sparkline of each
 * tensor's spread over the last updates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_inspect.h"
#include "view.h"

/* What the stats view keeps (its state). */
typedef struct stats {
	vw_row *rows;
	int nrows;
	int grads;              /* the rows include outputs and gradients */
} stats;

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
	stats *s = v->state;
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
		return vw_note(v, "out of memory");
	}
	/* the same rows as before: carry their trends on */
	if (s->rows && s->nrows == n && s->grads == (batch > 0))
		for (int i = 0; i < n; i++) {
			const vw_row *o = &s->rows[i];
			vw_row *r = &rows[i];
			double now = r->trend[0];
			int keep = o->ntrend < VW_TREND ? o->ntrend
			                                : VW_TREND - 1;

			memcpy(r->trend, o->trend + o->ntrend - keep,
			       (size_t)keep * sizeof *r->trend);
			r->trend[keep] = now;
			r->ntrend = keep + 1;
		}
	free(s->rows);
	s->rows = rows;
	s->nrows = n;
	s->grads = batch > 0;
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
	const stats *s = v->state;
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
	vw_textf(c, x, y, w, CV_DEFAULT, 1, "per-layer statistics%s",
	      s->grads ? " (out and gradients: the last training batch)"
	               : "");
	if (text)
		cv_textn(c, x, y + 1, w, text, CV_BRIGHT_BLACK, 0);
	if (text && tw + 3 + VW_TREND <= w)
		cv_textn(c, x + tw + 2, y + 1, w, "std over time",
		         CV_BRIGHT_BLACK, 0);
	free(text);
	for (int i = 0; i < s->nrows; i++) {
		const vw_row *r = &s->rows[i];
		int ry = y + 2 + i, more = i + 1 < s->nrows;

		/* keep the last line for saying what does not fit */
		if (ry >= y + h - more) {
			vw_textf(c, x, y + h - 1, w, CV_BRIGHT_BLACK, 0,
			      "... %d more rows (a taller terminal shows "
			      "them)", s->nrows - i);
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

static int stats_update(vw_view *v, nn_model *m, int w, int h, size_t batch)
{
	(void)w;
	(void)h;
	return update_stats(v, m, batch);
}

static int stats_height(const vw_view *v, int w)
{
	const stats *s = v->state;

	(void)w;
	return s->nrows + 2;
}

static void stats_clear(vw_view *v)
{
	stats *s = v->state;

	free(s->rows);
}

const vw_class vw_stats_class = {
	.state_size = sizeof(stats), .clear = stats_clear,
	.name = "stats", .needs_data = 0,
	.help = "per-layer weight, output and gradient statistics",
	.more = "per layer: weights and biases (with DATA, also outputs\n"
	        "and gradients of its first 100 samples)",
	.update = stats_update, .draw = draw_stats, .height = stats_height,
};
