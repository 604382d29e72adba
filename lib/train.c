/* train.c - the training loop, evaluation and prediction. The loop never
 * draws: it appends points to a history and calls back after each batch;
 * a stop flag is checked between batches, so the model is always whole. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn.h"

#define EVAL_BATCH 1000

double nn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int nn_history_push(nn_history *h, const nn_metrics *m)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		nn_metrics *p = realloc(h->p, cap * sizeof *p);

		if (!p)
			return nn_fail("out of memory for the history");
		h->p = p;
		h->cap = cap;
	}
	h->p[h->n++] = *m;
	return 0;
}

void nn_history_free(nn_history *h)
{
	free(h->p);
	memset(h, 0, sizeof *h);
}

/* Check that d fits m: input size and target width. */
static int check_fit(const nn_model *m, const nn_dataset *d, const char *what)
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
		return nn_fail("the %s data has %zu target%s per sample but the "
		               "model has %zu output%s", what, d->ysize,
		               d->ysize == 1 ? "" : "s", out,
		               out == 1 ? "" : "s");
	return 0;
}

typedef struct batch_bufs {
	float *x, *y, *grad;
	size_t *idx;
} batch_bufs;

static void free_bufs(batch_bufs *b)
{
	free(b->x);
	free(b->y);
	free(b->grad);
	free(b->idx);
}

static int alloc_bufs(batch_bufs *b, const nn_dataset *d, size_t batch,
                      size_t nidx)
{
	memset(b, 0, sizeof *b);
	b->x = malloc(batch * d->xsize * sizeof *b->x);
	b->y = malloc(batch * d->ysize * sizeof *b->y);
	b->grad = malloc(batch * d->ysize * sizeof *b->grad);
	b->idx = malloc(nidx * sizeof *b->idx);
	if (!b->x || !b->y || !b->grad || !b->idx) {
		free_bufs(b);
		return nn_fail("out of memory for batches of %zu", batch);
	}
	return 0;
}

int nn_evaluate(nn_model *m, nn_loss_kind loss, const nn_dataset *d,
                size_t batch, double *loss_out, double *acc_out,
                size_t *correct_out)
{
	size_t w = d->ysize, correct = 0;
	double total = 0;
	batch_bufs b;

	if (check_fit(m, d, "evaluation") < 0 ||
	    nn_loss_check(loss, nn_model_output_act(m), w) < 0)
		return -1;
	if (batch == 0 || batch > d->n)
		batch = d->n < EVAL_BATCH ? d->n : EVAL_BATCH;
	if (alloc_bufs(&b, d, batch, batch) < 0)
		return -1;
	for (size_t start = 0; start < d->n; start += batch) {
		size_t cnt = d->n - start < batch ? d->n - start : batch;
		const float *out;

		for (size_t i = 0; i < cnt; i++)
			b.idx[i] = start + i;
		nn_dataset_gather(d, b.idx, cnt, b.x, b.y);
		out = nn_model_forward(m, b.x, cnt, 0, NULL);
		if (!out) {
			free_bufs(&b);
			return -1;
		}
		total += cnt * nn_loss(loss, nn_model_output_act(m),
		                       nn_model_z(m, nn_model_layers(m) - 1),
		                       out, b.y, cnt, w, NULL, NULL);
		correct += nn_count_correct(out, b.y, cnt, w);
	}
	free_bufs(&b);
	if (loss_out)
		*loss_out = total / (double)d->n;
	if (acc_out)
		*acc_out = d->nclasses > 0 ? (double)correct / d->n : NAN;
	if (correct_out)
		*correct_out = correct;
	return 0;
}

int nn_predict(nn_model *m, const nn_dataset *d, const size_t *idx, size_t n,
               int *pred)
{
	size_t w = nn_shape_size(nn_model_output_shape(m));
	float *x;

	if (check_fit(m, d, "input") < 0)
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
			pred[start + r] = w == 1 ? o[0] >= 0.5f : (int)best;
		}
	}
	free(x);
	return 0;
}

/* Running sums between two history points. */
typedef struct span {
	double loss;
	size_t correct, seen;
	double t0;
} span;

static int add_point(nn_model *m, nn_loss_kind loss, const nn_optim *o,
                     const nn_dataset *d, const nn_train_opts *opts,
                     nn_history *h, span *s, int epoch, long iter, double t0)
{
	nn_metrics p = { 0 };
	double now = nn_now();

	p.epoch = epoch;
	p.iter = iter;
	p.loss = s->seen ? s->loss / s->seen : NAN;
	p.acc = d->nclasses > 0 && s->seen ? (double)s->correct / s->seen
	                                   : NAN;
	p.val_loss = p.val_acc = NAN;
	p.lr = o->lr;
	p.seconds = now - t0;
	p.samples_per_s = now > s->t0 ? s->seen / (now - s->t0) : 0;
	if (opts->val && nn_evaluate(m, loss, opts->val, 0, &p.val_loss,
	                             &p.val_acc, NULL) < 0)
		return -1;
	memset(s, 0, sizeof *s);
	s->t0 = nn_now();
	return nn_history_push(h, &p);
}

int nn_train(nn_model *m, nn_loss_kind loss, nn_optim *o, const nn_dataset *d,
             const nn_train_opts *opts, nn_rng *rng, nn_history *h)
{
	size_t w = d->ysize, batch = opts->batch, nb;
	long iters, iter = 0;
	int epochs, rc = 0, dz_given;
	nn_act act = nn_model_output_act(m);
	double t0 = nn_now();
	batch_bufs b;
	span s = { 0 };
	nn_progress pr = { 0 };

	if (check_fit(m, d, "training") < 0 ||
	    nn_loss_check(loss, act, w) < 0)
		return -1;
	if (opts->val && check_fit(m, opts->val, "validation") < 0)
		return -1;
	if (batch == 0 || batch > d->n)
		batch = d->n;
	nb = (d->n + batch - 1) / batch;
	iters = opts->iters > 0 ? opts->iters : (long)nb * opts->epochs;
	epochs = (int)((iters + (long)nb - 1) / (long)nb);
	if (iters <= 0)
		return nn_fail("nothing to do: give epochs= or iters=");
	if (alloc_bufs(&b, d, batch, d->n) < 0)
		return -1;
	if (nn_model_reserve(m, batch) < 0) {
		free_bufs(&b);
		return -1;
	}
	for (size_t i = 0; i < d->n; i++)
		b.idx[i] = i;
	pr.iters = iters;
	pr.epochs = epochs;
	s.t0 = t0;
	for (int epoch = 1; iter < iters; epoch++) {
		if (opts->shuffle)
			nn_rng_shuffle(rng, b.idx, d->n);
		pr.epoch = epoch;
		pr.seen = 0;
		pr.loss = 0;
		for (size_t start = 0; start < d->n && iter < iters;
		     start += batch) {
			size_t cnt = d->n - start < batch ? d->n - start
			                                  : batch;
			const float *out;
			double l;

			if (opts->stop && *opts->stop)
				goto done;
			nn_dataset_gather(d, b.idx + start, cnt, b.x, b.y);
			out = nn_model_forward(m, b.x, cnt, 1, rng);
			if (!out) {
				rc = -1;
				goto done;
			}
			l = nn_loss(loss, act,
			            nn_model_z(m, nn_model_layers(m) - 1), out,
			            b.y, cnt, w, b.grad, &dz_given);
			s.correct += nn_count_correct(out, b.y, cnt, w);
			nn_model_backward(m, b.grad, dz_given);
			if (nn_optim_step(o, m) < 0) {
				rc = -1;
				goto done;
			}
			iter++;
			s.loss += l * cnt;
			s.seen += cnt;
			pr.loss = (pr.loss * pr.seen + l * cnt) /
			          (double)(pr.seen + cnt);
			pr.seen += cnt;
			pr.iter = iter;
			pr.lr = o->lr;
			pr.seconds = nn_now() - t0;
			pr.point = NULL;
			if ((opts->every > 0 && iter % opts->every == 0) ||
			    (opts->every <= 0 &&
			     (start + cnt >= d->n || iter == iters))) {
				if (add_point(m, loss, o, d, opts, h, &s, epoch,
				              iter, t0) < 0) {
					rc = -1;
					goto done;
				}
				pr.point = &h->p[h->n - 1];
			}
			if (opts->callback && opts->callback(&pr, opts->ud))
				goto done;
		}
	}
done:
	/* a stopped run keeps the metrics of its last partial span */
	if (rc == 0 && s.seen > 0 &&
	    add_point(m, loss, o, d, opts, h, &s, pr.epoch, iter, t0) < 0)
		rc = -1;
	free_bufs(&b);
	return rc;
}
