/* reshape.c - gives each sample a new shape of the same size (8x7x7 after
 * a dense 392, for a decoder); the values stay in the same order. */
#include <stdio.h>
#include <string.h>

#include "layer.h"

static const nn_layer_opt reshape_opts[] = {
	{ "SHAPE", NULL, NULL, NN_OPT_SHAPE, 1, 0, 0, 0, NULL, "shape" },
	{ 0 }
};

static int reshape_setup(nn_layer *L, const nn_layer_spec *spec,
                         const nn_optval *v)
{
	const nn_shape *target = &v[0].shape;
	char a[32], b[32];

	(void)spec;
	if (target->ndim <= 0)
		return nn_fail("reshape needs a shape, as in 'add reshape "
		               "8x7x7'");
	if (nn_shape_size(target) != L->in_size)
		return nn_fail("reshape: %s has %zu values but the input %s "
		               "has %zu", nn_shape_str(target, a, sizeof a),
		               nn_shape_size(target),
		               nn_shape_str(&L->in, b, sizeof b), L->in_size);
	L->out = *target;
	return 0;
}

static void reshape_forward(nn_layer *L, const float *x, float *z, size_t n,
                            int training, nn_rng *rng)
{
	(void)training;
	(void)rng;
	memcpy(z, x, n * L->in_size * sizeof *z);
}

static void reshape_backward(nn_layer *L, const float *x, const float *dz,
                             float *dx, size_t n)
{
	(void)x;
	if (dx)
		memcpy(dx, dz, n * L->in_size * sizeof *dx);
}

static void reshape_describe(const nn_layer *L, char *buf, size_t len)
{
	char s[32];

	snprintf(buf, len, "reshape %s", nn_shape_str(&L->out, s, sizeof s));
}

const nn_layer_class nn_reshape_class = {
	.kind = "reshape",
	.opts = reshape_opts,
	.setup = reshape_setup,
	.forward = reshape_forward,
	.passes = 1,
	.backward = reshape_backward,
	.describe = reshape_describe,
};
