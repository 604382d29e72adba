/* lex.c - splits a command line into arguments and parses the values typed
 * in it: numbers in C syntax, vectors [1 2 3] and matrices [[1 2] [3 4]]. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

void sh_line_free(sh_line *l)
{
	for (int i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].text);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int lex_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* A growing string. */
typedef struct buf {
	char *s;
	size_t n, cap;
} buf;

static int buf_add(buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *p = realloc(b->s, cap);

		if (!p)
			return -1;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
	return 0;
}

static int is_name_char(int c)
{
	return isalnum(c) || c == '_';
}

/* Read one argument's text starting at *pp into b, substituting $NAME.
 * Stops at a blank (outside brackets), or after a closing quote. */
static int lex_text(const char **pp, buf *b, sh_tok *kind, sh_lookup lookup,
                    void *ud, char *err, size_t errlen)
{
	const char *p = *pp;
	int depth = 0;

	*kind = SH_WORD;
	if (*p == '"') {
		*kind = SH_STRING;
		for (p++; *p != '"'; p++) {
			char c = *p;

			if (c == '\0')
				return lex_err(err, errlen,
				               "unterminated string");
			if (c == '\\' && (p[1] == '"' || p[1] == '\\'))
				c = *++p;
			else if (c == '\\' && p[1] == 'n') {
				c = '\n';
				p++;
			}
			if (buf_add(b, &c, 1) < 0)
				return lex_err(err, errlen, "out of memory");
		}
		*pp = p + 1;
		return buf_add(b, "", 0);
	}
	if (*p == '[')
		*kind = SH_LIST;
	while (*p && (depth > 0 || !isspace((unsigned char)*p))) {
		if (*p == '#' && depth == 0)
			break;
		if (*p == '$' && (isalpha((unsigned char)p[1]) || p[1] == '_')) {
			const char *start = ++p, *val;
			char name[64];
			size_t len;

			while (is_name_char((unsigned char)*p))
				p++;
			len = (size_t)(p - start);
			if (len >= sizeof name)
				return lex_err(err, errlen,
				               "variable name too long");
			memcpy(name, start, len);
			name[len] = '\0';
			val = lookup ? lookup(ud, name) : NULL;
			if (!val)
				return lex_err(err, errlen,
				               "unknown variable $%s", name);
			if (buf_add(b, val, strlen(val)) < 0)
				return lex_err(err, errlen, "out of memory");
			continue;
		}
		if (*p == '[')
			depth++;
		else if (*p == ']' && --depth < 0)
			return lex_err(err, errlen, "']' without '['");
		if (buf_add(b, p, 1) < 0)
			return lex_err(err, errlen, "out of memory");
		p++;
	}
	if (depth > 0)
		return lex_err(err, errlen, "unterminated '[': missing ']'");
	*pp = p;
	return buf_add(b, "", 0);
}

static int push(sh_line *l, sh_tok kind, char *key, char *text)
{
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 8;
		sh_arg *v = realloc(l->v, (size_t)cap * sizeof *v);

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].kind = kind;
	l->v[l->n].key = key;
	l->v[l->n].text = text;
	l->n++;
	return 0;
}

int sh_lex(const char *line, sh_line *out, sh_lookup lookup, void *ud,
           char *err, size_t errlen)
{
	const char *p = line;

	memset(out, 0, sizeof *out);
	for (;;) {
		buf b = { 0 };
		char *key = NULL;
		const char *eq;
		sh_tok kind;

		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			return 0;
		if (*p == '=' && (p[1] == '\0' || isspace((unsigned char)p[1]))) {
			char *t = strdup("=");

			if (!t || push(out, SH_EQUALS, NULL, t) < 0) {
				free(t);
				goto oom;
			}
			p++;
			continue;
		}
		/* key=value: a name, then '=' and a value that follows at once */
		eq = p;
		while (is_name_char((unsigned char)*eq) || *eq == '.')
			eq++;
		if (eq > p && *eq == '=' && isalpha((unsigned char)*p)) {
			key = strndup(p, (size_t)(eq - p));
			if (!key)
				goto oom;
			p = eq + 1;
			if (*p == '\0' || isspace((unsigned char)*p)) {
				lex_err(err, errlen, "option %s= has no value",
				        key);
				free(key);
				sh_line_free(out);
				return -1;
			}
		}
		if (lex_text(&p, &b, &kind, lookup, ud, err, errlen) < 0) {
			free(b.s);
			free(key);
			sh_line_free(out);
			return -1;
		}
		if (kind == SH_WORD && b.s[0] == '[')
			kind = SH_LIST;     /* a variable holding a list */
		if (push(out, kind, key, b.s) < 0) {
			free(b.s);
			free(key);
			goto oom;
		}
	}
oom:
	sh_line_free(out);
	return lex_err(err, errlen, "out of memory");
}

int sh_parse_double(const char *s, double *v)
{
	char *end;

	errno = 0;
	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ||
	    (s[0] == '-' && s[1] == '0' && (s[2] == 'x' || s[2] == 'X')))
		return -1;
	*v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(*v))
		return -1;
	return 0;
}

/* Recursive-descent parse of a list into a flat array with its shape. */
typedef struct lparse {
	const char *p;
	float *v;
	size_t n, cap;
	int ndim;               /* nesting depth seen (fixed by first leaf) */
	int dim[NN_MAXDIM];
	int seen[NN_MAXDIM];    /* dims fixed at each depth */
	char *err;
	size_t errlen;
} lparse;

static void skip_sep(lparse *ps)
{
	while (isspace((unsigned char)*ps->p) || *ps->p == ',')
		ps->p++;
}

static int lp_number(lparse *ps)
{
	char tok[64];
	size_t len = 0;
	double d;

	while (*ps->p && !isspace((unsigned char)*ps->p) && *ps->p != ',' &&
	       *ps->p != ']' && *ps->p != '[') {
		if (len + 1 >= sizeof tok)
			return lex_err(ps->err, ps->errlen, "number too long");
		tok[len++] = *ps->p++;
	}
	tok[len] = '\0';
	if (sh_parse_double(tok, &d) < 0)
		return lex_err(ps->err, ps->errlen, "bad number '%s'", tok);
	if (fabs(d) > FLT_MAX)
		return lex_err(ps->err, ps->errlen, "%s is beyond float range "
		               "(3.4e38 at most)", tok);
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 16;
		float *v = realloc(ps->v, cap * sizeof *v);

		if (!v)
			return lex_err(ps->err, ps->errlen, "out of memory");
		ps->v = v;
		ps->cap = cap;
	}
	ps->v[ps->n++] = (float)d;
	return 0;
}

static int lp_list(lparse *ps, int depth)
{
	int count = 0;

	if (depth >= NN_MAXDIM)
		return lex_err(ps->err, ps->errlen,
		               "lists nest at most %d deep", NN_MAXDIM);
	ps->p++;                /* '[' */
	for (;;) {
		skip_sep(ps);
		if (*ps->p == ']')
			break;
		if (*ps->p == '\0')
			return lex_err(ps->err, ps->errlen, "missing ']'");
		if (*ps->p == '[') {
			if (ps->ndim && depth + 1 >= ps->ndim)
				return lex_err(ps->err, ps->errlen,
				               "ragged list: mixed numbers and "
				               "lists");
			if (lp_list(ps, depth + 1) < 0)
				return -1;
		} else {
			if (ps->ndim == 0)
				ps->ndim = depth + 1;
			else if (ps->ndim != depth + 1)
				return lex_err(ps->err, ps->errlen,
				               "ragged list: mixed numbers and "
				               "lists");
			if (lp_number(ps) < 0)
				return -1;
		}
		count++;
	}
	ps->p++;                /* ']' */
	if (!ps->seen[depth]) {
		ps->seen[depth] = 1;
		ps->dim[depth] = count;
	} else if (ps->dim[depth] != count) {
		return lex_err(ps->err, ps->errlen,
		               "ragged list: rows of %d and %d values",
		               ps->dim[depth], count);
	}
	return 0;
}

nn_tensor *sh_parse_tensor(const char *text, char *err, size_t errlen)
{
	lparse ps = { .p = text, .err = err, .errlen = errlen };
	nn_tensor *t;
	nn_shape s = { 0 };
	double d;

	if (text[0] != '[') {
		if (sh_parse_double(text, &d) < 0) {
			lex_err(err, errlen, "expected a number or a list, "
			        "got '%s'", text);
			return NULL;
		}
		if (fabs(d) > FLT_MAX) {
			lex_err(err, errlen, "%s is beyond float range (3.4e38 "
			        "at most)", text);
			return NULL;
		}
		s.ndim = 1;
		s.dim[0] = 1;
		t = nn_tensor_new(&s);
		if (t)
			t->data[0] = (float)d;
		return t;
	}
	if (lp_list(&ps, 0) < 0)
		goto fail;
	skip_sep(&ps);
	if (*ps.p != '\0') {
		lex_err(err, errlen, "unexpected '%s' after the list", ps.p);
		goto fail;
	}
	if (ps.n == 0) {
		lex_err(err, errlen, "empty list");
		goto fail;
	}
	s.ndim = ps.ndim;
	for (int i = 0; i < s.ndim; i++)
		s.dim[i] = ps.dim[i];
	if (nn_shape_size(&s) != ps.n) {
		lex_err(err, errlen, "ragged list");
		goto fail;
	}
	t = nn_tensor_new(&s);
	if (!t) {
		lex_err(err, errlen, "%s", nn_error());
		goto fail;
	}
	memcpy(t->data, ps.v, ps.n * sizeof *ps.v);
	free(ps.v);
	return t;
fail:
	free(ps.v);
	return NULL;
}
