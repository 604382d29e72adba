/* gru.c - a gated recurrent unit layer unrolled over a T x C sequence
 * with backpropagation through time, laid out as PyTorch's nn.GRU:
 *   [ir iz in] = Wih x_t + bih,  [hr hz hn] = Whh h_{t-1} + bhh
 *   r = sigmoid(ir + hr), z = sigmoid(iz + hz), n = tanh(in + r hn)
 *   h_t = (1 - z) n + z h_{t-1},  h_{-1} = 0   (Wih 3H x C, Whh 3H x H).
 * seq=all gives every h_t (T x H), seq=last only h_{T-1}; bptt=K
 * truncates the backward pass in chunks of K steps, as rnn's. The
 * scratch keeps r, z, n, hn and h_t of every step, then the gradients of
 * the two products and the carried dh. The layer keeps H in units,
 * seq=last in nobias and K in scale. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "layer.h"

/* Its configuration (L->cfg). */
typedef struct gru_cfg {
	int hidden;             /* units */
	int last;               /* seq=last: only the last step comes out */
	int bptt;               /* steps gradients go back, or 0: all */
} gru_cfg;

enum { UNITS, SEQ, BPTT };

static const nn_layer_opt gru_opts[] = {
	{ "UNITS", NULL, NULL, NN_OPT_INT, 1, 1, 1 << 20, 0, NULL,
	  "number of units" },
	{ "seq", "seq", NULL, NN_OPT_CHOICE, 0, 0, 0, 0, "all last",
	  "every step's output, or the last" },
	{ "bptt", "bptt", NULL, NN_OPT_INT, 0, 0, 1 << 20, 0, NULL,
	  "steps the gradient goes back (0: all)" },
	{ 0 }
};

static int gru_setup(nn_layer *L, const nn_layer_spec *spec,
                     const nn_optval *v)
{
	gru_cfg *cfg = L->cfg;
	int H = (int)v[UNITS].num, C;
	nn_shape wih = { 2, { 0 } }, whh = { 2, { 0 } }, b = { 1, { 0 } };

	(void)spec;
	if (H <= 0)
		return nn_fail("gru needs a number of units, as in "
		               "'add gru 32'");
	if (!L->in_seq)
		return nn_fail("gru needs a sequence (T x C, as from embed), "
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
	wih.dim[0] = whh.dim[0] = b.dim[0] = 3 * H;
	wih.dim[1] = C;
	whh.dim[1] = H;
	nn_layer_param(L, "Wih", &wih, 0, C, H);
	nn_layer_param(L, "Whh", &whh, 0, H, H);
	nn_layer_param(L, "bih", &b, 1, C, H);
	nn_layer_param(L, "bhh", &b, 1, C, H);
	return 0;
}

static size_t gru_scratch(const nn_layer *L, size_t n)
{
	const gru_cfg *cfg = L->cfg;
	size_t T = (size_t)L->in.dim[0], H = (size_t)cfg->hidden;

	/* r z n hn, h; d(input product), d(hidden product); carried dh */
	return n * T * (4 * H + H + 3 * H + 3 * H) + n * H;
}

typedef struct gru_bufs {
	float *g, *h, *di, *dh, *carry;
} gru_bufs;

static gru_bufs bufs_of(const nn_layer *L, size_t n)
{
	const gru_cfg *cfg = L->cfg;
	size_t T = (size_t)L->in.dim[0], H = (size_t)cfg->hidden;
	gru_bufs b;

	b.g = L->scratch;                       /* n T 4H: r z n hn */
	b.h = b.g + n * T * 4 * H;
	b.di = b.h + n * T * H;                 /* n T 3H */
	b.dh = b.di + n * T * 3 * H;            /* n T 3H */
	b.carry = b.dh + n * T * 3 * H;
	return b;
}

static float sigm(float x)
{
	return 1 / (1 + expf(-x));
}

static void gru_forward(nn_layer *L, const float *x, float *z, size_t n,
                        int training, nn_rng *rng)
{
	const gru_cfg *cfg = L->cfg;
	size_t T = (size_t)L->in.dim[0], C = (size_t)L->in.dim[1];
	size_t H = (size_t)cfg->hidden, G = 3 * H, F = 4 * H;
	gru_bufs b = bufs_of(L, n);
	/* the two products of one step, in the gradient buffers (free
	 * until backward) */
	float *gi = b.di, *gh = b.dh;

	(void)training;
	(void)rng;
	for (size_t t = 0; t < T; t++) {
		for (size_t i = 0; i < n; i++) {
			memcpy(gi + i * G, L->p[2].val, G * sizeof *gi);
			memcpy(gh + i * G, L->p[3].val, G * sizeof *gh);
		}
		nn_sgemm(0, 1, n, G, C, 1, x + t * C, T * C, L->p[0].val, C,
		         1, gi, G);
		if (t > 0)
			nn_sgemm(0, 1, n, G, H, 1, b.h + (t - 1) * H, T * H,
			         L->p[1].val, H, 1, gh, G);
		for (size_t i = 0; i < n; i++) {
			const float *a = gi + i * G, *c = gh + i * G;
			float *q = b.g + i * T * F + t * F;
			float *h = b.h + i * T * H + t * H;

			for (size_t k = 0; k < H; k++) {
				float r = sigm(a[k] + c[k]);
				float u = sigm(a[H + k] + c[H + k]);
				float nn = tanhf(a[2 * H + k] +
				                 r * c[2 * H + k]);
				float prev = t > 0 ? (h - H)[k] : 0;

				q[k] = r;
				q[H + k] = u;
				q[2 * H + k] = nn;
				q[3 * H + k] = c[2 * H + k];
				h[k] = (1 - u) * nn + u * prev;
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

static void gru_backward(nn_layer *L, const float *x, const float *dz,
                         float *dx, size_t n)
{
	const gru_cfg *cfg = L->cfg;
	size_t T = (size_t)L->in.dim[0], C = (size_t)L->in.dim[1];
	size_t H = (size_t)cfg->hidden, G = 3 * H, F = 4 * H;
	size_t K = (size_t)cfg->bptt;
	gru_bufs b = bufs_of(L, n);

	memset(b.carry, 0, n * H * sizeof *b.carry);
	for (size_t t = T; t-- > 0;) {
		int on = t > 0 && (K == 0 || t % K != 0);

		for (size_t i = 0; i < n; i++) {
			const float *q = b.g + i * T * F + t * F;
			const float *h = b.h + i * T * H + t * H;
			float *di = b.di + i * T * G + t * G;
			float *dh = b.dh + i * T * G + t * G;
			float *carry = b.carry + i * H;

			for (size_t k = 0; k < H; k++) {
				float r = q[k], u = q[H + k], nn = q[2 * H + k];
				float hn = q[3 * H + k];
				float prev = t > 0 ? (h - H)[k] : 0;
				float d = carry[k], dn, dpn, dr;

				if (!cfg->last)
					d += dz[i * T * H + t * H + k];
				else if (t == T - 1)
					d += dz[i * H + k];
				dn = d * (1 - u);
				dpn = dn * (1 - nn * nn);
				dr = dpn * hn;
				di[k] = dh[k] = dr * r * (1 - r);
				di[H + k] = dh[H + k] = d * (prev - nn) * u *
				                        (1 - u);
				di[2 * H + k] = dpn;
				dh[2 * H + k] = dpn * r;
				carry[k] = on ? d * u : 0;
			}
		}
		if (on)
			nn_sgemm(0, 0, n, H, G, 1, b.dh + t * G, T * G,
			         L->p[1].val, H, 1, b.carry, H);
	}
	nn_sgemm(1, 0, G, C, n * T, 1, b.di, G, x, C, 0, L->p[0].grad, C);
	memset(L->p[1].grad, 0, G * H * sizeof(float));
	for (size_t t = 1; t < T; t++)
		nn_sgemm(1, 0, G, H, n, 1, b.dh + t * G, T * G,
		         b.h + (t - 1) * H, T * H, 1, L->p[1].grad, H);
	memset(L->p[2].grad, 0, G * sizeof(float));
	memset(L->p[3].grad, 0, G * sizeof(float));
	for (size_t r = 0; r < n * T; r++)
		for (size_t k = 0; k < G; k++) {
			L->p[2].grad[k] += b.di[r * G + k];
			L->p[3].grad[k] += b.dh[r * G + k];
		}
	if (dx)
		nn_sgemm(0, 0, n * T, C, G, 1, b.di, G, L->p[0].val, C, 0, dx,
		         C);
}

static void gru_describe(const nn_layer *L, char *buf, size_t len)
{
	const gru_cfg *cfg = L->cfg;
	char bptt[32] = "";

	if (cfg->bptt)
		snprintf(bptt, sizeof bptt, " bptt=%d", cfg->bptt);
	snprintf(buf, len, "gru %d%s%s", cfg->hidden,
	         cfg->last ? " seq=last" : "", bptt);
}

const nn_layer_class nn_gru_class = {
	.kind = "gru",
	.cfg_size = sizeof(gru_cfg),
	.opts = gru_opts,
	.setup = gru_setup,
	.forward = gru_forward,
	.backward = gru_backward,
	.scratch_size = gru_scratch,
	.describe = gru_describe,
};
