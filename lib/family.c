/* family.c - Hinton's family trees (Hinton 1986, "Learning distributed
 * representations of concepts"; Rumelhart, Hinton and Williams 1986): two
 * isomorphic families of 12 people, an English one and an Italian one,
 * and 12 relations. Each fact (person 1, relation) has the set of persons 2
 * as its answer; there are 104 of them. The relations are derived from
 * each person's sex, spouse and parents, so the counts are checked, not
 * typed. */
#include <stdlib.h>
#include <string.h>

#include "nn.h"

/* English 0..11, Italian 12..23: person i + 12 holds person i's place. */
const char *const nn_family_people[NN_FAMILY_PEOPLE] = {
	"Christopher", "Penelope", "Andrew", "Christine",
	"Margaret", "Arthur", "Victoria", "James", "Jennifer", "Charles",
	"Colin", "Charlotte",
	"Roberto", "Maria", "Pierro", "Francesca",
	"Gina", "Emilio", "Lucia", "Marco", "Angela", "Tomaso",
	"Alfonso", "Sophia",
};

const char *const nn_family_relations[NN_FAMILY_RELATIONS] = {
	"father", "mother", "husband", "wife", "son", "daughter",
	"uncle", "aunt", "brother", "sister", "nephew", "niece",
};

/* One family (indices 0..11): sex (1 male), spouse, father, mother; -1
 * for none. Christopher and Penelope's children are Arthur and Victoria,
 * Andrew and Christine's are James and Jennifer; Margaret and Charles
 * married in; Colin and Charlotte are Victoria and James's. */
static const struct { int male, spouse, father, mother; } tree[12] = {
	{ 1, 1, -1, -1 },       /* Christopher */
	{ 0, 0, -1, -1 },       /* Penelope */
	{ 1, 3, -1, -1 },       /* Andrew */
	{ 0, 2, -1, -1 },       /* Christine */
	{ 0, 5, -1, -1 },       /* Margaret */
	{ 1, 4, 0, 1 },         /* Arthur */
	{ 0, 7, 0, 1 },         /* Victoria */
	{ 1, 6, 2, 3 },         /* James */
	{ 0, 9, 2, 3 },         /* Jennifer */
	{ 1, 8, -1, -1 },       /* Charles */
	{ 1, -1, 7, 6 },        /* Colin */
	{ 0, -1, 7, 6 },        /* Charlotte */
};

static int is_child(int q, int p)
{
	return tree[q].father == p || tree[q].mother == p;
}

static int siblings(int p, int q)
{
	return p != q && tree[p].father >= 0 &&
	       tree[p].father == tree[q].father &&
	       tree[p].mother == tree[q].mother;
}

/* Whether q is a parent's sibling of p, or married to one. */
static int parents_sibling(int p, int q)
{
	int s = tree[q].spouse;

	for (int k = 0; k < 2; k++) {
		int par = k ? tree[p].mother : tree[p].father;

		if (par >= 0 && (siblings(par, q) ||
		                 (s >= 0 && siblings(par, s))))
			return 1;
	}
	return 0;
}

/* Whether q is person p's relation r (both 0..11). */
static int related(int p, int r, int q)
{
	int male = tree[q].male;

	switch (r) {
	case 0: return tree[p].father == q;
	case 1: return tree[p].mother == q;
	case 2: return tree[p].spouse == q && male;
	case 3: return tree[p].spouse == q && !male;
	case 4: return is_child(q, p) && male;
	case 5: return is_child(q, p) && !male;
	case 6: return parents_sibling(p, q) && male;
	case 7: return parents_sibling(p, q) && !male;
	case 8: return siblings(p, q) && male;
	case 9: return siblings(p, q) && !male;
	case 10: return parents_sibling(q, p) && male;
	case 11: return parents_sibling(q, p) && !male;
	default: return 0;
	}
}

int nn_family_answers(int person, int relation, float *out)
{
	int base = person < 12 ? 0 : 12, p = person - base, count = 0;

	memset(out, 0, NN_FAMILY_PEOPLE * sizeof *out);
	if (person < 0 || person >= NN_FAMILY_PEOPLE || relation < 0 ||
	    relation >= NN_FAMILY_RELATIONS)
		return 0;
	for (int q = 0; q < 12; q++)
		if (related(p, relation, q)) {
			out[base + q] = 1;
			count++;
		}
	return count;
}

nn_dataset *nn_make_family(void)
{
	nn_dataset *d = nn_dataset_new();
	float ans[NN_FAMILY_PEOPLE];
	size_t n = 0;

	if (!d)
		return nn_fail("out of memory"), NULL;
	d->xshape = (nn_shape){ 1, { NN_FAMILY_INPUTS, 0, 0, 0 } };
	d->xsize = NN_FAMILY_INPUTS;
	d->ysize = NN_FAMILY_PEOPLE;
	d->x = calloc(NN_FAMILY_FACTS * NN_FAMILY_INPUTS, sizeof *d->x);
	d->y = calloc(NN_FAMILY_FACTS * NN_FAMILY_PEOPLE, sizeof *d->y);
	if (!d->x || !d->y) {
		nn_dataset_free(d);
		return nn_fail("out of memory"), NULL;
	}
	for (int p = 0; p < NN_FAMILY_PEOPLE; p++)
		for (int r = 0; r < NN_FAMILY_RELATIONS; r++) {
			if (!nn_family_answers(p, r, ans))
				continue;
			if (n == NN_FAMILY_FACTS) {     /* not with this tree */
				nn_dataset_free(d);
				return nn_fail("family: more than %d facts",
				               NN_FAMILY_FACTS), NULL;
			}
			d->x[n * NN_FAMILY_INPUTS + (size_t)p] = 1;
			d->x[n * NN_FAMILY_INPUTS + NN_FAMILY_PEOPLE +
			     (size_t)r] = 1;
			memcpy(d->y + n * NN_FAMILY_PEOPLE, ans, sizeof ans);
			n++;
		}
	d->n = n;
	return d;
}

int nn_family_fact(const float *x, int *person, int *relation)
{
	*person = *relation = -1;
	for (int j = 0; j < NN_FAMILY_INPUTS; j++) {
		int *which = j < NN_FAMILY_PEOPLE ? person : relation;
		int k = j < NN_FAMILY_PEOPLE ? j : j - NN_FAMILY_PEOPLE;

		if (x[j] == 0)
			continue;
		if (x[j] != 1 || *which >= 0)
			return -1;
		*which = k;
	}
	return *person >= 0 && *relation >= 0 ? 0 : -1;
}

size_t nn_family_right(const float *out, const float *y, size_t n,
                       double threshold)
{
	size_t right = 0;

	for (size_t i = 0; i < n; i++) {
		int ok = 1;

		for (size_t j = 0; j < NN_FAMILY_PEOPLE; j++) {
			const float o = out[i * NN_FAMILY_PEOPLE + j];

			ok &= y[i * NN_FAMILY_PEOPLE + j] > 0.5f
			      ? o > threshold : o < threshold;
		}
		right += (size_t)ok;
	}
	return right;
}
