/* recur.h - what the recurrent kinds (rnn.c, lstm.c, gru.c) share: their
 * configuration, setup and description; the time-major layout of their
 * scratch; the input product of every step as one product; the cut of a
 * batch into groups of samples whose recurrences run apart (on the
 * worker threads); each step's outputs and output gradients; and the
 * weight and input gradients as one product each.
 *
 * Every kind has parameters in the same order: the input weights Wih
 * (G x C, where G is H times the kind's gates), the recurrent weights
 * Whh (G x H), the bias of the input product and, for lstm and gru, the
 * bias of the recurrent product. Its scratch holds, for n samples of T
 * steps, time-major matrices: the row of sample i at step t is row
 * t n + i, so that one step of a group of samples is a block of
 * consecutive rows, and the rows of steps 1..T-1 follow those of steps
 * 0..T-2 at a fixed distance. The state before the first step, zero, is
 * kept as a step -1 before step 0, so that every step reads a previous
 * one. */
#ifndef NN_RECUR_H
#define NN_RECUR_H

#include <stddef.h>

#include "layer.h"

/* The configuration of every recurrent kind (L->cfg). */
typedef struct nn_recur_cfg {
	int hidden;             /* units */
	int gates;              /* rows of Wih per unit: rnn 1, gru 3,
	                         * lstm 4 */
	int relu;               /* rnn: ReLU, else tanh */
	int last;               /* seq=last: only the last step comes out */
	int bptt;               /* steps gradients go back, or 0: all */
} nn_recur_cfg;

/* The options of lstm and gru: UNITS, seq=all|last, bptt=K. rnn's are
 * the same with tanh|relu after UNITS. */
extern const nn_layer_opt nn_recur_opts[];

/* Setup of a recurrent kind: checks that the input is a sequence, fills
 * L->cfg (an nn_recur_cfg) with units hidden, gates, relu, last and
 * bptt, sets the output shape and the parameter slots named names[0..3]
 * (rnn's names[3] is NULL: one bias). 0, or -1 with a message. */
int nn_recur_setup(nn_layer *L, int hidden, int gates, int relu, int last,
                   int bptt, const char *const *names);

/* "lstm 128 seq=last bptt=8", as typed to build it. */
void nn_recur_describe(const nn_layer *L, char *buf, size_t len);

/* A batch of a recurrent layer and the scratch every kind has. */
typedef struct nn_recur {
	size_t n, T, C, H;      /* samples, steps, inputs and units a step */
	size_t G;               /* rows of Wih: H times the gates */
	const nn_recur_cfg *cfg;
	float *xt;              /* T n x C: the inputs, time-major */
	float *hs;              /* T n x H: every h_t, after n rows of
	                         * zeros, h_{-1} (hs - n H) */
	float *dxt;             /* T n x C: the input gradients */
	float *wt;              /* H x G: Whh^T, read by the steps forward */
	float *bias;            /* G: the bias the kind adds to the input
	                         * product (lstm: bih + bhh) */
	float *own;             /* the kind's part of the scratch */
} nn_recur;

/* Floats of scratch for n samples: the shared part and, for the kind,
 * per_row floats for each of the n T rows and per_sample for each
 * sample. */
size_t nn_recur_scratch(const nn_layer *L, size_t n, size_t per_row,
                        size_t per_sample);

/* The batch of n samples of L, its shared scratch pointed into
 * L->scratch. */
nn_recur nn_recur_batch(const nn_layer *L, size_t n);

/* The start of a forward pass: xt = x (n x T x C) time-major; out (T n
 * rows, ldo apart) = xt Wih^T, every step's input product as one
 * product; bias = b1 (+ b2 unless NULL), for the kind to add where it
 * reads out; wt = Whh^T; h_{-1} = 0. */
void nn_recur_begin(const nn_recur *r, const float *x,
                    const float *Wih, const float *Whh, const float *b1,
                    const float *b2, float *out, size_t ldo);

/* Call fn(ud, part, parts) for each group of samples of the batch, on
 * the worker threads (nn_parallel, which keeps the times of each fn
 * apart: a kind passes a function of its own for each direction). A
 * group runs every step of its samples, from nn_recur_first's, and uses
 * nn_sgemm_serial. The groups depend on n alone (16 samples or more
 * each), so the numbers do not depend on the thread count. */
void nn_recur_groups(const nn_recur *r,
                     void (*fn)(void *ud, int part, int parts), void *ud);

/* The first sample of group part of parts (n for part = parts): the
 * group's samples are [first(part), first(part + 1)). */
size_t nn_recur_first(const nn_recur *r, int part, int parts);

/* z, the layer's output (n x T x H, or n x H for seq=last), for samples
 * [lo, hi) from hs. */
void nn_recur_output(const nn_recur *r, float *z, size_t lo, size_t hi);

/* dh (hi - lo rows of H) += the gradient of samples [lo, hi) at step t
 * from dz, the gradient of the layer's output. */
void nn_recur_add_dz(const nn_recur *r, const float *dz, size_t t,
                     size_t lo, size_t hi, float *dh);

/* Whether the gradient goes back from step t to step t - 1: not from
 * step 0, nor at a multiple of bptt=K. */
static inline int nn_recur_carries(const nn_recur *r, size_t t)
{
	size_t K = (size_t)r->cfg->bptt;

	return t > 0 && (K == 0 || t % K != 0);
}

/* The end of a backward pass, from di (T n x G), the gradients of the
 * input product, and dr, those of the recurrent product (di itself for
 * rnn and lstm): dWih = di^T xt, dWhh = the sum over t >= 1 of dr_t^T
 * h_{t-1} (each one product), the biases' gradients (bhh's from dr;
 * lstm's two biases get the same), unless L->input_only; and dx = di
 * Wih (n x T x C) unless dx is NULL. */
void nn_recur_end(const nn_recur *r, nn_layer *L, const float *di,
                  const float *dr, float *dx);

#endif
