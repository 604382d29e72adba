/* test_stats.c - per-layer statistics over a run (lib/stats.c): a
 * tensor's summary and histogram, re-binning onto another range, the
 * recording at the history's points (the numbers are those of the
 * weights and gradients at that moment, seen from the run's callback),
 * the bound on the points kept, and model files with and without them. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn.h"
#include "nn_stats.h"
#include "suite.h"

START_TEST(summary_of_values)
{
	const float v[6] = { 0, 1, 2, 3, NAN, INFINITY };
	const float same[3] = { 0.5f, 0.5f, 0.5f };
	nn_tsummary s;
	uint32_t total = 0;

	nn_tsummarize(v, 6, &s);
	ck_assert(s.mean == 1.5 && s.min == 0 && s.max == 3);
	ck_assert(fabs(s.std - sqrt(1.25)) < 1e-12);
	ck_assert_uint_eq(s.nonfinite, 2);
	/* bins of width 3/32: 0 -> 0, 1 -> 10, 2 -> 21, 3 -> the last */
	ck_assert_uint_eq(s.bins[0], 1);
	ck_assert_uint_eq(s.bins[10], 1);
	ck_assert_uint_eq(s.bins[21], 1);
	ck_assert_uint_eq(s.bins[31], 1);
	for (int b = 0; b < NN_STATS_BINS; b++)
		total += s.bins[b];
	ck_assert_uint_eq(total, 4);
	nn_tsummarize(same, 3, &s);
	ck_assert(s.std == 0 && s.min == 0.5 && s.max == 0.5);
	ck_assert_uint_eq(s.bins[NN_STATS_BINS / 2], 3);
	nn_tsummarize(v + 4, 2, &s);
	ck_assert(isnan(s.mean) && isnan(s.min));
	ck_assert_uint_eq(s.nonfinite, 2);
}
END_TEST

START_TEST(rebin_keeps_counts)
{
	float v[100];
	nn_tsummary s;
	double out[NN_STATS_BINS], two[2], sum = 0;

	for (int i = 0; i < 100; i++)
		v[i] = (float)i;
	nn_tsummarize(v, 100, &s);
	/* onto its own range and bins: the same counts */
	nn_tsummary_rebin(&s, s.min, s.max, out, NN_STATS_BINS);
	for (int b = 0; b < NN_STATS_BINS; b++) {
		ck_assert(fabs(out[b] - s.bins[b]) < 1e-9);
		sum += out[b];
	}
	ck_assert(fabs(sum - 100) < 1e-9);
	/* onto a range twice as wide in two bins: all in the first */
	nn_tsummary_rebin(&s, 0, 198, two, 2);
	ck_assert(fabs(two[0] - 100) < 1e-9 && two[1] == 0);
	/* halves of its own range: half each */
	nn_tsummary_rebin(&s, 0, 99, two, 2);
	ck_assert(fabs(two[0] - 50) < 1.6 && fabs(two[0] + two[1] - 100) <
	          1e-9);
}
END_TEST

/* 2 -> 3 tanh -> 1 sigmoid on the points of a line. */
static nn_model *small_model(void)
{
	nn_shape s = { 1, { 2 } };
	nn_model *m = nn_model_new(&s);
	nn_layer_spec h = { .kind = "dense", .args = "3", .act = NN_ACT_TANH,
	                    .has_act = 1 };
	nn_layer_spec o = { .kind = "dense", .args = "1",
	                    .act = NN_ACT_SIGMOID, .has_act = 1 };
	nn_rng r;

	nn_rng_seed(&r, 7);
	ck_assert_int_eq(nn_model_add(m, &h, &r), 0);
	ck_assert_int_eq(nn_model_add(m, &o, &r), 0);
	return m;
}

static nn_dataset *line_set(size_t n)
{
	nn_dataset *d = nn_dataset_new();

	d->n = n;
	d->xshape = (nn_shape){ 1, { 2 } };
	d->xsize = 2;
	d->ysize = 1;
	d->x = malloc(2 * n * sizeof *d->x);
	d->y = malloc(n * sizeof *d->y);
	for (size_t i = 0; i < n; i++) {
		d->x[2 * i] = (float)i / (float)n - 0.5f;
		d->x[2 * i + 1] = (float)((i * 7) % n) / (float)n - 0.5f;
		d->y[i] = d->x[2 * i] > d->x[2 * i + 1];
	}
	ck_assert_int_eq(nn_dataset_check(d), 0);
	return d;
}

/* What the callback saw at each point: layer 1's W and its gradient. */
typedef struct seen {
	const nn_model *m;
	int n;
	double wmin[8], wmax[8], wmean[8], gmax[8], gmean[8];
} seen;

static int look(const nn_progress *p, void *ud)
{
	seen *s = ud;
	nn_param w;
	double ws = 0, gs = 0;

	if (!p->point || s->n == 8)
		return 0;
	nn_model_param(s->m, 0, 0, &w);
	s->wmin[s->n] = INFINITY;
	s->wmax[s->n] = s->gmax[s->n] = -INFINITY;
	for (size_t i = 0; i < w.size; i++) {
		s->wmin[s->n] = fmin(s->wmin[s->n], w.value[i]);
		s->wmax[s->n] = fmax(s->wmax[s->n], w.value[i]);
		s->gmax[s->n] = fmax(s->gmax[s->n], w.grad[i]);
		ws += w.value[i];
		gs += w.grad[i];
	}
	s->wmean[s->n] = ws / (double)w.size;
	s->gmean[s->n] = gs / (double)w.size;
	s->n++;
	return 0;
}

START_TEST(recorded_at_points)
{
	nn_model *m = small_model();
	nn_dataset *d = line_set(40);
	nn_optim o;
	nn_history h = { 0 };
	nn_rng r;
	seen s = { m, 0, { 0 }, { 0 }, { 0 }, { 0 }, { 0 } };
	nn_train_opts t = { .epochs = 5, .batch = 8, .shuffle = 1,
	                    .callback = look, .ud = &s };
	const nn_stats_hist *st;

	nn_optim_defaults(&o, NN_OPT_SGD);
	o.lr = 0.5f;
	nn_rng_seed(&r, 3);
	ck_assert_int_eq(nn_train(m, NN_LOSS_BCE, &o, d, &t, &r, &h), 0);
	ck_assert_uint_eq(h.n, 5);
	ck_assert_ptr_nonnull(st = h.stats);
	ck_assert_uint_eq(st->n, 5);
	ck_assert_int_eq(st->every, 1);
	ck_assert_int_eq(s.n, 5);
	for (size_t i = 0; i < st->n; i++) {
		const nn_stats_point *p = &st->p[i];
		const nn_stats_tensor *w = &p->t[0];
		uint32_t total = 0;

		ck_assert_uint_eq(p->point, i);
		ck_assert_int_eq(p->epoch, (int)i + 1);
		ck_assert_int_eq(p->iter, 5 * ((long)i + 1));
		ck_assert_int_eq(p->n, 4);      /* W, b of each layer */
		ck_assert(w->layer == 0 && w->k == 0 && w->size == 6);
		ck_assert_str_eq(w->name, "W");
		ck_assert_str_eq(p->t[3].name, "b");
		ck_assert(p->t[3].layer == 1);
		ck_assert(w->w.min == s.wmin[i] && w->w.max == s.wmax[i]);
		ck_assert(fabs(w->w.mean - s.wmean[i]) < 1e-12);
		ck_assert(w->g.max == s.gmax[i]);
		ck_assert(fabs(w->g.mean - s.gmean[i]) < 1e-12);
		for (int b = 0; b < NN_STATS_BINS; b++)
			total += w->w.bins[b];
		ck_assert_uint_eq(total, 6);
	}
	/* the weights moved between the points */
	ck_assert(st->p[0].t[0].w.mean != st->p[4].t[0].w.mean);
	nn_history_free(&h);
	ck_assert_ptr_null(h.stats);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

START_TEST(thinning_bound)
{
	nn_model *m = small_model();
	nn_dataset *d = line_set(8);
	nn_optim o;
	nn_history h = { 0 };
	nn_rng r;
	nn_train_opts t = { .iters = 1000, .batch = 8, .every = 1 };
	const nn_stats_hist *st;

	nn_optim_defaults(&o, NN_OPT_SGD);
	nn_rng_seed(&r, 3);
	ck_assert_int_eq(nn_train(m, NN_LOSS_BCE, &o, d, &t, &r, &h), 0);
	ck_assert_uint_eq(h.n, 1000);
	st = h.stats;
	ck_assert_uint_le(st->n, NN_STATS_KEEP);
	ck_assert_uint_ge(st->n, NN_STATS_KEEP / 2);
	ck_assert_int_gt(st->every, 1);
	ck_assert_int_eq(st->every & (st->every - 1), 0);
	/* exactly the points on the stride, from the first */
	ck_assert_uint_eq(st->n, (h.n - 1) / (size_t)st->every + 1);
	for (size_t i = 0; i < st->n; i++) {
		ck_assert_uint_eq(st->p[i].point, i * (size_t)st->every);
		ck_assert_int_eq(st->p[i].iter,
		                 h.p[st->p[i].point].iter);
	}
	nn_history_free(&h);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

START_TEST(files_keep_them)
{
	char dir[] = "/tmp/nnsh-stats-XXXXXX", path[64];
	nn_dataset *d = line_set(40);
	nn_file a = { .loss = NN_LOSS_BCE, .state = 1 }, b;
	nn_train_opts t = { .epochs = 3, .batch = 8 };
	double *rows;
	size_t n;
	nn_rng r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/a.safetensors", dir);
	snprintf(a.name, sizeof a.name, "net");
	a.model = small_model();
	nn_optim_defaults(&a.optim, NN_OPT_SGD);
	a.has_optim = 1;
	nn_rng_seed(&r, 3);
	ck_assert_int_eq(nn_train(a.model, NN_LOSS_BCE, &a.optim, d, &t, &r,
	                          &a.hist), 0);
	ck_assert_int_eq(nn_save(path, &a), 0);
	ck_assert_int_eq(nn_load(path, &b), 0);
	ck_assert_ptr_nonnull(b.hist.stats);
	ck_assert_uint_eq(b.hist.stats->n, 3);
	ck_assert_int_eq(b.hist.stats->every, 1);
	for (size_t i = 0; i < 3; i++) {
		const nn_stats_point *p = &a.hist.stats->p[i];
		const nn_stats_point *q = &b.hist.stats->p[i];

		ck_assert(p->point == q->point && p->iter == q->iter &&
		          p->n == q->n);
		for (int j = 0; j < p->n; j++) {
			ck_assert_str_eq(p->t[j].name, q->t[j].name);
			ck_assert(memcmp(&p->t[j].w, &q->t[j].w,
			                 sizeof p->t[j].w) == 0);
			ck_assert(memcmp(&p->t[j].g, &q->t[j].g,
			                 sizeof p->t[j].g) == 0);
		}
	}
	nn_file_free(&b);
	/* a tensor the model no longer has as it was is left out */
	a.hist.stats->p[1].t[2].size = 99;
	ck_assert_int_eq(nn_save(path, &a), 0);
	ck_assert_int_eq(nn_load(path, &b), 0);
	ck_assert_int_eq(b.hist.stats->p[1].n, 3);
	ck_assert_int_eq(b.hist.stats->p[0].n, 4);
	nn_file_free(&b);
	a.hist.stats->p[1].t[2].size = 3;
	/* rows that do not fit the model are refused, h left as it was */
	rows = nn_stats_rows(&a.hist, a.model, &n);
	ck_assert_uint_eq(n, 3 * 4);
	nn_stats_free(&a.hist);
	rows[3] = 5;                    /* a layer the model lacks */
	ck_assert_int_eq(nn_stats_from_rows(&a.hist, a.model, rows, n, 1),
	                 -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "statistics row 0"));
	ck_assert_ptr_null(a.hist.stats);
	rows[3] = 0;
	rows[6 + 5] += 1;               /* counts that do not add up */
	ck_assert_int_eq(nn_stats_from_rows(&a.hist, a.model, rows, n, 1),
	                 -1);
	rows[6 + 5] -= 1;
	ck_assert_int_eq(nn_stats_from_rows(&a.hist, a.model, rows, n, 3),
	                 -1);
	ck_assert_int_eq(nn_stats_from_rows(&a.hist, a.model, rows, n, 1), 0);
	ck_assert_uint_eq(a.hist.stats->n, 3);
	free(rows);
	/* a state file without them (as before) loads with none */
	nn_stats_free(&a.hist);
	ck_assert_int_eq(nn_save(path, &a), 0);
	ck_assert_int_eq(nn_load(path, &b), 0);
	ck_assert_uint_eq(b.hist.n, 3);
	ck_assert_ptr_null(b.hist.stats);
	nn_file_free(&b);
	nn_file_free(&a);
	nn_dataset_free(d);
	remove(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, summary_of_values);
	tcase_add_test(tc, rebin_keeps_counts);
	tcase_add_test(tc, recorded_at_points);
	tcase_add_test(tc, thinning_bound);
	tcase_add_test(tc, files_keep_them);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
