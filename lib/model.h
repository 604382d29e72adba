/* model.h - inside libnn: the model's structure, shared by model.c (the
 * graph), passes.c (its buffers and passes) and penalty.c (loss terms on
 * nodes). */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include "layer.h"

#define MAX_PENALTIES 16

struct nn_model {
	nn_shape input;
	size_t in_size;
	nn_layer **layers;
	size_t nlayers, cap;
	float *params, *grads;
	size_t nparams;
	size_t room;            /* floats each block has room for */
	size_t max_params;      /* nn_model_add refuses more; 0: no limit */
	nn_penalty pen[MAX_PENALTIES];
	size_t npen;
	/* buffers for batches of up to `batch` samples, in one block */
	size_t batch;
	float *block;
	float **z, **a, **dz, **da;
	float **abuf;           /* each node's own output buffer: a[i] is
	                         * abuf[i] unless node i passed the lent
	                         * input on */
	const float *lent;      /* input that passing nodes may pass on */
	size_t lent_len;        /* its floats */
	float *dx;              /* dL/dx of the input, when asked for */
	float *tmp;             /* input gradients to be added */
	float *gtmp;            /* parameter gradients to be added */
	char *written;          /* per node: da written in this pass */
	int dx_ok;              /* dx holds the last pass's input gradient */
	const float *x;         /* input of the last forward pass */
	size_t n;               /* samples in the last forward pass */
	int pruned;             /* the last backward pass skipped deltas no
	                         * parameter gradient needs */
};

/* Whether an activation follows a node's core (its z and a differ). */
static inline int nn_has_act(nn_act a)
{
	return a != NN_ACT_LINEAR;
}

/* Free the per-node buffers (passes.c); the next pass allocates them. */
void nn_model_free_buffers(nn_model *m);

/* Add the penalty terms' gradient on node i's output to da (the last
 * forward pass's n samples, averaged like the loss). */
void nn_penalty_grads(const nn_model *m, size_t i, float *da, size_t n);
/* Whether node i carries a penalty term. */
int nn_has_penalty(const nn_model *m, size_t i);

/* Node L's own core on n samples of its inputs in[] (evaluation mode),
 * and its backward pass from dz (parameter gradients into its slots'
 * grad pointers, dx[k] where not NULL): the R-operator's and sdlm's
 * passes, which point the slots elsewhere (hvp.c). */
void nn_node_forward(nn_layer *L, const float *const *in, float *z,
                     size_t n, nn_rng *rng);
void nn_node_backward(nn_layer *L, const float *const *in, const float *dz,
                      float *const *dx, size_t n);

#endif
