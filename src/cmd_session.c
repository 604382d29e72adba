/* cmd_session.c - session commands: seed, echo, quit, let, and the objects
 * of the session: ls, use, rm, rename, copy, reset (help lives beside the
 * command table in commands.c). */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

int cmd_seed(sh_session *S, const sh_line *l)
{
	long seed;

	if (sh_parse_long(S, "seed", sh_pos(l, 0)->text, 0, 0x7fffffffL,
	                  &seed) < 0)
		return -1;
	sh_session_seed(S, (unsigned long long)seed);
	return 0;
}

int cmd_precision(sh_session *S, const sh_line *l)
{
	const sh_arg *a = sh_pos(l, 0);
	long n;

	if (!a) {
		if (sh_precision())
			sh_printf(S, "precision %d significant digits\n",
			          sh_precision());
		else
			sh_printf(S, "precision auto (4 decimals, 3 significant "
			          "digits for small numbers)\n");
		return 0;
	}
	if (strcmp(a->text, "auto") == 0)
		n = 0;
	else if (sh_parse_long(S, "precision", a->text, 1, 9, &n) < 0)
		return -1;
	sh_set_precision((int)n);
	return 0;
}

int cmd_echo(sh_session *S, const sh_line *l)
{
	for (int i = 1; i < l->n; i++) {
		if (l->v[i].key)
			sh_printf(S, "%s%s=%s", i > 1 ? " " : "", l->v[i].key,
			          l->v[i].text);
		else
			sh_printf(S, "%s%s", i > 1 ? " " : "", l->v[i].text);
	}
	sh_printf(S, "\n");
	return 0;
}

int cmd_quit(sh_session *S, const sh_line *l)
{
	(void)l;
	S->quit = 1;
	return 0;
}

int cmd_let(sh_session *S, const sh_line *l)
{
	char value[4096] = "";
	size_t used = 0;

	if (sh_npos(l) == 0) {
		for (size_t i = 0; i < S->nvars; i++)
			sh_printf(S, "%s = %s\n", S->vars[i].name,
			          S->vars[i].value);
		return 0;
	}
	if (sh_npos(l) >= 3 && sh_pos(l, 1)->kind == SH_WORD &&
	    strcmp(sh_pos(l, 1)->text, "?=") == 0) {
		if (sh_var_lookup(S, sh_pos(l, 0)->text))
			return 0;
	} else if (sh_npos(l) < 3 || sh_pos(l, 1)->kind != SH_EQUALS)
		return sh_err(S, "usage: let NAME = VALUE | let NAME ?= VALUE");
	for (int i = 2; i < sh_npos(l); i++)
		used += (size_t)snprintf(value + used, sizeof value - used,
		                         "%s%s", i > 2 ? " " : "",
		                         sh_pos(l, i)->text);
	if (used >= sizeof value)
		return sh_err(S, "let: the value is too long");
	return sh_var_set(S, sh_pos(l, 0)->text, value);
}

int cmd_ls(sh_session *S, const sh_line *l)
{
	char a[32], b[32];

	(void)l;
	if (!S->nmodels && !S->ndata && !S->nvars) {
		sh_printf(S, "the session is empty\n");
		return 0;
	}
	if (S->nmodels)
		sh_printf(S, "models:\n");
	for (size_t i = 0; i < S->nmodels; i++) {
		sh_model *sm = S->models[i];

		sh_printf(S, " %c %-14s %s -> %s, %zu layers, %zu parameters, "
		          "%zu history points\n", sm == S->cur ? '*' : ' ',
		          sm->name,
		          nn_shape_str(nn_model_input_shape(sm->m), a, sizeof a),
		          nn_shape_str(nn_model_output_shape(sm->m), b,
		                       sizeof b),
		          nn_model_layers(sm->m), nn_model_param_count(sm->m),
		          sm->hist.n);
	}
	if (S->ndata)
		sh_printf(S, "datasets:\n");
	for (size_t i = 0; i < S->ndata; i++) {
		const nn_dataset *d = S->data[i]->d;

		sh_printf(S, "   %-14s %zu samples of %s, ", S->data[i]->name,
		          d->n, nn_shape_str(&d->xshape, a, sizeof a));
		if (d->nclasses > 0)
			sh_printf(S, "%d classes\n", d->nclasses);
		else
			sh_printf(S, "%zu target%s\n", d->ysize,
			          d->ysize == 1 ? "" : "s");
	}
	if (S->nvars)
		sh_printf(S, "variables:\n");
	for (size_t i = 0; i < S->nvars; i++)
		sh_printf(S, "   %-14s %s\n", S->vars[i].name,
		          S->vars[i].value);
	return 0;
}

int cmd_use(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_pos(l, 0)->text);

	if (!sm)
		return -1;
	S->cur = sm;
	return 0;
}

int cmd_rm(sh_session *S, const sh_line *l)
{
	/* every name is checked before anything is removed */
	for (int i = 0; i < sh_npos(l); i++) {
		const char *name = sh_pos(l, i)->text;

		if (!sh_find_model(S, name) && !sh_find_data(S, name))
			return sh_err(S, "rm: nothing named '%s'", name);
	}
	for (int i = 0; i < sh_npos(l); i++)
		sh_remove(S, sh_pos(l, i)->text);
	return 0;
}

int cmd_rename(sh_session *S, const sh_line *l)
{
	const char *from = sh_pos(l, 0)->text, *to = sh_pos(l, 1)->text;
	sh_model *sm = sh_find_model(S, from);
	sh_data *sd = sh_find_data(S, from);
	char *name;

	if (!sm && !sd)
		return sh_err(S, "rename: nothing named '%s'", from);
	if (!sh_valid_name(to, sd != NULL))
		return sh_err(S, "rename: '%s' is not a valid name", to);
	if (sh_find_model(S, to) || sh_find_data(S, to))
		return sh_err(S, "rename: '%s' already exists; rm it first",
		              to);
	if (!(name = strdup(to)))
		return sh_err(S, "out of memory");
	if (sm) {
		free(sm->name);
		sm->name = name;
	} else {
		free(sd->name);
		sd->name = name;
	}
	return 0;
}

int cmd_copy(sh_session *S, const sh_line *l)
{
	const char *from = sh_pos(l, 0)->text, *to = sh_pos(l, 1)->text;
	sh_model *src = sh_model_arg(S, from), *dst;
	nn_model *m;
	int existed;

	if (!src)
		return -1;
	if (!sh_valid_name(to, 0))
		return sh_err(S, "copy: '%s' is not a model name (letters, "
		              "digits and _)", to);
	if (sh_find_data(S, to))
		return sh_err(S, "copy: '%s' is a dataset", to);
	if (strcmp(from, to) == 0)
		return sh_err(S, "copy: give the copy a new name");
	existed = sh_find_model(S, to) != NULL;
	if (!(m = nn_model_copy(src->m)))
		return sh_err(S, "%s", nn_error());
	if (!(dst = sh_put_model(S, to, m)))
		return sh_err(S, "out of memory");
	dst->loss = src->loss;
	dst->loss_set = src->loss_set;
	dst->red = src->red;
	dst->deadzone = src->deadzone;
	dst->sched = src->sched;
	dst->target_lo = src->target_lo;
	dst->target_hi = src->target_hi;
	dst->opt = src->opt;
	dst->opt.m = dst->opt.v = NULL;
	dst->opt.full = NULL;
	dst->opt.nstate = 0;
	dst->opt.t = 0;
	dst->opt_set = src->opt_set;
	if (nn_vocab_set(&dst->vocab, src->vocab.tokens, src->vocab.n) < 0)
		return sh_err(S, "%s", nn_error());
	if (existed)
		sh_printf(S, "%s: replaced by a copy of %s\n", to, from);
	else if (S->cur && S->cur != dst)
		sh_printf(S, "%s: a copy of %s (%s stays the current model; "
		          "'use %s' works on the copy)\n", to, from,
		          S->cur->name, to);
	return 0;
}

int cmd_reset(sh_session *S, const sh_line *l)
{
	(void)l;
	sh_session_clear(S);
	return 0;
}
