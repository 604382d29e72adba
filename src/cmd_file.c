/* cmd_file.c - keeping what training made: save and load model files
 * (safetensors, optionally with the whole training state), the history as
 * a table or CSV (cmd_figure.c draws its curves). Every file is written
 * beside its final name and renamed into place, so a crash never leaves
 * half of one. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handlers.h"
#include "ranks.h"

FILE *sh_open_atomic(sh_session *S, const char *what, const char *path,
                         char **tmp)
{
	FILE *f;

	if (!sh_rank_writes()) {        /* rank 0 writes it */
		*tmp = NULL;
		if (!(f = fopen("/dev/null", "w")))
			sh_err(S, "%s: /dev/null: %s", what, strerror(errno));
		return f;
	}
	*tmp = malloc(strlen(path) + 5);
	if (!*tmp) {
		sh_err(S, "out of memory");
		return NULL;
	}
	sprintf(*tmp, "%s.tmp", path);
	if (!(f = fopen(*tmp, "w"))) {
		sh_err(S, "%s: %s: %s", what, path, strerror(errno));
		free(*tmp);
	}
	return f;
}

int sh_close_atomic(sh_session *S, const char *what, const char *path,
                        FILE *f, char *tmp)
{
	int fail, e;

	if (!tmp) {                     /* another rank's, not written */
		fclose(f);
		return 0;
	}
	fail = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;

	fail |= fclose(f) != 0;
	if (!fail && rename(tmp, path) == 0) {
		free(tmp);
		return 0;
	}
	e = errno;
	unlink(tmp);
	free(tmp);
	return sh_err(S, "%s: %s: %s", what, path, strerror(e));
}

int cmd_save(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_pos(l, 0)->text);
	const char *path = sh_pos(l, 1)->text;
	const sh_arg *flag = sh_pos(l, 2);
	int state = 0;

	if (!sm)
		return -1;
	if (flag && !(state = strcmp(flag->text, "state") == 0))
		return sh_err(S, "save: unexpected '%s' (state?)", flag->text);
	if (sh_save_model(S, sm, path, state) < 0)
		return -1;
	free(sm->saved_path);
	sm->saved_path = strdup(path);
	sh_printf(S, "saved %s to %s: %zu parameters%s\n", sm->name, path,
	          nn_model_param_count(sm->m),
	          state ? ", optimizer state, history and run" : "");
	return 0;
}

/* The name a loaded model takes: `as NAME`, the name saved in the file,
 * or the file's base name without its extension. */
static int load_name(sh_session *S, const sh_line *l, const nn_file *f,
                     char *name, size_t len)
{
	const char *path = sh_pos(l, 0)->text, *base, *dot;

	if (sh_npos(l) == 3) {
		if (strcmp(sh_pos(l, 1)->text, "as") != 0)
			return sh_err(S, "usage: load FILE [as NAME]");
		snprintf(name, len, "%s", sh_pos(l, 2)->text);
	} else if (sh_npos(l) == 2) {
		return sh_err(S, "usage: load FILE [as NAME]");
	} else if (f->name[0]) {
		snprintf(name, len, "%s", f->name);
	} else {
		base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		dot = strchr(base, '.');
		snprintf(name, len, "%.*s", dot ? (int)(dot - base)
		                                : (int)strlen(base), base);
	}
	if (!sh_valid_name(name, 0))
		return sh_err(S, "load: '%s' is not a model name: load FILE as "
		              "NAME", name);
	if (sh_find_data(S, name))
		return sh_err(S, "load: '%s' is a dataset: load FILE as NAME",
		              name);
	return 0;
}

/* load FILE into MODEL [map=FILE|auto]: weights only, by order and
 * shape or through a map, with a table of where each tensor went. */
static int load_into(sh_session *S, const sh_line *l)
{
	const char *path = sh_pos(l, 0)->text, *map = sh_opt(l, "map");
	sh_model *sm = sh_model_arg(S, sh_pos(l, 2)->text);
	nn_weight_row *rows;
	size_t n, used = 0;
	int w = 6;

	if (!sm)
		return -1;
	if (sm->hop)
		return sh_err(S, "load: %s is a Hopfield network: its weights "
		              "come from store", sm->name);
	if (nn_load_weights(sm->m, path, map, sm->name, &rows, &n) < 0)
		return sh_err(S, "load: %s", nn_error());
	for (size_t i = 0; i < n; i++) {
		if ((int)strlen(rows[i].tensor) > w)
			w = (int)strlen(rows[i].tensor);
		used += rows[i].node >= 0;
	}
	sh_printf(S, "loaded %zu of %zu tensors from %s into %s:\n", used, n,
	          path, sm->name);
	sh_printf(S, "  %-*s  %-12s  %s\n", w, "tensor", "shape",
	          "parameter");
	for (size_t i = 0; i < n; i++) {
		nn_layer_info info;
		nn_param p;
		char where[96];

		if (rows[i].node < 0) {
			snprintf(where, sizeof where, "(not used)");
		} else {
			nn_model_param(sm->m, (size_t)rows[i].node,
			               rows[i].param, &p);
			nn_model_layer_info(sm->m, (size_t)rows[i].node, &info);
			snprintf(where, sizeof where, "%d.%s  (%s)",
			         rows[i].node + 1, p.name, info.desc);
		}
		sh_printf(S, "  %-*s  %-12s  %s\n", w, rows[i].tensor,
		          rows[i].shape, where);
	}
	nn_weight_rows_free(rows, n);
	return 0;
}

/* The GAN run in f becomes the loaded model sm's (f keeps nothing). */
static int load_gan(sh_session *S, sh_model *sm, nn_file *f)
{
	sh_gan *gan = calloc(1, sizeof *gan);

	if (!gan) {
		nn_file_free(f);
		return sh_err(S, "out of memory");
	}
	gan->run = *f->gan;
	memset(f->gan, 0, sizeof *f->gan);
	memcpy(gan->disc, f->gan_disc, sizeof gan->disc);
	memcpy(gan->data, f->gan_data, sizeof gan->data);
	gan->shape = f->gan_shape;
	if (sm->gan)
		nn_gan_free(&sm->gan->run);
	free(sm->gan);
	sm->gan = gan;
	return 0;
}

int cmd_load(sh_session *S, const sh_line *l)
{
	const char *path = sh_pos(l, 0)->text;
	nn_file f;
	sh_model *sm;
	char name[64];

	if (sh_npos(l) == 3 && strcmp(sh_pos(l, 1)->text, "into") == 0)
		return load_into(S, l);
	if (sh_opt(l, "map"))
		return sh_err(S, "load: map= goes with 'load FILE into MODEL'");
	if (sh_npos(l) != 1 && strcmp(sh_pos(l, 1)->text, "as") != 0)
		return sh_err(S, "usage: load FILE [as NAME] | load FILE into "
		              "MODEL [map=FILE|auto]");
	if (nn_load(path, &f) < 0)
		return sh_err(S, "load: %s", nn_error());
	if (load_name(S, l, &f, name, sizeof name) < 0) {
		nn_file_free(&f);
		return -1;
	}
	if (!(sm = sh_put_model(S, name, f.model))) {
		f.model = NULL;
		nn_file_free(&f);
		return sh_err(S, "out of memory");
	}
	f.model = NULL;
	sm->loss = f.loss >= 0 ? (nn_loss_kind)f.loss : NN_LOSS_MSE;
	sm->loss_set = f.loss >= 0;
	if (f.has_optim) {
		sm->opt = f.optim;
		sm->opt_set = 1;
		memset(&f.optim, 0, sizeof f.optim);
	}
	sm->sched = f.schedule;
	sm->target_lo = f.target_lo;
	sm->target_hi = f.target_hi;
	sm->hist = f.hist;
	memset(&f.hist, 0, sizeof f.hist);
	sm->run = f.run;
	memset(&f.run, 0, sizeof f.run);
	sm->vocab = f.vocab;
	memset(&f.vocab, 0, sizeof f.vocab);
	if (f.gan && load_gan(S, sm, &f) < 0)
		return -1;
	if (sh_valid_name(f.disc_of, 0) && sh_valid_name(f.disc_data, 1)) {
		memcpy(sm->disc_of, f.disc_of, sizeof sm->disc_of);
		memcpy(sm->disc_data, f.disc_data, sizeof sm->disc_data);
	}
	nn_file_free(&f);
	S->cur = sm;
	sh_printf(S, "loaded %s from %s: %zu layers, %zu parameters", name,
	          path, nn_model_layers(sm->m), nn_model_param_count(sm->m));
	if (sm->run.active)
		sh_printf(S, "; a stopped run at iteration %ld of %ld "
		          "(epoch %d of %d)", sm->run.iter, sm->run.iters,
		          sm->run.epoch, sm->run.epochs);
	if (sm->gan)
		sh_printf(S, "; the generator of a GAN run against %s on %s, "
		          "%s at iteration %ld of %ld", sm->gan->disc,
		          sm->gan->data, sm->gan->run.active ? "stopped"
		                                             : "ended",
		          sm->gan->run.iter, sm->gan->run.iters);
	if (sm->disc_of[0])
		sh_printf(S, "; the discriminator of %s's GAN run on %s",
		          sm->disc_of, sm->disc_data);
	sh_printf(S, "\n");
	return 0;
}

/* ---- history ----------------------------------------------------------- */

static void csv_num(FILE *f, double v)
{
	if (isnan(v))
		fputc(',', f);
	else
		fprintf(f, ",%.9g", v);
}

/* Whether a history has whole-sequence accuracies (data labelled per
 * position): its table and file then have their columns. */
static int has_seqs(const nn_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		if (isfinite(h->p[i].seq_acc) || isfinite(h->p[i].val_seq_acc))
			return 1;
	return 0;
}

static int export_history(sh_session *S, const sh_model *sm,
                          const char *path)
{
	char *tmp;
	FILE *f = sh_open_atomic(S, "history export", path, &tmp);
	int seqs = has_seqs(&sm->hist);

	if (!f)
		return -1;
	fprintf(f, "point,epoch,iter,loss,acc,val_loss,val_acc,lr,seconds,"
	        "samples_per_s%s\n", seqs ? ",seq_acc,val_seq_acc" : "");
	for (size_t i = 0; i < sm->hist.n; i++) {
		const nn_metrics *p = &sm->hist.p[i];

		fprintf(f, "%zu,%d,%ld", i + 1, p->epoch, p->iter);
		csv_num(f, p->loss);
		csv_num(f, p->acc);
		csv_num(f, p->val_loss);
		csv_num(f, p->val_acc);
		csv_num(f, p->lr);
		csv_num(f, S->timing ? p->seconds : 0);
		csv_num(f, S->timing ? p->samples_per_s : 0);
		if (seqs) {
			csv_num(f, p->seq_acc);
			csv_num(f, p->val_seq_acc);
		}
		fputc('\n', f);
	}
	if (sh_close_atomic(S, "history export", path, f, tmp) < 0)
		return -1;
	sh_printf(S, "wrote %zu points of %s to %s\n", sm->hist.n, sm->name,
	          path);
	return 0;
}

int cmd_history(sh_session *S, const sh_line *l)
{
	int n = sh_npos(l), ex = n >= 2 &&
	        strcmp(sh_pos(l, n - 2)->text, "export") == 0;
	int st = n > (ex ? 2 : 0) &&
	         strcmp(sh_pos(l, n - (ex ? 3 : 1))->text, "stats") == 0;
	const sh_arg *name = n == (ex ? 3 : 1) + st ? sh_pos(l, 0) : NULL;
	sh_model *sm;
	char v[6][32];
	int full, seqs;

	if (n != (name ? 1 : 0) + (ex ? 2 : 0) + st)
		return sh_err(S, "usage: history [MODEL] [stats [layer=N]] "
		              "[export FILE.csv]");
	if (!(sm = sh_model_arg(S, name ? name->text : NULL)))
		return -1;
	if (st)
		return sh_history_stats(S, sm, l,
		                        ex ? sh_pos(l, n - 1)->text : NULL);
	if (sh_opt(l, "layer"))
		return sh_err(S, "history: layer= is for history stats");
	full = nn_optim_full_batch(sm->opt.kind);
	seqs = has_seqs(&sm->hist);
	if (ex)
		return export_history(S, sm, sh_pos(l, n - 1)->text);
	if (sm->hist.n == 0) {
		sh_printf(S, "%s has not been trained yet\n", sm->name);
		return 0;
	}
	sh_printf(S, "%5s %6s %8s %9s %9s %9s %9s %10s", "point", "epoch",
	          "iter", "loss", "acc", "val_loss", "val_acc", "lr");
	if (seqs)
		sh_printf(S, " %9s %9s", "seq_acc", "val_seq");
	if (full)
		sh_printf(S, " %6s %9s", "evals", "mu");
	sh_printf(S, "%s\n", S->timing ? "  seconds" : "");
	for (size_t i = 0; i < sm->hist.n; i++) {
		const nn_metrics *p = &sm->hist.p[i];

		sh_printf(S, "%5zu %6d %8ld %9s %9s %9s %9s %10.4g", i + 1,
		          p->epoch, p->iter, sh_num(p->loss, v[0], 32),
		          sh_num(p->acc, v[1], 32),
		          sh_num(p->val_loss, v[2], 32),
		          sh_num(p->val_acc, v[3], 32), p->lr);
		if (seqs)
			sh_printf(S, " %9s %9s", sh_num(p->seq_acc, v[4], 32),
			          sh_num(p->val_seq_acc, v[5], 32));
		if (full)
			sh_printf(S, " %6ld %9.3g", p->evals, p->mu);
		if (S->timing)
			sh_printf(S, " %8.2f", p->seconds);
		sh_printf(S, "\n");
	}
	return 0;
}
