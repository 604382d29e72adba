/* seqgen.c - the seeded sequence tasks (make copy, reverse, sort, add,
 * parity): token ids kept as integers, labelled per position, in the
 * aligned form an encoder or a recurrent net answers at every position,
 * or in the decoder's form with start and end tokens (seq2seq); the
 * aligned form may vary in length, padded (minlen=). */
#include <stdlib.h>
#include <string.h>

#include "nn.h"

const nn_gen_info nn_seq_kinds[NN_SEQ_COUNT] = {
	{ "copy", "n len vocab seq2seq minlen", "the same tokens back" },
	{ "reverse", "n len vocab seq2seq minlen",
	  "the tokens in reverse order" },
	{ "sort", "n len vocab seq2seq minlen",
	  "the tokens in increasing order" },
	{ "add", "n len vocab seq2seq", "the digits of a + b from those of "
	  "a and b, least significant first" },
	{ "parity", "n len seq2seq minlen", "the parity of the bits so far" },
};

#define MAX_LEN 4096
#define MAX_VOCAB 65536

int nn_seq_parse(const char *name)
{
	for (int k = 0; k < NN_SEQ_COUNT; k++)
		if (strcmp(name, nn_seq_kinds[k].name) == 0)
			return k;
	return -1;
}

void nn_seq_defaults(nn_seq_task t, nn_seq_opts *o)
{
	memset(o, 0, sizeof *o);
	o->n = 1000;
	o->len = 8;
	o->vocab = t == NN_SEQ_PARITY ? 2 : 10;
}

static int cmp_tok(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* One sample of task t: its source src[0..T) and target tgt[0..T), of
 * which the first L positions are the task's and the rest padding (the
 * id pad, no label). */
static void sample(nn_seq_task t, const nn_seq_opts *o, nn_rng *rng,
                   int32_t *src, int32_t *tgt, int T, int L, int pad)
{
	uint32_t v = (uint32_t)o->vocab;
	int carry = 0, par = 0;

	switch (t) {
	case NN_SEQ_COPY:
	case NN_SEQ_REVERSE:
	case NN_SEQ_SORT:
		for (int i = 0; i < L; i++)
			src[i] = (int32_t)nn_rng_below(rng, v);
		for (int i = 0; i < L; i++)
			tgt[i] = src[t == NN_SEQ_REVERSE ? L - 1 - i : i];
		if (t == NN_SEQ_SORT)
			qsort(tgt, (size_t)L, sizeof *tgt, cmp_tok);
		break;
	case NN_SEQ_ADD:
		for (int i = 0; i < T; i++) {
			int a = i < o->len ? (int)nn_rng_below(rng, v) : 0;
			int b = i < o->len ? (int)nn_rng_below(rng, v) : 0;
			int s = a + b + carry;

			src[i] = a * o->vocab + b;
			tgt[i] = s % o->vocab;
			carry = s / o->vocab;
		}
		break;
	case NN_SEQ_PARITY:
		for (int i = 0; i < L; i++) {
			src[i] = (int32_t)nn_rng_below(rng, 2);
			par ^= src[i];
			tgt[i] = par;
		}
		break;
	case NN_SEQ_COUNT:
		break;
	}
	for (int i = L; i < T; i++) {
		src[i] = pad;
		tgt[i] = -1;
	}
}

/* Refuse minlen= where it has no meaning; 0 when it fits. */
static int check_minlen(nn_seq_task t, const nn_seq_opts *o)
{
	const char *name = nn_seq_kinds[t].name;

	if (!o->minlen)
		return 0;
	if (t == NN_SEQ_ADD || o->seq2seq)
		return nn_fail("make %s: minlen= pads the aligned form of copy,"
		               " reverse, sort and parity", name);
	if (o->minlen < 1 || o->minlen > o->len)
		return nn_fail("make %s: minlen=%d (from 1 to len=%d)", name,
		               o->minlen, o->len);
	return 0;
}

nn_dataset *nn_make_seq(nn_seq_task t, const nn_seq_opts *o, nn_rng *rng)
{
	int T = t == NN_SEQ_ADD ? o->len + 1 : o->len;
	int in_vocab, classes, xs, ys;
	int32_t *src, *tgt;
	nn_dataset *d;

	if (t < 0 || t >= NN_SEQ_COUNT) {
		nn_fail("unknown sequence task");
		return NULL;
	}
	if (o->n < 1 || o->n > 10000000 || o->len < 1 || o->len > MAX_LEN) {
		nn_fail("make %s: n=%zu len=%d (n from 1 to 10^7, len from 1 "
		        "to %d)", nn_seq_kinds[t].name, o->n, o->len, MAX_LEN);
		return NULL;
	}
	if (t == NN_SEQ_PARITY && o->vocab != 2) {
		nn_fail("make parity: the tokens are bits (vocab 2), not %d",
		        o->vocab);
		return NULL;
	}
	if (o->vocab < 2 || o->vocab > (t == NN_SEQ_ADD ? 256 : MAX_VOCAB)) {
		nn_fail("make %s: vocab=%d (from 2 to %d)",
		        nn_seq_kinds[t].name, o->vocab,
		        t == NN_SEQ_ADD ? 256 : MAX_VOCAB);
		return NULL;
	}
	if (check_minlen(t, o) < 0)
		return NULL;
	in_vocab = t == NN_SEQ_ADD ? o->vocab * o->vocab : o->vocab;
	if (o->minlen)
		in_vocab++;             /* the padding id */
	classes = o->vocab;
	xs = o->seq2seq ? 2 * T + 1 : T;
	ys = o->seq2seq ? T + 1 : T;
	if (o->seq2seq) {       /* a start token after every input id, an
		                 * end label after every target */
		in_vocab = (in_vocab > classes ? in_vocab : classes) + 1;
		classes += 1;
	}
	d = nn_dataset_new();
	src = malloc((size_t)T * sizeof *src);
	tgt = malloc((size_t)T * sizeof *tgt);
	if (!d || !src || !tgt ||
	    !(d->xtok = malloc(o->n * (size_t)xs * sizeof *d->xtok)) ||
	    !(d->ytok = malloc(o->n * (size_t)ys * sizeof *d->ytok))) {
		nn_dataset_free(d);
		free(src);
		free(tgt);
		nn_fail("out of memory for %zu sequences", o->n);
		return NULL;
	}
	d->n = o->n;
	d->xshape = (nn_shape){ 1, { xs, 0, 0, 0 } };
	d->xsize = (size_t)xs;
	d->vocab = in_vocab;
	d->nclasses = classes;
	d->ylen = (size_t)ys;
	d->ysize = (size_t)ys * (size_t)classes;
	d->pad = o->minlen ? o->vocab : -1;
	for (size_t i = 0; i < o->n; i++) {
		int32_t *x = d->xtok + i * (size_t)xs;
		int32_t *y = d->ytok + i * (size_t)ys;
		int L = o->minlen ? o->minlen + (int)nn_rng_below(rng,
		        (uint32_t)(T - o->minlen + 1)) : T;

		sample(t, o, rng, src, tgt, T, L, d->pad);
		memcpy(x, src, (size_t)T * sizeof *x);
		memcpy(y, tgt, (size_t)T * sizeof *y);
		if (o->seq2seq) {
			x[T] = in_vocab - 1;            /* start */
			memcpy(x + T + 1, tgt, (size_t)T * sizeof *x);
			y[T] = classes - 1;             /* end */
		}
	}
	free(src);
	free(tgt);
	return d;
}
