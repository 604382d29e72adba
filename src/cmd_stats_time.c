/* cmd_stats_time.c - per-layer statistics over time (lib/stats.c records
 * them at the history's points): `history stats` prints or exports the
 * numbers, `view stats over=time` draws each tensor's weight and gradient
 * histograms stacked over the points, in the terminal as rows of shaded
 * cells, to a file as heat maps with axes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figure.h"
#include "handlers.h"
#include "nn_stats.h"

#define CELLS 32                /* histogram cells in the terminal */

/* ---- history stats ------------------------------------------------------ */

static void csv_summary(FILE *f, const nn_tsummary *s)
{
	const double v[4] = { s->mean, s->std, s->min, s->max };

	for (int i = 0; i < 4; i++)
		if (isnan(v[i]))
			fputc(',', f);
		else
			fprintf(f, ",%.9g", v[i]);
	fprintf(f, ",%zu", s->nonfinite);
	for (int b = 0; b < NN_STATS_BINS; b++)
		fprintf(f, ",%u", s->bins[b]);
}

static int export_stats(sh_session *S, const sh_model *sm, long layer,
                        const char *path)
{
	const nn_stats_hist *h = sm->hist.stats;
	size_t rows = 0;
	char *tmp;
	FILE *f = sh_open_atomic(S, "history stats export", path, &tmp);

	if (!f)
		return -1;
	fprintf(f, "point,epoch,iter,layer,tensor,size");
	for (int g = 0; g < 2; g++) {
		const char *p = g ? "g" : "w";

		fprintf(f, ",%s_mean,%s_std,%s_min,%s_max,%s_nonfinite", p, p,
		        p, p, p);
		for (int b = 0; b < NN_STATS_BINS; b++)
			fprintf(f, ",%s_bin%d", p, b + 1);
	}
	fputc('\n', f);
	for (size_t i = 0; h && i < h->n; i++)
		for (int j = 0; j < h->p[i].n; j++) {
			const nn_stats_tensor *t = &h->p[i].t[j];

			if (layer && t->layer + 1 != layer)
				continue;
			fprintf(f, "%zu,%d,%ld,%d,%s,%zu", h->p[i].point + 1,
			        h->p[i].epoch, h->p[i].iter, t->layer + 1,
			        t->name, t->size);
			csv_summary(f, &t->w);
			csv_summary(f, &t->g);
			fputc('\n', f);
			rows++;
		}
	if (sh_close_atomic(S, "history stats export", path, f, tmp) < 0)
		return -1;
	sh_printf(S, "wrote %zu rows of %s's statistics to %s\n", rows,
	          sm->name, path);
	return 0;
}

/* The layer= option: 0 for all, else a layer of sm (1-based). */
static int layer_opt(sh_session *S, const sh_line *l, const sh_model *sm,
                     const char *what, long *layer)
{
	size_t nl = nn_model_layers(sm->m);

	*layer = 0;
	if (!sh_opt(l, "layer"))
		return 0;
	if (nl == 0)
		return sh_err(S, "%s: %s has no layers", what, sm->name);
	if (sh_opt_long(S, l, "layer", 0, 1, (long)nl, layer) < 0)
		return -1;
	if (nn_model_layer_nparams(sm->m, (size_t)*layer - 1) == 0)
		return sh_err(S, "%s: layer %ld of %s has no parameters", what,
		              *layer, sm->name);
	return 0;
}

/* Whether sm has statistics to show; says why not otherwise. */
static int have_stats(sh_session *S, const sh_model *sm, const char *what)
{
	if (sm->hist.n == 0)
		return sh_err(S, "%s: %s has not been trained yet", what,
		              sm->name), 0;
	if (!sm->hist.stats || sm->hist.stats->n == 0)
		return sh_err(S, "%s: %s's history has no statistics (train "
		              "records them; GAN runs and files saved before "
		              "them have none)", what, sm->name), 0;
	return 1;
}

int sh_history_stats(sh_session *S, sh_model *sm, const sh_line *l,
                     const char *csv)
{
	const nn_stats_hist *h = sm->hist.stats;
	long layer;
	char v[7][32];

	if (layer_opt(S, l, sm, "history stats", &layer) < 0 ||
	    !have_stats(S, sm, "history stats"))
		return -1;
	if (csv)
		return export_stats(S, sm, layer, csv);
	sh_printf(S, "%s: statistics at %zu of %zu points (every %ld%s)\n",
	          sm->name, h->n, sm->hist.n, h->every,
	          h->every == 1 ? "" : ", thinned");
	sh_printf(S, "%5s %5s %-6s %9s %9s %9s %9s %9s %9s\n", "point",
	          "epoch", "tensor", "mean", "std", "min", "max", "dmean",
	          "dstd");
	for (size_t i = 0; i < h->n; i++)
		for (int j = 0; j < h->p[i].n; j++) {
			const nn_stats_tensor *t = &h->p[i].t[j];

			if (layer && t->layer + 1 != layer)
				continue;
			snprintf(v[6], sizeof v[6], "%d.%s", t->layer + 1,
			         t->name);
			sh_printf(S, "%5zu %5d %-6s %9s %9s %9s %9s %9s %9s\n",
			          h->p[i].point + 1, h->p[i].epoch, v[6],
			          sh_num(t->w.mean, v[0], 32),
			          sh_num(t->w.std, v[1], 32),
			          sh_num(t->w.min, v[2], 32),
			          sh_num(t->w.max, v[3], 32),
			          sh_num(t->g.mean, v[4], 32),
			          sh_num(t->g.std, v[5], 32));
		}
	return 0;
}

/* ---- the pictures ------------------------------------------------------- */

/* One tensor over the points shown: for the values (0) and the gradient
 * (1), the range and each row's cells, scaled to its largest cell. */
typedef struct track {
	int layer, k;
	char name[16];
	size_t size;
	double lo[2], hi[2];
	double *cell[2];        /* rows x nb, 0..1; a row of NaN: absent */
} track;

typedef struct picture {
	const nn_stats_point **pt;      /* the points shown, in order */
	int rows, nb;
	int by_epoch;           /* rows labelled by epoch (else iteration) */
	double *y;              /* each row's epoch or iteration, counted
	                         * across the history's runs */
	track *t;
	int nt;
} picture;

static const nn_stats_tensor *find(const nn_stats_point *p, const track *t)
{
	for (int j = 0; j < p->n; j++)
		if (p->t[j].layer == t->layer && p->t[j].k == t->k &&
		    p->t[j].size == t->size)
			return &p->t[j];
	return NULL;
}

static int fill_track(picture *P, track *t)
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

static void picture_free(picture *P)
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

/* Choose at most `rows` of history hist's recorded points evenly (the
 * first and the last among them) and the tensors of the last one (of
 * layer `layer` when not 0). */
static int picture_make(picture *P, const nn_history *hist, long layer,
                        int rows, int nb)
{
	const nn_stats_hist *h = hist->stats;
	const nn_stats_point *last = &h->p[h->n - 1];
	double *x = sh_point_x(hist, &P->by_epoch);

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
		track *t = &P->t[P->nt];

		if (layer && s->layer + 1 != layer)
			continue;
		t->layer = s->layer;
		t->k = s->k;
		t->size = s->size;
		snprintf(t->name, sizeof t->name, "%s", s->name);
		P->nt++;
		if (fill_track(P, t) < 0)
			return -1;
	}
	return 0;
}

static void row_label(const picture *P, int r, char *buf, size_t len)
{
	snprintf(buf, len, "%s %.0f", P->by_epoch ? "epoch" : "iter",
	         P->y[r]);
}

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

#define LABEL 12                /* the column of row labels */

static cv_canvas *draw_terminal(const picture *P, const nn_model *m,
                                int mode)
{
	int w = LABEL + 2 * P->nb + 3, h = P->nt * (P->rows + 4);
	cv_canvas *c = cv_new(w, h > 0 ? h : 1, mode);
	int y = 0;

	for (int i = 0; c && i < P->nt; i++) {
		const track *t = &P->t[i];
		nn_layer_info info = { 0 };
		char title[160], lab[32];

		if ((size_t)t->layer < nn_model_layers(m))
			nn_model_layer_info(m, (size_t)t->layer, &info);
		snprintf(title, sizeof title, "%d %s: %s, %zu value%s",
		         t->layer + 1, info.desc, t->name, t->size,
		         t->size == 1 ? "" : "s");
		cv_textn(c, 0, y++, w, title, CV_DEFAULT, 1);
		cv_text(c, LABEL, y, "values", CV_BRIGHT_BLACK, 0);
		cv_text(c, LABEL + P->nb + 3, y++, "gradients",
		        CV_BRIGHT_BLACK, 0);
		for (int r = 0; r < P->rows; r++, y++) {
			row_label(P, r, lab, sizeof lab);
			cv_textn(c, 0, y, LABEL - 1, lab, CV_DEFAULT, 0);
			cells(c, LABEL, y, t->cell[0] + r * P->nb, P->nb);
			cells(c, LABEL + P->nb + 3, y, t->cell[1] + r * P->nb,
			      P->nb);
		}
		ends(c, LABEL, y, P->nb, t->lo[0], t->hi[0]);
		ends(c, LABEL + P->nb + 3, y++, P->nb, t->lo[1], t->hi[1]);
		y++;
	}
	return c;
}

typedef struct heat_figure {
	const picture *P;
	const nn_model *m;
	const char *title;
} heat_figure;

static int draw_file(FILE *f, fg_format fmt, const void *ud, char *err,
                     size_t len)
{
	const heat_figure *F = ud;
	const picture *P = F->P;
	fg_heat *maps = calloc((size_t)(2 * P->nt), sizeof *maps);
	char (*titles)[160] = calloc((size_t)(2 * P->nt), sizeof *titles);
	int rc = -1;

	if (!maps || !titles) {
		snprintf(err, len, "out of memory");
		goto out;
	}
	for (int i = 0; i < P->nt; i++) {
		const track *t = &P->t[i];
		nn_layer_info info = { 0 };

		if ((size_t)t->layer < nn_model_layers(F->m))
			nn_model_layer_info(F->m, (size_t)t->layer, &info);
		for (int g = 0; g < 2; g++) {
			fg_heat *hm = &maps[2 * i + g];

			snprintf(titles[2 * i + g], sizeof titles[0],
			         "%d %s: %s%s", t->layer + 1, info.desc,
			         g ? "gradient of " : "", t->name);
			*hm = (fg_heat){ titles[2 * i + g],
			                 g ? "gradient" : "value",
			                 P->by_epoch ? "epoch" : "iteration",
			                 t->cell[g], P->nb, P->rows, t->lo[g],
			                 t->hi[g], P->y };
		}
	}
	rc = fg_heatmaps(f, fmt, F->title, maps, 2 * P->nt, 2, err, len);
out:
	free(maps);
	free(titles);
	return rc;
}

int sh_view_stats_time(sh_session *S, sh_model *sm, const sh_line *l,
                       const char *out)
{
	const char *over = sh_opt(l, "over");
	long layer, rows;
	picture P;
	char title[160];
	cv_canvas *c = NULL;
	int rc;

	if (strcmp(over, "time") != 0)
		return sh_err(S, "view stats: over=%s? (over=time)", over);
	if (layer_opt(S, l, sm, "view stats", &layer) < 0 ||
	    sh_opt_long(S, l, "rows", out ? 40 : 12, 2, 200, &rows) < 0 ||
	    !have_stats(S, sm, "view stats"))
		return -1;
	memset(&P, 0, sizeof P);
	if (picture_make(&P, &sm->hist, layer, (int)rows,
	                 out ? NN_STATS_BINS * 2 : CELLS) < 0) {
		picture_free(&P);
		return sh_err(S, "out of memory");
	}
	snprintf(title, sizeof title, "%s: weights and gradients over time "
	         "(%d of %zu points; each row scaled to its largest bin)",
	         sm->name, P.rows, sm->hist.n);
	if (out) {
		heat_figure F = { &P, sm->m, title };

		rc = sh_write_figure(S, "view", out, draw_file, &F);
	} else if (!(c = draw_terminal(&P, sm->m, sh_canvas_mode(S)))) {
		rc = sh_err(S, "out of memory");
	} else {
		sh_printf(S, "%s\n", title);
		cv_write(c, S->out, sh_canvas_mode(S) & CV_COLOR);
		rc = 0;
	}
	cv_free(c);
	picture_free(&P);
	return rc;
}
