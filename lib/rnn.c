/* rnn.c - a simple recurrent layer (Elman's) unrolled over a T x C
 * sequence, with backpropagation through time:
 *   h_t = act(W x_t + U h_{t-1} + b),  h_{-1} = 0,  act tanh or ReLU,
 * W is UNITS x C, U is UNITS x UNITS. seq=all gives every h_t (a T x
 * UNITS sequence), seq=last only h_{T-1}. bptt=K truncates the backward
 * pass: the gradient crosses from step t to t-1 only when t is not a
 * multiple of K (chunks of K steps; 0, the default, is the whole
 * sequence). Besides recur.c's scratch (the inputs and every h_t,
 * time-major), it keeps the gradients of the pre-activations and, per
 * sample, the carried dh. */
#include <string.h>

#include "blas.h"
#include "recur.h"

enum { UNITS, ACT, SEQ, BPTT };

static const nn_layer_opt rnn_opts[] = {
	{ "UNITS", NULL, NULL, NN_OPT_INT, 1, 1, 1 << 20, 0, NULL,
	  "number of units" },
	{ "tanh|relu", NULL, NULL, NN_OPT_CHOICE, 0, 0, 0, 0, "tanh relu",
	  "the activation" },
	{ "seq", "seq", NULL, NN_OPT_CHOICE, 0, 0, 0, 0, "all last",
	  "every step's output, or the last" },
	{ "bptt", "bptt", NULL, NN_OPT_INT, 0, 0, 1 << 20, 0, NULL,
	  "steps the gradient goes back (0: all)" },
	{ 0 }
};

static int rnn_setup(nn_layer *L, const nn_layer_spec *spec,
                     const nn_optval *v)
{
	static const char *const names[] = { "W", "U", "b", NULL };

	(void)spec;
	return nn_recur_setup(L, (int)v[UNITS].num, 1, (int)v[ACT].num,
	                      (int)v[SEQ].num, (int)v[BPTT].num, names);
}

static size_t rnn_scratch(const nn_layer *L, size_t n)
{
	const nn_recur_cfg *cfg = L->cfg;

	/* the pre-activations' gradients; the carried dh */
	return nn_recur_scratch(L, n, (size_t)cfg->hidden,
	                        (size_t)cfg->hidden);
}

/* One pass of the layer over a batch, for the groups of samples. */
typedef struct rnn_pass {
	nn_recur r;
	nn_layer *L;
	float *dp;              /* T n x H */
	float *carry;           /* n x H */
	float *z;               /* forward: the output */
	const float *dz;        /* backward: its gradient */
} rnn_pass;

static rnn_pass pass_of(nn_layer *L, size_t n)
{
	rnn_pass p = { nn_recur_batch(L, n), L, NULL, NULL, NULL, NULL };

	p.dp = p.r.own;
	p.carry = p.dp + n * p.r.T * p.r.H;
	return p;
}

/* h = act(h + b) for rows of H values */
NN_HOT static void activate(float *restrict h, const float *restrict b,
                            size_t rows, size_t H, int relu)
{
	for (size_t i = 0; i < rows; i++, h += H)
		if (relu)
			for (size_t k = 0; k < H; k++)
				h[k] = h[k] + b[k] > 0 ? h[k] + b[k] : 0;
		else
			for (size_t k = 0; k < H; k++)
				h[k] = nn_vtanhf(h[k] + b[k]);
}

/* d = g act'(h) for len values, from h = act(pre-activation) */
NN_HOT static void activate_back(const float *restrict h,
                                 const float *restrict g,
                                 float *restrict d, size_t len, int relu)
{
	if (relu)
		for (size_t j = 0; j < len; j++)
			d[j] = h[j] > 0 ? g[j] : 0;
	else
		for (size_t j = 0; j < len; j++)
			d[j] = g[j] * (1 - h[j] * h[j]);
}

static void forward_part(void *ud, int part, int parts)
{
	rnn_pass *p = ud;
	const nn_recur *r = &p->r;
	size_t lo = nn_recur_first(r, part, parts);
	size_t hi = nn_recur_first(r, part + 1, parts);
	size_t n = r->n, H = r->H, m = hi - lo;

	for (size_t t = 0; t < r->T; t++) {
		float *h = r->hs + (t * n + lo) * H;

		if (t > 0)
			nn_sgemm_serial(0, 0, m, H, H, 1, h - n * H, H, r->wt,
			                H, 1, h, H);
		activate(h, r->bias, m, H, r->cfg->relu);
	}
	nn_recur_output(r, p->z, lo, hi);
}

static void rnn_forward(nn_layer *L, const float *x, float *z, size_t n,
                        int training, nn_rng *rng)
{
	rnn_pass p = pass_of(L, n);

	(void)training;
	(void)rng;
	p.z = z;
	/* the input product goes where h_t will be */
	nn_recur_begin(&p.r, x, L->p[0].val, L->p[1].val, L->p[2].val, NULL,
	               p.r.hs, p.r.H);
	nn_recur_groups(&p.r, forward_part, &p);
}

static void backward_part(void *ud, int part, int parts)
{
	rnn_pass *p = ud;
	const nn_recur *r = &p->r;
	size_t lo = nn_recur_first(r, part, parts);
	size_t hi = nn_recur_first(r, part + 1, parts);
	size_t n = r->n, H = r->H, m = hi - lo;
	float *carry = p->carry + lo * H;

	memset(carry, 0, m * H * sizeof *carry);
	for (size_t t = r->T; t-- > 0;) {
		size_t row = t * n + lo;
		float *d = p->dp + row * H;

		nn_recur_add_dz(r, p->dz, t, lo, hi, carry);
		activate_back(r->hs + row * H, carry, d, m * H,
		              r->cfg->relu);
		/* the gradient goes on to h_{t-1} unless truncated here */
		if (nn_recur_carries(r, t))
			nn_sgemm_serial(0, 0, m, H, H, 1, d, H, p->L->p[1].val,
			                H, 0, carry, H);
		else
			memset(carry, 0, m * H * sizeof *carry);
	}
}

static void rnn_backward(nn_layer *L, const float *x, const float *dz,
                         float *dx, size_t n)
{
	rnn_pass p = pass_of(L, n);

	(void)x;
	p.dz = dz;
	nn_recur_groups(&p.r, backward_part, &p);
	nn_recur_end(&p.r, L, p.dp, p.dp, dx);
}

const nn_layer_class nn_rnn_class = {
	.kind = "rnn",
	.cfg_size = sizeof(nn_recur_cfg),
	.opts = rnn_opts,
	.setup = rnn_setup,
	.forward = rnn_forward,
	.backward = rnn_backward,
	.scratch_size = rnn_scratch,
	.describe = nn_recur_describe,
};
