/* render_panel.h - what the live panel knows about a run and how it looks.
 * The state is fed by the training callback (panel.c) or by the log file
 * of a run in another process (monitor.c): progress, the history points,
 * the training loss and accuracy of the batches between them, and the
 * changes made while it ran. Drawing the state (status line, loss and
 * accuracy charts, view tabs, the view, the key line) into a canvas and
 * writing the summary after a run are pure functions of it. */
#ifndef NNSH_RENDER_PANEL_H
#define NNSH_RENDER_PANEL_H

#include <stdio.h>

#include "canvas.h"
#include "nn.h"
#include "render_views.h"

#define PN_FINE 2048            /* batch points kept; then merged in pairs */
#define PN_EVENTS 64            /* changes marked on the curves */
#define PN_MIN_W 40             /* the smallest terminal the panel uses */
#define PN_MIN_H 10

/* Training loss and accuracy between history points: each point sums
 * the batches of at least `span` iterations; when PN_FINE points are
 * full, neighbours are merged and the span doubles, so a long run keeps
 * its start (compressed) and its memory and drawing time stay bounded. */
typedef struct pn_fine {
	double x[PN_FINE];      /* the last iteration of each point */
	double loss[PN_FINE];   /* sums over the point's samples */
	double correct[PN_FINE];
	double seen[PN_FINE];
	size_t n;
	long span;
	long last;              /* the iteration the last point ended at */
	double ploss, pcorrect, pseen;  /* the point being filled */
} pn_fine;

/* A change made while the run went on: "lr 0.5 -> 0.25". */
typedef struct pn_event {
	long iter;
	char text[40];
} pn_event;

typedef struct pn_state {
	char model[64], data[64], val[64];
	char source[128];       /* the log file watched, or "" */
	int classes;            /* the training data has classes */
	long iter, iters;       /* done, in all */
	long iter0;             /* where this session of the run began */
	int epoch, epochs;
	long per_epoch;         /* batches per epoch; 0: unknown */
	double seconds;         /* active time of the run (pauses left out) */
	double seconds0;        /* at iter0 */
	double samples;         /* trained on since iter0 */
	double rate, rate_t, rate_s;  /* samples per second, recently */
	double lr, momentum;
	int has_momentum;       /* SGD: momentum can be changed */
	nn_history pts;         /* history points (iterations made cumulative
	                         * across runs) */
	long pts_off, pts_raw;  /* offset of the current run, its last iter */
	int best;               /* index of the best validation point, -1 */
	pn_fine fine;
	pn_event ev[PN_EVENTS];
	int nev;
	int paused;
	int ended;
	char end[96];           /* how the run ended */
	int xepochs;            /* x axis in epochs (else iterations) */
	double smooth;          /* EMA weight of the training curves; 0 off */
	int view;               /* the view shown (vw_kind) */
	int control;            /* keys steer the run (not a monitor) */
	int gan;                /* a GAN run: each point's loss is D's and
	                         * val_loss G's, acc is D(x) and val_acc
	                         * D(G(z)); no best point */
	char use[64];           /* gan: the model + and - act on */
	char msg[160];          /* feedback on the last key or command */
	int editing;            /* the ':' command line is open */
	char line[128];
} pn_state;

/* An empty state; free what it holds with pn_free. */
void pn_init(pn_state *st);
void pn_free(pn_state *st);

/* The run's size: total iterations and epochs, batches per epoch, and
 * where it starts (a resumed run starts at iter). Chooses the x axis. */
void pn_start(pn_state *st, long iter, long iters, int epochs,
              long per_epoch, double seconds);
/* Progress: the iteration and epoch done and the active seconds. */
void pn_progress(pn_state *st, long iter, int epoch, double seconds);
/* Batches up to iteration iter: sums of their losses and of their right
 * predictions over `seen` samples. */
void pn_add_batches(pn_state *st, long iter, double loss, double correct,
                    double seen);
/* A history point; -1 when memory runs out. */
int pn_add_point(pn_state *st, const nn_metrics *p);
/* Record a change at iteration iter (printf-style), shown as a mark on
 * the curves, in the summary, and as the panel's message. */
void pn_event_add(pn_state *st, long iter, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Draw the whole panel into c, sized as the terminal. v is the current
 * view's snapshot, or NULL for the table of points (monitor). A canvas
 * smaller than PN_MIN_W x PN_MIN_H gets a note saying so. */
void pn_render(const pn_state *st, const vw_view *v, cv_canvas *c);
/* The size of the view area of a W x H panel; 0 when it has none. */
int pn_view_area(int W, int H, int *w, int *h);
/* The loss chart (or with acc the accuracy chart) into the w x h area
 * at (x, y): training and validation curves, changes marked. */
void pn_chart(const pn_state *st, cv_canvas *c, int x, int y, int w, int h,
              int acc);
/* The loss and accuracy charts into the w x h area at (x, y): side by
 * side when wide enough, else one above the other; only the loss when
 * the data has no classes. */
void pn_charts(const pn_state *st, cv_canvas *c, int x, int y, int w, int h);
/* What a run leaves in the scrollback: how it went, the last point, the
 * best validation value, the changes, and the charts at most width cells
 * wide (mode: the canvas mode of f). Times only when timing is set. */
void pn_summary(const pn_state *st, FILE *f, int width, int mode,
                int timing);
/* The last history point as one line, as `train` prints it:
 * "epoch 3/5  loss 0.2134  acc 0.9412  val_loss ...". */
void pn_point_line(const pn_state *st, const nn_metrics *p, char *buf,
                   size_t len);

#endif
