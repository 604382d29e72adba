/* test_second.c - the full-batch methods beyond gradient descent (cg,
 * lbfgs, bfgs, lm, gn): a convex quadratic where CG converges in n steps
 * and L-BFGS and BFGS in few, LM's mu schedule, BFGS refused on a large
 * model, the Hessian's eigenvalues of a linear model against the
 * hand-computed ones, a step checked against numpy
 * (tests/second_ref.py), each method lowering the loss, a search's last
 * evaluation serving the next iteration, L-BFGS's steps and evaluations
 * against PyTorch's (tests/lbfgs_ref.py), and bad input. */
#include <check.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "suite.h"

/* n samples of `in` inputs of growing scales (an ill-conditioned
 * quadratic for a linear model) with targets from a fixed linear map plus
 * noise, or sin(x) for the 1-D set when `sine` is set. */
static nn_dataset *regression_set(size_t n, int in, int sine, uint64_t seed)
{
	nn_dataset *d = nn_dataset_new();
	nn_rng r;

	nn_rng_seed(&r, seed);
	d->n = n;
	d->xshape = (nn_shape){ 1, { in } };
	d->xsize = (size_t)in;
	d->ysize = 1;
	d->x = malloc(n * (size_t)in * sizeof *d->x);
	d->y = malloc(n * sizeof *d->y);
	for (size_t i = 0; i < n; i++) {
		double t = 0;

		for (int j = 0; j < in; j++) {
			double v = sine ? -M_PI + 2 * M_PI * i / (n - 1)
			                : nn_rng_normal(&r) * (1 + j);

			d->x[i * in + j] = (float)v;
			t += (j % 2 ? -0.5 : 1.0) * v;
		}
		d->y[i] = (float)(sine ? sin(d->x[i * in])
		                       : t + 0.1 * nn_rng_normal(&r) + 0.3);
	}
	ck_assert_int_eq(nn_dataset_check(d), 0);
	return d;
}

/* A model input -> dense layers of the given widths (tanh) -> 1 linear. */
static nn_model *net(int in, int hidden, uint64_t seed)
{
	nn_shape s = { 1, { in } };
	nn_model *m = nn_model_new(&s);
	nn_layer_spec sp = { .kind = "dense" };
	nn_rng r;

	nn_rng_seed(&r, seed);
	if (hidden > 0) {
		char units[16];

		snprintf(units, sizeof units, "%d", hidden);
		sp.args = units;
		sp.act = NN_ACT_TANH;
		sp.has_act = 1;
		ck_assert_int_eq(nn_model_add(m, &sp, &r), 0);
	}
	sp.args = "1";
	sp.act = NN_ACT_LINEAR;
	ck_assert_int_eq(nn_model_add(m, &sp, &r), 0);
	return m;
}

/* Train m on d with o for `epochs` full-batch iterations; h gets the
 * points. */
static void run(nn_model *m, nn_optim *o, const nn_dataset *d, int epochs,
                nn_history *h)
{
	nn_train_opts t = { .epochs = epochs, .batch = 8, .shuffle = 0 };
	nn_rng r;

	nn_rng_seed(&r, 7);
	ck_assert_msg(nn_train(m, NN_LOSS_MSE, o, d, &t, &r, h) == 0, "%s",
	              nn_error());
}

/* The least-squares loss of a linear model on d, in double: the
 * minimum of the quadratic, by the normal equations (Gauss-Jordan). */
static double least_squares(const nn_dataset *d)
{
	enum { P = 5 };
	double A[P][P + 1] = { { 0 } }, l = 0;
	int in = (int)d->xsize;

	ck_assert_int_eq(in + 1, P);
	for (size_t s = 0; s < d->n; s++) {
		double z[P];

		for (int j = 0; j < in; j++)
			z[j] = d->x[s * in + j];
		z[in] = 1;
		for (int a = 0; a < P; a++) {
			for (int b = 0; b < P; b++)
				A[a][b] += z[a] * z[b];
			A[a][P] += z[a] * d->y[s];
		}
	}
	for (int c = 0; c < P; c++)
		for (int r = 0; r < P; r++) {
			double f = A[r][c] / A[c][c];

			if (r == c)
				continue;
			for (int k = c; k <= P; k++)
				A[r][k] -= f * A[c][k];
		}
	for (size_t s = 0; s < d->n; s++) {
		double o = A[in][P] / A[in][in] - d->y[s];

		for (int j = 0; j < in; j++)
			o += A[j][P] / A[j][j] * d->x[s * in + j];
		l += o * o;
	}
	return l / (2.0 * d->n);
}

/* A linear model with MSE is a convex quadratic in its 5 parameters:
 * CG with its line search gets to the minimum in 5 iterations (up to the
 * line search's tolerance and float rounding), L-BFGS in a few more at
 * most, BFGS (whose first steps are short) in 10, Gauss-Newton (exact
 * for a linear model) in one; plain gradient
 * descent is still far away. */
START_TEST(quadratic_cg_n_steps)
{
	nn_dataset *d = regression_set(64, 4, 0, 3);
	double lmin = least_squares(d), l0;
	const int kinds[] = { NN_OPT_CG, NN_OPT_LBFGS, NN_OPT_SGD, NN_OPT_GN,
	                      NN_OPT_BFGS, NN_OPT_SCG };
	const int iters[] = { 5, 8, 8, 1, 10, 15 };
	double gap[6];

	for (int k = 0; k < 6; k++) {
		nn_model *m = net(4, 0, 11);
		nn_optim o;
		nn_history h = { 0 };

		nn_optim_defaults(&o, (nn_optim_kind)kinds[k]);
		if (kinds[k] == NN_OPT_SGD)
			o.lr = 0.02f;   /* near its largest stable rate */
		ck_assert_int_eq(nn_evaluate(m, NN_LOSS_MSE, d, 0, &l0, NULL,
		                             NULL), 0);
		run(m, &o, d, iters[k], &h);
		gap[k] = (h.p[h.n - 1].loss - lmin) / (l0 - lmin);
		nn_history_free(&h);
		nn_optim_reset(&o);
		nn_model_free(m);
	}
	ck_assert_msg(gap[0] < 1e-5, "cg: %g of the gap left after 5", gap[0]);
	ck_assert_msg(gap[1] < 1e-5, "lbfgs: %g left after 8", gap[1]);
	ck_assert_msg(gap[2] > 1e-3, "sgd: %g left after 8", gap[2]);
	ck_assert_msg(gap[3] < 1e-5, "gn: %g left after 1", gap[3]);
	ck_assert_msg(gap[4] < 1e-5, "bfgs: %g left after 10", gap[4]);
	ck_assert_msg(gap[5] < 1e-5, "scg: %g left after 15", gap[5]);
	nn_dataset_free(d);
}
END_TEST

/* mu after each epoch follows the schedule from the evaluations it
 * took: every failed try multiplies it by mu_inc, the accepted step by
 * mu_dec. On the sine some steps fail. */
START_TEST(lm_mu_schedule)
{
	nn_dataset *d = regression_set(40, 1, 1, 0);
	nn_model *m = net(1, 10, 5);
	nn_optim o;
	nn_history h = { 0 };
	double mu = 1e-3;
	int failed = 0, succeeded = 0;

	nn_optim_defaults(&o, NN_OPT_LM);
	run(m, &o, d, 30, &h);
	for (size_t i = 0; i < h.n; i++) {
		long tries = h.p[i].evals - 1;        /* the first is f(x) */
		double want = mu * pow(10, (double)(tries - 1)) * 0.1;

		ck_assert_int_ge(tries, 1);
		ck_assert_msg(fabs(h.p[i].mu - want) <= 1e-9 * want,
		              "epoch %zu: mu %g after %ld tries from %g",
		              i + 1, h.p[i].mu, tries, mu);
		ck_assert(i == 0 || h.p[i].loss < h.p[i - 1].loss);
		failed += tries > 1;
		succeeded++;
		mu = h.p[i].mu;
	}
	ck_assert_msg(failed > 0, "no step failed: the increase is untested");
	ck_assert_int_eq(succeeded, 30);
	nn_history_free(&h);
	nn_optim_reset(&o);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

/* Each method lowers the loss of a 1-5-1 tanh net on the sine (plain
 * Gauss-Newton diverges there, as it may: its one-step test is above). */
START_TEST(each_lowers_the_loss)
{
	nn_dataset *d = regression_set(30, 1, 1, 0);
	const int kinds[] = { NN_OPT_CG, NN_OPT_LBFGS, NN_OPT_LM, NN_OPT_BFGS,
	                      NN_OPT_SCG };

	for (int k = 0; k < 5; k++) {
		nn_model *m = net(1, 5, 9);
		nn_optim o;
		nn_history h = { 0 };
		double l0;

		nn_optim_defaults(&o, (nn_optim_kind)kinds[k]);
		ck_assert_int_eq(nn_evaluate(m, NN_LOSS_MSE, d, 0, &l0, NULL,
		                             NULL), 0);
		run(m, &o, d, 10, &h);
		ck_assert_msg(h.p[h.n - 1].loss < l0 / 4, "%s: %g from %g",
		              nn_optim_name(o.kind), h.p[h.n - 1].loss, l0);
		ck_assert_int_eq(h.n, 10);
		ck_assert_int_eq(h.p[9].iter, 10);      /* one per epoch */
		ck_assert_int_ge(h.p[9].evals, 1);      /* a trial step */
		nn_history_free(&h);
		nn_optim_reset(&o);
		nn_model_free(m);
	}
	nn_dataset_free(d);
}
END_TEST

/* A method's state starts from nothing it did not write: with glibc
 * filling every fresh allocation with 0xff bytes (NaN as floats; M_PERTURB,
 * whose low byte 0 gives 0xff), each method's first iterations stay finite
 * (cg once took 0 times such a direction as its first: NaN). */
START_TEST(fresh_state_unread)
{
	nn_dataset *d = regression_set(30, 1, 1, 0);
	const int kinds[] = { NN_OPT_CG, NN_OPT_LBFGS, NN_OPT_LM, NN_OPT_BFGS,
	                      NN_OPT_SCG };

	mallopt(M_PERTURB, 0x100);      /* (ASan's allocator ignores it) */
	for (int k = 0; k < 5; k++) {
		nn_model *m = net(1, 5, 9);
		nn_optim o;
		nn_history h = { 0 };

		nn_optim_defaults(&o, (nn_optim_kind)kinds[k]);
		run(m, &o, d, 3, &h);
		ck_assert_int_eq(h.n, 3);
		for (size_t i = 0; i < h.n; i++)
			ck_assert_msg(isfinite(h.p[i].loss),
			              "%s: iteration %zu",
			              nn_optim_name(o.kind), i + 1);
		nn_history_free(&h);
		nn_optim_reset(&o);
		nn_model_free(m);
	}
	mallopt(M_PERTURB, 0);
	nn_dataset_free(d);
}
END_TEST

/* tests/lbfgs_ref.py: PyTorch's LBFGS (history 10, strong Wolfe, a step
 * per iteration) from its own initial weights of a 1-10-1 tanh net on
 * 200 points of the sine: the evaluations of each line search and the
 * loss after each iteration. */
static const float ref_sine_w0[31] = {
	0.5152632, -0.441378236, -0.193861485, 0.469368935, -0.941436887,
	0.599717259, -0.205725312, 0.508743882, 0.139016986, -0.122444153,
	0.277360916, 0.0493317842, 0.365228176, -0.389701009, -0.0729087591,
	-0.0900273323, 0.144943953, -0.0039948225, 0.874166727, 0.311190128,
	-0.117765196, -0.190989345, -0.053004723, -0.136401907, -0.101334721,
	0.0151414927, 0.188512146, 0.171881378, -0.309128731, 0.196036071,
	0.0883426145 };
static const int ref_sine_searches[30] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 2, 2, 1, 1, 1, 1 };
static const double ref_sine_losses[30] = {
	0.0594662875, 0.0537857451, 0.0522958487, 0.047520671, 0.0366232619,
	0.0218360685, 0.0154200485, 0.0118095707, 0.0114372019, 0.0112632653,
	0.0107741402, 0.00916667655, 0.00791666191, 0.00671701971,
	0.00638908288, 0.00610230817, 0.00581414951, 0.00544697326,
	0.00530785788, 0.0052188267, 0.00497662881, 0.00466441317,
	0.00439441018, 0.00327278348, 0.00315790414, 0.00303011946,
	0.00286830892, 0.00269655115, 0.00263340492, 0.00260466454 };

/* nnsh's lbfgs from the same weights takes PyTorch's steps: each line
 * search makes PyTorch's evaluations (its strong Wolfe test and cubic
 * steps are PyTorch's), and each iteration after the first takes its
 * gradient from the end of the last search, where PyTorch's step
 * evaluates it again: one evaluation fewer an iteration. The losses
 * agree within 1e-4 for 20 iterations, then drift apart by rounding
 * (the sanitizer build's by 2e-4 at iteration 24). */
START_TEST(lbfgs_matches_pytorch)
{
	nn_dataset *d = regression_set(200, 1, 1, 0);
	nn_model *m = net(1, 10, 1);
	nn_optim o;
	nn_history h = { 0 };

	ck_assert_uint_eq(nn_model_param_count(m), 31);
	memcpy(nn_model_params(m), ref_sine_w0, sizeof ref_sine_w0);
	nn_optim_defaults(&o, NN_OPT_LBFGS);
	run(m, &o, d, 30, &h);
	for (int i = 0; i < 30; i++) {
		ck_assert_msg(h.p[i].evals == ref_sine_searches[i] + (i == 0),
		              "iteration %d: %ld evaluations, PyTorch's search "
		              "%d", i + 1, h.p[i].evals, ref_sine_searches[i]);
		ck_assert_msg(fabs(h.p[i].loss - ref_sine_losses[i]) <=
		              (i < 20 ? 1e-4 : 1e-3) * ref_sine_losses[i],
		              "iteration %d: loss %.9g, PyTorch's %.9g", i + 1,
		              h.p[i].loss, ref_sine_losses[i]);
	}
	nn_history_free(&h);
	nn_optim_reset(&o);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

/* A line search that ends at the last point it tried leaves the next
 * iteration that point's loss and gradient: ten iterations in one run
 * take the steps of ten runs of one iteration each (which evaluate at
 * their start), bit for bit, with fewer evaluations. */
START_TEST(search_end_reused)
{
	nn_dataset *d = regression_set(30, 1, 1, 0);
	const int kinds[] = { NN_OPT_CG, NN_OPT_LBFGS, NN_OPT_BFGS,
	                      NN_OPT_SCG };

	for (int k = 0; k < 4; k++) {
		nn_model *a = net(1, 5, 9), *b = net(1, 5, 9);
		nn_optim oa, ob;
		nn_history ha = { 0 }, hb = { 0 };
		long ea = 0, eb = 0;

		nn_optim_defaults(&oa, (nn_optim_kind)kinds[k]);
		nn_optim_defaults(&ob, (nn_optim_kind)kinds[k]);
		run(a, &oa, d, 10, &ha);
		for (int i = 0; i < 10; i++)
			run(b, &ob, d, 1, &hb);
		for (size_t i = 0; i < nn_model_param_count(a); i++)
			ck_assert_msg(nn_model_params(a)[i] ==
			              nn_model_params(b)[i], "%s: w[%zu] %.9g "
			              "against %.9g", nn_optim_name(oa.kind), i,
			              nn_model_params(a)[i],
			              nn_model_params(b)[i]);
		for (int i = 0; i < 10; i++) {
			ck_assert(ha.p[i].loss == hb.p[i].loss);
			ea += ha.p[i].evals;
			eb += hb.p[i].evals;
		}
		ck_assert_msg(ea < eb, "%s: %ld evaluations against %ld",
		              nn_optim_name(oa.kind), ea, eb);
		nn_history_free(&ha);
		nn_history_free(&hb);
		nn_optim_reset(&oa);
		nn_optim_reset(&ob);
		nn_model_free(a);
		nn_model_free(b);
	}
	nn_dataset_free(d);
}
END_TEST

/* tests/second_ref.out: one LM step (mu 0.01) on a 2-2-1 tanh net. */
static const float ref_x[] = { 0.5, -1.0, 1.0, 0.25, -0.75, 0.5, 0.0, 1.5 };
static const float ref_y[] = { 0.3, -0.2, 0.8, 0.1 };
static const float ref_w0[] = { 0.4, -0.3, 0.2, 0.6, 0.1, -0.1, 0.7, -0.5,
	                        0.05 };
static const double ref_l0 = 0.2155765;
static const double ref_lm[] = { -0.1940336, -0.1795482, 0.6645083,
	0.3386217, 0.2245104, -0.3528582, 0.2538668, -0.4825988, 0.1419214 };
static const double ref_lm_loss = 0.01562545;

static nn_model *ref_model(nn_closure *c, float *grad)
{
	nn_model *m = net(2, 2, 1);

	ck_assert_int_eq(nn_model_param_count(m), 9);
	memcpy(nn_model_params(m), ref_w0, sizeof ref_w0);
	memset(c, 0, sizeof *c);
	c->m = m;
	c->loss = NN_LOSS_MSE;
	c->x = ref_x;
	c->y = ref_y;
	c->n = 4;
	c->grad = grad;
	return m;
}

START_TEST(lm_step_matches_numpy)
{
	float grad[4];
	nn_closure c;
	nn_model *m = ref_model(&c, grad);
	nn_optim o;
	double l = nn_closure_eval(&c, 1);

	ck_assert_double_eq_tol(l, ref_l0, 1e-6);
	nn_optim_defaults(&o, NN_OPT_LM);
	o.mu = 0.01;
	ck_assert_int_eq(nn_optim_full_step(&o, &c, &l), 0);
	for (int i = 0; i < 9; i++)
		ck_assert_msg(fabs(nn_model_params(m)[i] - ref_lm[i]) < 1e-4,
		              "w[%d] %.7g, numpy %.7g", i,
		              nn_model_params(m)[i], ref_lm[i]);
	ck_assert_double_eq_tol(l, ref_lm_loss, 1e-5);
	ck_assert_double_eq_tol(o.mu, 1e-3, 1e-12);     /* accepted: x 0.1 */
	ck_assert_int_eq(c.evals, 2);
	nn_optim_reset(&o);
	/* 4 residuals, 9 parameters: J'J is singular, gn says so */
	memcpy(nn_model_params(m), ref_w0, sizeof ref_w0);
	l = nn_closure_eval(&c, 1);
	nn_optim_defaults(&o, NN_OPT_GN);
	ck_assert_int_eq(nn_optim_full_step(&o, &c, &l), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "singular"));
	nn_optim_reset(&o);
	nn_model_free(m);
}
END_TEST

/* A linear model 1 -> 1 with mse: the loss is 1/2 E[(w x + b - y)^2],
 * whose Hessian is [[E x^2, E x], [E x, 1]] whatever w, b and y are. Its
 * eigenvalues by hand, against the power iteration's; centring x makes
 * the Hessian diagonal (E x^2 and 1); a step layer is refused. */
START_TEST(hessian_known)
{
	static const float xs[] = { 1, 2, 3, 4, 6 }, ys[] = { 0, 1, 0, 2, 1 };
	float grad[5], xc[5];
	double ex = 0, ex2 = 0, vals[2], v[2] = { 0.6, 0.8 }, hv[2];
	nn_model *m = net(1, 0, 4);
	nn_closure c = { .m = m, .loss = NN_LOSS_MSE, .x = xs, .y = ys,
	                 .n = 5, .grad = grad };
	nn_rng r;

	for (int i = 0; i < 5; i++) {
		ex += xs[i] / 5.0;
		ex2 += xs[i] * xs[i] / 5.0;
	}
	{
		double tr = ex2 + 1, det = ex2 - ex * ex;
		double s = sqrt(tr * tr / 4 - det);

		nn_rng_seed(&r, 1);
		ck_assert_int_eq(nn_hessian_top(&c, 2, 200, &r, vals), 0);
		ck_assert_double_eq_tol(vals[0], tr / 2 + s, 1e-3 * vals[0]);
		ck_assert_double_eq_tol(vals[1], tr / 2 - s, 2e-3);
		/* H v exactly, for this quadratic */
		ck_assert_int_eq(nn_hessian_vec(&c, v, hv), 0);
		ck_assert_double_eq_tol(hv[0], ex2 * v[0] + ex * v[1], 1e-3);
		ck_assert_double_eq_tol(hv[1], ex * v[0] + v[1], 1e-3);
		/* LeCun's running estimate from a poor start: |psi| tends
		 * to lambda_max */
		{
			double psi[2] = { -0.3, 1 }, norm = 0;

			for (int it = 0; it < 150; it++)
				ck_assert_int_eq(nn_hessian_running(&c, psi, 0.1,
				                                    &norm), 0);
			ck_assert_double_eq_tol(norm, tr / 2 + s,
			                        1e-4 * norm);
		}
	}
	for (int i = 0; i < 5; i++)
		xc[i] = (float)(xs[i] - ex);
	c.x = xc;
	nn_rng_seed(&r, 2);
	ck_assert_int_eq(nn_hessian_top(&c, 2, 200, &r, vals), 0);
	ck_assert_double_eq_tol(vals[0], ex2 - ex * ex, 1e-3 * vals[0]);
	ck_assert_double_eq_tol(vals[1], 1, 2e-3);
	nn_model_free(m);
	{
		nn_shape s = { 1, { 1 } };
		nn_layer_spec sp = { .kind = "dense", .args = "1",
		                     .act = NN_ACT_STEP, .has_act = 1 };

		m = nn_model_new(&s);
		ck_assert_int_eq(nn_model_add(m, &sp, &r), 0);
		c.m = m;
		ck_assert_int_eq(nn_hessian_top(&c, 1, 10, &r, vals), -1);
		ck_assert_ptr_nonnull(strstr(nn_error(), "step"));
		ck_assert_ptr_null(strchr(nn_error(), '\n'));
		nn_model_free(m);
	}
}
END_TEST

/* The exact Gauss-Newton diagonal of the mean loss of m on n samples:
 * (1/n) sum over samples of sum over outputs j, k of J_j J_k L''_jk,
 * with J_j the gradient of output j (its logit with cross-entropy) from
 * a backward pass of one sample with output gradient e_j. */
static void gn_diag(nn_model *m, nn_loss_kind loss, const float *x,
                    const float *y, size_t n, size_t in, double *gn)
{
	size_t P = nn_model_param_count(m);
	size_t w = nn_shape_size(nn_model_output_shape(m));
	float *J = malloc(w * P * sizeof *J), e[8];

	memset(gn, 0, P * sizeof *gn);
	for (size_t s = 0; s < n; s++) {
		const float *out = nn_model_forward(m, x + s * in, 1, 0, NULL);
		double p[8], ysum = 0;

		for (size_t j = 0; j < w; j++) {
			memset(e, 0, sizeof e);
			e[j] = 1;
			nn_model_backward(m, e, loss != NN_LOSS_MSE);
			memcpy(J + j * P, nn_model_grads(m), P * sizeof *J);
			p[j] = out[j];
			ysum += y[s * w + j];
		}
		for (size_t i = 0; i < P; i++)
			for (size_t j = 0; j < w; j++)
				for (size_t k = 0; k < w; k++) {
					double h = loss == NN_LOSS_MSE ? j == k
					         : ysum * ((j == k) * p[j] -
					                   p[j] * p[k]);

					gn[i] += J[j * P + i] * J[k * P + i] *
					         h / (double)n;
				}
	}
	free(J);
}

/* sdlm's backpropagated second derivatives against the exact
 * Gauss-Newton diagonal: equal for a net with one output (mse), and at
 * the output layer of a softmax net, whose hidden layer's are LeCun's
 * estimate (the off-diagonal terms dropped) and positive. */
START_TEST(sdlm_diagonal)
{
	nn_dataset *d = regression_set(12, 2, 0, 5);
	nn_model *m = net(2, 3, 6);
	size_t P = nn_model_param_count(m);
	float *h = malloc(P * sizeof *h), y3[12 * 3] = { 0 };
	double *gn = malloc(P * sizeof *gn);
	nn_shape s = { 1, { 2 } };
	nn_rng r;

	ck_assert_int_eq(nn_sdlm_diag(m, NN_LOSS_MSE, d->x, d->y, 12, h), 0);
	gn_diag(m, NN_LOSS_MSE, d->x, d->y, 12, 2, gn);
	for (size_t i = 0; i < P; i++)
		ck_assert_msg(fabs(h[i] - gn[i]) <= 1e-5 * (1 + gn[i]),
		              "mse: parameter %zu: %g, exact %g", i, h[i],
		              gn[i]);
	nn_model_free(m);
	free(h);
	free(gn);
	/* 2-4-3 softmax with cross-entropy */
	m = nn_model_new(&s);
	nn_rng_seed(&r, 3);
	{
		nn_layer_spec a = { .kind = "dense", .args = "4",
		                    .act = NN_ACT_TANH, .has_act = 1 };
		nn_layer_spec b = { .kind = "dense", .args = "3",
		                    .act = NN_ACT_SOFTMAX, .has_act = 1 };

		ck_assert_int_eq(nn_model_add(m, &a, &r), 0);
		ck_assert_int_eq(nn_model_add(m, &b, &r), 0);
	}
	P = nn_model_param_count(m);
	h = malloc(P * sizeof *h);
	gn = malloc(P * sizeof *gn);
	for (size_t i = 0; i < 12; i++)
		y3[i * 3 + i % 3] = 1;
	ck_assert_int_eq(nn_sdlm_diag(m, NN_LOSS_CE, d->x, y3, 12, h), 0);
	gn_diag(m, NN_LOSS_CE, d->x, y3, 12, 2, gn);
	for (size_t i = 0; i < P; i++) {
		if (i >= 12)    /* the output layer: 3 x 4 weights, 3 biases */
			ck_assert_msg(fabs(h[i] - gn[i]) <= 1e-5 * (1 + gn[i]),
			              "ce: parameter %zu: %g, exact %g", i, h[i],
			              gn[i]);
		ck_assert(h[i] > 0);
	}
	free(h);
	free(gn);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

START_TEST(bad_input_one_line)
{
	float grad[4];
	nn_closure c;
	nn_model *m = ref_model(&c, grad), *big;
	nn_optim o;
	double l = nn_closure_eval(&c, 1);
	nn_dataset *d = regression_set(10, 1, 1, 0);
	nn_history h = { 0 };
	nn_train_opts t = { .epochs = 1 };
	nn_rng r;

	nn_optim_defaults(&o, NN_OPT_LM);
	c.loss = NN_LOSS_BCE;
	ck_assert_int_eq(nn_optim_full_step(&o, &c, &l), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "use 'loss mse'"));
	ck_assert_ptr_null(strchr(nn_error(), '\n'));
	/* 1-3000-1: 9001 parameters */
	big = net(1, 3000, 2);
	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_train(big, NN_LOSS_MSE, &o, d, &t, &r, &h), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "more than 3000"));
	ck_assert_ptr_null(strchr(nn_error(), '\n'));
	/* bfgs on 1-1000-1: 3001 parameters, a 3001 x 3001 estimate */
	nn_model_free(big);
	big = net(1, 1000, 2);
	nn_optim_reset(&o);
	nn_optim_defaults(&o, NN_OPT_BFGS);
	ck_assert_int_eq(nn_train(big, NN_LOSS_MSE, &o, d, &t, &r, &h), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "more than 2000"));
	ck_assert_ptr_nonnull(strstr(nn_error(), "use lbfgs"));
	ck_assert_ptr_null(strchr(nn_error(), '\n'));
	/* a gradient-descent step of a full-batch kind */
	ck_assert_int_eq(nn_optim_step(&o, m), -1);
	nn_optim_reset(&o);
	nn_history_free(&h);
	nn_model_free(big);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("second");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, quadratic_cg_n_steps);
	tcase_add_test(tc, hessian_known);
	tcase_add_test(tc, lm_mu_schedule);
	tcase_add_test(tc, each_lowers_the_loss);
	tcase_add_test(tc, fresh_state_unread);
	tcase_add_test(tc, search_end_reused);
	tcase_add_test(tc, lbfgs_matches_pytorch);
	tcase_add_test(tc, lm_step_matches_numpy);
	tcase_add_test(tc, sdlm_diagonal);
	tcase_add_test(tc, bad_input_one_line);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
