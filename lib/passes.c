/* passes.c - a model's per-node buffers, allocated once per batch size
 * in one block and reused, and its forward and backward passes.
 *
 * Backward runs the nodes in reverse. A node's output gradient is written
 * by its first reader and added to by the others (through a scratch
 * buffer), so chains copy nothing extra. Parameter gradients are zeroed
 * lazily: a slot is "clean" after nn_model_zero_grads, its first writer
 * overwrites it, later writers add; slots nothing wrote are zeroed at the
 * end of the pass. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "layer.h"
#include "model.h"
#include "workers.h"

void nn_model_free_buffers(nn_model *m)
{
	for (size_t i = 0; i < m->nlayers; i++) {
		m->layers[i]->scratch = NULL;
		m->layers[i]->cap = 0;
	}
	nn_big_free(m->block);
	free(m->z);
	free(m->a);
	free(m->abuf);
	free(m->dz);
	free(m->da);
	free(m->written);
	m->block = NULL;
	m->z = m->a = m->abuf = m->dz = m->da = NULL;
	m->dx = m->tmp = m->gtmp = NULL;
	m->written = NULL;
	m->dx_ok = 0;
	m->batch = 0;
	m->x = NULL;
	m->n = 0;
}

/* The next count floats of block from *at, rounded up to 64 bytes; with
 * block NULL only *at moves (counting the room). *at passes SIZE_MAX / 8
 * when the buffers would not fit in memory. */
static float *take(float *block, size_t *at, size_t count)
{
	float *p = block ? block + *at : NULL;

	if (count > SIZE_MAX / 8)
		count = SIZE_MAX / 8;
	*at += (count ? count + 15 : 16) / 16 * 16;
	return p;
}

/* Point every buffer of m for batches of n into block (NULL: only count
 * the floats they take into *at). -1 when they would not fit in memory. */
static int carve(nn_model *m, size_t n, float *block, size_t *at)
{
	size_t tmp = 1, gtmp = 1;

	for (size_t i = 0; i < m->nlayers; i++) {
		nn_layer *L = m->layers[i];
		size_t len, ins = 0, ps = 0;

		if (nn_size_mul(n, L->out_size, &len) < 0 ||
		    len > SIZE_MAX / 8)
			return -1;
		m->a[i] = m->abuf[i] = take(block, at, len);
		m->z[i] = nn_has_act(L->act) ? take(block, at, len) : m->a[i];
		m->da[i] = take(block, at, len);
		m->dz[i] = nn_has_act(L->act) ? take(block, at, len)
		                              : m->da[i];
		if (L->cls->scratch_size) {
			L->scratch = take(block, at,
			                  L->cls->scratch_size(L, n));
			L->cap = n;
		}
		for (int j = 0; j < L->nin; j++)
			ins += nn_shape_size(&L->ins[j]);
		for (int j = 0; j < L->nparams; j++)
			ps += L->p[j].size;
		tmp = ins > tmp ? ins : tmp;
		gtmp = ps > gtmp ? ps : gtmp;
		if (*at > SIZE_MAX / 8)
			return -1;
	}
	if (n > SIZE_MAX / 8 / (m->in_size > tmp ? m->in_size : tmp + 1))
		return -1;
	m->dx = take(block, at, n * m->in_size);
	m->tmp = take(block, at, n * tmp);
	m->gtmp = take(block, at, gtmp);
	return *at > SIZE_MAX / 8 ? -1 : 0;
}

int nn_model_reserve(nn_model *m, size_t n)
{
	size_t k = m->nlayers, room = 0;

	if (n <= m->batch && m->z)
		return 0;
	nn_model_free_buffers(m);
	m->z = calloc(k ? k : 1, sizeof *m->z);
	m->a = calloc(k ? k : 1, sizeof *m->a);
	m->abuf = calloc(k ? k : 1, sizeof *m->abuf);
	m->dz = calloc(k ? k : 1, sizeof *m->dz);
	m->da = calloc(k ? k : 1, sizeof *m->da);
	m->written = calloc(k ? k : 1, 1);
	if (!m->z || !m->a || !m->abuf || !m->dz || !m->da || !m->written)
		goto oom;
	/* one block for all (in huge pages): its buffers are first touched
	 * by the first pass, and so faulted in a few large pages at once */
	if (carve(m, n, NULL, &room) < 0 ||
	    !(m->block = nn_big_alloc(room * sizeof(float))))
		goto oom;
	room = 0;
	carve(m, n, m->block, &room);
	m->batch = n;
	return 0;
oom:
	nn_model_free_buffers(m);
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
	size_t rows = j->L->seq ? (size_t)j->L->out.dim[0] : 1;

	/* a sequence's softmax is over each position's values */
	if (j->da)
		nn_act_backward(j->L->act, j->L->alpha, j->z + o, j->a + o,
		                j->da + o, j->dz + o, (hi - lo) * rows,
		                w / rows);
	else
		nn_act_forward(j->L->act, j->L->alpha, j->z + o, j->a + o,
		               (hi - lo) * rows, w / rows);
}

static void activate(const act_job *j)
{
	if (j->n * j->L->out_size >= NN_PARALLEL_MIN_VALUES && j->n > 1)
		nn_parallel((int)j->n, act_part, (void *)j);
	else
		act_part((void *)j, 0, 1);
}

/* Whether node L applies its ReLU itself, inside its own loops. */
static int fuses_relu(const nn_layer *L)
{
	return L->cls->fuses_relu && L->act == NN_ACT_RELU;
}

/* The output of node src (-1: the model input x). */
static const float *node_out(const nn_model *m, int src, const float *x)
{
	return src < 0 ? x : m->a[src];
}

/* Whether node L, reading the n samples at x, may pass them on as its
 * output instead of copying them: a kind that copies its input unchanged
 * (flatten, reshape) with no activation, reading the model input, which
 * the caller lent (nn_model_lend_input). */
static int passes_on(const nn_model *m, const nn_layer *L, const float *x,
                     size_t n)
{
	return L->cls->passes && !nn_has_act(L->act) && L->src < 0 &&
	       !L->cls->forward_n && x == m->lent &&
	       n * m->in_size <= m->lent_len;
}

void nn_model_lend_input(nn_model *m, const float *x, size_t len)
{
	for (size_t i = 0; !x && m->a && i < m->nlayers; i++)
		if (m->a[i] != m->abuf[i]) {
			memcpy(m->abuf[i], m->a[i],
			       m->n * m->layers[i]->out_size * sizeof(float));
			m->z[i] = m->a[i] = m->abuf[i];
		}
	m->lent = x;
	m->lent_len = x ? len : 0;
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

		L->model_x = x;
		m->z[i] = nn_has_act(L->act) ? m->z[i] : m->abuf[i];
		m->a[i] = m->abuf[i];
		if (passes_on(m, L, x, n)) {
			/* its output is its input, unchanged */
			m->z[i] = m->a[i] = (float *)x;
			continue;
		}
		if (L->cls->forward_n) {
			const float *in[NN_MAXIN];

			for (int k = 0; k < L->nin; k++)
				in[k] = node_out(m, L->srcs[k], x);
			L->cls->forward_n(L, in, m->z[i], n);
		} else {
			L->fused_a = fuses_relu(L) ? m->a[i] : NULL;
			L->cls->forward(L, node_out(m, L->src, x), m->z[i], n,
			                training, rng);
		}
		if (nn_has_act(L->act) && !L->fused_a) {
			act_job j = { L, m->z[i], NULL, m->a[i], NULL, n };

			activate(&j);
		}
		L->fused_a = NULL;
	}
	m->x = x;
	m->n = n;
	m->dx_ok = 0;
	return m->a[m->nlayers - 1];
}

static void add_floats(float *dst, const float *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] += src[i];
}

void nn_model_zero_grads(nn_model *m)
{
	for (size_t i = 0; i < m->nlayers; i++)
		for (int k = 0; k < m->layers[i]->nparams; k++)
			m->layers[i]->p[k].clean = 1;
}

/* The slot whose clean flag stands for this slot's memory. */
static nn_param_slot *owner(nn_model *m, nn_param_slot *p)
{
	return p->tied ? &m->layers[p->tied - 1]->p[0] : p;
}

/* Run node L's backward into its parameter gradients: straight into them
 * when all are clean, else through gtmp and added. */
static void node_backward(nn_model *m, nn_layer *L, const float *dz,
                          float *const *dx, size_t n)
{
	const float *in[NN_MAXIN];
	float *real[NN_MAXPARAMS];
	int add = 0;
	size_t off = 0;

	for (int k = 0; k < L->nparams && !L->input_only; k++)
		add |= !owner(m, &L->p[k])->clean;
	if (add)
		for (int k = 0; k < L->nparams; k++) {
			real[k] = L->p[k].grad;
			L->p[k].grad = m->gtmp + off;
			off += L->p[k].size;
		}
	if (L->cls->backward_n) {
		for (int k = 0; k < L->nin; k++)
			in[k] = node_out(m, L->srcs[k], m->x);
		L->cls->backward_n(L, in, dz, dx, n);
	} else {
		L->cls->backward(L, node_out(m, L->src, m->x), dz, dx[0], n);
	}
	off = 0;
	for (int k = 0; k < L->nparams; k++) {
		nn_param_slot *o = owner(m, &L->p[k]);
		size_t size = L->p[k].size;

		if (add) {
			L->p[k].grad = real[k];
			if (o->clean)
				memset(real[k], 0, size * sizeof(float));
			add_floats(real[k], m->gtmp + off, size);
			off += size;
		}
		o->clean = 0;
	}
}

/* Where input k of node L sends its gradient: straight into the
 * source's buffer when it is the first writer this pass, else into tmp
 * (then *pending is the buffer to add it to); NULL when not needed. */
static float *input_target(nn_model *m, const nn_layer *L, int k,
                           int prune, int want_input, float **pending,
                           size_t *tmp_off)
{
	int src = L->srcs[k];
	size_t len = m->n * nn_shape_size(&L->ins[k]);
	float *t;

	*pending = NULL;
	if (src < 0) {
		if (!want_input)
			return NULL;
		if (!m->dx_ok) {
			m->dx_ok = 1;
			return m->dx;
		}
		*pending = m->dx;
	} else {
		if (prune && !m->layers[src]->feeds)
			return NULL;
		if (!m->written[src]) {
			m->written[src] = 1;
			return m->da[src];
		}
		*pending = m->da[src];
	}
	t = m->tmp + *tmp_off;
	*tmp_off += len;
	return t;
}

/* The backward pass: prune skips the deltas no parameter needs;
 * want_input computes dL/dx of the input; params 0 leaves the parameter
 * gradients undefined (each layer runs with input_only set, and nothing
 * is accumulated or zeroed). */
static void backward(nn_model *m, const float *dout, int dz_given,
                     int prune, int want_input, int params)
{
	size_t last = m->nlayers - 1, n = m->n;

	if (!m->x || n == 0)
		return;         /* no forward pass to go back through */
	m->pruned = prune;
	m->dx_ok = 0;
	memset(m->written, 0, m->nlayers);
	for (size_t i = 0; i < m->nlayers; i++)
		for (int k = 0; k < m->layers[i]->nparams; k++)
			m->layers[i]->p[k].applied = 0;
	for (size_t i = m->nlayers; i-- > 0;) {
		nn_layer *L = m->layers[i];
		size_t len = n * L->out_size, off = 0;
		float *dx[NN_MAXIN], *pending[NN_MAXIN];
		int given = i == last && dout && dz_given;

		if (prune && !L->feeds)
			continue;
		if (i == last && dout) {
			memcpy(given ? m->dz[i] : m->da[i], dout,
			       len * sizeof *dout);
			m->written[i] = 1;
		}
		if (nn_has_penalty(m, i) && !given) {
			if (!m->written[i])
				memset(m->da[i], 0, len * sizeof(float));
			m->written[i] = 1;
			nn_penalty_grads(m, i, m->da[i], n);
		}
		if (!m->written[i])
			continue;       /* no gradient reaches this node */
		if (nn_has_act(L->act) && !given && fuses_relu(L)) {
			L->fused_dz = m->dz[i];
			L->fused_da = m->da[i];
			L->fused_z = m->z[i];
		} else if (nn_has_act(L->act) && !given) {
			act_job j = { L, m->z[i], m->da[i], m->a[i], m->dz[i],
			              n };

			activate(&j);
		}
		for (int k = 0; k < L->nin; k++)
			dx[k] = input_target(m, L, k, prune, want_input,
			                     &pending[k], &off);
		L->input_only = !params;
		node_backward(m, L, m->dz[i], dx, n);
		L->input_only = 0;
		L->fused_dz = NULL;
		L->fused_da = L->fused_z = NULL;
		for (int k = 0; k < L->nin; k++)
			if (pending[k])
				add_floats(pending[k], dx[k],
				           n * nn_shape_size(&L->ins[k]));
	}
	if (want_input && !m->dx_ok) {
		memset(m->dx, 0, n * m->in_size * sizeof(float));
		m->dx_ok = 1;
	}
	/* slots no node wrote: their gradient is zero */
	for (size_t i = 0; params && i < m->nlayers; i++)
		for (int k = 0; k < m->layers[i]->nparams; k++) {
			nn_param_slot *p = &m->layers[i]->p[k];

			if (p->clean && !p->tied)
				memset(p->grad, 0, p->size * sizeof(float));
			p->clean = 0;
		}
}

void nn_model_backward(nn_model *m, const float *dout, int dz_given)
{
	nn_model_zero_grads(m);
	backward(m, dout, dz_given, 0, 1, 1);
}

void nn_model_backward_params(nn_model *m, const float *dout, int dz_given)
{
	nn_model_zero_grads(m);
	backward(m, dout, dz_given, 1, 0, 1);
}

void nn_model_backward_sgd(nn_model *m, const float *dout, int dz_given,
                           float lr)
{
	int tied = 0;

	for (size_t i = 0; i < m->nlayers; i++)
		for (int k = 0; k < m->layers[i]->nparams; k++)
			tied |= m->layers[i]->p[k].tied != 0;
	for (size_t i = 0; i < m->nlayers; i++)
		m->layers[i]->sgd_lr = tied ? 0 : lr;
	nn_model_zero_grads(m);
	backward(m, dout, dz_given, 1, 0, 1);
	for (size_t i = 0; i < m->nlayers; i++)
		m->layers[i]->sgd_lr = 0;
}

void nn_model_backward_acc(nn_model *m, const float *dout, int dz_given,
                           int want_input)
{
	backward(m, dout, dz_given, !want_input, want_input, 1);
}

void nn_model_backward_input(nn_model *m, const float *dout, int dz_given)
{
	backward(m, dout, dz_given, 0, 1, 0);
}

const float *nn_model_input_grad(const nn_model *m)
{
	return m->dx_ok ? m->dx : NULL;
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
	if (i >= m->nlayers || !m->dz ||
	    (m->pruned && !m->layers[i]->feeds))
		return NULL;
	return m->dz[i];
}
