/* evaluate.c - evaluation and prediction: a model's loss and accuracy
 * on a data set, batch by batch, and its predicted classes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "nn.h"
#include "train.h"

#define EVAL_BATCH 1000

int nn_check_fit(const nn_model *m, const nn_dataset *d, const char *what)
{
	size_t in = nn_shape_size(nn_model_input_shape(m));
	size_t out = nn_shape_size(nn_model_output_shape(m));
	char a[32], b[32];

	if (nn_model_layers(m) == 0)
		return nn_fail("the model has no layers; add some with 'add'");
	if (d->n == 0)
		return nn_fail("the %s data is empty", what);
	if (d->xsize != in)
		return nn_fail("the %s data has inputs of shape %s but the "
		               "model takes %s", what,
		               nn_shape_str(&d->xshape, a, sizeof a),
		               nn_shape_str(nn_model_input_shape(m), b,
		                            sizeof b));
	if (d->ysize != out)
		return nn_fail("the %s data has %zu target%s per sample but "
		               "the model has %zu output%s", what, d->ysize,
		               d->ysize == 1 ? "" : "s", out,
		               out == 1 ? "" : "s");
	if (d->xtok && nn_model_check_tokens(m, d->vocab) < 0)
		return nn_fail("the %s data: %s", what, nn_error());
	return 0;
}

void nn_bufs_free(nn_batch_bufs *b)
{
	nn_big_free(b->x);      /* one block: x, y and grad */
	free(b->idx);
}

int nn_bufs_alloc(nn_batch_bufs *b, const nn_dataset *d, size_t batch,
                  size_t nidx)
{
	size_t xs = batch * d->xsize, ys = batch * d->ysize;

	memset(b, 0, sizeof *b);
	/* in huge pages when large: gathering a full batch of MNIST first
	 * touched 30 MB 4 KiB at a time */
	b->x = nn_big_alloc((xs + 2 * ys + 1) * sizeof *b->x);
	b->idx = malloc((nidx ? nidx : 1) * sizeof *b->idx);
	if (!b->x || !b->idx) {
		nn_bufs_free(b);
		return nn_fail("out of memory for batches of %zu", batch);
	}
	b->y = b->x + xs;
	b->grad = b->y + ys;
	return 0;
}

void nn_map_targets(const nn_dataset *d, float *y, size_t len, float lo,
                    float hi)
{
	if (lo == hi || d->nclasses <= 0)
		return;
	for (size_t i = 0; i < len; i++)
		y[i] = lo + (hi - lo) * y[i];
}

static volatile int *interrupt_flag;

void nn_set_interrupt(volatile int *flag)
{
	interrupt_flag = flag;
}

/* Whether the front end asked to interrupt (Ctrl-C). */
static int interrupted(void)
{
	return interrupt_flag && *interrupt_flag;
}

size_t nn_count_seqs(const float *out, const float *y, size_t n,
                     size_t rows, size_t w, float mid)
{
	size_t right = 0;

	for (size_t i = 0; i < n; i++) {
		const float *o = out + i * rows * w, *t = y + i * rows * w;

		right += nn_count_correct(o, t, rows, w, mid) ==
		         nn_count_labelled(t, rows, w);
	}
	return right;
}

int nn_evaluate_pass(nn_model *m, nn_loss_kind loss, const nn_dataset *d,
                     size_t batch, float lo, float hi, float dz,
                     double *loss_out, double *acc_out, size_t *correct_out,
                     size_t *seqs_out, int interruptible)
{
	size_t rows = nn_dataset_rows(d), w = d->ysize / rows;
	size_t correct = 0, seqs = 0, labelled = 0;
	float mid = nn_target_mid(lo, hi);
	double total = 0;
	nn_batch_bufs b;

	if (nn_check_fit(m, d, "evaluation") < 0 ||
	    nn_loss_check(loss, nn_model_output_act(m), w) < 0)
		return -1;
	if (batch == 0 || batch > d->n)
		batch = d->n < EVAL_BATCH ? d->n : EVAL_BATCH;
	if (nn_bufs_alloc(&b, d, batch, batch) < 0)
		return -1;
	for (size_t start = 0; start < d->n; start += batch) {
		size_t cnt = d->n - start < batch ? d->n - start : batch;
		const float *out;
		size_t lab;

		if (interruptible && interrupted()) {
			nn_bufs_free(&b);
			return nn_fail("interrupted after %zu of %zu samples",
			               start, d->n);
		}
		for (size_t i = 0; i < cnt; i++)
			b.idx[i] = start + i;
		nn_dataset_gather(d, b.idx, cnt, b.x, b.y);
		out = nn_model_forward(m, b.x, cnt, 0, NULL);
		if (!out) {
			nn_bufs_free(&b);
			return -1;
		}
		correct += nn_count_correct(out, b.y, cnt * rows, w, mid);
		seqs += nn_count_seqs(out, b.y, cnt, rows, w, mid);
		lab = nn_dataset_labelled(d, b.idx, cnt);
		labelled += lab;
		nn_map_targets(d, b.y, cnt * rows * w, lo, hi);
		if (dz > 0)
			nn_deadzone(out, b.y, cnt * rows * w, dz);
		/* a batch's mean, weighted by its labelled rows (samples) */
		total += (double)lab / (double)rows *
		         (nn_loss(loss, nn_model_output_act(m),
		                  nn_model_z(m, nn_model_layers(m) - 1), out,
		                  b.y, cnt * rows, w, NULL, NULL) +
		          nn_model_penalty_value(m, -1));
	}
	nn_bufs_free(&b);
	if (loss_out)
		*loss_out = labelled ? total / ((double)labelled / rows) : 0;
	if (acc_out)
		*acc_out = d->nclasses > 0 && labelled
		           ? (double)correct / (double)labelled : NAN;
	if (correct_out)
		*correct_out = correct;
	if (seqs_out)
		*seqs_out = seqs;
	return 0;
}

int nn_evaluate_seq(nn_model *m, nn_loss_kind loss, const nn_dataset *d,
                    size_t batch, double *loss_out, double *tok_acc,
                    size_t *seqs_right)
{
	return nn_evaluate_pass(m, loss, d, batch, 0, 0, 0, loss_out, tok_acc,
	                        NULL, seqs_right, 1);
}

int nn_evaluate_targets(nn_model *m, nn_loss_kind loss, const nn_dataset *d,
                        size_t batch, float lo, float hi, float dz,
                        double *loss_out, double *acc_out,
                        size_t *correct_out)
{
	return nn_evaluate_pass(m, loss, d, batch, lo, hi, dz, loss_out,
	                        acc_out, correct_out, NULL, 1);
}

int nn_evaluate(nn_model *m, nn_loss_kind loss, const nn_dataset *d,
                size_t batch, double *loss_out, double *acc_out,
                size_t *correct_out)
{
	return nn_evaluate_targets(m, loss, d, batch, 0, 0, 0, loss_out,
	                           acc_out, correct_out);
}

int nn_predict(nn_model *m, const nn_dataset *d, const size_t *idx, size_t n,
               float mid, int *pred)
{
	size_t w = nn_shape_size(nn_model_output_shape(m));
	float *x;

	if (nn_check_fit(m, d, "input") < 0)
		return -1;
	x = malloc((n < EVAL_BATCH ? n : EVAL_BATCH) * d->xsize * sizeof *x);
	if (!x)
		return nn_fail("out of memory");
	for (size_t start = 0; start < n; start += EVAL_BATCH) {
		size_t cnt = n - start < EVAL_BATCH ? n - start : EVAL_BATCH;
		const float *out;

		nn_dataset_gather(d, idx + start, cnt, x, NULL);
		out = nn_model_forward(m, x, cnt, 0, NULL);
		if (!out) {
			free(x);
			return -1;
		}
		for (size_t r = 0; r < cnt; r++) {
			const float *o = out + r * w;
			size_t best = 0;

			for (size_t j = 1; j < w; j++)
				if (o[j] > o[best])
					best = j;
			pred[start + r] = w == 1 ? o[0] >= mid : (int)best;
		}
	}
	free(x);
	return 0;
}
