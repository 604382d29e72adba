/* steer_util.h - what test_steer and test_steerfile share. */
#ifndef STEER_UTIL_H
#define STEER_UTIL_H

#include "nn.h"

/* n samples of `in` uniform inputs in [-1, 1] with labels of k classes
 * that mostly follow the first input (checked with ck_assert). */
nn_dataset *random_set(size_t n, int in, int k, uint64_t seed);

/* in -> hidden act (with dropout when drop > 0) -> k softmax. */
nn_model *mlp(int in, int hidden, nn_act act, float drop, int k,
              uint64_t seed);

#endif
