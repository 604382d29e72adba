/* print.c - how numbers and tensors look on screen. The numbers of one
 * tensor (or of one table column) share one format - whole numbers, fixed
 * decimals or scientific - and are right-aligned in one width. Small
 * tensors are printed in full; large ones are summarised by their first and
 * last rows and columns, with their shape and min/max/mean. */
#include <math.h>
#include <string.h>

#include "shell.h"

#define LINE 80         /* the width output should fit in */
#define MAXROWS 12      /* rows (and 2-D slices) shown in full up to this */
#define EDGEROWS 4      /* else this many at each end */
#define MAXSLICES 4
#define EDGESLICES 2
#define MAXWRAP 64      /* a vector this long wraps rather than being cut */

static int digits;      /* `precision N`: significant digits, 0 the default */

void sh_set_precision(int n)
{
	digits = n;
}

int sh_precision(void)
{
	return digits;
}

void sh_fmt_add(sh_fmt *f, const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double a = fabs(v[i]);

		if (v[i] < 0)
			f->neg = 1;
		if (!isfinite(v[i])) {
			f->nonfinite = 1;
			continue;
		}
		if (a > f->maxabs)
			f->maxabs = a;
		if (a > 0 && (f->minnz == 0 || a < f->minnz))
			f->minnz = a;
		if (v[i] != floorf(v[i]))
			f->nonint = 1;
	}
}

/* 'd' whole numbers, 'f' fixed with *prec decimals, or 'e' scientific
 * with *prec decimals. By default fixed numbers have 4 to 6 decimals,
 * enough for three significant digits of the smallest number, and
 * scientific ones 3; after `precision N`, the smallest number has N. */
static char fmt_kind(const sh_fmt *f, int *prec)
{
	*prec = 0;
	if (!f->nonint && f->maxabs < 1e6)
		return 'd';
	if (f->maxabs >= 1e5 || f->minnz < 1e-4) {
		*prec = digits ? digits - 1 : 3;
		return 'e';
	}
	/* 0.01f is below 0.01: the 1e-6 */
	*prec = (digits ? digits - 1 : 2) - (int)floor(log10(f->minnz) + 1e-6);
	if (*prec < (digits ? 0 : 4))
		*prec = digits ? 0 : 4;
	return 'f';
}

int sh_fmt_width(const sh_fmt *f)
{
	char buf[64];
	int prec, w;
	char k = fmt_kind(f, &prec);

	if (k == 'e')
		w = prec + 6;   /* 1.234e-05: float exponents have 2 digits */
	else
		w = snprintf(buf, sizeof buf, "%.*f", prec, f->maxabs);
	w += f->neg;
	if (f->nonfinite && w < 4)
		w = 4;
	return w;
}

const char *sh_fmt_str(const sh_fmt *f, double v, char *buf, size_t len)
{
	int prec, w = sh_fmt_width(f);
	char k = fmt_kind(f, &prec);

	v += 0.0;               /* no "-0" */
	if (isnan(v))
		snprintf(buf, len, "%*s", w, "nan");
	else if (isinf(v))
		snprintf(buf, len, "%*s", w, v < 0 ? "-inf" : "inf");
	else if (k == 'e')
		snprintf(buf, len, "%*.*e", w, prec, v);
	else
		snprintf(buf, len, "%*.*f", w, prec, v);
	return buf;
}

/* The next index to show after i among n, when k are shown at each end
 * (all of them when 2k >= n). */
static size_t next_shown(size_t i, size_t n, size_t k)
{
	if (i + 1 == k && 2 * k < n)
		return n - k;
	return i + 1;
}

/* How many to show at each end of n items: all, or edge of each. */
static size_t edge(size_t n, size_t max, size_t edge)
{
	return n <= max ? n : edge;
}

/* A tensor seen as slices of rows x cols (the last two dimensions). */
typedef struct layout {
	size_t slices, rows, cols;
	size_t sk, rk, ck;      /* shown at each end */
	int wrap;               /* one long vector, wrapped over lines */
	int summary;            /* something is left out */
	sh_fmt f;
	int w;                  /* width of one number */
} layout;

static void add_shown(layout *L, const float *v)
{
	for (size_t s = 0; s < L->slices; s = next_shown(s, L->slices, L->sk))
		for (size_t r = 0; r < L->rows;
		     r = next_shown(r, L->rows, L->rk)) {
			const float *row = v + (s * L->rows + r) * L->cols;

			for (size_t c = 0; c < L->cols;
			     c = next_shown(c, L->cols, L->ck))
				sh_fmt_add(&L->f, row + c, 1);
		}
}

/* Choose what to show of count tensors of one shape, printed at indent. */
static void plan(layout *L, const nn_shape *shape, const float *const *v,
                 int count, int indent)
{
	int nd = shape->ndim;
	size_t avail = LINE - (size_t)indent - 2;

	memset(L, 0, sizeof *L);
	L->cols = (size_t)shape->dim[nd - 1];
	L->rows = nd >= 2 ? (size_t)shape->dim[nd - 2] : 1;
	L->slices = 1;
	for (int i = 0; i < nd - 2; i++)
		L->slices *= (size_t)shape->dim[i];
	L->sk = edge(L->slices, MAXSLICES, EDGESLICES);
	L->rk = edge(L->rows, MAXROWS, EDGEROWS);
	L->ck = L->cols;
	for (int t = 0; t < count; t++)
		add_shown(L, v[t]);
	L->w = sh_fmt_width(&L->f);
	if (L->cols * (size_t)(L->w + 2) > avail) {
		if (L->slices == 1 && L->rows == 1 && L->cols <= MAXWRAP) {
			L->wrap = 1;
		} else {
			L->ck = (avail - 5) / (size_t)(L->w + 2) / 2;
			if (L->ck < 1)
				L->ck = 1;
			memset(&L->f, 0, sizeof L->f);
			for (int t = 0; t < count; t++)
				add_shown(L, v[t]);
			L->w = sh_fmt_width(&L->f);
		}
	}
	L->summary = L->sk < L->slices || L->rk < L->rows || L->ck < L->cols;
}

static void print_row(sh_session *S, const layout *L, const float *row)
{
	char buf[64];

	for (size_t c = 0; c < L->cols; c = next_shown(c, L->cols, L->ck)) {
		sh_printf(S, "  %s", sh_fmt_str(&L->f, row[c], buf,
		                                sizeof buf));
		if (c + 1 == L->ck && 2 * L->ck < L->cols)
			sh_printf(S, "  ...");
	}
}

static void print_stats(sh_session *S, const float *v, size_t n)
{
	double min = INFINITY, max = -INFINITY, sum = 0;
	char a[32], b[32], c[32];

	for (size_t i = 0; i < n; i++) {
		if (v[i] < min)
			min = v[i];
		if (v[i] > max)
			max = v[i];
		sum += v[i];
	}
	sh_printf(S, "  min %s  max %s  mean %s", sh_num(min, a, sizeof a),
	          sh_num(max, b, sizeof b), sh_num(sum / n, c, sizeof c));
}

/* The index of slice s as "[i][j]" for the leading dimensions. */
static void slice_name(const nn_shape *shape, size_t s, char *buf,
                       size_t len)
{
	size_t idx[NN_MAXDIM], used = 0;
	int nd = shape->ndim - 2;

	for (int i = nd - 1; i >= 0; i--) {
		idx[i] = s % (size_t)shape->dim[i];
		s /= (size_t)shape->dim[i];
	}
	buf[0] = '\0';
	for (int i = 0; i < nd && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "[%zu]",
		                         idx[i]);
}

static void print_body(sh_session *S, const layout *L, const float *v,
                       const nn_shape *shape, int indent)
{
	char buf[64];

	if (L->wrap) {
		size_t per = (LINE - (size_t)indent - 2) / (size_t)(L->w + 2);

		for (size_t c = 0; c < L->cols; c++) {
			if (c % per == 0)
				sh_printf(S, "%s%*s", c ? "\n" : "", indent,
				          "");
			sh_printf(S, "  %s", sh_fmt_str(&L->f, v[c], buf,
			                                sizeof buf));
		}
		sh_printf(S, "\n");
		return;
	}
	for (size_t s = 0; s < L->slices; s = next_shown(s, L->slices, L->sk)) {
		if (L->slices > 1) {
			slice_name(shape, s, buf, sizeof buf);
			sh_printf(S, "%*s%s\n", indent + 1, "", buf);
		}
		for (size_t r = 0; r < L->rows;
		     r = next_shown(r, L->rows, L->rk)) {
			sh_printf(S, "%*s", indent, "");
			print_row(S, L, v + (s * L->rows + r) * L->cols);
			sh_printf(S, "\n");
			if (r + 1 == L->rk && 2 * L->rk < L->rows)
				sh_printf(S, "%*s  ...\n", indent, "");
		}
		if (s + 1 == L->sk && 2 * L->sk < L->slices)
			sh_printf(S, "%*s ...\n", indent, "");
	}
}

void sh_print_tensors(sh_session *S, int count, const char *const *labels,
                      const float *const *v, const nn_shape *shape)
{
	size_t labw = 0, n = nn_shape_size(shape);
	int indent = (int)strspn(labels[0], " ");
	int one_line;
	layout L;

	if (n == 0)
		return;
	plan(&L, shape, v, count, indent);
	for (int t = 0; t < count; t++)
		if (strlen(labels[t]) > labw)
			labw = strlen(labels[t]);
	one_line = L.slices == 1 && L.rows == 1 && !L.summary &&
	           labw + L.cols * (size_t)(L.w + 2) <= LINE;
	for (int t = 0; t < count; t++) {
		if (one_line) {
			sh_printf(S, "%-*s", (int)labw, labels[t]);
			print_row(S, &L, v[t]);
			sh_printf(S, "\n");
			continue;
		}
		sh_printf(S, "%s", labels[t]);
		if (L.summary)
			print_stats(S, v[t], n);
		sh_printf(S, "\n");
		print_body(S, &L, v[t], shape, indent);
	}
}

void sh_print_tensor(sh_session *S, const char *name, const float *v,
                     const nn_shape *shape)
{
	char label[256], s[64];
	const char *lab = label;

	snprintf(label, sizeof label, "%s (%s)", name,
	         nn_shape_str(shape, s, sizeof s));
	sh_print_tensors(S, 1, &lab, &v, shape);
}
