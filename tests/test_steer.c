/* test_steer.c - steering and keeping training: schedules against their
 * formulas, early stopping and restoring, clipping, targets, validation
 * splits, the NaN guard, model files (bit-exact round trips, resume equal
 * to an uninterrupted run, damaged and hostile files, crashes during a
 * save). */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nn.h"
#include "suite.h"

/* modelfile.c: testing only, make nn_save stop after so many bytes. */
extern long nn_save_crash_after;

static char tmpdir[] = "/tmp/nnsh-steer-XXXXXX";

static const char *tmp_path(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

/* n samples of `in` uniform inputs with random labels of k classes. */
static nn_dataset *random_set(size_t n, int in, int k, uint64_t seed)
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
static nn_model *mlp(int in, int hidden, nn_act act, float drop, int k,
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

/* Two history points hold the same bits in every field. */
static int same_point(const nn_metrics *a, const nn_metrics *b)
{
	const double x[] = { a->loss, a->acc, a->val_loss, a->val_acc, a->lr,
	                     a->seconds, a->samples_per_s };
	const double y[] = { b->loss, b->acc, b->val_loss, b->val_acc, b->lr,
	                     b->seconds, b->samples_per_s };

	return a->epoch == b->epoch && a->iter == b->iter &&
	       memcmp(x, y, sizeof x) == 0;
}

static int same_params(nn_model *a, nn_model *b)
{
	return nn_model_param_count(a) == nn_model_param_count(b) &&
	       memcmp(nn_model_params(a), nn_model_params(b),
	              nn_model_param_count(a) * sizeof(float)) == 0;
}

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

/* ---- model files ------------------------------------------------------- */

/* Save a model and its state, load it, compare everything, and check that
 * saving what was loaded gives the same bytes. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void spit(const char *path, const unsigned char *b, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b, 1, len, f), len);
	fclose(f);
}

static int stop_at(const nn_progress *p, void *ud)
{
	return p->iter == *(long *)ud;
}

/* The loss a kind trains with here: lm takes mse only. */
static nn_loss_kind loss_of(nn_optim_kind k)
{
	return k == NN_OPT_LM ? NN_LOSS_MSE : NN_LOSS_CE;
}

/* A model with dropout, optimizer kind, a schedule, targets and early
 * stopping, trained for 3 epochs, or stopped after stop iterations (as by
 * Ctrl-C) when stop > 0. */
static void trained_with(nn_file *f, long stop, nn_optim_kind kind)
{
	nn_dataset *d = random_set(90, 6, 4, 50);
	nn_train_opts o = { .epochs = 3, .batch = 16, .shuffle = 1,
	                    .val_split = 0.1 };
	nn_rng r;

	memset(f, 0, sizeof *f);
	f->model = mlp(6, 12, NN_ACT_SIGMOID, 0.3f, 4, 51);
	snprintf(f->name, sizeof f->name, "net");
	f->loss = loss_of(kind);
	f->has_optim = 1;
	nn_optim_defaults(&f->optim, kind);
	f->schedule = (nn_schedule){ .kind = NN_SCHED_COSINE, .min = 1e-4,
	                             .T = 30, .warmup = 2 };
	f->target_lo = 0.05f;
	f->target_hi = 0.95f;
	f->state = 1;
	o.schedule = f->schedule;
	o.early = (nn_early){ .patience = 5, .restore = 1 };
	o.run = &f->run;
	o.target_lo = f->target_lo;
	o.target_hi = f->target_hi;
	o.callback = stop_at;
	o.ud = &stop;
	nn_rng_seed(&r, 52);
	ck_assert_msg(nn_train(f->model, f->loss, &f->optim, d, &o, &r,
	                       &f->hist) == 0, "%s: %s",
	              nn_optim_name(kind), nn_error());
	nn_dataset_free(d);
}

static void trained(nn_file *f, long stop)
{
	trained_with(f, stop, NN_OPT_ADAM);
}

START_TEST(file_roundtrip_exact)
{
	nn_file a, b;
	const char *p1 = tmp_path("a.safetensors");
	const char *p2 = tmp_path("b.safetensors");
	unsigned char *b1, *b2;
	size_t l1, l2;

	trained(&a, 0);
	ck_assert_int_eq(nn_save(p1, &a), 0);
	ck_assert_int_eq(nn_load(p1, &b), 0);
	ck_assert_str_eq(b.name, "net");
	ck_assert_uint_eq(nn_model_layers(b.model), 3);
	for (size_t i = 0; i < 3; i++) {
		nn_layer_info x, y;

		nn_model_layer_info(a.model, i, &x);
		nn_model_layer_info(b.model, i, &y);
		ck_assert_str_eq(x.desc, y.desc);
	}
	ck_assert(same_params(a.model, b.model));
	ck_assert_int_eq(b.loss, NN_LOSS_CE);
	ck_assert_int_eq(b.optim.kind, NN_OPT_ADAM);
	ck_assert(b.optim.lr == a.optim.lr && b.optim.t == a.optim.t &&
	          b.optim.beta2 == a.optim.beta2);
	ck_assert(memcmp(a.optim.m, b.optim.m, a.optim.nstate * 4) == 0);
	ck_assert(memcmp(a.optim.v, b.optim.v, a.optim.nstate * 4) == 0);
	ck_assert(memcmp(&a.schedule, &b.schedule, sizeof a.schedule) == 0);
	ck_assert(b.target_lo == 0.05f && b.target_hi == 0.95f);
	ck_assert_uint_eq(a.hist.n, b.hist.n);
	for (size_t i = 0; i < a.hist.n; i++)
		ck_assert(same_point(&a.hist.p[i], &b.hist.p[i]));
	ck_assert(memcmp(a.run.rng.s, b.run.rng.s, sizeof a.run.rng.s) == 0);
	ck_assert(memcmp(a.run.perm, b.run.perm, a.run.n * sizeof(size_t)) ==
	          0);
	ck_assert(memcmp(a.run.best, b.run.best, a.run.nbest * 4) == 0);
	ck_assert(a.run.early.best == b.run.early.best);
	ck_assert_int_eq(b.run.iter, a.run.iter);
	ck_assert(b.run.seconds == a.run.seconds);
	/* saving what was loaded gives the same file, byte for byte */
	ck_assert_int_eq(nn_save(p2, &b), 0);
	b1 = slurp(p1, &l1);
	b2 = slurp(p2, &l2);
	ck_assert_uint_eq(l1, l2);
	ck_assert(memcmp(b1, b2, l1) == 0);
	/* every tensor is aligned to its size */
	ck_assert_uint_eq((8 + (size_t)b1[0] + 256 * (size_t)b1[1]) % 8, 0);
	free(b1);
	free(b2);
	nn_file_free(&a);
	nn_file_free(&b);
	/* weights only: no state comes back */
	trained(&a, 0);
	a.state = 0;
	ck_assert_int_eq(nn_save(p1, &a), 0);
	ck_assert_int_eq(nn_load(p1, &b), 0);
	ck_assert_int_eq(b.state, 0);
	ck_assert_uint_eq(b.hist.n, 0);
	ck_assert_ptr_null(b.optim.m);
	ck_assert(same_params(a.model, b.model));
	nn_file_free(&a);
	nn_file_free(&b);
}
END_TEST

/* optim decay= and a run's dead zone come back from a file; files
 * without them (all the others) load them as 0. */
START_TEST(decay_deadzone_roundtrip)
{
	nn_file a, b;
	const char *p = tmp_path("dz.safetensors");

	trained(&a, 3);
	a.optim.decay = 0.002f;
	a.run.opts.deadzone = 0.2f;
	ck_assert_int_eq(nn_save(p, &a), 0);
	ck_assert_int_eq(nn_load(p, &b), 0);
	ck_assert(b.optim.decay == 0.002f);
	ck_assert(b.run.opts.deadzone == 0.2f);
	nn_file_free(&b);
	a.optim.decay = 0;
	a.run.opts.deadzone = 0;
	ck_assert_int_eq(nn_save(p, &a), 0);
	ck_assert_int_eq(nn_load(p, &b), 0);
	ck_assert(b.optim.decay == 0 && b.run.opts.deadzone == 0);
	nn_file_free(&a);
	nn_file_free(&b);
}
END_TEST

/* Stop after k iterations, save with state, load, resume: the weights and
 * optimizer state equal those of a run that never stopped. */
START_TEST(resume_equals_uninterrupted)
{
	const long stops[] = { 1, 5, 6, 11, 17 };     /* 6: an epoch's end */

	for (size_t s = 0; s < sizeof stops / sizeof stops[0]; s++) {
		nn_file whole, part, back;
		nn_dataset *d = random_set(90, 6, 4, 50);
		nn_train_opts o = { .resume = 1 };
		nn_rng unused;

		trained(&whole, 0);
		trained(&part, stops[s]);
		ck_assert_int_eq(part.run.iter, stops[s]);
		ck_assert_int_eq(part.run.active, 1);
		ck_assert_int_eq(nn_save(tmp_path("part.safetensors"), &part),
		                 0);
		ck_assert_int_eq(nn_load(tmp_path("part.safetensors"), &back),
		                 0);
		ck_assert_int_eq(back.run.active, 1);
		o.run = &back.run;
		nn_rng_seed(&unused, 999);
		ck_assert_int_eq(nn_train(back.model, NN_LOSS_CE, &back.optim,
		                          d, &o, &unused, &back.hist), 0);
		ck_assert_int_eq(back.run.iter, whole.run.iter);
		ck_assert_msg(same_params(whole.model, back.model),
		              "stopped at %ld: weights differ", stops[s]);
		ck_assert(memcmp(whole.optim.m, back.optim.m,
		                 whole.optim.nstate * 4) == 0);
		ck_assert_int_eq(back.optim.t, whole.optim.t);
		ck_assert(back.hist.p[back.hist.n - 1].val_loss ==
		          whole.hist.p[whole.hist.n - 1].val_loss);
		ck_assert_int_eq(nn_train(back.model, NN_LOSS_CE, &back.optim,
		                          d, &o, &unused, &back.hist), -1);
		ck_assert_ptr_nonnull(strstr(nn_error(), "no stopped run"));
		nn_file_free(&whole);
		nn_file_free(&part);
		nn_file_free(&back);
		nn_dataset_free(d);
	}
}
END_TEST

/* The same for the methods beyond gradient descent: their state (sdlm's
 * second derivatives, L-BFGS's pairs, CG's and SCG's direction, BFGS's
 * inverse Hessian, LM's mu) goes into the file, so a resumed run
 * equals one that never stopped, bit for bit. */
START_TEST(resume_second_order)
{
	static const struct { nn_optim_kind kind; long stop; } runs[] = {
		{ NN_OPT_SDLM, 5 }, { NN_OPT_SDLM, 6 }, { NN_OPT_CG, 1 },
		{ NN_OPT_CG, 2 }, { NN_OPT_LBFGS, 2 }, { NN_OPT_BFGS, 2 },
		{ NN_OPT_SCG, 1 }, { NN_OPT_SCG, 2 }, { NN_OPT_LM, 2 },
	};

	for (size_t s = 0; s < sizeof runs / sizeof runs[0]; s++) {
		nn_optim_kind k = runs[s].kind;
		nn_file whole, part, back;
		nn_dataset *d = random_set(90, 6, 4, 50);
		nn_train_opts o = { .resume = 1 };
		nn_rng unused;

		trained_with(&whole, 0, k);
		trained_with(&part, runs[s].stop, k);
		ck_assert_int_eq(part.run.iter, runs[s].stop);
		ck_assert_int_eq(nn_save(tmp_path("part.safetensors"), &part),
		                 0);
		ck_assert_int_eq(nn_load(tmp_path("part.safetensors"), &back),
		                 0);
		ck_assert(back.optim.mu == part.optim.mu);
		o.run = &back.run;
		nn_rng_seed(&unused, 999);
		ck_assert_int_eq(nn_train(back.model, loss_of(k), &back.optim,
		                          d, &o, &unused, &back.hist), 0);
		ck_assert_int_eq(back.run.iter, whole.run.iter);
		ck_assert_msg(same_params(whole.model, back.model),
		              "%s stopped at %ld: weights differ",
		              nn_optim_name(k), runs[s].stop);
		ck_assert(back.optim.mu == whole.optim.mu);
		nn_file_free(&whole);
		nn_file_free(&part);
		nn_file_free(&back);
		nn_dataset_free(d);
	}
}
END_TEST

/* A file from before the full-batch settings and state (the fuzzing
 * seed state.safetensors, sgd with its training state) still loads,
 * with the defaults for what it lacks. */
START_TEST(old_file_loads)
{
	nn_file f;

	ck_assert_msg(nn_load(NNSH_OLD_FILE, &f) == 0, "%s", nn_error());
	ck_assert_int_eq(f.optim.kind, NN_OPT_SGD);
	ck_assert_int_eq(f.optim.history, 10);
	ck_assert_int_eq(f.optim.sample, 500);
	ck_assert_ptr_null(f.optim.full);
	ck_assert_int_eq(f.state, 1);
	nn_file_free(&f);
}
END_TEST

/* Every prefix of a file is rejected, with a message, without a crash;
 * so are single-byte corruptions of its header. */
START_TEST(damaged_files_rejected)
{
	const char *p = tmp_path("whole.safetensors");
	const char *q = tmp_path("cut.safetensors");
	unsigned char *b;
	size_t len, hlen;
	nn_file f;
	nn_rng r;
	int accepted = 0;

	trained(&f, 0);
	ck_assert_int_eq(nn_save(p, &f), 0);
	nn_file_free(&f);
	b = slurp(p, &len);
	for (size_t cut = 0; cut < len; cut++) {
		spit(q, b, cut);
		ck_assert_msg(nn_load(q, &f) == -1, "cut at %zu loaded", cut);
		ck_assert(strlen(nn_error()) > 0);
		ck_assert_ptr_null(f.model);
	}
	hlen = 8 + (size_t)b[0] + 256 * (size_t)b[1];
	nn_rng_seed(&r, 60);
	for (int k = 0; k < 3000; k++) {
		unsigned char *c = malloc(len);
		size_t at = nn_rng_below(&r, (uint32_t)hlen);

		memcpy(c, b, len);
		c[at] = (unsigned char)nn_rng_below(&r, 256);
		spit(q, c, len);
		if (nn_load(q, &f) == 0) {
			accepted++;
			nn_file_free(&f);
		}
		free(c);
	}
	printf("header corruptions accepted (harmless ones): %d of 3000\n",
	       accepted);
	free(b);
	ck_assert_int_eq(nn_load(tmp_path("none.safetensors"), &f), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "cannot open"));
}
END_TEST

/* Write a file with this header and len bytes of zero data. */
static void hostile(const char *json, size_t len)
{
	size_t n = strlen(json);
	unsigned char *b = calloc(8 + n + len + 1, 1);

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)n >> (8 * i));
	memcpy(b + 8, json, n);
	spit(tmp_path("hostile.safetensors"), b, 8 + n + len);
	free(b);
}

static void expect_reject(const char *json, size_t len, const char *why)
{
	nn_file f;

	hostile(json, len);
	ck_assert_msg(nn_load(tmp_path("hostile.safetensors"), &f) == -1,
	              "accepted: %s", json);
	ck_assert_msg(strstr(nn_error(), why), "'%s' for %s", nn_error(),
	              json);
}

#define META "\"__metadata__\":{\"nnsh.version\":\"0.1.0\"," \
	"\"nnsh.input\":\"2\",\"nnsh.layers\":"

START_TEST(hostile_files_rejected)
{
	nn_file f;

	expect_reject("[1,2]", 0, "not a JSON object");
	expect_reject("{\"a\":", 0, "not valid JSON");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
	              "\"data_offsets\":[0,8]},\"x\":{}}", 8, "not valid");
	expect_reject("{\"x\":{\"dtype\":\"F16\",\"shape\":[2],"
	              "\"data_offsets\":[0,4]}}", 4, "dtype F16");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],"
	              "\"data_offsets\":[0,8]}}", 8, "needs 12 bytes");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
	              "\"data_offsets\":[0,8]},\"y\":{\"dtype\":\"F32\","
	              "\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlap");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
	              "\"data_offsets\":[4,12]}}", 12, "hole");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
	              "\"data_offsets\":[0,8]}}", 12, "end at byte 8");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":["
	              "4611686018427387904,4],\"data_offsets\":[0,8]}}", 8,
	              "too large");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],"
	              "\"data_offsets\":[0,8]}}", 8, "bad shape");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
	              "\"data_offsets\":[0,99]}}", 8, "outside");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
	              "\"data_offsets\":[0,8]}}", 8, "not an nnsh model");
	/* a layer far bigger than the data is refused before allocation */
	expect_reject("{" META "\"[{\\\"kind\\\":\\\"dense\\\","
	              "\\\"units\\\":1000000000}]\"}}", 0, "more than");
	expect_reject("{" META "\"[{\\\"kind\\\":\\\"warp\\\"}]\"}}", 0,
	              "unknown layer kind");
	expect_reject("{" META "\"[{\\\"kind\\\":\\\"dense\\\","
	              "\\\"units\\\":1}]\"},\"1.W\":{\"dtype\":\"F32\","
	              "\"shape\":[2,1],\"data_offsets\":[0,8]},\"1.b\":{"
	              "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":"
	              "[8,12]}}", 12, "layer's shape");
	expect_reject("{" META "\"[{\\\"kind\\\":\\\"dense\\\","
	              "\\\"units\\\":1}]\"},\"1.W\":{\"dtype\":\"F32\","
	              "\"shape\":[1,2],\"data_offsets\":[0,8]},\"1.b\":{"
	              "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":"
	              "[8,12]},\"9.W\":{\"dtype\":\"F32\",\"shape\":[1],"
	              "\"data_offsets\":[12,16]}}", 16, "unexpected tensor");
	/* and the smallest good file loads */
	hostile("{" META "\"[{\\\"kind\\\":\\\"dense\\\","
	        "\\\"units\\\":1}]\"},\"1.W\":{\"dtype\":\"F32\","
	        "\"shape\":[1,2],\"data_offsets\":[0,8]},\"1.b\":{"
	        "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":"
	        "[8,12]}}", 12);
	ck_assert_int_eq(nn_load(tmp_path("hostile.safetensors"), &f), 0);
	ck_assert_uint_eq(nn_model_param_count(f.model), 3);
	nn_file_free(&f);
}
END_TEST

/* A save that dies part-way leaves the old file whole. */
START_TEST(crashed_save_keeps_old_file)
{
	const char *p = tmp_path("keep.safetensors");
	nn_file a, b, c;
	unsigned char *old;
	size_t len;
	const long at[] = { 0, 5, 8, 100, 1000, 2000 };

	trained(&a, 0);
	trained(&b, 4);
	ck_assert_int_eq(nn_save(p, &a), 0);
	old = slurp(p, &len);
	for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
		unsigned char *now;
		size_t nlen;

		nn_save_crash_after = at[k];
		ck_assert_int_eq(nn_save(p, &b), -1);
		nn_save_crash_after = -1;
		now = slurp(p, &nlen);
		ck_assert(nlen == len && memcmp(now, old, len) == 0);
		free(now);
		ck_assert_int_eq(nn_load(p, &c), 0);
		ck_assert(same_params(a.model, c.model));
		nn_file_free(&c);
	}
	ck_assert_int_eq(nn_save(p, &b), 0);
	ck_assert_int_eq(nn_load(p, &c), 0);
	ck_assert(same_params(b.model, c.model));
	nn_file_free(&c);
	free(old);
	nn_file_free(&a);
	nn_file_free(&b);
}
END_TEST

/* A process killed at any moment while saving again and again leaves a
 * file that loads as one of the two models. */
START_TEST(killed_saver_leaves_whole_file)
{
	const char *p = tmp_path("killed.safetensors");
	nn_file a, b, c;

	trained(&a, 0);
	trained(&b, 4);
	ck_assert_int_eq(nn_save(p, &a), 0);
	for (int k = 0; k < 20; k++) {
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			for (;;) {
				nn_save(p, &b);
				nn_save(p, &a);
			}
		}
		usleep(1000 + 997 * (useconds_t)k);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		ck_assert_int_eq(nn_load(p, &c), 0);
		ck_assert(same_params(a.model, c.model) ||
		          same_params(b.model, c.model));
		nn_file_free(&c);
	}
	nn_file_free(&a);
	nn_file_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("steer");
	TCase *tc = tcase_create("core");
	char cmd[300];
	int failed;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, schedule_formulas);
	tcase_add_test(tc, schedule_in_training);
	tcase_add_test(tc, early_constructed_history);
	tcase_add_test(tc, early_restore_in_training);
	tcase_add_test(tc, clip_limits_the_step);
	tcase_add_test(tc, fanin_scales_steps);
	tcase_add_test(tc, targets_and_val_split);
	tcase_add_test(tc, nan_guard_names_layer);
	tcase_add_test(tc, file_roundtrip_exact);
	tcase_add_test(tc, decay_deadzone_roundtrip);
	tcase_add_test(tc, resume_equals_uninterrupted);
	tcase_add_test(tc, resume_second_order);
	tcase_add_test(tc, old_file_loads);
	tcase_add_test(tc, damaged_files_rejected);
	tcase_add_test(tc, hostile_files_rejected);
	tcase_add_test(tc, crashed_save_keeps_old_file);
	tcase_add_test(tc, killed_saver_leaves_whole_file);
	suite_add_tcase(s, tc);
	failed = run_suite(s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return failed;
}
