/* weights.c - nn_load_weights: fill an existing model's parameters from
 * any safetensors file, such as a PyTorch state_dict, by order and shape
 * (map=auto) or through a map file naming where each tensor goes. Every
 * tensor is read and checked into buffers of its own first; the model is
 * written only once all of them fit, so a failure leaves it unchanged. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "safetensors.h"

/* One tensor of the file and where it goes. */
typedef struct entry {
	in_tensor *t;
	char *prefix;           /* the module: the name up to its last dot */
	int rank;               /* weight 0, bias 1, running_mean 2, ... */
	int node, param;        /* -1: left out */
	float *vals;
} entry;

/* PyTorch's names of a module's tensors and nnsh's, in nnsh's order. */
static const char *const ranks[][3] = {
	{ "weight", "W", "gamma" },
	{ "bias", "b", "beta" },
	{ "running_mean", "mean", NULL },
	{ "running_var", "var", NULL },
};

static int suffix_rank(const char *suffix)
{
	for (int r = 0; r < 4; r++)
		for (int k = 0; k < 3; k++)
			if (ranks[r][k] && strcmp(suffix, ranks[r][k]) == 0)
				return r;
	return -1;
}

static const char *suffix_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot ? dot + 1 : name;
}

/* Compare names with runs of digits as numbers ("2.weight" before
 * "10.weight"). */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			char *ea, *eb;
			unsigned long long x = strtoull(a, &ea, 10);
			unsigned long long y = strtoull(b, &eb, 10);

			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
		} else if (*a != *b) {
			return (unsigned char)*a - (unsigned char)*b;
		} else {
			a++;
			b++;
		}
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int cmp_entry(const void *pa, const void *pb)
{
	const entry *a = pa, *b = pb;
	int c = natural_cmp(a->prefix, b->prefix);

	if (c)
		return c;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return strcmp(a->t->name, b->t->name);
}

static void shape_text(const size_t *dim, int ndim, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int d = 0; d < ndim && at < len; d++)
		at += (size_t)snprintf(buf + at, len - at, "%s%zu",
		                       d ? "x" : "", dim[d]);
	if (ndim == 0)
		snprintf(buf, len, "scalar");
}

/* Check that e's tensor fits parameter k of node i and read it. */
static int take(reader *r, nn_model *m, entry *e, int i, int k)
{
	nn_param p;
	size_t pd[8];
	char want[48], got[48];
	int same;

	nn_model_param(m, (size_t)i, k, &p);
	for (int d = 0; d < p.shape.ndim && d < 8; d++)
		pd[d] = (size_t)p.shape.dim[d];
	shape_text(pd, p.shape.ndim, want, sizeof want);
	shape_text(e->t->shape, e->t->ndim, got, sizeof got);
	same = e->t->ndim == p.shape.ndim;
	for (int d = 0; same && d < e->t->ndim; d++)
		same = e->t->shape[d] == pd[d];
	if (!same)
		return st_fail(r, "tensor '%s' is %s, node %d's %s is %s: the "
		               "shapes differ (the model is unchanged)",
		               e->t->name, got, i + 1, p.name, want);
	if (p.tied)
		return st_fail(r, "node %d's %s is node %d's tensor (tie=): "
		               "load it there", i + 1, p.name, p.tied);
	if (e->t->type == DT_I64)
		return st_fail(r, "tensor '%s' holds integers (I64), not "
		               "weights", e->t->name);
	if (!(e->vals = malloc(e->t->count * sizeof *e->vals + 1)))
		return nn_fail("out of memory");
	if (st_read_weights(r, e->t, e->vals) < 0)
		return -1;
	e->node = i;
	e->param = k;
	return 0;
}

/* The parameters of node i that are its own (not tied to another's). */
static int own_params(const nn_model *m, size_t i)
{
	int own = 0;

	for (int k = 0; k < nn_model_layer_nparams(m, i); k++) {
		nn_param p;

		nn_model_param(m, i, k, &p);
		own += !p.tied;
	}
	return own;
}

/* map=auto: the file's modules, in natural order, onto the nodes that
 * have parameters, in order; within a module, by rank. Entries of rank
 * -1 (num_batches_tracked) sort first in their module and are skipped. */
static int map_auto(reader *r, nn_model *m, entry *e, size_t n)
{
	size_t at = 0, modules = 0, nodes = 0;

	for (size_t j = 0; j < n; j++) {
		if (e[j].rank < 0 && strcmp(suffix_of(e[j].t->name),
		                            "num_batches_tracked") != 0)
			return st_fail(r, "tensor '%s': map=auto knows "
			               "weight, bias, running_mean and "
			               "running_var; give map=FILE",
			               e[j].t->name);
		if (e[j].rank == 0 || (e[j].rank > 0 && (j == 0 ||
		    strcmp(e[j].prefix, e[j - 1].prefix) != 0)))
			modules++;
	}
	for (size_t i = 0; i < nn_model_layers(m); i++) {
		int own = own_params(m, i), g = 0;
		size_t start;

		if (!own)
			continue;
		nodes++;
		while (at < n && e[at].rank < 0)
			at++;
		if (at == n)
			continue;
		start = at;
		while (at < n && strcmp(e[at].prefix, e[start].prefix) == 0) {
			if (e[at].rank != g)
				return st_fail(r, "module '%s': %s is out of "
				               "place (weight, bias, "
				               "running_mean, running_var in "
				               "turn); give map=FILE",
				               e[start].prefix, e[at].t->name);
			at++;
			g++;
		}
		if (g != own)
			return st_fail(r, "module '%s' has %d tensors, node "
			               "%zu has %d parameters: give map=FILE",
			               e[start].prefix, g, i + 1, own);
		for (int k = 0, q = 0; q < g; k++) {
			nn_param p;

			nn_model_param(m, i, k, &p);
			if (!p.tied &&
			    take(r, m, &e[start + q++], (int)i, k) < 0)
				return -1;
		}
	}
	if (modules != nodes)
		return st_fail(r, "%zu modules with weights in the file, %zu "
		               "nodes with parameters in the model: give "
		               "map=FILE", modules, nodes);
	return 0;
}

/* The node and parameter "NODE.PARAM" (or "MODEL.NODE.PARAM") names. */
static int parse_target(nn_model *m, const char *model_name, char *s,
                        int *node, int *param)
{
	char *dot = strrchr(s, '.'), *first;
	int i;

	if (!dot)
		return nn_fail("'%s' is not NODE.PARAM (2.W)", s);
	*dot = '\0';
	first = strchr(s, '.');
	if (first) {
		*first = '\0';
		if (!model_name || strcmp(s, model_name) != 0)
			return nn_fail("'%s' is not a parameter of model %s", s,
			               model_name ? model_name : "");
		s = first + 1;
	}
	if ((i = nn_model_find_node(m, s)) < 0)
		return -1;
	if (i == 0)
		return nn_fail("the input has no parameters");
	for (int k = 0; k < nn_model_layer_nparams(m, (size_t)i - 1); k++) {
		nn_param p;

		nn_model_param(m, (size_t)i - 1, k, &p);
		if (strcmp(p.name, dot + 1) == 0) {
			*node = i - 1;
			*param = k;
			return 0;
		}
	}
	return nn_fail("node %d has no parameter '%s'", i, dot + 1);
}

static entry *entry_named(entry *e, size_t n, const char *name)
{
	for (size_t j = 0; j < n; j++)
		if (strcmp(e[j].t->name, name) == 0)
			return &e[j];
	return NULL;
}

/* map=FILE: lines "TENSOR NODE.PARAM". */
static int map_file(reader *r, nn_model *m, entry *e, size_t n,
                    const char *path, const char *model_name)
{
	FILE *f = fopen(path, "r");
	char line[512], tname[256], target[256], extra[2];
	int lineno = 0, rc = 0;

	if (!f)
		return nn_fail("cannot open %s: %s", path, strerror(errno));
	while (rc == 0 && fgets(line, sizeof line, f)) {
		char *hash = strchr(line, '#');
		int got, node = -1, param = -1;
		entry *x;

		lineno++;
		if (hash)
			*hash = '\0';
		got = sscanf(line, "%255s %255s %1s", tname, target, extra);
		if (got <= 0)
			continue;
		if (got != 2) {
			rc = nn_fail("%s:%d: expected 'TENSOR NODE.PARAM' "
			             "(fc1.weight 2.W)", path, lineno);
		} else if (!(x = entry_named(e, n, tname))) {
			rc = nn_fail("%s:%d: no tensor '%s' in %s", path,
			             lineno, tname, r->path);
		} else if (x->node >= 0) {
			rc = nn_fail("%s:%d: tensor '%s' is mapped twice",
			             path, lineno, tname);
		} else if (parse_target(m, model_name, target, &node,
		                        &param) < 0) {
			rc = nn_fail("%s:%d: %s", path, lineno, nn_error());
		} else {
			for (size_t j = 0; j < n; j++)
				if (e[j].node == node && e[j].param == param)
					rc = nn_fail("%s:%d: node %d's "
					             "parameter is filled twice",
					             path, lineno, node + 1);
			if (rc == 0 && take(r, m, x, node, param) < 0)
				rc = -1;
		}
	}
	if (rc == 0 && ferror(f))
		rc = nn_fail("cannot read %s", path);
	fclose(f);
	return rc;
}

void nn_weight_rows_free(nn_weight_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		free(rows[i].tensor);
	free(rows);
}

int nn_load_weights(nn_model *m, const char *path, const char *map,
                    const char *model_name, nn_weight_row **rows,
                    size_t *nrows)
{
	reader r;
	entry *e = NULL;
	nn_weight_row *out = NULL;
	size_t n = 0;
	int rc = -1;

	*rows = NULL;
	*nrows = 0;
	if (st_open(&r, path) < 0)
		goto done;
	n = r.nt;
	if (!n) {
		st_fail(&r, "holds no tensors");
		goto done;
	}
	if (!(e = calloc(n, sizeof *e)) || !(out = calloc(n, sizeof *out))) {
		nn_fail("out of memory");
		goto done;
	}
	for (size_t j = 0; j < n; j++) {
		const char *name = r.t[j].name, *dot = strrchr(name, '.');
		size_t len = dot ? (size_t)(dot - name) : 0;

		e[j].t = &r.t[j];
		e[j].rank = suffix_rank(suffix_of(name));
		e[j].node = e[j].param = -1;
		if (!(e[j].prefix = strndup(name, len))) {
			nn_fail("out of memory");
			goto done;
		}
	}
	qsort(e, n, sizeof *e, cmp_entry);
	if (!map || strcmp(map, "auto") == 0 ? map_auto(&r, m, e, n) < 0
	    : map_file(&r, m, e, n, map, model_name) < 0)
		goto done;
	for (size_t j = 0; j < n; j++) {
		if (!(out[j].tensor = strdup(e[j].t->name))) {
			nn_fail("out of memory");
			goto done;
		}
		shape_text(e[j].t->shape, e[j].t->ndim, out[j].shape,
		           sizeof out[j].shape);
		out[j].node = e[j].node;
		out[j].param = e[j].param;
	}
	/* everything fits: only now write the model */
	for (size_t j = 0; j < n; j++)
		if (e[j].node >= 0) {
			nn_param p;

			nn_model_param(m, (size_t)e[j].node, e[j].param, &p);
			memcpy(p.value, e[j].vals, p.size * sizeof *p.value);
		}
	*rows = out;
	*nrows = n;
	out = NULL;
	rc = 0;
done:
	for (size_t j = 0; e && j < n; j++) {
		free(e[j].prefix);
		free(e[j].vals);
	}
	free(e);
	nn_weight_rows_free(out, n);
	st_close(&r);
	return rc;
}
