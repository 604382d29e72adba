/* rnn.c - a simple recurrent layer (Elman's) unrolled over a T x C
 * sequence, with backpropagation through time:
 *   h_t = act(W x_t + U h_{t-1} + b),  h_{-1} = 0,  act tanh or ReLU,
 * W is UNITS x C, U is UNITS x UNITS. seq=all gives every h_t (a T x
 * UNITS sequence), seq=last only h_{T-1}. bptt=K truncates the backward
 * pass: the gradient crosses from step t to t-1 only when t is not a
 * multiple of K (chunks of K steps; 0, the default, is the whole
 * sequence). The scratch keeps every h_t for backward, then the
 * gradients of the pre-activations. The layer keeps UNITS in units,
 * ReLU in same, seq=last in nobias and K in scale. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "layer.h"

/* Its configuration (L->cfg). */
typedef struct rnn_cfg {
	int hidden;             /* units */
	int relu;               /* relu, else tanh */
	int last;               /* seq=last: only the last step comes out */
	int bptt;               /* steps gradients go back, or 0: all */
} rnn_cfg;

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
	rnn_cfg *cfg = L->cfg;
	int units = (int)v[UNITS].num, C;
	nn_shape w = { 2, { 0 } }, u = { 2, { 0 } }, b = { 1, { 0 } };

	(void)spec;
	if (units <= 0)
		return nn_fail("rnn needs a number of units, as in "
		               "'add rnn 32'");
	if (!L->in_seq)
		return nn_fail("rnn needs a sequence (T x C, as from embed), "
		               "not a %d-D input", L->in.ndim);
	C = L->in.dim[1];
	cfg->hidden = units;
	cfg->relu = (int)v[ACT].num;
	cfg->last = (int)v[SEQ].num;
	cfg->bptt = (int)v[BPTT].num;
	if (cfg->last) {
		L->out.ndim = 1;
		L->out.dim[0] = units;
	} else {
		L->out.ndim = 2;
		L->out.dim[0] = L->in.dim[0];
		L->out.dim[1] = units;
		L->seq = 1;
	}
	w.dim[0] = u.dim[0] = u.dim[1] = b.dim[0] = units;
	w.dim[1] = C;
	nn_layer_param(L, "W", &w, 0, C, units);
	nn_layer_param(L, "U", &u, 0, units, units);
	nn_layer_param(L, "b", &b, 1, C, units);
	return 0;
}

static size_t rnn_scratch(const nn_layer *L, size_t n)
{
	const rnn_cfg *cfg = L->cfg;

	/* every h_t, every pre-activation gradient, the carried dh */
	return 2 * n * (size_t)L->in.dim[0] * (size_t)cfg->hidden +
	       n * (size_t)cfg->hidden;
}

static void rnn_forward(nn_layer *L, const float *x, float *z, size_t n,
                        int training, nn_rng *rng)
{
	const rnn_cfg *cfg = L->cfg;
	size_t T = (size_t)L->in.dim[0], C = (size_t)L->in.dim[1];
	size_t H = (size_t)cfg->hidden;
	float *hs = L->scratch;

	(void)training;
	(void)rng;
	for (size_t t = 0; t < T; t++) {
		float *h = hs + t * H;

		for (size_t i = 0; i < n; i++)
			memcpy(h + i * T * H, L->p[2].val, H * sizeof *h);
		nn_sgemm(0, 1, n, H, C, 1, x + t * C, T * C, L->p[0].val, C,
		         1, h, T * H);
		if (t > 0)
			nn_sgemm(0, 1, n, H, H, 1, h - H, T * H, L->p[1].val,
			         H, 1, h, T * H);
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < H; k++) {
				float *e = h + i * T * H + k;

				*e = cfg->relu ? (*e > 0 ? *e : 0) : tanhf(*e);
			}
	}
	for (size_t i = 0; i < n; i++)
		if (cfg->last)
			memcpy(z + i * H, hs + i * T * H + (T - 1) * H,
			       H * sizeof *z);
		else
			memcpy(z + i * T * H, hs + i * T * H,
			       T * H * sizeof *z);
}

static void rnn_backward(nn_layer *L, const float *x, const float *dz,
                         float *dx, size_t n)
{
	const rnn_cfg *cfg = L->cfg;
	size_t T = (size_t)L->in.dim[0], C = (size_t)L->in.dim[1];
	size_t H = (size_t)cfg->hidden, K = (size_t)cfg->bptt;
	float *hs = L->scratch, *dp = hs + n * T * H, *carry = dp + n * T * H;

	memset(carry, 0, n * H * sizeof *carry);
	for (size_t t = T; t-- > 0;) {
		float *d = dp + t * H;

		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < H; k++) {
				float h = hs[i * T * H + t * H + k];
				float g = carry[i * H + k];

				if (!cfg->last)
					g += dz[i * T * H + t * H + k];
				else if (t == T - 1)
					g += dz[i * H + k];
				d[i * T * H + k] = g * (cfg->relu ? (h > 0)
				                                : 1 - h * h);
			}
		/* the gradient goes on to h_{t-1} unless truncated here */
		if (t > 0 && (K == 0 || t % K != 0))
			nn_sgemm(0, 0, n, H, H, 1, d, T * H, L->p[1].val, H,
			         0, carry, H);
		else
			memset(carry, 0, n * H * sizeof *carry);
	}
	/* dW = sum_t dp_t^T x_t, dU = sum_t dp_t^T h_{t-1}, db */
	nn_sgemm(1, 0, H, C, n * T, 1, dp, H, x, C, 0, L->p[0].grad, C);
	memset(L->p[1].grad, 0, H * H * sizeof(float));
	for (size_t t = 1; t < T; t++)
		nn_sgemm(1, 0, H, H, n, 1, dp + t * H, T * H,
		         hs + (t - 1) * H, T * H, 1, L->p[1].grad, H);
	memset(L->p[2].grad, 0, H * sizeof(float));
	for (size_t r = 0; r < n * T; r++)
		for (size_t k = 0; k < H; k++)
			L->p[2].grad[k] += dp[r * H + k];
	if (dx)
		nn_sgemm(0, 0, n * T, C, H, 1, dp, H, L->p[0].val, C, 0, dx,
		         C);
}

static void rnn_describe(const nn_layer *L, char *buf, size_t len)
{
	const rnn_cfg *cfg = L->cfg;
	char bptt[32] = "";

	if (cfg->bptt)
		snprintf(bptt, sizeof bptt, " bptt=%d", cfg->bptt);
	snprintf(buf, len, "rnn %d%s%s%s", cfg->hidden,
	         cfg->relu ? " relu" : "", cfg->last ? " seq=last" : "", bptt);
}

const nn_layer_class nn_rnn_class = {
	.kind = "rnn",
	.cfg_size = sizeof(rnn_cfg),
	.opts = rnn_opts,
	.setup = rnn_setup,
	.forward = rnn_forward,
	.backward = rnn_backward,
	.scratch_size = rnn_scratch,
	.describe = rnn_describe,
};
