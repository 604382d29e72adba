/* suite.h - how every Check test program runs its suite. */
#ifndef NN_SUITE_H
#define NN_SUITE_H

#include <check.h>

/* Run every test of s, print Check's summary, free s; returns the exit
 * status for main (0 when every test passed). */
int run_suite(Suite *s);

/* The directory of MNIST's official test set (t10k-*-ubyte.gz), or NULL
 * when there is none: $NNSH_TEST_DATA when set ("none" pretends there is
 * none), else shared/data/mnist beside the source tree when present. */
const char *official_mnist_dir(void);

#endif
