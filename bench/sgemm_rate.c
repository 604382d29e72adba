/* sgemm_rate.c - the machine's matrix-product rate, for bench/run's floor
 * column: the best GFLOP/s of oneDNN's sgemm (the library nnsh's products
 * use) on one thread and on two, over square products of 1024 and over
 * W1's own first-layer product (100 x 200 x 784). Prints one line:
 *   RATE threads1=G1 threads2=G2
 * where each G is the best of the shapes, in GFLOP/s (2 flops per
 * multiply-add). Built and run by bench/run:
 *   cc -O2 bench/sgemm_rate.c -o sgemm_rate -ldnnl -fopenmp */
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The best GFLOP/s of C (m x n) = A (m x k) B^T (n x k) over reps calls. */
static double rate(long m, long n, long k, int reps, const float *a,
                   const float *b, float *c)
{
	double best = 1e30;

	for (int r = 0; r < reps; r++) {
		double t = now();

		if (dnnl_sgemm('N', 'T', m, n, k, 1.0f, a, k, b, k, 0.0f, c,
		               n) != dnnl_success)
			return 0;
		t = now() - t;
		if (t < best)
			best = t;
	}
	return 2.0 * (double)m * (double)n * (double)k / best / 1e9;
}

int main(void)
{
	size_t len = 1024 * 1024;
	float *a = malloc(len * sizeof *a), *b = malloc(len * sizeof *b);
	float *c = malloc(len * sizeof *c);
	double g[2];

	if (!a || !b || !c) {
		fprintf(stderr, "sgemm_rate: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < len; i++) {
		a[i] = (float)(i % 7) * 0.1f;
		b[i] = (float)(i % 5) * 0.1f;
	}
	for (int t = 1; t <= 2; t++) {
		double big, small;

		omp_set_num_threads(t);
		big = rate(1024, 1024, 1024, 10, a, b, c);
		small = rate(100, 200, 784, 200, a, b, c);
		g[t - 1] = big > small ? big : small;
	}
	printf("RATE threads1=%.1f threads2=%.1f\n", g[0], g[1]);
	free(a);
	free(b);
	free(c);
	return g[0] > 0 && g[1] > 0 ? 0 : 1;
}
