/* test_steer.c - steering training: schedules against their formulas,
 * early stopping and restoring, clipping, targets, validation splits and
 * the NaN guard (model files are test_steerfile.c's). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "steer_util.h"
#include "suite.h"
#include "train.h"
/* ---- schedules --------------------------------------------------------- */

START_TEST(schedule_formulas)
{
	nn_schedule c = { 0 }, st = { .kind = NN_SCHED_STEP, .every = 3,
	                              .gamma = 0.5 };
	nn_schedule ex = { .kind = NN_SCHED_EXP, .max = 0.1, .min = 0.001,
	                   .T = 2000 };
	nn_schedule co = { .kind = NN_SCHED_COSINE, .min = 0.01, .T = 10 };
	nn_schedule wu = { .kind = NN_SCHED_EXP, .max = 0.1, .min = 0.001,
	                   .T = 2000, .warmup = 4 };
	const double pi = acos(-1);

	for (long t = 0; t < 5000; t += 7) {
		ck_assert(nn_schedule_lr(&c, 0.3, t) == 0.3);
		ck_assert_double_eq_tol(nn_schedule_lr(&st, 0.2, t),
		                        0.2 * pow(0.5, (double)(t / 3)), 1e-15);
		ck_assert_double_eq_tol(nn_schedule_lr(&ex, 99, t),
		                        0.001 + 0.099 * exp(-t / 2000.0),
		                        1e-15);
		ck_assert_double_eq_tol(nn_schedule_lr(&co, 0.5, t),
		                        0.01 + 0.49 * (1 + cos(pi * (t < 10 ?
		                        t : 10) / 10.0)) / 2, 1e-15);
	}
	/* the homework's numbers: 0.1 at t=0, 0.0374 at t=2000 */
	ck_assert_double_eq_tol(nn_schedule_lr(&ex, 0, 2000),
	                        0.001 + 0.099 / M_E, 1e-15);
	for (long t = 0; t < 4; t++)
		ck_assert_double_eq_tol(nn_schedule_lr(&wu, 0, t),
		                        0.1 * (t + 1) / 4.0, 1e-15);
	ck_assert_double_eq_tol(nn_schedule_lr(&wu, 0, 4 + 100),
	                        nn_schedule_lr(&ex, 0, 100), 1e-15);
	ck_assert_int_eq(nn_schedule_check(&st), 0);
	st.every = 0;
	ck_assert_int_eq(nn_schedule_check(&st), -1);
	ex.T = 0;
	ck_assert_int_eq(nn_schedule_check(&ex), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "T="));
}
END_TEST

/* Training records the scheduled rate of each step in the history and
 * leaves the optimizer's own rate as it was. */
START_TEST(schedule_in_training)
{
	nn_dataset *d = random_set(50, 3, 2, 1);
	nn_model *m = mlp(3, 4, NN_ACT_TANH, 0, 2, 2);
	nn_train_opts o = { .iters = 20, .batch = 8, .every = 1,
	                    .shuffle = 1 };
	nn_history h = { 0 };
	nn_optim op;
	nn_rng r;

	nn_rng_seed(&r, 3);
	nn_optim_defaults(&op, NN_OPT_SGD);
	op.lr = 0.5f;
	o.schedule = (nn_schedule){ .kind = NN_SCHED_STEP, .every = 4,
	                            .gamma = 0.5 };
	ck_assert_int_eq(nn_train(m, NN_LOSS_CE, &op, d, &o, &r, &h), 0);
	ck_assert_uint_eq(h.n, 20);
	for (size_t i = 0; i < h.n; i++)
		ck_assert_double_eq_tol(h.p[i].lr, (float)(0.5 *
		                        pow(0.5, (double)(i / 4))), 1e-9);
	ck_assert(op.lr == 0.5f);
	ck_assert_int_eq(op.t, 20);
	nn_optim_reset(&op);
	nn_history_free(&h);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

/* ---- early stopping ---------------------------------------------------- */

START_TEST(early_constructed_history)
{
	const double loss[] = { 1.0, 0.8, 0.85, 0.79, 0.797, 0.9, 0.95, 0.99,
	                        0.5 };
	const double acc[] = { 0.5, 0.7, 0.7, 0.71, 0.705, 0.69, 0.6 };
	nn_early e = { .monitor = NN_MON_VAL_LOSS, .patience = 3,
	               .min_delta = 0.005, .best = NAN };
	nn_early a = { .monitor = NN_MON_VAL_ACC, .patience = 2,
	               .best = NAN };
	int improved[9], stop = 0, stopped_at = -1;

	for (int i = 0; i < 9 && stopped_at < 0; i++) {
		nn_metrics p = { .epoch = i + 1, .iter = 10L * (i + 1),
		                 .val_loss = loss[i], .loss = NAN };

		improved[i] = nn_early_update(&e, &p, &stop);
		if (stop)
			stopped_at = i;
	}
	/* 0.79 beats 0.8 by more than 0.005; 0.797 does not beat 0.79 */
	ck_assert_int_eq(improved[0], 1);
	ck_assert_int_eq(improved[1], 1);
	ck_assert_int_eq(improved[2], 0);
	ck_assert_int_eq(improved[3], 1);
	ck_assert_int_eq(improved[4], 0);
	ck_assert_int_eq(stopped_at, 6);
	ck_assert(e.best == 0.79);
	ck_assert_int_eq(e.best_epoch, 4);
	ck_assert_int_eq(e.best_iter, 40);
	stopped_at = -1;
	for (int i = 0; i < 7 && stopped_at < 0; i++) {
		nn_metrics p = { .epoch = i + 1, .val_acc = acc[i] };

		nn_early_update(&a, &p, &stop);
		if (stop)
			stopped_at = i;
	}
	ck_assert(a.best == 0.71);
	ck_assert_int_eq(a.best_epoch, 4);
	ck_assert_int_eq(stopped_at, 5);
	/* NaN never improves */
	{
		nn_early n = { .monitor = NN_MON_LOSS, .patience = 1,
		               .best = NAN };
		nn_metrics p = { .loss = NAN };

		ck_assert_int_eq(nn_early_update(&n, &p, &stop), 0);
		ck_assert_int_eq(stop, 1);
	}
}
END_TEST

/* A net that overfits noisy labels: its validation loss rises after a
 * few epochs. restore must put back exactly the weights of the best
 * point, with and without stopping early. */
START_TEST(early_restore_in_training)
{
	for (int patience = 0; patience <= 3; patience += 3) {
		nn_dataset *d = random_set(40, 4, 3, 10);
		nn_dataset *v = random_set(200, 4, 3, 11);
		nn_model *m = mlp(4, 32, NN_ACT_RELU, 0, 3, 12);
		nn_train_opts o = { .epochs = 60, .batch = 8, .shuffle = 1,
		                    .val = v };
		nn_run run = { 0 };
		nn_history h = { 0 };
		nn_optim op;
		nn_rng r;
		double vl;

		o.run = &run;
		o.early = (nn_early){ .monitor = NN_MON_VAL_LOSS,
		                      .patience = patience, .restore = 1 };
		nn_rng_seed(&r, 13);
		nn_optim_defaults(&op, NN_OPT_ADAM);
		op.lr = 0.05f;
		ck_assert_int_eq(nn_train(m, NN_LOSS_CE, &op, d, &o, &r, &h),
		                 0);
		ck_assert_int_eq(run.stopped_early, patience > 0);
		ck_assert_int_eq(run.restored, 1);
		ck_assert_int_eq(run.active, 0);
		ck_assert_int_lt(run.early.best_epoch, run.epoch);
		if (patience)
			ck_assert_int_eq(run.epoch,
			                 run.early.best_epoch + patience);
		else
			ck_assert_int_eq(run.epoch, 60);
		ck_assert_int_eq(nn_evaluate(m, NN_LOSS_CE, v, 0, &vl, NULL,
		                             NULL), 0);
		ck_assert_msg(vl == run.early.best, "restored %.9g, best %.9g",
		              vl, run.early.best);
		for (size_t i = 0; i < h.n; i++)
			ck_assert(h.p[i].val_loss >= run.early.best);
		nn_run_free(&run);
		nn_optim_reset(&op);
		nn_history_free(&h);
		nn_model_free(m);
		nn_dataset_free(d);
		nn_dataset_free(v);
	}
}
END_TEST

/* ---- clipping, targets, validation split ------------------------------- */

START_TEST(clip_limits_the_step)
{
	nn_dataset *d = random_set(16, 5, 3, 20);
	nn_model *a = mlp(5, 8, NN_ACT_TANH, 0, 3, 21);
	nn_model *b = nn_model_copy(a);
	size_t n = nn_model_param_count(a);
	float *w0 = malloc(n * sizeof *w0);
	nn_train_opts o = { .iters = 1, .batch = 16 };
	nn_history h = { 0 };
	nn_optim op;
	nn_rng r;
	double step = 0, free_step = 0;

	memcpy(w0, nn_model_params(a), n * sizeof *w0);
	nn_optim_defaults(&op, NN_OPT_SGD);
	op.lr = 1;
	o.clip = 1e-3;
	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_train(a, NN_LOSS_CE, &op, d, &o, &r, &h), 0);
	o.clip = 0;
	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_train(b, NN_LOSS_CE, &op, d, &o, &r, &h), 0);
	for (size_t i = 0; i < n; i++) {
		double da = nn_model_params(a)[i] - w0[i];
		double db = nn_model_params(b)[i] - w0[i];

		step += da * da;
		free_step += db * db;
	}
	ck_assert(sqrt(free_step) > 1e-2);
	ck_assert_double_eq_tol(sqrt(step), 1e-3, 1e-6);
	free(w0);
	nn_optim_reset(&op);
	nn_history_free(&h);
	nn_model_free(a);
	nn_model_free(b);
	nn_dataset_free(d);
}
END_TEST

/* fanin: an SGD step of a layer with F inputs per unit is 1/sqrt(F) of
 * the plain one, biases included. */
START_TEST(fanin_scales_steps)
{
	nn_dataset *d = random_set(16, 9, 3, 22);
	nn_model *a = mlp(9, 4, NN_ACT_TANH, 0, 3, 23);
	nn_model *b = nn_model_copy(a);
	size_t n = nn_model_param_count(a);
	float *w0 = malloc(n * sizeof *w0);
	nn_train_opts o = { .iters = 1, .batch = 16 };
	nn_history h = { 0 };
	nn_optim op;
	nn_rng r;

	memcpy(w0, nn_model_params(a), n * sizeof *w0);
	nn_optim_defaults(&op, NN_OPT_SGD);
	op.lr = 1;
	o.fanin = 1;
	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_train(a, NN_LOSS_CE, &op, d, &o, &r, &h), 0);
	o.fanin = 0;
	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_train(b, NN_LOSS_CE, &op, d, &o, &r, &h), 0);
	for (size_t i = 0; i < 2; i++)
		for (int k = 0; k < 2; k++) {
			nn_param pa, pb;
			double f = i == 0 ? 9 : 4;

			nn_model_param(a, i, k, &pa);
			nn_model_param(b, i, k, &pb);
			ck_assert_int_eq(pa.fan_in, (int)f);
			for (size_t j = 0; j < pa.size; j++) {
				double w = w0[pa.value - nn_model_params(a) + j];

				ck_assert_double_eq_tol(pa.value[j] - w,
				                        (pb.value[j] - w) / sqrt(f),
				                        1e-6);
			}
		}
	free(w0);
	nn_optim_reset(&op);
	nn_history_free(&h);
	nn_model_free(a);
	nn_model_free(b);
	nn_dataset_free(d);
}
END_TEST

START_TEST(targets_and_val_split)
{
	nn_dataset *d = random_set(100, 3, 2, 30);
	nn_shape s = { 1, { 3 } };
	nn_model *m = nn_model_new(&s);
	nn_layer_spec lin = { .kind = "dense", .args = "2" };
	nn_init zero = { .kind = NN_INIT_ZEROS };
	nn_train_opts o = { .epochs = 1, .batch = 10, .val_split = 0.2 };
	nn_history h = { 0 };
	nn_dataset *tail;
	size_t idx[20];
	double l0, l1, vl;
	nn_optim op;
	nn_rng r;

	nn_rng_seed(&r, 31);
	ck_assert_int_eq(nn_model_add(m, &lin, &r), 0);
	ck_assert_int_eq(nn_model_init(m, &zero, &r, -1), 0);
	/* outputs 0: mse is 1/2 (0 + 1) against 0/1, 1/2 (0.01 + 0.81) */
	ck_assert_int_eq(nn_evaluate(m, NN_LOSS_MSE, d, 0, &l0, NULL, NULL),
	                 0);
	ck_assert_int_eq(nn_evaluate_targets(m, NN_LOSS_MSE, d, 0, 0.1f,
	                                     0.9f, 0, &l1, NULL, NULL), 0);
	ck_assert_double_eq_tol(l0, 0.5, 1e-7);
	ck_assert_double_eq_tol(l1, 0.41, 1e-7);
	/* val=0.2 validates on the last 20 samples, with the targets */
	o.target_lo = 0.1f;
	o.target_hi = 0.9f;
	nn_optim_defaults(&op, NN_OPT_SGD);
	ck_assert_int_eq(nn_train(m, NN_LOSS_MSE, &op, d, &o, &r, &h), 0);
	ck_assert_int_eq(h.p[h.n - 1].iter, 8);
	for (size_t i = 0; i < 20; i++)
		idx[i] = 80 + i;
	tail = nn_dataset_subset(d, idx, 20);
	ck_assert_int_eq(nn_evaluate_targets(m, NN_LOSS_MSE, tail, 0, 0.1f,
	                                     0.9f, 0, &vl, NULL, NULL), 0);
	ck_assert(vl == h.p[h.n - 1].val_loss);
	o.val_split = 0.999;
	ck_assert_int_eq(nn_train(m, NN_LOSS_MSE, &op, d, &o, &r, &h), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "none to train on"));
	nn_dataset_free(tail);
	nn_optim_reset(&op);
	nn_history_free(&h);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

/* ---- the NaN guard ----------------------------------------------------- */

#define KEEP_MAX 600

typedef struct keep {
	nn_model *m;
	float *w;               /* weights after each good batch: iteration
	                         * i's at w + i * count (0: the start) */
} keep;

static int keep_weights(const nn_progress *p, void *ud)
{
	keep *k = ud;
	size_t n = nn_model_param_count(k->m);

	if (p->iter < KEEP_MAX)
		memcpy(k->w + (size_t)p->iter * n, nn_model_params(k->m),
		       n * sizeof *k->w);
	return 0;
}

START_TEST(nan_guard_names_layer)
{
	nn_dataset *d = random_set(200, 8, 10, 40);
	nn_model *m = mlp(8, 32, NN_ACT_RELU, 0, 10, 41);
	size_t n = nn_model_param_count(m);
	keep k = { m, malloc(KEEP_MAX * n * sizeof(float)) };
	const char *at;
	long before;
	nn_train_opts o = { .epochs = 50, .batch = 20, .shuffle = 1 };
	nn_run run = { 0 };
	nn_history h = { 0 };
	nn_optim op;
	nn_rng r;

	for (size_t i = 0; i < d->n * d->xsize; i++)
		d->x[i] *= 10;
	memcpy(k.w, nn_model_params(m), n * sizeof(float));
	o.callback = keep_weights;
	o.ud = &k;
	o.run = &run;
	nn_rng_seed(&r, 42);
	nn_optim_defaults(&op, NN_OPT_SGD);
	op.lr = 50;
	ck_assert_int_eq(nn_train(m, NN_LOSS_CE_NAIVE, &op, d, &o, &r, &h),
	                 -1);
	printf("NaN guard: %s\n", nn_error());
	ck_assert_ptr_nonnull(strstr(nn_error(), "NaN guard: iteration"));
	ck_assert_ptr_nonnull(strstr(nn_error(), "layer 2 (dense 10 "
	                                         "softmax)"));
	ck_assert_ptr_nonnull(strstr(nn_error(), "crossentropy naive"));
	ck_assert_int_gt(run.nan_iter, 0);
	ck_assert_int_eq(run.nan_iter, run.iter + 1);
	ck_assert_int_eq(run.active, 0);
	/* the weights put back: those from before the iteration it names,
	 * which gave a finite loss, at most 256/batch iterations back */
	at = strstr(nn_error(), "from before iteration ");
	before = at ? strtol(at + 22, NULL, 10) : run.iter + 1;
	ck_assert_int_le(before, run.iter + 1);
	ck_assert_int_ge(before, run.iter + 1 - 256 / 20);
	ck_assert(memcmp(k.w + (size_t)(before - 1) * n, nn_model_params(m),
	                 n * sizeof(float)) == 0);
	/* the fused loss trains on */
	nn_optim_reset(&op);
	op.lr = 0.1f;
	o.epochs = 2;
	ck_assert_int_eq(nn_train(m, NN_LOSS_CE, &op, d, &o, &r, &h), 0);
	free(k.w);
	nn_run_free(&run);
	nn_optim_reset(&op);
	nn_history_free(&h);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

/* What the guard tells a user to try depends on who chose the step: the
 * rate of SGD and its kin, the line search's first try, a method's own
 * step, and at the first iteration none (the inputs overflow). */
START_TEST(nan_guard_hints)
{
	static const struct {
		nn_optim_kind kind;
		long iter;
		const char *hint;
	} cases[] = {
		{ NN_OPT_SGD, 5, "(is the learning rate, 0.5, too high?)" },
		{ NN_OPT_ADAM, 5, "(is the learning rate, 0.5, too high?)" },
		{ NN_OPT_LBFGS, 5, "(lbfgs's line search tried this step; lr, "
		  "0.5, scales only its first try: are the inputs centred" },
		{ NN_OPT_CG, 5, "(cg's line search tried this step" },
		{ NN_OPT_SCG, 5, "(scg chose this step itself: are the inputs "
		  "centred and scaled ('data D2 = normalize D')?)" },
		{ NN_OPT_LM, 5, "(lm chose this step itself" },
		{ NN_OPT_SGD, 1, "(no step came before it: are the inputs "
		  "centred and scaled ('data D2 = normalize D')?)" },
		{ NN_OPT_LBFGS, 1, "(no step came before it" },
	};
	nn_model *m = mlp(8, 4, NN_ACT_RELU, 0, 3, 43);
	size_t osz[2] = { 4, 3 };
	float x[2 * 8];

	for (int i = 0; i < 2 * 8; i++)
		x[i] = 3e38f;
	ck_assert_ptr_nonnull(nn_model_forward(m, x, 2, 0, NULL));
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		ck_assert_int_eq(nn_guard_fail(m, NN_LOSS_CE, osz, 2,
		                               cases[c].iter, NAN, cases[c].kind,
		                               0.5, "kept"), -1);
		ck_assert_ptr_nonnull(strstr(nn_error(), "layer 1 (dense 4 "
		                                         "relu) produced"));
		if (!strstr(nn_error(), cases[c].hint))
			ck_abort_msg("%s, iteration %ld: %s", nn_optim_name(
			             cases[c].kind), cases[c].iter, nn_error());
	}
	nn_model_free(m);
}
END_TEST

/* A NaN input under a relu leaves the loss and the deltas finite (the
 * relu passes 0 on) but makes its weight gradient NaN: the guard finds
 * the weights NaN at its next copy, restores the last finite ones and
 * names the tensor; a model whose weights hold NaN is refused before
 * training starts. */
START_TEST(nan_guard_checks_weights)
{
	nn_dataset *d = random_set(200, 8, 10, 44);
	nn_model *m = mlp(8, 32, NN_ACT_RELU, 0, 10, 45);
	nn_train_opts o = { .epochs = 3, .batch = 20, .shuffle = 1 };
	nn_run run = { 0 };
	nn_history h = { 0 };
	nn_optim op;
	nn_rng r;

	d->x[5 * 8 + 3] = NAN;
	o.run = &run;
	nn_rng_seed(&r, 46);
	nn_optim_defaults(&op, NN_OPT_SGD);
	op.lr = 0.1f;
	ck_assert_int_eq(nn_train(m, NN_LOSS_CE, &op, d, &o, &r, &h), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "the weights W of layer 1 "
	                                         "(dense 32 relu) became nan "
	                                         "while the loss and the "
	                                         "deltas stayed finite"));
	ck_assert_ptr_nonnull(strstr(nn_error(), "are restored"));
	ck_assert(nn_all_finite(nn_model_params(m), nn_model_param_count(m)));
	ck_assert_int_gt(run.nan_iter, 0);
	nn_run_free(&run);
	nn_history_free(&h);
	nn_model_params(m)[7] = NAN;
	memset(&run, 0, sizeof run);
	ck_assert_int_eq(nn_train(m, NN_LOSS_CE, &op, d, &o, &r, &h), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "hold nan before training: "
	                                         "'init' sets them afresh"));
	nn_run_free(&run);
	nn_optim_reset(&op);
	nn_history_free(&h);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("steer");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, schedule_formulas);
	tcase_add_test(tc, schedule_in_training);
	tcase_add_test(tc, early_constructed_history);
	tcase_add_test(tc, early_restore_in_training);
	tcase_add_test(tc, clip_limits_the_step);
	tcase_add_test(tc, fanin_scales_steps);
	tcase_add_test(tc, targets_and_val_split);
	tcase_add_test(tc, nan_guard_names_layer);
	tcase_add_test(tc, nan_guard_hints);
	tcase_add_test(tc, nan_guard_checks_weights);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
