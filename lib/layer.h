/* layer.h - the internal interface every layer kind implements.
 *
 * A layer computes z = core(x); the model then applies the layer's
 * activation a = act(z) (identity for most kinds but dense and conv), so
 * activation code lives in one place (act.c). Each kind lives in its own
 * file as an nn_layer_class and is listed once in layers.c.
 *
 * Parameters live in the model's single block: a layer records an offset
 * per parameter tensor and the model keeps `val`/`grad` pointers current.
 * A tied slot points at another node's tensor (same offset).
 *
 * Most kinds take one input (x, dx). Merge kinds (sum, mul, concat) take
 * several: their class sets max_in and the forward_n/backward_n pair,
 * and their setup reads L->nin and L->ins[].
 */
#ifndef NN_LAYER_H
#define NN_LAYER_H

#include "nn.h"

#define NN_MAXPARAMS 4

typedef struct nn_layer_class nn_layer_class;

typedef struct nn_param_slot {
	const char *name;       /* "W", "b" */
	nn_shape shape;
	size_t size;
	size_t offset;          /* into the model's parameter block */
	int decay;              /* weight decay applies */
	int is_bias;            /* initialised with the bias value */
	int fixed;              /* always initialised to `start` (batchnorm's
	                         * scale and running statistics) */
	float start;
	int fan_in, fan_out;    /* for scaled initialisers */
	int tied;               /* node (1-based) whose tensor this is, or 0 */
	int transposed;         /* a tied dense weight read transposed */
	int clean;              /* during backward: the gradient is not yet
	                         * written this pass (see model.c) */
	float *val, *grad;      /* current pointers into the blocks */
} nn_param_slot;

struct nn_layer {
	const nn_layer_class *cls;
	int src;                /* index of the (first) input node, -1 = the
	                         * model input */
	int nin;                /* inputs: src[0..nin) */
	int srcs[NN_MAXIN];
	nn_shape ins[NN_MAXIN];  /* their shapes; in is ins[0] */
	char name[NN_MAXNAME];  /* the node's name, or "" */
	int feeds;              /* it or a node before it has parameters */
	int lo, hi;             /* slice */
	int transpose;          /* dense: its tied weight is read transposed */
	nn_shape in, out;
	size_t in_size, out_size;
	nn_act act;
	float alpha;
	/* configuration, as each kind needs it */
	int units;
	float rate;
	int nobias;
	int kh, kw, sh, sw;     /* convolution and pooling: kernel, strides */
	int ph, pw;             /* padding before the first row and column */
	int same;               /* the padding was chosen by `same` */
	int outpad;             /* convt */
	int scale;              /* upsample */
	float momentum, eps;    /* batchnorm, layernorm */
	nn_layer_spec spec;     /* as added (kind unset), to rebuild it */
	/* parameters */
	int nparams;
	nn_param_slot p[NN_MAXPARAMS];
	/* per-batch scratch owned by the layer (dropout mask, workspaces) */
	size_t cap;             /* samples the scratch has room for */
	float *scratch;
	void *priv;             /* kind-specific state, or NULL */
};

struct nn_layer_class {
	const char *kind;
	/* Check spec against L->in; set L->out, configuration and parameter
	 * slots (shape, fans; offsets are assigned by the model). */
	int (*setup)(nn_layer *L, const nn_layer_spec *spec);
	/* z = core(x) for n samples. */
	void (*forward)(nn_layer *L, const float *x, float *z, size_t n,
	                int training, nn_rng *rng);
	/* From dz = dL/dz, write the parameter gradients (overwriting) and,
	 * when dx is not NULL, dL/dx. */
	void (*backward)(nn_layer *L, const float *x, const float *dz,
	                 float *dx, size_t n);
	/* Floats of scratch needed for n samples (NULL: none). */
	size_t (*scratch_size)(const nn_layer *L, size_t n);
	/* One-line description: "dense 200 sigmoid" (the activation is added
	 * by the caller). */
	void (*describe)(const nn_layer *L, char *buf, size_t len);
	/* Merge kinds: at most max_in inputs (0 for single-input kinds),
	 * z from the inputs x[0..nin), and from dz each dx[k] (overwritten;
	 * NULL when that input needs no gradient). */
	int max_in;
	void (*forward_n)(nn_layer *L, const float *const *x, float *z,
	                  size_t n);
	void (*backward_n)(nn_layer *L, const float *const *x,
	                   const float *dz, float *const *dx, size_t n);
	/* Release priv (NULL: nothing to do). */
	void (*destroy)(nn_layer *L);
	/* Copy priv into a fresh copy of the layer (NULL: no priv). */
	int (*clone)(nn_layer *dst, const nn_layer *src);
};

/* Look up a kind by name; NULL when unknown. */
const nn_layer_class *nn_layer_class_find(const char *kind);

/* Refuse a layer (what: "dense 2") whose units would each take more
 * than INT_MAX inputs, saying how many parameters it would have needed
 * (0: it has none, and inputs are its values per sample). Returns -1. */
int nn_layer_too_large(const char *what, size_t inputs, size_t params);

/* Add a parameter slot to L during setup. */
void nn_layer_param(nn_layer *L, const char *name, const nn_shape *shape,
                    int is_bias, int fan_in, int fan_out);

/* The kinds model.c names itself; every kind is listed in layers.c. */
extern const nn_layer_class nn_dense_class;
extern const nn_layer_class nn_activation_class;

#endif
