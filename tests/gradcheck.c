/* gradcheck.c - central-difference gradient checks of whole models: each
 * parameter is nudged by +-eps and the change of the loss compared with the
 * gradient that backprop wrote. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"

double gc_relerr(double a, double f)
{
	double d = fabs(a - f), s = fabs(a) + fabs(f);

	return d / (s > 1e-3 ? s : 1e-3);
}

void gc_fill(nn_rng *r, float *v, size_t n, float lo, float hi)
{
	for (size_t i = 0; i < n; i++)
		v[i] = lo + (hi - lo) * (float)nn_rng_uniform(r);
}

static double loss_at(nn_model *m, nn_loss_kind loss, const float *x,
                      const float *y, size_t n, int training,
                      uint64_t seed, float *grad, int *dz_given)
{
	nn_rng r;
	const float *out;
	size_t last = nn_model_layers(m) - 1;
	size_t w = nn_shape_size(nn_model_output_shape(m));

	nn_rng_seed(&r, seed);
	out = nn_model_forward(m, x, n, training, &r);
	return nn_loss(loss, nn_model_output_act(m), nn_model_z(m, last),
	               out, y, n, w, grad, dz_given) +
	       nn_model_penalty_value(m, -1);
}

/* Central difference of the loss in the parameter *v with step h. */
static double central(nn_model *m, nn_loss_kind loss, const float *x,
                      const float *y, size_t n, int training, uint64_t seed,
                      float *v, double h)
{
	float keep = *v;
	double lp, lm;

	*v = (float)(keep + h);
	lp = loss_at(m, loss, x, y, n, training, seed, NULL, NULL);
	*v = (float)(keep - h);
	lm = loss_at(m, loss, x, y, n, training, seed, NULL, NULL);
	*v = keep;
	return (lp - lm) / ((double)(float)(keep + h) - (float)(keep - h));
}

double gc_model(nn_model *m, nn_loss_kind loss, const float *x,
                const float *y, size_t n, double eps, int training,
                uint64_t seed, char *worst_param, size_t len)
{
	size_t w = nn_shape_size(nn_model_output_shape(m));
	size_t total = nn_model_param_count(m);
	float *grad = malloc(n * w * sizeof *grad);
	float *analytic = malloc((total ? total : 1) * sizeof *analytic);
	double worst = 0;
	int dz_given;

	loss_at(m, loss, x, y, n, training, seed, grad, &dz_given);
	nn_model_backward(m, grad, dz_given);
	memcpy(analytic, nn_model_grads(m), total * sizeof *analytic);
	for (size_t i = 0; i < nn_model_layers(m); i++) {
		for (int k = 0; k < nn_model_layer_nparams(m, i); k++) {
			nn_param p;

			nn_model_param(m, i, k, &p);
			for (size_t j = 0; j < p.size; j++) {
				size_t off = (size_t)(p.value + j -
				                      nn_model_params(m));
				double num = 0, err = INFINITY;

				/* the better of two steps: a large one may
				 * cross a kink (relu, step), a small one
				 * drowns in float32 rounding */
				for (double h = eps; h > eps / 20; h /= 10) {
					double d = central(m, loss, x, y, n,
					                   training, seed,
					                   p.value + j, h);
					double e = gc_relerr(analytic[off], d);

					if (e < err) {
						err = e;
						num = d;
					}
				}
				if (err > worst) {
					worst = err;
					if (worst_param)
						snprintf(worst_param, len,
						         "%zu.%s[%zu]: backprop "
						         "%.6g numeric %.6g",
						         i + 1, p.name, j,
						         analytic[off], num);
				}
			}
		}
	}
	free(grad);
	free(analytic);
	return worst;
}

double gc_input(nn_model *m, nn_loss_kind loss, const float *x,
                const float *y, size_t n, double eps, char *worst, size_t len)
{
	size_t w = nn_shape_size(nn_model_output_shape(m));
	size_t in = n * nn_shape_size(nn_model_input_shape(m));
	float *grad = malloc(n * w * sizeof *grad);
	float *xv = malloc(in * sizeof *xv), *analytic = malloc(in * 4);
	double err_worst = 0;
	int dz_given;

	memcpy(xv, x, in * sizeof *xv);
	loss_at(m, loss, xv, y, n, 0, 0, grad, &dz_given);
	nn_model_backward(m, grad, dz_given);
	memcpy(analytic, nn_model_input_grad(m), in * sizeof *analytic);
	for (size_t j = 0; j < in; j++) {
		double err = INFINITY, num = 0;

		for (double h = eps; h > eps / 20; h /= 10) {
			float keep = xv[j];
			double lp, lm, d, e;

			xv[j] = (float)(keep + h);
			lp = loss_at(m, loss, xv, y, n, 0, 0, NULL, NULL);
			xv[j] = (float)(keep - h);
			lm = loss_at(m, loss, xv, y, n, 0, 0, NULL, NULL);
			d = (lp - lm) / ((double)(float)(keep + h) -
			                 (float)(keep - h));
			xv[j] = keep;
			e = gc_relerr(analytic[j], d);
			if (e < err) {
				err = e;
				num = d;
			}
		}
		if (err > err_worst) {
			err_worst = err;
			if (worst)
				snprintf(worst, len, "dx[%zu]: backprop %.6g "
				         "numeric %.6g", j, analytic[j], num);
		}
	}
	free(grad);
	free(xv);
	free(analytic);
	return err_worst;
}
