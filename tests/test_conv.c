/* test_conv.c - the convolutional layers: conv and transposed conv against
 * their direct-loop references, gradient checks of every kind with
 * strides, padding and odd sizes, batch-norm statistics, output shapes of
 * the homework's exercises, refused configurations, the ReLU conv applies
 * itself against a separate one, and a tiny CNN that must learn a handful
 * of digits by heart. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "im2col.h"
#include "suite.h"

#define TOL 1e-2
#define EPS 1e-2

static nn_model *chain(const char *input, const nn_layer_spec *specs, int n,
                       nn_rng *r)
{
	nn_shape in;
	nn_model *m;

	ck_assert_int_eq(nn_shape_parse(input, &in), 0);
	m = nn_model_new(&in);
	ck_assert_ptr_nonnull(m);
	for (int i = 0; i < n; i++)
		ck_assert_msg(nn_model_add(m, &specs[i], r) == 0, "add %s: %s",
		              specs[i].kind, nn_error());
	return m;
}

/* Gradient check of m on 3 random samples with MSE on random targets. */
static void check_grad(nn_model *m, int training, const char *what)
{
	nn_rng r;
	size_t n = 3, in = nn_shape_size(nn_model_input_shape(m));
	size_t w = nn_shape_size(nn_model_output_shape(m));
	float *x = malloc(n * in * sizeof *x), *y = malloc(n * w * sizeof *y);
	char worst[128] = "";
	double err;

	nn_rng_seed(&r, 7);
	gc_fill(&r, x, n * in, -1, 1);
	gc_fill(&r, y, n * w, -1, 1);
	err = gc_model(m, NN_LOSS_MSE, x, y, n, EPS, training, 99, worst,
	               sizeof worst);
	printf("gradcheck %-40s worst relative error %.2e %s\n", what, err,
	       worst);
	ck_assert_msg(err < TOL, "%s: relative error %g at %s", what, err,
	              worst);
	free(x);
	free(y);
}

/* The window a conv spec should have over `in` giving `out`, worked out
 * here from the definitions (TensorFlow's `same`: the padding that gives
 * ceil(in / stride) outputs, the odd one at the bottom and right). */
/* The geometry a case's arguments ask for, written out for the check. */
typedef struct geom {
	int units, kh, kw, stride, pad, same, outpad, nobias;
} geom;

static nn_window expected_window(const nn_shape *in, const geom *s,
                                 const nn_shape *out)
{
	nn_window g = { in->dim[0], in->dim[1], in->dim[2], s->kh, s->kw,
	                s->stride ? s->stride : 1, s->stride ? s->stride : 1,
	                s->pad, s->pad, out->dim[1], out->dim[2] };

	if (s->same) {
		int th = (g.oh - 1) * g.sh + g.kh - g.h;
		int tw = (g.ow - 1) * g.sw + g.kw - g.w;

		ck_assert_int_eq(g.oh, (g.h + g.sh - 1) / g.sh);
		g.ph = th > 0 ? th / 2 : 0;
		g.pw = tw > 0 ? tw / 2 : 0;
	}
	return g;
}

/* Compare n outputs of size len with the reference. */
static void assert_close(const float *got, const float *ref, size_t len,
                         const char *what, size_t sample)
{
	for (size_t j = 0; j < len; j++)
		ck_assert_msg(fabsf(got[j] - ref[j]) < 1e-4f, "%s sample %zu "
		              "[%zu]: %g, reference %g", what, sample, j,
		              got[j], ref[j]);
}

struct geom_case { const char *in; nn_layer_spec s; geom g; };

static const struct geom_case conv_cases[] = {
	{ "1x7x5", { .kind = "conv", .args = "2 3" },
	  { .units = 2, .kh = 3, .kw = 3 } },
	{ "3x9x8", { .kind = "conv", .args = "4 3x2 stride=2 pad=1" },
	  { .units = 4, .kh = 3, .kw = 2, .stride = 2, .pad = 1 } },
	{ "2x6x6", { .kind = "conv", .args = "3 4 pad=same" },
	  { .units = 3, .kh = 4, .kw = 4, .same = 1 } },
	{ "2x7x7", { .kind = "conv", .args = "3 5 nobias stride=3 pad=same" },
	  { .units = 3, .kh = 5, .kw = 5, .stride = 3, .same = 1,
	    .nobias = 1 } },
	{ "1x28x28", { .kind = "conv", .args = "4 kernel=5 pad=2" },
	  { .units = 4, .kh = 5, .kw = 5, .pad = 2 } },
	{ "4x5x5", { .kind = "conv", .args = "2 1" },
	  { .units = 2, .kh = 1, .kw = 1 } },
	{ "2x4x4", { .kind = "conv", .args = "2 3 stride=2 padding=3" },
	  { .units = 2, .kh = 3, .kw = 3, .stride = 2, .pad = 3 } },
	{ "2x12x41", { .kind = "conv", .args = "5 3x4 stride=2 pad=1" },
	  { .units = 5, .kh = 3, .kw = 4, .stride = 2, .pad = 1 } },
	/* the direct kernels' edges: channels not a multiple of 4, stride
	 * 3 and 4 (the largest they take) */
	{ "5x11x10", { .kind = "conv", .args = "6 3 stride=3 pad=1" },
	  { .units = 6, .kh = 3, .kw = 3, .stride = 3, .pad = 1 } },
	{ "3x13x13", { .kind = "conv", .args = "7 4x3 stride=4 pad=2" },
	  { .units = 7, .kh = 4, .kw = 3, .stride = 4, .pad = 2 } },
	/* lowered to products: more than 32 filters, more than 512 inputs
	 * per filter, stride over 4 */
	{ "1x9x9", { .kind = "conv", .args = "33 3 stride=2 pad=1" },
	  { .units = 33, .kh = 3, .kw = 3, .stride = 2, .pad = 1 } },
	{ "36x6x6", { .kind = "conv", .args = "3 4 pad=1" },
	  { .units = 3, .kh = 4, .kw = 4, .pad = 1 } },
	{ "2x11x11", { .kind = "conv", .args = "3 2 stride=5" },
	  { .units = 3, .kh = 2, .kw = 2, .stride = 5 } },
};

START_TEST(conv_matches_reference)
{
	const struct geom_case *c = &conv_cases[_i];
	nn_rng r;
	nn_model *m;
	nn_param W, b = { 0 };
	nn_window g;
	size_t n = 3, in, out;
	float *x, *ref;
	const float *z;

	nn_rng_seed(&r, (uint64_t)_i);
	m = chain(c->in, &c->s, 1, &r);
	gc_fill(&r, nn_model_params(m), nn_model_param_count(m), -1, 1);
	in = nn_shape_size(nn_model_input_shape(m));
	out = nn_shape_size(nn_model_output_shape(m));
	g = expected_window(nn_model_input_shape(m), &c->g,
	                    nn_model_output_shape(m));
	x = malloc(n * in * sizeof *x);
	ref = malloc(out * sizeof *ref);
	gc_fill(&r, x, n * in, -1, 1);
	nn_model_param(m, 0, 0, &W);
	if (!c->g.nobias)
		nn_model_param(m, 0, 1, &b);
	ck_assert_int_eq(nn_model_layer_nparams(m, 0), 2 - c->g.nobias);
	z = nn_model_forward(m, x, n, 0, NULL);
	ck_assert_ptr_nonnull(z);
	for (size_t i = 0; i < n; i++) {
		nn_conv2d_naive(&g, c->g.units, x + i * in, W.value, b.value,
		                ref);
		assert_close(z + i * out, ref, out, c->in, i);
	}
	free(x);
	free(ref);
	nn_model_free(m);
}
END_TEST

static const struct geom_case convt_cases[] = {
	{ "2x3x3", { .kind = "convt", .args = "3 3" },
	  { .units = 3, .kh = 3, .kw = 3 } },
	{ "3x4x5", { .kind = "convt", .args = "2 4 stride=2 pad=1" },
	  { .units = 2, .kh = 4, .kw = 4, .stride = 2, .pad = 1 } },
	{ "2x3x4", { .kind = "convt",
	             .args = "2 3x2 stride=2 pad=1 outpad=1" },
	  { .units = 2, .kh = 3, .kw = 2, .stride = 2, .pad = 1,
	    .outpad = 1 } },
	{ "8x7x7", { .kind = "convt",
	             .args = "1 5 nobias stride=3 pad=2 outpad=2" },
	  { .units = 1, .kh = 5, .kw = 5, .stride = 3, .pad = 2, .outpad = 2,
	    .nobias = 1 } },
};

START_TEST(convt_matches_reference)
{
	const struct geom_case *c = &convt_cases[_i];
	const geom *s = &c->g;
	nn_rng r;
	nn_model *m;
	nn_param W, b = { 0 };
	const nn_shape *is, *os;
	nn_window g;
	size_t n = 2, in, out;
	float *x, *ref;
	const float *z;

	nn_rng_seed(&r, 40 + (uint64_t)_i);
	m = chain(c->in, &c->s, 1, &r);
	gc_fill(&r, nn_model_params(m), nn_model_param_count(m), -1, 1);
	is = nn_model_input_shape(m);
	os = nn_model_output_shape(m);
	/* out = (in - 1) * stride - 2 * pad + k + outpad */
	ck_assert_int_eq(os->dim[1], (is->dim[1] - 1) * (s->stride ?
	                 s->stride : 1) - 2 * s->pad + s->kh + s->outpad);
	ck_assert_int_eq(os->dim[2], (is->dim[2] - 1) * (s->stride ?
	                 s->stride : 1) - 2 * s->pad + s->kw + s->outpad);
	g = (nn_window){ os->dim[0], os->dim[1], os->dim[2], s->kh, s->kw,
	                 s->stride ? s->stride : 1, s->stride ? s->stride : 1,
	                 s->pad, s->pad, is->dim[1], is->dim[2] };
	in = nn_shape_size(is);
	out = nn_shape_size(os);
	x = malloc(n * in * sizeof *x);
	ref = malloc(out * sizeof *ref);
	gc_fill(&r, x, n * in, -1, 1);
	nn_model_param(m, 0, 0, &W);
	if (!s->nobias)
		nn_model_param(m, 0, 1, &b);
	z = nn_model_forward(m, x, n, 0, NULL);
	ck_assert_ptr_nonnull(z);
	for (size_t i = 0; i < n; i++) {
		nn_convt_naive(&g, is->dim[0], x + i * in, W.value, b.value,
		               ref);
		assert_close(z + i * out, ref, out, c->in, i);
	}
	free(x);
	free(ref);
	nn_model_free(m);
}
END_TEST

/* im2col and col2im are adjoint: <im2col(x), c> == <x, col2im(c)>. */
START_TEST(col2im_is_adjoint)
{
	nn_window g = { 2, 7, 6, 3, 4, 2, 3, 1, 2, 0, 0 };
	nn_rng r;
	float x[2 * 7 * 6], dx[2 * 7 * 6] = { 0 }, *col, *c;
	size_t rows = 2 * 3 * 4, cols;
	double a = 0, b = 0;

	g.oh = nn_window_out(g.h, g.kh, g.sh, 2 * g.ph);
	g.ow = nn_window_out(g.w, g.kw, g.sw, 2 * g.pw);
	cols = (size_t)g.oh * g.ow;
	col = malloc(rows * cols * sizeof *col);
	c = malloc(rows * cols * sizeof *c);
	nn_rng_seed(&r, 3);
	gc_fill(&r, x, sizeof x / sizeof x[0], -1, 1);
	gc_fill(&r, c, rows * cols, -1, 1);
	nn_im2col(&g, x, col, cols);
	nn_col2im(&g, c, cols, dx);
	for (size_t i = 0; i < rows * cols; i++)
		a += (double)col[i] * c[i];
	for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
		b += (double)x[i] * dx[i];
	ck_assert_double_eq_tol(a, b, 1e-4);
	free(col);
	free(c);
}
END_TEST

/* Each kind after a conv (so dL/dx flows into parameters that are checked)
 * and before a dense layer. */
START_TEST(grad_layers)
{
	struct { const char *what, *in; nn_layer_spec s[4]; int n; } cases[] = {
		{ "conv stride 2 pad 1, 3x2 kernel", "2x7x5", {
			{ .kind = "conv", .args = "3 3x2 stride=2 pad=1",
			  .act = NN_ACT_TANH },
			{ .kind = "conv", .args = "2 2" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "conv same, even kernel, stride 2", "1x6x7", {
			{ .kind = "conv", .args = "2 3",
			  .act = NN_ACT_SIGMOID },
			{ .kind = "conv", .args = "3 4 stride=2 pad=same" },
			{ .kind = "flatten" },
			{ .kind = "dense", .args = "2" } }, 4 },
		{ "conv relu nobias", "2x5x5", {
			{ .kind = "conv", .args = "2 3 pad=1" },
			{ .kind = "conv", .args = "2 3 nobias",
			  .act = NN_ACT_RELU },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "convt stride 2 pad 1 outpad 1", "2x3x4", {
			{ .kind = "conv", .args = "2 1" },
			{ .kind = "convt",
			  .args = "2 3 stride=2 pad=1 outpad=1",
			  .act = NN_ACT_TANH },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "convt 4x4 stride 2 pad 1", "3x3x3", {
			{ .kind = "conv", .args = "2 2" },
			{ .kind = "convt", .args = "1 4 stride=2 pad=1" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "maxpool 2", "1x7x6", {
			{ .kind = "conv", .args = "2 2" },
			{ .kind = "maxpool", .args = "2" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "maxpool 3 stride 2 pad 1", "1x8x7", {
			{ .kind = "conv", .args = "2 2" },
			{ .kind = "maxpool", .args = "3 stride=2 pad=1" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "avgpool 3 stride 2 pad 1", "1x8x7", {
			{ .kind = "conv", .args = "2 2" },
			{ .kind = "avgpool", .args = "3 stride=2 pad=1" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "avgpool 2x3", "1x7x7", {
			{ .kind = "conv", .args = "2 2" },
			{ .kind = "avgpool", .args = "2x3" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "globalavgpool", "2x5x3", {
			{ .kind = "conv", .args = "3 2" },
			{ .kind = "globalavgpool" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "upsample 3", "1x3x2", {
			{ .kind = "conv", .args = "2 2x1" },
			{ .kind = "upsample", .args = "3" },
			{ .kind = "conv", .args = "1 3" },
			{ .kind = "dense", .args = "2" } }, 4 },
		{ "reshape 2x3x2 then conv", "6", {
			{ .kind = "dense", .args = "12", .act = NN_ACT_TANH },
			{ .kind = "reshape", .args = "2x3x2" },
			{ .kind = "conv", .args = "2 2" },
			{ .kind = "dense", .args = "2" } }, 4 },
		{ "layernorm on maps", "1x4x5", {
			{ .kind = "conv", .args = "2 3x2" },
			{ .kind = "layernorm" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "layernorm on features", "5", {
			{ .kind = "dense", .args = "4" },
			{ .kind = "layernorm" },
			{ .kind = "dense", .args = "3" } }, 3 },
		{ "conv stride 3, 5 channels in, 6 out", "2x8x7", {
			{ .kind = "conv", .args = "5 1" },
			{ .kind = "conv", .args = "6 3 stride=3 pad=1" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "conv stride 4, 4x3 kernel", "1x9x9", {
			{ .kind = "conv", .args = "3 2" },
			{ .kind = "conv", .args = "5 4x3 stride=4 pad=2" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "conv stride 2 leaves the last row, column unread",
		  "1x9x9", {
			{ .kind = "conv", .args = "2 1" },
			{ .kind = "conv", .args = "3 2 stride=2" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "conv lowered (33 filters), last row unread", "1x9x7", {
			{ .kind = "conv", .args = "2 1" },
			{ .kind = "conv", .args = "33 2x3 stride=2" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "conv direct, dL/dx gathered: pad 1 on 12x12",
		  "1x12x12", {
			{ .kind = "conv", .args = "2 1" },
			{ .kind = "conv", .args = "3 3 pad=1" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "conv direct, dL/dx gathered: stride 2 pad 1",
		  "2x10x10", {
			{ .kind = "conv", .args = "3 1" },
			{ .kind = "conv", .args = "5 3 stride=2 pad=1" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "conv lowered: 33 filters", "1x4x4", {
			{ .kind = "conv", .args = "2 2" },
			{ .kind = "conv", .args = "33 2", .act = NN_ACT_TANH },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "conv lowered: stride 5", "1x8x8", {
			{ .kind = "conv", .args = "2 2" },
			{ .kind = "conv", .args = "3 2 stride=5" },
			{ .kind = "dense", .args = "2" } }, 3 },
		{ "conv stride 2 on wide rows", "1x3x21", {
			{ .kind = "conv", .args = "1 1x2" },
			{ .kind = "conv", .args = "2 3 stride=2 pad=1" },
			{ .kind = "dense", .args = "1" } }, 3 },
	};

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		nn_rng r;
		nn_model *m;

		nn_rng_seed(&r, 110 + k);
		m = chain(cases[k].in, cases[k].s, cases[k].n, &r);
		gc_fill(&r, nn_model_params(m), nn_model_param_count(m),
		        -0.8f, 0.8f);
		check_grad(m, 0, cases[k].what);
		nn_model_free(m);
	}
}
END_TEST

/* Batch norm, trained on batch statistics: gamma and beta get gradients,
 * dL/dx flows back into the layer before; the running statistics get 0. */
START_TEST(grad_batchnorm)
{
	struct { const char *what, *in; nn_layer_spec s[3]; } cases[] = {
		{ "batchnorm on maps (training)", "2x4x3", {
			{ .kind = "conv", .args = "3 2 nobias" },
			{ .kind = "batchnorm" },
			{ .kind = "dense", .args = "2" } } },
		{ "batchnorm on features (training)", "4", {
			{ .kind = "dense", .args = "5 nobias" },
			{ .kind = "batchnorm", .act = NN_ACT_TANH },
			{ .kind = "dense", .args = "2" } } },
	};

	for (size_t k = 0; k < 2; k++) {
		nn_rng r;
		nn_model *m;
		nn_param g, b;

		nn_rng_seed(&r, 200 + k);
		m = chain(cases[k].in, cases[k].s, 3, &r);
		/* gamma and beta away from 1 and 0 */
		nn_model_find_param(m, 1, "gamma", &g);
		nn_model_find_param(m, 1, "beta", &b);
		gc_fill(&r, g.value, g.size, 0.5f, 1.5f);
		gc_fill(&r, b.value, b.size, -0.5f, 0.5f);
		check_grad(m, 1, cases[k].what);
		nn_model_free(m);
	}
}
END_TEST

/* shift moves each sample while training (gradients move back with it)
 * and is the identity when evaluating. */
START_TEST(shift_augments)
{
	nn_layer_spec s[3] = {
		{ .kind = "conv", .args = "2 2" },
		{ .kind = "shift", .args = "2" },
		{ .kind = "dense", .args = "3" },
	};
	nn_layer_spec one = { .kind = "shift", .args = "1" };
	float x[2 * 9], moved = 0;
	const float *z;
	nn_rng r;
	nn_model *m;

	nn_rng_seed(&r, 4);
	m = chain("2x6x5", s, 3, &r);
	check_grad(m, 1, "shift 2 (training, fixed moves)");
	nn_model_free(m);
	m = chain("2x3x3", &one, 1, &r);
	for (int i = 0; i < 18; i++)
		x[i] = (float)(i + 1);
	z = nn_model_forward(m, x, 1, 0, NULL);
	for (int i = 0; i < 18; i++)
		ck_assert(z[i] == x[i]);
	for (int k = 0; k < 20; k++) {
		z = nn_model_forward(m, x, 1, 1, &r);
		for (int i = 0; i < 18; i++)
			moved += z[i] != x[i];
		/* both channels move alike: the centre pixels stay paired */
		ck_assert(z[4] == 0 || z[13] == z[4] + 9);
	}
	ck_assert(moved > 0);
	nn_model_free(m);
}
END_TEST

/* Training moves the running statistics as PyTorch does; evaluation uses
 * them; copies keep them; init resets them. */
START_TEST(batchnorm_statistics)
{
	nn_rng r;
	nn_layer_spec s = { .kind = "batchnorm", .args = "momentum=0.5" };
	nn_model *m, *c;
	/* two samples: channel 0 holds 1 2 | 3 4, channel 1 holds 0 0 | 0 8 */
	float x[8] = { 1, 2, 0, 0, 3, 4, 0, 8 };
	const float *z;
	nn_param mean, var;
	nn_init init = { .kind = NN_INIT_NORMAL, .std = 1 };

	nn_rng_seed(&r, 1);
	m = chain("2x1x2", &s, 1, &r);
	nn_model_find_param(m, 0, "mean", &mean);
	nn_model_find_param(m, 0, "var", &var);
	z = nn_model_forward(m, x, 2, 1, &r);
	/* channel 0: mean 2.5, biased variance 1.25, unbiased 5/3 */
	ck_assert_double_eq_tol(z[0], (1 - 2.5) / sqrt(1.25 + 1e-5), 1e-5);
	ck_assert_double_eq_tol(mean.value[0], 0.5 * 0 + 0.5 * 2.5, 1e-6);
	ck_assert_double_eq_tol(var.value[0], 0.5 * 1 + 0.5 * 5.0 / 3, 1e-6);
	/* channel 1: mean 2, unbiased variance 16 */
	ck_assert_double_eq_tol(mean.value[1], 1, 1e-6);
	ck_assert_double_eq_tol(var.value[1], 0.5 + 8, 1e-5);
	z = nn_model_forward(m, x, 2, 0, NULL);
	ck_assert_double_eq_tol(z[0], (1 - 1.25) / sqrt(0.5 + 5.0 / 6 + 1e-5),
	                        1e-5);
	c = nn_model_copy(m);
	ck_assert_ptr_nonnull(c);
	z = nn_model_forward(c, x, 2, 0, NULL);
	ck_assert_double_eq_tol(z[0], (1 - 1.25) / sqrt(0.5 + 5.0 / 6 + 1e-5),
	                        1e-5);
	nn_model_free(c);
	ck_assert_int_eq(nn_model_init(m, &init, &r, -1), 0);
	ck_assert(mean.value[0] == 0 && var.value[1] == 1);
	nn_model_find_param(m, 0, "gamma", &var);
	ck_assert(var.value[0] == 1 && var.value[1] == 1);
	nn_model_free(m);
}
END_TEST

/* The optimizer never moves the running statistics. */
START_TEST(batchnorm_stats_not_trained)
{
	nn_rng r;
	nn_layer_spec s[2] = {
		{ .kind = "batchnorm" }, { .kind = "dense", .args = "1" },
	};
	nn_model *m;
	nn_optim o;
	nn_param mean;
	float x[8] = { 1, 2, 3, 4, 5, 6, 7, 9 }, g[2] = { 1, -1 };

	nn_rng_seed(&r, 1);
	m = chain("4", s, 2, &r);
	nn_optim_defaults(&o, NN_OPT_ADAM);
	o.weight_decay = 0.1f;
	nn_model_find_param(m, 0, "mean", &mean);
	nn_model_forward(m, x, 2, 1, &r);
	nn_model_backward(m, g, 0);
	{
		float keep = mean.value[2];

		ck_assert_int_eq(nn_optim_step(&o, m), 0);
		ck_assert(mean.value[2] == keep && mean.grad[2] == 0);
	}
	nn_optim_reset(&o);
	nn_model_free(m);
}
END_TEST

/* The output-size exercise, and the three-conv CNN's shapes. */
START_TEST(exercise_shapes)
{
	struct { nn_layer_spec s; const char *out; } cases[] = {
		{ { .kind = "conv", .args = "1 4 stride=1 pad=1" }, "1x49x49" },
		{ { .kind = "conv", .args = "1 8 stride=5" },
		  "1x9x9" },
		{ { .kind = "maxpool", .args = "10 stride=2 pad=2" },
		  "1x23x23" },
		{ { .kind = "maxpool", .args = "2 stride=1" },
		  "1x49x49" },
	};
	nn_layer_spec cnn[5] = {
		{ .kind = "conv", .args = "4 5 pad=2" },
		{ .kind = "conv", .args = "8 5 stride=2 pad=2" },
		{ .kind = "conv", .args = "12 4 stride=2 pad=1" },
		{ .kind = "flatten" },
		{ .kind = "dense", .args = "200" },
	};
	const char *cnn_out[5] = { "4x28x28", "8x14x14", "12x7x7", "588",
	                           "200" };
	nn_rng r;
	char buf[32];
	nn_model *m;

	nn_rng_seed(&r, 1);
	for (size_t k = 0; k < 4; k++) {
		m = chain("1x50x50", &cases[k].s, 1, &r);
		nn_shape_str(nn_model_output_shape(m), buf, sizeof buf);
		ck_assert_str_eq(buf, cases[k].out);
		nn_model_free(m);
	}
	m = chain("1x28x28", cnn, 5, &r);
	for (size_t i = 0; i < 5; i++) {
		nn_layer_info info;

		nn_model_layer_info(m, i, &info);
		ck_assert_str_eq(nn_shape_str(&info.out, buf, sizeof buf),
		                 cnn_out[i]);
	}
	ck_assert_int_eq(nn_model_param_count(m), 104 + 808 + 1548 +
	                 588 * 200 + 200);
	nn_model_free(m);
}
END_TEST

/* Impossible configurations are refused when the layer is added, with a
 * message, and the model is unchanged. */
START_TEST(refused_configurations)
{
	struct { const char *in; nn_layer_spec s; const char *msg; } bad[] = {
		{ "1x4x4", { .kind = "conv", .args = "2 7 pad=1" },
		  "does not fit" },
		{ "1x4x4", { .kind = "maxpool", .args = "5" },
		  "does not fit" },
		{ "1x4x4", { .kind = "maxpool", .args = "2 pad=2" },
		  "half" },
		{ "784", { .kind = "conv", .args = "2 3" },
		  "C x H x W" },
		{ "1x4x4", { .kind = "conv", .args = "2" }, "kernel" },
		{ "1x4x4", { .kind = "conv", .args = "kernel=3" }, "filters" },
		{ "1x4x4", { .kind = "reshape", .args = "3x5" },
		  "has 15 values but the input 1x4x4 has 16" },
		{ "1x4x4", { .kind = "convt", .args = "1 3 stride=2 outpad=2" },
		  "outpad" },
		{ "1x2x2", { .kind = "convt", .args = "1 1 pad=2" },
		  "no output" },
		{ "1x4x4", { .kind = "upsample" }, "factor" },
		{ "1x4x4", { .kind = "shift", .args = "4" }, "pixels" },
		{ "3x4", { .kind = "batchnorm" }, "2-D" },
	};
	nn_rng r;

	nn_rng_seed(&r, 1);
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		nn_shape in;
		nn_model *m;

		nn_shape_parse(bad[k].in, &in);
		m = nn_model_new(&in);
		ck_assert_int_eq(nn_model_add(m, &bad[k].s, &r), -1);
		ck_assert_msg(strstr(nn_error(), bad[k].msg) != NULL,
		              "%s: '%s' lacks '%s'", bad[k].s.kind,
		              nn_error(), bad[k].msg);
		ck_assert_int_eq(nn_model_layers(m), 0);
		ck_assert_int_eq(nn_model_param_count(m), 0);
		nn_model_free(m);
	}
}
END_TEST

/* Outputs and gradients are the same, bit for bit, whether the layers
 * split a batch over one thread or over several (convolutions, whose
 * weight gradients are summed over the parts, and the ReLU and max
 * pooling of 200k values, which are shared too). */
START_TEST(threads_agree)
{
	nn_layer_spec s[6] = {
		{ .kind = "conv", .args = "4 5 pad=2", .act = NN_ACT_RELU },
		{ .kind = "maxpool", .args = "2" },
		{ .kind = "conv", .args = "8 5 stride=2 pad=2",
		  .act = NN_ACT_RELU },
		{ .kind = "conv", .args = "12 4 stride=2 pad=1" },
		{ .kind = "flatten" },
		{ .kind = "dense", .args = "10" },
	};
	size_t n = 67, in = 784, np;
	float *x = malloc(n * in * sizeof *x), *g = malloc(n * 10 * sizeof *g);
	float *out1 = malloc(n * 10 * sizeof *out1), *grad1;
	nn_rng r;
	nn_model *m;

	nn_rng_seed(&r, 9);
	m = chain("1x28x28", s, 6, &r);
	np = nn_model_param_count(m);
	grad1 = malloc(np * sizeof *grad1);
	gc_fill(&r, x, n * in, 0, 1);
	gc_fill(&r, g, n * 10, -1, 1);
	for (int threads = 1; threads <= 3; threads++) {
		const float *out;
		const float *grad = nn_model_grads(m);

		nn_set_threads(threads);
		out = nn_model_forward(m, x, n, 1, &r);
		nn_model_backward(m, g, 0);
		if (threads == 1) {
			memcpy(out1, out, n * 10 * sizeof *out1);
			memcpy(grad1, grad, np * sizeof *grad1);
			continue;
		}
		for (size_t i = 0; i < n * 10; i++)
			ck_assert_msg(out[i] == out1[i], "%d threads: output "
			              "%zu", threads, i);
		for (size_t i = 0; i < np; i++)
			ck_assert_msg(grad[i] == grad1[i], "%d threads: "
			              "gradient %zu: %g, one thread %g",
			              threads, i, grad[i], grad1[i]);
	}
	nn_set_threads(0);
	nn_model_free(m);
	free(x);
	free(g);
	free(out1);
	free(grad1);
}
END_TEST

/* A conv node's ReLU, which the layer applies inside its own parts
 * (cls->fuses_relu), gives what a separate ReLU node gives, bit for bit:
 * outputs, parameter gradients and dL/dx, on the direct kernels (stride 1
 * and 2) and the lowering (33 filters), on one thread and on two. */
START_TEST(fused_relu_agrees)
{
	nn_layer_spec fused[5] = {
		{ .kind = "conv", .args = "4 5 pad=2", .act = NN_ACT_RELU },
		{ .kind = "conv", .args = "6 3 stride=2 pad=1",
		  .act = NN_ACT_RELU },
		{ .kind = "conv", .args = "33 3", .act = NN_ACT_RELU },
		{ .kind = "flatten" },
		{ .kind = "dense", .args = "10" },
	};
	nn_layer_spec apart[8] = {
		{ .kind = "conv", .args = "4 5 pad=2" }, { .kind = "relu" },
		{ .kind = "conv", .args = "6 3 stride=2 pad=1" },
		{ .kind = "relu" },
		{ .kind = "conv", .args = "33 3" }, { .kind = "relu" },
		{ .kind = "flatten" },
		{ .kind = "dense", .args = "10" },
	};
	size_t n = 23, in = 2 * 12 * 12, np;
	float *x = malloc(n * in * sizeof *x), *g = malloc(n * 10 * sizeof *g);
	nn_rng r;
	nn_model *a, *b;

	nn_rng_seed(&r, 11);
	a = chain("2x12x12", fused, 5, &r);
	b = chain("2x12x12", apart, 8, &r);
	np = nn_model_param_count(a);
	ck_assert_uint_eq(np, nn_model_param_count(b));
	memcpy(nn_model_params(b), nn_model_params(a), np * sizeof(float));
	gc_fill(&r, x, n * in, -1, 1);
	gc_fill(&r, g, n * 10, -1, 1);
	for (int threads = 1; threads <= 2; threads++) {
		const float *oa, *ob, *ga = nn_model_grads(a);
		const float *gb = nn_model_grads(b), *xa, *xb;

		nn_set_threads(threads);
		oa = nn_model_forward(a, x, n, 1, &r);
		ob = nn_model_forward(b, x, n, 1, &r);
		ck_assert_mem_eq(oa, ob, n * 10 * sizeof *oa);
		nn_model_backward(a, g, 0);
		nn_model_backward(b, g, 0);
		for (size_t i = 0; i < np; i++)
			ck_assert_msg(ga[i] == gb[i], "%d threads: gradient "
			              "%zu: fused %g, apart %g", threads, i,
			              ga[i], gb[i]);
		xa = nn_model_input_grad(a);
		xb = nn_model_input_grad(b);
		ck_assert_ptr_nonnull(xa);
		ck_assert_ptr_nonnull(xb);
		ck_assert_mem_eq(xa, xb, n * in * sizeof *xa);
	}
	nn_set_threads(0);
	nn_model_free(a);
	nn_model_free(b);
	free(x);
	free(g);
}
END_TEST

/* A tiny CNN learns 20 digits of the bundled sample by heart. */
START_TEST(tiny_cnn_overfits)
{
	const char *dir = getenv("srcdir");
	char ip[512], lp[512];
	nn_layer_spec s[6] = {
		{ .kind = "conv", .args = "4 5 stride=2", .act = NN_ACT_RELU },
		{ .kind = "maxpool", .args = "2" },
		{ .kind = "batchnorm" },
		{ .kind = "conv", .args = "8 3 pad=1", .act = NN_ACT_RELU },
		{ .kind = "flatten" },
		{ .kind = "dense", .args = "10", .act = NN_ACT_SOFTMAX },
	};
	nn_dataset *all, *d;
	nn_model *m;
	nn_optim o;
	nn_rng r;
	nn_history h = { 0 };
	nn_train_opts opts = { .epochs = 60, .batch = 5, .shuffle = 1 };
	size_t idx[20], correct;
	double acc;

	snprintf(ip, sizeof ip, "%s/../data/train10k-images-idx3-ubyte.gz",
	         dir ? dir : ".");
	snprintf(lp, sizeof lp, "%s/../data/train10k-labels-idx1-ubyte.gz",
	         dir ? dir : ".");
	all = nn_load_idx(ip, lp);
	ck_assert_msg(all != NULL, "%s", nn_error());
	for (size_t i = 0; i < 20; i++)
		idx[i] = i;
	d = nn_dataset_subset(all, idx, 20);
	nn_rng_seed(&r, 5);
	m = chain("1x28x28", s, 6, &r);
	nn_optim_defaults(&o, NN_OPT_ADAM);
	o.lr = 0.01f;
	ck_assert_int_eq(nn_train(m, NN_LOSS_CE, &o, d, &opts, &r, &h), 0);
	ck_assert_int_eq(nn_evaluate(m, NN_LOSS_CE, d, 0, NULL, &acc,
	                             &correct), 0);
	printf("tiny CNN: %zu of 20 digits right after %d epochs\n", correct,
	       opts.epochs);
	ck_assert_int_eq(correct, 20);
	nn_history_free(&h);
	nn_optim_reset(&o);
	nn_model_free(m);
	nn_dataset_free(d);
	nn_dataset_free(all);
}
END_TEST

static Suite *conv_suite(void)
{
	Suite *s = suite_create("conv");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, conv_matches_reference, 0,
	                    sizeof conv_cases / sizeof conv_cases[0]);
	tcase_add_loop_test(tc, convt_matches_reference, 0,
	                    sizeof convt_cases / sizeof convt_cases[0]);
	tcase_add_test(tc, col2im_is_adjoint);
	tcase_add_test(tc, grad_layers);
	tcase_add_test(tc, grad_batchnorm);
	tcase_add_test(tc, shift_augments);
	tcase_add_test(tc, batchnorm_statistics);
	tcase_add_test(tc, batchnorm_stats_not_trained);
	tcase_add_test(tc, exercise_shapes);
	tcase_add_test(tc, refused_configurations);
	tcase_add_test(tc, threads_agree);
	tcase_add_test(tc, fused_relu_agrees);
	tcase_add_test(tc, tiny_cnn_overfits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(conv_suite());
}
