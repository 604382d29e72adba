/* live.h - what watches a training run: the live panel when nnsh is at a
 * terminal (else `train` prints its lines), and the JSON log of log=FILE.
 * cmd_train opens it once before nn_train and forwards every batch to
 * it; between batches the panel redraws (at most about ten times a
 * second, and less when drawing would cost more than a small share of
 * the run), computes its view at evaluation points, and applies keys and
 * ':' commands: pause, single steps, stop, learning rate and momentum,
 * the view. */
#ifndef NNSH_LIVE_H
#define NNSH_LIVE_H

#include "shell.h"

typedef struct pn_live pn_live;

/* Start watching a run of sm on train (val: the validation data, or NULL)
 * with the options o given to nn_train and the command line l (log=).
 * *live is NULL when there is neither a panel nor a log. Returns -1 with
 * S->err set when the log cannot be opened, and nothing changed. */
int pn_live_open(sh_session *S, sh_model *sm, const sh_line *l,
                 const sh_data *train, const sh_data *val,
                 const nn_train_opts *o, pn_live **live);
/* Whether the panel owns the screen (nothing else may print). 0 for
 * NULL. */
int pn_live_panel(const pn_live *L);
/* The progress after a batch; non-zero stops the run (q, Ctrl-C, stop).
 * Nothing happens for NULL. */
int pn_live_batch(pn_live *L, const nn_progress *p);
/* After nn_train returned rc: give the terminal back, print the summary
 * of a run the panel showed, end and close the log, free L (may be
 * NULL). */
void pn_live_close(pn_live *L, int rc);

/* The panel of a GAN run (live_gan.c): g's run (g->gan) against d on
 * data, and its log when log is not NULL (taken over: closed at the
 * end). *live is NULL when there is neither a terminal nor a log (the
 * run prints its lines, as it does with a log only). */
typedef struct pn_gan_live pn_gan_live;
int pn_gan_open(sh_session *S, sh_model *g, sh_model *d,
                const sh_data *data, FILE *log, pn_gan_live **live);
/* Whether the panel owns the screen; 0 for NULL. */
int pn_gan_panel(const pn_gan_live *L);
/* After each iteration of s (p: the point just added, or NULL); non-zero
 * stops the run (q, Ctrl-C). Nothing happens for NULL. */
int pn_gan_iter(pn_gan_live *L, const nn_gan *s, const nn_gan_point *p);
/* Give the terminal back and print the run's summary; frees L. */
void pn_gan_close(pn_gan_live *L, int rc);

#endif
