/* cmd_gan.c - generative adversarial networks in the shell: `gan` trains
 * a generator and a discriminator in turn (each with its own optimizer
 * and history, both recorded in `runs`), `gan ... resume` goes on after
 * Ctrl-C, `sample` draws a generator's images, and `data NAME = sample`
 * keeps them as a dataset. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "live.h"
#include "ranks.h"
#include "render_views.h"

/* The two models of `gan G D ...`, checked: two entries, gradient-descent
 * optimizers. */
static int gan_models(sh_session *S, const sh_line *l, sh_model **g,
                      sh_model **d)
{
	const char *gn = sh_pos(l, 0)->text, *dn = sh_pos(l, 1)->text;

	if (!(*g = sh_find_model(S, gn)))
		return sh_err(S, "gan: no model named '%s' (the generator)",
		              gn);
	if (!(*d = sh_find_model(S, dn)))
		return sh_err(S, "gan: no model named '%s' (the discriminator)",
		              dn);
	if (*g == *d)
		return sh_err(S, "gan: %s cannot be both the generator and the "
		              "discriminator; give two models", gn);
	for (int i = 0; i < 2; i++) {
		const sh_model *sm = i ? *d : *g;

		if (nn_optim_full_batch(sm->opt.kind))
			return sh_err(S, "gan: %s's optimizer is %s, "
			              "which takes the whole data at once; use "
			              "sgd or adam", sm->name,
			              nn_optim_name(sm->opt.kind));
		if (sm->hop)
			return sh_err(S, "gan: %s is a Hopfield network",
			              sm->name);
	}
	return 0;
}

/* The options of a new run. */
static int gan_options(sh_session *S, const sh_line *l, nn_gan_opts *o)
{
	long epochs, iters, batch, k, every;
	double smooth;
	const char *noise = sh_opt(l, "noise");

	if (sh_opt_long(S, l, "epochs", 1, 1, 1000000, &epochs) < 0 ||
	    sh_opt_long(S, l, "iters", 0, 1, 1L << 40, &iters) < 0 ||
	    sh_opt_long(S, l, "batch", 64, 1, 1L << 30, &batch) < 0 ||
	    sh_opt_long(S, l, "k", 1, 1, 100, &k) < 0 ||
	    sh_opt_long(S, l, "every", 0, 1, 1L << 40, &every) < 0 ||
	    sh_opt_double(S, l, "smooth", 1, 0.5, 1, &smooth) < 0)
		return -1;
	if (sh_opt(l, "epochs") && sh_opt(l, "iters"))
		return sh_err(S, "gan: give epochs= or iters=, not both");
	memset(o, 0, sizeof *o);
	o->epochs = (int)epochs;
	o->iters = iters;
	o->batch = (size_t)batch;
	o->k = (int)k;
	o->every = every;
	o->smooth = (float)smooth;
	if (noise && strcmp(noise, "normal") == 0)
		o->noise = NN_GAN_NORMAL;
	else if (noise && strcmp(noise, "uniform") == 0)
		o->noise = NN_GAN_UNIFORM;
	else if (noise)
		return sh_err(S, "gan: noise=%s? normal or uniform", noise);
	return 0;
}

typedef struct gan_ctx {
	sh_session *S;
	sh_model *g, *d;
	int failed;             /* a checkpoint could not be written */
	int every;              /* points every K iterations */
	double last;            /* seconds at the previous point */
	pn_gan_live *live;      /* the panel, or NULL: lines */
} gan_ctx;

/* At the end of an epoch: `checkpoint FILE every=N` of either model saves
 * it with its training state (the generator's with the GAN run, which is
 * whole here, so loading both files and `gan ... resume` goes on as if
 * the run had never stopped). */
static int checkpoint(gan_ctx *c, const nn_gan *s)
{
	for (int i = 0; i < 2; i++) {
		sh_model *sm = i ? c->d : c->g;

		if (sm->ckpt_path && s->epoch % sm->ckpt_every == 0 &&
		    sh_save_model(c->S, sm, sm->ckpt_path, 1) < 0)
			return c->failed = -1;
	}
	return 0;
}

static int on_iter(const nn_gan *s, const nn_gan_point *p, void *ud)
{
	gan_ctx *c = ud;
	sh_session *S = c->S;
	char a[32], b[32], e[32], f[32];

	if (p && s->iter % s->per == 0 && checkpoint(c, s) < 0)
		return 1;
	if (pn_gan_iter(c->live, s, p))
		return 1;
	if (pn_gan_panel(c->live) || !p)
		return 0;
	if (c->every)
		sh_printf(S, "iter %-6ld ", p->iter);
	else
		sh_printf(S, "epoch %d/%d ", p->epoch, s->epochs);
	sh_printf(S, " D loss %s  G loss %s  D(x) %s  D(G(z)) %s",
	          sh_num(p->d_loss, a, sizeof a),
	          sh_num(p->g_loss, b, sizeof b),
	          sh_num(p->d_real, e, sizeof e),
	          sh_num(p->d_fake, f, sizeof f));
	if (S->timing)
		sh_printf(S, "  time %.3fs", p->seconds - c->last);
	sh_printf(S, "\n");
	fflush(S->out);
	c->last = p->seconds;
	return 0;
}

/* A new run for generator sg: checked and started in a fresh record, which
 * replaces sg's only when everything is right. */
static int new_run(sh_session *S, const sh_line *l, sh_model *sg,
                   sh_model *sd, const sh_data *data)
{
	nn_gan_opts o;
	sh_gan *gan;

	if (sh_npos(l) > 3)
		return sh_err(S, "gan: unexpected '%s' (resume?)",
		              sh_pos(l, 3)->text);
	if (gan_options(S, l, &o) < 0)
		return -1;
	if (nn_gan_check(sg->m, sd->m, data->d) < 0)
		return sh_err(S, "gan: %s", nn_error());
	if (!(gan = calloc(1, sizeof *gan)))
		return sh_err(S, "out of memory");
	if (nn_gan_start(&gan->run, sg->m, sd->m, data->d, &o, &S->rng) < 0) {
		free(gan);
		return sh_err(S, "gan: %s", nn_error());
	}
	snprintf(gan->disc, sizeof gan->disc, "%s", sd->name);
	snprintf(gan->data, sizeof gan->data, "%s", data->name);
	gan->shape = data->d->xshape;
	snprintf(sd->disc_of, sizeof sd->disc_of, "%s", sg->name);
	snprintf(sd->disc_data, sizeof sd->disc_data, "%s", data->name);
	if (sg->gan)
		nn_gan_free(&sg->gan->run);
	free(sg->gan);
	sg->gan = gan;
	return 0;
}

/* `gan G D DATA resume`: the stopped run of G against D on DATA. */
static int resume_run(sh_session *S, const sh_line *l, sh_model *sg,
                      sh_model *sd, const sh_data *data)
{
	for (int i = 1; i < l->n; i++)
		if (l->v[i].key && strcmp(l->v[i].key, "log") != 0)
			return sh_err(S, "gan ... resume continues the run "
			              "with its own settings: leave out %s=",
			              l->v[i].key);
	if (!sg->gan || !sg->gan->run.active)
		return sh_err(S, "gan: %s has no stopped GAN run to resume",
		              sg->name);
	if (strcmp(sg->gan->disc, sd->name) != 0)
		return sh_err(S, "gan: %s's run was against %s, not %s",
		              sg->name, sg->gan->disc, sd->name);
	if (nn_gan_check_resume(&sg->gan->run, sg->m, sd->m, data->d) < 0)
		return sh_err(S, "gan: %s", nn_error());
	return 0;
}

int cmd_gan(sh_session *S, const sh_line *l)
{
	sh_model *sg = NULL, *sd = NULL;
	sh_data *data;
	nn_gan *run;
	gan_ctx c = { 0 };
	nn_gan_ctl ctl = { 0 };
	size_t gbefore, dbefore;
	long before;
	FILE *log = NULL;
	int rc, resume = sh_flag(l, "resume");

	if (gan_models(S, l, &sg, &sd) < 0 ||
	    !(data = sh_data_arg(S, sh_pos(l, 2)->text)))
		return -1;
	if (sh_opt(l, "log") && sh_rank_writes() &&     /* rank 0 writes */
	    !(log = fopen(sh_opt(l, "log"), "a")))
		return sh_err(S, "gan: cannot open log=%s: %s", sh_opt(l, "log"),
		              strerror(errno));
	if (resume ? resume_run(S, l, sg, sd, data) < 0
	           : new_run(S, l, sg, sd, data) < 0) {
		if (log)
			fclose(log);
		return -1;
	}
	run = &sg->gan->run;
	c.S = S;
	c.g = sg;
	c.d = sd;
	c.every = run->opts.every > 0;
	c.last = run->seconds;
	ctl.stop = (volatile int *)&S->stop;
	ctl.callback = on_iter;
	ctl.ud = &c;
	ctl.gh = &sg->hist;
	ctl.dh = &sd->hist;
	ctl.ranks = sh_ranks_hook(S);
	gbefore = sg->hist.n;
	dbefore = sd->hist.n;
	before = run->iter;
	if (pn_gan_open(S, sg, sd, data, log, &c.live) < 0)
		return -1;
	rc = nn_gan_train(run, sg->m, &sg->opt, sd->m, &sd->opt, data->d, &ctl);
	pn_gan_close(c.live, rc);
	if (c.failed) {
		S->stop = 0;
		return -1;
	}
	if (rc < 0) {
		S->stop = 0;
		return sh_err(S, "gan: %s", nn_error());
	}
	if (run->active && S->stop)
		sh_printf(S, "stopped at iteration %ld of %ld (%ld this time); "
		          "'gan %s %s %s resume' goes on\n", run->iter,
		          run->iters, run->iter - before, sg->name, sd->name,
		          data->name);
	S->stop = 0;
	if (sh_record_run(S, sg, data->name, run->opts.batch, gbefore) < 0 ||
	    sh_record_run(S, sd, data->name, run->opts.batch, dbefore) < 0)
		return -1;
	return 0;
}

/* ---- sampling ----------------------------------------------------------- */

/* n=, seed= and noise= of `sample` and `data NAME = sample`: the noise's
 * stream (its own with seed=, else the session's) and kind (the GAN run's
 * by default). */
static int sample_options(sh_session *S, const sh_line *l, sh_model *sm,
                          long def_n, long *n, long *seed, int *noise)
{
	const char *k = sh_opt(l, "noise");

	*noise = sm->gan ? (int)sm->gan->run.opts.noise : NN_GAN_NORMAL;
	if (sh_opt_long(S, l, "n", def_n, 1, 1000000, n) < 0 ||
	    sh_opt_long(S, l, "seed", -1, 0, 0x7fffffffL, seed) < 0)
		return -1;
	if (k && strcmp(k, "normal") == 0)
		*noise = NN_GAN_NORMAL;
	else if (k && strcmp(k, "uniform") == 0)
		*noise = NN_GAN_UNIFORM;
	else if (k)
		return sh_err(S, "sample: noise=%s? normal or uniform", k);
	if (nn_model_layers(sm->m) == 0)
		return sh_err(S, "sample: %s has no layers", sm->name);
	return 0;
}

int cmd_sample(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_pos(l, 0) ? sh_pos(l, 0)->text
	                                            : NULL);
	int mode = sh_canvas_mode(S), w = sh_term_width(), noise, h;
	long n, seed;
	vw_view v;
	cv_canvas *c;

	if (!sm || sample_options(S, l, sm, 64, &n, &seed, &noise) < 0)
		return -1;
	vw_init(&v, VW_SAMPLES, NULL, sm->name, mode);
	v.count = (size_t)n;
	v.noise = noise;
	v.seed = seed >= 0 ? (unsigned long)seed
	                   : (unsigned long)(nn_rng_next(&S->rng) >> 33);
	if (sm->gan)
		v.shape = sm->gan->shape;
	if (vw_update(&v, sm->m, w, 1000, 0) < 0) {
		sh_err(S, "sample: %s", v.note);
		vw_free(&v);
		return -1;
	}
	h = vw_height(&v, w);
	if (!(c = cv_new(w, h, mode))) {
		vw_free(&v);
		return sh_err(S, "out of memory");
	}
	vw_draw(&v, c, 0, 0, w, h);
	vw_free(&v);
	cv_write(c, S->out, mode & CV_COLOR);
	cv_free(c);
	return 0;
}

int sh_sample_data(sh_session *S, const sh_line *l, const char *name,
                   const char *const *args, int nargs)
{
	sh_model *sm;
	long n, seed;
	int noise;
	nn_rng own;
	nn_dataset *d;
	char shape[32];

	if (nargs != 1)
		return sh_err(S, "sample: usage: data NAME = sample GEN n=N "
		              "[seed=S] [noise=normal|uniform]");
	for (int i = 1; i < l->n; i++)
		if (l->v[i].key && strcmp(l->v[i].key, "n") != 0 &&
		    strcmp(l->v[i].key, "seed") != 0 &&
		    strcmp(l->v[i].key, "noise") != 0)
			return sh_err(S, "sample: unknown option '%s' "
			              "(options: n seed noise)", l->v[i].key);
	if (!(sm = sh_model_arg(S, args[0])) ||
	    sample_options(S, l, sm, 64, &n, &seed, &noise) < 0)
		return -1;
	if (seed >= 0)
		nn_rng_seed(&own, (uint64_t)seed);
	d = nn_gan_sample(sm->m, (size_t)n, (nn_gan_noise)noise,
	                  seed >= 0 ? &own : &S->rng,
	                  sm->gan ? &sm->gan->shape : NULL);
	if (!d)
		return sh_err(S, "sample: %s", nn_error());
	if (!sh_put_data(S, name, d))
		return sh_err(S, "out of memory");
	sh_printf(S, "%s: %zu samples of %s, %s\n", name, d->n, sm->name,
	          nn_shape_str(&d->xshape, shape, sizeof shape));
	return 0;
}

/* ---- judging samples ---------------------------------------------------- */

/* The class probabilities of the w outputs o: as they are after softmax,
 * else their softmax. */
static void probabilities(const float *o, size_t w, nn_act act, double *p)
{
	double max = o[0], sum = 0;

	for (size_t j = 0; j < w; j++) {
		p[j] = o[j];
		max = o[j] > max ? o[j] : max;
	}
	if (act == NN_ACT_SOFTMAX)
		return;
	for (size_t j = 0; j < w; j++)
		sum += p[j] = exp(p[j] - max);
	for (size_t j = 0; j < w; j++)
		p[j] /= sum;
}

int cmd_judge(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_pos(l, 0)->text);
	sh_data *sd = sh_data_arg(S, sh_pos(l, 1)->text);
	size_t w, n, confident = 0, *counts, chunk = 256, classes = 0;
	double min, conf = 0, *p;
	float *x;
	int rc = 0;

	if (!sm || !sd ||
	    sh_opt_double(S, l, "confident", 0.9, 0, 1, &min) < 0)
		return -1;
	n = sd->d->n;
	w = nn_shape_size(nn_model_output_shape(sm->m));
	if (nn_model_layers(sm->m) == 0 || w < 2)
		return sh_err(S, "judge: %s must be a classifier (2 or more "
		              "outputs)", sm->name);
	if (nn_shape_size(nn_model_input_shape(sm->m)) != sd->d->xsize)
		return sh_err(S, "judge: %s takes %zu inputs, %s has %zu",
		              sm->name,
		              nn_shape_size(nn_model_input_shape(sm->m)),
		              sd->name, sd->d->xsize);
	if (n == 0)
		return sh_err(S, "judge: %s has no samples", sd->name);
	counts = calloc(w, sizeof *counts);
	p = malloc(w * sizeof *p);
	x = malloc(chunk * sd->d->xsize * sizeof *x);
	if (!counts || !p || !x) {
		free(counts);
		free(p);
		free(x);
		return sh_err(S, "out of memory");
	}
	for (size_t at = 0; at < n && rc == 0; at += chunk) {
		size_t cnt = n - at < chunk ? n - at : chunk, idx[256];
		const float *out;

		for (size_t i = 0; i < cnt; i++)
			idx[i] = at + i;
		nn_dataset_gather(sd->d, idx, cnt, x, NULL);
		if (!(out = nn_model_forward(sm->m, x, cnt, 0, NULL))) {
			rc = sh_err(S, "judge: %s", nn_error());
			break;
		}
		for (size_t i = 0; i < cnt; i++) {
			size_t best = 0;

			probabilities(out + i * w, w,
			              nn_model_output_act(sm->m), p);
			for (size_t j = 1; j < w; j++)
				best = p[j] > p[best] ? j : best;
			conf += p[best];
			if (p[best] >= min) {
				confident++;
				classes += counts[best]++ == 0;
			}
		}
	}
	if (rc == 0) {
		sh_printf(S, "%s judges %zu samples of %s: %zu confident (p >= "
		          "%g) in %zu of %zu classes; mean confidence %.3f\n",
		          sm->name, n, sd->name, confident, min, classes, w,
		          conf / (double)n);
		sh_printf(S, "  confident per class:");
		for (size_t j = 0; j < w; j++)
			sh_printf(S, " %zu", counts[j]);
		sh_printf(S, "\n");
	}
	free(counts);
	free(p);
	free(x);
	return rc;
}
