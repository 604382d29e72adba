/* activation.c - a layer that is only an activation (`add relu`): its core
 * is the identity and the model applies the activation, as for any layer. */
#include <stdio.h>
#include <string.h>

#include "layer.h"

static int activation_setup(nn_layer *L, const nn_layer_spec *spec,
                            const nn_optval *v)
{
	(void)spec;
	(void)v;
	L->out = L->in;
	return 0;
}

static void activation_forward(nn_layer *L, const float *x, float *z,
                               size_t n, int training, nn_rng *rng)
{
	(void)training;
	(void)rng;
	memcpy(z, x, n * L->in_size * sizeof *z);
}

static void activation_backward(nn_layer *L, const float *x, const float *dz,
                                float *dx, size_t n)
{
	(void)x;
	if (dx)
		memcpy(dx, dz, n * L->in_size * sizeof *dx);
}

static void activation_describe(const nn_layer *L, char *buf, size_t len)
{
	(void)L;
	snprintf(buf, len, "activation");
}

const nn_layer_class nn_activation_class = {
	.kind = "activation",
	.setup = activation_setup,
	.forward = activation_forward,
	.backward = activation_backward,
	.describe = activation_describe,
};
