/* dense.c - fully connected layer: z = x W^T + b, W is units x inputs.
 * An input with several dimensions is read as flat. */
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "layer.h"

static int dense_setup(nn_layer *L, const nn_layer_spec *spec)
{
	nn_shape w = { 2, { 0 } }, b = { 1, { 0 } }, out = { 1, { 0 } };

	if (spec->units <= 0)
		return nn_fail("dense needs a number of units, as in "
		               "'add dense 200 relu'");
	L->units = spec->units;
	L->nobias = spec->nobias;
	out.dim[0] = spec->units;
	L->out = out;
	w.dim[0] = spec->units;
	w.dim[1] = (int)L->in_size;
	nn_layer_param(L, "W", &w, 0, (int)L->in_size, spec->units);
	if (!L->nobias) {
		b.dim[0] = spec->units;
		nn_layer_param(L, "b", &b, 1, (int)L->in_size, spec->units);
	}
	return 0;
}

static void dense_forward(nn_layer *L, const float *x, float *z, size_t n,
                          int training, nn_rng *rng)
{
	size_t in = L->in_size, out = (size_t)L->units;
	float beta = 0;

	(void)training;
	(void)rng;
	if (!L->nobias) {
		for (size_t r = 0; r < n; r++)
			memcpy(z + r * out, L->p[1].val, out * sizeof *z);
		beta = 1;
	}
	nn_sgemm(0, 1, n, out, in, 1, x, in, L->p[0].val, in, beta, z, out);
}

static void dense_backward(nn_layer *L, const float *x, const float *dz,
                           float *dx, size_t n)
{
	size_t in = L->in_size, out = (size_t)L->units;

	nn_sgemm(1, 0, out, in, n, 1, dz, out, x, in, 0, L->p[0].grad, in);
	if (!L->nobias) {
		float *db = L->p[1].grad;

		memcpy(db, dz, out * sizeof *db);
		for (size_t r = 1; r < n; r++)
			for (size_t j = 0; j < out; j++)
				db[j] += dz[r * out + j];
	}
	if (dx)
		nn_sgemm(0, 0, n, in, out, 1, dz, out, L->p[0].val, in, 0,
		         dx, in);
}

static void dense_describe(const nn_layer *L, char *buf, size_t len)
{
	snprintf(buf, len, "dense %d%s", L->units, L->nobias ? " nobias" : "");
}

const nn_layer_class nn_dense_class = {
	.kind = "dense",
	.setup = dense_setup,
	.forward = dense_forward,
	.backward = dense_backward,
	.describe = dense_describe,
};
