/* loss.c - losses and their gradients, averaged over the samples of a batch.
 *
 * Cross-entropy after softmax (and binary cross-entropy after sigmoid) are
 * computed from the logits z with the log-sum-exp trick and return dL/dz
 * directly: stable for any z. `crossentropy naive` takes the log of the
 * softmax output, as a first implementation would, so the NaN it produces
 * once a probability underflows can be shown. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "vmath.h"
#include "workers.h"

static const char *const names[NN_LOSS_COUNT] = {
	"mse", "crossentropy", "crossentropy_naive", "bce", "nll",
};

const char *nn_loss_name(nn_loss_kind k)
{
	return (unsigned)k < NN_LOSS_COUNT ? names[k] : "?";
}

int nn_loss_parse(const char *name)
{
	for (int i = 0; i < NN_LOSS_COUNT; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	if (strcmp(name, "ce") == 0 || strcmp(name, "xent") == 0)
		return NN_LOSS_CE;
	if (strcmp(name, "naive") == 0)
		return NN_LOSS_CE_NAIVE;
	return -1;
}

const char *nn_reduction_name(nn_reduction r)
{
	return r == NN_RED_SUM ? "sum" : r == NN_RED_MEAN ? "mean" : "?";
}

int nn_reduction_parse(const char *name)
{
	if (strcmp(name, "mean") == 0)
		return NN_RED_MEAN;
	if (strcmp(name, "sum") == 0)
		return NN_RED_SUM;
	return -1;
}

void nn_deadzone(const float *out, float *y, size_t len, float dz)
{
	for (size_t i = 0; i < len; i++) {
		float lo = y[i] - dz, hi = y[i] + dz;

		y[i] = out[i] < lo ? lo : out[i] > hi ? hi : out[i];
	}
}

int nn_loss_fuses(nn_loss_kind k, nn_act act)
{
	if (k == NN_LOSS_CE)
		return act == NN_ACT_SOFTMAX || act == NN_ACT_LINEAR ||
		       act == NN_ACT_SIGMOID;
	return k == NN_LOSS_BCE && act == NN_ACT_SIGMOID;
}

int nn_loss_check(nn_loss_kind k, nn_act act, size_t w)
{
	switch (k) {
	case NN_LOSS_CE:
		if (!nn_loss_fuses(k, act))
			return nn_fail("crossentropy needs a softmax, sigmoid "
			               "or linear (logits) last layer, not %s",
			               nn_act_name(act));
		break;
	case NN_LOSS_CE_NAIVE:
		if (act != NN_ACT_SOFTMAX)
			return nn_fail("crossentropy naive needs a softmax "
			               "last layer, not %s", nn_act_name(act));
		break;
	case NN_LOSS_NLL:
		if (act != NN_ACT_LOGSOFTMAX)
			return nn_fail("nll needs a logsoftmax last layer, "
			               "not %s", nn_act_name(act));
		break;
	case NN_LOSS_BCE:
		if (act == NN_ACT_SOFTMAX || act == NN_ACT_LOGSOFTMAX)
			return nn_fail("bce needs sigmoid outputs; use "
			               "crossentropy with %s", nn_act_name(act));
		break;
	default:
		break;
	}
	if (w == 0)
		return nn_fail("the model has no outputs");
	return 0;
}

/* Softmax cross-entropy of one row of logits, -sum y (z - max) + sum(y)
 * log sum e^(z - max); dz, unless NULL, gets (p * sum(y) - y)/n. The
 * exponentials are float's (vmath.h), computed once, in dz, by a loop
 * that vectorises; the sums are double's. */
NN_HOT static double ce_logits(const float *restrict z,
                               const float *restrict y, size_t w,
                               float *restrict dz, double inv_n)
{
	float max = z[0];
	double sum = 0, ysum = 0, loss = 0, scale;

	for (size_t j = 1; j < w; j++)
		if (z[j] > max)
			max = z[j];
	for (size_t j = 0; j < w; j++) {
		loss -= y[j] * ((double)z[j] - max);
		ysum += y[j];
	}
	if (!dz) {
		for (size_t j = 0; j < w; j++)
			sum += nn_vexpf(z[j] - max);
		return loss + ysum * log(sum);
	}
	for (size_t j = 0; j < w; j++)
		dz[j] = nn_vexpf(z[j] - max);
	for (size_t j = 0; j < w; j++)
		sum += dz[j];
	scale = ysum / sum;
	for (size_t j = 0; j < w; j++)
		dz[j] = (float)((dz[j] * scale - y[j]) * inv_n);
	return loss + ysum * log(sum);
}

/* Rows of a softmax cross-entropy shared between the worker threads:
 * each part computes its rows' losses (into row) and gradients. */
typedef struct ce_job {
	const float *z, *y;
	float *dz;
	double *row, inv_n;
	size_t n, w;
} ce_job;

static void ce_part(void *ud, int part, int parts)
{
	const ce_job *j = ud;
	size_t lo = j->n * (size_t)part / (size_t)parts;
	size_t hi = j->n * (size_t)(part + 1) / (size_t)parts;

	for (size_t r = lo; r < hi; r++)
		j->row[r] = ce_logits(j->z + r * j->w, j->y + r * j->w, j->w,
		                      j->dz ? j->dz + r * j->w : NULL,
		                      j->inv_n);
}

/* The sum of the softmax cross-entropies of n rows, and their gradients
 * into dz unless NULL. A large batch's rows are shared between the
 * threads; their losses are still added in order, one after the other,
 * so the sum is the same on any number of threads. */
static double ce_rows(const float *z, const float *y, size_t n, size_t w,
                      float *dz, double inv_n)
{
	ce_job j = { z, y, dz, NULL, inv_n, n, w };
	double total = 0;

	if (n * w >= NN_PARALLEL_MIN_VALUES && n > 1 &&
	    nn_parallel_parts() > 1)
		j.row = malloc(n * sizeof *j.row);
	if (!j.row) {
		for (size_t r = 0; r < n; r++)
			total += ce_logits(z + r * w, y + r * w, w,
			                   dz ? dz + r * w : NULL, inv_n);
		return total;
	}
	nn_parallel(NN_MAX_PARTS, ce_part, &j);
	for (size_t r = 0; r < n; r++)
		total += j.row[r];
	free(j.row);
	return total;
}

/* Binary cross-entropy of sigmoid(z), stable for any z. */
static double bce_logits(float z, float y, float *dz, double inv_n)
{
	double loss = fmax(z, 0) - (double)z * y + log1p(exp(-fabs(z)));

	if (dz)
		*dz = (float)((1.0 / (1.0 + exp(-(double)z)) - y) * inv_n);
	return loss;
}

double nn_loss(nn_loss_kind k, nn_act act, const float *z, const float *out,
               const float *y, size_t n, size_t w, float *grad,
               int *dz_given)
{
	double total = 0, inv_n = 1.0 / (double)n;
	size_t len = n * w;
	const double eps = 1e-7;

	if (dz_given)
		*dz_given = nn_loss_fuses(k, act);
	if (k == NN_LOSS_CE && act == NN_ACT_SIGMOID)
		k = NN_LOSS_BCE;        /* cross-entropy of sigmoid outputs */
	if (k == NN_LOSS_CE || k == NN_LOSS_CE_NAIVE || k == NN_LOSS_NLL) {
		size_t labelled = nn_count_labelled(y, n, w);

		/* padded rows: no loss, and no share of the mean */
		inv_n = labelled ? 1.0 / (double)labelled : 0;
	}
	switch (k) {
	case NN_LOSS_MSE:
		for (size_t i = 0; i < len; i++) {
			double d = (double)out[i] - y[i];

			total += 0.5 * d * d;
			if (grad)
				grad[i] = (float)(d * inv_n);
		}
		break;
	case NN_LOSS_CE:
		total = ce_rows(z, y, n, w, grad, inv_n);
		break;
	case NN_LOSS_CE_NAIVE:
		for (size_t i = 0; i < len; i++) {
			total -= y[i] * log(out[i]);
			if (grad)
				grad[i] = (float)(-y[i] / out[i] * inv_n);
		}
		break;
	case NN_LOSS_BCE:
		if (act == NN_ACT_SIGMOID) {
			for (size_t i = 0; i < len; i++)
				total += bce_logits(z[i], y[i],
				                    grad ? grad + i : NULL,
				                    inv_n);
			break;
		}
		for (size_t i = 0; i < len; i++) {
			double p = fmin(fmax(out[i], eps), 1 - eps);

			total -= y[i] * log(p) + (1 - y[i]) * log(1 - p);
			if (grad)
				grad[i] = (float)((p - y[i]) / (p * (1 - p)) *
				                  inv_n);
		}
		break;
	case NN_LOSS_NLL:
		for (size_t i = 0; i < len; i++) {
			total -= (double)y[i] * out[i];
			if (grad)
				grad[i] = (float)(-y[i] * inv_n);
		}
		break;
	case NN_LOSS_COUNT:
		break;
	}
	return total * inv_n;
}

/* Whether a row of w > 1 targets has one (padding's are all 0). */
static int labelled(const float *t, size_t w)
{
	int any = 0;

	for (size_t j = 0; j < w; j++)  /* no early exit: no branch */
		any |= t[j] != 0;
	return any;
}

static size_t labelled_rows(const float *y, size_t n, size_t w)
{
	size_t count = 0;

	for (size_t r = 0; r < n; r++)
		count += labelled(y + r * w, w);
	return count;
}

/* The index of the first largest of v[0..w) (0 when v[0] is NaN), as a
 * loop of "if (v[j] > v[best]) best = j" finds it, without its branches
 * (which mispredict on about every other row). */
static size_t argmax(const float *v, size_t w)
{
	float top = v[0];
	size_t best = 0;

	for (size_t j = 1; j < w; j++) {
		int more = v[j] > top;

		top = more ? v[j] : top;
		best = more ? j : best;
	}
	return best;
}

/* The right answers among n rows of w outputs and their targets. */
static size_t count_rows(const float *out, const float *y, size_t n,
                         size_t w, float mid)
{
	size_t correct = 0;

	for (size_t r = 0; r < n; r++) {
		const float *o = out + r * w, *t = y + r * w;

		if (w == 1)
			correct += (o[0] >= mid) == (t[0] >= 0.5f);
		else if (labelled(t, w))
			correct += argmax(o, w) == argmax(t, w);
	}
	return correct;
}

/* A count over the rows of a large batch shared between the threads:
 * the right answers, or without outputs the labelled rows. */
typedef struct count_job {
	const float *out, *y;
	size_t n, w;
	float mid;
	size_t count[NN_MAX_PARTS];
} count_job;

static void count_part(void *ud, int part, int parts)
{
	count_job *j = ud;
	size_t lo = j->n * (size_t)part / (size_t)parts;
	size_t hi = j->n * (size_t)(part + 1) / (size_t)parts;
	const float *y = j->y + lo * j->w;

	j->count[part] = j->out ? count_rows(j->out + lo * j->w, y, hi - lo,
	                                     j->w, j->mid)
	                        : labelled_rows(y, hi - lo, j->w);
}

/* count_rows (out) or labelled_rows (out NULL) of the n rows. */
static size_t count(const float *out, const float *y, size_t n, size_t w,
                    float mid)
{
	count_job j = { out, y, n, w, mid, { 0 } };
	size_t total = 0;
	int parts;

	if (n * w < NN_PARALLEL_MIN_VALUES || n < 2 ||
	    nn_parallel_parts() < 2)
		return out ? count_rows(out, y, n, w, mid)
		           : labelled_rows(y, n, w);
	parts = nn_parallel(NN_MAX_PARTS, count_part, &j);
	for (int p = 0; p < parts; p++)
		total += j.count[p];
	return total;
}

size_t nn_count_labelled(const float *y, size_t n, size_t w)
{
	return w == 1 ? n : count(NULL, y, n, w, 0.5f);
}

size_t nn_count_correct(const float *out, const float *y, size_t n, size_t w,
                        float mid)
{
	return count(out, y, n, w, mid);
}

float nn_target_mid(float lo, float hi)
{
	return lo < hi ? 0.5f * (lo + hi) : 0.5f;
}
