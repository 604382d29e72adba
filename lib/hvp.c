/* hvp.c - exact Hessian-vector products of a model's loss, by Pearlmutter's
 * R-operator ("Fast exact multiplication by the Hessian", 1994): with
 * R{f} = d/dr f(w + r v) at r = 0, one pass forward carries R{a} beside
 * each node's output and one pass backward carries R{dL/da} beside each
 * gradient; R{dL/dw} is H v.
 *
 * Each node takes one of three rules, by its kind:
 *  - bilinear (dense, conv2d, convt): z = F(x, W) is linear in x and in
 *    W, so R{z} = F(x, V) + F(R{x}, W) without bias, and the backward
 *    pass B(x, W, dz) gives R{dW}, R{dx} as B(x, W, R{dz}) + B(R{x}, V,
 *    dz) without its bias gradient: the kind's own code, run with the
 *    parameter pointers swapped;
 *  - linear (no parameters, linear when evaluating: flatten, reshape,
 *    pools by average, upsample, dropout, shift, sum, concat, slice,
 *    activation): R{z} = F(R{x}), R{dx} = B(R{dz});
 *  - linear by pieces, without parameters (maxpool): R{z} from the
 *    kind's rforward after a forward pass of x, R{dx} = B(x, R{dz});
 *  - any other kind: central differences of its own forward and backward
 *    along (R{x}, v, R{dz}), with the step h moving the node's inputs and
 *    weights by 1e-3 of their RMS size (at least 1e-3). Its error is
 *    h^2/6 |F'''| from the truncation plus about 2^-24 |F| / h from
 *    rounding floats: about 1e-5 of the product's size for smooth kinds,
 *    and exact for piecewise-linear ones (maxpool) unless a step crosses
 *    a kink. nn_hessian_fd_nodes names these nodes.
 * Activations, losses and penalties have exact R-operators here (second
 * derivatives written out). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

typedef enum rule { R_FD, R_BILINEAR, R_LINEAR, R_PIECES } rule;

static rule node_rule(const nn_layer *L)
{
	static const char *const bilinear[] = { "dense", "conv", "convt",
	                                        NULL };
	static const char *const linear[] = {
		"activation", "dropout", "flatten", "reshape", "shift",
		"avgpool", "globalavgpool", "upsample", "sum", "concat",
		"slice", NULL };

	if (L->cls->rforward)
		return R_PIECES;
	for (int i = 0; bilinear[i]; i++)
		if (strcmp(L->cls->kind, bilinear[i]) == 0)
			return R_BILINEAR;
	for (int i = 0; linear[i]; i++)
		if (strcmp(L->cls->kind, linear[i]) == 0)
			return R_LINEAR;
	return R_FD;
}

int nn_hessian_fd_nodes(const nn_model *m, char *buf, size_t len)
{
	int count = 0;
	size_t used = 0;

	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < m->nlayers; i++) {
		const nn_layer *L = m->layers[i];
		char d[64];

		if (node_rule(L) != R_FD || !L->feeds)
			continue;
		L->cls->describe(L, d, sizeof d);
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used,
			        "%s%zu (%s)", count ? ", " : "", i + 1, d);
		count++;
	}
	return count;
}

/* The pass's buffers: R{a} and R{dL/da} per node, and scratch. */
typedef struct rpass {
	nn_model *m;
	nn_rng *rng;
	size_t n;
	const float *x;
	float *V;               /* v as floats, laid out as the parameters */
	double *hv;
	float **Ra, **Rz, **Rda;  /* Rz aliases Ra without an activation */
	float *Rdz, *tz, *dzs;  /* one node's: R{dz}, outputs, dz +- h R{dz} */
	float *zero;            /* zeros: a missing R{x}, a bias left out */
	float *gbuf;            /* one node's parameter gradients */
	float *save;            /* one node's parameters, to put back */
	float *xin[NN_MAXIN], *dxb[NN_MAXIN];
} rpass;

static const float *in_of(const rpass *p, int src)
{
	return src < 0 ? p->x : p->m->a[src];
}

/* R{x} of a source, or NULL when it is zero (the model input, or a node
 * no parameter comes before). */
static const float *rin_of(const rpass *p, int src)
{
	return src >= 0 && p->m->layers[src]->feeds ? p->Ra[src] : NULL;
}

void nn_node_forward(nn_layer *L, const float *const *in, float *z,
                     size_t n, nn_rng *rng)
{
	if (L->cls->forward_n)
		L->cls->forward_n(L, in, z, n);
	else
		L->cls->forward(L, in[0], z, n, 0, rng);
}

void nn_node_backward(nn_layer *L, const float *const *in, const float *dz,
                      float *const *dx, size_t n)
{
	if (L->cls->backward_n)
		L->cls->backward_n(L, in, dz, dx, n);
	else
		L->cls->backward(L, in[0], dz, dx[0], n);
}

static void fwd(rpass *p, nn_layer *L, const float *const *in, float *z)
{
	nn_node_forward(L, in, z, p->n, p->rng);
}

static void bwd(rpass *p, nn_layer *L, const float *const *in,
                const float *dz, float *const *dx)
{
	nn_node_backward(L, in, dz, dx, p->n);
}

/* Point L's parameter values at the block `base` (bias slots at zero
 * when nobias) and its gradients at gbuf. */
static void point(rpass *p, nn_layer *L, const float *base, int nobias)
{
	size_t off = 0;

	for (int k = 0; k < L->nparams; k++) {
		nn_param_slot *s = &L->p[k];

		s->val = (float *)(nobias && s->is_bias ? p->zero
		                                        : base + s->offset);
		s->grad = p->gbuf + off;
		off += s->size;
	}
}

/* hv += scale * the gradients in gbuf (bias slots too unless nobias). */
static void add_grads(rpass *p, nn_layer *L, double scale, int nobias)
{
	size_t off = 0;

	for (int k = 0; k < L->nparams; k++) {
		const nn_param_slot *s = &L->p[k];

		if (!(nobias && s->is_bias))
			for (size_t j = 0; j < s->size; j++)
				p->hv[s->offset + j] +=
				        scale * p->gbuf[off + j];
		off += s->size;
	}
}

/* The gradient targets of L's inputs: dxb[k], or NULL for inputs whose
 * gradient nothing needs. */
static void dx_targets(rpass *p, const nn_layer *L, float **dx)
{
	for (int k = 0; k < L->nin; k++)
		dx[k] = rin_of(p, L->srcs[k]) ? p->dxb[k] : NULL;
}

/* Rda[src] += scale * dx for the inputs that need it. */
static void add_dx(rpass *p, const nn_layer *L, float *const *dx,
                   float scale)
{
	for (int k = 0; k < L->nin; k++) {
		size_t len = p->n * nn_shape_size(&L->ins[k]);
		float *t;

		if (!dx[k])
			continue;
		t = p->Rda[L->srcs[k]];
		for (size_t j = 0; j < len; j++)
			t[j] += scale * dx[k][j];
	}
}

/* *sum += the squares of a[0..len); returns len. */
static size_t squares(const float *a, size_t len, double *sum)
{
	for (size_t j = 0; j < len; j++)
		*sum += (double)a[j] * a[j];
	return len;
}

/* The step of the central differences through L: 1e-3 of the size of
 * its inputs and weights over the size of their change (0: no change). */
static double fd_step(rpass *p, const nn_layer *L)
{
	double xs = 0, rs = 0;
	size_t cx = 0, cr = 0;

	for (int k = 0; k < L->nin; k++) {
		size_t len = p->n * nn_shape_size(&L->ins[k]);
		const float *r = rin_of(p, L->srcs[k]);

		cx += squares(in_of(p, L->srcs[k]), len, &xs);
		if (r)
			cr += squares(r, len, &rs);
	}
	for (int k = 0; k < L->nparams; k++) {
		const nn_param_slot *s = &L->p[k];

		cx += squares(s->val, s->size, &xs);
		cr += squares(p->V + s->offset, s->size, &rs);
	}
	if (!(rs > 0))
		return 0;
	return 1e-3 * fmax(1, sqrt(xs / (double)(cx ? cx : 1))) /
	       sqrt(rs / (double)cr);
}

/* Save L's parameters into save. */
static void save_params(rpass *p, const nn_layer *L)
{
	size_t off = 0;

	for (int k = 0; k < L->nparams; k++) {
		memcpy(p->save + off, L->p[k].val,
		       L->p[k].size * sizeof(float));
		off += L->p[k].size;
	}
}

/* L's parameters: as saved plus sh times the direction v. */
static void move_params(rpass *p, nn_layer *L, double sh)
{
	size_t off = 0;

	for (int k = 0; k < L->nparams; k++) {
		nn_param_slot *s = &L->p[k];
		float *w = p->m->params + s->offset;

		for (size_t j = 0; j < s->size; j++)
			w[j] = (float)(p->save[off + j] +
			               sh * p->V[s->offset + j]);
		off += s->size;
	}
}

/* L's inputs moved by sh along R{x} (into xin where they move). */
static void move_inputs(rpass *p, const nn_layer *L, double sh,
                        const float **in)
{
	for (int k = 0; k < L->nin; k++) {
		size_t len = p->n * nn_shape_size(&L->ins[k]);
		const float *x = in_of(p, L->srcs[k]);
		const float *r = rin_of(p, L->srcs[k]);

		in[k] = x;
		if (!r || sh == 0)
			continue;
		for (size_t j = 0; j < len; j++)
			p->xin[k][j] = (float)(x[j] + sh * r[j]);
		in[k] = p->xin[k];
	}
}

/* Put L's parameter pointers back on the model's blocks. */
static void unpoint(rpass *p, nn_layer *L)
{
	for (int k = 0; k < L->nparams; k++) {
		L->p[k].val = p->m->params + L->p[k].offset;
		L->p[k].grad = p->m->grads + L->p[k].offset;
	}
}

static void restore_params(rpass *p, nn_layer *L)
{
	size_t off = 0;

	for (int k = 0; k < L->nparams; k++) {
		memcpy(p->m->params + L->p[k].offset, p->save + off,
		       L->p[k].size * sizeof(float));
		off += L->p[k].size;
	}
}

/* ---- activations: R{a} = J R{z}, and R of dz = J' da ------------------ */

#define LECUN_A 1.7159f
#define LECUN_B (2.0f / 3.0f)

/* Rows of a node's activation (a sequence's softmax is per position). */
static size_t act_rows(const nn_layer *L)
{
	return L->seq ? (size_t)L->out.dim[0] : 1;
}

/* p . r over one row, with p = exp(a) when logp. */
static float row_dot(const float *a, const float *r, size_t w, int logp)
{
	float d = 0;

	for (size_t j = 0; j < w; j++)
		d += (logp ? expf(a[j]) : a[j]) * r[j];
	return d;
}

static void act_rforward(const nn_layer *L, const float *z, const float *a,
                         const float *Rz, float *Ra, size_t n)
{
	size_t rows = n * act_rows(L), w = L->out_size / act_rows(L);

	if (L->act != NN_ACT_LOGSOFTMAX) {
		/* elementwise and softmax: J is symmetric, J R{z} = J' R{z} */
		nn_act_backward(L->act, L->alpha, z, a, Rz, Ra, rows, w);
		return;
	}
	for (size_t r = 0; r < rows; r++) {
		const float *ar = a + r * w, *rz = Rz + r * w;
		float d = row_dot(ar, rz, w, 1);

		for (size_t j = 0; j < w; j++)
			Ra[r * w + j] = rz[j] - d;
	}
}

/* R{dz} = J' R{da} + R{J'} da. */
static void act_rbackward(const nn_layer *L, const float *z, const float *a,
                          const float *da, const float *Rz,
                          const float *Ra, const float *Rda, float *Rdz,
                          size_t n)
{
	size_t rows = n * act_rows(L), w = L->out_size / act_rows(L);
	size_t len = rows * w;

	nn_act_backward(L->act, L->alpha, z, a, Rda, Rdz, rows, w);
	switch (L->act) {
	case NN_ACT_SIGMOID:
		for (size_t i = 0; i < len; i++)
			Rdz[i] += a[i] * (1 - a[i]) * (1 - 2 * a[i]) * Rz[i] *
			          da[i];
		break;
	case NN_ACT_TANH:
		for (size_t i = 0; i < len; i++)
			Rdz[i] += -2 * a[i] * (1 - a[i] * a[i]) * Rz[i] * da[i];
		break;
	case NN_ACT_LECUN:
		for (size_t i = 0; i < len; i++) {
			float t = a[i] / LECUN_A;

			Rdz[i] += -2 * LECUN_A * LECUN_B * LECUN_B * t *
			          (1 - t * t) * Rz[i] * da[i];
		}
		break;
	case NN_ACT_SOFTMAX:
		for (size_t r = 0; r < rows; r++) {
			const float *ar = a + r * w, *dr = da + r * w;
			const float *ra = Ra + r * w;
			float ad = row_dot(ar, dr, w, 0);
			float rd = row_dot(ra, dr, w, 0);

			for (size_t j = 0; j < w; j++)
				Rdz[r * w + j] += ra[j] * (dr[j] - ad) -
				                  ar[j] * rd;
		}
		break;
	case NN_ACT_LOGSOFTMAX:
		for (size_t r = 0; r < rows; r++) {
			const float *ar = a + r * w, *dr = da + r * w;
			const float *rz = Rz + r * w;
			float sum = 0, pr = row_dot(ar, rz, w, 1);

			for (size_t j = 0; j < w; j++)
				sum += dr[j];
			for (size_t j = 0; j < w; j++)
				Rdz[r * w + j] -= expf(ar[j]) * (rz[j] - pr) *
				                  sum;
		}
		break;
	default:                /* linear, relu, leaky, step: f'' = 0 */
		break;
	}
}

/* ---- the loss and the penalties ---------------------------------------- */

/* R of the loss's gradient at the last node: into Rdz when the loss fuses
 * with the output activation (dL/dz), else added to its R{da}. */
static void loss_r(rpass *p, nn_loss_kind k, const float *y, float *Rdz)
{
	nn_model *m = p->m;
	size_t last = m->nlayers - 1, n = p->n;
	const nn_layer *L = m->layers[last];
	size_t w = L->out_size, len = n * w;
	const float *z = m->z[last], *a = m->a[last], *Rz = p->Rz[last];
	const float *Ra = p->Ra[last];
	float *Rda = p->Rda[last];
	double inv_n = 1.0 / (double)n;

	if (k == NN_LOSS_CE && L->act == NN_ACT_SIGMOID)
		k = NN_LOSS_BCE;
	if (k == NN_LOSS_CE) {          /* softmax of the logits z */
		for (size_t r = 0; r < n; r++) {
			const float *zr = z + r * w, *yr = y + r * w;
			const float *rz = Rz + r * w;
			double max = zr[0], sum = 0, ysum = 0, pr = 0;

			for (size_t j = 1; j < w; j++)
				max = fmax(max, zr[j]);
			for (size_t j = 0; j < w; j++) {
				sum += exp(zr[j] - max);
				ysum += yr[j];
			}
			for (size_t j = 0; j < w; j++)
				pr += exp(zr[j] - max) / sum * rz[j];
			for (size_t j = 0; j < w; j++)
				Rdz[r * w + j] = (float)(ysum *
				        exp(zr[j] - max) / sum * (rz[j] - pr) *
				        inv_n);
		}
		return;
	}
	if (k == NN_LOSS_BCE && L->act == NN_ACT_SIGMOID) {
		for (size_t i = 0; i < len; i++) {
			double s = 1 / (1 + exp(-(double)z[i]));

			Rdz[i] = (float)(s * (1 - s) * Rz[i] * inv_n);
		}
		return;
	}
	for (size_t i = 0; i < len; i++) {
		double d2 = 0, q = a[i];

		if (k == NN_LOSS_MSE) {
			d2 = 1;
		} else if (k == NN_LOSS_CE_NAIVE) {
			d2 = y[i] / (q * q);
		} else if (k == NN_LOSS_BCE && q > 1e-7 && q < 1 - 1e-7) {
			double v = q * (1 - q);

			d2 = (v - (q - y[i]) * (1 - 2 * q)) / (v * v);
		}
		Rda[i] += (float)(d2 * Ra[i] * inv_n);
	}
}

/* R of the penalties' gradient on node i, added to its R{da}. */
static void penalty_r(rpass *p, size_t i)
{
	const nn_model *m = p->m;
	size_t len = p->n * m->layers[i]->out_size;

	for (size_t k = 0; k < m->npen; k++) {
		const nn_penalty *q = &m->pen[k];
		float s = 2 * q->weight / (float)p->n;

		if (q->node != i || q->kind != NN_PEN_L2)
			continue;       /* dot is linear, l1 piecewise linear */
		for (size_t j = 0; j < len; j++)
			p->Rda[i][j] += s * p->Ra[i][j];
	}
}

/* ---- the passes ---------------------------------------------------------- */

static void node_rforward(rpass *p, size_t i)
{
	nn_model *m = p->m;
	nn_layer *L = m->layers[i];
	size_t len = p->n * L->out_size;
	float *Rz = p->Rz[i];
	const float *in[NN_MAXIN], *rin[NN_MAXIN];
	rule how = node_rule(L);
	double h;

	for (int k = 0; k < L->nin; k++) {
		in[k] = in_of(p, L->srcs[k]);
		rin[k] = rin_of(p, L->srcs[k]);
		if (!rin[k])
			rin[k] = p->zero;
	}
	if (how == R_BILINEAR) {
		point(p, L, p->V, 0);
		fwd(p, L, in, Rz);
		if (rin[0] != p->zero) {
			point(p, L, m->params, 1);
			fwd(p, L, rin, p->tz);
			for (size_t j = 0; j < len; j++)
				Rz[j] += p->tz[j];
		}
		unpoint(p, L);
	} else if (how == R_LINEAR) {
		fwd(p, L, rin, Rz);
	} else if (how == R_PIECES) {
		fwd(p, L, in, p->tz);   /* the pieces x is in */
		L->cls->rforward(L, rin[0], Rz, p->n);
	} else if ((h = fd_step(p, L)) == 0) {
		memset(Rz, 0, len * sizeof *Rz);
	} else {
		save_params(p, L);
		for (int side = 0; side < 2; side++) {
			move_params(p, L, side ? -h : h);
			move_inputs(p, L, side ? -h : h, in);
			fwd(p, L, in, side ? p->tz : Rz);
		}
		restore_params(p, L);
		for (size_t j = 0; j < len; j++)
			Rz[j] = (float)((Rz[j] - p->tz[j]) / (2 * h));
	}
	if (L->act != NN_ACT_LINEAR)
		act_rforward(L, m->z[i], m->a[i], Rz, p->Ra[i], p->n);
}

static void node_rbackward(rpass *p, size_t i, const float *Rdz)
{
	nn_model *m = p->m;
	nn_layer *L = m->layers[i];
	const float *dz = m->dz[i], *in[NN_MAXIN], *rin[1];
	float *dx[NN_MAXIN];
	size_t len = p->n * L->out_size;
	rule how = node_rule(L);
	double h;

	for (int k = 0; k < L->nin; k++)
		in[k] = in_of(p, L->srcs[k]);
	dx_targets(p, L, dx);
	if (how != R_FD) {
		point(p, L, m->params, 0);
		fwd(p, L, in, p->tz);   /* the scratch backward reads */
		bwd(p, L, in, Rdz, dx);
		add_grads(p, L, 1, 0);
		add_dx(p, L, dx, 1);
		if (how == R_BILINEAR && (rin[0] = rin_of(p, L->srcs[0]))) {
			point(p, L, p->V, 0);
			fwd(p, L, rin, p->tz);
			bwd(p, L, rin, dz, dx);
			add_grads(p, L, 1, 1);
			add_dx(p, L, dx, 1);
		}
		unpoint(p, L);
		return;
	}
	/* backward is linear in dz: with no other change any step will do */
	if ((h = fd_step(p, L)) == 0)
		h = 1;
	save_params(p, L);
	for (int side = 0; side < 2; side++) {
		double sh = side ? -h : h;

		move_params(p, L, sh);
		move_inputs(p, L, sh, in);
		for (size_t j = 0; j < len; j++)
			p->dzs[j] = (float)(dz[j] + sh * Rdz[j]);
		point(p, L, m->params, 0);
		fwd(p, L, in, p->tz);
		bwd(p, L, in, p->dzs, dx);
		add_grads(p, L, (side ? -0.5 : 0.5) / h, 0);
		add_dx(p, L, dx, (float)((side ? -0.5 : 0.5) / h));
		unpoint(p, L);
	}
	restore_params(p, L);
}

static void free_pass(rpass *p)
{
	nn_model *m = p->m;

	for (size_t i = 0; p->Ra && i < m->nlayers; i++) {
		if (p->Rz && p->Rz[i] != p->Ra[i])
			free(p->Rz[i]);
		free(p->Ra[i]);
		if (p->Rda)
			free(p->Rda[i]);
	}
	free(p->Ra);
	free(p->Rz);
	free(p->Rda);
	for (int k = 0; k < NN_MAXIN; k++) {
		free(p->xin[k]);
		free(p->dxb[k]);
	}
	free(p->Rdz);
	free(p->tz);
	free(p->dzs);
	free(p->zero);
	free(p->gbuf);
	free(p->save);
	free(p->V);
}

static float *zeros(size_t n)
{
	return calloc(n ? n : 1, sizeof(float));
}

static int alloc_pass(rpass *p)
{
	nn_model *m = p->m;
	size_t k = m->nlayers, n = p->n, out = 1, in = 1, ps = 1;
	int nin = 1;

	for (size_t i = 0; i < k; i++) {
		const nn_layer *L = m->layers[i];
		size_t s = 0;

		out = L->out_size > out ? L->out_size : out;
		for (int j = 0; j < L->nin; j++)
			if (nn_shape_size(&L->ins[j]) > in)
				in = nn_shape_size(&L->ins[j]);
		for (int j = 0; j < L->nparams; j++)
			s += L->p[j].size;
		ps = s > ps ? s : ps;
		nin = L->nin > nin ? L->nin : nin;
	}
	p->Ra = calloc(k, sizeof *p->Ra);
	p->Rz = calloc(k, sizeof *p->Rz);
	p->Rda = calloc(k, sizeof *p->Rda);
	if (!p->Ra || !p->Rz || !p->Rda)
		return -1;
	for (size_t i = 0; i < k; i++) {
		size_t len = n * m->layers[i]->out_size;

		p->Ra[i] = zeros(len);
		p->Rda[i] = zeros(len);
		p->Rz[i] = m->layers[i]->act == NN_ACT_LINEAR ? p->Ra[i]
		                                               : zeros(len);
		if (!p->Ra[i] || !p->Rda[i] || !p->Rz[i])
			return -1;
	}
	for (int j = 0; j < nin; j++)
		if (!(p->xin[j] = zeros(n * in)) ||
		    !(p->dxb[j] = zeros(n * in)))
			return -1;
	p->Rdz = zeros(n * out);
	p->tz = zeros(n * out);
	p->dzs = zeros(n * out);
	p->zero = zeros(n * in > ps ? n * in : ps);
	p->gbuf = zeros(ps);
	p->save = zeros(ps);
	p->V = zeros(m->nparams);
	if (!p->Rdz || !p->tz || !p->dzs || !p->zero || !p->gbuf ||
	    !p->save || !p->V)
		return -1;
	return 0;
}

int nn_hessian_vec(nn_closure *c, const double *v, double *hv)
{
	nn_model *m = c->m;
	size_t last;
	rpass p = { .m = m, .rng = c->rng, .n = c->n, .x = c->x, .hv = hv };
	int rc = -1;

	if (isnan(nn_closure_eval(c, 1)))
		return -1;
	last = m->nlayers - 1;
	memset(hv, 0, m->nparams * sizeof *hv);
	if (alloc_pass(&p) < 0) {
		nn_fail("out of memory for a Hessian-vector product");
		goto done;
	}
	for (size_t j = 0; j < m->nparams; j++)
		p.V[j] = (float)v[j];
	for (size_t i = 0; i <= last; i++)      /* statistics do not move */
		for (int k = 0; k < m->layers[i]->nparams; k++) {
			const nn_param_slot *s = &m->layers[i]->p[k];

			if (s->state)
				memset(p.V + s->offset, 0,
				       s->size * sizeof(float));
		}
	for (size_t i = 0; i <= last; i++)
		if (m->layers[i]->feeds)
			node_rforward(&p, i);
	for (size_t i = last + 1; i-- > 0;) {
		nn_layer *L = m->layers[i];
		const float *Rdz = p.Rda[i];
		int fused = i == last && nn_loss_fuses(c->loss, L->act);

		if (!L->feeds || !m->written[i])
			continue;
		if (i == last)
			loss_r(&p, c->loss, c->y, p.Rdz);
		penalty_r(&p, i);
		if (fused) {
			Rdz = p.Rdz;
		} else if (L->act != NN_ACT_LINEAR) {
			act_rbackward(L, m->z[i], m->a[i], m->da[i], p.Rz[i],
			              p.Ra[i], p.Rda[i], p.Rdz, p.n);
			Rdz = p.Rdz;
		}
		node_rbackward(&p, i, Rdz);
	}
	rc = 0;
done:
	free_pass(&p);
	return rc;
}
