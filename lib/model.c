/* model.c - a model: a graph of nodes in topological order, each a layer
 * naming its inputs (other nodes or the model input); one contiguous block
 * of parameters and one of gradients, which nodes point into (a tied node
 * points at another's tensor). Its buffers and its forward and backward
 * passes are in passes.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layer.h"
#include "model.h"
#include "workers.h"

nn_model *nn_model_new(const nn_shape *input)
{
	nn_model *m = calloc(1, sizeof *m);

	if (!m) {
		nn_fail("out of memory");
		return NULL;
	}
	m->input = *input;
	m->in_size = nn_shape_size(input);
	return m;
}

static void free_layer(nn_layer *L)
{
	if (!L)
		return;
	if (L->cls->destroy)
		L->cls->destroy(L);
	free(L->scratch);
	free(L->cfg);
	free(L);
}

void nn_model_free(nn_model *m)
{
	if (!m)
		return;
	nn_model_free_buffers(m);
	for (size_t i = 0; i < m->nlayers; i++)
		free_layer(m->layers[i]);
	for (size_t k = 0; k < m->npen; k++)
		free(m->pen[k].r);
	free(m->layers);
	free(m->params);
	free(m->grads);
	free(m);
}

/* Point every parameter slot at its place in the blocks. */
static void fix_pointers(nn_model *m)
{
	for (size_t i = 0; i < m->nlayers; i++) {
		nn_layer *L = m->layers[i];

		for (int k = 0; k < L->nparams; k++) {
			L->p[k].val = m->params + L->p[k].offset;
			L->p[k].grad = m->grads + L->p[k].offset;
		}
	}
}

/* Initialise one parameter slot. */
static void init_slot(nn_param_slot *p, const nn_init *in, nn_rng *rng)
{
	double fi = p->fan_in > 0 ? p->fan_in : 1;
	double fo = p->fan_out > 0 ? p->fan_out : 1;
	double lim = 0, std = 0;
	int normal = 1;

	if (p->tied)
		return;         /* its owner's initialisation stands */
	if ((p->is_bias && !in->bias_same) || p->fixed) {
		for (size_t i = 0; i < p->size; i++)
			p->val[i] = p->fixed ? p->start : in->bias;
		return;
	}
	switch (in->kind) {
	case NN_INIT_ZEROS:
	case NN_INIT_CONSTANT:
		for (size_t i = 0; i < p->size; i++)
			p->val[i] = in->kind == NN_INIT_ZEROS ? 0 : in->value;
		return;
	case NN_INIT_NORMAL: std = in->std; break;
	case NN_INIT_UNIFORM: normal = 0; break;
	case NN_INIT_XAVIER: normal = 0; lim = sqrt(6.0 / (fi + fo)); break;
	case NN_INIT_XAVIER_NORMAL: std = sqrt(2.0 / (fi + fo)); break;
	case NN_INIT_HE: std = sqrt(2.0 / fi); break;
	case NN_INIT_LECUN: std = sqrt(1.0 / fi); break;
	case NN_INIT_MAXFAN: std = sqrt(1.0 / (fi > fo ? fi : fo)); break;
	case NN_INIT_COUNT: break;
	}
	for (size_t i = 0; i < p->size; i++) {
		double v;

		if (normal)
			v = std * nn_rng_normal(rng);
		else if (in->kind == NN_INIT_UNIFORM)
			v = in->lo + (in->hi - in->lo) * nn_rng_uniform(rng);
		else
			v = -lim + 2 * lim * nn_rng_uniform(rng);
		p->val[i] = (float)v;
	}
}

/* Resolve the inputs of a new node into L: srcs, nin, ins, in. */
static int connect(nn_model *m, nn_layer *L, const nn_layer_spec *spec)
{
	int nin = spec->nfrom > 0 ? spec->nfrom : 1;
	int most = L->cls->max_in > 0 ? L->cls->max_in : 1;

	if (nin > most)
		return nn_fail("%s takes %d input%s, not %d", L->cls->kind,
		               most, most > 1 ? "s" : "", nin);
	if (L->cls->max_in > 0 && nin < (L->cls->min_in ? L->cls->min_in : 2))
		return nn_fail("%s joins two or more nodes: add %s A B",
		               L->cls->kind, L->cls->kind);
	L->nin = nin;
	for (int k = 0; k < nin; k++) {
		int f = spec->nfrom > 0 ? spec->from[k] : (int)m->nlayers;

		if (f < 0 || (size_t)f > m->nlayers)
			return nn_fail("node %d does not exist (the model has "
			               "%zu; 0 is the input)", f, m->nlayers);
		L->srcs[k] = f - 1;
		L->ins[k] = f ? m->layers[f - 1]->out : m->input;
	}
	L->src = L->srcs[0];
	L->in = L->ins[0];
	L->model_in = m->input;
	L->in_seq = L->src >= 0 && m->layers[L->src]->seq;
	for (int k = 0; k < nin; k++)
		if (L->srcs[k] >= 0 && m->layers[L->srcs[k]]->seq)
			L->in_seqs |= 1 << k;
	L->in_size = nn_shape_size(&L->in);
	return 0;
}

/* Point L's weight slot at node spec->tie's, after checking it fits. */
static int tie(nn_model *m, nn_layer *L, const nn_layer_spec *spec)
{
	const nn_layer *T;
	nn_param_slot *own;
	char a[64], b[64];

	if (!spec->tie)
		return 0;
	if (spec->tie < 1 || (size_t)spec->tie > m->nlayers)
		return nn_fail("tie: node %d does not exist", spec->tie);
	T = m->layers[spec->tie - 1];
	if (L->nparams == 0 || T->nparams == 0 ||
	    strcmp(L->p[0].name, "W") != 0 || strcmp(T->p[0].name, "W") != 0)
		return nn_fail("tie: only dense and convolution layers share "
		               "weights, and node %d (%s) has none", spec->tie,
		               T->cls->kind);
	if (spec->transpose && L->cls != &nn_dense_class)
		return nn_fail("tie ... transpose is for dense layers");
	own = &L->p[0];
	if (!nn_shape_eq(&own->shape, &T->p[0].shape))
		return nn_fail("tie: this layer needs a weight of %s, node %d's"
		               " is %s%s", nn_shape_str(&own->shape, a, sizeof a),
		               spec->tie, nn_shape_str(&T->p[0].shape, b,
		                                         sizeof b),
		               spec->transpose ? "" : " (tie=NODE transpose?)");
	own->tied = T->p[0].tied ? T->p[0].tied : spec->tie;
	own->transposed = spec->transpose;
	own->offset = T->p[0].offset;
	return 0;
}

/* Refuse a layer whose output or whose model's parameters (need) are
 * more than nnsh can hold, or than the machine's memory. */
static int check_size(const nn_layer *L, size_t need)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	double bytes = 2.0 * sizeof(float) * (double)need;

	for (int d = 0; d < L->out.ndim; d++)
		if (L->out.dim[d] <= 0)
			return nn_fail("the layer's output would be empty");
	if (L->out_size > NN_MAX_VALUES)
		return nn_fail("the layer's output would have %zu values per "
		               "sample, more than the %zu nnsh can hold",
		               L->out_size, NN_MAX_VALUES);
	if (need > NN_MAX_VALUES ||
	    (pages > 0 && page > 0 && bytes > (double)pages * page))
		return nn_fail("the model would need %.0f parameters (%.0f "
		               "bytes with their gradients), more than %s",
		               (double)need, bytes, need > NN_MAX_VALUES
		               ? "nnsh can hold" : "this machine's memory");
	return 0;
}

int nn_model_add(nn_model *m, const nn_layer_spec *spec, nn_rng *rng)
{
	const nn_layer_class *cls = nn_layer_class_find(spec->kind);
	nn_layer *L;
	nn_act act = spec->act;
	size_t need;
	float *params, *grads;
	nn_init def = { .kind = NN_INIT_XAVIER };
	nn_optval v[NN_MAXOPTS];
	int moved = 0;

	if (!cls) {
		int a = nn_act_parse(spec->kind);

		if (a < 0)
			return nn_fail("unknown layer kind '%s'", spec->kind);
		cls = &nn_activation_class;
		act = (nn_act)a;
	}
	if (spec->name && spec->name[0] &&
	    (strlen(spec->name) >= NN_MAXNAME ||
	     nn_model_find_node(m, spec->name) >= 0 ||
	     strcmp(spec->name, "in") == 0))
		return nn_fail(strlen(spec->name) >= NN_MAXNAME
		               ? "node name '%s' is longer than 31 bytes"
		               : "there is a node called '%s' already",
		               spec->name);
	if (m->nlayers == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 8;
		nn_layer **ls = realloc(m->layers, cap * sizeof *ls);

		if (!ls)
			return nn_fail("out of memory");
		m->layers = ls;
		m->cap = cap;
	}
	L = calloc(1, sizeof *L);
	if (!L)
		return nn_fail("out of memory");
	L->cls = cls;
	if (cls->cfg_size && !(L->cfg = calloc(1, cls->cfg_size))) {
		free(L);
		return nn_fail("out of memory");
	}
	if (connect(m, L, spec) < 0) {
		free_layer(L);
		return -1;
	}
	L->act = act;
	L->alpha = spec->alpha > 0 ? spec->alpha : 0.01f;
	if (nn_layer_parse(cls, spec->args, spec->kind, v) < 0 ||
	    cls->setup(L, spec, v) < 0) {
		free_layer(L);
		return -1;
	}
	L->out_size = nn_shape_size(&L->out);
	if (L->in_seq && nn_shape_eq(&L->out, &L->in))
		L->seq = 1;
	L->spec = *spec;
	L->spec.kind = NULL;
	L->spec.args = NULL;
	L->spec.name = NULL;
	snprintf(L->args, sizeof L->args, "%s", spec->args ? spec->args : "");
	if (spec->name)
		snprintf(L->name, sizeof L->name, "%s", spec->name);
	if ((act == NN_ACT_SOFTMAX || act == NN_ACT_LOGSOFTMAX) &&
	    L->out.ndim != 1 && !L->seq) {
		free_layer(L);
		return nn_fail("%s needs a flat input; add flatten first",
		               nn_act_name(act));
	}
	need = m->nparams;
	for (int k = 0; k < L->nparams; k++) {
		L->p[k].offset = need;
		need = L->p[k].size > NN_MAX_VALUES ? SIZE_MAX
		                                    : need + L->p[k].size;
	}
	if (tie(m, L, spec) < 0) {
		free_layer(L);
		return -1;
	}
	if (L->nparams && L->p[0].tied)
		need -= L->p[0].size;
	for (int k = 1; k < L->nparams; k++)
		if (L->p[0].tied)
			L->p[k].offset -= L->p[0].size;
	if (check_size(L, need) < 0) {
		free_layer(L);
		return -1;
	}
	if (m->max_params && need > m->max_params) {
		free_layer(L);
		return nn_fail("the model would have %zu parameters, more than "
		               "the %zu allowed", need, m->max_params);
	}
	if (need > m->room || !m->params) {  /* by an eighth: linear time */
		size_t room = need + need / 8 + 1;

		params = realloc(m->params, room * sizeof *params);
		if (params)
			m->params = params;
		grads = params ? realloc(m->grads, room * sizeof *grads) : NULL;
		if (!grads) {
			free_layer(L);
			return nn_fail("out of memory for %zu parameters "
			               "(%zu bytes with their gradients)", need,
			               need * 2 * sizeof(float));
		}
		m->grads = grads;
		m->room = room;
		moved = 1;
	}
	memset(m->grads + m->nparams, 0,
	       (need - m->nparams) * sizeof *m->grads);
	nn_model_free_buffers(m);
	L->feeds = L->nparams > 0;
	for (int k = 0; k < L->nin; k++)
		L->feeds |= L->srcs[k] >= 0 && m->layers[L->srcs[k]]->feeds;
	m->layers[m->nlayers++] = L;
	m->nparams = need;
	if (moved)
		fix_pointers(m);
	for (int k = 0; k < L->nparams; k++) {
		L->p[k].val = m->params + L->p[k].offset;
		L->p[k].grad = m->grads + L->p[k].offset;
	}
	for (int k = 0; k < L->nparams; k++)
		init_slot(&L->p[k], &def, rng);
	return 0;
}

int nn_model_find_node(const nn_model *m, const char *name)
{
	char *end;
	long v;

	if (strcmp(name, "in") == 0 || strcmp(name, "input") == 0)
		return 0;
	for (size_t i = 0; i < m->nlayers; i++)
		if (strcmp(m->layers[i]->name, name) == 0)
			return (int)i + 1;
	v = strtol(name, &end, 10);
	if (end != name && *end == '\0' && v >= 0 && (size_t)v <= m->nlayers)
		return (int)v;
	return nn_fail("no node '%s' in the model (names: 'add ... name=N';"
	               " numbers 1..%zu; 'in' is the input)", name,
	               m->nlayers);
}

const char *nn_model_node_name(const nn_model *m, size_t i)
{
	return i < m->nlayers ? m->layers[i]->name : "";
}

int nn_model_node_inputs(const nn_model *m, size_t i, int *from)
{
	if (i >= m->nlayers)
		return 0;
	for (int k = 0; k < m->layers[i]->nin; k++)
		from[k] = m->layers[i]->srcs[k];
	return m->layers[i]->nin;
}

int nn_model_is_chain(const nn_model *m)
{
	for (size_t i = 0; i < m->nlayers; i++)
		if (m->layers[i]->nin != 1 || m->layers[i]->src != (int)i - 1)
			return 0;
	return 1;
}

int nn_model_pop(nn_model *m)
{
	nn_layer *L;

	if (m->nlayers == 0)
		return nn_fail("the model has no layers");
	nn_model_free_buffers(m);
	nn_model_penalty_remove(m, m->nlayers - 1);
	L = m->layers[--m->nlayers];
	for (int k = 0; k < L->nparams; k++)
		if (!L->p[k].tied)
			m->nparams -= L->p[k].size;
	free_layer(L);
	return 0;
}

nn_model *nn_model_copy(const nn_model *m)
{
	nn_model *c = nn_model_new(&m->input);
	size_t bytes = (m->nparams ? m->nparams : 1) * sizeof(float);

	if (!c)
		return NULL;
	c->layers = calloc(m->cap ? m->cap : 1, sizeof *c->layers);
	c->params = malloc(bytes);
	c->grads = calloc(1, bytes);
	if (!c->layers || !c->params || !c->grads)
		goto oom;
	c->cap = m->cap;
	for (size_t i = 0; i < m->nlayers; i++) {
		nn_layer *L = malloc(sizeof *L);

		if (!L)
			goto oom;
		*L = *m->layers[i];
		L->scratch = NULL;
		L->cap = 0;
		L->priv = NULL;
		L->cfg = NULL;
		c->layers[c->nlayers++] = L;
		if (L->cls->cfg_size) {
			if (!(L->cfg = malloc(L->cls->cfg_size)))
				goto oom;
			memcpy(L->cfg, m->layers[i]->cfg, L->cls->cfg_size);
		}
		if (L->cls->clone && L->cls->clone(L, m->layers[i]) < 0)
			goto fail;
	}
	memcpy(c->params, m->params, m->nparams * sizeof(float));
	c->nparams = m->nparams;
	fix_pointers(c);
	for (size_t k = 0; k < m->npen; k++) {
		const nn_penalty *p = &m->pen[k];
		size_t len = m->layers[p->node]->out_size;

		if (nn_model_penalty_add(c, p->node, p->kind, p->weight, p->r,
		                         p->r ? len : 0) < 0)
			goto fail;
	}
	return c;
oom:
	nn_fail("out of memory");
fail:
	nn_model_free(c);
	return NULL;
}

void nn_model_limit(nn_model *m, size_t max_params)
{
	m->max_params = max_params;
}

size_t nn_model_layers(const nn_model *m)
{
	return m->nlayers;
}

const nn_shape *nn_model_input_shape(const nn_model *m)
{
	return &m->input;
}

const nn_shape *nn_model_output_shape(const nn_model *m)
{
	return m->nlayers ? &m->layers[m->nlayers - 1]->out : &m->input;
}

size_t nn_model_param_count(const nn_model *m)
{
	return m->nparams;
}

nn_act nn_model_output_act(const nn_model *m)
{
	return m->nlayers ? m->layers[m->nlayers - 1]->act : NN_ACT_LINEAR;
}

int nn_model_layer_info(const nn_model *m, size_t i, nn_layer_info *info)
{
	const nn_layer *L;
	size_t used;

	if (i >= m->nlayers)
		return nn_fail("layer %zu does not exist (the model has %zu)",
		               i + 1, m->nlayers);
	L = m->layers[i];
	memset(info, 0, sizeof *info);
	info->kind = L->cls->kind;
	L->cls->describe(L, info->desc, sizeof info->desc);
	used = strlen(info->desc);
	if (L->cls == &nn_activation_class)
		snprintf(info->desc, sizeof info->desc, "%s",
		         nn_act_name(L->act));
	else if (nn_has_act(L->act))
		snprintf(info->desc + used, sizeof info->desc - used, " %s",
		         nn_act_name(L->act));
	info->out = L->out;
	info->act = L->act;
	info->nparams = L->nparams;
	for (int k = 0; k < L->nparams; k++)
		if (!L->p[k].tied)
			info->params += L->p[k].size;
	return 0;
}

int nn_model_layer_spec(const nn_model *m, size_t i, nn_layer_spec *spec)
{
	const nn_layer *L;

	if (i >= m->nlayers)
		return nn_fail("layer %zu does not exist (the model has %zu)",
		               i + 1, m->nlayers);
	L = m->layers[i];
	*spec = L->spec;
	spec->kind = L->cls == &nn_activation_class ? nn_act_name(L->act)
	                                            : L->cls->kind;
	spec->args = L->args[0] ? L->args : NULL;
	spec->name = L->name[0] ? L->name : NULL;
	return 0;
}

static void fill_param(const nn_param_slot *s, nn_param *p)
{
	p->name = s->name;
	p->shape = s->shape;
	p->size = s->size;
	p->value = s->val;
	p->grad = s->grad;
	p->decay = s->decay;
	p->state = s->state;
	p->fan_in = s->fan_in;
	p->tied = s->tied;
	p->transposed = s->transposed;
	p->applied = s->applied;
}

int nn_model_param(const nn_model *m, size_t layer, int k, nn_param *p)
{
	if (layer >= m->nlayers)
		return nn_fail("layer %zu does not exist (the model has %zu)",
		               layer + 1, m->nlayers);
	if (k < 0 || k >= m->layers[layer]->nparams)
		return nn_fail("layer %zu has no parameter %d", layer + 1, k);
	fill_param(&m->layers[layer]->p[k], p);
	return 0;
}

int nn_model_layer_nparams(const nn_model *m, size_t i)
{
	return i < m->nlayers ? m->layers[i]->nparams : 0;
}

int nn_model_find_param(const nn_model *m, size_t layer, const char *name,
                        nn_param *p)
{
	const nn_layer *L;

	if (layer >= m->nlayers)
		return nn_fail("layer %zu does not exist (the model has %zu)",
		               layer + 1, m->nlayers);
	L = m->layers[layer];
	for (int k = 0; k < L->nparams; k++)
		if (strcmp(L->p[k].name, name) == 0) {
			fill_param(&L->p[k], p);
			return 0;
		}
	return nn_fail("layer %zu (%s) has no parameter '%s'", layer + 1,
	               L->cls->kind, name);
}

float *nn_model_params(nn_model *m)
{
	return m->params;
}

float *nn_model_grads(nn_model *m)
{
	return m->grads;
}

static const char *const init_names[NN_INIT_COUNT] = {
	"zeros", "constant", "normal", "uniform", "xavier", "xavier_normal",
	"he", "lecun", "maxfan",
};

const char *nn_init_name(nn_init_kind k)
{
	return (unsigned)k < NN_INIT_COUNT ? init_names[k] : "?";
}

int nn_init_parse(const char *name)
{
	for (int i = 0; i < NN_INIT_COUNT; i++)
		if (strcmp(name, init_names[i]) == 0)
			return i;
	if (strcmp(name, "zero") == 0)
		return NN_INIT_ZEROS;
	if (strcmp(name, "glorot") == 0)
		return NN_INIT_XAVIER;
	return -1;
}

int nn_model_init(nn_model *m, const nn_init *init, nn_rng *rng, long only)
{
	if (only >= (long)m->nlayers)
		return nn_fail("layer %ld does not exist (the model has %zu)",
		               only + 1, m->nlayers);
	for (size_t i = 0; i < m->nlayers; i++) {
		nn_layer *L = m->layers[i];

		if (only >= 0 && (size_t)only != i)
			continue;
		for (int k = 0; k < L->nparams; k++)
			init_slot(&L->p[k], init, rng);
	}
	return 0;
}
