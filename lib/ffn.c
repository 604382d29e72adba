/* ffn.c - the Transformer's position-wise feed-forward block on a T x D
 * sequence: each position's x goes through
 *   y = act(x W1^T + b1) W2^T + b2,   W1 is DFF x D, W2 is D x DFF,
 * with act ReLU (the paper's) or GELU (exact, with erf, as PyTorch's).
 * The scratch keeps the hidden pre-activations and activations for
 * backward, then their gradient. The layer keeps DFF in units and GELU
 * in same. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "layer.h"

/* Its configuration (L->cfg). */
typedef struct ffn_cfg {
	int dff;                /* hidden width */
	int gelu;               /* gelu, else relu */
} ffn_cfg;

enum { DFF, ACT };

static const nn_layer_opt ffn_opts[] = {
	{ "DFF", NULL, NULL, NN_OPT_INT, 1, 1, 1 << 20, 0, NULL,
	  "hidden size" },
	{ "relu|gelu", NULL, NULL, NN_OPT_CHOICE, 0, 0, 0, 0, "relu gelu",
	  "the hidden activation" },
	{ 0 }
};

static int ffn_setup(nn_layer *L, const nn_layer_spec *spec,
                     const nn_optval *v)
{
	ffn_cfg *cfg = L->cfg;
	int dff = (int)v[DFF].num, D;
	nn_shape w1 = { 2, { 0 } }, b1 = { 1, { 0 } };
	nn_shape w2 = { 2, { 0 } }, b2 = { 1, { 0 } };

	(void)spec;
	if (dff <= 0)
		return nn_fail("ffn needs a hidden size, as in 'add ffn 128'");
	if (!L->in_seq)
		return nn_fail("ffn needs a sequence (T x D, as from embed)");
	D = L->in.dim[1];
	cfg->dff = dff;
	cfg->gelu = (int)v[ACT].num;
	L->out = L->in;
	L->seq = 1;
	w1.dim[0] = dff;
	w1.dim[1] = D;
	b1.dim[0] = dff;
	w2.dim[0] = D;
	w2.dim[1] = dff;
	b2.dim[0] = D;
	nn_layer_param(L, "W1", &w1, 0, D, dff);
	nn_layer_param(L, "b1", &b1, 1, D, dff);
	nn_layer_param(L, "W2", &w2, 0, dff, D);
	nn_layer_param(L, "b2", &b2, 1, dff, D);
	return 0;
}

static size_t ffn_scratch(const nn_layer *L, size_t n)
{
	const ffn_cfg *cfg = L->cfg;

	return 3 * n * (size_t)L->in.dim[0] * (size_t)cfg->dff;
}

static float gelu(float x)
{
	return 0.5f * x * (1 + erff(x * (float)M_SQRT1_2));
}

static float gelu_grad(float x)
{
	return 0.5f * (1 + erff(x * (float)M_SQRT1_2)) +
	       x * expf(-0.5f * x * x) * (float)(0.5 * M_2_SQRTPI * M_SQRT1_2);
}

static void ffn_forward(nn_layer *L, const float *x, float *z, size_t n,
                        int training, nn_rng *rng)
{
	const ffn_cfg *cfg = L->cfg;
	size_t rows = n * (size_t)L->in.dim[0], D = (size_t)L->in.dim[1];
	size_t F = (size_t)cfg->dff, len = rows * F;
	float *h = L->scratch, *a = h + len;

	(void)training;
	(void)rng;
	for (size_t r = 0; r < rows; r++)
		memcpy(h + r * F, L->p[1].val, F * sizeof *h);
	nn_sgemm(0, 1, rows, F, D, 1, x, D, L->p[0].val, D, 1, h, F);
	for (size_t i = 0; i < len; i++)
		a[i] = cfg->gelu ? gelu(h[i]) : h[i] > 0 ? h[i] : 0;
	for (size_t r = 0; r < rows; r++)
		memcpy(z + r * D, L->p[3].val, D * sizeof *z);
	nn_sgemm(0, 1, rows, D, F, 1, a, F, L->p[2].val, F, 1, z, D);
}

/* Column sums of a rows x w matrix into b (overwritten). */
static void col_sums(const float *m, size_t rows, size_t w, float *b)
{
	memset(b, 0, w * sizeof *b);
	for (size_t r = 0; r < rows; r++)
		for (size_t k = 0; k < w; k++)
			b[k] += m[r * w + k];
}

static void ffn_backward(nn_layer *L, const float *x, const float *dz,
                         float *dx, size_t n)
{
	const ffn_cfg *cfg = L->cfg;
	size_t rows = n * (size_t)L->in.dim[0], D = (size_t)L->in.dim[1];
	size_t F = (size_t)cfg->dff, len = rows * F;
	float *h = L->scratch, *a = h + len, *da = a + len;

	nn_sgemm(1, 0, D, F, rows, 1, dz, D, a, F, 0, L->p[2].grad, F);
	col_sums(dz, rows, D, L->p[3].grad);
	nn_sgemm(0, 0, rows, F, D, 1, dz, D, L->p[2].val, F, 0, da, F);
	for (size_t i = 0; i < len; i++)
		da[i] *= cfg->gelu ? gelu_grad(h[i]) : h[i] > 0 ? 1.0f : 0.0f;
	nn_sgemm(1, 0, F, D, rows, 1, da, F, x, D, 0, L->p[0].grad, D);
	col_sums(da, rows, F, L->p[1].grad);
	if (dx)
		nn_sgemm(0, 0, rows, D, F, 1, da, F, L->p[0].val, D, 0, dx, D);
}

static void ffn_describe(const nn_layer *L, char *buf, size_t len)
{
	const ffn_cfg *cfg = L->cfg;

	snprintf(buf, len, "ffn %d%s", cfg->dff, cfg->gelu ? " gelu" : "");
}

const nn_layer_class nn_ffn_class = {
	.kind = "ffn",
	.cfg_size = sizeof(ffn_cfg),
	.opts = ffn_opts,
	.setup = ffn_setup,
	.forward = ffn_forward,
	.backward = ffn_backward,
	.scratch_size = ffn_scratch,
	.describe = ffn_describe,
};
