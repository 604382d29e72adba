/* bigmem.c - large buffers in transparent huge pages (bigmem.h).
 *
 * A large buffer is its own mapping, aligned to 2 MiB and whole 2 MiB
 * pages long, marked MADV_HUGEPAGE: where transparent huge pages are on
 * ("madvise" or "always"), its first touch faults in one 2 MiB page at a
 * time rather than 512 pages of 4 KiB. Elsewhere the mark does nothing and
 * the buffer is an ordinary mapping. Small buffers come from malloc. A
 * header before each buffer says which it is. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "bigmem.h"

#define HUGE_PAGE ((size_t)2 << 20)
#define BIG_MIN ((size_t)1 << 20)      /* smaller ones: malloc */
#define HEAD 64                         /* the header, and the alignment */

typedef struct head {
	size_t len;             /* the mapping's length; 0: from malloc */
} head;

/* A mapping of len bytes (a multiple of HUGE_PAGE) aligned to HUGE_PAGE,
 * or NULL. */
static char *map_aligned(size_t len)
{
	char *base, *a;
	size_t lead;

	base = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
	            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	lead = (HUGE_PAGE - (uintptr_t)base % HUGE_PAGE) % HUGE_PAGE;
	a = base + lead;
	if (lead)
		munmap(base, lead);
	munmap(a + len, HUGE_PAGE - lead);
#ifdef MADV_HUGEPAGE
	madvise(a, len, MADV_HUGEPAGE);         /* a hint: ignore failure */
#endif
	return a;
}

void *nn_big_alloc(size_t bytes)
{
	void *v;
	head *h;

	if (bytes > SIZE_MAX / 2 - HUGE_PAGE)
		return NULL;
	if (bytes >= BIG_MIN) {
		size_t len = (bytes + HEAD + HUGE_PAGE - 1) / HUGE_PAGE *
		             HUGE_PAGE;
		char *a = map_aligned(len);

		if (a) {
			h = (head *)a;
			h->len = len;
			return a + HEAD;
		}
	}
	if (posix_memalign(&v, HEAD, bytes + HEAD) != 0)
		return NULL;
	h = v;
	h->len = 0;
	return (char *)v + HEAD;
}

void nn_big_free(void *p)
{
	head *h;

	if (!p)
		return;
	h = (head *)((char *)p - HEAD);
	if (h->len)
		munmap(h, h->len);
	else
		free(h);
}
