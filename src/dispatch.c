/* dispatch.c - from a line to its handler: the command named (or a
 * unique prefix of it, else a suggestion), its options and arity checked
 * against the table in commands.c, then the call. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "suggest.h"

const sh_cmd *sh_find_command(const char *name, char *err, size_t errlen)
{
	const sh_cmd *found = NULL;
	size_t len = strlen(name);
	int matches = 0;

	for (const sh_cmd *c = sh_commands; c->name; c++) {
		if (strcmp(c->name, name) == 0)
			return c;
		if (strncmp(c->name, name, len) == 0) {
			found = c;
			matches++;
		}
	}
	if (matches == 1)
		return found;
	if (matches > 1) {
		size_t used = (size_t)snprintf(err, errlen,
		        "'%s' is ambiguous:", name);

		for (const sh_cmd *c = sh_commands; c->name; c++)
			if (strncmp(c->name, name, len) == 0 && used < errlen)
				used += (size_t)snprintf(err + used,
				        errlen - used, " %s", c->name);
		return NULL;
	}
	{
		const char *names[256], *near;
		size_t n = 0;

		for (const sh_cmd *c = sh_commands; c->name && n < 256; c++)
			names[n++] = c->name;
		if ((near = sh_suggest(name, names, n)))
			snprintf(err, errlen, "unknown command '%s': did you "
			         "mean '%s'? (type 'help' for a list)", name,
			         near);
		else
			snprintf(err, errlen, "unknown command '%s' (type "
			         "'help' for a list)", name);
	}
	return NULL;
}

/* Whether key is in the space-separated list. */
int sh_option_allowed(const char *list, const char *key)
{
	size_t len = strlen(key);

	if (list && strcmp(list, "*") == 0)
		return 1;
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ' ');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && strncmp(p, key, len) == 0)
			return 1;
		p = end ? end + 1 : p + n;
	}
	return 0;
}

static int check_line(sh_session *S, const sh_cmd *c, const sh_line *l)
{
	int npos = sh_npos(l);

	for (int i = 1; i < l->n; i++)
		if (l->v[i].key &&
		    !sh_option_allowed(c->options, l->v[i].key)) {
			if (!c->options)
				return sh_err(S, "%s takes no options "
				              "(usage: %s)", c->name, c->usage);
			return sh_err(S, "unknown option '%s' for %s "
			              "(options: %s)", l->v[i].key, c->name,
			              c->options);
		}
	if (npos < c->min_args || npos > c->max_args)
		return sh_err(S, "%s: %s arguments (usage: %s)", c->name,
		              npos < c->min_args ? "missing" : "too many",
		              c->usage);
	return 0;
}

int sh_exec_line(sh_session *S, const char *line)
{
	sh_line l;
	const sh_cmd *c;
	int rc;

	S->err[0] = '\0';
	if (sh_lex(line, &l, sh_var_lookup, S, S->err, sizeof S->err) < 0)
		return -1;
	if (l.n == 0)
		return 0;
	if (l.v[0].kind != SH_WORD || l.v[0].key) {
		sh_line_free(&l);
		return sh_err(S, "a line starts with a command name "
		              "(type 'help' for a list)");
	}
	c = sh_find_command(l.v[0].text, S->err, sizeof S->err);
	rc = c ? check_line(S, c, &l) : -1;
	if (rc == 0)
		rc = c->fn(S, &l);
	sh_line_free(&l);
	return rc;
}
