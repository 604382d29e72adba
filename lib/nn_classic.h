/* nn_classic.h - Hopfield networks (hopfield.c) and Hinton's family trees
 * (family.c), a part of libnn's public interface that nn.h includes where
 * this section was (clients include nn.h only). */
#ifndef NN_CLASSIC_PUBLIC_H
#define NN_CLASSIC_PUBLIC_H

/* ---- Hopfield networks (hopfield.c) ----------------------------------- */

/* N binary units with states -1 and +1, symmetric weights W (n x n, row
 * major) and a zero diagonal; no thresholds. The stored patterns are kept
 * to name the nearest one after a recall. */
typedef enum nn_hop_rule {
	NN_HOP_HEBB, NN_HOP_PSEUDOINVERSE, NN_HOP_STORKEY, NN_HOP_RULE_COUNT
} nn_hop_rule;
typedef enum nn_hop_mode { NN_HOP_ASYNC, NN_HOP_SYNC } nn_hop_mode;

typedef struct nn_hopfield {
	int n;                  /* units */
	float *W;               /* n x n */
	float *pat;             /* npat x n stored patterns, -1/+1 */
	size_t npat;
	nn_hop_rule rule;       /* the rule they were stored with */
} nn_hopfield;

/* What one recall ended with. */
typedef struct nn_hop_result {
	int steps;              /* sweeps that changed at least one unit */
	int fixed;              /* the final state is a fixed point */
	size_t nearest;         /* the stored pattern of largest |overlap| */
	double overlap;         /* its overlap s.p / n, in [-1, 1] */
	double energy;          /* -1/2 s'Ws of the final state */
} nn_hop_result;

const char *nn_hop_rule_name(nn_hop_rule r);
/* Rule by name (hebb pseudoinverse storkey); -1 when unknown. */
int nn_hop_rule_parse(const char *name);
/* A network of units (2..4096) with zero weights; NULL with a message. */
nn_hopfield *nn_hopfield_new(int units);
void nn_hopfield_free(nn_hopfield *h);
/* Check that in[0..n) is all -1/+1 or all 0/1 and write it as -1/+1 to
 * out (which may be in). -1 with a message naming the first bad unit. */
int nn_hopfield_bipolar(const float *in, size_t n, float *out);
/* Replace what h stores by count patterns of h->n values each (-1/+1 or
 * 0/1), with rule: Hebb W = P'P / n; pseudoinverse W = P'(PP')^-1 P
 * (fails for linearly dependent patterns); Storkey's incremental rule.
 * The diagonal is then zeroed. On failure h is unchanged and the message
 * names the pattern (0-based). */
int nn_hopfield_store(nn_hopfield *h, const float *pats, size_t count,
                      nn_hop_rule rule);
/* The energy -1/2 s'Ws of state s. */
double nn_hopfield_energy(const nn_hopfield *h, const float *s);
/* One step on state s: sync updates every unit from the old state at
 * once; async updates each unit in turn in an order drawn from rng (a
 * sweep), so the energy never rises. A unit whose field is 0 keeps its
 * state. Returns the number of units that changed, or -1. */
long nn_hopfield_step(const nn_hopfield *h, float *s, nn_hop_mode mode,
                      nn_rng *rng);
/* Step s until a step changes nothing or max_steps steps were taken;
 * fills r. -1 with a message when nothing is stored. */
int nn_hopfield_recall(const nn_hopfield *h, float *s, nn_hop_mode mode,
                       int max_steps, nn_rng *rng, nn_hop_result *r);
/* The stored pattern nearest to s (largest |overlap|) and its overlap. */
void nn_hopfield_nearest(const nn_hopfield *h, const float *s,
                         size_t *nearest, double *overlap);
/* count random -1/+1 patterns of units values, labelled 0..count-1 (a
 * square number of units is shaped side x side, as an image). */
nn_dataset *nn_make_patterns(size_t count, size_t units, nn_rng *rng);
/* The bundled letters (letters.c) named in which ("AHTX", either case;
 * NULL or "" for A to Z) as 10x10 -1/+1 patterns, in that order,
 * labelled 0..k-1 with the letters as class names. NULL with a message
 * for anything but distinct letters. */
nn_dataset *nn_make_letters(const char *which);
/* d (-1/+1 or 0/1 inputs) as -1/+1 with each unit flipped with
 * probability p; labels kept. */
nn_dataset *nn_dataset_flip(const nn_dataset *d, double p, nn_rng *rng);
/* Images made into -1/+1 patterns: each downsampled to side x side cells
 * (the mean of the pixels in a cell; side 2..64) and thresholded, +1
 * above threshold. side 0 keeps the size and only checks and converts
 * -1/+1 or 0/1 inputs. Labels kept. */
nn_dataset *nn_dataset_bipolar(const nn_dataset *d, int side,
                               double threshold);
/* The capacity experiment: for each load k = 1..maxload, trials times
 * store k random patterns with rule and recall each from itself
 * (asynchronously, at most 20 sweeps). frac[k-1] receives the fraction
 * recalled exactly and overlap[k-1] the mean final overlap (NaN when no
 * trial could store k patterns, as the pseudoinverse past n). */
int nn_hopfield_capacity(int units, nn_hop_rule rule, int maxload,
                         int trials, nn_rng *rng, double *frac,
                         double *overlap);

/* ---- Hinton's family trees (family.c) -------------------------------- */

/* Two isomorphic families, English (people 0..11) and Italian (12..23:
 * person i + 12 holds person i's place), and 12 relations; a fact is
 * (person 1, relation) and its answer the set of persons 2. */
#define NN_FAMILY_PEOPLE 24
#define NN_FAMILY_RELATIONS 12
#define NN_FAMILY_INPUTS (NN_FAMILY_PEOPLE + NN_FAMILY_RELATIONS)
#define NN_FAMILY_FACTS 104
extern const char *const nn_family_people[NN_FAMILY_PEOPLE];
/* father mother husband wife son daughter uncle aunt brother sister
 * nephew niece */
extern const char *const nn_family_relations[NN_FAMILY_RELATIONS];
/* The answer to (person, relation) as 24 0/1 values in out; returns how
 * many people it holds (0: not a fact). */
int nn_family_answers(int person, int relation, float *out);
/* The 104 facts, by person then relation: 36 inputs (person one-hot,
 * then relation one-hot), 24 float targets (the answer, multi-hot). */
nn_dataset *nn_make_family(void);
/* The person and relation a 36-value input names; -1 when it is not one
 * person and one relation, one-hot. */
int nn_family_fact(const float *x, int *person, int *relation);
/* How many of n outputs (24 each) are right against targets y: every
 * unit whose target is 1 above threshold and every other below it (the
 * paper's rule, with threshold 0.5). */
size_t nn_family_right(const float *out, const float *y, size_t n,
                       double threshold);

#endif
