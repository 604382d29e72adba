/* blas.h - the BLAS seam: every matrix product in libnn goes through here. */
#ifndef NN_BLAS_H
#define NN_BLAS_H

#include <stddef.h>

#include "vmath.h"


/* C = alpha * op(A) op(B) + beta * C, row-major; op transposes when ta/tb.
 * op(A) is M x K, op(B) is K x N, C is M x N. Picks the thread count for
 * the size of the product (nn_sgemm_bands). */
void nn_sgemm(int ta, int tb, size_t M, size_t N, size_t K, float alpha,
              const float *A, size_t lda, const float *B, size_t ldb,
              float beta, float *C, size_t ldc);

/* How many bands nn_sgemm cuts a product of M x N x K multiply-adds into
 * for the worker threads: 1 for small products, 2 from 4M multiply-adds,
 * up to NN_MAX_PARTS for the largest. It depends on the shape alone, not
 * on the thread count, so that the rounding of C does not either: cut a
 * product of your own the same way. */
int nn_sgemm_bands(size_t M, size_t N, size_t K);
/* Whether nn_sgemm cuts an M x N result into bands of rows (else of
 * columns): rows when there are more rows than columns or enough rows for
 * every band. */
int nn_sgemm_by_rows(size_t M, size_t N, int bands);

/* nn_sgemm on the calling thread alone; several threads may call it at
 * once, inside nn_parallel's parts (which has called nn_threads(), so
 * OpenBLAS is already set to one thread). */
void nn_sgemm_serial(int ta, int tb, size_t M, size_t N, size_t K,
                     float alpha, const float *A, size_t lda, const float *B,
                     size_t ldb, float beta, float *C, size_t ldc);

/* The same product with plain loops in double precision: the reference
 * that tests compare nn_sgemm against. */
void nn_sgemm_naive(int ta, int tb, size_t M, size_t N, size_t K, float alpha,
                    const float *A, size_t lda, const float *B, size_t ldb,
                    float beta, float *C, size_t ldc);

/* Solve A x = b for a symmetric positive definite n x n A (double,
 * column-major; only its lower triangle is read) by LAPACK's Cholesky:
 * A is overwritten by its factor and b by x. -1 when A is not positive
 * definite. */
int nn_cholesky_solve(double *a, double *b, size_t n);

#endif
