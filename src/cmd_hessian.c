/* cmd_hessian.c - `hessian [MODEL] DATA [top=K]`: the largest eigenvalues
 * of the Hessian of a model's loss on a dataset, and the learning rates
 * LeCun's "Efficient BackProp" derives from the largest; the estimate
 * `train ... lr=auto` refreshes. */
#include <math.h>
#include <stdlib.h>

#include "handlers.h"

#define HESSIAN_ITERS 200       /* products per eigenvalue, at most */
#define AUTO_SAMPLES 500        /* lr=auto: the samples it looks at */
#define AUTO_ITERS 30           /* lr=auto: products, at most */

/* The largest eigenvalues of sm's loss Hessian on the first n samples of
 * d (top of them, iters products each at most) into vals; evals receives
 * the gradient evaluations. 0, or -1 after an error. */
static int top_eigen(sh_session *S, sh_model *sm, const nn_dataset *d,
                     size_t n, int top, int iters, double *vals,
                     long *evals)
{
	size_t w = nn_shape_size(nn_model_output_shape(sm->m));
	float *x = malloc(n * d->xsize * sizeof *x);
	float *y = malloc(n * w * sizeof *y), *g = malloc(n * w * sizeof *g);
	size_t *idx = malloc(n * sizeof *idx);
	nn_closure c = { 0 };
	nn_rng rng;
	int rc = -1;

	if (!x || !y || !g || !idx) {
		sh_err(S, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	nn_dataset_gather(d, idx, n, x, y);
	c.m = sm->m;
	c.loss = sh_model_loss(sm);
	c.x = x;
	c.y = y;
	c.n = n;
	c.grad = g;
	nn_rng_seed(&rng, S->seed + 12345);
	if (nn_loss_check(c.loss, nn_model_output_act(sm->m), w) < 0 ||
	    nn_hessian_top(&c, top, iters, &rng, vals) < 0) {
		sh_err(S, "hessian: %s", nn_error());
		goto done;
	}
	*evals = c.evals;
	rc = 0;
done:
	free(x);
	free(y);
	free(g);
	free(idx);
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
                    const nn_dataset *d, double *lmax)
{
	long evals;

	if (fits(S, sm, name, d) < 0)
		return -1;
	return top_eigen(S, sm, d, d->n < AUTO_SAMPLES ? d->n : AUTO_SAMPLES,
	                 1, AUTO_ITERS, lmax, &evals);
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
	              &evals) < 0) {
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
