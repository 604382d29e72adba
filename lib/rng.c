/* rng.c - xoshiro256**, seeded through splitmix64: the same seed gives the
 * same numbers on every machine, so runs and tests are reproducible. */
#include <math.h>

#include "nn.h"

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void nn_rng_seed(nn_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

uint64_t nn_rng_next(nn_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

void nn_rng_fill32(nn_rng *r, uint32_t *out, size_t n)
{
	uint64_t s0 = r->s[0], s1 = r->s[1], s2 = r->s[2], s3 = r->s[3];

	for (size_t i = 0; i < n; i++) {
		uint64_t t = s1 << 17;

		out[i] = (uint32_t)((rotl(s1 * 5, 7) * 9) >> 32);
		s2 ^= s0;
		s3 ^= s1;
		s1 ^= s2;
		s0 ^= s3;
		s2 ^= t;
		s3 = rotl(s3, 45);
	}
	r->s[0] = s0;
	r->s[1] = s1;
	r->s[2] = s2;
	r->s[3] = s3;
}

double nn_rng_uniform(nn_rng *r)
{
	return (double)(nn_rng_next(r) >> 11) * 0x1.0p-53;
}

double nn_rng_normal(nn_rng *r)
{
	double u = 1.0 - nn_rng_uniform(r);   /* (0, 1] */
	double v = nn_rng_uniform(r);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

uint32_t nn_rng_below(nn_rng *r, uint32_t n)
{
	/* Lemire's multiply-shift; the bias is below 2^-32 for our sizes. */
	return (uint32_t)(((nn_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

void nn_rng_shuffle(nn_rng *r, size_t *idx, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = nn_rng_below(r, (uint32_t)i);
		size_t t = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}
