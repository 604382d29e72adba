/* view_histograms.c - the histograms view: each parameter tensor's
 * weight and gradient histograms stacked over the run's recorded points
 * (lib/stats.c keeps them in the history), a row of shaded cells per
 * point, as `view stats over=time` prints them; and the pictures' shared
 * parts (histograms.h), which cmd_stats_time.c also draws to files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "histograms.h"
#include "nn_stats.h"
#include "view.h"

#define CELLS 32                /* histogram cells at most, in a terminal */
#define MIN_CELLS 2
#define MIN_ROWS 2

double *hg_point_x(const nn_history *h, int *by_epoch)
{
	double *x = malloc((h->n ? 2 * h->n : 1) * sizeof *x), *xe;
	long oi = 0, oe = 0, pi = 0, pe = 0;

	if (!x)
		return NULL;
	xe = x + h->n;
	*by_epoch = 1;
	for (size_t i = 0; i < h->n; i++) {
		const nn_metrics *p = &h->p[i];

		if (i > 0 && p->iter <= pi) {   /* a new run */
			oi += pi;
			oe += pe;
			pe = 0;
		}
		if (p->epoch != pe + 1)
			*by_epoch = 0;
		pi = p->iter;
		pe = p->epoch;
		x[i] = (double)(oi + p->iter);
		xe[i] = (double)(oe + p->epoch);
	}
	if (*by_epoch)
		memcpy(x, xe, h->n * sizeof *x);
	return x;
}

/* ---- the picture -------------------------------------------------------- */

static const nn_stats_tensor *find(const nn_stats_point *p,
                                   const hg_track *t)
{
	for (int j = 0; j < p->n; j++)
		if (p->t[j].layer == t->layer && p->t[j].k == t->k &&
		    p->t[j].size == t->size)
			return &p->t[j];
	return NULL;
}

static int fill_track(hg_picture *P, hg_track *t)
{
	for (int g = 0; g < 2; g++) {
		double lo = INFINITY, hi = -INFINITY, *c;

		for (int r = 0; r < P->rows; r++) {
			const nn_stats_tensor *s = find(P->pt[r], t);
			const nn_tsummary *u = s ? (g ? &s->g : &s->w) : NULL;

			if (u && isfinite(u->min)) {
				lo = fmin(lo, u->min);
				hi = fmax(hi, u->max);
			}
		}
		if (!isfinite(lo))
			lo = hi = 0;
		if (hi <= lo) {         /* one value: a range around it */
			double d = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1;

			lo -= d;
			hi += d;
		}
		t->lo[g] = lo;
		t->hi[g] = hi;
		c = t->cell[g] = malloc((size_t)(P->rows * P->nb) * sizeof *c);
		if (!c)
			return -1;
		for (int r = 0; r < P->rows; r++, c += P->nb) {
			const nn_stats_tensor *s = find(P->pt[r], t);
			double top = 0;

			if (!s) {
				for (int j = 0; j < P->nb; j++)
					c[j] = NAN;
				continue;
			}
			nn_tsummary_rebin(g ? &s->g : &s->w, lo, hi, c, P->nb);
			for (int j = 0; j < P->nb; j++)
				top = fmax(top, c[j]);
			for (int j = 0; top > 0 && j < P->nb; j++)
				c[j] /= top;
		}
	}
	return 0;
}

void hg_free(hg_picture *P)
{
	for (int i = 0; i < P->nt; i++) {
		free(P->t[i].cell[0]);
		free(P->t[i].cell[1]);
	}
	free(P->y);
	free(P->t);
	free(P->pt);
	memset(P, 0, sizeof *P);
}

int hg_make(hg_picture *P, const nn_history *hist, const nn_model *m,
            long layer, int rows, int nb)
{
	const nn_stats_hist *h = hist->stats;
	const nn_stats_point *last = &h->p[h->n - 1];
	double *x = hg_point_x(hist, &P->by_epoch);

	P->rows = h->n < (size_t)rows ? (int)h->n : rows;
	P->nb = nb;
	if (!x || !(P->pt = malloc((size_t)P->rows * sizeof *P->pt)) ||
	    !(P->y = malloc((size_t)P->rows * sizeof *P->y)) ||
	    !(P->t = calloc((size_t)last->n + 1, sizeof *P->t))) {
		free(x);
		return -1;
	}
	for (int r = 0; r < P->rows; r++) {
		size_t i = P->rows == 1 ? h->n - 1
		         : (size_t)r * (h->n - 1) / (size_t)(P->rows - 1);

		P->pt[r] = &h->p[i];
		P->y[r] = x[P->pt[r]->point];
	}
	free(x);
	for (int j = 0; j < last->n; j++) {
		const nn_stats_tensor *s = &last->t[j];
		hg_track *t = &P->t[P->nt];

		if (layer && s->layer + 1 != layer)
			continue;
		t->layer = s->layer;
		t->k = s->k;
		t->size = s->size;
		snprintf(t->name, sizeof t->name, "%s", s->name);
		if ((size_t)s->layer < nn_model_layers(m)) {
			nn_layer_info info;

			nn_model_layer_info(m, (size_t)s->layer, &info);
			snprintf(t->desc, sizeof t->desc, "%s", info.desc);
		}
		P->nt++;
		if (fill_track(P, t) < 0)
			return -1;
	}
	return 0;
}

/* ---- drawing ------------------------------------------------------------ */

/* One row of cells at (x, y): shades by the mode. */
static void cells(cv_canvas *c, int x, int y, const double *v, int nb)
{
	static const char ramp[] = " .:-=+*#%@";
	static const uint32_t blocks[] = { ' ', 0x2591, 0x2592, 0x2593,
	                                   0x2588 };

	for (int j = 0; j < nb; j++) {
		double a = v[j];

		if (isnan(a))
			cv_put(c, x + j, y, '?', CV_BRIGHT_BLACK, CV_DEFAULT,
			       0);
		else if (c->mode & CV_COLOR)
			cv_put(c, x + j, y, ' ', CV_DEFAULT, a > 0 ?
			       CV_GREY0 + 3 + (int)(a * 20.99) : CV_DEFAULT, 0);
		else if (c->mode & CV_UNICODE)
			cv_put(c, x + j, y, blocks[a > 0 ? 1 + (int)(a * 3.99)
			                                 : 0],
			       CV_DEFAULT, CV_DEFAULT, 0);
		else
			cv_put(c, x + j, y, (uint32_t)ramp[a > 0 ? 1 +
			       (int)(a * 8.99) : 0], CV_DEFAULT, CV_DEFAULT, 0);
	}
}

/* The range's two ends under a row of nb cells at (x, y). */
static void ends(cv_canvas *c, int x, int y, int nb, double lo, double hi)
{
	char a[32], b[32];

	snprintf(a, sizeof a, "%.3g", lo);
	snprintf(b, sizeof b, "%.3g", hi);
	cv_text(c, x, y, a, CV_BRIGHT_BLACK, 0);
	cv_text(c, x + nb - cv_width(b), y, b, CV_BRIGHT_BLACK, 0);
}

int hg_width(const hg_picture *P)
{
	return HG_LABEL + 2 * P->nb + 3;
}

/* A tensor takes its title, a header, its rows, its range and a blank. */
static int track_height(const hg_picture *P)
{
	return P->rows + 4;
}

int hg_height(const hg_picture *P)
{
	return P->nt * track_height(P);
}

void hg_draw(const hg_picture *P, cv_canvas *c, int x, int y, int w,
             int h)
{
	int gx = x + HG_LABEL + P->nb + 3, bottom = y + h;

	for (int i = 0; i < P->nt; i++) {
		const hg_track *t = &P->t[i];
		char lab[32];

		/* keep the last line for saying what does not fit */
		if (y + track_height(P) - 1 > bottom - (i + 1 < P->nt)) {
			vw_textf(c, x, bottom - 1, w, CV_BRIGHT_BLACK, 0,
			         "... %d more tensor%s (a taller terminal, or "
			         ":view histograms layer=N)", P->nt - i,
			         P->nt - i == 1 ? "" : "s");
			return;
		}
		vw_textf(c, x, y++, w, CV_DEFAULT, 1, "%d %s: %s, %zu value%s",
		         t->layer + 1, t->desc, t->name, t->size,
		         t->size == 1 ? "" : "s");
		cv_textn(c, x + HG_LABEL, y, w - HG_LABEL, "values",
		         CV_BRIGHT_BLACK, 0);
		cv_textn(c, gx, y++, x + w - gx, "gradients", CV_BRIGHT_BLACK,
		         0);
		for (int r = 0; r < P->rows; r++, y++) {
			snprintf(lab, sizeof lab, "%s %.0f", P->by_epoch
			         ? "epoch" : "iter", P->y[r]);
			cv_textn(c, x, y, HG_LABEL - 1, lab, CV_DEFAULT, 0);
			cells(c, x + HG_LABEL, y, t->cell[0] + r * P->nb,
			      P->nb);
			cells(c, gx, y, t->cell[1] + r * P->nb, P->nb);
		}
		ends(c, x + HG_LABEL, y, P->nb, t->lo[0], t->hi[0]);
		ends(c, gx, y++, P->nb, t->lo[1], t->hi[1]);
		y++;
	}
}

/* ---- the view ----------------------------------------------------------- */

/* What the view keeps: the picture and the area it was made for. */
typedef struct histograms {
	hg_picture P;
	int w, h;
	size_t points;          /* the history's points it shows */
} histograms;

/* The rows per tensor and cells per row that fit a w x h area under a
 * title line. */
static void fit(const nn_history *hist, long layer, int w, int h, int *rows,
                int *nb)
{
	const nn_stats_point *last = &hist->stats->p[hist->stats->n - 1];
	int nt = 0;

	for (int j = 0; j < last->n; j++)
		nt += !layer || last->t[j].layer + 1 == layer;
	*rows = nt ? (h - 1) / nt - 4 : MIN_ROWS;
	*rows = *rows < MIN_ROWS ? MIN_ROWS : *rows;
	*nb = (w - HG_LABEL - 3) / 2;
	*nb = *nb > CELLS ? CELLS : *nb < MIN_CELLS ? MIN_CELLS : *nb;
}

static int hg_update(vw_view *v, nn_model *m, int w, int h, size_t batch)
{
	histograms *s = v->state;
	const nn_history *hist = v->hist;
	size_t nl = nn_model_layers(m);
	int rows, nb;

	(void)batch;
	hg_free(&s->P);
	s->w = w;
	s->h = h;
	if (v->layer > 0 && (size_t)v->layer > nl)
		return vw_note(v, "layer=%d: the model has %zu layers",
		               v->layer, nl);
	if (v->layer > 0 && nn_model_layer_nparams(m, (size_t)v->layer - 1)
	    == 0)
		return vw_note(v, "layer %d has no parameters", v->layer);
	if (!hist || !hist->stats || hist->stats->n == 0)
		return vw_note(v, "no statistics yet (training records them "
		               "at each history point)");
	fit(hist, v->layer, w, h, &rows, &nb);
	if (hg_make(&s->P, hist, m, v->layer, rows, nb) < 0) {
		hg_free(&s->P);
		return vw_note(v, "out of memory");
	}
	s->points = hist->n;
	return 0;
}

static void hg_view_draw(const vw_view *v, cv_canvas *c, int x, int y,
                         int w, int h)
{
	const histograms *s = v->state;

	vw_textf(c, x, y, w, CV_DEFAULT, 1, "weights and gradients over time "
	         "(%d of %zu points; each row scaled to its largest bin)",
	         s->P.rows, s->points);
	hg_draw(&s->P, c, x, y + 1, w, h - 1);
}

static int hg_view_height(const vw_view *v, int w)
{
	const histograms *s = v->state;

	(void)w;
	return 1 + hg_height(&s->P);
}

static int hg_stale(const vw_view *v, int w, int h)
{
	const histograms *s = v->state;

	return s->w != w || s->h != h;
}

static void hg_clear(vw_view *v)
{
	histograms *s = v->state;

	hg_free(&s->P);
}

const vw_class vw_histograms_class = {
	.state_size = sizeof(histograms), .clear = hg_clear,
	.name = "histograms", .needs_data = 0,
	.help = "each layer's weight and gradient histograms over time",
	.more = "a row per history point (view stats over=time);\n"
	        "layer=K shows one layer's (in the panel: :view histograms\n"
	        "layer=K)",
	.update = hg_update, .draw = hg_view_draw, .height = hg_view_height,
	.stale = hg_stale,
};
