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

#include "render_views.h"
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

static const char *const *cands;        /* a NULL-terminated word list */
static char **names;                    /* session names, for this call */
static size_t nnames;

static char *from_list(const char *text, int state)
{
	static size_t i, j;
	size_t len = strlen(text);

	if (!state)
		i = j = 0;
	while (cands && cands[i]) {
		const char *w = cands[i++];

		if (strncmp(w, text, len) == 0)
			return strdup(w);
	}
	while (j < nnames) {
		const char *w = names[j++];

		if (strncmp(w, text, len) == 0)
			return strdup(w);
	}
	return NULL;
}

static char *command_names(const char *text, int state)
{
	static const sh_cmd *c;
	size_t len = strlen(text);

	if (!state)
		c = sh_commands;
	while (c->name) {
		const char *w = (c++)->name;

		if (strncmp(w, text, len) == 0)
			return strdup(w);
	}
	return NULL;
}

static void add_name(const char *n)
{
	char **v = realloc(names, (nnames + 1) * sizeof *v);

	if (v) {
		names = v;
		names[nnames++] = (char *)n;
	}
}

/* Names of the session's models, datasets and parameters ("net.2.W"),
 * plus the option keys in opts (as "key="). */
static void collect_names(const char *opts)
{
	static char keys[16][32], params[256][40];
	int nk = 0, np = 0;

	nnames = 0;
	for (size_t i = 0; i < session->nmodels; i++) {
		sh_model *sm = session->models[i];

		add_name(sm->name);
		for (size_t k = 0; k < nn_model_layers(sm->m); k++)
			for (int j = 0; j < nn_model_layer_nparams(sm->m, k) &&
			     np < 256; j++) {
				nn_param p;

				nn_model_param(sm->m, k, j, &p);
				snprintf(params[np], sizeof params[np], "%s.%zu.%s",
				         sm->name, k + 1, p.name);
				add_name(params[np++]);
			}
	}
	for (size_t i = 0; i < session->ndata; i++)
		add_name(session->data[i]->name);
	for (const char *p = opts && strcmp(opts, "*") ? opts : "";
	     *p && nk < 16;) {
		size_t n = strcspn(p, " ");

		snprintf(keys[nk], sizeof keys[nk], "%.*s=", (int)n, p);
		add_name(keys[nk++]);
		p += n + (p[n] == ' ');
	}
}

static const char *const activations[] = {
	"linear", "step", "sigmoid", "tanh", "lecun", "relu", "leaky",
	"softmax", "logsoftmax", "nobias", NULL,
};
static const char *const losses[] = {
	"mse", "crossentropy", "naive", "bce", "nll", NULL,
};
static const char *const optims[] = {
	"sgd", "adam", "rmsprop", "adagrad", "nesterov", NULL,
};
static const char *const inits[] = {
	"zeros", "constant", "normal", "uniform", "xavier", "xavier_normal",
	"he", "lecun", "maxfan", NULL,
};
static const char *const sources[] = {
	"load", "mnist", "fashion-mnist", "idx", "make", NULL,
};

/* The options of add KIND (the kind's, from its table, and add's own),
 * KIND read from the line at n. */
static const char *add_options(int n)
{
	static char opts[256];
	char cmd[32], kind[32] = "";
	size_t used;

	sscanf(rl_line_buffer + n, "%31s %31s", cmd, kind);
	used = (size_t)snprintf(opts, sizeof opts, "alpha name from tie");
	for (const char *const *k = nn_layer_kind_keys(kind);
	     *k && used < sizeof opts; k++)
		used += (size_t)snprintf(opts + used, sizeof opts - used,
		                         " %s", *k);
	return opts;
}

/* loss, accuracy and the views, for `view`. */
static const char *const *view_names(void)
{
	static const char *names[VW_COUNT + 3] = { "loss", "accuracy" };

	for (int k = 0; k <= VW_COUNT; k++)
		names[2 + k] = vw_names()[k];
	return names;
}

static char **complete(const char *text, int start, int end)
{
	char word[32] = "";
	const sh_cmd *c;
	char err[256];
	int n = 0;

	(void)end;
	rl_attempted_completion_over = 1;
	while (rl_line_buffer[n] == ' ')
		n++;
	if (start <= n)
		return rl_completion_matches(text, command_names);
	sscanf(rl_line_buffer + n, "%31s", word);
	c = sh_find_command(word, err, sizeof err);
	cands = NULL;
	if (c && strcmp(c->name, "add") == 0)
		cands = start <= n + (int)strlen(word) + 1 ? nn_layer_kind_names()
		                                           : activations;
	else if (c && strcmp(c->name, "loss") == 0)
		cands = losses;
	else if (c && strcmp(c->name, "optim") == 0)
		cands = optims;
	else if (c && strcmp(c->name, "init") == 0)
		cands = inits;
	else if (c && strcmp(c->name, "data") == 0)
		cands = sources;
	else if (c && strcmp(c->name, "view") == 0)
		cands = view_names();
	else if (c && (strcmp(c->name, "help") == 0))
		return rl_completion_matches(text, command_names);
	if (c && (strcmp(c->name, "source") == 0 ||
	          strchr(text, '/') || (c->name[0] == 'd' && start > n + 12))) {
		rl_attempted_completion_over = 0;   /* file names */
		return NULL;
	}
	collect_names(c && strcmp(c->name, "add") == 0 ? add_options(n)
	                                              : c ? c->options : NULL);
	return rl_completion_matches(text, from_list);
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
	free(names);
}
