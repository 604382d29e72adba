/* model.c - a model: a graph of layers (each node names its input; a chain
 * for now), one contiguous block of parameters and one of gradients, and
 * per-layer buffers allocated once per batch size and reused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"
#include "workers.h"

struct nn_model {
	nn_shape input;
	size_t in_size;
	nn_layer **layers;
	size_t nlayers, cap;
	float *params, *grads;
	size_t nparams;
	size_t max_params;      /* nn_model_add refuses more; 0: no limit */
	/* buffers for batches of up to `batch` samples */
	size_t batch;
	float **z, **a, **dz, **da;
	const float *x;         /* input of the last forward pass */
	size_t n;               /* samples in the last forward pass */
	int pruned;             /* the last backward pass skipped deltas no
	                         * parameter gradient needs */
};

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

static void free_buffers(nn_model *m)
{
	for (size_t i = 0; i < m->nlayers && m->z; i++) {
		nn_layer *L = m->layers[i];

		if (m->z[i] != m->a[i])
			free(m->z[i]);
		free(m->a[i]);
		if (m->dz[i] != m->da[i])
			free(m->dz[i]);
		free(m->da[i]);
		free(L->scratch);
		L->scratch = NULL;
		L->cap = 0;
	}
	free(m->z);
	free(m->a);
	free(m->dz);
	free(m->da);
	m->z = m->a = m->dz = m->da = NULL;
	m->batch = 0;
	m->x = NULL;
	m->n = 0;
}

static void free_layer(nn_layer *L)
{
	if (!L)
		return;
	if (L->cls->destroy)
		L->cls->destroy(L);
	free(L->scratch);
	free(L);
}

void nn_model_free(nn_model *m)
{
	if (!m)
		return;
	free_buffers(m);
	for (size_t i = 0; i < m->nlayers; i++)
		free_layer(m->layers[i]);
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

static int is_act(nn_act a)
{
	return a != NN_ACT_LINEAR;
}

/* Initialise one parameter slot. */
static void init_slot(nn_param_slot *p, const nn_init *in, nn_rng *rng)
{
	double fi = p->fan_in > 0 ? p->fan_in : 1;
	double fo = p->fan_out > 0 ? p->fan_out : 1;
	double lim = 0, std = 0;
	int normal = 1;

	if (p->is_bias || p->fixed) {
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

int nn_model_add(nn_model *m, const nn_layer_spec *spec, nn_rng *rng)
{
	const nn_layer_class *cls = nn_layer_class_find(spec->kind);
	nn_layer *L;
	nn_act act = spec->act;
	size_t need;
	float *params, *grads;
	nn_init def = { .kind = NN_INIT_XAVIER };

	if (!cls) {
		int a = nn_act_parse(spec->kind);

		if (a < 0)
			return nn_fail("unknown layer kind '%s'", spec->kind);
		cls = &nn_activation_class;
		act = (nn_act)a;
	}
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
	L->src = (int)m->nlayers - 1;
	L->in = m->nlayers ? m->layers[m->nlayers - 1]->out : m->input;
	L->in_size = nn_shape_size(&L->in);
	L->act = act;
	L->alpha = spec->alpha > 0 ? spec->alpha : 0.01f;
	if (cls->setup(L, spec) < 0) {
		free_layer(L);
		return -1;
	}
	L->out_size = nn_shape_size(&L->out);
	L->spec = *spec;
	L->spec.kind = NULL;
	if ((act == NN_ACT_SOFTMAX || act == NN_ACT_LOGSOFTMAX) &&
	    L->out.ndim != 1) {
		free_layer(L);
		return nn_fail("%s needs a flat input; add flatten first",
		               nn_act_name(act));
	}
	need = m->nparams;
	for (int k = 0; k < L->nparams; k++) {
		L->p[k].offset = need;
		need += L->p[k].size;
	}
	if (m->max_params && need > m->max_params) {
		free_layer(L);
		return nn_fail("the model would have %zu parameters, more than "
		               "the %zu allowed", need, m->max_params);
	}
	params = realloc(m->params, (need ? need : 1) * sizeof *params);
	if (params)
		m->params = params;
	grads = params ? realloc(m->grads, (need ? need : 1) * sizeof *grads)
	               : NULL;
	if (!grads) {
		free_layer(L);
		return nn_fail("out of memory for %zu parameters", need);
	}
	m->grads = grads;
	memset(m->grads + m->nparams, 0,
	       (need - m->nparams) * sizeof *m->grads);
	free_buffers(m);
	m->layers[m->nlayers++] = L;
	m->nparams = need;
	fix_pointers(m);
	for (int k = 0; k < L->nparams; k++)
		init_slot(&L->p[k], &def, rng);
	return 0;
}

int nn_model_pop(nn_model *m)
{
	nn_layer *L;

	if (m->nlayers == 0)
		return nn_fail("the model has no layers");
	free_buffers(m);
	L = m->layers[--m->nlayers];
	for (int k = 0; k < L->nparams; k++)
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
		c->layers[c->nlayers++] = L;
		if (L->cls->clone && L->cls->clone(L, m->layers[i]) < 0)
			goto fail;
	}
	memcpy(c->params, m->params, m->nparams * sizeof(float));
	c->nparams = m->nparams;
	fix_pointers(c);
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
	else if (is_act(L->act))
		snprintf(info->desc + used, sizeof info->desc - used, " %s",
		         nn_act_name(L->act));
	info->out = L->out;
	info->act = L->act;
	info->nparams = L->nparams;
	for (int k = 0; k < L->nparams; k++)
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
	p->fan_in = s->fan_in;
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

static float *alloc_floats(size_t n)
{
	return malloc((n ? n : 1) * sizeof(float));
}

int nn_model_reserve(nn_model *m, size_t n)
{
	size_t k = m->nlayers;

	if (n <= m->batch && m->z)
		return 0;
	free_buffers(m);
	m->z = calloc(k ? k : 1, sizeof *m->z);
	m->a = calloc(k ? k : 1, sizeof *m->a);
	m->dz = calloc(k ? k : 1, sizeof *m->dz);
	m->da = calloc(k ? k : 1, sizeof *m->da);
	if (!m->z || !m->a || !m->dz || !m->da)
		goto oom;
	for (size_t i = 0; i < k; i++) {
		nn_layer *L = m->layers[i];
		size_t len = n * L->out_size;

		m->a[i] = alloc_floats(len);
		m->z[i] = is_act(L->act) ? alloc_floats(len) : m->a[i];
		m->da[i] = alloc_floats(len);
		m->dz[i] = is_act(L->act) ? alloc_floats(len) : m->da[i];
		if (!m->a[i] || !m->z[i] || !m->da[i] || !m->dz[i])
			goto oom;
		if (L->cls->scratch_size) {
			L->scratch = alloc_floats(L->cls->scratch_size(L, n));
			if (!L->scratch)
				goto oom;
			L->cap = n;
		}
	}
	m->batch = n;
	return 0;
oom:
	free_buffers(m);
	return nn_fail("out of memory for buffers of %zu samples", n);
}

/* An activation pass of layer L over n samples, shared between the
 * worker threads by samples when it is large: forward (a from z) when
 * da is NULL, else backward (dz from z, a and da). */
typedef struct act_job {
	const nn_layer *L;
	const float *z, *da;
	float *a, *dz;
	size_t n;
} act_job;

static void act_part(void *ud, int part, int parts)
{
	const act_job *j = ud;
	size_t w = j->L->out_size, lo = j->n * (size_t)part / (size_t)parts;
	size_t hi = j->n * (size_t)(part + 1) / (size_t)parts, o = lo * w;

	if (j->da)
		nn_act_backward(j->L->act, j->L->alpha, j->z + o, j->a + o,
		                j->da + o, j->dz + o, hi - lo, w);
	else
		nn_act_forward(j->L->act, j->L->alpha, j->z + o, j->a + o,
		               hi - lo, w);
}

static void activate(const act_job *j)
{
	if (j->n * j->L->out_size >= NN_PARALLEL_MIN_VALUES && j->n > 1)
		nn_parallel((int)j->n, act_part, (void *)j);
	else
		act_part((void *)j, 0, 1);
}

const float *nn_model_forward(nn_model *m, const float *x, size_t n,
                              int training, nn_rng *rng)
{
	if (m->nlayers == 0) {
		nn_fail("the model has no layers; add some with 'add'");
		return NULL;
	}
	if (nn_model_reserve(m, n) < 0)
		return NULL;
	for (size_t i = 0; i < m->nlayers; i++) {
		nn_layer *L = m->layers[i];
		const float *in = L->src < 0 ? x : m->a[L->src];

		L->cls->forward(L, in, m->z[i], n, training, rng);
		if (is_act(L->act)) {
			act_job j = { L, m->z[i], NULL, m->a[i], NULL, n };

			activate(&j);
		}
	}
	m->x = x;
	m->n = n;
	return m->a[m->nlayers - 1];
}

/* Whether parameter gradients depend on layer i's deltas: it, or a layer
 * it reads from (directly or not), has parameters. */
static int feeds_params(const nn_model *m, size_t i)
{
	for (int j = (int)i; j >= 0; j = m->layers[j]->src)
		if (m->layers[j]->nparams > 0)
			return 1;
	return 0;
}

static void backward(nn_model *m, const float *dout, int dz_given,
                     int prune)
{
	size_t last = m->nlayers - 1, n = m->n;

	m->pruned = prune;
	for (size_t i = m->nlayers; i-- > 0;) {
		nn_layer *L = m->layers[i];
		size_t len = n * L->out_size;
		const float *in = L->src < 0 ? m->x : m->a[L->src];
		float *dx = L->src < 0 ? NULL : m->da[L->src];

		if (prune && !feeds_params(m, i))
			continue;
		if (prune && dx && !feeds_params(m, (size_t)L->src))
			dx = NULL;
		if (i == last)
			memcpy(dz_given ? m->dz[i] : m->da[i], dout,
			       len * sizeof *dout);
		if (is_act(L->act) && !(i == last && dz_given)) {
			act_job j = { L, m->z[i], m->da[i], m->a[i], m->dz[i],
			              n };

			activate(&j);
		}
		L->cls->backward(L, in, m->dz[i], dx, n);
	}
}

void nn_model_backward(nn_model *m, const float *dout, int dz_given)
{
	backward(m, dout, dz_given, 0);
}

void nn_model_backward_params(nn_model *m, const float *dout, int dz_given)
{
	backward(m, dout, dz_given, 1);
}

const float *nn_model_z(const nn_model *m, size_t i)
{
	return i < m->nlayers && m->z ? m->z[i] : NULL;
}

const float *nn_model_a(const nn_model *m, size_t i)
{
	return i < m->nlayers && m->a ? m->a[i] : NULL;
}

const float *nn_model_dz(const nn_model *m, size_t i)
{
	if (i >= m->nlayers || !m->dz || (m->pruned && !feeds_params(m, i)))
		return NULL;
	return m->dz[i];
}
