/* cmd_hessian.c - `hessian [MODEL] DATA [top=K]`: the largest eigenvalues
 * of the Hessian of a model's loss on a dataset, and the learning rates
 * LeCun's "Efficient BackProp" derives from the largest; the estimate
 * `train ... lr=auto` refreshes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#define HESSIAN_ITERS 200       /* products per eigenvalue, at most */
#define AUTO_SAMPLES 500        /* lr=auto: the samples it looks at */
#define AUTO_ITERS 30           /* lr=auto: products, at most */
#define AUTO_GAMMA 0.1          /* lr=auto: the running estimate's weight
                                 * of each batch */

static void closure_free(nn_closure *c)
{
	free((float *)c->x);
	free((float *)c->y);
	free(c->grad);
}

/* A closure of sm's loss on the n samples of d from pos on (wrapping
 * around); 0, or -1 after an error. closure_free releases it. */
static int closure_on(sh_session *S, sh_model *sm, const nn_dataset *d,
                      size_t pos, size_t n, nn_closure *c)
{
	size_t w = nn_shape_size(nn_model_output_shape(sm->m));
	float *x = malloc(n * d->xsize * sizeof *x);
	float *y = malloc(n * w * sizeof *y), *g = malloc(n * w * sizeof *g);
	size_t *idx = malloc(n * sizeof *idx);

	memset(c, 0, sizeof *c);
	if (!x || !y || !g || !idx) {
		free(x);
		free(y);
		free(g);
		free(idx);
		return sh_err(S, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = (pos + i) % d->n;
	nn_dataset_gather(d, idx, n, x, y);
	free(idx);
	c->m = sm->m;
	c->loss = sh_model_loss(sm);
	c->x = x;
	c->y = y;
	c->n = n;
	c->grad = g;
	if (nn_loss_check(c->loss, nn_model_output_act(sm->m), w) < 0) {
		closure_free(c);
		return sh_err(S, "hessian: %s", nn_error());
	}
	return 0;
}

/* The largest eigenvalues of sm's loss Hessian on the first n samples of
 * d (top of them, iters products each at most) into vals, and their
 * vectors into vecs unless NULL; evals receives the gradient
 * evaluations. 0, or -1 after an error. */
static int top_eigen(sh_session *S, sh_model *sm, const nn_dataset *d,
                     size_t n, int top, int iters, double *vals,
                     double *vecs, long *evals)
{
	nn_closure c;
	nn_rng rng;
	int rc = 0;

	if (closure_on(S, sm, d, 0, n, &c) < 0)
		return -1;
	nn_rng_seed(&rng, S->seed + 12345);
	c.rng = &rng;
	if (nn_hessian_top_vectors(&c, top, iters, &rng, vals, vecs) < 0)
		rc = sh_err(S, "hessian: %s", nn_error());
	*evals = c.evals;
	closure_free(&c);
	return rc;
}

/* Whether d fits sm as hessian needs; -1 after an error if not. */
static int fits(sh_session *S, sh_model *sm, const char *name,
                const nn_dataset *d)
{
	size_t w = nn_shape_size(nn_model_output_shape(sm->m));

	if (sm->hop)
		return sh_err(S, "hessian: %s is a Hopfield network (it has an "
		              "energy, not a loss)", sm->name);
	if (d->xsize != nn_shape_size(nn_model_input_shape(sm->m)) ||
	    d->ysize != w || d->n == 0)
		return sh_err(S, "hessian: %s does not fit %s (inputs %zu, "
		              "targets %zu; the model takes %zu to %zu)",
		              name, sm->name, d->xsize, d->ysize,
		              nn_shape_size(nn_model_input_shape(sm->m)), w);
	return 0;
}

int sh_hessian_lmax(sh_session *S, sh_model *sm, const char *name,
                    const nn_dataset *d, double *lmax, double *psi)
{
	size_t np = nn_model_param_count(sm->m);
	long evals;

	if (fits(S, sm, name, d) < 0 ||
	    top_eigen(S, sm, d, d->n < AUTO_SAMPLES ? d->n : AUTO_SAMPLES,
	              1, AUTO_ITERS, lmax, psi, &evals) < 0)
		return -1;
	for (size_t i = 0; i < np; i++)
		psi[i] *= *lmax;
	return 0;
}

int sh_hessian_running(sh_session *S, sh_model *sm, const nn_dataset *d,
                       size_t *pos, size_t b, double *psi, double *lmax)
{
	nn_closure c;
	int rc = 0;

	if (closure_on(S, sm, d, *pos, b, &c) < 0)
		return -1;
	if (nn_hessian_running(&c, psi, AUTO_GAMMA, lmax) < 0)
		rc = sh_err(S, "lr=auto: %s", nn_error());
	*pos = (*pos + b) % d->n;
	closure_free(&c);
	return rc;
}

int cmd_hessian(sh_session *S, const sh_line *l)
{
	int two = sh_npos(l) == 2;
	sh_model *sm = sh_model_arg(S, two ? sh_pos(l, 0)->text : NULL);
	double *vals;
	char fd[256];
	int nfd;
	sh_data *sd;
	size_t np;
	long top, evals;

	if (!sm || !(sd = sh_data_arg(S, sh_pos(l, two)->text)) ||
	    sh_opt_long(S, l, "top", 3, 1, 100, &top) < 0 ||
	    fits(S, sm, sd->name, sd->d) < 0)
		return -1;
	np = nn_model_param_count(sm->m);
	if ((size_t)top > np)
		top = (long)np;
	if (!(vals = malloc((size_t)top * sizeof *vals)))
		return sh_err(S, "out of memory");
	if (top_eigen(S, sm, sd->d, sd->d->n, (int)top, HESSIAN_ITERS, vals,
	              NULL, &evals) < 0) {
		free(vals);
		return -1;
	}
	sh_printf(S, "hessian of %s's %s loss on %s (%zu parameters, %zu "
	          "samples): the largest eigenvalue%s\n", sm->name,
	          nn_loss_name(sh_model_loss(sm)), sd->name, np, sd->d->n,
	          top == 1 ? "" : "s");
	for (long j = 0; j < top; j++)
		sh_printf(S, "  lambda %-3ld %12.6g\n", j + 1, vals[j]);
	if (vals[0] > 0)
		sh_printf(S, "gradient descent: best rate 1/lambda_max = %.4g, "
		          "diverges above 2/lambda_max = %.4g\n", 1 / vals[0],
		          2 / vals[0]);
	else
		sh_printf(S, "the largest eigenvalue is not positive: no rate "
		          "follows from it\n");
	nfd = nn_hessian_fd_nodes(sm->m, fd, sizeof fd);
	sh_printf(S, "(%ld Hessian-vector products%s by the R-operator; "
	          "the rates are for the mean loss a step follows)\n", evals,
	          nfd ? "" : ", exact,");
	if (nfd > 0)
		sh_printf(S, "(layer%s %s ha%s no R-operator: %s part of each "
		          "product is a central difference, error about "
		          "1e-5)\n", nfd > 1 ? "s" : "", fd,
		          nfd > 1 ? "ve" : "s", nfd > 1 ? "their" : "its");
	free(vals);
	return 0;
}
