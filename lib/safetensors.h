/* safetensors.h - reading any safetensors file: the header's tensors
 * checked against the data, looked up by name, read as floats. Shared by
 * the model-file reader (modelfile.c) and nn_load_weights (weights.c).
 * Internal to libnn. */
#ifndef NN_SAFETENSORS_H
#define NN_SAFETENSORS_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>

#include "modelfile.h"

typedef struct in_tensor {
	const char *name;
	dtype type;
	int ndim;
	size_t shape[MAX_DIMS];
	size_t count;
	size_t begin, end;      /* into the data */
	int used;
} in_tensor;

typedef struct reader {
	const char *path;
	unsigned char *buf;     /* the whole file */
	size_t size;
	const unsigned char *data;
	size_t dlen;
	json_t *root, *meta;
	in_tensor *t;
	size_t nt;
	in_tensor **byname;     /* the nt tensors sorted by name */
} reader;

/* Read path whole and parse its header: every tensor's dtype (F32, F64 or
 * I64), shape and offsets checked, the offsets tiling the data exactly.
 * 0, or -1 after nn_fail (call st_close either way). */
int st_open(reader *r, const char *path);
/* Free what st_open allocated. */
void st_close(reader *r);
/* Fail with the file's name in front of the message: returns -1. */
int st_fail(const reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int st_vfail(const reader *r, const char *fmt, va_list ap);
/* The tensor called name, or NULL. */
in_tensor *st_find(reader *r, const char *name);
/* Copy the metadata string `key` (a name, which `what` describes in a
 * message) into dst of len bytes: 1, or 0 when the file has none (or it
 * is not a string), or -1 after a failure when it is len bytes or more. */
int st_meta_name(const reader *r, const char *key, const char *what,
                 char *dst, size_t len);
/* Tensor t's values as floats (t is F32 or F64; I64 gives zeros). */
void st_read_floats(const in_tensor *t, const unsigned char *data,
                    float *out);
/* Tensor t's values as floats, as st_read_floats, for weights: 0, or -1
 * with a message naming the first that is NaN or infinite as a float. */
int st_read_weights(const reader *r, const in_tensor *t, float *out);

#endif
