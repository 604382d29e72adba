/* lstm.c - a long short-term memory layer unrolled over a T x C sequence
 * with backpropagation through time, laid out as PyTorch's nn.LSTM:
 *   [i f g o] = Wih x_t + bih + Whh h_{t-1} + bhh   (Wih 4H x C, Whh 4H x H)
 *   i, f, o = sigmoid, g = tanh
 *   c_t = f c_{t-1} + i g,  h_t = o tanh(c_t),  h_{-1} = c_{-1} = 0.
 * seq=all gives every h_t (T x H), seq=last only h_{T-1}; bptt=K
 * truncates the backward pass in chunks of K steps, as rnn's. Besides
 * recur.c's scratch (the inputs and every h_t, time-major), it keeps the
 * gates, c_t (after c_{-1} = 0) and tanh c_t of every step, then the
 * gates' pre-activation gradients and, per sample, the carried dh and
 * dc. */
#include <string.h>

#include "blas.h"
#include "recur.h"

enum { UNITS, SEQ, BPTT };

static int lstm_setup(nn_layer *L, const nn_layer_spec *spec,
                      const nn_optval *v)
{
	static const char *const names[] = { "Wih", "Whh", "bih", "bhh" };

	(void)spec;
	return nn_recur_setup(L, (int)v[UNITS].num, 4, 0, (int)v[SEQ].num,
	                      (int)v[BPTT].num, names);
}

static size_t lstm_scratch(const nn_layer *L, size_t n)
{
	const nn_recur_cfg *cfg = L->cfg;
	size_t H = (size_t)cfg->hidden;

	/* gates, c, tanh c, the gates' gradients; c_{-1}, carried dh and
	 * dc */
	return nn_recur_scratch(L, n, 4 * H + H + H + 4 * H, 3 * H);
}

/* One pass of the layer over a batch, for the groups of samples. */
typedef struct lstm_pass {
	nn_recur r;
	nn_layer *L;
	float *g, *c, *tc, *dg;  /* T n rows each; c - n H is c_{-1} */
	float *dh, *dc;          /* n rows each */
	float *z;                /* forward: the output */
	const float *dz;         /* backward: its gradient */
} lstm_pass;

static lstm_pass pass_of(nn_layer *L, size_t n)
{
	lstm_pass p = { nn_recur_batch(L, n), L, NULL, NULL, NULL, NULL,
	                NULL, NULL, NULL, NULL };
	size_t rows = n * p.r.T, H = p.r.H;

	p.g = p.r.own;
	p.c = p.g + rows * 4 * H + n * H;
	p.tc = p.c + rows * H;
	p.dg = p.tc + rows * H;
	p.dh = p.dg + rows * 4 * H;
	p.dc = p.dh + n * H;
	return p;
}

/* One step of rows samples: the gates' pre-activations q (rows x 4H),
 * with the bias b added, become their values, then c, tanh c and h
 * from cp, the previous c. */
NN_HOT static void cells_forward(size_t rows, size_t H, float *restrict q,
                                 const float *restrict b,
                                 const float *restrict cp,
                                 float *restrict c, float *restrict tc,
                                 float *restrict h)
{
	for (size_t i = 0; i < rows; i++) {
		float *a = q + i * 4 * H;

		for (size_t k = 0; k < H; k++) {
			size_t j = i * H + k;
			float ig = nn_vsigmoidf(a[k] + b[k]);
			float fg = nn_vsigmoidf(a[H + k] + b[H + k]);
			float gg = nn_vtanhf(a[2 * H + k] + b[2 * H + k]);
			float og = nn_vsigmoidf(a[3 * H + k] + b[3 * H + k]);
			float prev = cp[j];

			a[k] = ig;
			a[H + k] = fg;
			a[2 * H + k] = gg;
			a[3 * H + k] = og;
			c[j] = fg * prev + ig * gg;
			tc[j] = nn_vtanhf(c[j]);
			h[j] = og * tc[j];
		}
	}
}

/* One step back: from dh (the gradient of h_t) and dc (of c_t through
 * c_{t+1}), the gates' pre-activation gradients d (rows x 4H), and dc
 * becomes that of c_{t-1} when carry, else 0. */
NN_HOT static void cells_backward(size_t rows, size_t H,
                                  const float *restrict q,
                                  const float *restrict cp,
                                  const float *restrict tc,
                                  const float *restrict dh,
                                  float *restrict dc, float *restrict d,
                                  int carry)
{
	for (size_t i = 0; i < rows; i++) {
		const float *a = q + i * 4 * H;
		float *e = d + i * 4 * H;

		for (size_t k = 0; k < H; k++) {
			size_t j = i * H + k;
			float ig = a[k], fg = a[H + k];
			float gg = a[2 * H + k], og = a[3 * H + k];
			float t = tc[j], prev = cp[j];
			float dcj = dc[j] + dh[j] * og * (1 - t * t);

			e[k] = dcj * gg * ig * (1 - ig);
			e[H + k] = dcj * prev * fg * (1 - fg);
			e[2 * H + k] = dcj * ig * (1 - gg * gg);
			e[3 * H + k] = dh[j] * t * og * (1 - og);
			dc[j] = carry ? dcj * fg : 0;
		}
	}
}

static void forward_part(void *ud, int part, int parts)
{
	lstm_pass *p = ud;
	const nn_recur *r = &p->r;
	size_t lo = nn_recur_first(r, part, parts);
	size_t hi = nn_recur_first(r, part + 1, parts);
	size_t n = r->n, H = r->H, G = r->G, m = hi - lo;

	for (size_t t = 0; t < r->T; t++) {
		size_t row = t * n + lo;
		float *g = p->g + row * G, *c = p->c + row * H;
		float *h = r->hs + row * H;

		if (t > 0)
			nn_sgemm_serial(0, 0, m, G, H, 1, h - n * H, H, r->wt,
			                G, 1, g, G);
		cells_forward(m, H, g, r->bias, c - n * H, c,
		              p->tc + row * H, h);
	}
	nn_recur_output(r, p->z, lo, hi);
}

static void lstm_forward(nn_layer *L, const float *x, float *z, size_t n,
                         int training, nn_rng *rng)
{
	lstm_pass p = pass_of(L, n);

	(void)training;
	(void)rng;
	p.z = z;
	memset(p.c - n * p.r.H, 0, n * p.r.H * sizeof *p.c);
	nn_recur_begin(&p.r, x, L->p[0].val, L->p[1].val, L->p[2].val,
	               L->p[3].val, p.g, p.r.G);
	nn_recur_groups(&p.r, forward_part, &p);
}

static void backward_part(void *ud, int part, int parts)
{
	lstm_pass *p = ud;
	const nn_recur *r = &p->r;
	size_t lo = nn_recur_first(r, part, parts);
	size_t hi = nn_recur_first(r, part + 1, parts);
	size_t n = r->n, H = r->H, G = r->G, m = hi - lo;
	float *dh = p->dh + lo * H, *dc = p->dc + lo * H;

	memset(dh, 0, m * H * sizeof *dh);
	memset(dc, 0, m * H * sizeof *dc);
	for (size_t t = r->T; t-- > 0;) {
		size_t row = t * n + lo;
		const float *c = p->c + row * H;
		float *d = p->dg + row * G;
		int on = nn_recur_carries(r, t);

		nn_recur_add_dz(r, p->dz, t, lo, hi, dh);
		cells_backward(m, H, p->g + row * G, c - n * H,
		               p->tc + row * H, dh, dc, d, on);
		if (on)
			nn_sgemm_serial(0, 0, m, H, G, 1, d, G, p->L->p[1].val,
			                H, 0, dh, H);
		else
			memset(dh, 0, m * H * sizeof *dh);
	}
}

static void lstm_backward(nn_layer *L, const float *x, const float *dz,
                          float *dx, size_t n)
{
	lstm_pass p = pass_of(L, n);

	(void)x;
	p.dz = dz;
	nn_recur_groups(&p.r, backward_part, &p);
	nn_recur_end(&p.r, L, p.dg, p.dg, dx);
}

const nn_layer_class nn_lstm_class = {
	.kind = "lstm",
	.cfg_size = sizeof(nn_recur_cfg),
	.opts = nn_recur_opts,
	.setup = lstm_setup,
	.forward = lstm_forward,
	.backward = lstm_backward,
	.scratch_size = lstm_scratch,
	.describe = nn_recur_describe,
};
