/* dropout.c - inverted dropout: while training, each input is zeroed with
 * probability rate and the rest scaled by 1/(1-rate); the identity when
 * evaluating. The mask is kept in the layer's scratch for backward. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "layer.h"

/* Its configuration (L->cfg). */
typedef struct dropout_cfg {
	float rate;
} dropout_cfg;

static const nn_layer_opt dropout_opts[] = {
	{ "RATE", NULL, NULL, NN_OPT_REAL, 1, -1e30, 1e30, 0, NULL,
	  "rate" },
	{ 0 }
};

static int dropout_setup(nn_layer *L, const nn_layer_spec *spec,
                         const nn_optval *v)
{
	dropout_cfg *cfg = L->cfg;
	float rate = (float)v[0].num;

	(void)spec;
	if (!(rate >= 0 && rate < 1))
		return nn_fail("dropout rate must be in [0, 1), as in "
		               "'add dropout 0.2'");
	cfg->rate = rate;
	L->out = L->in;
	return 0;
}

static size_t dropout_scratch(const nn_layer *L, size_t n)
{
	return n * L->in_size;
}

/* Random numbers drawn at a time for the masks. */
#define DROPOUT_CHUNK 512

/* m[i] = keep where bits[i] >= threshold, else 0, and z[i] = x[i] m[i]:
 * without a branch (a fifth of them would be mispredicted), so that the
 * compiler vectorises it. A threshold of 2^32 (a rate a hair below 1)
 * drops everything. */
static void mask_chunk(const uint32_t *restrict bits, uint64_t threshold,
                       float keep, const float *restrict x,
                       float *restrict z, float *restrict m, size_t c)
{
	uint32_t t = threshold > UINT32_MAX ? UINT32_MAX : (uint32_t)threshold;
	float k = threshold > UINT32_MAX ? 0.0f : keep;

	for (size_t i = 0; i < c; i++) {
		m[i] = bits[i] >= t ? k : 0.0f;
		z[i] = x[i] * m[i];
	}
}

static void dropout_forward(nn_layer *L, const float *x, float *z, size_t n,
                            int training, nn_rng *rng)
{
	uint32_t bits[DROPOUT_CHUNK];
	const dropout_cfg *cfg = L->cfg;
	size_t len = n * L->in_size;
	float keep = 1.0f / (1.0f - cfg->rate);
	uint64_t threshold = (uint64_t)(cfg->rate * 4294967296.0);

	if (!training || cfg->rate == 0) {
		memcpy(z, x, len * sizeof *z);
		/* backward after an evaluation pass passes gradients through */
		for (size_t i = 0; i < len; i++)
			L->scratch[i] = 1.0f;
		return;
	}
	for (size_t i0 = 0; i0 < len; i0 += DROPOUT_CHUNK) {
		size_t c = len - i0 < DROPOUT_CHUNK ? len - i0 : DROPOUT_CHUNK;

		nn_rng_fill32(rng, bits, c);
		mask_chunk(bits, threshold, keep, x + i0, z + i0,
		           L->scratch + i0, c);
	}
}

static void dropout_backward(nn_layer *L, const float *x, const float *dz,
                             float *dx, size_t n)
{
	(void)x;
	if (!dx)
		return;
	for (size_t i = 0; i < n * L->in_size; i++)
		dx[i] = dz[i] * L->scratch[i];
}

static void dropout_describe(const nn_layer *L, char *buf, size_t len)
{
	const dropout_cfg *cfg = L->cfg;

	snprintf(buf, len, "dropout %g", cfg->rate);
}

const nn_layer_class nn_dropout_class = {
	.kind = "dropout",
	.cfg_size = sizeof(dropout_cfg),
	.opts = dropout_opts,
	.setup = dropout_setup,
	.forward = dropout_forward,
	.backward = dropout_backward,
	.scratch_size = dropout_scratch,
	.describe = dropout_describe,
};
