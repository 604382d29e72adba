/* cmd_train.c - training and what steers it: train (with validation,
 * early stopping, clipping, resume), evaluate, schedule, targets and
 * checkpoint. The loop prints one line per history point (at a terminal
 * the live panel, live.c, shows the run instead); Ctrl-C stops it between
 * batches, and `train DATA resume` continues the run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "live.h"
#include "ranks.h"
#include "signals.h"

int sh_save_model(sh_session *S, sh_model *sm, const char *path, int state)
{
	nn_file f = { 0 };

	if (!sh_rank_writes())
		return 0;       /* rank 0 writes it */
	f.model = sm->m;
	snprintf(f.name, sizeof f.name, "%s", sm->name);
	f.loss = sm->loss_set ? (int)sm->loss : -1;
	f.has_optim = 1;
	f.optim = sm->opt;
	f.schedule = sm->sched;
	f.target_lo = sm->target_lo;
	f.target_hi = sm->target_hi;
	f.state = state;
	f.hist = sm->hist;
	f.run = sm->run;
	f.vocab = sm->vocab;
	memcpy(f.disc_of, sm->disc_of, sizeof f.disc_of);
	memcpy(f.disc_data, sm->disc_data, sizeof f.disc_data);
	if (state && sm->gan) {         /* its GAN run as the generator */
		f.gan = &sm->gan->run;
		memcpy(f.gan_disc, sm->gan->disc, sizeof f.gan_disc);
		memcpy(f.gan_data, sm->gan->data, sizeof f.gan_data);
		f.gan_shape = sm->gan->shape;
	}
	if (nn_save(path, &f) < 0)
		return sh_err(S, "save: %s", nn_error());
	return 0;
}

#define AUTO_BATCH 500          /* lr=auto: samples of each running step */

typedef struct train_ctx {
	sh_session *S;
	sh_model *sm;
	int every;              /* points every K iterations */
	int early;              /* early stopping or restoring is on */
	int scheduled;          /* print the learning rate */
	double last;            /* seconds at the previous printed point */
	const char *val_name;   /* the validation data's name, or "" */
	int failed;             /* a checkpoint could not be written */
	pn_live *live;          /* the panel and log=FILE, or NULL */
	sh_data *auto_data;     /* lr=auto: the rate from its lambda_max */
	long auto_every;        /* ... every this many batches (0: epochs) */
	double auto_scale;      /* batch size with reduction=sum, else 1 */
	double *psi;            /* ... its running estimate (LeCun's) */
	size_t auto_pos;        /* ... the next sample it looks at */
	size_t auto_batch;      /* ... and how many each batch */
} train_ctx;

/* lr=auto: set the rate to 1 / lambda_max of the loss a step follows,
 * lambda_max from power iteration at the start (start), else the size of
 * the running estimate psi, which each batch moves (step). */
static int auto_rate(train_ctx *c, int start, int step)
{
	double lmax = 0;

	if (start ? sh_hessian_lmax(c->S, c->sm, c->auto_data->name,
	                            c->auto_data->d, &lmax, c->psi) < 0
	          : sh_hessian_running(c->S, c->sm, c->auto_data->d,
	                               &c->auto_pos, c->auto_batch, c->psi,
	                               &lmax) < 0)
		return -1;
	if (!start && !step)
		return 0;
	if (!(lmax > 0))
		return sh_err(c->S, "lr=auto: the Hessian's largest eigenvalue "
		              "is %g, not positive: no rate follows (set one "
		              "with optim sgd lr=R)", lmax);
	c->sm->opt.lr = (float)(1 / (lmax * c->auto_scale));
	return 0;
}

static void print_point(train_ctx *c, const nn_progress *pr)
{
	sh_session *S = c->S;
	const nn_metrics *p = pr->point;
	char a[32], b[32], v1[32], v2[32];

	if (c->every)
		sh_printf(S, "iter %-6ld ", p->iter);
	else
		sh_printf(S, "epoch %d/%d ", p->epoch, pr->epochs);
	sh_printf(S, " loss %s", sh_num(p->loss, a, sizeof a));
	if (c->sm->run.opts.reduction == NN_RED_SUM) {
		size_t n = c->sm->run.opts.batch;

		if (n == 0 || n > c->sm->run.n)
			n = c->sm->run.n;
		sh_printf(S, " (sum over %zu: %s)", n,
		          sh_num(p->loss * (double)n, a, sizeof a));
	}
	sh_printf(S, "  acc %s", sh_num(p->acc, b, sizeof b));
	if (!isnan(p->val_loss))
		sh_printf(S, "  val_loss %s  val_acc %s",
		          sh_num(p->val_loss, v1, sizeof v1),
		          sh_num(p->val_acc, v2, sizeof v2));
	if (c->scheduled)
		sh_printf(S, "  lr %.4g", p->lr);
	if (nn_optim_full_batch(c->sm->opt.kind)) {
		/* one full-batch iteration per epoch */
		sh_printf(S, "  %s evals %ld", nn_optim_name(c->sm->opt.kind),
		          p->evals);
		if (c->sm->opt.kind == NN_OPT_LM)
			sh_printf(S, "  mu %.3g", p->mu);
	}
	if (S->timing)
		sh_printf(S, "  time %.3fs", p->seconds - c->last);
	if (c->early && pr->improved)
		sh_printf(S, "  *");
	sh_printf(S, "\n");
	fflush(S->out);
	c->last = p->seconds;
}

/* After each batch: print a new point, save checkpoints. The run's state
 * is whole here, so a checkpoint resumes exactly. */
static int on_batch(const nn_progress *p, void *ud)
{
	train_ctx *c = ud;
	sh_model *sm = c->sm;

	if (c->val_name) {
		snprintf(sm->run.val_name, sizeof sm->run.val_name, "%s",
		         c->val_name);
		c->val_name = NULL;
	}
	if (c->auto_data && auto_rate(c, 0, c->auto_every ?
	                              p->iter % c->auto_every == 0 :
	                              p->seen == p->run->n) < 0)
		return 1;
	if (p->point && !pn_live_panel(c->live))
		print_point(c, p);
	if (sm->best_path && p->improved &&
	    sh_save_model(c->S, sm, sm->best_path, 0) < 0)
		c->failed = 1;
	if (sm->ckpt_path && p->seen == p->run->n &&
	    p->epoch % sm->ckpt_every == 0) {
		/* the run in sm->run is what nn_train updates */
		if (sh_save_model(c->S, sm, sm->ckpt_path, 1) < 0)
			c->failed = 1;
	}
	return pn_live_batch(c->live, p) || c->failed;
}

/* val=DATA or val=FRACTION. */
static int val_option(sh_session *S, const sh_line *l, nn_train_opts *o,
                      sh_data **val)
{
	const char *v = sh_opt(l, "val");
	double frac;

	*val = NULL;
	if (!v)
		return 0;
	if (sh_parse_double(v, &frac) == 0) {
		if (!(frac > 0 && frac < 1))
			return sh_err(S, "val=%s: a fraction to hold out is "
			              "between 0 and 1", v);
		o->val_split = frac;
		return 0;
	}
	if (!(*val = sh_data_arg(S, v)))
		return -1;
	o->val = (*val)->d;
	return 0;
}

/* The options of a new run. */
static int run_options(sh_session *S, const sh_line *l, sh_model *sm,
                       nn_train_opts *o, sh_data **val)
{
	long epochs, iters, batch, every, shuffle, patience;
	double clip, delta, goal, goal_acc;
	const char *mon = sh_opt(l, "monitor");
	int k;

	if (sh_opt_long(S, l, "epochs", 1, 1, 1000000, &epochs) < 0 ||
	    sh_opt_long(S, l, "iters", 0, 1, 1L << 40, &iters) < 0 ||
	    sh_opt_long(S, l, "batch", 32, 0, 1L << 30, &batch) < 0 ||
	    sh_opt_long(S, l, "every", 0, 1, 1L << 40, &every) < 0 ||
	    sh_opt_long(S, l, "shuffle", 1, 0, 1, &shuffle) < 0 ||
	    sh_opt_long(S, l, "patience", 0, 1, 1000000, &patience) < 0 ||
	    sh_opt_double(S, l, "min_delta", 0, 0, 1e30, &delta) < 0 ||
	    sh_opt_double(S, l, "clip", 0, 0, 1e30, &clip) < 0 ||
	    sh_opt_double(S, l, "goal", 0, 0, 1e30, &goal) < 0 ||
	    sh_opt_double(S, l, "goal_acc", 0, 0, 1, &goal_acc) < 0 ||
	    val_option(S, l, o, val) < 0)
		return -1;
	if (sh_opt(l, "epochs") && sh_opt(l, "iters"))
		return sh_err(S, "give epochs= or iters=, not both");
	if (sh_opt(l, "clip") && clip == 0)
		return sh_err(S, "clip=0: give the largest gradient norm, as "
		              "in clip=1");
	o->epochs = (int)epochs;
	o->iters = iters;
	o->batch = (size_t)batch;
	o->shuffle = (int)shuffle;
	o->every = every;
	o->clip = clip;
	o->goal = goal;
	o->goal_acc = goal_acc;
	o->schedule = sm->sched;
	o->target_lo = sm->target_lo;
	o->target_hi = sm->target_hi;
	o->deadzone = sm->deadzone;
	o->early.patience = (int)patience;
	o->early.min_delta = delta;
	o->early.restore = sh_flag(l, "restore");
	o->fanin = sh_flag(l, "fanin");
	o->early.monitor = o->val || o->val_split > 0 ? NN_MON_VAL_LOSS
	                                              : NN_MON_LOSS;
	if (mon) {
		if ((k = nn_monitor_parse(mon)) < 0)
			return sh_err(S, "monitor=%s: one of val_loss val_acc "
			              "loss acc", mon);
		o->early.monitor = (nn_monitor)k;
	}
	if ((mon || sh_opt(l, "min_delta")) && !patience &&
	    !o->early.restore)
		return sh_err(S, "monitor= and min_delta= go with patience= "
		              "or restore");
	return 0;
}

/* The positional words after DATA: restore, fanin and resume. */
static int check_flags(sh_session *S, const sh_line *l)
{
	for (int i = 1; i < sh_npos(l); i++) {
		const char *w = sh_pos(l, i)->text;

		if (strcmp(w, "restore") != 0 && strcmp(w, "resume") != 0 &&
		    strcmp(w, "fanin") != 0)
			return sh_err(S, "train: unexpected '%s' (restore, "
			              "fanin or resume?)", w);
	}
	return 0;
}

/* The options a resumed run takes: only where to find its data. */
static int resume_options(sh_session *S, const sh_line *l, sh_model *sm,
                          nn_train_opts *o, sh_data **val)
{
	static const char *const allowed[] = { "val", "model", "log", NULL };

	for (int i = 1; i < l->n; i++) {
		int ok = !l->v[i].key;

		for (int k = 0; !ok && allowed[k]; k++)
			ok = strcmp(l->v[i].key, allowed[k]) == 0;
		if (!ok)
			return sh_err(S, "train ... resume continues the run "
			              "with its own settings: leave out %s=",
			              l->v[i].key);
	}
	if (!sm->run.active)
		return sh_err(S, "%s has no stopped run to resume", sm->name);
	*val = NULL;
	if (sh_opt(l, "val")) {
		if (!(*val = sh_data_arg(S, sh_opt(l, "val"))))
			return -1;
	} else if (sm->run.val_name[0] && sm->run.opts.val_split == 0 &&
	           !(*val = sh_find_data(S, sm->run.val_name))) {
		return sh_err(S, "the run validated on '%s', which is gone: "
		              "give val=DATA", sm->run.val_name);
	}
	o->val = *val ? (*val)->d : NULL;
	o->resume = 1;
	return 0;
}

/* Whether a schedule changes the rate (so the rate is worth printing). */
static int scheduled(const nn_schedule *s)
{
	return s->kind != NN_SCHED_CONSTANT || s->max > 0 || s->warmup > 0;
}

/* What happened, after the per-point lines. */
static void report(sh_session *S, const sh_model *sm, long before_iter)
{
	const nn_run *r = &sm->run;
	const nn_early *e = &r->early;
	const char *mon = nn_monitor_name(e->monitor);
	char v[32], g[32];

	sh_num(e->best, v, sizeof v);
	if (r->reached_goal && r->opts.goal > 0 &&
	    sm->hist.p[sm->hist.n - 1].loss <= r->opts.goal)
		sh_printf(S, "reached the goal at epoch %d: loss %s <= %g\n",
		          r->epoch, sh_num(sm->hist.p[sm->hist.n - 1].loss, g,
		                           sizeof g), r->opts.goal);
	else if (r->reached_goal)
		sh_printf(S, "reached the goal at epoch %d: accuracy %s >= "
		          "%g\n", r->epoch, sh_num(sm->hist.p[sm->hist.n -
		          1].acc, g, sizeof g), r->opts.goal_acc);
	if (r->stopped_early)
		sh_printf(S, "early stop at epoch %d: %s did not improve for "
		          "%d evaluations\n", r->epoch, mon, e->patience);
	if (r->restored)
		sh_printf(S, "restored the weights of epoch %d (iteration %ld,"
		          " best %s %s)\n", e->best_epoch, e->best_iter, mon,
		          v);
	else if (e->restore && !r->active && !isnan(e->best))
		sh_printf(S, "kept the last weights, the best: epoch %d (%s "
		          "%s)\n", e->best_epoch, mon, v);
	if (r->active && S->stop)
		sh_printf(S, "stopped at iteration %ld of %ld (%ld this time);"
		          " 'train DATA resume' goes on\n", r->iter, r->iters,
		          r->iter - before_iter);
}

/* SIGTERM or SIGHUP stopped the run: keep it in a checkpoint beside the
 * model's last save (or in the working directory) and say where. */
static int save_interrupted(sh_session *S, sh_model *sm)
{
	const char *last = sm->saved_path, *slash = last ? strrchr(last, '/')
	                                                : NULL;
	int sig = sh_signal_fatal(), dir = slash ? (int)(slash - last) + 1 : 0;
	size_t len = (size_t)dir + strlen(sm->name) + 32;
	char *path = malloc(len);

	if (!path)
		return sh_err(S, "out of memory");
	snprintf(path, len, "%.*snnsh-interrupted-%s.safetensors", dir,
	         dir ? last : "", sm->name);
	fflush(S->out);
	if (sh_save_model(S, sm, path, 1) < 0)
		fprintf(stderr, "nnsh: %s during train; %s\n",
		        sig == SIGHUP ? "the terminal closed" : "terminated",
		        S->err);
	else
		fprintf(stderr, "nnsh: %s during train: saved %s with its "
		        "training state to %s (load it, then 'train DATA "
		        "resume' goes on)\n", sig == SIGHUP ?
		        "the terminal closed" : "terminated", sm->name, path);
	S->err[0] = '\0';
	free(path);
	return 0;
}

int cmd_train(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_opt(l, "model"));
	sh_data *train, *val = NULL;
	nn_train_opts o = { 0 };
	train_ctx c = { 0 };
	size_t before;
	long before_iter;
	int rc, resume = sh_flag(l, "resume"), had_vocab;

	if (!sm || !(train = sh_data_arg(S, sh_pos(l, 0)->text)) ||
	    check_flags(S, l) < 0)
		return -1;
	if (resume ? resume_options(S, l, sm, &o, &val) < 0
	           : run_options(S, l, sm, &o, &val) < 0)
		return -1;
	if (!resume)
		o.reduction = sm->red;
	if (sh_opt(l, "lr") || sh_opt(l, "lr_every")) {
		size_t b = o.batch == 0 || o.batch > train->d->n
		           ? train->d->n : o.batch;

		if (resume || !sh_opt(l, "lr") ||
		    strcmp(sh_opt(l, "lr"), "auto") != 0)
			return sh_err(S, "train takes lr=auto [lr_every=N] (a "
			              "fixed rate is optim's: optim sgd lr=R)");
		if (sm->opt.kind != NN_OPT_SGD)
			return sh_err(S, "lr=auto sets the rate of sgd from the "
			              "Hessian, not of %s",
			              nn_optim_name(sm->opt.kind));
		if (sh_opt_long(S, l, "lr_every", 0, 1, 1L << 40,
		                &c.auto_every) < 0)
			return -1;
		c.S = S;
		c.sm = sm;
		c.auto_data = train;
		c.auto_scale = o.reduction == NN_RED_SUM ? (double)b : 1;
		c.auto_batch = b < AUTO_BATCH ? b : AUTO_BATCH;
		c.psi = malloc(nn_model_param_count(sm->m) * sizeof *c.psi);
		if (!c.psi)
			return sh_err(S, "out of memory");
		if (auto_rate(&c, 1, 1) < 0) {
			free(c.psi);
			return -1;
		}
		sh_printf(S, "lr=auto: 1/lambda_max of the loss on %s = %.4g, "
		          "then a running estimate, set every %s\n",
		          train->name, sm->opt.lr,
		          c.auto_every ? "lr_every= batches" : "epoch");
	}
	o.stop = (volatile int *)&S->stop;
	o.callback = on_batch;
	o.ud = &c;
	o.run = &sm->run;
	o.ranks = sh_ranks_hook(S);
	c.S = S;
	c.sm = sm;
	c.every = (resume ? sm->run.opts.every : o.every) > 0;
	c.early = resume ? sm->run.early.patience > 0 || sm->run.early.restore
	                 : o.early.patience > 0 || o.early.restore;
	c.scheduled = resume ? scheduled(&sm->run.opts.schedule)
	                     : scheduled(&o.schedule) || c.auto_data;
	c.val_name = resume ? NULL : val ? val->name : "";
	c.last = resume ? sm->run.seconds : 0;
	before = sm->hist.n;
	before_iter = resume ? sm->run.iter : 0;
	had_vocab = sm->vocab.n > 0;    /* checkpoints keep a text's too */
	if (sh_keep_vocab(S, sm, train) < 0 ||
	    pn_live_open(S, sm, l, train, val, &o, &c.live) < 0) {
		if (!had_vocab)
			nn_vocab_free(&sm->vocab);
		free(c.psi);
		return -1;
	}
	rc = nn_train(sm->m, sh_model_loss(sm), &sm->opt, train->d, &o,
	              &S->rng, &sm->hist);
	free(c.psi);
	pn_live_close(c.live, rc);
	if (rc < 0 && !had_vocab)
		nn_vocab_free(&sm->vocab);
	if (c.failed)
		return -1;      /* the checkpoint's message is in S->err */
	if (rc < 0) {
		/* a run the NaN guard stopped is listed by `runs` too */
		sh_err(S, "%s", nn_error());
		if (sm->run.nan_iter)
			sh_record_run(S, sm, train->name, sm->run.opts.batch,
			              before);
		return -1;
	}
	report(S, sm, before_iter);
	S->stop = 0;
	rc = sh_record_run(S, sm, train->name, sm->run.opts.batch, before);
	if (sh_signal_fatal() && sm->run.active)
		return save_interrupted(S, sm);
	return rc;
}

/* evaluate on a dataset labelled per position: per token and per whole
 * sequence. */
static int evaluate_seq(sh_session *S, sh_model *sm, const sh_data *sd,
                        size_t batch, double t0)
{
	size_t tokens = nn_dataset_labelled(sd->d, NULL, sd->d->n), seqs;
	double loss, acc;
	char a[32];

	if (nn_evaluate_seq(sm->m, sh_model_loss(sm), sd->d, batch, &loss,
	                    &acc, &seqs) < 0)
		return sh_err(S, "%s", nn_error());
	sh_printf(S, "loss %s  accuracy %.4f per token (%.0f/%zu), %.4f per "
	          "sequence (%zu/%zu)", sh_num(loss, a, sizeof a), acc,
	          acc * (double)tokens, tokens,
	          (double)seqs / (double)sd->d->n, seqs, sd->d->n);
	if (S->timing)
		sh_printf(S, "  time %.4fs", nn_now() - t0);
	sh_printf(S, "\n");
	return 0;
}

int cmd_evaluate(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_opt(l, "model"));
	sh_data *sd;
	long batch;
	double loss, acc, t0;
	size_t correct;
	char a[32];

	if (!sm || !(sd = sh_data_arg(S, sh_pos(l, 0)->text)))
		return -1;
	if (sh_opt_long(S, l, "batch", 1000, 1, 1L << 30, &batch) < 0)
		return -1;
	t0 = nn_now();
	if (sd->d->ytok)
		return evaluate_seq(S, sm, sd, (size_t)batch, t0);
	if (nn_evaluate_targets(sm->m, sh_model_loss(sm), sd->d,
	                        (size_t)batch, sm->target_lo, sm->target_hi,
	                        sm->deadzone,
	                        &loss, &acc, &correct) < 0)
		return sh_err(S, "%s", nn_error());
	sh_printf(S, "loss %s", sh_num(loss, a, sizeof a));
	if (!isnan(acc))
		sh_printf(S, "  accuracy %.4f  (%zu/%zu)", acc, correct,
		          sd->d->n);
	if (S->timing)
		sh_printf(S, "  time %.4fs", nn_now() - t0);
	sh_printf(S, "\n");
	return 0;
}

/* `schedule` alone: the current schedule and its first rates. */
static void show_schedule(sh_session *S, const sh_model *sm)
{
	const nn_schedule *s = &sm->sched;
	double base = sm->opt.lr;
	long t = sm->opt.t;

	sh_printf(S, "schedule %s", nn_sched_name(s->kind));
	if (s->kind != NN_SCHED_CONSTANT || s->max > 0)
		sh_printf(S, " max=%g", s->max > 0 ? s->max : base);
	if (s->kind == NN_SCHED_EXP || s->kind == NN_SCHED_COSINE)
		sh_printf(S, " min=%g T=%g", s->min, s->T);
	if (s->kind == NN_SCHED_STEP)
		sh_printf(S, " every=%ld gamma=%g", s->every, s->gamma);
	if (s->warmup)
		sh_printf(S, " warmup=%ld", s->warmup);
	sh_printf(S, "\n  step %ld (next): lr %.6g\n", t,
	          nn_schedule_lr(s, base, t));
}

int cmd_schedule(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_opt(l, "model"));
	const sh_arg *kind = sh_pos(l, 0);
	nn_schedule s = { 0 };
	double every, warmup;
	int k;

	if (!sm)
		return -1;
	if (!kind) {
		show_schedule(S, sm);
		return 0;
	}
	if ((k = nn_sched_parse(kind->text)) < 0)
		return sh_err(S, "unknown schedule '%s' (constant step exp "
		              "cosine)", kind->text);
	s.kind = (nn_sched_kind)k;
	if (sh_opt_double(S, l, "max", 0, 0, 1e6, &s.max) < 0 ||
	    sh_opt_double(S, l, "min", 0, 0, 1e6, &s.min) < 0 ||
	    sh_opt_double(S, l, "gamma", 0.1, 0, 1e6, &s.gamma) < 0 ||
	    sh_opt_double(S, l, "every", 0, 0, 1e15, &every) < 0 ||
	    sh_opt_double(S, l, "T", 0, 0, 1e15, &s.T) < 0 ||
	    sh_opt_double(S, l, "warmup", 0, 0, 1e15, &warmup) < 0)
		return -1;
	if (every != floor(every) || warmup != floor(warmup))
		return sh_err(S, "every= and warmup= count steps: whole "
		              "numbers");
	s.every = (long)every;
	s.warmup = (long)warmup;
	if (nn_schedule_check(&s) < 0)
		return sh_err(S, "%s", nn_error());
	if (s.kind == NN_SCHED_CONSTANT && s.max == 0 &&
	    (sh_opt(l, "min") || sh_opt(l, "T") || sh_opt(l, "every")))
		return sh_err(S, "schedule constant takes max= and warmup=");
	sm->sched = s;
	return 0;
}

int cmd_targets(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_opt(l, "model"));
	double lo, hi;

	if (!sm)
		return -1;
	if (sh_npos(l) == 0) {
		if (sm->target_lo == sm->target_hi)
			sh_printf(S, "targets 0 1 (the labels as they are)\n");
		else
			sh_printf(S, "targets %g %g\n", sm->target_lo,
			          sm->target_hi);
		return 0;
	}
	if (sh_npos(l) == 1 && strcmp(sh_pos(l, 0)->text, "off") == 0) {
		sm->target_lo = sm->target_hi = 0;
		return 0;
	}
	if (sh_npos(l) != 2 || sh_parse_double(sh_pos(l, 0)->text, &lo) < 0 ||
	    sh_parse_double(sh_pos(l, 1)->text, &hi) < 0)
		return sh_err(S, "usage: targets LO HI | off");
	if (!(lo < hi) || fabs(lo) > 1e6 || fabs(hi) > 1e6)
		return sh_err(S, "targets %g %g: LO must be below HI", lo, hi);
	sm->target_lo = (float)lo;
	sm->target_hi = (float)hi;
	return 0;
}

/* Replace *slot with a copy of path. */
static int set_path(sh_session *S, char **slot, const char *path)
{
	char *p = strdup(path);

	if (!p)
		return sh_err(S, "out of memory");
	free(*slot);
	*slot = p;
	return 0;
}

int cmd_checkpoint(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_opt(l, "model"));
	const sh_arg *a = sh_pos(l, 0), *b = sh_pos(l, 1);
	long every;

	if (!sm)
		return -1;
	if (!a) {
		if (sm->ckpt_path)
			sh_printf(S, "checkpoint %s every=%ld (epochs, with "
			          "the training state)\n", sm->ckpt_path,
			          sm->ckpt_every);
		if (sm->best_path)
			sh_printf(S, "checkpoint best %s\n", sm->best_path);
		if (!sm->ckpt_path && !sm->best_path)
			sh_printf(S, "no checkpoints\n");
		return 0;
	}
	if (strcmp(a->text, "off") == 0 && !b) {
		free(sm->ckpt_path);
		free(sm->best_path);
		sm->ckpt_path = sm->best_path = NULL;
		sm->ckpt_every = 0;
		return 0;
	}
	if (strcmp(a->text, "best") == 0) {
		if (!b)
			return sh_err(S, "checkpoint best needs a FILE, as in "
			              "'checkpoint best best.safetensors'");
		if (sh_opt(l, "every"))
			return sh_err(S, "checkpoint best saves at each new "
			              "best: leave out every=");
		return set_path(S, &sm->best_path, b->text);
	}
	if (b)
		return sh_err(S, "usage: checkpoint FILE every=N | best FILE "
		              "| off");
	if (sh_opt_long(S, l, "every", 1, 1, 1000000, &every) < 0 ||
	    set_path(S, &sm->ckpt_path, a->text) < 0)
		return -1;
	sm->ckpt_every = every;
	return 0;
}
