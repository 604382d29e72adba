/* stats.c - per-layer statistics over a run (nn_stats.h): each parameter
 * tensor's weights and gradients summed up at the history's points, kept
 * for a bounded number of points by thinning. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_stats.h"

void nn_tsummarize(const float *v, size_t n, nn_tsummary *s)
{
	double lo = INFINITY, hi = -INFINITY, sum = 0, sq = 0, mean, scale;
	size_t k = 0;

	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < n; i++) {
		double x = v[i];

		if (!isfinite(x))
			continue;
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
		sum += x;
		k++;
	}
	s->nonfinite = n - k;
	if (k == 0) {
		s->mean = s->std = s->min = s->max = NAN;
		return;
	}
	mean = sum / (double)k;
	scale = hi > lo ? NN_STATS_BINS / (hi - lo) : 0;
	for (size_t i = 0; i < n; i++) {
		double x = v[i];
		int b;

		if (!isfinite(x))
			continue;
		sq += (x - mean) * (x - mean);
		b = scale > 0 ? (int)((x - lo) * scale) : NN_STATS_BINS / 2;
		s->bins[b < NN_STATS_BINS ? b : NN_STATS_BINS - 1]++;
	}
	s->mean = mean;
	s->std = sqrt(sq / (double)k);
	s->min = lo;
	s->max = hi;
}

void nn_tsummary_rebin(const nn_tsummary *s, double lo, double hi,
                       double *out, int nb)
{
	double w = (s->max - s->min) / NN_STATS_BINS, step = (hi - lo) / nb;

	for (int j = 0; j < nb; j++)
		out[j] = 0;
	if (!isfinite(s->min) || nb <= 0)
		return;
	if (!(w > 0) || !(step > 0)) {  /* one value, or one display bin */
		double x = s->min;
		uint64_t all = 0;
		int j = step > 0 ? (int)((x - lo) / step) : 0;

		for (int b = 0; b < NN_STATS_BINS; b++)
			all += s->bins[b];
		if (x >= lo && x <= hi)
			out[j < nb ? j : nb - 1] += (double)all;
		return;
	}
	for (int b = 0; b < NN_STATS_BINS; b++) {
		double a = s->min + b * w, z = a + w;
		int j0, j1;

		if (!s->bins[b] || z <= lo || a >= hi)
			continue;
		j0 = a > lo ? (int)((a - lo) / step) : 0;
		j1 = z < hi ? (int)((z - lo) / step) : nb - 1;
		for (int j = j0; j <= j1 && j < nb; j++) {
			double l = lo + j * step, r = l + step;
			double ov = (z < r ? z : r) - (a > l ? a : l);

			if (ov > 0)
				out[j] += s->bins[b] * ov / w;
		}
	}
}

static void free_point(nn_stats_point *p)
{
	free(p->t);
	p->t = NULL;
	p->n = 0;
}

void nn_stats_free(nn_history *h)
{
	nn_stats_hist *s = h->stats;

	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free_point(&s->p[i]);
	free(s->p);
	free(s);
	h->stats = NULL;
}

/* h's statistics, made when it has none. */
static nn_stats_hist *stats_of(nn_history *h)
{
	if (!h->stats) {
		h->stats = calloc(1, sizeof *h->stats);
		if (!h->stats)
			return nn_fail("out of memory for the statistics"),
			       NULL;
		h->stats->every = 1;
	}
	return h->stats;
}

int nn_stats_append(nn_history *h, nn_stats_point *p)
{
	nn_stats_hist *s = stats_of(h);
	nn_stats_point *np;

	if (s && s->n % 64 == 0) {
		np = realloc(s->p, (s->n + 64) * sizeof *np);
		if (!np) {
			nn_fail("out of memory for the statistics");
			s = NULL;
		} else {
			s->p = np;
		}
	}
	if (!s) {
		free_point(p);
		return -1;
	}
	s->p[s->n++] = *p;
	return 0;
}

/* Keep every other point (those on the doubled stride). */
static void thin(nn_stats_hist *s)
{
	size_t j = 0;

	s->every *= 2;
	for (size_t i = 0; i < s->n; i++)
		if (s->p[i].point % (size_t)s->every == 0)
			s->p[j++] = s->p[i];
		else
			free_point(&s->p[i]);
	s->n = j;
}

int nn_stats_record(nn_history *h, const nn_model *m)
{
	nn_stats_hist *s;
	nn_stats_point p = { 0 };
	size_t at, nl = nn_model_layers(m);
	int n = 0;

	if (h->n == 0 || !(s = stats_of(h)))
		return h->n == 0 ? 0 : -1;
	at = h->n - 1;
	while (s->n >= NN_STATS_KEEP)
		thin(s);
	if (at % (size_t)s->every)
		return 0;
	for (size_t i = 0; i < nl; i++)
		n += nn_model_layer_nparams(m, i);
	p.point = at;
	p.epoch = h->p[at].epoch;
	p.iter = h->p[at].iter;
	if (n && !(p.t = calloc((size_t)n, sizeof *p.t)))
		return nn_fail("out of memory for the statistics");
	for (size_t i = 0; i < nl; i++)
		for (int k = 0; k < nn_model_layer_nparams(m, i); k++) {
			nn_stats_tensor *t = &p.t[p.n];
			nn_param q;

			nn_model_param(m, i, k, &q);
			if (q.tied)
				continue;       /* recorded at its owner */
			t->layer = (int)i;
			t->k = k;
			snprintf(t->name, sizeof t->name, "%s", q.name);
			t->size = q.size;
			nn_tsummarize(q.value, q.size, &t->w);
			nn_tsummarize(q.grad, q.grad ? q.size : 0, &t->g);
			p.n++;
		}
	return nn_stats_append(h, &p);
}

/* ---- rows of a model file ---------------------------------------------- */

static double *put_summary(double *r, const nn_tsummary *s)
{
	*r++ = s->mean;
	*r++ = s->std;
	*r++ = s->min;
	*r++ = s->max;
	*r++ = (double)s->nonfinite;
	for (int b = 0; b < NN_STATS_BINS; b++)
		*r++ = s->bins[b];
	return r;
}

/* Whether m has tensor t (its layer and index, with its size). */
static int fits(const nn_model *m, const nn_stats_tensor *t)
{
	nn_param p;

	return (size_t)t->layer < nn_model_layers(m) &&
	       t->k < nn_model_layer_nparams(m, (size_t)t->layer) &&
	       nn_model_param(m, (size_t)t->layer, t->k, &p) == 0 &&
	       p.size == t->size;
}

double *nn_stats_rows(const nn_history *h, const nn_model *m,
                      size_t *nrows)
{
	const nn_stats_hist *s = h->stats;
	size_t n = 0, at = 0;
	double *v;

	for (size_t i = 0; s && i < s->n; i++)
		n += (size_t)s->p[i].n;
	if (!(v = malloc((n ? n : 1) * NN_STATS_COLS * sizeof *v)))
		return nn_fail("out of memory"), NULL;
	for (size_t i = 0; s && i < s->n; i++)
		for (int j = 0; j < s->p[i].n; j++) {
			const nn_stats_tensor *t = &s->p[i].t[j];
			double *r = v + at * NN_STATS_COLS;

			if (!fits(m, t))
				continue;
			at++;

			*r++ = (double)s->p[i].point;
			*r++ = s->p[i].epoch;
			*r++ = (double)s->p[i].iter;
			*r++ = t->layer;
			*r++ = t->k;
			*r++ = (double)t->size;
			put_summary(put_summary(r, &t->w), &t->g);
		}
	*nrows = at;
	return v;
}

/* Read a summary of a tensor of `size` values; -1 when it is not one. */
static int get_summary(const double *r, size_t size, nn_tsummary *s)
{
	double total = r[4];

	s->mean = r[0];
	s->std = r[1];
	s->min = r[2];
	s->max = r[3];
	if (!(r[4] >= 0 && r[4] <= (double)size) || !(s->min <= s->max ||
	    (isnan(s->min) && isnan(s->max))))
		return -1;
	s->nonfinite = (size_t)r[4];
	for (int b = 0; b < NN_STATS_BINS; b++) {
		double c = r[5 + b];

		if (!(c >= 0 && c <= (double)size) || c != floor(c))
			return -1;
		s->bins[b] = (uint32_t)c;
		total += c;
	}
	return total == (double)size ? 0 : -1;
}

int nn_stats_from_rows(nn_history *h, const nn_model *m, const double *v,
                       size_t nrows, long every)
{
	nn_history tmp = *h;
	size_t i = 0;

	tmp.stats = NULL;
	if (every < 1 || every > (1L << 40) || (every & (every - 1)))
		return nn_fail("the statistics' stride %ld is not a power of "
		               "2", every);
	while (i < nrows) {
		nn_stats_point p = { 0 };
		const double *r = v + i * NN_STATS_COLS;
		size_t j = i;

		if (!(r[0] >= 0 && r[0] < (double)h->n) ||
		    r[0] != floor(r[0]) ||
		    (tmp.stats && tmp.stats->n &&
		     (size_t)r[0] <= tmp.stats->p[tmp.stats->n - 1].point))
			goto bad;
		p.point = (size_t)r[0];
		p.epoch = h->p[p.point].epoch;
		p.iter = h->p[p.point].iter;
		while (j < nrows && v[j * NN_STATS_COLS] == r[0])
			j++;
		if (!(p.t = calloc(j - i, sizeof *p.t)))
			goto oom;
		for (; i < j; i++) {
			const double *q = v + i * NN_STATS_COLS;
			nn_stats_tensor *t = &p.t[p.n++];
			nn_param prm;

			if (!(q[3] >= 0 && q[3] < (double)nn_model_layers(m)) ||
			    !(q[4] >= 0 && q[4] < nn_model_layer_nparams(m,
			                                  (size_t)q[3])))
				goto bad_point;
			t->layer = (int)q[3];
			t->k = (int)q[4];
			nn_model_param(m, (size_t)t->layer, t->k, &prm);
			snprintf(t->name, sizeof t->name, "%s", prm.name);
			t->size = prm.size;
			if (q[5] != (double)prm.size ||
			    get_summary(q + 6, t->size, &t->w) < 0 ||
			    get_summary(q + 11 + NN_STATS_BINS, t->size,
			                &t->g) < 0)
				goto bad_point;
		}
		if (nn_stats_append(&tmp, &p) < 0)
			goto fail;
		continue;
bad_point:
		free_point(&p);
		goto bad;
	}
	if (tmp.stats)
		tmp.stats->every = every;
	h->stats = tmp.stats;
	return 0;
oom:
	nn_fail("out of memory for the statistics");
	goto fail;
bad:
	nn_fail("statistics row %zu does not fit the model or its history",
	        i);
fail:
	nn_stats_free(&tmp);
	return -1;
}
