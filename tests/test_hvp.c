/* test_hvp.c - the exact Hessian-vector products of hvp.c, per layer kind:
 * on a tiny model of each kind, H v from the R-operator against the full
 * Hessian built by central differences of gradients, times v; exact
 * products are also symmetric to float rounding (u'Hv = v'Hu), and
 * nn_hessian_fd_nodes names exactly the nodes taken by differences. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "suite.h"

#define N 6                     /* samples */

typedef struct node {
	const char *kind, *args;
	nn_act act;
	int from[3];            /* 1-based nodes; all 0: the previous */
	int tie, transpose;
} node;

typedef struct model_case {
	const char *name;
	nn_shape in;
	nn_loss_kind loss;
	int vocab;              /* > 0: the inputs are token ids below it */
	int penalty;            /* > 0: an l2 penalty on that node (1-based) */
	int apart;              /* the values of each input are 0.25 apart,
	                         * so no small step changes where a maximum
	                         * is (for the reference's differences) */
	const char *fd;         /* what nn_hessian_fd_nodes says, "" if none */
	node nodes[6];
} model_case;

#define D1(n) { 1, { n } }
#define D2(a, b) { 2, { a, b } }
#define D3(a, b, c) { 3, { a, b, c } }

static const model_case cases[] = {
	{ "dense tanh, mse", D1(3), NN_LOSS_MSE, 0, 0, 0, "",
	  { { "dense", "4", NN_ACT_TANH, { 0 }, 0, 0 },
	    { "dense", "2", NN_ACT_LINEAR, { 0 }, 0, 0 } } },
	{ "dense sigmoid, softmax crossentropy", D1(3), NN_LOSS_CE, 0, 0, 0, "",
	  { { "dense", "4", NN_ACT_SIGMOID, { 0 }, 0, 0 },
	    { "dense", "3", NN_ACT_SOFTMAX, { 0 }, 0, 0 } } },
	{ "dense lecun, sigmoid bce", D1(3), NN_LOSS_BCE, 0, 0, 0, "",
	  { { "dense", "4", NN_ACT_LECUN, { 0 }, 0, 0 },
	    { "dense", "2", NN_ACT_SIGMOID, { 0 }, 0, 0 } } },
	{ "dense logits crossentropy", D1(3), NN_LOSS_CE, 0, 0, 0, "",
	  { { "dense", "4", NN_ACT_TANH, { 0 }, 0, 0 },
	    { "dense", "3", NN_ACT_LINEAR, { 0 }, 0, 0 } } },
	{ "logsoftmax nll", D1(3), NN_LOSS_NLL, 0, 0, 0, "",
	  { { "dense", "4", NN_ACT_SIGMOID, { 0 }, 0, 0 },
	    { "dense", "3", NN_ACT_LOGSOFTMAX, { 0 }, 0, 0 } } },
	{ "naive crossentropy", D1(3), NN_LOSS_CE_NAIVE, 0, 0, 0, "",
	  { { "dense", "4", NN_ACT_TANH, { 0 }, 0, 0 },
	    { "dense", "3", NN_ACT_SOFTMAX, { 0 }, 0, 0 } } },
	{ "hidden softmax and logsoftmax", D1(3), NN_LOSS_MSE, 0, 0, 0, "",
	  { { "dense", "4", NN_ACT_SOFTMAX, { 0 }, 0, 0 },
	    { "dense", "3", NN_ACT_LOGSOFTMAX, { 0 }, 0, 0 },
	    { "dense", "2", NN_ACT_LINEAR, { 0 }, 0, 0 } } },
	{ "l2 penalty", D1(3), NN_LOSS_MSE, 0, 1, 0, "",
	  { { "dense", "4", NN_ACT_TANH, { 0 }, 0, 0 },
	    { "dense", "1", NN_ACT_LINEAR, { 0 }, 0, 0 } } },
	{ "tied transposed dense", D1(3), NN_LOSS_MSE, 0, 0, 0, "",
	  { { "dense", "2", NN_ACT_TANH, { 0 }, 0, 0 },
	    { "dense", "3", NN_ACT_LINEAR, { 0 }, 1, 1 } } },
	{ "conv2d, flatten, avgpool", D3(1, 5, 5), NN_LOSS_MSE, 0, 0, 0, "",
	  { { "conv", "2 3x3 pad=same", NN_ACT_TANH, { 0 }, 0, 0 },
	    { "avgpool", "2", NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "flatten", NULL, NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "dense", "2", NN_ACT_LINEAR, { 0 }, 0, 0 } } },
	{ "convt, upsample, globalavgpool", D3(2, 3, 3), NN_LOSS_MSE, 0, 0, 0,
	  "",
	  { { "convt", "2 3x3 stride=2", NN_ACT_SIGMOID, { 0 }, 0, 0 },
	    { "upsample", "2", NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "conv", "2 3x3", NN_ACT_TANH, { 0 }, 0, 0 },
	    { "globalavgpool", NULL, NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "dense", "2", NN_ACT_LINEAR, { 0 }, 0, 0 } } },
	{ "sum, concat, slice, mul", D1(3), NN_LOSS_MSE, 0, 0, 0, "4 (mul)",
	  { { "dense", "4", NN_ACT_TANH, { 0 }, 0, 0 },
	    { "dense", "4", NN_ACT_SIGMOID, { 0 }, 0, 0 },
	    { "sum", NULL, NN_ACT_LINEAR, { 1, 2 }, 0, 0 },
	    { "mul", NULL, NN_ACT_LINEAR, { 1, 3 }, 0, 0 },
	    { "concat", NULL, NN_ACT_LINEAR, { 4, 2 }, 0, 0 },
	    { "dense", "2", NN_ACT_LINEAR, { 0 }, 0, 0 } } },
	{ "maxpool", D3(1, 4, 4), NN_LOSS_MSE, 0, 0, 1, "",
	  { { "conv", "2 1x1", NN_ACT_TANH, { 0 }, 0, 0 },
	    { "maxpool", "2", NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "flatten", NULL, NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "dense", "2", NN_ACT_LINEAR, { 0 }, 0, 0 } } },
	{ "batchnorm, layernorm", D1(3), NN_LOSS_MSE, 0, 0, 0,
	  "2 (batchnorm), 4 (layernorm)",
	  { { "dense", "4", NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "batchnorm", NULL, NN_ACT_TANH, { 0 }, 0, 0 },
	    { "dense", "4", NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "layernorm", NULL, NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "dense", "1", NN_ACT_LINEAR, { 0 }, 0, 0 } } },
	{ "rnn, lstm, gru", D1(3), NN_LOSS_MSE, 4, 0, 0,
	  "1 (embed 2 vocab=4), 2 (rnn 3), 3 (lstm 3), 4 (gru 2 seq=last)",
	  { { "embed", "2 vocab=4", NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "rnn", "3", NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "lstm", "3", NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "gru", "2 seq=last", NN_ACT_LINEAR, { 0 }, 0, 0 } } },
	{ "embed, posenc, attention, ffn", D1(4), NN_LOSS_MSE, 5, 0, 0,
	  "1 (embed 4 vocab=5), 2 (posenc), 3 (attention 2), 4 (ffn 6)",
	  { { "embed", "4 vocab=5", NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "posenc", NULL, NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "attention", "2", NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "ffn", "6", NN_ACT_LINEAR, { 0 }, 0, 0 },
	    { "dense", "1", NN_ACT_LINEAR, { 0 }, 0, 0 } } },
};

static nn_model *build(const model_case *mc, nn_rng *r)
{
	nn_model *m = nn_model_new(&mc->in);
	nn_init init = { .kind = NN_INIT_NORMAL, .std = 0.6f, .bias = 0,
	                 .bias_same = 1 };

	for (int i = 0; i < 6 && mc->nodes[i].kind; i++) {
		const node *d = &mc->nodes[i];
		nn_layer_spec s = { .kind = d->kind, .args = d->args,
		                    .act = d->act, .has_act = 1, .tie = d->tie,
		                    .transpose = d->transpose };

		for (int k = 0; k < 3 && d->from[k]; k++)
			s.from[s.nfrom++] = d->from[k];
		ck_assert_msg(nn_model_add(m, &s, r) == 0, "%s: %s", mc->name,
		              nn_error());
	}
	ck_assert_int_eq(nn_model_init(m, &init, r, -1), 0);
	if (mc->penalty)
		ck_assert_int_eq(nn_model_penalty_add(m, mc->penalty - 1,
		                                      NN_PEN_L2, 0.3f, NULL, 0),
		                 0);
	return m;
}

/* Inputs and targets that suit the case's loss. */
static void make_data(const model_case *mc, nn_model *m, nn_rng *r,
                      float **x, float **y)
{
	size_t in = nn_shape_size(&mc->in);
	size_t w = nn_shape_size(nn_model_output_shape(m));

	*x = malloc(N * in * sizeof **x);
	*y = calloc(N * w, sizeof **y);
	for (size_t i = 0; i < N * in; i++)
		(*x)[i] = mc->vocab ? (float)(nn_rng_next(r) % mc->vocab)
		        : mc->apart ? 0.25f * (float)(i % in) - 2
		                    : (float)nn_rng_normal(r);
	for (size_t s = 0; mc->apart && s < N; s++)     /* shuffled */
		for (size_t i = in - 1; i > 0; i--) {
			size_t j = nn_rng_next(r) % (i + 1);
			float t = (*x)[s * in + i];

			(*x)[s * in + i] = (*x)[s * in + j];
			(*x)[s * in + j] = t;
		}
	for (size_t s = 0; s < N; s++) {
		if (mc->loss == NN_LOSS_MSE) {
			for (size_t j = 0; j < w; j++)
				(*y)[s * w + j] = (float)nn_rng_normal(r);
		} else if (mc->loss == NN_LOSS_BCE) {
			for (size_t j = 0; j < w; j++)
				(*y)[s * w + j] = (float)(nn_rng_next(r) % 2);
		} else {
			(*y)[s * w + nn_rng_next(r) % w] = 1;
		}
	}
}

/* The full Hessian (P x P) by central differences of the gradients. */
static double *full_hessian(nn_closure *c, size_t P)
{
	float *w = nn_model_params(c->m), *g = nn_model_grads(c->m);
	double *H = malloc(P * P * sizeof *H), *hi = malloc(P * sizeof *hi);
	const float h = 1e-3f;

	for (size_t j = 0; j < P; j++) {
		float w0 = w[j];

		w[j] = w0 + h;
		nn_closure_eval(c, 1);
		for (size_t i = 0; i < P; i++)
			hi[i] = g[i];
		w[j] = w0 - h;
		nn_closure_eval(c, 1);
		for (size_t i = 0; i < P; i++)
			H[i * P + j] = (hi[i] - g[i]) /
			               ((double)(w0 + h) - (double)(w0 - h));
		w[j] = w0;
	}
	for (size_t i = 0; i < P; i++)          /* symmetric part */
		for (size_t j = 0; j < i; j++) {
			double s = (H[i * P + j] + H[j * P + i]) / 2;

			H[i * P + j] = H[j * P + i] = s;
		}
	free(hi);
	return H;
}

/* Running statistics are constants: no row or column of the Hessian. */
static void drop_stats(nn_model *m, double *H, size_t P)
{
	const float *w = nn_model_params(m);

	for (size_t i = 0; i < nn_model_layers(m); i++)
		for (int k = 0; k < nn_model_layer_nparams(m, i); k++) {
			nn_param q;
			size_t o;

			nn_model_param(m, i, k, &q);
			if (!q.state)
				continue;
			o = (size_t)(q.value - w);
			for (size_t j = o; j < o + q.size; j++)
				for (size_t t = 0; t < P; t++)
					H[j * P + t] = H[t * P + j] = 0;
		}
}

static double dot(const double *a, const double *b, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

START_TEST(hv_per_kind)
{
	const model_case *mc = &cases[_i];
	nn_rng r;
	nn_model *m;
	float *x, *y, *gs;
	size_t P, w;
	double *H, *v, *u, *hv, *hu, *ref, err = 0, size = 0;
	char fd[256];
	nn_closure c = { 0 };

	nn_rng_seed(&r, 7 + (uint64_t)_i);
	m = build(mc, &r);
	make_data(mc, m, &r, &x, &y);
	P = nn_model_param_count(m);
	w = nn_shape_size(nn_model_output_shape(m));
	gs = malloc(N * w * sizeof *gs);
	c = (nn_closure){ .m = m, .loss = mc->loss, .x = x, .y = y, .n = N,
	                  .grad = gs, .rng = &r };
	ck_assert_msg(nn_loss_check(mc->loss, nn_model_output_act(m), w) == 0,
	              "%s: %s", mc->name, nn_error());
	nn_hessian_fd_nodes(m, fd, sizeof fd);
	ck_assert_msg(strcmp(fd, mc->fd) == 0, "%s: fd nodes '%s'", mc->name,
	              fd);
	H = full_hessian(&c, P);
	drop_stats(m, H, P);
	v = malloc(P * sizeof *v);
	u = malloc(P * sizeof *u);
	hv = malloc(P * sizeof *hv);
	hu = malloc(P * sizeof *hu);
	ref = malloc(P * sizeof *ref);
	for (size_t i = 0; i < P; i++) {
		v[i] = nn_rng_normal(&r);
		u[i] = nn_rng_normal(&r);
	}
	ck_assert_msg(nn_hessian_vec(&c, v, hv) == 0, "%s: %s", mc->name,
	              nn_error());
	ck_assert_int_eq(nn_hessian_vec(&c, u, hu), 0);
	for (size_t i = 0; i < P; i++) {
		ref[i] = dot(H + i * P, v, P);
		err += (hv[i] - ref[i]) * (hv[i] - ref[i]);
		size += ref[i] * ref[i];
	}
	err = sqrt(err / size);
	ck_assert_msg(size > 0, "%s: the Hessian is zero", mc->name);
	ck_assert_msg(err < 2e-3, "%s: |Hv - H*v| / |H*v| = %g", mc->name,
	              err);
	if (!*mc->fd) {         /* exact: symmetric to rounding */
		double a = dot(u, hv, P), b = dot(v, hu, P);

		ck_assert_msg(fabs(a - b) <= 1e-5 * sqrt(size * dot(u, u, P)),
		              "%s: u'Hv %.9g, v'Hu %.9g", mc->name, a, b);
	}
	free(H);
	free(v);
	free(u);
	free(hv);
	free(hu);
	free(ref);
	free(x);
	free(y);
	free(gs);
	nn_model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvp");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, hv_per_kind, 0,
	                    (int)(sizeof cases / sizeof cases[0]));
	suite_add_tcase(s, tc);
	return run_suite(s);
}
