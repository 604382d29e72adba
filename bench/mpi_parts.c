/* mpi_parts.c - what a data-parallel step sends, timed alone: the
 * MPI_Allreduce of a gradient block of P floats and the MPI_Allgather of
 * nnsh's 72-byte record, 1,000 times each, as nnsh calls them every step.
 * bench/mpi.sh builds it with mpicc and runs it on the ranks it times W1,
 * W2 and W5 on, for their P. Prints the minimum (the cost without other
 * work in the way) and the median, in microseconds.
 *   mpirun -np 2 mpi_parts P... */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define TIMES 1000

static int before(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Time TIMES calls of one collective (sum: the allreduce of n floats,
 * else the allgather of a record); print the minimum and the median. */
static void timed(const char *what, int sum, float *v, int n, double *t)
{
	char rec[72] = { 0 }, *all = malloc(72 * 64);
	int rank;

	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Barrier(MPI_COMM_WORLD);
	for (int i = 0; i < TIMES; i++) {
		double t0 = MPI_Wtime();

		if (sum)
			MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_FLOAT, MPI_SUM,
			              MPI_COMM_WORLD);
		else
			MPI_Allgather(rec, 72, MPI_BYTE, all, 72, MPI_BYTE,
			              MPI_COMM_WORLD);
		t[i] = MPI_Wtime() - t0;
	}
	qsort(t, TIMES, sizeof *t, before);
	if (rank == 0)
		printf("%-28s min %8.1f us  median %8.1f us\n", what,
		       t[0] * 1e6, t[TIMES / 2] * 1e6);
	free(all);
}

int main(int argc, char **argv)
{
	double *t = malloc(TIMES * sizeof *t);
	int size;

	MPI_Init(&argc, &argv);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (size > 64)
		MPI_Abort(MPI_COMM_WORLD, 1);
	timed("allgather of the record", 0, NULL, 0, t);
	for (int i = 1; i < argc; i++) {
		int n = atoi(argv[i]);
		float *v = calloc((size_t)n, sizeof *v);
		char what[64];

		snprintf(what, sizeof what, "allreduce of %d floats", n);
		timed(what, 1, v, n, t);
		free(v);
	}
	free(t);
	MPI_Finalize();
	return 0;
}
