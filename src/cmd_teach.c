/* cmd_teach.c - eval a model on typed inputs or dataset samples (the
 * inputs and targets grad uses too), and inline datasets typed as lists. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "teach.h"

/* ---- inputs and targets ------------------------------------------------ */

/* What a model's output means: a class (argmax), a 0/1 decision, or
 * neither (a regression). */
enum { OUT_VALUE, OUT_CLASS, OUT_BINARY };

static int out_kind(const sh_model *sm)
{
	size_t w = nn_shape_size(nn_model_output_shape(sm->m));
	nn_act act = nn_model_output_act(sm->m);
	nn_loss_kind loss = sh_model_loss(sm);

	if (w > 1 && (act == NN_ACT_SOFTMAX || act == NN_ACT_LOGSOFTMAX ||
	              loss == NN_LOSS_CE || loss == NN_LOSS_NLL))
		return OUT_CLASS;
	if (w == 1 && (act == NN_ACT_SIGMOID || act == NN_ACT_STEP))
		return OUT_BINARY;
	return OUT_VALUE;
}

static int decide(int kind, const float *out, size_t w)
{
	size_t best = 0;

	if (kind == OUT_BINARY)
		return out[0] >= 0.5f;
	for (size_t j = 1; j < w; j++)
		if (out[j] > out[best])
			best = j;
	return (int)best;
}

/* "7" or "Sneaker" for class c of dataset d (which may be NULL). */
static const char *class_str(const nn_dataset *d, int c, char *buf,
                             size_t len)
{
	if (d && d->class_names && c >= 0 && c < d->nclasses)
		snprintf(buf, len, "%s", d->class_names[c]);
	else
		snprintf(buf, len, "%d", c);
	return buf;
}

/* Split "DATA:i" into the dataset and the sample index. Returns 1 when
 * text has no ':' (then nothing is set), 0, or -1 with a message. */
int sh_parse_sample(sh_session *S, const char *text, sh_data **sd,
                    size_t *i)
{
	const char *colon = strrchr(text, ':');
	char name[256];
	long v;

	if (!colon)
		return 1;
	if ((size_t)(colon - text) >= sizeof name || colon == text)
		return sh_err(S, "'%s': expected DATA:INDEX", text);
	memcpy(name, text, (size_t)(colon - text));
	name[colon - text] = '\0';
	if (!(*sd = sh_data_arg(S, name)))
		return -1;
	if ((*sd)->d->n == 0)
		return sh_err(S, "%s is empty", name);
	if (sh_parse_long(S, "sample", colon + 1, 0, (long)(*sd)->d->n - 1,
	                  &v) < 0)
		return -1;
	*i = (size_t)v;
	return 0;
}

/* Check that dataset sd fits model sm: input size, and (when need_y)
 * target width. */
int sh_check_data(sh_session *S, const sh_model *sm, const sh_data *sd,
                  int need_y)
{
	const nn_shape *is = nn_model_input_shape(sm->m);
	size_t w = nn_shape_size(nn_model_output_shape(sm->m));
	char a[32], b[32];

	if (sd->d->xsize != nn_shape_size(is))
		return sh_err(S, "%s has inputs of shape %s but %s takes %s",
		              sd->name, nn_shape_str(&sd->d->xshape, a,
		                                     sizeof a),
		              sm->name, nn_shape_str(is, b, sizeof b));
	if (need_y && sd->d->ysize == 0)
		return sh_err(S, "%s has no targets; give y=", sd->name);
	if (need_y && sd->d->ysize != w)
		return sh_err(S, "%s has %zu target%s per sample but %s has "
		              "%zu output%s", sd->name, sd->d->ysize,
		              sd->d->ysize == 1 ? "" : "s", sm->name, w,
		              w == 1 ? "" : "s");
	return 0;
}

/* Inputs typed as a list: one sample of the model's input size, or rows
 * of it. Sets *n; the tensor is the caller's. */
nn_tensor *sh_typed_input(sh_session *S, const sh_model *sm,
                          const char *text, size_t *n)
{
	const nn_shape *is = nn_model_input_shape(sm->m);
	size_t in = nn_shape_size(is), size;
	char err[256], a[32];
	nn_tensor *t = sh_parse_tensor(text, err, sizeof err);

	if (!t) {
		sh_err(S, "%s: %s", text, err);
		return NULL;
	}
	size = nn_tensor_size(t);
	if (size == in) {
		*n = 1;
		return t;
	}
	if (in == 1 && t->shape.ndim == 1) {    /* [0 0.5 1]: 3 samples */
		*n = size;
		return t;
	}
	if (t->shape.ndim >= 2 && size / (size_t)t->shape.dim[0] == in) {
		*n = (size_t)t->shape.dim[0];
		return t;
	}
	if (is->ndim > 1)
		sh_err(S, "%s takes %zu inputs per sample (%s), got %s",
		       sm->name, in, nn_shape_str(is, a, sizeof a), text);
	else
		sh_err(S, "%s takes %zu input%s per sample, got %s", sm->name,
		       in, in == 1 ? "" : "s", text);
	nn_tensor_free(t);
	return NULL;
}

/* Targets typed as a list, for n samples of w outputs: the values, or
 * class numbers (one per sample) made one-hot. */
float *sh_typed_target(sh_session *S, const sh_model *sm,
                       const char *text, size_t n, size_t w)
{
	char err[256];
	nn_tensor *t = sh_parse_tensor(text, err, sizeof err);
	float *y;
	size_t size;

	if (!t) {
		sh_err(S, "y=: %s", err);
		return NULL;
	}
	size = nn_tensor_size(t);
	y = calloc(n * w, sizeof *y);
	if (!y) {
		nn_tensor_free(t);
		sh_err(S, "out of memory");
		return NULL;
	}
	if (size == n * w) {
		memcpy(y, t->data, size * sizeof *y);
	} else if (size == n && w > 1) {
		for (size_t i = 0; i < n; i++) {
			float c = t->data[i];

			if (c != floorf(c) || c < 0 || c >= (float)w) {
				sh_err(S, "y=: %g is not a class of %s "
				       "(0..%zu)", c, sm->name, w - 1);
				goto fail;
			}
			y[i * w + (size_t)c] = 1;
		}
	} else {
		sh_err(S, "y= has %zu value%s; %s needs %zu (%zu sample%s of "
		       "%zu output%s)%s", size, size == 1 ? "" : "s",
		       sm->name, n * w, n, n == 1 ? "" : "s", w,
		       w == 1 ? "" : "s",
		       w > 1 ? ", or one class number per sample" : "");
		goto fail;
	}
	nn_tensor_free(t);
	return y;
fail:
	nn_tensor_free(t);
	free(y);
	return NULL;
}

/* ---- eval -------------------------------------------------------------- */

#define LINE 80         /* the width output should fit in */

/* Print "output ... -> class" for one sample. */
static void print_output(sh_session *S, const sh_model *sm, const float *out,
                         size_t w, const nn_dataset *names)
{
	nn_shape s = { 1, { (int)w } };
	const char *label = "output";
	int kind = out_kind(sm), sep = 2;
	char buf[64], cls[80] = "";
	sh_fmt f = { 0 };
	size_t len;

	if (kind != OUT_VALUE)
		snprintf(cls, sizeof cls, "  -> %s%s",
		         kind == OUT_CLASS ? "class " : "",
		         class_str(names, decide(kind, out, w), buf,
		                   sizeof buf));
	sh_fmt_add(&f, out, w);
	len = strlen(label) + w * (size_t)(sh_fmt_width(&f) + sep);
	if (len > LINE) {
		sep = 1;
		len -= w;
	}
	if (len > LINE) {       /* many outputs: wrapped over lines */
		sh_print_tensors(S, 1, &label, &out, &s);
		if (cls[0])
			sh_printf(S, "%s\n", cls + 2);
		return;
	}
	sh_printf(S, "%s", label);
	for (size_t j = 0; j < w; j++)
		sh_printf(S, "%*s%s", sep, "", sh_fmt_str(&f, out[j], buf,
		                                          sizeof buf));
	if (cls[0] && len + strlen(cls) > LINE)
		sh_printf(S, "\n%s\n", cls + 2);
	else
		sh_printf(S, "%s\n", cls);
}

/* One table cell of several numbers in format f. */
static void cell(char *buf, size_t len, const sh_fmt *f, const float *v,
                 size_t n)
{
	size_t used = 0;
	char num[64];

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		                         i ? " " : "",
		                         sh_fmt_str(f, v[i], num, sizeof num));
}

#define TABLE_MAX 64    /* eval MODEL DATA lists at most this many */
#define CELL_MAX 8      /* numbers shown in one table cell */

/* The table of eval on n samples: x (n * in), targets (dataset d or
 * NULL) and outputs (n * w). */
static void eval_table(sh_session *S, const sh_model *sm, const float *x,
                       size_t in, const nn_dataset *d, const float *y,
                       const float *out, size_t n, size_t w)
{
	int kind = out_kind(sm), labels = d && d->nclasses > 0;
	int score = labels && kind != OUT_VALUE && d->ysize == w;
	int show_x = in <= CELL_MAX, show_y = d && d->ysize > 0;
	int show_out = w <= CELL_MAX;
	sh_fmt fx = { 0 }, fy = { 0 }, fo = { 0 };
	char c1[256], c2[256], c3[256], c4[64];
	size_t right = 0, ny = show_y ? d->ysize : 0;
	int wx, wy, wo;

	sh_fmt_add(&fx, x, n * in);
	if (show_y)
		sh_fmt_add(&fy, y, n * ny);
	sh_fmt_add(&fo, out, n * w);
	wx = show_x ? (int)(in * (size_t)(sh_fmt_width(&fx) + 1)) - 1 : 0;
	wy = show_y ? (int)(ny * (size_t)(sh_fmt_width(&fy) + 1)) - 1 : 0;
	for (size_t i = 0; labels && i < n; i++) {
		int len = (int)strlen(class_str(d, nn_dataset_label(d, i), c2,
		                                sizeof c2));

		wy = i == 0 || len > wy ? len : wy;
	}
	if (wy && wy < 6)
		wy = 6;
	wo = show_out ? (int)(w * (size_t)(sh_fmt_width(&fo) + 1)) - 1 : 0;
	if (show_y && !labels && ny > CELL_MAX)
		wy = 0;
	if (kind == OUT_VALUE)
		wo = 0;         /* the last column: no padding */
	sh_printf(S, "%4s", "#");
	if (show_x)
		sh_printf(S, "  %-*s", wx > 5 ? wx : 5, "input");
	if (wy)
		sh_printf(S, "  %-*s", wy, "target");
	if (show_out)
		sh_printf(S, "  %-*s", wo > 6 || !wo ? wo : 6, "output");
	if (kind != OUT_VALUE)
		sh_printf(S, "  ->");
	sh_printf(S, "\n");
	for (size_t i = 0; i < n; i++) {
		const float *o = out + i * w;

		sh_printf(S, "%4zu", i);
		if (show_x) {
			cell(c1, sizeof c1, &fx, x + i * in, in);
			sh_printf(S, "  %-*s", wx > 5 ? wx : 5, c1);
		}
		if (wy && labels) {
			class_str(d, nn_dataset_label(d, i), c2, sizeof c2);
			sh_printf(S, "  %-*s", wy, c2);
		} else if (wy) {
			cell(c2, sizeof c2, &fy, y + i * ny, ny);
			sh_printf(S, "  %-*s", wy, c2);
		}
		if (show_out) {
			cell(c3, sizeof c3, &fo, o, w);
			sh_printf(S, "  %-*s", wo > 6 || !wo ? wo : 6, c3);
		}
		if (kind != OUT_VALUE) {
			int p = decide(kind, o, w);

			sh_printf(S, "  %s", class_str(d, p, c4, sizeof c4));
			if (score && p == nn_dataset_label(d, i))
				right++;
			else if (score)
				sh_printf(S, "  wrong");
		}
		sh_printf(S, "\n");
	}
	if (score)
		sh_printf(S, "correct %zu/%zu\n", right, n);
}

/* eval MODEL DATA:i */
static int eval_sample(sh_session *S, sh_model *sm, sh_data *sd, size_t i)
{
	size_t in = sd->d->xsize, w = nn_shape_size(nn_model_output_shape(
	                                            sm->m));
	float *x = malloc(in * sizeof *x), *y = NULL;
	const float *out;
	const char *label = "input";
	char buf[64];

	if (!x || (sd->d->ysize &&
	           !(y = malloc(sd->d->ysize * sizeof *y)))) {
		free(x);
		return sh_err(S, "out of memory");
	}
	nn_dataset_gather(sd->d, &i, 1, x, y);
	if (!(out = nn_model_forward(sm->m, x, 1, 0, NULL))) {
		free(x);
		free(y);
		return sh_err(S, "%s", nn_error());
	}
	sh_printf(S, "%s:%zu", sd->name, i);
	if (sd->d->nclasses > 0)
		sh_printf(S, "  target %s", class_str(sd->d,
		          nn_dataset_label(sd->d, i), buf, sizeof buf));
	sh_printf(S, "\n");
	if (in <= CELL_MAX) {
		nn_shape s = { 1, { (int)in } };
		const float *xv = x;

		sh_print_tensors(S, 1, &label, &xv, &s);
	}
	if (y && sd->d->nclasses == 0) {
		nn_shape s = { 1, { (int)sd->d->ysize } };
		const float *yv = y;

		label = "target";
		sh_print_tensors(S, 1, &label, &yv, &s);
	}
	print_output(S, sm, out, w, sd->d);
	free(x);
	free(y);
	return 0;
}

/* eval MODEL DATA [n=K] */
static int eval_data(sh_session *S, const sh_line *l, sh_model *sm,
                     sh_data *sd)
{
	size_t in = sd->d->xsize, w = nn_shape_size(nn_model_output_shape(
	                                            sm->m));
	size_t ny = sd->d->ysize, n = sd->d->n, *idx;
	float *x, *y = NULL;
	const float *out;
	long k;

	if (sh_opt_long(S, l, "n", 0, 1, 1L << 30, &k) < 0)
		return -1;
	if (k > 0 && (size_t)k < n)
		n = (size_t)k;
	else if (!sh_opt(l, "n") && n > TABLE_MAX)
		return sh_err(S, "%s has %zu samples, too many for a table: "
		              "give n=K for the first K, eval %s %s:I for "
		              "one, or evaluate %s", sd->name, n, sm->name,
		              sd->name, sd->name);
	x = malloc(n * in * sizeof *x);
	idx = malloc(n * sizeof *idx);
	if (ny)
		y = malloc(n * ny * sizeof *y);
	if (!x || !idx || (ny && !y)) {
		free(x);
		free(idx);
		free(y);
		return sh_err(S, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	nn_dataset_gather(sd->d, idx, n, x, y);
	if ((out = nn_model_forward(sm->m, x, n, 0, NULL)))
		eval_table(S, sm, x, in, sd->d, y, out, n, w);
	free(x);
	free(idx);
	free(y);
	return out ? 0 : sh_err(S, "%s", nn_error());
}

int cmd_eval(sh_session *S, const sh_line *l)
{
	const sh_arg *what = sh_pos(l, sh_npos(l) - 1);
	sh_model *sm = sh_model_arg(S, sh_npos(l) == 2 ? sh_pos(l, 0)->text
	                                               : NULL);
	size_t n, w, i;
	const float *out;
	sh_data *sd;
	nn_tensor *t;
	double num;
	int rc;

	if (!sm)
		return -1;
	if (nn_model_layers(sm->m) == 0)
		return sh_err(S, "%s has no layers; add some with 'add'",
		              sm->name);
	w = nn_shape_size(nn_model_output_shape(sm->m));
	if (what->kind != SH_LIST && sh_npos(l) == 1 &&
	    sh_find_model(S, what->text) && !sh_find_data(S, what->text))
		return sh_err(S, "eval %s: of what? give [inputs], DATA or "
		              "DATA:I", what->text);
	if (sh_opt(l, "n") && (what->kind == SH_LIST ||
	                       strchr(what->text, ':')))
		return sh_err(S, "n= goes with a dataset: eval %s DATA n=K",
		              sm->name);
	if (what->kind != SH_LIST) {
		rc = sh_parse_sample(S, what->text, &sd, &i);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return sh_check_data(S, sm, sd, 0) < 0 ? -1
			       : eval_sample(S, sm, sd, i);
		if (sh_parse_double(what->text, &num) < 0) {
			if (!(sd = sh_data_arg(S, what->text)) ||
			    sh_check_data(S, sm, sd, 0) < 0)
				return -1;
			return eval_data(S, l, sm, sd);
		}
	}
	if (!(t = sh_typed_input(S, sm, what->text, &n)))
		return -1;
	if (!(out = nn_model_forward(sm->m, t->data, n, 0, NULL))) {
		nn_tensor_free(t);
		return sh_err(S, "%s", nn_error());
	}
	if (n == 1)
		print_output(S, sm, out, w, NULL);
	else
		eval_table(S, sm, t->data, nn_tensor_size(t) / n, NULL, NULL,
		           out, n, w);
	nn_tensor_free(t);
	return 0;
}

/* ---- inline datasets --------------------------------------------------- */

/* Whether every row of t (n x k, k >= 2) is one-hot. */
static int one_hot(const nn_tensor *t, size_t n, size_t k)
{
	for (size_t i = 0; i < n; i++) {
		int ones = 0;

		for (size_t j = 0; j < k; j++) {
			float v = t->data[i * k + j];

			if (v != 0 && v != 1)
				return 0;
			ones += v == 1;
		}
		if (ones != 1)
			return 0;
	}
	return 1;
}

/* Fill d's targets from targets=LIST. */
static int inline_targets(sh_session *S, nn_dataset *d, const char *text)
{
	char err[256];
	nn_tensor *t = sh_parse_tensor(text, err, sizeof err);
	size_t size, k, n = d->n;
	int binary = 1;

	if (!t)
		return sh_err(S, "targets=: %s", err);
	size = nn_tensor_size(t);
	if (size == n && (t->shape.ndim == 1 || t->shape.dim[0] == (int)n))
		k = 1;
	else if (t->shape.ndim == 2 && t->shape.dim[0] == (int)n)
		k = (size_t)t->shape.dim[1];
	else if (t->shape.ndim == 1 && n == 1)
		k = size;
	else {
		sh_err(S, "targets= has %d row%s for %zu samples",
		       t->shape.ndim == 1 ? (int)size : t->shape.dim[0],
		       (t->shape.ndim == 1 ? size : (size_t)t->shape.dim[0])
		       == 1 ? "" : "s", n);
		nn_tensor_free(t);
		return -1;
	}
	for (size_t i = 0; i < size; i++)
		binary &= t->data[i] == 0 || t->data[i] == 1;
	if (k == 1 && binary)
		d->nclasses = 2;
	else if (k > 1 && one_hot(t, n, k))
		d->nclasses = (int)k;
	d->ysize = k;
	d->y = t->data;
	t->data = NULL;
	nn_tensor_free(t);
	return 0;
}

/* Fill d's labels from labels=LIST. */
static int inline_labels(sh_session *S, nn_dataset *d, const char *text)
{
	char err[256];
	nn_tensor *t = sh_parse_tensor(text, err, sizeof err);
	int max = 1;

	if (!t)
		return sh_err(S, "labels=: %s", err);
	if (t->shape.ndim != 1 || nn_tensor_size(t) != d->n) {
		sh_err(S, "labels= needs one class number per sample (%zu)",
		       d->n);
		goto fail;
	}
	if (!(d->labels = malloc(d->n * sizeof *d->labels))) {
		sh_err(S, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < d->n; i++) {
		float c = t->data[i];

		if (c != floorf(c) || c < 0 || c > 9999) {
			sh_err(S, "labels=: %g is not a class number (0, 1, "
			       "2, ...)", c);
			goto fail;
		}
		d->labels[i] = (int32_t)c;
		if (d->labels[i] > max)
			max = d->labels[i];
	}
	d->nclasses = max + 1;
	d->ysize = (size_t)d->nclasses;
	nn_tensor_free(t);
	return 0;
fail:
	nn_tensor_free(t);
	return -1;
}

int sh_inline_data(sh_session *S, const char *name, const sh_line *l)
{
	const char *targets = sh_opt(l, "targets");
	const char *labels = sh_opt(l, "labels");
	const sh_arg *list = sh_pos(l, 2);
	char err[256], shape[32];
	nn_tensor *t;
	nn_dataset *d;

	if (sh_npos(l) != 3)
		return sh_err(S, "usage: data NAME = [[x...] ...] "
		              "[targets=[[y...] ...] | labels=[c ...]]");
	for (int i = 1; i < l->n; i++)
		if (l->v[i].key && strcmp(l->v[i].key, "targets") != 0 &&
		    strcmp(l->v[i].key, "labels") != 0)
			return sh_err(S, "data %s: unknown option '%s' (typed "
			              "data takes targets= or labels=)", name,
			              l->v[i].key);
	if (targets && labels)
		return sh_err(S, "data %s: give targets= or labels=, not both",
		              name);
	if (!(t = sh_parse_tensor(list->text, err, sizeof err)))
		return sh_err(S, "data %s: %s", name, err);
	if (!(d = nn_dataset_new())) {
		nn_tensor_free(t);
		return sh_err(S, "out of memory");
	}
	d->n = (size_t)t->shape.dim[0];
	d->xshape.ndim = t->shape.ndim > 1 ? t->shape.ndim - 1 : 1;
	d->xshape.dim[0] = 1;
	for (int i = 1; i < t->shape.ndim; i++)
		d->xshape.dim[i - 1] = t->shape.dim[i];
	d->xsize = nn_shape_size(&d->xshape);
	d->x = t->data;
	t->data = NULL;
	nn_tensor_free(t);
	if ((targets && inline_targets(S, d, targets) < 0) ||
	    (labels && inline_labels(S, d, labels) < 0)) {
		char msg[sizeof S->err];

		snprintf(msg, sizeof msg, "%s", S->err);
		nn_dataset_free(d);
		return sh_err(S, "data %s: %s", name, msg);
	}
	if ((targets || labels) && nn_dataset_check(d) < 0) {
		nn_dataset_free(d);
		return sh_err(S, "data %s: %s", name, nn_error());
	}
	if (!sh_put_data(S, name, d))
		return sh_err(S, "out of memory");
	sh_printf(S, "%s: %zu sample%s of %s input%s", name, d->n,
	          d->n == 1 ? "" : "s",
	          nn_shape_str(&d->xshape, shape, sizeof shape),
	          d->xsize == 1 ? "" : "s");
	if (labels)
		sh_printf(S, ", %d classes\n", d->nclasses);
	else if (d->nclasses > 0)
		sh_printf(S, ", %s targets (%d classes)\n",
		          d->ysize == 1 ? "0/1" : "one-hot", d->nclasses);
	else if (targets)
		sh_printf(S, ", %zu target%s\n", d->ysize,
		          d->ysize == 1 ? "" : "s");
	else
		sh_printf(S, ", no targets (for eval)\n");
	return 0;
}
