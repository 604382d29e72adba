/* nn_stats.h - per-layer statistics over a run: at the history's points,
 * each parameter tensor's weights and gradients summed up (mean, std,
 * min, max and a histogram of NN_STATS_BINS bins), for at most
 * NN_STATS_KEEP points: when that many are kept, every other one goes and
 * only every other point is recorded from then on. */
#ifndef NN_STATS_H
#define NN_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "nn.h"

#define NN_STATS_BINS 32
#define NN_STATS_KEEP 200

/* One tensor's values: mean, std, min and max of the finite ones (NAN
 * when there are none), how many are not finite, and the finite ones
 * counted in NN_STATS_BINS equal bins over [min, max] (all in the
 * middle bin when min == max). */
typedef struct nn_tsummary {
	double mean, std, min, max;
	size_t nonfinite;
	uint32_t bins[NN_STATS_BINS];
} nn_tsummary;

/* One parameter tensor at one point. */
typedef struct nn_stats_tensor {
	int layer;              /* 0-based node */
	int k;                  /* its parameter index in that node */
	char name[16];          /* "W", "b", ... */
	size_t size;
	nn_tsummary w, g;       /* its values and its gradient */
} nn_stats_tensor;

/* The tensors of one history point. */
typedef struct nn_stats_point {
	size_t point;           /* its index in the history (0-based) */
	int epoch;
	long iter;
	int n;
	nn_stats_tensor *t;
} nn_stats_point;

/* The recorded points, oldest first. */
typedef struct nn_stats_hist {
	nn_stats_point *p;
	size_t n;
	long every;             /* history points recorded: those whose
	                         * index is a multiple of this (1, 2, 4...) */
} nn_stats_hist;

/* Sum up the n values of v into s. */
void nn_tsummarize(const float *v, size_t n, nn_tsummary *s);

/* Spread s's histogram over nb equal bins of [lo, hi] into out (each
 * stored bin's count divided evenly over its width; a summary of one
 * value lands in the bin holding it; counts outside are dropped). */
void nn_tsummary_rebin(const nn_tsummary *s, double lo, double hi,
                       double *out, int nb);

/* Record m's parameters and gradients for the history's last point when
 * it is due (its index a multiple of the stride), thinning first when
 * NN_STATS_KEEP points are kept. 0, or -1 with a message (nothing
 * changed). */
int nn_stats_record(nn_history *h, const nn_model *m);

/* Append point p as it is (taking its tensors) without thinning: for
 * readers of files. 0, or -1 with a message (p's tensors freed). */
int nn_stats_append(nn_history *h, nn_stats_point *p);

/* In model files, one row of NN_STATS_COLS doubles per tensor and point:
 * point, epoch, iter, layer, k, size, then for the values and for the
 * gradient mean, std, min, max, nonfinite and the bins. */
#define NN_STATS_COLS (6 + 2 * (5 + NN_STATS_BINS))

/* h's statistics as rows, those of tensors that m still has with the
 * same size (a file's reader checks that): count in *nrows; NULL with a
 * message when out of memory (none kept: a valid pointer, 0 rows). */
double *nn_stats_rows(const nn_history *h, const nn_model *m,
                      size_t *nrows);

/* Set h's statistics (h has none yet, and holds its points) from nrows
 * rows read from a file, recorded every `every` points, checking each
 * against h and against model m (the tensor it names must exist with that
 * size). 0, or -1 with a message naming the bad row (h unchanged). */
int nn_stats_from_rows(nn_history *h, const nn_model *m, const double *v,
                       size_t nrows, long every);

/* Free the recorded statistics of h. */
void nn_stats_free(nn_history *h);

#endif
