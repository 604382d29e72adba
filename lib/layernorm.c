/* layernorm.c - layer normalisation (PyTorch's LayerNorm over the whole
 * sample): each sample is normalised by its own mean and variance over all
 * its values, then scaled and shifted elementwise,
 * z = gamma * (x - mean) / sqrt(var + eps) + beta, with gamma and beta of
 * the sample's shape. A sequence (T x C, from a sequence layer) is
 * normalised one position at a time over its C values, with gamma and
 * beta of C values (PyTorch's LayerNorm(C), as in a Transformer). The
 * same in training and evaluation. The scratch keeps each row's mean and
 * 1/sqrt(var + eps) for backward. */
#include <math.h>
#include <stdio.h>

#include "layer.h"

/* Its configuration (L->cfg). */
typedef struct layernorm_cfg {
	float eps;
} layernorm_cfg;

static const nn_layer_opt ln_opts[] = {
	{ "eps", "eps", NULL, NN_OPT_REAL, 0, 1e-12, 1, 1e-5, NULL,
	  "added to the variance" },
	{ 0 }
};

/* Rows per sample: a sequence's positions, else 1. */
static size_t rows_of(const nn_layer *L)
{
	return L->in_seq ? (size_t)L->in.dim[0] : 1;
}

static int ln_setup(nn_layer *L, const nn_layer_spec *spec,
                    const nn_optval *v)
{
	layernorm_cfg *cfg = L->cfg;
	nn_shape row = { 1, { 0 } };
	const nn_shape *ps = &L->in;

	(void)spec;
	cfg->eps = (float)v[0].num;
	L->out = L->in;
	if (L->in_seq) {
		row.dim[0] = L->in.dim[1];
		ps = &row;
	}
	nn_layer_param(L, "gamma", ps, 0, 0, 0);
	L->p[0].fixed = 1;
	L->p[0].start = 1;
	L->p[0].decay = 0;
	nn_layer_param(L, "beta", ps, 1, 0, 0);
	L->p[1].fixed = 1;
	return 0;
}

static size_t ln_scratch(const nn_layer *L, size_t n)
{
	return 2 * n * rows_of(L);
}

static void ln_forward(nn_layer *L, const float *x, float *z, size_t n,
                       int training, nn_rng *rng)
{
	const layernorm_cfg *cfg = L->cfg;
	size_t F = L->in_size / rows_of(L);
	const float *g = L->p[0].val, *b = L->p[1].val;

	(void)training;
	(void)rng;
	n *= rows_of(L);
	for (size_t i = 0; i < n; i++, x += F, z += F) {
		double s = 0, ss = 0, mu, var;
		float inv;

		for (size_t j = 0; j < F; j++) {
			s += x[j];
			ss += (double)x[j] * x[j];
		}
		mu = s / F;
		var = ss / F - mu * mu;
		inv = (float)(1 / sqrt((var > 0 ? var : 0) + cfg->eps));
		L->scratch[2 * i] = (float)mu;
		L->scratch[2 * i + 1] = inv;
		for (size_t j = 0; j < F; j++)
			z[j] = g[j] * (x[j] - (float)mu) * inv + b[j];
	}
}

static void ln_backward(nn_layer *L, const float *x, const float *dz,
                        float *dx, size_t n)
{
	size_t F = L->in_size / rows_of(L);
	const float *g = L->p[0].val;
	float *dg = L->p[0].grad, *db = L->p[1].grad;

	n *= rows_of(L);
	for (size_t j = 0; j < F; j++)
		dg[j] = db[j] = 0;
	for (size_t i = 0; i < n; i++, x += F, dz += F) {
		float mu = L->scratch[2 * i], inv = L->scratch[2 * i + 1];
		double sd = 0, sdx = 0;

		for (size_t j = 0; j < F; j++) {
			float xh = (x[j] - mu) * inv, d = dz[j] * g[j];

			dg[j] += dz[j] * xh;
			db[j] += dz[j];
			sd += d;
			sdx += d * xh;
		}
		if (!dx)
			continue;
		for (size_t j = 0; j < F; j++) {
			float xh = (x[j] - mu) * inv;

			dx[j] = inv * (dz[j] * g[j] - (float)(sd / F) -
			               xh * (float)(sdx / F));
		}
		dx += F;
	}
}

static void ln_describe(const nn_layer *L, char *buf, size_t len)
{
	(void)L;
	snprintf(buf, len, "layernorm");
}

const nn_layer_class nn_layernorm_class = {
	.kind = "layernorm",
	.cfg_size = sizeof(layernorm_cfg),
	.opts = ln_opts,
	.setup = ln_setup,
	.forward = ln_forward,
	.backward = ln_backward,
	.scratch_size = ln_scratch,
	.describe = ln_describe,
};
