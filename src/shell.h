/* shell.h - what the parts of the nnsh program share: the session (named
 * models and datasets), parsed command lines, the command table, and the
 * helpers handlers use to read arguments and report errors. */
#ifndef NNSH_SHELL_H
#define NNSH_SHELL_H

#include <signal.h>
#include <stdio.h>

#include "nn.h"

/* ---- parsed command lines (lex.c) -------------------------------------- */

typedef enum sh_tok { SH_WORD, SH_STRING, SH_LIST, SH_EQUALS } sh_tok;

typedef struct sh_arg {
	sh_tok kind;
	char *key;              /* key of key=value, else NULL */
	char *text;             /* the word, string contents or [..] text */
} sh_arg;

typedef struct sh_line {
	sh_arg *v;
	int n, cap;
} sh_line;

/* Looks up $NAME while lexing; returns NULL for an unknown variable. */
typedef const char *(*sh_lookup)(void *ud, const char *name);

/* Split a line into arguments: words, "strings", [lists], key=value and
 * a lone `=`; `#` starts a comment. Returns 0, or -1 with a message in
 * err. An empty line gives n == 0. */
int sh_lex(const char *line, sh_line *out, sh_lookup lookup, void *ud,
           char *err, size_t errlen);
void sh_line_free(sh_line *l);

/* Parse a number in C syntax ("1e-3", "0x10" is not allowed). */
int sh_parse_double(const char *s, double *v);
/* Parse "[1 2 3]" or "[[1 2] [3 4]]" (commas optional) into a new tensor;
 * a plain number gives a 1-element vector. NULL with a message in err. */
nn_tensor *sh_parse_tensor(const char *text, char *err, size_t errlen);

/* ---- the session (session.c) ------------------------------------------- */

typedef struct sh_model {
	char *name;
	nn_model *m;
	nn_loss_kind loss;
	int loss_set;           /* chosen by the user, not defaulted */
	nn_reduction red;       /* `loss NAME reduction=sum|mean` */
	float deadzone;         /* `loss mse deadzone=D` (0: none) */
	nn_optim opt;
	int opt_set;
	nn_history hist;
	/* training settings and state (cmd_train.c) */
	nn_schedule sched;      /* `schedule` */
	float target_lo, target_hi;  /* `targets` (both 0: labels give 0/1) */
	nn_run run;             /* the last run, for `train DATA resume` */
	char *ckpt_path;        /* `checkpoint FILE every=N` (epochs) */
	long ckpt_every;
	char *best_path;        /* `checkpoint best FILE` */
	char *saved_path;       /* the last `save`, for a SIGTERM checkpoint */
	nn_hopfield *hop;       /* `model NAME hopfield UNITS`: the network
	                         * (m is then an empty model of that input) */
	struct sh_gan *gan;     /* its last GAN run as the generator, or
	                         * NULL (cmd_gan.c) */
	nn_vocab vocab;         /* the characters of the first text it was
	                         * trained on, for generate (cmd_text.c) */
	char disc_of[64];       /* as the discriminator of its last GAN run:
	                         * the generator's name ("" when none) */
	char disc_data[64];     /* ... and the real data's */
} sh_model;

/* A GAN run, kept on its generator's entry for `gan ... resume`,
 * `sample` and the panel (cmd_gan.c). */
typedef struct sh_gan {
	nn_gan run;
	char disc[64];          /* the discriminator's name */
	char data[64];          /* the real data's name */
	nn_shape shape;         /* a real sample's shape: samples take it */
} sh_gan;

typedef struct sh_data {
	char *name;
	nn_dataset *d;
} sh_data;

/* One training run, as the runs table shows it (runs.c). */
struct sh_run_rec {
	char *model, *arch, *optim, *data;
	size_t batch;
	long iters;
	int epochs;
	double loss, acc, val_loss, val_acc, seconds;
	long nan_iter;          /* the NaN guard stopped it there, or 0 */
	int stopped;            /* stopped by the user (resumable) */
};

typedef struct sh_session {
	sh_model **models;
	size_t nmodels;
	sh_model *cur;          /* the model commands apply to by default */
	sh_data **data;
	size_t ndata;
	nn_rng rng;
	unsigned long long seed;
	FILE *out;              /* where commands print */
	int interactive;        /* a person at a terminal */
	int timing;             /* print wall-clock times */
	int quit;               /* `quit` was given */
	int keep_going;         /* scripts go on after a failing command */
	int failures;           /* commands of scripts that failed */
	int no_panel;           /* --no-panel: train prints lines even at a
	                         * terminal */
	int source_depth;       /* files being sourced */
	struct sh_var { char *name, *value; } *vars;  /* `let` variables */
	size_t nvars;
	struct sh_run_rec *runs;         /* every training run, in order */
	size_t nruns;
	volatile sig_atomic_t stop;  /* Ctrl-C: stop the running command */
	char err[512];          /* the message of the failing command */
} sh_session;

sh_session *sh_session_new(FILE *out);
void sh_session_free(sh_session *S);
/* Seed the session's random numbers. */
void sh_session_seed(sh_session *S, unsigned long long seed);

/* Remove the model or dataset of that name (nothing if there is none). */
void sh_remove(sh_session *S, const char *name);
/* Remove every model, dataset, variable and run; keep the settings. */
void sh_session_clear(sh_session *S);
/* Forget sm's schedule, targets, checkpoints and last run (a model that
 * is replaced or freed). */
void sh_train_reset(sh_model *sm);
/* Forget every recorded run. */
void sh_runs_clear(sh_session *S);

sh_model *sh_find_model(sh_session *S, const char *name);
sh_data *sh_find_data(sh_session *S, const char *name);
/* Take ownership of m/d under name, replacing an object of that name.
 * Return the entry, or NULL (and m/d freed) when memory runs out. */
sh_model *sh_put_model(sh_session *S, const char *name, nn_model *m);
sh_data *sh_put_data(sh_session *S, const char *name, nn_dataset *d);

/* Variables: set (copying both strings), and look up for the lexer: the
 * session's variables first, then the environment; NULL when unknown. */
int sh_var_set(sh_session *S, const char *name, const char *value);
const char *sh_var_lookup(void *S, const char *name);
/* A valid name: a letter or _, then letters, digits and _ (and dots when
 * dots is set, as in dataset names such as digits.train). */
int sh_valid_name(const char *name, int dots);

/* Record a failure of the current command: returns -1. */
int sh_err(sh_session *S, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print to the session's output. */
void sh_printf(sh_session *S, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- commands (commands.c) --------------------------------------------- */

typedef int (*sh_handler)(sh_session *S, const sh_line *l);

typedef struct sh_cmd {
	const char *name;
	const char *topic;      /* groups commands in `help` */
	sh_handler fn;
	int min_args, max_args; /* positional arguments after the name */
	const char *options;    /* allowed keys, space-separated, or NULL */
	const char *usage;      /* "train DATA epochs=N ..." */
	const char *summary;    /* one line */
	const char *help;       /* details and an example */
} sh_cmd;

/* The table, terminated by an entry with a NULL name. */
extern const sh_cmd sh_commands[];
const sh_cmd *sh_find_command(const char *name, char *err, size_t errlen);
/* Whether key is in the space-separated list of options ("*": any). */
int sh_option_allowed(const char *list, const char *key);

/* Run one line (lexed with the session's variables). Returns 0, or -1 with
 * S->err set. */
int sh_exec_line(sh_session *S, const char *line);

/* Print doc/commands.md (generated from the table) to f. */
void sh_print_commands_md(FILE *f);
/* The same table as the COMMANDS section of the man page (roff), which
 * doc/nnsh.1 holds between its COMMANDS markers. */
void sh_print_commands_man(FILE *f);

/* ---- argument helpers (args.c) ----------------------------------------- */

/* The i-th positional argument (0 = first after the command), or NULL. */
const sh_arg *sh_pos(const sh_line *l, int i);
int sh_npos(const sh_line *l);
/* The value of key=..., or NULL when absent. */
const char *sh_opt(const sh_line *l, const char *key);
/* A bare word among the positional arguments (flags such as `restore`). */
int sh_flag(const sh_line *l, const char *word);
/* Numeric options with range checks; the default when absent. */
int sh_opt_double(sh_session *S, const sh_line *l, const char *key,
                  double def, double lo, double hi, double *v);
int sh_opt_long(sh_session *S, const sh_line *l, const char *key, long def,
                long lo, long hi, long *v);
int sh_parse_long(sh_session *S, const char *what, const char *text,
                  long lo, long hi, long *v);

/* The named model, or the current one when name is NULL. */
sh_model *sh_model_arg(sh_session *S, const char *name);
/* The named dataset, with an error naming it when it does not exist. */
sh_data *sh_data_arg(sh_session *S, const char *name);

/* ---- training settings (cmd_train.c) ----------------------------------- */


/* Save sm to path (with its training state when state is set); -1 with
 * S->err set on failure. */
int sh_save_model(sh_session *S, sh_model *sm, const char *path, int state);

/* ---- runs (runs.c) ------------------------------------------------------ */

/* Record the run that just trained sm on the dataset named data, whose
 * history points start at index first_point. */
int sh_record_run(sh_session *S, const sh_model *sm, const char *data,
                  size_t batch, size_t first_point);

/* ---- shared by several handlers ---------------------------------------- */

/* The loss a model trains with: its chosen one, or the default for its
 * output (crossentropy after softmax, nll after logsoftmax, else mse). */
nn_loss_kind sh_model_loss(const sh_model *sm);
/* The class threshold of sm's single output: the middle of the targets
 * it trains towards (`targets`), else 0.5. */
float sh_model_mid(const sh_model *sm);
/* Print a tensor: in full when small, else summarised. */
void sh_print_tensor(sh_session *S, const char *name, const float *v,
                     const nn_shape *shape);

/* ---- printing numbers alike (print.c) ----------------------------------- */

/* One format for a group of numbers (a tensor, a table column): whole
 * numbers, fixed decimals or scientific, right-aligned in one width.
 * Start from { 0 }, add every number to show, then format them. */
typedef struct sh_fmt {
	double maxabs, minnz;   /* largest and smallest non-zero finite |v| */
	int neg, nonint, nonfinite;
} sh_fmt;
void sh_fmt_add(sh_fmt *f, const float *v, size_t n);
/* The width every number takes. */
int sh_fmt_width(const sh_fmt *f);
/* Session-wide printed precision (`precision N`): n significant digits
 * for the smallest number of a group and for sh_num, or 0 for the
 * default formats. sh_precision gives the current setting. */
void sh_set_precision(int n);
int sh_precision(void);
/* v in the format, padded to the width; returns buf. */
const char *sh_fmt_str(const sh_fmt *f, double v, char *buf, size_t len);
/* Print count tensors of one shape in one format under their labels (no
 * shape shown): on one line each when they fit, else label then rows,
 * indented two more than the label's leading blanks. */
void sh_print_tensors(sh_session *S, int count, const char *const *labels,
                      const float *const *v, const nn_shape *shape);

/* ---- teaching (cmd_teach.c) --------------------------------------------- */

/* `data NAME = [[x..] ..] [targets=[..] | labels=[..]]`: a dataset typed
 * inline. Returns 0, or -1 with the session unchanged. */
int sh_inline_data(sh_session *S, const char *name, const sh_line *l);
/* How to draw pictures for the session's output: CV_UNICODE | CV_COLOR
 * for a person at a colour terminal, 0 (plain ASCII) under NO_COLOR,
 * TERM=dumb, or into a file or pipe. */
int sh_canvas_mode(sh_session *S);
/* The terminal's width from $COLUMNS, or 80. */
int sh_term_width(void);
/* Format a number for tables: 4 decimals (%.4g when very large or
 * small), and "-" for NaN. */
const char *sh_num(double v, char *buf, size_t len);

#endif
