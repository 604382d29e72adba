/* hopfield.c - Hopfield networks: N binary units with states -1 and +1,
 * symmetric weights and a zero diagonal. Patterns are stored by the Hebb,
 * pseudoinverse or Storkey rule and recalled by synchronous or
 * asynchronous updates, each of which the energy E = -1/2 s'Ws judges.
 * Also the datasets such a network works on: random patterns, patterns
 * with flipped units, images made into +-1 patterns, and the capacity
 * experiment (fraction recalled exactly against the load). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

static const char *const rule_names[NN_HOP_RULE_COUNT] = {
	"hebb", "pseudoinverse", "storkey",
};

const char *nn_hop_rule_name(nn_hop_rule r)
{
	return r >= 0 && r < NN_HOP_RULE_COUNT ? rule_names[r] : "?";
}

int nn_hop_rule_parse(const char *name)
{
	for (int i = 0; i < NN_HOP_RULE_COUNT; i++)
		if (strcmp(name, rule_names[i]) == 0)
			return i;
	return -1;
}

nn_hopfield *nn_hopfield_new(int units)
{
	nn_hopfield *h;

	if (units < 2 || units > 4096) {
		nn_fail("a Hopfield network has 2 to 4096 units (got %d)",
		        units);
		return NULL;
	}
	if (!(h = calloc(1, sizeof *h)) ||
	    !(h->W = calloc((size_t)units * (size_t)units, sizeof *h->W))) {
		free(h);
		nn_fail("out of memory");
		return NULL;
	}
	h->n = units;
	return h;
}

void nn_hopfield_free(nn_hopfield *h)
{
	if (!h)
		return;
	free(h->W);
	free(h->pat);
	free(h);
}

int nn_hopfield_bipolar(const float *in, size_t n, float *out)
{
	int zero = 0, minus = 0;

	for (size_t i = 0; i < n; i++) {
		if (in[i] == 0)
			zero = 1;
		else if (in[i] == -1)
			minus = 1;
		else if (in[i] != 1)
			return nn_fail("value %g at unit %zu is not -1/+1 or "
			               "0/1", in[i], i + 1);
	}
	if (zero && minus)
		return nn_fail("a pattern mixes 0 and -1: use -1/+1 or 0/1");
	for (size_t i = 0; i < n; i++)
		out[i] = in[i] > 0 ? 1.0f : -1.0f;
	return 0;
}

/* Solve the k x k system A X = B for X in place of B (k x n), A symmetric
 * positive semi-definite (a Gram matrix): Gauss-Jordan with partial
 * pivoting in double. -1 when A is singular. */
static int solve(double *A, double *B, size_t k, size_t n)
{
	for (size_t c = 0; c < k; c++) {
		size_t p = c;
		double piv;

		for (size_t r = c + 1; r < k; r++)
			if (fabs(A[r * k + c]) > fabs(A[p * k + c]))
				p = r;
		if (fabs(A[p * k + c]) < 1e-9)
			return -1;
		if (p != c) {
			for (size_t j = 0; j < k; j++) {
				double t = A[c * k + j];
				A[c * k + j] = A[p * k + j];
				A[p * k + j] = t;
			}
			for (size_t j = 0; j < n; j++) {
				double t = B[c * n + j];
				B[c * n + j] = B[p * n + j];
				B[p * n + j] = t;
			}
		}
		piv = A[c * k + c];
		for (size_t j = 0; j < k; j++)
			A[c * k + j] /= piv;
		for (size_t j = 0; j < n; j++)
			B[c * n + j] /= piv;
		for (size_t r = 0; r < k; r++) {
			double f = A[r * k + c];

			if (r == c || f == 0)
				continue;
			for (size_t j = 0; j < k; j++)
				A[r * k + j] -= f * A[c * k + j];
			for (size_t j = 0; j < n; j++)
				B[r * n + j] -= f * B[c * n + j];
		}
	}
	return 0;
}

/* W = P' (P P')^-1 P: the projection onto the patterns' span. */
static int pseudoinverse(nn_hopfield *h, const float *P, size_t k)
{
	size_t n = (size_t)h->n;
	double *G = malloc(k * k * sizeof *G), *X = malloc(k * n * sizeof *X);
	int rc = 0;

	if (!G || !X) {
		free(G);
		free(X);
		return nn_fail("out of memory");
	}
	for (size_t a = 0; a < k; a++)
		for (size_t b = 0; b < k; b++) {
			double s = 0;

			for (size_t i = 0; i < n; i++)
				s += (double)P[a * n + i] * P[b * n + i];
			G[a * k + b] = s;
		}
	for (size_t i = 0; i < k * n; i++)
		X[i] = P[i];
	if (solve(G, X, k, n) < 0) {
		rc = nn_fail("pseudoinverse: the patterns are linearly "
		             "dependent (a repeat, or more than the units)");
	} else {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				double s = 0;

				for (size_t a = 0; a < k; a++)
					s += (double)P[a * n + i] *
					     X[a * n + j];
				h->W[i * n + j] = (float)s;
			}
	}
	free(G);
	free(X);
	return rc;
}

/* Storkey's rule, one pattern at a time:
 * w_ij += (x_i x_j - x_i h_ji - h_ij x_j) / n with
 * h_ij = sum over k != i, j of w_ik x_k. */
static int storkey(nn_hopfield *h, const float *P, size_t k)
{
	size_t n = (size_t)h->n;
	double *field = malloc(n * sizeof *field);

	if (!field)
		return nn_fail("out of memory");
	for (size_t a = 0; a < k; a++) {
		const float *x = P + a * n;

		for (size_t i = 0; i < n; i++) {
			double s = 0;

			for (size_t j = 0; j < n; j++)
				s += (double)h->W[i * n + j] * x[j];
			field[i] = s;   /* the diagonal is zero */
		}
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++) {
				double hij = field[i] - h->W[i * n + j] * x[j];
				double hji = field[j] - h->W[j * n + i] * x[i];
				double d = ((double)x[i] * x[j] - x[i] * hji -
				            hij * x[j]) / (double)n;

				h->W[i * n + j] += (float)d;
				h->W[j * n + i] += (float)d;
			}
	}
	free(field);
	return 0;
}

int nn_hopfield_store(nn_hopfield *h, const float *pats, size_t count,
                      nn_hop_rule rule)
{
	size_t n = (size_t)h->n;
	float *P, *W;
	int rc = 0;

	if (count == 0)
		return nn_fail("store: no patterns");
	if (rule < 0 || rule >= NN_HOP_RULE_COUNT)
		return nn_fail("store: unknown rule");
	if (!(P = malloc(count * n * sizeof *P)))
		return nn_fail("out of memory");
	for (size_t a = 0; a < count; a++)
		if (nn_hopfield_bipolar(pats + a * n, n, P + a * n) < 0) {
			char msg[256];

			snprintf(msg, sizeof msg, "%s", nn_error());
			free(P);
			return nn_fail("pattern %zu: %s", a, msg);
		}
	if (!(W = malloc(n * n * sizeof *W))) {
		free(P);
		return nn_fail("out of memory");
	}
	memcpy(W, h->W, n * n * sizeof *W);
	memset(h->W, 0, n * n * sizeof *h->W);
	if (rule == NN_HOP_HEBB) {
		for (size_t a = 0; a < count; a++) {
			const float *p = P + a * n;

			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < n; j++)
					h->W[i * n + j] += p[i] * p[j] /
					                   (float)n;
		}
	} else if (rule == NN_HOP_PSEUDOINVERSE) {
		rc = pseudoinverse(h, P, count);
	} else {
		rc = storkey(h, P, count);
	}
	if (rc < 0) {
		memcpy(h->W, W, n * n * sizeof *W);
		free(W);
		free(P);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		h->W[i * n + i] = 0;
	free(W);
	free(h->pat);
	h->pat = P;
	h->npat = count;
	h->rule = rule;
	return 0;
}

double nn_hopfield_energy(const nn_hopfield *h, const float *s)
{
	size_t n = (size_t)h->n;
	double e = 0;

	for (size_t i = 0; i < n; i++) {
		double f = 0;

		for (size_t j = 0; j < n; j++)
			f += (double)h->W[i * n + j] * s[j];
		e += f * s[i];
	}
	return -0.5 * e;
}

/* The field on unit i; a unit whose field is 0 keeps its state. */
static float update(const nn_hopfield *h, const float *s, size_t i)
{
	size_t n = (size_t)h->n;
	double f = 0;

	for (size_t j = 0; j < n; j++)
		f += (double)h->W[i * n + j] * s[j];
	return f > 0 ? 1.0f : f < 0 ? -1.0f : s[i];
}

long nn_hopfield_step(const nn_hopfield *h, float *s, nn_hop_mode mode,
                      nn_rng *rng)
{
	size_t n = (size_t)h->n;
	long changed = 0;

	if (mode == NN_HOP_SYNC) {
		float *t = malloc(n * sizeof *t);

		if (!t)
			return nn_fail("out of memory");
		for (size_t i = 0; i < n; i++) {
			t[i] = update(h, s, i);
			changed += t[i] != s[i];
		}
		memcpy(s, t, n * sizeof *s);
		free(t);
		return changed;
	}
	size_t *order = malloc(n * sizeof *order);

	if (!order)
		return nn_fail("out of memory");
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	nn_rng_shuffle(rng, order, n);
	for (size_t k = 0; k < n; k++) {
		size_t i = order[k];
		float v = update(h, s, i);

		changed += v != s[i];
		s[i] = v;
	}
	free(order);
	return changed;
}

int nn_hopfield_recall(const nn_hopfield *h, float *s, nn_hop_mode mode,
                       int max_steps, nn_rng *rng, nn_hop_result *r)
{
	long c;

	memset(r, 0, sizeof *r);
	if (!h->npat)
		return nn_fail("nothing is stored yet: store patterns first");
	for (r->steps = 0; r->steps < max_steps; r->steps++) {
		if ((c = nn_hopfield_step(h, s, mode, rng)) < 0)
			return -1;
		if (c == 0) {
			r->fixed = 1;
			break;
		}
	}
	if (!r->fixed) {
		float *t = malloc((size_t)h->n * sizeof *t);

		if (!t)
			return nn_fail("out of memory");
		memcpy(t, s, (size_t)h->n * sizeof *t);
		r->fixed = nn_hopfield_step(h, t, NN_HOP_SYNC, rng) == 0;
		free(t);
	}
	nn_hopfield_nearest(h, s, &r->nearest, &r->overlap);
	r->energy = nn_hopfield_energy(h, s);
	return 0;
}

void nn_hopfield_nearest(const nn_hopfield *h, const float *s,
                         size_t *nearest, double *overlap)
{
	size_t n = (size_t)h->n;

	*nearest = 0;
	*overlap = 0;
	for (size_t a = 0; a < h->npat; a++) {
		double m = 0;

		for (size_t i = 0; i < n; i++)
			m += (double)s[i] * h->pat[a * n + i];
		m /= (double)n;
		if (a == 0 || fabs(m) > fabs(*overlap)) {
			*nearest = a;
			*overlap = m;
		}
	}
}

/* ---- datasets of patterns ---------------------------------------------- */

/* A dataset of count float patterns of n units, labelled 0..count-1 (or
 * with the labels of src when given). */
static nn_dataset *pattern_set(size_t count, size_t n, int w)
{
	nn_dataset *d = nn_dataset_new();

	if (!d)
		return NULL;
	d->n = count;
	if (w > 0)
		d->xshape = (nn_shape){ 2, { (int)n / w, w, 0, 0 } };
	else
		d->xshape = (nn_shape){ 1, { (int)n, 0, 0, 0 } };
	d->xsize = n;
	if (!(d->x = malloc(count * n * sizeof *d->x))) {
		nn_dataset_free(d);
		nn_fail("out of memory");
		return NULL;
	}
	return d;
}

/* The side of a square of n units, or 0 when n is not a square. */
static int square_side(size_t n)
{
	int s = (int)(sqrt((double)n) + 0.5);

	return (size_t)s * (size_t)s == n ? s : 0;
}

static int label_by_index(nn_dataset *d)
{
	if (!(d->labels = malloc(d->n * sizeof *d->labels)))
		return nn_fail("out of memory");
	for (size_t i = 0; i < d->n; i++)
		d->labels[i] = (int32_t)i;
	d->nclasses = (int)d->n;
	d->ysize = d->n;
	return 0;
}

nn_dataset *nn_make_patterns(size_t count, size_t units, nn_rng *rng)
{
	nn_dataset *d;

	if (count < 1 || count > 100000 || units < 2 || units > 4096) {
		nn_fail("make patterns: n= is 1..100000 and size= 2..4096");
		return NULL;
	}
	if (!(d = pattern_set(count, units, square_side(units))))
		return NULL;
	for (size_t i = 0; i < count * units; i++)
		d->x[i] = nn_rng_uniform(rng) < 0.5 ? -1.0f : 1.0f;
	if (label_by_index(d) < 0) {
		nn_dataset_free(d);
		return NULL;
	}
	return d;
}

/* A float copy of d whose inputs are checked and made -1/+1. */
static nn_dataset *bipolar_copy(const nn_dataset *d)
{
	nn_dataset *c = nn_dataset_copy(d);
	size_t total = d->n * d->xsize;

	if (!c)
		return NULL;
	if (!c->x && !(c->x = malloc(total * sizeof *c->x))) {
		nn_dataset_free(c);
		nn_fail("out of memory");
		return NULL;
	}
	for (size_t i = 0; i < d->n; i++) {
		float *row = c->x + i * d->xsize;

		for (size_t j = 0; j < d->xsize; j++)
			row[j] = nn_dataset_x(d, i, j);
		if (nn_hopfield_bipolar(row, d->xsize, row) < 0) {
			char msg[256];

			snprintf(msg, sizeof msg, "%s", nn_error());
			nn_fail("sample %zu: %s", i, msg);
			nn_dataset_free(c);
			return NULL;
		}
	}
	free(c->xbytes);
	c->xbytes = NULL;
	c->xscale = 0;
	return c;
}

nn_dataset *nn_dataset_flip(const nn_dataset *d, double p, nn_rng *rng)
{
	nn_dataset *c;

	if (!(p >= 0 && p <= 1)) {
		nn_fail("flip: p must be between 0 and 1");
		return NULL;
	}
	if (nn_dataset_numeric(d, "flip") < 0)
		return NULL;
	if (!(c = bipolar_copy(d)))
		return NULL;
	for (size_t i = 0; i < c->n * c->xsize; i++)
		if (nn_rng_uniform(rng) < p)
			c->x[i] = -c->x[i];
	return c;
}

nn_dataset *nn_dataset_bipolar(const nn_dataset *d, int side,
                               double threshold)
{
	int w = 0, h = 0, c = 1;
	nn_dataset *o;

	if (nn_dataset_numeric(d, "bipolar") < 0)
		return NULL;
	if (d->xshape.ndim == 3) {
		c = d->xshape.dim[0];
		h = d->xshape.dim[1];
		w = d->xshape.dim[2];
	} else if (d->xshape.ndim == 2) {
		h = d->xshape.dim[0];
		w = d->xshape.dim[1];
	}
	if (side == 0) {
		if (!(o = bipolar_copy(d)))
			return NULL;
		return o;
	}
	if (!w || side < 2 || side > 64 || side > w || side > h) {
		nn_fail("bipolar size=%d needs images at least that large",
		        side);
		return NULL;
	}
	if (!(o = nn_dataset_copy(d)))
		return NULL;
	free(o->x);
	free(o->xbytes);
	o->xbytes = NULL;
	o->xscale = 0;
	o->xshape = (nn_shape){ 2, { side, side, 0, 0 } };
	o->xsize = (size_t)side * (size_t)side;
	if (!(o->x = malloc(d->n * o->xsize * sizeof *o->x))) {
		nn_dataset_free(o);
		nn_fail("out of memory");
		return NULL;
	}
	/* each cell is the mean of the pixels (of every channel) whose
	 * centres fall in it */
	for (size_t i = 0; i < d->n; i++) {
		float *row = o->x + i * o->xsize;
		double sum[64 * 64] = { 0 };
		int cnt[64 * 64] = { 0 };

		for (int ch = 0; ch < c; ch++)
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					int cy = y * side / h;
					int cx = x * side / w;
					size_t j = ((size_t)ch * h + y) * w + x;

					sum[cy * side + cx] +=
						nn_dataset_x(d, i, j);
					cnt[cy * side + cx]++;
				}
		for (int k = 0; k < side * side; k++)
			row[k] = sum[k] / cnt[k] > threshold ? 1.0f : -1.0f;
	}
	return o;
}

/* ---- capacity ---------------------------------------------------------- */

int nn_hopfield_capacity(int units, nn_hop_rule rule, int maxload,
                         int trials, nn_rng *rng, double *frac,
                         double *overlap)
{
	nn_hopfield *h = nn_hopfield_new(units);
	size_t n = (size_t)units;
	float *P, *s;

	if (!h)
		return -1;
	if (maxload < 1 || trials < 1) {
		nn_hopfield_free(h);
		return nn_fail("capacity: load and trials must be 1 or more");
	}
	P = malloc((size_t)maxload * n * sizeof *P);
	s = malloc(n * sizeof *s);
	if (!P || !s) {
		free(P);
		free(s);
		nn_hopfield_free(h);
		return nn_fail("out of memory");
	}
	for (int k = 1; k <= maxload; k++) {
		long ok = 0, done = 0;
		double m = 0;

		for (int t = 0; t < trials; t++) {
			for (size_t i = 0; i < (size_t)k * n; i++)
				P[i] = nn_rng_uniform(rng) < 0.5 ? -1 : 1;
			if (nn_hopfield_store(h, P, (size_t)k, rule) < 0)
				continue;
			for (int a = 0; a < k; a++) {
				nn_hop_result r;

				memcpy(s, P + (size_t)a * n, n * sizeof *s);
				if (nn_hopfield_recall(h, s, NN_HOP_ASYNC, 20,
				                       rng, &r) < 0)
					break;
				ok += memcmp(s, P + (size_t)a * n,
				             n * sizeof *s) == 0;
				for (size_t i = 0; i < n; i++)
					m += s[i] * P[(size_t)a * n + i];
			}
			done++;
		}
		frac[k - 1] = done ? (double)ok / ((double)k * done) : NAN;
		overlap[k - 1] = done ? m / ((double)n * k * done) : NAN;
	}
	free(P);
	free(s);
	nn_hopfield_free(h);
	return 0;
}
