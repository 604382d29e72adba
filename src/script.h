/* script.h - running lines from readers: files, the prompt, block bodies. */
#ifndef NNSH_SCRIPT_H
#define NNSH_SCRIPT_H

#include "shell.h"

/* Where lines come from. next returns a malloc'd line without its newline,
 * or NULL at the end; depth > 0 means a block is open (the prompt shows a
 * continuation). line is the number of the line last returned. */
typedef struct sh_reader {
	char *(*next)(struct sh_reader *r, int depth);
	const char *name;       /* file name, "-" for standard input */
	long line;
	long err_line;          /* where to report a failure, if not line */
	int prompt;             /* a person types the lines */
	void *ud;
} sh_reader;

/* A reader over an open file. */
void sh_reader_file(sh_reader *r, FILE *f, const char *name);

/* Run every line of r. A failure is reported (FILE:LINE: message in
 * scripts, "error: message" at the prompt); scripts and blocks stop at the
 * first one (unless --keep-going at the top level) and return -1. */
int sh_run(sh_session *S, sh_reader *r, int depth);

/* Whether the line opens a block (for, parallel for, repeat). */
int sh_opens_block(const char *text);

/* Where failures are reported: f, or standard error when NULL (a parallel
 * block's iteration keeps its own). */
void sh_report_to(FILE *f);

#endif
