/* pool.c - pooling over C x H x W inputs: max and average pooling with a
 * kernel, a stride (the kernel by default) and padding, and global average
 * pooling (C x H x W -> C). Padding never wins a max; average pooling
 * divides by the whole kernel, padding included (PyTorch's default). Max
 * pooling keeps the position of each maximum in its scratch for backward. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "im2col.h"
#include "layer.h"
#include "workers.h"

static const nn_layer_opt pool_opts[] = {
	NN_WINDOW_OPTS(1),
	{ 0 }
};

static int pool_setup(nn_layer *L, const nn_optval *v, const char *what)
{
	const nn_window_cfg *cfg = L->cfg;
	nn_window_opts wo;
	int oh, ow;

	nn_window_opts_of(v, &wo);
	if (wo.same)
		return nn_fail("%s: padding=same is for conv; give pad=N",
		               what);
	if (nn_window_setup(L, &wo, what, 1, &oh, &ow) < 0)
		return -1;
	if (2 * cfg->ph > cfg->kh || 2 * cfg->pw > cfg->kw)
		return nn_fail("%s: pad=%d is more than half the %dx%d kernel",
		               what, cfg->ph, cfg->kh, cfg->kw);
	L->out.ndim = 3;
	L->out.dim[0] = L->in.dim[0];
	L->out.dim[1] = oh;
	L->out.dim[2] = ow;
	return 0;
}

static int maxpool_setup(nn_layer *L, const nn_layer_spec *spec,
                         const nn_optval *v)
{
	(void)spec;
	return pool_setup(L, v, "maxpool");
}

static int avgpool_setup(nn_layer *L, const nn_layer_spec *spec,
                         const nn_optval *v)
{
	(void)spec;
	return pool_setup(L, v, "avgpool");
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

/* The maximum of the 2x2 window at offset k of the plane xc (of width
 * w), for the common 2x2 pooling without padding, which needs no
 * clipping; *at receives where it is. The comparisons are random, so
 * nothing branches on them: the maxima are maxss instructions and the
 * index is arithmetic on the 0/1 outcomes. */
static inline float max2x2(const float *xc, int k, int w, int32_t *at)
{
	float a = xc[k], b = xc[k + 1], e = xc[k + w], f = xc[k + w + 1];
	float top = b > a ? b : a, bot = f > e ? f : e;
	int i = b > a, j = f > e, low = bot > top;

	*at = k + i + low * (w + j - i);
	return bot > top ? bot : top;
}

/* Max pooling of the planes [c0, c1) of a batch. */
typedef struct pool_job {
	nn_window g;
	const float *x, *dz;
	float *z, *dx;
	int32_t *arg;
	size_t planes;          /* samples x channels */
	size_t in, out;         /* values per input and per output plane */
} pool_job;

static void maxpool_part(void *ud, int part, int parts)
{
	const pool_job *j = ud;
	const nn_window *g = &j->g;
	size_t c0 = j->planes * (size_t)part / (size_t)parts;
	size_t c1 = j->planes * (size_t)(part + 1) / (size_t)parts;
	int fast = g->kh == 2 && g->kw == 2 && g->ph == 0 && g->pw == 0;

	for (size_t c = c0; c < c1; c++) {
		const float *xc = j->x + c * j->in;
		float *z = j->z + c * j->out;
		int32_t *arg = j->arg + c * j->out;

		if (fast) {
			int w = g->w, oh = g->oh, ow = g->ow;
			int sh = g->sh, sw = g->sw;

			for (int oy = 0; oy < oh; oy++)
				for (int ox = 0; ox < ow; ox++)
					*z++ = max2x2(xc, oy * sh * w + ox * sw,
					              w, arg++);
			continue;
		}
		for (int oy = 0; oy < g->oh; oy++)
			for (int ox = 0; ox < g->ow; ox++)
				*z++ = window_max(g, xc, oy, ox, arg++);
	}
}

static void maxpool_back_part(void *ud, int part, int parts)
{
	const pool_job *j = ud;
	size_t c0 = j->planes * (size_t)part / (size_t)parts;
	size_t c1 = j->planes * (size_t)(part + 1) / (size_t)parts;

	memset(j->dx + c0 * j->in, 0, (c1 - c0) * j->in * sizeof *j->dx);
	for (size_t c = c0; c < c1; c++) {
		const float *dz = j->dz + c * j->out;
		const int32_t *arg = j->arg + c * j->out;
		float *dx = j->dx + c * j->in;

		for (size_t o = 0; o < j->out; o++)
			dx[arg[o]] += dz[o];
	}
}

/* The job over every plane of n samples; planes large enough in all are
 * shared between the worker threads. */
static void maxpool_run(nn_layer *L, pool_job *j, size_t n,
                        void (*fn)(void *, int, int))
{
	nn_window_of(L, &j->g);
	j->planes = n * (size_t)L->in.dim[0];
	j->in = (size_t)L->in.dim[1] * L->in.dim[2];
	j->out = (size_t)L->out.dim[1] * L->out.dim[2];
	j->arg = (int32_t *)L->scratch;
	if (n * L->in_size >= NN_PARALLEL_MIN_VALUES)
		nn_parallel(j->planes < INT_MAX ? (int)j->planes : INT_MAX, fn,
		            j);
	else
		fn(j, 0, 1);
}

static void maxpool_forward(nn_layer *L, const float *x, float *z, size_t n,
                            int training, nn_rng *rng)
{
	pool_job j = { .x = x, .z = z };

	(void)training;
	(void)rng;
	maxpool_run(L, &j, n, maxpool_part);
}

static void maxpool_backward(nn_layer *L, const float *x, const float *dz,
                             float *dx, size_t n)
{
	pool_job j = { .dz = dz, .dx = dx };

	(void)x;
	if (dx)
		maxpool_run(L, &j, n, maxpool_back_part);
}

static void avgpool_forward(nn_layer *L, const float *x, float *z, size_t n,
                            int training, nn_rng *rng)
{
	const nn_window_cfg *cfg = L->cfg;
	size_t planes = n * (size_t)L->in.dim[0];
	float scale = 1.0f / (float)(cfg->kh * cfg->kw);
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
	const nn_window_cfg *cfg = L->cfg;
	size_t planes = n * (size_t)L->in.dim[0];
	float scale = 1.0f / (float)(cfg->kh * cfg->kw);
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

/* Along rx each maximum moves as its input does (hvp.c's R-operator). */
static void maxpool_rforward(nn_layer *L, const float *rx, float *rz,
                             size_t n)
{
	size_t planes = n * (size_t)L->in.dim[0];
	size_t in = (size_t)L->in.dim[1] * L->in.dim[2];
	size_t out = (size_t)L->out.dim[1] * L->out.dim[2];
	const int32_t *arg = (const int32_t *)L->scratch;

	for (size_t c = 0; c < planes; c++)
		for (size_t o = 0; o < out; o++)
			rz[c * out + o] = rx[c * in + arg[c * out + o]];
}

const nn_layer_class nn_maxpool_class = {
	.kind = "maxpool",
	.cfg_size = sizeof(nn_window_cfg),
	.opts = pool_opts,
	.setup = maxpool_setup,
	.forward = maxpool_forward,
	.backward = maxpool_backward,
	.scratch_size = maxpool_scratch,
	.describe = maxpool_describe,
	.rforward = maxpool_rforward,
};

const nn_layer_class nn_avgpool_class = {
	.kind = "avgpool",
	.cfg_size = sizeof(nn_window_cfg),
	.opts = pool_opts,
	.setup = avgpool_setup,
	.forward = avgpool_forward,
	.backward = avgpool_backward,
	.describe = avgpool_describe,
};

/* ---- global average pooling: the mean of each channel */

static int gap_setup(nn_layer *L, const nn_layer_spec *spec,
                     const nn_optval *v)
{
	(void)spec;
	(void)v;
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
