/* conv2d.c - 2-D convolution over C x H x W inputs: O filters of C x kh x kw
 * (W is O x C x kh x kw, PyTorch's layout), a stride, zero padding (or
 * `same`) and a bias.
 *
 * The lowering is an im2col made of long copies. Each sample is first laid
 * out zero-padded and split by stride phase into planes: pixel (y, x) of
 * the padded image goes to plane (y % s, x % s) at (y / s, x / s). With a
 * row pitch of wq >= OW columns, kernel tap (i, j) of every output
 * (oy, ox) then reads one plane at (oy + i / s, ox + j / s), so the row of
 * the lowered matrix for tap (c, i, j) is one contiguous run of q = OH *
 * wq floats. The product computes "wide" outputs whose columns ox >= OW
 * are junk: dropped when the result is written out, and given zero
 * gradients in backward, so that they add nothing. A few samples are
 * lowered at a time so that the columns stay in cache; backward lowers
 * them again rather than keeping them.
 *
 * Layers with few channels (the homework's: 4 to 20 filters) skip the
 * lowering: convdirect.c's kernels read the runs where they lie in the
 * planes. A product with 4 to 12 rows runs far below the machine's rate
 * and the copies cost as much again; oneDNN's own convolutions, direct or
 * by products, measured slower still on those shapes (bench/README.md).
 * The tests compare both ways with the direct loops of nn_conv2d_naive.
 *
 * A conv node's ReLU is applied here, a sample (or chunk) at a time as its
 * outputs are written and before its dL/dz is read, rather than by the
 * model in passes of its own over the whole batch: on two threads those
 * were loops of their own to share, 5% of W5's and W4's epoch. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "convdirect.h"
#include "im2col.h"
#include "layer.h"
#include "workers.h"

/* Its configuration (L->cfg). */
typedef struct conv2d_cfg {
	nn_window_cfg win;      /* first: nn_window_setup writes it */
	int units;              /* output channels */
	int nobias;
	int direct;             /* few channels: convdirect.c's kernels */
	int gather;             /* direct, and dL/dx gathered by them too */
} conv2d_cfg;

enum { FILTERS, KERNEL, NOBIAS = KERNEL + 3 };

/* The planes of a layer: stride, rows and pitch of each plane, floats
 * per sample (with slack for the reads of the junk columns), wide outputs
 * per sample, and rows of the lowered matrix (K = C * kh * kw). The
 * direct kernels take q rounded up (qr) and keep dL/dz in rows of pitch
 * floats that read as zeros for dmax floats before the row's start. */
typedef struct planes {
	int s, hq, wq;
	size_t plane, size, q, k;
	size_t qr, dmax, pitch;
} planes;

static planes conv_planes(const nn_layer *L);

static const nn_layer_opt conv_opts[] = {
	{ "FILTERS", NULL, NULL, NN_OPT_INT, 1, 1, 1 << 24, 0, NULL,
	  "number of units" },
	NN_WINDOW_OPTS(2),
	{ "nobias", "nobias", NULL, NN_OPT_FLAG, 0, 0, 0, 0, NULL,
	  "no bias" },
	{ 0 }
};

static int conv_setup(nn_layer *L, const nn_layer_spec *spec,
                      const nn_optval *v)
{
	conv2d_cfg *cfg = L->cfg;
	int oh, ow, c = L->in.dim[0], k, units = (int)v[FILTERS].num;
	int nobias = (int)v[NOBIAS].num;
	nn_shape ws = { 4, { 0 } }, bs = { 1, { 0 } };
	nn_window_opts wo;
	size_t fan;

	(void)spec;
	if (units <= 0)
		return nn_fail("conv needs a number of filters, as in "
		               "'add conv 8 5x5 relu'");
	nn_window_opts_of(&v[KERNEL], &wo);
	if (nn_window_setup(L, &wo, "conv", 0, &oh, &ow) < 0)
		return -1;
	fan = (size_t)c * (size_t)cfg->win.kh * (size_t)cfg->win.kw;
	if (fan > INT_MAX) {
		char what[64];

		snprintf(what, sizeof what, "conv %d %dx%d", units, cfg->win.kh,
		         cfg->win.kw);
		return nn_layer_too_large(what, fan, (size_t)units *
		                          (fan + !nobias));
	}
	cfg->units = units;
	cfg->nobias = nobias;
	cfg->direct = fan <= NN_DIRECT_MAXK && units <= NN_DIRECT_MAXO &&
	              cfg->win.sh <= NN_DIRECT_MAXS;
	L->out.ndim = 3;
	L->out.dim[0] = units;
	L->out.dim[1] = oh;
	L->out.dim[2] = ow;
	if (cfg->direct) {
		planes g = conv_planes(L);

		/* gathered, each pixel of the planes reads every tap of its
		 * phase, zeros where no output was (W4's second layer, 12x12
		 * to 8x8: 2.25 times the work): past 1.5 times the outputs,
		 * a product and a scatter cost less */
		cfg->gather = 2 * g.plane <= 3 * (size_t)oh * (size_t)ow;
	}
	k = cfg->win.kh * cfg->win.kw;
	ws.dim[0] = units;
	ws.dim[1] = c;
	ws.dim[2] = cfg->win.kh;
	ws.dim[3] = cfg->win.kw;
	nn_layer_param(L, "W", &ws, 0, c * k, units * k);
	if (!cfg->nobias) {
		bs.dim[0] = units;
		nn_layer_param(L, "b", &bs, 1, c * k, units * k);
	}
	return 0;
}


static planes conv_planes(const nn_layer *L)
{
	const conv2d_cfg *cfg = L->cfg;
	planes g;

	g.s = cfg->win.sh;
	g.hq = L->out.dim[1] + (cfg->win.kh - 1) / g.s;
	g.wq = L->out.dim[2] + (cfg->win.kw - 1) / g.s;
	g.plane = (size_t)g.hq * g.wq;
	g.size = (size_t)L->in.dim[0] * g.s * g.s * g.plane + (size_t)g.wq +
	         NN_DIRECT_STEP;
	g.q = (size_t)L->out.dim[1] * g.wq;
	g.k = (size_t)L->in.dim[0] * cfg->win.kh * cfg->win.kw;
	g.qr = (g.q + NN_DIRECT_STEP - 1) / NN_DIRECT_STEP * NN_DIRECT_STEP;
	g.dmax = (size_t)((cfg->win.kh - 1) / g.s) * g.wq +
	         (size_t)((cfg->win.kw - 1) / g.s);
	g.pitch = g.dmax + g.plane + NN_DIRECT_STEP;
	return g;
}

/* Where padded pixel (y, x) of channel c sits in the planes; also where
 * the lowered row of kernel tap (c, y, x) starts. */
static size_t slot(const planes *g, int c, int y, int x)
{
	return ((size_t)(c * g->s + y % g->s) * g->s + x % g->s) * g->plane +
	       (size_t)(y / g->s) * g->wq + (size_t)(x / g->s);
}

/* The rows (or columns) [*k0, *k1) of phase b of the planes that hold
 * pixels: plane row k holds image row k * s + b - pad, which must lie in
 * [0, n), and k must lie in [0, len). */
static void phase_range(int n, int s, int b, int pad, int len, int *k0,
                        int *k1)
{
	*k0 = pad > b ? (pad - b + s - 1) / s : 0;
	*k1 = n + pad > b ? (n + pad - b + s - 1) / s : 0;
	*k1 = *k1 < len ? *k1 : len;
	*k1 = *k1 > *k0 ? *k1 : *k0;
}

/* p[k] = r[2k] for k < m, and its adjoint r[2k] = p[k], for `rows` rows
 * of pitches pp and rp: the rows of a stride-2 layer, split out so that
 * they vectorise (the stride is known), a plane at a time (a call a row
 * cost as much as the copy: W5's rows are 14 pixels). */
NN_HOT static void gather2(float *restrict p, size_t pp,
                           const float *restrict r, size_t rp, int rows,
                           int m)
{
	for (int y = 0; y < rows; y++, p += pp, r += rp)
		for (int k = 0; k < m; k++)
			p[k] = r[2 * k];
}

NN_HOT static void scatter2(float *restrict r, size_t rp,
                            const float *restrict p, size_t pp, int rows,
                            int m)
{
	for (int y = 0; y < rows; y++, p += pp, r += rp)
		for (int k = 0; k < m; k++)
			r[2 * k] = p[k];
}

/* Copy m pixels a row between `rows` image rows r (every s-th value,
 * rows rp apart) and plane rows p (pp apart): into the plane, or back
 * into the image (back set). */
static void copy_rows(float *p, size_t pp, float *r, size_t rp, int rows,
                      int m, int s, int back)
{
	if (s == 2 && back) {
		scatter2(r, rp, p, pp, rows, m);
		return;
	}
	if (s == 2) {
		gather2(p, pp, r, rp, rows, m);
		return;
	}
	for (int y = 0; y < rows; y++, p += pp, r += rp)
		if (s == 1)
			memcpy(back ? r : p, back ? p : r,
			       (size_t)m * sizeof *p);
		else if (back)
			for (int k = 0; k < m; k++)
				r[k * s] = p[k];
		else
			for (int k = 0; k < m; k++)
				p[k] = r[k * s];
}

/* Copy between sample x (C x H x W) and the pixels of its planes buf that
 * some output reads: into the planes, or back into x (back set). */
static void copy_planes(const nn_layer *L, const planes *g, float *x,
                        float *buf, int back)
{
	const conv2d_cfg *cfg = L->cfg;
	int s = g->s, h = L->in.dim[1], w = L->in.dim[2];

	for (int a = 0; a < s; a++)
		for (int b = 0; b < s; b++) {
			int y0, y1, x0, x1;

			phase_range(h, s, a, cfg->win.ph, g->hq, &y0, &y1);
			phase_range(w, s, b, cfg->win.pw, g->wq, &x0, &x1);
			for (int c = 0; c < L->in.dim[0]; c++) {
				float *pl = buf + ((size_t)(c * s + a) * s +
				                   b) * g->plane + x0;
				float *xc = x + (size_t)c * h * w +
				            (x0 * s + b - cfg->win.pw);

				/* plane (yq, x0) is image (yq * s + a - ph,
				 * x0 * s + b - pw) */
				if (y1 > y0)
					copy_rows(pl + (size_t)y0 * g->wq, g->wq,
					          xc + (size_t)(y0 * s + a -
					                        cfg->win.ph) * w,
					          (size_t)s * w, y1 - y0, x1 - x0,
					          s, back);
			}
		}
}

/* Lay sample x out in the planes buf (g->size floats). */
static void to_planes(const nn_layer *L, const planes *g, const float *x,
                      float *buf)
{
	memset(buf, 0, g->size * sizeof *buf);
	copy_planes(L, g, (float *)x, buf, 0);
}

/* The adjoint gather: dx of one sample from the planes (pixels no output
 * reads get 0). */
static void from_planes(const nn_layer *L, const planes *g, float *buf,
                        float *dx)
{
	memset(dx, 0, L->in_size * sizeof *dx);
	copy_planes(L, g, dx, buf, 1);
}

/* Row k of col (rows of ld floats) for each kernel tap: q floats. */
static void lower(const nn_layer *L, const planes *g, const float *buf,
                  float *col, size_t ld)
{
	const conv2d_cfg *cfg = L->cfg;

	for (int c = 0; c < L->in.dim[0]; c++)
		for (int i = 0; i < cfg->win.kh; i++)
			for (int j = 0; j < cfg->win.kw; j++, col += ld)
				memcpy(col, buf + slot(g, c, i, j),
				       g->q * sizeof *col);
}

typedef float v4 __attribute__((vector_size(16), aligned(4), may_alias));

/* d[0..n) += s[0..n) */
NN_HOT static void add_floats(float *restrict d, const float *restrict s,
                              size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] += s[i];
}

/* One output plane from the wide layout (rows of pitch wq, junk past
 * column ow) to the dense one, plus the bias b. */
NN_HOT static void narrow(float *restrict dst, const float *restrict src,
                          size_t rows, size_t ow, size_t wq, float b)
{
	for (size_t y = 0; y < rows; y++)
		for (size_t x = 0; x < ow; x++)
			dst[y * ow + x] = src[y * wq + x] + b;
}

/* The other way, with zeros in the junk columns. */
NN_HOT static void widen(float *restrict dst, const float *restrict src,
                         size_t rows, size_t ow, size_t wq)
{
	for (size_t y = 0; y < rows; y++) {
		for (size_t x = 0; x < ow; x++)
			dst[y * wq + x] = src[y * ow + x];
		for (size_t x = ow; x < wq; x++)
			dst[y * wq + x] = 0;
	}
}

/* The sum of v[0..n), in four sums of four lanes (one would wait on
 * each addition before the next). */
static float sum_floats(const float *v, size_t n)
{
	v4 a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
	float sum = 0;
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		a0 += *(const v4 *)(v + i);
		a1 += *(const v4 *)(v + i + 4);
		a2 += *(const v4 *)(v + i + 8);
		a3 += *(const v4 *)(v + i + 12);
	}
	for (; i + 4 <= n; i += 4)
		a0 += *(const v4 *)(v + i);
	for (; i < n; i++)
		sum += v[i];
	a0 = (a0 + a1) + (a2 + a3);
	return sum + (a0[0] + a0[1]) + (a0[2] + a0[3]);
}

/* The adjoint of lower: add every row back where it was read. */
static void raise(const nn_layer *L, const planes *g, const float *col,
                  size_t ld, float *buf)
{
	const conv2d_cfg *cfg = L->cfg;

	for (int c = 0; c < L->in.dim[0]; c++)
		for (int i = 0; i < cfg->win.kh; i++)
			for (int j = 0; j < cfg->win.kw; j++, col += ld)
				add_floats(buf + slot(g, c, i, j), col, g->q);
}

/* Samples lowered at once: enough for long products, few enough that the
 * columns and the product stay in the core's cache between the steps. */
static size_t conv_chunk(const nn_layer *L, size_t n)
{
	const conv2d_cfg *cfg = L->cfg;
	planes g = conv_planes(L);
	size_t s = cfg->direct ? NN_CHUNK_FLOATS / (g.pitch * cfg->units +
	                                            g.size) :
	           NN_CHUNK_FLOATS / (g.q * (g.k + (size_t)cfg->units));

	s = s ? s : 1;
	return s < n ? s : n;
}

/* The pieces of a part's workspace: the planes of one sample's dL/dx, the
 * columns (K x sq) and the product (O x sq) of a chunk, and the part's
 * share of dW, db. The direct kernels take no columns, dL/dz of a
 * sample in O rows of g->pitch, and keep dW in 16 lanes (acc) until the
 * part ends. */
typedef struct work {
	float *dxp, *col, *t, *dW, *db, *acc;
} work;

static size_t col_floats(const nn_layer *L, const planes *g, size_t chunk)
{
	const conv2d_cfg *cfg = L->cfg;

	if (cfg->direct)
		return cfg->gather ? 0 : g->k * g->q;
	return g->k * g->q * chunk;
}

static size_t t_floats(const nn_layer *L, const planes *g, size_t chunk)
{
	const conv2d_cfg *cfg = L->cfg;

	return (cfg->direct ? g->pitch : g->q) * (size_t)cfg->units * chunk;
}

static size_t conv_work(const nn_layer *L, const planes *g, size_t n)
{
	const conv2d_cfg *cfg = L->cfg;
	size_t O = (size_t)cfg->units, chunk = conv_chunk(L, n);

	return g->size + col_floats(L, g, chunk) + t_floats(L, g, chunk) +
	       O * g->k + O + (cfg->direct ? O * g->k * 16 : 0);
}

/* Scratch: the planes of the n samples of the last forward pass (kept for
 * backward), then NN_MAX_PARTS workspaces: the columns and products of
 * a chunk for each thread nn_parallel may use, and a part's sums of dW
 * and db for each part (only those used are ever touched). */
static size_t conv_scratch(const nn_layer *L, size_t n)
{
	planes g = conv_planes(L);

	return n * g.size + NN_MAX_PARTS * conv_work(L, &g, n);
}

/* One parallel loop over the samples of a batch. */
typedef struct conv_job {
	nn_layer *L;
	planes g;
	const float *x, *dz;
	float *z, *dx;
	size_t n, chunk;
} conv_job;

static conv_job conv_job_of(nn_layer *L, size_t n)
{
	conv_job j = { L, conv_planes(L), NULL, NULL, NULL, NULL, n,
	               conv_chunk(L, L->cap) };

	return j;
}

/* A fused ReLU (L->fused_a, L->fused_da) over the values of samples
 * [i0, i1), which lie together: forward, a from z; backward, dz from z
 * and da. Run on a sample or a chunk just computed, while its values are
 * still in the core's first cache (a pass over the whole batch would
 * read them back from memory). */
static void relu_forward(const conv_job *j, size_t i0, size_t i1)
{
	const nn_layer *L = j->L;
	size_t at = i0 * L->out_size;

	if (L->fused_a)
		nn_act_forward(NN_ACT_RELU, 0, j->z + at, L->fused_a + at,
		               i1 - i0, L->out_size);
}

static void relu_backward(const conv_job *j, size_t i0, size_t i1)
{
	const nn_layer *L = j->L;
	size_t at = i0 * L->out_size;

	if (L->fused_da)
		nn_act_backward(NN_ACT_RELU, 0, L->fused_z + at, NULL,
		                L->fused_da + at, L->fused_dz + at, i1 - i0,
		                L->out_size);
}

static work work_of(const conv_job *j, int part)
{
	const nn_layer *L = j->L;
	const conv2d_cfg *cfg = L->cfg;
	size_t O = (size_t)cfg->units;
	work w;

	w.dxp = L->scratch + L->cap * j->g.size +
	        (size_t)part * conv_work(L, &j->g, L->cap);
	w.col = w.dxp + j->g.size;
	w.t = w.col + col_floats(L, &j->g, j->chunk);
	w.dW = w.t + t_floats(L, &j->g, j->chunk);
	w.db = w.dW + O * j->g.k;
	w.acc = w.db + O;
	return w;
}

/* The samples [*i0, *i1) of part `part` of `parts`: a run of whole
 * chunks of j->chunk samples, the chunks counted from the first sample of
 * the batch, so that the products are the same however many threads
 * share the parts. The direct kernels sum dW over a part in their lanes
 * whatever its chunks, so their parts are even runs of samples. */
static void share(const conv_job *j, int part, int parts, size_t *i0,
                  size_t *i1)
{
	const conv2d_cfg *cfg = j->L->cfg;
	size_t unit = cfg->direct ? 1 : j->chunk;
	size_t units = (j->n + unit - 1) / unit;
	size_t c0 = units * (size_t)part / (size_t)parts;
	size_t c1 = units * (size_t)(part + 1) / (size_t)parts;

	*i0 = c0 * unit;
	*i1 = c1 * unit < j->n ? c1 * unit : j->n;
}

/* Parts of a pass: one for each chunk (direct: each sample), at most
 * NN_MAX_PARTS. */
static int conv_parts(const conv_job *j)
{
	const conv2d_cfg *cfg = j->L->cfg;
	size_t units = cfg->direct ? j->n : (j->n + j->chunk - 1) / j->chunk;

	return units < NN_MAX_PARTS ? (int)units : NN_MAX_PARTS;
}

/* Where the run of each kernel tap (c, i, j) starts in the planes, for
 * the direct kernels. */
static void tap_offsets(const nn_layer *L, const planes *g, int *off)
{
	const conv2d_cfg *cfg = L->cfg;
	int kk = cfg->win.kh * cfg->win.kw;
	int channel = (int)slot(g, 1, 0, 0);

	for (int i = 0; i < cfg->win.kh; i++)
		for (int j = 0; j < cfg->win.kw; j++)
			off[i * cfg->win.kw + j] = (int)slot(g, 0, i, j);
	/* channel c's planes follow channel c - 1's */
	for (int k = kk; k < L->in.dim[0] * kk; k++)
		off[k] = off[k - kk] + channel;
}

/* Forward of samples [e0, e1) by the direct kernel, one at a time. */
static void forward_direct(const conv_job *j, const work *w, size_t e0,
                           size_t e1)
{
	const nn_layer *L = j->L;
	const conv2d_cfg *cfg = L->cfg;
	const planes *g = &j->g;
	size_t O = (size_t)cfg->units;
	size_t oh = (size_t)L->out.dim[1], ow = (size_t)L->out.dim[2];
	int off[NN_DIRECT_MAXK];

	tap_offsets(L, g, off);
	for (size_t i = e0; i < e1; i++) {
		float *buf = L->scratch + i * g->size;

		to_planes(L, g, j->x + i * L->in_size, buf);
		nn_direct_forward(L->p[0].val, O, g->k, buf, off, g->q, w->t,
		                  g->qr);
		for (size_t o = 0; o < O; o++)
			narrow(j->z + (i * O + o) * oh * ow, w->t + o * g->qr,
			       oh, ow, g->wq, cfg->nobias ? 0 : L->p[1].val[o]);
		relu_forward(j, i, i + 1);
	}
}

/* Forward, a chunk of samples at a time, in the workspace of the thread
 * that runs the part. */
static void forward_part(void *ud, int part, int parts)
{
	const conv_job *j = ud;
	const nn_layer *L = j->L;
	const conv2d_cfg *cfg = L->cfg;
	const planes *g = &j->g;
	size_t O = (size_t)cfg->units, S = j->chunk, e0, e1;
	size_t oh = (size_t)L->out.dim[1], ow = (size_t)L->out.dim[2];
	work w = work_of(j, nn_parallel_slot());

	share(j, part, parts, &e0, &e1);
	if (cfg->direct) {
		forward_direct(j, &w, e0, e1);
		return;
	}
	for (size_t i0 = e0; i0 < e1; i0 += S) {
		size_t s = e1 - i0 < S ? e1 - i0 : S, N = s * g->q;

		for (size_t i = 0; i < s; i++) {
			float *buf = L->scratch + (i0 + i) * g->size;

			to_planes(L, g, j->x + (i0 + i) * L->in_size, buf);
			lower(L, g, buf, w.col + i * g->q, N);
		}
		/* t (O x sq) = W (O x K) col (K x sq) */
		nn_sgemm_serial(0, 0, O, N, g->k, 1, L->p[0].val, g->k, w.col,
		                N, 0, w.t, N);
		for (size_t i = 0; i < s; i++)
			for (size_t o = 0; o < O; o++)
				narrow(j->z + ((i0 + i) * O + o) * oh * ow,
				       w.t + o * N + i * g->q, oh, ow, g->wq,
				       cfg->nobias ? 0 : L->p[1].val[o]);
		relu_forward(j, i0, i0 + s);
	}
}

static void conv_forward(nn_layer *L, const float *x, float *z, size_t n,
                         int training, nn_rng *rng)
{
	conv_job j = conv_job_of(L, n);

	(void)training;
	(void)rng;
	j.x = x;
	j.z = z;
	nn_parallel(conv_parts(&j), forward_part, &j);
}

/* dW (O x K) and db of s samples from i0, added to (set when first),
 * from their dL/dz in w->t (wide, zeros in the junk columns). */
static void param_grads(const conv_job *j, const work *w, float *dW,
                        float *db, size_t i0, size_t s, int first)
{
	const nn_layer *L = j->L;
	const conv2d_cfg *cfg = L->cfg;
	const planes *g = &j->g;
	size_t O = (size_t)cfg->units, N = s * g->q;

	for (size_t o = 0; o < O && db; o++) {
		float sum = sum_floats(w->t + o * N, N);

		db[o] = first ? sum : db[o] + sum;
	}
	for (size_t i = 0; i < s; i++)
		lower(L, g, L->scratch + (i0 + i) * g->size, w->col + i * g->q,
		      N);
	/* dW (O x K) += t (O x sq) col^T (sq x K) */
	nn_sgemm_serial(0, 1, O, g->k, N, 1, w->t, N, w->col, N,
	                first ? 0 : 1, dW, g->k);
}

/* The gradients of s samples from i0: dW (O x K) and db added to (set
 * when first; not at all in an input_only pass), dx written, in the
 * part's workspace w. */
static void backward_chunk(const conv_job *j, const work *w, float *dW,
                           float *db, size_t i0, size_t s, int first)
{
	const nn_layer *L = j->L;
	const conv2d_cfg *cfg = L->cfg;
	const planes *g = &j->g;
	size_t O = (size_t)cfg->units, N = s * g->q;
	size_t oh = (size_t)L->out.dim[1], ow = (size_t)L->out.dim[2];
	float *t = w->t, *col = w->col;

	/* t (O x sq): dL/dz, wide, with zeros in the junk columns */
	relu_backward(j, i0, i0 + s);
	for (size_t i = 0; i < s; i++)
		for (size_t o = 0; o < O; o++)
			widen(t + o * N + i * g->q,
			      j->dz + ((i0 + i) * O + o) * oh * ow, oh, ow, g->wq);
	if (!L->input_only)
		param_grads(j, w, dW, db, i0, s, first);
	if (!j->dx)
		return;
	/* dcol (K x sq) = W^T (K x O) t (O x sq), then back to the pixels */
	nn_sgemm_serial(1, 0, g->k, N, O, 1, L->p[0].val, g->k, t, N, 0, col,
	                N);
	for (size_t i = 0; i < s; i++) {
		memset(w->dxp, 0, g->size * sizeof *w->dxp);
		raise(L, g, col + i * g->q, N, w->dxp);
		from_planes(L, g, w->dxp, j->dx + (i0 + i) * L->in_size);
	}
}

/* The gradients of s samples from i0 by the direct kernels, as
 * backward_chunk but for dW, whose sums stay in w->acc. */
static void backward_direct(const conv_job *j, const work *w, float *db,
                            size_t i0, size_t s, int first)
{
	const nn_layer *L = j->L;
	const conv2d_cfg *cfg = L->cfg;
	const planes *g = &j->g;
	size_t O = (size_t)cfg->units, R = g->pitch, D = g->dmax;
	size_t oh = (size_t)L->out.dim[1], ow = (size_t)L->out.dim[2];
	size_t kk = (size_t)cfg->win.kh * cfg->win.kw, S = (size_t)g->s;
	int off[NN_DIRECT_MAXK], tap[NN_DIRECT_MAXK], d[NN_DIRECT_MAXK];
	int start[NN_DIRECT_MAXS * NN_DIRECT_MAXS + 1], e = 0;

	/* dL/dz in rows of pitch R, zero before, in the junk columns and
	 * after */
	relu_backward(j, i0, i0 + s);
	for (size_t i = 0; i < s; i++)
		for (size_t o = 0; o < O; o++) {
			float *r = w->t + (i * O + o) * R;

			memset(r, 0, D * sizeof *r);
			widen(r + D, j->dz + ((i0 + i) * O + o) * oh * ow, oh, ow,
			      g->wq);
			memset(r + D + g->q, 0, (R - D - g->q) * sizeof *r);
		}
	if (!L->input_only) {
		for (size_t o = 0; o < O && db; o++) {
			float sum = 0;

			for (size_t i = 0; i < s; i++)
				sum += sum_floats(w->t + (i * O + o) * R + D,
				                  g->q);
			db[o] = first ? sum : db[o] + sum;
		}
		tap_offsets(L, g, off);
		nn_direct_weights(w->t + D, R, O * R, L->scratch +
		                  i0 * g->size, g->size, off, O, g->k, g->q, s,
		                  w->acc, first);
	}
	if (!j->dx)
		return;
	/* the taps of each phase (a, b) of the planes, and how far back
	 * in dL/dz they read */
	for (int a = 0; a < g->s; a++)
		for (int b = 0; b < g->s; b++) {
			start[a * g->s + b] = e;
			for (int y = a; y < cfg->win.kh; y += g->s)
				for (int x = b; x < cfg->win.kw; x += g->s) {
					tap[e] = y * cfg->win.kw + x;
					d[e++] = y / g->s * g->wq + x / g->s;
				}
		}
	start[g->s * g->s] = e;
	for (size_t i = 0; i < s; i++) {
		if (!cfg->gather) {
			/* dcol (K x q) = W^T (K x O) dL/dz (O x q), then back
			 * to the pixels */
			nn_sgemm_serial(1, 0, g->k, g->q, O, 1, L->p[0].val,
			                g->k, w->t + i * O * R + D, R, 0, w->col,
			                g->q);
			memset(w->dxp, 0, g->size * sizeof *w->dxp);
			raise(L, g, w->col, g->q, w->dxp);
			from_planes(L, g, w->dxp, j->dx + (i0 + i) * L->in_size);
			continue;
		}
		for (size_t p = 0; p < S * S; p++)
			nn_direct_data(L->p[0].val, O, g->k, kk,
			               (size_t)L->in.dim[0], tap + start[p],
			               d + start[p],
			               (size_t)(start[p + 1] - start[p]),
			               w->t + i * O * R + D, R,
			               w->dxp + p * g->plane, S * S * g->plane,
			               g->plane);
		from_planes(L, g, w->dxp, j->dx + (i0 + i) * L->in_size);
	}
}

/* Part 0 writes the layer's gradients, part p > 0 its sums into the
 * dW and db of workspace p; the columns and products go to the workspace
 * of the thread that runs the part. */
static void backward_part(void *ud, int part, int parts)
{
	const conv_job *j = ud;
	const nn_layer *L = j->L;
	const conv2d_cfg *cfg = L->cfg;
	size_t e0, e1, S = j->chunk;
	work w = work_of(j, nn_parallel_slot()), sums = work_of(j, part);
	float *dW = part ? sums.dW : L->p[0].grad;
	float *db = cfg->nobias ? NULL : part ? sums.db : L->p[1].grad;

	share(j, part, parts, &e0, &e1);
	for (size_t i0 = e0; i0 < e1; i0 += S) {
		size_t s = e1 - i0 < S ? e1 - i0 : S;

		if (cfg->direct)
			backward_direct(j, &w, db, i0, s, i0 == e0);
		else
			backward_chunk(j, &w, dW, db, i0, s, i0 == e0);
	}
	if (cfg->direct && !L->input_only && e1 > e0)
		nn_direct_sum(w.acc, (size_t)cfg->units * j->g.k, dW, 1);
}

static void conv_backward(nn_layer *L, const float *x, const float *dz,
                          float *dx, size_t n)
{
	const conv2d_cfg *cfg = L->cfg;
	conv_job j = conv_job_of(L, n);
	size_t O = (size_t)cfg->units;
	int parts;

	/* x is not read: its planes are kept from forward, with the taps'
	 * offsets */
	(void)x;
	j.dz = dz;
	j.dx = dx;
	parts = nn_parallel(conv_parts(&j), backward_part, &j);
	/* the parts' sums in part order, whichever thread ran them */
	for (int p = 1; p < parts && !L->input_only; p++) {
		work w = work_of(&j, p);

		add_floats(L->p[0].grad, w.dW, O * j.g.k);
		if (!cfg->nobias)
			add_floats(L->p[1].grad, w.db, O);
	}
}

static void conv_describe(const nn_layer *L, char *buf, size_t len)
{
	const conv2d_cfg *cfg = L->cfg;
	char win[48];

	nn_window_describe(L, 0, win, sizeof win);
	snprintf(buf, len, "conv %d %s%s", cfg->units, win,
	         cfg->nobias ? " nobias" : "");
}

const nn_layer_class nn_conv2d_class = {
	.kind = "conv",
	.cfg_size = sizeof(conv2d_cfg),
	.opts = conv_opts,
	.setup = conv_setup,
	.forward = conv_forward,
	.backward = conv_backward,
	.scratch_size = conv_scratch,
	.describe = conv_describe,
	.fuses_relu = 1,
};
