/* bigmem.h - inside libnn: large buffers (a model's activations, a batch,
 * an optimizer's history) in transparent huge pages where the system has
 * them. A first touch of memory costs a page fault per page; on the
 * virtual machines nnsh is measured on one costs 11-14 us for 4 KiB and
 * about 0.15 ms for 2 MiB (40 times less a byte), so a run's first pass
 * over 10 MB of new buffers took 30 ms in 4 KiB pages. */
#ifndef NN_BIGMEM_H
#define NN_BIGMEM_H

#include <stddef.h>

/* At least `bytes` bytes aligned to 64, not zeroed (as malloc): from the
 * system in huge pages when bytes is large, else from malloc. NULL when
 * out of memory. Free with nn_big_free. */
void *nn_big_alloc(size_t bytes);

/* Free what nn_big_alloc gave (NULL: nothing). */
void nn_big_free(void *p);

#endif
