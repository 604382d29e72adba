/* blas.c - the one file that calls BLAS: oneDNN's sgemm for matrix
 * products (its AVX-512 kernels run whatever OPENBLAS_CORETYPE says),
 * OpenBLAS for matrix-vector products and as the fallback.
 *
 * Small products run on one thread: on two cores, waking a second thread
 * costs more than it saves below a few million multiply-adds (DESIGN.md
 * section 6). Larger ones are cut into bands for the worker threads
 * (workers.c), each a product on one thread: oneDNN's and OpenBLAS's own
 * threads would fight them. The bands depend on the product's shape, not
 * on the thread count: oneDNN rounds an element of C differently
 * depending on the shape of the band it is computed in, and the same
 * script must give the same numbers on one thread as on two. */
#include <cblas.h>
#include <pthread.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include "blas.h"
#include "nn.h"
#include "workers.h"

/* Products with at least this many multiply-adds are cut into two bands,
 * and one more band for each further BAND_MACS, up to NN_MAX_PARTS. */
#define THREAD_MIN_MACS (4.0 * 1024 * 1024)
#define BAND_MACS (16.0 * 1024 * 1024)

int nn_sgemm_bands(size_t M, size_t N, size_t K)
{
	double macs = (double)M * N * K, bands = macs / BAND_MACS;

	if (macs < THREAD_MIN_MACS || (M < 2 && N < 2))
		return 1;
	return bands < 2 ? 2 : bands > NN_MAX_PARTS ? NN_MAX_PARTS : (int)bands;
}

int nn_sgemm_by_rows(size_t M, size_t N, int bands)
{
	return M >= N || M >= (size_t)bands * 32;
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

/* C = alpha op(A) op(B) + beta C on the calling thread alone. oneDNN
 * takes its thread count from OpenMP, per thread: this thread's is set to
 * one on its first product. */
static void gemm1(int ta, int tb, size_t M, size_t N, size_t K, float alpha,
                  const float *A, size_t lda, const float *B, size_t ldb,
                  float beta, float *C, size_t ldc)
{
	static __thread int serial;

	if (!serial) {
		omp_set_num_threads(1);
		serial = 1;
	}
	if (dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', (dnnl_dim_t)M,
	               (dnnl_dim_t)N, (dnnl_dim_t)K, alpha, A,
	               (dnnl_dim_t)lda, B, (dnnl_dim_t)ldb, beta, C,
	               (dnnl_dim_t)ldc) == dnnl_success)
		return;
	/* oneDNN could not get its workspace: OpenBLAS needs none */
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
	            tb ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K,
	            alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

/* C = alpha op(A) op(B) + beta C on the calling thread alone, with
 * OpenBLAS's matrix-vector products for one row or column. */
static void product1(int ta, int tb, size_t M, size_t N, size_t K,
                     float alpha, const float *A, size_t lda,
                     const float *B, size_t ldb, float beta, float *C,
                     size_t ldc)
{
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
	gemm1(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* A product shared between the worker threads: each part computes a
 * band of C's rows or of its columns (nn_sgemm_by_rows). */
typedef struct gemm_job {
	int ta, tb;
	size_t M, N, K;
	float alpha, beta;
	const float *A, *B;
	size_t lda, ldb, ldc;
	float *C;
} gemm_job;

static void gemm_part(void *ud, int part, int parts)
{
	const gemm_job *j = ud;
	int rows = nn_sgemm_by_rows(j->M, j->N, parts);
	size_t total = rows ? j->M : j->N;
	size_t lo = total * (size_t)part / (size_t)parts;
	size_t hi = total * (size_t)(part + 1) / (size_t)parts;

	if (hi == lo)
		return;
	if (rows)
		product1(j->ta, j->tb, hi - lo, j->N, j->K, j->alpha,
		         j->A + lo * (j->ta ? 1 : j->lda), j->lda, j->B, j->ldb,
		         j->beta, j->C + lo * j->ldc, j->ldc);
	else
		product1(j->ta, j->tb, j->M, hi - lo, j->K, j->alpha, j->A,
		         j->lda, j->B + lo * (j->tb ? j->ldb : 1), j->ldb,
		         j->beta, j->C + lo, j->ldc);
}

void nn_sgemm(int ta, int tb, size_t M, size_t N, size_t K, float alpha,
              const float *A, size_t lda, const float *B, size_t ldb,
              float beta, float *C, size_t ldc)
{
	gemm_job j = { ta, tb, M, N, K, alpha, beta, A, B, lda, ldb, ldc,
	               C };
	int bands = nn_sgemm_bands(M, N, K);

	if (M == 0 || N == 0)
		return;
	nn_threads();
	if (bands > 1)
		nn_parallel(bands, gemm_part, &j);
	else
		product1(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C,
		         ldc);
}

void nn_sgemm_serial(int ta, int tb, size_t M, size_t N, size_t K,
                     float alpha, const float *A, size_t lda, const float *B,
                     size_t ldb, float beta, float *C, size_t ldc)
{
	if (M == 0 || N == 0)
		return;
	gemm1(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
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

/* ---- LAPACK (OpenBLAS carries it; Debian ships no lapacke.h with it) -- */

void dpotrf_(const char *uplo, const int *n, double *a, const int *lda,
             int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs,
             const double *a, const int *lda, double *b, const int *ldb,
             int *info);

int nn_cholesky_solve(double *a, double *b, size_t n)
{
	int nn = (int)n, one = 1, info = 0;

	if (n == 0)
		return 0;
	dpotrf_("L", &nn, a, &nn, &info);
	if (info != 0)
		return -1;
	dpotrs_("L", &nn, &one, a, &nn, b, &nn, &info);
	return info == 0 ? 0 : -1;
}

/* One product large enough for oneDNN's JIT kernels (smaller ones take
 * another path, which would leave the kernels to the first train). */
static void *warm_up(void *arg)
{
	enum { S = 64 };
	static float a[S * S], b[S * S], c[S * S];

	(void)arg;
	gemm1(0, 1, S, S, S, 1, a, S, b, S, 0, c, S);
	return NULL;
}

static pthread_t warm_thread;
static int warm_started;

void nn_warm_up(void)
{
	warm_started = pthread_create(&warm_thread, NULL, warm_up, NULL) == 0;
}

void nn_warm_wait(void)
{
	if (warm_started)
		pthread_join(warm_thread, NULL);
	warm_started = 0;
}
