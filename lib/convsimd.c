/* convsimd.c - the inner loops of conv2d as AVX2/FMA kernels that read the
 * zero-padded stride-phase planes directly (an implicit GEMM: no lowered
 * matrix is written), for the forward pass and for dL/dW. They are compiled
 * for AVX2 whatever the build's flags and used only when the CPU has it;
 * otherwise conv2d.c lowers with copies and multiplies through BLAS. */
#include <stdint.h>
#include <string.h>

#include "im2col.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define SIMD_TARGET __attribute__((target("avx2,fma")))
#define HAVE_SIMD 1
#else
#define SIMD_TARGET
#define HAVE_SIMD 0
#endif

static int forbidden;

void nn_conv_simd(int on)
{
	forbidden = !on;
}

int nn_conv_simd_ok(void)
{
#if HAVE_SIMD
	static int ok = -1;

	if (ok < 0) {
		__builtin_cpu_init();
		ok = __builtin_cpu_supports("avx2") &&
		     __builtin_cpu_supports("fma");
	}
	return ok && !forbidden;
#else
	return 0;
#endif
}

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));

SIMD_TARGET static inline v8 load(const float *p)
{
	return *(const v8u *)p;
}

SIMD_TARGET static inline void store(float *p, v8 v)
{
	*(v8u *)p = v;
}

/* v, kept in a register: without this the compiler folds the load of a
 * value used twice into both multiply-adds, and loads it twice. */
SIMD_TARGET static inline v8 in_register(v8 v)
{
#if HAVE_SIMD
	__asm__("" : "+x"(v));
#endif
	return v;
}

SIMD_TARGET static inline v8 splat(float x)
{
	return (v8){ x, x, x, x, x, x, x, x };
}

/* Four output channels times sixteen positions in eight registers. */
SIMD_TARGET
void nn_conv_fwd_simd(const float *P, const int32_t *off, size_t K,
                      const float *Wt, const float *bias, size_t o4,
                      float *t, size_t qp)
{
	for (size_t o = 0; o < o4; o += 4)
		for (size_t q = 0; q < qp; q += 16) {
			v8 a0 = splat(bias[o]), a1 = a0;
			v8 b0 = splat(bias[o + 1]), b1 = b0;
			v8 c0 = splat(bias[o + 2]), c1 = c0;
			v8 d0 = splat(bias[o + 3]), d1 = d0;

			for (size_t k = 0; k < K; k++) {
				const float *p = P + off[k] + q;
				const float *w = Wt + k * o4 + o;
				v8 x0 = load(p), x1 = load(p + 8);

				a0 += w[0] * x0;
				a1 += w[0] * x1;
				b0 += w[1] * x0;
				b1 += w[1] * x1;
				c0 += w[2] * x0;
				c1 += w[2] * x1;
				d0 += w[3] * x0;
				d1 += w[3] * x1;
			}
			store(t + o * qp + q, a0);
			store(t + o * qp + q + 8, a1);
			store(t + (o + 1) * qp + q, b0);
			store(t + (o + 1) * qp + q + 8, b1);
			store(t + (o + 2) * qp + q, c0);
			store(t + (o + 2) * qp + q + 8, c1);
			store(t + (o + 3) * qp + q, d0);
			store(t + (o + 3) * qp + q + 8, d1);
		}
}

SIMD_TARGET static inline float hsum(v8 v)
{
	return ((v[0] + v[4]) + (v[1] + v[5])) +
	       ((v[2] + v[6]) + (v[3] + v[7]));
}

/* Four output channels times two taps in eight registers, over every
 * sample before the sums across lanes; rows past O and a missing second
 * tap repeat the last ones and are not stored. */
SIMD_TARGET
void nn_conv_dw_simd(const float *P, size_t pstride, const int32_t *off,
                     size_t K, const float *dz, size_t dstride, size_t ldz,
                     size_t n, size_t O, size_t Q, float *dW)
{
	size_t qv = Q & ~(size_t)7;

	for (size_t o = 0; o < O; o += 4) {
		size_t r[4];

		for (size_t i = 0; i < 4; i++)
			r[i] = (o + i < O ? o + i : o) * ldz;
		for (size_t k = 0; k < K; k += 2) {
			size_t k1 = k + 1 < K ? k + 1 : k;
			v8 a0 = { 0 }, a1 = a0, b0 = a0, b1 = a0, c0 = a0;
			v8 c1 = a0, d0 = a0, d1 = a0;
			float s[8] = { 0 };

			for (size_t e = 0; e < n; e++) {
				const float *p0 = P + e * pstride + off[k];
				const float *p1 = P + e * pstride + off[k1];
				const float *d = dz + e * dstride;

				for (size_t q = 0; q < qv; q += 8) {
					v8 x0 = load(p0 + q), x1 = load(p1 + q);
					v8 y;

					y = in_register(load(d + r[0] + q));
					a0 += y * x0;
					a1 += y * x1;
					y = in_register(load(d + r[1] + q));
					b0 += y * x0;
					b1 += y * x1;
					y = in_register(load(d + r[2] + q));
					c0 += y * x0;
					c1 += y * x1;
					y = in_register(load(d + r[3] + q));
					d0 += y * x0;
					d1 += y * x1;
				}
				for (size_t q = qv; q < Q; q++)
					for (int i = 0; i < 4; i++) {
						float y = d[r[i] + q];

						s[2 * i] += y * p0[q];
						s[2 * i + 1] += y * p1[q];
					}
			}
			s[0] += hsum(a0);
			s[1] += hsum(a1);
			s[2] += hsum(b0);
			s[3] += hsum(b1);
			s[4] += hsum(c0);
			s[5] += hsum(c1);
			s[6] += hsum(d0);
			s[7] += hsum(d1);
			for (size_t i = 0; i < 4 && o + i < O; i++) {
				dW[(o + i) * K + k] += s[2 * i];
				if (k1 != k)
					dW[(o + i) * K + k1] += s[2 * i + 1];
			}
		}
	}
}

/* Four taps times sixteen positions in eight registers, over every
 * output channel; a missing tap repeats the last and is not stored. */
SIMD_TARGET
void nn_conv_dcol_simd(const float *W, const float *dz, size_t ldz,
                       size_t O, size_t K, size_t Q, float *col)
{
	size_t qv = Q & ~(size_t)15;

	for (size_t k = 0; k < K; k += 4) {
		size_t kk[4];

		for (size_t i = 0; i < 4; i++)
			kk[i] = k + i < K ? k + i : k;
		for (size_t q = 0; q < qv; q += 16) {
			v8 a0 = { 0 }, a1 = a0, b0 = a0, b1 = a0, c0 = a0;
			v8 c1 = a0, d0 = a0, d1 = a0;

			for (size_t o = 0; o < O; o++) {
				const float *w = W + o * K;
				const float *d = dz + o * ldz + q;
				v8 y0 = load(d), y1 = load(d + 8);

				a0 += w[kk[0]] * y0;
				a1 += w[kk[0]] * y1;
				b0 += w[kk[1]] * y0;
				b1 += w[kk[1]] * y1;
				c0 += w[kk[2]] * y0;
				c1 += w[kk[2]] * y1;
				d0 += w[kk[3]] * y0;
				d1 += w[kk[3]] * y1;
			}
			store(col + kk[0] * Q + q, a0);
			store(col + kk[0] * Q + q + 8, a1);
			store(col + kk[1] * Q + q, b0);
			store(col + kk[1] * Q + q + 8, b1);
			store(col + kk[2] * Q + q, c0);
			store(col + kk[2] * Q + q + 8, c1);
			store(col + kk[3] * Q + q, d0);
			store(col + kk[3] * Q + q + 8, d1);
		}
		if (qv + 8 <= Q) {
			v8 a = { 0 }, b = a, c = a, d = a;

			for (size_t o = 0; o < O; o++) {
				const float *w = W + o * K;
				v8 y = load(dz + o * ldz + qv);

				a += w[kk[0]] * y;
				b += w[kk[1]] * y;
				c += w[kk[2]] * y;
				d += w[kk[3]] * y;
			}
			store(col + kk[0] * Q + qv, a);
			store(col + kk[1] * Q + qv, b);
			store(col + kk[2] * Q + qv, c);
			store(col + kk[3] * Q + qv, d);
		}
		for (size_t i = 0; i < 4 && k + i < K; i++)
			for (size_t q = qv + ((Q - qv) & 8); q < Q; q++) {
				float sum = 0;

				for (size_t o = 0; o < O; o++)
					sum += W[o * K + k + i] *
					       dz[o * ldz + q];
				col[(k + i) * Q + q] = sum;
			}
	}
}

typedef int32_t v8i __attribute__((vector_size(32)));

SIMD_TARGET
void nn_add_simd(float *d, const float *src, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		store(d + i, load(d + i) + load(src + i));
	for (; i < n; i++)
		d[i] += src[i];
}

SIMD_TARGET
void nn_gather2_simd(float *p, const float *r, size_t m)
{
	size_t k = 0;

	for (; k + 8 < m; k += 8)
		store(p + k, __builtin_shuffle(load(r + 2 * k),
		                               load(r + 2 * k + 8),
		                               (v8i){ 0, 2, 4, 6, 8, 10, 12,
		                                      14 }));
	for (; k < m; k++)
		p[k] = r[2 * k];
}

SIMD_TARGET
void nn_scatter2_simd(float *r, const float *p, size_t m)
{
	size_t k = 0;

	for (; k + 8 < m; k += 8) {
		v8 v = load(p + k);

		store(r + 2 * k, __builtin_shuffle(v, load(r + 2 * k),
		      (v8i){ 0, 9, 1, 11, 2, 13, 3, 15 }));
		store(r + 2 * k + 8, __builtin_shuffle(v, load(r + 2 * k + 8),
		      (v8i){ 4, 9, 5, 11, 6, 13, 7, 15 }));
	}
	for (; k < m; k++)
		r[2 * k] = p[k];
}
