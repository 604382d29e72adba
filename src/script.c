/* script.c - runs lines from a reader (a file, standard input, the prompt,
 * or the body of a block): blocks `for VAR in ...` / `repeat N` ... `end`
 * are collected and run here, `source` nests readers, and failures are
 * reported once, as FILE:LINE in scripts. A Ctrl-C that no command took
 * (train takes its own) stops a script after the line it came in. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "ranks.h"
#include "script.h"
#include "signals.h"

#define SOURCE_DEPTH 16
#define MAX_ITEMS 100000

/* ---- readers ------------------------------------------------------------ */

static char *file_next(sh_reader *r, int depth)
{
	char *buf = NULL;
	size_t cap = 0;

	(void)depth;
	if (sh_signal_fatal())
		return NULL;
	/* a SIGTERM while we wait ends nnsh at once: leave nothing unwritten */
	fflush(stdout);
	sh_signal_idle(1);
	if (getline(&buf, &cap, (FILE *)r->ud) < 0) {
		sh_signal_idle(0);
		free(buf);
		return NULL;
	}
	sh_signal_idle(0);
	r->line++;
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

void sh_reader_file(sh_reader *r, FILE *f, const char *name)
{
	memset(r, 0, sizeof *r);
	r->next = file_next;
	r->name = name;
	r->ud = f;
}

/* A block body: lines with the numbers they had in their file. */
typedef struct body {
	char **text;
	long *line;
	size_t n, cap, pos;
} body;

static char *body_next(sh_reader *r, int depth)
{
	body *b = r->ud;

	(void)depth;
	if (b->pos == b->n)
		return NULL;
	r->line = b->line[b->pos];
	return strdup(b->text[b->pos++]);
}

static void body_free(body *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->text[i]);
	free(b->text);
	free(b->line);
	memset(b, 0, sizeof *b);
}

static int body_add(body *b, char *text, long line)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 16;
		char **t = realloc(b->text, cap * sizeof *t);
		long *l = t ? realloc(b->line, cap * sizeof *l) : NULL;

		if (t)
			b->text = t;
		if (!l)
			return -1;
		b->line = l;
		b->cap = cap;
	}
	b->text[b->n] = text;
	b->line[b->n++] = line;
	return 0;
}

/* ---- blocks ------------------------------------------------------------- */

/* The first word of a line, copied into w (empty for blank lines). */
static void first_word(const char *text, char *w, size_t len)
{
	size_t n = 0;

	while (isspace((unsigned char)*text))
		text++;
	while (*text && !isspace((unsigned char)*text) && *text != '#' &&
	       n + 1 < len)
		w[n++] = *text++;
	w[n] = '\0';
}

int sh_opens_block(const char *text)
{
	char w[16];

	first_word(text, w, sizeof w);
	return strcmp(w, "for") == 0 || strcmp(w, "repeat") == 0 ||
	       strcmp(w, "parallel") == 0;
}

/* Read the body of a block up to its `end`. */
static int collect(sh_session *S, sh_reader *r, int depth,
                   const char *what, body *b)
{
	int nest = 0;
	char *text, w[16];

	memset(b, 0, sizeof *b);
	while ((text = r->next(r, depth + nest + 1)) != NULL) {
		first_word(text, w, sizeof w);
		if (strcmp(w, "end") == 0 && nest == 0) {
			free(text);
			return 0;
		}
		if (strcmp(w, "end") == 0)
			nest--;
		else if (sh_opens_block(text))
			nest++;
		if (body_add(b, text, r->line) < 0) {
			free(text);
			body_free(b);
			return sh_err(S, "out of memory");
		}
	}
	body_free(b);
	if (S->stop)
		return sh_err(S, "interrupted");
	return sh_err(S, "'%s' has no matching 'end'", what);
}

/* Run the body once; -1 when a line failed and the block must stop. */
static int run_body(sh_session *S, sh_reader *outer, body *b, int depth)
{
	sh_reader r = { .next = body_next, .name = outer->name, .ud = b,
	                .prompt = outer->prompt };
	int rc;

	b->pos = 0;
	rc = sh_run(S, &r, depth + 1);
	if (rc < 0)
		outer->err_line = r.line;   /* where the body failed */
	return rc;
}

/* Expand the items of `for VAR in ITEMS`: words, or A..B [step S]. */
static int for_items(sh_session *S, const sh_line *l, char ***items,
                     size_t *n)
{
	const char *range = sh_npos(l) == 3 || sh_npos(l) == 5
	                    ? strstr(sh_pos(l, 2)->text, "..") : NULL;
	size_t cap = 0;

	*items = NULL;
	*n = 0;
	if (range && (sh_npos(l) == 3 ||
	              strcmp(sh_pos(l, 3)->text, "step") == 0)) {
		char a[64];
		double lo, hi, step = 1;
		size_t len = (size_t)(range - sh_pos(l, 2)->text);

		if (len >= sizeof a)
			return sh_err(S, "for: bad range '%s'",
			              sh_pos(l, 2)->text);
		memcpy(a, sh_pos(l, 2)->text, len);
		a[len] = '\0';
		if (sh_parse_double(a, &lo) < 0 ||
		    sh_parse_double(range + 2, &hi) < 0 ||
		    (sh_npos(l) == 5 &&
		     sh_parse_double(sh_pos(l, 4)->text, &step) < 0))
			return sh_err(S, "for: bad range '%s' (as in 1..10 "
			              "or 10..750 step 50)", sh_pos(l, 2)->text);
		if (!(step > 0))
			return sh_err(S, "for: step must be above 0");
		if ((hi - lo) / step > MAX_ITEMS)
			return sh_err(S, "for: more than %d values",
			              MAX_ITEMS);
		cap = (size_t)((hi - lo) / step + 2);
		*items = calloc(cap, sizeof **items);
		if (!*items)
			return sh_err(S, "out of memory");
		for (long i = 0; lo + i * step <= hi + step * 1e-9; i++) {
			char v[64];

			snprintf(v, sizeof v, "%.10g", lo + i * step);
			(*items)[(*n)++] = strdup(v);
		}
		return 0;
	}
	cap = (size_t)(sh_npos(l) - 2);
	*items = calloc(cap ? cap : 1, sizeof **items);
	if (!*items)
		return sh_err(S, "out of memory");
	for (int i = 2; i < sh_npos(l); i++)
		(*items)[(*n)++] = strdup(sh_pos(l, i)->text);
	return 0;
}

static void free_items(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

/* What an iteration of a parallel block needs (sh_ranks_for). */
typedef struct par_block {
	sh_reader *r;
	body *b;
	int depth;
	const char *var;
	char **items;
} par_block;

static int run_iteration(sh_session *S, size_t i, void *ud)
{
	par_block *p = ud;

	if (S->stop)
		return sh_err(S, "interrupted");
	if (sh_var_set(S, p->var, p->items[i]) < 0)
		return -1;
	return run_body(S, p->r, p->b, p->depth);
}

/* `for VAR in ...`, `parallel for VAR in ...` and `repeat N`: collect the
 * body, then run it. */
static int run_block(sh_session *S, sh_reader *r, const char *text,
                     int depth)
{
	sh_line l;
	body b;
	char **items = NULL;
	size_t n = 0;
	long start = r->line, count = 0;
	int rc = 0, is_for, par;
	const char *var = NULL;

	if (sh_lex(text, &l, sh_var_lookup, S, S->err, sizeof S->err) < 0)
		return -1;
	par = strcmp(l.v[0].text, "parallel") == 0;
	if (par && (l.n < 2 || strcmp(l.v[1].text, "for") != 0)) {
		rc = sh_err(S, "usage: parallel for VAR in VALUES..., then "
		            "lines, then end");
	} else if (par) {   /* the rest is a for line */
		free(l.v[0].text);
		memmove(l.v, l.v + 1, (size_t)--l.n * sizeof *l.v);
	}
	is_for = rc == 0 && strcmp(l.v[0].text, "for") == 0;
	if (rc < 0) {
		/* the header's message; the body is skipped below */
	} else if (is_for) {
		if (sh_npos(&l) < 3 || strcmp(sh_pos(&l, 1)->text, "in") != 0 ||
		    !sh_valid_name(sh_pos(&l, 0)->text, 0))
			rc = sh_err(S, "usage: for VAR in VALUES... (or "
			            "A..B [step S]), then lines, then end");
		else
			rc = for_items(S, &l, &items, &n);
		var = rc == 0 ? sh_pos(&l, 0)->text : NULL;
	} else if (sh_npos(&l) != 1) {
		rc = sh_err(S, "usage: repeat N, then lines, then end");
	} else {
		rc = sh_parse_long(S, "repeat", sh_pos(&l, 0)->text, 0,
		                   MAX_ITEMS, &count);
	}
	/* the body is read even after a bad header, so that it is not run
	 * as top-level lines; the header's message is the one kept */
	if (rc < 0) {
		char keep[sizeof S->err];

		memcpy(keep, S->err, sizeof keep);
		if (collect(S, r, depth, "for", &b) == 0)
			body_free(&b);
		memcpy(S->err, keep, sizeof keep);
		r->err_line = start;    /* the error is the header's */
		goto out;
	}
	if ((rc = collect(S, r, depth, is_for ? "for" : "repeat",
	                  &b)) < 0) {
		r->err_line = start;
		goto out;
	}
	if (par) {
		par_block p = { r, &b, depth, var, items };

		rc = sh_ranks_for(S, n, run_iteration, &p);
		if (rc == 0 && n > 0)   /* as after a plain for */
			rc = sh_var_set(S, var, items[n - 1]);
		body_free(&b);
		goto out;
	}
	for (size_t i = 0; i < (is_for ? n : (size_t)count); i++) {
		if (S->stop) {
			rc = sh_err(S, "interrupted");
			break;
		}
		if (var && sh_var_set(S, var, items[i]) < 0) {
			rc = -1;
			break;
		}
		if ((rc = run_body(S, r, &b, depth)) < 0)
			break;
	}
	body_free(&b);
out:
	free_items(items, n);
	sh_line_free(&l);
	return rc;
}

/* ---- running ------------------------------------------------------------ */

static FILE *report_to;

void sh_report_to(FILE *f)
{
	report_to = f;
}

static void report(sh_session *S, sh_reader *r)
{
	long line = r->err_line ? r->err_line : r->line;
	FILE *f = report_to ? report_to : stderr;

	r->err_line = 0;
	if (S->err[0] == '\0')
		return;         /* reported where it happened */
	fflush(S->out);
	if (r->prompt)
		fprintf(f, "error: %s\n", S->err);
	else if (line > 0)
		fprintf(f, "nnsh:%s:%ld: %s\n", r->name, line, S->err);
	else
		fprintf(f, "nnsh:%s: %s\n", r->name, S->err);
	S->err[0] = '\0';
}

/* A Ctrl-C that no command took: train and gan take theirs (the run
 * stops, the script goes on), so one still pending came during another
 * command or while a line was read. At the prompt it is dropped and the
 * prompt comes back; a script or a block stops, saying so in a line
 * `when` ("after this line"; NULL when the command failed and said why),
 * and S->stop stays set for the readers around it and for main's exit
 * status. Returns whether to stop. */
static int interrupted(sh_session *S, sh_reader *r, int depth,
                       const char *when)
{
	if (!S->stop)
		return 0;
	if (r->prompt && depth == 0) {
		S->stop = 0;
		return 0;
	}
	if (when)
		sh_err(S, "interrupted (Ctrl-C): the %s stops %s",
		       r->prompt ? "block" : "script", when);
	report(S, r);
	S->failures += !r->prompt;
	return 1;
}

int sh_run(sh_session *S, sh_reader *r, int depth)
{
	char *text;

	while (!S->quit && (text = r->next(r, depth)) != NULL) {
		char w[16];
		int rc;

		/* over several ranks a Ctrl-C counts once they agreed on it,
		 * after a line (sh_ranks_agree), so that they stop alike */
		if (sh_nranks() == 1 &&
		    interrupted(S, r, depth, "before this line")) {
			free(text);
			return -1;
		}
		first_word(text, w, sizeof w);
		if (sh_opens_block(text))
			rc = run_block(S, r, text, depth);
		else if (strcmp(w, "end") == 0)
			rc = sh_err(S, "'end' without 'for' or 'repeat'");
		else
			rc = sh_exec_line(S, text);
		rc = sh_ranks_agree(S, rc, text);   /* every rank, one status */
		if (sh_signal_fatal()) {
			free(text);
			return -1;      /* SIGTERM or SIGHUP: main leaves */
		}
		free(text);
		if (interrupted(S, r, depth, rc == 0 ? "after this line"
		                                      : NULL))
			return -1;
		if (rc == 0)
			continue;
		report(S, r);
		S->failures += !r->prompt;
		/* the prompt goes on; scripts and blocks stop, unless asked */
		if (!r->prompt && !(S->keep_going && !depth))
			return -1;
	}
	return sh_nranks() == 1 && interrupted(S, r, depth, "at its end")
	       ? -1 : 0;
}

int cmd_source(sh_session *S, const sh_line *l)
{
	const char *path = sh_pos(l, 0)->text;
	FILE *f;
	sh_reader r;
	int rc;

	if (S->source_depth >= SOURCE_DEPTH)
		return sh_err(S, "source: nested more than %d deep (does "
		              "%s source itself?)", SOURCE_DEPTH, path);
	f = fopen(path, "r");
	if (!f)
		return sh_err(S, "source: %s: %s", path, strerror(errno));
	sh_reader_file(&r, f, path);
	S->source_depth++;
	rc = sh_run(S, &r, 0);
	S->source_depth--;
	fclose(f);
	if (rc < 0)
		S->err[0] = '\0';   /* already reported with its line */
	return rc;
}

int cmd_end(sh_session *S, const sh_line *l)
{
	(void)l;
	return sh_err(S, "'end' without 'for' or 'repeat'");
}
