/* flatten.c - reshapes each sample to one dimension (C x H x W -> C*H*W). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "layer.h"

static int flatten_setup(nn_layer *L, const nn_layer_spec *spec,
                         const nn_optval *v)
{
	(void)spec;
	(void)v;
	if (L->in_size > INT_MAX)
		return nn_layer_too_large("flatten", L->in_size, 0);
	L->out.ndim = 1;
	L->out.dim[0] = (int)L->in_size;
	return 0;
}

static void flatten_forward(nn_layer *L, const float *x, float *z, size_t n,
                            int training, nn_rng *rng)
{
	(void)training;
	(void)rng;
	memcpy(z, x, n * L->in_size * sizeof *z);
}

static void flatten_backward(nn_layer *L, const float *x, const float *dz,
                             float *dx, size_t n)
{
	(void)x;
	if (dx)
		memcpy(dx, dz, n * L->in_size * sizeof *dx);
}

static void flatten_describe(const nn_layer *L, char *buf, size_t len)
{
	(void)L;
	snprintf(buf, len, "flatten");
}

const nn_layer_class nn_flatten_class = {
	.kind = "flatten",
	.setup = flatten_setup,
	.forward = flatten_forward,
	.passes = 1,
	.backward = flatten_backward,
	.describe = flatten_describe,
};
