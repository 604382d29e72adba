/* main.c - the nnsh program: options, then scripts, -e commands, standard
 * input or the interactive prompt. Interactive or batch is decided once
 * (isatty, with -i and --batch to override); batch mode stops at the first
 * failing command with status 1 unless --keep-going. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "shell.h"

static sh_session *session;

static void on_sigint(int sig)
{
	(void)sig;
	if (session)
		session->stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
	"usage: nnsh [options] [SCRIPT...]\n"
	"A shell for building, training and looking at neural networks.\n\n"
	"  -e CMD          run CMD (may be repeated, runs before scripts)\n"
	"  -i              interactive prompt after the scripts\n"
	"  --batch         no prompt, stop at the first error (default when\n"
	"                  standard input is not a terminal)\n"
	"  --keep-going    in batch mode, go on after a failing command\n"
	"  --seed N        seed the random numbers (default 1)\n"
	"  --threads N     most BLAS threads a matrix product may use\n"
	"  --no-timing     leave wall-clock times out of the output\n"
	"  --commands-md   print the command reference (doc/commands.md)\n"
	"  --help          this text\n"
	"  --version       the version\n\n"
	"Without scripts, commands are read from standard input, or from the\n"
	"prompt when it is a terminal. Type 'help' at the prompt.\n");
}

typedef struct opts {
	int interactive;        /* -1: decide by isatty */
	int keep_going;
	const char **exprs;
	int nexprs;
	const char **scripts;
	int nscripts;
} opts;

/* Run one command; report a failure as FILE:LINE in batch mode. Returns 0,
 * or 1 when the run must stop. */
static int run_line(sh_session *S, const opts *o, const char *where,
                    long line, const char *text)
{
	if (sh_exec_line(S, text) == 0)
		return 0;
	fflush(S->out);
	if (S->interactive)
		fprintf(stderr, "error: %s\n", S->err);
	else if (line > 0)
		fprintf(stderr, "nnsh:%s:%ld: %s\n", where, line, S->err);
	else
		fprintf(stderr, "nnsh:%s: %s\n", where, S->err);
	return !S->interactive && !o->keep_going;
}

/* Run every line of f. Returns 0, or 1 when a failure stops the run. */
static int run_file(sh_session *S, const opts *o, FILE *f, const char *name)
{
	char *buf = NULL;
	size_t cap = 0;
	long line = 0;
	int failed = 0;

	while (!S->quit && getline(&buf, &cap, f) >= 0) {
		line++;
		buf[strcspn(buf, "\r\n")] = '\0';
		if (run_line(S, o, name, line, buf)) {
			failed = 1;
			break;
		}
	}
	free(buf);
	return failed;
}

static char *history_path(void)
{
	const char *home = getenv("HOME");
	char *p;

	if (!home)
		return NULL;
	p = malloc(strlen(home) + 32);
	if (p)
		sprintf(p, "%s/.nnsh_history", home);
	return p;
}

static void repl(sh_session *S, const opts *o)
{
	char *hist = history_path();

	using_history();
	if (hist)
		read_history(hist);
	printf("nnsh %s - type 'help' for commands, Ctrl-D to leave\n",
	       NN_VERSION);
	while (!S->quit) {
		char *line = readline("nnsh> ");

		if (!line) {
			putchar('\n');
			break;
		}
		if (*line)
			add_history(line);
		S->stop = 0;
		run_line(S, o, "-", 0, line);
		free(line);
	}
	if (hist) {
		write_history(hist);
		history_truncate_file(hist, 1000);
		free(hist);
	}
}

static int parse_args(int argc, char **argv, opts *o, sh_session *S)
{
	static const char **exprs, **scripts;

	exprs = calloc((size_t)argc, sizeof *exprs);
	scripts = calloc((size_t)argc, sizeof *scripts);
	if (!exprs || !scripts) {
		fprintf(stderr, "nnsh: out of memory\n");
		return 2;
	}
	o->exprs = exprs;
	o->scripts = scripts;
	o->interactive = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long v;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(a, "--version") == 0) {
			printf("nnsh %s\n", NN_VERSION);
			exit(0);
		} else if (strcmp(a, "--commands-md") == 0) {
			sh_print_commands_md(stdout);
			exit(0);
		} else if (strcmp(a, "-i") == 0) {
			o->interactive = 1;
		} else if (strcmp(a, "--batch") == 0) {
			o->interactive = 0;
		} else if (strcmp(a, "--keep-going") == 0) {
			o->keep_going = 1;
		} else if (strcmp(a, "--no-timing") == 0) {
			S->timing = 0;
		} else if ((strcmp(a, "-e") == 0 || strcmp(a, "--seed") == 0 ||
		            strcmp(a, "--threads") == 0)) {
			if (i + 1 >= argc) {
				fprintf(stderr, "nnsh: %s needs a value\n", a);
				return 2;
			}
			if (strcmp(a, "-e") == 0) {
				exprs[o->nexprs++] = argv[++i];
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
			scripts[o->nscripts++] = a;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	sh_session *S = sh_session_new(stdout);
	opts o = { 0 };
	struct sigaction sa;
	int status = 0, rc;

	if (!S) {
		fprintf(stderr, "nnsh: out of memory\n");
		return 2;
	}
	session = S;
	if ((rc = parse_args(argc, argv, &o, S)) != 0)
		return rc;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	/* the prompt only when asked, or for a person with no scripts */
	S->interactive = o.interactive == 1 ||
	                 (o.interactive == -1 && o.nscripts == 0 &&
	                  o.nexprs == 0 && isatty(STDIN_FILENO));
	for (int i = 0; i < o.nexprs && !status && !S->quit; i++)
		status = run_line(S, &o, "-e", 0, o.exprs[i]);
	for (int i = 0; i < o.nscripts && !status && !S->quit; i++) {
		FILE *f = strcmp(o.scripts[i], "-") == 0
		          ? stdin : fopen(o.scripts[i], "r");

		if (!f) {
			fprintf(stderr, "nnsh: %s: %s\n", o.scripts[i],
			        strerror(errno));
			status = 1;
			break;
		}
		S->interactive = 0;
		status = run_file(S, &o, f, o.scripts[i]);
		if (f != stdin)
			fclose(f);
	}
	if (!status && !S->quit) {
		if (o.interactive == 1 ||
		    (o.interactive == -1 && o.nscripts == 0 && o.nexprs == 0 &&
		     isatty(STDIN_FILENO))) {
			S->interactive = 1;
			repl(S, &o);
		} else if (o.nscripts == 0 && o.nexprs == 0) {
			status = run_file(S, &o, stdin, "-");
		}
	}
	fflush(stdout);
	sh_session_free(S);
	free(o.exprs);
	free(o.scripts);
	return status;
}
