/* workers.h - a small pool of threads for the layers' own parallel loops
 * (lowering, products of a chunk of samples), so that both cores work
 * where BLAS alone would use one. */
#ifndef NN_WORKERS_H
#define NN_WORKERS_H

#define NN_MAX_PARTS 8

/* Passes over at least this many values (activations, pooling) are worth
 * sharing between the threads; smaller ones are done before a worker
 * would have woken. */
#define NN_PARALLEL_MIN_VALUES (64 * 1024)

/* Most parts nn_parallel splits work into: nn_threads(), at most
 * NN_MAX_PARTS. */
int nn_parallel_parts(void);

/* Call fn(ud, part, parts) for part = 0 .. parts-1, at the same time on
 * `parts` threads (the caller runs part 0), and return parts when all are
 * done. parts is min(want, nn_parallel_parts()), or 1 (fn runs on the
 * caller alone) when threads cannot be had, or when called from inside
 * another loop's fn. Products inside fn must use nn_sgemm_serial. */
int nn_parallel(int want, void (*fn)(void *ud, int part, int parts),
                void *ud);

#endif
