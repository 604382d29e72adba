/* lstm.c - a long short-term memory layer unrolled over a T x C sequence
 * with backpropagation through time, laid out as PyTorch's nn.LSTM:
 *   [i f g o] = Wih x_t + bih + Whh h_{t-1} + bhh   (Wih 4H x C, Whh 4H x H)
 *   i, f, o = sigmoid, g = tanh
 *   c_t = f c_{t-1} + i g,  h_t = o tanh(c_t),  h_{-1} = c_{-1} = 0.
 * seq=all gives every h_t (T x H), seq=last only h_{T-1}; bptt=K
 * truncates the backward pass in chunks of K steps, as rnn's. The
 * scratch keeps the gates, c_t and h_t of every step, then the gates'
 * pre-activation gradients and the carried dh and dc. The layer keeps H
 * in units, seq=last in nobias and K in scale. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "layer.h"

/* Its configuration (L->cfg). */
typedef struct lstm_cfg {
	int hidden;             /* units */
	int last;               /* seq=last: only the last step comes out */
	int bptt;               /* steps gradients go back, or 0: all */
} lstm_cfg;

enum { UNITS, SEQ, BPTT };

static const nn_layer_opt lstm_opts[] = {
	{ "UNITS", NULL, NULL, NN_OPT_INT, 1, 1, 1 << 20, 0, NULL,
	  "number of units" },
	{ "seq", "seq", NULL, NN_OPT_CHOICE, 0, 0, 0, 0, "all last",
	  "every step's output, or the last" },
	{ "bptt", "bptt", NULL, NN_OPT_INT, 0, 0, 1 << 20, 0, NULL,
	  "steps the gradient goes back (0: all)" },
	{ 0 }
};

static int lstm_setup(nn_layer *L, const nn_layer_spec *spec,
                      const nn_optval *v)
{
	lstm_cfg *cfg = L->cfg;
	int H = (int)v[UNITS].num, C;
	nn_shape wih = { 2, { 0 } }, whh = { 2, { 0 } }, b = { 1, { 0 } };

	(void)spec;
	if (H <= 0)
		return nn_fail("lstm needs a number of units, as in "
		               "'add lstm 32'");
	if (!L->in_seq)
		return nn_fail("lstm needs a sequence (T x C, as from embed), "
		               "not a %d-D input", L->in.ndim);
	C = L->in.dim[1];
	cfg->hidden = H;
	cfg->last = (int)v[SEQ].num;
	cfg->bptt = (int)v[BPTT].num;
	if (cfg->last) {
		L->out.ndim = 1;
		L->out.dim[0] = H;
	} else {
		L->out.ndim = 2;
		L->out.dim[0] = L->in.dim[0];
		L->out.dim[1] = H;
		L->seq = 1;
	}
	wih.dim[0] = whh.dim[0] = b.dim[0] = 4 * H;
	wih.dim[1] = C;
	whh.dim[1] = H;
	nn_layer_param(L, "Wih", &wih, 0, C, H);
	nn_layer_param(L, "Whh", &whh, 0, H, H);
	nn_layer_param(L, "bih", &b, 1, C, H);
	nn_layer_param(L, "bhh", &b, 1, C, H);
	return 0;
}

static size_t lstm_scratch(const nn_layer *L, size_t n)
{
	const lstm_cfg *cfg = L->cfg;
	size_t T = (size_t)L->in.dim[0], H = (size_t)cfg->hidden;

	/* gates, c, h; the gates' gradients; carried dh and dc */
	return n * T * (4 * H + 2 * H + 4 * H) + 2 * n * H;
}

typedef struct lstm_bufs {
	float *g, *c, *h, *dg, *ch, *cc;
} lstm_bufs;

static lstm_bufs bufs_of(const nn_layer *L, size_t n)
{
	const lstm_cfg *cfg = L->cfg;
	size_t T = (size_t)L->in.dim[0], H = (size_t)cfg->hidden;
	lstm_bufs b;

	b.g = L->scratch;
	b.c = b.g + n * T * 4 * H;
	b.h = b.c + n * T * H;
	b.dg = b.h + n * T * H;
	b.ch = b.dg + n * T * 4 * H;
	b.cc = b.ch + n * H;
	return b;
}

static float sigm(float x)
{
	return 1 / (1 + expf(-x));
}

static void lstm_forward(nn_layer *L, const float *x, float *z, size_t n,
                         int training, nn_rng *rng)
{
	const lstm_cfg *cfg = L->cfg;
	size_t T = (size_t)L->in.dim[0], C = (size_t)L->in.dim[1];
	size_t H = (size_t)cfg->hidden, G = 4 * H;
	lstm_bufs b = bufs_of(L, n);

	(void)training;
	(void)rng;
	for (size_t t = 0; t < T; t++) {
		float *g = b.g + t * G;

		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < G; k++)
				g[i * T * G + k] = L->p[2].val[k] +
				                   L->p[3].val[k];
		nn_sgemm(0, 1, n, G, C, 1, x + t * C, T * C, L->p[0].val, C,
		         1, g, T * G);
		if (t > 0)
			nn_sgemm(0, 1, n, G, H, 1, b.h + (t - 1) * H, T * H,
			         L->p[1].val, H, 1, g, T * G);
		for (size_t i = 0; i < n; i++) {
			float *q = g + i * T * G;
			float *c = b.c + i * T * H + t * H;
			float *h = b.h + i * T * H + t * H;

			for (size_t k = 0; k < H; k++) {
				float ig = sigm(q[k]), fg = sigm(q[H + k]);
				float gg = tanhf(q[2 * H + k]);
				float og = sigm(q[3 * H + k]);
				float prev = t > 0 ? (c - H)[k] : 0;

				q[k] = ig;
				q[H + k] = fg;
				q[2 * H + k] = gg;
				q[3 * H + k] = og;
				c[k] = fg * prev + ig * gg;
				h[k] = og * tanhf(c[k]);
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (cfg->last)
			memcpy(z + i * H, b.h + i * T * H + (T - 1) * H,
			       H * sizeof *z);
		else
			memcpy(z + i * T * H, b.h + i * T * H,
			       T * H * sizeof *z);
}

static void lstm_backward(nn_layer *L, const float *x, const float *dz,
                          float *dx, size_t n)
{
	const lstm_cfg *cfg = L->cfg;
	size_t T = (size_t)L->in.dim[0], C = (size_t)L->in.dim[1];
	size_t H = (size_t)cfg->hidden, G = 4 * H, K = (size_t)cfg->bptt;
	lstm_bufs b = bufs_of(L, n);

	memset(b.ch, 0, n * H * sizeof *b.ch);
	memset(b.cc, 0, n * H * sizeof *b.cc);
	for (size_t t = T; t-- > 0;) {
		int on = t > 0 && (K == 0 || t % K != 0);

		for (size_t i = 0; i < n; i++) {
			const float *q = b.g + i * T * G + t * G;
			const float *c = b.c + i * T * H + t * H;
			float *d = b.dg + i * T * G + t * G;
			float *ch = b.ch + i * H, *cc = b.cc + i * H;

			for (size_t k = 0; k < H; k++) {
				float ig = q[k], fg = q[H + k];
				float gg = q[2 * H + k], og = q[3 * H + k];
				float tc = tanhf(c[k]), prev = t ? (c - H)[k] : 0;
				float dh = ch[k], dc;

				if (!cfg->last)
					dh += dz[i * T * H + t * H + k];
				else if (t == T - 1)
					dh += dz[i * H + k];
				dc = cc[k] + dh * og * (1 - tc * tc);
				d[k] = dc * gg * ig * (1 - ig);
				d[H + k] = dc * prev * fg * (1 - fg);
				d[2 * H + k] = dc * ig * (1 - gg * gg);
				d[3 * H + k] = dh * tc * og * (1 - og);
				cc[k] = on ? dc * fg : 0;
			}
		}
		if (on)
			nn_sgemm(0, 0, n, H, G, 1, b.dg + t * G, T * G,
			         L->p[1].val, H, 0, b.ch, H);
		else
			memset(b.ch, 0, n * H * sizeof *b.ch);
	}
	nn_sgemm(1, 0, G, C, n * T, 1, b.dg, G, x, C, 0, L->p[0].grad, C);
	memset(L->p[1].grad, 0, G * H * sizeof(float));
	for (size_t t = 1; t < T; t++)
		nn_sgemm(1, 0, G, H, n, 1, b.dg + t * G, T * G,
		         b.h + (t - 1) * H, T * H, 1, L->p[1].grad, H);
	memset(L->p[2].grad, 0, G * sizeof(float));
	for (size_t r = 0; r < n * T; r++)
		for (size_t k = 0; k < G; k++)
			L->p[2].grad[k] += b.dg[r * G + k];
	memcpy(L->p[3].grad, L->p[2].grad, G * sizeof(float));
	if (dx)
		nn_sgemm(0, 0, n * T, C, G, 1, b.dg, G, L->p[0].val, C, 0, dx,
		         C);
}

static void lstm_describe(const nn_layer *L, char *buf, size_t len)
{
	const lstm_cfg *cfg = L->cfg;
	char bptt[32] = "";

	if (cfg->bptt)
		snprintf(bptt, sizeof bptt, " bptt=%d", cfg->bptt);
	snprintf(buf, len, "lstm %d%s%s", cfg->hidden,
	         cfg->last ? " seq=last" : "", bptt);
}

const nn_layer_class nn_lstm_class = {
	.kind = "lstm",
	.cfg_size = sizeof(lstm_cfg),
	.opts = lstm_opts,
	.setup = lstm_setup,
	.forward = lstm_forward,
	.backward = lstm_backward,
	.scratch_size = lstm_scratch,
	.describe = lstm_describe,
};
