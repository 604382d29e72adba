/* test_hopfield.c - Hopfield networks (lib/hopfield.c): weights, energy
 * and recall on tiny nets checked by hand, the energy never rising in
 * asynchronous mode, stored patterns as fixed points for each rule, the
 * pattern datasets, and bad input refused with the network unchanged. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "suite.h"

/* p = (1 -1 1 -1) stored by Hebb: w_ij = p_i p_j / 4 off the diagonal. */
START_TEST(hebb_by_hand)
{
	float p[4] = { 1, -1, 1, -1 }, s[4] = { 1, 1, 1, -1 };
	nn_hopfield *h = nn_hopfield_new(4);
	nn_hop_result r;
	nn_rng rng;

	nn_rng_seed(&rng, 1);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(nn_hopfield_store(h, p, 1, NN_HOP_HEBB), 0);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			ck_assert_float_eq(h->W[i * 4 + j],
			                   i == j ? 0 : p[i] * p[j] / 4);
	/* E(p) = -1/2 * 12 pairs * 1/4 */
	ck_assert_double_eq_tol(nn_hopfield_energy(h, p), -1.5, 1e-6);
	/* s.p = 2, so s'Ws = ((s.p)^2 - 4) / 4 = 0 */
	ck_assert_double_eq_tol(nn_hopfield_energy(h, s), 0, 1e-6);
	/* unit 2's field is -3/4: one sweep flips it back, the next
	 * changes nothing */
	ck_assert_int_eq(nn_hopfield_recall(h, s, NN_HOP_ASYNC, 10, &rng,
	                                    &r), 0);
	ck_assert_int_eq(r.steps, 1);
	ck_assert_int_eq(r.fixed, 1);
	ck_assert_int_eq(memcmp(s, p, sizeof p), 0);
	ck_assert_double_eq_tol(r.overlap, 1, 1e-9);
	ck_assert_double_eq_tol(r.energy, -1.5, 1e-6);
	/* the inverted pattern is stored too: overlap -1 */
	for (int i = 0; i < 4; i++)
		s[i] = -p[i];
	ck_assert_int_eq(nn_hopfield_recall(h, s, NN_HOP_SYNC, 10, &rng,
	                                    &r), 0);
	ck_assert_int_eq(r.steps, 0);
	ck_assert_int_eq(r.fixed, 1);
	ck_assert_double_eq_tol(r.overlap, -1, 1e-9);
	nn_hopfield_free(h);
}
END_TEST

/* Two units with w = -1/2: synchronous updates from (1 1) swing between
 * (1 1) and (-1 -1) forever; asynchronous ones settle. */
START_TEST(sync_two_cycle)
{
	float p[2] = { 1, -1 }, s[2] = { 1, 1 };
	nn_hopfield *h = nn_hopfield_new(2);
	nn_hop_result r;
	nn_rng rng;

	nn_rng_seed(&rng, 2);
	ck_assert_int_eq(nn_hopfield_store(h, p, 1, NN_HOP_HEBB), 0);
	ck_assert_int_eq(nn_hopfield_step(h, s, NN_HOP_SYNC, &rng), 2);
	ck_assert_float_eq(s[0], -1);
	ck_assert_float_eq(s[1], -1);
	ck_assert_int_eq(nn_hopfield_recall(h, s, NN_HOP_SYNC, 7, &rng, &r),
	                 0);
	ck_assert_int_eq(r.steps, 7);
	ck_assert_int_eq(r.fixed, 0);
	s[0] = s[1] = 1;
	ck_assert_int_eq(nn_hopfield_recall(h, s, NN_HOP_ASYNC, 7, &rng,
	                                    &r), 0);
	ck_assert_int_eq(r.fixed, 1);
	ck_assert_float_eq(s[0], -s[1]);
	nn_hopfield_free(h);
}
END_TEST

/* Overloaded (20 patterns in 50 units), from random states: each
 * asynchronous sweep leaves the energy where it was or lower. */
START_TEST(async_energy_never_rises)
{
	nn_rng rng;
	nn_dataset *d;
	nn_hopfield *h = nn_hopfield_new(50);
	float s[50];

	nn_rng_seed(&rng, 3);
	d = nn_make_patterns(20, 50, &rng);
	for (int rule = 0; rule < NN_HOP_RULE_COUNT; rule++) {
		if (rule == NN_HOP_PSEUDOINVERSE)
			continue;
		ck_assert_int_eq(nn_hopfield_store(h, d->x, 20,
		                                   (nn_hop_rule)rule), 0);
		for (int t = 0; t < 20; t++) {
			double e, last;

			for (int i = 0; i < 50; i++)
				s[i] = nn_rng_uniform(&rng) < 0.5 ? -1 : 1;
			last = nn_hopfield_energy(h, s);
			for (int k = 0; k < 30; k++) {
				ck_assert_int_ge(nn_hopfield_step(h, s,
				        NN_HOP_ASYNC, &rng), 0);
				e = nn_hopfield_energy(h, s);
				ck_assert_msg(e <= last + 1e-9, "rule %d: "
				              "energy rose %g -> %g", rule,
				              last, e);
				last = e;
			}
		}
	}
	nn_dataset_free(d);
	nn_hopfield_free(h);
}
END_TEST

/* At small loads every stored pattern is a fixed point, by each rule;
 * the pseudoinverse and Storkey keep them at loads where Hebb does not
 * have to. */
START_TEST(stored_are_fixed_points)
{
	const struct { nn_hop_rule rule; size_t k; } cases[] = {
		{ NN_HOP_HEBB, 5 }, { NN_HOP_PSEUDOINVERSE, 5 },
		{ NN_HOP_STORKEY, 5 }, { NN_HOP_PSEUDOINVERSE, 40 },
		{ NN_HOP_STORKEY, 15 },
	};
	nn_rng rng;

	nn_rng_seed(&rng, 4);
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		nn_dataset *d = nn_make_patterns(cases[c].k, 100, &rng);
		nn_hopfield *h = nn_hopfield_new(100);
		float s[100];

		ck_assert_int_eq(nn_hopfield_store(h, d->x, cases[c].k,
		                                   cases[c].rule), 0);
		for (int i = 0; i < 100; i++)
			ck_assert_float_eq(h->W[i * 100 + i], 0);
		for (int i = 0; i < 100; i++)
			for (int j = 0; j < i; j++)
				ck_assert_float_eq_tol(h->W[i * 100 + j],
				        h->W[j * 100 + i], 1e-5);
		for (size_t a = 0; a < cases[c].k; a++) {
			memcpy(s, d->x + a * 100, sizeof s);
			ck_assert_msg(nn_hopfield_step(h, s, NN_HOP_SYNC,
			              &rng) == 0, "%s, %zu patterns: "
			              "pattern %zu moved",
			              nn_hop_rule_name(cases[c].rule),
			              cases[c].k, a);
		}
		nn_dataset_free(d);
		nn_hopfield_free(h);
	}
}
END_TEST

START_TEST(recall_from_noise)
{
	nn_rng rng;
	nn_dataset *d, *f;
	nn_hopfield *h = nn_hopfield_new(100);
	int exact = 0;

	nn_rng_seed(&rng, 5);
	d = nn_make_patterns(5, 100, &rng);
	f = nn_dataset_flip(d, 0.15, &rng);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ne(memcmp(f->x, d->x, 500 * sizeof *f->x), 0);
	ck_assert_int_eq(nn_hopfield_store(h, d->x, 5, NN_HOP_HEBB), 0);
	for (int a = 0; a < 5; a++) {
		nn_hop_result r;

		ck_assert_int_eq(nn_hopfield_recall(h, f->x + a * 100,
		                 NN_HOP_ASYNC, 20, &rng, &r), 0);
		ck_assert_int_eq(r.fixed, 1);
		exact += r.nearest == (size_t)a && r.overlap == 1;
	}
	ck_assert_int_ge(exact, 4);
	nn_dataset_free(d);
	nn_dataset_free(f);
	nn_hopfield_free(h);
}
END_TEST

START_TEST(pattern_sets)
{
	nn_rng rng;
	nn_dataset *d, *f, *img, *b;
	float px[16] = { 1, 1, 0, 0, 1, 0.6f, 0, 0, 0, 0, 0, 0.9f,
	                 0, 0, 0.9f, 0.9f };

	nn_rng_seed(&rng, 6);
	d = nn_make_patterns(3, 100, &rng);
	ck_assert_int_eq(d->xshape.ndim, 2);
	ck_assert_int_eq(d->xshape.dim[0], 10);
	ck_assert_int_eq(d->labels[2], 2);
	ck_assert_int_eq(nn_dataset_check(d), 0);
	f = nn_dataset_flip(d, 1, &rng);
	for (size_t i = 0; i < 300; i++)
		ck_assert_float_eq(f->x[i], -d->x[i]);
	nn_dataset_free(f);
	f = nn_dataset_flip(d, 0, &rng);
	ck_assert_int_eq(memcmp(f->x, d->x, 300 * sizeof *f->x), 0);
	nn_dataset_free(f);
	/* a 4x4 image to 2x2: cell means 0.9, 0, 0, 0.45 */
	img = nn_dataset_new();
	img->n = 1;
	img->xshape = (nn_shape){ 2, { 4, 4, 0, 0 } };
	img->xsize = 16;
	img->x = malloc(sizeof px);
	memcpy(img->x, px, sizeof px);
	img->ysize = 1;
	img->y = calloc(1, sizeof *img->y);
	b = nn_dataset_bipolar(img, 2, 0.4);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(b->xsize, 4);
	ck_assert_float_eq(b->x[0], 1);
	ck_assert_float_eq(b->x[1], -1);
	ck_assert_float_eq(b->x[2], -1);
	ck_assert_float_eq(b->x[3], 1);
	nn_dataset_free(b);
	/* without a size, only 0/1 or -1/+1 inputs are taken */
	ck_assert_ptr_null(nn_dataset_bipolar(img, 0, 0.5));
	ck_assert_ptr_nonnull(strstr(nn_error(), "not -1/+1 or 0/1"));
	ck_assert_ptr_null(nn_dataset_bipolar(img, 8, 0.5));
	nn_dataset_free(img);
	nn_dataset_free(d);
}
END_TEST

START_TEST(bad_input)
{
	float ok[4] = { 0, 1, 1, 0 }, half[4] = { 1, 0.5f, 1, -1 };
	float mixed[4] = { 0, -1, 1, 1 }, s[4] = { 1, 1, 1, 1 }, W[16];
	float dep[8] = { 1, 1, -1, -1, 1, 1, -1, -1 };
	nn_hopfield *h = nn_hopfield_new(4);
	nn_hop_result r;
	nn_rng rng;

	nn_rng_seed(&rng, 7);
	ck_assert_ptr_null(nn_hopfield_new(1));
	ck_assert_int_eq(nn_hopfield_recall(h, s, NN_HOP_ASYNC, 5, &rng, &r),
	                 -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "nothing is stored"));
	/* 0/1 is taken as -1/+1 */
	ck_assert_int_eq(nn_hopfield_store(h, ok, 1, NN_HOP_HEBB), 0);
	ck_assert_float_eq(h->pat[0], -1);
	ck_assert_float_eq(h->W[1], -0.25f);
	memcpy(W, h->W, sizeof W);
	ck_assert_int_eq(nn_hopfield_store(h, half, 1, NN_HOP_HEBB), -1);
	ck_assert_str_eq(nn_error(), "pattern 0: value 0.5 at unit 2 is not "
	                 "-1/+1 or 0/1");
	ck_assert_int_eq(nn_hopfield_store(h, mixed, 1, NN_HOP_HEBB), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "mixes 0 and -1"));
	ck_assert_int_eq(nn_hopfield_store(h, dep, 2, NN_HOP_PSEUDOINVERSE),
	                 -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "linearly dependent"));
	/* each failure left the network as it was */
	ck_assert_int_eq(memcmp(W, h->W, sizeof W), 0);
	ck_assert_int_eq(h->npat, 1);
	ck_assert_int_eq(h->rule, NN_HOP_HEBB);
	nn_hopfield_free(h);
}
END_TEST

START_TEST(capacity_curve)
{
	double frac[30], ov[30];
	nn_rng rng;

	nn_rng_seed(&rng, 8);
	ck_assert_int_eq(nn_hopfield_capacity(100, NN_HOP_HEBB, 30, 5, &rng,
	                                      frac, ov), 0);
	ck_assert_double_eq(frac[0], 1);
	ck_assert_double_eq(frac[4], 1);
	ck_assert_double_lt(frac[29], 0.2);
	ck_assert_double_lt(ov[29], ov[4]);
	ck_assert_int_eq(nn_hopfield_capacity(20, NN_HOP_PSEUDOINVERSE, 25,
	                                      2, &rng, frac, ov), 0);
	ck_assert_double_eq(frac[14], 1);
	ck_assert(isnan(frac[24]));
}
END_TEST

/* The bundled letters: 26 patterns of 10x10 -1/+1 units named A to Z, a
 * chosen few in the order asked (either case), E and F overlapping by
 * 0.88; anything but distinct letters refused. */
START_TEST(letters)
{
	nn_dataset *all = nn_make_letters(NULL), *some;
	double ef = 0;

	ck_assert_ptr_nonnull(all);
	ck_assert_int_eq((int)all->n, 26);
	ck_assert_int_eq(all->xshape.ndim, 2);
	ck_assert_int_eq(all->xshape.dim[0], 10);
	ck_assert_int_eq(all->xshape.dim[1], 10);
	for (size_t i = 0; i < 26 * 100; i++)
		ck_assert(all->x[i] == 1 || all->x[i] == -1);
	for (int j = 0; j < 100; j++)
		ef += all->x[4 * 100 + j] * all->x[5 * 100 + j] / 100.0;
	ck_assert_double_eq_tol(ef, 0.88, 1e-9);
	ck_assert_str_eq(all->class_names[25], "Z");
	some = nn_make_letters("xa");
	ck_assert_ptr_nonnull(some);
	ck_assert_int_eq((int)some->n, 2);
	ck_assert_str_eq(some->class_names[0], "X");
	ck_assert_int_eq(some->labels[1], 1);
	ck_assert(memcmp(some->x + 100, all->x, 100 * sizeof *all->x) == 0);
	ck_assert(memcmp(some->x, all->x + 23 * 100,
	                 100 * sizeof *all->x) == 0);
	nn_dataset_free(some);
	nn_dataset_free(all);
	ck_assert_ptr_null(nn_make_letters("A1"));
	ck_assert_str_eq(nn_error(), "'1' is not a letter A-Z");
	ck_assert_ptr_null(nn_make_letters("ABA"));
	ck_assert_str_eq(nn_error(), "A twice");
	ck_assert_ptr_null(nn_make_letters("ABCDEFGHIJKLMNOPQRSTUVWXYZA"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hopfield");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, hebb_by_hand);
	tcase_add_test(tc, sync_two_cycle);
	tcase_add_test(tc, async_energy_never_rises);
	tcase_add_test(tc, stored_are_fixed_points);
	tcase_add_test(tc, recall_from_noise);
	tcase_add_test(tc, pattern_sets);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, capacity_curve);
	tcase_add_test(tc, letters);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
