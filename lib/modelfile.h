/* modelfile.h - what the writer (modelsave.c) and the reader
 * (modelfile.c, modelfields.c, modelspec.c, modelseq.c) of model files
 * share: the element types of tensors, the columns of the history,
 * little-endian integers, the checked reading of fields and the reading
 * of one layer's spec. Internal to libnn. */
#ifndef NN_MODELFILE_H
#define NN_MODELFILE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "nn.h"

#define MAX_DIMS 8
#define HIST_COLS 9
#define HIST_SEQ_COLS 2  /* "history.seq": seq_acc val_seq_acc */
#define GAN_COLS 7       /* a GAN point: epoch iter d_loss g_loss d_real
                          * d_fake seconds */

typedef enum dtype { DT_F32, DT_F64, DT_I64 } dtype;
static const char *const dtype_names[] = { "F32", "F64", "I64" };
static const size_t dtype_size[] = { 4, 8, 8 };

static inline void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t get_u32(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Layer i's spec (0-based) from its JSON object o in "nnsh.layers":
 * strings in s point into o; args (NN_MAXARGS bytes) receives its
 * arguments when the file holds them in the old fields. Inputs and ties
 * must name nodes before i. 0, or -1 with a one-line message. */
int nn_spec_read(json_t *o, size_t i, nn_layer_spec *s, char *args);

/* The checked reading of a file's parts (modelfields.c). Each returns 0,
 * or -1 (NULL) after st_fail's one-line message naming the file. */
struct reader;
struct in_tensor;
/* Tensor name, of type and count elements; NULL quietly when absent and
 * optional. */
struct in_tensor *mf_want_tensor(struct reader *r, const char *name,
                                 dtype type, size_t count, int optional);
/* Metadata string key, or NULL when absent or not a string. */
const char *mf_meta_str(struct reader *r, const char *key);
/* Metadata entry key holding JSON text, parsed; NULL when absent, or
 * bad (*failed set, with a message). */
json_t *mf_meta_parse(struct reader *r, const char *key, int *failed);
/* Number field key of object o (entry what), in [lo, hi]: real, whole
 * (a boolean reads as 0 or 1), four reals (null for NaN), or optional:
 * opt_int leaves 0 when absent, opt_real leaves *out as it is. */
int mf_get_real(struct reader *r, json_t *o, const char *what,
                const char *key, double lo, double hi, double *out);
int mf_get_long(struct reader *r, json_t *o, const char *what,
                const char *key, long lo, long hi, long *out);
int mf_get_real4(struct reader *r, json_t *o, const char *w,
                 const char *key, double *v);
int mf_opt_int(struct reader *r, json_t *o, const char *what,
               const char *key, int *out);
int mf_opt_real(struct reader *r, json_t *o, const char *what,
                const char *key, double lo, double hi, double *out);
/* A name (1 to 63 bytes) in field key of object o, into out. */
int mf_get_name(struct reader *r, json_t *o, const char *w,
                const char *key, char *out);
/* A random state of four 64-bit hex strings, not all zero. */
int mf_parse_rng(struct reader *r, const char *w, json_t *a, nn_rng *rng);
/* The I64 tensor name, an order of n samples, into a new *perm. */
int mf_read_perm(struct reader *r, const char *name, size_t n,
                 size_t **perm);

/* What a file keeps for sequence models (modelseq.c): the vocabulary
 * into f->vocab and, with state, the history's whole-sequence accuracies
 * (after its points are read). Both optional; 0, or -1 with a one-line
 * message. */
int nn_read_seq_parts(struct reader *r, nn_file *f);

#endif
