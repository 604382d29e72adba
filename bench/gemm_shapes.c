/* gemm_shapes.c - oneDNN's sgemm against OpenBLAS's on one thread, on the
 * products the dense layers of W1, W2 and W6 make (bench/README.md):
 * forward z = x W^T, the weight gradient dW = dz^T x and the input
 * gradient dx = dz W, each as lib/dense.c calls it. Prints the best time
 * of each library in microseconds and OpenBLAS's over oneDNN's (below 1:
 * OpenBLAS is faster on that shape). Issue 18 asked whether the faster
 * library should be picked per shape.
 *   cc -O2 bench/gemm_shapes.c -o gemm_shapes -ldnnl -lopenblas -fopenmp
 *   OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 ./gemm_shapes */
#include <cblas.h>
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

/* One product C (m x n) = op(A) op(B), row-major, by oneDNN (lib 0) or
 * OpenBLAS (lib 1). */
static void product(int lib, int ta, int tb, long m, long n, long k,
                    const float *a, const float *b, float *c)
{
	long lda = ta ? m : k, ldb = tb ? k : n;

	if (lib == 0)
		dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a,
		           lda, b, ldb, 0.0f, c, n);
	else
		cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
		            tb ? CblasTrans : CblasNoTrans, (int)m, (int)n,
		            (int)k, 1.0f, a, (int)lda, b, (int)ldb, 0.0f, c,
		            (int)n);
}

/* The best time of a product in seconds, over runs of enough calls to
 * take about a millisecond each. */
static double best(int lib, int ta, int tb, long m, long n, long k,
                   const float *a, const float *b, float *c)
{
	double t1 = 1e30;
	int calls = 1;

	product(lib, ta, tb, m, n, k, a, b, c);
	while (calls < 1 << 20) {
		double t = now();

		for (int i = 0; i < calls; i++)
			product(lib, ta, tb, m, n, k, a, b, c);
		if (now() - t > 1e-3)
			break;
		calls *= 2;
	}
	for (int r = 0; r < 30; r++) {
		double t = now();

		for (int i = 0; i < calls; i++)
			product(lib, ta, tb, m, n, k, a, b, c);
		t = (now() - t) / calls;
		if (t < t1)
			t1 = t;
	}
	return t1;
}

int main(void)
{
	/* workload, batch, inputs, outputs, first layer (no dx) */
	static const struct { const char *w; long b, in, out; int first; }
	layers[] = {
		{ "W1", 100, 784, 200, 1 }, { "W1", 100, 200, 10, 0 },
		{ "W2", 32, 784, 256, 1 }, { "W2", 32, 256, 128, 0 },
		{ "W2", 32, 128, 64, 0 }, { "W2", 32, 64, 10, 0 },
		{ "W6", 1000, 784, 200, 1 }, { "W6", 1000, 200, 10, 0 },
	};
	size_t most = 1000 * 784 * 4;
	float *a = malloc(most * sizeof *a), *b = malloc(most * sizeof *b);
	float *c = malloc(most * sizeof *c);

	if (!a || !b || !c)
		return 1;
	for (size_t i = 0; i < most; i++) {
		a[i] = (float)(i % 17) * 0.01f - 0.08f;
		b[i] = (float)(i % 13) * 0.02f - 0.12f;
	}
	omp_set_num_threads(1);
	openblas_set_num_threads(1);
	printf("| workload | layer | product | m x n x k | oneDNN us | "
	       "OpenBLAS us | OpenBLAS / oneDNN |\n|---|---|---|---|---|---|"
	       "---|\n");
	for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++) {
		long nb = layers[l].b, ni = layers[l].in, no = layers[l].out;
		/* what, ta, tb, m, n, k */
		struct { const char *what; int ta, tb; long m, n, k; } p[3] = {
			{ "forward", 0, 1, nb, no, ni },
			{ "weights", 1, 0, no, ni, nb },
			{ "input", 0, 0, nb, ni, no },
		};

		for (int i = 0; i < (layers[l].first ? 2 : 3); i++) {
			double d = best(0, p[i].ta, p[i].tb, p[i].m, p[i].n,
			                p[i].k, a, b, c);
			double o = best(1, p[i].ta, p[i].tb, p[i].m, p[i].n,
			                p[i].k, a, b, c);

			printf("| %s | %ld-%ld | %s | %ld x %ld x %ld | %.1f | "
			       "%.1f | %.2f |\n", layers[l].w, ni, no, p[i].what,
			       p[i].m, p[i].n, p[i].k, d * 1e6, o * 1e6, o / d);
		}
	}
	free(a);
	free(b);
	free(c);
	return 0;
}
