/* embed.c - token embeddings: a sequence of T token ids (given as their
 * values, as a dataset of token ids gathers them) becomes a T x DIM
 * sequence, row t the id's row of W (vocab x DIM). An id outside
 * [0, vocab) reads a row of zeros and gets no gradient; training and
 * evaluation refuse such data before (nn_model_check_tokens). The
 * layer keeps DIM in units and the vocabulary in scale. An output
 * projection `dense VOCAB tie=EMBED` shares W (the same vocab x DIM). */
#include <stdio.h>
#include <string.h>

#include "layer.h"
#include "model.h"

/* Its configuration (L->cfg). */
typedef struct embed_cfg {
	int dim;                /* values per token */
	int vocab;              /* ids below it */
} embed_cfg;

enum { DIM, VOCAB };

static const nn_layer_opt embed_opts[] = {
	{ "DIM", NULL, NULL, NN_OPT_INT, 1, 1, 1 << 20, 0, NULL,
	  "number of values per token" },
	{ "vocab", "vocab", NULL, NN_OPT_INT, 0, 1, 1 << 24, 0, NULL,
	  "number of token ids" },
	{ 0 }
};

static int embed_setup(nn_layer *L, const nn_layer_spec *spec,
                       const nn_optval *v)
{
	embed_cfg *cfg = L->cfg;
	int dim = (int)v[DIM].num, vocab = (int)v[VOCAB].num;
	nn_shape w = { 2, { 0 } };

	(void)spec;
	if (dim <= 0 || vocab <= 0)
		return nn_fail("embed needs a size and the number of token "
		               "ids, as in 'add embed 32 vocab=10'");
	if (L->in.ndim != 1)
		return nn_fail("embed reads a sequence of token ids (model "
		               "input=T), not a %d-D input", L->in.ndim);
	cfg->dim = dim;
	cfg->vocab = vocab;
	L->out.ndim = 2;
	L->out.dim[0] = L->in.dim[0];
	L->out.dim[1] = dim;
	L->seq = 1;
	w.dim[0] = vocab;
	w.dim[1] = dim;
	nn_layer_param(L, "W", &w, 0, 1, dim);
	return 0;
}

static void embed_forward(nn_layer *L, const float *x, float *z, size_t n,
                          int training, nn_rng *rng)
{
	const embed_cfg *cfg = L->cfg;
	size_t dim = (size_t)cfg->dim, rows = n * L->in_size;

	(void)training;
	(void)rng;
	for (size_t r = 0; r < rows; r++) {
		float id = x[r];

		if (id >= 0 && id < (float)cfg->vocab)
			memcpy(z + r * dim, L->p[0].val + (size_t)id * dim,
			       dim * sizeof *z);
		else
			memset(z + r * dim, 0, dim * sizeof *z);
	}
}

static void embed_backward(nn_layer *L, const float *x, const float *dz,
                           float *dx, size_t n)
{
	const embed_cfg *cfg = L->cfg;
	size_t dim = (size_t)cfg->dim, rows = n * L->in_size;
	float *dW = L->p[0].grad;

	memset(dW, 0, L->p[0].size * sizeof *dW);
	for (size_t r = 0; r < rows; r++) {
		float id = x[r];

		if (id >= 0 && id < (float)cfg->vocab) {
			float *g = dW + (size_t)id * dim;

			for (size_t k = 0; k < dim; k++)
				g[k] += dz[r * dim + k];
		}
	}
	if (dx)                 /* ids are not differentiable */
		memset(dx, 0, rows * sizeof *dx);
}

static void embed_describe(const nn_layer *L, char *buf, size_t len)
{
	const embed_cfg *cfg = L->cfg;

	snprintf(buf, len, "embed %d vocab=%d", cfg->dim, cfg->vocab);
}

const nn_layer_class nn_embed_class = {
	.kind = "embed",
	.cfg_size = sizeof(embed_cfg),
	.opts = embed_opts,
	.setup = embed_setup,
	.forward = embed_forward,
	.backward = embed_backward,
	.describe = embed_describe,
};

int nn_model_check_tokens(const nn_model *m, int vocab)
{
	for (size_t i = 0; i < m->nlayers; i++) {
		const nn_layer *L = m->layers[i];
		const embed_cfg *cfg = L->cfg;

		if (L->cls == &nn_embed_class && L->src < 0 &&
		    vocab > cfg->vocab)
			return nn_fail("the token ids go up to %d, but embed "
			               "(node %zu) takes ids below %d",
			               vocab - 1, i + 1, cfg->vocab);
	}
	return 0;
}
