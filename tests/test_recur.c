/* test_recur.c - what lib/recur.c promises the recurrent kinds (rnn,
 * lstm, gru): a batch cut into groups of samples, run apart in a
 * time-major scratch, gives each sample what it gets alone (outputs,
 * and gradients that add up to the batch's), for every step or the
 * last, with bptt= truncation; and the same bits on one thread as on
 * two. test_seq compares the kinds with PyTorch and checks their
 * gradients by finite differences. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "suite.h"

#define T 5
#define VOCAB 11
#define N 37                    /* two groups: 18 and 19 samples */

static const char *const kinds[][2] = {
	{ "rnn", "6" }, { "rnn", "6 relu seq=last bptt=3" },
	{ "lstm", "6" }, { "lstm", "6 seq=last bptt=2" },
	{ "gru", "6" }, { "gru", "6 bptt=3" },
};

/* embed 4 vocab=11, then the kind, parameters drawn from seed */
static nn_model *build(const char *kind, const char *args)
{
	nn_shape in = { 1, { T } };
	nn_model *m = nn_model_new(&in);
	nn_layer_spec e = { .kind = "embed", .args = "4 vocab=11",
	                    .act = NN_ACT_LINEAR };
	nn_layer_spec s = { .kind = kind, .args = args,
	                    .act = NN_ACT_LINEAR };
	float *p;
	nn_rng r;

	nn_rng_seed(&r, 7);
	ck_assert_msg(nn_model_add(m, &e, &r) == 0, "%s", nn_error());
	ck_assert_msg(nn_model_add(m, &s, &r) == 0, "%s", nn_error());
	p = nn_model_params(m);
	for (size_t k = 0; k < nn_model_param_count(m); k++)
		p[k] = (float)(nn_rng_next(&r) % 2001) / 1000.0f - 1.0f;
	return m;
}

/* The batch's outputs (out, N x w) and gradients (g) from dout. */
static void batch(nn_model *m, const float *x, const float *dout, size_t w,
                  float *out, float *g)
{
	const float *y = nn_model_forward(m, x, N, 0, NULL);

	ck_assert_ptr_nonnull(y);
	memcpy(out, y, N * w * sizeof *out);
	nn_model_zero_grads(m);
	nn_model_backward_acc(m, dout, 0, 0);
	memcpy(g, nn_model_grads(m),
	       nn_model_param_count(m) * sizeof *g);
}

START_TEST(batch_is_its_samples)
{
	for (size_t c = 0; c < sizeof kinds / sizeof *kinds; c++) {
		nn_model *m = build(kinds[c][0], kinds[c][1]);
		size_t w = nn_shape_size(nn_model_output_shape(m));
		size_t np = nn_model_param_count(m);
		float x[N * T], *dout = malloc(N * w * sizeof *dout);
		float *out = malloc(N * w * sizeof *out);
		float *g = malloc(np * sizeof *g);
		double worst_y = 0, worst_g = 0;
		nn_rng r;

		nn_rng_seed(&r, 11 + c);
		for (size_t i = 0; i < N * T; i++)
			x[i] = (float)(nn_rng_next(&r) % VOCAB);
		for (size_t i = 0; i < N * w; i++)
			dout[i] = (float)(nn_rng_next(&r) % 2001) / 1000.0f -
			          1.0f;
		batch(m, x, dout, w, out, g);
		/* each sample alone; its gradients add up */
		nn_model_zero_grads(m);
		for (size_t i = 0; i < N; i++) {
			const float *y = nn_model_forward(m, x + i * T, 1, 0,
			                                  NULL);

			ck_assert_ptr_nonnull(y);
			for (size_t k = 0; k < w; k++)
				worst_y = fmax(worst_y,
				               fabs(y[k] - out[i * w + k]));
			nn_model_backward_acc(m, dout + i * w, 0, 0);
		}
		for (size_t k = 0; k < np; k++) {
			double a = nn_model_grads(m)[k];

			worst_g = fmax(worst_g,
			               fabs(a - g[k]) / (1 + fabs(a)));
		}
		printf("%-4s %-22s batch of %d vs one at a time: y %.1e, "
		       "gradients %.1e\n", kinds[c][0], kinds[c][1], N,
		       worst_y, worst_g);
		ck_assert_double_lt(worst_y, 1e-5);
		ck_assert_double_lt(worst_g, 1e-5);
		free(dout);
		free(out);
		free(g);
		nn_model_free(m);
	}
}
END_TEST

START_TEST(same_bits_on_two_threads)
{
	for (size_t c = 0; c < sizeof kinds / sizeof *kinds; c++) {
		nn_model *m = build(kinds[c][0], kinds[c][1]);
		size_t w = nn_shape_size(nn_model_output_shape(m));
		size_t np = nn_model_param_count(m);
		float x[N * T], *dout = malloc(N * w * sizeof *dout);
		float *out[2], *g[2];

		for (size_t i = 0; i < N * T; i++)
			x[i] = (float)((i * 7 + c) % VOCAB);
		for (size_t i = 0; i < N * w; i++)
			dout[i] = (float)((int)(i % 13) - 6) / 6.0f;
		/* the workers take part in a loop every other run at first
		 * (then as it times them): several runs on two threads */
		for (int t = 0; t < 2; t++) {
			out[t] = malloc(N * w * sizeof *out[t]);
			g[t] = malloc(np * sizeof *g[t]);
			nn_set_threads(t + 1);
			for (int run = 0; run < 4; run++) {
				batch(m, x, dout, w, out[t], g[t]);
				if (t == 0)
					break;
				ck_assert_mem_eq(out[0], out[1],
				                 N * w * sizeof *out[0]);
				ck_assert_mem_eq(g[0], g[1],
				                 np * sizeof *g[0]);
			}
		}
		nn_set_threads(1);
		for (int t = 0; t < 2; t++) {
			free(out[t]);
			free(g[t]);
		}
		free(dout);
		nn_model_free(m);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("recur");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, batch_is_its_samples);
	tcase_add_test(tc, same_bits_on_two_threads);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
