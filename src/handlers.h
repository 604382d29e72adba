/* handlers.h - the command handlers, one per command, grouped by the file
 * that implements them; the table in commands.c is the only caller. */
#ifndef NNSH_HANDLERS_H
#define NNSH_HANDLERS_H

#include "figure.h"
#include "shell.h"

/* cmd_model.c */
int cmd_model(sh_session *S, const sh_line *l);
int cmd_add(sh_session *S, const sh_line *l);
int cmd_summary(sh_session *S, const sh_line *l);
int cmd_penalty(sh_session *S, const sh_line *l);
int cmd_init(sh_session *S, const sh_line *l);
int cmd_loss(sh_session *S, const sh_line *l);
int cmd_optim(sh_session *S, const sh_line *l);

/* cmd_data.c */
int cmd_data(sh_session *S, const sh_line *l);
/* The help text of `data` (help_data.c). */
extern const char sh_help_data[];
extern const char sh_help_train[];
int cmd_info(sh_session *S, const sh_line *l);
int cmd_show_data(sh_session *S, const sh_line *l);

/* cmd_teach.c */
int cmd_set(sh_session *S, const sh_line *l);
int cmd_show(sh_session *S, const sh_line *l);
int cmd_eval(sh_session *S, const sh_line *l);
int cmd_grad(sh_session *S, const sh_line *l);
int cmd_step(sh_session *S, const sh_line *l);
int cmd_gradcheck(sh_session *S, const sh_line *l);

/* cmd_train.c */
int cmd_train(sh_session *S, const sh_line *l);
int cmd_evaluate(sh_session *S, const sh_line *l);
int cmd_schedule(sh_session *S, const sh_line *l);
int cmd_targets(sh_session *S, const sh_line *l);
int cmd_checkpoint(sh_session *S, const sh_line *l);

/* cmd_file.c */
int cmd_save(sh_session *S, const sh_line *l);
int cmd_load(sh_session *S, const sh_line *l);
int cmd_history(sh_session *S, const sh_line *l);
int cmd_plot(sh_session *S, const sh_line *l);

/* cmd_fetch.c */
int cmd_fetch(sh_session *S, const sh_line *l);

/* Open "path.tmp" for writing (*tmp receives its name, to free); NULL
 * after an error naming what and path. */
FILE *sh_open_atomic(sh_session *S, const char *what, const char *path,
                     char **tmp);
/* Flush f to disk and rename it over path; frees tmp. 0, or -1 after an
 * error naming what and path (the temporary file is removed). */
int sh_close_atomic(sh_session *S, const char *what, const char *path,
                    FILE *f, char *tmp);
/* 0 when out is NULL or names a picture format (.png .svg .pdf), else
 * -1 after an error naming what. */
int sh_check_figure(sh_session *S, const char *what, const char *out);
/* Write a chart of model sm's history (kind 0 loss, 1 accuracy, 2 the
 * learning rate; training and validation together) to out, whose
 * extension picks PNG, SVG or PDF. 0, or -1 after an error. */
int sh_plot_history(sh_session *S, sh_model *sm, int kind, const char *out);
/* Write canvas c (drawn in colour and Unicode), titled, to out as a
 * picture (PNG, SVG or PDF by out's extension); frees c. 0, or -1 after
 * an error naming what. */
struct cv_canvas;
int sh_figure_canvas(sh_session *S, const char *what, struct cv_canvas *c,
                     const char *title, const char *out);

/* Write a picture that draw makes (writing to f in format fmt; 0, or -1
 * with a reason in err) to out, atomically, and say so. 0, or -1 after
 * an error naming what. */
typedef int (*sh_drawer)(FILE *f, fg_format fmt, const void *ud, char *err,
                         size_t len);
int sh_write_figure(sh_session *S, const char *what, const char *out,
                    sh_drawer draw, const void *ud);

/* cmd_stats_time.c */
/* `history [MODEL] stats [layer=N] [export FILE.csv]`: the per-layer
 * statistics recorded at the history's points, as a table or (csv not
 * NULL) as CSV. 0, or -1 after an error. */
int sh_history_stats(sh_session *S, sh_model *sm, const sh_line *l,
                     const char *csv);
/* `view stats over=time [MODEL] [layer=N] [rows=N] [out=FILE]`: each
 * tensor's histograms stacked over the points, in the terminal or to a
 * picture file. 0, or -1 after an error. */
int sh_view_stats_time(sh_session *S, sh_model *sm, const sh_line *l,
                       const char *out);

/* cmd_inspect.c */
int cmd_confusion(sh_session *S, const sh_line *l);
int cmd_stats(sh_session *S, const sh_line *l);
int cmd_probs(sh_session *S, const sh_line *l);
int cmd_params(sh_session *S, const sh_line *l);
int cmd_predict(sh_session *S, const sh_line *l);

/* cmd_conv.c */
int cmd_filters(sh_session *S, const sh_line *l);

/* cmd_gan.c */
int cmd_gan(sh_session *S, const sh_line *l);
int cmd_sample(sh_session *S, const sh_line *l);
int cmd_judge(sh_session *S, const sh_line *l);
/* `data NAME = sample GEN n=N [seed=S] [noise=K]` (args: what follows
 * the verb). 0, or -1 with the session unchanged. */
int sh_sample_data(sh_session *S, const sh_line *l, const char *name,
                   const char *const *args, int nargs);

/* cmd_view.c */
int cmd_view(sh_session *S, const sh_line *l);
int cmd_monitor(sh_session *S, const sh_line *l);
/* Follow the JSON log of a run (nnsh --monitor FILE). */
int sh_monitor(sh_session *S, const char *path);

/* cmd_hopfield.c */
int cmd_store(sh_session *S, const sh_line *l);
int cmd_recall(sh_session *S, const sh_line *l);
int cmd_hopfield(sh_session *S, const sh_line *l);
/* `model NAME hopfield UNITS` (cmd_model hands it over). */
int sh_model_hopfield(sh_session *S, const char *name, const sh_line *l);
/* `data NAME = make patterns ...`, `flip DATA p=P` and `bipolar DATA
 * [size=S] [threshold=T]` (cmd_data hands them over; verb is "make",
 * "flip" or "bipolar", args the words after it). */
int sh_hopfield_data(sh_session *S, const sh_line *l, const char *name,
                     const char *verb, const char *const *args, int nargs);

/* cmd_seq.c */
/* The sequence task `make WORD` names (l's options tell parity's two
 * forms apart), or -1. */
int sh_seq_task(const char *word, const sh_line *l);
/* `data NAME = make TASK [n=] [len=] [vocab=] [seq2seq=1] [seed=]`
 * (cmd_data hands it over when sh_seq_task knows args[0]). */
int sh_seq_data(sh_session *S, const sh_line *l, const char *name,
                const char *const *args, int nargs);
/* One line about a dataset of token ids. */
void sh_seq_describe(sh_session *S, const char *name, const nn_dataset *d);
/* Its samples from..to-1, one line each: ids -> labels. */
void sh_seq_print(sh_session *S, const char *name, const nn_dataset *d,
                  size_t from, size_t to);
/* info DATA for a dataset of token ids. */
void sh_seq_info(sh_session *S, const char *name, const nn_dataset *d);
int cmd_translate(sh_session *S, const sh_line *l);

/* cmd_text.c */
/* `data NAME = load text FILE [len=] [step=]` (cmd_data hands it over;
 * args the words after load). */
int sh_text_data(sh_session *S, const sh_line *l, const char *name,
                 const char *const *args, int nargs);
/* As sm starts training on sd: a model without characters keeps sd's
 * (when sd is a text); one that keeps others gets a note. 0, or -1 out
 * of memory. */
int sh_keep_vocab(sh_session *S, sh_model *sm, const sh_data *sd);
int cmd_generate(sh_session *S, const sh_line *l);

/* cmd_session.c */
int cmd_help(sh_session *S, const sh_line *l);
int cmd_seed(sh_session *S, const sh_line *l);
int cmd_precision(sh_session *S, const sh_line *l);
int cmd_echo(sh_session *S, const sh_line *l);
int cmd_quit(sh_session *S, const sh_line *l);
int cmd_let(sh_session *S, const sh_line *l);
int cmd_ls(sh_session *S, const sh_line *l);
int cmd_use(sh_session *S, const sh_line *l);
int cmd_rm(sh_session *S, const sh_line *l);
int cmd_rename(sh_session *S, const sh_line *l);
int cmd_copy(sh_session *S, const sh_line *l);
int cmd_complete(sh_session *S, const sh_line *l);
int cmd_reset(sh_session *S, const sh_line *l);

/* script.c */
int cmd_source(sh_session *S, const sh_line *l);
int cmd_end(sh_session *S, const sh_line *l);

/* runs.c */
int cmd_runs(sh_session *S, const sh_line *l);

/* ranks.c */
int cmd_ranks(sh_session *S, const sh_line *l);

/* ---- graphs (cmd_graph.c) ----------------------------------------------- */

/* Node i's inputs as text ("in", names, or 1-based numbers). */
void sh_node_inputs(const nn_model *m, size_t i, char *buf, size_t len);
/* One line per loss term of m. */
void sh_print_penalties(sh_session *S, const nn_model *m);
/* `show MODEL graph`: the nodes as a tree from the output back. */
int sh_show_graph(sh_session *S, const sh_model *sm);

/* cmd_hessian.c */
int cmd_hessian(sh_session *S, const sh_line *l);
/* The largest eigenvalue of sm's loss Hessian on (the first 500 samples
 * of) d, named name, by at most 30 power-iteration steps, and psi =
 * lambda_max times its unit eigenvector (one value per parameter): where
 * lr=auto starts. 0, or -1 after an error. */
int sh_hessian_lmax(sh_session *S, sh_model *sm, const char *name,
                    const nn_dataset *d, double *lmax, double *psi);
/* lr=auto as training goes: one step of LeCun's running estimate psi on
 * the b samples of d from *pos on (wrapping; *pos moves past them);
 * *lmax = |psi|. 0, or -1 after an error. */
int sh_hessian_running(sh_session *S, sh_model *sm, const nn_dataset *d,
                       size_t *pos, size_t b, double *psi, double *lmax);

/* ---- Hinton's family trees (cmd_family.c) -------------------------------- */

int cmd_family(sh_session *S, const sh_line *l);
/* `data NAME = make family [hold=K] [seed=S]` (cmd_data hands it over;
 * nargs counts the words after make). */
int sh_family_data(sh_session *S, const sh_line *l, const char *name,
                   int nargs);
/* `show MODEL.LAYER.W family`: W (units x 24) as the two trees. */
int sh_show_family(sh_session *S, const char *name, const nn_param *W);

#endif
