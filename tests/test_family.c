/* test_family.c - Hinton's family trees (lib/family.c) counted against the
 * paper: 104 facts, the count of each relation, the two families alike
 * place by place, answers checked by hand, the inputs one-hot, and the
 * paper's rule for a right answer. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "nn.h"
#include "suite.h"

static int person(const char *name)
{
	for (int p = 0; p < NN_FAMILY_PEOPLE; p++)
		if (strcmp(nn_family_people[p], name) == 0)
			return p;
	ck_abort_msg("no person %s", name);
	return -1;
}

static int relation(const char *name)
{
	for (int r = 0; r < NN_FAMILY_RELATIONS; r++)
		if (strcmp(nn_family_relations[r], name) == 0)
			return r;
	ck_abort_msg("no relation %s", name);
	return -1;
}

/* The set of people answering (p, r), as names separated by blanks. */
static void answer(const char *p, const char *r, char *buf, size_t len)
{
	float a[NN_FAMILY_PEOPLE];
	size_t used = 0;

	nn_family_answers(person(p), relation(r), a);
	buf[0] = '\0';
	for (int q = 0; q < NN_FAMILY_PEOPLE; q++)
		if (a[q] == 1)
			used += (size_t)snprintf(buf + used, len - used,
			        "%s%s", used ? " " : "", nn_family_people[q]);
}

/* 104 facts: 12 each of father, mother, son and daughter, 10 of husband
 * and wife, 6 of brother and sister, 4 of uncle and aunt, 8 of nephew
 * and niece (52 per family). */
START_TEST(facts_counted)
{
	static const int want[NN_FAMILY_RELATIONS] = {
		12, 12, 10, 10, 12, 12, 4, 4, 6, 6, 8, 8,
	};
	int count[NN_FAMILY_RELATIONS] = { 0 }, family[2] = { 0 };
	nn_dataset *d = nn_make_family();

	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->n, 104);
	ck_assert_uint_eq(d->xsize, 36);
	ck_assert_uint_eq(d->ysize, 24);
	ck_assert_int_eq(d->nclasses, 0);
	ck_assert_int_eq(nn_dataset_check(d), 0);
	for (size_t i = 0; i < d->n; i++) {
		int p, r, on = 0;

		ck_assert_int_eq(nn_family_fact(d->x + i * 36, &p, &r), 0);
		count[r]++;
		family[p >= 12]++;
		for (int q = 0; q < 24; q++) {
			float t = d->y[i * 24 + (size_t)q];

			ck_assert(t == 0 || t == 1);
			on += t == 1;
			/* answers come from the person's own family */
			ck_assert(t == 0 || (q >= 12) == (p >= 12));
		}
		ck_assert_int_ge(on, 1);
		ck_assert_int_le(on, 2);
		ck_assert_int_eq(on == 2, r == relation("uncle") ||
		                          r == relation("aunt"));
	}
	for (int r = 0; r < NN_FAMILY_RELATIONS; r++)
		ck_assert_msg(count[r] == want[r], "%s: %d facts, not %d",
		              nn_family_relations[r], count[r], want[r]);
	ck_assert_int_eq(family[0], 52);
	ck_assert_int_eq(family[1], 52);
	nn_dataset_free(d);
}
END_TEST

/* The Italian family holds the English one's places: every answer of
 * person p is the answer of p + 12, moved by 12. */
START_TEST(isomorphic)
{
	for (int p = 0; p < 12; p++)
		for (int r = 0; r < NN_FAMILY_RELATIONS; r++) {
			float a[24], b[24];

			ck_assert_int_eq(nn_family_answers(p, r, a),
			                 nn_family_answers(p + 12, r, b));
			for (int q = 0; q < 12; q++) {
				ck_assert(a[q] == b[q + 12]);
				ck_assert(a[q + 12] == 0 && b[q] == 0);
			}
		}
}
END_TEST

/* Answers read off the paper's trees by hand. */
START_TEST(by_hand)
{
	static const char *const cases[][3] = {
		{ "Colin", "aunt", "Margaret Jennifer" },
		{ "Colin", "uncle", "Arthur Charles" },
		{ "Charlotte", "father", "James" },
		{ "Charlotte", "mother", "Victoria" },
		{ "Charlotte", "brother", "Colin" },
		{ "Victoria", "husband", "James" },
		{ "Christopher", "son", "Arthur" },
		{ "Christopher", "daughter", "Victoria" },
		{ "Andrew", "son", "James" },
		{ "Jennifer", "brother", "James" },
		{ "Margaret", "nephew", "Colin" },
		{ "Charles", "niece", "Charlotte" },
		{ "Sophia", "aunt", "Gina Angela" },
		{ "Alfonso", "uncle", "Emilio Tomaso" },
		{ "Pierro", "wife", "Francesca" },
		{ "Lucia", "husband", "Marco" },
		{ "Christopher", "father", "" },
		{ "Colin", "son", "" },
		{ "Margaret", "sister", "" },
	};
	char got[256];

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		answer(cases[i][0], cases[i][1], got, sizeof got);
		ck_assert_msg(strcmp(got, cases[i][2]) == 0, "%s's %s: '%s', "
		              "not '%s'", cases[i][0], cases[i][1], got,
		              cases[i][2]);
	}
}
END_TEST

/* Inputs that are not one person and one relation are not facts. */
START_TEST(fact_inputs)
{
	float x[36] = { 0 };
	int p, r;

	ck_assert_int_eq(nn_family_fact(x, &p, &r), -1);
	x[3] = 1;
	ck_assert_int_eq(nn_family_fact(x, &p, &r), -1);
	x[24 + 7] = 1;
	ck_assert_int_eq(nn_family_fact(x, &p, &r), 0);
	ck_assert_int_eq(p, 3);
	ck_assert_int_eq(r, 7);
	x[5] = 1;
	ck_assert_int_eq(nn_family_fact(x, &p, &r), -1);
	x[5] = 0;
	x[3] = 0.5f;
	ck_assert_int_eq(nn_family_fact(x, &p, &r), -1);
	ck_assert_int_eq(nn_family_answers(24, 0, x), 0);
	ck_assert_int_eq(nn_family_answers(0, 12, x), 0);
}
END_TEST

/* Right: every unit whose target is 1 above 0.5, every other below. */
START_TEST(right_rule)
{
	float y[2 * 24] = { 0 }, out[2 * 24];

	y[3] = y[5] = 1;        /* a fact with two answers */
	y[24 + 7] = 1;
	for (int j = 0; j < 48; j++)
		out[j] = 0.1f;
	out[3] = out[5] = 0.9f;
	out[24 + 7] = 0.6f;
	ck_assert_uint_eq(nn_family_right(out, y, 2, 0.5), 2);
	out[5] = 0.4f;          /* one answer missing */
	ck_assert_uint_eq(nn_family_right(out, y, 2, 0.5), 1);
	out[5] = 0.9f;
	out[24 + 9] = 0.7f;     /* one person too many */
	ck_assert_uint_eq(nn_family_right(out, y, 2, 0.5), 1);
	ck_assert_uint_eq(nn_family_right(out, y, 1, 0.8), 1);
	ck_assert_uint_eq(nn_family_right(out + 24, y + 24, 1, 0.8), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("family");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, facts_counted);
	tcase_add_test(tc, isomorphic);
	tcase_add_test(tc, by_hand);
	tcase_add_test(tc, fact_inputs);
	tcase_add_test(tc, right_rule);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
