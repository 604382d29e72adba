/* cmd_stats_time.c - per-layer statistics over time (lib/stats.c records
 * them at the history's points): `history stats` prints or exports the
 * numbers, `view stats over=time` (or `view histograms`) draws each
 * tensor's weight and gradient histograms stacked over the points, in the
 * terminal as rows of shaded cells (view_histograms.c, which the panel
 * shows too), to a file as heat maps with axes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figure.h"
#include "handlers.h"
#include "histograms.h"
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

typedef struct heat_figure {
	const hg_picture *P;
	const char *title;
} heat_figure;

static int draw_file(FILE *f, fg_format fmt, const void *ud, char *err,
                     size_t len)
{
	const heat_figure *F = ud;
	const hg_picture *P = F->P;
	fg_heat *maps = calloc((size_t)(2 * P->nt), sizeof *maps);
	char (*titles)[160] = calloc((size_t)(2 * P->nt), sizeof *titles);
	int rc = -1;

	if (!maps || !titles) {
		snprintf(err, len, "out of memory");
		goto out;
	}
	for (int i = 0; i < P->nt; i++) {
		const hg_track *t = &P->t[i];

		for (int g = 0; g < 2; g++) {
			fg_heat *hm = &maps[2 * i + g];

			snprintf(titles[2 * i + g], sizeof titles[0],
			         "%d %s: %s%s", t->layer + 1, t->desc,
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
	const char *what = strcmp(sh_pos(l, 0)->text, "stats") == 0
	                   ? "view stats" : "view histograms";
	long layer, rows;
	hg_picture P;
	char title[160];
	cv_canvas *c = NULL;
	int rc;

	if (over && strcmp(over, "time") != 0)
		return sh_err(S, "%s: over=%s? (over=time)", what, over);
	if (layer_opt(S, l, sm, what, &layer) < 0 ||
	    sh_opt_long(S, l, "rows", out ? 40 : 12, 2, 200, &rows) < 0 ||
	    !have_stats(S, sm, what))
		return -1;
	memset(&P, 0, sizeof P);
	if (hg_make(&P, &sm->hist, sm->m, layer, (int)rows,
	            out ? NN_STATS_BINS * 2 : CELLS) < 0) {
		hg_free(&P);
		return sh_err(S, "out of memory");
	}
	snprintf(title, sizeof title, "%s: weights and gradients over time "
	         "(%d of %zu points; each row scaled to its largest bin)",
	         sm->name, P.rows, sm->hist.n);
	if (out) {
		heat_figure F = { &P, title };

		rc = sh_write_figure(S, "view", out, draw_file, &F);
	} else if (!(c = cv_new(hg_width(&P), hg_height(&P) > 0
	                        ? hg_height(&P) : 1, sh_canvas_mode(S)))) {
		rc = sh_err(S, "out of memory");
	} else {
		hg_draw(&P, c, 0, 0, c->w, c->h);
		sh_printf(S, "%s\n", title);
		cv_write(c, S->out, sh_canvas_mode(S) & CV_COLOR);
		rc = 0;
	}
	cv_free(c);
	hg_free(&P);
	return rc;
}
