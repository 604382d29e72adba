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
 * them again rather than keeping them. The tests compare this with the
 * direct loops of nn_conv2d_naive. */
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "im2col.h"
#include "layer.h"
#include "workers.h"

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

/* The planes of a layer: stride, rows and pitch of each plane, floats
 * per sample (with slack for the junk columns' reads), wide outputs per
 * sample, and rows of the lowered matrix (K = C * kh * kw). */
typedef struct planes {
	int s, hq, wq;
	size_t plane, size, q, k;
} planes;

static planes conv_planes(const nn_layer *L)
{
	planes g;

	g.s = L->sh;
	g.hq = L->out.dim[1] + (L->kh - 1) / g.s;
	g.wq = L->out.dim[2] + (L->kw - 1) / g.s;
	g.plane = (size_t)g.hq * g.wq;
	g.size = (size_t)L->in.dim[0] * g.s * g.s * g.plane + (size_t)g.wq;
	g.q = (size_t)L->out.dim[1] * g.wq;
	g.k = (size_t)L->in.dim[0] * L->kh * L->kw;
	return g;
}

/* Where padded pixel (y, x) of channel c sits in the planes; also where
 * the lowered row of kernel tap (c, y, x) starts. */
static size_t slot(const planes *g, int c, int y, int x)
{
	return ((size_t)(c * g->s + y % g->s) * g->s + x % g->s) * g->plane +
	       (size_t)(y / g->s) * g->wq + (size_t)(x / g->s);
}

/* Copy the pixels of one input row that some output reads between the
 * row and the planes buf: into the planes, or back (back set). */
static inline void row_planes(const nn_layer *L, const planes *g, int c,
                              int y, float *row, float *buf, int back)
{
	int s = g->s, py = y + L->ph, w = L->in.dim[2];

	if (py / s >= g->hq)
		return;
	for (int b = 0; b < s; b++) {
		int x = ((b - L->pw) % s + s) % s, k = (x + L->pw) / s;
		float *p = buf + slot(g, c, py, x + L->pw);
		int m = (w - x + s - 1) / s;

		if (m > g->wq - k)
			m = g->wq - k;
		if (s == 1 && m > 0) {
			memcpy(back ? row + x : p, back ? p : row + x,
			       (size_t)m * sizeof *p);
			continue;
		}
		for (int e = 0; e < m; e++, x += s)
			if (back)
				row[x] = p[e];
			else
				p[e] = row[x];
	}
}

/* Lay sample x out in the planes buf (g->size floats). */
static void to_planes(const nn_layer *L, const planes *g, const float *x,
                      float *buf)
{
	int h = L->in.dim[1], w = L->in.dim[2];

	memset(buf, 0, g->size * sizeof *buf);
	for (int c = 0; c < L->in.dim[0]; c++)
		for (int y = 0; y < h; y++)
			row_planes(L, g, c, y, (float *)x + ((size_t)c * h + y)
			           * w, buf, 0);
}

/* The adjoint gather: dx of one sample from the planes (pixels no output
 * reads get 0). */
static void from_planes(const nn_layer *L, const planes *g, float *buf,
                        float *dx)
{
	int h = L->in.dim[1], w = L->in.dim[2];

	memset(dx, 0, L->in_size * sizeof *dx);
	for (int c = 0; c < L->in.dim[0]; c++)
		for (int y = 0; y < h; y++)
			row_planes(L, g, c, y, dx + ((size_t)c * h + y) * w,
			           buf, 1);
}

/* Row k of col (rows of ld floats) for each kernel tap: q floats. */
static void lower(const nn_layer *L, const planes *g, const float *buf,
                  float *col, size_t ld)
{
	for (int c = 0; c < L->in.dim[0]; c++)
		for (int i = 0; i < L->kh; i++)
			for (int j = 0; j < L->kw; j++, col += ld)
				memcpy(col, buf + slot(g, c, i, j),
				       g->q * sizeof *col);
}

typedef float v4 __attribute__((vector_size(16), aligned(4), may_alias));

/* d[0..n) += s[0..n), four at a time. */
static void add_floats(float *d, const float *s, size_t n)
{
	size_t i = 0;

	for (; i + 4 <= n; i += 4)
		*(v4 *)(d + i) += *(const v4 *)(s + i);
	for (; i < n; i++)
		d[i] += s[i];
}

/* The sum of v[0..n), four lanes at a time. */
static float sum_floats(const float *v, size_t n)
{
	v4 acc = { 0 };
	float sum = 0;
	size_t i = 0;

	for (; i + 4 <= n; i += 4)
		acc += *(const v4 *)(v + i);
	for (; i < n; i++)
		sum += v[i];
	return sum + acc[0] + acc[1] + acc[2] + acc[3];
}

/* The adjoint of lower: add every row back where it was read. */
static void raise(const nn_layer *L, const planes *g, const float *col,
                  size_t ld, float *buf)
{
	for (int c = 0; c < L->in.dim[0]; c++)
		for (int i = 0; i < L->kh; i++)
			for (int j = 0; j < L->kw; j++, col += ld)
				add_floats(buf + slot(g, c, i, j), col, g->q);
}

/* Samples lowered at once: enough for long products, few enough that the
 * columns and the product stay in the core's cache between the steps. */
static size_t conv_chunk(const nn_layer *L, size_t n)
{
	planes g = conv_planes(L);
	size_t s = NN_CHUNK_FLOATS / (g.q * (g.k + (size_t)L->units));

	s = s ? s : 1;
	return s < n ? s : n;
}

/* A part's workspace: the planes of one sample's dL/dx, the columns
 * (K x sq) and the product (O x sq) of a chunk, and its share of dW and
 * db. */
static size_t conv_work(const nn_layer *L, const planes *g, size_t n)
{
	size_t O = (size_t)L->units;

	return g->size + conv_chunk(L, n) * g->q * (g->k + O) + O * g->k + O;
}

/* Scratch: the planes of the n samples of the last forward pass (kept for
 * backward), then a workspace for each part nn_parallel may use (only
 * those used are ever touched). */
static size_t conv_scratch(const nn_layer *L, size_t n)
{
	planes g = conv_planes(L);

	return n * g.size + NN_MAX_PARTS * conv_work(L, &g, n);
}

/* One parallel loop over the chunks of a batch. */
typedef struct conv_job {
	nn_layer *L;
	planes g;
	const float *x, *dz;
	float *z, *dx;
	size_t n, chunk;
} conv_job;

/* The chunks [*c0, *c1) of a part, and its workspace. */
static float *part_of(const conv_job *j, int part, int parts, size_t *c0,
                      size_t *c1)
{
	size_t chunks = (j->n + j->chunk - 1) / j->chunk;

	*c0 = chunks * (size_t)part / (size_t)parts;
	*c1 = chunks * (size_t)(part + 1) / (size_t)parts;
	return j->L->scratch + j->L->cap * j->g.size +
	       (size_t)part * conv_work(j->L, &j->g, j->L->cap);
}

static void forward_part(void *ud, int part, int parts)
{
	const conv_job *j = ud;
	const nn_layer *L = j->L;
	const planes *g = &j->g;
	size_t O = (size_t)L->units, c0, c1, S = j->chunk;
	size_t oh = (size_t)L->out.dim[1], ow = (size_t)L->out.dim[2];
	float *col = part_of(j, part, parts, &c0, &c1) + g->size;
	float *t = col + g->k * S * g->q;

	for (size_t i0 = c0 * S; i0 < c1 * S && i0 < j->n; i0 += S) {
		size_t s = j->n - i0 < S ? j->n - i0 : S, N = s * g->q;

		for (size_t i = 0; i < s; i++) {
			float *buf = L->scratch + (i0 + i) * g->size;

			to_planes(L, g, j->x + (i0 + i) * L->in_size, buf);
			lower(L, g, buf, col + i * g->q, N);
		}
		/* t (O x sq) = W (O x K) col (K x sq) */
		nn_sgemm_serial(0, 0, O, N, g->k, 1, L->p[0].val, g->k, col,
		                N, 0, t, N);
		for (size_t i = 0; i < s; i++)
			for (size_t o = 0; o < O; o++) {
				const float *src = t + o * N + i * g->q;
				float *dst = j->z + ((i0 + i) * O + o) * oh * ow;
				float b = L->nobias ? 0 : L->p[1].val[o];

				for (size_t y = 0; y < oh; y++, src += g->wq)
					for (size_t xx = 0; xx < ow; xx++)
						*dst++ = src[xx] + b;
			}
	}
}

static void conv_forward(nn_layer *L, const float *x, float *z, size_t n,
                         int training, nn_rng *rng)
{
	conv_job j = { L, conv_planes(L), x, NULL, z, NULL, n,
	               conv_chunk(L, L->cap) };

	(void)training;
	(void)rng;
	nn_parallel((int)((n + j.chunk - 1) / j.chunk), forward_part, &j);
}

/* The gradients of s samples from i0: dW (O x K) and db added to (set
 * when first), dx written; w is the part's workspace. */
static void backward_chunk(const conv_job *j, float *w, float *dW, float *db,
                           size_t i0, size_t s, int first)
{
	const nn_layer *L = j->L;
	const planes *g = &j->g;
	size_t O = (size_t)L->units, N = s * g->q;
	size_t oh = (size_t)L->out.dim[1], ow = (size_t)L->out.dim[2];
	float *dxp = w, *col = dxp + g->size, *t = col + g->k * j->chunk *
	                                            g->q;

	/* t (O x sq): dL/dz, wide, with zeros in the junk columns */
	for (size_t i = 0; i < s; i++)
		for (size_t o = 0; o < O; o++) {
			const float *src = j->dz + ((i0 + i) * O + o) * oh * ow;
			float *dst = t + o * N + i * g->q;

			for (size_t y = 0; y < oh; y++, dst += g->wq) {
				memcpy(dst, src + y * ow, ow * sizeof *dst);
				memset(dst + ow, 0, (g->wq - ow) * sizeof *dst);
			}
		}
	for (size_t o = 0; o < O && db; o++) {
		float sum = sum_floats(t + o * N, N);

		db[o] = first ? sum : db[o] + sum;
	}
	for (size_t i = 0; i < s; i++)
		lower(L, g, L->scratch + (i0 + i) * g->size, col + i * g->q,
		      N);
	/* dW (O x K) += t (O x sq) col^T (sq x K) */
	nn_sgemm_serial(0, 1, O, g->k, N, 1, t, N, col, N, first ? 0 : 1, dW,
	                g->k);
	if (!j->dx)
		return;
	/* dcol (K x sq) = W^T (K x O) t (O x sq), then back to the pixels */
	nn_sgemm_serial(1, 0, g->k, N, O, 1, L->p[0].val, g->k, t, N, 0, col,
	                N);
	for (size_t i = 0; i < s; i++) {
		memset(dxp, 0, g->size * sizeof *dxp);
		raise(L, g, col + i * g->q, N, dxp);
		from_planes(L, g, dxp, j->dx + (i0 + i) * L->in_size);
	}
}

/* Part 0 writes the layer's gradients, the others their own shares. */
static void backward_part(void *ud, int part, int parts)
{
	const conv_job *j = ud;
	const nn_layer *L = j->L;
	size_t c0, c1, S = j->chunk, O = (size_t)L->units;
	float *w = part_of(j, part, parts, &c0, &c1);
	float *dW = w + conv_work(L, &j->g, L->cap) - O * j->g.k - O;
	float *db = dW + O * j->g.k;

	if (part == 0) {
		dW = L->p[0].grad;
		db = L->nobias ? NULL : L->p[1].grad;
	} else if (L->nobias) {
		db = NULL;
	}
	for (size_t i0 = c0 * S; i0 < c1 * S && i0 < j->n; i0 += S)
		backward_chunk(j, w, dW, db, i0, j->n - i0 < S ? j->n - i0 : S,
		               i0 == c0 * S);
}

static void conv_backward(nn_layer *L, const float *x, const float *dz,
                          float *dx, size_t n)
{
	conv_job j = { L, conv_planes(L), x, dz, NULL, dx, n,
	               conv_chunk(L, L->cap) };
	size_t O = (size_t)L->units;
	int parts;

	/* x is not read: its planes are kept from forward */
	parts = nn_parallel((int)((n + j.chunk - 1) / j.chunk), backward_part,
	                    &j);
	for (int p = 1; p < parts; p++) {
		size_t c0, c1;
		float *w = part_of(&j, p, parts, &c0, &c1);
		float *dW = w + conv_work(L, &j.g, L->cap) - O * j.g.k - O;

		add_floats(L->p[0].grad, dW, O * j.g.k);
		if (!L->nobias)
			add_floats(L->p[1].grad, dW + O * j.g.k, O);
	}
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
