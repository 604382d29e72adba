/* mpi_none.c - the transport of a build without MPI: always one rank. A
 * launcher that starts several copies gets one line saying so, rather
 * than N processes writing the same files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ranks.h"

int tp_init(int *argc, char ***argv, char *err, size_t len)
{
	const char *n = getenv("OMPI_COMM_WORLD_SIZE");

	(void)argc;
	(void)argv;
	if (!n)
		n = getenv("PMI_SIZE");
	if (n && atoi(n) > 1) {
		snprintf(err, len, "started as one of %s processes, but this "
		         "nnsh was built without MPI (install libopenmpi-dev "
		         "and build again: ./setup does both)", n);
		return -1;
	}
	return 0;
}

int tp_rank(void)
{
	return 0;
}

int tp_size(void)
{
	return 1;
}

int tp_local(void)
{
	return 1;
}

const char *tp_library(void)
{
	return NULL;
}

int tp_allgather(const void *mine, void *all, size_t len)
{
	memcpy(all, mine, len);
	return 0;
}

int tp_bcast(void *buf, size_t len, int root)
{
	(void)buf;
	(void)len;
	(void)root;
	return 0;
}

int tp_sum(float *v, size_t n)
{
	(void)v;
	(void)n;
	return 0;
}

int tp_sum_double(double *v, size_t n)
{
	(void)v;
	(void)n;
	return 0;
}

const char *tp_error(void)
{
	return "no MPI in this build";
}

void tp_finish(int abort)
{
	(void)abort;
}
