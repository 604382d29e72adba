/* csv.c - reader for CSV files of numbers (plain or gzip): an optional
 * header, "quoted" fields with "" for a quote, a label column (numbers or
 * words) or float target columns. Every error names the line and column. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "nn.h"

#define MAX_COLS 100000

/* The fields of one line, unquoted, in one buffer. */
typedef struct fields {
	char *buf;
	size_t cap;
	char **f;
	int n, fcap;
} fields;

static void fields_free(fields *fs)
{
	free(fs->buf);
	free(fs->f);
}

/* Put "FILE:LINE: " before the current message; returns -1. */
static int fail_at(const char *path, long no)
{
	char msg[512];

	snprintf(msg, sizeof msg, "%s", nn_error());
	return nn_fail("%s:%ld: %s", path, no, msg);
}

/* Split line (len bytes, no newline) at sep into fs. Returns 0, or -1
 * with a message (without the file and line: see fail_at). */
static int split_line(const char *line, size_t len, char sep, fields *fs)
{
	size_t o = 0;
	const char *p = line, *end = line + len;
	const char *nul = memchr(line, '\0', len);

	if (nul) {
		int col = 1;

		for (const char *q = line; q < nul; q++)
			col += *q == sep;
		return nn_fail("a NUL byte in column %d (byte %zu of the "
		               "line): not a text file?", col,
		               (size_t)(nul - line) + 1);
	}
	if (fs->cap < len + 1) {
		char *b = realloc(fs->buf, len + 1);

		if (!b)
			return nn_fail("out of memory");
		fs->buf = b;
		fs->cap = len + 1;
	}
	fs->n = 0;
	for (;;) {
		size_t start;

		while (p < end && (*p == ' ' || *p == '\t') && *p != sep)
			p++;
		start = o;
		if (p < end && *p == '"') {
			for (p++;; p++) {
				if (p >= end)
					return nn_fail("unterminated quote in "
					               "column %d", fs->n + 1);
				if (*p == '"' && p + 1 < end && p[1] == '"')
					p++;
				else if (*p == '"')
					break;
				fs->buf[o++] = *p;
			}
			p++;
			while (p < end && (*p == ' ' || *p == '\t') &&
			       *p != sep)
				p++;
			if (p < end && *p != sep)
				return nn_fail("text after the closing quote "
				               "in column %d", fs->n + 1);
		} else {
			while (p < end && *p != sep) {
				if (*p == '"')
					return nn_fail("a quote inside column "
					               "%d (quote the whole "
					               "field)", fs->n + 1);
				fs->buf[o++] = *p++;
			}
			while (o > start && isspace((unsigned char)
			                            fs->buf[o - 1]))
				o--;
		}
		fs->buf[o++] = '\0';
		if (fs->n == fs->fcap) {
			int cap = fs->fcap ? 2 * fs->fcap : 64;
			char **f;

			if (cap > MAX_COLS + 1)
				return nn_fail("more than %d columns",
				               MAX_COLS);
			if (!(f = realloc(fs->f, (size_t)cap * sizeof *f)))
				return nn_fail("out of memory");
			fs->f = f;
			fs->fcap = cap;
		}
		fs->f[fs->n++] = (char *)(size_t)start;  /* offset for now */
		if (p >= end)
			break;
		p++;                                   /* the separator */
	}
	for (int i = 0; i < fs->n; i++)
		fs->f[i] = fs->buf + (size_t)fs->f[i];
	return 0;
}

/* A finite number taking the whole field: 0, else -1, or -2 when it is
 * past a float's range (it would be read as infinite). */
static int number(const char *s, double *v)
{
	char *end;

	if (!*s)
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(*v))
		return -1;
	return fabs(*v) <= FLT_MAX ? 0 : -2;
}

/* The whole file, decompressed when it is gzip. */
static char *slurp(const char *path, size_t *len)
{
	gzFile f = gzopen(path, "rb");
	size_t cap = 1 << 16, n = 0, plen = strlen(path);
	char *buf;
	int got;

	if (!f) {
		nn_fail("%s: cannot open", path);
		return NULL;
	}
	buf = malloc(cap + 1);
	while (buf && (got = gzread(f, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)got;
		if (n == cap) {
			char *b = realloc(buf, 2 * cap + 1);

			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
	}
	if (!buf) {
		nn_fail("%s: out of memory", path);
	} else if (got < 0) {
		int err;

		nn_fail("%s: corrupt gzip data (%s)", path, gzerror(f, &err));
		free(buf);
		buf = NULL;
	} else if (plen > 3 && strcmp(path + plen - 3, ".gz") == 0 &&
	           gzdirect(f)) {
		nn_fail("%s: named .gz but not gzip data", path);
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
		*len = n;
	}
	gzclose(f);
	return buf;
}

/* One line of the file: its text and number. */
typedef struct line_iter {
	const char *p, *end;
	long no;
} line_iter;

/* The next line that is neither blank nor a # comment; 0 at the end. */
static int next_line(line_iter *it, const char **s, size_t *len)
{
	while (it->p < it->end) {
		const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
		const char *e = nl ? nl : it->end, *q = it->p;

		*s = it->p;
		it->p = nl ? nl + 1 : it->end;
		it->no++;
		*len = (size_t)(e - *s);
		if (*len > 0 && (*s)[*len - 1] == '\r')
			(*len)--;
		while (q < *s + *len && isspace((unsigned char)*q))
			q++;
		if (q < *s + *len && *q != '#')
			return 1;
	}
	return 0;
}

/* Column number (0-based) for a name or a 1-based number; -1 if none. */
static int find_column(const char *what, char **names, int ncols)
{
	char *end;
	long v = strtol(what, &end, 10);

	if (end != what && *end == '\0')
		return v >= 1 && v <= ncols ? (int)v - 1 : -1;
	for (int i = 0; names && i < ncols; i++)
		if (strcmp(names[i], what) == 0)
			return i;
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What each column is: an input, the label, a float target, or left
 * out. */
enum { COL_INPUT, COL_LABEL, COL_TARGET, COL_SKIP };

typedef struct csv_state {
	const char *path;
	int ncols, nin, nout, labelcol;
	char *role;             /* ncols roles */
	char **names;           /* header names, or NULL */
	float *x, *y;
	char **labtext;         /* the label field of each row */
	size_t n, cap;
} csv_state;

static void state_free(csv_state *s)
{
	for (int i = 0; s->names && i < s->ncols; i++)
		free(s->names[i]);
	free(s->names);
	for (size_t i = 0; s->labtext && i < s->n; i++)
		free(s->labtext[i]);
	free(s->labtext);
	free(s->role);
	free(s->x);
	free(s->y);
}

/* Give the columns listed in list ("3,4" or "y1,y2") the role. */
static int mark_columns(csv_state *s, const char *list, int role,
                        const char *what)
{
	char *copy = strdup(list), *save = NULL, *t;

	if (!copy)
		return nn_fail("out of memory");
	for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int c = find_column(t, s->names, s->ncols);

		if (c < 0)
			nn_fail("%s: no column '%s' for %s= (%d columns%s)",
			        s->path, t, what, s->ncols, s->names ? "" :
			        ", no header: use numbers from 1");
		else if (s->role[c] != COL_INPUT)
			nn_fail("%s: column '%s' in %s= is already the label "
			        "or listed", s->path, t, what);
		if (c < 0 || s->role[c] != COL_INPUT) {
			free(copy);
			return -1;
		}
		s->role[c] = (char)role;
	}
	free(copy);
	return 0;
}

/* Decide the role of each column from the options. */
static int assign_roles(csv_state *s, const nn_csv_opts *o)
{
	if (!(s->role = calloc((size_t)s->ncols, 1)))
		return nn_fail("out of memory");
	s->labelcol = -1;
	if (o->targets) {
		if (mark_columns(s, o->targets, COL_TARGET, "targets") < 0)
			return -1;
	} else {
		s->labelcol = o->label ? find_column(o->label, s->names,
		                                     s->ncols)
		                       : s->ncols - 1;
		if (s->labelcol < 0)
			return nn_fail("%s: no column '%s' for label= (%d "
			               "columns%s)", s->path, o->label,
			               s->ncols, s->names ? "" :
			               ", no header: use numbers from 1");
		s->role[s->labelcol] = COL_LABEL;
	}
	if (o->skip && mark_columns(s, o->skip, COL_SKIP, "skip") < 0)
		return -1;
	for (int c = 0; c < s->ncols; c++) {
		s->nin += s->role[c] == COL_INPUT;
		s->nout += s->role[c] == COL_TARGET;
	}
	if (s->nin == 0)
		return nn_fail("%s: no input columns left", s->path);
	return 0;
}

/* Append one row of fields. */
static int add_row(csv_state *s, fields *fs, long line)
{
	size_t xi = 0, yi = 0;

	if (fs->n != s->ncols)
		return nn_fail("%s:%ld: %d field%s, expected %d", s->path,
		               line, fs->n, fs->n == 1 ? "" : "s", s->ncols);
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		float *x = realloc(s->x, cap * (size_t)s->nin * sizeof *x);
		float *y = s->nout ? realloc(s->y, cap * (size_t)s->nout *
		                                      sizeof *y) : NULL;
		char **l = s->labelcol >= 0
		           ? realloc(s->labtext, cap * sizeof *l) : NULL;

		if (x)
			s->x = x;
		if (y)
			s->y = y;
		if (l)
			s->labtext = l;
		if (!x || (s->nout && !y) || (s->labelcol >= 0 && !l))
			return nn_fail("out of memory after %zu rows", s->n);
		s->cap = cap;
	}
	for (int c = 0; c < s->ncols; c++) {
		double v;
		int rc;

		if (s->role[c] == COL_SKIP)
			continue;
		if (s->role[c] == COL_LABEL) {
			if (!*fs->f[c])
				return nn_fail("%s:%ld: column %d (the label) "
				               "is empty", s->path, line, c + 1);
			continue;
		}
		if ((rc = number(fs->f[c], &v)) < 0) {
			if (rc == -2)
				return nn_fail("%s:%ld: column %d%s%s%s: "
				               "'%.40s' is past a float's "
				               "range (%g)", s->path, line,
				               c + 1, s->names ? " (" : "",
				               s->names ? s->names[c] : "",
				               s->names ? ")" : "", fs->f[c],
				               FLT_MAX);
			if (!*fs->f[c])
				return nn_fail("%s:%ld: column %d%s%s%s is "
				               "empty", s->path, line, c + 1,
				               s->names ? " (" : "",
				               s->names ? s->names[c] : "",
				               s->names ? ")" : "");
			return nn_fail("%s:%ld: column %d%s%s%s: '%.40s' is "
			               "not a number", s->path, line, c + 1,
			               s->names ? " (" : "",
			               s->names ? s->names[c] : "",
			               s->names ? ")" : "", fs->f[c]);
		}
		if (s->role[c] == COL_INPUT)
			s->x[s->n * (size_t)s->nin + xi++] = (float)v;
		else
			s->y[s->n * (size_t)s->nout + yi++] = (float)v;
	}
	if (s->labelcol >= 0 &&
	    !(s->labtext[s->n] = strdup(fs->f[s->labelcol])))
		return nn_fail("out of memory");
	s->n++;
	return 0;
}

/* Turn the label texts into classes: whole numbers 0..k-1 as they are,
 * otherwise words, numbered in sorted order and kept as class names. */
static int make_labels(csv_state *s, nn_dataset *d, const long *lines)
{
	int words = 0, max = 0;
	char **sorted;
	size_t k = 0;

	d->labels = malloc(s->n * sizeof *d->labels);
	if (!d->labels)
		return nn_fail("out of memory");
	for (size_t i = 0; i < s->n && !words; i++) {
		double v;

		words = number(s->labtext[i], &v) < 0;
		if (!words && (v < 0 || v != floor(v) || v > 65535))
			return nn_fail("%s:%ld: column %d: the label %s is not "
			               "a whole number 0..65535 (targets= takes "
			               "other numbers)", s->path, lines[i],
			               s->labelcol + 1, s->labtext[i]);
		if (!words) {
			d->labels[i] = (int32_t)v;
			max = d->labels[i] > max ? d->labels[i] : max;
		}
	}
	if (!words) {
		d->nclasses = max < 1 ? 2 : max + 1;
		d->ysize = d->nclasses == 2 ? 1 : (size_t)d->nclasses;
		return 0;
	}
	if (!(sorted = malloc(s->n * sizeof *sorted)))
		return nn_fail("out of memory");
	memcpy(sorted, s->labtext, s->n * sizeof *sorted);
	qsort(sorted, s->n, sizeof *sorted, cmp_str);
	for (size_t i = 0; i < s->n; i++)
		if (i == 0 || strcmp(sorted[i], sorted[k - 1]) != 0)
			sorted[k++] = sorted[i];
	if (k > 65536) {
		free(sorted);
		return nn_fail("%s: %zu different labels", s->path, k);
	}
	if (k < 2) {
		nn_fail("%s: column %d (the label) holds one word, '%.40s', "
		        "in every line: a classifier needs two classes (use "
		        "0/1, or targets=)", s->path, s->labelcol + 1,
		        sorted[0]);
		free(sorted);
		return -1;
	}
	d->class_names = calloc(k, sizeof *d->class_names);
	for (size_t i = 0; d->class_names && i < k; i++)
		if (!(d->class_names[i] = strdup(sorted[i])))
			break;
	d->nclasses = (int)k;
	if (!d->class_names || !d->class_names[k - 1]) {
		free(sorted);
		return nn_fail("out of memory");
	}
	for (size_t i = 0; i < s->n; i++) {
		char **hit = bsearch(&s->labtext[i], sorted, k, sizeof *sorted,
		                     cmp_str);

		d->labels[i] = (int32_t)(hit - sorted);
	}
	free(sorted);
	d->ysize = d->nclasses == 2 ? 1 : (size_t)d->nclasses;
	return 0;
}

/* Guess whether the first line is a header: it has a field that is not
 * a number where the next line has one, or it has no numbers at all. */
static int guess_header(fields *first, fields *second)
{
	int numbers = 0;
	double v;

	for (int c = 0; c < first->n; c++) {
		int isnum = number(first->f[c], &v) != -1;

		numbers += isnum;
		if (!isnum && second && c < second->n &&
		    number(second->f[c], &v) != -1)
			return 1;
	}
	return numbers == 0;
}

nn_dataset *nn_load_csv(const char *path, const nn_csv_opts *o)
{
	char sep = o->sep ? o->sep : ',';
	csv_state s = { .path = path };
	fields fs = { 0 }, f2 = { 0 };
	line_iter it;
	const char *ln, *ln2;
	size_t len, len2, text_len;
	long *lines = NULL, first_no;
	char *text = slurp(path, &text_len);
	nn_dataset *d = NULL;
	int header = o->header;

	if (!text)
		return NULL;
	it = (line_iter){ text, text + text_len, 0 };
	if (!next_line(&it, &ln, &len)) {
		nn_fail("%s: no data lines", path);
		goto out;
	}
	first_no = it.no;
	if (split_line(ln, len, sep, &fs) < 0) {
		fail_at(path, first_no);
		goto out;
	}
	s.ncols = fs.n > 0 && fs.n <= MAX_COLS ? fs.n : 1;
	if (header < 0) {
		line_iter peek = it;

		header = guess_header(&fs, next_line(&peek, &ln2, &len2) &&
		                      split_line(ln2, len2, sep, &f2) == 0
		                      ? &f2 : NULL);
	}
	if (header) {
		if (!(s.names = calloc((size_t)s.ncols, sizeof *s.names)))
			goto oom;
		for (int c = 0; c < s.ncols; c++)
			if (!(s.names[c] = strdup(fs.f[c])))
				goto oom;
	}
	if (s.ncols < 2 && !o->targets) {
		nn_fail("%s: one column: nothing left for inputs beside the "
		        "label", path);
		goto out;
	}
	if (assign_roles(&s, o) < 0)
		goto out;
	if (!header)
		it = (line_iter){ text, text + text_len, 0 };
	while (next_line(&it, &ln, &len)) {
		if (split_line(ln, len, sep, &fs) < 0) {
			fail_at(path, it.no);
			goto out;
		}
		if (add_row(&s, &fs, it.no) < 0)
			goto out;
		if (s.labelcol >= 0 && s.n % 256 == 1) {
			long *l = realloc(lines, (s.n + 256) * sizeof *l);

			if (!l)
				goto oom;
			lines = l;
		}
		if (lines)
			lines[s.n - 1] = it.no;
	}
	if (s.n == 0) {
		nn_fail("%s: a header but no data lines", path);
		goto out;
	}
	if (!(d = nn_dataset_new()))
		goto out;
	d->n = s.n;
	d->xsize = (size_t)s.nin;
	d->xshape = (nn_shape){ 1, { s.nin, 0, 0, 0 } };
	d->x = s.x;
	s.x = NULL;
	if (s.nout) {
		d->y = s.y;
		s.y = NULL;
		d->ysize = (size_t)s.nout;
	} else if (make_labels(&s, d, lines) < 0) {
		nn_dataset_free(d);
		d = NULL;
	}
	goto out;
oom:
	nn_fail("%s: out of memory", path);
out:
	state_free(&s);
	fields_free(&fs);
	fields_free(&f2);
	free(lines);
	free(text);
	return d;
}
