/* cmd_train.c - train and evaluate. In this version the training loop
 * prints one line per history point; Ctrl-C stops it between batches. */
#include <math.h>
#include <string.h>

#include "handlers.h"

typedef struct train_ctx {
	sh_session *S;
	sh_model *sm;
	int epochs;
	int every;
	double last;            /* seconds at the previous printed point */
} train_ctx;

static void print_point(train_ctx *c, const nn_metrics *p)
{
	sh_session *S = c->S;
	char a[32], b[32], v1[32], v2[32];

	if (c->every)
		sh_printf(S, "iter %-6ld ", p->iter);
	else
		sh_printf(S, "epoch %d/%d ", p->epoch, c->epochs);
	sh_printf(S, " loss %s  acc %s", sh_num(p->loss, a, sizeof a),
	          sh_num(p->acc, b, sizeof b));
	if (!isnan(p->val_loss))
		sh_printf(S, "  val_loss %s  val_acc %s",
		          sh_num(p->val_loss, v1, sizeof v1),
		          sh_num(p->val_acc, v2, sizeof v2));
	if (S->timing)
		sh_printf(S, "  time %.3fs", p->seconds - c->last);
	sh_printf(S, "\n");
	fflush(S->out);
	c->last = p->seconds;
}

static int on_batch(const nn_progress *p, void *ud)
{
	train_ctx *c = ud;

	if (p->point)
		print_point(c, p->point);
	return 0;
}

int cmd_train(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_opt(l, "model"));
	sh_data *train, *val = NULL;
	nn_train_opts o = { 0 };
	train_ctx c = { 0 };
	long epochs, iters, batch, every, shuffle;
	size_t before;
	int rc;

	if (!sm || !(train = sh_data_arg(S, sh_pos(l, 0)->text)))
		return -1;
	if (sh_opt(l, "val") && !(val = sh_data_arg(S, sh_opt(l, "val"))))
		return -1;
	if (sh_opt_long(S, l, "epochs", 1, 1, 1000000, &epochs) < 0 ||
	    sh_opt_long(S, l, "iters", 0, 1, 1L << 40, &iters) < 0 ||
	    sh_opt_long(S, l, "batch", 32, 0, 1L << 30, &batch) < 0 ||
	    sh_opt_long(S, l, "every", 0, 1, 1L << 40, &every) < 0 ||
	    sh_opt_long(S, l, "shuffle", 1, 0, 1, &shuffle) < 0)
		return -1;
	if (sh_opt(l, "epochs") && sh_opt(l, "iters"))
		return sh_err(S, "give epochs= or iters=, not both");
	o.epochs = (int)epochs;
	o.iters = iters;
	o.batch = (size_t)batch;
	o.shuffle = (int)shuffle;
	o.val = val ? val->d : NULL;
	o.every = every;
	o.stop = (volatile int *)&S->stop;
	o.callback = on_batch;
	o.ud = &c;
	c.S = S;
	c.sm = sm;
	c.every = every > 0;
	if (iters > 0) {
		size_t b = batch > 0 && (size_t)batch < train->d->n
		           ? (size_t)batch : train->d->n;
		size_t nb = (train->d->n + b - 1) / b;

		c.epochs = (int)(((size_t)iters + nb - 1) / nb);
	} else {
		c.epochs = (int)epochs;
	}
	S->stop = 0;
	before = sm->hist.n;
	rc = nn_train(sm->m, sh_model_loss(sm), &sm->opt, train->d, &o,
	              &S->rng, &sm->hist);
	if (S->stop) {
		sh_printf(S, "stopped after %ld iterations; the model keeps "
		          "its weights\n",
		          sm->hist.n > before ? sm->hist.p[sm->hist.n - 1].iter
		                              : 0L);
		S->stop = 0;
	}
	if (rc < 0)
		return sh_err(S, "%s", nn_error());
	return sh_record_run(S, sm, train->name, o.batch ? o.batch
	                                                 : train->d->n, before);
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
	if (nn_evaluate(sm->m, sh_model_loss(sm), sd->d, (size_t)batch, &loss,
	                &acc, &correct) < 0)
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
