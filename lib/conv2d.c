/* conv2d.c - 2-D convolution over C x H x W inputs: O filters of C x kh x kw
 * (W is O x C x kh x kw, PyTorch's layout), a stride, zero padding (or
 * `same`) and a bias. The batch is lowered with im2col into one matrix of
 * K = C*kh*kw rows and n*P columns (P = output pixels), so that each pass
 * is one product through the BLAS seam; the lowered input is kept in the
 * scratch from forward to backward, which then reuses it for dL/dcol. */
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "im2col.h"
#include "layer.h"

static int conv_setup(nn_layer *L, const nn_layer_spec *spec)
{
	int oh, ow, c = L->in.dim[0], k;
	nn_shape ws = { 4, { 0 } }, bs = { 1, { 0 } };

	if (spec->units <= 0)
		return nn_fail("conv needs a number of filters, as in "
		               "'add conv 8 5x5 relu'");
	if (nn_window_setup(L, spec, "conv", 0, &oh, &ow) < 0)
		return -1;
	L->units = spec->units;
	L->nobias = spec->nobias;
	L->out.ndim = 3;
	L->out.dim[0] = spec->units;
	L->out.dim[1] = oh;
	L->out.dim[2] = ow;
	k = L->kh * L->kw;
	ws.dim[0] = spec->units;
	ws.dim[1] = c;
	ws.dim[2] = L->kh;
	ws.dim[3] = L->kw;
	nn_layer_param(L, "W", &ws, 0, c * k, spec->units * k);
	if (!L->nobias) {
		bs.dim[0] = spec->units;
		nn_layer_param(L, "b", &bs, 1, c * k, spec->units * k);
	}
	return 0;
}

/* Rows of the lowered input (K) and output pixels per sample (P). */
static size_t conv_k(const nn_layer *L)
{
	return (size_t)L->in.dim[0] * L->kh * L->kw;
}

static size_t conv_p(const nn_layer *L)
{
	return (size_t)L->out.dim[1] * L->out.dim[2];
}

static size_t conv_scratch(const nn_layer *L, size_t n)
{
	return n * conv_p(L) * (conv_k(L) + (size_t)L->units);
}

static void conv_forward(nn_layer *L, const float *x, float *z, size_t n,
                         int training, nn_rng *rng)
{
	size_t K = conv_k(L), P = conv_p(L), O = (size_t)L->units, N = n * P;
	float *col = L->scratch, *t = col + K * N;
	nn_window g;

	(void)training;
	(void)rng;
	nn_window_of(L, &g);
	for (size_t i = 0; i < n; i++)
		nn_im2col(&g, x + i * L->in_size, col + i * P, N);
	/* t (O x nP) = W (O x K) col (K x nP), then to n x O x P */
	nn_sgemm(0, 0, O, N, K, 1, L->p[0].val, K, col, N, 0, t, N);
	for (size_t i = 0; i < n; i++)
		for (size_t o = 0; o < O; o++) {
			const float *src = t + o * N + i * P;
			float *dst = z + (i * O + o) * P;
			float b = L->nobias ? 0 : L->p[1].val[o];

			for (size_t p = 0; p < P; p++)
				dst[p] = src[p] + b;
		}
}

static void conv_backward(nn_layer *L, const float *x, const float *dz,
                          float *dx, size_t n)
{
	size_t K = conv_k(L), P = conv_p(L), O = (size_t)L->units, N = n * P;
	float *col = L->scratch, *t = col + K * N;
	nn_window g;

	(void)x;
	for (size_t i = 0; i < n; i++)
		for (size_t o = 0; o < O; o++)
			memcpy(t + o * N + i * P, dz + (i * O + o) * P,
			       P * sizeof *t);
	if (!L->nobias)
		for (size_t o = 0; o < O; o++) {
			double s = 0;

			for (size_t j = 0; j < N; j++)
				s += t[o * N + j];
			L->p[1].grad[o] = (float)s;
		}
	/* dW (O x K) = t (O x nP) col^T (nP x K) */
	nn_sgemm(0, 1, O, K, N, 1, t, N, col, N, 0, L->p[0].grad, K);
	if (!dx)
		return;
	/* dcol (K x nP) = W^T (K x O) t (O x nP), over the lowered input */
	nn_sgemm(1, 0, K, N, O, 1, L->p[0].val, K, t, N, 0, col, N);
	nn_window_of(L, &g);
	memset(dx, 0, n * L->in_size * sizeof *dx);
	for (size_t i = 0; i < n; i++)
		nn_col2im(&g, col + i * P, N, dx + i * L->in_size);
}

static void conv_describe(const nn_layer *L, char *buf, size_t len)
{
	char win[48];

	nn_window_describe(L, 0, win, sizeof win);
	snprintf(buf, len, "conv %d %s%s", L->units, win,
	         L->nobias ? " nobias" : "");
}

const nn_layer_class nn_conv2d_class = {
	.kind = "conv",
	.setup = conv_setup,
	.forward = conv_forward,
	.backward = conv_backward,
	.scratch_size = conv_scratch,
	.describe = conv_describe,
};
