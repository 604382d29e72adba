/* args.c - reading a command's arguments: positional words, key=value
 * options with range checks, flags, and names of session objects. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

int sh_npos(const sh_line *l)
{
	int n = 0;

	for (int i = 1; i < l->n; i++)
		n += l->v[i].key == NULL;
	return n;
}

const sh_arg *sh_pos(const sh_line *l, int k)
{
	for (int i = 1; i < l->n; i++)
		if (!l->v[i].key && k-- == 0)
			return &l->v[i];
	return NULL;
}

const char *sh_opt(const sh_line *l, const char *key)
{
	for (int i = 1; i < l->n; i++)
		if (l->v[i].key && strcmp(l->v[i].key, key) == 0)
			return l->v[i].text;
	return NULL;
}

int sh_flag(const sh_line *l, const char *word)
{
	for (int i = 1; i < l->n; i++)
		if (!l->v[i].key && l->v[i].kind == SH_WORD &&
		    strcmp(l->v[i].text, word) == 0)
			return 1;
	return 0;
}

int sh_opt_double(sh_session *S, const sh_line *l, const char *key,
                  double def, double lo, double hi, double *v)
{
	const char *t = sh_opt(l, key);

	*v = def;
	if (!t)
		return 0;
	if (sh_parse_double(t, v) < 0)
		return sh_err(S, "%s=%s: not a number", key, t);
	if (!(*v >= lo && *v <= hi))
		return sh_err(S, "%s=%s: must be between %g and %g", key, t,
		              lo, hi);
	return 0;
}

int sh_parse_long(sh_session *S, const char *what, const char *text,
                  long lo, long hi, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno)
		return sh_err(S, "%s '%s': not a whole number", what, text);
	if (*v < lo || *v > hi)
		return sh_err(S, "%s %s: must be between %ld and %ld", what,
		              text, lo, hi);
	return 0;
}

int sh_opt_long(sh_session *S, const sh_line *l, const char *key, long def,
                long lo, long hi, long *v)
{
	const char *t = sh_opt(l, key);
	char what[64];

	*v = def;
	if (!t)
		return 0;
	snprintf(what, sizeof what, "%s=", key);
	return sh_parse_long(S, what, t, lo, hi, v);
}

sh_model *sh_model_arg(sh_session *S, const char *name)
{
	sh_model *sm;

	if (!name) {
		if (!S->cur)
			sh_err(S, "no model yet: create one with "
			       "'model NAME input=SHAPE'");
		return S->cur;
	}
	sm = sh_find_model(S, name);
	if (!sm)
		sh_err(S, "no model named '%s'", name);
	return sm;
}

sh_data *sh_data_arg(sh_session *S, const char *name)
{
	sh_data *sd = sh_find_data(S, name);

	if (!sd)
		sh_err(S, "no dataset named '%s'", name);
	return sd;
}
