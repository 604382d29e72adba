/* nn.h - the public interface of libnn, the nnsh engine.
 *
 * libnn builds, trains and evaluates small neural networks. It never touches
 * the terminal: functions return a status (0 on success, -1 on failure) and
 * leave a one-line message for nn_error(). Nothing here prints or exits.
 *
 * Conventions: tensors are float32, row-major; a batch of images is NCHW.
 * A shape (nn_shape) is always per sample: the batch dimension is separate.
 */
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>

#define NN_VERSION "0.1.0"
#define NN_MAXDIM 4
#define NN_MAXIN 8              /* inputs of one node of a model */
#define NN_MAXNAME 32           /* bytes of a node name, with its NUL */

/* ---- errors ------------------------------------------------------------ */

/* The message left by the last failing call in this thread. */
const char *nn_error(void);
/* Set the message (printf-style) and return -1, for `return nn_fail(...)`. */
int nn_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- shapes ------------------------------------------------------------ */

typedef struct nn_shape {
	int ndim;             /* 1..NN_MAXDIM */
	int dim[NN_MAXDIM];
} nn_shape;

/* The most values one sample may have (2^36): nn_shape_parse refuses
 * larger shapes and nn_model_add larger layer outputs, so that sizes in
 * bytes of any batch fit in 64 bits. */
#define NN_MAX_VALUES ((size_t)1 << 36)

/* Number of elements in a shape; SIZE_MAX when that does not fit. */
size_t nn_shape_size(const nn_shape *s);
/* *r = a * b in 64 bits; -1 (and *r = SIZE_MAX) when it overflows. */
int nn_size_mul(size_t a, size_t b, size_t *r);
/* Parse "784", "1x28x28" or "3,32,32" into *s: 1 to NN_MAXDIM sizes of
 * 1..2^24 each, NN_MAX_VALUES values at most. Returns 0 or -1. */
int nn_shape_parse(const char *text, nn_shape *s);
/* Write "1x28x28" into buf; returns buf. */
char *nn_shape_str(const nn_shape *s, char *buf, size_t len);
/* 1 if both shapes are the same. */
int nn_shape_eq(const nn_shape *a, const nn_shape *b);

/* ---- random numbers ---------------------------------------------------- */

/* xoshiro256**: small, fast, and the same numbers on every machine. */
typedef struct nn_rng { uint64_t s[4]; } nn_rng;

void nn_rng_seed(nn_rng *r, uint64_t seed);
uint64_t nn_rng_next(nn_rng *r);
/* out[i] = the upper 32 bits of the next n numbers of nn_rng_next, with
 * the state kept in registers (for a value per element: dropout). */
void nn_rng_fill32(nn_rng *r, uint32_t *out, size_t n);
/* Uniform in [0, 1). */
double nn_rng_uniform(nn_rng *r);
/* Standard normal (Box-Muller, one value per call). */
double nn_rng_normal(nn_rng *r);
/* Uniform integer in [0, n); n > 0. */
uint32_t nn_rng_below(nn_rng *r, uint32_t n);
/* Fisher-Yates shuffle of n indices. */
void nn_rng_shuffle(nn_rng *r, size_t *idx, size_t n);

/* ---- tensors ----------------------------------------------------------- */

/* A dense float tensor that owns its data; used for values the user types
 * or asks to see (vectors, matrices, parameters copied out of a model). */
typedef struct nn_tensor {
	nn_shape shape;
	float *data;
} nn_tensor;

/* Allocate a zeroed tensor of the given shape; NULL and a message on
 * failure. */
nn_tensor *nn_tensor_new(const nn_shape *s);
void nn_tensor_free(nn_tensor *t);
size_t nn_tensor_size(const nn_tensor *t);

/* ---- datasets ---------------------------------------------------------- */

/* n samples of one input shape. Inputs are either bytes (images, scaled by
 * xscale when a batch is gathered), floats, or token ids (sequences: ids
 * in [0, vocab), gathered as their values for an embed layer to read).
 * Targets are class labels, a float vector per sample, or both (labels
 * win when a batch is gathered), or a class per position (ytok: ylen
 * labels per sample, in [0, nclasses), or -1 where a position has no
 * label, as padding has not: it carries no loss and no accuracy; ysize
 * is ylen * nclasses). */
typedef struct nn_dataset {
	size_t n;
	nn_shape xshape;       /* per-sample input shape */
	size_t xsize;          /* elements per sample */
	uint8_t *xbytes;       /* n * xsize bytes, or NULL */
	float xscale;          /* multiplier for xbytes (1/255 for images) */
	float *x;              /* n * xsize floats, or NULL */
	int nclasses;          /* > 0 for classification; 0 for regression */
	int32_t *labels;       /* n labels in [0, nclasses), or NULL */
	size_t ysize;          /* target width: nclasses, or the float width */
	float *y;              /* n * ysize floats, or NULL */
	char **class_names;    /* nclasses names, or NULL */
	int32_t *xtok;         /* n * xsize token ids, or NULL */
	int vocab;             /* ids of xtok are below it */
	int32_t *ytok;         /* n * ylen labels, one per position, or NULL */
	size_t ylen;           /* positions labelled per sample (ytok) */
	char **tokens;         /* vocab names of the input ids, or NULL */
	int pad;               /* the input id that pads sequences, or -1 */
} nn_dataset;

/* An empty dataset ready to be filled (pad -1); NULL on allocation
 * failure. */
nn_dataset *nn_dataset_new(void);
void nn_dataset_free(nn_dataset *d);
/* Deep copy. */
nn_dataset *nn_dataset_copy(const nn_dataset *d);
/* A new dataset holding the samples idx[0..count) of d, in that order. */
nn_dataset *nn_dataset_subset(const nn_dataset *d, const size_t *idx,
                              size_t count);
/* Copy samples idx[0..count) into x (count * xsize floats) and, if y is not
 * NULL, their targets into y (count * ysize floats; labels become one-hot,
 * or 0/1 when ysize is 1). */
void nn_dataset_gather(const nn_dataset *d, const size_t *idx, size_t count,
                       float *x, float *y);
/* Ask the processor to bring samples idx[0..count) of d into its cache
 * (inputs and labels), so that gathering them next costs no waits on
 * memory: a shuffled epoch reads each sample from a random place. At most
 * 64 KB of inputs are asked for; nothing changes but the timing. */
void nn_dataset_prefetch(const nn_dataset *d, const size_t *idx,
                         size_t count);
/* The label of sample i: its class, or -1 when the dataset has none. For a
 * single-column 0/1 target the label is that value rounded. */
int nn_dataset_label(const nn_dataset *d, size_t i);
/* Check that the dataset is self-consistent (sizes, label range). */
int nn_dataset_check(const nn_dataset *d);
/* -1 with a message naming what when d holds token ids (what works only
 * on numbers), else 0. */
int nn_dataset_numeric(const nn_dataset *d, const char *what);
/* Outputs per sample that are scored one by one: ylen for a dataset
 * labelled per position, else 1. The model's outputs per sample are
 * that many rows of ysize / rows values. */
size_t nn_dataset_rows(const nn_dataset *d);
/* Rows that have a label among samples idx[0..n) (idx NULL: 0..n): those
 * whose ytok is not -1, or n when the dataset is not labelled per
 * position. */
size_t nn_dataset_labelled(const nn_dataset *d, const size_t *idx, size_t n);

/* Read MNIST-format IDX files (plain or gzip): images (idx3, u8) and labels
 * (idx1, u8). Validates magic numbers, dimensions, counts and file length. */
nn_dataset *nn_load_idx(const char *images_path, const char *labels_path);

#include "nn_data.h"

/* ---- activations ------------------------------------------------------- */

typedef enum nn_act {
	NN_ACT_LINEAR, NN_ACT_STEP, NN_ACT_SIGMOID, NN_ACT_TANH, NN_ACT_LECUN,
	NN_ACT_RELU, NN_ACT_LEAKY, NN_ACT_SOFTMAX, NN_ACT_LOGSOFTMAX,
	NN_ACT_COUNT
} nn_act;

/* Name <-> kind; nn_act_parse returns -1 for an unknown name. */
const char *nn_act_name(nn_act a);
int nn_act_parse(const char *name);
/* z -> a over n rows of width w (softmax works along each row).
 * a may equal z for every kind. alpha is leaky ReLU's slope. */
void nn_act_forward(nn_act kind, float alpha, const float *z, float *a,
                    size_t n, size_t w);
/* dz = da * f'(z), using z and a = f(z); dz may equal da. */
void nn_act_backward(nn_act kind, float alpha, const float *z, const float *a,
                     const float *da, float *dz, size_t n, size_t w);

/* ---- layers and models ------------------------------------------------- */

typedef struct nn_layer nn_layer;
typedef struct nn_model nn_model;

#define NN_MAXARGS 160            /* bytes of a layer's arguments */

/* Adding a layer: its kind, its own arguments as words, and what every
 * kind shares (activation, inputs, name, tie). */
typedef struct nn_layer_spec {
	const char *kind;      /* "dense", "dropout", "flatten", "relu", ... */
	/* The kind's arguments and options, as typed, separated by blanks:
	 * "200 nobias", "8 5x5 stride=2 pad=same", "0.5", "1..6". Each kind
	 * declares what it takes (see nn_layer_kind_usage); NULL: none. */
	const char *args;
	nn_act act;            /* activation applied after the layer */
	float alpha;           /* leaky ReLU slope */
	int has_act;           /* act was given explicitly */
	/* the graph: where the node's inputs come from, its name, ties */
	int nfrom;             /* inputs given in from[]; 0: the last node */
	int from[NN_MAXIN];    /* 1-based node numbers; 0 is the model input */
	const char *name;      /* the node's name, or NULL */
	int tie;               /* dense, conv: use node tie's weight tensor */
	int transpose;         /* dense: ... transposed */
} nn_layer_spec;

/* Names of the layer kinds the engine knows, NULL-terminated. */
const char *const *nn_layer_kind_names(void);
/* Check args against the arguments and options kind takes, as adding the
 * layer will; ctx begins the messages about a word ("add dense"). 0, or
 * -1 with a one-line message (an activation's name is a kind without
 * arguments; unknown kinds pass: nn_model_add refuses them). */
int nn_layer_args_check(const char *kind, const char *args, const char *ctx);
/* Whether kind takes word (a flag such as nobias, or one of its choices
 * such as gelu) as an argument of its own. */
int nn_layer_kind_takes(const char *kind, const char *word);
/* The most inputs a kind joins, named as its arguments (sum, concat:
 * NN_MAXIN), 0 for kinds that read one node or take theirs from from=
 * (attention), -1 for unknown kinds. */
int nn_layer_kind_inputs(const char *kind);
/* The keys of kind's key=value options, NULL-terminated (its flags are
 * words, not keys); an empty list for unknown kinds. */
const char *const *nn_layer_kind_keys(const char *kind);
/* One line for help: the kind's arguments and options, as in
 * "conv FILTERS KERNEL [nobias] [stride=1..4096] [pad=0..4096|same]". */
void nn_layer_kind_usage(const char *kind, char *buf, size_t len);

/* A model with the given per-sample input shape. */
nn_model *nn_model_new(const nn_shape *input);
void nn_model_free(nn_model *m);
/* Deep copy: layers, parameters (not optimizer state or buffers). */
nn_model *nn_model_copy(const nn_model *m);
/* Append a node: a layer fed by the nodes spec->from names (1-based; 0
 * is the model input), or by the last node when spec->nfrom is 0. Merge
 * kinds (sum, mul, concat) take several inputs. A node may be named
 * (spec->name, unique in the model) and may use another node's weight
 * tensor (spec->tie, transposed with spec->transpose). Its own
 * parameters are initialised with rng (Glorot uniform weights, zero
 * biases) until nn_model_init. On failure the model is unchanged and the
 * message names the node and the shapes. */
int nn_model_add(nn_model *m, const nn_layer_spec *spec, nn_rng *rng);
/* The 1-based number of the node called name ("in" is 0, the input;
 * a number "3" is node 3), or -1 with a message. */
int nn_model_find_node(const nn_model *m, const char *name);
/* The name of node i (0-based), or "" when it has none. */
const char *nn_model_node_name(const nn_model *m, size_t i);
/* After a forward pass, the attention weights of the model's which-th
 * attention layer (from 1) for sample i of that pass: *heads blocks of
 * *t x *s, row q the weights query q gives the keys (rows sum to 1,
 * masked keys 0). Valid until the next pass; NULL with a message when
 * there is no such layer or sample. */
const float *nn_attention_weights(const nn_model *m, int which, size_t i,
                                  int *heads, int *t, int *s);
/* The inputs of node i (0-based): their count, and in from[] their
 * 0-based node indices, -1 for the model input. */
int nn_model_node_inputs(const nn_model *m, size_t i, int *from);
/* -1 with a message when an embed layer reading the model input takes
 * fewer ids than vocab (a dataset's), else 0. */
int nn_model_check_tokens(const nn_model *m, int vocab);
/* Whether the model is a plain chain (each node reads the one before). */
int nn_model_is_chain(const nn_model *m);

/* Loss terms on a node's output h, added to the output loss and averaged
 * over the batch like it: dot r.h (the backprop homework's R = r'h), and
 * activity penalties weight * sum |h| (l1) and weight * sum h^2 (l2). */
typedef enum nn_penalty_kind {
	NN_PEN_DOT, NN_PEN_L1, NN_PEN_L2, NN_PEN_COUNT
} nn_penalty_kind;
typedef struct nn_penalty {
	size_t node;            /* 0-based */
	nn_penalty_kind kind;
	float weight;           /* l1, l2 */
	float *r;               /* dot: one value per output of the node */
} nn_penalty;
const char *nn_penalty_name(nn_penalty_kind k);
/* Add a term on node `node` (0-based); r (dot) holds the node's output
 * size values and is copied. -1 with a message when the node does not
 * exist, r has the wrong length, or the model has 16 terms already. */
int nn_model_penalty_add(nn_model *m, size_t node, nn_penalty_kind kind,
                         float weight, const float *r, size_t rlen);
/* Remove every term on node `node`; the count removed. */
size_t nn_model_penalty_remove(nn_model *m, size_t node);
size_t nn_model_npenalties(const nn_model *m);
/* Term k (0-based), or NULL. */
const nn_penalty *nn_model_penalty(const nn_model *m, size_t k);
/* The value of term k for the last forward pass, averaged over its
 * samples; the sum of all terms when k is -1. */
double nn_model_penalty_value(const nn_model *m, long k);
/* Make nn_model_add refuse layers that would take the model above
 * max_params parameters (0: no limit), e.g. while reading a file. */
void nn_model_limit(nn_model *m, size_t max_params);
/* Remove the last layer; -1 when there is none. */
int nn_model_pop(nn_model *m);

size_t nn_model_layers(const nn_model *m);
const nn_shape *nn_model_input_shape(const nn_model *m);
const nn_shape *nn_model_output_shape(const nn_model *m);
size_t nn_model_param_count(const nn_model *m);

/* What a layer is, for summaries and the `grad` listing. */
typedef struct nn_layer_info {
	const char *kind;       /* "dense" */
	char desc[64];          /* "dense 200 sigmoid" */
	nn_shape out;
	size_t params;
	nn_act act;
	int nparams;            /* parameter tensors: W, b, ... */
} nn_layer_info;
int nn_model_layer_info(const nn_model *m, size_t i, nn_layer_info *info);
/* The spec layer i was added with (kind is the class or activation name),
 * so that the same layer can be built again; its args and name point
 * into the model, valid while the layer is. */
int nn_model_layer_spec(const nn_model *m, size_t i, nn_layer_spec *spec);

/* A parameter tensor of layer i (0-based): its name ("W", "b"), shape and
 * where its values and gradients live (inside the model's one block). */
typedef struct nn_param {
	const char *name;
	nn_shape shape;
	size_t size;
	float *value;
	float *grad;
	int decay;              /* weight decay applies (weights, not biases) */
	int state;              /* state, not trained (batchnorm's running
	                         * statistics): its gradient is always 0 */
	int fan_in;             /* inputs of each unit it belongs to, or 0 */
	int tied;               /* the tensor is node tied's (1-based), used
	                         * here too: walk it once, at its owner */
	int transposed;         /* ... and used here transposed */
	int applied;            /* the last backward pass took plain SGD's
	                         * step on it (nn_model_backward_sgd): its
	                         * gradient was not kept */
} nn_param;
int nn_model_param(const nn_model *m, size_t layer, int k, nn_param *p);
/* Number of parameter tensors of layer i (0 when there is no such layer). */
int nn_model_layer_nparams(const nn_model *m, size_t i);
/* Find a parameter by name ("W", "b") in layer i; -1 if none. */
int nn_model_find_param(const nn_model *m, size_t layer, const char *name,
                        nn_param *p);
/* All parameters and all gradients are each one contiguous block. */
float *nn_model_params(nn_model *m);
float *nn_model_grads(nn_model *m);

/* Initialisation of weights (and separately biases). */
typedef enum nn_init_kind {
	NN_INIT_ZEROS, NN_INIT_CONSTANT, NN_INIT_NORMAL, NN_INIT_UNIFORM,
	NN_INIT_XAVIER, NN_INIT_XAVIER_NORMAL, NN_INIT_HE, NN_INIT_LECUN,
	NN_INIT_MAXFAN, NN_INIT_COUNT
} nn_init_kind;
typedef struct nn_init {
	nn_init_kind kind;
	float value;            /* constant */
	float std;              /* normal */
	float lo, hi;           /* uniform */
	float bias;             /* value for every bias */
	int bias_same;          /* or: biases drawn as the weights are */
} nn_init;
const char *nn_init_name(nn_init_kind k);
int nn_init_parse(const char *name);
/* Initialise every layer, or only layer `only` (>= 0). */
int nn_model_init(nn_model *m, const nn_init *init, nn_rng *rng, long only);

/* Make room for batches of up to n samples (buffers are kept and reused). */
int nn_model_reserve(nn_model *m, size_t n);
/* Forward pass over n samples of x; returns the output (n * out size),
 * owned by the model and valid until the next pass. training enables
 * dropout and similar; rng drives them. NULL on failure. */
const float *nn_model_forward(nn_model *m, const float *x, size_t n,
                              int training, nn_rng *rng);
/* Lend m the input x[0..len) of its coming forward passes (NULL: end
 * the loan): a pass over x itself lets a node that copies the model
 * input unchanged (flatten, reshape, with no activation) pass it on
 * instead, so that its output (nn_model_a) is x's memory. The caller
 * leaves x as a pass saw it while it reads that pass's outputs or goes
 * back through it, and keeps it alive until it ends the loan, which
 * copies such outputs into the model's own buffers. */
void nn_model_lend_input(nn_model *m, const float *x, size_t len);
/* Backward pass after a forward pass: given dL/d(output), or dL/dz of the
 * last layer when dz_given is set (fused softmax/sigmoid losses), writes
 * every parameter gradient (as nn_model_zero_grads then one
 * nn_model_backward_acc) and every layer's deltas, and dL/dx of the input
 * (nn_model_input_grad). The gradients of the model's penalties are
 * included. */
void nn_model_backward(nn_model *m, const float *dout, int dz_given);
/* Set every parameter gradient to zero. */
void nn_model_zero_grads(nn_model *m);
/* Backward pass that adds its parameter gradients to those already there
 * (a tensor used by several nodes gets each node's share). dout may be
 * NULL: the output gets no gradient, only penalties drive the pass. With
 * want_input set, dL/dx of the model input is computed (replaced, not
 * added) for nn_model_input_grad. */
void nn_model_backward_acc(nn_model *m, const float *dout, int dz_given,
                           int want_input);
/* A backward pass for dL/dx of the model input alone (a GAN's
 * discriminator in the generator's step, whose own gradients are not
 * used): kinds may skip their parameter gradients (conv does), which are
 * undefined afterwards until the next nn_model_zero_grads. dx is the one
 * nn_model_backward_acc(m, dout, dz_given, 1) computes, bit for bit. */
void nn_model_backward_input(nn_model *m, const float *dout, int dz_given);
/* dL/dx of the model input from the last backward pass that computed it
 * (n * input size), or NULL. */
const float *nn_model_input_grad(const nn_model *m);
/* The same, computing only what the parameter gradients need: the deltas
 * of layers with no parameters at or before them (a leading flatten, say)
 * are skipped, and nn_model_dz gives NULL for them until the next full
 * pass. Training uses it. */
void nn_model_backward_params(nn_model *m, const float *dout, int dz_given);
/* nn_model_backward_params with plain SGD's step taken as the gradients
 * are formed, where a kind can (dense, on a single row: per-sample
 * training): it subtracts lr times each parameter gradient from the
 * parameter instead of writing the gradient, and marks the tensor
 * applied (nn_param.applied) until the next backward pass, which
 * nn_optim_step then skips. The same bits as the gradient followed by
 * nn_optim_step with SGD, lr, no momentum and no weight decay, and only
 * for that; a model with tied tensors takes no step here. */
void nn_model_backward_sgd(nn_model *m, const float *dout, int dz_given,
                           float lr);

/* The buffers of layer i from the last pass (n * out size each): its
 * pre-activation z, its output a, and after backward dL/dz. NULL when the
 * buffer does not exist (z is a when the layer has no activation). */
const float *nn_model_z(const nn_model *m, size_t i);
const float *nn_model_a(const nn_model *m, size_t i);
/* NULL also for deltas the last backward pass skipped
 * (nn_model_backward_params). */
const float *nn_model_dz(const nn_model *m, size_t i);
/* The activation of the last layer (for losses that fuse with it). */
nn_act nn_model_output_act(const nn_model *m);
/* The outputs of node `node` (0-based) of m for every sample of d, as a
 * new dataset with d's labels and targets: an autoencoder's codes. NULL
 * with a message when the node does not exist or d does not fit m. */
nn_dataset *nn_model_encode(nn_model *m, const nn_dataset *d, size_t node);


/* ---- losses ------------------------------------------------------------ */

typedef enum nn_loss_kind {
	NN_LOSS_MSE, NN_LOSS_CE, NN_LOSS_CE_NAIVE, NN_LOSS_BCE, NN_LOSS_NLL,
	NN_LOSS_COUNT
} nn_loss_kind;
const char *nn_loss_name(nn_loss_kind k);
int nn_loss_parse(const char *name);

/* Loss of outputs `out` (n x w) against targets y, averaged over the n
 * samples (MSE is 1/2 * sum of squares per sample). The cross-entropies
 * (crossentropy after softmax or logits, naive, nll) skip rows whose
 * targets are all 0 (padding) and average over the others (PyTorch's
 * ignore_index); with none left the loss and gradient are 0. When grad
 * is not NULL it
 * receives dL/d(out), or dL/dz when the loss fuses with the output
 * activation; *dz_given says which. z is the last pre-activation. */
double nn_loss(nn_loss_kind k, nn_act out_act, const float *z,
               const float *out, const float *y, size_t n, size_t w,
               float *grad, int *dz_given);
/* How a batch's per-sample losses make the loss a step descends: their
 * mean (nnsh's default, PyTorch's) or their sum (Rumelhart, Hinton and
 * Williams 1986: the error summed over cases, so the same learning rate
 * takes steps batch-size times larger). Over the outputs of one sample
 * every loss sums (MSE with the factor 1/2, BCE over each sigmoid unit,
 * cross-entropy over the classes). */
typedef enum nn_reduction {
	NN_RED_MEAN, NN_RED_SUM, NN_RED_COUNT
} nn_reduction;
const char *nn_reduction_name(nn_reduction r);
/* "mean" or "sum"; -1 when unknown. */
int nn_reduction_parse(const char *name);

/* The dead zone of Hinton (1986): no error where an output is within dz
 * of its target. Replaces each target y[i] (of len) by the nearest value
 * to out[i] in [y[i] - dz, y[i] + dz], so that mse against the new
 * targets is 1/2 * max(|out - y| - dz, 0)^2 per output and its gradient
 * that loss's (it is continuous: an output just outside the zone has a
 * small error). */
void nn_deadzone(const float *out, float *y, size_t len, float dz);

/* Whether this loss fuses with that output activation. */
int nn_loss_fuses(nn_loss_kind k, nn_act out_act);
/* Check that the loss can be used on outputs of width w produced by that
 * activation (e.g. NLL needs logsoftmax); -1 with a message if not. */
int nn_loss_check(nn_loss_kind k, nn_act out_act, size_t w);

/* Number of correct predictions among n outputs: argmax match when w > 1;
 * when w == 1, an output at or above mid against a 0/1 target at or
 * above 0.5 (mid is 0.5, or the middle of the targets LO and HI a model
 * trains towards: nn_target_mid). Rows whose targets are all 0 (padding,
 * when w > 1) are not predictions and never count. */
size_t nn_count_correct(const float *out, const float *y, size_t n, size_t w,
                        float mid);

/* The output threshold of a single output trained towards lo and hi
 * (0.5 when lo == hi: the labels as they are). */
float nn_target_mid(float lo, float hi);
/* Rows among n that have a target: all when w == 1, else those with a
 * non-zero value. */
size_t nn_count_labelled(const float *y, size_t n, size_t w);

/* ---- optimizers -------------------------------------------------------- */

typedef enum nn_optim_kind {
	NN_OPT_SGD, NN_OPT_ADAM, NN_OPT_RMSPROP, NN_OPT_ADAGRAD,
	/* full-batch methods (optim2.c): one iteration on the whole data */
	NN_OPT_CG, NN_OPT_LBFGS, NN_OPT_LM, NN_OPT_GN,
	NN_OPT_BFGS,            /* the full inverse Hessian: small models */
	NN_OPT_SCG,             /* Moller's scaled conjugate gradient */
	NN_OPT_SDLM,            /* LeCun's stochastic diagonal LM (sdlm.c) */
	NN_OPT_COUNT
} nn_optim_kind;

typedef struct nn_full nn_full;

typedef struct nn_optim {
	nn_optim_kind kind;
	float lr;
	float momentum;         /* sgd */
	int nesterov;           /* sgd */
	float weight_decay;     /* all: L2 added to the gradient of weights */
	float decay;            /* first-order kinds: every weight times
	                         * 1 - decay after each step, apart from
	                         * the gradient (the 1986 papers' "weight
	                         * decay": 0.2% per sweep is 0.002) */
	float beta1, beta2;     /* adam */
	float rho;              /* rmsprop */
	float eps;              /* adam, rmsprop, adagrad */
	int history;            /* lbfgs: pairs kept (10) */
	int fr;                 /* cg: Fletcher-Reeves, not Polak-Ribiere */
	double mu;              /* lm: damping, adapted as it goes; sdlm:
	                         * added to each second derivative */
	long sample;            /* sdlm: patterns of each estimate (500) */
	long every;             /* sdlm: a new estimate every this many
	                         * samples (0: at each epoch's start) */
	double mu_inc, mu_dec, mu_max;  /* lm: its schedule */
	nn_full *full;          /* state of a full-batch method */
	long t;                 /* steps taken */
	size_t nstate;          /* floats in each state array */
	float *m, *v;           /* state, allocated on the first step */
} nn_optim;

const char *nn_optim_name(nn_optim_kind k);
int nn_optim_parse(const char *name);
/* Defaults for a kind (lr 0.01 for SGD, 0.001 for the adaptive ones). */
void nn_optim_defaults(nn_optim *o, nn_optim_kind k);
/* Drop the state (moments, step count); keep the settings. */
void nn_optim_reset(nn_optim *o);
/* One update of every parameter of m from its gradients (first-order
 * kinds; a full-batch kind fails with a message: see below). */
int nn_optim_step(nn_optim *o, nn_model *m);

/* ---- full-batch methods (optim2.c) -------------------------------------- */

/* 1 for the kinds that take one iteration on the whole data set per call
 * (cg, lbfgs, lm, gn), 0 for the gradient-descent kinds. */
int nn_optim_full_batch(nn_optim_kind k);

/* Loss and gradient of a model on a whole data set: the "closure" a
 * full-batch method calls as often as it needs. */
typedef struct nn_closure {
	nn_model *m;
	nn_loss_kind loss;
	const float *x, *y;     /* n inputs and their (mapped) targets */
	size_t n;
	float *grad;            /* n * output width floats of scratch */
	nn_rng *rng;
	long evals;             /* evaluations so far */
	/* Data-parallel (see nn_ranks): x, y and n are this rank's share
	 * of total samples, and every evaluation sums the shares' losses
	 * and gradients over the ranks, so that each rank gets those of
	 * the whole data and every line search takes the same steps
	 * everywhere. NULL: alone. */
	const struct nn_ranks *ranks;
	size_t total;
	int failed;             /* the last evaluation failed (its NAN is
	                         * not the loss's) */
	/* Optional (NULL: none): called after each evaluation's forward
	 * pass with the outputs of the n samples (the training loop counts
	 * the right predictions). */
	void (*seen)(void *ud, const float *out);
	void *ud;
	/* Optional memory of the last evaluation (NULL: none): room for the
	 * model's parameters. An evaluation with the gradient and a finite
	 * loss copies the parameters there and the loss into l_last; any
	 * other forgets them (see nn_closure_current). */
	float *w_last;
	double l_last;
	int have_last;
} nn_closure;

/* The loss of c->m on the n samples at its current parameters, with its
 * penalties, in inference mode (dropout off: the function is
 * deterministic). With want_grad, the gradient is left in
 * nn_model_grads. NAN when the forward pass fails (or, over ranks, when
 * any rank failed; the message is set, and c->failed). Counts an
 * evaluation. */
double nn_closure_eval(nn_closure *c, int want_grad);
/* Whether c remembers its last evaluation (w_last) and that was one with
 * the gradient at the model's present parameters: then *l is its loss
 * and nn_model_grads still holds its gradient (nothing in libnn writes
 * them between), as evaluating again would leave them. A line search
 * that ends at the last point it tried so saves the next iteration its
 * first evaluation. */
int nn_closure_current(const nn_closure *c, double *l);

/* The largest model lm and gn take (they factor a P x P matrix). */
#define NN_LM_MAX_PARAMS 3000
/* The largest model bfgs takes (it keeps a P x P inverse Hessian). */
#define NN_BFGS_MAX_PARAMS 2000

/* One iteration of a full-batch kind: on entry *loss is the loss at the
 * model's parameters and nn_model_grads holds its gradient (one
 * nn_closure_eval(c, 1)); on return the parameters have moved and *loss
 * is the loss there. cg, lbfgs and bfgs search the line for a step meeting the
 * strong Wolfe conditions; lm solves (J'J + mu I) d = J'r by Cholesky and
 * adapts o->mu; gn takes the Gauss-Newton step. A converged method leaves
 * the parameters. Returns 0, or -1 with a message (lm and gn need the
 * mse loss, no penalties, at most NN_LM_MAX_PARAMS parameters; bfgs at
 * most NN_BFGS_MAX_PARAMS). */
int nn_optim_full_step(nn_optim *o, nn_closure *c, double *loss);
/* Free the state of a full-batch method (nn_optim_reset calls it). */
void nn_full_free(nn_optim *o);

/* ---- stochastic diagonal Levenberg-Marquardt (sdlm.c) -------------------- */

/* Whether sdlm can estimate m's second derivatives under that loss:
 * dense, conv, convt, pooling and reshaping kinds, elementwise hidden
 * activations, mse or cross-entropy. 0, or -1 with a one-line message. */
int nn_sdlm_check(const nn_model *m, nn_loss_kind loss);
/* h = the diagonal of the Gauss-Newton matrix of the mean loss of m on
 * the n samples x, y (one value per parameter), backpropagated with
 * LeCun's rules: exact at the output layer, the off-diagonal terms
 * dropped below it. Runs a forward pass. 0, or -1 with a message. */
int nn_sdlm_diag(nn_model *m, nn_loss_kind loss, const float *x,
                 const float *y, size_t n, float *h);
/* A new estimate into o->v (made when missing) from o->sample patterns
 * of d: order[pos], order[pos + 1], ... (of n, wrapping around), their
 * 0/1 targets mapped to lo/hi as training maps them (lo == hi: as they
 * are). 0, or -1 with a message. */
int nn_sdlm_refresh(nn_optim *o, nn_model *m, nn_loss_kind loss,
                    const nn_dataset *d, const size_t *order, size_t n,
                    size_t pos, float lo, float hi);

/* ---- the Hessian's eigenvalues (hessian.c) ------------------------------ */

/* hv = H v, the Hessian of c's loss at c->m's parameters times v (one
 * value per parameter), by Pearlmutter's R-operator (hvp.c): one
 * evaluation of the loss and gradient, then one pass forward and one
 * back. Exact for every kind but those nn_hessian_fd_nodes names, whose
 * part is a central difference of their own forward and backward passes
 * (error about 1e-5 of the product's size). Running statistics
 * (nn_param.state) are constants: v is taken as 0 on them and hv is 0
 * there. Parameters and gradients are left as they were. 0, or -1 with
 * a message. */
int nn_hessian_vec(nn_closure *c, const double *v, double *hv);
/* The nodes of m whose part of nn_hessian_vec is a central difference
 * (kinds without an exact R-operator that parameters come before), as
 * "3 (lstm 8), 5 (maxpool 2)" into buf (len bytes); returns how many. */
int nn_hessian_fd_nodes(const nn_model *m, char *buf, size_t len);
/* The k eigenvalues of the Hessian largest in size, into vals[0..k),
 * by power iteration from a random start (rng) on Hessian-vector
 * products, at most iters products each, deflating the ones found.
 * Refuses a model with a step activation (its Hessian is zero where it
 * exists). 0, or -1 with a message. */
int nn_hessian_top(nn_closure *c, int k, int iters, nn_rng *rng,
                   double *vals);
/* The same, with the unit eigenvectors into vectors[0..k * P) (P
 * parameters), one after the other. */
int nn_hessian_top_vectors(nn_closure *c, int k, int iters, nn_rng *rng,
                           double *vals, double *vectors);
/* One step of LeCun's on-line estimate of the largest eigenvalue
 * ("Efficient BackProp", 9.5): psi <- (1 - gamma) psi + gamma H psi /
 * |psi|, H the Hessian of c's loss (the batch it holds); *norm = |psi|,
 * which tends to |lambda_max| as batches go by. psi must not be zero.
 * 0, or -1 with a message. */
int nn_hessian_running(nn_closure *c, double *psi, double gamma,
                       double *norm);

/* ---- history of a run -------------------------------------------------- */

/* One point of a run's history. */
typedef struct nn_metrics {
	int epoch;              /* 1-based; fractional progress is in iter */
	long iter;              /* iterations (batches) so far */
	double loss, acc;       /* training, over the batches since last point */
	double val_loss, val_acc;  /* NAN when there is no validation set */
	double seq_acc, val_seq_acc;  /* whole sequences right, training and
	                               * validation: data labelled per
	                               * position; else NAN */
	double lr;
	double seconds;         /* wall time since the start of the run */
	double samples_per_s;
	long evals;             /* full-batch methods: loss and gradient
	                         * evaluations since the last point */
	double mu;              /* lm: its damping after the point */
} nn_metrics;

typedef struct nn_history {
	nn_metrics *p;
	size_t n, cap;
	struct nn_stats_hist *stats;  /* per-layer statistics at some of
	                               * the points (nn_stats.h), or NULL */
} nn_history;
int nn_history_push(nn_history *h, const nn_metrics *m);
void nn_history_free(nn_history *h);

/* ---- learning-rate schedules (schedule.c) ------------------------------ */

typedef enum nn_sched_kind {
	NN_SCHED_CONSTANT, NN_SCHED_STEP, NN_SCHED_EXP, NN_SCHED_COSINE,
	NN_SCHED_COUNT
} nn_sched_kind;

/* The rate of step t (the optimizer's step count, 0 for the first step):
 *   constant  max
 *   step      max * gamma^floor(t / every)
 *   exp       min + (max - min) * exp(-t / T)
 *   cosine    min + (max - min) * (1 + cos(pi * min(t, T) / T)) / 2
 * With warmup W, steps 0..W-1 rise linearly to the rate of step 0,
 * f(0) * (t + 1) / W, and f then runs from t - W. All zero is the constant
 * schedule at the optimizer's own rate. */
typedef struct nn_schedule {
	nn_sched_kind kind;
	double max;             /* rate at the start; 0: the optimizer's lr */
	double min;             /* exp, cosine: the rate approached */
	double gamma;           /* step: the factor */
	long every;             /* step: steps between changes */
	double T;               /* exp: time constant; cosine: length */
	long warmup;            /* steps of linear warmup */
} nn_schedule;

const char *nn_sched_name(nn_sched_kind k);
int nn_sched_parse(const char *name);
/* Check the parameters the kind needs; -1 with a message naming one. */
int nn_schedule_check(const nn_schedule *s);
/* The rate of step t when the optimizer's own rate is base. */
double nn_schedule_lr(const nn_schedule *s, double base, long t);

/* ---- early stopping ---------------------------------------------------- */

typedef enum nn_monitor {
	NN_MON_VAL_LOSS, NN_MON_VAL_ACC, NN_MON_LOSS, NN_MON_ACC, NN_MON_COUNT
} nn_monitor;
const char *nn_monitor_name(nn_monitor k);
int nn_monitor_parse(const char *name);

/* Watches one metric of each history point (losses fall, accuracies
 * rise). Off when patience and restore are both 0. */
typedef struct nn_early {
	nn_monitor monitor;
	int patience;           /* stop after this many points without
	                         * improvement; 0: never stop */
	double min_delta;       /* smallest change that counts */
	int restore;            /* put back the best weights at the end */
	/* state */
	double best;            /* best value so far; NAN before the first */
	int best_epoch;
	long best_iter;
	int wait;               /* points since the best */
} nn_early;

/* The monitored value of point p (NAN when p does not have it). */
double nn_early_value(const nn_early *e, const nn_metrics *p);
/* Feed point p. Returns 1 when it is a new best (recorded in e), else 0;
 * sets *stop when patience has run out. A NaN value never improves. */
int nn_early_update(nn_early *e, const nn_metrics *p, int *stop);

/* ---- training ---------------------------------------------------------- */

typedef struct nn_run nn_run;

typedef struct nn_progress {
	long iter, iters;       /* done, total */
	int epoch, epochs;
	size_t seen;            /* samples in this epoch so far */
	double loss;            /* mean training loss over this epoch so far */
	double lr;
	double seconds;
	const nn_metrics *point;  /* set when a history point was just added */
	int improved;           /* that point is the best so far (early) */
	const nn_run *run;      /* the run's whole state */
} nn_progress;

typedef struct nn_train_opts {
	int epochs;             /* or */
	long iters;             /* a number of batches (takes precedence) */
	size_t batch;           /* 1 .. n */
	int shuffle;            /* 1 by default */
	const nn_dataset *val;  /* may be NULL */
	double val_split;       /* or hold out this last fraction of the
	                         * training data (Keras's validation_split) */
	long every;             /* a point every N iterations (0: epochs) */
	nn_schedule schedule;   /* zero: constant, the optimizer's rate */
	double clip;            /* scale gradients to this L2 norm at most */
	int fanin;              /* scale each layer's gradients, and so its
	                         * SGD steps, by 1/sqrt(fan-in) (LeCun) */
	float target_lo, target_hi;  /* label targets 0 and 1 become these
	                              * (both 0: unchanged) */
	float deadzone;         /* mse: no error where an output is within
	                         * this of its target (nn_deadzone); 0: off */
	nn_early early;         /* early stopping and restoring; zero: off */
	double goal;            /* stop at the first point whose training
	                         * loss is at most this (MATLAB's goal);
	                         * 0: off */
	double goal_acc;        /* or whose training accuracy is at least
	                         * this (0: off) */
	nn_reduction reduction; /* the step follows the batch's mean loss
	                         * (0) or its sum; the points' losses stay
	                         * means per sample either way */
	volatile int *stop;     /* set non-zero to stop between batches */
	/* Called after every batch; a non-zero return stops the run. It
	 * may change the optimizer's momentum and lr: a new lr is the rate
	 * from the next batch on (with a schedule, it scales the schedule). */
	int (*callback)(const nn_progress *p, void *ud);
	void *ud;
	nn_run *run;            /* keeps the progress; NULL: a private one */
	int resume;             /* continue *run, with its own settings */
	/* Data-parallel training: this process is one rank of several
	 * that run the same nn_train (see nn_ranks); NULL: alone. */
	const struct nn_ranks *ranks;
} nn_train_opts;

/* A run's progress, kept so that a stopped run can be resumed exactly
 * (also from a file): the same weights as a run that never stopped. */
struct nn_run {
	nn_train_opts opts;     /* its settings (pointers cleared) */
	int active;             /* stopped before its end: can be resumed */
	long iter, iters;       /* batches done, and in all */
	int epoch, epochs;      /* the current epoch (1-based) and in all */
	size_t n;               /* training samples (after val_split) */
	size_t nparams;         /* parameters of the model it trains */
	size_t pos;             /* samples of this epoch already used */
	size_t *perm;           /* this epoch's order of the n samples */
	double span_loss;       /* sums since the last history point */
	size_t span_correct, span_seen;
	size_t span_labelled;   /* rows with a label in the span (samples,
	                         * or positions without padding) */
	size_t span_seqs;       /* sequences all right in the span */
	double seconds;         /* time spent in the run so far */
	nn_rng rng;             /* shuffling and dropout draw from it */
	nn_early early;         /* its early-stopping state */
	float *best;            /* weights at the best point (restore) */
	size_t nbest;
	int stopped_early;      /* patience ran out */
	int reached_goal;       /* the loss reached opts.goal */
	int restored;           /* the best weights were put back */
	long nan_iter;          /* where the NaN guard stopped it, or 0 */
	char val_name[64];      /* the caller's name for opts.val */
};
/* Free what a run holds and zero it. */
void nn_run_free(nn_run *r);

/* Train m on d. Appends points to h (which may already hold points of an
 * earlier run of the same model). Each batch: the learning rate from the
 * schedule, forward, loss, backward, the NaN guard (a non-finite loss or
 * delta stops the run before the update, naming the iteration and the
 * layer), clipping, the optimizer step. Returns 0 when the run finished,
 * stopped early or was stopped, -1 on an error (message set); the model
 * is always left usable. */
int nn_train(nn_model *m, nn_loss_kind loss, nn_optim *o, const nn_dataset *d,
             const nn_train_opts *opts, nn_rng *rng, nn_history *h);

/* Loss and accuracy of m on d (accuracy NAN when d has no classes);
 * correct receives the number of correct predictions when not NULL. */
int nn_evaluate(nn_model *m, nn_loss_kind loss, const nn_dataset *d,
                size_t batch, double *loss_out, double *acc_out,
                size_t *correct);
/* For a dataset labelled per position (make reverse, ...): the mean loss
 * per position, the share of positions right, and the count of samples
 * whose every position is right. -1 with a message. */
int nn_evaluate_seq(nn_model *m, nn_loss_kind loss, const nn_dataset *d,
                    size_t batch, double *loss_out, double *tok_acc,
                    size_t *seqs_right);
/* A flag the front end sets (from its Ctrl-C handler) to interrupt long
 * work: evaluation then stops between batches and fails with a message
 * saying so. NULL, the default, means never. Training has its own stop
 * flag (nn_train_opts) and finishes its validation passes. */
void nn_set_interrupt(volatile int *flag);

/* The same with label targets 0 and 1 mapped to lo and hi (see
 * nn_train_opts; lo == hi leaves them) and the loss taken with the dead
 * zone dz (0: none; see nn_deadzone). */
int nn_evaluate_targets(nn_model *m, nn_loss_kind loss, const nn_dataset *d,
                        size_t batch, float lo, float hi, float dz,
                        double *loss_out, double *acc_out, size_t *correct);

/* Predicted class of each of the n samples idx (argmax, or for a single
 * output 1 at or above mid: nn_target_mid); pred receives n ints. */
int nn_predict(nn_model *m, const nn_dataset *d, const size_t *idx, size_t n,
               float mid, int *pred);

#include "nn_classic.h"

/* ---- model files (modelfile.c) ----------------------------------------- */

/* The most layers a model file may list: nn_save refuses to write more
 * and nn_load to read more. */
#define NN_FILE_MAX_LAYERS 10000

/* What a model file holds. nn_save writes what is set (the training state
 * only with `state`); nn_load fills a zeroed one, and the caller then owns
 * what it holds (nn_file_free). */
typedef struct nn_file {
	nn_model *model;
	char name[64];          /* the model's name in the session (a
	                         * longer one in a file is refused) */
	int loss;               /* an nn_loss_kind, or -1: not chosen */
	int has_optim;          /* optim holds settings (always saved) */
	nn_optim optim;         /* with state also its step and moments */
	nn_schedule schedule;
	float target_lo, target_hi;
	int state;              /* the training state: optimizer step and
	                         * moments, history, run (with its RNG) */
	nn_history hist;
	nn_run run;
	/* The generator and the real data of the GAN run the model was last
	 * the discriminator of ("" when none), in files with or without
	 * state. */
	char disc_of[64], disc_data[64];
	/* With state: the model's GAN run as the generator (its settings,
	 * progress, order, random state and points), or NULL; the names the
	 * shell gave its discriminator and real data, and a real sample's
	 * shape. nn_file_free frees it. */
	struct nn_gan *gan;
	char gan_disc[64], gan_data[64];
	nn_shape gan_shape;
	/* The characters of the text the model learned (nn_data.h), kept
	 * with or without state; empty for other models. nn_save writes it
	 * as "nnsh.vocab" and does not free it; nn_file_free frees what
	 * nn_load read. */
	nn_vocab vocab;
} nn_file;

/* Write f to path in the safetensors format: an 8-byte little-endian
 * header length, a JSON header, then raw little-endian tensors. The
 * parameters are float32 named "LAYER.NAME" with 1-based layers ("2.W");
 * the architecture, settings and version are strings in the header's
 * __metadata__. Atomic: the file is written beside path under another
 * name, flushed to disk and renamed over path, so path holds the old
 * contents or the new, never part of them. */
int nn_save(const char *path, const nn_file *f);
/* Read a file written by nn_save into a zeroed f, checking everything it
 * reads (header length, JSON, names, dtypes, shapes against offsets and
 * the file size, the architecture): a damaged or hostile file fails with
 * a message and leaves nothing to free. */
int nn_load(const char *path, nn_file *f);
/* Free what nn_load put into f and zero it. */
void nn_file_free(nn_file *f);

/* What nn_load_weights did with one tensor of the file: the node
 * (0-based) and parameter index it filled, or node -1 when it was left
 * out (PyTorch's num_batches_tracked, or a tensor a map does not name). */
typedef struct nn_weight_row {
	char *tensor;           /* its name in the file */
	char shape[48];         /* "200x784" */
	int node, param;
} nn_weight_row;
/* Fill model m's parameters from any safetensors file (F32 or F64
 * tensors), such as a PyTorch state_dict: with map NULL or "auto", the
 * file's modules (names up to the last dot, in natural order: "2" before
 * "10") go to m's nodes with parameters in order, and within a module
 * weight, bias, running_mean, running_var (or nnsh's W b gamma beta mean
 * var) to the node's parameters in order; num_batches_tracked is skipped.
 * Otherwise map is a file of lines "TENSOR NODE.PARAM" ("fc1.weight
 * 2.W", NODE a number from 1 or a node name; "NAME.2.W" too when NAME is
 * model_name; # comments), and only the tensors it names are read. Every
 * shape must be the parameter's exactly (PyTorch's layouts are nnsh's:
 * dense out x in, conv out x in x kh x kw). On success *rows (free with
 * nn_weight_rows_free) says where each tensor went; on failure (-1, a
 * one-line message) m is unchanged. */
int nn_load_weights(nn_model *m, const char *path, const char *map,
                    const char *model_name, nn_weight_row **rows,
                    size_t *nrows);
void nn_weight_rows_free(nn_weight_row *rows, size_t n);

/* Wall clock in seconds (monotonic). */
double nn_now(void);

/* Most threads one matrix product may use (small products use one);
 * 0 restores the BLAS library's default. */
void nn_set_threads(int n);
int nn_threads(void);

/* Start a thread that makes one tiny matrix product and ends: oneDNN's
 * first product sets up its kernels (tens of milliseconds), which then
 * happens while the user types rather than in the first train. Call once,
 * early, with the signals the program takes elsewhere blocked (the thread
 * inherits the mask). Nothing is lost if the thread cannot start. */
void nn_warm_up(void);

/* Wait for nn_warm_up's thread to end (nothing when none runs). Call
 * before exit: oneDNN's exit handlers unload kernels that thread may still
 * be building. nn_train calls it before it starts its clock. */
void nn_warm_wait(void);

#include "nn_ranks.h"
#include "nn_gan.h"

#endif
