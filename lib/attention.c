/* attention.c - multi-head scaled dot-product attention over T x D
 * sequences, laid out as PyTorch's nn.MultiheadAttention: self-attention
 * on one input X, or cross-attention from two (from=Q,KV: the queries
 * from the first, keys and values from the second, of S positions):
 *   [Q K V] = X Win^T + bin          Win is 3D x D (rows: q, k, v)
 *   head h: P_h = softmax(Q_h K_h^T / sqrt(D/H)),  O_h = P_h V_h
 *   Y = [O_1 ... O_H] Wo^T + bo      Wo is D x D
 * With `causal`, position i attends to positions j <= i only. With
 * pad=ID, keys whose token in the model's input is ID get no weight
 * (PyTorch's key_padding_mask); a query with no key left gets zeros.
 * The scratch keeps, per batch, Q, K V, every head's P and O for
 * backward, then dO, dQ, d[K V] and one T x S block while going back.
 * The layer keeps its heads in units, causal in same and the padding id
 * in scale (-1: none). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "layer.h"
#include "model.h"

/* Its configuration (L->cfg). */
typedef struct attention_cfg {
	int heads;
	int causal;
	int pad;                /* the padding token id, or -1 */
} attention_cfg;

enum { HEADS, CAUSAL, PAD };

static const nn_layer_opt attention_opts[] = {
	{ "HEADS", NULL, NULL, NN_OPT_INT, 1, 1, 4096, 0, NULL,
	  "number of heads" },
	{ "causal", "causal", NULL, NN_OPT_FLAG, 0, 0, 0, 0, NULL,
	  "each position attends to itself and those before" },
	{ "pad", "pad", NULL, NN_OPT_INT, 0, 0, 1 << 24, -1, NULL,
	  "token id of padding: keys holding it get no weight" },
	{ 0 }
};

/* Sizes: T queries and S keys, D values, H heads of dh values. */
typedef struct dims {
	size_t T, S, D, H, dh;
} dims;

static dims dims_of(const nn_layer *L)
{
	const attention_cfg *cfg = L->cfg;
	dims d = { (size_t)L->ins[0].dim[0], (size_t)L->ins[L->nin - 1].dim[0],
	           (size_t)L->ins[0].dim[1], (size_t)cfg->heads, 0 };

	d.dh = d.D / d.H;
	return d;
}

static int attention_setup(nn_layer *L, const nn_layer_spec *spec,
                           const nn_optval *v)
{
	attention_cfg *cfg = L->cfg;
	int heads = (int)v[HEADS].num, D;
	nn_shape win = { 2, { 0 } }, bin = { 1, { 0 } };
	nn_shape wo = { 2, { 0 } }, bo = { 1, { 0 } };

	(void)spec;
	if (heads <= 0)
		return nn_fail("attention needs a number of heads, as in "
		               "'add attention 4'");
	if (L->in_seqs != (1 << L->nin) - 1)
		return nn_fail("attention needs sequences (T x D, as from "
		               "embed)");
	D = L->in.dim[1];
	if (L->nin == 2 && L->ins[1].dim[1] != D)
		return nn_fail("attention: the queries have %d values per "
		               "position, the keys and values %d", D,
		               L->ins[1].dim[1]);
	if (D % heads)
		return nn_fail("attention: %d heads do not divide the %d "
		               "values of each position", heads, D);
	if (v[PAD].given && (L->model_in.ndim != 1 ||
	                     L->model_in.dim[0] != L->ins[L->nin - 1].dim[0]))
		return nn_fail("attention pad=: the keys are %d positions, and "
		               "the model's input must be their %d token ids",
		               L->ins[L->nin - 1].dim[0],
		               L->ins[L->nin - 1].dim[0]);
	cfg->heads = heads;
	cfg->causal = (int)v[CAUSAL].num;
	cfg->pad = (int)v[PAD].num;
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

	/* Q, KV, P, O, dO, dQ, dKV per sample; one T x S block */
	return n * (d.T * d.D + d.S * 2 * d.D + d.H * d.T * d.S +
	            3 * d.T * d.D + d.S * 2 * d.D) + d.T * d.S;
}

/* The scratch's parts for n samples. */
typedef struct parts {
	float *q, *kv, *p, *o, *dout, *dq, *dkv, *dp;
} parts;

static parts parts_of(const nn_layer *L, size_t n)
{
	dims d = dims_of(L);
	parts s;

	s.q = L->scratch;
	s.kv = s.q + n * d.T * d.D;
	s.p = s.kv + n * d.S * 2 * d.D;
	s.o = s.p + n * d.H * d.T * d.S;
	s.dout = s.o + n * d.T * d.D;
	s.dq = s.dout + n * d.T * d.D;
	s.dkv = s.dq + n * d.T * d.D;
	s.dp = s.dkv + n * d.S * 2 * d.D;
	return s;
}

/* Row softmax of the T x S scores in p, in place, over the keys a row
 * may see (the rest get 0): with causal those up to the diagonal, with
 * ids (the S token ids of the keys) those whose id is not pad. */
static void softmax_rows(float *p, size_t T, size_t S, int causal,
                         const float *ids, float pad)
{
	for (size_t i = 0; i < T; i++) {
		float *r = p + i * S, m = -INFINITY;
		size_t end = causal && i + 1 < S ? i + 1 : S;
		double sum = 0;

		for (size_t j = 0; j < end; j++)
			if ((!ids || ids[j] != pad) && r[j] > m)
				m = r[j];
		for (size_t j = 0; j < end; j++) {
			r[j] = (!ids || ids[j] != pad) && m > -INFINITY
			       ? expf(r[j] - m) : 0;
			sum += r[j];
		}
		for (size_t j = 0; j < end && sum > 0; j++)
			r[j] = (float)(r[j] / sum);
		for (size_t j = end; j < S; j++)
			r[j] = 0;
	}
}

/* out (rows x w) = x W^T + b, W the w rows of Win from `row`. */
static void project(const nn_layer *L, const float *x, size_t rows,
                    size_t row, size_t w, float *out)
{
	size_t D = (size_t)L->in.dim[1];

	for (size_t r = 0; r < rows; r++)
		memcpy(out + r * w, L->p[1].val + row, w * sizeof *out);
	nn_sgemm(0, 1, rows, w, D, 1, x, D, L->p[0].val + row * D, D, 1,
	         out, w);
}

static void attention_forward_n(nn_layer *L, const float *const *x,
                                float *z, size_t n)
{
	const attention_cfg *cfg = L->cfg;
	dims d = dims_of(L);
	parts s = parts_of(L, n);
	size_t D2 = 2 * d.D, T = d.T, S = d.S;
	float scale = 1.0f / sqrtf((float)d.dh);

	project(L, x[0], n * T, 0, d.D, s.q);
	project(L, x[L->nin - 1], n * S, d.D, D2, s.kv);
	for (size_t i = 0; i < n; i++)
		for (size_t h = 0; h < d.H; h++) {
			const float *q = s.q + i * T * d.D + h * d.dh;
			const float *k = s.kv + i * S * D2 + h * d.dh;
			float *p = s.p + (i * d.H + h) * T * S;
			const float *ids = cfg->pad >= 0 ? L->model_x + i * S
			                                 : NULL;

			nn_sgemm(0, 1, T, S, d.dh, scale, q, d.D, k, D2, 0, p,
			         S);
			softmax_rows(p, T, S, cfg->causal, ids,
			             (float)cfg->pad);
			nn_sgemm(0, 0, T, d.dh, S, 1, p, S, k + d.D, D2, 0,
			         s.o + i * T * d.D + h * d.dh, d.D);
		}
	for (size_t r = 0; r < n * T; r++)
		memcpy(z + r * d.D, L->p[3].val, d.D * sizeof *z);
	nn_sgemm(0, 1, n * T, d.D, d.D, 1, s.o, d.D, L->p[2].val, d.D, 1, z,
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

static void attention_backward_n(nn_layer *L, const float *const *x,
                                 const float *dz, float *const *dx,
                                 size_t n)
{
	dims d = dims_of(L);
	parts s = parts_of(L, n);
	size_t D = d.D, D2 = 2 * d.D, T = d.T, S = d.S;
	const float *xkv = x[L->nin - 1];
	float scale = 1.0f / sqrtf((float)d.dh), *dxkv;

	/* Y = O Wo^T + bo */
	nn_sgemm(1, 0, D, D, n * T, 1, dz, D, s.o, D, 0, L->p[2].grad, D);
	col_sums(dz, n * T, D, L->p[3].grad);
	nn_sgemm(0, 0, n * T, D, D, 1, dz, D, L->p[2].val, D, 0, s.dout, D);
	for (size_t i = 0; i < n; i++)
		for (size_t h = 0; h < d.H; h++) {
			const float *q = s.q + i * T * D + h * d.dh;
			const float *k = s.kv + i * S * D2 + h * d.dh;
			const float *p = s.p + (i * d.H + h) * T * S;
			const float *dout = s.dout + i * T * D + h * d.dh;
			float *dq = s.dq + i * T * D + h * d.dh;
			float *dk = s.dkv + i * S * D2 + h * d.dh;

			/* dV = P^T dO, dP = dO V^T */
			nn_sgemm(1, 0, S, d.dh, T, 1, p, S, dout, D, 0,
			         dk + D, D2);
			nn_sgemm(0, 1, T, S, d.dh, 1, dout, D, k + D, D2, 0,
			         s.dp, S);
			/* dS = P (dP - rowsum(dP P)), scaled */
			for (size_t a = 0; a < T; a++) {
				float *g = s.dp + a * S;
				const float *pr = p + a * S;
				double dot = 0;

				for (size_t b = 0; b < S; b++)
					dot += (double)g[b] * pr[b];
				for (size_t b = 0; b < S; b++)
					g[b] = pr[b] * scale *
					       (g[b] - (float)dot);
			}
			/* dQ = dS K, dK = dS^T Q */
			nn_sgemm(0, 0, T, d.dh, S, 1, s.dp, S, k, D2, 0, dq,
			         D);
			nn_sgemm(1, 0, S, d.dh, T, 1, s.dp, S, q, D, 0, dk,
			         D2);
		}
	/* Q = Xq Wq^T + bq, [K V] = Xkv Wkv^T + bkv */
	nn_sgemm(1, 0, D, D, n * T, 1, s.dq, D, x[0], D, 0, L->p[0].grad, D);
	nn_sgemm(1, 0, D2, D, n * S, 1, s.dkv, D2, xkv, D, 0,
	         L->p[0].grad + D * D, D);
	col_sums(s.dq, n * T, D, L->p[1].grad);
	col_sums(s.dkv, n * S, D2, L->p[1].grad + D);
	if (dx[0])
		nn_sgemm(0, 0, n * T, D, D, 1, s.dq, D, L->p[0].val, D, 0,
		         dx[0], D);
	/* self-attention: the keys' and values' share goes to the same x */
	dxkv = L->nin == 2 ? dx[1] : dx[0];
	if (dxkv)
		nn_sgemm(0, 0, n * S, D, D2, 1, s.dkv, D2,
		         L->p[0].val + D * D, D, L->nin == 2 ? 0 : 1, dxkv, D);
}

static void attention_describe(const nn_layer *L, char *buf, size_t len)
{
	const attention_cfg *cfg = L->cfg;
	char pad[32] = "";

	if (cfg->pad >= 0)
		snprintf(pad, sizeof pad, " pad=%d", cfg->pad);
	snprintf(buf, len, "attention %d%s%s", cfg->heads,
	         cfg->causal ? " causal" : "", pad);
}

const nn_layer_class nn_attention_class = {
	.kind = "attention",
	.cfg_size = sizeof(attention_cfg),
	.opts = attention_opts,
	.setup = attention_setup,
	.min_in = 1,
	.max_in = 2,
	.forward_n = attention_forward_n,
	.backward_n = attention_backward_n,
	.scratch_size = attention_scratch,
	.describe = attention_describe,
};

const float *nn_attention_weights(const nn_model *m, int which, size_t i,
                                  int *heads, int *t, int *s)
{
	int seen = 0;

	if (!m->x || i >= m->n) {
		nn_fail("no forward pass holds sample %zu", i);
		return NULL;
	}
	for (size_t k = 0; k < m->nlayers; k++) {
		const nn_layer *L = m->layers[k];
		dims d;

		if (L->cls != &nn_attention_class || ++seen != which)
			continue;
		d = dims_of(L);
		*heads = (int)d.H;
		*t = (int)d.T;
		*s = (int)d.S;
		return parts_of(L, m->n).p + i * d.H * d.T * d.S;
	}
	nn_fail("the model has %d attention layer%s, not %d", seen,
	        seen == 1 ? "" : "s", which);
	return NULL;
}
