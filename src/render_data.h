/* render_data.h - pure renderers of datasets into a canvas: samples as
 * shaded images with their labels, and 2-D data as a scatter plot
 * coloured by class. Shared by `show` and the live panel. */
#ifndef NNSH_RENDER_DATA_H
#define NNSH_RENDER_DATA_H

#include "canvas.h"
#include "nn.h"

/* Whether the samples of d are images (shape C x H x W or H x W); sets
 * their width and height. */
int rd_is_image(const nn_dataset *d, int *w, int *h);

/* Sample i of image set d as w x h grey bytes (channels averaged): bytes
 * as stored, floats mapped from [lo, hi] to 0..255. */
void rd_sample_pixels(const nn_dataset *d, size_t i, float lo, float hi,
                      uint8_t *out);

/* Samples [from, to) of the image set d in a grid at most width cells
 * wide, each captioned "INDEX: LABEL NAME". NULL when d is not an image
 * set, the range is empty or memory runs out. */
cv_canvas *rd_images(const nn_dataset *d, size_t from, size_t to, int width,
                     int mode);

/* Whether rd_scatter can plot d: 2 inputs, or 1 input and 1 float
 * target. */
int rd_can_scatter(const nn_dataset *d);

/* A w x h scatter plot with axes and a legend of a set with 2 inputs
 * (coloured by class), or with 1 input and 1 float target (the target
 * against the input). NULL for other sets, when w x h is too small (at
 * least 24 x 8) or memory runs out. */
cv_canvas *rd_scatter(const nn_dataset *d, int w, int h, int mode);

#endif
