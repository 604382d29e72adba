/* conv_kernels.c - what nnsh's direct convolution kernels (lib/convdirect.c)
 * cost on the homework's layers, in the same form as bench/onednn_conv.c:
 * the three convolutions of W5 and the two of W4, forward, data (dL/dx:
 * the gather, or the product and scatter that lib/conv2d.c picks when the
 * planes hold over 1.5 times the outputs) and weights, on one thread, the
 * best of 30 rounds of 13 samples, in seconds per 60,000-sample epoch.
 * The copies between samples and their planes are not counted (nor are
 * oneDNN's reorders in onednn_conv.c). From the top of the tree, after
 * ./setup:
 *   cc -O3 -Ilib bench/conv_kernels.c build/lib/libnn.a -o conv_kernels \
 *      -ldnnl -lopenblas -lgomp -lm
 *   ./conv_kernels */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas.h"
#include "convdirect.h"

enum { N = 13, ROUNDS = 30 };

/* A layer: C x H x W in, O filters of k x k, stride s, padding p; first
 * layers need no dL/dx. */
typedef struct layer {
	const char *name;
	int c, h, w, o, k, s, p, first;
} layer;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static float *filled(size_t n, int mod)
{
	float *v = malloc(n * sizeof *v);

	for (size_t i = 0; i < n; i++)
		v[i] = (float)(i % (size_t)mod) * 0.1f;
	return v;
}

static void run(const layer *L)
{
	int s = L->s, oh = (L->h + 2 * L->p - L->k) / s + 1;
	int ow = (L->w + 2 * L->p - L->k) / s + 1, e = 0;
	/* the planes' geometry, as conv_planes in lib/conv2d.c */
	size_t hq = (size_t)(oh + (L->k - 1) / s);
	size_t wq = (size_t)(ow + (L->k - 1) / s), plane = hq * wq;
	size_t size = (size_t)L->c * s * s * plane + wq + NN_DIRECT_STEP;
	size_t q = (size_t)oh * wq;
	size_t qr = (q + NN_DIRECT_STEP - 1) / NN_DIRECT_STEP * NN_DIRECT_STEP;
	size_t dmax = (size_t)((L->k - 1) / s) * wq + (size_t)((L->k - 1) / s);
	size_t R = dmax + plane + NN_DIRECT_STEP, O = (size_t)L->o;
	size_t kk = (size_t)L->k * L->k, K = (size_t)L->c * kk;
	int gather = 2 * plane <= 3 * (size_t)oh * (size_t)ow;
	int off[NN_DIRECT_MAXK], tap[NN_DIRECT_MAXK], d[NN_DIRECT_MAXK];
	int start[NN_DIRECT_MAXS * NN_DIRECT_MAXS + 1];
	float *buf = filled(N * size, 7), *W = filled(O * K, 5);
	float *t = filled(N * O * R, 3), *acc = malloc(O * K * 16 * 4);
	float *dp = calloc(size, sizeof *dp), *col = malloc(K * q * 4);
	double best[3] = { 1e30, 1e30, 1e30 }, scale = 60000.0 / N;

	for (int c = 0, k = 0; c < L->c; c++)
		for (int i = 0; i < L->k; i++)
			for (int j = 0; j < L->k; j++)
				off[k++] = (int)(((size_t)(c * s + i % s) * s +
				                  (size_t)(j % s)) * plane +
				                 (size_t)(i / s) * wq +
				                 (size_t)(j / s));
	for (int a = 0; a < s; a++)
		for (int b = 0; b < s; b++) {
			start[a * s + b] = e;
			for (int y = a; y < L->k; y += s)
				for (int x = b; x < L->k; x += s) {
					tap[e] = y * L->k + x;
					d[e++] = (int)((size_t)(y / s) * wq +
					               (size_t)(x / s));
				}
		}
	start[s * s] = e;
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now(), t1, t2, t3;

		for (size_t i = 0; i < N; i++)
			nn_direct_forward(W, O, K, buf + i * size, off, q,
			                  t + i * O * R, qr);
		t1 = now();
		nn_direct_weights(t + dmax, R, O * R, buf, size, off, O, K, q, N,
		                  acc, 1);
		t2 = now();
		for (size_t i = 0; i < N && !L->first; i++) {
			const float *ti = t + i * O * R + dmax;

			if (!gather) {
				nn_sgemm_serial(1, 0, K, q, O, 1, W, K, ti, R, 0,
				                col, q);
				memset(dp, 0, size * sizeof *dp);
				for (size_t k = 0; k < K; k++)
					for (size_t n = 0; n < q; n++)
						dp[off[k] + n] += col[k * q + n];
				continue;
			}
			for (int p = 0; p < s * s; p++)
				nn_direct_data(W, O, K, kk, (size_t)L->c,
				               tap + start[p], d + start[p],
				               (size_t)(start[p + 1] - start[p]), ti,
				               R, dp + (size_t)p * plane,
				               (size_t)s * s * plane, plane);
		}
		t3 = now();
		best[0] = t1 - t0 < best[0] ? t1 - t0 : best[0];
		best[1] = t3 - t2 < best[1] ? t3 - t2 : best[1];
		best[2] = t2 - t1 < best[2] ? t2 - t1 : best[2];
	}
	printf("%-30s %-16s %8.3f %8.3f %8.3f %8.3f\n", L->name,
	       L->first ? "-" : gather ? "gather" : "product+scatter",
	       best[0] * scale, best[1] * scale, best[2] * scale,
	       (best[0] + best[1] + best[2]) * scale);
	free(buf);
	free(W);
	free(t);
	free(acc);
	free(dp);
	free(col);
}

int main(void)
{
	static const layer layers[] = {
		{ "W5 conv 4 5x5 pad 2", 1, 28, 28, 4, 5, 1, 2, 1 },
		{ "W5 conv 8 5x5 stride 2 pad 2", 4, 28, 28, 8, 5, 2, 2, 0 },
		{ "W5 conv 12 4x4 stride 2 pad 1", 8, 14, 14, 12, 4, 2, 1, 0 },
		{ "W4 conv 10 5x5", 1, 28, 28, 10, 5, 1, 0, 1 },
		{ "W4 conv 20 5x5", 10, 12, 12, 20, 5, 1, 0, 0 },
	};

	printf("seconds per 60,000-sample epoch, one thread, best of %d "
	       "rounds of %d samples\n%-30s %-16s %8s %8s %8s %8s\n", ROUNDS,
	       N, "layer", "data by", "forward", "data", "weights", "all");
	for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++)
		run(&layers[i]);
	return 0;
}
