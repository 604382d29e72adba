/* modelsave.c - writing model files (the format is described in
 * modelfile.c, which reads them): the tensors and the JSON header built
 * with jansson, written to a temporary file beside the target, flushed
 * and renamed over it. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "full.h"
#include "modelfile.h"
#include "nn.h"
#include "nn_stats.h"

/* Testing only: when >= 0, nn_save stops after writing this many bytes of
 * its temporary file and fails, as if the process had been killed. */
long nn_save_crash_after = -1;

/* A tensor to write: count elements of src, which holds floats (F32),
 * doubles (F64) or size_t values (I64). */
typedef struct out_tensor {
	char name[32];
	dtype type;
	int ndim;
	size_t shape[MAX_DIMS];
	size_t count;
	const void *src;
} out_tensor;

typedef struct writer {
	FILE *f;
	size_t written;
	int crashed;
} writer;

static int put(writer *w, const void *p, size_t n)
{
	if (nn_save_crash_after >= 0 &&
	    w->written + n > (size_t)nn_save_crash_after) {
		fwrite(p, 1, (size_t)nn_save_crash_after - w->written, w->f);
		w->crashed = 1;
		return -1;
	}
	if (fwrite(p, 1, n, w->f) != n)
		return -1;
	w->written += n;
	return 0;
}

static int put_tensor(writer *w, const out_tensor *t)
{
	unsigned char buf[8192];
	size_t es = dtype_size[t->type], per = sizeof buf / es;

	for (size_t i = 0; i < t->count; i += per) {
		size_t k = t->count - i < per ? t->count - i : per;

		for (size_t j = 0; j < k; j++) {
			unsigned char *p = buf + j * es;
			uint32_t u;
			uint64_t v;

			switch (t->type) {
			case DT_F32:
				memcpy(&u, (const float *)t->src + i + j, 4);
				put_u32(p, u);
				break;
			case DT_F64:
				memcpy(&v, (const double *)t->src + i + j, 8);
				put_u64(p, v);
				break;
			case DT_I64:
				put_u64(p, ((const size_t *)t->src)[i + j]);
				break;
			}
		}
		if (put(w, buf, k * es) < 0)
			return -1;
	}
	return 0;
}

/* The tensors of f, in the order they are written. */
typedef struct tensor_list {
	out_tensor *v;
	size_t n, cap;
} tensor_list;

static out_tensor *add_tensor(tensor_list *l, const char *name, dtype type,
                              const void *src, size_t count)
{
	out_tensor *t;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		out_tensor *v = realloc(l->v, cap * sizeof *v);

		if (!v) {
			nn_fail("out of memory");
			return NULL;
		}
		l->v = v;
		l->cap = cap;
	}
	t = &l->v[l->n++];
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	t->type = type;
	t->src = src;
	t->count = count;
	t->ndim = 1;
	t->shape[0] = count;
	return t;
}

/* JSON helpers that cope with allocation failure by failing the save. */
static int set_new(json_t *o, const char *key, json_t *v)
{
	return v && json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

/* A double, or null for NaN (JSON has no NaN). */
static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *spec_json(const nn_layer_spec *s)
{
	json_t *o = json_object();
	int bad = !o;

	bad |= set_new(o, "kind", json_string(s->kind));
#define INT(field) \
	if (s->field) \
		bad |= set_new(o, #field, json_integer(s->field))
#define REAL(field) \
	if (s->field != 0) \
		bad |= set_new(o, #field, json_real(s->field))
	if (s->args && s->args[0])
		bad |= set_new(o, "args", json_string(s->args));
	if (s->act != NN_ACT_LINEAR)
		bad |= set_new(o, "act", json_string(nn_act_name(s->act)));
	INT(has_act);
	REAL(alpha);
	INT(tie);
	INT(transpose);
#undef INT
#undef REAL
	if (s->name)
		bad |= set_new(o, "name", json_string(s->name));
	if (s->nfrom > 0) {
		json_t *from = json_array();

		for (int k = 0; from && k < s->nfrom; k++)
			bad |= json_array_append_new(from,
			                             json_integer(s->from[k]));
		bad |= set_new(o, "from", from);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *optim_json(const nn_optim *o, int state)
{
	json_t *j = json_pack("{s:s, s:f, s:f, s:b, s:f, s:f, s:f, s:f, s:f}",
	                      "kind", nn_optim_name(o->kind), "lr", o->lr,
	                      "momentum", o->momentum, "nesterov",
	                      o->nesterov, "weight_decay", o->weight_decay,
	                      "beta1", o->beta1, "beta2", o->beta2, "rho",
	                      o->rho, "eps", o->eps);

	json_t *more = json_pack("{s:i, s:b, s:f, s:f, s:f, s:f, s:I, s:I}",
	                         "history", o->history, "fr", o->fr, "mu",
	                         o->mu, "mu_inc", o->mu_inc, "mu_dec",
	                         o->mu_dec, "mu_max", o->mu_max, "sample",
	                         (json_int_t)o->sample, "every",
	                         (json_int_t)o->every);

	if (!j || !more || json_object_update(j, more) < 0 ||
	    (state && set_new(j, "t", json_integer(o->t)) < 0) ||
	    (o->decay != 0 && set_new(j, "decay", json_real(o->decay)) < 0)) {
		json_decref(j);
		json_decref(more);
		return NULL;
	}
	json_decref(more);
	return j;
}

/* A full-batch method's numbers (its arrays are tensors "optim.full.*"). */
static json_t *full_json(const nn_full *f)
{
	return json_pack("{s:I, s:I, s:f, s:f, s:i, s:i, s:i, s:f, s:b, s:f, "
	                 "s:f, s:f, s:b}", "n", (json_int_t)f->n, "iter",
	                 (json_int_t)f->iter, "t_prev", f->t_prev,
	                 "gtd_prev", f->gtd_prev, "cap", f->cap, "count",
	                 f->count, "head", f->head, "h_diag", f->h_diag,
	                 "h_scaled", f->h_scaled, "lambda", f->lambda,
	                 "lambda_bar", f->lambda_bar, "delta", f->delta,
	                 "scg_failed", f->scg_failed);
}

static json_t *schedule_json(const nn_schedule *s)
{
	return json_pack("{s:s, s:f, s:f, s:f, s:I, s:f, s:I}",
	                 "kind", nn_sched_name(s->kind), "max", s->max,
	                 "min", s->min, "gamma", s->gamma, "every",
	                 (json_int_t)s->every, "T", s->T, "warmup",
	                 (json_int_t)s->warmup);
}

static json_t *run_json(const nn_run *r)
{
	const nn_train_opts *o = &r->opts;
	const nn_early *e = &r->early;
	char rng[4][20];
	json_t *j;

	for (int i = 0; i < 4; i++)
		snprintf(rng[i], sizeof rng[i], "%016llx",
		         (unsigned long long)r->rng.s[i]);
	j = json_pack("{s:i, s:I, s:I, s:i, s:I, s:I, s:I, s:f, s:i, s:i,"
	              " s:i, s:I, s:[ssss], s:s, s:i, s:i, s:I}",
	              "active", r->active, "iter", (json_int_t)r->iter,
	              "iters", (json_int_t)r->iters, "epoch", r->epoch,
	              "n", (json_int_t)r->n, "nparams",
	              (json_int_t)r->nparams, "pos", (json_int_t)r->pos,
	              "seconds", r->seconds, "epochs", r->epochs,
	              "shuffle", o->shuffle, "stopped_early",
	              r->stopped_early, "every", (json_int_t)o->every,
	              "rng", rng[0], rng[1], rng[2], rng[3],
	              "val_name", r->val_name, "restored", r->restored,
	              "batch", (int)o->batch, "nan_iter",
	              (json_int_t)r->nan_iter);
	if (!j)
		return NULL;
	if (set_new(j, "val_split", json_real(o->val_split)) < 0 ||
	    set_new(j, "clip", json_real(o->clip)) < 0 ||
	    set_new(j, "fanin", json_boolean(o->fanin)) < 0 ||
	    set_new(j, "targets", json_pack("[f, f]", o->target_lo,
	                                    o->target_hi)) < 0 ||
	    (o->deadzone != 0 &&
	     set_new(j, "deadzone", json_real(o->deadzone)) < 0) ||
	    set_new(j, "schedule", schedule_json(&o->schedule)) < 0 ||
	    set_new(j, "early", json_pack("{s:s, s:i, s:f, s:b, s:o, s:i,"
	                                  " s:I, s:i}",
	                                  "monitor",
	                                  nn_monitor_name(e->monitor),
	                                  "patience", e->patience,
	                                  "min_delta", e->min_delta,
	                                  "restore", e->restore,
	                                  "best", jnum(e->best),
	                                  "best_epoch", e->best_epoch,
	                                  "best_iter",
	                                  (json_int_t)e->best_iter,
	                                  "wait", e->wait)) < 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Four doubles as a JSON list (NaN as null). */
static json_t *jnum4(const double *v)
{
	return json_pack("[o, o, o, o]", jnum(v[0]), jnum(v[1]), jnum(v[2]),
	                 jnum(v[3]));
}

/* The GAN run of the model as its generator ("gan.perm" and "gan.points"
 * hold its order and points). */
static json_t *gan_json(const nn_file *f)
{
	const nn_gan *s = f->gan;
	const nn_gan_opts *o = &s->opts;
	double last[4] = { s->d_loss, s->g_loss, s->d_real, s->d_fake };
	char rng[4][20], shape[64];
	json_t *j;

	for (int i = 0; i < 4; i++)
		snprintf(rng[i], sizeof rng[i], "%016llx",
		         (unsigned long long)s->rng.s[i]);
	j = json_pack("{s:s, s:s, s:s, s:{s:i, s:I, s:I, s:i, s:f, s:s, s:I},"
	              " s:i, s:I, s:I, s:i, s:i, s:I, s:I, s:I, s:I, s:I,"
	              " s:[ssss], s:f, s:o, s:I, s:I, s:o, s:I, s:I}",
	              "disc", f->gan_disc, "data", f->gan_data, "shape",
	              nn_shape_str(&f->gan_shape, shape, sizeof shape),
	              "opts", "epochs", o->epochs, "iters",
	              (json_int_t)o->iters, "batch", (json_int_t)o->batch,
	              "k", o->k, "smooth", (double)o->smooth, "noise",
	              o->noise == NN_GAN_UNIFORM ? "uniform" : "normal",
	              "every", (json_int_t)o->every,
	              "active", s->active, "iter", (json_int_t)s->iter,
	              "iters", (json_int_t)s->iters, "epoch", s->epoch,
	              "epochs", s->epochs, "per", (json_int_t)s->per,
	              "n", (json_int_t)s->n, "gparams",
	              (json_int_t)s->gparams, "dparams",
	              (json_int_t)s->dparams, "pos", (json_int_t)s->pos,
	              "rng", rng[0], rng[1], rng[2], rng[3],
	              "seconds", s->seconds, "span", jnum4(s->span),
	              "span_d", (json_int_t)s->span_d,
	              "span_g", (json_int_t)s->span_g, "last", jnum4(last),
	              "dsteps", (json_int_t)s->dsteps,
	              "gsteps", (json_int_t)s->gsteps);
	return j;
}

/* Add a metadata entry holding v as JSON text (v is consumed). */
static int meta_json(json_t *meta, const char *key, json_t *v)
{
	char *text;
	int rc;

	if (!v)
		return -1;
	text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(v);
	if (!text)
		return -1;
	rc = set_new(meta, key, json_string(text));
	free(text);
	return rc;
}

/* The loss terms on the model's nodes: [{node, kind, weight, r}]. */
static json_t *penalties_json(const nn_model *m)
{
	json_t *list = json_array();
	int bad = !list;

	for (size_t k = 0; !bad && k < nn_model_npenalties(m); k++) {
		const nn_penalty *p = nn_model_penalty(m, k);
		json_t *o = json_object(), *r = NULL;
		size_t w;

		bad |= !o || set_new(o, "node", json_integer(
		       (json_int_t)p->node + 1));
		bad |= bad || set_new(o, "kind", json_string(
		       nn_penalty_name(p->kind)));
		bad |= bad || set_new(o, "weight", json_real(p->weight));
		if (p->r) {
			nn_layer_info info;

			nn_model_layer_info(m, p->node, &info);
			w = nn_shape_size(&info.out);
			r = json_array();
			for (size_t j = 0; r && j < w; j++)
				bad |= json_array_append_new(r,
				                             json_real(p->r[j]));
			bad |= bad || set_new(o, "r", r);
		}
		bad |= bad || json_array_append_new(list, o);
	}
	if (bad) {
		json_decref(list);
		return NULL;
	}
	return list;
}

/* The vocabulary as a JSON array of its characters, in id order. */
static json_t *vocab_json(const nn_vocab *v)
{
	json_t *a = json_array();

	for (int i = 0; a && i < v->n; i++)
		if (json_array_append_new(a, json_string(v->tokens[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The metadata of f. */
static json_t *metadata(const nn_file *f)
{
	json_t *meta = json_object(), *layers = json_array();
	char shape[64];
	int bad = !meta || !layers;

	for (size_t i = 0; !bad && i < nn_model_layers(f->model); i++) {
		nn_layer_spec s;

		nn_model_layer_spec(f->model, i, &s);
		bad |= json_array_append_new(layers, spec_json(&s));
	}
	bad |= !meta || set_new(meta, "format", json_string("pt"));
	bad |= bad || set_new(meta, "nnsh.version", json_string(NN_VERSION));
	if (f->name[0])
		bad |= bad || set_new(meta, "nnsh.name", json_string(f->name));
	if (f->disc_of[0])
		bad |= bad || set_new(meta, "nnsh.discriminator_of",
		                      json_string(f->disc_of)) ||
		       set_new(meta, "nnsh.discriminator_data",
		               json_string(f->disc_data));
	bad |= bad || set_new(meta, "nnsh.input", json_string(nn_shape_str(
	       nn_model_input_shape(f->model), shape, sizeof shape)));
	bad |= meta_json(meta, "nnsh.layers", layers);
	if (nn_model_npenalties(f->model))
		bad |= bad || meta_json(meta, "nnsh.penalties",
		                        penalties_json(f->model));
	if (f->loss >= 0)
		bad |= bad || set_new(meta, "nnsh.loss", json_string(
		       nn_loss_name((nn_loss_kind)f->loss)));
	if (f->has_optim)
		bad |= bad || meta_json(meta, "nnsh.optim",
		                        optim_json(&f->optim, f->state));
	bad |= bad || meta_json(meta, "nnsh.schedule",
	                        schedule_json(&f->schedule));
	bad |= bad || meta_json(meta, "nnsh.targets", json_pack("[f, f]",
	                        f->target_lo, f->target_hi));
	if (f->state) {
		bad |= bad || set_new(meta, "nnsh.state", json_string("1"));
		bad |= bad || set_new(meta, "nnsh.history", json_string(
		       "epoch,iter,loss,acc,val_loss,val_acc,lr,seconds,"
		       "samples_per_s"));
	}
	if (f->vocab.n)
		bad |= bad || meta_json(meta, "nnsh.vocab",
		                        vocab_json(&f->vocab));
	if (f->state && f->run.perm)
		bad |= bad || meta_json(meta, "nnsh.run", run_json(&f->run));
	if (f->state && f->gan)
		bad |= bad || meta_json(meta, "nnsh.gan", gan_json(f));
	if (f->state && f->has_optim && f->optim.full)
		bad |= bad || meta_json(meta, "nnsh.optim_state",
		                        full_json(f->optim.full));
	if (bad) {
		json_decref(meta);
		nn_fail("out of memory for the file header");
		return NULL;
	}
	return meta;
}

/* Whether a point of h has a whole-sequence accuracy. */
static int has_seq_acc(const nn_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		if (!isnan(h->p[i].seq_acc) || !isnan(h->p[i].val_seq_acc))
			return 1;
	return 0;
}

/* The history as rows of HIST_COLS doubles, then its whole-sequence
 * accuracies as rows of HIST_SEQ_COLS ("history.seq"). */
static double *history_rows(const nn_history *h)
{
	size_t rows = h->n ? h->n : 1;
	double *v = malloc(rows * (HIST_COLS + HIST_SEQ_COLS) * sizeof *v);

	for (size_t i = 0; v && i < h->n; i++) {
		const nn_metrics *p = &h->p[i];
		double *r = v + i * HIST_COLS;
		double *q = v + h->n * HIST_COLS + i * HIST_SEQ_COLS;

		r[0] = p->epoch;
		r[1] = (double)p->iter;
		r[2] = p->loss;
		r[3] = p->acc;
		r[4] = p->val_loss;
		r[5] = p->val_acc;
		r[6] = p->lr;
		r[7] = p->seconds;
		r[8] = p->samples_per_s;
		q[0] = p->seq_acc;
		q[1] = p->val_seq_acc;
	}
	if (!v)
		nn_fail("out of memory");
	return v;
}

/* The GAN run's points as rows of GAN_COLS doubles. */
static double *gan_rows(const nn_gan *s)
{
	double *v = malloc((s->npts ? s->npts : 1) * GAN_COLS * sizeof *v);

	for (size_t i = 0; v && i < s->npts; i++) {
		const nn_gan_point *p = &s->pts[i];
		double *r = v + i * GAN_COLS;

		r[0] = p->epoch;
		r[1] = (double)p->iter;
		r[2] = p->d_loss;
		r[3] = p->g_loss;
		r[4] = p->d_real;
		r[5] = p->d_fake;
		r[6] = p->seconds;
	}
	if (!v)
		nn_fail("out of memory");
	return v;
}

/* A full-batch method's arrays that outlive an iteration: the direction
 * and last gradient, L-BFGS's pairs, BFGS's inverse Hessian estimate. */
static int full_tensors(tensor_list *l, const nn_full *f)
{
	size_t pairs = (size_t)f->cap * f->n;

	if (!add_tensor(l, "optim.full.d", DT_F32, f->d, f->n) ||
	    !add_tensor(l, "optim.full.gprev", DT_F32, f->gprev, f->n) ||
	    (f->cap > 0 &&
	     (!add_tensor(l, "optim.full.S", DT_F32, f->S, pairs) ||
	      !add_tensor(l, "optim.full.Y", DT_F32, f->Y, pairs) ||
	      !add_tensor(l, "optim.full.rho", DT_F64, f->rho,
	                  (size_t)f->cap))) ||
	    (f->H && !add_tensor(l, "optim.full.H", DT_F64, f->H,
	                         f->n * f->n)))
		return -1;
	return 0;
}

/* List the tensors of f: the 8-byte ones first, so that every tensor is
 * aligned to its size (the data starts at a multiple of 8). hist, gpts
 * and stats hold the rows of the history, of the GAN run's points and of
 * the per-layer statistics (nstats values). */
static int list_tensors(const nn_file *f, tensor_list *l, double *hist,
                        double *gpts, double *stats, size_t nstats)
{
	const nn_model *m = f->model;
	out_tensor *t;

	if (f->state && f->hist.stats) {
		if (!(t = add_tensor(l, "stats", DT_F64, stats,
		                     nstats * NN_STATS_COLS)))
			return -1;
		t->ndim = 2;
		t->shape[0] = nstats;
		t->shape[1] = NN_STATS_COLS;
		if (!add_tensor(l, "stats.every", DT_I64,
		                &f->hist.stats->every, 1))
			return -1;
	}
	if (f->state) {
		if (!(t = add_tensor(l, "history", DT_F64, hist,
		                     f->hist.n * HIST_COLS)))
			return -1;
		t->ndim = 2;
		t->shape[0] = f->hist.n;
		t->shape[1] = HIST_COLS;
		if (has_seq_acc(&f->hist)) {
			if (!(t = add_tensor(l, "history.seq", DT_F64,
			                     hist + f->hist.n * HIST_COLS,
			                     f->hist.n * HIST_SEQ_COLS)))
				return -1;
			t->ndim = 2;
			t->shape[0] = f->hist.n;
			t->shape[1] = HIST_SEQ_COLS;
		}
		if (f->run.perm && !add_tensor(l, "run.perm", DT_I64,
		                               f->run.perm, f->run.n))
			return -1;
		if (f->gan) {
			if (!add_tensor(l, "gan.perm", DT_I64, f->gan->perm,
			                f->gan->n) ||
			    !(t = add_tensor(l, "gan.points", DT_F64, gpts,
			                     f->gan->npts * GAN_COLS)))
				return -1;
			t->ndim = 2;
			t->shape[0] = f->gan->npts;
			t->shape[1] = GAN_COLS;
		}
	}
	for (size_t i = 0; i < nn_model_layers(m); i++)
		for (int k = 0; k < nn_model_layer_nparams(m, i); k++) {
			nn_param p;
			char name[32];

			nn_model_param(m, i, k, &p);
			if (p.tied)
				continue;       /* saved with its owner */
			snprintf(name, sizeof name, "%zu.%s", i + 1, p.name);
			if (!(t = add_tensor(l, name, DT_F32, p.value, p.size)))
				return -1;
			t->ndim = p.shape.ndim;
			for (int d = 0; d < p.shape.ndim; d++)
				t->shape[d] = (size_t)p.shape.dim[d];
		}
	if (!f->state)
		return 0;
	if ((f->optim.m && !add_tensor(l, "optim.m", DT_F32, f->optim.m,
	                               f->optim.nstate)) ||
	    (f->optim.v && !add_tensor(l, "optim.v", DT_F32, f->optim.v,
	                               f->optim.nstate)))
		return -1;
	if (f->run.best && !add_tensor(l, "run.best", DT_F32, f->run.best,
	                               f->run.nbest))
		return -1;
	return f->has_optim && f->optim.full ? full_tensors(l, f->optim.full)
	                                     : 0;
}

/* The header text, padded with blanks to a multiple of 8 bytes. */
static char *header_text(const nn_file *f, const tensor_list *l,
                         size_t *len)
{
	json_t *root, *meta = metadata(f);
	size_t off = 0, n;
	char *text, *padded;
	int bad = 0;

	if (!meta)
		return NULL;
	root = json_object();
	if (!root || json_object_set_new(root, "__metadata__", meta) < 0) {
		json_decref(root);
		nn_fail("out of memory for the file header");
		return NULL;
	}
	for (size_t i = 0; !bad && i < l->n; i++) {
		const out_tensor *t = &l->v[i];
		size_t bytes = t->count * dtype_size[t->type];
		json_t *shape = json_array(), *e;

		for (int d = 0; shape && d < t->ndim; d++)
			bad |= json_array_append_new(shape, json_integer(
			       (json_int_t)t->shape[d]));
		e = json_pack("{s:s, s:o, s:[I, I]}", "dtype",
		              dtype_names[t->type], "shape", shape,
		              "data_offsets", (json_int_t)off,
		              (json_int_t)(off + bytes));
		bad |= set_new(root, t->name, e);
		off += bytes;
	}
	text = bad ? NULL : json_dumps(root, JSON_COMPACT |
	                                      JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text) {
		nn_fail("out of memory for the file header");
		return NULL;
	}
	n = strlen(text);
	*len = (n + 7) / 8 * 8;
	padded = realloc(text, *len + 1);
	if (!padded) {
		free(text);
		nn_fail("out of memory for the file header");
		return NULL;
	}
	memset(padded + n, ' ', *len - n);
	padded[*len] = '\0';
	return padded;
}

/* ---- where to write ---------------------------------------------------- */

/* When this process started, near enough: temporaries of the old pattern
 * (no process id in the name) older than that are left by a dead save. */
static time_t process_start;

__attribute__((constructor)) static void note_start(void)
{
	process_start = time(NULL);
}

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISCHR(m) ? "a character device"
	       : S_ISBLK(m) ? "a block device" : S_ISFIFO(m) ? "a FIFO"
	       : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* The file a save to path replaces: path, or when path is a symbolic
 * link the file at the end of its links (the links stay). Anything but
 * a regular file or a new name is refused. A new string, or NULL. */
static char *save_target(const char *path)
{
	struct stat st;
	char *target;

	if (lstat(path, &st) != 0) {
		if (errno != ENOENT) {
			nn_fail("cannot save to %s: %s", path, strerror(errno));
			return NULL;
		}
		target = strdup(path);
	} else if (S_ISLNK(st.st_mode)) {
		if (!(target = realpath(path, NULL)) ||
		    stat(target, &st) != 0) {
			nn_fail("%s is a symbolic link to %s: not followed",
			        path, errno == ENOENT ? "a missing file"
			                              : strerror(errno));
			free(target);
			return NULL;
		}
	} else {
		target = strdup(path);
	}
	if (!target) {
		nn_fail("out of memory");
		return NULL;
	}
	if (lstat(target, &st) == 0 && !S_ISREG(st.st_mode)) {
		nn_fail("%s is %s: nnsh saves only to regular files", path,
		        file_kind(st.st_mode));
		free(target);
		return NULL;
	}
	return target;
}

/* The directory part of path ("." when it has none), in a new string. */
static char *dir_of(const char *path)
{
	char *dir = strdup(path), *slash;

	if (!dir)
		return NULL;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return dir;
}

/* Whether name, after the prefix "TARGET.tmp-", is a temporary a save
 * that died left: "PID-XXXXXX" of a process that no longer runs, or the
 * old pattern "XXXXXX" last written before this process started. */
static int stale(const char *rest, const struct stat *st)
{
	char *end;
	long pid;
	size_t n = strlen(rest);

	if (n == 6 && strspn(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	                     "opqrstuvwxyz0123456789") == 6)
		return st->st_mtime < process_start;
	if (!isdigit((unsigned char)rest[0]))
		return 0;
	errno = 0;
	pid = strtol(rest, &end, 10);
	if (errno || pid <= 0 || pid != (pid_t)pid || *end != '-' ||
	    strlen(end + 1) != 6 || pid == (long)getpid())
		return 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Remove the temporaries that saves of target killed part-way left
 * beside it: regular files of this user named TARGET.tmp-PID-XXXXXX
 * whose process is gone (see stale). Nothing else is touched. */
static void remove_stale(const char *target)
{
	char *dir = dir_of(target), *prefix;
	const char *base = strrchr(target, '/') ? strrchr(target, '/') + 1
	                                        : target;
	size_t plen = strlen(base) + 5;
	struct dirent *e;
	DIR *d;

	prefix = malloc(plen + 1);
	if (!dir || !prefix || !(d = opendir(dir))) {
		free(dir);
		free(prefix);
		return;
	}
	sprintf(prefix, "%s.tmp-", base);
	while ((e = readdir(d))) {
		struct stat st;

		if (strncmp(e->d_name, prefix, plen) == 0 &&
		    fstatat(dirfd(d), e->d_name, &st,
		            AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		    stale(e->d_name + plen, &st))
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
	free(dir);
	free(prefix);
}

/* Make the rename of a file in the directory of path durable. */
static void sync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd;

	if (!dir)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int nn_save(const char *path, const nn_file *f)
{
	tensor_list l = { 0 };
	double *hist = NULL, *gpts = NULL, *stats = NULL;
	size_t nstats = 0;
	char *head = NULL, *tmp = NULL, *target;
	unsigned char len8[8];
	size_t hlen = 0;
	writer w = { 0 };
	int fd = -1, rc = -1;

	if (nn_model_layers(f->model) > NN_FILE_MAX_LAYERS)
		return nn_fail("%zu layers, more than the %d a model file may "
		               "have", nn_model_layers(f->model),
		               NN_FILE_MAX_LAYERS);
	if (!(target = save_target(path)))
		return -1;
	if (f->state && (!(hist = history_rows(&f->hist)) ||
	                 !(stats = nn_stats_rows(&f->hist, f->model,
	                                         &nstats))))
		goto out;
	if (f->state && f->gan && !(gpts = gan_rows(f->gan)))
		goto out;
	if (list_tensors(f, &l, hist, gpts, stats, nstats) < 0 ||
	    !(head = header_text(f, &l, &hlen)))
		goto out;
	remove_stale(target);
	tmp = malloc(strlen(target) + 40);
	if (!tmp) {
		nn_fail("out of memory");
		goto out;
	}
	sprintf(tmp, "%s.tmp-%ld-XXXXXX", target, (long)getpid());
	fd = mkstemp(tmp);
	if (fd < 0) {
		nn_fail("cannot write beside %s: %s", path, strerror(errno));
		goto out;
	}
	fchmod(fd, 0644);
	if (!(w.f = fdopen(fd, "wb"))) {
		close(fd);
		nn_fail("cannot write %s: %s", tmp, strerror(errno));
		goto remove;
	}
	put_u64(len8, hlen);
	if (put(&w, len8, 8) < 0 || put(&w, head, hlen) < 0)
		goto failed;
	for (size_t i = 0; i < l.n; i++)
		if (put_tensor(&w, &l.v[i]) < 0)
			goto failed;
	if (fflush(w.f) != 0 || fsync(fileno(w.f)) != 0)
		goto failed;
	if (fclose(w.f) != 0) {
		w.f = NULL;
		goto failed;
	}
	w.f = NULL;
	if (rename(tmp, target) != 0) {
		nn_fail("cannot rename %s to %s: %s", tmp, target,
		        strerror(errno));
		goto remove;
	}
	sync_dir(target);
	rc = 0;
	goto out;
failed:
	if (w.crashed) {
		fflush(w.f);
		fclose(w.f);
		nn_fail("simulated crash after %ld bytes", nn_save_crash_after);
		goto out;       /* a killed process leaves its temporary */
	}
	nn_fail("cannot write %s: %s", path, strerror(errno));
	if (w.f)
		fclose(w.f);
remove:
	unlink(tmp);
out:
	free(target);
	free(hist);
	free(gpts);
	free(stats);
	free(l.v);
	free(head);
	free(tmp);
	return rc;
}
