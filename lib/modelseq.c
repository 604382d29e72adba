/* modelseq.c - what a model file keeps for sequence models, read beside
 * modelfile.c: the characters of the text a model learned ("nnsh.vocab":
 * a JSON array of strings, one character each, in id order) and the
 * whole-sequence accuracies of its history ("history.seq": F64 rows of
 * seq_acc and val_seq_acc, one row per history point; NaN where a point
 * has none). Both are optional: older files load with no vocabulary and
 * NaN accuracies. modelsave.c writes them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "modelfile.h"
#include "nn.h"
#include "safetensors.h"

#define MAX_VOCAB 65536

/* "nnsh.vocab" into f->vocab, checked as load text would have made it. */
static int read_vocab(reader *r, nn_file *f)
{
	json_t *v = r->meta ? json_object_get(r->meta, "nnsh.vocab") : NULL;
	json_t *a, *e;
	json_error_t err;
	char **toks = NULL, msg[256];
	size_t i, n;
	int rc = -1;

	if (!v)
		return 0;
	if (!json_is_string(v))
		return st_fail(r, "nnsh.vocab is not a string");
	if (!(a = json_loads(json_string_value(v), JSON_REJECT_DUPLICATES,
	                     &err)))
		return st_fail(r, "nnsh.vocab is not valid JSON: %s", err.text);
	n = json_array_size(a);
	if (!json_is_array(a) || n < 1 || n > MAX_VOCAB) {
		st_fail(r, "nnsh.vocab should be an array of 1 to %d "
		        "characters", MAX_VOCAB);
		goto out;
	}
	if (!(toks = malloc(n * sizeof *toks))) {
		nn_fail("out of memory");
		goto out;
	}
	json_array_foreach(a, i, e) {
		if (!json_is_string(e)) {
			st_fail(r, "nnsh.vocab: entry %zu is not a string", i);
			goto out;
		}
		toks[i] = (char *)json_string_value(e);
	}
	if (nn_vocab_set(&f->vocab, toks, (int)n) < 0)
		goto out;
	if (nn_vocab_check(&f->vocab) < 0) {
		snprintf(msg, sizeof msg, "%s", nn_error());
		nn_vocab_free(&f->vocab);
		st_fail(r, "nnsh.vocab: %s", msg);
		goto out;
	}
	rc = 0;
out:
	free(toks);
	json_decref(a);
	return rc;
}

/* "history.seq" into the accuracies of f's history (read before). */
static int read_seq_acc(reader *r, nn_file *f)
{
	in_tensor *t = st_find(r, "history.seq");

	if (!t || !f->state)
		return 0;       /* without state, nn_load refuses the tensor */
	if (t->type != DT_F64 || t->ndim != 2 || t->shape[0] != f->hist.n ||
	    t->shape[1] != HIST_SEQ_COLS)
		return st_fail(r, "tensor 'history.seq' should be F64 rows of "
		               "%d, one for each of the %zu history points",
		               HIST_SEQ_COLS, f->hist.n);
	t->used = 1;
	for (size_t i = 0; i < f->hist.n; i++) {
		double v[HIST_SEQ_COLS];

		for (int c = 0; c < HIST_SEQ_COLS; c++) {
			uint64_t u = get_u64(r->data + t->begin +
			                     8 * (i * HIST_SEQ_COLS + c));

			memcpy(&v[c], &u, 8);
			if (!isnan(v[c]) && !(v[c] >= 0 && v[c] <= 1))
				return st_fail(r, "history.seq row %zu: %g is "
				               "not an accuracy", i, v[c]);
		}
		f->hist.p[i].seq_acc = v[0];
		f->hist.p[i].val_seq_acc = v[1];
	}
	return 0;
}

int nn_read_seq_parts(reader *r, nn_file *f)
{
	return read_vocab(r, f) < 0 || read_seq_acc(r, f) < 0 ? -1 : 0;
}
