/* main.c - the nnsh program: options, then -e commands, scripts, standard
 * input or the interactive prompt. Interactive or batch is decided once
 * (isatty, with -i and --batch to override); batch mode stops at the first
 * failing command with status 1 unless --keep-going (which goes on, and
 * exits with 1 at the end if any command failed). */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handlers.h"
#include "ranks.h"
#include "repl.h"
#include "script.h"
#include "signals.h"
#include "workers.h"

static void usage(FILE *f)
{
	fprintf(f,
	"usage: nnsh [options] [SCRIPT...]\n"
	"A shell for building, training and looking at neural networks.\n\n"
	"  -e CMD          run CMD (may be repeated, runs before scripts)\n"
	"  -i              interactive prompt after the scripts\n"
	"  --batch         no prompt, stop at the first error (default when\n"
	"                  standard input is not a terminal)\n"
	"  --keep-going    in batch mode, go on after a failing command (the\n"
	"                  exit status is still 1)\n"
	"  --seed N        seed the random numbers (default 1)\n"
	"  --threads N     most threads to share products and layers between\n"
	"  --no-timing     leave wall-clock times out of the output\n"
	"  --no-panel      train prints a line per epoch even at a terminal\n"
	"  --monitor FILE  watch the run that train ... log=FILE writes\n"
	"  --commands-md   print the command reference (doc/commands.md)\n"
	"  --commands-man  print the man page's list of commands (roff)\n"
	"  --help          this text\n"
	"  --version       the version\n\n"
	"A SCRIPT of - reads standard input. Without scripts or -e, commands\n"
	"come from the prompt when standard input is a terminal, else from\n"
	"standard input. Type 'help' at the prompt.\n\n"
	"Report bugs at the nnsh issue tracker.\n");
}

typedef struct opts {
	int interactive;        /* 1: -i, 0: --batch, -1: decide */
	const char **exprs;
	int nexprs;
	const char **scripts;
	int nscripts;
	const char *monitor;    /* --monitor FILE */
} opts;

/* Reader over the -e commands. */
static char *expr_next(sh_reader *r, int depth)
{
	const opts *o = r->ud;

	(void)depth;
	if (r->line >= o->nexprs)
		return NULL;
	return strdup(o->exprs[r->line++]);
}

static int parse_args(int argc, char **argv, opts *o, sh_session *S)
{
	o->exprs = calloc((size_t)argc, sizeof *o->exprs);
	o->scripts = calloc((size_t)argc, sizeof *o->scripts);
	if (!o->exprs || !o->scripts) {
		fprintf(stderr, "nnsh: out of memory\n");
		return 2;
	}
	o->interactive = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long v;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(a, "--version") == 0) {
			if (tp_library())
				printf("nnsh %s (data-parallel over MPI: %s)\n",
				       NN_VERSION, tp_library());
			else
				printf("nnsh %s (built without MPI: one "
				       "process)\n", NN_VERSION);
			exit(0);
		} else if (strcmp(a, "--commands-md") == 0) {
			sh_print_commands_md(stdout);
			exit(0);
		} else if (strcmp(a, "--commands-man") == 0) {
			sh_print_commands_man(stdout);
			exit(0);
		} else if (strcmp(a, "-i") == 0) {
			o->interactive = 1;
		} else if (strcmp(a, "--batch") == 0) {
			o->interactive = 0;
		} else if (strcmp(a, "--keep-going") == 0) {
			S->keep_going = 1;
		} else if (strcmp(a, "--no-timing") == 0) {
			S->timing = 0;
		} else if (strcmp(a, "--no-panel") == 0) {
			S->no_panel = 1;
		} else if (strcmp(a, "--monitor") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "nnsh: %s needs a value\n", a);
				return 2;
			}
			o->monitor = argv[++i];
		} else if (strcmp(a, "-e") == 0 || strcmp(a, "--seed") == 0 ||
		           strcmp(a, "--threads") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "nnsh: %s needs a value\n", a);
				return 2;
			}
			if (strcmp(a, "-e") == 0) {
				o->exprs[o->nexprs++] = argv[++i];
				continue;
			}
			if (sh_parse_long(S, a, argv[++i], 0,
			                  a[2] == 's' ? 0x7fffffffL : 256,
			                  &v) < 0) {
				fprintf(stderr, "nnsh: %s\n", S->err);
				return 2;
			}
			if (a[2] == 's')
				sh_session_seed(S, (unsigned long long)v);
			else
				nn_set_threads((int)v);
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "nnsh: unknown option '%s' (try "
			        "--help)\n", a);
			return 2;
		} else {
			o->scripts[o->nscripts++] = a;
		}
	}
	return 0;
}

/* Under mpirun with several ranks: every rank must read the same lines,
 * and standard input reaches rank 0 only; a failing command stops every
 * rank, --keep-going or not. 0, or 2 after a message. */
static int check_ranks(sh_session *S, opts *o)
{
	int stdin_read = o->interactive == 1 || (!o->nscripts && !o->nexprs);

	for (int i = 0; i < o->nscripts; i++)
		stdin_read |= strcmp(o->scripts[i], "-") == 0;
	if (stdin_read) {
		sh_err(S, "under mpirun, give the script as a file (standard "
		       "input reaches rank 0 only)");
		fprintf(stderr, "nnsh: %s\n", S->err);
		return 2;
	}
	S->keep_going = 0;
	return 0;
}

/* Run the -e commands, then the scripts; 1 when one of them failed. */
static int run_batch(sh_session *S, opts *o)
{
	sh_reader r = { .next = expr_next, .name = "-e", .ud = o };

	if (o->nexprs && sh_run(S, &r, 0) < 0)
		return 1;
	for (int i = 0; i < o->nscripts && !S->quit; i++) {
		int stdin_script = strcmp(o->scripts[i], "-") == 0;
		FILE *f = stdin_script ? stdin : fopen(o->scripts[i], "r");
		int rc;

		if (!f) {
			sh_err(S, "%s: %s", o->scripts[i], strerror(errno));
			fprintf(stderr, "nnsh: %s\n", S->err);
			return 1;
		}
		sh_reader_file(&r, f, o->scripts[i]);
		rc = sh_run(S, &r, 0);
		if (!stdin_script)
			fclose(f);
		if (rc < 0)
			return 1;
	}
	return 0;
}

/* Keep freed memory for the next allocation instead of giving it back
 * to the system: oneDNN's products and a training step's scratch
 * allocate and free the same blocks at every call, and glibc's defaults
 * return them (whole blocks from 128 KB, a heap's top beyond twice
 * that), so each call faulted them in again, at 11-14 us a page here:
 * about 1,100 page faults in W1's 4 epochs on one thread and 2,000 on
 * two, 150 and 500 with these settings. Blocks of 64 MiB and more (a
 * whole MNIST as floats) still come from and go back to the system. */
static void keep_freed_memory(void)
{
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

int main(int argc, char **argv)
{
	sh_session *S;
	opts o = { 0 };
	int status, rc, prompt;

	keep_freed_memory();
	/* before any thread exists: see signals.c */
	sh_signals_block();
	if (sh_ranks_start(&argc, &argv) < 0)
		return 2;
	if (!(S = sh_session_new(stdout))) {
		fprintf(stderr, "nnsh: out of memory\n");
		return 2;
	}
	if ((rc = parse_args(argc, argv, &o, S)) == 0 && sh_nranks() > 1)
		rc = check_ranks(S, &o);
	if (rc != 0) {
		rc = sh_ranks_finish(S, rc);
		sh_session_free(S);
		free(o.exprs);
		free(o.scripts);
		return rc;
	}
	if (sh_signals_start(S) < 0)
		fprintf(stderr, "nnsh: no signal thread: Ctrl-C will not "
		        "stop training\n");
	nn_warm_up();
	nn_parallel_start();
	nn_set_interrupt((volatile int *)&S->stop);
	prompt = o.interactive == 1 ||
	         (o.interactive == -1 && !o.nscripts && !o.nexprs &&
	          isatty(STDIN_FILENO));
	S->interactive = 0;
	if (o.monitor) {
		if ((status = sh_monitor(S, o.monitor) < 0))
			fprintf(stderr, "nnsh: %s\n", S->err);
		nn_warm_wait();
		sh_session_free(S);
		free(o.exprs);
		free(o.scripts);
		return status;
	}
	status = run_batch(S, &o);
	if (status == 0 && !S->quit) {
		if (prompt) {
			S->interactive = 1;
			sh_repl(S);
		} else if (!o.nscripts && !o.nexprs) {
			sh_reader r;

			sh_reader_file(&r, stdin, "-");
			status = sh_run(S, &r, 0) < 0;
		}
	}
	if (status == 0 && S->failures)
		status = 1;     /* --keep-going went on past a failure */
	if (status != 0 && S->stop)
		status = 128 + SIGINT;  /* a script stopped by Ctrl-C */
	fflush(stdout);
	status = sh_ranks_finish(S, status);
	if (sh_signal_fatal())
		status = 128 + sh_signal_fatal();
	nn_warm_wait();
	sh_session_free(S);
	free(o.exprs);
	free(o.scripts);
	return status;
}
