/* convdirect.h - direct convolution kernels for layers with few channels,
 * over the stride-phase planes of conv2d.c: each kernel tap reads one
 * contiguous run of a sample's planes, so the three passes are loops of
 * multiply-adds over those runs, without lowering them to columns. */
#ifndef NN_CONVDIRECT_H
#define NN_CONVDIRECT_H

#include <stddef.h>

/* Floats a kernel reads or writes past the q floats of a run: runs are
 * taken in steps of this many, the last one whole. */
#define NN_DIRECT_STEP 32

/* The largest K (input channels x kernel taps), O and stride the direct
 * kernels take; conv2d.c lowers larger layers to matrix products. */
#define NN_DIRECT_MAXK 512
#define NN_DIRECT_MAXO 32
#define NN_DIRECT_MAXS 4

/* t[o * ldt + n] = sum over k < K of W[o * K + k] * buf[off[k] + n], for
 * o < O and n < q rounded up to NN_DIRECT_STEP (buf must hold that many
 * floats past each off[k] + q, and t that many past each row's q). */
void nn_direct_forward(const float *W, size_t O, size_t K, const float *buf,
                       const int *off, size_t q, float *t, size_t ldt);

/* The weight gradient of s samples, in 16 lanes: acc[(o * K + k) * 16 +
 * l] (set when first, else added to) = the sum over samples i < s and
 * n < q rounded up, n % 16 == l, of t[i * tp + o * ldt + n] *
 * buf[i * bp + off[k] + n]. t must be 0 in the junk columns and past q. */
void nn_direct_weights(const float *t, size_t ldt, size_t tp,
                       const float *buf, size_t bp, const int *off,
                       size_t O, size_t K, size_t q, size_t s, float *acc,
                       int first);

/* dW[i] (set when first, else added to) = the sum of the 16 lanes
 * acc[i * 16 ..], for i < n. */
void nn_direct_sum(const float *acc, size_t n, float *dW, int first);

/* One phase of the planes' gradient: for channels c < C, plane
 * dp + c * cp gets, at m < len, the sum over o < O and the phase's taps
 * e < taps of W[o * K + c * kk + tap[e]] * t[o * ldt + m - d[e]]. t reads
 * as 0 before each row's start (up to the largest d) and past its q. */
void nn_direct_data(const float *W, size_t O, size_t K, size_t kk,
                    size_t C, const int *tap, const int *d, size_t taps,
                    const float *t, size_t ldt, float *dp, size_t cp,
                    size_t len);

#endif
