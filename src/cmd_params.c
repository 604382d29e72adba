/* cmd_params.c - parameters by name: paths MODEL[.LAYER[.PARAM]][i][j]
 * (a LAYER is a number or a node's name), set and show. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "teach.h"

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
#define SHADE_MAX 64    /* show ... shade draws up to this many columns */

/* A matrix as a Hinton diagram in text: each value as up to four signs,
 * + for positive and - for negative, as many as its size against the
 * largest |value| (a dot for less than an eighth of it). */
static int show_shade(sh_session *S, const ppath *pp)
{
	const nn_shape *sh = &pp->p.shape;
	int rows = sh->ndim == 2 ? sh->dim[0] : 1;
	int cols = sh->ndim == 2 ? sh->dim[1] : sh->dim[0];
	double lim = 0;

	if (sh->ndim > 2 || cols > SHADE_MAX)
		return sh_err(S, "show %s shade: for vectors and matrices of "
		              "up to %d columns", pp->name, SHADE_MAX);
	for (size_t i = 0; i < pp->p.size; i++)
		lim = fmax(lim, fabs(pp->p.value[i]));
	sh_printf(S, "%s: each value as signs, + positive, - negative, "
	          "4 of them for %.3g, . below %.3g\n", pp->name, lim,
	          lim / 8);
	sh_printf(S, "%6s", "");
	for (int j = 0; j < cols; j++)
		sh_printf(S, " %4d", j);
	sh_printf(S, "\n");
	for (int i = 0; i < rows; i++) {
		sh_printf(S, "%6d", i);
		for (int j = 0; j < cols; j++) {
			double v = pp->p.value[(size_t)i * cols + j];
			int k = lim > 0 ? (int)lround(4 * fabs(v) / lim) : 0;
			char cell[5] = "    ";

			for (int c = 0; c < k; c++)
				cell[3 - c] = v < 0 ? '-' : '+';
			if (k == 0)
				cell[3] = '.';
			sh_printf(S, " %s", cell);
		}
		sh_printf(S, "\n");
	}
	return 0;
}

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
	if (sh_npos(l) == 2) {
		const char *how = sh_pos(l, 1)->text;

		if (!pp.has_param || pp.nidx > 0 ||
		    (strcmp(how, "shade") != 0 && strcmp(how, "family") != 0))
			return sh_err(S, "usage: show MODEL.LAYER.PARAM shade "
			              "| family");
		return how[0] == 's' ? show_shade(S, &pp)
		       : sh_show_family(S, pp.name, &pp.p);
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
