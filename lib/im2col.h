/* im2col.h - what the convolution and pooling layers share: a window
 * geometry, its options and its setup, the lowering of convolutions
 * to matrix products (im2col and its adjoint col2im), and direct-loop
 * reference convolutions for the tests. */
#ifndef NN_IM2COL_H
#define NN_IM2COL_H

#include <stddef.h>
#include <stdint.h>

#include "layer.h"

/* Floats of columns and products that the layers lower at once: they
 * should stay in a core's cache (1 MB here) from one step to the next. */
#define NN_CHUNK_FLOATS (64 * 1024)

/* A kernel of kh x kw sliding with strides sh, sw over c x h x w images padded
 * by ph rows above and pw columns on the left; oh x ow positions (rows and
 * columns past the bottom and right edges read as zeros). */
typedef struct nn_window {
	int c, h, w;
	int kh, kw, sh, sw, ph, pw;
	int oh, ow;
} nn_window;

/* Output size along one axis, or <= 0 when the kernel does not fit:
 * floor((in + pad_total - k) / stride) + 1. */
int nn_window_out(int in, int k, int stride, int pad_total);

/* The window options of conv, convt and pooling, for their option tables,
 * in this order: the kernel (the pos-th number, or kernel=5x3), stride=
 * and pad= (padding=, a number or same). */
#define NN_WINDOW_OPTS(pos) \
	{ "KERNEL", "kernel", NULL, NN_OPT_SIZE, pos, 1, 4096, 0, NULL, \
	  "kernel" }, \
	{ "stride", "stride", NULL, NN_OPT_INT, 0, 1, 4096, 0, NULL, \
	  "stride" }, \
	{ "pad", "pad", "padding", NN_OPT_INT, 0, 0, 4096, 0, "same", \
	  "padding" }

/* The window's configuration, set by nn_window_setup: the configuration
 * of each window kind (L->cfg) starts with one. */
typedef struct nn_window_cfg {
	int kh, kw, sh, sw;     /* kernel, strides */
	int ph, pw;             /* padding before the first row and column */
	int same;               /* the padding was chosen by `same` */
} nn_window_cfg;

/* The kernel, stride and padding as given: 0 when not given (stride: the
 * kind's default), same for pad=same. */
typedef struct nn_window_opts {
	int kh, kw, stride, pad, same;
} nn_window_opts;

/* The window options from their three values (v points at the kernel's). */
void nn_window_opts_of(const nn_optval *v, nn_window_opts *o);

/* Check the kernel, stride and padding o against L's C x H x W input
 * (what names the layer in messages), store them in L's configuration
 * (which starts with an nn_window_cfg) and put the output
 * height and width in *oh, *ow. Without a stride, pooling (pool set)
 * steps by the kernel size, convolutions by 1. */
int nn_window_setup(nn_layer *L, const nn_window_opts *o, const char *what,
                    int pool, int *oh, int *ow);
/* The window of L over its input (output size from L->out). */
void nn_window_of(const nn_layer *L, nn_window *g);
/* The kernel's kh * kw of a window kind's layer L. */
int nn_window_area(const nn_layer *L);
/* Write "5x5 stride=2 pad=2" (settings that differ from the defaults). */
void nn_window_describe(const nn_layer *L, int pool, char *buf, size_t len);

/* Write the patches of image x into col: row (ci * kh + i) * kw + j,
 * column oy * ow + ox holds x[ci][oy*sh - ph + i][ox*sw - pw + j]
 * (0 outside the image). col has c*kh*kw rows of ld floats; only the first
 * oh*ow columns are written. */
void nn_im2col(const nn_window *g, const float *x, float *col, size_t ld);

/* The adjoint of nn_im2col: add every entry of col to the pixel of dx it
 * was read from (dx, c x h x w, is accumulated into, not cleared). */
void nn_col2im(const nn_window *g, const float *col, size_t ld, float *dx);

/* Reference convolution of one image, plain loops in double precision:
 * z[o] = b[o] + sum W[o][ci][i][j] x[ci][..][..] for o < nout, W is
 * nout x c x kh x kw, b may be NULL. z is nout x oh x ow. */
void nn_conv2d_naive(const nn_window *g, int nout, const float *x,
                     const float *W, const float *b, float *z);

/* Reference transposed convolution of one image x (cin x ih x iw, where
 * the geometry g describes the forward convolution from the cout x g->h x
 * g->w output back to cin x g->oh x g->ow): every x[ci][y][x] adds
 * x * W[ci][o][i][j] to z[o][y*sh - ph + i][x*sw - pw + j]. W is
 * cin x cout x kh x kw, b (cout) may be NULL, z is cout x g->h x g->w. */
void nn_convt_naive(const nn_window *g, int cin, const float *x,
                    const float *W, const float *b, float *z);

#endif
