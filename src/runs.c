/* runs.c - the table of every training run in the session: recorded at the
 * end of each `train`, printed by `runs`, written as CSV by
 * `runs export FILE.csv`, so a sweep ends in one comparable table. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handlers.h"
#include "ranks.h"

/* "784 > 200 sigmoid > 10 softmax": the input, then each layer briefly. */
static char *arch_string(const nn_model *m)
{
	char buf[1024], shape[32];
	size_t used;

	used = (size_t)snprintf(buf, sizeof buf, "%s",
	                        nn_shape_str(nn_model_input_shape(m), shape,
	                                     sizeof shape));
	for (size_t i = 0; i < nn_model_layers(m) && used < sizeof buf; i++) {
		nn_layer_info info;
		const char *d;

		nn_model_layer_info(m, i, &info);
		d = strncmp(info.desc, "dense ", 6) == 0 ? info.desc + 6
		                                          : info.desc;
		used += (size_t)snprintf(buf + used, sizeof buf - used,
		                         " > %s", d);
	}
	return strdup(buf);
}

static char *optim_string(const nn_optim *o)
{
	char buf[128];
	size_t used = (size_t)snprintf(buf, sizeof buf, "%s lr=%g",
	                               nn_optim_name(o->kind), o->lr);

	if (nn_optim_full_batch(o->kind))     /* no rate to speak of */
		return strdup(o->fr ? "cg fr" : nn_optim_name(o->kind));

	if (o->momentum != 0)
		used += (size_t)snprintf(buf + used, sizeof buf - used,
		                         " momentum=%g%s", o->momentum,
		                         o->nesterov ? " nesterov" : "");
	if (o->kind == NN_OPT_SDLM)
		used += (size_t)snprintf(buf + used, sizeof buf - used,
		                         " mu=%g", o->mu);
	if (o->weight_decay != 0)
		used += (size_t)snprintf(buf + used, sizeof buf - used,
		                         " weight_decay=%g", o->weight_decay);
	if (o->decay != 0 && used < sizeof buf)
		snprintf(buf + used, sizeof buf - used, " decay=%g", o->decay);
	return strdup(buf);
}

int sh_record_run(sh_session *S, const sh_model *sm, const char *data,
                  size_t batch, size_t first_point)
{
	struct sh_run_rec *r, *runs;
	const nn_metrics *last;

	static const nn_metrics none = { .loss = NAN, .acc = NAN,
	                                 .val_loss = NAN, .val_acc = NAN };

	if (sm->hist.n <= first_point && !sm->run.nan_iter)
		return 0;       /* stopped before its first batch */
	runs = realloc(S->runs, (S->nruns + 1) * sizeof *runs);
	if (!runs)
		return sh_err(S, "out of memory");
	S->runs = runs;
	r = &S->runs[S->nruns];
	memset(r, 0, sizeof *r);
	/* a run the NaN guard stopped in its first batch has no point */
	last = sm->hist.n > first_point ? &sm->hist.p[sm->hist.n - 1] : &none;
	r->model = strdup(sm->name);
	r->arch = arch_string(sm->m);
	r->optim = optim_string(&sm->opt);
	r->data = strdup(data);
	if (!r->model || !r->arch || !r->optim || !r->data) {
		free(r->model);
		free(r->arch);
		free(r->optim);
		free(r->data);
		return sh_err(S, "out of memory");
	}
	r->batch = batch;
	r->iters = last == &none ? 0 : last->iter - (first_point
	           ? sm->hist.p[first_point - 1].iter : 0);
	r->epochs = last->epoch;
	r->loss = last->loss;
	r->acc = last->acc;
	r->val_loss = last->val_loss;
	r->val_acc = last->val_acc;
	r->seconds = last->seconds;
	r->nan_iter = sm->run.nan_iter;
	r->stopped = !r->nan_iter && sm->run.active;
	S->nruns++;
	return 0;
}

/* How a run ended, for the table and the CSV file. */
static const char *run_status(const struct sh_run_rec *r)
{
	return r->nan_iter ? "NaN" : r->stopped ? "stopped" : "done";
}

/* ",value", or "," alone for a metric that was not measured (NaN). */
static void csv_num(FILE *f, double v)
{
	if (isnan(v))
		fputc(',', f);
	else
		fprintf(f, ",%.6g", v);
}

static int export_csv(sh_session *S, const char *path)
{
	char tmp[4096];
	FILE *f;
	int fail;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return sh_err(S, "runs export: file name too long");
	if (!sh_rank_writes())
		return 0;       /* rank 0 writes it */
	f = fopen(tmp, "w");
	if (!f)
		return sh_err(S, "runs export: %s: %s", path, strerror(errno));
	fprintf(f, "run,model,architecture,optimizer,data,batch,epochs,"
	        "iterations,loss,acc,val_loss,val_acc,seconds,status\n");
	for (size_t i = 0; i < S->nruns; i++) {
		const struct sh_run_rec *r = &S->runs[i];

		fprintf(f, "%zu,%s,\"%s\",\"%s\",%s,%zu,%d,%ld", i + 1,
		        r->model, r->arch, r->optim, r->data, r->batch,
		        r->epochs, r->iters);
		csv_num(f, r->loss);
		csv_num(f, r->acc);
		csv_num(f, r->val_loss);
		csv_num(f, r->val_acc);
		fprintf(f, ",%.3f,%s\n", S->timing ? r->seconds : 0.0,
		        run_status(r));
	}
	fail = fflush(f) != 0 || fsync(fileno(f)) != 0;
	fail |= fclose(f) != 0;
	if (fail || rename(tmp, path) != 0) {
		int e = errno;

		unlink(tmp);
		return sh_err(S, "runs export: %s: %s", path, strerror(e));
	}
	sh_printf(S, "wrote %zu runs to %s\n", S->nruns, path);
	return 0;
}

/* the widest architecture the table shows; longer ones end in ... (the
 * CSV of runs export keeps them whole) */
enum { RUNS_ARCH_MAX = 64 };

int cmd_runs(sh_session *S, const sh_line *l)
{
	size_t w = 12, mw = 5, ow = 9;
	char a[32], b[32], c[32], d[32];

	if (sh_npos(l) > 0) {
		if (strcmp(sh_pos(l, 0)->text, "export") != 0 ||
		    sh_npos(l) != 2)
			return sh_err(S, "usage: runs [export FILE.csv]");
		return export_csv(S, sh_pos(l, 1)->text);
	}
	if (S->nruns == 0) {
		sh_printf(S, "no training runs yet\n");
		return 0;
	}
	for (size_t i = 0; i < S->nruns; i++) {
		if (strlen(S->runs[i].arch) > w)
			w = strlen(S->runs[i].arch);
		if (strlen(S->runs[i].model) > mw)
			mw = strlen(S->runs[i].model);
		if (strlen(S->runs[i].optim) > ow)
			ow = strlen(S->runs[i].optim);
	}
	if (w > RUNS_ARCH_MAX)
		w = RUNS_ARCH_MAX;
	sh_printf(S, "%3s  %-*s %-*s %-*s %6s %6s %9s %9s %9s %9s%s\n", "#",
	          (int)mw, "model", (int)w, "architecture", (int)ow,
	          "optimizer", "batch", "epochs", "loss", "acc", "val_loss",
	          "val_acc", S->timing ? "     time" : "");
	for (size_t i = 0; i < S->nruns; i++) {
		const struct sh_run_rec *r = &S->runs[i];
		int cut = strlen(r->arch) > w;

		sh_printf(S, "%3zu  %-*s %-*.*s%s %-*s %6zu %6d %9s %9s %9s "
		          "%9s", i + 1, (int)mw, r->model, cut ? (int)w - 3 :
		          (int)w, cut ? (int)w - 3 : (int)w, r->arch,
		          cut ? "..." : "", (int)ow, r->optim, r->batch,
		          r->epochs, sh_num(r->loss, a, sizeof a),
		          sh_num(r->acc, b, sizeof b),
		          sh_num(r->val_loss, c, sizeof c),
		          sh_num(r->val_acc, d, sizeof d));
		if (S->timing)
			sh_printf(S, " %7.2fs", r->seconds);
		if (r->nan_iter)
			sh_printf(S, "  NaN at iteration %ld", r->nan_iter);
		else if (r->stopped)
			sh_printf(S, "  stopped");
		sh_printf(S, "\n");
	}
	return 0;
}
