/* cmd_text.c - text in the shell: `data NAME = load text FILE` (lib's
 * character-level datasets), the characters a model keeps from the text
 * it is trained on, and `generate`, which lets a next-character model
 * write: greedy at temperature 0, sampled otherwise, the same text for
 * the same seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

int sh_text_data(sh_session *S, const sh_line *l, const char *name,
                 const char *const *args, int nargs)
{
	long len, step;
	nn_dataset *d;

	for (int i = 1; i < l->n; i++)
		if (l->v[i].key && !sh_option_allowed("len step", l->v[i].key))
			return sh_err(S, "load text: unknown option '%s' "
			              "(options: len step)", l->v[i].key);
	if (nargs != 2)
		return sh_err(S, "load text needs one file: load text FILE "
		              "[len=64] [step=LEN]");
	if (sh_opt_long(S, l, "len", 64, 1, 4096, &len) < 0 ||
	    sh_opt_long(S, l, "step", len, 1, 1L << 24, &step) < 0)
		return -1;
	if (!(d = nn_load_text(args[1], (int)len, (int)step)))
		return sh_err(S, "%s", nn_error());
	if (!sh_put_data(S, name, d))
		return sh_err(S, "out of memory");
	sh_seq_describe(S, name, d);
	return 0;
}

/* The next id after the model's output row p (w values, probabilities
 * when probs, else logits): the most likely at temperature 0, else
 * drawn with probabilities proportional to p^(1/temperature). */
static int pick(const float *p, int w, int probs, double temp, nn_rng *rng)
{
	double *l = malloc((size_t)w * sizeof *l), max = -INFINITY, sum = 0;
	double u;
	int best = 0;

	if (!l)
		return 0;
	for (int i = 0; i < w; i++) {
		l[i] = probs ? log(p[i] > 0 ? p[i] : 1e-30) : p[i];
		if (l[i] > max) {
			max = l[i];
			best = i;
		}
	}
	if (temp <= 0) {
		free(l);
		return best;
	}
	for (int i = 0; i < w; i++)
		sum += l[i] = exp((l[i] - max) / temp);
	u = nn_rng_uniform(rng) * sum;
	for (int i = 0; i < w; i++) {
		u -= l[i];
		if (u < 0) {
			free(l);
			return i;
		}
	}
	free(l);
	return best;
}

/* Check that sm reads T ids and answers T rows of v's characters (those
 * of whose). */
static int fits_text(sh_session *S, const sh_model *sm, const nn_vocab *v,
                     const char *whose, int *T)
{
	const nn_shape *in = nn_model_input_shape(sm->m);
	const nn_shape *out = nn_model_output_shape(sm->m);

	if (nn_model_layers(sm->m) == 0 || in->ndim != 1 || out->ndim != 2 ||
	    out->dim[0] != in->dim[0] || out->dim[1] != v->n)
		return sh_err(S, "generate: %s must read T characters and "
		              "answer T rows of the %d characters of %s (a "
		              "next-character model)", sm->name, v->n, whose);
	*T = in->dim[0];
	return 0;
}

int sh_keep_vocab(sh_session *S, sh_model *sm, const sh_data *sd)
{
	const nn_dataset *d = sd->d;

	if (!d->tokens)
		return 0;
	if (!sm->vocab.n) {
		if (nn_vocab_set(&sm->vocab, d->tokens, d->vocab) < 0)
			return sh_err(S, "%s", nn_error());
		return 0;
	}
	if (!nn_vocab_same(&sm->vocab, d->tokens, d->vocab))
		sh_printf(S, "note: %s keeps the %d characters of the text it "
		          "was first trained on, not the %d of %s ('generate "
		          "%s %s' writes with those of %s)\n", sm->name,
		          sm->vocab.n, d->vocab, sd->name, sm->name, sd->name,
		          sd->name);
	return 0;
}

/* The characters generate writes with: those of DATA (*sd) when the
 * line names it, else the model's own. */
static int gen_vocab(sh_session *S, const sh_line *l, const sh_model *sm,
                     sh_data **sd, nn_vocab *v)
{
	const sh_arg *data = sh_pos(l, 1);

	*sd = NULL;
	if (data) {
		if (!(*sd = sh_data_arg(S, data->text)))
			return -1;
		if (!(*sd)->d->tokens)
			return sh_err(S, "generate: %s has no characters; load "
			              "text makes a dataset that has",
			              (*sd)->name);
		*v = (nn_vocab){ (*sd)->d->tokens, (*sd)->d->vocab };
		return 0;
	}
	if (!sm->vocab.n)
		return sh_err(S, "generate: %s keeps no characters (it was "
		              "not trained on a text): name the text, generate "
		              "%s DATA", sm->name, sm->name);
	*v = sm->vocab;
	return 0;
}

int cmd_generate(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_pos(l, 0)->text);
	const char *prompt = sh_opt(l, "prompt");
	sh_data *sd;
	nn_vocab v;
	long n, seed;
	double temp;
	int T = 0, probs;
	int32_t *ids = NULL;
	float *x = NULL;
	long have;
	nn_rng own, *rng = &S->rng;

	if (!sm || gen_vocab(S, l, sm, &sd, &v) < 0 ||
	    fits_text(S, sm, &v, sd ? sd->name : "its text", &T) < 0 ||
	    sh_opt_long(S, l, "n", 200, 1, 100000, &n) < 0 ||
	    sh_opt_double(S, l, "temperature", 1, 0, 100, &temp) < 0 ||
	    sh_opt_long(S, l, "seed", 0, 0, 0x7fffffffL, &seed) < 0)
		return -1;
	if (prompt && !*prompt)
		return sh_err(S, "generate: the prompt is empty");
	have = prompt ? nn_vocab_encode(&v, prompt, NULL, 0) : 1;
	if (have < 0)
		return sh_err(S, "generate: prompt: %s", nn_error());
	if (!(ids = malloc((size_t)(have + n) * sizeof *ids)) ||
	    !(x = malloc((size_t)T * sizeof *x))) {
		free(ids);
		return sh_err(S, "out of memory");
	}
	if (prompt)
		nn_vocab_encode(&v, prompt, ids, (size_t)have);
	else    /* the text's first character, or the first of all */
		ids[0] = sd ? sd->d->xtok[0] : 0;
	if (sh_opt(l, "seed")) {
		nn_rng_seed(&own, (uint64_t)seed);
		rng = &own;
	}
	probs = nn_model_output_act(sm->m) == NN_ACT_SOFTMAX;
	for (long k = 0; k < have; k++)
		sh_printf(S, "%s", v.tokens[ids[k]]);
	for (long k = have; k < have + n; k++) {
		/* the last T characters at most, from position 0; the model
		 * reads left to right, so what fills the rest is never seen */
		long from = k > T ? k - T : 0, w = k - from;
		const float *out;
		const float *row;

		for (long t = 0; t < T; t++)
			x[t] = (float)ids[from + (t < w ? t : w - 1)];
		if (!(out = nn_model_forward(sm->m, x, 1, 0, NULL))) {
			sh_printf(S, "\n");
			free(ids);
			free(x);
			return sh_err(S, "generate: %s", nn_error());
		}
		row = probs ? out + (w - 1) * v.n
		            : nn_model_z(sm->m, nn_model_layers(sm->m) - 1) +
		              (w - 1) * v.n;
		ids[k] = pick(row, v.n, probs, temp, rng);
		sh_printf(S, "%s", v.tokens[ids[k]]);
	}
	sh_printf(S, "\n");
	free(ids);
	free(x);
	return 0;
}
