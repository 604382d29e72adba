/* gru.c - a gated recurrent unit layer unrolled over a T x C sequence
 * with backpropagation through time, laid out as PyTorch's nn.GRU:
 *   [ir iz in] = Wih x_t + bih,  [hr hz hn] = Whh h_{t-1} + bhh
 *   r = sigmoid(ir + hr), z = sigmoid(iz + hz), n = tanh(in + r hn)
 *   h_t = (1 - z) n + z h_{t-1},  h_{-1} = 0   (Wih 3H x C, Whh 3H x H).
 * seq=all gives every h_t (T x H), seq=last only h_{T-1}; bptt=K
 * truncates the backward pass in chunks of K steps, as rnn's. Besides
 * recur.c's scratch (the inputs and every h_t, time-major), it keeps r,
 * z, n and hn of every step (the input product is written there first),
 * then the gradients of the two products; per sample, the step's
 * recurrent product, and the carried dh while going back. */
#include <string.h>

#include "blas.h"
#include "recur.h"

enum { UNITS, SEQ, BPTT };

static int gru_setup(nn_layer *L, const nn_layer_spec *spec,
                     const nn_optval *v)
{
	static const char *const names[] = { "Wih", "Whh", "bih", "bhh" };

	(void)spec;
	return nn_recur_setup(L, (int)v[UNITS].num, 3, 0, (int)v[SEQ].num,
	                      (int)v[BPTT].num, names);
}

static size_t gru_scratch(const nn_layer *L, size_t n)
{
	const nn_recur_cfg *cfg = L->cfg;
	size_t H = (size_t)cfg->hidden;

	/* r z n hn, d(input product), d(recurrent product); the step's
	 * recurrent product, then the carried dh */
	return nn_recur_scratch(L, n, 4 * H + 3 * H + 3 * H, 3 * H);
}

/* One pass of the layer over a batch, for the groups of samples. */
typedef struct gru_pass {
	nn_recur r;
	nn_layer *L;
	float *q;               /* T n x 4H: r z n hn */
	float *di, *dr;         /* T n x 3H */
	float *gh;              /* n x 3H: the step's Whh h_{t-1}, then the
	                         * carried dh (n x H) */
	float *z;               /* forward: the output */
	const float *dz;        /* backward: its gradient */
} gru_pass;

static gru_pass pass_of(nn_layer *L, size_t n)
{
	gru_pass p = { nn_recur_batch(L, n), L, NULL, NULL, NULL, NULL,
	               NULL, NULL };
	size_t rows = n * p.r.T, H = p.r.H;

	p.q = p.r.own;
	p.di = p.q + rows * 4 * H;
	p.dr = p.di + rows * 3 * H;
	p.gh = p.dr + rows * 3 * H;
	return p;
}

/* One step of rows samples: q holds the input products (rows of 4H, the
 * first 3H used), bi is bih, gh is Whh h_{t-1} and bh is bhh; q becomes
 * r z n hn, and h comes from hp, the previous h. */
NN_HOT static void cells_forward(size_t rows, size_t H, float *restrict q,
                                 const float *restrict bi,
                                 const float *restrict gh,
                                 const float *restrict bh,
                                 const float *restrict hp,
                                 float *restrict h)
{
	for (size_t i = 0; i < rows; i++) {
		float *a = q + i * 4 * H;
		const float *c = gh + i * 3 * H;

		for (size_t k = 0; k < H; k++) {
			size_t j = i * H + k;
			float hr = bh[k] + c[k];
			float hz = bh[H + k] + c[H + k];
			float hn = bh[2 * H + k] + c[2 * H + k];
			float r = nn_vsigmoidf(a[k] + bi[k] + hr);
			float u = nn_vsigmoidf(a[H + k] + bi[H + k] + hz);
			float nn = nn_vtanhf(a[2 * H + k] + bi[2 * H + k] +
			                     r * hn);
			float prev = hp[j];

			a[k] = r;
			a[H + k] = u;
			a[2 * H + k] = nn;
			a[3 * H + k] = hn;
			h[j] = (1 - u) * nn + u * prev;
		}
	}
}

/* One step back: from d, the gradient of h_t, the gradients of the
 * input product di and of the recurrent one dr (rows x 3H); d becomes
 * the part of h_{t-1}'s that passes through z when carry, else 0. */
NN_HOT static void cells_backward(size_t rows, size_t H,
                                  const float *restrict q,
                                  const float *restrict hp,
                                  float *restrict d, float *restrict di,
                                  float *restrict dr, int carry)
{
	for (size_t i = 0; i < rows; i++) {
		const float *a = q + i * 4 * H;
		float *ei = di + i * 3 * H, *er = dr + i * 3 * H;

		for (size_t k = 0; k < H; k++) {
			size_t j = i * H + k;
			float r = a[k], u = a[H + k], nn = a[2 * H + k];
			float hn = a[3 * H + k], prev = hp[j];
			float dd = d[j], dpn = dd * (1 - u) * (1 - nn * nn);
			float dgr = dpn * hn * r * (1 - r);
			float dgz = dd * (prev - nn) * u * (1 - u);

			ei[k] = er[k] = dgr;
			ei[H + k] = er[H + k] = dgz;
			ei[2 * H + k] = dpn;
			er[2 * H + k] = dpn * r;
			d[j] = carry ? dd * u : 0;
		}
	}
}

static void forward_part(void *ud, int part, int parts)
{
	gru_pass *p = ud;
	const nn_recur *r = &p->r;
	size_t lo = nn_recur_first(r, part, parts);
	size_t hi = nn_recur_first(r, part + 1, parts);
	size_t n = r->n, H = r->H, G = r->G, m = hi - lo;
	float *gh = p->gh + lo * G;

	for (size_t t = 0; t < r->T; t++) {
		size_t row = t * n + lo;
		float *h = r->hs + row * H;

		if (t > 0)
			nn_sgemm_serial(0, 0, m, G, H, 1, h - n * H, H, r->wt,
			                G, 0, gh, G);
		else
			memset(gh, 0, m * G * sizeof *gh);
		cells_forward(m, H, p->q + row * 4 * H, r->bias, gh,
		              p->L->p[3].val, h - n * H, h);
	}
	nn_recur_output(r, p->z, lo, hi);
}

static void gru_forward(nn_layer *L, const float *x, float *z, size_t n,
                        int training, nn_rng *rng)
{
	gru_pass p = pass_of(L, n);

	(void)training;
	(void)rng;
	p.z = z;
	nn_recur_begin(&p.r, x, L->p[0].val, L->p[1].val, L->p[2].val, NULL,
	               p.q, 4 * p.r.H);
	nn_recur_groups(&p.r, forward_part, &p);
}

static void backward_part(void *ud, int part, int parts)
{
	gru_pass *p = ud;
	const nn_recur *r = &p->r;
	size_t lo = nn_recur_first(r, part, parts);
	size_t hi = nn_recur_first(r, part + 1, parts);
	size_t n = r->n, H = r->H, G = r->G, m = hi - lo;
	float *d = p->gh + lo * H;

	memset(d, 0, m * H * sizeof *d);
	for (size_t t = r->T; t-- > 0;) {
		size_t row = t * n + lo;
		float *dr = p->dr + row * G;
		const float *h = r->hs + row * H;
		int on = nn_recur_carries(r, t);

		nn_recur_add_dz(r, p->dz, t, lo, hi, d);
		cells_backward(m, H, p->q + row * 4 * H, h - n * H, d,
		               p->di + row * G, dr, on);
		if (on)
			nn_sgemm_serial(0, 0, m, H, G, 1, dr, G, p->L->p[1].val,
			                H, 1, d, H);
	}
}

static void gru_backward(nn_layer *L, const float *x, const float *dz,
                         float *dx, size_t n)
{
	gru_pass p = pass_of(L, n);

	(void)x;
	p.dz = dz;
	nn_recur_groups(&p.r, backward_part, &p);
	nn_recur_end(&p.r, L, p.di, p.dr, dx);
}

const nn_layer_class nn_gru_class = {
	.kind = "gru",
	.cfg_size = sizeof(nn_recur_cfg),
	.opts = nn_recur_opts,
	.setup = gru_setup,
	.forward = gru_forward,
	.backward = gru_backward,
	.scratch_size = gru_scratch,
	.describe = nn_recur_describe,
};
