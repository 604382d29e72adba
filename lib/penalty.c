/* penalty.c - loss terms on a model's nodes (R = r'h of the backprop
 * homework, l1 and l2 activity penalties): their list, their values after
 * a forward pass and their gradients, which the backward pass adds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

void nn_penalty_grads(const nn_model *m, size_t i, float *da, size_t n)
{
	size_t w = m->layers[i]->out_size;
	const float *h = m->a[i];

	for (size_t k = 0; k < m->npen; k++) {
		const nn_penalty *p = &m->pen[k];
		float s = 1.0f / (float)n;

		if (p->node != i)
			continue;
		for (size_t r = 0; r < n; r++)
			for (size_t j = 0; j < w; j++) {
				size_t o = r * w + j;

				if (p->kind == NN_PEN_DOT)
					da[o] += s * p->r[j];
				else if (p->kind == NN_PEN_L1)
					da[o] += s * p->weight *
					         (float)((h[o] > 0) - (h[o] < 0));
				else
					da[o] += s * p->weight * 2 * h[o];
			}
	}
}

int nn_has_penalty(const nn_model *m, size_t i)
{
	for (size_t k = 0; k < m->npen; k++)
		if (m->pen[k].node == i)
			return 1;
	return 0;
}

static const char *const penalty_names[NN_PEN_COUNT] = { "dot", "l1", "l2" };

const char *nn_penalty_name(nn_penalty_kind k)
{
	return (unsigned)k < NN_PEN_COUNT ? penalty_names[k] : "?";
}

int nn_model_penalty_add(nn_model *m, size_t node, nn_penalty_kind kind,
                         float weight, const float *r, size_t rlen)
{
	nn_penalty *p;
	size_t w;

	if (node >= m->nlayers)
		return nn_fail("node %zu does not exist (the model has %zu)",
		               node + 1, m->nlayers);
	if (node == m->nlayers - 1)
		return nn_fail("node %zu is the output, which the loss already "
		               "covers: put the term on a hidden node", node + 1);
	if (m->npen == MAX_PENALTIES)
		return nn_fail("a model takes at most %d loss terms",
		               MAX_PENALTIES);
	w = m->layers[node]->out_size;
	if (kind == NN_PEN_DOT && rlen != w)
		return nn_fail("dot needs %zu values (node %zu's outputs), not "
		               "%zu", w, node + 1, rlen);
	p = &m->pen[m->npen];
	memset(p, 0, sizeof *p);
	if (kind == NN_PEN_DOT) {
		if (!(p->r = malloc(w * sizeof *p->r)))
			return nn_fail("out of memory");
		memcpy(p->r, r, w * sizeof *p->r);
	}
	p->node = node;
	p->kind = kind;
	p->weight = weight;
	m->npen++;
	return 0;
}

size_t nn_model_penalty_remove(nn_model *m, size_t node)
{
	size_t kept = 0, gone;

	for (size_t k = 0; k < m->npen; k++) {
		if (m->pen[k].node == node)
			free(m->pen[k].r);
		else
			m->pen[kept++] = m->pen[k];
	}
	gone = m->npen - kept;
	m->npen = kept;
	return gone;
}

size_t nn_model_npenalties(const nn_model *m)
{
	return m->npen;
}

const nn_penalty *nn_model_penalty(const nn_model *m, size_t k)
{
	return k < m->npen ? &m->pen[k] : NULL;
}

double nn_model_penalty_value(const nn_model *m, long k)
{
	double total = 0;

	if (!m->a || m->n == 0)
		return 0;
	for (size_t q = 0; q < m->npen; q++) {
		const nn_penalty *p = &m->pen[q];
		size_t w = m->layers[p->node]->out_size;
		const float *h = m->a[p->node];
		double s = 0;

		if (k >= 0 && (size_t)k != q)
			continue;
		for (size_t o = 0; o < m->n * w; o++)
			s += p->kind == NN_PEN_DOT ? p->r[o % w] * h[o]
			   : p->kind == NN_PEN_L1 ? p->weight * fabs(h[o])
			   : p->weight * (double)h[o] * h[o];
		total += s / (double)m->n;
	}
	return total;
}
