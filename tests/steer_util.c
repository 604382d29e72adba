/* steer_util.c - what test_steer and test_steerfile share: a small
 * labelled data set and a small classifier. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn.h"
#include "steer_util.h"

/* n samples of `in` uniform inputs with random labels of k classes. */
nn_dataset *random_set(size_t n, int in, int k, uint64_t seed)
{
	nn_dataset *d = nn_dataset_new();
	nn_rng r;

	nn_rng_seed(&r, seed);
	d->n = n;
	d->xshape = (nn_shape){ 1, { in } };
	d->xsize = (size_t)in;
	d->x = malloc(n * (size_t)in * sizeof *d->x);
	d->labels = malloc(n * sizeof *d->labels);
	d->nclasses = k;
	d->ysize = (size_t)k;
	for (size_t i = 0; i < n * (size_t)in; i++)
		d->x[i] = (float)(2 * nn_rng_uniform(&r) - 1);
	for (size_t i = 0; i < n; i++) {
		/* learnable: the class follows the first input, mostly */
		int c = (int)((d->x[i * in] + 1) / 2 * k);

		c = c >= k ? k - 1 : c;
		d->labels[i] = nn_rng_uniform(&r) < 0.8 ? c
		               : (int)nn_rng_below(&r, (uint32_t)k);
	}
	ck_assert_int_eq(nn_dataset_check(d), 0);
	return d;
}

/* in -> hidden act (with dropout when drop > 0) -> k softmax. */
nn_model *mlp(int in, int hidden, nn_act act, float drop, int k,
              uint64_t seed)
{
	nn_shape s = { 1, { in } };
	nn_model *m = nn_model_new(&s);
	char hs[16], ds[32], ks[16];
	nn_layer_spec h = { .kind = "dense", .args = hs, .act = act,
	                    .has_act = 1 };
	nn_layer_spec dr = { .kind = "dropout", .args = ds };
	nn_layer_spec o = { .kind = "dense", .args = ks,
	                    .act = NN_ACT_SOFTMAX, .has_act = 1 };
	nn_rng r;

	snprintf(hs, sizeof hs, "%d", hidden);
	snprintf(ds, sizeof ds, "%.9g", drop);
	snprintf(ks, sizeof ks, "%d", k);
	nn_rng_seed(&r, seed);
	ck_assert_int_eq(nn_model_add(m, &h, &r), 0);
	if (drop > 0)
		ck_assert_int_eq(nn_model_add(m, &dr, &r), 0);
	ck_assert_int_eq(nn_model_add(m, &o, &r), 0);
	return m;
}
