/* session.c - the live session: named models and datasets, the random
 * numbers, where output goes, and the message of a failing command. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canvas.h"
#include "shell.h"

sh_session *sh_session_new(FILE *out)
{
	sh_session *S = calloc(1, sizeof *S);

	if (!S)
		return NULL;
	S->out = out;
	S->timing = 1;
	sh_session_seed(S, 1);
	return S;
}

void sh_train_reset(sh_model *sm)
{
	nn_run_free(&sm->run);
	free(sm->ckpt_path);
	free(sm->best_path);
	free(sm->saved_path);
	sm->saved_path = NULL;
	memset(&sm->sched, 0, sizeof sm->sched);
	sm->target_lo = sm->target_hi = 0;
	sm->ckpt_path = sm->best_path = NULL;
	sm->ckpt_every = 0;
	if (sm->gan)
		nn_gan_free(&sm->gan->run);
	free(sm->gan);
	sm->gan = NULL;
	sm->disc_of[0] = sm->disc_data[0] = '\0';
}

void sh_runs_clear(sh_session *S)
{
	for (size_t i = 0; i < S->nruns; i++) {
		free(S->runs[i].model);
		free(S->runs[i].arch);
		free(S->runs[i].optim);
		free(S->runs[i].data);
	}
	free(S->runs);
	S->runs = NULL;
	S->nruns = 0;
}

static void free_model(sh_model *sm)
{
	if (!sm)
		return;
	free(sm->name);
	nn_model_free(sm->m);
	nn_hopfield_free(sm->hop);
	nn_optim_reset(&sm->opt);
	nn_history_free(&sm->hist);
	sh_train_reset(sm);
	nn_vocab_free(&sm->vocab);
	free(sm);
}

static void free_data(sh_data *sd)
{
	if (!sd)
		return;
	free(sd->name);
	nn_dataset_free(sd->d);
	free(sd);
}

void sh_remove(sh_session *S, const char *name)
{
	for (size_t i = 0; i < S->nmodels; i++)
		if (strcmp(S->models[i]->name, name) == 0) {
			if (S->cur == S->models[i])
				S->cur = NULL;
			free_model(S->models[i]);
			memmove(S->models + i, S->models + i + 1,
			        (--S->nmodels - i) * sizeof *S->models);
			return;
		}
	for (size_t i = 0; i < S->ndata; i++)
		if (strcmp(S->data[i]->name, name) == 0) {
			free_data(S->data[i]);
			memmove(S->data + i, S->data + i + 1,
			        (--S->ndata - i) * sizeof *S->data);
			return;
		}
}

void sh_session_clear(sh_session *S)
{
	for (size_t i = 0; i < S->nmodels; i++)
		free_model(S->models[i]);
	for (size_t i = 0; i < S->ndata; i++)
		free_data(S->data[i]);
	for (size_t i = 0; i < S->nvars; i++) {
		free(S->vars[i].name);
		free(S->vars[i].value);
	}
	free(S->models);
	free(S->data);
	free(S->vars);
	S->models = NULL;
	S->data = NULL;
	S->vars = NULL;
	S->nmodels = S->ndata = S->nvars = 0;
	S->cur = NULL;
	sh_runs_clear(S);
}

void sh_session_free(sh_session *S)
{
	if (!S)
		return;
	sh_session_clear(S);
	free(S);
}

void sh_session_seed(sh_session *S, unsigned long long seed)
{
	S->seed = seed;
	nn_rng_seed(&S->rng, seed);
}

sh_model *sh_find_model(sh_session *S, const char *name)
{
	for (size_t i = 0; i < S->nmodels; i++)
		if (strcmp(S->models[i]->name, name) == 0)
			return S->models[i];
	return NULL;
}

sh_data *sh_find_data(sh_session *S, const char *name)
{
	for (size_t i = 0; i < S->ndata; i++)
		if (strcmp(S->data[i]->name, name) == 0)
			return S->data[i];
	return NULL;
}

/* Append p to the array *v of *n pointers. */
static int append(void ***v, size_t *n, void *p)
{
	void **nv = realloc(*v, (*n + 1) * sizeof *nv);

	if (!nv)
		return -1;
	nv[(*n)++] = p;
	*v = nv;
	return 0;
}

sh_model *sh_put_model(sh_session *S, const char *name, nn_model *m)
{
	sh_model *sm = sh_find_model(S, name);

	if (sm) {
		nn_model_free(sm->m);
		nn_hopfield_free(sm->hop);
		sm->hop = NULL;
		nn_optim_reset(&sm->opt);
		nn_history_free(&sm->hist);
		sh_train_reset(sm);
		nn_vocab_free(&sm->vocab);
		sm->m = m;
	} else {
		sm = calloc(1, sizeof *sm);
		if (!sm || !(sm->name = strdup(name)) ||
		    append((void ***)&S->models, &S->nmodels, sm) < 0) {
			if (sm)
				free(sm->name);
			free(sm);
			nn_model_free(m);
			return NULL;
		}
		sm->m = m;
	}
	sm->loss_set = 0;
	sm->red = NN_RED_MEAN;
	sm->deadzone = 0;
	sm->opt_set = 0;
	nn_optim_defaults(&sm->opt, NN_OPT_SGD);
	return sm;
}

sh_data *sh_put_data(sh_session *S, const char *name, nn_dataset *d)
{
	sh_data *sd = sh_find_data(S, name);

	if (sd) {
		nn_dataset_free(sd->d);
		sd->d = d;
		return sd;
	}
	sd = calloc(1, sizeof *sd);
	if (!sd || !(sd->name = strdup(name)) ||
	    append((void ***)&S->data, &S->ndata, sd) < 0) {
		if (sd)
			free(sd->name);
		free(sd);
		nn_dataset_free(d);
		return NULL;
	}
	sd->d = d;
	return sd;
}

int sh_valid_name(const char *name, int dots)
{
	if (!isalpha((unsigned char)name[0]) && name[0] != '_')
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' &&
		    !(dots && *p == '.' && p[1] != '\0' && p[1] != '.'))
			return 0;
	return strlen(name) < 64;
}

int sh_var_set(sh_session *S, const char *name, const char *value)
{
	char *v, *n;
	struct sh_var *vars;

	if (!sh_valid_name(name, 0))
		return sh_err(S, "'%s' is not a variable name (letters, digits "
		              "and _, starting with a letter)", name);
	if (!(v = strdup(value)))
		return sh_err(S, "out of memory");
	for (size_t i = 0; i < S->nvars; i++)
		if (strcmp(S->vars[i].name, name) == 0) {
			free(S->vars[i].value);
			S->vars[i].value = v;
			return 0;
		}
	n = strdup(name);
	vars = n ? realloc(S->vars, (S->nvars + 1) * sizeof *vars) : NULL;
	if (!vars) {
		free(n);
		free(v);
		return sh_err(S, "out of memory");
	}
	S->vars = vars;
	S->vars[S->nvars].name = n;
	S->vars[S->nvars++].value = v;
	return 0;
}

const char *sh_var_lookup(void *ud, const char *name)
{
	sh_session *S = ud;

	for (size_t i = 0; i < S->nvars; i++)
		if (strcmp(S->vars[i].name, name) == 0)
			return S->vars[i].value;
	return getenv(name);
}

int sh_err(sh_session *S, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(S->err, sizeof S->err, fmt, ap);
	va_end(ap);
	return -1;
}

void sh_printf(sh_session *S, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(S->out, fmt, ap);
	va_end(ap);
}

const char *sh_num(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (sh_precision() > 0)
		snprintf(buf, len, "%.*g", sh_precision(), v);
	else if (v == 0 || (fabs(v) >= 1e-3 && fabs(v) < 1e4))
		snprintf(buf, len, "%.4f", v);
	else
		snprintf(buf, len, "%.4g", v);
	return buf;
}

float sh_model_mid(const sh_model *sm)
{
	return nn_target_mid(sm->target_lo, sm->target_hi);
}

nn_loss_kind sh_model_loss(const sh_model *sm)
{
	nn_act act;

	if (sm->loss_set)
		return sm->loss;
	act = nn_model_output_act(sm->m);
	if (act == NN_ACT_SOFTMAX)
		return NN_LOSS_CE;
	if (act == NN_ACT_LOGSOFTMAX)
		return NN_LOSS_NLL;
	return NN_LOSS_MSE;
}

int sh_canvas_mode(sh_session *S)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if ((nc && *nc) || !term || strcmp(term, "dumb") == 0 ||
	    !isatty(fileno(S->out)))
		return 0;
	return CV_UNICODE | CV_COLOR;
}

int sh_term_width(void)
{
	const char *cols = getenv("COLUMNS");
	int w = cols ? atoi(cols) : 0;

	return w >= 20 && w <= 1000 ? w : 80;
}
