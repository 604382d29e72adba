/* cmd_seq.c - sequences in the shell: `data NAME = make copy|reverse|sort|
 * add|parity` (the seeded tasks of lib/seqgen.c), how a dataset of
 * token ids is described, and `translate`, greedy decoding of the
 * seq2seq form. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "teach.h"

int sh_seq_task(const char *word, const sh_line *l)
{
	int t = nn_seq_parse(word);

	/* make parity bits=N is the classic set of bit vectors */
	return t == NN_SEQ_PARITY && !sh_opt(l, "len") ? -1 : t;
}

int sh_seq_data(sh_session *S, const sh_line *l, const char *name,
                const char *const *args, int nargs)
{
	int t = sh_seq_task(args[0], l);
	const char *allowed = nn_seq_kinds[t].options;
	nn_seq_opts o;
	nn_rng own, *rng = &S->rng;
	nn_dataset *d;
	long n, len, vocab, s2s, seed, minlen;

	if (nargs != 1)
		return sh_err(S, "make %s: unexpected '%s' (options are "
		              "key=value)", args[0], args[1]);
	for (int i = 1; i < l->n; i++)
		if (l->v[i].key && strcmp(l->v[i].key, "seed") &&
		    !sh_option_allowed(allowed, l->v[i].key))
			return sh_err(S, "make %s: unknown option '%s' "
			              "(options: %s seed)", args[0],
			              l->v[i].key, allowed);
	nn_seq_defaults((nn_seq_task)t, &o);
	if (sh_opt_long(S, l, "n", (long)o.n, 1, 10000000, &n) < 0 ||
	    sh_opt_long(S, l, "len", o.len, 1, 4096, &len) < 0 ||
	    sh_opt_long(S, l, "vocab", o.vocab, 2, 65536, &vocab) < 0 ||
	    sh_opt_long(S, l, "seq2seq", 0, 0, 1, &s2s) < 0 ||
	    sh_opt_long(S, l, "minlen", 0, 1, 4096, &minlen) < 0 ||
	    sh_opt_long(S, l, "seed", 0, 0, 0x7fffffffL, &seed) < 0)
		return -1;
	o.n = (size_t)n;
	o.len = (int)len;
	o.vocab = (int)vocab;
	o.seq2seq = (int)s2s;
	o.minlen = (int)minlen;
	if (sh_opt(l, "seed")) {
		nn_rng_seed(&own, (uint64_t)seed);
		rng = &own;
	}
	if (!(d = nn_make_seq((nn_seq_task)t, &o, rng)))
		return sh_err(S, "%s", nn_error());
	if (!sh_put_data(S, name, d))
		return sh_err(S, "out of memory");
	sh_seq_describe(S, name, d);
	return 0;
}

void sh_seq_describe(sh_session *S, const char *name, const nn_dataset *d)
{
	sh_printf(S, "%s: %zu sequences of %zu tokens (ids 0..%d), %zu "
	          "labels each (%d classes)\n", name, d->n, d->xsize,
	          d->vocab - 1, d->ylen, d->nclasses);
	if (d->pad >= 0)
		sh_printf(S, "%s: id %d pads the shorter ones; padded "
		          "positions have no label (-)\n", name, d->pad);
}

/* Up to 32 ids of v, in brackets; - for a position without a label. */
static void print_ids(sh_session *S, const int32_t *v, size_t n)
{
	sh_printf(S, "[");
	for (size_t j = 0; j < n && j < 32; j++)
		if (v[j] < 0)
			sh_printf(S, "%s-", j ? " " : "");
		else
			sh_printf(S, "%s%d", j ? " " : "", v[j]);
	sh_printf(S, "%s]", n > 32 ? " ..." : "");
}

/* Up to 60 characters of text (ids of d's vocabulary), quoted, with
 * newlines and tabs as \n and \t. */
static void print_text(sh_session *S, const nn_dataset *d, const int32_t *v,
                       size_t n)
{
	sh_printf(S, "\"");
	for (size_t j = 0; j < n && j < 60; j++) {
		const char *c = v[j] >= 0 ? d->tokens[v[j]] : "";

		sh_printf(S, "%s", strcmp(c, "\n") == 0 ? "\\n"
		          : strcmp(c, "\t") == 0 ? "\\t"
		          : strcmp(c, "\"") == 0 ? "\\\"" : c);
	}
	sh_printf(S, "\"%s", n > 60 ? "..." : "");
}

void sh_seq_print(sh_session *S, const char *name, const nn_dataset *d,
                  size_t from, size_t to)
{
	if (d->tokens && d->ytok && (size_t)d->nclasses == (size_t)d->vocab) {
		for (size_t i = from; i < to; i++) {   /* text, as text */
			sh_printf(S, "%s:%zu  ", name, i);
			print_text(S, d, d->xtok + i * d->xsize, d->xsize);
			sh_printf(S, " -> ");
			print_text(S, d, d->ytok + i * d->ylen, d->ylen);
			sh_printf(S, "\n");
		}
		return;
	}
	for (size_t i = from; i < to; i++) {
		sh_printf(S, "%s:%zu  ", name, i);
		print_ids(S, d->xtok + i * d->xsize, d->xsize);
		if (d->ytok) {
			sh_printf(S, " -> ");
			print_ids(S, d->ytok + i * d->ylen, d->ylen);
		}
		sh_printf(S, "\n");
	}
}

void sh_seq_info(sh_session *S, const char *name, const nn_dataset *d)
{
	sh_printf(S, "%s: %zu samples\n", name, d->n);
	sh_printf(S, "  inputs   %zu token ids each, from 0 to %d\n",
	          d->xsize, d->vocab - 1);
	if (d->pad >= 0)
		sh_printf(S, "  padding  id %d; padded positions have no "
		          "label\n", d->pad);
	if (d->tokens)
		sh_printf(S, "  text     %d distinct characters; each label is "
		          "the next one\n", d->vocab);
	if (d->ytok)
		sh_printf(S, "  targets  %zu labels each (one per position), "
		          "%d classes\n", d->ylen, d->nclasses);
}

/* Ids v[0..n) in brackets, up to the first that is stop (not shown). */
static size_t print_until(sh_session *S, const int32_t *v, size_t n,
                          int32_t stop)
{
	size_t k = 0;

	sh_printf(S, "[");
	for (; k < n && v[k] != stop; k++)
		sh_printf(S, "%s%d", k ? " " : "", v[k]);
	sh_printf(S, "]");
	return k;
}

/* Greedy decoding of sample i of d (the seq2seq form: T source ids, the
 * start id, T target ids in; T + 1 labels out, the last the end label)
 * by m: the answer so far fills the input after the start, one id a
 * pass, until the end label or T + 1 ids. out gets them; returns how
 * many, or -1 with a message. */
static long decode(nn_model *m, const nn_dataset *d, size_t i, int32_t *out,
                   float *x)
{
	size_t T = d->ylen - 1, w = (size_t)d->nclasses;
	const int32_t *src = d->xtok + i * d->xsize;
	int32_t end = d->nclasses - 1;

	for (size_t t = 0; t < d->xsize; t++)   /* the rest: never read */
		x[t] = (float)src[t <= T ? t : T];
	for (size_t k = 0; k <= T; k++) {
		const float *y = nn_model_forward(m, x, 1, 0, NULL), *row;
		size_t best = 0;

		if (!y)
			return -1;
		row = y + k * w;
		for (size_t c = 1; c < w; c++)
			best = row[c] > row[best] ? c : best;
		out[k] = (int32_t)best;
		if (out[k] == end)
			return (long)k + 1;
		if (k < T)
			x[T + 1 + k] = (float)best;
	}
	return (long)T + 1;
}

int cmd_translate(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_pos(l, 0)->text);
	const char *ref = sh_pos(l, 1)->text;
	sh_data *sd;
	size_t first, T;
	long count;
	int32_t *out;
	float *x;
	const nn_dataset *d;

	if (!sm || sh_opt_long(S, l, "n", 1, 1, 1000, &count) < 0)
		return -1;
	switch (sh_parse_sample(S, ref, &sd, &first)) {
	case 1:
		return sh_err(S, "translate: '%s': give a sample as DATA:i",
		              ref);
	case -1:
		return -1;
	}
	d = sd->d;
	if (!d->xtok || !d->ytok || d->ylen < 2 ||
	    d->xsize != 2 * d->ylen - 1)
		return sh_err(S, "translate: %s is not in the seq2seq form "
		              "(make TASK seq2seq=1: source, start, target)",
		              sd->name);
	if (sh_check_data(S, sm, sd, 1) < 0)
		return -1;
	if (nn_model_check_tokens(sm->m, d->vocab) < 0)
		return sh_err(S, "translate: %s", nn_error());
	T = d->ylen - 1;
	out = malloc(d->ylen * sizeof *out);
	x = malloc(d->xsize * sizeof *x);
	if (!out || !x) {
		free(out);
		free(x);
		return sh_err(S, "out of memory");
	}
	for (size_t i = first; i < d->n && i < first + (size_t)count; i++) {
		const int32_t *tgt = d->ytok + i * d->ylen;
		long got = decode(sm->m, d, i, out, x);
		int right;

		if (got < 0) {
			free(out);
			free(x);
			return sh_err(S, "translate: %s", nn_error());
		}
		right = got == (long)d->ylen &&
		        memcmp(out, tgt, d->ylen * sizeof *out) == 0;
		sh_printf(S, "%s:%zu  ", sd->name, i);
		print_until(S, d->xtok + i * d->xsize, T, -2);
		sh_printf(S, "  target ");
		print_until(S, tgt, d->ylen, d->nclasses - 1);
		sh_printf(S, "  output ");
		print_until(S, out, (size_t)got, d->nclasses - 1);
		sh_printf(S, "%s  %s\n", out[got - 1] == d->nclasses - 1 ? ""
		          : " (no end)", right ? "right" : "wrong");
	}
	free(out);
	free(x);
	return 0;
}
