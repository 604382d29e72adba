/* render_views.h - the views of the live panel and of `view`: digit
 * predictions, the confusion matrix, the decision boundary, per-layer
 * statistics and class probabilities. A view is computed from a model and
 * a dataset into a snapshot (a few forward passes, which the panel runs
 * only at evaluation points), and the snapshot is drawn into a canvas area
 * as often as the panel redraws; drawing never touches the model. */
#ifndef NNSH_RENDER_VIEWS_H
#define NNSH_RENDER_VIEWS_H

#include <stdio.h>

#include "canvas.h"
#include "nn.h"

/* The kinds of view, in the order of view_list.h: VW_DIGITS, ... */
typedef enum vw_kind {
#define VIEW(K, name, key) VW_##K,
#include "view_list.h"
#undef VIEW
	VW_COUNT
} vw_kind;

/* The name of view kind k ("digits"), its one-line help, its key in the
 * panel, and every name in order, separated by blanks (for messages). */
const char *vw_name(int k);
const char *vw_help(int k);
int vw_key(int k);
/* Whether view kind k shows a dataset (else only a model: stats,
 * samples). */
int vw_needs_data(int k);
/* Whether view kind k draws a GAN's generator (a GAN run's panel shows
 * those views, a training run's the others). */
int vw_generator(int k);
const char *vw_list(void);
/* The names in order, NULL-terminated (for completion). */
const char *const *vw_names(void);
/* The kind of a name (or a unique prefix of one); -1 when unknown. */
int vw_parse(const char *name);
/* The kind whose panel key is c; -1 when none. */
int vw_by_key(int c);
/* Write the list of views for `help view`: a line per view, its name
 * and help, then its further lines of help, indented. */
void vw_help_table(FILE *f);

#define VW_TREND 24             /* stds kept per statistics row */

/* One row of the statistics view: a line of `stats` and the standard
 * deviations of that tensor at the last updates. */
typedef struct vw_row {
	char text[256];
	int header;             /* a layer's title, not a tensor */
	double trend[VW_TREND];
	int ntrend;
} vw_row;

typedef struct vw_view {
	vw_kind kind;
	int mode;               /* the canvas mode it is drawn in */
	const nn_dataset *d;    /* the samples it shows (not owned) */
	float mid, half;        /* a single output: its class threshold and
	                         * its distance to the targets (0.5, 0.5
	                         * unless vw_set_targets) */
	char what[96];          /* "digits.test", for the titles */
	char note[160];         /* why there is nothing to show, or "" */
	int ready;              /* computed at least once */
	void *state;            /* the kind's own snapshot (its class's
	                         * state_size bytes, zeroed at vw_init) */
	/* a fixed random sample of d, and the model's predictions and
	 * outputs for it (digits, probs and recon share them) */
	size_t *sample;
	size_t nsample, npred;
	int *pred;
	float *out;             /* npred x outw outputs (tables) */
	size_t outw;
	/* What the caller chooses (the kinds' own snapshots live in their
	 * states). probs: the sample shown */
	size_t index;
	int has_index;          /* index was chosen (else the first sample) */
	/* latent: the node whose codes it plots */
	int node;               /* 0-based; -1: the node named code, else
	                         * the narrowest hidden one */
	/* generated samples (samples, gan): the model is a generator */
	size_t count;           /* how many to show (0: as many as fit) */
	unsigned long seed;     /* their fixed noise */
	int noise;              /* its kind (nn_gan_noise) */
	nn_shape shape;         /* their shape (ndim 0: the model's) */
	nn_model *disc;         /* gan: the discriminator */
	float corrupt;          /* recon: the noise added to the inputs */
	int layer, head;        /* attention: which layer (from 1; 0: the
	                         * first) and head (from 1; 0: the mean);
	                         * histograms: which layer (from 1; 0: all) */
	const nn_history *hist; /* histograms: the model's history */
} vw_view;

/* A view of kind k of the samples in d (named what in titles), drawn in
 * canvas mode `mode`; d may be NULL for stats. Nothing is computed yet. */
void vw_init(vw_view *v, vw_kind k, const nn_dataset *d, const char *what,
             int mode);
/* A single output's class threshold and scale for a model trained
 * towards lo and hi (`targets`; lo == hi: the labels as they are). */
void vw_set_targets(vw_view *v, float lo, float hi);
void vw_free(vw_view *v);

/* Compute what the view shows in a w x h area from model m. Digits, confusion, boundary and probs run forward
 * passes (dropout off) on a few samples, at most all of d for the
 * confusion matrix. Stats read the parameters and, when batch > 0, the
 * outputs and gradients the last training batch of that many samples left
 * in the model. Returns 0, or -1 with v->note saying why nothing can be
 * shown. */
int vw_update(vw_view *v, nn_model *m, int w, int h, size_t batch);

/* Whether the snapshot was computed for fewer samples than a w x h area
 * shows (the digits grid grew), so it should be computed again. */
int vw_stale(const vw_view *v, int w, int h);

/* Draw the snapshot into the w x h area at (x, y); a note when it does
 * not fit or there is nothing to show. */
void vw_draw(const vw_view *v, cv_canvas *c, int x, int y, int w, int h);

/* The height a view drawn once (`view`) needs at width w. */
int vw_height(const vw_view *v, int w);

/* The node the latent view shows by default: the one named "code", else
 * the narrowest node before the output (0-based). */
int vw_code_node(const nn_model *m);

/* Forward and backward passes over the first n samples of d with loss,
 * so the model holds the outputs and gradients that stats show; returns
 * the number of samples used, or 0 with a message (nn_error). */
size_t vw_stats_pass(nn_model *m, nn_loss_kind loss, const nn_dataset *d,
                     size_t n);

#endif
