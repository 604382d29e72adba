/* gen.c - the built-in teaching sets: xor, moons, circles, blobs, spiral,
 * Gaussian clusters, symmetry, descending, parity, encoder, the 1-D
 * function sets box, sine and polynomial, and the 2-D mixtures a GAN
 * learns, gaussians and rings. All draw from the caller's rng,
 * so a seed gives the same set on every machine. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

const nn_gen_info nn_gen_kinds[NN_GEN_COUNT] = {
	{ "xor", "n noise",
	  "the four corners of the unit square, label a xor b" },
	{ "moons", "n noise", "two interleaving half circles" },
	{ "circles", "n noise factor", "a circle inside another" },
	{ "blobs", "n centers std",
	  "round clusters around random or given centres" },
	{ "spiral", "n classes turns noise", "interleaved spiral arms" },
	{ "gaussian", "n classes dim std sep",
	  "overlapping Gaussian clusters in any dimension" },
	{ "symmetry", "n bits balanced",
	  "bit vectors, label 1 for palindromes" },
	{ "descending", "n bits lo hi",
	  "whole numbers, label 1 when strictly decreasing" },
	{ "parity", "n bits", "bit vectors, label 1 for an odd count of ones" },
	{ "encoder", "n bits", "one-hot vectors to reproduce (8-3-8)" },
	{ "box", "n h delta center lo hi noise",
	  "1-D: h inside a window of width delta, 0 outside" },
	{ "sine", "n freq lo hi noise", "1-D: sin(freq x)" },
	{ "poly", "n coef lo hi noise", "1-D: c0 + c1 x + c2 x^2 + ..." },
	{ "gaussians", "n classes radius noise",
	  "a mixture of Gaussians on a circle (a GAN's 2-D modes)" },
	{ "rings", "n classes radius noise", "concentric rings" },
};

int nn_gen_parse(const char *name)
{
	if (strcmp(name, "polynomial") == 0)
		return NN_GEN_POLY;
	for (int k = 0; k < NN_GEN_COUNT; k++)
		if (strcmp(name, nn_gen_kinds[k].name) == 0)
			return k;
	return -1;
}

void nn_gen_defaults(nn_gen_kind k, nn_gen_opts *o)
{
	static const float x2[3] = { 0, 0, 1 };

	memset(o, 0, sizeof *o);
	o->n = 200;
	o->classes = 3;
	o->dim = 2;
	o->std = 1;
	o->turns = 1;
	o->factor = 0.5;
	o->lo = -1;
	o->hi = 1;
	switch (k) {
	case NN_GEN_XOR: o->n = 4; break;
	case NN_GEN_MOONS: o->noise = 0.1; break;
	case NN_GEN_CIRCLES: o->noise = 0.05; break;
	case NN_GEN_BLOBS: o->n = 300; o->ncenters = 3; break;
	case NN_GEN_SPIRAL: o->n = 300; o->noise = 0.02; break;
	case NN_GEN_GAUSSIAN: o->classes = 2; o->sep = 1; break;
	case NN_GEN_SYMMETRY: o->n = 0; o->bits = 6; break;
	case NN_GEN_DESCENDING:
		o->n = 300; o->bits = 5; o->lo = 0; o->hi = 9; break;
	case NN_GEN_PARITY: o->n = 0; o->bits = 4; break;
	case NN_GEN_ENCODER: o->n = 8; o->bits = 8; break;
	case NN_GEN_BOX:
		o->lo = -2; o->hi = 2; o->h = 1; o->delta = 1; break;
	case NN_GEN_SINE: o->lo = -M_PI; o->hi = M_PI; o->freq = 1; break;
	case NN_GEN_POLY: o->coef = x2; o->ncoef = 3; break;
	case NN_GEN_GAUSSIANS:
		o->n = 800; o->classes = 8; o->radius = 2; o->noise = 0.05;
		break;
	case NN_GEN_RINGS:
		o->n = 600; o->radius = 1; o->noise = 0.02; break;
	default: break;
	}
}

/* A dataset of n samples of w float inputs; classes > 0 gives labels
 * (one target for two classes), else one float target. */
static nn_dataset *alloc_set(size_t n, size_t w, int classes)
{
	nn_dataset *d = nn_dataset_new();

	if (!d)
		return NULL;
	d->n = n;
	d->xshape = (nn_shape){ 1, { (int)w, 0, 0, 0 } };
	d->xsize = w;
	d->x = calloc(n * w, sizeof *d->x);
	d->nclasses = classes;
	if (classes > 0) {
		d->labels = calloc(n, sizeof *d->labels);
		d->ysize = classes == 2 ? 1 : (size_t)classes;
	} else {
		d->y = calloc(n, sizeof *d->y);
		d->ysize = 1;
	}
	if (!d->x || (!d->labels && !d->y)) {
		nn_dataset_free(d);
		nn_fail("out of memory for %zu samples", n);
		return NULL;
	}
	return d;
}

/* Put the samples of d in a random order (d is freed). */
static nn_dataset *shuffled(nn_dataset *d, nn_rng *rng)
{
	nn_dataset *s;

	if (!d)
		return NULL;
	s = nn_dataset_shuffle(d, rng);
	nn_dataset_free(d);
	return s;
}

/* Class of sample i when n samples are dealt to k classes in turn:
 * class sizes differ by at most one. */
static int deal(size_t i, int k)
{
	return (int)(i % (size_t)k);
}

/* Position of sample i among the m samples of its class, in [0, 1]. */
static double place(size_t i, size_t n, int k)
{
	size_t m = n / (size_t)k + (i % (size_t)k < n % (size_t)k);

	return m > 1 ? (double)(i / (size_t)k) / (double)(m - 1) : 0.0;
}

static void add_noise(float *v, size_t n, double std, nn_rng *rng)
{
	if (std > 0)
		for (size_t i = 0; i < n; i++)
			v[i] += (float)(std * nn_rng_normal(rng));
}

static nn_dataset *gen_xor(const nn_gen_opts *o, nn_rng *rng)
{
	nn_dataset *d = alloc_set(o->n, 2, 2);

	if (!d)
		return NULL;
	for (size_t i = 0; i < o->n; i++) {
		int a = (int)(i % 4) >> 1, b = (int)(i % 4) & 1;

		d->x[2 * i] = (float)a;
		d->x[2 * i + 1] = (float)b;
		d->labels[i] = a ^ b;
	}
	add_noise(d->x, 2 * o->n, o->noise, rng);
	return d;
}

static nn_dataset *gen_moons(const nn_gen_opts *o, nn_rng *rng)
{
	nn_dataset *d = alloc_set(o->n, 2, 2);

	if (!d)
		return NULL;
	for (size_t i = 0; i < o->n; i++) {
		int c = deal(i, 2);
		double t = M_PI * place(i, o->n, 2);

		d->labels[i] = c;
		d->x[2 * i] = (float)(c ? 1 - cos(t) : cos(t));
		d->x[2 * i + 1] = (float)(c ? 0.5 - sin(t) : sin(t));
	}
	add_noise(d->x, 2 * o->n, o->noise, rng);
	return shuffled(d, rng);
}

static nn_dataset *gen_circles(const nn_gen_opts *o, nn_rng *rng)
{
	nn_dataset *d;

	if (!(o->factor > 0 && o->factor < 1)) {
		nn_fail("circles: factor must be between 0 and 1");
		return NULL;
	}
	if (!(d = alloc_set(o->n, 2, 2)))
		return NULL;
	for (size_t i = 0; i < o->n; i++) {
		int c = deal(i, 2);
		size_t m = o->n / 2 + (size_t)(c < (int)(o->n % 2));
		double t = 2 * M_PI * (double)(i / 2) / (double)m;
		double r = c ? o->factor : 1.0;

		d->labels[i] = c;
		d->x[2 * i] = (float)(r * cos(t));
		d->x[2 * i + 1] = (float)(r * sin(t));
	}
	add_noise(d->x, 2 * o->n, o->noise, rng);
	return shuffled(d, rng);
}

static nn_dataset *gen_blobs(const nn_gen_opts *o, nn_rng *rng)
{
	int k = o->ncenters;
	float *c;
	nn_dataset *d;

	if (k < 2 || k > 1000) {
		nn_fail("blobs: centers must be 2..1000 or a list of points");
		return NULL;
	}
	if (!(c = malloc(2 * (size_t)k * sizeof *c))) {
		nn_fail("out of memory");
		return NULL;
	}
	for (int j = 0; j < 2 * k; j++)
		c[j] = o->centers ? o->centers[j]
		                  : (float)(20 * nn_rng_uniform(rng) - 10);
	d = alloc_set(o->n, 2, k);
	for (size_t i = 0; d && i < o->n; i++) {
		int j = deal(i, k);

		d->labels[i] = j;
		d->x[2 * i] = c[2 * j] + (float)(o->std * nn_rng_normal(rng));
		d->x[2 * i + 1] = c[2 * j + 1] +
		                  (float)(o->std * nn_rng_normal(rng));
	}
	free(c);
	return shuffled(d, rng);
}

static nn_dataset *gen_spiral(const nn_gen_opts *o, nn_rng *rng)
{
	int k = o->classes;
	nn_dataset *d;

	if (k < 2 || k > 100) {
		nn_fail("spiral: classes must be 2..100");
		return NULL;
	}
	if (!(d = alloc_set(o->n, 2, k)))
		return NULL;
	for (size_t i = 0; i < o->n; i++) {
		int c = deal(i, k);
		double r = 0.1 + 0.9 * place(i, o->n, k);
		double t = 2 * M_PI * (o->turns * r + (double)c / k);

		d->labels[i] = c;
		d->x[2 * i] = (float)(r * cos(t));
		d->x[2 * i + 1] = (float)(r * sin(t));
	}
	add_noise(d->x, 2 * o->n, o->noise, rng);
	return shuffled(d, rng);
}

static nn_dataset *gen_gaussian(const nn_gen_opts *o, nn_rng *rng)
{
	int k = o->classes, w = o->dim;
	nn_dataset *d;

	if (k < 2 || k > 100 || w < 1 || w > 10000) {
		nn_fail("gaussian: classes must be 2..100 and dim 1..10000");
		return NULL;
	}
	if (!(d = alloc_set(o->n, (size_t)w, k)))
		return NULL;
	for (size_t i = 0; i < o->n; i++) {
		int c = deal(i, k);
		double t = 2 * M_PI * c / k;
		float *x = d->x + i * (size_t)w;

		d->labels[i] = c;
		for (int j = 0; j < w; j++)
			x[j] = (float)(o->std * nn_rng_normal(rng));
		x[0] += (float)(o->sep * cos(t));
		if (w > 1)
			x[1] += (float)(o->sep * sin(t));
	}
	return shuffled(d, rng);
}

/* gaussians: classes modes of N(centre, noise^2) with their centres
 * evenly spaced on a circle of radius (the first at (radius, 0)); rings:
 * classes rings about 0, ring c (from 0) of radius radius * (c + 1) /
 * classes, points at random angles with noise added to both coordinates.
 * Samples are dealt to the classes in turn. */
static nn_dataset *gen_modes(nn_gen_kind k, const nn_gen_opts *o,
                             nn_rng *rng)
{
	int m = o->classes, rings = k == NN_GEN_RINGS;
	nn_dataset *d;

	if (m < 2 || m > 100 || !(o->radius > 0))
		return nn_fail("%s: classes must be 2..100 and radius above 0",
		               nn_gen_kinds[k].name), NULL;
	if (!(d = alloc_set(o->n, 2, m)))
		return NULL;
	for (size_t i = 0; i < o->n; i++) {
		int c = deal(i, m);
		double t = rings ? 2 * M_PI * nn_rng_uniform(rng)
		                 : 2 * M_PI * c / m;
		double r = rings ? o->radius * (c + 1) / m : o->radius;

		d->labels[i] = c;
		d->x[2 * i] = (float)(r * cos(t));
		d->x[2 * i + 1] = (float)(r * sin(t));
	}
	add_noise(d->x, 2 * o->n, o->noise, rng);
	return shuffled(d, rng);
}

/* All 2^bits vectors in order (n == 0), or n random ones. */
static int bits_ok(const nn_gen_opts *o, const char *what)
{
	if (o->bits < 1 || o->bits > 64)
		return nn_fail("%s: bits must be 1..64", what);
	if (o->n == 0 && o->bits > 20)
		return nn_fail("%s: give n= for more than 20 bits (2^%d "
		               "vectors is too many)", what, o->bits);
	return 0;
}

static void set_bits(float *x, int bits, uint64_t v)
{
	for (int j = 0; j < bits; j++)
		x[j] = (float)((v >> (bits - 1 - j)) & 1);
}

static uint64_t random_bits(nn_rng *rng, int bits)
{
	uint64_t v = nn_rng_next(rng);

	return bits == 64 ? v : v & ((1ULL << bits) - 1);
}

static nn_dataset *gen_symmetry(const nn_gen_opts *o, nn_rng *rng)
{
	size_t n = o->n ? o->n : (size_t)1 << o->bits;
	int b = o->bits;
	nn_dataset *d;

	if (bits_ok(o, "symmetry") < 0 || !(d = alloc_set(n, (size_t)b, 2)))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		float *x = d->x + i * (size_t)b;
		int sym = 1;

		set_bits(x, b, o->n ? random_bits(rng, b) : (uint64_t)i);
		if (o->n && o->balanced && i % 2 == 0)
			for (int j = 0; j < b / 2; j++)
				x[b - 1 - j] = x[j];
		for (int j = 0; j < b / 2; j++)
			sym &= x[j] == x[b - 1 - j];
		d->labels[i] = sym;
	}
	return d;
}

static nn_dataset *gen_parity(const nn_gen_opts *o, nn_rng *rng)
{
	size_t n = o->n ? o->n : (size_t)1 << o->bits;
	int b = o->bits;
	nn_dataset *d;

	if (bits_ok(o, "parity") < 0 || !(d = alloc_set(n, (size_t)b, 2)))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		float *x = d->x + i * (size_t)b;
		int ones = 0;

		set_bits(x, b, o->n ? random_bits(rng, b) : (uint64_t)i);
		for (int j = 0; j < b; j++)
			ones += x[j] != 0;
		d->labels[i] = ones & 1;
	}
	return d;
}

static nn_dataset *gen_encoder(const nn_gen_opts *o)
{
	int b = o->bits;
	nn_dataset *d;

	if (b < 2 || b > 4096) {
		nn_fail("encoder: bits must be 2..4096");
		return NULL;
	}
	if (!(d = alloc_set(o->n, (size_t)b, b)))
		return NULL;
	d->ysize = (size_t)b;   /* one-hot even for two classes */
	for (size_t i = 0; i < o->n; i++) {
		d->labels[i] = (int)(i % (size_t)b);
		d->x[i * (size_t)b + (size_t)d->labels[i]] = 1;
	}
	return d;
}

/* Sort v[0..n) into decreasing order. */
static void sort_desc(int *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] > v[j - 1]; j--) {
			int t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* n distinct whole numbers from [lo, lo + range), decreasing. */
static void distinct_desc(int *v, int n, int lo, int range, nn_rng *rng)
{
	for (int i = 0; i < n; i++) {
		int again;

		do {
			v[i] = lo + (int)nn_rng_below(rng, (uint32_t)range);
			again = 0;
			for (int j = 0; j < i; j++)
				again |= v[j] == v[i];
		} while (again);
	}
	sort_desc(v, n);
}

/* A third strictly decreasing (label 1), a third decreasing with one tie
 * (label 0: the tie is there on purpose), a third uniform (mostly 0). */
static nn_dataset *gen_descending(const nn_gen_opts *o, nn_rng *rng)
{
	int b = o->bits, lo = (int)o->lo, range = (int)o->hi - (int)o->lo + 1;
	int *v;
	nn_dataset *d;

	if (b < 2 || b > 64)
		return nn_fail("descending: bits (the length) must be 2..64"),
		       NULL;
	if (o->lo != floor(o->lo) || o->hi != floor(o->hi) || range < b ||
	    range > 1000000)
		return nn_fail("descending: lo and hi must be whole numbers "
		               "with at least bits=%d values between them", b),
		       NULL;
	if (!(v = malloc((size_t)b * sizeof *v)))
		return nn_fail("out of memory"), NULL;
	d = alloc_set(o->n, (size_t)b, 2);
	for (size_t i = 0; d && i < o->n; i++) {
		float *x = d->x + i * (size_t)b;
		int dec = 1;

		if (i % 3 == 2) {
			for (int j = 0; j < b; j++)
				v[j] = lo + (int)nn_rng_below(rng,
				                              (uint32_t)range);
		} else {
			distinct_desc(v, b, lo, range, rng);
			if (i % 3 == 1) {   /* copy a neighbour: a tie */
				int j = (int)nn_rng_below(rng,
				                          (uint32_t)(b - 1));

				v[j + 1] = v[j];
			}
		}
		for (int j = 0; j < b; j++) {
			x[j] = (float)v[j];
			if (j > 0)
				dec &= v[j] < v[j - 1];
		}
		d->labels[i] = dec;
	}
	free(v);
	return d;
}

/* The 1-D function sets: x evenly spaced over [lo, hi], y = f(x) plus
 * Gaussian noise, in a random order. */
static nn_dataset *gen_function(nn_gen_kind k, const nn_gen_opts *o,
                                nn_rng *rng)
{
	nn_dataset *d;

	if (!(o->lo < o->hi))
		return nn_fail("%s: lo must be below hi",
		               nn_gen_kinds[k].name), NULL;
	if (k == NN_GEN_BOX && !(o->delta > 0))
		return nn_fail("box: delta (the width) must be above 0"),
		       NULL;
	if (k == NN_GEN_POLY && (o->ncoef < 1 || !o->coef))
		return nn_fail("poly: give coefficients, as in "
		               "coef=[0 0 1] for x^2"), NULL;
	if (!(d = alloc_set(o->n, 1, 0)))
		return NULL;
	for (size_t i = 0; i < o->n; i++) {
		double x = o->n > 1 ? o->lo + (o->hi - o->lo) * (double)i /
		                      (double)(o->n - 1) : o->lo, y = 0;

		if (k == NN_GEN_BOX)
			y = fabs(x - o->center) <= o->delta / 2 ? o->h : 0;
		else if (k == NN_GEN_SINE)
			y = sin(o->freq * x);
		else
			for (int j = o->ncoef - 1; j >= 0; j--)
				y = y * x + o->coef[j];
		d->x[i] = (float)x;
		d->y[i] = (float)y;
	}
	add_noise(d->y, o->n, o->noise, rng);
	return shuffled(d, rng);
}

nn_dataset *nn_make(nn_gen_kind k, const nn_gen_opts *o, nn_rng *rng)
{
	int all = k == NN_GEN_SYMMETRY || k == NN_GEN_PARITY;

	if ((int)k < 0 || k >= NN_GEN_COUNT)
		return nn_fail("unknown generator"), NULL;
	if ((o->n == 0 && !all) || o->n > 100000000)
		return nn_fail("%s: n must be 1..100000000",
		               nn_gen_kinds[k].name), NULL;
	if (!(o->noise >= 0) || !(o->std >= 0))
		return nn_fail("%s: noise and std must be 0 or more",
		               nn_gen_kinds[k].name), NULL;
	switch (k) {
	case NN_GEN_XOR: return gen_xor(o, rng);
	case NN_GEN_MOONS: return gen_moons(o, rng);
	case NN_GEN_CIRCLES: return gen_circles(o, rng);
	case NN_GEN_BLOBS: return gen_blobs(o, rng);
	case NN_GEN_SPIRAL: return gen_spiral(o, rng);
	case NN_GEN_GAUSSIAN: return gen_gaussian(o, rng);
	case NN_GEN_SYMMETRY: return gen_symmetry(o, rng);
	case NN_GEN_DESCENDING: return gen_descending(o, rng);
	case NN_GEN_PARITY: return gen_parity(o, rng);
	case NN_GEN_ENCODER: return gen_encoder(o);
	case NN_GEN_GAUSSIANS:
	case NN_GEN_RINGS: return gen_modes(k, o, rng);
	default: return gen_function(k, o, rng);
	}
}
