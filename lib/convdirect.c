/* convdirect.c - the direct convolution kernels of convdirect.h.
 *
 * Each kernel keeps a block of sums in vector registers while it walks
 * the taps: 4 output channels by 32 columns in forward, 4 by 6 (output
 * channel, tap) pairs of 16 lanes for the weights, 4 input channels by 32
 * columns for the data. A block at the edge of O, K or C reads the last
 * row again rather than branch, and keeps only its own rows. */
#include <string.h>

#include "convdirect.h"
#include "vmath.h"

typedef float v16 __attribute__((vector_size(64), aligned(4), may_alias));

#define B 4                     /* rows of a block */
#define KB 6                    /* taps of a block of the weights */

static size_t last(size_t i, size_t n)
{
	return i < n ? i : n - 1;
}

typedef float v8 __attribute__((vector_size(32)));

/* The sum of v's lanes, by halves: lanes l and l + 8, then l and l + 4,
 * and so on. */
static float hsum(v16 v)
{
	v8 h = { v[0] + v[8], v[1] + v[9], v[2] + v[10], v[3] + v[11],
	         v[4] + v[12], v[5] + v[13], v[6] + v[14], v[7] + v[15] };
	float q0 = h[0] + h[4], q1 = h[1] + h[5], q2 = h[2] + h[6];
	float q3 = h[3] + h[7];

	return (q0 + q2) + (q1 + q3);
}

NN_HOT void nn_direct_forward(const float *W, size_t O, size_t K,
                              const float *buf, const int *off, size_t q,
                              float *t, size_t ldt)
{
	for (size_t o0 = 0; o0 < O; o0 += B) {
		const float *w[B];

		for (int u = 0; u < B; u++)
			w[u] = W + last(o0 + u, O) * K;
		for (size_t n = 0; n < q; n += NN_DIRECT_STEP) {
			v16 a[B][2] = { { { 0 } } };

			for (size_t k = 0; k < K; k++) {
				const float *p = buf + off[k] + n;
				v16 x0 = *(const v16 *)p;
				v16 x1 = *(const v16 *)(p + 16);

				for (int u = 0; u < B; u++) {
					a[u][0] += w[u][k] * x0;
					a[u][1] += w[u][k] * x1;
				}
			}
			for (int u = 0; u < B && o0 + u < O; u++) {
				float *r = t + (o0 + u) * ldt + n;

				*(v16 *)r = a[u][0];
				*(v16 *)(r + 16) = a[u][1];
			}
		}
	}
}

NN_HOT void nn_direct_weights(const float *t, size_t ldt, size_t tp,
                              const float *buf, size_t bp, const int *off,
                              size_t O, size_t K, size_t q, size_t s,
                              float *acc, int first)
{
	size_t qr = (q + NN_DIRECT_STEP - 1) / NN_DIRECT_STEP * NN_DIRECT_STEP;

	for (size_t o0 = 0; o0 < O; o0 += B)
		for (size_t k0 = 0; k0 < K; k0 += KB) {
			v16 a[B][KB] = { { { 0 } } };

			for (size_t i = 0; i < s; i++) {
				const float *ti[B], *xi[KB];

				for (int u = 0; u < B; u++)
					ti[u] = t + i * tp + last(o0 + u, O) * ldt;
				for (int v = 0; v < KB; v++)
					xi[v] = buf + i * bp + off[last(k0 + v, K)];
				for (size_t n = 0; n < qr; n += 16) {
					v16 tv[B];

					for (int u = 0; u < B; u++)
						tv[u] = *(const v16 *)(ti[u] + n);
					for (int v = 0; v < KB; v++) {
						v16 xv = *(const v16 *)(xi[v] + n);

						for (int u = 0; u < B; u++)
							a[u][v] += tv[u] * xv;
					}
				}
			}
			for (int u = 0; u < B && o0 + u < O; u++)
				for (int v = 0; v < KB && k0 + v < K; v++) {
					v16 *g = (v16 *)(acc + ((o0 + u) * K + k0 +
					                        v) * 16);

					if (first)
						*g = a[u][v];
					else
						*g += a[u][v];
				}
		}
}

NN_HOT void nn_direct_sum(const float *acc, size_t n, float *dW, int first)
{
	for (size_t i = 0; i < n; i++) {
		float s = hsum(*(const v16 *)(acc + i * 16));

		dW[i] = first ? s : dW[i] + s;
	}
}

NN_HOT void nn_direct_data(const float *W, size_t O, size_t K, size_t kk,
                           size_t C, const int *tap, const int *d,
                           size_t taps, const float *t, size_t ldt,
                           float *dp, size_t cp, size_t len)
{
	for (size_t c0 = 0; c0 < C; c0 += B)
		for (size_t m = 0; m < len; m += NN_DIRECT_STEP) {
			v16 a[B][2] = { { { 0 } } };
			const float *wc[B];

			for (int u = 0; u < B; u++)
				wc[u] = W + last(c0 + u, C) * kk;
			for (size_t o = 0; o < O; o++) {
				const float *to = t + o * ldt + m;

				for (size_t e = 0; e < taps; e++) {
					const float *p = to - d[e];
					v16 x0 = *(const v16 *)p;
					v16 x1 = *(const v16 *)(p + 16);

					for (int u = 0; u < B; u++) {
						float wu = wc[u][o * K + (size_t)tap[e]];

						a[u][0] += wu * x0;
						a[u][1] += wu * x1;
					}
				}
			}
			for (int u = 0; u < B && c0 + u < C; u++) {
				float *r = dp + (c0 + u) * cp + m;
				float out[NN_DIRECT_STEP];

				if (m + NN_DIRECT_STEP <= len) {
					*(v16 *)r = a[u][0];
					*(v16 *)(r + 16) = a[u][1];
					continue;
				}
				/* the run's end: the next plane follows */
				*(v16 *)out = a[u][0];
				*(v16 *)(out + 16) = a[u][1];
				memcpy(r, out, (len - m) * sizeof *r);
			}
		}
}
