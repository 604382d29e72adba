/* full.h - inside libnn: the state of a full-batch method (optim2.c),
 * which model files save and load (modelsave.c, modelfile.c) so that a
 * stopped run resumes exactly. */
#ifndef NN_FULL_H
#define NN_FULL_H

#include "nn.h"

struct nn_full {
	size_t n;               /* parameters */
	long iter;              /* iterations taken */
	float *x0, *g, *d, *gprev, *gnew, *glo, *ghi;
	double t_prev, gtd_prev;  /* cg: the last step and slope */
	/* lbfgs: the last `history` pairs, a ring */
	int cap, count, head;
	float *S, *Y;
	double *rho, *alpha;
	double h_diag;
	/* lm */
	double *A, *A0, *b, *x;
	/* bfgs: the inverse Hessian estimate (n x n), and H y */
	double *H, *Hy;
	double *pd, *hp;        /* scg: the direction as doubles, H times it */
	int h_scaled;           /* H was scaled by y.s / y.y once */
	/* scg: the scale lambda, its raised value, the curvature along p,
	 * and whether the last step was taken */
	double lambda, lambda_bar, delta;
	int scg_failed;
};

/* o's state for a model of n parameters, made (and the old one freed)
 * when there is none or it does not fit n, o's kind and history=; NULL
 * with a message when out of memory. */
nn_full *nn_full_state(nn_optim *o, size_t n);

#endif
