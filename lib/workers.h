/* workers.h - a small pool of threads for the layers' own parallel loops
 * (lowering, products of a chunk of samples), so that both cores work
 * where BLAS alone would use one. */
#ifndef NN_WORKERS_H
#define NN_WORKERS_H

/* Most threads, and most parts of one loop. */
#define NN_MAX_PARTS 8

/* Passes over at least this many values (activations, pooling) are worth
 * sharing between the threads; smaller ones are done before a worker
 * would have woken. */
#define NN_PARALLEL_MIN_VALUES (64 * 1024)

/* Threads a loop may use: nn_threads(), at most NN_MAX_PARTS. */
int nn_parallel_parts(void);

/* Take the first look at how busy the cores are (see nn_parallel), so
 * that the first loops are shared or not by what other programs did
 * since the start. Called by the thread that starts loops. */
void nn_parallel_start(void);

/* A training run begins (on 1) or ends (on 0): in between, the pool
 * compares whole steps run with every loop alone and run as nn_parallel
 * chooses, and runs the faster way (trying the other now and then), so
 * that two threads never cost more than one where sharing a step's loops
 * would. Called by the thread that starts loops. */
void nn_parallel_steps(int on);

/* One training step took `seconds` (its loops and all else it did). */
void nn_parallel_step_took(double seconds);

/* Call fn(ud, part, parts) once for each part = 0 .. parts-1 and return
 * parts, which is min(want, NN_MAX_PARTS) whatever the thread count, so
 * that a loop cuts its work the same way on one thread as on eight. The
 * caller and the workers take the parts in turn, in no fixed order, the
 * caller taking every part no worker has begun: a worker that is late or
 * preempted delays the loop by at most the part it is running. fn must
 * give the same result whichever thread runs a part (a reduction over
 * parts adds their results in part order after the loop). Called from
 * inside a part, every part runs there, in order. Products inside fn
 * must use nn_sgemm_serial. One thread at a time may start loops. */
int nn_parallel(int want, void (*fn)(void *ud, int part, int parts),
                void *ud);

/* Which thread runs the calling part: 0 for the thread that started the
 * loop, 1 .. NN_MAX_PARTS - 1 for the workers; for workspaces that a part
 * uses only while it runs. */
int nn_parallel_slot(void);

#endif
