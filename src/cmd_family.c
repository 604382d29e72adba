/* cmd_family.c - Hinton's family trees in the shell: the facts as a
 * dataset (`data NAME = make family [hold=K]`), a network's answers in
 * words with the paper's rule for a right one (`family`), and the weights
 * from the 24 people to a layer's units laid out as the two trees
 * (`show MODEL.LAYER.W family`). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#define THRESHOLD 0.5   /* the paper's: on above, off below */

/* The people of one family in the trees' order: generation, then place. */
static const int generation[12] = { 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3 };
/* 1: Christopher and Penelope's side, 2: Andrew and Christine's, 0: both */
static const int side[12] = { 1, 1, 2, 2, 1, 1, 1, 2, 2, 2, 0, 0 };

/* ---- the dataset ------------------------------------------------------- */

static int by_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

static void describe(sh_session *S, const char *name, const nn_dataset *d)
{
	sh_printf(S, "%s: %zu facts (person 1 and relation: inputs 36; "
	          "the persons 2: 24 targets)\n", name, d->n);
}

static int put(sh_session *S, const char *name, nn_dataset *d)
{
	if (!d)
		return sh_err(S, "make family: %s", nn_error());
	if (!sh_put_data(S, name, d))
		return sh_err(S, "out of memory");
	describe(S, name, d);
	return 0;
}

int sh_family_data(sh_session *S, const sh_line *l, const char *name,
                   int nargs)
{
	nn_dataset *all, *train, *test;
	nn_rng own, *rng = &S->rng;
	size_t *idx, k, n;
	char part[256];
	long hold, seed;

	for (int i = 1; i < l->n; i++)
		if (l->v[i].key && !sh_option_allowed("hold seed",
		                                      l->v[i].key))
			return sh_err(S, "make family: unknown option '%s' "
			              "(options: hold seed)", l->v[i].key);
	if (nargs != 1)
		return sh_err(S, "usage: data NAME = make family [hold=K] "
		              "[seed=S]");
	if (sh_opt_long(S, l, "hold", 0, 0, NN_FAMILY_FACTS - 1, &hold) < 0 ||
	    sh_opt_long(S, l, "seed", 0, 0, 0x7fffffffL, &seed) < 0)
		return -1;
	if (sh_opt(l, "seed")) {
		nn_rng_seed(&own, (uint64_t)seed);
		rng = &own;
	}
	if (!(all = nn_make_family()))
		return sh_err(S, "make family: %s", nn_error());
	if (hold == 0)
		return put(S, name, all);
	n = all->n;
	if (!(idx = malloc(n * sizeof *idx))) {
		nn_dataset_free(all);
		return sh_err(S, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	nn_rng_shuffle(rng, idx, n);
	k = n - (size_t)hold;
	qsort(idx, k, sizeof *idx, by_index);   /* each part in the facts' */
	qsort(idx + k, n - k, sizeof *idx, by_index);   /* order */
	train = nn_dataset_subset(all, idx, k);
	test = nn_dataset_subset(all, idx + k, n - k);
	free(idx);
	nn_dataset_free(all);
	if (!train || !test) {
		nn_dataset_free(train);
		nn_dataset_free(test);
		return sh_err(S, "out of memory");
	}
	snprintf(part, sizeof part, "%s.train", name);
	if (put(S, part, train) < 0) {
		nn_dataset_free(test);
		return -1;
	}
	snprintf(part, sizeof part, "%s.test", name);
	return put(S, part, test);
}

/* ---- a network's answers ----------------------------------------------- */

/* "Jennifer, Margaret" for the people whose value in v is above t (or,
 * with t < 0, whose target is 1), with their values when out is set. */
static void people(char *buf, size_t len, const float *v, const float *out,
                   double t)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int q = 0; q < NN_FAMILY_PEOPLE && used < len; q++)
		if (v[q] > t)
			used += (size_t)snprintf(buf + used, len - used,
			        out ? "%s%s %.2f" : "%s%s", used ? ", " : "",
			        nn_family_people[q], out ? out[q] : 0.0);
}

int cmd_family(sh_session *S, const sh_line *l)
{
	int two = sh_npos(l) == 2;
	sh_model *sm = sh_model_arg(S, two ? sh_pos(l, 0)->text : NULL);
	sh_data *sd;
	const nn_dataset *d;
	float *x = NULL, *y = NULL;
	size_t *idx = NULL, right;
	const float *out;
	long show;
	int rc = -1;

	if (!sm || !(sd = sh_data_arg(S, sh_pos(l, two)->text)) ||
	    sh_opt_long(S, l, "n", 1000000, 0, 1000000, &show) < 0)
		return -1;
	d = sd->d;
	if (sm->hop)
		return sh_err(S, "family: %s is a Hopfield network", sm->name);
	if (d->xsize != NN_FAMILY_INPUTS || d->ysize != NN_FAMILY_PEOPLE ||
	    !d->y)
		return sh_err(S, "family: %s is not a set of family facts "
		              "(make one with 'data NAME = make family')",
		              sd->name);
	if (nn_shape_size(nn_model_input_shape(sm->m)) != NN_FAMILY_INPUTS ||
	    nn_shape_size(nn_model_output_shape(sm->m)) != NN_FAMILY_PEOPLE)
		return sh_err(S, "family: %s does not take 36 inputs to 24 "
		              "outputs", sm->name);
	x = malloc(d->n * NN_FAMILY_INPUTS * sizeof *x);
	y = malloc(d->n * NN_FAMILY_PEOPLE * sizeof *y);
	idx = malloc(d->n * sizeof *idx);
	if (!x || !y || !idx) {
		sh_err(S, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < d->n; i++)
		idx[i] = i;
	nn_dataset_gather(d, idx, d->n, x, y);
	if (!(out = nn_model_forward(sm->m, x, d->n, 0, NULL))) {
		sh_err(S, "family: %s", nn_error());
		goto done;
	}
	if (show > 0)
		sh_printf(S, "%-22s %-20s %s\n", "fact", "answer",
		          "the network (outputs above 0.5)");
	for (size_t i = 0; i < d->n && i < (size_t)show; i++) {
		const float *o = out + i * NN_FAMILY_PEOPLE;
		const float *t = y + i * NN_FAMILY_PEOPLE;
		char fact[64], want[128], got[256];
		int p, r;

		if (nn_family_fact(x + i * NN_FAMILY_INPUTS, &p, &r) < 0)
			snprintf(fact, sizeof fact, "sample %zu", i);
		else
			snprintf(fact, sizeof fact, "%s's %s",
			         nn_family_people[p], nn_family_relations[r]);
		people(want, sizeof want, t, NULL, 0.5);
		people(got, sizeof got, o, o, THRESHOLD);
		if (!got[0]) {
			int best = 0;

			for (int q = 1; q < NN_FAMILY_PEOPLE; q++)
				best = o[q] > o[best] ? q : best;
			snprintf(got, sizeof got, "nobody (highest: %s %.2f)",
			         nn_family_people[best], o[best]);
		}
		sh_printf(S, "%-22s %-20s %s  %s\n", fact, want[0] ? want
		          : "nobody", got, nn_family_right(o, t, 1, THRESHOLD)
		          ? "right" : "WRONG");
	}
	right = nn_family_right(out, y, d->n, THRESHOLD);
	sh_printf(S, "right: %zu of %zu (right: every person of the answer "
	          "above 0.5 and every other below, the paper's rule)\n",
	          right, d->n);
	rc = 0;
done:
	free(x);
	free(y);
	free(idx);
	return rc;
}

/* ---- the person units' weights as the two trees ------------------------ */

/* The mean of row w (24 values) over the people p of one family (0 or
 * 12 added) for whom keep(p) holds. */
static double mean_over(const float *w, int base, int (*keep)(int, int),
                        int arg)
{
	double s = 0;
	int n = 0;

	for (int p = 0; p < 12; p++)
		if (keep(p, arg)) {
			s += w[base + p];
			n++;
		}
	return n ? s / n : 0;
}

static int any_person(int p, int arg)
{
	(void)p;
	(void)arg;
	return 1;
}

static int of_generation(int p, int g)
{
	return generation[p] == g;
}

static int of_side(int p, int s)
{
	return side[p] == s;
}

/* Contrast k of one family's weights w[base..base+12): 0 its mean
 * (nationality: the two families' means are subtracted by the caller),
 * 1 generation 1 minus 3, 2 generation 2 minus the others, 3 one branch
 * minus the other. */
static double contrast(const float *w, int base, int k)
{
	double g1 = mean_over(w, base, of_generation, 1);
	double g2 = mean_over(w, base, of_generation, 2);
	double g3 = mean_over(w, base, of_generation, 3);

	switch (k) {
	case 0: return (base ? -2 : 2) * mean_over(w, base, any_person, 0);
	case 1: return g1 - g3;
	case 2: return g2 - (4 * g1 + 2 * g3) / 6;
	default: return mean_over(w, base, of_side, 1) -
	                mean_over(w, base, of_side, 2);
	}
}

int sh_show_family(sh_session *S, const char *name, const nn_param *W)
{
	int units = W->shape.ndim == 2 ? W->shape.dim[0] : 0;
	double lim = 0;

	if (W->shape.ndim != 2 || W->shape.dim[1] != NN_FAMILY_PEOPLE)
		return sh_err(S, "show %s family: the weights must come from "
		              "the 24 people (a dense layer on 'add slice "
		              "1..24'); %s is not 24 wide", name, name);
	if (units > 12)
		return sh_err(S, "show %s family: at most 12 units side by "
		              "side (it has %d)", name, units);
	for (size_t i = 0; i < W->size; i++)
		lim = fmax(lim, fabs(W->value[i]));
	sh_printf(S, "%s: the weights from each person to the %d unit%s, "
	          "the two families in the same places\n", name, units,
	          units == 1 ? "" : "s");
	sh_printf(S, "%-17s", "");
	for (int u = 0; u < units; u++)
		sh_printf(S, " unit %-2d", u + 1);
	sh_printf(S, "\n");
	for (int f = 0; f < 2; f++) {
		sh_printf(S, "%s\n", f ? "Italian" : "English");
		for (int p = 0; p < 12; p++) {
			sh_printf(S, "  %d %-13s", generation[p],
			          nn_family_people[12 * f + p]);
			for (int u = 0; u < units; u++)
				sh_printf(S, " %+7.2f", W->value[(size_t)u *
				          NN_FAMILY_PEOPLE + 12 * (size_t)f +
				          (size_t)p]);
			sh_printf(S, "\n");
		}
	}
	sh_printf(S, "what each unit tells apart (differences of mean "
	          "weights):\n");
	for (int k = 0; k < 4; k++) {
		static const char *const what[4] = {
			"nationality", "generation 1-3", "generation 2",
			"branch",
		};

		sh_printf(S, "  %-15s", what[k]);
		for (int u = 0; u < units; u++) {
			const float *w = W->value + (size_t)u *
			                 NN_FAMILY_PEOPLE;
			double v = (contrast(w, 0, k) + contrast(w, 12, k)) /
			           2;

			sh_printf(S, " %+7.2f", v);
		}
		sh_printf(S, "\n");
	}
	sh_printf(S, "(nationality: English - Italian; generation 1-3: "
	          "grandparents - grandchildren;\n generation 2: parents - "
	          "the others; branch: Christopher's side - Andrew's;\n the "
	          "largest weight is %.2f)\n", lim);
	return 0;
}
