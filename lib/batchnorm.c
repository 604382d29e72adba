/* batchnorm.c - batch normalisation of dense outputs (per feature, over
 * the batch) or of C x H x W maps (per channel, over the batch and every
 * pixel): z = gamma * (x - mean) / sqrt(var + eps) + beta.
 *
 * While training it normalises with the batch's statistics and moves the
 * running ones towards them (running = (1 - momentum) * running + momentum
 * * batch, the variance unbiased, as PyTorch does); while evaluating it
 * uses the running ones. The running mean and variance are parameter
 * tensors "mean" and "var" of the model's block, so that copies and model
 * files keep them, but they are state, not trained: backward always gives
 * them a zero gradient, which leaves every optimizer's update at zero (and
 * no weight decay applies). Every `init` sets gamma 1, beta 0, mean 0 and
 * var 1. The scratch keeps the statistics of the last forward pass. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "layer.h"

/* Its configuration (L->cfg). */
typedef struct batchnorm_cfg {
	float momentum;         /* of the running statistics */
	float eps;
} batchnorm_cfg;

enum { GAMMA, BETA, MEAN, VAR };

/* Channels, and values per channel in one sample. */
static size_t bn_channels(const nn_layer *L)
{
	return L->in.ndim == 3 ? (size_t)L->in.dim[0] : L->in_size;
}

static size_t bn_plane(const nn_layer *L)
{
	return L->in_size / bn_channels(L);
}

/* A parameter that every init sets to `start`. */
static void fixed_param(nn_layer *L, const char *name, const nn_shape *s,
                        float start)
{
	nn_param_slot *p;

	nn_layer_param(L, name, s, 0, 0, 0);
	p = &L->p[L->nparams - 1];
	p->fixed = 1;
	p->start = start;
	p->decay = 0;
}

enum { MOMENTUM, EPS };

static const nn_layer_opt bn_opts[] = {
	{ "momentum", "momentum", NULL, NN_OPT_REAL, 0, 0, 1, 0.1, NULL,
	  "rate of the running statistics" },
	{ "eps", "eps", NULL, NN_OPT_REAL, 0, 1e-12, 1, 1e-5, NULL,
	  "added to the variance" },
	{ 0 }
};

static int bn_setup(nn_layer *L, const nn_layer_spec *spec,
                    const nn_optval *v)
{
	batchnorm_cfg *cfg = L->cfg;
	nn_shape s = { 1, { 0 } };

	(void)spec;
	if (L->in.ndim != 1 && L->in.ndim != 3)
		return nn_fail("batchnorm needs flat or C x H x W inputs, not "
		               "%d-D ones", L->in.ndim);
	cfg->momentum = (float)v[MOMENTUM].num;
	cfg->eps = (float)v[EPS].num;
	L->out = L->in;
	s.dim[0] = (int)bn_channels(L);
	fixed_param(L, "gamma", &s, 1);
	fixed_param(L, "beta", &s, 0);
	fixed_param(L, "mean", &s, 0);
	fixed_param(L, "var", &s, 1);
	L->p[MEAN].state = L->p[VAR].state = 1;
	return 0;
}

/* The mean and 1/sqrt(var + eps) of each channel, then a flag: 1 when
 * they were the batch's own. */
static size_t bn_scratch(const nn_layer *L, size_t n)
{
	(void)n;
	return 2 * bn_channels(L) + 1;
}

static void bn_forward(nn_layer *L, const float *x, float *z, size_t n,
                       int training, nn_rng *rng)
{
	const batchnorm_cfg *cfg = L->cfg;
	size_t C = bn_channels(L), hw = bn_plane(L), m = n * hw;
	float *mean = L->scratch, *inv = mean + C;

	(void)rng;
	for (size_t c = 0; c < C; c++) {
		double mu, var;

		if (training) {
			double s = 0, ss = 0;

			for (size_t i = 0; i < n; i++) {
				const float *v = x + (i * C + c) * hw;

				for (size_t p = 0; p < hw; p++) {
					s += v[p];
					ss += (double)v[p] * v[p];
				}
			}
			mu = s / m;
			var = ss / m - mu * mu;
			if (var < 0)
				var = 0;
			L->p[MEAN].val[c] += cfg->momentum *
			        (float)(mu - L->p[MEAN].val[c]);
			L->p[VAR].val[c] += cfg->momentum *
			        (float)(var * (m > 1 ? (double)m / (m - 1) : 1)
			                - L->p[VAR].val[c]);
		} else {
			mu = L->p[MEAN].val[c];
			var = L->p[VAR].val[c];
		}
		mean[c] = (float)mu;
		inv[c] = (float)(1 / sqrt(var + cfg->eps));
	}
	L->scratch[2 * C] = training != 0;
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < C; c++) {
			const float *v = x + (i * C + c) * hw;
			float *o = z + (i * C + c) * hw;
			float a = L->p[GAMMA].val[c] * inv[c];
			float b = L->p[BETA].val[c] - a * mean[c];

			for (size_t p = 0; p < hw; p++)
				o[p] = a * v[p] + b;
		}
}

static void bn_backward(nn_layer *L, const float *x, const float *dz,
                        float *dx, size_t n)
{
	size_t C = bn_channels(L), hw = bn_plane(L), m = n * hw;
	const float *mean = L->scratch, *inv = mean + C;
	int batch_stats = L->scratch[2 * C] != 0;

	memset(L->p[MEAN].grad, 0, C * sizeof(float));
	memset(L->p[VAR].grad, 0, C * sizeof(float));
	for (size_t c = 0; c < C; c++) {
		double sd = 0, sdx = 0;
		float g = L->p[GAMMA].val[c], k1, k2;

		for (size_t i = 0; i < n; i++) {
			const float *v = x + (i * C + c) * hw;
			const float *d = dz + (i * C + c) * hw;

			for (size_t p = 0; p < hw; p++) {
				sd += d[p];
				sdx += d[p] * (v[p] - mean[c]) * inv[c];
			}
		}
		L->p[GAMMA].grad[c] = (float)sdx;
		L->p[BETA].grad[c] = (float)sd;
		if (!dx)
			continue;
		/* dx = g inv (dz - [mean(dz) + xhat mean(dz xhat)]) */
		k1 = batch_stats ? (float)(sd / m) : 0;
		k2 = batch_stats ? (float)(sdx / m) : 0;
		for (size_t i = 0; i < n; i++) {
			const float *v = x + (i * C + c) * hw;
			const float *d = dz + (i * C + c) * hw;
			float *o = dx + (i * C + c) * hw;

			for (size_t p = 0; p < hw; p++) {
				float xh = (v[p] - mean[c]) * inv[c];

				o[p] = g * inv[c] * (d[p] - k1 - xh * k2);
			}
		}
	}
}

static void bn_describe(const nn_layer *L, char *buf, size_t len)
{
	(void)L;
	snprintf(buf, len, "batchnorm");
}

const nn_layer_class nn_batchnorm_class = {
	.kind = "batchnorm",
	.cfg_size = sizeof(batchnorm_cfg),
	.opts = bn_opts,
	.setup = bn_setup,
	.forward = bn_forward,
	.backward = bn_backward,
	.scratch_size = bn_scratch,
	.describe = bn_describe,
};
