/* pool.c - pooling over C x H x W inputs: max and average pooling with a
 * kernel, a stride (the kernel by default) and padding, and global average
 * pooling (C x H x W -> C). Padding never wins a max; average pooling
 * divides by the whole kernel, padding included (PyTorch's default). Max
 * pooling keeps the position of each maximum in its scratch for backward. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "im2col.h"
#include "layer.h"

static int pool_setup(nn_layer *L, const nn_layer_spec *spec, const char *what)
{
	int oh, ow;

	if (spec->same)
		return nn_fail("%s: padding=same is for conv; give pad=N",
		               what);
	if (nn_window_setup(L, spec, what, 1, &oh, &ow) < 0)
		return -1;
	if (2 * L->ph > L->kh || 2 * L->pw > L->kw)
		return nn_fail("%s: pad=%d is more than half the %dx%d kernel",
		               what, L->ph, L->kh, L->kw);
	L->out.ndim = 3;
	L->out.dim[0] = L->in.dim[0];
	L->out.dim[1] = oh;
	L->out.dim[2] = ow;
	return 0;
}

static int maxpool_setup(nn_layer *L, const nn_layer_spec *spec)
{
	return pool_setup(L, spec, "maxpool");
}

static int avgpool_setup(nn_layer *L, const nn_layer_spec *spec)
{
	return pool_setup(L, spec, "avgpool");
}

/* The rows [*y0, *y1) and columns [*x0, *x1) of the window at (oy, ox)
 * that lie inside the image. */
static void clip(const nn_window *g, int oy, int ox, int *y0, int *y1,
                 int *x0, int *x1)
{
	*y0 = oy * g->sh - g->ph;
	*x0 = ox * g->sw - g->pw;
	*y1 = *y0 + g->kh < g->h ? *y0 + g->kh : g->h;
	*x1 = *x0 + g->kw < g->w ? *x0 + g->kw : g->w;
	if (*y0 < 0)
		*y0 = 0;
	if (*x0 < 0)
		*x0 = 0;
}

/* One of the scratch's int32 slots per output: where its maximum was. */
static size_t maxpool_scratch(const nn_layer *L, size_t n)
{
	return n * L->out_size;
}

/* The maximum of the window at (oy, ox) of the plane xc; *at receives
 * where it is. Selects rather than branches: the comparisons are random. */
static inline float window_max(const nn_window *g, const float *xc, int oy,
                               int ox, int32_t *at)
{
	int y0, y1, x0, x1, best;
	float m;

	clip(g, oy, ox, &y0, &y1, &x0, &x1);
	best = y0 * g->w + x0;
	m = xc[best];
	for (int y = y0; y < y1; y++)
		for (int xx = x0; xx < x1; xx++) {
			int k = y * g->w + xx;
			float v = xc[k];

			best = v > m ? k : best;
			m = v > m ? v : m;
		}
	*at = best;
	return m;
}

/* The common 2x2 window without padding, which needs no clipping. The
 * comparisons are random, so nothing branches on them: the maxima are
 * maxss instructions and the index is arithmetic on the 0/1 outcomes. */
static void maxpool2(const nn_window *g, const float *x, float *z,
                     int32_t *arg, size_t planes)
{
	int w = g->w;

	for (size_t c = 0; c < planes; c++) {
		const float *xc = x + c * g->h * g->w;

		for (int oy = 0; oy < g->oh; oy++) {
			int k = oy * g->sh * w;

			for (int ox = 0; ox < g->ow; ox++, k += g->sw) {
				float a = xc[k], b = xc[k + 1];
				float e = xc[k + w], f = xc[k + w + 1];
				float top = b > a ? b : a, bot = f > e ? f : e;
				int i = b > a, j = f > e, low = bot > top;

				*arg++ = k + i + low * (w + j - i);
				*z++ = bot > top ? bot : top;
			}
		}
	}
}

static void maxpool_forward(nn_layer *L, const float *x, float *z, size_t n,
                            int training, nn_rng *rng)
{
	int32_t *arg = (int32_t *)L->scratch;
	size_t planes = n * (size_t)L->in.dim[0];
	nn_window g;

	(void)training;
	(void)rng;
	nn_window_of(L, &g);
	if (g.kh == 2 && g.kw == 2 && g.ph == 0 && g.pw == 0) {
		maxpool2(&g, x, z, arg, planes);
		return;
	}
	for (size_t c = 0; c < planes; c++) {
		const float *xc = x + c * g.h * g.w;

		for (int oy = 0; oy < g.oh; oy++)
			for (int ox = 0; ox < g.ow; ox++)
				*z++ = window_max(&g, xc, oy, ox, arg++);
	}
}

static void maxpool_backward(nn_layer *L, const float *x, const float *dz,
                             float *dx, size_t n)
{
	const int32_t *arg = (const int32_t *)L->scratch;
	size_t planes = n * (size_t)L->in.dim[0];
	size_t in = (size_t)L->in.dim[1] * L->in.dim[2];
	size_t out = (size_t)L->out.dim[1] * L->out.dim[2];

	(void)x;
	if (!dx)
		return;
	memset(dx, 0, n * L->in_size * sizeof *dx);
	for (size_t c = 0; c < planes; c++, dx += in)
		for (size_t o = 0; o < out; o++)
			dx[arg[c * out + o]] += dz[c * out + o];
}

static void avgpool_forward(nn_layer *L, const float *x, float *z, size_t n,
                            int training, nn_rng *rng)
{
	size_t planes = n * (size_t)L->in.dim[0];
	float scale = 1.0f / (float)(L->kh * L->kw);
	nn_window g;

	(void)training;
	(void)rng;
	nn_window_of(L, &g);
	for (size_t c = 0; c < planes; c++) {
		const float *xc = x + c * g.h * g.w;

		for (int oy = 0; oy < g.oh; oy++)
			for (int ox = 0; ox < g.ow; ox++) {
				int y0, y1, x0, x1;
				float s = 0;

				clip(&g, oy, ox, &y0, &y1, &x0, &x1);
				for (int y = y0; y < y1; y++)
					for (int xx = x0; xx < x1; xx++)
						s += xc[y * g.w + xx];
				*z++ = s * scale;
			}
	}
}

static void avgpool_backward(nn_layer *L, const float *x, const float *dz,
                             float *dx, size_t n)
{
	size_t planes = n * (size_t)L->in.dim[0];
	float scale = 1.0f / (float)(L->kh * L->kw);
	nn_window g;

	(void)x;
	if (!dx)
		return;
	nn_window_of(L, &g);
	memset(dx, 0, n * L->in_size * sizeof *dx);
	for (size_t c = 0; c < planes; c++) {
		float *dc = dx + c * g.h * g.w;

		for (int oy = 0; oy < g.oh; oy++)
			for (int ox = 0; ox < g.ow; ox++) {
				int y0, y1, x0, x1;
				float d = *dz++ * scale;

				clip(&g, oy, ox, &y0, &y1, &x0, &x1);
				for (int y = y0; y < y1; y++)
					for (int xx = x0; xx < x1; xx++)
						dc[y * g.w + xx] += d;
			}
	}
}

static void maxpool_describe(const nn_layer *L, char *buf, size_t len)
{
	char win[48];

	nn_window_describe(L, 1, win, sizeof win);
	snprintf(buf, len, "maxpool %s", win);
}

static void avgpool_describe(const nn_layer *L, char *buf, size_t len)
{
	char win[48];

	nn_window_describe(L, 1, win, sizeof win);
	snprintf(buf, len, "avgpool %s", win);
}

const nn_layer_class nn_maxpool_class = {
	.kind = "maxpool",
	.setup = maxpool_setup,
	.forward = maxpool_forward,
	.backward = maxpool_backward,
	.scratch_size = maxpool_scratch,
	.describe = maxpool_describe,
};

const nn_layer_class nn_avgpool_class = {
	.kind = "avgpool",
	.setup = avgpool_setup,
	.forward = avgpool_forward,
	.backward = avgpool_backward,
	.describe = avgpool_describe,
};

/* ---- global average pooling: the mean of each channel */

static int gap_setup(nn_layer *L, const nn_layer_spec *spec)
{
	(void)spec;
	if (L->in.ndim != 3)
		return nn_fail("globalavgpool needs C x H x W inputs, not "
		               "%d-D ones", L->in.ndim);
	L->out.ndim = 1;
	L->out.dim[0] = L->in.dim[0];
	return 0;
}

static void gap_forward(nn_layer *L, const float *x, float *z, size_t n,
                        int training, nn_rng *rng)
{
	size_t planes = n * (size_t)L->in.dim[0];
	size_t hw = (size_t)L->in.dim[1] * L->in.dim[2];

	(void)training;
	(void)rng;
	for (size_t c = 0; c < planes; c++) {
		float s = 0;

		for (size_t p = 0; p < hw; p++)
			s += x[c * hw + p];
		z[c] = s / (float)hw;
	}
}

static void gap_backward(nn_layer *L, const float *x, const float *dz,
                         float *dx, size_t n)
{
	size_t planes = n * (size_t)L->in.dim[0];
	size_t hw = (size_t)L->in.dim[1] * L->in.dim[2];

	(void)x;
	if (!dx)
		return;
	for (size_t c = 0; c < planes; c++)
		for (size_t p = 0; p < hw; p++)
			dx[c * hw + p] = dz[c] / (float)hw;
}

static void gap_describe(const nn_layer *L, char *buf, size_t len)
{
	(void)L;
	snprintf(buf, len, "globalavgpool");
}

const nn_layer_class nn_globalavgpool_class = {
	.kind = "globalavgpool",
	.setup = gap_setup,
	.forward = gap_forward,
	.backward = gap_backward,
	.describe = gap_describe,
};
