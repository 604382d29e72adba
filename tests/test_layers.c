/* test_layers.c - every activation, layer and loss: forward against a plain
 * reference, and backprop against central finite differences. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "suite.h"
#include "vmath.h"

#define TOL 1e-2        /* float32 forward, central differences */
#define EPS 1e-2

static nn_model *chain(const nn_shape *in, const nn_layer_spec *specs,
                       int n, nn_rng *r)
{
	nn_model *m = nn_model_new(in);

	ck_assert_ptr_nonnull(m);
	for (int i = 0; i < n; i++)
		ck_assert_msg(nn_model_add(m, &specs[i], r) == 0, "add %s: %s",
		              specs[i].kind, nn_error());
	return m;
}

/* Run a gradient check of model m with random inputs and targets fitting
 * the loss; report and assert the worst relative error. */
static void check_grad(nn_model *m, nn_loss_kind loss, int training,
                       const char *what)
{
	nn_rng r;
	size_t n = 3, in = nn_shape_size(nn_model_input_shape(m));
	size_t w = nn_shape_size(nn_model_output_shape(m));
	float *x = malloc(n * in * sizeof *x), *y = calloc(n * w, sizeof *y);
	char worst[128] = "";
	double err;

	nn_rng_seed(&r, 7);
	gc_fill(&r, x, n * in, -1, 1);
	for (size_t i = 0; i < n; i++) {
		if (loss == NN_LOSS_MSE)
			gc_fill(&r, y + i * w, w, -1, 1);
		else if (loss == NN_LOSS_BCE || w == 1)
			gc_fill(&r, y + i * w, w, 0, 1);
		else
			y[i * w + nn_rng_below(&r, (uint32_t)w)] = 1;
	}
	err = gc_model(m, loss, x, y, n, EPS, training, 99, worst,
	               sizeof worst);
	printf("gradcheck %-28s worst relative error %.2e %s\n", what, err,
	       worst);
	ck_assert_msg(err < TOL, "%s: relative error %g at %s", what, err,
	              worst);
	free(x);
	free(y);
}

START_TEST(grad_dense_activations)
{
	/* every activation after a dense layer, then a linear dense */
	for (int a = 0; a < NN_ACT_COUNT; a++) {
		nn_rng r;
		nn_shape in = { 1, { 4 } };
		nn_layer_spec s[2] = {
			{ .kind = "dense", .args = "5", .act = (nn_act)a,
			  .alpha = 0.1f },
			{ .kind = "dense", .args = "3" },
		};
		nn_model *m;
		char what[64];

		if (a == NN_ACT_STEP)
			continue;       /* gradient 0: checked below */
		nn_rng_seed(&r, (uint64_t)a);
		m = chain(&in, s, 2, &r);
		snprintf(what, sizeof what, "dense+%s", nn_act_name((nn_act)a));
		check_grad(m, NN_LOSS_MSE, 0, what);
		nn_model_free(m);
	}
}
END_TEST

START_TEST(grad_step_is_zero)
{
	nn_rng r;
	nn_shape in = { 1, { 3 } };
	nn_layer_spec s[2] = {
		{ .kind = "dense", .args = "4", .act = NN_ACT_STEP },
		{ .kind = "dense", .args = "2" },
	};
	nn_layer_spec first[2] = {
		{ .kind = "step" },
		{ .kind = "dense", .args = "2", .act = NN_ACT_SIGMOID },
	};
	float x[3] = { 0.5f, -1, 2 }, g[2] = { 1, -1 };
	nn_model *m;
	nn_param p;

	/* nothing flows back through a step: the first layer learns nothing */
	nn_rng_seed(&r, 3);
	m = chain(&in, s, 2, &r);
	nn_model_forward(m, x, 1, 0, NULL);
	nn_model_backward(m, g, 0);
	for (int k = 0; k < 2; k++) {
		nn_model_param(m, 0, k, &p);
		for (size_t i = 0; i < p.size; i++)
			ck_assert(p.grad[i] == 0);
	}
	nn_model_free(m);
	/* a layer after a step still gets its gradient */
	m = chain(&in, first, 2, &r);
	check_grad(m, NN_LOSS_MSE, 0, "step then dense");
	nn_model_free(m);
}
END_TEST

START_TEST(grad_standalone_layers)
{
	nn_rng r;
	nn_shape img = { 3, { 2, 3, 3 } }, flat = { 1, { 6 } };
	nn_layer_spec with_flatten[3] = {
		{ .kind = "flatten" },
		{ .kind = "dense", .args = "4", .act = NN_ACT_TANH },
		{ .kind = "dense", .args = "2" },
	};
	nn_layer_spec with_act[3] = {
		{ .kind = "dense", .args = "5" },
		{ .kind = "relu" },
		{ .kind = "dense", .args = "2" },
	};
	nn_layer_spec with_dropout[3] = {
		{ .kind = "dense", .args = "8", .act = NN_ACT_SIGMOID },
		{ .kind = "dropout", .args = "0.4" },
		{ .kind = "dense", .args = "2" },
	};
	nn_layer_spec nobias[2] = {
		{ .kind = "dense", .args = "3 nobias", .act = NN_ACT_SIGMOID },
		{ .kind = "dense", .args = "2" },
	};
	nn_model *m;

	nn_rng_seed(&r, 5);
	m = chain(&img, with_flatten, 3, &r);
	check_grad(m, NN_LOSS_MSE, 0, "flatten");
	nn_model_free(m);
	m = chain(&flat, with_act, 3, &r);
	check_grad(m, NN_LOSS_MSE, 0, "activation layer relu");
	nn_model_free(m);
	m = chain(&flat, with_dropout, 3, &r);
	check_grad(m, NN_LOSS_MSE, 1, "dropout (training, fixed mask)");
	nn_model_free(m);
	m = chain(&flat, nobias, 2, &r);
	check_grad(m, NN_LOSS_MSE, 0, "dense nobias");
	nn_model_free(m);
}
END_TEST

START_TEST(grad_losses)
{
	struct { nn_loss_kind loss; nn_act act; const char *units; } cases[] = {
		{ NN_LOSS_MSE, NN_ACT_LINEAR, "3" },
		{ NN_LOSS_CE, NN_ACT_SOFTMAX, "4" },
		{ NN_LOSS_CE, NN_ACT_LINEAR, "4" },
		{ NN_LOSS_CE, NN_ACT_SIGMOID, "1" },
		{ NN_LOSS_CE_NAIVE, NN_ACT_SOFTMAX, "4" },
		{ NN_LOSS_BCE, NN_ACT_SIGMOID, "2" },
		{ NN_LOSS_BCE, NN_ACT_LINEAR, "2" },
		{ NN_LOSS_NLL, NN_ACT_LOGSOFTMAX, "4" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		nn_rng r;
		nn_shape in = { 1, { 3 } };
		nn_layer_spec s[2] = {
			{ .kind = "dense", .args = "4", .act = NN_ACT_TANH },
			{ .kind = "dense", .args = cases[i].units,
			  .act = cases[i].act },
		};
		nn_model *m;
		char what[64];

		nn_rng_seed(&r, 11 + i);
		m = chain(&in, s, 2, &r);
		if (cases[i].loss == NN_LOSS_BCE &&
		    cases[i].act == NN_ACT_LINEAR) {
			/* BCE on probabilities: keep outputs inside (0, 1) */
			nn_layer_spec sg = { .kind = "sigmoid" };

			ck_assert_int_eq(nn_model_add(m, &sg, &r), 0);
		}
		snprintf(what, sizeof what, "%s after %s",
		         nn_loss_name(cases[i].loss),
		         nn_act_name(nn_model_output_act(m)));
		check_grad(m, cases[i].loss, 0, what);
		nn_model_free(m);
	}
}
END_TEST

/* dense forward against a plain double-precision loop */
START_TEST(dense_forward_reference)
{
	nn_rng r;
	nn_shape in = { 1, { 7 } };
	nn_layer_spec s = { .kind = "dense", .args = "5" };
	nn_model *m = nn_model_new(&in);
	float x[3 * 7];
	const float *out;
	nn_param W, b;

	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_model_add(m, &s, &r), 0);
	nn_model_param(m, 0, 0, &W);
	nn_model_param(m, 0, 1, &b);
	gc_fill(&r, b.value, 5, -1, 1);
	gc_fill(&r, x, 21, -2, 2);
	out = nn_model_forward(m, x, 3, 0, NULL);
	for (int n = 0; n < 3; n++)
		for (int j = 0; j < 5; j++) {
			double z = b.value[j];

			for (int k = 0; k < 7; k++)
				z += (double)W.value[j * 7 + k] * x[n * 7 + k];
			ck_assert_double_eq_tol(out[n * 5 + j], z, 1e-5);
		}
	nn_model_free(m);
}
END_TEST

/* each activation against its formula at a few points */
START_TEST(activation_reference)
{
	float z[6] = { -3, -0.5f, 0, 0.25f, 1, 4 }, a[6];

	nn_act_forward(NN_ACT_STEP, 0, z, a, 1, 6);
	ck_assert(a[1] == 0 && a[2] == 1 && a[3] == 1);
	nn_act_forward(NN_ACT_SIGMOID, 0, z, a, 1, 6);
	ck_assert_double_eq_tol(a[4], 1 / (1 + exp(-1.0)), 1e-6);
	nn_act_forward(NN_ACT_LECUN, 0, z, a, 1, 6);
	ck_assert_double_eq_tol(a[4], 1.7159 * tanh(2.0 / 3), 1e-6);
	nn_act_forward(NN_ACT_LEAKY, 0.1f, z, a, 1, 6);
	ck_assert_double_eq_tol(a[0], -0.3, 1e-6);
	nn_act_forward(NN_ACT_RELU, 0, z, a, 1, 6);
	ck_assert(a[0] == 0 && a[5] == 4);
	nn_act_forward(NN_ACT_SOFTMAX, 0, z, a, 2, 3);
	ck_assert_double_eq_tol(a[0] + a[1] + a[2], 1, 1e-6);
	ck_assert_double_eq_tol(a[2], 1 / (exp(-3.0) + exp(-0.5) + 1), 1e-6);
	nn_act_forward(NN_ACT_LOGSOFTMAX, 0, z, a, 2, 3);
	ck_assert_double_eq_tol(a[5], 4 - log(exp(0.25) + exp(1.0) +
	                                     exp(4.0)), 1e-5);
}
END_TEST

/* Distance in units in the last place between two floats of one sign. */
static long ulps(float a, float b)
{
	int32_t ia, ib;

	memcpy(&ia, &a, sizeof ia);
	memcpy(&ib, &b, sizeof ib);
	return labs((long)ia - ib);
}

/* The vectorisable exp, sigmoid and tanh against libm over their whole
 * range, one value in about 10,000 of it, and at the edges: overflow to
 * inf, the flush to 0 below -86.9, NaN kept, and tanh near 0 (where a
 * formula through exp would lose digits). */
START_TEST(vmath_against_libm)
{
	long worst_exp = 0, worst_tanh = 0, worst_sig = 0;

	for (float x = -86.9f; x < 88.7f; x += 0.0173f)
		if (ulps(nn_vexpf(x), expf(x)) > worst_exp)
			worst_exp = ulps(nn_vexpf(x), expf(x));
	for (float x = -12; x < 12; x += 0.00117f) {
		if (ulps(nn_vtanhf(x), tanhf(x)) > worst_tanh)
			worst_tanh = ulps(nn_vtanhf(x), tanhf(x));
		if (ulps(nn_vsigmoidf(x), 1 / (1 + expf(-x))) > worst_sig)
			worst_sig = ulps(nn_vsigmoidf(x), 1 / (1 + expf(-x)));
	}
	for (float x = 1e-30f; x < 1; x *= 1.01f)
		if (ulps(nn_vtanhf(x), tanhf(x)) > worst_tanh)
			worst_tanh = ulps(nn_vtanhf(x), tanhf(x));
	ck_assert_int_le(worst_exp, 2);
	ck_assert_int_le(worst_tanh, 3);
	ck_assert_int_le(worst_sig, 4);
	ck_assert(nn_vexpf(0) == 1);
	ck_assert(isinf(nn_vexpf(89)) && isinf(nn_vexpf(INFINITY)));
	ck_assert(nn_vexpf(-87) == 0 && nn_vexpf(-INFINITY) == 0);
	ck_assert(isnan(nn_vexpf(NAN)) && isnan(nn_vtanhf(NAN)) &&
	          isnan(nn_vsigmoidf(NAN)));
	ck_assert(nn_vtanhf(INFINITY) == 1 && nn_vtanhf(-INFINITY) == -1);
	ck_assert(nn_vsigmoidf(-200) == 0 && nn_vsigmoidf(200) == 1);
	ck_assert(nn_vtanhf(-1e-20f) == -1e-20f);
}
END_TEST

/* the stable cross-entropy stays finite where the naive one does not */
START_TEST(crossentropy_stability)
{
	float z[2] = { 1000, -1000 }, y[2] = { 0, 1 }, a[2], g[2];
	double stable, naive;
	int dz;

	nn_act_forward(NN_ACT_SOFTMAX, 0, z, a, 1, 2);
	stable = nn_loss(NN_LOSS_CE, NN_ACT_SOFTMAX, z, a, y, 1, 2, g, &dz);
	ck_assert(dz == 1);
	ck_assert_double_eq_tol(stable, 2000, 1e-3);
	ck_assert(isfinite(g[0]) && isfinite(g[1]));
	naive = nn_loss(NN_LOSS_CE_NAIVE, NN_ACT_SOFTMAX, z, a, y, 1, 2, g,
	                &dz);
	ck_assert(dz == 0);
	ck_assert(!isfinite(naive));
}
END_TEST

/* dropout: training zeroes about rate of the inputs and scales the rest;
 * evaluation is the identity */
START_TEST(dropout_behaviour)
{
	nn_rng r;
	nn_shape in = { 1, { 1000 } };
	nn_layer_spec s = { .kind = "dropout", .args = "0.25" };
	nn_model *m = nn_model_new(&in);
	float x[1000];
	const float *out;
	int zeros = 0;

	nn_rng_seed(&r, 2);
	ck_assert_int_eq(nn_model_add(m, &s, &r), 0);
	for (int i = 0; i < 1000; i++)
		x[i] = 1;
	out = nn_model_forward(m, x, 1, 1, &r);
	for (int i = 0; i < 1000; i++) {
		if (out[i] == 0)
			zeros++;
		else
			ck_assert_double_eq_tol(out[i], 1 / 0.75, 1e-6);
	}
	ck_assert_int_gt(zeros, 200);
	ck_assert_int_lt(zeros, 300);
	out = nn_model_forward(m, x, 1, 0, NULL);
	for (int i = 0; i < 1000; i++)
		ck_assert(out[i] == 1);
	nn_model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("layers");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, grad_dense_activations);
	tcase_add_test(tc, grad_step_is_zero);
	tcase_add_test(tc, grad_standalone_layers);
	tcase_add_test(tc, grad_losses);
	tcase_add_test(tc, dense_forward_reference);
	tcase_add_test(tc, activation_reference);
	tcase_add_test(tc, vmath_against_libm);
	tcase_add_test(tc, crossentropy_stability);
	tcase_add_test(tc, dropout_behaviour);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
