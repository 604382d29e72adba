/* ranks.h - inside libnn: what the training loop needs for data-parallel
 * runs beside its own step (see nn_ranks in nn.h). */
#ifndef NN_RANKS_H
#define NN_RANKS_H

#include "nn.h"

/* Refuse what cannot be shared between rk->size ranks: a batch smaller
 * than the ranks, batch norm. 0, or -1 with a message. */
int nn_ranks_check(const nn_ranks *rk, const nn_model *m, size_t batch);

/* The first sync of a run: every rank must hold the same weights and
 * optimizer state, the same training and validation data (val may be
 * NULL), the same run settings and random state. 0, or -1 with a message
 * naming the first rank that differs and in what. */
int nn_ranks_begin(const nn_ranks *rk, nn_model *m, const nn_optim *o,
                   const nn_dataset *d, const nn_dataset *val,
                   const nn_run *r, int loss);

/* The first sync of a GAN run: the same weights and optimizer states of
 * g and d, the same data, settings and random state on every rank. 0, or
 * -1 as nn_ranks_begin. */
int nn_ranks_gan_begin(const nn_ranks *rk, const nn_gan *s, nn_model *g,
                       const nn_optim *og, nn_model *d, const nn_optim *od,
                       const nn_dataset *data);

/* A full-batch closure's evaluation summed over the ranks: rc and *l are
 * this rank's (-1 when its forward pass failed; *l its mean loss over its
 * c->n samples), its gradient in nn_model_grads when want_grad. Leaves
 * the mean loss over c->total samples in *l, with the gradient of that
 * mean in nn_model_grads on every rank, and returns 0; -1 (message set)
 * when a rank failed. */
int nn_ranks_closure_sum(const nn_closure *c, int rc, double *l,
                         int want_grad);

/* v[0..n) summed over the ranks in place (failed: this rank failed, its
 * message set). 0, or -1 with a message. */
int nn_ranks_sum_doubles(const nn_ranks *rk, double *v, size_t n,
                         int failed);

/* The last sync of a run: the weights must have stayed equal. */
int nn_ranks_end(const nn_ranks *rk, nn_model *m);

#endif
