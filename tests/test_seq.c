/* test_seq.c - sequences: the seeded tasks (lib/seqgen.c) checked sample
 * by sample against what each task means, token ids kept as integers
 * through subsets and gathered as their values with one-hot rows per
 * position, per-token and whole-sequence accuracy on outputs set by
 * hand, and bad options and bad token datasets refused; embed and the
 * layers that act per position on a sequence (dense, layernorm, softmax)
 * gradient-checked and compared with the same sums written out;
 * attention, lstm and gru compared with PyTorch's nn.MultiheadAttention,
 * nn.LSTM and nn.GRU on the same weights (attention_ref.h and rnn_ref.h,
 * written by attention_ref.py and rnn_ref.py) and gradient-checked. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention_ref.h"
#include "rnn_ref.h"
#include "gradcheck.h"
#include "nn.h"
#include "suite.h"

#define TOL 1e-2
#define EPS 1e-2

static nn_dataset *make(nn_seq_task t, size_t n, int len, int vocab,
                        int s2s, uint64_t seed)
{
	nn_seq_opts o;
	nn_rng r;
	nn_dataset *d;

	nn_seq_defaults(t, &o);
	o.n = n;
	o.len = len;
	o.vocab = vocab;
	o.seq2seq = s2s;
	nn_rng_seed(&r, seed);
	d = nn_make_seq(t, &o, &r);
	ck_assert_msg(d != NULL, "make: %s", nn_error());
	ck_assert_int_eq(nn_dataset_check(d), 0);
	return d;
}

static int cmp(const void *a, const void *b)
{
	return *(const int32_t *)a - *(const int32_t *)b;
}

START_TEST(tasks_mean_what_they_say)
{
	nn_dataset *c = make(NN_SEQ_COPY, 50, 7, 5, 0, 1);
	nn_dataset *r = make(NN_SEQ_REVERSE, 50, 7, 5, 0, 1);
	nn_dataset *s = make(NN_SEQ_SORT, 50, 7, 5, 0, 1);
	nn_dataset *p = make(NN_SEQ_PARITY, 50, 9, 2, 0, 1);
	int seen[5] = { 0 };

	ck_assert_int_eq(c->xsize, 7);
	ck_assert_int_eq(c->ylen, 7);
	ck_assert_int_eq(c->ysize, 7 * 5);
	ck_assert_int_eq(c->vocab, 5);
	ck_assert_ptr_null(c->x);
	ck_assert_ptr_null(c->labels);
	for (size_t i = 0; i < 50; i++) {
		const int32_t *x = r->xtok + i * 7, *y = r->ytok + i * 7;
		int32_t sorted[7], par = 0;

		for (int t = 0; t < 7; t++) {
			ck_assert_int_eq(c->ytok[i * 7 + t],
			                 c->xtok[i * 7 + t]);
			ck_assert_int_eq(y[t], x[6 - t]);
			seen[x[t]]++;
		}
		memcpy(sorted, s->xtok + i * 7, sizeof sorted);
		qsort(sorted, 7, sizeof *sorted, cmp);
		ck_assert_mem_eq(sorted, s->ytok + i * 7, sizeof sorted);
		for (int t = 0; t < 9; t++) {
			par ^= p->xtok[i * 9 + t];
			ck_assert_int_eq(p->ytok[i * 9 + t], par);
		}
	}
	for (int k = 0; k < 5; k++)     /* every id drawn, none out of range */
		ck_assert_int_gt(seen[k], 30);
	/* the same seed gives the same set; the tasks draw the same sources */
	nn_dataset *c2 = make(NN_SEQ_COPY, 50, 7, 5, 0, 1);

	ck_assert_mem_eq(c->xtok, c2->xtok, 50 * 7 * sizeof *c->xtok);
	ck_assert_mem_eq(c->xtok, r->xtok, 50 * 7 * sizeof *c->xtok);
	nn_dataset_free(c);
	nn_dataset_free(c2);
	nn_dataset_free(r);
	nn_dataset_free(s);
	nn_dataset_free(p);
}
END_TEST

/* a + b from the digit tokens, least significant first. */
START_TEST(add_digits)
{
	nn_dataset *d = make(NN_SEQ_ADD, 40, 4, 10, 0, 2);

	ck_assert_int_eq(d->xsize, 5);
	ck_assert_int_eq(d->vocab, 100);
	ck_assert_int_eq(d->nclasses, 10);
	for (size_t i = 0; i < 40; i++) {
		long a = 0, b = 0, sum = 0, place = 1;

		for (int t = 0; t < 5; t++, place *= 10) {
			int tok = d->xtok[i * 5 + t];

			a += tok / 10 * place;
			b += tok % 10 * place;
			sum += d->ytok[i * 5 + t] * place;
		}
		ck_assert_int_eq(d->xtok[i * 5 + 4], 0);
		ck_assert_int_eq(sum, a + b);
	}
	nn_dataset_free(d);
}
END_TEST

/* seq2seq: source, start, target in; target, end out. */
START_TEST(seq2seq_form)
{
	nn_dataset *d = make(NN_SEQ_REVERSE, 10, 4, 6, 1, 3);

	ck_assert_int_eq(d->xsize, 9);
	ck_assert_int_eq(d->ylen, 5);
	ck_assert_int_eq(d->vocab, 7);
	ck_assert_int_eq(d->nclasses, 7);
	for (size_t i = 0; i < 10; i++) {
		const int32_t *x = d->xtok + i * 9, *y = d->ytok + i * 5;

		ck_assert_int_eq(x[4], 6);              /* start */
		ck_assert_int_eq(y[4], 6);              /* end */
		for (int t = 0; t < 4; t++) {
			ck_assert_int_eq(y[t], x[3 - t]);
			ck_assert_int_eq(x[5 + t], y[t]);
			ck_assert_int_lt(x[t], 6);
		}
	}
	nn_dataset_free(d);
}
END_TEST

START_TEST(gather_and_subset)
{
	nn_dataset *d = make(NN_SEQ_REVERSE, 6, 3, 4, 0, 4), *s;
	size_t idx[2] = { 5, 2 };
	float x[6], y[2 * 3 * 4];

	s = nn_dataset_subset(d, idx, 2);
	ck_assert_ptr_nonnull(s);
	ck_assert_mem_eq(s->xtok, d->xtok + 15, 3 * sizeof *d->xtok);
	ck_assert_mem_eq(s->ytok + 3, d->ytok + 6, 3 * sizeof *d->ytok);
	nn_dataset_gather(d, idx, 2, x, y);
	for (int k = 0; k < 2; k++)
		for (int t = 0; t < 3; t++) {
			int lab = d->ytok[idx[k] * 3 + t];

			ck_assert_float_eq(x[k * 3 + t],
			                   (float)d->xtok[idx[k] * 3 + t]);
			for (int c = 0; c < 4; c++)
				ck_assert_float_eq(y[(k * 3 + t) * 4 + c],
				                   c == lab);
		}
	ck_assert_int_eq(nn_dataset_rows(d), 3);
	ck_assert_int_eq(nn_dataset_label(d, 0), -1);
	/* transforms that need numbers refuse, one line */
	ck_assert_ptr_null(nn_dataset_noise(d, NN_NOISE_GAUSSIAN, 0.1, 0,
	                                    NULL));
	ck_assert_ptr_nonnull(strstr(nn_error(), "token ids"));
	nn_dataset_free(s);
	nn_dataset_free(d);
}
END_TEST

/* A model whose outputs are its inputs: outputs set by hand score as
 * counted by hand, per token and per whole sequence. */
START_TEST(accuracy_per_token_and_sequence)
{
	nn_dataset *d = nn_dataset_new();
	nn_shape in = { 1, { 2 * 3 } };
	nn_model *m = nn_model_new(&in);
	nn_rng r;
	size_t seqs;
	double loss, acc;
	/* 2 samples of 2 positions, 3 classes: the inputs are the logits */
	static const float logits[2][6] = {
		{ 5, 0, 0,   0, 5, 0 },     /* 0 1: both right */
		{ 0, 0, 5,   5, 0, 0 },     /* 2 0: the second wrong */
	};
	static const int32_t labels[4] = { 0, 1, 2, 1 };

	d->n = 2;
	d->xshape = in;
	d->xsize = 6;
	d->x = malloc(sizeof logits);
	memcpy(d->x, logits, sizeof logits);
	d->ytok = malloc(sizeof labels);
	memcpy(d->ytok, labels, sizeof labels);
	d->ylen = 2;
	d->nclasses = 3;
	d->ysize = 6;
	ck_assert_int_eq(nn_dataset_check(d), 0);
	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_model_add(m, &(nn_layer_spec){ .kind = "linear" },
	                              &r), 0);
	ck_assert_int_eq(nn_evaluate_seq(m, NN_LOSS_CE, d, 0, &loss, &acc,
	                                 &seqs), 0);
	ck_assert_double_eq_tol(acc, 0.75, 1e-12);
	ck_assert_int_eq(seqs, 1);
	/* the loss is the mean over the 4 positions of -log softmax */
	double lse = log(exp(5) + 2), want = 3 * (lse - 5) + (lse - 0);

	ck_assert_double_eq_tol(loss, want / 4, 1e-5);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

START_TEST(bad_options_and_data)
{
	nn_seq_opts o;
	nn_rng r;
	nn_dataset *d;

	nn_rng_seed(&r, 1);
	nn_seq_defaults(NN_SEQ_PARITY, &o);
	o.vocab = 3;
	ck_assert_ptr_null(nn_make_seq(NN_SEQ_PARITY, &o, &r));
	ck_assert_ptr_nonnull(strstr(nn_error(), "bits"));
	nn_seq_defaults(NN_SEQ_COPY, &o);
	o.len = 0;
	ck_assert_ptr_null(nn_make_seq(NN_SEQ_COPY, &o, &r));
	o.len = 3;
	o.vocab = 1;
	ck_assert_ptr_null(nn_make_seq(NN_SEQ_COPY, &o, &r));
	ck_assert_ptr_nonnull(strstr(nn_error(), "vocab=1"));
	ck_assert_int_eq(nn_seq_parse("reverse"), NN_SEQ_REVERSE);
	ck_assert_int_eq(nn_seq_parse("revers"), -1);
	/* a token id outside the vocabulary is named */
	d = make(NN_SEQ_COPY, 3, 4, 5, 0, 9);
	d->xtok[6] = 5;
	ck_assert_int_eq(nn_dataset_check(d), -1);
	ck_assert_str_eq(nn_error(), "token 5 of sample 1 is not in 0..4");
	d->xtok[6] = 0;
	d->ytok[11] = 5;
	ck_assert_int_eq(nn_dataset_check(d), -1);
	ck_assert_str_eq(nn_error(), "label 5 of sample 2 is not in 0..4");
	nn_dataset_free(d);
}
END_TEST


static void add_ok(nn_model *m, nn_rng *r, const char *kind, const char *args,
                   nn_act act)
{
	nn_layer_spec s = { .kind = kind, .args = args, .act = act };

	ck_assert_msg(nn_model_add(m, &s, r) == 0, "add %s %s: %s", kind,
	              args, nn_error());
}

/* T token ids (as floats, as a batch gathers them) drawn below vocab. */
static void ids(nn_rng *r, float *x, size_t count, int vocab)
{
	for (size_t i = 0; i < count; i++)
		x[i] = (float)nn_rng_below(r, (uint32_t)vocab);
}

/* embed 4 -> layernorm -> dense 6 tanh -> dense 3 softmax, all per
 * position: parameter gradients against finite differences (ids have
 * no gradient: a step in an id is a step to another row). */
START_TEST(grad_embed_and_per_position)
{
	nn_shape in = { 1, { 5 } };
	nn_model *m = nn_model_new(&in);
	nn_rng r;
	size_t n = 3, w;
	float x[15], *y;
	char worst[160] = "";
	double e;
	nn_param p;

	nn_rng_seed(&r, 7);
	add_ok(m, &r, "embed", "4 vocab=7", NN_ACT_LINEAR);
	add_ok(m, &r, "layernorm", NULL, NN_ACT_LINEAR);
	add_ok(m, &r, "dense", "6", NN_ACT_TANH);
	add_ok(m, &r, "dense", "3", NN_ACT_SOFTMAX);
	ck_assert_int_eq(nn_model_output_shape(m)->ndim, 2);
	ck_assert_int_eq(nn_model_output_shape(m)->dim[0], 5);
	ck_assert_int_eq(nn_model_output_shape(m)->dim[1], 3);
	nn_model_param(m, 0, 0, &p);                    /* vocab x dim */
	ck_assert_int_eq(p.shape.dim[0], 7);
	ck_assert_int_eq(p.shape.dim[1], 4);
	nn_model_param(m, 1, 0, &p);                    /* gamma of C */
	ck_assert_int_eq(p.size, 4);
	nn_model_param(m, 2, 0, &p);                    /* units x C */
	ck_assert_int_eq(p.shape.dim[0], 6);
	ck_assert_int_eq(p.shape.dim[1], 4);
	/* layernorm's gamma and beta away from 1 and 0 */
	gc_fill(&r, nn_model_params(m), nn_model_param_count(m), -1, 1);
	w = nn_shape_size(nn_model_output_shape(m));
	y = malloc(n * w * sizeof *y);
	ids(&r, x, n * 5, 7);
	x[0] = 6;                       /* the last row of W is read too */
	gc_fill(&r, y, n * w, 0, 1);
	e = gc_model(m, NN_LOSS_MSE, x, y, n, EPS, 0, 1, worst, sizeof worst);
	printf("gradcheck %-24s params worst %.2e %s\n", "embed per-position",
	       e, worst);
	ck_assert_msg(e < TOL, "%g at %s", e, worst);
	free(y);
	nn_model_free(m);
}
END_TEST

/* The per-position pass written out: z[t] = W E[id_t] + b, a softmax
 * over each position's values, layernorm over each position's C. */
START_TEST(per_position_by_hand)
{
	nn_shape in = { 1, { 3 } };
	nn_model *m = nn_model_new(&in);
	nn_rng r;
	float x[6] = { 2, 0, 1, 1, 1, 0 };
	const float *out;
	nn_param E, W, b;

	nn_rng_seed(&r, 3);
	add_ok(m, &r, "embed", "2 vocab=3", NN_ACT_LINEAR);
	add_ok(m, &r, "dense", "4", NN_ACT_SOFTMAX);
	gc_fill(&r, nn_model_params(m), nn_model_param_count(m), -1, 1);
	nn_model_param(m, 0, 0, &E);
	nn_model_param(m, 1, 0, &W);
	nn_model_param(m, 1, 1, &b);
	out = nn_model_forward(m, x, 2, 0, NULL);
	ck_assert_ptr_nonnull(out);
	for (int s = 0; s < 2; s++)
		for (int t = 0; t < 3; t++) {
			const float *e = E.value + (int)x[s * 3 + t] * 2;
			double z[4], sum = 0;

			for (int u = 0; u < 4; u++) {
				z[u] = b.value[u] + W.value[u * 2] * e[0] +
				       W.value[u * 2 + 1] * e[1];
				sum += exp(z[u]);
			}
			for (int u = 0; u < 4; u++)
				ck_assert_double_eq_tol(
					out[(s * 3 + t) * 4 + u],
					exp(z[u]) / sum, 1e-5);
		}
	nn_model_free(m);
}
END_TEST

/* Two inputs that differ only by an offset and a scale per position
 * normalise to the same values. */
START_TEST(layernorm_per_position)
{
	nn_shape in = { 1, { 2 } };
	nn_model *m = nn_model_new(&in);
	nn_rng r;
	float x[2] = { 0, 1 };
	const float *out;
	nn_param E;

	nn_rng_seed(&r, 4);
	add_ok(m, &r, "embed", "5 vocab=2", NN_ACT_LINEAR);
	add_ok(m, &r, "layernorm", NULL, NN_ACT_LINEAR);
	nn_model_param(m, 0, 0, &E);
	for (int k = 0; k < 5; k++) {
		E.value[k] = (float)(k * k);
		E.value[5 + k] = 3.0f * (float)(k * k) - 7;
	}
	out = nn_model_forward(m, x, 1, 0, NULL);
	ck_assert_ptr_nonnull(out);
	for (int k = 0; k < 5; k++)
		ck_assert_double_eq_tol(out[k], out[5 + k], 1e-5);
	nn_model_free(m);
}
END_TEST

/* posenc: the paper's sinusoids added; learned positions
 * gradient-checked; too long a sequence refused. */
START_TEST(posenc_values_and_grads)
{
	nn_shape in = { 1, { 4 } };
	nn_model *m = nn_model_new(&in), *l = nn_model_new(&in);
	nn_layer_spec too = { .kind = "posenc", .args = "max=3" };
	nn_rng r;
	float x[8] = { 0, 1, 2, 0, 2, 2, 1, 0 }, y[2 * 4 * 3];
	const float *out;
	nn_param E;
	char worst[160] = "";
	double e;

	nn_rng_seed(&r, 5);
	add_ok(m, &r, "embed", "6 vocab=3", NN_ACT_LINEAR);
	ck_assert_int_eq(nn_model_add(m, &too, &r), -1);
	ck_assert_str_eq(nn_error(), "posenc: the sequence has 4 positions, "
	                 "more than its max=3");
	add_ok(m, &r, "posenc", NULL, NN_ACT_LINEAR);
	nn_model_param(m, 0, 0, &E);
	memset(E.value, 0, E.size * sizeof *E.value);
	out = nn_model_forward(m, x, 1, 0, NULL);
	ck_assert_ptr_nonnull(out);
	for (int t = 0; t < 4; t++)
		for (int i = 0; i < 3; i++) {
			double f = pow(10000, -2.0 * i / 6);

			ck_assert_double_eq_tol(out[t * 6 + 2 * i], sin(t * f),
			                        1e-6);
			ck_assert_double_eq_tol(out[t * 6 + 2 * i + 1],
			                        cos(t * f), 1e-6);
		}
	{       /* a copy keeps its own sinusoids */
		nn_model *c = nn_model_copy(m);
		float first[24];

		memcpy(first, out, sizeof first);
		nn_model_free(m);
		m = c;
		out = nn_model_forward(m, x, 1, 0, NULL);
		ck_assert_mem_eq(out, first, sizeof first);
	}
	add_ok(l, &r, "embed", "3 vocab=3", NN_ACT_LINEAR);
	add_ok(l, &r, "posenc", "learned", NN_ACT_LINEAR);
	add_ok(l, &r, "dense", "3", NN_ACT_TANH);
	gc_fill(&r, y, sizeof y / sizeof *y, -1, 1);
	e = gc_model(l, NN_LOSS_MSE, x, y, 2, EPS, 0, 1, worst, sizeof worst);
	printf("gradcheck %-24s params worst %.2e %s\n", "posenc learned", e,
	       worst);
	ck_assert_msg(e < TOL, "%g at %s", e, worst);
	nn_model_free(m);
	nn_model_free(l);
}
END_TEST

/* Ids beyond embed's vocabulary: refused before training, in a line. */
START_TEST(embed_refusals)
{
	nn_shape in = { 1, { 4 } }, img = { 3, { 1, 2, 2 } };
	nn_model *m = nn_model_new(&in), *q = nn_model_new(&img);
	nn_dataset *d = make(NN_SEQ_COPY, 5, 4, 10, 0, 1);
	nn_layer_spec bad = { .kind = "embed", .args = "8" };
	nn_rng r;
	double loss, acc;
	size_t seqs;

	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_model_add(m, &bad, &r), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "vocab="));
	bad.args = "8 vocab=5";
	ck_assert_int_eq(nn_model_add(q, &bad, &r), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "token ids"));
	add_ok(m, &r, "embed", "8 vocab=5", NN_ACT_LINEAR);
	add_ok(m, &r, "dense", "10", NN_ACT_LINEAR);
	ck_assert_int_eq(nn_evaluate_seq(m, NN_LOSS_CE, d, 0, &loss, &acc,
	                                 &seqs), -1);
	ck_assert_str_eq(nn_error(), "the evaluation data: the token ids go "
	                 "up to 9, but embed (node 1) takes ids below 5");
	nn_dataset_free(d);
	nn_model_free(m);
	nn_model_free(q);
}
END_TEST

/* Worst |a - b| over n values. */
static double max_diff(const float *a, const float *b, size_t n)
{
	double worst = 0;

	for (size_t i = 0; i < n; i++)
		worst = fmax(worst, fabs((double)a[i] - b[i]));
	return worst;
}

/* embed (rows = the reference inputs, one id per position) -> attention
 * with the reference weights: outputs and gradients as PyTorch's. */
static void against_torch(int causal, const float *x, const float *gy,
                          const float *y, const float *dx,
                          const float *dwin, const float *dbin,
                          const float *dwo, const float *dbo)
{
	nn_shape in = { 1, { REF_T } };
	nn_model *m = nn_model_new(&in);
	char args[64];
	float ids[REF_N * REF_T];
	nn_param E, p[4];
	const float *refs[4] = { ref_win, ref_bin, ref_wo, ref_bo };
	const float *grads[4] = { dwin, dbin, dwo, dbo };
	const float *out;
	nn_rng r;

	nn_rng_seed(&r, 1);
	snprintf(args, sizeof args, "%d vocab=%d", REF_D, REF_N * REF_T);
	add_ok(m, &r, "embed", args, NN_ACT_LINEAR);
	snprintf(args, sizeof args, "%d%s", REF_H, causal ? " causal" : "");
	add_ok(m, &r, "attention", args, NN_ACT_LINEAR);
	nn_model_param(m, 0, 0, &E);
	memcpy(E.value, x, E.size * sizeof *x);
	for (int k = 0; k < 4; k++) {
		nn_model_param(m, 1, k, &p[k]);
		memcpy(p[k].value, refs[k], p[k].size * sizeof *p[k].value);
	}
	for (int i = 0; i < REF_N * REF_T; i++)
		ids[i] = (float)i;
	out = nn_model_forward(m, ids, REF_N, 1, &r);
	ck_assert_ptr_nonnull(out);
	printf("attention%s vs PyTorch: y %.2e", causal ? " causal" : "",
	       max_diff(out, y, REF_N * REF_T * REF_D));
	ck_assert_double_lt(max_diff(out, y, REF_N * REF_T * REF_D), 1e-5);
	nn_model_zero_grads(m);
	nn_model_backward_acc(m, gy, 0, 0);
	/* each id is read once: embed's gradient is dL/dx */
	printf(", dx %.2e", max_diff(E.grad, dx, E.size));
	ck_assert_double_lt(max_diff(E.grad, dx, E.size), 1e-5);
	for (int k = 0; k < 4; k++) {
		printf(", d%s %.2e", p[k].name,
		       max_diff(p[k].grad, grads[k], p[k].size));
		ck_assert_double_lt(max_diff(p[k].grad, grads[k], p[k].size),
		                    1e-5);
	}
	printf("\n");
	nn_model_free(m);
}

START_TEST(attention_matches_torch)
{
	against_torch(0, sa_x, sa_gy, sa_y, sa_dx, sa_dwin, sa_dbin, sa_dwo,
	              sa_dbo);
	against_torch(1, ca_x, ca_gy, ca_y, ca_dx, ca_dwin, ca_dbin, ca_dwo,
	              ca_dbo);
}
END_TEST

/* Cross-attention: queries from one embedding, keys and values from
 * another (from=q,kv), as PyTorch's mha(q, kv, kv). */
START_TEST(cross_attention_matches_torch)
{
	nn_shape in = { 1, { REF_T } };
	nn_model *m = nn_model_new(&in);
	char args[64];
	float ids[REF_N * REF_T];
	nn_param Eq, Ekv, p[4];
	const float *refs[4] = { ref_win, ref_bin, ref_wo, ref_bo };
	const float *grads[4] = { xa_dwin, xa_dbin, xa_dwo, xa_dbo };
	nn_layer_spec q = { .kind = "embed", .args = args, .name = "q" };
	nn_layer_spec kv = { .kind = "embed", .args = args, .name = "kv",
	                     .nfrom = 1, .from = { 0 } };
	nn_layer_spec att = { .kind = "attention", .nfrom = 2,
	                      .from = { 1, 2 } };
	const float *out;
	nn_rng r;

	nn_rng_seed(&r, 1);
	snprintf(args, sizeof args, "%d vocab=%d", REF_D, REF_N * REF_T);
	ck_assert_int_eq(nn_model_add(m, &q, &r), 0);
	ck_assert_int_eq(nn_model_add(m, &kv, &r), 0);
	snprintf(args, sizeof args, "%d", REF_H);
	att.args = args;
	ck_assert_msg(nn_model_add(m, &att, &r) == 0, "%s", nn_error());
	nn_model_param(m, 0, 0, &Eq);
	nn_model_param(m, 1, 0, &Ekv);
	memcpy(Eq.value, xa_q, Eq.size * sizeof *xa_q);
	memcpy(Ekv.value, xa_kv, Ekv.size * sizeof *xa_kv);
	for (int k = 0; k < 4; k++) {
		nn_model_param(m, 2, k, &p[k]);
		memcpy(p[k].value, refs[k], p[k].size * sizeof *p[k].value);
	}
	for (int i = 0; i < REF_N * REF_T; i++)
		ids[i] = (float)i;
	out = nn_model_forward(m, ids, REF_N, 0, NULL);
	ck_assert_ptr_nonnull(out);
	ck_assert_double_lt(max_diff(out, xa_y, REF_N * REF_T * REF_D), 1e-5);
	nn_model_zero_grads(m);
	nn_model_backward_acc(m, xa_gy, 0, 0);
	printf("cross-attention vs PyTorch: y %.2e, dq %.2e, dkv %.2e",
	       max_diff(out, xa_y, REF_N * REF_T * REF_D),
	       max_diff(Eq.grad, xa_dq, Eq.size),
	       max_diff(Ekv.grad, xa_dkv, Ekv.size));
	ck_assert_double_lt(max_diff(Eq.grad, xa_dq, Eq.size), 1e-5);
	ck_assert_double_lt(max_diff(Ekv.grad, xa_dkv, Ekv.size), 1e-5);
	for (int k = 0; k < 4; k++) {
		printf(", d%s %.2e", p[k].name,
		       max_diff(p[k].grad, grads[k], p[k].size));
		ck_assert_double_lt(max_diff(p[k].grad, grads[k], p[k].size),
		                    1e-5);
	}
	printf("\n");
	{       /* and by finite differences */
		float y[REF_N * REF_T * REF_D];
		char worst[160] = "";
		double e;

		gc_fill(&r, y, sizeof y / sizeof *y, -1, 1);
		e = gc_model(m, NN_LOSS_MSE, ids, y, REF_N, EPS, 0, 1, worst,
		             sizeof worst);
		printf("gradcheck %-24s params worst %.2e %s\n",
		       "cross-attention", e, worst);
		ck_assert_msg(e < TOL, "%g at %s", e, worst);
	}
	nn_model_free(m);
}
END_TEST

/* attention (and causal) gradient-checked inside a small model, and a
 * causal layer's first position blind to the later ones. */
START_TEST(attention_grads_and_mask)
{
	for (int causal = 0; causal < 2; causal++) {
		nn_shape in = { 1, { 4 } };
		nn_model *m = nn_model_new(&in);
		nn_rng r;
		float x[8] = { 0, 1, 2, 3, 3, 3, 1, 0 }, y[2 * 4 * 6];
		float a[4] = { 0, 1, 2, 3 }, b[4] = { 0, 2, 0, 1 }, first[6];
		char worst[160] = "";
		const float *out;
		double e;

		nn_rng_seed(&r, 9 + causal);
		add_ok(m, &r, "embed", "6 vocab=4", NN_ACT_LINEAR);
		add_ok(m, &r, "attention", causal ? "3 causal" : "3",
		       NN_ACT_LINEAR);
		add_ok(m, &r, "dense", "6", NN_ACT_TANH);
		gc_fill(&r, nn_model_params(m), nn_model_param_count(m),
		        -0.5, 0.5);
		gc_fill(&r, y, sizeof y / sizeof *y, -1, 1);
		e = gc_model(m, NN_LOSS_MSE, x, y, 2, EPS, 0, 1, worst,
		             sizeof worst);
		printf("gradcheck %-24s params worst %.2e %s\n", causal
		       ? "attention causal" : "attention", e, worst);
		ck_assert_msg(e < TOL, "%g at %s", e, worst);
		out = nn_model_forward(m, a, 1, 0, NULL);
		memcpy(first, out, sizeof first);
		out = nn_model_forward(m, b, 1, 0, NULL);
		if (causal)
			ck_assert_mem_eq(out, first, sizeof first);
		else
			ck_assert(max_diff(out, first, 6) > 1e-4);
		nn_model_free(m);
	}
}
END_TEST

/* ffn relu and gelu: gradient-checked, and one position written out. */
START_TEST(ffn_grads_and_values)
{
	for (int g = 0; g < 2; g++) {
		nn_shape in = { 1, { 3 } };
		nn_model *m = nn_model_new(&in);
		nn_rng r;
		float x[6] = { 0, 1, 2, 2, 2, 0 }, y[2 * 3 * 4];
		char worst[160] = "";
		const float *out;
		nn_param E, W1, b1, W2, b2;
		double e;

		nn_rng_seed(&r, 20 + g);
		add_ok(m, &r, "embed", "4 vocab=3", NN_ACT_LINEAR);
		add_ok(m, &r, "ffn", g ? "5 gelu" : "5 relu", NN_ACT_LINEAR);
		gc_fill(&r, nn_model_params(m), nn_model_param_count(m), -1,
		        1);
		gc_fill(&r, y, sizeof y / sizeof *y, -1, 1);
		e = gc_model(m, NN_LOSS_MSE, x, y, 2, EPS, 0, 1, worst,
		             sizeof worst);
		printf("gradcheck %-24s params worst %.2e %s\n",
		       g ? "ffn gelu" : "ffn relu", e, worst);
		ck_assert_msg(e < TOL, "%g at %s", e, worst);
		nn_model_param(m, 0, 0, &E);
		nn_model_param(m, 1, 0, &W1);
		nn_model_param(m, 1, 1, &b1);
		nn_model_param(m, 1, 2, &W2);
		nn_model_param(m, 1, 3, &b2);
		out = nn_model_forward(m, x, 1, 0, NULL);
		for (int k = 0; k < 4; k++) {   /* position 1: id 1 */
			double s = b2.value[k];

			for (int j = 0; j < 5; j++) {
				double h = b1.value[j];

				for (int c = 0; c < 4; c++)
					h += W1.value[j * 4 + c] *
					     E.value[4 + c];
				h = g ? 0.5 * h * (1 + erf(h / sqrt(2)))
				      : fmax(h, 0);
				s += W2.value[k * 5 + j] * h;
			}
			ck_assert_double_eq_tol(out[4 + k], s, 1e-5);
		}
		nn_model_free(m);
	}
}
END_TEST

/* rnn: tanh and ReLU, every step or the last, gradient-checked through
 * time; bptt=1 keeps the gradient from going back a step. */
START_TEST(rnn_grads_and_truncation)
{
	static const char *const cases[] = {
		"5", "5 relu", "5 seq=last", "5 relu seq=last bptt=4",
	};

	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		nn_shape in = { 1, { 4 } };
		nn_model *m = nn_model_new(&in);
		nn_rng r;
		float x[8] = { 0, 1, 2, 1, 2, 2, 0, 1 }, y[2 * 4 * 5];
		char worst[160] = "";
		size_t w;
		double e;

		nn_rng_seed(&r, 30 + c);
		add_ok(m, &r, "embed", "3 vocab=3", NN_ACT_LINEAR);
		add_ok(m, &r, "rnn", cases[c], NN_ACT_LINEAR);
		w = nn_shape_size(nn_model_output_shape(m));
		ck_assert_int_eq(w, strstr(cases[c], "last") ? 5 : 20);
		gc_fill(&r, nn_model_params(m), nn_model_param_count(m),
		        -0.8f, 0.8f);
		gc_fill(&r, y, 2 * w, -1, 1);
		e = gc_model(m, NN_LOSS_MSE, x, y, 2, EPS, 0, 1, worst,
		             sizeof worst);
		printf("gradcheck rnn %-20s params worst %.2e %s\n", cases[c],
		       e, worst);
		ck_assert_msg(e < TOL, "%s: %g at %s", cases[c], e, worst);
		nn_model_free(m);
	}
	{       /* bptt=1, seq=last: only the last token's row learns */
		nn_shape in = { 1, { 3 } };
		nn_model *m = nn_model_new(&in);
		nn_rng r;
		float x[3] = { 0, 1, 2 }, g[4] = { 1, -1, 0.5f, 2 };
		nn_param E;

		nn_rng_seed(&r, 3);
		add_ok(m, &r, "embed", "2 vocab=3", NN_ACT_LINEAR);
		add_ok(m, &r, "rnn", "4 seq=last bptt=1", NN_ACT_LINEAR);
		ck_assert_ptr_nonnull(nn_model_forward(m, x, 1, 0, NULL));
		nn_model_zero_grads(m);
		nn_model_backward_acc(m, g, 0, 0);
		nn_model_param(m, 0, 0, &E);
		for (int k = 0; k < 4; k++)
			ck_assert_float_eq(E.grad[k], 0);
		ck_assert(E.grad[4] != 0 || E.grad[5] != 0);
		nn_model_free(m);
	}
}
END_TEST

/* The recurrent kind against PyTorch's on the same weights (embed rows
 * = the reference inputs), then by finite differences (every step, and
 * seq=last), then bptt=1: only the last step's input learns. */
static void recurrent_vs_torch(const char *kind, const float *const *refs,
                               const float *x, const float *gy,
                               const float *y, const float *dx,
                               const float *const *grads)
{
	nn_shape in = { 1, { RNN_T } };
	nn_model *m = nn_model_new(&in);
	char args[64];
	float ids[RNN_N * RNN_T];
	nn_param E, p[4];
	const float *out;
	nn_rng r;

	nn_rng_seed(&r, 1);
	snprintf(args, sizeof args, "%d vocab=%d", RNN_C, RNN_N * RNN_T);
	add_ok(m, &r, "embed", args, NN_ACT_LINEAR);
	snprintf(args, sizeof args, "%d", RNN_H);
	add_ok(m, &r, kind, args, NN_ACT_LINEAR);
	nn_model_param(m, 0, 0, &E);
	memcpy(E.value, x, E.size * sizeof *E.value);
	for (int k = 0; k < 4; k++) {
		nn_model_param(m, 1, k, &p[k]);
		memcpy(p[k].value, refs[k], p[k].size * sizeof *p[k].value);
	}
	for (int i = 0; i < RNN_N * RNN_T; i++)
		ids[i] = (float)i;
	out = nn_model_forward(m, ids, RNN_N, 0, NULL);
	ck_assert_ptr_nonnull(out);
	ck_assert_double_lt(max_diff(out, y, RNN_N * RNN_T * RNN_H), 1e-5);
	nn_model_zero_grads(m);
	nn_model_backward_acc(m, gy, 0, 0);
	printf("%s vs PyTorch: y %.2e, dx %.2e", kind,
	       max_diff(out, y, RNN_N * RNN_T * RNN_H),
	       max_diff(E.grad, dx, E.size));
	ck_assert_double_lt(max_diff(E.grad, dx, E.size), 1e-5);
	for (int k = 0; k < 4; k++) {
		printf(", d%s %.2e", p[k].name,
		       max_diff(p[k].grad, grads[k], p[k].size));
		ck_assert_double_lt(max_diff(p[k].grad, grads[k], p[k].size),
		                    1e-5);
	}
	printf("\n");
	nn_model_free(m);
	for (int c = 0; c < 2; c++) {
		nn_model *q = nn_model_new(&in);
		float yr[RNN_N * RNN_T * 4];
		char worst[160] = "";
		double e;

		add_ok(q, &r, "embed", "3 vocab=10", NN_ACT_LINEAR);
		add_ok(q, &r, kind, c ? "4 seq=last" : "4", NN_ACT_LINEAR);
		gc_fill(&r, nn_model_params(q), nn_model_param_count(q), -1,
		        1);
		gc_fill(&r, yr, sizeof yr / sizeof *yr, -1, 1);
		e = gc_model(q, NN_LOSS_MSE, ids, yr, RNN_N, EPS, 0, 1, worst,
		             sizeof worst);
		printf("gradcheck %-5s%-19s params worst %.2e %s\n", kind,
		       c ? " seq=last" : "", e, worst);
		ck_assert_msg(e < TOL, "%s: %g at %s", kind, e, worst);
		nn_model_free(q);
	}
	{
		nn_model *q = nn_model_new(&in);
		float g[4] = { 1, -1, 0.5f, 2 };

		add_ok(q, &r, "embed", "3 vocab=10", NN_ACT_LINEAR);
		add_ok(q, &r, kind, "4 seq=last bptt=1", NN_ACT_LINEAR);
		ck_assert_ptr_nonnull(nn_model_forward(q, ids, 1, 0, NULL));
		nn_model_zero_grads(q);
		nn_model_backward_acc(q, g, 0, 0);
		nn_model_param(q, 0, 0, &E);
		for (int k = 0; k < 3 * (RNN_T - 1); k++)
			ck_assert_float_eq(E.grad[k], 0);
		ck_assert(E.grad[3 * (RNN_T - 1)] != 0);
		nn_model_free(q);
	}
}

START_TEST(lstm_matches_torch)
{
	const float *refs[4] = { lstm_wih, lstm_whh, lstm_bih, lstm_bhh };
	const float *grads[4] = { lstm_dwih, lstm_dwhh, lstm_dbih,
	                          lstm_dbhh };

	recurrent_vs_torch("lstm", refs, lstm_x, lstm_gy, lstm_y, lstm_dx,
	                   grads);
}
END_TEST

START_TEST(gru_matches_torch)
{
	const float *refs[4] = { gru_wih, gru_whh, gru_bih, gru_bhh };
	const float *grads[4] = { gru_dwih, gru_dwhh, gru_dbih, gru_dbhh };

	recurrent_vs_torch("gru", refs, gru_x, gru_gy, gru_y, gru_dx, grads);
}
END_TEST

START_TEST(attention_refusals)
{
	nn_shape in = { 1, { 4 } };
	nn_model *m = nn_model_new(&in), *flat = nn_model_new(&in);
	nn_layer_spec s = { .kind = "attention", .args = "3" };
	nn_rng r;

	nn_rng_seed(&r, 1);
	add_ok(m, &r, "embed", "8 vocab=4", NN_ACT_LINEAR);
	ck_assert_int_eq(nn_model_add(m, &s, &r), -1);
	ck_assert_str_eq(nn_error(), "attention: 3 heads do not divide the 8 "
	                 "values of each position");
	ck_assert_int_eq(nn_model_add(flat, &s, &r), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "needs sequences"));
	ck_assert_int_eq(nn_model_layers(m), 1);
	nn_model_free(m);
	nn_model_free(flat);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("seq");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, tasks_mean_what_they_say);
	tcase_add_test(tc, add_digits);
	tcase_add_test(tc, seq2seq_form);
	tcase_add_test(tc, gather_and_subset);
	tcase_add_test(tc, accuracy_per_token_and_sequence);
	tcase_add_test(tc, bad_options_and_data);
	tcase_add_test(tc, grad_embed_and_per_position);
	tcase_add_test(tc, per_position_by_hand);
	tcase_add_test(tc, layernorm_per_position);
	tcase_add_test(tc, embed_refusals);
	tcase_add_test(tc, posenc_values_and_grads);
	tcase_add_test(tc, attention_matches_torch);
	tcase_add_test(tc, attention_grads_and_mask);
	tcase_add_test(tc, attention_refusals);
	tcase_add_test(tc, cross_attention_matches_torch);
	tcase_add_test(tc, ffn_grads_and_values);
	tcase_add_test(tc, rnn_grads_and_truncation);
	tcase_add_test(tc, lstm_matches_torch);
	tcase_add_test(tc, gru_matches_torch);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
