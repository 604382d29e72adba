/* modelfile.c - reading model files in the safetensors format (written
 * by modelsave.c), on top of lib/safetensors.c, which reads and checks
 * any safetensors file; jansson parses the metadata.
 *
 * Layout: 8 bytes of little-endian header length N; N bytes of JSON (padded
 * with blanks to a multiple of 8); the tensors, raw and little-endian, one
 * after another. Each tensor's header entry gives dtype, shape and
 * data_offsets into the data; "__metadata__" maps strings to strings.
 *
 * Parameters are F32 tensors "LAYER.NAME" with 1-based layers ("2.W",
 * "2.b"). The metadata holds "nnsh.version", "nnsh.input" and
 * "nnsh.layers" (a JSON array of layer specs: kind, activation, graph
 * fields and "args", the words its kind parses; files written before the
 * kinds parsed their own options hold one field per option instead, read
 * by legacy_args) to rebuild the model, and
 * the loss, optimizer, schedule and targets settings. A saved training
 * state adds "nnsh.run" and the tensors "optim.m", "optim.v" (moments),
 * "history" (F64, one row of nn_metrics per point), "run.perm" (I64, the
 * epoch's order) and "run.best" (the best weights so far); a generator's
 * GAN run adds "nnsh.gan" (its settings, progress, random state and the
 * names of its discriminator and data) with "gan.perm" (I64) and
 * "gan.points" (F64 rows: epoch, iter, D and G loss, D(x), D(G(z)),
 * seconds); a discriminator's file, with state or without, names the
 * generator and data of its last GAN run in "nnsh.discriminator_of" and
 * "nnsh.discriminator_data"; a full-batch
 * method's adds "nnsh.optim_state" (its numbers) and the tensors
 * "optim.full.d", ".gprev", ".S", ".Y", ".rho" (F64) and ".H" (F64) as
 * it has them (full.h). Settings and state that older files lack take
 * their defaults. Sequence models' parts are read in modelseq.c, and the
 * checked reading of tensors and fields the readers share is modelfields.c's.
 *
 * Loading trusts nothing: lengths, JSON, names, dtypes, shapes, offsets
 * (which must tile the data exactly), values of settings and the
 * permutation are all checked before anything is used. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "full.h"
#include "modelfile.h"
#include "nn.h"
#include "nn_stats.h"
#include "safetensors.h"

/* Fail with the file's name in front of the message. */
static int bad(const reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(const reader *r, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = st_vfail(r, fmt, ap);
	va_end(ap);
	return rc;
}

/* The loss terms of nnsh.penalties, added to m. */
static int read_penalties(reader *r, nn_model *m)
{
	int failed;
	json_t *list = mf_meta_parse(r, "nnsh.penalties", &failed);
	int rc = failed ? -1 : 0;

	if (list && !json_is_array(list))
		rc = bad(r, "nnsh.penalties is not a list");
	for (size_t k = 0; rc == 0 && k < json_array_size(list); k++) {
		json_t *o = json_array_get(list, k), *rv = json_object_get(o,
		                                                      "r");
		json_t *kind = json_object_get(o, "kind");
		double node = 0, weight = 0;
		float vals[4096];
		size_t n = json_array_size(rv);
		int kk = -1;

		for (int q = 0; q < NN_PEN_COUNT && json_is_string(kind); q++)
			if (strcmp(json_string_value(kind),
			           nn_penalty_name((nn_penalty_kind)q)) == 0)
				kk = q;
		if (mf_get_real(r, o, "penalty", "node", 1, 1e9, &node) < 0 ||
		    mf_get_real(r, o, "penalty", "weight", -1e30, 1e30,
		                &weight) < 0) {
			rc = -1;
			break;
		}
		if (kk < 0 || n > 4096)
			rc = bad(r, "penalty %zu: bad kind or too many values",
			         k + 1);
		for (size_t j = 0; rc == 0 && j < n; j++) {
			json_t *v = json_array_get(rv, j);

			if (!json_is_number(v))
				rc = bad(r, "penalty %zu: r holds a non-number",
				         k + 1);
			else
				vals[j] = (float)json_number_value(v);
		}
		if (rc == 0 && nn_model_penalty_add(m, (size_t)node - 1,
		                                    (nn_penalty_kind)kk,
		                                    (float)weight, vals,
		                                    n) < 0)
			rc = bad(r, "penalty %zu: %s", k + 1, nn_error());
	}
	json_decref(list);
	return rc;
}

/* Rebuild the model from the metadata and fill in its parameters. */
static int read_model(reader *r, nn_file *f)
{
	const char *input = mf_meta_str(r, "nnsh.input");
	json_t *layers;
	nn_shape shape;
	nn_rng rng;
	int failed;

	if (!mf_meta_str(r, "nnsh.version") || !input)
		return bad(r, "not an nnsh model file (no nnsh.version and "
		           "nnsh.input in its metadata): weights alone go into "
		           "a model built to fit them, with 'load FILE into "
		           "MODEL'");
	if (nn_shape_parse(input, &shape) < 0)
		return bad(r, "nnsh.input: %s", nn_error());
	layers = mf_meta_parse(r, "nnsh.layers", &failed);
	if (!json_is_array(layers)) {
		json_decref(layers);
		return failed ? -1 : bad(r, "nnsh.layers is missing or not a "
		                         "list");
	}
	if (json_array_size(layers) > NN_FILE_MAX_LAYERS) {
		bad(r, "%zu layers, more than the %d a model file may have",
		    json_array_size(layers), NN_FILE_MAX_LAYERS);
		json_decref(layers);
		return -1;
	}
	if (!(f->model = nn_model_new(&shape))) {
		json_decref(layers);
		return -1;
	}
	/* every parameter must be in the data: refuse to build more */
	nn_model_limit(f->model, r->dlen / 4 ? r->dlen / 4 : 1);
	nn_rng_seed(&rng, 0);
	for (size_t i = 0; i < json_array_size(layers); i++) {
		nn_layer_spec s;
		char args[NN_MAXARGS];

		if ((nn_spec_read(json_array_get(layers, i), i, &s, args) < 0 &&
		     bad(r, "%s", nn_error()) < 0) ||
		    (nn_model_add(f->model, &s, &rng) < 0 &&
		     bad(r, "layer %zu: %s", i + 1, nn_error()) < 0)) {
			json_decref(layers);
			return -1;
		}
	}
	json_decref(layers);
	if (read_penalties(r, f->model) < 0)
		return -1;
	for (size_t i = 0; i < nn_model_layers(f->model); i++)
		for (int k = 0; k < nn_model_layer_nparams(f->model, i); k++) {
			nn_param p;
			in_tensor *t;
			char name[32];

			nn_model_param(f->model, i, k, &p);
			if (p.tied)
				continue;
			snprintf(name, sizeof name, "%zu.%s", i + 1, p.name);
			if (!(t = mf_want_tensor(r, name, DT_F32, p.size, 0)))
				return -1;
			if (t->ndim != p.shape.ndim)
				return bad(r, "tensor '%s' has %d dimensions, "
				           "the layer's %d", name, t->ndim,
				           p.shape.ndim);
			for (int d = 0; d < t->ndim; d++)
				if (t->shape[d] != (size_t)p.shape.dim[d])
					return bad(r, "tensor '%s' does not "
					           "have the layer's shape",
					           name);
			if (st_read_weights(r, t, p.value) < 0)
				return -1;
		}
	return 0;
}

/* The settings of the full-batch methods and sdlm, which files written
 * before them lack (the defaults stay). */
static int read_optim_more(reader *r, nn_optim *op, json_t *o)
{
	const char *w = "nnsh.optim";
	double hist = op->history, fr = op->fr, sample = (double)op->sample;
	double every = (double)op->every;

	if (json_is_boolean(json_object_get(o, "fr")))
		fr = json_is_true(json_object_get(o, "fr"));
	if (mf_opt_real(r, o, w, "history", 1, 1000, &hist) < 0 ||
	    mf_opt_real(r, o, w, "mu", 0, 1e30, &op->mu) < 0 ||
	    mf_opt_real(r, o, w, "mu_inc", 1, 1e6, &op->mu_inc) < 0 ||
	    mf_opt_real(r, o, w, "mu_dec", 1e-6, 1, &op->mu_dec) < 0 ||
	    mf_opt_real(r, o, w, "mu_max", 0, 1e30, &op->mu_max) < 0 ||
	    mf_opt_real(r, o, w, "sample", 1, 1e6, &sample) < 0 ||
	    mf_opt_real(r, o, w, "every", 0, 1e12, &every) < 0)
		return -1;
	if (hist != (int)hist || sample != (long)sample ||
	    every != (long)every)
		return bad(r, "%s: history, sample and every are whole "
		           "numbers", w);
	op->history = (int)hist;
	op->fr = fr != 0;
	op->sample = (long)sample;
	op->every = (long)every;
	return 0;
}

static int read_optim(reader *r, nn_file *f, json_t *o, int state)
{
	const char *w = "nnsh.optim";
	json_t *kind = json_object_get(o, "kind");
	nn_optim *op = &f->optim;
	double lr = 0, mom = 0, wd = 0, b1 = 0, b2 = 0, rho = 0, eps = 0;
	double decay = 0;
	long nesterov, t = 0;
	int k;

	if (!json_is_string(kind) ||
	    (k = nn_optim_parse(json_string_value(kind))) < 0)
		return bad(r, "%s: unknown kind", w);
	nn_optim_defaults(op, (nn_optim_kind)k);
	if (mf_get_real(r, o, w, "lr", 0, 1e6, &lr) < 0 ||
	    mf_get_real(r, o, w, "momentum", 0, 1, &mom) < 0 ||
	    mf_get_long(r, o, w, "nesterov", 0, 1, &nesterov) < 0 ||
	    mf_get_real(r, o, w, "weight_decay", 0, 1e3, &wd) < 0 ||
	    mf_opt_real(r, o, w, "decay", 0, 1, &decay) < 0 ||
	    mf_get_real(r, o, w, "beta1", 0, 1, &b1) < 0 ||
	    mf_get_real(r, o, w, "beta2", 0, 1, &b2) < 0 ||
	    mf_get_real(r, o, w, "rho", 0, 1, &rho) < 0 ||
	    mf_get_real(r, o, w, "eps", 0, 1, &eps) < 0 ||
	    (state && mf_get_long(r, o, w, "t", 0, 1L << 50, &t) < 0))
		return -1;
	op->lr = (float)lr;
	op->momentum = (float)mom;
	op->nesterov = (int)nesterov;
	op->weight_decay = (float)wd;
	op->decay = (float)decay;
	op->beta1 = (float)b1;
	op->beta2 = (float)b2;
	op->rho = (float)rho;
	op->eps = (float)eps;
	op->t = t;
	f->has_optim = 1;
	return read_optim_more(r, op, o);
}

static int read_schedule(reader *r, json_t *o, const char *w,
                         nn_schedule *s)
{
	json_t *kind = json_object_get(o, "kind");
	long every, warmup;
	int k;

	if (!json_is_object(o) || !json_is_string(kind) ||
	    (k = nn_sched_parse(json_string_value(kind))) < 0)
		return bad(r, "%s: unknown schedule", w);
	memset(s, 0, sizeof *s);
	s->kind = (nn_sched_kind)k;
	if (mf_get_real(r, o, w, "max", 0, 1e6, &s->max) < 0 ||
	    mf_get_real(r, o, w, "min", 0, 1e6, &s->min) < 0 ||
	    mf_get_real(r, o, w, "gamma", 0, 1e6, &s->gamma) < 0 ||
	    mf_get_long(r, o, w, "every", 0, 1L << 50, &every) < 0 ||
	    mf_get_real(r, o, w, "T", 0, 1e18, &s->T) < 0 ||
	    mf_get_long(r, o, w, "warmup", 0, 1L << 50, &warmup) < 0)
		return -1;
	s->every = every;
	s->warmup = warmup;
	if (nn_schedule_check(s) < 0)
		return bad(r, "%s: %s", w, nn_error());
	return 0;
}

static int read_targets(reader *r, json_t *v, const char *w, float *lo,
                        float *hi)
{
	if (!json_is_array(v) || json_array_size(v) != 2 ||
	    !json_is_number(json_array_get(v, 0)) ||
	    !json_is_number(json_array_get(v, 1)))
		return bad(r, "%s: targets are not two numbers", w);
	*lo = (float)json_number_value(json_array_get(v, 0));
	*hi = (float)json_number_value(json_array_get(v, 1));
	if (!isfinite(*lo) || !isfinite(*hi))
		return bad(r, "%s: targets are not finite", w);
	return 0;
}

static int read_settings(reader *r, nn_file *f, int state)
{
	const char *loss = mf_meta_str(r, "nnsh.loss");
	json_t *v;
	int failed, rc = 0;

	f->loss = -1;
	if (loss && (f->loss = nn_loss_parse(loss)) < 0)
		return bad(r, "nnsh.loss: unknown loss '%s'", loss);
	if ((v = mf_meta_parse(r, "nnsh.optim", &failed)))
		rc = json_is_object(v) ? read_optim(r, f, v, state)
		                       : bad(r, "nnsh.optim is not an object");
	json_decref(v);
	if (failed || rc < 0)
		return -1;
	if ((v = mf_meta_parse(r, "nnsh.schedule", &failed)))
		rc = read_schedule(r, v, "nnsh.schedule", &f->schedule);
	json_decref(v);
	if (failed || rc < 0)
		return -1;
	if ((v = mf_meta_parse(r, "nnsh.targets", &failed)))
		rc = read_targets(r, v, "nnsh.targets", &f->target_lo,
		                  &f->target_hi);
	json_decref(v);
	return failed || rc < 0 ? -1 : 0;
}

static int read_early(reader *r, json_t *o, nn_early *e)
{
	const char *w = "nnsh.run.early";
	json_t *mon = json_object_get(o, "monitor");
	long patience, restore, be, bi, wait;
	int k;

	if (!json_is_object(o) || !json_is_string(mon) ||
	    (k = nn_monitor_parse(json_string_value(mon))) < 0)
		return bad(r, "%s: unknown monitor", w);
	e->monitor = (nn_monitor)k;
	if (mf_get_long(r, o, w, "patience", 0, 1L << 30, &patience) < 0 ||
	    mf_get_real(r, o, w, "min_delta", 0, 1e30, &e->min_delta) < 0 ||
	    mf_get_long(r, o, w, "restore", 0, 1, &restore) < 0 ||
	    (json_is_null(json_object_get(o, "best")) ? (e->best = NAN, 0)
	     : mf_get_real(r, o, w, "best", -1e300, 1e300, &e->best)) < 0 ||
	    mf_get_long(r, o, w, "best_epoch", 0, 1L << 30, &be) < 0 ||
	    mf_get_long(r, o, w, "best_iter", 0, 1L << 50, &bi) < 0 ||
	    mf_get_long(r, o, w, "wait", 0, 1L << 30, &wait) < 0)
		return -1;
	e->patience = (int)patience;
	e->restore = (int)restore;
	e->best_epoch = (int)be;
	e->best_iter = bi;
	e->wait = (int)wait;
	return 0;
}

static int read_run(reader *r, nn_file *f, json_t *o)
{
	const char *w = "nnsh.run";
	nn_run *run = &f->run;
	nn_train_opts *op = &run->opts;
	json_t *vn = json_object_get(o, "val_name");
	long active, iter, iters, epoch, epochs, n, np, pos, shuffle, se,
	     every, restored, batch, nan_iter;
	double secs = 0, dz = 0;

	if (mf_get_long(r, o, w, "active", 0, 1, &active) < 0 ||
	    mf_get_long(r, o, w, "iters", 1, 1L << 50, &iters) < 0 ||
	    mf_get_long(r, o, w, "iter", 0, iters, &iter) < 0 ||
	    mf_get_long(r, o, w, "epochs", 1, 1L << 30, &epochs) < 0 ||
	    mf_get_long(r, o, w, "epoch", 0, epochs, &epoch) < 0 ||
	    mf_get_long(r, o, w, "n", 1, 1L << 40, &n) < 0 ||
	    mf_get_long(r, o, w, "nparams", 0, 1L << 40, &np) < 0 ||
	    mf_get_long(r, o, w, "pos", 0, n, &pos) < 0 ||
	    mf_get_real(r, o, w, "seconds", 0, 1e12, &secs) < 0 ||
	    mf_get_long(r, o, w, "shuffle", 0, 1, &shuffle) < 0 ||
	    mf_get_long(r, o, w, "stopped_early", 0, 1, &se) < 0 ||
	    mf_get_long(r, o, w, "every", 0, 1L << 50, &every) < 0 ||
	    mf_get_long(r, o, w, "restored", 0, 1, &restored) < 0 ||
	    mf_get_long(r, o, w, "batch", 1, n, &batch) < 0 ||
	    mf_get_long(r, o, w, "nan_iter", 0, 1L << 50, &nan_iter) < 0 ||
	    mf_get_real(r, o, w, "val_split", 0, 0.999999,
	                &op->val_split) < 0 ||
	    mf_get_real(r, o, w, "clip", 0, 1e30, &op->clip) < 0 ||
	    mf_opt_int(r, o, w, "fanin", &op->fanin) < 0 ||
	    read_targets(r, json_object_get(o, "targets"), w, &op->target_lo,
	                 &op->target_hi) < 0 ||
	    mf_opt_real(r, o, w, "deadzone", 0, 1e6, &dz) < 0 ||
	    read_schedule(r, json_object_get(o, "schedule"), "nnsh.run",
	                  &op->schedule) < 0 ||
	    read_early(r, json_object_get(o, "early"), &run->early) < 0 ||
	    mf_parse_rng(r, w, json_object_get(o, "rng"), &run->rng) < 0)
		return -1;
	if (!json_is_string(vn) ||
	    strlen(json_string_value(vn)) >= sizeof run->val_name)
		return bad(r, "%s: val_name is not a short string", w);
	strcpy(run->val_name, json_string_value(vn));
	if ((size_t)np != nn_model_param_count(f->model))
		return bad(r, "%s: the run is for %ld parameters, the model "
		           "has %zu", w, np, nn_model_param_count(f->model));
	run->active = (int)active;
	run->iter = iter;
	run->iters = iters;
	run->epoch = (int)epoch;
	run->epochs = (int)epochs;
	run->n = (size_t)n;
	run->nparams = (size_t)np;
	run->pos = (size_t)pos;
	run->seconds = secs;
	op->deadzone = (float)dz;
	run->stopped_early = (int)se;
	run->restored = (int)restored;
	run->nan_iter = nan_iter;
	op->shuffle = (int)shuffle;
	op->every = every;
	op->batch = (size_t)batch;
	op->iters = iters;
	op->epochs = (int)epochs;
	op->early = run->early;
	return 0;
}

/* A saved run: its settings and progress, the epoch's order (which must
 * be a permutation) and the best weights. */
static int read_run_state(reader *r, nn_file *f, json_t *o)
{
	nn_run *run = &f->run;
	size_t np = nn_model_param_count(f->model);
	in_tensor *t;

	if (!json_is_object(o))
		return bad(r, "nnsh.run is not an object");
	if (read_run(r, f, o) < 0 ||
	    mf_read_perm(r, "run.perm", run->n, &run->perm) < 0)
		return -1;
	if ((t = mf_want_tensor(r, "run.best", DT_F32, np, 1))) {
		if (!(run->best = malloc((np ? np : 1) * sizeof *run->best)))
			return nn_fail("out of memory");
		run->nbest = np;
		st_read_floats(t, r->data, run->best);
	} else if (st_find(r, "run.best")) {
		return -1;
	}
	if (run->early.restore && !run->best)
		return bad(r, "the run restores the best weights but has no "
		           "run.best");
	return 0;
}

/* The settings of a GAN run in nnsh.gan's "opts". */
static int read_gan_opts(reader *r, json_t *o, size_t n, nn_gan_opts *op)
{
	const char *w = "nnsh.gan.opts";
	json_t *noise = json_object_get(o, "noise");
	long epochs, iters, batch, k, every;
	double smooth = 1;

	if (!json_is_object(o))
		return bad(r, "nnsh.gan: opts is not an object");
	if (mf_get_long(r, o, w, "epochs", 0, 1L << 30, &epochs) < 0 ||
	    mf_get_long(r, o, w, "iters", 0, 1L << 50, &iters) < 0 ||
	    mf_get_long(r, o, w, "batch", 1, (long)n, &batch) < 0 ||
	    mf_get_long(r, o, w, "k", 1, 100, &k) < 0 ||
	    mf_get_real(r, o, w, "smooth", 0, 1, &smooth) < 0 ||
	    mf_get_long(r, o, w, "every", 0, 1L << 50, &every) < 0)
		return -1;
	if (!json_is_string(noise) ||
	    (strcmp(json_string_value(noise), "normal") != 0 &&
	     strcmp(json_string_value(noise), "uniform") != 0))
		return bad(r, "%s: noise is not normal or uniform", w);
	op->epochs = (int)epochs;
	op->iters = iters;
	op->batch = (size_t)batch;
	op->k = (int)k;
	op->smooth = (float)smooth;
	op->every = every;
	op->noise = strcmp(json_string_value(noise), "uniform") == 0
	            ? NN_GAN_UNIFORM : NN_GAN_NORMAL;
	return 0;
}

/* The points of a GAN run: F64 rows of GAN_COLS in "gan.points". */
static int read_gan_points(reader *r, nn_gan *s)
{
	in_tensor *t = st_find(r, "gan.points");

	if (!t || t->ndim != 2 || t->shape[1] != GAN_COLS ||
	    t->type != DT_F64)
		return bad(r, "tensor 'gan.points' is missing or not F64 rows "
		           "of %d", GAN_COLS);
	t->used = 1;
	s->npts = s->cap = t->shape[0];
	if (!(s->pts = malloc((s->npts ? s->npts : 1) * sizeof *s->pts)))
		return nn_fail("out of memory");
	for (size_t i = 0; i < s->npts; i++) {
		nn_gan_point *p = &s->pts[i];
		double v[GAN_COLS];

		for (int c = 0; c < GAN_COLS; c++) {
			uint64_t u = get_u64(r->data + t->begin +
			                     8 * (i * GAN_COLS + c));

			memcpy(&v[c], &u, 8);
		}
		if (!(v[0] >= 0 && v[0] <= s->epochs && v[1] >= 0 &&
		      v[1] <= s->iter))
			return bad(r, "gan.points row %zu has a bad epoch or "
			           "iteration", i);
		p->epoch = (int)v[0];
		p->iter = (long)v[1];
		p->d_loss = v[2];
		p->g_loss = v[3];
		p->d_real = v[4];
		p->d_fake = v[5];
		p->seconds = v[6];
	}
	return 0;
}

/* A GAN run of the model as its generator (nnsh.gan, "gan.perm" and
 * "gan.points"), into a new f->gan. */
static int read_gan(reader *r, nn_file *f, json_t *o)
{
	const char *w = "nnsh.gan";
	json_t *shape = json_object_get(o, "shape");
	long active, iter, iters, epoch, epochs, per, n, gp, dp, pos, sd, sg,
	     ds, gs;
	double last[4];
	nn_gan *s;

	if (!json_is_object(o))
		return bad(r, "nnsh.gan is not an object");
	if (!(s = f->gan = calloc(1, sizeof *s)))
		return nn_fail("out of memory");
	if (mf_get_name(r, o, w, "disc", f->gan_disc) < 0 ||
	    mf_get_name(r, o, w, "data", f->gan_data) < 0)
		return -1;
	if (!json_is_string(shape) ||
	    nn_shape_parse(json_string_value(shape), &f->gan_shape) < 0 ||
	    nn_shape_size(&f->gan_shape) !=
	    nn_shape_size(nn_model_output_shape(f->model)))
		return bad(r, "%s: shape is not the generator's output size",
		           w);
	if (mf_get_long(r, o, w, "active", 0, 1, &active) < 0 ||
	    mf_get_long(r, o, w, "iters", 1, 1L << 50, &iters) < 0 ||
	    mf_get_long(r, o, w, "iter", 0, iters, &iter) < 0 ||
	    mf_get_long(r, o, w, "epochs", 1, 1L << 30, &epochs) < 0 ||
	    mf_get_long(r, o, w, "epoch", 0, epochs, &epoch) < 0 ||
	    mf_get_long(r, o, w, "per", 1, 1L << 50, &per) < 0 ||
	    mf_get_long(r, o, w, "n", 1, 1L << 40, &n) < 0 ||
	    mf_get_long(r, o, w, "gparams", 0, 1L << 40, &gp) < 0 ||
	    mf_get_long(r, o, w, "dparams", 1, 1L << 40, &dp) < 0 ||
	    mf_get_long(r, o, w, "pos", 0, n, &pos) < 0 ||
	    mf_get_real(r, o, w, "seconds", 0, 1e12, &s->seconds) < 0 ||
	    mf_get_long(r, o, w, "span_d", 0, 1L << 50, &sd) < 0 ||
	    mf_get_long(r, o, w, "span_g", 0, 1L << 50, &sg) < 0 ||
	    mf_get_long(r, o, w, "dsteps", 0, 1L << 50, &ds) < 0 ||
	    mf_get_long(r, o, w, "gsteps", 0, 1L << 50, &gs) < 0 ||
	    mf_get_real4(r, o, w, "span", s->span) < 0 ||
	    mf_get_real4(r, o, w, "last", last) < 0 ||
	    mf_parse_rng(r, w, json_object_get(o, "rng"), &s->rng) < 0 ||
	    read_gan_opts(r, json_object_get(o, "opts"), (size_t)n,
	                  &s->opts) < 0)
		return -1;
	if ((size_t)gp != nn_model_param_count(f->model))
		return bad(r, "%s: the run is for a generator of %ld "
		           "parameters, the model has %zu", w, gp,
		           nn_model_param_count(f->model));
	s->active = (int)active;
	s->iter = iter;
	s->iters = iters;
	s->epoch = (int)epoch;
	s->epochs = (int)epochs;
	s->per = per;
	s->n = (size_t)n;
	s->gparams = (size_t)gp;
	s->dparams = (size_t)dp;
	s->pos = (size_t)pos;
	s->span_d = sd;
	s->span_g = sg;
	s->dsteps = ds;
	s->gsteps = gs;
	s->d_loss = last[0];
	s->g_loss = last[1];
	s->d_real = last[2];
	s->d_fake = last[3];
	if (mf_read_perm(r, "gan.perm", s->n, &s->perm) < 0)
		return -1;
	return read_gan_points(r, s);
}

/* count doubles of tensor t into dst. */
static void read_f64(reader *r, const in_tensor *t, double *dst)
{
	for (size_t i = 0; i < t->count; i++) {
		uint64_t u = get_u64(r->data + t->begin + 8 * i);

		memcpy(&dst[i], &u, 8);
	}
}

/* A full-batch method's state (nnsh.optim_state and its tensors). */
static int read_full(reader *r, nn_file *f, json_t *o)
{
	const char *w = "nnsh.optim_state";
	nn_optim *op = &f->optim;
	size_t np = nn_model_param_count(f->model);
	long n, iter, cap, count, head, hs, failed;
	int want = op->kind == NN_OPT_LBFGS ? op->history : 0;
	nn_full *s;
	in_tensor *t;

	if (!f->has_optim || !nn_optim_full_batch(op->kind))
		return bad(r, "%s: the optimizer is not a full-batch method", w);
	if (mf_get_long(r, o, w, "n", 0, 1L << 40, &n) < 0 ||
	    mf_get_long(r, o, w, "iter", 0, 1L << 50, &iter) < 0 ||
	    mf_get_long(r, o, w, "cap", 0, 1000, &cap) < 0 ||
	    mf_get_long(r, o, w, "count", 0, cap, &count) < 0 ||
	    mf_get_long(r, o, w, "head", 0, cap > 0 ? cap - 1 : 0, &head) < 0 ||
	    mf_get_long(r, o, w, "h_scaled", 0, 1, &hs) < 0 ||
	    mf_get_long(r, o, w, "scg_failed", 0, 1, &failed) < 0)
		return -1;
	if ((size_t)n != np || cap != want)
		return bad(r, "%s: made for %ld parameters and %ld pairs, not "
		           "%zu and %d", w, n, cap, np, want);
	if (!(s = nn_full_state(op, np)))
		return -1;
	if (mf_get_real(r, o, w, "t_prev", -1e300, 1e300, &s->t_prev) < 0 ||
	    mf_get_real(r, o, w, "gtd_prev", -1e300, 1e300, &s->gtd_prev) < 0 ||
	    mf_get_real(r, o, w, "h_diag", -1e300, 1e300, &s->h_diag) < 0 ||
	    mf_get_real(r, o, w, "lambda", -1e300, 1e300, &s->lambda) < 0 ||
	    mf_get_real(r, o, w, "lambda_bar", -1e300, 1e300,
	                &s->lambda_bar) < 0 ||
	    mf_get_real(r, o, w, "delta", -1e300, 1e300, &s->delta) < 0)
		return -1;
	s->iter = iter;
	s->count = (int)count;
	s->head = (int)head;
	s->h_scaled = (int)hs;
	s->scg_failed = (int)failed;
	if (!(t = mf_want_tensor(r, "optim.full.d", DT_F32, np, 0)))
		return -1;
	st_read_floats(t, r->data, s->d);
	if (!(t = mf_want_tensor(r, "optim.full.gprev", DT_F32, np, 0)))
		return -1;
	st_read_floats(t, r->data, s->gprev);
	if (cap > 0) {
		if (!(t = mf_want_tensor(r, "optim.full.S", DT_F32, np * cap,
		                         0)))
			return -1;
		st_read_floats(t, r->data, s->S);
		if (!(t = mf_want_tensor(r, "optim.full.Y", DT_F32, np * cap,
		                         0)))
			return -1;
		st_read_floats(t, r->data, s->Y);
		if (!(t = mf_want_tensor(r, "optim.full.rho", DT_F64, cap, 0)))
			return -1;
		read_f64(r, t, s->rho);
	}
	if (s->H) {
		if (!(t = mf_want_tensor(r, "optim.full.H", DT_F64, np * np,
		                         0)))
			return -1;
		read_f64(r, t, s->H);
	}
	return 0;
}

/* The per-layer statistics of the history (optional: files written before
 * them have none). */
static int read_stats(reader *r, nn_file *f)
{
	in_tensor *t = st_find(r, "stats"), *e = st_find(r, "stats.every");
	char msg[256];
	double *v;
	int rc;

	if (!t && !e)
		return 0;
	if (!t || !e || t->ndim != 2 || t->shape[1] != NN_STATS_COLS ||
	    t->type != DT_F64 || e->type != DT_I64 || e->count != 1)
		return bad(r, "tensors 'stats' and 'stats.every' should be F64 "
		           "rows of %d and one I64", NN_STATS_COLS);
	t->used = e->used = 1;
	if (!(v = malloc((t->count ? t->count : 1) * sizeof *v)))
		return nn_fail("out of memory");
	read_f64(r, t, v);
	rc = nn_stats_from_rows(&f->hist, f->model, v, t->shape[0],
	                        (long)get_u64(r->data + e->begin));
	free(v);
	if (rc == 0)
		return 0;
	snprintf(msg, sizeof msg, "%s", nn_error());
	return bad(r, "%s", msg);
}

/* The training state: optimizer moments, history and the run if any. */
static int read_state(reader *r, nn_file *f)
{
	size_t np = nn_model_param_count(f->model);
	json_t *run;
	in_tensor *t;
	int failed, rc;

	f->state = 1;
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "optim.v" : "optim.m";
		float **dst = k ? &f->optim.v : &f->optim.m;

		if (!(t = mf_want_tensor(r, name, DT_F32, np, 1))) {
			if (st_find(r, name))
				return -1;
			continue;
		}
		if (!(*dst = malloc((np ? np : 1) * sizeof **dst)))
			return nn_fail("out of memory");
		st_read_floats(t, r->data, *dst);
		f->optim.nstate = np;
	}
	if (!(t = st_find(r, "history")) || t->ndim != 2 ||
	    t->shape[1] != HIST_COLS || t->type != DT_F64)
		return bad(r, "tensor 'history' is missing or not F64 rows of "
		           "%d", HIST_COLS);
	t->used = 1;
	for (size_t i = 0; i < t->shape[0]; i++) {
		nn_metrics p = { 0 };
		double v[HIST_COLS];

		for (int c = 0; c < HIST_COLS; c++) {
			uint64_t u = get_u64(r->data + t->begin +
			                     8 * (i * HIST_COLS + c));

			memcpy(&v[c], &u, 8);
		}
		if (!(v[0] >= 0 && v[0] < 1e9 && v[1] >= 0 && v[1] < 1e15))
			return bad(r, "history row %zu has a bad epoch or "
			           "iteration", i);
		p.epoch = (int)v[0];
		p.iter = (long)v[1];
		p.loss = v[2];
		p.acc = v[3];
		p.val_loss = v[4];
		p.val_acc = v[5];
		p.lr = v[6];
		p.seconds = v[7];
		p.samples_per_s = v[8];
		p.seq_acc = p.val_seq_acc = NAN;        /* history.seq's */
		if (nn_history_push(&f->hist, &p) < 0)
			return -1;
	}
	if (read_stats(r, f) < 0)
		return -1;
	run = mf_meta_parse(r, "nnsh.run", &failed);
	rc = failed ? -1 : run ? read_run_state(r, f, run) : 0;
	json_decref(run);
	if (rc < 0)
		return -1;
	run = mf_meta_parse(r, "nnsh.gan", &failed);
	rc = failed ? -1 : run ? read_gan(r, f, run) : 0;
	json_decref(run);
	if (rc < 0)
		return -1;
	run = mf_meta_parse(r, "nnsh.optim_state", &failed);
	rc = failed ? -1 : run ? read_full(r, f, run) : 0;
	json_decref(run);
	return rc;
}

int nn_load(const char *path, nn_file *f)
{
	reader r = { 0 };
	int state, rc = -1;

	memset(f, 0, sizeof *f);
	if (st_open(&r, path) < 0 || read_model(&r, f) < 0)
		goto out;
	state = mf_meta_str(&r, "nnsh.state") != NULL;
	if (read_settings(&r, f, state) < 0 ||
	    (state && read_state(&r, f) < 0) ||
	    nn_read_seq_parts(&r, f) < 0)
		goto out;
	for (size_t i = 0; i < r.nt; i++)
		if (!r.t[i].used) {
			bad(&r, "unexpected tensor '%s'", r.t[i].name);
			goto out;
		}
	if (st_meta_name(&r, "nnsh.name", "the model's name", f->name,
	                 sizeof f->name) < 0 ||
	    st_meta_name(&r, "nnsh.discriminator_of", "its generator's name",
	                 f->disc_of, sizeof f->disc_of) < 0 ||
	    st_meta_name(&r, "nnsh.discriminator_data", "its data's name",
	                 f->disc_data, sizeof f->disc_data) < 0)
		goto out;
	nn_model_limit(f->model, 0);
	rc = 0;
out:
	st_close(&r);
	if (rc < 0)
		nn_file_free(f);
	return rc;
}

void nn_file_free(nn_file *f)
{
	nn_model_free(f->model);
	nn_optim_reset(&f->optim);
	nn_history_free(&f->hist);
	nn_run_free(&f->run);
	if (f->gan)
		nn_gan_free(f->gan);
	free(f->gan);
	nn_vocab_free(&f->vocab);
	memset(f, 0, sizeof *f);
	f->loss = -1;
}
