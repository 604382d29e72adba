/* dense.c - fully connected layer: z = x W^T + b, W is units x inputs.
 * An input with several dimensions is read as flat, but a sequence
 * (T x C, from a sequence layer) is read one position at a time: W is
 * units x C and the output T x units. A weight tied
 * transposed to another dense layer's (a tied autoencoder's decoder) is
 * that layer's inputs x units matrix, read as W^T. Large products are
 * shared between the worker threads (workers.c). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "layer.h"
#include "vmath.h"
#include "workers.h"

/* Its configuration (L->cfg). */
typedef struct dense_cfg {
	int units;
	int nobias;
	int transpose;          /* a tied W read transposed: in x units */
} dense_cfg;

static const dense_cfg *cfg_of(const nn_layer *L)
{
	return L->cfg;
}

enum { UNITS, NOBIAS };

/* Rows per sample (a sequence's positions, else 1) and values per row. */
static size_t rows_of(const nn_layer *L)
{
	return L->in_seq ? (size_t)L->in.dim[0] : 1;
}

static size_t width_of(const nn_layer *L)
{
	return L->in_size / rows_of(L);
}

static const nn_layer_opt dense_opts[] = {
	{ "UNITS", NULL, NULL, NN_OPT_INT, 1, 1, 1 << 24, 0, NULL,
	  "number of units" },
	{ "nobias", "nobias", NULL, NN_OPT_FLAG, 0, 0, 0, 0, NULL,
	  "no bias" },
	{ 0 }
};

static int dense_setup(nn_layer *L, const nn_layer_spec *spec,
                       const nn_optval *v)
{
	dense_cfg *cfg = L->cfg;
	nn_shape w = { 2, { 0 } }, b = { 1, { 0 } }, out = { 1, { 0 } };
	int units = (int)v[UNITS].num, nobias = (int)v[NOBIAS].num;
	size_t in = width_of(L);

	if (units <= 0)
		return nn_fail("dense needs a number of units, as in "
		               "'add dense 200 relu'");
	if (in > INT_MAX) {  /* no overflow: NN_MAX_VALUES, 2^24 */
		char what[32];

		snprintf(what, sizeof what, "dense %d", units);
		return nn_layer_too_large(what, in, (size_t)units *
		                          (in + !nobias));
	}
	cfg->units = units;
	cfg->nobias = nobias;
	out.dim[0] = units;
	L->out = out;
	if (L->in_seq) {
		L->out.ndim = 2;
		L->out.dim[0] = L->in.dim[0];
		L->out.dim[1] = units;
		L->seq = 1;
	}
	cfg->transpose = spec->tie && spec->transpose;
	w.dim[cfg->transpose] = units;
	w.dim[!cfg->transpose] = (int)in;
	nn_layer_param(L, "W", &w, 0, (int)in, units);
	if (!cfg->nobias) {
		b.dim[0] = units;
		nn_layer_param(L, "b", &b, 1, (int)in, units);
	}
	return 0;
}

/* One pass of a dense layer over n samples, cut into parts: units or
 * samples for z, units for dW and db, samples for dx, so that no part
 * waits for another. */
typedef struct dense_job {
	nn_layer *L;
	const float *x, *dz;
	float *z, *dx;
	size_t n;
} dense_job;

/* How many parts a pass over n samples is cut into: as many as nn_sgemm
 * would cut its product into, at most `want`; the same on any number of
 * threads, so that the sums are rounded the same. */
static int parts_of(const nn_layer *L, size_t n, size_t want)
{
	const dense_cfg *cfg = L->cfg;
	int bands = nn_sgemm_bands(n, (size_t)cfg->units, width_of(L));

	return (size_t)bands < want ? bands : (int)want;
}

/* [*lo, *hi): the share of total that part `part` of `parts` takes. */
static void share(size_t total, int part, int parts, size_t *lo, size_t *hi)
{
	*lo = total * (size_t)part / (size_t)parts;
	*hi = total * (size_t)(part + 1) / (size_t)parts;
}

/* z = x W^T + b for samples [r0, r1) and units [u0, u1). */
static void forward_block(const dense_job *j, size_t r0, size_t r1,
                          size_t u0, size_t u1,
                          void (*gemm)(int, int, size_t, size_t, size_t,
                                       float, const float *, size_t,
                                       const float *, size_t, float,
                                       float *, size_t))
{
	nn_layer *L = j->L;
	const dense_cfg *cfg = L->cfg;
	size_t in = width_of(L), out = (size_t)cfg->units;
	float *z = j->z + r0 * out + u0, beta = 0;

	if (!cfg->nobias) {
		for (size_t r = r0; r < r1; r++)
			memcpy(j->z + r * out + u0, L->p[1].val + u0,
			       (u1 - u0) * sizeof *z);
		beta = 1;
	}
	if (cfg->transpose)
		gemm(0, 0, r1 - r0, u1 - u0, in, 1, j->x + r0 * in, in,
		     L->p[0].val + u0, out, beta, z, out);
	else
		gemm(0, 1, r1 - r0, u1 - u0, in, 1, j->x + r0 * in, in,
		     L->p[0].val + u0 * in, in, beta, z, out);
}

/* A part takes a share of the samples when nn_sgemm would cut its
 * product into bands of rows, else of the units (each then reads only its
 * rows of W). */
static void forward_part(void *ud, int part, int parts)
{
	const dense_job *j = ud;
	size_t lo, hi, units = (size_t)cfg_of(j->L)->units;

	if (!nn_sgemm_by_rows(j->n, units, parts)) {
		share(units, part, parts, &lo, &hi);
		forward_block(j, 0, j->n, lo, hi, nn_sgemm_serial);
	} else {
		share(j->n, part, parts, &lo, &hi);
		forward_block(j, lo, hi, 0, units, nn_sgemm_serial);
	}
}

static void dense_forward(nn_layer *L, const float *x, float *z, size_t n,
                          int training, nn_rng *rng)
{
	const dense_cfg *cfg = L->cfg;
	dense_job j = { .L = L, .x = x, .z = z, .n = n * rows_of(L) };
	size_t units = (size_t)cfg->units;
	int parts;

	(void)training;
	(void)rng;
	n = j.n;
	parts = parts_of(L, n, n > units ? n : units);
	if (parts > 1)
		nn_parallel(parts, forward_part, &j);
	else
		forward_block(&j, 0, n, 0, (size_t)cfg->units, nn_sgemm);
}

/* dW of units [u0, u1) and inputs [c0, c1), db of units [b0, b1), dx of
 * samples [r0, r1). */
typedef struct back_block {
	size_t u0, u1, c0, c1, b0, b1, r0, r1;
} back_block;

/* db[0 .. W) = the sums of the n rows (`out` values apart) of dz's
 * columns [0, W), added row after row. W is a constant in each, so that
 * the sums stay in registers. */
#define COLSUM(W)                                                        \
NN_HOT static void colsum##W(float *db, const float *dz, size_t n,        \
                             size_t out)                                 \
{                                                                        \
	float acc[W];                                                    \
                                                                         \
	memcpy(acc, dz, sizeof acc);                                     \
	for (size_t r = 1; r < n; r++)                                   \
		for (int k = 0; k < W; k++)                              \
			acc[k] += dz[r * out + k];                       \
	memcpy(db, acc, sizeof acc);                                     \
}
COLSUM(16)
COLSUM(8)
COLSUM(4)
COLSUM(1)

/* db[u] = the sum of dz's column u over n rows of `out` values, for the
 * units [u0, u1), added row after row as a loop over the rows would, but
 * 16, 8 or 4 columns at a time: a last block narrower than that is
 * taken as the block that ends at u1, computing a few sums twice. */
static void bias_grad(float *db, const float *dz, size_t n, size_t out,
                      size_t u0, size_t u1)
{
	static void (*const sum[])(float *, const float *, size_t, size_t) = {
		colsum16, colsum8, colsum4, colsum1
	};
	static const size_t width[] = { 16, 8, 4, 1 };
	size_t u = u0;

	for (int i = 0; i < 4 && u < u1; i++) {
		size_t w = width[i];

		for (; u1 - u >= w; u += w)
			sum[i](db + u, dz + u, n, out);
		if (u < u1 && u1 - u0 >= w && w > 1) {
			sum[i](db + u1 - w, dz + u1 - w, n, out);
			u = u1;
		}
	}
}

static void backward_share(const dense_job *j, const back_block *k,
                           void (*gemm)(int, int, size_t, size_t, size_t,
                                        float, const float *, size_t,
                                        const float *, size_t, float,
                                        float *, size_t))
{
	nn_layer *L = j->L;
	const dense_cfg *cfg = L->cfg;
	size_t in = width_of(L), out = (size_t)cfg->units, n = j->n;
	const float *dz = j->dz;

	if (k->u1 > k->u0 && k->c1 > k->c0 && cfg->transpose)
		gemm(1, 0, k->c1 - k->c0, k->u1 - k->u0, n, 1, j->x + k->c0,
		     in, dz + k->u0, out, 0,
		     L->p[0].grad + k->c0 * out + k->u0, out);
	else if (k->u1 > k->u0 && k->c1 > k->c0)
		gemm(1, 0, k->u1 - k->u0, k->c1 - k->c0, n, 1, dz + k->u0,
		     out, j->x + k->c0, in, 0,
		     L->p[0].grad + k->u0 * in + k->c0, in);
	if (!cfg->nobias)
		bias_grad(L->p[1].grad, dz, n, out, k->b0, k->b1);
	if (j->dx && k->r1 > k->r0 && cfg->transpose)
		gemm(0, 1, k->r1 - k->r0, in, out, 1, dz + k->r0 * out, out,
		     L->p[0].val, out, 0, j->dx + k->r0 * in, in);
	else if (j->dx && k->r1 > k->r0)
		gemm(0, 0, k->r1 - k->r0, in, out, 1, dz + k->r0 * out, out,
		     L->p[0].val, in, 0, j->dx + k->r0 * in, in);
}

/* min(parts, total / each), at least 1: parts of at least `each`. */
static int parts_of_size(size_t total, size_t each, int parts)
{
	size_t p = total / each;

	return p < 1 ? 1 : p < (size_t)parts ? (int)p : parts;
}

/* Inputs a part of dW takes at least when dW is cut by inputs: each part
 * packs all of dz, and narrower bands cost more than they share (784-30
 * on 10,000 samples: 3.8 ms in 8 bands on two threads, 2.4 in 2). The
 * width does not change the numbers (1 to 16 bands of that product gave
 * the same bits; threads_agree.sh and the transcripts check the rest). */
#define DW_MIN_COLS 384

/* A part takes a share of the units for db (in shares of at least 16:
 * their sums are quick), of the samples for dx, and for dW a share of the
 * units, or of the inputs when the units are few (as nn_sgemm would cut
 * the product): then every part reads only its columns of x, not all of x
 * for a few units each, in bands of at least DW_MIN_COLS. */
static void backward_part(void *ud, int part, int parts)
{
	const dense_job *j = ud;
	size_t units = (size_t)cfg_of(j->L)->units, in = width_of(j->L);
	int bias_parts = parts_of_size(units, 16, parts);
	int col_parts = parts_of_size(in, DW_MIN_COLS, parts);
	back_block k = { 0 };

	if (part < bias_parts)
		share(units, part, bias_parts, &k.b0, &k.b1);
	share(j->n, part, parts, &k.r0, &k.r1);
	if (nn_sgemm_by_rows(units, in, parts)) {
		share(units, part, parts, &k.u0, &k.u1);
		k.c1 = in;
	} else if (part < col_parts) {
		k.u1 = units;
		share(in, part, col_parts, &k.c0, &k.c1);
	}
	backward_share(j, &k, nn_sgemm_serial);
}

/* Plain SGD's step on one sample, taken as its gradient is formed:
 * W -= lr (dz x^T), b -= lr dz. Each gradient is rounded, then the step
 * written as optim.c's update writes it, so the bits are those of the
 * gradient followed by nn_optim_step (compiled for the same
 * instructions: the same contractions into fused multiply-adds). */
NN_HOT static void sgd_outer(float *restrict W, float *restrict b,
                             const float *dz, const float *x,
                             size_t units, size_t in, float lr)
{
	for (size_t u = 0; u < units; u++) {
		float d = dz[u], *restrict w = W + u * in;

		for (size_t c = 0; c < in; c++) {
			float g = d * x[c];

			w[c] -= lr * g;
		}
		if (b)
			b[u] -= lr * d;
	}
}

/* One sample with nn_model_backward_sgd's rate set: dx first (it reads
 * W), then the step in place of the gradients. */
static void backward_sgd(nn_layer *L, const float *x, const float *dz,
                         float *dx)
{
	const dense_cfg *cfg = L->cfg;
	size_t in = width_of(L), out = (size_t)cfg->units;

	if (dx)
		nn_sgemm(0, 0, 1, in, out, 1, dz, out, L->p[0].val, in, 0, dx,
		         in);
	sgd_outer(L->p[0].val, cfg->nobias ? NULL : L->p[1].val, dz, x, out,
	          in, L->sgd_lr);
	for (int k = 0; k < L->nparams; k++)
		L->p[k].applied = 1;
}

static void dense_backward(nn_layer *L, const float *x, const float *dz,
                           float *dx, size_t n)
{
	const dense_cfg *cfg = L->cfg;
	dense_job j = { .L = L, .x = x, .dz = dz, .dx = dx,
	                 .n = n * rows_of(L) };
	size_t units = (size_t)cfg->units;
	int parts;

	n = j.n;
	if (L->sgd_lr != 0 && n == 1 && !cfg->transpose) {
		backward_sgd(L, x, dz, dx);
		return;
	}
	parts = parts_of(L, n, units < n ? units : n);

	if (parts > 1) {
		nn_parallel(parts, backward_part, &j);
	} else {
		back_block k = { 0, units, 0, width_of(L), 0, units, 0, n };

		backward_share(&j, &k, nn_sgemm);
	}
}

static void dense_describe(const nn_layer *L, char *buf, size_t len)
{
	const dense_cfg *cfg = L->cfg;

	snprintf(buf, len, "dense %d%s", cfg->units,
	         cfg->nobias ? " nobias" : "");
}

const nn_layer_class nn_dense_class = {
	.kind = "dense",
	.cfg_size = sizeof(dense_cfg),
	.opts = dense_opts,
	.setup = dense_setup,
	.forward = dense_forward,
	.backward = dense_backward,
	.describe = dense_describe,
};
