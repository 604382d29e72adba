/* modelfile.h - what the writer (modelsave.c) and the reader
 * (modelfile.c, modelspec.c) of model files share: the element types of
 * tensors, the columns of the history, little-endian integers, and the
 * reading of one layer's spec. Internal to libnn. */
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

/* What a file keeps for sequence models (modelseq.c): the vocabulary
 * into f->vocab and, with state, the history's whole-sequence accuracies
 * (after its points are read). Both optional; 0, or -1 with a one-line
 * message. */
struct reader;
int nn_read_seq_parts(struct reader *r, nn_file *f);

#endif
