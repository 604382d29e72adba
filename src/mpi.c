/* mpi.c - the transport under ranks.c, with Open MPI: joining the job,
 * the three collectives nnsh uses (allgather of a small record, broadcast,
 * the sum of the gradient block) and leaving. Built when configure finds
 * Open MPI; mpi_none.c stands in otherwise. */
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ranks.h"

static int rank, size = 1, local = 1, joined;
static char error[MPI_MAX_ERROR_STRING + 64];

/* Whether a launcher started this process as one of a job. */
static const char *launcher_size(void)
{
	static const char *const vars[] = {
		"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", NULL,
	};

	for (int i = 0; vars[i]; i++)
		if (getenv(vars[i]))
			return getenv(vars[i]);
	return NULL;
}

static int failed(int rc, const char *what)
{
	char s[MPI_MAX_ERROR_STRING];
	int len = 0;

	if (rc == MPI_SUCCESS)
		return 0;
	if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS)
		snprintf(s, sizeof s, "error %d", rc);
	snprintf(error, sizeof error, "%s: %s", what, s);
	return -1;
}

int tp_init(int *argc, char ***argv, char *err, size_t len)
{
	const char *env = launcher_size();
	MPI_Comm node;

	if (!env)
		return 0;       /* not under mpirun: alone, without MPI */
	/* a rank waiting for the others gives its core away rather than
	 * spin on it: on a shared or busy machine a spinning rank slows the
	 * one it waits for (measured here: W1 on two ranks beside other
	 * work, 10.5 s an epoch spinning, 0.9 s yielding); the user's
	 * setting wins */
	setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
	if (MPI_Init(argc, argv) != MPI_SUCCESS) {
		snprintf(err, len, "MPI could not start (is this Open MPI's "
		         "mpirun?)");
		return -1;
	}
	joined = 1;
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (size == 1 && atoi(env) > 1) {
		snprintf(err, len, "started as one of %s processes, but MPI "
		         "sees this one alone: start nnsh with Open MPI's "
		         "mpirun", env);
		MPI_Finalize();
		return -1;
	}
	if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank,
	                        MPI_INFO_NULL, &node) == MPI_SUCCESS) {
		MPI_Comm_size(node, &local);
		MPI_Comm_free(&node);
	}
	return 0;
}

int tp_rank(void)
{
	return rank;
}

int tp_size(void)
{
	return size;
}

int tp_local(void)
{
	return local;
}

const char *tp_library(void)
{
#define STR2(x) #x
#define STR(x) STR2(x)
	return "Open MPI " STR(OMPI_MAJOR_VERSION) "." STR(OMPI_MINOR_VERSION)
	       "." STR(OMPI_RELEASE_VERSION);
}

int tp_allgather(const void *mine, void *all, size_t len)
{
	return failed(MPI_Allgather(mine, (int)len, MPI_BYTE, all, (int)len,
	                            MPI_BYTE, MPI_COMM_WORLD), "allgather");
}

int tp_bcast(void *buf, size_t len, int root)
{
	char *p = buf;

	while (len > 0) {
		int n = len > INT_MAX ? INT_MAX : (int)len;

		if (failed(MPI_Bcast(p, n, MPI_BYTE, root, MPI_COMM_WORLD),
		           "broadcast") < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* n values of type t, each of width bytes, at v: summed in place. */
static int sum(void *v, size_t n, MPI_Datatype t, size_t width)
{
	char *p = v;

	while (n > 0) {
		int k = n > INT_MAX ? INT_MAX : (int)n;

		if (failed(MPI_Allreduce(MPI_IN_PLACE, p, k, t, MPI_SUM,
		                         MPI_COMM_WORLD), "allreduce") < 0)
			return -1;
		p += (size_t)k * width;
		n -= (size_t)k;
	}
	return 0;
}

int tp_sum(float *v, size_t n)
{
	return sum(v, n, MPI_FLOAT, sizeof *v);
}

int tp_sum_double(double *v, size_t n)
{
	return sum(v, n, MPI_DOUBLE, sizeof *v);
}

const char *tp_error(void)
{
	return error;
}

void tp_finish(int abort)
{
	if (!joined)
		return;
	if (abort)
		MPI_Abort(MPI_COMM_WORLD, 1);
	MPI_Finalize();
	joined = 0;
}
