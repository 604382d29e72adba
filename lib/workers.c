/* workers.c - a pool of threads started on first use and kept, woken for
 * each parallel loop (a few per layer and batch) through one condition
 * variable. The parts are even, so the caller, done with its own, polls
 * for the others (yielding the core) before it would sleep, and a worker
 * done with a loop watches for the next one a while before it sleeps:
 * being woken through the kernel costs tens of microseconds on these
 * virtual machines, a fifth of a W5 epoch when every loop paid it. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#include "blas.h"
#include "nn.h"
#include "workers.h"

/* Pauses a worker spends watching for the next loop before it sleeps
 * (about half a millisecond). */
#define SPIN 20000

/* A hint to the core that this thread is spinning. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static struct {
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	int workers;            /* threads started (parts 1 .. workers) */
	unsigned long job;      /* incremented for each loop */
	int busy;               /* workers still on the current job (atomic) */
	void (*fn)(void *ud, int part, int parts);
	void *ud;
	int parts;
} P = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
        PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0 };

/* Set while this thread runs a part: a loop started from inside one runs
 * there, alone, rather than wait for workers busy with the outer loop. */
static __thread int in_part;

static void *work(void *arg)
{
	int part = (int)(intptr_t)arg;
	unsigned long seen = 0;

	pthread_mutex_lock(&P.mu);
	for (;;) {
		void (*fn)(void *, int, int);
		void *ud;
		int parts;

		/* the next loop of a batch usually comes within tens of
		 * microseconds: watch for it a while before sleeping */
		pthread_mutex_unlock(&P.mu);
		for (int i = 0; i < SPIN &&
		     __atomic_load_n(&P.job, __ATOMIC_ACQUIRE) == seen; i++)
			cpu_relax();
		pthread_mutex_lock(&P.mu);
		while (P.job == seen)
			pthread_cond_wait(&P.go, &P.mu);
		seen = P.job;
		fn = P.fn;
		ud = P.ud;
		parts = P.parts;
		pthread_mutex_unlock(&P.mu);
		in_part = 1;
		if (part < parts)
			fn(ud, part, parts);
		in_part = 0;
		pthread_mutex_lock(&P.mu);
		if (__atomic_sub_fetch(&P.busy, 1, __ATOMIC_ACQ_REL) == 0)
			pthread_cond_signal(&P.done);
	}
	return NULL;
}

int nn_parallel_parts(void)
{
	int t = nn_threads();

	return t < 1 ? 1 : t > NN_MAX_PARTS ? NN_MAX_PARTS : t;
}

/* Start workers up to parts - 1; returns how many parts can run. */
static int start_workers(int parts)
{
	while (P.workers < parts - 1) {
		pthread_t th;
		pthread_attr_t at;
		int rc;

		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&th, &at, work,
		                    (void *)(intptr_t)(P.workers + 1));
		pthread_attr_destroy(&at);
		if (rc != 0)
			break;
		P.workers++;
	}
	return P.workers + 1 < parts ? P.workers + 1 : parts;
}

int nn_parallel(int want, void (*fn)(void *ud, int part, int parts),
                void *ud)
{
	int parts = want < nn_parallel_parts() ? want : nn_parallel_parts();

	nn_blas_serial();
	if (in_part)
		parts = 1;
	if (parts > 1) {
		pthread_mutex_lock(&P.mu);
		parts = start_workers(parts);
		pthread_mutex_unlock(&P.mu);
	}
	if (parts <= 1) {
		fn(ud, 0, 1);
		return 1;
	}
	pthread_mutex_lock(&P.mu);
	P.fn = fn;
	P.ud = ud;
	P.parts = parts;
	P.busy = P.workers;
	__atomic_add_fetch(&P.job, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&P.go);
	pthread_mutex_unlock(&P.mu);
	in_part = 1;
	fn(ud, 0, parts);
	in_part = 0;
	/* the parts are even, so the others are about done: spin, then
	 * poll yielding the core (another program may need it), rather
	 * than sleep and be woken */
	for (int i = 0; i < SPIN; i++) {
		if (__atomic_load_n(&P.busy, __ATOMIC_ACQUIRE) == 0)
			return parts;
		cpu_relax();
	}
	for (int i = 0; i < 4096; i++) {
		if (__atomic_load_n(&P.busy, __ATOMIC_ACQUIRE) == 0)
			return parts;
		sched_yield();
	}
	pthread_mutex_lock(&P.mu);
	while (P.busy > 0)
		pthread_cond_wait(&P.done, &P.mu);
	pthread_mutex_unlock(&P.mu);
	return parts;
}
