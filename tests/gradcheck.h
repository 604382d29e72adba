/* gradcheck.h - finite-difference gradient checks shared by the suites. */
#ifndef NN_GRADCHECK_H
#define NN_GRADCHECK_H

#include "nn.h"

/* Relative error of an analytic value a against a numeric one f, with a
 * floor so that two tiny numbers compare as equal. */
double gc_relerr(double a, double f);

/* Check every parameter gradient of m on the batch (x, y) of n samples
 * against central differences of the loss, penalties included (steps eps and eps/10, the
 * better one kept; the loss summed in double precision). With training set, the forward pass uses an RNG
 * re-seeded with `seed` before each pass, so dropout masks repeat.
 * Returns the worst relative error; fills worst_param ("2.W[13]") if not
 * NULL. */
double gc_model(nn_model *m, nn_loss_kind loss, const float *x,
                const float *y, size_t n, double eps, int training,
                uint64_t seed, char *worst_param, size_t len);

/* The same check for dL/dx of the model input (nn_model_input_grad),
 * without dropout; fills worst ("dx[7]: ...") if not NULL. */
double gc_input(nn_model *m, nn_loss_kind loss, const float *x,
                const float *y, size_t n, double eps, char *worst,
                size_t len);

/* Fill v with n values uniform in [lo, hi). */
void gc_fill(nn_rng *r, float *v, size_t n, float lo, float hi);

#endif
