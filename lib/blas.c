/* blas.c - the one file that calls BLAS (OpenBLAS's cblas_sgemm).
 *
 * Small products run on one thread: on two cores, waking a second thread
 * costs more than it saves below a few million multiply-adds (DESIGN.md
 * section 6). The threshold is measured by bench/gemm_threads.sh. */
#include <cblas.h>

#include "blas.h"
#include "nn.h"

/* Products with at least this many multiply-adds may use every thread. */
#define THREAD_MIN_MACS (4.0 * 1024 * 1024)

static int default_threads;     /* OpenBLAS's own count, read once */
static int max_threads;
static int cur_threads;

static void use_threads(int n)
{
	if (n != cur_threads) {
		openblas_set_num_threads(n);
		cur_threads = n;
	}
}

int nn_threads(void)
{
	if (default_threads == 0) {
		default_threads = openblas_get_num_threads();
		if (default_threads < 1)
			default_threads = 1;
		cur_threads = default_threads;
		max_threads = default_threads;
	}
	return max_threads;
}

void nn_set_threads(int n)
{
	nn_threads();
	max_threads = n > 0 ? n : default_threads;
}

/* C = alpha * a b^T + beta * C for an M x N matrix C: the product of an
 * M x 1 and a 1 x N matrix (a batch of one sample, for weight gradients),
 * where a general product would spend its time packing. Compiled for AVX2
 * and for any x86-64, the right one chosen when the program loads. */
NN_HOT static void outer(size_t M, size_t N, float alpha, const float *a,
                  size_t inca, const float *b, size_t incb, float beta,
                  float *C, size_t ldc)
{
	for (size_t i = 0; i < M; i++) {
		float ai = alpha * a[i * inca];
		float *restrict c = C + i * ldc;

		if (beta == 0 && incb == 1)
			for (size_t j = 0; j < N; j++)
				c[j] = ai * b[j];
		else if (beta == 0)
			for (size_t j = 0; j < N; j++)
				c[j] = ai * b[j * incb];
		else
			for (size_t j = 0; j < N; j++)
				c[j] = ai * b[j * incb] + beta * c[j];
	}
}

void nn_sgemm(int ta, int tb, size_t M, size_t N, size_t K, float alpha,
              const float *A, size_t lda, const float *B, size_t ldb,
              float beta, float *C, size_t ldc)
{
	double macs = (double)M * N * K;
	int threads = nn_threads();

	if (M == 0 || N == 0)
		return;
	use_threads(macs >= THREAD_MIN_MACS ? threads : 1);
	/* one sample at a time (online learning): matrix-vector products */
	if (K == 1) {
		outer(M, N, alpha, A, ta ? 1 : lda, B, tb ? ldb : 1, beta, C,
		      ldc);
		return;
	}
	if (beta == 0 && (M == 1 || N == 1))
		/* BLAS scales y by beta: NaN * 0 would survive in C */
		for (size_t i = 0; i < (M == 1 ? N : M); i++)
			C[M == 1 ? i : i * ldc] = 0;
	if (M == 1) {
		/* c = op(B)^T a, with a the single row of op(A) */
		cblas_sgemv(CblasRowMajor, tb ? CblasNoTrans : CblasTrans,
		            tb ? (int)N : (int)K, tb ? (int)K : (int)N, alpha,
		            B, (int)ldb, A, ta ? (int)lda : 1, beta, C, 1);
		return;
	}
	if (N == 1) {
		/* c = op(A) b, with b the single column of op(B) */
		cblas_sgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
		            ta ? (int)K : (int)M, ta ? (int)M : (int)K, alpha,
		            A, (int)lda, B, tb ? 1 : (int)ldb, beta, C,
		            (int)ldc);
		return;
	}
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
	            tb ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K,
	            alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

void nn_blas_serial(void)
{
	nn_threads();
	use_threads(1);
}

void nn_sgemm_serial(int ta, int tb, size_t M, size_t N, size_t K,
                     float alpha, const float *A, size_t lda, const float *B,
                     size_t ldb, float beta, float *C, size_t ldc)
{
	if (M == 0 || N == 0)
		return;
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
	            tb ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K,
	            alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

void nn_sgemm_naive(int ta, int tb, size_t M, size_t N, size_t K, float alpha,
                    const float *A, size_t lda, const float *B, size_t ldb,
                    float beta, float *C, size_t ldc)
{
	for (size_t i = 0; i < M; i++)
		for (size_t j = 0; j < N; j++) {
			double s = 0;

			for (size_t k = 0; k < K; k++) {
				double a = ta ? A[k * lda + i] : A[i * lda + k];
				double b = tb ? B[j * ldb + k] : B[k * ldb + j];

				s += a * b;
			}
			C[i * ldc + j] = (float)(alpha * s +
			        (beta == 0 ? 0 : beta * C[i * ldc + j]));
		}
}
