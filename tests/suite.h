/* suite.h - how every Check test program runs its suite. */
#ifndef NN_SUITE_H
#define NN_SUITE_H

#include <check.h>

/* Run every test of s, print Check's summary, free s; returns the exit
 * status for main (0 when every test passed). */
int run_suite(Suite *s);

#endif
