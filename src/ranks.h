/* ranks.h - nnsh as one of several processes (ranks) started by Open MPI's
 * mpirun: every rank runs the same script; train is data-parallel; rank 0
 * alone prints and writes files; a failure anywhere stops every rank with
 * one message; `parallel for` blocks share their iterations out. ranks.c
 * holds what nnsh does with the ranks, the transport underneath is mpi.c
 * (Open MPI) or mpi_none.c (a build without MPI: always one rank). */
#ifndef NNSH_RANKS_H
#define NNSH_RANKS_H

#include "shell.h"

/* ---- what nnsh uses (ranks.c) ------------------------------------------- */

/* Join the other ranks when a launcher started several; the others' output
 * then goes nowhere, and ranks sharing a machine default to one thread
 * each (--threads, parsed later, overrides it). 0, or -1 after printing
 * one line (from rank 0) saying why nnsh cannot run as a rank. Call after
 * sh_signals_block, before any other thread starts. */
int sh_ranks_start(int *argc, char ***argv);

/* Leave: the ranks check that they all ended their scripts together (a
 * failure is reported by rank 0). Returns the exit status to use. */
int sh_ranks_finish(sh_session *S, int status);

/* This process's rank and the number of ranks (1 without mpirun). */
int sh_rank(void);
int sh_nranks(void);

/* Whether this process writes files and prints: rank 0, or any rank
 * inside a parallel block's iteration. */
int sh_rank_writes(void);

/* After each line of a script (rc its status): every rank compares its
 * line and status with the others'. Returns rc when every rank agrees,
 * else -1 with S->err holding the same message on every rank (the failed
 * rank's, "rank K: " before it when K is not 0). Once the ranks failed,
 * returns -1 at once. A single rank returns rc. */
int sh_ranks_agree(sh_session *S, int rc, const char *line);

/* The hook for nn_train_opts.ranks: NULL when this process trains alone.
 * A Ctrl-C at any rank stops every rank's run, and each sets S->stop as if
 * it had received it (so each reports the stop alike). */
const nn_ranks *sh_ranks_hook(sh_session *S);

/* A `parallel for` block of n iterations: iteration i runs on rank
 * i % size, alone, starting from a random state of its own (drawn from
 * the session's and i, so the same on any number of ranks). Rank 0
 * prints every iteration's output in order, every rank's runs table gets
 * every run, and the block stops at the first failing iteration as a
 * plain for would. run runs iteration i; returns 0, or -1 (reported). */
int sh_ranks_for(sh_session *S, size_t n,
                 int (*run)(sh_session *S, size_t i, void *ud), void *ud);

/* ---- the transport (mpi.c, or mpi_none.c without MPI) ------------------- */

/* Join the job when a launcher started this process as one of several;
 * else stay alone. 0, or -1 with a one-line message in err. */
int tp_init(int *argc, char ***argv, char *err, size_t len);
int tp_rank(void);
int tp_size(void);
/* Ranks on this machine, this one included. */
int tp_local(void);
/* "Open MPI 4.1.4", or NULL in a build without MPI. */
const char *tp_library(void);
/* Each rank's len bytes at mine, into all (size * len bytes, by rank). */
int tp_allgather(const void *mine, void *all, size_t len);
/* root's len bytes at buf to every rank. */
int tp_bcast(void *buf, size_t len, int root);
/* v[0..n) summed over the ranks, in place, the same on every rank. */
int tp_sum(float *v, size_t n);
int tp_sum_double(double *v, size_t n);
/* The last transport error, one line. */
const char *tp_error(void);
/* Leave the job: cleanly, or (abort set) taking the others down too. */
void tp_finish(int abort);

#endif
