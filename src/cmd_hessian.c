/* cmd_hessian.c - `hessian [MODEL] DATA [top=K]`: the largest eigenvalues
 * of the Hessian of a model's loss on a dataset, and the learning rates
 * LeCun's "Efficient BackProp" derives from the largest. */
#include <math.h>
#include <stdlib.h>

#include "handlers.h"

#define HESSIAN_ITERS 200       /* products per eigenvalue, at most */

int cmd_hessian(sh_session *S, const sh_line *l)
{
	int two = sh_npos(l) == 2;
	sh_model *sm = sh_model_arg(S, two ? sh_pos(l, 0)->text : NULL);
	size_t w, np, *idx = NULL;
	float *x = NULL, *y = NULL, *g = NULL;
	double *vals = NULL;
	const nn_dataset *d;
	nn_closure c = { 0 };
	sh_data *sd;
	nn_rng rng;
	long top;
	int rc = -1;

	if (!sm || !(sd = sh_data_arg(S, sh_pos(l, two)->text)) ||
	    sh_opt_long(S, l, "top", 3, 1, 100, &top) < 0)
		return -1;
	if (sm->hop)
		return sh_err(S, "hessian: %s is a Hopfield network (it has an "
		              "energy, not a loss)", sm->name);
	d = sd->d;
	w = nn_shape_size(nn_model_output_shape(sm->m));
	np = nn_model_param_count(sm->m);
	if (d->xsize != nn_shape_size(nn_model_input_shape(sm->m)) ||
	    d->ysize != w || d->n == 0)
		return sh_err(S, "hessian: %s does not fit %s (inputs %zu, "
		              "targets %zu; the model takes %zu to %zu)",
		              sd->name, sm->name, d->xsize, d->ysize,
		              nn_shape_size(nn_model_input_shape(sm->m)), w);
	if ((size_t)top > np)
		top = (long)np;
	x = malloc(d->n * d->xsize * sizeof *x);
	y = malloc(d->n * w * sizeof *y);
	g = malloc(d->n * w * sizeof *g);
	idx = malloc(d->n * sizeof *idx);
	vals = malloc((size_t)top * sizeof *vals);
	if (!x || !y || !g || !idx || !vals) {
		sh_err(S, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < d->n; i++)
		idx[i] = i;
	nn_dataset_gather(d, idx, d->n, x, y);
	c.m = sm->m;
	c.loss = sh_model_loss(sm);
	c.x = x;
	c.y = y;
	c.n = d->n;
	c.grad = g;
	nn_rng_seed(&rng, S->seed + 12345);
	if (nn_loss_check(c.loss, nn_model_output_act(sm->m), w) < 0 ||
	    nn_hessian_top(&c, (int)top, HESSIAN_ITERS, &rng, vals) < 0) {
		sh_err(S, "hessian: %s", nn_error());
		goto done;
	}
	sh_printf(S, "hessian of %s's %s loss on %s (%zu parameters, %zu "
	          "samples): the largest eigenvalue%s\n", sm->name,
	          nn_loss_name(c.loss), sd->name, np, d->n,
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
	sh_printf(S, "(%ld Hessian-vector products, each a difference of two "
	          "gradients; the rates are for the mean loss a step "
	          "follows)\n", c.evals / 2);
	rc = 0;
done:
	free(x);
	free(y);
	free(g);
	free(idx);
	free(vals);
	return rc;
}
