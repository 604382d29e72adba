/* cmd_teach.c - the teaching commands: set and show parameters by name
 * (net.2.W, net.2.W[0][3]), eval a model on typed inputs or dataset
 * samples, grad (one forward and backward pass laid out layer by layer),
 * step (one optimizer update from that gradient), gradcheck (backprop
 * against finite differences), and inline datasets typed as lists. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

/* ---- parameter paths: MODEL[.LAYER[.PARAM]][i][j] ---------------------- */

typedef struct ppath {
	sh_model *sm;
	long layer;             /* 0-based; -1 for the whole model */
	int has_param;
	nn_param p;
	int nidx;               /* indices given after the parameter */
	long idx[NN_MAXDIM];
	char name[256];         /* MODEL.LAYER.PARAM as it is shown */
} ppath;

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Parse the indices "[0][3]" at p of the path text into pp->idx. */
static int parse_indices(sh_session *S, const char *text, const char *p,
                         ppath *pp)
{
	while (*p == '[') {
		char *end;
		long v;

		if (pp->nidx == NN_MAXDIM)
			return sh_err(S, "%s: too many indices", text);
		v = strtol(p + 1, &end, 10);
		if (end == p + 1 || *end != ']' || p[1] == '-' || p[1] == '+')
			return sh_err(S, "%s: an index is a whole number "
			              "from 0, as in [0][3]", text);
		pp->idx[pp->nidx++] = v;
		p = end + 1;
	}
	if (*p)
		return sh_err(S, "%s: unexpected '%s' after the indices", text,
		              p);
	return 0;
}

/* The names of layer i's parameters, "W b", into buf. */
static void param_names(const nn_model *m, size_t i, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int k = 0; k < nn_model_layer_nparams(m, i) && used < len; k++) {
		nn_param p;

		nn_model_param(m, i, k, &p);
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		                         k ? " " : "", p.name);
	}
}

/* Resolve text into *pp. A path whose model does not exist returns 1
 * (message set), so that show can try a dataset of that name. */
static int parse_path(sh_session *S, const char *text, ppath *pp)
{
	char base[256], *dot, *param = NULL, *layer = NULL;
	const char *br = strchr(text, '[');
	size_t blen = br ? (size_t)(br - text) : strlen(text);
	nn_layer_info info;
	size_t nl;

	memset(pp, 0, sizeof *pp);
	pp->layer = -1;
	if (blen == 0 || blen >= sizeof base)
		return sh_err(S, "'%s' is not a parameter name (as in "
		              "net.2.W)", text);
	memcpy(base, text, blen);
	base[blen] = '\0';
	dot = strchr(base, '.');
	if (dot) {
		*dot = '\0';
		pp->sm = sh_find_model(S, base);
		*dot = '.';
	}
	if (pp->sm) {                   /* MODEL.LAYER[.PARAM] */
		*dot = '\0';
		layer = dot + 1;
		if ((dot = strchr(layer, '.'))) {
			*dot = '\0';
			param = dot + 1;
		}
	} else if (dot && strchr(dot + 1, '.') == NULL &&
	           (all_digits(base) || (S->cur && (*dot = '\0',
	            nn_model_find_node(S->cur->m, base) > 0)))) {
		*dot = '\0';           /* LAYER.PARAM of the current model */
		layer = base;
		param = dot + 1;
		if (!(pp->sm = sh_model_arg(S, NULL)))
			return -1;
	} else if (!(pp->sm = sh_find_model(S, base))) {
		size_t k = strcspn(text, ".");

		if (dot)
			*dot = '.';
		memcpy(base, text, k);
		base[k] = '\0';
		if (text[k] == '.' && sh_find_model(S, base))
			return sh_err(S, "%s: no such layer or parameter (as "
			              "in %s.1.W, layers from 1)", text, base);
		sh_err(S, "no model or parameter named '%s'", text);
		return 1;
	}
	snprintf(pp->name, sizeof pp->name, "%s", pp->sm->name);
	if (!layer) {
		if (br)
			return sh_err(S, "%s: indices need a parameter, as in "
			              "%s.1.W[0][0]", text, pp->sm->name);
		return 0;
	}
	nl = nn_model_layers(pp->sm->m);
	pp->layer = nn_model_find_node(pp->sm->m, layer);
	if (pp->layer < 0 && !all_digits(layer))
		return sh_err(S, "%s: no such layer or parameter (as in "
		              "%s.1.W, layers from 1)", text, pp->sm->name);
	if (pp->layer < 1 || (size_t)pp->layer > nl)
		return sh_err(S, "%s: model %s has %zu layer%s, numbered "
		              "from 1", text, pp->sm->name, nl,
		              nl == 1 ? "" : "s");
	pp->layer--;
	nn_model_layer_info(pp->sm->m, (size_t)pp->layer, &info);
	snprintf(pp->name, sizeof pp->name, "%s.%ld", pp->sm->name,
	         pp->layer + 1);
	if (!param) {
		if (br)
			return sh_err(S, "%s: indices need a parameter, as in "
			              "%s.W[0][0]", text, pp->name);
		return 0;
	}
	if (nn_model_find_param(pp->sm->m, (size_t)pp->layer, param,
	                        &pp->p) < 0) {
		char names[64];

		param_names(pp->sm->m, (size_t)pp->layer, names, sizeof names);
		if (!names[0])
			return sh_err(S, "%s: layer %ld (%s) has no "
			              "parameters", text, pp->layer + 1,
			              info.desc);
		return sh_err(S, "%s: layer %ld (%s) has no parameter '%s' "
		              "(it has %s)", text, pp->layer + 1, info.desc,
		              param, names);
	}
	pp->has_param = 1;
	snprintf(pp->name, sizeof pp->name, "%s.%ld.%s", pp->sm->name,
	         pp->layer + 1, param);
	if (br) {
		if (parse_indices(S, text, br, pp) < 0)
			return -1;
		if (pp->nidx != pp->p.shape.ndim)
			return sh_err(S, "%s: %s has %d dimension%s, so it "
			              "takes %d ind%s", text, pp->name,
			              pp->p.shape.ndim,
			              pp->p.shape.ndim == 1 ? "" : "s",
			              pp->p.shape.ndim,
			              pp->p.shape.ndim == 1 ? "ex" : "ices");
		for (int i = 0; i < pp->nidx; i++)
			if (pp->idx[i] >= pp->p.shape.dim[i])
				return sh_err(S, "%s: index %ld is out of "
				              "range 0..%d", text, pp->idx[i],
				              pp->p.shape.dim[i] - 1);
	}
	return 0;
}

/* Offset of the element pp->idx in its parameter. */
static size_t element_offset(const ppath *pp)
{
	size_t off = 0;

	for (int i = 0; i < pp->nidx; i++)
		off = off * (size_t)pp->p.shape.dim[i] + (size_t)pp->idx[i];
	return off;
}

/* ---- set --------------------------------------------------------------- */

int cmd_set(sh_session *S, const sh_line *l)
{
	const char *path, *val;
	char err[256], a[32], b[32];
	nn_tensor *t;
	ppath pp;

	if (sh_npos(l) == 0 && l->n == 2) {     /* set net.1.b=[0 0] */
		path = l->v[1].key;
		val = l->v[1].text;
	} else if (sh_npos(l) == 3 && l->n == 4 &&
	           sh_pos(l, 1)->kind == SH_EQUALS) {
		path = sh_pos(l, 0)->text;
		val = sh_pos(l, 2)->text;
	} else {
		return sh_err(S, "usage: set MODEL.LAYER.PARAM = VALUE, as in "
		              "'set net.1.b = [0 0]'");
	}
	if (parse_path(S, path, &pp) != 0)
		return -1;
	if (!pp.has_param)
		return sh_err(S, "set %s: name a parameter, as in 'set "
		              "%s.1.W = ...'", path, pp.sm->name);
	if (!(t = sh_parse_tensor(val, err, sizeof err)))
		return sh_err(S, "set %s: %s", pp.name, err);
	if (pp.nidx > 0 || nn_tensor_size(t) == 1) {
		if (nn_tensor_size(t) != 1) {
			nn_tensor_free(t);
			return sh_err(S, "set %s: one element takes one number",
			              path);
		}
		if (pp.nidx > 0)
			pp.p.value[element_offset(&pp)] = t->data[0];
		else
			for (size_t i = 0; i < pp.p.size; i++)
				pp.p.value[i] = t->data[0];
	} else if (!nn_shape_eq(&t->shape, &pp.p.shape)) {
		sh_err(S, "set %s: the value has shape (%s) but %s has (%s); "
		       "nothing changed", pp.name,
		       nn_shape_str(&t->shape, b, sizeof b), pp.name,
		       nn_shape_str(&pp.p.shape, a, sizeof a));
		nn_tensor_free(t);
		return -1;
	} else {
		memcpy(pp.p.value, t->data, pp.p.size * sizeof *t->data);
	}
	nn_tensor_free(t);
	return 0;
}

/* ---- show -------------------------------------------------------------- */

/* Mean and standard deviation of n values. */
static void mean_std(const float *v, size_t n, double *mean, double *std)
{
	double s = 0, ss = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	*mean = s / n;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - *mean) * (v[i] - *mean);
	*std = sqrt(ss / n);
}

static void show_layer(sh_session *S, sh_model *sm, size_t i)
{
	nn_layer_info info;
	char name[256];

	nn_model_layer_info(sm->m, i, &info);
	sh_printf(S, "layer %zu: %s%s\n", i + 1, info.desc,
	          info.nparams ? "" : " (no parameters)");
	for (int k = 0; k < info.nparams; k++) {
		nn_param p;

		nn_model_param(sm->m, i, k, &p);
		snprintf(name, sizeof name, "%s.%zu.%s", sm->name, i + 1,
		         p.name);
		sh_print_tensor(S, name, p.value, &p.shape);
	}
}

/* A table of every parameter tensor, for models too big to print. */
static void show_table(sh_session *S, sh_model *sm)
{
	size_t nl = nn_model_layers(sm->m);

	sh_printf(S, "  %-16s %-12s %10s %10s %10s %10s\n", "parameter",
	          "shape", "min", "max", "mean", "std");
	for (size_t i = 0; i < nl; i++)
		for (int k = 0; k < nn_model_layer_nparams(sm->m, i); k++) {
			char name[256], sh[32], a[32], b[32], c[32], d[32];
			double min = INFINITY, max = -INFINITY, mean, std;
			nn_param p;

			nn_model_param(sm->m, i, k, &p);
			for (size_t j = 0; j < p.size; j++) {
				min = fmin(min, p.value[j]);
				max = fmax(max, p.value[j]);
			}
			mean_std(p.value, p.size, &mean, &std);
			snprintf(name, sizeof name, "%s.%zu.%s", sm->name,
			         i + 1, p.name);
			sh_printf(S, "  %-16s %-12s %10s %10s %10s %10s\n",
			          name, nn_shape_str(&p.shape, sh, sizeof sh),
			          sh_num(min, a, sizeof a),
			          sh_num(max, b, sizeof b),
			          sh_num(mean, c, sizeof c),
			          sh_num(std, d, sizeof d));
		}
	sh_printf(S, "values: show %s.LAYER.PARAM\n", sm->name);
}

#define SHOW_ALL 256    /* show MODEL prints every value up to this many */

int cmd_show(sh_session *S, const sh_line *l)
{
	const sh_arg *a = sh_pos(l, 0);
	char in[32];
	ppath pp;

	memset(&pp, 0, sizeof pp);
	pp.layer = -1;
	if (!a) {
		if (!(pp.sm = sh_model_arg(S, NULL)))
			return -1;
	} else if (parse_path(S, a->text, &pp) != 0) {
		return -1;
	}
	if (pp.nidx > 0) {
		char buf[64];
		sh_fmt f = { 0 };
		float v = pp.p.value[element_offset(&pp)];

		sh_fmt_add(&f, &v, 1);
		sh_printf(S, "%s = %s\n", a->text,
		          sh_fmt_str(&f, v, buf, sizeof buf));
	} else if (pp.has_param) {
		sh_print_tensor(S, pp.name, pp.p.value, &pp.p.shape);
	} else if (pp.layer >= 0) {
		show_layer(S, pp.sm, (size_t)pp.layer);
	} else {
		size_t nl = nn_model_layers(pp.sm->m);
		size_t np = nn_model_param_count(pp.sm->m);

		sh_printf(S, "model %s: input %s, %zu layer%s, %zu "
		          "parameter%s\n", pp.sm->name,
		          nn_shape_str(nn_model_input_shape(pp.sm->m), in,
		                    sizeof in),
		          nl, nl == 1 ? "" : "s", np, np == 1 ? "" : "s");
		if (np > SHOW_ALL)
			show_table(S, pp.sm);
		else
			for (size_t i = 0; i < nl; i++)
				show_layer(S, pp.sm, i);
	}
	return 0;
}

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
static int parse_sample(sh_session *S, const char *text, sh_data **sd,
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
static int check_data(sh_session *S, const sh_model *sm, const sh_data *sd,
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
static nn_tensor *typed_input(sh_session *S, const sh_model *sm,
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
static float *typed_target(sh_session *S, const sh_model *sm,
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
		rc = parse_sample(S, what->text, &sd, &i);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return check_data(S, sm, sd, 0) < 0 ? -1
			       : eval_sample(S, sm, sd, i);
		if (sh_parse_double(what->text, &num) < 0) {
			if (!(sd = sh_data_arg(S, what->text)) ||
			    check_data(S, sm, sd, 0) < 0)
				return -1;
			return eval_data(S, l, sm, sd);
		}
	}
	if (!(t = typed_input(S, sm, what->text, &n)))
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

/* ---- grad and step ----------------------------------------------------- */

/* The gradient of the last `grad`, kept for `step`, with what identifies
 * the model and its parameters at that moment. */
static struct {
	char *model;            /* name, or NULL when there is none */
	const nn_model *m;
	size_t count;
	uint64_t hash;          /* of the parameters */
	float *grads;
} last;

static uint64_t hash_params(nn_model *m)
{
	const unsigned char *p = (const unsigned char *)nn_model_params(m);
	size_t n = nn_model_param_count(m) * sizeof(float);
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static void forget_grad(void)
{
	free(last.model);
	free(last.grads);
	memset(&last, 0, sizeof last);
}

static void keep_grad(sh_model *sm)
{
	size_t count = nn_model_param_count(sm->m);

	forget_grad();
	last.model = strdup(sm->name);
	last.grads = malloc((count ? count : 1) * sizeof *last.grads);
	if (!last.model || !last.grads) {
		forget_grad();
		return;
	}
	memcpy(last.grads, nn_model_grads(sm->m), count * sizeof *last.grads);
	last.m = sm->m;
	last.count = count;
	last.hash = hash_params(sm->m);
}

/* Inputs and targets of grad: x=[..] y=[..], or x=DATA:i. */
static int grad_batch(sh_session *S, const sh_line *l, sh_model *sm,
                      float **x, float **y, size_t *n)
{
	const char *xt = sh_opt(l, "x"), *yt = sh_opt(l, "y");
	size_t in = nn_shape_size(nn_model_input_shape(sm->m));
	size_t w = nn_shape_size(nn_model_output_shape(sm->m)), i;
	sh_data *sd;
	nn_tensor *t;
	int rc;

	*x = *y = NULL;
	if (!xt)
		return sh_err(S, "grad needs an example: x=[...] y=[...] or "
		              "x=DATA:I");
	if ((rc = parse_sample(S, xt, &sd, &i)) < 0)
		return -1;
	if (rc == 0) {
		if (check_data(S, sm, sd, !yt) < 0)
			return -1;
		*n = 1;
		*x = malloc(in * sizeof **x);
		if (!yt)
			*y = malloc(w * sizeof **y);
		if (!*x || (!yt && !*y))
			return sh_err(S, "out of memory");
		nn_dataset_gather(sd->d, &i, 1, *x, *y);
	} else {
		if (!yt)
			return sh_err(S, "grad x=[...] needs its target "
			              "y=[...]");
		if (!(t = typed_input(S, sm, xt, n)))
			return -1;
		*x = malloc(*n * in * sizeof **x);
		if (!*x) {
			nn_tensor_free(t);
			return sh_err(S, "out of memory");
		}
		memcpy(*x, t->data, *n * in * sizeof **x);
		nn_tensor_free(t);
	}
	if (yt && !(*y = typed_target(S, sm, yt, *n, w)))
		return -1;
	return 0;
}

/* Loss of the model on (x, y), and if grad, the backward pass too. */
static int forward_loss(sh_session *S, sh_model *sm, const float *x,
                        const float *y, size_t n, int backward,
                        double *loss)
{
	size_t w = nn_shape_size(nn_model_output_shape(sm->m));
	size_t last_layer = nn_model_layers(sm->m) - 1;
	nn_loss_kind lk = sh_model_loss(sm);
	nn_act act = nn_model_output_act(sm->m);
	const float *out;
	float *g = NULL;
	int dz_given;

	if (nn_loss_check(lk, act, w) < 0)
		return sh_err(S, "%s", nn_error());
	if (backward && !(g = malloc(n * w * sizeof *g)))
		return sh_err(S, "out of memory");
	if (!(out = nn_model_forward(sm->m, x, n, 0, NULL))) {
		free(g);
		return sh_err(S, "%s", nn_error());
	}
	*loss = nn_loss(lk, act, nn_model_z(sm->m, last_layer), out, y, n, w,
	                g, &dz_given) + nn_model_penalty_value(sm->m, -1);
	if (backward)
		nn_model_backward(sm->m, g, dz_given);
	free(g);
	return 0;
}

/* Per-sample buffers of n samples as one tensor shape (n x out). */
static nn_shape batch_shape(const nn_shape *out, size_t n)
{
	nn_shape s = { 0 };

	if (n == 1)
		return *out;
	s.ndim = out->ndim + 1 <= NN_MAXDIM ? out->ndim + 1 : 2;
	s.dim[0] = (int)n;
	if (s.ndim == 2)
		s.dim[1] = (int)nn_shape_size(out);
	else
		for (int i = 0; i < out->ndim; i++)
			s.dim[i + 1] = out->dim[i];
	return s;
}

/* An input or target of grad: its values, or for a large one (an image)
 * its shape and range. */
static void print_example(sh_session *S, const char *label, const float *v,
                          const nn_shape *shape)
{
	size_t n = nn_shape_size(shape);
	double min = INFINITY, max = -INFINITY, sum = 0;
	char sh[32], a[32], b[32], c[32];

	if (n <= 64) {
		sh_print_tensors(S, 1, &label, &v, shape);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		min = fmin(min, v[i]);
		max = fmax(max, v[i]);
		sum += v[i];
	}
	sh_printf(S, "%s (%s)  min %s  max %s  mean %s\n", label,
	          nn_shape_str(shape, sh, sizeof sh), sh_num(min, a, sizeof a),
	          sh_num(max, b, sizeof b), sh_num(sum / n, c, sizeof c));
}

static void print_grads(sh_session *S, sh_model *sm, const float *x,
                        const float *y, size_t n, double loss)
{
	nn_model *m = sm->m;
	nn_shape xs = batch_shape(nn_model_input_shape(m), n);
	nn_shape ys = batch_shape(nn_model_output_shape(m), n);
	const char *lab[3];
	const float *v[3];
	char buf[32];

	sh_printf(S, "%s loss %s on %zu sample%s\n",
	          nn_loss_name(sh_model_loss(sm)),
	          sh_num(loss, buf, sizeof buf), n, n == 1 ? "" : "s");
	if (nn_model_npenalties(m)) {
		double terms = nn_model_penalty_value(m, -1);

		sh_printf(S, "  = %s (the loss of the output)",
		          sh_num(loss - terms, buf, sizeof buf));
		for (size_t k = 0; k < nn_model_npenalties(m); k++)
			sh_printf(S, " + %s (term %zu)",
			          sh_num(nn_model_penalty_value(m, (long)k), buf,
			                 sizeof buf), k + 1);
		sh_printf(S, "\n");
		sh_print_penalties(S, m);
	}
	print_example(S, "x", x, &xs);
	print_example(S, "y", y, &ys);
	for (size_t i = 0; i < nn_model_layers(m); i++) {
		nn_layer_info info;
		nn_shape s;
		int linear;

		nn_model_layer_info(m, i, &info);
		s = batch_shape(&info.out, n);
		linear = info.act == NN_ACT_LINEAR;
		sh_printf(S, "\nlayer %zu: %s", i + 1, info.desc);
		if (*nn_model_node_name(m, i))
			sh_printf(S, "  (%s)", nn_model_node_name(m, i));
		if (!nn_model_is_chain(m)) {
			char from[64];

			sh_node_inputs(m, i, from, sizeof from);
			sh_printf(S, "  from %s", from);
		}
		sh_printf(S, "\n");
		lab[0] = linear ? "  z = a" : "  z";
		lab[1] = linear ? "  dL/dz" : "  a";
		lab[2] = "  dL/dz";
		v[0] = nn_model_z(m, i);
		v[1] = linear ? nn_model_dz(m, i) : nn_model_a(m, i);
		v[2] = nn_model_dz(m, i);
		sh_print_tensors(S, linear ? 2 : 3, lab, v, &s);
		for (int k = 0; k < info.nparams; k++) {
			char name[64];
			nn_param p;

			nn_model_param(m, i, k, &p);
			if (p.tied) {
				sh_printf(S, "  %s is layer %d's%s: its dL/d%s, "
				          "shown there, sums every use\n",
				          p.name, p.tied, p.transposed ?
				          ", transposed" : "", p.name);
				continue;
			}
			snprintf(name, sizeof name, "  dL/d%s", p.name);
			sh_print_tensor(S, name, p.grad, &p.shape);
		}
	}
	if (nn_model_input_grad(m)) {
		sh_printf(S, "\ninput\n");
		print_example(S, "  dL/dx", nn_model_input_grad(m), &xs);
	}
}

int cmd_grad(sh_session *S, const sh_line *l)
{
	const sh_arg *a = sh_pos(l, 0);
	sh_model *sm = sh_model_arg(S, a ? a->text : NULL);
	float *x = NULL, *y = NULL;
	double loss;
	size_t n;
	int rc;

	if (!sm)
		return -1;
	if (nn_model_layers(sm->m) == 0)
		return sh_err(S, "%s has no layers; add some with 'add'",
		              sm->name);
	rc = grad_batch(S, l, sm, &x, &y, &n);
	if (rc == 0)
		rc = forward_loss(S, sm, x, y, n, 1, &loss);
	if (rc == 0) {
		print_grads(S, sm, x, y, n, loss);
		keep_grad(sm);
	}
	free(x);
	free(y);
	return rc;
}

static void describe_optim(sh_session *S, const nn_optim *o)
{
	sh_printf(S, "%s lr=%g", nn_optim_name(o->kind), o->lr);
	if (o->kind == NN_OPT_SGD && o->momentum > 0)
		sh_printf(S, " momentum=%g%s", o->momentum,
		          o->nesterov ? " nesterov" : "");
	if (o->weight_decay > 0)
		sh_printf(S, " weight_decay=%g", o->weight_decay);
}

int cmd_step(sh_session *S, const sh_line *l)
{
	const sh_arg *a = sh_pos(l, 0);
	sh_model *sm = sh_model_arg(S, a ? a->text : NULL);
	nn_model *m;

	if (!sm)
		return -1;
	m = sm->m;
	if (!last.model || strcmp(last.model, sm->name) != 0)
		return sh_err(S, "no gradient of %s to apply: run 'grad %s "
		              "x=... y=...' first", sm->name, sm->name);
	if (last.m != m || last.count != nn_model_param_count(m) ||
	    last.hash != hash_params(m))
		return sh_err(S, "%s has changed since its last grad: run "
		              "grad again", sm->name);
	if (last.count == 0)
		return sh_err(S, "%s has no parameters", sm->name);
	memcpy(nn_model_grads(m), last.grads, last.count * sizeof *last.grads);
	if (nn_optim_step(&sm->opt, m) < 0)
		return sh_err(S, "%s", nn_error());
	forget_grad();
	sh_printf(S, "step %ld of %s: ", sm->opt.t, sm->name);
	describe_optim(S, &sm->opt);
	sh_printf(S, "\n");
	for (size_t i = 0; i < nn_model_layers(m); i++)
		for (int k = 0; k < nn_model_layer_nparams(m, i); k++) {
			char name[256];
			nn_param p;

			nn_model_param(m, i, k, &p);
			snprintf(name, sizeof name, "%s.%zu.%s", sm->name,
			         i + 1, p.name);
			sh_print_tensor(S, name, p.value, &p.shape);
		}
	return 0;
}

/* ---- gradcheck --------------------------------------------------------- */

#define GC_EPS 1e-2     /* central-difference steps: this and a tenth */
#define GC_FLOOR 1e-3   /* relative errors of tiny numbers are absolute */
#define GC_TOL 1e-2     /* float32 forward passes do no better */
#define GC_MAX 100      /* elements checked per parameter tensor */

static double relerr(double a, double f)
{
	double d = fabs(a - f), s = fabs(a) + fabs(f);

	return d / (s > GC_FLOOR ? s : GC_FLOOR);
}

/* Random inputs and targets for n samples, drawn from r. */
static void random_batch(const sh_model *sm, nn_rng *r, float *x, float *y,
                         size_t n)
{
	const nn_shape *is = nn_model_input_shape(sm->m);
	size_t in = nn_shape_size(is);
	size_t w = nn_shape_size(nn_model_output_shape(sm->m));
	nn_loss_kind lk = sh_model_loss(sm);
	float lo = is->ndim >= 3 ? 0.0f : -1.0f;

	for (size_t i = 0; i < n * in; i++)
		x[i] = lo + (1 - lo) * (float)nn_rng_uniform(r);
	for (size_t i = 0; i < n; i++) {
		float *t = y + i * w;

		if (lk == NN_LOSS_CE || lk == NN_LOSS_CE_NAIVE ||
		    lk == NN_LOSS_NLL) {
			memset(t, 0, w * sizeof *t);
			t[nn_rng_below(r, (uint32_t)w)] = 1;
		} else {
			for (size_t j = 0; j < w; j++)
				t[j] = lk == NN_LOSS_BCE
				       ? (float)nn_rng_below(r, 2)
				       : (float)nn_rng_uniform(r);
		}
	}
}

/* Central difference of the loss in *v with step h. */
static double central(sh_session *S, sh_model *sm, const float *x,
                      const float *y, size_t n, float *v, double h)
{
	float keep = *v, up = (float)(keep + h), down = (float)(keep - h);
	double lp = 0, lm = 0;

	*v = up;
	forward_loss(S, sm, x, y, n, 0, &lp);
	*v = down;
	forward_loss(S, sm, x, y, n, 0, &lm);
	*v = keep;
	return (lp - lm) / ((double)up - down);
}

/* "[1][0]": the indices of element j of a tensor of that shape. */
static void index_str(const nn_shape *shape, size_t j, char *buf, size_t len)
{
	size_t idx[NN_MAXDIM], used = 0;

	for (int i = shape->ndim - 1; i >= 0; i--) {
		idx[i] = j % (size_t)shape->dim[i];
		j /= (size_t)shape->dim[i];
	}
	buf[0] = '\0';
	for (int i = 0; i < shape->ndim && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "[%zu]",
		                         idx[i]);
}

/* Check one parameter tensor; print its row unless quiet; return its
 * worst error. */
static double check_param(sh_session *S, sh_model *sm, const float *x,
                          const float *y, size_t n, size_t layer,
                          const nn_param *p, const float *analytic,
                          nn_rng *r, int quiet)
{
	size_t count = p->size < GC_MAX ? p->size : GC_MAX, at = 0;
	double worst = 0, wa = 0, wn = 0;
	char name[64], sh[32], e[32], b1[32], b2[32], ix[64];

	for (size_t c = 0; c < count; c++) {
		size_t j = p->size <= GC_MAX ? c
		           : nn_rng_below(r, (uint32_t)p->size);
		double num = 0, err = INFINITY;

		for (double h = GC_EPS; h > GC_EPS / 20; h /= 10) {
			double d = central(S, sm, x, y, n, p->value + j, h);
			double rel = relerr(analytic[j], d);

			if (rel < err) {
				err = rel;
				num = d;
			}
		}
		if (err >= worst) {
			worst = err;
			at = j;
			wa = analytic[j];
			wn = num;
		}
	}
	if (quiet)
		return worst;
	if (layer == SIZE_MAX)
		snprintf(name, sizeof name, "%s.input", sm->name);
	else
		snprintf(name, sizeof name, "%s.%zu.%s", sm->name, layer + 1,
		         p->name);
	snprintf(sh, sizeof sh, "%s%s", nn_shape_str(&p->shape, b1, sizeof b1),
	         count < p->size ? "*" : "");
	snprintf(e, sizeof e, "%.2e", worst);
	snprintf(b1, sizeof b1, "%.6g", wa);
	snprintf(b2, sizeof b2, "%.6g", wn);
	index_str(&p->shape, at, ix, sizeof ix);
	sh_printf(S, "  %-14s %-10s %9s %-10s %12s %12s\n", name, sh, e, ix,
	          b1, b2);
	return worst;
}

int cmd_gradcheck(sh_session *S, const sh_line *l)
{
	int quiet = sh_flag(l, "quiet"), sampled = 0, rc = -1;
	const sh_arg *a = sh_pos(l, 0);
	const char *dt = sh_opt(l, "data");
	float *x = NULL, *y = NULL, *analytic = NULL, *dx = NULL;
	size_t n = 0, in, w, total;
	double worst = 0, loss;
	char where[64] = "", what[128];
	sh_data *sd = NULL;
	sh_model *sm;
	long k;
	nn_rng r;

	if (a && quiet && strcmp(a->text, "quiet") == 0)
		a = sh_pos(l, 1);
	else if (sh_npos(l) == 2 && strcmp(sh_pos(l, 1)->text, "quiet") != 0)
		return sh_err(S, "gradcheck: unexpected '%s'",
		              sh_pos(l, 1)->text);
	if (!(sm = sh_model_arg(S, a ? a->text : NULL)))
		return -1;
	if (nn_model_layers(sm->m) == 0)
		return sh_err(S, "%s has no layers; add some with 'add'",
		              sm->name);
	if ((total = nn_model_param_count(sm->m)) == 0)
		return sh_err(S, "%s has no parameters to check", sm->name);
	if (dt && sh_opt(l, "x"))
		return sh_err(S, "give x= (and y=) or data=, not both");
	if (sh_opt_long(S, l, "n", 4, 1, 1000, &k) < 0)
		return -1;
	in = nn_shape_size(nn_model_input_shape(sm->m));
	w = nn_shape_size(nn_model_output_shape(sm->m));
	nn_rng_seed(&r, S->seed);
	if (dt) {
		size_t *idx;

		if (!(sd = sh_data_arg(S, dt)) || check_data(S, sm, sd, 1) < 0)
			return -1;
		n = (size_t)k < sd->d->n ? (size_t)k : sd->d->n;
		x = malloc(n * in * sizeof *x);
		y = malloc(n * w * sizeof *y);
		idx = malloc(n * sizeof *idx);
		if (x && y && idx) {
			for (size_t i = 0; i < n; i++)
				idx[i] = i;
			nn_dataset_gather(sd->d, idx, n, x, y);
		}
		free(idx);
		if (!x || !y || !idx) {
			sh_err(S, "out of memory");
			goto done;
		}
	} else if (sh_opt(l, "x")) {
		if (grad_batch(S, l, sm, &x, &y, &n) < 0)
			goto done;
	} else {
		n = (size_t)k;
		x = malloc(n * in * sizeof *x);
		y = malloc(n * w * sizeof *y);
		if (!x || !y) {
			sh_err(S, "out of memory");
			goto done;
		}
		random_batch(sm, &r, x, y, n);
	}
	if (!(analytic = malloc(total * sizeof *analytic)) ||
	    forward_loss(S, sm, x, y, n, 1, &loss) < 0) {
		if (!analytic)
			sh_err(S, "out of memory");
		goto done;
	}
	memcpy(analytic, nn_model_grads(sm->m), total * sizeof *analytic);
	if (!(dx = malloc(n * in * sizeof *dx))) {
		sh_err(S, "out of memory");
		goto done;
	}
	memcpy(dx, nn_model_input_grad(sm->m), n * in * sizeof *dx);
	snprintf(what, sizeof what, "%s loss on %zu %s sample%s",
	         nn_loss_name(sh_model_loss(sm)), n,
	         sd ? sd->name : sh_opt(l, "x") ? "given" : "random",
	         n == 1 ? "" : "s");
	if (!quiet) {
		sh_printf(S, "gradcheck %s: %s, central differences (steps "
		          "%g, %g)\n", sm->name, what, GC_EPS, GC_EPS / 10);
		sh_printf(S, "  %-14s %-10s %9s %-10s %12s %12s\n",
		          "parameter", "shape", "worst err", "at", "backprop",
		          "numeric");
	}
	for (size_t i = 0; i < nn_model_layers(sm->m); i++)
		for (int j = 0; j < nn_model_layer_nparams(sm->m, i); j++) {
			nn_param p;
			double e;

			nn_model_param(sm->m, i, j, &p);
			if (p.tied)
				continue;       /* checked at its owner */
			sampled |= p.size > GC_MAX;
			e = check_param(S, sm, x, y, n, i, &p,
			                analytic + (p.value -
			                            nn_model_params(sm->m)),
			                &r, quiet);
			if (e > worst) {
				worst = e;
				snprintf(where, sizeof where, "%s.%zu.%s",
				         sm->name, i + 1, p.name);
			}
		}
	{
		/* dL/dx of the input too: the homework's x-bar */
		nn_param px = { .name = "input", .size = n * in, .value = x };
		double e;

		px.shape = batch_shape(nn_model_input_shape(sm->m), n);
		sampled |= px.size > GC_MAX;
		e = check_param(S, sm, x, y, n, SIZE_MAX, &px, dx, &r, quiet);
		if (e > worst) {
			worst = e;
			snprintf(where, sizeof where, "%s.input", sm->name);
		}
	}
	if (sampled && !quiet)
		sh_printf(S, "  * checked at %d elements picked at random\n",
		          GC_MAX);
	if (worst >= GC_TOL) {
		sh_err(S, "gradcheck %s: backprop disagrees with finite "
		       "differences (relative error %.2e in %s)", sm->name,
		       worst, where);
		goto done;
	}
	if (quiet)
		sh_printf(S, "gradcheck %s: ok, backprop agrees with finite "
		          "differences (%s)\n", sm->name, what);
	else
		sh_printf(S, "ok: backprop agrees with finite differences "
		          "(every relative error < %g)\n", GC_TOL);
	rc = 0;
done:
	free(x);
	free(y);
	free(analytic);
	free(dx);
	return rc;
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
