/* convtranspose.c - transposed 2-D convolution (PyTorch's ConvTranspose2d):
 * each input pixel adds its value times a C_out x kh x kw kernel to the
 * output at stride steps, less the padding on every side, plus output
 * padding at the bottom and right: out = (in - 1) * stride - 2 * pad + k +
 * outpad. W is C_in x C_out x kh x kw. It is the backward pass of a conv
 * from the output to the input, so it runs on the same lowering: one
 * product W^T x into columns and col2im forward; im2col of dL/dz backward.
 * The scratch holds the columns and the input as C_in x (n * H * W). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "im2col.h"
#include "layer.h"

/* Its configuration (L->cfg). */
typedef struct convtranspose_cfg {
	nn_window_cfg win;      /* first: nn_window_setup writes it */
	int units;              /* output channels */
	int nobias;
	int outpad;             /* rows and columns added below and right */
} convtranspose_cfg;

enum { FILTERS, KERNEL, OUTPAD = KERNEL + 3, NOBIAS };

static const nn_layer_opt convt_opts[] = {
	{ "FILTERS", NULL, NULL, NN_OPT_INT, 1, 1, 1 << 24, 0, NULL,
	  "number of units" },
	NN_WINDOW_OPTS(2),
	{ "outpad", "outpad", NULL, NN_OPT_INT, 0, 0, 4096, 0, NULL,
	  "extra rows and columns at the end" },
	{ "nobias", "nobias", NULL, NN_OPT_FLAG, 0, 0, 0, 0, NULL,
	  "no bias" },
	{ 0 }
};

static int convt_setup(nn_layer *L, const nn_layer_spec *spec,
                       const nn_optval *v)
{
	convtranspose_cfg *cfg = L->cfg;
	nn_window_cfg *win = &cfg->win;
	int c = L->in.dim[0], oh, ow, k, units = (int)v[FILTERS].num;
	long long oh64, ow64;
	nn_shape ws = { 4, { 0 } }, bs = { 1, { 0 } };
	nn_window_opts wo;

	(void)spec;
	nn_window_opts_of(&v[KERNEL], &wo);
	if (units <= 0)
		return nn_fail("convt needs a number of filters, as in "
		               "'add convt 16 4x4 stride=2 pad=1'");
	if (L->in.ndim != 3)
		return nn_fail("convt needs C x H x W inputs (as from add "
		               "reshape 8x7x7), not %d-D ones", L->in.ndim);
	if (wo.kh <= 0 || wo.kw <= 0)
		return nn_fail("convt needs a kernel size, as in "
		               "'add convt 16 4x4' or kernel=4");
	if (wo.same)
		return nn_fail("convt: padding=same is for conv; give pad=N");
	cfg->units = units;
	cfg->nobias = (int)v[NOBIAS].num;
	win->kh = wo.kh;
	win->kw = wo.kw;
	win->sh = win->sw = wo.stride ? wo.stride : 1;
	win->ph = win->pw = wo.pad;
	cfg->outpad = (int)v[OUTPAD].num;
	if (cfg->outpad >= win->sh)
		return nn_fail("convt: outpad=%d must be smaller than the "
		               "stride (%d)", cfg->outpad, win->sh);
	oh64 = (long long)(L->in.dim[1] - 1) * win->sh - 2LL * win->ph +
	       win->kh + cfg->outpad;
	ow64 = (long long)(L->in.dim[2] - 1) * win->sw - 2LL * win->pw +
	       win->kw + cfg->outpad;
	if (oh64 > INT_MAX || ow64 > INT_MAX ||
	    (size_t)c * (size_t)win->kh * (size_t)win->kw > INT_MAX)
		return nn_fail("convt: a %lldx%lld output with %dx%d "
		               "kernels on %d channels is more than nnsh can "
		               "hold", oh64, ow64, win->kh, win->kw, c);
	oh = (int)oh64;
	ow = (int)ow64;
	if (oh <= 0 || ow <= 0)
		return nn_fail("convt: pad=%d leaves no output from a %dx%d "
		               "input", win->ph, L->in.dim[1], L->in.dim[2]);
	L->out.ndim = 3;
	L->out.dim[0] = units;
	L->out.dim[1] = oh;
	L->out.dim[2] = ow;
	k = win->kh * win->kw;
	ws.dim[0] = c;
	ws.dim[1] = units;
	ws.dim[2] = win->kh;
	ws.dim[3] = win->kw;
	nn_layer_param(L, "W", &ws, 0, c * k, units * k);
	if (!cfg->nobias) {
		bs.dim[0] = units;
		nn_layer_param(L, "b", &bs, 1, c * k, units * k);
	}
	return 0;
}

/* The convolution from L's output back to its input. */
static void convt_window(const nn_layer *L, nn_window *g)
{
	const convtranspose_cfg *cfg = L->cfg;

	g->c = L->out.dim[0];
	g->h = L->out.dim[1];
	g->w = L->out.dim[2];
	g->kh = cfg->win.kh;
	g->kw = cfg->win.kw;
	g->sh = cfg->win.sh;
	g->sw = cfg->win.sw;
	g->ph = cfg->win.ph;
	g->pw = cfg->win.pw;
	g->oh = L->in.dim[1];
	g->ow = L->in.dim[2];
}

/* Rows of the columns (K = C_out*kh*kw) and input pixels per sample. */
static size_t convt_k(const nn_layer *L)
{
	const convtranspose_cfg *cfg = L->cfg;

	return (size_t)cfg->units * cfg->win.kh * cfg->win.kw;
}

static size_t convt_p(const nn_layer *L)
{
	return (size_t)L->in.dim[1] * L->in.dim[2];
}

static size_t convt_scratch(const nn_layer *L, size_t n)
{
	return n * convt_p(L) * (convt_k(L) + (size_t)L->in.dim[0]);
}

static void convt_forward(nn_layer *L, const float *x, float *z, size_t n,
                          int training, nn_rng *rng)
{
	const convtranspose_cfg *cfg = L->cfg;
	size_t K = convt_k(L), P = convt_p(L), C = (size_t)L->in.dim[0];
	size_t N = n * P, plane = (size_t)L->out.dim[1] * L->out.dim[2];
	float *col = L->scratch, *t = col + K * N;
	nn_window g;

	(void)training;
	(void)rng;
	convt_window(L, &g);
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < C; c++)
			memcpy(t + c * N + i * P, x + (i * C + c) * P,
			       P * sizeof *t);
	/* col (K x nP) = W^T (K x C) t (C x nP) */
	nn_sgemm(1, 0, K, N, C, 1, L->p[0].val, K, t, N, 0, col, N);
	for (size_t i = 0; i < n; i++) {
		float *zi = z + i * L->out_size;

		for (int o = 0; o < cfg->units; o++) {
			float b = cfg->nobias ? 0 : L->p[1].val[o];

			for (size_t p = 0; p < plane; p++)
				zi[o * plane + p] = b;
		}
		nn_col2im(&g, col + i * P, N, zi);
	}
}

static void convt_backward(nn_layer *L, const float *x, const float *dz,
                           float *dx, size_t n)
{
	const convtranspose_cfg *cfg = L->cfg;
	size_t K = convt_k(L), P = convt_p(L), C = (size_t)L->in.dim[0];
	size_t N = n * P, plane = (size_t)L->out.dim[1] * L->out.dim[2];
	float *col = L->scratch, *t = col + K * N;
	nn_window g;

	(void)x;
	convt_window(L, &g);
	for (size_t i = 0; i < n; i++)
		nn_im2col(&g, dz + i * L->out_size, col + i * P, N);
	if (!cfg->nobias)
		for (int o = 0; o < cfg->units; o++) {
			double s = 0;

			for (size_t i = 0; i < n; i++) {
				const float *d = dz + i * L->out_size +
				                 o * plane;

				for (size_t p = 0; p < plane; p++)
					s += d[p];
			}
			L->p[1].grad[o] = (float)s;
		}
	/* dW (C x K) = t (C x nP) col^T (nP x K), t still the input */
	nn_sgemm(0, 1, C, K, N, 1, t, N, col, N, 0, L->p[0].grad, K);
	if (!dx)
		return;
	/* dt (C x nP) = W (C x K) col (K x nP), then to n x C x P */
	nn_sgemm(0, 0, C, N, K, 1, L->p[0].val, K, col, N, 0, t, N);
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < C; c++)
			memcpy(dx + (i * C + c) * P, t + c * N + i * P,
			       P * sizeof *dx);
}

static void convt_describe(const nn_layer *L, char *buf, size_t len)
{
	const convtranspose_cfg *cfg = L->cfg;
	char win[48];

	nn_window_describe(L, 0, win, sizeof win);
	if (cfg->outpad)
		snprintf(buf, len, "convt %d %s outpad=%d%s", cfg->units, win,
		         cfg->outpad, cfg->nobias ? " nobias" : "");
	else
		snprintf(buf, len, "convt %d %s%s", cfg->units, win,
		         cfg->nobias ? " nobias" : "");
}

const nn_layer_class nn_convt_class = {
	.kind = "convt",
	.cfg_size = sizeof(convtranspose_cfg),
	.opts = convt_opts,
	.setup = convt_setup,
	.forward = convt_forward,
	.backward = convt_backward,
	.scratch_size = convt_scratch,
	.describe = convt_describe,
};
