/* threads.c - how many threads nnsh computes on, and keeping the
 * libraries' own thread pools out of the way.
 *
 * nnsh spreads its work over its own worker threads (workers.c); OpenBLAS
 * and oneDNN always run on the thread that calls them (blas.c). The
 * default count is the one OpenBLAS would have used itself (its
 * OPENBLAS_NUM_THREADS, else the cores), read once, before OpenBLAS is
 * told to use one thread. Both blas.c and workers.c depend on this file,
 * and it on neither. */
#include <cblas.h>

#include "nn.h"

static int default_threads;     /* OpenBLAS's own count, read once */
static int max_threads;

int nn_threads(void)
{
	if (default_threads == 0) {
		default_threads = openblas_get_num_threads();
		if (default_threads < 1)
			default_threads = 1;
		max_threads = default_threads;
		/* OpenBLAS's threads would cut its products by their
		 * count: it runs on the calling thread only */
		openblas_set_num_threads(1);
	}
	return max_threads;
}

void nn_set_threads(int n)
{
	nn_threads();
	max_threads = n > 0 ? n : default_threads;
}
