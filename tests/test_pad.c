/* test_pad.c - padded sequences: make ... minlen= pads with the id vocab
 * and leaves padded positions unlabelled; unlabelled positions carry no
 * loss, no gradient and no accuracy (the mean is over the others, as
 * PyTorch's ignore_index); attention pad=ID gives no weight to keys
 * holding ID, compared with PyTorch's key_padding_mask on the same
 * weights (attention_ref.h, written by attention_ref.py), checked by
 * finite differences, and shown blind to what the padding holds; the
 * history's per-token and whole-sequence accuracies; and the decoder's
 * slice of a sequence's positions. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention_ref.h"
#include "gradcheck.h"
#include "nn.h"
#include "suite.h"

#define TOL 1e-2
#define EPS 1e-2

static nn_dataset *make_padded(nn_seq_task t, size_t n, int len, int minlen,
                               int vocab, uint64_t seed)
{
	nn_seq_opts o;
	nn_rng r;
	nn_dataset *d;

	nn_seq_defaults(t, &o);
	o.n = n;
	o.len = len;
	o.minlen = minlen;
	o.vocab = vocab;
	nn_rng_seed(&r, seed);
	d = nn_make_seq(t, &o, &r);
	ck_assert_msg(d != NULL, "make: %s", nn_error());
	ck_assert_int_eq(nn_dataset_check(d), 0);
	return d;
}

static void add_ok(nn_model *m, nn_rng *r, const char *kind, const char *args,
                   nn_act act)
{
	nn_layer_spec s = { .kind = kind, .args = args, .act = act };

	ck_assert_msg(nn_model_add(m, &s, r) == 0, "add %s %s: %s", kind,
	              args, nn_error());
}

static double max_diff(const float *a, const float *b, size_t n)
{
	double worst = 0;

	for (size_t i = 0; i < n; i++)
		worst = fmax(worst, fabs((double)a[i] - b[i]));
	return worst;
}

/* Reversal of 3 to 8 tokens: the real part reversed, then the padding
 * id and no labels; every length drawn; the unpadded form unchanged. */
START_TEST(minlen_pads_and_unlabels)
{
	nn_dataset *d = make_padded(NN_SEQ_REVERSE, 400, 8, 3, 10, 1);
	nn_dataset *p = make_padded(NN_SEQ_PARITY, 50, 6, 1, 2, 1);
	int lengths[9] = { 0 };
	size_t labelled = 0;

	ck_assert_int_eq(d->pad, 10);
	ck_assert_int_eq(d->vocab, 11);
	ck_assert_int_eq(d->nclasses, 10);
	for (size_t i = 0; i < d->n; i++) {
		const int32_t *x = d->xtok + i * 8, *y = d->ytok + i * 8;
		int L = 0;

		while (L < 8 && x[L] != 10)
			L++;
		ck_assert_int_ge(L, 3);
		lengths[L]++;
		labelled += (size_t)L;
		for (int t = 0; t < 8; t++)
			if (t < L)
				ck_assert_int_eq(y[t], x[L - 1 - t]);
			else
				ck_assert(x[t] == 10 && y[t] == -1);
	}
	for (int L = 3; L <= 8; L++)
		ck_assert_int_gt(lengths[L], 40);
	ck_assert_uint_eq(nn_dataset_labelled(d, NULL, d->n), labelled);
	for (size_t i = 0; i < p->n; i++) {
		int par = 0;

		for (int t = 0; t < 6 && p->xtok[i * 6 + t] != 2; t++) {
			par ^= p->xtok[i * 6 + t];
			ck_assert_int_eq(p->ytok[i * 6 + t], par);
		}
	}
	/* a padded subset keeps its padding; gathered, a padded position
	 * is a row of zeros */
	{
		size_t idx = 0;
		nn_dataset *s;
		float x[8], y[8 * 10];

		while (d->xtok[idx * 8 + 7] != 10)
			idx++;
		s = nn_dataset_subset(d, &idx, 1);
		ck_assert_int_eq(s->pad, 10);
		nn_dataset_gather(s, (size_t[]){ 0 }, 1, x, y);
		ck_assert_float_eq(x[7], 10);
		for (int c = 0; c < 10; c++)
			ck_assert_float_eq(y[7 * 10 + c], 0);
		nn_dataset_free(s);
	}
	nn_dataset_free(d);
	nn_dataset_free(p);
}
END_TEST

START_TEST(minlen_refusals)
{
	nn_seq_opts o;
	nn_rng r;
	nn_dataset *d;

	nn_rng_seed(&r, 1);
	nn_seq_defaults(NN_SEQ_COPY, &o);
	o.minlen = 9;
	ck_assert_ptr_null(nn_make_seq(NN_SEQ_COPY, &o, &r));
	ck_assert_str_eq(nn_error(), "make copy: minlen=9 (from 1 to len=8)");
	o.minlen = 2;
	o.seq2seq = 1;
	ck_assert_ptr_null(nn_make_seq(NN_SEQ_COPY, &o, &r));
	ck_assert_ptr_nonnull(strstr(nn_error(), "aligned form"));
	nn_seq_defaults(NN_SEQ_ADD, &o);
	o.minlen = 2;
	ck_assert_ptr_null(nn_make_seq(NN_SEQ_ADD, &o, &r));
	/* labels below -1, and a padding id that is no token, refused */
	d = make_padded(NN_SEQ_COPY, 3, 4, 2, 5, 9);
	d->ytok[0] = -2;
	ck_assert_int_eq(nn_dataset_check(d), -1);
	ck_assert_str_eq(nn_error(), "label -2 of sample 0 is not in 0..4");
	d->ytok[0] = 0;
	d->pad = 6;
	ck_assert_int_eq(nn_dataset_check(d), -1);
	ck_assert_str_eq(nn_error(), "the padding id 6 is not a token id");
	nn_dataset_free(d);
}
END_TEST

/* The hand-set data: 2 samples of 3 positions whose inputs are the
 * logits (3 classes), the last position of each padded; sample 0 right,
 * sample 1 wrong at one of its two labelled positions. */
static nn_dataset *hand_set(void)
{
	nn_dataset *d = nn_dataset_new();
	static const float logits[2][9] = {
		{ 5, 0, 0,   0, 5, 0,   0, 0, 5 },
		{ 0, 0, 5,   5, 0, 0,   5, 0, 0 },
	};
	static const int32_t labels[6] = { 0, 1, -1, 2, 1, -1 };

	d->n = 2;
	d->xshape = (nn_shape){ 1, { 9 } };
	d->xsize = 9;
	d->x = malloc(sizeof logits);
	memcpy(d->x, logits, sizeof logits);
	d->ytok = malloc(sizeof labels);
	memcpy(d->ytok, labels, sizeof labels);
	d->ylen = 3;
	d->nclasses = 3;
	d->ysize = 9;
	ck_assert_int_eq(nn_dataset_check(d), 0);
	return d;
}

/* Outputs set by hand (hand_set's inputs are the logits): a padded
 * position has no loss, no gradient and no accuracy, right or wrong. */
START_TEST(padding_carries_nothing)
{
	nn_dataset *d = hand_set();
	nn_shape in = { 1, { 3 * 3 } };
	nn_model *m = nn_model_new(&in);
	nn_rng r;
	size_t seqs;
	double loss, acc, lse = log(exp(5) + 2);
	float y[18], grad[18];

	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_model_add(m, &(nn_layer_spec){ .kind = "linear" },
	                              &r), 0);
	ck_assert_int_eq(nn_evaluate_seq(m, NN_LOSS_CE, d, 0, &loss, &acc,
	                                 &seqs), 0);
	ck_assert_double_eq_tol(acc, 0.75, 1e-12);     /* 3 of 4 labelled */
	ck_assert_int_eq(seqs, 1);
	/* the mean over the 4 labelled positions; the padded ones' logits
	 * would cost 0 and lse - 0 */
	ck_assert_double_eq_tol(loss, (3 * (lse - 5) + lse) / 4, 1e-5);
	/* one batch through nn_loss: zero gradient at padded rows */
	nn_dataset_gather(d, (size_t[]){ 0, 1 }, 2, y, y);
	ck_assert_double_eq_tol(nn_loss(NN_LOSS_CE, NN_ACT_LINEAR, d->x, d->x,
	                                y, 6, 3, grad, NULL),
	                        (3 * (lse - 5) + lse) / 4, 1e-5);
	for (int c = 0; c < 3; c++) {
		ck_assert_float_eq(grad[2 * 3 + c], 0);
		ck_assert_float_eq(grad[5 * 3 + c], 0);
	}
	ck_assert_float_eq_tol(grad[0], (exp(5 - lse) - 1) / 4, 1e-6);
	ck_assert_uint_eq(nn_count_correct(d->x, y, 6, 3, 0.5f), 3);
	ck_assert_uint_eq(nn_count_labelled(y, 6, 3), 4);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

/* Training on hand_set without parameters to learn: each point of the
 * history has the training and validation accuracies per labelled token
 * (3 of 4) and per whole sequence (1 of 2), whatever the batches. */
START_TEST(history_per_token_and_sequence)
{
	nn_dataset *d = hand_set();
	nn_shape in = { 1, { 9 } };
	nn_model *m = nn_model_new(&in);
	nn_optim o;
	nn_history h = { 0 };
	nn_rng r;

	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_model_add(m, &(nn_layer_spec){ .kind = "linear" },
	                              &r), 0);
	nn_optim_defaults(&o, NN_OPT_SGD);
	for (size_t batch = 1; batch <= 2; batch++) {
		nn_train_opts opts = { .epochs = 2, .batch = batch,
		                       .shuffle = 1, .val = d };

		ck_assert_int_eq(nn_train(m, NN_LOSS_CE, &o, d, &opts, &r, &h),
		                 0);
	}
	ck_assert_uint_eq(h.n, 4);
	for (size_t i = 0; i < h.n; i++) {
		ck_assert_double_eq_tol(h.p[i].acc, 0.75, 1e-12);
		ck_assert_double_eq_tol(h.p[i].val_acc, 0.75, 1e-12);
		ck_assert_double_eq_tol(h.p[i].seq_acc, 0.5, 1e-12);
		ck_assert_double_eq_tol(h.p[i].val_seq_acc, 0.5, 1e-12);
	}
	nn_history_free(&h);
	nn_optim_reset(&o);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

/* embed (PAD_V ids) -> attention pad=PAD_ID with the reference weights:
 * outputs and gradients as PyTorch's with key_padding_mask. */
static void padded_vs_torch(int causal, const float *table, const float *gy,
                            const float *y, const float *dtable,
                            const float *dwin, const float *dbin,
                            const float *dwo, const float *dbo)
{
	nn_shape in = { 1, { REF_T } };
	nn_model *m = nn_model_new(&in);
	char args[64];
	nn_param E, p[4];
	const float *refs[4] = { ref_win, ref_bin, ref_wo, ref_bo };
	const float *grads[4] = { dwin, dbin, dwo, dbo };
	const float *out;
	nn_rng r;

	nn_rng_seed(&r, 1);
	snprintf(args, sizeof args, "%d vocab=%d", REF_D, PAD_V);
	add_ok(m, &r, "embed", args, NN_ACT_LINEAR);
	snprintf(args, sizeof args, "%d%s pad=%d", REF_H,
	         causal ? " causal" : "", PAD_ID);
	add_ok(m, &r, "attention", args, NN_ACT_LINEAR);
	nn_model_param(m, 0, 0, &E);
	memcpy(E.value, table, E.size * sizeof *table);
	for (int k = 0; k < 4; k++) {
		nn_model_param(m, 1, k, &p[k]);
		memcpy(p[k].value, refs[k], p[k].size * sizeof *p[k].value);
	}
	out = nn_model_forward(m, pad_ids, REF_N, 1, &r);
	ck_assert_ptr_nonnull(out);
	printf("attention%s pad vs PyTorch: y %.2e", causal ? " causal" : "",
	       max_diff(out, y, REF_N * REF_T * REF_D));
	ck_assert_double_lt(max_diff(out, y, REF_N * REF_T * REF_D), 1e-5);
	nn_model_zero_grads(m);
	nn_model_backward_acc(m, gy, 0, 0);
	printf(", dtable %.2e", max_diff(E.grad, dtable, E.size));
	ck_assert_double_lt(max_diff(E.grad, dtable, E.size), 1e-5);
	for (int k = 0; k < 4; k++) {
		printf(", d%s %.2e", p[k].name,
		       max_diff(p[k].grad, grads[k], p[k].size));
		ck_assert_double_lt(max_diff(p[k].grad, grads[k], p[k].size),
		                    1e-5);
	}
	printf("\n");
	nn_model_free(m);
}

START_TEST(padding_mask_matches_torch)
{
	padded_vs_torch(0, pa_table, pa_gy, pa_y, pa_dtable, pa_dwin, pa_dbin,
	                pa_dwo, pa_dbo);
	padded_vs_torch(1, pc_table, pc_gy, pc_y, pc_dtable, pc_dwin, pc_dbin,
	                pc_dwo, pc_dbo);
}
END_TEST

/* attention pad= inside a small model: gradient-checked (with and
 * without causal), and blind to the padding: changing the padding id's
 * embedding changes nothing at the other positions, while without pad=
 * it does. */
START_TEST(padding_mask_grads_and_blindness)
{
	for (int causal = 0; causal < 2; causal++) {
		nn_shape in = { 1, { 5 } };
		nn_model *m = nn_model_new(&in);
		nn_rng r;
		float x[10] = { 0, 1, 2, 4, 4,   3, 3, 1, 0, 4 }, y[2 * 5 * 6];
		float before[2 * 5 * 6];
		char worst[160] = "";
		const float *out;
		nn_param E;
		double e;

		nn_rng_seed(&r, 5 + causal);
		add_ok(m, &r, "embed", "6 vocab=5", NN_ACT_LINEAR);
		add_ok(m, &r, "attention",
		       causal ? "3 causal pad=4" : "3 pad=4", NN_ACT_LINEAR);
		add_ok(m, &r, "dense", "6", NN_ACT_TANH);
		gc_fill(&r, nn_model_params(m), nn_model_param_count(m),
		        -0.5, 0.5);
		gc_fill(&r, y, sizeof y / sizeof *y, -1, 1);
		e = gc_model(m, NN_LOSS_MSE, x, y, 2, EPS, 0, 1, worst,
		             sizeof worst);
		printf("gradcheck %-24s params worst %.2e %s\n", causal
		       ? "attention causal pad" : "attention pad", e, worst);
		ck_assert_msg(e < TOL, "%g at %s", e, worst);
		out = nn_model_forward(m, x, 2, 0, NULL);
		memcpy(before, out, sizeof before);
		nn_model_param(m, 0, 0, &E);
		for (int k = 0; k < 6; k++)     /* id 4's row */
			E.value[4 * 6 + k] += 0.7f;
		out = nn_model_forward(m, x, 2, 0, NULL);
		for (int i = 0; i < 10; i++)
			if (x[i] != 4)
				ck_assert_mem_eq(out + i * 6, before + i * 6,
				                 6 * sizeof *out);
			else
				ck_assert(max_diff(out + i * 6, before + i * 6,
				                   6) > 1e-4);
		nn_model_free(m);
	}
	{       /* without pad=, the same change reaches every position */
		nn_shape in = { 1, { 5 } };
		nn_model *m = nn_model_new(&in);
		nn_rng r;
		float x[5] = { 0, 1, 2, 4, 4 }, before[5 * 6];
		const float *out;
		nn_param E;

		nn_rng_seed(&r, 5);
		add_ok(m, &r, "embed", "6 vocab=5", NN_ACT_LINEAR);
		add_ok(m, &r, "attention", "3", NN_ACT_LINEAR);
		out = nn_model_forward(m, x, 1, 0, NULL);
		memcpy(before, out, sizeof before);
		nn_model_param(m, 0, 0, &E);
		for (int k = 0; k < 6; k++)
			E.value[4 * 6 + k] += 0.7f;
		out = nn_model_forward(m, x, 1, 0, NULL);
		ck_assert(max_diff(out, before, 6) > 1e-4);
		nn_model_free(m);
	}
}
END_TEST

/* A query whose keys are all padding gets zeros from attention, never
 * NaN. */
START_TEST(padding_mask_all_padded)
{
	nn_shape in = { 1, { 3 } };
	nn_model *m = nn_model_new(&in);
	float x[3] = { 1, 1, 1 };
	const float *out;
	nn_param bo;
	nn_rng r;

	nn_rng_seed(&r, 1);
	add_ok(m, &r, "embed", "4 vocab=2", NN_ACT_LINEAR);
	add_ok(m, &r, "attention", "2 pad=1", NN_ACT_LINEAR);
	nn_model_param(m, 1, 3, &bo);
	for (int k = 0; k < 4; k++)
		bo.value[k] = 0.25f * (float)(k + 1);
	out = nn_model_forward(m, x, 1, 0, NULL);
	for (int i = 0; i < 12; i++)    /* no weights: Y = 0 Wo^T + bo */
		ck_assert_float_eq(out[i], 0.25f * (float)(i % 4 + 1));
	nn_model_free(m);
}
END_TEST

/* The weights nn_attention_weights hands out (view attention's): each
 * query's row sums to 1 over the keys it may see, and is 0 at keys later
 * than it (causal) or holding the padding id. */
START_TEST(attention_weights_as_viewed)
{
	nn_shape in = { 1, { 5 } };
	nn_model *m = nn_model_new(&in);
	float x[10] = { 0, 1, 2, 4, 4,   3, 4, 1, 0, 4 };
	int heads, t, s;
	const float *p;
	nn_rng r;

	nn_rng_seed(&r, 4);
	add_ok(m, &r, "embed", "6 vocab=5", NN_ACT_LINEAR);
	add_ok(m, &r, "attention", "3 causal pad=4", NN_ACT_LINEAR);
	gc_fill(&r, nn_model_params(m), nn_model_param_count(m), -1, 1);
	ck_assert_ptr_nonnull(nn_model_forward(m, x, 2, 0, NULL));
	ck_assert_ptr_null(nn_attention_weights(m, 2, 0, &heads, &t, &s));
	ck_assert_str_eq(nn_error(), "the model has 1 attention layer, not 2");
	ck_assert_ptr_null(nn_attention_weights(m, 1, 2, &heads, &t, &s));
	for (size_t i = 0; i < 2; i++) {
		p = nn_attention_weights(m, 1, i, &heads, &t, &s);
		ck_assert_ptr_nonnull(p);
		ck_assert(heads == 3 && t == 5 && s == 5);
		for (int h = 0; h < heads; h++)
			for (int q = 0; q < t; q++) {
				double sum = 0;

				for (int k = 0; k < s; k++) {
					float w = p[(h * t + q) * s + k];

					if (k > q || x[i * 5 + k] == 4)
						ck_assert_float_eq(w, 0);
					sum += w;
				}
				ck_assert_double_eq_tol(sum, 1, 1e-6);
			}
	}
	nn_model_free(m);
}
END_TEST

/* slice FROM..TO of a sequence keeps positions FROM..TO whole (the rows
 * of the embedding), and passes gradients back through them. */
START_TEST(slice_of_positions)
{
	nn_shape in = { 1, { 5 } };
	nn_model *m = nn_model_new(&in);
	float x[10] = { 0, 1, 2, 3, 4,   5, 4, 3, 2, 1 }, y[2 * 3 * 3];
	const nn_shape *os;
	const float *out;
	char worst[160] = "";
	nn_param E;
	nn_rng r;
	double e;

	nn_rng_seed(&r, 3);
	add_ok(m, &r, "embed", "4 vocab=6", NN_ACT_LINEAR);
	add_ok(m, &r, "slice", "2..4", NN_ACT_LINEAR);
	os = nn_model_output_shape(m);
	ck_assert_int_eq(os->ndim, 2);
	ck_assert_int_eq(os->dim[0], 3);
	ck_assert_int_eq(os->dim[1], 4);
	nn_model_param(m, 0, 0, &E);
	out = nn_model_forward(m, x, 2, 0, NULL);
	for (int i = 0; i < 2; i++)
		for (int t = 0; t < 3; t++)
			ck_assert_mem_eq(out + (i * 3 + t) * 4,
			                 E.value + (int)x[i * 5 + 1 + t] * 4,
			                 4 * sizeof *out);
	nn_model_free(m);
	m = nn_model_new(&in);
	add_ok(m, &r, "embed", "6 vocab=6", NN_ACT_LINEAR);
	add_ok(m, &r, "attention", "2 causal", NN_ACT_LINEAR);
	add_ok(m, &r, "slice", "3..5", NN_ACT_LINEAR);
	add_ok(m, &r, "dense", "3", NN_ACT_TANH);
	gc_fill(&r, nn_model_params(m), nn_model_param_count(m), -0.5, 0.5);
	gc_fill(&r, y, sizeof y / sizeof *y, -1, 1);
	e = gc_model(m, NN_LOSS_MSE, x, y, 2, EPS, 0, 1, worst, sizeof worst);
	printf("gradcheck %-24s params worst %.2e %s\n", "slice of positions",
	       e, worst);
	ck_assert_msg(e < TOL, "%g at %s", e, worst);
	nn_model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pad");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, minlen_pads_and_unlabels);
	tcase_add_test(tc, minlen_refusals);
	tcase_add_test(tc, padding_carries_nothing);
	tcase_add_test(tc, history_per_token_and_sequence);
	tcase_add_test(tc, padding_mask_matches_torch);
	tcase_add_test(tc, padding_mask_grads_and_blindness);
	tcase_add_test(tc, padding_mask_all_padded);
	tcase_add_test(tc, slice_of_positions);
	tcase_add_test(tc, attention_weights_as_viewed);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
