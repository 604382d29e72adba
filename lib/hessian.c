/* hessian.c - the largest eigenvalues of the Hessian of a model's loss
 * without forming the Hessian (LeCun et al., "Efficient BackProp",
 * section 9.5): power iteration on Hessian-vector products (exact, by
 * the R-operator of hvp.c), with deflation for the eigenvalues after the
 * first; and LeCun's running estimate of the largest, psi <- (1 - gamma)
 * psi + gamma H psi / |psi|, whose size tends to |lambda_max| (section
 * 9.5's on-line method, with H v exact rather than a difference of
 * gradients). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

static double dotd(const double *a, const double *b, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static double normalize(double *v, size_t n)
{
	double r = sqrt(dotd(v, v, n));

	if (r > 0)
		for (size_t i = 0; i < n; i++)
			v[i] /= r;
	return r;
}

/* H v minus the eigenpairs found so far: the deflated product. */
static int deflated(nn_closure *c, const double *v, double *hv,
                    const double *vecs, const double *vals, int found,
                    size_t n)
{
	if (nn_hessian_vec(c, v, hv) < 0)
		return -1;
	for (int j = 0; j < found; j++) {
		const double *u = vecs + (size_t)j * n;
		double a = vals[j] * dotd(u, v, n);

		for (size_t i = 0; i < n; i++)
			hv[i] -= a * u[i];
	}
	return 0;
}

int nn_hessian_top(nn_closure *c, int k, int iters, nn_rng *rng,
                   double *vals)
{
	return nn_hessian_top_vectors(c, k, iters, rng, vals, NULL);
}

int nn_hessian_running(nn_closure *c, double *psi, double gamma,
                       double *norm)
{
	size_t n = nn_model_param_count(c->m);
	double *v = malloc((n ? n : 1) * sizeof *v);
	double *hv = malloc((n ? n : 1) * sizeof *hv), r;
	int rc = -1;

	if (!v || !hv) {
		nn_fail("out of memory");
		goto done;
	}
	memcpy(v, psi, n * sizeof *v);
	if (!((r = normalize(v, n)) > 0)) {
		nn_fail("the estimate is zero");
		goto done;
	}
	if (nn_hessian_vec(c, v, hv) < 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		psi[i] = (1 - gamma) * psi[i] + gamma * hv[i];
	*norm = sqrt(dotd(psi, psi, n));
	rc = 0;
done:
	free(v);
	free(hv);
	return rc;
}

int nn_hessian_top_vectors(nn_closure *c, int k, int iters, nn_rng *rng,
                           double *vals, double *vectors)
{
	size_t n = nn_model_param_count(c->m);
	double *vecs, *v, *hv;
	int rc = -1;

	for (size_t i = 0; i < nn_model_layers(c->m); i++) {
		nn_layer_info info;

		nn_model_layer_info(c->m, i, &info);
		if (info.act == NN_ACT_STEP || strcmp(info.kind, "step") == 0)
			return nn_fail("layer %zu (%s) is a step, whose "
			               "derivative is 0 or undefined: the "
			               "Hessian says nothing there (use "
			               "sigmoid or tanh)", i + 1, info.desc);
	}
	if (k < 1 || (size_t)k > n)
		return nn_fail("top= must be 1..%zu (the parameters)", n);
	vecs = malloc((size_t)k * n * sizeof *vecs);
	v = malloc(n * sizeof *v);
	hv = malloc(n * sizeof *hv);
	if (!vecs || !v || !hv) {
		nn_fail("out of memory");
		goto done;
	}
	for (int j = 0; j < k; j++) {
		double lambda = 0;

		for (size_t i = 0; i < n; i++)
			v[i] = nn_rng_normal(rng);
		for (int j2 = 0; j2 < j; j2++) {        /* start orthogonal */
			const double *u = vecs + (size_t)j2 * n;
			double a = dotd(u, v, n);

			for (size_t i = 0; i < n; i++)
				v[i] -= a * u[i];
		}
		normalize(v, n);
		for (int it = 0; it < iters; it++) {
			double prev = lambda;

			if (deflated(c, v, hv, vecs, vals, j, n) < 0)
				goto done;
			lambda = dotd(v, hv, n);        /* Rayleigh quotient */
			memcpy(v, hv, n * sizeof *v);
			if (normalize(v, n) == 0)
				break;
			if (it > 2 && fabs(lambda - prev) <=
			    1e-6 * fmax(fabs(lambda), 1e-12))
				break;
		}
		vals[j] = lambda;
		memcpy(vecs + (size_t)j * n, v, n * sizeof *v);
	}
	if (vectors)
		memcpy(vectors, vecs, (size_t)k * n * sizeof *vecs);
	rc = 0;
done:
	free(vecs);
	free(v);
	free(hv);
	return rc;
}
