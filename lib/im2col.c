/* im2col.c - the window geometry of convolutions and pooling, lowering
 * 2-D convolutions to matrix products (im2col and its adjoint col2im), and
 * the plain reference convolutions the tests compare the fast paths with. */
#include <stdio.h>
#include <string.h>

#include "im2col.h"

int nn_window_out(int in, int k, int stride, int pad_total)
{
	int span = in + pad_total - k;

	return span < 0 ? 0 : span / stride + 1;
}

void nn_window_opts_of(const nn_optval *v, nn_window_opts *o)
{
	o->kh = v[0].a;
	o->kw = v[0].b;
	o->stride = (int)v[1].num;
	o->same = v[2].num < 0;
	o->pad = o->same ? 0 : (int)v[2].num;
}

int nn_window_setup(nn_layer *L, const nn_window_opts *o, const char *what,
                    int pool, int *oh, int *ow)
{
	nn_window_cfg *cfg = L->cfg;
	int h = L->in.dim[1], w = L->in.dim[2];

	if (L->in.ndim != 3)
		return nn_fail("%s needs C x H x W inputs (as from model "
		               "input=1x28x28 or add reshape), not %d-D ones",
		               what, L->in.ndim);
	if (o->kh <= 0 || o->kw <= 0)
		return nn_fail("%s needs a kernel size, as in 'add %s %s' or "
		               "kernel=5", what, what, pool ? "2" : "8 5x5");
	if (o->stride < 0 || o->pad < 0)
		return nn_fail("%s: stride and pad cannot be negative", what);
	cfg->kh = o->kh;
	cfg->kw = o->kw;
	cfg->sh = o->stride ? o->stride : pool ? cfg->kh : 1;
	cfg->sw = o->stride ? o->stride : pool ? cfg->kw : 1;
	cfg->same = o->same;
	if (o->same) {
		int th, tw;

		*oh = (h + cfg->sh - 1) / cfg->sh;
		*ow = (w + cfg->sw - 1) / cfg->sw;
		th = (*oh - 1) * cfg->sh + cfg->kh - h;
		tw = (*ow - 1) * cfg->sw + cfg->kw - w;
		cfg->ph = th > 0 ? th / 2 : 0;
		cfg->pw = tw > 0 ? tw / 2 : 0;
		return 0;
	}
	cfg->ph = cfg->pw = o->pad;
	*oh = nn_window_out(h, cfg->kh, cfg->sh, 2 * o->pad);
	*ow = nn_window_out(w, cfg->kw, cfg->sw, 2 * o->pad);
	if (*oh <= 0 || *ow <= 0)
		return nn_fail("%s: a %dx%d kernel does not fit a %dx%d input "
		               "padded by %d", what, cfg->kh, cfg->kw, h, w,
		               o->pad);
	return 0;
}

void nn_window_of(const nn_layer *L, nn_window *g)
{
	const nn_window_cfg *cfg = L->cfg;

	g->c = L->in.dim[0];
	g->h = L->in.dim[1];
	g->w = L->in.dim[2];
	g->kh = cfg->kh;
	g->kw = cfg->kw;
	g->sh = cfg->sh;
	g->sw = cfg->sw;
	g->ph = cfg->ph;
	g->pw = cfg->pw;
	g->oh = L->out.dim[1];
	g->ow = L->out.dim[2];
}

int nn_window_area(const nn_layer *L)
{
	const nn_window_cfg *cfg = L->cfg;

	return cfg->kh * cfg->kw;
}

/* Append printf-style text at *used in buf, never past len. */
static void append(char *buf, size_t len, size_t *used, const char *fmt,
                   int a, int b)
{
	if (*used < len) {
		int k = snprintf(buf + *used, len - *used, fmt, a, b);

		*used += k > 0 ? (size_t)k : 0;
	}
}

void nn_window_describe(const nn_layer *L, int pool, char *buf, size_t len)
{
	const nn_window_cfg *cfg = L->cfg;
	size_t used = 0;
	int dh = pool ? cfg->kh : 1, dw = pool ? cfg->kw : 1;

	buf[0] = '\0';
	append(buf, len, &used, "%dx%d", cfg->kh, cfg->kw);
	if (cfg->sh != dh || cfg->sw != dw)
		append(buf, len, &used, cfg->sh == cfg->sw ? " stride=%d" :
		       " stride=%dx%d", cfg->sh, cfg->sw);
	if (cfg->same)
		append(buf, len, &used, " pad=same", 0, 0);
	else if (cfg->ph || cfg->pw)
		append(buf, len, &used, cfg->ph == cfg->pw ? " pad=%d" :
		       " pad=%dx%d", cfg->ph, cfg->pw);
}

/* The range [*lo, *hi) of output columns ox whose input column
 * ox * stride + off falls inside [0, w). */
static void valid_range(int ow, int stride, int off, int w, int *lo, int *hi)
{
	int a = off < 0 ? (-off + stride - 1) / stride : 0;
	int b = w - off <= 0 ? 0 : (w - off + stride - 1) / stride;

	*lo = a < ow ? a : ow;
	*hi = b < ow ? b : ow;
	if (*hi < *lo)
		*hi = *lo;
}

/* Row (i, j) of the columns of one channel xc: for every output position,
 * the pixel under kernel entry (i, j). */
static void im2col_row(const nn_window *g, const float *xc, int i, int j,
                       float *dst)
{
	int s = g->sw, off = j - g->pw, lo, hi;

	valid_range(g->ow, s, off, g->w, &lo, &hi);
	for (int oy = 0; oy < g->oh; oy++, dst += g->ow) {
		int y = oy * g->sh - g->ph + i;
		const float *row;

		if (y < 0 || y >= g->h) {
			memset(dst, 0, (size_t)g->ow * sizeof *dst);
			continue;
		}
		row = xc + (size_t)y * g->w;
		memset(dst, 0, (size_t)lo * sizeof *dst);
		if (s == 1)
			memcpy(dst + lo, row + lo + off, (size_t)(hi - lo) *
			       sizeof *dst);
		else
			for (int ox = lo; ox < hi; ox++)
				dst[ox] = row[ox * s + off];
		memset(dst + hi, 0, (size_t)(g->ow - hi) * sizeof *dst);
	}
}

void nn_im2col(const nn_window *g, const float *x, float *col, size_t ld)
{
	for (int ci = 0; ci < g->c; ci++, x += (size_t)g->h * g->w)
		for (int i = 0; i < g->kh; i++)
			for (int j = 0; j < g->kw; j++, col += ld)
				im2col_row(g, x, i, j, col);
}

/* The adjoint of im2col_row: add the row back into channel dc. */
static void col2im_row(const nn_window *g, const float *src, int i, int j,
                       float *dc)
{
	int s = g->sw, off = j - g->pw, lo, hi;

	valid_range(g->ow, s, off, g->w, &lo, &hi);
	for (int oy = 0; oy < g->oh; oy++, src += g->ow) {
		int y = oy * g->sh - g->ph + i;
		float *row;

		if (y < 0 || y >= g->h)
			continue;
		row = dc + (size_t)y * g->w;
		for (int ox = lo; ox < hi; ox++)
			row[ox * s + off] += src[ox];
	}
}

void nn_col2im(const nn_window *g, const float *col, size_t ld, float *dx)
{
	for (int ci = 0; ci < g->c; ci++, dx += (size_t)g->h * g->w)
		for (int i = 0; i < g->kh; i++)
			for (int j = 0; j < g->kw; j++, col += ld)
				col2im_row(g, col, i, j, dx);
}

/* x[ci][y][xx] of one c x h x w image, 0 outside it. */
static double pixel(const float *x, int h, int w, int ci, int y, int xx)
{
	if (y < 0 || y >= h || xx < 0 || xx >= w)
		return 0;
	return x[((size_t)ci * h + y) * w + xx];
}

/* One output of the reference convolution: channel o at (oy, ox). */
static double conv_at(const nn_window *g, const float *x, const float *W,
                      int o, int oy, int ox)
{
	double sum = 0;

	for (int ci = 0; ci < g->c; ci++)
		for (int i = 0; i < g->kh; i++)
			for (int j = 0; j < g->kw; j++) {
				int y = oy * g->sh - g->ph + i;
				int xx = ox * g->sw - g->pw + j;
				size_t k = ((size_t)(o * g->c + ci) * g->kh
				            + i) * g->kw + j;

				sum += W[k] * pixel(x, g->h, g->w, ci, y, xx);
			}
	return sum;
}

void nn_conv2d_naive(const nn_window *g, int nout, const float *x,
                     const float *W, const float *b, float *z)
{
	for (int o = 0; o < nout; o++)
		for (int oy = 0; oy < g->oh; oy++)
			for (int ox = 0; ox < g->ow; ox++)
				*z++ = (float)((b ? b[o] : 0) +
				               conv_at(g, x, W, o, oy, ox));
}

/* One output of the reference transposed convolution: channel o at
 * (zy, zx) gathers every input pixel whose kernel window covers it. */
static double convt_at(const nn_window *g, int cin, const float *x,
                       const float *W, int o, int zy, int zx)
{
	double sum = 0;

	for (int ci = 0; ci < cin; ci++)
		for (int i = 0; i < g->kh; i++)
			for (int j = 0; j < g->kw; j++) {
				int ty = zy + g->ph - i, tx = zx + g->pw - j;
				size_t k = ((size_t)(ci * g->c + o) * g->kh
				            + i) * g->kw + j;

				if (ty % g->sh || tx % g->sw)
					continue;
				sum += W[k] * pixel(x, g->oh, g->ow, ci,
				                    ty / g->sh, tx / g->sw);
			}
	return sum;
}

void nn_convt_naive(const nn_window *g, int cin, const float *x,
                    const float *W, const float *b, float *z)
{
	for (int o = 0; o < g->c; o++)
		for (int zy = 0; zy < g->h; zy++)
			for (int zx = 0; zx < g->w; zx++)
				*z++ = (float)((b ? b[o] : 0) + convt_at(g,
				               cin, x, W, o, zy, zx));
}
