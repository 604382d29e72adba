/* train.c - the training loop. It never draws: it appends points to a
 * history and calls back after each batch; a stop flag is checked between
 * batches, so the model is always whole. Evaluation is in evaluate.c,
 * the NaN guard's checks and messages in guard.c.
 *
 * A run keeps its progress in an nn_run: the order of the current epoch,
 * the position in it, its own random numbers and the early-stopping
 * state. A stopped run therefore resumes exactly where it stopped, and
 * gives the same weights as a run that never stopped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas.h"
#include "nn.h"
#include "nn_stats.h"
#include "ranks.h"
#include "train.h"
#include "workers.h"

static int early_on(const nn_early *e)
{
	return e->patience > 0 || e->restore;
}

/* Scale the gradients down to L2 norm at most max. */
static void clip_grads(nn_model *m, double max)
{
	float *g = nn_model_grads(m);
	size_t n = nn_model_param_count(m);
	double sq = 0, norm;

	for (size_t i = 0; i < n; i++)
		sq += (double)g[i] * g[i];
	norm = sqrt(sq);
	if (norm > max) {
		float s = (float)(max / norm);

		for (size_t i = 0; i < n; i++)
			g[i] *= s;
	}
}

/* Every gradient times s: the sum of a batch's losses instead of their
 * mean (reduction=sum). */
static void scale_grads(nn_model *m, float s)
{
	float *g = nn_model_grads(m);
	size_t n = nn_model_param_count(m);

	for (size_t i = 0; i < n; i++)
		g[i] *= s;
}

/* LeCun's fan-in rates: each parameter's gradient times 1/sqrt(fan-in)
 * of the units it feeds, so wide layers take smaller steps. */
static void scale_fanin(nn_model *m)
{
	for (size_t i = 0; i < nn_model_layers(m); i++)
		for (int k = 0; k < nn_model_layer_nparams(m, i); k++) {
			nn_param p;
			float s;

			nn_model_param(m, i, k, &p);
			if (p.fan_in <= 1 || p.tied)
				continue;
			s = (float)(1 / sqrt((double)p.fan_in));
			for (size_t j = 0; j < p.size; j++)
				p.grad[j] *= s;
		}
}

/* ---- the loop ---------------------------------------------------------- */

/* Correct predictions (per position for sequences) and whole sequences
 * right in a batch. */
typedef struct tally {
	size_t correct, seqs;
} tally;

/* What one call of nn_train works with. */
typedef struct trainer {
	nn_model *m;
	nn_loss_kind loss;
	nn_act act;
	nn_optim *o;
	const nn_dataset *d;    /* training samples are d's first run->n */
	const nn_dataset *val;
	nn_dataset *split;      /* val when it was split off d */
	nn_train_opts cfg;      /* the run's settings with the caller's
	                         * pointers */
	nn_run *run;
	nn_history *h;
	nn_batch_bufs b;
	size_t *osz;            /* output size of each layer */
	double t0;              /* the run's start on the clock */
	double base_lr;         /* the optimizer's own rate */
	double lr_scale;        /* live changes of a scheduled rate */
	float *safe;            /* weights whose loss was finite, kept for
	                         * the NaN guard ... */
	long safe_iter;         /* ... from before this iteration */
	long safe_every;        /* iterations between two copies */
	int full;               /* a full-batch method: one iteration per
	                         * epoch, through a closure */
	nn_closure c;           /* its closure, on the whole set (this
	                         * rank's share) gathered once into b */
	float *ymap;            /* the targets mapped (target_lo/hi), or
	                         * NULL when b.y serves */
	float mid;              /* a single output's right-answer threshold */
	tally seen;             /* the last evaluation's right answers */
	long evals;             /* its evaluations since the last point */
	const nn_ranks *rk;     /* data-parallel: the ranks, else NULL */
	int want_stop;          /* the callback asked to stop (ranks) */
	int stop_all;           /* the ranks agreed to stop (ranks) */
	int fuse;               /* plain SGD: a batch of one may take its
	                         * step in the backward pass */
	int fused;              /* the last batch did: its gradients of the
	                         * tensors stepped so were not kept */
} trainer;

static int add_point(trainer *t)
{
	nn_run *r = t->run;
	nn_metrics p = { 0 };
	double now = nn_now();
	size_t vseqs = 0;

	p.epoch = r->epoch;
	p.iter = r->iter;
	p.loss = r->span_seen ? r->span_loss / r->span_seen : NAN;
	p.acc = t->d->nclasses > 0 && r->span_labelled
	        ? (double)r->span_correct / (double)r->span_labelled : NAN;
	p.seq_acc = t->d->ytok && r->span_seen
	            ? (double)r->span_seqs / (double)r->span_seen : NAN;
	p.val_loss = p.val_acc = p.val_seq_acc = NAN;
	p.lr = t->o->lr;
	p.seconds = now - t->t0;
	p.samples_per_s = p.seconds > r->seconds
	                  ? r->span_seen / (p.seconds - r->seconds) : 0;
	p.evals = t->evals;
	p.mu = t->o->kind == NN_OPT_LM ? t->o->mu : 0;
	t->evals = 0;
	if (t->val && nn_evaluate_pass(t->m, t->loss, t->val, 0,
	                               t->cfg.target_lo, t->cfg.target_hi,
	                               t->cfg.deadzone, &p.val_loss,
	                               &p.val_acc, NULL, &vseqs, 0) < 0)
		return -1;
	if (t->val && t->val->ytok)
		p.val_seq_acc = (double)vseqs / (double)t->val->n;
	r->span_loss = 0;
	r->span_correct = r->span_seen = r->span_labelled = 0;
	r->span_seqs = 0;
	r->seconds = nn_now() - t->t0;
	if (nn_history_push(t->h, &p) < 0)
		return -1;
	/* the statistics record the last batch's gradients: a stopped
	 * run's last point after a batch that kept none records none */
	return t->fused ? 0 : nn_stats_record(t->h, t->m);
}

/* Check the settings of a new run and hold out its validation split. */
static int check_settings(trainer *t, const nn_train_opts *o)
{
	const nn_early *e = &o->early;
	size_t n = t->d->n;

	if (o->val && o->val_split > 0)
		return nn_fail("give validation data or a fraction to hold "
		               "out, not both");
	if (!(o->val_split >= 0 && o->val_split < 1))
		return nn_fail("the validation fraction must be in [0, 1)");
	if (!(o->goal >= 0))
		return nn_fail("goal= is a loss of 0 (off) or more");
	if (!(o->clip >= 0) || !isfinite(o->clip))
		return nn_fail("clip must be a norm of 0 (off) or more");
	if (t->full && (o->clip > 0 || o->fanin))
		return nn_fail("clip= and fanin shape gradient-descent steps; "
		               "%s takes its own", nn_optim_name(t->o->kind));
	if (!(o->deadzone >= 0 && o->deadzone < 1e6))
		return nn_fail("the dead zone must be 0 (off) or more");
	if (o->deadzone > 0 && t->loss != NN_LOSS_MSE)
		return nn_fail("a dead zone is an option of loss mse, not %s",
		               nn_loss_name(t->loss));
	if (o->reduction == NN_RED_SUM && t->full)
		return nn_fail("%s minimises the mean loss: use reduction=mean",
		               nn_optim_name(t->o->kind));
	if (o->deadzone > 0 && t->full)
		return nn_fail("a dead zone needs a gradient-descent optimizer "
		               "(sgd adam rmsprop adagrad), not %s",
		               nn_optim_name(t->o->kind));
	if (t->o->kind == NN_OPT_SDLM && nn_sdlm_check(t->m, t->loss) < 0)
		return -1;
	if (t->o->kind == NN_OPT_SDLM && o->reduction == NN_RED_SUM)
		return nn_fail("sdlm's rates are for the mean loss: use "
		               "reduction=mean");
	if (nn_schedule_check(&o->schedule) < 0)
		return -1;
	if ((unsigned)e->monitor >= NN_MON_COUNT || e->patience < 0 ||
	    !(e->min_delta >= 0))
		return nn_fail("early stopping: bad monitor, patience or "
		               "min_delta");
	if (o->val_split > 0) {
		size_t nval = (size_t)(n * o->val_split + 0.5);
		size_t *idx;

		if (nval == 0 || nval >= n)
			return nn_fail("holding out %g of %zu samples leaves "
			               "%s", o->val_split, n,
			               nval ? "none to train on"
			                    : "none to validate on");
		idx = malloc(nval * sizeof *idx);
		if (!idx)
			return nn_fail("out of memory");
		for (size_t i = 0; i < nval; i++)
			idx[i] = n - nval + i;
		t->split = nn_dataset_subset(t->d, idx, nval);
		free(idx);
		if (!t->split)
			return -1;
		t->val = t->split;
	}
	if (early_on(e) && !t->val &&
	    (e->monitor == NN_MON_VAL_LOSS || e->monitor == NN_MON_VAL_ACC))
		return nn_fail("monitor=%s needs validation data (val=DATA or "
		               "val=0.1); or monitor=loss",
		               nn_monitor_name(e->monitor));
	return 0;
}

/* Set up a new run in t->run from the caller's settings. */
static int start_run(trainer *t, const nn_train_opts *o, nn_rng *rng)
{
	nn_run *r = t->run;
	size_t n = t->d->n - (t->split ? t->split->n : 0), batch, nb;

	nn_run_free(r);
	r->opts = *o;
	r->opts.val = NULL;
	r->opts.stop = NULL;
	r->opts.callback = NULL;
	r->opts.ud = NULL;
	r->opts.run = NULL;
	r->opts.resume = 0;
	r->opts.ranks = NULL;
	batch = o->batch == 0 || o->batch > n || t->full ? n : o->batch;
	r->opts.batch = batch;
	nb = (n + batch - 1) / batch;
	r->iters = o->iters > 0 ? o->iters : (long)nb * o->epochs;
	if (r->iters <= 0)
		return nn_fail("nothing to do: give epochs= or iters=");
	r->epochs = (int)((r->iters + (long)nb - 1) / (long)nb);
	r->n = n;
	r->nparams = nn_model_param_count(t->m);
	r->perm = malloc(n * sizeof *r->perm);
	if (!r->perm)
		return nn_fail("out of memory");
	for (size_t i = 0; i < n; i++)
		r->perm[i] = i;
	nn_rng_seed(&r->rng, nn_rng_next(rng));
	r->early = o->early;
	r->early.best = NAN;
	r->early.best_epoch = 0;
	r->early.best_iter = 0;
	r->early.wait = 0;
	if (o->early.restore) {
		r->nbest = r->nparams;
		r->best = malloc((r->nbest ? r->nbest : 1) * sizeof *r->best);
		if (!r->best)
			return nn_fail("out of memory for the best weights");
	}
	r->active = 1;
	return 0;
}

/* Check that a stopped run can go on with this model and data. */
static int check_resume(trainer *t)
{
	nn_run *r = t->run;
	size_t n = t->d->n - (t->split ? t->split->n : 0);

	if (!r->active || !r->perm)
		return nn_fail("there is no stopped run to resume");
	if (r->nparams != nn_model_param_count(t->m))
		return nn_fail("the model has changed since the run stopped");
	if (r->n != n)
		return nn_fail("the run trained on %zu samples, this data has "
		               "%zu", r->n, n);
	if (r->opts.val_split == 0 && r->val_name[0] && !t->val)
		return nn_fail("the run validated on %s: give val=%s",
		               r->val_name, r->val_name);
	return 0;
}

/* Whether a history point is due once iteration iter ends at sample pos
 * of the epoch. */
static int point_at(const trainer *t, long iter, size_t pos)
{
	const nn_run *r = t->run;

	if (t->cfg.every > 0)
		return iter % t->cfg.every == 0 || iter == r->iters;
	return pos >= r->n || iter == r->iters;
}

/* Whether a history point is due after the batch just done. */
static int point_due(const trainer *t)
{
	return point_at(t, t->run->iter, t->run->pos);
}

/* Whether the next batch, of cnt samples, may take its step in the
 * backward pass (nn_model_backward_sgd): one sample with plain SGD, not
 * the last before a history point (whose statistics record the
 * gradients) nor one whose weights the NaN guard keeps a copy of. */
static int may_fuse(const trainer *t, size_t cnt)
{
	const nn_run *r = t->run;

	return t->fuse && cnt == 1 &&
	       r->iter - t->safe_iter < t->safe_every &&
	       !point_at(t, r->iter + 1, r->pos + cnt);
}

/* The NaN guard fired on the last pass (n samples, loss l): the last
 * weights checked finite back, and a message saying where. Returns -1. */
static int guard_stop(trainer *t, size_t n, double l)
{
	nn_run *r = t->run;
	char kept[128];

	r->nan_iter = r->iter + 1;
	if (t->safe_iter == r->iter)
		snprintf(kept, sizeof kept, "the weights from before this "
		         "%s are kept", t->full ? "iteration" : "batch");
	else
		snprintf(kept, sizeof kept, "the weights from before "
		         "iteration %ld, the last checked finite, are "
		         "restored", t->safe_iter + 1);
	memcpy(nn_model_params(t->m), t->safe,
	       nn_model_param_count(t->m) * sizeof *t->safe);
	return nn_guard_fail(t->m, t->loss, t->osz, n, r->nan_iter, l,
	                     t->o->kind, t->o->lr, kept);
}

/* The gradient of the n samples at offset off of the batch, forward,
 * loss and backward, with the NaN guard; *l is their mean loss (and the
 * penalties), *k their correct predictions and sequences. fuse: the
 * backward pass takes plain SGD's step where it can (may_fuse). */
static int batch_grads(trainer *t, size_t off, size_t n, nn_rng *rng,
                       int fuse, double *l, tally *k)
{
	nn_model *m = t->m;
	nn_run *r = t->run;
	size_t rows = nn_dataset_rows(t->d), w = t->d->ysize / rows;
	nn_batch_bufs *b = &t->b;
	const float *out;
	int dz_given;

	nn_dataset_gather(t->d, r->perm + r->pos + off, n, b->x, b->y);
	if (r->pos + off + 2 * n <= r->n)       /* the next batch's */
		nn_dataset_prefetch(t->d, r->perm + r->pos + off + n, n);
	out = nn_model_forward(m, b->x, n, 1, rng);
	if (!out)
		return -1;
	k->correct = nn_count_correct(out, b->y, n * rows, w, t->mid);
	k->seqs = t->d->ytok ? nn_count_seqs(out, b->y, n, rows, w, t->mid)
	                     : 0;
	nn_map_targets(t->d, b->y, n * rows * w, t->cfg.target_lo,
	            t->cfg.target_hi);
	if (t->cfg.deadzone > 0)
		nn_deadzone(out, b->y, n * rows * w, t->cfg.deadzone);
	*l = nn_loss(t->loss, t->act, nn_model_z(m, nn_model_layers(m) - 1),
	             out, b->y, n * rows, w, b->grad, &dz_given) +
	     nn_model_penalty_value(m, -1);
	t->fused = fuse;
	if (isfinite(*l) && fuse)
		nn_model_backward_sgd(m, b->grad, dz_given, t->o->lr);
	else if (isfinite(*l))
		nn_model_backward_params(m, b->grad, dz_given);
	if (!isfinite(*l) || !nn_deltas_finite(m, t->osz, n))
		return guard_stop(t, n, *l);
	return 0;
}

/* Data-parallel: sum the ranks' gradients (each already weighted by its
 * share), losses and correct counts; take rank 0's rate and every rank's
 * wish to stop. l NULL: a full-batch iteration, whose closure summed the
 * loss and gradient already. A failed sync leaves the weights the guard
 * keeps. */
static int sync_step(trainer *t, size_t cnt, double *l, tally *k)
{
	nn_model *m = t->m;
	nn_sync s = { 0 };

	s.phase = NN_SYNC_STEP;
	s.stop = t->want_stop || (t->cfg.stop && *t->cfg.stop);
	s.loss = l ? *l : 0;
	s.correct = (double)k->correct;
	s.seqs = (double)k->seqs;
	s.lr = t->o->lr;
	if (t->rk->sync(t->rk->ud, &s, l ? nn_model_grads(m) : NULL,
	                l ? nn_model_param_count(m) : 0) < 0) {
		memcpy(nn_model_params(m), t->safe,
		       nn_model_param_count(m) * sizeof *t->safe);
		return -1;
	}
	if (l)
		*l = s.loss / (double)cnt;
	k->correct = (size_t)s.correct;
	k->seqs = (size_t)s.seqs;
	t->o->lr = (float)s.lr;
	t->stop_all = s.stop > 0;
	return 0;
}

/* sdlm: a new estimate of the second derivatives is due before the
 * first step, then at each epoch's start or every o->every samples. */
static int sdlm_due(const trainer *t, size_t cnt)
{
	const nn_run *r = t->run;
	size_t every = (size_t)t->o->every;
	size_t seen = (size_t)(r->epoch - 1) * r->n + r->pos;

	if (!t->o->v || t->o->nstate != nn_model_param_count(t->m))
		return 1;
	return every ? (seen + every - 1) / every * every < seen + cnt
	             : r->pos == 0;
}

/* The weights gave a finite loss: every safe_every iterations, they are
 * the guard's fallback. */
static int keep_safe(trainer *t)
{
	nn_run *r = t->run;
	size_t np = nn_model_param_count(t->m);
	char kept[128];

	if (r->iter - t->safe_iter < t->safe_every)
		return 0;
	/* a weight gradient can overflow while the loss and the deltas
	 * stay finite (a relu passes no NaN on): the copy is checked */
	if (!nn_all_finite(nn_model_params(t->m), np)) {
		r->nan_iter = r->iter + 1;
		snprintf(kept, sizeof kept, "the weights from before "
		         "iteration %ld, the last checked finite, are "
		         "restored", t->safe_iter + 1);
		nn_guard_weights(t->m, r->nan_iter, kept);
		memcpy(nn_model_params(t->m), t->safe, np * sizeof *t->safe);
		return -1;
	}
	memcpy(t->safe, nn_model_params(t->m), np * sizeof *t->safe);
	t->safe_iter = r->iter;
	return 0;
}

/* The right answers among a full-batch evaluation's outputs (the
 * closure's seen). */
static void full_seen(void *ud, const float *out)
{
	trainer *t = ud;
	size_t rows = nn_dataset_rows(t->d), w = t->d->ysize / rows;
	size_t n = t->c.n;

	t->seen.correct = nn_count_correct(out, t->b.y, n * rows, w, t->mid);
	t->seen.seqs = t->d->ytok ? nn_count_seqs(out, t->b.y, n, rows, w,
	                                          t->mid)
	                          : 0;
}

/* A full-batch run's closure: the training samples (over ranks, this
 * rank's share of them) gathered once, in order, into the batch buffers
 * and converted once, with their targets mapped; it remembers its last
 * point. 0, or -1 with a message. */
static int full_setup(trainer *t)
{
	nn_closure *c = &t->c;
	size_t cnt = t->run->n, off = 0, n = cnt, ylen, *idx;
	size_t np = nn_model_param_count(t->m);

	if (t->rk) {
		off = cnt * (size_t)t->rk->rank / (size_t)t->rk->size;
		n = cnt * (size_t)(t->rk->rank + 1) / (size_t)t->rk->size - off;
	}
	ylen = n * t->d->ysize;
	if (!(idx = malloc((n ? n : 1) * sizeof *idx)))
		return nn_fail("out of memory");
	for (size_t i = 0; i < n; i++)
		idx[i] = off + i;
	nn_dataset_gather(t->d, idx, n, t->b.x, t->b.y);
	free(idx);
	if (t->d->nclasses > 0 && t->cfg.target_lo != t->cfg.target_hi) {
		if (!(t->ymap = malloc((ylen ? ylen : 1) * sizeof *t->ymap)))
			return nn_fail("out of memory");
		memcpy(t->ymap, t->b.y, ylen * sizeof *t->ymap);
		nn_map_targets(t->d, t->ymap, ylen, t->cfg.target_lo,
		               t->cfg.target_hi);
	}
	c->m = t->m;
	c->loss = t->loss;
	c->x = t->b.x;
	c->y = t->ymap ? t->ymap : t->b.y;
	c->n = n;
	c->grad = t->b.grad;
	c->rng = &t->run->rng;
	c->ranks = t->rk;
	c->total = cnt;
	c->seen = full_seen;
	c->ud = t;
	if (!(c->w_last = malloc((np ? np : 1) * sizeof *c->w_last)))
		return nn_fail("out of memory");
	return 0;
}

/* A full-batch method's iteration on the whole training set: the loss
 * and gradient where the last iteration's line search ended, else a new
 * evaluation (the run's first iteration, a search that stayed where it
 * was), the NaN guard, the method's step. *loss is the loss where it
 * ends. Over ranks, every evaluation sums the shares. */
static int full_iter(trainer *t, double *loss)
{
	nn_model *m = t->m;
	nn_run *r = t->run;
	nn_closure *c = &t->c;
	size_t np = nn_model_param_count(m);
	double l;
	tally k;

	c->evals = 0;
	if (!nn_closure_current(c, &l) ||
	    !nn_all_finite(nn_model_grads(m), np))
		l = nn_closure_eval(c, 1);
	if (c->failed)
		return -1;
	if (!isfinite(l) || !nn_all_finite(nn_model_grads(m), np))
		return guard_stop(t, c->n, l);
	k = t->seen;
	if (t->rk && sync_step(t, r->n, NULL, &k) < 0)
		return -1;
	if (keep_safe(t) < 0)
		return -1;
	r->span_correct += k.correct;
	r->span_seqs += k.seqs;
	if (nn_optim_full_step(t->o, c, &l) < 0)
		return -1;
	t->evals += c->evals;
	*loss = l;
	return 0;
}

/* One batch: forward, loss, backward, the NaN guard, clipping, the step.
 * Over several ranks, each computes its share's gradient and sync_step
 * sums them. Returns 0, or -1 when the guard fired or a step failed. */
static int train_batch(trainer *t, size_t cnt, double *loss)
{
	nn_model *m = t->m;
	nn_run *r = t->run;
	size_t off = 0, n = cnt;
	tally k = { 0, 0 };
	nn_rng *rng = &r->rng, own;
	double l = 0;

	if (t->full)
		return full_iter(t, loss);
	if (t->rk) {
		/* this rank's share, with dropout masks of its own, drawn
		 * so that the run's generator (the shuffle) stays as it is
		 * on one process */
		uint64_t draw = (uint64_t)r->iter * (uint64_t)t->rk->size +
		                (uint64_t)t->rk->rank + 1;

		off = cnt * (size_t)t->rk->rank / (size_t)t->rk->size;
		n = cnt * (size_t)(t->rk->rank + 1) / (size_t)t->rk->size - off;
		nn_rng_seed(&own, r->rng.s[0] + 0x9e3779b97f4a7c15ull * draw);
		rng = &own;
	}
	if (n > 0 && batch_grads(t, off, n, rng, may_fuse(t, cnt), &l, &k) < 0)
		return -1;
	if (n == 0)     /* a last batch smaller than the ranks */
		memset(nn_model_grads(m), 0,
		       nn_model_param_count(m) * sizeof(float));
	if (t->cfg.reduction == NN_RED_SUM)
		scale_grads(m, (float)n);
	else if (t->rk)
		scale_grads(m, (float)n / (float)cnt);
	if (t->rk) {
		l *= (double)n;
		if (sync_step(t, cnt, &l, &k) < 0)
			return -1;
	}
	if (keep_safe(t) < 0)
		return -1;
	r->span_correct += k.correct;
	r->span_seqs += k.seqs;
	if (t->o->kind == NN_OPT_SDLM && sdlm_due(t, cnt) &&
	    nn_sdlm_refresh(t->o, m, t->loss, t->d, r->perm, r->n, r->pos,
	                    t->cfg.target_lo, t->cfg.target_hi) < 0)
		return -1;
	if (t->cfg.clip > 0)
		clip_grads(m, t->cfg.clip);
	if (t->cfg.fanin)
		scale_fanin(m);
	if (nn_optim_step(t->o, m) < 0)
		return -1;
	*loss = l;
	return 0;
}

/* The callback may set the optimizer's rate between batches: without a
 * schedule it is the rate from then on (and after the run); with one it
 * scales the schedule. */
static void keep_rate(trainer *t, double was, int scheduled)
{
	if (t->o->lr == (float)was)
		return;
	if (!scheduled)
		t->base_lr = t->o->lr;
	else if (was > 0)
		t->lr_scale *= t->o->lr / was;
}

/* The loop proper; returns 0 or -1. */
static int run_loop(trainer *t)
{
	nn_run *r = t->run;
	const nn_train_opts *c = &t->cfg;
	const nn_schedule *sc = &c->schedule;
	int scheduled = sc->kind != NN_SCHED_CONSTANT || sc->max > 0 ||
	                sc->warmup > 0;
	nn_progress pr = { 0 };
	double epoch_loss = 0;

	pr.iters = r->iters;
	pr.epochs = r->epochs;
	pr.run = r;
	while (r->iter < r->iters) {
		size_t cnt;
		double l = 0, step_began;
		float was;
		int stop = 0, quit;

		if (t->rk ? t->stop_all : c->stop && *c->stop)
			return 0;
		if (r->epoch == 0 || r->pos >= r->n) {
			r->epoch++;
			r->pos = 0;
			/* a full batch is gathered once, in order: its
			 * order would change only the rounding */
			if (c->shuffle && !t->full)
				nn_rng_shuffle(&r->rng, r->perm, r->n);
		}
		if (r->pos == 0)
			epoch_loss = 0;
		cnt = r->n - r->pos < c->batch ? r->n - r->pos : c->batch;
		if (scheduled)
			t->o->lr = (float)(t->lr_scale *
			        nn_schedule_lr(sc, t->base_lr, t->o->t));
		was = t->o->lr;
		step_began = nn_now();
		if (train_batch(t, cnt, &l) < 0)
			return -1;
		nn_parallel_step_took(nn_now() - step_began);
		if (t->o->lr != was)    /* rank 0's rate, changed live */
			keep_rate(t, was, scheduled);
		r->iter++;
		r->span_loss += l * cnt;
		r->span_seen += cnt;
		r->span_labelled += nn_dataset_labelled(t->d, r->perm + r->pos,
		                                        cnt);
		epoch_loss += l * cnt;
		r->pos += cnt;
		pr.iter = r->iter;
		pr.epoch = r->epoch;
		pr.seen = r->pos;
		pr.loss = epoch_loss / (double)r->pos;
		pr.lr = t->o->lr;
		pr.seconds = nn_now() - t->t0;
		pr.point = NULL;
		pr.improved = 0;
		if (point_due(t)) {
			if (add_point(t) < 0)
				return -1;
			pr.point = &t->h->p[t->h->n - 1];
			if ((c->goal > 0 && pr.point->loss <= c->goal) ||
			    (c->goal_acc > 0 && pr.point->acc >= c->goal_acc))
				r->reached_goal = stop = 1;
			if (early_on(&r->early)) {
				pr.improved = nn_early_update(&r->early,
				                              pr.point, &stop);
				if (pr.improved && r->best)
					memcpy(r->best, nn_model_params(t->m),
					       r->nbest * sizeof *r->best);
			}
		}
		quit = c->callback && c->callback(&pr, c->ud);
		keep_rate(t, pr.lr, scheduled);
		if (quit && t->rk)
			t->want_stop = 1;   /* with the others, next batch */
		else if (quit)
			return 0;
		if (stop) {
			r->stopped_early = !r->reached_goal;
			return 0;
		}
	}
	return 0;
}

/* Close the run: a last point for a stopped run's partial span, the best
 * weights back, the run no longer active once it has ended. */
static int finish_run(trainer *t, int rc)
{
	nn_run *r = t->run;
	int ended = r->iter >= r->iters || r->stopped_early ||
	            r->reached_goal;

	if (rc < 0) {
		r->active = 0;
		return -1;
	}
	if (!ended) {
		if (r->span_seen > 0 && add_point(t) < 0)
			return -1;
		r->seconds = nn_now() - t->t0;
		return 0;
	}
	r->active = 0;
	if (r->best && !isnan(r->early.best) && t->h->n > 0 &&
	    t->h->p[t->h->n - 1].iter != r->early.best_iter) {
		memcpy(nn_model_params(t->m), r->best,
		       r->nbest * sizeof *r->best);
		r->restored = 1;
	}
	return 0;
}

/* Free the batch buffers and a full-batch run's closure. */
static void free_full(trainer *t)
{
	nn_bufs_free(&t->b);
	free(t->ymap);
	free(t->c.w_last);
}

int nn_train(nn_model *m, nn_loss_kind loss, nn_optim *o, const nn_dataset *d,
             const nn_train_opts *opts, nn_rng *rng, nn_history *h)
{
	nn_run own = { 0 };
	trainer t = { 0 };
	size_t nl = nn_model_layers(m);
	int rc;

	t.m = m;
	t.loss = loss;
	t.act = nn_model_output_act(m);
	t.o = o;
	t.d = d;
	t.val = opts->val;
	t.run = opts->run ? opts->run : &own;
	t.h = h;
	t.full = nn_optim_full_batch(o->kind);
	t.rk = opts->ranks && opts->ranks->size > 1 ? opts->ranks : NULL;
	if (nn_check_fit(m, d, "training") < 0 ||
	    nn_loss_check(loss, t.act, d->ysize / nn_dataset_rows(d)) < 0)
		return -1;
	if (opts->val && nn_check_fit(m, opts->val, "validation") < 0)
		return -1;
	if (check_settings(&t, opts->resume ? &t.run->opts : opts) < 0)
		goto fail;
	if (t.rk) {
		size_t n = d->n - (t.split ? t.split->n : 0);
		size_t b = opts->resume ? t.run->opts.batch : opts->batch;

		if (nn_ranks_check(t.rk, m, b == 0 || b > n ? n : b) < 0)
			goto fail;
	}
	if (opts->resume ? check_resume(&t) < 0 : start_run(&t, opts, rng) < 0)
		goto fail;
	t.cfg = t.run->opts;
	t.cfg.val = t.val;
	t.cfg.stop = opts->stop;
	t.cfg.callback = opts->callback;
	t.cfg.ud = opts->ud;
	t.mid = nn_target_mid(t.cfg.target_lo, t.cfg.target_hi);
	t.run->stopped_early = t.run->restored = t.run->reached_goal = 0;
	t.run->nan_iter = 0;
	t.osz = malloc((nl ? nl : 1) * sizeof *t.osz);
	if (!t.osz)
		goto oom;
	for (size_t i = 0; i < nl; i++) {
		nn_layer_info info;

		nn_model_layer_info(m, i, &info);
		t.osz[i] = nn_shape_size(&info.out);
	}
	if (nn_bufs_alloc(&t.b, d, t.cfg.batch, 0) < 0)
		goto fail;
	if (nn_model_reserve(m, t.cfg.batch) < 0 ||
	    (t.full && full_setup(&t) < 0)) {
		free_full(&t);
		goto fail;
	}
	/* the clock starts once oneDNN's kernels are built (nn_warm_up's
	 * thread, started with the program): a script's first train would
	 * otherwise wait for them, tens of milliseconds of start-up */
	nn_warm_wait();
	t.t0 = nn_now() - t.run->seconds;
	t.base_lr = o->lr;
	t.lr_scale = 1;
	/* copying the weights costs about 2/batch of a step: every
	 * 256/batch steps keeps it near 1% */
	t.safe_every = 256 / (long)t.cfg.batch > 1 ? 256 / (long)t.cfg.batch
	                                           : 1;
	t.safe_iter = t.run->iter;
	t.fuse = o->kind == NN_OPT_SGD && o->momentum == 0 &&
	         o->weight_decay == 0 && o->decay == 0 && !t.full && !t.rk &&
	         t.cfg.clip == 0 && !t.cfg.fanin;
	if (!(t.safe = malloc((nn_model_param_count(m) ? nn_model_param_count(m)
	                                               : 1) * sizeof(float)))) {
		free_full(&t);
		goto oom;
	}
	if (nn_guard_weights(m, 0, NULL) < 0) {
		free_full(&t);
		free(t.safe);
		goto fail;
	}
	memcpy(t.safe, nn_model_params(m),
	       nn_model_param_count(m) * sizeof(float));
	if (t.rk && nn_ranks_begin(t.rk, m, o, t.d, t.val, t.run, loss) < 0) {
		free_full(&t);
		free(t.safe);
		goto fail;
	}
	/* the batches stay in t.b.x: flatten may pass them on */
	nn_model_lend_input(m, t.b.x, t.cfg.batch * d->xsize);
	nn_parallel_steps(1);
	rc = run_loop(&t);
	nn_parallel_steps(0);
	nn_model_lend_input(m, NULL, 0);
	o->lr = (float)t.base_lr;
	rc = finish_run(&t, rc);
	if (rc == 0 && t.rk && nn_ranks_end(t.rk, m) < 0)
		rc = -1;
	free_full(&t);
	free(t.safe);
	free(t.osz);
	nn_dataset_free(t.split);
	if (t.run == &own)
		nn_run_free(&own);
	return rc;
oom:
	nn_fail("out of memory");
fail:
	free(t.osz);
	nn_dataset_free(t.split);
	if (t.run == &own)
		nn_run_free(&own);
	return -1;
}

