/* posenc.c - positional encoding of a T x D sequence: z = x + P, with P
 * the sinusoids of "Attention is all you need",
 *   P[t][2i] = sin(t / 10000^(2i/D)),  P[t][2i+1] = cos(t / 10000^(2i/D)),
 * or, with `learned`, a T x D parameter. max= is the longest sequence it
 * takes (a model of longer sequences is refused). The sinusoids are
 * computed once, in setup, and kept in priv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"

/* Its configuration (L->cfg). */
typedef struct posenc_cfg {
	int learned;            /* positions are parameters */
	int max;                /* the longest sequence */
} posenc_cfg;

enum { KIND, MAX };

static const nn_layer_opt posenc_opts[] = {
	{ "sinusoidal|learned", NULL, NULL, NN_OPT_CHOICE, 0, 0, 0, 0,
	  "sinusoidal learned", "the encoding" },
	{ "max", "max", NULL, NN_OPT_INT, 0, 1, 1 << 20, 5000, NULL,
	  "longest sequence" },
	{ 0 }
};

/* The sinusoids for T positions of D values. */
static float *sinusoids(int T, int D)
{
	float *p = malloc((size_t)T * (size_t)D * sizeof *p);

	for (int t = 0; p && t < T; t++)
		for (int k = 0; k < D; k++) {
			double f = pow(10000.0, -(double)(k - k % 2) / D);

			p[(size_t)t * D + k] = (float)(k % 2 ? cos(t * f)
			                                     : sin(t * f));
		}
	return p;
}

static int posenc_setup(nn_layer *L, const nn_layer_spec *spec,
                        const nn_optval *v)
{
	posenc_cfg *cfg = L->cfg;
	int learned = (int)v[KIND].num, max = (int)v[MAX].num;

	(void)spec;
	if (!L->in_seq)
		return nn_fail("posenc needs a sequence (T x D, as from "
		               "embed)");
	if (L->in.dim[0] > max)
		return nn_fail("posenc: the sequence has %d positions, more "
		               "than its max=%d", L->in.dim[0], max);
	L->out = L->in;
	L->seq = 1;
	cfg->learned = learned;
	cfg->max = max;
	if (learned) {
		nn_layer_param(L, "P", &L->in, 0, 1, L->in.dim[1]);
		return 0;
	}
	if (!(L->priv = sinusoids(L->in.dim[0], L->in.dim[1])))
		return nn_fail("out of memory");
	return 0;
}

static void posenc_forward(nn_layer *L, const float *x, float *z, size_t n,
                           int training, nn_rng *rng)
{
	const posenc_cfg *cfg = L->cfg;
	const float *p = cfg->learned ? L->p[0].val : L->priv;
	size_t w = L->in_size;

	(void)training;
	(void)rng;
	for (size_t s = 0; s < n; s++)
		for (size_t k = 0; k < w; k++)
			z[s * w + k] = x[s * w + k] + p[k];
}

static void posenc_backward(nn_layer *L, const float *x, const float *dz,
                            float *dx, size_t n)
{
	const posenc_cfg *cfg = L->cfg;
	size_t w = L->in_size;

	(void)x;
	if (cfg->learned) {
		float *g = L->p[0].grad;

		memset(g, 0, w * sizeof *g);
		for (size_t s = 0; s < n; s++)
			for (size_t k = 0; k < w; k++)
				g[k] += dz[s * w + k];
	}
	if (dx)
		memcpy(dx, dz, n * w * sizeof *dx);
}

static void posenc_describe(const nn_layer *L, char *buf, size_t len)
{
	const posenc_cfg *cfg = L->cfg;

	snprintf(buf, len, "posenc%s", cfg->learned ? " learned" : "");
}

static void posenc_destroy(nn_layer *L)
{
	free(L->priv);
	L->priv = NULL;
}

static int posenc_clone(nn_layer *dst, const nn_layer *src)
{
	if (!src->priv)
		return 0;
	if (!(dst->priv = sinusoids(src->in.dim[0], src->in.dim[1])))
		return nn_fail("out of memory");
	return 0;
}

const nn_layer_class nn_posenc_class = {
	.kind = "posenc",
	.cfg_size = sizeof(posenc_cfg),
	.opts = posenc_opts,
	.setup = posenc_setup,
	.forward = posenc_forward,
	.backward = posenc_backward,
	.describe = posenc_describe,
	.destroy = posenc_destroy,
	.clone = posenc_clone,
};
