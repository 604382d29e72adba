/* render_inspect.h - pure renderers that look inside a model: confusion
 * matrices, per-layer statistics with histograms, class probability bars,
 * parameter counts and a grid of predicted images. They write text to a
 * FILE (or draw into a canvas) and are shared by the commands and the
 * live panel. */
#ifndef NNSH_RENDER_INSPECT_H
#define NNSH_RENDER_INSPECT_H

#include <stdio.h>

#include "canvas.h"
#include "nn.h"

/* A k x k matrix of counts (row: true class, column: predicted), each
 * class's accuracy, and the `top` most frequent confusions. names may be
 * NULL. Wider than 20 classes only the accuracies and pairs are shown. */
void ri_confusion(FILE *f, const size_t *counts, int k,
                  char *const *names, int top);

/* The column titles of ri_stats_line. */
void ri_stats_header(FILE *f);
/* One line of statistics of n values: count, min, max, mean (0 when it
 * is below a millionth of the largest value, float rounding), std, the
 * share of exact zeros and a histogram of `bins` bins (Unicode blocks, or
 * the ramp " .:-=+*#%@" when unicode is 0). */
void ri_stats_line(FILE *f, const char *label, const float *v, size_t n,
                   int bins, int unicode);

/* A bar per class for the k probabilities p, the predicted class and the
 * true one (truth < 0: unknown) marked; bars are up to width cells. */
void ri_probs(FILE *f, const float *p, int k, char *const *names, int truth,
              int width, int unicode);

/* The class probabilities of a model's outputs o (w of them) by its
 * output activation act: softmax (or sigmoid) outputs as they are,
 * logsoftmax ones exponentiated, others through a softmax; one output is
 * P(class 1) and gives two. Writes them to p and returns their number;
 * *kind names what they are. */
int ri_to_probs(const float *o, size_t w, nn_act act, float *p,
                const char **kind);

/* Each layer's parameter tensors and count, and the total. */
void ri_params(FILE *f, const nn_model *m);

/* The n images idx[] of d in a grid at most width cells wide, each
 * captioned with its prediction pred[]; a wrong prediction shows the
 * true label too and is red. Images 20 pixels or wider are shrunk by 2.
 * NULL when d holds no images or memory runs out. */
cv_canvas *ri_predictions(const nn_dataset *d, const size_t *idx,
                          const int *pred, size_t n, int width, int mode);

#endif
