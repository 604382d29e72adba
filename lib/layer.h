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
 * A kind declares the arguments and options it takes in a table
 * (nn_layer_opt); layers.c parses a spec's words against it, with the
 * same checks and messages for every kind, and setup reads the values.
 *
 * Most kinds take one input (x, dx). Merge kinds (sum, mul, concat) take
 * several: their class sets max_in and the forward_n/backward_n pair,
 * and their setup reads L->nin and L->ins[].
 *
 * A kind's configuration (units, kernel, rate...) is a struct of its own,
 * declared in its file: the class gives its size (cfg_size), the model
 * allocates it zeroed in L->cfg before setup, copies it with the layer
 * and frees it, and the kind reads it as `const dense_cfg *cfg = L->cfg`.
 */
#ifndef NN_LAYER_H
#define NN_LAYER_H

#include "nn.h"

#define NN_MAXPARAMS 4

typedef struct nn_layer_class nn_layer_class;

/* What an argument or option of a kind is. */
typedef enum nn_opt_type {
	NN_OPT_INT,             /* a whole number in [lo, hi] */
	NN_OPT_REAL,            /* a number in [lo, hi] */
	NN_OPT_SIZE,            /* 5 or 5x3 (height x width), sides <= hi */
	NN_OPT_SHAPE,           /* a per-sample shape: 8x7x7 */
	NN_OPT_RANGE,           /* FROM..TO, 1-based and inclusive */
	NN_OPT_FLAG,            /* its key as a word on its own: nobias */
	NN_OPT_CHOICE           /* one of the words in `words`: tanh relu */
} nn_opt_type;

/* One argument or option of a kind. Tables end with an entry whose name
 * is NULL. Positional arguments (pos > 0) are the kind's numbers in the
 * order typed; one may also have a key (conv's kernel). */
typedef struct nn_layer_opt {
	const char *name;       /* in usage lines: "UNITS", "stride" */
	const char *key;        /* key=VALUE (a flag: the word), or NULL */
	const char *alias;      /* another key for it ("padding"), or NULL */
	nn_opt_type type;
	int pos;                /* 1, 2...: its place among the numbers */
	double lo, hi;          /* INT, REAL: the range; SIZE: largest side */
	double def;             /* value when not given */
	const char *words;      /* INT: a word it takes too, stored as lo - 1
	                         * ("same"); CHOICE: the words, by blanks */
	const char *help;       /* what it is: "number of units" ("2.5 is
	                         * not a number of units") */
} nn_layer_opt;

#define NN_MAXOPTS 12

/* A parsed argument or option, in the order of its kind's table. */
typedef struct nn_optval {
	int given;              /* typed, not the default */
	double num;             /* INT, REAL, FLAG (1), CHOICE (the index) */
	int a, b;               /* SIZE: height, width; RANGE: [a, b) from 0 */
	nn_shape shape;         /* SHAPE */
} nn_optval;

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
	int state;              /* state, not trained (batchnorm's running
	                         * statistics): its gradient is always 0 */
	int fan_in, fan_out;    /* for scaled initialisers */
	int tied;               /* node (1-based) whose tensor this is, or 0 */
	int transposed;         /* a tied dense weight read transposed */
	int clean;              /* during backward: the gradient is not yet
	                         * written this pass (see passes.c) */
	int applied;            /* SGD's step was taken on it in the last
	                         * backward pass, its gradient not written
	                         * (nn_model_backward_sgd) */
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
	nn_shape in, out;
	size_t in_size, out_size;
	int in_seq;             /* its first input is a sequence */
	int in_seqs;            /* bit k: input k is a sequence */
	int seq;                /* its output is a sequence: out.dim[0]
	                         * positions of out.dim[1] values, which
	                         * dense, layernorm and softmax take one at a
	                         * time. Set by setup, or kept by the model
	                         * when the output has the input's shape. */
	nn_act act;
	float alpha;
	nn_shape model_in;      /* the model's input shape, and its input in */
	const float *model_x;   /* the current forward pass (attention's pad=
	                         * reads the token ids) */
	nn_layer_spec spec;     /* as added (kind, args and name unset), to
	                         * rebuild it */
	char args[NN_MAXARGS];  /* spec's args */
	/* parameters */
	int nparams;
	nn_param_slot p[NN_MAXPARAMS];
	/* per-batch scratch owned by the layer (dropout mask, workspaces) */
	size_t cap;             /* samples the scratch has room for */
	float *scratch;
	void *priv;             /* kind-specific state, or NULL */
	void *cfg;              /* the kind's configuration: cls->cfg_size
	                         * zeroed bytes for its own struct, set by
	                         * setup, copied with the layer and freed
	                         * by the model (NULL when cfg_size is 0) */
	int input_only;         /* set during a backward pass that wants dx
	                         * alone (nn_model_backward_input): a kind
	                         * may skip its parameter gradients */
	float sgd_lr;           /* set during nn_model_backward_sgd: a kind
	                         * may take plain SGD's step at this rate on
	                         * a tensor instead of writing its gradient,
	                         * and then sets the slot's applied */
	/* A ReLU the kind applies itself (cls->fuses_relu), set by the model
	 * around its passes and NULL otherwise. Forward writes relu(z) to
	 * fused_a as well as z. Backward is given dz unwritten: before it
	 * reads a sample's dz, it writes it (fused_dz is the same buffer):
	 * fused_da where fused_z > 0, else +0, bit for bit what the ReLU's
	 * own pass would have written. */
	float *fused_a, *fused_dz;
	const float *fused_da, *fused_z;
};

struct nn_layer_class {
	const char *kind;
	/* Bytes of its configuration struct (L->cfg), or 0. */
	size_t cfg_size;
	/* Its arguments and options (NULL: none). */
	const nn_layer_opt *opts;
	/* Check the values v of its options (in opts' order) and spec's
	 * graph fields against L->in; set L->out, configuration and parameter
	 * slots (shape, fans; offsets are assigned by the model). */
	int (*setup)(nn_layer *L, const nn_layer_spec *spec,
	             const nn_optval *v);
	/* z = core(x) for n samples. */
	void (*forward)(nn_layer *L, const float *x, float *z, size_t n,
	                int training, nn_rng *rng);
	/* From dz = dL/dz, write the parameter gradients (overwriting) and,
	 * when dx is not NULL, dL/dx. */
	void (*backward)(nn_layer *L, const float *x, const float *dz,
	                 float *dx, size_t n);
	/* Floats of scratch needed for n samples (NULL: none). */
	size_t (*scratch_size)(const nn_layer *L, size_t n);
	/* forward copies the input unchanged (flatten, reshape): the model
	 * may pass its input on instead (nn_model_lend_input). */
	int passes;
	/* forward and backward honour fused_a and fused_da (see nn_layer):
	 * the model then skips a ReLU's own passes over the batch. */
	int fuses_relu;
	/* One-line description: "dense 200 sigmoid" (the activation is added
	 * by the caller). */
	void (*describe)(const nn_layer *L, char *buf, size_t len);
	/* Merge kinds: at most max_in inputs (0 for single-input kinds),
	 * z from the inputs x[0..nin), and from dz each dx[k] (overwritten;
	 * NULL when that input needs no gradient). */
	int max_in;
	/* The fewest inputs such a kind takes (0: two; attention: 1). */
	int min_in;
	void (*forward_n)(nn_layer *L, const float *const *x, float *z,
	                  size_t n);
	void (*backward_n)(nn_layer *L, const float *const *x,
	                   const float *dz, float *const *dx, size_t n);
	/* Release priv (NULL: nothing to do). */
	void (*destroy)(nn_layer *L);
	/* Copy priv into a fresh copy of the layer (NULL: no priv). */
	int (*clone)(nn_layer *dst, const nn_layer *src);
	/* A kind linear by pieces, without parameters (maxpool): right
	 * after a forward pass of x, rz = J(x) rx, the change of z along
	 * rx (the R-operator of hvp.c; backward gives J' already). NULL
	 * for other kinds. */
	void (*rforward)(nn_layer *L, const float *rx, float *rz, size_t n);
};

/* Look up a kind by name; NULL when unknown. */
const nn_layer_class *nn_layer_class_find(const char *kind);

/* Parse args (words: numbers, flags, key=value) against cls's options
 * into v[0..NN_MAXOPTS), defaults where not given; ctx begins messages
 * about a word ("add dense"). 0, or -1 with a one-line message. */
int nn_layer_parse(const nn_layer_class *cls, const char *args,
                   const char *ctx, nn_optval *v);

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
