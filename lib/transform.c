/* transform.c - new datasets from old ones: slices, shuffles, stratified
 * splits, reshapes, one-hot targets, autoencoder targets, per-feature
 * affine maps (standardise, min-max), noise, PCA whitening; and the
 * statistics that `info` shows. The argument is never changed. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

float nn_dataset_x(const nn_dataset *d, size_t i, size_t j)
{
	size_t k = i * d->xsize + j;

	if (d->xtok)
		return (float)d->xtok[k];
	return d->xbytes ? d->xbytes[k] * d->xscale : d->x[k];
}

/* 0, 1, ..., n-1 in a new array; NULL with a message. */
static size_t *iota(size_t n)
{
	size_t *idx = malloc((n ? n : 1) * sizeof *idx);

	if (!idx) {
		nn_fail("out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	return idx;
}

nn_dataset *nn_dataset_slice(const nn_dataset *d, size_t from, size_t count)
{
	size_t *idx;
	nn_dataset *s;

	if (from > d->n || count > d->n - from) {
		nn_fail("samples %zu..%zu are out of range: the set has %zu "
		        "(0..%zu)", from, from + count, d->n,
		        d->n ? d->n - 1 : 0);
		return NULL;
	}
	if (!(idx = iota(count)))
		return NULL;
	for (size_t i = 0; i < count; i++)
		idx[i] += from;
	s = nn_dataset_subset(d, idx, count);
	free(idx);
	return s;
}

nn_dataset *nn_dataset_shuffle(const nn_dataset *d, nn_rng *rng)
{
	size_t *idx = iota(d->n);
	nn_dataset *s;

	if (!idx)
		return NULL;
	nn_rng_shuffle(rng, idx, d->n);
	s = nn_dataset_subset(d, idx, d->n);
	free(idx);
	return s;
}

int nn_dataset_split(const nn_dataset *d, double frac, nn_rng *rng,
                     nn_dataset **a, nn_dataset **b)
{
	/* by class; labels per position make no classes of samples */
	int k = d->nclasses > 0 && !d->ytok ? d->nclasses : 1;
	size_t *idx = iota(d->n), *pick = NULL, na = 0, nb = 0;
	char *in_a = calloc(d->n ? d->n : 1, 1);

	*a = *b = NULL;
	if (!(frac > 0 && frac < 1)) {
		free(idx);
		free(in_a);
		return nn_fail("split: the fraction must be between 0 and 1, "
		               "as in 0.8");
	}
	if (!idx || !in_a || !(pick = malloc((d->n ? d->n : 1) *
	                                     sizeof *pick))) {
		free(idx);
		free(in_a);
		return nn_fail("out of memory");
	}
	/* shuffle each class's samples, then give the first part to a */
	nn_rng_shuffle(rng, idx, d->n);
	for (int c = 0; c < k; c++) {
		size_t m = 0, take;

		for (size_t i = 0; i < d->n; i++)
			if (k == 1 || nn_dataset_label(d, idx[i]) == c)
				pick[m++] = idx[i];
		take = (size_t)floor(frac * (double)m + 0.5);
		for (size_t i = 0; i < take; i++)
			in_a[pick[i]] = 1;
	}
	for (size_t i = 0; i < d->n; i++) {
		if (in_a[i])
			idx[na++] = i;
		else
			pick[nb++] = i;
	}
	free(in_a);
	if (na == 0 || nb == 0) {
		free(idx);
		free(pick);
		return nn_fail("split %g of %zu samples leaves a part empty",
		               frac, d->n);
	}
	*a = nn_dataset_subset(d, idx, na);
	*b = *a ? nn_dataset_subset(d, pick, nb) : NULL;
	free(idx);
	free(pick);
	if (!*b) {
		nn_dataset_free(*a);
		*a = NULL;
		return -1;
	}
	return 0;
}

nn_dataset *nn_dataset_reshape(const nn_dataset *d, const nn_shape *s)
{
	char a[32], b[32];
	nn_dataset *c;

	if (nn_shape_size(s) != d->xsize) {
		nn_fail("cannot reshape inputs of shape %s (%zu values) to %s "
		        "(%zu)", nn_shape_str(&d->xshape, a, sizeof a),
		        d->xsize, nn_shape_str(s, b, sizeof b),
		        nn_shape_size(s));
		return NULL;
	}
	if ((c = nn_dataset_copy(d)))
		c->xshape = *s;
	return c;
}

nn_dataset *nn_dataset_onehot(const nn_dataset *d)
{
	nn_dataset *c;

	if (d->ytok) {
		nn_fail("onehot: the targets are labels per position, made "
		        "one-hot when a batch is gathered");
		return NULL;
	}
	if (d->nclasses <= 0) {
		nn_fail("onehot needs class labels; this set has float "
		        "targets");
		return NULL;
	}
	if (!(c = nn_dataset_copy(d)))
		return NULL;
	if (!c->labels) {
		if (!(c->labels = malloc(c->n * sizeof *c->labels))) {
			nn_dataset_free(c);
			nn_fail("out of memory");
			return NULL;
		}
		for (size_t i = 0; i < c->n; i++)
			c->labels[i] = nn_dataset_label(d, i);
		free(c->y);
		c->y = NULL;
	}
	c->ysize = (size_t)c->nclasses;
	return c;
}

/* A copy whose inputs are floats (bytes scaled). */
static nn_dataset *float_copy(const nn_dataset *d)
{
	nn_dataset *c = nn_dataset_copy(d);

	if (!c || !c->xbytes)
		return c;
	if (!(c->x = malloc(c->n * c->xsize * sizeof *c->x))) {
		nn_dataset_free(c);
		nn_fail("out of memory for %zu float inputs",
		        d->n * d->xsize);
		return NULL;
	}
	for (size_t i = 0; i < c->n * c->xsize; i++)
		c->x[i] = c->xbytes[i] * c->xscale;
	free(c->xbytes);
	c->xbytes = NULL;
	c->xscale = 0;
	return c;
}

nn_dataset *nn_dataset_autoencode(const nn_dataset *d)
{
	nn_dataset *c = nn_dataset_numeric(d, "autoencode") < 0 ? NULL
	                                                       : float_copy(d);

	if (!c)
		return NULL;
	free(c->y);
	free(c->labels);
	c->labels = NULL;
	if (!(c->y = malloc(c->n * c->xsize * sizeof *c->y))) {
		nn_dataset_free(c);
		nn_fail("out of memory");
		return NULL;
	}
	memcpy(c->y, c->x, c->n * c->xsize * sizeof *c->y);
	c->ysize = c->xsize;
	for (int i = 0; c->class_names && i < c->nclasses; i++)
		free(c->class_names[i]);
	free(c->class_names);
	c->class_names = NULL;
	c->nclasses = 0;
	return c;
}

/* ---- affine maps ------------------------------------------------------- */

static int affine_alloc(nn_affine *a, size_t n)
{
	a->n = n;
	a->mul = malloc(n * sizeof *a->mul);
	a->add = malloc(n * sizeof *a->add);
	if (!a->mul || !a->add) {
		nn_affine_free(a);
		return nn_fail("out of memory");
	}
	return 0;
}

void nn_affine_free(nn_affine *a)
{
	free(a->mul);
	free(a->add);
	memset(a, 0, sizeof *a);
}

/* Per-feature (or, with one slot, overall) sums: count, sum, sum of
 * squares, min, max. */
typedef struct feat_sums {
	size_t n;
	double *sum, *sq, *min, *max;
} feat_sums;

static void sums_free(feat_sums *s)
{
	free(s->sum);
	free(s->sq);
	free(s->min);
	free(s->max);
}

static int sums(const nn_dataset *d, int per_feature, feat_sums *s)
{
	size_t m = per_feature ? d->xsize : 1;

	s->n = m;
	s->sum = calloc(m, sizeof *s->sum);
	s->sq = calloc(m, sizeof *s->sq);
	s->min = malloc(m * sizeof *s->min);
	s->max = malloc(m * sizeof *s->max);
	if (!s->sum || !s->sq || !s->min || !s->max) {
		sums_free(s);
		return nn_fail("out of memory");
	}
	if (d->n == 0) {
		sums_free(s);
		return nn_fail("the dataset is empty");
	}
	for (size_t j = 0; j < m; j++) {
		s->min[j] = INFINITY;
		s->max[j] = -INFINITY;
	}
	for (size_t i = 0; i < d->n; i++)
		for (size_t j = 0; j < d->xsize; j++) {
			double v = nn_dataset_x(d, i, j);
			size_t k = per_feature ? j : 0;

			s->sum[k] += v;
			s->sq[k] += v * v;
			if (v < s->min[k])
				s->min[k] = v;
			if (v > s->max[k])
				s->max[k] = v;
		}
	return 0;
}

int nn_affine_standardize(const nn_dataset *d, int per_feature,
                          nn_affine *a)
{
	feat_sums s;
	double cnt = (double)d->n * (per_feature ? 1.0 : (double)d->xsize);

	memset(a, 0, sizeof *a);
	if (nn_dataset_numeric(d, "standardize") < 0 ||
	    sums(d, per_feature, &s) < 0)
		return -1;
	if (affine_alloc(a, s.n) < 0) {
		sums_free(&s);
		return -1;
	}
	for (size_t j = 0; j < s.n; j++) {
		double mean = s.sum[j] / cnt;
		double var = s.sq[j] / cnt - mean * mean;
		double sd = var > 0 ? sqrt(var) : 0;

		a->mul[j] = sd > 1e-6 * (fabs(mean) + 1) ? (float)(1 / sd) : 1;
		a->add[j] = (float)(-mean * a->mul[j]);
	}
	sums_free(&s);
	return 0;
}

int nn_affine_minmax(const nn_dataset *d, int per_feature, double lo,
                     double hi, nn_affine *a)
{
	feat_sums s;

	memset(a, 0, sizeof *a);
	if (!(lo < hi))
		return nn_fail("scale: min %g must be below max %g", lo, hi);
	if (nn_dataset_numeric(d, "scale") < 0 ||
	    sums(d, per_feature, &s) < 0)
		return -1;
	if (affine_alloc(a, s.n) < 0) {
		sums_free(&s);
		return -1;
	}
	for (size_t j = 0; j < s.n; j++) {
		double span = s.max[j] - s.min[j];
		double mul = span > 0 ? (hi - lo) / span : 0;
		double add = lo - s.min[j] * (double)(float)mul;

		/* a factor past a float's range turned every 0 into NaN */
		if (!(fabs(mul) <= FLT_MAX && fabs(add) <= FLT_MAX &&
		      fabs(hi) <= FLT_MAX && fabs(lo) <= FLT_MAX)) {
			if (s.n == 1)
				nn_fail("scale: [%g, %g] onto [%g, %g] takes a "
				        "factor of %g, beyond a float's %g",
				        s.min[j], s.max[j], lo, hi, mul, FLT_MAX);
			else
				nn_fail("scale: feature %zu spans [%g, %g]: onto "
				        "[%g, %g] takes a factor of %g, beyond a "
				        "float's %g", j + 1, s.min[j], s.max[j], lo,
				        hi, mul, FLT_MAX);
			sums_free(&s);
			nn_affine_free(a);
			return -1;
		}
		a->mul[j] = (float)mul;
		a->add[j] = (float)add;
	}
	sums_free(&s);
	return 0;
}

nn_dataset *nn_dataset_affine(const nn_dataset *d, const nn_affine *a)
{
	nn_dataset *c;

	if (nn_dataset_numeric(d, "normalize") < 0)
		return NULL;
	if (a->n != 1 && a->n != d->xsize) {
		nn_fail("the statistics are for %zu features but the set "
		        "has %zu", a->n, d->xsize);
		return NULL;
	}
	if (!(c = float_copy(d)))
		return NULL;
	for (size_t i = 0; i < c->n; i++) {
		float *x = c->x + i * c->xsize;

		for (size_t j = 0; j < c->xsize; j++) {
			size_t k = a->n == 1 ? 0 : j;

			x[j] = x[j] * a->mul[k] + a->add[k];
		}
	}
	return c;
}

/* ---- noise ------------------------------------------------------------- */

nn_dataset *nn_dataset_noise(const nn_dataset *d, nn_noise_kind kind,
                             double amount, int clip, nn_rng *rng)
{
	nn_data_stats st;
	nn_dataset *c;
	float lo, hi;

	if (nn_dataset_numeric(d, "noise") < 0)
		return NULL;
	if (!(amount >= 0) || (kind != NN_NOISE_GAUSSIAN && amount > 1)) {
		nn_fail(kind == NN_NOISE_GAUSSIAN
		        ? "noise: std must be 0 or more"
		        : "noise: p must be between 0 and 1");
		return NULL;
	}
	if (nn_dataset_stats(d, &st) < 0)
		return NULL;
	free(st.counts);
	lo = (float)st.xmin;
	hi = (float)st.xmax;
	if (!(c = float_copy(d)))
		return NULL;
	for (size_t i = 0; i < c->n * c->xsize; i++) {
		float *v = &c->x[i];

		if (kind == NN_NOISE_GAUSSIAN)
			*v += (float)(amount * nn_rng_normal(rng));
		else if (nn_rng_uniform(rng) < amount)
			*v = kind == NN_NOISE_MASK ? 0
			     : nn_rng_uniform(rng) < 0.5 ? lo : hi;
		if (clip)
			*v = *v < lo ? lo : *v > hi ? hi : *v;
	}
	return c;
}

/* ---- PCA whitening ------------------------------------------------------ */

/* Eigen-decomposition of the symmetric n x n matrix a (destroyed) by
 * cyclic Jacobi rotations: eigenvalues in ev, eigenvectors as columns
 * of v. */
static void jacobi(double *a, size_t n, double *ev, double *v)
{
	for (size_t i = 0; i < n * n; i++)
		v[i] = i % (n + 1) == 0;
	for (int sweep = 0; sweep < 100; sweep++) {
		double off = 0, diag = 0;

		for (size_t p = 0; p < n; p++)
			for (size_t q = 0; q < n; q++)
				if (p != q)
					off += a[p * n + q] * a[p * n + q];
				else
					diag += a[p * n + p] * a[p * n + p];
		if (off <= 1e-24 * (diag + 1e-300))
			break;
		for (size_t p = 0; p + 1 < n; p++)
			for (size_t q = p + 1; q < n; q++) {
				double apq = a[p * n + q], th, t, cs, sn;

				if (fabs(apq) < 1e-300)
					continue;
				th = (a[q * n + q] - a[p * n + p]) / (2 * apq);
				t = (th >= 0 ? 1 : -1) /
				    (fabs(th) + sqrt(th * th + 1));
				cs = 1 / sqrt(t * t + 1);
				sn = t * cs;
				for (size_t k = 0; k < n; k++) {
					double akp = a[k * n + p];
					double akq = a[k * n + q];

					a[k * n + p] = cs * akp - sn * akq;
					a[k * n + q] = sn * akp + cs * akq;
				}
				for (size_t k = 0; k < n; k++) {
					double apk = a[p * n + k];
					double aqk = a[q * n + k];

					a[p * n + k] = cs * apk - sn * aqk;
					a[q * n + k] = sn * apk + cs * aqk;
				}
				for (size_t k = 0; k < n; k++) {
					double vkp = v[k * n + p];
					double vkq = v[k * n + q];

					v[k * n + p] = cs * vkp - sn * vkq;
					v[k * n + q] = sn * vkp + cs * vkq;
				}
			}
	}
	for (size_t i = 0; i < n; i++)
		ev[i] = a[i * n + i];
}

void nn_pca_free(nn_pca *p)
{
	free(p->mean);
	free(p->w);
	free(p->var);
	memset(p, 0, sizeof *p);
}

int nn_pca_fit(const nn_dataset *d, size_t k, double eps, nn_pca *p)
{
	size_t n = d->xsize, *order = NULL;
	double *cov, *ev, *vec, *x;

	memset(p, 0, sizeof *p);
	if (nn_dataset_numeric(d, "decorrelate") < 0)
		return -1;
	if (n > NN_PCA_MAX)
		return nn_fail("decorrelate works on up to %d features; this "
		               "set has %zu", NN_PCA_MAX, n);
	if (d->n < 2)
		return nn_fail("decorrelate needs at least 2 samples");
	if (k == 0 || k > n)
		k = n;
	if (!(eps >= 0))
		return nn_fail("decorrelate: eps must be 0 or more");
	cov = calloc(n * n, sizeof *cov);
	ev = malloc(n * sizeof *ev);
	vec = malloc(n * n * sizeof *vec);
	x = malloc(n * sizeof *x);
	order = malloc(n * sizeof *order);
	p->mean = calloc(n, sizeof *p->mean);
	p->w = malloc(k * n * sizeof *p->w);
	p->var = malloc(k * sizeof *p->var);
	if (!cov || !ev || !vec || !x || !order || !p->mean || !p->w ||
	    !p->var) {
		nn_fail("out of memory");
		goto fail;
	}
	p->d = n;
	p->k = k;
	for (size_t i = 0; i < d->n; i++)
		for (size_t j = 0; j < n; j++)
			p->mean[j] += nn_dataset_x(d, i, j) / (float)d->n;
	for (size_t i = 0; i < d->n; i++) {
		for (size_t j = 0; j < n; j++)
			x[j] = nn_dataset_x(d, i, j) - p->mean[j];
		for (size_t r = 0; r < n; r++)
			for (size_t c = r; c < n; c++)
				cov[r * n + c] += x[r] * x[c];
	}
	for (size_t r = 0; r < n; r++)
		for (size_t c = r; c < n; c++)
			cov[c * n + r] = cov[r * n + c] /= (double)d->n;
	jacobi(cov, n, ev, vec);
	for (size_t i = 0; i < n; i++)     /* largest variance first */
		order[i] = i;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && ev[order[j]] > ev[order[j - 1]];
		     j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (size_t r = 0; r < k; r++) {
		double var = ev[order[r]] > 0 ? ev[order[r]] : 0;
		double s = 1 / sqrt(var + eps);

		if (!isfinite(s)) {
			nn_fail("decorrelate: component %zu has no variance; "
			        "give eps= above 0 or fewer dims=", r + 1);
			goto fail;
		}
		p->var[r] = (float)var;
		for (size_t c = 0; c < n; c++)
			p->w[r * n + c] = (float)(vec[c * n + order[r]] * s);
	}
	free(cov);
	free(ev);
	free(vec);
	free(x);
	free(order);
	return 0;
fail:
	free(cov);
	free(ev);
	free(vec);
	free(x);
	free(order);
	nn_pca_free(p);
	return -1;
}

nn_dataset *nn_dataset_pca(const nn_dataset *d, const nn_pca *p)
{
	nn_dataset *c;
	float *out, *x;

	if (nn_dataset_numeric(d, "decorrelate") < 0)
		return NULL;
	if (d->xsize != p->d) {
		nn_fail("the whitening was fitted on %zu features but the set "
		        "has %zu", p->d, d->xsize);
		return NULL;
	}
	if (!(c = float_copy(d)))
		return NULL;
	out = malloc((c->n ? c->n : 1) * p->k * sizeof *out);
	x = malloc(p->d * sizeof *x);
	if (!out || !x) {
		free(out);
		free(x);
		nn_dataset_free(c);
		nn_fail("out of memory");
		return NULL;
	}
	for (size_t i = 0; i < c->n; i++) {
		for (size_t j = 0; j < p->d; j++)
			x[j] = c->x[i * p->d + j] - p->mean[j];
		for (size_t r = 0; r < p->k; r++) {
			double s = 0;

			for (size_t j = 0; j < p->d; j++)
				s += p->w[r * p->d + j] * x[j];
			out[i * p->k + r] = (float)s;
		}
	}
	free(x);
	free(c->x);
	c->x = out;
	c->xsize = p->k;
	c->xshape = (nn_shape){ 1, { (int)p->k, 0, 0, 0 } };
	return c;
}

/* ---- statistics -------------------------------------------------------- */

int nn_dataset_stats(const nn_dataset *d, nn_data_stats *s)
{
	size_t total = d->n * d->xsize;
	double sum = 0, sq = 0;

	memset(s, 0, sizeof *s);
	if (total == 0)
		return nn_fail("the dataset is empty");
	if (d->xbytes) {        /* a histogram of the 256 byte values */
		size_t hist[256] = { 0 };
		int lo = 255, hi = 0;

		for (size_t i = 0; i < total; i++)
			hist[d->xbytes[i]]++;
		for (int v = 0; v < 256; v++) {
			if (!hist[v])
				continue;
			lo = v < lo ? v : lo;
			hi = v;
			sum += (double)hist[v] * v;
			sq += (double)hist[v] * v * v;
		}
		s->xmin = lo * d->xscale;
		s->xmax = hi * d->xscale;
		sum *= d->xscale;
		sq *= (double)d->xscale * d->xscale;
	} else {
		s->xmin = INFINITY;
		s->xmax = -INFINITY;
		for (size_t i = 0; i < total; i++) {
			double v = nn_dataset_x(d, 0, i);

			s->xmin = v < s->xmin ? v : s->xmin;
			s->xmax = v > s->xmax ? v : s->xmax;
			sum += v;
			sq += v * v;
		}
	}
	s->xmean = sum / (double)total;
	s->xstd = sqrt(fmax(sq / (double)total - s->xmean * s->xmean, 0));
	s->ymin = s->ymax = NAN;
	if (d->y) {
		s->ymin = INFINITY;
		s->ymax = -INFINITY;
		for (size_t i = 0; i < d->n * d->ysize; i++) {
			s->ymin = d->y[i] < s->ymin ? d->y[i] : s->ymin;
			s->ymax = d->y[i] > s->ymax ? d->y[i] : s->ymax;
		}
	}
	if (d->nclasses > 0) {
		if (!(s->counts = calloc((size_t)d->nclasses,
		                         sizeof *s->counts)))
			return nn_fail("out of memory");
		for (size_t i = 0; i < d->n; i++) {
			int c = nn_dataset_label(d, i);

			if (c >= 0 && c < d->nclasses)
				s->counts[c]++;
		}
	}
	return 0;
}
