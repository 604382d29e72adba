/* nn_data.h - datasets' generators, CSV files, transforms and statistics
 * (data.c, generators.c, csv.c, transform.c and their kin), a part of
 * libnn's public interface that nn.h includes where this section was
 * (clients include nn.h only). */
#ifndef NN_DATA_PUBLIC_H
#define NN_DATA_PUBLIC_H

/* ---- datasets: generators, CSV, transforms, statistics ----------------- */

/* Built-in teaching sets (gen.c). Two-class sets have one 0/1 target per
 * sample (nn_dataset_onehot gives two); more classes have one-hot targets;
 * the 1-D function sets are regression (nclasses 0, one float target). */
typedef enum nn_gen_kind {
	NN_GEN_XOR, NN_GEN_MOONS, NN_GEN_CIRCLES, NN_GEN_BLOBS, NN_GEN_SPIRAL,
	NN_GEN_GAUSSIAN, NN_GEN_SYMMETRY, NN_GEN_DESCENDING, NN_GEN_PARITY,
	NN_GEN_ENCODER, NN_GEN_BOX, NN_GEN_SINE, NN_GEN_POLY,
	NN_GEN_GAUSSIANS, NN_GEN_RINGS, NN_GEN_COUNT
} nn_gen_kind;

/* Parameters of a generator; nn_gen_defaults fills a kind's defaults. */
typedef struct nn_gen_opts {
	size_t n;               /* samples; 0 for symmetry/parity: all 2^bits */
	double noise;           /* std of Gaussian noise (inputs or target) */
	int classes;            /* blobs, spiral, gaussian */
	int dim;                /* gaussian: features */
	int bits;               /* symmetry, parity, encoder; descending: length */
	int balanced;           /* symmetry: half the samples symmetric */
	double std;             /* blobs, gaussian: spread of each cluster */
	double sep;             /* gaussian: distance of the centres from 0 */
	double turns;           /* spiral */
	double factor;          /* circles: inner radius / outer radius */
	double lo, hi;          /* box, sine, poly: x range; descending: values */
	double h, delta, center;  /* box: height, width, middle */
	double freq;            /* sine */
	const float *coef;      /* poly: c0 + c1 x + c2 x^2 ... */
	int ncoef;
	const float *centers;   /* blobs: ncenters (x, y) pairs, or NULL */
	int ncenters;
	double radius;          /* gaussians: of the modes' circle; rings:
	                         * of the outer ring */
} nn_gen_opts;

/* Name, the options it reads (space-separated) and a one-line summary. */
typedef struct nn_gen_info {
	const char *name;
	const char *options;
	const char *summary;
} nn_gen_info;
extern const nn_gen_info nn_gen_kinds[NN_GEN_COUNT];

/* Kind by name (also "polynomial"); -1 when unknown. */
int nn_gen_parse(const char *name);
/* The defaults of a kind. */
void nn_gen_defaults(nn_gen_kind k, nn_gen_opts *o);
/* Generate a dataset drawing from rng; NULL with a message for bad
 * parameters. The same rng state gives the same set. */
nn_dataset *nn_make(nn_gen_kind k, const nn_gen_opts *o, nn_rng *rng);

/* Sequence tasks (seqgen.c), seeded: each sample is len token ids below
 * vocab, labelled per position (ytok), for a model that reads a sequence
 * and answers at every position:
 *   copy     the same tokens;             reverse  them in reverse order;
 *   sort     them in increasing order;
 *   add      two numbers of len digits in base vocab, least significant
 *            first: position t holds digits t of a and b as the token
 *            a_t * vocab + b_t (len + 1 positions, the last 0 0), its
 *            label digit t of a + b;
 *   parity   bits (vocab 2), the label at t the parity of bits 0..t.
 * With seq2seq set, the form a decoder reads instead: the source, then
 * the start token (the last input id) and the target; labelled by the
 * target and the end label (vocab): inputs 2T + 1, labels T + 1.
 * With minlen set (copy, reverse, sort, parity, not seq2seq), each
 * sequence has from minlen to len tokens, drawn evenly, and is padded
 * to len with the id vocab (the dataset's pad); padded positions have
 * no label (-1). */
typedef enum nn_seq_task {
	NN_SEQ_COPY, NN_SEQ_REVERSE, NN_SEQ_SORT, NN_SEQ_ADD, NN_SEQ_PARITY,
	NN_SEQ_COUNT
} nn_seq_task;
typedef struct nn_seq_opts {
	size_t n;               /* samples (1000) */
	int len;                /* positions, or digits for add (8) */
	int vocab;              /* token ids, or the base for add (10) */
	int seq2seq;            /* the decoder's form */
	int minlen;             /* 0: all len long; else the shortest */
} nn_seq_opts;
extern const nn_gen_info nn_seq_kinds[NN_SEQ_COUNT];
/* Task by name; -1 when unknown. */
int nn_seq_parse(const char *name);
void nn_seq_defaults(nn_seq_task t, nn_seq_opts *o);
/* Generate a task's dataset from rng; NULL with a message for bad
 * options. */
nn_dataset *nn_make_seq(nn_seq_task t, const nn_seq_opts *o, nn_rng *rng);

/* Character-level text (text.c): the UTF-8 file's characters as token ids
 * (the vocabulary: its distinct characters in code-point order, named in
 * d->tokens), cut into sequences of len starting every step characters,
 * each position labelled by the character after it. NULL with a message
 * naming the file (and line) when it cannot be read, is not UTF-8 text,
 * holds a NUL byte or is shorter than len + 1 characters. */
nn_dataset *nn_load_text(const char *path, int len, int step);
/* The ids of text's characters in d's vocabulary (d->tokens) into
 * ids[0..cap); returns how many characters text has (more than cap:
 * the rest are counted, not written), or -1 with a message naming a
 * character the vocabulary lacks. */
long nn_text_encode(const nn_dataset *d, const char *text, int32_t *ids,
                    size_t cap);

/* A vocabulary kept apart from its dataset (text.c): n characters, each
 * named by its UTF-8 bytes, in id order (load text's d->tokens). A model
 * trained on a text keeps one, so it can write without the text; model
 * files save it. Zeroed: no vocabulary. */
typedef struct nn_vocab {
	char **tokens;
	int n;
} nn_vocab;
/* v becomes a copy of tokens[0..n) (what it held is freed first); n 0
 * empties it. 0, or -1 out of memory (v then empty). */
int nn_vocab_set(nn_vocab *v, char *const *tokens, int n);
/* Free what v holds and zero it. */
void nn_vocab_free(nn_vocab *v);
/* Whether v holds tokens[0..n), the same strings in the same order. */
int nn_vocab_same(const nn_vocab *v, char *const *tokens, int n);
/* Whether v could be one that load text made: from 1 to 65536 entries,
 * each one UTF-8 character, in increasing code-point order. 0, or -1
 * with a message naming the first entry that is not. */
int nn_vocab_check(const nn_vocab *v);
/* nn_text_encode against a vocabulary. */
long nn_vocab_encode(const nn_vocab *v, const char *text, int32_t *ids,
                     size_t cap);

/* CSV files (csv.c), plain or gzip: numeric columns separated by sep,
 * "quoted" fields, an optional header line, blank lines and #-lines
 * skipped. Targets come from one label column (whole numbers >= 0, or
 * words that become class names in sorted order) or from float target
 * columns; every other column not skipped is an input. */
typedef struct nn_csv_opts {
	int header;             /* 1 yes, 0 no, -1 guess from the first lines */
	const char *label;      /* column name or 1-based number; NULL: last */
	const char *targets;    /* "3,4" or "y1,y2": float targets instead */
	const char *skip;       /* columns to leave out, as targets */
	char sep;               /* ',' when 0 */
} nn_csv_opts;
/* Load a CSV file. A malformed line fails with "FILE:LINE: ..." naming
 * the column. */
nn_dataset *nn_load_csv(const char *path, const nn_csv_opts *o);

/* Transforms (transform.c): each returns a new dataset and leaves its
 * argument unchanged; NULL with a message on failure. */

/* Samples [from, from + count) in order. */
nn_dataset *nn_dataset_slice(const nn_dataset *d, size_t from, size_t count);
/* All samples in a random order. */
nn_dataset *nn_dataset_shuffle(const nn_dataset *d, nn_rng *rng);
/* Split into *a (a fraction frac, in 0..1) and *b (the rest), each in the
 * original order. Classes are stratified: each class is split by frac
 * (rounded), so both parts keep the class balance. Returns 0 or -1. */
int nn_dataset_split(const nn_dataset *d, double frac, nn_rng *rng,
                     nn_dataset **a, nn_dataset **b);
/* Same samples with another input shape of the same size. */
nn_dataset *nn_dataset_reshape(const nn_dataset *d, const nn_shape *s);
/* Labels given as one-hot targets of width nclasses (two for 0/1 sets). */
nn_dataset *nn_dataset_onehot(const nn_dataset *d);
/* The inputs (scaled to floats) become the targets too, as an autoencoder
 * learns them; labels are dropped. */
nn_dataset *nn_dataset_autoencode(const nn_dataset *d);

/* A per-feature affine map x -> x * mul + add (n == 1: one for all). */
typedef struct nn_affine {
	size_t n;
	float *mul, *add;
} nn_affine;
/* Fit a map giving mean 0 and standard deviation 1 (constant features
 * are only centred), per feature or over all values. */
int nn_affine_standardize(const nn_dataset *d, int per_feature,
                          nn_affine *a);
/* Fit a map taking [min, max] to [lo, hi] (constant features go to lo). */
int nn_affine_minmax(const nn_dataset *d, int per_feature, double lo,
                     double hi, nn_affine *a);
void nn_affine_free(nn_affine *a);
/* Apply a fitted map (n must be 1 or d->xsize); inputs become floats. */
nn_dataset *nn_dataset_affine(const nn_dataset *d, const nn_affine *a);

/* Corrupt the inputs: Gaussian noise of standard deviation amount, or
 * masking (each value set to 0 with probability amount), or salt and
 * pepper (each value set to the min or max with probability amount).
 * With clip, results are clipped to the inputs' [min, max]. */
typedef enum nn_noise_kind {
	NN_NOISE_GAUSSIAN, NN_NOISE_MASK, NN_NOISE_SALTPEPPER
} nn_noise_kind;
nn_dataset *nn_dataset_noise(const nn_dataset *d, nn_noise_kind kind,
                             double amount, int clip, nn_rng *rng);

/* PCA whitening fitted on a set: x -> D^-1/2 U^T (x - mean), keeping the
 * k largest components; for up to NN_PCA_MAX features. */
#define NN_PCA_MAX 256
typedef struct nn_pca {
	size_t d, k;
	float *mean;            /* d */
	float *w;               /* k x d rows: component / sqrt(var + eps) */
	float *var;             /* k variances, largest first */
} nn_pca;
int nn_pca_fit(const nn_dataset *d, size_t k, double eps, nn_pca *p);
void nn_pca_free(nn_pca *p);
nn_dataset *nn_dataset_pca(const nn_dataset *d, const nn_pca *p);

/* Summary of a set's values (inputs after scaling). */
typedef struct nn_data_stats {
	double xmin, xmax, xmean, xstd;
	double ymin, ymax;      /* float targets, when there are any */
	size_t *counts;         /* nclasses counts, or NULL; free() it */
} nn_data_stats;
int nn_dataset_stats(const nn_dataset *d, nn_data_stats *s);
/* Input j of sample i as a float (bytes scaled). */
float nn_dataset_x(const nn_dataset *d, size_t i, size_t j);

#endif
