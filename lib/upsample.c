/* upsample.c - nearest-neighbour upsampling of C x H x W inputs by an
 * integer factor: each pixel becomes a scale x scale block. */
#include <stdio.h>
#include <string.h>

#include "layer.h"

/* Its configuration (L->cfg). */
typedef struct upsample_cfg {
	int scale;
} upsample_cfg;

static const nn_layer_opt upsample_opts[] = {
	{ "FACTOR", "scale", NULL, NN_OPT_INT, 1, 1, 64, 0, NULL,
	  "whole factor" },
	{ 0 }
};

static int upsample_setup(nn_layer *L, const nn_layer_spec *spec,
                          const nn_optval *v)
{
	upsample_cfg *cfg = L->cfg;
	int scale = (int)v[0].num;

	(void)spec;
	if (L->in.ndim != 3)
		return nn_fail("upsample needs C x H x W inputs, not %d-D ones",
		               L->in.ndim);
	if (scale < 1 || scale > 64)
		return nn_fail("upsample needs a factor from 1 to 64, as in "
		               "'add upsample 2'");
	cfg->scale = scale;
	L->out = L->in;
	L->out.dim[1] *= scale;
	L->out.dim[2] *= scale;
	return 0;
}

static void upsample_forward(nn_layer *L, const float *x, float *z, size_t n,
                             int training, nn_rng *rng)
{
	const upsample_cfg *cfg = L->cfg;
	size_t rows = n * (size_t)L->in.dim[0] * L->in.dim[1];
	int w = L->in.dim[2], s = cfg->scale, ow = w * s;

	(void)training;
	(void)rng;
	for (size_t r = 0; r < rows; r++, x += w) {
		for (int j = 0; j < w; j++)
			for (int k = 0; k < s; k++)
				z[j * s + k] = x[j];
		for (int k = 1; k < s; k++)
			memcpy(z + k * ow, z, (size_t)ow * sizeof *z);
		z += (size_t)ow * s;
	}
}

static void upsample_backward(nn_layer *L, const float *x, const float *dz,
                              float *dx, size_t n)
{
	const upsample_cfg *cfg = L->cfg;
	size_t rows = n * (size_t)L->in.dim[0] * L->in.dim[1];
	int w = L->in.dim[2], s = cfg->scale, ow = w * s;

	(void)x;
	if (!dx)
		return;
	for (size_t r = 0; r < rows; r++, dx += w, dz += (size_t)ow * s)
		for (int j = 0; j < w; j++) {
			float sum = 0;

			for (int a = 0; a < s; a++)
				for (int b = 0; b < s; b++)
					sum += dz[a * ow + j * s + b];
			dx[j] = sum;
		}
}

static void upsample_describe(const nn_layer *L, char *buf, size_t len)
{
	const upsample_cfg *cfg = L->cfg;

	snprintf(buf, len, "upsample %d", cfg->scale);
}

const nn_layer_class nn_upsample_class = {
	.kind = "upsample",
	.cfg_size = sizeof(upsample_cfg),
	.opts = upsample_opts,
	.setup = upsample_setup,
	.forward = upsample_forward,
	.backward = upsample_backward,
	.describe = upsample_describe,
};
