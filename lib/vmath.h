/* vmath.h - exp, sigmoid and tanh for float in plain arithmetic and bit
 * moves, so that loops over them vectorise (libm's expf and tanhf are
 * calls, one value at a time). Accurate to a few units in the last place,
 * and NaN stays NaN. */
#ifndef NN_VMATH_H
#define NN_VMATH_H

#include <stdint.h>
#include <string.h>

/* A loop the compiler vectorises: built for AVX-512, for AVX2 and for
 * baseline x86-64, picked at load time (GCC's function multiversioning),
 * elsewhere plain. None of the builds fuses multiply-adds, so a loop of
 * separate values gives the same numbers in each. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NN_HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NN_HOT
#endif

/* e^x, within 2 ulp of expf (Cephes's polynomial), +inf above 88.72283
 * (where expf overflows too) and 0 below -86.9 (e^-86.9 is 1.7e-38, near
 * the smallest normal float: as if denormals were flushed to zero). */
static inline float nn_vexpf(float x)
{
	const float magic = 12582912.0f;        /* 1.5 * 2^23: rounds */
	float xc, t, k, r, p, y, half_scale;
	uint32_t tb, mb, bits;

	xc = x < -86.9f ? -86.9f : x;
	xc = xc > 88.72283f ? 88.72283f : xc;
	/* k = round(x / ln 2) in [-125, 128], read off t's low bits */
	t = xc * 1.44269504f + magic;
	k = t - magic;
	memcpy(&tb, &t, sizeof tb);
	memcpy(&mb, &magic, sizeof mb);
	bits = (tb - mb + 126u) << 23;          /* 2^(k-1), a normal */
	memcpy(&half_scale, &bits, sizeof half_scale);
	/* r = x - k ln 2 in two parts (Cody and Waite), |r| <= ln 2 / 2 */
	r = xc - k * 0.693359375f;
	r = r + k * 2.12194440e-4f;
	p = 1.9875691500e-4f;
	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	y = (p * r * r + r + 1.0f) * half_scale * 2.0f;
	y = x < -86.9f ? 0.0f : y;
	return x > 88.72283f ? __builtin_inff() : y;
}

/* 1 / (1 + e^-x) */
static inline float nn_vsigmoidf(float x)
{
	return 1.0f / (1.0f + nn_vexpf(-x));
}

/* tanh x: an odd polynomial near 0, where 1 - 2 / (e^2x + 1) would lose
 * the leading digits (Cephes's tanhf), that formula elsewhere. */
static inline float nn_vtanhf(float x)
{
	float ax = x < 0 ? -x : x, z = x * x, small, large;

	small = -5.70498872745e-3f;
	small = small * z + 2.06390887954e-2f;
	small = small * z - 5.37397155531e-2f;
	small = small * z + 1.33314422036e-1f;
	small = small * z - 3.33332819422e-1f;
	small = small * z * x + x;
	large = 1.0f - 2.0f / (nn_vexpf(2.0f * ax) + 1.0f);
	large = x < 0 ? -large : large;
	return ax < 0.625f ? small : large;
}

#endif
