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

void nn_sgemm(int ta, int tb, size_t M, size_t N, size_t K, float alpha,
              const float *A, size_t lda, const float *B, size_t ldb,
              float beta, float *C, size_t ldc)
{
	double macs = (double)M * N * K;
	int threads = nn_threads();

	if (M == 0 || N == 0)
		return;
	use_threads(macs >= THREAD_MIN_MACS ? threads : 1);
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
