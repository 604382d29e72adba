/* sdlm.c - LeCun's stochastic diagonal Levenberg-Marquardt ("Efficient
 * BackProp", section 9.1; LeCun et al. 1998, appendix C): each weight
 * steps by lr / (mu + h) times its gradient, h an estimate of the
 * diagonal of the loss's Gauss-Newton matrix, taken on a sample of a few
 * hundred patterns and refreshed as training goes (optim.c's step, the
 * refresh from train.c).
 *
 * h is backpropagated like the gradient, with squares: at the output
 * the loss's second derivative (1 for mse; p(1 - p) for cross-entropy
 * on the logits), through an activation times f'(z)^2 (Gauss-Newton
 * drops f''), through a dense or conv layer d2x = (W^2)' d2z and d2W =
 * d2z' x^2 - the kind's own backward, run on x^2 with W^2 - and through
 * kinds that copy or select (flatten, maxpool, concat, ...) as their
 * gradients go. The off-diagonal terms are dropped on the way (LeCun's
 * approximation), so h is the exact Gauss-Newton diagonal at the output
 * layer and for a net with one output, and an estimate below that. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "im2col.h"
#include "model.h"

typedef enum { D_NONE, D_SQUARE, D_PASS, D_MEAN } drule;

static drule node_drule(const nn_layer *L)
{
	static const char *const square[] = { "dense", "conv", "convt", NULL };
	static const char *const pass[] = {
		"activation", "dropout", "flatten", "reshape", "shift",
		"maxpool", "upsample", "sum", "concat", "slice", NULL };
	const char *k = L->cls->kind;

	for (int i = 0; square[i]; i++)
		if (strcmp(k, square[i]) == 0)
			return D_SQUARE;
	for (int i = 0; pass[i]; i++)
		if (strcmp(k, pass[i]) == 0)
			return D_PASS;
	if (strcmp(k, "avgpool") == 0 || strcmp(k, "globalavgpool") == 0)
		return D_MEAN;
	return D_NONE;
}

/* The loss's second derivative is taken at the logits z (cross-entropy
 * in any of its forms) rather than at the outputs (mse). */
static int at_logits(nn_loss_kind k, nn_act act)
{
	switch (k) {
	case NN_LOSS_CE:        /* after softmax, sigmoid or on logits */
		return 1;
	case NN_LOSS_BCE:
		return act == NN_ACT_SIGMOID;
	case NN_LOSS_NLL:
		return act == NN_ACT_LOGSOFTMAX;
	case NN_LOSS_CE_NAIVE:
		return act == NN_ACT_SOFTMAX;
	default:
		return 0;
	}
}

static int elementwise(nn_act a)
{
	return a != NN_ACT_SOFTMAX && a != NN_ACT_LOGSOFTMAX;
}

int nn_sdlm_check(const nn_model *m, nn_loss_kind loss)
{
	size_t last = m->nlayers - 1;
	nn_act out;

	if (m->nlayers == 0)
		return nn_fail("the model has no layers");
	for (size_t i = 0; i <= last; i++) {
		const nn_layer *L = m->layers[i];
		char d[64];

		L->cls->describe(L, d, sizeof d);
		if (node_drule(L) == D_NONE)
			return nn_fail("sdlm: layer %zu (%s) has no second-"
			               "derivative pass (sdlm takes dense, conv, "
			               "convt, pooling and reshaping layers); use "
			               "another optimizer", i + 1, d);
		if (i < last && !elementwise(L->act))
			return nn_fail("sdlm: layer %zu (%s) has a %s inside the "
			               "model; sdlm takes it only at the output",
			               i + 1, d, nn_act_name(L->act));
	}
	if (m->layers[last]->seq)
		return nn_fail("sdlm: the model's output is a sequence, which "
		               "sdlm does not take; use another optimizer");
	out = m->layers[last]->act;
	if (loss == NN_LOSS_MSE ? !elementwise(out) : !at_logits(loss, out))
		return nn_fail("sdlm: %s after a %s output has no Gauss-Newton "
		               "form here (use mse, crossentropy or bce after "
		               "sigmoid)", nn_loss_name(loss), nn_act_name(out));
	return 0;
}

/* The buffers of one estimate. */
typedef struct dpass {
	nn_model *m;
	size_t n;
	const float *x;
	float **d2;             /* per node: d2L/da^2, summed into */
	float *d2z, *fp, *ones, *xsq, *wsq, *gbuf;
	float *dx[NN_MAXIN];
	float *h;
} dpass;

/* d2L/dz^2 of the last node from the loss, mean over the samples, when
 * taken at the logits; else d2L/da^2 into d2[last]. */
static void loss_d2(dpass *p, nn_loss_kind k, const float *y)
{
	nn_model *m = p->m;
	size_t last = m->nlayers - 1, n = p->n;
	const nn_layer *L = m->layers[last];
	size_t w = L->out_size;
	const float *z = m->z[last];
	double inv_n = 1.0 / (double)n;

	if (!at_logits(k, L->act)) {    /* mse: 1/2 (a - y)^2 */
		for (size_t i = 0; i < n * w; i++)
			p->d2[last][i] = (float)inv_n;
		return;
	}
	if (L->act == NN_ACT_SIGMOID) {
		for (size_t i = 0; i < n * w; i++) {
			double s = 1 / (1 + exp(-(double)z[i]));

			p->d2z[i] = (float)(s * (1 - s) * inv_n);
		}
		return;
	}
	for (size_t r = 0; r < n; r++) {        /* softmax of the logits */
		const float *zr = z + r * w, *yr = y + r * w;
		double max = zr[0], sum = 0, ysum = 0;

		for (size_t j = 1; j < w; j++)
			max = fmax(max, zr[j]);
		for (size_t j = 0; j < w; j++) {
			sum += exp(zr[j] - max);
			ysum += yr[j];
		}
		for (size_t j = 0; j < w; j++) {
			double q = exp(zr[j] - max) / sum;

			p->d2z[r * w + j] = (float)(ysum * q * (1 - q) * inv_n);
		}
	}
}

/* d2L/dz^2 of node i from its d2L/da^2 (and its l2 penalties). */
static void node_d2z(dpass *p, size_t i)
{
	nn_model *m = p->m;
	nn_layer *L = m->layers[i];
	size_t len = p->n * L->out_size;

	for (size_t k = 0; k < m->npen; k++)
		if (m->pen[k].node == i && m->pen[k].kind == NN_PEN_L2)
			for (size_t j = 0; j < len; j++)
				p->d2[i][j] += 2 * m->pen[k].weight /
				               (float)p->n;
	if (L->act == NN_ACT_LINEAR) {
		memcpy(p->d2z, p->d2[i], len * sizeof *p->d2z);
		return;
	}
	nn_act_backward(L->act, L->alpha, m->z[i], m->a[i], p->ones, p->fp,
	                p->n, L->out_size);
	for (size_t j = 0; j < len; j++)
		p->d2z[j] = p->fp[j] * p->fp[j] * p->d2[i][j];
}

/* Node i's share: its parameters' second derivatives into h, its
 * inputs' into their d2. */
static void node_d2(dpass *p, size_t i)
{
	nn_model *m = p->m;
	nn_layer *L = m->layers[i];
	const float *in[NN_MAXIN];
	float *dx[NN_MAXIN];
	drule how = node_drule(L);
	size_t off = 0;

	for (int k = 0; k < L->nin; k++) {
		int s = L->srcs[k];

		in[k] = s < 0 ? p->x : m->a[s];
		dx[k] = s >= 0 && m->layers[s]->feeds ? p->dx[k] : NULL;
	}
	if (how == D_SQUARE) {
		size_t len = p->n * L->in_size;

		for (size_t j = 0; j < len; j++)
			p->xsq[j] = in[0][j] * in[0][j];
		in[0] = p->xsq;
	}
	for (int k = 0; k < L->nparams; k++) {
		L->p[k].val = p->wsq + L->p[k].offset;
		L->p[k].grad = p->gbuf + off;
		off += L->p[k].size;
	}
	nn_node_forward(L, in, p->fp, p->n, NULL);  /* backward's scratch */
	nn_node_backward(L, in, p->d2z, dx, p->n);
	off = 0;
	for (int k = 0; k < L->nparams; k++) {
		nn_param_slot *s = &L->p[k];

		for (size_t j = 0; j < s->size; j++)
			p->h[s->offset + j] += p->gbuf[off + j];
		off += s->size;
		s->val = m->params + s->offset;
		s->grad = m->grads + s->offset;
	}
	for (int k = 0; k < L->nin; k++) {
		size_t len = p->n * nn_shape_size(&L->ins[k]);
		float f = 1, *t;

		if (!dx[k])
			continue;
		if (how == D_MEAN)      /* backward gave 1/k, squared 1/k^2 */
			f = strcmp(L->cls->kind, "avgpool") == 0 ?
			    1.0f / (float)nn_window_area(L) :
			    (float)L->out_size / (float)L->in_size;
		t = p->d2[L->srcs[k]];
		for (size_t j = 0; j < len; j++)
			t[j] += f * dx[k][j];
	}
}

static void free_dpass(dpass *p)
{
	for (size_t i = 0; p->d2 && i < p->m->nlayers; i++)
		free(p->d2[i]);
	free(p->d2);
	for (int k = 0; k < NN_MAXIN; k++)
		free(p->dx[k]);
	free(p->d2z);
	free(p->fp);
	free(p->ones);
	free(p->xsq);
	free(p->wsq);
	free(p->gbuf);
}

static float *floats(size_t n)
{
	return calloc(n ? n : 1, sizeof(float));
}

static int alloc_dpass(dpass *p)
{
	nn_model *m = p->m;
	size_t n = p->n, out = 1, in = 1, ps = 1;

	for (size_t i = 0; i < m->nlayers; i++) {
		const nn_layer *L = m->layers[i];
		size_t s = 0;

		out = L->out_size > out ? L->out_size : out;
		for (int j = 0; j < L->nin; j++)
			if (nn_shape_size(&L->ins[j]) > in)
				in = nn_shape_size(&L->ins[j]);
		for (int j = 0; j < L->nparams; j++)
			s += L->p[j].size;
		ps = s > ps ? s : ps;
	}
	if (!(p->d2 = calloc(m->nlayers, sizeof *p->d2)))
		return -1;
	for (size_t i = 0; i < m->nlayers; i++)
		if (!(p->d2[i] = floats(n * m->layers[i]->out_size)))
			return -1;
	for (int k = 0; k < NN_MAXIN; k++)
		if (!(p->dx[k] = floats(n * in)))
			return -1;
	p->d2z = floats(n * out);
	p->fp = floats(n * out);
	p->ones = floats(n * out);
	p->xsq = floats(n * in);
	p->wsq = floats(m->nparams);
	p->gbuf = floats(ps);
	if (!p->d2z || !p->fp || !p->ones || !p->xsq || !p->wsq || !p->gbuf)
		return -1;
	for (size_t j = 0; j < n * out; j++)
		p->ones[j] = 1;
	for (size_t j = 0; j < m->nparams; j++)
		p->wsq[j] = m->params[j] * m->params[j];
	return 0;
}

int nn_sdlm_diag(nn_model *m, nn_loss_kind loss, const float *x,
                 const float *y, size_t n, float *h)
{
	dpass p = { .m = m, .n = n, .x = x, .h = h };
	size_t last;
	int rc = -1;

	if (nn_sdlm_check(m, loss) < 0 ||
	    !nn_model_forward(m, x, n, 0, NULL))
		return -1;
	last = m->nlayers - 1;
	memset(h, 0, m->nparams * sizeof *h);
	if (alloc_dpass(&p) < 0) {
		nn_fail("out of memory for sdlm's estimate");
		goto done;
	}
	loss_d2(&p, loss, y);
	for (size_t i = last + 1; i-- > 0;) {
		if (!m->layers[i]->feeds)
			continue;
		if (i < last || !at_logits(loss, m->layers[i]->act))
			node_d2z(&p, i);
		node_d2(&p, i);
	}
	rc = 0;
done:
	free_dpass(&p);
	return rc;
}

int nn_sdlm_refresh(nn_optim *o, nn_model *m, nn_loss_kind loss,
                    const nn_dataset *d, const size_t *order, size_t n,
                    size_t pos, float lo, float hi)
{
	size_t s = (size_t)o->sample < n ? (size_t)o->sample : n;
	size_t P = nn_model_param_count(m);
	size_t *idx = malloc((s ? s : 1) * sizeof *idx);
	float *x = malloc((s ? s : 1) * d->xsize * sizeof *x);
	float *y = malloc((s ? s : 1) * d->ysize * sizeof *y);
	int rc = -1;

	if (!idx || !x || !y) {
		nn_fail("out of memory for sdlm's sample");
		goto done;
	}
	if (o->nstate != P) {
		nn_optim_reset(o);
		o->nstate = P;
	}
	if (!o->v && !(o->v = calloc(P ? P : 1, sizeof *o->v))) {
		nn_fail("out of memory for optimizer state");
		goto done;
	}
	for (size_t j = 0; j < s; j++)
		idx[j] = order[(pos + j) % n];
	nn_dataset_gather(d, idx, s, x, y);
	if (lo != hi && d->nclasses > 0)        /* targets= as training */
		for (size_t j = 0; j < s * d->ysize; j++)
			y[j] = lo + (hi - lo) * y[j];
	rc = nn_sdlm_diag(m, loss, x, y, s, o->v);
done:
	free(idx);
	free(x);
	free(y);
	return rc;
}
