/* train.h - inside libnn: what the training loop (train.c) shares with
 * evaluation (evaluate.c) and with its NaN guard (guard.c). */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include "nn.h"

/* Check that d fits m: input size and target width; what names the data
 * in the message ("training", "validation"...). 0, or -1 with a
 * message. */
int nn_check_fit(const nn_model *m, const nn_dataset *d, const char *what);

/* A batch's inputs, targets, output gradient and sample indices. */
typedef struct nn_batch_bufs {
	float *x, *y, *grad;
	size_t *idx;
} nn_batch_bufs;

/* Buffers for batches of up to batch samples of d and nidx indices. 0,
 * or -1 with a message (nothing left allocated). */
int nn_bufs_alloc(nn_batch_bufs *b, const nn_dataset *d, size_t batch,
                  size_t nidx);
void nn_bufs_free(nn_batch_bufs *b);

/* Map the 0/1 targets y[0..len) of a labelled set to lo/hi (nothing when
 * lo == hi or d is not labelled). */
void nn_map_targets(const nn_dataset *d, float *y, size_t len, float lo,
                    float hi);

/* Sequences among n whose labelled rows (rows of w outputs each) are all
 * right (mid: nn_count_correct's). */
size_t nn_count_seqs(const float *out, const float *y, size_t n,
                     size_t rows, size_t w, float mid);

/* nn_evaluate_targets, and whole sequences right into *seqs_out (may be
 * NULL); interruptible: give up between batches when the interrupt flag
 * is set (training's own validation passes run to the end, and the
 * training loop stops after them). */
int nn_evaluate_pass(nn_model *m, nn_loss_kind loss, const nn_dataset *d,
                     size_t batch, float lo, float hi, float dz,
                     double *loss_out, double *acc_out, size_t *correct_out,
                     size_t *seqs_out, int interruptible);

/* Whether v[0..n) are all finite: no value has an exponent of all ones
 * (NaN or infinity). */
int nn_all_finite(const float *v, size_t n);

/* Whether every layer's delta of the last backward pass over n samples
 * is finite (osz: each layer's output size). */
int nn_deltas_finite(const nn_model *m, const size_t *osz, size_t n);

/* Say where the first NaN or infinity of the last pass over n samples
 * came from: the first layer whose output has one, else the loss l, else
 * the first layer (from the top) whose delta has one; iter and kept
 * (what happened to the weights) go into the message, and what to try,
 * which depends on the method `kind` and its rate lr. Returns -1. */
int nn_guard_fail(const nn_model *m, nn_loss_kind loss, const size_t *osz,
                  size_t n, long iter, double l, nn_optim_kind kind,
                  double lr, const char *kept);

/* Whether m's weights are all finite: 0 if so, else -1 and a message
 * naming the first tensor that is not, as the guard found it before
 * iteration iter, with kept (what happened to the weights); kept NULL:
 * before training began. */
int nn_guard_weights(const nn_model *m, long iter, const char *kept);

#endif
