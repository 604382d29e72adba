/* repl.c - the interactive prompt: GNU Readline through its callback
 * interface, so Ctrl-C at the prompt clears the line instead of killing
 * nnsh; a continuation prompt inside blocks; history kept across runs; tab
 * completion of commands, options, kinds and session names. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "complete.h"
#include "repl.h"
#include "script.h"
#include "signals.h"

static sh_session *session;     /* for completion */
static char *got;               /* the line the callback received */
static int done;                /* the callback ran (got NULL: end of input) */

static void on_line(char *line)
{
	got = line;
	done = 1;
	rl_callback_handler_remove();
}

/* Read one line at the prompt; NULL at end of input (Ctrl-D). */
static char *prompt_next(sh_reader *r, int depth)
{
	static char cont[64];
	const char *prompt = "nnsh> ";

	if (depth > 0) {
		snprintf(cont, sizeof cont, "%*s... ", 2 * (depth - 1), "");
		prompt = cont;
	} else {
		session->stop = 0;      /* a new command: no Ctrl-C pending */
	}
	done = 0;
	got = NULL;
	rl_callback_handler_install(prompt, on_line);
	while (!done) {
		int in = fileno(rl_instream), sig = sh_signal_fd();
		fd_set fds;

		FD_ZERO(&fds);
		FD_SET(in, &fds);
		if (sig >= 0)
			FD_SET(sig, &fds);
		if (select((in > sig ? in : sig) + 1, &fds, NULL, NULL,
		           NULL) < 0) {
			if (errno != EINTR)
				break;
			continue;
		}
		if (sig >= 0 && FD_ISSET(sig, &fds)) {
			sh_signal_drain();
			if (sh_signal_resized())
				rl_resize_terminal();
			if (sh_signal_fatal()) {
				/* SIGTERM or a closed terminal: leave */
				rl_callback_handler_remove();
				return NULL;
			}
			if (session->stop) {
				/* Ctrl-C: drop the line, a fresh prompt */
				session->stop = 0;
				rl_free_line_state();
				rl_replace_line("", 0);
				rl_crlf();
				if (depth > 0) {
					/* and abandon the open block */
					rl_callback_handler_remove();
					session->stop = 1;
					return NULL;
				}
				rl_on_new_line();
				rl_redisplay();
			}
			continue;
		}
		rl_callback_read_char();
	}
	if (!done)
		rl_callback_handler_remove();
	if (got && *got)
		add_history(got);
	if (!got && depth == 0)
		putchar('\n');
	r->line++;
	return got;
}

/* ---- completion --------------------------------------------------------- */

static char **cands;            /* this completion's words (complete.c) */

static char *next_cand(const char *text, int state)
{
	static size_t i;

	(void)text;
	if (!state)
		i = 0;
	return cands && cands[i] ? strdup(cands[i++]) : NULL;
}

static void free_cands(void)
{
	for (size_t i = 0; cands && cands[i]; i++)
		free(cands[i]);
	free(cands);
	cands = NULL;
}

/* Readline's completion: the words complete.c finds for this place, and
 * file names where they fit (readline's own, when no word does). */
static char **complete(const char *text, int start, int end)
{
	char **m;
	int files;

	(void)end;
	free_cands();
	cands = sh_complete(session, rl_line_buffer, (size_t)start, &files);
	rl_attempted_completion_over = !files;
	m = cands && cands[0] ? rl_completion_matches(text, next_cand) : NULL;
	free_cands();
	/* "name=" takes its value right after it, with no blank */
	if (m && m[0] && *m[0] && m[0][strlen(m[0]) - 1] == '=')
		rl_completion_suppress_append = 1;
	return m;
}

/* ---- the loop ----------------------------------------------------------- */

/* $XDG_STATE_HOME/nnsh/history, or ~/.local/state/nnsh/history. */
static char *history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[4096], *path;

	if (state && *state)
		snprintf(dir, sizeof dir, "%s/nnsh", state);
	else if (home)
		snprintf(dir, sizeof dir, "%s/.local/state/nnsh", home);
	else
		return NULL;
	/* make the directories one level at a time */
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	mkdir(dir, 0700);
	path = malloc(strlen(dir) + 16);
	if (path)
		sprintf(path, "%s/history", dir);
	return path;
}

void sh_repl(sh_session *S)
{
	char *hist = history_path();
	sh_reader r = { .next = prompt_next, .name = "-", .prompt = 1 };

	session = S;
	rl_readline_name = "nnsh";
	rl_catch_signals = 0;          /* signals.c takes them */
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;     /* leave LINES and COLUMNS to curses */
	rl_attempted_completion_function = complete;
	using_history();
	stifle_history(1000);
	if (hist)
		read_history(hist);
	printf("nnsh %s - type 'help' for commands, Ctrl-D to leave\n",
	       NN_VERSION);
	sh_run(S, &r, 0);
	if (hist) {
		write_history(hist);
		free(hist);
	}
}
