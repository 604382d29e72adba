/* attention.c - multi-head scaled dot-product self-attention over a
 * T x D sequence, laid out as PyTorch's nn.MultiheadAttention:
 *   [Q K V] = X Win^T + bin          Win is 3D x D (rows: q, k, v)
 *   head h: P_h = softmax(Q_h K_h^T / sqrt(D/H)),  O_h = P_h V_h
 *   Y = [O_1 ... O_H] Wo^T + bo      Wo is D x D
 * With `causal`, position i attends to positions j <= i only. The
 * scratch keeps, per batch, Q K V, every head's P and O for backward,
 * then dO and d[Q K V] and one T x T block while going back. The layer
 * keeps its heads in units and causal in same. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "layer.h"

enum { HEADS, CAUSAL };

static const nn_layer_opt attention_opts[] = {
	{ "HEADS", NULL, NULL, NN_OPT_INT, 1, 1, 4096, 0, NULL,
	  "number of heads" },
	{ "causal", "causal", NULL, NN_OPT_FLAG, 0, 0, 0, 0, NULL,
	  "each position attends to itself and those before" },
	{ 0 }
};

/* Sizes: T positions, D values, H heads of dh values. */
typedef struct dims {
	size_t T, D, H, dh;
} dims;

static dims dims_of(const nn_layer *L)
{
	dims d = { (size_t)L->in.dim[0], (size_t)L->in.dim[1],
	           (size_t)L->units, 0 };

	d.dh = d.D / d.H;
	return d;
}

static int attention_setup(nn_layer *L, const nn_layer_spec *spec,
                           const nn_optval *v)
{
	int heads = (int)v[HEADS].num, D;
	nn_shape win = { 2, { 0 } }, bin = { 1, { 0 } };
	nn_shape wo = { 2, { 0 } }, bo = { 1, { 0 } };

	(void)spec;
	if (heads <= 0)
		return nn_fail("attention needs a number of heads, as in "
		               "'add attention 4'");
	if (!L->in_seq)
		return nn_fail("attention needs a sequence (T x D, as from "
		               "embed)");
	D = L->in.dim[1];
	if (D % heads)
		return nn_fail("attention: %d heads do not divide the %d "
		               "values of each position", heads, D);
	L->units = heads;
	L->same = (int)v[CAUSAL].num;
	L->out = L->in;
	L->seq = 1;
	win.dim[0] = 3 * D;
	win.dim[1] = D;
	bin.dim[0] = 3 * D;
	wo.dim[0] = wo.dim[1] = D;
	bo.dim[0] = D;
	nn_layer_param(L, "Win", &win, 0, D, D);
	nn_layer_param(L, "bin", &bin, 1, D, D);
	nn_layer_param(L, "Wo", &wo, 0, D, D);
	nn_layer_param(L, "bo", &bo, 1, D, D);
	return 0;
}

static size_t attention_scratch(const nn_layer *L, size_t n)
{
	dims d = dims_of(L);

	/* QKV, P, O and dO, dQKV per sample; one T x T block */
	return n * (d.T * 3 * d.D + d.H * d.T * d.T + d.T * d.D +
	            d.T * d.D + d.T * 3 * d.D) + d.T * d.T;
}

/* The scratch's parts for n samples. */
typedef struct parts {
	float *qkv, *p, *o, *dout, *dqkv, *dp;
} parts;

static parts parts_of(const nn_layer *L, size_t n)
{
	dims d = dims_of(L);
	parts s;

	s.qkv = L->scratch;
	s.p = s.qkv + n * d.T * 3 * d.D;
	s.o = s.p + n * d.H * d.T * d.T;
	s.dout = s.o + n * d.T * d.D;
	s.dqkv = s.dout + n * d.T * d.D;
	s.dp = s.dqkv + n * d.T * 3 * d.D;
	return s;
}

/* Row softmax of the T x T scores in p, in place; causal rows stop at
 * the diagonal (the rest is 0). */
static void softmax_rows(float *p, size_t T, int causal)
{
	for (size_t i = 0; i < T; i++) {
		float *r = p + i * T, m = r[0];
		size_t end = causal ? i + 1 : T;
		double sum = 0;

		for (size_t j = 1; j < end; j++)
			m = r[j] > m ? r[j] : m;
		for (size_t j = 0; j < end; j++) {
			r[j] = expf(r[j] - m);
			sum += r[j];
		}
		for (size_t j = 0; j < end; j++)
			r[j] = (float)(r[j] / sum);
		for (size_t j = end; j < T; j++)
			r[j] = 0;
	}
}

static void attention_forward(nn_layer *L, const float *x, float *z,
                              size_t n, int training, nn_rng *rng)
{
	dims d = dims_of(L);
	parts s = parts_of(L, n);
	size_t D3 = 3 * d.D, rows = n * d.T;
	float scale = 1.0f / sqrtf((float)d.dh);

	(void)training;
	(void)rng;
	for (size_t r = 0; r < rows; r++)
		memcpy(s.qkv + r * D3, L->p[1].val, D3 * sizeof *s.qkv);
	nn_sgemm(0, 1, rows, D3, d.D, 1, x, d.D, L->p[0].val, d.D, 1, s.qkv,
	         D3);
	for (size_t i = 0; i < n; i++)
		for (size_t h = 0; h < d.H; h++) {
			const float *q = s.qkv + i * d.T * D3 + h * d.dh;
			float *p = s.p + (i * d.H + h) * d.T * d.T;

			nn_sgemm(0, 1, d.T, d.T, d.dh, scale, q, D3, q + d.D,
			         D3, 0, p, d.T);
			softmax_rows(p, d.T, L->same);
			nn_sgemm(0, 0, d.T, d.dh, d.T, 1, p, d.T, q + 2 * d.D,
			         D3, 0, s.o + i * d.T * d.D + h * d.dh, d.D);
		}
	for (size_t r = 0; r < rows; r++)
		memcpy(z + r * d.D, L->p[3].val, d.D * sizeof *z);
	nn_sgemm(0, 1, rows, d.D, d.D, 1, s.o, d.D, L->p[2].val, d.D, 1, z,
	         d.D);
}

/* Column sums of a rows x w matrix into b (overwritten). */
static void col_sums(const float *a, size_t rows, size_t w, float *b)
{
	memset(b, 0, w * sizeof *b);
	for (size_t r = 0; r < rows; r++)
		for (size_t k = 0; k < w; k++)
			b[k] += a[r * w + k];
}

static void attention_backward(nn_layer *L, const float *x, const float *dz,
                               float *dx, size_t n)
{
	dims d = dims_of(L);
	parts s = parts_of(L, n);
	size_t D3 = 3 * d.D, rows = n * d.T, T = d.T;
	float scale = 1.0f / sqrtf((float)d.dh);

	/* Y = O Wo^T + bo */
	nn_sgemm(1, 0, d.D, d.D, rows, 1, dz, d.D, s.o, d.D, 0,
	         L->p[2].grad, d.D);
	col_sums(dz, rows, d.D, L->p[3].grad);
	nn_sgemm(0, 0, rows, d.D, d.D, 1, dz, d.D, L->p[2].val, d.D, 0,
	         s.dout, d.D);
	for (size_t i = 0; i < n; i++)
		for (size_t h = 0; h < d.H; h++) {
			const float *q = s.qkv + i * T * D3 + h * d.dh;
			const float *p = s.p + (i * d.H + h) * T * T;
			const float *dout = s.dout + i * T * d.D + h * d.dh;
			float *dq = s.dqkv + i * T * D3 + h * d.dh;

			/* dV = P^T dO, dP = dO V^T */
			nn_sgemm(1, 0, T, d.dh, T, 1, p, T, dout, d.D, 0,
			         dq + 2 * d.D, D3);
			nn_sgemm(0, 1, T, T, d.dh, 1, dout, d.D, q + 2 * d.D,
			         D3, 0, s.dp, T);
			/* dS = P (dP - rowsum(dP P)), scaled */
			for (size_t a = 0; a < T; a++) {
				float *g = s.dp + a * T;
				const float *pr = p + a * T;
				double dot = 0;

				for (size_t b = 0; b < T; b++)
					dot += (double)g[b] * pr[b];
				for (size_t b = 0; b < T; b++)
					g[b] = pr[b] * (g[b] - (float)dot) * scale;
			}
			/* dQ = dS K, dK = dS^T Q */
			nn_sgemm(0, 0, T, d.dh, T, 1, s.dp, T, q + d.D, D3, 0,
			         dq, D3);
			nn_sgemm(1, 0, T, d.dh, T, 1, s.dp, T, q, D3, 0,
			         dq + d.D, D3);
		}
	/* [Q K V] = X Win^T + bin */
	nn_sgemm(1, 0, D3, d.D, rows, 1, s.dqkv, D3, x, d.D, 0, L->p[0].grad,
	         d.D);
	col_sums(s.dqkv, rows, D3, L->p[1].grad);
	if (dx)
		nn_sgemm(0, 0, rows, d.D, D3, 1, s.dqkv, D3, L->p[0].val, d.D,
		         0, dx, d.D);
}

static void attention_describe(const nn_layer *L, char *buf, size_t len)
{
	snprintf(buf, len, "attention %d%s", L->units,
	         L->same ? " causal" : "");
}

const nn_layer_class nn_attention_class = {
	.kind = "attention",
	.opts = attention_opts,
	.setup = attention_setup,
	.forward = attention_forward,
	.backward = attention_backward,
	.scratch_size = attention_scratch,
	.describe = attention_describe,
};
