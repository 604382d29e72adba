/* histograms.h - each parameter tensor's weight and gradient histograms
 * over the points of a run (recorded by lib/stats.c), stacked in time:
 * chosen and scaled once (hg_make), then drawn as rows of shaded cells
 * (the panel's `histograms` view and `view stats over=time`, both in
 * view_histograms.c) or as heat maps in a file (cmd_stats_time.c). */
#ifndef NNSH_HISTOGRAMS_H
#define NNSH_HISTOGRAMS_H

#include "canvas.h"
#include "nn.h"

#define HG_LABEL 12             /* the column of the row labels */

/* One tensor over the points shown: for the values (0) and the gradient
 * (1), the range and each row's cells, scaled to its largest cell. */
typedef struct hg_track {
	int layer, k;
	char name[16];
	char desc[64];          /* its layer's description, "dense 8 tanh" */
	size_t size;
	double lo[2], hi[2];
	double *cell[2];        /* rows x nb, 0..1; a row of NaN: absent */
} hg_track;

typedef struct hg_picture {
	const struct nn_stats_point **pt;  /* the points shown, in order */
	int rows, nb;
	int by_epoch;           /* rows labelled by epoch (else iteration) */
	double *y;              /* each row's epoch or iteration, counted
	                         * across the history's runs */
	hg_track *t;
	int nt;
} hg_picture;

/* Choose at most `rows` of the recorded points of history h (which has
 * some) evenly, the first and the last among them, and the tensors of
 * the last one (of layer `layer`, from 1, when not 0) of model m, each
 * binned in nb cells. 0, or -1 when out of memory (free P either way). */
int hg_make(hg_picture *P, const nn_history *h, const nn_model *m,
            long layer, int rows, int nb);
void hg_free(hg_picture *P);

/* The columns and rows the drawing of P takes. */
int hg_width(const hg_picture *P);
int hg_height(const hg_picture *P);

/* Draw P into the w x h area at (x, y): per tensor a title, the values'
 * and the gradients' rows side by side, and their ranges below; tensors
 * that do not fit are counted in the last line. */
void hg_draw(const hg_picture *P, cv_canvas *c, int x, int y, int w,
             int h);

/* The x of each point of h: iterations counted across the runs of the
 * history (a run starts again from 1); or, when every point ends an
 * epoch, the epochs counted the same way. *by_epoch says which. NULL
 * when out of memory. */
double *hg_point_x(const nn_history *h, int *by_epoch);

#endif
